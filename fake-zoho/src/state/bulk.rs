//! The Bulk API's state: settings, uploads, page tokens, and the Bulk Read and Bulk Write
//! jobs.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::reply::Reply;

/// Bulk settings, uploads, page tokens and the download allowance (the jobs themselves are
/// kept beside this, in the fake's state, by the modules that own them).
#[derive(Debug)]
pub(crate) struct BulkState {
    /// Uploaded files by id: the ZIP as received and its name.
    pub uploads: BTreeMap<String, (String, Vec<u8>)>,
    /// Issued `next_page_token`s: token -> (module, index of the next record, the query).
    pub page_tokens: BTreeMap<String, (String, usize)>,
    /// Records per Bulk Read page: Zoho's 200,000, smaller in tests.
    pub page_size: usize,
    /// How long a job stays in each state before the next.
    pub step: Duration,
    /// Result downloads allowed per window, and the window (Zoho: 10 a minute).
    pub download_limit: usize,
    pub download_window: Duration,
    pub downloads: VecDeque<Instant>,
    /// Bulk Read jobs by id.
    pub read_jobs: BTreeMap<String, ReadJob>,
    /// Bulk Write jobs by id.
    pub write_jobs: BTreeMap<String, WriteJob>,
    /// The next Bulk Read job ends in FAILURE with this message.
    pub fail_next: Option<String>,
    /// Result downloads to let through, then how many to fail with a 500.
    pub download_failures: (usize, usize),
    /// Result downloads to let through, then how many to break off halfway through the body.
    pub download_breaks: (usize, usize),
}

impl BulkState {
    pub fn new() -> Self {
        BulkState {
            uploads: BTreeMap::new(),
            page_tokens: BTreeMap::new(),
            page_size: 200_000,
            step: Duration::from_millis(250),
            download_limit: 10,
            download_window: Duration::from_secs(60),
            downloads: VecDeque::new(),
            read_jobs: BTreeMap::new(),
            write_jobs: BTreeMap::new(),
            fail_next: None,
            download_failures: (0, 0),
            download_breaks: (0, 0),
        }
    }

    /// Counts a download, or answers Zoho's 429 when the window's allowance is spent (or an
    /// injected 500).
    pub fn admit_download(&mut self) -> Result<(), Reply> {
        match &mut self.download_failures {
            (0, 0) => {}
            (0, times) => {
                *times -= 1;
                return Err(Reply::crm_error(
                    500,
                    "INTERNAL_ERROR",
                    "Internal Server Error",
                    json!({}),
                ));
            }
            (pass, _) => *pass -= 1,
        }
        let now = Instant::now();
        while self
            .downloads
            .front()
            .is_some_and(|at| now.duration_since(*at) >= self.download_window)
        {
            self.downloads.pop_front();
        }
        if self.downloads.len() >= self.download_limit {
            return Err(Reply::crm_error(
                429,
                "TOO_MANY_REQUESTS",
                "the download limit is reached; the request will be processed only after one minute",
                json!({"limit": self.download_limit}),
            ));
        }
        self.downloads.push_back(now);
        Ok(())
    }
}

/// One export job.
#[derive(Debug)]
pub(crate) struct ReadJob {
    pub(crate) id: String,
    pub(crate) created: Instant,
    pub(crate) created_time: String,
    pub(crate) query: Value,
    pub(crate) page: usize,
    pub(crate) count: usize,
    pub(crate) more: bool,
    pub(crate) next_token: Option<String>,
    pub(crate) zip: Vec<u8>,
    pub(crate) failure: Option<String>,
}

/// One import job, applied when created; its states then pass with time.
#[derive(Debug)]
pub(crate) struct WriteJob {
    pub(crate) id: String,
    pub(crate) created: Instant,
    pub(crate) created_time: String,
    pub(crate) operation: String,
    pub(crate) module: String,
    pub(crate) file_name: String,
    pub(crate) field_mappings: Value,
    pub(crate) added: usize,
    pub(crate) updated: usize,
    pub(crate) skipped: usize,
    pub(crate) result_zip: Vec<u8>,
}
