//! Everything the fake knows, below every route that reads or changes it: the one `State`
//! (guarded by one mutex: tests are small and clarity wins), the CRM modules, and each room's
//! own state in a file of its own.

pub(crate) mod accounts;
pub(crate) mod books;
pub(crate) mod bulk;
pub(crate) mod credits;
pub(crate) mod crm;
mod module;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::{Map, Value, json};

use crate::request::RecordedRequest;
use crate::time;

pub(crate) use module::*;

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
    pub attachments: BTreeMap<(String, String), Vec<crm::Attachment>>,
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
    pub channels: Vec<crm::Channel>,
    /// Notifications queued by the request being handled, posted once the lock is released.
    pub outbox: Vec<crm::Delivery>,
    /// Where queued notifications go to be posted; `None` in unit tests without a server.
    pub courier: Option<std::sync::mpsc::Sender<crm::Delivery>>,
    /// Notifications posted (or refused) so far, with their outcomes.
    pub deliveries: Vec<crm::Delivery>,
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
    pub bulk_read_jobs: BTreeMap<String, bulk::ReadJob>,
    /// Bulk Write jobs by id.
    pub bulk_write_jobs: BTreeMap<String, bulk::WriteJob>,
    /// The organization's credits (Zoho meters credits, not requests).
    pub credits: crate::state::credits::Meter,
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

impl State {
    pub(crate) fn new(token: String) -> Self {
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
            attachment_size_limit: crm::DEFAULT_SIZE_LIMIT,
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
            credits: crate::state::credits::Meter::default(),
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
pub(crate) struct Shared(pub(crate) Arc<Mutex<State>>);

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock only happens in a failing test; keep serving.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
