//! The Books triggers on every record type Zoho's Books documents publish, read the way those
//! documents allow (`zoho_facts::books_types`): each type's own id field, a documented sort or
//! the documented `last_modified_time` filter wherever one serves, so an idle poll is one
//! request, and exactly-once delivery under same-second ties and both readings of the filter.

use fake_zoho::ModifiedFilter;
use serde_json::{Value, json};
use zoho_facts::books_types::{BOOKS_TYPES, BooksType};

use crate::support::{World, drain, ids, poll_ok as poll};

/// Long enough past a change for it to settle by Zoho's clock.
const LATER: i64 = 5;
/// More than two pages of 200, so a whole-list read shows in the request count.
const BACKLOG: usize = 450;

/// Requests the last poll sent to Books, by path.
fn books_requests(world: &World) -> Vec<String> {
    world
        .fake
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/books/v3/"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// What an idle poll of `change` may cost on `documented`: one request where a sort by its
/// time or the modified filter serves, otherwise every page of the list.
fn expected_idle_cost(documented: &BooksType, time_column: &str) -> usize {
    if documented.sorts_by(time_column) || documented.modified_filter {
        1
    } else {
        BACKLOG.div_ceil(200)
    }
}

#[tokio::test]
async fn every_documented_books_type_triggers_by_its_own_id_field_and_idle_polls_cost_what_its_documents_allow() {
    let world = World::new();
    let organization = world.fake.books_organization_id();
    let mut costs = Vec::new();
    for documented in BOOKS_TYPES {
        let path = documented.path;
        // Records with nothing but what Books gives every record (an id and its times), so
        // every answer holds only what each type's documents publish.
        let records = vec![json!({}); BACKLOG];
        let seeded = world
            .fake
            .seed_books(&organization, path, documented.id_field, &records);
        world.fake.advance_clock(1);
        let input = json!({"recordType": path, "maxEvents": 5});
        let new = poll(&world, "booksNewRecords", &input, None).await;
        let updated = poll(&world, "booksUpdatedRecords", &input, None).await;
        world.fake.advance_clock(1);
        let created = world
            .fake
            .seed_books(&organization, path, documented.id_field, &[json!({})]);
        assert!(
            world
                .fake
                .update_books(&organization, path, documented.id_field, &seeded[0], &json!({}))
        );
        world.fake.advance_clock(LATER);
        let (news, new_state) = drain(&world, "booksNewRecords", &input, &new.state).await;
        let news = ids(&news);
        assert_eq!(news, created, "{path}: new records by `{}`", documented.id_field);
        let (edits, edit_state) = drain(&world, "booksUpdatedRecords", &input, &updated.state).await;
        let edits = ids(&edits);
        assert_eq!(edits, [seeded[0].clone()], "{path}: updated records");

        world.fake.clear_requests();
        let idle = poll(&world, "booksNewRecords", &input, Some(&new_state)).await;
        assert!(idle.events.is_empty(), "{path}: nothing new");
        let new_cost = books_requests(&world);
        world.fake.clear_requests();
        let idle = poll(&world, "booksUpdatedRecords", &input, Some(&edit_state)).await;
        assert!(idle.events.is_empty(), "{path}: nothing changed");
        let updated_cost = books_requests(&world);
        assert_eq!(
            new_cost.len(),
            expected_idle_cost(documented, "created_time"),
            "{path}: an idle new-records poll: {new_cost:?}"
        );
        assert_eq!(
            updated_cost.len(),
            expected_idle_cost(documented, "last_modified_time"),
            "{path}: an idle updated-records poll: {updated_cost:?}"
        );
        costs.push(format!("| {path} | {} | {} |", new_cost.len(), updated_cost.len()));
    }
    // The table BENCHMARKS.md records ("Books: requests per idle poll").
    println!(
        "| record type ({BACKLOG} records) | booksNewRecords | booksUpdatedRecords |\n|---|---|---|\n{}",
        costs.join("\n")
    );
}

/// Zoho's text says its `last_modified_time` filter lists records modified after the time
/// given; a server may as well include that second. Under both readings, with many edits in
/// one second and `maxEvents` cutting that second in two, every edit is delivered once.
#[tokio::test]
async fn the_modified_filter_is_exact_under_both_readings_and_same_second_ties() {
    for reading in [ModifiedFilter::After, ModifiedFilter::AtOrAfter] {
        let world = World::new();
        world.fake.set_books_modified_filter(reading);
        let organization = world.fake.books_organization_id();
        let invoices: Vec<Value> = (0..BACKLOG)
            .map(|i| json!({"customer_id": "460000000026049", "invoice_number": format!("INV-{i:04}")}))
            .collect();
        let seeded = world
            .fake
            .seed_books(&organization, "invoices", "invoice_id", &invoices);
        world.fake.freeze_clock();
        world.fake.advance_clock(1);
        let input = json!({"recordType": "invoices", "maxEvents": 3});
        let anchor = poll(&world, "booksUpdatedRecords", &input, None).await;
        let mut expected = Vec::new();
        for round in 0..2 {
            world.fake.advance_clock(1);
            // Seven edits in one second, oldest invoices and newest alike.
            for index in [5, 440, 17, 300, 2, 448, 100] {
                let id = &seeded[index + round];
                world.fake.update_books(
                    &organization,
                    "invoices",
                    "invoice_id",
                    id,
                    &json!({"reference_number": format!("edit {round}")}),
                );
                expected.push(id.clone());
            }
        }
        world.fake.advance_clock(LATER);
        let (edits, state) = drain(&world, "booksUpdatedRecords", &input, &anchor.state).await;
        let edits = ids(&edits);
        let mut sorted_edits = edits.clone();
        sorted_edits.sort();
        sorted_edits.dedup();
        assert_eq!(
            sorted_edits.len(),
            edits.len(),
            "{reading:?}: an edit was delivered twice: {edits:?}"
        );
        let mut wanted = expected.clone();
        wanted.sort();
        assert_eq!(sorted_edits, wanted, "{reading:?}: every edit once");
        // Every list request carried the filter, a second before the position.
        let lists: Vec<_> = world
            .fake
            .requests()
            .into_iter()
            .filter(|r| r.path == "/books/v3/invoices" && r.query_param("per_page") == Some("200"))
            .collect();
        assert!(
            lists.iter().all(|r| r.query_param("last_modified_time").is_some()),
            "{reading:?}: the filter on every poll"
        );
        world.fake.clear_requests();
        let (again, _) = drain(&world, "booksUpdatedRecords", &input, &state).await;
        assert!(again.is_empty(), "{reading:?}: nothing twice");
        assert_eq!(
            books_requests(&world).len(),
            1,
            "{reading:?}: an idle poll is one request"
        );
    }
}

/// The first poll of a type only the filter serves has no order to read the most recent
/// changes by: it looks back a second, a day, a month, a year, until it has `backfill` of them.
/// Edits a few hours, days and weeks old: the three most recent come back, oldest first, and
/// later polls start after the anchor.
#[tokio::test]
async fn a_first_poll_backfills_the_most_recent_changes_through_widening_windows() {
    let world = World::new();
    let organization = world.fake.books_organization_id();
    let invoices: Vec<Value> = (0..BACKLOG)
        .map(|i| json!({"customer_id": "460000000026049", "invoice_number": format!("INV-{i:04}")}))
        .collect();
    let seeded = world
        .fake
        .seed_books(&organization, "invoices", "invoice_id", &invoices);
    world.fake.advance_clock(1);
    // Edited 40 days, 10 days, 3 days, 5 hours and 1 hour before the first poll.
    let gaps = [30 * 86_400, 7 * 86_400, 3 * 86_400 - 5 * 3_600, 4 * 3_600, 3_600];
    let mut edited = Vec::new();
    for (index, gap) in [7, 300, 42, 449, 0].into_iter().zip(gaps) {
        world.fake.update_books(
            &organization,
            "invoices",
            "invoice_id",
            &seeded[index],
            &json!({"reference_number": "edited"}),
        );
        edited.push(seeded[index].clone());
        world.fake.advance_clock(gap);
    }
    world.fake.clear_requests();
    let input = json!({"recordType": "invoices", "backfill": 3});
    let first = poll(&world, "booksUpdatedRecords", &input, None).await;
    assert_eq!(
        ids(&first.events),
        edited[2..],
        "the three most recent edits, oldest first"
    );
    // The clock, then windows of a second, a day and a month: the month holds three edits.
    let lists: Vec<String> = books_requests(&world)
        .into_iter()
        .filter(|r| r == "GET /books/v3/invoices")
        .collect();
    assert_eq!(lists.len(), 4, "{lists:?}");
    world.fake.advance_clock(LATER);
    let (later, _) = drain(&world, "booksUpdatedRecords", &input, &first.state).await;
    assert!(later.is_empty(), "nothing before the anchor comes again");
}

/// Most lists document `sort_column` but not `sort_order`, so which way a sorted list goes is
/// Books' choice (its samples echo "D"). Oldest first, the walk cannot stop early: it reads the
/// list to its end and still delivers each new invoice once.
#[tokio::test]
async fn a_sort_that_comes_oldest_first_is_read_to_its_end_and_stays_exact() {
    let world = World::new();
    world.fake.set_books_sorted_descending_by_default(false);
    let organization = world.fake.books_organization_id();
    let invoices: Vec<Value> = (0..BACKLOG)
        .map(|i| json!({"customer_id": "460000000026049", "invoice_number": format!("INV-{i:04}")}))
        .collect();
    world
        .fake
        .seed_books(&organization, "invoices", "invoice_id", &invoices);
    world.fake.advance_clock(1);
    let input = json!({"recordType": "invoices", "maxEvents": 2});
    let anchor = poll(&world, "booksNewRecords", &input, None).await;
    world.fake.advance_clock(1);
    let created = world.fake.seed_books(
        &organization,
        "invoices",
        "invoice_id",
        &[
            json!({"customer_id": "460000000026049"}),
            json!({"customer_id": "460000000026049"}),
            json!({"customer_id": "460000000026049"}),
        ],
    );
    world.fake.advance_clock(LATER);
    let (news, state) = drain(&world, "booksNewRecords", &input, &anchor.state).await;
    assert_eq!(ids(&news), created, "each new invoice once, oldest first");
    world.fake.clear_requests();
    let (again, _) = drain(&world, "booksNewRecords", &input, &state).await;
    assert!(again.is_empty(), "nothing twice");
    assert_eq!(
        books_requests(&world).len(),
        (BACKLOG + 3).div_ceil(200),
        "the whole list, read to its end"
    );
}

/// Zoho's list schemas show no times for items, customer payments, journals and others, and
/// Books may really leave them out. Then the triggers remember the list itself: a new item, an
/// edited one and one deleted, with `maxEvents` holding some back, each reported exactly once,
/// whatever order Books lists in.
#[tokio::test]
async fn a_books_type_listed_without_its_times_is_watched_by_remembering_the_list() {
    let world = World::new();
    let organization = world.fake.books_organization_id();
    let items: Vec<Value> = (0..450)
        .map(|i| json!({"name": format!("Item {i:03}"), "rate": i}))
        .collect();
    let seeded = world.fake.seed_books(&organization, "items", "item_id", &items);
    world.fake.set_books_list_omits_times("items");
    let input = json!({"recordType": "items", "maxEvents": 2});
    let new = poll(&world, "booksNewRecords", &input, None).await;
    let updated = poll(&world, "booksUpdatedRecords", &input, None).await;
    assert!(
        new.events.is_empty() && updated.events.is_empty(),
        "a first poll only remembers"
    );
    assert!(
        new.state.len() < 12 * 450,
        "about ten bytes a record: {}",
        new.state.len()
    );

    let created = world.fake.seed_books(
        &organization,
        "items",
        "item_id",
        &[
            json!({"name": "New A", "rate": 1}),
            json!({"name": "New B", "rate": 2}),
            json!({"name": "New C", "rate": 3}),
        ],
    );
    for index in [0, 449, 200] {
        world.fake.update_books(
            &organization,
            "items",
            "item_id",
            &seeded[index],
            &json!({"rate": 9_999}),
        );
    }
    let (news, new_state) = drain(&world, "booksNewRecords", &input, &new.state).await;
    assert_eq!(ids(&news), created, "every new item once, in id order");
    let (edits, edit_state) = drain(&world, "booksUpdatedRecords", &input, &updated.state).await;
    let mut edited = ids(&edits);
    edited.sort();
    let mut expected = vec![seeded[0].clone(), seeded[449].clone(), seeded[200].clone()];
    expected.sort();
    assert_eq!(edited, expected, "every edit once, none of the new items");
    assert_eq!(edits[0]["record"]["rate"], 9_999);

    let (again, _) = drain(&world, "booksNewRecords", &input, &new_state).await;
    let (edits_again, _) = drain(&world, "booksUpdatedRecords", &input, &edit_state).await;
    assert!(again.is_empty() && edits_again.is_empty(), "nothing twice");
    // Another edit of an item already reported is a new change.
    world
        .fake
        .update_books(&organization, "items", "item_id", &seeded[0], &json!({"rate": 1}));
    let (edits_later, _) = drain(&world, "booksUpdatedRecords", &input, &edit_state).await;
    assert_eq!(ids(&edits_later), [seeded[0].clone()]);
}

/// A state that holds a position cannot go on once Books stops listing the times it needs:
/// the poll says so by the input's name, and starting again without it works.
#[tokio::test]
async fn a_position_state_meeting_a_list_without_times_says_to_start_again() {
    let world = World::new();
    let organization = world.fake.books_organization_id();
    world.fake.seed_books(
        &organization,
        "items",
        "item_id",
        &[json!({"name": "Hard Drive", "rate": 120})],
    );
    let input = json!({"recordType": "items"});
    let anchor = poll(&world, "booksNewRecords", &input, None).await;
    world.fake.set_books_list_omits_times("items");
    world.fake.advance_clock(LATER);
    let error = world
        .poll("booksNewRecords", input.clone(), Some(&anchor.state))
        .await
        .expect_err("refused");
    assert_eq!(error["error"]["input"], "recordType", "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("omit the state")
    );
    poll(&world, "booksNewRecords", &input, None).await;
}
