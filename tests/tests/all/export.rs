//! `zoho-harness export`: every record of a list action to a file, one bounded call at a time,
//! and an interrupted export resumed with nothing repeated or lost.

use std::path::{Path, PathBuf};

use fake_zoho::{FakeZoho, Fault};
use serde_json::{Value, json};

use crate::support::{Run, cli_against};

/// A scratch directory of this test's own.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("export-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn leads(fake: &FakeZoho, count: usize) -> Vec<String> {
    let records: Vec<Value> = (0..count)
        .map(|i| json!({"Last_Name": format!("Lead {i}"), "Email": format!("lead{i}@zylker.com")}))
        .collect();
    fake.seed("Leads", &records)
}

async fn export(fake: &FakeZoho, args: &[&str]) -> Run {
    let mut argv = vec!["export"];
    argv.extend_from_slice(args);
    cli_against(fake, &argv).await
}

fn ndjson_ids(path: &Path, id_field: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("the export file")
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).expect("each line is a JSON record");
            record[id_field].as_str().expect("id").to_owned()
        })
        .collect()
}

const LEADS_ASC: &str =
    r#"{"recordType":"Leads","fields":"Last_Name,Email","sortBy":"id","sortOrder":"asc","maxRetries":0}"#;

#[tokio::test]
async fn crm_records_are_exported_as_ndjson_past_the_2000_record_page_limit() {
    let fake = zoho_contract_check::Checked::start();
    let seeded = leads(&fake, 4_500);
    let dir = scratch("ndjson");
    let out = dir.join("leads.ndjson");
    let run = export(
        &fake,
        &[
            "crmGetRecords",
            "--input",
            LEADS_ASC,
            "--output",
            out.to_str().expect("utf-8"),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert_eq!(run.json()["records"], 4_500);
    assert_eq!(ndjson_ids(&out, "id"), seeded);
    assert!(!dir.join("leads.ndjson.part").exists() && !dir.join("leads.ndjson.part.json").exists());
}

#[tokio::test]
async fn json_format_is_one_array_and_max_records_caps_the_whole_export() {
    let fake = zoho_contract_check::Checked::start();
    let seeded = leads(&fake, 2_600);
    let dir = scratch("json");
    let out = dir.join("leads.json");
    let input = r#"{"recordType":"Leads","fields":"Last_Name","sortBy":"id","sortOrder":"asc","maxRecords":2300}"#;
    let run = export(
        &fake,
        &[
            "crmGetRecords",
            "--input",
            input,
            "--output",
            out.to_str().expect("utf-8"),
            "--format",
            "json",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    let array: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&out).expect("file")).expect("a JSON array");
    let ids: Vec<&str> = array.iter().map(|r| r["id"].as_str().expect("id")).collect();
    assert_eq!(ids, seeded[..2_300].iter().map(String::as_str).collect::<Vec<_>>());
}

#[tokio::test]
async fn an_interrupted_export_resumes_without_repeating_or_losing_a_record() {
    let fake = zoho_contract_check::Checked::start();
    let seeded = leads(&fake, 12_000);
    let dir = scratch("resume");
    let out = dir.join("leads.ndjson");
    let out_arg = out.to_str().expect("utf-8");
    // The 53rd page request fails: the first call (10,000 records, 50 pages) is checkpointed,
    // the second dies partway.
    fake.inject_after(
        "/crm/v8/Leads",
        Fault::Status {
            status: 500,
            retry_after: None,
        },
        52,
        1,
    );
    let run = export(&fake, &["crmGetRecords", "--input", LEADS_ASC, "--output", out_arg]).await;
    assert_eq!(run.code, 1, "{} {}", run.stdout, run.stderr);
    assert!(run.stderr.contains("--resume"), "{}", run.stderr);
    assert!(!out.exists(), "no file claims to be complete");
    let part = dir.join("leads.ndjson.part");
    assert_eq!(ndjson_ids(&part, "id"), seeded[..10_000]);

    // A crash after writing but before the checkpoint leaves extra bytes; resuming cuts them.
    let mut written = std::fs::read(&part).expect("part");
    written.extend_from_slice(b"{\"id\":\"half a record");
    std::fs::write(&part, written).expect("damage");

    // Resuming with other inputs is refused rather than mixing two exports.
    let other = LEADS_ASC.replace("Last_Name,Email", "Last_Name");
    let refused = export(
        &fake,
        &["crmGetRecords", "--input", &other, "--output", out_arg, "--resume"],
    )
    .await;
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("another export"), "{}", refused.stderr);

    let run = export(
        &fake,
        &["crmGetRecords", "--input", LEADS_ASC, "--output", out_arg, "--resume"],
    )
    .await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert_eq!(run.json()["records"], 12_000);
    assert_eq!(ndjson_ids(&out, "id"), seeded, "each record exactly once, in order");
}

#[tokio::test]
async fn coql_and_books_lists_export_too_and_other_actions_are_refused() {
    let fake = zoho_contract_check::Checked::start();
    let seeded = leads(&fake, 2_300);
    let dir = scratch("coql-books");
    let coql = dir.join("coql.ndjson");
    let query = json!({"query": "select Last_Name from Leads where Last_Name is not null order by id asc"}).to_string();
    let run = export(
        &fake,
        &[
            "crmRunQuery",
            "--input",
            &query,
            "--output",
            coql.to_str().expect("utf-8"),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert_eq!(ndjson_ids(&coql, "id"), seeded);

    let organization = fake.books_organization_id();
    let contacts: Vec<Value> = (0..450)
        .map(|i| json!({"contact_name": format!("Customer {i}")}))
        .collect();
    let mut ids = fake.seed_books(&organization, "contacts", "contact_id", &contacts);
    let books = dir.join("contacts.ndjson");
    let input = r#"{"recordType":"contacts"}"#;
    let run = export(
        &fake,
        &[
            "booksGetRecords",
            "--input",
            input,
            "--output",
            books.to_str().expect("utf-8"),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    let mut exported = ndjson_ids(&books, "contact_id");
    exported.sort();
    ids.sort();
    assert_eq!(exported, ids);

    let refused = export(
        &fake,
        &[
            "crmGetRecord",
            "--input",
            "{}",
            "--output",
            books.to_str().expect("utf-8"),
        ],
    )
    .await;
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("cannot be exported"), "{}", refused.stderr);
}
