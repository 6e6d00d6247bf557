//! Stored OAuth connections through the real binary: connect, survive a restart, one refresh
//! for 8 processes started together, disconnect (revoke), OAuth errors, and no secret printed.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

use fake_zoho::FakeZoho;
use serde_json::{Value, json};

const CLIENT_ID: &str = "1000.CLIENTID42";
const CLIENT_SECRET: &str = "client-secret-9f8e7d";

struct Home(PathBuf);

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn home(tag: &str) -> Home {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("home-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("home");
    Home(dir)
}

fn harness(home: &Home) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zoho-harness"));
    command
        .env(
            "ZOHO_HARNESS_CACHE_DIR",
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("zoho-harness-cache"),
        )
        .env("ZOHO_HARNESS_HOME", &home.0)
        .env("ZOHO_CLIENT_SECRET", CLIENT_SECRET)
        .env_remove("ZOHO_API_DOMAIN")
        .env_remove("ZOHO_ACCESS_TOKEN")
        .env_remove("ZOHO_REFRESH_TOKEN")
        .env_remove("ZOHO_CLIENT_ID");
    command
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

/// Every secret the fake and the store know, to check no output shows one.
fn secrets(fake: &FakeZoho, home: &Home) -> Vec<String> {
    let mut secrets = vec![CLIENT_SECRET.to_owned()];
    if let Ok(text) = std::fs::read_to_string(home.0.join("connections.json")) {
        let store: Value = serde_json::from_str(&text).expect("store json");
        for connection in store["connections"].as_object().into_iter().flat_map(|c| c.values()) {
            for key in ["refresh_token", "access_token", "client_secret"] {
                secrets.extend(connection[key].as_str().map(str::to_owned));
            }
        }
    }
    secrets.extend(fake.requests().iter().filter_map(|r| {
        r.header("authorization")
            .and_then(|h| h.strip_prefix("Zoho-oauthtoken "))
            .map(str::to_owned)
    }));
    secrets
}

fn assert_no_secret(outputs: &[&Output], secrets: &[String]) {
    for output in outputs {
        for stream in [&output.stdout, &output.stderr] {
            let text = String::from_utf8_lossy(stream);
            for secret in secrets {
                assert!(!text.contains(secret.as_str()), "a secret was printed: {text}");
            }
        }
    }
}

fn connect(fake: &FakeZoho, home: &Home, name: &str) -> Output {
    let code = fake.issue_grant_code(CLIENT_ID);
    harness(home)
        .args([
            "connect",
            name,
            "--accounts-url",
            &fake.base_url(),
            "--client-id",
            CLIENT_ID,
            "--grant-code",
            &code,
        ])
        .output()
        .expect("runs")
}

#[test]
fn a_stored_connection_survives_a_restart_and_nothing_secret_is_printed() {
    let fake = zoho_contract_check::Checked::start();
    fake.register_client(CLIENT_ID, CLIENT_SECRET);
    fake.seed("Leads", &[json!({"Last_Name": "Boyle"})]);
    let home = home("restart");
    let connected = connect(&fake, &home, "acme");
    assert_eq!(
        connected.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&connected.stderr)
    );
    assert_eq!(json_of(&connected)["apiDomain"], json!(fake.base_url()));

    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(home.0.join("connections.json"))
        .expect("store")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);

    // A new process: the token cached by `connect` is reused, no refresh needed.
    let invoked = harness(&home)
        .args([
            "invoke",
            "crmGetRecords",
            "--connection",
            "acme",
            "--debug",
            "--input",
            r#"{"recordType":"Leads","fields":"Last_Name"}"#,
        ])
        .output()
        .expect("runs");
    assert_eq!(
        invoked.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&invoked.stdout)
    );
    assert_eq!(json_of(&invoked)["data"][0]["Last_Name"], "Boyle");
    assert_eq!(fake.token_requests().len(), 1, "only the grant-code exchange");

    let listed = harness(&home).args(["connections", "--json"]).output().expect("runs");
    assert_eq!(json_of(&listed)[0]["connection"], "acme");
    let table = harness(&home).args(["connections"]).output().expect("runs");
    assert!(String::from_utf8_lossy(&table.stdout).contains("acme"));
    assert_no_secret(&[&connected, &invoked, &listed, &table], &secrets(&fake, &home));
}

#[test]
fn eight_processes_started_together_on_an_expired_token_cause_one_refresh() {
    let fake = zoho_contract_check::Checked::start();
    fake.register_client(CLIENT_ID, CLIENT_SECRET);
    let home = home("eight");
    assert_eq!(connect(&fake, &home, "shared").status.code(), Some(0));
    // Make the stored token look expired to every process.
    let path = home.0.join("connections.json");
    let mut store: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("store")).expect("json");
    store["connections"]["shared"]["expires_at"] = json!(0);
    std::fs::write(&path, serde_json::to_vec(&store).expect("json")).expect("write");
    let before = fake.token_requests().len();
    let children: Vec<_> = (0..8)
        .map(|_| {
            harness(&home)
                .args([
                    "invoke",
                    "crmGetRecords",
                    "--connection",
                    "shared",
                    "--input",
                    r#"{"recordType":"Leads","fields":"Last_Name"}"#,
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait"))
        .collect();
    for output in &outputs {
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(
        fake.token_requests().len() - before,
        1,
        "one refresh for all 8 processes"
    );
    let refs: Vec<&Output> = outputs.iter().collect();
    assert_no_secret(&refs, &secrets(&fake, &home));
}

#[test]
fn disconnect_revokes_the_refresh_token_and_removes_the_connection() {
    let fake = zoho_contract_check::Checked::start();
    fake.register_client(CLIENT_ID, CLIENT_SECRET);
    let home = home("disconnect");
    assert_eq!(connect(&fake, &home, "gone").status.code(), Some(0));
    let store: Value =
        serde_json::from_str(&std::fs::read_to_string(home.0.join("connections.json")).expect("store")).expect("json");
    let refresh = store["connections"]["gone"]["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_owned();
    assert!(fake.refresh_token_valid(&refresh));
    let out = harness(&home).args(["disconnect", "gone"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(!fake.refresh_token_valid(&refresh), "revoked at Zoho");
    let listed = harness(&home).args(["connections", "--json"]).output().expect("runs");
    assert_eq!(json_of(&listed), json!([]));
}

#[test]
fn an_invalid_grant_code_reported_with_http_200_is_a_clear_error() {
    let fake = zoho_contract_check::Checked::start();
    fake.register_client(CLIENT_ID, CLIENT_SECRET);
    let home = home("badcode");
    let out = harness(&home)
        .args([
            "connect",
            "x",
            "--accounts-url",
            &fake.base_url(),
            "--client-id",
            CLIENT_ID,
            "--grant-code",
            "1000.not-a-code",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let error = json_of(&out);
    assert_eq!(error["error"]["problem"], "reauthorization-required");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("invalid_code")
    );
    assert_no_secret(&[&out], &[CLIENT_SECRET.to_owned()]);

    let out = harness(&home)
        .env_remove("ZOHO_CLIENT_SECRET")
        .args([
            "connect",
            "x",
            "--region",
            "eu",
            "--client-id",
            CLIENT_ID,
            "--grant-code",
            "c",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "no secret and no stdin: a usage failure");
}

#[test]
fn the_consent_url_for_canada_uses_zohocloud() {
    let home = home("url");
    let out = harness(&home)
        .args([
            "authorize-url",
            "--region",
            "ca",
            "--client-id",
            CLIENT_ID,
            "--scopes",
            "ZohoCRM.modules.ALL,ZohoCRM.coql.READ",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let url = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(url.starts_with("https://accounts.zohocloud.ca/oauth/v2/auth?"), "{url}");
    assert!(
        url.contains("access_type=offline")
            && url.contains("prompt=consent")
            && url.contains("scope=ZohoCRM.modules.ALL%2CZohoCRM.coql.READ"),
        "{url}"
    );
    let out = harness(&home)
        .args([
            "authorize-url",
            "--region",
            "mars",
            "--client-id",
            CLIENT_ID,
            "--scopes",
            "x",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn an_oauth_connection_from_the_environment_caches_its_token_across_runs() {
    let fake = zoho_contract_check::Checked::start();
    fake.register_client(CLIENT_ID, CLIENT_SECRET);
    let refresh = fake.issue_refresh_token(CLIENT_ID);
    let home = home("envoauth");
    let run = || {
        harness(&home)
            .env("ZOHO_CLIENT_ID", CLIENT_ID)
            .env("ZOHO_REFRESH_TOKEN", &refresh)
            .env("ZOHO_ACCOUNTS_URL", fake.base_url())
            .args([
                "invoke",
                "crmGetRecords",
                "--input",
                r#"{"recordType":"Leads","fields":"Last_Name"}"#,
            ])
            .output()
            .expect("runs")
    };
    let first = run();
    let second = run();
    assert_eq!(
        (first.status.code(), second.status.code()),
        (Some(0), Some(0)),
        "{}",
        String::from_utf8_lossy(&first.stdout)
    );
    assert_eq!(
        fake.token_requests().len(),
        1,
        "the second run reused the cached access token"
    );
    let mut known = secrets(&fake, &home);
    known.push(refresh);
    assert_no_secret(&[&first, &second], &known);
}

#[test]
fn a_self_client_connects_with_client_credentials_and_soid() {
    let fake = zoho_contract_check::Checked::start();
    fake.register_client(CLIENT_ID, CLIENT_SECRET);
    let home = home("clientcreds");
    let base = fake.base_url();
    let connect = |soid: Option<&str>| {
        let mut args = vec![
            "connect",
            "selfclient",
            "--accounts-url",
            base.as_str(),
            "--client-id",
            CLIENT_ID,
            "--client-credentials",
            "--scopes",
            "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL",
        ];
        if let Some(soid) = soid {
            args.extend(["--soid", soid]);
        }
        harness(&home).args(args).output().expect("runs")
    };
    assert_eq!(connect(None).status.code(), Some(2), "--soid is required");
    let out = connect(Some("ZohoCRM.600012345"));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(json_of(&out)["grant"], "client_credentials");
    let token_request = fake.token_requests().pop().expect("sent");
    let form = String::from_utf8_lossy(&token_request.body).into_owned();
    assert!(
        form.contains("grant_type=client_credentials")
            && form.contains("soid=ZohoCRM.600012345")
            && form.contains("scope=ZohoCRM.modules.ALL%20ZohoCRM.settings.ALL"),
        "{form}"
    );
    let invoked = harness(&home)
        .args(["invoke", "crmListModules", "--connection", "selfclient"])
        .output()
        .expect("runs");
    assert_eq!(invoked.status.code(), Some(0));
    assert_no_secret(&[&out, &invoked], &secrets(&fake, &home));
}
