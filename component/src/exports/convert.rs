//! The conversions between the WIT types and the component's own: errors, JSON text,
//! paging, pages, bulk chunks and files, and the session every typed call runs in.

use serde_json::{Map, Value};

use super::host::WitHost;
use super::{wit_actions, wit_crm, wit_types};
use crate::crm;
use crate::shared::error::{CredentialProblem, Error, RecordResult, TransportError, TransportKind};
use crate::shared::host::CallOptions;
use crate::shared::session::Session;

/// Zoho's error details as JSON text for the WIT.
pub(super) fn details_text(details: Option<Value>) -> Option<String> {
    details.map(|d| d.to_string())
}

/// Zoho's error (code, message, details) as the WIT record.
pub(super) fn api_error(api: crate::shared::error::ApiError) -> wit_types::ApiError {
    wit_types::ApiError {
        status: api.status,
        code: api.code,
        message: api.message,
        details: details_text(api.details.map(|d| *d)),
    }
}

/// A transport failure as the WIT record.
pub(super) fn transport_error(error: TransportError) -> wit_types::TransportError {
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

/// One record's outcome of a write as the WIT record.
pub(super) fn record_result(result: RecordResult) -> wit_types::RecordResult {
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
pub(super) fn records_from_json(input: &str, text: &str) -> Result<Vec<Map<String, Value>>, Error> {
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

/// A JSON object passed as text through the WIT, or an `invalid-input` naming `input`.
pub(super) fn object_from_json(input: &str, text: &str) -> Result<Map<String, Value>, Error> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(record)) => Ok(record),
        Ok(_) => Err(Error::invalid(input, "must be a JSON object")),
        Err(e) => Err(Error::invalid(input, format!("is not valid JSON: {e}"))),
    }
}

/// A session for `connection` with the default call options. `WitHost` holds nothing (a unit
/// struct), so the leaked box allocates nothing and the session may live as long as it likes.
pub(super) fn session_for(connection: &str) -> Session<'static> {
    Session::new(Box::leak(Box::new(WitHost)), connection, CallOptions::default())
}

/// Runs `call` in a session for `connection` with the default call options.
pub(super) fn with_session<T>(
    connection: &str,
    call: impl FnOnce(&mut Session) -> Result<T, Error>,
) -> Result<T, wit_types::Error> {
    Ok(call(&mut session_for(connection))?)
}

/// A WIT `paging` as the page, page size and fetch inputs the list walkers take.
pub(super) fn paging_parts(paging: wit_crm::Paging) -> (Option<u32>, Option<u32>, crm::Fetch) {
    let fetch = crm::Fetch {
        fetch_all: paging.fetch_all,
        max_records: paging.max_records,
        cursor: paging.cursor,
    };
    (paging.page, paging.per_page, fetch)
}

/// Reads a chunk of a bulk job's result file with `read` (Bulk Read's or Bulk Write's).
pub(super) fn bulk_result(
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
pub(super) fn bulk_chunk_inputs(
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

/// A chunk of a bulk result file as the WIT record.
pub(super) fn bulk_chunk(chunk: crate::shared::archive::chunks::Chunk) -> wit_crm::BulkChunk {
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

/// A downloaded attachment as the WIT record.
pub(super) fn attachment_file(download: crate::shared::download::Download) -> wit_crm::AttachmentFile {
    wit_crm::AttachmentFile {
        file_name: download.file_name,
        content_type: download.content_type,
        data: download.data,
    }
}

/// A gathered list as the WIT record page.
pub(super) fn record_page(gathered: crate::crm::paging::Gathered<crm::RawRecord>) -> wit_crm::RecordPage {
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

/// Which product an action or trigger belongs to, as the WIT enum.
pub(super) fn product(product: crate::shared::product::Product) -> wit_actions::Product {
    match product {
        crate::shared::product::Product::Crm => wit_actions::Product::Crm,
        crate::shared::product::Product::Books => wit_actions::Product::Books,
    }
}

/// What an action does to Zoho, as the WIT record.
pub(super) fn hints(hints: crate::actions::hints::Hints) -> wit_actions::Hints {
    wit_actions::Hints {
        read_only: hints.read_only,
        destructive: hints.destructive,
        idempotent: hints.idempotent,
    }
}

/// The inputs whose choices another action lists, as the WIT records.
pub(super) fn choice_sources(
    choices: Vec<(&'static str, &'static crate::shared::choices::ChoiceSource)>,
) -> Vec<wit_actions::ChoiceSource> {
    use crate::shared::choices::ChoiceUse;
    let pairs = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    };
    choices
        .into_iter()
        .map(|(input, source)| wit_actions::ChoiceSource {
            input: input.to_owned(),
            action: source.action.to_owned(),
            arguments: pairs(source.arguments),
            items: source.items.to_owned(),
            value: source.value.to_owned(),
            label: source.label.to_owned(),
            filter: pairs(source.filter),
            takes: match source.takes {
                ChoiceUse::One => wit_actions::ChoiceUse::One,
                ChoiceUse::Several => wit_actions::ChoiceUse::Several,
                ChoiceUse::MemberNames => wit_actions::ChoiceUse::MemberNames,
            },
            required_member: source.required_member.map(str::to_owned),
            type_member: source.type_member.map(str::to_owned),
        })
        .collect()
}
