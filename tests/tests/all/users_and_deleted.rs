//! The org's users (`crmListUsers`, `crmGetUser`) and deleted records (`crmListDeletedRecords`),
//! through `invoke` and the CLI.

use serde_json::json;

use crate::support::{World, cli_against, data_ids, kind};

#[tokio::test]
async fn users_are_listed_by_type_and_paged() {
    let world = World::new();
    let all = world.invoke("crmListUsers", json!({})).await.expect("all users");
    assert_eq!(data_ids(&all).len(), 4);
    assert_eq!(all["info"]["moreRecords"], false);
    let active = world
        .invoke("crmListUsers", json!({"type": "ActiveUsers"}))
        .await
        .expect("active");
    assert!(
        active["data"]
            .as_array()
            .expect("data")
            .iter()
            .all(|u| u["status"] == "active")
    );
    assert_eq!(data_ids(&active).len(), 3);
    let request = world.fake.requests().last().cloned().expect("a request");
    assert_eq!(
        request.raw_query.as_deref(),
        Some("type=ActiveUsers&page=1&per_page=200")
    );

    // One per page, every page: the same users in the same order.
    let paged = world
        .invoke("crmListUsers", json!({"perPage": 1, "fetchAll": true}))
        .await
        .expect("paged");
    assert_eq!(data_ids(&paged), data_ids(&all));
    // And continued by cursor from a cap inside the list.
    let first = world
        .invoke("crmListUsers", json!({"perPage": 1, "fetchAll": true, "maxRecords": 3}))
        .await
        .expect("first three");
    let rest = world
        .invoke(
            "crmListUsers",
            json!({"fetchAll": true, "cursor": first["info"]["cursor"]}),
        )
        .await
        .expect("the rest");
    assert_eq!([data_ids(&first), data_ids(&rest)].concat(), data_ids(&all));
}

#[tokio::test]
async fn the_current_user_is_one_user_and_can_be_fetched_by_id() {
    let world = World::new();
    let current = world
        .invoke("crmListUsers", json!({"type": "CurrentUser"}))
        .await
        .expect("current user");
    let id = data_ids(&current).remove(0);
    let user = world
        .invoke("crmGetUser", json!({"userId": id}))
        .await
        .expect("the user");
    assert_eq!(user["data"]["full_name"], "Patricia Boyle");
    assert_eq!(user["data"]["profile"]["name"], "Administrator");
}

#[tokio::test]
async fn bad_user_inputs_are_typed_errors_and_unknown_users_not_found() {
    let world = World::new();
    let error = world
        .invoke("crmListUsers", json!({"type": "Everyone"}))
        .await
        .expect_err("unknown type");
    assert_eq!(kind(&error), "invalid-input");
    assert_eq!(error["error"]["input"], "type");
    let error = world
        .invoke("crmGetUser", json!({"userId": "12a"}))
        .await
        .expect_err("not digits");
    assert_eq!(kind(&error), "invalid-input");
    assert!(world.fake.requests().is_empty(), "nothing was sent");
    let error = world
        .invoke("crmGetUser", json!({"userId": "4876876000000999999"}))
        .await
        .expect_err("no such user");
    assert_eq!(kind(&error), "not-found");
}

#[tokio::test]
async fn deleted_records_are_listed_by_type_with_who_and_when() {
    let world = World::new();
    let seeded = world.fake.seed(
        "Leads",
        &[
            json!({"Last_Name": "Kept"}),
            json!({"Last_Name": "Gone"}),
            json!({"Last_Name": "Also gone"}),
        ],
    );
    for id in &seeded[1..] {
        world
            .invoke("crmRemoveRecord", json!({"recordType": "Leads", "recordId": id}))
            .await
            .expect("deleted");
    }
    let deleted = world
        .invoke("crmListDeletedRecords", json!({"recordType": "Leads"}))
        .await
        .expect("listed");
    let mut listed = data_ids(&deleted);
    listed.sort();
    assert_eq!(listed, seeded[1..]);
    let entry = &deleted["data"][0];
    assert!(
        entry["deleted_time"].is_string() && entry["deleted_by"]["id"].is_string(),
        "{entry}"
    );
    let request = world.fake.requests().last().cloned().expect("a request");
    assert_eq!(request.raw_query.as_deref(), Some("type=all&page=1&per_page=200"));

    let recycle = world
        .invoke(
            "crmListDeletedRecords",
            json!({"recordType": "Leads", "type": "recycle"}),
        )
        .await
        .expect("recycle bin");
    assert_eq!(data_ids(&recycle).len(), 2);
    let permanent = world
        .invoke(
            "crmListDeletedRecords",
            json!({"recordType": "Leads", "type": "permanent"}),
        )
        .await
        .expect("none permanent");
    assert!(permanent["data"].as_array().expect("data").is_empty());
    assert_eq!(permanent["info"]["moreRecords"], false);

    // One per page with fetchAll walks the pages by number.
    let paged = world
        .invoke(
            "crmListDeletedRecords",
            json!({"recordType": "Leads", "perPage": 1, "fetchAll": true}),
        )
        .await
        .expect("paged");
    assert_eq!(data_ids(&paged), data_ids(&deleted));
}

#[tokio::test]
async fn deleted_records_inputs_are_checked_and_a_later_date_lists_nothing() {
    let world = World::new();
    let id = world.fake.seed("Leads", &[json!({"Last_Name": "Gone"})]).remove(0);
    world
        .invoke("crmRemoveRecord", json!({"recordType": "Leads", "recordId": id}))
        .await
        .expect("deleted");
    let error = world
        .invoke(
            "crmListDeletedRecords",
            json!({"recordType": "Leads", "type": "shredded"}),
        )
        .await
        .expect_err("unknown type");
    assert_eq!(
        (kind(&error), error["error"]["input"].as_str()),
        ("invalid-input", Some("type"))
    );
    let error = world
        .invoke("crmListDeletedRecords", json!({"recordType": "Nope"}))
        .await
        .expect_err("unknown module");
    assert_ne!(
        kind(&error),
        "invalid-input",
        "Zoho decides which modules exist: {error}"
    );
    let later = world
        .invoke(
            "crmListDeletedRecords",
            json!({"recordType": "Leads", "ifModifiedSince": "2099-01-01T00:00:00+00:00"}),
        )
        .await
        .expect("nothing deleted since");
    assert!(later["data"].as_array().expect("data").is_empty());
}

#[tokio::test]
async fn the_cli_runs_the_user_and_deleted_record_actions() {
    let world = World::new();
    let run = cli_against(
        &world.fake,
        &["invoke", "crmListUsers", "--input", r#"{"type":"CurrentUser"}"#],
    )
    .await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert_eq!(run.json()["data"][0]["full_name"], "Patricia Boyle");
    let run = cli_against(
        &world.fake,
        &[
            "invoke",
            "crmListDeletedRecords",
            "--input",
            r#"{"recordType":"Leads"}"#,
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert_eq!(run.json()["data"], json!([]));
}
