//! What calls spent at Zoho: HTTP requests sent, CRM credits charged by Zoho's table
//! (`zoho-facts` `credits`), and Books requests. Zoho meters a CRM organization's credits, and
//! a Books organization's requests (a daily allowance by plan: Free 1,000, Standard 2,000,
//! Professional 5,000, higher plans 10,000; `zoho-facts` `books_limits`), so those are what an
//! embedder sizes its triggers and flows against.

use std::sync::atomic::{AtomicU64, Ordering};

/// Requests and credits, added up as requests are answered.
#[derive(Debug, Default)]
pub struct CallStats {
    requests: AtomicU64,
    credits: AtomicU64,
    books_requests: AtomicU64,
}

/// Where Books requests go, on any API domain.
pub(crate) const BOOKS_PATH: &str = "/books/v3/";

impl CallStats {
    /// HTTP requests sent (through the allowlist; denied ones are not counted).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// CRM credits the answered requests cost by Zoho's table (Books is not metered in them).
    pub fn credits(&self) -> u64 {
        self.credits.load(Ordering::Relaxed)
    }

    /// Books requests sent, each one of its organization's daily allowance.
    pub fn books_requests(&self) -> u64 {
        self.books_requests.load(Ordering::Relaxed)
    }

    pub(crate) fn count_books_request(&self) {
        self.books_requests.fetch_add(1, Ordering::Relaxed);
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
        write!(
            f,
            "requests {}, credits {}, books requests {}",
            self.requests(),
            self.credits(),
            self.books_requests()
        )
    }
}
