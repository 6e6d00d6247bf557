//! The harness's keep-alive pool: calls share connections, and a connection that saw an error
//! or an unfinished body is never used again.

use std::path::PathBuf;

use fake_zoho::Fault;
use serde_json::json;
use zoho_host::{Harness, HarnessConfig, PoolConfig};

use crate::support::{World, invoke_with};

fn harness_with(pool: PoolConfig) -> Harness {
    Harness::bundled(HarnessConfig {
        cache_dir: Some(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("zoho-harness-cache")),
        allow_loopback: true,
        pool,
        ..HarnessConfig::default()
    })
    .expect("loads")
}

fn lead(world: &World) -> String {
    world.fake.seed("Leads", &[json!({"Last_Name": "Pooled"})]).remove(0)
}

/// One `crmGetRecord` of `id`, without retries so a failure shows.
async fn get_lead(harness: &Harness, world: &World, id: &str) -> Result<serde_json::Value, serde_json::Value> {
    let input = json!({"recordType": "Leads", "recordId": id, "maxRetries": 0});
    invoke_with(harness, &world.context, "crmGetRecord", input).await
}

#[tokio::test]
async fn sequential_calls_share_one_connection() {
    let world = World::new();
    let id = lead(&world);
    let harness = harness_with(PoolConfig::default());
    for _ in 0..10 {
        let output = get_lead(&harness, &world, &id).await.expect("read");
        assert_eq!(output["data"]["id"], id.as_str());
    }
    assert_eq!(world.fake.connections_accepted(), 1);
    let stats = harness.pool_stats();
    assert_eq!((stats.opened, stats.reused), (1, 9));
}

#[tokio::test]
async fn without_pooling_every_request_opens_a_connection() {
    let world = World::new();
    let id = lead(&world);
    let harness = harness_with(PoolConfig {
        max_idle_per_origin: 0,
        ..PoolConfig::default()
    });
    for _ in 0..3 {
        get_lead(&harness, &world, &id).await.expect("read");
    }
    assert_eq!(world.fake.connections_accepted(), 3);
}

#[tokio::test]
async fn a_connection_that_failed_mid_body_is_not_reused() {
    let world = World::new();
    let id = lead(&world);
    let harness = harness_with(PoolConfig::default());
    get_lead(&harness, &world, &id).await.expect("read");
    world
        .fake
        .inject(&format!("/crm/v8/Leads/{id}"), Fault::TruncatedBody, 1);
    let broken = get_lead(&harness, &world, &id).await;
    assert!(broken.is_err(), "{broken:?}");
    get_lead(&harness, &world, &id).await.expect("read again");
    // The first connection served the first call and died with the truncated body; the
    // third call needed a new one.
    assert_eq!(world.fake.connections_accepted(), 2);
}

#[tokio::test]
async fn an_idle_connection_past_its_timeout_is_replaced() {
    let world = World::new();
    let id = lead(&world);
    let harness = harness_with(PoolConfig {
        idle_timeout: std::time::Duration::from_millis(50),
        ..PoolConfig::default()
    });
    get_lead(&harness, &world, &id).await.expect("read");
    tokio::time::sleep(std::time::Duration::from_millis(120)).await;
    get_lead(&harness, &world, &id).await.expect("read");
    assert_eq!(harness.pool_stats().opened, 2);
}
