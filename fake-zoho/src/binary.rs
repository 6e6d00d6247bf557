//! What the `fake-zoho` binary does, as a function, so a binary that adds an observer (the
//! contract check's `fake-zoho-checked`) serves exactly the same fake with the same arguments.
//!
//! Usage: `fake-zoho [--port N] [--sandbox] [--token TOKEN] [--client ID:SECRET]`.
//! `--sandbox` seeds the sample records; `--token` adds a token the fake accepts (default: a
//! random one, printed); `--client` registers an OAuth client with the accounts server (served
//! on the same address, `/oauth/v2/token`) and prints a refresh token issued to it. Prints
//! `ZOHO_API_DOMAIN=...`, `ZOHO_ACCESS_TOKEN=...` (and `ZOHO_REFRESH_TOKEN=...`), then serves
//! on 127.0.0.1 until killed. `/__fake/...` controls move the clock, slow answers down and
//! expire tokens (see `server.rs`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::{ExchangeObserver, FakeZoho};

/// Serves the fake as the binary `name` (for messages), showing every exchange to `observer`
/// when there is one; never returns.
pub fn run(name: &str, observer: Option<Arc<dyn ExchangeObserver>>) -> ! {
    let usage = format!("usage: {name} [--port N] [--sandbox] [--token TOKEN] [--client ID:SECRET]");
    let fail = |message: &str| -> ! {
        eprintln!("{name}: {message}\n{usage}");
        std::process::exit(2);
    };
    let mut port = 0_u16;
    let mut sandbox = false;
    let mut token = None;
    let mut client = None;
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
            "--client" => match args.next().as_deref().and_then(|c| c.split_once(':')) {
                Some((id, secret)) if !id.is_empty() && !secret.is_empty() => {
                    client = Some((id.to_owned(), secret.to_owned()));
                }
                _ => fail("--client needs ID:SECRET"),
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
    if let Some((id, secret)) = client {
        fake.register_client(&id, &secret);
        println!("ZOHO_REFRESH_TOKEN={}", fake.issue_refresh_token(&id));
    }
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
