//! Bulk Read (`/crm/bulk/v8/read`): export jobs over a module's records, one page (200,000
//! records, configurable) per job, each result a ZIP holding `{job}.csv`; page tokens past
//! page 2; FAILURE on demand; 10 result downloads a minute.

use std::time::Instant;

use serde_json::{Map, Value, json};

use crate::bulk::{cell, ranged_file, state_at, zip};
use crate::reply::Reply;
use crate::request::RecordedRequest;
use crate::state::State;
use crate::state::bulk::ReadJob;

const STATES: &[&str] = &["ADDED", "QUEUED", "IN PROGRESS", "COMPLETED"];

impl ReadJob {
    fn state(&self, state: &State) -> &'static str {
        let now = state_at(self.created, state.bulk.step, STATES);
        if now == "COMPLETED" && self.failure.is_some() {
            "FAILURE"
        } else {
            now
        }
    }
}

/// Routes `/crm/bulk/v8/read...`.
pub(crate) fn route(state: &mut State, request: &RecordedRequest, rest: &[&str]) -> Option<Reply> {
    Some(match (request.method.as_str(), rest) {
        ("POST", []) => create(state, request),
        ("GET", [job]) => details(state, job),
        ("GET", [job, "result"]) => result(state, request, job),
        _ => return None,
    })
}

fn invalid(message: &str, details: Value) -> Reply {
    Reply::crm_error(400, "INVALID_DATA", message, details)
}

fn create(state: &mut State, request: &RecordedRequest) -> Reply {
    let body = request.json();
    let Some(query) = body.get("query").and_then(Value::as_object) else {
        return invalid("the query is missing", json!({"api_name": "query"}));
    };
    let Some(module) = query
        .get("module")
        .and_then(|m| m.get("api_name"))
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return invalid("the module is missing", json!({"api_name": "module"}));
    };
    if !state.crm.modules.contains_key(&module) {
        return invalid(
            "the module name given seems to be invalid",
            json!({"api_name": "module"}),
        );
    }
    let fields: Vec<String> = match query.get("fields") {
        None => Vec::new(),
        Some(Value::Array(list)) => {
            let names: Option<Vec<String>> = list.iter().map(|f| f.as_str().map(str::to_owned)).collect();
            match names {
                Some(names) => names,
                None => return invalid("fields must be API names", json!({"api_name": "fields"})),
            }
        }
        Some(_) => return invalid("fields must be a list", json!({"api_name": "fields"})),
    };
    let page = query.get("page").and_then(Value::as_u64).unwrap_or(1).max(1) as usize;
    let page_size = state.bulk.page_size;
    let start = match query.get("page_token").and_then(Value::as_str) {
        Some(token) => match state.bulk.page_tokens.get(token) {
            Some((token_module, next)) if *token_module == module => *next,
            _ => {
                return invalid(
                    "the page_token is invalid or expired",
                    json!({"api_name": "page_token"}),
                );
            }
        },
        // Zoho serves two pages by number; past them only a token reaches further.
        None if page > 2 => {
            return invalid(
                "a page_token is required to export records past the second page",
                json!({"api_name": "page_token"}),
            );
        }
        None => (page - 1) * page_size,
    };
    let criteria = query.get("criteria").cloned();
    if let Some(criteria) = &criteria
        && let Err(reason) = check_criteria(criteria)
    {
        return invalid(&reason, json!({"api_name": "criteria"}));
    }

    let records = &state.crm.modules[&module].records;
    let selected: Vec<&Map<String, Value>> = records
        .iter()
        .filter(|r| criteria.as_ref().is_none_or(|c| matches(r, c)))
        .collect();
    let columns: Vec<String> = if fields.is_empty() {
        let mut all: Vec<String> = vec!["id".into()];
        for record in &selected {
            for key in record.keys() {
                if !all.contains(key) {
                    all.push(key.clone());
                }
            }
        }
        all
    } else {
        std::iter::once("id".to_owned())
            .chain(fields.iter().filter(|f| *f != "id").cloned())
            .collect()
    };
    let end = (start + page_size).min(selected.len());
    let page_records = selected.get(start..end).unwrap_or(&[]);
    let mut csv = String::with_capacity(page_records.len() * 64);
    csv.push_str(
        &columns
            .iter()
            .map(|c| cell(Some(&json!(c))))
            .collect::<Vec<_>>()
            .join(","),
    );
    csv.push('\n');
    for record in page_records {
        let row: Vec<String> = columns.iter().map(|c| cell(record.get(c))).collect();
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    let more = end < selected.len();
    let count = page_records.len();

    let id = state.new_id();
    let next_token = more.then(|| {
        let token = format!(
            "{:x}",
            id.parse::<u128>().unwrap_or(0).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        );
        state.bulk.page_tokens.insert(token.clone(), (module.clone(), end));
        token
    });
    let zip = zip(&format!("{id}.csv"), csv.as_bytes());
    let created_time = state.clock.now();
    let job = ReadJob {
        id: id.clone(),
        created: Instant::now(),
        created_time: created_time.clone(),
        query: json!({"module": {"api_name": module}, "fields": fields, "page": page, "criteria": criteria}),
        page,
        count,
        more,
        next_token,
        zip,
        failure: state.bulk.fail_next.take(),
    };
    state.bulk.read_jobs.insert(id.clone(), job);
    Reply::json(
        201,
        &json!({"data": [{
            "status": "success",
            "code": "ADDED_SUCCESSFULLY",
            "message": "Added successfully.",
            "details": {"id": id, "operation": "read", "state": "ADDED", "created_by": state.crm.user, "created_time": created_time},
        }], "info": {}}),
    )
}

fn unknown_job(job: &str) -> Reply {
    Reply::crm_error(
        404,
        "RESOURCE_NOT_FOUND",
        "the requested job was not found",
        json!({"resource": job}),
    )
}

fn details(state: &State, job: &str) -> Reply {
    let Some(found) = state.bulk.read_jobs.get(job) else {
        return unknown_job(job);
    };
    let job_state = found.state(state);
    let mut entry = json!({
        "id": found.id,
        "operation": "read",
        "state": job_state,
        "query": found.query,
        "created_by": state.crm.user,
        "created_time": found.created_time,
        "file_type": "csv",
    });
    // Zoho publishes a result only for a completed job, and no reason for a failed one
    // (OAS bulk_read.json): none is invented.
    if job_state == "COMPLETED" {
        entry["result"] = json!({
            "page": found.page,
            "per_page": state.bulk.page_size,
            "count": found.count,
            "download_url": format!("/crm/bulk/v8/read/{}/result", found.id),
            "more_records": found.more,
            "next_page_token": found.next_token,
        });
    }
    Reply::json(200, &json!({"data": [entry]}))
}

fn result(state: &mut State, request: &RecordedRequest, job: &str) -> Reply {
    let Some(found) = state.bulk.read_jobs.get(job) else {
        return unknown_job(job);
    };
    let job_state = found.state(state);
    if job_state != "COMPLETED" {
        // The one 400 Zoho publishes for this operation (OAS bulk_read.json).
        return Reply::crm_error(
            400,
            "RESOURCE_NOT_FOUND",
            "the job has no result to download yet",
            json!({"resource": "result"}),
        );
    }
    if let Err(reply) = state.bulk.admit_download() {
        return reply;
    }
    let broken = crate::bulk::fires(&mut state.bulk.download_breaks);
    let found = &state.bulk.read_jobs[job];
    let mut reply = ranged_file(request, &format!("{job}.zip"), &found.zip);
    if broken {
        reply.cut_after = Some(reply.body.len() / 2);
    }
    reply
}

const COMPARATORS: &[&str] = &[
    "equal",
    "not_equal",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "greater_than",
    "greater_equal",
    "less_than",
    "less_equal",
    "between",
    "not_between",
];

fn check_criteria(criteria: &Value) -> Result<(), String> {
    if let Some(group) = criteria.get("group") {
        let operator = criteria.get("group_operator").and_then(Value::as_str).unwrap_or("");
        if !matches!(operator, "and" | "or") {
            return Err("group_operator must be and or or".into());
        }
        let members = group.as_array().ok_or("group must be a list")?;
        return members.iter().try_for_each(check_criteria);
    }
    let comparator = criteria.get("comparator").and_then(Value::as_str).unwrap_or("");
    if !COMPARATORS.contains(&comparator) {
        return Err(format!("the comparator {comparator:?} is not supported"));
    }
    if criterion_field(criteria).is_none() {
        return Err("a condition's field needs an api_name".into());
    }
    Ok(())
}

/// A condition names its field as `field.api_name` (v8 docs) or as `api_name` (earlier
/// versions; both are in OAS bulk_read.json's Criteria and in the v8 SDK's `Criteria`).
fn criterion_field(criteria: &Value) -> Option<&str> {
    criteria["field"]["api_name"]
        .as_str()
        .or_else(|| criteria["api_name"].as_str())
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(o) => o.get("id").map(text).unwrap_or_default(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
        _ => a.cmp(b),
    }
}

fn matches(record: &Map<String, Value>, criteria: &Value) -> bool {
    if let Some(group) = criteria.get("group").and_then(Value::as_array) {
        return if criteria.get("group_operator").and_then(Value::as_str) == Some("or") {
            group.iter().any(|c| matches(record, c))
        } else {
            group.iter().all(|c| matches(record, c))
        };
    }
    let field = criterion_field(criteria).unwrap_or_default();
    let actual = record.get(field).map(text).unwrap_or_default();
    let wanted = criteria.get("value").cloned().unwrap_or(Value::Null);
    let list: Vec<String> = match &wanted {
        Value::Array(items) => items.iter().map(text).collect(),
        other => vec![text(other)],
    };
    let first = list.first().cloned().unwrap_or_default();
    use std::cmp::Ordering::{Greater, Less};
    match criteria["comparator"].as_str().unwrap_or_default() {
        "equal" => actual == first,
        "not_equal" => actual != first,
        "in" => list.contains(&actual),
        "not_in" => !list.contains(&actual),
        "contains" => actual.contains(&first),
        "not_contains" => !actual.contains(&first),
        "starts_with" => actual.starts_with(&first),
        "ends_with" => actual.ends_with(&first),
        "greater_than" => order(&actual, &first) == Greater,
        "greater_equal" => order(&actual, &first) != Less,
        "less_than" => order(&actual, &first) == Less,
        "less_equal" => order(&actual, &first) != Greater,
        "between" | "not_between" => {
            let inside = list.len() == 2 && order(&actual, &list[0]) != Less && order(&actual, &list[1]) != Greater;
            inside == (criteria["comparator"] == "between")
        }
        _ => false,
    }
}
