//! `bulk-read`: a whole module through Zoho's Bulk Read API, written as it streams.
//!
//! Each page of 200,000 records is one job: started (`crmBulkReadStart`), waited for with
//! backoff (`crmBulkReadStatus`), then read a bounded chunk per call (`crmBulkReadResult`,
//! each call downloading only from where the last one stopped) within Zoho's 10 downloads a
//! minute. The next page follows by number, and past page 2 by the token the last job gave.
//!
//! Records go to `FILE.part`; after each chunk it is synced and the checkpoint `FILE.part.json`
//! (page, job, position in its file, records and bytes written) replaced atomically. `--resume`
//! cuts `FILE.part` back to the checkpoint and goes on from there: nothing repeated or lost.
//! The finished file is renamed to FILE, so FILE never holds a partial export.

use std::fs::File;
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::bulk_jobs::{Caller, DownloadPacer, job_failed, wait_for_job};
use super::common::{ActionInput, Failure, input_object, wants_debug};
use super::connection::ConnectionArgs;
use super::context::Context;
use super::part_file::{Checkpointed, finish, resume, save, say_stopped, with_suffix};
use zoho_host::output::scrubbed;

/// The checkpoint format; a file of another version is not resumed.
const CHECKPOINT_VERSION: u32 = 1;
/// CSV bytes decoded per call: each call is one download (Zoho allows 10 a minute), so larger
/// is fewer; 2 MiB keeps a 1,000,000-record export at about 32 MiB peak for the whole harness,
/// where 4 MiB took it to 80 MiB (BENCHMARKS.md).
const DEFAULT_CHUNK_BYTES: u32 = 2 << 20;
/// Downloads of one chunk that may break off in a row before the run stops.
const MAX_BROKEN_DOWNLOADS: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum BulkFormat {
    /// CSV with a header row, as Zoho exports it (every value as text).
    Csv,
    /// One JSON record per line, every value a string (or null when empty).
    Ndjson,
}

#[derive(Debug, Args)]
pub(super) struct BulkReadArgs {
    #[command(flatten)]
    input: ActionInput,

    /// Where the records go; written as FILE.part until every record is out.
    #[arg(long, value_name = "FILE")]
    output: PathBuf,

    #[arg(long, value_enum, default_value_t = BulkFormat::Csv)]
    format: BulkFormat,

    /// Go on from the checkpoint an interrupted run left (FILE.part.json).
    #[arg(long)]
    resume: bool,

    /// Result downloads allowed per minute: Zoho's limit is 10; raise it only for a server
    /// that allows more (such as the offline sandbox).
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=600))]
    downloads_per_minute: u32,

    /// CSV bytes decoded per call (1 KiB to 8 MiB).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_CHUNK_BYTES, value_parser = clap::value_parser!(u32).range(1024..=8 << 20), hide = true)]
    chunk_bytes: u32,

    #[command(flatten)]
    target: ConnectionArgs,
}

/// What an interrupted run needs to go on.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Checkpoint {
    version: u32,
    input: Value,
    format: BulkFormat,
    /// The page being exported, from 1.
    page: u64,
    /// The token that starts this page's job (pages past 2).
    page_token: Option<String>,
    /// This page's job, once started.
    job_id: Option<String>,
    /// Where the next chunk of the job's file starts (`nextOffset`); `None` at its start, and
    /// after its end (then `file_done`).
    offset: Option<String>,
    /// Every record of this page's file is written: a resumed run moves to the next page.
    #[serde(default)]
    file_done: bool,
    /// The CSV header written, once written.
    columns: Option<Vec<String>>,
    records: u64,
    /// Length of FILE.part holding exactly `records` records.
    bytes: u64,
    /// Jobs finished so far.
    jobs: Vec<String>,
}

pub(super) async fn run(args: BulkReadArgs, cx: Context<'_>) -> Result<i32, Failure> {
    let (text, input) = input_object(&args.input, cx.stdin, "crmBulkReadStart's inputs")?;
    let part = with_suffix(&args.output, ".part");
    let checkpoint_path = with_suffix(&args.output, ".part.json");
    let (file, checkpoint) = if args.resume {
        reopen(&part, &checkpoint_path, &args, &input)?
    } else {
        start(&part, &checkpoint_path, &args, &input)?
    };
    let (resolved, harness) = cx.loader.connect(&args.target, cx.env).await?;
    let caller = Caller {
        harness: &harness,
        resolved: &resolved,
        debug: wants_debug(&text),
    };
    let mut reader = PageReader {
        caller: &caller,
        args: &args,
        input: &input,
        part: &part,
        checkpoint_path: &checkpoint_path,
        file,
        checkpoint,
        pacer: DownloadPacer::new(args.downloads_per_minute as usize),
        progress: cx.progress,
    };
    loop {
        match reader.next_page(cx.stderr).await {
            Ok(true) => {}
            Ok(false) => break,
            Err(stop) => return reader.report_stop(stop, cx.stderr, cx.stdout),
        }
    }
    if cx.progress {
        writeln!(cx.stderr)?;
    }
    let PageReader { file, checkpoint, .. } = reader;
    finish(file, &part, &args.output, &checkpoint_path)?;
    writeln!(
        cx.stdout,
        "{}",
        json!({
            "records": checkpoint.records,
            "pages": checkpoint.page,
            "jobs": checkpoint.jobs,
            "output": args.output.display().to_string(),
            "format": args.format,
        })
    )?;
    Ok(0)
}

/// Why a page stopped the command.
enum PageStop {
    /// Zoho refused a call (in `job`, whose state is `state` once known).
    Zoho {
        error: zoho_host::Error,
        job: Option<String>,
        state: Option<String>,
    },
    /// The job ended in a state other than COMPLETED.
    JobFailed {
        job: String,
        state: String,
        message: Option<String>,
    },
    Failed(Failure),
}

impl From<Failure> for PageStop {
    fn from(failure: Failure) -> Self {
        PageStop::Failed(failure)
    }
}

/// The run's position and output file, one Bulk Read page (one job) at a time.
struct PageReader<'a> {
    caller: &'a Caller<'a>,
    args: &'a BulkReadArgs,
    input: &'a Map<String, Value>,
    part: &'a Path,
    checkpoint_path: &'a Path,
    file: File,
    checkpoint: Checkpoint,
    pacer: DownloadPacer,
    progress: bool,
}

impl PageReader<'_> {
    /// Reads the page the checkpoint is at: its job (started unless the checkpoint names
    /// one), waited for, and its result file written out chunk by chunk. Whether another page
    /// follows.
    async fn next_page(&mut self, stderr: &mut dyn Write) -> Result<bool, PageStop> {
        let job_id = self.job(stderr).await?;
        let zoho = |error, state: Option<&str>| PageStop::Zoho {
            error,
            job: Some(job_id.clone()),
            state: state.map(str::to_owned),
        };
        let status = wait_for_job(
            self.caller,
            "crmBulkReadStatus",
            &job_id,
            &["COMPLETED", "FAILURE"],
            self.progress,
            stderr,
        )
        .await?
        .map_err(|error| zoho(error, None))?;
        if status["state"] != "COMPLETED" {
            return Err(PageStop::JobFailed {
                job: job_id.clone(),
                state: status["state"].as_str().unwrap_or("FAILURE").to_owned(),
                message: status["errorMessage"].as_str().map(str::to_owned),
            });
        }
        // A page Zoho reports empty has no file worth a download.
        let empty = status["count"] == 0 && self.checkpoint.offset.is_none();
        if !self.checkpoint.file_done && !empty {
            self.download(&job_id, stderr)
                .await?
                .map_err(|error| zoho(error, status["state"].as_str()))?;
        }
        self.checkpoint.jobs.push(job_id.clone());
        if status["moreRecords"] != true {
            return Ok(false);
        }
        self.checkpoint.page += 1;
        self.checkpoint.page_token = status["nextPageToken"].as_str().map(str::to_owned);
        self.checkpoint.job_id = None;
        self.checkpoint.offset = None;
        self.checkpoint.file_done = false;
        save(self.checkpoint_path, &self.checkpoint)?;
        Ok(true)
    }

    /// The page's job: the one the checkpoint names, or a new one, saved before it is used.
    async fn job(&mut self, stderr: &mut dyn Write) -> Result<String, PageStop> {
        if let Some(job_id) = &self.checkpoint.job_id {
            return Ok(job_id.clone());
        }
        let call_input = start_input(self.input, &self.checkpoint);
        let output = self
            .caller
            .call("crmBulkReadStart", &call_input, stderr)
            .await?
            .map_err(|error| PageStop::Zoho {
                error,
                job: None,
                state: None,
            })?;
        let job_id = output["data"]["jobId"].as_str().unwrap_or_default().to_owned();
        self.checkpoint.job_id = Some(job_id.clone());
        self.checkpoint.offset = None;
        save(self.checkpoint_path, &self.checkpoint)?;
        Ok(job_id)
    }

    /// Every chunk of the job's result file from the checkpoint's offset on, each written and
    /// checkpointed before the next is asked for. Zoho's download limit is waited out, and a
    /// download cut off mid-file is read again a few times (it changed nothing) before the
    /// run stops for a `--resume`.
    async fn download(
        &mut self,
        job_id: &str,
        stderr: &mut dyn Write,
    ) -> Result<Result<(), zoho_host::Error>, Failure> {
        let mut broken_downloads = 0;
        loop {
            self.pacer.admit(self.progress, stderr).await?;
            let mut call_input = json!({"jobId": job_id, "maxBytes": self.args.chunk_bytes});
            if let Some(offset) = &self.checkpoint.offset {
                call_input["offset"] = json!(offset);
            }
            let output = match self.caller.call_text("crmBulkReadResult", &call_input, stderr).await? {
                Ok(output) => output,
                Err(error) => {
                    if let Some(wait) = self.pacer.backoff(&error) {
                        writeln!(
                            stderr,
                            "zoho-harness: Zoho's download limit was reached; trying again in {} s",
                            wait.as_secs()
                        )?;
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    if matches!(error, zoho_host::Error::Transport(_)) && broken_downloads < MAX_BROKEN_DOWNLOADS {
                        broken_downloads += 1;
                        let wait = std::time::Duration::from_secs(1 << broken_downloads);
                        writeln!(
                            stderr,
                            "zoho-harness: the download broke off; reading the same chunk again in {} s",
                            wait.as_secs()
                        )?;
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    return Ok(Err(error));
                }
            };
            broken_downloads = 0;
            let chunk = Chunk::read(&output)?;
            write_chunk(
                &mut self.file,
                &mut self.checkpoint,
                &chunk,
                &self.caller.secrets(),
                self.part,
            )?;
            save(self.checkpoint_path, &self.checkpoint)?;
            if self.progress {
                write!(
                    stderr,
                    "\rzoho-harness: page {}: {} records written          ",
                    self.checkpoint.page, self.checkpoint.records
                )?;
                stderr.flush()?;
            }
            if chunk.done {
                return Ok(Ok(()));
            }
        }
    }

    /// Says where the run stopped (the checkpoint `--resume` goes on from) and prints the
    /// error document: exit 1, or 2 for a harness failure.
    fn report_stop(&self, stop: PageStop, stderr: &mut dyn Write, stdout: &mut dyn Write) -> Result<i32, Failure> {
        if let PageStop::Failed(failure) = stop {
            return Err(failure);
        }
        say_stopped(self.checkpoint.records, self.progress, stderr)?;
        match stop {
            PageStop::Zoho {
                error,
                job: Some(job),
                state,
            } => self.caller.fail_for_job(&error, &job, state.as_deref(), stdout),
            PageStop::Zoho { error, job: None, .. } => self.caller.fail(&error, stdout),
            PageStop::JobFailed { job, state, message } => job_failed(
                "Bulk Read",
                &job,
                &state,
                message.as_deref(),
                &self.caller.secrets(),
                stdout,
            ),
            PageStop::Failed(failure) => Err(failure),
        }
    }
}

/// Pages Zoho serves by number; past them a job needs the page token the previous job gave.
const PAGES_BY_NUMBER: u64 = 2;

/// `crmBulkReadStart`'s input for the checkpoint's page: the user's, with the page number
/// (pages 1 and 2) or the token the previous job gave (past them).
fn start_input(input: &Map<String, Value>, checkpoint: &Checkpoint) -> Value {
    let mut call = input.clone();
    match &checkpoint.page_token {
        Some(token) if checkpoint.page > PAGES_BY_NUMBER => {
            call.remove("page");
            call.insert("pageToken".into(), json!(token));
        }
        _ => {
            call.remove("pageToken");
            call.insert("page".into(), json!(checkpoint.page));
        }
    }
    Value::Object(call)
}

/// One call's chunk, borrowed from its output text.
struct Chunk<'a> {
    columns: Vec<String>,
    data: Vec<&'a serde_json::value::RawValue>,
    next_offset: Option<String>,
    done: bool,
}

impl<'a> Chunk<'a> {
    fn read(output: &'a str) -> Result<Self, Failure> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Output<'a> {
            columns: Vec<String>,
            #[serde(borrow)]
            data: Vec<&'a serde_json::value::RawValue>,
            next_offset: Option<String>,
            done: bool,
        }
        let parsed: Output<'a> = serde_json::from_str(output).map_err(|e| {
            Failure(format!(
                "crmBulkReadResult answered with something other than a chunk: {e}"
            ))
        })?;
        Ok(Chunk {
            columns: parsed.columns,
            data: parsed.data,
            next_offset: parsed.next_offset,
            done: parsed.done,
        })
    }
}

/// Appends a chunk's records, syncs them, and moves the checkpoint past them (saved by the
/// caller): the checkpoint never counts a byte that is not on disk.
fn write_chunk(
    file: &mut File,
    checkpoint: &mut Checkpoint,
    chunk: &Chunk<'_>,
    secrets: &[String],
    part: &Path,
) -> Result<(), Failure> {
    let mut buffer: Vec<u8> = Vec::new();
    match checkpoint.format {
        BulkFormat::Ndjson => {
            for record in &chunk.data {
                buffer.extend_from_slice(record.get().as_bytes());
                buffer.push(b'\n');
            }
        }
        BulkFormat::Csv => {
            let mut writer = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(&mut buffer);
            match &checkpoint.columns {
                Some(columns) if *columns != chunk.columns => {
                    return Err(Failure(format!(
                        "page {} has other columns than the pages before it; export it to another file",
                        checkpoint.page
                    )));
                }
                Some(_) => {}
                None => {
                    writer.write_record(&chunk.columns)?;
                    checkpoint.columns = Some(chunk.columns.clone());
                }
            }
            for record in &chunk.data {
                let values: Map<String, Value> = serde_json::from_str(record.get())?;
                writer.write_record(
                    chunk
                        .columns
                        .iter()
                        .map(|column| values.get(column).and_then(Value::as_str).unwrap_or_default()),
                )?;
            }
            writer.flush()?;
        }
    }
    let failed = |what: &str, e: std::io::Error| Failure(format!("could not {what} {}: {e}", part.display()));
    let text = String::from_utf8_lossy(&buffer);
    file.write_all(scrubbed(&text, secrets).as_bytes())
        .map_err(|e| failed("write", e))?;
    file.sync_data().map_err(|e| failed("sync", e))?;
    checkpoint.records += chunk.data.len() as u64;
    checkpoint.bytes = file.stream_position().map_err(|e| failed("write", e))?;
    checkpoint.offset = chunk.next_offset.clone();
    checkpoint.file_done = chunk.done;
    Ok(())
}

/// A fresh run: an empty FILE.part and its checkpoint.
fn start(
    part: &Path,
    checkpoint_path: &Path,
    args: &BulkReadArgs,
    input: &Map<String, Value>,
) -> Result<(File, Checkpoint), Failure> {
    let file = File::create(part).map_err(|e| Failure(format!("could not create {}: {e}", part.display())))?;
    let checkpoint = Checkpoint {
        version: CHECKPOINT_VERSION,
        input: Value::Object(input.clone()),
        format: args.format,
        page: input.get("page").and_then(Value::as_u64).unwrap_or(1),
        page_token: input.get("pageToken").and_then(Value::as_str).map(str::to_owned),
        job_id: None,
        offset: None,
        file_done: false,
        columns: None,
        records: 0,
        bytes: 0,
        jobs: Vec::new(),
    };
    save(checkpoint_path, &checkpoint)?;
    Ok((file, checkpoint))
}

/// An interrupted run: its checkpoint, and FILE.part cut back to what the checkpoint counts.
fn reopen(
    part: &Path,
    checkpoint_path: &Path,
    args: &BulkReadArgs,
    input: &Map<String, Value>,
) -> Result<(File, Checkpoint), Failure> {
    resume(part, checkpoint_path, |checkpoint: &Checkpoint| {
        let same = checkpoint.input == Value::Object(input.clone()) && checkpoint.format == args.format;
        (!same).then(|| "a bulk-read with its own --input and --format".to_owned())
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
