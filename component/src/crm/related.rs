//! Related records: a record's related list (`GET /{module}/{id}/{related_list}`), linking
//! records into it (`PUT`, with junction-field values) and unlinking one (`DELETE
//! /{module}/{id}/{related_list}/{related_id}`).

use http::{Method, Request};
use serde_json::{Map, Value, json};

use super::metadata;
use super::paging::{self, Fetch, Gathered, RawRecord, Walk};
use super::plans::{decode_list, decode_single_write};
use super::records::{MAX_FIELDS_PER_GET, write_in_batches};
use crate::shared::error::{Error, RecordResult};
use crate::shared::plan::{Query, Repeatable, RequiredScope};
use crate::shared::session::Session;
use crate::shared::validate;

/// A plan for `target`'s related list (plus `extra` path segments), safe to repeat.
fn related_plan(
    method: Method,
    target: RelatedList<'_>,
    extra: &[&str],
    query: &Query,
    body: Option<&Value>,
    operation: &str,
) -> Result<Request<Vec<u8>>, Error> {
    let mut segments = vec![target.module, target.record_id, target.related_list];
    segments.extend_from_slice(extra);
    let scope = RequiredScope(format!(
        "ZohoCRM.modules.{}.{operation}",
        target.module.to_ascii_lowercase()
    ));
    super::plans::request_plan(method, &segments, query, body, Repeatable::Yes, scope)
}

/// A record's related list.
#[derive(Debug, Clone, Copy)]
pub struct RelatedList<'a> {
    pub module: &'a str,
    pub record_id: &'a str,
    pub related_list: &'a str,
}

impl RelatedList<'_> {
    fn check(&self) -> Result<(), Error> {
        validate::module_name("recordType", self.module)?;
        validate::record_id("recordId", self.record_id)?;
        validate::module_name("relatedList", self.related_list)
    }
}

/// A record's related records: a page, or with `fetch_all` every page up to the cap. Without
/// `fields`, the related module's fields (the first 50) are asked for, as Zoho requires some.
pub fn list_related_records(
    session: &mut Session,
    target: RelatedList<'_>,
    fields: &[String],
    page: Option<u32>,
    per_page: Option<u32>,
    fetch: &Fetch,
) -> Result<Gathered<RawRecord>, Error> {
    target.check()?;
    validate::field_list("fields", fields)?;
    let fields = if fields.is_empty() {
        default_fields(session, target.module, target.related_list)?
    } else {
        fields.to_vec()
    };
    let walk = Walk::for_fetch(page, None, per_page, fetch, false)?;
    paging::walk(session, &walk, |session, at, per_page| {
        let mut query = Query::new();
        query
            .push("fields", fields.join(","))
            .push("page", at.number()?.to_string())
            .push("per_page", per_page.to_string());
        let plan = related_plan(Method::GET, target, &[], &query, None, "READ")?;
        let response = session.send(&plan)?;
        decode_list(&response, plan.extensions().get(), "data")
    })
}

/// The fields of the module a related list holds, from the module's related-list metadata.
fn default_fields(session: &mut Session, module: &str, related_list: &str) -> Result<Vec<String>, Error> {
    let lists = metadata::list_related_lists(session, module)?;
    let Some(list) = lists.iter().find(|l| l.api_name == related_list) else {
        let known: Vec<&str> = lists.iter().map(|l| l.api_name.as_str()).collect();
        return Err(Error::invalid(
            "relatedList",
            format!(
                "names no related list of {module} (`{related_list}`); its related lists: {}",
                known.join(", ")
            ),
        ));
    };
    let Some(related_module) = &list.module else {
        return Err(Error::invalid(
            "fields",
            format!("are required: `{related_list}` does not hold records of a module, so its fields cannot be listed"),
        ));
    };
    let mut fields: Vec<String> = metadata::list_fields(session, related_module)?
        .into_iter()
        .map(|f| f.api_name)
        .collect();
    fields.truncate(MAX_FIELDS_PER_GET);
    Ok(fields)
}

/// Links records into a related list, with `values` (junction fields) on each link; one
/// result per record, 100 records per request. Linking twice changes nothing.
pub fn link_related_records(
    session: &mut Session,
    target: RelatedList<'_>,
    related_ids: &[String],
    values: &Map<String, Value>,
) -> Result<Vec<RecordResult>, Error> {
    target.check()?;
    if related_ids.is_empty() {
        return Err(Error::invalid("relatedRecordIds", "needs at least one record id"));
    }
    for (i, id) in related_ids.iter().enumerate() {
        validate::record_id(&format!("relatedRecordIds[{i}]"), id)?;
    }
    write_in_batches(session, related_ids, |batch| {
        let data: Vec<Value> = batch
            .iter()
            .map(|id| {
                let mut link = values.clone();
                link.insert("id".into(), json!(id));
                Value::Object(link)
            })
            .collect();
        related_plan(
            Method::PUT,
            target,
            &[],
            &Query::new(),
            Some(&json!({ "data": data })),
            "UPDATE",
        )
    })
}

/// Unlinks one record from a related list (the record itself stays).
pub fn unlink_related_record(
    session: &mut Session,
    target: RelatedList<'_>,
    related_id: &str,
) -> Result<RecordResult, Error> {
    target.check()?;
    validate::record_id("relatedRecordId", related_id)?;
    let plan = related_plan(Method::DELETE, target, &[related_id], &Query::new(), None, "UPDATE")?;
    let response = session.send(&plan)?;
    decode_single_write(&response, plan.extensions().get())
}
