//! File downloads: the bytes of an answer with the file name and type Zoho sent.

use http::{Response, StatusCode};

use crate::shared::error::{ApiError, Error};
use crate::shared::plan::RequiredScope;
use crate::shared::zoho;

/// A downloaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// A file download's answer: the file with its name and type; 204 (`absent` says what is
/// missing), or Zoho's `INVALID_DATA` for an id, is `not-found`.
pub fn downloaded(response: Response<Vec<u8>>, scope: Option<&RequiredScope>, absent: &str) -> Result<Download, Error> {
    if response.status() == StatusCode::NO_CONTENT {
        return Err(Error::NotFound(ApiError {
            status: 204,
            code: "NO_CONTENT".into(),
            message: absent.into(),
            details: None,
        }));
    }
    if !response.status().is_success() {
        return Err(match zoho::error_from_response(&response, scope) {
            Error::Api(api) if api.code == "INVALID_DATA" => Error::NotFound(api),
            other => other,
        });
    }
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok(Download {
        file_name: file_name(&response),
        content_type,
        data: response.into_body(),
    })
}

/// The file name in `Content-Disposition: attachment; filename="..."`.
fn file_name(response: &Response<Vec<u8>>) -> Option<String> {
    let disposition = response
        .headers()
        .get(http::header::CONTENT_DISPOSITION)?
        .to_str()
        .ok()?;
    let start = disposition.find("filename=")? + "filename=".len();
    let rest = &disposition[start..];
    Some(match rest.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next()?.to_owned(),
        None => rest.split(';').next()?.trim().to_owned(),
    })
}
