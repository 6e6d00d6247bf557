//! The accounts server's state: OAuth clients, grant codes, refresh tokens, issued access
//! tokens and the refresh throttle.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// The accounts server's state.
#[derive(Debug)]
pub(crate) struct AccountsState {
    /// Access tokens the API rooms accept (issued here, or given to the fake at start).
    pub tokens: BTreeSet<String>,
    /// client id -> client secret
    pub clients: BTreeMap<String, String>,
    /// grant code -> (client id, already used)
    pub grant_codes: BTreeMap<String, (String, bool)>,
    /// refresh token -> (client id, when each access token was issued from it)
    pub refresh_tokens: BTreeMap<String, (String, Vec<Instant>)>,
    /// access token -> expiry
    pub expiries: BTreeMap<String, Instant>,
    pub lifetime: Duration,
    pub refresh_limit: usize,
    pub refresh_window: Duration,
    /// The `api_domain` to answer with; the fake's own URL when unset.
    pub api_domain: Option<String>,
    /// Answer in the older form: `expires_in` in milliseconds plus `expires_in_sec`.
    pub legacy_expiry: bool,
    pub issued: u64,
}

impl AccountsState {
    pub fn new(token: String) -> Self {
        AccountsState {
            tokens: BTreeSet::from([token]),
            clients: BTreeMap::new(),
            grant_codes: BTreeMap::new(),
            refresh_tokens: BTreeMap::new(),
            expiries: BTreeMap::new(),
            lifetime: Duration::from_secs(3600),
            refresh_limit: 10,
            refresh_window: Duration::from_secs(600),
            api_domain: None,
            legacy_expiry: false,
            issued: 0,
        }
    }
}
