//! Tags: `crmListTags`, `crmAddTags`, `crmRemoveTags`, batched 100 records per request, with
//! Zoho's limits reported record by record.

use serde_json::{Value, json};

use crate::support::{World, cli_against, kind};

fn tags_of(world: &World, id: &str) -> Vec<String> {
    let records = world.fake.records("Leads");
    let record = records.iter().find(|r| r["id"] == id).expect("record");
    record["Tag"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .map(|t| t["name"].as_str().expect("name").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn leads(world: &World, count: usize) -> Vec<String> {
    let records: Vec<Value> = (0..count).map(|i| json!({"Last_Name": format!("Lead {i}")})).collect();
    world.fake.seed("Leads", &records)
}

#[tokio::test]
async fn tags_are_added_overwritten_removed_and_listed() {
    let world = World::new();
    let ids = leads(&world, 2);
    let added = world
        .invoke(
            "crmAddTags",
            json!({"recordType": "Leads", "recordIds": ids, "tags": ["Hot", "Webinar"]}),
        )
        .await
        .expect("tagged");
    assert_eq!(added["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(tags_of(&world, &ids[0]), ["Hot", "Webinar"]);

    let listed = world
        .invoke("crmListTags", json!({"recordType": "Leads"}))
        .await
        .expect("listed");
    let names: Vec<&str> = listed["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["Hot", "Webinar"]);

    world
        .invoke(
            "crmAddTags",
            json!({"recordType": "Leads", "recordIds": ids[0], "tags": "Cold", "overWrite": true}),
        )
        .await
        .expect("overwritten");
    assert_eq!(tags_of(&world, &ids[0]), ["Cold"]);
    let request = world.fake.requests().last().cloned().expect("a request");
    assert_eq!(request.raw_query.as_deref(), Some("over_write=true"));
    assert_eq!(
        request.json()["over_write"],
        true,
        "the body carries it as the v8 OAS requires"
    );

    world
        .invoke(
            "crmRemoveTags",
            json!({"recordType": "Leads", "recordIds": ids, "tags": ["Webinar"]}),
        )
        .await
        .expect("removed");
    assert_eq!(tags_of(&world, &ids[1]), ["Hot"]);
}

#[tokio::test]
async fn more_than_100_records_are_sent_in_batches() {
    let world = World::new();
    let ids = leads(&world, 150);
    let added = world
        .invoke(
            "crmAddTags",
            json!({"recordType": "Leads", "recordIds": ids, "tags": ["Imported"]}),
        )
        .await
        .expect("tagged");
    assert_eq!(added["data"].as_array().map(Vec::len), Some(150));
    let sent: Vec<usize> = world
        .fake
        .requests()
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).expect("json");
            body["ids"].as_array().map_or(0, Vec::len)
        })
        .collect();
    assert_eq!(sent, [100, 50]);
    assert!(ids.iter().all(|id| tags_of(&world, id) == ["Imported"]));
}

#[tokio::test]
async fn a_tag_over_zohos_limits_is_reported_and_nothing_else_is_lost() {
    let world = World::new();
    let ids = leads(&world, 2);
    let ten: Vec<String> = (0..10).map(|i| format!("T{i}")).collect();
    world
        .invoke(
            "crmAddTags",
            json!({"recordType": "Leads", "recordIds": ids[0], "tags": ten}),
        )
        .await
        .expect("ten tags fit");
    // An eleventh tag on the first record is over the limit; the second record takes it.
    let error = world
        .invoke(
            "crmAddTags",
            json!({"recordType": "Leads", "recordIds": ids, "tags": ["Eleventh"]}),
        )
        .await
        .expect_err("one record over the limit");
    assert_eq!(kind(&error), "partial-failure", "{error}");
    let results = error["error"]["results"].as_array().expect("results");
    assert_eq!(results[0]["code"], "LIMIT_EXCEEDED");
    assert_eq!(results[1]["status"], "success");
    assert_eq!(tags_of(&world, &ids[0]).len(), 10);
    assert_eq!(tags_of(&world, &ids[1]), ["Eleventh"]);

    // A name longer than Zoho allows is refused whole.
    let error = world
        .invoke(
            "crmAddTags",
            json!({"recordType": "Leads", "recordIds": ids[1], "tags": ["A tag name far too long for Zoho"]}),
        )
        .await
        .expect_err("too long");
    assert_eq!(error["error"]["code"], "INVALID_DATA", "{error}");

    world.fake.clear_requests();
    let error = world
        .invoke(
            "crmAddTags",
            json!({"recordType": "Leads", "recordIds": [], "tags": ["Hot"]}),
        )
        .await
        .expect_err("no records");
    assert_eq!(kind(&error), "invalid-input");
    assert!(world.fake.requests().is_empty());
}

#[tokio::test]
async fn tags_are_added_through_the_cli() {
    let world = World::new();
    let ids = leads(&world, 1);
    let input = json!({"recordType": "Leads", "recordIds": ids, "tags": "VIP"}).to_string();
    let run = cli_against(&world.fake, &["invoke", "crmAddTags", "--input", &input]).await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert_eq!(tags_of(&world, &ids[0]), ["VIP"]);
}
