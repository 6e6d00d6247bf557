//! `sandbox`: an action against a fresh offline sandbox, or the sandbox served on 127.0.0.1
//! so that several commands (`invoke`, `poll`, `listen`) share its state.

use std::io::Write;

use clap::Args;

use super::common::{ActionInput, Failure, SANDBOX_TOKEN, read_input};
use super::context::Context;
use super::invoke::invoke;

#[derive(Debug, Args)]
pub(super) struct SandboxArgs {
    /// The action to run once; omit it to serve the sandbox until stopped.
    #[arg(value_name = "ACTION-KEY")]
    key: Option<String>,

    #[command(flatten)]
    input: ActionInput,

    /// Port to serve the sandbox on when no action is given (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

pub(super) async fn run(args: SandboxArgs, cx: Context<'_>) -> Result<i32, Failure> {
    let Some(key) = args.key else {
        return serve(args.port, cx.stderr).await;
    };
    let input = read_input(&args.input, cx.stdin)?;
    let resolved = super::connection::sandbox()?;
    let harness = cx.loader.load(cx.env, true)?;
    invoke(&harness, &resolved, &key, &input, cx.stdout, cx.stderr).await
}

async fn serve(port: u16, stderr: &mut dyn Write) -> Result<i32, Failure> {
    let fake = fake_zoho::FakeZoho::start_on(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
        .map_err(|e| Failure(format!("could not start the sandbox on port {port}: {e}")))?;
    fake.seed_sandbox();
    fake.add_token(SANDBOX_TOKEN);
    let url = fake.base_url();
    let banner = format!(
        "Offline Zoho sandbox on {url}, seeded with sample CRM Leads, Contacts, Accounts and Deals and Books contacts, items and taxes. It delivers Notifications API callbacks to listeners on 127.0.0.1. Stop it with Ctrl-C.\n\
         In another shell:\n  export ZOHO_API_DOMAIN={url} ZOHO_ACCESS_TOKEN={SANDBOX_TOKEN}\n  \
         cargo run -p zoho-harness -- invoke crmGetRecords --input '{{\"recordType\":\"Leads\",\"fields\":\"First_Name,Last_Name,Email\"}}'\n"
    );
    // One write, and its failure ignored: whoever started the sandbox may stop reading stderr
    // once it has the URL, and a closed pipe must not take the running sandbox down.
    let _ = stderr.write_all(banner.as_bytes()).and_then(|()| stderr.flush());
    // The fake serves on threads of its own; this task only waits, without holding the
    // runtime's thread, until Ctrl-C.
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure(format!("could not wait for Ctrl-C: {e}")))?;
    drop(fake);
    Ok(0)
}
