//! The trigger commands of the CLI, driven in-process: `triggers`, `poll` with its state file
//! (written only after the events are printed, atomically, mode 0600; untouched on errors),
//! `listen` end to end with notifications the fake delivers, and `debugRequest` in `--input`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use crate::support::cli_async;

fn connection_env(fake: &fake_zoho::FakeZoho) -> Vec<(&'static str, String)> {
    vec![
        ("ZOHO_API_DOMAIN", fake.base_url()),
        ("ZOHO_ACCESS_TOKEN", fake.access_token()),
    ]
}

fn borrowed<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// A state file path no other test uses.
fn state_path(name: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("trigger-states");
    std::fs::create_dir_all(&dir).expect("state dir");
    let path = dir.join(format!(
        "{name}-{}-{}.state",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_file(&path);
    path
}

#[tokio::test]
async fn triggers_lists_every_trigger_with_its_kind_and_shows_one() {
    let run = cli_async(&["triggers"], &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    for key in [
        "crmNewRecords",
        "crmUpdatedRecords",
        "crmDeletedRecords",
        "booksNewRecords",
        "booksUpdatedRecords",
        "crmRecordNotifications",
    ] {
        assert!(run.stdout.contains(key), "{key} missing: {}", run.stdout);
    }
    assert!(run.stdout.contains("[instant]") && run.stdout.contains("[polling]"));
    let one = cli_async(&["triggers", "crmNewRecords"], &[]).await;
    assert_eq!(one.code, 0);
    assert!(
        one.stdout.contains("maxEvents") && one.stdout.contains("backfill"),
        "{}",
        one.stdout
    );
    let manifest = cli_async(&["triggers", "--json"], &[]).await.json();
    assert_eq!(manifest.as_array().map(Vec::len), Some(6));
    assert_eq!(manifest[5]["kind"], "instant");
    let unknown = cli_async(&["triggers", "crmNope"], &[]).await;
    assert_eq!(unknown.code, 2);
}

#[tokio::test]
async fn poll_keeps_its_state_in_a_private_file_written_after_the_events() {
    let fake = zoho_contract_check::Checked::start();
    let env = connection_env(&fake);
    let state = state_path("poll");
    let state_arg = state.display().to_string();
    let input = json!({"recordType": "Leads", "fields": ["Last_Name"]}).to_string();
    let args = [
        "poll",
        "crmNewRecords",
        "--input",
        input.as_str(),
        "--state",
        state_arg.as_str(),
    ];

    let first = cli_async(&args, &borrowed(&env)).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(first.json(), json!({"events": [], "more": false}));
    let saved = std::fs::read_to_string(&state).expect("state written");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&state).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    fake.advance_clock(1);
    let id = fake.create_record("Leads", &json!({"Last_Name": "Polled"}));
    fake.advance_clock(5);
    let second = cli_async(&args, &borrowed(&env)).await;
    assert_eq!(second.code, 0, "{}", second.stderr);
    let output = second.json();
    assert_eq!(output["events"][0]["id"], id);
    assert_eq!(output["events"][0]["record"]["Last_Name"], "Polled");
    assert_eq!(output["more"], false);
    let advanced = std::fs::read_to_string(&state).expect("state");
    assert_ne!(advanced, saved);

    // A failed poll exits 1 with the error document and leaves the state file as it was.
    fake.inject(
        "/crm/v8/coql",
        fake_zoho::Fault::Status {
            status: 500,
            retry_after: None,
        },
        10,
    );
    let failed = cli_async(
        &[
            "poll",
            "crmNewRecords",
            "--input",
            &json!({"recordType": "Leads", "maxRetries": 0}).to_string(),
            "--state",
            &state_arg,
        ],
        &borrowed(&env),
    )
    .await;
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert!(failed.json()["error"]["kind"].is_string());
    assert_eq!(std::fs::read_to_string(&state).expect("state"), advanced);

    std::fs::write(&state, "not a state").expect("damage");
    let damaged = cli_async(&args, &borrowed(&env)).await;
    assert_eq!(damaged.code, 1);
    assert_eq!(damaged.json()["error"]["input"], "state");
    assert_eq!(std::fs::read_to_string(&state).expect("state"), "not a state");
}

#[tokio::test]
async fn poll_against_the_sandbox_backfills_its_sample_records() {
    let state = state_path("sandbox");
    let run = cli_async(
        &[
            "poll",
            "crmNewRecords",
            "--sandbox",
            "--input",
            r#"{"recordType":"Leads","fields":"Last_Name,Email","backfill":3}"#,
            "--state",
            &state.display().to_string(),
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let events = run.json()["events"].as_array().cloned().expect("events");
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(
        events
            .iter()
            .all(|e| e["event"] == "created" && e["record"]["Last_Name"].is_string())
    );
    assert!(state.exists());
}

#[tokio::test]
async fn debug_request_in_the_input_prints_the_exchange_like_debug_does() {
    let fake = zoho_contract_check::Checked::start();
    let env = connection_env(&fake);
    let quiet = cli_async(&["invoke", "crmListModules", "--input", "{}"], &borrowed(&env)).await;
    assert!(!quiet.stderr.contains("http.request"), "{}", quiet.stderr);
    let asked = cli_async(
        &["invoke", "crmListModules", "--input", r#"{"debugRequest": true}"#],
        &borrowed(&env),
    )
    .await;
    let flagged = cli_async(&["invoke", "crmListModules", "--debug"], &borrowed(&env)).await;
    for run in [&asked, &flagged] {
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stderr.contains("[debug http.request]"), "{}", run.stderr);
        assert!(run.stderr.contains("GET "), "{}", run.stderr);
    }
}

#[tokio::test]
async fn listen_prints_each_notification_as_a_json_line_and_disables_its_channel() {
    let fake = Arc::new(zoho_contract_check::Checked::start());
    let env = connection_env(&fake);
    let listening = tokio::spawn({
        let env = env.clone();
        async move {
            cli_async(
                &[
                    "listen",
                    "--input",
                    r#"{"events":["Leads.create"]}"#,
                    "--max-notifications",
                    "1",
                ],
                &borrowed(&env),
            )
            .await
        }
    });
    let mut channel = None;
    // Up to a minute: a first run compiles the component in the CLI process before it starts.
    for _ in 0..3000 {
        if let Some(found) = fake.channels().into_iter().next() {
            channel = Some(found);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (_, events, token, _) = channel.expect("listen enabled a channel");
    assert_eq!(events, ["Leads.create"]);
    let token = token.expect("a generated token");
    let id = fake.create_record("Leads", &json!({"Last_Name": "Heard", "Email": "heard@zylker.com"}));
    let run = tokio::time::timeout(std::time::Duration::from_secs(60), listening)
        .await
        .expect("listen stops after one notification")
        .expect("joined");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    let events: Value = serde_json::from_str(lines[0]).expect("one JSON line");
    assert_eq!(events[0]["event"], "created");
    assert_eq!(events[0]["id"], id);
    assert_eq!(events[0]["record"]["Email"], "heard@zylker.com");
    assert!(run.stderr.contains("Listening on http://127.0.0.1:"), "{}", run.stderr);
    assert!(
        !run.stdout.contains(&token) && !run.stderr.contains(&token),
        "the channel token was printed"
    );
    assert!(fake.channels().is_empty(), "the channel was disabled on the way out");
    assert_eq!(fake.deliveries()[0].outcome, Some(Ok(200)));
}
