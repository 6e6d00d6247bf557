//! Where the CLI keeps what outlives a command (connections, trigger states, channels):
//! `--store`, else ZOHO_HARNESS_STORE, else the file store in the config directory. Opened once
//! per run, since a PostgreSQL store is a connection pool and a schema check. Opened with the
//! instance key (ZOHO_HARNESS_KEY or `--key-file`) when there is one, so secrets are sealed.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use zoho_host::store::{InstanceKey, Store};

use super::common::{Env, Failure};

/// The store a run uses, opened on first use.
#[derive(Debug, Clone, Default)]
pub(super) struct StorePlace {
    /// `--store`, when given.
    location: Option<String>,
    /// `--key-file`, when given.
    key_file: Option<PathBuf>,
    opened: tokio::sync::OnceCell<Arc<dyn Store>>,
    /// Set when the store was opened without a key, so the run warns once that its secrets
    /// are kept unsealed.
    unsealed: Arc<AtomicBool>,
}

impl StorePlace {
    pub(super) fn new(location: Option<String>, key_file: Option<PathBuf>) -> Self {
        Self {
            location,
            key_file,
            opened: tokio::sync::OnceCell::new(),
            unsealed: Arc::default(),
        }
    }

    /// The instance key ZOHO_HARNESS_KEY or `--key-file` gives, if any.
    pub(super) fn instance_key(&self, env: Env<'_>) -> Result<Option<InstanceKey>, Failure> {
        Ok(zoho_host::store::instance_key_from(env, self.key_file.as_deref())?)
    }

    /// The one-line warning for a store opened without a key, once it has been opened.
    pub(super) fn unsealed_warning(&self) -> Option<String> {
        let store = self.opened.get()?;
        self.unsealed.load(Ordering::Relaxed).then(|| {
            format!(
                "zoho-harness: warning: the store at {} keeps its secrets unsealed; set ZOHO_HARNESS_KEY or --key-file (zoho-harness store init-key makes a key)",
                store.location()
            )
        })
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
                let key = self.instance_key(env)?;
                self.unsealed.store(key.is_none(), Ordering::Relaxed);
                match location {
                    Some(location) => Ok(zoho_host::store::open(location.trim(), key).await?),
                    None => {
                        let dir = zoho_host::store::default_dir(env).ok_or_else(|| {
                            Failure(
                                "no place for the store: give --store or set ZOHO_HARNESS_STORE, ZOHO_HARNESS_HOME, XDG_CONFIG_HOME or HOME".into(),
                            )
                        })?;
                        Ok::<_, Failure>(zoho_host::store::open_directory(dir, key).await?)
                    }
                }
            })
            .await?;
        Ok(Arc::clone(store))
    }
}
