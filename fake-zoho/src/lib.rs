//! A stateful, in-memory fake of Zoho's CRM v8 records API and Books v3 API on 127.0.0.1.
//!
//! It serves Zoho's envelopes and error bodies with Zoho's status codes, checks the
//! `Authorization` header (`Zoho-oauthtoken` or `Bearer`, as Zoho takes both), records every
//! request it receives so tests can assert on exactly what a client sent, and answers an
//! unmatched route with a Zoho-shaped error naming it. Facts it follows are in `shared/zoho-api.md`.
//!
//! ```no_run
//! let fake = fake_zoho::FakeZoho::start().expect("bind 127.0.0.1");
//! println!("{} accepts {}", fake.base_url(), fake.access_token());
//! ```

mod accounts;
mod attachments;
pub mod binary;
mod books;
mod books_actions;
mod books_attachments;
mod bulk;
mod bulk_read;
mod bulk_write;
mod controls;
mod convert;
mod coql;
mod crm;
mod deleted;
mod echo;
mod fields;
pub mod multipart;
mod notes;
mod photo;
mod records;
mod related;
mod reply;
mod request;
mod search;
mod server;
mod state;
mod tags;
mod time;
mod users;
mod watch;
mod wire;

pub use echo::binary_payload;
pub use request::RecordedRequest;
pub use server::FakeZoho;
pub use state::books::{ModifiedFilter, UnsupportedSort};
pub use state::credits::Wording429;
pub use state::crm::Delivery;
pub use state::{Exchange, ExchangeObserver, Fault};
