//! What the debug log says of an exchange: method, URL, headers and body, with the access
//! token and every token-bearing field redacted, and the credits Zoho charges for it.

use http::{Request, Response};

/// Request bodies larger than this are elided from debug logs.
const LOGGED_BODY_LIMIT: usize = 10 * 1024;
/// What replaces a secret in anything logged.
const REDACTED: &str = "[REDACTED]";

/// Replaces every occurrence of the token; used on everything that is logged or reported.
pub fn redact(text: &str, token: &str) -> String {
    if token.is_empty() {
        return text.to_owned();
    }
    text.replace(token, REDACTED)
}

pub(crate) fn describe_headers(headers: &http::HeaderMap, token: &str) -> String {
    headers
        .iter()
        .map(|(name, value)| {
            let value = if name == http::header::AUTHORIZATION {
                format!("Zoho-oauthtoken {REDACTED}")
            } else {
                redact(&String::from_utf8_lossy(value.as_bytes()), token)
            };
            format!("{name}: {value}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn describe_body(headers: &http::HeaderMap, body: &[u8], token: &str) -> String {
    if body.is_empty() {
        return "(empty body)".into();
    }
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let textual = content_type.is_empty()
        || content_type.contains("json")
        || content_type.starts_with("text/")
        || content_type.contains("x-www-form-urlencoded");
    match std::str::from_utf8(body) {
        Ok(text) if textual && body.len() <= LOGGED_BODY_LIMIT => redact(&redact_token_fields(text), token),
        Ok(_) if textual => format!("({} bytes elided: over {} KB)", body.len(), LOGGED_BODY_LIMIT / 1024),
        _ => format!("({} bytes of binary content elided)", body.len()),
    }
}

/// JSON keys whose string values are secrets wherever they appear in a body (a notification
/// channel's verification token, listed back by Zoho), redacted even when the session was not
/// told the value.
const SECRET_KEYS: &[&str] = &["token", "access_token", "refresh_token", "client_secret"];

pub(crate) fn redact_token_fields(text: &str) -> String {
    fn walk(value: &mut serde_json::Value) -> bool {
        match value {
            serde_json::Value::Object(object) => {
                let mut changed = false;
                for (key, value) in object.iter_mut() {
                    if SECRET_KEYS.contains(&key.as_str()) && value.as_str().is_some_and(|s| !s.is_empty()) {
                        *value = serde_json::Value::from(REDACTED);
                        changed = true;
                    } else {
                        changed |= walk(value);
                    }
                }
                changed
            }
            serde_json::Value::Array(items) => items.iter_mut().fold(false, |changed, item| walk(item) | changed),
            _ => false,
        }
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(mut value) => {
            if walk(&mut value) {
                value.to_string()
            } else {
                text.to_owned()
            }
        }
        Err(_) => text.to_owned(),
    }
}

/// The CRM credits a request costs by Zoho's table (`zoho-facts`); `None` for Books.
pub(crate) fn credits_of(request: &Request<Vec<u8>>) -> Option<u32> {
    let query: Vec<(String, String)> = request
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |text: &str| {
                percent_encoding::percent_decode_str(text)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (decode(key), decode(value))
        })
        .collect();
    zoho_facts::credits::cost(request.method().as_str(), request.uri().path(), &query, request.body())
}

pub(crate) fn describe_request(request: &Request<Vec<u8>>, token: &str) -> String {
    format!(
        "{} {}\n{}\n\n{}",
        request.method(),
        redact(&request.uri().to_string(), token),
        describe_headers(request.headers(), token),
        describe_body(request.headers(), request.body(), token)
    )
}

pub(crate) fn describe_response(response: &Response<Vec<u8>>, token: &str) -> String {
    format!(
        "HTTP {}\n{}\n\n{}",
        response.status().as_u16(),
        describe_headers(response.headers(), token),
        describe_body(response.headers(), response.body(), token)
    )
}
