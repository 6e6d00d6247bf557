//! What `bulk-read` and `bulk-write` share: calling actions one after another on one
//! connection, waiting for a bulk job with backoff, and pacing result downloads to Zoho's
//! limit.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::common::{Failure, print_error, print_log};
use super::connection::Resolved;
use zoho_host::Error;
use zoho_host::MemoryLog;
use zoho_host::output::scrub;
use zoho_host::{CallContext, Harness};

/// Actions run one after another for one command.
pub(super) struct Caller<'a> {
    pub harness: &'a Harness,
    pub resolved: &'a Resolved,
    pub debug: bool,
}

impl Caller<'_> {
    /// Runs `key` with `input`; the component's log goes to stderr, scrubbed of secrets.
    pub async fn call(
        &self,
        key: &str,
        input: &Value,
        stderr: &mut dyn Write,
    ) -> Result<Result<Value, Error>, Failure> {
        match self.call_text(key, input, stderr).await? {
            Ok(text) => Ok(Ok(serde_json::from_str(&text)
                .map_err(|e| Failure(format!("{key} answered with text that is not JSON: {e}")))?)),
            Err(error) => Ok(Err(error)),
        }
    }

    /// Like [`Caller::call`], for outputs too large to parse into a tree: the text as it came.
    pub async fn call_text(
        &self,
        key: &str,
        input: &Value,
        stderr: &mut dyn Write,
    ) -> Result<Result<String, Error>, Failure> {
        let log = MemoryLog::default();
        let context = CallContext::new(Arc::clone(&self.resolved.provider)).with_log(Arc::new(log.clone()));
        let outcome = self
            .harness
            .invoke(&context, key, &self.resolved.connection, &input.to_string())
            .await;
        let secrets = self.secrets();
        print_log(&log, self.debug, &secrets, stderr)?;
        outcome.map_err(|e| Failure(scrub(&e.to_string(), &secrets)))
    }

    pub fn secrets(&self) -> Vec<String> {
        self.resolved.provider.secrets()
    }

    /// Prints a failed call's error document: exit 1.
    pub fn fail(&self, error: &Error, stdout: &mut dyn Write) -> Result<i32, Failure> {
        print_error(error, &self.secrets(), stdout)
    }

    /// Prints a failed call's error document naming the job it was for and the job's last
    /// known state (`null` when not known): exit 1.
    pub fn fail_for_job(
        &self,
        error: &Error,
        job_id: &str,
        state: Option<&str>,
        stdout: &mut dyn Write,
    ) -> Result<i32, Failure> {
        let mut document = zoho_host::output::error_document(error);
        document["error"]["jobId"] = json!(job_id);
        document["error"]["state"] = json!(state);
        writeln!(
            stdout,
            "{}",
            scrub(&serde_json::to_string_pretty(&document)?, &self.secrets())
        )?;
        Ok(1)
    }
}

/// A job that ended without completing: a typed error naming it, exit 1.
pub(super) fn job_failed(
    kind: &str,
    job_id: &str,
    state: &str,
    message: Option<&str>,
    secrets: &[String],
    stdout: &mut dyn Write,
) -> Result<i32, Failure> {
    let detail = message.map_or_else(String::new, |m| format!(": {m}"));
    let document = json!({"error": {
        "kind": "job-failed",
        "message": format!("{kind} job {job_id} ended in {state}{detail}"),
        "jobId": job_id,
        "state": state,
    }});
    writeln!(stdout, "{}", scrub(&serde_json::to_string_pretty(&document)?, secrets))?;
    Ok(1)
}

/// The first wait between status checks; each later one is half as long again, up to
/// [`MAX_POLL_INTERVAL`]. Zoho's jobs take seconds to minutes.
const FIRST_POLL_INTERVAL: Duration = Duration::from_millis(500);
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(30);

/// Polls `status_key` for `job_id` until its `state` is one of `finished`; returns the last
/// status (its `data`) or the call's error.
pub(super) async fn wait_for_job(
    caller: &Caller<'_>,
    status_key: &str,
    job_id: &str,
    finished: &[&str],
    progress: bool,
    stderr: &mut dyn Write,
) -> Result<Result<Value, Error>, Failure> {
    let mut interval = FIRST_POLL_INTERVAL;
    let mut last_state = String::new();
    loop {
        let status = match caller.call(status_key, &json!({"jobId": job_id}), stderr).await? {
            Ok(output) => output["data"].clone(),
            Err(error) => return Ok(Err(error)),
        };
        let state = status["state"].as_str().unwrap_or_default().to_owned();
        if finished.contains(&state.as_str()) {
            return Ok(Ok(status));
        }
        if progress && state != last_state {
            write!(stderr, "\rzoho-harness: job {job_id} is {state}          ")?;
            stderr.flush()?;
        }
        last_state = state;
        tokio::time::sleep(interval).await;
        interval = interval.mul_f64(1.5).min(MAX_POLL_INTERVAL);
    }
}

/// Keeps result downloads within Zoho's allowance: at most `per_minute` in any 60 seconds.
pub(super) struct DownloadPacer {
    per_minute: usize,
    recent: VecDeque<Instant>,
}

const MINUTE: Duration = Duration::from_secs(60);

impl DownloadPacer {
    pub fn new(per_minute: usize) -> Self {
        DownloadPacer {
            per_minute: per_minute.max(1),
            recent: VecDeque::new(),
        }
    }

    /// Waits until one more download is allowed, and counts it.
    pub async fn admit(&mut self, progress: bool, stderr: &mut dyn Write) -> Result<(), Failure> {
        while self.recent.front().is_some_and(|at| at.elapsed() >= MINUTE) {
            self.recent.pop_front();
        }
        if self.recent.len() >= self.per_minute
            && let Some(oldest) = self.recent.front()
        {
            let wait = MINUTE.saturating_sub(oldest.elapsed());
            if progress {
                write!(
                    stderr,
                    "\rzoho-harness: waiting {} s for Zoho's download limit   ",
                    wait.as_secs()
                )?;
                stderr.flush()?;
            }
            tokio::time::sleep(wait).await;
            self.recent.pop_front();
        }
        self.recent.push_back(Instant::now());
        Ok(())
    }

    /// How long to wait after Zoho refused a download with `rate-limited`: its `Retry-After`
    /// when it sent one, else until a minute has passed since the oldest download counted.
    pub fn backoff(&self, error: &Error) -> Option<Duration> {
        let Error::RateLimited(limited) = error else {
            return None;
        };
        Some(match limited.retry_after_seconds {
            Some(seconds) => Duration::from_secs(seconds.into()),
            None => self
                .recent
                .front()
                .map_or(MINUTE, |oldest| MINUTE.saturating_sub(oldest.elapsed()))
                .max(Duration::from_secs(1)),
        })
    }
}
