//! Entry points for fuzzing (`fuzz/`): arbitrary bytes through the response decoders, and
//! through whole actions against a host that answers every request with arbitrary bytes.
//! Nothing here may panic: a panic in the component is a trap that kills the instance.

use std::time::Duration;

use http::{Request, Response};

use crate::shared::error::{Error, TransportError};
use crate::shared::host::{CallOptions, Credentials, Host, Level};
use crate::shared::session::Session;
use crate::shared::zoho;
use crate::{actions, books, crm};

fn response(status_byte: u8, body: &[u8]) -> Response<Vec<u8>> {
    let status = 100 + u16::from(status_byte) * 2;
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("retry-after", "0")
        .body(body.to_vec())
        .unwrap_or_else(|_| Response::new(body.to_vec()))
}

/// Every decoder on one response.
pub fn responses(data: &[u8]) {
    let Some((&status, body)) = data.split_first() else {
        return;
    };
    let response = response(status, body);
    let _ = crm::decode_page(&response, None);
    let _ = crm::decode_record(&response, None);
    let _ = crm::decode_single_write(&response, None);
    let _ = zoho::write_results(&response, usize::from(status % 8), usize::from(status));
    let _ = zoho::error_from_response(&response, None);
    let _ = books::decode(&response);
    let _ = books::decode_organizations(&response);
    let _ = crate::crm::coql::parse_limit(&String::from_utf8_lossy(body));
}

/// Arbitrary bytes as a bulk result file (read in small chunks, each resumed from the last
/// one's position), and as a position's text.
pub fn bulk_files(data: &[u8]) {
    use crate::shared::archive::chunks::{ByteSource, Position, read_chunk};
    struct Bytes<'a>(&'a [u8], usize);
    impl ByteSource for Bytes<'_> {
        fn next_piece(&mut self) -> Result<Option<Vec<u8>>, Error> {
            let rest = self.0.get(self.1..).unwrap_or_default();
            if rest.is_empty() {
                return Ok(None);
            }
            let piece = &rest[..rest.len().min(1000)];
            self.1 += piece.len();
            Ok(Some(piece.to_vec()))
        }
    }
    let _ = Position::decode(&String::from_utf8_lossy(data), "offset");
    let mut position = None;
    for _ in 0..64 {
        let start = position.as_ref().map_or(0, Position::first_byte);
        let Ok(start_index) = usize::try_from(start) else {
            return;
        };
        let mut source = Bytes(data, start_index.min(data.len()));
        match read_chunk("1", &mut source, start, position.take(), 64) {
            Ok(chunk) => match chunk.next {
                Some(next) => position = Position::decode(&next.encode(), "offset").ok(),
                None => return,
            },
            Err(_) => return,
        }
    }
}

/// A host that answers every request with the same fuzzed response.
struct FuzzHost {
    status: u8,
    body: Vec<u8>,
    sent: usize,
}

impl Host for FuzzHost {
    fn credentials(&mut self, _connection: &str) -> Result<Credentials, Error> {
        Ok(Credentials {
            access_token: "1000.fuzz".into(),
            api_domain: "https://www.zohoapis.com".into(),
            books_organization_id: Some("10234695".into()),
        })
    }
    fn refresh(&mut self, connection: &str, _rejected: &str) -> Result<Credentials, Error> {
        self.credentials(connection)
    }
    fn send(&mut self, _request: Request<Vec<u8>>, _timeout: Duration) -> Result<Response<Vec<u8>>, TransportError> {
        self.sent += 1;
        Ok(response(self.status, &self.body))
    }
    fn log(&mut self, _level: Level, _context: &str, _message: &str) {}
    fn monotonic_now(&mut self) -> Duration {
        Duration::from_secs(u64::try_from(self.sent).unwrap_or(0))
    }
    fn unix_now(&mut self) -> u64 {
        1_700_000_000
    }
    fn sleep(&mut self, _duration: Duration) {}
    fn random_bytes(&mut self, len: usize) -> Vec<u8> {
        vec![7; len]
    }
}

/// One action: the first byte picks it, the input runs to the first NUL, the rest (after a
/// status byte) is what the host answers to every request.
pub fn action(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let count = actions::catalog().count();
    let Some(key) = actions::catalog().nth(usize::from(pick) % count).map(|a| a.key) else {
        return;
    };
    let (input, answer) = match rest.iter().position(|&b| b == 0) {
        Some(nul) => (&rest[..nul], &rest[nul + 1..]),
        None => (rest, &[][..]),
    };
    let (status, body) = answer.split_first().map_or((100, &[][..]), |(s, b)| (*s, b));
    let mut host = FuzzHost {
        status,
        body: body.to_vec(),
        sent: 0,
    };
    let _ = actions::invoke(&mut host, key, "fuzz", &String::from_utf8_lossy(input));
    // Sessions are also driven directly, with the retry policy in play.
    let mut session = Session::new(&mut host, "fuzz", CallOptions::default());
    let _ = crm::get_record(&mut session, "Leads", "1", &[], None);
}

/// One trigger call: the first byte picks a polling trigger or `handle-notification`; then,
/// split at NULs, the input (or channel), the state (or body; empty for none), and a status
/// byte with the body the host answers to every request.
pub fn trigger(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let mut parts = rest.splitn(3, |&b| b == 0);
    let first = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let second = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let answer = parts.next().unwrap_or_default();
    let (status, body) = answer.split_first().map_or((100, &[][..]), |(s, b)| (*s, b));
    let mut host = FuzzHost {
        status,
        body: body.to_vec(),
        sent: 0,
    };
    let keys: Vec<&str> = crate::triggers::CATALOG
        .iter()
        .filter(|t| t.kind == crate::triggers::Kind::Polling)
        .map(|t| t.key)
        .collect();
    match keys.get(usize::from(pick) % (keys.len() + 1)) {
        Some(key) => {
            let state = (!second.is_empty()).then_some(second.as_str());
            let _ = crate::triggers::poll(&mut host, key, "fuzz", &first, state);
        }
        None => {
            let mut session = Session::new(&mut host, "fuzz", CallOptions::default());
            let _ = crate::triggers::notifications::handle(&mut session, &first, &second);
        }
    }
}

#[cfg(test)]
mod tests {
    /// Replays every input saved under `fuzz/regressions/<target>/` (crashes once found, and
    /// shapes worth keeping); each must run without panicking.
    #[test]
    fn saved_fuzz_inputs_do_not_panic() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
        let mut replayed = 0;
        for (target, run) in [
            ("responses", super::responses as fn(&[u8])),
            ("action", super::action),
            ("trigger", super::trigger),
            ("bulk_files", super::bulk_files),
        ] {
            let Ok(entries) = std::fs::read_dir(root.join(target)) else {
                continue;
            };
            for entry in entries.flatten() {
                let data = std::fs::read(entry.path()).expect("readable");
                run(&data);
                replayed += 1;
            }
        }
        assert!(replayed > 0, "the regression corpus under fuzz/regressions is empty");
    }
}
