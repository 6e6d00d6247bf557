//! The `zoho-harness` command line. `main.rs` only forwards to [`run`], which takes its
//! environment and output streams as arguments so tests can drive it in-process.
//!
//! Exit codes: 0 the action succeeded (result JSON on stdout); 1 the action failed (an
//! `{"error": ...}` document on stdout); 2 the harness failed (a message on stderr).

//!
//! One file per subcommand (`invoke`, `export`, `bulk-read`, `bulk-write` (with `bulk_jobs`), `sandbox`, `actions`, `triggers` with `poll`, `listen`,
//! `connect` with its siblings); `connection` resolves which Zoho connection a call uses.

mod actions;
mod bulk_jobs;
mod bulk_read;
mod bulk_write;
mod connect;
mod connection;
mod export;
mod invoke;
mod listen;
mod part_file;
mod sandbox;
mod triggers;

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use serde_json::{Value, json};

use crate::harness::{Harness, HarnessConfig};

use actions::ActionsArgs;
use bulk_read::BulkReadArgs;
use bulk_write::BulkWriteArgs;
use connect::{AuthorizeUrlArgs, ConnectArgs, ConnectionsArgs, DisconnectArgs};
use connection::store;
use export::ExportArgs;
use invoke::InvokeArgs;
use listen::ListenArgs;
use sandbox::SandboxArgs;
use triggers::{PollArgs, TriggersArgs};

/// Name of the connection the CLI builds from its environment.
const CONNECTION: &str = "default";
/// The token the long-running sandbox accepts, printed so another shell can use it.
const SANDBOX_TOKEN: &str = "sandbox";

/// Run the Zoho connector component's actions from the command line.
///
/// The connection comes from the environment: ZOHO_API_DOMAIN (e.g. https://www.zohoapis.eu),
/// ZOHO_ACCESS_TOKEN and, for Books, ZOHO_BOOKS_ORGANIZATION_ID.
#[derive(Debug, Parser)]
#[command(name = "zoho-harness", version)]
pub struct Cli {
    /// Use this component (.wasm) instead of the one built into the harness.
    #[arg(long, global = true, value_name = "PATH")]
    component: Option<PathBuf>,

    /// Linear memory one component instance may use, in MiB.
    #[arg(long, global = true, value_name = "MIB", default_value_t = 64, value_parser = clap::value_parser!(u32).range(4..=4096))]
    memory_limit_mb: u32,

    /// Bound on one call, CPU and waiting together, in seconds.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 150, value_parser = clap::value_parser!(u32).range(1..=3600))]
    deadline_secs: u32,

    /// Largest response body the component may read, in MiB.
    #[arg(long, global = true, value_name = "MIB", default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=1024))]
    max_response_mb: u32,

    /// Calls one Zoho organization may have in flight at once when the connection names no
    /// limit (Zoho's: Free 5, Standard 10, Professional 15, Enterprise 20, Ultimate 25).
    #[arg(long, global = true, value_name = "N", default_value_t = crate::DEFAULT_MAX_IN_FLIGHT, value_parser = clap::value_parser!(u32).range(1..=100))]
    max_in_flight: u32,

    /// After invoke, poll, export, bulk-read and bulk-write, print what the command spent at
    /// Zoho on stderr: `requests N, credits M` (CRM credits by Zoho's table).
    #[arg(long, global = true)]
    stats: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run one action and print its result as JSON.
    Invoke(InvokeArgs),
    /// Export every record of a list action to a file (NDJSON or a JSON array), one bounded
    /// call at a time; an interrupted export goes on with --resume, nothing repeated or lost.
    ///
    /// Actions: crmGetRecords, crmSearchRecords, crmRunQuery, booksGetRecords. A `maxRecords`
    /// in the input caps the whole export. Prints {"records", "output", "format"} when done;
    /// shows progress on stderr when it is a terminal.
    Export(ExportArgs),
    /// Export a module through Zoho's Bulk Read API: every page of 200,000 records, written
    /// as it streams (CSV by default, or NDJSON); an interrupted run goes on with --resume.
    ///
    /// The input is crmBulkReadStart's (recordType, fields, criteria, page, pageToken). Waits
    /// for each job with backoff and keeps to Zoho's 10 downloads a minute. Prints {"records",
    /// "pages", "jobs", "output", "format"}; a job that fails exits 1 naming it and its state,
    /// and FILE is only written once every record is out.
    BulkRead(BulkReadArgs),
    /// Import a CSV or NDJSON file through Zoho's Bulk Write API: split into parts of 25,000
    /// rows, zipped, uploaded, imported and waited for.
    ///
    /// The input is crmBulkWriteStart's without fileId (operation, recordType, findBy,
    /// fieldMappings). Prints the counts per job and every row Zoho skipped with its row
    /// number and errors; exits 0 when every row was written, 1 when any was skipped or a job
    /// failed.
    BulkWrite(BulkWriteArgs),
    /// Try actions offline against a fake Zoho seeded with sample records.
    ///
    /// With an action key, runs it once against a fresh sandbox. Without one, serves the
    /// sandbox on 127.0.0.1 until stopped, so several `invoke` calls share its state.
    Sandbox(SandboxArgs),
    /// List the actions the component offers, or show one action's inputs.
    Actions(ActionsArgs),
    /// List the triggers the component offers, or show one trigger's inputs.
    Triggers(TriggersArgs),
    /// Run one poll of a polling trigger, keeping its state in a file between runs.
    ///
    /// Prints {"events": [...], "more": bool}; only then writes the new state to --state
    /// (atomically, mode 0600). On an error the state file is left as it was.
    Poll(PollArgs),
    /// Try instant triggers locally: serve a notify URL on 127.0.0.1, enable a channel that
    /// points at it, and print each notification's events as one JSON line.
    Listen(ListenArgs),
    /// Store an OAuth connection: exchange a grant code (Self Client) or use client credentials.
    ///
    /// The client secret comes from ZOHO_CLIENT_SECRET or a prompt, never an argument.
    Connect(ConnectArgs),
    /// Print the consent URL for the authorization-code flow (offline access, consent prompt).
    AuthorizeUrl(AuthorizeUrlArgs),
    /// List stored connections (no secret is shown).
    Connections(ConnectionsArgs),
    /// Revoke a stored connection's refresh token and remove it.
    Disconnect(DisconnectArgs),
}

#[derive(Debug, Args)]
struct ActionInput {
    /// The action's inputs as a JSON object, or @FILE to read them from a file (@- for stdin).
    #[arg(long, value_name = "JSON|@FILE", default_value = "{}")]
    input: String,

    /// Report each HTTP exchange on stderr (Authorization redacted); sets `debugRequest`.
    #[arg(long)]
    debug: bool,
}

/// The process environment as the CLI sees it.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A harness failure: printed on stderr, exit code 2.
struct Failure(String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(error: E) -> Self {
        Failure(error.to_string())
    }
}

/// Runs the CLI and returns its exit code.
pub fn run(
    args: impl IntoIterator<Item = OsString>,
    env: Env,
    stdin: &mut dyn std::io::Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let text = error.render().to_string();
            return if error.use_stderr() {
                let _ = write!(stderr, "{text}");
                2
            } else {
                let _ = write!(stdout, "{text}");
                0
            };
        }
    };
    // One thread: a CLI run makes one call at a time, and wasi:http's tasks then hand work to
    // each other without waking other threads (about a quarter faster per call than two).
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            let _ = writeln!(stderr, "zoho-harness: could not start the async runtime: {error}");
            return 2;
        }
    };
    match runtime.block_on(execute(cli, env, stdin, stdout, stderr)) {
        Ok(code) => code,
        Err(Failure(message)) => {
            let _ = writeln!(stderr, "zoho-harness: {message}");
            2
        }
    }
}

async fn execute(
    cli: Cli,
    env: Env<'_>,
    stdin: &mut dyn std::io::Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<i32, Failure> {
    let loader = Loader {
        component: cli.component.clone(),
        memory_limit_mb: cli.memory_limit_mb,
        deadline_secs: cli.deadline_secs,
        max_response_mb: cli.max_response_mb,
        max_in_flight: cli.max_in_flight,
        totals: Arc::default(),
    };
    let report_stats = cli.stats
        && matches!(
            cli.command,
            Command::Invoke(_) | Command::Poll(_) | Command::Export(_) | Command::BulkRead(_) | Command::BulkWrite(_)
        );
    let outcome = run_command(cli.command, &loader, env, stdin, stdout, stderr).await;
    if report_stats {
        writeln!(stderr, "{}", loader.totals)?;
    }
    outcome
}

async fn run_command(
    command: Command,
    loader: &Loader,
    env: Env<'_>,
    stdin: &mut dyn std::io::Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<i32, Failure> {
    match command {
        Command::Invoke(args) => invoke::run(args, loader, env, stdin, stdout, stderr).await,
        Command::Export(args) => {
            let progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
            export::run(args, loader, env, progress, stdin, stdout, stderr).await
        }
        Command::BulkRead(args) => {
            let progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
            bulk_read::run(args, loader, env, progress, stdin, stdout, stderr).await
        }
        Command::BulkWrite(args) => {
            let progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
            bulk_write::run(args, loader, env, progress, stdin, stdout, stderr).await
        }
        Command::Sandbox(args) => sandbox::run(args, loader, env, stdin, stdout, stderr).await,
        Command::Actions(args) => actions::run(&loader.load(env, false)?, args, stdout).await,
        Command::Triggers(args) => triggers::list(&loader.load(env, false)?, args, stdout).await,
        Command::Poll(args) => triggers::poll(args, loader, env, stdin, stdout, stderr).await,
        Command::Listen(args) => listen::run(args, loader, env, stdin, stdout, stderr).await,
        Command::Connect(args) => connect::connect(args, env, stdin, stdout).await,
        Command::AuthorizeUrl(args) => connect::authorize_url(&args, stdout),
        Command::Connections(args) => connect::list_connections(&store(env)?, args.json, stdout),
        Command::Disconnect(args) => connect::disconnect(&store(env)?, &args.name, stdout).await,
    }
}

fn read_input(args: &ActionInput, stdin: &mut dyn std::io::Read) -> Result<String, Failure> {
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
fn input_object(
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
fn wants_debug(input: &str) -> bool {
    serde_json::from_str::<Value>(input).is_ok_and(|v| v.get("debugRequest") == Some(&json!(true)))
}

/// The component's log on stderr: warnings (such as retries) always, HTTP exchanges only when
/// asked for; every line scrubbed of the connection's secrets.
fn print_log(
    log: &crate::log::MemoryLog,
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
                crate::output::scrub(&record.message, secrets)
            )?;
        }
    }
    Ok(())
}

/// A successful call's JSON output, pretty-printed on stdout: exit 0.
fn print_output(output: &str, secrets: &[String], stdout: &mut dyn Write) -> Result<i32, Failure> {
    let value: Value = serde_json::from_str(output).unwrap_or_else(|_| Value::String(output.to_owned()));
    writeln!(
        stdout,
        "{}",
        crate::output::scrub(&serde_json::to_string_pretty(&value)?, secrets)
    )?;
    Ok(0)
}

/// A failed call's `{"error": ...}` document on stdout: exit 1.
fn print_error(error: &crate::bindings::Error, secrets: &[String], stdout: &mut dyn Write) -> Result<i32, Failure> {
    let document = crate::output::error_document(error);
    writeln!(
        stdout,
        "{}",
        crate::output::scrub(&serde_json::to_string_pretty(&document)?, secrets)
    )?;
    Ok(1)
}

/// How to load the harness: the component and the limits given on the command line.
#[derive(Debug, Clone)]
struct Loader {
    component: Option<PathBuf>,
    memory_limit_mb: u32,
    deadline_secs: u32,
    max_response_mb: u32,
    max_in_flight: u32,
    /// Every call's requests and credits, for `--stats`.
    totals: Arc<crate::CallStats>,
}

impl Loader {
    fn load(&self, env: Env, allow_loopback: bool) -> Result<Harness, Failure> {
        load_harness(self, env, allow_loopback)
    }

    /// The connection a call command targets, and the harness loaded for it (loopback allowed
    /// only for a connection on loopback, such as a sandbox).
    async fn connect(
        &self,
        target: &connection::ConnectionArgs,
        env: Env<'_>,
    ) -> Result<(connection::Resolved, Harness), Failure> {
        let resolved = connection::resolve(target, env).await?;
        let harness = self.load(env, resolved.allow_loopback)?;
        Ok((resolved, harness))
    }
}

fn load_harness(loader: &Loader, env: Env, allow_loopback: bool) -> Result<Harness, Failure> {
    let component = loader.component.clone();
    let cache_dir = env("ZOHO_HARNESS_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| env("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("zoho-harness")))
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".cache").join("zoho-harness")));
    let config = HarnessConfig {
        cache_dir,
        allow_loopback,
        memory_limit_bytes: usize::try_from(loader.memory_limit_mb).unwrap_or(64) << 20,
        call_deadline: Duration::from_secs(loader.deadline_secs.into()),
        max_response_bytes: usize::try_from(loader.max_response_mb).unwrap_or(32) << 20,
        max_in_flight_per_org: loader.max_in_flight,
        totals: Some(Arc::clone(&loader.totals)),
        ..HarnessConfig::default()
    };
    let harness = match component {
        Some(path) => {
            let wasm = std::fs::read(&path)
                .map_err(|e| Failure(format!("could not read --component {}: {e}", path.display())))?;
            Harness::new(&wasm, config)
                .map_err(|e| Failure(format!("could not load --component {}: {e:#}", path.display())))?
        }
        None => {
            Harness::bundled(config).map_err(|e| Failure(format!("could not load the built-in component: {e:#}")))?
        }
    };
    Ok(harness)
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}
