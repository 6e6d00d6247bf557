//! The Books v3 API: organizations, and generic records per organization and record type,
//! including slash types (`settings/taxes`) and records nested under a parent
//! (`invoices/{id}/comments`), with Books' envelopes (`code: 0`, entity key, `page_context`)
//! and numeric error codes.
//!
//! Error codes: 1002 "does not exist" and 2 "invalid request" are documented by Zoho; 6041 for
//! a missing or unknown `organization_id` and 57 for an unauthorized token come from community
//! clients (the message "Invalid value passed for organization_id" is consistent across them).

use serde_json::{Map, Value, json};

use crate::reply::Reply;
use crate::request::RecordedRequest;
use zoho_facts::books_types::{BooksType, books_type};

use crate::state::books::{BooksState, ModifiedFilter, UnsupportedSort};
use crate::time::Clock;

const MAX_PER_PAGE: usize = 200;

/// How Books names one record type: response keys, id field, the field it requires, and what
/// its list documents (sorts, the `last_modified_time` filter).
struct Meta {
    singular: String,
    plural: String,
    id_field: String,
    mandatory: Option<&'static str>,
    documented: Option<&'static BooksType>,
}

/// The field a create refuses to go without, for the types the tests create (the fake's
/// stand-in for each create schema's `required` list).
const MANDATORY: &[(&str, &str)] = &[
    ("contacts", "contact_name"),
    ("contactpersons", "first_name"),
    ("invoices", "customer_id"),
    ("estimates", "customer_id"),
    ("salesorders", "customer_id"),
    ("purchaseorders", "vendor_id"),
    ("bills", "vendor_id"),
    ("creditnotes", "customer_id"),
    ("customerpayments", "customer_id"),
    ("vendorpayments", "vendor_id"),
    ("expenses", "account_id"),
    ("items", "name"),
    ("journals", "journal_date"),
    ("projects", "project_name"),
    ("users", "email"),
    ("bankaccounts", "account_name"),
    ("settings/currencies", "currency_code"),
    ("settings/taxes", "tax_name"),
    ("projects/timeentries", "project_id"),
    ("bankaccounts/rules", "rule_name"),
    ("comments", "description"),
];

/// Records nested under a parent, which Zoho's documents publish per parent rather than as a
/// record type of their own: (parent, type, singular key, list key, id field), `*` for any
/// parent. Contact comments are listed under their own key (books-oas `list_contact_comments`).
const NESTED: &[(&str, &str, &str, &str, &str)] = &[
    ("contacts", "comments", "comment", "contact_comments", "comment_id"),
    ("*", "comments", "comment", "comments", "comment_id"),
    (
        "*",
        "contactpersons",
        "contact_person",
        "contact_persons",
        "contact_person_id",
    ),
    (
        "creditnotes",
        "refunds",
        "creditnote_refund",
        "creditnote_refunds",
        "creditnote_refund_id",
    ),
];

fn meta(record_type: &str, parent_type: Option<&str>) -> Meta {
    let mandatory = MANDATORY
        .iter()
        .find(|(t, _)| *t == record_type)
        .map(|(_, field)| *field);
    if parent_type.is_none()
        && let Some(documented) = books_type(record_type)
    {
        return Meta {
            singular: documented.single_key.unwrap_or(documented.list_key).to_owned(),
            plural: documented.list_key.to_owned(),
            id_field: documented.id_field.to_owned(),
            mandatory,
            documented: Some(documented),
        };
    }
    let nested = NESTED
        .iter()
        .find(|(parent, t, ..)| *t == record_type && (Some(*parent) == parent_type || *parent == "*"));
    if let Some((_, _, singular, plural, id_field)) = nested {
        return Meta {
            singular: (*singular).into(),
            plural: (*plural).into(),
            id_field: (*id_field).into(),
            mandatory,
            documented: None,
        };
    }
    // A type Zoho's documents do not list (a custom module, or a nested list): named the way
    // Books names most types, so the product's generic actions can be tried against it.
    let last = record_type.rsplit('/').next().unwrap_or(record_type);
    let singular = last.strip_suffix('s').unwrap_or(last).to_owned();
    Meta {
        id_field: format!("{singular}_id"),
        singular,
        plural: last.to_owned(),
        mandatory,
        documented: None,
    }
}

fn books_error(status: u16, code: i64, message: &str) -> Reply {
    Reply::json(status, &json!({"code": code, "message": message}))
}

fn human(key: &str) -> String {
    key.replace('_', " ")
}

/// `type path / id` pairs of a Books path: `invoices/9/comments` is
/// `[("invoices", Some("9")), ("comments", None)]`.
fn parse_path(segments: &[&str]) -> Option<Vec<(String, Option<String>)>> {
    let mut pairs: Vec<(String, Option<String>)> = Vec::new();
    let mut types: Vec<&str> = Vec::new();
    for segment in segments {
        let is_id = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit());
        if is_id {
            if types.is_empty() {
                return None;
            }
            pairs.push((types.join("/"), Some((*segment).to_owned())));
            types.clear();
        } else if segment.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && segment.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            types.push(segment);
        } else {
            return None;
        }
    }
    if !types.is_empty() {
        pairs.push((types.join("/"), None));
    }
    (!pairs.is_empty() && pairs.len() <= 2).then_some(pairs)
}

/// Routes `/books/v3/{rest}`; `None` for a path that is not a Books resource.
pub(crate) fn route(room: &mut BooksState, clock: &Clock, request: &RecordedRequest, rest: &[&str]) -> Option<Reply> {
    if rest == ["organizations"] && request.method == "GET" {
        let organizations: Vec<Value> = room
            .organizations
            .iter()
            .map(|o| json!({"organization_id": o.id, "name": o.name, "contact_name": "Patricia Boyle", "currency_code": "USD", "is_default_org": false, "is_org_active": true}))
            .collect();
        return Some(Reply::json(
            200,
            &json!({"code": 0, "message": "success", "organizations": organizations}),
        ));
    }
    if let Some(reply) = crate::books_actions::route(room, request, rest) {
        return Some(reply);
    }
    if let Some(reply) = crate::books_attachments::route(room, request, rest) {
        return Some(reply);
    }
    let pairs = parse_path(rest)?;
    let organization = match request.query_param("organization_id") {
        Some(id) if room.organizations.iter().any(|o| o.id == id) => id.to_owned(),
        _ => return Some(books_error(400, 6041, "Invalid value passed for organization_id")),
    };
    let (collection, record_type, record_id, parent_type) = match pairs.as_slice() {
        [(record_type, id)] => (record_type.clone(), record_type.clone(), id.clone(), None),
        [(parent_type, Some(parent_id)), (record_type, id)] => {
            let parent_meta = meta(parent_type, None);
            let parent_exists = room
                .collections
                .get(&(organization.clone(), parent_type.clone()))
                .is_some_and(|records| {
                    records
                        .iter()
                        .any(|r| r.get(&parent_meta.id_field).and_then(Value::as_str) == Some(parent_id))
                });
            if !parent_exists {
                return Some(books_error(
                    404,
                    1002,
                    &format!("The {} does not exist.", human(&parent_meta.singular)),
                ));
            }
            (
                format!("{parent_type}/{parent_id}/{record_type}"),
                record_type.clone(),
                id.clone(),
                Some(parent_type.clone()),
            )
        }
        _ => return None,
    };
    let meta = meta(&record_type, parent_type.as_deref());
    let key = (organization, collection.clone());
    Some(match (request.method.as_str(), record_id) {
        ("GET", None) => list(room, &key, &meta, request),
        ("POST", None) => create(room, clock, &key, &meta, request),
        ("GET", Some(id)) => match find(room, &key, &meta, &id) {
            Some(record) => Reply::json(
                200,
                &json!({"code": 0, "message": "success", meta.singular.clone(): record}),
            ),
            None => missing(&meta),
        },
        ("PUT", Some(id)) => update(room, clock, &key, &meta, &id, request),
        ("DELETE", Some(id)) => {
            let records = room.collections.entry(key).or_default();
            match records
                .iter()
                .position(|r| r.get(&meta.id_field).and_then(Value::as_str) == Some(id.as_str()))
            {
                Some(position) => {
                    records.remove(position);
                    Reply::json(
                        200,
                        &json!({"code": 0, "message": format!("The {} has been deleted.", human(&meta.singular))}),
                    )
                }
                None => missing(&meta),
            }
        }
        _ => books_error(405, 37, "The HTTP method is not allowed for the requested resource"),
    })
}

fn missing(meta: &Meta) -> Reply {
    let name = human(&meta.singular);
    let mut chars = name.chars();
    let capitalised = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect::<String>())
        .unwrap_or_default();
    books_error(404, 1002, &format!("{capitalised} does not exist."))
}

fn find(room: &BooksState, key: &(String, String), meta: &Meta, id: &str) -> Option<Map<String, Value>> {
    room.collections
        .get(key)?
        .iter()
        .find(|r| r.get(&meta.id_field).and_then(Value::as_str) == Some(id))
        .cloned()
}

/// The request body: JSON, or the legacy form `JSONString=<json>` old clients send.
fn body_object(request: &RecordedRequest) -> Result<Map<String, Value>, Reply> {
    let text = String::from_utf8_lossy(&request.body);
    let json_text = if request
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
    {
        crate::wire::parse_query(&text)
            .into_iter()
            .find(|(k, _)| k == "JSONString")
            .map(|(_, v)| v)
            .unwrap_or_default()
    } else {
        text.into_owned()
    };
    match serde_json::from_str::<Value>(&json_text) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(books_error(400, 2, "The request passed is not valid.")),
    }
}

fn check_mandatory(meta: &Meta, values: &Map<String, Value>) -> Result<(), Reply> {
    if let Some(field) = meta.mandatory {
        let blank = values
            .get(field)
            .is_none_or(|v| v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()));
        if blank {
            return Err(books_error(400, 2, &format!("Invalid value passed for {field}")));
        }
    }
    Ok(())
}

/// Stores a record and returns it with its new id.
pub(crate) fn insert(
    room: &mut BooksState,
    clock: &Clock,
    key: &(String, String),
    id_field: &str,
    mut values: Map<String, Value>,
) -> Map<String, Value> {
    let id = room.new_id();
    values.insert(id_field.to_owned(), json!(id));
    values.entry("created_time").or_insert_with(|| json!(books_time(clock)));
    values.insert("last_modified_time".into(), json!(books_time(clock)));
    room.collections.entry(key.clone()).or_default().push(values.clone());
    values
}

fn create(
    room: &mut BooksState,
    clock: &Clock,
    key: &(String, String),
    meta: &Meta,
    request: &RecordedRequest,
) -> Reply {
    let values = match body_object(request).and_then(|v| check_mandatory(meta, &v).map(|()| v)) {
        Ok(values) => values,
        Err(reply) => return reply,
    };
    let record = insert(room, clock, key, &meta.id_field, values);
    let message = if meta.singular == "comment" {
        "Comments added.".to_owned()
    } else {
        format!("The {} has been created.", human(&meta.singular))
    };
    Reply::json(
        201,
        &json!({"code": 0, "message": message, meta.singular.clone(): record}),
    )
}

fn update(
    room: &mut BooksState,
    clock: &Clock,
    key: &(String, String),
    meta: &Meta,
    id: &str,
    request: &RecordedRequest,
) -> Reply {
    let values = match body_object(request) {
        Ok(values) => values,
        Err(reply) => return reply,
    };
    let Some(record) = room.collections.get_mut(key).and_then(|records| {
        records
            .iter_mut()
            .find(|r| r.get(&meta.id_field).and_then(Value::as_str) == Some(id))
    }) else {
        return missing(meta);
    };
    for (field, value) in values {
        if field != meta.id_field {
            record.insert(field, value);
        }
    }
    record.insert("last_modified_time".into(), json!(books_time(clock)));
    let record = record.clone();
    Reply::json(
        200,
        &json!({"code": 0, "message": format!("The {} has been updated.", human(&meta.singular)), meta.singular.clone(): record}),
    )
}

/// Whether the list of `meta`'s type documents sorting by `column` (or a test's replacement).
fn sortable(books: &BooksState, collection: &str, meta: &Meta, column: &str) -> bool {
    if let Some(columns) = books.sort_columns_override.get(collection) {
        return columns.iter().any(|c| c == column);
    }
    meta.documented.is_some_and(|t| t.sorts_by(column))
}

/// Books writes instants as `2018-11-18T02:02:51-0800` (books-oas list answers, and the
/// format the `last_modified_time` filter documents); the fake writes them in UTC.
pub(crate) fn books_time(clock: &Clock) -> String {
    zoho_facts::instants::format_books(clock.now_unix())
}

/// The `last_modified_time` filter, where the type documents it: books-oas `list_invoices`
/// "filters invoices ... after the last_modified_time that is greater than the specified
/// param value", in the form `2018-11-18T02:02:51-0800`. Zoho's wording says strictly after;
/// the fake can also play "at or after", since the product must be right under both.
fn modified_since(
    room: &BooksState,
    meta: &Meta,
    request: &RecordedRequest,
) -> Result<Option<(i64, ModifiedFilter)>, Reply> {
    let Some(text) = request.query_param("last_modified_time") else {
        return Ok(None);
    };
    if !meta.documented.is_some_and(|t| t.modified_filter) {
        return Err(books_error(400, 2, "Invalid value passed for last_modified_time"));
    }
    // Books documents `±hhmm` after the seconds; a `Z` or `+hh:mm` is not its format.
    let books_form = text.len() == 24 && matches!(text.as_bytes().get(19), Some(b'+' | b'-'));
    match crate::time::parse_iso(text).filter(|_| books_form) {
        Some(since) => Ok(Some((since, room.modified_filter))),
        None => Err(books_error(400, 2, "Invalid value passed for last_modified_time")),
    }
}

/// A record's value of `column` as the list orders it: instants by time, the rest as text.
fn sort_key(record: &Map<String, Value>, column: &str) -> (Option<i64>, String) {
    let value = record.get(column);
    let instant = value.and_then(Value::as_str).and_then(crate::time::parse_iso);
    (instant, value.map(Value::to_string).unwrap_or_default())
}

fn list(room: &BooksState, key: &(String, String), meta: &Meta, request: &RecordedRequest) -> Reply {
    let number = |name: &str, default: usize| -> Result<usize, Reply> {
        match request.query_param(name) {
            None => Ok(default),
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| books_error(400, 2, &format!("Invalid value passed for {name}"))),
        }
    };
    let (page, per_page) = match (number("page", 1), number("per_page", MAX_PER_PAGE)) {
        (Ok(page), Ok(per_page)) if per_page <= MAX_PER_PAGE => (page, per_page),
        (Err(reply), _) | (_, Err(reply)) => return reply,
        _ => return books_error(400, 2, "Invalid value passed for per_page"),
    };
    let mut records: Vec<&Map<String, Value>> = room
        .collections
        .get(key)
        .map(|r| r.iter().collect())
        .unwrap_or_default();
    match modified_since(room, meta, request) {
        Err(reply) => return reply,
        Ok(None) => {}
        Ok(Some((since, reading))) => records.retain(|r| {
            let modified = r
                .get("last_modified_time")
                .and_then(Value::as_str)
                .and_then(crate::time::parse_iso);
            modified.is_some_and(|m| match reading {
                ModifiedFilter::After => m > since,
                ModifiedFilter::AtOrAfter => m >= since,
            })
        }),
    }
    for (name, wanted) in &request.query {
        match name.as_str() {
            "organization_id" | "page" | "per_page" | "sort_column" | "sort_order" | "filter_by"
            | "last_modified_time" => {}
            "search_text" => {
                let needle = wanted.to_lowercase();
                records.retain(|r| {
                    r.values()
                        .any(|v| v.as_str().is_some_and(|s| s.to_lowercase().contains(&needle)))
                });
            }
            field => records.retain(|r| match r.get(field) {
                Some(Value::String(s)) => s == wanted,
                Some(other) => serde_json::from_str::<Value>(wanted).is_ok_and(|w| w == *other),
                None => false,
            }),
        }
    }
    // Without a sort column (or when one is ignored) the list keeps its default order, which
    // the fake takes as creation order, oldest first: deliberately not the order a trigger
    // asks for, so an ignored sort shows.
    let requested = request.query_param("sort_column");
    let (used_column, echoed_column) = match requested {
        Some(column) if sortable(room, &key.1, meta, column) => (Some(column), column),
        Some(column) => match room.unsupported_sort {
            UnsupportedSort::Refuse => return books_error(400, 2, "Invalid value passed for sort_column"),
            UnsupportedSort::IgnoreEchoingRequested => (None, column),
            UnsupportedSort::IgnoreEchoingActual => (None, "created_time"),
        },
        None => (None, "created_time"),
    };
    // `sort_order` is honoured where the list documents it (bills, fixed assets, retainer
    // invoices); elsewhere a sorted list comes in Books' own direction, which Zoho's samples
    // echo as "D" and a test may turn.
    let documents_order = meta.documented.is_some_and(|t| t.sort_order);
    let descending = match request.query_param("sort_order") {
        Some(order) if documents_order => order == "D",
        _ => room.sorted_descending_by_default,
    };
    let direction = if descending { "D" } else { "A" };
    if let Some(column) = used_column {
        records.sort_by_key(|r| sort_key(r, column));
        if descending {
            records.reverse();
        }
    }
    let echoed_order = if used_column.is_some() {
        direction
    } else if room.unsupported_sort == UnsupportedSort::IgnoreEchoingRequested {
        request.query_param("sort_order").unwrap_or(direction)
    } else {
        "A"
    };
    let start = (page - 1).saturating_mul(per_page);
    let without_times = room.lists_without_times.contains(&key.1);
    let slice: Vec<Map<String, Value>> = records
        .iter()
        .skip(start)
        .take(per_page)
        .map(|record| {
            let mut record = (*record).clone();
            if without_times {
                record.remove("created_time");
                record.remove("last_modified_time");
            }
            record
        })
        .collect();
    let has_more_page = start + slice.len() < records.len();
    Reply::json(
        200,
        &json!({
            "code": 0,
            "message": "success",
            meta.plural.clone(): slice,
            "page_context": {
                "page": page,
                "per_page": per_page,
                "has_more_page": has_more_page,
                "report_name": human(&meta.plural),
                "applied_filter": request.query_param("filter_by").unwrap_or("Status.All"),
                "sort_column": echoed_column,
                "sort_order": echoed_order,
            }
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::parse_path;

    #[test]
    fn paths_split_into_types_and_ids() {
        let pairs = parse_path(&["invoices", "9", "comments"]).expect("nested");
        assert_eq!(
            pairs,
            vec![
                ("invoices".to_owned(), Some("9".to_owned())),
                ("comments".to_owned(), None)
            ]
        );
        let pairs = parse_path(&["settings", "taxes", "42"]).expect("slash type");
        assert_eq!(pairs, vec![("settings/taxes".to_owned(), Some("42".to_owned()))]);
        assert!(parse_path(&["9"]).is_none());
        assert!(parse_path(&["a", "1", "b", "2", "c"]).is_none());
    }
}
