//! Related records: `crmListRelatedLists`, `crmListRelatedRecords`, `crmLinkRelatedRecords`,
//! `crmUnlinkRelatedRecord`, through `invoke` and the CLI.

use serde_json::json;

use crate::support::{World, cli_against, data_ids, kind};

/// The ids in `record`'s related list `list`, asking for `field` only.
async fn related_ids(world: &World, module: &str, record: &str, list: &str, field: &str) -> Vec<String> {
    let listed = world
        .invoke(
            "crmListRelatedRecords",
            json!({"recordType": module, "recordId": record, "relatedList": list, "fields": field}),
        )
        .await
        .expect("listed");
    data_ids(&listed)
}

#[tokio::test]
async fn related_lists_are_listed_for_dropdowns() {
    let world = World::new();
    let lists = world
        .invoke("crmListRelatedLists", json!({"recordType": "Accounts"}))
        .await
        .expect("listed");
    let names: Vec<&str> = lists["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|l| l["apiName"].as_str())
        .collect();
    assert!(
        names.contains(&"Contacts") && names.contains(&"Deals") && names.contains(&"Notes"),
        "{names:?}"
    );
    assert_eq!(lists["data"][0]["module"], "Contacts");
}

#[tokio::test]
async fn an_accounts_contacts_are_listed_with_the_fields_asked_for_or_every_field() {
    let world = World::new();
    let account = world
        .fake
        .seed("Accounts", &[json!({"Account_Name": "Zylker"})])
        .remove(0);
    let other = world
        .fake
        .seed("Accounts", &[json!({"Account_Name": "Other"})])
        .remove(0);
    let contacts = world.fake.seed(
        "Contacts",
        &[
            json!({"Last_Name": "Boyle", "Email": "p@zylker.com", "Account_Name": {"id": account}}),
            json!({"Last_Name": "Shankar", "Account_Name": {"id": account}}),
            json!({"Last_Name": "Elsewhere", "Account_Name": {"id": other}}),
        ],
    );
    let listed = world
        .invoke(
            "crmListRelatedRecords",
            json!({"recordType": "Accounts", "recordId": account, "relatedList": "Contacts", "fields": ["Last_Name"]}),
        )
        .await
        .expect("listed");
    assert_eq!(data_ids(&listed), contacts[..2]);
    assert!(listed["data"][0].get("Email").is_none());

    // Without fields: the related module's fields, found from the metadata.
    let every = world
        .invoke(
            "crmListRelatedRecords",
            json!({"recordType": "Accounts", "recordId": account, "relatedList": "Contacts", "perPage": 1, "fetchAll": true}),
        )
        .await
        .expect("every field, every page");
    assert_eq!(data_ids(&every), contacts[..2]);
    assert_eq!(every["data"][0]["Email"], "p@zylker.com");
}

#[tokio::test]
async fn leads_are_linked_to_a_campaign_with_junction_values_and_unlinked() {
    let world = World::new();
    let campaign = world
        .fake
        .seed("Campaigns", &[json!({"Campaign_Name": "Webinar"})])
        .remove(0);
    let leads = world
        .fake
        .seed("Leads", &[json!({"Last_Name": "A"}), json!({"Last_Name": "B"})]);
    let linked = world
        .invoke(
            "crmLinkRelatedRecords",
            json!({"recordType": "Campaigns", "recordId": campaign, "relatedList": "Leads", "relatedRecordIds": leads, "values": {"Member_Status": "Invited"}}),
        )
        .await
        .expect("linked");
    assert_eq!(linked["data"].as_array().map(Vec::len), Some(2));
    let members = world
        .invoke(
            "crmListRelatedRecords",
            json!({"recordType": "Campaigns", "recordId": campaign, "relatedList": "Leads", "fields": "Last_Name"}),
        )
        .await
        .expect("members");
    assert_eq!(data_ids(&members), leads);
    assert_eq!(members["data"][0]["Member_Status"], "Invited");
    // The other side sees it too.
    assert_eq!(
        related_ids(&world, "Leads", &leads[0], "Campaigns", "Campaign_Name").await,
        std::slice::from_ref(&campaign)
    );

    world
        .invoke(
            "crmUnlinkRelatedRecord",
            json!({"recordType": "Campaigns", "recordId": campaign, "relatedList": "Leads", "relatedRecordId": leads[0]}),
        )
        .await
        .expect("unlinked");
    assert_eq!(
        related_ids(&world, "Campaigns", &campaign, "Leads", "Last_Name").await,
        [leads[1].clone()]
    );
    assert_eq!(world.fake.records("Leads").len(), 2, "unlinking keeps the record");
}

#[tokio::test]
async fn an_unknown_related_list_and_other_mistakes_are_clear() {
    let world = World::new();
    let account = world
        .fake
        .seed("Accounts", &[json!({"Account_Name": "Zylker"})])
        .remove(0);
    let error = world
        .invoke(
            "crmListRelatedRecords",
            json!({"recordType": "Accounts", "recordId": account, "relatedList": "Spaceships", "fields": "Name"}),
        )
        .await
        .expect_err("no such list");
    assert_eq!(error["error"]["code"], "INVALID_DATA", "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("related list"),
        "{error}"
    );
    // Without fields, the related lists are looked up first and the known ones named.
    let error = world
        .invoke(
            "crmListRelatedRecords",
            json!({"recordType": "Accounts", "recordId": account, "relatedList": "Spaceships"}),
        )
        .await
        .expect_err("no such list");
    assert_eq!(
        (kind(&error), error["error"]["input"].as_str()),
        ("invalid-input", Some("relatedList"))
    );
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Contacts"),
        "{error}"
    );

    let error = world
        .invoke(
            "crmLinkRelatedRecords",
            json!({"recordType": "Accounts", "recordId": account, "relatedList": "Contacts", "relatedRecordIds": []}),
        )
        .await
        .expect_err("nothing to link");
    assert_eq!(kind(&error), "invalid-input");
    let campaign = world
        .fake
        .seed("Campaigns", &[json!({"Campaign_Name": "Webinar"})])
        .remove(0);
    let error = world
        .invoke(
            "crmUnlinkRelatedRecord",
            json!({"recordType": "Campaigns", "recordId": campaign, "relatedList": "Leads", "relatedRecordId": "4876876000000999999"}),
        )
        .await
        .expect_err("not linked");
    assert_eq!(kind(&error), "not-found");
}

#[tokio::test]
async fn related_records_are_listed_through_the_cli() {
    let world = World::new();
    let account = world
        .fake
        .seed("Accounts", &[json!({"Account_Name": "Zylker"})])
        .remove(0);
    world.fake.seed(
        "Deals",
        &[json!({"Deal_Name": "Renewal", "Account_Name": {"id": account}})],
    );
    let input = json!({"recordType": "Accounts", "recordId": account, "relatedList": "Deals", "fields": "Deal_Name"})
        .to_string();
    let run = cli_against(&world.fake, &["invoke", "crmListRelatedRecords", "--input", &input]).await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert_eq!(run.json()["data"][0]["Deal_Name"], "Renewal");
}
