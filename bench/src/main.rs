//! The benchmark: every figure of the performance table, the connector through the harness
//! beside a native hyper client doing the same requests against the same fake-zoho, in one run.
//!
//! `cargo run --release -p zoho-bench -- [--quick] [--write BENCHMARKS.md] [--sdk-python PYTHON]`
//! (`scripts/bench.sh` runs it with everything).
//!
//! `--write` replaces the generated section of BENCHMARKS.md; `--quick` skips the
//! 1,000,000-record export; `--sdk-python` names a Python with `zohocrmsdk8-0` installed, for the
//! comparison with Zoho's official SDK (`python-sdk/read_leads.py`). Zoho's credits per job and
//! the calls in flight per organization come from fake-zoho's meter (`budget.rs`). The binary also runs the harness CLI (`harness-cli ...`, the same
//! code as `zoho-harness`) and a seeded fake (`serve-fake N`) as child processes, so the export
//! figures measure a harness process on its own.

mod budget;
mod native;
mod report;
mod setup;

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use zoho_host::{CallContext, Harness};

use native::NativeClient;
use report::{Row, Table, median, ratio};

const FIELDS: &str = "Last_Name,First_Name,Email,Company,Phone,Lead_Source";
use setup::CONNECTION;

fn main() -> anyhow::Result<()> {
    let args: Vec<OsString> = std::env::args_os().collect();
    match args.get(1).and_then(|a| a.to_str()) {
        Some("harness-cli") => {
            let forwarded = std::iter::once(OsString::from("zoho-harness")).chain(args[2..].iter().cloned());
            let env = |name: &str| std::env::var(name).ok();
            let code = zoho_harness::cli::run(
                forwarded,
                &env,
                &mut std::io::stdin(),
                &mut std::io::stdout(),
                &mut std::io::stderr(),
            );
            std::process::exit(code);
        }
        Some("calls") => {
            let client = args.get(2).and_then(|a| a.to_str()).unwrap_or_default().to_owned();
            let count = args.get(3).and_then(|n| n.to_str()?.parse().ok()).unwrap_or(3_000);
            return tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?
                .block_on(repeated_calls(&client, count));
        }
        Some("serve-fake") => {
            let leads = args.get(2).and_then(|n| n.to_str()?.parse().ok()).unwrap_or(0);
            let unlimited = args.iter().any(|a| a == "--bulk-unlimited");
            return serve_fake(leads, unlimited);
        }
        _ => {}
    }
    let quick = args.iter().any(|a| a == "--quick");
    let value_of = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from)
    };
    let write = value_of("--write");
    let sdk_python = value_of("--sdk-python");
    // Sequential figures run on one thread, as the CLI does; the 32-in-flight figure builds a
    // multi-threaded runtime of its own. Native and component always share the runtime kind.
    let table = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(run(quick, sdk_python))?;
    let markdown = table.markdown();
    println!("{markdown}");
    if let Some(path) = write {
        report::write_section(&path, &markdown)?;
        eprintln!("wrote the table into {}", path.display());
    }
    Ok(())
}

/// `count` single-record reads through `client` (`component`: `crmGetRecord` through
/// `Harness::invoke`; `native`: the keep-alive hyper client) against a fake in this process,
/// and nothing else: the run to profile or trace when the per-call figure moves, e.g.
/// `perf record -g target/release/zoho-bench calls component 5000` or `strace -f -c ...`.
async fn repeated_calls(client: &str, count: u32) -> anyhow::Result<()> {
    let fake = fake_zoho::FakeZoho::start()?;
    let ids = seed_leads(&fake, 1_000);
    let started = match client {
        "component" => {
            let harness = setup::loopback_harness()?;
            let context = setup::context(&fake);
            let input = json!({"recordType": "Leads", "recordId": ids[500], "fields": FIELDS}).to_string();
            let started = Instant::now();
            for _ in 0..count {
                let outcome = harness.invoke(&context, "crmGetRecord", CONNECTION, &input).await?;
                anyhow::ensure!(outcome.is_ok(), "crmGetRecord failed: {outcome:?}");
            }
            started
        }
        "native" => {
            let mut native = NativeClient::new(fake.addr(), &fake.access_token(), true);
            let path = format!("/crm/v8/Leads/{}?fields={FIELDS}", ids[500]);
            let started = Instant::now();
            for _ in 0..count {
                native.get_json(&path).await?;
            }
            started
        }
        other => anyhow::bail!("calls: unknown client {other:?} (component or native)"),
    };
    eprintln!("{client}: {:?} per call", started.elapsed() / count.max(1));
    Ok(())
}

/// A fake with `leads` seeded leads, serving until stdin closes; prints its address and token.
/// `unlimited` lifts Zoho's 10 Bulk Read downloads a minute, so the bulk-read figure measures
/// the harness rather than the wait.
fn serve_fake(leads: usize, unlimited: bool) -> anyhow::Result<()> {
    let fake = fake_zoho::FakeZoho::start()?;
    seed_leads(&fake, leads);
    if unlimited {
        fake.set_bulk_download_limit(usize::MAX, Duration::from_secs(60));
    }
    println!("{} {}", fake.base_url(), fake.access_token());
    std::io::stdout().flush()?;
    let mut line = String::new();
    while std::io::stdin().read_line(&mut line)? > 0 {}
    Ok(())
}

fn seed_leads(fake: &fake_zoho::FakeZoho, count: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(count);
    for chunk_start in (0..count).step_by(10_000) {
        let records: Vec<serde_json::Value> = (chunk_start..(chunk_start + 10_000).min(count))
            .map(|i| {
                json!({
                    "Last_Name": format!("Lead {i}"), "First_Name": "Pat", "Email": format!("lead{i}@zylker.com"),
                    "Company": "Zylker", "Phone": "555-0100", "Lead_Source": "Web Download",
                })
            })
            .collect();
        ids.extend(fake.seed("Leads", &records));
    }
    ids
}

/// A fake in its own process (so the harness process's memory is its own).
struct FakeProcess {
    child: Child,
    domain: String,
    token: String,
}

impl FakeProcess {
    fn start(leads: usize) -> anyhow::Result<Self> {
        Self::start_with(leads, &[])
    }

    fn start_with(leads: usize, flags: &[&str]) -> anyhow::Result<Self> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(["serve-fake", &leads.to_string()])
            .args(flags)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let mut parts = line.split_whitespace();
        let (Some(domain), Some(token)) = (parts.next(), parts.next()) else {
            anyhow::bail!("the fake did not start: {line:?}");
        };
        Ok(Self {
            domain: domain.to_owned(),
            token: token.to_owned(),
            child,
        })
    }

    fn addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.domain.trim_start_matches("http://").parse()?)
    }
}

impl Drop for FakeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What `/usr/bin/time` saw of one child run.
struct Timed {
    wall: Duration,
    cpu: Duration,
    peak_rss_kib: u64,
}

/// Runs the harness CLI under `/usr/bin/time`, against `fake`.
fn timed_cli(fake: &FakeProcess, cli_args: &[&str]) -> anyhow::Result<Timed> {
    let mut command = Command::new(std::env::current_exe()?);
    command
        .arg("harness-cli")
        .args(cli_args)
        .env("ZOHO_API_DOMAIN", &fake.domain)
        .env("ZOHO_ACCESS_TOKEN", &fake.token);
    run_timed(command)
}

/// Runs `command` under `/usr/bin/time`: its wall time, CPU time and peak resident memory.
fn run_timed(command: Command) -> anyhow::Result<Timed> {
    let report = std::env::temp_dir().join(format!("zoho-bench-time-{}", std::process::id()));
    let started = Instant::now();
    let status = Command::new("/usr/bin/time")
        .args(["-f", "%e %U %S %M", "-o"])
        .arg(&report)
        .arg(command.get_program())
        .args(command.get_args())
        .envs(command.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .stdout(Stdio::null())
        .status()?;
    // /usr/bin/time reports wall time in hundredths of a second; a CLI call takes a few ms.
    let wall = started.elapsed();
    anyhow::ensure!(status.success(), "{command:?} failed");
    let text = std::fs::read_to_string(&report)?;
    let _ = std::fs::remove_file(&report);
    let numbers: Vec<f64> = text
        .lines()
        .last()
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    let [_, user, system, rss] = numbers[..] else {
        anyhow::bail!("unexpected /usr/bin/time output: {text:?}");
    };
    Ok(Timed {
        wall,
        cpu: Duration::from_secs_f64(user + system),
        peak_rss_kib: rss as u64,
    })
}

async fn run(quick: bool, sdk_python: Option<PathBuf>) -> anyhow::Result<Table> {
    let mut table = Table::default();
    let fake = fake_zoho::FakeZoho::start()?;
    let ids = seed_leads(&fake, 1_000);
    let harness = Arc::new(setup::loopback_harness()?);
    let context = setup::context(&fake);

    // Instantiation.
    let mut samples = Vec::new();
    for _ in 0..3_000 {
        let started = Instant::now();
        harness.instantiate_only(&context).await?;
        samples.push(started.elapsed());
    }
    let instantiate = median(&mut samples[500..]);
    table.push(Row::single(
        "instantiate (fresh Store and instance from the pre-instantiated component)",
        instantiate,
        "under 20 us",
    ));

    // One record, then one page of 200.
    let get_record = json!({"recordType": "Leads", "recordId": ids[500], "fields": FIELDS}).to_string();
    let get_path = format!("/crm/v8/Leads/{}?fields={FIELDS}", ids[500]);
    per_call(
        &mut table,
        &harness,
        &context,
        &fake,
        "crmGetRecord",
        &get_record,
        &get_path,
        2_000,
    )
    .await?;
    let get_records = json!({"recordType": "Leads", "fields": FIELDS, "perPage": 200}).to_string();
    let list_path = format!("/crm/v8/Leads?fields={FIELDS}&per_page=200");
    per_call(
        &mut table,
        &harness,
        &context,
        &fake,
        "crmGetRecords",
        &get_records,
        &list_path,
        300,
    )
    .await?;

    // 32 in flight, on a multi-threaded runtime (one worker per core) with a harness of its
    // own: pooled connections are driven by the runtime that opened them, and this thread
    // blocks the one-thread runtime while it runs.
    let (component_rate, native_rate) = {
        let (context, get_record, get_path) = (context.clone(), get_record.clone(), get_path.clone());
        let (addr, token) = (fake.addr(), fake.access_token());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            let harness = Arc::new(setup::loopback_harness()?);
            runtime.block_on(async {
                let component =
                    component_throughput(&harness, &context, &get_record, 32, Duration::from_secs(3)).await?;
                let native = native_throughput(addr, &token, &get_path, 32, Duration::from_secs(3)).await?;
                anyhow::Ok((component, native))
            })
        })
        .join()
        .map_err(|_| anyhow::anyhow!("the throughput thread panicked"))??
    };
    table.push(Row {
        figure: "`crmGetRecord`, 32 in flight (actions per second)".into(),
        component: format!("{component_rate:.0}/s"),
        native: format!("{native_rate:.0}/s (keep-alive)"),
        ratio: format!("{:.2}x", component_rate / native_rate),
        target: "at least 0.8x".into(),
        met: component_rate / native_rate >= 0.8,
    });
    drop(fake);

    // The whole CLI, and the fake's own page time on a large module.
    let small = FakeProcess::start(1_000)?;
    cli_and_curl(&mut table, &small)?;
    drop(small);
    fake_page_time(&mut table).await?;

    // Reading 10,000 records in one call, and exports.
    let ten_thousand = FakeProcess::start(10_000)?;
    let fetch_all =
        json!({"recordType": "Leads", "fields": FIELDS, "fetchAll": true, "maxRecords": 10_000, "sortBy": "id", "sortOrder": "asc"})
            .to_string();
    let timed = timed_cli(&ten_thousand, &["invoke", "crmGetRecords", "--input", &fetch_all])?;
    let native = native_export(&ten_thousand).await?;
    table.push(Row {
        figure: "`crmGetRecords` `fetchAll` 10,000 records, whole CLI process".into(),
        component: format!("{} (CPU {})", report::duration(timed.wall), report::duration(timed.cpu)),
        native: format!("{} (in-process pages)", report::duration(native)),
        ratio: ratio(timed.wall, native),
        target: "-".into(),
        met: true,
    });
    if let Some(python) = &sdk_python {
        let mut sdk = Command::new(python);
        sdk.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("python-sdk/read_leads.py"))
            .args([&ten_thousand.domain, &ten_thousand.token, FIELDS, "10000"]);
        let sdk = run_timed(sdk)?;
        let times_less = sdk.cpu.as_secs_f64() / timed.cpu.as_secs_f64().max(1e-9);
        table.push(Row {
            figure: "reading 10,000 CRM records: CPU of the whole CLI process vs Zoho's Python SDK (`zohocrmsdk8-0`)"
                .into(),
            component: format!(
                "CPU {} (wall {})",
                report::duration(timed.cpu),
                report::duration(timed.wall)
            ),
            native: format!(
                "CPU {} (wall {})",
                report::duration(sdk.cpu),
                report::duration(sdk.wall)
            ),
            ratio: format!("{times_less:.1}x less CPU"),
            target: "at least 10x less CPU".into(),
            met: times_less >= 10.0,
        });
    }
    drop(ten_thousand);
    let sizes: &[usize] = if quick { &[100_000] } else { &[100_000, 1_000_000] };
    for &size in sizes {
        export_row(&mut table, size).await?;
    }
    let bulk_size = if quick { 200_000 } else { 1_000_000 };
    bulk_read_row(&mut table, bulk_size)?;

    budget::rows(&mut table).await?;

    let size = zoho_host::BUNDLED_COMPONENT.len();
    let finish = match zoho_host::BUNDLED_COMPONENT_FINISH {
        "wasm-opt" => "profile `wasm`, then `wasm-opt -Oz`",
        "prebuilt" => "handed in prebuilt",
        _ => "profile `wasm`, wasm-opt missing",
    };
    table.push(Row {
        figure: format!("component size ({finish})"),
        component: format!("{} KiB", size / 1024),
        native: "-".into(),
        ratio: "-".into(),
        target: "under 1 MiB".into(),
        met: size < 1024 * 1024,
    });
    Ok(table)
}

/// Median per call of `key` through the harness, and of the same GET natively (keep-alive and
/// a new connection per request).
#[allow(clippy::too_many_arguments, reason = "one measurement's whole setup, named")]
async fn per_call(
    table: &mut Table,
    harness: &Harness,
    context: &CallContext,
    fake: &fake_zoho::FakeZoho,
    key: &str,
    input: &str,
    path: &str,
    calls: usize,
) -> anyhow::Result<()> {
    // Interleaved, so a drift in the machine's speed touches all three alike.
    let mut keep_alive_client = NativeClient::new(fake.addr(), &fake.access_token(), true);
    let mut fresh_client = NativeClient::new(fake.addr(), &fake.access_token(), false);
    let (mut component, mut keep_alive, mut fresh) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..calls + calls / 10 {
        let started = Instant::now();
        let outcome = harness.invoke(context, key, CONNECTION, input).await?;
        let ours = started.elapsed();
        anyhow::ensure!(outcome.is_ok(), "{key} failed: {outcome:?}");
        let started = Instant::now();
        keep_alive_client.get_json(path).await?;
        let reused = started.elapsed();
        let started = Instant::now();
        fresh_client.get_json(path).await?;
        let new_connection = started.elapsed();
        // The first rounds warm caches and connections up.
        if round >= calls / 10 {
            component.push(ours);
            keep_alive.push(reused);
            fresh.push(new_connection);
        }
    }
    let component = median(&mut component);
    let timings = [median(&mut keep_alive), median(&mut fresh)];
    let (keep_alive, fresh) = (timings[0], timings[1]);
    table.push(Row {
        figure: format!("`{key}` through `Harness::invoke` vs native keep-alive (median)"),
        component: report::duration(component),
        native: report::duration(keep_alive),
        ratio: ratio(component, keep_alive),
        target: "at most 1.2x".into(),
        met: component.as_secs_f64() <= 1.2 * keep_alive.as_secs_f64(),
    });
    table.push(Row {
        figure: format!("`{key}` vs native, new connection per request (median)"),
        component: report::duration(component),
        native: report::duration(fresh),
        ratio: ratio(component, fresh),
        target: "-".into(),
        met: true,
    });
    Ok(())
}

async fn component_throughput(
    harness: &Arc<Harness>,
    context: &CallContext,
    input: &str,
    in_flight: usize,
    length: Duration,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..in_flight {
        let (harness, context, input) = (Arc::clone(harness), context.clone(), input.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut done = 0u64;
            while started.elapsed() < length {
                let outcome = harness.invoke(&context, "crmGetRecord", CONNECTION, &input).await?;
                anyhow::ensure!(outcome.is_ok(), "crmGetRecord failed: {outcome:?}");
                done += 1;
            }
            anyhow::Ok(done)
        }));
    }
    rate(started, tasks).await
}

async fn native_throughput(
    addr: SocketAddr,
    token: &str,
    path: &str,
    in_flight: usize,
    length: Duration,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..in_flight {
        let mut client = NativeClient::new(addr, token, true);
        let path = path.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut done = 0u64;
            while started.elapsed() < length {
                client.get_json(&path).await?;
                done += 1;
            }
            anyhow::Ok(done)
        }));
    }
    rate(started, tasks).await
}

/// Calls per second of `tasks`, each returning how many calls it made since `started`.
async fn rate(started: Instant, tasks: Vec<tokio::task::JoinHandle<anyhow::Result<u64>>>) -> anyhow::Result<f64> {
    let mut total = 0;
    for task in tasks {
        total += task.await??;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

/// The whole CLI per call (process start, cached compiled code) against curl's.
fn cli_and_curl(table: &mut Table, fake: &FakeProcess) -> anyhow::Result<()> {
    let ids_output = Command::new("curl")
        .args(["-s", "-H"])
        .arg(format!("Authorization: Zoho-oauthtoken {}", fake.token))
        .arg(format!("{}/crm/v8/Leads?fields=Last_Name&per_page=1", fake.domain))
        .output()?;
    let listed: serde_json::Value = serde_json::from_slice(&ids_output.stdout)?;
    let id = listed["data"][0]["id"].as_str().unwrap_or_default().to_owned();
    let input = json!({"recordType": "Leads", "recordId": id, "fields": FIELDS}).to_string();
    let mut cli = Vec::new();
    for _ in 0..23 {
        cli.push(timed_cli(fake, &["invoke", "crmGetRecord", "--input", &input])?.wall);
    }
    let mut curl = Vec::new();
    for _ in 0..23 {
        let started = Instant::now();
        let status = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-H"])
            .arg(format!("Authorization: Zoho-oauthtoken {}", fake.token))
            .arg(format!("{}/crm/v8/Leads/{id}?fields={FIELDS}", fake.domain))
            .status()?;
        anyhow::ensure!(status.success(), "curl failed");
        curl.push(started.elapsed());
    }
    // The first runs warm caches.
    let cli = median(&mut cli[3..]);
    let curl = median(&mut curl[3..]);
    table.push(Row {
        figure: "whole CLI `invoke crmGetRecord` (compiled code cached) vs `curl`".into(),
        component: report::duration(cli),
        native: format!("{} (curl)", report::duration(curl)),
        ratio: ratio(cli, curl),
        target: "-".into(),
        met: true,
    });
    Ok(())
}

/// The fake's own time for a 200-record page of a 100,000-record module: first and deep pages.
async fn fake_page_time(table: &mut Table) -> anyhow::Result<()> {
    let fake = fake_zoho::FakeZoho::start()?;
    seed_leads(&fake, 100_000);
    let mut client = NativeClient::new(fake.addr(), &fake.access_token(), true);
    let mut first = Vec::new();
    let mut deep = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..200 {
        let started = Instant::now();
        client
            .get_json(&format!("/crm/v8/Leads?fields={FIELDS}&per_page=200"))
            .await?;
        first.push(started.elapsed());
        let path = match &token {
            Some(token) => format!("/crm/v8/Leads?fields={FIELDS}&per_page=200&page_token={token}"),
            None => format!("/crm/v8/Leads?fields={FIELDS}&per_page=200&sort_by=id&sort_order=asc"),
        };
        let started = Instant::now();
        let page = client.get_json(&path).await?;
        deep.push(started.elapsed());
        token = page["info"]["next_page_token"].as_str().map(str::to_owned);
    }
    table.push(Row {
        figure: "fake-zoho: a 200-record page of a 100,000-record module (first page; token pages)".into(),
        component: "-".into(),
        native: format!(
            "{}; {}",
            report::duration(median(&mut first)),
            report::duration(median(&mut deep))
        ),
        ratio: "-".into(),
        target: "independent of module size".into(),
        met: true,
    });
    Ok(())
}

async fn native_export(fake: &FakeProcess) -> anyhow::Result<Duration> {
    let output = std::env::temp_dir().join(format!("zoho-bench-native-{}.ndjson", std::process::id()));
    let mut client = NativeClient::new(fake.addr()?, &fake.token, true);
    let started = Instant::now();
    client.export("Leads", FIELDS, &output).await?;
    let elapsed = started.elapsed();
    let _ = std::fs::remove_file(&output);
    Ok(elapsed)
}

async fn export_row(table: &mut Table, size: usize) -> anyhow::Result<()> {
    let fake = FakeProcess::start(size)?;
    let output = std::env::temp_dir().join(format!("zoho-bench-export-{}.ndjson", std::process::id()));
    let input = json!({"recordType": "Leads", "fields": FIELDS, "sortBy": "id", "sortOrder": "asc"}).to_string();
    let path = output.to_string_lossy().into_owned();
    let timed = timed_cli(
        &fake,
        &["export", "crmGetRecords", "--input", &input, "--output", &path],
    )?;
    let lines = count_lines(&output)?;
    anyhow::ensure!(lines == size, "the export wrote {lines} records, not {size}");
    let _ = std::fs::remove_file(&output);
    let native = native_export(&fake).await?;
    table.push(Row {
        figure: format!("`zoho-harness export` of {size} CRM records (wall, CPU, peak RSS of the harness)"),
        component: format!(
            "{} (CPU {}, {} MiB)",
            report::duration(timed.wall),
            report::duration(timed.cpu),
            timed.peak_rss_kib / 1024
        ),
        native: report::duration(native),
        ratio: ratio(timed.wall, native),
        target: "RSS under 64 MiB; within 1.1x".into(),
        met: timed.peak_rss_kib < 64 * 1024 && timed.wall.as_secs_f64() <= 1.1 * native.as_secs_f64(),
    });
    Ok(())
}

/// `zoho-harness bulk-read` of `size` leads: Zoho's Bulk Read jobs of 200,000 records each,
/// every chunk downloaded from where the last one stopped. The memory target is the issue's.
fn bulk_read_row(table: &mut Table, size: usize) -> anyhow::Result<()> {
    let fake = FakeProcess::start_with(size, &["--bulk-unlimited"])?;
    let output = std::env::temp_dir().join(format!("zoho-bench-bulk-{}.csv", std::process::id()));
    let input = json!({"recordType": "Leads", "fields": FIELDS}).to_string();
    let path = output.to_string_lossy().into_owned();
    let timed = timed_cli(
        &fake,
        &[
            "bulk-read",
            "--input",
            &input,
            "--output",
            &path,
            "--downloads-per-minute",
            "600",
        ],
    )?;
    let lines = count_lines(&output)?;
    let _ = std::fs::remove_file(&output);
    anyhow::ensure!(
        lines == size + 1,
        "bulk-read wrote {lines} lines, not a header and {size} records"
    );
    table.push(Row {
        figure: format!(
            "`zoho-harness bulk-read` of {size} CRM records, {} jobs of 200,000 (wall, CPU, peak RSS of the harness)",
            size.div_ceil(200_000)
        ),
        component: format!(
            "{} (CPU {}, {} MiB)",
            report::duration(timed.wall),
            report::duration(timed.cpu),
            timed.peak_rss_kib / 1024
        ),
        native: "-".into(),
        ratio: "-".into(),
        target: "RSS under 64 MiB".into(),
        met: timed.peak_rss_kib < 64 * 1024,
    });
    Ok(())
}

fn count_lines(path: &Path) -> anyhow::Result<usize> {
    Ok(BufReader::new(std::fs::File::open(path)?).lines().count())
}
