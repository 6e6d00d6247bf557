//! Books' request limits per organization (`zoho-facts` `books_limits`: 100 requests a minute,
//! a daily allowance and calls in flight by plan), played when a test names a plan. Unset, the
//! default, Books never refuses, as the CRM credit meter never does without an allowance.
//!
//! Zoho does not say whether "per day" is a calendar day or a rolling 24 hours, nor whether a
//! refused request counts: the fake counts the requests it answered over the last 24 hours of
//! its clock.

use std::collections::{BTreeMap, VecDeque};

use serde_json::json;
use zoho_facts::books_limits::{self, BooksPlan};

use crate::reply::Reply;

#[derive(Debug, Default)]
pub(crate) struct BooksMeter {
    pub plan: Option<BooksPlan>,
    /// When each organization's answered requests arrived, over the last day.
    served: BTreeMap<String, VecDeque<i64>>,
    /// Each organization's calls in flight.
    in_flight: BTreeMap<String, usize>,
    /// Refusals so far, by Books' code.
    pub refusals: BTreeMap<i64, usize>,
}

const DAY: i64 = 86_400;
const MINUTE: i64 = 60;

impl BooksMeter {
    /// Books' refusal of a request for `organization` arriving at `now`, if a limit is passed.
    pub fn refuse(&mut self, organization: &str, now: i64) -> Option<Reply> {
        let plan = self.plan?;
        let served = self.served.entry(organization.to_owned()).or_default();
        while served.front().is_some_and(|t| *t <= now - DAY) {
            served.pop_front();
        }
        let today = served.len();
        let this_minute = served.iter().rev().take_while(|t| **t > now - MINUTE).count();
        let daily = plan.requests_per_day();
        let (code, message) = if today >= usize::try_from(daily).unwrap_or(usize::MAX) {
            (books_limits::DAILY_CODE, books_limits::daily_message(daily))
        } else if this_minute >= usize::try_from(books_limits::REQUESTS_PER_MINUTE).unwrap_or(usize::MAX) {
            (
                books_limits::PER_MINUTE_CODE,
                books_limits::PER_MINUTE_MESSAGE.to_owned(),
            )
        } else {
            return None;
        };
        *self.refusals.entry(code).or_default() += 1;
        Some(refusal(code, &message))
    }

    /// Counts an answered request.
    pub fn serve(&mut self, organization: &str, now: i64) {
        if self.plan.is_some() {
            self.served.entry(organization.to_owned()).or_default().push_back(now);
        }
    }

    /// Counts a call arriving for `organization`; Books' refusal if the plan's calls in flight
    /// are passed. Every call entered is left with [`Self::leave`].
    pub fn enter(&mut self, organization: &str) -> Option<Reply> {
        let in_flight = self.in_flight.entry(organization.to_owned()).or_default();
        *in_flight += 1;
        let limit = self.plan.map(BooksPlan::concurrent_calls)?;
        if *in_flight > usize::try_from(limit).unwrap_or(usize::MAX) {
            *self.refusals.entry(books_limits::CONCURRENCY_CODE).or_default() += 1;
            return Some(refusal(
                books_limits::CONCURRENCY_CODE,
                books_limits::CONCURRENCY_MESSAGE,
            ));
        }
        None
    }

    pub fn leave(&mut self, organization: &str) {
        if let Some(in_flight) = self.in_flight.get_mut(organization) {
            *in_flight = in_flight.saturating_sub(1);
        }
    }

    /// Counts `count` requests for `organization` as answered at `at` (use made before the
    /// test began, without sending it).
    pub fn spend(&mut self, organization: &str, count: usize, at: i64) {
        let served = self.served.entry(organization.to_owned()).or_default();
        served.extend(std::iter::repeat_n(at, count));
        served.make_contiguous().sort_unstable();
    }

    /// Requests answered for `organization` over the 24 hours before `now`.
    pub fn served_today(&self, organization: &str, now: i64) -> usize {
        self.served
            .get(organization)
            .map_or(0, |served| served.iter().filter(|t| **t > now - DAY).count())
    }
}

/// Books' 429, as the introduction shows it: no `Retry-After`.
fn refusal(code: i64, message: &str) -> Reply {
    Reply::json(429, &json!({"code": code, "message": message}))
}
