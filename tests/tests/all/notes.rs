//! Notes on records: `crmListNotes`, `crmCreateNote`, `crmUpdateNote`, `crmDeleteNote`, through
//! `invoke` and the CLI.

use serde_json::{Value, json};

use crate::support::{World, cli_against, kind};

fn lead(world: &World) -> String {
    world.fake.seed("Leads", &[json!({"Last_Name": "Noted"})]).remove(0)
}

async fn add_note(world: &World, lead: &str, title: &str, content: &str) -> String {
    let created = world
        .invoke(
            "crmCreateNote",
            json!({"recordType": "Leads", "recordId": lead, "title": title, "content": content}),
        )
        .await
        .expect("note added");
    assert_eq!(created["data"]["status"], "success");
    created["data"]["id"].as_str().expect("note id").to_owned()
}

async fn notes_of(world: &World, lead: &str) -> Vec<Value> {
    let listed = world
        .invoke("crmListNotes", json!({"recordType": "Leads", "recordId": lead}))
        .await
        .expect("listed");
    listed["data"].as_array().expect("data").clone()
}

#[tokio::test]
async fn notes_are_added_listed_newest_first_edited_and_deleted() {
    let world = World::new();
    let lead = lead(&world);
    let first = add_note(&world, &lead, "Call", "Call back on Monday").await;
    let second = add_note(&world, &lead, "Proposal", "Send the proposal").await;
    let notes = notes_of(&world, &lead).await;
    let ids: Vec<&str> = notes.iter().map(|n| n["id"].as_str().expect("id")).collect();
    assert_eq!(ids, [second.as_str(), first.as_str()]);
    assert_eq!(notes[1]["Note_Content"], "Call back on Monday");
    assert_eq!(notes[1]["Parent_Id"]["id"], lead.as_str());
    let request = world.fake.requests().last().cloned().expect("a request");
    assert_eq!(
        request.raw_query.as_deref(),
        Some("fields=Note_Title%2CNote_Content%2CParent_Id%2COwner%2CCreated_Time%2CModified_Time&page=1&per_page=200")
    );

    let updated = world
        .invoke("crmUpdateNote", json!({"noteId": first, "content": "Called; all good"}))
        .await
        .expect("updated");
    assert_eq!(updated["data"]["message"], "record updated");
    let notes = notes_of(&world, &lead).await;
    assert_eq!(notes[1]["Note_Content"], "Called; all good");
    assert_eq!(notes[1]["Note_Title"], "Call", "a title left out is kept");

    world
        .invoke("crmDeleteNote", json!({"noteId": first}))
        .await
        .expect("deleted");
    assert_eq!(notes_of(&world, &lead).await.len(), 1);
    let error = world
        .invoke("crmDeleteNote", json!({"noteId": first}))
        .await
        .expect_err("already gone");
    assert_eq!(kind(&error), "not-found");
}

#[tokio::test]
async fn notes_are_paged_and_fields_can_be_chosen() {
    let world = World::new();
    let lead = lead(&world);
    for i in 0..3 {
        add_note(&world, &lead, &format!("Note {i}"), "text").await;
    }
    let paged = world
        .invoke(
            "crmListNotes",
            json!({"recordType": "Leads", "recordId": lead, "fields": ["Note_Title"], "perPage": 1, "fetchAll": true}),
        )
        .await
        .expect("every page");
    let titles: Vec<&str> = paged["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|n| n["Note_Title"].as_str().expect("title"))
        .collect();
    assert_eq!(titles, ["Note 2", "Note 1", "Note 0"]);
    assert!(
        paged["data"][0].get("Note_Content").is_none(),
        "only the fields asked for"
    );
}

#[tokio::test]
async fn the_errors_users_hit_most_are_clear() {
    let world = World::new();
    let lead = lead(&world);
    let error = world
        .invoke(
            "crmCreateNote",
            json!({"recordType": "Leads", "recordId": lead, "content": "  "}),
        )
        .await
        .expect_err("empty content");
    assert_eq!(
        (kind(&error), error["error"]["input"].as_str()),
        ("invalid-input", Some("content"))
    );
    let error = world
        .invoke("crmUpdateNote", json!({"noteId": "4876876000000999999"}))
        .await
        .expect_err("nothing to change");
    assert_eq!(kind(&error), "invalid-input");
    assert!(world.fake.requests().is_empty(), "refused before sending");

    let error = world
        .invoke(
            "crmCreateNote",
            json!({"recordType": "Leads", "recordId": "4876876000000999999", "content": "lost"}),
        )
        .await
        .expect_err("no such lead");
    assert_eq!(kind(&error), "not-found");
    let error = world
        .invoke("crmUpdateNote", json!({"noteId": "4876876000000999999", "title": "x"}))
        .await
        .expect_err("no such note");
    assert_eq!(kind(&error), "not-found");
    let empty = world
        .invoke("crmListNotes", json!({"recordType": "Leads", "recordId": lead}))
        .await
        .expect("no notes yet");
    assert_eq!(empty["data"], json!([]));
}

#[tokio::test]
async fn a_note_is_added_through_the_cli() {
    let world = World::new();
    let lead = lead(&world);
    let input = json!({"recordType": "Leads", "recordId": lead, "content": "From the CLI"}).to_string();
    let run = cli_against(&world.fake, &["invoke", "crmCreateNote", "--input", &input]).await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    assert_eq!(notes_of(&world, &lead).await[0]["Note_Content"], "From the CLI");
}
