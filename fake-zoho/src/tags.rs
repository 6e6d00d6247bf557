//! Tags: a module's tags (`GET /settings/tags?module=`) and tags on records
//! (`POST /{module}/actions/add_tags` with `{"tags", "ids", "over_write"}`, and `remove_tags`),
//! kept on each record as its `Tag` field. Zoho's limits: 100 records per request, 10 tags on a
//! record, 25 characters in a tag name.

use serde_json::{Map, Value, json};

use crate::records::invalid_id;
use crate::reply::Reply;
use crate::request::RecordedRequest;
use crate::state::State;

const MAX_IDS: usize = 100;
const MAX_TAGS_PER_RECORD: usize = 10;
const MAX_NAME_CHARS: usize = 25;

pub(crate) fn route(state: &mut State, request: &RecordedRequest, rest: &[&str]) -> Option<Reply> {
    let reply = match (request.method.as_str(), rest) {
        ("GET", ["settings", "tags"]) => list(state, request),
        ("POST", [module, "actions", "add_tags"]) => change(state, module, None, request, true),
        ("POST", [module, "actions", "remove_tags"]) => change(state, module, None, request, false),
        // One record, named in the path (OAS tags.json; what Zoho's SDKs call).
        ("POST", [module, id, "actions", "add_tags"]) => change(state, module, Some(id), request, true),
        ("POST", [module, id, "actions", "remove_tags"]) => change(state, module, Some(id), request, false),
        _ => return None,
    };
    Some(reply)
}

fn invalid_module() -> Reply {
    Reply::crm_error(
        400,
        "INVALID_MODULE",
        "the module name given seems to be invalid",
        json!({"resource_path_index": 0}),
    )
}

fn list(state: &State, request: &RecordedRequest) -> Reply {
    let module = match crate::wire::required_param(request, "module") {
        Ok(value) => value,
        Err(reply) => return reply,
    };
    if !state.crm.modules.contains_key(module) {
        return invalid_module();
    }
    let tags = state.crm.tags.get(module).cloned().unwrap_or_default();
    if tags.is_empty() {
        return Reply::no_content();
    }
    Reply::json(
        200,
        &json!({"tags": tags, "info": {"count": tags.len(), "allowed_count": 1000}}),
    )
}

fn change(state: &mut State, module: &str, record: Option<&str>, request: &RecordedRequest, adding: bool) -> Reply {
    if !state.crm.modules.contains_key(module) {
        return invalid_module();
    }
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    // Ids are longs: as JSON numbers or digit strings.
    let ids: Vec<String> = match record {
        Some(id) => vec![id.to_owned()],
        None => body["ids"]
            .as_array()
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| match id {
                        Value::String(text) => Some(text.clone()),
                        Value::Number(number) => Some(number.to_string()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    let names = tag_names(&body["tags"]);
    if ids.is_empty() || names.is_empty() {
        let missing = if ids.is_empty() { "ids" } else { "tags" };
        return Reply::crm_error(
            400,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            json!({"param_name": missing}),
        );
    }
    if ids.len() > MAX_IDS {
        return Reply::crm_error(
            400,
            "LIMIT_EXCEEDED",
            "the number of records exceeds the limit",
            json!({"limit": MAX_IDS, "api_name": "ids"}),
        );
    }
    if let Some(index) = names.iter().position(|n| n.chars().count() > MAX_NAME_CHARS) {
        return Reply::crm_error(
            400,
            "INVALID_DATA",
            "invalid data",
            json!({"api_name": "name", "json_path": format!("$.tags[{index}].name"), "maximum_length": MAX_NAME_CHARS}),
        );
    }
    // The v8 OAS (`tags.json`, add_tags) puts `over_write` in the body (its `required` list
    // names it, but Zoho's own Python SDK sends a body without it, so an absent one means
    // false) and publishes a query parameter of the same name: the body decides, else the query.
    let over_write = match &body["over_write"] {
        Value::Bool(over_write) => *over_write,
        _ => request.query_param("over_write") == Some("true"),
    };
    let mut entries = Vec::with_capacity(ids.len());
    for id in &ids {
        let Some(position) = state.crm.modules[module].position(id) else {
            entries.push(invalid_id(id));
            continue;
        };
        let current = tag_names(
            state.crm.modules[module].records[position]
                .get("Tag")
                .unwrap_or(&Value::Null),
        );
        let mut updated: Vec<String> = if adding && over_write { Vec::new() } else { current };
        if adding {
            for name in &names {
                if !updated.iter().any(|t| t.eq_ignore_ascii_case(name)) {
                    updated.push(name.clone());
                }
            }
        } else {
            updated.retain(|t| !names.iter().any(|n| n.eq_ignore_ascii_case(t)));
        }
        if updated.len() > MAX_TAGS_PER_RECORD {
            entries.push(json!({
                "code": "LIMIT_EXCEEDED",
                "details": {"id": id, "api_name": "tags", "limit": MAX_TAGS_PER_RECORD},
                "message": "the number of tags on a record exceeds the limit",
                "status": "error",
            }));
            continue;
        }
        let tag_values: Vec<Value> = updated.iter().map(|name| module_tag(state, module, name)).collect();
        if let Some(stored) = state.crm.modules.get_mut(module) {
            let mut values = Map::new();
            values.insert("Tag".into(), Value::Array(tag_values.clone()));
            stored.extend(position, values);
        }
        entries.push(json!({
            "code": "SUCCESS",
            "details": {"id": id, "tags": tag_values},
            "message": "tags updated successfully",
            "status": "success",
        }));
    }
    Reply::json(crate::records::write_status(&entries, 200), &json!({"data": entries}))
}

/// The names in a list of `{name, ...}` tags.
fn tag_names(tags: &Value) -> Vec<String> {
    tags.as_array()
        .map(|tags| {
            tags.iter()
                .filter_map(|t| t["name"].as_str())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The module's tag named `name` as `{name, id}`, created on first use.
fn module_tag(state: &mut State, module: &str, name: &str) -> Value {
    if let Some(tag) = state.crm.tags.get(module).and_then(|tags| {
        tags.iter()
            .find(|t| t["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
    }) {
        return json!({"name": tag["name"], "id": tag["id"]});
    }
    let id = state.new_id();
    let now = state.clock.now();
    let tag = json!({"id": id, "name": name, "color_code": null, "created_time": now, "created_by": state.crm.user});
    state.crm.tags.entry(module.to_owned()).or_default().push(tag);
    json!({"name": name, "id": id})
}
