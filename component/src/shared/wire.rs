//! What goes on the wire besides JSON: `multipart/form-data` bodies (attachments, photos,
//! Bulk Write uploads, raw requests), content types from file names, and base64 file inputs.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::error::Error;

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// A boundary that occurs in none of the parts.
fn boundary(parts: &[Part]) -> String {
    let mut seed: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.name.bytes().chain(part.data.iter().copied().take(4096)) {
            seed = (seed ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    loop {
        let candidate = format!("zoho-connector-{seed:016x}");
        let clash = parts
            .iter()
            .any(|p| p.data.windows(candidate.len()).any(|w| w == candidate.as_bytes()));
        if !clash {
            return candidate;
        }
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    }
}

/// A quoted-string parameter value, escaped as browsers do for form data (`"` and line
/// breaks percent-encoded), so a file name cannot break out of its header.
fn quoted(value: &str) -> String {
    value.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A")
}

/// A content type from a file name's extension.
pub fn content_type_for(file_name: &str) -> &'static str {
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "json" => "application/json",
        "xml" => "application/xml",
        "html" | "htm" => "text/html",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "zip" => "application/zip",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

/// Encodes parts as `multipart/form-data`; returns the content type and the body.
pub fn multipart(parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = boundary(parts);
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", quoted(&part.name));
        if let Some(file_name) = &part.file_name {
            disposition.push_str(&format!("; filename=\"{}\"", quoted(file_name)));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        let content_type = part
            .content_type
            .clone()
            .or_else(|| part.file_name.as_deref().map(|f| content_type_for(f).to_owned()));
        if let Some(content_type) = content_type {
            body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&part.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Decodes a `{"base64": "..."}` file value.
pub fn decode_base64(input: &str, text: &str) -> Result<Vec<u8>, Error> {
    BASE64
        .decode(text.trim())
        .map_err(|e| Error::invalid(input, format!("is not valid base64: {e}")))
}
