//! The fault matrix: each kind of action through each fault fake-zoho can inject, asserting the
//! outcome (success after retries where allowed, a typed error otherwise) and the fake's final
//! state (no duplicate record, nothing half-applied reported as success).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use fake_zoho::Fault;
use serde_json::{Value, json};
use zoho_host::{BoxFuture, ConnectionInfo, CredentialError, CredentialProvider};

use crate::support::{World, kind};

/// A host whose refresh hands back a (still valid) token, as an OAuth host would after Zoho
/// rejected one once; counts refreshes.
struct Refreshing {
    info: ConnectionInfo,
    refreshes: AtomicUsize,
}

impl CredentialProvider for Refreshing {
    fn get<'a>(&'a self, _connection: &'a str) -> BoxFuture<'a, Result<ConnectionInfo, CredentialError>> {
        Box::pin(async move { Ok(self.info.clone()) })
    }
    fn refresh<'a>(
        &'a self,
        _connection: &'a str,
        _rejected: &'a str,
    ) -> BoxFuture<'a, Result<ConnectionInfo, CredentialError>> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move { Ok(self.info.clone()) })
    }
    fn secrets(&self) -> Vec<String> {
        vec![self.info.access_token.clone()]
    }
}

fn world() -> (World, Arc<Refreshing>) {
    let fake = zoho_contract_check::Checked::start();
    let info = ConnectionInfo {
        access_token: fake.access_token(),
        api_domain: fake.base_url(),
        books_organization_id: Some(fake.books_organization_id()),
    };
    let provider = Arc::new(Refreshing {
        info,
        refreshes: AtomicUsize::new(0),
    });
    (World::with_provider(fake, provider.clone()), provider)
}

const INVALID_TOKEN: &str = r#"{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}"#;

/// Every fault, by name.
fn faults() -> Vec<(&'static str, Fault)> {
    vec![
        (
            "500",
            Fault::Status {
                status: 500,
                retry_after: None,
            },
        ),
        (
            "502",
            Fault::Status {
                status: 502,
                retry_after: None,
            },
        ),
        (
            "503",
            Fault::Status {
                status: 503,
                retry_after: None,
            },
        ),
        (
            "429 with Retry-After",
            Fault::Status {
                status: 429,
                retry_after: Some("0".into()),
            },
        ),
        (
            "429 without Retry-After",
            Fault::Status {
                status: 429,
                retry_after: None,
            },
        ),
        ("reset mid-body", Fault::ResetMidBody),
        ("slower than the timeout", Fault::Delay(Duration::from_secs(4))),
        ("malformed JSON", Fault::MalformedJson),
        ("truncated body", Fault::TruncatedBody),
        (
            "401 INVALID_TOKEN once",
            Fault::Answer {
                status: 401,
                body: INVALID_TOKEN.into(),
            },
        ),
    ]
}

/// What a fault should do to an action that is safe to repeat: only a 200 with a body that is
/// not JSON cannot be helped by a retry.
fn read_outcome_ok(fault: &str, outcome: &Result<Value, Value>) -> bool {
    match fault {
        "malformed JSON" => matches!(outcome, Err(e) if kind(e) == "decode"),
        _ => outcome.is_ok(),
    }
}

#[tokio::test]
async fn reads_and_idempotent_writes_succeed_after_retries() {
    for (name, fault) in faults() {
        let (world, provider) = world();
        let lead = world
            .fake
            .seed("Leads", &[json!({"Last_Name": "Boyle", "Email": "p@zylker.example"})])
            .remove(0);
        let organization = world.fake.books_organization_id();
        let contact = world
            .fake
            .seed_books(
                &organization,
                "contacts",
                "contact_id",
                &[json!({"contact_name": "Bowman"})],
            )
            .remove(0);
        let cases: Vec<(&str, &str, Value)> = vec![
            (
                "crmGetRecords",
                "/crm/v8/Leads",
                json!({"recordType": "Leads", "fields": "Last_Name"}),
            ),
            (
                "crmGetRecord",
                "/crm/v8/Leads/",
                json!({"recordType": "Leads", "recordId": lead}),
            ),
            (
                "crmRunQuery",
                "/crm/v8/coql",
                json!({"query": "select Last_Name from Leads"}),
            ),
            (
                "crmSearchRecords",
                "/crm/v8/Leads/search",
                json!({"recordType": "Leads", "email": "p@zylker.example"}),
            ),
            (
                "crmListFields",
                "/crm/v8/settings/fields",
                json!({"recordType": "Leads"}),
            ),
            (
                "crmUpdateRecord",
                "/crm/v8/Leads/",
                json!({"recordType": "Leads", "recordId": lead, "values": {"Company": "Zylker"}}),
            ),
            (
                "booksGetRecords",
                "/books/v3/contacts",
                json!({"recordType": "contacts"}),
            ),
            (
                "booksUpdateRecord",
                "/books/v3/contacts/",
                json!({"recordType": "contacts", "recordId": contact, "values": {"notes": "x"}}),
            ),
        ];
        for (key, prefix, mut input) in cases {
            input["timeout"] = json!(1500);
            world.fake.clear_requests();
            world.fake.inject(prefix, fault.clone(), 1);
            let outcome = world.invoke(key, input).await;
            assert!(read_outcome_ok(name, &outcome), "{key} through {name}: {outcome:?}");
            if name == "malformed JSON" {
                continue;
            }
            assert!(world.fake.requests().len() >= 2, "{key} through {name} was retried");
        }
        if name.starts_with("401") {
            assert_eq!(provider.refreshes.load(Ordering::SeqCst), 8, "one refresh per call");
        }
        assert_eq!(world.fake.records("Leads").len(), 1);
    }
}

#[tokio::test]
async fn creates_are_never_repeated_blindly_and_never_duplicated() {
    for (name, fault) in faults() {
        let (world, _) = world();
        let lead = world.fake.seed("Leads", &[json!({"Last_Name": "Parent"})]).remove(0);
        let cases: Vec<(&str, &str, Value, &str)> = vec![
            (
                "crmCreateRecord",
                "/crm/v8/Leads",
                json!({"recordType": "Leads", "values": {"Last_Name": "New"}}),
                "Leads",
            ),
            (
                "crmUpsertRecords",
                "/crm/v8/Leads/upsert",
                json!({"recordType": "Leads", "records": {"Last_Name": "Up", "Email": "up@zylker.example"}}),
                "Leads",
            ),
            (
                "booksCreateRecord",
                "/books/v3/contacts",
                json!({"recordType": "contacts", "values": {"contact_name": "New"}}),
                "books",
            ),
            (
                "crmAddAttachment",
                "/crm/v8/Leads/",
                json!({"recordType": "Leads", "recordId": lead, "fileName": "a.txt", "file": "x"}),
                "attachments",
            ),
        ];
        for (key, prefix, mut input, store) in cases {
            input["timeout"] = json!(1500);
            let count = |world: &World| match store {
                "Leads" => world.fake.records("Leads").len() - 1,
                "books" => world
                    .fake
                    .books_records(&world.fake.books_organization_id(), "contacts")
                    .len(),
                _ => world.fake.attachments("Leads", &lead).len(),
            };
            let before = count(&world);
            world.fake.clear_requests();
            world.fake.inject(prefix, fault.clone(), 1);
            let outcome = world.invoke(key, input).await;
            let applied = count(&world) - before;
            assert!(applied <= 1, "{key} through {name} created a duplicate");
            match name {
                // Zoho certainly did not process these: retried, applied once.
                "429 with Retry-After" | "429 without Retry-After" | "401 INVALID_TOKEN once" => {
                    assert!(outcome.is_ok(), "{key} through {name}: {outcome:?}");
                    assert_eq!(applied, 1, "{key} through {name}");
                }
                // Answered 200 but unreadable: an error, never a success.
                "malformed JSON" => {
                    assert_eq!(outcome.as_ref().err().map(kind), Some("decode"), "{key} through {name}")
                }
                // Anything else may or may not have been applied: say so, do not repeat.
                _ => {
                    let error = outcome.as_ref().expect_err("not a success");
                    assert_eq!(kind(error), "outcome-unknown", "{key} through {name}: {error}");
                    assert_eq!(
                        world.fake.requests().iter().filter(|r| r.method == "POST").count(),
                        1,
                        "{key} through {name} was not repeated"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn a_batch_failing_midway_reports_applied_and_unapplied_records_and_is_not_a_success() {
    let (world, _) = world();
    let values: Vec<Value> = (0..250).map(|i| json!({"Last_Name": format!("B{i}")})).collect();
    // The first batch fails whole before anything is applied: the error alone says so.
    world.fake.inject(
        "/crm/v8/Leads",
        Fault::Status {
            status: 503,
            retry_after: None,
        },
        1,
    );
    let error = world
        .invoke(
            "crmCreateRecord",
            json!({"recordType": "Leads", "values": values.clone()}),
        )
        .await
        .expect_err("first batch");
    assert_eq!(kind(&error), "outcome-unknown");
    assert!(world.fake.records("Leads").is_empty());

    // The second batch meets the fault: 100 applied and reported, the rest flagged.
    world.fake.inject_after(
        "/crm/v8/Leads",
        Fault::Status {
            status: 503,
            retry_after: None,
        },
        1,
        1,
    );
    let error = world
        .invoke("crmCreateRecord", json!({"recordType": "Leads", "values": values}))
        .await
        .expect_err("partial");
    assert_eq!(kind(&error), "partial-failure");
    let results = error["error"]["results"].as_array().expect("results");
    assert_eq!(results.len(), 250);
    assert!(
        results[..100]
            .iter()
            .all(|r| r["status"] == "success" && r["id"].is_string())
    );
    assert!(results[100..200].iter().all(|r| r["code"] == "OUTCOME_UNKNOWN"));
    assert!(
        results[200..]
            .iter()
            .all(|r| r["status"] == "error" && r["message"].as_str().is_some_and(|m| m.contains("not sent")))
    );
    assert_eq!(world.fake.records("Leads").len(), 100);
}

#[tokio::test]
async fn random_faults_with_a_seed_never_lose_or_duplicate_records() {
    let (world, _) = world();
    world.fake.inject_random(
        "/crm/v8/Leads",
        Fault::Status {
            status: 502,
            retry_after: None,
        },
        0.3,
        2026,
        20,
    );
    let records: Vec<Value> = (0..60).map(|i| json!({"Last_Name": format!("R{i}")})).collect();
    world.fake.seed("Leads", &records);
    let output = world
        .invoke(
            "crmGetRecords",
            json!({"recordType": "Leads", "fields": "Last_Name", "perPage": 5, "fetchAll": true, "maxRetries": 10}),
        )
        .await
        .expect("every page arrives despite the faults");
    let mut ids: Vec<&str> = output["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 60);
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 60, "no record repeated");
    let requests = world.fake.requests().len();
    assert!(
        world.log_text().contains("HTTP 502; retry"),
        "retries are visible in the log ({requests} requests): {}",
        world.log_text()
    );
}
