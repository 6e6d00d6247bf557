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
