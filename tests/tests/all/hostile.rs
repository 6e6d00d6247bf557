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
            let document = zoho_host::output::error_document(&error);
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
    // Books record values and search fields are the user's, passed to Books as given (Books
    // refuses what its documents do not know): the corpus's objects among them are off
    // Zoho's contract on purpose. Anything else the corpus sent is still checked.
    world.fake.forgive_where(|violation| {
        violation.starts_with("POST /books/v3/contacts: request body has")
            || violation.starts_with("GET /books/v3/contacts: query parameter")
    });
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

/// The same corpus through the triggers: every input of every polling trigger, hostile states,
/// and hostile channels and notification bodies. Typed errors or results, never a trap.
#[tokio::test]
async fn hostile_trigger_inputs_states_and_notifications_never_trap() {
    let world = World::new();
    world.fake.seed("Leads", &[json!({"Last_Name": "Target"})]);
    let organization = world.fake.books_organization_id();
    let triggers = harness().list_triggers().await.expect("manifest");
    let mut polls: Vec<(String, String, Option<String>)> = Vec::new();
    for trigger in triggers.iter().filter(|t| t.kind == zoho_host::TriggerKind::Polling) {
        let schema: Value = serde_json::from_str(&trigger.input_schema).expect("schema");
        let base = if trigger.key.starts_with("books") {
            json!({"recordType": "contacts", "organizationId": organization})
        } else {
            json!({"recordType": "Leads", "fields": "Last_Name"})
        };
        for name in schema["properties"].as_object().expect("properties").keys() {
            for value in hostile_values() {
                let mut input = base.clone();
                input[name.as_str()] = value;
                polls.push((trigger.key.clone(), input.to_string(), None));
            }
        }
        for value in hostile_values() {
            let state = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
            polls.push((trigger.key.clone(), base.to_string(), Some(state)));
        }
        polls.push((trigger.key.clone(), deeply_nested(&trigger.key, 10_000), None));
    }
    for (key, input, state) in &polls {
        let outcome = harness()
            .poll(&world.context, key, CONNECTION, input, state.as_deref())
            .await
            .unwrap_or_else(|trap| panic!("{key} trapped on {}: {trap}", &input[..input.len().min(200)]));
        if let Err(error) = outcome {
            let document = zoho_host::output::error_document(&error);
            assert_ne!(document["error"]["transport"], "denied", "{key} tried another host");
        }
        if state.is_some() {
            let refused = harness()
                .poll(&world.context, key, CONNECTION, input, state.as_deref())
                .await
                .expect("no trap");
            assert!(refused.is_err(), "{key} accepted a hostile state {state:?}");
        }
    }
    let channel = json!({"channelId": "1000000068001", "token": "a-good-long-token-1234"});
    let body = json!({"channel_id": 1000000068001_u64, "token": "a-good-long-token-1234", "module": "Leads", "operation": "insert", "ids": ["1"]});
    let mut notifications = Vec::new();
    for value in hostile_values() {
        for key in ["channelId", "token"] {
            let mut bad = channel.clone();
            bad[key] = value.clone();
            notifications.push((bad.to_string(), body.to_string()));
        }
        for key in ["channel_id", "token", "module", "operation", "ids"] {
            let mut bad = body.clone();
            bad[key] = value.clone();
            notifications.push((channel.to_string(), bad.to_string()));
        }
        notifications.push((channel.to_string(), value.to_string()));
        notifications.push((value.to_string(), body.to_string()));
    }
    let mut refused = 0;
    for (channel, body) in &notifications {
        let outcome = harness()
            .handle_notification(&world.context, CONNECTION, channel, body)
            .await
            .unwrap_or_else(|trap| panic!("handle-notification trapped on {channel} / {body}: {trap}"));
        refused += usize::from(outcome.is_err());
    }
    assert!(
        refused > notifications.len() * 3 / 4,
        "{refused} of {} refused",
        notifications.len()
    );
    assert!(
        polls.len() + notifications.len() > 500,
        "{} cases",
        polls.len() + notifications.len()
    );
}
