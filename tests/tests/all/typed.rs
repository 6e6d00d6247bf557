//! The typed `crm`, `books` and `raw` exports, called as a Rust host would, without the
//! `actions` layer: through the harness's typed facade (`harness.crm(..).get_record(..)`), and
//! through a live [`zoho_host::Instance`] for an embedder that keeps one store across calls.

use crate::support::{CONNECTION, World, harness};
use serde_json::{Value, json};
use zoho_host::{Error, ListOptions, SortOrder};

#[tokio::test]
async fn typed_crud_round_trip() {
    let world = World::new();
    let crm = harness().crm(&world.context, CONNECTION);

    let created = crm
        .create_records(
            "Leads",
            r#"[{"Last_Name":"A"},{"Last_Name":"B"}]"#,
            Some(&["workflow".to_owned()]),
        )
        .await
        .expect("no trap")
        .expect("created");
    assert_eq!(created.len(), 2);
    let id = created[1].id.clone().expect("id");
    assert_eq!((created[1].index, created[1].success), (1, true));

    let record = crm
        .get_record("Leads", &id, &["Last_Name".to_owned()], None)
        .await
        .expect("no trap")
        .expect("ok")
        .expect("found");
    assert_eq!(serde_json::from_str::<Value>(&record).expect("json")["Last_Name"], "B");

    let options = ListOptions {
        fields: vec!["Last_Name".into()],
        page: Some(1),
        per_page: Some(1),
        page_token: None,
        sort_by: Some("id".into()),
        sort_order: Some(SortOrder::Asc),
        if_modified_since: None,
        fetch_all: false,
        max_records: None,
        cursor: None,
    };
    let page = crm
        .get_records("Leads", &options)
        .await
        .expect("no trap")
        .expect("listed");
    assert_eq!(
        serde_json::from_str::<Value>(&page.records).expect("json")[0]["Last_Name"],
        "A"
    );
    assert!(page.info.more_records && page.info.next_page_token.is_some());
    assert!(page.more_records && page.cursor.is_some());

    let updated = crm
        .update_record("Leads", &id, r#"{"Company":"Zylker"}"#, None)
        .await
        .expect("no trap")
        .expect("updated");
    assert_eq!(updated.id.as_deref(), Some(id.as_str()));
    let deleted = crm
        .delete_record("Leads", &id)
        .await
        .expect("no trap")
        .expect("deleted");
    assert_eq!(deleted.message, "record deleted");
    assert_eq!(world.fake.records("Leads").len(), 1);
    assert_eq!(world.fake.requests().len(), 5);
}

#[tokio::test]
async fn typed_errors_are_the_wit_variant() {
    let world = World::new();
    let crm = harness().crm(&world.context, CONNECTION);
    let error = crm
        .get_record("Leads", "12/34", &[], None)
        .await
        .expect("no trap")
        .expect_err("invalid");
    assert!(
        matches!(&error, Error::InvalidInput(i) if i.input == "recordId"),
        "{error:?}"
    );
    let error = crm
        .create_records("Leads", "{not json", None)
        .await
        .expect("no trap")
        .expect_err("invalid");
    assert!(
        matches!(&error, Error::InvalidInput(i) if i.input == "values"),
        "{error:?}"
    );
    assert!(world.fake.requests().is_empty());
}

#[tokio::test]
async fn typed_books_functions() {
    use zoho_host::{BooksListRequest, BooksTarget};
    let world = World::new();
    let organization = world.fake.books_organization_id();
    world.fake.seed_books(
        &organization,
        "settings/taxes",
        "tax_id",
        &[serde_json::json!({"tax_name": "VAT"})],
    );
    let books = harness().books(&world.context, CONNECTION);

    let organizations = books.list_organizations().await.expect("no trap").expect("listed");
    assert_eq!(organizations[0].id, organization);

    let target = BooksTarget {
        record_type: "settings/taxes".into(),
        parent_record_type: None,
        parent_record_id: None,
        organization_id: None,
    };
    let request = BooksListRequest {
        page: None,
        per_page: None,
        search_fields: vec![],
        fetch_all: true,
        max_records: None,
        cursor: None,
    };
    let list = books
        .get_records(&target, &request)
        .await
        .expect("no trap")
        .expect("listed");
    assert_eq!(
        serde_json::from_str::<Value>(&list.records).expect("json")[0]["tax_name"],
        "VAT"
    );
    assert!(!list.more_records && list.cursor.is_none());

    let created = books
        .create_record(&target, r#"{"tax_name":"GST","tax_percentage":5}"#)
        .await
        .expect("no trap")
        .expect("created");
    let id = serde_json::from_str::<Value>(&created).expect("json")["tax_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let message = books
        .delete_record(&target, &id)
        .await
        .expect("no trap")
        .expect("deleted");
    assert!(message.contains("deleted"), "{message}");
}

#[tokio::test]
async fn typed_crm_batch_search_metadata_and_attachment_functions() {
    use zoho_host::{AttachmentUpload, FileUpload, SearchBy, SearchCondition};
    let world = World::new();
    let mut instance = world.instance().await;
    let crm = instance.connector.zoho_connector_crm();

    let upserted = crm
        .call_upsert_records(
            &mut instance.store,
            CONNECTION,
            "Leads",
            r#"[{"Last_Name":"Boyle","Email":"p@zylker.example"}]"#,
            &["Email".to_owned()],
            None,
        )
        .await
        .expect("no trap")
        .expect("upserted");
    assert_eq!(upserted[0].action.as_deref(), Some("insert"));
    let id = upserted[0].id.clone().expect("id");

    let conditions = vec![SearchCondition {
        field: "Email".into(),
        operator: "equals".into(),
        value: "\"p@zylker.example\"".into(),
    }];
    let found = crm
        .call_search_records(
            &mut instance.store,
            CONNECTION,
            "Leads",
            &SearchBy::Conditions((conditions, true)),
            &[],
            &first_page(),
        )
        .await
        .expect("no trap")
        .expect("searched");
    assert_eq!(
        serde_json::from_str::<Value>(&found.records).expect("json")[0]["id"],
        Value::String(id.clone())
    );

    let upload = AttachmentUpload::File(FileUpload {
        file_name: "a.bin".into(),
        content_type: None,
        data: vec![0, 1, 2, 255],
    });
    let attached = crm
        .call_add_attachment(&mut instance.store, CONNECTION, "Leads", &id, &upload)
        .await
        .expect("no trap")
        .expect("attached");
    let file = crm
        .call_download_attachment(
            &mut instance.store,
            CONNECTION,
            "Leads",
            &id,
            attached.id.as_deref().expect("id"),
        )
        .await
        .expect("no trap")
        .expect("downloaded");
    assert_eq!(file.data, vec![0, 1, 2, 255]);

    let fields = crm
        .call_list_fields(&mut instance.store, CONNECTION, "Leads")
        .await
        .expect("no trap")
        .expect("fields");
    assert!(
        fields
            .iter()
            .any(|f| f.api_name == "Lead_Source" && !f.picklist_values.is_empty())
    );
    let modules = crm
        .call_list_modules(&mut instance.store, CONNECTION)
        .await
        .expect("no trap")
        .expect("modules");
    assert!(modules.iter().any(|m| m.api_name == "Leads" && !m.custom));

    let deleted = crm
        .call_delete_records(&mut instance.store, CONNECTION, "Leads", &[id])
        .await
        .expect("no trap")
        .expect("deleted");
    assert!(deleted[0].success);
    assert!(world.fake.records("Leads").is_empty());
}

/// Conversion options with only deal values set.
fn convert_with_deal(deal: &str) -> zoho_host::ConvertOptions {
    zoho_host::ConvertOptions {
        overwrite: None,
        notify_lead_owner: None,
        notify_new_entity_owner: None,
        account_id: None,
        contact_id: None,
        assign_to: None,
        deal: Some(deal.to_owned()),
    }
}

/// Paging for one page of everything.
fn first_page() -> zoho_host::Paging {
    zoho_host::Paging {
        page: None,
        per_page: None,
        fetch_all: false,
        max_records: None,
        cursor: None,
    }
}

#[tokio::test]
async fn the_typed_breadth_functions_run_as_their_actions_do() {
    let world = World::new();
    let lead = world
        .fake
        .seed("Leads", &[json!({"Last_Name": "Typed", "Company": "Zylker"})])
        .remove(0);
    let campaign = world
        .fake
        .seed("Campaigns", &[json!({"Campaign_Name": "Typed"})])
        .remove(0);
    let mut instance = world.instance().await;
    let crm = instance.connector.zoho_connector_crm();
    let store = &mut instance.store;

    let note = crm
        .call_create_note(&mut *store, CONNECTION, "Leads", &lead, Some("Call"), "Call back")
        .await
        .expect("no trap")
        .expect("note added");
    let notes = crm
        .call_list_notes(&mut *store, CONNECTION, "Leads", &lead, &[], &first_page())
        .await
        .expect("no trap")
        .expect("notes");
    assert!(notes.records.contains(note.id.as_deref().expect("note id")));

    let tagged = crm
        .call_add_tags(
            &mut *store,
            CONNECTION,
            "Leads",
            std::slice::from_ref(&lead),
            &["Hot".to_owned()],
            false,
        )
        .await
        .expect("no trap")
        .expect("tagged");
    assert!(tagged[0].success);
    let tags = crm
        .call_list_tags(&mut *store, CONNECTION, "Leads")
        .await
        .expect("no trap")
        .expect("tags");
    assert!(tags.contains("Hot"));

    let linked = crm
        .call_link_related_records(
            &mut *store,
            CONNECTION,
            "Campaigns",
            &campaign,
            "Leads",
            std::slice::from_ref(&lead),
            None,
        )
        .await
        .expect("no trap")
        .expect("linked");
    assert!(linked[0].success);
    let lists = crm
        .call_list_related_lists(&mut *store, CONNECTION, "Campaigns")
        .await
        .expect("no trap")
        .expect("lists");
    assert!(lists.iter().any(|l| l.api_name == "Leads"));

    let users = crm
        .call_list_users(&mut *store, CONNECTION, "CurrentUser", &first_page())
        .await
        .expect("no trap")
        .expect("users");
    assert_eq!(users.info.count, 1);

    let converted = crm
        .call_convert_lead(
            &mut *store,
            CONNECTION,
            &lead,
            &convert_with_deal(r#"{"Deal_Name":"Typed deal","Stage":"Qualification"}"#),
        )
        .await
        .expect("no trap")
        .expect("converted");
    assert!(converted.contact_id.is_some() && converted.account_id.is_some() && converted.deal_id.is_some());

    let deleted = crm
        .call_list_deleted_records(
            &mut *store,
            CONNECTION,
            "Leads",
            zoho_host::DeletedKind::All,
            None,
            &first_page(),
        )
        .await
        .expect("no trap")
        .expect("deleted list");
    assert_eq!(deleted.info.count, 0, "a converted lead is not a deleted one");

    let error = crm
        .call_convert_lead(&mut *store, CONNECTION, &lead, &convert_with_deal("not json"))
        .await
        .expect("no trap")
        .expect_err("deal must be an object");
    assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
}

#[tokio::test]
async fn the_typed_books_file_and_action_functions_run() {
    let world = World::new();
    let organization = world.fake.books_organization_id();
    let invoice = world
        .fake
        .seed_books(&organization, "invoices", "invoice_id", &[json!({"status": "draft"})])
        .remove(0);
    let mut instance = world.instance().await;
    let books = instance.connector.zoho_connector_books();
    let target = zoho_host::BooksTarget {
        record_type: "invoices".into(),
        parent_record_type: None,
        parent_record_id: None,
        organization_id: None,
    };
    let message = books
        .call_add_attachment(&mut instance.store, CONNECTION, &target, &invoice, "order.pdf", b"%PDF")
        .await
        .expect("no trap")
        .expect("attached");
    assert!(message.contains("attached"));
    let file = books
        .call_download_attachment(&mut instance.store, CONNECTION, &target, &invoice)
        .await
        .expect("no trap")
        .expect("downloaded");
    assert_eq!(file.data, b"%PDF");
    let message = books
        .call_record_action(&mut instance.store, CONNECTION, &target, &invoice, "status/sent", None)
        .await
        .expect("no trap")
        .expect("sent");
    assert!(message.contains("sent"), "{message}");
}

#[tokio::test]
async fn typed_bulk_read_and_write_round_trip() {
    use zoho_host::{BulkOperation, BulkReadRequest, BulkWriteRequest};
    let world = World::new();
    world.fake.set_bulk_step(std::time::Duration::ZERO);
    let ids = world.fake.seed(
        "Leads",
        &(0..50)
            .map(|i| json!({"Last_Name": format!("Typed {i}")}))
            .collect::<Vec<_>>(),
    );
    let mut instance = world.instance().await;
    let crm = instance.connector.zoho_connector_crm();
    let request = BulkReadRequest {
        record_type: "Leads".into(),
        fields: vec!["Last_Name".into()],
        criteria: Some(r#"[{"field":"Last_Name","comparator":"starts_with","value":"Typed"}]"#.into()),
        page: None,
        page_token: None,
        callback_url: None,
    };
    let job = crm
        .call_bulk_read_start(&mut instance.store, CONNECTION, &request)
        .await
        .expect("no trap")
        .expect("started");
    let status = crm
        .call_bulk_read_status(&mut instance.store, CONNECTION, &job)
        .await
        .expect("no trap")
        .expect("status");
    assert_eq!(
        (status.state.as_str(), status.count, status.more_records),
        ("COMPLETED", Some(50), false)
    );
    let mut offset = None;
    let mut got = Vec::new();
    loop {
        let chunk = crm
            .call_bulk_read_result(&mut instance.store, CONNECTION, &job, offset.as_deref(), Some(1024))
            .await
            .expect("no trap")
            .expect("chunk");
        assert_eq!(chunk.rows_before, got.len() as u64);
        let records: Vec<Value> = serde_json::from_str(&chunk.records).expect("json");
        got.extend(records.iter().map(|r| r["id"].as_str().expect("string id").to_owned()));
        offset = chunk.next_offset;
        if offset.is_none() {
            break;
        }
    }
    assert_eq!(got, ids);

    let file_id = crm
        .call_bulk_write_upload(
            &mut instance.store,
            CONNECTION,
            "typed.csv",
            b"Last_Name\r\nWritten\r\n",
        )
        .await
        .expect("no trap")
        .expect("uploaded");
    let write = BulkWriteRequest {
        operation: BulkOperation::Insert,
        record_type: "Leads".into(),
        file_id,
        field_mappings: Some(r#"{"Last_Name": 0}"#.into()),
        find_by: None,
        ignore_empty: None,
        callback_url: None,
    };
    let write_job = crm
        .call_bulk_write_start(&mut instance.store, CONNECTION, &write)
        .await
        .expect("no trap")
        .expect("started");
    let written = crm
        .call_bulk_write_status(&mut instance.store, CONNECTION, &write_job)
        .await
        .expect("no trap")
        .expect("status");
    assert_eq!(
        (written.state.as_str(), written.added, written.total),
        ("COMPLETED", 1, 1)
    );
    let result = crm
        .call_bulk_write_result(&mut instance.store, CONNECTION, &write_job, None, None)
        .await
        .expect("no trap")
        .expect("result");
    let rows: Vec<Value> = serde_json::from_str(&result.records).expect("json");
    assert_eq!(rows[0]["STATUS"], "added");
    let refused = crm
        .call_bulk_read_result(&mut instance.store, CONNECTION, &job, None, Some(10))
        .await
        .expect("no trap")
        .expect_err("max-bytes too small");
    assert!(
        matches!(refused, Error::InvalidInput(ref e) if e.input == "max-bytes"),
        "{refused:?}"
    );
}
