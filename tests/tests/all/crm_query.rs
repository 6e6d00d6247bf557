//! COQL and CRM metadata against fake-zoho's real COQL subset and field registry.

use serde_json::{Value, json};

use crate::support::{CONNECTION, World, kind};

fn seed_people(world: &World) {
    world.fake.seed(
        "Leads",
        &[
            json!({"Last_Name": "Boyle", "Email": "p.boyle@zylker.example", "Lead_Source": "Web Download", "Annual_Revenue": 1200}),
            json!({"Last_Name": "Mehta", "Email": "arjun@mapleview.example", "Lead_Source": "Partner", "Annual_Revenue": 800}),
            json!({"Last_Name": "Vogel", "Email": "l.vogel@nordlicht.example", "Lead_Source": "Trade Show"}),
            json!({"Last_Name": "O'Brien", "Email": "obrien@zylker.example", "Lead_Source": "Web Download", "Annual_Revenue": 50}),
        ],
    );
}

fn names(output: &Value) -> Vec<String> {
    output["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|r| r["Last_Name"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_query_with_where_order_and_limit_runs_as_written() {
    let world = World::new();
    seed_people(&world);
    let query = "select Last_Name, Email from Leads where (Email like '%@zylker.example' or Lead_Source in ('Partner', 'Cold Call')) and Annual_Revenue is not null order by Annual_Revenue desc limit 0, 10";
    let output = world.invoke("crmRunQuery", json!({"query": query})).await.expect("ran");
    assert_eq!(names(&output), ["Boyle", "Mehta", "O'Brien"]);
    assert!(output["data"][0]["id"].is_string(), "id is always returned");
    assert_eq!(world.fake.requests()[0].json(), json!({"select_query": query}));
    assert_eq!(world.fake.requests()[0].path, "/crm/v8/coql");
}

#[tokio::test]
async fn quoting_between_and_not_in_work() {
    let world = World::new();
    seed_people(&world);
    let output = world
        .invoke(
            "crmRunQuery",
            json!({"query": "select Last_Name from Leads where Last_Name = 'O''Brien'"}),
        )
        .await
        .expect("ran");
    assert_eq!(names(&output), ["O'Brien"]);
    let output = world
        .invoke(
            "crmRunQuery",
            json!({"query": "select Last_Name from Leads where Annual_Revenue between 100 and 1000"}),
        )
        .await
        .expect("ran");
    assert_eq!(names(&output), ["Mehta"]);
    let output = world
        .invoke("crmRunQuery", json!({"query": "select Last_Name from Leads where Lead_Source not in ('Web Download') order by Last_Name limit 5 offset 1"}))
        .await
        .expect("ran");
    assert_eq!(names(&output), ["Vogel"]);
    let output = world
        .invoke(
            "crmRunQuery",
            json!({"query": "select Last_Name from Leads where Last_Name = 'Nobody'"}),
        )
        .await
        .expect("empty");
    assert_eq!(output["data"], json!([]));
}

#[tokio::test]
async fn lookup_dot_paths_follow_the_relation() {
    let world = World::new();
    let account = world
        .fake
        .seed("Accounts", &[json!({"Account_Name": "Zylker Inc"})])
        .remove(0);
    world.fake.seed(
        "Contacts",
        &[json!({"Last_Name": "Boyle", "Account_Name": {"id": account, "name": "Zylker Inc"}})],
    );
    let output = world
        .invoke(
            "crmRunQuery",
            json!({"query": "select Last_Name, Account_Name.Account_Name from Contacts"}),
        )
        .await
        .expect("ran");
    assert_eq!(output["data"][0]["Account_Name.Account_Name"], "Zylker Inc");
}

#[tokio::test]
async fn fetch_all_respects_a_user_limit_of_2500_in_requests_of_at_most_2000() {
    let world = World::new();
    let records: Vec<Value> = (0..3000).map(|i| json!({"Last_Name": format!("L{i:04}")})).collect();
    world.fake.seed("Leads", &records);
    let output = world
        .invoke(
            "crmRunQuery",
            json!({"query": "select Last_Name from Leads order by Last_Name limit 2500", "fetchAll": true}),
        )
        .await
        .expect("ran");
    let rows = names(&output);
    assert_eq!(rows.len(), 2500);
    assert_eq!((rows[0].as_str(), rows[2499].as_str()), ("L0000", "L2499"));
    assert_eq!(
        (output["info"]["moreRecords"].clone(), output["info"]["cursor"].clone()),
        (json!(false), Value::Null)
    );
    let sent: Vec<String> = world
        .fake
        .requests()
        .iter()
        .filter_map(|r| r.json()["select_query"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        sent,
        [
            "select Last_Name from Leads order by Last_Name limit 0, 2000",
            "select Last_Name from Leads order by Last_Name limit 2000, 500"
        ]
    );
}

#[tokio::test]
async fn fetch_all_without_a_limit_reads_every_row_and_the_cursor_resumes() {
    let world = World::new();
    let records: Vec<Value> = (0..4500).map(|i| json!({"Last_Name": format!("L{i:04}")})).collect();
    world.fake.seed("Leads", &records);
    let query = "select Last_Name from Leads order by Last_Name";
    let first = world
        .invoke(
            "crmRunQuery",
            json!({"query": query, "fetchAll": true, "maxRecords": 3000}),
        )
        .await
        .expect("ran");
    assert_eq!(
        (names(&first).len(), first["info"]["moreRecords"].clone()),
        (3000, json!(true))
    );
    let cursor = first["info"]["cursor"].as_str().expect("cursor").to_owned();
    let rest = world
        .invoke(
            "crmRunQuery",
            json!({"query": query, "fetchAll": true, "cursor": cursor}),
        )
        .await
        .expect("ran");
    let all: Vec<String> = names(&first).into_iter().chain(names(&rest)).collect();
    assert_eq!(all, (0..4500).map(|i| format!("L{i:04}")).collect::<Vec<_>>());
}

#[tokio::test]
async fn zoho_query_errors_come_back_with_their_details() {
    let world = World::new();
    seed_people(&world);
    let error = world
        .invoke(
            "crmRunQuery",
            json!({"query": "select Last_Name from Leads where Last_Name == 'x'"}),
        )
        .await
        .expect_err("syntax");
    assert_eq!(
        (kind(&error), error["error"]["code"].as_str()),
        ("api", Some("SYNTAX_ERROR"))
    );
    assert_eq!(error["error"]["details"], json!({"line": 1, "column": 46, "near": "="}));

    let error = world
        .invoke("crmRunQuery", json!({"query": "select Shoe_Size from Leads"}))
        .await
        .expect_err("column");
    assert_eq!(
        (
            error["error"]["code"].as_str(),
            error["error"]["details"]["column_name"].as_str()
        ),
        (Some("INVALID_QUERY"), Some("Shoe_Size"))
    );

    let error = world
        .invoke(
            "crmRunQuery",
            json!({"query": "select Last_Name from Leads limit 5000"}),
        )
        .await
        .expect_err("limit");
    assert_eq!(error["error"]["code"], "LIMIT_EXCEEDED");

    // Zoho's documented COQL rules, which the sandbox enforces as Zoho does: three criteria
    // need brackets, multi-line fields are no criteria, ORDER BY names a field once.
    for (query, code) in [
        (
            "select Last_Name from Leads where Last_Name = 'a' and Email is not null and Company = 'b'",
            "SYNTAX_ERROR",
        ),
        (
            "select Last_Name from Leads where Description like '%x%'",
            "INVALID_QUERY",
        ),
        (
            "select Last_Name from Leads order by Last_Name, Last_Name",
            "DUPLICATE_DATA",
        ),
    ] {
        let error = world
            .invoke("crmRunQuery", json!({ "query": query }))
            .await
            .expect_err(query);
        assert_eq!(error["error"]["code"], code, "{query}: {error}");
    }
    let bracketed = world
        .invoke(
            "crmRunQuery",
            json!({"query": "select Last_Name from Leads where (Last_Name = 'a' and (Email is not null and Company = 'b'))"}),
        )
        .await;
    assert!(bracketed.is_ok(), "{bracketed:?}");

    let error = world
        .invoke("crmRunQuery", json!({"query": "select Last_Name from Nowhere"}))
        .await
        .expect_err("module");
    assert_eq!(error["error"]["code"], "INVALID_QUERY");

    let error = world
        .invoke("crmRunQuery", json!({"query": "delete from Leads"}))
        .await
        .expect_err("refused");
    assert_eq!(
        (kind(&error), error["error"]["input"].as_str()),
        ("invalid-input", Some("query"))
    );
}

#[tokio::test]
async fn the_typed_query_function_returns_rows_and_a_cursor() {
    let world = World::new();
    seed_people(&world);
    let mut instance = world.instance().await;
    let result = instance
        .connector
        .zoho_connector_crm()
        .call_run_query(
            &mut instance.store,
            CONNECTION,
            "select Last_Name from Leads order by Last_Name",
            true,
            Some(2),
            None,
        )
        .await
        .expect("no trap")
        .expect("ran");
    let rows: Value = serde_json::from_str(&result.rows).expect("json");
    assert_eq!(
        (
            rows[1]["Last_Name"].as_str(),
            result.more_records,
            result.cursor.is_some()
        ),
        (Some("Mehta"), true, true)
    );
}

#[tokio::test]
async fn modules_and_fields_include_custom_ones() {
    let world = World::new();
    world.fake.add_module("Projects__c", "Name");
    world
        .fake
        .seed("Leads", &[json!({"Last_Name": "Boyle", "Favourite_Colour__c": "teal"})]);
    let modules = world.invoke("crmListModules", json!({})).await.expect("listed");
    let projects = modules["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|m| m["apiName"] == "Projects__c")
        .cloned()
        .expect("custom module listed");
    assert_eq!(projects["custom"], true);

    let fields = world
        .invoke("crmListFields", json!({"recordType": "Leads"}))
        .await
        .expect("listed");
    let find = |name: &str| {
        fields["data"]
            .as_array()
            .expect("data")
            .iter()
            .find(|f| f["apiName"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    assert!(
        find("Lead_Source")["picklistValues"]
            .as_array()
            .is_some_and(|v| v.contains(&json!("Web Download")))
    );
    assert_eq!(
        (find("Last_Name")["mandatory"].clone(), find("id")["readOnly"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(
        (
            find("Favourite_Colour__c")["custom"].clone(),
            find("Favourite_Colour__c")["dataType"].clone()
        ),
        (json!(true), json!("text"))
    );
    assert_eq!(
        world
            .fake
            .requests()
            .last()
            .and_then(|r| r.query_param("module").map(str::to_owned))
            .as_deref(),
        Some("Leads")
    );

    let contact_fields = world
        .invoke("crmListFields", json!({"recordType": "Contacts"}))
        .await
        .expect("listed");
    let account = contact_fields["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|f| f["apiName"] == "Account_Name")
        .cloned()
        .expect("lookup");
    assert_eq!(account["lookupModule"], "Accounts");

    let error = world
        .invoke("crmListFields", json!({"recordType": "Nope"}))
        .await
        .expect_err("unknown");
    assert_eq!(kind(&error), "not-found");
}

#[tokio::test]
async fn structured_conditions_are_escaped_and_evaluated() {
    let world = World::new();
    world.fake.seed(
        "Leads",
        &[
            json!({"Last_Name": "Boyle (Jr), Sr", "Lead_Source": "Web Download", "Annual_Revenue": 150}),
            json!({"Last_Name": "Boyle", "Lead_Source": "Web Download", "Annual_Revenue": 500}),
            json!({"Last_Name": "Mehta", "Lead_Source": "Partner", "Annual_Revenue": 120}),
        ],
    );
    let output = world
        .invoke(
            "crmSearchRecords",
            json!({"recordType": "Leads", "conditions": [
                {"field": "Last_Name", "operator": "equals", "value": "Boyle (Jr), Sr"},
                {"field": "Annual_Revenue", "operator": "between", "value": [100, 200]}
            ], "fields": "Last_Name"}),
        )
        .await
        .expect("searched");
    assert_eq!(names(&output), ["Boyle (Jr), Sr"]);
    let request = world.fake.requests().pop().expect("sent");
    assert_eq!(request.path, "/crm/v8/Leads/search");
    assert_eq!(
        request.query_param("criteria"),
        Some(r"((Last_Name:equals:Boyle \(Jr\)\, Sr)and(Annual_Revenue:between:100,200))")
    );

    let any = world
        .invoke(
            "crmSearchRecords",
            json!({"recordType": "Leads", "match": "any", "conditions": [
                {"field": "Lead_Source", "operator": "equals", "value": "Partner"},
                {"field": "Annual_Revenue", "operator": "greater_than", "value": 400}
            ]}),
        )
        .await
        .expect("searched");
    assert_eq!(names(&any), ["Boyle", "Mehta"]);
}

#[tokio::test]
async fn raw_criteria_email_phone_and_word_searches_work() {
    let world = World::new();
    seed_people(&world);
    world.fake.seed(
        "Contacts",
        &[json!({"Last_Name": "Tanaka", "Phone": "+81 3 5550 8800"})],
    );
    let by_criteria = world
        .invoke(
            "crmSearchRecords",
            json!({"recordType": "Leads", "criteria": "(Lead_Source:starts_with:trade)"}),
        )
        .await
        .expect("searched");
    assert_eq!(names(&by_criteria), ["Vogel"]);
    let by_email = world
        .invoke(
            "crmSearchRecords",
            json!({"recordType": "Leads", "email": "ARJUN@mapleview.example"}),
        )
        .await
        .expect("searched");
    assert_eq!(names(&by_email), ["Mehta"]);
    let by_phone = world
        .invoke(
            "crmSearchRecords",
            json!({"recordType": "Contacts", "phone": "5550 8800"}),
        )
        .await
        .expect("searched");
    assert_eq!(names(&by_phone), ["Tanaka"]);
    let by_word = world
        .invoke("crmSearchRecords", json!({"recordType": "Leads", "word": "nordlicht"}))
        .await
        .expect("searched");
    assert_eq!(names(&by_word), ["Vogel"]);
    let none = world
        .invoke("crmSearchRecords", json!({"recordType": "Leads", "word": "absent"}))
        .await
        .expect("empty");
    assert_eq!(none["data"], json!([]));
}

#[tokio::test]
async fn search_pages_with_fetch_all_and_the_cursor() {
    let world = World::new();
    let records: Vec<Value> = (0..450)
        .map(|i| json!({"Last_Name": format!("Hit {i:03}"), "Lead_Source": "Web Download"}))
        .collect();
    world.fake.seed("Leads", &records);
    let first = world.invoke("crmSearchRecords", json!({"recordType": "Leads", "criteria": "(Lead_Source:equals:Web Download)", "fetchAll": true, "maxRecords": 300})).await.expect("searched");
    assert_eq!(names(&first).len(), 300);
    let cursor = first["info"]["cursor"].as_str().expect("cursor").to_owned();
    let rest = world.invoke("crmSearchRecords", json!({"recordType": "Leads", "criteria": "(Lead_Source:equals:Web Download)", "fetchAll": true, "cursor": cursor})).await.expect("rest");
    let all: Vec<String> = names(&first).into_iter().chain(names(&rest)).collect();
    assert_eq!(all, (0..450).map(|i| format!("Hit {i:03}")).collect::<Vec<_>>());
    assert!(world.fake.requests().iter().all(|r| r.query_param("page").is_some()));
}

#[tokio::test]
async fn search_needs_exactly_one_way_to_search() {
    let world = World::new();
    for input in [
        json!({"recordType": "Leads"}),
        json!({"recordType": "Leads", "email": "a@b.example", "word": "x"}),
    ] {
        let error = world.invoke("crmSearchRecords", input).await.expect_err("refused");
        assert_eq!(error["error"]["input"], "criteria");
    }
    let error = world
        .invoke(
            "crmSearchRecords",
            json!({"recordType": "Leads", "conditions": [{"field": "Email", "operator": "contains", "value": "x"}]}),
        )
        .await
        .expect_err("refused");
    assert_eq!(error["error"]["input"], "conditions[0].operator");
    let error = world
        .invoke(
            "crmSearchRecords",
            json!({"recordType": "Leads", "criteria": "(Email:equals:x"}),
        )
        .await
        .expect_err("zoho refuses");
    assert_eq!(error["error"]["code"], "INVALID_QUERY");
    assert_eq!(
        world.fake.requests().len(),
        1,
        "only the malformed criteria reached Zoho"
    );
}
