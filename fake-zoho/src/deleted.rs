//! Deleted records (`GET /crm/v8/{module}/deleted`): every deletion goes to the recycle bin
//! log with who deleted it and when, listed newest first with `type`, paging and
//! `If-Modified-Since` as Zoho's deleted-records API does.

use serde_json::{Map, Value, json};

use crate::reply::Reply;
use crate::request::RecordedRequest;
use crate::state::State;

const MAX_PER_PAGE: usize = 200;

/// Logs the deletion of `record` from `module`.
pub(crate) fn record(state: &mut State, module: &str, record: &Map<String, Value>) {
    let mandatory = state
        .crm
        .modules
        .get(module)
        .map(|m| m.mandatory.clone())
        .unwrap_or_default();
    let display_name = record
        .get("Full_Name")
        .or_else(|| record.get(&mandatory))
        .cloned()
        .unwrap_or(Value::Null);
    let entry = json!({
        "deleted_by": state.crm.user,
        "id": record.get("id").cloned().unwrap_or(Value::Null),
        "display_name": display_name,
        "type": "recycle",
        "created_by": record.get("Created_By").cloned().unwrap_or(Value::Null),
        "deleted_time": state.clock.now(),
    });
    state.crm.deleted.entry(module.to_owned()).or_default().push(entry);
}

/// `GET /{module}/deleted?type=all|recycle|permanent&page&per_page`.
pub(crate) fn list(state: &State, module: &str, request: &RecordedRequest) -> Reply {
    let kind = request.query_param("type").unwrap_or("all");
    if !matches!(kind, "all" | "recycle" | "permanent") {
        return Reply::crm_error(
            400,
            "INVALID_DATA",
            "invalid data",
            json!({"param_name": "type", "supported_values": ["all", "recycle", "permanent"]}),
        );
    }
    let (page, per_page) = match crate::wire::page_params(request, MAX_PER_PAGE) {
        Ok(params) => params,
        Err(reply) => return reply,
    };
    let since = match request.header("if-modified-since") {
        None => None,
        Some(text) => match crate::time::parse_iso(text) {
            Some(since) => Some(since),
            None => {
                return Reply::crm_error(
                    400,
                    "INVALID_DATA",
                    "invalid data",
                    json!({"header_name": "If-Modified-Since"}),
                );
            }
        },
    };
    let time_of = |entry: &Value| {
        entry["deleted_time"]
            .as_str()
            .and_then(crate::time::parse_iso)
            .unwrap_or(0)
    };
    let mut entries: Vec<&Value> = state
        .crm
        .deleted
        .get(module)
        .map(|all| all.iter().collect())
        .unwrap_or_default();
    entries.retain(|e| kind == "all" || e["type"] == kind);
    entries.retain(|e| since.is_none_or(|since| time_of(e) > since));
    if since.is_some() && entries.is_empty() {
        return Reply::not_modified();
    }
    let id_key = |e: &Value| {
        let id = e["id"].as_str().unwrap_or_default().to_owned();
        (id.len(), id)
    };
    entries.sort_by_key(|e| std::cmp::Reverse((time_of(e), id_key(e))));
    let start = (page - 1).saturating_mul(per_page);
    let slice: Vec<&Value> = entries.iter().skip(start).take(per_page).copied().collect();
    if slice.is_empty() {
        return Reply::no_content();
    }
    let more = start + slice.len() < entries.len();
    Reply::json(
        200,
        &json!({
            "data": slice,
            "info": {"per_page": per_page, "count": slice.len(), "page": page, "more_records": more},
        }),
    )
}
