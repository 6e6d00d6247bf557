//! Zoho CRM v8 records: plans for each operation and the decoding of Zoho's answers.

pub(crate) mod attachments;
pub(crate) mod bulk;
pub(crate) mod convert;
pub(crate) mod coql;
pub(crate) mod metadata;
pub(crate) mod notes;
pub(crate) mod paging;
pub(crate) mod photo;
pub(crate) mod related;
pub(crate) mod search;
pub(crate) mod tags;
pub(crate) mod users;

use http::{Method, Request, Response, StatusCode};
use serde_json::{Map, Value, json};

use crate::shared::error::{ApiError, Error, RecordResult};
use crate::shared::plan::RequiredScope;
use crate::shared::plan::{self, CRM_BASE, PlanMeta, Query, Repeatable};
use crate::shared::session::Session;
use crate::shared::validate;
use crate::shared::zoho;
pub use paging::{Fetch, Page, PageInfo, RawRecord};
use paging::{Gathered, PageRef, Walk};

/// A record id as Zoho sent it (a digit string, or a number in older answers).
pub(crate) fn id_of(value: Option<&Value>) -> Option<String> {
    let value = value?;
    value
        .as_str()
        .map(str::to_owned)
        .or_else(|| value.as_u64().map(|n| n.to_string()))
        .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// Zoho's limit on records in one insert, update or delete call.
pub const MAX_RECORDS_PER_CALL: usize = 100;
/// Zoho's limit on `per_page`.
pub const MAX_PER_PAGE: u32 = 200;

/// Sort direction for lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Asc,
    Desc,
}

impl SortOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Asc => "asc",
            SortOrder::Desc => "desc",
        }
    }
}

/// What `get_records` should return (mirrors `crm.list-options`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    pub fields: Vec<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
    pub page_token: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<SortOrder>,
    /// Only records modified after this ISO 8601 date-time (`If-Modified-Since`).
    pub if_modified_since: Option<String>,
}

/// The CRUD operation a scope is needed for, in Zoho's scope spelling.
#[derive(Debug, Clone, Copy)]
enum Operation {
    Read,
    Create,
    Update,
    Delete,
}

/// The scope Zoho checks for an operation on a module, e.g. `ZohoCRM.modules.leads.READ`.
fn scope(module: &str, operation: Operation) -> RequiredScope {
    let op = match operation {
        Operation::Read => "READ",
        Operation::Create => "CREATE",
        Operation::Update => "UPDATE",
        Operation::Delete => "DELETE",
    };
    RequiredScope(format!("ZohoCRM.modules.{}.{op}", module.to_ascii_lowercase()))
}

fn validate_trigger(trigger: Option<&[String]>) -> Result<(), Error> {
    for (i, name) in trigger.unwrap_or_default().iter().enumerate() {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Error::invalid(
                format!("trigger[{i}]"),
                "must name an automation such as `workflow`, `approval` or `blueprint`",
            ));
        }
    }
    Ok(())
}

fn write_body(records: &[Map<String, Value>], trigger: Option<&[String]>) -> Value {
    let mut body = json!({ "data": records });
    if let Some(trigger) = trigger {
        body["trigger"] = json!(trigger);
    }
    body
}

/// An `id` inside record data ends up in Zoho's request body; it gets the same check as an
/// id in the path.
fn validate_body_id(input: &str, record: &Map<String, Value>) -> Result<(), Error> {
    match record.get("id") {
        None => Ok(()),
        Some(Value::String(id)) => validate::record_id(input, id),
        Some(_) => Err(Error::invalid(input, "must be a string of digits")),
    }
}

/// Plan for `POST /{module}` with at most [`MAX_RECORDS_PER_CALL`] records.
pub fn create_plan(
    module: &str,
    records: &[Map<String, Value>],
    trigger: Option<&[String]>,
) -> Result<Request<Vec<u8>>, Error> {
    plan::request(
        Method::POST,
        plan::path(CRM_BASE, &[module]),
        &Query::new(),
        Some(&write_body(records, trigger)),
        PlanMeta {
            repeatable: Repeatable::No,
            scope: Some(scope(module, Operation::Create)),
        },
    )
}

/// Plan for `GET /{module}/{id}`.
pub fn get_record_plan(module: &str, id: &str, fields: &[String]) -> Result<Request<Vec<u8>>, Error> {
    let mut query = Query::new();
    if !fields.is_empty() {
        query.push("fields", fields.join(","));
    }
    plan::request(
        Method::GET,
        plan::path(CRM_BASE, &[module, id]),
        &query,
        None,
        PlanMeta {
            repeatable: Repeatable::Yes,
            scope: Some(scope(module, Operation::Read)),
        },
    )
}

/// A GET below `/crm/v8` that reads `module`'s records (safe to repeat, read scope).
fn read_plan(module: &str, segments: &[&str], query: &Query) -> Result<Request<Vec<u8>>, Error> {
    get_plan(segments, query, scope(module, Operation::Read))
}

/// Plan for a GET below the CRM base, safe to repeat, needing `scope`.
pub fn get_plan(segments: &[&str], query: &Query, scope: RequiredScope) -> Result<Request<Vec<u8>>, Error> {
    request_plan(Method::GET, segments, query, None, Repeatable::Yes, scope)
}

/// Plan for any request below the CRM base.
pub fn request_plan(
    method: Method,
    segments: &[&str],
    query: &Query,
    body: Option<&Value>,
    repeatable: Repeatable,
    scope: RequiredScope,
) -> Result<Request<Vec<u8>>, Error> {
    plan::request(
        method,
        plan::path(CRM_BASE, segments),
        query,
        body,
        PlanMeta {
            repeatable,
            scope: Some(scope),
        },
    )
}

/// Plan for `GET /{module}` (one page).
pub fn list_plan(module: &str, options: &ListOptions) -> Result<Request<Vec<u8>>, Error> {
    let mut query = Query::new();
    query
        .push("fields", options.fields.join(","))
        .push_opt("page", options.page.map(|p| p.to_string()))
        .push_opt("per_page", options.per_page.map(|p| p.to_string()))
        .push_opt("page_token", options.page_token.clone())
        .push_opt("sort_by", options.sort_by.clone())
        .push_opt("sort_order", options.sort_order.map(SortOrder::as_str));
    let mut plan = read_plan(module, &[module], &query)?;
    if_modified_since(&mut plan, options.if_modified_since.as_deref())?;
    Ok(plan)
}

/// Plan for one page of `GET /{module}/deleted?type=all`, the recycle bin and permanent
/// deletions, optionally only those after `since` (`If-Modified-Since`).
pub fn deleted_plan(
    module: &str,
    kind: DeletedKind,
    page: u32,
    per_page: u32,
    since: Option<&str>,
) -> Result<Request<Vec<u8>>, Error> {
    let mut query = Query::new();
    query
        .push("type", kind.as_str())
        .push("page", page.to_string())
        .push("per_page", per_page.to_string());
    let mut plan = read_plan(module, &[module, "deleted"], &query)?;
    if_modified_since(&mut plan, since)?;
    Ok(plan)
}

/// Which deletions Zoho's deleted-records list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletedKind {
    /// Both below.
    All,
    /// Still in the recycle bin, restorable.
    Recycle,
    /// Deleted for good.
    Permanent,
}

impl DeletedKind {
    pub const NAMES: &'static [&'static str] = &["all", "recycle", "permanent"];

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "all" => Some(Self::All),
            "recycle" => Some(Self::Recycle),
            "permanent" => Some(Self::Permanent),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Recycle => "recycle",
            Self::Permanent => "permanent",
        }
    }
}

/// Lists deleted records: one page, or with `fetch_all` every page up to the cap, by page
/// number (the deleted-records list has no page tokens).
pub fn list_deleted(
    session: &mut Session,
    module: &str,
    kind: DeletedKind,
    since: Option<&str>,
    page: Option<u32>,
    per_page: Option<u32>,
    fetch: &Fetch,
) -> Result<Gathered<RawRecord>, Error> {
    validate::module_name("recordType", module)?;
    if let Some(since) = since {
        validate::date_time("ifModifiedSince", since)?;
    }
    let walk = Walk::for_fetch(page, None, per_page, fetch, false)?;
    paging::walk(session, &walk, |session, at, per_page| {
        let number = at.number()?;
        let plan = deleted_plan(module, kind, number, per_page, since)?;
        let response = session.send(&plan)?;
        decode_raw_page(&response, plan.extensions().get())
    })
}

/// Adds `If-Modified-Since` (already validated as an ISO 8601 date-time).
fn if_modified_since(plan: &mut Request<Vec<u8>>, since: Option<&str>) -> Result<(), Error> {
    if let Some(since) = since {
        let value = http::HeaderValue::from_str(since)
            .map_err(|_| Error::invalid("ifModifiedSince", "is not a valid header value"))?;
        plan.headers_mut().insert(http::header::IF_MODIFIED_SINCE, value);
    }
    Ok(())
}

/// Plan for `PUT /{module}/{id}`.
pub fn update_plan(
    module: &str,
    id: &str,
    values: &Map<String, Value>,
    trigger: Option<&[String]>,
) -> Result<Request<Vec<u8>>, Error> {
    plan::request(
        Method::PUT,
        plan::path(CRM_BASE, &[module, id]),
        &Query::new(),
        Some(&write_body(std::slice::from_ref(values), trigger)),
        PlanMeta {
            repeatable: Repeatable::Yes,
            scope: Some(scope(module, Operation::Update)),
        },
    )
}

/// Plan for `DELETE /{module}/{id}`.
pub fn delete_plan(module: &str, id: &str) -> Result<Request<Vec<u8>>, Error> {
    plan::request(
        Method::DELETE,
        plan::path(CRM_BASE, &[module, id]),
        &Query::new(),
        None,
        PlanMeta {
            repeatable: Repeatable::Yes,
            scope: Some(scope(module, Operation::Delete)),
        },
    )
}

/// Checks the inputs every list call shares, before anything is sent.
pub fn validate_list_options(options: &ListOptions) -> Result<(), Error> {
    if options.fields.is_empty() {
        return Err(Error::invalid(
            "fields",
            "Zoho requires the field API names to return when listing records, e.g. [\"Last_Name\", \"Email\"]",
        ));
    }
    validate::field_list("fields", &options.fields)?;
    if options.page == Some(0) {
        return Err(Error::invalid("page", "pages are numbered from 1"));
    }
    if let Some(per_page) = options.per_page
        && !(1..=MAX_PER_PAGE).contains(&per_page)
    {
        return Err(Error::invalid(
            "perPage",
            format!("must be between 1 and {MAX_PER_PAGE}, got {per_page}"),
        ));
    }
    if let Some(token) = &options.page_token {
        validate::opaque_token("pageToken", token)?;
        if options.page.is_some() {
            return Err(Error::invalid(
                "pageToken",
                "cannot be combined with `page`; Zoho pages by one or the other",
            ));
        }
    }
    if let Some(since) = &options.if_modified_since {
        validate::date_time("ifModifiedSince", since)?;
    }
    if let Some(sort_by) = &options.sort_by {
        validate::field_name("sortBy", sort_by)?;
    }
    Ok(())
}

/// Reads one record from a get-one answer. 204, or Zoho's "the id given seems to be invalid",
/// means there is no such record.
pub fn decode_record(response: &Response<Vec<u8>>, scope: Option<&RequiredScope>) -> Result<Value, Error> {
    decode_one(response, scope, "data", "record")
}

/// Reads the one object of a get-one answer, listed under `key`; `what` names it in errors.
pub fn decode_one(
    response: &Response<Vec<u8>>,
    scope: Option<&RequiredScope>,
    key: &str,
    what: &str,
) -> Result<Value, Error> {
    if response.status() == StatusCode::NO_CONTENT {
        return Err(Error::NotFound(ApiError {
            status: 204,
            code: "NO_CONTENT".into(),
            message: format!("no {what} with this id"),
            details: None,
        }));
    }
    if !response.status().is_success() {
        return Err(not_found_if_unknown_id(zoho::error_from_response(response, scope)));
    }
    let mut body = zoho::json_body(response, &format!("the {what}"))?;
    match body.get_mut(key).map(Value::take) {
        Some(Value::Array(mut items)) if items.first().is_some_and(Value::is_object) => Ok(items.swap_remove(0)),
        _ => Err(Error::decode(format!("the response has no {what} in `{key}`"))),
    }
}

impl<R> Default for Page<R> {
    fn default() -> Self {
        Self {
            records: Vec::new(),
            info: PageInfo::default(),
            bytes: 0,
        }
    }
}

/// Reads a list answer with its records parsed; 204 is an empty page.
pub fn decode_page(response: &Response<Vec<u8>>, scope: Option<&RequiredScope>) -> Result<Page, Error> {
    decode_list(response, scope, "data")
}

/// Reads a list answer with its records kept as text; 204 is an empty page.
pub fn decode_raw_page(response: &Response<Vec<u8>>, scope: Option<&RequiredScope>) -> Result<Page<RawRecord>, Error> {
    decode_list(response, scope, "data")
}

/// Reads a list answer whose records are under `key` (`data` for records, `users` for users),
/// with `info` read leniently; 204 is an empty page.
pub fn decode_list<R: serde::de::DeserializeOwned>(
    response: &Response<Vec<u8>>,
    scope: Option<&RequiredScope>,
    key: &str,
) -> Result<Page<R>, Error> {
    // 204: nothing to list; 304: nothing modified since `If-Modified-Since`.
    if response.status() == StatusCode::NO_CONTENT || response.status() == StatusCode::NOT_MODIFIED {
        return Ok(Page::default());
    }
    if !response.status().is_success() {
        return Err(zoho::error_from_response(response, scope));
    }
    crate::shared::memory::ensure_parse_headroom(response.body().len(), "the record list")?;
    let unreadable = |e: serde_json::Error| {
        Error::decode(format!(
            "could not read the record list (HTTP {}) as JSON with a `{key}` array: {e}",
            response.status().as_u16()
        ))
    };
    // The top level is kept as text per member: only the list and `info` are parsed.
    let mut body: std::collections::BTreeMap<String, RawRecord> =
        serde_json::from_slice(response.body()).map_err(unreadable)?;
    let Some(list) = body.remove(key) else {
        return Err(Error::decode(format!("the record list has no `{key}` array")));
    };
    let records: Vec<R> = serde_json::from_str(list.get()).map_err(unreadable)?;
    let info: Value = match body.remove("info") {
        Some(info) => serde_json::from_str(info.get()).map_err(unreadable)?,
        None => Value::Null,
    };
    let number = |key: &str| {
        info.get(key)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    Ok(Page {
        info: PageInfo {
            page: number("page"),
            per_page: number("per_page"),
            count: u32::try_from(records.len()).unwrap_or(u32::MAX),
            more_records: info.get("more_records").and_then(Value::as_bool).unwrap_or(false),
            next_page_token: info.get("next_page_token").and_then(Value::as_str).map(str::to_owned),
        },
        records,
        bytes: response.body().len(),
    })
}

/// Reads the single entry of a one-record write (update, delete): a failed entry is an error,
/// whatever the HTTP status.
pub fn decode_single_write(response: &Response<Vec<u8>>, scope: Option<&RequiredScope>) -> Result<RecordResult, Error> {
    let has_data = serde_json::from_slice::<Value>(response.body())
        .ok()
        .is_some_and(|b| b.get("data").is_some_and(Value::is_array));
    if !response.status().is_success() && !has_data {
        return Err(not_found_if_unknown_id(zoho::error_from_response(response, scope)));
    }
    let result = zoho::write_results(response, 1, 0)?.remove(0);
    if result.success {
        Ok(result)
    } else {
        Err(not_found_if_unknown_id(zoho::single_record_error(
            response.status().as_u16(),
            result,
            scope,
        )))
    }
}

/// Zoho reports an id that names no record as `INVALID_DATA` "the id given seems to be
/// invalid", or, for an id in the path, `INVALID_DATA` naming its `resource_path_index` (OAS
/// `convert_lead.json`); callers want to tell that apart from bad field data.
pub(crate) fn not_found_if_unknown_id(error: Error) -> Error {
    match error {
        Error::Api(api)
            if api.code == "INVALID_DATA"
                && (api.message.contains("id given seems to be invalid")
                    || api
                        .details
                        .as_deref()
                        .is_some_and(|d| d.get("resource_path_index").is_some())) =>
        {
            Error::NotFound(api)
        }
        other => other,
    }
}

/// Sends `items` in batches of [`MAX_RECORDS_PER_CALL`] through `plan_for`, returning one
/// result per item in input order. A single item that fails is its own error; with several,
/// any failure makes the outcome a partial failure that still carries every item's result, and
/// a batch that fails whole after earlier ones were applied reports those too.
pub(crate) fn write_in_batches<T>(
    session: &mut Session,
    items: &[T],
    plan_for: impl Fn(&[T]) -> Result<Request<Vec<u8>>, Error>,
) -> Result<Vec<RecordResult>, Error> {
    if let [_] = items {
        let plan = plan_for(items)?;
        let response = session.send(&plan)?;
        zoho::check_write_outcome(&plan, &response)?;
        return decode_single_write(&response, plan.extensions().get()).map(|result| vec![result]);
    }
    let mut results = Vec::with_capacity(items.len());
    for (batch_number, batch) in items.chunks(MAX_RECORDS_PER_CALL).enumerate() {
        let first_index = batch_number * MAX_RECORDS_PER_CALL;
        let plan = plan_for(batch)?;
        let scope = plan.extensions().get::<RequiredScope>().cloned();
        let outcome = session.send(&plan).and_then(|response| {
            zoho::check_write_outcome(&plan, &response)?;
            decode_batch(&response, batch.len(), first_index, scope.as_ref())
        });
        match outcome {
            Ok(batch_results) => results.extend(batch_results),
            // Nothing was applied yet, so the error alone tells the whole story.
            Err(error) if results.is_empty() => return Err(error),
            Err(error) => {
                results.extend(unsent_results(&error, first_index, batch.len(), "this batch failed"));
                let rest = items.len() - (first_index + batch.len());
                results.extend(unsent_results(
                    &error,
                    first_index + batch.len(),
                    rest,
                    "not sent: an earlier batch failed",
                ));
                return Err(Error::PartialFailure(results));
            }
        }
    }
    if results.iter().any(|r| !r.success) {
        return Err(Error::PartialFailure(results));
    }
    Ok(results)
}

fn validate_records(records: &[Map<String, Value>], ids_required: bool) -> Result<(), Error> {
    if records.is_empty() {
        return Err(Error::invalid("values", "give at least one record"));
    }
    for (index, record) in records.iter().enumerate() {
        let input = format!("values[{index}].id");
        validate_body_id(&input, record)?;
        if ids_required && !record.contains_key("id") {
            return Err(Error::invalid(
                input,
                "is required: each record to update carries its id",
            ));
        }
    }
    Ok(())
}

/// Creates records (`POST /{module}`), in batches of 100.
pub fn create_records(
    session: &mut Session,
    module: &str,
    records: &[Map<String, Value>],
    trigger: Option<&[String]>,
) -> Result<Vec<RecordResult>, Error> {
    validate::module_name("recordType", module)?;
    validate_trigger(trigger)?;
    validate_records(records, false)?;
    write_in_batches(session, records, |batch| create_plan(module, batch, trigger))
}

/// Updates records that each carry their `id` (`PUT /{module}`), in batches of 100.
pub fn update_records(
    session: &mut Session,
    module: &str,
    records: &[Map<String, Value>],
    trigger: Option<&[String]>,
) -> Result<Vec<RecordResult>, Error> {
    validate::module_name("recordType", module)?;
    validate_trigger(trigger)?;
    validate_records(records, true)?;
    write_in_batches(session, records, |batch| {
        plan::request(
            Method::PUT,
            plan::path(CRM_BASE, &[module]),
            &Query::new(),
            Some(&write_body(batch, trigger)),
            PlanMeta {
                repeatable: Repeatable::Yes,
                scope: Some(scope(module, Operation::Update)),
            },
        )
    })
}

/// Deletes records by id (`DELETE /{module}?ids=...`), in batches of 100.
pub fn delete_records(session: &mut Session, module: &str, ids: &[String]) -> Result<Vec<RecordResult>, Error> {
    validate::module_name("recordType", module)?;
    if ids.is_empty() {
        return Err(Error::invalid("recordIds", "give at least one record id"));
    }
    for (i, id) in ids.iter().enumerate() {
        validate::record_id(&format!("recordIds[{i}]"), id)?;
    }
    write_in_batches(session, ids, |batch| {
        let mut query = Query::new();
        query.push("ids", batch.join(","));
        plan::request(
            Method::DELETE,
            plan::path(CRM_BASE, &[module]),
            &query,
            None,
            PlanMeta {
                repeatable: Repeatable::Yes,
                scope: Some(scope(module, Operation::Delete)),
            },
        )
    })
}

/// Inserts or updates records (`POST /{module}/upsert`), matching on `duplicate_check_fields`
/// (or Zoho's system-defined duplicate fields), in batches of 100. Each result says whether
/// Zoho inserted or updated.
pub fn upsert_records(
    session: &mut Session,
    module: &str,
    records: &[Map<String, Value>],
    duplicate_check_fields: &[String],
    trigger: Option<&[String]>,
) -> Result<Vec<RecordResult>, Error> {
    validate::module_name("recordType", module)?;
    validate_trigger(trigger)?;
    validate_records(records, false)?;
    validate::field_list("duplicateCheckFields", duplicate_check_fields)?;
    write_in_batches(session, records, |batch| {
        let mut body = write_body(batch, trigger);
        if !duplicate_check_fields.is_empty() {
            body["duplicate_check_fields"] = json!(duplicate_check_fields);
        }
        plan::request(
            Method::POST,
            plan::path(CRM_BASE, &[module, "upsert"]),
            &Query::new(),
            Some(&body),
            PlanMeta {
                repeatable: Repeatable::No,
                scope: Some(scope(module, Operation::Create)),
            },
        )
    })
}

/// Per-record results of one batch. A non-2xx answer with a `data` array still lists each
/// record's fate; one without is a failure of the whole batch.
fn decode_batch(
    response: &Response<Vec<u8>>,
    sent: usize,
    first_index: usize,
    scope: Option<&RequiredScope>,
) -> Result<Vec<RecordResult>, Error> {
    let has_data = serde_json::from_slice::<Value>(response.body())
        .ok()
        .is_some_and(|b| b.get("data").is_some_and(Value::is_array));
    if !response.status().is_success() && !has_data {
        return Err(zoho::error_from_response(response, scope));
    }
    zoho::write_results(response, sent, first_index)
}

fn unsent_results(error: &Error, first_index: usize, count: usize, message: &str) -> Vec<RecordResult> {
    let code = match error {
        Error::OutcomeUnknown(_) => "OUTCOME_UNKNOWN".to_owned(),
        Error::Api(api) | Error::NotFound(api) | Error::Unauthorized(api) => api.code.clone(),
        Error::RateLimited { .. } => "TOO_MANY_REQUESTS".to_owned(),
        _ => "NOT_APPLIED".to_owned(),
    };
    (first_index..first_index + count)
        .map(|index| RecordResult {
            index: u32::try_from(index).unwrap_or(u32::MAX),
            success: false,
            id: None,
            code: code.clone(),
            message: message.to_owned(),
            details: None,
            action: None,
        })
        .collect()
}

/// Returns one record, optionally only some fields; `None` when it was not modified since
/// `since` (Zoho's 304).
pub fn get_record(
    session: &mut Session,
    module: &str,
    id: &str,
    fields: &[String],
    since: Option<&str>,
) -> Result<Option<Value>, Error> {
    validate::module_name("recordType", module)?;
    validate::record_id("recordId", id)?;
    validate::field_list("fields", fields)?;
    if let Some(since) = since {
        validate::date_time("ifModifiedSince", since)?;
    }
    let mut plan = get_record_plan(module, id, fields)?;
    if_modified_since(&mut plan, since)?;
    let response = session.send(&plan)?;
    if response.status() == StatusCode::NOT_MODIFIED {
        return Ok(None);
    }
    decode_record(&response, plan.extensions().get()).map(Some)
}

/// Returns records: one page, or with `fetch_all` every page up to the cap, continuing past the
/// first 2,000 records with Zoho's page tokens.
pub fn get_records(
    session: &mut Session,
    module: &str,
    options: &ListOptions,
    fetch: &Fetch,
) -> Result<Gathered<RawRecord>, Error> {
    validate::module_name("recordType", module)?;
    validate_list_options(options)?;
    let walk = Walk::for_fetch(
        options.page,
        options.page_token.as_deref(),
        options.per_page,
        fetch,
        true,
    )?;
    paging::walk(session, &walk, |session, at, per_page| {
        let mut page_options = ListOptions {
            page: None,
            page_token: None,
            per_page: Some(per_page),
            ..options.clone()
        };
        match at {
            PageRef::Number(n) => page_options.page = Some(*n),
            PageRef::Token(token) => page_options.page_token = Some(token.clone()),
        }
        let plan = list_plan(module, &page_options)?;
        let response = session.send(&plan)?;
        decode_raw_page(&response, plan.extensions().get())
    })
}

/// Zoho's cap on ids in one `GET /{module}?ids=` call.
pub const MAX_IDS_PER_GET: usize = 100;
/// Zoho's cap on field names in one list call.
pub const MAX_FIELDS_PER_GET: usize = 50;

/// Fetches records by id: `GET /{module}?ids=` in batches of 100 ids and, when more than 50
/// fields are wanted, in groups of 50 fields merged per record. `fields` of `None` means every
/// field of the module (from its field metadata). Ids Zoho no longer has are simply absent.
pub fn get_records_by_ids(
    session: &mut Session,
    module: &str,
    ids: &[String],
    fields: Option<&[String]>,
) -> Result<std::collections::BTreeMap<String, Map<String, Value>>, Error> {
    validate::module_name("recordType", module)?;
    let mut found = std::collections::BTreeMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let fields: Vec<String> = match fields {
        Some(fields) => {
            validate::field_list("fields", fields)?;
            fields.to_vec()
        }
        None => crate::crm::metadata::list_fields(session, module)?
            .into_iter()
            .map(|f| f.api_name)
            .filter(|name| !name.is_empty())
            .collect(),
    };
    let mut fields = fields;
    if fields.is_empty() {
        fields.push("id".into());
    }
    for batch in ids.chunks(MAX_IDS_PER_GET) {
        for id in batch {
            validate::record_id("ids", id)?;
        }
        for field_group in fields.chunks(MAX_FIELDS_PER_GET) {
            let mut query = Query::new();
            query.push("ids", batch.join(",")).push("fields", field_group.join(","));
            let plan = read_plan(module, &[module], &query)?;
            let page = decode_page(&session.send(&plan)?, plan.extensions().get())?;
            for record in page.records {
                let Value::Object(record) = record else { continue };
                let Some(id) = record.get("id").and_then(Value::as_str).map(str::to_owned) else {
                    continue;
                };
                found.entry(id).or_insert_with(Map::new).extend(record);
            }
        }
    }
    Ok(found)
}

/// Updates one record by id.
pub fn update_record(
    session: &mut Session,
    module: &str,
    id: &str,
    values: &Map<String, Value>,
    trigger: Option<&[String]>,
) -> Result<RecordResult, Error> {
    validate::module_name("recordType", module)?;
    validate::record_id("recordId", id)?;
    validate_trigger(trigger)?;
    validate_body_id("values.id", values)?;
    if values.get("id").is_some_and(|inner| inner.as_str() != Some(id)) {
        return Err(Error::invalid(
            "values.id",
            "differs from recordId; leave it out or make them equal",
        ));
    }
    let plan = update_plan(module, id, values, trigger)?;
    let response = session.send(&plan)?;
    decode_single_write(&response, plan.extensions().get())
}

/// Deletes one record by id.
pub fn delete_record(session: &mut Session, module: &str, id: &str) -> Result<RecordResult, Error> {
    validate::module_name("recordType", module)?;
    validate::record_id("recordId", id)?;
    let plan = delete_plan(module, id)?;
    let response = session.send(&plan)?;
    decode_single_write(&response, plan.extensions().get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::session::{CallOptions, tests::ScriptedHost};

    fn record(last_name: &str) -> Map<String, Value> {
        json!({ "Last_Name": last_name }).as_object().cloned().expect("object")
    }

    fn success(id: &str) -> String {
        format!(r#"{{"code":"SUCCESS","details":{{"id":"{id}"}},"message":"record added","status":"success"}}"#)
    }

    #[test]
    fn create_sends_data_and_trigger_and_returns_ids() {
        let mut host = ScriptedHost::new();
        host.answer(201, &format!(r#"{{"data":[{}]}}"#, success("111")));
        let trigger = vec!["workflow".to_owned()];
        let results = create_records(
            &mut Session::new(&mut host, "c", CallOptions::default()),
            "Leads",
            &[record("Ben")],
            Some(&trigger),
        )
        .expect("created");
        assert_eq!(results[0].id.as_deref(), Some("111"));
        let sent: Value = serde_json::from_slice(host.sent[0].body()).expect("json");
        assert_eq!(sent, json!({"data": [{"Last_Name": "Ben"}], "trigger": ["workflow"]}));
        assert_eq!(host.sent[0].method(), Method::POST);
        assert_eq!(host.sent[0].uri().path(), "/crm/v8/Leads");
    }

    #[test]
    fn an_empty_trigger_list_is_sent_and_an_absent_one_is_not() {
        let body = |trigger: Option<&[String]>| -> Value {
            serde_json::from_slice(create_plan("Leads", &[record("A")], trigger).expect("plan").body()).expect("json")
        };
        assert_eq!(body(Some(&[]))["trigger"], json!([]));
        assert!(body(None).get("trigger").is_none());
    }

    #[test]
    fn one_failed_record_in_a_2xx_is_an_error_with_zoho_details() {
        let mut host = ScriptedHost::new();
        host.answer(201, r#"{"data":[{"code":"INVALID_DATA","details":{"api_name":"Phone"},"message":"invalid data","status":"error"}]}"#);
        let error = create_records(
            &mut Session::new(&mut host, "c", CallOptions::default()),
            "Leads",
            &[record("Ben")],
            None,
        )
        .expect_err("fails");
        let Error::Api(api) = error else {
            panic!("api error expected, got {error:?}")
        };
        assert_eq!(
            (api.code.as_str(), api.details.as_deref()),
            ("INVALID_DATA", Some(&json!({"api_name": "Phone"})))
        );
    }

    #[test]
    fn a_mixed_batch_is_a_partial_failure_carrying_every_result() {
        let mut host = ScriptedHost::new();
        host.answer(207, &format!(r#"{{"data":[{},{{"code":"DUPLICATE_DATA","details":{{"api_name":"Email"}},"message":"duplicate data","status":"error"}}]}}"#, success("111")));
        let error = create_records(
            &mut Session::new(&mut host, "c", CallOptions::default()),
            "Leads",
            &[record("A"), record("B")],
            None,
        )
        .expect_err("partial");
        let Error::PartialFailure(results) = error else {
            panic!("partial failure expected")
        };
        assert!(results[0].success && !results[1].success && results[1].code == "DUPLICATE_DATA");
    }

    #[test]
    fn more_than_100_records_go_in_batches_with_indexes_in_input_order() {
        let mut host = ScriptedHost::new();
        let batch = |from: usize, n: usize| {
            format!(
                r#"{{"data":[{}]}}"#,
                (from..from + n)
                    .map(|i| success(&format!("{}", 1000 + i)))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        };
        host.answer(201, &batch(0, 100)).answer(201, &batch(100, 30));
        let records: Vec<_> = (0..130).map(|i| record(&format!("L{i}"))).collect();
        let results = create_records(
            &mut Session::new(&mut host, "c", CallOptions::default()),
            "Leads",
            &records,
            None,
        )
        .expect("created");
        assert_eq!(host.sent.len(), 2);
        assert_eq!(results.len(), 130);
        assert_eq!((results[129].index, results[129].id.as_deref()), (129, Some("1129")));
    }

    #[test]
    fn list_requires_fields_and_bounds_per_page() {
        let base = ListOptions {
            fields: vec!["Last_Name".into()],
            ..ListOptions::default()
        };
        assert_eq!(validate_list_options(&base), Ok(()));
        for (options, input) in [
            (ListOptions::default(), "fields"),
            (
                ListOptions {
                    per_page: Some(201),
                    ..base.clone()
                },
                "perPage",
            ),
            (
                ListOptions {
                    per_page: Some(0),
                    ..base.clone()
                },
                "perPage",
            ),
            (
                ListOptions {
                    page: Some(0),
                    ..base.clone()
                },
                "page",
            ),
            (
                ListOptions {
                    page: Some(2),
                    page_token: Some("t".into()),
                    ..base.clone()
                },
                "pageToken",
            ),
        ] {
            assert!(
                matches!(validate_list_options(&options), Err(Error::InvalidInput { input: i, .. }) if i == input),
                "{input}"
            );
        }
    }

    #[test]
    fn list_plan_encodes_every_option() {
        let options = ListOptions {
            fields: vec!["Last_Name".into(), "Email".into()],
            page: Some(2),
            per_page: Some(50),
            page_token: None,
            sort_by: Some("Modified_Time".into()),
            sort_order: Some(SortOrder::Asc),
            if_modified_since: None,
        };
        let plan = list_plan("Leads", &options).expect("plan");
        assert_eq!(
            plan.uri(),
            "/crm/v8/Leads?fields=Last_Name%2CEmail&page=2&per_page=50&sort_by=Modified_Time&sort_order=asc"
        );
    }

    #[test]
    fn an_empty_list_is_204_and_decodes_as_an_empty_page() {
        let response = Response::builder().status(204).body(Vec::new()).expect("valid");
        assert_eq!(decode_page(&response, None).expect("page"), Page::default());
    }

    #[test]
    fn page_info_and_string_ids_are_kept() {
        let body = r#"{"data":[{"id":"4150868000000624001","Last_Name":"Ben"}],"info":{"per_page":200,"count":1,"page":1,"more_records":true,"next_page_token":"abc"}}"#;
        let response = Response::builder()
            .status(200)
            .body(body.as_bytes().to_vec())
            .expect("valid");
        let page = decode_page(&response, None).expect("page");
        assert_eq!(page.records[0]["id"], json!("4150868000000624001"));
        assert_eq!(
            page.info,
            PageInfo {
                page: Some(1),
                per_page: Some(200),
                count: 1,
                more_records: true,
                next_page_token: Some("abc".into())
            }
        );
    }

    #[test]
    fn an_unknown_id_is_not_found() {
        let body = r#"{"data":[{"code":"INVALID_DATA","details":{"id":"1"},"message":"the id given seems to be invalid","status":"error"}]}"#;
        let response = Response::builder()
            .status(400)
            .body(body.as_bytes().to_vec())
            .expect("valid");
        assert!(matches!(decode_single_write(&response, None), Err(Error::NotFound(_))));
        let response = Response::builder().status(204).body(Vec::new()).expect("valid");
        assert!(matches!(decode_record(&response, None), Err(Error::NotFound(_))));
    }

    #[test]
    fn invalid_names_and_ids_send_nothing() {
        let mut host = ScriptedHost::new();
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        assert!(get_record(&mut session, "Leads/../x", "1", &[], None).is_err());
        assert!(get_record(&mut session, "Leads", "1/2", &[], None).is_err());
        assert!(delete_record(&mut session, "Leads", "").is_err());
        assert!(update_record(&mut session, "Leads", "12", &Map::new(), Some(&["bad value".into()])).is_err());
        drop(session);
        assert!(host.sent.is_empty());
    }

    #[test]
    fn the_scope_names_the_module_and_operation() {
        let plan = get_record_plan("Leads", "1", &[]).expect("plan");
        assert_eq!(
            plan.extensions().get::<RequiredScope>(),
            Some(&RequiredScope("ZohoCRM.modules.leads.READ".into()))
        );
    }
}
