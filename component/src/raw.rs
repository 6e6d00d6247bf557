//! Raw requests: any endpoint under the product's base (`{api_domain}/crm/v8` or
//! `{api_domain}/books/v3`), with query parameters, headers, a JSON, text or multipart body,
//! retries and a per-attempt timeout, and the response as JSON, text or bytes.
//!
//! The dangers of an escape hatch are closed here, before anything is sent: no URL outside the
//! connection's API domain or escaping the base (`..`, encoded or not), no `Authorization`
//! override, no header with CR, LF or other control bytes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::{HeaderName, HeaderValue, Method, Request, Response};
use percent_encoding::{percent_decode_str, utf8_percent_encode};
use serde_json::{Map, Value, json};

use crate::books;
use crate::shared::error::Error;
use crate::shared::plan::{COMPONENT, Query, Repeatable};
use crate::shared::session::Session;

pub use crate::shared::product::Product;
pub use crate::shared::wire::{Part, decode_base64, multipart};

/// What a raw request sends as its body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    None,
    Json(Value),
    Text(String),
    Multipart(Vec<Part>),
}

/// A raw request as the caller described it.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRequest {
    pub url: String,
    pub method: Method,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// Books only: the organization to add when the query has no `organization_id`.
    pub organization_id: Option<String>,
}

/// A 2xx answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Headers a caller may not set: credentials are the host's, framing is the transport's.
const FORBIDDEN_HEADERS: &[&str] = &[
    "authorization",
    "host",
    "content-length",
    "connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "keep-alive",
    "proxy-authorization",
    "proxy-connection",
];

fn escapes(input: &str) -> Error {
    Error::invalid(
        input,
        "escapes the API base: use a path below it, without `.` or `..` segments (encoded or not)",
    )
}

/// Resolves `url` to a path below the product base and the query it carried. An absolute URL
/// must be on the connection's own API domain and below the same base.
pub fn resolve(product: Product, api_domain: &str, url: &str) -> Result<(String, Vec<(String, String)>), Error> {
    let base = product.base();
    if url.is_empty() {
        return Err(Error::invalid(
            "url",
            "is empty; give a path such as /Leads or /organizations",
        ));
    }
    if url
        .bytes()
        .any(|b| b.is_ascii_control() || b == b' ' || b == b'\\' || b == b'#')
    {
        return Err(Error::invalid(
            "url",
            "must not contain spaces, control characters, `\\` or `#`",
        ));
    }
    let relative = if url.contains("://") {
        let on_domain = url
            .get(..api_domain.len())
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case(api_domain))
            && url[api_domain.len()..].starts_with('/');
        if !on_domain {
            return Err(Error::invalid(
                "url",
                "points outside the connection's API domain; use a path relative to the API base",
            ));
        }
        let rest = &url[api_domain.len()..];
        match rest.strip_prefix(base) {
            Some(tail) if tail.is_empty() || tail.starts_with('/') || tail.starts_with('?') => tail.to_owned(),
            _ => return Err(escapes("url")),
        }
    } else {
        let with_slash = if url.starts_with('/') {
            url.to_owned()
        } else {
            format!("/{url}")
        };
        // A path that already names the base (as copied from Zoho's docs) is taken as is.
        match with_slash.strip_prefix(base) {
            Some(tail) if tail.starts_with('/') || tail.starts_with('?') => tail.to_owned(),
            _ => with_slash,
        }
    };
    let (path, query) = relative
        .split_once('?')
        .map_or((relative.as_str(), ""), |(p, q)| (p, q));
    let mut encoded = base.to_owned();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        if segment.is_empty() && last {
            break;
        }
        let decoded = percent_decode_str(segment)
            .decode_utf8()
            .map_err(|_| Error::invalid("url", "has invalid percent-encoding"))?;
        if decoded.is_empty()
            || decoded == "."
            || decoded == ".."
            || decoded.contains(['/', '\\'])
            || decoded.chars().any(char::is_control)
        {
            return Err(escapes("url"));
        }
        encoded.push('/');
        encoded.extend(utf8_percent_encode(&decoded, COMPONENT));
    }
    let mut pairs = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |text: &str| {
            percent_decode_str(&text.replace('+', " "))
                .decode_utf8()
                .map(|t| t.into_owned())
        };
        let (Ok(key), Ok(value)) = (decode(key), decode(value)) else {
            return Err(Error::invalid("url", "has invalid percent-encoding in its query"));
        };
        pairs.push((key, value));
    }
    Ok((encoded, pairs))
}

/// Checks caller headers: names must be HTTP tokens, values free of CR, LF and other control
/// bytes, and none may set credentials or framing.
pub fn check_headers(headers: &[(String, String)]) -> Result<(), Error> {
    for (i, (name, value)) in headers.iter().enumerate() {
        let input = format!("headers[{i}]");
        if HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(Error::invalid(input, "has a name that is not a valid HTTP header name"));
        }
        if FORBIDDEN_HEADERS.contains(&name.to_ascii_lowercase().as_str())
            || name.to_ascii_lowercase().starts_with("proxy-")
        {
            return Err(Error::invalid(
                input,
                format!("cannot set `{name}`: credentials come from the connection and framing from the transport"),
            ));
        }
        if value.bytes().any(|b| (b.is_ascii_control() && b != b'\t') || b == 0x7f)
            || HeaderValue::from_str(value).is_err()
        {
            return Err(Error::invalid(
                input,
                "has a value with CR, LF or other control characters",
            ));
        }
    }
    Ok(())
}

/// Builds the plan for a raw request, `url` already resolved against `api_domain`.
pub fn plan(
    product: Product,
    api_domain: &str,
    request: &RawRequest,
    repeatable: Repeatable,
) -> Result<Request<Vec<u8>>, Error> {
    let (path, mut query) = resolve(product, api_domain, &request.url)?;
    check_headers(&request.headers)?;
    query.extend(request.query.iter().cloned());
    for (i, (key, _)) in query.iter().enumerate() {
        if key.is_empty() {
            return Err(Error::invalid(format!("queryParameters[{i}]"), "has an empty key"));
        }
    }
    if product == Product::Books
        && !query.iter().any(|(k, _)| k == "organization_id")
        && let Some(organization) = &request.organization_id
    {
        query.insert(0, ("organization_id".into(), organization.clone()));
    }
    let encoded = Query::from_pairs(query).encode();
    let uri = if encoded.is_empty() {
        path
    } else {
        format!("{path}?{encoded}")
    };
    let user_content_type = request
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    let (content_type, body) = match &request.body {
        Body::None => (None, Vec::new()),
        Body::Json(value) => (Some("application/json".to_owned()), value.to_string().into_bytes()),
        Body::Text(text) => (Some("text/plain; charset=utf-8".to_owned()), text.clone().into_bytes()),
        Body::Multipart(parts) => {
            let (content_type, body) = multipart(parts);
            (Some(content_type), body)
        }
    };
    let mut builder = Request::builder().method(request.method.clone()).uri(uri);
    for (name, value) in &request.headers {
        // A multipart body needs our boundary; the caller's content type cannot describe it.
        if matches!(request.body, Body::Multipart(_)) && name.eq_ignore_ascii_case("content-type") {
            continue;
        }
        builder = builder.header(name.as_str(), value.as_str());
    }
    if let Some(content_type) =
        content_type.filter(|_| !user_content_type || matches!(request.body, Body::Multipart(_)))
    {
        builder = builder.header(http::header::CONTENT_TYPE, content_type);
    }
    let mut plan = builder
        .body(body)
        .map_err(|e| Error::invalid("url", format!("does not form a valid request: {e}")))?;
    plan.extensions_mut().insert(repeatable);
    Ok(plan)
}

/// Sends a raw request. A 2xx answer is the result; any other final status is an error that
/// carries the status, headers and body.
pub fn send(
    session: &mut Session,
    product: Product,
    request: &RawRequest,
    repeatable: Repeatable,
) -> Result<RawResponse, Error> {
    if let Some(organization) = &request.organization_id {
        crate::shared::validate::record_id("organizationId", organization)?;
    }
    let api_domain = session.credentials()?.api_domain;
    // Validate everything before the organization lookup, which is itself a request.
    let mut request = request.clone();
    plan(product, &api_domain, &request, repeatable)?;
    if product == Product::Books {
        let (path, url_query) = resolve(product, &api_domain, &request.url)?;
        let explicit = request
            .query
            .iter()
            .chain(url_query.iter())
            .any(|(k, _)| k == "organization_id");
        // Listing organizations is the one Books call made without one.
        let lists_organizations =
            request.method == Method::GET && path == format!("{}/organizations", crate::shared::plan::BOOKS_BASE);
        if !explicit && !lists_organizations {
            request.organization_id = Some(books::organization(session, request.organization_id.as_deref())?);
        }
    }
    let plan = plan(product, &api_domain, &request, repeatable)?;
    let response = session.send(&plan)?;
    let headers = header_pairs(&response);
    let status = response.status().as_u16();
    let body = response.into_body();
    if (200..300).contains(&status) {
        Ok(RawResponse { status, headers, body })
    } else {
        Err(Error::Http { status, headers, body })
    }
}

fn header_pairs(response: &Response<Vec<u8>>) -> Vec<(String, String)> {
    response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// How the action returns a response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    Json,
    Text,
    Binary,
}

/// Headers as a JSON object; repeated headers are joined with `, ` as HTTP allows.
pub fn headers_json(headers: &[(String, String)]) -> Value {
    let mut object = Map::new();
    for (name, value) in headers {
        match object.get_mut(name) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(value);
            }
            _ => {
                object.insert(name.clone(), Value::String(value.clone()));
            }
        }
    }
    Value::Object(object)
}

/// The action output: `{status, headers, body}` with the body as JSON, text or base64.
pub fn output(response: &RawResponse, response_type: ResponseType) -> Result<Value, Error> {
    // Text and base64 are held twice (the value and the serialised result) and base64 grows
    // the body by a third.
    if response_type != ResponseType::Json
        && !crate::shared::memory::has_headroom(response.body.len().saturating_mul(3))
    {
        return Err(Error::decode(format!(
            "the response body ({} KiB) is larger than the memory left to this call; download it in \
             parts (a Range header) or raise the host's memory limit",
            response.body.len() / 1024
        )));
    }
    if response_type == ResponseType::Json {
        crate::shared::memory::ensure_parse_headroom(response.body.len(), "the response")?;
    }
    let body = match response_type {
        ResponseType::Json if response.body.is_empty() => Value::Null,
        ResponseType::Json => serde_json::from_slice(&response.body).map_err(|e| {
            Error::decode(format!(
                "the response is not JSON ({e}); set responseType to text or binary"
            ))
        })?,
        ResponseType::Text => Value::String(String::from_utf8_lossy(&response.body).into_owned()),
        ResponseType::Binary => Value::String(BASE64.encode(&response.body)),
    };
    Ok(json!({"status": response.status, "headers": headers_json(&response.headers), "body": body}))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOMAIN: &str = "https://www.zohoapis.eu";

    #[test]
    fn relative_and_absolute_urls_resolve_below_the_base() {
        assert_eq!(
            resolve(Product::Crm, DOMAIN, "/Leads/123/actions/convert")
                .expect("ok")
                .0,
            "/crm/v8/Leads/123/actions/convert"
        );
        assert_eq!(resolve(Product::Crm, DOMAIN, "Leads").expect("ok").0, "/crm/v8/Leads");
        assert_eq!(
            resolve(Product::Crm, DOMAIN, "/crm/v8/Leads").expect("ok").0,
            "/crm/v8/Leads"
        );
        assert_eq!(
            resolve(Product::Books, DOMAIN, "https://www.zohoapis.eu/books/v3/organizations")
                .expect("ok")
                .0,
            "/books/v3/organizations"
        );
        let (path, query) = resolve(Product::Crm, DOMAIN, "/Leads/search?word=a%20b&x=1+2").expect("ok");
        assert_eq!(
            (path.as_str(), query),
            (
                "/crm/v8/Leads/search",
                vec![("word".into(), "a b".into()), ("x".into(), "1 2".into())]
            )
        );
    }

    #[test]
    fn urls_that_leave_the_domain_or_the_base_are_refused() {
        for url in [
            "https://evil.example/crm/v8/Leads",
            "https://www.zohoapis.eu.evil.example/crm/v8/Leads",
            "https://www.zohoapis.com/crm/v8/Leads",
            "http://www.zohoapis.eu/crm/v8/Leads",
            "https://www.zohoapis.eu/books/v3/x",
            "/../books/v3/organizations",
            "/Leads/../../x",
            "/Leads/%2e%2e/x",
            "/Leads/%2E%2E",
            "/Leads/a%2Fb",
            "/Leads/a%5Cb",
            "/Leads//x",
            "/Leads\\..\\x",
            "/Leads#frag",
            "/Leads\r\nX: y",
            "/Leads/%ff",
        ] {
            assert!(
                matches!(resolve(Product::Crm, DOMAIN, url), Err(Error::InvalidInput { ref input, .. }) if input == "url"),
                "{url}"
            );
        }
    }

    #[test]
    fn authorization_and_control_characters_in_headers_are_refused() {
        for (name, value) in [
            ("Authorization", "x"),
            ("authorization", "x"),
            ("X-A", "a\r\nb"),
            ("X-A", "a\nb"),
            ("X-A", "a\u{0}"),
            ("Bad Name", "v"),
            ("Host", "evil"),
            ("Content-Length", "1"),
        ] {
            let headers = vec![
                ("X-Ok".to_owned(), "fine".to_owned()),
                (name.to_owned(), value.to_owned()),
            ];
            assert!(
                matches!(check_headers(&headers), Err(Error::InvalidInput { ref input, .. }) if input == "headers[1]"),
                "{name}: {value:?}"
            );
        }
        assert_eq!(check_headers(&[("X-Trace".into(), "a\tb".into())]), Ok(()));
    }

    #[test]
    fn multipart_bodies_are_well_formed_and_escape_file_names() {
        let parts = vec![
            Part {
                name: "note".into(),
                file_name: None,
                content_type: None,
                data: b"hello".to_vec(),
            },
            Part {
                name: "file".into(),
                file_name: Some("a\"b\r\n.png".into()),
                content_type: None,
                data: vec![0, 159, 146, 150],
            },
        ];
        let (content_type, body) = multipart(&parts);
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=")
            .expect("boundary");
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
        )));
        assert!(
            text.contains("filename=\"a%22b%0D%0A.png\"\r\nContent-Type: image/png\r\n\r\n"),
            "{text}"
        );
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
    }

    #[test]
    fn books_raw_requests_get_the_organization_unless_given() {
        let request = RawRequest {
            url: "/invoices".into(),
            method: Method::GET,
            query: vec![],
            headers: vec![],
            body: Body::None,
            organization_id: Some("600".into()),
        };
        assert_eq!(
            plan(Product::Books, DOMAIN, &request, Repeatable::Yes)
                .expect("plan")
                .uri(),
            "/books/v3/invoices?organization_id=600"
        );
        let explicit = RawRequest {
            query: vec![("organization_id".into(), "700".into())],
            ..request
        };
        assert_eq!(
            plan(Product::Books, DOMAIN, &explicit, Repeatable::Yes)
                .expect("plan")
                .uri(),
            "/books/v3/invoices?organization_id=700"
        );
    }
}
