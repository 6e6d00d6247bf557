//! Zoho's credit meter: every answered CRM call is charged by Zoho's table (`zoho-facts`
//! `credits`, with its sources) against the organization's allowance over a rolling 24 hours
//! of the fake's clock. Once a call would pass the allowance, Zoho answers HTTP 429
//! `TOO_MANY_REQUESTS`, charging nothing; how that 429 is worded is [`Wording429`]'s.

use std::collections::VecDeque;

use serde_json::json;

use crate::reply::Reply;
use crate::request::RecordedRequest;

/// The organization's budget: its credits, and its calls in flight against Zoho's concurrency
/// limit for the app.
#[derive(Debug, Default)]
pub(crate) struct Budget {
    pub credits: Meter,
    /// Calls in flight now, the most seen at once, the limit (none: unlimited) and the calls
    /// refused for passing it.
    pub in_flight: usize,
    pub most_in_flight: usize,
    pub concurrency_limit: Option<usize>,
    pub concurrency_refusals: usize,
    /// How the 429s for spent credits and for too many calls in flight are worded.
    pub wording_429: Wording429,
}

/// How the fake words a 429. Zoho documents no 429 body for CRM v8: its status-codes page
/// (docs `api/v8/status-codes.html`) describes 429 `TOO_MANY_REQUESTS` with one sentence for
/// both causes, "Number of API requests for the 24 hour period is exceeded or the concurrency
/// limit of the user for the app is exceeded", and the v8 OpenAPI documents list no 429
/// answer. So the fake can play either plausible reading, and the product must be right
/// under both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Wording429 {
    /// That one sentence for either cause, as the documentation gives it (the default).
    #[default]
    Documented,
    /// Each cause its own half of the sentence: what Zoho would send if the description lists
    /// two messages.
    PerCause,
}

/// Why a call was refused with 429.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    Credits,
    Concurrency,
}

const DOCUMENTED_429: &str = "Number of API requests for the 24 hour period is exceeded or the concurrency limit of the user for the app is exceeded";

impl Wording429 {
    pub(crate) fn reply(self, why: Refused) -> Reply {
        let message = match (self, why) {
            (Wording429::Documented, _) => DOCUMENTED_429,
            (Wording429::PerCause, Refused::Credits) => "Number of API requests for the 24 hour period is exceeded",
            (Wording429::PerCause, Refused::Concurrency) => "the concurrency limit of the user for the app is exceeded",
        };
        Reply::crm_error(429, "TOO_MANY_REQUESTS", message, json!({}))
    }
}

/// The organization's credits: what was charged when, and the allowance (none: unlimited).
#[derive(Debug, Default)]
pub(crate) struct Meter {
    pub(crate) charges: VecDeque<(i64, u32)>,
    pub allowance: Option<u64>,
    /// Every credit charged since the fake started (or the meter was reset), window or not.
    pub charged_ever: u64,
}

impl Meter {
    /// Credits charged within the window ending at `now`.
    pub fn used(&mut self, now: i64) -> u64 {
        while self.charges.front().is_some_and(|(at, _)| *at <= now - WINDOW_SECONDS) {
            self.charges.pop_front();
        }
        self.charges.iter().map(|(_, credits)| u64::from(*credits)).sum()
    }

    /// The 429 Zoho answers when `request` would pass the allowance, or `None` (and nothing
    /// charged yet) when it may go on.
    pub fn refuse(&mut self, request: &RecordedRequest, now: i64, wording: Wording429) -> Option<Reply> {
        let credits = cost(request)?;
        let allowance = self.allowance?;
        (self.used(now) + u64::from(credits) > allowance).then(|| wording.reply(Refused::Credits))
    }

    /// Charges an answered request.
    pub fn charge(&mut self, request: &RecordedRequest, status: u16, now: i64) {
        // A refused token, a refusal for credits or a server failure is not a served call.
        if matches!(status, 401 | 429) || status >= 500 {
            return;
        }
        if let Some(credits) = cost(request) {
            self.charges.push_back((now, credits));
            self.charged_ever += u64::from(credits);
        }
    }
}

const WINDOW_SECONDS: i64 = 24 * 3600;

fn cost(request: &RecordedRequest) -> Option<u32> {
    zoho_facts::credits::cost(&request.method, &request.path, &request.query, &request.body)
}
