//! The real `zoho-harness` binary as a script would run it: exit codes and streams.

use std::process::Command;

fn harness() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zoho-harness"));
    command
        .env(
            "ZOHO_HARNESS_CACHE_DIR",
            std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("zoho-harness-cache"),
        )
        .env_remove("ZOHO_API_DOMAIN")
        .env_remove("ZOHO_ACCESS_TOKEN");
    command
}

#[test]
fn sandbox_action_prints_json_and_exits_0() {
    let output = harness()
        .args([
            "sandbox",
            "crmGetRecords",
            "--input",
            r#"{"recordType":"Deals","fields":"Deal_Name,Amount"}"#,
        ])
        .output()
        .expect("runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(result["info"]["count"], 2);
}

#[test]
fn an_action_error_exits_1_with_json_on_stdout() {
    let output = harness()
        .args([
            "sandbox",
            "crmGetRecord",
            "--input",
            r#"{"recordType":"Leads","recordId":"x"}"#,
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(result["error"]["kind"], "invalid-input");
}

#[test]
fn an_unusable_flag_exits_2_with_a_message_on_stderr() {
    let output = harness()
        .args(["invoke", "crmGetRecords", "--bogus"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(!output.stderr.is_empty());
}

#[test]
fn the_served_sandbox_keeps_state_across_invocations() {
    use std::io::{BufRead, BufReader};
    let mut server = harness()
        .args(["sandbox", "--port", "0"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    // Keep reading stderr open for the server's whole life, as a careful parent would.
    let mut lines = BufReader::new(server.stderr.take().expect("stderr")).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            line.split_whitespace()
                .find(|w| w.starts_with("http://127.0.0.1:"))
                .map(|w| w.trim_end_matches([',', '.']).to_owned())
        })
        .expect("the sandbox prints its URL");
    let invoke = |key: &str, input: &str| {
        harness()
            .env("ZOHO_API_DOMAIN", &url)
            .env("ZOHO_ACCESS_TOKEN", "sandbox")
            .args(["invoke", key, "--input", input])
            .output()
            .expect("runs")
    };
    let created = invoke(
        "crmCreateRecord",
        r#"{"recordType":"Leads","values":{"Last_Name":"Persisted"}}"#,
    );
    let listed = invoke(
        "crmGetRecords",
        r#"{"recordType":"Leads","fields":"Last_Name","perPage":200}"#,
    );
    let _ = server.kill();
    let _ = server.wait();
    drop(lines);
    assert_eq!(
        created.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&created.stdout)
    );
    let result: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    let names: Vec<&str> = result["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|r| r["Last_Name"].as_str())
        .collect();
    assert!(names.contains(&"Persisted") && names.contains(&"Marrier"), "{names:?}");
}

#[test]
fn the_sandbox_keeps_serving_when_nobody_reads_its_stderr() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut server = harness()
        .args(["sandbox", "--port", &port.to_string()])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    // Close the read end at once: the banner write fails, and the server must not care.
    drop(server.stderr.take());
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let listening = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::net::TcpStream::connect(address).is_ok()
    });
    std::thread::sleep(std::time::Duration::from_millis(200));
    let listed = harness()
        .env("ZOHO_API_DOMAIN", format!("http://127.0.0.1:{port}"))
        .env("ZOHO_ACCESS_TOKEN", "sandbox")
        .args([
            "invoke",
            "crmGetRecords",
            "--input",
            r#"{"recordType":"Deals","fields":"Deal_Name"}"#,
        ])
        .output()
        .expect("runs");
    let still_running = server.try_wait().expect("status").is_none();
    let _ = server.kill();
    let _ = server.wait();
    assert!(listening && still_running, "the sandbox stopped when its stderr closed");
    assert_eq!(
        listed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&listed.stdout)
    );
}
