//! `bulk-write`: a CSV or NDJSON file into a module through Zoho's Bulk Write API.
//!
//! The file is read as it streams and cut into parts within Zoho's limits per uploaded file
//! (25,000 rows, 25 MB); each part is zipped here (deflate), uploaded
//! (`crmBulkWriteUpload`), imported (`crmBulkWriteStart`) and waited for
//! (`crmBulkWriteStatus`), then its per-row result file is read (`crmBulkWriteResult`) for the
//! rows Zoho skipped. Prints one JSON outcome: counts per job and every failed row with its
//! row number in FILE, Zoho's errors and the values Zoho echoed.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use clap::Args;
use serde_json::{Map, Value, json};

use super::bulk_jobs::{Caller, DownloadPacer, job_failed, wait_for_job};
use super::common::{ActionInput, Failure, input_object, wants_debug};
use super::connection::ConnectionArgs;
use super::context::Context;

/// Zoho's limits per uploaded CSV.
const MAX_ROWS_PER_FILE: usize = 25_000;
/// Kept under Zoho's 25 MB with room for the ZIP's own bytes when a CSV barely compresses.
const MAX_CSV_BYTES_PER_FILE: usize = 24 << 20;
/// Result rows whose STATUS is one of these were written.
const WRITTEN: &[&str] = &["added", "updated", "ADDED", "UPDATED"];

#[derive(Debug, Args)]
pub(super) struct BulkWriteArgs {
    /// crmBulkWriteStart's inputs without fileId: operation, recordType, and as needed
    /// fieldMappings, findBy, ignoreEmpty, callbackUrl. Without fieldMappings the header row
    /// names the fields (`Account_Name.id` maps a lookup by id).
    #[command(flatten)]
    input: ActionInput,

    /// The rows: CSV with a header row, or NDJSON (one JSON object per line; .ndjson, .jsonl).
    #[arg(long, value_name = "FILE")]
    file: PathBuf,

    #[command(flatten)]
    target: ConnectionArgs,
}

/// One part of the file, ready to upload.
struct Part {
    /// Rows of FILE before this part.
    rows_before: usize,
    rows: usize,
    csv: Vec<u8>,
}

/// Reads FILE and cuts it into parts; `header` is the CSV header of every part.
struct Parts {
    header: Vec<String>,
    rows: Box<dyn Iterator<Item = Result<Vec<String>, Failure>>>,
    rows_read: usize,
    /// A row read past the end of the previous part.
    carried: Option<Vec<String>>,
    /// Limits per part: Zoho's, smaller in tests.
    max_rows: usize,
    max_bytes: usize,
}

fn is_ndjson(path: &Path) -> Result<bool, Failure> {
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("ndjson" | "jsonl" | "json") => return Ok(true),
        Some("csv") => return Ok(false),
        _ => {}
    }
    let mut reader = BufReader::new(open(path)?);
    let start = reader.fill_buf()?;
    Ok(start.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'))
}

fn open(path: &Path) -> Result<File, Failure> {
    File::open(path).map_err(|e| Failure(format!("could not open {}: {e}", path.display())))
}

/// A JSON value as a CSV cell, as the Bulk Write upload action writes records: text as it is,
/// numbers and booleans as JSON writes them, a lookup by its id, a list joined with `;`.
fn cell(value: &Value, row: usize, column: &str) -> Result<String, Failure> {
    Ok(match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Number(_) | Value::Bool(_) => value.to_string(),
        Value::Object(object) => match object.get("id") {
            Some(Value::String(id)) => id.clone(),
            Some(id @ Value::Number(_)) => id.to_string(),
            _ => {
                return Err(Failure(format!(
                    "row {row}: {column} is an object without an id; give its text or {{\"id\": ...}}"
                )));
            }
        },
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::Array(_) | Value::Object(_) => Err(Failure(format!("row {row}: {column} nests a list"))),
                other => cell(other, row, column),
            })
            .collect::<Result<Vec<_>, _>>()?
            .join(";"),
    })
}

impl Parts {
    fn open(path: &Path) -> Result<Self, Failure> {
        if is_ndjson(path)? {
            // Columns are every key in the file, in the order first seen: one pass to learn
            // them, a second to write the rows.
            let mut header: Vec<String> = Vec::new();
            for (index, line) in BufReader::new(open(path)?).lines().enumerate() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                let record: Map<String, Value> = serde_json::from_str(&line).map_err(|e| {
                    Failure(format!(
                        "line {} of {} is not a JSON object: {e}",
                        index + 1,
                        path.display()
                    ))
                })?;
                for key in record.keys() {
                    if !header.contains(key) {
                        header.push(key.clone());
                    }
                }
            }
            let columns = header.clone();
            let lines = BufReader::new(open(path)?)
                .lines()
                .filter(|l| l.as_ref().map_or(true, |l| !l.trim().is_empty()));
            let rows = lines.enumerate().map(move |(index, line)| {
                let record: Map<String, Value> = serde_json::from_str(&line?)?;
                columns
                    .iter()
                    .map(|column| {
                        record
                            .get(column)
                            .map_or(Ok(String::new()), |v| cell(v, index + 1, column))
                    })
                    .collect()
            });
            Ok(Parts {
                header,
                rows: Box::new(rows),
                rows_read: 0,
                carried: None,
                max_rows: MAX_ROWS_PER_FILE,
                max_bytes: MAX_CSV_BYTES_PER_FILE,
            })
        } else {
            let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(open(path)?);
            let header: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
            let rows = reader
                .into_records()
                .map(|row| Ok(row?.iter().map(str::to_owned).collect()));
            Ok(Parts {
                header,
                rows: Box::new(rows),
                rows_read: 0,
                carried: None,
                max_rows: MAX_ROWS_PER_FILE,
                max_bytes: MAX_CSV_BYTES_PER_FILE,
            })
        }
    }

    /// The next part: up to 25,000 rows and 24 MiB of CSV.
    fn next_part(&mut self) -> Result<Option<Part>, Failure> {
        let mut csv = csv_line(&self.header)?;
        let rows_before = self.rows_read;
        let mut rows = 0;
        loop {
            let row = match self.carried.take() {
                Some(row) => row,
                None => match self.rows.next() {
                    Some(row) => row?,
                    None => break,
                },
            };
            let line = csv_line(&row)?;
            if rows > 0 && csv.len() + line.len() > self.max_bytes {
                self.carried = Some(row);
                break;
            }
            csv.extend_from_slice(&line);
            rows += 1;
            self.rows_read += 1;
            if rows == self.max_rows {
                break;
            }
        }
        Ok((rows > 0).then_some(Part { rows_before, rows, csv }))
    }
}

/// One CSV line (RFC 4180 quoting, CRLF).
fn csv_line(cells: &[String]) -> Result<Vec<u8>, Failure> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer.write_record(cells)?;
    writer.into_inner().map_err(|e| Failure(e.to_string()))
}

/// A CSV as the ZIP Zoho's upload takes, deflated.
fn zipped(name: &str, csv: &[u8]) -> Result<Vec<u8>, Failure> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    writer.start_file(name, options)?;
    writer.write_all(csv)?;
    Ok(writer.finish()?.into_inner())
}

/// Field mappings from the header: each column by its index, `Field.id` as a lookup by id.
fn mappings_from_header(header: &[String]) -> Result<Value, Failure> {
    let valid = |name: &str| {
        name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    header
        .iter()
        .enumerate()
        .map(|(index, column)| {
            let (field, find_by) = match column.split_once('.') {
                Some((field, find_by)) => (field, Some(find_by)),
                None => (column.as_str(), None),
            };
            if !valid(field) || find_by.is_some_and(|f| !valid(f)) {
                return Err(Failure(format!(
                    "the header column {column:?} is not a field API name; give fieldMappings in --input"
                )));
            }
            let mut mapping = json!({"api_name": field, "index": index});
            if let Some(find_by) = find_by {
                mapping["find_by"] = json!(find_by);
            }
            Ok(mapping)
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

pub(super) async fn run(args: BulkWriteArgs, cx: Context<'_>) -> Result<i32, Failure> {
    let (text, input) = input_object(&args.input, cx.stdin, "crmBulkWriteStart's inputs without fileId")?;
    let (start_input, mut parts) = prepare(&args, input)?;
    let stem = file_stem(&args.file);
    let (resolved, harness) = cx.loader.connect(&args.target, cx.env).await?;
    let caller = Caller {
        harness: &harness,
        resolved: &resolved,
        debug: wants_debug(&text),
    };
    let mut pacer = DownloadPacer::new(10);
    let mut import = Import::default();
    while let Some(part) = parts.next_part()? {
        let number = import.jobs.len() + 1;
        let step = import_part(
            &caller,
            &start_input,
            &part,
            &format!("{stem}-{number}"),
            &mut pacer,
            &mut import,
            cx.progress,
            cx.stderr,
        )
        .await;
        match step {
            Ok(()) => {}
            Err(PartStop::Failed(failure)) => return Err(failure),
            Err(PartStop::Zoho { error, job }) => {
                return report_stop(&caller, &error, part.rows_before, job.as_deref(), cx.stderr, cx.stdout);
            }
            Err(PartStop::JobFailed { job, state }) => {
                return job_failed("Bulk Write", &job, &state, None, &caller.secrets(), cx.stdout);
            }
        }
        if cx.progress {
            write!(
                cx.stderr,
                "\rzoho-harness: {} rows imported ({} skipped)        ",
                import.rows,
                import.failures.len()
            )?;
            cx.stderr.flush()?;
        }
    }
    if cx.progress {
        writeln!(cx.stderr)?;
    }
    let failed = import.failures.len();
    writeln!(
        cx.stdout,
        "{}",
        serde_json::to_string_pretty(&import.outcome(&args.file))?
    )?;
    Ok(if failed == 0 { 0 } else { 1 })
}

/// crmBulkWriteStart's input (with field mappings from the header when none are given) and
/// the file cut into parts.
fn prepare(args: &BulkWriteArgs, mut input: Map<String, Value>) -> Result<(Map<String, Value>, Parts), Failure> {
    if input.contains_key("fileId") {
        return Err(Failure(
            "--input must not name a fileId: bulk-write uploads --file itself".into(),
        ));
    }
    let parts = Parts::open(&args.file)?;
    if !input.contains_key("fieldMappings") {
        input.insert("fieldMappings".into(), mappings_from_header(&parts.header)?);
    }
    Ok((input, parts))
}

/// The name each part's upload is given after: FILE's name without its extension.
fn file_stem(file: &Path) -> String {
    file.file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty())
        .unwrap_or("records")
        .to_owned()
}

/// What the parts imported so far add up to.
#[derive(Default)]
struct Import {
    rows: u64,
    added: u64,
    updated: u64,
    skipped: u64,
    jobs: Vec<Value>,
    failures: Vec<Value>,
}

impl Import {
    /// The JSON the command prints.
    fn outcome(self, file: &Path) -> Value {
        json!({
            "file": file.display().to_string(),
            "rows": self.rows,
            "added": self.added,
            "updated": self.updated,
            "skipped": self.skipped,
            "jobs": self.jobs,
            "failures": self.failures,
        })
    }
}

/// Why a part's import stopped the command.
enum PartStop {
    /// Zoho refused a call (in `job`, once one was started).
    Zoho {
        error: zoho_host::Error,
        job: Option<String>,
    },
    /// The job ended in a state other than COMPLETED.
    JobFailed {
        job: String,
        state: String,
    },
    Failed(Failure),
}

impl From<Failure> for PartStop {
    fn from(failure: Failure) -> Self {
        PartStop::Failed(failure)
    }
}

/// One part: zipped and uploaded, imported, waited for, and its skipped rows read from the
/// job's result file into `import`.
#[allow(clippy::too_many_arguments, reason = "one part's step, every argument named")]
async fn import_part(
    caller: &Caller<'_>,
    start_input: &Map<String, Value>,
    part: &Part,
    name: &str,
    pacer: &mut DownloadPacer,
    import: &mut Import,
    progress: bool,
    stderr: &mut dyn Write,
) -> Result<(), PartStop> {
    let zip = zipped(&format!("{name}.csv"), &part.csv)?;
    let upload = json!({
        "fileName": format!("{name}.zip"),
        "fileBase64": base64::engine::general_purpose::STANDARD.encode(&zip),
    });
    drop(zip);
    let zoho = |job: Option<&str>| {
        let job = job.map(str::to_owned);
        move |error| PartStop::Zoho { error, job }
    };
    let output = caller
        .call("crmBulkWriteUpload", &upload, stderr)
        .await?
        .map_err(zoho(None))?;
    let file_id = output["data"]["fileId"].as_str().unwrap_or_default().to_owned();
    let mut start = start_input.clone();
    start.insert("fileId".into(), json!(file_id));
    let output = caller
        .call("crmBulkWriteStart", &Value::Object(start), stderr)
        .await?
        .map_err(zoho(None))?;
    let job_id = output["data"]["jobId"].as_str().unwrap_or_default().to_owned();
    let status = wait_for_job(
        caller,
        "crmBulkWriteStatus",
        &job_id,
        &["COMPLETED", "FAILED", "FAILURE"],
        progress,
        stderr,
    )
    .await?
    .map_err(zoho(Some(&job_id)))?;
    let state = status["state"].as_str().unwrap_or_default();
    if state != "COMPLETED" {
        return Err(PartStop::JobFailed {
            job: job_id,
            state: state.to_owned(),
        });
    }
    let count = |key: &str| status[key].as_u64().unwrap_or(0);
    import.rows += part.rows as u64;
    import.added += count("added");
    import.updated += count("updated");
    import.skipped += count("skipped");
    let skipped = skipped_rows(caller, &job_id, part.rows_before, pacer, progress, stderr)
        .await?
        .map_err(zoho(Some(&job_id)))?;
    import.failures.extend(skipped);
    import.jobs.push(json!({
        "jobId": job_id,
        "fileId": file_id,
        "firstRow": part.rows_before + 1,
        "rows": part.rows,
        "added": count("added"),
        "updated": count("updated"),
        "skipped": count("skipped"),
    }));
    Ok(())
}

/// The rows of a finished job's result file that Zoho did not write, each with its row
/// number in FILE (`rows_before` precede the part), Zoho's status and errors and the values
/// it echoed. Downloads are paced to Zoho's limit and retried after its 429s.
async fn skipped_rows(
    caller: &Caller<'_>,
    job_id: &str,
    rows_before: usize,
    pacer: &mut DownloadPacer,
    progress: bool,
    stderr: &mut dyn Write,
) -> Result<Result<Vec<Value>, zoho_host::Error>, Failure> {
    let mut skipped = Vec::new();
    let mut offset: Option<String> = None;
    let mut index = 0usize;
    loop {
        pacer.admit(progress, stderr).await?;
        let mut call_input = json!({"jobId": job_id});
        if let Some(offset) = &offset {
            call_input["offset"] = json!(offset);
        }
        let chunk = match caller.call("crmBulkWriteResult", &call_input, stderr).await? {
            Ok(chunk) => chunk,
            Err(error) => {
                if let Some(wait) = pacer.backoff(&error) {
                    tokio::time::sleep(wait).await;
                    continue;
                }
                return Ok(Err(error));
            }
        };
        for row in chunk["data"].as_array().into_iter().flatten() {
            index += 1;
            let status = row["STATUS"].as_str().unwrap_or_default();
            let errors = row["ERRORS"].as_str().unwrap_or_default();
            if WRITTEN.contains(&status) && errors.is_empty() {
                continue;
            }
            let values: Map<String, Value> = row
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, _)| !matches!(k.as_str(), "STATUS" | "ERRORS" | "RECORD_ID" | "ID"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            skipped.push(json!({
                "row": rows_before + index,
                "status": status,
                "errors": errors,
                "values": values,
            }));
        }
        offset = chunk["nextOffset"].as_str().map(str::to_owned);
        if chunk["done"] != false || offset.is_none() {
            return Ok(Ok(skipped));
        }
    }
}

/// A call failed mid-run: says which rows are in doubt, prints the error (exit 1).
fn report_stop(
    caller: &Caller<'_>,
    error: &zoho_host::Error,
    rows_before: usize,
    job: Option<&str>,
    stderr: &mut dyn Write,
    stdout: &mut dyn Write,
) -> Result<i32, Failure> {
    let part = match job {
        Some(job) => format!(
            "job {job} imports the part from row {} (see crmBulkWriteStatus)",
            rows_before + 1
        ),
        None => format!("no row from {} on was imported", rows_before + 1),
    };
    writeln!(
        stderr,
        "zoho-harness: stopped; rows before {} were imported, {part}",
        rows_before + 1
    )?;
    match job {
        Some(job) => caller.fail_for_job(error, job, None, stdout),
        None => caller.fail(error, stdout),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch_file(name: &str, text: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!("zoho-bulk-write-{}-{name}", std::process::id()));
        std::fs::write(&path, text).expect("write");
        path
    }

    fn ok<T>(result: Result<T, Failure>) -> T {
        result.unwrap_or_else(|Failure(message)| panic!("{message}"))
    }

    fn all_parts(parts: &mut Parts) -> Vec<Part> {
        std::iter::from_fn(|| ok(parts.next_part())).collect()
    }

    #[test]
    fn a_csv_is_cut_at_the_row_limit_with_its_header_in_every_part() {
        let mut text = String::from("Last_Name,Email\n");
        for i in 0..10 {
            text.push_str(&format!("\"Name, {i}\",n{i}@example.com\n"));
        }
        let path = scratch_file("rows.csv", &text);
        let mut parts = ok(Parts::open(&path));
        parts.max_rows = 4;
        let cut = all_parts(&mut parts);
        assert_eq!(
            cut.iter().map(|p| (p.rows_before, p.rows)).collect::<Vec<_>>(),
            [(0, 4), (4, 4), (8, 2)]
        );
        for part in &cut {
            let csv = String::from_utf8(part.csv.clone()).expect("utf-8");
            assert!(csv.starts_with("Last_Name,Email\r\n"), "{csv}");
        }
        assert!(String::from_utf8_lossy(&cut[1].csv).contains("\"Name, 4\""));
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn a_part_also_ends_at_the_byte_limit_and_ndjson_takes_every_key() {
        let path = scratch_file(
            "rows.ndjson",
            "{\"Last_Name\":\"A\",\"Tags\":[\"x\",\"y\"]}\n\n{\"Email\":\"b@example.com\",\"Account_Name\":{\"id\":\"42\"},\"Score\":7}\n",
        );
        let mut parts = ok(Parts::open(&path));
        assert_eq!(parts.header, ["Last_Name", "Tags", "Email", "Account_Name", "Score"]);
        parts.max_bytes = 40;
        let cut = all_parts(&mut parts);
        assert_eq!(cut.len(), 2, "each row alone fits, both do not");
        assert_eq!(
            String::from_utf8_lossy(&cut[1].csv),
            "Last_Name,Tags,Email,Account_Name,Score\r\n,,b@example.com,42,7\r\n"
        );
        assert_eq!(String::from_utf8_lossy(&cut[0].csv).lines().nth(1), Some("A,x;y,,,"));
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn mappings_come_from_the_header_with_lookups_by_id() {
        let header = ["Last_Name".to_owned(), "Account_Name.id".to_owned()];
        assert_eq!(
            mappings_from_header(&header).ok(),
            Some(
                json!([{"api_name": "Last_Name", "index": 0}, {"api_name": "Account_Name", "find_by": "id", "index": 1}])
            )
        );
        assert!(mappings_from_header(&["Last Name".to_owned()]).is_err());
    }
}
