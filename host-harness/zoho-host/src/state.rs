//! The data of one call's `Store`: WASI and wasi:http contexts, the outbound policy, memory
//! limits, and the host side of the `credentials` and `logging` imports.

use std::sync::Arc;

use wasmtime::StoreLimits;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::bindings::{ConnectionInfo, CredentialError, Level, zoho::connector};
use crate::credentials::CredentialProvider;
use crate::log::LogSink;
use crate::policy::OutboundPolicy;

pub struct HostState {
    pub(crate) wasi: WasiCtx,
    pub(crate) http: WasiHttpCtx,
    pub(crate) table: ResourceTable,
    pub(crate) policy: OutboundPolicy,
    pub(crate) limits: StoreLimits,
    pub(crate) credentials: Arc<dyn CredentialProvider>,
    pub(crate) log: Arc<dyn LogSink>,
    pub(crate) allow_loopback: bool,
    /// In-flight limit of an organization whose connection names none.
    pub(crate) default_max_in_flight: u32,
    /// The guest's stderr (panic messages, allocation failures), read after a trap.
    pub(crate) stderr: MemoryOutputPipe,
}

impl std::fmt::Debug for HostState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostState")
            .field("policy", &self.policy)
            .field("allow_loopback", &self.allow_loopback)
            .finish_non_exhaustive()
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.policy,
        }
    }
}

impl HostState {
    /// Credentials handed to the component also open the allowlist for their API domain, and
    /// name the organization whose in-flight slots its requests take.
    fn admit(
        &mut self,
        connection: &str,
        result: Result<ConnectionInfo, CredentialError>,
    ) -> Result<ConnectionInfo, CredentialError> {
        if let Ok(info) = &result {
            self.policy
                .allowlist
                .allow_api_domain(&info.api_domain, self.allow_loopback);
            let limit = self
                .credentials
                .max_in_flight(connection)
                .unwrap_or(self.default_max_in_flight);
            self.policy.organization = Some((format!("{} {connection}", info.api_domain), limit));
        }
        result
    }
}

impl connector::credentials::Host for HostState {
    async fn get(&mut self, connection: String) -> Result<ConnectionInfo, CredentialError> {
        let provider = Arc::clone(&self.credentials);
        let result = provider.get(&connection).await;
        self.admit(&connection, result)
    }

    async fn refresh(&mut self, connection: String, rejected_token: String) -> Result<ConnectionInfo, CredentialError> {
        let provider = Arc::clone(&self.credentials);
        let result = provider.refresh(&connection, &rejected_token).await;
        self.admit(&connection, result)
    }
}

impl connector::logging::Host for HostState {
    async fn log(&mut self, level: Level, context: String, message: String) {
        // The component redacts before logging; scrubbing again costs little and guards
        // against a component that forgot.
        let message = crate::output::scrub(&message, &self.credentials.secrets());
        self.log.log(level, &context, &message);
    }
}
