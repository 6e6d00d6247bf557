//! Where a polling trigger stands: the last change it delivered, as (time, id), and the opaque
//! state text that carries it from one poll to the next.
//!
//! Changes are ordered by (time, id). Zoho's times have one-second resolution, so many records
//! share a time; the id breaks the tie, which makes "after this position" exact however many
//! records share a second, and keeps the state a few dozen bytes whatever the backlog.

use std::cmp::Ordering;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64;
use serde_json::{Value, json};

use crate::shared::error::Error;

/// A point in the (time, id) order of changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// Seconds since the Unix epoch.
    pub time: i64,
    /// A record id (digits), or empty for "before every record at `time`".
    pub id: String,
}

impl Position {
    /// Just before every change at `time`: the anchor of a first poll.
    pub fn before(time: i64) -> Self {
        Self {
            time,
            id: String::new(),
        }
    }
}

impl Ord for Position {
    fn cmp(&self, other: &Self) -> Ordering {
        // Ids are digit strings of up to 19+ digits: shorter is smaller, then by text, which is
        // numeric order without the precision loss of parsing them as floats.
        self.time
            .cmp(&other.time)
            .then_with(|| self.id.len().cmp(&other.id.len()))
            .then_with(|| self.id.cmp(&other.id))
    }
}

impl PartialOrd for Position {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Version tag of the state text; a future format gets a new one.
const PREFIX: &str = "zt1.";
/// No state we write comes near this; anything longer is not ours.
const MAX_LEN: usize = 4096;

/// The state text for `position` of trigger `key` watching `scope` (a module, or a Books
/// organization and record type). A checksum makes damage detectable; it is not a secret.
pub fn encode(key: &str, scope: &str, position: &Position) -> String {
    let body = json!({"k": key, "s": scope, "t": position.time, "i": position.id}).to_string();
    sign(PREFIX, &BASE64.encode(body.as_bytes()))
}

/// `{prefix}{signed}.{checksum}`: a state text whose damage [`signed_part`] notices.
pub(super) fn sign(prefix: &str, signed: &str) -> String {
    format!("{prefix}{signed}.{:016x}", checksum(signed.as_bytes()))
}

/// The signed part of a state text made by [`sign`] with `prefix`, if it is no longer than
/// `max_len` and its checksum holds.
pub(super) fn signed_part<'a>(text: &'a str, prefix: &str, max_len: usize) -> Option<&'a str> {
    let rest = text.strip_prefix(prefix).filter(|_| text.len() <= max_len)?;
    let (signed, sum) = rest.rsplit_once('.')?;
    (sum.len() == 16 && u64::from_str_radix(sum, 16).ok()? == checksum(signed.as_bytes())).then_some(signed)
}

/// Reads a state text back, refusing one that is damaged, from another trigger, or for
/// another module or record type; the error names the `state` input.
pub fn decode(text: &str, key: &str, scope: &str) -> Result<Position, Error> {
    let damaged = || {
        Error::invalid(
            "state",
            "is not a state this trigger returned (damaged or foreign); pass back the `state` of the previous poll unchanged, or omit it to start again from now",
        )
    };
    let payload = signed_part(text, PREFIX, MAX_LEN).ok_or_else(damaged)?;
    let bytes = BASE64.decode(payload).map_err(|_| damaged())?;
    let body: Value = serde_json::from_slice(&bytes).map_err(|_| damaged())?;
    let owner = body.get("k").and_then(Value::as_str).ok_or_else(damaged)?;
    if owner != key {
        return Err(Error::invalid(
            "state",
            format!("belongs to the trigger `{owner}`, not `{key}`; each trigger keeps its own state"),
        ));
    }
    let watched = body.get("s").and_then(Value::as_str).ok_or_else(damaged)?;
    if watched != scope {
        return Err(Error::invalid(
            "state",
            format!("was made while watching `{watched}`, not `{scope}`; omit it to start watching `{scope}` from now"),
        ));
    }
    let time = body.get("t").and_then(Value::as_i64).ok_or_else(damaged)?;
    let id = body.get("i").and_then(Value::as_str).ok_or_else(damaged)?;
    if !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(damaged());
    }
    Ok(Position {
        time,
        id: id.to_owned(),
    })
}

/// The scope a well-formed state text was made for, unchecked against any trigger: what a
/// poll may reuse (a Books organization) before it knows its own scope. `None` for anything
/// [`decode`] would refuse as damaged.
pub fn scope(text: &str) -> Option<String> {
    let payload = signed_part(text, PREFIX, MAX_LEN)?;
    let body: Value = serde_json::from_slice(&BASE64.decode(payload).ok()?).ok()?;
    body.get("s").and_then(Value::as_str).map(str::to_owned)
}

/// FNV-1a: enough to notice a changed or truncated state, and tiny.
fn checksum(bytes: &[u8]) -> u64 {
    let mut hash = Fnv::default();
    hash.write(bytes);
    hash.finish()
}

/// FNV-1a, 64 bits: hand-written because it is five lines, stable across builds and platforms
/// (the std hasher is not), and only ever used to notice change, never against an adversary.
pub(super) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub(super) fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub(super) fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_order_numerically_within_a_second() {
        let at = |time, id: &str| Position { time, id: id.into() };
        assert!(at(5, "999") < at(5, "1000"));
        assert!(at(5, "") < at(5, "1"));
        assert!(at(5, "99999999999999999999") < at(6, ""));
        assert!(at(5, "4876876000000624002") > at(5, "4876876000000624001"));
    }

    #[test]
    fn state_round_trips_and_refuses_damaged_or_foreign_text() {
        let position = Position {
            time: 1_790_000_000,
            id: "4876876000000624001".into(),
        };
        let text = encode("crmNewRecords", "Leads", &position);
        assert!(text.len() < 200, "{text}");
        assert_eq!(decode(&text, "crmNewRecords", "Leads").expect("decodes"), position);
        let input_of = |result: Result<Position, Error>| match result {
            Err(Error::InvalidInput { input, .. }) => input,
            other => panic!("expected invalid input, got {other:?}"),
        };
        assert_eq!(input_of(decode(&text, "crmUpdatedRecords", "Leads")), "state");
        assert_eq!(input_of(decode(&text, "crmNewRecords", "Contacts")), "state");
        let mut damaged = text.clone();
        damaged.replace_range(6..7, if &text[6..7] == "A" { "B" } else { "A" });
        assert_eq!(input_of(decode(&damaged, "crmNewRecords", "Leads")), "state");
        for bad in [
            "",
            "zt1.",
            "zt1.abc.0",
            "zc1.00",
            &text[..text.len() - 1],
            &"x".repeat(5000),
        ] {
            assert_eq!(input_of(decode(bad, "crmNewRecords", "Leads")), "state", "{bad}");
        }
    }
}
