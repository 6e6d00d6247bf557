//! Where the host keeps what must outlive a call and be shared by every worker: OAuth
//! connections (with their cached access tokens and Zoho's refresh throttle), trigger states
//! and notification channels.
//!
//! Two places implement [`Store`]: files in one directory ([`ConnectionStore`], the default,
//! for one machine) and PostgreSQL ([`PostgresStore`], for workers on several machines). Both
//! give the same guarantees: a connection is refreshed by one holder at a time, a trigger key
//! is polled by one poller at a time, a channel is renewed once per due time, and a holder that
//! dies lets go by itself.
//!
//! Opened with the operator's instance key, both keep every secret sealed (`sealing`): the
//! client secret, refresh token and access token of a connection and a channel's token.

mod credentials;
mod file;
mod postgres;
mod sealing;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::credentials::BoxFuture;
use crate::oauth::{OAuthClient, Secret, TokenSet};
use crate::regions;

pub use credentials::StoreCredentials;
pub use file::ConnectionStore;
pub use postgres::PostgresStore;
pub use sealing::{DataKeyUse, InstanceKey, KeyTextError, Rotation, SealError, SealingStatus};

/// What a store keeps, behind one interface: the file store and PostgreSQL.
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Where the store is, for messages: a path, or the database without its password.
    fn location(&self) -> String;

    /// Every connection, by name.
    fn list(&self) -> BoxFuture<'_, Result<BTreeMap<String, StoredConnection>, StoreError>>;

    /// One connection.
    fn get<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<StoredConnection>, StoreError>>;

    /// Adds or replaces a connection.
    fn put<'a>(&'a self, name: &'a str, connection: StoredConnection) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Removes a connection; returns it.
    fn remove<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<StoredConnection>, StoreError>>;

    /// Holds connection `name` for a refresh, exclusively across every process and machine
    /// using the store, waiting at most `wait` for another holder. The hold shows the
    /// connection as it is now (after any refresh the wait was for), and ends when it is
    /// saved, released or dropped, or when its process dies.
    fn hold<'a>(&'a self, name: &'a str, wait: Duration) -> BoxFuture<'a, Result<Box<dyn ConnectionHold>, StoreError>>;

    /// Takes trigger state `key` for one poll, without waiting: `None` while another poller
    /// has it. A poller that dies lets go of it (at once, or within `lease` at most).
    fn take_state<'a>(
        &'a self,
        key: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Option<Box<dyn StateHold>>, StoreError>>;

    /// The stored channel `key`, if any (read without holding it).
    fn channel<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<StoredChannel>, StoreError>>;

    /// Holds channel `key` to enable or renew it, waiting at most `wait` for another holder.
    fn hold_channel<'a>(
        &'a self,
        key: &'a str,
        wait: Duration,
    ) -> BoxFuture<'a, Result<Box<dyn ChannelHold>, StoreError>>;

    /// How many secrets are sealed under which data key, and how many are plain.
    fn sealing_status(&self) -> BoxFuture<'_, Result<SealingStatus, StoreError>>;

    /// Makes a new data key and re-seals every secret under it while other workers go on,
    /// then retires the old keys; finishes a rotation an earlier run left. Needs the key.
    fn rotate_data_key(&self) -> BoxFuture<'_, Result<Rotation, StoreError>>;

    /// Re-wraps every data key under the instance key `new`; returns how many.
    fn rewrap_data_keys<'a>(&'a self, new: &'a InstanceKey) -> BoxFuture<'a, Result<usize, StoreError>>;
}

/// One connection held for a refresh.
pub trait ConnectionHold: Send {
    /// The connection as stored when the hold began (`None`: there is no such connection).
    fn connection(&mut self) -> Option<&mut StoredConnection>;

    /// Writes the (changed) connection back and lets go.
    fn save(self: Box<Self>) -> BoxFuture<'static, Result<(), StoreError>>;

    /// Lets go without writing.
    fn release(self: Box<Self>) -> BoxFuture<'static, ()>;
}

/// One trigger's state held for a poll.
pub trait StateHold: Send {
    /// The state the last poll left (`None`: this is the first poll).
    fn state(&self) -> Option<&str>;

    /// Stores the state the poll returned and lets go. Call it only once the poll's events
    /// are safely handed on: a poll whose events are lost must not advance.
    fn advance(self: Box<Self>, state: String) -> BoxFuture<'static, Result<(), StoreError>>;

    /// Lets go, keeping the old state (the poll failed).
    fn release(self: Box<Self>) -> BoxFuture<'static, ()>;
}

/// A notification channel shared by the listeners of one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredChannel {
    /// The channel document `crmEnableNotifications` returned (its token included: listeners
    /// verify notifications with it, so it is a secret).
    pub channel: serde_json::Value,
    /// Bumped at every enable or renewal, so a listener sees when to reload.
    pub version: u64,
}

/// One channel held to enable or renew it.
pub trait ChannelHold: Send {
    /// The channel as stored when the hold began.
    fn channel(&self) -> Option<&StoredChannel>;

    /// Stores `channel` (its version one past the held one) and lets go.
    fn save(self: Box<Self>, channel: serde_json::Value) -> BoxFuture<'static, Result<StoredChannel, StoreError>>;

    /// Lets go without writing.
    fn release(self: Box<Self>) -> BoxFuture<'static, ()>;
}

/// Opens the store `location` names: a `postgres://` or `postgresql://` URL, else a directory.
/// With `key`, secrets are sealed (a plain store is sealed now, once); without, a sealed store
/// is refused. See [`ConnectionStore::open`] and [`PostgresStore::open`].
pub async fn open(location: &str, key: Option<InstanceKey>) -> Result<Arc<dyn Store>, StoreError> {
    if location.starts_with("postgres://") || location.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::open(location, key).await?))
    } else {
        let directory = location.strip_prefix("file://").unwrap_or(location);
        open_directory(PathBuf::from(directory), key).await
    }
}

/// Opens the file store in `directory` (see [`ConnectionStore::open`]), off the async runtime.
pub async fn open_directory(directory: PathBuf, key: Option<InstanceKey>) -> Result<Arc<dyn Store>, StoreError> {
    let path = directory.clone();
    let store = tokio::task::spawn_blocking(move || ConnectionStore::open(directory, key))
        .await
        .map_err(|e| StoreError::Io {
            path,
            action: "opened",
            source: std::io::Error::other(e.to_string()),
        })??;
    Ok(Arc::new(store))
}

/// The instance key the environment gives: `ZOHO_HARNESS_KEY`, else the file `key_file` names
/// (its text, as `store init-key` prints it). `None` when neither is set.
pub fn instance_key_from(
    env: &dyn Fn(&str) -> Option<String>,
    key_file: Option<&std::path::Path>,
) -> Result<Option<InstanceKey>, StoreError> {
    match (env("ZOHO_HARNESS_KEY").map(zeroize::Zeroizing::new), key_file) {
        (Some(text), _) if !text.trim().is_empty() => InstanceKey::parse(&text).map(Some).map_err(StoreError::BadKey),
        (_, Some(path)) => read_instance_key(path).map(Some),
        _ => Ok(None),
    }
}

/// The instance key in the file at `path` (its text, as `store init-key` prints it).
pub fn read_instance_key(path: &std::path::Path) -> Result<InstanceKey, StoreError> {
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|source| StoreError::Io {
        path: path.to_owned(),
        action: "read (the key file)",
        source,
    })?);
    InstanceKey::parse(&text).map_err(StoreError::BadKey)
}

/// How a connection gets new access tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "grant", rename_all = "snake_case")]
pub enum Grant {
    /// A refresh token from the authorization-code flow.
    RefreshToken { refresh_token: Secret },
    /// A Self Client's client credentials, for an org (`soid`).
    ClientCredentials { scope: String, soid: String },
}

/// One stored connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredConnection {
    pub accounts_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    #[serde(flatten)]
    pub grant: Grant,
    /// The API domain of the last token response (or the region's, until there is one).
    pub api_domain: String,
    #[serde(default)]
    pub books_organization_id: Option<String>,
    #[serde(default)]
    pub access_token: Option<Secret>,
    /// Unix seconds when `access_token` expires.
    #[serde(default)]
    pub expires_at: u64,
    /// Unix seconds before which the accounts server must not be asked again (its throttle).
    #[serde(default)]
    pub throttled_until: u64,
    /// Sandbox and developer orgs use `sandbox.` / `developer.` API hosts.
    #[serde(default)]
    pub environment: StoredEnvironment,
    /// Calls the organization may have in flight at once (Zoho's limit for its edition);
    /// the harness's setting when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_in_flight: Option<u32>,
}

/// The environment a connection's API domain is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoredEnvironment {
    #[default]
    Production,
    Sandbox,
    Developer,
}

impl StoredEnvironment {
    /// The API domain for this environment: the token's `www.` host with the environment's
    /// prefix (production domains are left as they are).
    pub fn api_domain(self, domain: &str) -> String {
        match self {
            StoredEnvironment::Production => domain.to_owned(),
            StoredEnvironment::Sandbox => domain.replacen("://www.", "://sandbox.", 1),
            StoredEnvironment::Developer => domain.replacen("://www.", "://developer.", 1),
        }
    }
}

impl StoredConnection {
    fn client(&self) -> OAuthClient {
        OAuthClient {
            accounts_url: self.accounts_url.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
        }
    }

    /// Whether the accounts server is a local one (tests, the sandbox).
    pub fn is_loopback(&self) -> bool {
        is_loopback_url(&self.accounts_url)
    }
}

/// Whether a URL points at 127.0.0.0/8, localhost or ::1.
pub fn is_loopback_url(url: &str) -> bool {
    let Ok(uri) = url.parse::<http::Uri>() else {
        return false;
    };
    let host = uri
        .host()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Why the store could not be used. No variant carries a secret: database errors are
/// described by the driver, which never quotes a password or a parameter.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the connection store at {path} could not be {action}: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
    #[error("the connection store at {path} is damaged: {message}")]
    Damaged { path: PathBuf, message: String },
    /// The database could not be reached, or refused a statement.
    #[error("the store at {location} failed: {message}")]
    Database { location: String, message: String },
    /// Another holder kept what was asked for longer than the wait allowed.
    #[error("{0}")]
    Busy(String),
    /// The database was set up by a newer harness than this one.
    #[error(
        "the store at {location} has schema version {found}, newer than this harness knows ({known}); upgrade the harness"
    )]
    NewerSchema { location: String, found: i32, known: i32 },
    /// The store keeps sealed secrets and was opened without the instance key.
    #[error(
        "the store at {location} keeps its secrets sealed and no instance key was given: set ZOHO_HARNESS_KEY or pass --key-file"
    )]
    KeyRequired { location: String },
    /// The instance key given is not a key (its text is never repeated).
    #[error("{0}")]
    BadKey(#[from] KeyTextError),
    /// A secret could not be sealed or opened: the wrong instance key, a value moved from
    /// another record or field, a data key the store no longer has.
    #[error("the store at {location}: {source}")]
    Sealing { location: String, source: SealError },
}

pub(crate) fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The store directory: `ZOHO_HARNESS_HOME`, else `$XDG_CONFIG_HOME/zoho-harness`, else
/// `~/.config/zoho-harness`.
pub fn default_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    env("ZOHO_HARNESS_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            env("XDG_CONFIG_HOME")
                .filter(|d| !d.is_empty())
                .map(|d| PathBuf::from(d).join("zoho-harness"))
        })
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".config").join("zoho-harness")))
}

/// Applies a token response to a stored connection.
pub fn apply_tokens(connection: &mut StoredConnection, tokens: TokenSet) {
    connection.expires_at = now() + tokens.expires_in.as_secs();
    connection.access_token = Some(tokens.access_token);
    if let Some(domain) = tokens.api_domain {
        connection.api_domain = connection.environment.api_domain(&domain);
    }
    if let (Grant::RefreshToken { refresh_token }, Some(new)) = (&mut connection.grant, tokens.refresh_token) {
        *refresh_token = new;
    }
}

/// Whether a token response's `api_domain` may be used: one of Zoho's, or a loopback one when
/// the accounts server itself is local (tests, the sandbox).
pub fn acceptable_api_domain(connection: &StoredConnection, domain: &str) -> bool {
    regions::is_zoho_api_domain(domain) || (connection.is_loopback() && is_loopback_url(domain))
}
