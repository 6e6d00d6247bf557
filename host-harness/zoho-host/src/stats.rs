//! What calls spent at Zoho: HTTP requests sent, and CRM credits charged by Zoho's table
//! (`zoho-facts` `credits`). Zoho meters an organization's credits, not its requests, so the
//! credits are what an embedder sizes its triggers and flows against.

use std::sync::atomic::{AtomicU64, Ordering};

/// Requests and credits, added up as requests are answered.
#[derive(Debug, Default)]
pub struct CallStats {
    requests: AtomicU64,
    credits: AtomicU64,
}

impl CallStats {
    /// HTTP requests sent (through the allowlist; denied ones are not counted).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// CRM credits the answered requests cost by Zoho's table (Books is not metered in them).
    pub fn credits(&self) -> u64 {
        self.credits.load(Ordering::Relaxed)
    }

    pub(crate) fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add_credits(&self, credits: u32) {
        self.credits.fetch_add(u64::from(credits), Ordering::Relaxed);
    }
}

impl std::fmt::Display for CallStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "requests {}, credits {}", self.requests(), self.credits())
    }
}
