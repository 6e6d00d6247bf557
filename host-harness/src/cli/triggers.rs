//! `triggers` (the trigger manifest) and `poll` (one poll of a polling trigger, its state kept
//! in a file).
//!
//! `poll` prints the events first and writes the new state only once they are out, so a run
//! that dies in between repeats events on the next poll rather than losing them; a failed
//! poll leaves the state file untouched.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use serde_json::{Value, json};

use super::actions::{product_name, show};
use super::common::{ActionInput, Failure, print_error, print_log, read_input, wants_debug};
use super::connection::ConnectionArgs;
use super::context::Context;
use zoho_host::MemoryLog;
use zoho_host::TriggerKind;
use zoho_host::output::scrub;
use zoho_host::{CallContext, Harness};

#[derive(Debug, Args)]
pub(super) struct TriggersArgs {
    /// Show this trigger's inputs.
    #[arg(value_name = "TRIGGER-KEY")]
    key: Option<String>,

    /// Print the manifest as JSON: key, label, description, product, kind, inputSchema, outputExample.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(super) struct PollArgs {
    /// The trigger key, e.g. crmNewRecords (see `zoho-harness triggers`).
    #[arg(value_name = "TRIGGER-KEY")]
    key: String,

    #[command(flatten)]
    input: ActionInput,

    /// The file holding the trigger's state between polls; absent means the first poll.
    #[arg(long, value_name = "FILE")]
    state: PathBuf,

    #[command(flatten)]
    target: ConnectionArgs,
}

pub(super) async fn list(harness: &Harness, args: TriggersArgs, stdout: &mut dyn Write) -> Result<i32, Failure> {
    let manifest: Vec<Value> = harness
        .list_triggers()
        .await?
        .iter()
        .map(|t| {
            json!({
                "key": t.key,
                "label": t.label,
                "description": t.description,
                "product": product_name(t.product),
                "kind": match t.kind {
                    TriggerKind::Polling => "polling",
                    TriggerKind::Instant => "instant",
                },
                "inputSchema": serde_json::from_str::<Value>(&t.input_schema).unwrap_or(Value::Null),
                "outputExample": serde_json::from_str::<Value>(&t.output_example).unwrap_or(Value::Null),
            })
        })
        .collect();
    show(&manifest, args.key.as_deref(), args.json, "trigger", stdout)
}

pub(super) async fn poll(args: PollArgs, cx: Context<'_>) -> Result<i32, Failure> {
    let input = read_input(&args.input, cx.stdin)?;
    let previous = match std::fs::read_to_string(&args.state) {
        Ok(text) => Some(text.trim().to_owned()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => {
            return Err(Failure(format!(
                "could not read the state file {}: {error}",
                args.state.display()
            )));
        }
    };
    let (resolved, harness) = cx.loader.connect(&args.target, cx.env).await?;
    let log = MemoryLog::default();
    let context = CallContext::new(Arc::clone(&resolved.provider)).with_log(Arc::new(log.clone()));
    let outcome = harness
        .poll(&context, &args.key, &resolved.connection, &input, previous.as_deref())
        .await;
    let secrets = resolved.provider.secrets();
    print_log(&log, wants_debug(&input), &secrets, cx.stderr)?;
    let result = match outcome.map_err(|e| Failure(scrub(&e.to_string(), &secrets)))? {
        Ok(result) => result,
        Err(error) => return print_error(&error, &secrets, cx.stdout),
    };
    let events: Value = serde_json::from_str(&result.events).unwrap_or(Value::Null);
    let document = json!({"events": events, "more": result.more});
    writeln!(
        cx.stdout,
        "{}",
        scrub(&serde_json::to_string_pretty(&document)?, &secrets)
    )?;
    cx.stdout.flush()?;
    zoho_host::private_file::write_atomically(&args.state, format!("{}\n", result.state).as_bytes()).map_err(|e| {
        Failure(format!(
            "the events were printed but the state file {} could not be written ({e}); the next poll repeats them",
            args.state.display()
        ))
    })?;
    Ok(0)
}
