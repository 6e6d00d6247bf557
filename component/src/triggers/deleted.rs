//! Deleted CRM records, from Zoho's deleted-records list (`GET /{module}/deleted?type=all`).
//!
//! That list can only be paged by number and filtered by `If-Modified-Since`; its order is not
//! documented. So each poll walks every page after its position and keeps the earliest
//! `maxEvents` deletions in (deleted time, id) order, in bounded memory; deletions already
//! delivered, or too recent to be settled, are passed over.

use serde_json::{Map, Value, json};

use super::changes::{Earliest, PollOutcome, SETTLE_SECONDS, limits, zoho_now};
use super::position::{self, Position};
use crate::crm;
use crate::crm::id_of;
use crate::shared::error::Error;
use crate::shared::inputs::Inputs;
use crate::shared::session::Session;
use crate::shared::validate;

const PER_PAGE: u32 = 200;
/// The fields of a deleted-records entry (OAS `record.json` `Deleted_Record`).
const DELETED_LIST_FIELDS: &[&str] = &["id", "deleted_by", "display_name", "type", "created_by", "deleted_time"];

pub fn poll(
    session: &mut Session,
    inputs: &Inputs,
    key: &'static str,
    state: Option<&str>,
) -> Result<PollOutcome, Error> {
    let module = inputs.required_text("recordType")?;
    validate::module_name("recordType", module)?;
    let (max_events, backfill) = limits(inputs);
    let carried: Option<Vec<String>> = inputs.list("fields").map(|names| {
        names
            .into_iter()
            .map(|name| name.trim().to_owned())
            .filter(|name| DELETED_LIST_FIELDS.contains(&name.as_str()))
            .collect()
    });
    let carried = carried.as_deref();
    let since = state.map(|text| position::decode(text, key, module)).transpose()?;
    let (events, position, more) = match since {
        None => {
            // The first answer tells Zoho's time; the backfill is the latest deletions before it.
            let mut latest: Vec<(Position, Value)> = Vec::new();
            let mut newest: Option<Position> = None;
            let now = walk(session, module, None, carried, |now, at, event| {
                newest = newest.take().max(Some(at.clone()));
                if at < Position::before(now) {
                    latest.push((at, event));
                }
                // The first page is always read (for the clock); go on only for a backfill.
                latest.len() < backfill
            })?;
            latest.sort_by(|a, b| b.0.cmp(&a.0));
            latest.truncate(backfill);
            latest.reverse();
            (
                latest.into_iter().map(|(_, e)| e).collect(),
                Position::before(now),
                false,
            )
        }
        Some(since) => {
            let mut earliest = Earliest::new(max_events);
            // `If-Modified-Since` is exclusive; ask from the second before so ties are seen.
            let after = crate::shared::time::format_utc(since.time - 1);
            walk(session, module, Some(&after), carried, |now, at, event| {
                if at > since && at.time <= now - SETTLE_SECONDS {
                    earliest.offer(at, event);
                }
                true
            })?;
            let (events, last, more) = earliest.into_events();
            (events, last.unwrap_or(since), more)
        }
    };
    Ok(PollOutcome {
        events,
        state: position::encode(key, module, &position),
        more,
    })
}

/// Walks the deleted-records pages, handing each entry to `take` with Zoho's time at the first
/// answer and the entry's position, until `take` returns false or the list ends. Returns that
/// time.
fn walk(
    session: &mut Session,
    module: &str,
    since: Option<&str>,
    carried: Option<&[String]>,
    mut take: impl FnMut(i64, Position, Value) -> bool,
) -> Result<i64, Error> {
    let mut now = None;
    let mut page = 1;
    loop {
        let plan = crm::deleted_plan(module, crm::DeletedKind::All, page, PER_PAGE, since)?;
        let response = session.send(&plan)?;
        let clock = match now {
            Some(clock) => clock,
            None => *now.insert(zoho_now(crate::shared::zoho::server_time(&response))?),
        };
        let listed = crm::decode_page(&response, plan.extensions().get())?;
        if listed.records.is_empty() && listed.info.more_records {
            // Walking on would never end if Zoho keeps promising pages while sending none.
            return Err(Error::decode(
                "Zoho reported more deleted records but sent an empty page",
            ));
        }
        for entry in &listed.records {
            let (at, event) = deleted_event(entry, carried)?;
            if !take(clock, at, event) {
                return Ok(clock);
            }
        }
        if !listed.info.more_records {
            return Ok(clock);
        }
        page += 1;
    }
}

/// A deleted-records entry as a `deleted` event, with its position; `carried` names the
/// entry's fields the event also carries in `record`.
fn deleted_event(entry: &Value, carried: Option<&[String]>) -> Result<(Position, Value), Error> {
    let id = id_of(entry.get("id")).ok_or_else(|| Error::decode("a deleted-records entry has no usable `id`"))?;
    let deleted_time = entry.get("deleted_time").and_then(Value::as_str).unwrap_or_default();
    let time = crate::shared::time::parse_iso(deleted_time)
        .ok_or_else(|| Error::decode(format!("the deleted record {id} has no readable `deleted_time`")))?;
    let mut event = Map::new();
    event.insert("event".into(), json!("deleted"));
    event.insert("id".into(), json!(id));
    event.insert("deletedTime".into(), json!(deleted_time));
    if let Some(by) = entry.get("deleted_by").filter(|v| !v.is_null()) {
        event.insert("deletedBy".into(), by.clone());
    }
    if let Some(name) = entry.get("display_name").filter(|v| !v.is_null()) {
        event.insert("displayName".into(), name.clone());
    }
    if let Some(carried) = carried {
        let record: Map<String, Value> = carried
            .iter()
            .map(|name| (name.clone(), entry.get(name).cloned().unwrap_or(Value::Null)))
            .collect();
        event.insert("record".into(), Value::Object(record));
    }
    Ok((Position { time, id }, Value::Object(event)))
}
