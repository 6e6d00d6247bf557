//! The one retry policy every action uses: which outcomes may be retried, and how long to
//! wait before the next attempt (`Retry-After` when Zoho gives it, else exponential backoff
//! with jitter, capped).

use std::time::Duration;

use http::{Method, Response, StatusCode};

use crate::shared::plan::Repeatable;

/// Longest single wait between attempts, whatever `Retry-After` or the backoff says.
pub const MAX_DELAY: Duration = Duration::from_secs(60);

/// How an action retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff delay.
    pub base_delay: Duration,
    /// Double the delay after each attempt (otherwise constant).
    pub exponential: bool,
    /// Also retry 4xx answers other than 401 (the raw request's `retryOnAllErrors`).
    pub retry_on_all_errors: bool,
}

impl RetryPolicy {
    /// What unattended runs want: a few retries with growing waits.
    pub const DEFAULT: RetryPolicy = RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(500),
        exponential: true,
        retry_on_all_errors: false,
    };
}

/// Whether an answer may be retried. 429 always may: Zoho did not process the request. A 5xx
/// (or, when asked, another 4xx) only for requests that are safe to repeat, since Zoho may
/// have applied a write before failing.
pub fn retryable_status(status: StatusCode, repeatable: Repeatable, policy: &RetryPolicy) -> bool {
    if status == StatusCode::TOO_MANY_REQUESTS {
        return true;
    }
    if repeatable == Repeatable::No {
        return false;
    }
    status.is_server_error()
        || (policy.retry_on_all_errors && status.is_client_error() && status != StatusCode::UNAUTHORIZED)
}

/// Whether a method is repeatable on its own (for raw requests, where the caller chose it).
pub fn repeatable_method(method: &Method) -> Repeatable {
    if matches!(*method, Method::GET | Method::PUT | Method::DELETE | Method::HEAD) {
        Repeatable::Yes
    } else {
        Repeatable::No
    }
}

/// The wait before attempt `retry` (1 for the first retry).
pub fn delay(
    response: Option<&Response<Vec<u8>>>,
    retry: u32,
    policy: &RetryPolicy,
    now_unix: u64,
    jitter_seed: u64,
) -> Duration {
    if let Some(wait) = response.and_then(|r| retry_after(r, now_unix)) {
        return wait.min(MAX_DELAY);
    }
    let factor = if policy.exponential {
        2_u32.saturating_pow(retry.saturating_sub(1))
    } else {
        1
    };
    let full = policy.base_delay.saturating_mul(factor).min(MAX_DELAY);
    // Jitter between 50% and 100% of the delay, so many clients backing off together spread out.
    let fraction = 0.5 + (jitter_seed % 1000) as f64 / 2000.0;
    full.mul_f64(fraction)
}

/// `Retry-After` as delta-seconds or an HTTP date.
pub fn retry_after(response: &Response<Vec<u8>>, now_unix: u64) -> Option<Duration> {
    let value = response.headers().get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = crate::shared::time::parse_http_date(value)?;
    Some(Duration::from_secs(at.saturating_sub(now_unix)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_retry_after(value: &str) -> Response<Vec<u8>> {
        Response::builder()
            .status(429)
            .header("retry-after", value)
            .body(Vec::new())
            .expect("valid")
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        assert_eq!(retry_after(&with_retry_after("7"), 0), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after(&with_retry_after("Thu, 01 Jan 1970 00:00:10 GMT"), 4),
            Some(Duration::from_secs(6))
        );
        assert_eq!(
            retry_after(&with_retry_after("Thu, 01 Jan 1970 00:00:10 GMT"), 40),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            ..RetryPolicy::DEFAULT
        };
        for retry in 1..=4 {
            let full = Duration::from_millis(100 * 2_u64.pow(retry - 1));
            for seed in [0, 499, 999] {
                let d = delay(None, retry, &policy, 0, seed);
                assert!(d >= full / 2 && d <= full, "retry {retry}: {d:?}");
            }
        }
        assert!(delay(None, 30, &policy, 0, 999) <= MAX_DELAY);
        let constant = RetryPolicy {
            exponential: false,
            ..policy
        };
        assert!(delay(None, 4, &constant, 0, 999) <= Duration::from_millis(100));
        assert_eq!(
            delay(Some(&with_retry_after("2")), 1, &policy, 0, 0),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn only_safe_outcomes_are_retried() {
        let policy = RetryPolicy::DEFAULT;
        assert!(retryable_status(StatusCode::TOO_MANY_REQUESTS, Repeatable::No, &policy));
        assert!(retryable_status(StatusCode::BAD_GATEWAY, Repeatable::Yes, &policy));
        assert!(!retryable_status(StatusCode::BAD_GATEWAY, Repeatable::No, &policy));
        assert!(!retryable_status(StatusCode::BAD_REQUEST, Repeatable::Yes, &policy));
        let all = RetryPolicy {
            retry_on_all_errors: true,
            ..policy
        };
        assert!(retryable_status(StatusCode::BAD_REQUEST, Repeatable::Yes, &all));
        assert!(!retryable_status(StatusCode::UNAUTHORIZED, Repeatable::Yes, &all));
    }
}
