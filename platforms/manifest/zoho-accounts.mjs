// Zoho's data centers as an OAuth client sees them: the accounts server (authorize and token
// URLs) and the API domain a token is used on when the token response has no `api_domain`.
// Source: Zoho CRM API v8 docs, "Multi DC support" (api/v8/multi-dc.html) and "OAuth
// overview"; the same table as zoho-facts/src/data_centers.rs, which the Rust host uses.
export const DATA_CENTERS = [
  { code: 'us', label: 'United States', accounts: 'https://accounts.zoho.com', api: 'https://www.zohoapis.com' },
  { code: 'eu', label: 'Europe', accounts: 'https://accounts.zoho.eu', api: 'https://www.zohoapis.eu' },
  { code: 'in', label: 'India', accounts: 'https://accounts.zoho.in', api: 'https://www.zohoapis.in' },
  { code: 'au', label: 'Australia', accounts: 'https://accounts.zoho.com.au', api: 'https://www.zohoapis.com.au' },
  { code: 'jp', label: 'Japan', accounts: 'https://accounts.zoho.jp', api: 'https://www.zohoapis.jp' },
  { code: 'ca', label: 'Canada', accounts: 'https://accounts.zohocloud.ca', api: 'https://www.zohoapis.ca' },
  { code: 'cn', label: 'China', accounts: 'https://accounts.zoho.com.cn', api: 'https://www.zohoapis.com.cn' },
  { code: 'sa', label: 'Saudi Arabia', accounts: 'https://accounts.zoho.sa', api: 'https://www.zohoapis.sa' },
  { code: 'uk', label: 'United Kingdom', accounts: 'https://accounts.zoho.uk', api: 'https://www.zohoapis.uk' },
];

/**
 * The scopes every action and trigger of the connector can need. `ZohoFiles.files.ALL` is what
 * the Bulk Write upload needs (docs bulk-write/upload-file); `ZohoCRM.settings.fields.READ` is
 * what COQL needs (docs api/v8/COQL-Overview), named although `ZohoCRM.settings.ALL` covers it,
 * so a user trimming the list keeps it.
 */
export const DEFAULT_SCOPES =
  'ZohoCRM.modules.ALL ZohoCRM.settings.ALL ZohoCRM.settings.fields.READ ZohoCRM.users.READ ZohoCRM.org.READ ZohoCRM.coql.READ ZohoCRM.bulk.ALL ZohoCRM.notifications.ALL ZohoFiles.files.ALL ZohoBooks.fullaccess.all';

/** The API domain for a token: Zoho's `api_domain` from the token response, else the data center's. */
export function apiDomainFor(token, accountsUrl) {
  if (typeof token?.api_domain === 'string' && token.api_domain !== '') return token.api_domain;
  const center = DATA_CENTERS.find((c) => accountsUrl?.startsWith(c.accounts));
  return center?.api ?? DATA_CENTERS[0].api;
}
