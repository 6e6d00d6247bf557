//! Where the host gets connection credentials from. The component only ever sees what
//! [`CredentialProvider`] returns, one connection at a time.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use crate::bindings::{ConnectionInfo, CredentialError};

/// A boxed future, so providers can be used as trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Supplies and refreshes connection credentials. Implementations own every secret.
pub trait CredentialProvider: Send + Sync {
    /// The current credentials of `connection`.
    fn get<'a>(&'a self, connection: &'a str) -> BoxFuture<'a, Result<ConnectionInfo, CredentialError>>;

    /// Called when Zoho rejected `rejected_token`. Must refresh only if `rejected_token` is
    /// still the current token, so concurrent callers cause a single refresh.
    fn refresh<'a>(
        &'a self,
        connection: &'a str,
        rejected_token: &'a str,
    ) -> BoxFuture<'a, Result<ConnectionInfo, CredentialError>>;

    /// Every secret this provider holds, so output can be scrubbed of them as a last defence.
    fn secrets(&self) -> Vec<String>;

    /// How many calls `connection`'s organization may have in flight at once (Zoho's limit for
    /// its edition), when the provider knows; the harness's setting otherwise.
    fn max_in_flight(&self, _connection: &str) -> Option<u32> {
        None
    }
}

/// Fixed access tokens, e.g. from `ZOHO_ACCESS_TOKEN`. A rejected token cannot be refreshed:
/// the error says the connection needs a new token.
#[derive(Default)]
pub struct StaticCredentials {
    connections: HashMap<String, ConnectionInfo>,
}

impl std::fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.connections.keys().collect();
        names.sort();
        f.debug_struct("StaticCredentials")
            .field("connections", &names)
            .finish_non_exhaustive()
    }
}

impl StaticCredentials {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a connection.
    pub fn with(mut self, name: &str, info: ConnectionInfo) -> Self {
        self.connections.insert(name.to_owned(), info);
        self
    }
}

impl CredentialProvider for StaticCredentials {
    fn get<'a>(&'a self, connection: &'a str) -> BoxFuture<'a, Result<ConnectionInfo, CredentialError>> {
        let result = self.connections.get(connection).cloned().ok_or_else(|| {
            CredentialError::UnknownConnection(format!("no connection named {connection:?} is configured"))
        });
        Box::pin(async move { result })
    }

    fn refresh<'a>(
        &'a self,
        connection: &'a str,
        rejected_token: &'a str,
    ) -> BoxFuture<'a, Result<ConnectionInfo, CredentialError>> {
        let result = match self.connections.get(connection) {
            None => Err(CredentialError::UnknownConnection(format!(
                "no connection named {connection:?} is configured"
            ))),
            // Someone replaced the token since it was handed out: the newer one may work.
            Some(info) if info.access_token != rejected_token => Ok(info.clone()),
            Some(_) => Err(CredentialError::ReauthorizationRequired(format!(
                "Zoho rejected the access token of connection {connection:?} and a fixed token cannot be refreshed; supply a new access token or use an OAuth connection"
            ))),
        };
        Box::pin(async move { result })
    }

    fn secrets(&self) -> Vec<String> {
        self.connections.values().map(|c| c.access_token.clone()).collect()
    }
}
