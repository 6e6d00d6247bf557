//! What every trigger's poll shares: which change a record trigger reports, the outcome of a
//! poll, the `maxEvents` / `backfill` limits, Zoho's clock, the settling delay, and the bounded
//! set of earliest changes for lists walked newest first.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::position::Position;
use crate::shared::error::Error;
use crate::shared::inputs::Inputs;

/// Changes this recent (by Zoho's clock) wait for the next poll.
pub const SETTLE_SECONDS: i64 = 2;
/// Default and largest `maxEvents`.
const DEFAULT_MAX_EVENTS: u32 = 200;
pub const MAX_EVENTS: u32 = 1_000;

/// Which changes a record trigger reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Change {
    New,
    Updated,
}

impl Change {
    /// The `event` of what it reports.
    pub(super) fn event(self) -> &'static str {
        match self {
            Change::New => "created",
            Change::Updated => "updated",
        }
    }

    /// When the change happened: creation, or the last modification.
    pub(super) fn time(self, created: i64, modified: i64) -> i64 {
        match self {
            Change::New => created,
            Change::Updated => modified,
        }
    }

    /// An edit is a modification after creation; a record never edited is only new.
    pub(super) fn counts(self, created: i64, modified: i64) -> bool {
        self == Change::New || modified > created
    }
}

/// What one poll (or one notification) produced.
#[derive(Debug, Clone, PartialEq)]
pub struct PollOutcome {
    pub events: Vec<Value>,
    pub state: String,
    pub more: bool,
}

/// `maxEvents` and `backfill`, defaulted.
pub(super) fn limits(inputs: &Inputs) -> (usize, usize) {
    let max_events = inputs
        .u32("maxEvents")
        .unwrap_or(DEFAULT_MAX_EVENTS)
        .clamp(1, MAX_EVENTS);
    let backfill = inputs.u32("backfill").unwrap_or(0).min(MAX_EVENTS);
    (
        usize::try_from(max_events).unwrap_or(1),
        usize::try_from(backfill).unwrap_or(0),
    )
}

/// Zoho's clock from an answer; triggers refuse to guess it from the host's.
pub(super) fn zoho_now(time: Option<i64>) -> Result<i64, Error> {
    time.ok_or_else(|| Error::decode("Zoho's answer has no Date header, so the trigger cannot tell Zoho's time"))
}

/// The smallest `capacity` changes seen so far, by position, when a list can only be walked
/// newest first: memory stays bounded whatever the backlog.
#[derive(Debug)]
pub(super) struct Earliest {
    capacity: usize,
    kept: BTreeMap<Position, Value>,
    /// Whether a change was dropped for lack of room (so more are waiting).
    overflowed: bool,
}

impl Earliest {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            kept: BTreeMap::new(),
            overflowed: false,
        }
    }

    pub(super) fn offer(&mut self, position: Position, event: Value) {
        self.kept.insert(position, event);
        if self.kept.len() > self.capacity {
            self.kept.pop_last();
            self.overflowed = true;
        }
    }

    /// The changes, oldest first, and the position of the last one.
    pub(super) fn into_events(self) -> (Vec<Value>, Option<Position>, bool) {
        let last = self.kept.keys().next_back().cloned();
        (self.kept.into_values().collect(), last, self.overflowed)
    }
}

/// A created or updated event.
pub(super) fn record_event(event: &str, id: &str, record: Value) -> Value {
    json!({"event": event, "id": id, "record": record})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_keeps_the_oldest_changes_and_knows_when_it_dropped_some() {
        let mut earliest = Earliest::new(2);
        for (time, id) in [(9, "3"), (5, "2"), (5, "1"), (7, "9")] {
            earliest.offer(Position { time, id: id.into() }, json!(id));
        }
        let (events, last, overflowed) = earliest.into_events();
        assert_eq!(events, vec![json!("1"), json!("2")]);
        assert_eq!(
            last,
            Some(Position {
                time: 5,
                id: "2".into()
            })
        );
        assert!(overflowed);
    }
}
