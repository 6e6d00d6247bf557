//! The `actions` manifest: valid JSON Schemas, and every listed action runs through `invoke`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::support::{World, harness};

/// A valid input for every action, against a fake seeded by [`seed`]. The test fails when an
/// action is added to the manifest without an entry here.
fn inputs(ids: &BTreeMap<&str, String>) -> BTreeMap<&'static str, Value> {
    let entries = [
        (
            "crmEnableNotifications",
            json!({"events": ["Leads.all"], "notifyUrl": "http://127.0.0.1:9/notify", "channelId": "1000000068001", "token": "manifest-token-1234"}),
        ),
        ("crmListNotifications", json!({})),
        (
            "crmRenewNotifications",
            json!({"channelId": "1000000068001", "events": ["Leads.all"], "token": "manifest-token-1234", "expiryHours": 48}),
        ),
        (
            "crmUpdateNotifications",
            json!({"channelId": "1000000068001", "events": ["Leads.create"], "notifyUrl": "http://127.0.0.1:9/notify"}),
        ),
        ("crmDisableNotifications", json!({"channelIds": ["1000000068001"]})),
        (
            "crmAddAttachment",
            json!({"recordType": "Leads", "recordId": ids["lead"], "fileName": "a.txt", "file": "hello"}),
        ),
        (
            "crmListAttachments",
            json!({"recordType": "Leads", "recordId": ids["lead"]}),
        ),
        (
            "crmDownloadAttachment",
            json!({"recordType": "Leads", "recordId": ids["lead"], "attachmentId": ids["attachment"]}),
        ),
        (
            "crmSearchRecords",
            json!({"recordType": "Leads", "conditions": [{"field": "Last_Name", "operator": "starts_with", "value": "K"}], "fields": ["Last_Name"]}),
        ),
        (
            "crmRunQuery",
            json!({"query": "select Last_Name from Leads where Last_Name like 'K%'", "fetchAll": true, "maxRecords": 50}),
        ),
        ("crmListModules", json!({})),
        (
            "booksAddAttachment",
            json!({"recordType": "invoices", "recordId": ids["invoice"], "fileName": "a.pdf", "file": "%PDF"}),
        ),
        (
            "booksDownloadAttachment",
            json!({"recordType": "invoices", "recordId": ids["invoice"]}),
        ),
        (
            "booksDeleteAttachment",
            json!({"recordType": "invoices", "recordId": ids["invoice"]}),
        ),
        (
            "booksRecordAction",
            json!({"recordType": "invoices", "recordId": ids["invoice"], "action": "status/sent"}),
        ),
        (
            "crmUploadPhoto",
            json!({"recordType": "Leads", "recordId": ids["lead"], "fileName": "me.gif", "file": "GIF89a"}),
        ),
        (
            "crmDownloadPhoto",
            json!({"recordType": "Leads", "recordId": ids["lead"]}),
        ),
        ("crmListRelatedLists", json!({"recordType": "Campaigns"})),
        (
            "crmListRelatedRecords",
            json!({"recordType": "Campaigns", "recordId": ids["campaign"], "relatedList": "Leads", "fields": ["Last_Name"]}),
        ),
        (
            "crmLinkRelatedRecords",
            json!({"recordType": "Campaigns", "recordId": ids["campaign"], "relatedList": "Leads", "relatedRecordIds": [ids["lead"]], "values": {"Member_Status": "Invited"}}),
        ),
        (
            "crmUnlinkRelatedRecord",
            json!({"recordType": "Campaigns", "recordId": ids["campaign"], "relatedList": "Leads", "relatedRecordId": ids["lead"]}),
        ),
        ("crmListTags", json!({"recordType": "Leads"})),
        (
            "crmAddTags",
            json!({"recordType": "Leads", "recordIds": [ids["lead"]], "tags": ["Manifest"], "overWrite": false}),
        ),
        (
            "crmRemoveTags",
            json!({"recordType": "Leads", "recordIds": ids["lead"], "tags": "Manifest"}),
        ),
        (
            "crmConvertLead",
            json!({"recordId": ids["convertible"], "notifyLeadOwner": false}),
        ),
        (
            "crmListNotes",
            json!({"recordType": "Leads", "recordId": ids["lead"], "fields": ["Note_Title"]}),
        ),
        (
            "crmCreateNote",
            json!({"recordType": "Leads", "recordId": ids["lead"], "title": "Manifest", "content": "A note"}),
        ),
        ("crmUpdateNote", json!({"noteId": ids["note"], "content": "Edited"})),
        ("crmDeleteNote", json!({"noteId": ids["note"]})),
        (
            "crmListUsers",
            json!({"type": "ActiveUsers", "perPage": 2, "fetchAll": true}),
        ),
        ("crmGetUser", json!({"userId": "4876876000000225013"})),
        (
            "crmListDeletedRecords",
            json!({"recordType": "Leads", "type": "recycle", "perPage": 50}),
        ),
        ("crmListFields", json!({"recordType": "Leads"})),
        (
            "crmBulkReadStart",
            json!({"recordType": "Leads", "fields": ["Last_Name"], "criteria": [{"field": "Last_Name", "comparator": "equal", "value": "Kept"}]}),
        ),
        ("crmBulkReadStatus", json!({"jobId": ids["readJob"]})),
        ("crmBulkReadResult", json!({"jobId": ids["readJob"], "maxBytes": 4096})),
        (
            "crmBulkWriteUpload",
            json!({"fileName": "leads.csv", "records": [{"Last_Name": "Bulk", "Email": "bulk@zylker.example"}]}),
        ),
        (
            "crmBulkWriteStart",
            json!({"operation": "upsert", "recordType": "Leads", "fileId": ids["upload"], "findBy": "Email", "fieldMappings": {"Last_Name": 0, "Email": 1}}),
        ),
        ("crmBulkWriteStatus", json!({"jobId": ids["writeJob"]})),
        ("crmBulkWriteResult", json!({"jobId": ids["writeJob"]})),
        (
            "crmCreateRecord",
            json!({"recordType": "Leads", "values": {"Last_Name": "Manifest"}, "dynamicFields": {"Lead_Source": "Web Download"}, "trigger": []}),
        ),
        (
            "crmGetRecord",
            json!({"recordType": "Leads", "recordId": ids["lead"], "fields": ["Last_Name"]}),
        ),
        (
            "crmGetRecords",
            json!({"recordType": "Leads", "fields": "Last_Name", "perPage": 10, "sortOrder": "asc", "sortBy": "id"}),
        ),
        (
            "crmUpdateRecord",
            json!({"recordType": "Leads", "recordId": ids["lead"], "values": {"Company": "Zylker"}}),
        ),
        (
            "crmRemoveRecord",
            json!({"recordType": "Leads", "recordId": ids["doomed"]}),
        ),
        (
            "crmRemoveRecords",
            json!({"recordType": "Leads", "recordIds": [ids["doomed2"]]}),
        ),
        (
            "crmUpsertRecords",
            json!({"recordType": "Leads", "records": [{"Last_Name": "Upserted", "Email": "u@zylker.example"}], "duplicateCheckFields": "Email"}),
        ),
        (
            "booksCreateRecord",
            json!({"recordType": "contacts", "values": {"contact_name": "Manifest"}, "dynamicFields": {"contact_type": "customer"}}),
        ),
        (
            "booksGetRecord",
            json!({"recordType": "contacts", "recordId": ids["contact"]}),
        ),
        (
            "booksGetRecords",
            json!({"recordType": "contacts", "perPage": 50, "searchFields": [{"key": "search_text", "value": "Kept"}], "fetchAll": true, "maxRecords": 100}),
        ),
        (
            "booksUpdateRecord",
            json!({"recordType": "contacts", "recordId": ids["contact"], "values": {"notes": "checked"}}),
        ),
        (
            "booksRemoveRecord",
            json!({"recordType": "comments", "recordId": ids["comment"], "parentRecordType": "invoices", "parentRecordId": ids["invoice"]}),
        ),
        ("booksListOrganizations", json!({})),
        ("booksListRecordTypes", json!({})),
        (
            "crmRawRequest",
            json!({"url": "/__echo", "method": "POST", "data": {"a": 1}, "maxRetries": 0}),
        ),
        (
            "booksRawRequest",
            json!({"url": "/__echo/invoices", "queryParameters": [{"key": "status", "value": "sent"}]}),
        ),
    ];
    BTreeMap::from(entries)
}

fn seed(world: &World) -> BTreeMap<&'static str, String> {
    let leads = world.fake.seed(
        "Leads",
        &[
            json!({"Last_Name": "Kept"}),
            json!({"Last_Name": "Doomed"}),
            json!({"Last_Name": "Doomed 2"}),
            json!({"Last_Name": "Convertible", "Company": "Zylker"}),
        ],
    );
    let attachment = world
        .fake
        .seed_attachment("Leads", &leads[0], "seed.txt", "text/plain", b"seed");
    let organization = world.fake.books_organization_id();
    let books = |collection: &str, id_field: &str, record: Value| {
        world
            .fake
            .seed_books(&organization, collection, id_field, &[record])
            .remove(0)
    };
    let contact = books("contacts", "contact_id", json!({"contact_name": "Kept"}));
    let invoice = books("invoices", "invoice_id", json!({"customer_id": contact}));
    let comment = books(
        &format!("invoices/{invoice}/comments"),
        "comment_id",
        json!({"description": "x"}),
    );
    let campaign = world
        .fake
        .seed("Campaigns", &[json!({"Campaign_Name": "Manifest"})])
        .remove(0);
    let note = world.fake.seed_note("Leads", &leads[0], "Seed", "A seeded note");
    // Bulk jobs complete at once here; their own tests walk the states.
    world.fake.set_bulk_step(std::time::Duration::ZERO);
    let read_job = world
        .fake
        .seed_bulk_job("read", &json!({"query": {"module": {"api_name": "Leads"}}}))
        .expect("read job");
    let upload = world
        .fake
        .seed_bulk_upload("leads.csv", b"Last_Name,Email\r\nSeeded,seeded@zylker.example\r\n");
    let write_job = world
        .fake
        .seed_bulk_job(
            "write",
            &json!({"operation": "insert", "resource": [{"type": "data", "module": {"api_name": "Leads"}, "file_id": upload}]}),
        )
        .expect("write job");
    BTreeMap::from([
        ("readJob", read_job),
        ("upload", upload),
        ("writeJob", write_job),
        ("note", note),
        ("campaign", campaign),
        ("convertible", leads[3].clone()),
        ("attachment", attachment),
        ("lead", leads[0].clone()),
        ("doomed", leads[1].clone()),
        ("doomed2", leads[2].clone()),
        ("contact", contact),
        ("invoice", invoice),
        ("comment", comment),
    ])
}

/// Record actions answer `{data, ...}`; raw requests `{status, headers, body}`.
fn output_shape_ok(key: &str, output: &Value) -> bool {
    if key.ends_with("RawRequest") {
        output["status"].is_u64() && output["headers"].is_object() && output.get("body").is_some()
    } else {
        output.get("data").is_some()
    }
}

#[tokio::test]
async fn every_input_schema_is_valid_json_schema_and_its_examples_conform() {
    let actions = harness().list_actions().await.expect("lists");
    assert!(!actions.is_empty());
    for action in &actions {
        let schema: Value = serde_json::from_str(&action.input_schema).expect("schema is JSON");
        if let Err(error) = jsonschema::meta::validate(&schema) {
            panic!("{}: invalid JSON Schema: {error}", action.key);
        }
        let validator = jsonschema::validator_for(&schema).expect("compiles");
        for (name, property) in schema["properties"].as_object().expect("properties") {
            let property_validator = jsonschema::validator_for(property).expect("property schema compiles");
            for example in property["examples"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(property.get("default"))
            {
                assert!(
                    property_validator.is_valid(example),
                    "{}.{name}: example/default {example} does not match its schema",
                    action.key
                );
            }
        }
        assert!(
            !validator.is_valid(&json!({"surely_not_an_input": 1})),
            "{}: unknown inputs must be refused",
            action.key
        );
        let example: Value = serde_json::from_str(&action.output_example).expect("output example is JSON");
        assert!(
            output_shape_ok(&action.key, &example),
            "{}: output example {example}",
            action.key
        );
        assert!(!action.label.is_empty() && !action.description.is_empty());
        // The label says the product, so CRM's and Books' "Create Record" are told apart.
        let product = if action.key.starts_with("books") {
            "Books: "
        } else {
            "CRM: "
        };
        assert!(action.label.starts_with(product), "{}: {}", action.key, action.label);
        // Every action says what it costs in Zoho's credits.
        assert!(
            action.description.contains("Zoho credits: "),
            "{}: {}",
            action.key,
            action.description
        );
    }
    let labels: std::collections::BTreeSet<&str> = actions.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(labels.len(), actions.len(), "every action's label is its own");
    let convert = actions.iter().find(|a| a.key == "crmConvertLead").expect("convert");
    assert!(
        convert.description.ends_with("Zoho credits: 5."),
        "{}",
        convert.description
    );
}

#[tokio::test]
async fn every_listed_action_runs_through_invoke_with_schema_valid_input() {
    let world = World::new();
    let ids = seed(&world);
    let inputs = inputs(&ids);
    let actions = harness().list_actions().await.expect("lists");
    let listed: Vec<&str> = actions.iter().map(|a| a.key.as_str()).collect();
    let covered: Vec<&str> = inputs.keys().copied().collect();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort_unstable();
    assert_eq!(listed_sorted, covered, "every manifest action needs a test input here");

    for action in &actions {
        let input = &inputs[action.key.as_str()];
        let schema: Value = serde_json::from_str(&action.input_schema).expect("schema");
        let validator = jsonschema::validator_for(&schema).expect("compiles");
        assert!(
            validator.is_valid(input),
            "{}: the test input does not match the published schema",
            action.key
        );
        let output = world
            .invoke(&action.key, input.clone())
            .await
            .unwrap_or_else(|e| panic!("{} failed: {e}", action.key));
        assert!(output_shape_ok(&action.key, &output), "{}: {output}", action.key);
        let output_schema: Value = serde_json::from_str(&action.output_schema).expect("output schema");
        let output_validator = jsonschema::validator_for(&output_schema).expect("output schema compiles");
        let problems: Vec<String> = output_validator
            .iter_errors(&output)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            problems.is_empty(),
            "{}: the output does not match the published output schema: {problems:?}",
            action.key
        );
    }
    let created = world
        .fake
        .records("Leads")
        .into_iter()
        .find(|r| r["Last_Name"] == "Manifest")
        .expect("created");
    assert_eq!(created["Lead_Source"], "Web Download", "dynamicFields were merged");
}

#[tokio::test]
async fn schemas_publish_bounds_enums_defaults_and_required_inputs() {
    let actions = harness().list_actions().await.expect("lists");
    let get_records = actions.iter().find(|a| a.key == "crmGetRecords").expect("listed");
    let schema: Value = serde_json::from_str(&get_records.input_schema).expect("schema");
    assert_eq!(schema["properties"]["perPage"]["minimum"], 1);
    assert_eq!(schema["properties"]["perPage"]["maximum"], 200);
    assert_eq!(schema["properties"]["perPage"]["default"], 200);
    assert_eq!(schema["properties"]["sortOrder"]["enum"], json!(["asc", "desc"]));
    assert_eq!(schema["properties"]["debugRequest"]["type"], "boolean");
    let required: Vec<&str> = schema["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(required, ["recordType", "fields"]);
}

#[tokio::test]
async fn explicit_values_win_over_dynamic_fields() {
    let world = World::new();
    world
        .invoke(
            "crmCreateRecord",
            json!({"recordType": "Leads", "values": [{"Last_Name": "A", "Lead_Source": "Partner"}, {"Last_Name": "B"}],
                   "dynamicFields": [{"key": "Lead_Source", "value": "Web Download"}]}),
        )
        .await
        .expect("created");
    let sent = world.fake.requests()[0].json();
    assert_eq!(sent["data"][0]["Lead_Source"], "Partner");
    assert_eq!(sent["data"][1]["Lead_Source"], "Web Download");
}
