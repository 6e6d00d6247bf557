//! `connect`, `authorize-url`, `connections` and `disconnect`: OAuth connections for every
//! Zoho data center, stored without ever printing a secret.

use std::io::Write;

use clap::Args;
use serde_json::{Value, json};

use super::common::{Env, Failure, text};
use super::connection::check_accounts_url;
use zoho_host::store::Store;

#[derive(Debug, Args)]
pub(super) struct AccountsServer {
    /// The data center: us, eu, in, au, jp, ca, cn, sa or uk.
    #[arg(long, conflicts_with = "accounts_url")]
    pub(super) region: Option<String>,

    /// The accounts server URL instead of a region (http://127.0.0.1:PORT for a local fake).
    #[arg(long)]
    pub(super) accounts_url: Option<String>,
}

impl AccountsServer {
    pub(super) fn url(&self) -> Result<String, Failure> {
        match (&self.region, &self.accounts_url) {
            (Some(code), _) => zoho_host::regions::region(code)
                .map(|r| r.accounts_url.to_owned())
                .ok_or_else(|| {
                    let codes: Vec<&str> = zoho_host::regions::REGIONS.iter().map(|r| r.code).collect();
                    Failure(format!("unknown region {code:?}; use one of {}", codes.join(", ")))
                }),
            (None, Some(url)) => check_accounts_url(url),
            (None, None) => Err(Failure("give --region or --accounts-url".into())),
        }
    }
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum EnvironmentArg {
    Production,
    Sandbox,
    Developer,
}

#[derive(Debug, Args)]
pub(super) struct ConnectArgs {
    /// The connection's name, used with `invoke --connection NAME`.
    pub(super) name: String,

    #[command(flatten)]
    pub(super) accounts: AccountsServer,

    /// The OAuth client id (Self Client or server-based client).
    #[arg(long)]
    pub(super) client_id: String,

    /// The grant code to exchange (authorization_code grant).
    #[arg(long, conflicts_with = "client_credentials")]
    pub(super) grant_code: Option<String>,

    /// The redirect URI the grant code was issued for, if any.
    #[arg(long)]
    pub(super) redirect_uri: Option<String>,

    /// Use the client_credentials grant (Self Client) instead of a grant code.
    #[arg(long, requires_all = ["scopes", "soid"])]
    pub(super) client_credentials: bool,

    /// Scopes for client_credentials, comma-separated.
    #[arg(long)]
    pub(super) scopes: Option<String>,

    /// The org for client_credentials, e.g. ZohoCRM.600012345.
    #[arg(long)]
    pub(super) soid: Option<String>,

    /// Which environment's API host to use.
    #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
    pub(super) environment: EnvironmentArg,

    /// The Zoho Books organization to use when an action names none.
    #[arg(long)]
    pub(super) books_organization_id: Option<String>,

    /// Calls the organization may have in flight at once: Zoho's limit for its edition (Free 5,
    /// Standard 10, Professional 15, Enterprise 20, Ultimate 25). Default: the harness's.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub(super) max_in_flight: Option<u32>,
}

#[derive(Debug, Args)]
pub(super) struct AuthorizeUrlArgs {
    #[command(flatten)]
    pub(super) accounts: AccountsServer,

    /// The OAuth client id.
    #[arg(long)]
    pub(super) client_id: String,

    /// Scopes, comma-separated, e.g. ZohoCRM.modules.ALL,ZohoBooks.fullaccess.all.
    #[arg(long)]
    pub(super) scopes: String,

    /// The redirect URI registered for the client.
    #[arg(long)]
    pub(super) redirect_uri: Option<String>,
}

#[derive(Debug, Args)]
pub(super) struct ConnectionsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub(super) json: bool,
}

#[derive(Debug, Args)]
pub(super) struct DisconnectArgs {
    /// The connection to remove.
    pub(super) name: String,
}

/// `authorize-url`: the consent URL for the authorization-code flow.
pub(super) fn authorize_url(args: &AuthorizeUrlArgs, stdout: &mut dyn Write) -> Result<i32, Failure> {
    let scopes: Vec<String> = args
        .scopes
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let url = zoho_host::oauth::authorize_url(
        &args.accounts.url()?,
        &args.client_id,
        &scopes,
        args.redirect_uri.as_deref(),
    );
    writeln!(stdout, "{url}")?;
    Ok(0)
}

/// The client secret: ZOHO_CLIENT_SECRET, or one line read from stdin (a prompt).
fn client_secret(env: Env, stdin: &mut dyn std::io::Read) -> Result<zoho_host::oauth::Secret, Failure> {
    if let Some(secret) = env("ZOHO_CLIENT_SECRET").filter(|s| !s.trim().is_empty()) {
        return Ok(zoho_host::oauth::Secret::new(secret.trim()));
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
    Ok(zoho_host::oauth::Secret::new(secret))
}

/// An OAuth failure as the CLI reports it: an error document on stdout, exit 1.
fn oauth_failure(error: &zoho_host::oauth::OAuthError, stdout: &mut dyn Write) -> Result<i32, Failure> {
    let problem = match error {
        zoho_host::oauth::OAuthError::Refused { .. } => "reauthorization-required",
        zoho_host::oauth::OAuthError::Throttled { .. } => "throttled",
        zoho_host::oauth::OAuthError::Unavailable(_) => "unavailable",
    };
    let document = json!({"error": {"kind": "credential", "problem": problem, "message": error.to_string()}});
    writeln!(stdout, "{}", serde_json::to_string_pretty(&document)?)?;
    Ok(1)
}

pub(super) async fn connect(
    args: ConnectArgs,
    store: &dyn Store,
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
    let client = zoho_host::oauth::OAuthClient {
        accounts_url: accounts_url.clone(),
        client_id: args.client_id.clone(),
        client_secret: client_secret(env, stdin)?,
    };
    let (grant, outcome) = if args.client_credentials {
        let scope = args.scopes.clone().unwrap_or_default().replace(',', " ");
        let soid = args.soid.clone().unwrap_or_default();
        let outcome = client.client_credentials(&scope, &soid).await;
        (zoho_host::store::Grant::ClientCredentials { scope, soid }, outcome)
    } else {
        let code = args
            .grant_code
            .as_deref()
            .ok_or_else(|| Failure("give --grant-code (or --client-credentials with --scopes and --soid)".into()))?;
        let outcome = client.exchange_code(code, args.redirect_uri.as_deref()).await;
        let refresh = outcome.as_ref().ok().and_then(|tokens| tokens.refresh_token.clone());
        (
            zoho_host::store::Grant::RefreshToken {
                refresh_token: refresh.unwrap_or_else(|| zoho_host::oauth::Secret::new("")),
            },
            outcome,
        )
    };
    let tokens = match outcome {
        Ok(tokens) => tokens,
        Err(error) => return oauth_failure(&error, stdout),
    };
    if matches!(&grant, zoho_host::store::Grant::RefreshToken { refresh_token } if refresh_token.expose().is_empty()) {
        let error = zoho_host::oauth::OAuthError::Unavailable(
            "Zoho issued no refresh token; generate the grant code with access_type=offline and prompt=consent".into(),
        );
        return oauth_failure(&error, stdout);
    }
    let environment = match args.environment {
        EnvironmentArg::Production => zoho_host::store::StoredEnvironment::Production,
        EnvironmentArg::Sandbox => zoho_host::store::StoredEnvironment::Sandbox,
        EnvironmentArg::Developer => zoho_host::store::StoredEnvironment::Developer,
    };
    let fallback = zoho_host::regions::region_for_accounts(&accounts_url)
        .map(|r| r.api_domain.to_owned())
        .unwrap_or_default();
    let mut connection = zoho_host::store::StoredConnection {
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
        max_in_flight: args.max_in_flight,
    };
    if let Some(domain) = &tokens.api_domain
        && !zoho_host::store::acceptable_api_domain(&connection, domain)
    {
        let error = zoho_host::oauth::OAuthError::Unavailable(format!(
            "the accounts server named an API domain that is not Zoho's: {domain}"
        ));
        return oauth_failure(&error, stdout);
    }
    zoho_host::store::apply_tokens(&mut connection, tokens);
    if connection.api_domain.is_empty() {
        let error = zoho_host::oauth::OAuthError::Unavailable(
            "the token response has no api_domain and the accounts server is not a known region".into(),
        );
        return oauth_failure(&error, stdout);
    }
    let summary = connection_summary(&args.name, &connection);
    store.put(&args.name, connection).await?;
    writeln!(stdout, "{}", serde_json::to_string_pretty(&summary)?)?;
    Ok(0)
}

/// A connection as shown to people: never a secret.
fn connection_summary(name: &str, connection: &zoho_host::store::StoredConnection) -> Value {
    let grant = match &connection.grant {
        zoho_host::store::Grant::RefreshToken { .. } => "refresh_token",
        zoho_host::store::Grant::ClientCredentials { .. } => "client_credentials",
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

pub(super) async fn list_connections(store: &dyn Store, as_json: bool, stdout: &mut dyn Write) -> Result<i32, Failure> {
    let connections = store.list().await?;
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

pub(super) async fn disconnect(store: &dyn Store, name: &str, stdout: &mut dyn Write) -> Result<i32, Failure> {
    let connection = store
        .get(name)
        .await?
        .ok_or_else(|| Failure(format!("no stored connection named {name:?}")))?;
    if let zoho_host::store::Grant::RefreshToken { refresh_token } = &connection.grant {
        let client = zoho_host::oauth::OAuthClient {
            accounts_url: connection.accounts_url.clone(),
            client_id: connection.client_id.clone(),
            client_secret: connection.client_secret.clone(),
        };
        if let Err(error) = client.revoke(refresh_token).await {
            return oauth_failure(&error, stdout);
        }
    }
    store.remove(name).await?;
    writeln!(
        stdout,
        "{}",
        serde_json::to_string_pretty(&json!({"disconnected": name}))?
    )?;
    Ok(0)
}
