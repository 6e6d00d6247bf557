//! The WIT boundary: the generated bindings, the component's host over its imports
//! (`host.rs`), the conversions between WIT and internal types (`convert.rs`), and one file
//! per exported interface, each a thin adapter over the domain modules.

mod actions;
mod books;
mod convert;
mod crm;
mod host;
mod raw;
mod triggers;

// What every interface adapter below takes through `use super::*`.
#[allow(unused_imports, reason = "used by the interface files, not here")]
use {crate::shared::host::CallOptions, crate::shared::session::Session, convert::*, host::WitHost};

#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue is unsafe by nature")]
mod wit {
    wit_bindgen::generate!({
        path: "../wit",
        world: "connector",
        // Reuse the `wasi` crate's bindings for the WASI interfaces the world pulls in.
        with: {
            "wasi:http/outgoing-handler@0.2.12": wasi::http::outgoing_handler,
            "wasi:http/types@0.2.12": wasi::http::types,
            "wasi:io/poll@0.2.12": wasi::io::poll,
            "wasi:io/error@0.2.12": wasi::io::error,
            "wasi:io/streams@0.2.12": wasi::io::streams,
            "wasi:clocks/monotonic-clock@0.2.12": wasi::clocks::monotonic_clock,
            "wasi:clocks/wall-clock@0.2.12": wasi::clocks::wall_clock,
            "wasi:random/random@0.2.12": wasi::random::random,
            "wasi:random/insecure-seed@0.2.12": wasi::random::insecure_seed,
            "wasi:cli/environment@0.2.12": wasi::cli::environment,
            "wasi:cli/exit@0.2.12": wasi::cli::exit,
            "wasi:cli/stdin@0.2.12": wasi::cli::stdin,
            "wasi:cli/stdout@0.2.12": wasi::cli::stdout,
            "wasi:cli/stderr@0.2.12": wasi::cli::stderr,
            "wasi:cli/terminal-input@0.2.12": wasi::cli::terminal_input,
            "wasi:cli/terminal-output@0.2.12": wasi::cli::terminal_output,
            "wasi:cli/terminal-stdin@0.2.12": wasi::cli::terminal_stdin,
            "wasi:cli/terminal-stdout@0.2.12": wasi::cli::terminal_stdout,
            "wasi:cli/terminal-stderr@0.2.12": wasi::cli::terminal_stderr,
        },
    });
}

use wit::exports::zoho::connector::{
    actions as wit_actions, books as wit_books, crm as wit_crm, raw as wit_raw, triggers as wit_triggers,
    types as wit_types,
};
use wit::zoho::connector::{credentials as wit_credentials, logging as wit_logging};

struct Component;

#[allow(unsafe_code, reason = "the export macro generates the ABI entry points")]
mod entry_points {
    use super::{Component, wit};
    wit::export!(Component with_types_in wit);
}
