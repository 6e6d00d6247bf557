//! New and updated Books records, for any record type whose list sorts by `created_time` /
//! `last_modified_time`.
//!
//! Books lists page by number only and offer no "after this time" filter common to every
//! type, so each poll walks the list newest first and stops at the first page that reaches
//! back to its position. Walking newest first is what keeps a change made during the walk
//! from hiding another: a record edited meanwhile moves to the front, which only repeats a
//! record already seen (and passed over by position), never skips one. The earliest
//! `maxEvents` changes after the position are kept, in bounded memory.

use std::collections::BTreeMap;

use serde_json::Value;

use super::position::{self, Position};
use super::{Change, Earliest, PollOutcome, SETTLE_SECONDS, id_of, limits, record_event, zoho_now};
use crate::books::{self, Target};
use crate::shared::error::Error;
use crate::shared::inputs::Inputs;
use crate::shared::session::Session;

const PER_PAGE: u32 = 200;

/// The Books field a change is ordered (and its list sorted) by.
fn time_field(change: Change) -> &'static str {
    match change {
        Change::New => "created_time",
        Change::Updated => "last_modified_time",
    }
}

/// A listed record with the times the trigger orders by.
struct Listed {
    id: String,
    created: i64,
    modified: i64,
    record: Value,
}

pub(super) fn poll(
    session: &mut Session,
    inputs: &Inputs,
    key: &'static str,
    state: Option<&str>,
    change: Change,
) -> Result<PollOutcome, Error> {
    let target = Target {
        record_type: inputs.required_text("recordType")?.to_owned(),
        parent_record_type: None,
        parent_record_id: None,
        organization_id: inputs.text("organizationId").map(str::to_owned),
    };
    books::validate_target(&target)?;
    let organization = books::organization(session, target.organization_id.as_deref())?;
    let scope = format!("{organization}/{}", target.record_type);
    let (max_events, backfill) = limits(inputs);
    let since = state.map(|text| position::decode(text, key, &scope)).transpose()?;
    let id_field = books::id_field(&target.record_type);
    let event = change.event();
    let position_of = |listed: &Listed| Position {
        time: change.time(listed.created, listed.modified),
        id: listed.id.clone(),
    };
    let counts = |listed: &Listed| change.counts(listed.created, listed.modified);
    let (events, position, more) = match since {
        None => {
            // The most recent `backfill` records before the anchor, in bounded memory.
            let mut latest: BTreeMap<Position, Value> = BTreeMap::new();
            let mut newest: Option<Position> = None;
            let now = walk(session, &target, &organization, change, &id_field, |now, listed| {
                let at = position_of(&listed);
                newest = newest.take().max(Some(at.clone()));
                if backfill > 0 && at < Position::before(now) && counts(&listed) {
                    latest.insert(at, record_event(event, &listed.id, listed.record));
                    if latest.len() > backfill {
                        latest.pop_first();
                    }
                }
                latest.len() < backfill
            })?;
            let latest: Vec<Value> = latest.into_values().collect();
            // Records already listed in the anchor's own second are not news.
            let anchor = newest.map_or(Position::before(now), |n| n.max(Position::before(now)));
            (latest, anchor, false)
        }
        Some(since) => {
            let mut earliest = Earliest::new(max_events);
            walk(session, &target, &organization, change, &id_field, |now, listed| {
                let at = position_of(&listed);
                // Newest first: once a record is older than the position, the rest are too.
                let older = at.time < since.time;
                if at > since && at.time <= now - SETTLE_SECONDS && counts(&listed) {
                    earliest.offer(at, record_event(event, &listed.id, listed.record));
                }
                !older
            })?;
            let (events, last, more) = earliest.into_events();
            (events, last.unwrap_or(since), more)
        }
    };
    Ok(PollOutcome {
        events,
        state: position::encode(key, &scope, &position),
        more,
    })
}

/// Walks the list newest first by the trigger's time field, handing each record to `take` with
/// Zoho's time at the first answer, until `take` returns false (honoured only while Books says
/// the list is sorted as asked) or the list ends. A page is
/// always read to its end, so records sharing the stopping second are all seen.
fn walk(
    session: &mut Session,
    target: &Target,
    organization: &str,
    change: Change,
    id_field: &str,
    mut take: impl FnMut(i64, Listed) -> bool,
) -> Result<i64, Error> {
    let sort = [
        ("sort_column".to_owned(), time_field(change).to_owned()),
        ("sort_order".to_owned(), "D".to_owned()),
    ];
    let mut now = None;
    let mut page = 1;
    loop {
        let plan = books::list_plan(target, organization, page, PER_PAGE, &sort)?;
        let response = session.send(&plan)?;
        let clock = match now {
            Some(clock) => clock,
            None => *now.insert(zoho_now(crate::shared::zoho::server_time(&response))?),
        };
        let envelope = books::decode(&response)?;
        // A list that ignored the sort asked for (not every type sorts by every time) has to
        // be read to its end: stopping early would miss changes further down.
        let context = envelope.page_context.clone().unwrap_or(Value::Null);
        let sorted_as_asked = context["sort_column"].as_str().is_none_or(|c| c == time_field(change))
            && context["sort_order"].as_str().is_none_or(|o| o == "D");
        let (records, has_more_page) = books::list_page(envelope)?;
        if records.is_empty() && has_more_page {
            return Err(Error::decode("Books reported more pages but sent an empty one"));
        }
        let mut go_on = true;
        for record in records {
            let listed = listed(record, id_field)?;
            go_on &= take(clock, listed);
        }
        if (!go_on && sorted_as_asked) || !has_more_page {
            return Ok(clock);
        }
        page += 1;
    }
}

fn listed(record: Value, id_field: &str) -> Result<Listed, Error> {
    let id = id_of(record.get(id_field))
        .ok_or_else(|| Error::decode(format!("a listed Books record has no usable `{id_field}`")))?;
    let time = |field: &str| {
        record
            .get(field)
            .and_then(Value::as_str)
            .and_then(crate::shared::time::parse_iso)
            .ok_or_else(|| Error::decode(format!("the Books record {id} has no readable `{field}`")))
    };
    let created = time("created_time")?;
    // Some types report no modification time until a record is edited.
    let modified = time("last_modified_time").unwrap_or(created);
    Ok(Listed {
        id,
        created,
        modified,
        record,
    })
}
