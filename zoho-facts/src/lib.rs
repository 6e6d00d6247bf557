//! Zoho's published facts that more than one side of the product must agree on, each table
//! with its source: the component, the host's allowlist and fake-zoho read the same one, so
//! they cannot drift apart: data centers, Books record types (ids, list keys, sorts, filters), what a call costs in credits, and
//! how Zoho writes instants. `docs/zoho-facts.md` lists every Zoho fact the code relies on.

pub mod books_limits;
pub mod books_types;
pub mod credits;
pub mod data_centers;
pub mod instants;

pub use data_centers::{
    Environment, REGIONS, Region, api_domain, classify, file_origins, is_zoho_api_domain, region, region_for_accounts,
    upload_origin,
};
