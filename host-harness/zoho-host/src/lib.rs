//! The wasmtime host library for the Zoho connector component (the `zoho-harness` CLI is a
//! separate crate built on it).
//!
//! - [`Harness`] loads the component once (compiled code cached on disk) and runs each call in
//!   a fresh instance with memory and time limits.
//! - wasi:http goes through an allowlist: the component reaches only the API domain of a
//!   connection it fetched credentials for (loopback only when [`HarnessConfig::allow_loopback`]).
//! - [`CredentialProvider`] is the host side of the `credentials` import; the component never
//!   sees anything but an access token and an API domain.

mod bindings;
mod concurrency;
mod credentials;
mod facade;
mod harness;
mod log;
pub mod oauth;
pub mod output;
mod policy;
pub mod pool;
pub mod private_file;
pub mod regions;
mod state;
mod stats;
pub mod store;

pub use bindings::{
    Action, ApiError, BooksListRequest, BooksOrganization, BooksRecordList, BooksTarget, ConnectionInfo, Connector,
    CredentialError, CredentialProblem, Error, Level, ListOptions, PageInfo, Product, RecordPage, RecordResult,
    SortOrder, TransportError, TransportKind, WitCredentialError,
};
pub use bindings::{
    AttachmentFile, AttachmentUpload, FieldInfo, FileUpload, HttpError, LinkUpload, ModuleInfo, QueryResult, RawBody,
    RawFormPart, RawMethod, RawRequest, RawResponse, SearchBy, SearchCondition,
};
pub use bindings::{
    BulkChunk, BulkOperation, BulkReadJob, BulkReadRequest, BulkWriteJob, BulkWriteRequest, ConvertOptions,
    ConvertedLead, DeletedKind, Paging, RelatedListInfo,
};
pub use bindings::{ChoiceSource, ChoiceUse, Hints, PollResult, Trigger, TriggerKind};
pub use concurrency::{DEFAULT_BOOKS_MAX_IN_FLIGHT, DEFAULT_MAX_IN_FLIGHT};
pub use credentials::{BoxFuture, CredentialProvider, StaticCredentials};
pub use facade::{Books, BooksInterface, Calls, Crm, CrmInterface, Outcome, Raw, RawInterface};
pub use harness::{
    BUNDLED_COMPONENT, BUNDLED_COMPONENT_FINISH, CallContext, Harness, HarnessConfig, HarnessError, Instance,
};
pub use log::{LogRecord, LogSink, MemoryLog, NoLog};
pub use pool::{ConnectionPool, PoolConfig, PoolStats};
pub use state::HostState;
pub use stats::CallStats;
