//! `fake-zoho`: serves the fake on 127.0.0.1 until stopped.
//!
//! Usage: `fake-zoho [--port N] [--sandbox] [--token TOKEN]`. `--sandbox` seeds the sample
//! records; `--token` adds a token the fake accepts (default: a random one, printed).

use std::net::SocketAddr;
use std::time::Duration;

fn main() {
    let mut port = 0_u16;
    let mut sandbox = false;
    let mut token = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => match args.next().and_then(|p| p.parse().ok()) {
                Some(p) => port = p,
                None => exit_usage("--port needs a port number"),
            },
            "--token" => match args.next() {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => exit_usage("--token needs a value"),
            },
            "--sandbox" => sandbox = true,
            "--help" | "-h" => {
                println!("usage: fake-zoho [--port N] [--sandbox] [--token TOKEN]");
                return;
            }
            other => exit_usage(&format!("unknown argument {other:?}")),
        }
    }
    let fake = match fake_zoho::FakeZoho::start_on(SocketAddr::from(([127, 0, 0, 1], port))) {
        Ok(fake) => fake,
        Err(error) => {
            eprintln!("fake-zoho: could not listen on 127.0.0.1:{port}: {error}");
            std::process::exit(2);
        }
    };
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

fn exit_usage(message: &str) -> ! {
    eprintln!("fake-zoho: {message}\nusage: fake-zoho [--port N] [--sandbox] [--token TOKEN]");
    std::process::exit(2);
}
