//! Timestamps in Zoho's format (`2026-03-27T19:20:28+00:00`). Hand-written because the fake
//! needs exactly one format and a date crate would be the largest dependency it has.

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
        format_unix(u64::try_from(self.now_unix()).unwrap_or(0))
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
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = seconds.div_euclid(86_400);
    let rem = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let weekday = DAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month = MONTHS[usize::try_from(month - 1).unwrap_or(0)];
    format!(
        "{weekday}, {day:02} {month} {year:04} {:02}:{:02}:{:02} GMT",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Formats seconds since the Unix epoch as an ISO 8601 date-time in UTC.
pub fn format_unix(seconds: u64) -> String {
    let days = i64::try_from(seconds / 86_400).unwrap_or(0);
    let rem = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Parses `2026-03-27T19:20:28+05:30` (or `Z`, fractional seconds allowed) to Unix seconds.
pub fn parse_iso(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let number =
        |range: std::ops::Range<usize>| -> Option<i64> { std::str::from_utf8(b.get(range)?).ok()?.parse().ok() };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let mut rest = text.get(19..)?;
    if let Some(fraction) = rest.strip_prefix('.') {
        rest = fraction.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "Z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hours: i64 = rest.get(1..3)?.parse().ok()?;
            let minutes: i64 = rest.get(4..6)?.parse().ok()?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_what_it_formats_and_offsets() {
        assert_eq!(
            super::parse_iso(&super::format_unix(1_709_210_096)),
            Some(1_709_210_096)
        );
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
        assert_eq!(super::format_unix(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(super::format_unix(1_709_210_096), "2024-02-29T12:34:56+00:00");
    }
}
