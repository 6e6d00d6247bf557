//! Request and record helpers every route uses: query strings, percent-decoding, and the
//! projection of a stored record onto the fields asked for.

use serde_json::{Map, Value, json};

use crate::reply::Reply;
use crate::request::RecordedRequest;

pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            )
        })
        .collect()
}

/// Decodes `%XX` escapes; invalid escapes are kept literally, as lenient servers do.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Keeps only `fields` (plus `id`, which Zoho always returns) of a record.
pub(crate) fn project(record: &Map<String, Value>, fields: Option<&[String]>) -> Value {
    match fields {
        None => Value::Object(record.clone()),
        Some(fields) => Value::Object(
            record
                .iter()
                .filter(|(k, _)| *k == "id" || fields.iter().any(|f| f == *k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
    }
}

/// The parts of a `multipart/form-data` upload, or Zoho's 415 / 400.
pub(crate) fn form_parts(request: &RecordedRequest) -> Result<Vec<crate::multipart::FormPart>, Reply> {
    let content_type = request.header("content-type").unwrap_or_default();
    if crate::multipart::boundary(content_type).is_none() {
        return Err(Reply::crm_error(
            415,
            "INVALID_REQUEST",
            "unsupported media type: send multipart/form-data",
            json!({"expected_type": "multipart/form-data"}),
        ));
    }
    crate::multipart::parse(content_type, &request.body).map_err(|reason| {
        Reply::crm_error(
            400,
            "INVALID_REQUEST",
            "invalid multipart body",
            json!({"reason": reason}),
        )
    })
}

/// A query parameter the endpoint cannot do without, or Zoho's `REQUIRED_PARAM_MISSING`.
pub(crate) fn required_param<'a>(request: &'a RecordedRequest, name: &str) -> Result<&'a str, Reply> {
    request
        .query_param(name)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| {
            Reply::crm_error(
                400,
                "REQUIRED_PARAM_MISSING",
                "One of the expected parameter is missing",
                json!({"param_name": name}),
            )
        })
}

/// `page` and `per_page` of a list paged by number (1 and `max_per_page` by default), or
/// Zoho's `INVALID_DATA` naming the parameter.
pub(crate) fn page_params(request: &RecordedRequest, max_per_page: usize) -> Result<(usize, usize), Reply> {
    let number = |name: &str, default: usize| match request.query_param(name) {
        None => Some(default),
        Some(text) => text.parse::<usize>().ok().filter(|n| *n >= 1),
    };
    let (Some(page), Some(per_page)) = (number("page", 1), number("per_page", max_per_page)) else {
        return Err(Reply::crm_error(
            400,
            "INVALID_DATA",
            "invalid data",
            json!({"param_name": "page"}),
        ));
    };
    if per_page > max_per_page {
        return Err(Reply::crm_error(
            400,
            "INVALID_DATA",
            "invalid data",
            json!({"param_name": "per_page", "maximum": max_per_page}),
        ));
    }
    Ok((page, per_page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_handles_valid_and_broken_escapes() {
        assert_eq!(percent_decode("a%2Cb%2f"), "a,b/");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
