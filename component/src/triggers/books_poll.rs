//! New and updated Books records, for any record type.
//!
//! Books lists page by number only and offer no "after this time" filter common to every
//! type. Where Books documents sorting the type by the trigger's time (`zoho_facts::books_sort_columns`), each
//! poll walks the list newest first and stops at the first page that reaches back to its
//! position. Walking newest first is what keeps a change made during the walk from hiding
//! another: a record edited meanwhile moves to the front, which only repeats a record already
//! seen (and passed over by position), never skips one.
//!
//! Books' echo of `sort_column` is not trusted: the order of what comes back is checked, and
//! the walk stops early only while every time seen so far is in order. Where the column is not
//! documented (updated invoices, bills, estimates, sales orders; items), or Books refuses it,
//! or the order does not hold, the whole list is read, up to [`MAX_UNSORTED_PAGES`]. Either
//! way the earliest `maxEvents` changes after the position are kept, in bounded memory.

use std::collections::BTreeMap;

use serde_json::Value;

use super::changes::{Change, Earliest, PollOutcome, SETTLE_SECONDS, limits, record_event, zoho_now};
use super::position::{self, Position};
use crate::books::{self, Target};
use crate::crm::id_of;
use crate::shared::error::Error;
use crate::shared::inputs::Inputs;
use crate::shared::session::Session;

const PER_PAGE: u32 = 200;
/// The longest list read on every poll when its order cannot be relied on: 10,000 records.
/// Past it the poll fails with a clear error rather than advancing past what it did not read.
pub const MAX_UNSORTED_PAGES: u32 = 50;

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

/// Walks the list, newest first by the trigger's time field where Books documents that sort,
/// handing each record to `take` with Zoho's time at the first answer. `take` returning false
/// ends the walk only while the order has held for every record seen; otherwise the list is
/// read to its end. A page is always read to its end, so records sharing the stopping second
/// are all seen.
fn walk(
    session: &mut Session,
    target: &Target,
    organization: &str,
    change: Change,
    id_field: &str,
    mut take: impl FnMut(i64, Listed) -> bool,
) -> Result<i64, Error> {
    let column = time_field(change);
    // What is asked stays the same on every page (pages of different orders do not add up);
    // whether the early stop is allowed can only get stricter as records come in.
    let mut ask_sorted = zoho_facts::books_sort_columns::documented(&target.record_type, column);
    let mut order_holds = ask_sorted;
    let mut now = None;
    let mut page = 1;
    // The time of the last record seen, to check that the list really is newest first.
    let mut previous: Option<i64> = None;
    loop {
        let sort = if ask_sorted {
            vec![
                ("sort_column".to_owned(), column.to_owned()),
                ("sort_order".to_owned(), "D".to_owned()),
            ]
        } else {
            Vec::new()
        };
        let plan = books::list_plan(target, organization, page, PER_PAGE, &sort)?;
        let response = session.send(&plan)?;
        let envelope = match books::decode(&response) {
            Err(Error::Api(api)) if ask_sorted && page == 1 && api.message.contains("sort_column") => {
                // Books refused a column it documents; read the list in its own order instead.
                ask_sorted = false;
                order_holds = false;
                continue;
            }
            other => other?,
        };
        let clock = match now {
            Some(clock) => clock,
            None => *now.insert(zoho_now(crate::shared::zoho::server_time(&response))?),
        };
        // The echo can only take trust away: a list that says it used another order did.
        if let Some(context) = &envelope.page_context {
            let echoed = |key: &str, expected: &str| context[key].as_str().is_none_or(|value| value == expected);
            if !(echoed("sort_column", column) && echoed("sort_order", "D")) {
                order_holds = false;
            }
        }
        let (records, has_more_page) = books::list_page(envelope)?;
        if records.is_empty() && has_more_page {
            return Err(Error::decode("Books reported more pages but sent an empty one"));
        }
        let mut go_on = true;
        for record in records {
            let listed = listed(record, id_field)?;
            let at = change.time(listed.created, listed.modified);
            if previous.is_some_and(|p| at > p) {
                order_holds = false;
            }
            previous = Some(at);
            go_on &= take(clock, listed);
        }
        if (!go_on && order_holds) || !has_more_page {
            return Ok(clock);
        }
        if !order_holds && page >= MAX_UNSORTED_PAGES {
            return Err(Error::invalid(
                "recordType",
                format!(
                    "Books does not sort {} by {column} (or did not keep that order), so every poll reads the whole list, and it has more than {} records; use a trigger on a record type Books sorts by {column}",
                    target.record_type,
                    MAX_UNSORTED_PAGES * PER_PAGE
                ),
            ));
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
