//! What the `fake-zoho` binary does, as a function, so a binary that adds an observer (the
//! contract check's `fake-zoho-checked`) serves exactly the same fake with the same arguments.
//!
//! Usage: `fake-zoho [--port N] [--sandbox] [--token TOKEN]`. `--sandbox` seeds the sample
//! records; `--token` adds a token the fake accepts (default: a random one, printed). Prints
//! `ZOHO_API_DOMAIN=...` and `ZOHO_ACCESS_TOKEN=...`, then serves on 127.0.0.1 until killed.
//! `POST /__fake/clock/advance {"seconds": N}` moves the fake's clock (see `server.rs`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::{ExchangeObserver, FakeZoho};

/// Serves the fake as the binary `name` (for messages), showing every exchange to `observer`
/// when there is one; never returns.
pub fn run(name: &str, observer: Option<Arc<dyn ExchangeObserver>>) -> ! {
    let usage = format!("usage: {name} [--port N] [--sandbox] [--token TOKEN]");
    let fail = |message: &str| -> ! {
        eprintln!("{name}: {message}\n{usage}");
        std::process::exit(2);
    };
    let mut port = 0_u16;
    let mut sandbox = false;
    let mut token = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => match args.next().and_then(|p| p.parse().ok()) {
                Some(p) => port = p,
                None => fail("--port needs a port number"),
            },
            "--token" => match args.next() {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => fail("--token needs a value"),
            },
            "--sandbox" => sandbox = true,
            "--help" | "-h" => {
                println!("{usage}");
                std::process::exit(0);
            }
            other => fail(&format!("unknown argument {other:?}")),
        }
    }
    let fake = match FakeZoho::start_on(SocketAddr::from(([127, 0, 0, 1], port))) {
        Ok(fake) => fake,
        Err(error) => {
            eprintln!("{name}: could not listen on 127.0.0.1:{port}: {error}");
            std::process::exit(2);
        }
    };
    if let Some(observer) = observer {
        fake.observe(observer);
    }
    if sandbox {
        fake.seed_sandbox();
    }
    let token = token.unwrap_or_else(|| fake.access_token());
    fake.add_token(&token);
    println!("ZOHO_API_DOMAIN={}", fake.base_url());
    println!("ZOHO_ACCESS_TOKEN={token}");
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
