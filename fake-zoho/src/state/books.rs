//! Books' state: organizations and their records, and the sort behaviours a test chose.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Books data: organizations, and records keyed by (organization, collection path), where the
/// collection path is `invoices`, `settings/taxes` or `invoices/{id}/comments`.
#[derive(Debug, Default)]
pub(crate) struct BooksState {
    pub organizations: Vec<Organization>,
    pub collections: BTreeMap<(String, String), Vec<Map<String, Value>>>,
    pub next_id: u64,
    /// Files attached to transactions: (organization, record type, id) -> the file.
    pub attachments: BTreeMap<(String, String, String), BooksFile>,
    /// What a list does with a `sort_column` its type does not document.
    pub unsupported_sort: UnsupportedSort,
    /// Books' request limits per organization, when a test names a plan.
    pub meter: super::books_meter::BooksMeter,
    /// How the `last_modified_time` list filter reads its time.
    pub modified_filter: ModifiedFilter,
    /// The direction of a list sorted by a column whose list does not document `sort_order`.
    pub sorted_descending_by_default: bool,
    /// Types whose list answers leave out `created_time` and `last_modified_time`, as their
    /// list schemas in Zoho's documents do (items, customer payments, journals, ...).
    pub lists_without_times: std::collections::BTreeSet<String>,
    /// Types whose documented sort columns a test has replaced.
    pub sort_columns_override: BTreeMap<String, Vec<String>>,
}

impl BooksState {
    pub fn new() -> Self {
        BooksState {
            organizations: vec![Organization {
                id: "10234695".into(),
                name: "Zylker Books".into(),
            }],
            sorted_descending_by_default: true,
            ..BooksState::default()
        }
    }

    pub fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("46000000{:07}", 26_000 + self.next_id)
    }
}

/// What Books does with a `sort_column` a record type does not document is not published.
/// The fake can play each plausible answer, so the triggers are tested under all of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UnsupportedSort {
    /// An error: code 2, "Invalid value passed for sort_column".
    #[default]
    Refuse,
    /// The default order is used, and `page_context` echoes the column asked for.
    IgnoreEchoingRequested,
    /// The default order is used, and `page_context` names the column it really used.
    IgnoreEchoingActual,
}

/// Books documents its `last_modified_time` filter as "greater than" the time given (books-oas
/// `list_invoices`); a server may as well include that second. The fake plays either, so the
/// triggers are tested under both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ModifiedFilter {
    /// Records modified strictly after the time: Zoho's wording.
    #[default]
    After,
    /// Records modified at or after the time.
    AtOrAfter,
}

/// A Books organization in the fake.
#[derive(Debug, Clone)]
pub(crate) struct Organization {
    pub id: String,
    pub name: String,
}

/// One attached file.
#[derive(Debug, Clone)]
pub(crate) struct BooksFile {
    pub file_name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}
