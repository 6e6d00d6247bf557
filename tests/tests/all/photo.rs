//! Record photos: `crmUploadPhoto` and `crmDownloadPhoto`, through `invoke` and the CLI.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::json;

use crate::support::{World, cli_against, kind};

/// The smallest PNG that is still a PNG to anyone checking its signature.
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R',
];

#[tokio::test]
async fn a_photo_is_uploaded_replaced_and_downloaded() {
    let world = World::new();
    let contact = world.fake.seed("Contacts", &[json!({"Last_Name": "Boyle"})]).remove(0);
    let none = world
        .invoke(
            "crmDownloadPhoto",
            json!({"recordType": "Contacts", "recordId": contact}),
        )
        .await
        .expect_err("no photo yet");
    assert_eq!(kind(&none), "not-found");

    let uploaded = world
        .invoke(
            "crmUploadPhoto",
            json!({"recordType": "Contacts", "recordId": contact, "fileName": "me.png", "fileBase64": BASE64.encode(PNG)}),
        )
        .await
        .expect("uploaded");
    assert_eq!(uploaded["data"]["code"], "SUCCESS");
    let jpeg = [&[0xFF, 0xD8, 0xFF, 0xE0][..], b"jpeg body"].concat();
    world
        .invoke(
            "crmUploadPhoto",
            json!({"recordType": "Contacts", "recordId": contact, "fileName": "me.jpg", "fileBase64": BASE64.encode(&jpeg)}),
        )
        .await
        .expect("replaced");
    let photo = world
        .invoke(
            "crmDownloadPhoto",
            json!({"recordType": "Contacts", "recordId": contact}),
        )
        .await
        .expect("downloaded");
    assert_eq!(photo["data"]["contentType"], "image/jpeg");
    assert_eq!(
        BASE64
            .decode(photo["data"]["contentBase64"].as_str().expect("base64"))
            .expect("decodes"),
        jpeg
    );
}

#[tokio::test]
async fn what_zoho_refuses_is_a_clear_error() {
    let world = World::new();
    let contact = world.fake.seed("Contacts", &[json!({"Last_Name": "Boyle"})]).remove(0);
    let deal = world.fake.seed("Deals", &[json!({"Deal_Name": "Renewal"})]).remove(0);
    let error = world
        .invoke(
            "crmUploadPhoto",
            json!({"recordType": "Contacts", "recordId": contact, "fileName": "notes.txt", "file": "plain text"}),
        )
        .await
        .expect_err("not an image");
    assert_eq!(
        (kind(&error), error["error"]["input"].as_str()),
        ("invalid-input", Some("file"))
    );
    let too_large = BASE64.encode([PNG, &vec![0; 10 << 20][..]].concat());
    let error = world
        .invoke(
            "crmUploadPhoto",
            json!({"recordType": "Contacts", "recordId": contact, "fileName": "big.png", "fileBase64": too_large}),
        )
        .await
        .expect_err("over 10 MB");
    assert_eq!(kind(&error), "invalid-input");
    assert!(world.fake.requests().is_empty(), "refused before sending");

    let error = world
        .invoke(
            "crmUploadPhoto",
            json!({"recordType": "Deals", "recordId": deal, "fileName": "me.png", "fileBase64": BASE64.encode(PNG)}),
        )
        .await
        .expect_err("deals have no photo");
    assert_eq!(error["error"]["code"], "NOT_SUPPORTED", "{error}");
    let error = world
        .invoke(
            "crmUploadPhoto",
            json!({"recordType": "Contacts", "recordId": "4876876000000999999", "fileName": "me.png", "fileBase64": BASE64.encode(PNG)}),
        )
        .await
        .expect_err("no such contact");
    assert_eq!(kind(&error), "not-found");
}

#[tokio::test]
async fn a_photo_is_downloaded_through_the_cli() {
    let world = World::new();
    let lead = world.fake.seed("Leads", &[json!({"Last_Name": "Boyle"})]).remove(0);
    let upload =
        json!({"recordType": "Leads", "recordId": lead, "fileName": "me.png", "fileBase64": BASE64.encode(PNG)})
            .to_string();
    let run = cli_against(&world.fake, &["invoke", "crmUploadPhoto", "--input", &upload]).await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    let download = json!({"recordType": "Leads", "recordId": lead}).to_string();
    let run = cli_against(&world.fake, &["invoke", "crmDownloadPhoto", "--input", &download]).await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert_eq!(run.json()["data"]["size"], PNG.len());
}
