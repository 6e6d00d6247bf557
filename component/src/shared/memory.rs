//! Headroom checks. A wasm guest that cannot allocate aborts (an `unreachable` trap), and the
//! host's memory limit makes that reachable with one large response. Work whose size is known
//! up front therefore asks for its memory first with a fallible reservation: the heap either
//! grows (and the freed block serves the work that follows) or the call gets a typed error.

use crate::shared::error::Error;

/// Parsed JSON takes this many times its text size at most for Zoho's record shapes (short
/// strings under repeated keys, each an allocation of its own).
const PARSE_OVERHEAD: usize = 5;

/// Whether `bytes` more can be allocated now.
pub fn has_headroom(bytes: usize) -> bool {
    let mut probe: Vec<u8> = Vec::new();
    probe.try_reserve_exact(bytes).is_ok()
}

/// Makes sure a JSON body of `len` bytes can be parsed, or says what to ask for instead.
pub fn ensure_parse_headroom(len: usize, what: &str) -> Result<(), Error> {
    if has_headroom(len.saturating_mul(PARSE_OVERHEAD)) {
        return Ok(());
    }
    Err(Error::decode(format!(
        "{what} is {} KiB, more than this call has memory to read; ask for fewer records per \
         page (perPage) or fewer fields",
        len / 1024
    )))
}

/// A buffer for a body of `len` bytes (the `Content-Length`), reserved fallibly.
pub fn buffer_for(len: usize) -> Option<Vec<u8>> {
    let mut buffer = Vec::new();
    buffer.try_reserve_exact(len).ok()?;
    Some(buffer)
}

/// Serialises a result to JSON text, growing the buffer fallibly: a result too large for the
/// memory left becomes a typed error instead of an abort halfway through.
pub fn json_text(value: &serde_json::Value) -> Result<String, Error> {
    let mut writer = FallibleWriter(Vec::new());
    serde_json::to_writer(&mut writer, value).map_err(|_| {
        Error::decode(
            "the result is larger than the memory left to this call; ask for fewer records (maxRecords) or fields",
        )
    })?;
    // serde_json writes valid UTF-8 only.
    String::from_utf8(writer.0).map_err(|e| Error::decode(format!("the result is not UTF-8: {e}")))
}

/// An empty string with room for `capacity` bytes, reserved fallibly.
pub fn text_buffer(capacity: usize) -> Result<String, Error> {
    let mut text = String::new();
    text.try_reserve_exact(capacity).map_err(|_| {
        Error::decode(
            "the result is larger than the memory left to this call; ask for fewer records (maxRecords) or fields",
        )
    })?;
    Ok(text)
}

/// Appends `[a,b,...]` of records kept as JSON text.
pub fn push_json_array(text: &mut String, records: &[Box<serde_json::value::RawValue>]) {
    text.push('[');
    for (i, record) in records.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(record.get());
    }
    text.push(']');
}

struct FallibleWriter(Vec<u8>);

impl std::io::Write for FallibleWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.try_reserve(bytes.len()).map_err(std::io::Error::other)?;
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_impossible_reservation_is_an_error_not_an_abort() {
        assert!(!has_headroom(usize::MAX / 2));
        assert!(buffer_for(usize::MAX / 2).is_none());
        assert!(ensure_parse_headroom(usize::MAX / 4, "the record list").is_err());
        assert!(ensure_parse_headroom(1024, "the record list").is_ok());
    }

    #[test]
    fn results_serialise_as_serde_json_does() {
        let value = serde_json::json!({"data": [{"id": "1", "Name": "Ünïcode \" quoted"}], "more": false});
        assert_eq!(json_text(&value).expect("fits"), value.to_string());
    }
}
