//! Host limits: memory per instance, response size, and the call deadline. A limit hit in one
//! call is reported clearly and leaves the harness and other calls unaffected.

use std::path::PathBuf;
use std::time::Duration;

use fake_zoho::Fault;

use zoho_host::{Harness, HarnessConfig, HarnessError};

use crate::support::{CONNECTION, World, cli_async, kind};

fn harness_with(config: HarnessConfig) -> Harness {
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("zoho-harness-cache");
    Harness::bundled(HarnessConfig {
        cache_dir: Some(cache),
        allow_loopback: true,
        ..config
    })
    .expect("loads")
}

const SMALL: &str = r#"{"recordType":"Leads","fields":"Last_Name"}"#;

#[tokio::test]
async fn a_response_larger_than_instance_memory_is_a_typed_error_not_a_trap() {
    let world = World::new();
    let harness = harness_with(HarnessConfig {
        memory_limit_bytes: 6 << 20,
        max_response_bytes: 64 << 20,
        ..HarnessConfig::default()
    });
    // Too large to read at all, then readable but too large to encode and return.
    for size in [12_000_000, 2_500_000] {
        let big = format!(r#"{{"url":"/__binary?size={size}","responseType":"binary"}}"#);
        let outcome = harness
            .invoke(&world.context, "crmRawRequest", CONNECTION, &big)
            .await
            .expect("no trap");
        let document = zoho_host::output::error_document(&outcome.expect_err("too large"));
        let message = document.to_string();
        assert!(message.contains("memory"), "{size}: {message}");
    }
    let after = harness
        .invoke(&world.context, "crmGetRecords", CONNECTION, SMALL)
        .await
        .expect("the harness still works");
    assert!(after.is_ok());
}

#[tokio::test]
async fn a_response_over_the_cap_is_a_typed_error_not_a_trap() {
    let world = World::new();
    let harness = harness_with(HarnessConfig {
        max_response_bytes: 64 << 10,
        ..HarnessConfig::default()
    });
    let outcome = harness
        .invoke(
            &world.context,
            "crmRawRequest",
            CONNECTION,
            r#"{"url":"/__binary?size=100000","responseType":"binary"}"#,
        )
        .await
        .expect("no trap");
    let document = zoho_host::output::error_document(&outcome.expect_err("too large"));
    assert_eq!(kind(&document), "transport");
    let fine = harness
        .invoke(
            &world.context,
            "crmRawRequest",
            CONNECTION,
            r#"{"url":"/__binary?size=1000","responseType":"binary"}"#,
        )
        .await
        .expect("no trap");
    assert!(fine.is_ok());
}

#[tokio::test]
async fn the_call_deadline_covers_waiting_and_the_next_call_is_unaffected() {
    let world = World::new();
    let harness = harness_with(HarnessConfig {
        call_deadline: Duration::from_secs(1),
        ..HarnessConfig::default()
    });
    world
        .fake
        .inject("/crm/v8/Leads", Fault::Delay(Duration::from_secs(4)), 1);
    let started = std::time::Instant::now();
    let outcome = harness.invoke(&world.context, "crmGetRecords", CONNECTION, SMALL).await;
    assert!(matches!(outcome, Err(HarnessError::Deadline(_))), "{outcome:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    let after = harness
        .invoke(&world.context, "crmGetRecords", CONNECTION, SMALL)
        .await
        .expect("runs");
    assert!(after.is_ok());
}

#[tokio::test]
async fn the_cli_reports_a_limit_hit_with_exit_2_and_a_message() {
    let world = World::new();
    world
        .fake
        .inject("/crm/v8/Leads", Fault::Delay(Duration::from_secs(4)), 1);
    let domain = world.fake.base_url();
    let token = world.fake.access_token();
    let env = [
        ("ZOHO_API_DOMAIN", domain.as_str()),
        ("ZOHO_ACCESS_TOKEN", token.as_str()),
    ];
    let run = cli_async(
        &["--deadline-secs", "1", "invoke", "crmGetRecords", "--input", SMALL],
        &env,
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("deadline"), "{}", run.stderr);
    let run = cli_async(
        &["--memory-limit-mb", "1", "invoke", "crmGetRecords", "--input", SMALL],
        &env,
    )
    .await;
    assert_eq!(
        run.code, 2,
        "an instance that cannot even start is a harness failure: {}",
        run.stdout
    );
    let run = cli_async(
        &["--max-response-mb", "0", "invoke", "crmGetRecords", "--input", SMALL],
        &env,
    )
    .await;
    assert_eq!(run.code, 2, "an unusable flag");
}

/// Leads whose `Description` makes each record about `bytes` long.
fn seed_fat_leads(world: &World, count: usize, bytes: usize) -> Vec<String> {
    let filler = "x".repeat(bytes);
    let leads: Vec<serde_json::Value> = (0..count)
        .map(|i| serde_json::json!({"Last_Name": format!("Fat {i}"), "Description": filler}))
        .collect();
    world.fake.seed("Leads", &leads)
}

#[tokio::test]
async fn fetch_all_beyond_what_one_call_can_hold_stops_cleanly_and_the_cursor_gets_the_rest() {
    let world = World::new();
    // 3,000 records of 4 KiB: 12 MiB, three times what one call gathers.
    let seeded = seed_fat_leads(&world, 3_000, 4_096);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut calls = 0;
    loop {
        let mut input = serde_json::json!({
            "recordType": "Leads", "fields": "Last_Name,Description", "fetchAll": true,
            "maxRecords": 100_000, "sortBy": "id", "sortOrder": "asc",
        });
        if let Some(cursor) = &cursor {
            input = serde_json::json!({
                "recordType": "Leads", "fields": "Last_Name,Description", "fetchAll": true,
                "maxRecords": 100_000, "cursor": cursor,
            });
        }
        let output = world.invoke("crmGetRecords", input).await.expect("no error, no trap");
        calls += 1;
        let page = output["data"].as_array().expect("data");
        assert!(!page.is_empty());
        seen.extend(page.iter().map(|r| r["id"].as_str().expect("id").to_owned()));
        if output["info"]["moreRecords"] == false {
            assert!(output["info"]["cursor"].is_null());
            break;
        }
        cursor = Some(output["info"]["cursor"].as_str().expect("a cursor to go on").to_owned());
    }
    assert!(calls >= 3, "the budget split the walk ({calls} calls)");
    assert_eq!(seen, seeded, "every record once, in order");
}

#[tokio::test]
async fn a_page_too_large_to_parse_in_instance_memory_is_a_typed_error() {
    let world = World::new();
    seed_fat_leads(&world, 200, 24_000);
    let harness = harness_with(HarnessConfig {
        memory_limit_bytes: 16 << 20,
        ..HarnessConfig::default()
    });
    let outcome = harness
        .invoke(
            &world.context,
            "crmGetRecords",
            CONNECTION,
            r#"{"recordType":"Leads","fields":"Last_Name,Description"}"#,
        )
        .await
        .expect("no trap");
    let document = zoho_host::output::error_document(&outcome.expect_err("too large"));
    // Refused while reading (transport) or before parsing (decode), depending on how much of
    // the memory the body itself took.
    assert!(["transport", "decode"].contains(&kind(&document)), "{document}");
    assert!(document.to_string().contains("perPage"), "{document}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_past_the_instance_slots_wait_for_one_rather_than_fail() {
    let world = World::new();
    let harness = std::sync::Arc::new(harness_with(HarnessConfig {
        max_concurrent_calls: 2,
        ..HarnessConfig::default()
    }));
    let delay = Duration::from_millis(300);
    world.fake.inject("/crm/v8/Leads", Fault::Delay(delay), 6);
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let (harness, context) = (std::sync::Arc::clone(&harness), world.context.clone());
            tokio::spawn(async move { harness.invoke(&context, "crmGetRecords", CONNECTION, SMALL).await })
        })
        .collect();
    for call in calls {
        let outcome = call.await.expect("task").expect("no harness failure");
        assert!(outcome.is_ok(), "{outcome:?}");
    }
    // Two slots: the third and fifth requests could only start once a slow call had ended.
    let mut arrivals: Vec<std::time::Instant> = world.fake.requests().iter().map(|r| r.received_at).collect();
    arrivals.sort();
    assert_eq!(arrivals.len(), 6);
    for pair in [(0, 2), (2, 4)] {
        assert!(
            arrivals[pair.1] - arrivals[pair.0] >= delay - Duration::from_millis(20),
            "{arrivals:?}"
        );
    }
}
