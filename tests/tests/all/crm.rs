//! CRM record actions through `actions.invoke`: results, Zoho's errors, and the exact request
//! the fake received.

use crate::support::{World, kind};
use serde_json::{Value, json};

fn seed_lead(world: &World, last_name: &str) -> String {
    world
        .fake
        .seed(
            "Leads",
            &[json!({"Last_Name": last_name, "Email": format!("{}@zylker.example", last_name.to_lowercase())})],
        )
        .remove(0)
}

#[tokio::test]
async fn create_record_posts_zoho_envelope_and_returns_the_new_id() {
    let world = World::new();
    let output = world
        .invoke(
            "crmCreateRecord",
            json!({"recordType": "Leads", "values": {"Last_Name": "Boyle", "Company": "Zylker"}}),
        )
        .await
        .expect("created");
    let id = output["data"][0]["id"].as_str().expect("id is a string").to_owned();
    assert_eq!(output["data"][0]["status"], "success");
    assert_eq!(output["data"][0]["message"], "record added");

    let requests = world.fake.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        (
            request.method.as_str(),
            request.path.as_str(),
            request.raw_query.as_deref()
        ),
        ("POST", "/crm/v8/Leads", None)
    );
    assert_eq!(
        request.header("authorization"),
        Some(format!("Zoho-oauthtoken {}", world.fake.access_token()).as_str())
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.json(),
        json!({"data": [{"Last_Name": "Boyle", "Company": "Zylker"}]})
    );

    let stored = world.fake.records("Leads");
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0]["id"].as_str(), stored[0]["Company"].as_str()),
        (Some(id.as_str()), Some("Zylker"))
    );
}

#[tokio::test]
async fn trigger_is_passed_through_and_an_empty_list_is_kept() {
    let world = World::new();
    world
        .invoke(
            "crmCreateRecord",
            json!({"recordType": "Leads", "values": {"Last_Name": "A"}, "trigger": ["workflow", "approval"]}),
        )
        .await
        .expect("created");
    world
        .invoke(
            "crmCreateRecord",
            json!({"recordType": "Leads", "values": {"Last_Name": "B"}, "trigger": []}),
        )
        .await
        .expect("created");
    let bodies: Vec<Value> = world.fake.requests().iter().map(|r| r.json()).collect();
    assert_eq!(bodies[0]["trigger"], json!(["workflow", "approval"]));
    assert_eq!(bodies[1]["trigger"], json!([]));
}

#[tokio::test]
async fn a_per_record_error_inside_a_2xx_is_a_partial_failure_with_every_result() {
    let world = World::new();
    let error = world
        .invoke(
            "crmCreateRecord",
            json!({"recordType": "Leads", "values": [
                {"Last_Name": "Good", "Email": "good@zylker.example"},
                {"Last_Name": "Bad", "Email": "not-an-email"},
                {"Company": "No last name"}
            ]}),
        )
        .await
        .expect_err("one record is invalid");
    assert_eq!(kind(&error), "partial-failure");
    let results = error["error"]["results"].as_array().expect("results");
    assert_eq!(results.len(), 3);
    assert_eq!(
        (results[0]["status"].as_str(), results[0]["id"].is_string()),
        (Some("success"), true)
    );
    assert_eq!(
        (results[1]["code"].as_str(), results[1]["details"]["api_name"].as_str()),
        (Some("INVALID_DATA"), Some("Email"))
    );
    assert_eq!(
        (results[2]["code"].as_str(), results[2]["index"].as_u64()),
        (Some("MANDATORY_NOT_FOUND"), Some(2))
    );
    // The fake answered 207 (a 2xx): the component still reported the failures.
    assert_eq!(world.fake.records("Leads").len(), 1);
}

#[tokio::test]
async fn a_single_rejected_record_is_an_api_error_with_zoho_code_and_details() {
    let world = World::new();
    let error = world
        .invoke(
            "crmCreateRecord",
            json!({"recordType": "Leads", "values": {"Company": "Zylker"}}),
        )
        .await
        .expect_err("rejected");
    assert_eq!(kind(&error), "api");
    assert_eq!(error["error"]["code"], "MANDATORY_NOT_FOUND");
    assert_eq!(error["error"]["details"]["api_name"], "Last_Name");
    assert!(world.fake.records("Leads").is_empty());
}

#[tokio::test]
async fn get_record_returns_the_record_with_the_requested_fields() {
    let world = World::new();
    let id = seed_lead(&world, "Boyle");
    let output = world
        .invoke(
            "crmGetRecord",
            json!({"recordType": "Leads", "recordId": id, "fields": "Last_Name,Email"}),
        )
        .await
        .expect("found");
    assert_eq!(
        output["data"],
        json!({"id": id, "Last_Name": "Boyle", "Email": "boyle@zylker.example"})
    );
    let request = &world.fake.requests()[0];
    assert_eq!(
        (request.method.as_str(), request.path.clone()),
        ("GET", format!("/crm/v8/Leads/{id}"))
    );
    assert_eq!(request.query_param("fields"), Some("Last_Name,Email"));
}

#[tokio::test]
async fn get_record_of_an_unknown_id_is_not_found() {
    let world = World::new();
    let error = world
        .invoke(
            "crmGetRecord",
            json!({"recordType": "Leads", "recordId": "4876876000009999999"}),
        )
        .await
        .expect_err("missing");
    assert_eq!(kind(&error), "not-found");
    assert_eq!(error["error"]["code"], "INVALID_DATA");
}

#[tokio::test]
async fn get_records_sends_every_paging_and_sorting_input() {
    let world = World::new();
    for name in ["A", "B", "C"] {
        seed_lead(&world, name);
    }
    let output = world
        .invoke(
            "crmGetRecords",
            json!({"recordType": "Leads", "fields": ["Last_Name"], "page": 1, "perPage": 2, "sortBy": "id", "sortOrder": "asc"}),
        )
        .await
        .expect("listed");
    let names: Vec<&str> = output["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|r| r["Last_Name"].as_str())
        .collect();
    assert_eq!(names, ["A", "B"]);
    assert_eq!(output["info"]["moreRecords"], true);
    assert_eq!(output["info"]["perPage"], 2);
    let request = &world.fake.requests()[0];
    assert_eq!(
        request.raw_query.as_deref(),
        Some("fields=Last_Name&page=1&per_page=2&sort_by=id&sort_order=asc")
    );

    // Continue with Zoho's page token: the rest, no overlap.
    let token = output["info"]["nextPageToken"].as_str().expect("token").to_owned();
    let rest = world
        .invoke(
            "crmGetRecords",
            json!({"recordType": "Leads", "fields": "Last_Name", "perPage": 2, "pageToken": token}),
        )
        .await
        .expect("next page");
    assert_eq!(rest["data"][0]["Last_Name"], "C");
    assert_eq!(rest["info"]["moreRecords"], false);
}

#[tokio::test]
async fn an_empty_module_is_an_empty_page_not_an_error() {
    let world = World::new();
    let output = world
        .invoke("crmGetRecords", json!({"recordType": "Deals", "fields": "Deal_Name"}))
        .await
        .expect("empty page");
    assert_eq!(output["data"], json!([]));
    assert_eq!(output["info"]["count"], 0);
    assert_eq!(output["info"]["moreRecords"], false);
}

#[tokio::test]
async fn ids_larger_than_2_pow_53_stay_exact_strings() {
    let world = World::new();
    let id = seed_lead(&world, "Exact");
    assert!(id.parse::<u64>().expect("digits") > (1_u64 << 53));
    let output = world
        .invoke("crmGetRecords", json!({"recordType": "Leads", "fields": "Last_Name"}))
        .await
        .expect("listed");
    assert_eq!(output["data"][0]["id"], json!(id));
}

#[tokio::test]
async fn update_record_puts_the_values_and_zoho_applies_them() {
    let world = World::new();
    let id = seed_lead(&world, "Boyle");
    let output = world
        .invoke("crmUpdateRecord", json!({"recordType": "Leads", "recordId": id, "values": {"Company": "Zylker", "Phone": "+1 555 0100"}, "trigger": ["workflow"]}))
        .await
        .expect("updated");
    assert_eq!(
        (output["data"]["status"].as_str(), output["data"]["id"].as_str()),
        (Some("success"), Some(id.as_str()))
    );
    let request = &world.fake.requests()[0];
    assert_eq!(
        (request.method.as_str(), request.path.clone()),
        ("PUT", format!("/crm/v8/Leads/{id}"))
    );
    assert_eq!(
        request.json(),
        json!({"data": [{"Company": "Zylker", "Phone": "+1 555 0100"}], "trigger": ["workflow"]})
    );
    assert_eq!(world.fake.records("Leads")[0]["Company"], "Zylker");
}

#[tokio::test]
async fn update_of_an_unknown_id_is_not_found_and_changes_nothing() {
    let world = World::new();
    seed_lead(&world, "Boyle");
    let error = world
        .invoke(
            "crmUpdateRecord",
            json!({"recordType": "Leads", "recordId": "4876876000009999999", "values": {"Company": "X"}}),
        )
        .await
        .expect_err("missing");
    assert_eq!(kind(&error), "not-found");
    assert!(world.fake.records("Leads")[0].get("Company").is_none());
}

#[tokio::test]
async fn remove_record_deletes_it() {
    let world = World::new();
    let id = seed_lead(&world, "Boyle");
    let output = world
        .invoke("crmRemoveRecord", json!({"recordType": "Leads", "recordId": id}))
        .await
        .expect("deleted");
    assert_eq!(output["data"]["message"], "record deleted");
    let request = &world.fake.requests()[0];
    assert_eq!(
        (request.method.as_str(), request.path.clone(), request.body.is_empty()),
        ("DELETE", format!("/crm/v8/Leads/{id}"), true)
    );
    assert!(world.fake.records("Leads").is_empty());
}

#[tokio::test]
async fn custom_modules_work_like_standard_ones() {
    let world = World::new();
    world.fake.add_module("Projects__c", "Name");
    let created = world
        .invoke(
            "crmCreateRecord",
            json!({"recordType": "Projects__c", "values": {"Name": "Rollout"}}),
        )
        .await
        .expect("created");
    let id = created["data"][0]["id"].as_str().expect("id").to_owned();
    let fetched = world
        .invoke("crmGetRecord", json!({"recordType": "Projects__c", "recordId": id}))
        .await
        .expect("found");
    assert_eq!(fetched["data"]["Name"], "Rollout");
}

#[tokio::test]
async fn an_unknown_module_is_zoho_invalid_module_reported_as_not_found() {
    let world = World::new();
    let error = world
        .invoke(
            "crmGetRecords",
            json!({"recordType": "Nonexistent_Module", "fields": "Name"}),
        )
        .await
        .expect_err("unknown");
    assert_eq!(
        (kind(&error), error["error"]["code"].as_str()),
        ("not-found", Some("INVALID_MODULE"))
    );
}

#[tokio::test]
async fn zoho_errors_keep_status_code_message_and_details() {
    let world = World::new();
    let error = world
        .invoke(
            "crmCreateRecord",
            json!({"recordType": "Leads", "values": {"Last_Name": "A", "Email": "bad"}}),
        )
        .await
        .expect_err("invalid");
    assert_eq!(error["error"]["status"], 400);
    assert_eq!(error["error"]["message"], "invalid data");
    assert_eq!(error["error"]["details"]["expected_data_type"], "email");
}
