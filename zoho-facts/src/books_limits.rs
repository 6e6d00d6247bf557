//! Zoho Books' request limits, per organization, and the errors Books answers past each.
//!
//! Source: the Books API introduction, "API Call Limit" (docs `books/api/v3/introduction`):
//! "You can make 100 requests per minute per organization"; per day by plan, "Free Plan - 1000
//! API requests/day, Standard Plan - 2000, Professional Plan - 5000, Premium Plan - 10000,
//! Elite Plan - 10000, Ultimate Plan - 10000" (also Zoho's KB `books/kb/automation/
//! per-day-api-limit`, which adds that Zoho raises it on request); "The concurrent rate limiter
//! is the maximum number of API calls that can be simultaneously active for an organization":
//! "Free Plan - 5 concurrent calls, Paid Plans - 10 concurrent calls (soft limit)". Each is
//! answered with HTTP 429 and the codes and messages below, which the same page shows.
//!
//! Not documented: whether "per day" is a calendar day (in which time zone) or a rolling 24
//! hours, and whether refused requests count. The component never relies on either: a spent
//! daily allowance is returned at once, whenever it is reached.

/// Requests per minute per organization, on every plan.
pub const REQUESTS_PER_MINUTE: u32 = 100;

/// Books' code for passing the per-minute limit.
pub const PER_MINUTE_CODE: i64 = 44;
/// Books' message for it, as the introduction shows it for API customers (its grammar).
pub const PER_MINUTE_MESSAGE: &str = "For security reasons your organization has been blocked as it have exceeded the maximum number of requests per minute that can originate from an organization.";
/// Books' code for a spent daily allowance.
pub const DAILY_CODE: i64 = 45;
/// Books' code for too many calls in flight.
pub const CONCURRENCY_CODE: i64 = 1070;
/// Books' message for it.
pub const CONCURRENCY_MESSAGE: &str =
    "You have reached the maximum number of in process requests allowed. Kindly try again after some time.";

/// Books' message for a spent daily allowance of `limit` requests.
pub fn daily_message(limit: u32) -> String {
    format!("The API call for this organization has exceeded the maximum call rate limit of {limit}.")
}

/// A Zoho Books subscription plan, as the limits name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BooksPlan {
    Free,
    Standard,
    Professional,
    Premium,
    Elite,
    Ultimate,
}

impl BooksPlan {
    /// Requests per day for one organization.
    pub fn requests_per_day(self) -> u32 {
        match self {
            BooksPlan::Free => 1_000,
            BooksPlan::Standard => 2_000,
            BooksPlan::Professional => 5_000,
            BooksPlan::Premium | BooksPlan::Elite | BooksPlan::Ultimate => 10_000,
        }
    }

    /// Calls one organization may have in flight at once.
    pub fn concurrent_calls(self) -> u32 {
        match self {
            BooksPlan::Free => 5,
            _ => 10,
        }
    }
}

/// The most calls in flight a client should allow itself for an organization whose plan it
/// does not know: the paid plans' soft limit.
pub const DEFAULT_CONCURRENT_CALLS: u32 = 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plans_limits_as_zoho_lists_them() {
        assert_eq!(BooksPlan::Free.requests_per_day(), 1_000);
        assert_eq!(BooksPlan::Standard.requests_per_day(), 2_000);
        assert_eq!(BooksPlan::Ultimate.requests_per_day(), 10_000);
        assert_eq!(BooksPlan::Free.concurrent_calls(), 5);
        assert_eq!(BooksPlan::Professional.concurrent_calls(), 10);
        assert!(daily_message(1_000).ends_with("maximum call rate limit of 1000."));
    }
}
