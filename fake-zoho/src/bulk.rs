//! What Bulk Read and Bulk Write share in the fake: job timing (a job walks through its states
//! as real time passes), the zipped CSV files, the download limit and `Range` downloads.

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::reply::Reply;
use crate::request::RecordedRequest;

/// Counts down an armed `(pass, times)` fault; true when this request is one of the `times`.
pub(crate) fn fires(armed: &mut (usize, usize)) -> bool {
    match armed {
        (0, 0) => false,
        (0, times) => {
            *times -= 1;
            true
        }
        (pass, _) => {
            *pass -= 1;
            false
        }
    }
}

/// A job's progress: states in order, each lasting `step`, the last one final.
pub(crate) fn state_at<'a>(created: Instant, step: Duration, states: &[&'a str]) -> &'a str {
    let steps = if step.is_zero() {
        usize::MAX
    } else {
        (created.elapsed().as_nanos() / step.as_nanos()) as usize
    };
    states[steps.min(states.len() - 1)]
}

/// A CSV cell as Zoho exports it: lookups by id, lists joined with `;`, null empty.
pub(crate) fn cell(value: Option<&Value>) -> String {
    let text = match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o
            .get("id")
            .map(|id| id.as_str().map_or_else(|| id.to_string(), str::to_owned))
            .unwrap_or_default(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(";"),
        Some(other) => other.to_string(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// A ZIP holding `name` with `csv`, deflated, as java.util.zip writes it.
pub(crate) fn zip(name: &str, csv: &[u8]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(csv.len() >= u32::MAX as usize);
    // Writing to memory fails only on a broken invariant; an empty archive then shows it.
    let _ = writer.start_file(name, options);
    let _ = writer.write_all(csv);
    writer.finish().map(std::io::Cursor::into_inner).unwrap_or_default()
}

/// A file download honouring `Range: bytes=N-` (206 with `Content-Range`), as Zoho's
/// download servers do for resumed downloads.
pub(crate) fn ranged_file(request: &RecordedRequest, name: &str, bytes: &[u8]) -> Reply {
    let start = request
        .header("range")
        .and_then(|r| r.trim().strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|r| r.parse::<usize>().ok());
    match start {
        Some(start) if start >= bytes.len() => Reply {
            status: 416,
            headers: vec![("content-range".into(), format!("bytes */{}", bytes.len()))],
            ..Reply::no_content()
        },
        Some(start) => {
            let mut reply = Reply::file("application/zip", name, &bytes[start..]);
            reply.status = 206;
            reply.headers.push((
                "content-range".into(),
                format!("bytes {start}-{}/{}", bytes.len() - 1, bytes.len()),
            ));
            reply
        }
        None => Reply::file("application/zip", name, bytes),
    }
}
