//! The Zoho connector component.
//!
//! Zoho logic is pure and natively tested: an action's input becomes an `http::Request` plan
//! (`crm`, `plan`), Zoho's `http::Response` becomes a result or a typed error (`zoho`), and
//! [`session::Session`] runs plans through the [`session::Host`] trait. In the component that
//! trait is implemented by `exports` over the WIT imports, and `http` is the one module that
//! performs requests over wasi:http.

// Natively only the pure modules are compiled (for unit tests); the WIT glue that uses the rest
// of their API is wasm-only.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

mod actions;
mod attachments;
mod books;
mod coql;
mod crm;
mod cursor;
mod error;
#[doc(hidden)]
pub mod fuzz;
mod inputs;
mod memory;
mod metadata;
mod paging;
mod plan;
mod raw;
mod retry;
mod search;
mod session;
mod time;
mod triggers;
mod validate;
mod zoho;

#[cfg(target_arch = "wasm32")]
mod exports;
#[cfg(target_arch = "wasm32")]
mod http;
