//! What the component needs from outside itself, as one trait ([`Host`]): credentials, HTTP,
//! logging, clocks and randomness. The component implements it over its WIT imports; unit
//! tests over a scripted host. Also the settings every call takes ([`CallOptions`]).

use std::time::Duration;

use http::{Request, Response};

use crate::shared::error::{Error, TransportError};
use crate::shared::retry::RetryPolicy;

/// A connection's credentials, as the host's `credentials` import hands them over.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_token: String,
    pub api_domain: String,
    pub books_organization_id: Option<String>,
}

impl std::fmt::Debug for Credentials {
    // Hand-written so that no debug print or panic message can ever show the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_token", &"[REDACTED]")
            .field("api_domain", &self.api_domain)
            .field("books_organization_id", &self.books_organization_id)
            .finish()
    }
}

/// Log levels of the `logging` import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Debug,
    Warn,
}

/// A response body read piece by piece, for downloads too large to hold at once.
pub trait BodyStream {
    /// The next piece of the body; `None` once it has ended.
    fn next_piece(&mut self) -> Result<Option<Vec<u8>>, TransportError>;
}

/// A body already read in full, handed out as one piece.
struct WholeBody(Option<Vec<u8>>);

impl BodyStream for WholeBody {
    fn next_piece(&mut self) -> Result<Option<Vec<u8>>, TransportError> {
        Ok(self.0.take())
    }
}

/// A response whose body is still to be read.
pub type StreamedResponse = Response<Box<dyn BodyStream>>;

/// Marks a plan whose path goes to Zoho's file-upload host instead of the API domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadHost;

/// Everything the component needs from its host.
pub trait Host {
    /// The current credentials of a connection (the `credentials.get` import).
    fn credentials(&mut self, connection: &str) -> Result<Credentials, Error>;
    /// Fresh credentials after Zoho rejected `rejected_token` (the `credentials.refresh` import).
    fn refresh(&mut self, connection: &str, rejected_token: &str) -> Result<Credentials, Error>;
    /// Sends one complete request and reads the whole response (wasi:http).
    fn send(&mut self, request: Request<Vec<u8>>, timeout: Duration) -> Result<Response<Vec<u8>>, TransportError>;
    /// Sends one complete request and returns the response with its body unread. Hosts that
    /// can only read whole bodies (test hosts) keep this default.
    fn open(&mut self, request: Request<Vec<u8>>, timeout: Duration) -> Result<StreamedResponse, TransportError> {
        let response = self.send(request, timeout)?;
        Ok(response.map(|body| Box::new(WholeBody(Some(body))) as Box<dyn BodyStream>))
    }
    /// Reports a diagnostic (the `logging` import).
    fn log(&mut self, level: Level, context: &str, message: &str);
    /// Time on a monotonic clock, for deadlines and jitter.
    fn monotonic_now(&mut self) -> Duration;
    /// Seconds since the Unix epoch, for `Retry-After` dates.
    fn unix_now(&mut self) -> u64;
    /// Waits without spinning.
    fn sleep(&mut self, duration: Duration);
    /// Unpredictable bytes (`wasi:random`), for channel ids and tokens nobody can guess.
    fn random_bytes(&mut self, len: usize) -> Vec<u8>;
}

/// Default bound on one attempt: connect, first byte and between bytes.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default bound on one request including all its retries and waits.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);

/// Per-call settings every action accepts.
#[derive(Debug, Clone, Copy)]
pub struct CallOptions {
    /// Report each HTTP exchange through the logging import (`debugRequest`).
    pub debug: bool,
    /// Bound on each attempt.
    pub attempt_timeout: Duration,
    /// When and how to try again.
    pub retry: RetryPolicy,
    /// Bound on one request with all its retries: no retry starts that would end past it.
    pub deadline: Duration,
}

impl Default for CallOptions {
    fn default() -> Self {
        Self {
            debug: false,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            retry: RetryPolicy::DEFAULT,
            deadline: DEFAULT_DEADLINE,
        }
    }
}
