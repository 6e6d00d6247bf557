//! The `credentials` import: missing connections, and the single refresh on `INVALID_TOKEN`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::support::{World, kind};
use serde_json::json;
use zoho_host::{BoxFuture, ConnectionInfo, CredentialError, CredentialProvider};

/// Hands out `first`, and `second` after a refresh of `first`; counts refreshes.
struct RotatingProvider {
    api_domain: String,
    current: Mutex<String>,
    next: String,
    refreshes: AtomicUsize,
}

impl RotatingProvider {
    fn info(&self) -> ConnectionInfo {
        ConnectionInfo {
            access_token: self.current.lock().expect("lock").clone(),
            api_domain: self.api_domain.clone(),
            books_organization_id: None,
        }
    }
}

impl CredentialProvider for RotatingProvider {
    fn get<'a>(&'a self, _connection: &'a str) -> BoxFuture<'a, Result<ConnectionInfo, CredentialError>> {
        Box::pin(async move { Ok(self.info()) })
    }
    fn refresh<'a>(
        &'a self,
        _connection: &'a str,
        rejected: &'a str,
    ) -> BoxFuture<'a, Result<ConnectionInfo, CredentialError>> {
        Box::pin(async move {
            let mut current = self.current.lock().expect("lock");
            if *current == rejected {
                self.refreshes.fetch_add(1, Ordering::SeqCst);
                *current = self.next.clone();
            }
            drop(current);
            Ok(self.info())
        })
    }
    fn secrets(&self) -> Vec<String> {
        vec![self.current.lock().expect("lock").clone(), self.next.clone()]
    }
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_call_succeeds() {
    let fake = zoho_contract_check::Checked::start();
    let expired = "1000.expired.token".to_owned();
    let fresh = fake.access_token();
    let provider = Arc::new(RotatingProvider {
        api_domain: fake.base_url(),
        current: Mutex::new(expired.clone()),
        next: fresh.clone(),
        refreshes: AtomicUsize::new(0),
    });
    fake.seed("Leads", &[json!({"Last_Name": "Boyle"})]);
    let world = World::with_provider(fake, provider.clone());
    let output = world
        .invoke("crmGetRecords", json!({"recordType": "Leads", "fields": "Last_Name"}))
        .await
        .expect("succeeds after refresh");
    assert_eq!(output["data"][0]["Last_Name"], "Boyle");
    assert_eq!(provider.refreshes.load(Ordering::SeqCst), 1);
    let auth: Vec<String> = world
        .fake
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert_eq!(
        auth,
        [format!("Zoho-oauthtoken {expired}"), format!("Zoho-oauthtoken {fresh}")]
    );
}

#[tokio::test]
async fn a_token_still_rejected_after_refresh_is_unauthorized() {
    let fake = zoho_contract_check::Checked::start();
    let provider = Arc::new(RotatingProvider {
        api_domain: fake.base_url(),
        current: Mutex::new("1000.old".into()),
        next: "1000.also.bad".into(),
        refreshes: AtomicUsize::new(0),
    });
    let world = World::with_provider(fake, provider.clone());
    let error = world
        .invoke("crmGetRecords", json!({"recordType": "Leads", "fields": "Last_Name"}))
        .await
        .expect_err("unauthorized");
    assert_eq!(
        (kind(&error), error["error"]["code"].as_str()),
        ("unauthorized", Some("INVALID_TOKEN"))
    );
    assert_eq!(provider.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(world.fake.requests().len(), 2, "one request, one retry, no loop");
}

#[tokio::test]
async fn a_fixed_token_that_zoho_rejects_asks_for_a_new_one() {
    let world = World::new();
    world.fake.revoke_token(&world.fake.access_token());
    let error = world
        .invoke("crmGetRecords", json!({"recordType": "Leads", "fields": "Last_Name"}))
        .await
        .expect_err("rejected");
    assert_eq!(
        (kind(&error), error["error"]["problem"].as_str()),
        ("credential", Some("reauthorization-required"))
    );
}

#[tokio::test]
async fn an_unknown_connection_is_a_credential_error_and_sends_nothing() {
    let world = World::new();
    let harness = crate::support::harness();
    let outcome = harness
        .invoke(
            &world.context,
            "crmGetRecords",
            "nobody",
            r#"{"recordType":"Leads","fields":"Last_Name"}"#,
        )
        .await
        .expect("runs");
    let document = zoho_host::output::error_document(&outcome.expect_err("unknown connection"));
    assert_eq!(
        (kind(&document), document["error"]["problem"].as_str()),
        ("credential", Some("unknown-connection"))
    );
    assert!(world.fake.requests().is_empty());
}
