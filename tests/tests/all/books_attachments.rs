//! Files on Books transactions: `booksAddAttachment`, `booksDownloadAttachment`,
//! `booksDeleteAttachment`, with Books' type and size rules.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::json;

use crate::support::{World, cli_against, kind};

fn seeded(world: &World, record_type: &str, id_field: &str) -> String {
    let organization = world.fake.books_organization_id();
    world
        .fake
        .seed_books(&organization, record_type, id_field, &[json!({"status": "draft"})])
        .remove(0)
}

const PDF: &[u8] = b"%PDF-1.4 signed order";

#[tokio::test]
async fn a_file_is_attached_downloaded_and_deleted() {
    let world = World::new();
    let invoice = seeded(&world, "invoices", "invoice_id");
    let attached = world
        .invoke(
            "booksAddAttachment",
            json!({"recordType": "invoices", "recordId": invoice, "fileName": "signed-order.pdf", "fileBase64": BASE64.encode(PDF)}),
        )
        .await
        .expect("attached");
    assert_eq!(attached["data"]["message"], "Your file has been attached.");
    let request = world.fake.requests().last().cloned().expect("a request");
    assert_eq!(request.path, format!("/books/v3/invoices/{invoice}/attachment"));

    let file = world
        .invoke(
            "booksDownloadAttachment",
            json!({"recordType": "invoices", "recordId": invoice}),
        )
        .await
        .expect("downloaded");
    assert_eq!(file["data"]["fileName"], "signed-order.pdf");
    assert_eq!(file["data"]["contentType"], "application/pdf");
    assert_eq!(
        BASE64
            .decode(file["data"]["contentBase64"].as_str().expect("base64"))
            .expect("decodes"),
        PDF
    );

    world
        .invoke(
            "booksDeleteAttachment",
            json!({"recordType": "invoices", "recordId": invoice}),
        )
        .await
        .expect("deleted");
    let error = world
        .invoke(
            "booksDownloadAttachment",
            json!({"recordType": "invoices", "recordId": invoice}),
        )
        .await
        .expect_err("nothing attached");
    assert_eq!(kind(&error), "not-found");
}

#[tokio::test]
async fn an_expense_takes_a_receipt() {
    let world = World::new();
    let expense = seeded(&world, "expenses", "expense_id");
    world
        .invoke(
            "booksAddAttachment",
            json!({"recordType": "expenses", "recordId": expense, "fileName": "taxi.png", "fileBase64": BASE64.encode([0x89, b'P', b'N', b'G'])}),
        )
        .await
        .expect("receipt attached");
    let request = world.fake.requests().last().cloned().expect("a request");
    assert_eq!(request.path, format!("/books/v3/expenses/{expense}/receipt"));
}

#[tokio::test]
async fn a_file_too_large_or_of_the_wrong_type_is_refused_by_books() {
    let world = World::new();
    let bill = seeded(&world, "bills", "bill_id");
    let too_large = BASE64.encode(vec![b'x'; (5 << 20) + 1]);
    let error = world
        .invoke(
            "booksAddAttachment",
            json!({"recordType": "bills", "recordId": bill, "fileName": "scan.pdf", "fileBase64": too_large}),
        )
        .await
        .expect_err("over 5 MB");
    assert_eq!(
        (kind(&error), error["error"]["code"].as_str()),
        ("api", Some("33004")),
        "{error}"
    );
    let error = world
        .invoke(
            "booksAddAttachment",
            json!({"recordType": "bills", "recordId": bill, "fileName": "tool.exe", "file": "MZ"}),
        )
        .await
        .expect_err("not a document");
    assert_eq!(error["error"]["code"], "33003", "{error}");
    // Bills also take office documents.
    world
        .invoke(
            "booksAddAttachment",
            json!({"recordType": "bills", "recordId": bill, "fileName": "quote.docx", "file": "PK"}),
        )
        .await
        .expect("a Word document on a bill");

    world.fake.clear_requests();
    let error = world
        .invoke(
            "booksAddAttachment",
            json!({"recordType": "contacts", "recordId": bill, "fileName": "a.pdf", "file": "x"}),
        )
        .await
        .expect_err("contacts take no files");
    assert_eq!(kind(&error), "invalid-input");
    assert!(world.fake.requests().is_empty());
}

#[tokio::test]
async fn a_file_is_attached_through_the_cli() {
    let world = World::new();
    let order = seeded(&world, "salesorders", "salesorder_id");
    let input =
        json!({"recordType": "salesorders", "recordId": order, "fileName": "terms.pdf", "file": "%PDF"}).to_string();
    let run = cli_against(&world.fake, &["invoke", "booksAddAttachment", "--input", &input]).await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert_eq!(run.json()["data"]["recordId"], order.as_str());
}
