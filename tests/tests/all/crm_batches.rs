//! CRM at scale: every page past the 2,000 boundary, the resume cursor, If-Modified-Since,
//! batches of more than 100 records, and upsert.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::support::{World, kind};

fn seed_leads(world: &World, count: usize) -> Vec<String> {
    let records: Vec<Value> = (0..count)
        .map(|i| json!({"Last_Name": format!("Lead {i:05}")}))
        .collect();
    world.fake.seed("Leads", &records)
}

fn ids_of(output: &Value) -> Vec<String> {
    output["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn fetch_all_reads_12345_records_across_the_2000_boundary_with_none_lost_or_repeated() {
    let world = World::new();
    let seeded = seed_leads(&world, 12_345);
    let output = world
        .invoke("crmGetRecords", json!({"recordType": "Leads", "fields": "Last_Name", "fetchAll": true, "maxRecords": 20_000, "sortOrder": "asc", "sortBy": "id"}))
        .await
        .expect("listed");
    let ids = ids_of(&output);
    assert_eq!(ids.len(), 12_345);
    assert_eq!(ids, seeded, "every record once, in order");
    assert_eq!(output["info"]["moreRecords"], false);
    assert!(output["info"]["cursor"].is_null());
    let requests = world.fake.requests();
    assert_eq!(requests.len(), 62, "pages of 200");
    assert_eq!(requests[0].query_param("page"), Some("1"));
    assert!(
        requests[1..]
            .iter()
            .all(|r| r.query_param("page_token").is_some() && r.query_param("page").is_none()),
        "page tokens after the first page"
    );
}

#[tokio::test]
async fn fetch_all_is_capped_at_10000_by_default_and_the_cursor_resumes() {
    let world = World::new();
    let seeded = seed_leads(&world, 10_450);
    let first = world
        .invoke(
            "crmGetRecords",
            json!({"recordType": "Leads", "fields": "Last_Name", "fetchAll": true, "sortOrder": "asc"}),
        )
        .await
        .expect("listed");
    assert_eq!(ids_of(&first).len(), 10_000);
    assert_eq!(first["info"]["moreRecords"], true);
    let cursor = first["info"]["cursor"].as_str().expect("cursor").to_owned();
    let rest = world.invoke("crmGetRecords", json!({"recordType": "Leads", "fields": "Last_Name", "fetchAll": true, "sortOrder": "asc", "cursor": cursor})).await.expect("rest");
    let all: Vec<String> = ids_of(&first).into_iter().chain(ids_of(&rest)).collect();
    assert_eq!(all, seeded);
}

#[tokio::test]
async fn a_cap_inside_a_page_resumes_right_after_the_last_record() {
    let world = World::new();
    let seeded = seed_leads(&world, 1_000);
    let mut collected = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let mut input = json!({"recordType": "Leads", "fields": "Last_Name", "fetchAll": true, "maxRecords": 333, "sortOrder": "asc"});
        if let Some(cursor) = &cursor {
            input["cursor"] = json!(cursor);
        }
        let output = world.invoke("crmGetRecords", input).await.expect("listed");
        collected.extend(ids_of(&output));
        cursor = output["info"]["cursor"].as_str().map(str::to_owned);
        if output["info"]["moreRecords"] == false {
            break;
        }
    }
    assert_eq!(collected, seeded);
    assert_eq!(collected.iter().collect::<BTreeSet<_>>().len(), 1_000);
}

#[tokio::test]
async fn a_damaged_cursor_is_refused_without_a_request() {
    let world = World::new();
    let error = world
        .invoke(
            "crmGetRecords",
            json!({"recordType": "Leads", "fields": "Last_Name", "cursor": "page=3"}),
        )
        .await
        .expect_err("refused");
    assert_eq!(
        (kind(&error), error["error"]["input"].as_str()),
        ("invalid-input", Some("cursor"))
    );
    assert!(world.fake.requests().is_empty());
}

#[tokio::test]
async fn if_modified_since_sends_the_header_and_nothing_modified_is_empty_not_an_error() {
    let world = World::new();
    let id = seed_leads(&world, 3).remove(0);
    let future = "2099-01-01T00:00:00+00:00";
    let output = world
        .invoke(
            "crmGetRecords",
            json!({"recordType": "Leads", "fields": "Last_Name", "ifModifiedSince": future}),
        )
        .await
        .expect("empty");
    assert_eq!(
        (output["data"].clone(), output["info"]["moreRecords"].clone()),
        (json!([]), json!(false))
    );
    assert_eq!(world.fake.requests()[0].header("if-modified-since"), Some(future));

    let output = world
        .invoke(
            "crmGetRecord",
            json!({"recordType": "Leads", "recordId": id, "ifModifiedSince": future}),
        )
        .await
        .expect("not modified");
    assert_eq!(output["data"], Value::Null);

    let past = "2001-01-01T00:00:00+05:30";
    let output = world
        .invoke(
            "crmGetRecords",
            json!({"recordType": "Leads", "fields": "Last_Name", "ifModifiedSince": past}),
        )
        .await
        .expect("all");
    assert_eq!(ids_of(&output).len(), 3);

    let error = world
        .invoke(
            "crmGetRecords",
            json!({"recordType": "Leads", "fields": "Last_Name", "ifModifiedSince": "yesterday"}),
        )
        .await
        .expect_err("refused");
    assert_eq!(error["error"]["input"], "ifModifiedSince");
}

#[tokio::test]
async fn creating_250_records_sends_three_batches_and_returns_results_in_input_order() {
    let world = World::new();
    let values: Vec<Value> = (0..250).map(|i| json!({"Last_Name": format!("Bulk {i}")})).collect();
    let output = world
        .invoke("crmCreateRecord", json!({"recordType": "Leads", "values": values}))
        .await
        .expect("created");
    let results = output["data"].as_array().expect("results");
    assert_eq!(results.len(), 250);
    assert!(
        results
            .iter()
            .enumerate()
            .all(|(i, r)| r["index"] == json!(i) && r["status"] == "success")
    );
    let sizes: Vec<usize> = world
        .fake
        .requests()
        .iter()
        .map(|r| r.json()["data"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(sizes, [100, 100, 50]);
    let stored: Vec<String> = world
        .fake
        .records("Leads")
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        results
            .iter()
            .filter_map(|r| r["id"].as_str().map(str::to_owned))
            .collect::<Vec<_>>(),
        stored
    );
}

#[tokio::test]
async fn updating_150_records_by_array_reports_each_and_a_failure_is_partial() {
    let world = World::new();
    let ids = seed_leads(&world, 150);
    let mut values: Vec<Value> = ids.iter().map(|id| json!({"id": id, "Company": "Zylker"})).collect();
    values[120]["id"] = json!("4876876000009999999");
    let error = world
        .invoke("crmUpdateRecord", json!({"recordType": "Leads", "values": values}))
        .await
        .expect_err("one unknown id");
    assert_eq!(kind(&error), "partial-failure");
    let results = error["error"]["results"].as_array().expect("results");
    assert_eq!(results.len(), 150);
    assert_eq!(
        (results[120]["status"].as_str(), results[120]["code"].as_str()),
        (Some("error"), Some("INVALID_DATA"))
    );
    assert_eq!(results.iter().filter(|r| r["status"] == "success").count(), 149);
    let requests = world.fake.requests();
    assert_eq!(
        (requests.len(), requests[0].method.as_str(), requests[0].path.as_str()),
        (2, "PUT", "/crm/v8/Leads")
    );
    assert_eq!(
        world
            .fake
            .records("Leads")
            .iter()
            .filter(|r| r["Company"] == "Zylker")
            .count(),
        149
    );
}

#[tokio::test]
async fn records_to_update_by_array_must_carry_valid_ids() {
    let world = World::new();
    let error = world
        .invoke(
            "crmUpdateRecord",
            json!({"recordType": "Leads", "values": [{"id": "1", "Company": "A"}, {"Company": "B"}]}),
        )
        .await
        .expect_err("refused");
    assert_eq!(error["error"]["input"], "values[1].id");
    let error = world
        .invoke(
            "crmUpdateRecord",
            json!({"recordType": "Leads", "recordId": "1", "values": [{"id": "1"}]}),
        )
        .await
        .expect_err("refused");
    assert_eq!(error["error"]["input"], "recordId");
    let error = world
        .invoke(
            "crmUpdateRecord",
            json!({"recordType": "Leads", "values": {"Company": "A"}}),
        )
        .await
        .expect_err("refused");
    assert_eq!(error["error"]["input"], "recordId");
    assert!(world.fake.requests().is_empty());
}

#[tokio::test]
async fn removing_150_records_deletes_in_batches_with_a_result_per_id() {
    let world = World::new();
    let ids = seed_leads(&world, 150);
    let output = world
        .invoke("crmRemoveRecords", json!({"recordType": "Leads", "recordIds": ids}))
        .await
        .expect("deleted");
    assert_eq!(output["data"].as_array().map(Vec::len), Some(150));
    assert!(world.fake.records("Leads").is_empty());
    let requests = world.fake.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].query_param("ids").map(|ids| ids.split(',').count()),
        Some(100)
    );

    let error = world
        .invoke(
            "crmRemoveRecords",
            json!({"recordType": "Leads", "recordIds": ["4876876000009999999"]}),
        )
        .await
        .expect_err("unknown");
    assert_eq!(kind(&error), "not-found");
    let error = world
        .invoke("crmRemoveRecords", json!({"recordType": "Leads", "recordIds": "1,2/3"}))
        .await
        .expect_err("refused");
    assert_eq!(error["error"]["input"], "recordIds[1]");
}

#[tokio::test]
async fn upsert_updates_matches_and_inserts_the_rest_reporting_which() {
    let world = World::new();
    world.fake.seed(
        "Leads",
        &[json!({"Last_Name": "Boyle", "Email": "p.boyle@zylker.example", "Company": "Old"})],
    );
    let output = world
        .invoke(
            "crmUpsertRecords",
            json!({"recordType": "Leads", "records": [
                {"Last_Name": "Boyle", "Email": "p.boyle@zylker.example", "Company": "New"},
                {"Last_Name": "Mehta", "Email": "arjun@mapleview.example"}
            ]}),
        )
        .await
        .expect("upserted");
    let actions: Vec<&str> = output["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    assert_eq!(actions, ["update", "insert"]);
    let stored = world.fake.records("Leads");
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0]["Company"], "New");
    assert_eq!(world.fake.requests()[0].path, "/crm/v8/Leads/upsert");

    world
        .invoke("crmUpsertRecords", json!({"recordType": "Leads", "records": {"Last_Name": "Mehta", "Company": "Mapleview"}, "duplicateCheckFields": ["Last_Name"]}))
        .await
        .expect("upserted");
    assert_eq!(
        world.fake.requests()[1].json()["duplicate_check_fields"],
        json!(["Last_Name"])
    );
    assert_eq!(
        world.fake.records("Leads").len(),
        2,
        "matched on Last_Name, not duplicated"
    );
}
