//! A response the fake sends, with Zoho's envelopes for JSON, errors and files.

use bytes::Bytes;
use serde_json::{Value, json};

/// A response the fake sends: status, extra headers, body.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// Hold the answer back (an injected slow response, or one that waits for others).
    pub hold: Option<Hold>,
    /// Send only this many body bytes, then break the connection (an injected failure).
    pub cut_after: Option<usize>,
}

/// How an answer is held back before it is sent.
#[derive(Debug)]
pub(crate) enum Hold {
    /// This long.
    For(std::time::Duration),
    /// Until `count` held answers have gathered (see `Fault::Gather`).
    UntilGathered {
        gathering: std::sync::Arc<crate::state::traffic::Gathering>,
        count: usize,
    },
}

impl Reply {
    pub fn json(status: u16, body: &Value) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json;charset=UTF-8".into())],
            body: Bytes::from(body.to_string()),
            hold: None,
            cut_after: None,
        }
    }

    /// 304: nothing changed since `If-Modified-Since`.
    pub fn not_modified() -> Self {
        Reply {
            status: 304,
            ..Reply::no_content()
        }
    }

    pub fn no_content() -> Self {
        Reply {
            status: 204,
            headers: Vec::new(),
            body: Bytes::new(),
            hold: None,
            cut_after: None,
        }
    }

    /// Zoho's CRM error body: `{code, details, message, status: "error"}`.
    /// A file download: its bytes with their type and name.
    pub fn file(content_type: &str, file_name: &str, data: &[u8]) -> Self {
        Reply {
            status: 200,
            headers: vec![
                ("content-type".into(), content_type.to_owned()),
                (
                    "content-disposition".into(),
                    format!("attachment; filename=\"{}\"", file_name.replace('"', "%22")),
                ),
            ],
            body: Bytes::copy_from_slice(data),
            hold: None,
            cut_after: None,
        }
    }

    pub fn crm_error(status: u16, code: &str, message: &str, details: Value) -> Self {
        Reply::json(
            status,
            &json!({"code": code, "details": details, "message": message, "status": "error"}),
        )
    }
}
