//! `crmConvertLead`: a lead becomes a contact, an account and optionally a deal; the errors a
//! user hits most (an already converted lead, a deal without its mandatory fields, an unknown
//! account) leave nothing half-made.

use serde_json::json;

use crate::support::{World, cli_against, kind};

fn lead(world: &World) -> String {
    world
        .fake
        .seed(
            "Leads",
            &[json!({"First_Name": "Patricia", "Last_Name": "Boyle", "Company": "Zylker", "Email": "p.boyle@zylker.com"})],
        )
        .remove(0)
}

#[tokio::test]
async fn a_lead_becomes_a_contact_an_account_and_a_deal() {
    let world = World::new();
    let lead = lead(&world);
    let output = world
        .invoke(
            "crmConvertLead",
            json!({"recordId": lead, "notifyLeadOwner": false, "deals": {"Deal_Name": "Zylker renewal", "Stage": "Qualification", "Amount": 5000}}),
        )
        .await
        .expect("converted");
    let data = &output["data"];
    let contact = data["contactId"].as_str().expect("a contact");
    let account = data["accountId"].as_str().expect("an account");
    let deal = data["dealId"].as_str().expect("a deal");
    assert_eq!(data["account"]["name"], "Zylker");
    assert_eq!(data["deal"]["name"], "Zylker renewal");

    let contacts = world.fake.records("Contacts");
    let stored = contacts.iter().find(|c| c["id"] == contact).expect("stored contact");
    assert_eq!(
        (stored["Last_Name"].as_str(), stored["Email"].as_str()),
        (Some("Boyle"), Some("p.boyle@zylker.com"))
    );
    assert_eq!(stored["Account_Name"]["id"], account);
    let deals = world.fake.records("Deals");
    assert_eq!(
        deals.iter().find(|d| d["id"] == deal).expect("deal")["Contact_Name"]["id"],
        contact
    );
    assert!(
        world.fake.records("Leads").iter().all(|l| l["id"] != lead.as_str()),
        "the lead left Leads"
    );
    let request = world.fake.requests().last().cloned().expect("a request");
    assert_eq!(request.path, format!("/crm/v8/Leads/{lead}/actions/convert"));
    let body: serde_json::Value = serde_json::from_slice(&request.body).expect("json");
    assert_eq!(body["data"][0]["notify_lead_owner"], false);
}

#[tokio::test]
async fn existing_records_are_linked_and_overwritten_on_request() {
    let world = World::new();
    let lead = lead(&world);
    let account = world
        .fake
        .seed("Accounts", &[json!({"Account_Name": "Zylker Inc"})])
        .remove(0);
    let contact = world
        .fake
        .seed(
            "Contacts",
            &[json!({"Last_Name": "Old name", "Email": "old@zylker.com"})],
        )
        .remove(0);
    let output = world
        .invoke(
            "crmConvertLead",
            json!({"recordId": lead, "accounts": account, "contacts": contact, "overwrite": true, "assignTo": "4876876000000225027"}),
        )
        .await
        .expect("converted");
    assert_eq!(output["data"]["accountId"], account.as_str());
    assert_eq!(output["data"]["contactId"], contact.as_str());
    assert!(output["data"]["dealId"].is_null());
    assert_eq!(world.fake.records("Accounts").len(), 1, "no new account");
    let contacts = world.fake.records("Contacts");
    assert_eq!(contacts.len(), 1, "no new contact");
    assert_eq!(contacts[0]["Email"], "p.boyle@zylker.com", "overwritten from the lead");
}

#[tokio::test]
async fn the_errors_users_hit_most_are_typed_and_leave_nothing_behind() {
    let world = World::new();
    let lead = lead(&world);
    // A deal without its mandatory Stage: Zoho's MANDATORY_NOT_FOUND, nothing created.
    let error = world
        .invoke(
            "crmConvertLead",
            json!({"recordId": lead, "deals": {"Deal_Name": "No stage"}}),
        )
        .await
        .expect_err("stage missing");
    assert_eq!(kind(&error), "api", "{error}");
    assert_eq!(error["error"]["code"], "MANDATORY_NOT_FOUND");
    assert_eq!(error["error"]["details"]["api_name"], "Stage");
    assert!(world.fake.records("Contacts").is_empty() && world.fake.records("Accounts").is_empty());

    // An account that does not exist.
    let error = world
        .invoke(
            "crmConvertLead",
            json!({"recordId": lead, "accounts": "4876876000000999999"}),
        )
        .await
        .expect_err("unknown account");
    assert_eq!(error["error"]["code"], "INVALID_DATA", "{error}");
    assert_eq!(error["error"]["details"]["api_name"], "Accounts");

    // Converted once; the second time Zoho refuses.
    world
        .invoke("crmConvertLead", json!({"recordId": lead}))
        .await
        .expect("converted");
    let error = world
        .invoke("crmConvertLead", json!({"recordId": lead}))
        .await
        .expect_err("already converted");
    assert_eq!(error["error"]["code"], "ID_ALREADY_CONVERTED", "{error}");
    assert_eq!(world.fake.records("Contacts").len(), 1, "nothing created twice");

    // Inputs that cannot be right are refused before anything is sent.
    world.fake.clear_requests();
    let error = world
        .invoke("crmConvertLead", json!({"recordId": lead, "overwrite": true}))
        .await
        .expect_err("overwrite without a contact");
    assert_eq!(
        (kind(&error), error["error"]["input"].as_str()),
        ("invalid-input", Some("overwrite"))
    );
    let error = world
        .invoke("crmConvertLead", json!({"recordId": "4876876000000999999"}))
        .await
        .expect_err("no such lead");
    assert_eq!(kind(&error), "not-found");
}

#[tokio::test]
async fn a_lead_is_converted_through_the_cli() {
    let world = World::new();
    let lead = lead(&world);
    let input = json!({"recordId": lead}).to_string();
    let run = cli_against(&world.fake, &["invoke", "crmConvertLead", "--input", &input]).await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert!(run.json()["data"]["contactId"].is_string());
}
