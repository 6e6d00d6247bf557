//! What every subcommand shares: the environment, a harness failure, the `--input` argument
//! and how the CLI prints results, errors and the component's log (always scrubbed of the
//! connection's secrets).

use std::io::Write;

use clap::Args;
use serde_json::{Value, json};

/// Name of the connection the CLI builds from its environment.
pub(super) const CONNECTION: &str = "default";
/// The token the long-running sandbox accepts, printed so another shell can use it.
pub(super) const SANDBOX_TOKEN: &str = "sandbox";

#[derive(Debug, Args)]
pub(super) struct ActionInput {
    /// The action's inputs as a JSON object, or @FILE to read them from a file (@- for stdin).
    #[arg(long, value_name = "JSON|@FILE", default_value = "{}")]
    pub(super) input: String,

    /// Report each HTTP exchange on stderr (Authorization redacted); sets `debugRequest`.
    #[arg(long)]
    pub(super) debug: bool,
}

/// The process environment as the CLI sees it.
pub(super) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A harness failure: printed on stderr, exit code 2.
pub(super) struct Failure(pub(super) String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(error: E) -> Self {
        Failure(error.to_string())
    }
}

/// `--input`: inline JSON, @FILE or @- (stdin), with `--debug` folded in as `debugRequest`.
pub(super) fn read_input(args: &ActionInput, stdin: &mut dyn std::io::Read) -> Result<String, Failure> {
    let mut input = match args.input.strip_prefix('@') {
        Some("-") => {
            let mut text = String::new();
            stdin
                .read_to_string(&mut text)
                .map_err(|e| Failure(format!("could not read --input from stdin: {e}")))?;
            text
        }
        Some(path) => {
            std::fs::read_to_string(path).map_err(|e| Failure(format!("could not read --input file {path}: {e}")))?
        }
        None => args.input.clone(),
    };
    // --debug is shorthand for the action's own `debugRequest` input.
    if args.debug
        && let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(&input)
    {
        object.entry("debugRequest").or_insert(json!(true));
        input = Value::Object(object).to_string();
    }
    Ok(input)
}

/// `--input` as a JSON object (and its text); `what` names the inputs expected, for the error.
pub(super) fn input_object(
    args: &ActionInput,
    stdin: &mut dyn std::io::Read,
    what: &str,
) -> Result<(String, serde_json::Map<String, Value>), Failure> {
    let text = read_input(args, stdin)?;
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(input)) => Ok((text, input)),
        _ => Err(Failure(format!("--input must be a JSON object ({what})"))),
    }
}

/// Whether the input asks for `debugRequest` (given directly, or set by `--debug`).
pub(super) fn wants_debug(input: &str) -> bool {
    serde_json::from_str::<Value>(input).is_ok_and(|v| v.get("debugRequest") == Some(&json!(true)))
}

/// The component's log on stderr: warnings (such as retries) always, HTTP exchanges only when
/// asked for; every line scrubbed of the connection's secrets.
pub(super) fn print_log(
    log: &zoho_host::MemoryLog,
    debug: bool,
    secrets: &[String],
    stderr: &mut dyn Write,
) -> Result<(), Failure> {
    for record in log.records() {
        if debug || record.level != "debug" {
            writeln!(
                stderr,
                "[{} {}]\n{}\n",
                record.level,
                record.context,
                zoho_host::output::scrub(&record.message, secrets)
            )?;
        }
    }
    Ok(())
}

/// A successful call's JSON output, pretty-printed on stdout: exit 0.
pub(super) fn print_output(output: &str, secrets: &[String], stdout: &mut dyn Write) -> Result<i32, Failure> {
    let value: Value = serde_json::from_str(output).unwrap_or_else(|_| Value::String(output.to_owned()));
    writeln!(
        stdout,
        "{}",
        zoho_host::output::scrub(&serde_json::to_string_pretty(&value)?, secrets)
    )?;
    Ok(0)
}

/// A failed call's `{"error": ...}` document on stdout: exit 1.
pub(super) fn print_error(
    error: &zoho_host::Error,
    secrets: &[String],
    stdout: &mut dyn Write,
) -> Result<i32, Failure> {
    let document = zoho_host::output::error_document(error);
    writeln!(
        stdout,
        "{}",
        zoho_host::output::scrub(&serde_json::to_string_pretty(&document)?, secrets)
    )?;
    Ok(1)
}

/// A JSON string's text, or "" for anything else.
pub(super) fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}
