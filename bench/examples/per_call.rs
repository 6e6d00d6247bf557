//! Per-call cost of the Rust harness on the hosts' shared workload: `crmGetRecord` against a
//! local fake-zoho, one fresh instance per call. Prints one JSON line (microseconds).
//! Run with `cargo run --release -p zoho-bench --example per_call -- [CALLS]`; scripts/bench-hosts.sh
//! runs it beside the Python and Node hosts.

use std::sync::Arc;
use std::time::Instant;

use zoho_host::{CallContext, ConnectionInfo, Harness, HarnessConfig, StaticCredentials};

fn main() -> anyhow::Result<()> {
    let calls: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(200);
    let fake = fake_zoho::FakeZoho::start()?;
    let id = fake.seed(
        "Leads",
        &[serde_json::json!({"Last_Name": "Bench", "Email": "bench@zylker.com"})],
    );
    let harness = Harness::bundled(HarnessConfig {
        allow_loopback: true,
        ..HarnessConfig::default()
    })?;
    let credentials = StaticCredentials::new().with(
        "bench",
        ConnectionInfo {
            access_token: fake.access_token(),
            api_domain: fake.base_url(),
            books_organization_id: None,
        },
    );
    let context = CallContext::new(Arc::new(credentials));
    let input = serde_json::json!({"recordType": "Leads", "recordId": id[0]}).to_string();
    // One thread, like the CLI and like the Python and Node hosts this is compared with.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut micros = Vec::with_capacity(calls);
    runtime.block_on(async {
        for round in 0..calls + 20 {
            let started = Instant::now();
            let outcome = harness.invoke(&context, "crmGetRecord", "bench", &input).await?;
            let elapsed = started.elapsed();
            anyhow::ensure!(outcome.is_ok(), "the call failed: {outcome:?}");
            // The first calls warm caches up; they are not counted.
            if round >= 20 {
                micros.push(elapsed.as_secs_f64() * 1e6);
            }
        }
        anyhow::Ok(())
    })?;
    micros.sort_by(f64::total_cmp);
    let mean = micros.iter().sum::<f64>() / micros.len() as f64;
    println!(
        "{}",
        serde_json::json!({"host": "rust (zoho-harness)", "calls": calls, "mean_us": mean.round(), "median_us": micros[micros.len() / 2].round()})
    );
    Ok(())
}
