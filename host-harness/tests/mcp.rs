//! `zoho-harness mcp` driven from outside by rmcp's own client, as an agent runtime drives it:
//! the real binary spawned over stdio or serving Streamable HTTP, against a contract-checked
//! fake-zoho on 127.0.0.1, in both protocol eras (the initialize handshake of 2025-06-18 and
//! 2025-11-25, and 2026-07-28's `server/discover` with per-request metadata).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation, ProtocolVersion,
};
use rmcp::service::RunningService;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{ConfigureCommandExt, StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{ClientLifecycleMode, ClientServiceExt, RoleClient, ServiceExt};
use serde_json::{Map, Value, json};
use zoho_contract_check::Checked;

const MCP_TOKEN: &str = "mcp-bearer-token-for-tests-7f6e5d";

type Client = RunningService<RoleClient, ClientConfig>;

fn command(fake: &Checked, args: &[&str]) -> tokio::process::Command {
    let home = std::env::temp_dir().join(format!("zoho-mcp-home-{}", std::process::id()));
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_zoho-harness"));
    command
        .arg("mcp")
        .args(args)
        .env(
            "ZOHO_HARNESS_CACHE_DIR",
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("zoho-harness-cache"),
        )
        .env("ZOHO_HARNESS_HOME", home)
        .env("ZOHO_API_DOMAIN", fake.base_url())
        .env("ZOHO_ACCESS_TOKEN", fake.access_token())
        .env("ZOHO_BOOKS_ORGANIZATION_ID", fake.books_organization_id())
        .env_remove("ZOHO_MCP_TOKEN")
        .env_remove("ZOHO_HARNESS_KEY")
        .env_remove("ZOHO_HARNESS_STORE");
    command
}

fn client_info(version: ProtocolVersion) -> ClientConfig {
    ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new("zoho-mcp-test", "1.0"),
    )
    .with_protocol_version(version)
}

/// The server over stdio, with the initialize handshake at `version`.
async fn over_stdio(fake: &Checked, args: &[&str], version: ProtocolVersion) -> Client {
    let transport = TokioChildProcess::builder(command(fake, args).configure(|_| {}))
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server starts")
        .0;
    client_info(version).serve(transport).await.expect("initialized")
}

/// The server over stdio, in 2026-07-28's era: `server/discover`, then per-request metadata.
async fn over_stdio_discovered(fake: &Checked, args: &[&str]) -> Client {
    let transport = TokioChildProcess::new(command(fake, args)).expect("the server starts");
    client_info(ProtocolVersion::V_2026_07_28)
        .serve_with_lifecycle(
            transport,
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .expect("discovered")
}

/// A running `mcp --http` server and the URL it printed.
struct HttpServer {
    child: tokio::process::Child,
    url: String,
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

async fn http_server(fake: &Checked, args: &[&str], token: Option<&str>) -> HttpServer {
    use tokio::io::AsyncBufReadExt;
    let mut command = command(fake, &[&["--http", "127.0.0.1:0"], args].concat());
    if let Some(token) = token {
        command.env("ZOHO_MCP_TOKEN", token);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let url = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await.expect("reads") {
            if let Some(url) = line.strip_prefix("ZOHO_MCP_URL=") {
                return url.to_owned();
            }
        }
        panic!("the server ended without printing its URL");
    })
    .await
    .expect("the server prints its URL");
    HttpServer { child, url }
}

async fn over_http(server: &HttpServer, token: &str, version: ProtocolVersion) -> Client {
    let config = StreamableHttpClientTransportConfig::with_uri(server.url.clone()).auth_header(token);
    let transport = StreamableHttpClientTransport::from_config(config);
    if version == ProtocolVersion::V_2026_07_28 {
        client_info(version.clone())
            .serve_with_lifecycle(
                transport,
                ClientLifecycleMode::Discover {
                    preferred_versions: vec![version],
                },
            )
            .await
            .expect("discovered")
    } else {
        client_info(version).serve(transport).await.expect("initialized")
    }
}

async fn call(client: &Client, name: &str, arguments: Value) -> CallToolResult {
    let Value::Object(arguments) = arguments else {
        panic!("arguments are an object");
    };
    client
        .call_tool(CallToolRequestParams::new(name.to_owned()).with_arguments(arguments))
        .await
        .unwrap_or_else(|e| panic!("{name}: a result, not a protocol error: {e}"))
}

fn structured(result: &CallToolResult) -> &Value {
    result.structured_content.as_ref().expect("structured content")
}

async fn names(client: &Client) -> BTreeSet<String> {
    client
        .list_all_tools()
        .await
        .expect("listed")
        .into_iter()
        .map(|tool| tool.name.to_string())
        .collect()
}

/// The session an agent has: list, read, write, a bad input, the meta tools, a trigger
/// followed by its cursor. Every protocol era and transport goes through it.
async fn an_agent_session(client: &Client, fake: &Checked) {
    let tools = client.list_all_tools().await.expect("listed");
    assert!(tools.len() <= 40, "{} tools listed by default", tools.len());
    let listed: BTreeSet<String> = tools.iter().map(|t| t.name.to_string()).collect();
    for key in [
        "crmGetRecords",
        "crmCreateRecord",
        "booksGetRecords",
        "crmNewRecords",
        "findActions",
        "describeAction",
        "runAction",
    ] {
        assert!(listed.contains(key), "{key} is listed: {listed:?}");
    }
    for tool in &tools {
        let annotations = tool.annotations.as_ref().expect("annotations");
        // runAction may run anything allowed, destructive actions included, and says so.
        let expected = tool.name == "runAction";
        assert_eq!(annotations.destructive_hint, Some(expected), "{}", tool.name);
        if tool.name == "crmGetRecords" {
            assert_eq!(annotations.read_only_hint, Some(true));
            assert!(tool.description.as_deref().unwrap_or_default().contains("Zoho credits"));
            assert!(
                tool.input_schema
                    .get("properties")
                    .is_some_and(|p| p.get("recordType").is_some())
            );
        }
    }

    // A write, then a read of it.
    let created = call(
        client,
        "crmCreateRecord",
        json!({"recordType": "Leads", "values": {"Last_Name": "Agent", "Company": "Zylker"}}),
    )
    .await;
    assert_ne!(created.is_error, Some(true), "{created:?}");
    let id = structured(&created)["data"][0]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let read = call(
        client,
        "crmGetRecord",
        json!({"recordType": "Leads", "recordId": id, "fields": "Last_Name"}),
    )
    .await;
    assert_eq!(structured(&read)["data"]["Last_Name"], "Agent", "{read:?}");
    let text = read.content[0].as_text().expect("text content").text.clone();
    let as_text: Value = serde_json::from_str(&text).expect("the same JSON as text");
    assert_eq!(&as_text, structured(&read));
    let books = call(client, "booksGetRecords", json!({"recordType": "contacts"})).await;
    assert_ne!(books.is_error, Some(true), "{books:?}");

    // A bad input is a result naming the input, and the session goes on.
    let bad = call(client, "crmGetRecord", json!({"recordType": "Leads"})).await;
    assert_eq!(bad.is_error, Some(true));
    assert_eq!(structured(&bad)["error"]["kind"], "invalid-input");
    assert_eq!(structured(&bad)["error"]["input"], "recordId");

    // The meta tools reach an action that is not listed.
    let found = call(client, "findActions", json!({"query": "delete note"})).await;
    let keys: Vec<&str> = structured(&found)["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(|a| a["key"].as_str())
        .collect();
    assert_eq!(keys.first(), Some(&"crmDeleteNote"), "best first: {keys:?}");
    let described = call(client, "describeAction", json!({"key": "crmListTags"})).await;
    assert_eq!(structured(&described)["hints"]["readOnly"], true);
    assert!(
        structured(&described)["credits"]
            .as_str()
            .is_some_and(|c| c.starts_with("Zoho credits"))
    );
    assert!(
        structured(&described)["inputSchema"]["properties"]
            .get("recordType")
            .is_some()
    );
    let tags = call(
        client,
        "runAction",
        json!({"key": "crmListTags", "input": {"recordType": "Leads"}}),
    )
    .await;
    assert_ne!(tags.is_error, Some(true), "{tags:?}");
    let unknown = call(client, "runAction", json!({"key": "crmNoSuchThing"})).await;
    assert_eq!(structured(&unknown)["error"]["input"], "key");

    // A trigger: anchored without a cursor, then each new record once through the cursor.
    let input = json!({"recordType": "Contacts", "fields": ["Last_Name"]});
    let first = call(client, "crmNewRecords", input.clone()).await;
    assert_eq!(structured(&first)["events"], json!([]), "{first:?}");
    let cursor = structured(&first)["cursor"].as_str().expect("a cursor").to_owned();
    fake.advance_clock(1);
    let contact = fake.create_record("Contacts", &json!({"Last_Name": "Followed"}));
    fake.advance_clock(120);
    let mut next = input.clone();
    next["cursor"] = json!(cursor);
    let second = call(client, "crmNewRecords", next).await;
    let events = structured(&second)["events"].as_array().expect("events").clone();
    assert_eq!(
        events.iter().map(|e| e["id"].clone()).collect::<Vec<_>>(),
        [json!(contact)]
    );
    let mut again = input;
    again["cursor"] = structured(&second)["cursor"].clone();
    let third = call(client, "crmNewRecords", again).await;
    assert_eq!(structured(&third)["events"], json!([]), "each change once");

    // No secret anywhere an agent sees.
    let everything = format!("{tools:?}{created:?}{read:?}{bad:?}{found:?}{described:?}{second:?}");
    assert!(
        !everything.contains(&fake.access_token()),
        "the access token reached the agent"
    );
}

#[tokio::test]
async fn over_stdio_with_the_initialize_handshake_of_2025_06_18() {
    let fake = Checked::start();
    let client = over_stdio(&fake, &[], ProtocolVersion::V_2025_06_18).await;
    assert_eq!(
        client.peer_info().map(|info| info.protocol_version.clone()),
        Some(ProtocolVersion::V_2025_06_18)
    );
    an_agent_session(&client, &fake).await;
    client.cancel().await.expect("closed");
}

#[tokio::test]
async fn over_stdio_in_the_2026_07_28_era_with_server_discover() {
    let fake = Checked::start();
    let client = over_stdio_discovered(&fake, &[]).await;
    an_agent_session(&client, &fake).await;
    client.cancel().await.expect("closed");
}

#[tokio::test]
async fn over_streamable_http_with_the_bearer_token_in_both_eras() {
    let fake = Checked::start();
    let server = http_server(&fake, &[], Some(MCP_TOKEN)).await;
    for version in [ProtocolVersion::V_2025_11_25, ProtocolVersion::V_2026_07_28] {
        let client = over_http(&server, MCP_TOKEN, version).await;
        an_agent_session(&client, &fake).await;
        client.cancel().await.expect("closed");
    }
}

/// What a plain HTTP client gets: 401 without the token or with another one, 403 for a Host
/// or Origin a web page would send (DNS rebinding), and the server refuses to start on a
/// non-loopback address without a token.
#[tokio::test]
async fn http_requests_without_the_token_or_from_another_host_are_refused() {
    let fake = Checked::start();
    let server = http_server(&fake, &[], Some(MCP_TOKEN)).await;
    let port = server
        .url
        .split(':')
        .nth(2)
        .and_then(|p| p.split('/').next())
        .expect("a port")
        .to_owned();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}"#;
    let post = |headers: Vec<(&'static str, String)>| {
        let port = port.clone();
        async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port.parse::<u16>().expect("port")))
                .await
                .expect("connects");
            let mut request = format!(
                "POST /mcp HTTP/1.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                request.push_str(&format!("{name}: {value}\r\n"));
            }
            request.push_str("\r\n");
            request.push_str(body);
            stream.write_all(request.as_bytes()).await.expect("sent");
            let mut answer = String::new();
            stream.read_to_string(&mut answer).await.expect("answered");
            answer.split(' ').nth(1).unwrap_or_default().to_owned()
        }
    };
    let host = ("Host", format!("127.0.0.1:{port}"));
    assert_eq!(post(vec![host.clone()]).await, "401", "no token");
    assert_eq!(
        post(vec![host.clone(), ("Authorization", "Bearer wrong".into())]).await,
        "401",
        "another token"
    );
    let good = ("Authorization", format!("Bearer {MCP_TOKEN}"));
    assert_eq!(post(vec![host.clone(), good.clone()]).await, "200", "the token");
    assert_eq!(
        post(vec![("Host", format!("attacker.example:{port}")), good.clone()]).await,
        "403",
        "a rebinding Host"
    );
    assert_eq!(
        post(vec![host, good, ("Origin", "http://attacker.example".into())]).await,
        "403",
        "a foreign Origin"
    );

    let refused = command(&fake, &["--http", "0.0.0.0:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .await
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("ZOHO_MCP_TOKEN"));
}

/// `--allowed-hosts` admits a reverse proxy's name in Host and Origin, and nothing else.
#[tokio::test]
async fn allowed_hosts_admit_a_proxys_name() {
    let fake = Checked::start();
    let server = http_server(&fake, &["--allowed-hosts", "proxy.example"], Some(MCP_TOKEN)).await;
    let port: u16 = server
        .url
        .split(':')
        .nth(2)
        .and_then(|p| p.split('/').next())
        .and_then(|p| p.parse().ok())
        .expect("a port");
    let status = |host: &'static str, origin: Option<&'static str>| async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"proxy","version":"1"}}}"#;
        let origin = origin.map(|o| format!("Origin: {o}:{port}\r\n")).unwrap_or_default();
        let request = format!(
            "POST /mcp HTTP/1.1\r\nHost: {host}:{port}\r\n{origin}Authorization: Bearer {MCP_TOKEN}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connects");
        stream.write_all(request.as_bytes()).await.expect("sent");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.expect("answered");
        answer.split(' ').nth(1).unwrap_or_default().to_owned()
    };
    assert_eq!(status("proxy.example", None).await, "200");
    assert_eq!(status("proxy.example", Some("https://proxy.example")).await, "200");
    assert_eq!(status("other.example", None).await, "403");
    assert_eq!(status("127.0.0.1", Some("https://other.example")).await, "403");
}

/// `--debug` traces each exchange with Zoho on stderr, with the token redacted, and stdout
/// still carries the protocol alone (the session works).
#[tokio::test]
async fn debug_traces_exchanges_on_stderr_without_the_token() {
    use tokio::io::AsyncReadExt;
    let fake = Checked::start();
    let (transport, stderr) = TokioChildProcess::builder(command(&fake, &["--debug"]))
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let client = client_info(ProtocolVersion::V_2025_06_18)
        .serve(transport)
        .await
        .expect("initialized");
    let modules = call(&client, "crmListModules", json!({})).await;
    assert_ne!(modules.is_error, Some(true), "{modules:?}");
    client.cancel().await.expect("closed");
    let mut traces = String::new();
    stderr.expect("stderr").read_to_string(&mut traces).await.expect("read");
    assert!(
        traces.contains("/crm/v8/settings/modules"),
        "the exchange is traced: {traces}"
    );
    assert!(!traces.contains(&fake.access_token()), "the token is redacted");
}

#[tokio::test]
async fn read_only_lists_only_reads_and_runs_no_write() {
    let fake = Checked::start();
    let client = over_stdio(
        &fake,
        &["--read-only", "--toolsets", "all"],
        ProtocolVersion::V_2025_11_25,
    )
    .await;
    let tools = client.list_all_tools().await.expect("listed");
    for tool in &tools {
        assert_eq!(
            tool.annotations.as_ref().and_then(|a| a.read_only_hint),
            Some(true),
            "{} under --read-only",
            tool.name
        );
    }
    let listed: BTreeSet<String> = tools.iter().map(|t| t.name.to_string()).collect();
    assert!(!listed.contains("crmCreateRecord") && listed.contains("crmListTags"));
    let requests = fake.requests().len();
    let refused = call(
        &client,
        "runAction",
        json!({"key": "crmCreateRecord", "input": {"recordType": "Leads", "values": {"Last_Name": "No"}}}),
    )
    .await;
    assert_eq!(refused.is_error, Some(true));
    assert_eq!(structured(&refused)["error"]["kind"], "refused");
    let direct = call(
        &client,
        "crmCreateRecord",
        json!({"recordType": "Leads", "values": {"Last_Name": "No"}}),
    )
    .await;
    assert_eq!(direct.is_error, Some(true));
    assert_eq!(fake.requests().len(), requests, "nothing was sent");
    let found = call(&client, "findActions", json!({"query": "create record"})).await;
    assert!(
        structured(&found)["actions"]
            .as_array()
            .expect("actions")
            .iter()
            .all(|a| a["key"] != "crmCreateRecord"),
        "only what may run is found"
    );
    client.cancel().await.expect("closed");
}

#[tokio::test]
async fn toolsets_and_tools_choose_what_is_listed() {
    let fake = Checked::start();
    let client = over_stdio(
        &fake,
        &["--toolsets", "bulk", "--tools", "crmDeleteNote"],
        ProtocolVersion::V_2025_06_18,
    )
    .await;
    let listed = names(&client).await;
    let expected: BTreeSet<String> = [
        "crmBulkReadStart",
        "crmBulkReadStatus",
        "crmBulkReadResult",
        "crmBulkWriteUpload",
        "crmBulkWriteStart",
        "crmBulkWriteStatus",
        "crmBulkWriteResult",
        "crmDeleteNote",
        "findActions",
        "describeAction",
        "runAction",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(listed, expected);
    client.cancel().await.expect("closed");
    let all = over_stdio(&fake, &["--toolsets", "all"], ProtocolVersion::V_2025_06_18).await;
    assert!(names(&all).await.len() > 40, "every action and polling trigger");
    all.cancel().await.expect("closed");
}

/// A read larger than --max-result-bytes ends at a record boundary; its cursor gives the rest
/// without asking Zoho again, and the last part carries the action's own paging.
#[tokio::test]
async fn a_large_result_comes_in_parts_at_record_boundaries() {
    let fake = Checked::start();
    let leads: Vec<Value> = (0..120)
        .map(|i| json!({"Last_Name": format!("Part {i:03}"), "Description": "x".repeat(100)}))
        .collect();
    fake.seed("Leads", &leads);
    let client = over_stdio(&fake, &["--max-result-bytes", "4000"], ProtocolVersion::V_2025_06_18).await;
    let input = json!({"recordType": "Leads", "fields": "Last_Name,Description", "perPage": 100});
    let mut part = call(&client, "crmGetRecords", input.clone()).await;
    let requests = fake.requests().len();
    let mut records = Vec::new();
    let mut parts = 0;
    loop {
        parts += 1;
        let value = structured(&part).clone();
        assert!(
            value.to_string().len() <= 4000 + 400,
            "a part near the budget: {}",
            value.to_string().len()
        );
        records.extend(value["data"].as_array().expect("records").iter().cloned());
        if value["more"] != true || !value["cursor"].as_str().is_some_and(|c| c.starts_with("mcp:")) {
            assert_eq!(
                value["info"]["moreRecords"], true,
                "the action's own paging at the end: {value}"
            );
            break;
        }
        let mut next = Map::new();
        next.insert("recordType".into(), json!("Leads"));
        next.insert("cursor".into(), value["cursor"].clone());
        part = call(&client, "crmGetRecords", Value::Object(next)).await;
    }
    assert!(parts > 2, "{parts} parts");
    assert_eq!(records.len(), 100, "the page, each record once");
    let unique: BTreeSet<String> = records.iter().map(|r| r["id"].to_string()).collect();
    assert_eq!(unique.len(), 100);
    assert_eq!(
        fake.requests().len(),
        requests,
        "the rest came without asking Zoho again"
    );
    client.cancel().await.expect("closed");
}
