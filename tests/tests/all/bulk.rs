//! Bulk Read and Bulk Write: the actions through `invoke`, and the `bulk-read` / `bulk-write`
//! commands: pages and page tokens, chunked downloads resumed after an interruption, a failed
//! job, Zoho's download limit waited out, and an import's failing rows reported row by row.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fake_zoho::FakeZoho;
use serde_json::{Value, json};

use crate::support::{Run, World, cli_against, kind};

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bulk-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A fake whose jobs complete quickly, with `count` leads (a comma, a quote and a line break
/// in some, to exercise CSV quoting).
fn fake_with_leads(count: usize) -> (zoho_contract_check::Checked, Vec<String>) {
    let fake = zoho_contract_check::Checked::start();
    fake.set_bulk_step(Duration::from_millis(20));
    let records: Vec<Value> = (0..count)
        .map(|i| {
            json!({
                "Last_Name": format!("Lead {i}"),
                "Email": format!("lead{i}@zylker.com"),
                "Description": if i % 5 == 0 { format!("said \"hi\", then\nleft ({i})") } else { String::new() },
            })
        })
        .collect();
    let ids = fake.seed("Leads", &records);
    (fake, ids)
}

async fn bulk(fake: &FakeZoho, args: &[&str]) -> Run {
    cli_against(fake, args).await
}

/// `bulk-read` of the leads' test fields into `out` as NDJSON, with `extra` arguments.
async fn read_ndjson_to(fake: &FakeZoho, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "bulk-read",
        "--input",
        READ_INPUT,
        "--output",
        out.to_str().expect("utf-8"),
        "--format",
        "ndjson",
    ];
    args.extend_from_slice(extra);
    bulk(fake, &args).await
}

/// `bulk-read` of the leads' test fields into `out`, as CSV.
async fn read_to(fake: &FakeZoho, out: &Path) -> Run {
    bulk(
        fake,
        &[
            "bulk-read",
            "--input",
            READ_INPUT,
            "--output",
            out.to_str().expect("utf-8"),
        ],
    )
    .await
}

fn csv_rows(path: &Path) -> Vec<csv::StringRecord> {
    let mut reader = csv::Reader::from_path(path).expect("the output file");
    assert_eq!(
        reader.headers().expect("header").iter().collect::<Vec<_>>(),
        ["id", "Last_Name", "Email", "Description"]
    );
    reader.records().map(|r| r.expect("a CSV row")).collect()
}

fn ndjson_ids(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("output")
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).expect("a JSON record");
            record["id"].as_str().expect("id").to_owned()
        })
        .collect()
}

fn result_downloads(fake: &FakeZoho) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.path.ends_with("/result") && r.path.starts_with("/crm/bulk/v8/read/"))
        .count()
}

const READ_INPUT: &str = r#"{"recordType":"Leads","fields":["Last_Name","Email","Description"]}"#;

#[tokio::test]
async fn bulk_read_follows_pages_and_page_tokens_until_every_record_is_out() {
    let (fake, ids) = fake_with_leads(40);
    fake.set_bulk_page_size(7);
    let dir = scratch("pages");
    let out = dir.join("leads.csv");
    let run = read_to(&fake, &out).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let summary = run.json();
    assert_eq!(summary["records"], 40);
    assert_eq!(summary["pages"], 6);
    assert_eq!(summary["jobs"].as_array().expect("jobs").len(), 6);
    let rows = csv_rows(&out);
    let got: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(
        got,
        ids.iter().map(String::as_str).collect::<Vec<_>>(),
        "every record once, in order"
    );
    assert_eq!(&rows[5][3], "said \"hi\", then\nleft (5)", "quoting survives");
    assert_eq!(&rows[1][3], "");
    // Pages 1 and 2 by number, the rest by the token the previous job gave.
    let starts: Vec<Value> = fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/crm/bulk/v8/read")
        .map(|r| r.json()["query"].clone())
        .collect();
    assert_eq!(starts.len(), 6);
    assert_eq!(starts[0]["page"], 1);
    assert_eq!(starts[1]["page"], 2);
    for later in &starts[2..] {
        assert!(later["page_token"].is_string(), "{later}");
        assert!(later.get("page").is_none(), "{later}");
    }
    assert!(!dir.join("leads.csv.part").exists() && !dir.join("leads.csv.part.json").exists());
}

#[tokio::test]
async fn an_interrupted_download_resumes_without_repeating_or_losing_a_record() {
    let (fake, ids) = fake_with_leads(300);
    let dir = scratch("resume");
    let out = dir.join("leads.ndjson");
    let out_text = out.to_str().expect("utf-8");
    let args = |resume: bool| {
        let mut args = vec![
            "bulk-read",
            "--input",
            READ_INPUT,
            "--output",
            out_text,
            "--format",
            "ndjson",
            "--chunk-bytes",
            "4096",
        ];
        if resume {
            args.push("--resume");
        }
        args
    };
    // Two chunks land, then the third chunk's download fails on every attempt (the first and
    // the component's three retries).
    fake.fail_bulk_downloads(2, 4);
    let first = bulk(&fake, &args(false)).await;
    assert_eq!(first.code, 1, "{}\n{}", first.stdout, first.stderr);
    assert!(first.stderr.contains("--resume"), "{}", first.stderr);
    let error = first.json();
    assert!(error["error"]["jobId"].is_string(), "the error names the job: {error}");
    assert_eq!(error["error"]["state"], "COMPLETED", "and its state: {error}");
    assert!(!out.exists(), "nothing claims to be complete");
    let part = dir.join("leads.ndjson.part");
    let written = std::fs::read_to_string(&part).expect("part file").lines().count();
    assert!(
        written > 0 && written < ids.len(),
        "{written} records before the failure"
    );
    // Half a record written after the last checkpoint: the resume must cut it away.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&part)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"id\":\"garbage"))
        .expect("append");
    let second = bulk(&fake, &args(true)).await;
    assert_eq!(second.code, 0, "{}\n{}", second.stdout, second.stderr);
    let got: Vec<String> = ndjson_ids(&out);
    assert_eq!(got, ids, "every record exactly once, in order");
    // The resumed run continued from its position: a Range download, not the whole file again.
    let ranged = fake
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/result") && r.header("range").is_some())
        .count();
    assert!(ranged > 0, "chunks after the first ask for a range");
}

#[tokio::test]
async fn a_download_broken_off_is_read_again_from_the_same_position() {
    let (fake, ids) = fake_with_leads(300);
    let dir = scratch("broken");
    let out = dir.join("leads.ndjson");
    // The second chunk's download breaks off twice.
    fake.break_bulk_downloads(1, 2);
    let run = read_ndjson_to(&fake, &out, &["--chunk-bytes", "8192"]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let got: Vec<String> = ndjson_ids(&out);
    assert_eq!(got, ids, "every record once");
    let ranges: Vec<Option<String>> = fake
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/result"))
        .map(|r| r.header("range").map(str::to_owned))
        .collect();
    let repeated = ranges
        .windows(3)
        .any(|w| w[0].is_some() && w[0] == w[1] && w[1] == w[2]);
    assert!(
        repeated,
        "the broken chunk was asked for again from the same byte: {ranges:?}"
    );
}

#[tokio::test]
async fn a_run_stopped_after_a_page_ended_resumes_at_the_next_page() {
    // As a run killed between writing a page's last chunk and starting the next page leaves it.
    let (fake, ids) = fake_with_leads(10);
    fake.set_bulk_page_size(5);
    let dir = scratch("page-end");
    let out = dir.join("leads.ndjson");
    let input: Value = serde_json::from_str(READ_INPUT).expect("json");
    let first_job = fake
        .seed_bulk_job("read", &json!({"query": {"module": {"api_name": "Leads"}, "page": 1}}))
        .expect("job");
    let written: String = ids[..5].iter().map(|id| format!("{{\"id\":\"{id}\"}}\n")).collect();
    std::fs::write(dir.join("leads.ndjson.part"), &written).expect("part");
    let checkpoint = json!({
        "version": 1, "input": input, "format": "ndjson", "page": 1, "pageToken": null,
        "jobId": first_job, "offset": null, "fileDone": true, "columns": null,
        "records": 5, "bytes": written.len(), "jobs": [],
    });
    std::fs::write(dir.join("leads.ndjson.part.json"), checkpoint.to_string()).expect("checkpoint");
    let run = read_ndjson_to(&fake, &out, &["--resume"]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(ndjson_ids(&out), ids, "page 1 is not read again");
    assert_eq!(result_downloads(&fake), 1, "only page 2's file was downloaded");
}

#[tokio::test]
async fn a_resume_with_another_format_is_refused_and_keeps_the_checkpoint() {
    let (fake, _) = fake_with_leads(20);
    let dir = scratch("mismatch");
    let out = dir.join("leads.ndjson");
    fake.fail_bulk_downloads(0, 4);
    let first = read_ndjson_to(&fake, &out, &[]).await;
    assert_eq!(first.code, 1, "{}\n{}", first.stdout, first.stderr);
    let csv = bulk(
        &fake,
        &[
            "bulk-read",
            "--input",
            READ_INPUT,
            "--output",
            out.to_str().expect("utf-8"),
            "--resume",
        ],
    )
    .await;
    assert_eq!(csv.code, 2, "{}\n{}", csv.stdout, csv.stderr);
    assert!(csv.stderr.contains("another export"), "{}", csv.stderr);
    assert!(dir.join("leads.ndjson.part.json").exists(), "the checkpoint is kept");
    let resumed = read_ndjson_to(&fake, &out, &["--resume"]).await;
    assert_eq!(resumed.code, 0, "{}\n{}", resumed.stdout, resumed.stderr);
    assert_eq!(resumed.json()["records"], 20);
}

#[tokio::test]
async fn criteria_that_match_nothing_give_an_empty_file_without_a_download() {
    let (fake, _) = fake_with_leads(5);
    let dir = scratch("empty");
    let out = dir.join("none.csv");
    let input =
        r#"{"recordType":"Leads","criteria":{"field":{"api_name":"Last_Name"},"comparator":"equal","value":"Nobody"}}"#;
    let run = bulk(
        &fake,
        &["bulk-read", "--input", input, "--output", out.to_str().expect("utf-8")],
    )
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["records"], 0);
    assert_eq!(std::fs::read(&out).expect("output").len(), 0);
    assert_eq!(result_downloads(&fake), 0);
}

#[tokio::test]
async fn a_failed_job_exits_1_naming_the_job_and_writes_no_output() {
    let (fake, _) = fake_with_leads(5);
    fake.fail_next_bulk_read("the export could not be prepared");
    let dir = scratch("failed");
    let out = dir.join("leads.csv");
    let run = read_to(&fake, &out).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let error = run.json();
    assert_eq!(kind(&error), "job-failed");
    assert_eq!(error["error"]["state"], "FAILURE");
    let job = error["error"]["jobId"].as_str().expect("job id");
    assert!(error["error"]["message"].as_str().expect("message").contains(job));
    assert!(!out.exists());
}

#[tokio::test]
async fn a_429_on_download_is_waited_out() {
    let (fake, ids) = fake_with_leads(12);
    fake.set_bulk_page_size(3);
    // Two downloads per two seconds: the third page's download is refused at first.
    fake.set_bulk_download_limit(2, Duration::from_secs(2));
    let dir = scratch("limit");
    let out = dir.join("leads.csv");
    let run = read_to(&fake, &out).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("429"), "the wait shows in the log: {}", run.stderr);
    let got: Vec<String> = csv_rows(&out).iter().map(|r| r[0].to_owned()).collect();
    assert_eq!(got, ids);
    assert!(result_downloads(&fake) > 4, "refused downloads were tried again");
}

#[tokio::test]
async fn the_result_action_reads_chunks_by_offset_and_refuses_another_jobs_offset() {
    let world = World::new();
    world.fake.set_bulk_step(Duration::ZERO);
    let records: Vec<Value> = (0..200).map(|i| json!({"Last_Name": format!("Chunk {i}")})).collect();
    let ids = world.fake.seed("Leads", &records);
    let started = world
        .invoke(
            "crmBulkReadStart",
            json!({"recordType": "Leads", "fields": ["Last_Name"]}),
        )
        .await
        .expect("started");
    let job = started["data"]["jobId"].as_str().expect("job").to_owned();
    assert_eq!(started["data"]["state"], "ADDED");
    let status = world
        .invoke("crmBulkReadStatus", json!({"jobId": job}))
        .await
        .expect("status");
    assert_eq!(status["data"]["state"], "COMPLETED");
    assert_eq!(status["data"]["count"], 200);
    assert_eq!(status["data"]["moreRecords"], false);

    let mut offset: Option<String> = None;
    let mut got = Vec::new();
    let mut calls = 0;
    loop {
        let mut input = json!({"jobId": job, "maxBytes": 1024});
        if let Some(offset) = &offset {
            input["offset"] = json!(offset);
        }
        let chunk = world.invoke("crmBulkReadResult", input).await.expect("chunk");
        calls += 1;
        assert_eq!(chunk["columns"], json!(["id", "Last_Name"]));
        for record in chunk["data"].as_array().expect("data") {
            assert!(record["id"].is_string(), "ids stay strings: {record}");
            got.push(record["id"].as_str().expect("id").to_owned());
        }
        offset = chunk["nextOffset"].as_str().map(str::to_owned);
        if chunk["done"] == true {
            assert!(offset.is_none());
            break;
        }
    }
    assert_eq!(got, ids);
    assert!(calls > 3, "1 KiB chunks: {calls} calls");

    let other = world
        .invoke("crmBulkReadStart", json!({"recordType": "Leads"}))
        .await
        .expect("another job");
    let first = world
        .invoke("crmBulkReadResult", json!({"jobId": job, "maxBytes": 1024}))
        .await
        .expect("chunk");
    let refused = world
        .invoke(
            "crmBulkReadResult",
            json!({"jobId": other["data"]["jobId"], "offset": first["nextOffset"]}),
        )
        .await
        .expect_err("another job's offset");
    assert_eq!(kind(&refused), "invalid-input");
    assert_eq!(refused["error"]["input"], "offset");
    let garbage = world
        .invoke("crmBulkReadResult", json!({"jobId": job, "offset": "not-a-position"}))
        .await
        .expect_err("garbage");
    assert_eq!(garbage["error"]["input"], "offset");
}

#[tokio::test]
async fn a_job_not_yet_completed_has_no_result_and_an_unknown_job_is_not_found() {
    let world = World::new();
    world.fake.set_bulk_step(Duration::from_secs(60));
    world.fake.seed("Leads", &[json!({"Last_Name": "Waiting"})]);
    let started = world
        .invoke("crmBulkReadStart", json!({"recordType": "Leads"}))
        .await
        .expect("started");
    let job = started["data"]["jobId"].clone();
    let status = world
        .invoke("crmBulkReadStatus", json!({"jobId": job}))
        .await
        .expect("status");
    assert_eq!(status["data"]["state"], "ADDED");
    let early = world
        .invoke("crmBulkReadResult", json!({"jobId": job, "maxRetries": 0}))
        .await
        .expect_err("not completed");
    assert_eq!(kind(&early), "api", "{early}");
    let unknown = world
        .invoke("crmBulkReadStatus", json!({"jobId": "4876876000999999999"}))
        .await
        .expect_err("unknown job");
    assert_eq!(kind(&unknown), "not-found", "{unknown}");
    let bad = world
        .invoke(
            "crmBulkReadStart",
            json!({"recordType": "Leads", "criteria": [{"field": "Email", "comparator": "equal"}], "callbackUrl": "not a url"}),
        )
        .await
        .expect_err("bad callback");
    assert_eq!(kind(&bad), "invalid-input");
}

#[tokio::test]
async fn bulk_write_reports_each_failing_row_with_its_row_number_and_errors() {
    let fake = zoho_contract_check::Checked::start();
    fake.set_bulk_step(Duration::from_millis(20));
    fake.seed(
        "Leads",
        &[json!({"Last_Name": "Existing", "Email": "taken@zylker.com"})],
    );
    let dir = scratch("write");
    let file = dir.join("leads.csv");
    let mut csv = String::from("Last_Name,Email,Company\r\n");
    for i in 0..30 {
        match i {
            4 => csv.push_str(",missing@zylker.com,Zylker\r\n"),
            9 => csv.push_str("Bad Email,not-an-email,Zylker\r\n"),
            17 => csv.push_str("Duplicate,taken@zylker.com,Zylker\r\n"),
            _ => csv.push_str(&format!("\"Row, {i}\",row{i}@zylker.com,Zylker\r\n")),
        }
    }
    std::fs::write(&file, csv).expect("write the CSV");
    let run = bulk(
        &fake,
        &[
            "bulk-write",
            "--input",
            r#"{"operation":"insert","recordType":"Leads"}"#,
            "--file",
            file.to_str().expect("utf-8"),
        ],
    )
    .await;
    assert_eq!(run.code, 1, "some rows failed: {}\n{}", run.stdout, run.stderr);
    let outcome = run.json();
    assert_eq!(outcome["rows"], 30);
    assert_eq!(outcome["added"], 27);
    assert_eq!(outcome["skipped"], 3);
    let failures = outcome["failures"].as_array().expect("failures");
    let rows: Vec<u64> = failures.iter().map(|f| f["row"].as_u64().expect("row")).collect();
    assert_eq!(rows, [5, 10, 18], "1-based data rows of the file");
    assert_eq!(failures[0]["errors"], "MANDATORY_NOT_FOUND-Last_Name");
    assert_eq!(failures[1]["errors"], "INVALID_DATA-Email");
    assert_eq!(failures[2]["errors"], "DUPLICATE_DATA-Email");
    assert_eq!(failures[1]["values"]["Email"], "not-an-email");
    let names: BTreeSet<String> = fake
        .records("Leads")
        .iter()
        .filter_map(|r| r["Last_Name"].as_str().map(str::to_owned))
        .collect();
    assert!(names.contains("Row, 0") && names.contains("Row, 29"));
    // The upload went to the file endpoint with the headers Zoho requires, zipped.
    let upload = fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/crm/v8/upload")
        .expect("an upload");
    assert_eq!(upload.header("feature"), Some("bulk-write"));
    assert_eq!(upload.header("x-crm-org"), Some("700000010"));
}

#[tokio::test]
async fn bulk_write_upserts_ndjson_by_a_unique_field() {
    let fake = zoho_contract_check::Checked::start();
    fake.set_bulk_step(Duration::from_millis(20));
    let existing = fake.seed("Leads", &[json!({"Last_Name": "Old", "Email": "keep@zylker.com"})]);
    let dir = scratch("upsert");
    let file = dir.join("leads.ndjson");
    std::fs::write(
        &file,
        "{\"Last_Name\":\"New\",\"Email\":\"keep@zylker.com\"}\n\n{\"Last_Name\":\"Fresh\",\"Email\":\"fresh@zylker.com\",\"Lead_Source\":null}\n",
    )
    .expect("write");
    let run = bulk(
        &fake,
        &[
            "bulk-write",
            "--input",
            r#"{"operation":"upsert","recordType":"Leads","findBy":"Email"}"#,
            "--file",
            file.to_str().expect("utf-8"),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let outcome = run.json();
    assert_eq!(outcome["updated"], 1);
    assert_eq!(outcome["added"], 1);
    assert_eq!(outcome["failures"], json!([]));
    let records = fake.records("Leads");
    let updated = records.iter().find(|r| r["id"] == existing[0].as_str()).expect("kept");
    assert_eq!(updated["Last_Name"], "New");
    assert!(records.iter().any(|r| r["Last_Name"] == "Fresh"));
}

#[tokio::test]
async fn the_write_actions_upload_records_start_and_report_counts() {
    let world = World::new();
    world.fake.set_bulk_step(Duration::ZERO);
    let uploaded = world
        .invoke(
            "crmBulkWriteUpload",
            json!({"fileName": "leads.csv", "records": [{"Last_Name": "Up", "Email": "up@zylker.com"}, {"Email": "no-name@zylker.com"}]}),
        )
        .await
        .expect("uploaded");
    let file_id = uploaded["data"]["fileId"].as_str().expect("file id").to_owned();
    let started = world
        .invoke(
            "crmBulkWriteStart",
            json!({"operation": "insert", "recordType": "Leads", "fileId": file_id}),
        )
        .await
        .expect("started");
    let job = started["data"]["jobId"].clone();
    let status = world
        .invoke("crmBulkWriteStatus", json!({"jobId": job}))
        .await
        .expect("status");
    assert_eq!(status["data"]["state"], "COMPLETED");
    assert_eq!(status["data"]["added"], 1);
    assert_eq!(status["data"]["skipped"], 1);
    assert_eq!(status["data"]["total"], 2);
    let result = world
        .invoke("crmBulkWriteResult", json!({"jobId": job}))
        .await
        .expect("result");
    let rows = result["data"].as_array().expect("rows");
    assert_eq!(rows[0]["STATUS"], "added");
    assert!(rows[0]["RECORD_ID"].is_string());
    assert_eq!(rows[1]["ERRORS"], "MANDATORY_NOT_FOUND-Last_Name");

    for (input, name) in [
        (json!({"fileName": "x.csv"}), "file"),
        (json!({"fileName": "x.csv", "file": "a", "records": [{"a": 1}]}), "file"),
        (json!({"fileName": "../x.csv", "file": "a,b\n1,2\n"}), "fileName"),
    ] {
        let error = world.invoke("crmBulkWriteUpload", input).await.expect_err("refused");
        assert_eq!(error["error"]["input"], name, "{error}");
    }
    let no_find_by = world
        .invoke(
            "crmBulkWriteStart",
            json!({"operation": "update", "recordType": "Leads", "fileId": file_id}),
        )
        .await
        .expect_err("update needs findBy");
    assert_eq!(no_find_by["error"]["input"], "findBy");
}
