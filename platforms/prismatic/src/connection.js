// The Zoho OAuth 2.0 connection: the data center is chosen by its accounts server (authorize
// and token URLs), and calls go to the `api_domain` Zoho names in the token response.
import { OAuth2Type, oauth2Connection } from '@prismatic-io/spectral';
import { DATA_CENTERS, DEFAULT_SCOPES, apiDomainFor } from '../../manifest/zoho-accounts.mjs';

const choices = (path) => DATA_CENTERS.map((c) => ({ label: c.label, value: `${c.accounts}${path}` }));

export const zohoOAuth = oauth2Connection({
  key: 'zohoOAuth',
  display: {
    label: 'Zoho OAuth 2.0',
    description: "A Zoho account's CRM and Books, authorized through its data center's accounts server.",
  },
  oauth2Type: OAuth2Type.AuthorizationCode,
  inputs: {
    authorizeUrl: {
      label: 'Authorize URL',
      type: 'string',
      required: true,
      shown: true,
      default: `${DATA_CENTERS[0].accounts}/oauth/v2/auth?access_type=offline&prompt=consent`,
      model: DATA_CENTERS.map((c) => ({
        label: c.label,
        value: `${c.accounts}/oauth/v2/auth?access_type=offline&prompt=consent`,
      })),
      comments: "Your Zoho data center's accounts server (access_type=offline gets a refresh token).",
    },
    tokenUrl: {
      label: 'Token URL',
      type: 'string',
      required: true,
      shown: true,
      default: `${DATA_CENTERS[0].accounts}/oauth/v2/token`,
      model: choices('/oauth/v2/token'),
      comments: 'The same data center as the Authorize URL.',
    },
    refreshUrl: {
      label: 'Refresh URL',
      type: 'string',
      required: true,
      shown: false,
      default: `${DATA_CENTERS[0].accounts}/oauth/v2/token`,
      model: choices('/oauth/v2/token'),
    },
    scopes: {
      label: 'Scopes',
      type: 'string',
      required: true,
      shown: true,
      default: DEFAULT_SCOPES,
      comments: 'Space-separated Zoho scopes.',
    },
    clientId: { label: 'Client ID', type: 'string', required: true, shown: true },
    clientSecret: { label: 'Client Secret', type: 'password', required: true, shown: true },
  },
});

/** What the component gets for a Prismatic connection: its access token and API domain. */
export function connectionInfo(connection) {
  const token = connection?.token ?? {};
  if (typeof token.access_token !== 'string' || token.access_token === '') {
    return undefined;
  }
  return {
    accessToken: token.access_token,
    apiDomain: apiDomainFor(token, String(connection.fields?.tokenUrl ?? '')),
  };
}
