//! Host bindings of the `zoho:connector/connector` world.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "connector",
    // Credential refresh may do network I/O on the host, so imports are async; so are exports,
    // which lets a call be bounded by a wall-clock timeout.
    imports: { default: async },
    exports: { default: async },
    with: {
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        "wasi:random": wasmtime_wasi::p2::bindings::random,
        "wasi:cli": wasmtime_wasi::p2::bindings::cli,
    },
    require_store_data_send: true,
});

pub use exports::zoho::connector::actions::{Action, ChoiceSource, ChoiceUse, Hints, Product};
pub use exports::zoho::connector::books::{
    ListRequest as BooksListRequest, Organization as BooksOrganization, RecordList as BooksRecordList,
    Target as BooksTarget,
};
pub use exports::zoho::connector::crm::{
    AttachmentFile, AttachmentUpload, BulkChunk, BulkOperation, BulkReadJob, BulkReadRequest, BulkWriteJob,
    BulkWriteRequest, Condition as SearchCondition, ConvertOptions, ConvertedLead, DeletedKind, FieldInfo, FileUpload,
    LinkUpload, ListOptions, ModuleInfo, Paging, QueryResult, RecordPage, RelatedListInfo, SearchBy,
};
pub use exports::zoho::connector::raw::{
    Body as RawBody, FormPart as RawFormPart, Method as RawMethod, Request as RawRequest, Response as RawResponse,
};
pub use exports::zoho::connector::triggers::{PollResult, Trigger, TriggerKind};
pub use exports::zoho::connector::types::{
    ApiError, CredentialError as WitCredentialError, CredentialProblem, Error, HttpError, PageInfo, RecordResult,
    SortOrder, TransportError, TransportKind,
};
pub use zoho::connector::credentials::{ConnectionInfo, CredentialError};
pub use zoho::connector::logging::Level;
