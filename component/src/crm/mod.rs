//! Zoho CRM v8: records (`plans.rs` for what each request looks like and how its answer
//! decodes, `records.rs` for the operations) and one module per further area.

pub(crate) mod attachments;
pub(crate) mod bulk;
pub(crate) mod convert;
pub(crate) mod coql;
pub(crate) mod metadata;
pub(crate) mod notes;
pub(crate) mod paging;
pub(crate) mod photo;
pub(crate) mod plans;
pub(crate) mod records;
pub(crate) mod related;
pub(crate) mod search;
pub(crate) mod tags;
pub(crate) mod users;
pub(crate) mod watch;

pub use paging::{Fetch, RawRecord};
pub use plans::*;
pub use records::*;
