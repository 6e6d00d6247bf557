//! What crossed the wire: every request, the faults a test armed, the edits it scheduled
//! between requests, the connections accepted, and who watches each exchange.

use serde_json::{Map, Value};

use crate::request::RecordedRequest;

/// The server's own record of the traffic, beside every room.
#[derive(Debug, Default)]
pub(crate) struct Traffic {
    pub requests: Vec<RecordedRequest>,
    pub faults: Vec<InjectedFault>,
    /// Whether the answer being built is an injected fault rather than the fake's own.
    pub fault_fired: bool,
    /// Edits applied just before a matching request is handled, to change data mid-poll.
    pub edits_on_request: Vec<EditOnRequest>,
    /// TCP connections accepted so far (keep-alive shows as fewer connections than requests).
    pub connections_accepted: u64,
    /// Shown every request and its answer (a test's contract check).
    pub observer: Option<std::sync::Arc<dyn ExchangeObserver>>,
    /// Where answers held by `Fault::Gather` wait for each other.
    pub gathering: std::sync::Arc<Gathering>,
}

/// Answers held until a number of them have arrived, so a test can know that calls overlap
/// (rather than hope a delay makes them). Each `count`-th arrival releases those waiting.
#[derive(Debug, Default)]
pub struct Gathering {
    arrived: std::sync::atomic::AtomicUsize,
    released: tokio::sync::Notify,
}

impl Gathering {
    /// The longest an answer waits for the others: a client that never sends them (a test
    /// that is failing) still gets its answers.
    const WAIT: std::time::Duration = std::time::Duration::from_secs(10);

    pub(crate) async fn gather(&self, count: usize) {
        let released = self.released.notified();
        tokio::pin!(released);
        // Registered before counting, so the release by the last arrival cannot be missed.
        released.as_mut().enable();
        let arrived = self.arrived.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if arrived.is_multiple_of(count) {
            self.released.notify_waiters();
            return;
        }
        let _ = tokio::time::timeout(Self::WAIT, released).await;
    }
}

/// One request and the fake's answer to it, as an observer sees them.
#[derive(Debug)]
pub struct Exchange<'a> {
    pub request: &'a RecordedRequest,
    pub status: u16,
    /// Header names lower-cased.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    /// The answer is a fault a test injected, not the fake's model of Zoho.
    pub injected: bool,
}

/// Sees every exchange of a fake, e.g. to check it against Zoho's published contract.
pub trait ExchangeObserver: Send + Sync + std::fmt::Debug {
    fn exchange(&self, exchange: &Exchange<'_>);
}

/// An edit a test arms to happen while a client is between requests.
#[derive(Debug, Clone)]
pub(crate) struct EditOnRequest {
    pub path_prefix: String,
    pub skip: usize,
    pub module: String,
    pub id: String,
    pub values: Map<String, Value>,
}

/// A fault the fake answers with instead of (or before) the real answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer this status with a Zoho error body, and `Retry-After` when given (seconds or an
    /// HTTP date, sent as is).
    Status { status: u16, retry_after: Option<String> },
    /// Answer normally, but only after this long.
    Delay(std::time::Duration),
    /// Answer normally, but only once this many such answers are waiting together (at most
    /// 10 s): the calls are then in flight at once, whatever the machine's speed.
    Gather(usize),
    /// Answer exactly this (status and JSON body), e.g. 401 `OAUTH_SCOPE_MISMATCH`.
    Answer { status: u16, body: String },
    /// Process the request, send the status and headers, then reset the connection before
    /// the body: the client cannot know whether its write was applied.
    ResetMidBody,
    /// Process the request, but send only the first half of the body and close.
    TruncatedBody,
    /// Process the request, but answer 200 with a body that is not JSON.
    MalformedJson,
}

/// When an injected fault fires.
#[derive(Debug, Clone)]
pub(crate) enum Trigger {
    /// The next `times` matching requests after skipping `skip` of them.
    Count { skip: usize, times: usize },
    /// Each matching request with this probability, from a seeded generator (at most `left`).
    Random { probability: f64, state: u64, left: usize },
}

/// A fault armed for requests whose path starts with `path_prefix`, `remaining` more times.
#[derive(Debug, Clone)]
pub(crate) struct InjectedFault {
    pub path_prefix: String,
    pub fault: Fault,
    pub trigger: Trigger,
}

impl InjectedFault {
    /// Whether the fault fires for the next matching request.
    pub fn fires(&mut self) -> bool {
        match &mut self.trigger {
            Trigger::Count { skip, .. } if *skip > 0 => {
                *skip -= 1;
                false
            }
            Trigger::Count { times: 0, .. } => false,
            Trigger::Count { times, .. } => {
                *times -= 1;
                true
            }
            Trigger::Random { left: 0, .. } => false,
            Trigger::Random {
                probability,
                state,
                left,
            } => {
                // xorshift64*: deterministic for a seed, good enough to pick failures.
                *state ^= *state >> 12;
                *state ^= *state << 25;
                *state ^= *state >> 27;
                let draw = (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1_u64 << 53) as f64;
                if draw < *probability {
                    *left -= 1;
                    true
                } else {
                    false
                }
            }
        }
    }
}
