//! Files attached to Books transactions: `POST`, `GET` and `DELETE /{type}/{id}/attachment`
//! (multipart field `attachment`), and an expense's receipt at `/expenses/{id}/receipt`
//! (field `receipt`). Books takes GIF, PNG, JPEG, BMP and PDF files (bills also Word and Excel
//! documents) up to 5 MB.

use serde_json::{Value, json};

use crate::reply::Reply;
use crate::request::RecordedRequest;
use crate::state::books::BooksFile;
use crate::state::books::BooksState;

pub(crate) const MAX_BYTES: usize = 5 << 20;

/// (record type, path segment, multipart field).
const ATTACHABLE: &[(&str, &str, &str)] = &[
    ("invoices", "attachment", "attachment"),
    ("bills", "attachment", "attachment"),
    ("salesorders", "attachment", "attachment"),
    ("purchaseorders", "attachment", "attachment"),
    ("expenses", "receipt", "receipt"),
];

const EXTENSIONS: &[&str] = &["gif", "png", "jpeg", "jpg", "bmp", "pdf"];
const BILL_EXTENSIONS: &[&str] = &["doc", "docx", "xls", "xlsx"];

fn books_error(status: u16, code: i64, message: &str) -> Reply {
    Reply::json(status, &json!({"code": code, "message": message}))
}

pub(crate) fn route(room: &mut BooksState, request: &RecordedRequest, rest: &[&str]) -> Option<Reply> {
    let [record_type, id, segment] = rest else {
        return None;
    };
    let &(_, _, field) = ATTACHABLE.iter().find(|(t, s, _)| t == record_type && s == segment)?;
    let organization = match request.query_param("organization_id") {
        Some(org) if room.organizations.iter().any(|o| o.id == org) => org.to_owned(),
        _ => return Some(books_error(400, 6041, "Invalid value passed for organization_id")),
    };
    let singular = record_type.strip_suffix('s').unwrap_or(record_type);
    let id_field = format!("{singular}_id");
    let exists = room
        .collections
        .get(&(organization.clone(), (*record_type).to_owned()))
        .is_some_and(|records| {
            records
                .iter()
                .any(|r| r.get(&id_field).and_then(Value::as_str) == Some(*id))
        });
    if !exists {
        return Some(books_error(404, 1002, &format!("The {singular} does not exist.")));
    }
    let key = (organization, (*record_type).to_owned(), (*id).to_owned());
    let reply = match request.method.as_str() {
        "POST" => attach(room, key, field, request),
        "GET" => match room.attachments.get(&key) {
            None => books_error(404, 1002, "There is no file attached."),
            Some(file) => Reply::file(&file.content_type, &file.file_name, &file.data),
        },
        "DELETE" => match room.attachments.remove(&key) {
            None => books_error(404, 1002, "There is no file attached."),
            Some(_) => Reply::json(
                200,
                &json!({"code": 0, "message": "The attached file has been deleted."}),
            ),
        },
        _ => return None,
    };
    Some(reply)
}

fn attach(room: &mut BooksState, key: (String, String, String), field: &str, request: &RecordedRequest) -> Reply {
    let parts = match crate::wire::form_parts(request) {
        Ok(parts) => parts,
        Err(reply) => return reply,
    };
    let Some(file) = parts.iter().find(|p| p.name == field) else {
        return books_error(400, 4, &format!("Invalid value passed for {field}"));
    };
    let file_name = file.file_name.clone().unwrap_or_default();
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let allowed =
        EXTENSIONS.contains(&extension.as_str()) || (key.1 == "bills" && BILL_EXTENSIONS.contains(&extension.as_str()));
    if !allowed {
        return books_error(400, 33003, "The file type is not supported.");
    }
    if file.data.len() > MAX_BYTES {
        return books_error(400, 33004, "The file size exceeds the 5 MB limit.");
    }
    room.attachments.insert(
        key,
        BooksFile {
            file_name,
            content_type: file
                .content_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".into()),
            data: file.data.clone(),
        },
    );
    Reply::json(200, &json!({"code": 0, "message": "Your file has been attached."}))
}
