//! Books' request limits per organization (`zoho-facts` `books_limits`, from the Books API
//! introduction's "API Call Limit"): a spent daily allowance and the per-minute block come back
//! at once as `rate-limited`, with no retry spending more; calls in flight keep to the plan's
//! limit in the host, so Books never refuses one; `--stats` counts Books requests.

use std::sync::Arc;
use std::time::Duration;

use fake_zoho::Fault;
use serde_json::json;
use zoho_facts::books_limits::{self, BooksPlan};
use zoho_host::{Harness, HarnessConfig};

use crate::support::{CONNECTION, World, cli_against, kind};

fn contacts(organization: &str) -> serde_json::Value {
    json!({"recordType": "contacts", "organizationId": organization, "maxRetries": 3})
}

#[tokio::test]
async fn a_spent_daily_allowance_is_rate_limited_at_once_without_a_retry() {
    let world = World::new();
    world.fake.set_books_plan(Some(BooksPlan::Free));
    let organization = world.fake.books_organization_id();
    // A Free organization's 1,000 requests, spent over the last hours.
    world.fake.spend_books_requests(&organization, 1_000, 3 * 3600);
    let error = world
        .invoke("booksGetRecords", contacts(&organization))
        .await
        .expect_err("refused");
    assert_eq!(kind(&error), "rate-limited", "{error}");
    assert_eq!(error["error"]["code"], books_limits::DAILY_CODE.to_string(), "{error}");
    assert_eq!(
        world.fake.requests().len(),
        1,
        "no retry spends more of a spent allowance"
    );
    let (_, refusals) = world.fake.books_requests(&organization);
    assert_eq!(refusals.get(&books_limits::DAILY_CODE), Some(&1));
}

#[tokio::test]
async fn the_per_minute_block_is_rate_limited_at_once_with_the_minute_to_wait() {
    let world = World::new();
    world.fake.set_books_plan(Some(BooksPlan::Standard));
    let organization = world.fake.books_organization_id();
    world.fake.spend_books_requests(&organization, 100, 10);
    let error = world
        .invoke("booksGetRecords", contacts(&organization))
        .await
        .expect_err("refused");
    assert_eq!(kind(&error), "rate-limited", "{error}");
    assert_eq!(
        error["error"]["code"],
        books_limits::PER_MINUTE_CODE.to_string(),
        "{error}"
    );
    assert_eq!(error["error"]["retryAfterSeconds"], 60, "{error}");
    assert_eq!(world.fake.requests().len(), 1, "a blocked minute is not retried into");
    // A minute later by Zoho's clock, the organization is served again.
    world.fake.advance_clock(60);
    world
        .invoke("booksGetRecords", contacts(&organization))
        .await
        .expect("served after the minute");
}

#[tokio::test]
async fn too_many_calls_in_flight_are_retried_like_any_429() {
    let world = World::new();
    let organization = world.fake.books_organization_id();
    world.fake.inject(
        "/books/v3/contacts",
        Fault::Answer {
            status: 429,
            body: json!({"code": books_limits::CONCURRENCY_CODE, "message": books_limits::CONCURRENCY_MESSAGE})
                .to_string(),
        },
        1,
    );
    world
        .invoke("booksGetRecords", contacts(&organization))
        .await
        .expect("the retry is served");
    assert_eq!(world.fake.requests().len(), 2);
}

/// A Free organization takes 5 calls in flight; twelve calls at once through a host told so
/// all succeed, none refused, because the host holds the rest until a call ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_in_flight_keep_to_the_books_organizations_limit() {
    let world = World::new();
    world.fake.set_books_plan(Some(BooksPlan::Free));
    let organization = world.fake.books_organization_id();
    let harness = Arc::new(
        Harness::bundled(HarnessConfig {
            cache_dir: Some(std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("zoho-harness-cache")),
            allow_loopback: true,
            books_max_in_flight_per_org: BooksPlan::Free.concurrent_calls(),
            ..HarnessConfig::default()
        })
        .expect("loads"),
    );
    world
        .fake
        .inject("/books/v3/contacts", Fault::Delay(Duration::from_millis(300)), 12);
    let input = contacts(&organization).to_string();
    let calls: Vec<_> = (0..12)
        .map(|_| {
            let (harness, context, input) = (Arc::clone(&harness), world.context.clone(), input.clone());
            tokio::spawn(async move { harness.invoke(&context, "booksGetRecords", CONNECTION, &input).await })
        })
        .collect();
    for call in calls {
        let outcome = call.await.expect("task").expect("no harness failure");
        assert!(outcome.is_ok(), "{outcome:?}");
    }
    let (_, refusals) = world.fake.books_requests(&organization);
    assert!(refusals.is_empty(), "Books refused: {refusals:?}");
    assert_eq!(
        world.fake.requests().len(),
        12,
        "one request each, none refused and retried"
    );
}

#[tokio::test]
async fn stats_count_books_requests() {
    let world = World::new();
    let organization = world.fake.books_organization_id();
    let input = contacts(&organization).to_string();
    let run = cli_against(
        &world.fake,
        &["--stats", "invoke", "booksGetRecords", "--input", &input],
    )
    .await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("requests 1, credits 0, books requests 1"),
        "{}",
        run.stderr
    );
}
