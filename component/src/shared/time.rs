//! Instants: Zoho's ISO 8601 forms come from `zoho_facts::instants` (shared with the host and
//! fake-zoho); HTTP dates (`Date`, `Retry-After`) from `httpdate`.

pub use zoho_facts::instants::{format_utc, parse_iso};

/// Seconds since the Unix epoch of an HTTP date (IMF-fixdate, or the two obsolete forms
/// RFC 9110 section 5.6.7 obliges a recipient to accept).
pub fn parse_http_date(text: &str) -> Option<u64> {
    let at = httpdate::parse_http_date(text).ok()?;
    at.duration_since(std::time::UNIX_EPOCH).ok().map(|d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_parse() {
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse_http_date("06 Nov 1994"), None);
    }
}
