//! Zoho CRM's Bulk Read and Bulk Write APIs (`/crm/bulk/v8`): asynchronous jobs that export up
//! to 200,000 records per job page as a zipped CSV, and import up to 25,000 rows per uploaded
//! file. Result files are read a bounded chunk per call (`result_file`), never whole.

pub(crate) mod read;
pub(crate) mod result_file;
pub(crate) mod write;

use http::Method;
use serde_json::Value;

use crate::shared::error::Error;
use crate::shared::plan::{self, PlanMeta, Query, Repeatable, RequiredScope};
use crate::shared::session::Session;
use crate::shared::{validate, zoho};

/// Base path of the bulk APIs.
pub const BULK_BASE: &str = "/crm/bulk/v8";

/// The job's first (only) `data` entry, or the answer itself when Zoho sent it bare.
fn job_entry(answer: &Value) -> &Value {
    answer
        .get("data")
        .and_then(Value::as_array)
        .and_then(|data| data.first())
        .unwrap_or(answer)
}

/// Creates a job (`POST /{kind}`) and returns the `details` Zoho answered with. Never re-sent
/// after a lost answer: a second job would export, or write, the same records again.
fn create_job(session: &mut Session, kind: &str, body: &Value, scope: &str) -> Result<Value, Error> {
    let plan = plan::request(
        Method::POST,
        plan::path(BULK_BASE, &[kind]),
        &Query::new(),
        Some(body),
        PlanMeta {
            repeatable: Repeatable::No,
            scope: Some(RequiredScope(scope.into())),
        },
    )?;
    let response = session.send(&plan)?;
    if !response.status().is_success() {
        return Err(zoho::error_from_response(&response, plan.extensions().get()));
    }
    let answer = zoho::json_body(&response, "the new bulk job")?;
    let entry = job_entry(&answer);
    if entry.get("status").and_then(Value::as_str) == Some("error") {
        return Err(zoho::classify(
            zoho::api_error(&response),
            None,
            plan.extensions().get(),
        ));
    }
    Ok(entry.get("details").unwrap_or(entry).clone())
}

/// A job's details (`GET /{kind}/{job}`), as its one entry.
fn job_details(session: &mut Session, kind: &str, job: &str, scope: &str) -> Result<Value, Error> {
    validate::record_id("jobId", job)?;
    let plan = plan::request(
        Method::GET,
        plan::path(BULK_BASE, &[kind, job]),
        &Query::new(),
        None,
        PlanMeta {
            repeatable: Repeatable::Yes,
            scope: Some(RequiredScope(scope.into())),
        },
    )?;
    let response = session.send(&plan)?;
    if !response.status().is_success() {
        return Err(crate::crm::not_found_if_unknown_id(zoho::error_from_response(
            &response,
            plan.extensions().get(),
        )));
    }
    let answer = zoho::json_body(&response, "the bulk job")?;
    Ok(job_entry(&answer).clone())
}

/// A text field of an answer.
fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::to_owned)
}

/// A count Zoho sends as a number (or, in places, a numeric string).
fn number(value: Option<&Value>) -> Option<u64> {
    value.and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
}

/// A job id from an answer: digits, as a string.
fn job_id(entry: &Value, what: &str) -> Result<String, Error> {
    crate::crm::id_of(entry.get("id")).ok_or_else(|| Error::decode(format!("{what} does not name the job's id")))
}

/// A callback URL as Zoho takes it: absolute HTTP(S), no spaces.
fn callback(input: &str, url: Option<&str>) -> Result<Option<Value>, Error> {
    let Some(url) = url else {
        return Ok(None);
    };
    let valid = (url.starts_with("https://") || url.starts_with("http://"))
        && url
            .parse::<http::Uri>()
            .is_ok_and(|uri| uri.host().is_some_and(|h| !h.is_empty()));
    if !valid {
        return Err(Error::invalid(input, "must be an absolute http(s) URL"));
    }
    Ok(Some(serde_json::json!({ "url": url, "method": "post" })))
}
