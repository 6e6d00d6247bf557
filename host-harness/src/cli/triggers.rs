//! `triggers` (the trigger manifest) and `poll` (one poll of a polling trigger, its state kept
//! in a file, or under a key in the store, which pollers on several machines share).
//!
//! `poll` prints the events first and stores the new state only once they are out, so a run
//! that dies in between repeats events on the next poll rather than losing them; a failed
//! poll leaves the state untouched. With `--state-key`, a poll takes the key for itself first:
//! while another poller has it, the poll prints `{"events": [], "more": true}` at once (the
//! other poller delivers those events; poll again), so no event is delivered twice.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

/// How long a stored trigger state stays taken past the call deadline, at most.
const STATE_LEASE_MARGIN: std::time::Duration = std::time::Duration::from_secs(30);
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

    /// Print the manifest as JSON: key, label, description, product, kind, inputSchema,
    /// outputExample, outputSchema, choices.
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
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "state_key",
        conflicts_with = "state_key"
    )]
    state: Option<PathBuf>,

    /// Keep the state in the store (`--store`) under this name instead of a file; pollers of
    /// one key on any machine share it, one at a time.
    #[arg(long, value_name = "NAME")]
    state_key: Option<String>,

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
                "outputSchema": serde_json::from_str::<Value>(&t.output_schema).unwrap_or(Value::Null),
                "choices": super::actions::choices_json(&t.choices),
                "channel": t.channel.as_ref().map(|c| json!({"open": c.open, "renew": c.renew, "close": c.close})),
            })
        })
        .collect();
    show(&manifest, args.key.as_deref(), args.json, "trigger", stdout)
}

pub(super) async fn poll(args: PollArgs, mut cx: Context<'_>) -> Result<i32, Failure> {
    let input = read_input(&args.input, cx.stdin)?;
    match (&args.state_key, &args.state) {
        (Some(key), _) => poll_stored(&args, key, &input, cx).await,
        (None, Some(path)) => {
            let previous = read_state_file(path)?;
            let Some(state) = poll_once(&args, &input, previous.as_deref(), &mut cx).await? else {
                return Ok(1);
            };
            zoho_host::private_file::write_atomically(path, format!("{state}\n").as_bytes()).map_err(|e| {
                Failure(format!(
                    "the events were printed but the state file {} could not be written ({e}); the next poll repeats them",
                    path.display()
                ))
            })?;
            Ok(0)
        }
        (None, None) => Err(Failure("poll needs --state FILE or --state-key NAME".into())),
    }
}

fn read_state_file(path: &std::path::Path) -> Result<Option<String>, Failure> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text.trim().to_owned())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(Failure(format!(
            "could not read the state file {}: {error}",
            path.display()
        ))),
    }
}

/// One poll with its state under `key` in the store, taken for the length of the poll.
async fn poll_stored(args: &PollArgs, key: &str, input: &str, mut cx: Context<'_>) -> Result<i32, Failure> {
    let store = cx.loader.store(cx.env).await?;
    // Held past the call's own deadline, so a poller that hangs still lets go in bounded time.
    let lease = cx.loader.call_deadline() + STATE_LEASE_MARGIN;
    let Some(hold) = store.take_state(key, lease).await? else {
        writeln!(
            cx.stdout,
            "{}",
            serde_json::to_string_pretty(&json!({"events": [], "more": true}))?
        )?;
        writeln!(
            cx.stderr,
            "Another poller has trigger state {key:?} now; it delivers those events. Poll again."
        )?;
        return Ok(0);
    };
    let previous = hold.state().map(str::to_owned);
    match poll_once(args, input, previous.as_deref(), &mut cx).await {
        Ok(Some(state)) => {
            hold.advance(state).await.map_err(|e| {
                Failure(format!(
                    "the events were printed but the state could not be stored ({e}); the next poll repeats them"
                ))
            })?;
            Ok(0)
        }
        Ok(None) => {
            hold.release().await;
            Ok(1)
        }
        Err(failure) => {
            hold.release().await;
            Err(failure)
        }
    }
}

/// Runs one poll from `previous` and prints its events (or its error, returning `None`);
/// returns the state to keep once the events are out.
async fn poll_once(
    args: &PollArgs,
    input: &str,
    previous: Option<&str>,
    cx: &mut Context<'_>,
) -> Result<Option<String>, Failure> {
    let (resolved, harness) = cx.loader.connect(&args.target, cx.env).await?;
    let log = MemoryLog::default();
    let context = CallContext::new(Arc::clone(&resolved.provider)).with_log(Arc::new(log.clone()));
    let outcome = harness
        .poll(&context, &args.key, &resolved.connection, input, previous)
        .await;
    let secrets = resolved.provider.secrets();
    print_log(&log, wants_debug(input), &secrets, cx.stderr)?;
    let result = match outcome.map_err(|e| Failure(scrub(&e.to_string(), &secrets)))? {
        Ok(result) => result,
        Err(error) => {
            print_error(&error, &secrets, cx.stdout)?;
            return Ok(None);
        }
    };
    let events: Value = serde_json::from_str(&result.events).unwrap_or(Value::Null);
    let document = json!({"events": events, "more": result.more});
    writeln!(
        cx.stdout,
        "{}",
        scrub(&serde_json::to_string_pretty(&document)?, &secrets)
    )?;
    cx.stdout.flush()?;
    Ok(Some(result.state))
}
