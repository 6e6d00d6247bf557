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
use crate::state::accounts::AccountsState;

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

/// A token in Zoho's shape; `salt` (the fake's id counter) varies it between fakes and runs.
fn new_token(room: &mut AccountsState, salt: u64, kind: &str) -> String {
    room.issued += 1;
    format!(
        "1000.{kind}{:08x}.{:016x}",
        room.issued,
        salt.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ room.issued
    )
}

fn issue_access_token(room: &mut AccountsState, salt: u64, refresh_token: Option<String>, base_url: &str) -> Reply {
    let access = new_token(room, salt, "a");
    let lifetime = room.lifetime;
    room.tokens.insert(access.clone());
    room.expiries.insert(access.clone(), Instant::now() + lifetime);
    let seconds = lifetime.as_secs();
    let api_domain = room.api_domain.clone().unwrap_or_else(|| base_url.to_owned());
    let mut body = json!({"access_token": access, "api_domain": api_domain, "token_type": "Bearer"});
    if room.legacy_expiry {
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
pub(crate) fn route(
    room: &mut AccountsState,
    salt: u64,
    request: &RecordedRequest,
    rest: &[&str],
    base_url: &str,
) -> Option<Reply> {
    Some(match (request.method.as_str(), rest) {
        ("POST", ["token"]) => token(room, salt, request, base_url),
        ("POST", ["token", "revoke"]) => {
            let params = params(request);
            match params.get("token").and_then(|t| room.refresh_tokens.remove(t)) {
                Some(_) => Reply::json(200, &json!({"status": "success"})),
                None => Reply::json(200, &json!({"status": "failure", "error": "invalid_token"})),
            }
        }
        _ => return None,
    })
}

fn token(room: &mut AccountsState, salt: u64, request: &RecordedRequest, base_url: &str) -> Reply {
    let params = params(request);
    let get = |key: &str| params.get(key).map(String::as_str).unwrap_or_default();
    let client_id = get("client_id");
    match room.clients.get(client_id) {
        None => return oauth_error("invalid_client"),
        Some(secret) if secret != get("client_secret") => return oauth_error("invalid_client_secret"),
        Some(_) => {}
    }
    match get("grant_type") {
        "authorization_code" => {
            match room.grant_codes.get_mut(get("code")) {
                Some((owner, used)) if owner == client_id && !*used => *used = true,
                _ => return oauth_error("invalid_code"),
            }
            let refresh = new_token(room, salt, "r");
            room.refresh_tokens
                .insert(refresh.clone(), (client_id.to_owned(), vec![Instant::now()]));
            issue_access_token(room, salt, Some(refresh), base_url)
        }
        "refresh_token" => {
            let window = room.refresh_window;
            let limit = room.refresh_limit;
            let Some((owner, issued)) = room.refresh_tokens.get_mut(get("refresh_token")) else {
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
            issue_access_token(room, salt, None, base_url)
        }
        "client_credentials" => {
            if get("scope").is_empty() {
                return oauth_error("invalid_scope");
            }
            if get("soid").is_empty() {
                return oauth_error("missing_org_info");
            }
            issue_access_token(room, salt, None, base_url)
        }
        _ => oauth_error("unsupported_grant_type"),
    }
}

/// Whether an access token the fake issued has expired.
pub(crate) fn expired(room: &AccountsState, token: &str) -> bool {
    room.expiries.get(token).is_some_and(|at| Instant::now() >= *at)
}
