//! Tags: a module's tags (`GET /settings/tags?module=`), and adding or removing tags on
//! records (`POST /{module}/actions/add_tags` and `remove_tags`), 100 records per request.
//! Adding or removing the same tags again changes nothing, so both are safe to repeat.

use http::{Method, Request};
use serde_json::{Value, json};

use super::records::write_in_batches;
use crate::shared::error::{Error, RecordResult};
use crate::shared::plan::{self, CRM_BASE, PlanMeta, Query, Repeatable, RequiredScope};
use crate::shared::session::Session;
use crate::shared::{validate, zoho};

/// The tags a module has.
pub fn list_tags(session: &mut Session, module: &str) -> Result<Vec<Value>, Error> {
    validate::module_name("recordType", module)?;
    let mut query = Query::new();
    query.push("module", module);
    let plan = super::plans::get_plan(
        &["settings", "tags"],
        &query,
        RequiredScope("ZohoCRM.settings.tags.READ".into()),
    )?;
    let response = session.send(&plan)?;
    if response.status() == http::StatusCode::NO_CONTENT {
        return Ok(Vec::new());
    }
    if !response.status().is_success() {
        return Err(zoho::error_from_response(&response, plan.extensions().get()));
    }
    let body = zoho::json_body(&response, "the tag list")?;
    match body.get("tags") {
        Some(Value::Array(tags)) => Ok(tags.clone()),
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(_) => Err(Error::decode("the tag list's `tags` is not an array")),
    }
}

/// Whether tags are being added or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagChange {
    /// Add; with `over_write`, the given tags replace the records' tags.
    Add {
        over_write: bool,
    },
    Remove,
}

/// Adds or removes `tags` on the records `ids` (in batches of 100), one result per record.
pub fn change_tags(
    session: &mut Session,
    module: &str,
    ids: &[String],
    tags: &[String],
    change: TagChange,
) -> Result<Vec<RecordResult>, Error> {
    validate::module_name("recordType", module)?;
    if ids.is_empty() {
        return Err(Error::invalid("recordIds", "needs at least one record id"));
    }
    for (i, id) in ids.iter().enumerate() {
        validate::record_id(&format!("recordIds[{i}]"), id)?;
    }
    if tags.is_empty() {
        return Err(Error::invalid("tags", "needs at least one tag name"));
    }
    for (i, tag) in tags.iter().enumerate() {
        if tag.trim().is_empty() {
            return Err(Error::invalid(format!("tags[{i}]"), "must not be empty"));
        }
    }
    let named: Vec<Value> = tags.iter().map(|name| json!({ "name": name.trim() })).collect();
    write_in_batches(session, ids, |batch| tag_plan(module, batch, &named, change))
}

fn tag_plan(module: &str, ids: &[String], tags: &[Value], change: TagChange) -> Result<Request<Vec<u8>>, Error> {
    let mut query = Query::new();
    let mut body = json!({ "tags": tags, "ids": ids });
    let action = match change {
        TagChange::Add { over_write } => {
            // The v8 OAS requires `over_write` in the body and publishes it as a query
            // parameter too (docs pages of earlier versions name only the query): both say the
            // same, so either reading of Zoho's contract is met.
            query.push("over_write", over_write.to_string());
            body["over_write"] = json!(over_write);
            "add_tags"
        }
        TagChange::Remove => "remove_tags",
    };
    plan::request(
        Method::POST,
        plan::path(CRM_BASE, &[module, "actions", action]),
        &query,
        Some(&body),
        PlanMeta {
            repeatable: Repeatable::Yes,
            scope: Some(RequiredScope(format!(
                "ZohoCRM.modules.{}.UPDATE",
                module.to_ascii_lowercase()
            ))),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::host::CallOptions;
    use crate::shared::session::tests::ScriptedHost;

    fn success(id: &str) -> String {
        format!(
            r#"{{"code":"SUCCESS","details":{{"id":"{id}","tags":[{{"name":"Hot"}}]}},"message":"tags updated successfully","status":"success"}}"#
        )
    }

    #[test]
    fn tags_go_in_the_body_and_records_in_batches_of_100() {
        let ids: Vec<String> = (1..=150).map(|i| i.to_string()).collect();
        let mut host = ScriptedHost::new();
        let first: Vec<String> = ids[..100].iter().map(|id| success(id)).collect();
        let second: Vec<String> = ids[100..].iter().map(|id| success(id)).collect();
        host.answer(200, &format!(r#"{{"data":[{}]}}"#, first.join(",")))
            .answer(200, &format!(r#"{{"data":[{}]}}"#, second.join(",")));
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        let results = change_tags(
            &mut session,
            "Leads",
            &ids,
            &["Hot".to_owned()],
            TagChange::Add { over_write: false },
        )
        .expect("tagged");
        assert_eq!(results.len(), 150);
        assert_eq!(host.sent.len(), 2);
        assert_eq!(host.sent[0].uri().path(), "/crm/v8/Leads/actions/add_tags");
        assert_eq!(host.sent[0].uri().query(), Some("over_write=false"));
        let body: Value = serde_json::from_slice(host.sent[1].body()).expect("json");
        assert_eq!(body["tags"], json!([{"name": "Hot"}]));
        assert_eq!(body["ids"].as_array().map(Vec::len), Some(50));
    }

    #[test]
    fn missing_ids_or_tags_are_refused_before_sending() {
        let mut host = ScriptedHost::new();
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        let hot = vec!["Hot".to_owned()];
        assert!(change_tags(&mut session, "Leads", &[], &hot, TagChange::Remove).is_err());
        assert!(change_tags(&mut session, "Leads", &["1".into()], &[], TagChange::Remove).is_err());
        assert!(change_tags(&mut session, "Leads", &["1".into()], &[" ".into()], TagChange::Remove).is_err());
        assert!(host.sent.is_empty());
    }
}
