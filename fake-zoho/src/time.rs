//! Timestamps in Zoho's format (`2026-03-27T19:20:28+00:00`). Hand-written because the fake
//! needs exactly one format and a date crate would be the largest dependency it has.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, as Zoho writes date-times.
pub fn now() -> String {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    format_unix(seconds)
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
    fn formats_known_instants() {
        assert_eq!(super::format_unix(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(super::format_unix(1_709_210_096), "2024-02-29T12:34:56+00:00");
    }
}
