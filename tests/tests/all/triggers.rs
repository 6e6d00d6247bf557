//! Polling triggers through `triggers.poll` against fake-zoho: anchoring at Zoho's clock,
//! ties within one second, records arriving in the second being read, changes during a poll,
//! backlogs past 2,000, updates, deletions, failures midway, damaged state, custom modules
//! and Books. Every test checks that each change is delivered exactly once.

use std::collections::BTreeSet;

use fake_zoho::Fault;
use serde_json::{Value, json};

use crate::support::{World, drain, ids, kind, poll_ok as poll};

/// Long enough past a change for it to settle by Zoho's clock.
const LATER: i64 = 5;

fn assert_unique(events: &[Value]) {
    let all = ids(events);
    let unique: BTreeSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "an event was delivered twice: {all:?}");
}

#[tokio::test]
async fn the_first_poll_anchors_at_zohos_clock_and_later_ones_report_each_new_record_once() {
    let world = World::new();
    // Zoho's clock is thirty days behind the host's: an anchor taken from the host's clock
    // would be later than every record below, and the second poll would report none.
    world.fake.advance_clock(-30 * 86_400);
    world.fake.seed("Leads", &[json!({"Last_Name": "Before"})]);
    let input = json!({"recordType": "Leads", "fields": ["Last_Name", "Email"]});
    let first = poll(&world, "crmNewRecords", &input, None).await;
    assert!(first.events.is_empty(), "{:?}", first.events);
    assert!(!first.more);
    assert!(first.state.len() < 200, "{}", first.state);

    world.fake.advance_clock(1);
    let a = world
        .fake
        .create_record("Leads", &json!({"Last_Name": "Ahn", "Email": "a@zylker.com"}));
    world.fake.advance_clock(1);
    let b = world.fake.create_record("Leads", &json!({"Last_Name": "Bo"}));
    world.fake.advance_clock(LATER);
    let second = poll(&world, "crmNewRecords", &input, Some(&first.state)).await;
    assert_eq!(second.ids(), [a.clone(), b]);
    assert_eq!(second.events[0]["event"], "created");
    assert_eq!(second.events[0]["record"]["Email"], "a@zylker.com");
    assert_eq!(second.events[0]["record"]["id"], a);
    assert!(
        second.events[0]["record"].get("Phone").is_none(),
        "only the fields asked for"
    );

    let third = poll(&world, "crmNewRecords", &input, Some(&second.state)).await;
    assert!(third.events.is_empty(), "{:?}", third.events);
    // The anchor came from the fake's Date header, not the host's clock.
    let coql = world
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/crm/v8/coql")
        .count();
    assert_eq!(coql, 3);
}

#[tokio::test]
async fn backfill_returns_the_most_recent_records_on_the_first_poll_only() {
    let world = World::new();
    let mut created = Vec::new();
    for name in ["A", "B", "C", "D"] {
        created.push(world.fake.create_record("Leads", &json!({"Last_Name": name})));
        world.fake.advance_clock(1);
    }
    world.fake.advance_clock(LATER);
    let input = json!({"recordType": "Leads", "backfill": 2});
    let first = poll(&world, "crmNewRecords", &input, None).await;
    assert_eq!(first.ids(), created[2..].to_vec(), "the two newest, oldest first");
    // Every field of the module, since `fields` was omitted.
    assert_eq!(first.events[1]["record"]["Last_Name"], "D");
    assert!(first.events[1]["record"].get("Created_By").is_some());
    let second = poll(&world, "crmNewRecords", &input, Some(&first.state)).await;
    assert!(second.events.is_empty());
}

#[tokio::test]
async fn records_sharing_one_second_are_each_delivered_once_across_polls() {
    let world = World::new();
    let input = json!({"recordType": "Leads", "fields": "Last_Name", "maxEvents": 3});
    let first = poll(&world, "crmNewRecords", &input, None).await;
    world.fake.advance_clock(1);
    world.fake.freeze_clock();
    let created: Vec<String> = (0..7)
        .map(|i| {
            world
                .fake
                .create_record("Leads", &json!({"Last_Name": format!("Tie {i}")}))
        })
        .collect();
    world.fake.advance_clock(LATER);
    let one = poll(&world, "crmNewRecords", &input, Some(&first.state)).await;
    assert_eq!((one.events.len(), one.more), (3, true));
    let two = poll(&world, "crmNewRecords", &input, Some(&one.state)).await;
    assert_eq!((two.events.len(), two.more), (3, true));
    let three = poll(&world, "crmNewRecords", &input, Some(&two.state)).await;
    assert_eq!((three.events.len(), three.more), (1, false));
    let all: Vec<Value> = [one.events, two.events, three.events].concat();
    assert_eq!(ids(&all), created, "in id order within the second");
    // The keyset walk quotes ids as every COQL sample of Zoho's does.
    let last_id = &created[2];
    let walk = world
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/crm/v8/coql")
        .filter_map(|r| r.json()["select_query"].as_str().map(str::to_owned))
        .find(|q| q.contains(last_id.as_str()))
        .expect("a query after the third record");
    assert!(walk.contains(&format!("id > '{last_id}'")), "{walk}");
}

#[tokio::test]
async fn a_record_saved_later_in_the_second_being_read_is_not_skipped() {
    let world = World::new();
    let input = json!({"recordType": "Contacts", "fields": ["Last_Name"]});
    let first = poll(&world, "crmNewRecords", &input, None).await;
    world.fake.advance_clock(1);
    world.fake.freeze_clock();
    let early = world.fake.create_record("Contacts", &json!({"Last_Name": "Early"}));
    // Polled within the same second: the second is not complete, so nothing is taken yet.
    let during = poll(&world, "crmNewRecords", &input, Some(&first.state)).await;
    assert!(during.events.is_empty(), "{:?}", during.events);
    let late = world.fake.create_record("Contacts", &json!({"Last_Name": "Late"}));
    world.fake.advance_clock(LATER);
    let after = poll(&world, "crmNewRecords", &input, Some(&during.state)).await;
    assert_eq!(after.ids(), [early, late]);
}

#[tokio::test]
async fn a_backlog_of_2500_records_is_delivered_in_full_past_the_2000_page_limit() {
    let world = World::new();
    let input = json!({"recordType": "Leads", "fields": ["Last_Name"], "maxEvents": 1000});
    let first = poll(&world, "crmNewRecords", &input, None).await;
    world.fake.advance_clock(1);
    let records: Vec<Value> = (0..2500).map(|i| json!({"Last_Name": format!("Bulk {i}")})).collect();
    let created = world.fake.seed("Leads", &records);
    world.fake.advance_clock(LATER);
    let one = poll(&world, "crmNewRecords", &input, Some(&first.state)).await;
    assert_eq!((one.events.len(), one.more), (1000, true));
    let (rest, _) = drain(&world, "crmNewRecords", &input, &one.state).await;
    let all: Vec<Value> = [one.events, rest].concat();
    assert_unique(&all);
    assert_eq!(ids(&all), created);
    // Hydration asked Zoho for at most 100 ids at a time.
    for request in world.fake.requests().iter().filter(|r| r.query_param("ids").is_some()) {
        assert!(request.query_param("ids").unwrap_or_default().split(',').count() <= 100);
    }
}

#[tokio::test]
async fn updated_records_are_edits_after_creation_and_an_edit_during_a_poll_is_delivered_once() {
    let world = World::new();
    let seeded = world.fake.seed(
        "Leads",
        &(0..5)
            .map(|i| json!({"Last_Name": format!("L{i}")}))
            .collect::<Vec<_>>(),
    );
    // Owner is a lookup, so the records are read by id after the walk: users' edits land
    // between the walk and the reads.
    let input = json!({"recordType": "Leads", "fields": ["Last_Name", "Lead_Status", "Owner"], "maxEvents": 3});
    let new_input = json!({"recordType": "Leads", "fields": ["Last_Name", "Owner"]});
    let updated = poll(&world, "crmUpdatedRecords", &input, None).await;
    let new = poll(&world, "crmNewRecords", &new_input, None).await;
    world.fake.advance_clock(1);
    let fresh = world.fake.create_record("Leads", &json!({"Last_Name": "Never edited"}));
    for (i, id) in seeded.iter().enumerate() {
        world
            .fake
            .edit_record("Leads", id, &json!({"Lead_Status": format!("Step {i}")}));
        world.fake.advance_clock(1);
    }
    world.fake.advance_clock(LATER);
    // While the first poll fetches its three records, a user edits the second of them and the
    // fifth record (not reached yet).
    world.fake.edit_on_request(
        "/crm/v8/Leads",
        0,
        "Leads",
        &seeded[1],
        &json!({"Lead_Status": "Edited mid-poll"}),
    );
    world
        .fake
        .edit_on_request("/crm/v8/Leads", 0, "Leads", &seeded[4], &json!({"Last_Name": "Moved"}));
    let one = poll(&world, "crmUpdatedRecords", &input, Some(&updated.state)).await;
    assert_eq!(
        one.ids(),
        [seeded[0].clone(), seeded[2].clone()],
        "the record edited again waits for its later change"
    );
    world.fake.advance_clock(LATER);
    let (rest, _) = drain(&world, "crmUpdatedRecords", &input, &one.state).await;
    let all: Vec<Value> = [one.events, rest.clone()].concat();
    assert_unique(&all);
    assert_eq!(
        ids(&rest),
        [seeded[3].clone(), seeded[1].clone(), seeded[4].clone()],
        "in the order of their last change"
    );
    assert_eq!(rest[1]["record"]["Lead_Status"], "Edited mid-poll");
    assert_eq!(rest[2]["record"]["Last_Name"], "Moved");
    assert!(all.iter().all(|e| e["event"] == "updated"));
    assert!(!ids(&all).contains(&fresh), "a record never edited is not an update");

    let (created, _) = drain(&world, "crmNewRecords", &new_input, &new.state).await;
    assert_eq!(ids(&created), [fresh]);
}

#[tokio::test]
async fn deletions_come_from_the_deleted_records_list_once_each() {
    let world = World::new();
    let seeded = world.fake.seed(
        "Deals",
        &[
            json!({"Deal_Name": "One"}),
            json!({"Deal_Name": "Two"}),
            json!({"Deal_Name": "Three"}),
        ],
    );
    world.fake.delete_record("Deals", &seeded[0]);
    world.fake.advance_clock(LATER);
    let input = json!({"recordType": "Deals", "backfill": 5});
    let first = poll(&world, "crmDeletedRecords", &input, None).await;
    assert_eq!(first.ids(), [seeded[0].clone()], "backfill of earlier deletions");
    world.fake.freeze_clock();
    world.fake.delete_record("Deals", &seeded[2]);
    world.fake.delete_record("Deals", &seeded[1]);
    world.fake.advance_clock(LATER);
    let second = poll(&world, "crmDeletedRecords", &input, Some(&first.state)).await;
    assert_eq!(
        second.ids(),
        [seeded[1].clone(), seeded[2].clone()],
        "same second: id order"
    );
    let event = &second.events[0];
    assert_eq!(event["event"], "deleted");
    assert_eq!(event["displayName"], "Two");
    assert_eq!(event["deletedBy"]["name"], "Patricia Boyle");
    assert!(event["deletedTime"].as_str().is_some_and(|t| t.contains('T')));
    assert!(event.get("record").is_none());
    let third = poll(&world, "crmDeletedRecords", &input, Some(&second.state)).await;
    assert!(third.events.is_empty());

    // The same inputs as the other CRM triggers are accepted: `fields` names what of the
    // deleted-records entry each event carries; a deleted record's own fields are gone.
    let with_fields = json!({"recordType": "Deals", "backfill": 5, "fields": "Deal_Name,display_name,type"});
    let carried = poll(&world, "crmDeletedRecords", &with_fields, None).await;
    let record = &carried
        .events
        .iter()
        .find(|e| e["id"] == seeded[1].as_str())
        .expect("the deletion of Two")["record"];
    assert_eq!(record, &json!({"display_name": "Two", "type": "recycle"}), "{record}");
    let listed = world.fake.requests();
    assert!(
        listed
            .iter()
            .any(|r| r.path == "/crm/v8/Deals/deleted" && r.query_param("type") == Some("all"))
    );
}

#[tokio::test]
async fn a_failure_midway_returns_an_error_and_the_old_state_loses_nothing() {
    let world = World::new();
    // Owner is a lookup, so the records are read by id after the walk.
    let input = json!({"recordType": "Leads", "fields": ["Last_Name", "Owner"], "maxRetries": 0});
    let first = poll(&world, "crmNewRecords", &input, None).await;
    world.fake.advance_clock(1);
    let created: Vec<String> = (0..4)
        .map(|i| {
            world
                .fake
                .create_record("Leads", &json!({"Last_Name": format!("F{i}")}))
        })
        .collect();
    world.fake.advance_clock(LATER);
    // The walk succeeds, fetching the records fails: the poll must not hand back a state.
    world.fake.inject(
        "/crm/v8/Leads",
        Fault::Status {
            status: 500,
            retry_after: None,
        },
        1,
    );
    let failed = world.poll("crmNewRecords", input.clone(), Some(&first.state)).await;
    let error = failed.expect_err("the poll fails");
    assert_eq!(kind(&error), "api", "{error}");
    let retried = poll(&world, "crmNewRecords", &input, Some(&first.state)).await;
    assert_eq!(retried.ids(), created);
}

#[tokio::test]
async fn damaged_foreign_and_other_triggers_states_are_invalid_input_naming_state() {
    let world = World::new();
    let input = json!({"recordType": "Leads", "fields": ["Last_Name"]});
    let state = poll(&world, "crmNewRecords", &input, None).await.state;
    let mut damaged = state.clone();
    damaged.insert(6, 'x');
    for (key, input, state) in [
        ("crmNewRecords", input.clone(), damaged.as_str()),
        ("crmNewRecords", input.clone(), "{\"cursor\": 1}"),
        ("crmUpdatedRecords", input.clone(), state.as_str()),
        ("crmNewRecords", json!({"recordType": "Contacts"}), state.as_str()),
    ] {
        let error = world.poll(key, input, Some(state)).await.expect_err("refused");
        assert_eq!(kind(&error), "invalid-input", "{error}");
        assert_eq!(error["error"]["input"], "state", "{error}");
    }
    let error = world
        .poll("crmNewRecords", json!({"recordType": "Leads", "maxEvents": 1001}), None)
        .await
        .expect_err("refused");
    assert_eq!(error["error"]["input"], "maxEvents");
    let error = world
        .poll("crmRecordNotifications", json!({}), None)
        .await
        .expect_err("refused");
    assert_eq!(error["error"]["input"], "trigger");
}

#[tokio::test]
async fn custom_modules_are_watched_like_standard_ones() {
    let world = World::new();
    world.fake.add_module("Projects__c", "Name");
    let input = json!({"recordType": "Projects__c"});
    let first = poll(&world, "crmNewRecords", &input, None).await;
    world.fake.advance_clock(1);
    let id = world
        .fake
        .create_record("Projects__c", &json!({"Name": "Apollo", "Budget__c": 1200}));
    world.fake.advance_clock(LATER);
    let second = poll(&world, "crmNewRecords", &input, Some(&first.state)).await;
    assert_eq!(second.ids(), [id]);
    assert_eq!(second.events[0]["record"]["Name"], "Apollo");
    assert_eq!(second.events[0]["record"]["Budget__c"], 1200);
}

#[tokio::test]
async fn books_records_new_and_updated_by_their_times() {
    let world = World::new();
    let organization = world.fake.books_organization_id();
    let input = json!({"recordType": "invoices", "maxEvents": 2});
    let new = poll(&world, "booksNewRecords", &input, None).await;
    let updated = poll(&world, "booksUpdatedRecords", &input, None).await;
    world.fake.advance_clock(1);
    let mut created = Vec::new();
    for number in ["INV-1", "INV-2", "INV-3"] {
        let output = world
            .invoke(
                "booksCreateRecord",
                json!({"recordType": "invoices", "values": {"customer_id": "460000000026049", "invoice_number": number}}),
            )
            .await
            .expect("created");
        created.push(output["data"]["invoice_id"].as_str().expect("id").to_owned());
    }
    world.fake.advance_clock(LATER);
    let one = poll(&world, "booksNewRecords", &input, Some(&new.state)).await;
    assert_eq!((one.events.len(), one.more), (2, true));
    let (rest, new_state) = drain(&world, "booksNewRecords", &input, &one.state).await;
    let all: Vec<Value> = [one.events, rest].concat();
    assert_eq!(ids(&all), created);
    assert_eq!(all[0]["record"]["invoice_number"], "INV-1");

    world
        .invoke(
            "booksUpdateRecord",
            json!({"recordType": "invoices", "recordId": created[1], "values": {"reference_number": "PO-7"}}),
        )
        .await
        .expect("updated");
    world.fake.advance_clock(LATER);
    let (edited, _) = drain(&world, "booksUpdatedRecords", &input, &updated.state).await;
    assert_eq!(ids(&edited), [created[1].clone()]);
    assert_eq!(edited[0]["event"], "updated");
    assert_eq!(edited[0]["record"]["reference_number"], "PO-7");
    let (none, _) = drain(&world, "booksNewRecords", &input, &new_state).await;
    assert!(none.is_empty());
    // A state is bound to its organization and record type.
    let error = world
        .poll("booksNewRecords", json!({"recordType": "bills"}), Some(&new_state))
        .await
        .expect_err("refused");
    assert_eq!(error["error"]["input"], "state");
    assert!(
        world
            .fake
            .requests()
            .iter()
            .all(|r| !r.path.starts_with("/books/v3/invoices")
                || r.query_param("organization_id") == Some(organization.as_str()))
    );
}

#[tokio::test]
async fn a_books_list_with_no_documented_sort_or_filter_is_read_to_its_end() {
    let world = World::new();
    let organization = world.fake.books_organization_id();
    let estimates: Vec<Value> = (0..450)
        .map(|i| json!({"customer_id": "460000000026049", "estimate_number": format!("EST-{i:04}")}))
        .collect();
    let seeded = world
        .fake
        .seed_books(&organization, "estimates", "estimate_id", &estimates);
    world.fake.advance_clock(1);
    let input = json!({"recordType": "estimates"});
    let anchor = poll(&world, "booksUpdatedRecords", &input, None).await;
    world.fake.advance_clock(1);
    // Estimates document neither a last_modified_time sort nor its filter: Books lists them in
    // its own order, so the oldest estimate, edited now, may sit on the last page.
    world
        .invoke(
            "booksUpdateRecord",
            json!({"recordType": "estimates", "recordId": seeded[0], "values": {"reference_number": "late edit"}}),
        )
        .await
        .expect("updated");
    world.fake.advance_clock(LATER);
    let (events, _) = drain(&world, "booksUpdatedRecords", &input, &anchor.state).await;
    assert_eq!(ids(&events), [seeded[0].clone()]);
    assert_eq!(events[0]["record"]["reference_number"], "late edit");
    let pages = world
        .fake
        .requests()
        .iter()
        .filter(|r| r.path == "/books/v3/estimates" && r.method == "GET")
        .count();
    assert!(pages >= 4, "every page was read ({pages} requests)");
}

/// What Books does with a `sort_column` a type does not document is not published: each
/// plausible answer (an error; the default order with the asked column echoed; the default
/// order with the real column echoed) is played, with invoices documenting their usual columns
/// and with invoices documenting none (so even `created_time` is not honoured). Both Books
/// triggers deliver every change exactly once under all six.
#[tokio::test]
async fn books_triggers_are_exact_whatever_books_does_with_an_undocumented_sort_column() {
    use fake_zoho::UnsupportedSort;
    for behaviour in [
        UnsupportedSort::Refuse,
        UnsupportedSort::IgnoreEchoingRequested,
        UnsupportedSort::IgnoreEchoingActual,
    ] {
        for documents_none in [false, true] {
            let case = format!("{behaviour:?}, documents none: {documents_none}");
            let world = World::new();
            world.fake.set_books_unsupported_sort(behaviour);
            if documents_none {
                world.fake.set_books_sort_columns("invoices", &[]);
            }
            let organization = world.fake.books_organization_id();
            // Three seconds of 150 invoices each: an order that ignored the sort shows within
            // the first page, whichever column Books echoes.
            let mut seeded = Vec::new();
            for second in 0..3 {
                let invoices: Vec<Value> = (0..150)
                    .map(
                        |i| json!({"customer_id": "460000000026049", "invoice_number": format!("INV-{second}-{i:03}")}),
                    )
                    .collect();
                seeded.extend(
                    world
                        .fake
                        .seed_books(&organization, "invoices", "invoice_id", &invoices),
                );
                world.fake.advance_clock(1);
            }
            let input = json!({"recordType": "invoices", "maxEvents": 2});
            let new = poll(&world, "booksNewRecords", &input, None).await;
            let updated = poll(&world, "booksUpdatedRecords", &input, None).await;
            world.fake.advance_clock(1);
            let mut created = Vec::new();
            for number in ["NEW-1", "NEW-2", "NEW-3"] {
                let output = world
                    .invoke(
                        "booksCreateRecord",
                        json!({"recordType": "invoices", "values": {"customer_id": "460000000026049", "invoice_number": number}}),
                    )
                    .await
                    .unwrap_or_else(|e| panic!("{case}: {e}"));
                created.push(output["data"]["invoice_id"].as_str().expect("id").to_owned());
            }
            world.fake.advance_clock(1);
            for edited in [&seeded[0], &seeded[449]] {
                world
                    .invoke(
                        "booksUpdateRecord",
                        json!({"recordType": "invoices", "recordId": edited, "values": {"reference_number": "edited"}}),
                    )
                    .await
                    .unwrap_or_else(|e| panic!("{case}: {e}"));
                world.fake.advance_clock(1);
            }
            world.fake.advance_clock(LATER);
            let (news, new_state) = drain(&world, "booksNewRecords", &input, &new.state).await;
            assert_eq!(ids(&news), created, "{case}");
            let (edits, edit_state) = drain(&world, "booksUpdatedRecords", &input, &updated.state).await;
            assert_eq!(ids(&edits), [seeded[0].clone(), seeded[449].clone()], "{case}");
            world.fake.clear_requests();
            let (again, _) = drain(&world, "booksNewRecords", &input, &new_state).await;
            let (edits_again, _) = drain(&world, "booksUpdatedRecords", &input, &edit_state).await;
            assert!(again.is_empty() && edits_again.is_empty(), "{case}: nothing twice");
            let requests = world.fake.requests();
            // Only documented columns are asked for: never last_modified_time for invoices.
            assert!(
                requests
                    .iter()
                    .all(|r| r.query_param("sort_column").is_none_or(|c| c == "created_time")),
                "{case}"
            );
            if !documents_none {
                // Sorted as documented, an idle new-records poll reads one page.
                let new_pages = requests
                    .iter()
                    .filter(|r| r.query_param("sort_column") == Some("created_time"))
                    .count();
                assert_eq!(new_pages, 1, "{case}");
            }
        }
    }
}
