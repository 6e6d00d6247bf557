//! `sandbox`: an action against a fresh offline sandbox, or the sandbox served on 127.0.0.1
//! so that several commands (`invoke`, `poll`, `listen`) share its state.

use std::io::Write;
use std::time::Duration;

use clap::Args;

use super::invoke::invoke;
use super::{ActionInput, Env, Failure, Loader, SANDBOX_TOKEN, read_input};

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

pub(super) async fn run(
    args: SandboxArgs,
    loader: &Loader,
    env: Env<'_>,
    stdin: &mut dyn std::io::Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<i32, Failure> {
    let Some(key) = args.key else {
        return serve(args.port, stderr);
    };
    let input = read_input(&args.input, stdin)?;
    let resolved = super::connection::sandbox()?;
    let harness = loader.load(env, true)?;
    invoke(&harness, &resolved, &key, &input, stdout, stderr).await
}

fn serve(port: u16, stderr: &mut dyn Write) -> Result<i32, Failure> {
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
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
