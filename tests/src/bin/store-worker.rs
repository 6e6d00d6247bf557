//! One worker process of the shared-store load test (`tests/all/store_load.rs`, and
//! `scripts/bench-store.sh` at full scale): it opens the store as any worker on any machine
//! would and works until the file `--stop` names exists.
//!
//! - `refresh`: every round, one `crmGetRecords` call per stored connection, all at once,
//!   through `StoreCredentials` (so tokens are fetched and refreshed through the store).
//! - `poll`: every round, one poll of `crmNewRecords` per trigger key, taking each key in the
//!   store first; prints each delivered event as `{"key", "id"}` on stdout before advancing.
//!
//! - `rotate`: once, `store rotate-key`'s work (a new data key, every secret re-sealed under
//!   it, the old key retired); prints the rotation as `{"rotation": {...}}` and ends.
//!
//! At the end it prints `{"summary": {...}}`: calls, errors, polls, busy keys and its peak
//! resident memory. The store is sealed when ZOHO_HARNESS_KEY is set, as for any worker.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use zoho_host::store::{Store, StoreCredentials};
use zoho_host::{CallContext, ConnectionInfo, CredentialProvider, Harness, HarnessConfig, StaticCredentials};

#[derive(Debug)]
struct Args {
    mode: String,
    store: String,
    names: Vec<String>,
    stop: PathBuf,
    fake: Option<String>,
    token: Option<String>,
    cache: Option<PathBuf>,
}

fn parse() -> Result<Args, String> {
    let mut values = std::collections::HashMap::new();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        values.insert(flag.trim_start_matches("--").to_owned(), value);
    }
    let mut take = |name: &str| values.remove(name);
    Ok(Args {
        mode: take("mode").ok_or("--mode refresh|poll")?,
        store: take("store").ok_or("--store URL-OR-DIR")?,
        names: take("names")
            .ok_or("--names a,b,c")?
            .split(',')
            .map(str::to_owned)
            .collect(),
        stop: take("stop").ok_or("--stop FILE")?.into(),
        fake: take("fake"),
        token: take("token"),
        cache: take("cache").map(PathBuf::from),
    })
}

#[derive(Default)]
struct Counts {
    calls: AtomicU64,
    errors: AtomicU64,
    polls: AtomicU64,
    busy: AtomicU64,
    events: AtomicU64,
}

fn main() {
    let args = match parse() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("store-worker: {message}");
            std::process::exit(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("store-worker: {error}");
            std::process::exit(2);
        }
    };
    match runtime.block_on(run(args)) {
        Ok(summary) => println!("{}", json!({"summary": summary})),
        Err(message) => {
            eprintln!("store-worker: {message}");
            std::process::exit(1);
        }
    }
}

async fn run(args: Args) -> Result<Value, String> {
    // Sealed when the operator's instance key is in the environment, as for any worker.
    let env = |name: &str| std::env::var(name).ok();
    let key = zoho_host::store::instance_key_from(&env, None).map_err(|e| e.to_string())?;
    let store = zoho_host::store::open(&args.store, key)
        .await
        .map_err(|e| e.to_string())?;
    let harness = Harness::bundled(HarnessConfig {
        cache_dir: args.cache.clone(),
        allow_loopback: true,
        ..HarnessConfig::default()
    })
    .map_err(|e| format!("{e:#}"))?;
    if args.mode == "rotate" {
        let rotation = store.rotate_data_key().await.map_err(|e| e.to_string())?;
        println!("{}", json!({"rotation": rotation}));
        return Ok(json!({"peakRssKiB": peak_rss_kib()}));
    }
    let counts = Arc::new(Counts::default());
    let provider: Arc<dyn CredentialProvider> = Arc::new(StoreCredentials::shared(Arc::clone(&store)));
    let stored_connections = CallContext::new(provider);
    let started = std::time::Instant::now();
    let mut rounds = 0_u64;
    while !args.stop.exists() {
        match args.mode.as_str() {
            "refresh" => refresh_round(&harness, &stored_connections, &args.names, &counts).await,
            "poll" => poll_round(&harness, &store, &args, &counts, rounds).await?,
            other => return Err(format!("unknown mode {other}")),
        }
        rounds += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(json!({
        "rounds": rounds,
        "calls": counts.calls.load(Ordering::Relaxed),
        "errors": counts.errors.load(Ordering::Relaxed),
        "polls": counts.polls.load(Ordering::Relaxed),
        "busy": counts.busy.load(Ordering::Relaxed),
        "events": counts.events.load(Ordering::Relaxed),
        "seconds": started.elapsed().as_secs_f64(),
        "peakRssKiB": peak_rss_kib(),
    }))
}

async fn refresh_round(harness: &Harness, context: &CallContext, names: &[String], counts: &Counts) {
    let calls = names.iter().map(|name| async move {
        let outcome = harness
            .invoke(
                context,
                "crmGetRecords",
                name,
                r#"{"recordType":"Leads","fields":"Last_Name","perPage":1,"maxRetries":0}"#,
            )
            .await;
        counts.calls.fetch_add(1, Ordering::Relaxed);
        match outcome {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => {
                counts.errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("{name}: {}", zoho_host::output::error_document(&error));
            }
            Err(error) => {
                counts.errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("{name}: {error}");
            }
        }
    });
    join(calls.collect()).await;
}

async fn poll_round(
    harness: &Harness,
    store: &Arc<dyn Store>,
    args: &Args,
    counts: &Counts,
    round: u64,
) -> Result<(), String> {
    let info = ConnectionInfo {
        access_token: args.token.clone().ok_or("poll needs --token")?,
        api_domain: args.fake.clone().ok_or("poll needs --fake")?,
        books_organization_id: None,
    };
    let context = CallContext::new(Arc::new(StaticCredentials::new().with("fake", info)));
    // Each worker walks the keys from its own starting point, so they meet on every key.
    let offset = usize::try_from(round + u64::from(std::process::id())).unwrap_or(0) % args.names.len().max(1);
    let keys: Vec<&String> = args.names[offset..].iter().chain(&args.names[..offset]).collect();
    for key in keys {
        let Some(hold) = store
            .take_state(key, Duration::from_secs(120))
            .await
            .map_err(|e| e.to_string())?
        else {
            counts.busy.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        counts.polls.fetch_add(1, Ordering::Relaxed);
        let input = r#"{"recordType":"Leads","fields":["Last_Name"],"maxEvents":5}"#;
        let polled = harness
            .poll(&context, "crmNewRecords", "fake", input, hold.state())
            .await;
        let result = match polled {
            Ok(Ok(result)) => result,
            other => {
                counts.errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("{key}: {other:?}");
                hold.release().await;
                continue;
            }
        };
        let events: Vec<Value> = serde_json::from_str(&result.events).map_err(|e| e.to_string())?;
        // Delivered (printed) first, then advanced: a worker killed in between repeats them.
        for event in &events {
            println!("{}", json!({"key": key, "id": event["id"]}));
        }
        counts.events.fetch_add(events.len() as u64, Ordering::Relaxed);
        hold.advance(result.state).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Runs futures concurrently on this task.
async fn join<F: std::future::Future<Output = ()>>(futures: Vec<F>) {
    let mut pending: Vec<_> = futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for slot in &mut pending {
            if let Some(future) = slot {
                if future.as_mut().poll(cx).is_ready() {
                    *slot = None;
                } else {
                    done = false;
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}

/// The process's peak resident set (`VmHWM`), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
