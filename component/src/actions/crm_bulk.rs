//! Bulk Read and Bulk Write actions: start a job, follow it, and read its result file a
//! bounded chunk per call.

use serde_json::{Value, json};

use super::action::{Action, Product, RECORD_TYPE, Run, choices, file_input};
use crate::crm::bulk::result_file::{self, DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES};
use crate::crm::bulk::{read, write};
use crate::shared::archive::chunks::Position;
use crate::shared::error::Error;
use crate::shared::inputs::{InputSpec, InputType, Inputs};
use crate::shared::session::Session;

const JOB_ID: InputSpec = InputSpec::required(
    "jobId",
    "Job ID",
    InputType::Id,
    "The bulk job's id, from its start action.",
)
.example("\"4150868000001234001\"");
const CALLBACK_URL: InputSpec = InputSpec::optional(
    "callbackUrl",
    "Callback URL",
    InputType::Text,
    "An http(s) URL Zoho POSTs the job's details to when it completes or fails; poll the status action instead if you have none.",
);
const OFFSET: InputSpec = InputSpec::optional(
    "offset",
    "Offset",
    InputType::Text,
    "Where to continue: leave it out for the start of the file, or pass nextOffset from the previous chunk unchanged (an opaque position, valid for this job only).",
);
const MAX_BYTES: InputSpec = InputSpec::optional(
    "maxBytes",
    "Max Bytes",
    InputType::Integer {
        min: 1024,
        max: MAX_CHUNK_BYTES as i64,
    },
    "CSV bytes to decode in this call (1 KiB to 8 MiB); the chunk ends at the first row boundary past it.",
)
.default("2097152");
const CHUNK_EXAMPLE: &str = r#"{"jobId":"4150868000001234001","columns":["id","Last_Name","Email"],"recordCount":1,"rowsBefore":0,"csvOffset":72,"done":false,"nextOffset":"AQAAAHsi...","data":[{"id":"4150868000000624001","Last_Name":"Doe","Email":"doe@example.com"}]}"#;

pub(super) const ACTIONS: &[Action] = &[
    Action {
        key: "crmBulkReadStart",
        label: "Bulk Read: Start Export",
        description: "Start a Bulk Read job: Zoho exports one page of up to 200,000 records of a module as a zipped CSV, asynchronously. Follow it with Bulk Read: Job Status, then read the file with Bulk Read: Result. For the next page, start another job with page + 1 (and, past record 400,000, the pageToken the status gave).",
        product: Product::Crm,
        inputs: &[
            RECORD_TYPE,
            InputSpec::optional(
                "fields",
                "Fields",
                InputType::StringList,
                "Field API names to export; leave empty for every field. The id is always exported.",
            )
            .choices(&choices::CRM_FIELDS)
            .example("[\"Last_Name\", \"Email\", \"Lead_Source\"]"),
            InputSpec::optional(
                "criteria",
                "Criteria",
                InputType::Json,
                "Which records: Zoho's shape ({group_operator, group: [{field: {api_name}, comparator, value}]} or one condition), or a list of {field, comparator, value} conditions that must all hold. Comparators: equal, not_equal, in, not_in, less_than, less_equal, greater_than, greater_equal, contains, not_contains, starts_with, ends_with, between, not_between.",
            )
            .example("[{\"field\": \"Lead_Source\", \"comparator\": \"equal\", \"value\": \"Web Download\"}]"),
            InputSpec::optional(
                "page",
                "Page",
                InputType::Integer { min: 1, max: 1_000_000 },
                "Page of 200,000 records, from 1 (Zoho's default; page 2 is records 200,001 to 400,000). Past page 2, give pageToken instead.",
            ),
            InputSpec::optional(
                "pageToken",
                "Page Token",
                InputType::Text,
                "nextPageToken from the previous page's job status; Zoho requires it past record 400,000 (valid 24 hours, for the same user).",
            ),
            CALLBACK_URL,
        ],
        output_example: r#"{"data":{"jobId":"4150868000001234001","state":"ADDED","createdTime":"2026-12-02T10:00:00+00:00"}}"#,
        run: Run::Value(run_read_start),
    },
    Action {
        key: "crmBulkReadStatus",
        label: "Bulk Read: Job Status",
        description: "A Bulk Read job's state (ADDED, QUEUED, IN PROGRESS, COMPLETED, FAILURE) and, once completed, its record count, whether more records follow, the next page token and the download path.",
        product: Product::Crm,
        inputs: &[JOB_ID],
        output_example: r#"{"data":{"jobId":"4150868000001234001","state":"COMPLETED","recordType":"Leads","page":1,"perPage":200000,"count":200000,"moreRecords":true,"nextPageToken":"c8a1f2...","downloadUrl":"/crm/bulk/v8/read/4150868000001234001/result","errorMessage":null,"createdTime":"2026-12-02T10:00:00+00:00"}}"#,
        run: Run::Value(run_read_status),
    },
    Action {
        key: "crmBulkReadResult",
        label: "Bulk Read: Result",
        description: "One chunk of a completed Bulk Read job's CSV as records (header names as keys, every value a string, ids included; empty cells null), with nextOffset for the next chunk (null when the file is done and its checksum verified). Each call downloads only from where the previous chunk stopped; Zoho allows 10 downloads a minute.",
        product: Product::Crm,
        inputs: &[JOB_ID, OFFSET, MAX_BYTES],
        output_example: CHUNK_EXAMPLE,
        run: Run::Text(run_read_result),
    },
    Action {
        key: "crmBulkWriteUpload",
        label: "Bulk Write: Upload File",
        description: "Upload the CSV for a Bulk Write job (at most 25,000 rows and 25 MB): a CSV file (zipped here), a ZIP holding one, or records turned into a CSV. Returns the fileId for Bulk Write: Start Import.",
        product: Product::Crm,
        inputs: &[
            InputSpec::required("fileName", "File Name", InputType::Text, "The CSV's name, e.g. leads.csv.")
                .example("\"leads.csv\""),
            InputSpec::optional(
                "file",
                "File",
                InputType::Text,
                "The CSV (or ZIP) as text, as platforms pass files; or use fileBase64 or records.",
            ),
            InputSpec::optional("fileBase64", "File (Base64)", InputType::Text, "The CSV or ZIP, base64-encoded."),
            InputSpec::optional(
                "records",
                "Records",
                InputType::ObjectOrArray,
                "Rows to write as the CSV: one column per key; lookups as {id}, multi-select values as lists.",
            )
            .example("[{\"Last_Name\": \"Doe\", \"Email\": \"doe@example.com\"}]"),
        ],
        output_example: r#"{"data":{"fileId":"111111000001547001","createdTime":"2026-12-02T10:00:00+00:00"}}"#,
        run: Run::Value(run_write_upload),
    },
    Action {
        key: "crmBulkWriteStart",
        label: "Bulk Write: Start Import",
        description: "Start a Bulk Write job over an uploaded file: insert, update or upsert its rows into a module. Update and upsert find records by findBy. Follow it with Bulk Write: Job Status. A start whose answer was lost is not sent again (the rows would be written twice).",
        product: Product::Crm,
        inputs: &[
            InputSpec::required(
                "operation",
                "Operation",
                InputType::Choice(write::OPERATIONS),
                "insert creates records; update changes existing ones; upsert updates what findBy matches and inserts the rest.",
            )
            .example("\"upsert\""),
            RECORD_TYPE,
            InputSpec::required("fileId", "File ID", InputType::Id, "The fileId from Bulk Write: Upload File.")
                .example("\"111111000001547001\""),
            InputSpec::optional(
                "fieldMappings",
                "Field Mappings",
                InputType::Json,
                "Which CSV column fills which field: an object of field API name to column index (0 is the first), or Zoho's list of {api_name, index, format, find_by, default_value}. Leave it out when the header row holds the API names.",
            )
            .example("{\"Last_Name\": 0, \"Email\": 1}"),
            InputSpec::optional(
                "findBy",
                "Find By",
                InputType::ApiName,
                "For update and upsert: the unique field (or id) that finds each record.",
            )
            .example("\"Email\""),
            InputSpec::optional(
                "ignoreEmpty",
                "Ignore Empty",
                InputType::Boolean,
                "Leave fields unchanged where the CSV cell is empty.",
            ),
            CALLBACK_URL,
        ],
        output_example: r#"{"data":{"jobId":"4150868000001235001","operation":"upsert"}}"#,
        run: Run::Value(run_write_start),
    },
    Action {
        key: "crmBulkWriteStatus",
        label: "Bulk Write: Job Status",
        description: "A Bulk Write job's state (ADDED, IN PROGRESS, COMPLETED, FAILED), the counts of rows added, updated and skipped, and where its per-row result file is.",
        product: Product::Crm,
        inputs: &[JOB_ID],
        output_example: r#"{"data":{"jobId":"4150868000001235001","state":"COMPLETED","operation":"upsert","recordType":"Leads","added":980,"updated":15,"skipped":5,"total":1000,"resultUrl":"https://download-accl.zoho.com/v2/crm/6735/bulk-write/4150868000001235001/4150868000001235001.zip","createdTime":"2026-12-02T10:00:00+00:00"}}"#,
        run: Run::Value(run_write_status),
    },
    Action {
        key: "crmBulkWriteResult",
        label: "Bulk Write: Result",
        description: "One chunk of a finished Bulk Write job's result file: every row with its STATUS (added, updated, skipped, unprocessed), RECORD_ID and ERRORS (e.g. MANDATORY_NOT_FOUND-Last_Name), with nextOffset for the next chunk.",
        product: Product::Crm,
        inputs: &[JOB_ID, OFFSET, MAX_BYTES],
        output_example: r#"{"jobId":"4150868000001235001","columns":["Last_Name","Email","STATUS","RECORD_ID","ERRORS"],"recordCount":1,"rowsBefore":0,"csvOffset":90,"done":true,"nextOffset":null,"data":[{"Last_Name":null,"Email":"x@example.com","STATUS":"skipped","RECORD_ID":null,"ERRORS":"MANDATORY_NOT_FOUND-Last_Name"}]}"#,
        run: Run::Text(run_write_result),
    },
];

fn run_read_start(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let query = read::ReadQuery {
        module: inputs.required_text("recordType")?.to_owned(),
        fields: inputs.list("fields").unwrap_or_default(),
        criteria: inputs.value("criteria").filter(|v| !v.is_null()).cloned(),
        page: inputs.u32("page"),
        page_token: inputs.text("pageToken").map(str::to_owned),
        callback_url: inputs.text("callbackUrl").map(str::to_owned),
    };
    let started = read::start(session, &query)?;
    Ok(json!({"data": {
        "jobId": started.job_id,
        "state": started.state,
        "createdTime": started.created_time,
    }}))
}

fn run_read_status(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let status = read::status(session, inputs.required_text("jobId")?)?;
    Ok(json!({"data": {
        "jobId": status.job_id,
        "state": status.state,
        "recordType": status.module,
        "page": status.page,
        "perPage": status.per_page,
        "count": status.count,
        "moreRecords": status.more_records,
        "nextPageToken": status.next_page_token,
        "downloadUrl": status.download_url,
        "errorMessage": status.error_message,
        "createdTime": status.created_time,
    }}))
}

fn chunk_inputs(inputs: &Inputs) -> Result<(&str, Option<Position>, u32), Error> {
    let job = inputs.required_text("jobId")?;
    let position = inputs
        .text("offset")
        .filter(|text| !text.is_empty())
        .map(|text| Position::decode(text, "offset"))
        .transpose()?;
    Ok((job, position, inputs.u32("maxBytes").unwrap_or(DEFAULT_CHUNK_BYTES)))
}

fn run_read_result(session: &mut Session, inputs: &Inputs) -> Result<String, Error> {
    let (job, position, max_bytes) = chunk_inputs(inputs)?;
    let chunk = read::result(session, job, position, max_bytes)?;
    result_file::output(job, chunk)
}

fn run_write_upload(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let given = [
        inputs.value("file"),
        inputs.value("fileBase64"),
        inputs.value("records"),
    ]
    .iter()
    .filter(|v| v.is_some_and(|v| !v.is_null()))
    .count();
    if given != 1 {
        return Err(Error::invalid(
            "file",
            "or fileBase64 or records is required, exactly one of them",
        ));
    }
    let data = if inputs.value("records").is_some() {
        write::csv_from_records(&inputs.records("records"))?
    } else {
        file_input(inputs, Some((write::MAX_FILE_BYTES, "Zoho's 25 MB per file")))?
    };
    let uploaded = write::upload(session, inputs.required_text("fileName")?, data)?;
    Ok(json!({"data": {"fileId": uploaded.file_id, "createdTime": uploaded.created_time}}))
}

fn run_write_start(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let job = write::WriteJob {
        operation: inputs.required_text("operation")?.to_owned(),
        module: inputs.required_text("recordType")?.to_owned(),
        file_id: inputs.required_text("fileId")?.to_owned(),
        field_mappings: inputs.value("fieldMappings").filter(|v| !v.is_null()).cloned(),
        find_by: inputs.text("findBy").map(str::to_owned),
        callback_url: inputs.text("callbackUrl").map(str::to_owned),
        ignore_empty: inputs.value("ignoreEmpty").and_then(Value::as_bool),
    };
    let job_id = write::start(session, &job)?;
    Ok(json!({"data": {"jobId": job_id, "operation": job.operation}}))
}

fn run_write_status(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let status = write::status(session, inputs.required_text("jobId")?)?;
    Ok(json!({"data": {
        "jobId": status.job_id,
        "state": status.state,
        "operation": status.operation,
        "recordType": status.module,
        "added": status.counts.added,
        "updated": status.counts.updated,
        "skipped": status.counts.skipped,
        "total": status.counts.total,
        "resultUrl": status.result_url,
        "createdTime": status.created_time,
    }}))
}

fn run_write_result(session: &mut Session, inputs: &Inputs) -> Result<String, Error> {
    let (job, position, max_bytes) = chunk_inputs(inputs)?;
    let chunk = write::result(session, job, position, max_bytes)?;
    result_file::output(job, chunk)
}
