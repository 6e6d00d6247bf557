//! End-to-end tests: the built component, run in the harness, against fake-zoho.
//! One test binary (one link, one compiled component) with a module per area.

mod attachments;
mod books;
mod books_actions;
mod books_attachments;
mod bulk;
mod cli;
mod cli_triggers;
mod connections;
mod convert;
mod credentials;
mod crm;
mod crm_batches;
mod crm_query;
mod export;
mod faults;
mod harness;
mod hostile;
mod inputs;
mod limits;
mod manifest;
mod notes;
mod notifications;
mod photo;
mod policy;
mod pool;
mod raw;
mod readme;
mod related;
mod secrets;
mod support;
mod tags;
mod triggers;
mod typed;
mod users_and_deleted;
mod world;
