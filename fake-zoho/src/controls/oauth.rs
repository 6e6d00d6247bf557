//! The accounts server's test controls: access tokens the API accepts, OAuth clients, grant
//! codes and refresh tokens, token lifetimes and Zoho's refresh throttle.

use crate::FakeZoho;
use crate::request::RecordedRequest;

impl FakeZoho {
    /// An access token the fake accepts.
    pub fn access_token(&self) -> String {
        self.token.clone()
    }

    /// Makes `token` valid as well (e.g. the token a refresh would return).
    pub fn add_token(&self, token: &str) {
        self.shared.lock().accounts.tokens.insert(token.to_owned());
    }

    /// Makes `token` invalid, as if it expired: requests carrying it get 401 `INVALID_TOKEN`.
    pub fn revoke_token(&self, token: &str) {
        self.shared.lock().accounts.tokens.remove(token);
    }

    /// Registers an OAuth client the accounts server accepts.
    pub fn register_client(&self, client_id: &str, client_secret: &str) {
        self.shared
            .lock()
            .accounts
            .clients
            .insert(client_id.to_owned(), client_secret.to_owned());
    }

    /// A one-time grant code for a registered client (what Zoho's Self Client console shows).
    pub fn issue_grant_code(&self, client_id: &str) -> String {
        let mut state = self.shared.lock();
        state.accounts.issued += 1;
        let code = format!("1000.grant{:08x}", state.accounts.issued);
        state
            .accounts
            .grant_codes
            .insert(code.clone(), (client_id.to_owned(), false));
        code
    }

    /// A refresh token for a registered client, as if a grant code had been exchanged.
    pub fn issue_refresh_token(&self, client_id: &str) -> String {
        let mut state = self.shared.lock();
        state.accounts.issued += 1;
        let token = format!(
            "1000.refresh{:08x}.{:x}",
            state.accounts.issued,
            state.next_id.wrapping_add(0x5eed)
        );
        state
            .accounts
            .refresh_tokens
            .insert(token.clone(), (client_id.to_owned(), Vec::new()));
        token
    }

    /// Whether a refresh token is still valid (not revoked).
    pub fn refresh_token_valid(&self, token: &str) -> bool {
        self.shared.lock().accounts.refresh_tokens.contains_key(token)
    }

    /// How long issued access tokens live (default one hour).
    pub fn set_token_lifetime(&self, lifetime: std::time::Duration) {
        self.shared.lock().accounts.lifetime = lifetime;
    }

    /// How many access tokens one refresh token may get per window (Zoho: 10 per 10 minutes).
    pub fn set_refresh_limit(&self, count: usize) {
        self.shared.lock().accounts.refresh_limit = count;
    }

    /// The `api_domain` token answers name (default: this fake's own URL).
    pub fn set_oauth_api_domain(&self, api_domain: &str) {
        self.shared.lock().accounts.api_domain = Some(api_domain.to_owned());
    }

    /// Answer with the older expiry form (`expires_in` in ms plus `expires_in_sec`).
    pub fn set_legacy_expiry(&self, legacy: bool) {
        self.shared.lock().accounts.legacy_expiry = legacy;
    }

    /// Expires every access token issued so far, as if an hour passed.
    pub fn expire_access_tokens(&self) {
        let mut state = self.shared.lock();
        let now = std::time::Instant::now();
        for at in state.accounts.expiries.values_mut() {
            *at = now;
        }
    }

    /// Requests received by the token endpoint (every grant), for counting refreshes.
    pub fn token_requests(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == "/oauth/v2/token")
            .collect()
    }
}
