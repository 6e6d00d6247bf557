//! Helpers for the integration tests: one harness per test binary (compiling the component
//! once), a fresh fake Zoho per test, and calls that return what a platform would see.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use fake_zoho::FakeZoho;
use serde_json::Value;
use zoho_host::{CallContext, ConnectionInfo, Harness, HarnessConfig, Instance, MemoryLog, StaticCredentials};

/// The connection name the tests use.
pub const CONNECTION: &str = "test";

/// Compiled-component cache shared by the test runs, inside the target directory.
fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("zoho-harness-cache")
}

/// The harness that allows loopback, as tests against the fake need.
pub fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| load(true))
}

/// A harness configured as in production: loopback is not an allowed destination.
pub fn strict_harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| load(false))
}

fn load(allow_loopback: bool) -> Harness {
    let config = HarnessConfig {
        cache_dir: Some(cache_dir()),
        allow_loopback,
        ..HarnessConfig::default()
    };
    Harness::bundled(config).expect("the bundled component loads")
}

/// A fake Zoho with a connection pointing at it, and a log that captures the component's output.
pub struct World {
    pub fake: zoho_contract_check::Checked,
    pub log: MemoryLog,
    pub context: CallContext,
    provider: Arc<dyn zoho_host::CredentialProvider>,
}

/// Fails if any secret appears in `text`. Every error, log line and CLI stream that passes
/// through these helpers is checked, so the whole suite doubles as a leak test.
pub fn assert_no_secret(text: &str, secrets: &[String], what: &str) {
    for secret in secrets.iter().filter(|s| s.len() >= 8) {
        assert!(!text.contains(secret.as_str()), "a secret leaked into {what}: {text}");
    }
}

/// An error document without the parts Zoho itself returned (a raw response body), which may
/// legitimately echo what the caller sent.
fn ours(document: &Value) -> String {
    let mut document = document.clone();
    if let Some(error) = document.get_mut("error").and_then(Value::as_object_mut) {
        error.remove("body");
    }
    document.to_string()
}

impl Drop for World {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert_no_secret(&self.log_text(), &self.secrets(), "the component's log");
        }
    }
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

impl World {
    pub fn new() -> Self {
        let fake = zoho_contract_check::Checked::start();
        let info = ConnectionInfo {
            access_token: fake.access_token(),
            api_domain: fake.base_url(),
            books_organization_id: None,
        };
        Self::with_provider(fake, Arc::new(StaticCredentials::new().with(CONNECTION, info)))
    }

    pub fn with_provider(fake: zoho_contract_check::Checked, provider: Arc<dyn zoho_host::CredentialProvider>) -> Self {
        let log = MemoryLog::default();
        let context = CallContext::new(Arc::clone(&provider)).with_log(Arc::new(log.clone()));
        Self {
            fake,
            log,
            context,
            provider,
        }
    }

    /// Every secret in play: the fake's token and whatever the credentials provider holds.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = self.provider.secrets();
        secrets.push(self.fake.access_token());
        secrets
    }

    /// Runs an action through `actions.invoke`; `Ok(output)` or `Err(error document)`.
    pub async fn invoke(&self, key: &str, input: Value) -> Result<Value, Value> {
        let outcome = invoke_with(harness(), &self.context, key, input).await;
        if let Err(document) = &outcome {
            assert_no_secret(&ours(document), &self.secrets(), &format!("the error of {key}"));
        }
        outcome
    }

    /// Runs one poll of a trigger; `Ok((events, state, more))` or `Err(error document)`.
    pub async fn poll(&self, key: &str, input: Value, state: Option<&str>) -> Result<Polled, Value> {
        let outcome = harness()
            .poll(&self.context, key, CONNECTION, &input.to_string(), state)
            .await
            .expect("the harness runs the poll");
        self.polled(outcome, key)
    }

    /// Hands one notification body to the component with the channel it was sent for.
    pub async fn handle_notification(&self, channel: &Value, body: &Value) -> Result<Polled, Value> {
        let outcome = harness()
            .handle_notification(&self.context, CONNECTION, &channel.to_string(), &body.to_string())
            .await
            .expect("the harness runs the call");
        self.polled(outcome, "handle-notification")
    }

    fn polled(&self, outcome: Result<zoho_host::PollResult, zoho_host::Error>, what: &str) -> Result<Polled, Value> {
        match outcome {
            Ok(result) => Ok(Polled {
                events: serde_json::from_str::<Value>(&result.events)
                    .expect("events are JSON")
                    .as_array()
                    .cloned()
                    .expect("events are an array"),
                state: result.state,
                more: result.more,
            }),
            Err(error) => {
                let document = zoho_host::output::error_document(&error);
                assert_no_secret(&ours(&document), &self.secrets(), &format!("the error of {what}"));
                Err(document)
            }
        }
    }

    /// A live instance for calling the typed exports.
    pub async fn instance(&self) -> Instance {
        harness().instantiate(&self.context).await.expect("instantiates")
    }

    /// Everything the component logged, one string.
    pub fn log_text(&self) -> String {
        self.log
            .records()
            .iter()
            .map(|r| format!("{} {}: {}", r.level, r.context, r.message))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// What one poll returned.
#[derive(Debug, Clone)]
pub struct Polled {
    pub events: Vec<Value>,
    pub state: String,
    pub more: bool,
}

impl Polled {
    /// The `id` of each event, in order.
    pub fn ids(&self) -> Vec<String> {
        self.events
            .iter()
            .map(|e| e["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

/// Runs an action on a given harness; `Ok(output)` or `Err(error document)`.
pub async fn invoke_with(harness: &Harness, context: &CallContext, key: &str, input: Value) -> Result<Value, Value> {
    let outcome = harness
        .invoke(context, key, CONNECTION, &input.to_string())
        .await
        .expect("the harness runs the call");
    match outcome {
        Ok(output) => Ok(serde_json::from_str(&output).expect("action output is JSON")),
        Err(error) => Err(zoho_host::output::error_document(&error)),
    }
}

/// The `kind` of an error document.
pub fn kind(document: &Value) -> &str {
    document["error"]["kind"].as_str().unwrap_or_default()
}

/// What one CLI run printed and returned.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
}

/// Runs the CLI in-process with exactly the given environment.
pub fn cli(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut vars: HashMap<String, String> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let cache = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("zoho-harness-cache");
    vars.insert("ZOHO_HARNESS_CACHE_DIR".into(), cache.display().to_string());
    let lookup = move |name: &str| vars.get(name).cloned();
    let argv: Vec<OsString> = std::iter::once("zoho-harness")
        .chain(args.iter().copied())
        .map(OsString::from)
        .collect();
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = zoho_harness::cli::run(argv, &lookup, &mut std::io::empty(), &mut stdout, &mut stderr);
    let secrets: Vec<String> = env
        .iter()
        .filter(|(k, _)| matches!(*k, "ZOHO_ACCESS_TOKEN" | "ZOHO_CLIENT_SECRET" | "ZOHO_REFRESH_TOKEN"))
        .map(|(_, v)| (*v).to_owned())
        .collect();
    assert_no_secret(&String::from_utf8_lossy(&stderr), &secrets, "the CLI's stderr");
    if code != 0 {
        assert_no_secret(&String::from_utf8_lossy(&stdout), &secrets, "the CLI's error output");
    }
    Run {
        code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Runs the (blocking) CLI off the async test runtime.
pub async fn cli_async(args: &[&str], env: &[(&str, &str)]) -> Run {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        cli(&args, &env)
    })
    .await
    .expect("cli thread")
}

/// Runs the CLI against `fake` with its API domain, token and Books organization in the
/// environment.
pub async fn cli_against(fake: &FakeZoho, args: &[&str]) -> Run {
    let domain = fake.base_url();
    let token = fake.access_token();
    let organization = fake.books_organization_id();
    let env = [
        ("ZOHO_API_DOMAIN", domain.as_str()),
        ("ZOHO_ACCESS_TOKEN", token.as_str()),
        ("ZOHO_BOOKS_ORGANIZATION_ID", organization.as_str()),
    ];
    cli_async(args, &env).await
}

/// The `id` of every record in an action output's `data`.
pub fn data_ids(output: &Value) -> Vec<String> {
    output["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect()
}

/// Runs futures concurrently on this task (no extra dependency for a join).
pub async fn futures_join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let handles: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut results = Vec::with_capacity(handles.len());
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    let mut outputs: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (slot, output) in pending.iter_mut().zip(outputs.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => {
                        *output = Some(value);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
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
    results.extend(outputs.into_iter().flatten());
    results
}

/// A folder of its own under the target directory, removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn temp_dir(tag: &str) -> TempDir {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("store-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    TempDir(dir)
}

/// A stored connection on `fake`'s accounts server, with no access token yet.
pub fn oauth_connection(
    fake: &FakeZoho,
    client_id: &str,
    client_secret: &str,
) -> (zoho_host::store::StoredConnection, String) {
    use zoho_host::oauth::Secret;
    use zoho_host::store::{Grant, StoredConnection, StoredEnvironment};
    fake.register_client(client_id, client_secret);
    let refresh_token = fake.issue_refresh_token(client_id);
    let connection = StoredConnection {
        accounts_url: fake.base_url(),
        client_id: client_id.into(),
        client_secret: Secret::new(client_secret),
        grant: Grant::RefreshToken {
            refresh_token: Secret::new(refresh_token.clone()),
        },
        api_domain: String::new(),
        books_organization_id: None,
        access_token: None,
        expires_at: 0,
        throttled_until: 0,
        environment: StoredEnvironment::Production,
        max_in_flight: None,
    };
    (connection, refresh_token)
}

/// A trigger's poll that must succeed.
pub async fn poll_ok(world: &World, key: &str, input: &Value, state: Option<&str>) -> Polled {
    world
        .poll(key, input.clone(), state)
        .await
        .unwrap_or_else(|e| panic!("{key} on {input} failed: {e}"))
}

/// Polls until `more` is false, returning every event and the final state.
pub async fn drain(world: &World, key: &str, input: &Value, state: &str) -> (Vec<Value>, String) {
    let (mut events, mut state) = (Vec::new(), state.to_owned());
    for _ in 0..100 {
        let polled = poll_ok(world, key, input, Some(&state)).await;
        events.extend(polled.events.iter().cloned());
        state = polled.state;
        if !polled.more {
            return (events, state);
        }
    }
    panic!("{key} kept saying more");
}

/// The ids of trigger events, in order.
pub fn ids(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}
