//! The store shared by workers: PostgreSQL (a private server each test starts with `initdb`
//! and `pg_ctl`) beside the file store. Each "worker" here is a store opened on its own, as a
//! process on another machine would open it: its own database sessions, its own file handles.
//!
//! One refresh per expiry across workers, the throttle shared, trigger states taken by one
//! poller at a time (every event exactly once), holds that end with their session (a
//! restarted server, a dead worker), typed errors for a server that is gone, the schema's
//! versions, and no password or token where it must not be.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use zoho_host::store::{ConnectionStore, PostgresStore, Store, StoreCredentials, StoreError};
use zoho_host::{CallContext, CredentialProvider};
use zoho_test_postgres::PgServer;

use crate::support::{assert_no_secret, cli_async, futures_join_all, harness, oauth_connection, temp_dir};

const CLIENT_ID: &str = "1000.SHAREDSTORE1";
const CLIENT_SECRET: &str = "client-secret-shared-5a4b3c";
const LEASE: Duration = Duration::from_secs(60);
/// Seconds past a change after which a polling trigger takes it (as in `triggers.rs`).
const SETTLED: i64 = 120;

pub(crate) fn postgres() -> PgServer {
    PgServer::start().unwrap_or_else(|e| panic!("a private PostgreSQL server starts: {e}"))
}

pub(crate) async fn open_postgres(server: &PgServer) -> Arc<dyn Store> {
    Arc::new(PostgresStore::connect(&server.url()).await.expect("the store opens"))
}

/// One `crmGetRecords` call through `provider` (refreshing the token as needed).
pub(crate) async fn list(provider: &Arc<StoreCredentials>, connection: &str) -> Result<Value, Value> {
    let context = CallContext::new(Arc::clone(provider) as Arc<dyn CredentialProvider>);
    harness()
        .invoke(
            &context,
            "crmGetRecords",
            connection,
            r#"{"recordType":"Leads","fields":"Last_Name","maxRetries":0}"#,
        )
        .await
        .expect("runs")
        .map(|o| serde_json::from_str(&o).expect("json"))
        .map_err(|e| zoho_host::output::error_document(&e))
}

#[tokio::test]
async fn workers_on_postgres_refresh_an_expired_token_once_and_share_the_throttle() {
    let server = postgres();
    let fake = zoho_contract_check::Checked::start();
    let (connection, _refresh) = oauth_connection(&fake, CLIENT_ID, CLIENT_SECRET);
    let workers: Vec<Arc<StoreCredentials>> = {
        let mut workers = Vec::new();
        for _ in 0..4 {
            workers.push(Arc::new(StoreCredentials::shared(open_postgres(&server).await)));
        }
        workers
    };
    let first = open_postgres(&server).await;
    first.put("shared", connection).await.expect("stored");

    // Forty calls at once on four workers, no token yet: one token request in all. Then the
    // token expires at Zoho, every worker meets a 401 with the same token, and one refreshes.
    for (round, tokens) in [(0, 1), (1, 2)] {
        if round == 1 {
            fake.expire_access_tokens();
        }
        let calls = (0..40).map(|i| list(&workers[i % 4], "shared"));
        let outcomes = futures_join_all(calls).await;
        assert!(
            outcomes.iter().all(Result::is_ok),
            "{:?}",
            outcomes.iter().find(|o| o.is_err())
        );
        assert_eq!(
            fake.token_requests().len(),
            tokens,
            "one token request per expiry, all workers together"
        );
    }

    // Zoho throttles the next refresh: the throttle is stored, and no worker asks again.
    fake.set_refresh_limit(0);
    fake.expire_access_tokens();
    let error = list(&workers[0], "shared").await.expect_err("throttled");
    assert_eq!(error["error"]["problem"], "throttled", "{error}");
    let asked = fake.token_requests().len();
    for worker in &workers {
        let error = list(worker, "shared").await.expect_err("still throttled");
        assert_eq!(error["error"]["problem"], "throttled", "{error}");
    }
    assert_eq!(
        fake.token_requests().len(),
        asked,
        "no worker asked during the throttle"
    );
    let stored = first.get("shared").await.expect("read").expect("present");
    assert!(stored.throttled_until > 0, "the throttle is in the store");
}

/// Polls `key` `rounds` times, as one of several pollers: takes the key, polls, keeps the
/// events, advances. Returns every event id it delivered.
async fn poller(store: Arc<dyn Store>, context: CallContext, key: String, rounds: usize) -> Vec<String> {
    let mut delivered = Vec::new();
    for _ in 0..rounds {
        delivered.extend(poll_once(&store, &context, &key).await.unwrap_or_default());
    }
    delivered
}

/// Polls `key` as one of several pollers until they have delivered `target` events between
/// them (`shared` counts them), or a minute has passed. Returns the ids it delivered itself.
async fn poller_until(
    store: Arc<dyn Store>,
    context: CallContext,
    key: String,
    shared: Arc<std::sync::atomic::AtomicUsize>,
    target: usize,
) -> Vec<String> {
    use std::sync::atomic::Ordering;
    let started = std::time::Instant::now();
    let mut delivered = Vec::new();
    while shared.load(Ordering::SeqCst) < target && started.elapsed() < Duration::from_secs(60) {
        let events = poll_once(&store, &context, &key).await.unwrap_or_default();
        shared.fetch_add(events.len(), Ordering::SeqCst);
        delivered.extend(events);
    }
    delivered
}

/// One poll of `key` if the key is free (`None`, after a short pause, while another poller
/// has it): the events' ids, delivered before the state advances.
async fn poll_once(store: &Arc<dyn Store>, context: &CallContext, key: &str) -> Option<Vec<String>> {
    let input = json!({"recordType": "Leads", "fields": ["Last_Name"], "maxEvents": 3}).to_string();
    let Some(hold) = store.take_state(key, LEASE).await.expect("the store answers") else {
        tokio::time::sleep(Duration::from_millis(5)).await;
        return None;
    };
    let state = hold.state().map(str::to_owned);
    let polled = harness()
        .poll(context, "crmNewRecords", "test", &input, state.as_deref())
        .await
        .expect("runs")
        .expect("polls");
    let events: Vec<Value> = serde_json::from_str(&polled.events).expect("events");
    let ids: Vec<String> = events
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_owned())
        .collect();
    hold.advance(polled.state).await.expect("advanced");
    if ids.is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Some(ids)
}

async fn exactly_once_across_pollers(stores: Vec<Arc<dyn Store>>) {
    let fake = zoho_contract_check::Checked::start();
    let info = zoho_host::ConnectionInfo {
        access_token: fake.access_token(),
        api_domain: fake.base_url(),
        books_organization_id: None,
    };
    let context = CallContext::new(Arc::new(zoho_host::StaticCredentials::new().with("test", info)));
    // The first poll starts the trigger at "now": records before it are not events.
    let setup = poller(Arc::clone(&stores[0]), context.clone(), "leads".into(), 1).await;
    assert!(setup.is_empty());
    let records = 30;
    let mut created = Vec::new();
    // The pollers race for the key while records are created, and go on until they have
    // delivered as many events between them as there are records.
    let shared = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let pollers: Vec<_> = stores
        .iter()
        .map(|store| {
            let task = poller_until(
                Arc::clone(store),
                context.clone(),
                "leads".into(),
                Arc::clone(&shared),
                records,
            );
            tokio::spawn(task)
        })
        .collect();
    for i in 0..records {
        fake.advance_clock(1);
        created.push(fake.create_record("Leads", &json!({"Last_Name": format!("Lead {i}")})));
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    // Past Zoho's settling time, so the last records are due too.
    fake.advance_clock(SETTLED);
    let mut delivered = Vec::new();
    for task in pollers {
        delivered.extend(task.await.expect("poller"));
    }
    assert_eq!(
        delivered.len(),
        created.len(),
        "the concurrent pollers delivered every event themselves"
    );
    // Nothing is left for a last poller: none was held back or lost.
    let left = poller(Arc::clone(&stores[0]), context, "leads".into(), 3).await;
    assert!(left.is_empty(), "left after the pollers: {left:?}");
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for id in &delivered {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    let repeated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "events delivered twice: {repeated:?}");
    let missing: Vec<_> = created.iter().filter(|id| !counts.contains_key(id.as_str())).collect();
    assert!(missing.is_empty(), "events lost: {missing:?}");
    assert_eq!(delivered.len(), created.len());
}

#[tokio::test]
async fn pollers_sharing_a_trigger_key_in_postgres_deliver_every_event_exactly_once() {
    let server = postgres();
    let mut stores = Vec::new();
    for _ in 0..4 {
        stores.push(open_postgres(&server).await);
    }
    exactly_once_across_pollers(stores).await;
}

#[tokio::test]
async fn pollers_sharing_a_trigger_key_in_the_file_store_deliver_every_event_exactly_once() {
    let dir = temp_dir("pollers");
    let stores: Vec<Arc<dyn Store>> = (0..4)
        .map(|_| Arc::new(ConnectionStore::new(&dir.0)) as Arc<dyn Store>)
        .collect();
    exactly_once_across_pollers(stores).await;
}

#[tokio::test]
async fn a_taken_key_is_refused_to_others_and_freed_when_its_holder_goes() {
    let server = postgres();
    let (a, b) = (open_postgres(&server).await, open_postgres(&server).await);
    let hold = a.take_state("k", LEASE).await.expect("answers").expect("taken");
    assert!(
        b.take_state("k", LEASE).await.expect("answers").is_none(),
        "held elsewhere"
    );
    assert!(
        b.take_state("other", LEASE).await.expect("answers").is_some(),
        "keys are independent"
    );
    // A holder that goes away without a word (a cancelled task, a dead process) lets go.
    drop(hold);
    let again = b.take_state("k", LEASE).await.expect("answers").expect("free again");
    assert_eq!(again.state(), None, "nothing was advanced");
    again.advance("s1".into()).await.expect("advanced");
    let next = a.take_state("k", LEASE).await.expect("answers").expect("taken");
    assert_eq!(next.state(), Some("s1"));
    next.release().await;
}

#[tokio::test]
async fn a_restarted_server_leaves_no_lock_and_the_next_poll_continues_from_the_committed_state() {
    let server = postgres();
    let store = open_postgres(&server).await;
    let hold = store.take_state("k", LEASE).await.expect("answers").expect("taken");
    hold.advance("committed".into()).await.expect("advanced");

    // A poll in flight when the server restarts fails cleanly: its state is not advanced.
    let in_flight = store.take_state("k", LEASE).await.expect("answers").expect("taken");
    server.restart().expect("restarts");
    let error = in_flight.advance("lost".into()).await.expect_err("the session is gone");
    assert!(matches!(error, StoreError::Database { .. }), "{error:?}");
    let next = store
        .take_state("k", LEASE)
        .await
        .expect("reconnects")
        .expect("no lock left");
    assert_eq!(next.state(), Some("committed"));
    next.release().await;

    // A refresh in flight likewise: its row lock is gone with the session.
    let fake = zoho_contract_check::Checked::start();
    let (connection, _) = oauth_connection(&fake, CLIENT_ID, CLIENT_SECRET);
    store.put("c", connection).await.expect("stored");
    let held = store.hold("c", Duration::from_secs(5)).await.expect("held");
    server.restart().expect("restarts");
    assert!(held.save().await.is_err(), "the refresh's session is gone");
    let again = store
        .hold("c", Duration::from_secs(5))
        .await
        .expect("no lock left behind");
    again.release().await;
}

#[tokio::test]
async fn a_server_that_is_gone_is_a_typed_error_soon_never_a_hang() {
    let server = postgres();
    let store = open_postgres(&server).await;
    server.stop().expect("stops");
    let started = std::time::Instant::now();
    let error = store.get("anything").await.expect_err("no server");
    assert!(matches!(error, StoreError::Database { .. }), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "answered in {:?}",
        started.elapsed()
    );
    let message = error.to_string();
    assert_no_secret(&message, &[server.password().to_owned()], "the store's error");
    assert!(message.contains(&format!("127.0.0.1:{}", server.port())), "{message}");

    let error = PostgresStore::connect(&server.url()).await.expect_err("no server");
    assert_no_secret(&error.to_string(), &[server.password().to_owned()], "the connect error");
}

#[tokio::test]
async fn the_schema_is_versioned_created_once_by_racing_workers_and_a_newer_one_is_refused() {
    let server = postgres();
    let url = server.url();
    let racing: Vec<_> = (0..6)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { PostgresStore::connect(&url).await.map(|_| ()) })
        })
        .collect();
    for task in racing {
        task.await.expect("task").expect("every worker opens the store");
    }
    assert_eq!(
        server
            .psql("SELECT version FROM zoho_harness_schema ORDER BY version")
            .expect("psql")
            .trim(),
        "1\n2",
        "each migration once (2: the data keys of sealed secrets)"
    );
    server
        .psql("INSERT INTO zoho_harness_schema (version) VALUES (99)")
        .expect("psql");
    let error = PostgresStore::connect(&url).await.expect_err("newer schema");
    assert!(
        matches!(
            error,
            StoreError::NewerSchema {
                found: 99,
                known: 2,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn poll_with_a_state_key_in_postgres_delivers_then_advances_and_a_held_key_answers_at_once() {
    let server = postgres();
    let fake = zoho_contract_check::Checked::start();
    let store_url = server.url();
    let env = [
        ("ZOHO_API_DOMAIN", fake.base_url()),
        ("ZOHO_ACCESS_TOKEN", fake.access_token()),
        ("ZOHO_HARNESS_STORE", store_url.clone()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let input = r#"{"recordType":"Leads","fields":["Last_Name"]}"#;
    let args = ["poll", "crmNewRecords", "--input", input, "--state-key", "leads-new"];
    let first = cli_async(&args, &env).await;
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    assert_eq!(first.json()["events"], json!([]));
    fake.advance_clock(1);
    let id = fake.create_record("Leads", &json!({"Last_Name": "Boyle"}));
    fake.advance_clock(SETTLED);
    let second = cli_async(&args, &env).await;
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(second.json()["events"][0]["id"], id.as_str());
    let third = cli_async(&args, &env).await;
    assert_eq!(third.json()["events"], json!([]), "advanced past the delivered event");

    // While another poller holds the key, a poll answers at once with nothing and `more`.
    let other = PostgresStore::connect(&store_url).await.expect("opens");
    let hold = other
        .take_state("leads-new", LEASE)
        .await
        .expect("answers")
        .expect("taken");
    let busy = cli_async(&args, &env).await;
    assert_eq!(busy.code, 0, "{}", busy.stderr);
    assert_eq!(busy.json(), json!({"events": [], "more": true}));
    assert!(busy.stderr.contains("Another poller"), "{}", busy.stderr);
    hold.release().await;

    // --store on the command line names the same place.
    let flag = [
        "poll",
        "crmNewRecords",
        "--input",
        input,
        "--state-key",
        "leads-new",
        "--store",
        &store_url,
    ];
    let env_without: Vec<(&str, &str)> = env
        .iter()
        .filter(|(k, _)| *k != "ZOHO_HARNESS_STORE")
        .copied()
        .collect();
    let by_flag = cli_async(&flag, &env_without).await;
    assert_eq!(by_flag.code, 0, "{}", by_flag.stderr);
    assert_eq!(by_flag.json()["events"], json!([]));

    // Nothing but the state in the trigger table; no password in any output.
    let states = server.psql("SELECT key, state FROM zoho_trigger_states").expect("psql");
    assert!(states.starts_with("leads-new|"), "{states}");
    for run in [&first, &second, &third, &busy, &by_flag] {
        assert_no_secret(&run.stdout, &[server.password().to_owned()], "poll's stdout");
        assert_no_secret(&run.stderr, &[server.password().to_owned()], "poll's stderr");
    }
}

#[tokio::test]
async fn connections_in_postgres_work_from_the_cli_and_no_secret_reaches_a_plain_column_or_an_error() {
    let server = postgres();
    let fake = zoho_contract_check::Checked::start();
    let (connection, refresh_token) = oauth_connection(&fake, CLIENT_ID, CLIENT_SECRET);
    let store = open_postgres(&server).await;
    store.put("crm", connection).await.expect("stored");
    let provider = Arc::new(StoreCredentials::shared(Arc::clone(&store)));
    fake.seed("Leads", &[json!({"Last_Name": "Boyle"})]);
    let output = list(&provider, "crm")
        .await
        .expect("a call through the stored connection");
    assert_eq!(output["data"][0]["Last_Name"], "Boyle");
    let access_token = store
        .get("crm")
        .await
        .expect("read")
        .expect("present")
        .access_token
        .expect("cached token")
        .expose()
        .to_owned();

    let env = [("ZOHO_HARNESS_STORE", server.url())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let listed = cli_async(&["connections", "--json"], &env).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert_eq!(listed.json()[0]["connection"], "crm");
    let invoked = cli_async(
        &[
            "invoke",
            "crmGetRecords",
            "--connection",
            "crm",
            "--input",
            r#"{"recordType":"Leads","fields":"Last_Name"}"#,
        ],
        &env,
    )
    .await;
    assert_eq!(invoked.code, 0, "{}", invoked.stderr);

    // A wrong password: a clear error that quotes neither password.
    let wrong = server.url().replace(server.password(), "not-the-password-123");
    let refused = cli_async(&["connections", "--store", &wrong], &[]).await;
    assert_ne!(refused.code, 0);
    let secrets = [
        server.password().to_owned(),
        "not-the-password-123".to_owned(),
        CLIENT_SECRET.to_owned(),
        refresh_token.clone(),
        access_token.clone(),
    ];
    for run in [&listed, &invoked, &refused] {
        assert_no_secret(&format!("{}{}", run.stdout, run.stderr), &secrets, "the CLI's output");
    }
    assert!(
        refused.stderr.contains("password authentication failed"),
        "{}",
        refused.stderr
    );

    // Secrets live only in zoho_connections.connection, as the README says.
    let plain = server
        .psql("SELECT name, updated_at::text FROM zoho_connections UNION ALL SELECT key, updated_at::text FROM zoho_trigger_states")
        .expect("psql");
    assert_no_secret(&plain, &secrets, "the store's plain columns");
}

#[tokio::test]
async fn a_channel_hold_makes_the_second_replica_wait_and_see_the_first_ones_channel() {
    let server = postgres();
    let (a, b) = (open_postgres(&server).await, open_postgres(&server).await);
    assert!(b.channel("leads").await.expect("answers").is_none());
    let first = a.hold_channel("leads", Duration::from_secs(5)).await.expect("held");
    assert!(first.channel().is_none(), "nothing stored yet");
    let waiting = tokio::spawn(async move {
        let hold = b
            .hold_channel("leads", Duration::from_secs(20))
            .await
            .expect("held after the first");
        let seen = hold.channel().cloned();
        hold.release().await;
        seen
    });
    // The second replica's session is seen waiting for the first one's lock in PostgreSQL
    // itself, rather than presumed to after a pause.
    let started = std::time::Instant::now();
    while server
        .psql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        .expect("psql")
        .trim()
        != "1"
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the second replica waits for the lock"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        !waiting.is_finished(),
        "the second replica waits while the first enables"
    );
    let saved = first
        .save(json!({"channelId": "1000", "token": "channel-token-secret", "renewAt": "2099-01-01T00:00:00+00:00"}))
        .await
        .expect("saved");
    assert_eq!(saved.version, 1);
    let seen = waiting.await.expect("joined").expect("the first replica's channel");
    assert_eq!(seen.channel["channelId"], "1000");
    assert_eq!(seen.version, 1);

    // A replica that cannot get the hold in time gets a clear "busy", not a hang.
    let holding = a.hold_channel("leads", Duration::from_secs(5)).await.expect("held");
    let c = open_postgres(&server).await;
    let error = c
        .hold_channel("leads", Duration::from_millis(300))
        .await
        .err()
        .expect("busy");
    assert!(matches!(error, StoreError::Busy(_)), "{error:?}");
    holding.release().await;
}

/// `listen` as one replica of the channel named `leads`, stopping after `max` notifications.
fn replica_args(max: &str) -> [&str; 7] {
    [
        "listen",
        "--input",
        r#"{"events":["Leads.create"]}"#,
        "--channel-key",
        "leads",
        "--max-notifications",
        max,
    ]
}

#[tokio::test]
async fn listen_replicas_with_a_channel_key_share_one_channel_and_leave_it_enabled() {
    let server = postgres();
    let fake = Arc::new(zoho_contract_check::Checked::start());
    let env = vec![
        ("ZOHO_API_DOMAIN", fake.base_url()),
        ("ZOHO_ACCESS_TOKEN", fake.access_token()),
        ("ZOHO_HARNESS_STORE", server.url()),
    ];
    let owned_env = env.clone();
    let first = tokio::spawn(async move {
        let env: Vec<(&str, &str)> = owned_env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        cli_async(&replica_args("1"), &env).await
    });
    let mut enabled = false;
    for _ in 0..3000 {
        if !fake.channels().is_empty() {
            enabled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(enabled, "the first replica enabled a channel");
    let borrowed: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let second = cli_async(&replica_args("0"), &borrowed).await;
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(second.stderr.contains("Joined channel"), "{}", second.stderr);
    let watch_posts = fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/actions/watch"))
        .count();
    assert_eq!(watch_posts, 1, "one enable for both replicas");

    let id = fake.create_record("Leads", &json!({"Last_Name": "Shared"}));
    let run = tokio::time::timeout(Duration::from_secs(60), first)
        .await
        .expect("the first replica stops after one notification")
        .expect("joined");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let events: Value = serde_json::from_str(run.stdout.lines().next().expect("a line")).expect("JSON");
    assert_eq!(events[0]["id"], id.as_str());
    assert!(run.stderr.contains("Left channel"), "{}", run.stderr);
    assert_eq!(fake.channels().len(), 1, "still enabled for the other replicas");
    let (_, _, token, _) = fake.channels().remove(0);
    let token = token.expect("a channel token");
    assert_eq!(
        server
            .psql("SELECT version FROM zoho_channels WHERE key = 'leads'")
            .expect("psql")
            .trim(),
        "1"
    );
    for output in [&run.stdout, &run.stderr, &second.stdout, &second.stderr] {
        assert_no_secret(
            output,
            &[token.clone(), server.password().to_owned()],
            "listen's output",
        );
    }
}

#[tokio::test]
async fn replicas_meeting_a_due_renewal_renew_the_shared_channel_once() {
    let server = postgres();
    let fake = Arc::new(zoho_contract_check::Checked::start());
    let env = vec![
        ("ZOHO_API_DOMAIN", fake.base_url()),
        ("ZOHO_ACCESS_TOKEN", fake.access_token()),
        ("ZOHO_HARNESS_STORE", server.url()),
    ];
    let borrowed: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let enabling = cli_async(&replica_args("0"), &borrowed).await;
    assert_eq!(enabling.code, 0, "{}", enabling.stderr);
    // The stored channel's renewal falls due.
    server
        .psql(r#"UPDATE zoho_channels SET channel = jsonb_set(channel, '{renewAt}', '"2020-01-01T00:00:00+00:00"')"#)
        .expect("psql");
    let renewals = || {
        fake.requests()
            .iter()
            .filter(|r| r.method == "PATCH" && r.path.ends_with("/actions/watch"))
            .count()
    };
    assert_eq!(renewals(), 0);

    // Two replicas start together and find the renewal due: one renews; the other adopts the
    // renewed channel (or joins it already renewed, when it starts a little later).
    let replicas: Vec<_> = (0..2)
        .map(|_| {
            let env = env.clone();
            tokio::spawn(async move {
                let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let args = [
                    "listen",
                    "--input",
                    r#"{"events":["Leads.create"]}"#,
                    "--channel-key",
                    "leads",
                    "--max-seconds",
                    "3",
                ];
                cli_async(&args, &env).await
            })
        })
        .collect();
    let mut stderr = String::new();
    for replica in replicas {
        let run = replica.await.expect("joined");
        assert_eq!(run.code, 0, "{}", run.stderr);
        stderr.push_str(&run.stderr);
    }
    assert_eq!(renewals(), 1, "one renewal across the replicas: {stderr}");
    assert_eq!(stderr.matches("Renewed channel").count(), 1, "{stderr}");
    assert_eq!(
        server
            .psql("SELECT version FROM zoho_channels WHERE key = 'leads'")
            .expect("psql")
            .trim(),
        "2"
    );
    assert_eq!(fake.channels().len(), 1, "still one channel, still enabled");
}
