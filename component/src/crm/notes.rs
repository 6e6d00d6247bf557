//! Notes on any record: list a record's notes (`GET /{module}/{id}/Notes`), add one to it
//! (`POST /Notes` naming the record in `Parent_Id`: the create operation of Zoho's v8 OAS
//! `notes.json` and of its SDKs), and edit or delete a note by its id (`/Notes/{id}`).

use http::{Method, Request};
use serde_json::{Map, Value, json};

use super::paging::{self, Fetch, Gathered, RawRecord, Walk};
use super::plans::{decode_list, decode_single_write};
use crate::shared::error::{Error, RecordResult};
use crate::shared::plan::{Query, Repeatable, RequiredScope};
use crate::shared::session::Session;
use crate::shared::validate;

/// Fields a note list returns when none are named (Zoho requires `fields` on note lists).
pub const DEFAULT_FIELDS: &[&str] = &[
    "Note_Title",
    "Note_Content",
    "Parent_Id",
    "Owner",
    "Created_Time",
    "Modified_Time",
];

/// Zoho's cap on a note's text (`Note_Content`); longer text is refused before sending.
pub const MAX_CONTENT_CHARS: usize = 32_000;

fn scope(operation: &str) -> RequiredScope {
    RequiredScope(format!("ZohoCRM.modules.notes.{operation}"))
}

fn note_plan(
    method: Method,
    segments: &[&str],
    query: &Query,
    body: Option<&Value>,
    repeatable: Repeatable,
    operation: &str,
) -> Result<Request<Vec<u8>>, Error> {
    super::plans::request_plan(method, segments, query, body, repeatable, scope(operation))
}

/// A record's notes: a page, or with `fetch_all` every page up to the cap.
pub fn list_notes(
    session: &mut Session,
    module: &str,
    record_id: &str,
    fields: &[String],
    page: Option<u32>,
    per_page: Option<u32>,
    fetch: &Fetch,
) -> Result<Gathered<RawRecord>, Error> {
    validate::module_name("recordType", module)?;
    validate::record_id("recordId", record_id)?;
    validate::field_list("fields", fields)?;
    let fields = if fields.is_empty() {
        DEFAULT_FIELDS.join(",")
    } else {
        fields.join(",")
    };
    let walk = Walk::for_fetch(page, None, per_page, fetch, false)?;
    paging::walk(session, &walk, |session, at, per_page| {
        let mut query = Query::new();
        query
            .push("fields", fields.clone())
            .push("page", at.number()?.to_string())
            .push("per_page", per_page.to_string());
        let plan = note_plan(
            Method::GET,
            &[module, record_id, "Notes"],
            &query,
            None,
            Repeatable::Yes,
            "READ",
        )?;
        let response = session.send(&plan)?;
        decode_list(&response, plan.extensions().get(), "data")
    })
}

/// A note's values, checked: a title is optional, the content is required when creating.
fn note_values(title: Option<&str>, content: Option<&str>) -> Result<Map<String, Value>, Error> {
    let mut values = Map::new();
    if let Some(title) = title {
        values.insert("Note_Title".into(), json!(title));
    }
    if let Some(content) = content {
        if content.trim().is_empty() {
            return Err(Error::invalid("content", "must not be empty"));
        }
        if content.chars().count() > MAX_CONTENT_CHARS {
            return Err(Error::invalid(
                "content",
                format!("is longer than Zoho's {MAX_CONTENT_CHARS} characters"),
            ));
        }
        values.insert("Note_Content".into(), json!(content));
    }
    Ok(values)
}

/// Adds a note to a record. Not repeated after a lost answer (it would add the note twice).
pub fn create_note(
    session: &mut Session,
    module: &str,
    record_id: &str,
    title: Option<&str>,
    content: &str,
) -> Result<RecordResult, Error> {
    validate::module_name("recordType", module)?;
    validate::record_id("recordId", record_id)?;
    let mut note = note_values(title, Some(content))?;
    note.insert(
        "Parent_Id".into(),
        json!({"module": {"api_name": module}, "id": record_id}),
    );
    let body = json!({ "data": [note] });
    let plan = note_plan(
        Method::POST,
        &["Notes"],
        &Query::new(),
        Some(&body),
        Repeatable::No,
        "CREATE",
    )?;
    let response = session.send(&plan)?;
    decode_single_write(&response, plan.extensions().get())
}

/// Changes a note's title and/or content.
pub fn update_note(
    session: &mut Session,
    note_id: &str,
    title: Option<&str>,
    content: Option<&str>,
) -> Result<RecordResult, Error> {
    validate::record_id("noteId", note_id)?;
    if title.is_none() && content.is_none() {
        return Err(Error::invalid("title", "is required, or content, or both"));
    }
    let body = json!({ "data": [note_values(title, content)?] });
    let plan = note_plan(
        Method::PUT,
        &["Notes", note_id],
        &Query::new(),
        Some(&body),
        Repeatable::Yes,
        "UPDATE",
    )?;
    let response = session.send(&plan)?;
    decode_single_write(&response, plan.extensions().get())
}

/// Deletes a note.
pub fn delete_note(session: &mut Session, note_id: &str) -> Result<RecordResult, Error> {
    validate::record_id("noteId", note_id)?;
    let plan = note_plan(
        Method::DELETE,
        &["Notes", note_id],
        &Query::new(),
        None,
        Repeatable::Yes,
        "DELETE",
    )?;
    let response = session.send(&plan)?;
    decode_single_write(&response, plan.extensions().get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::host::CallOptions;
    use crate::shared::session::tests::ScriptedHost;

    #[test]
    fn a_note_is_posted_under_its_record_and_edited_by_its_own_id() {
        let mut host = ScriptedHost::new();
        host.answer(
            201,
            r#"{"data":[{"code":"SUCCESS","details":{"id":"9"},"message":"record added","status":"success"}]}"#,
        )
        .answer(
            200,
            r#"{"data":[{"code":"SUCCESS","details":{"id":"9"},"message":"record updated","status":"success"}]}"#,
        );
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        let created = create_note(&mut session, "Leads", "1", Some("Call"), "Call back on Monday").expect("created");
        assert_eq!(created.id.as_deref(), Some("9"));
        update_note(&mut session, "9", None, Some("Called")).expect("updated");
        assert_eq!(host.sent[0].uri().path(), "/crm/v8/Notes");
        let body: Value = serde_json::from_slice(host.sent[0].body()).expect("json");
        assert_eq!(
            body,
            json!({"data": [{"Note_Title": "Call", "Note_Content": "Call back on Monday", "Parent_Id": {"module": {"api_name": "Leads"}, "id": "1"}}]})
        );
        assert_eq!(
            (host.sent[1].method(), host.sent[1].uri().path()),
            (&Method::PUT, "/crm/v8/Notes/9")
        );
    }

    #[test]
    fn empty_or_oversized_content_and_an_empty_update_are_refused_before_sending() {
        let mut host = ScriptedHost::new();
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        assert!(create_note(&mut session, "Leads", "1", None, "  ").is_err());
        let long = "x".repeat(MAX_CONTENT_CHARS + 1);
        assert!(create_note(&mut session, "Leads", "1", None, &long).is_err());
        assert!(update_note(&mut session, "9", None, None).is_err());
        assert!(delete_note(&mut session, "nine").is_err());
        assert!(host.sent.is_empty());
    }
}
