//! `booksRecordAction`: Books state changes, checked per record type, with Books' own refusals.

use serde_json::{Value, json};

use crate::support::{World, cli_against, kind};

fn invoice(world: &World) -> String {
    let organization = world.fake.books_organization_id();
    let customer = world
        .fake
        .seed_books(
            &organization,
            "contacts",
            "contact_id",
            &[json!({"contact_name": "Bowman and Co"})],
        )
        .remove(0);
    world
        .fake
        .seed_books(
            &organization,
            "invoices",
            "invoice_id",
            &[json!({"customer_id": customer, "status": "draft"})],
        )
        .remove(0)
}

async fn act(world: &World, record_type: &str, id: &str, action: &str) -> Result<Value, Value> {
    world
        .invoke(
            "booksRecordAction",
            json!({"recordType": record_type, "recordId": id, "action": action}),
        )
        .await
}

async fn status_of(world: &World, id: &str) -> Value {
    let record = world
        .invoke("booksGetRecord", json!({"recordType": "invoices", "recordId": id}))
        .await
        .expect("read");
    record["data"]["status"].clone()
}

#[tokio::test]
async fn an_invoice_is_sent_voided_and_returned_to_draft() {
    let world = World::new();
    let id = invoice(&world);
    let sent = act(&world, "invoices", &id, "status/sent").await.expect("sent");
    assert_eq!(sent["data"]["action"], "status/sent");
    assert!(
        sent["data"]["message"].as_str().unwrap_or_default().contains("sent"),
        "{sent}"
    );
    assert_eq!(status_of(&world, &id).await, "sent");
    let request = world
        .fake
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/status/sent"))
        .expect("the action request");
    assert_eq!(request.path, format!("/books/v3/invoices/{id}/status/sent"));
    assert_eq!(request.method, "POST");

    act(&world, "invoices", &id, "status/void").await.expect("voided");
    assert_eq!(status_of(&world, &id).await, "void");
    // Books refuses to send a void invoice: its own code and message come back.
    let error = act(&world, "invoices", &id, "status/sent")
        .await
        .expect_err("void cannot be sent");
    assert_eq!(
        (kind(&error), error["error"]["code"].as_str()),
        ("api", Some("1001")),
        "{error}"
    );
    act(&world, "invoices", &id, "status/draft")
        .await
        .expect("back to draft");
    assert_eq!(status_of(&world, &id).await, "draft");
}

#[tokio::test]
async fn an_invoice_is_emailed_to_its_recipients() {
    let world = World::new();
    let id = invoice(&world);
    let error = act(&world, "invoices", &id, "email").await.expect_err("no recipients");
    assert_eq!(
        (kind(&error), error["error"]["input"].as_str()),
        ("invalid-input", Some("values"))
    );
    let emailed = world
        .invoke(
            "booksRecordAction",
            json!({"recordType": "invoices", "recordId": id, "action": "email", "values": {"to_mail_ids": ["billing@bowman.example"], "subject": "Your invoice"}}),
        )
        .await
        .expect("emailed");
    assert!(
        emailed["data"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("email"),
        "{emailed}"
    );
    let request = world
        .fake
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/email"))
        .expect("sent");
    let body: Value = serde_json::from_slice(&request.body).expect("json");
    assert_eq!(body["to_mail_ids"], json!(["billing@bowman.example"]));
}

#[tokio::test]
async fn actions_are_checked_per_record_type_and_unknown_records_are_not_found() {
    let world = World::new();
    let id = invoice(&world);
    let error = act(&world, "bills", &id, "email")
        .await
        .expect_err("bills are not emailed here");
    assert_eq!(
        (kind(&error), error["error"]["input"].as_str()),
        ("invalid-input", Some("action"))
    );
    let error = act(&world, "invoices", &id, "status/accepted")
        .await
        .expect_err("estimates only");
    assert_eq!(kind(&error), "invalid-input");
    let error = act(&world, "invoices", "460000000099999", "status/sent")
        .await
        .expect_err("no such invoice");
    assert_eq!(kind(&error), "not-found");

    let organization = world.fake.books_organization_id();
    let contact = world
        .fake
        .seed_books(
            &organization,
            "contacts",
            "contact_id",
            &[json!({"contact_name": "Quiet Co"})],
        )
        .remove(0);
    act(&world, "contacts", &contact, "inactive")
        .await
        .expect("deactivated");
    let record = world
        .invoke("booksGetRecord", json!({"recordType": "contacts", "recordId": contact}))
        .await
        .expect("read");
    assert_eq!(record["data"]["status"], "inactive");
}

#[tokio::test]
async fn an_estimate_is_accepted_through_the_cli() {
    let world = World::new();
    let organization = world.fake.books_organization_id();
    let estimate = world
        .fake
        .seed_books(&organization, "estimates", "estimate_id", &[json!({"status": "sent"})])
        .remove(0);
    let input = json!({"recordType": "estimates", "recordId": estimate, "action": "status/accepted"}).to_string();
    let run = cli_against(&world.fake, &["invoke", "booksRecordAction", "--input", &input]).await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert_eq!(run.json()["data"]["action"], "status/accepted");
}
