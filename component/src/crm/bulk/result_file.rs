//! Reading a bulk job's result file: one bounded chunk of its CSV per call, downloaded from
//! where the previous chunk stopped (a `Range` request from the deflate block before it).

use http::{Method, StatusCode};

use crate::shared::archive::chunks::{self, ByteSource, Chunk, Position};
use crate::shared::error::Error;
use crate::shared::host::BodyStream;
use crate::shared::plan::{Repeatable, RequiredScope};
use crate::shared::session::{Opened, Session};
use crate::shared::zoho;

/// Default CSV bytes per chunk: its JSON (about two and a half times the CSV) and the copy the
/// host takes stay well inside a 64 MiB instance; a 1,000,000-record bulk-read peaks at about
/// 32 MiB with it (BENCHMARKS.md) and at 80 MiB with twice as much.
pub const DEFAULT_CHUNK_BYTES: u32 = 2 << 20;
/// Redirects followed to reach a result file.
const MAX_REDIRECTS: u32 = 3;
/// Largest chunk: its JSON (about twice the CSV) plus the output copy must fit an instance.
pub const MAX_CHUNK_BYTES: u32 = 8 << 20;

struct Body(Box<dyn BodyStream>);

impl ByteSource for Body {
    fn next_piece(&mut self) -> Result<Option<Vec<u8>>, Error> {
        self.0.next_piece().map_err(Error::Transport)
    }
}

/// Reads one chunk of the file at `url` (a path on the API domain, or an absolute Zoho
/// download URL) belonging to job `job_id`.
pub fn read(
    session: &mut Session,
    job_id: &str,
    url: &str,
    position: Option<Position>,
    max_bytes: u32,
    scope: &str,
) -> Result<Chunk, Error> {
    let first_byte = position.as_ref().map_or(0, Position::first_byte);
    let mut address = url.to_owned();
    let mut redirects = 0;
    let response = loop {
        let mut builder = http::Request::builder().method(Method::GET).uri(&address);
        if first_byte > 0 {
            builder = builder.header(http::header::RANGE, format!("bytes={first_byte}-"));
        }
        let mut plan = builder
            .body(Vec::new())
            .map_err(|e| Error::decode(format!("the result address {address:?} is not a valid URL: {e}")))?;
        plan.extensions_mut().insert(Repeatable::Yes);
        plan.extensions_mut().insert(RequiredScope(scope.to_owned()));
        match session.open(&plan)? {
            Opened::Stream(response) => break response,
            // A download server of Zoho's may be named by a redirect; wasi:http does not follow
            // them, and the session only sends the token on to Zoho's own hosts.
            Opened::Answer(answer) if answer.status().is_redirection() && redirects < MAX_REDIRECTS => {
                let Some(location) = answer
                    .headers()
                    .get(http::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .filter(|l| l.starts_with("https://") || l.starts_with("http://") || l.starts_with('/'))
                else {
                    return Err(zoho::error_from_response(&answer, plan.extensions().get()));
                };
                address = location.to_owned();
                redirects += 1;
            }
            Opened::Answer(answer) => return Err(zoho::error_from_response(&answer, plan.extensions().get())),
        }
    };
    // A server that ignores `Range` sends the whole file from its first byte.
    let body_start = if response.status() == StatusCode::PARTIAL_CONTENT {
        let start = response
            .headers()
            .get(http::header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("bytes "))
            .and_then(|v| v.split('-').next())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if start != Some(first_byte) {
            return Err(Error::decode(
                "the result download answered a different range than asked for",
            ));
        }
        first_byte
    } else {
        0
    };
    let mut body = Body(response.into_body());
    chunks::read_chunk(job_id, &mut body, body_start, position, max_bytes as usize)
}

/// A chunk as an action's output: `{"data": [...], "jobId", "columns", ...}`, built around the
/// records' own buffer (which has room reserved for the rest) rather than a copy of it, so a
/// chunk's records are in memory once.
pub fn output(job_id: &str, chunk: Chunk) -> Result<String, Error> {
    let tail = serde_json::json!({
        "jobId": job_id,
        "columns": chunk.columns,
        "recordCount": chunk.count,
        "rowsBefore": chunk.rows_before,
        "csvOffset": chunk.csv_offset,
        "done": chunk.next.is_none(),
        "nextOffset": chunk.next.as_ref().map(crate::shared::archive::chunks::Position::encode),
    })
    .to_string();
    const HEAD: &str = "{\"data\":";
    let mut text = chunk.records;
    text.try_reserve(HEAD.len() + tail.len()).map_err(|_| {
        Error::decode("the chunk is larger than the memory left to this call; ask for a smaller maxBytes")
    })?;
    text.insert_str(0, HEAD);
    // `{"jobId":...}` follows the records as `,"jobId":...}`.
    text.push(',');
    text.push_str(&tail[1..]);
    Ok(text)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::shared::host::CallOptions;
    use crate::shared::session::tests::ScriptedHost;

    fn zipped(csv: &str) -> Vec<u8> {
        let mut writer = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = ::zip::write::SimpleFileOptions::default().compression_method(::zip::CompressionMethod::Deflated);
        writer.start_file("1.csv", options).expect("entry");
        writer.write_all(csv.as_bytes()).expect("in memory");
        writer.finish().expect("in memory").into_inner()
    }

    #[test]
    fn a_redirect_to_a_zoho_download_host_is_followed_and_others_are_not() {
        let redirect = |to: &str| {
            http::Response::builder()
                .status(302)
                .header("location", to)
                .body(Vec::new())
                .expect("valid")
        };
        let file = http::Response::builder()
            .status(200)
            .body(zipped("id,Last_Name\n1,Doe\n"))
            .expect("valid");
        let mut host = ScriptedHost::new();
        host.answers
            .push_back(Ok(redirect("https://download-accl.zoho.eu/v2/crm/7/bulk/1.zip")));
        host.answers.push_back(Ok(file));
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        let chunk = read(&mut session, "1", "/crm/bulk/v8/read/1/result", None, 1024, "s").expect("read");
        assert_eq!(chunk.records, r#"[{"id":"1","Last_Name":"Doe"}]"#);
        drop(session);
        assert_eq!(host.sent[1].uri(), "https://download-accl.zoho.eu/v2/crm/7/bulk/1.zip");

        let mut host = ScriptedHost::new();
        host.answers.push_back(Ok(redirect("https://files.example.net/1.zip")));
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        assert!(read(&mut session, "1", "/crm/bulk/v8/read/1/result", None, 1024, "s").is_err());
        drop(session);
        assert_eq!(host.sent.len(), 1, "the token was not sent to the other host");
    }
}
