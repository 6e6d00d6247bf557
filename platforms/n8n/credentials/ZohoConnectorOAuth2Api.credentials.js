// Zoho OAuth 2.0 for n8n, on n8n's own OAuth 2.0 credential: the data center picks the
// accounts server (or `custom`: any accounts server, for tests and private deployments), and
// n8n keeps Zoho's whole token response (`api_domain` included) in `oauthTokenData`, where the
// nodes read the API domain from. n8n refreshes the token through `accessTokenUrl`.
const { DATA_CENTERS, DEFAULT_SCOPES } = require('../../manifest/zoho-accounts.mjs');

const CUSTOM = 'custom';

/** An n8n expression choosing `path` on the selected data center's accounts server. */
const accountsExpression = (path) => {
  const servers = JSON.stringify(Object.fromEntries(DATA_CENTERS.map((c) => [c.code, c.accounts])));
  return `={{ ($self["dataCenter"] === "${CUSTOM}" ? $self["accountsServer"].replace(/\\/+$/, "") : ${servers}[$self["dataCenter"]]) + "${path}" }}`;
};

class ZohoConnectorOAuth2Api {
  constructor() {
    this.name = 'zohoConnectorOAuth2Api';
    this.extends = ['oAuth2Api'];
    this.displayName = 'Zoho Connector OAuth2 API';
    this.icon = 'file:zoho.svg';
    this.documentationUrl = 'https://www.zoho.com/crm/developer/docs/api/v8/oauth-overview.html';
    this.properties = [
      {
        displayName: 'Data Center',
        name: 'dataCenter',
        type: 'options',
        options: [
          ...DATA_CENTERS.map((c) => ({ name: c.label, value: c.code })),
          { name: 'Custom Accounts Server', value: CUSTOM },
        ],
        default: 'us',
        description: 'Where the Zoho account lives (the domain you sign in at)',
      },
      {
        displayName: 'Accounts Server',
        name: 'accountsServer',
        type: 'string',
        default: '',
        placeholder: 'https://accounts.example.com',
        description: 'The accounts server to authorize and refresh tokens at, when the data center is Custom',
        displayOptions: { show: { dataCenter: [CUSTOM] } },
      },
      { displayName: 'Grant Type', name: 'grantType', type: 'hidden', default: 'authorizationCode' },
      { displayName: 'Authorization URL', name: 'authUrl', type: 'hidden', default: accountsExpression('/oauth/v2/auth') },
      { displayName: 'Access Token URL', name: 'accessTokenUrl', type: 'hidden', default: accountsExpression('/oauth/v2/token') },
      { displayName: 'Scope', name: 'scope', type: 'hidden', default: DEFAULT_SCOPES.split(' ').join(',') },
      { displayName: 'Auth URI Query Parameters', name: 'authQueryParameters', type: 'hidden', default: 'access_type=offline&prompt=consent' },
      { displayName: 'Authentication', name: 'authentication', type: 'hidden', default: 'body' },
    ];
  }
}

module.exports = { ZohoConnectorOAuth2Api };
