//! Test endpoints beside Zoho's paths (`/crm/v8/__echo`, `/crm/v8/__binary`): what the
//! component sent, exactly, and bytes of a known size for download tests. Not Zoho's.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use crate::reply::Reply;
use crate::request::RecordedRequest;
use bytes::Bytes;

/// Answers with exactly what was received: method, path, query, headers, body and, for a
/// multipart body, each part (text as text, anything else as base64).
pub(crate) fn echo(request: &RecordedRequest) -> Reply {
    let content_type = request.header("content-type").unwrap_or_default();
    let as_text_or_base64 = |bytes: &[u8]| match std::str::from_utf8(bytes) {
        Ok(text) => json!({"text": text}),
        Err(_) => json!({"base64": BASE64.encode(bytes)}),
    };
    let parts = crate::multipart::boundary(content_type).map(|_| match crate::multipart::parse(content_type, &request.body) {
        Ok(parts) => Value::Array(
            parts
                .iter()
                .map(|p| {
                    let mut part = json!({"name": p.name, "fileName": p.file_name, "contentType": p.content_type, "size": p.data.len()});
                    if let (Some(object), Value::Object(data)) = (part.as_object_mut(), as_text_or_base64(&p.data)) {
                        object.extend(data);
                    }
                    part
                })
                .collect(),
        ),
        Err(error) => json!({"error": error}),
    });
    Reply::json(
        200,
        &json!({
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "headers": request.headers,
            "body": if request.body.is_empty() { Value::Null } else { as_text_or_base64(&request.body) },
            "parts": parts,
        }),
    )
}

/// Serves `size` deterministic bytes (see [`crate::echo::binary_payload`]).
pub(crate) fn binary(request: &RecordedRequest) -> Reply {
    let size = request
        .query_param("size")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1024_usize)
        .min(16 << 20);
    let seed = request.query_param("seed").and_then(|s| s.parse().ok()).unwrap_or(0);
    Reply {
        status: 200,
        headers: vec![
            ("content-type".into(), "application/octet-stream".into()),
            (
                "content-disposition".into(),
                "attachment; filename=\"payload.bin\"".into(),
            ),
        ],
        body: Bytes::from(crate::echo::binary_payload(size, seed)),
        hold: None,
        cut_after: None,
    }
}

/// The bytes the binary route serves for `size` and `seed`, so tests can compare exactly.
pub fn binary_payload(size: usize, seed: u64) -> Vec<u8> {
    let mut state = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    (0..size)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect()
}
