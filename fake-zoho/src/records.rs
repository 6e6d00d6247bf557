//! Writing records as the CRM API does, shared by every route that writes: the payload and
//! its limits, Zoho's checks on values (mandatory field, email, duplicates), storing with
//! system fields, and the per-record result entries and overall status.

use serde_json::{Map, Value, json};

use crate::reply::Reply;
use crate::request::RecordedRequest;
use crate::state::State;

/// Zoho's limit on records in one write.
pub(crate) const MAX_RECORDS_PER_WRITE: usize = 100;

/// Inserts a record as Zoho would store it and returns its id.
pub(crate) fn insert(state: &mut State, module: &str, mut fields: Map<String, Value>) -> String {
    let id = state.new_id();
    let now = state.clock.now();
    let user = state.crm.user.clone();
    fields.insert("id".into(), json!(id));
    fields.insert("Created_Time".into(), json!(now));
    fields.insert("Modified_Time".into(), json!(now));
    fields.entry("Owner").or_insert_with(|| user.clone());
    fields.insert("Created_By".into(), user.clone());
    fields.insert("Modified_By".into(), user);
    if let Some(m) = state.crm.modules.get_mut(module) {
        m.push(fields);
    }
    id
}

pub(crate) fn invalid_id(id: &str) -> Value {
    json!({"code": "INVALID_DATA", "details": {"id": id}, "message": "the id given seems to be invalid", "status": "error"})
}

/// Reads `{"data": [...]}` of a write, enforcing Zoho's shape and per-call limit.
pub(crate) fn write_payload(request: &RecordedRequest) -> Result<Vec<Value>, Reply> {
    let body: Value = serde_json::from_slice(&request.body)
        .map_err(|_| Reply::crm_error(400, "INVALID_DATA", "body is not valid JSON", json!({})))?;
    let data = body.get("data").and_then(Value::as_array).ok_or_else(|| {
        Reply::crm_error(
            400,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            json!({"param_name": "data"}),
        )
    })?;
    if data.len() > MAX_RECORDS_PER_WRITE {
        return Err(Reply::crm_error(
            400,
            "LIMIT_EXCEEDED",
            "the number of records exceeds the limit",
            json!({"limit": MAX_RECORDS_PER_WRITE}),
        ));
    }
    if let Some(trigger) = body.get("trigger")
        && !trigger.as_array().is_some_and(|t| {
            t.iter().all(|v| {
                matches!(
                    v.as_str(),
                    Some("workflow" | "approval" | "blueprint" | "pathfinder" | "orchestration")
                )
            })
        })
    {
        return Err(Reply::crm_error(
            400,
            "INVALID_DATA",
            "invalid data",
            json!({"api_name": "trigger", "json_path": "$.trigger"}),
        ));
    }
    Ok(data.clone())
}

/// Checks one record's values the way Zoho does on insert/update.
fn check_values(
    state: &State,
    module: &str,
    index: usize,
    record: &Value,
    creating: bool,
    own_id: Option<&str>,
) -> Result<Map<String, Value>, Value> {
    let Some(fields) = record.as_object() else {
        return Err(
            json!({"code": "INVALID_DATA", "details": {"json_path": format!("$.data[{index}]")}, "message": "invalid data", "status": "error"}),
        );
    };
    let mandatory = &state.crm.modules[module].mandatory;
    let blank = |v: Option<&Value>| v.is_none_or(|v| v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()));
    if (creating && blank(fields.get(mandatory)))
        || (!creating && fields.contains_key(mandatory) && blank(fields.get(mandatory)))
    {
        return Err(
            json!({"code": "MANDATORY_NOT_FOUND", "details": {"api_name": mandatory, "json_path": format!("$.data[{index}].{mandatory}")}, "message": "required field not found", "status": "error"}),
        );
    }
    if let Some(email) = fields.get("Email").filter(|e| !e.is_null()) {
        let valid = email
            .as_str()
            .is_some_and(|e| e.split_once('@').is_some_and(|(u, d)| !u.is_empty() && d.contains('.')));
        if !valid {
            return Err(
                json!({"code": "INVALID_DATA", "details": {"expected_data_type": "email", "api_name": "Email", "json_path": format!("$.data[{index}].Email")}, "message": "invalid data", "status": "error"}),
            );
        }
    }
    if let Some(unique) = State::unique_field(module)
        && let Some(value) = fields.get(unique).filter(|v| !v.is_null())
        && let Some(existing) = state.crm.modules[module]
            .records
            .iter()
            .find(|r| r.get(unique) == Some(value) && r.get("id").and_then(Value::as_str) != own_id)
    {
        return Err(
            json!({"code": "DUPLICATE_DATA", "details": {"api_name": unique, "json_path": format!("$.data[{index}].{unique}"), "duplicate_record": {"id": existing.get("id"), "module": {"api_name": module}}}, "message": "duplicate data", "status": "error"}),
        );
    }
    let mut fields = fields.clone();
    for system in ["id", "Created_Time", "Modified_Time", "Created_By", "Modified_By"] {
        fields.remove(system);
    }
    Ok(fields)
}

/// 201 when every record was added, 400 when none was, 207 when some were.
pub(crate) fn write_status(entries: &[Value], success_status: u16) -> u16 {
    let ok = entries.iter().filter(|e| e["status"] == "success").count();
    match ok {
        n if n == entries.len() => success_status,
        0 => 400,
        _ => 207,
    }
}

pub(crate) fn success_entry(record: &Map<String, Value>, message: &str) -> Value {
    let pick = |k: &str| record.get(k).cloned().unwrap_or(Value::Null);
    json!({
        "code": "SUCCESS",
        "details": {
            "Modified_Time": pick("Modified_Time"),
            "Modified_By": pick("Modified_By"),
            "Created_Time": pick("Created_Time"),
            "id": pick("id"),
            "Created_By": pick("Created_By"),
        },
        "message": message,
        "status": "success",
    })
}

/// Checks one record as Zoho does on insert, stores it, and returns its result entry.
pub(crate) fn add_record(state: &mut State, module: &str, index: usize, record: &Value) -> Value {
    match check_values(state, module, index, record, true, None) {
        Ok(fields) => {
            let id = insert(state, module, fields);
            let stored = state.crm.modules[module].get(&id).cloned().unwrap_or_default();
            success_entry(&stored, "record added")
        }
        Err(entry) => entry,
    }
}

/// A user's edit: new values, `Modified_Time` now, watchers notified. False if no such record.
pub(crate) fn edit(state: &mut State, module: &str, id: &str, values: Map<String, Value>) -> bool {
    let now = state.clock.now();
    let user = state.crm.user.clone();
    let changed: Vec<String> = values.keys().cloned().collect();
    let mut values = values;
    values.insert("Modified_Time".into(), json!(now));
    values.insert("Modified_By".into(), user);
    if state
        .crm
        .modules
        .get_mut(module)
        .and_then(|m| m.extend(m.position(id)?, values))
        .is_none()
    {
        return false;
    }
    crate::watch::notify(state, module, "update", &[id.to_owned()], &changed);
    true
}

/// Applies one record's update and returns its result entry.
pub(crate) fn apply_update(state: &mut State, module: &str, id: &str, index: usize, record: &Value) -> Value {
    let Some(position) = state.crm.modules[module].position(id) else {
        return invalid_id(id);
    };
    match check_values(state, module, index, record, false, Some(id)) {
        Ok(fields) => {
            let mut fields = fields;
            fields.insert("Modified_Time".into(), json!(state.clock.now()));
            fields.insert("Modified_By".into(), state.crm.user.clone());
            let Some(stored) = state
                .crm
                .modules
                .get_mut(module)
                .and_then(|m| m.extend(position, fields))
            else {
                return invalid_id(id);
            };
            success_entry(stored, "record updated")
        }
        Err(entry) => entry,
    }
}
