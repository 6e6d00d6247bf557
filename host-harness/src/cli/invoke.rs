//! `invoke`: one action, its result as JSON on stdout.

use std::io::Write;
use std::sync::Arc;

use clap::Args;

use super::common::{ActionInput, Failure, print_error, print_log, print_output, read_input, wants_debug};
use super::connection::{ConnectionArgs, Resolved};
use super::context::Context;
use zoho_host::MemoryLog;
use zoho_host::output::scrub;
use zoho_host::{CallContext, Harness};

#[derive(Debug, Args)]
pub(super) struct InvokeArgs {
    /// The action key, e.g. crmGetRecords (see `zoho-harness actions`).
    #[arg(value_name = "ACTION-KEY")]
    key: String,

    #[command(flatten)]
    input: ActionInput,

    #[command(flatten)]
    target: ConnectionArgs,
}

pub(super) async fn run(args: InvokeArgs, cx: Context<'_>) -> Result<i32, Failure> {
    let input = read_input(&args.input, cx.stdin)?;
    let (resolved, harness) = cx.loader.connect(&args.target, cx.env).await?;
    invoke(&harness, &resolved, &args.key, &input, cx.stdout, cx.stderr).await
}

/// Runs one action and prints its result (exit 0) or error document (exit 1); the log goes to
/// stderr, HTTP exchanges only when the input asks for `debugRequest`.
pub(super) async fn invoke(
    harness: &Harness,
    resolved: &Resolved,
    key: &str,
    input: &str,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<i32, Failure> {
    let log = MemoryLog::default();
    let context = CallContext::new(Arc::clone(&resolved.provider)).with_log(Arc::new(log.clone()));
    let outcome = harness.invoke(&context, key, &resolved.connection, input).await;
    // After the call: a refresh during it may have produced a secret worth scrubbing.
    let secrets = resolved.provider.secrets();
    print_log(&log, wants_debug(input), &secrets, stderr)?;
    match outcome.map_err(|e| Failure(scrub(&e.to_string(), &secrets)))? {
        Ok(output) => print_output(&output, &secrets, stdout),
        Err(error) => print_error(&error, &secrets, stdout),
    }
}
