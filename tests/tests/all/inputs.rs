//! Bad input is a clear `invalid-input` error naming the input, and no request is sent.

use crate::support::{World, kind};
use serde_json::{Value, json};

async fn assert_refused(world: &World, key: &str, input: Value, expected_input: &str) {
    let error = world.invoke(key, input.clone()).await.expect_err("refused");
    assert_eq!(kind(&error), "invalid-input", "{key} {input}: {error}");
    assert_eq!(error["error"]["input"], expected_input, "{key} {input}: {error}");
    assert!(world.fake.requests().is_empty(), "{key} {input} sent a request");
}

#[tokio::test]
async fn module_names_that_could_change_the_url_are_refused() {
    let world = World::new();
    for module in [
        "",
        "Leads/123",
        "..",
        "../settings",
        "Leads?ids=1",
        "Leads#x",
        "Le%2Fads",
        "Leads,Deals",
        "Le ads",
        "Leads\r\n",
        "Leads\u{0}",
    ] {
        assert_refused(
            &world,
            "crmGetRecords",
            json!({"recordType": module, "fields": "Last_Name"}),
            "recordType",
        )
        .await;
        assert_refused(
            &world,
            "crmCreateRecord",
            json!({"recordType": module, "values": {"Last_Name": "A"}}),
            "recordType",
        )
        .await;
    }
}

#[tokio::test]
async fn record_ids_must_be_digit_strings_everywhere() {
    let world = World::new();
    for id in [
        "", "/", "..", "1/2", "12?x", "12#", "%2e%2e", "1,2", " 12", "12\n", "1\u{7f}",
    ] {
        for key in ["crmGetRecord", "crmRemoveRecord"] {
            assert_refused(&world, key, json!({"recordType": "Leads", "recordId": id}), "recordId").await;
        }
        assert_refused(
            &world,
            "crmUpdateRecord",
            json!({"recordType": "Leads", "recordId": id, "values": {}}),
            "recordId",
        )
        .await;
    }
    // Numbers are refused too: above 2^53 they arrive already rounded from JavaScript hosts.
    assert_refused(
        &world,
        "crmGetRecord",
        json!({"recordType": "Leads", "recordId": 4876876000000624001_u64}),
        "recordId",
    )
    .await;
}

#[tokio::test]
async fn types_ranges_and_unknown_inputs_are_named() {
    let world = World::new();
    let cases = [
        ("crmGetRecords", json!({"recordType": "Leads"}), "fields"),
        (
            "crmGetRecords",
            json!({"recordType": "Leads", "fields": "A", "perPage": 201}),
            "perPage",
        ),
        (
            "crmGetRecords",
            json!({"recordType": "Leads", "fields": "A", "page": 0}),
            "page",
        ),
        (
            "crmGetRecords",
            json!({"recordType": "Leads", "fields": "A", "sortOrder": "sideways"}),
            "sortOrder",
        ),
        (
            "crmGetRecords",
            json!({"recordType": "Leads", "fields": "A", "page": 2, "pageToken": "abc"}),
            "pageToken",
        ),
        (
            "crmGetRecords",
            json!({"recordType": "Leads", "fields": "A&b=c"}),
            "fields[0]",
        ),
        (
            "crmGetRecords",
            json!({"recordType": "Leads", "fields": "A", "colour": "red"}),
            "colour",
        ),
        (
            "crmCreateRecord",
            json!({"recordType": "Leads", "values": "Last_Name=A"}),
            "values",
        ),
        (
            "crmCreateRecord",
            json!({"recordType": "Leads", "values": []}),
            "values",
        ),
        (
            "crmCreateRecord",
            json!({"recordType": "Leads", "values": [{"Last_Name": "A"}, 7]}),
            "values[1]",
        ),
        (
            "crmCreateRecord",
            json!({"recordType": "Leads", "values": {"Last_Name": "A"}, "trigger": ["work flow"]}),
            "trigger[0]",
        ),
        (
            "crmUpdateRecord",
            json!({"recordType": "Leads", "recordId": "1", "values": {"id": "2"}}),
            "values.id",
        ),
        ("crmNoSuchAction", json!({}), "action"),
    ];
    for (key, input, expected) in cases {
        assert_refused(&world, key, input, expected).await;
    }
}

#[tokio::test]
async fn input_that_is_not_a_json_object_is_refused() {
    let world = World::new();
    let harness = crate::support::harness();
    for input in ["[]", "\"Leads\"", "{", ""] {
        let outcome = harness
            .invoke(&world.context, "crmGetRecords", crate::support::CONNECTION, input)
            .await
            .expect("runs");
        let error = outcome.expect_err("refused");
        let document = zoho_host::output::error_document(&error);
        assert_eq!(
            (kind(&document), document["error"]["input"].as_str()),
            ("invalid-input", Some("input")),
            "{input}"
        );
    }
    assert!(world.fake.requests().is_empty());
}
