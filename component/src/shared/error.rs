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
