//! Record CRUD: create, read, update, upsert and delete, in batches of Zoho's size, each
//! batch's results in input order and nothing reported written that Zoho did not write.

use http::{Method, Request, Response, StatusCode};
use serde_json::{Map, Value, json};

use super::paging::{self, Gathered, PageRef, Walk};
use super::paging::{Fetch, RawRecord};
use super::plans::*;
use crate::shared::error::{Error, RecordResult};
use crate::shared::plan::RequiredScope;
use crate::shared::plan::{self, CRM_BASE, PlanMeta, Query, Repeatable};
use crate::shared::session::Session;
use crate::shared::validate;
use crate::shared::zoho;

/// Sends `items` in batches of [`MAX_RECORDS_PER_CALL`] through `plan_for`, returning one
/// result per item in input order. A single item that fails is its own error; with several,
/// any failure makes the outcome a partial failure that still carries every item's result, and
/// a batch that fails whole after earlier ones were applied reports those too.
pub(crate) fn write_in_batches<T>(
    session: &mut Session,
    items: &[T],
    plan_for: impl Fn(&[T]) -> Result<Request<Vec<u8>>, Error>,
) -> Result<Vec<RecordResult>, Error> {
    if let [_] = items {
        let plan = plan_for(items)?;
        let response = session.send(&plan)?;
        zoho::check_write_outcome(&plan, &response)?;
        return decode_single_write(&response, plan.extensions().get()).map(|result| vec![result]);
    }
    let mut results = Vec::with_capacity(items.len());
    for (batch_number, batch) in items.chunks(MAX_RECORDS_PER_CALL).enumerate() {
        let first_index = batch_number * MAX_RECORDS_PER_CALL;
        let plan = plan_for(batch)?;
        let scope = plan.extensions().get::<RequiredScope>().cloned();
        let outcome = session.send(&plan).and_then(|response| {
            zoho::check_write_outcome(&plan, &response)?;
            decode_batch(&response, batch.len(), first_index, scope.as_ref())
        });
        match outcome {
            Ok(batch_results) => results.extend(batch_results),
            // Nothing was applied yet, so the error alone tells the whole story.
            Err(error) if results.is_empty() => return Err(error),
            Err(error) => {
                results.extend(unsent_results(&error, first_index, batch.len(), "this batch failed"));
                let rest = items.len() - (first_index + batch.len());
                results.extend(unsent_results(
                    &error,
                    first_index + batch.len(),
                    rest,
                    "not sent: an earlier batch failed",
                ));
                return Err(Error::PartialFailure(results));
            }
        }
    }
    if results.iter().any(|r| !r.success) {
        return Err(Error::PartialFailure(results));
    }
    Ok(results)
}

fn validate_records(records: &[Map<String, Value>], ids_required: bool) -> Result<(), Error> {
    if records.is_empty() {
        return Err(Error::invalid("values", "needs at least one record"));
    }
    for (index, record) in records.iter().enumerate() {
        let input = format!("values[{index}].id");
        validate_body_id(&input, record)?;
        if ids_required && !record.contains_key("id") {
            return Err(Error::invalid(
                input,
                "is required: each record to update carries its id",
            ));
        }
    }
    Ok(())
}

/// Creates records (`POST /{module}`), in batches of 100.
pub fn create_records(
    session: &mut Session,
    module: &str,
    records: &[Map<String, Value>],
    trigger: Option<&[String]>,
) -> Result<Vec<RecordResult>, Error> {
    validate::module_name("recordType", module)?;
    validate_trigger(trigger)?;
    validate_records(records, false)?;
    write_in_batches(session, records, |batch| create_plan(module, batch, trigger))
}

/// Updates records that each carry their `id` (`PUT /{module}`), in batches of 100.
pub fn update_records(
    session: &mut Session,
    module: &str,
    records: &[Map<String, Value>],
    trigger: Option<&[String]>,
) -> Result<Vec<RecordResult>, Error> {
    validate::module_name("recordType", module)?;
    validate_trigger(trigger)?;
    validate_records(records, true)?;
    write_in_batches(session, records, |batch| {
        plan::request(
            Method::PUT,
            plan::path(CRM_BASE, &[module]),
            &Query::new(),
            Some(&write_body(batch, trigger)),
            PlanMeta {
                repeatable: Repeatable::Yes,
                scope: Some(scope(module, Operation::Update)),
            },
        )
    })
}

/// Deletes records by id (`DELETE /{module}?ids=...`), in batches of 100.
pub fn delete_records(session: &mut Session, module: &str, ids: &[String]) -> Result<Vec<RecordResult>, Error> {
    validate::module_name("recordType", module)?;
    if ids.is_empty() {
        return Err(Error::invalid("recordIds", "needs at least one record id"));
    }
    for (i, id) in ids.iter().enumerate() {
        validate::record_id(&format!("recordIds[{i}]"), id)?;
    }
    write_in_batches(session, ids, |batch| {
        let mut query = Query::new();
        query.push("ids", batch.join(","));
        plan::request(
            Method::DELETE,
            plan::path(CRM_BASE, &[module]),
            &query,
            None,
            PlanMeta {
                repeatable: Repeatable::Yes,
                scope: Some(scope(module, Operation::Delete)),
            },
        )
    })
}

/// Inserts or updates records (`POST /{module}/upsert`), matching on `duplicate_check_fields`
/// (or Zoho's system-defined duplicate fields), in batches of 100. Each result says whether
/// Zoho inserted or updated.
pub fn upsert_records(
    session: &mut Session,
    module: &str,
    records: &[Map<String, Value>],
    duplicate_check_fields: &[String],
    trigger: Option<&[String]>,
) -> Result<Vec<RecordResult>, Error> {
    validate::module_name("recordType", module)?;
    validate_trigger(trigger)?;
    validate_records(records, false)?;
    validate::field_list("duplicateCheckFields", duplicate_check_fields)?;
    write_in_batches(session, records, |batch| {
        let mut body = write_body(batch, trigger);
        if !duplicate_check_fields.is_empty() {
            body["duplicate_check_fields"] = json!(duplicate_check_fields);
        }
        plan::request(
            Method::POST,
            plan::path(CRM_BASE, &[module, "upsert"]),
            &Query::new(),
            Some(&body),
            PlanMeta {
                repeatable: Repeatable::No,
                scope: Some(scope(module, Operation::Create)),
            },
        )
    })
}

/// Per-record results of one batch. A non-2xx answer with a `data` array still lists each
/// record's fate; one without is a failure of the whole batch.
fn decode_batch(
    response: &Response<Vec<u8>>,
    sent: usize,
    first_index: usize,
    scope: Option<&RequiredScope>,
) -> Result<Vec<RecordResult>, Error> {
    let has_data = serde_json::from_slice::<Value>(response.body())
        .ok()
        .is_some_and(|b| b.get("data").is_some_and(Value::is_array));
    if !response.status().is_success() && !has_data {
        return Err(zoho::error_from_response(response, scope));
    }
    zoho::write_results(response, sent, first_index)
}

fn unsent_results(error: &Error, first_index: usize, count: usize, message: &str) -> Vec<RecordResult> {
    let code = match error {
        Error::OutcomeUnknown(_) => "OUTCOME_UNKNOWN".to_owned(),
        Error::Api(api) | Error::NotFound(api) | Error::Unauthorized(api) => api.code.clone(),
        Error::RateLimited { .. } => "TOO_MANY_REQUESTS".to_owned(),
        _ => "NOT_APPLIED".to_owned(),
    };
    (first_index..first_index + count)
        .map(|index| RecordResult {
            index: u32::try_from(index).unwrap_or(u32::MAX),
            success: false,
            id: None,
            code: code.clone(),
            message: message.to_owned(),
            details: None,
            action: None,
        })
        .collect()
}

/// Returns one record, optionally only some fields; `None` when it was not modified since
/// `since` (Zoho's 304).
pub fn get_record(
    session: &mut Session,
    module: &str,
    id: &str,
    fields: &[String],
    since: Option<&str>,
) -> Result<Option<Value>, Error> {
    validate::module_name("recordType", module)?;
    validate::record_id("recordId", id)?;
    validate::field_list("fields", fields)?;
    if let Some(since) = since {
        validate::date_time("ifModifiedSince", since)?;
    }
    let mut plan = get_record_plan(module, id, fields)?;
    if_modified_since(&mut plan, since)?;
    let response = session.send(&plan)?;
    if response.status() == StatusCode::NOT_MODIFIED {
        return Ok(None);
    }
    decode_record(&response, plan.extensions().get()).map(Some)
}

/// Returns records: one page, or with `fetch_all` every page up to the cap, continuing past the
/// first 2,000 records with Zoho's page tokens.
pub fn get_records(
    session: &mut Session,
    module: &str,
    options: &ListOptions,
    fetch: &Fetch,
) -> Result<Gathered<RawRecord>, Error> {
    validate::module_name("recordType", module)?;
    validate_list_options(options)?;
    let walk = Walk::for_fetch(
        options.page,
        options.page_token.as_deref(),
        options.per_page,
        fetch,
        true,
    )?;
    paging::walk(session, &walk, |session, at, per_page| {
        let mut page_options = ListOptions {
            page: None,
            page_token: None,
            per_page: Some(per_page),
            ..options.clone()
        };
        match at {
            PageRef::Number(n) => page_options.page = Some(*n),
            PageRef::Token(token) => page_options.page_token = Some(token.clone()),
        }
        let plan = list_plan(module, &page_options)?;
        let response = session.send(&plan)?;
        decode_raw_page(&response, plan.extensions().get())
    })
}

/// Zoho's cap on ids in one `GET /{module}?ids=` call.
pub const MAX_IDS_PER_GET: usize = 100;
/// Zoho's cap on field names in one list call.
pub const MAX_FIELDS_PER_GET: usize = 50;

/// Fetches records by id: `GET /{module}?ids=` in batches of 100 ids and, when more than 50
/// fields are wanted, in groups of 50 fields merged per record. `fields` of `None` means every
/// field of the module (from its field metadata). Ids Zoho no longer has are simply absent.
pub fn get_records_by_ids(
    session: &mut Session,
    module: &str,
    ids: &[String],
    fields: Option<&[String]>,
) -> Result<std::collections::BTreeMap<String, Map<String, Value>>, Error> {
    validate::module_name("recordType", module)?;
    let mut found = std::collections::BTreeMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let fields: Vec<String> = match fields {
        Some(fields) => {
            validate::field_list("fields", fields)?;
            fields.to_vec()
        }
        None => crate::crm::metadata::list_fields(session, module)?
            .into_iter()
            .map(|f| f.api_name)
            .filter(|name| !name.is_empty())
            .collect(),
    };
    let mut fields = fields;
    if fields.is_empty() {
        fields.push("id".into());
    }
    for batch in ids.chunks(MAX_IDS_PER_GET) {
        for id in batch {
            validate::record_id("ids", id)?;
        }
        for field_group in fields.chunks(MAX_FIELDS_PER_GET) {
            let mut query = Query::new();
            query.push("ids", batch.join(",")).push("fields", field_group.join(","));
            let plan = read_plan(module, &[module], &query)?;
            let page = decode_page(&session.send(&plan)?, plan.extensions().get())?;
            for record in page.records {
                let Value::Object(record) = record else { continue };
                let Some(id) = record.get("id").and_then(Value::as_str).map(str::to_owned) else {
                    continue;
                };
                found.entry(id).or_insert_with(Map::new).extend(record);
            }
        }
    }
    Ok(found)
}

/// Updates one record by id.
pub fn update_record(
    session: &mut Session,
    module: &str,
    id: &str,
    values: &Map<String, Value>,
    trigger: Option<&[String]>,
) -> Result<RecordResult, Error> {
    validate::module_name("recordType", module)?;
    validate::record_id("recordId", id)?;
    validate_trigger(trigger)?;
    validate_body_id("values.id", values)?;
    if values.get("id").is_some_and(|inner| inner.as_str() != Some(id)) {
        return Err(Error::invalid(
            "values.id",
            "differs from recordId; leave it out or make them equal",
        ));
    }
    let plan = update_plan(module, id, values, trigger)?;
    let response = session.send(&plan)?;
    decode_single_write(&response, plan.extensions().get())
}

/// Deletes one record by id.
pub fn delete_record(session: &mut Session, module: &str, id: &str) -> Result<RecordResult, Error> {
    validate::module_name("recordType", module)?;
    validate::record_id("recordId", id)?;
    let plan = delete_plan(module, id)?;
    let response = session.send(&plan)?;
    decode_single_write(&response, plan.extensions().get())
}

/// Lists deleted records: one page, or with `fetch_all` every page up to the cap, by page
/// number (the deleted-records list has no page tokens).
pub fn list_deleted(
    session: &mut Session,
    module: &str,
    kind: DeletedKind,
    since: Option<&str>,
    page: Option<u32>,
    per_page: Option<u32>,
    fetch: &Fetch,
) -> Result<Gathered<RawRecord>, Error> {
    validate::module_name("recordType", module)?;
    if let Some(since) = since {
        validate::date_time("ifModifiedSince", since)?;
    }
    let walk = Walk::for_fetch(page, None, per_page, fetch, false)?;
    paging::walk(session, &walk, |session, at, per_page| {
        let number = at.number()?;
        let plan = deleted_plan(module, kind, number, per_page, since)?;
        let response = session.send(&plan)?;
        decode_raw_page(&response, plan.extensions().get())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::paging::{Page, PageInfo};
    use crate::shared::host::CallOptions;
    use crate::shared::session::tests::ScriptedHost;

    fn record(last_name: &str) -> Map<String, Value> {
        json!({ "Last_Name": last_name }).as_object().cloned().expect("object")
    }

    fn success(id: &str) -> String {
        format!(r#"{{"code":"SUCCESS","details":{{"id":"{id}"}},"message":"record added","status":"success"}}"#)
    }

    #[test]
    fn create_sends_data_and_trigger_and_returns_ids() {
        let mut host = ScriptedHost::new();
        host.answer(201, &format!(r#"{{"data":[{}]}}"#, success("111")));
        let trigger = vec!["workflow".to_owned()];
        let results = create_records(
            &mut Session::new(&mut host, "c", CallOptions::default()),
            "Leads",
            &[record("Ben")],
            Some(&trigger),
        )
        .expect("created");
        assert_eq!(results[0].id.as_deref(), Some("111"));
        let sent: Value = serde_json::from_slice(host.sent[0].body()).expect("json");
        assert_eq!(sent, json!({"data": [{"Last_Name": "Ben"}], "trigger": ["workflow"]}));
        assert_eq!(host.sent[0].method(), Method::POST);
        assert_eq!(host.sent[0].uri().path(), "/crm/v8/Leads");
    }

    #[test]
    fn an_empty_trigger_list_is_sent_and_an_absent_one_is_not() {
        let body = |trigger: Option<&[String]>| -> Value {
            serde_json::from_slice(create_plan("Leads", &[record("A")], trigger).expect("plan").body()).expect("json")
        };
        assert_eq!(body(Some(&[]))["trigger"], json!([]));
        assert!(body(None).get("trigger").is_none());
    }

    #[test]
    fn one_failed_record_in_a_2xx_is_an_error_with_zoho_details() {
        let mut host = ScriptedHost::new();
        host.answer(201, r#"{"data":[{"code":"INVALID_DATA","details":{"api_name":"Phone"},"message":"invalid data","status":"error"}]}"#);
        let error = create_records(
            &mut Session::new(&mut host, "c", CallOptions::default()),
            "Leads",
            &[record("Ben")],
            None,
        )
        .expect_err("fails");
        let Error::Api(api) = error else {
            panic!("api error expected, got {error:?}")
        };
        assert_eq!(
            (api.code.as_str(), api.details.as_deref()),
            ("INVALID_DATA", Some(&json!({"api_name": "Phone"})))
        );
    }

    #[test]
    fn a_mixed_batch_is_a_partial_failure_carrying_every_result() {
        let mut host = ScriptedHost::new();
        host.answer(207, &format!(r#"{{"data":[{},{{"code":"DUPLICATE_DATA","details":{{"api_name":"Email"}},"message":"duplicate data","status":"error"}}]}}"#, success("111")));
        let error = create_records(
            &mut Session::new(&mut host, "c", CallOptions::default()),
            "Leads",
            &[record("A"), record("B")],
            None,
        )
        .expect_err("partial");
        let Error::PartialFailure(results) = error else {
            panic!("partial failure expected")
        };
        assert!(results[0].success && !results[1].success && results[1].code == "DUPLICATE_DATA");
    }

    #[test]
    fn more_than_100_records_go_in_batches_with_indexes_in_input_order() {
        let mut host = ScriptedHost::new();
        let batch = |from: usize, n: usize| {
            format!(
                r#"{{"data":[{}]}}"#,
                (from..from + n)
                    .map(|i| success(&format!("{}", 1000 + i)))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        };
        host.answer(201, &batch(0, 100)).answer(201, &batch(100, 30));
        let records: Vec<_> = (0..130).map(|i| record(&format!("L{i}"))).collect();
        let results = create_records(
            &mut Session::new(&mut host, "c", CallOptions::default()),
            "Leads",
            &records,
            None,
        )
        .expect("created");
        assert_eq!(host.sent.len(), 2);
        assert_eq!(results.len(), 130);
        assert_eq!((results[129].index, results[129].id.as_deref()), (129, Some("1129")));
    }

    #[test]
    fn list_requires_fields_and_bounds_per_page() {
        let base = ListOptions {
            fields: vec!["Last_Name".into()],
            ..ListOptions::default()
        };
        assert_eq!(validate_list_options(&base), Ok(()));
        for (options, input) in [
            (ListOptions::default(), "fields"),
            (
                ListOptions {
                    per_page: Some(201),
                    ..base.clone()
                },
                "perPage",
            ),
            (
                ListOptions {
                    per_page: Some(0),
                    ..base.clone()
                },
                "perPage",
            ),
            (
                ListOptions {
                    page: Some(0),
                    ..base.clone()
                },
                "page",
            ),
            (
                ListOptions {
                    page: Some(2),
                    page_token: Some("t".into()),
                    ..base.clone()
                },
                "pageToken",
            ),
        ] {
            assert!(
                matches!(validate_list_options(&options), Err(Error::InvalidInput { input: i, .. }) if i == input),
                "{input}"
            );
        }
    }

    #[test]
    fn list_plan_encodes_every_option() {
        let options = ListOptions {
            fields: vec!["Last_Name".into(), "Email".into()],
            page: Some(2),
            per_page: Some(50),
            page_token: None,
            sort_by: Some("Modified_Time".into()),
            sort_order: Some(SortOrder::Asc),
            if_modified_since: None,
        };
        let plan = list_plan("Leads", &options).expect("plan");
        assert_eq!(
            plan.uri(),
            "/crm/v8/Leads?fields=Last_Name%2CEmail&page=2&per_page=50&sort_by=Modified_Time&sort_order=asc"
        );
    }

    #[test]
    fn an_empty_list_is_204_and_decodes_as_an_empty_page() {
        let response = Response::builder().status(204).body(Vec::new()).expect("valid");
        assert_eq!(decode_page(&response, None).expect("page"), Page::default());
    }

    #[test]
    fn page_info_and_string_ids_are_kept() {
        let body = r#"{"data":[{"id":"4150868000000624001","Last_Name":"Ben"}],"info":{"per_page":200,"count":1,"page":1,"more_records":true,"next_page_token":"abc"}}"#;
        let response = Response::builder()
            .status(200)
            .body(body.as_bytes().to_vec())
            .expect("valid");
        let page = decode_page(&response, None).expect("page");
        assert_eq!(page.records[0]["id"], json!("4150868000000624001"));
        assert_eq!(
            page.info,
            PageInfo {
                page: Some(1),
                per_page: Some(200),
                count: 1,
                more_records: true,
                next_page_token: Some("abc".into())
            }
        );
    }

    #[test]
    fn an_unknown_id_is_not_found() {
        let body = r#"{"data":[{"code":"INVALID_DATA","details":{"id":"1"},"message":"the id given seems to be invalid","status":"error"}]}"#;
        let response = Response::builder()
            .status(400)
            .body(body.as_bytes().to_vec())
            .expect("valid");
        assert!(matches!(decode_single_write(&response, None), Err(Error::NotFound(_))));
        let response = Response::builder().status(204).body(Vec::new()).expect("valid");
        assert!(matches!(decode_record(&response, None), Err(Error::NotFound(_))));
    }

    #[test]
    fn invalid_names_and_ids_send_nothing() {
        let mut host = ScriptedHost::new();
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        assert!(get_record(&mut session, "Leads/../x", "1", &[], None).is_err());
        assert!(get_record(&mut session, "Leads", "1/2", &[], None).is_err());
        assert!(delete_record(&mut session, "Leads", "").is_err());
        assert!(update_record(&mut session, "Leads", "12", &Map::new(), Some(&["bad value".into()])).is_err());
        drop(session);
        assert!(host.sent.is_empty());
    }

    #[test]
    fn the_scope_names_the_module_and_operation() {
        let plan = get_record_plan("Leads", "1", &[]).expect("plan");
        assert_eq!(
            plan.extensions().get::<RequiredScope>(),
            Some(&RequiredScope("ZohoCRM.modules.leads.READ".into()))
        );
    }
}
