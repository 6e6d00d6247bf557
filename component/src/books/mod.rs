//! Zoho Books v3: any record type (including `settings/taxes`-style paths and records nested
//! under a parent), `organization_id` on every request, and results read from the envelope
//! (`code: 0` plus whichever entity key Zoho used), never guessed from the record type.

pub(crate) mod attachments;
pub(crate) mod record_actions;
use http::{Method, Request, Response};
use serde_json::{Map, Value, json};

use crate::shared::cursor;
use crate::shared::error::{ApiError, Error};
use crate::shared::plan::{self, PlanMeta, Query, Repeatable};
use crate::shared::session::Session;
use crate::shared::validate;
use crate::shared::zoho;

/// Base path of Zoho Books API v3.
pub use crate::shared::plan::BOOKS_BASE;
/// Books' limit on `per_page`.
pub const MAX_PER_PAGE: u32 = 200;
/// Default cap on records gathered by `fetchAll`; always finite.
pub const DEFAULT_MAX_RECORDS: u32 = 10_000;
/// Envelope keys that are not the entity.
const ENVELOPE_KEYS: &[&str] = &["code", "message", "page_context"];
/// Query parameters the component owns; a search field may not override them.
const RESERVED_QUERY: &[&str] = &["organization_id", "page", "per_page"];

/// Where a Books action points: the record type, an optional parent, and the organization.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    pub record_type: String,
    pub parent_record_type: Option<String>,
    pub parent_record_id: Option<String>,
    pub organization_id: Option<String>,
}

/// What a list call should fetch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListRequest {
    pub page: Option<u32>,
    pub per_page: Option<u32>,
    pub search_fields: Vec<(String, String)>,
    pub fetch_all: bool,
    pub max_records: Option<u32>,
    pub cursor: Option<String>,
}

/// Records of a list call and where to resume.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordList {
    pub records: Vec<Value>,
    pub page: u32,
    pub per_page: u32,
    pub more_records: bool,
    /// Opaque; passed back as `cursor` it resumes right after the last record returned.
    pub cursor: Option<String>,
}

/// A Books organization the connection can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: String,
    pub name: String,
}

/// A Books path such as `contacts`, `settings/taxes` or `projects/timeentries`: one to three
/// segments, each a letter followed by letters, digits or underscores.
fn record_type(input: &str, value: &str) -> Result<(), Error> {
    let segments: Vec<&str> = value.split('/').collect();
    let valid = !value.is_empty()
        && segments.len() <= 3
        && segments.iter().all(|s| {
            s.len() <= 100
                && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    if valid {
        Ok(())
    } else {
        let shown: String = value.chars().take(60).collect::<String>().escape_debug().collect();
        Err(Error::invalid(
            input,
            format!("must be a Books record type such as `invoices`, `contacts` or `settings/taxes`, got `{shown}`"),
        ))
    }
}

/// Checks every part of a target before anything is sent.
pub fn validate_target(target: &Target) -> Result<(), Error> {
    record_type("recordType", &target.record_type)?;
    match (&target.parent_record_type, &target.parent_record_id) {
        (None, None) => {}
        (Some(parent_type), Some(parent_id)) => {
            record_type("parentRecordType", parent_type)?;
            validate::record_id("parentRecordId", parent_id)?;
        }
        (Some(_), None) => return Err(Error::invalid("parentRecordId", "is required with parentRecordType")),
        (None, Some(_)) => return Err(Error::invalid("parentRecordType", "is required with parentRecordId")),
    }
    if let Some(organization) = &target.organization_id {
        validate::record_id("organizationId", organization)?;
    }
    Ok(())
}

/// The field holding a record's id in Books' list answers for `record_type`: the one Zoho's
/// Books documents give (`vendor_credit_id`, `transaction_id` for bank transactions). For a
/// type the documents do not publish (a custom module), the way Books names most types: its
/// singular plus `_id`.
pub fn id_field(record_type: &str) -> String {
    match zoho_facts::books_types::books_type(record_type) {
        Some(documented) => documented.id_field.to_owned(),
        None => {
            let last = record_type.rsplit('/').next().unwrap_or(record_type);
            format!("{}_id", last.strip_suffix('s').unwrap_or(last))
        }
    }
}

/// The path segments of a target, optionally ending with a record id.
fn segments<'a>(target: &'a Target, record_id: Option<&'a str>) -> Vec<&'a str> {
    let mut segments = Vec::new();
    if let (Some(parent_type), Some(parent_id)) = (&target.parent_record_type, &target.parent_record_id) {
        segments.extend(parent_type.split('/'));
        segments.push(parent_id.as_str());
    }
    segments.extend(target.record_type.split('/'));
    segments.extend(record_id);
    segments
}

fn books_plan(
    method: Method,
    path: String,
    query: &Query,
    body: Option<&Value>,
    repeatable: Repeatable,
) -> Result<Request<Vec<u8>>, Error> {
    plan::request(
        method,
        path,
        query,
        body,
        PlanMeta {
            repeatable,
            scope: None,
        },
    )
}

/// Plan for one record operation. `organization_id` comes first in the query, always.
pub fn record_plan(
    method: Method,
    target: &Target,
    organization: &str,
    record_id: Option<&str>,
    body: Option<&Value>,
) -> Result<Request<Vec<u8>>, Error> {
    let mut query = Query::new();
    query.push("organization_id", organization);
    let repeatable = if method == Method::POST {
        Repeatable::No
    } else {
        Repeatable::Yes
    };
    books_plan(
        method,
        plan::path(BOOKS_BASE, &segments(target, record_id)),
        &query,
        body,
        repeatable,
    )
}

/// Plan for one page of a list.
pub fn list_plan(
    target: &Target,
    organization: &str,
    page: u32,
    per_page: u32,
    search_fields: &[(String, String)],
) -> Result<Request<Vec<u8>>, Error> {
    let mut query = Query::new();
    query
        .push("organization_id", organization)
        .push("page", page.to_string())
        .push("per_page", per_page.to_string());
    for (key, value) in search_fields {
        query.push(key, value.clone());
    }
    books_plan(
        Method::GET,
        plan::path(BOOKS_BASE, &segments(target, None)),
        &query,
        None,
        Repeatable::Yes,
    )
}

/// Plan for `GET /organizations`, the one Books call without `organization_id`.
pub fn organizations_plan() -> Result<Request<Vec<u8>>, Error> {
    books_plan(
        Method::GET,
        plan::path(BOOKS_BASE, &["organizations"]),
        &Query::new(),
        None,
        Repeatable::Yes,
    )
}

/// A Books answer: success is `code: 0` whatever the HTTP status says; anything else is an
/// error carrying Books' code and message.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub message: String,
    /// The entity, under whichever key Zoho used (`invoice`, `comments`, `contact_comments`...).
    pub entity: Option<Value>,
    pub page_context: Option<Value>,
}

pub fn decode(response: &Response<Vec<u8>>) -> Result<Envelope, Error> {
    let parsed: Option<Value> = serde_json::from_slice(response.body()).ok();
    let Some(Value::Object(body)) = parsed else {
        return Err(if response.status().is_success() {
            Error::decode(format!(
                "the Books response (HTTP {}) is not a JSON object",
                response.status().as_u16()
            ))
        } else {
            zoho::error_from_response(response, None)
        });
    };
    let code = body.get("code").and_then(Value::as_i64);
    let message = body
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if code != Some(0) {
        let Some(code) = code else {
            return Err(if response.status().is_success() {
                Error::decode("the Books response has no numeric `code`")
            } else {
                zoho::error_from_response(response, None)
            });
        };
        let api = ApiError {
            status: response.status().as_u16(),
            code: code.to_string(),
            message,
            details: None,
        };
        return Err(match code {
            // "... does not exist."
            1002 => Error::NotFound(api),
            // The per-minute limit blocks the organization for the rest of its minute; Books
            // sends no Retry-After, so the minute is the wait to report.
            zoho_facts::books_limits::PER_MINUTE_CODE if response.status() == 429 => Error::RateLimited {
                retry_after_seconds: Some(zoho::retry_after_seconds(response).unwrap_or(60)),
                api,
            },
            _ => zoho::classify(api, zoho::retry_after_seconds(response), None),
        });
    }
    let entity = body
        .iter()
        .find(|(key, value)| !ENVELOPE_KEYS.contains(&key.as_str()) && (value.is_object() || value.is_array()))
        .map(|(_, value)| value.clone());
    Ok(Envelope {
        message,
        entity,
        page_context: body.get("page_context").cloned(),
    })
}

/// The organizations of `GET /organizations`.
pub fn decode_organizations(response: &Response<Vec<u8>>) -> Result<Vec<Organization>, Error> {
    let envelope = decode(response)?;
    let list = envelope
        .entity
        .and_then(|e| e.as_array().cloned())
        .ok_or_else(|| Error::decode("the organizations response has no list"))?;
    Ok(list
        .iter()
        .filter_map(|org| {
            let id = match org.get("organization_id")? {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            Some(Organization {
                id,
                name: org.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
            })
        })
        .collect())
}

/// The organization to send: the input's, else the connection's, else the only one the user
/// belongs to. With several, the error lists them so the user can choose.
pub fn organization(session: &mut Session, explicit: Option<&str>) -> Result<String, Error> {
    if let Some(id) = explicit {
        return Ok(id.to_owned());
    }
    if let Some(id) = session.credentials()?.books_organization_id.filter(|id| !id.is_empty()) {
        validate::record_id("organizationId", &id)?;
        return Ok(id);
    }
    let organizations = list_organizations(session)?;
    match organizations.as_slice() {
        [only] => Ok(only.id.clone()),
        [] => Err(Error::invalid(
            "organizationId",
            "cannot be chosen: this connection belongs to no Zoho Books organization",
        )),
        several => Err(Error::invalid(
            "organizationId",
            format!(
                "is required: this connection can use {} Books organizations: {}",
                several.len(),
                several
                    .iter()
                    .map(|o| format!("{} ({})", o.id, o.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

pub fn list_organizations(session: &mut Session) -> Result<Vec<Organization>, Error> {
    let response = session.send(&organizations_plan()?)?;
    decode_organizations(&response)
}

fn entity_of(envelope: Envelope, what: &str) -> Result<Value, Error> {
    envelope
        .entity
        .ok_or_else(|| Error::decode(format!("the Books response has no {what}")))
}

pub fn create_record(session: &mut Session, target: &Target, values: &Map<String, Value>) -> Result<Envelope, Error> {
    validate_target(target)?;
    let organization = organization(session, target.organization_id.as_deref())?;
    let plan = record_plan(
        Method::POST,
        target,
        &organization,
        None,
        Some(&Value::Object(values.clone())),
    )?;
    let response = session.send(&plan)?;
    zoho::check_write_outcome(&plan, &response)?;
    decode(&response)
}

pub fn get_record(session: &mut Session, target: &Target, record_id: &str) -> Result<Value, Error> {
    validate_target(target)?;
    validate::record_id("recordId", record_id)?;
    let organization = organization(session, target.organization_id.as_deref())?;
    let plan = record_plan(Method::GET, target, &organization, Some(record_id), None)?;
    entity_of(decode(&session.send(&plan)?)?, "record")
}

pub fn update_record(
    session: &mut Session,
    target: &Target,
    record_id: &str,
    values: &Map<String, Value>,
) -> Result<Envelope, Error> {
    validate_target(target)?;
    validate::record_id("recordId", record_id)?;
    let organization = organization(session, target.organization_id.as_deref())?;
    let plan = record_plan(
        Method::PUT,
        target,
        &organization,
        Some(record_id),
        Some(&Value::Object(values.clone())),
    )?;
    decode(&session.send(&plan)?)
}

pub fn delete_record(session: &mut Session, target: &Target, record_id: &str) -> Result<Envelope, Error> {
    validate_target(target)?;
    validate::record_id("recordId", record_id)?;
    let organization = organization(session, target.organization_id.as_deref())?;
    let plan = record_plan(Method::DELETE, target, &organization, Some(record_id), None)?;
    decode(&session.send(&plan)?)
}

/// Where a list resumes: a page (of a given size) and how many of its records were already
/// returned. Encoded as an opaque string; the format is ours to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    page: u32,
    per_page: u32,
    skip: u32,
}

impl Cursor {
    fn encode(self) -> String {
        cursor::encode(&[
            "b",
            &self.page.to_string(),
            &self.per_page.to_string(),
            &self.skip.to_string(),
        ])
    }

    fn decode(text: &str) -> Result<Self, Error> {
        let fields = cursor::decode(text)?;
        if fields.first().map(String::as_str) != Some("b") {
            return Err(Error::invalid("cursor", "was not returned by a Books list"));
        }
        let cursor = Cursor {
            page: cursor::number(&fields, 1)?,
            per_page: cursor::number(&fields, 2)?,
            skip: cursor::number(&fields, 3)?,
        };
        if cursor.page >= 1 && (1..=MAX_PER_PAGE).contains(&cursor.per_page) && cursor.skip < cursor.per_page {
            Ok(cursor)
        } else {
            Err(Error::invalid(
                "cursor",
                "is damaged; pass back the `cursor` of a previous result unchanged",
            ))
        }
    }
}

/// Checks list inputs before anything is sent.
pub fn validate_list(request: &ListRequest) -> Result<(), Error> {
    if request.page == Some(0) {
        return Err(Error::invalid("page", "must be 1 or more: pages are numbered from 1"));
    }
    if let Some(per_page) = request.per_page
        && !(1..=MAX_PER_PAGE).contains(&per_page)
    {
        return Err(Error::invalid(
            "perPage",
            format!("must be between 1 and {MAX_PER_PAGE}, got {per_page}"),
        ));
    }
    if request.max_records == Some(0) {
        return Err(Error::invalid("maxRecords", "must be at least 1"));
    }
    if let Some(cursor) = &request.cursor {
        Cursor::decode(cursor)?;
        if request.page.is_some() {
            return Err(Error::invalid("cursor", "cannot be combined with `page`"));
        }
    }
    for (i, (key, _)) in request.search_fields.iter().enumerate() {
        let valid = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'));
        if !valid {
            return Err(Error::invalid(
                format!("searchFields[{i}].key"),
                "must be a Books parameter name such as `search_text` or `email`",
            ));
        }
        if RESERVED_QUERY.contains(&key.as_str()) {
            return Err(Error::invalid(
                format!("searchFields[{i}].key"),
                format!(
                    "cannot be `{key}`, which the action sets itself; use the {} input",
                    if key == "organization_id" {
                        "organizationId"
                    } else {
                        "page / perPage"
                    }
                ),
            ));
        }
    }
    Ok(())
}

/// Lists records: one page, or with `fetch_all` every page up to `max_records`, with a cursor
/// that resumes right after the last record returned even when the cap fell inside a page.
pub fn get_records(session: &mut Session, target: &Target, request: &ListRequest) -> Result<RecordList, Error> {
    validate_target(target)?;
    validate_list(request)?;
    let organization = organization(session, target.organization_id.as_deref())?;
    let mut position = match &request.cursor {
        Some(cursor) => Cursor::decode(cursor)?,
        None => Cursor {
            page: request.page.unwrap_or(1),
            per_page: request.per_page.unwrap_or(MAX_PER_PAGE),
            skip: 0,
        },
    };
    let limit = if request.fetch_all {
        request.max_records.unwrap_or(DEFAULT_MAX_RECORDS)
    } else {
        request.max_records.unwrap_or(u32::MAX)
    };
    let first_page = position.page;
    let mut records: Vec<Value> = Vec::new();
    let mut used_bytes = 0usize;
    loop {
        let plan = list_plan(
            target,
            &organization,
            position.page,
            position.per_page,
            &request.search_fields,
        )?;
        let response = session.send(&plan)?;
        let page_bytes = response.body().len();
        used_bytes = used_bytes.saturating_add(page_bytes);
        let (page_records, has_more_page) = list_page(decode(&response)?)?;
        let available = page_records.len();
        let skip = usize::try_from(position.skip).unwrap_or(usize::MAX).min(available);
        let room = usize::try_from(limit)
            .unwrap_or(usize::MAX)
            .saturating_sub(records.len());
        let taken: Vec<Value> = page_records.into_iter().skip(skip).take(room).collect();
        let consumed = skip + taken.len();
        records.extend(taken);
        if available == 0 && has_more_page {
            // Walking on would never end if Books keeps promising pages while sending nothing.
            return Err(Error::decode("Books reported more pages but sent an empty one"));
        }
        let page_has_rest = consumed < available;
        if page_has_rest {
            // The cap fell inside this page: resume on it, after the records already returned.
            let resume = Cursor {
                skip: u32::try_from(consumed).unwrap_or(u32::MAX),
                ..position
            };
            return Ok(finish(records, first_page, position.per_page, true, Some(resume)));
        }
        let next = Cursor {
            page: position.page + 1,
            skip: 0,
            ..position
        };
        if !has_more_page {
            return Ok(finish(records, first_page, position.per_page, false, None));
        }
        if !request.fetch_all
            || records.len() >= usize::try_from(limit).unwrap_or(usize::MAX)
            || crate::crm::paging::budget_spent(used_bytes, page_bytes)
        {
            return Ok(finish(records, first_page, position.per_page, true, Some(next)));
        }
        position = next;
    }
}

/// A list answer's records and whether Books has more pages.
pub fn list_page(envelope: Envelope) -> Result<(Vec<Value>, bool), Error> {
    let records = match envelope.entity {
        Some(Value::Array(items)) => items,
        None => Vec::new(),
        Some(_) => {
            return Err(Error::decode(
                "the Books list response holds an object where a list was expected",
            ));
        }
    };
    let has_more_page = envelope
        .page_context
        .as_ref()
        .and_then(|c| c.get("has_more_page"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok((records, has_more_page))
}

fn finish(records: Vec<Value>, page: u32, per_page: u32, more_records: bool, resume: Option<Cursor>) -> RecordList {
    RecordList {
        records,
        page,
        per_page,
        more_records,
        cursor: resume.map(Cursor::encode),
    }
}

/// Output shared by the Books list action and the typed function.
pub fn list_output(list: &RecordList) -> Value {
    json!({
        "data": list.records,
        "info": {
            "page": list.page,
            "perPage": list.per_page,
            "count": list.records.len(),
            "moreRecords": list.more_records,
            "cursor": list.cursor,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::host::CallOptions;
    use crate::shared::session::tests::ScriptedHost;

    fn target(record_type: &str) -> Target {
        Target {
            record_type: record_type.into(),
            organization_id: Some("600".into()),
            ..Target::default()
        }
    }

    #[test]
    fn slash_and_nested_types_build_the_right_paths() {
        let plan = record_plan(Method::GET, &target("settings/taxes"), "600", Some("42"), None).expect("plan");
        assert_eq!(plan.uri(), "/books/v3/settings/taxes/42?organization_id=600");
        let nested = Target {
            parent_record_type: Some("invoices".into()),
            parent_record_id: Some("9".into()),
            ..target("comments")
        };
        let plan = record_plan(Method::POST, &nested, "600", None, Some(&json!({"description": "hi"}))).expect("plan");
        assert_eq!(plan.uri(), "/books/v3/invoices/9/comments?organization_id=600");
    }

    #[test]
    fn targets_are_validated() {
        for bad in [
            "",
            "invoices/..",
            "../x",
            "invoices/12",
            "a/b/c/d",
            "inv oices",
            "invoices?x",
            "/invoices",
        ] {
            assert!(validate_target(&target(bad)).is_err(), "{bad}");
        }
        let orphan = Target {
            parent_record_type: Some("invoices".into()),
            ..target("comments")
        };
        assert!(
            matches!(validate_target(&orphan), Err(Error::InvalidInput { input, .. }) if input == "parentRecordId")
        );
    }

    #[test]
    fn the_entity_is_whatever_key_zoho_used() {
        for (body, key_value) in [
            (
                r#"{"code":0,"message":"success","invoice":{"invoice_id":"1"}}"#,
                json!({"invoice_id": "1"}),
            ),
            (
                r#"{"code":0,"message":"success","contact_comments":[{"comment_id":"2"}],"page_context":{"page":1}}"#,
                json!([{"comment_id": "2"}]),
            ),
            (r#"{"code":0,"message":"success","taxes":[]}"#, json!([])),
        ] {
            let response = Response::builder()
                .status(200)
                .body(body.as_bytes().to_vec())
                .expect("valid");
            assert_eq!(decode(&response).expect("decodes").entity, Some(key_value));
        }
    }

    #[test]
    fn a_non_zero_code_is_an_error_whatever_the_status() {
        let response = Response::builder()
            .status(200)
            .body(br#"{"code":1002,"message":"Invoice does not exist."}"#.to_vec())
            .expect("valid");
        assert!(matches!(decode(&response), Err(Error::NotFound(api)) if api.code == "1002"));
        let response = Response::builder()
            .status(400)
            .body(br#"{"code":6041,"message":"Invalid value passed for organization_id"}"#.to_vec())
            .expect("valid");
        assert!(matches!(decode(&response), Err(Error::Api(api)) if api.code == "6041"));
    }

    #[test]
    fn cursors_round_trip_and_reject_tampering() {
        let cursor = Cursor {
            page: 3,
            per_page: 200,
            skip: 17,
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Ok(cursor));
        for bad in [
            "",
            "zc1.",
            "zc1.zz",
            "abc",
            &cursor::encode(&["n", "1", "200", "0"]),
            &cursor::encode(&["b", "1", "200", "300"]),
        ] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn several_organizations_are_listed_in_the_error() {
        let mut host = ScriptedHost::new();
        host.answer(200, r#"{"code":0,"message":"success","organizations":[{"organization_id":"10","name":"Zylker"},{"organization_id":"20","name":"Acme"}]}"#);
        let error =
            organization(&mut Session::new(&mut host, "c", CallOptions::default()), None).expect_err("ambiguous");
        let Error::InvalidInput { input, message } = error else {
            panic!("invalid input expected")
        };
        assert_eq!(input, "organizationId");
        assert!(
            message.contains("10 (Zylker)") && message.contains("20 (Acme)"),
            "{message}"
        );
    }

    #[test]
    fn search_fields_cannot_override_the_organization() {
        let request = ListRequest {
            search_fields: vec![("organization_id".into(), "1".into())],
            ..ListRequest::default()
        };
        assert!(
            matches!(validate_list(&request), Err(Error::InvalidInput { input, .. }) if input == "searchFields[0].key")
        );
    }

    #[test]
    fn fetch_all_stops_at_the_cap_inside_a_page_and_resumes_there() {
        let page = |from: usize, n: usize, more: bool| {
            let items: Vec<Value> = (from..from + n).map(|i| json!({"contact_id": i.to_string()})).collect();
            json!({"code": 0, "message": "success", "contacts": items, "page_context": {"page": 1, "per_page": 200, "has_more_page": more}}).to_string()
        };
        let mut host = ScriptedHost::new();
        host.answer(200, &page(0, 200, true)).answer(200, &page(200, 200, true));
        let request = ListRequest {
            fetch_all: true,
            max_records: Some(250),
            ..ListRequest::default()
        };
        let list = get_records(
            &mut Session::new(&mut host, "c", CallOptions::default()),
            &target("contacts"),
            &request,
        )
        .expect("listed");
        assert_eq!((list.records.len(), list.more_records), (250, true));
        assert_eq!(
            Cursor::decode(list.cursor.as_deref().expect("cursor")),
            Ok(Cursor {
                page: 2,
                per_page: 200,
                skip: 50
            })
        );

        host.answer(200, &page(200, 200, false));
        let resumed = ListRequest {
            fetch_all: true,
            cursor: list.cursor.clone(),
            ..ListRequest::default()
        };
        let rest = get_records(
            &mut Session::new(&mut host, "c", CallOptions::default()),
            &target("contacts"),
            &resumed,
        )
        .expect("listed");
        assert_eq!(rest.records[0]["contact_id"], "250");
        assert_eq!(
            (rest.records.len(), rest.more_records, rest.cursor.is_none()),
            (150, false, true)
        );
        assert!(
            host.sent
                .iter()
                .all(|r| r.uri().query().is_some_and(|q| q.starts_with("organization_id=600")))
        );
    }
}
