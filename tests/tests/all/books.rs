//! Zoho Books through the CLI and `actions.invoke`: flat, slash and nested record types,
//! organization handling, every page, and `organization_id` on every request.

use std::collections::BTreeSet;
use std::sync::Arc;

use fake_zoho::FakeZoho;
use serde_json::{Value, json};
use zoho_host::{ConnectionInfo, StaticCredentials};

use crate::support::{CONNECTION, Run, World, cli_against, kind};

/// Every Books request except `GET /organizations` carried `organization_id`.
fn assert_every_books_request_has_an_organization(fake: &FakeZoho) {
    let requests = fake.requests();
    assert!(!requests.is_empty());
    for request in requests.iter().filter(|r| r.path.starts_with("/books/v3/")) {
        if request.method == "GET" && request.path == "/books/v3/organizations" {
            assert!(request.query_param("organization_id").is_none());
            continue;
        }
        assert!(
            request.query_param("organization_id").is_some_and(|o| !o.is_empty()),
            "{} {} has no organization_id",
            request.method,
            request.path
        );
    }
}

/// A connection with no organization configured, so the component must resolve one.
fn world_without_organization(fake: zoho_contract_check::Checked) -> World {
    let info = ConnectionInfo {
        access_token: fake.access_token(),
        api_domain: fake.base_url(),
        books_organization_id: None,
    };
    World::with_provider(fake, Arc::new(StaticCredentials::new().with(CONNECTION, info)))
}

async fn books_cli(fake: &FakeZoho, key: &str, input: Value) -> Run {
    let input = input.to_string();
    cli_against(fake, &["invoke", key, "--input", &input]).await
}

/// Runs create, get, list, update and remove for one record type through the CLI.
async fn crud_through_the_cli(
    fake: &FakeZoho,
    record_type: &str,
    parent: Option<(&str, &str)>,
    values: Value,
    edit: (&str, Value),
    id_field: &str,
    list_key_path: &str,
) {
    let (edited_field, edited_value) = edit;
    let with_parent = |mut input: Value| {
        if let Some((parent_type, parent_id)) = parent {
            input["parentRecordType"] = json!(parent_type);
            input["parentRecordId"] = json!(parent_id);
        }
        input
    };
    let created = books_cli(
        fake,
        "booksCreateRecord",
        with_parent(json!({"recordType": record_type, "values": values})),
    )
    .await;
    assert_eq!(
        created.code, 0,
        "create {record_type}: {}{}",
        created.stdout, created.stderr
    );
    let id = created.json()["data"][id_field]
        .as_str()
        .unwrap_or_else(|| panic!("{record_type}: no {id_field} in {}", created.stdout))
        .to_owned();

    let fetched = books_cli(
        fake,
        "booksGetRecord",
        with_parent(json!({"recordType": record_type, "recordId": id})),
    )
    .await;
    assert_eq!(fetched.code, 0, "get {record_type}: {}", fetched.stdout);
    assert_eq!(fetched.json()["data"][id_field], json!(id));

    let listed = books_cli(fake, "booksGetRecords", with_parent(json!({"recordType": record_type}))).await;
    assert_eq!(listed.code, 0, "list {record_type}: {}", listed.stdout);
    let ids: Vec<Value> = listed.json()["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|r| r[id_field].clone())
        .collect();
    assert!(
        ids.contains(&json!(id)),
        "list {record_type} ({list_key_path}) misses {id}: {}",
        listed.stdout
    );

    let updated = books_cli(
        fake,
        "booksUpdateRecord",
        with_parent(json!({"recordType": record_type, "recordId": id, "values": {edited_field: edited_value}})),
    )
    .await;
    assert_eq!(updated.code, 0, "update {record_type}: {}", updated.stdout);
    assert_eq!(updated.json()["data"][edited_field], edited_value);

    let removed = books_cli(
        fake,
        "booksRemoveRecord",
        with_parent(json!({"recordType": record_type, "recordId": id})),
    )
    .await;
    assert_eq!(removed.code, 0, "remove {record_type}: {}", removed.stdout);
    let gone = books_cli(
        fake,
        "booksGetRecord",
        with_parent(json!({"recordType": record_type, "recordId": id})),
    )
    .await;
    assert_eq!(
        (gone.code, gone.json()["error"]["kind"].as_str()),
        (1, Some("not-found"))
    );
}

#[tokio::test]
async fn a_flat_type_works_through_the_cli() {
    let fake = zoho_contract_check::Checked::start();
    crud_through_the_cli(
        &fake,
        "contacts",
        None,
        json!({"contact_name": "Bowman and Co", "contact_type": "customer"}),
        ("notes", json!("updated")),
        "contact_id",
        "contacts",
    )
    .await;
    let organization = fake.books_organization_id();
    let create = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("create sent");
    assert_eq!(create.path, "/books/v3/contacts");
    assert_eq!(
        create.raw_query.as_deref(),
        Some(format!("organization_id={organization}").as_str())
    );
    assert_eq!(
        create.json(),
        json!({"contact_name": "Bowman and Co", "contact_type": "customer"})
    );
    assert_eq!(
        create.header("authorization"),
        Some(format!("Zoho-oauthtoken {}", fake.access_token()).as_str())
    );
    assert_every_books_request_has_an_organization(&fake);
}

#[tokio::test]
async fn a_slash_type_works_through_the_cli() {
    let fake = zoho_contract_check::Checked::start();
    crud_through_the_cli(
        &fake,
        "settings/taxes",
        None,
        json!({"tax_name": "VAT", "tax_percentage": 20}),
        ("tax_percentage", json!(12.5)),
        "tax_id",
        "taxes",
    )
    .await;
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.path.starts_with("/books/v3/settings/taxes/"))
    );
    assert_every_books_request_has_an_organization(&fake);
}

#[tokio::test]
async fn a_nested_type_works_through_the_cli() {
    let fake = zoho_contract_check::Checked::start();
    let organization = fake.books_organization_id();
    let customer = fake
        .seed_books(
            &organization,
            "contacts",
            "contact_id",
            &[json!({"contact_name": "Bowman and Co"})],
        )
        .remove(0);
    let credit_note = fake
        .seed_books(
            &organization,
            "creditnotes",
            "creditnote_id",
            &[json!({"customer_id": customer, "total": 40})],
        )
        .remove(0);
    // A refund of a credit note: a nested type Zoho documents whole (create, list, get,
    // update, delete under /creditnotes/{creditnote_id}/refunds).
    crud_through_the_cli(
        &fake,
        "refunds",
        Some(("creditnotes", &credit_note)),
        json!({"date": "2026-12-01", "refund_mode": "cash", "reference_number": "CN-REF-1"}),
        ("description", json!("Paid back by cheque")),
        "creditnote_refund_id",
        "creditnote_refunds",
    )
    .await;
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.method == "POST" && r.path == format!("/books/v3/creditnotes/{credit_note}/refunds"))
    );
    assert_every_books_request_has_an_organization(&fake);
}

#[tokio::test]
async fn the_entity_key_is_read_from_the_envelope_not_guessed() {
    // Contact comments come back as `contact_comments`, not `comments`.
    let world = World::new();
    let organization = world.fake.books_organization_id();
    let contact = world
        .fake
        .seed_books(
            &organization,
            "contacts",
            "contact_id",
            &[json!({"contact_name": "Bowman and Co"})],
        )
        .remove(0);
    world.fake.seed_books(
        &organization,
        &format!("contacts/{contact}/comments"),
        "comment_id",
        &[json!({"description": "Called"})],
    );
    let output = world
        .invoke("booksGetRecords", json!({"recordType": "comments", "parentRecordType": "contacts", "parentRecordId": contact, "organizationId": organization}))
        .await
        .expect("listed");
    assert_eq!(output["data"][0]["description"], "Called");
}

#[tokio::test]
async fn the_only_organization_is_discovered_when_none_is_configured() {
    let world = world_without_organization(zoho_contract_check::Checked::start());
    world
        .invoke(
            "booksCreateRecord",
            json!({"recordType": "items", "values": {"name": "Widget", "rate": 10}}),
        )
        .await
        .expect("created");
    let requests = world.fake.requests();
    assert_eq!(requests[0].path, "/books/v3/organizations");
    assert_eq!(
        requests[1].query_param("organization_id"),
        Some(world.fake.books_organization_id().as_str())
    );
    assert_every_books_request_has_an_organization(&world.fake);
}

#[tokio::test]
async fn several_organizations_yield_an_error_listing_them() {
    let fake = zoho_contract_check::Checked::start();
    fake.set_books_organizations(&[("10234695", "Zylker Books"), ("20345678", "Zylker Canada")]);
    let world = world_without_organization(fake);
    let error = world
        .invoke("booksGetRecords", json!({"recordType": "contacts"}))
        .await
        .expect_err("ambiguous");
    assert_eq!(
        (kind(&error), error["error"]["input"].as_str()),
        ("invalid-input", Some("organizationId"))
    );
    let message = error["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("10234695 (Zylker Books)") && message.contains("20345678 (Zylker Canada)"),
        "{message}"
    );
    assert_eq!(world.fake.requests().len(), 1, "only GET /organizations was sent");

    // Naming one resolves it.
    world
        .invoke(
            "booksGetRecords",
            json!({"recordType": "contacts", "organizationId": "20345678"}),
        )
        .await
        .expect("listed");
    assert_eq!(
        world
            .fake
            .requests()
            .last()
            .and_then(|r| r.query_param("organization_id").map(str::to_owned))
            .as_deref(),
        Some("20345678")
    );
    assert_every_books_request_has_an_organization(&world.fake);
}

#[tokio::test]
async fn list_organizations_returns_zoho_organizations() {
    let fake = zoho_contract_check::Checked::start();
    fake.set_books_organizations(&[("10234695", "Zylker Books"), ("20345678", "Zylker Canada")]);
    let run = books_cli(&fake, "booksListOrganizations", json!({})).await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    let output = run.json();
    let names: Vec<&str> = output["data"]
        .as_array()
        .map(|d| d.iter().filter_map(|o| o["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["Zylker Books", "Zylker Canada"]);
}

#[tokio::test]
async fn fetch_all_reads_1234_records_with_none_lost_or_repeated() {
    let world = World::new();
    let organization = world.fake.books_organization_id();
    let records: Vec<Value> = (0..1234)
        .map(|i| json!({"contact_name": format!("Contact {i:04}")}))
        .collect();
    let seeded = world.fake.seed_books(&organization, "contacts", "contact_id", &records);
    let output = world
        .invoke(
            "booksGetRecords",
            json!({"recordType": "contacts", "fetchAll": true, "organizationId": organization}),
        )
        .await
        .expect("listed");
    let ids: Vec<String> = output["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|r| r["contact_id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(ids, seeded, "every record once, in order");
    assert_eq!(output["info"]["moreRecords"], false);
    assert_eq!(world.fake.requests().len(), 7, "pages of 200");
    assert!(
        world
            .fake
            .requests()
            .iter()
            .all(|r| r.query_param("per_page") == Some("200"))
    );
    assert_every_books_request_has_an_organization(&world.fake);
}

#[tokio::test]
async fn a_cap_inside_a_page_resumes_from_the_cursor_without_gaps_or_repeats() {
    let world = World::new();
    let organization = world.fake.books_organization_id();
    let records: Vec<Value> = (0..1234).map(|i| json!({"contact_name": format!("C{i}")})).collect();
    let seeded = world.fake.seed_books(&organization, "contacts", "contact_id", &records);
    let mut collected: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let mut input = json!({"recordType": "contacts", "fetchAll": true, "maxRecords": 333});
        if let Some(cursor) = &cursor {
            input["cursor"] = json!(cursor);
        }
        let output = world.invoke("booksGetRecords", input).await.expect("listed");
        collected.extend(
            output["data"]
                .as_array()
                .expect("data")
                .iter()
                .filter_map(|r| r["contact_id"].as_str().map(str::to_owned)),
        );
        cursor = output["info"]["cursor"].as_str().map(str::to_owned);
        if output["info"]["moreRecords"] == false {
            break;
        }
    }
    assert_eq!(collected, seeded);
    let unique: BTreeSet<&String> = collected.iter().collect();
    assert_eq!(unique.len(), 1234);
}

#[tokio::test]
async fn search_fields_pass_through_as_query_parameters() {
    let world = World::new();
    let organization = world.fake.books_organization_id();
    world.fake.seed_books(
        &organization,
        "contacts",
        "contact_id",
        &[
            json!({"contact_name": "Bowman and Co", "email": "a@bowman.example"}),
            json!({"contact_name": "Sakura Foods", "email": "b@sakura.example"}),
        ],
    );
    let output = world
        .invoke("booksGetRecords", json!({"recordType": "contacts", "searchFields": [{"key": "email", "value": "b@sakura.example"}, {"key": "sort_column", "value": "contact_name"}]}))
        .await
        .expect("listed");
    assert_eq!(output["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(output["data"][0]["contact_name"], "Sakura Foods");
    let request = world.fake.requests().pop().expect("sent");
    assert_eq!(
        (request.query_param("email"), request.query_param("sort_column")),
        (Some("b@sakura.example"), Some("contact_name"))
    );

    let output = world
        .invoke(
            "booksGetRecords",
            json!({"recordType": "contacts", "searchFields": {"search_text": "bowman"}}),
        )
        .await
        .expect("listed");
    assert_eq!(output["data"][0]["contact_name"], "Bowman and Co");
}

#[tokio::test]
async fn books_errors_carry_the_books_code_and_message() {
    let world = World::new();
    let error = world
        .invoke(
            "booksCreateRecord",
            json!({"recordType": "contacts", "values": {"company_name": "no name"}}),
        )
        .await
        .expect_err("invalid");
    assert_eq!((kind(&error), error["error"]["code"].as_str()), ("api", Some("2")));
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("contact_name")
    );

    let error = world
        .invoke(
            "booksGetRecord",
            json!({"recordType": "invoices", "recordId": "46000000999999"}),
        )
        .await
        .expect_err("missing");
    assert_eq!(
        (kind(&error), error["error"]["code"].as_str()),
        ("not-found", Some("1002"))
    );

    let error = world
        .invoke(
            "booksGetRecords",
            json!({"recordType": "contacts", "organizationId": "999"}),
        )
        .await
        .expect_err("unknown org");
    assert_eq!(error["error"]["code"], "6041");
}

#[tokio::test]
async fn bad_books_inputs_send_nothing() {
    let world = World::new();
    let cases = [
        (json!({"recordType": "../settings"}), "recordType"),
        (json!({"recordType": "invoices/123"}), "recordType"),
        (
            json!({"recordType": "contacts", "parentRecordType": "invoices"}),
            "parentRecordId",
        ),
        (
            json!({"recordType": "comments", "parentRecordType": "invoices", "parentRecordId": "12/x"}),
            "parentRecordId",
        ),
        (
            json!({"recordType": "contacts", "organizationId": "abc"}),
            "organizationId",
        ),
        (
            json!({"recordType": "contacts", "searchFields": {"organization_id": "1"}}),
            "searchFields[0].key",
        ),
        (json!({"recordType": "contacts", "perPage": 500}), "perPage"),
        (json!({"recordType": "contacts", "cursor": "not-a-cursor"}), "cursor"),
    ];
    for (input, expected) in cases {
        let error = world
            .invoke("booksGetRecords", input.clone())
            .await
            .expect_err("refused");
        assert_eq!(
            (kind(&error), error["error"]["input"].as_str()),
            ("invalid-input", Some(expected)),
            "{input}"
        );
    }
    assert!(world.fake.requests().is_empty());
}
