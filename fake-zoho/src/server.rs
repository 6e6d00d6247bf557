//! The HTTP side: a hyper server on its own thread and runtime, request recording, the
//! `Authorization` check and routing to the product fakes.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::json;

use crate::wire::{parse_query, percent_decode};

use crate::reply::{Hold, Reply};
use crate::request::RecordedRequest;
use crate::state::{Fault, Shared, State};
use crate::{books, crm};

/// A running fake. Stops when dropped.
#[derive(Debug)]
pub struct FakeZoho {
    addr: SocketAddr,
    pub(crate) shared: Shared,
    pub(crate) token: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// A token no one can guess, in Zoho's `1000.<hex>.<hex>` shape. std's `RandomState` is
/// randomly seeded per instance, which is all the randomness a fake needs.
fn random_token() -> String {
    let part = || {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(0x5a0);
        hasher.finish()
    };
    format!("1000.{:016x}{:016x}.{:016x}", part(), part(), part())
}

impl FakeZoho {
    /// Starts a fake on a free port of 127.0.0.1 with one valid access token.
    pub fn start() -> std::io::Result<Self> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Starts a fake on `addr` (use port 0 for a free one).
    pub fn start_on(addr: SocketAddr) -> std::io::Result<Self> {
        let token = random_token();
        let shared = Shared(Arc::new(Mutex::new(State::new(token.clone()))));
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        shared.lock().base_url = format!("http://{addr}");
        // The courier records outcomes through a weak handle, so it never keeps a stopped fake alive.
        let weak = std::sync::Arc::downgrade(&shared.0);
        shared.lock().crm.courier = Some(crate::watch::start_courier(move |delivery| {
            if let Some(state) = weak.upgrade() {
                Shared(state).lock().crm.deliveries.push(delivery);
            }
        }));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let (shutdown, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let served = shared.clone();
        let thread = std::thread::Builder::new().name("fake-zoho".into()).spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                loop {
                    tokio::select! {
                        _ = &mut stopped => break,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            served.lock().traffic.connections_accepted += 1;
                            let shared = served.clone();
                            tokio::spawn(async move {
                                let service = service_fn(move |request| serve(shared.clone(), request));
                                // A client hanging up mid-request is not the fake's problem.
                                let _ = hyper::server::conn::http1::Builder::new()
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await;
                            });
                        }
                    }
                }
            });
        })?;
        Ok(FakeZoho {
            addr,
            shared,
            token,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`, the value to use as the API domain.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().traffic.requests.clone()
    }

    /// TCP connections accepted so far.
    pub fn connections_accepted(&self) -> u64 {
        self.shared.lock().traffic.connections_accepted
    }

    /// Shows `observer` every request from now on, with the fake's answer.
    pub fn observe(&self, observer: std::sync::Arc<dyn crate::state::ExchangeObserver>) {
        self.shared.lock().traffic.observer = Some(observer);
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.shared.lock().traffic.requests.clear();
    }
}

impl Drop for FakeZoho {
    fn drop(&mut self) {
        // Closing the courier's queue ends its thread once it has posted what was queued.
        self.shared.lock().crm.courier = None;
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A response body that can break the connection after some bytes (injected faults).
struct ReplyBody {
    data: Option<Bytes>,
    fail_after: bool,
}

impl hyper::body::Body for ReplyBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, std::io::Error>>> {
        let this = self.get_mut();
        if let Some(data) = this.data.take().filter(|d| !d.is_empty()) {
            return std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(data))));
        }
        if std::mem::take(&mut this.fail_after) {
            return std::task::Poll::Ready(Some(Err(std::io::Error::other("injected: connection broken mid-body"))));
        }
        std::task::Poll::Ready(None)
    }
}

async fn serve(
    shared: Shared,
    request: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<ReplyBody>, hyper::Error> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await?.to_bytes();
    if parts.uri.path().starts_with(CONTROLS) {
        return Ok(control(&shared, &parts.method, parts.uri.path(), &body));
    }
    let recorded = RecordedRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        raw_query: parts.uri.query().map(str::to_owned),
        query: parts.uri.query().map(parse_query).unwrap_or_default(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
        received_at: std::time::Instant::now(),
    };
    // Zoho counts a call in flight until it is answered, and refuses one past the app's
    // limit for the organization with 429 (docs `api/v8/api-limits.html`, concurrency).
    let _in_flight = InFlight::enter(&shared);
    let over_limit = {
        let mut state = shared.lock();
        let over = state
            .budget
            .concurrency_limit
            .is_some_and(|limit| state.budget.in_flight > limit);
        if over {
            state.budget.concurrency_refusals += 1;
        }
        over
    };
    let (_books_in_flight, books_refusal) = BooksInFlight::enter(&shared, &recorded);
    let mut reply = if over_limit {
        let wording = shared.lock().budget.wording_429;
        wording.reply(crate::state::credits::Refused::Concurrency)
    } else if let Some(refusal) = books_refusal {
        refusal
    } else {
        handle(&shared, recorded)
    };
    match reply.hold.take() {
        Some(Hold::For(delay)) => tokio::time::sleep(delay).await,
        Some(Hold::UntilGathered { gathering, count }) => gathering.gather(count).await,
        None => {}
    }
    let mut response = hyper::Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        response = response.header(name, value);
    }
    let body = match reply.cut_after {
        Some(cut) => {
            // Promise the whole body, deliver part of it, then break the connection.
            response = response.header("content-length", reply.body.len());
            ReplyBody {
                data: Some(reply.body.slice(..cut.min(reply.body.len()))),
                fail_after: true,
            }
        }
        None => ReplyBody {
            data: Some(reply.body),
            fail_after: false,
        },
    };
    Ok(response.body(body).unwrap_or_else(|_| {
        hyper::Response::new(ReplyBody {
            data: None,
            fail_after: false,
        })
    }))
}

/// The controls a test outside this process needs (the hosts', packages' and platforms' tests,
/// which run the binary), under [`CONTROLS`]. Not Zoho's API: neither recorded nor
/// contract-checked.
/// - `POST clock/advance {"seconds": N}` moves the fake's clock by N seconds, as
///   [`FakeZoho::advance_clock`] does, so a trigger test waits on Zoho's clock, not the wall's;
/// - `POST delay {"pathPrefix": P, "milliseconds": M, "times": T}` answers the next T requests
///   under P only after M ms, as [`FakeZoho::inject`] with [`Fault::Delay`] does (a slow Zoho);
/// - `POST tokens/expire {}` makes every access token the fake accepts so far invalid, as an
///   hour passing does, so the next call gets 401 `INVALID_TOKEN` and must refresh.
const CONTROLS: &str = "/__fake/";

fn control(shared: &Shared, method: &hyper::Method, path: &str, body: &[u8]) -> hyper::Response<ReplyBody> {
    let body = serde_json::from_slice::<serde_json::Value>(body).unwrap_or_default();
    let number = |name: &str| body.get(name).and_then(serde_json::Value::as_u64);
    let done = match (method, path.strip_prefix(CONTROLS).unwrap_or_default()) {
        (&hyper::Method::POST, "clock/advance") => body
            .get("seconds")
            .and_then(serde_json::Value::as_i64)
            .map(|seconds| shared.lock().clock.advance(seconds)),
        (&hyper::Method::POST, "delay") => {
            match (body.get("pathPrefix").and_then(|p| p.as_str()), number("milliseconds")) {
                (Some(prefix), Some(milliseconds)) => {
                    let times = number("times").unwrap_or(1);
                    shared.lock().traffic.faults.push(crate::state::InjectedFault {
                        path_prefix: prefix.to_owned(),
                        fault: Fault::Delay(std::time::Duration::from_millis(milliseconds)),
                        trigger: crate::state::Trigger::Count {
                            skip: 0,
                            times: usize::try_from(times).unwrap_or(usize::MAX),
                        },
                    });
                    Some(())
                }
                _ => None,
            }
        }
        (&hyper::Method::POST, "tokens/expire") => {
            shared.lock().accounts.tokens.clear();
            Some(())
        }
        _ => None,
    };
    let mut response = hyper::Response::new(ReplyBody {
        data: None,
        fail_after: false,
    });
    *response.status_mut() = if done.is_some() {
        hyper::StatusCode::NO_CONTENT
    } else {
        hyper::StatusCode::BAD_REQUEST
    };
    response
}

/// One Books call in flight for its organization (the `organization_id` it names), from its
/// arrival until its answer is sent.
struct BooksInFlight {
    shared: Shared,
    organization: String,
}

impl BooksInFlight {
    /// The call entered, and Books' refusal if it passed the plan's calls in flight.
    fn enter(shared: &Shared, request: &RecordedRequest) -> (Option<Self>, Option<Reply>) {
        let organization = match request.query_param("organization_id") {
            Some(organization) if request.path.starts_with("/books/v3/") => organization.to_owned(),
            _ => return (None, None),
        };
        let refusal = shared.lock().books.meter.enter(&organization);
        let entered = BooksInFlight {
            shared: shared.clone(),
            organization,
        };
        (Some(entered), refusal)
    }
}

impl Drop for BooksInFlight {
    fn drop(&mut self) {
        self.shared.lock().books.meter.leave(&self.organization);
    }
}

/// One call in flight, from its arrival until its answer is ready.
struct InFlight(Shared);

impl InFlight {
    fn enter(shared: &Shared) -> Self {
        let mut state = shared.lock();
        state.budget.in_flight += 1;
        state.budget.most_in_flight = state.budget.most_in_flight.max(state.budget.in_flight);
        InFlight(shared.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.budget.in_flight = state.budget.in_flight.saturating_sub(1);
    }
}

/// Records the request, checks the token and routes it; every answer carries the fake clock's
/// `Date`, and the notifications it caused are handed to the courier once it is decided.
pub(crate) fn handle(shared: &Shared, request: RecordedRequest) -> Reply {
    let mut state = shared.lock();
    let observed = state
        .traffic
        .observer
        .clone()
        .map(|observer| (observer, request.clone()));
    state.traffic.fault_fired = false;
    let mut reply = answer(&mut state, request);
    reply
        .headers
        .push(("date".into(), crate::time::http_date(state.clock.now_unix())));
    dispatch(&mut state);
    let injected = state.traffic.fault_fired;
    drop(state);
    if let Some((observer, request)) = observed {
        observer.exchange(&crate::state::Exchange {
            request: &request,
            status: reply.status,
            headers: &reply.headers,
            body: &reply.body,
            injected,
        });
    }
    reply
}

/// Hands queued notifications to the courier (or keeps them, without one).
pub(crate) fn dispatch(state: &mut State) {
    let outbox = std::mem::take(&mut state.crm.outbox);
    match &state.crm.courier {
        Some(courier) => {
            for delivery in outbox {
                let _ = courier.send(delivery);
            }
        }
        None => state.crm.deliveries.extend(outbox),
    }
}

/// Applies the edits armed for this request, if any (users saving records mid-poll).
fn edit_before(state: &mut State, request: &RecordedRequest) {
    let mut due = Vec::new();
    state.traffic.edits_on_request.retain_mut(|edit| {
        if !request.path.starts_with(&edit.path_prefix) {
            return true;
        }
        if edit.skip > 0 {
            edit.skip -= 1;
            return true;
        }
        due.push(edit.clone());
        false
    });
    for edit in due {
        crate::records::edit(state, &edit.module, &edit.id, edit.values);
    }
}

fn answer(state: &mut State, request: RecordedRequest) -> Reply {
    state.traffic.requests.push(request.clone());
    edit_before(state, &request);
    let fired = state
        .traffic
        .faults
        .iter_mut()
        .find_map(|f| (request.path.starts_with(&f.path_prefix) && f.fires()).then(|| f.fault.clone()));
    let Some(fault) = fired else {
        let now = state.clock.now_unix();
        if authorize(state, &request).is_ok()
            && let Some(refusal) = {
                let wording = state.budget.wording_429;
                state.budget.credits.refuse(&request, now, wording)
            }
        {
            return refusal;
        }
        let books_organization = request
            .path
            .starts_with("/books/v3/")
            .then(|| request.query_param("organization_id").map(str::to_owned))
            .flatten()
            .filter(|_| authorize(state, &request).is_ok());
        if let Some(organization) = &books_organization
            && let Some(refusal) = state.books.meter.refuse(organization, now)
        {
            return refusal;
        }
        let reply = route(state, &request);
        state.budget.credits.charge(&request, reply.status, now);
        if let Some(organization) = &books_organization {
            state.books.meter.serve(organization, now);
        }
        return reply;
    };
    state.traffic.fault_fired = true;
    match fault {
        Fault::Status { status, retry_after } => fault_reply(status, retry_after),
        Fault::Answer { status, body } => Reply {
            status,
            headers: vec![("content-type".into(), "application/json;charset=UTF-8".into())],
            body: Bytes::from(body),
            hold: None,
            cut_after: None,
        },
        Fault::Delay(duration) => Reply {
            hold: Some(Hold::For(duration)),
            ..route(state, &request)
        },
        Fault::Gather(count) => Reply {
            hold: Some(Hold::UntilGathered {
                gathering: std::sync::Arc::clone(&state.traffic.gathering),
                count: count.max(1),
            }),
            ..route(state, &request)
        },
        Fault::ResetMidBody => Reply {
            cut_after: Some(0),
            ..route(state, &request)
        },
        Fault::TruncatedBody => {
            let reply = route(state, &request);
            let half = reply.body.len() / 2;
            Reply {
                cut_after: Some(half),
                ..reply
            }
        }
        Fault::MalformedJson => {
            let reply = route(state, &request);
            Reply {
                status: 200,
                body: Bytes::from_static(b"{\"data\":[{\"id\":"),
                ..reply
            }
        }
    }
}

/// A Zoho-shaped error for an injected status.
fn fault_reply(status: u16, retry_after: Option<String>) -> Reply {
    let (code, message) = match status {
        429 => (
            "TOO_MANY_REQUESTS",
            "You have reached the API rate limit. Please try again later.",
        ),
        _ => ("INTERNAL_ERROR", "Internal Server Error"),
    };
    let mut reply = Reply::crm_error(status, code, message, json!({}));
    if let Some(retry_after) = retry_after {
        reply.headers.push(("retry-after".into(), retry_after));
    }
    reply
}

/// Where a request goes: the test echo endpoints, the accounts server, or one of the API
/// rooms (each with the rest of its path).
enum Destination<'p> {
    Echo,
    Binary,
    Accounts(&'p [&'p str]),
    BulkUpload,
    BulkJobs(&'p str, &'p [&'p str]),
    BulkWriteResult { zgid: &'p str, job: &'p str, file: &'p str },
    Crm(&'p [&'p str]),
    Books(&'p [&'p str]),
    Unknown,
}

impl<'p> Destination<'p> {
    fn of(method: &str, segments: &'p [&'p str]) -> Self {
        let api = |product: &str, version: &str| matches!((product, version), ("crm", "v8") | ("books", "v3"));
        match segments {
            [product, version, "__echo", ..] if api(product, version) => Destination::Echo,
            [product, version, "__binary"] if api(product, version) => Destination::Binary,
            ["oauth", "v2", rest @ ..] => Destination::Accounts(rest),
            ["crm", "v8", "upload"] if method == "POST" => Destination::BulkUpload,
            ["crm", "bulk", "v8", kind, rest @ ..] => Destination::BulkJobs(kind, rest),
            ["v2", "crm", zgid, "bulk-write", job, file] if method == "GET" => {
                Destination::BulkWriteResult { zgid, job, file }
            }
            ["crm", "v8", rest @ ..] => Destination::Crm(rest),
            ["books", "v3", rest @ ..] => Destination::Books(rest),
            _ => Destination::Unknown,
        }
    }
}

fn route(state: &mut State, request: &RecordedRequest) -> Reply {
    let segments: Vec<String> = request.path.split('/').skip(1).map(percent_decode).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let destination = Destination::of(&request.method, &segments);
    // Every API room takes a Zoho token; the accounts server is where tokens come from.
    if !matches!(destination, Destination::Accounts(_) | Destination::Unknown)
        && let Err(reply) = authorize(state, request)
    {
        return match destination {
            // Books answers an unusable token in its own envelope.
            Destination::Books(_) => Reply::json(
                401,
                &json!({"code": 57, "message": "You are not authorized to perform this operation"}),
            ),
            _ => reply,
        };
    }
    let answer = match destination {
        Destination::Echo => Some(crate::echo::echo(request)),
        Destination::Binary => Some(crate::echo::binary(request)),
        Destination::Accounts(rest) => {
            let base_url = state.base_url.clone();
            crate::accounts::route(&mut state.accounts, state.next_id, request, rest, &base_url)
        }
        Destination::BulkUpload => Some(crate::bulk_write::upload(state, request)),
        Destination::BulkJobs("read", rest) => crate::bulk_read::route(state, request, rest),
        Destination::BulkJobs("write", rest) => crate::bulk_write::route(state, request, rest),
        Destination::BulkJobs(..) => None,
        Destination::BulkWriteResult { zgid, job, file } => {
            Some(crate::bulk_write::download(state, request, zgid, job, file))
        }
        Destination::Crm(rest) => crm::route(state, request, rest),
        Destination::Books(rest) => books::route(&mut state.books, &state.clock, request, rest),
        Destination::Unknown => None,
    };
    answer.unwrap_or_else(|| unmatched(request))
}

fn authorize(state: &State, request: &RecordedRequest) -> Result<(), Reply> {
    let Some(header) = request.header("authorization") else {
        return Err(Reply::crm_error(
            401,
            "AUTHENTICATION_FAILURE",
            "Authentication failed",
            json!({}),
        ));
    };
    // Zoho takes the access token as `Zoho-oauthtoken {token}` (its SDKs) or as the standard
    // `Bearer {token}` (Zoho accounts docs, "use access token"), which OAuth2 helpers such as
    // n8n's send.
    let token = header
        .strip_prefix("Zoho-oauthtoken ")
        .or_else(|| header.strip_prefix("Bearer "));
    match token {
        Some(token) if state.accounts.tokens.contains(token) && !crate::accounts::expired(&state.accounts, token) => {
            Ok(())
        }
        _ => Err(Reply::crm_error(401, "INVALID_TOKEN", "invalid oauth token", json!({}))),
    }
}

/// Zoho's answer to a URL it does not know, naming the request so a test failure explains itself.
fn unmatched(request: &RecordedRequest) -> Reply {
    Reply::crm_error(
        404,
        "INVALID_URL_PATTERN",
        &format!(
            "Please check if the URL trying to access is a correct one (fake-zoho has no route for {} {})",
            request.method, request.path
        ),
        json!({}),
    )
}

#[cfg(test)]
mod router_tests {
    use std::sync::{Arc, Mutex};

    use serde_json::{Value, json};

    use super::*;
    use serde_json::Map;

    use crate::state::{Shared, State, record_id, time_key};
    use crate::wire;

    /// A fake's state and a way to send it requests without a network.
    fn fake() -> (Shared, String) {
        let token = "1000.test.token".to_owned();
        (Shared(Arc::new(Mutex::new(State::new(token.clone())))), token)
    }

    fn send(shared: &Shared, token: &str, method: &str, path_and_query: &str, body: Option<Value>) -> (u16, Value) {
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let request = RecordedRequest {
            method: method.into(),
            path: path.into(),
            raw_query: Some(query.into()),
            query: wire::parse_query(query),
            headers: vec![("authorization".into(), format!("Zoho-oauthtoken {token}"))],
            body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
            received_at: std::time::Instant::now(),
        };
        let reply = handle(shared, request);
        (reply.status, serde_json::from_slice(&reply.body).unwrap_or(Value::Null))
    }

    #[test]
    fn the_token_is_taken_as_zoho_oauthtoken_or_bearer_and_nothing_else() {
        let (shared, token) = fake();
        let with = |authorization: String| {
            let request = RecordedRequest {
                method: "GET".into(),
                path: "/crm/v8/org".into(),
                raw_query: None,
                query: Vec::new(),
                headers: vec![("authorization".into(), authorization)],
                body: Vec::new(),
                received_at: std::time::Instant::now(),
            };
            handle(&shared, request).status
        };
        assert_eq!(with(format!("Zoho-oauthtoken {token}")), 200);
        assert_eq!(with(format!("Bearer {token}")), 200);
        assert_eq!(with(format!("Basic {token}")), 401);
        assert_eq!(with("Bearer 1000.not.issued".into()), 401);
    }

    fn seed_leads(shared: &Shared, n: usize) {
        let mut state = shared.lock();
        for i in 0..n {
            crate::records::insert(
                &mut state,
                "Leads",
                json!({"Last_Name": format!("L{i}")})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            );
        }
    }

    /// Walks a module by page tokens, sorted by `sort_by`; the names seen, in order.
    fn walk_names(shared: &Shared, token: &str, sort_by: &str, order: &str, insert_midway: bool) -> Vec<String> {
        let mut names = Vec::new();
        let mut query = format!("fields=Last_Name&per_page=7&sort_by={sort_by}&sort_order={order}");
        loop {
            let (status, body) = send(shared, token, "GET", &format!("/crm/v8/Leads?{query}"), None);
            assert_eq!(status, 200, "{body}");
            names.extend(
                body["data"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r["Last_Name"].as_str().map(str::to_owned)),
            );
            if insert_midway && names.len() == 7 {
                seed_leads(shared, 1);
            }
            match body["info"]["next_page_token"].as_str() {
                Some(next) => query = format!("fields=Last_Name&per_page=7&page_token={next}"),
                None => return names,
            }
        }
    }

    #[test]
    fn id_sorted_token_walks_see_every_record_once_in_both_orders() {
        let (shared, token) = fake();
        seed_leads(&shared, 50);
        let ascending: Vec<String> = (0..50).map(|i| format!("L{i}")).collect();
        assert_eq!(walk_names(&shared, &token, "id", "asc", false), ascending);
        let mut descending = ascending.clone();
        descending.reverse();
        assert_eq!(walk_names(&shared, &token, "id", "desc", false), descending);
        // A record added mid-walk (newest id) neither shifts nor repeats a descending walk.
        assert_eq!(walk_names(&shared, &token, "id", "desc", true), descending);
        // Page numbers agree with tokens.
        let (_, second) = send(
            &shared,
            &token,
            "GET",
            "/crm/v8/Leads?fields=Last_Name&per_page=7&page=2&sort_order=asc&sort_by=id",
            None,
        );
        assert_eq!(second["data"][0]["Last_Name"], "L7");
    }

    #[test]
    fn time_sorted_token_walks_follow_the_index_in_both_orders() {
        let (shared, token) = fake();
        seed_leads(&shared, 30);
        // Give the records varied, partly tied modification times.
        {
            let mut state = shared.lock();
            state.clock.freeze();
            let ids: Vec<String> = state.crm.modules["Leads"]
                .records
                .iter()
                .map(|r| record_id(r).to_owned())
                .collect();
            for (i, id) in ids.iter().enumerate() {
                // Seconds 0..10 in a scrambled order, so several records share a second.
                let at = i64::try_from((i * 7) % 11).unwrap_or(0);
                state.clock.advance(at);
                crate::records::edit(&mut state, "Leads", id, Map::new());
                state.clock.advance(-at);
            }
        }
        let expected = |descending: bool| {
            let state = shared.lock();
            let mut records: Vec<&Map<String, Value>> = state.crm.modules["Leads"].records.iter().collect();
            records.sort_by_key(|r| time_key(r, "Modified_Time"));
            if descending {
                records.reverse();
            }
            records
                .iter()
                .map(|r| r["Last_Name"].as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        };
        for order in ["asc", "desc"] {
            let names = walk_names(&shared, &token, "Modified_Time", order, false);
            assert_eq!(names, expected(order == "desc"), "{order}");
        }
    }

    #[test]
    fn users_and_org_answer_as_the_sdks_expect() {
        let (shared, token) = fake();
        let (status, body) = send(&shared, &token, "GET", "/crm/v8/users?type=CurrentUser", None);
        assert_eq!(status, 200);
        assert_eq!(body["users"].as_array().map(Vec::len), Some(1));
        assert_eq!(body["users"][0]["id"], shared.lock().crm.user["id"]);
        let (status, body) = send(&shared, &token, "GET", "/crm/v8/users?type=Everyone", None);
        assert_eq!((status, body["code"].as_str()), (400, Some("INVALID_DATA")));
        let (status, body) = send(&shared, &token, "GET", "/crm/v8/org", None);
        assert_eq!(status, 200);
        assert_eq!(body["org"][0]["company_name"], "Zylker");
    }

    #[test]
    fn bad_or_missing_tokens_are_401_in_zoho_shape() {
        let (shared, _) = fake();
        let (status, body) = send(&shared, "wrong", "GET", "/crm/v8/Leads?fields=Last_Name", None);
        assert_eq!((status, body["code"].as_str()), (401, Some("INVALID_TOKEN")));
        assert_eq!(body["status"], "error");
    }

    #[test]
    fn lists_need_fields_and_an_empty_module_is_204() {
        let (shared, token) = fake();
        let (status, body) = send(&shared, &token, "GET", "/crm/v8/Leads", None);
        assert_eq!((status, body["code"].as_str()), (400, Some("REQUIRED_PARAM_MISSING")));
        assert_eq!(body["details"]["param_name"], "fields");
        assert_eq!(
            send(&shared, &token, "GET", "/crm/v8/Leads?fields=Last_Name", None).0,
            204
        );
    }

    #[test]
    fn unknown_modules_and_routes_have_zoho_errors() {
        let (shared, token) = fake();
        let (status, body) = send(&shared, &token, "GET", "/crm/v8/Nope?fields=a", None);
        assert_eq!((status, body["code"].as_str()), (400, Some("INVALID_MODULE")));
        let (status, body) = send(&shared, &token, "PATCH", "/crm/v8/Leads/1", None);
        assert_eq!((status, body["code"].as_str()), (404, Some("INVALID_URL_PATTERN")));
        assert!(
            body["message"]
                .as_str()
                .unwrap_or_default()
                .contains("PATCH /crm/v8/Leads/1")
        );
    }

    #[test]
    fn page_numbers_stop_at_2000_records_and_page_tokens_go_on() {
        let (shared, token) = fake();
        seed_leads(&shared, 2100);
        let (status, body) = send(
            &shared,
            &token,
            "GET",
            "/crm/v8/Leads?fields=Last_Name&page=11&per_page=200",
            None,
        );
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("DISCRETE_PAGINATION_LIMIT_EXCEEDED"))
        );
        assert_eq!(body["details"]["limit"], 2000);
        let (status, body) = send(
            &shared,
            &token,
            "GET",
            "/crm/v8/Leads?fields=Last_Name&page=10&per_page=200&sort_order=asc",
            None,
        );
        assert_eq!(status, 200);
        assert_eq!(body["info"]["more_records"], true);
        let next = body["info"]["next_page_token"].as_str().unwrap_or_default().to_owned();
        let (status, body) = send(
            &shared,
            &token,
            "GET",
            &format!("/crm/v8/Leads?fields=Last_Name&per_page=200&page_token={next}"),
            None,
        );
        assert_eq!(status, 200);
        assert_eq!(body["data"].as_array().map(Vec::len), Some(100));
        assert_eq!(body["data"][0]["Last_Name"], "L2000");
        assert_eq!(body["info"]["more_records"], false);
    }

    #[test]
    fn create_reports_each_record_and_status_reflects_the_mix() {
        let (shared, token) = fake();
        let (status, body) = send(
            &shared,
            &token,
            "POST",
            "/crm/v8/Leads",
            Some(
                json!({"data": [{"Last_Name": "A", "Email": "a@x.example"}, {"Company": "no name"}, {"Last_Name": "B", "Email": "bad"}, {"Last_Name": "C", "Email": "a@x.example"}]}),
            ),
        );
        assert_eq!(status, 207);
        let codes: Vec<&str> = body["data"]
            .as_array()
            .map(|d| d.iter().filter_map(|e| e["code"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            codes,
            ["SUCCESS", "MANDATORY_NOT_FOUND", "INVALID_DATA", "DUPLICATE_DATA"]
        );
        assert!(body["data"][0]["details"]["id"].is_string());
        assert_eq!(shared.lock().crm.modules["Leads"].records.len(), 1);
    }

    #[test]
    fn more_than_100_records_in_one_write_is_refused_whole() {
        let (shared, token) = fake();
        let data: Vec<Value> = (0..101).map(|i| json!({"Last_Name": format!("L{i}")})).collect();
        let (status, body) = send(&shared, &token, "POST", "/crm/v8/Leads", Some(json!({"data": data})));
        assert_eq!((status, body["code"].as_str()), (400, Some("LIMIT_EXCEEDED")));
        assert!(shared.lock().crm.modules["Leads"].records.is_empty());
    }

    #[test]
    fn get_update_delete_round_trip() {
        let (shared, token) = fake();
        seed_leads(&shared, 1);
        let id = shared.lock().crm.modules["Leads"].records[0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let (status, body) = send(
            &shared,
            &token,
            "PUT",
            &format!("/crm/v8/Leads/{id}"),
            Some(json!({"data": [{"Company": "Zylker"}]})),
        );
        assert_eq!(
            (status, body["data"][0]["message"].as_str()),
            (200, Some("record updated"))
        );
        let (status, body) = send(
            &shared,
            &token,
            "GET",
            &format!("/crm/v8/Leads/{id}?fields=Company"),
            None,
        );
        assert_eq!(status, 200);
        assert_eq!(body["data"][0], json!({"id": id, "Company": "Zylker"}));
        let (status, _) = send(&shared, &token, "DELETE", &format!("/crm/v8/Leads/{id}"), None);
        assert_eq!(status, 200);
        let (status, body) = send(&shared, &token, "GET", &format!("/crm/v8/Leads/{id}"), None);
        assert_eq!(
            (status, body["message"].as_str()),
            (400, Some("the id given seems to be invalid"))
        );
    }

    #[test]
    fn every_request_is_recorded() {
        let (shared, token) = fake();
        send(&shared, &token, "GET", "/crm/v8/Leads?fields=Last_Name%2CEmail", None);
        let recorded = shared.lock().traffic.requests.clone();
        assert_eq!(recorded.len(), 1);
        assert_eq!(recorded[0].query_param("fields"), Some("Last_Name,Email"));
    }
}
