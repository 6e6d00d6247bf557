//! Files on Books transactions: attach (`POST /{type}/{id}/attachment`, multipart field
//! `attachment`; an expense's receipt at `/expenses/{id}/receipt`), download (`GET`) and
//! delete (`DELETE`).

use http::Method;

use super::{BOOKS_BASE, decode, organization};
use crate::shared::download::{Download, downloaded};
use crate::shared::error::Error;
use crate::shared::plan::{self, PlanMeta, Query, Repeatable};
use crate::shared::session::Session;
use crate::shared::validate;
use crate::shared::wire::{self, Part};

/// The record types that take a file: (type, path segment, multipart field). Only those whose
/// attachment operations Zoho's Books documents publish (books-oas invoices, bills, sales
/// orders, purchase orders; an expense's receipt): the estimates document has none.
pub const ATTACHABLE: &[(&str, &str, &str)] = &[
    ("invoices", "attachment", "attachment"),
    ("bills", "attachment", "attachment"),
    ("salesorders", "attachment", "attachment"),
    ("purchaseorders", "attachment", "attachment"),
    ("expenses", "receipt", "receipt"),
];

/// Every type that takes a file, for the input's choices.
pub const RECORD_TYPES: &[&str] = &["invoices", "bills", "salesorders", "purchaseorders", "expenses"];

/// Where a record's file lives: its path and the multipart field.
fn location(record_type: &str, record_id: &str) -> Result<(String, &'static str), Error> {
    validate::record_id("recordId", record_id)?;
    let Some((_, segment, field)) = ATTACHABLE.iter().find(|(t, ..)| *t == record_type) else {
        return Err(Error::invalid(
            "recordType",
            format!("must be one Books takes files on: {}", RECORD_TYPES.join(", ")),
        ));
    };
    Ok((plan::path(BOOKS_BASE, &[record_type, record_id, segment]), field))
}

fn query(session: &mut Session, organization_id: Option<&str>) -> Result<Query, Error> {
    let mut query = Query::new();
    query.push("organization_id", organization(session, organization_id)?);
    Ok(query)
}

/// Attaches a file; Books' message. Not repeated after a lost answer (Books keeps several
/// files on a record, so a repeat could attach it twice).
pub fn add_attachment(
    session: &mut Session,
    record_type: &str,
    record_id: &str,
    file_name: &str,
    data: Vec<u8>,
    organization_id: Option<&str>,
) -> Result<String, Error> {
    let (path, field) = location(record_type, record_id)?;
    if file_name.trim().is_empty() || file_name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "fileName",
            "must be a file name without control characters",
        ));
    }
    let query = query(session, organization_id)?;
    let (content_type, body) = wire::multipart(&[Part {
        name: field.into(),
        file_name: Some(file_name.to_owned()),
        content_type: Some(wire::content_type_for(file_name).to_owned()),
        data,
    }]);
    let uri = format!("{path}?{}", query.encode());
    let mut plan = http::Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(body)
        .map_err(|e| Error::invalid("fileName", format!("could not form the upload: {e}")))?;
    plan.extensions_mut().insert(Repeatable::No);
    let response = session.send(&plan)?;
    crate::shared::zoho::check_write_outcome(&plan, &response)?;
    Ok(decode(&response)?.message)
}

/// A bodiless request for a record's file (download, delete), safe to repeat.
fn file_plan(
    session: &mut Session,
    method: Method,
    record_type: &str,
    record_id: &str,
    organization_id: Option<&str>,
) -> Result<http::Request<Vec<u8>>, Error> {
    let (path, _) = location(record_type, record_id)?;
    let query = query(session, organization_id)?;
    plan::request(
        method,
        path,
        &query,
        None,
        PlanMeta {
            repeatable: Repeatable::Yes,
            scope: None,
        },
    )
}

/// Downloads a record's file.
pub fn download_attachment(
    session: &mut Session,
    record_type: &str,
    record_id: &str,
    organization_id: Option<&str>,
) -> Result<Download, Error> {
    let plan = file_plan(session, Method::GET, record_type, record_id, organization_id)?;
    let response = session.send(&plan)?;
    let is_json = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if !response.status().is_success() || is_json {
        // Books answers errors (and "no file") as its JSON envelope.
        decode(&response)?;
        return Err(Error::decode("Books answered with JSON where a file was expected"));
    }
    downloaded(response, None, "no file is attached")
}

/// Deletes a record's file; Books' message.
pub fn delete_attachment(
    session: &mut Session,
    record_type: &str,
    record_id: &str,
    organization_id: Option<&str>,
) -> Result<String, Error> {
    let plan = file_plan(session, Method::DELETE, record_type, record_id, organization_id)?;
    Ok(decode(&session.send(&plan)?)?.message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::host::CallOptions;
    use crate::shared::session::tests::ScriptedHost;

    #[test]
    fn an_expense_receipt_goes_to_its_own_endpoint_and_field() {
        let mut host = ScriptedHost::new();
        host.answer(200, r#"{"code":0,"message":"The receipt has been attached."}"#);
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        let message = add_attachment(
            &mut session,
            "expenses",
            "5",
            "taxi.pdf",
            b"%PDF-1.4".to_vec(),
            Some("77"),
        )
        .expect("attached");
        assert_eq!(message, "The receipt has been attached.");
        assert_eq!(host.sent[0].uri().path(), "/books/v3/expenses/5/receipt");
        assert_eq!(host.sent[0].uri().query(), Some("organization_id=77"));
        assert!(String::from_utf8_lossy(host.sent[0].body()).contains("name=\"receipt\"; filename=\"taxi.pdf\""));
    }

    #[test]
    fn types_without_files_are_refused_before_sending() {
        let mut host = ScriptedHost::new();
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        assert!(add_attachment(&mut session, "contacts", "5", "a.pdf", vec![], Some("77")).is_err());
        assert!(delete_attachment(&mut session, "invoices", "five", Some("77")).is_err());
        assert!(host.sent.is_empty());
    }
}
