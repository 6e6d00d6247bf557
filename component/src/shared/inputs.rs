//! Declarative action inputs. One [`InputSpec`] list per action produces both the JSON Schema
//! in the manifest and the validation of what a caller sends, so the two cannot drift.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::shared::choices::ChoiceSource;
use crate::shared::error::Error;

/// The shape of one input.
#[derive(Debug, Clone, Copy)]
pub enum InputType {
    /// Any string.
    Text,
    /// A Zoho API name: a letter, then letters, digits, underscores.
    ApiName,
    /// A Books record type path: one to three API-name segments joined by `/`
    /// (`invoices`, `settings/taxes`). Checked in full by the Books module.
    BooksPath,
    /// An ISO 8601 date-time with an offset.
    DateTime,
    /// A record id: a string of digits. Numbers are refused: above 2^53 they lose precision
    /// in JavaScript platforms before they even reach us.
    Id,
    /// A whole number within bounds.
    Integer {
        min: i64,
        max: i64,
    },
    Boolean,
    /// A JSON object.
    Object,
    /// A JSON object, or a non-empty array of objects.
    ObjectOrArray,
    /// An array of strings, or one comma-separated string.
    StringList,
    /// One of a fixed set of strings.
    Choice(&'static [&'static str]),
    /// Any JSON value.
    Json,
    /// Named values as platforms pass them: an object, or a list of `{"key", "value"}` pairs
    /// (repeated keys allowed). Normalised to the list form.
    KeyValues,
}

/// One named input of an action.
#[derive(Debug, Clone, Copy)]
pub struct InputSpec {
    pub name: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    pub ty: InputType,
    pub required: bool,
    /// The default, as JSON text, applied when the input is absent.
    pub default: Option<&'static str>,
    /// An example value, as JSON text, taken from Zoho's documentation.
    pub example: Option<&'static str>,
    /// The action that lists this input's choices, for a form's dropdown.
    pub choices: Option<&'static ChoiceSource>,
}

impl InputSpec {
    pub const fn required(name: &'static str, label: &'static str, ty: InputType, description: &'static str) -> Self {
        Self {
            name,
            label,
            description,
            ty,
            required: true,
            default: None,
            example: None,
            choices: None,
        }
    }

    pub const fn optional(name: &'static str, label: &'static str, ty: InputType, description: &'static str) -> Self {
        Self {
            name,
            label,
            description,
            ty,
            required: false,
            default: None,
            example: None,
            choices: None,
        }
    }

    pub const fn default(mut self, default: &'static str) -> Self {
        self.default = Some(default);
        self
    }

    pub const fn example(mut self, example: &'static str) -> Self {
        self.example = Some(example);
        self
    }

    pub const fn choices(mut self, source: &'static ChoiceSource) -> Self {
        self.choices = Some(source);
        self
    }

    fn schema(&self) -> Value {
        let mut schema = match self.ty {
            InputType::Text => json!({"type": "string"}),
            InputType::ApiName => json!({"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]*$"}),
            InputType::BooksPath => {
                json!({"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]*(/[A-Za-z][A-Za-z0-9_]*){0,2}$"})
            }
            InputType::Id => json!({"type": "string", "pattern": "^[0-9]+$"}),
            InputType::DateTime => json!({"type": "string", "format": "date-time"}),
            InputType::Integer { min, max } => json!({"type": "integer", "minimum": min, "maximum": max}),
            InputType::Boolean => json!({"type": "boolean"}),
            InputType::Object => json!({"type": "object"}),
            InputType::ObjectOrArray => json!({"oneOf": [
                {"type": "object"},
                {"type": "array", "items": {"type": "object"}, "minItems": 1}
            ]}),
            InputType::StringList => json!({"oneOf": [
                {"type": "array", "items": {"type": "string"}},
                {"type": "string", "description": "comma-separated"}
            ]}),
            InputType::Choice(choices) => json!({"type": "string", "enum": choices}),
            InputType::Json => json!({}),
            InputType::KeyValues => json!({"oneOf": [
                {"type": "object"},
                {"type": "array", "items": {
                    "type": "object",
                    "properties": {"key": {"type": "string", "minLength": 1}, "value": {}},
                    "required": ["key", "value"],
                    "additionalProperties": false
                }}
            ]}),
        };
        schema["title"] = json!(self.label);
        schema["description"] = json!(self.description);
        if let Some(default) = self.default.and_then(|d| serde_json::from_str::<Value>(d).ok()) {
            schema["default"] = default;
        }
        if let Some(example) = self.example.and_then(|e| serde_json::from_str::<Value>(e).ok()) {
            schema["examples"] = json!([example]);
        }
        schema
    }

    /// Checks one present value against the spec, returning it normalised (a comma-separated
    /// string list becomes an array; a lone object for `ObjectOrArray` stays an object).
    fn check(&self, value: Value) -> Result<Value, Error> {
        let name = self.name;
        let wrong =
            |expected: &str, value: &Value| Error::invalid(name, format!("must be {expected}, got {}", kind_of(value)));
        match self.ty {
            InputType::Text => match value {
                Value::String(_) => Ok(value),
                other => Err(wrong("a string", &other)),
            },
            InputType::ApiName => match &value {
                Value::String(s) => crate::shared::validate::module_name(name, s).map(|()| value),
                other => Err(wrong("a string (an API name such as `Leads`)", other)),
            },
            InputType::BooksPath => match value {
                Value::String(_) => Ok(value),
                other => Err(wrong("a string (a Books record type such as `invoices`)", &other)),
            },
            InputType::DateTime => match &value {
                Value::String(s) => crate::shared::validate::date_time(name, s).map(|()| value),
                other => Err(wrong("an ISO 8601 date-time string", other)),
            },
            InputType::Id => match &value {
                Value::String(s) => crate::shared::validate::record_id(name, s).map(|()| value),
                Value::Number(_) => Err(Error::invalid(
                    name,
                    "must be a string of digits; give ids as strings, since numbers above 2^53 lose precision",
                )),
                other => Err(wrong("a string of digits", other)),
            },
            InputType::Integer { min, max } => {
                let number = value.as_i64().ok_or_else(|| wrong("a whole number", &value))?;
                if (min..=max).contains(&number) {
                    Ok(value)
                } else {
                    Err(Error::invalid(
                        name,
                        format!("must be between {min} and {max}, got {number}"),
                    ))
                }
            }
            InputType::Boolean => match value {
                Value::Bool(_) => Ok(value),
                other => Err(wrong("true or false", &other)),
            },
            InputType::Object => match value {
                Value::Object(_) => Ok(value),
                other => Err(wrong("a JSON object", &other)),
            },
            InputType::ObjectOrArray => match &value {
                Value::Object(_) => Ok(value),
                Value::Array(items) if items.is_empty() => Err(Error::invalid(name, "must hold at least one record")),
                Value::Array(items) => match items.iter().position(|item| !item.is_object()) {
                    Some(i) => Err(Error::invalid(
                        format!("{name}[{i}]"),
                        format!("must be a JSON object, got {}", kind_of(&items[i])),
                    )),
                    None => Ok(value),
                },
                other => Err(wrong("a JSON object or an array of objects", other)),
            },
            InputType::StringList => match value {
                Value::String(s) => Ok(Value::Array(
                    s.split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(|p| Value::String(p.to_owned()))
                        .collect(),
                )),
                Value::Array(items) => match items.iter().position(|item| !item.is_string()) {
                    Some(i) => Err(Error::invalid(
                        format!("{name}[{i}]"),
                        format!("must be a string, got {}", kind_of(&items[i])),
                    )),
                    None => Ok(Value::Array(items)),
                },
                other => Err(wrong("an array of strings or a comma-separated string", &other)),
            },
            InputType::Choice(choices) => match &value {
                Value::String(s) if choices.contains(&s.as_str()) => Ok(value),
                _ => Err(Error::invalid(
                    name,
                    format!("must be one of {}, got {}", choices.join(", "), short(&value)),
                )),
            },
            InputType::KeyValues => key_values(name, value),
            InputType::Json => Ok(value),
        }
    }
}

/// Normalises an object or a list of `{"key", "value"}` pairs to the list form.
fn key_values(name: &str, value: Value) -> Result<Value, Error> {
    match value {
        Value::Object(object) => Ok(Value::Array(
            object
                .into_iter()
                .map(|(key, value)| json!({"key": key, "value": value}))
                .collect(),
        )),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let key = item.get("key").and_then(Value::as_str);
                let well_formed = item
                    .as_object()
                    .is_some_and(|o| o.len() == 2 && o.contains_key("value"));
                if key.is_none_or(str::is_empty) || !well_formed {
                    return Err(Error::invalid(
                        format!("{name}[{i}]"),
                        "must be an object with a non-empty string `key` and a `value`",
                    ));
                }
            }
            Ok(Value::Array(items))
        }
        other => Err(Error::invalid(
            name,
            format!(
                "must be an object or a list of {{\"key\", \"value\"}} pairs, got {}",
                kind_of(&other)
            ),
        )),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

/// The JSON Schema of an action's input object.
pub fn schema(specs: &[InputSpec]) -> Value {
    let properties: Map<String, Value> = specs.iter().map(|s| (s.name.to_owned(), s.schema())).collect();
    let required: Vec<&str> = specs.iter().filter(|s| s.required).map(|s| s.name).collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// Validated inputs, with defaults applied.
#[derive(Debug, Default)]
pub struct Inputs(BTreeMap<&'static str, Value>);

impl Inputs {
    /// Validates `input` (JSON text of an object) against `specs`. A `null` value counts as
    /// absent, as platforms send null for empty optional fields.
    pub fn parse(specs: &[InputSpec], input: &str) -> Result<Self, Error> {
        let value: Value =
            serde_json::from_str(input).map_err(|e| Error::invalid("input", format!("is not valid JSON: {e}")))?;
        let Value::Object(mut given) = value else {
            return Err(Error::invalid(
                "input",
                format!("must be a JSON object of named inputs, got {}", kind_of(&value)),
            ));
        };
        if let Some(unknown) = given.keys().find(|k| !specs.iter().any(|s| s.name == k.as_str())) {
            let known: Vec<&str> = specs.iter().map(|s| s.name).collect();
            let name: String = unknown.chars().take(60).collect::<String>().escape_debug().collect();
            return Err(Error::invalid(
                name,
                format!("is not an input of this action; known inputs: {}", known.join(", ")),
            ));
        }
        let mut inputs = BTreeMap::new();
        for spec in specs {
            let value = match given.remove(spec.name) {
                Some(Value::Null) | None => None,
                Some(value) => Some(spec.check(value)?),
            };
            let value = value.or_else(|| spec.default.and_then(|d| serde_json::from_str(d).ok()));
            match value {
                Some(value) => {
                    inputs.insert(spec.name, value);
                }
                None if spec.required => {
                    return Err(Error::invalid(
                        spec.name,
                        format!("is required: {}", as_clause(spec.description)),
                    ));
                }
                None => {}
            }
        }
        Ok(Inputs(inputs))
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }

    /// A required text input; the parser already guaranteed presence, so absence is a bug in
    /// the action's spec, reported as an error rather than a panic.
    pub fn required_text(&self, name: &str) -> Result<&str, Error> {
        self.text(name).ok_or_else(|| Error::invalid(name, "is required"))
    }

    pub fn value(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    pub fn u32(&self, name: &str) -> Option<u32> {
        self.0
            .get(name)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    }

    pub fn flag(&self, name: &str) -> bool {
        self.0.get(name).and_then(Value::as_bool).unwrap_or(false)
    }

    pub fn list(&self, name: &str) -> Option<Vec<String>> {
        self.0
            .get(name)
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
    }

    pub fn object(&self, name: &str) -> Option<&Map<String, Value>> {
        self.0.get(name).and_then(Value::as_object)
    }

    /// A `KeyValues` input as `(key, value)` pairs, in the order given.
    pub fn pairs(&self, name: &str) -> Vec<(String, Value)> {
        self.0
            .get(name)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| Some((item.get("key")?.as_str()?.to_owned(), item.get("value")?.clone())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// An `ObjectOrArray` input as a list of records.
    pub fn records(&self, name: &str) -> Vec<Map<String, Value>> {
        match self.0.get(name) {
            Some(Value::Object(record)) => vec![record.clone()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).cloned().collect(),
            _ => Vec::new(),
        }
    }
}

/// An input's description as the clause after "is required:" (`the record's id, a string of
/// digits`): its first letter lowered unless it starts an acronym or a name, its last period
/// dropped.
fn as_clause(description: &str) -> String {
    let text = description.trim_end_matches('.');
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && second.is_lowercase() => {
            first.to_lowercase().chain(text[first.len_utf8()..].chars()).collect()
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[InputSpec] = &[
        InputSpec::required("recordType", "Record Type", InputType::ApiName, "module API name"),
        InputSpec::optional(
            "perPage",
            "Per Page",
            InputType::Integer { min: 1, max: 200 },
            "page size",
        )
        .default("200"),
        InputSpec::optional("fields", "Fields", InputType::StringList, "fields"),
        InputSpec::optional(
            "sortOrder",
            "Sort Order",
            InputType::Choice(&["asc", "desc"]),
            "direction",
        ),
        InputSpec::optional("recordId", "Record ID", InputType::Id, "id"),
        InputSpec::optional("dynamicFields", "Dynamic Fields", InputType::KeyValues, "config"),
    ];

    fn error_input(input: &str) -> String {
        match Inputs::parse(SPECS, input) {
            Err(Error::InvalidInput { input, .. }) => input,
            other => panic!("expected invalid input for {input}, got {other:?}"),
        }
    }

    #[test]
    fn every_validation_error_names_the_input() {
        assert_eq!(error_input(r#"{}"#), "recordType");
        assert_eq!(error_input(r#"{"recordType": 5}"#), "recordType");
        assert_eq!(error_input(r#"{"recordType": "Leads", "perPage": 500}"#), "perPage");
        assert_eq!(error_input(r#"{"recordType": "Leads", "perPage": 1.5}"#), "perPage");
        assert_eq!(
            error_input(r#"{"recordType": "Leads", "sortOrder": "up"}"#),
            "sortOrder"
        );
        assert_eq!(
            error_input(r#"{"recordType": "Leads", "fields": ["a", 1]}"#),
            "fields[1]"
        );
        assert_eq!(
            error_input(r#"{"recordType": "Leads", "recordId": 4150868000000624001}"#),
            "recordId"
        );
        assert_eq!(error_input(r#"{"recordType": "Leads", "colour": "red"}"#), "colour");
        assert_eq!(error_input(r#"[1]"#), "input");
        assert_eq!(error_input(r#"{"#), "input");
    }

    #[test]
    fn defaults_nulls_and_comma_lists() {
        let inputs = Inputs::parse(
            SPECS,
            r#"{"recordType": "Leads", "fields": "Last_Name, Email", "sortOrder": null}"#,
        )
        .expect("valid");
        assert_eq!(inputs.u32("perPage"), Some(200));
        assert_eq!(
            inputs.list("fields"),
            Some(vec!["Last_Name".to_owned(), "Email".to_owned()])
        );
        assert_eq!(inputs.text("sortOrder"), None);
    }

    #[test]
    fn key_values_accept_objects_and_pair_lists() {
        let from_object = Inputs::parse(SPECS, r#"{"recordType": "Leads", "dynamicFields": {"a": 1}}"#).expect("valid");
        assert_eq!(from_object.pairs("dynamicFields"), vec![("a".to_owned(), json!(1))]);
        let from_pairs = Inputs::parse(
            SPECS,
            r#"{"recordType": "Leads", "dynamicFields": [{"key": "a", "value": 1}, {"key": "a", "value": 2}]}"#,
        )
        .expect("valid");
        assert_eq!(from_pairs.pairs("dynamicFields").len(), 2);
        assert_eq!(
            error_input(r#"{"recordType": "Leads", "dynamicFields": [{"key": "", "value": 1}]}"#),
            "dynamicFields[0]"
        );
        assert_eq!(
            error_input(r#"{"recordType": "Leads", "dynamicFields": [{"key": "a"}]}"#),
            "dynamicFields[0]"
        );
        assert_eq!(
            error_input(r#"{"recordType": "Leads", "dynamicFields": "a=1"}"#),
            "dynamicFields"
        );
    }

    #[test]
    fn schema_lists_required_inputs_bounds_and_enums() {
        let schema = schema(SPECS);
        assert_eq!(schema["required"], json!(["recordType"]));
        assert_eq!(schema["properties"]["perPage"]["maximum"], json!(200));
        assert_eq!(schema["properties"]["perPage"]["default"], json!(200));
        assert_eq!(schema["properties"]["sortOrder"]["enum"], json!(["asc", "desc"]));
        assert_eq!(schema["additionalProperties"], json!(false));
    }
}
