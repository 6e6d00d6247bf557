//! Books' test controls: organizations, records stored directly, and the sort behaviours
//! Zoho leaves unspecified.

use serde_json::Value;

use crate::{FakeZoho, books};

impl FakeZoho {
    /// Replaces the Books organizations the token can use, as `(id, name)` pairs.
    pub fn set_books_organizations(&self, organizations: &[(&str, &str)]) {
        self.shared.lock().books.organizations = organizations
            .iter()
            .map(|(id, name)| crate::state::books::Organization {
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

    /// Plays Books' request limits for `plan` (`zoho-facts` `books_limits`: 100 requests a
    /// minute, the plan's daily allowance and calls in flight), each refused with Books' 429
    /// and code; `None`, the default, never refuses.
    pub fn set_books_plan(&self, plan: Option<zoho_facts::books_limits::BooksPlan>) {
        self.shared.lock().books.meter.plan = plan;
    }

    /// Counts `count` Books requests for `organization` as answered `seconds_ago` by the fake's
    /// clock, as if the organization had spent them before the test began.
    pub fn spend_books_requests(&self, organization: &str, count: usize, seconds_ago: i64) {
        let mut state = self.shared.lock();
        let at = state.clock.now_unix() - seconds_ago;
        state.books.meter.spend(organization, count, at);
    }

    /// Books requests answered for `organization` over the last 24 hours of the fake's clock
    /// (counted while a plan is played), and the refusals so far by Books' code.
    pub fn books_requests(&self, organization: &str) -> (usize, std::collections::BTreeMap<i64, usize>) {
        let state = self.shared.lock();
        let now = state.clock.now_unix();
        (
            state.books.meter.served_today(organization, now),
            state.books.meter.refusals.clone(),
        )
    }

    /// Plays one reading of the `last_modified_time` list filter: strictly after the time
    /// given (Zoho's wording), or at or after it.
    pub fn set_books_modified_filter(&self, reading: crate::ModifiedFilter) {
        self.shared.lock().books.modified_filter = reading;
    }

    /// Which way a list sorted by a column goes when its list does not document `sort_order`:
    /// newest first, as Zoho's samples echo (`"sort_order": "D"`), or oldest first.
    pub fn set_books_sorted_descending_by_default(&self, descending: bool) {
        self.shared.lock().books.sorted_descending_by_default = descending;
    }

    /// Lists `record_type` without `created_time` and `last_modified_time` on each record, as
    /// the list schemas of some types in Zoho's documents show them (the fake lists the times
    /// otherwise, since Books' schemas were written from samples).
    pub fn set_books_list_omits_times(&self, record_type: &str) {
        self.shared
            .lock()
            .books
            .lists_without_times
            .insert(record_type.to_owned());
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
        let mut guard = self.shared.lock();
        let state = &mut *guard;
        let key = (organization.to_owned(), collection.to_owned());
        records
            .iter()
            .filter_map(Value::as_object)
            .map(|r| books::insert(&mut state.books, &state.clock, &key, id_field, r.clone()))
            .filter_map(|stored| stored.get(id_field).and_then(Value::as_str).map(str::to_owned))
            .collect()
    }

    /// Changes a stored Books record as an edit in Books would: the values, and its
    /// `last_modified_time` by the fake's clock. False if there is no such record.
    pub fn update_books(&self, organization: &str, collection: &str, id_field: &str, id: &str, values: &Value) -> bool {
        let mut guard = self.shared.lock();
        let state = &mut *guard;
        let now = books::books_time(&state.clock);
        let record = state
            .books
            .collections
            .get_mut(&(organization.to_owned(), collection.to_owned()))
            .and_then(|records| {
                records
                    .iter_mut()
                    .find(|r| r.get(id_field).and_then(Value::as_str) == Some(id))
            });
        let Some(record) = record else { return false };
        for (field, value) in values.as_object().into_iter().flatten() {
            record.insert(field.clone(), value.clone());
        }
        record.insert("last_modified_time".into(), Value::String(now));
        true
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
}
