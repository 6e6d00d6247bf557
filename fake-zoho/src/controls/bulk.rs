//! The Bulk API's test controls: uploads and jobs started directly, page sizes, job pacing,
//! Zoho's download limit and failed or broken downloads.

use serde_json::Value;

use crate::FakeZoho;
use crate::request::RecordedRequest;

impl FakeZoho {
    /// Adds an uploaded Bulk Write file directly (no request recorded) and returns its id.
    pub fn seed_bulk_upload(&self, name: &str, csv: &[u8]) -> String {
        let mut state = self.shared.lock();
        let id = state.new_id();
        state.bulk.uploads.insert(id.clone(), (name.to_owned(), csv.to_vec()));
        id
    }

    /// Starts a Bulk Read (`kind` "read") or Bulk Write ("write") job directly from its JSON
    /// body, as a client's POST would, and returns the job id.
    pub fn seed_bulk_job(&self, kind: &str, body: &Value) -> Option<String> {
        let request = RecordedRequest {
            method: "POST".into(),
            path: format!("/crm/bulk/v8/{kind}"),
            raw_query: None,
            query: Vec::new(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
            received_at: std::time::Instant::now(),
        };
        let mut state = self.shared.lock();
        let reply = match kind {
            "read" => crate::bulk_read::route(&mut state, &request, &[])?,
            _ => crate::bulk_write::route(&mut state, &request, &[])?,
        };
        let answer: Value = serde_json::from_slice(&reply.body).ok()?;
        let details = answer
            .get("data")
            .and_then(|d| d.get(0))
            .unwrap_or(&answer)
            .get("details")?;
        details.get("id")?.as_str().map(str::to_owned)
    }

    /// Records per Bulk Read job page (Zoho's is 200,000); smaller pages keep tests quick.
    pub fn set_bulk_page_size(&self, records: usize) {
        self.shared.lock().bulk.page_size = records.max(1);
    }

    /// How long a bulk job stays in each state (ADDED, QUEUED, IN PROGRESS) before completing.
    pub fn set_bulk_step(&self, step: std::time::Duration) {
        self.shared.lock().bulk.step = step;
    }

    /// Result downloads allowed per window before a 429 (Zoho: 10 a minute).
    pub fn set_bulk_download_limit(&self, downloads: usize, window: std::time::Duration) {
        let mut state = self.shared.lock();
        state.bulk.download_limit = downloads;
        state.bulk.download_window = window;
    }

    /// Lets `pass` Bulk Read result downloads through, then fails the next `times` with a 500.
    pub fn fail_bulk_downloads(&self, pass: usize, times: usize) {
        self.shared.lock().bulk.download_failures = (pass, times);
    }

    /// Lets `pass` Bulk Read result downloads through, then breaks the next `times` off halfway
    /// through their body.
    pub fn break_bulk_downloads(&self, pass: usize, times: usize) {
        self.shared.lock().bulk.download_breaks = (pass, times);
    }

    /// Makes the next Bulk Read job end in FAILURE with `message`.
    pub fn fail_next_bulk_read(&self, message: &str) {
        self.shared.lock().bulk.fail_next = Some(message.to_owned());
    }
}
