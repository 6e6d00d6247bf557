//! New and updated Books records, for any record type.
//!
//! How a poll reads the list comes from what Zoho's Books documents publish for the type
//! (`zoho_facts::books_types`), so that an idle poll costs one request wherever they allow:
//! - **A documented sort by the trigger's time** (`created_time` for new records;
//!   `last_modified_time` for updated sales orders and vendor credits): the list is walked
//!   newest first and the walk stops at the first page that reaches back to the position.
//!   Walking newest first keeps a change made during the walk from hiding another: a record
//!   edited meanwhile moves to the front, which only repeats a record already seen (and passed
//!   over by position), never skips one.
//! - **The documented `last_modified_time` filter** (invoices, bills, purchase orders, journals,
//!   vendor payments, ...): only records modified since the position are listed. A record
//!   created after the position was modified after it too, so new-record triggers use it where
//!   no sort serves them. Zoho's text says "greater than" the time given; the filter is sent a
//!   second before the position, so the list holds every change after it under that reading and
//!   under "at or after" alike, and the position itself (time, then id) decides what is new.
//! - **Neither**: the whole list is read, up to [`MAX_UNSORTED_PAGES`].
//!
//! Books' echo of `sort_column` is not trusted: the order of what comes back is checked, and
//! the walk stops early only while every time seen so far is in order. If Books refuses the
//! column, or the order does not hold, the list is read to its end. Either way the earliest
//! `maxEvents` changes after the position are kept, in bounded memory.
//!
//! The first poll anchors at Zoho's clock. Where only the filter serves, it learns the clock
//! from a one-record page, then lists what changed in widening windows before it until it has
//! `backfill` changes (with none asked for, the last second only).

use std::collections::BTreeMap;

use serde_json::Value;

use super::changes::{Change, Earliest, PollOutcome, SETTLE_SECONDS, limits, record_event, zoho_now};
use super::position::{self, Position};
use super::snapshot;
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

/// How one trigger reads one record type's list.
#[derive(Debug, Clone, Copy)]
struct Reading {
    change: Change,
    /// Books documents sorting the type by the trigger's time.
    sorted: bool,
    /// Books documents `sort_order` for the type; elsewhere the order is Books' own choice,
    /// which the walk reads from the answer and checks.
    sort_order: bool,
    /// Books documents the `last_modified_time` filter for the type.
    filtered: bool,
}

impl Reading {
    fn of(record_type: &str, change: Change) -> Self {
        let documented = zoho_facts::books_types::books_type(record_type);
        let sorted = documented.is_some_and(|t| t.sorts_by(time_field(change)));
        let filtered = documented.is_some_and(|t| t.modified_filter);
        Self {
            change,
            sorted,
            sort_order: documented.is_some_and(|t| t.sort_order),
            // A sort by creation already serves new records; the filter is for the rest.
            filtered: filtered && (change == Change::Updated || !sorted),
        }
    }
}

/// How far back the first poll of a filter-only type looks for `backfill` changes before
/// reading the whole list: a second, a day, a month, a year.
const BACKFILL_WINDOWS: [i64; 4] = [1, 86_400, 30 * 86_400, 365 * 86_400];

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
    // A poll that carries a state watches the organization it started in: asking Books which
    // organizations the connection has would cost a request on every poll.
    let started_in = state
        .and_then(|text| position::scope(text).or_else(|| snapshot::scope(text)))
        .and_then(|scope| scope.split_once('/').map(|(organization, _)| organization.to_owned()))
        .filter(|organization| crate::shared::validate::record_id("organizationId", organization).is_ok());
    let organization = match (target.organization_id.as_deref(), started_in) {
        (None, Some(organization)) => organization,
        (explicit, _) => books::organization(session, explicit)?,
    };
    let scope = format!("{organization}/{}", target.record_type);
    let (max_events, backfill) = limits(inputs);
    let list = List {
        target: &target,
        organization: &organization,
        id_field: books::id_field(&target.record_type),
        reading: Reading::of(&target.record_type, change),
    };
    if let Some(text) = state.filter(|text| text.starts_with(snapshot::PREFIX)) {
        let previous = snapshot::decode(text, key, &scope)?;
        return list.snapshot_poll(session, key, &scope, Some(&previous), max_events);
    }
    let since = state.map(|text| position::decode(text, key, &scope)).transpose()?;
    let event = change.event();
    let position_of = |listed: &Listed| Position {
        time: change.time(listed.created, listed.modified),
        id: listed.id.clone(),
    };
    let counts = |listed: &Listed| change.counts(listed.created, listed.modified);
    let (events, position, more) = match since {
        None => {
            let mut anchor = Anchor::new(backfill);
            let offer = |anchor: &mut Anchor, now: i64, listed: Listed| {
                let at = position_of(&listed);
                let counted = counts(&listed);
                anchor.offer(now, at, counted, record_event(event, &listed.id, listed.record))
            };
            let walked = if list.reading.filtered && !list.reading.sorted {
                let now = list.clock(session)?;
                // Every change after a window's start is in it, so once a window holds
                // `backfill` of them they are the most recent `backfill`; the last window is
                // the whole list.
                let mut windows = BACKFILL_WINDOWS.iter().map(|width| Some(now - width)).chain([None]);
                loop {
                    let Some(from) = windows.next() else { break Ok(now) };
                    if let Err(error) =
                        list.walk(session, from, Some(now), |now, listed| offer(&mut anchor, now, listed))
                    {
                        break Err(error);
                    }
                    if anchor.full() {
                        break Ok(now);
                    }
                }
            } else {
                list.walk(session, None, None, |now, listed| offer(&mut anchor, now, listed))
            };
            match walked {
                Ok(now) => anchor.finish(now),
                // Books lists this type without times: remember the list itself instead.
                Err(error) if timeless(&error) => {
                    return list.snapshot_poll(session, key, &scope, None, max_events);
                }
                Err(error) => return Err(error),
            }
        }
        Some(since) => {
            let mut earliest = Earliest::new(max_events);
            list.walk(session, Some(since.time), None, |now, listed| {
                let at = position_of(&listed);
                // Newest first: once a record is older than the position, the rest are too.
                let older = at.time < since.time;
                if at > since && at.time <= now - SETTLE_SECONDS && counts(&listed) {
                    earliest.offer(at, record_event(event, &listed.id, listed.record));
                }
                !older
            })
            .map_err(|error| {
                if timeless(&error) {
                    Error::invalid(
                        "recordType",
                        format!(
                            "is now listed by Books without its times ({}), which this state's position needs; omit the state to start again from now (the trigger then remembers the list itself)",
                            target.record_type
                        ),
                    )
                } else {
                    error
                }
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

/// What a first poll gathers: the most recent `backfill` changes before Zoho's clock, in
/// bounded memory, and the newest position listed.
struct Anchor {
    backfill: usize,
    latest: BTreeMap<Position, Value>,
    newest: Option<Position>,
}

impl Anchor {
    fn new(backfill: usize) -> Self {
        Self {
            backfill,
            latest: BTreeMap::new(),
            newest: None,
        }
    }

    /// Takes one listed record; false once `backfill` changes are held.
    fn offer(&mut self, now: i64, at: Position, counted: bool, event: Value) -> bool {
        self.newest = self.newest.take().max(Some(at.clone()));
        if self.backfill > 0 && at < Position::before(now) && counted {
            self.latest.insert(at, event);
            if self.latest.len() > self.backfill {
                self.latest.pop_first();
            }
        }
        !self.full()
    }

    fn full(&self) -> bool {
        self.latest.len() >= self.backfill
    }

    /// The backfilled events, and the anchor: records already listed in the anchor's own
    /// second are not news.
    fn finish(self, now: i64) -> (Vec<Value>, Position, bool) {
        let anchor = self
            .newest
            .map_or(Position::before(now), |newest| newest.max(Position::before(now)));
        (self.latest.into_values().collect(), anchor, false)
    }
}

/// One record type's list, read the way [`Reading`] says.
struct List<'a> {
    target: &'a Target,
    organization: &'a str,
    id_field: String,
    reading: Reading,
}

impl List<'_> {
    /// Zoho's clock, from the cheapest answer a list gives: one record, in Books' own order.
    fn clock(&self, session: &mut Session) -> Result<i64, Error> {
        let plan = books::list_plan(self.target, self.organization, 1, 1, &[])?;
        let response = session.send(&plan)?;
        books::decode(&response)?;
        zoho_now(crate::shared::zoho::server_time(&response))
    }

    /// Walks the list, newest first by the trigger's time field where Books documents that
    /// sort, and with the `last_modified_time` filter from `changed_since` where Books
    /// documents it, handing each record to `take` with Zoho's time (`now`, or the first
    /// answer's). `take` returning false ends the walk only while the order has held for every
    /// record seen; otherwise the list is read to its end. A page is always read to its end,
    /// so records sharing the stopping second are all seen.
    fn walk(
        &self,
        session: &mut Session,
        changed_since: Option<i64>,
        now: Option<i64>,
        mut take: impl FnMut(i64, Listed) -> bool,
    ) -> Result<i64, Error> {
        let column = time_field(self.reading.change);
        let mut query = Vec::new();
        if let Some(since) = changed_since.filter(|_| self.reading.filtered) {
            // A second early: complete whether Books reads "after" or "at or after".
            query.push((
                "last_modified_time".to_owned(),
                zoho_facts::instants::format_books(since - 1),
            ));
        }
        // What is asked stays the same on every page (pages of different orders do not add
        // up); whether the early stop is allowed can only get stricter as records come in.
        let mut ask_sorted = self.reading.sorted;
        let mut order_holds = ask_sorted;
        let mut now = now;
        let mut page = 1;
        // The time of the last record seen, to check that the list really is newest first.
        let mut previous: Option<i64> = None;
        loop {
            let mut page_query = query.clone();
            if ask_sorted {
                page_query.push(("sort_column".to_owned(), column.to_owned()));
                if self.reading.sort_order {
                    page_query.push(("sort_order".to_owned(), "D".to_owned()));
                }
            }
            let plan = books::list_plan(self.target, self.organization, page, PER_PAGE, &page_query)?;
            let response = session.send(&plan)?;
            let envelope = match books::decode(&response) {
                Err(Error::Api(api)) if ask_sorted && page == 1 && api.message.contains("sort_column") => {
                    // Books refused a column it documents; read the list in its own order.
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
                let listed = listed(record, &self.id_field, &self.target.record_type)?;
                let at = self.reading.change.time(listed.created, listed.modified);
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
                return Err(self.too_long(column, query.is_empty()));
            }
            page += 1;
        }
    }

    /// A poll of a list whose records carry no times: the whole list, held against the
    /// remembered one (`previous`; none on a first poll, which only remembers).
    fn snapshot_poll(
        &self,
        session: &mut Session,
        key: &str,
        scope: &str,
        previous: Option<&snapshot::Snapshot>,
        max_events: usize,
    ) -> Result<PollOutcome, Error> {
        let mut current = Vec::new();
        let mut page = 1;
        loop {
            let plan = books::list_plan(self.target, self.organization, page, PER_PAGE, &[])?;
            let (records, has_more_page) = books::list_page(books::decode(&session.send(&plan)?)?)?;
            if records.is_empty() && has_more_page {
                return Err(Error::decode("Books reported more pages but sent an empty one"));
            }
            for record in records {
                let id = id_of(record.get(&self.id_field))
                    .ok_or_else(|| Error::decode(format!("a listed Books record has no usable `{}`", self.id_field)))?;
                current.push((snapshot::id_number(&id)?, record));
            }
            if !has_more_page {
                break;
            }
            if page >= MAX_UNSORTED_PAGES {
                return Err(self.too_long("created_time", true));
            }
            page += 1;
        }
        current.sort_by_key(|(id, _)| *id);
        let change = self.reading.change;
        let (events, next, more) = match previous {
            Some(previous) => snapshot::changes(change, previous, current, max_events),
            None => {
                let remembered = current
                    .iter()
                    .map(|(id, record)| (*id, snapshot::kept(snapshot::fingerprint(record))))
                    .collect();
                (Vec::new(), remembered, false)
            }
        };
        Ok(PollOutcome {
            events: events
                .into_iter()
                .map(|(id, record)| record_event(change.event(), &id.to_string(), record))
                .collect(),
            state: snapshot::encode(key, scope, &next),
            more,
        })
    }

    fn too_long(&self, column: &str, whole_list: bool) -> Error {
        let record_type = &self.target.record_type;
        let limit = MAX_UNSORTED_PAGES * PER_PAGE;
        Error::invalid(
            "recordType",
            if whole_list {
                format!(
                    "Books does not sort {record_type} by {column} (or did not keep that order), so every poll reads the whole list, and it has more than {limit} records; use a trigger on a record type Books sorts by {column}"
                )
            } else {
                format!(
                    "more than {limit} {record_type} changed since the last poll, more than one poll reads; poll more often, or start again from now without the state"
                )
            },
        )
    }
}

/// How a listed record without its times is reported inside the walk; [`timeless`] tells it
/// apart, and the first poll turns to remembering the list.
const TIMELESS: &str = "is listed by Books without";

fn timeless(error: &Error) -> bool {
    matches!(error, Error::InvalidInput { input, message } if input == "recordType" && message.starts_with(TIMELESS))
}

fn listed(record: Value, id_field: &str, record_type: &str) -> Result<Listed, Error> {
    let id = id_of(record.get(id_field))
        .ok_or_else(|| Error::decode(format!("a listed Books record has no usable `{id_field}`")))?;
    let time = |field: &str| {
        record
            .get(field)
            .and_then(Value::as_str)
            .and_then(crate::shared::time::parse_iso)
            .ok_or_else(|| {
                Error::invalid(
                    "recordType",
                    // Starts with TIMELESS, which `timeless` looks for.
                    format!("is listed by Books without a readable `{field}` ({record_type}, record {id})"),
                )
            })
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
