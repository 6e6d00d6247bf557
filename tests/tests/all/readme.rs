//! The Rust embedding example in README.md, compiled and run as written: the block between the
//! markers below must equal the README's `rust` block, and the test runs it against the fake.

use std::sync::Arc;

use zoho_host::{CallContext, ConnectionInfo, Harness, StaticCredentials};

use crate::support::{World, harness};

// README: begin
/// Fetches one lead, as JSON, for the connection whose token and API domain are given.
async fn get_lead(
    harness: &Harness,
    token: String,
    api_domain: String,
    lead_id: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let credentials = StaticCredentials::new().with(
        "acme",
        ConnectionInfo {
            access_token: token,
            api_domain,
            books_organization_id: None,
        },
    );
    let context = CallContext::new(Arc::new(credentials));
    let input = format!(r#"{{"recordType":"Leads","recordId":"{lead_id}"}}"#);
    match harness.invoke(&context, "crmGetRecord", "acme", &input).await? {
        Ok(json) => Ok(json),
        Err(error) => Err(zoho_host::output::error_document(&error).to_string().into()),
    }
}
// README: end

#[tokio::test]
async fn the_readme_embedding_example_is_this_code_and_runs() {
    let source = include_str!("readme.rs");
    let example = source
        .split("// README: begin\n")
        .nth(1)
        .and_then(|rest| rest.split("// README: end").next())
        .expect("markers");
    let readme = include_str!("../../../README.md");
    let block = readme
        .split("## Embedding the harness in a Rust host")
        .nth(1)
        .and_then(|section| section.split("```rust\n").nth(1))
        .and_then(|rest| rest.split("```").next())
        .expect("the README's rust block");
    assert!(
        block.contains(example.trim()),
        "README's Rust example differs from tests/tests/all/readme.rs"
    );

    let world = World::new();
    let id = world
        .fake
        .seed("Leads", &[serde_json::json!({"Last_Name": "Readme"})])
        .remove(0);
    let json = get_lead(harness(), world.fake.access_token(), world.fake.base_url(), &id)
        .await
        .expect("the example runs");
    assert!(json.contains("Readme"), "{json}");
    let error = get_lead(harness(), world.fake.access_token(), world.fake.base_url(), "1")
        .await
        .expect_err("an unknown lead is an error");
    assert!(error.to_string().contains("not-found"), "{error}");
}
