//! Books state changes (`POST /{type}/{id}/status/{status}`, `/email`, `/approve`, `/submit`,
//! `/writeoff`, `/active`, `/inactive`): each allowed only from the statuses Books allows it
//! from, with `code` / `message` answers; emailing needs recipients.

use serde_json::{Value, json};

use crate::reply::Reply;
use crate::request::RecordedRequest;
use crate::state::books::BooksState;

/// (record type, action, statuses it is allowed from (empty: any), status after).
const TRANSITIONS: &[(&str, &str, &[&str], Option<&str>)] = &[
    ("invoices", "status/sent", &["draft"], Some("sent")),
    ("invoices", "status/void", &["draft", "sent", "overdue"], Some("void")),
    ("invoices", "status/draft", &["void", "sent"], Some("draft")),
    ("invoices", "email", &[], None),
    ("invoices", "submit", &["draft"], Some("pending_approval")),
    ("invoices", "approve", &["pending_approval"], Some("approved")),
    ("invoices", "writeoff", &["sent", "overdue"], Some("paid")),
    ("estimates", "status/sent", &["draft"], Some("sent")),
    ("estimates", "status/accepted", &["sent"], Some("accepted")),
    ("estimates", "status/declined", &["sent"], Some("declined")),
    ("estimates", "email", &[], None),
    ("bills", "status/void", &["draft", "open", "overdue"], Some("void")),
    ("bills", "status/open", &["draft", "void"], Some("open")),
    ("salesorders", "status/open", &["draft"], Some("open")),
    ("salesorders", "status/void", &["draft", "open"], Some("void")),
    ("purchaseorders", "status/open", &["draft"], Some("open")),
    ("purchaseorders", "status/billed", &["open"], Some("billed")),
    (
        "purchaseorders",
        "status/cancelled",
        &["draft", "open"],
        Some("cancelled"),
    ),
    ("creditnotes", "status/void", &["draft", "open"], Some("void")),
    ("creditnotes", "status/draft", &["void"], Some("draft")),
    ("creditnotes", "status/open", &["draft"], Some("open")),
    ("contacts", "active", &[], Some("active")),
    ("contacts", "inactive", &[], Some("inactive")),
];

fn books_error(status: u16, code: i64, message: &str) -> Reply {
    Reply::json(status, &json!({"code": code, "message": message}))
}

/// Routes a state change; `None` for any other Books path.
pub(crate) fn route(room: &mut BooksState, request: &RecordedRequest, rest: &[&str]) -> Option<Reply> {
    if request.method != "POST" {
        return None;
    }
    let (record_type, id, action) = match rest {
        [record_type, id, "status", status] => (*record_type, *id, format!("status/{status}")),
        [record_type, id, action]
            if ["email", "submit", "approve", "writeoff", "active", "inactive"].contains(action) =>
        {
            (*record_type, *id, (*action).to_owned())
        }
        _ => return None,
    };
    if !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let Some(&(_, _, from, to)) = TRANSITIONS.iter().find(|(t, a, ..)| *t == record_type && *a == action) else {
        return Some(books_error(400, 5, "Invalid URL Passed"));
    };
    let organization = match request.query_param("organization_id") {
        Some(id) if room.organizations.iter().any(|o| o.id == id) => id.to_owned(),
        _ => return Some(books_error(400, 6041, "Invalid value passed for organization_id")),
    };
    let singular = record_type.strip_suffix('s').unwrap_or(record_type);
    let id_field = format!("{singular}_id");
    let Some(record) = room
        .collections
        .get_mut(&(organization, record_type.to_owned()))
        .and_then(|records| {
            records
                .iter_mut()
                .find(|r| r.get(&id_field).and_then(Value::as_str) == Some(id))
        })
    else {
        return Some(books_error(404, 1002, &format!("The {singular} does not exist.")));
    };
    let current = record
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("draft")
        .to_owned();
    if !from.is_empty() && !from.contains(&current.as_str()) {
        return Some(books_error(
            400,
            1001,
            &format!("The {singular} is {current}; it cannot be changed with {action}."),
        ));
    }
    if action == "email" {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let recipients = body["to_mail_ids"].as_array().map_or(0, Vec::len);
        if recipients == 0 {
            return Some(books_error(400, 4, "Invalid value passed for to_mail_ids"));
        }
        record.insert("is_emailed".into(), json!(true));
        record.insert("last_emailed_to".into(), body["to_mail_ids"].clone());
        if current == "draft" && matches!(record_type, "invoices" | "estimates") {
            record.insert("status".into(), json!("sent"));
        }
        return Some(Reply::json(
            200,
            &json!({"code": 0, "message": "Your email has been sent."}),
        ));
    }
    if let Some(to) = to {
        record.insert("status".into(), json!(to));
    }
    Some(Reply::json(
        200,
        &json!({"code": 0, "message": format!("The {singular} has been marked as {}.", to.unwrap_or(&action))}),
    ))
}
