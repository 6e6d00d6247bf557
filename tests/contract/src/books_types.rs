//! `zoho_facts::books_types` held against Zoho's Books OpenAPI documents (the digest in
//! `fixtures/zoho-oas/books-v3-digest.json`): the component's triggers and fake-zoho both read
//! that table, so a row that drifts from the documents would make both wrong together.

#[cfg(test)]
mod tests {
    use serde_json::Value;
    use zoho_facts::books_types::BOOKS_TYPES;

    fn digest() -> Value {
        serde_json::from_str(include_str!("../fixtures/zoho-oas/books-v3-digest.json")).expect("the digest is JSON")
    }

    /// The list operation of `path`. Zoho's debit notes document also publishes `GET
    /// /invoices` (debit notes are invoices listed with `filter_by=Type.DebitNote`); the
    /// invoices document's own operation is the list of invoices.
    fn list_operation<'a>(digest: &'a Value, path: &str) -> &'a Value {
        let wanted = format!("/{path}");
        digest["operations"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|op| {
                op["method"] == "GET"
                    && op["path"] == wanted.as_str()
                    && op["operationId"] != "list_customer_debit_notes"
                    && op["parameters"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|p| p["name"] == "organization_id")
            })
            .unwrap_or_else(|| panic!("no published list operation for {path}"))
    }

    #[test]
    fn books_types_match_zohos_documents() {
        let digest = digest();
        for row in BOOKS_TYPES {
            let op = list_operation(&digest, row.path);
            let parameters: Vec<&Value> = op["parameters"].as_array().into_iter().flatten().collect();
            let answer = &op["responses"]["200"]["application/json"]["properties"];
            let list = &answer[row.list_key];
            assert!(
                list.is_object(),
                "{}: the list answer has no `{}`",
                row.path,
                row.list_key
            );
            // The credit notes document types the list as one object; its properties are a record's.
            let item = list.get("items").unwrap_or(list);
            let fields = &item["properties"];
            assert!(
                fields.get(row.id_field).is_some(),
                "{}: list records have no `{}`",
                row.path,
                row.id_field
            );
            assert_eq!(
                fields.get("created_time").is_some(),
                row.lists_created_time,
                "{}: created_time",
                row.path
            );
            assert_eq!(
                fields.get("last_modified_time").is_some(),
                row.lists_modified_time,
                "{}: last_modified_time",
                row.path
            );
            let documented: Vec<&str> = parameters
                .iter()
                .find(|p| p["name"] == "sort_column")
                .and_then(|p| p["documentedValues"].as_array())
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|column| *column != "and")
                .collect();
            assert_eq!(documented, row.sort_columns, "{}: sort columns", row.path);
            let sort_order = parameters.iter().any(|p| p["name"] == "sort_order");
            assert_eq!(sort_order, row.sort_order, "{}: sort_order", row.path);
            let filter = parameters
                .iter()
                .any(|p| p["name"] == "last_modified_time" && p["in"] == "query");
            assert_eq!(filter, row.modified_filter, "{}: last_modified_time filter", row.path);
            if let Some(single) = row.single_key {
                let read = digest["operations"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|o| {
                        o["method"] == "GET"
                            && o["path"].as_str().is_some_and(|p| {
                                p.strip_prefix(&format!("/{}/{{", row.path))
                                    .is_some_and(|rest| rest.ends_with('}') && !rest.contains('/'))
                            })
                    })
                    .unwrap_or_else(|| panic!("{}: no single read", row.path));
                let keys = &read["responses"]["200"]["application/json"]["properties"];
                // Zoho's fixed asset document misspells the key (`fissed-asset`).
                let published = if row.path == "fixedassets" {
                    "fissed-asset"
                } else {
                    single
                };
                assert!(
                    keys.get(published).is_some(),
                    "{}: single answers have no `{published}`",
                    row.path
                );
            }
        }
    }

    #[test]
    fn every_top_level_list_with_record_ids_has_a_row() {
        let digest = digest();
        for op in digest["operations"].as_array().into_iter().flatten() {
            let path = op["path"].as_str().unwrap_or_default();
            let id = op["operationId"].as_str().unwrap_or_default();
            let paged = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["name"] == "per_page");
            if op["method"] != "GET" || path.contains('{') || !id.starts_with("list_") || !paged {
                continue;
            }
            let record_type = path.trim_start_matches('/');
            let nested_report = record_type.ends_with("/refunds") || record_type.ends_with("/transactions");
            if nested_report || id == "list_customer_debit_notes" {
                continue;
            }
            assert!(
                zoho_facts::books_types::books_type(record_type).is_some(),
                "{record_type} ({id}) is listed by Zoho's documents but has no row"
            );
        }
    }
}
