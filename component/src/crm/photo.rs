//! A record's photo: upload (`POST /{module}/{id}/photo`, multipart `file`) and download
//! (`GET`). Zoho takes PNG, JPEG, GIF and BMP images up to 10 MB, on Leads, Contacts,
//! Accounts, Products, Vendors and custom modules with photos enabled. Uploading replaces the
//! photo, so an upload is safe to repeat.

use http::Method;
use serde_json::Value;

use crate::shared::download::{Download, downloaded};
use crate::shared::error::Error;
use crate::shared::plan::{self, CRM_BASE, Query, Repeatable, RequiredScope};
use crate::shared::session::Session;
use crate::shared::wire::{self, Part};
use crate::shared::{validate, zoho};

/// Zoho's cap on a photo.
pub const MAX_PHOTO_BYTES: usize = 10 << 20;

fn scope(module: &str, operation: &str) -> RequiredScope {
    RequiredScope(format!("ZohoCRM.modules.{}.{operation}", module.to_ascii_lowercase()))
}

/// The image type of `data` from its first bytes, for the types Zoho accepts.
fn image_type(data: &[u8]) -> Option<&'static str> {
    match data {
        [0x89, b'P', b'N', b'G', ..] => Some("image/png"),
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [b'G', b'I', b'F', b'8', ..] => Some("image/gif"),
        [b'B', b'M', ..] => Some("image/bmp"),
        _ => None,
    }
}

/// Uploads `data` as the record's photo; Zoho's answer, as it gave it.
pub fn upload_photo(
    session: &mut Session,
    module: &str,
    record_id: &str,
    file_name: &str,
    data: Vec<u8>,
) -> Result<Value, Error> {
    validate::module_name("recordType", module)?;
    validate::record_id("recordId", record_id)?;
    if file_name.trim().is_empty() || file_name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "fileName",
            "must be a file name without control characters",
        ));
    }
    if data.len() > MAX_PHOTO_BYTES {
        return Err(Error::invalid(
            "file",
            format!("is {} bytes; Zoho takes photos up to 10 MB", data.len()),
        ));
    }
    let Some(content_type) = image_type(&data) else {
        return Err(Error::invalid("file", "is not a PNG, JPEG, GIF or BMP image"));
    };
    let (multipart_type, body) = wire::multipart(&[Part {
        name: "file".into(),
        file_name: Some(file_name.to_owned()),
        content_type: Some(content_type.to_owned()),
        data,
    }]);
    let mut plan = http::Request::builder()
        .method(Method::POST)
        .uri(plan::path(CRM_BASE, &[module, record_id, "photo"]))
        .header(http::header::CONTENT_TYPE, multipart_type)
        .body(body)
        .map_err(|e| Error::invalid("fileName", format!("could not form the upload: {e}")))?;
    plan.extensions_mut().insert(Repeatable::Yes);
    plan.extensions_mut().insert(scope(module, "UPDATE"));
    let response = session.send(&plan)?;
    if !response.status().is_success() {
        return Err(super::plans::not_found_if_unknown_id(zoho::error_from_response(
            &response,
            plan.extensions().get(),
        )));
    }
    let answer = zoho::json_body(&response, "the photo upload result")?;
    // Zoho answers `{code, message, status}`, at the top or as the one `data` entry.
    let entry = answer
        .get("data")
        .and_then(Value::as_array)
        .and_then(|data| data.first())
        .cloned()
        .unwrap_or(answer);
    if entry.get("status").and_then(Value::as_str) == Some("error") {
        return Err(zoho::classify(
            zoho::api_error(&response),
            None,
            plan.extensions().get(),
        ));
    }
    Ok(entry)
}

/// The record's photo; a record without one is `not-found`.
pub fn download_photo(session: &mut Session, module: &str, record_id: &str) -> Result<Download, Error> {
    validate::module_name("recordType", module)?;
    validate::record_id("recordId", record_id)?;
    let plan = plan::request(
        Method::GET,
        plan::path(CRM_BASE, &[module, record_id, "photo"]),
        &Query::new(),
        None,
        plan::PlanMeta {
            repeatable: Repeatable::Yes,
            scope: Some(scope(module, "READ")),
        },
    )?;
    let response = session.send(&plan)?;
    downloaded(response, plan.extensions().get(), "the record has no photo")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::host::CallOptions;
    use crate::shared::session::tests::ScriptedHost;

    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0];

    #[test]
    fn a_photo_is_sent_as_the_file_part_with_its_image_type() {
        let mut host = ScriptedHost::new();
        host.answer(
            200,
            r#"{"code":"SUCCESS","details":{},"message":"photo uploaded successfully","status":"success"}"#,
        );
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        let answer = upload_photo(&mut session, "Contacts", "1", "me.png", PNG.to_vec()).expect("uploaded");
        assert_eq!(answer["code"], "SUCCESS");
        assert_eq!(host.sent[0].uri().path(), "/crm/v8/Contacts/1/photo");
        let body = String::from_utf8_lossy(host.sent[0].body());
        assert!(
            body.contains("name=\"file\"; filename=\"me.png\"") && body.contains("image/png"),
            "{body}"
        );
    }

    #[test]
    fn what_zoho_would_refuse_is_refused_before_sending() {
        let mut host = ScriptedHost::new();
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        assert!(upload_photo(&mut session, "Contacts", "1", "notes.txt", b"hello".to_vec()).is_err());
        let too_big = [PNG, &vec![0; MAX_PHOTO_BYTES][..]].concat();
        assert!(upload_photo(&mut session, "Contacts", "1", "big.png", too_big).is_err());
        assert!(host.sent.is_empty());
    }
}
