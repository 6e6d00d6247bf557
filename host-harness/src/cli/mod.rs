//! The `zoho-harness` command line. `main.rs` only forwards to [`run`], which takes its
//! environment and output streams as arguments so tests can drive it in-process.
//!
//! Exit codes: 0 the action succeeded (result JSON on stdout); 1 the action failed (an
//! `{"error": ...}` document on stdout); 2 the harness failed (a message on stderr).

//!
//! One file per subcommand (`invoke`, `export`, `bulk-read`, `bulk-write` (with `bulk_jobs`), `sandbox`, `actions`, `triggers` with `poll`, `listen`,
//! `connect` with its siblings, `store` for sealed secrets); `connection` resolves which Zoho
//! connection a call uses.

mod actions;
mod bulk_jobs;
mod bulk_read;
mod bulk_write;
mod common;
mod connect;
mod connection;
mod context;
mod export;
mod invoke;
mod listen;
mod mcp;
mod part_file;
mod sandbox;
mod store;
mod store_place;
mod triggers;

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use actions::ActionsArgs;
use bulk_read::BulkReadArgs;
use bulk_write::BulkWriteArgs;
use common::{Env, Failure};
use connect::{AuthorizeUrlArgs, ConnectArgs, ConnectionsArgs, DisconnectArgs};
use context::{Context, Loader};
use export::ExportArgs;
use invoke::InvokeArgs;
use listen::ListenArgs;
use mcp::McpArgs;
use sandbox::SandboxArgs;
use store::StoreCommand;
use triggers::{PollArgs, TriggersArgs};

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
    #[arg(long, global = true, value_name = "N", default_value_t = zoho_host::DEFAULT_MAX_IN_FLIGHT, value_parser = clap::value_parser!(u32).range(1..=100))]
    max_in_flight: u32,

    /// Calls one Zoho Books organization may have in flight at once (Books: Free 5, paid
    /// plans 10). Books requests also keep to Books' 100 a minute per organization.
    #[arg(long, global = true, value_name = "N", default_value_t = zoho_host::DEFAULT_BOOKS_MAX_IN_FLIGHT, value_parser = clap::value_parser!(u32).range(1..=100))]
    books_max_in_flight: u32,

    /// After invoke, poll, export, bulk-read and bulk-write, print what the command spent at
    /// Zoho on stderr: `requests N, credits M, books requests B` (CRM credits by Zoho's table;
    /// Books requests, each one of the organization's daily allowance).
    #[arg(long, global = true)]
    stats: bool,

    /// Where connections, trigger states (`poll --state-key`) and channels (`listen
    /// --channel-key`) are kept: a directory, or a `postgres://` URL shared by workers on
    /// several machines. Default: ZOHO_HARNESS_STORE, else the config directory
    /// (ZOHO_HARNESS_HOME, XDG_CONFIG_HOME/zoho-harness or ~/.config/zoho-harness).
    #[arg(long, global = true, value_name = "DIR-OR-URL")]
    store: Option<String>,

    /// A file holding the store's instance key (as `store init-key` prints it), when
    /// ZOHO_HARNESS_KEY is not set. With a key, every secret in the store is sealed.
    #[arg(long, global = true, value_name = "PATH")]
    key_file: Option<PathBuf>,

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
    /// The store's sealed secrets: make an instance key, show what is sealed, rotate keys.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Serve every action and polling trigger as Model Context Protocol tools, for AI agents:
    /// over stdio, or Streamable HTTP with --http.
    ///
    /// By default the everyday CRM and Books reads and writes and the polling triggers are
    /// listed (never a destructive action), with findActions, describeAction and runAction to
    /// reach every other one. A polling trigger's tool returns a cursor: pass it back to get
    /// each change once.
    Mcp(McpArgs),
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
        books_max_in_flight: cli.books_max_in_flight,
        totals: Arc::default(),
        store: store_place::StorePlace::new(cli.store.clone(), cli.key_file.clone()),
    };
    let report_stats = cli.stats
        && matches!(
            cli.command,
            Command::Invoke(_) | Command::Poll(_) | Command::Export(_) | Command::BulkRead(_) | Command::BulkWrite(_)
        );
    let context = Context {
        loader: &loader,
        env,
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        stdin,
        stdout,
        stderr: &mut *stderr,
    };
    let outcome = run_command(cli.command, context).await;
    if let Some(warning) = loader.store.unsealed_warning() {
        writeln!(stderr, "{warning}")?;
    }
    if report_stats {
        writeln!(stderr, "{}", loader.totals)?;
    }
    outcome
}

async fn run_command(command: Command, cx: Context<'_>) -> Result<i32, Failure> {
    match command {
        Command::Invoke(args) => invoke::run(args, cx).await,
        Command::Export(args) => export::run(args, cx).await,
        Command::BulkRead(args) => bulk_read::run(args, cx).await,
        Command::BulkWrite(args) => bulk_write::run(args, cx).await,
        Command::Sandbox(args) => sandbox::run(args, cx).await,
        Command::Actions(args) => actions::run(&cx.loader.load(cx.env, false)?, args, cx.stdout).await,
        Command::Triggers(args) => triggers::list(&cx.loader.load(cx.env, false)?, args, cx.stdout).await,
        Command::Poll(args) => triggers::poll(args, cx).await,
        Command::Listen(args) => listen::run(args, cx).await,
        Command::Connect(args) => {
            let store = cx.loader.store(cx.env).await?;
            connect::connect(args, store.as_ref(), cx.env, cx.stdin, cx.stdout).await
        }
        Command::AuthorizeUrl(args) => connect::authorize_url(&args, cx.stdout),
        Command::Connections(args) => {
            connect::list_connections(cx.loader.store(cx.env).await?.as_ref(), args.json, cx.stdout).await
        }
        Command::Disconnect(args) => {
            connect::disconnect(cx.loader.store(cx.env).await?.as_ref(), &args.name, cx.stdout).await
        }
        Command::Store(command) => store::run(command, cx).await,
        Command::Mcp(args) => mcp::run(args, cx).await,
    }
}
