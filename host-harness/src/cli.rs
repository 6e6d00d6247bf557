//! The `zoho-harness` command line. `main.rs` only forwards to [`run`], which takes its
//! environment and output streams as arguments so tests can drive it in-process.
//!
//! Exit codes: 0 the action succeeded (result JSON on stdout); 1 the action failed (an
//! `{"error": ...}` document on stdout); 2 the harness failed (a message on stderr).

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use serde_json::{Value, json};

use crate::bindings::{ConnectionInfo, CredentialError, Product};
use crate::credentials::{BoxFuture, CredentialProvider, StaticCredentials};
use crate::harness::{CallContext, Harness, HarnessConfig};
use crate::log::MemoryLog;
use crate::output::{error_document, scrub};

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

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run one action and print its result as JSON.
    Invoke(InvokeArgs),
    /// Try actions offline against a fake Zoho seeded with sample records.
    ///
    /// With an action key, runs it once against a fresh sandbox. Without one, serves the
    /// sandbox on 127.0.0.1 until stopped, so several `invoke` calls share its state.
    Sandbox(SandboxArgs),
    /// List the actions the component offers, or show one action's inputs.
    Actions(ActionsArgs),
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

#[derive(Debug, Args)]
struct InvokeArgs {
    /// The action key, e.g. crmGetRecords (see `zoho-harness actions`).
    #[arg(value_name = "ACTION-KEY")]
    key: String,

    #[command(flatten)]
    input: ActionInput,

    /// Run against the offline sandbox instead of the connection in the environment.
    #[arg(long)]
    sandbox: bool,
}

#[derive(Debug, Args)]
struct SandboxArgs {
    /// The action to run once; omit it to serve the sandbox until stopped.
    #[arg(value_name = "ACTION-KEY")]
    key: Option<String>,

    #[command(flatten)]
    input: ActionInput,

    /// Port to serve the sandbox on when no action is given (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

#[derive(Debug, Args)]
struct ActionsArgs {
    /// Show this action's inputs.
    #[arg(value_name = "ACTION-KEY")]
    key: Option<String>,

    /// Print the manifest as JSON: key, label, description, product, inputSchema, outputExample.
    #[arg(long)]
    json: bool,
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
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
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
    match cli.command {
        Command::Invoke(args) => {
            let input = read_input(&args.input, stdin)?;
            if args.sandbox {
                return run_in_sandbox(cli.component, env, &args.key, &input, args.input.debug, stdout, stderr).await;
            }
            let (provider, allow_loopback) = environment_connection(env);
            let harness = load_harness(cli.component, env, allow_loopback)?;
            invoke(&harness, provider, &args.key, &input, args.input.debug, stdout, stderr).await
        }
        Command::Sandbox(args) => match args.key {
            Some(key) => {
                let input = read_input(&args.input, stdin)?;
                run_in_sandbox(cli.component, env, &key, &input, args.input.debug, stdout, stderr).await
            }
            None => serve_sandbox(args.port, stderr),
        },
        Command::Actions(args) => {
            let harness = load_harness(cli.component, env, false)?;
            list_actions(&harness, args, stdout).await
        }
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

fn load_harness(component: Option<PathBuf>, env: Env, allow_loopback: bool) -> Result<Harness, Failure> {
    let cache_dir = env("ZOHO_HARNESS_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| env("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("zoho-harness")))
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".cache").join("zoho-harness")));
    let config = HarnessConfig {
        cache_dir,
        allow_loopback,
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

/// A provider whose every answer explains what configuration is missing.
struct Unconfigured(String);

impl CredentialProvider for Unconfigured {
    fn get<'a>(&'a self, _connection: &'a str) -> BoxFuture<'a, Result<ConnectionInfo, CredentialError>> {
        let message = self.0.clone();
        Box::pin(async move { Err(CredentialError::UnknownConnection(message)) })
    }
    fn refresh<'a>(
        &'a self,
        connection: &'a str,
        _rejected: &'a str,
    ) -> BoxFuture<'a, Result<ConnectionInfo, CredentialError>> {
        self.get(connection)
    }
    fn secrets(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The connection described by ZOHO_API_DOMAIN / ZOHO_ACCESS_TOKEN, and whether its domain is
/// a loopback address the allowlist must admit.
fn environment_connection(env: Env) -> (Arc<dyn CredentialProvider>, bool) {
    let domain = env("ZOHO_API_DOMAIN")
        .map(|d| d.trim().trim_end_matches('/').to_owned())
        .filter(|d| !d.is_empty());
    let token = env("ZOHO_ACCESS_TOKEN").filter(|t| !t.trim().is_empty());
    let (Some(api_domain), Some(access_token)) = (domain, token) else {
        return (
            Arc::new(Unconfigured(
                "no connection: set ZOHO_API_DOMAIN (e.g. https://www.zohoapis.com) and ZOHO_ACCESS_TOKEN, or use --sandbox".into(),
            )),
            false,
        );
    };
    let loopback = api_domain
        .strip_prefix("http://")
        .and_then(|rest| rest.rsplit_once(':').map(|(host, _)| host))
        .is_some_and(|host| host == "127.0.0.1" || host == "localhost" || host == "[::1]");
    let info = ConnectionInfo {
        access_token,
        api_domain,
        books_organization_id: env("ZOHO_BOOKS_ORGANIZATION_ID").filter(|o| !o.trim().is_empty()),
    };
    (Arc::new(StaticCredentials::new().with(CONNECTION, info)), loopback)
}

async fn run_in_sandbox(
    component: Option<PathBuf>,
    env: Env<'_>,
    key: &str,
    input: &str,
    debug: bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<i32, Failure> {
    let fake = fake_zoho::FakeZoho::start().map_err(|e| Failure(format!("could not start the sandbox: {e}")))?;
    fake.seed_sandbox();
    let info = ConnectionInfo {
        access_token: fake.access_token(),
        api_domain: fake.base_url(),
        books_organization_id: None,
    };
    let harness = load_harness(component, env, true)?;
    let code = invoke(
        &harness,
        Arc::new(StaticCredentials::new().with(CONNECTION, info)),
        key,
        input,
        debug,
        stdout,
        stderr,
    )
    .await;
    drop(fake);
    code
}

fn serve_sandbox(port: u16, stderr: &mut dyn Write) -> Result<i32, Failure> {
    let fake = fake_zoho::FakeZoho::start_on(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
        .map_err(|e| Failure(format!("could not start the sandbox on port {port}: {e}")))?;
    fake.seed_sandbox();
    fake.add_token(SANDBOX_TOKEN);
    let url = fake.base_url();
    writeln!(
        stderr,
        "Offline Zoho sandbox on {url}, seeded with sample CRM Leads, Contacts, Accounts and Deals and Books contacts, items and taxes. Stop it with Ctrl-C.\n\
         In another shell:\n  export ZOHO_API_DOMAIN={url} ZOHO_ACCESS_TOKEN={SANDBOX_TOKEN}\n  \
         cargo run -p zoho-harness -- invoke crmGetRecords --input '{{\"recordType\":\"Leads\",\"fields\":\"First_Name,Last_Name,Email\"}}'"
    )?;
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

async fn invoke(
    harness: &Harness,
    provider: Arc<dyn CredentialProvider>,
    key: &str,
    input: &str,
    debug: bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<i32, Failure> {
    let secrets = provider.secrets();
    let log = MemoryLog::default();
    let context = CallContext::new(provider).with_log(Arc::new(log.clone()));
    let outcome = harness.invoke(&context, key, CONNECTION, input).await;
    for record in log.records() {
        // Warnings (such as retries) always show; HTTP exchanges only when asked for.
        if debug || record.level != "debug" {
            writeln!(
                stderr,
                "[{} {}]\n{}\n",
                record.level,
                record.context,
                scrub(&record.message, &secrets)
            )?;
        }
    }
    match outcome.map_err(|e| Failure(scrub(&e.to_string(), &secrets)))? {
        Ok(output) => {
            let value: Value = serde_json::from_str(&output).unwrap_or(Value::String(output));
            writeln!(stdout, "{}", scrub(&serde_json::to_string_pretty(&value)?, &secrets))?;
            Ok(0)
        }
        Err(error) => {
            writeln!(
                stdout,
                "{}",
                scrub(&serde_json::to_string_pretty(&error_document(&error))?, &secrets)
            )?;
            Ok(1)
        }
    }
}

async fn list_actions(harness: &Harness, args: ActionsArgs, stdout: &mut dyn Write) -> Result<i32, Failure> {
    let actions = harness.list_actions().await?;
    let product = |p: Product| match p {
        Product::Crm => "crm",
        Product::Books => "books",
    };
    let manifest: Vec<Value> = actions
        .iter()
        .map(|a| {
            json!({
                "key": a.key,
                "label": a.label,
                "description": a.description,
                "product": product(a.product),
                "inputSchema": serde_json::from_str::<Value>(&a.input_schema).unwrap_or(Value::Null),
                "outputExample": serde_json::from_str::<Value>(&a.output_example).unwrap_or(Value::Null),
            })
        })
        .collect();
    let selected: Vec<&Value> = match &args.key {
        Some(key) => {
            let found: Vec<&Value> = manifest.iter().filter(|a| a["key"] == json!(key)).collect();
            if found.is_empty() {
                return Err(Failure(format!(
                    "no action named {key:?}; run `zoho-harness actions` for the list"
                )));
            }
            found
        }
        None => manifest.iter().collect(),
    };
    if args.json {
        writeln!(stdout, "{}", serde_json::to_string_pretty(&selected)?)?;
        return Ok(0);
    }
    if args.key.is_none() {
        writeln!(stdout, "{:<22} {:<8} DESCRIPTION", "KEY", "PRODUCT")?;
        for action in &selected {
            writeln!(
                stdout,
                "{:<22} {:<8} {}",
                text(&action["key"]),
                text(&action["product"]),
                text(&action["description"])
            )?;
        }
        return Ok(0);
    }
    for action in selected {
        writeln!(
            stdout,
            "{} ({}): {}\n",
            text(&action["key"]),
            text(&action["label"]),
            text(&action["description"])
        )?;
        let schema = &action["inputSchema"];
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        writeln!(stdout, "{:<16} {:<13} {:<9} DESCRIPTION", "INPUT", "TYPE", "REQUIRED")?;
        if let Some(properties) = schema["properties"].as_object() {
            for (name, spec) in properties {
                let ty = spec["type"].as_str().map_or_else(
                    || {
                        let alternatives = spec["oneOf"].as_array().into_iter().flatten();
                        alternatives
                            .filter_map(|a| a["type"].as_str())
                            .collect::<Vec<_>>()
                            .join("|")
                    },
                    str::to_owned,
                );
                let default = spec
                    .get("default")
                    .map(|d| format!(" (default {d})"))
                    .unwrap_or_default();
                let needed = if required.contains(&name.as_str()) { "yes" } else { "no" };
                writeln!(
                    stdout,
                    "{name:<16} {ty:<13} {needed:<9} {}{default}",
                    text(&spec["description"])
                )?;
            }
        }
    }
    Ok(0)
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}
