//! Helpers for the integration tests: one harness per test binary (compiling the component
//! once), a fresh fake Zoho per test, and calls that return what a platform would see.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use fake_zoho::FakeZoho;
use serde_json::Value;
use zoho_harness::{CallContext, ConnectionInfo, Harness, HarnessConfig, Instance, MemoryLog, StaticCredentials};

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
    pub fake: FakeZoho,
    pub log: MemoryLog,
    pub context: CallContext,
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

impl World {
    pub fn new() -> Self {
        let fake = FakeZoho::start().expect("the fake binds 127.0.0.1");
        let info = ConnectionInfo {
            access_token: fake.access_token(),
            api_domain: fake.base_url(),
            books_organization_id: None,
        };
        Self::with_provider(fake, Arc::new(StaticCredentials::new().with(CONNECTION, info)))
    }

    pub fn with_provider(fake: FakeZoho, provider: Arc<dyn zoho_harness::CredentialProvider>) -> Self {
        let log = MemoryLog::default();
        let context = CallContext::new(provider).with_log(Arc::new(log.clone()));
        Self { fake, log, context }
    }

    /// Runs an action through `actions.invoke`; `Ok(output)` or `Err(error document)`.
    pub async fn invoke(&self, key: &str, input: Value) -> Result<Value, Value> {
        invoke_with(harness(), &self.context, key, input).await
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

/// Runs an action on a given harness; `Ok(output)` or `Err(error document)`.
pub async fn invoke_with(harness: &Harness, context: &CallContext, key: &str, input: Value) -> Result<Value, Value> {
    let outcome = harness
        .invoke(context, key, CONNECTION, &input.to_string())
        .await
        .expect("the harness runs the call");
    match outcome {
        Ok(output) => Ok(serde_json::from_str(&output).expect("action output is JSON")),
        Err(error) => Err(zoho_harness::output::error_document(&error)),
    }
}

/// The `kind` of an error document.
pub fn kind(document: &Value) -> &str {
    document["error"]["kind"].as_str().unwrap_or_default()
}
