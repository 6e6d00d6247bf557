//! A stateful, in-memory fake of Zoho's CRM v8 records API and Books v3 API on 127.0.0.1.
//!
//! It serves Zoho's envelopes and error bodies with Zoho's status codes, checks the
//! `Authorization: Zoho-oauthtoken` header, records every request it receives so tests can
//! assert on exactly what a client sent, and answers an unmatched route with a Zoho-shaped
//! error naming it. Facts it follows are in `shared/zoho-api.md`.
//!
//! ```no_run
//! let fake = fake_zoho::FakeZoho::start().expect("bind 127.0.0.1");
//! println!("{} accepts {}", fake.base_url(), fake.access_token());
//! ```

mod accounts;
mod attachments;
mod books;
mod books_actions;
mod books_attachments;
mod bulk;
mod bulk_read;
mod bulk_write;
mod controls;
mod convert;
mod coql;
mod credits;
mod crm;
mod deleted;
mod echo;
mod fields;
pub mod multipart;
mod notes;
mod photo;
mod records;
mod related;
mod search;
mod server;
mod tags;
mod time;
mod users;
mod watch;
mod wire;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use serde_json::{Map, Value, json};

pub use books::UnsupportedSort;
pub use server::FakeZoho;
pub use watch::Delivery;

/// One request as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// The path exactly as sent, still percent-encoded.
    pub path: String,
    /// The raw query string, if any.
    pub raw_query: Option<String>,
    /// Decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    /// Header names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// When the request arrived, to check waits between retries.
    pub received_at: std::time::Instant,
}

impl RecordedRequest {
    /// The first query parameter named `key`.
    pub fn query_param(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, or `Null` when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// Modules every CRM org has, with the field Zoho requires on create.
pub(crate) const STANDARD_MODULES: &[(&str, &str)] = &[
    ("Leads", "Last_Name"),
    ("Contacts", "Last_Name"),
    ("Accounts", "Account_Name"),
    ("Deals", "Deal_Name"),
    ("Campaigns", "Campaign_Name"),
    ("Tasks", "Subject"),
    ("Events", "Event_Title"),
    ("Calls", "Subject"),
    ("Products", "Product_Name"),
    ("Price_Books", "Price_Book_Name"),
    ("Quotes", "Subject"),
    ("Sales_Orders", "Subject"),
    ("Purchase_Orders", "Subject"),
    ("Invoices", "Subject"),
    ("Vendors", "Vendor_Name"),
    ("Cases", "Subject"),
    ("Solutions", "Solution_Title"),
];

/// Fields whose values must be unique within a module (Zoho's duplicate check on insert).
const UNIQUE_FIELDS: &[(&str, &str)] = &[("Leads", "Email"), ("Contacts", "Email")];

/// A CRM module in the fake: its mandatory field and its records in creation order, which is
/// id order (ids only grow), so a record is found by binary search and an id-sorted page is a
/// slice: serving a page costs the same in a module of ten records or of a million.
#[derive(Debug, Clone)]
pub(crate) struct Module {
    pub mandatory: String,
    pub records: Vec<Map<String, Value>>,
    /// Every field name a stored record has used, with the type inferred from its first value,
    /// in the order they were first seen: field metadata without scanning the records.
    learned: Vec<(String, &'static str)>,
    learned_names: BTreeSet<String>,
    /// The records in `Created_Time` and in `Modified_Time` order (ties by id), so pages sorted
    /// by either are read off an index instead of sorting the module.
    by_time: [BTreeSet<TimeKey>; 2],
}

/// The fields time-sorted pages use, in `Module::by_time` order.
pub(crate) const TIME_FIELDS: [&str; 2] = ["Created_Time", "Modified_Time"];

/// A record's place in a time order: (time length, time, id length, id), the order the list
/// endpoint sorts by (text order of equal-length values, ids numerically).
pub(crate) type TimeKey = (usize, String, usize, String);

pub(crate) fn time_key(record: &Map<String, Value>, field: &str) -> TimeKey {
    let time = record.get(field).and_then(Value::as_str).unwrap_or_default();
    let id = record_id(record);
    (time.len(), time.to_owned(), id.len(), id.to_owned())
}

/// Ids are digit strings: ordering by length, then text, is numeric order without parsing.
pub(crate) fn id_order(id: &str) -> (usize, &str) {
    (id.len(), id)
}

pub(crate) fn record_id(record: &Map<String, Value>) -> &str {
    record.get("id").and_then(Value::as_str).unwrap_or_default()
}

impl Module {
    pub fn new(mandatory: &str) -> Self {
        Self {
            mandatory: mandatory.to_owned(),
            records: Vec::new(),
            learned: Vec::new(),
            learned_names: BTreeSet::new(),
            by_time: [BTreeSet::new(), BTreeSet::new()],
        }
    }

    fn index(&mut self, record: &Map<String, Value>) {
        for (index, field) in self.by_time.iter_mut().zip(TIME_FIELDS) {
            index.insert(time_key(record, field));
        }
    }

    fn unindex(&mut self, record: &Map<String, Value>) {
        for (index, field) in self.by_time.iter_mut().zip(TIME_FIELDS) {
            index.remove(&time_key(record, field));
        }
    }

    /// The index of a time field (`Created_Time` or `Modified_Time`).
    pub fn time_index(&self, field: &str) -> Option<&BTreeSet<TimeKey>> {
        TIME_FIELDS.iter().position(|f| *f == field).map(|i| &self.by_time[i])
    }

    /// Removes the record at `position`.
    pub fn remove(&mut self, position: usize) -> Map<String, Value> {
        let record = self.records.remove(position);
        self.unindex(&record);
        record
    }

    /// Where the record with `id` is.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.records
            .binary_search_by(|r| id_order(record_id(r)).cmp(&id_order(id)))
            .ok()
    }

    pub fn get(&self, id: &str) -> Option<&Map<String, Value>> {
        self.position(id).map(|i| &self.records[i])
    }

    /// Stores a new record; its id must be newer than every stored one.
    pub fn push(&mut self, record: Map<String, Value>) {
        self.learn(&record);
        self.index(&record);
        self.records.push(record);
    }

    /// Applies new values to the record at `position` (a new `Modified_Time` among them keeps
    /// the time index in step).
    pub fn extend(&mut self, position: usize, values: Map<String, Value>) -> Option<&mut Map<String, Value>> {
        self.learn(&values);
        let old = self.records.get(position)?.clone();
        self.unindex(&old);
        let record = self.records.get_mut(position)?;
        record.extend(values);
        let updated = record.clone();
        self.index(&updated);
        self.records.get_mut(position)
    }

    fn learn(&mut self, values: &Map<String, Value>) {
        for (name, value) in values {
            if !self.learned_names.contains(name) {
                self.learned_names.insert(name.clone());
                self.learned.push((name.clone(), fields::inferred(value)));
            }
        }
    }

    /// Field names seen in stored records, with their inferred types.
    pub fn learned_fields(&self) -> &[(String, &'static str)] {
        &self.learned
    }
}

/// Everything the fake knows. Guarded by one mutex: tests are small and clarity wins.
#[derive(Debug)]
pub(crate) struct State {
    pub tokens: BTreeSet<String>,
    pub modules: BTreeMap<String, Module>,
    pub requests: Vec<RecordedRequest>,
    pub next_id: u64,
    /// Issued `page_token`s: token -> (module, offset of the next record, sort key).
    pub page_tokens: BTreeMap<String, crm::TokenCursor>,
    pub user: Value,
    pub books: books::BooksState,
    pub faults: Vec<InjectedFault>,
    pub attachments: BTreeMap<(String, String), Vec<attachments::Attachment>>,
    /// Issued attachment `page_token`s: token -> (list it belongs to, offset).
    pub attachment_tokens: BTreeMap<String, (String, usize)>,
    pub attachment_size_limit: usize,
    pub accounts: accounts::AccountsState,
    /// `http://127.0.0.1:PORT`, for the `api_domain` the accounts server answers with.
    pub base_url: String,
    /// Every timestamp the fake writes, and its `Date` header.
    pub clock: time::Clock,
    /// Deleted records per module, in deletion order (the recycle bin).
    pub deleted: BTreeMap<String, Vec<Value>>,
    /// Notification channels (`/actions/watch`).
    pub channels: Vec<watch::Channel>,
    /// Notifications queued by the request being handled, posted once the lock is released.
    pub outbox: Vec<watch::Delivery>,
    /// Where queued notifications go to be posted; `None` in unit tests without a server.
    pub courier: Option<std::sync::mpsc::Sender<watch::Delivery>>,
    /// Notifications posted (or refused) so far, with their outcomes.
    pub deliveries: Vec<watch::Delivery>,
    /// Edits applied just before a matching request is handled, to change data mid-poll.
    pub edits_on_request: Vec<EditOnRequest>,
    /// TCP connections accepted so far (keep-alive shows as fewer connections than requests).
    pub connections_accepted: u64,
    /// Notes of every record, in creation order; `Parent_Id` names the record.
    pub notes: Vec<Map<String, Value>>,
    /// Ids of leads converted (they left the Leads module).
    pub converted_leads: BTreeSet<String>,
    /// Each module's tags (`{id, name, ...}`), in creation order.
    pub tags: BTreeMap<String, Vec<Value>>,
    /// Many-to-many links (campaign members, contact roles) with their junction values.
    pub links: BTreeMap<(String, String, String, String), Map<String, Value>>,
    /// Each record's photo: (module, id) -> (content type, bytes).
    pub photos: BTreeMap<(String, String), (String, Vec<u8>)>,
    /// Bulk Read and Bulk Write settings, uploads and page tokens.
    pub bulk: bulk::BulkState,
    /// Bulk Read jobs by id.
    pub bulk_read_jobs: BTreeMap<String, bulk_read::ReadJob>,
    /// Bulk Write jobs by id.
    pub bulk_write_jobs: BTreeMap<String, bulk_write::WriteJob>,
    /// The organization's credits (Zoho meters credits, not requests).
    pub credits: credits::Meter,
    /// Calls in flight now, the most seen at once, Zoho's limit for the app (none: unlimited)
    /// and the calls refused for passing it.
    pub in_flight: usize,
    pub most_in_flight: usize,
    pub concurrency_limit: Option<usize>,
    pub concurrency_refusals: usize,
    /// Shown every request and its answer (a test's contract check).
    pub observer: Option<std::sync::Arc<dyn ExchangeObserver>>,
    /// Whether the answer being built is an injected fault rather than the fake's own.
    pub fault_fired: bool,
}

/// One request and the fake's answer to it, as an observer sees them.
#[derive(Debug)]
pub struct Exchange<'a> {
    pub request: &'a RecordedRequest,
    pub status: u16,
    /// Header names lower-cased.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    /// The answer is a fault a test injected, not the fake's model of Zoho.
    pub injected: bool,
}

/// Sees every exchange of a fake, e.g. to check it against Zoho's published contract.
pub trait ExchangeObserver: Send + Sync + std::fmt::Debug {
    fn exchange(&self, exchange: &Exchange<'_>);
}

/// An edit a test arms to happen while a client is between requests.
#[derive(Debug, Clone)]
pub(crate) struct EditOnRequest {
    pub path_prefix: String,
    pub skip: usize,
    pub module: String,
    pub id: String,
    pub values: Map<String, Value>,
}

/// A fault the fake answers with instead of (or before) the real answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer this status with a Zoho error body, and `Retry-After` when given (seconds or an
    /// HTTP date, sent as is).
    Status { status: u16, retry_after: Option<String> },
    /// Answer normally, but only after this long.
    Delay(std::time::Duration),
    /// Answer exactly this (status and JSON body), e.g. 401 `OAUTH_SCOPE_MISMATCH`.
    Answer { status: u16, body: String },
    /// Process the request, send the status and headers, then reset the connection before
    /// the body: the client cannot know whether its write was applied.
    ResetMidBody,
    /// Process the request, but send only the first half of the body and close.
    TruncatedBody,
    /// Process the request, but answer 200 with a body that is not JSON.
    MalformedJson,
}

/// When an injected fault fires.
#[derive(Debug, Clone)]
pub(crate) enum Trigger {
    /// The next `times` matching requests after skipping `skip` of them.
    Count { skip: usize, times: usize },
    /// Each matching request with this probability, from a seeded generator (at most `left`).
    Random { probability: f64, state: u64, left: usize },
}

/// A fault armed for requests whose path starts with `path_prefix`, `remaining` more times.
#[derive(Debug, Clone)]
pub(crate) struct InjectedFault {
    pub path_prefix: String,
    pub fault: Fault,
    pub trigger: Trigger,
}

impl InjectedFault {
    /// Whether the fault fires for the next matching request.
    pub fn fires(&mut self) -> bool {
        match &mut self.trigger {
            Trigger::Count { skip, .. } if *skip > 0 => {
                *skip -= 1;
                false
            }
            Trigger::Count { times: 0, .. } => false,
            Trigger::Count { times, .. } => {
                *times -= 1;
                true
            }
            Trigger::Random { left: 0, .. } => false,
            Trigger::Random {
                probability,
                state,
                left,
            } => {
                // xorshift64*: deterministic for a seed, good enough to pick failures.
                *state ^= *state >> 12;
                *state ^= *state << 25;
                *state ^= *state >> 27;
                let draw = (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1_u64 << 53) as f64;
                if draw < *probability {
                    *left -= 1;
                    true
                } else {
                    false
                }
            }
        }
    }
}

/// The bytes the binary route serves for `size` and `seed`, so tests can compare exactly.
pub fn binary_payload(size: usize, seed: u64) -> Vec<u8> {
    let mut state = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    (0..size)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect()
}

impl State {
    fn new(token: String) -> Self {
        let modules = STANDARD_MODULES
            .iter()
            .map(|(name, mandatory)| ((*name).to_owned(), Module::new(mandatory)))
            .collect();
        State {
            tokens: BTreeSet::from([token]),
            modules,
            requests: Vec::new(),
            next_id: 0,
            page_tokens: BTreeMap::new(),
            user: json!({"name": "Patricia Boyle", "id": "4876876000000225013"}),
            books: books::BooksState::new(),
            faults: Vec::new(),
            attachments: BTreeMap::new(),
            attachment_tokens: BTreeMap::new(),
            attachment_size_limit: attachments::DEFAULT_SIZE_LIMIT,
            accounts: accounts::AccountsState::new(),
            base_url: String::new(),
            clock: time::Clock::default(),
            deleted: BTreeMap::new(),
            channels: Vec::new(),
            outbox: Vec::new(),
            courier: None,
            deliveries: Vec::new(),
            edits_on_request: Vec::new(),
            connections_accepted: 0,
            notes: Vec::new(),
            converted_leads: BTreeSet::new(),
            tags: BTreeMap::new(),
            links: BTreeMap::new(),
            photos: BTreeMap::new(),
            bulk: bulk::BulkState::new(),
            bulk_read_jobs: BTreeMap::new(),
            bulk_write_jobs: BTreeMap::new(),
            credits: credits::Meter::default(),
            in_flight: 0,
            most_in_flight: 0,
            concurrency_limit: None,
            concurrency_refusals: 0,
            observer: None,
            fault_fired: false,
        }
    }

    /// A fresh id in Zoho's shape: 19 digits, increasing.
    pub fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("48768760{:011}", 1_000_000 + self.next_id)
    }

    pub fn unique_field(module: &str) -> Option<&'static str> {
        UNIQUE_FIELDS.iter().find(|(m, _)| *m == module).map(|(_, f)| *f)
    }
}

/// Shared handle to the state, used by the server and by test helpers.
#[derive(Debug, Clone)]
pub(crate) struct Shared(Arc<Mutex<State>>);

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock only happens in a failing test; keep serving.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A response the fake sends: status, extra headers, body.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// Hold the answer back this long (an injected slow response).
    pub delay: Option<std::time::Duration>,
    /// Send only this many body bytes, then break the connection (an injected failure).
    pub cut_after: Option<usize>,
}

impl Reply {
    pub fn json(status: u16, body: &Value) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json;charset=UTF-8".into())],
            body: Bytes::from(body.to_string()),
            delay: None,
            cut_after: None,
        }
    }

    /// 304: nothing changed since `If-Modified-Since`.
    pub fn not_modified() -> Self {
        Reply {
            status: 304,
            ..Reply::no_content()
        }
    }

    pub fn no_content() -> Self {
        Reply {
            status: 204,
            headers: Vec::new(),
            body: Bytes::new(),
            delay: None,
            cut_after: None,
        }
    }

    /// Zoho's CRM error body: `{code, details, message, status: "error"}`.
    /// A file download: its bytes with their type and name.
    pub fn file(content_type: &str, file_name: &str, data: &[u8]) -> Self {
        Reply {
            status: 200,
            headers: vec![
                ("content-type".into(), content_type.to_owned()),
                (
                    "content-disposition".into(),
                    format!("attachment; filename=\"{}\"", file_name.replace('"', "%22")),
                ),
            ],
            body: Bytes::copy_from_slice(data),
            delay: None,
            cut_after: None,
        }
    }

    pub fn crm_error(status: u16, code: &str, message: &str, details: Value) -> Self {
        Reply::json(
            status,
            &json!({"code": code, "details": details, "message": message, "status": "error"}),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake's state and a way to send it requests without a network.
    fn fake() -> (Shared, String) {
        let token = "1000.test.token".to_owned();
        (Shared(Arc::new(Mutex::new(State::new(token.clone())))), token)
    }

    fn send(shared: &Shared, token: &str, method: &str, path_and_query: &str, body: Option<Value>) -> (u16, Value) {
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let request = RecordedRequest {
            method: method.into(),
            path: path.into(),
            raw_query: Some(query.into()),
            query: wire::parse_query(query),
            headers: vec![("authorization".into(), format!("Zoho-oauthtoken {token}"))],
            body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
            received_at: std::time::Instant::now(),
        };
        let reply = server::handle(shared, request);
        (reply.status, serde_json::from_slice(&reply.body).unwrap_or(Value::Null))
    }

    fn seed_leads(shared: &Shared, n: usize) {
        let mut state = shared.lock();
        for i in 0..n {
            crate::records::insert(
                &mut state,
                "Leads",
                json!({"Last_Name": format!("L{i}")})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            );
        }
    }

    /// Walks a module by page tokens, sorted by `sort_by`; the names seen, in order.
    fn walk_names(shared: &Shared, token: &str, sort_by: &str, order: &str, insert_midway: bool) -> Vec<String> {
        let mut names = Vec::new();
        let mut query = format!("fields=Last_Name&per_page=7&sort_by={sort_by}&sort_order={order}");
        loop {
            let (status, body) = send(shared, token, "GET", &format!("/crm/v8/Leads?{query}"), None);
            assert_eq!(status, 200, "{body}");
            names.extend(
                body["data"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r["Last_Name"].as_str().map(str::to_owned)),
            );
            if insert_midway && names.len() == 7 {
                seed_leads(shared, 1);
            }
            match body["info"]["next_page_token"].as_str() {
                Some(next) => query = format!("fields=Last_Name&per_page=7&page_token={next}"),
                None => return names,
            }
        }
    }

    #[test]
    fn id_sorted_token_walks_see_every_record_once_in_both_orders() {
        let (shared, token) = fake();
        seed_leads(&shared, 50);
        let ascending: Vec<String> = (0..50).map(|i| format!("L{i}")).collect();
        assert_eq!(walk_names(&shared, &token, "id", "asc", false), ascending);
        let mut descending = ascending.clone();
        descending.reverse();
        assert_eq!(walk_names(&shared, &token, "id", "desc", false), descending);
        // A record added mid-walk (newest id) neither shifts nor repeats a descending walk.
        assert_eq!(walk_names(&shared, &token, "id", "desc", true), descending);
        // Page numbers agree with tokens.
        let (_, second) = send(
            &shared,
            &token,
            "GET",
            "/crm/v8/Leads?fields=Last_Name&per_page=7&page=2&sort_order=asc&sort_by=id",
            None,
        );
        assert_eq!(second["data"][0]["Last_Name"], "L7");
    }

    #[test]
    fn time_sorted_token_walks_follow_the_index_in_both_orders() {
        let (shared, token) = fake();
        seed_leads(&shared, 30);
        // Give the records varied, partly tied modification times.
        {
            let mut state = shared.lock();
            state.clock.freeze();
            let ids: Vec<String> = state.modules["Leads"]
                .records
                .iter()
                .map(|r| record_id(r).to_owned())
                .collect();
            for (i, id) in ids.iter().enumerate() {
                // Seconds 0..10 in a scrambled order, so several records share a second.
                let at = i64::try_from((i * 7) % 11).unwrap_or(0);
                state.clock.advance(at);
                crate::records::edit(&mut state, "Leads", id, Map::new());
                state.clock.advance(-at);
            }
        }
        let expected = |descending: bool| {
            let state = shared.lock();
            let mut records: Vec<&Map<String, Value>> = state.modules["Leads"].records.iter().collect();
            records.sort_by_key(|r| time_key(r, "Modified_Time"));
            if descending {
                records.reverse();
            }
            records
                .iter()
                .map(|r| r["Last_Name"].as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        };
        for order in ["asc", "desc"] {
            let names = walk_names(&shared, &token, "Modified_Time", order, false);
            assert_eq!(names, expected(order == "desc"), "{order}");
        }
    }

    #[test]
    fn users_and_org_answer_as_the_sdks_expect() {
        let (shared, token) = fake();
        let (status, body) = send(&shared, &token, "GET", "/crm/v8/users?type=CurrentUser", None);
        assert_eq!(status, 200);
        assert_eq!(body["users"].as_array().map(Vec::len), Some(1));
        assert_eq!(body["users"][0]["id"], shared.lock().user["id"]);
        let (status, body) = send(&shared, &token, "GET", "/crm/v8/users?type=Everyone", None);
        assert_eq!((status, body["code"].as_str()), (400, Some("INVALID_DATA")));
        let (status, body) = send(&shared, &token, "GET", "/crm/v8/org", None);
        assert_eq!(status, 200);
        assert_eq!(body["org"][0]["company_name"], "Zylker");
    }

    #[test]
    fn bad_or_missing_tokens_are_401_in_zoho_shape() {
        let (shared, _) = fake();
        let (status, body) = send(&shared, "wrong", "GET", "/crm/v8/Leads?fields=Last_Name", None);
        assert_eq!((status, body["code"].as_str()), (401, Some("INVALID_TOKEN")));
        assert_eq!(body["status"], "error");
    }

    #[test]
    fn lists_need_fields_and_an_empty_module_is_204() {
        let (shared, token) = fake();
        let (status, body) = send(&shared, &token, "GET", "/crm/v8/Leads", None);
        assert_eq!((status, body["code"].as_str()), (400, Some("REQUIRED_PARAM_MISSING")));
        assert_eq!(body["details"]["param_name"], "fields");
        assert_eq!(
            send(&shared, &token, "GET", "/crm/v8/Leads?fields=Last_Name", None).0,
            204
        );
    }

    #[test]
    fn unknown_modules_and_routes_have_zoho_errors() {
        let (shared, token) = fake();
        let (status, body) = send(&shared, &token, "GET", "/crm/v8/Nope?fields=a", None);
        assert_eq!((status, body["code"].as_str()), (400, Some("INVALID_MODULE")));
        let (status, body) = send(&shared, &token, "PATCH", "/crm/v8/Leads/1", None);
        assert_eq!((status, body["code"].as_str()), (404, Some("INVALID_URL_PATTERN")));
        assert!(
            body["message"]
                .as_str()
                .unwrap_or_default()
                .contains("PATCH /crm/v8/Leads/1")
        );
    }

    #[test]
    fn page_numbers_stop_at_2000_records_and_page_tokens_go_on() {
        let (shared, token) = fake();
        seed_leads(&shared, 2100);
        let (status, body) = send(
            &shared,
            &token,
            "GET",
            "/crm/v8/Leads?fields=Last_Name&page=11&per_page=200",
            None,
        );
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("DISCRETE_PAGINATION_LIMIT_EXCEEDED"))
        );
        assert_eq!(body["details"]["limit"], 2000);
        let (status, body) = send(
            &shared,
            &token,
            "GET",
            "/crm/v8/Leads?fields=Last_Name&page=10&per_page=200&sort_order=asc",
            None,
        );
        assert_eq!(status, 200);
        assert_eq!(body["info"]["more_records"], true);
        let next = body["info"]["next_page_token"].as_str().unwrap_or_default().to_owned();
        let (status, body) = send(
            &shared,
            &token,
            "GET",
            &format!("/crm/v8/Leads?fields=Last_Name&per_page=200&page_token={next}"),
            None,
        );
        assert_eq!(status, 200);
        assert_eq!(body["data"].as_array().map(Vec::len), Some(100));
        assert_eq!(body["data"][0]["Last_Name"], "L2000");
        assert_eq!(body["info"]["more_records"], false);
    }

    #[test]
    fn create_reports_each_record_and_status_reflects_the_mix() {
        let (shared, token) = fake();
        let (status, body) = send(
            &shared,
            &token,
            "POST",
            "/crm/v8/Leads",
            Some(
                json!({"data": [{"Last_Name": "A", "Email": "a@x.example"}, {"Company": "no name"}, {"Last_Name": "B", "Email": "bad"}, {"Last_Name": "C", "Email": "a@x.example"}]}),
            ),
        );
        assert_eq!(status, 207);
        let codes: Vec<&str> = body["data"]
            .as_array()
            .map(|d| d.iter().filter_map(|e| e["code"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            codes,
            ["SUCCESS", "MANDATORY_NOT_FOUND", "INVALID_DATA", "DUPLICATE_DATA"]
        );
        assert!(body["data"][0]["details"]["id"].is_string());
        assert_eq!(shared.lock().modules["Leads"].records.len(), 1);
    }

    #[test]
    fn more_than_100_records_in_one_write_is_refused_whole() {
        let (shared, token) = fake();
        let data: Vec<Value> = (0..101).map(|i| json!({"Last_Name": format!("L{i}")})).collect();
        let (status, body) = send(&shared, &token, "POST", "/crm/v8/Leads", Some(json!({"data": data})));
        assert_eq!((status, body["code"].as_str()), (400, Some("LIMIT_EXCEEDED")));
        assert!(shared.lock().modules["Leads"].records.is_empty());
    }

    #[test]
    fn get_update_delete_round_trip() {
        let (shared, token) = fake();
        seed_leads(&shared, 1);
        let id = shared.lock().modules["Leads"].records[0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let (status, body) = send(
            &shared,
            &token,
            "PUT",
            &format!("/crm/v8/Leads/{id}"),
            Some(json!({"data": [{"Company": "Zylker"}]})),
        );
        assert_eq!(
            (status, body["data"][0]["message"].as_str()),
            (200, Some("record updated"))
        );
        let (status, body) = send(
            &shared,
            &token,
            "GET",
            &format!("/crm/v8/Leads/{id}?fields=Company"),
            None,
        );
        assert_eq!(status, 200);
        assert_eq!(body["data"][0], json!({"id": id, "Company": "Zylker"}));
        let (status, _) = send(&shared, &token, "DELETE", &format!("/crm/v8/Leads/{id}"), None);
        assert_eq!(status, 200);
        let (status, body) = send(&shared, &token, "GET", &format!("/crm/v8/Leads/{id}"), None);
        assert_eq!(
            (status, body["message"].as_str()),
            (400, Some("the id given seems to be invalid"))
        );
    }

    #[test]
    fn every_request_is_recorded() {
        let (shared, token) = fake();
        send(&shared, &token, "GET", "/crm/v8/Leads?fields=Last_Name%2CEmail", None);
        let recorded = shared.lock().requests.clone();
        assert_eq!(recorded.len(), 1);
        assert_eq!(recorded[0].query_param("fields"), Some("Last_Name,Email"));
    }
}
