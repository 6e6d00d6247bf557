//! CRM attachments for any module by API name: upload a file (multipart field `file`, quoted
//! and escaped file name, content type given or from the extension) or a link
//! (`attachmentUrl` + `title`), list them page by page, and download one byte for byte.

use http::Method;

use crate::crm::paging::{self, Gathered, PageRef, Walk};
use crate::crm::{self, Fetch};
use crate::shared::download::{Download, downloaded};
use crate::shared::error::{Error, RecordResult};
use crate::shared::plan::RequiredScope;
use crate::shared::plan::{self, CRM_BASE, PlanMeta, Query, Repeatable};
use crate::shared::session::Session;
use crate::shared::validate;
use crate::shared::wire::{self, Part};
use crate::shared::zoho;

/// Fields Zoho v8 requires on an attachment list unless the caller chooses.
pub const DEFAULT_FIELDS: &[&str] = &["id", "File_Name", "Size", "Created_Time", "Modified_Time"];

/// What to attach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upload {
    File {
        file_name: String,
        content_type: Option<String>,
        data: Vec<u8>,
    },
    Link {
        url: String,
        title: Option<String>,
    },
}

fn scope(module: &str, op: &str) -> Option<RequiredScope> {
    Some(RequiredScope(format!(
        "ZohoCRM.modules.{}.{op}",
        module.to_ascii_lowercase()
    )))
}

fn check_text(input: &str, value: &str, max: usize) -> Result<(), Error> {
    if value.trim().is_empty() || value.len() > max || value.chars().any(char::is_control) {
        return Err(Error::invalid(
            input,
            format!("must be non-empty, at most {max} bytes, without control characters"),
        ));
    }
    Ok(())
}

/// Attaches a file or a link to a record.
pub fn add(session: &mut Session, module: &str, record_id: &str, upload: &Upload) -> Result<RecordResult, Error> {
    validate::module_name("recordType", module)?;
    validate::record_id("recordId", record_id)?;
    let parts = match upload {
        Upload::File {
            file_name,
            content_type,
            data,
        } => {
            check_text("fileName", file_name, 255)?;
            if let Some(content_type) = content_type {
                check_text("contentType", content_type, 255)?;
            }
            let content_type = content_type
                .clone()
                .unwrap_or_else(|| wire::content_type_for(file_name).to_owned());
            vec![Part {
                name: "file".into(),
                file_name: Some(file_name.clone()),
                content_type: Some(content_type),
                data: data.clone(),
            }]
        }
        Upload::Link { url, title } => {
            check_text("attachmentUrl", url, 2048)?;
            if !(url.starts_with("https://") || url.starts_with("http://")) || url.contains(char::is_whitespace) {
                return Err(Error::invalid("attachmentUrl", "must be an http or https URL"));
            }
            let mut parts = vec![Part {
                name: "attachmentUrl".into(),
                file_name: None,
                content_type: None,
                data: url.clone().into_bytes(),
            }];
            if let Some(title) = title {
                check_text("title", title, 255)?;
                parts.push(Part {
                    name: "title".into(),
                    file_name: None,
                    content_type: None,
                    data: title.clone().into_bytes(),
                });
            }
            parts
        }
    };
    let (content_type, body) = wire::multipart(&parts);
    let mut plan = http::Request::builder()
        .method(Method::POST)
        .uri(plan::path(CRM_BASE, &[module, record_id, "Attachments"]))
        .header(http::header::CONTENT_TYPE, content_type)
        .body(body)
        .map_err(|e| Error::invalid("fileName", format!("could not form the upload: {e}")))?;
    // An upload that got no answer may have been stored: not repeated blindly.
    plan.extensions_mut().insert(Repeatable::No);
    if let Some(scope) = scope(module, "CREATE") {
        plan.extensions_mut().insert(scope);
    }
    let response = session.send(&plan)?;
    zoho::check_write_outcome(&plan, &response)?;
    crm::decode_single_write(&response, plan.extensions().get())
}

/// Lists a record's attachments: a page, or every page with `fetch_all`.
pub fn list(
    session: &mut Session,
    module: &str,
    record_id: &str,
    fields: &[String],
    page: Option<u32>,
    per_page: Option<u32>,
    fetch: &Fetch,
) -> Result<Gathered<crm::RawRecord>, Error> {
    validate::module_name("recordType", module)?;
    validate::record_id("recordId", record_id)?;
    validate::field_list("fields", fields)?;
    let fields: Vec<String> = if fields.is_empty() {
        DEFAULT_FIELDS.iter().map(|f| (*f).to_owned()).collect()
    } else {
        fields.to_vec()
    };
    let walk = Walk::for_fetch(page, None, per_page, fetch, true)?;
    paging::walk(session, &walk, |session, at, per_page| {
        let mut query = Query::new();
        query
            .push("fields", fields.join(","))
            .push("per_page", per_page.to_string());
        match at {
            PageRef::Number(n) => query.push("page", n.to_string()),
            PageRef::Token(token) => query.push("page_token", token.clone()),
        };
        let plan = plan::request(
            Method::GET,
            plan::path(CRM_BASE, &[module, record_id, "Attachments"]),
            &query,
            None,
            PlanMeta {
                repeatable: Repeatable::Yes,
                scope: scope(module, "READ"),
            },
        )?;
        let response = session.send(&plan)?;
        crm::decode_raw_page(&response, plan.extensions().get())
    })
}

/// Downloads one attachment.
pub fn download(session: &mut Session, module: &str, record_id: &str, attachment_id: &str) -> Result<Download, Error> {
    validate::module_name("recordType", module)?;
    validate::record_id("recordId", record_id)?;
    validate::record_id("attachmentId", attachment_id)?;
    let plan = plan::request(
        Method::GET,
        plan::path(CRM_BASE, &[module, record_id, "Attachments", attachment_id]),
        &Query::new(),
        None,
        PlanMeta {
            repeatable: Repeatable::Yes,
            scope: scope(module, "READ"),
        },
    )?;
    let response = session.send(&plan)?;
    downloaded(response, plan.extensions().get(), "no attachment with this id")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::host::CallOptions;
    use crate::shared::session::tests::ScriptedHost;

    #[test]
    fn a_file_goes_in_the_file_field_with_an_escaped_name() {
        let mut host = ScriptedHost::new();
        host.answer(
            200,
            r#"{"data":[{"code":"SUCCESS","details":{"id":"77"},"message":"attachment uploaded","status":"success"}]}"#,
        );
        let upload = Upload::File {
            file_name: "Q3 \"final\".pdf".into(),
            content_type: None,
            data: b"%PDF".to_vec(),
        };
        let result = add(
            &mut Session::new(&mut host, "c", CallOptions::default()),
            "Price_Books",
            "12",
            &upload,
        )
        .expect("uploaded");
        assert_eq!(result.id.as_deref(), Some("77"));
        let sent = &host.sent[0];
        assert_eq!(sent.uri().path(), "/crm/v8/Price_Books/12/Attachments");
        let body = String::from_utf8_lossy(sent.body());
        assert!(
            body.contains("name=\"file\"; filename=\"Q3 %22final%22.pdf\"\r\nContent-Type: application/pdf"),
            "{body}"
        );
    }

    #[test]
    fn bad_uploads_are_refused() {
        let mut host = ScriptedHost::new();
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        let cases = [
            (
                Upload::File {
                    file_name: "".into(),
                    content_type: None,
                    data: vec![],
                },
                "fileName",
            ),
            (
                Upload::File {
                    file_name: "a\r\nb.txt".into(),
                    content_type: None,
                    data: vec![],
                },
                "fileName",
            ),
            (
                Upload::Link {
                    url: "ftp://x".into(),
                    title: None,
                },
                "attachmentUrl",
            ),
            (
                Upload::Link {
                    url: "https://x.example/a b".into(),
                    title: None,
                },
                "attachmentUrl",
            ),
        ];
        for (upload, input) in cases {
            assert!(
                matches!(add(&mut session, "Leads", "1", &upload), Err(Error::InvalidInput { input: i, .. }) if i == input),
                "{input}"
            );
        }
        drop(session);
        assert!(host.sent.is_empty());
    }
}
