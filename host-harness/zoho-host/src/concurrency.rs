//! Calls in flight per Zoho organization. Zoho caps how many calls one app may have in flight
//! per organization (Free 5, Standard 10, Professional 15, Enterprise 20, Ultimate 25) and,
//! within that, 10 for inserts, updates and upserts of more than 10 records, and answers 429
//! past either (docs `api/v8/api-limits.html`; Kaizen #203). A request past the limit here waits
//! for a slot instead of drawing that 429.
//!
//! Organizations are told apart by API domain and connection (a connection is one user's
//! grant in one organization), and the slots are shared by every call of the harness.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Zoho's in-flight limit for writes of more than [`BULK_WRITE_RECORDS`] records.
pub const WRITE_SUB_LIMIT: u32 = 10;
/// Writes of more records than this count against [`WRITE_SUB_LIMIT`].
pub const BULK_WRITE_RECORDS: usize = 10;
/// The limit when neither the connection nor the harness names one (Standard edition's).
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 10;

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
