//! Zoho Accounts: `POST /oauth/v2/token` for the `authorization_code`, `refresh_token` and
//! `client_credentials` grants, `POST /oauth/v2/token/revoke`, access tokens that expire, the
//! refresh throttle (10 access tokens per refresh token per 10 minutes), and Zoho's habit of
//! reporting OAuth errors with HTTP 200. Tokens it issues are the ones the CRM and Books
//! routes accept.

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::json;

use crate::reply::Reply;
use crate::request::RecordedRequest;
use crate::state::State;

fn oauth_error(code: &str) -> Reply {
    // Zoho answers most OAuth errors with HTTP 200 and only an `error` field.
    Reply::json(200, &json!({"error": code}))
}

fn throttled() -> Reply {
    Reply::json(
        400,
        &json!({"error_description": "You have made too many requests continuously. Please try again after some time.", "error": "Access Denied", "status": "failure"}),
    )
}

/// Parameters from the query string and a form body alike, as Zoho accepts both.
fn params(request: &RecordedRequest) -> BTreeMap<String, String> {
    let mut params: BTreeMap<String, String> = request.query.iter().cloned().collect();
    if request
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
    {
        params.extend(crate::wire::parse_query(&String::from_utf8_lossy(&request.body)));
    }
    params
}

fn new_token(state: &mut State, kind: &str) -> String {
    state.accounts.issued += 1;
    format!(
        "1000.{kind}{:08x}.{:016x}",
        state.accounts.issued,
        state.next_id.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ state.accounts.issued
    )
}

fn issue_access_token(state: &mut State, refresh_token: Option<String>, base_url: &str) -> Reply {
    let access = new_token(state, "a");
    let lifetime = state.accounts.lifetime;
    state.tokens.insert(access.clone());
    state
        .accounts
        .expiries
        .insert(access.clone(), Instant::now() + lifetime);
    let seconds = lifetime.as_secs();
    let api_domain = state.accounts.api_domain.clone().unwrap_or_else(|| base_url.to_owned());
    let mut body = json!({"access_token": access, "api_domain": api_domain, "token_type": "Bearer"});
    if state.accounts.legacy_expiry {
        body["expires_in"] = json!(seconds * 1000);
        body["expires_in_sec"] = json!(seconds);
    } else {
        body["expires_in"] = json!(seconds);
    }
    if let Some(refresh) = refresh_token {
        body["refresh_token"] = json!(refresh);
    }
    Reply::json(200, &body)
}

/// Routes `/oauth/v2/...`; `None` for anything else.
pub(crate) fn route(state: &mut State, request: &RecordedRequest, rest: &[&str], base_url: &str) -> Option<Reply> {
    Some(match (request.method.as_str(), rest) {
        ("POST", ["token"]) => token(state, request, base_url),
        ("POST", ["token", "revoke"]) => {
            let params = params(request);
            match params
                .get("token")
                .and_then(|t| state.accounts.refresh_tokens.remove(t))
            {
                Some(_) => Reply::json(200, &json!({"status": "success"})),
                None => Reply::json(200, &json!({"status": "failure", "error": "invalid_token"})),
            }
        }
        _ => return None,
    })
}

fn token(state: &mut State, request: &RecordedRequest, base_url: &str) -> Reply {
    let params = params(request);
    let get = |key: &str| params.get(key).map(String::as_str).unwrap_or_default();
    let client_id = get("client_id");
    match state.accounts.clients.get(client_id) {
        None => return oauth_error("invalid_client"),
        Some(secret) if secret != get("client_secret") => return oauth_error("invalid_client_secret"),
        Some(_) => {}
    }
    match get("grant_type") {
        "authorization_code" => {
            match state.accounts.grant_codes.get_mut(get("code")) {
                Some((owner, used)) if owner == client_id && !*used => *used = true,
                _ => return oauth_error("invalid_code"),
            }
            let refresh = new_token(state, "r");
            state
                .accounts
                .refresh_tokens
                .insert(refresh.clone(), (client_id.to_owned(), vec![Instant::now()]));
            issue_access_token(state, Some(refresh), base_url)
        }
        "refresh_token" => {
            let window = state.accounts.refresh_window;
            let limit = state.accounts.refresh_limit;
            let Some((owner, issued)) = state.accounts.refresh_tokens.get_mut(get("refresh_token")) else {
                return oauth_error("invalid_code");
            };
            if owner != client_id {
                return oauth_error("invalid_code");
            }
            issued.retain(|at| at.elapsed() < window);
            if issued.len() >= limit {
                return throttled();
            }
            issued.push(Instant::now());
            issue_access_token(state, None, base_url)
        }
        "client_credentials" => {
            if get("scope").is_empty() {
                return oauth_error("invalid_scope");
            }
            if get("soid").is_empty() {
                return oauth_error("missing_org_info");
            }
            issue_access_token(state, None, base_url)
        }
        _ => oauth_error("unsupported_grant_type"),
    }
}

/// Whether an access token the fake issued has expired.
pub(crate) fn expired(state: &State, token: &str) -> bool {
    state
        .accounts
        .expiries
        .get(token)
        .is_some_and(|at| Instant::now() >= *at)
}
