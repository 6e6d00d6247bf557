//! `zoho:connector/raw`: any CRM or Books path, with the same policy the raw actions use.

use std::time::Duration;

use super::*;
use crate::raw;
use crate::shared::error::Error;
use crate::shared::retry;

/// Runs a typed raw request with the same policy the raw actions use.
fn raw_request(
    connection: &str,
    product: raw::Product,
    request: wit_raw::Request,
) -> Result<wit_raw::Response, wit_types::Error> {
    let method = match request.method {
        wit_raw::Method::Get => http::Method::GET,
        wit_raw::Method::Post => http::Method::POST,
        wit_raw::Method::Put => http::Method::PUT,
        wit_raw::Method::Patch => http::Method::PATCH,
        wit_raw::Method::Delete => http::Method::DELETE,
    };
    let body = match request.body {
        wit_raw::Body::None => raw::Body::None,
        wit_raw::Body::Json(text) => match serde_json::from_str(&text) {
            Ok(value) => raw::Body::Json(value),
            Err(e) => return Err(Error::invalid("data", format!("is not valid JSON: {e}")).into()),
        },
        wit_raw::Body::Text(text) => raw::Body::Text(text),
        wit_raw::Body::Multipart(parts) => raw::Body::Multipart(
            parts
                .into_iter()
                .map(|p| raw::Part {
                    name: p.name,
                    file_name: p.file_name,
                    content_type: p.content_type,
                    data: p.data,
                })
                .collect(),
        ),
    };
    let repeatable = if request.retry_on_all_errors {
        crate::shared::plan::Repeatable::Yes
    } else {
        retry::repeatable_method(&method)
    };
    let defaults = CallOptions::default();
    let options = CallOptions {
        attempt_timeout: request
            .timeout_ms
            .map_or(defaults.attempt_timeout, |ms| Duration::from_millis(ms.into())),
        retry: retry::RetryPolicy {
            max_retries: request.max_retries.unwrap_or(0),
            base_delay: Duration::from_millis(request.retry_delay_ms.unwrap_or(500).into()),
            exponential: request.use_exponential_backoff,
            retry_on_all_errors: request.retry_on_all_errors,
        },
        ..defaults
    };
    let raw_request = raw::RawRequest {
        url: request.url,
        method,
        query: request.query_parameters,
        headers: request.headers,
        body,
        organization_id: request.organization_id,
    };
    let mut host = WitHost;
    let mut session = Session::new(&mut host, connection, options);
    let response = raw::send(&mut session, product, &raw_request, repeatable)?;
    Ok(wit_raw::Response {
        status: response.status,
        headers: response.headers,
        body: response.body,
    })
}

impl wit_raw::Guest for Component {
    fn crm_raw_request(connection: String, request: wit_raw::Request) -> Result<wit_raw::Response, wit_types::Error> {
        raw_request(&connection, raw::Product::Crm, request)
    }

    fn books_raw_request(connection: String, request: wit_raw::Request) -> Result<wit_raw::Response, wit_types::Error> {
        raw_request(&connection, raw::Product::Books, request)
    }
}
