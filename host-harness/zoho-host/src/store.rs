//! The connection store: OAuth connections in the user's config directory, written atomically
//! with mode 0600, with access tokens cached until shortly before they expire.
//!
//! A refresh happens only when needed and once for all callers: in-process callers queue on a
//! mutex, other processes on an exclusive lock of `connections.lock`, and everyone re-reads
//! the store after getting the lock, so whoever comes second finds the fresh token.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::bindings::{ConnectionInfo, CredentialError};
use crate::credentials::{BoxFuture, CredentialProvider};
use crate::oauth::{OAuthClient, OAuthError, Secret, TokenSet};
use crate::regions;

/// Tokens this close to expiry are treated as expired, so a call never starts with a token
/// that dies mid-flight.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);
const STORE_FILE: &str = "connections.json";
const LOCK_FILE: &str = "connections.lock";
/// How long a refresh waits for another process's refresh of the store: the OAuth client's
/// own bound (30 s) with room to spare.
const LOCK_WAIT: Duration = Duration::from_secs(45);
/// How often a waiting refresh tries the lock again.
const LOCK_RETRY: Duration = Duration::from_millis(20);

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

#[derive(Debug, Default, Serialize, Deserialize)]
struct StoreFile {
    #[serde(default)]
    connections: BTreeMap<String, StoredConnection>,
}

/// Why the store could not be used.
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
}

fn now() -> u64 {
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

/// The store in one directory.
#[derive(Debug, Clone)]
pub struct ConnectionStore {
    dir: PathBuf,
}

/// Holds the cross-process lock until dropped.
struct FileLock(File);

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

impl ConnectionStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(STORE_FILE)
    }

    fn io(&self, action: &'static str, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: self.path(),
            action,
            source,
        }
    }

    fn create_dir(&self) -> Result<(), StoreError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| self.io("created", e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700));
        }
        Ok(())
    }

    /// Takes the exclusive cross-process lock, blocking until it is free (the synchronous
    /// `put` and `remove`; a refresh waits for it with [`StoreCredentials::lock_within`]).
    fn lock(&self) -> Result<FileLock, StoreError> {
        let file = self.lock_file()?;
        file.lock().map_err(|e| self.io("locked", e))?;
        Ok(FileLock(file))
    }

    /// Tries the exclusive cross-process lock once, without waiting: `None` while another
    /// process holds it.
    fn try_lock(&self) -> Result<Option<FileLock>, StoreError> {
        let file = self.lock_file()?;
        match file.try_lock() {
            Ok(()) => Ok(Some(FileLock(file))),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(self.io("locked", e)),
        }
    }

    fn lock_file(&self) -> Result<File, StoreError> {
        self.create_dir()?;
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options.open(self.dir.join(LOCK_FILE)).map_err(|e| self.io("locked", e))
    }

    fn read(&self) -> Result<StoreFile, StoreError> {
        match std::fs::read(self.path()) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| StoreError::Damaged {
                path: self.path(),
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StoreFile::default()),
            Err(e) => Err(self.io("read", e)),
        }
    }

    /// Writes the whole store to a temporary file (mode 0600) and renames it into place, so
    /// a reader never sees half a file and the secrets are never world-readable.
    fn write(&self, file: &StoreFile) -> Result<(), StoreError> {
        self.create_dir()?;
        let bytes = serde_json::to_vec_pretty(file).map_err(|e| StoreError::Damaged {
            path: self.path(),
            message: e.to_string(),
        })?;
        crate::private_file::write_atomically(&self.path(), &bytes).map_err(|e| self.io("written", e))
    }

    /// Every connection, by name. Reads take no lock: writes replace the file atomically, so
    /// a reader sees the old store or the new one, never a mix (and never blocks on a refresh).
    pub fn list(&self) -> Result<BTreeMap<String, StoredConnection>, StoreError> {
        Ok(self.read()?.connections)
    }

    pub fn get(&self, name: &str) -> Result<Option<StoredConnection>, StoreError> {
        Ok(self.list()?.remove(name))
    }

    /// Adds or replaces a connection.
    pub fn put(&self, name: &str, connection: StoredConnection) -> Result<(), StoreError> {
        let _lock = self.lock()?;
        let mut file = self.read()?;
        file.connections.insert(name.to_owned(), connection);
        self.write(&file)
    }

    /// Removes a connection; returns it.
    pub fn remove(&self, name: &str) -> Result<Option<StoredConnection>, StoreError> {
        let _lock = self.lock()?;
        let mut file = self.read()?;
        let removed = file.connections.remove(name);
        if removed.is_some() {
            self.write(&file)?;
        }
        Ok(removed)
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
}

/// Whether a token response's `api_domain` may be used: one of Zoho's, or a loopback one when
/// the accounts server itself is local (tests, the sandbox).
pub fn acceptable_api_domain(connection: &StoredConnection, domain: &str) -> bool {
    regions::is_zoho_api_domain(domain) || (connection.is_loopback() && is_loopback_url(domain))
}

/// Credentials for stored connections, refreshed through the accounts server.
#[derive(Debug, Clone)]
pub struct StoreCredentials {
    store: ConnectionStore,
    /// Serialises refreshes inside this process; the file lock does it across processes.
    refreshing: Arc<tokio::sync::Mutex<()>>,
}

impl StoreCredentials {
    pub fn new(store: ConnectionStore) -> Self {
        Self {
            store,
            refreshing: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    fn info(connection: &StoredConnection) -> Option<ConnectionInfo> {
        Some(ConnectionInfo {
            access_token: connection.access_token.as_ref()?.expose().to_owned(),
            api_domain: connection.api_domain.clone(),
            books_organization_id: connection.books_organization_id.clone(),
        })
    }

    fn usable(connection: &StoredConnection) -> bool {
        connection.access_token.is_some() && connection.expires_at > now() + EXPIRY_MARGIN.as_secs()
    }

    /// Runs a file operation of the store on tokio's blocking threads, off the async runtime.
    async fn off_runtime<T: Send + 'static>(
        &self,
        operation: impl FnOnce(&ConnectionStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, CredentialError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || operation(&store))
            .await
            .map_err(|e| CredentialError::Unavailable(e.to_string()))?
            .map_err(|e| CredentialError::Unavailable(e.to_string()))
    }

    /// The cross-process lock, taken without blocking the runtime: tried every few
    /// milliseconds for at most `wait`. A holder keeps it for one token request, which the
    /// OAuth client bounds, so a lock held longer belongs to a process that is stuck.
    async fn lock_within(&self, wait: Duration) -> Result<FileLock, CredentialError> {
        let started = std::time::Instant::now();
        loop {
            if let Some(lock) = self.off_runtime(ConnectionStore::try_lock).await? {
                return Ok(lock);
            }
            if started.elapsed() >= wait {
                return Err(CredentialError::Unavailable(format!(
                    "another process has held the connection store's lock ({}) for {} s",
                    self.store.dir.join(LOCK_FILE).display(),
                    wait.as_secs()
                )));
            }
            tokio::time::sleep(LOCK_RETRY).await;
        }
    }

    /// Returns current credentials, refreshing when `needs_refresh` says so, at most once.
    async fn current(
        &self,
        name: &str,
        needs_refresh: impl Fn(&StoredConnection) -> bool,
    ) -> Result<ConnectionInfo, CredentialError> {
        let unknown = || {
            CredentialError::UnknownConnection(format!(
                "no stored connection named {name:?}; create it with `zoho-harness connect {name} ...`"
            ))
        };
        // Fast path: no lock, no refresh.
        let stored = {
            let name = name.to_owned();
            self.off_runtime(move |store| store.get(&name)).await?
        };
        if let Some(connection) = stored
            && !needs_refresh(&connection)
            && let Some(info) = Self::info(&connection)
        {
            return Ok(info);
        }
        let _in_process = self.refreshing.lock().await;
        let lock = self.lock_within(LOCK_WAIT).await?;
        let name_owned = name.to_owned();
        let mut file = self.off_runtime(ConnectionStore::read).await?;
        let connection = file.connections.get_mut(&name_owned).ok_or_else(unknown)?;
        if !needs_refresh(connection)
            && let Some(info) = Self::info(connection)
        {
            return Ok(info);
        }
        if connection.throttled_until > now() {
            return Err(CredentialError::Throttled(
                u32::try_from(connection.throttled_until - now()).unwrap_or(u32::MAX),
            ));
        }
        let client = connection.client();
        let outcome = match &connection.grant {
            Grant::RefreshToken { refresh_token } => client.refresh(refresh_token).await,
            Grant::ClientCredentials { scope, soid } => client.client_credentials(scope, soid).await,
        };
        let result = match outcome {
            Ok(tokens) => {
                if let Some(domain) = &tokens.api_domain
                    && !acceptable_api_domain(connection, domain)
                {
                    return Err(CredentialError::Unavailable(format!(
                        "the accounts server named an API domain that is not Zoho's: {domain}"
                    )));
                }
                ConnectionStore::apply_tokens(connection, tokens);
                Self::info(connection)
                    .ok_or_else(|| CredentialError::Unavailable("no access token after a refresh".into()))
            }
            Err(OAuthError::Throttled { retry_after }) => {
                // Remember it, so no caller asks the accounts server again until it is over.
                connection.throttled_until = now() + retry_after.as_secs();
                Err(CredentialError::Throttled(
                    u32::try_from(retry_after.as_secs()).unwrap_or(u32::MAX),
                ))
            }
            Err(OAuthError::Refused { code, hint }) => Err(CredentialError::ReauthorizationRequired(format!(
                "Zoho refused to refresh connection {name:?} ({code}: {hint}); run `zoho-harness connect {name} ...` again"
            ))),
            Err(OAuthError::Unavailable(message)) => Err(CredentialError::Unavailable(message)),
        };
        self.off_runtime(move |store| store.write(&file)).await?;
        drop(lock);
        result
    }
}

impl CredentialProvider for StoreCredentials {
    fn get<'a>(&'a self, connection: &'a str) -> BoxFuture<'a, Result<ConnectionInfo, CredentialError>> {
        Box::pin(self.current(connection, |c| !Self::usable(c)))
    }

    fn refresh<'a>(
        &'a self,
        connection: &'a str,
        rejected_token: &'a str,
    ) -> BoxFuture<'a, Result<ConnectionInfo, CredentialError>> {
        // Refresh only if the rejected token is still the current one; otherwise someone
        // already did, and the newer token is the answer.
        Box::pin(self.current(connection, move |c| {
            !Self::usable(c) || c.access_token.as_ref().is_none_or(|t| t.expose() == rejected_token)
        }))
    }

    fn max_in_flight(&self, connection: &str) -> Option<u32> {
        self.store.list().ok()?.get(connection)?.max_in_flight
    }

    fn secrets(&self) -> Vec<String> {
        self.store
            .list()
            .map(|all| {
                all.values()
                    .flat_map(|c| {
                        let mut secrets = vec![c.client_secret.expose().to_owned()];
                        secrets.extend(c.access_token.as_ref().map(|t| t.expose().to_owned()));
                        if let Grant::RefreshToken { refresh_token } = &c.grant {
                            secrets.push(refresh_token.expose().to_owned());
                        }
                        secrets
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}
