//! What an action is (its key, inputs, output example and how it runs), the inputs several
//! actions share, and the helpers their runs share. Each product's catalog builds on this
//! module; it also gathers the names those catalogs use, so they can take them in one import.

pub(super) use serde_json::{Map, Value};

pub(super) use crate::shared::choices::{self, ChoiceSource};
pub(super) use crate::shared::common_inputs::{ORGANIZATION_ID, call_options, with_common_inputs};
pub(super) use crate::shared::error::Error;
pub(super) use crate::shared::inputs::{InputSpec, InputType, Inputs};
pub(super) use crate::shared::session::Session;

pub use crate::shared::product::Product;

/// How an action runs: most build a JSON value; the record lists assemble their output text
/// from the records as Zoho sent them.
#[derive(Debug, Clone, Copy)]
pub(super) enum Run {
    Value(fn(&mut Session, &Inputs) -> Result<Value, Error>),
    Text(fn(&mut Session, &Inputs) -> Result<String, Error>),
}

/// An action's result, ready to serialise.
#[derive(Debug)]
pub enum Output {
    Value(Value),
    /// JSON text already assembled.
    Text(String),
}

impl Output {
    /// The result as JSON text; a result too large for the memory left is a typed error.
    pub fn into_text(self) -> Result<String, Error> {
        match self {
            Output::Value(value) => crate::shared::memory::json_text(&value),
            Output::Text(text) => Ok(text),
        }
    }
}

/// One action of the catalog.
#[derive(Debug)]
pub struct Action {
    pub key: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    pub product: Product,
    pub inputs: &'static [InputSpec],
    pub output_example: &'static str,
    pub(super) run: Run,
}

impl Action {
    /// The description with what a call costs in Zoho's CRM credits.
    pub fn description_with_credits(&self) -> String {
        format!("{} Zoho credits: {}.", self.description, super::credits::rule(self.key))
    }

    /// The JSON Schema of this action's input, including the inputs every action shares.
    pub fn input_schema(&self) -> Value {
        crate::shared::inputs::schema(&self.all_inputs())
    }

    pub(super) fn all_inputs(&self) -> Vec<InputSpec> {
        with_common_inputs(self.inputs)
    }

    /// The JSON Schema of this action's output, read off its example.
    pub fn output_schema(&self) -> Value {
        let example = serde_json::from_str(self.output_example).unwrap_or(Value::Null);
        crate::shared::output_schema::from_example(&example)
    }

    /// What the action does to Zoho.
    pub fn hints(&self) -> super::hints::Hints {
        super::hints::of(self.key)
    }

    /// The inputs whose choices another action lists, by name.
    pub fn choices(&self) -> Vec<(&'static str, &'static ChoiceSource)> {
        self.all_inputs()
            .iter()
            .filter_map(|spec| spec.choices.map(|source| (spec.name, source)))
            .collect()
    }
}

pub(super) const RECORD_TYPE: InputSpec = InputSpec::required(
    "recordType",
    "Record Type",
    InputType::ApiName,
    "The module's API name, including custom modules, e.g. Leads, Contacts, Price_Books.",
)
.example("\"Leads\"")
.choices(&choices::CRM_MODULES);
pub(super) const RECORD_ID: InputSpec = InputSpec::required(
    "recordId",
    "Record ID",
    InputType::Id,
    "The record's id, a string of digits.",
)
.example("\"4150868000000624001\"");
pub(super) const DYNAMIC_FIELDS: InputSpec = InputSpec::optional(
    "dynamicFields",
    "Dynamic Fields",
    InputType::KeyValues,
    "Field values from deploy-time configuration, merged into every record; an entry in values wins over a dynamic one.",
)
.example("[{\"key\": \"Lead_Source\", \"value\": \"Web Download\"}]");
pub(super) const IF_MODIFIED_SINCE: InputSpec = InputSpec::optional(
    "ifModifiedSince",
    "If Modified Since",
    InputType::DateTime,
    "Only records modified after this ISO 8601 date-time; nothing modified yields an empty result.",
)
.example("\"2026-03-27T19:20:28+05:30\"");
pub(super) const FETCH_ALL: InputSpec = InputSpec::optional(
    "fetchAll",
    "Fetch All",
    InputType::Boolean,
    "Walk every page until none are left or maxRecords were gathered.",
)
.default("false");
pub(super) const MAX_RECORDS: InputSpec = InputSpec::optional(
    "maxRecords",
    "Max Records",
    InputType::Integer { min: 1, max: 1_000_000 },
    "Cap on records returned (with fetchAll, 10,000 unless set).",
);
pub(super) const CURSOR: InputSpec = InputSpec::optional(
    "cursor",
    "Cursor",
    InputType::Text,
    "The cursor of a previous result, to continue right after its last record.",
);

pub(super) const PAGE: InputSpec = InputSpec::optional(
    "page",
    "Page",
    InputType::Integer { min: 1, max: 1_000_000 },
    "Page number, from 1; not combined with a page token or cursor.",
);
pub(super) const PER_PAGE: InputSpec = InputSpec::optional(
    "perPage",
    "Per Page",
    InputType::Integer { min: 1, max: 200 },
    "Records per page, 1 to 200.",
)
.default("200");
pub(super) const TRIGGER: InputSpec = InputSpec::optional(
    "trigger",
    "Trigger",
    InputType::StringList,
    "Automations to run: workflow, approval, blueprint. Omit for Zoho's default (all); an empty list runs none.",
)
.example("[\"workflow\"]");

/// Merges `dynamicFields` under each record: an explicit value wins, as in Prismatic.
pub(super) fn with_dynamic_fields(inputs: &Inputs, mut record: Map<String, Value>) -> Map<String, Value> {
    for (key, value) in inputs.pairs("dynamicFields") {
        record.entry(key).or_insert(value);
    }
    record
}

/// The file a `file` / `fileBase64` input pair carries (exactly one of them). With `limit`
/// (bytes, and what to call the limit), base64 text too long to fit is refused undecoded.
pub(super) fn file_input(inputs: &Inputs, limit: Option<(usize, &str)>) -> Result<Vec<u8>, Error> {
    match (inputs.text("file"), inputs.text("fileBase64")) {
        (Some(text), None) => Ok(text.as_bytes().to_vec()),
        (None, Some(encoded)) => {
            if let Some((max_bytes, what)) = limit
                && encoded.len() / 4 * 3 > max_bytes + 3
            {
                return Err(Error::invalid("fileBase64", format!("is larger than {what}")));
            }
            crate::shared::wire::decode_base64("fileBase64", encoded)
        }
        _ => Err(Error::invalid("file", "or fileBase64 is required, exactly one of them")),
    }
}

/// A downloaded file as an action's output: name, type, size and the bytes in base64.
pub(super) fn download_output(file: &crate::shared::download::Download) -> Value {
    use base64::Engine as _;
    serde_json::json!({"data": {
        "fileName": file.file_name,
        "contentType": file.content_type,
        "size": file.data.len(),
        "contentBase64": base64::engine::general_purpose::STANDARD.encode(&file.data),
    }})
}
