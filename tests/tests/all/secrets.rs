//! The access token never appears in any output, error or log, even with debug logging on,
//! even when a user puts it in the data and Zoho echoes it back.

use crate::support::World;
use serde_json::{Value, json};

fn assert_no_token(world: &World, text: &str, what: &str) {
    let token = world.fake.access_token();
    assert!(!text.contains(&token), "the token appears in {what}: {text}");
}

#[tokio::test]
async fn no_output_error_or_debug_log_contains_the_token() {
    let world = World::new();
    let id = world.fake.seed("Leads", &[json!({"Last_Name": "Boyle"})]).remove(0);
    let calls: Vec<(&str, Value)> = vec![
        (
            "crmCreateRecord",
            json!({"recordType": "Leads", "values": [{"Last_Name": "A"}, {"Email": "x"}]}),
        ),
        (
            "crmCreateRecord",
            json!({"recordType": "Leads", "values": {"Company": "no name"}}),
        ),
        ("crmGetRecord", json!({"recordType": "Leads", "recordId": id})),
        (
            "crmGetRecord",
            json!({"recordType": "Leads", "recordId": "4876876000009999999"}),
        ),
        ("crmGetRecords", json!({"recordType": "Leads", "fields": "Last_Name"})),
        ("crmGetRecords", json!({"recordType": "Nope", "fields": "Last_Name"})),
        (
            "crmUpdateRecord",
            json!({"recordType": "Leads", "recordId": id, "values": {"Company": "Z"}}),
        ),
        ("crmRemoveRecord", json!({"recordType": "Leads", "recordId": id})),
        ("crmGetRecord", json!({"recordType": "Leads", "recordId": "../../etc"})),
    ];
    for (key, mut input) in calls {
        input["debugRequest"] = json!(true);
        let outcome = world.invoke(key, input).await;
        let text = match outcome {
            Ok(output) => output.to_string(),
            Err(error) => error.to_string(),
        };
        assert_no_token(&world, &text, key);
    }
    let log = world.log_text();
    assert!(
        log.contains("authorization: Zoho-oauthtoken [REDACTED]"),
        "debug logs were written: {log}"
    );
    assert_no_token(&world, &log, "the debug log");
}

#[tokio::test]
async fn a_token_the_user_put_in_the_data_is_redacted_from_debug_logs() {
    let world = World::new();
    let token = world.fake.access_token();
    world
        .invoke(
            "crmCreateRecord",
            json!({"recordType": "Leads", "values": {"Last_Name": "Echo", "Description": token}, "debugRequest": true}),
        )
        .await
        .expect("created");
    world
        .invoke(
            "crmGetRecords",
            json!({"recordType": "Leads", "fields": "Description", "debugRequest": true}),
        )
        .await
        .expect("listed");
    let log = world.log_text();
    assert!(log.contains("[REDACTED]"));
    assert_no_token(&world, &log, "the debug log");
}

#[tokio::test]
async fn a_rejected_token_is_not_quoted_in_the_error() {
    let world = World::new();
    world.fake.revoke_token(&world.fake.access_token());
    let error = world
        .invoke(
            "crmGetRecords",
            json!({"recordType": "Leads", "fields": "Last_Name", "debugRequest": true}),
        )
        .await
        .expect_err("rejected");
    assert_no_token(&world, &error.to_string(), "the error");
    assert_no_token(&world, &world.log_text(), "the debug log");
}

#[test]
#[should_panic(expected = "a secret leaked")]
fn the_suite_wide_leak_check_fails_on_a_leak() {
    crate::support::assert_no_secret(
        "error: token 1000.abcdef123 rejected",
        &["1000.abcdef123".to_owned()],
        "a test string",
    );
}
