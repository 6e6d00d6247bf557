//! The opaque `cursor` every paging list returns: passed back unchanged, it resumes right
//! after the last record returned. Its content is ours (a kind tag and a few fields, hex
//! encoded so no caller is tempted to build one) and may change between versions.

use crate::shared::error::Error;

const PREFIX: &str = "zc1.";
/// Longest cursor accepted; page tokens are well under this.
const MAX_LEN: usize = 8192;

/// Encodes fields (none may contain a newline) as a cursor.
pub fn encode(fields: &[&str]) -> String {
    let plain = fields.join("\n");
    format!(
        "{PREFIX}{}",
        plain.bytes().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// Decodes a cursor into its fields; anything not made by [`encode`] is an invalid input.
pub fn decode(text: &str) -> Result<Vec<String>, Error> {
    let invalid = || {
        Error::invalid(
            "cursor",
            "is not a cursor returned by this action; pass back the `cursor` of a previous result unchanged",
        )
    };
    let hex = text.strip_prefix(PREFIX).ok_or_else(invalid)?;
    if hex.is_empty() || hex.len() % 2 != 0 || hex.len() > MAX_LEN {
        return Err(invalid());
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    let plain = String::from_utf8(bytes.ok_or_else(invalid)?).map_err(|_| invalid())?;
    Ok(plain.split('\n').map(str::to_owned).collect())
}

/// Parses one numeric field of a decoded cursor.
pub fn number(fields: &[String], index: usize) -> Result<u32, Error> {
    fields.get(index).and_then(|f| f.parse().ok()).ok_or_else(|| {
        Error::invalid(
            "cursor",
            "is damaged; pass back the `cursor` of a previous result unchanged",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_foreign_text() {
        let cursor = encode(&["t", "abc+/=", "200", "17"]);
        assert_eq!(decode(&cursor).expect("decodes"), ["t", "abc+/=", "200", "17"]);
        for bad in ["", "zc1.", "zc1.z", "zc1.zz", "page=2", "zb1.3132"] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }
}
