//! Credentials for stored connections, refreshed through the accounts server once per expiry
//! whichever process or machine asks first: the refresher holds the connection in the store
//! ([`Store::hold`]) around the token request only, and everyone who waited reads the token it
//! stored. Zoho's refresh throttle is stored with the connection, so no worker asks again
//! before it has passed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::{Grant, Store, StoreError, StoredConnection, acceptable_api_domain, apply_tokens, now};
use crate::bindings::{ConnectionInfo, CredentialError};
use crate::credentials::{BoxFuture, CredentialProvider};
use crate::oauth::OAuthError;

/// Tokens this close to expiry are treated as expired, so a call never starts with a token
/// that dies mid-flight.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);
/// How long a refresh waits for another holder's refresh: the OAuth client's own bound (30 s)
/// with room to spare.
const HOLD_WAIT: Duration = Duration::from_secs(45);

/// Credentials for the connections of a [`Store`].
#[derive(Clone)]
pub struct StoreCredentials {
    store: Arc<dyn Store>,
    /// Serialises refreshes inside this process, so its callers queue here rather than in
    /// the store.
    refreshing: Arc<tokio::sync::Mutex<()>>,
    /// What this provider has read, for the synchronous questions of [`CredentialProvider`]:
    /// every secret it saw (for scrubbing output) and each connection's in-flight limit.
    seen: Arc<Mutex<Seen>>,
}

#[derive(Default)]
struct Seen {
    secrets: BTreeSet<String>,
    max_in_flight: BTreeMap<String, u32>,
}

impl std::fmt::Debug for StoreCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreCredentials")
            .field("store", &self.store.location())
            .finish_non_exhaustive()
    }
}

impl StoreCredentials {
    pub fn new(store: impl Store + 'static) -> Self {
        Self::shared(Arc::new(store))
    }

    /// Credentials over a store other parts of the host use too.
    pub fn shared(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            refreshing: Arc::new(tokio::sync::Mutex::new(())),
            seen: Arc::default(),
        }
    }

    /// Remembers the connection's secrets and limit before anything of it is handed out.
    fn note(&self, name: &str, connection: &StoredConnection) {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.secrets.insert(connection.client_secret.expose().to_owned());
        if let Some(token) = &connection.access_token {
            seen.secrets.insert(token.expose().to_owned());
        }
        if let Grant::RefreshToken { refresh_token } = &connection.grant {
            seen.secrets.insert(refresh_token.expose().to_owned());
        }
        match connection.max_in_flight {
            Some(limit) => seen.max_in_flight.insert(name.to_owned(), limit),
            None => seen.max_in_flight.remove(name),
        };
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
        let unavailable = |e: StoreError| CredentialError::Unavailable(e.to_string());
        // Fast path: no hold, no refresh.
        let stored = self.store.get(name).await.map_err(unavailable)?;
        if let Some(connection) = &stored {
            self.note(name, connection);
            if !needs_refresh(connection)
                && let Some(info) = Self::info(connection)
            {
                return Ok(info);
            }
        }
        let _in_process = self.refreshing.lock().await;
        let mut hold = self.store.hold(name, HOLD_WAIT).await.map_err(unavailable)?;
        let Some(connection) = hold.connection() else {
            hold.release().await;
            return Err(unknown());
        };
        self.note(name, connection);
        if !needs_refresh(connection)
            && let Some(info) = Self::info(connection)
        {
            hold.release().await;
            return Ok(info);
        }
        if connection.throttled_until > now() {
            let wait = connection.throttled_until - now();
            hold.release().await;
            return Err(CredentialError::Throttled(u32::try_from(wait).unwrap_or(u32::MAX)));
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
                    hold.release().await;
                    return Err(CredentialError::Unavailable(format!(
                        "the accounts server named an API domain that is not Zoho's: {domain}"
                    )));
                }
                apply_tokens(connection, tokens);
                self.note(name, connection);
                Self::info(connection)
                    .ok_or_else(|| CredentialError::Unavailable("no access token after a refresh".into()))
            }
            Err(OAuthError::Throttled { retry_after }) => {
                // Stored, so no worker anywhere asks the accounts server again until it is over.
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
        hold.save().await.map_err(unavailable)?;
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
        let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.max_in_flight.get(connection).copied()
    }

    fn secrets(&self) -> Vec<String> {
        let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.secrets.iter().cloned().collect()
    }
}
