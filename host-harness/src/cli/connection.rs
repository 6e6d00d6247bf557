//! Which Zoho connection a call uses: the offline sandbox, a stored connection, or the one the
//! environment describes (a fixed token, or an OAuth client whose token is cached).

use std::sync::Arc;

use clap::Args;
use sha2::Digest as _;

use super::common::{CONNECTION, Env, Failure};
use super::store_place::StorePlace;
use zoho_host::store::Store;
use zoho_host::{BoxFuture, CredentialProvider, StaticCredentials};
use zoho_host::{ConnectionInfo, CredentialError};

/// Where a call goes, as `invoke`, `poll` and `listen` take it.
#[derive(Debug, Args)]
pub(super) struct ConnectionArgs {
    /// Run against the offline sandbox instead of the connection in the environment.
    #[arg(long, conflicts_with = "connection")]
    pub sandbox: bool,

    /// Use a stored connection (see `zoho-harness connect`).
    #[arg(long)]
    pub connection: Option<String>,
}

/// A resolved connection: who hands out its credentials, its name, whether its API domain is
/// on loopback, and the sandbox serving it (kept alive for the call) when there is one.
pub(super) struct Resolved {
    pub provider: Arc<dyn CredentialProvider>,
    pub connection: String,
    pub allow_loopback: bool,
    #[expect(dead_code, reason = "held, not read: the sandbox serves until the call ends")]
    pub sandbox: Option<fake_zoho::FakeZoho>,
}

/// Resolves `--sandbox` / `--connection` / the environment.
pub(super) async fn resolve(args: &ConnectionArgs, store: &StorePlace, env: Env<'_>) -> Result<Resolved, Failure> {
    if args.sandbox {
        return sandbox();
    }
    match &args.connection {
        Some(name) => stored_connection(store.open(env).await?, name).await,
        None => environment_connection(store, env).await,
    }
}

/// A fresh in-process sandbox seeded with the sample data.
pub(super) fn sandbox() -> Result<Resolved, Failure> {
    let fake = fake_zoho::FakeZoho::start().map_err(|e| Failure(format!("could not start the sandbox: {e}")))?;
    fake.seed_sandbox();
    let info = ConnectionInfo {
        access_token: fake.access_token(),
        api_domain: fake.base_url(),
        books_organization_id: None,
    };
    Ok(Resolved {
        provider: Arc::new(StaticCredentials::new().with(CONNECTION, info)),
        connection: CONNECTION.to_owned(),
        allow_loopback: true,
        sandbox: Some(fake),
    })
}

/// An accounts URL must be https, or http on loopback (a local fake).
pub(super) fn check_accounts_url(url: &str) -> Result<String, Failure> {
    let url = url.trim().trim_end_matches('/').to_owned();
    let ok = url.starts_with("https://") || (url.starts_with("http://") && zoho_host::store::is_loopback_url(&url));
    if ok && url.parse::<http::Uri>().is_ok() {
        Ok(url)
    } else {
        Err(Failure(format!("{url:?} is not an https URL (or http on 127.0.0.1)")))
    }
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

/// A stored connection, by name.
pub(super) async fn stored_connection(store: Arc<dyn Store>, name: &str) -> Result<Resolved, Failure> {
    let connection = store.get(name).await?.ok_or_else(|| {
        Failure(format!(
            "no stored connection named {name:?}; see `zoho-harness connections`"
        ))
    })?;
    let loopback = connection.is_loopback();
    Ok(Resolved {
        provider: Arc::new(zoho_host::store::StoreCredentials::shared(store)),
        connection: name.to_owned(),
        allow_loopback: loopback,
        sandbox: None,
    })
}

/// The connection described by the environment: a fixed token (ZOHO_API_DOMAIN +
/// ZOHO_ACCESS_TOKEN), or an OAuth client (ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET,
/// ZOHO_REFRESH_TOKEN with ZOHO_REGION or ZOHO_ACCOUNTS_URL), whose access token is cached in
/// the store so scripts do not refresh on every run and trip Zoho's throttle.
pub(super) async fn environment_connection(place: &StorePlace, env: Env<'_>) -> Result<Resolved, Failure> {
    let var = |name: &str| env(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let books_organization_id = var("ZOHO_BOOKS_ORGANIZATION_ID");
    if let (Some(api_domain), Some(access_token)) = (
        var("ZOHO_API_DOMAIN").map(|d| d.trim_end_matches('/').to_owned()),
        var("ZOHO_ACCESS_TOKEN"),
    ) {
        let loopback = zoho_host::store::is_loopback_url(&api_domain) && api_domain.starts_with("http://");
        let info = ConnectionInfo {
            access_token,
            api_domain,
            books_organization_id,
        };
        return Ok(Resolved {
            provider: Arc::new(StaticCredentials::new().with(CONNECTION, info)),
            connection: CONNECTION.to_owned(),
            allow_loopback: loopback,
            sandbox: None,
        });
    }
    if let (Some(client_id), Some(client_secret), Some(refresh_token)) = (
        var("ZOHO_CLIENT_ID"),
        var("ZOHO_CLIENT_SECRET"),
        var("ZOHO_REFRESH_TOKEN"),
    ) {
        let (accounts_url, api_domain) = match (var("ZOHO_REGION"), var("ZOHO_ACCOUNTS_URL")) {
            (Some(code), _) => {
                let region = zoho_host::regions::region(&code)
                    .ok_or_else(|| Failure(format!("unknown ZOHO_REGION {code:?}")))?;
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
        let store = place.open(env).await?;
        if store.get(&name).await?.is_none() {
            let connection = zoho_host::store::StoredConnection {
                accounts_url,
                client_id,
                client_secret: zoho_host::oauth::Secret::new(client_secret),
                grant: zoho_host::store::Grant::RefreshToken {
                    refresh_token: zoho_host::oauth::Secret::new(refresh_token),
                },
                api_domain,
                books_organization_id,
                access_token: None,
                expires_at: 0,
                throttled_until: 0,
                environment: zoho_host::store::StoredEnvironment::Production,
                max_in_flight: None,
            };
            store.put(&name, connection).await?;
        }
        return stored_connection(store, &name).await;
    }
    let message = "no connection: set ZOHO_API_DOMAIN (e.g. https://www.zohoapis.com) and ZOHO_ACCESS_TOKEN, or ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN with ZOHO_REGION; or use --connection or --sandbox";
    Ok(Resolved {
        provider: Arc::new(Unconfigured(message.into())),
        connection: CONNECTION.to_owned(),
        allow_loopback: false,
        sandbox: None,
    })
}
