//! The CLI contract, driven in-process: result JSON on stdout with exit 0, an error document
//! with exit 1, a harness failure on stderr with exit 2; connection from the environment.

use serde_json::json;

use crate::support::cli_async;

fn connection_env(fake: &fake_zoho::FakeZoho) -> [(&'static str, String); 2] {
    [
        ("ZOHO_API_DOMAIN", fake.base_url()),
        ("ZOHO_ACCESS_TOKEN", fake.access_token()),
    ]
}

fn borrowed<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

const LIST_LEADS: &str = r#"{"recordType":"Leads","fields":"Last_Name"}"#;

#[tokio::test]
async fn invoke_prints_the_result_and_exits_0() {
    let fake = zoho_contract_check::Checked::start();
    fake.seed("Leads", &[json!({"Last_Name": "Boyle"})]);
    let input = json!({"recordType": "Leads", "fields": ["Last_Name"]}).to_string();
    let run = cli_async(
        &["invoke", "crmGetRecords", "--input", &input],
        &borrowed(&connection_env(&fake)),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["data"][0]["Last_Name"], "Boyle");
    assert_eq!(fake.requests()[0].path, "/crm/v8/Leads");
}

#[tokio::test]
async fn input_can_come_from_a_file() {
    let fake = zoho_contract_check::Checked::start();
    let path =
        std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("create-{}.json", std::process::id()));
    std::fs::write(
        &path,
        json!({"recordType": "Leads", "values": {"Last_Name": "FromFile"}}).to_string(),
    )
    .expect("write");
    let run = cli_async(
        &[
            "invoke",
            "crmCreateRecord",
            "--input",
            format!("@{}", path.display()).as_str(),
        ],
        &borrowed(&connection_env(&fake)),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(fake.records("Leads")[0]["Last_Name"], "FromFile");
}

#[tokio::test]
async fn an_action_error_is_a_json_document_and_exit_1() {
    let fake = zoho_contract_check::Checked::start();
    let input = json!({"recordType": "Leads", "recordId": "4876876000009999999"}).to_string();
    let run = cli_async(
        &["invoke", "crmGetRecord", "--input", &input],
        &borrowed(&connection_env(&fake)),
    )
    .await;
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["error"]["kind"], "not-found");

    let run = cli_async(
        &["invoke", "crmGetRecord", "--input", "{not json"],
        &borrowed(&connection_env(&fake)),
    )
    .await;
    assert_eq!(
        (run.code, run.json()["error"]["kind"].as_str()),
        (1, Some("invalid-input"))
    );
}

#[tokio::test]
async fn missing_credentials_are_an_action_error_naming_the_variables() {
    let run = cli_async(&["invoke", "crmGetRecords", "--input", LIST_LEADS], &[]).await;
    assert_eq!(run.code, 1);
    let document = run.json();
    assert_eq!(document["error"]["kind"], "credential");
    assert!(
        document["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("ZOHO_ACCESS_TOKEN")
    );
}

#[tokio::test]
async fn a_rejected_token_is_exit_1_and_never_printed() {
    let fake = zoho_contract_check::Checked::start();
    let domain = fake.base_url();
    let env = [
        ("ZOHO_API_DOMAIN", domain.as_str()),
        ("ZOHO_ACCESS_TOKEN", "1000.leaked.secret"),
    ];
    let run = cli_async(&["invoke", "crmGetRecords", "--debug", "--input", LIST_LEADS], &env).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("[REDACTED]"),
        "debug output expected: {}",
        run.stderr
    );
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains("1000.leaked.secret"), "{text}");
    }
}

#[tokio::test]
async fn a_foreign_api_domain_is_denied_by_the_host() {
    // Plain http to a non-loopback host is never allowed; nothing is sent anywhere.
    let env = [
        ("ZOHO_API_DOMAIN", "http://zoho.invalid"),
        ("ZOHO_ACCESS_TOKEN", "1000.x"),
    ];
    let run = cli_async(&["invoke", "crmGetRecords", "--input", LIST_LEADS], &env).await;
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["error"]["transport"], "denied");
}

#[tokio::test]
async fn harness_failures_exit_2_with_a_message_on_stderr() {
    let run = cli_async(
        &["--component", "/nonexistent/component.wasm", "invoke", "crmGetRecords"],
        &[],
    )
    .await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--component"), "{}", run.stderr);
    assert!(run.stdout.is_empty());

    let run = cli_async(&["invoke", "crmGetRecords", "--no-such-flag"], &[]).await;
    assert_eq!(run.code, 2);

    let run = cli_async(&["invoke", "crmGetRecords", "--input", "@/nonexistent/input.json"], &[]).await;
    assert_eq!(run.code, 2);
}

#[tokio::test]
async fn the_sandbox_runs_any_action_offline_with_sample_data() {
    let run = cli_async(
        &[
            "sandbox",
            "crmGetRecords",
            "--input",
            r#"{"recordType":"Contacts","fields":"Last_Name,Email"}"#,
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let names: Vec<String> = run.json()["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|r| r["Last_Name"].as_str().map(str::to_owned))
        .collect();
    assert!(names.contains(&"Boyle".to_owned()), "{names:?}");

    let run = cli_async(
        &[
            "invoke",
            "--sandbox",
            "crmCreateRecord",
            "--input",
            r#"{"recordType":"Leads","values":{"Last_Name":"Offline"}}"#,
        ],
        &[],
    )
    .await;
    assert_eq!(
        (run.code, run.json()["data"][0]["status"].as_str()),
        (0, Some("success"))
    );
}

#[tokio::test]
async fn actions_lists_the_manifest() {
    let run = cli_async(&["actions", "--json"], &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let keys: Vec<String> = run
        .json()
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|a| a["key"].as_str().map(str::to_owned))
        .collect();
    for key in [
        "crmCreateRecord",
        "crmGetRecord",
        "crmGetRecords",
        "crmUpdateRecord",
        "crmRemoveRecord",
    ] {
        assert!(keys.contains(&key.to_owned()), "{key} missing from {keys:?}");
    }
    let run = cli_async(&["actions", "crmGetRecords"], &[]).await;
    assert!(
        run.stdout.contains("perPage") && run.stdout.contains("(default 200)"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn every_crm_capability_works_through_the_cli() {
    let fake = zoho_contract_check::Checked::start();
    let lead = fake
        .seed("Leads", &[json!({"Last_Name": "Boyle", "Email": "p@zylker.example"})])
        .remove(0);
    let doomed = fake.seed("Leads", &[json!({"Last_Name": "Doomed"})]).remove(0);
    let attachment = fake.seed_attachment("Leads", &lead, "a.txt", "text/plain", b"hello");
    let env = connection_env(&fake);
    let cases = [
        (
            "crmGetRecords",
            json!({"recordType": "Leads", "fields": "Last_Name", "fetchAll": true, "maxRecords": 10, "ifModifiedSince": "2001-01-01T00:00:00+00:00"}),
        ),
        (
            "crmUpdateRecord",
            json!({"recordType": "Leads", "values": [{"id": lead, "Company": "Zylker"}]}),
        ),
        (
            "crmRemoveRecords",
            json!({"recordType": "Leads", "recordIds": [doomed]}),
        ),
        (
            "crmUpsertRecords",
            json!({"recordType": "Leads", "records": [{"Last_Name": "Boyle", "Email": "p@zylker.example", "Phone": "1"}]}),
        ),
        (
            "crmRunQuery",
            json!({"query": "select Last_Name from Leads where Company = 'Zylker'", "fetchAll": true}),
        ),
        (
            "crmSearchRecords",
            json!({"recordType": "Leads", "conditions": [{"field": "Company", "operator": "equals", "value": "Zylker"}]}),
        ),
        (
            "crmAddAttachment",
            json!({"recordType": "Leads", "recordId": lead, "fileName": "b.txt", "file": "more"}),
        ),
        ("crmListAttachments", json!({"recordType": "Leads", "recordId": lead})),
        (
            "crmDownloadAttachment",
            json!({"recordType": "Leads", "recordId": lead, "attachmentId": attachment}),
        ),
        ("crmListModules", json!({})),
        ("crmListFields", json!({"recordType": "Leads"})),
    ];
    for (key, input) in cases {
        let input = input.to_string();
        let run = cli_async(&["invoke", key, "--input", &input], &borrowed(&env)).await;
        assert_eq!(run.code, 0, "{key}: {}{}", run.stdout, run.stderr);
        assert!(run.json().get("data").is_some(), "{key}: {}", run.stdout);
    }
    assert!(fake.records("Leads").iter().all(|r| r["Last_Name"] != "Doomed"));
    assert_eq!(fake.attachments("Leads", &lead).len(), 2);
}
