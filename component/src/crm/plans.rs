//! What each CRM record request looks like (its plan: method, path, query, body, scope) and
//! how Zoho's answers to record calls decode.

use http::{Method, Request, Response, StatusCode};
use serde_json::{Map, Value, json};

use super::paging::{Page, PageInfo, RawRecord};
use crate::shared::error::{ApiError, Error, RecordResult};
use crate::shared::plan::RequiredScope;
use crate::shared::plan::{self, CRM_BASE, PlanMeta, Query, Repeatable};
use crate::shared::validate;
use crate::shared::zoho;

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
pub(crate) enum Operation {
    Read,
    Create,
    Update,
    Delete,
}

/// The scope Zoho checks for an operation on a module, e.g. `ZohoCRM.modules.leads.READ`.
pub(crate) fn scope(module: &str, operation: Operation) -> RequiredScope {
    let op = match operation {
        Operation::Read => "READ",
        Operation::Create => "CREATE",
        Operation::Update => "UPDATE",
        Operation::Delete => "DELETE",
    };
    RequiredScope(format!("ZohoCRM.modules.{}.{op}", module.to_ascii_lowercase()))
}

pub(crate) fn validate_trigger(trigger: Option<&[String]>) -> Result<(), Error> {
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

pub(crate) fn write_body(records: &[Map<String, Value>], trigger: Option<&[String]>) -> Value {
    let mut body = json!({ "data": records });
    if let Some(trigger) = trigger {
        body["trigger"] = json!(trigger);
    }
    body
}

/// An `id` inside record data ends up in Zoho's request body; it gets the same check as an
/// id in the path.
pub(crate) fn validate_body_id(input: &str, record: &Map<String, Value>) -> Result<(), Error> {
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
pub(crate) fn read_plan(module: &str, segments: &[&str], query: &Query) -> Result<Request<Vec<u8>>, Error> {
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

/// Adds `If-Modified-Since` (already validated as an ISO 8601 date-time).
pub(crate) fn if_modified_since(plan: &mut Request<Vec<u8>>, since: Option<&str>) -> Result<(), Error> {
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
            "is required: Zoho needs the field API names to return when listing records, e.g. [\"Last_Name\", \"Email\"]",
        ));
    }
    validate::field_list("fields", &options.fields)?;
    if options.page == Some(0) {
        return Err(Error::invalid("page", "must be 1 or more: pages are numbered from 1"));
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
