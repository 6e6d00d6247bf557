//! Building request plans: an `http::Request` whose URI is the path and query relative to the
//! connection's API domain. The session adds the domain and the token when it sends.

use http::{Method, Request};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::shared::error::Error;

/// The OAuth scope an operation needs, attached to a request plan as an extension so that an
/// `OAUTH_SCOPE_MISMATCH` answer can tell the user exactly which scope to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredScope(pub String);

/// Base path of Zoho CRM API v8.
pub const CRM_BASE: &str = "/crm/v8";
/// Zoho Books API v3, below the same API domain.
pub const BOOKS_BASE: &str = "/books/v3";

/// RFC 3986 unreserved characters stay as they are; everything else is percent-encoded, in
/// path segments and query components alike.
pub(crate) const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Whether a request may be sent again after an unclear failure without risking a duplicate.
/// Attached to every plan; read by the session when a request gets no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeatable {
    /// GET, PUT, DELETE and read-only POSTs (COQL): repeating changes nothing.
    Yes,
    /// Creates and upserts: a repeat after an unknown outcome could create a duplicate.
    No,
}

/// Query parameters in the order they were added, encoded once when the plan is built.
#[derive(Debug, Default, Clone)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.0.push((key.to_owned(), value.into()));
        self
    }

    pub fn push_opt(&mut self, key: &str, value: Option<impl Into<String>>) -> &mut Self {
        if let Some(value) = value {
            self.push(key, value);
        }
        self
    }

    /// Query parameters from pairs already in order.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Query(pairs)
    }

    pub fn encode(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    utf8_percent_encode(k, COMPONENT),
                    utf8_percent_encode(v, COMPONENT)
                )
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Joins already-validated path segments under `base`, percent-encoding each one so that no
/// segment can add a `/`, `?` or `#` of its own.
pub fn path(base: &str, segments: &[&str]) -> String {
    let mut path = base.to_owned();
    for segment in segments {
        path.push('/');
        path.extend(utf8_percent_encode(segment, COMPONENT));
    }
    path
}

/// What a plan needs beyond method, path and query.
#[derive(Debug)]
pub struct PlanMeta {
    pub repeatable: Repeatable,
    pub scope: Option<RequiredScope>,
}

/// Assembles a plan. `body` is sent as JSON when present.
pub fn request(
    method: Method,
    path: String,
    query: &Query,
    body: Option<&Value>,
    meta: PlanMeta,
) -> Result<Request<Vec<u8>>, Error> {
    let query = query.encode();
    let uri = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    };
    let mut builder = Request::builder().method(method).uri(uri);
    let bytes = match body {
        Some(body) => {
            builder = builder.header(http::header::CONTENT_TYPE, "application/json");
            serde_json::to_vec(body)
                .map_err(|e| Error::invalid("values", format!("could not be encoded as JSON: {e}")))?
        }
        None => Vec::new(),
    };
    let mut request = builder
        .body(bytes)
        .map_err(|e| Error::invalid("request", format!("could not form a valid request: {e}")))?;
    request.extensions_mut().insert(meta.repeatable);
    if let Some(scope) = meta.scope {
        request.extensions_mut().insert(scope);
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        let mut q = Query::new();
        q.push("fields", "Last_Name,Email").push("page_token", "a+b/c=d&e");
        assert_eq!(q.encode(), "fields=Last_Name%2CEmail&page_token=a%2Bb%2Fc%3Dd%26e");
    }

    #[test]
    fn segments_cannot_add_path_structure() {
        assert_eq!(path(CRM_BASE, &["Leads", "1/2?x#y"]), "/crm/v8/Leads/1%2F2%3Fx%23y");
    }

    #[test]
    fn plans_carry_body_and_metadata() {
        let body = serde_json::json!({"data": [{"Last_Name": "Ben"}]});
        let meta = PlanMeta {
            repeatable: Repeatable::No,
            scope: Some(RequiredScope("s".into())),
        };
        let r = request(
            Method::POST,
            path(CRM_BASE, &["Leads"]),
            &Query::new(),
            Some(&body),
            meta,
        )
        .expect("plan");
        assert_eq!(r.uri(), "/crm/v8/Leads");
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_eq!(serde_json::from_slice::<Value>(r.body()).expect("json"), body);
        assert_eq!(r.extensions().get::<Repeatable>(), Some(&Repeatable::No));
    }
}
