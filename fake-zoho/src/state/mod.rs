//! Everything the fake knows, below every route that reads or changes it: the one `State`
//! (guarded by one mutex: tests are small and clarity wins), the CRM modules, and each room's
//! own state in a file of its own.

pub(crate) mod accounts;
pub(crate) mod books;
pub(crate) mod books_meter;
pub(crate) mod bulk;
pub(crate) mod credits;
pub(crate) mod crm;
mod module;
pub(crate) mod traffic;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::time;

pub(crate) use module::*;
pub(crate) use traffic::{EditOnRequest, InjectedFault, Trigger};
pub use traffic::{Exchange, ExchangeObserver, Fault};

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

/// Everything the fake knows, one field per room. Guarded by one mutex: tests are small and
/// clarity wins.
#[derive(Debug)]
pub(crate) struct State {
    /// CRM's modules and everything beside them (page tokens, attachments, notes, tags,
    /// links, photos, the recycle bin, notification channels).
    pub crm: crm::CrmState,
    /// Books' organizations and their records.
    pub books: books::BooksState,
    /// Bulk Read and Bulk Write: settings, uploads, page tokens and jobs.
    pub bulk: bulk::BulkState,
    /// The accounts server: OAuth clients, grants, refresh and access tokens.
    pub accounts: accounts::AccountsState,
    /// The organization's credits and its calls in flight.
    pub budget: credits::Budget,
    /// What crossed the wire: requests, injected faults, connections, the observer.
    pub traffic: traffic::Traffic,
    /// `http://127.0.0.1:PORT`, for the `api_domain` the accounts server answers with.
    pub base_url: String,
    /// Every timestamp the fake writes, and its `Date` header.
    pub clock: time::Clock,
    /// The last id handed out, shared by every room (ids never repeat across products).
    pub next_id: u64,
}

impl State {
    pub(crate) fn new(token: String) -> Self {
        State {
            crm: crm::CrmState::new(),
            books: books::BooksState::new(),
            bulk: bulk::BulkState::new(),
            accounts: accounts::AccountsState::new(token),
            budget: credits::Budget::default(),
            traffic: traffic::Traffic::default(),
            base_url: String::new(),
            clock: time::Clock::default(),
            next_id: 0,
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
