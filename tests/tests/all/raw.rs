//! Raw requests against fake-zoho's echo and binary routes: every input, every refusal (with
//! no request sent), multipart, byte-exact downloads, retries and timeouts.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use fake_zoho::Fault;
use serde_json::{Value, json};
use zoho_host::{Error, RawBody, RawMethod, RawRequest};

use crate::support::{CONNECTION, World, kind};

fn echo(world: &World, input: Value) -> impl std::future::Future<Output = Result<Value, Value>> + '_ {
    world.invoke("crmRawRequest", input)
}

#[tokio::test]
async fn a_get_sends_path_query_and_headers_exactly() {
    let world = World::new();
    let output = echo(
        &world,
        json!({"url": "/__echo/Leads/search?word=a%20b", "queryParameters": [{"key": "criteria", "value": "(Last_Name:equals:O'Brien, Jr)"}, {"key": "x", "value": "1"}, {"key": "x", "value": "2"}],
               "headers": {"X-Trace-Id": "trace 42"}}),
    )
    .await
    .expect("echoed");
    assert_eq!(output["status"], 200);
    let seen = &output["body"];
    assert_eq!(
        (seen["method"].as_str(), seen["path"].as_str()),
        (Some("GET"), Some("/crm/v8/__echo/Leads/search"))
    );
    assert_eq!(
        seen["query"],
        json!([
            ["word", "a b"],
            ["criteria", "(Last_Name:equals:O'Brien, Jr)"],
            ["x", "1"],
            ["x", "2"]
        ])
    );
    let request = world.fake.requests().pop().expect("sent");
    assert_eq!(
        request.raw_query.as_deref(),
        Some("word=a%20b&criteria=%28Last_Name%3Aequals%3AO%27Brien%2C%20Jr%29&x=1&x=2")
    );
    assert_eq!(request.header("x-trace-id"), Some("trace 42"));
    assert_eq!(
        request.header("authorization"),
        Some(format!("Zoho-oauthtoken {}", world.fake.access_token()).as_str())
    );
    assert!(
        output["headers"]["content-type"]
            .as_str()
            .unwrap_or_default()
            .starts_with("application/json")
    );
}

#[tokio::test]
async fn an_absolute_url_on_the_connection_domain_is_accepted() {
    let world = World::new();
    let url = format!("{}/crm/v8/__echo/Deals", world.fake.base_url());
    let output = echo(&world, json!({"url": url})).await.expect("echoed");
    assert_eq!(output["body"]["path"], "/crm/v8/__echo/Deals");
}

#[tokio::test]
async fn json_and_text_bodies_are_sent_as_given() {
    let world = World::new();
    let output = echo(
        &world,
        json!({"url": "/__echo", "method": "POST", "data": {"data": [{"Last_Name": "Boyle"}]}}),
    )
    .await
    .expect("echoed");
    assert_eq!(output["body"]["body"]["text"], r#"{"data":[{"Last_Name":"Boyle"}]}"#);
    assert_eq!(
        world.fake.requests()[0].header("content-type"),
        Some("application/json")
    );

    let output = echo(&world, json!({"url": "/__echo", "method": "PUT", "data": "a,b\n1,2", "headers": [{"key": "Content-Type", "value": "text/csv"}]})).await.expect("echoed");
    assert_eq!(output["body"]["body"]["text"], "a,b\n1,2");
    assert_eq!(world.fake.requests()[1].header("content-type"), Some("text/csv"));
}

#[tokio::test]
async fn a_multipart_upload_carries_a_field_and_two_files_byte_for_byte() {
    let world = World::new();
    let binary: Vec<u8> = (0..=255_u8).rev().chain([0, 13, 10, 45, 45]).collect();
    let output = echo(
        &world,
        json!({"url": "/__echo/Leads/1/Attachments", "method": "POST",
               "formData": [{"key": "title", "value": "Q3 report"}],
               "fileData": [{"key": "notes", "value": "plain text\r\nline 2"}, {"key": "scan", "value": {"base64": BASE64.encode(&binary)}}],
               "fileDataFileNames": {"notes": "notes \"v2\".txt", "scan": "scan.png"}}),
    )
    .await
    .expect("echoed");
    let parts = output["body"]["parts"]
        .as_array()
        .unwrap_or_else(|| panic!("parts: {output}"));
    assert_eq!(parts.len(), 3);
    assert_eq!(
        (parts[0]["name"].as_str(), parts[0]["text"].as_str()),
        (Some("title"), Some("Q3 report"))
    );
    assert_eq!(
        (parts[1]["fileName"].as_str(), parts[1]["contentType"].as_str()),
        (Some("notes %22v2%22.txt"), Some("text/plain"))
    );
    assert_eq!(parts[1]["text"], "plain text\r\nline 2");
    assert_eq!(
        (parts[2]["fileName"].as_str(), parts[2]["contentType"].as_str()),
        (Some("scan.png"), Some("image/png"))
    );
    assert_eq!(
        BASE64
            .decode(parts[2]["base64"].as_str().expect("binary part"))
            .expect("base64"),
        binary
    );
    let content_type = world.fake.requests()[0]
        .header("content-type")
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
}

#[tokio::test]
async fn a_binary_download_is_exact() {
    let world = World::new();
    let output = echo(
        &world,
        json!({"url": "/__binary", "queryParameters": {"size": 300_000, "seed": 7}, "responseType": "binary"}),
    )
    .await
    .expect("downloaded");
    let bytes = BASE64
        .decode(output["body"].as_str().expect("base64 body"))
        .expect("base64");
    assert_eq!(bytes, fake_zoho::binary_payload(300_000, 7));
    assert_eq!(output["headers"]["content-type"], "application/octet-stream");

    let text = echo(&world, json!({"url": "/__echo", "responseType": "text"}))
        .await
        .expect("text");
    assert!(text["body"].as_str().is_some_and(|t| t.starts_with('{')));
}

#[tokio::test]
async fn the_typed_function_returns_raw_bytes() {
    let world = World::new();
    let request = RawRequest {
        url: "/__binary?size=4096&seed=3".into(),
        method: RawMethod::Get,
        query_parameters: vec![],
        headers: vec![],
        body: RawBody::None,
        timeout_ms: None,
        max_retries: None,
        retry_delay_ms: None,
        use_exponential_backoff: false,
        retry_on_all_errors: false,
        organization_id: None,
    };
    let raw = crate::support::harness().raw(&world.context, CONNECTION);
    let response = raw.crm_request(&request).await.expect("no trap").expect("ok");
    assert_eq!(response.body, fake_zoho::binary_payload(4096, 3));

    let missing = RawRequest {
        url: "/Leads/4876876000009999999".into(),
        ..request
    };
    let error = raw.crm_request(&missing).await.expect("no trap").expect_err("400");
    assert!(
        matches!(&error, Error::Http(e) if e.status == 400 && String::from_utf8_lossy(&e.body).contains("INVALID_DATA")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_non_2xx_answer_is_an_http_error_with_status_headers_and_body() {
    let world = World::new();
    let error = echo(&world, json!({"url": "/Leads/4876876000009999999"}))
        .await
        .expect_err("400");
    assert_eq!((kind(&error), error["error"]["status"].as_u64()), ("http", Some(400)));
    assert_eq!(error["error"]["body"]["code"], "INVALID_DATA");
    assert!(error["error"]["headers"]["content-type"].is_string());
}

#[tokio::test]
async fn refusals_send_nothing() {
    let world = World::new();
    let foreign = json!({"url": "https://evil.example/crm/v8/Leads"});
    let cases = [
        (foreign, "url"),
        (json!({"url": "https://www.zohoapis.com/crm/v8/Leads"}), "url"),
        (
            json!({"url": format!("{}/books/v3/organizations", world.fake.base_url())}),
            "url",
        ),
        (json!({"url": "/../books/v3/organizations"}), "url"),
        (json!({"url": "/Leads/%2e%2e/%2E%2E/x"}), "url"),
        (json!({"url": "/Leads/..%2F..%2Fx"}), "url"),
        (
            json!({"url": "/Leads", "headers": {"Authorization": "Zoho-oauthtoken stolen"}}),
            "headers[0]",
        ),
        (
            json!({"url": "/Leads", "headers": [{"key": "X-Ok", "value": "1"}, {"key": "authorization", "value": "x"}]}),
            "headers[1]",
        ),
        (
            json!({"url": "/Leads", "headers": {"X-Injected": "a\r\nAuthorization: x"}}),
            "headers[0]",
        ),
        (json!({"url": "/Leads", "headers": {"X-Nul": "a\u{0}b"}}), "headers[0]"),
        (json!({"url": "/Leads", "headers": {"Bad Name": "v"}}), "headers[0]"),
        (
            json!({"url": "/Leads", "data": {"a": 1}, "formData": {"b": "2"}}),
            "data",
        ),
        (
            json!({"url": "/Leads", "fileData": {"f": {"base64": "%%%"}}}),
            "fileData[0].value",
        ),
        (json!({"url": "/Leads", "method": "TRACE"}), "method"),
    ];
    for (input, expected) in cases {
        let error = echo(&world, input.clone()).await.expect_err("refused");
        assert_eq!(
            (kind(&error), error["error"]["input"].as_str()),
            ("invalid-input", Some(expected)),
            "{input}"
        );
    }
    assert!(world.fake.requests().is_empty(), "a refused request reached the fake");
}

#[tokio::test]
async fn retries_without_retry_after_use_the_configured_delay() {
    let world = World::new();
    world.fake.inject(
        "/crm/v8/__echo",
        Fault::Status {
            status: 503,
            retry_after: None,
        },
        2,
    );
    let output = echo(
        &world,
        json!({"url": "/__echo", "maxRetries": 2, "retryDelayMs": 200, "useExponentialBackoff": true}),
    )
    .await
    .expect("third attempt");
    assert_eq!(output["status"], 200);
    let requests = world.fake.requests();
    assert_eq!(requests.len(), 3);
    // Jittered between half and all of 200 ms, then of 400 ms.
    assert!(requests[1].received_at - requests[0].received_at >= Duration::from_millis(100));
    assert!(requests[2].received_at - requests[1].received_at >= Duration::from_millis(200));
}

#[tokio::test]
async fn with_no_retries_allowed_the_first_failure_is_final() {
    let world = World::new();
    world.fake.inject(
        "/crm/v8/__echo",
        Fault::Status {
            status: 502,
            retry_after: None,
        },
        1,
    );
    let error = echo(&world, json!({"url": "/__echo"})).await.expect_err("502");
    assert_eq!((kind(&error), error["error"]["status"].as_u64()), ("http", Some(502)));
    assert_eq!(world.fake.requests().len(), 1);
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured() {
    let world = World::new();
    world.fake.inject(
        "/crm/v8/__echo",
        Fault::Status {
            status: 429,
            retry_after: Some("1".into()),
        },
        1,
    );
    echo(&world, json!({"url": "/__echo", "maxRetries": 1, "retryDelayMs": 10}))
        .await
        .expect("after waiting");
    let requests = world.fake.requests();
    assert!(requests[1].received_at - requests[0].received_at >= Duration::from_millis(950));
    assert!(
        world.log_text().contains("HTTP 429; retry 1 of 1"),
        "{}",
        world.log_text()
    );
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` for a Unix time.
fn http_date(unix: u64) -> String {
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix))
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
    let world = World::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    // Three whole seconds ahead of the second `now` fell in: however late in that second the
    // request goes out, and whether the wait is measured against this clock or the answer's
    // `Date` (whole seconds), the date is more than a second and a half away when the 503
    // arrives, so a wait that ignored it (10 ms) cannot pass for one that honoured it.
    world.fake.inject(
        "/crm/v8/__echo",
        Fault::Status {
            status: 503,
            retry_after: Some(http_date(now + 3)),
        },
        1,
    );
    echo(&world, json!({"url": "/__echo", "maxRetries": 1, "retryDelayMs": 10}))
        .await
        .expect("after waiting");
    let requests = world.fake.requests();
    assert!(
        requests[1].received_at - requests[0].received_at >= Duration::from_millis(1000),
        "waited for the date"
    );
}

#[tokio::test]
async fn a_post_is_retried_on_429_but_not_on_5xx_unless_asked() {
    let world = World::new();
    world.fake.inject(
        "/crm/v8/__echo",
        Fault::Status {
            status: 429,
            retry_after: Some("0".into()),
        },
        1,
    );
    echo(
        &world,
        json!({"url": "/__echo", "method": "POST", "data": {}, "maxRetries": 2}),
    )
    .await
    .expect("429 is safe to retry");
    world.fake.clear_requests();

    world.fake.inject(
        "/crm/v8/__echo",
        Fault::Status {
            status: 500,
            retry_after: None,
        },
        1,
    );
    let error = echo(
        &world,
        json!({"url": "/__echo", "method": "POST", "data": {}, "maxRetries": 2}),
    )
    .await
    .expect_err("not repeated");
    assert_eq!(error["error"]["status"], 500);
    assert_eq!(world.fake.requests().len(), 1);
    world.fake.clear_requests();

    world.fake.inject(
        "/crm/v8/__echo",
        Fault::Status {
            status: 500,
            retry_after: None,
        },
        1,
    );
    echo(&world, json!({"url": "/__echo", "method": "POST", "data": {}, "maxRetries": 2, "retryDelayMs": 10, "retryOnAllErrors": true})).await.expect("asked to retry");
    assert_eq!(world.fake.requests().len(), 2);
}

#[tokio::test]
async fn retry_on_all_errors_retries_other_4xx() {
    let world = World::new();
    world.fake.inject(
        "/crm/v8/__echo",
        Fault::Status {
            status: 409,
            retry_after: None,
        },
        1,
    );
    let error = echo(&world, json!({"url": "/__echo", "maxRetries": 1, "retryDelayMs": 10}))
        .await
        .expect_err("409 is final by default");
    assert_eq!(error["error"]["status"], 409);
    world.fake.inject(
        "/crm/v8/__echo",
        Fault::Status {
            status: 409,
            retry_after: None,
        },
        1,
    );
    echo(
        &world,
        json!({"url": "/__echo", "maxRetries": 1, "retryDelayMs": 10, "retryOnAllErrors": true}),
    )
    .await
    .expect("retried");
}

#[tokio::test]
async fn the_timeout_bounds_each_attempt() {
    let world = World::new();
    world
        .fake
        .inject("/crm/v8/__echo", Fault::Delay(Duration::from_secs(5)), 1);
    let started = std::time::Instant::now();
    let error = echo(&world, json!({"url": "/__echo", "timeout": 300}))
        .await
        .expect_err("timed out");
    assert_eq!(
        (kind(&error), error["error"]["transport"].as_str()),
        ("transport", Some("timeout"))
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the call did not wait for the slow answer"
    );
}

#[tokio::test]
async fn books_raw_requests_carry_the_organization() {
    let world = World::new();
    let output = world
        .invoke(
            "booksRawRequest",
            json!({"url": "/__echo/invoices", "queryParameters": {"status": "sent"}}),
        )
        .await
        .expect("echoed");
    assert_eq!(
        output["body"]["query"],
        json!([
            ["organization_id", world.fake.books_organization_id()],
            ["status", "sent"]
        ])
    );

    let output = world
        .invoke(
            "booksRawRequest",
            json!({"url": "/__echo/invoices?organization_id=555"}),
        )
        .await
        .expect("echoed");
    assert_eq!(output["body"]["query"], json!([["organization_id", "555"]]));

    let output = world
        .invoke("booksRawRequest", json!({"url": "/organizations"}))
        .await
        .expect("listed");
    assert_eq!(
        output["body"]["organizations"][0]["organization_id"],
        json!(world.fake.books_organization_id())
    );
    assert!(
        world
            .fake
            .requests()
            .last()
            .is_some_and(|r| r.query_param("organization_id").is_none())
    );
}

#[tokio::test]
async fn a_token_in_a_user_header_never_reaches_the_log() {
    let world = World::new();
    let token = world.fake.access_token();
    echo(
        &world,
        json!({"url": "/__echo", "headers": {"X-Copy": token}, "debugRequest": true}),
    )
    .await
    .expect("echoed");
    let log = world.log_text();
    assert!(log.contains("x-copy: [REDACTED]"), "{log}");
    assert!(!log.contains(&token));
}
