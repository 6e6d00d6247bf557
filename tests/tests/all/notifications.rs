//! Instant triggers: the Notifications API channel actions against the fake's watch endpoints
//! (Zoho's expiry, token and PATCH/PUT rules), and `handle-notification` turning the bodies the
//! fake POSTs into events, refusing a wrong token, with no token in any log.

use serde_json::{Value, json};

use crate::support::{World, kind};

/// A notify URL on a closed loopback port: the fake records what it would deliver.
const NOTIFY_URL: &str = "http://127.0.0.1:9/zoho/notify";

/// Enables a channel and returns it (the action's `data`).
async fn enable(world: &World, input: Value) -> Value {
    let output = world
        .invoke("crmEnableNotifications", input)
        .await
        .unwrap_or_else(|e| panic!("enable failed: {e}"));
    output["data"].clone()
}

/// Waits for the fake's courier to have handled `count` deliveries.
async fn deliveries(world: &World, count: usize) -> Vec<Value> {
    for _ in 0..200 {
        let delivered = world.fake.deliveries();
        if delivered.len() >= count {
            return delivered.into_iter().map(|d| d.body).collect();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!(
        "the fake delivered {} notifications, not {count}",
        world.fake.deliveries().len()
    );
}

#[tokio::test]
async fn enabling_generates_a_channel_id_and_token_and_reports_when_to_renew() {
    let world = World::new();
    let channel = enable(
        &world,
        json!({"events": ["Leads.all", "Deals.create"], "notifyUrl": NOTIFY_URL, "debugRequest": true}),
    )
    .await;
    let id = channel["channelId"].as_str().expect("id").to_owned();
    let token = channel["token"].as_str().expect("token").to_owned();
    assert!(id.len() >= 13 && id.bytes().all(|b| b.is_ascii_digit()), "{id}");
    assert!((16..=50).contains(&token.len()), "{token}");
    let expiry = channel["channelExpiry"].as_str().expect("expiry");
    let renew_at = channel["renewAt"].as_str().expect("renewAt");
    assert!(renew_at < expiry, "{renew_at} < {expiry}");
    assert_eq!(channel["resources"].as_array().map(Vec::len), Some(2));
    let stored = world.fake.channels();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].0, id);
    assert_eq!(stored[0].2.as_deref(), Some(token.as_str()));
    let hours = (stored[0].3 - world.fake.now_unix()) / 3600;
    assert!((23..=24).contains(&hours), "24 hours by default, got {hours}");
    // The debug log showed the exchange, but never the channel token.
    let log = world.log_text();
    assert!(log.contains("actions/watch"), "{log}");
    assert!(!log.contains(&token), "the channel token leaked into the log: {log}");

    let listed = world.invoke("crmListNotifications", json!({})).await.expect("listed");
    assert_eq!(listed["data"][0]["channelId"], id);
    assert_eq!(listed["data"][0]["hasToken"], true);
    assert!(!listed.to_string().contains(&token), "listing never shows a token");

    let other = enable(
        &world,
        json!({"events": ["Leads.create"], "notifyUrl": NOTIFY_URL, "channelId": "1000000068001", "token": "my-own-token-1234", "expiryHours": 168}),
    )
    .await;
    assert_eq!(other["channelId"], "1000000068001");
    assert_eq!(other["token"], "my-own-token-1234");
}

#[tokio::test]
async fn channel_inputs_outside_zohos_rules_are_refused_before_sending() {
    let world = World::new();
    for (input, name) in [
        (
            json!({"events": ["Leads.all"], "notifyUrl": NOTIFY_URL, "expiryHours": 169}),
            "expiryHours",
        ),
        (
            json!({"events": ["Leads.all"], "notifyUrl": NOTIFY_URL, "token": "x".repeat(51)}),
            "token",
        ),
        (
            json!({"events": ["Leads.everything"], "notifyUrl": NOTIFY_URL}),
            "events[0]",
        ),
        (
            json!({"events": ["Leads.all"], "notifyUrl": "ftp://example.com"}),
            "notifyUrl",
        ),
        (
            json!({"events": ["Leads.all", "Deals.all"], "notifyUrl": NOTIFY_URL, "fields": ["Stage"]}),
            "fields[0]",
        ),
    ] {
        let error = world
            .invoke("crmEnableNotifications", input)
            .await
            .expect_err("refused");
        assert_eq!(kind(&error), "invalid-input", "{error}");
        assert_eq!(error["error"]["input"], name, "{error}");
    }
    assert!(world.fake.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn notifications_become_full_records_and_deletions_ids() {
    let world = World::new();
    let channel = enable(&world, json!({"events": ["Leads.all"], "notifyUrl": NOTIFY_URL})).await;
    let created = world
        .invoke(
            "crmCreateRecord",
            json!({"recordType": "Leads", "values": [
                {"Last_Name": "Ames", "Email": "ames@zylker.com"},
                {"Last_Name": "Berg"},
                {"Last_Name": "Cole"}
            ]}),
        )
        .await
        .expect("created");
    let ids: Vec<String> = created["data"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    world.fake.delete_record("Leads", &ids[2]);
    let bodies = deliveries(&world, 2).await;
    assert_eq!(bodies[0]["operation"], "insert");
    assert_eq!(
        bodies[0]["ids"].as_array().map(Vec::len),
        Some(3),
        "one notification for the batch"
    );

    let inserted = world.handle_notification(&channel, &bodies[0]).await.expect("handled");
    assert_eq!(inserted.ids(), ids);
    assert!(!inserted.more);
    assert_eq!(inserted.events[0]["event"], "created");
    assert_eq!(inserted.events[0]["record"]["Email"], "ames@zylker.com");
    assert!(
        inserted.events[0]["record"].get("Created_By").is_some(),
        "every field of the record"
    );
    assert_eq!(
        inserted.events[2]["record"],
        json!({"id": ids[2]}),
        "deleted before it could be fetched"
    );
    let state: Value = serde_json::from_str(&inserted.state).expect("state is JSON");
    assert_eq!(state["channelId"], channel["channelId"]);
    assert_eq!(state["renewDue"], false);
    assert_eq!(state["renewAt"], channel["renewAt"]);
    let fetches: Vec<_> = world
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.query_param("ids").is_some())
        .collect();
    assert_eq!(fetches.len(), 1, "the three records in one batch");

    let deleted = world.handle_notification(&channel, &bodies[1]).await.expect("handled");
    assert_eq!(deleted.events.len(), 1);
    assert_eq!(deleted.events[0]["event"], "deleted");
    assert_eq!(deleted.events[0]["id"], ids[2]);
    assert!(deleted.events[0]["deletedTime"].is_string());
    assert!(deleted.events[0].get("record").is_none());

    world
        .fake
        .edit_record("Leads", &ids[0], &json!({"Lead_Status": "Contacted"}));
    let bodies = deliveries(&world, 3).await;
    let edited = world.handle_notification(&channel, &bodies[2]).await.expect("handled");
    assert_eq!(edited.events[0]["event"], "updated");
    assert_eq!(edited.events[0]["record"]["Lead_Status"], "Contacted");
}

#[tokio::test]
async fn a_notification_with_a_wrong_token_or_channel_is_refused() {
    let world = World::new();
    let channel = enable(&world, json!({"events": ["Contacts.create"], "notifyUrl": NOTIFY_URL})).await;
    world.fake.create_record("Contacts", &json!({"Last_Name": "Doe"}));
    let body = deliveries(&world, 1).await.remove(0);
    let token = channel["token"].as_str().expect("token").to_owned();
    let mut forged = body.clone();
    let last = if token.ends_with('x') { 'y' } else { 'x' };
    forged["token"] = json!(format!("{}{last}", &token[..token.len() - 1]));
    let mut other_channel = body.clone();
    other_channel["channel_id"] = json!(42);
    let mut tokenless = body.clone();
    tokenless.as_object_mut().expect("object").remove("token");
    for bad in [forged, other_channel, tokenless] {
        let error = world.handle_notification(&channel, &bad).await.expect_err("refused");
        assert_eq!(kind(&error), "invalid-input", "{error}");
        assert_eq!(error["error"]["input"], "body");
        assert!(!error.to_string().contains(&token), "the error shows no token");
    }
    assert!(
        world.fake.requests().iter().all(|r| r.query_param("ids").is_none()),
        "nothing was fetched for a refused body"
    );
    let error = world
        .handle_notification(&json!({"channelId": channel["channelId"]}), &body)
        .await
        .expect_err("a channel without its token cannot verify anything");
    assert_eq!(error["error"]["input"], "channel");
}

#[tokio::test]
async fn renewal_keeps_the_token_and_moves_the_expiry_and_disabling_stops_deliveries() {
    let world = World::new();
    let channel = enable(
        &world,
        json!({"events": ["Leads.all", "Deals.all"], "notifyUrl": NOTIFY_URL, "expiryHours": 1}),
    )
    .await;
    let id = channel["channelId"].as_str().expect("id").to_owned();
    let token = channel["token"].as_str().expect("token").to_owned();
    let before = world.fake.channels()[0].3;
    let renewed = world
        .invoke(
            "crmRenewNotifications",
            json!({"channelId": id, "events": ["Leads.all", "Deals.all"], "token": token, "expiryHours": 48}),
        )
        .await
        .expect("renewed");
    let stored = world.fake.channels();
    assert_eq!(
        stored[0].2.as_deref(),
        Some(token.as_str()),
        "the token survived the renewal"
    );
    assert!(stored[0].3 >= before + 46 * 3600, "expiry moved out");
    let renewed = renewed["data"].clone();
    assert_eq!(renewed["token"], token);
    assert!(renewed["renewAt"].as_str() < renewed["channelExpiry"].as_str());
    let patch = world
        .fake
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PATCH")
        .expect("renewal is a PATCH");
    assert_eq!(patch.json()["watch"][0]["token"], token);
    assert_eq!(patch.json()["watch"][0]["events"], json!(["Leads.all", "Deals.all"]));
    // v8 refuses a PATCH without notify_url; renewal without one read it off the channel first.
    assert_eq!(patch.json()["watch"][0]["notify_url"], NOTIFY_URL);
    assert_eq!(renewed["notifyUrl"], NOTIFY_URL);
    assert!(
        world
            .fake
            .requests()
            .iter()
            .any(|r| r.method == "GET" && r.query_param("channel_id") == Some(id.as_str())),
        "the notify URL was read from Zoho's channel list"
    );

    // A handled notification says when renewal is due, by the channel's renewAt.
    let mut due = renewed.clone();
    due["renewAt"] = json!("2000-01-01T00:00:00+00:00");
    world.fake.create_record("Deals", &json!({"Deal_Name": "Renewal"}));
    let body = deliveries(&world, 1).await.remove(0);
    let handled = world.handle_notification(&due, &body).await.expect("handled");
    let state: Value = serde_json::from_str(&handled.state).expect("state");
    assert_eq!(state["renewDue"], true);

    world
        .invoke(
            "crmDisableNotifications",
            json!({"channelId": id, "events": ["Deals.all"]}),
        )
        .await
        .expect("events dropped");
    assert_eq!(world.fake.channels()[0].1, ["Leads.all"]);
    world
        .invoke("crmDisableNotifications", json!({"channelIds": [id]}))
        .await
        .expect("disabled");
    assert!(world.fake.channels().is_empty());
    let decided = world.fake.notifications_decided();
    world.fake.create_record("Leads", &json!({"Last_Name": "Unheard"}));
    assert_eq!(
        world.fake.notifications_decided(),
        decided,
        "nothing is sent after disabling"
    );
    assert_eq!(world.fake.deliveries().len(), 1);
    let error = world
        .invoke("crmDisableNotifications", json!({}))
        .await
        .expect_err("refused");
    assert_eq!(error["error"]["input"], "channelIds");
}

#[tokio::test]
async fn updating_replaces_the_channel_and_field_conditions_filter_edits() {
    let world = World::new();
    let channel = enable(&world, json!({"events": ["Deals.all"], "notifyUrl": NOTIFY_URL})).await;
    let id = channel["channelId"].as_str().expect("id").to_owned();
    let updated = world
        .invoke(
            "crmUpdateNotifications",
            json!({"channelId": id, "events": ["Deals.edit"], "notifyUrl": NOTIFY_URL, "fields": ["Stage"]}),
        )
        .await
        .expect("updated");
    assert_ne!(updated["data"]["token"], channel["token"], "a new token was generated");
    let put = world
        .fake
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PUT")
        .expect("PUT");
    assert_eq!(
        put.json()["watch"][0]["notification_condition"][0]["field_selection"]["group"][0]["field"]["api_name"],
        "Stage"
    );
    let deal = world
        .fake
        .seed("Deals", &[json!({"Deal_Name": "Big", "Stage": "Qualification"})])
        .remove(0);
    let decided = world.fake.notifications_decided();
    world.fake.edit_record("Deals", &deal, &json!({"Amount": 10}));
    assert_eq!(
        world.fake.notifications_decided(),
        decided,
        "an Amount edit notifies no one"
    );
    world.fake.edit_record("Deals", &deal, &json!({"Stage": "Closed Won"}));
    assert_eq!(
        world.fake.notifications_decided(),
        decided + 1,
        "the Stage edit notifies"
    );
    let bodies = deliveries(&world, 1).await;
    assert_eq!(world.fake.deliveries().len(), 1, "only the Stage edit notifies");
    // The action's whole output works as the channel too.
    let handled = world.handle_notification(&updated, &bodies[0]).await.expect("handled");
    assert_eq!(handled.events[0]["record"]["Stage"], "Closed Won");
}

#[tokio::test]
async fn renewal_with_the_notify_url_sends_it_without_asking_zoho_and_a_patch_without_one_is_refused() {
    let world = World::new();
    let channel = enable(&world, json!({"events": ["Leads.all"], "notifyUrl": NOTIFY_URL})).await;
    world.fake.clear_requests();
    let renewed = world
        .invoke(
            "crmRenewNotifications",
            json!({"channelId": channel["channelId"], "events": ["Leads.all"], "token": channel["token"], "notifyUrl": NOTIFY_URL}),
        )
        .await
        .expect("renewed");
    assert_eq!(renewed["data"]["notifyUrl"], NOTIFY_URL);
    let requests = world.fake.requests();
    assert_eq!(requests.len(), 1, "one PATCH, no lookup: {requests:?}");
    assert_eq!(requests[0].json()["watch"][0]["notify_url"], NOTIFY_URL);

    // What the product sent before v8's rule: Zoho (and the fake) refuse it.
    let refused = world
        .invoke(
            "crmRawRequest",
            json!({"method": "PATCH", "url": "/actions/watch", "data": {"watch": [{"channel_id": channel["channelId"].as_str().and_then(|id| id.parse::<u64>().ok()), "events": ["Leads.all"], "token": channel["token"]}]}}),
        )
        .await
        .map_or_else(|error| error.to_string(), |output| output.to_string());
    assert!(
        refused.contains("MANDATORY_NOT_FOUND") && refused.contains("notify_url"),
        "{refused}"
    );

    // A channel Zoho no longer has cannot be renewed, and says so.
    let error = world
        .invoke(
            "crmRenewNotifications",
            json!({"channelId": "1000000099999", "events": ["Leads.all"], "token": "some-token-12345678"}),
        )
        .await
        .expect_err("unknown channel");
    assert_eq!(error["error"]["input"], "channelId", "{error}");
}

#[tokio::test]
async fn a_channel_on_several_modules_is_listed_once_with_all_its_events() {
    let world = World::new();
    let channel = enable(
        &world,
        json!({"events": ["Leads.all", "Deals.create", "Deals.edit", "Contacts.delete"], "notifyUrl": NOTIFY_URL}),
    )
    .await;
    enable(&world, json!({"events": ["Accounts.all"], "notifyUrl": NOTIFY_URL})).await;
    let listed = world.invoke("crmListNotifications", json!({})).await.expect("listed");
    let rows = listed["data"].as_array().expect("rows");
    assert_eq!(rows.len(), 2, "one row per channel: {listed}");
    let row = rows
        .iter()
        .find(|r| r["channelId"] == channel["channelId"])
        .expect("the channel");
    assert_eq!(
        row["events"],
        json!(["Leads.all", "Deals.create", "Deals.edit", "Contacts.delete"])
    );
    assert_eq!(row["modules"], json!(["Leads", "Deals", "Contacts"]));
    assert_eq!(row["notifyUrl"], NOTIFY_URL);
    assert_eq!(row["hasToken"], true);
    // Zoho answered one entry per module, as the published Notification schema has it.
    let get = world
        .fake
        .requests()
        .into_iter()
        .rfind(|r| r.method == "GET")
        .expect("GET");
    assert_eq!(get.path, "/crm/v8/actions/watch");
    let filtered = world
        .invoke("crmListNotifications", json!({"module": "Deals"}))
        .await
        .expect("listed");
    assert_eq!(filtered["data"].as_array().map(Vec::len), Some(1));
}
