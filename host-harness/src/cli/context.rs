//! The one value a subcommand runs with: how to load the harness (the component and the limits
//! given on the command line), the environment and the process's standard streams.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use zoho_host::store::Store;
use zoho_host::{Harness, HarnessConfig};

use super::common::{Env, Failure};
use super::connection;
use super::store_place::StorePlace;

/// What a subcommand gets: everything it may read or write outside its own arguments.
pub(super) struct Context<'a> {
    pub(super) loader: &'a Loader,
    pub(super) env: Env<'a>,
    /// Whether stderr is a terminal, so long commands show their progress there.
    pub(super) progress: bool,
    pub(super) stdin: &'a mut dyn std::io::Read,
    pub(super) stdout: &'a mut dyn Write,
    pub(super) stderr: &'a mut dyn Write,
}

/// How to load the harness: the component and the limits given on the command line.
#[derive(Debug, Clone)]
pub(super) struct Loader {
    pub(super) component: Option<PathBuf>,
    pub(super) memory_limit_mb: u32,
    pub(super) deadline_secs: u32,
    pub(super) max_response_mb: u32,
    pub(super) max_in_flight: u32,
    pub(super) books_max_in_flight: u32,
    /// Every call's requests and credits, for `--stats`.
    pub(super) totals: Arc<zoho_host::CallStats>,
    /// Where connections, trigger states and channels are kept.
    pub(super) store: StorePlace,
}

impl Loader {
    /// The store `--store`, ZOHO_HARNESS_STORE or the config directory names.
    pub(super) async fn store(&self, env: Env<'_>) -> Result<Arc<dyn Store>, Failure> {
        self.store.open(env).await
    }

    /// The bound on one call (`--deadline-secs`).
    pub(super) fn call_deadline(&self) -> Duration {
        Duration::from_secs(self.deadline_secs.into())
    }

    pub(super) fn load(&self, env: Env, allow_loopback: bool) -> Result<Harness, Failure> {
        load_harness(self, env, allow_loopback)
    }

    /// The connection a call command targets, and the harness loaded for it (loopback allowed
    /// only for a connection on loopback, such as a sandbox).
    pub(super) async fn connect(
        &self,
        target: &connection::ConnectionArgs,
        env: Env<'_>,
    ) -> Result<(connection::Resolved, Harness), Failure> {
        let resolved = connection::resolve(target, &self.store, env).await?;
        let harness = self.load(env, resolved.allow_loopback)?;
        Ok((resolved, harness))
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
        max_in_flight_per_org: loader.max_in_flight,
        books_max_in_flight_per_org: loader.books_max_in_flight,
        totals: Some(Arc::clone(&loader.totals)),
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
