//! Calls in flight per Zoho organization. Zoho caps how many calls one app may have in flight
//! per organization (Free 5, Standard 10, Professional 15, Enterprise 20, Ultimate 25) and,
//! within that, 10 for inserts, updates and upserts of more than 10 records, and answers 429
//! past either (docs `api/v8/api-limits.html`; Kaizen #203). A request past the limit here waits
//! for a slot instead of drawing that 429.
//!
//! Organizations are told apart by API domain and connection (a connection is one user's
//! grant in one organization), and the slots are shared by every call of the harness.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Zoho's in-flight limit for writes of more than [`BULK_WRITE_RECORDS`] records.
pub const WRITE_SUB_LIMIT: u32 = 10;
/// Writes of more records than this count against [`WRITE_SUB_LIMIT`].
pub const BULK_WRITE_RECORDS: usize = 10;
/// The limit when neither the connection nor the harness names one (Standard edition's).
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 10;

/// Calls one Books organization may have in flight when nothing names a limit: the paid plans'.
pub const DEFAULT_BOOKS_MAX_IN_FLIGHT: u32 = zoho_facts::books_limits::DEFAULT_CONCURRENT_CALLS;

/// One organization's slots.
#[derive(Debug)]
struct Slots {
    limit: u32,
    all: Arc<Semaphore>,
    writes: Arc<Semaphore>,
}

/// The slots of every organization the harness has called.
#[derive(Debug, Default)]
pub struct OrgLimits {
    organizations: Mutex<HashMap<String, Slots>>,
}

/// Held while a request is in flight; dropping it frees the slots.
#[derive(Debug)]
pub struct InFlight {
    _permits: Vec<OwnedSemaphorePermit>,
}

impl OrgLimits {
    /// Waits for a slot of `organization` (and a write slot for a write of many records).
    /// The first call names the organization's limit; a later call with another limit
    /// replaces its slots, so a changed setting takes effect.
    pub async fn acquire(&self, organization: &str, limit: u32, bulk_write: bool) -> InFlight {
        let limit = limit.max(1);
        let (all, writes) = {
            let mut organizations = self.organizations.lock().unwrap_or_else(PoisonError::into_inner);
            let slots = organizations
                .entry(organization.to_owned())
                .or_insert_with(|| Slots::new(limit));
            if slots.limit != limit {
                *slots = Slots::new(limit);
            }
            (Arc::clone(&slots.all), Arc::clone(&slots.writes))
        };
        let mut permits = Vec::with_capacity(2);
        // The write slot first: a write waiting for one holds no general slot meanwhile.
        if bulk_write && let Ok(permit) = writes.acquire_owned().await {
            permits.push(permit);
        }
        if let Ok(permit) = all.acquire_owned().await {
            permits.push(permit);
        }
        InFlight { _permits: permits }
    }
}

impl Slots {
    fn new(limit: u32) -> Self {
        let slots = |n: u32| Arc::new(Semaphore::new(usize::try_from(n).unwrap_or(1)));
        Slots {
            limit,
            all: slots(limit),
            writes: slots(limit.min(WRITE_SUB_LIMIT)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_organization_never_has_more_in_flight_than_its_limit() {
        let limits = Arc::new(OrgLimits::default());
        let held: Vec<InFlight> = take(&limits, "a", 3).await;
        assert_eq!(held.len(), 3);
        // A fourth waits until one is freed; another organization does not.
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), limits.acquire("a", 3, false)).await;
        assert!(waiting.is_err(), "a fourth call waited");
        let other = tokio::time::timeout(std::time::Duration::from_millis(50), limits.acquire("b", 3, false)).await;
        assert!(other.is_ok(), "another organization has its own slots");
        drop(held);
        let freed = tokio::time::timeout(std::time::Duration::from_millis(50), limits.acquire("a", 3, false)).await;
        assert!(freed.is_ok());
    }

    async fn take(limits: &OrgLimits, organization: &str, count: usize) -> Vec<InFlight> {
        let mut held = Vec::new();
        for _ in 0..count {
            held.push(limits.acquire(organization, 3, false).await);
        }
        held
    }
}

/// Zoho Books' limits per organization, kept apart from CRM's: calls in flight (Free 5, paid
/// plans 10, a soft limit) and 100 requests a minute, each refused with a 429 past it (docs
/// `books/api/v3/introduction`, "API Call Limit"; `zoho-facts` `books_limits`). A Books
/// request here waits for both rather than draw the 429, which for the per-minute limit blocks
/// the organization for the rest of its minute.
#[derive(Debug, Default)]
pub struct BooksPacing {
    slots: OrgLimits,
    /// When each organization's requests of the last minute were let through.
    minutes: Mutex<HashMap<String, VecDeque<tokio::time::Instant>>>,
}

const MINUTE: Duration = Duration::from_secs(60);

impl BooksPacing {
    /// Waits until `organization` (its API domain and Books organization id) has had fewer
    /// than Books' per-minute limit of requests in the last minute and a call slot is free.
    pub async fn acquire(&self, organization: &str, max_in_flight: u32) -> InFlight {
        let per_minute = usize::try_from(zoho_facts::books_limits::REQUESTS_PER_MINUTE).unwrap_or(100);
        loop {
            let wait_until = {
                let mut minutes = self.minutes.lock().unwrap_or_else(PoisonError::into_inner);
                let started = minutes.entry(organization.to_owned()).or_default();
                let now = tokio::time::Instant::now();
                while started.front().is_some_and(|t| now.duration_since(*t) >= MINUTE) {
                    started.pop_front();
                }
                if started.len() < per_minute {
                    started.push_back(now);
                    None
                } else {
                    started.front().map(|oldest| *oldest + MINUTE)
                }
            };
            match wait_until {
                None => break,
                Some(until) => tokio::time::sleep_until(until).await,
            }
        }
        self.slots.acquire(organization, max_in_flight, false).await
    }
}

#[cfg(test)]
mod books_pacing_tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn books_requests_past_a_hundred_a_minute_wait_for_the_minute() {
        let pacing = BooksPacing::default();
        let start = tokio::time::Instant::now();
        for _ in 0..100 {
            drop(pacing.acquire("eu/600", 10).await);
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "the first hundred go at once");
        drop(pacing.acquire("eu/600", 10).await);
        assert_eq!(start.elapsed(), MINUTE, "the 101st waits for the minute");
        drop(pacing.acquire("eu/700", 10).await);
        assert_eq!(start.elapsed(), MINUTE, "another organization does not wait");
    }

    #[tokio::test(start_paused = true)]
    async fn books_calls_in_flight_wait_for_a_slot() {
        let pacing = Arc::new(BooksPacing::default());
        let held: Vec<InFlight> = futures_hold(&pacing, 5).await;
        let waiting = {
            let pacing = Arc::clone(&pacing);
            tokio::spawn(async move { pacing.acquire("eu/600", 5).await })
        };
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(!waiting.is_finished(), "a sixth call waits while five are in flight");
        drop(held);
        waiting.await.expect("the sixth call runs once a slot is free");
    }

    async fn futures_hold(pacing: &BooksPacing, n: usize) -> Vec<InFlight> {
        let mut held = Vec::new();
        for _ in 0..n {
            held.push(pacing.acquire("eu/600", 5).await);
        }
        held
    }
}
