//! Host limits: memory per instance, response size, and the call deadline. A limit hit in one
//! call is reported clearly and leaves the harness and other calls unaffected.

use std::path::PathBuf;
use std::time::Duration;

use fake_zoho::Fault;

use zoho_harness::{Harness, HarnessConfig, HarnessError};

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
async fn running_out_of_memory_traps_that_call_only() {
    let world = World::new();
    let harness = harness_with(HarnessConfig {
        memory_limit_bytes: 6 << 20,
        max_response_bytes: 64 << 20,
        ..HarnessConfig::default()
    });
    let big = r#"{"url":"/__binary?size=12000000","responseType":"binary"}"#;
    let outcome = harness.invoke(&world.context, "crmRawRequest", CONNECTION, big).await;
    assert!(matches!(outcome, Err(HarnessError::Trap(_))), "{outcome:?}");
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
    let document = zoho_harness::output::error_document(&outcome.expect_err("too large"));
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
