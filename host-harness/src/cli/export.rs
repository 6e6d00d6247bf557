//! `export`: every record of a list action, one bounded call at a time, written as it comes.
//!
//! Each call asks for at most [`RECORDS_PER_CALL`] records (the component also stops at its
//! own byte budget) and hands back a cursor. The records go to `FILE.part`, which is synced
//! before the checkpoint `FILE.part.json` (cursor, records and bytes written) is replaced
//! atomically. After an interruption, `--resume` cuts `FILE.part` back to the checkpoint's
//! length, dropping anything written after it, and goes on from its cursor: no record is
//! repeated or lost. The finished file is renamed to FILE, so FILE never holds a partial
//! export.

use std::fs::File;
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::common::{ActionInput, Failure, input_object, print_error, print_log, wants_debug};
use super::connection::{ConnectionArgs, Resolved};
use super::context::Context;
use super::part_file::{Checkpointed, finish, resume, save, say_stopped, with_suffix};
use zoho_host::MemoryLog;
use zoho_host::output::scrub;
use zoho_host::{CallContext, Harness};

/// The list actions an export can walk: each takes `fetchAll`, `maxRecords` and `cursor`, and
/// answers `{data, info: {moreRecords, cursor}}`.
const EXPORTABLE: &[&str] = &["crmGetRecords", "crmSearchRecords", "crmRunQuery", "booksGetRecords"];

/// Records asked for per call. The component's own byte budget (4 MiB of responses) bounds a
/// call's memory before this does for all but the smallest records; each call ends with one
/// sync and one checkpoint, so fewer, larger calls cost less.
const RECORDS_PER_CALL: u64 = 10_000;

/// The checkpoint format; a file of another version is not resumed.
const CHECKPOINT_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Format {
    /// One JSON record per line.
    Ndjson,
    /// One JSON array.
    Json,
}

#[derive(Debug, Args)]
pub(super) struct ExportArgs {
    /// The list action: crmGetRecords, crmSearchRecords, crmRunQuery or booksGetRecords.
    #[arg(value_name = "ACTION-KEY")]
    key: String,

    #[command(flatten)]
    input: ActionInput,

    /// Where the records go; written as FILE.part until the export is complete.
    #[arg(long, value_name = "FILE")]
    output: PathBuf,

    #[arg(long, value_enum, default_value_t = Format::Ndjson)]
    format: Format,

    /// Go on from the checkpoint an interrupted export left (FILE.part.json).
    #[arg(long)]
    resume: bool,

    #[command(flatten)]
    target: ConnectionArgs,
}

/// What an interrupted export needs to go on.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Checkpoint {
    version: u32,
    key: String,
    input: Value,
    format: Format,
    /// The cursor of the next call; `None` before the first.
    cursor: Option<String>,
    records: u64,
    /// Length of FILE.part holding exactly `records` records.
    bytes: u64,
}

pub(super) async fn run(args: ExportArgs, cx: Context<'_>) -> Result<i32, Failure> {
    if !EXPORTABLE.contains(&args.key.as_str()) {
        return Err(Failure(format!(
            "`{}` cannot be exported; export walks {}",
            args.key,
            EXPORTABLE.join(", ")
        )));
    }
    let (text, input) = input_object(&args.input, cx.stdin, "the list action's inputs")?;
    let limit = input.get("maxRecords").and_then(Value::as_u64);
    let part = with_suffix(&args.output, ".part");
    let checkpoint_path = with_suffix(&args.output, ".part.json");
    let (file, checkpoint) = if args.resume {
        reopen(&part, &checkpoint_path, &args, &input)?
    } else {
        start(&part, &checkpoint_path, &args, &input)?
    };

    let (resolved, harness) = cx.loader.connect(&args.target, cx.env).await?;
    let debug = wants_debug(&text);
    // Records asked for so far (written, or being written) and where the next call starts.
    let mut fetched = checkpoint.records;
    let mut cursor = checkpoint.cursor.clone();
    // The previous chunk is written, synced and checkpointed on a blocking thread while the
    // next call runs; at most one chunk is in flight, and it always lands before the next.
    let mut writing: Option<Writer> = None;
    let mut held = Some((file, checkpoint));
    loop {
        let wanted = limit.map_or(RECORDS_PER_CALL, |limit| {
            limit.saturating_sub(fetched).min(RECORDS_PER_CALL)
        });
        if wanted == 0 {
            break;
        }
        let call_input = next_call_input(&input, cursor.as_deref(), wanted);
        let (outcome, secrets) = call_list(&harness, &resolved, &args.key, &call_input, debug, cx.stderr).await?;
        if let Some(landed) = settle(&mut writing, cx.progress, cx.stderr).await? {
            held = Some(landed);
        }
        let output = match outcome {
            Ok(output) => output,
            Err(error) => {
                let records = held.as_ref().map_or(0, |(_, written)| written.records);
                say_stopped(records, cx.progress, cx.stderr)?;
                return print_error(&error, &secrets, cx.stdout);
            }
        };
        let page = Page::read(&output)?;
        let more = page.more_records;
        cursor = page.cursor.clone();
        let ranges = page.ranges(&output);
        fetched += ranges.len() as u64;
        let (file, written) = held.take().ok_or_else(|| Failure("the export file was lost".into()))?;
        let chunk = Chunk {
            output,
            ranges,
            cursor: cursor.clone(),
            format: args.format,
            secrets,
            part: part.clone(),
            checkpoint_path: checkpoint_path.clone(),
        };
        writing = Some(tokio::task::spawn_blocking(move || chunk.write(file, written)));
        if !more {
            break;
        }
        if cursor.is_none() {
            settle(&mut writing, cx.progress, cx.stderr).await?;
            return Err(Failure(format!(
                "{} reported more records but returned no cursor",
                args.key
            )));
        }
    }
    if let Some(landed) = settle(&mut writing, cx.progress, cx.stderr).await? {
        held = Some(landed);
    }
    let (mut file, checkpoint) = held.ok_or_else(|| Failure("the export file was lost".into()))?;
    if cx.progress {
        writeln!(cx.stderr)?;
    }
    if args.format == Format::Json {
        file.write_all(b"\n]\n")?;
    }
    finish(file, &part, &args.output, &checkpoint_path)?;
    writeln!(
        cx.stdout,
        "{}",
        json!({"records": checkpoint.records, "output": args.output.display().to_string(), "format": args.format})
    )?;
    Ok(0)
}

/// One call of the list action, its log printed (scrubbed) on stderr: the action's outcome
/// and the connection's secrets, for scrubbing what is printed of it.
async fn call_list(
    harness: &Harness,
    resolved: &Resolved,
    key: &str,
    call_input: &Value,
    debug: bool,
    stderr: &mut dyn Write,
) -> Result<(Result<String, zoho_host::Error>, Vec<String>), Failure> {
    let log = MemoryLog::default();
    let context = CallContext::new(Arc::clone(&resolved.provider)).with_log(Arc::new(log.clone()));
    let outcome = harness
        .invoke(&context, key, &resolved.connection, &call_input.to_string())
        .await;
    let secrets = resolved.provider.secrets();
    print_log(&log, debug, &secrets, stderr)?;
    let outcome = outcome.map_err(|e| Failure(scrub(&e.to_string(), &secrets)))?;
    Ok((outcome, secrets))
}

/// A chunk being written: the file and checkpoint come back once it is on disk.
type Writer = tokio::task::JoinHandle<Result<(File, Checkpoint), Failure>>;

/// Waits for the chunk being written, if any, and shows the progress it made.
async fn settle(
    writing: &mut Option<Writer>,
    progress: bool,
    stderr: &mut dyn Write,
) -> Result<Option<(File, Checkpoint)>, Failure> {
    let Some(job) = writing.take() else {
        return Ok(None);
    };
    let (file, written) = job.await.map_err(|e| Failure(format!("the writer failed: {e}")))??;
    if progress {
        write!(stderr, "\rzoho-harness: {} records exported", written.records)?;
        stderr.flush()?;
    }
    Ok(Some((file, written)))
}

/// A fresh export: an empty FILE.part (with the array's opening for JSON) and its checkpoint.
fn start(
    part: &Path,
    checkpoint_path: &Path,
    args: &ExportArgs,
    input: &Map<String, Value>,
) -> Result<(File, Checkpoint), Failure> {
    let mut file = File::create(part).map_err(|e| Failure(format!("could not create {}: {e}", part.display())))?;
    if args.format == Format::Json {
        file.write_all(b"[")?;
    }
    let checkpoint = Checkpoint {
        version: CHECKPOINT_VERSION,
        key: args.key.clone(),
        input: Value::Object(input.clone()),
        format: args.format,
        cursor: None,
        records: 0,
        bytes: file.stream_position()?,
    };
    save(checkpoint_path, &checkpoint)?;
    Ok((file, checkpoint))
}

/// An interrupted export: its checkpoint, and FILE.part cut back to what the checkpoint counts.
fn reopen(
    part: &Path,
    checkpoint_path: &Path,
    args: &ExportArgs,
    input: &Map<String, Value>,
) -> Result<(File, Checkpoint), Failure> {
    resume(part, checkpoint_path, |checkpoint: &Checkpoint| {
        let same = checkpoint.key == args.key
            && checkpoint.input == Value::Object(input.clone())
            && checkpoint.format == args.format;
        (!same).then(|| format!("{} with its own --input and --format", checkpoint.key))
    })
}

impl Checkpointed for Checkpoint {
    const VERSION: u32 = CHECKPOINT_VERSION;

    fn version(&self) -> u32 {
        self.version
    }

    fn bytes(&self) -> u64 {
        self.bytes
    }
}

/// The input of the next call: the user's, asking for `wanted` records from `cursor`.
fn next_call_input(input: &Map<String, Value>, cursor: Option<&str>, wanted: u64) -> Value {
    let mut call = input.clone();
    call.insert("fetchAll".into(), json!(true));
    call.insert("maxRecords".into(), json!(wanted));
    if let Some(cursor) = cursor {
        // A cursor carries its own position; the actions refuse it beside a page.
        call.remove("page");
        call.remove("pageToken");
        call.insert("cursor".into(), json!(cursor));
    }
    Value::Object(call)
}

/// One call's records, borrowed from its output text: nothing is re-serialised.
struct Page<'a> {
    data: Vec<&'a serde_json::value::RawValue>,
    more_records: bool,
    cursor: Option<String>,
}

impl<'a> Page<'a> {
    fn read(output: &'a str) -> Result<Self, Failure> {
        #[derive(Deserialize)]
        struct Output<'a> {
            #[serde(borrow, default)]
            data: Vec<&'a serde_json::value::RawValue>,
            #[serde(default)]
            info: Info,
        }
        #[derive(Deserialize, Default)]
        #[serde(rename_all = "camelCase")]
        struct Info {
            #[serde(default)]
            more_records: bool,
            #[serde(default)]
            cursor: Option<String>,
        }
        let parsed: Output<'a> = serde_json::from_str(output)
            .map_err(|e| Failure(format!("the action's output is not a record list: {e}")))?;
        Ok(Page {
            data: parsed.data,
            more_records: parsed.info.more_records,
            cursor: parsed.info.cursor,
        })
    }
}

impl Page<'_> {
    /// Where each record sits in `output`, so the text can move to the writer without a borrow.
    fn ranges(&self, output: &str) -> Vec<std::ops::Range<usize>> {
        let base = output.as_ptr() as usize;
        self.data
            .iter()
            .map(|record| {
                let start = record.get().as_ptr() as usize - base;
                start..start + record.get().len()
            })
            .collect()
    }
}

/// One call's records on their way to disk.
struct Chunk {
    output: String,
    ranges: Vec<std::ops::Range<usize>>,
    /// Where the call after this one starts.
    cursor: Option<String>,
    format: Format,
    secrets: Vec<String>,
    part: PathBuf,
    checkpoint_path: PathBuf,
}

impl Chunk {
    /// Appends the records, syncs them, then checkpoints: the checkpoint never counts a byte
    /// that is not on disk.
    fn write(self, mut file: File, mut checkpoint: Checkpoint) -> Result<(File, Checkpoint), Failure> {
        let mut buffer = String::with_capacity(self.ranges.iter().map(|r| r.len() + 2).sum());
        for (i, range) in self.ranges.iter().enumerate() {
            let record = &self.output[range.clone()];
            match self.format {
                Format::Ndjson => {
                    buffer.push_str(record);
                    buffer.push('\n');
                }
                Format::Json => {
                    buffer.push_str(if checkpoint.records == 0 && i == 0 { "\n" } else { ",\n" });
                    buffer.push_str(record);
                }
            }
        }
        let failed = |what: &str, e: std::io::Error| Failure(format!("could not {what} {}: {e}", self.part.display()));
        file.write_all(scrub(&buffer, &self.secrets).as_bytes())
            .map_err(|e| failed("write", e))?;
        file.sync_data().map_err(|e| failed("sync", e))?;
        checkpoint.records += self.ranges.len() as u64;
        checkpoint.bytes = file.stream_position().map_err(|e| failed("write", e))?;
        checkpoint.cursor = self.cursor;
        save(&self.checkpoint_path, &checkpoint)?;
        Ok((file, checkpoint))
    }
}
