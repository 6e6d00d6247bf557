//! The component's error model. It mirrors the WIT `types.error` variant case for case, so the
//! single conversion in `lib.rs` is mechanical; everything else in the component speaks this
//! type and stays natively testable.

use serde_json::Value;

/// Zoho's own description of a failure (`types.api-error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// Zoho's `details`, kept as parsed JSON until it crosses the boundary (boxed: errors
    /// travel in every `Result`, and a JSON value is large).
    pub details: Option<Box<Value>>,
}

/// `types.transport-kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    Denied,
    Refused,
    Timeout,
    Connection,
    Protocol,
}

/// A request that produced no usable response (`types.transport-error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    pub kind: TransportKind,
    pub message: String,
}

/// `types.credential-problem`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialProblem {
    UnknownConnection,
    ReauthorizationRequired,
    Throttled,
    Unavailable,
}

/// The outcome of one record in a multi-record write (`types.record-result`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordResult {
    pub index: u32,
    pub success: bool,
    pub id: Option<String>,
    pub code: String,
    pub message: String,
    pub details: Option<Value>,
    pub action: Option<String>,
}

/// Every way an action can fail (`types.error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    Unauthorized(ApiError),
    Forbidden {
        api: ApiError,
        required_scope: Option<String>,
    },
    NotFound(ApiError),
    RateLimited {
        retry_after_seconds: Option<u32>,
        api: ApiError,
    },
    InvalidInput {
        input: String,
        message: String,
    },
    Api(ApiError),
    PartialFailure(Vec<RecordResult>),
    Transport(TransportError),
    OutcomeUnknown(TransportError),
    Decode(String),
    /// A raw request's final answer outside 2xx.
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    Credential {
        problem: CredentialProblem,
        message: String,
        retry_after_seconds: Option<u32>,
    },
}

impl Error {
    /// An input rejected before any request was sent.
    pub fn invalid(input: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            input: input.into(),
            message: message.into(),
        }
    }

    /// A response that could not be read as what was expected.
    pub fn decode(message: impl Into<String>) -> Self {
        Error::Decode(message.into())
    }
}

/// Renders record results the way Zoho shapes a write response entry, plus our `index` and
/// `id`, so platform users find Zoho's familiar `code` / `details` / `message` / `status`.
pub fn record_result_json(result: &RecordResult) -> Value {
    let mut entry = serde_json::Map::new();
    entry.insert("index".into(), Value::from(result.index));
    entry.insert(
        "status".into(),
        Value::from(if result.success { "success" } else { "error" }),
    );
    entry.insert("id".into(), result.id.clone().map_or(Value::Null, Value::String));
    entry.insert("code".into(), Value::String(result.code.clone()));
    entry.insert("message".into(), Value::String(result.message.clone()));
    entry.insert("details".into(), result.details.clone().unwrap_or(Value::Null));
    if let Some(action) = &result.action {
        entry.insert("action".into(), Value::String(action.clone()));
    }
    Value::Object(entry)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// How an invalid-input message may start: it reads after the input's name, so every host
    /// and platform shows `recordId is required: ...` or `perPage must be between 1 and 200`.
    /// The "exactly one of" messages continue a list the name starts (`file or fileBase64 ...`).
    const READS_AFTER_THE_NAME: &[&str] = &[
        "is", "are", "must", "may", "has", "was", "does", "could", "cannot", "contains", "applies", "needs", "need",
        "lists", "holds", "names", "belongs", "points", "escapes", "ends", "differs", "or",
    ];

    /// The literal message of each invalid-input constructor call in `source`, by line.
    fn literal_messages(source: &str) -> Vec<(usize, String)> {
        let mut found = Vec::new();
        for (start, _) in source.match_indices("Error::invalid(") {
            let rest = &source[start + "Error::invalid(".len()..];
            // Past the input argument: the first comma outside brackets.
            let mut depth = 0_i32;
            let Some(comma) = rest.char_indices().find_map(|(i, c)| {
                match c {
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' => depth -= 1,
                    ',' if depth == 0 => return Some(i),
                    _ => {}
                }
                None
            }) else {
                continue;
            };
            let message = rest[comma + 1..].trim_start();
            let message = message.strip_prefix("format!(").map_or(message, str::trim_start);
            if let Some(text) = message.strip_prefix('"') {
                let line = source[..start].lines().count();
                found.push((line, text.chars().take_while(|c| *c != '"').collect()));
            }
        }
        found
    }

    fn visit(dir: &Path, out: &mut Vec<(String, usize, String)>) {
        for entry in std::fs::read_dir(dir).expect("readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                visit(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).expect("utf-8");
                for (line, message) in literal_messages(&source) {
                    out.push((path.display().to_string(), line, message));
                }
            }
        }
    }

    #[test]
    fn every_invalid_input_message_reads_after_the_inputs_name() {
        let mut messages = Vec::new();
        visit(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut messages);
        assert!(messages.len() > 100, "{} messages found", messages.len());
        let wrong: Vec<String> = messages
            .iter()
            .filter(|(_, _, message)| {
                let first = message.split([' ', ':', ',']).next().unwrap_or_default();
                !READS_AFTER_THE_NAME.contains(&first)
            })
            .map(|(file, line, message)| format!("{file}:{line}: {message}"))
            .collect();
        assert!(
            wrong.is_empty(),
            "messages that do not read after the input's name:\n{}",
            wrong.join("\n")
        );
    }
}
