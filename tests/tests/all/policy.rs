//! The outbound allowlist: a request to a destination the connection does not allow never
//! leaves the host, and the component reports it as a denied transport error.

use std::sync::Arc;

use crate::support::{CONNECTION, World, invoke_with, kind, strict_harness};
use serde_json::json;
use zoho_host::{ConnectionInfo, StaticCredentials};

#[tokio::test]
async fn loopback_is_denied_unless_the_embedder_allows_it() {
    let world = World::new();
    let error = invoke_with(
        strict_harness(),
        &world.context,
        "crmGetRecords",
        json!({"recordType": "Leads", "fields": "Last_Name"}),
    )
    .await
    .expect_err("denied");
    assert_eq!(kind(&error), "transport");
    assert_eq!(error["error"]["transport"], "denied");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("denied")
    );
    assert!(world.fake.requests().is_empty(), "the request reached the fake");
}

#[tokio::test]
async fn a_denied_create_is_certainly_not_applied() {
    let world = World::new();
    let error = invoke_with(
        strict_harness(),
        &world.context,
        "crmCreateRecord",
        json!({"recordType": "Leads", "values": {"Last_Name": "A"}}),
    )
    .await
    .expect_err("denied");
    // Denied before sending: a plain transport error, not `outcome-unknown`.
    assert_eq!(kind(&error), "transport");
    assert!(world.fake.records("Leads").is_empty());
}

#[tokio::test]
async fn an_api_domain_that_is_not_an_origin_is_refused_before_sending() {
    let fake = zoho_contract_check::Checked::start();
    let info = ConnectionInfo {
        access_token: fake.access_token(),
        api_domain: format!("{}/crm?x=", fake.base_url()),
        books_organization_id: None,
    };
    let world = World::with_provider(fake, Arc::new(StaticCredentials::new().with(CONNECTION, info)));
    let error = world
        .invoke("crmGetRecords", json!({"recordType": "Leads", "fields": "Last_Name"}))
        .await
        .expect_err("refused");
    assert_eq!(kind(&error), "credential");
    assert!(world.fake.requests().is_empty());
}

#[tokio::test]
async fn a_refused_connection_is_a_refused_transport_error() {
    // Bind and drop a listener to find a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let fake = zoho_contract_check::Checked::start();
    let info = ConnectionInfo {
        access_token: fake.access_token(),
        api_domain: format!("http://127.0.0.1:{port}"),
        books_organization_id: None,
    };
    let world = World::with_provider(fake, Arc::new(StaticCredentials::new().with(CONNECTION, info)));
    let error = world
        .invoke(
            "crmGetRecords",
            json!({"recordType": "Leads", "fields": "Last_Name", "maxRetries": 1, "timeout": 2000}),
        )
        .await
        .expect_err("unreachable");
    assert_eq!(
        (kind(&error), error["error"]["transport"].as_str()),
        ("transport", Some("refused"))
    );
}
