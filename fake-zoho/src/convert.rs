//! Lead conversion (`POST /Leads/{id}/actions/convert`): the lead becomes a Contact (new, or an
//! existing one named, updated when `overwrite` is set), an Account (new from the lead's
//! Company, or an existing one) and, when `Deals` values are given, a Deal with Zoho's
//! mandatory fields. A converted lead leaves the Leads module; converting it again is refused.

use serde_json::{Map, Value, json};

use crate::records::{insert, write_payload};
use crate::reply::Reply;
use crate::request::RecordedRequest;
use crate::state::State;

/// Fields a Deal cannot be created without.
const DEAL_MANDATORY: &[&str] = &["Deal_Name", "Stage"];

pub(crate) fn route(state: &mut State, request: &RecordedRequest, rest: &[&str]) -> Option<Reply> {
    match (request.method.as_str(), rest) {
        ("POST", ["Leads", id, "actions", "convert"]) => Some(convert(state, id, request)),
        _ => None,
    }
}

fn error(code: &str, message: &str, details: Value) -> Reply {
    Reply::json(
        400,
        &json!({"data": [{"code": code, "details": details, "message": message, "status": "error"}]}),
    )
}

/// The id in `{"id": ...}` (or a bare id string) of an association given in the body.
fn association(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(id) => Some(id.clone()),
        Value::Object(object) => object.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

fn convert(state: &mut State, id: &str, request: &RecordedRequest) -> Reply {
    let data = match write_payload(request) {
        Ok(data) => data,
        Err(reply) => return reply,
    };
    let options = data.first().and_then(Value::as_object).cloned().unwrap_or_default();
    // Both name the lead's place in the path, as OAS convert_lead.json publishes them.
    if state.crm.converted_leads.contains(id) {
        return Reply::crm_error(
            400,
            "ID_ALREADY_CONVERTED",
            "id already converted",
            json!({"resource_path_index": 1}),
        );
    }
    let Some(lead) = state.crm.modules["Leads"].get(id).cloned() else {
        return Reply::crm_error(400, "INVALID_DATA", "invalid data", json!({"resource_path_index": 1}));
    };
    // Check every association and the deal before changing anything: a refused conversion
    // leaves no half-made records behind.
    let account = association(options.get("Accounts"));
    let contact = association(options.get("Contacts"));
    for (module, given) in [("Accounts", &account), ("Contacts", &contact)] {
        if let Some(given) = given
            && state.crm.modules[module].position(given).is_none()
        {
            return error(
                "INVALID_DATA",
                "the related id given seems to be invalid",
                json!({"api_name": module, "json_path": format!("$.data[0].{module}")}),
            );
        }
    }
    if let Some(owner) = association(options.get("assign_to"))
        && !crate::users::exists(&owner)
    {
        return error(
            "INVALID_DATA",
            "invalid data",
            json!({"api_name": "assign_to", "json_path": "$.data[0].assign_to"}),
        );
    }
    let deal = match options.get("Deals") {
        None | Some(Value::Null) => None,
        Some(Value::Object(values)) => {
            if let Some(missing) = DEAL_MANDATORY
                .iter()
                .find(|field| values.get(**field).is_none_or(|v| v.is_null() || v == ""))
            {
                return error(
                    "MANDATORY_NOT_FOUND",
                    "required field not found",
                    json!({"api_name": missing, "json_path": format!("$.data[0].Deals.{missing}")}),
                );
            }
            Some(values.clone())
        }
        Some(_) => {
            return error(
                "INVALID_DATA",
                "invalid data",
                json!({"api_name": "Deals", "json_path": "$.data[0].Deals", "expected_data_type": "jsonobject"}),
            );
        }
    };

    let copy = |fields: &[&str]| -> Map<String, Value> {
        fields
            .iter()
            .filter_map(|f| {
                lead.get(*f)
                    .filter(|v| !v.is_null())
                    .map(|v| ((*f).to_owned(), v.clone()))
            })
            .collect()
    };
    let account_id = match account {
        Some(existing) => Some(existing),
        None => lead
            .get("Company")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(|company| {
                insert(
                    state,
                    "Accounts",
                    json!({"Account_Name": company})
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                )
            }),
    };
    let overwrite = options.get("overwrite") == Some(&json!(true));
    let contact_fields = copy(&["First_Name", "Last_Name", "Email", "Phone", "Description"]);
    let contact_id = match contact {
        Some(existing) => {
            if overwrite {
                crate::records::edit(state, "Contacts", &existing, contact_fields);
            }
            existing
        }
        None => {
            let mut fields = contact_fields;
            if let Some(account_id) = &account_id {
                fields.insert("Account_Name".into(), json!({"id": account_id}));
            }
            insert(state, "Contacts", fields)
        }
    };
    let deal_id = deal.map(|mut values| {
        if let Some(account_id) = &account_id {
            values.insert("Account_Name".into(), json!({"id": account_id}));
        }
        values.insert("Contact_Name".into(), json!({"id": contact_id}));
        insert(state, "Deals", values)
    });
    if let Some(position) = state.crm.modules["Leads"].position(id)
        && let Some(stored) = state.crm.modules.get_mut("Leads")
    {
        stored.remove(position);
    }
    state.crm.converted_leads.insert(id.to_owned());
    let named = |state: &State, module: &str, id: &Option<String>, name_field: &str| -> Value {
        id.as_ref().map_or(Value::Null, |id| {
            let name = state.crm.modules[module]
                .get(id)
                .and_then(|r| r.get(name_field))
                .cloned()
                .unwrap_or(Value::Null);
            json!({"name": name, "id": id})
        })
    };
    let details = json!({
        "Contacts": named(state, "Contacts", &Some(contact_id.clone()), "Last_Name"),
        "Accounts": named(state, "Accounts", &account_id, "Account_Name"),
        "Deals": named(state, "Deals", &deal_id, "Deal_Name"),
    });
    Reply::json(
        200,
        &json!({"data": [{"code": "SUCCESS", "details": details, "message": "Successfully converted", "status": "success"}]}),
    )
}
