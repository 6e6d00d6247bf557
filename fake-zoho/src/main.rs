//! `fake-zoho`: serves the fake on 127.0.0.1 until stopped (see `fake_zoho::binary`).
//!
//! Usage: `fake-zoho [--port N] [--sandbox] [--token TOKEN]`. `--sandbox` seeds the sample
//! records; `--token` adds a token the fake accepts (default: a random one, printed).

fn main() {
    fake_zoho::binary::run("fake-zoho", None)
}
