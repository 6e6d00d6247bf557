//! The HTTP side: a hyper server on its own thread and runtime, request recording, the
//! `Authorization` check and routing to the product fakes.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

use crate::wire::{parse_query, percent_decode};

use crate::{Fault, InjectedFault, Module, RecordedRequest, Reply, Shared, State, Trigger, books, crm};

/// A running fake. Stops when dropped.
#[derive(Debug)]
pub struct FakeZoho {
    addr: SocketAddr,
    shared: Shared,
    token: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// A token no one can guess, in Zoho's `1000.<hex>.<hex>` shape. std's `RandomState` is
/// randomly seeded per instance, which is all the randomness a fake needs.
fn random_token() -> String {
    let part = || {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(0x5a0);
        hasher.finish()
    };
    format!("1000.{:016x}{:016x}.{:016x}", part(), part(), part())
}

impl FakeZoho {
    /// Starts a fake on a free port of 127.0.0.1 with one valid access token.
    pub fn start() -> std::io::Result<Self> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Starts a fake on `addr` (use port 0 for a free one).
    pub fn start_on(addr: SocketAddr) -> std::io::Result<Self> {
        let token = random_token();
        let shared = Shared(Arc::new(Mutex::new(State::new(token.clone()))));
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        shared.lock().base_url = format!("http://{addr}");
        // The courier records outcomes through a weak handle, so it never keeps a stopped fake alive.
        let weak = std::sync::Arc::downgrade(&shared.0);
        shared.lock().courier = Some(crate::watch::start_courier(move |delivery| {
            if let Some(state) = weak.upgrade() {
                Shared(state).lock().deliveries.push(delivery);
            }
        }));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let (shutdown, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let served = shared.clone();
        let thread = std::thread::Builder::new().name("fake-zoho".into()).spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                loop {
                    tokio::select! {
                        _ = &mut stopped => break,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            served.lock().connections_accepted += 1;
                            let shared = served.clone();
                            tokio::spawn(async move {
                                let service = service_fn(move |request| serve(shared.clone(), request));
                                // A client hanging up mid-request is not the fake's problem.
                                let _ = hyper::server::conn::http1::Builder::new()
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await;
                            });
                        }
                    }
                }
            });
        })?;
        Ok(FakeZoho {
            addr,
            shared,
            token,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`, the value to use as the API domain.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// An access token the fake accepts.
    pub fn access_token(&self) -> String {
        self.token.clone()
    }

    /// Makes `token` valid as well (e.g. the token a refresh would return).
    pub fn add_token(&self, token: &str) {
        self.shared.lock().tokens.insert(token.to_owned());
    }

    /// Makes `token` invalid, as if it expired: requests carrying it get 401 `INVALID_TOKEN`.
    pub fn revoke_token(&self, token: &str) {
        self.shared.lock().tokens.remove(token);
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Adds a note to a record directly (no request recorded) and returns its id.
    pub fn seed_note(&self, module: &str, record_id: &str, title: &str, content: &str) -> String {
        let mut state = self.shared.lock();
        let id = state.new_id();
        let now = state.clock.now();
        let user = state.user.clone();
        let note = json!({
            "id": id, "Note_Title": title, "Note_Content": content,
            "Parent_Id": {"module": {"api_name": module}, "id": record_id},
            "Owner": user, "Created_By": user, "Modified_By": user,
            "Created_Time": now, "Modified_Time": now,
        });
        if let Value::Object(note) = note {
            state.notes.push(note);
        }
        id
    }

    /// TCP connections accepted so far.
    pub fn connections_accepted(&self) -> u64 {
        self.shared.lock().connections_accepted
    }

    /// Shows `observer` every request from now on, with the fake's answer.
    pub fn observe(&self, observer: std::sync::Arc<dyn crate::ExchangeObserver>) {
        self.shared.lock().observer = Some(observer);
    }

    /// Credits charged over the last 24 hours of the fake's clock.
    pub fn credits_used(&self) -> u64 {
        let mut state = self.shared.lock();
        let now = state.clock.now_unix();
        state.credits.used(now)
    }

    /// Credits charged since the fake started or [`Self::reset_credits`], window or not.
    pub fn credits_charged(&self) -> u64 {
        self.shared.lock().credits.charged_ever
    }

    /// The organization's allowance over 24 hours (Zoho's: Free 5,000; Standard 50,000 + 250
    /// per user, ...); `None`, the default, never runs out.
    pub fn set_credit_allowance(&self, credits: Option<u64>) {
        self.shared.lock().credits.allowance = credits;
    }

    /// Forgets every charge.
    pub fn reset_credits(&self) {
        let mut state = self.shared.lock();
        let allowance = state.credits.allowance;
        state.credits = crate::credits::Meter::default();
        state.credits.allowance = allowance;
    }

    /// Zoho's limit on the calls one app may have in flight for the organization (Free 5,
    /// Standard 10, ...); past it the fake answers 429. `None`, the default, never refuses.
    pub fn set_concurrency_limit(&self, calls: Option<usize>) {
        self.shared.lock().concurrency_limit = calls;
    }

    /// The most calls the fake has had in flight at once, and the calls it refused for
    /// passing the concurrency limit.
    pub fn concurrency(&self) -> (usize, usize) {
        let state = self.shared.lock();
        (state.most_in_flight, state.concurrency_refusals)
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// Adds a module (e.g. a custom `Projects__c`) whose records need `mandatory_field`.
    pub fn add_module(&self, name: &str, mandatory_field: &str) {
        self.shared
            .lock()
            .modules
            .entry(name.to_owned())
            .or_insert_with(|| Module::new(mandatory_field));
    }

    /// Stores records directly (no request recorded) and returns their new ids.
    pub fn seed(&self, module: &str, records: &[Value]) -> Vec<String> {
        let mut state = self.shared.lock();
        records
            .iter()
            .filter_map(Value::as_object)
            .map(|fields| crate::records::insert(&mut state, module, fields.clone()))
            .collect()
    }

    /// The records of a module as stored, in creation order.
    pub fn records(&self, module: &str) -> Vec<Value> {
        self.shared
            .lock()
            .modules
            .get(module)
            .map(|m| m.records.iter().cloned().map(Value::Object).collect())
            .unwrap_or_default()
    }

    /// Sets the largest attachment the fake accepts (Zoho answers 413 above it).
    pub fn set_attachment_size_limit(&self, bytes: usize) {
        self.shared.lock().attachment_size_limit = bytes;
    }

    /// Stores an attachment directly (no request recorded) and returns its id.
    pub fn seed_attachment(
        &self,
        module: &str,
        record_id: &str,
        file_name: &str,
        content_type: &str,
        data: &[u8],
    ) -> String {
        let mut state = self.shared.lock();
        let id = state.new_id();
        let attachment = crate::attachments::Attachment {
            id: id.clone(),
            file_name: file_name.to_owned(),
            content_type: content_type.to_owned(),
            data: data.to_vec(),
            link_url: None,
            created_time: state.clock.now(),
        };
        state
            .attachments
            .entry((module.to_owned(), record_id.to_owned()))
            .or_default()
            .push(attachment);
        id
    }

    /// The attachments of a record as stored: (file name, content type, bytes).
    pub fn attachments(&self, module: &str, record_id: &str) -> Vec<(String, String, Vec<u8>)> {
        self.shared
            .lock()
            .attachments
            .get(&(module.to_owned(), record_id.to_owned()))
            .map(|all| {
                all.iter()
                    .map(|a| (a.file_name.clone(), a.content_type.clone(), a.data.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Registers an OAuth client the accounts server accepts.
    pub fn register_client(&self, client_id: &str, client_secret: &str) {
        self.shared
            .lock()
            .accounts
            .clients
            .insert(client_id.to_owned(), client_secret.to_owned());
    }

    /// A one-time grant code for a registered client (what Zoho's Self Client console shows).
    pub fn issue_grant_code(&self, client_id: &str) -> String {
        let mut state = self.shared.lock();
        state.accounts.issued += 1;
        let code = format!("1000.grant{:08x}", state.accounts.issued);
        state
            .accounts
            .grant_codes
            .insert(code.clone(), (client_id.to_owned(), false));
        code
    }

    /// A refresh token for a registered client, as if a grant code had been exchanged.
    pub fn issue_refresh_token(&self, client_id: &str) -> String {
        let mut state = self.shared.lock();
        state.accounts.issued += 1;
        let token = format!(
            "1000.refresh{:08x}.{:x}",
            state.accounts.issued,
            state.next_id.wrapping_add(0x5eed)
        );
        state
            .accounts
            .refresh_tokens
            .insert(token.clone(), (client_id.to_owned(), Vec::new()));
        token
    }

    /// Whether a refresh token is still valid (not revoked).
    pub fn refresh_token_valid(&self, token: &str) -> bool {
        self.shared.lock().accounts.refresh_tokens.contains_key(token)
    }

    /// How long issued access tokens live (default one hour).
    pub fn set_token_lifetime(&self, lifetime: std::time::Duration) {
        self.shared.lock().accounts.lifetime = lifetime;
    }

    /// How many access tokens one refresh token may get per window (Zoho: 10 per 10 minutes).
    pub fn set_refresh_limit(&self, count: usize) {
        self.shared.lock().accounts.refresh_limit = count;
    }

    /// The `api_domain` token answers name (default: this fake's own URL).
    pub fn set_oauth_api_domain(&self, api_domain: &str) {
        self.shared.lock().accounts.api_domain = Some(api_domain.to_owned());
    }

    /// Answer with the older expiry form (`expires_in` in ms plus `expires_in_sec`).
    pub fn set_legacy_expiry(&self, legacy: bool) {
        self.shared.lock().accounts.legacy_expiry = legacy;
    }

    /// Expires every access token issued so far, as if an hour passed.
    pub fn expire_access_tokens(&self) {
        let mut state = self.shared.lock();
        let now = std::time::Instant::now();
        for at in state.accounts.expiries.values_mut() {
            *at = now;
        }
    }

    /// Requests received by the token endpoint (every grant), for counting refreshes.
    pub fn token_requests(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == "/oauth/v2/token")
            .collect()
    }

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

    /// Arms `fault` for the next `times` requests whose path starts with `path_prefix`.
    pub fn inject(&self, path_prefix: &str, fault: Fault, times: usize) {
        self.inject_after(path_prefix, fault, 0, times);
    }

    /// Arms `fault` for `times` requests under `path_prefix`, after letting `skip` through.
    pub fn inject_after(&self, path_prefix: &str, fault: Fault, skip: usize, times: usize) {
        let trigger = Trigger::Count { skip, times };
        self.shared.lock().faults.push(InjectedFault {
            path_prefix: path_prefix.to_owned(),
            fault,
            trigger,
        });
    }

    /// Arms `fault` for requests under `path_prefix` with `probability` each, drawn from a
    /// generator seeded with `seed` (so a failing run can be replayed), at most `max` times.
    pub fn inject_random(&self, path_prefix: &str, fault: Fault, probability: f64, seed: u64, max: usize) {
        let trigger = Trigger::Random {
            probability,
            state: seed.max(1),
            left: max,
        };
        self.shared.lock().faults.push(InjectedFault {
            path_prefix: path_prefix.to_owned(),
            fault,
            trigger,
        });
    }

    /// Replaces the Books organizations the token can use, as `(id, name)` pairs.
    pub fn set_books_organizations(&self, organizations: &[(&str, &str)]) {
        self.shared.lock().books.organizations = organizations
            .iter()
            .map(|(id, name)| books::Organization {
                id: (*id).to_owned(),
                name: (*name).to_owned(),
            })
            .collect();
    }

    /// Plays one of the plausible answers Books may give to a `sort_column` a record type does
    /// not document (Zoho does not say which it gives).
    pub fn set_books_unsupported_sort(&self, behaviour: crate::UnsupportedSort) {
        self.shared.lock().books.unsupported_sort = behaviour;
    }

    /// Replaces the sort columns a Books record type documents (e.g. none at all), so a test can
    /// see what a trigger does when even a documented column is not honoured.
    pub fn set_books_sort_columns(&self, record_type: &str, columns: &[&str]) {
        self.shared.lock().books.sort_columns_override.insert(
            record_type.to_owned(),
            columns.iter().map(|c| (*c).to_owned()).collect(),
        );
    }

    /// The id of the first Books organization (the only one unless changed).
    pub fn books_organization_id(&self) -> String {
        self.shared
            .lock()
            .books
            .organizations
            .first()
            .map(|o| o.id.clone())
            .unwrap_or_default()
    }

    /// Stores Books records directly under `collection` (`contacts`, `settings/taxes`,
    /// `invoices/{id}/comments`), giving each an id in `id_field`; returns the ids.
    pub fn seed_books(&self, organization: &str, collection: &str, id_field: &str, records: &[Value]) -> Vec<String> {
        let mut state = self.shared.lock();
        let key = (organization.to_owned(), collection.to_owned());
        records
            .iter()
            .filter_map(Value::as_object)
            .map(|r| books::insert(&mut state, &key, id_field, r.clone()))
            .filter_map(|stored| stored.get(id_field).and_then(Value::as_str).map(str::to_owned))
            .collect()
    }

    /// The Books records of a collection, as stored.
    pub fn books_records(&self, organization: &str, collection: &str) -> Vec<Value> {
        self.shared
            .lock()
            .books
            .collections
            .get(&(organization.to_owned(), collection.to_owned()))
            .map(|records| records.iter().cloned().map(Value::Object).collect())
            .unwrap_or_default()
    }

    /// Stops the fake's clock: records created from now on share one second until it moves.
    pub fn freeze_clock(&self) {
        self.shared.lock().clock.freeze();
    }

    /// Moves the fake's clock (stopped or running) by `seconds`, as if that much time passed.
    pub fn advance_clock(&self, seconds: i64) {
        self.shared.lock().clock.advance(seconds);
    }

    /// Lets a stopped clock run again from where it stands.
    pub fn resume_clock(&self) {
        self.shared.lock().clock.resume();
    }

    /// The fake's time, in seconds since the Unix epoch.
    pub fn now_unix(&self) -> i64 {
        self.shared.lock().clock.now_unix()
    }

    /// Edits a record as a user would in Zoho's UI (new `Modified_Time`, notifications sent);
    /// false when there is no such record.
    pub fn edit_record(&self, module: &str, id: &str, values: &Value) -> bool {
        let mut state = self.shared.lock();
        let edited = crate::records::edit(&mut state, module, id, values.as_object().cloned().unwrap_or_default());
        dispatch(&mut state);
        edited
    }

    /// Creates a record as a user would in Zoho's UI (notifications sent) and returns its id.
    pub fn create_record(&self, module: &str, values: &Value) -> String {
        let mut state = self.shared.lock();
        let id = crate::records::insert(&mut state, module, values.as_object().cloned().unwrap_or_default());
        crate::watch::notify(&mut state, module, "insert", std::slice::from_ref(&id), &[]);
        dispatch(&mut state);
        id
    }

    /// Deletes a record as a user would (to the recycle bin, notifications sent); false when
    /// there is no such record.
    pub fn delete_record(&self, module: &str, id: &str) -> bool {
        let mut state = self.shared.lock();
        let deleted = crm::remove_record(&mut state, module, id)["status"] == "success";
        if deleted {
            crate::watch::notify(&mut state, module, "delete", &[id.to_owned()], &[]);
        }
        dispatch(&mut state);
        deleted
    }

    /// Arms an edit of a record to happen just before the (`skip` + 1)-th request whose path
    /// starts with `path_prefix` is handled: a change made while a client is mid-way.
    pub fn edit_on_request(&self, path_prefix: &str, skip: usize, module: &str, id: &str, values: &Value) {
        self.shared.lock().edits_on_request.push(crate::EditOnRequest {
            path_prefix: path_prefix.to_owned(),
            skip,
            module: module.to_owned(),
            id: id.to_owned(),
            values: values.as_object().cloned().unwrap_or_default(),
        });
    }

    /// Notifications posted so far (with what the listener answered), oldest first.
    pub fn deliveries(&self) -> Vec<crate::watch::Delivery> {
        self.shared.lock().deliveries.clone()
    }

    /// The notification channels as stored: (channel id, events, token, expiry in Unix seconds).
    pub fn channels(&self) -> Vec<(String, Vec<String>, Option<String>, i64)> {
        self.shared
            .lock()
            .channels
            .iter()
            .map(|c| (c.id.clone(), c.events.clone(), c.token.clone(), c.expiry))
            .collect()
    }

    /// Seeds the sample data of the offline sandbox: a small, plausible CRM org and Books
    /// organization, created ten minutes apart over the past hours so that times look real and
    /// a trigger's `backfill` has history to return.
    pub fn seed_sandbox(&self) {
        const SPACING: i64 = 600;
        let fixture: Value = serde_json::from_str(include_str!("../fixtures/sandbox-crm.json")).unwrap_or(Value::Null);
        let books: Value = serde_json::from_str(include_str!("../fixtures/sandbox-books.json")).unwrap_or(Value::Null);
        let count = |value: &Value, records: fn(&Value) -> Option<&Vec<Value>>| -> i64 {
            value
                .as_object()
                .into_iter()
                .flatten()
                .map(|(_, v)| records(v).map_or(0, Vec::len))
                .sum::<usize>()
                .try_into()
                .unwrap_or(0)
        };
        let total = count(&fixture, Value::as_array) + count(&books, |spec| spec["records"].as_array());
        self.advance_clock(-(total + 1) * SPACING);
        for (module, records) in fixture.as_object().into_iter().flatten() {
            for record in records.as_array().into_iter().flatten() {
                self.seed(module, std::slice::from_ref(record));
                self.advance_clock(SPACING);
            }
        }
        let organization = self.books_organization_id();
        for (collection, spec) in books.as_object().into_iter().flatten() {
            let Some(id_field) = spec["id_field"].as_str() else {
                continue;
            };
            for record in spec["records"].as_array().into_iter().flatten() {
                self.seed_books(&organization, collection, id_field, std::slice::from_ref(record));
                self.advance_clock(SPACING);
            }
        }
        self.advance_clock(SPACING);
    }
}

impl Drop for FakeZoho {
    fn drop(&mut self) {
        // Closing the courier's queue ends its thread once it has posted what was queued.
        self.shared.lock().courier = None;
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A response body that can break the connection after some bytes (injected faults).
struct ReplyBody {
    data: Option<Bytes>,
    fail_after: bool,
}

impl hyper::body::Body for ReplyBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, std::io::Error>>> {
        let this = self.get_mut();
        if let Some(data) = this.data.take().filter(|d| !d.is_empty()) {
            return std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(data))));
        }
        if std::mem::take(&mut this.fail_after) {
            return std::task::Poll::Ready(Some(Err(std::io::Error::other("injected: connection broken mid-body"))));
        }
        std::task::Poll::Ready(None)
    }
}

async fn serve(
    shared: Shared,
    request: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<ReplyBody>, hyper::Error> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await?.to_bytes();
    let recorded = RecordedRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        raw_query: parts.uri.query().map(str::to_owned),
        query: parts.uri.query().map(parse_query).unwrap_or_default(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
        received_at: std::time::Instant::now(),
    };
    // Zoho counts a call in flight until it is answered, and refuses one past the app's
    // limit for the organization with 429 (docs `api/v8/api-limits.html`, concurrency).
    let _in_flight = InFlight::enter(&shared);
    let over_limit = {
        let mut state = shared.lock();
        let over = state.concurrency_limit.is_some_and(|limit| state.in_flight > limit);
        if over {
            state.concurrency_refusals += 1;
        }
        over
    };
    let reply = if over_limit {
        Reply::crm_error(
            429,
            "TOO_MANY_REQUESTS",
            "the concurrency limit of the user for the app is exceeded",
            json!({}),
        )
    } else {
        handle(&shared, recorded)
    };
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    let mut response = hyper::Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        response = response.header(name, value);
    }
    let body = match reply.cut_after {
        Some(cut) => {
            // Promise the whole body, deliver part of it, then break the connection.
            response = response.header("content-length", reply.body.len());
            ReplyBody {
                data: Some(reply.body.slice(..cut.min(reply.body.len()))),
                fail_after: true,
            }
        }
        None => ReplyBody {
            data: Some(reply.body),
            fail_after: false,
        },
    };
    Ok(response.body(body).unwrap_or_else(|_| {
        hyper::Response::new(ReplyBody {
            data: None,
            fail_after: false,
        })
    }))
}

/// One call in flight, from its arrival until its answer is ready.
struct InFlight(Shared);

impl InFlight {
    fn enter(shared: &Shared) -> Self {
        let mut state = shared.lock();
        state.in_flight += 1;
        state.most_in_flight = state.most_in_flight.max(state.in_flight);
        InFlight(shared.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
    }
}

/// Records the request, checks the token and routes it; every answer carries the fake clock's
/// `Date`, and the notifications it caused are handed to the courier once it is decided.
pub(crate) fn handle(shared: &Shared, request: RecordedRequest) -> Reply {
    let mut state = shared.lock();
    let observed = state.observer.clone().map(|observer| (observer, request.clone()));
    state.fault_fired = false;
    let mut reply = answer(&mut state, request);
    reply
        .headers
        .push(("date".into(), crate::time::http_date(state.clock.now_unix())));
    dispatch(&mut state);
    let injected = state.fault_fired;
    drop(state);
    if let Some((observer, request)) = observed {
        observer.exchange(&crate::Exchange {
            request: &request,
            status: reply.status,
            headers: &reply.headers,
            body: &reply.body,
            injected,
        });
    }
    reply
}

/// Hands queued notifications to the courier (or keeps them, without one).
fn dispatch(state: &mut State) {
    let outbox = std::mem::take(&mut state.outbox);
    match &state.courier {
        Some(courier) => {
            for delivery in outbox {
                let _ = courier.send(delivery);
            }
        }
        None => state.deliveries.extend(outbox),
    }
}

/// Applies the edits armed for this request, if any (users saving records mid-poll).
fn edit_before(state: &mut State, request: &RecordedRequest) {
    let mut due = Vec::new();
    state.edits_on_request.retain_mut(|edit| {
        if !request.path.starts_with(&edit.path_prefix) {
            return true;
        }
        if edit.skip > 0 {
            edit.skip -= 1;
            return true;
        }
        due.push(edit.clone());
        false
    });
    for edit in due {
        crate::records::edit(state, &edit.module, &edit.id, edit.values);
    }
}

fn answer(state: &mut State, request: RecordedRequest) -> Reply {
    state.requests.push(request.clone());
    edit_before(state, &request);
    let fired = state
        .faults
        .iter_mut()
        .find_map(|f| (request.path.starts_with(&f.path_prefix) && f.fires()).then(|| f.fault.clone()));
    let Some(fault) = fired else {
        let now = state.clock.now_unix();
        if authorize(state, &request).is_ok()
            && let Some(refusal) = state.credits.refuse(&request, now)
        {
            return refusal;
        }
        let reply = route(state, &request);
        state.credits.charge(&request, reply.status, now);
        return reply;
    };
    state.fault_fired = true;
    match fault {
        Fault::Status { status, retry_after } => fault_reply(status, retry_after),
        Fault::Answer { status, body } => Reply {
            status,
            headers: vec![("content-type".into(), "application/json;charset=UTF-8".into())],
            body: Bytes::from(body),
            delay: None,
            cut_after: None,
        },
        Fault::Delay(duration) => Reply {
            delay: Some(duration),
            ..route(state, &request)
        },
        Fault::ResetMidBody => Reply {
            cut_after: Some(0),
            ..route(state, &request)
        },
        Fault::TruncatedBody => {
            let reply = route(state, &request);
            let half = reply.body.len() / 2;
            Reply {
                cut_after: Some(half),
                ..reply
            }
        }
        Fault::MalformedJson => {
            let reply = route(state, &request);
            Reply {
                status: 200,
                body: Bytes::from_static(b"{\"data\":[{\"id\":"),
                ..reply
            }
        }
    }
}

/// A Zoho-shaped error for an injected status.
fn fault_reply(status: u16, retry_after: Option<String>) -> Reply {
    let (code, message) = match status {
        429 => (
            "TOO_MANY_REQUESTS",
            "You have reached the API rate limit. Please try again later.",
        ),
        _ => ("INTERNAL_ERROR", "Internal Server Error"),
    };
    let mut reply = Reply::crm_error(status, code, message, json!({}));
    if let Some(retry_after) = retry_after {
        reply.headers.push(("retry-after".into(), retry_after));
    }
    reply
}

fn route(state: &mut State, request: &RecordedRequest) -> Reply {
    let segments: Vec<String> = request.path.split('/').skip(1).map(percent_decode).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match segments.as_slice() {
        [product, version, "__echo", ..] if matches!((*product, *version), ("crm", "v8") | ("books", "v3")) => {
            match authorize(state, request) {
                Err(reply) => reply,
                Ok(()) => echo(request),
            }
        }
        [product, version, "__binary"] if matches!((*product, *version), ("crm", "v8") | ("books", "v3")) => {
            match authorize(state, request) {
                Err(reply) => reply,
                Ok(()) => binary(request),
            }
        }
        ["oauth", "v2", rest @ ..] => {
            let base_url = state.base_url.clone();
            crate::accounts::route(state, request, rest, &base_url).unwrap_or_else(|| unmatched(request))
        }
        ["crm", "v8", "upload"] if request.method == "POST" => match authorize(state, request) {
            Err(reply) => reply,
            Ok(()) => crate::bulk_write::upload(state, request),
        },
        ["crm", "bulk", "v8", kind, rest @ ..] => match authorize(state, request) {
            Err(reply) => reply,
            Ok(()) => match *kind {
                "read" => crate::bulk_read::route(state, request, rest),
                "write" => crate::bulk_write::route(state, request, rest),
                _ => None,
            }
            .unwrap_or_else(|| unmatched(request)),
        },
        ["v2", "crm", zgid, "bulk-write", job, file] if request.method == "GET" => match authorize(state, request) {
            Err(reply) => reply,
            Ok(()) => crate::bulk_write::download(state, request, zgid, job, file),
        },
        ["crm", "v8", rest @ ..] => match authorize(state, request) {
            Err(reply) => reply,
            Ok(()) => crm::route(state, request, rest).unwrap_or_else(|| unmatched(request)),
        },
        ["books", "v3", rest @ ..] => match authorize(state, request) {
            // Books answers an unusable token in its own envelope.
            Err(_) => Reply::json(
                401,
                &json!({"code": 57, "message": "You are not authorized to perform this operation"}),
            ),
            Ok(()) => books::route(state, request, rest).unwrap_or_else(|| unmatched(request)),
        },
        _ => unmatched(request),
    }
}

/// Answers with exactly what was received: method, path, query, headers, body and, for a
/// multipart body, each part (text as text, anything else as base64).
fn echo(request: &RecordedRequest) -> Reply {
    let content_type = request.header("content-type").unwrap_or_default();
    let as_text_or_base64 = |bytes: &[u8]| match std::str::from_utf8(bytes) {
        Ok(text) => json!({"text": text}),
        Err(_) => json!({"base64": BASE64.encode(bytes)}),
    };
    let parts = crate::multipart::boundary(content_type).map(|_| match crate::multipart::parse(content_type, &request.body) {
        Ok(parts) => Value::Array(
            parts
                .iter()
                .map(|p| {
                    let mut part = json!({"name": p.name, "fileName": p.file_name, "contentType": p.content_type, "size": p.data.len()});
                    if let (Some(object), Value::Object(data)) = (part.as_object_mut(), as_text_or_base64(&p.data)) {
                        object.extend(data);
                    }
                    part
                })
                .collect(),
        ),
        Err(error) => json!({"error": error}),
    });
    Reply::json(
        200,
        &json!({
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "headers": request.headers,
            "body": if request.body.is_empty() { Value::Null } else { as_text_or_base64(&request.body) },
            "parts": parts,
        }),
    )
}

/// Serves `size` deterministic bytes (see [`crate::binary_payload`]).
fn binary(request: &RecordedRequest) -> Reply {
    let size = request
        .query_param("size")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1024_usize)
        .min(16 << 20);
    let seed = request.query_param("seed").and_then(|s| s.parse().ok()).unwrap_or(0);
    Reply {
        status: 200,
        headers: vec![
            ("content-type".into(), "application/octet-stream".into()),
            (
                "content-disposition".into(),
                "attachment; filename=\"payload.bin\"".into(),
            ),
        ],
        body: Bytes::from(crate::binary_payload(size, seed)),
        delay: None,
        cut_after: None,
    }
}

fn authorize(state: &State, request: &RecordedRequest) -> Result<(), Reply> {
    let Some(header) = request.header("authorization") else {
        return Err(Reply::crm_error(
            401,
            "AUTHENTICATION_FAILURE",
            "Authentication failed",
            json!({}),
        ));
    };
    match header.strip_prefix("Zoho-oauthtoken ") {
        Some(token) if state.tokens.contains(token) && !crate::accounts::expired(state, token) => Ok(()),
        _ => Err(Reply::crm_error(401, "INVALID_TOKEN", "invalid oauth token", json!({}))),
    }
}

/// Zoho's answer to a URL it does not know, naming the request so a test failure explains itself.
fn unmatched(request: &RecordedRequest) -> Reply {
    Reply::crm_error(
        404,
        "INVALID_URL_PATTERN",
        &format!(
            "Please check if the URL trying to access is a correct one (fake-zoho has no route for {} {})",
            request.method, request.path
        ),
        json!({}),
    )
}
