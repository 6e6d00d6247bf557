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
use crate::state::books::{BooksState, UnsupportedSort};
use crate::time::Clock;

const MAX_PER_PAGE: usize = 200;

/// How Books names one record type: response keys, id field, and the field it requires.
struct Meta {
    singular: String,
    plural: String,
    id_field: String,
    mandatory: Option<&'static str>,
}

const KNOWN: &[(&str, &str, &str, &str, Option<&str>)] = &[
    // (type, singular key, plural key, id field, mandatory field)
    ("contacts", "contact", "contacts", "contact_id", Some("contact_name")),
    (
        "contactpersons",
        "contact_person",
        "contact_persons",
        "contact_person_id",
        Some("first_name"),
    ),
    ("invoices", "invoice", "invoices", "invoice_id", Some("customer_id")),
    ("estimates", "estimate", "estimates", "estimate_id", Some("customer_id")),
    (
        "salesorders",
        "salesorder",
        "salesorders",
        "salesorder_id",
        Some("customer_id"),
    ),
    (
        "purchaseorders",
        "purchaseorder",
        "purchaseorders",
        "purchaseorder_id",
        Some("vendor_id"),
    ),
    ("bills", "bill", "bills", "bill_id", Some("vendor_id")),
    (
        "creditnotes",
        "creditnote",
        "creditnotes",
        "creditnote_id",
        Some("customer_id"),
    ),
    (
        "customerpayments",
        "payment",
        "customerpayments",
        "payment_id",
        Some("customer_id"),
    ),
    (
        "vendorpayments",
        "vendorpayment",
        "vendorpayments",
        "payment_id",
        Some("vendor_id"),
    ),
    ("expenses", "expense", "expenses", "expense_id", Some("account_id")),
    ("items", "item", "items", "item_id", Some("name")),
    ("journals", "journal", "journals", "journal_id", Some("journal_date")),
    ("projects", "project", "projects", "project_id", Some("project_name")),
    ("users", "user", "users", "user_id", Some("email")),
    (
        "bankaccounts",
        "bankaccount",
        "bankaccounts",
        "account_id",
        Some("account_name"),
    ),
    (
        "settings/currencies",
        "currency",
        "currencies",
        "currency_id",
        Some("currency_code"),
    ),
    ("settings/taxes", "tax", "taxes", "tax_id", Some("tax_name")),
    (
        "projects/timeentries",
        "time_entry",
        "time_entries",
        "time_entry_id",
        Some("project_id"),
    ),
    ("bankaccounts/rules", "rule", "rules", "rule_id", Some("rule_name")),
    ("comments", "comment", "comments", "comment_id", Some("description")),
];

fn meta(record_type: &str, parent_type: Option<&str>) -> Meta {
    if let Some((_, singular, plural, id_field, mandatory)) = KNOWN.iter().find(|(t, ..)| *t == record_type) {
        // Contact comments are listed under their own key, one of the keys that differ from
        // the record type.
        let plural = if record_type == "comments" && parent_type == Some("contacts") {
            "contact_comments"
        } else {
            plural
        };
        return Meta {
            singular: (*singular).into(),
            plural: plural.into(),
            id_field: (*id_field).into(),
            mandatory: *mandatory,
        };
    }
    let last = record_type.rsplit('/').next().unwrap_or(record_type);
    let singular = last.strip_suffix('s').unwrap_or(last).to_owned();
    Meta {
        id_field: format!("{singular}_id"),
        singular,
        plural: last.to_owned(),
        mandatory: None,
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
    values.entry("created_time").or_insert_with(|| json!(clock.now()));
    values.insert("last_modified_time".into(), json!(clock.now()));
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
    record.insert("last_modified_time".into(), json!(clock.now()));
    let record = record.clone();
    Reply::json(
        200,
        &json!({"code": 0, "message": format!("The {} has been updated.", human(&meta.singular)), meta.singular.clone(): record}),
    )
}

/// Whether Books documents sorting `collection` by `column`.
fn sortable(books: &BooksState, collection: &str, column: &str) -> bool {
    if let Some(columns) = books.sort_columns_override.get(collection) {
        return columns.iter().any(|c| c == column);
    }
    zoho_facts::books_sort_columns::documented(collection, column)
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
    for (name, wanted) in &request.query {
        match name.as_str() {
            "organization_id" | "page" | "per_page" | "sort_column" | "sort_order" | "filter_by" => {}
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
        Some(column) if sortable(room, &key.1, column) => (Some(column), column),
        Some(column) => match room.unsupported_sort {
            UnsupportedSort::Refuse => return books_error(400, 2, "Invalid value passed for sort_column"),
            UnsupportedSort::IgnoreEchoingRequested => (None, column),
            UnsupportedSort::IgnoreEchoingActual => (None, "created_time"),
        },
        None => (None, "created_time"),
    };
    let descending = request.query_param("sort_order") == Some("D");
    if let Some(column) = used_column {
        records.sort_by(|a, b| {
            a.get(column)
                .map(Value::to_string)
                .cmp(&b.get(column).map(Value::to_string))
        });
        if descending {
            records.reverse();
        }
    }
    let echoed_order = if used_column.is_some() || room.unsupported_sort == UnsupportedSort::IgnoreEchoingRequested {
        request.query_param("sort_order").unwrap_or("D")
    } else {
        "A"
    };
    let start = (page - 1).saturating_mul(per_page);
    let slice: Vec<&Map<String, Value>> = records.iter().skip(start).take(per_page).copied().collect();
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
