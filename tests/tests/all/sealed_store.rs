//! Secrets sealed at rest, on both stores (a private PostgreSQL server per test, and the file
//! store): what a backup holds (`pg_dump`, the raw files) has none of the secrets' bytes; a
//! sealed value moved to another row does not open; a missing or wrong instance key is refused
//! with nothing changed; a plain store is sealed on the first start with a key; a rotation,
//! interrupted or run while real worker processes refresh tokens and poll, ends with every
//! secret readable under the new data key and no token lost. The CLI's `store` commands too.
//!
//! `scripts/bench-sealing.sh` runs the rotation at the scale BENCHMARKS.md records
//! (ZOHO_SEAL_CONNECTIONS), and the timing test prints its figures on a `SEAL` line.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use fake_zoho::FakeZoho;
use serde_json::{Value, json};
use zoho_host::oauth::Secret;
use zoho_host::store::{InstanceKey, SealError, Store, StoreCredentials, StoreError, StoredConnection};
use zoho_test_postgres::PgServer;

use crate::shared_store::postgres;
use crate::support::{TempDir, cli_async, oauth_connection, temp_dir};

const WORKER: &str = env!("CARGO_BIN_EXE_store-worker");
const CLIENT_SECRET: &str = "client-secret-sealed-9f8e7d";
const ACCESS_TOKEN: &str = "1000.access-token-sealed-6c5b4a";
const CHANNEL_TOKEN: &str = "channel-token-sealed-3e2d1c";

/// One store under test, and what a backup of it would hold.
enum Place {
    Files(TempDir),
    Postgres(PgServer),
}

impl Place {
    fn files(tag: &str) -> Self {
        Place::Files(temp_dir(tag))
    }

    fn postgres() -> Self {
        Place::Postgres(postgres())
    }

    fn label(&self) -> &'static str {
        match self {
            Place::Files(_) => "file",
            Place::Postgres(_) => "postgres",
        }
    }

    fn location(&self) -> String {
        match self {
            Place::Files(dir) => dir.0.display().to_string(),
            Place::Postgres(server) => server.url(),
        }
    }

    async fn open(&self, key: Option<&InstanceKey>) -> Result<Arc<dyn Store>, StoreError> {
        zoho_host::store::open(&self.location(), key.cloned()).await
    }

    /// Every byte a backup of the store holds: `pg_dump`'s output, or every file in the folder.
    fn dump(&self) -> String {
        match self {
            Place::Postgres(server) => server.dump().expect("pg_dump runs"),
            Place::Files(dir) => {
                let mut text = String::new();
                read_tree(&dir.0, &mut text);
                text
            }
        }
    }

    /// Copies connection `from`'s sealed client secret into connection `to`'s record, as
    /// someone with write access to the database or the file might.
    fn move_client_secret(&self, from: &str, to: &str) {
        match self {
            Place::Postgres(server) => {
                server
                    .psql(&format!(
                        "UPDATE zoho_connections SET connection = jsonb_set(connection, '{{client_secret}}', \
                         (SELECT connection->'client_secret' FROM zoho_connections WHERE name = '{from}')) \
                         WHERE name = '{to}'"
                    ))
                    .expect("updated");
            }
            Place::Files(dir) => {
                let path = dir.0.join("connections.json");
                let mut file: Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
                let moved = file["connections"][from]["client_secret"].clone();
                assert!(moved.is_object(), "a sealed value: {moved}");
                file["connections"][to]["client_secret"] = moved;
                std::fs::write(&path, serde_json::to_vec(&file).expect("json")).expect("written");
            }
        }
    }
}

fn read_tree(dir: &Path, text: &mut String) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("read").filter_map(Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::path);
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            read_tree(&path, text);
        } else {
            text.push_str(&String::from_utf8_lossy(&std::fs::read(&path).expect("read")));
        }
    }
}

fn new_key() -> (InstanceKey, String) {
    let (key, text) = InstanceKey::generate().expect("random");
    (key, text.as_str().to_owned())
}

/// `secret`'s bytes in every form a dump could carry them: as is, and in base64 (standard and
/// URL-safe, padded or not).
fn forms(secret: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let bytes = secret.as_bytes();
    vec![
        secret.to_owned(),
        STANDARD.encode(bytes),
        STANDARD_NO_PAD.encode(bytes),
        URL_SAFE.encode(bytes),
        URL_SAFE_NO_PAD.encode(bytes),
    ]
}

fn assert_holds_none(dump: &str, secrets: &[&str], what: &str) {
    for secret in secrets {
        for form in forms(secret) {
            assert!(
                !dump.contains(&form),
                "{what} holds a secret ({} bytes) in plain or base64",
                secret.len()
            );
        }
    }
}

/// A connection with every secret set: client secret, refresh token and an access token.
fn full_connection(fake: &FakeZoho, client_id: &str) -> (StoredConnection, String) {
    let (mut connection, refresh_token) = oauth_connection(fake, client_id, CLIENT_SECRET);
    connection.access_token = Some(Secret::new(ACCESS_TOKEN));
    connection.expires_at = 1;
    (connection, refresh_token)
}

async fn save_channel(store: &Arc<dyn Store>, key: &str) {
    let hold = store.hold_channel(key, Duration::from_secs(5)).await.expect("held");
    hold.save(json!({"channelId": "1000000068001", "token": CHANNEL_TOKEN, "events": ["Leads.all"]}))
        .await
        .expect("saved");
}

/// A call through the store's credentials (refreshing the token as needed).
async fn call(store: &Arc<dyn Store>, connection: &str) -> Result<Value, Value> {
    crate::shared_store::list(&Arc::new(StoreCredentials::shared(Arc::clone(store))), connection).await
}

async fn a_backup_holds_no_secret(place: Place) {
    let label = place.label();
    let fake = zoho_contract_check::Checked::start();
    let (key, key_text) = new_key();
    let store = place.open(Some(&key)).await.expect("opens with a key");
    let (connection, refresh_token) = full_connection(&fake, "1000.SEALED1");
    store.put("acme", connection).await.expect("stored");
    save_channel(&store, "leads").await;
    // A real refresh through the store: the token Zoho grants is stored sealed too.
    call(&store, "acme").await.expect("the call refreshes and succeeds");
    let granted = store
        .get("acme")
        .await
        .expect("reads")
        .expect("there")
        .access_token
        .expect("a token");
    assert_ne!(granted.expose(), ACCESS_TOKEN, "{label}: refreshed");

    let dump = place.dump();
    let secrets = [
        CLIENT_SECRET,
        refresh_token.as_str(),
        granted.expose(),
        CHANNEL_TOKEN,
        key_text.as_str(),
    ];
    assert_holds_none(&dump, &secrets, &format!("{label}: the backup"));
    for readable in ["1000.SEALED1", "acme", "1000000068001", &fake.base_url()] {
        assert!(
            dump.contains(readable),
            "{label}: {readable} stays readable for operators"
        );
    }

    let stored = store.get("acme").await.expect("reads").expect("there");
    assert_eq!(stored.client_secret.expose(), CLIENT_SECRET);
    match &stored.grant {
        zoho_host::store::Grant::RefreshToken { refresh_token: stored } => assert_eq!(stored.expose(), refresh_token),
        other => panic!("{other:?}"),
    }
    let channel = store.channel("leads").await.expect("reads").expect("there");
    assert_eq!(channel.channel["token"], CHANNEL_TOKEN);

    let status = store.sealing_status().await.expect("status");
    let shown = serde_json::to_string(&status).expect("json");
    assert_holds_none(&shown, &secrets, &format!("{label}: store status"));
    assert_eq!(status.plain_values, 0, "{label}: {shown}");
    assert_eq!(status.data_keys.len(), 1, "{label}: {shown}");
    assert_eq!(
        status.data_keys[0].values, 4,
        "{label}: three connection secrets and a channel token: {shown}"
    );
    assert_eq!(status.instance_key.as_deref(), Some(key.id()));
}

#[tokio::test]
async fn a_postgres_dump_of_a_sealed_store_holds_no_secret() {
    a_backup_holds_no_secret(Place::postgres()).await;
}

#[tokio::test]
async fn the_files_of_a_sealed_store_hold_no_secret() {
    a_backup_holds_no_secret(Place::files("sealed-dump")).await;
}

async fn a_moved_value_does_not_open(place: Place) {
    let label = place.label();
    let fake = zoho_contract_check::Checked::start();
    let (key, _) = new_key();
    let store = place.open(Some(&key)).await.expect("opens");
    store
        .put("a", full_connection(&fake, "1000.MOVEDA").0)
        .await
        .expect("stored");
    store
        .put("b", full_connection(&fake, "1000.MOVEDB").0)
        .await
        .expect("stored");
    place.move_client_secret("a", "b");

    let error = store.get("b").await.expect_err("does not open");
    match &error {
        StoreError::Sealing {
            source: SealError::DoesNotOpen { record, field },
            ..
        } => {
            assert_eq!(field, "client_secret", "{label}");
            assert!(record.contains("\"b\""), "{label}: names the record: {record}");
        }
        other => panic!("{label}: {other:?}"),
    }
    assert!(!error.to_string().contains(CLIENT_SECRET));
    assert_eq!(
        store
            .get("a")
            .await
            .expect("a still opens")
            .expect("there")
            .client_secret
            .expose(),
        CLIENT_SECRET
    );
    // Removing a record that does not open leaves it in place.
    assert!(store.remove("b").await.is_err(), "{label}");
    let reopened = place.open(Some(&key)).await.expect("opens");
    assert!(
        matches!(reopened.get("b").await, Err(StoreError::Sealing { .. })),
        "{label}: still there"
    );
}

#[tokio::test]
async fn a_sealed_value_moved_to_another_row_does_not_open_on_postgres() {
    a_moved_value_does_not_open(Place::postgres()).await;
}

#[tokio::test]
async fn a_sealed_value_moved_to_another_connection_does_not_open_in_the_file_store() {
    a_moved_value_does_not_open(Place::files("sealed-moved")).await;
}

async fn a_missing_or_wrong_key_is_refused(place: Place) {
    let label = place.label();
    let fake = zoho_contract_check::Checked::start();
    let (key, key_text) = new_key();
    let store = place.open(Some(&key)).await.expect("opens");
    store
        .put("acme", full_connection(&fake, "1000.REFUSED").0)
        .await
        .expect("stored");
    save_channel(&store, "leads").await;
    drop(store);
    let before = place.dump();

    match place.open(None).await {
        Err(StoreError::KeyRequired { .. }) => {}
        other => panic!("{label}: without a key: {other:?}"),
    }
    let (wrong, wrong_text) = new_key();
    match place.open(Some(&wrong)).await {
        Err(StoreError::Sealing {
            source: SealError::WrongInstanceKey { given, wrapped_with },
            ..
        }) => {
            assert_eq!(
                (given.as_str(), wrapped_with.as_str()),
                (wrong.id(), key.id()),
                "{label}"
            );
        }
        other => panic!("{label}: with the wrong key: {other:?}"),
    }

    // The CLI refuses too, saying what is missing, and writes nothing.
    let location = place.location();
    let run = cli_async(&["connections", "--store", &location], &[]).await;
    assert_eq!(run.code, 2, "{label}: {}", run.stderr);
    assert!(run.stderr.contains("ZOHO_HARNESS_KEY"), "{label}: {}", run.stderr);
    let run = cli_async(
        &["disconnect", "acme", "--store", &location],
        &[("ZOHO_HARNESS_KEY", &wrong_text)],
    )
    .await;
    assert_eq!(run.code, 2, "{label}: {}", run.stderr);
    assert!(run.stderr.contains("instance key"), "{label}: {}", run.stderr);
    for text in [&run.stdout, &run.stderr] {
        assert!(
            !text.contains(&wrong_text) && !text.contains(&key_text),
            "{label}: a key was printed"
        );
    }
    assert!(place.dump() == before, "{label}: nothing changed");

    let run = cli_async(
        &["connections", "--json", "--store", &location],
        &[("ZOHO_HARNESS_KEY", &key_text)],
    )
    .await;
    assert_eq!(run.code, 0, "{label}: the right key: {}", run.stderr);
    assert!(run.stdout.contains("acme"), "{label}: {}", run.stdout);
    assert!(
        !run.stdout.contains(CLIENT_SECRET) && !run.stderr.contains("unsealed"),
        "{label}"
    );
}

#[tokio::test]
async fn a_missing_or_wrong_key_is_refused_with_nothing_changed_on_postgres() {
    a_missing_or_wrong_key_is_refused(Place::postgres()).await;
}

#[tokio::test]
async fn a_missing_or_wrong_key_is_refused_with_nothing_changed_in_the_file_store() {
    a_missing_or_wrong_key_is_refused(Place::files("sealed-refused")).await;
}

async fn a_plain_store_is_sealed_on_the_first_start_with_a_key(place: Place) {
    let label = place.label();
    let fake = zoho_contract_check::Checked::start();
    let plain = place.open(None).await.expect("opens without a key");
    let mut refresh_tokens = Vec::new();
    for name in ["one", "two", "three"] {
        let (connection, refresh_token) = full_connection(&fake, &format!("1000.PLAIN{name}"));
        plain.put(name, connection).await.expect("stored");
        refresh_tokens.push(refresh_token);
    }
    save_channel(&plain, "leads").await;
    let status = plain.sealing_status().await.expect("status");
    assert_eq!(
        (status.plain_values, status.data_keys.len()),
        (10, 0),
        "{label}: {status:?}"
    );
    assert!(place.dump().contains(CLIENT_SECRET), "{label}: plain before");
    // The CLI warns, in one line, that this store keeps its secrets unsealed.
    let run = cli_async(&["connections", "--store", &place.location()], &[]).await;
    assert_eq!(run.code, 0, "{label}: {}", run.stderr);
    let warnings: Vec<&str> = run.stderr.lines().filter(|l| l.contains("unsealed")).collect();
    assert_eq!(warnings.len(), 1, "{label}: {}", run.stderr);

    let (key, _) = new_key();
    let sealed = place.open(Some(&key)).await.expect("opens with a key");
    let mut secrets: Vec<&str> = vec![CLIENT_SECRET, ACCESS_TOKEN, CHANNEL_TOKEN];
    secrets.extend(refresh_tokens.iter().map(String::as_str));
    assert_holds_none(
        &place.dump(),
        &secrets,
        &format!("{label}: after the first start with a key"),
    );
    let status = sealed.sealing_status().await.expect("status");
    assert_eq!(status.plain_values, 0, "{label}: {status:?}");
    assert_eq!(
        status.data_keys.iter().map(|k| k.values).sum::<usize>(),
        10,
        "{label}: {status:?}"
    );
    for (name, refresh_token) in ["one", "two", "three"].iter().zip(&refresh_tokens) {
        let connection = sealed.get(name).await.expect("reads").expect("there");
        assert_eq!(connection.client_secret.expose(), CLIENT_SECRET);
        assert_eq!(connection.access_token.as_ref().map(Secret::expose), Some(ACCESS_TOKEN));
        assert!(
            matches!(&connection.grant, zoho_host::store::Grant::RefreshToken { refresh_token: t } if t.expose() == refresh_token)
        );
    }
    assert_eq!(
        sealed.channel("leads").await.expect("reads").expect("there").channel["token"],
        CHANNEL_TOKEN
    );
    // Once: a second start seals nothing more and changes nothing.
    let before = place.dump();
    place.open(Some(&key)).await.expect("opens again");
    assert!(place.dump() == before, "{label}: the second start writes nothing");
}

#[tokio::test]
async fn a_plain_postgres_store_is_sealed_on_the_first_start_with_a_key() {
    a_plain_store_is_sealed_on_the_first_start_with_a_key(Place::postgres()).await;
}

#[tokio::test]
async fn a_plain_file_store_is_sealed_on_the_first_start_with_a_key() {
    a_plain_store_is_sealed_on_the_first_start_with_a_key(Place::files("sealed-first")).await;
}

fn spawn_worker(args: &[&str], key: &str) -> Child {
    Command::new(WORKER)
        .args(args)
        .env("ZOHO_HARNESS_KEY", key)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("a worker starts")
}

/// The JSON lines a finished worker printed; fails the test if it failed.
fn lines_of(child: Child) -> Vec<Value> {
    let output = child.wait_with_output().expect("the worker ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "a worker failed: {stderr}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON lines"))
        .collect()
}

/// Runs a rotation in a worker process of its own and returns what it reports. While the
/// session of a killed rotation still holds the rotation lock (PostgreSQL notices a dead
/// client once its waiting statement ends), it is refused as busy: tried again then.
async fn rotate(location: &str, key_text: &str) -> Value {
    let started = Instant::now();
    loop {
        let child = spawn_worker(
            &["--mode", "rotate", "--store", location, "--names", "-", "--stop", "-"],
            key_text,
        );
        let output = tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .expect("join")
            .expect("the worker ends");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        if output.status.success() {
            let stdout = String::from_utf8_lossy(&output.stdout);
            let line = stdout.lines().find(|l| l.contains("\"rotation\"")).expect("a rotation");
            return serde_json::from_str::<Value>(line).expect("json")["rotation"].clone();
        }
        assert!(
            stderr.contains("another rotation") && started.elapsed() < Duration::from_secs(60),
            "the rotation failed: {stderr}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn wait_until(what: &str, deadline: Duration, mut done: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A rotation whose process is killed part-way, then run again: it goes on with the same new
/// key and re-seals only what the first run had not.
#[tokio::test]
async fn an_interrupted_rotation_resumes_where_it_stopped_on_postgres() {
    let place = Place::postgres();
    let fake = zoho_contract_check::Checked::start();
    let (key, key_text) = new_key();
    let store = place.open(Some(&key)).await.expect("opens");
    let (template, _) = full_connection(&fake, "1000.RESUME");
    // Past two of the rotation's batches (500 each), so some commit before the stop.
    let count = 1200;
    for i in 0..count {
        store.put(&format!("c{i:05}"), template.clone()).await.expect("stored");
    }
    // A refresh holding connection c01100 keeps the third batch waiting.
    let held = store.hold("c01100", Duration::from_secs(5)).await.expect("held");
    let location = place.location();
    let rotating = spawn_worker(
        &["--mode", "rotate", "--store", &location, "--names", "-", "--stop", "-"],
        &key_text,
    );
    wait_until("two batches re-sealed", Duration::from_secs(120), async || {
        let status = store.sealing_status().await.expect("status");
        status.data_keys.len() == 2 && status.data_keys[1].values >= 3 * 1000
    })
    .await;
    let mut rotating = rotating;
    rotating.kill().expect("killed");
    let _ = rotating.wait();
    held.release().await;
    let status = store.sealing_status().await.expect("status");
    assert_eq!(
        status.data_keys[1].values,
        3 * 1000,
        "exactly two batches landed: {status:?}"
    );

    let rotation = rotate(&location, &key_text).await;
    assert_eq!(rotation["resumed"], true, "{rotation}");
    assert_eq!(rotation["dataKey"], 2, "{rotation}");
    assert_eq!(rotation["resealed"], count - 1000, "only what was left: {rotation}");
    assert_eq!(rotation["retired"], json!([1]), "{rotation}");
    let status = store.sealing_status().await.expect("status");
    assert_eq!(status.data_keys.len(), 1, "{status:?}");
    assert_eq!(
        (status.data_keys[0].id, status.data_keys[0].values),
        (2, 3 * count),
        "{status:?}"
    );
    for name in ["c00000", "c01100", "c01199"] {
        let connection = store.get(name).await.expect("reads").expect("there");
        assert_eq!(connection.client_secret.expose(), CLIENT_SECRET);
    }
}

/// Workers refresh tokens (which expire during the run) and poll trigger keys while rotations
/// re-seal everything: no call or poll fails, and afterwards every secret opens under the
/// newest key and every connection's stored token is the one Zoho holds valid (no refresh
/// lost or overwritten).
async fn rotation_under_load(place: Place) {
    let label = place.label();
    let fake = zoho_contract_check::Checked::start();
    let (key, key_text) = new_key();
    let store = place.open(Some(&key)).await.expect("opens");
    let names: Vec<String> = (0..16).map(|i| format!("load{i:02}")).collect();
    for name in &names {
        store
            .put(name, full_connection(&fake, "1000.ROTATELOAD").0)
            .await
            .expect("stored");
    }
    for i in 0..40 {
        store
            .put(&format!("idle{i:03}"), full_connection(&fake, "1000.ROTATEIDLE").0)
            .await
            .expect("stored");
    }
    save_channel(&store, "leads").await;
    let location = place.location();
    let stop_dir = temp_dir(&format!("rotate-stop-{label}"));
    let stop = stop_dir.0.join("stop");
    let stop_arg = stop.display().to_string();
    let names_arg = names.join(",");
    let cache = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("zoho-harness-cache")
        .display()
        .to_string();
    let refreshers: Vec<Child> = (0..2)
        .map(|_| {
            spawn_worker(
                &[
                    "--mode", "refresh", "--store", &location, "--names", &names_arg, "--stop", &stop_arg, "--cache",
                    &cache,
                ],
                &key_text,
            )
        })
        .collect();
    let (fake_url, token) = (fake.base_url(), fake.access_token());
    let pollers: Vec<Child> = (0..2)
        .map(|_| {
            spawn_worker(
                &[
                    "--mode", "poll", "--store", &location, "--names", "t0,t1,t2", "--stop", &stop_arg, "--cache",
                    &cache, "--fake", &fake_url, "--token", &token,
                ],
                &key_text,
            )
        })
        .collect();
    // Every connection has its first token before the rotation starts.
    wait_until("first tokens", Duration::from_secs(180), async || {
        fake.token_requests().len() >= names.len()
    })
    .await;
    // Three rotations in a row, each while every token has just expired, so workers refresh
    // and write tokens back while the rotation re-seals and retires keys.
    for _ in 0..3 {
        fake.expire_access_tokens();
        let rotation = rotate(&location, &key_text).await;
        assert_eq!(
            rotation["retired"].as_array().map(Vec::len),
            Some(1),
            "{label}: {rotation}"
        );
    }
    // The workers go on with the rotated store: tokens expire once more and are refreshed.
    let before = fake.token_requests().len();
    fake.expire_access_tokens();
    wait_until("refreshes after the rotations", Duration::from_secs(180), async || {
        fake.token_requests().len() >= before + names.len()
    })
    .await;
    std::fs::write(&stop, b"").expect("stop file");
    for child in refreshers.into_iter().chain(pollers) {
        let lines = tokio::task::spawn_blocking(move || lines_of(child))
            .await
            .expect("join");
        let summary = lines.iter().find_map(|l| l.get("summary")).expect("a summary");
        assert_eq!(
            summary["errors"], 0,
            "{label}: a worker's calls or polls failed: {summary}"
        );
        assert!(
            summary["calls"].as_u64().unwrap_or(0) + summary["polls"].as_u64().unwrap_or(0) > 0,
            "{label}: {summary}"
        );
    }

    let status = store.sealing_status().await.expect("status");
    assert_eq!(status.plain_values, 0, "{label}: {status:?}");
    assert_eq!(
        status.data_keys.len(),
        1,
        "{label}: only the newest key is left: {status:?}"
    );
    assert_eq!(status.data_keys[0].id, 4, "{label}: three rotations: {status:?}");
    assert_eq!(
        status.data_keys[0].values,
        3 * (names.len() + 40) + 1,
        "{label}: {status:?}"
    );
    // Every stored token is the current one: a call per connection needs no refresh.
    let requests = fake.token_requests().len();
    for name in &names {
        call(&store, name)
            .await
            .unwrap_or_else(|e| panic!("{label}: {name}: {e}"));
    }
    assert_eq!(
        fake.token_requests().len(),
        requests,
        "{label}: a stored token was lost or stale"
    );
    assert_eq!(
        store.channel("leads").await.expect("reads").expect("there").channel["token"],
        CHANNEL_TOKEN
    );
}

#[tokio::test]
async fn a_rotation_under_load_on_postgres_loses_no_token() {
    rotation_under_load(Place::postgres()).await;
}

#[tokio::test]
async fn a_rotation_under_load_on_the_file_store_loses_no_token() {
    rotation_under_load(Place::files("sealed-load")).await;
}

/// `store init-key`, `status` and `rotate-key` (both forms) from the command line.
#[tokio::test]
async fn the_cli_makes_keys_shows_status_and_rotates() {
    let dir = temp_dir("sealed-cli");
    let location = dir.0.display().to_string();
    let fake = zoho_contract_check::Checked::start();

    let made = cli_async(&["store", "init-key"], &[]).await;
    assert_eq!(made.code, 0, "{}", made.stderr);
    let key_text = made.stdout.trim().to_owned();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&key_text)
        .expect("base64");
    assert_eq!(bytes.len(), 32);
    assert!(!made.stderr.contains(&key_text), "printed once, on stdout");
    let again = cli_async(&["store", "init-key"], &[]).await;
    assert_ne!(again.stdout.trim(), key_text, "a new key each time");

    let key = InstanceKey::parse(&key_text).expect("parses");
    let store = zoho_host::store::open(&location, Some(key.clone()))
        .await
        .expect("opens");
    store
        .put("acme", full_connection(&fake, "1000.CLI").0)
        .await
        .expect("stored");
    let key_file = dir.0.join("instance.key");
    std::fs::write(&key_file, format!("{key_text}\n")).expect("written");
    let key_file_arg = key_file.display().to_string();

    let status = cli_async(
        &["store", "status", "--store", &location, "--key-file", &key_file_arg],
        &[],
    )
    .await;
    assert_eq!(status.code, 0, "{}", status.stderr);
    let shown: Value = serde_json::from_str(&status.stdout).expect("json");
    assert_eq!(shown["dataKeys"], json!([{"id": 1, "values": 3}]), "{shown}");
    assert_eq!(shown["plainValues"], 0);
    assert_eq!(shown["instanceKey"], key.id());

    let refused = cli_async(&["store", "rotate-key", "--store", &location], &[]).await;
    assert_eq!(refused.code, 2, "no key: {}", refused.stderr);
    assert!(refused.stderr.contains("ZOHO_HARNESS_KEY"), "{}", refused.stderr);

    let rotated = cli_async(
        &["store", "rotate-key", "--store", &location],
        &[("ZOHO_HARNESS_KEY", &key_text)],
    )
    .await;
    assert_eq!(rotated.code, 0, "{}", rotated.stderr);
    let rotation: Value = serde_json::from_str(&rotated.stdout).expect("json");
    assert_eq!(
        rotation,
        json!({"dataKey": 2, "resealed": 1, "retired": [1], "resumed": false})
    );

    // A new instance key: the data keys are re-wrapped; the old key no longer opens the store.
    let (new_key, new_text) = new_key();
    let new_file = dir.0.join("new.key");
    std::fs::write(&new_file, &new_text).expect("written");
    let rewrapped = cli_async(
        &[
            "store",
            "rotate-key",
            "--instance-key",
            &format!("@{}", new_file.display()),
            "--store",
            &location,
        ],
        &[("ZOHO_HARNESS_KEY", &key_text)],
    )
    .await;
    assert_eq!(rewrapped.code, 0, "{}", rewrapped.stderr);
    assert_eq!(
        serde_json::from_str::<Value>(&rewrapped.stdout).expect("json"),
        json!({"dataKeys": 1, "instanceKey": new_key.id()})
    );
    let old = cli_async(
        &["connections", "--store", &location],
        &[("ZOHO_HARNESS_KEY", &key_text)],
    )
    .await;
    assert_eq!(old.code, 2, "{}", old.stderr);
    let new = cli_async(
        &["connections", "--store", &location],
        &[("ZOHO_HARNESS_KEY", &new_text)],
    )
    .await;
    assert_eq!(new.code, 0, "{}", new.stderr);
    let reopened = zoho_host::store::open(&location, Some(new_key)).await.expect("opens");
    assert_eq!(
        reopened
            .get("acme")
            .await
            .expect("reads")
            .expect("there")
            .client_secret
            .expose(),
        CLIENT_SECRET
    );
    for run in [&made, &status, &refused, &rotated, &rewrapped, &old, &new] {
        assert!(
            !run.stderr.contains(&key_text) && !run.stderr.contains(&new_text),
            "a key on stderr"
        );
    }
    for run in [&status, &refused, &rotated, &rewrapped, &old, &new] {
        assert!(
            !run.stdout.contains(&key_text) && !run.stdout.contains(&new_text),
            "a key on stdout"
        );
        assert!(!run.stdout.contains(CLIENT_SECRET) && !run.stderr.contains(CLIENT_SECRET));
    }
    let bad = cli_async(
        &["connections", "--store", &location],
        &[("ZOHO_HARNESS_KEY", "c2hvcnQ=")],
    )
    .await;
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("32 random bytes") && !bad.stderr.contains("c2hvcnQ="),
        "{}",
        bad.stderr
    );
}

/// The cost of sealing and the time to rotate, at the scale `ZOHO_SEAL_CONNECTIONS` gives
/// (BENCHMARKS.md records 10,000; CI runs 300). The store is seeded plain (rows inserted by
/// SQL, or the connections file written whole), then read in full, opened with a key (the first
/// start seals every secret), read in full again, and rotated. Prints a `SEAL` line per store;
/// asserts only that every connection came through each step.
async fn sealing_costs(place: Place) {
    let label = place.label();
    let count: usize = std::env::var("ZOHO_SEAL_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let fake = zoho_contract_check::Checked::start();
    let (template, _) = full_connection(&fake, "1000.BENCH");
    let record = serde_json::to_value(&template).expect("json");
    let plain = place.open(None).await.expect("opens");
    match &place {
        Place::Postgres(server) => {
            server
                .psql(&format!(
                    "INSERT INTO zoho_connections (name, connection) SELECT 'c' || lpad(i::text, 6, '0'), '{record}'::jsonb \
                     FROM generate_series(1, {count}) AS i"
                ))
                .expect("seeded");
        }
        Place::Files(dir) => {
            let connections: serde_json::Map<String, Value> =
                (1..=count).map(|i| (format!("c{i:06}"), record.clone())).collect();
            let file = serde_json::to_vec(&json!({"connections": connections})).expect("json");
            std::fs::write(dir.0.join("connections.json"), file).expect("seeded");
        }
    }
    let timed = async |what: &str, seconds: &mut serde_json::Map<String, Value>, store: &Arc<dyn Store>| {
        let started = Instant::now();
        assert_eq!(store.list().await.expect("lists").len(), count, "{label}: {what}");
        seconds.insert(what.to_owned(), json!(started.elapsed().as_secs_f64()));
    };
    let mut seconds = serde_json::Map::new();
    timed("listPlain", &mut seconds, &plain).await;
    let (key, _) = new_key();
    let started = Instant::now();
    let sealed = place.open(Some(&key)).await.expect("opens with a key");
    seconds.insert("firstSealing".into(), json!(started.elapsed().as_secs_f64()));
    timed("listSealed", &mut seconds, &sealed).await;
    let started = Instant::now();
    let rotation = sealed.rotate_data_key().await.expect("rotates");
    seconds.insert("rotation".into(), json!(started.elapsed().as_secs_f64()));
    assert_eq!(rotation.resealed, count, "{label}");
    let values = 3.0 * count as f64;
    let micros = |seconds: f64| seconds / values * 1e6;
    let number = |name: &str| seconds[name].as_f64().unwrap_or(0.0);
    println!(
        "SEAL {}",
        json!({
            "store": label, "connections": count, "seconds": seconds,
            "openMicrosPerValueAdded": micros(number("listSealed") - number("listPlain")),
            "firstSealingMicrosPerValue": micros(number("firstSealing")),
            "rotationMicrosPerValue": micros(number("rotation")),
        })
    );
}

#[tokio::test]
async fn sealing_costs_on_postgres() {
    sealing_costs(Place::postgres()).await;
}

#[tokio::test]
async fn sealing_costs_on_the_file_store() {
    sealing_costs(Place::files("sealed-bench")).await;
}
