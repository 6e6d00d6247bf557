//! The shared store under load, with real worker processes (`store-worker`): workers sharing
//! stored connections while their tokens expire (exactly one refresh per connection per
//! expiry, no throttle hit), pollers sharing trigger keys while records are created (every
//! event delivered exactly once across all processes), and a worker killed while it holds a
//! key. PostgreSQL, and the file store on this one machine for comparison.
//!
//! The scale here is small, for CI. `scripts/bench-store.sh` runs the same tests at the scale
//! BENCHMARKS.md records (ZOHO_LOAD_WORKERS, ZOHO_LOAD_CONNECTIONS, ZOHO_LOAD_POLLERS,
//! ZOHO_LOAD_TRIGGERS, ZOHO_LOAD_RECORDS), and each prints its figures on a `LOAD` line.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fake_zoho::{FakeZoho, Fault};
use serde_json::{Value, json};
use zoho_host::store::{ConnectionStore, Store};
use zoho_host::{CallContext, ConnectionInfo, StaticCredentials};

use crate::shared_store::{open_postgres, postgres};
use crate::support::{harness, oauth_connection, temp_dir};

const WORKER: &str = env!("CARGO_BIN_EXE_store-worker");
const SETTLED: i64 = 120;

fn scale(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("zoho-harness-cache")
}

fn spawn_worker(args: &[&str]) -> Child {
    spawn_worker_with(args, Stdio::piped())
}

fn spawn_worker_with(args: &[&str], stdout: Stdio) -> Child {
    Command::new(WORKER)
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("a worker starts")
}

/// The event lines (`{"key", "id"}`) the workers have written to `files` so far.
fn delivered_lines(files: &[PathBuf]) -> Vec<Value> {
    files
        .iter()
        .filter_map(|file| std::fs::read_to_string(file).ok())
        .flat_map(|text| {
            text.lines()
                .filter(|line| line.ends_with('}'))
                .filter_map(|line| serde_json::from_str::<Value>(line).ok())
                .filter(|line| line.get("key").is_some())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Waits for every worker to stop; returns their stdout lines and summaries.
async fn finish(workers: Vec<Child>) -> (Vec<Value>, Vec<Value>) {
    tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        let mut summaries = Vec::new();
        for worker in workers {
            let output = worker.wait_with_output().expect("the worker ends");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "a worker failed: {stderr}");
            if !stderr.is_empty() {
                eprintln!("a worker reported: {stderr}");
            }
            for line in String::from_utf8_lossy(&output.stdout).lines() {
                let value: Value = serde_json::from_str(line).expect("JSON lines");
                match value.get("summary") {
                    Some(summary) => summaries.push(summary.clone()),
                    None => lines.push(value),
                }
            }
        }
        (lines, summaries)
    })
    .await
    .expect("join")
}

async fn wait_until(what: &str, deadline: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn refresh_token_of(request: &fake_zoho::RecordedRequest) -> Option<String> {
    let body = String::from_utf8_lossy(&request.body).into_owned();
    let form = request
        .query
        .iter()
        .cloned()
        .chain(body.split('&').filter_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            Some((key.to_owned(), value.to_owned()))
        }))
        .find(|(key, _)| key == "refresh_token")?;
    Some(form.1)
}

/// Workers share `connections` stored connections; tokens expire twice while they run.
async fn refreshes_under_load(store: Arc<dyn Store>, location: &str, label: &str) {
    let workers = scale("ZOHO_LOAD_WORKERS", 3);
    let connections = scale("ZOHO_LOAD_CONNECTIONS", 12);
    let fake = zoho_contract_check::Checked::start();
    let mut names = Vec::new();
    let mut refresh_tokens = BTreeMap::new();
    for i in 0..connections {
        let (connection, refresh_token) = oauth_connection(&fake, "1000.LOADCLIENT", "load-client-secret-77");
        let name = format!("c{i}");
        store.put(&name, connection).await.expect("stored");
        refresh_tokens.insert(refresh_token, name.clone());
        names.push(name);
    }
    let stop_dir = temp_dir(&format!("stop-{label}"));
    let stop = stop_dir.0.join("stop");
    let (names_arg, stop_arg, cache) = (
        names.join(","),
        stop.display().to_string(),
        cache_dir().display().to_string(),
    );
    let started = Instant::now();
    let children: Vec<Child> = (0..workers)
        .map(|_| {
            spawn_worker(&[
                "--mode", "refresh", "--store", location, "--names", &names_arg, "--stop", &stop_arg, "--cache", &cache,
            ])
        })
        .collect();
    let expiries = 2;
    for round in 0..=expiries {
        let expected = connections * (round + 1);
        wait_until("every connection's token", Duration::from_secs(180), || {
            fake.token_requests().len() >= expected
        })
        .await;
        if round < expiries {
            // Calls still waiting to retry with the new tokens go first (about one more round
            // of every worker): Zoho does not expire a token moments after issuing it.
            let seen = fake.requests().len();
            tokio::time::sleep(Duration::from_secs(1)).await;
            wait_until("a round with the new tokens", Duration::from_secs(180), || {
                fake.requests().len() >= seen + workers * connections
            })
            .await;
            fake.expire_access_tokens();
        }
    }
    // Every worker goes on calling for a while with the last tokens: no more refreshes.
    tokio::time::sleep(Duration::from_millis(800)).await;
    std::fs::write(&stop, b"").expect("stop file");
    let (_, summaries) = finish(children).await;
    let elapsed = started.elapsed();

    let mut per_connection: BTreeMap<String, usize> = BTreeMap::new();
    for request in fake.token_requests() {
        let token = refresh_token_of(&request).expect("a refresh grant");
        let name = refresh_tokens.get(&token).expect("one of ours").clone();
        *per_connection.entry(name).or_default() += 1;
    }
    let wrong: Vec<_> = per_connection.iter().filter(|(_, n)| **n != expiries + 1).collect();
    assert!(
        wrong.is_empty(),
        "{label}: refreshes per connection other than one per expiry: {wrong:?}"
    );
    assert_eq!(per_connection.len(), connections);
    let errors: u64 = summaries.iter().map(|s| s["errors"].as_u64().unwrap_or(0)).sum();
    assert_eq!(errors, 0, "{label}: calls failed (a throttle, a lock): {summaries:?}");
    let calls: u64 = summaries.iter().map(|s| s["calls"].as_u64().unwrap_or(0)).sum();
    let peak = summaries.iter().map(|s| s["peakRssKiB"].as_u64().unwrap_or(0)).max();
    println!(
        "LOAD {}",
        json!({
            "test": "refresh", "store": label, "workers": workers, "connections": connections,
            "expiries": expiries, "tokenRequests": fake.token_requests().len(), "calls": calls,
            "errors": errors, "seconds": elapsed.as_secs_f64(), "peakWorkerRssKiB": peak,
        })
    );
}

#[tokio::test]
async fn workers_on_postgres_refresh_each_connection_once_per_expiry_under_load() {
    let server = postgres();
    let store = open_postgres(&server).await;
    refreshes_under_load(store, &server.url(), "postgres").await;
}

#[tokio::test]
async fn workers_on_the_file_store_refresh_each_connection_once_per_expiry_under_load() {
    let dir = temp_dir("load-refresh");
    let location = dir.0.display().to_string();
    refreshes_under_load(Arc::new(ConnectionStore::new(&dir.0)), &location, "file").await;
}

fn fake_context(fake: &FakeZoho) -> CallContext {
    let info = ConnectionInfo {
        access_token: fake.access_token(),
        api_domain: fake.base_url(),
        books_organization_id: None,
    };
    CallContext::new(Arc::new(StaticCredentials::new().with("fake", info)))
}

/// Polls every key until none has anything left, in this process; returns (key, id) pairs.
async fn drain(store: &Arc<dyn Store>, fake: &FakeZoho, keys: &[String]) -> Vec<(String, String)> {
    let context = fake_context(fake);
    let mut delivered = Vec::new();
    for key in keys {
        loop {
            let hold = store
                .take_state(key, Duration::from_secs(60))
                .await
                .expect("answers")
                .expect("no worker holds it any more");
            let input = r#"{"recordType":"Leads","fields":["Last_Name"],"maxEvents":5}"#;
            let polled = harness()
                .poll(&context, "crmNewRecords", "fake", input, hold.state())
                .await
                .expect("runs")
                .expect("polls");
            let events: Vec<Value> = serde_json::from_str(&polled.events).expect("events");
            hold.advance(polled.state).await.expect("advanced");
            if events.is_empty() {
                break;
            }
            delivered.extend(
                events
                    .iter()
                    .map(|e| (key.clone(), e["id"].as_str().expect("id").to_owned())),
            );
        }
    }
    delivered
}

/// Pollers share `triggers` keys while records are created: each key delivers each record
/// exactly once, whichever process polls it.
async fn events_under_load(store: Arc<dyn Store>, location: &str, label: &str) {
    let pollers = scale("ZOHO_LOAD_POLLERS", 2);
    let triggers = scale("ZOHO_LOAD_TRIGGERS", 8);
    let records = scale("ZOHO_LOAD_RECORDS", 12);
    let fake = zoho_contract_check::Checked::start();
    let keys: Vec<String> = (0..triggers).map(|i| format!("{label}-t{i}")).collect();
    // Each key's first poll anchors it at Zoho's clock before any record is created.
    assert!(drain(&store, &fake, &keys).await.is_empty());

    let stop_dir = temp_dir(&format!("stop-poll-{label}"));
    let stop = stop_dir.0.join("stop");
    let (keys_arg, stop_arg, cache) = (
        keys.join(","),
        stop.display().to_string(),
        cache_dir().display().to_string(),
    );
    let (fake_url, token) = (fake.base_url(), fake.access_token());
    let started = Instant::now();
    // Each poller writes the events it delivers to a file of its own, read while they run.
    let outputs: Vec<PathBuf> = (0..pollers)
        .map(|i| stop_dir.0.join(format!("poller-{i}.jsonl")))
        .collect();
    let children: Vec<Child> = outputs
        .iter()
        .map(|output| {
            let file = std::fs::File::create(output).expect("an output file");
            spawn_worker_with(
                &[
                    "--mode", "poll", "--store", location, "--names", &keys_arg, "--stop", &stop_arg, "--cache",
                    &cache, "--fake", &fake_url, "--token", &token,
                ],
                Stdio::from(file),
            )
        })
        .collect();
    let mut created = Vec::new();
    for i in 0..records {
        fake.advance_clock(1);
        created.push(fake.create_record("Leads", &json!({"Last_Name": format!("Load {i}")})));
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    fake.advance_clock(SETTLED);
    // The pollers run until they have delivered every event between them.
    let expected = triggers * records;
    wait_until("the pollers to deliver every event", Duration::from_secs(180), || {
        delivered_lines(&outputs).len() >= expected
    })
    .await;
    std::fs::write(&stop, b"").expect("stop file");
    finish(children).await;
    let lines = delivered_lines(&outputs);
    let summaries: Vec<Value> = outputs
        .iter()
        .filter_map(|file| std::fs::read_to_string(file).ok())
        .flat_map(|text| {
            text.lines()
                .filter_map(|line| serde_json::from_str::<Value>(line).ok()?.get("summary").cloned())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(summaries.len(), pollers, "{label}: every poller ended with its summary");
    let elapsed = started.elapsed();
    let mut delivered: Vec<(String, String)> = lines
        .iter()
        .map(|line| {
            (
                line["key"].as_str().expect("key").to_owned(),
                line["id"].as_str().expect("id").to_owned(),
            )
        })
        .collect();
    let by_workers = delivered.len();
    delivered.extend(drain(&store, &fake, &keys).await);

    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for pair in &delivered {
        *counts.entry(pair.clone()).or_default() += 1;
    }
    let duplicates: usize = counts.values().map(|n| n - 1).sum();
    let losses: usize = keys
        .iter()
        .flat_map(|key| created.iter().map(move |id| (key.clone(), id.clone())))
        .filter(|pair| !counts.contains_key(pair))
        .count();
    let polls: u64 = summaries.iter().map(|s| s["polls"].as_u64().unwrap_or(0)).sum();
    let busy: u64 = summaries.iter().map(|s| s["busy"].as_u64().unwrap_or(0)).sum();
    let errors: u64 = summaries.iter().map(|s| s["errors"].as_u64().unwrap_or(0)).sum();
    let peak = summaries.iter().map(|s| s["peakRssKiB"].as_u64().unwrap_or(0)).max();
    println!(
        "LOAD {}",
        json!({
            "test": "poll", "store": label, "pollers": pollers, "triggers": triggers, "records": records,
            "events": delivered.len(), "byWorkers": by_workers, "duplicates": duplicates, "losses": losses,
            "polls": polls, "busy": busy, "errors": errors, "seconds": elapsed.as_secs_f64(),
            "peakWorkerRssKiB": peak,
        })
    );
    assert_eq!(
        (duplicates, losses, errors),
        (0, 0, 0),
        "{label}: duplicates, losses, errors"
    );
    assert_eq!(
        by_workers,
        keys.len() * created.len(),
        "{label}: the workers delivered every event themselves, the last drain nothing"
    );
}

#[tokio::test]
async fn pollers_on_postgres_deliver_every_event_exactly_once_under_load() {
    let server = postgres();
    let store = open_postgres(&server).await;
    events_under_load(store, &server.url(), "postgres").await;
}

#[tokio::test]
async fn pollers_on_the_file_store_deliver_every_event_exactly_once_under_load() {
    let dir = temp_dir("load-poll");
    let location = dir.0.display().to_string();
    events_under_load(Arc::new(ConnectionStore::new(&dir.0)), &location, "file").await;
}

/// A worker killed mid-poll, holding its key: the key is free again at once (PostgreSQL ends
/// the dead session, the kernel drops the dead process's file lock), and the next poll
/// continues from the committed state.
async fn a_killed_holder_lets_go(store: Arc<dyn Store>, location: &str, label: &str) {
    let fake = zoho_contract_check::Checked::start();
    let key = format!("{label}-killed");
    assert!(drain(&store, &fake, std::slice::from_ref(&key)).await.is_empty());
    fake.advance_clock(1);
    let id = fake.create_record("Leads", &json!({"Last_Name": "Kept"}));
    fake.advance_clock(SETTLED);
    // The worker's poll hangs at Zoho, holding the key.
    fake.inject("/crm/v8/", Fault::Delay(Duration::from_secs(60)), 1);
    let stop_dir = temp_dir(&format!("stop-kill-{label}"));
    let stop = stop_dir.0.join("stop");
    let (stop_arg, cache) = (stop.display().to_string(), cache_dir().display().to_string());
    let (fake_url, token) = (fake.base_url(), fake.access_token());
    let crm_requests = |fake: &FakeZoho| {
        fake.requests()
            .iter()
            .filter(|r| r.path.starts_with("/crm/v8/"))
            .count()
    };
    let before = crm_requests(&fake);
    let mut worker = spawn_worker(&[
        "--mode", "poll", "--store", location, "--names", &key, "--stop", &stop_arg, "--cache", &cache, "--fake",
        &fake_url, "--token", &token,
    ]);
    let probe = Arc::clone(&store);
    let held_key = key.clone();
    wait_until_async("the worker to take the key", Duration::from_secs(60), move || {
        let probe = Arc::clone(&probe);
        let key = held_key.clone();
        async move {
            match probe.take_state(&key, Duration::from_secs(60)).await.expect("answers") {
                Some(hold) => {
                    hold.release().await;
                    false
                }
                None => true,
            }
        }
    })
    .await;
    // The worker takes the key before it compiles the component and sends its poll. Kill it
    // only once the poll hangs at Zoho, or the delay armed for it would catch the next poll.
    wait_until_async("the worker's poll to reach Zoho", Duration::from_secs(60), || {
        let reached = crm_requests(&fake) > before;
        async move { reached }
    })
    .await;
    worker.kill().expect("killed");
    let _ = worker.wait();
    let freed = Instant::now();
    let delivered = drain(&store, &fake, std::slice::from_ref(&key)).await;
    assert!(
        freed.elapsed() < Duration::from_secs(10),
        "{label}: freed in {:?}",
        freed.elapsed()
    );
    assert_eq!(
        delivered,
        vec![(key, id)],
        "{label}: the event the dead worker never delivered"
    );
}

async fn wait_until_async<F, Fut>(what: &str, deadline: Duration, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_worker_killed_holding_a_key_in_postgres_frees_it() {
    let server = postgres();
    let store = open_postgres(&server).await;
    a_killed_holder_lets_go(store, &server.url(), "postgres").await;
}

#[tokio::test]
async fn a_worker_killed_holding_a_key_in_the_file_store_frees_it() {
    let dir = temp_dir("load-kill");
    let location = dir.0.display().to_string();
    a_killed_holder_lets_go(Arc::new(ConnectionStore::new(&dir.0)), &location, "file").await;
}
