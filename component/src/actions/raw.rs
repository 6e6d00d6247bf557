//! The raw request actions: any endpoint of either product, as the escape hatch.

use super::action::*;
use std::time::Duration;

use http::Method;
use serde_json::Value;

use crate::raw::{self, Body, Part, RawRequest, ResponseType};
use crate::shared::error::Error;
use crate::shared::inputs::{InputSpec, InputType, Inputs};
use crate::shared::plan::Repeatable;
use crate::shared::retry::{self, RetryPolicy};
use crate::shared::session::Session;

/// The raw request's inputs, shared by CRM and Books.
const RAW_INPUTS: &[InputSpec] = &[
    InputSpec::required(
        "url",
        "URL",
        InputType::Text,
        "A path relative to the API base, e.g. /Leads/123/actions/convert (CRM) or /organizations (Books); an absolute URL only on the connection's own API domain.",
    )
    .example("\"/Leads/4150868000000624001/actions/convert\""),
    InputSpec::optional("method", "Method", InputType::Choice(&["GET", "POST", "PUT", "PATCH", "DELETE"]), "The HTTP method.").default("\"GET\""),
    InputSpec::optional("queryParameters", "Query Parameters", InputType::KeyValues, "Query parameters; repeated keys allowed.")
        .example("[{\"key\": \"fields\", \"value\": \"Last_Name,Email\"}]"),
    InputSpec::optional("headers", "Headers", InputType::KeyValues, "Request headers; Authorization comes from the connection and cannot be set."),
    InputSpec::optional("data", "Data", InputType::Json, "The body: a JSON value is sent as JSON; a string is sent as given (set Content-Type in headers)."),
    InputSpec::optional("formData", "Form Data", InputType::KeyValues, "Text fields of a multipart/form-data body."),
    InputSpec::optional(
        "fileData",
        "File Data",
        InputType::KeyValues,
        "Files of a multipart/form-data body: the value is the file's text, or {\"base64\": \"...\"} for binary contents.",
    ),
    InputSpec::optional("fileDataFileNames", "File Data File Names", InputType::KeyValues, "The file name of each fileData entry, by key."),
    InputSpec::optional("responseType", "Response Type", InputType::Choice(&["json", "text", "binary"]), "How to return the body; binary is base64.").default("\"json\""),
    InputSpec::optional("timeout", "Timeout", InputType::Integer { min: 1, max: 600_000 }, "Milliseconds each attempt may take.").default("30000"),
    InputSpec::optional("maxRetries", "Max Retries", InputType::Integer { min: 0, max: 10 }, "Retries on 429, 5xx and network failures.").default("0"),
    InputSpec::optional("retryDelayMs", "Retry Delay (ms)", InputType::Integer { min: 0, max: 60_000 }, "Wait before a retry when Zoho sends no Retry-After.").default("500"),
    InputSpec::optional("useExponentialBackoff", "Use Exponential Backoff", InputType::Boolean, "Double the wait after each retry (with jitter, capped).").default("false"),
    InputSpec::optional(
        "retryOnAllErrors",
        "Retry On All Errors",
        InputType::Boolean,
        "Also retry other 4xx answers, and POST/PATCH requests on 5xx and network failures.",
    )
    .default("false"),
    ORGANIZATION_ID,
];

/// The raw request actions.
pub(super) static ACTIONS: &[Action] = &[
    Action {
        key: "crmRawRequest",
        label: "Raw Request",
        description: "Send any request to the Zoho CRM API (base {api_domain}/crm/v8) with retries, a timeout, multipart uploads and binary responses.",
        product: Product::Crm,
        inputs: RAW_INPUTS,
        output_example: r#"{"status":200,"headers":{"content-type":"application/json"},"body":{"data":[{"id":"4150868000000624001"}]}}"#,
        run: Run::Value(run_crm_raw),
    },
    Action {
        key: "booksRawRequest",
        label: "Raw Request",
        description: "Send any request to the Zoho Books API (base {api_domain}/books/v3); organization_id is added when absent.",
        product: Product::Books,
        inputs: RAW_INPUTS,
        output_example: r#"{"status":200,"headers":{"content-type":"application/json"},"body":{"code":0,"message":"success","organizations":[]}}"#,
        run: Run::Value(run_books_raw),
    },
];

fn run_crm_raw(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    run_raw(session, inputs, raw::Product::Crm)
}

fn run_books_raw(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    run_raw(session, inputs, raw::Product::Books)
}

/// The raw request's body from `data`, or from `formData` / `fileData`.
fn raw_body(inputs: &Inputs) -> Result<Body, Error> {
    let form = inputs.pairs("formData");
    let files = inputs.pairs("fileData");
    let data = inputs.value("data");
    if data.is_some() && (!form.is_empty() || !files.is_empty()) {
        return Err(Error::invalid(
            "data",
            "cannot be combined with formData or fileData; send one body",
        ));
    }
    if let Some(data) = data {
        return Ok(match data {
            Value::String(text) => Body::Text(text.clone()),
            other => Body::Json(other.clone()),
        });
    }
    if form.is_empty() && files.is_empty() {
        if !inputs.pairs("fileDataFileNames").is_empty() {
            return Err(Error::invalid(
                "fileDataFileNames",
                "names files, but fileData is empty",
            ));
        }
        return Ok(Body::None);
    }
    let names = inputs.pairs("fileDataFileNames");
    let mut parts = Vec::new();
    for (i, (name, value)) in form.into_iter().enumerate() {
        let text = match value {
            Value::String(text) => text,
            Value::Null => return Err(Error::invalid(format!("formData[{i}].value"), "must not be null")),
            other => other.to_string(),
        };
        parts.push(Part {
            name,
            file_name: None,
            content_type: None,
            data: text.into_bytes(),
        });
    }
    for (i, (name, value)) in files.into_iter().enumerate() {
        let input = format!("fileData[{i}].value");
        let data = match &value {
            Value::String(text) => text.clone().into_bytes(),
            Value::Object(object) => match object.get("base64").and_then(Value::as_str) {
                Some(encoded) if object.len() == 1 => raw::decode_base64(&input, encoded)?,
                _ => {
                    return Err(Error::invalid(
                        input,
                        "must be the file's text, or {\"base64\": \"...\"}",
                    ));
                }
            },
            _ => {
                return Err(Error::invalid(
                    input,
                    "must be the file's text, or {\"base64\": \"...\"}",
                ));
            }
        };
        let file_name = names
            .iter()
            .find(|(key, _)| *key == name)
            .and_then(|(_, v)| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| name.clone());
        if file_name.is_empty() || file_name.chars().any(char::is_control) {
            return Err(Error::invalid(
                "fileDataFileNames",
                format!("must give `{name}` a non-empty file name without control characters"),
            ));
        }
        parts.push(Part {
            name,
            file_name: Some(file_name),
            content_type: None,
            data,
        });
    }
    Ok(Body::Multipart(parts))
}

fn text_pairs(inputs: &Inputs, name: &str) -> Vec<(String, String)> {
    inputs
        .pairs(name)
        .into_iter()
        .map(|(key, value)| (key, value.as_str().map_or_else(|| value.to_string(), str::to_owned)))
        .collect()
}

fn run_raw(session: &mut Session, inputs: &Inputs, product: raw::Product) -> Result<Value, Error> {
    let method = match inputs.text("method").unwrap_or("GET") {
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        "PATCH" => Method::PATCH,
        "DELETE" => Method::DELETE,
        _ => Method::GET,
    };
    let retry_on_all_errors = inputs.flag("retryOnAllErrors");
    // Asking to retry on every error is asking to repeat even a POST.
    let repeatable = if retry_on_all_errors {
        Repeatable::Yes
    } else {
        retry::repeatable_method(&method)
    };
    let mut options = session.options();
    options.retry = RetryPolicy {
        max_retries: inputs.u32("maxRetries").unwrap_or(0),
        base_delay: Duration::from_millis(inputs.u32("retryDelayMs").unwrap_or(500).into()),
        exponential: inputs.flag("useExponentialBackoff"),
        retry_on_all_errors,
    };
    session.set_options(options);
    let request = RawRequest {
        url: inputs.required_text("url")?.to_owned(),
        method,
        query: text_pairs(inputs, "queryParameters"),
        headers: text_pairs(inputs, "headers"),
        body: raw_body(inputs)?,
        organization_id: inputs.text("organizationId").map(str::to_owned),
    };
    let response_type = match inputs.text("responseType") {
        Some("text") => ResponseType::Text,
        Some("binary") => ResponseType::Binary,
        _ => ResponseType::Json,
    };
    let response = raw::send(session, product, &request, repeatable)?;
    raw::output(&response, response_type)
}
