//! Reading Zoho's answers: error bodies, per-record write results, and the mapping from
//! HTTP status and Zoho code to [`Error`]. Shared by every product module.

use http::{Response, StatusCode};
use serde_json::{Map, Value};

use crate::shared::error::{ApiError, Error, RecordResult};
use crate::shared::plan::RequiredScope;

/// How much of a non-JSON error body we quote back; enough to recognise an HTML error page.
const BODY_SNIPPET_CHARS: usize = 300;

/// Parses a response body as JSON, naming what was being read when it fails.
pub fn json_body(response: &Response<Vec<u8>>, what: &str) -> Result<Value, Error> {
    crate::shared::memory::ensure_parse_headroom(response.body().len(), what)?;
    serde_json::from_slice(response.body()).map_err(|e| {
        Error::decode(format!(
            "could not read {what} (HTTP {}) as JSON: {e}",
            response.status().as_u16()
        ))
    })
}

/// Reads Zoho's error description out of any response: a top-level `{code, message, details}`
/// (CRM), the first failed entry of a `data` array, or, for a body that is not Zoho's JSON,
/// the status and the start of the body.
pub fn api_error(response: &Response<Vec<u8>>) -> ApiError {
    let status = response.status().as_u16();
    let parsed: Option<Value> = serde_json::from_slice(response.body()).ok();
    if let Some(object) = parsed.as_ref().and_then(Value::as_object) {
        if let Some(error) = api_error_from_object(status, object) {
            return error;
        }
        if let Some(entry) = object
            .get("data")
            .and_then(Value::as_array)
            .and_then(|data| {
                data.iter()
                    .find(|e| e.get("status").and_then(Value::as_str) == Some("error"))
            })
            .and_then(Value::as_object)
            && let Some(error) = api_error_from_object(status, entry)
        {
            return error;
        }
    }
    let text = String::from_utf8_lossy(response.body());
    let mut snippet: String = text.chars().take(BODY_SNIPPET_CHARS).collect();
    if text.chars().count() > BODY_SNIPPET_CHARS {
        snippet.push_str("...");
    }
    let reason = response.status().canonical_reason().unwrap_or("unexpected status");
    ApiError {
        status,
        code: format!("HTTP_{status}"),
        message: if snippet.trim().is_empty() {
            reason.to_owned()
        } else {
            snippet
        },
        details: None,
    }
}

/// `{code, message, details}` with `code` a string (CRM) or a number (Books).
fn api_error_from_object(status: u16, object: &Map<String, Value>) -> Option<ApiError> {
    let code = match object.get("code")? {
        Value::String(code) => code.clone(),
        Value::Number(code) => code.to_string(),
        _ => return None,
    };
    let message = object
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let details = object.get("details").filter(|d| !d.is_null()).cloned().map(Box::new);
    Some(ApiError {
        status,
        code,
        message,
        details,
    })
}

/// Turns a failed response into the matching [`Error`] case.
pub fn error_from_response(response: &Response<Vec<u8>>, scope: Option<&RequiredScope>) -> Error {
    let retry_after = retry_after_seconds(response);
    classify(api_error(response), retry_after, scope)
}

/// Maps Zoho's status and code to the error case a caller branches on.
pub fn classify(api: ApiError, retry_after_seconds: Option<u32>, scope: Option<&RequiredScope>) -> Error {
    match (api.status, api.code.as_str()) {
        (_, "OAUTH_SCOPE_MISMATCH") => Error::Forbidden {
            api,
            required_scope: scope.map(|s| s.0.clone()),
        },
        (_, "NO_PERMISSION") | (403, _) => Error::Forbidden {
            api,
            required_scope: None,
        },
        (_, "INVALID_TOKEN" | "INVALID_OAUTHTOKEN" | "AUTHENTICATION_FAILURE") | (401, _) => Error::Unauthorized(api),
        (429, _) | (_, "TOO_MANY_REQUESTS") => Error::RateLimited {
            retry_after_seconds,
            api,
        },
        (404, _) | (_, "INVALID_MODULE" | "INVALID_URL_PATTERN") => Error::NotFound(api),
        _ => Error::Api(api),
    }
}

/// Zoho's clock when it answered: the `Date` header, in seconds since the Unix epoch.
pub fn server_time(response: &Response<Vec<u8>>) -> Option<i64> {
    let text = response.headers().get(http::header::DATE)?.to_str().ok()?;
    crate::shared::time::parse_http_date(text.trim()).and_then(|t| i64::try_from(t).ok())
}

/// Whether a response is a 401 that a fresh access token can cure: any 401 except a scope
/// mismatch (CRM says `INVALID_TOKEN`; Books uses numeric codes for the same thing).
pub fn is_invalid_token(response: &Response<Vec<u8>>) -> bool {
    response.status() == StatusCode::UNAUTHORIZED && api_error(response).code != "OAUTH_SCOPE_MISMATCH"
}

/// A 5xx answer to a write that is not safe to repeat: Zoho may have applied it before
/// failing, so the outcome is unknown rather than failed.
pub fn check_write_outcome(plan: &http::Request<Vec<u8>>, response: &Response<Vec<u8>>) -> Result<(), Error> {
    let repeatable = plan
        .extensions()
        .get::<crate::shared::plan::Repeatable>()
        .copied()
        .unwrap_or(crate::shared::plan::Repeatable::No);
    if repeatable == crate::shared::plan::Repeatable::No && response.status().is_server_error() {
        return Err(Error::OutcomeUnknown(crate::shared::error::TransportError {
            kind: crate::shared::error::TransportKind::Protocol,
            message: format!(
                "Zoho answered HTTP {} to {} {}: the write may or may not have been applied; check before trying again",
                response.status().as_u16(),
                plan.method(),
                plan.uri().path()
            ),
        }));
    }
    Ok(())
}

/// `Retry-After` in whole seconds (the delta-seconds form Zoho uses).
pub fn retry_after_seconds(response: &Response<Vec<u8>>) -> Option<u32> {
    response
        .headers()
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Reads the per-record entries of a write response (`{"data":[{code, details, message,
/// status}, ...]}`), one per record sent, in order. `first_index` offsets the indexes when the
/// records were sent in several batches.
pub fn write_results(
    response: &Response<Vec<u8>>,
    sent: usize,
    first_index: usize,
) -> Result<Vec<RecordResult>, Error> {
    let body = json_body(response, "the write response")?;
    let entries = body
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::decode("the write response has no `data` array"))?;
    if entries.len() != sent {
        return Err(Error::decode(format!(
            "Zoho answered {} results for {sent} records sent",
            entries.len()
        )));
    }
    entries
        .iter()
        .enumerate()
        .map(|(offset, entry)| record_result(first_index + offset, entry))
        .collect()
}

fn record_result(index: usize, entry: &Value) -> Result<RecordResult, Error> {
    let object = entry
        .as_object()
        .ok_or_else(|| Error::decode(format!("write result {index} is not an object")))?;
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
    let status = text("status").ok_or_else(|| Error::decode(format!("write result {index} has no `status`")))?;
    let details = object.get("details").filter(|d| !d.is_null()).cloned();
    let id = details.as_ref().and_then(|d| d.get("id")).and_then(|id| match id {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    Ok(RecordResult {
        index: u32::try_from(index).unwrap_or(u32::MAX),
        success: status == "success",
        id,
        code: text("code").unwrap_or_default(),
        message: text("message").unwrap_or_default(),
        details,
        action: text("action"),
    })
}

/// The error for a single-record write whose one entry failed: classified by Zoho's per-record
/// code, keeping the response's HTTP status.
pub fn single_record_error(status: u16, result: RecordResult, scope: Option<&RequiredScope>) -> Error {
    classify(
        ApiError {
            status,
            code: result.code,
            message: result.message,
            details: result.details.map(Box::new),
        },
        None,
        scope,
    )
}

/// Whether a 429 says only that the organization's credits for the rolling 24 hours are
/// spent, so that asking again within the call would only be refused again.
///
/// Zoho documents no 429 body for CRM v8: its status-codes page (docs `api/v8/status-codes.html`)
/// describes 429 `TOO_MANY_REQUESTS` with one sentence for both causes, "Number of API
/// requests for the 24 hour period is exceeded or the concurrency limit of the user for the
/// app is exceeded", and Kaizen #203 says a passed sub-concurrency limit answers
/// `TOO_MANY_REQUESTS` too. A message that names the 24-hour period (or credits) and not the
/// concurrency limit is the spent allowance: the call fails at once. One that names both, as
/// the documented sentence does, or neither, cannot be told apart: it is retried like any 429,
/// within `maxRetries` and the call's deadline. That is safe either way: for a concurrency
/// 429 the retry is what succeeds, and for spent credits it costs at most `maxRetries` more
/// requests that Zoho refuses, each a rate-limited answer, never a write applied twice.
pub fn credits_exhausted(response: &Response<Vec<u8>>) -> bool {
    if response.status() != http::StatusCode::TOO_MANY_REQUESTS {
        return false;
    }
    let body: Option<serde_json::Value> = serde_json::from_slice(response.body()).ok();
    let message = body
        .as_ref()
        .and_then(|b| b.get("message"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let names_the_allowance = message.contains("24 hour") || message.contains("credits");
    names_the_allowance && !message.contains("concurrency")
}

/// Whether a 429 is Books refusing an organization for the rest of a period: its daily
/// allowance (code 45) or its per-minute limit (code 44, "your organization has been blocked"),
/// docs `books/api/v3/introduction` "API Call Limit" (`zoho-facts` `books_limits`). A retry
/// within the call cannot succeed and would only spend more of the allowance, so the 429 is
/// the answer. Too many calls in flight (code 1070) is retried like any 429.
pub fn books_allowance_spent(response: &Response<Vec<u8>>) -> bool {
    if response.status() != http::StatusCode::TOO_MANY_REQUESTS {
        return false;
    }
    let code = serde_json::from_slice::<serde_json::Value>(response.body())
        .ok()
        .and_then(|body| body.get("code").and_then(serde_json::Value::as_i64));
    matches!(
        code,
        Some(zoho_facts::books_limits::DAILY_CODE | zoho_facts::books_limits::PER_MINUTE_CODE)
    )
}

/// Where file uploads go: each data center's upload host whatever the environment
/// (`zoho-facts`, from the official SDKs). Another origin (a local fake) serves uploads itself.
pub fn upload_origin(api_domain: &str) -> String {
    zoho_facts::upload_origin(api_domain).map_or_else(|| api_domain.to_owned(), str::to_owned)
}

/// Whether an absolute URL from one of Zoho's answers (a bulk result's `download_url`) is on
/// a host that may receive the connection's token: the API domain itself, or one of the file
/// hosts of its data center (`zoho-facts`), over HTTPS on the default port.
pub fn is_zoho_file_host(api_domain: &str, url: &http::Uri) -> bool {
    let (Some(scheme), Some(host)) = (url.scheme_str(), url.host()) else {
        return false;
    };
    let default_port = if scheme == "https" { 443 } else { 80 };
    let origin = match url.port_u16() {
        Some(port) if port != default_port => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    };
    origin.eq_ignore_ascii_case(api_domain)
        || zoho_facts::file_origins(api_domain)
            .iter()
            .any(|file_origin| file_origin.eq_ignore_ascii_case(&origin))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> Response<Vec<u8>> {
        Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .expect("valid response")
    }

    #[test]
    fn files_go_to_zoho_hosts_of_the_same_data_center_only() {
        let uri = |text: &str| text.parse::<http::Uri>().expect("uri");
        assert_eq!(upload_origin("https://www.zohoapis.eu"), "https://content.zohoapis.eu");
        assert_eq!(upload_origin("http://127.0.0.1:4000"), "http://127.0.0.1:4000");
        let eu = "https://www.zohoapis.eu";
        assert!(is_zoho_file_host(
            eu,
            &uri("https://www.zohoapis.eu/crm/bulk/v8/read/1/result")
        ));
        assert!(is_zoho_file_host(
            eu,
            &uri("https://download-accl.zoho.eu/v2/crm/1/bulk-write/2/2.zip")
        ));
        assert!(!is_zoho_file_host(eu, &uri("https://download-accl.zoho.com/v2/x.zip")));
        assert!(!is_zoho_file_host(eu, &uri("http://download-accl.zoho.eu/x.zip")));
        assert!(!is_zoho_file_host(eu, &uri("https://evil.example/zoho.eu/x.zip")));
        assert!(!is_zoho_file_host(
            eu,
            &uri("https://download.zoho.eu.evil.example/x.zip")
        ));
        assert!(!is_zoho_file_host(eu, &uri("https://a.b.zohoapis.eu/x")));
        assert!(!is_zoho_file_host(eu, &uri("https://content.zohoapis.eu:8443/x")));
        // Canada's and Saudi Arabia's upload hosts are not content.zohoapis (the SDKs' dc classes).
        assert_eq!(upload_origin("https://www.zohoapis.ca"), "https://upload.zohocloud.ca");
        assert_eq!(upload_origin("https://sandbox.zohoapis.sa"), "https://files.zoho.sa");
        assert!(is_zoho_file_host(
            "https://developer.zohoapis.ca",
            &uri("https://download-accl.zohocloud.ca/v2/crm/1/bulk-write/2/2.zip")
        ));
        assert!(!is_zoho_file_host(
            "https://www.zohoapis.ca",
            &uri("https://content.zohoapis.ca/crm/v8/upload")
        ));
        let fake = "http://127.0.0.1:4000";
        assert!(is_zoho_file_host(fake, &uri("http://127.0.0.1:4000/bulk-write/1.zip")));
        assert!(!is_zoho_file_host(fake, &uri("http://127.0.0.1:4001/bulk-write/1.zip")));
    }

    #[test]
    fn only_a_429_naming_the_spent_allowance_alone_is_final() {
        let body = |message: &str| {
            format!(r#"{{"code":"TOO_MANY_REQUESTS","details":{{}},"message":"{message}","status":"error"}}"#)
        };
        // The sentence Zoho documents for 429 (docs api/v8/status-codes.html) names both causes.
        let documented = "Number of API requests for the 24 hour period is exceeded or the concurrency limit of the user for the app is exceeded";
        assert!(
            !credits_exhausted(&response(429, &body(documented))),
            "either cause: retried"
        );
        // Were Zoho to send one half per cause, each is told apart.
        assert!(credits_exhausted(&response(
            429,
            &body("Number of API requests for the 24 hour period is exceeded")
        )));
        assert!(!credits_exhausted(&response(
            429,
            &body("the concurrency limit of the user for the app is exceeded")
        )));
        assert!(!credits_exhausted(&response(429, "{}")), "no message: retried");
        assert!(!credits_exhausted(&response(400, &body(documented))));
    }

    #[test]
    fn crm_error_bodies_keep_code_message_and_details() {
        let r = response(
            400,
            r#"{"code":"INVALID_DATA","details":{"api_name":"Phone"},"message":"invalid data","status":"error"}"#,
        );
        let Error::Api(api) = error_from_response(&r, None) else {
            panic!("api error expected")
        };
        assert_eq!(
            (api.status, api.code.as_str(), api.message.as_str()),
            (400, "INVALID_DATA", "invalid data")
        );
        assert_eq!(api.details.as_deref(), Some(&serde_json::json!({"api_name": "Phone"})));
    }

    #[test]
    fn status_and_code_pick_the_error_case() {
        let scope = RequiredScope("ZohoCRM.modules.leads.READ".into());
        type Case = (u16, &'static str, fn(&Error) -> bool);
        let cases: Vec<Case> = vec![
            (401, "INVALID_TOKEN", |e| matches!(e, Error::Unauthorized(_))),
            (
                401,
                "OAUTH_SCOPE_MISMATCH",
                |e| matches!(e, Error::Forbidden { required_scope: Some(s), .. } if s == "ZohoCRM.modules.leads.READ"),
            ),
            (403, "NO_PERMISSION", |e| {
                matches!(
                    e,
                    Error::Forbidden {
                        required_scope: None,
                        ..
                    }
                )
            }),
            (400, "INVALID_MODULE", |e| matches!(e, Error::NotFound(_))),
            (404, "INVALID_URL_PATTERN", |e| matches!(e, Error::NotFound(_))),
            (429, "TOO_MANY_REQUESTS", |e| matches!(e, Error::RateLimited { .. })),
            (400, "MANDATORY_NOT_FOUND", |e| matches!(e, Error::Api(_))),
        ];
        for (status, code, check) in cases {
            let r = response(
                status,
                &format!(r#"{{"code":"{code}","message":"m","status":"error"}}"#),
            );
            let error = error_from_response(&r, Some(&scope));
            assert!(check(&error), "{status} {code}: {error:?}");
        }
    }

    #[test]
    fn retry_after_is_read_from_the_header() {
        let r = Response::builder()
            .status(429)
            .header("retry-after", "7")
            .body(Vec::new())
            .expect("valid");
        assert!(matches!(
            error_from_response(&r, None),
            Error::RateLimited {
                retry_after_seconds: Some(7),
                ..
            }
        ));
    }

    #[test]
    fn a_non_json_error_body_is_quoted_not_lost() {
        let r = response(502, "<html>Bad Gateway</html>");
        let Error::Api(api) = error_from_response(&r, None) else {
            panic!("api error expected")
        };
        assert_eq!(api.code, "HTTP_502");
        assert!(api.message.contains("Bad Gateway"));
    }

    #[test]
    fn per_record_errors_inside_a_2xx_are_reported() {
        let r = response(
            207,
            r#"{"data":[
                {"code":"SUCCESS","details":{"id":"4150868000000624001"},"message":"record added","status":"success"},
                {"code":"INVALID_DATA","details":{"expected_data_type":"phone","api_name":"Phone"},"message":"invalid data","status":"error"}]}"#,
        );
        let results = write_results(&r, 2, 0).expect("decodes");
        assert!(results[0].success && results[0].id.as_deref() == Some("4150868000000624001"));
        assert!(!results[1].success && results[1].code == "INVALID_DATA" && results[1].index == 1);
    }

    #[test]
    fn a_result_count_mismatch_is_a_decode_error() {
        let r = response(201, r#"{"data":[]}"#);
        assert!(matches!(write_results(&r, 1, 0), Err(Error::Decode(_))));
    }

    #[test]
    fn the_first_failed_data_entry_describes_a_failed_single_write() {
        let r = response(
            400,
            r#"{"data":[{"code":"MANDATORY_NOT_FOUND","details":{"api_name":"Last_Name"},"message":"required field not found","status":"error"}]}"#,
        );
        assert_eq!(api_error(&r).code, "MANDATORY_NOT_FOUND");
    }
}
