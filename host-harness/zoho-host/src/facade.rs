//! Typed calls on the `crm`, `books` and `raw` interfaces: `harness.crm(&context, "acme")
//! .get_record("Leads", id, &[], None)` runs the export in a fresh instance, as
//! [`Harness::invoke`] does for actions, without the embedder handling stores or bindings.
//!
//! Each method binds only its own export (binding all of them type-checks every export on
//! every call) and lowers its arguments straight from borrowed values.

use wasmtime::component::{ComponentNamedList, Lift, Lower};

use crate::bindings::{
    AttachmentFile, AttachmentUpload, BooksListRequest, BooksOrganization, BooksRecordList, BooksTarget, BulkChunk,
    BulkReadJob, BulkReadRequest, BulkWriteJob, BulkWriteRequest, ConvertOptions, ConvertedLead, DeletedKind, Error,
    FieldInfo, ListOptions, ModuleInfo, Paging, QueryResult, RawRequest, RawResponse, RecordPage, RecordResult,
    RelatedListInfo, SearchBy,
};
use crate::harness::{CallContext, Harness, HarnessError};

/// The exported interfaces' names; the version is `wit/world.wit`'s package version (a
/// component built from another WIT version fails to bind, naming the export it lacks).
pub(crate) const CRM_INTERFACE: &str = "zoho:connector/crm@0.3.0";
pub(crate) const BOOKS_INTERFACE: &str = "zoho:connector/books@0.3.0";
pub(crate) const RAW_INTERFACE: &str = "zoho:connector/raw@0.3.0";

/// What a typed call returns: the harness's own failure outside, Zoho's or the input's inside.
pub type Outcome<T> = Result<Result<T, Error>, HarnessError>;

/// One connection's calls on one interface, made in one context.
#[derive(Debug, Clone, Copy)]
pub struct Calls<'h, Interface> {
    harness: &'h Harness,
    context: &'h CallContext,
    connection: &'h str,
    _interface: std::marker::PhantomData<Interface>,
}

/// Marks [`Calls`] on `zoho:connector/crm`.
#[derive(Debug, Clone, Copy)]
pub enum CrmInterface {}
/// Marks [`Calls`] on `zoho:connector/books`.
#[derive(Debug, Clone, Copy)]
pub enum BooksInterface {}
/// Marks [`Calls`] on `zoho:connector/raw`.
#[derive(Debug, Clone, Copy)]
pub enum RawInterface {}

/// Typed CRM calls for one connection.
pub type Crm<'h> = Calls<'h, CrmInterface>;
/// Typed Books calls for one connection.
pub type Books<'h> = Calls<'h, BooksInterface>;
/// Raw requests for one connection.
pub type Raw<'h> = Calls<'h, RawInterface>;

impl Harness {
    /// The `crm` interface's functions for `connection`, each call in a fresh instance.
    pub fn crm<'h>(&'h self, context: &'h CallContext, connection: &'h str) -> Crm<'h> {
        Calls::new(self, context, connection)
    }

    /// The `books` interface's functions for `connection`.
    pub fn books<'h>(&'h self, context: &'h CallContext, connection: &'h str) -> Books<'h> {
        Calls::new(self, context, connection)
    }

    /// The `raw` interface's functions for `connection`.
    pub fn raw<'h>(&'h self, context: &'h CallContext, connection: &'h str) -> Raw<'h> {
        Calls::new(self, context, connection)
    }
}

impl<'h, Interface> Calls<'h, Interface> {
    fn new(harness: &'h Harness, context: &'h CallContext, connection: &'h str) -> Self {
        Self {
            harness,
            context,
            connection,
            _interface: std::marker::PhantomData,
        }
    }

    async fn run<Params, Return>(&self, interface: &str, function: &str, params: Params) -> Outcome<Return>
    where
        Params: ComponentNamedList + Lower + Send + Sync,
        Return: Lift + Send + Sync + 'static,
    {
        let (result,) = self
            .harness
            .call_named::<Params, (Result<Return, Error>,)>(self.context, interface, function, params)
            .await?;
        Ok(result)
    }
}

/// Writes one async method per export: its Rust name, its WIT name, the arguments after the
/// connection, and what the `ok` side of its result holds.
macro_rules! typed_calls {
    ($marker:ty, $interface:expr; $( $(#[$doc:meta])* fn $name:ident = $export:literal ( $($arg:ident : $ty:ty),* ) -> $ok:ty; )*) => {
        impl Calls<'_, $marker> {
            $(
                $(#[$doc])*
                pub async fn $name(&self, $($arg: $ty),*) -> Outcome<$ok> {
                    self.run($interface, $export, (self.connection, $($arg,)*)).await
                }
            )*
        }
    };
}

typed_calls! { CrmInterface, CRM_INTERFACE;
    /// Creates records from a JSON object or array (batches of 100), a result per record.
    fn create_records = "create-records"(module: &str, records: &str, trigger: Option<&[String]>) -> Vec<RecordResult>;
    /// One record as JSON, `None` when unchanged since `if_modified_since`.
    fn get_record = "get-record"(module: &str, id: &str, fields: &[String], if_modified_since: Option<&str>) -> Option<String>;
    /// A page of records, or every page with `fetch_all`.
    fn get_records = "get-records"(module: &str, options: &ListOptions) -> RecordPage;
    /// Updates records that carry their ids.
    fn update_records = "update-records"(module: &str, records: &str, trigger: Option<&[String]>) -> Vec<RecordResult>;
    /// Deletes records by id.
    fn delete_records = "delete-records"(module: &str, ids: &[String]) -> Vec<RecordResult>;
    /// Inserts or updates records, matched on `duplicate_check_fields`.
    fn upsert_records = "upsert-records"(module: &str, records: &str, duplicate_check_fields: &[String], trigger: Option<&[String]>) -> Vec<RecordResult>;
    /// Updates one record by id.
    fn update_record = "update-record"(module: &str, id: &str, values: &str, trigger: Option<&[String]>) -> RecordResult;
    /// Deletes one record by id.
    fn delete_record = "delete-record"(module: &str, id: &str) -> RecordResult;
    /// Runs a COQL query.
    fn run_query = "run-query"(query: &str, fetch_all: bool, max_records: Option<u32>, cursor: Option<&str>) -> QueryResult;
    /// The modules, custom ones included.
    fn list_modules = "list-modules"() -> Vec<ModuleInfo>;
    /// A module's fields.
    fn list_fields = "list-fields"(module: &str) -> Vec<FieldInfo>;
    /// Searches by criteria, email, phone or word.
    fn search_records = "search-records"(module: &str, by: &SearchBy, fields: &[String], paging: Paging) -> RecordPage;
    /// Attaches a file or a link to a record.
    fn add_attachment = "add-attachment"(module: &str, record_id: &str, upload: &AttachmentUpload) -> RecordResult;
    /// A record's attachments.
    fn list_attachments = "list-attachments"(module: &str, record_id: &str, fields: &[String], paging: Paging) -> RecordPage;
    /// One attachment's bytes.
    fn download_attachment = "download-attachment"(module: &str, record_id: &str, attachment_id: &str) -> AttachmentFile;
    /// Converts a lead into a contact, an account and optionally a deal.
    fn convert_lead = "convert-lead"(lead_id: &str, options: &ConvertOptions) -> ConvertedLead;
    /// A record's notes.
    fn list_notes = "list-notes"(module: &str, record_id: &str, fields: &[String], paging: Paging) -> RecordPage;
    /// Adds a note to a record.
    fn create_note = "create-note"(module: &str, record_id: &str, title: Option<&str>, content: &str) -> RecordResult;
    /// Changes a note.
    fn update_note = "update-note"(note_id: &str, title: Option<&str>, content: Option<&str>) -> RecordResult;
    /// Deletes a note.
    fn delete_note = "delete-note"(note_id: &str) -> RecordResult;
    /// A module's tags, as JSON.
    fn list_tags = "list-tags"(module: &str) -> String;
    /// Adds tags to records.
    fn add_tags = "add-tags"(module: &str, record_ids: &[String], tags: &[String], over_write: bool) -> Vec<RecordResult>;
    /// Removes tags from records.
    fn remove_tags = "remove-tags"(module: &str, record_ids: &[String], tags: &[String]) -> Vec<RecordResult>;
    /// A module's related lists.
    fn list_related_lists = "list-related-lists"(module: &str) -> Vec<RelatedListInfo>;
    /// The records of one related list of a record.
    fn list_related_records = "list-related-records"(module: &str, record_id: &str, related_list: &str, fields: &[String], paging: Paging) -> RecordPage;
    /// Links records into a related list.
    fn link_related_records = "link-related-records"(module: &str, record_id: &str, related_list: &str, related_ids: &[String], values: Option<&str>) -> Vec<RecordResult>;
    /// Unlinks one record from a related list.
    fn unlink_related_record = "unlink-related-record"(module: &str, record_id: &str, related_list: &str, related_id: &str) -> RecordResult;
    /// The organization's users of one type.
    fn list_users = "list-users"(user_type: &str, paging: Paging) -> RecordPage;
    /// One user, as JSON.
    fn get_user = "get-user"(user_id: &str) -> String;
    /// Deleted records of a module.
    fn list_deleted_records = "list-deleted-records"(module: &str, kind: DeletedKind, if_modified_since: Option<&str>, paging: Paging) -> RecordPage;
    /// Sets a record's photo.
    fn upload_photo = "upload-photo"(module: &str, record_id: &str, file_name: &str, data: &[u8]) -> String;
    /// A record's photo.
    fn download_photo = "download-photo"(module: &str, record_id: &str) -> AttachmentFile;
    /// Starts a Bulk Read job; returns its id.
    fn bulk_read_start = "bulk-read-start"(request: &BulkReadRequest) -> String;
    /// A Bulk Read job's state.
    fn bulk_read_status = "bulk-read-status"(job_id: &str) -> BulkReadJob;
    /// One chunk of a finished Bulk Read job's rows.
    fn bulk_read_result = "bulk-read-result"(job_id: &str, offset: Option<&str>, max_bytes: Option<u32>) -> BulkChunk;
    /// Uploads a Bulk Write file; returns its file id.
    fn bulk_write_upload = "bulk-write-upload"(file_name: &str, data: &[u8]) -> String;
    /// Starts a Bulk Write job; returns its id.
    fn bulk_write_start = "bulk-write-start"(request: &BulkWriteRequest) -> String;
    /// A Bulk Write job's state.
    fn bulk_write_status = "bulk-write-status"(job_id: &str) -> BulkWriteJob;
    /// One chunk of a finished Bulk Write job's result rows.
    fn bulk_write_result = "bulk-write-result"(job_id: &str, offset: Option<&str>, max_bytes: Option<u32>) -> BulkChunk;
}

typed_calls! { BooksInterface, BOOKS_INTERFACE;
    /// Creates a record from a JSON object.
    fn create_record = "create-record"(target: &BooksTarget, values: &str) -> String;
    /// One record, as JSON.
    fn get_record = "get-record"(target: &BooksTarget, record_id: &str) -> String;
    /// A page of records, or every page.
    fn get_records = "get-records"(target: &BooksTarget, request: &BooksListRequest) -> BooksRecordList;
    /// Updates one record.
    fn update_record = "update-record"(target: &BooksTarget, record_id: &str, values: &str) -> String;
    /// Deletes one record.
    fn delete_record = "delete-record"(target: &BooksTarget, record_id: &str) -> String;
    /// The organizations the connection can reach.
    fn list_organizations = "list-organizations"() -> Vec<BooksOrganization>;
    /// Attaches a file to a record.
    fn add_attachment = "add-attachment"(target: &BooksTarget, record_id: &str, file_name: &str, data: &[u8]) -> String;
    /// A record's attachment.
    fn download_attachment = "download-attachment"(target: &BooksTarget, record_id: &str) -> AttachmentFile;
    /// Deletes a record's attachment.
    fn delete_attachment = "delete-attachment"(target: &BooksTarget, record_id: &str) -> String;
    /// Runs a record action (e.g. `status/sent`).
    fn record_action = "record-action"(target: &BooksTarget, record_id: &str, action: &str, values: Option<&str>) -> String;
}

typed_calls! { RawInterface, RAW_INTERFACE;
    /// Sends a request below `{api-domain}/crm/v8`.
    fn crm_request = "crm-raw-request"(request: &RawRequest) -> RawResponse;
    /// Sends a request below `{api-domain}/books/v3`.
    fn books_request = "books-raw-request"(request: &RawRequest) -> RawResponse;
}
