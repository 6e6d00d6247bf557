//! The inputs every action and trigger accepts (debug, retries, timeout; the Books
//! organization), and the call options they set.

use std::time::Duration;

use super::host::CallOptions;
use super::inputs::{InputSpec, InputType, Inputs};
use super::retry::RetryPolicy;

/// `own` inputs, then the shared ones they do not redefine (the raw request declares its own
/// `maxRetries` default and `timeout`).
pub(crate) fn with_common_inputs(own: &[InputSpec]) -> Vec<InputSpec> {
    let shared = COMMON_INPUTS
        .iter()
        .filter(|common| !own.iter().any(|mine| mine.name == common.name));
    own.iter().chain(shared).copied().collect()
}

/// Inputs every action (and every trigger) accepts.
pub(crate) const COMMON_INPUTS: &[InputSpec] = &[
    InputSpec::optional(
        "debugRequest",
        "Debug Request",
        InputType::Boolean,
        "Report each HTTP exchange (Authorization redacted, large and binary bodies elided) through the host's log.",
    )
    .default("false"),
    InputSpec::optional(
        "maxRetries",
        "Max Retries",
        InputType::Integer { min: 0, max: 10 },
        "Retries on 429 (after Retry-After), 5xx and network failures; writes that could duplicate a record are retried only when Zoho certainly did not apply them.",
    )
    .default("3"),
    InputSpec::optional(
        "timeout",
        "Timeout",
        InputType::Integer { min: 1, max: 600_000 },
        "Milliseconds each attempt may take.",
    )
    .default("30000"),
];

/// The per-call settings of the shared inputs (`debugRequest`, `timeout`, `maxRetries`).
pub(crate) fn call_options(inputs: &Inputs) -> CallOptions {
    let defaults = CallOptions::default();
    CallOptions {
        debug: inputs.flag("debugRequest"),
        attempt_timeout: inputs
            .u32("timeout")
            .map_or(defaults.attempt_timeout, |ms| Duration::from_millis(ms.into())),
        retry: RetryPolicy {
            max_retries: inputs.u32("maxRetries").unwrap_or(defaults.retry.max_retries),
            ..defaults.retry
        },
        ..defaults
    }
}

/// The Books organization input, shared by Books actions and Books triggers.
pub(crate) const ORGANIZATION_ID: InputSpec = InputSpec::optional(
    "organizationId",
    "Organization ID",
    InputType::Id,
    "The Books organization; defaults to the connection's, or the only one the user belongs to.",
)
.example("\"10234695\"")
.choices(&super::choices::BOOKS_ORGANIZATIONS);
