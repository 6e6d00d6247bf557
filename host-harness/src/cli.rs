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
use sha2::Digest as _;

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

    /// Linear memory one component instance may use, in MiB.
    #[arg(long, global = true, value_name = "MIB", default_value_t = 64, value_parser = clap::value_parser!(u32).range(4..=4096))]
    memory_limit_mb: u32,

    /// Bound on one call, CPU and waiting together, in seconds.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 150, value_parser = clap::value_parser!(u32).range(1..=3600))]
    deadline_secs: u32,

    /// Largest response body the component may read, in MiB.
    #[arg(long, global = true, value_name = "MIB", default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=1024))]
    max_response_mb: u32,

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
struct AccountsServer {
    /// The data center: us, eu, in, au, jp, ca, cn, sa or uk.
    #[arg(long, conflicts_with = "accounts_url")]
    region: Option<String>,

    /// The accounts server URL instead of a region (http://127.0.0.1:PORT for a local fake).
    #[arg(long)]
    accounts_url: Option<String>,
}

impl AccountsServer {
    fn url(&self) -> Result<String, Failure> {
        match (&self.region, &self.accounts_url) {
            (Some(code), _) => crate::regions::region(code)
                .map(|r| r.accounts_url.to_owned())
                .ok_or_else(|| {
                    let codes: Vec<&str> = crate::regions::REGIONS.iter().map(|r| r.code).collect();
                    Failure(format!("unknown region {code:?}; use one of {}", codes.join(", ")))
                }),
            (None, Some(url)) => check_accounts_url(url),
            (None, None) => Err(Failure("give --region or --accounts-url".into())),
        }
    }
}

/// An accounts URL must be https, or http on loopback (a local fake).
fn check_accounts_url(url: &str) -> Result<String, Failure> {
    let url = url.trim().trim_end_matches('/').to_owned();
    let ok = url.starts_with("https://") || (url.starts_with("http://") && crate::store::is_loopback_url(&url));
    if ok && url.parse::<http::Uri>().is_ok() {
        Ok(url)
    } else {
        Err(Failure(format!("{url:?} is not an https URL (or http on 127.0.0.1)")))
    }
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum EnvironmentArg {
    Production,
    Sandbox,
    Developer,
}

#[derive(Debug, Args)]
struct ConnectArgs {
    /// The connection's name, used with `invoke --connection NAME`.
    name: String,

    #[command(flatten)]
    accounts: AccountsServer,

    /// The OAuth client id (Self Client or server-based client).
    #[arg(long)]
    client_id: String,

    /// The grant code to exchange (authorization_code grant).
    #[arg(long, conflicts_with = "client_credentials")]
    grant_code: Option<String>,

    /// The redirect URI the grant code was issued for, if any.
    #[arg(long)]
    redirect_uri: Option<String>,

    /// Use the client_credentials grant (Self Client) instead of a grant code.
    #[arg(long, requires_all = ["scopes", "soid"])]
    client_credentials: bool,

    /// Scopes for client_credentials, comma-separated.
    #[arg(long)]
    scopes: Option<String>,

    /// The org for client_credentials, e.g. ZohoCRM.600012345.
    #[arg(long)]
    soid: Option<String>,

    /// Which environment's API host to use.
    #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
    environment: EnvironmentArg,

    /// The Zoho Books organization to use when an action names none.
    #[arg(long)]
    books_organization_id: Option<String>,
}

#[derive(Debug, Args)]
struct AuthorizeUrlArgs {
    #[command(flatten)]
    accounts: AccountsServer,

    /// The OAuth client id.
    #[arg(long)]
    client_id: String,

    /// Scopes, comma-separated, e.g. ZohoCRM.modules.ALL,ZohoBooks.fullaccess.all.
    #[arg(long)]
    scopes: String,

    /// The redirect URI registered for the client.
    #[arg(long)]
    redirect_uri: Option<String>,
}

#[derive(Debug, Args)]
struct ConnectionsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct DisconnectArgs {
    /// The connection to remove.
    name: String,
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
    #[arg(long, conflicts_with = "connection")]
    sandbox: bool,

    /// Use a stored connection (see `zoho-harness connect`).
    #[arg(long)]
    connection: Option<String>,
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
    let loader = Loader {
        component: cli.component.clone(),
        memory_limit_mb: cli.memory_limit_mb,
        deadline_secs: cli.deadline_secs,
        max_response_mb: cli.max_response_mb,
    };
    match cli.command {
        Command::Invoke(args) => {
            let input = read_input(&args.input, stdin)?;
            if args.sandbox {
                return run_in_sandbox(&loader, env, &args.key, &input, args.input.debug, stdout, stderr).await;
            }
            let (provider, connection, allow_loopback) = match &args.connection {
                Some(name) => stored_connection(env, name)?,
                None => environment_connection(env).await?,
            };
            let harness = loader.load(env, allow_loopback)?;
            invoke(
                &harness,
                provider,
                &connection,
                &args.key,
                &input,
                args.input.debug,
                stdout,
                stderr,
            )
            .await
        }
        Command::Sandbox(args) => match args.key {
            Some(key) => {
                let input = read_input(&args.input, stdin)?;
                run_in_sandbox(&loader, env, &key, &input, args.input.debug, stdout, stderr).await
            }
            None => serve_sandbox(args.port, stderr),
        },
        Command::Actions(args) => {
            let harness = loader.load(env, false)?;
            list_actions(&harness, args, stdout).await
        }
        Command::Connect(args) => connect(args, env, stdin, stdout).await,
        Command::AuthorizeUrl(args) => {
            let scopes: Vec<String> = args
                .scopes
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let url = crate::oauth::authorize_url(
                &args.accounts.url()?,
                &args.client_id,
                &scopes,
                args.redirect_uri.as_deref(),
            );
            writeln!(stdout, "{url}")?;
            Ok(0)
        }
        Command::Connections(args) => list_connections(&store(env)?, args.json, stdout),
        Command::Disconnect(args) => disconnect(&store(env)?, &args.name, stdout).await,
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

/// How to load the harness: the component and the limits given on the command line.
#[derive(Debug, Clone)]
struct Loader {
    component: Option<PathBuf>,
    memory_limit_mb: u32,
    deadline_secs: u32,
    max_response_mb: u32,
}

impl Loader {
    fn load(&self, env: Env, allow_loopback: bool) -> Result<Harness, Failure> {
        load_harness(self, env, allow_loopback)
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

type Resolved = (Arc<dyn CredentialProvider>, String, bool);

/// The store named by the environment.
fn store(env: Env) -> Result<crate::store::ConnectionStore, Failure> {
    crate::store::default_dir(env)
        .map(crate::store::ConnectionStore::new)
        .ok_or_else(|| {
            Failure("no place for the connection store: set ZOHO_HARNESS_HOME, XDG_CONFIG_HOME or HOME".into())
        })
}

/// A stored connection, by name.
fn stored_connection(env: Env, name: &str) -> Result<Resolved, Failure> {
    let store = store(env)?;
    let connection = store.get(name)?.ok_or_else(|| {
        Failure(format!(
            "no stored connection named {name:?}; see `zoho-harness connections`"
        ))
    })?;
    let loopback = connection.is_loopback();
    Ok((
        Arc::new(crate::store::StoreCredentials::new(store)),
        name.to_owned(),
        loopback,
    ))
}

/// The connection described by the environment: a fixed token (ZOHO_API_DOMAIN +
/// ZOHO_ACCESS_TOKEN), or an OAuth client (ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET,
/// ZOHO_REFRESH_TOKEN with ZOHO_REGION or ZOHO_ACCOUNTS_URL), whose access token is cached in
/// the store so scripts do not refresh on every run and trip Zoho's throttle.
async fn environment_connection(env: Env<'_>) -> Result<Resolved, Failure> {
    let var = |name: &str| env(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let books_organization_id = var("ZOHO_BOOKS_ORGANIZATION_ID");
    if let (Some(api_domain), Some(access_token)) = (
        var("ZOHO_API_DOMAIN").map(|d| d.trim_end_matches('/').to_owned()),
        var("ZOHO_ACCESS_TOKEN"),
    ) {
        let loopback = crate::store::is_loopback_url(&api_domain) && api_domain.starts_with("http://");
        let info = ConnectionInfo {
            access_token,
            api_domain,
            books_organization_id,
        };
        return Ok((
            Arc::new(StaticCredentials::new().with(CONNECTION, info)),
            CONNECTION.to_owned(),
            loopback,
        ));
    }
    if let (Some(client_id), Some(client_secret), Some(refresh_token)) = (
        var("ZOHO_CLIENT_ID"),
        var("ZOHO_CLIENT_SECRET"),
        var("ZOHO_REFRESH_TOKEN"),
    ) {
        let (accounts_url, api_domain) = match (var("ZOHO_REGION"), var("ZOHO_ACCOUNTS_URL")) {
            (Some(code), _) => {
                let region =
                    crate::regions::region(&code).ok_or_else(|| Failure(format!("unknown ZOHO_REGION {code:?}")))?;
                (region.accounts_url.to_owned(), region.api_domain.to_owned())
            }
            (None, Some(url)) => (check_accounts_url(&url)?, String::new()),
            (None, None) => {
                return Err(Failure(
                    "ZOHO_REFRESH_TOKEN needs ZOHO_REGION (us, eu, in, au, jp, ca, cn, sa, uk) or ZOHO_ACCOUNTS_URL"
                        .into(),
                ));
            }
        };
        // One cache entry per client and refresh token, without putting either in the name.
        let digest = sha2::Sha256::digest(format!("{client_id}\n{refresh_token}\n{accounts_url}").as_bytes());
        let name = format!(
            "env-{}",
            digest.iter().take(6).map(|b| format!("{b:02x}")).collect::<String>()
        );
        let store = store(env)?;
        if store.get(&name)?.is_none() {
            let connection = crate::store::StoredConnection {
                accounts_url,
                client_id,
                client_secret: crate::oauth::Secret::new(client_secret),
                grant: crate::store::Grant::RefreshToken {
                    refresh_token: crate::oauth::Secret::new(refresh_token),
                },
                api_domain,
                books_organization_id,
                access_token: None,
                expires_at: 0,
                throttled_until: 0,
                environment: crate::store::StoredEnvironment::Production,
            };
            store.put(&name, connection)?;
        }
        return stored_connection(env, &name);
    }
    let message = "no connection: set ZOHO_API_DOMAIN (e.g. https://www.zohoapis.com) and ZOHO_ACCESS_TOKEN, or ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN with ZOHO_REGION; or use --connection or --sandbox";
    Ok((Arc::new(Unconfigured(message.into())), CONNECTION.to_owned(), false))
}

/// The client secret: ZOHO_CLIENT_SECRET, or one line read from stdin (a prompt).
fn client_secret(env: Env, stdin: &mut dyn std::io::Read) -> Result<crate::oauth::Secret, Failure> {
    if let Some(secret) = env("ZOHO_CLIENT_SECRET").filter(|s| !s.trim().is_empty()) {
        return Ok(crate::oauth::Secret::new(secret.trim()));
    }
    eprint!("Client secret: ");
    let mut line = Vec::new();
    let mut byte = [0_u8; 1];
    while stdin
        .read(&mut byte)
        .map_err(|e| Failure(format!("could not read the client secret: {e}")))?
        == 1
        && byte[0] != b'\n'
    {
        line.push(byte[0]);
    }
    let secret = String::from_utf8_lossy(&line).trim().to_owned();
    if secret.is_empty() {
        return Err(Failure(
            "no client secret: set ZOHO_CLIENT_SECRET or type it when asked".into(),
        ));
    }
    Ok(crate::oauth::Secret::new(secret))
}

/// An OAuth failure as the CLI reports it: an error document on stdout, exit 1.
fn oauth_failure(error: &crate::oauth::OAuthError, stdout: &mut dyn Write) -> Result<i32, Failure> {
    let problem = match error {
        crate::oauth::OAuthError::Refused { .. } => "reauthorization-required",
        crate::oauth::OAuthError::Throttled { .. } => "throttled",
        crate::oauth::OAuthError::Unavailable(_) => "unavailable",
    };
    let document = json!({"error": {"kind": "credential", "problem": problem, "message": error.to_string()}});
    writeln!(stdout, "{}", serde_json::to_string_pretty(&document)?)?;
    Ok(1)
}

async fn connect(
    args: ConnectArgs,
    env: Env<'_>,
    stdin: &mut dyn std::io::Read,
    stdout: &mut dyn Write,
) -> Result<i32, Failure> {
    let name_ok = !args.name.is_empty()
        && !args.name.starts_with("env-")
        && args
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !name_ok {
        return Err(Failure(
            "a connection name uses letters, digits, `-`, `_` and `.` (and does not start with env-)".into(),
        ));
    }
    let accounts_url = args.accounts.url()?;
    let client = crate::oauth::OAuthClient {
        accounts_url: accounts_url.clone(),
        client_id: args.client_id.clone(),
        client_secret: client_secret(env, stdin)?,
    };
    let (grant, outcome) = if args.client_credentials {
        let scope = args.scopes.clone().unwrap_or_default().replace(',', " ");
        let soid = args.soid.clone().unwrap_or_default();
        let outcome = client.client_credentials(&scope, &soid).await;
        (crate::store::Grant::ClientCredentials { scope, soid }, outcome)
    } else {
        let code = args
            .grant_code
            .as_deref()
            .ok_or_else(|| Failure("give --grant-code (or --client-credentials with --scopes and --soid)".into()))?;
        let outcome = client.exchange_code(code, args.redirect_uri.as_deref()).await;
        let refresh = outcome.as_ref().ok().and_then(|tokens| tokens.refresh_token.clone());
        (
            crate::store::Grant::RefreshToken {
                refresh_token: refresh.unwrap_or_else(|| crate::oauth::Secret::new("")),
            },
            outcome,
        )
    };
    let tokens = match outcome {
        Ok(tokens) => tokens,
        Err(error) => return oauth_failure(&error, stdout),
    };
    if matches!(&grant, crate::store::Grant::RefreshToken { refresh_token } if refresh_token.expose().is_empty()) {
        let error = crate::oauth::OAuthError::Unavailable(
            "Zoho issued no refresh token; generate the grant code with access_type=offline and prompt=consent".into(),
        );
        return oauth_failure(&error, stdout);
    }
    let environment = match args.environment {
        EnvironmentArg::Production => crate::store::StoredEnvironment::Production,
        EnvironmentArg::Sandbox => crate::store::StoredEnvironment::Sandbox,
        EnvironmentArg::Developer => crate::store::StoredEnvironment::Developer,
    };
    let fallback = crate::regions::region_for_accounts(&accounts_url)
        .map(|r| r.api_domain.to_owned())
        .unwrap_or_default();
    let mut connection = crate::store::StoredConnection {
        accounts_url,
        client_id: args.client_id,
        client_secret: client.client_secret.clone(),
        grant,
        api_domain: environment.api_domain(&fallback),
        books_organization_id: args.books_organization_id,
        access_token: None,
        expires_at: 0,
        throttled_until: 0,
        environment,
    };
    if let Some(domain) = &tokens.api_domain
        && !crate::store::acceptable_api_domain(&connection, domain)
    {
        let error = crate::oauth::OAuthError::Unavailable(format!(
            "the accounts server named an API domain that is not Zoho's: {domain}"
        ));
        return oauth_failure(&error, stdout);
    }
    crate::store::ConnectionStore::apply_tokens(&mut connection, tokens);
    if connection.api_domain.is_empty() {
        let error = crate::oauth::OAuthError::Unavailable(
            "the token response has no api_domain and the accounts server is not a known region".into(),
        );
        return oauth_failure(&error, stdout);
    }
    let summary = connection_summary(&args.name, &connection);
    store(env)?.put(&args.name, connection)?;
    writeln!(stdout, "{}", serde_json::to_string_pretty(&summary)?)?;
    Ok(0)
}

/// A connection as shown to people: never a secret.
fn connection_summary(name: &str, connection: &crate::store::StoredConnection) -> Value {
    let grant = match &connection.grant {
        crate::store::Grant::RefreshToken { .. } => "refresh_token",
        crate::store::Grant::ClientCredentials { .. } => "client_credentials",
    };
    json!({
        "connection": name,
        "accountsUrl": connection.accounts_url,
        "apiDomain": connection.api_domain,
        "clientId": connection.client_id,
        "grant": grant,
        "booksOrganizationId": connection.books_organization_id,
        "accessTokenExpiresAt": connection.expires_at,
    })
}

fn list_connections(
    store: &crate::store::ConnectionStore,
    as_json: bool,
    stdout: &mut dyn Write,
) -> Result<i32, Failure> {
    let connections = store.list()?;
    let summaries: Vec<Value> = connections
        .iter()
        .map(|(name, c)| connection_summary(name, c))
        .collect();
    if as_json {
        writeln!(stdout, "{}", serde_json::to_string_pretty(&summaries)?)?;
        return Ok(0);
    }
    writeln!(stdout, "{:<24} {:<32} {:<32} GRANT", "NAME", "API DOMAIN", "ACCOUNTS")?;
    for summary in &summaries {
        let [name, domain, accounts, grant] = [
            &summary["connection"],
            &summary["apiDomain"],
            &summary["accountsUrl"],
            &summary["grant"],
        ]
        .map(text);
        writeln!(stdout, "{name:<24} {domain:<32} {accounts:<32} {grant}")?;
    }
    Ok(0)
}

async fn disconnect(store: &crate::store::ConnectionStore, name: &str, stdout: &mut dyn Write) -> Result<i32, Failure> {
    let connection = store
        .get(name)?
        .ok_or_else(|| Failure(format!("no stored connection named {name:?}")))?;
    if let crate::store::Grant::RefreshToken { refresh_token } = &connection.grant {
        let client = crate::oauth::OAuthClient {
            accounts_url: connection.accounts_url.clone(),
            client_id: connection.client_id.clone(),
            client_secret: connection.client_secret.clone(),
        };
        if let Err(error) = client.revoke(refresh_token).await {
            return oauth_failure(&error, stdout);
        }
    }
    store.remove(name)?;
    writeln!(
        stdout,
        "{}",
        serde_json::to_string_pretty(&json!({"disconnected": name}))?
    )?;
    Ok(0)
}

async fn run_in_sandbox(
    loader: &Loader,
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
    let harness = loader.load(env, true)?;
    let code = invoke(
        &harness,
        Arc::new(StaticCredentials::new().with(CONNECTION, info)),
        CONNECTION,
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
    let banner = format!(
        "Offline Zoho sandbox on {url}, seeded with sample CRM Leads, Contacts, Accounts and Deals and Books contacts, items and taxes. Stop it with Ctrl-C.\n\
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

#[expect(
    clippy::too_many_arguments,
    reason = "one call site per invocation path; a struct would only rename the list"
)]
async fn invoke(
    harness: &Harness,
    provider: Arc<dyn CredentialProvider>,
    connection: &str,
    key: &str,
    input: &str,
    debug: bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<i32, Failure> {
    let log = MemoryLog::default();
    let context = CallContext::new(Arc::clone(&provider)).with_log(Arc::new(log.clone()));
    let outcome = harness.invoke(&context, key, connection, input).await;
    // After the call: a refresh during it may have produced a secret worth scrubbing.
    let secrets = provider.secrets();
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
