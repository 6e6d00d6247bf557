//! Sending plans for one connection: credentials, the `Authorization` header, the single
//! token refresh on `INVALID_TOKEN`, retries, and a redacted debug log of every exchange
//! (`exchange_log.rs` writes it).
//!
//! Everything outside the component is reached through [`Host`], so this logic runs natively
//! in unit tests against a scripted host, and in the component against wasi:http.

use std::time::Duration;

use http::{HeaderValue, Request, Response};

use crate::shared::error::{CredentialProblem, Error, TransportError, TransportKind};
use crate::shared::exchange_log::{credits_of, describe_headers, describe_request, describe_response, redact};
use crate::shared::host::{CallOptions, Credentials, Host, Level, StreamedResponse, UploadHost};
use crate::shared::plan::Repeatable;
use crate::shared::retry;
use crate::shared::zoho;

/// One action's use of one connection.
pub struct Session<'h> {
    host: &'h mut dyn Host,
    connection: String,
    credentials: Option<Credentials>,
    options: CallOptions,
    /// Secrets of the call besides the access token (a channel token), kept out of every log.
    secrets: Vec<String>,
}

impl std::fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("connection", &self.connection)
            .field("credentials", &self.credentials)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<'h> Session<'h> {
    pub fn new(host: &'h mut dyn Host, connection: &str, options: CallOptions) -> Self {
        Self {
            host,
            connection: connection.to_owned(),
            credentials: None,
            options,
            secrets: Vec::new(),
        }
    }

    /// Redacts `secret` from every exchange this session logs from now on.
    pub fn keep_secret(&mut self, secret: &str) {
        if !secret.is_empty() {
            self.secrets.push(secret.to_owned());
        }
    }

    /// Unpredictable bytes from the host.
    pub fn random_bytes(&mut self, len: usize) -> Vec<u8> {
        self.host.random_bytes(len)
    }

    /// The host's wall clock, in seconds since the Unix epoch.
    pub fn unix_now(&mut self) -> u64 {
        self.host.unix_now()
    }

    fn log_debug(&mut self, context: &str, message: &str) {
        let message = self
            .secrets
            .iter()
            .fold(message.to_owned(), |text, secret| redact(&text, secret));
        self.host.log(Level::Debug, context, &message);
    }

    /// The connection's credentials, fetched from the host once per session.
    pub fn credentials(&mut self) -> Result<Credentials, Error> {
        if let Some(credentials) = &self.credentials {
            return Ok(credentials.clone());
        }
        let credentials = self.host.credentials(&self.connection)?;
        check_api_domain(&credentials.api_domain)?;
        self.credentials = Some(credentials.clone());
        Ok(credentials)
    }

    /// The options in force.
    pub fn options(&self) -> CallOptions {
        self.options
    }

    /// Changes the options for the rest of the session (the raw request's own retry inputs).
    pub fn set_options(&mut self, options: CallOptions) {
        self.options = options;
    }

    /// Sends a plan and returns Zoho's final response, whatever its status.
    ///
    /// On a 401 for an invalid token the host is asked once for a fresh token and the request
    /// is sent again; a second 401 is returned to the caller, who reports it as unauthorized.
    /// 429s, 5xx answers and failed connections are retried as [`RetryPolicy`] allows, never
    /// past the deadline and never where a repeat could duplicate a write.
    pub fn send(&mut self, plan: &Request<Vec<u8>>) -> Result<Response<Vec<u8>>, Error> {
        match self.exchange(plan, false)? {
            Fetched::Whole(response) => Ok(response),
            Fetched::Streaming(response) => read_whole(response),
        }
    }

    /// Like [`Session::send`], but a successful (2xx) response comes back with its body unread,
    /// for the caller to read piece by piece; any other answer is read whole, as `send` does.
    pub fn open(&mut self, plan: &Request<Vec<u8>>) -> Result<Opened, Error> {
        Ok(match self.exchange(plan, true)? {
            Fetched::Whole(response) => Opened::Answer(response),
            Fetched::Streaming(response) => Opened::Stream(response),
        })
    }

    fn exchange(&mut self, plan: &Request<Vec<u8>>, streaming: bool) -> Result<Fetched, Error> {
        let started = self.host.monotonic_now();
        let repeatable = plan.extensions().get::<Repeatable>().copied().unwrap_or(Repeatable::No);
        let policy = self.options.retry;
        let mut retries = 0;
        let mut refreshed = false;
        loop {
            let credentials = self.credentials()?;
            let outcome = self.attempt(plan, &credentials, streaming);
            let (response, reason) = match outcome {
                Ok(Fetched::Whole(response)) if !refreshed && zoho::is_invalid_token(&response) => {
                    let fresh = self.host.refresh(&self.connection, &credentials.access_token)?;
                    check_api_domain(&fresh.api_domain)?;
                    self.credentials = Some(fresh);
                    refreshed = true;
                    continue;
                }
                // The organization's CRM credits for the rolling 24 hours, or its Books requests
                // for the day or the minute, are spent: a retry within the call cannot succeed,
                // so the 429 is the answer.
                Ok(Fetched::Whole(response))
                    if zoho::credits_exhausted(&response) || zoho::books_allowance_spent(&response) =>
                {
                    return Ok(Fetched::Whole(response));
                }
                Ok(Fetched::Whole(response)) if retry::retryable_status(response.status(), repeatable, &policy) => {
                    let reason = format!("HTTP {}", response.status().as_u16());
                    (Some(response), reason)
                }
                Ok(fetched) => return Ok(fetched),
                Err(Error::Transport(error) | Error::OutcomeUnknown(error))
                    if retryable_transport(&error, repeatable) =>
                {
                    if retries >= policy.max_retries {
                        return Err(transport_outcome(error, repeatable));
                    }
                    (None, error.message)
                }
                Err(error) => return Err(error),
            };
            if retries >= policy.max_retries {
                return response
                    .map(Fetched::Whole)
                    .ok_or_else(|| Error::decode("no response to return"));
            }
            retries += 1;
            let seed = u64::try_from(self.host.monotonic_now().as_nanos() % 1_000_003).unwrap_or(0);
            let unix_now = self.host.unix_now();
            let wait = retry::delay(response.as_ref(), retries, &policy, unix_now, seed);
            let elapsed = self.host.monotonic_now().saturating_sub(started);
            if elapsed + wait + self.options.attempt_timeout.min(Duration::from_secs(1)) > self.options.deadline {
                // Another attempt could not finish in time: report what we have.
                return match response {
                    Some(response) => Ok(Fetched::Whole(response)),
                    None => Err(Error::Transport(TransportError {
                        kind: TransportKind::Timeout,
                        message: format!(
                            "{reason}; no time left for a retry within the {} s deadline",
                            self.options.deadline.as_secs()
                        ),
                    })),
                };
            }
            let message = format!(
                "{} {}: {reason}; retry {retries} of {} in {} ms",
                plan.method(),
                plan.uri().path(),
                policy.max_retries,
                wait.as_millis()
            );
            self.host.log(Level::Warn, "retry", &message);
            self.host.sleep(wait);
        }
    }

    fn attempt(
        &mut self,
        plan: &Request<Vec<u8>>,
        credentials: &Credentials,
        streaming: bool,
    ) -> Result<Fetched, Error> {
        let request = authorized(plan, credentials)?;
        // What Zoho charges for this call once it is served, for the debug log.
        let credits = self.options.debug.then(|| credits_of(&request)).flatten();
        if self.options.debug {
            let message = describe_request(&request, &credentials.access_token);
            self.log_debug("http.request", &message);
        }
        let repeatable = plan.extensions().get::<Repeatable>().copied().unwrap_or(Repeatable::No);
        let outcome = if streaming {
            self.host
                .open(request, self.options.attempt_timeout)
                .and_then(|response| {
                    if response.status().is_success() {
                        Ok(Fetched::Streaming(response))
                    } else {
                        read_whole_transport(response).map(Fetched::Whole)
                    }
                })
        } else {
            self.host
                .send(request, self.options.attempt_timeout)
                .map(Fetched::Whole)
        };
        match outcome {
            Ok(fetched) => {
                if self.options.debug {
                    let (status, mut message) = match &fetched {
                        Fetched::Whole(response) => (
                            response.status().as_u16(),
                            describe_response(response, &credentials.access_token),
                        ),
                        Fetched::Streaming(response) => (
                            response.status().as_u16(),
                            format!(
                                "HTTP {}\n{}\n(body streamed)",
                                response.status().as_u16(),
                                describe_headers(response.headers(), &credentials.access_token)
                            ),
                        ),
                    };
                    // A refused token, a refusal for credits or a server failure is not served.
                    if let Some(credits) = credits.filter(|_| !matches!(status, 401 | 429) && status < 500) {
                        message.push_str(&format!("\n(Zoho credits: {credits})"));
                    }
                    self.log_debug("http.response", &message);
                }
                Ok(fetched)
            }
            Err(error) => {
                let error = TransportError {
                    kind: error.kind,
                    message: redact(&error.message, &credentials.access_token),
                };
                if self.options.debug {
                    self.log_debug("http.error", &error.message);
                }
                Err(transport_outcome(error, repeatable))
            }
        }
    }
}

/// A response as one attempt got it.
enum Fetched {
    Whole(Response<Vec<u8>>),
    Streaming(StreamedResponse),
}

/// What [`Session::open`] got: a successful response to read, or any other answer, whole.
pub enum Opened {
    Stream(StreamedResponse),
    Answer(Response<Vec<u8>>),
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Opened::Stream(response) => write!(f, "Stream({})", response.status()),
            Opened::Answer(response) => write!(f, "Answer({})", response.status()),
        }
    }
}

/// Error answers are small; one larger than this is cut (it is only read for Zoho's error).
const ERROR_BODY_LIMIT: usize = 1 << 20;

fn read_whole_transport(response: StreamedResponse) -> Result<Response<Vec<u8>>, TransportError> {
    let (parts, mut body) = response.into_parts();
    let mut bytes = Vec::new();
    while let Some(piece) = body.next_piece()? {
        let room = ERROR_BODY_LIMIT.saturating_sub(bytes.len());
        bytes.extend_from_slice(&piece[..piece.len().min(room)]);
        if bytes.len() >= ERROR_BODY_LIMIT {
            break;
        }
    }
    Ok(Response::from_parts(parts, bytes))
}

fn read_whole(response: StreamedResponse) -> Result<Response<Vec<u8>>, Error> {
    read_whole_transport(response).map_err(Error::Transport)
}

/// A failed attempt is `outcome-unknown` when it may have reached Zoho and repeating it is not
/// safe; a denied or refused request never left, and a repeatable one can simply be retried.
fn transport_outcome(error: TransportError, repeatable: Repeatable) -> Error {
    let never_sent = matches!(error.kind, TransportKind::Denied | TransportKind::Refused);
    if never_sent || repeatable == Repeatable::Yes {
        Error::Transport(error)
    } else {
        Error::OutcomeUnknown(error)
    }
}

/// A refused connection sent nothing, so even a create may try again; other failures only for
/// requests that are safe to repeat. A denial is policy, not a glitch: never retried.
fn retryable_transport(error: &TransportError, repeatable: Repeatable) -> bool {
    match error.kind {
        TransportKind::Denied => false,
        TransportKind::Refused => true,
        _ => repeatable == Repeatable::Yes,
    }
}

/// The API domain must be a bare origin: `https://host[:port]` (or `http://` for a local fake).
/// Anything else would let a misconfigured host send the token somewhere unexpected.
fn check_api_domain(domain: &str) -> Result<(), Error> {
    let rest = domain
        .strip_prefix("https://")
        .or_else(|| domain.strip_prefix("http://"));
    let valid = rest.is_some_and(|authority| {
        !authority.is_empty()
            && authority
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    });
    if valid {
        Ok(())
    } else {
        Err(Error::Credential {
            problem: CredentialProblem::Unavailable,
            message: format!(
                "the host gave an API domain that is not an origin like https://www.zohoapis.com: {domain:?}"
            ),
            retry_after_seconds: None,
        })
    }
}

/// The plan as a complete request: absolute URI on the API domain (or the upload host, or an
/// absolute Zoho download URL), plus the token.
fn authorized(plan: &Request<Vec<u8>>, credentials: &Credentials) -> Result<Request<Vec<u8>>, Error> {
    let uri = if plan.uri().scheme().is_some() {
        // Download URLs come from Zoho's answers; the token only goes to Zoho's own hosts.
        if !zoho::is_zoho_file_host(&credentials.api_domain, plan.uri()) {
            return Err(Error::decode(format!(
                "Zoho named a download address outside its own domains ({}); it was not fetched",
                plan.uri().host().unwrap_or("no host")
            )));
        }
        plan.uri().to_string()
    } else if plan.extensions().get::<UploadHost>().is_some() {
        format!("{}{}", zoho::upload_origin(&credentials.api_domain), plan.uri())
    } else {
        format!("{}{}", credentials.api_domain, plan.uri())
    };
    let mut request = Request::builder()
        .method(plan.method().clone())
        .uri(uri)
        .body(plan.body().clone())
        .map_err(|e| Error::invalid("request", format!("could not form a valid request URL: {e}")))?;
    *request.headers_mut() = plan.headers().clone();
    let mut token = HeaderValue::from_str(&format!("Zoho-oauthtoken {}", credentials.access_token)).map_err(|_| {
        Error::Credential {
            problem: CredentialProblem::Unavailable,
            message: "the host gave an access token with characters not allowed in an HTTP header".into(),
            retry_after_seconds: None,
        }
    })?;
    token.set_sensitive(true);
    request.headers_mut().insert(http::header::AUTHORIZATION, token);
    Ok(request)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::shared::exchange_log::describe_body;
    use std::collections::VecDeque;

    /// A scripted host: answers requests from a queue and records what it saw.
    #[derive(Default)]
    pub struct ScriptedHost {
        pub token: String,
        pub refreshed_token: String,
        pub answers: VecDeque<Result<Response<Vec<u8>>, TransportError>>,
        pub sent: Vec<Request<Vec<u8>>>,
        pub refreshes: Vec<String>,
        pub logs: Vec<String>,
        /// A fake clock: it only moves when the session sleeps.
        pub clock: Duration,
        pub slept: Vec<Duration>,
    }

    impl ScriptedHost {
        pub fn new() -> Self {
            Self {
                token: "1000.secret-token".into(),
                refreshed_token: "1000.fresh-token".into(),
                ..Self::default()
            }
        }

        pub fn answer(&mut self, status: u16, body: &str) -> &mut Self {
            let response = Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(body.as_bytes().to_vec())
                .expect("valid");
            self.answers.push_back(Ok(response));
            self
        }
    }

    impl Host for ScriptedHost {
        fn credentials(&mut self, _connection: &str) -> Result<Credentials, Error> {
            Ok(Credentials {
                access_token: self.token.clone(),
                api_domain: "https://www.zohoapis.eu".into(),
                books_organization_id: None,
            })
        }
        fn refresh(&mut self, _connection: &str, rejected: &str) -> Result<Credentials, Error> {
            self.refreshes.push(rejected.to_owned());
            self.token = self.refreshed_token.clone();
            self.credentials("")
        }
        fn send(&mut self, request: Request<Vec<u8>>, _timeout: Duration) -> Result<Response<Vec<u8>>, TransportError> {
            self.sent.push(request);
            self.answers.pop_front().unwrap_or_else(|| {
                Err(TransportError {
                    kind: TransportKind::Connection,
                    message: "no scripted answer".into(),
                })
            })
        }
        fn log(&mut self, _level: Level, context: &str, message: &str) {
            self.logs.push(format!("{context}: {message}"));
        }
        fn monotonic_now(&mut self) -> Duration {
            self.clock
        }
        fn unix_now(&mut self) -> u64 {
            1_700_000_000 + self.clock.as_secs()
        }
        fn sleep(&mut self, duration: Duration) {
            self.slept.push(duration);
            self.clock += duration;
        }
        fn random_bytes(&mut self, len: usize) -> Vec<u8> {
            (0..len).map(|i| (i as u8).wrapping_mul(37).wrapping_add(11)).collect()
        }
    }

    fn get_plan() -> Request<Vec<u8>> {
        let mut plan = Request::get("/crm/v8/Leads/1").body(Vec::new()).expect("plan");
        plan.extensions_mut().insert(Repeatable::Yes);
        plan
    }

    #[test]
    fn sends_to_the_api_domain_with_the_zoho_token_header() {
        let mut host = ScriptedHost::new();
        host.answer(200, "{}");
        Session::new(&mut host, "c", CallOptions::default())
            .send(&get_plan())
            .expect("ok");
        assert_eq!(host.sent[0].uri(), "https://www.zohoapis.eu/crm/v8/Leads/1");
        assert_eq!(
            host.sent[0].headers()["authorization"],
            "Zoho-oauthtoken 1000.secret-token"
        );
    }

    #[test]
    fn uploads_go_to_the_file_host_and_downloads_only_to_zoho_hosts() {
        let mut host = ScriptedHost::new();
        host.answer(200, "{}").answer(200, "zip bytes");
        let mut upload = Request::builder()
            .method("POST")
            .uri("/crm/v8/upload")
            .body(b"file".to_vec())
            .expect("valid");
        upload.extensions_mut().insert(UploadHost);
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        session.send(&upload).expect("uploaded");
        let download = |url: &str| Request::builder().uri(url).body(Vec::new()).expect("valid");
        let opened = session
            .open(&download("https://download-accl.zoho.eu/v2/crm/7/bulk-write/1/1.zip"))
            .expect("opened");
        assert!(matches!(opened, Opened::Stream(_)), "{opened:?}");
        for elsewhere in [
            "https://attacker.example/steal",
            "https://download-accl.zoho.com/x.zip",
            "http://www.zohoapis.eu/crm/bulk/v8/read/1/result",
        ] {
            assert!(session.open(&download(elsewhere)).is_err(), "{elsewhere}");
        }
        drop(session);
        assert_eq!(host.sent.len(), 2, "nothing was sent to the other hosts");
        assert_eq!(host.sent[0].uri(), "https://content.zohoapis.eu/crm/v8/upload");
        assert_eq!(
            host.sent[1].uri(),
            "https://download-accl.zoho.eu/v2/crm/7/bulk-write/1/1.zip"
        );
    }

    #[test]
    fn an_invalid_token_is_refreshed_once_and_the_request_repeated() {
        let mut host = ScriptedHost::new();
        host.answer(
            401,
            r#"{"code":"INVALID_TOKEN","message":"invalid oauth token","status":"error"}"#,
        )
        .answer(200, "{}");
        let response = Session::new(&mut host, "c", CallOptions::default())
            .send(&get_plan())
            .expect("ok");
        assert_eq!(response.status(), 200);
        assert_eq!(host.refreshes, vec!["1000.secret-token".to_owned()]);
        assert_eq!(
            host.sent[1].headers()["authorization"],
            "Zoho-oauthtoken 1000.fresh-token"
        );
    }

    #[test]
    fn a_second_invalid_token_is_not_refreshed_again() {
        let mut host = ScriptedHost::new();
        let body = r#"{"code":"INVALID_TOKEN","message":"invalid oauth token","status":"error"}"#;
        host.answer(401, body).answer(401, body);
        let response = Session::new(&mut host, "c", CallOptions::default())
            .send(&get_plan())
            .expect("response");
        assert_eq!(response.status(), 401);
        assert_eq!((host.refreshes.len(), host.sent.len()), (1, 2));
    }

    #[test]
    fn a_write_without_an_answer_has_an_unknown_outcome_but_a_denial_does_not() {
        let mut post = Request::post("/crm/v8/Leads").body(b"{}".to_vec()).expect("plan");
        post.extensions_mut().insert(Repeatable::No);
        let mut host = ScriptedHost::new();
        host.answers.push_back(Err(TransportError {
            kind: TransportKind::Timeout,
            message: "timed out".into(),
        }));
        let error = Session::new(&mut host, "c", CallOptions::default())
            .send(&post)
            .expect_err("timeout");
        assert!(matches!(error, Error::OutcomeUnknown(_)), "{error:?}");
        host.answers.push_back(Err(TransportError {
            kind: TransportKind::Denied,
            message: "denied".into(),
        }));
        let error = Session::new(&mut host, "c", CallOptions::default())
            .send(&post)
            .expect_err("denied");
        assert!(
            matches!(
                error,
                Error::Transport(TransportError {
                    kind: TransportKind::Denied,
                    ..
                })
            ),
            "{error:?}"
        );
    }

    #[test]
    fn a_429_is_retried_after_retry_after_and_the_wait_is_logged() {
        let mut host = ScriptedHost::new();
        let limited = Response::builder()
            .status(429)
            .header("retry-after", "3")
            .body(Vec::new())
            .expect("valid");
        host.answers.push_back(Ok(limited));
        host.answer(200, "{}");
        let response = Session::new(&mut host, "c", CallOptions::default())
            .send(&get_plan())
            .expect("ok");
        assert_eq!(response.status(), 200);
        assert_eq!(host.slept, vec![Duration::from_secs(3)]);
        assert!(
            host.logs
                .iter()
                .any(|l| l.starts_with("retry: GET /crm/v8/Leads/1: HTTP 429; retry 1 of 3")),
            "{:?}",
            host.logs
        );
    }

    #[test]
    fn retries_stop_at_the_limit_and_return_the_last_answer() {
        let mut host = ScriptedHost::new();
        for _ in 0..4 {
            host.answer(503, r#"{"code":"INTERNAL_ERROR","message":"busy","status":"error"}"#);
        }
        let response = Session::new(&mut host, "c", CallOptions::default())
            .send(&get_plan())
            .expect("response");
        assert_eq!(
            (response.status().as_u16(), host.sent.len(), host.slept.len()),
            (503, 4, 3)
        );
    }

    #[test]
    fn a_failed_create_is_not_retried_but_a_refused_one_is() {
        let mut post = Request::post("/crm/v8/Leads").body(b"{}".to_vec()).expect("plan");
        post.extensions_mut().insert(Repeatable::No);
        let mut host = ScriptedHost::new();
        host.answer(502, "bad gateway");
        let response = Session::new(&mut host, "c", CallOptions::default())
            .send(&post)
            .expect("response");
        assert_eq!((response.status().as_u16(), host.sent.len()), (502, 1));

        let mut host = ScriptedHost::new();
        host.answers.push_back(Err(TransportError {
            kind: TransportKind::Refused,
            message: "refused".into(),
        }));
        host.answer(201, "{}");
        let response = Session::new(&mut host, "c", CallOptions::default())
            .send(&post)
            .expect("response");
        assert_eq!((response.status().as_u16(), host.sent.len()), (201, 2));
    }

    #[test]
    fn no_retry_starts_past_the_deadline() {
        let mut host = ScriptedHost::new();
        let limited = || {
            Response::builder()
                .status(429)
                .header("retry-after", "50")
                .body(Vec::new())
                .expect("valid")
        };
        host.answers.push_back(Ok(limited()));
        host.answers.push_back(Ok(limited()));
        host.answers.push_back(Ok(limited()));
        let options = CallOptions {
            deadline: Duration::from_secs(120),
            ..CallOptions::default()
        };
        let response = Session::new(&mut host, "c", options)
            .send(&get_plan())
            .expect("response");
        assert_eq!(response.status(), 429);
        assert_eq!(host.slept, vec![Duration::from_secs(50), Duration::from_secs(50)]);
    }

    #[test]
    fn debug_logs_never_contain_the_token() {
        let mut host = ScriptedHost::new();
        host.answer(200, r#"{"echo":"Zoho-oauthtoken 1000.secret-token"}"#);
        let mut plan = get_plan();
        plan.headers_mut()
            .insert("x-note", HeaderValue::from_static("1000.secret-token"));
        Session::new(
            &mut host,
            "c",
            CallOptions {
                debug: true,
                ..CallOptions::default()
            },
        )
        .send(&plan)
        .expect("ok");
        let logs = host.logs.join("\n");
        assert!(logs.contains("GET https://www.zohoapis.eu/crm/v8/Leads/1"), "{logs}");
        assert!(logs.contains("authorization: Zoho-oauthtoken [REDACTED]"), "{logs}");
        assert!(!logs.contains("1000.secret-token"), "{logs}");
    }

    #[test]
    fn large_and_binary_bodies_are_elided_from_logs() {
        let headers = http::HeaderMap::new();
        assert!(describe_body(&headers, &vec![b'a'; 20_000], "t").contains("elided"));
        let mut binary = http::HeaderMap::new();
        binary.insert("content-type", HeaderValue::from_static("image/png"));
        assert!(describe_body(&binary, &[0x89, 0x50], "t").contains("binary"));
    }

    #[test]
    fn an_api_domain_with_a_path_or_odd_scheme_is_refused() {
        for domain in ["https://www.zohoapis.com", "http://127.0.0.1:8080"] {
            assert_eq!(check_api_domain(domain), Ok(()));
        }
        for domain in ["www.zohoapis.com", "https://evil.example/steal?", "ftp://x", "https://"] {
            assert!(check_api_domain(domain).is_err(), "{domain}");
        }
    }

    #[test]
    fn credentials_debug_output_hides_the_token() {
        let c = Credentials {
            access_token: "1000.secret".into(),
            api_domain: "https://x".into(),
            books_organization_id: None,
        };
        assert!(!format!("{c:?}").contains("1000.secret"));
    }
}
