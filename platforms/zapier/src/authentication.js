// Zoho OAuth 2.0 for Zapier: the user picks a data center; the authorize and token requests go
// to its accounts server, and the token response's `api_domain` is kept with the tokens, so
// calls go where Zoho says this account lives.
const { DATA_CENTERS, DEFAULT_SCOPES, apiDomainFor } = require('../../manifest/zoho-accounts.mjs');
const { CONNECTION, run } = require('./connector');

/**
 * The accounts server of the user's data center. The integration's environment may name
 * another one (`zapier env:set VERSION ZOHO_ACCOUNTS_SERVER=...`): a private deployment, or the
 * tests' Zoho double.
 */
const accountsOf = (bundle) =>
  process.env.ZOHO_ACCOUNTS_SERVER?.replace(/\/+$/, '') ||
  (DATA_CENTERS.find((c) => c.code === bundle.inputData.dataCenter) ?? DATA_CENTERS[0]).accounts;

async function exchange(z, bundle, body) {
  const accounts = accountsOf(bundle);
  const response = await z.request({
    url: `${accounts}/oauth/v2/token`,
    method: 'POST',
    body: { client_id: process.env.CLIENT_ID, client_secret: process.env.CLIENT_SECRET, ...body },
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  // Zoho answers some OAuth errors with HTTP 200 and an `error` field.
  if (response.data?.error) {
    throw new z.errors.Error(`Zoho refused the token request: ${response.data.error}`, 'AuthenticationError', 401);
  }
  return {
    access_token: response.data.access_token,
    ...(response.data.refresh_token ? { refresh_token: response.data.refresh_token } : {}),
    api_domain: apiDomainFor(response.data, accounts),
  };
}

module.exports = {
  type: 'oauth2',
  fields: [
    {
      key: 'dataCenter',
      label: 'Data Center',
      required: true,
      default: 'us',
      choices: DATA_CENTERS.map((c) => ({ value: c.code, label: c.label, sample: c.code })),
      helpText: 'Where your Zoho account lives (the domain you sign in at).',
    },
    { key: 'api_domain', type: 'string', required: false, computed: true },
  ],
  oauth2Config: {
    authorizeUrl: (z, bundle) => {
      const url = new URL(`${accountsOf(bundle)}/oauth/v2/auth`);
      url.search = new URLSearchParams({
        client_id: process.env.CLIENT_ID ?? '',
        state: bundle.inputData.state,
        redirect_uri: bundle.inputData.redirect_uri,
        response_type: 'code',
        access_type: 'offline',
        prompt: 'consent',
        scope: DEFAULT_SCOPES.split(' ').join(','),
      }).toString();
      return url.toString();
    },
    getAccessToken: (z, bundle) =>
      exchange(z, bundle, { grant_type: 'authorization_code', code: bundle.inputData.code, redirect_uri: bundle.inputData.redirect_uri }),
    refreshAccessToken: (z, bundle) =>
      exchange(z, { inputData: { dataCenter: bundle.authData.dataCenter } }, { grant_type: 'refresh_token', refresh_token: bundle.authData.refresh_token }),
    autoRefresh: true,
  },
  // Zapier tests a connection by running this: the current user, one cheap CRM call, made by
  // the component like every other (Zapier's own request client would send no token).
  test: (z, bundle) =>
    run(z, bundle, async (connector) => (await connector.invoke('crmListUsers', CONNECTION, { type: 'CurrentUser' })).data?.[0] ?? {}),
  // The test's answer is the current user.
  connectionLabel: '{{bundle.inputData.full_name}} ({{bundle.inputData.email}})',
};
