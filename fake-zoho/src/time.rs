//! The fake's clock and its timestamps: Zoho's ISO 8601 forms from `zoho_facts::instants`,
//! HTTP dates from `httpdate`.

use std::time::{SystemTime, UNIX_EPOCH};

/// The fake's own clock: the machine's, shifted or stopped by tests so that records can share
/// a second, or a poll can happen "later", without real waiting. Every timestamp the fake
/// writes and its `Date` header come from it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    frozen: Option<i64>,
    offset: i64,
}

impl Clock {
    /// Seconds since the Unix epoch by this clock.
    pub fn now_unix(&self) -> i64 {
        self.frozen.unwrap_or_else(|| real_now() + self.offset)
    }

    /// Now, as Zoho writes date-times.
    pub fn now(&self) -> String {
        format_utc(self.now_unix())
    }

    /// Stops the clock at its current time.
    pub fn freeze(&mut self) {
        self.frozen = Some(self.now_unix());
    }

    /// Moves the clock (stopped or running) by `seconds`.
    pub fn advance(&mut self, seconds: i64) {
        match &mut self.frozen {
            Some(at) => *at += seconds,
            None => self.offset += seconds,
        }
    }

    /// Lets a stopped clock run again from where it stands.
    pub fn resume(&mut self) {
        if let Some(at) = self.frozen.take() {
            self.offset = at - real_now();
        }
    }
}

fn real_now() -> i64 {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    i64::try_from(seconds).unwrap_or(0)
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), as servers send in `Date`.
pub fn http_date(seconds: i64) -> String {
    let since_epoch = std::time::Duration::from_secs(u64::try_from(seconds).unwrap_or(0));
    httpdate::fmt_http_date(UNIX_EPOCH + since_epoch)
}

pub use zoho_facts::instants::{format_utc, parse_iso};

#[cfg(test)]
mod tests {
    #[test]
    fn parses_what_it_formats_and_offsets() {
        assert_eq!(super::parse_iso(&super::format_utc(1_709_210_096)), Some(1_709_210_096));
        assert_eq!(super::parse_iso("2024-02-29T18:04:56+05:30"), Some(1_709_210_096));
        assert_eq!(super::parse_iso("2024-02-29"), None);
    }

    #[test]
    fn http_dates_name_the_weekday() {
        assert_eq!(super::http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(super::http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(super::format_utc(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(super::format_utc(1_709_210_096), "2024-02-29T12:34:56+00:00");
    }
}
