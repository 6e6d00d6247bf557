//! Bulk Read: `POST /crm/bulk/v8/read` starts an export job for one page of up to 200,000
//! records; `GET /read/{id}` follows it (ADDED, QUEUED, IN PROGRESS, COMPLETED or FAILURE);
//! `GET /read/{id}/result` is the zipped CSV, read a chunk at a time.

use serde_json::{Map, Value, json};

use super::{BULK_BASE, callback, create_job, job_details, job_id, number, result_file, text};
use crate::shared::archive::chunks::{Chunk, Position};
use crate::shared::error::Error;
use crate::shared::plan;
use crate::shared::session::Session;
use crate::shared::validate;

const SCOPE: &str = "ZohoCRM.bulk.read";

/// What to export (`crmBulkReadStart`'s inputs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadQuery {
    pub module: String,
    /// Field API names; empty exports every field.
    pub fields: Vec<String>,
    /// Zoho's criteria object, or a list of `{field, comparator, value}` conditions.
    pub criteria: Option<Value>,
    /// Page of 200,000 records, from 1.
    pub page: Option<u32>,
    /// `next_page_token` of the previous page's job, needed past record 400,000.
    pub page_token: Option<String>,
    pub callback_url: Option<String>,
}

/// Group operators Zoho's criteria take.
const GROUP_OPERATORS: &[&str] = &["and", "or"];
/// Nesting deeper than this is refused before Zoho sees it.
const MAX_CRITERIA_DEPTH: usize = 5;

/// Zoho's criteria shape from either input form: `{group_operator, group: [...]}`, one
/// `{field, comparator, value}` (with `field` an API name or `{api_name}`), or a list of
/// conditions joined with `and`.
pub fn criteria(input: &Value) -> Result<Value, Error> {
    match input {
        Value::Array(conditions) if conditions.is_empty() => Err(Error::invalid(
            "criteria",
            "needs at least one condition, or leave criteria out",
        )),
        Value::Array(conditions) if conditions.len() == 1 => criterion(&conditions[0], 1),
        Value::Array(conditions) => Ok(json!({
            "group_operator": "and",
            "group": conditions.iter().map(|c| criterion(c, 1)).collect::<Result<Vec<_>, _>>()?,
        })),
        other => criterion(other, 0),
    }
}

fn criterion(value: &Value, depth: usize) -> Result<Value, Error> {
    let invalid = |message: &str| Error::invalid("criteria", message.to_owned());
    if depth > MAX_CRITERIA_DEPTH {
        return Err(invalid("nests groups more than 5 deep"));
    }
    let Some(object) = value.as_object() else {
        return Err(invalid(
            "each condition must be an object: {field, comparator, value} or {group_operator, group}",
        ));
    };
    if let Some(group) = object.get("group") {
        let operator = object
            .get("group_operator")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .unwrap_or_else(|| "and".to_owned());
        if !GROUP_OPERATORS.contains(&operator.as_str()) {
            return Err(invalid("group_operator must be and or or"));
        }
        let members = group
            .as_array()
            .filter(|g| !g.is_empty())
            .ok_or_else(|| invalid("group must be a non-empty list of conditions"))?;
        return Ok(json!({
            "group_operator": operator,
            "group": members.iter().map(|m| criterion(m, depth + 1)).collect::<Result<Vec<_>, _>>()?,
        }));
    }
    let field = match object.get("field") {
        Some(Value::String(name)) => name.clone(),
        Some(Value::Object(field)) => field
            .get("api_name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| invalid("field must name the field's api_name"))?,
        _ => return Err(invalid("each condition needs a field (its API name)")),
    };
    validate::field_name("criteria", &field)?;
    let comparator = object
        .get("comparator")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .ok_or_else(|| invalid("each condition needs a comparator such as equal, in, greater_than, between"))?;
    let mut out = Map::new();
    out.insert("field".into(), json!({ "api_name": field }));
    out.insert("comparator".into(), json!(comparator));
    if let Some(value) = object.get("value") {
        out.insert("value".into(), value.clone());
    }
    Ok(Value::Object(out))
}

/// The job-creation body.
fn body(query: &ReadQuery) -> Result<Value, Error> {
    validate::module_name("recordType", &query.module)?;
    validate::field_list("fields", &query.fields)?;
    let mut q = Map::new();
    q.insert("module".into(), json!({ "api_name": query.module }));
    if !query.fields.is_empty() {
        q.insert("fields".into(), json!(query.fields));
    }
    if let Some(criteria_input) = &query.criteria {
        q.insert("criteria".into(), criteria(criteria_input)?);
    }
    if let Some(page) = query.page {
        q.insert("page".into(), json!(page));
    }
    if let Some(token) = &query.page_token {
        validate::opaque_token("pageToken", token)?;
        q.insert("page_token".into(), json!(token));
    }
    let mut body = Map::new();
    if let Some(callback) = callback("callbackUrl", query.callback_url.as_deref())? {
        body.insert("callback".into(), callback);
    }
    body.insert("query".into(), Value::Object(q));
    Ok(Value::Object(body))
}

/// A job just created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub job_id: String,
    pub state: String,
    pub created_time: Option<String>,
}

/// Starts an export job. Never re-sent after a lost answer: a second job would count against
/// the org's limits and export the same records again.
pub fn start(session: &mut Session, query: &ReadQuery) -> Result<Started, Error> {
    let body = body(query)?;
    let details = create_job(session, "read", &body, SCOPE)?;
    let details = &details;
    Ok(Started {
        job_id: job_id(details, "the Bulk Read answer")?,
        state: details
            .get("state")
            .and_then(Value::as_str)
            .unwrap_or("ADDED")
            .to_owned(),
        created_time: details.get("created_time").and_then(Value::as_str).map(str::to_owned),
    })
}

/// A job's state and, once completed, what its result holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub job_id: String,
    /// ADDED, QUEUED, IN PROGRESS, COMPLETED or FAILURE.
    pub state: String,
    pub module: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
    /// Records in this page's file.
    pub count: Option<u64>,
    /// Whether records follow this page (start the next page's job).
    pub more_records: bool,
    /// Pass as `pageToken` to the next page's job (required past record 400,000).
    pub next_page_token: Option<String>,
    pub download_url: Option<String>,
    pub error_message: Option<String>,
    pub created_time: Option<String>,
}

/// The job's details (`GET /read/{id}`).
pub fn status(session: &mut Session, job: &str) -> Result<Status, Error> {
    let entry = job_details(session, "read", job, SCOPE)?;
    let entry = &entry;
    let result = entry.get("result").unwrap_or(&Value::Null);
    Ok(Status {
        job_id: job_id(entry, "the Bulk Read job")?,
        state: text(entry.get("state")).ok_or_else(|| Error::decode("the Bulk Read job has no state"))?,
        module: text(
            entry
                .get("query")
                .and_then(|q| q.get("module"))
                .and_then(|m| m.get("api_name").or(Some(m))),
        ),
        page: number(result.get("page")),
        per_page: number(result.get("per_page")),
        count: number(result.get("count")),
        more_records: result.get("more_records").and_then(Value::as_bool).unwrap_or(false),
        next_page_token: text(result.get("next_page_token")),
        download_url: text(result.get("download_url")),
        error_message: text(result.get("error_message")).or_else(|| text(entry.get("error_message"))),
        created_time: text(entry.get("created_time")),
    })
}

/// One chunk of a completed job's CSV, from `position` (the start when `None`).
pub fn result(session: &mut Session, job: &str, position: Option<Position>, max_bytes: u32) -> Result<Chunk, Error> {
    validate::record_id("jobId", job)?;
    let url = plan::path(BULK_BASE, &["read", job, "result"]);
    result_file::read(session, job, &url, position, max_bytes, SCOPE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_criteria_forms_become_zohos_shape() {
        let simple = json!([
            {"field": "Lead_Source", "comparator": "equal", "value": "Web"},
            {"field": {"api_name": "Annual_Revenue"}, "comparator": "greater_than", "value": 1000}
        ]);
        assert_eq!(
            criteria(&simple).expect("valid"),
            json!({"group_operator": "and", "group": [
                {"field": {"api_name": "Lead_Source"}, "comparator": "equal", "value": "Web"},
                {"field": {"api_name": "Annual_Revenue"}, "comparator": "greater_than", "value": 1000}
            ]})
        );
        let grouped = json!({"group_operator": "OR", "group": [
            {"field": {"api_name": "Email"}, "comparator": "contains", "value": "@example.com"},
            {"group": [{"field": "City", "comparator": "in", "value": ["Paris", "Oslo"]}]}
        ]});
        let built = criteria(&grouped).expect("valid");
        assert_eq!(built["group_operator"], "or");
        assert_eq!(built["group"][1]["group"][0]["field"]["api_name"], "City");
        for bad in [
            json!([]),
            json!({"comparator": "equal", "value": 1}),
            json!({"field": "Email", "value": 1}),
            json!({"field": "Bad Name", "comparator": "equal"}),
            json!({"group_operator": "xor", "group": [{"field": "a", "comparator": "equal"}]}),
            json!("Email:equals:x"),
        ] {
            assert!(
                matches!(criteria(&bad), Err(Error::InvalidInput { ref input, .. }) if input == "criteria"),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_body_names_module_fields_pages_and_callback() {
        let query = ReadQuery {
            module: "Leads".into(),
            fields: vec!["Last_Name".into(), "Email".into()],
            page: Some(3),
            page_token: Some("abc123".into()),
            callback_url: Some("https://hooks.example.com/zoho".into()),
            ..ReadQuery::default()
        };
        let body = body(&query).expect("valid");
        assert_eq!(body["query"]["module"]["api_name"], "Leads");
        assert_eq!(body["query"]["fields"], json!(["Last_Name", "Email"]));
        assert_eq!(body["query"]["page"], 3);
        assert_eq!(body["query"]["page_token"], "abc123");
        assert_eq!(
            body["callback"],
            json!({"url": "https://hooks.example.com/zoho", "method": "post"})
        );
        let everything = body_of("Contacts");
        assert!(everything["query"].get("fields").is_none());
        let bad = ReadQuery {
            callback_url: Some("ftp://x".into()),
            ..query
        };
        assert!(super::body(&bad).is_err());
    }

    fn body_of(module: &str) -> Value {
        body(&ReadQuery {
            module: module.into(),
            ..ReadQuery::default()
        })
        .expect("valid")
    }
}
