//! CRM attachments for any module: uploads parsed by the fake, links, the size limit, lists
//! with paging, and byte-for-byte downloads.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::json;

use crate::support::{CONNECTION, World, kind};

fn seed(world: &World, module: &str, field: &str) -> String {
    world.fake.seed(module, &[json!({ field: "Parent" })]).remove(0)
}

#[tokio::test]
async fn a_text_file_is_uploaded_to_a_module_with_an_underscore_in_its_name() {
    let world = World::new();
    let id = seed(&world, "Price_Books", "Price_Book_Name");
    let output = world
        .invoke("crmAddAttachment", json!({"recordType": "Price_Books", "recordId": id, "fileName": "terms \"2026\".txt", "file": "Net 30.\nNo returns."}))
        .await
        .expect("uploaded");
    assert_eq!(output["data"]["message"], "attachment uploaded");
    let stored = world.fake.attachments("Price_Books", &id);
    assert_eq!(
        stored,
        vec![(
            "terms %222026%22.txt".to_owned(),
            "text/plain".to_owned(),
            b"Net 30.\nNo returns.".to_vec()
        )]
    );
    let request = &world.fake.requests()[0];
    assert_eq!(request.path, format!("/crm/v8/Price_Books/{id}/Attachments"));
    assert!(
        request
            .header("content-type")
            .is_some_and(|t| t.starts_with("multipart/form-data; boundary="))
    );
}

#[tokio::test]
async fn a_binary_file_survives_byte_for_byte_to_a_custom_module_and_back() {
    let world = World::new();
    world.fake.add_module("Projects__c", "Name");
    let id = seed(&world, "Projects__c", "Name");
    let bytes: Vec<u8> = (0..=255_u8).cycle().take(70_000).collect();
    let output = world
        .invoke("crmAddAttachment", json!({"recordType": "Projects__c", "recordId": id, "fileName": "scan.png", "fileBase64": BASE64.encode(&bytes)}))
        .await
        .expect("uploaded");
    let attachment_id = output["data"]["id"].as_str().expect("attachment id").to_owned();
    assert_eq!(world.fake.attachments("Projects__c", &id)[0].1, "image/png");

    let download = world
        .invoke(
            "crmDownloadAttachment",
            json!({"recordType": "Projects__c", "recordId": id, "attachmentId": attachment_id}),
        )
        .await
        .expect("downloaded");
    assert_eq!(
        BASE64
            .decode(download["data"]["contentBase64"].as_str().expect("base64"))
            .expect("decodes"),
        bytes
    );
    assert_eq!(
        (download["data"]["fileName"].as_str(), download["data"]["size"].as_u64()),
        (Some("scan.png"), Some(70_000))
    );

    let mut instance = world.instance().await;
    let file = instance
        .connector
        .zoho_connector_crm()
        .call_download_attachment(&mut instance.store, CONNECTION, "Projects__c", &id, &attachment_id)
        .await
        .expect("no trap")
        .expect("downloaded");
    assert_eq!(file.data, bytes);
}

#[tokio::test]
async fn a_link_is_attached_with_its_title() {
    let world = World::new();
    let id = seed(&world, "Deals", "Deal_Name");
    world
        .invoke("crmAddAttachment", json!({"recordType": "Deals", "recordId": id, "attachmentUrl": "https://www.zylker.example/specs.pdf", "title": "Specs"}))
        .await
        .expect("attached");
    let listed = world
        .invoke(
            "crmListAttachments",
            json!({"recordType": "Deals", "recordId": id, "fields": ["File_Name", "$link_url"]}),
        )
        .await
        .expect("listed");
    assert_eq!(listed["data"][0]["File_Name"], "Specs");
    assert_eq!(listed["data"][0]["$link_url"], "https://www.zylker.example/specs.pdf");
}

#[tokio::test]
async fn an_oversized_file_gets_zoho_413() {
    let world = World::new();
    world.fake.set_attachment_size_limit(1_000);
    let id = seed(&world, "Leads", "Last_Name");
    let error = world
        .invoke("crmAddAttachment", json!({"recordType": "Leads", "recordId": id, "fileName": "big.bin", "fileBase64": BASE64.encode(vec![7_u8; 2_000])}))
        .await
        .expect_err("too big");
    assert_eq!(
        (
            kind(&error),
            error["error"]["status"].as_u64(),
            error["error"]["code"].as_str()
        ),
        ("api", Some(413), Some("FILE_SIZE_MORE_THAN_ALLOWED_SIZE"))
    );
    assert!(world.fake.attachments("Leads", &id).is_empty());
}

#[tokio::test]
async fn attachments_are_listed_with_default_fields_and_every_page() {
    let world = World::new();
    let id = seed(&world, "Leads", "Last_Name");
    for n in 0..5 {
        world
            .invoke(
                "crmAddAttachment",
                json!({"recordType": "Leads", "recordId": id, "fileName": format!("note-{n}.txt"), "file": "x"}),
            )
            .await
            .expect("uploaded");
    }
    world.fake.clear_requests();
    let listed = world
        .invoke(
            "crmListAttachments",
            json!({"recordType": "Leads", "recordId": id, "perPage": 2, "fetchAll": true}),
        )
        .await
        .expect("listed");
    let names: Vec<&str> = listed["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|a| a["File_Name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["note-0.txt", "note-1.txt", "note-2.txt", "note-3.txt", "note-4.txt"]
    );
    let requests = world.fake.requests();
    assert_eq!(
        requests[0].query_param("fields"),
        Some("id,File_Name,Size,Created_Time,Modified_Time")
    );
    assert_eq!(requests.len(), 3);
    assert!(requests[1].query_param("page_token").is_some());
}

#[tokio::test]
async fn attachment_inputs_are_checked_before_sending() {
    let world = World::new();
    let cases = [
        (json!({"recordType": "Leads", "recordId": "1"}), "file"),
        (
            json!({"recordType": "Leads", "recordId": "1", "file": "x", "attachmentUrl": "https://a.example"}),
            "file",
        ),
        (json!({"recordType": "Leads", "recordId": "1", "file": "x"}), "fileName"),
        (
            json!({"recordType": "Leads", "recordId": "1", "fileName": "a.bin", "fileBase64": "***"}),
            "fileBase64",
        ),
        (
            json!({"recordType": "Leads", "recordId": "1", "attachmentUrl": "javascript:alert(1)"}),
            "attachmentUrl",
        ),
        (
            json!({"recordType": "Leads/..", "recordId": "1", "fileName": "a", "file": "x"}),
            "recordType",
        ),
    ];
    for (input, expected) in cases {
        let error = world
            .invoke("crmAddAttachment", input.clone())
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

#[tokio::test]
async fn an_unknown_attachment_or_parent_is_reported() {
    let world = World::new();
    let id = seed(&world, "Leads", "Last_Name");
    let error = world
        .invoke(
            "crmDownloadAttachment",
            json!({"recordType": "Leads", "recordId": id, "attachmentId": "4876876000009999999"}),
        )
        .await
        .expect_err("missing");
    assert_eq!(kind(&error), "not-found");
    let error = world
        .invoke(
            "crmAddAttachment",
            json!({"recordType": "Leads", "recordId": "4876876000009999999", "fileName": "a.txt", "file": "x"}),
        )
        .await
        .expect_err("no parent");
    assert_eq!(error["error"]["code"], "INVALID_DATA");
}
