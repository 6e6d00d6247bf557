//! Notes (`/{module}/{id}/Notes`, `/Notes` and `/Notes/{id}`): notes listed with the `fields`
//! Zoho requires, newest first, paged by number; notes added under a record that exists, with
//! `Note_Content` mandatory, either under the record's path or through `POST /Notes` with a
//! `Parent_Id` (the operation Zoho's OAS `notes.json` and its SDKs use); edited and deleted by
//! their own id, one at a time or several (`PUT /Notes`, `DELETE /Notes?ids=`).

use serde_json::{Map, Value, json};

use crate::records::{invalid_id, success_entry, write_payload, write_status};
use crate::reply::Reply;
use crate::request::RecordedRequest;
use crate::state::State;

const MAX_PER_PAGE: usize = 200;

/// Routes the notes endpoints; `None` for any other path.
pub(crate) fn route(state: &mut State, request: &RecordedRequest, rest: &[&str]) -> Option<Reply> {
    let reply = match (request.method.as_str(), rest) {
        ("GET", [module, id, "Notes"]) => with_record(state, module, id, |s| list(s, module, id, request)),
        ("POST", [module, id, "Notes"]) => with_record(state, module, id, |s| create(s, Some((module, id)), request)),
        ("POST", ["Notes"]) => create(state, None, request),
        ("GET", ["Notes"]) => list_all(state, request),
        ("GET", ["Notes", note_id]) => get_one(state, note_id, request),
        ("PUT", ["Notes"]) => update_many(state, request),
        ("PUT", ["Notes", note_id]) => update(state, note_id, request),
        ("DELETE", ["Notes"]) => delete_many(state, request),
        ("DELETE", ["Notes", note_id]) => delete(state, note_id),
        _ => return None,
    };
    Some(reply)
}

/// Runs `handler` when `module` exists and holds the record `id`; Zoho's errors otherwise.
fn with_record(state: &mut State, module: &str, id: &str, handler: impl FnOnce(&mut State) -> Reply) -> Reply {
    match state.crm.modules.get(module) {
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
    page_of_notes(state, request, |note| parent_matches(note, module, id))
}

/// One page of the notes `keep` accepts, newest first, with the `fields` Zoho requires.
fn page_of_notes(state: &State, request: &RecordedRequest, keep: impl Fn(&Map<String, Value>) -> bool) -> Reply {
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
    let notes: Vec<&Map<String, Value>> = state.crm.notes.iter().rev().filter(|note| keep(note)).collect();
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

/// The record a `POST /Notes` entry names in `Parent_Id`, which must exist.
fn parent_of(state: &State, entry: &Value, index: usize) -> Result<(String, String), Value> {
    let parent = &entry["Parent_Id"];
    let module = parent["module"]["api_name"].as_str();
    // A long: a JSON number (Zoho's SDKs) or digits.
    let id = match &parent["id"] {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    };
    let (Some(module), Some(id)) = (module, id) else {
        return Err(
            json!({"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "Parent_Id", "json_path": format!("$.data[{index}].Parent_Id")}, "message": "required field not found", "status": "error"}),
        );
    };
    match state.crm.modules.get(module) {
        Some(stored) if stored.position(&id).is_some() => Ok((module.to_owned(), id)),
        // As for any lookup naming no record: the id is invalid, and which one is said.
        _ => Err(
            json!({"code": "INVALID_DATA", "details": {"api_name": "Parent_Id", "json_path": format!("$.data[{index}].Parent_Id.id")}, "message": "the id given seems to be invalid", "status": "error"}),
        ),
    }
}

/// Adds notes under `parent`, or under each entry's `Parent_Id` when there is none.
fn create(state: &mut State, parent: Option<(&str, &str)>, request: &RecordedRequest) -> Reply {
    let data = match write_payload(request) {
        Ok(data) => data,
        Err(reply) => return reply,
    };
    let mut entries = Vec::with_capacity(data.len());
    for (index, entry) in data.iter().enumerate() {
        let owner = match parent {
            Some((module, id)) => Ok((module.to_owned(), id.to_owned())),
            None => parent_of(state, entry, index),
        };
        let (module, id) = match owner {
            Ok(owner) => owner,
            Err(error) => {
                entries.push(error);
                continue;
            }
        };
        match note_values(entry, index, true) {
            Err(error) => entries.push(error),
            Ok(mut note) => {
                let note_id = state.new_id();
                let now = state.clock.now();
                let user = state.crm.user.clone();
                note.insert("id".into(), json!(note_id));
                note.insert("Parent_Id".into(), json!({"module": {"api_name": module}, "id": id}));
                note.insert("Owner".into(), user.clone());
                note.insert("Created_By".into(), user.clone());
                note.insert("Modified_By".into(), user);
                note.insert("Created_Time".into(), json!(now));
                note.insert("Modified_Time".into(), json!(now));
                entries.push(success_entry(&note, "record added"));
                state.crm.notes.push(note);
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
    let user = state.crm.user.clone();
    let Some(note) = state.crm.notes.iter_mut().find(|n| n["id"] == json!(note_id)) else {
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

/// `GET /Notes`: every note (or those in `ids`), newest first, with the `fields` asked for.
fn list_all(state: &State, request: &RecordedRequest) -> Reply {
    let wanted: Option<Vec<&str>> = request.query_param("ids").map(|ids| ids.split(',').collect());
    page_of_notes(state, request, |note| {
        wanted
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|id| note["id"] == json!(id)))
    })
}

/// `GET /Notes/{id}`.
fn get_one(state: &State, note_id: &str, request: &RecordedRequest) -> Reply {
    let fields: Option<Vec<String>> = request
        .query_param("fields")
        .map(|f| f.split(',').map(str::to_owned).collect());
    match state.crm.notes.iter().find(|n| n["id"] == json!(note_id)) {
        Some(note) => Reply::json(200, &json!({"data": [crate::wire::project(note, fields.as_deref())]})),
        None => Reply::no_content(),
    }
}

/// `PUT /Notes`: each entry names its note by `id`.
fn update_many(state: &mut State, request: &RecordedRequest) -> Reply {
    let data = match write_payload(request) {
        Ok(data) => data,
        Err(reply) => return reply,
    };
    let now = state.clock.now();
    let user = state.crm.user.clone();
    let mut entries = Vec::with_capacity(data.len());
    for (index, entry) in data.iter().enumerate() {
        let Some(note_id) = entry["id"].as_str() else {
            entries.push(
                json!({"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "id", "json_path": format!("$.data[{index}].id")}, "message": "required field not found", "status": "error"}),
            );
            continue;
        };
        let Some(note) = state.crm.notes.iter_mut().find(|n| n["id"] == json!(note_id)) else {
            entries.push(invalid_id(note_id));
            continue;
        };
        match note_values(entry, index, false) {
            Err(error) => entries.push(error),
            Ok(values) => {
                note.extend(values);
                note.insert("Modified_Time".into(), json!(now));
                note.insert("Modified_By".into(), user.clone());
                entries.push(success_entry(note, "record updated"));
            }
        }
    }
    Reply::json(write_status(&entries, 200), &json!({"data": entries}))
}

/// `DELETE /Notes?ids=`.
fn delete_many(state: &mut State, request: &RecordedRequest) -> Reply {
    let ids = match crate::wire::required_param(request, "ids") {
        Ok(value) => value,
        Err(reply) => return reply,
    };
    let entries: Vec<Value> = ids
        .split(',')
        .map(|note_id| match state.crm.notes.iter().position(|n| n["id"] == json!(note_id)) {
            None => invalid_id(note_id),
            Some(position) => {
                state.crm.notes.remove(position);
                json!({"code": "SUCCESS", "details": {"id": note_id}, "message": "record deleted", "status": "success"})
            }
        })
        .collect();
    Reply::json(write_status(&entries, 200), &json!({"data": entries}))
}

fn delete(state: &mut State, note_id: &str) -> Reply {
    match state.crm.notes.iter().position(|n| n["id"] == json!(note_id)) {
        None => Reply::json(400, &json!({"data": [invalid_id(note_id)]})),
        Some(position) => {
            state.crm.notes.remove(position);
            Reply::json(
                200,
                &json!({"data": [{"code": "SUCCESS", "details": {"id": note_id}, "message": "record deleted", "status": "success"}]}),
            )
        }
    }
}
