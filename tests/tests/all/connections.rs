//! OAuth connections in the harness: refresh once on expiry, once for 50 concurrent callers,
//! the throttle, Canada's domains, both expiry forms, and no secret in any output.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;
use zoho_host::oauth::Secret;
use zoho_host::store::{ConnectionStore, StoreCredentials};
use zoho_host::{CallContext, CredentialProvider};

use crate::support::{TempDir, futures_join_all, harness, kind, oauth_connection, temp_dir};

const CLIENT_ID: &str = "1000.CLIENTID42";
const CLIENT_SECRET: &str = "client-secret-9f8e7d";

struct Setup {
    fake: zoho_contract_check::Checked,
    store: ConnectionStore,
    provider: Arc<StoreCredentials>,
    refresh_token: String,
    _dir: TempDir,
}

/// A stored connection on a fake accounts server, with no access token yet.
fn setup(tag: &str) -> Setup {
    let fake = zoho_contract_check::Checked::start();
    let (connection, refresh_token) = oauth_connection(&fake, CLIENT_ID, CLIENT_SECRET);
    let dir = temp_dir(tag);
    let store = ConnectionStore::new(&dir.0);
    store.put("main", connection).expect("stored");
    let provider = Arc::new(StoreCredentials::new(store.clone()));
    Setup {
        fake,
        store,
        provider,
        refresh_token,
        _dir: dir,
    }
}

async fn list(setup: &Setup) -> Result<serde_json::Value, serde_json::Value> {
    let context = CallContext::new(setup.provider.clone() as Arc<dyn CredentialProvider>);
    let outcome = harness()
        .invoke(
            &context,
            "crmGetRecords",
            "main",
            r#"{"recordType":"Leads","fields":"Last_Name","maxRetries":0}"#,
        )
        .await
        .expect("runs");
    outcome
        .map(|o| serde_json::from_str(&o).expect("json"))
        .map_err(|e| zoho_host::output::error_document(&e))
}

#[tokio::test]
async fn a_token_expiring_mid_run_is_refreshed_once_and_the_call_succeeds() {
    let setup = setup("expiry");
    setup.fake.seed("Leads", &[json!({"Last_Name": "Boyle"})]);
    list(&setup).await.expect("first call gets a token");
    assert_eq!(setup.fake.token_requests().len(), 1);
    setup.fake.expire_access_tokens();
    let output = list(&setup).await.expect("second call refreshes and succeeds");
    assert_eq!(output["data"][0]["Last_Name"], "Boyle");
    assert_eq!(
        setup.fake.token_requests().len(),
        2,
        "exactly one refresh for the expired token"
    );
    let stored = setup.store.get("main").expect("read").expect("present");
    assert_eq!(
        stored.api_domain,
        setup.fake.base_url(),
        "api_domain from the token response"
    );
}

#[tokio::test]
async fn fifty_concurrent_calls_meeting_the_same_expired_token_cause_one_refresh() {
    let setup = setup("fifty");
    list(&setup).await.expect("token");
    setup.fake.expire_access_tokens();
    let before = setup.fake.token_requests().len();
    let calls = (0..50).map(|_| list(&setup));
    let outcomes = futures_join_all(calls).await;
    assert!(
        outcomes.iter().all(Result::is_ok),
        "{:?}",
        outcomes.iter().find(|o| o.is_err())
    );
    assert_eq!(setup.fake.token_requests().len() - before, 1);
}

#[tokio::test]
async fn the_throttle_is_a_clear_error_and_no_further_token_request_is_made() {
    let setup = setup("throttle");
    setup.fake.set_refresh_limit(1);
    list(&setup).await.expect("first token");
    setup.fake.expire_access_tokens();
    let error = list(&setup).await.expect_err("throttled");
    assert_eq!(
        (kind(&error), error["error"]["problem"].as_str()),
        ("credential", Some("throttled"))
    );
    assert!(error["error"]["retryAfterSeconds"].as_u64().is_some_and(|s| s > 0));
    let after = setup.fake.token_requests().len();
    for _ in 0..3 {
        let error = list(&setup).await.expect_err("still throttled");
        assert_eq!(error["error"]["problem"], "throttled");
    }
    assert_eq!(
        setup.fake.token_requests().len(),
        after,
        "the harness never loops on the token endpoint"
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_asks_for_reauthorization() {
    let setup = setup("revoked");
    let client = zoho_host::oauth::OAuthClient {
        accounts_url: setup.fake.base_url(),
        client_id: CLIENT_ID.into(),
        client_secret: Secret::new(CLIENT_SECRET),
    };
    client
        .revoke(&Secret::new(setup.refresh_token.clone()))
        .await
        .expect("revoked");
    let error = list(&setup).await.expect_err("no token");
    assert_eq!(error["error"]["problem"], "reauthorization-required");
    let text = error.to_string();
    assert!(
        !text.contains(CLIENT_SECRET) && !text.contains(&setup.refresh_token),
        "{text}"
    );
}

#[tokio::test]
async fn a_canada_connection_uses_the_api_domain_of_the_token_response() {
    let setup = setup("canada");
    setup.fake.set_oauth_api_domain("https://www.zohoapis.ca");
    let info = setup.provider.get("main").await.expect("credentials");
    assert_eq!(info.api_domain, "https://www.zohoapis.ca");
    let ca = zoho_host::regions::region("ca").expect("known");
    assert_eq!(ca.accounts_url, "https://accounts.zohocloud.ca");
    assert_eq!(ca.api_domain, "https://www.zohoapis.ca");
}

#[tokio::test]
async fn an_api_domain_that_is_not_zohos_is_refused() {
    let setup = setup("evil");
    setup.fake.set_oauth_api_domain("https://api.evil.example");
    let error = setup.provider.get("main").await.expect_err("refused");
    assert!(format!("{error:?}").contains("not Zoho's"), "{error:?}");
}

#[tokio::test]
async fn expiry_in_milliseconds_with_expires_in_sec_is_read_as_an_hour() {
    let setup = setup("legacy");
    setup.fake.set_legacy_expiry(true);
    setup.provider.get("main").await.expect("credentials");
    let stored = setup.store.get("main").expect("read").expect("present");
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    assert!(
        (now + 3500..=now + 3700).contains(&stored.expires_at),
        "expires_at {} is not about an hour away",
        stored.expires_at
    );
}

#[tokio::test]
async fn the_store_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let setup = setup("mode");
    setup.provider.get("main").await.expect("credentials");
    let mode = std::fs::metadata(setup.store.path())
        .expect("stat")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
}

#[tokio::test]
async fn a_scope_mismatch_names_the_scope_the_action_needs_and_is_not_refreshed() {
    let world = crate::support::World::new();
    let mismatch = r#"{"code":"OAUTH_SCOPE_MISMATCH","details":{},"message":"invalid oauth scope to access this URL","status":"error"}"#;
    world.fake.inject(
        "/crm/v8/coql",
        fake_zoho::Fault::Answer {
            status: 401,
            body: mismatch.into(),
        },
        1,
    );
    let error = world
        .invoke("crmRunQuery", json!({"query": "select Last_Name from Leads"}))
        .await
        .expect_err("scope");
    assert_eq!(
        (kind(&error), error["error"]["requiredScope"].as_str()),
        ("forbidden", Some("ZohoCRM.coql.READ"))
    );

    world.fake.inject(
        "/crm/v8/Leads",
        fake_zoho::Fault::Answer {
            status: 401,
            body: mismatch.into(),
        },
        1,
    );
    let error = world
        .invoke("crmGetRecords", json!({"recordType": "Leads", "fields": "Last_Name"}))
        .await
        .expect_err("scope");
    assert_eq!(error["error"]["requiredScope"], "ZohoCRM.modules.leads.READ");
    assert_eq!(
        world.fake.requests().len(),
        2,
        "a scope mismatch is not retried with a refreshed token"
    );
}

#[tokio::test]
async fn a_connections_stored_in_flight_limit_holds_across_concurrent_calls() {
    let setup = std::sync::Arc::new(setup("in-flight"));
    let mut stored = setup.store.get("main").expect("read").expect("present");
    // A Free edition organization: 5 calls in flight.
    stored.max_in_flight = Some(5);
    setup.store.put("main", stored).expect("stored");
    setup.fake.seed("Leads", &[json!({"Last_Name": "Boyle"})]);
    list(&setup).await.expect("first call gets a token");
    setup.fake.set_concurrency_limit(Some(5));
    setup.fake.inject(
        "/crm/v8/Leads",
        fake_zoho::Fault::Delay(std::time::Duration::from_millis(30)),
        30,
    );
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let setup = std::sync::Arc::clone(&setup);
        calls.spawn(async move { list(&setup).await });
    }
    while let Some(outcome) = calls.join_next().await {
        outcome.expect("joined").expect("every call answered");
    }
    let (most_in_flight, refused) = setup.fake.concurrency();
    assert!((2..=5).contains(&most_in_flight), "{most_in_flight} in flight at once");
    assert_eq!(refused, 0);
}
