//! Zoho's data centers: where to authorize and which API domain to call. The token response's
//! `api_domain` wins whenever present; the table is the fallback and the allowlist of API
//! domains a token response may name. It lives in `zoho-facts`, which the component reads too.

pub use zoho_facts::{Environment, REGIONS, Region, api_domain, is_zoho_api_domain, region, region_for_accounts};
