//! Field metadata per module: a realistic standard set, plus every field that appears in a
//! stored record (Zoho creates custom fields through the UI; the fake learns them from data).

use serde_json::{Map, Value, json};

use crate::state::State;

/// One field as `/settings/fields` describes it.
#[derive(Debug, Clone)]
pub struct Field {
    pub api_name: String,
    pub label: String,
    pub data_type: &'static str,
    pub mandatory: bool,
    pub read_only: bool,
    pub picklist: Vec<&'static str>,
    pub lookup: Option<&'static str>,
    pub custom: bool,
}

const SYSTEM: &[(&str, &str, &str)] = &[
    ("id", "Record Id", "bigint"),
    ("Owner", "Owner", "ownerlookup"),
    ("Created_By", "Created By", "ownerlookup"),
    ("Modified_By", "Modified By", "ownerlookup"),
    ("Created_Time", "Created Time", "datetime"),
    ("Modified_Time", "Modified Time", "datetime"),
];

const LEAD_SOURCES: &[&str] = &[
    "Advertisement",
    "Cold Call",
    "Partner",
    "Trade Show",
    "Web Download",
    "Chat",
];
const LEAD_STATUSES: &[&str] = &[
    "Not Contacted",
    "Attempted to Contact",
    "Contact in Future",
    "Contacted",
    "Qualified",
    "Lost Lead",
];
const STAGES: &[&str] = &[
    "Qualification",
    "Needs Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
];

/// (api name, data type, picklist, lookup target) of the standard fields beyond the mandatory one.
fn standard(
    module: &str,
) -> Vec<(
    &'static str,
    &'static str,
    &'static [&'static str],
    Option<&'static str>,
)> {
    match module {
        "Leads" => vec![
            ("First_Name", "text", &[], None),
            ("Company", "text", &[], None),
            ("Email", "email", &[], None),
            ("Phone", "phone", &[], None),
            ("Lead_Source", "picklist", LEAD_SOURCES, None),
            ("Lead_Status", "picklist", LEAD_STATUSES, None),
            ("Annual_Revenue", "currency", &[], None),
            ("Description", "textarea", &[], None),
        ],
        "Contacts" => vec![
            ("First_Name", "text", &[], None),
            ("Email", "email", &[], None),
            ("Phone", "phone", &[], None),
            ("Title", "text", &[], None),
            ("Account_Name", "lookup", &[], Some("Accounts")),
            ("Mailing_City", "text", &[], None),
        ],
        "Accounts" => vec![
            (
                "Industry",
                "picklist",
                &["Manufacturing", "Retail", "Transportation", "Technology"],
                None,
            ),
            ("Phone", "phone", &[], None),
            ("Website", "website", &[], None),
            ("Billing_City", "text", &[], None),
            ("Billing_Country", "text", &[], None),
        ],
        "Deals" => vec![
            ("Stage", "picklist", STAGES, None),
            ("Amount", "currency", &[], None),
            ("Closing_Date", "date", &[], None),
            ("Probability", "integer", &[], None),
            ("Account_Name", "lookup", &[], Some("Accounts")),
            ("Contact_Name", "lookup", &[], Some("Contacts")),
        ],
        _ => Vec::new(),
    }
}

fn label(api_name: &str) -> String {
    api_name.replace('_', " ")
}

/// Every field of a module: system, mandatory, standard, then learned from stored records.
pub fn fields(state: &State, module: &str) -> Vec<Field> {
    let mut fields: Vec<Field> = SYSTEM
        .iter()
        .map(|(api, lbl, ty)| Field {
            api_name: (*api).into(),
            label: (*lbl).into(),
            data_type: ty,
            mandatory: false,
            read_only: *api != "Owner",
            picklist: vec![],
            lookup: None,
            custom: false,
        })
        .collect();
    let Some(stored) = state.crm.modules.get(module) else {
        return fields;
    };
    fields.push(Field {
        api_name: stored.mandatory.clone(),
        label: label(&stored.mandatory),
        data_type: "text",
        mandatory: true,
        read_only: false,
        picklist: vec![],
        lookup: None,
        custom: false,
    });
    for (api, ty, picklist, lookup) in standard(module) {
        fields.push(Field {
            api_name: api.into(),
            label: label(api),
            data_type: ty,
            mandatory: false,
            read_only: false,
            picklist: picklist.to_vec(),
            lookup,
            custom: false,
        });
    }
    for (key, data_type) in stored.learned_fields() {
        if !fields.iter().any(|f| f.api_name == *key) {
            fields.push(Field {
                api_name: key.clone(),
                label: label(key),
                data_type,
                mandatory: false,
                read_only: false,
                picklist: vec![],
                lookup: None,
                custom: true,
            });
        }
    }
    fields
}

/// The `/settings/fields` form of a field.
pub fn to_json(field: &Field) -> Value {
    let mut object = Map::new();
    object.insert("api_name".into(), json!(field.api_name));
    object.insert("field_label".into(), json!(field.label));
    object.insert("display_label".into(), json!(field.label));
    object.insert("data_type".into(), json!(field.data_type));
    object.insert("system_mandatory".into(), json!(field.mandatory));
    object.insert("read_only".into(), json!(field.read_only));
    object.insert("custom_field".into(), json!(field.custom));
    object.insert(
        "pick_list_values".into(),
        Value::Array(
            field
                .picklist
                .iter()
                .map(|v| json!({"display_value": v, "actual_value": v}))
                .collect(),
        ),
    );
    object.insert(
        "lookup".into(),
        field.lookup.map_or(json!({}), |m| json!({"module": {"api_name": m}})),
    );
    Value::Object(object)
}
