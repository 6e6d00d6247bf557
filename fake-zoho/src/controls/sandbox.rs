//! The offline sandbox's sample organization.

use serde_json::Value;

use crate::FakeZoho;

impl FakeZoho {
    /// Seeds the sample data of the offline sandbox: a small, plausible CRM org and Books
    /// organization, created ten minutes apart over the past hours so that times look real and
    /// a trigger's `backfill` has history to return.
    pub fn seed_sandbox(&self) {
        const SPACING: i64 = 600;
        let fixture: Value =
            serde_json::from_str(include_str!("../../fixtures/sandbox-crm.json")).unwrap_or(Value::Null);
        let books: Value =
            serde_json::from_str(include_str!("../../fixtures/sandbox-books.json")).unwrap_or(Value::Null);
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
