//! Bulk Write: the upload endpoint (`/crm/v8/upload`, `feature: bulk-write`, `X-CRM-ORG`),
//! import jobs (`/crm/bulk/v8/write`) that apply each CSV row as the records API would
//! (mandatory fields, duplicates, lookups by `find_by`), and the per-row result file served
//! from a download path as Zoho's download servers do.

use std::io::Read;
use std::time::Instant;

use serde_json::{Map, Value, json};

use crate::bulk::{cell, ranged_file, state_at, zip};
use crate::reply::Reply;
use crate::request::RecordedRequest;
use crate::state::State;
use crate::state::bulk::WriteJob;

const STATES: &[&str] = &["ADDED", "IN PROGRESS", "COMPLETED"];
/// Zoho's limits per uploaded file.
const MAX_ROWS: usize = 25_000;
const MAX_FILE_BYTES: usize = 25 * 1024 * 1024;
/// The org's id, as `/org` answers it.
pub(crate) const ZGID: &str = "700000010";

fn invalid(message: &str, details: Value) -> Reply {
    Reply::crm_error(400, "INVALID_DATA", message, details)
}

/// `POST /crm/v8/upload`.
pub(crate) fn upload(state: &mut State, request: &RecordedRequest) -> Reply {
    if request.header("feature") != Some("bulk-write") {
        return Reply::crm_error(
            400,
            "INVALID_REQUEST",
            "the feature header must be bulk-write",
            json!({"header": "feature"}),
        );
    }
    if request.header("x-crm-org") != Some(ZGID) {
        return Reply::crm_error(
            400,
            "INVALID_REQUEST",
            "X-CRM-ORG must be the org's zgid",
            json!({"header": "X-CRM-ORG"}),
        );
    }
    let parts = match crate::wire::form_parts(request) {
        Ok(parts) => parts,
        Err(reply) => return reply,
    };
    let Some(file) = parts.into_iter().find(|p| p.name == "file") else {
        return invalid("the file part is missing", json!({"param": "file"}));
    };
    if file.data.len() > MAX_FILE_BYTES {
        return Reply::crm_error(
            400,
            "FILE_SIZE_EXCEEDED",
            "the file exceeds 25 MB",
            json!({"limit": MAX_FILE_BYTES}),
        );
    }
    let (name, csv) = match unzip(&file.data) {
        Ok(entry) => entry,
        Err(reason) => return invalid(&reason, json!({"param": "file"})),
    };
    let rows = csv.iter().filter(|b| **b == b'\n').count();
    if rows > MAX_ROWS + 1 {
        return invalid("a file holds at most 25,000 records", json!({"limit": MAX_ROWS}));
    }
    let id = state.new_id();
    state.bulk.uploads.insert(id.clone(), (name, csv));
    Reply::json(
        200,
        &json!({"status": "success", "code": "FILE_UPLOAD_SUCCESS", "message": "file uploaded.", "details": {"file_id": id, "created_time": state.clock.now()}}),
    )
}

/// The one CSV of an uploaded ZIP.
fn unzip(bytes: &[u8]) -> Result<(String, Vec<u8>), String> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| format!("the file is not a ZIP: {e}"))?;
    if archive.len() != 1 {
        return Err("the ZIP must hold exactly one CSV".into());
    }
    let mut entry = archive.by_index(0).map_err(|e| format!("the ZIP is damaged: {e}"))?;
    if !entry.name().to_ascii_lowercase().ends_with(".csv") {
        return Err("the ZIP must hold a CSV file".into());
    }
    let name = entry.name().to_owned();
    let mut csv = Vec::new();
    entry
        .read_to_end(&mut csv)
        .map_err(|e| format!("the ZIP is damaged: {e}"))?;
    Ok((name, csv))
}

/// Routes `/crm/bulk/v8/write...`.
pub(crate) fn route(state: &mut State, request: &RecordedRequest, rest: &[&str]) -> Option<Reply> {
    Some(match (request.method.as_str(), rest) {
        ("POST", []) => create(state, request),
        ("GET", [job]) => details(state, job),
        _ => return None,
    })
}

/// `GET /v2/crm/{zgid}/bulk-write/{job}/{job}.zip`: the result file.
pub(crate) fn download(state: &mut State, request: &RecordedRequest, zgid: &str, job: &str, file: &str) -> Reply {
    let found = state.bulk.write_jobs.get(job);
    let Some(found) = found.filter(|_| zgid == ZGID && file == format!("{job}.zip")) else {
        return Reply::crm_error(404, "RESOURCE_NOT_FOUND", "no such file", json!({}));
    };
    if state_at(found.created, state.bulk.step, STATES) != "COMPLETED" {
        return Reply::crm_error(404, "RESOURCE_NOT_FOUND", "the result is not ready", json!({}));
    }
    ranged_file(request, file, &found.result_zip)
}

fn create(state: &mut State, request: &RecordedRequest) -> Reply {
    let body = request.json();
    let operation = body
        .get("operation")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !matches!(operation.as_str(), "insert" | "update" | "upsert") {
        return invalid(
            "operation must be insert, update or upsert",
            json!({"api_name": "operation"}),
        );
    }
    let Some(resource) = body
        .get("resource")
        .and_then(Value::as_array)
        .and_then(|r| r.first())
        .and_then(Value::as_object)
    else {
        return invalid("resource is missing", json!({"api_name": "resource"}));
    };
    let module = resource
        .get("module")
        .and_then(|m| m.get("api_name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !state.crm.modules.contains_key(&module) {
        return invalid(
            "the module name given seems to be invalid",
            json!({"api_name": "module"}),
        );
    }
    let file_id = resource.get("file_id").and_then(Value::as_str).unwrap_or_default();
    let Some((file_name, csv)) = state.bulk.uploads.get(file_id).cloned() else {
        return invalid("the file_id is invalid", json!({"api_name": "file_id"}));
    };
    let find_by = resource.get("find_by").and_then(Value::as_str).map(str::to_owned);
    if operation != "insert" && find_by.is_none() {
        return Reply::crm_error(
            400,
            "MANDATORY_NOT_FOUND",
            "find_by is required for update and upsert",
            json!({"api_name": "find_by"}),
        );
    }

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.as_slice());
    let mut rows = reader.records();
    let header: Vec<String> = match rows.next() {
        Some(Ok(header)) => header.iter().map(str::to_owned).collect(),
        _ => return invalid("the file has no header row", json!({"api_name": "file_id"})),
    };
    // Column index -> field, from the mappings or else the header's API names.
    let mappings: Vec<(usize, String)> = match resource.get("field_mappings").and_then(Value::as_array) {
        Some(list) => list
            .iter()
            .filter_map(|m| {
                Some((
                    m.get("index")?.as_u64()? as usize,
                    m.get("api_name")?.as_str()?.to_owned(),
                ))
            })
            .collect(),
        None => header.iter().enumerate().map(|(i, h)| (i, h.clone())).collect(),
    };
    let shown: Vec<usize> = mappings.iter().map(|(i, _)| *i).take(3).collect();
    let mut result = String::new();
    let mut result_header: Vec<String> = shown
        .iter()
        .map(|i| cell(header.get(*i).map(|h| json!(h)).as_ref()))
        .collect();
    result_header.extend(["STATUS", "RECORD_ID", "ERRORS"].map(str::to_owned));
    result.push_str(&result_header.join(","));
    result.push('\n');
    let (mut added, mut updated, mut skipped) = (0, 0, 0);
    for (index, row) in rows.enumerate() {
        let Ok(row) = row else {
            skipped += 1;
            continue;
        };
        let mut record = Map::new();
        for (column, field) in &mappings {
            let value = row.get(*column).unwrap_or_default();
            if value.is_empty() {
                continue;
            }
            match field.split_once('.') {
                Some((lookup, "id")) => record.insert(lookup.to_owned(), json!({"id": value})),
                _ => record.insert(field.clone(), json!(value)),
            };
        }
        let existing = find_by.as_ref().and_then(|field| {
            let wanted = record.get(field.as_str())?.as_str()?.to_owned();
            state.crm.modules[&module]
                .records
                .iter()
                .find(|r| r.get(field.as_str()).and_then(Value::as_str) == Some(wanted.as_str()))
                .and_then(|r| r.get("id").and_then(Value::as_str).map(str::to_owned))
        });
        let (status, entry) = match (operation.as_str(), existing) {
            ("update" | "upsert", Some(id)) => {
                let mut values = record.clone();
                values.remove("id");
                (
                    "updated",
                    crate::records::apply_update(state, &module, &id, index, &Value::Object(values)),
                )
            }
            ("update", None) => (
                "skipped",
                json!({"status": "error", "code": "RESOURCE_NOT_FOUND", "details": {"api_name": find_by}}),
            ),
            _ => (
                "added",
                crate::records::add_record(state, &module, index, &Value::Object(record)),
            ),
        };
        let mut cells: Vec<String> = shown
            .iter()
            .map(|i| cell(row.get(*i).map(|v| json!(v)).as_ref()))
            .collect();
        if entry["status"] == "success" {
            match status {
                "updated" => updated += 1,
                _ => added += 1,
            }
            cells.push(status.to_owned());
            cells.push(cell(entry["details"].get("id")));
            cells.push(String::new());
        } else {
            skipped += 1;
            let code = entry["code"].as_str().unwrap_or("INVALID_DATA");
            let field = entry["details"]["api_name"].as_str().unwrap_or_default();
            cells.push("skipped".into());
            cells.push(String::new());
            cells.push(cell(Some(&json!(format!("{code}-{field}")))));
        }
        result.push_str(&cells.join(","));
        result.push('\n');
    }

    let id = state.new_id();
    let created_time = state.clock.now();
    let job = WriteJob {
        id: id.clone(),
        created: Instant::now(),
        created_time,
        operation,
        module,
        file_name,
        field_mappings: resource.get("field_mappings").cloned().unwrap_or(Value::Null),
        added,
        updated,
        skipped,
        result_zip: zip(&format!("{id}.csv"), result.as_bytes()),
    };
    state.bulk.write_jobs.insert(id.clone(), job);
    Reply::json(
        201,
        &json!({"status": "success", "code": "SUCCESS", "message": "success", "details": {"id": id, "created_by": state.crm.user}}),
    )
}

fn details(state: &State, job: &str) -> Reply {
    let Some(found) = state.bulk.write_jobs.get(job) else {
        return Reply::crm_error(
            404,
            "RESOURCE_NOT_FOUND",
            "the requested job was not found",
            json!({"id": job}),
        );
    };
    let status = state_at(found.created, state.bulk.step, STATES);
    let mut file = json!({"status": status, "name": found.file_name});
    let mut answer = json!({
        "status": status,
        "character_encoding": "UTF-8",
        "id": found.id,
        "operation": found.operation,
        "created_by": state.crm.user,
        "created_time": found.created_time,
    });
    if status == "COMPLETED" {
        file["added_count"] = json!(found.added);
        file["updated_count"] = json!(found.updated);
        file["skipped_count"] = json!(found.skipped);
        file["total_count"] = json!(found.added + found.updated + found.skipped);
        answer["result"] = json!({
            "download_url": format!("{}/v2/crm/{ZGID}/bulk-write/{}/{}.zip", state.base_url, found.id, found.id),
        });
    }
    answer["resource"] = json!([{
        "status": status,
        "type": "data",
        "module": {"api_name": found.module},
        "field_mappings": found.field_mappings,
        "file": file,
    }]);
    Reply::json(200, &answer)
}
