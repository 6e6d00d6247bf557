//! New and updated CRM records, for any module, by keyset over (time, id) with COQL.
//!
//! Each poll asks COQL for the records after its position, ordered by the trigger's time field
//! and then id: `where (T > 'w' or (T = 'w' and id > 'i')) order by T asc, id asc`. That is
//! exact however many records share a second, never pages by offset (so records that change
//! while the poll runs cannot shift a page and be skipped), and has no 2,000-record ceiling.
//! When `fields` names at most [`MAX_SELECTED_FIELDS`] fields, the walk selects them too, and
//! a poll whose rows carry only plain values (no lookup objects, which COQL answers in another
//! shape than a record read) makes no second read: every record costs the walk's credit alone.
//! Otherwise (no `fields`, a lookup among them, or a field COQL cannot select, such as a
//! multi-select lookup) the records are fetched by id (100 at a time), with every field of the
//! module when `fields` is omitted.

use serde_json::{Map, Value};

use super::changes::{Change, PollOutcome, SETTLE_SECONDS, limits, record_event, zoho_now};
use super::position::{self, Position};
use crate::crm;
use crate::crm::coql;
use crate::crm::id_of;
use crate::shared::error::Error;
use crate::shared::inputs::Inputs;
use crate::shared::session::Session;
use crate::shared::validate;

/// Rows of a walk's first COQL call: Zoho charges COQL by its LIMIT (1-200 rows one credit,
/// up to 2,000 three; docs `COQL-Overview`), and most polls find little or nothing, so the
/// first call costs one credit.
const FIRST_QUERY_ROWS: usize = 200;
/// Rows per COQL call once a page came back full (Zoho's maximum, the cheapest per row).
const ROWS_PER_QUERY: usize = 2_000;
/// COQL calls one poll may make before it hands back what it has with `more`.
const QUERIES_PER_POLL: usize = 5;
/// Fields the walk may select beside id and the two times: COQL takes 50 columns (docs v8
/// `COQL-Limitations`).
const MAX_SELECTED_FIELDS: usize = 47;

/// The CRM field a change is ordered by.
fn time_field(change: Change) -> &'static str {
    match change {
        Change::New => "Created_Time",
        Change::Updated => "Modified_Time",
    }
}

/// One row of the keyset walk, with the whole row when the walk selected the user's fields.
#[derive(Debug, Clone)]
struct Row {
    id: String,
    created: i64,
    modified: i64,
    selected: Option<Map<String, Value>>,
}

impl Row {
    fn parse(value: &Value) -> Result<Self, Error> {
        let id = id_of(value.get("id")).ok_or_else(|| Error::decode("a COQL row has no usable `id`"))?;
        let time = |field: &str| {
            value
                .get(field)
                .and_then(Value::as_str)
                .and_then(crate::shared::time::parse_iso)
                .ok_or_else(|| Error::decode(format!("the record {id} has no readable `{field}`")))
        };
        Ok(Row {
            created: time("Created_Time")?,
            modified: time("Modified_Time")?,
            id,
            selected: None,
        })
    }

    fn position(&self, change: Change) -> Position {
        Position {
            time: change.time(self.created, self.modified),
            id: self.id.clone(),
        }
    }

    fn counts(&self, change: Change) -> bool {
        change.counts(self.created, self.modified)
    }
}

pub(super) fn poll(
    session: &mut Session,
    inputs: &Inputs,
    key: &'static str,
    state: Option<&str>,
    change: Change,
) -> Result<PollOutcome, Error> {
    let module = inputs.required_text("recordType")?;
    validate::module_name("recordType", module)?;
    let fields = inputs.list("fields");
    if let Some(fields) = &fields {
        validate::field_list("fields", fields)?;
    }
    let (max_events, backfill) = limits(inputs);
    let since = state.map(|text| position::decode(text, key, module)).transpose()?;
    let selectable = fields
        .as_deref()
        .filter(|fields| !fields.is_empty() && fields.len() <= MAX_SELECTED_FIELDS);
    let (rows, position, more) = match since {
        None => anchor(session, module, change, backfill)?,
        Some(since) => match walk(session, module, change, since.clone(), max_events, selectable) {
            // A field COQL cannot select (a multi-select lookup, a file): walk ids, read records.
            Err(Error::Api(api))
                if selectable.is_some() && matches!(api.code.as_str(), "INVALID_QUERY" | "SYNTAX_ERROR") =>
            {
                walk(session, module, change, since, max_events, None)?
            }
            other => other?,
        },
    };
    let events = events(session, module, change, fields.as_deref(), &rows)?;
    Ok(PollOutcome {
        events,
        state: position::encode(key, module, &position),
        more,
    })
}

/// First poll: Zoho's clock from the answer is the anchor (or the newest record, when it was
/// saved in that very second); the backfill is the most recent matching records before it.
fn anchor(
    session: &mut Session,
    module: &str,
    change: Change,
    backfill: usize,
) -> Result<(Vec<Row>, Position, bool), Error> {
    let time = time_field(change);
    // Updated records are a subset of the newest by Modified_Time; ask for enough rows that
    // never-edited ones filtered out still leave the backfill wanted.
    let wanted = if change == Change::Updated {
        backfill.saturating_mul(4)
    } else {
        backfill
    };
    let limit = wanted.clamp(1, ROWS_PER_QUERY);
    let query = format!(
        "select id, Created_Time, Modified_Time from {module} where {time} is not null order by {time} desc, id desc limit {limit}"
    );
    let (values, date) = coql::select(session, &query)?;
    let now = zoho_now(date)?;
    let mut anchor = Position::before(now);
    let mut rows = Vec::new();
    for value in &values {
        let row = Row::parse(value)?;
        let at = row.position(change);
        if rows.len() < backfill && at < Position::before(now) && row.counts(change) {
            rows.push(row);
        }
        // Records already there in the anchor's own second are not news.
        anchor = anchor.max(at);
    }
    rows.reverse();
    Ok((rows, anchor, false))
}

/// Later polls: the changes after `since`, oldest first, up to `max_events`, stopping short of
/// the last [`SETTLE_SECONDS`] of Zoho's clock.
fn walk(
    session: &mut Session,
    module: &str,
    change: Change,
    since: Position,
    max_events: usize,
    selected: Option<&[String]>,
) -> Result<(Vec<Row>, Position, bool), Error> {
    let time = time_field(change);
    let columns = select_list(selected);
    let mut position = since;
    let mut rows = Vec::new();
    let mut settled_until: Option<i64> = None;
    let mut limit = FIRST_QUERY_ROWS;
    for _ in 0..QUERIES_PER_POLL {
        let after = crate::shared::time::format_utc(position.time);
        let keyset = if position.id.is_empty() {
            format!("{time} >= '{after}'")
        } else {
            // Ids quoted as in every COQL sample of Zoho's docs; two criteria per bracket, as
            // COQL requires (docs `COQL-Limitations`).
            format!(
                "({time} > '{after}' or ({time} = '{after}' and id > '{}'))",
                position.id
            )
        };
        let query = format!("select {columns} from {module} where {keyset} order by {time} asc, id asc limit {limit}");
        let (values, date) = coql::select(session, &query)?;
        // One horizon for the whole poll, from Zoho's clock at the first answer.
        let horizon = match settled_until {
            Some(horizon) => horizon,
            None => {
                let horizon = zoho_now(date)? - SETTLE_SECONDS;
                settled_until = Some(horizon);
                horizon
            }
        };
        for value in &values {
            let mut row = Row::parse(value)?;
            if selected.is_some() {
                row.selected = value.as_object().cloned();
            }
            let at = row.position(change);
            if at <= position {
                // Zoho answered a row at or before the keyset; never step backwards.
                continue;
            }
            if at.time > horizon {
                return Ok((rows, position, false));
            }
            if row.counts(change) {
                if rows.len() == max_events {
                    return Ok((rows, position, true));
                }
                rows.push(row);
            }
            position = at;
        }
        if values.len() < limit {
            return Ok((rows, position, false));
        }
        limit = ROWS_PER_QUERY;
    }
    Ok((rows, position, true))
}

/// The walk's columns: id and the two times, then the user's fields.
fn select_list(selected: Option<&[String]>) -> String {
    let mut columns = vec!["id", "Created_Time", "Modified_Time"];
    for field in selected.into_iter().flatten() {
        if !columns.contains(&field.as_str()) {
            columns.push(field);
        }
    }
    columns.join(", ")
}

/// Turns `rows` into events, in order: from the walk's own rows when it selected the fields
/// and every value is plain, else from the records read by id.
fn events(
    session: &mut Session,
    module: &str,
    change: Change,
    fields: Option<&[String]>,
    rows: &[Row],
) -> Result<Vec<Value>, Error> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // A lookup comes back from COQL as its id alone, but from a record read with its name too:
    // rows carrying one are read again, so an event's record has one shape whichever way.
    let plain = |row: &Row| {
        row.selected
            .as_ref()
            .is_some_and(|values| values.values().all(|v| !v.is_object()))
    };
    if rows.iter().all(plain) {
        return Ok(rows
            .iter()
            .filter_map(|row| {
                let record = row.selected.clone()?;
                Some(record_event(change.event(), &row.id, Value::Object(record)))
            })
            .collect());
    }
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    // The times are always fetched: they are what the events are ordered by.
    let wanted: Option<Vec<String>> = fields.map(|fields| {
        let mut wanted = fields.to_vec();
        for always in ["Created_Time", "Modified_Time"] {
            if !wanted.iter().any(|f| f == always) {
                wanted.push(always.to_owned());
            }
        }
        wanted
    });
    let mut records = crm::get_records_by_ids(session, module, &ids, wanted.as_deref())?;
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        match records.remove(&row.id) {
            Some(record) => {
                let modified_since = record
                    .get("Modified_Time")
                    .and_then(Value::as_str)
                    .and_then(crate::shared::time::parse_iso)
                    .is_some_and(|t| t > row.modified);
                if change == Change::Updated && modified_since {
                    // Edited again since the walk saw it: that later edit lies past this poll's
                    // position, so the next poll reports the record once, as it is then.
                    continue;
                }
                events.push(record_event(change.event(), &row.id, Value::Object(record)));
            }
            None => {
                // Deleted since the walk saw it. The change still happened: report it with what
                // the walk knew, so nothing is skipped (the deletion is crmDeletedRecords').
                let mut known = Map::new();
                known.insert("id".into(), Value::from(row.id.clone()));
                known.insert(
                    "Created_Time".into(),
                    Value::from(crate::shared::time::format_utc(row.created)),
                );
                known.insert(
                    "Modified_Time".into(),
                    Value::from(crate::shared::time::format_utc(row.modified)),
                );
                events.push(record_event(change.event(), &row.id, Value::Object(known)));
            }
        }
    }
    Ok(events)
}
