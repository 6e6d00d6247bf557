//! CRM metadata for platform UIs: modules (standard and custom) and each module's fields
//! (type, mandatory, read-only, picklist values, lookup target), so a platform can render
//! dropdowns without hard-coding Zoho's schema.

use http::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::shared::error::Error;
use crate::shared::plan::RequiredScope;
use crate::shared::plan::{self, CRM_BASE, PlanMeta, Query, Repeatable};
use crate::shared::session::Session;
use crate::shared::validate;
use crate::shared::zoho;

/// A module as a platform needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleInfo {
    pub api_name: String,
    pub label: String,
    pub singular_label: String,
    pub custom: bool,
    pub api_supported: bool,
}

/// A field as a platform needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldInfo {
    pub api_name: String,
    pub label: String,
    pub data_type: String,
    pub mandatory: bool,
    pub read_only: bool,
    pub custom: bool,
    pub picklist_values: Vec<String>,
    pub lookup_module: Option<String>,
}

fn settings_plan(path: &[&str], query: &Query) -> Result<http::Request<Vec<u8>>, Error> {
    let mut segments = vec!["settings"];
    segments.extend_from_slice(path);
    plan::request(
        Method::GET,
        plan::path(CRM_BASE, &segments),
        query,
        None,
        PlanMeta {
            repeatable: Repeatable::Yes,
            scope: Some(RequiredScope(format!("ZohoCRM.settings.{}.READ", path.join(".")))),
        },
    )
}

fn list_under(response: &Response<Vec<u8>>, key: &str, scope: Option<&RequiredScope>) -> Result<Vec<Value>, Error> {
    if response.status() == StatusCode::NO_CONTENT {
        return Ok(Vec::new());
    }
    if !response.status().is_success() {
        return Err(zoho::error_from_response(response, scope));
    }
    let body = zoho::json_body(response, "the metadata")?;
    body.get(key)
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| Error::decode(format!("the metadata response has no `{key}` list")))
}

fn text(value: &Value, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn flag(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// `GET /settings/modules`.
pub fn list_modules(session: &mut Session) -> Result<Vec<ModuleInfo>, Error> {
    let plan = settings_plan(&["modules"], &Query::new())?;
    let modules = list_under(&session.send(&plan)?, "modules", plan.extensions().get())?;
    Ok(modules
        .iter()
        .map(|m| ModuleInfo {
            api_name: text(m, "api_name"),
            label: text(m, "plural_label"),
            singular_label: text(m, "singular_label"),
            custom: text(m, "generated_type") == "custom",
            api_supported: flag(m, "api_supported"),
        })
        .collect())
}

/// `GET /settings/fields?module=`.
pub fn list_fields(session: &mut Session, module: &str) -> Result<Vec<FieldInfo>, Error> {
    validate::module_name("recordType", module)?;
    let mut query = Query::new();
    query.push("module", module);
    let plan = settings_plan(&["fields"], &query)?;
    let fields = list_under(&session.send(&plan)?, "fields", plan.extensions().get())?;
    Ok(fields
        .iter()
        .map(|f| FieldInfo {
            api_name: text(f, "api_name"),
            label: text(f, "field_label"),
            data_type: text(f, "data_type"),
            mandatory: flag(f, "system_mandatory"),
            read_only: flag(f, "read_only"),
            custom: flag(f, "custom_field"),
            picklist_values: f
                .get("pick_list_values")
                .and_then(Value::as_array)
                .map(|values| values.iter().map(|v| text(v, "actual_value")).collect())
                .unwrap_or_default(),
            lookup_module: f
                .get("lookup")
                .and_then(|l| l.get("module"))
                .and_then(|m| m.get("api_name"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
        .collect())
}

/// One related list of a module (`/settings/related_lists`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedListInfo {
    pub api_name: String,
    pub label: String,
    /// The module whose records the list holds, when it is one.
    pub module: Option<String>,
}

/// `GET /settings/related_lists?module=`.
pub fn list_related_lists(session: &mut Session, module: &str) -> Result<Vec<RelatedListInfo>, Error> {
    validate::module_name("recordType", module)?;
    let mut query = Query::new();
    query.push("module", module);
    let plan = settings_plan(&["related_lists"], &query)?;
    let lists = list_under(&session.send(&plan)?, "related_lists", plan.extensions().get())?;
    Ok(lists
        .iter()
        .map(|l| RelatedListInfo {
            api_name: text(l, "api_name"),
            label: text(l, "display_label"),
            module: l
                .get("module")
                .and_then(|m| m.get("api_name"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
        .collect())
}

pub fn related_lists_json(lists: &[RelatedListInfo]) -> Value {
    json!({"data": lists.iter().map(|l| json!({
        "apiName": l.api_name, "label": l.label, "module": l.module,
    })).collect::<Vec<_>>()})
}

pub fn modules_json(modules: &[ModuleInfo]) -> Value {
    json!({"data": modules.iter().map(|m| json!({
        "apiName": m.api_name, "label": m.label, "singularLabel": m.singular_label, "custom": m.custom, "apiSupported": m.api_supported,
    })).collect::<Vec<_>>()})
}

/// The JSON type a record's value of a field with Zoho's `data_type` takes in a write (Zoho's
/// "Fields Metadata" and "Insert Records" pages, v8: numbers for integer, double, currency,
/// percent and decimal fields; arrays for multi-select picklists, multi-select lookups and
/// subforms; `{"id": ...}` objects for lookups). Long integers (`bigint`) stay strings, as
/// JavaScript platforms would round them; anything else is text.
fn json_type(data_type: &str) -> &'static str {
    match data_type {
        "integer" => "integer",
        "double" | "currency" | "percent" | "decimal" => "number",
        "boolean" => "boolean",
        "multiselectpicklist" | "multiselectlookup" | "multiuserlookup" | "subform" => "array",
        "lookup" | "ownerlookup" | "userlookup" => "object",
        _ => "string",
    }
}

pub fn fields_json(fields: &[FieldInfo]) -> Value {
    json!({"data": fields.iter().map(|f| json!({
        "apiName": f.api_name, "label": f.label, "dataType": f.data_type, "mandatory": f.mandatory, "readOnly": f.read_only,
        "custom": f.custom, "picklistValues": f.picklist_values, "lookupModule": f.lookup_module,
        "jsonType": json_type(&f.data_type),
    })).collect::<Vec<_>>()})
}
