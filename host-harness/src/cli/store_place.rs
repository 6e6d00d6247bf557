//! Where the CLI keeps what outlives a command (connections, trigger states, channels):
//! `--store`, else ZOHO_HARNESS_STORE, else the file store in the config directory. Opened once
//! per run, since a PostgreSQL store is a connection pool and a schema check.

use std::sync::Arc;

use zoho_host::store::Store;

use super::common::{Env, Failure};

/// The store a run uses, opened on first use.
#[derive(Debug, Clone, Default)]
pub(super) struct StorePlace {
    /// `--store`, when given.
    location: Option<String>,
    opened: tokio::sync::OnceCell<Arc<dyn Store>>,
}

impl StorePlace {
    pub(super) fn new(location: Option<String>) -> Self {
        Self {
            location,
            opened: tokio::sync::OnceCell::new(),
        }
    }

    /// The store, opening it the first time.
    pub(super) async fn open(&self, env: Env<'_>) -> Result<Arc<dyn Store>, Failure> {
        let location = self
            .location
            .clone()
            .or_else(|| env("ZOHO_HARNESS_STORE"))
            .filter(|l| !l.trim().is_empty());
        let store = self
            .opened
            .get_or_try_init(|| async {
                match location {
                    Some(location) => Ok(zoho_host::store::open(location.trim()).await?),
                    None => zoho_host::store::default_dir(env)
                        .map(|dir| Arc::new(zoho_host::store::ConnectionStore::new(dir)) as Arc<dyn Store>)
                        .ok_or_else(|| {
                            Failure(
                                "no place for the store: give --store or set ZOHO_HARNESS_STORE, ZOHO_HARNESS_HOME, XDG_CONFIG_HOME or HOME".into(),
                            )
                        }),
                }
            })
            .await?;
        Ok(Arc::clone(store))
    }
}
