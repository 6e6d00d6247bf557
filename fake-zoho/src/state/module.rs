//! A CRM module as the fake stores it: records in id order, indexed by time.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

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
                self.learned.push((name.clone(), inferred(value)));
            }
        }
    }

    /// Field names seen in stored records, with their inferred types.
    pub fn learned_fields(&self) -> &[(String, &'static str)] {
        &self.learned
    }
}

pub(crate) fn inferred(value: &Value) -> &'static str {
    match value {
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "double",
        Value::Object(o) if o.contains_key("id") => "lookup",
        // Records linked through a junction module, each `{id, ...}`.
        Value::Array(items) if items.first().is_some_and(|i| i.get("id").is_some()) => "multiselectlookup",
        Value::Array(_) => "multiselectpicklist",
        _ => "text",
    }
}
