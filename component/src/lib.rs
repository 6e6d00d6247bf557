//! The Zoho connector component.
//!
//! Grouped by product and layer: `crm/` (records, lists and their paging, COQL, search,
//! attachments, metadata), `books/`, `triggers/` (polling and the Notifications API) and `raw`
//! (the escape hatch) sit on `shared/`, the core both products use: the error model, the
//! [`shared::session::Session`] that runs request plans through the
//! [`shared::session::Host`] trait, Zoho's envelopes and errors (`zoho`), inputs and their
//! validation. `actions` is the catalog over all of it. Everything above is pure and natively
//! tested; in the component, `exports` implements the host trait over the WIT imports (the
//! only module on the generated bindings) and `http` is the one module that performs requests
//! over wasi:http.

// Natively only the pure modules are compiled (for unit tests); the WIT glue that uses the rest
// of their API is wasm-only.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

mod actions;
mod books;
mod crm;
#[doc(hidden)]
pub mod fuzz;
mod raw;
mod shared;
mod triggers;

#[cfg(target_arch = "wasm32")]
mod exports;
#[cfg(target_arch = "wasm32")]
mod http;
