//! The WIT boundary: generated bindings, the conversions between WIT and internal types (in
//! this one place), and the exported functions as thin adapters over `crm` and `actions`.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::shared::error::{CredentialProblem, Error, RecordResult, TransportError, TransportKind};
use crate::shared::retry;
use crate::shared::session::{CallOptions, Credentials, Host, Level, Session};
use crate::{actions, books, crm, raw, triggers};

#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue is unsafe by nature")]
mod wit {
    wit_bindgen::generate!({
        path: "../wit",
        world: "connector",
        // Reuse the `wasi` crate's bindings for the WASI interfaces the world pulls in.
        with: {
            "wasi:http/outgoing-handler@0.2.12": wasi::http::outgoing_handler,
            "wasi:http/types@0.2.12": wasi::http::types,
            "wasi:io/poll@0.2.12": wasi::io::poll,
            "wasi:io/error@0.2.12": wasi::io::error,
            "wasi:io/streams@0.2.12": wasi::io::streams,
            "wasi:clocks/monotonic-clock@0.2.12": wasi::clocks::monotonic_clock,
            "wasi:clocks/wall-clock@0.2.12": wasi::clocks::wall_clock,
            "wasi:random/random@0.2.12": wasi::random::random,
            "wasi:random/insecure-seed@0.2.12": wasi::random::insecure_seed,
            "wasi:cli/environment@0.2.12": wasi::cli::environment,
            "wasi:cli/exit@0.2.12": wasi::cli::exit,
            "wasi:cli/stdin@0.2.12": wasi::cli::stdin,
            "wasi:cli/stdout@0.2.12": wasi::cli::stdout,
            "wasi:cli/stderr@0.2.12": wasi::cli::stderr,
            "wasi:cli/terminal-input@0.2.12": wasi::cli::terminal_input,
            "wasi:cli/terminal-output@0.2.12": wasi::cli::terminal_output,
            "wasi:cli/terminal-stdin@0.2.12": wasi::cli::terminal_stdin,
            "wasi:cli/terminal-stdout@0.2.12": wasi::cli::terminal_stdout,
            "wasi:cli/terminal-stderr@0.2.12": wasi::cli::terminal_stderr,
        },
    });
}

use wit::exports::zoho::connector::{
    actions as wit_actions, books as wit_books, crm as wit_crm, raw as wit_raw, triggers as wit_triggers,
    types as wit_types,
};
use wit::zoho::connector::{credentials as wit_credentials, logging as wit_logging};

struct Component;

#[allow(unsafe_code, reason = "the export macro generates the ABI entry points")]
mod entry_points {
    use super::{Component, wit};
    wit::export!(Component with_types_in wit);
}

/// The component's [`Host`]: the WIT imports plus wasi:http.
struct WitHost;

impl Host for WitHost {
    fn credentials(&mut self, connection: &str) -> Result<Credentials, Error> {
        wit_credentials::get(connection)
            .map(credentials)
            .map_err(credential_error)
    }

    fn refresh(&mut self, connection: &str, rejected_token: &str) -> Result<Credentials, Error> {
        wit_credentials::refresh(connection, rejected_token)
            .map(credentials)
            .map_err(credential_error)
    }

    fn send(
        &mut self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        crate::http::send(request, timeout)
    }

    fn open(
        &mut self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<crate::shared::session::StreamedResponse, TransportError> {
        crate::http::open(request, timeout)
    }

    fn log(&mut self, level: Level, context: &str, message: &str) {
        let level = match level {
            Level::Debug => wit_logging::Level::Debug,
            Level::Warn => wit_logging::Level::Warn,
        };
        wit_logging::log(level, context, message);
    }

    fn monotonic_now(&mut self) -> Duration {
        Duration::from_nanos(wasi::clocks::monotonic_clock::now())
    }

    fn unix_now(&mut self) -> u64 {
        wasi::clocks::wall_clock::now().seconds
    }

    fn sleep(&mut self, duration: Duration) {
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        wasi::clocks::monotonic_clock::subscribe_duration(nanos).block();
    }

    fn random_bytes(&mut self, len: usize) -> Vec<u8> {
        wasi::random::random::get_random_bytes(u64::try_from(len).unwrap_or(u64::MAX))
    }
}

fn credentials(info: wit_credentials::ConnectionInfo) -> Credentials {
    Credentials {
        access_token: info.access_token,
        api_domain: info.api_domain.trim_end_matches('/').to_owned(),
        books_organization_id: info.books_organization_id,
    }
}

fn credential_error(error: wit_credentials::CredentialError) -> Error {
    use wit_credentials::CredentialError as E;
    let (problem, message, retry_after_seconds) = match error {
        E::UnknownConnection(m) => (CredentialProblem::UnknownConnection, m, None),
        E::ReauthorizationRequired(m) => (CredentialProblem::ReauthorizationRequired, m, None),
        E::Throttled(seconds) => (
            CredentialProblem::Throttled,
            format!("Zoho's accounts server throttled token requests; retry in {seconds} s"),
            Some(seconds),
        ),
        E::Unavailable(m) => (CredentialProblem::Unavailable, m, None),
    };
    Error::Credential {
        problem,
        message,
        retry_after_seconds,
    }
}

fn details_text(details: Option<Value>) -> Option<String> {
    details.map(|d| d.to_string())
}

fn api_error(api: crate::shared::error::ApiError) -> wit_types::ApiError {
    wit_types::ApiError {
        status: api.status,
        code: api.code,
        message: api.message,
        details: details_text(api.details.map(|d| *d)),
    }
}

fn transport_error(error: TransportError) -> wit_types::TransportError {
    wit_types::TransportError {
        kind: match error.kind {
            TransportKind::Denied => wit_types::TransportKind::Denied,
            TransportKind::Refused => wit_types::TransportKind::Refused,
            TransportKind::Timeout => wit_types::TransportKind::Timeout,
            TransportKind::Connection => wit_types::TransportKind::Connection,
            TransportKind::Protocol => wit_types::TransportKind::Protocol,
        },
        message: error.message,
    }
}

fn record_result(result: RecordResult) -> wit_types::RecordResult {
    wit_types::RecordResult {
        index: result.index,
        success: result.success,
        id: result.id,
        code: result.code,
        message: result.message,
        details: details_text(result.details),
        action: result.action,
    }
}

impl From<Error> for wit_types::Error {
    fn from(error: Error) -> Self {
        use wit_types::Error as W;
        match error {
            Error::Unauthorized(api) => W::Unauthorized(api_error(api)),
            Error::Forbidden { api, required_scope } => W::Forbidden(wit_types::PermissionError {
                api: api_error(api),
                required_scope,
            }),
            Error::NotFound(api) => W::NotFound(api_error(api)),
            Error::RateLimited {
                retry_after_seconds,
                api,
            } => W::RateLimited(wit_types::RateLimit {
                retry_after_seconds,
                api: api_error(api),
            }),
            Error::InvalidInput { input, message } => W::InvalidInput(wit_types::InvalidInput { input, message }),
            Error::Api(api) => W::Api(api_error(api)),
            Error::PartialFailure(results) => W::PartialFailure(results.into_iter().map(record_result).collect()),
            Error::Transport(e) => W::Transport(transport_error(e)),
            Error::OutcomeUnknown(e) => W::OutcomeUnknown(transport_error(e)),
            Error::Decode(message) => W::Decode(message),
            Error::Http { status, headers, body } => W::Http(wit_types::HttpError { status, headers, body }),
            Error::Credential {
                problem,
                message,
                retry_after_seconds,
            } => W::Credential(wit_types::CredentialError {
                problem: match problem {
                    CredentialProblem::UnknownConnection => wit_types::CredentialProblem::UnknownConnection,
                    CredentialProblem::ReauthorizationRequired => wit_types::CredentialProblem::ReauthorizationRequired,
                    CredentialProblem::Throttled => wit_types::CredentialProblem::Throttled,
                    CredentialProblem::Unavailable => wit_types::CredentialProblem::Unavailable,
                },
                message,
                retry_after_seconds,
            }),
        }
    }
}

/// Parses JSON text that must hold one object or an array of objects.
fn records_from_json(input: &str, text: &str) -> Result<Vec<Map<String, Value>>, Error> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(record)) => Ok(vec![record]),
        Ok(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(record) => Ok(record),
                _ => Err(Error::invalid(format!("{input}[{i}]"), "must be a JSON object")),
            })
            .collect(),
        Ok(_) => Err(Error::invalid(input, "must be a JSON object or an array of objects")),
        Err(e) => Err(Error::invalid(input, format!("is not valid JSON: {e}"))),
    }
}

fn object_from_json(input: &str, text: &str) -> Result<Map<String, Value>, Error> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(record)) => Ok(record),
        Ok(_) => Err(Error::invalid(input, "must be a JSON object")),
        Err(e) => Err(Error::invalid(input, format!("is not valid JSON: {e}"))),
    }
}

/// A gathered list as the WIT record page.
/// Runs `call` in a session for `connection` with the default call options.
fn with_session<T>(
    connection: &str,
    call: impl FnOnce(&mut Session) -> Result<T, Error>,
) -> Result<T, wit_types::Error> {
    let mut host = WitHost;
    let mut session = Session::new(&mut host, connection, CallOptions::default());
    Ok(call(&mut session)?)
}

/// A WIT `paging` as the page, page size and fetch inputs the list walkers take.
fn paging_parts(paging: wit_crm::Paging) -> (Option<u32>, Option<u32>, crm::Fetch) {
    let fetch = crm::Fetch {
        fetch_all: paging.fetch_all,
        max_records: paging.max_records,
        cursor: paging.cursor,
    };
    (paging.page, paging.per_page, fetch)
}

/// Reads a chunk of a bulk job's result file with `read` (Bulk Read's or Bulk Write's).
fn bulk_result(
    connection: &str,
    job_id: &str,
    offset: Option<String>,
    max_bytes: Option<u32>,
    read: fn(
        &mut Session,
        &str,
        Option<crate::shared::archive::chunks::Position>,
        u32,
    ) -> Result<crate::shared::archive::chunks::Chunk, Error>,
) -> Result<wit_crm::BulkChunk, wit_types::Error> {
    with_session(connection, |session| {
        let (position, max_bytes) = bulk_chunk_inputs(offset, max_bytes)?;
        Ok(bulk_chunk(read(session, job_id, position, max_bytes)?))
    })
}

/// A bulk result's `offset` and `max-bytes`, checked as the actions check them.
fn bulk_chunk_inputs(
    offset: Option<String>,
    max_bytes: Option<u32>,
) -> Result<(Option<crate::shared::archive::chunks::Position>, u32), Error> {
    use crate::crm::bulk::result_file::{DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES};
    let max_bytes = max_bytes.unwrap_or(DEFAULT_CHUNK_BYTES);
    if !(1024..=MAX_CHUNK_BYTES).contains(&max_bytes) {
        return Err(Error::invalid("max-bytes", "must be between 1 KiB and 8 MiB"));
    }
    let position = offset
        .filter(|text| !text.is_empty())
        .map(|text| crate::shared::archive::chunks::Position::decode(&text, "offset"))
        .transpose()?;
    Ok((position, max_bytes))
}

fn bulk_chunk(chunk: crate::shared::archive::chunks::Chunk) -> wit_crm::BulkChunk {
    wit_crm::BulkChunk {
        next_offset: chunk
            .next
            .as_ref()
            .map(crate::shared::archive::chunks::Position::encode),
        records: chunk.records,
        columns: chunk.columns,
        rows_before: chunk.rows_before,
        csv_offset: chunk.csv_offset,
    }
}

/// A JSON object passed as text through the WIT, or an `invalid-input` naming `input`.
fn json_object(input: &str, text: &str) -> Result<Map<String, Value>, Error> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(Error::invalid(input, "must be a JSON object")),
    }
}

fn attachment_file(download: crate::shared::download::Download) -> wit_crm::AttachmentFile {
    wit_crm::AttachmentFile {
        file_name: download.file_name,
        content_type: download.content_type,
        data: download.data,
    }
}

fn record_page(gathered: crate::crm::paging::Gathered<crm::RawRecord>) -> wit_crm::RecordPage {
    let info = gathered.last_page.map(|p| p.info).unwrap_or_default();
    wit_crm::RecordPage {
        info: wit_types::PageInfo {
            page: info.page,
            per_page: info.per_page,
            count: u32::try_from(gathered.records.len()).unwrap_or(u32::MAX),
            more_records: info.more_records,
            next_page_token: info.next_page_token,
        },
        records: {
            let mut text = String::with_capacity(gathered.records.iter().map(|r| r.get().len() + 1).sum::<usize>() + 2);
            crate::shared::memory::push_json_array(&mut text, &gathered.records);
            text
        },
        more_records: gathered.more_records,
        cursor: gathered.cursor,
    }
}

impl wit_crm::Guest for Component {
    fn convert_lead(
        connection: String,
        lead_id: String,
        options: wit_crm::ConvertOptions,
    ) -> Result<wit_crm::ConvertedLead, wit_types::Error> {
        with_session(&connection, |session| {
            let deal = options
                .deal
                .as_deref()
                .map(|text| json_object("deal", text))
                .transpose()?;
            let converted = crm::convert::convert_lead(
                session,
                &lead_id,
                &crm::convert::ConvertOptions {
                    overwrite: options.overwrite,
                    notify_lead_owner: options.notify_lead_owner,
                    notify_new_entity_owner: options.notify_new_entity_owner,
                    account: options.account_id,
                    contact: options.contact_id,
                    assign_to: options.assign_to,
                    deal,
                },
            )?;
            Ok(wit_crm::ConvertedLead {
                contact_id: converted.contact.map(|e| e.id),
                account_id: converted.account.map(|e| e.id),
                deal_id: converted.deal.map(|e| e.id),
            })
        })
    }

    fn list_notes(
        connection: String,
        module: String,
        record_id: String,
        fields: Vec<String>,
        paging: wit_crm::Paging,
    ) -> Result<wit_crm::RecordPage, wit_types::Error> {
        with_session(&connection, |session| {
            let (page, per_page, fetch) = paging_parts(paging);
            let gathered = crm::notes::list_notes(session, &module, &record_id, &fields, page, per_page, &fetch)?;
            Ok(record_page(gathered))
        })
    }

    fn create_note(
        connection: String,
        module: String,
        record_id: String,
        title: Option<String>,
        content: String,
    ) -> Result<wit_types::RecordResult, wit_types::Error> {
        with_session(&connection, |session| {
            let result = crm::notes::create_note(session, &module, &record_id, title.as_deref(), &content)?;
            Ok(record_result(result))
        })
    }

    fn update_note(
        connection: String,
        note_id: String,
        title: Option<String>,
        content: Option<String>,
    ) -> Result<wit_types::RecordResult, wit_types::Error> {
        with_session(&connection, |session| {
            let result = crm::notes::update_note(session, &note_id, title.as_deref(), content.as_deref())?;
            Ok(record_result(result))
        })
    }

    fn delete_note(connection: String, note_id: String) -> Result<wit_types::RecordResult, wit_types::Error> {
        with_session(&connection, |session| {
            Ok(record_result(crm::notes::delete_note(session, &note_id)?))
        })
    }

    fn list_tags(connection: String, module: String) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            let tags = crm::tags::list_tags(session, &module)?;
            Ok(Value::Array(tags).to_string())
        })
    }

    fn add_tags(
        connection: String,
        module: String,
        record_ids: Vec<String>,
        tags: Vec<String>,
        over_write: bool,
    ) -> Result<Vec<wit_types::RecordResult>, wit_types::Error> {
        with_session(&connection, |session| {
            let change = crm::tags::TagChange::Add { over_write };
            let results = crm::tags::change_tags(session, &module, &record_ids, &tags, change)?;
            Ok(results.into_iter().map(record_result).collect())
        })
    }

    fn remove_tags(
        connection: String,
        module: String,
        record_ids: Vec<String>,
        tags: Vec<String>,
    ) -> Result<Vec<wit_types::RecordResult>, wit_types::Error> {
        with_session(&connection, |session| {
            let results = crm::tags::change_tags(session, &module, &record_ids, &tags, crm::tags::TagChange::Remove)?;
            Ok(results.into_iter().map(record_result).collect())
        })
    }

    fn list_related_lists(
        connection: String,
        module: String,
    ) -> Result<Vec<wit_crm::RelatedListInfo>, wit_types::Error> {
        with_session(&connection, |session| {
            let lists = crm::metadata::list_related_lists(session, &module)?;
            Ok(lists
                .into_iter()
                .map(|l| wit_crm::RelatedListInfo {
                    api_name: l.api_name,
                    label: l.label,
                    module: l.module,
                })
                .collect())
        })
    }

    fn list_related_records(
        connection: String,
        module: String,
        record_id: String,
        related_list: String,
        fields: Vec<String>,
        paging: wit_crm::Paging,
    ) -> Result<wit_crm::RecordPage, wit_types::Error> {
        with_session(&connection, |session| {
            let (page, per_page, fetch) = paging_parts(paging);
            let target = crm::related::RelatedList {
                module: &module,
                record_id: &record_id,
                related_list: &related_list,
            };
            let gathered = crm::related::list_related_records(session, target, &fields, page, per_page, &fetch)?;
            Ok(record_page(gathered))
        })
    }

    fn link_related_records(
        connection: String,
        module: String,
        record_id: String,
        related_list: String,
        related_ids: Vec<String>,
        values: Option<String>,
    ) -> Result<Vec<wit_types::RecordResult>, wit_types::Error> {
        with_session(&connection, |session| {
            let values = values
                .as_deref()
                .map(|text| json_object("values", text))
                .transpose()?
                .unwrap_or_default();
            let target = crm::related::RelatedList {
                module: &module,
                record_id: &record_id,
                related_list: &related_list,
            };
            let results = crm::related::link_related_records(session, target, &related_ids, &values)?;
            Ok(results.into_iter().map(record_result).collect())
        })
    }

    fn unlink_related_record(
        connection: String,
        module: String,
        record_id: String,
        related_list: String,
        related_id: String,
    ) -> Result<wit_types::RecordResult, wit_types::Error> {
        with_session(&connection, |session| {
            let target = crm::related::RelatedList {
                module: &module,
                record_id: &record_id,
                related_list: &related_list,
            };
            Ok(record_result(crm::related::unlink_related_record(
                session,
                target,
                &related_id,
            )?))
        })
    }

    fn list_users(
        connection: String,
        user_type: String,
        paging: wit_crm::Paging,
    ) -> Result<wit_crm::RecordPage, wit_types::Error> {
        with_session(&connection, |session| {
            let (page, per_page, fetch) = paging_parts(paging);
            let gathered = crm::users::list_users(session, &user_type, page, per_page, &fetch)?;
            Ok(record_page(gathered))
        })
    }

    fn get_user(connection: String, user_id: String) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            Ok(crm::users::get_user(session, &user_id)?.to_string())
        })
    }

    fn list_deleted_records(
        connection: String,
        module: String,
        kind: wit_crm::DeletedKind,
        if_modified_since: Option<String>,
        paging: wit_crm::Paging,
    ) -> Result<wit_crm::RecordPage, wit_types::Error> {
        with_session(&connection, |session| {
            let kind = match kind {
                wit_crm::DeletedKind::All => crm::DeletedKind::All,
                wit_crm::DeletedKind::Recycle => crm::DeletedKind::Recycle,
                wit_crm::DeletedKind::Permanent => crm::DeletedKind::Permanent,
            };
            let (page, per_page, fetch) = paging_parts(paging);
            let gathered = crm::list_deleted(
                session,
                &module,
                kind,
                if_modified_since.as_deref(),
                page,
                per_page,
                &fetch,
            )?;
            Ok(record_page(gathered))
        })
    }

    fn upload_photo(
        connection: String,
        module: String,
        record_id: String,
        file_name: String,
        data: Vec<u8>,
    ) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            Ok(crm::photo::upload_photo(session, &module, &record_id, &file_name, data)?.to_string())
        })
    }

    fn download_photo(
        connection: String,
        module: String,
        record_id: String,
    ) -> Result<wit_crm::AttachmentFile, wit_types::Error> {
        with_session(&connection, |session| {
            Ok(attachment_file(crm::photo::download_photo(
                session, &module, &record_id,
            )?))
        })
    }

    fn bulk_read_start(connection: String, request: wit_crm::BulkReadRequest) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            let criteria = request
                .criteria
                .as_deref()
                .map(|text| serde_json::from_str::<Value>(text).map_err(|_| Error::invalid("criteria", "must be JSON")))
                .transpose()?;
            let query = crm::bulk::read::ReadQuery {
                module: request.record_type,
                fields: request.fields,
                criteria,
                page: request.page,
                page_token: request.page_token,
                callback_url: request.callback_url,
            };
            Ok(crm::bulk::read::start(session, &query)?.job_id)
        })
    }

    fn bulk_read_status(connection: String, job_id: String) -> Result<wit_crm::BulkReadJob, wit_types::Error> {
        with_session(&connection, |session| {
            let status = crm::bulk::read::status(session, &job_id)?;
            Ok(wit_crm::BulkReadJob {
                job_id: status.job_id,
                state: status.state,
                record_type: status.module,
                page: status.page,
                per_page: status.per_page,
                count: status.count,
                more_records: status.more_records,
                next_page_token: status.next_page_token,
                download_url: status.download_url,
                error_message: status.error_message,
            })
        })
    }

    fn bulk_read_result(
        connection: String,
        job_id: String,
        offset: Option<String>,
        max_bytes: Option<u32>,
    ) -> Result<wit_crm::BulkChunk, wit_types::Error> {
        bulk_result(&connection, &job_id, offset, max_bytes, crm::bulk::read::result)
    }

    fn bulk_write_upload(connection: String, file_name: String, data: Vec<u8>) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            Ok(crm::bulk::write::upload(session, &file_name, data)?.file_id)
        })
    }

    fn bulk_write_start(connection: String, request: wit_crm::BulkWriteRequest) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            let field_mappings = request
                .field_mappings
                .as_deref()
                .map(|text| {
                    serde_json::from_str::<Value>(text).map_err(|_| Error::invalid("fieldMappings", "must be JSON"))
                })
                .transpose()?;
            let operation = match request.operation {
                wit_crm::BulkOperation::Insert => "insert",
                wit_crm::BulkOperation::Update => "update",
                wit_crm::BulkOperation::Upsert => "upsert",
            };
            let job = crm::bulk::write::WriteJob {
                operation: operation.to_owned(),
                module: request.record_type,
                file_id: request.file_id,
                field_mappings,
                find_by: request.find_by,
                callback_url: request.callback_url,
                ignore_empty: request.ignore_empty,
            };
            crm::bulk::write::start(session, &job)
        })
    }

    fn bulk_write_status(connection: String, job_id: String) -> Result<wit_crm::BulkWriteJob, wit_types::Error> {
        with_session(&connection, |session| {
            let status = crm::bulk::write::status(session, &job_id)?;
            Ok(wit_crm::BulkWriteJob {
                job_id: status.job_id,
                state: status.state,
                operation: status.operation,
                record_type: status.module,
                added: status.counts.added,
                updated: status.counts.updated,
                skipped: status.counts.skipped,
                total: status.counts.total,
                result_url: status.result_url,
            })
        })
    }

    fn bulk_write_result(
        connection: String,
        job_id: String,
        offset: Option<String>,
        max_bytes: Option<u32>,
    ) -> Result<wit_crm::BulkChunk, wit_types::Error> {
        bulk_result(&connection, &job_id, offset, max_bytes, crm::bulk::write::result)
    }

    fn add_attachment(
        connection: String,
        module: String,
        record_id: String,
        upload: wit_crm::AttachmentUpload,
    ) -> Result<wit_types::RecordResult, wit_types::Error> {
        use crate::crm::attachments::Upload;
        let upload = match upload {
            wit_crm::AttachmentUpload::File(f) => Upload::File {
                file_name: f.file_name,
                content_type: f.content_type,
                data: f.data,
            },
            wit_crm::AttachmentUpload::Link(l) => Upload::Link {
                url: l.url,
                title: l.title,
            },
        };
        let (mut host, options) = (WitHost, CallOptions::default());
        let result = crate::crm::attachments::add(
            &mut Session::new(&mut host, &connection, options),
            &module,
            &record_id,
            &upload,
        )?;
        Ok(record_result(result))
    }

    fn list_attachments(
        connection: String,
        module: String,
        record_id: String,
        fields: Vec<String>,
        page: Option<u32>,
        per_page: Option<u32>,
        fetch_all: bool,
        max_records: Option<u32>,
        cursor: Option<String>,
    ) -> Result<wit_crm::RecordPage, wit_types::Error> {
        let (mut host, options) = (WitHost, CallOptions::default());
        let fetch = crm::Fetch {
            fetch_all,
            max_records,
            cursor,
        };
        let gathered = crate::crm::attachments::list(
            &mut Session::new(&mut host, &connection, options),
            &module,
            &record_id,
            &fields,
            page,
            per_page,
            &fetch,
        )?;
        Ok(record_page(gathered))
    }

    fn download_attachment(
        connection: String,
        module: String,
        record_id: String,
        attachment_id: String,
    ) -> Result<wit_crm::AttachmentFile, wit_types::Error> {
        let (mut host, options) = (WitHost, CallOptions::default());
        let download = crate::crm::attachments::download(
            &mut Session::new(&mut host, &connection, options),
            &module,
            &record_id,
            &attachment_id,
        )?;
        Ok(attachment_file(download))
    }

    fn search_records(
        connection: String,
        module: String,
        by: wit_crm::SearchBy,
        fields: Vec<String>,
        page: Option<u32>,
        per_page: Option<u32>,
        fetch_all: bool,
        max_records: Option<u32>,
        cursor: Option<String>,
    ) -> Result<wit_crm::RecordPage, wit_types::Error> {
        use crate::crm::search::{Condition, SearchBy};
        let by = match by {
            wit_crm::SearchBy::Criteria(c) => SearchBy::Criteria(c),
            wit_crm::SearchBy::Conditions((conditions, match_all)) => {
                let conditions = conditions
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| match serde_json::from_str(&c.value) {
                        Ok(value) => Ok(Condition {
                            field: c.field,
                            operator: c.operator,
                            value,
                        }),
                        Err(e) => Err(Error::invalid(
                            format!("conditions[{i}].value"),
                            format!("is not valid JSON: {e}"),
                        )),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                SearchBy::Criteria(crate::crm::search::criteria(&conditions, match_all)?)
            }
            wit_crm::SearchBy::Email(e) => SearchBy::Email(e),
            wit_crm::SearchBy::Phone(p) => SearchBy::Phone(p),
            wit_crm::SearchBy::Word(w) => SearchBy::Word(w),
        };
        let (mut host, options) = (WitHost, CallOptions::default());
        let fetch = crm::Fetch {
            fetch_all,
            max_records,
            cursor,
        };
        let gathered = crate::crm::search::search(
            &mut Session::new(&mut host, &connection, options),
            &module,
            &by,
            &fields,
            page,
            per_page,
            &fetch,
        )?;
        Ok(record_page(gathered))
    }

    fn run_query(
        connection: String,
        query: String,
        fetch_all: bool,
        max_records: Option<u32>,
        cursor: Option<String>,
    ) -> Result<wit_crm::QueryResult, wit_types::Error> {
        let (mut host, options) = (WitHost, CallOptions::default());
        let mut session = Session::new(&mut host, &connection, options);
        let rows = crate::crm::coql::run_query(&mut session, &query, fetch_all, max_records, cursor.as_deref())?;
        Ok(wit_crm::QueryResult {
            rows: Value::Array(rows.rows).to_string(),
            more_records: rows.more_records,
            cursor: rows.cursor,
        })
    }

    fn list_modules(connection: String) -> Result<Vec<wit_crm::ModuleInfo>, wit_types::Error> {
        let (mut host, options) = (WitHost, CallOptions::default());
        let modules = crate::crm::metadata::list_modules(&mut Session::new(&mut host, &connection, options))?;
        Ok(modules
            .into_iter()
            .map(|m| wit_crm::ModuleInfo {
                api_name: m.api_name,
                label: m.label,
                singular_label: m.singular_label,
                custom: m.custom,
                api_supported: m.api_supported,
            })
            .collect())
    }

    fn list_fields(connection: String, module: String) -> Result<Vec<wit_crm::FieldInfo>, wit_types::Error> {
        let (mut host, options) = (WitHost, CallOptions::default());
        let fields = crate::crm::metadata::list_fields(&mut Session::new(&mut host, &connection, options), &module)?;
        Ok(fields
            .into_iter()
            .map(|f| wit_crm::FieldInfo {
                api_name: f.api_name,
                label: f.label,
                data_type: f.data_type,
                mandatory: f.mandatory,
                read_only: f.read_only,
                custom: f.custom,
                picklist_values: f.picklist_values,
                lookup_module: f.lookup_module,
            })
            .collect())
    }

    fn create_records(
        connection: String,
        module: String,
        records: String,
        trigger: Option<Vec<String>>,
    ) -> Result<Vec<wit_types::RecordResult>, wit_types::Error> {
        let (mut host, options) = (WitHost, CallOptions::default());
        let records = records_from_json("values", &records)?;
        let results = crm::create_records(
            &mut Session::new(&mut host, &connection, options),
            &module,
            &records,
            trigger.as_deref(),
        )?;
        Ok(results.into_iter().map(record_result).collect())
    }

    fn get_record(
        connection: String,
        module: String,
        id: String,
        fields: Vec<String>,
        if_modified_since: Option<String>,
    ) -> Result<Option<String>, wit_types::Error> {
        let (mut host, options) = (WitHost, CallOptions::default());
        let record = crm::get_record(
            &mut Session::new(&mut host, &connection, options),
            &module,
            &id,
            &fields,
            if_modified_since.as_deref(),
        )?;
        Ok(record.map(|r| r.to_string()))
    }

    fn get_records(
        connection: String,
        module: String,
        options: wit_crm::ListOptions,
    ) -> Result<wit_crm::RecordPage, wit_types::Error> {
        let (mut host, call) = (WitHost, CallOptions::default());
        let fetch = crm::Fetch {
            fetch_all: options.fetch_all,
            max_records: options.max_records,
            cursor: options.cursor,
        };
        let options = crm::ListOptions {
            fields: options.fields,
            page: options.page,
            per_page: options.per_page,
            page_token: options.page_token,
            sort_by: options.sort_by,
            sort_order: options.sort_order.map(|o| match o {
                wit_types::SortOrder::Asc => crm::SortOrder::Asc,
                wit_types::SortOrder::Desc => crm::SortOrder::Desc,
            }),
            if_modified_since: options.if_modified_since,
        };
        let gathered = crm::get_records(
            &mut Session::new(&mut host, &connection, call),
            &module,
            &options,
            &fetch,
        )?;
        Ok(record_page(gathered))
    }

    fn update_records(
        connection: String,
        module: String,
        records: String,
        trigger: Option<Vec<String>>,
    ) -> Result<Vec<wit_types::RecordResult>, wit_types::Error> {
        let records = records_from_json("values", &records)?;
        let (mut host, options) = (WitHost, CallOptions::default());
        let results = crm::update_records(
            &mut Session::new(&mut host, &connection, options),
            &module,
            &records,
            trigger.as_deref(),
        )?;
        Ok(results.into_iter().map(record_result).collect())
    }

    fn delete_records(
        connection: String,
        module: String,
        ids: Vec<String>,
    ) -> Result<Vec<wit_types::RecordResult>, wit_types::Error> {
        let (mut host, options) = (WitHost, CallOptions::default());
        let results = crm::delete_records(&mut Session::new(&mut host, &connection, options), &module, &ids)?;
        Ok(results.into_iter().map(record_result).collect())
    }

    fn upsert_records(
        connection: String,
        module: String,
        records: String,
        duplicate_check_fields: Vec<String>,
        trigger: Option<Vec<String>>,
    ) -> Result<Vec<wit_types::RecordResult>, wit_types::Error> {
        let records = records_from_json("records", &records)?;
        let (mut host, options) = (WitHost, CallOptions::default());
        let results = crm::upsert_records(
            &mut Session::new(&mut host, &connection, options),
            &module,
            &records,
            &duplicate_check_fields,
            trigger.as_deref(),
        )?;
        Ok(results.into_iter().map(record_result).collect())
    }

    fn update_record(
        connection: String,
        module: String,
        id: String,
        values: String,
        trigger: Option<Vec<String>>,
    ) -> Result<wit_types::RecordResult, wit_types::Error> {
        let (mut host, options) = (WitHost, CallOptions::default());
        let values = object_from_json("values", &values)?;
        let result = crm::update_record(
            &mut Session::new(&mut host, &connection, options),
            &module,
            &id,
            &values,
            trigger.as_deref(),
        )?;
        Ok(record_result(result))
    }

    fn delete_record(
        connection: String,
        module: String,
        id: String,
    ) -> Result<wit_types::RecordResult, wit_types::Error> {
        let (mut host, options) = (WitHost, CallOptions::default());
        let result = crm::delete_record(&mut Session::new(&mut host, &connection, options), &module, &id)?;
        Ok(record_result(result))
    }
}

impl wit_actions::Guest for Component {
    fn manifest() -> Vec<wit_actions::Action> {
        actions::catalog()
            .map(|action| wit_actions::Action {
                key: action.key.to_owned(),
                label: action.label.to_owned(),
                description: action.description_with_credits(),
                product: product(action.product),
                input_schema: action.input_schema().to_string(),
                output_example: action.output_example.to_owned(),
            })
            .collect()
    }

    fn invoke(key: String, connection: String, input: String) -> Result<String, wit_types::Error> {
        let output = actions::invoke(&mut WitHost, &key, &connection, &input)?;
        Ok(output.into_text()?)
    }
}

fn product(product: crate::shared::product::Product) -> wit_actions::Product {
    match product {
        crate::shared::product::Product::Crm => wit_actions::Product::Crm,
        crate::shared::product::Product::Books => wit_actions::Product::Books,
    }
}

fn poll_result(outcome: triggers::PollOutcome) -> wit_triggers::PollResult {
    wit_triggers::PollResult {
        events: Value::Array(outcome.events).to_string(),
        state: outcome.state,
        more: outcome.more,
    }
}

impl wit_triggers::Guest for Component {
    fn manifest() -> Vec<wit_triggers::Trigger> {
        triggers::CATALOG
            .iter()
            .map(|trigger| wit_triggers::Trigger {
                key: trigger.key.to_owned(),
                label: trigger.label.to_owned(),
                description: trigger.description.to_owned(),
                product: product(trigger.product),
                kind: match trigger.kind {
                    triggers::Kind::Polling => wit_triggers::TriggerKind::Polling,
                    triggers::Kind::Instant => wit_triggers::TriggerKind::Instant,
                },
                input_schema: trigger.input_schema().to_string(),
                output_example: trigger.output_example.to_owned(),
            })
            .collect()
    }

    fn poll(
        key: String,
        connection: String,
        input: String,
        state: Option<String>,
    ) -> Result<wit_triggers::PollResult, wit_types::Error> {
        Ok(poll_result(triggers::poll(
            &mut WitHost,
            &key,
            &connection,
            &input,
            state.as_deref(),
        )?))
    }

    fn handle_notification(
        connection: String,
        channel: String,
        body: String,
    ) -> Result<wit_triggers::PollResult, wit_types::Error> {
        with_session(&connection, |session| {
            Ok(poll_result(triggers::notifications::handle(session, &channel, &body)?))
        })
    }
}

fn books_target(target: wit_books::Target) -> books::Target {
    books::Target {
        record_type: target.record_type,
        parent_record_type: target.parent_record_type,
        parent_record_id: target.parent_record_id,
        organization_id: target.organization_id,
    }
}

impl wit_books::Guest for Component {
    fn add_attachment(
        connection: String,
        target: wit_books::Target,
        record_id: String,
        file_name: String,
        data: Vec<u8>,
    ) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            let target = books_target(target);
            books::attachments::add_attachment(
                session,
                &target.record_type,
                &record_id,
                &file_name,
                data,
                target.organization_id.as_deref(),
            )
        })
    }

    fn download_attachment(
        connection: String,
        target: wit_books::Target,
        record_id: String,
    ) -> Result<wit_crm::AttachmentFile, wit_types::Error> {
        with_session(&connection, |session| {
            let target = books_target(target);
            Ok(attachment_file(books::attachments::download_attachment(
                session,
                &target.record_type,
                &record_id,
                target.organization_id.as_deref(),
            )?))
        })
    }

    fn delete_attachment(
        connection: String,
        target: wit_books::Target,
        record_id: String,
    ) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            let target = books_target(target);
            books::attachments::delete_attachment(
                session,
                &target.record_type,
                &record_id,
                target.organization_id.as_deref(),
            )
        })
    }

    fn record_action(
        connection: String,
        target: wit_books::Target,
        record_id: String,
        action: String,
        values: Option<String>,
    ) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            let target = books_target(target);
            let values = values.as_deref().map(|text| json_object("values", text)).transpose()?;
            books::record_actions::record_action(
                session,
                &target.record_type,
                &record_id,
                &action,
                values.as_ref(),
                target.organization_id.as_deref(),
            )
        })
    }

    fn create_record(
        connection: String,
        target: wit_books::Target,
        values: String,
    ) -> Result<String, wit_types::Error> {
        let values = object_from_json("values", &values)?;
        with_session(&connection, |session| {
            let envelope = books::create_record(session, &books_target(target), &values)?;
            Ok(envelope.entity.unwrap_or(Value::Null).to_string())
        })
    }

    fn get_record(
        connection: String,
        target: wit_books::Target,
        record_id: String,
    ) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            Ok(books::get_record(session, &books_target(target), &record_id)?.to_string())
        })
    }

    fn get_records(
        connection: String,
        target: wit_books::Target,
        request: wit_books::ListRequest,
    ) -> Result<wit_books::RecordList, wit_types::Error> {
        let request = books::ListRequest {
            page: request.page,
            per_page: request.per_page,
            search_fields: request.search_fields,
            fetch_all: request.fetch_all,
            max_records: request.max_records,
            cursor: request.cursor,
        };
        with_session(&connection, |session| {
            let list = books::get_records(session, &books_target(target), &request)?;
            Ok(wit_books::RecordList {
                records: Value::Array(list.records).to_string(),
                page: list.page,
                per_page: list.per_page,
                more_records: list.more_records,
                cursor: list.cursor,
            })
        })
    }

    fn update_record(
        connection: String,
        target: wit_books::Target,
        record_id: String,
        values: String,
    ) -> Result<String, wit_types::Error> {
        let values = object_from_json("values", &values)?;
        with_session(&connection, |session| {
            let envelope = books::update_record(session, &books_target(target), &record_id, &values)?;
            Ok(envelope.entity.unwrap_or(Value::Null).to_string())
        })
    }

    fn delete_record(
        connection: String,
        target: wit_books::Target,
        record_id: String,
    ) -> Result<String, wit_types::Error> {
        with_session(&connection, |session| {
            Ok(books::delete_record(session, &books_target(target), &record_id)?.message)
        })
    }

    fn list_organizations(connection: String) -> Result<Vec<wit_books::Organization>, wit_types::Error> {
        with_session(&connection, |session| {
            let organizations = books::list_organizations(session)?;
            Ok(organizations
                .into_iter()
                .map(|o| wit_books::Organization { id: o.id, name: o.name })
                .collect())
        })
    }
}

/// Runs a typed raw request with the same policy the raw actions use.
fn raw_request(
    connection: &str,
    product: raw::Product,
    request: wit_raw::Request,
) -> Result<wit_raw::Response, wit_types::Error> {
    let method = match request.method {
        wit_raw::Method::Get => http::Method::GET,
        wit_raw::Method::Post => http::Method::POST,
        wit_raw::Method::Put => http::Method::PUT,
        wit_raw::Method::Patch => http::Method::PATCH,
        wit_raw::Method::Delete => http::Method::DELETE,
    };
    let body = match request.body {
        wit_raw::Body::None => raw::Body::None,
        wit_raw::Body::Json(text) => match serde_json::from_str(&text) {
            Ok(value) => raw::Body::Json(value),
            Err(e) => return Err(Error::invalid("data", format!("is not valid JSON: {e}")).into()),
        },
        wit_raw::Body::Text(text) => raw::Body::Text(text),
        wit_raw::Body::Multipart(parts) => raw::Body::Multipart(
            parts
                .into_iter()
                .map(|p| raw::Part {
                    name: p.name,
                    file_name: p.file_name,
                    content_type: p.content_type,
                    data: p.data,
                })
                .collect(),
        ),
    };
    let repeatable = if request.retry_on_all_errors {
        crate::shared::plan::Repeatable::Yes
    } else {
        retry::repeatable_method(&method)
    };
    let defaults = CallOptions::default();
    let options = CallOptions {
        attempt_timeout: request
            .timeout_ms
            .map_or(defaults.attempt_timeout, |ms| Duration::from_millis(ms.into())),
        retry: retry::RetryPolicy {
            max_retries: request.max_retries.unwrap_or(0),
            base_delay: Duration::from_millis(request.retry_delay_ms.unwrap_or(500).into()),
            exponential: request.use_exponential_backoff,
            retry_on_all_errors: request.retry_on_all_errors,
        },
        ..defaults
    };
    let raw_request = raw::RawRequest {
        url: request.url,
        method,
        query: request.query_parameters,
        headers: request.headers,
        body,
        organization_id: request.organization_id,
    };
    let mut host = WitHost;
    let mut session = Session::new(&mut host, connection, options);
    let response = raw::send(&mut session, product, &raw_request, repeatable)?;
    Ok(wit_raw::Response {
        status: response.status,
        headers: response.headers,
        body: response.body,
    })
}

impl wit_raw::Guest for Component {
    fn crm_raw_request(connection: String, request: wit_raw::Request) -> Result<wit_raw::Response, wit_types::Error> {
        raw_request(&connection, raw::Product::Crm, request)
    }

    fn books_raw_request(connection: String, request: wit_raw::Request) -> Result<wit_raw::Response, wit_types::Error> {
        raw_request(&connection, raw::Product::Books, request)
    }
}
