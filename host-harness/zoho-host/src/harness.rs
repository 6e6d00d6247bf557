//! The [`Harness`]: one `Engine`, the compiled component (cached on disk between runs), a
//! `Linker` and a pre-instantiated component built once, and a fresh `Store` for every call.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, ComponentExportIndex, ComponentNamedList, HasSelf, Lift, Linker, Lower};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, StoreLimitsBuilder};
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi_http::WasiHttpCtx;

use crate::bindings::{Action, Connector, ConnectorPre, Error, PollResult, Trigger, zoho::connector};
use crate::credentials::CredentialProvider;
use crate::log::{LogSink, NoLog};
use crate::policy::{Allowlist, OutboundPolicy};
use crate::pool::{ConnectionPool, PoolConfig, PoolStats};
use crate::state::HostState;

/// The component built by this workspace, embedded at compile time.
pub const BUNDLED_COMPONENT: &[u8] = include_bytes!(env!("ZOHO_COMPONENT_WASM"));

/// How [`BUNDLED_COMPONENT`] was finished: `wasm-opt` (shrunk by Binaryen's `wasm-opt -Oz`, as
/// the distributable is), `no` (wasm-opt was not installed when this crate was built) or
/// `prebuilt` (handed in through `ZOHO_COMPONENT_PREBUILT`).
pub const BUNDLED_COMPONENT_FINISH: &str = env!("ZOHO_COMPONENT_FINISH");

/// Epochs tick this often; guest CPU deadlines are counted in ticks.
const EPOCH_TICK: Duration = Duration::from_millis(10);
/// Guest stderr kept for a trap report.
const GUEST_STDERR_CAPACITY: usize = 64 * 1024;

/// Limits and knobs an embedder sets once.
#[derive(Debug, Clone)]
pub struct HarnessConfig {
    /// Where compiled components are cached; `None` compiles in memory every time.
    pub cache_dir: Option<PathBuf>,
    /// Linear memory one instance may use.
    pub memory_limit_bytes: usize,
    /// Bound on one call, CPU and waiting together.
    pub call_deadline: Duration,
    /// Bound on each HTTP timeout the component may ask for.
    pub http_timeout_cap: Duration,
    /// Whether loopback API domains (a local fake Zoho) may be reached.
    pub allow_loopback: bool,
    /// Largest response body the component may read.
    pub max_response_bytes: usize,
    /// Keep-alive connections shared by every call.
    pub pool: PoolConfig,
    /// Calls running at once; more wait for a slot. Each slot is a pre-reserved instance
    /// (memory, tables, async stack) that calls reuse rather than map and unmap.
    pub max_concurrent_calls: u32,
    /// Calls one organization may have in flight at once when its connection names no limit
    /// (Zoho's: Free 5, Standard 10, Professional 15, Enterprise 20, Ultimate 25); requests
    /// past it wait for a slot rather than draw Zoho's 429.
    pub max_in_flight_per_org: u32,
    /// Calls one Zoho Books organization may have in flight at once (Books: Free 5, paid
    /// plans 10); Books requests also keep to Books' 100 a minute per organization.
    pub books_max_in_flight_per_org: u32,
    /// Where every call's requests and credits are also added up (each call's own are in its
    /// [`CallContext::stats`]).
    pub totals: Option<Arc<crate::stats::CallStats>>,
}

impl Default for HarnessConfig {
    fn default() -> Self {
        Self {
            cache_dir: default_cache_dir(),
            memory_limit_bytes: 64 << 20,
            call_deadline: Duration::from_secs(150),
            http_timeout_cap: Duration::from_secs(60),
            allow_loopback: false,
            max_response_bytes: 32 << 20,
            pool: PoolConfig::default(),
            max_concurrent_calls: 100,
            max_in_flight_per_org: crate::concurrency::DEFAULT_MAX_IN_FLIGHT,
            books_max_in_flight_per_org: crate::concurrency::DEFAULT_BOOKS_MAX_IN_FLIGHT,
            totals: None,
        }
    }
}

/// `$XDG_CACHE_HOME/zoho-harness`, else `~/.cache/zoho-harness`.
fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .map(|dir| dir.join("zoho-harness"))
}

/// What a call could not do because of the harness or the component, as opposed to an error
/// the action reported (those are the inner `Result` of each call).
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// The component trapped (a panic, running out of memory or CPU time).
    #[error("the component trapped: {0}")]
    Trap(String),
    /// The call did not finish within the configured deadline.
    #[error("the call did not finish within its deadline of {0:?}")]
    Deadline(Duration),
    /// The component could not be loaded or instantiated.
    #[error("{0}")]
    Setup(String),
}

/// Who the component talks to and where its log goes, for one call.
#[derive(Clone)]
pub struct CallContext {
    pub credentials: Arc<dyn CredentialProvider>,
    pub log: Arc<dyn LogSink>,
    /// The requests this context's calls sent and the credits they cost.
    pub stats: Arc<crate::stats::CallStats>,
}

impl std::fmt::Debug for CallContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallContext").finish_non_exhaustive()
    }
}

impl CallContext {
    pub fn new(credentials: Arc<dyn CredentialProvider>) -> Self {
        Self {
            credentials,
            log: Arc::new(NoLog),
            stats: Arc::default(),
        }
    }

    pub fn with_log(mut self, log: Arc<dyn LogSink>) -> Self {
        self.log = log;
        self
    }

    /// Counts this context's requests and credits into `stats` (e.g. one per flow run).
    pub fn with_stats(mut self, stats: Arc<crate::stats::CallStats>) -> Self {
        self.stats = stats;
        self
    }
}

/// Loads the component once and runs calls, each in a fresh instance.
pub struct Harness {
    engine: Engine,
    pre: ConnectorPre<HostState>,
    exports: CallExports,
    config: HarnessConfig,
    pool: ConnectionPool,
    /// One permit per instance slot: a call past the limit waits instead of failing.
    slots: Arc<tokio::sync::Semaphore>,
    /// Requests in flight per Zoho organization, across every call.
    org_limits: Arc<crate::concurrency::OrgLimits>,
    books_pacing: Arc<crate::concurrency::BooksPacing>,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The exports calls go through, resolved once.
struct CallExports {
    invoke: ComponentExportIndex,
    poll: ComponentExportIndex,
    handle_notification: ComponentExportIndex,
}

impl CallExports {
    fn resolve(component: &Component) -> anyhow::Result<Self> {
        Ok(Self {
            invoke: find_export(component, ACTIONS_INTERFACE, "invoke")?,
            poll: find_export(component, TRIGGERS_INTERFACE, "poll")?,
            handle_notification: find_export(component, TRIGGERS_INTERFACE, "handle-notification")?,
        })
    }
}

/// The index of `interface#function` among the component's exports.
fn find_export(component: &Component, interface: &str, function: &str) -> anyhow::Result<ComponentExportIndex> {
    let instance = component.get_export_index(None, interface);
    component
        .get_export_index(instance.as_ref(), function)
        .ok_or_else(|| anyhow::anyhow!("the component does not export {interface}#{function}"))
}

/// The exported interfaces looked up by name; the version is `wit/world.wit`'s package version
/// (a component built from another WIT version fails to load, naming the export it lacks).
const ACTIONS_INTERFACE: &str = "zoho:connector/actions@0.3.0";
const TRIGGERS_INTERFACE: &str = "zoho:connector/triggers@0.3.0";

/// One live instance with its store, for calling typed exports directly.
pub struct Instance {
    pub store: Store<HostState>,
    pub connector: Connector,
    requests_sent: Arc<AtomicU64>,
    /// Released after the store (fields drop in order), when the slot is free again.
    _slot: tokio::sync::OwnedSemaphorePermit,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("requests_sent", &self.requests_sent())
            .finish_non_exhaustive()
    }
}

impl Instance {
    /// HTTP requests this instance sent through the allowlist (denied ones are not counted).
    pub fn requests_sent(&self) -> u64 {
        self.requests_sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// What the guest wrote to stderr.
    pub fn guest_stderr(&self) -> String {
        String::from_utf8_lossy(&self.store.data().stderr.contents()).into_owned()
    }
}

impl Harness {
    /// The harness for the component embedded in this binary.
    pub fn bundled(config: HarnessConfig) -> anyhow::Result<Self> {
        Self::new(BUNDLED_COMPONENT, config)
    }

    /// Compiles (or loads from the cache) `wasm` and prepares it for instantiation.
    pub fn new(wasm: &[u8], config: HarnessConfig) -> anyhow::Result<Self> {
        let mut engine_config = Config::new();
        engine_config.epoch_interruption(true);
        engine_config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling(&config)));
        let engine = Engine::new(&engine_config)?;
        start_epoch_ticker(&engine);

        let component = load_component(&engine, wasm, config.cache_dir.as_deref())?;
        let mut linker: Linker<HostState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        connector::credentials::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;
        connector::logging::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;
        let pre = ConnectorPre::new(with_context(
            linker.instantiate_pre(&component),
            "the component's imports do not match this host",
        )?)?;
        let exports = CallExports::resolve(&component)?;
        let pool = ConnectionPool::new(config.pool);
        let slots = Arc::new(tokio::sync::Semaphore::new(
            usize::try_from(config.max_concurrent_calls.max(1)).unwrap_or(1),
        ));
        Ok(Self {
            engine,
            pre,
            exports,
            config,
            pool,
            slots,
            org_limits: Arc::default(),
            books_pacing: Arc::default(),
        })
    }

    pub fn config(&self) -> &HarnessConfig {
        &self.config
    }

    /// Connections the pool has opened and reused so far.
    pub fn pool_stats(&self) -> PoolStats {
        self.pool.stats()
    }

    /// A fresh instance for one call, with every export bound (the typed [`Connector`]).
    pub async fn instantiate(&self, context: &CallContext) -> Result<Instance, HarnessError> {
        let (mut store, slot, requests_sent) = self.store(context).await?;
        let connector = self
            .pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| HarnessError::Setup(format!("could not instantiate the component: {e:#}")))?;
        Ok(Instance {
            store,
            connector,
            requests_sent,
            _slot: slot,
        })
    }

    /// What every call pays before its export runs: a store and an instance from the
    /// pre-instantiated component, then dropped. For benchmarks.
    pub async fn instantiate_only(&self, context: &CallContext) -> Result<(), HarnessError> {
        let (mut store, slot, _requests_sent) = self.store(context).await?;
        self.pre
            .instance_pre()
            .instantiate_async(&mut store)
            .await
            .map_err(|e| HarnessError::Setup(format!("could not instantiate the component: {e:#}")))?;
        // The store first, then the slot (see `call`).
        drop(store);
        drop(slot);
        Ok(())
    }

    /// A fresh store for one call: an instance slot (waiting for one if all are busy), the
    /// call's credentials and log, and its limits.
    async fn store(
        &self,
        context: &CallContext,
    ) -> Result<(Store<HostState>, tokio::sync::OwnedSemaphorePermit, Arc<AtomicU64>), HarnessError> {
        let slot = Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .map_err(|_| HarnessError::Setup("the harness is shutting down".into()))?;
        let stderr = MemoryOutputPipe::new(GUEST_STDERR_CAPACITY);
        let requests_sent = Arc::new(AtomicU64::new(0));
        let state = HostState {
            wasi: WasiCtx::builder().stderr(stderr.clone()).build(),
            http: WasiHttpCtx::new(),
            table: wasmtime::component::ResourceTable::new(),
            policy: OutboundPolicy {
                allowlist: Allowlist::default(),
                pool: self.pool.clone(),
                max_timeout: self.config.http_timeout_cap,
                requests_sent: Arc::clone(&requests_sent),
                stats: [Some(Arc::clone(&context.stats)), self.config.totals.clone()],
                org_limits: Arc::clone(&self.org_limits),
                books: Arc::clone(&self.books_pacing),
                books_max_in_flight: self.config.books_max_in_flight_per_org,
                organization: None,
                max_response_bytes: self.config.max_response_bytes,
            },
            limits: StoreLimitsBuilder::new()
                .memory_size(self.config.memory_limit_bytes)
                .instances(4)
                .build(),
            credentials: Arc::clone(&context.credentials),
            log: Arc::clone(&context.log),
            allow_loopback: self.config.allow_loopback,
            default_max_in_flight: self.config.max_in_flight_per_org,
            stderr,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        let ticks = u64::try_from(self.config.call_deadline.as_millis() / EPOCH_TICK.as_millis()).unwrap_or(u64::MAX);
        store.set_epoch_deadline(ticks.max(1));
        store.epoch_deadline_trap();
        Ok((store, slot, requests_sent))
    }

    /// Runs one export on a fresh instance, binding only that export: binding all forty typed
    /// exports (as [`Self::instantiate`] does) type-checks each of them on every call.
    async fn call<Params, Return>(
        &self,
        context: &CallContext,
        export: &ComponentExportIndex,
        params: Params,
    ) -> Result<Return, HarnessError>
    where
        Params: ComponentNamedList + Lower + Send + Sync,
        Return: ComponentNamedList + Lift + Send + Sync + 'static,
    {
        let (mut store, slot, _requests_sent) = self.store(context).await?;
        let setup = |e: wasmtime::Error| HarnessError::Setup(format!("could not instantiate the component: {e:#}"));
        let instance = self
            .pre
            .instance_pre()
            .instantiate_async(&mut store)
            .await
            .map_err(setup)?;
        let func = instance
            .get_typed_func::<Params, Return>(&mut store, export)
            .map_err(setup)?;
        let outcome = tokio::time::timeout(self.config.call_deadline, func.call_async(&mut store, params)).await;
        let result = self.settle(outcome, &store);
        // The store gives its instance back to the pool before the slot admits another call;
        // the other way round, a waiting call could find the pool still full.
        drop(store);
        drop(slot);
        result
    }

    /// Runs `interface#function` on a fresh instance (the typed facade's calls).
    pub(crate) async fn call_named<Params, Return>(
        &self,
        context: &CallContext,
        interface: &str,
        function: &str,
        params: Params,
    ) -> Result<Return, HarnessError>
    where
        Params: ComponentNamedList + Lower + Send + Sync,
        Return: ComponentNamedList + Lift + Send + Sync + 'static,
    {
        let export = find_export(self.pre.instance_pre().component(), interface, function)
            .map_err(|e| HarnessError::Setup(format!("{e:#}")))?;
        self.call(context, &export, params).await
    }

    /// Runs an action by key through the `actions` interface.
    pub async fn invoke(
        &self,
        context: &CallContext,
        key: &str,
        connection: &str,
        input: &str,
    ) -> Result<Result<String, Error>, HarnessError> {
        let (result,) = self
            .call(context, &self.exports.invoke, (key, connection, input))
            .await?;
        Ok(result)
    }

    /// The manifest of every action.
    pub async fn list_actions(&self) -> Result<Vec<Action>, HarnessError> {
        let context = CallContext::new(Arc::new(crate::credentials::StaticCredentials::new()));
        let mut instance = self.instantiate(&context).await?;
        let outcome = {
            let call = instance
                .connector
                .zoho_connector_actions()
                .call_manifest(&mut instance.store);
            tokio::time::timeout(self.config.call_deadline, call).await
        };
        self.settle(outcome, &instance.store)
    }

    /// The manifest of every trigger.
    pub async fn list_triggers(&self) -> Result<Vec<Trigger>, HarnessError> {
        let context = CallContext::new(Arc::new(crate::credentials::StaticCredentials::new()));
        let mut instance = self.instantiate(&context).await?;
        let outcome = {
            let call = instance
                .connector
                .zoho_connector_triggers()
                .call_manifest(&mut instance.store);
            tokio::time::timeout(self.config.call_deadline, call).await
        };
        self.settle(outcome, &instance.store)
    }

    /// Runs one poll of a polling trigger from `state` (`None` on the first poll). Store the
    /// returned state only once the events are safely taken: on an error, keep the old one.
    pub async fn poll(
        &self,
        context: &CallContext,
        key: &str,
        connection: &str,
        input: &str,
        state: Option<&str>,
    ) -> Result<Result<PollResult, Error>, HarnessError> {
        let (result,) = self
            .call(context, &self.exports.poll, (key, connection, input, state))
            .await?;
        Ok(result)
    }

    /// Turns one body Zoho POSTed to a notify URL into events, given the channel JSON the
    /// `crmEnableNotifications` action returned.
    pub async fn handle_notification(
        &self,
        context: &CallContext,
        connection: &str,
        channel: &str,
        body: &str,
    ) -> Result<Result<PollResult, Error>, HarnessError> {
        let (result,) = self
            .call(context, &self.exports.handle_notification, (connection, channel, body))
            .await?;
        Ok(result)
    }

    /// Turns a finished (or timed-out) call into a value or a [`HarnessError`], quoting what
    /// the guest wrote to stderr when it trapped (a panic message, an allocation failure).
    pub fn settle<T>(
        &self,
        outcome: Result<wasmtime::Result<T>, tokio::time::error::Elapsed>,
        store: &Store<HostState>,
    ) -> Result<T, HarnessError> {
        match outcome {
            Err(_) => Err(HarnessError::Deadline(self.config.call_deadline)),
            Ok(Ok(value)) => Ok(value),
            Ok(Err(trap)) => {
                let stderr = String::from_utf8_lossy(&store.data().stderr.contents()).into_owned();
                let stderr = stderr.trim();
                let secrets = store.data().credentials.secrets();
                let report = if stderr.is_empty() {
                    format!("{trap:#}")
                } else {
                    format!("{trap:#}; guest stderr: {stderr}")
                };
                Err(HarnessError::Trap(crate::output::scrub(&report, &secrets)))
            }
        }
    }
}

/// Core instances, memories and tables one instance of the connector may use (it has one
/// memory and a handful of core instances; the rest is headroom for a `--component` override).
const CORE_INSTANCES_PER_CALL: u32 = 16;
const MEMORIES_PER_CALL: u32 = 2;
const TABLES_PER_CALL: u32 = 4;
/// Memory a slot keeps mapped between calls. With `PAGEMAP_SCAN` (Linux 6.7+) only the pages a
/// call wrote are reset, by `memset`: no `madvise`, so no TLB shootdown across cores and no
/// page faults on the next call, which dominated the cost of a call before.
const KEEP_RESIDENT_MEMORY: usize = 16 << 20;
const KEEP_RESIDENT_TABLES: usize = 64 << 10;

/// The pooling allocator's slots: `max_concurrent_calls` instances of at most the memory
/// limit each, reused from call to call. Reserving them costs address space only.
fn pooling(config: &HarnessConfig) -> PoolingAllocationConfig {
    let calls = config.max_concurrent_calls.max(1);
    let mut pooling = PoolingAllocationConfig::new();
    pooling
        .total_component_instances(calls)
        .total_core_instances(calls.saturating_mul(CORE_INSTANCES_PER_CALL))
        .max_core_instances_per_component(CORE_INSTANCES_PER_CALL)
        .total_memories(calls.saturating_mul(MEMORIES_PER_CALL))
        .max_memories_per_component(MEMORIES_PER_CALL)
        .total_tables(calls.saturating_mul(TABLES_PER_CALL))
        .max_tables_per_component(TABLES_PER_CALL)
        .total_stacks(calls)
        .max_memory_size(config.memory_limit_bytes.next_multiple_of(64 << 10))
        .linear_memory_keep_resident(KEEP_RESIDENT_MEMORY)
        .table_keep_resident(KEEP_RESIDENT_TABLES)
        .pagemap_scan(wasmtime::Enabled::Auto);
    pooling
}

/// Advances the engine's epoch until the engine is dropped.
fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("zoho-harness-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .ok();
}

/// Loads a compiled component from the cache, or compiles and caches it. The cache key covers
/// the component's bytes and the engine's compatibility hash (wasmtime version and settings),
/// so a stale or foreign file is never loaded.
fn load_component(engine: &Engine, wasm: &[u8], cache_dir: Option<&Path>) -> anyhow::Result<Component> {
    let Some(cache_dir) = cache_dir else {
        return with_context(Component::new(engine, wasm), "compiling the component");
    };
    let mut hasher = Sha256::new();
    hasher.update(wasm);
    std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut HashWriter(&mut hasher));
    let key: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let path = cache_dir.join(format!("zoho-component-{}.cwasm", &key[..32]));
    if path.exists()
        && let Ok(component) = deserialize_cached(engine, &path)
    {
        return Ok(component);
    }
    let component = with_context(Component::new(engine, wasm), "compiling the component")?;
    // The cache is an optimisation: failing to write it must not fail the call.
    if let Ok(bytes) = component.serialize()
        && std::fs::create_dir_all(cache_dir).is_ok()
    {
        let temporary = path.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&temporary, bytes).is_ok() {
            let _ = std::fs::rename(&temporary, &path);
        }
    }
    Ok(component)
}

#[allow(unsafe_code, reason = "wasmtime requires unsafe to load precompiled code")]
fn deserialize_cached(engine: &Engine, path: &Path) -> anyhow::Result<Component> {
    // SAFETY: the file was written by `load_component` from a component this engine compiled,
    // and its name is keyed by the wasm's hash and the engine's compatibility hash.
    unsafe { Component::deserialize_file(engine, path) }.map_err(Into::into)
}

/// Feeds `Hash` output into SHA-256.
struct HashWriter<'a>(&'a mut Sha256);

impl std::hash::Hasher for HashWriter<'_> {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// `wasmtime::Error` is not `std::error::Error`, so anyhow's `Context` does not apply directly.
fn with_context<T>(result: wasmtime::Result<T>, what: &'static str) -> anyhow::Result<T> {
    result.map_err(|e| anyhow::Error::from(e).context(what))
}
