//! Books triggers on a list whose records carry no times (Zoho's list schemas show none for
//! items, customer payments, journals and others; they were written from samples, so Books may
//! send them or not). Without a time nothing can be ordered, so the state remembers the list
//! instead: each record's id and a fingerprint of its fields, in the order of the ids. A poll
//! reads the whole list (up to `MAX_UNSORTED_PAGES`) and reports:
//! - new records: ids the state does not hold;
//! - updated records: ids whose fingerprint changed.
//!
//! What is reported goes into the next state; what `maxEvents` held back does not, so the next
//! poll reports it (`more` says so), and a record gone from the list leaves the state. Nothing
//! is skipped or repeated, whatever the order Books lists in. A first poll only remembers the
//! list: with no times there is no "most recent" to backfill.
//!
//! The state is larger than a position (about 10 bytes a record: 100 KB for 10,000 records),
//! which is the price of a list Books gives no way to read by change.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64;
use serde_json::{Value, json};

use super::changes::Change;
use super::position::{self, Fnv};
use crate::shared::error::Error;

/// Version tag of a snapshot state (a position state is `zt1.`).
pub const PREFIX: &str = "zs1.";
/// The longest snapshot state read: room for 10,000 records and more.
const MAX_LEN: usize = 1 << 20;

/// Each remembered record's id (its digits, as a number) and fingerprint.
pub type Snapshot = BTreeMap<u64, u64>;

/// The fingerprint of a record's fields, independent of the order Books lists them in.
pub fn fingerprint(record: &Value) -> u64 {
    let mut hash = Fnv::default();
    feed(&mut hash, record);
    hash.finish()
}

/// A canonical walk: object keys in sorted order, each written as JSON, so the same fields
/// give the same fingerprint however Books orders them.
fn feed(hash: &mut Fnv, value: &Value) {
    match value {
        Value::Object(map) => {
            hash.write(b"{");
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for key in keys {
                hash.write(Value::String(key.clone()).to_string().as_bytes());
                hash.write(b":");
                feed(hash, &map[key]);
                hash.write(b",");
            }
            hash.write(b"}");
        }
        Value::Array(items) => {
            hash.write(b"[");
            for item in items {
                feed(hash, item);
                hash.write(b",");
            }
            hash.write(b"]");
        }
        scalar => hash.write(scalar.to_string().as_bytes()),
    }
}

/// A record id as the snapshot keeps it: Books ids are digit strings of up to 19 digits.
pub fn id_number(id: &str) -> Result<u64, Error> {
    id.parse().map_err(|_| {
        Error::decode(format!(
            "the Books record id `{id}` is not a number a trigger can remember"
        ))
    })
}

/// The state text of `snapshot` for trigger `key` watching `scope`.
pub fn encode(key: &str, scope: &str, snapshot: &Snapshot) -> String {
    let mut bytes = Vec::with_capacity(snapshot.len() * 12);
    let mut previous = 0u64;
    for (id, print) in snapshot {
        varint(&mut bytes, id - previous);
        bytes.extend_from_slice(&print.to_le_bytes()[..4]);
        previous = *id;
    }
    let header = BASE64.encode(json!({"k": key, "s": scope}).to_string());
    position::sign(PREFIX, &format!("{header}.{}", BASE64.encode(&bytes)))
}

/// Reads a snapshot state back, refusing one that is damaged or made for another trigger or
/// scope; the error names the `state` input.
pub fn decode(text: &str, key: &str, scope: &str) -> Result<Snapshot, Error> {
    let damaged = || {
        Error::invalid(
            "state",
            "is not a state this trigger returned (damaged or foreign); pass back the `state` of the previous poll unchanged, or omit it to start again from now",
        )
    };
    let signed = position::signed_part(text, PREFIX, MAX_LEN).ok_or_else(damaged)?;
    let (header, body) = signed.split_once('.').ok_or_else(damaged)?;
    let header: Value =
        serde_json::from_slice(&BASE64.decode(header).map_err(|_| damaged())?).map_err(|_| damaged())?;
    if header["k"].as_str() != Some(key) || header["s"].as_str() != Some(scope) {
        return Err(Error::invalid(
            "state",
            format!("was made by another trigger or for another record type than `{scope}`; omit it to start again"),
        ));
    }
    let bytes = BASE64.decode(body).map_err(|_| damaged())?;
    let mut snapshot = Snapshot::new();
    let (mut at, mut previous) = (0usize, 0u64);
    while at < bytes.len() {
        let (delta, used) = read_varint(&bytes[at..]).ok_or_else(damaged)?;
        at += used;
        let print = bytes.get(at..at + 4).ok_or_else(damaged)?;
        at += 4;
        previous = previous.checked_add(delta).ok_or_else(damaged)?;
        let mut word = [0u8; 8];
        word[..4].copy_from_slice(print);
        snapshot.insert(previous, u64::from_le_bytes(word));
    }
    Ok(snapshot)
}

/// The scope a well-formed snapshot state was made for, unchecked against any trigger.
pub fn scope(text: &str) -> Option<String> {
    let signed = position::signed_part(text, PREFIX, MAX_LEN)?;
    let (header, _) = signed.split_once('.')?;
    let header: Value = serde_json::from_slice(&BASE64.decode(header).ok()?).ok()?;
    header["s"].as_str().map(str::to_owned)
}

/// Only the low 32 bits of a fingerprint are kept (four bytes a record).
pub fn kept(print: u64) -> u64 {
    print & 0xffff_ffff
}

fn varint(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn read_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f).checked_shl(7 * u32::try_from(i).ok()?)?;
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// The changes between the remembered list and the current one (ids with their records, in
/// id order), at most `max_events`, and the state to keep: `(events as (id, record), next
/// snapshot, more)`.
pub fn changes(
    change: Change,
    previous: &Snapshot,
    current: Vec<(u64, Value)>,
    max_events: usize,
) -> (Vec<(u64, Value)>, Snapshot, bool) {
    let mut next = Snapshot::new();
    let mut events = Vec::new();
    let mut more = false;
    for (id, record) in current {
        let print = kept(fingerprint(&record));
        let changed = match (change, previous.get(&id)) {
            (Change::New, None) => true,
            (Change::New, Some(_)) => false,
            (Change::Updated, Some(before)) => *before != print,
            // Not there before: a new record, not an update; remembered from now.
            (Change::Updated, None) => false,
        };
        if !changed {
            if change == Change::Updated || previous.contains_key(&id) {
                next.insert(id, previous.get(&id).copied().unwrap_or(print));
            }
            continue;
        }
        if events.len() < max_events {
            next.insert(id, print);
            events.push((id, record));
        } else {
            more = true;
            // Held back: remembered as it was, so the next poll reports it.
            if let Some(before) = previous.get(&id) {
                next.insert(id, *before);
            }
        }
    }
    (events, next, more)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_ignore_field_order_and_see_every_change() {
        let a: Value = serde_json::from_str(r#"{"item_id":"1","name":"Drive","rate":120}"#).expect("json");
        let b: Value = serde_json::from_str(r#"{"rate":120,"name":"Drive","item_id":"1"}"#).expect("json");
        let c: Value = serde_json::from_str(r#"{"rate":121,"name":"Drive","item_id":"1"}"#).expect("json");
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&c));
    }

    #[test]
    fn states_round_trip_and_refuse_damage_and_other_scopes() {
        let snapshot: Snapshot = [(460_000_000_026_049, 7), (460_000_000_026_051, 0xffff_ffff)].into();
        let text = encode("booksNewRecords", "1/items", &snapshot);
        assert_eq!(decode(&text, "booksNewRecords", "1/items"), Ok(snapshot));
        assert!(decode(&text, "booksNewRecords", "1/taxes").is_err());
        let mut damaged = text.clone();
        damaged.insert(8, 'x');
        assert!(decode(&damaged, "booksNewRecords", "1/items").is_err());
    }

    #[test]
    fn held_back_changes_come_next_time_and_gone_records_are_forgotten() {
        let record = |n: i64| json!({"rate": n});
        let previous: Snapshot = [(1, kept(fingerprint(&record(1)))), (2, kept(fingerprint(&record(2))))].into();
        // 1 edited, 2 deleted, 3 and 4 new.
        let current = vec![(1, record(10)), (3, record(3)), (4, record(4))];
        let (new, next, more) = changes(Change::New, &previous, current.clone(), 1);
        assert_eq!(
            (new.iter().map(|(id, _)| *id).collect::<Vec<_>>(), more),
            (vec![3], true)
        );
        assert_eq!(next.keys().copied().collect::<Vec<_>>(), [1, 3]);
        let (new, _, more) = changes(Change::New, &next, current.clone(), 5);
        assert_eq!(
            (new.iter().map(|(id, _)| *id).collect::<Vec<_>>(), more),
            (vec![4], false)
        );
        let (edited, next, more) = changes(Change::Updated, &previous, current, 5);
        assert_eq!(
            (edited.iter().map(|(id, _)| *id).collect::<Vec<_>>(), more),
            (vec![1], false)
        );
        assert_eq!(next.keys().copied().collect::<Vec<_>>(), [1, 3, 4]);
    }
}
