//! Bulk Write: a zipped CSV is uploaded to Zoho's file host (`/crm/v8/upload` with
//! `feature: bulk-write` and the org's `X-CRM-ORG` id), `POST /crm/bulk/v8/write` starts an
//! insert, update or upsert job over it, `GET /write/{id}` follows it, and its result file
//! (every row with its status, record id and errors) is read a chunk at a time.

use http::Method;
use serde_json::{Map, Value, json};

use super::{callback, create_job, job_details, job_id, number, result_file, text};
use crate::shared::archive::chunks::{Chunk, Position};
use crate::shared::archive::zip;
use crate::shared::error::Error;
use crate::shared::host::UploadHost;
use crate::shared::plan::{self, CRM_BASE, PlanMeta, Query, Repeatable, RequiredScope};
use crate::shared::session::Session;
use crate::shared::wire::{self, Part};
use crate::shared::{validate, zoho};

const SCOPE: &str = "ZohoCRM.bulk.CREATE";
const UPLOAD_SCOPE: &str = "ZohoFiles.files.ALL";
/// Zoho's limits per uploaded CSV.
pub const MAX_ROWS_PER_FILE: usize = 25_000;
pub const MAX_FILE_BYTES: usize = 25 * 1024 * 1024;
/// Operations a job can run.
pub const OPERATIONS: &[&str] = &["insert", "update", "upsert"];

/// Rows as a CSV: columns are the keys in the order first seen; strings as they are, numbers
/// and booleans as JSON writes them, a lookup object by its `id`, a list of values (a
/// multi-select picklist) joined with `;`, null as an empty cell.
pub fn csv_from_records(records: &[Map<String, Value>]) -> Result<Vec<u8>, Error> {
    if records.is_empty() {
        return Err(Error::invalid("records", "needs at least one record"));
    }
    if records.len() > MAX_ROWS_PER_FILE {
        return Err(Error::invalid(
            "records",
            format!(
                "holds {} records; Zoho takes 25,000 per file (the bulk-write command splits larger files)",
                records.len()
            ),
        ));
    }
    let mut columns: Vec<&str> = Vec::new();
    for record in records {
        for key in record.keys() {
            if !columns.contains(&key.as_str()) {
                columns.push(key);
            }
        }
    }
    let mut csv = Vec::new();
    let header: Vec<String> = columns.iter().map(|c| csv_cell(c)).collect();
    csv.extend_from_slice(header.join(",").as_bytes());
    csv.extend_from_slice(b"\r\n");
    for (index, record) in records.iter().enumerate() {
        let mut cells = Vec::with_capacity(columns.len());
        for column in &columns {
            let cell = match record.get(*column) {
                None | Some(Value::Null) => String::new(),
                Some(value) => cell_text(value).ok_or_else(|| {
                    Error::invalid(
                        "records",
                        format!("must give record {index}'s {column} as text: it is an object without an id or a nested list"),
                    )
                })?,
            };
            cells.push(csv_cell(&cell));
        }
        csv.extend_from_slice(cells.join(",").as_bytes());
        csv.extend_from_slice(b"\r\n");
    }
    Ok(csv)
}

fn cell_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        Value::Object(object) => crate::crm::id_of(object.get("id")),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::Array(_) | Value::Object(_) => None,
                other => cell_text(other),
            })
            .collect::<Option<Vec<_>>>()
            .map(|parts| parts.join(";")),
        Value::Null => Some(String::new()),
    }
}

/// Quotes a cell when it holds a separator, quote, line break or edge space (RFC 4180).
fn csv_cell(text: &str) -> String {
    let needs_quotes = text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ');
    if needs_quotes {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The org's `zgid`, which the upload names in `X-CRM-ORG`.
fn org_zgid(session: &mut Session) -> Result<String, Error> {
    let plan = plan::request(
        Method::GET,
        plan::path(CRM_BASE, &["org"]),
        &Query::new(),
        None,
        PlanMeta {
            repeatable: Repeatable::Yes,
            scope: Some(RequiredScope("ZohoCRM.org.READ".into())),
        },
    )?;
    let response = session.send(&plan)?;
    if !response.status().is_success() {
        return Err(zoho::error_from_response(&response, plan.extensions().get()));
    }
    let answer = zoho::json_body(&response, "the organization")?;
    answer
        .get("org")
        .and_then(Value::as_array)
        .and_then(|orgs| orgs.first())
        .and_then(|org| crate::crm::id_of(org.get("zgid")))
        .ok_or_else(|| Error::decode("the organization answer has no zgid"))
}

/// An uploaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    pub file_id: String,
    pub created_time: Option<String>,
}

/// Uploads `data` (a CSV, zipped here, or a ZIP as it is) for a Bulk Write job. Never re-sent
/// after a lost answer: the job would have to name one of two files.
pub fn upload(session: &mut Session, file_name: &str, data: Vec<u8>) -> Result<Uploaded, Error> {
    if file_name.trim().is_empty() || file_name.chars().any(|c| c.is_control() || c == '/' || c == '\\') {
        return Err(Error::invalid(
            "fileName",
            "must be a file name without control characters or slashes",
        ));
    }
    if data.is_empty() {
        return Err(Error::invalid("file", "is empty"));
    }
    let stem = file_name
        .rsplit_once('.')
        .filter(|(stem, _)| !stem.is_empty())
        .map_or(file_name, |(stem, _)| stem);
    let zipped = if zip::is_zip(&data) {
        data
    } else {
        zip::single_entry(&format!("{stem}.csv"), &data)?
    };
    if zipped.len() > MAX_FILE_BYTES {
        return Err(Error::invalid(
            "file",
            format!(
                "is {} bytes zipped; Zoho takes files up to 25 MB (the bulk-write command splits larger files)",
                zipped.len()
            ),
        ));
    }
    let zgid = org_zgid(session)?;
    let (content_type, body) = wire::multipart(&[Part {
        name: "file".into(),
        file_name: Some(format!("{stem}.zip")),
        content_type: Some("application/zip".into()),
        data: zipped,
    }]);
    let mut plan = http::Request::builder()
        .method(Method::POST)
        .uri(plan::path(CRM_BASE, &["upload"]))
        .header(http::header::CONTENT_TYPE, content_type)
        .header("feature", "bulk-write")
        .header("X-CRM-ORG", zgid)
        .body(body)
        .map_err(|e| Error::invalid("fileName", format!("could not form the upload: {e}")))?;
    plan.extensions_mut().insert(Repeatable::No);
    plan.extensions_mut().insert(UploadHost);
    plan.extensions_mut().insert(RequiredScope(UPLOAD_SCOPE.into()));
    let response = session.send(&plan)?;
    if !response.status().is_success() {
        return Err(zoho::error_from_response(&response, plan.extensions().get()));
    }
    let answer = zoho::json_body(&response, "the upload result")?;
    let details = answer.get("details").unwrap_or(&answer);
    let file_id = crate::crm::id_of(details.get("file_id"))
        .ok_or_else(|| Error::decode("the upload result does not name the file_id"))?;
    Ok(Uploaded {
        file_id,
        created_time: details.get("created_time").and_then(Value::as_str).map(str::to_owned),
    })
}

/// What to import (`crmBulkWriteStart`'s inputs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteJob {
    pub operation: String,
    pub module: String,
    pub file_id: String,
    /// Zoho's `field_mappings` list, or an object of field API name to CSV column index.
    pub field_mappings: Option<Value>,
    /// The unique field (or `id`) that finds the records to update; update and upsert need it.
    pub find_by: Option<String>,
    pub callback_url: Option<String>,
    pub ignore_empty: Option<bool>,
}

fn field_mappings(value: &Value) -> Result<Vec<Value>, Error> {
    let invalid = |message: String| Error::invalid("fieldMappings", message);
    let mappings: Vec<Value> = match value {
        Value::Object(by_name) => by_name
            .iter()
            .map(|(api_name, index)| {
                let index = index
                    .as_u64()
                    .ok_or_else(|| invalid(format!("{api_name} must map to a column index (0 is the first)")))?;
                Ok(json!({ "api_name": api_name, "index": index }))
            })
            .collect::<Result<_, Error>>()?,
        Value::Array(list) => list.clone(),
        _ => {
            return Err(invalid(
                "must be a list of {api_name, index} or an object of API name to column index".into(),
            ));
        }
    };
    if mappings.is_empty() {
        return Err(invalid("map at least one column, or leave fieldMappings out".into()));
    }
    for mapping in &mappings {
        let api_name = mapping
            .get("api_name")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(format!("{mapping} needs an api_name")))?;
        validate::field_name("fieldMappings", api_name)?;
        let has_index = mapping.get("index").is_some_and(Value::is_u64);
        if !has_index && mapping.get("default_value").is_none() {
            return Err(invalid(format!("{api_name} needs a column index or a default_value")));
        }
    }
    Ok(mappings)
}

fn write_body(job: &WriteJob) -> Result<Value, Error> {
    if !OPERATIONS.contains(&job.operation.as_str()) {
        return Err(Error::invalid("operation", "must be insert, update or upsert"));
    }
    validate::module_name("recordType", &job.module)?;
    validate::record_id("fileId", &job.file_id)?;
    let mut resource = Map::new();
    resource.insert("type".into(), json!("data"));
    resource.insert("module".into(), json!({ "api_name": job.module }));
    resource.insert("file_id".into(), json!(job.file_id));
    match (&job.find_by, job.operation.as_str()) {
        (Some(field), "update" | "upsert") => {
            validate::field_name("findBy", field)?;
            resource.insert("find_by".into(), json!(field));
        }
        (None, "update" | "upsert") => {
            return Err(Error::invalid(
                "findBy",
                "is required for update and upsert: the unique field (or id) that finds each record",
            ));
        }
        (Some(_), _) => return Err(Error::invalid("findBy", "applies to update and upsert, not insert")),
        (None, _) => {}
    }
    if let Some(mappings) = &job.field_mappings {
        resource.insert("field_mappings".into(), Value::Array(field_mappings(mappings)?));
    }
    if let Some(ignore_empty) = job.ignore_empty {
        resource.insert("ignore_empty".into(), json!(ignore_empty));
    }
    let mut body = Map::new();
    body.insert("operation".into(), json!(job.operation));
    if let Some(callback) = callback("callbackUrl", job.callback_url.as_deref())? {
        body.insert("callback".into(), callback);
    }
    body.insert("resource".into(), json!([resource]));
    Ok(Value::Object(body))
}

/// Starts an import job; never re-sent after a lost answer (the rows would be written twice).
pub fn start(session: &mut Session, job: &WriteJob) -> Result<String, Error> {
    let body = write_body(job)?;
    let details = create_job(session, "write", &body, SCOPE)?;
    job_id(&details, "the Bulk Write answer")
}

/// Row counts of a job (or of one of its files).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub added: u64,
    pub updated: u64,
    pub skipped: u64,
    pub total: u64,
}

/// A job's state and counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub job_id: String,
    /// ADDED, IN PROGRESS, COMPLETED or FAILED, as Zoho names it.
    pub state: String,
    pub operation: Option<String>,
    pub module: Option<String>,
    pub counts: Counts,
    /// Where the per-row result file is, once the job is done.
    pub result_url: Option<String>,
    pub created_time: Option<String>,
}

/// The job's details (`GET /write/{id}`).
pub fn status(session: &mut Session, job: &str) -> Result<Status, Error> {
    let entry = job_details(session, "write", job, SCOPE)?;
    let entry = &entry;
    let count = |file: &Value, key: &str| number(file.get(key)).unwrap_or(0);
    let resources = entry
        .get("resource")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut counts = Counts::default();
    for resource in &resources {
        let file = resource.get("file").unwrap_or(&Value::Null);
        counts.added += count(file, "added_count");
        counts.updated += count(file, "updated_count");
        counts.skipped += count(file, "skipped_count");
        counts.total += count(file, "total_count");
    }
    let module = resources
        .first()
        .and_then(|r| r.get("module"))
        .and_then(|m| m.get("api_name").or(Some(m)))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(Status {
        job_id: job_id(entry, "the Bulk Write job")?,
        state: text(entry.get("status")).ok_or_else(|| Error::decode("the Bulk Write job has no status"))?,
        operation: text(entry.get("operation")),
        module,
        counts,
        result_url: text(entry.get("result").and_then(|r| r.get("download_url"))),
        created_time: text(entry.get("created_time")),
    })
}

/// One chunk of a finished job's per-row result file.
pub fn result(session: &mut Session, job: &str, position: Option<Position>, max_bytes: u32) -> Result<Chunk, Error> {
    let status = status(session, job)?;
    let Some(url) = status.result_url else {
        return Err(Error::invalid(
            "jobId",
            format!(
                "names job {job}, which is {}; its result file exists once it has completed",
                status.state
            ),
        ));
    };
    result_file::read(session, job, &url, position, max_bytes, SCOPE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(value: Value) -> Vec<Map<String, Value>> {
        value
            .as_array()
            .expect("array")
            .iter()
            .map(|r| r.as_object().expect("object").clone())
            .collect()
    }

    #[test]
    fn records_become_a_csv_with_every_column_and_quoting() {
        let csv = csv_from_records(&records(json!([
            {"Last_Name": "Doe, Jr.", "Email": "doe@example.com", "Annual_Revenue": 1200.5},
            {"Last_Name": "Say \"hi\"", "Account_Name": {"id": "4150868000000624001"}, "Tags_List": ["a", "b"], "Email": null}
        ])))
        .expect("valid");
        let text = String::from_utf8(csv).expect("utf-8");
        assert_eq!(
            text,
            "Last_Name,Email,Annual_Revenue,Account_Name,Tags_List\r\n\
             \"Doe, Jr.\",doe@example.com,1200.5,,\r\n\
             \"Say \"\"hi\"\"\",,,4150868000000624001,a;b\r\n"
        );
        assert!(csv_from_records(&[]).is_err());
        assert!(csv_from_records(&records(json!([{"Owner": {"name": "x"}}]))).is_err());
    }

    #[test]
    fn a_job_body_checks_operation_find_by_and_mappings() {
        let job = WriteJob {
            operation: "upsert".into(),
            module: "Leads".into(),
            file_id: "111111000001547001".into(),
            field_mappings: Some(json!({"Last_Name": 0, "Email": 1})),
            find_by: Some("Email".into()),
            callback_url: None,
            ignore_empty: Some(true),
        };
        let body = write_body(&job).expect("valid");
        assert_eq!(body["operation"], "upsert");
        assert_eq!(body["resource"][0]["find_by"], "Email");
        assert_eq!(body["resource"][0]["module"]["api_name"], "Leads");
        assert_eq!(
            body["resource"][0]["field_mappings"],
            json!([{"api_name": "Last_Name", "index": 0}, {"api_name": "Email", "index": 1}])
        );
        for (bad, input) in [
            (
                WriteJob {
                    operation: "merge".into(),
                    ..job.clone()
                },
                "operation",
            ),
            (
                WriteJob {
                    find_by: None,
                    ..job.clone()
                },
                "findBy",
            ),
            (
                WriteJob {
                    operation: "insert".into(),
                    ..job.clone()
                },
                "findBy",
            ),
            (
                WriteJob {
                    field_mappings: Some(json!({"Email": "x"})),
                    ..job.clone()
                },
                "fieldMappings",
            ),
            (
                WriteJob {
                    file_id: "abc".into(),
                    ..job.clone()
                },
                "fileId",
            ),
        ] {
            assert!(
                matches!(write_body(&bad), Err(Error::InvalidInput { input: ref i, .. }) if i == input),
                "{input}"
            );
        }
    }
}
