//! A corpus of hostile inputs across every action: each must yield a typed error or a correct
//! result, never a trap, and never a request to a host other than the connection's.

use base64::Engine as _;
use serde_json::{Value, json};

use crate::support::{CONNECTION, World, harness};

/// Values that have broken connectors: traversal (plain and encoded), header injection, NUL,
/// foreign URLs, oversized and deeply nested values, wrong types, numbers past 2^64 and 2^53.
fn hostile_values() -> Vec<Value> {
    vec![
        json!("../../../etc/passwd"),
        json!("..%2F..%2Fsettings"),
        json!("%2e%2e/%2e%2e/x"),
        json!("Leads/../Deals"),
        json!("Leads\r\nAuthorization: Zoho-oauthtoken stolen"),
        json!("a\nb"),
        json!("nul\u{0}byte"),
        json!("https://evil.example/crm/v8/Leads"),
        json!("//evil.example/x"),
        json!("\u{202e}gnp.exe"),
        json!("🚀"),
        json!(""),
        json!(" "),
        json!("A".repeat(200_000)),
        json!(-1),
        json!(1e308),
        json!(4876876000000624001_u64),
        json!(true),
        Value::Null,
        json!([]),
        json!([1, "two", null]),
        json!({}),
        json!({"$where": "1==1", "__proto__": {"admin": true}}),
        json!({"base64": "gICAgP/+"}),
    ]
}

/// A plausible input for an action, which the hostile values then corrupt one input at a time.
fn base_input(key: &str, lead: &str, organization: &str) -> Value {
    let mut input = match key {
        k if k.starts_with("books") => json!({"recordType": "contacts", "organizationId": organization}),
        "crmRunQuery" => json!({"query": "select Last_Name from Leads"}),
        "crmRawRequest" => json!({"url": "/__echo"}),
        "crmListModules" => json!({}),
        _ => {
            json!({"recordType": "Leads", "recordId": lead, "fields": "Last_Name", "values": {"Last_Name": "Hostile"}})
        }
    };
    if key == "booksRawRequest" {
        input = json!({"url": "/__echo"});
    }
    input
}

/// An input text nested `depth` deep (built as text: a `Value` that deep would overflow).
fn deeply_nested(key: &str, depth: usize) -> String {
    let _ = key;
    format!(
        "{{\"recordType\":\"Leads\",\"values\":{}{}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

#[tokio::test]
async fn the_hostile_corpus_yields_typed_errors_or_results_and_never_traps() {
    let world = World::new();
    let lead = world.fake.seed("Leads", &[json!({"Last_Name": "Target"})]).remove(0);
    let organization = world.fake.books_organization_id();
    let actions = harness().list_actions().await.expect("manifest");
    let mut corpus: Vec<(String, String)> = Vec::new();
    for action in &actions {
        let schema: Value = serde_json::from_str(&action.input_schema).expect("schema");
        let names: Vec<String> = schema["properties"]
            .as_object()
            .expect("properties")
            .keys()
            .cloned()
            .collect();
        let base = base_input(&action.key, &lead, &organization);
        for name in &names {
            for value in hostile_values() {
                let mut input = base.clone();
                input[name.as_str()] = value;
                corpus.push((action.key.clone(), input.to_string()));
            }
        }
        let mut unknown = base.clone();
        unknown["definitelyNotAnInput"] = json!(1);
        corpus.push((action.key.clone(), unknown.to_string()));
        corpus.push((action.key.clone(), deeply_nested(&action.key, 10_000)));
        corpus.push((action.key.clone(), "[]".into()));
        corpus.push((action.key.clone(), "\"just a string\"".into()));
        corpus.push((
            action.key.clone(),
            String::from_utf8_lossy(&[b'{', 0xff, 0xfe, b'}']).into_owned(),
        ));
    }
    // Invalid UTF-8 smuggled in base64 for the binary inputs.
    let invalid_utf8 = base64::engine::general_purpose::STANDARD.encode([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1]);
    corpus.push((
        "crmAddAttachment".into(),
        json!({"recordType": "Leads", "recordId": lead, "fileName": "x.bin", "fileBase64": invalid_utf8}).to_string(),
    ));
    corpus.push((
        "crmRawRequest".into(),
        json!({"url": "/__echo", "method": "POST", "fileData": {"f": {"base64": invalid_utf8}}}).to_string(),
    ));
    assert!(corpus.len() >= 150, "the corpus has {} cases", corpus.len());

    let mut typed_errors = 0;
    for (key, input) in &corpus {
        let outcome = harness().invoke(&world.context, key, CONNECTION, input).await;
        let outcome =
            outcome.unwrap_or_else(|trap| panic!("{key} trapped on {}: {trap}", &input[..input.len().min(200)]));
        if let Err(error) = outcome {
            typed_errors += 1;
            let document = zoho_harness::output::error_document(&error);
            assert_ne!(
                document["error"]["transport"],
                "denied",
                "{key} tried to reach another host with {}",
                &input[..input.len().min(200)]
            );
        }
    }
    assert!(
        typed_errors > corpus.len() / 2,
        "most hostile inputs are refused ({typed_errors} of {})",
        corpus.len()
    );
    // Every request that did go out went to the fake, on its own paths.
    let outside: Vec<String> = world
        .fake
        .requests()
        .iter()
        .filter(|r| !(r.path.starts_with("/crm/v8/") || r.path.starts_with("/books/v3/")))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(outside.is_empty(), "requests outside the API bases: {outside:?}");
}
