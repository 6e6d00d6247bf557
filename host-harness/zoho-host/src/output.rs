//! The JSON form of action results and errors, as the CLI prints them and as platforms can
//! show them: `{"error": {"kind": "...", ...}}` with the error's details.

use serde_json::{Value, json};

use crate::bindings::{ApiError, CredentialProblem, Error, RecordResult, TransportError, TransportKind};

/// What replaces a secret in anything printed.
pub const REDACTED: &str = "[REDACTED]";

/// Replaces every occurrence of each secret. A last line of defence: the component already
/// keeps tokens out of what it returns and logs.
pub fn scrub(text: &str, secrets: &[String]) -> String {
    scrubbed(text, secrets).into_owned()
}

/// [`scrub`] without a copy when no secret occurs, for large texts such as export chunks.
pub fn scrubbed<'a>(text: &'a str, secrets: &[String]) -> std::borrow::Cow<'a, str> {
    let mut present = secrets
        .iter()
        .filter(|s| s.len() >= 4 && text.contains(s.as_str()))
        .peekable();
    if present.peek().is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(present.fold(text.to_owned(), |text, secret| text.replace(secret.as_str(), REDACTED)))
}

fn details(text: Option<&String>) -> Value {
    text.map_or(Value::Null, |t| {
        serde_json::from_str(t).unwrap_or_else(|_| Value::String(t.clone()))
    })
}

fn api(error: &ApiError) -> Value {
    json!({
        "status": error.status,
        "code": error.code,
        "message": error.message,
        "details": details(error.details.as_ref()),
    })
}

fn with_kind(kind: &str, body: Value) -> Value {
    let mut object = match body {
        Value::Object(object) => object,
        other => {
            let mut object = serde_json::Map::new();
            object.insert("message".into(), other);
            object
        }
    };
    object.insert("kind".into(), json!(kind));
    Value::Object(object)
}

fn transport(error: &TransportError) -> Value {
    let kind = match error.kind {
        TransportKind::Denied => "denied",
        TransportKind::Refused => "refused",
        TransportKind::Timeout => "timeout",
        TransportKind::Connection => "connection",
        TransportKind::Protocol => "protocol",
    };
    json!({"transport": kind, "message": error.message})
}

/// Headers as an object; repeated names joined with `, `.
fn headers(pairs: &[(String, String)]) -> Value {
    let mut object = serde_json::Map::new();
    for (name, value) in pairs {
        let joined = match object.get(name).and_then(Value::as_str) {
            Some(existing) => format!("{existing}, {value}"),
            None => value.clone(),
        };
        object.insert(name.clone(), Value::String(joined));
    }
    Value::Object(object)
}

/// A body as JSON when it is JSON, else as text when it is UTF-8, else `{"base64": ...}`.
fn body(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        return value;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Value::String(text.to_owned()),
        Err(_) => {
            use base64::Engine as _;
            json!({"base64": base64::engine::general_purpose::STANDARD.encode(bytes)})
        }
    }
}

/// A record result in Zoho's per-record shape plus `index` and `id`.
pub fn record_result(result: &RecordResult) -> Value {
    let mut entry = json!({
        "index": result.index,
        "status": if result.success { "success" } else { "error" },
        "id": result.id,
        "code": result.code,
        "message": result.message,
        "details": details(result.details.as_ref()),
    });
    if let Some(action) = &result.action {
        entry["action"] = json!(action);
    }
    entry
}

/// The `{"error": {...}}` document for an action error.
pub fn error_document(error: &Error) -> Value {
    let inner = match error {
        Error::Unauthorized(e) => with_kind("unauthorized", api(e)),
        Error::Forbidden(e) => {
            let mut body = api(&e.api);
            body["requiredScope"] = json!(e.required_scope);
            with_kind("forbidden", body)
        }
        Error::NotFound(e) => with_kind("not-found", api(e)),
        Error::RateLimited(e) => {
            let mut body = api(&e.api);
            body["retryAfterSeconds"] = json!(e.retry_after_seconds);
            with_kind("rate-limited", body)
        }
        Error::InvalidInput(e) => with_kind("invalid-input", json!({"input": e.input, "message": e.message})),
        Error::Api(e) => with_kind("api", api(e)),
        Error::PartialFailure(results) => with_kind(
            "partial-failure",
            json!({
                "message": format!("{} of {} records failed", results.iter().filter(|r| !r.success).count(), results.len()),
                "results": results.iter().map(record_result).collect::<Vec<_>>(),
            }),
        ),
        Error::Transport(e) => with_kind("transport", transport(e)),
        Error::OutcomeUnknown(e) => with_kind("outcome-unknown", transport(e)),
        Error::Decode(message) => with_kind("decode", json!({"message": message})),
        Error::Http(e) => with_kind(
            "http",
            json!({"status": e.status, "headers": headers(&e.headers), "body": body(&e.body)}),
        ),
        Error::Credential(e) => with_kind(
            "credential",
            json!({
                "problem": match e.problem {
                    CredentialProblem::UnknownConnection => "unknown-connection",
                    CredentialProblem::ReauthorizationRequired => "reauthorization-required",
                    CredentialProblem::Throttled => "throttled",
                    CredentialProblem::Unavailable => "unavailable",
                },
                "message": e.message,
                "retryAfterSeconds": e.retry_after_seconds,
            }),
        ),
    };
    json!({ "error": inner })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_replaces_every_secret() {
        let secrets = vec!["1000.abc.def".to_owned()];
        assert_eq!(
            scrub("a 1000.abc.def b 1000.abc.def", &secrets),
            "a [REDACTED] b [REDACTED]"
        );
    }

    #[test]
    fn api_errors_keep_details_as_json() {
        let error = Error::Api(ApiError {
            status: 400,
            code: "INVALID_DATA".into(),
            message: "invalid data".into(),
            details: Some(r#"{"api_name":"Phone"}"#.into()),
        });
        let doc = error_document(&error);
        assert_eq!(doc["error"]["kind"], "api");
        assert_eq!(doc["error"]["details"]["api_name"], "Phone");
    }
}
