//! Notes (`/{module}/{id}/Notes` and `/Notes/{id}`): a record's notes listed with the `fields`
//! Zoho requires, newest first, paged by number; notes added under a record that exists, with
//! `Note_Content` mandatory; edited and deleted by their own id.

use serde_json::{Map, Value, json};

use crate::records::{invalid_id, success_entry, write_payload, write_status};
use crate::{RecordedRequest, Reply, State};

const MAX_PER_PAGE: usize = 200;

/// Routes the notes endpoints; `None` for any other path.
pub(crate) fn route(state: &mut State, request: &RecordedRequest, rest: &[&str]) -> Option<Reply> {
    let reply = match (request.method.as_str(), rest) {
        ("GET", [module, id, "Notes"]) => with_record(state, module, id, |s| list(s, module, id, request)),
        ("POST", [module, id, "Notes"]) => with_record(state, module, id, |s| create(s, module, id, request)),
        ("PUT", ["Notes", note_id]) => update(state, note_id, request),
        ("DELETE", ["Notes", note_id]) => delete(state, note_id),
        _ => return None,
    };
    Some(reply)
}

/// Runs `handler` when `module` exists and holds the record `id`; Zoho's errors otherwise.
fn with_record(state: &mut State, module: &str, id: &str, handler: impl FnOnce(&mut State) -> Reply) -> Reply {
    match state.modules.get(module) {
        None => Reply::crm_error(
            400,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            json!({"resource_path_index": 0}),
        ),
        Some(stored) if stored.position(id).is_none() => Reply::json(400, &invalid_id(id)),
        Some(_) => handler(state),
    }
}

fn parent_matches(note: &Map<String, Value>, module: &str, id: &str) -> bool {
    note["Parent_Id"]["id"] == json!(id) && note["Parent_Id"]["module"]["api_name"] == json!(module)
}

fn list(state: &State, module: &str, id: &str, request: &RecordedRequest) -> Reply {
    let fields = match crate::wire::required_param(request, "fields") {
        Ok(value) => value,
        Err(reply) => return reply,
    };
    let fields: Vec<String> = fields.split(',').map(str::to_owned).collect();
    let (page, per_page) = match crate::wire::page_params(request, MAX_PER_PAGE) {
        Ok(params) => params,
        Err(reply) => return reply,
    };
    // Newest first; notes are stored in creation order.
    let notes: Vec<&Map<String, Value>> = state
        .notes
        .iter()
        .rev()
        .filter(|note| parent_matches(note, module, id))
        .collect();
    let start = (page - 1).saturating_mul(per_page);
    let slice: Vec<Value> = notes
        .iter()
        .skip(start)
        .take(per_page)
        .map(|note| crate::wire::project(note, Some(&fields)))
        .collect();
    if slice.is_empty() {
        return Reply::no_content();
    }
    let more = start + slice.len() < notes.len();
    Reply::json(
        200,
        &json!({"data": slice, "info": {"per_page": per_page, "count": slice.len(), "page": page, "more_records": more}}),
    )
}

/// The `Note_Content` / `Note_Title` of one entry, or its error entry.
fn note_values(entry: &Value, index: usize, creating: bool) -> Result<Map<String, Value>, Value> {
    let Some(given) = entry.as_object() else {
        return Err(
            json!({"code": "INVALID_DATA", "details": {"json_path": format!("$.data[{index}]")}, "message": "invalid data", "status": "error"}),
        );
    };
    let mut values = Map::new();
    for (key, value) in given {
        match (key.as_str(), value) {
            ("Note_Title" | "Note_Content", Value::String(_)) => {
                values.insert(key.clone(), value.clone());
            }
            ("Note_Title" | "Note_Content", _) => {
                return Err(
                    json!({"code": "INVALID_DATA", "details": {"api_name": key, "json_path": format!("$.data[{index}].{key}"), "expected_data_type": "text"}, "message": "invalid data", "status": "error"}),
                );
            }
            _ => {}
        }
    }
    let content_missing = values
        .get("Note_Content")
        .and_then(Value::as_str)
        .is_none_or(|c| c.trim().is_empty());
    if creating && content_missing {
        return Err(
            json!({"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "Note_Content", "json_path": format!("$.data[{index}].Note_Content")}, "message": "required field not found", "status": "error"}),
        );
    }
    Ok(values)
}

fn create(state: &mut State, module: &str, id: &str, request: &RecordedRequest) -> Reply {
    let data = match write_payload(request) {
        Ok(data) => data,
        Err(reply) => return reply,
    };
    let mut entries = Vec::with_capacity(data.len());
    for (index, entry) in data.iter().enumerate() {
        match note_values(entry, index, true) {
            Err(error) => entries.push(error),
            Ok(mut note) => {
                let note_id = state.new_id();
                let now = state.clock.now();
                let user = state.user.clone();
                note.insert("id".into(), json!(note_id));
                note.insert("Parent_Id".into(), json!({"module": {"api_name": module}, "id": id}));
                note.insert("Owner".into(), user.clone());
                note.insert("Created_By".into(), user.clone());
                note.insert("Modified_By".into(), user);
                note.insert("Created_Time".into(), json!(now));
                note.insert("Modified_Time".into(), json!(now));
                entries.push(success_entry(&note, "record added"));
                state.notes.push(note);
            }
        }
    }
    Reply::json(write_status(&entries, 201), &json!({"data": entries}))
}

fn update(state: &mut State, note_id: &str, request: &RecordedRequest) -> Reply {
    let data = match write_payload(request) {
        Ok(data) => data,
        Err(reply) => return reply,
    };
    let Some(entry) = data.first() else {
        return Reply::crm_error(400, "INVALID_DATA", "invalid data", json!({"json_path": "$.data"}));
    };
    let now = state.clock.now();
    let user = state.user.clone();
    let Some(note) = state.notes.iter_mut().find(|n| n["id"] == json!(note_id)) else {
        return Reply::json(400, &json!({"data": [invalid_id(note_id)]}));
    };
    let entry = match note_values(entry, 0, false) {
        Err(error) => return Reply::json(400, &json!({"data": [error]})),
        Ok(values) => {
            note.extend(values);
            note.insert("Modified_Time".into(), json!(now));
            note.insert("Modified_By".into(), user);
            success_entry(note, "record updated")
        }
    };
    Reply::json(200, &json!({"data": [entry]}))
}

fn delete(state: &mut State, note_id: &str) -> Reply {
    match state.notes.iter().position(|n| n["id"] == json!(note_id)) {
        None => Reply::json(400, &json!({"data": [invalid_id(note_id)]})),
        Some(position) => {
            state.notes.remove(position);
            Reply::json(
                200,
                &json!({"data": [{"code": "SUCCESS", "details": {"id": note_id}, "message": "record deleted", "status": "success"}]}),
            )
        }
    }
}
