//! Lead conversion: `POST /Leads/{id}/actions/convert` turns a lead into a Contact, an Account
//! and, when deal values are given, a Deal, and names what it created or linked.

use http::Method;
use serde_json::{Map, Value, json};

use super::plans::{decode_single_write, not_found_if_unknown_id};
use crate::shared::error::Error;
use crate::shared::plan::{self, CRM_BASE, PlanMeta, Query, Repeatable, RequiredScope};
use crate::shared::session::Session;
use crate::shared::{validate, zoho};

/// How to convert a lead (`crmConvertLead`'s inputs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConvertOptions {
    /// With `contact`: overwrite that contact's fields with the lead's.
    pub overwrite: Option<bool>,
    pub notify_lead_owner: Option<bool>,
    pub notify_new_entity_owner: Option<bool>,
    /// An existing account to link instead of creating one.
    pub account: Option<String>,
    /// An existing contact to link instead of creating one.
    pub contact: Option<String>,
    /// The user who owns the new records.
    pub assign_to: Option<String>,
    /// Values for a new deal (Zoho requires at least `Deal_Name` and `Stage`).
    pub deal: Option<Map<String, Value>>,
}

/// One record conversion created or linked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub id: String,
    pub name: Option<String>,
}

/// What a conversion made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    pub contact: Option<Entity>,
    pub account: Option<Entity>,
    pub deal: Option<Entity>,
}

/// The request body, from checked options.
fn body(options: &ConvertOptions) -> Result<Value, Error> {
    let mut entry = Map::new();
    for (key, flag) in [
        ("overwrite", options.overwrite),
        ("notify_lead_owner", options.notify_lead_owner),
        ("notify_new_entity_owner", options.notify_new_entity_owner),
    ] {
        if let Some(flag) = flag {
            entry.insert(key.into(), json!(flag));
        }
    }
    for (input, key, id) in [
        ("accounts", "Accounts", &options.account),
        ("contacts", "Contacts", &options.contact),
        ("assignTo", "assign_to", &options.assign_to),
    ] {
        if let Some(id) = id {
            validate::record_id(input, id)?;
            entry.insert(key.into(), json!({ "id": id }));
        }
    }
    if let Some(deal) = &options.deal {
        if deal.is_empty() {
            return Err(Error::invalid(
                "deals",
                "needs the new deal's values, or leave deals out",
            ));
        }
        entry.insert("Deals".into(), Value::Object(deal.clone()));
    }
    if options.overwrite == Some(true) && options.contact.is_none() {
        return Err(Error::invalid(
            "overwrite",
            "applies to an existing contact: give contacts too",
        ));
    }
    Ok(json!({ "data": [entry] }))
}

/// Converts a lead. Never repeated after a lost answer: it would create the records twice.
pub fn convert_lead(session: &mut Session, lead_id: &str, options: &ConvertOptions) -> Result<Converted, Error> {
    validate::record_id("recordId", lead_id)?;
    let body = body(options)?;
    let plan = plan::request(
        Method::POST,
        plan::path(CRM_BASE, &["Leads", lead_id, "actions", "convert"]),
        &Query::new(),
        Some(&body),
        PlanMeta {
            repeatable: Repeatable::No,
            scope: Some(RequiredScope("ZohoCRM.modules.leads.CREATE".into())),
        },
    )?;
    let response = session.send(&plan)?;
    let scope = plan.extensions().get();
    if !response.status().is_success() {
        // Per-entry errors (an already converted lead, a missing deal field) carry Zoho's code.
        return Err(match decode_single_write(&response, scope) {
            Err(error) => error,
            Ok(_) => not_found_if_unknown_id(zoho::error_from_response(&response, scope)),
        });
    }
    let answer = zoho::json_body(&response, "the conversion result")?;
    let entry = answer
        .get("data")
        .and_then(Value::as_array)
        .and_then(|data| data.first())
        .ok_or_else(|| Error::decode("the conversion result has no `data` entry"))?;
    // Zoho names the records under `details` (or, in older versions, on the entry itself),
    // each as `{name, id}` or a bare id.
    let source = entry.get("details").filter(|d| d.is_object()).unwrap_or(entry);
    let entity = |key: &str| -> Option<Entity> {
        match source.get(key)? {
            Value::String(id) => Some(Entity {
                id: id.clone(),
                name: None,
            }),
            Value::Object(object) => Some(Entity {
                id: super::plans::id_of(object.get("id"))?,
                name: object.get("name").and_then(Value::as_str).map(str::to_owned),
            }),
            _ => None,
        }
    };
    let converted = Converted {
        contact: entity("Contacts"),
        account: entity("Accounts"),
        deal: entity("Deals"),
    };
    if converted.contact.is_none() && converted.account.is_none() {
        return Err(Error::decode(
            "the conversion result names neither a contact nor an account",
        ));
    }
    Ok(converted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::host::CallOptions;
    use crate::shared::session::tests::ScriptedHost;

    #[test]
    fn the_body_maps_inputs_to_zoho_keys_and_both_answer_shapes_are_read() {
        let options = ConvertOptions {
            notify_lead_owner: Some(true),
            account: Some("11".into()),
            assign_to: Some("22".into()),
            deal: Some(
                json!({"Deal_Name": "Big", "Stage": "Qualification"})
                    .as_object()
                    .cloned()
                    .expect("object"),
            ),
            ..ConvertOptions::default()
        };
        assert_eq!(
            body(&options).expect("valid"),
            json!({"data": [{"notify_lead_owner": true, "Accounts": {"id": "11"}, "assign_to": {"id": "22"}, "Deals": {"Deal_Name": "Big", "Stage": "Qualification"}}]})
        );
        let mut host = ScriptedHost::new();
        host.answer(
            200,
            r#"{"data":[{"code":"SUCCESS","details":{"Contacts":{"name":"Boyle","id":"3"},"Accounts":{"name":"Zylker","id":"11"},"Deals":null},"message":"Successfully converted","status":"success"}]}"#,
        )
        .answer(200, r#"{"data":[{"Contacts":"4","Accounts":"12","Deals":"5"}]}"#);
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        let first = convert_lead(&mut session, "1", &ConvertOptions::default()).expect("converted");
        assert_eq!(
            first.contact.map(|c| (c.id, c.name)),
            Some(("3".into(), Some("Boyle".into())))
        );
        assert!(first.deal.is_none());
        let second = convert_lead(&mut session, "2", &ConvertOptions::default()).expect("converted");
        assert_eq!(second.deal.map(|d| d.id), Some("5".into()));
    }

    #[test]
    fn inconsistent_inputs_are_refused_before_sending() {
        let mut host = ScriptedHost::new();
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        let overwrite_alone = ConvertOptions {
            overwrite: Some(true),
            ..ConvertOptions::default()
        };
        assert!(convert_lead(&mut session, "1", &overwrite_alone).is_err());
        let bad_account = ConvertOptions {
            account: Some("acme".into()),
            ..ConvertOptions::default()
        };
        assert!(convert_lead(&mut session, "1", &bad_account).is_err());
        let empty_deal = ConvertOptions {
            deal: Some(Map::new()),
            ..ConvertOptions::default()
        };
        assert!(convert_lead(&mut session, "1", &empty_deal).is_err());
        assert!(host.sent.is_empty());
    }
}
