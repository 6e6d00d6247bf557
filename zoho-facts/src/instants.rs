//! Instants as Zoho writes them: ISO 8601 date-times with an offset (CRM `+05:30`, Books
//! `-0800`, UTC as `+00:00` or `Z`), and the one calendar routine the product has. Triggers
//! compare instants, never text, because Zoho writes each user's times in that user's own time
//! zone (CRM API docs, "Date and time formats"; Books API docs, "Date format").
//!
//! Hand-written: these few formats are all the component, the host and fake-zoho read or
//! write, and a date crate (`chrono`, `time`) would be the largest dependency of an instance
//! that must stay small. HTTP dates go through `httpdate` on each side.

/// Parses `2026-03-27T19:20:28+05:30`, `...-0800`, `...Z` (fractional seconds allowed) to
/// seconds since the Unix epoch; `None` for anything else.
pub fn parse_iso(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let field = |at: usize, len: usize| -> Option<i64> {
        let digits = bytes.get(at..at + len)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    };
    let separators_ok = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')]
        .iter()
        .all(|(at, expected)| bytes.get(*at) == Some(expected));
    if !separators_ok {
        return None;
    }
    let (year, month, day) = (field(0, 4)?, field(5, 2)?, field(8, 2)?);
    let (hour, minute, second) = (field(11, 2)?, field(14, 2)?, field(17, 2)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = text.get(19..)?;
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction.find(|c: char| !c.is_ascii_digit()).unwrap_or(fraction.len());
        if end == 0 {
            return None;
        }
        rest = &fraction[end..];
    }
    let offset = match rest {
        "Z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = rest[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) || rest.len() > 6 {
                return None;
            }
            let hours: i64 = digits[..2].parse().ok()?;
            let minutes: i64 = digits[2..].parse().ok()?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let days = days_from_civil(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Formats seconds since the Unix epoch as `2026-03-27T19:20:28+00:00`, the form COQL and
/// `If-Modified-Since` accept.
pub fn format_utc(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rem = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Formats seconds since the Unix epoch as `2026-03-27T19:20:28+0000`: Books' form, the one
/// its `last_modified_time` list filter documents (`2018-11-18T02:02:51-0800`, books-oas
/// `list_invoices`) and its answers use.
pub fn format_books(seconds: i64) -> String {
    let mut text = format_utc(seconds);
    text.truncate(text.len() - 6);
    text.push_str("+0000");
    text
}

/// Howard Hinnant's civil-to-days algorithm (proleptic Gregorian calendar).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_offsets_of_crm_and_books_mean_the_same_instant() {
        let utc = parse_iso("2026-03-27T13:50:28Z");
        assert!(utc.is_some());
        assert_eq!(parse_iso("2026-03-27T19:20:28+05:30"), utc);
        assert_eq!(parse_iso("2026-03-27T05:50:28-0800"), utc);
        assert_eq!(parse_iso("2026-03-27T13:50:28.250+00:00"), utc);
        for bad in [
            "",
            "2026-03-27",
            "2026-03-27T13:50:28",
            "2026-13-27T13:50:28Z",
            "2026-03-27T13:50:28+5:30",
            "x026-03-27T13:50:28Z",
        ] {
            assert_eq!(parse_iso(bad), None, "{bad}");
        }
    }

    #[test]
    fn books_form_round_trips() {
        assert_eq!(format_books(1_709_210_096), "2024-02-29T12:34:56+0000");
        assert_eq!(parse_iso(&format_books(1_709_210_096)), Some(1_709_210_096));
    }

    #[test]
    fn formats_round_trip() {
        for seconds in [0, 784_111_777, 1_795_000_000, -86_401] {
            assert_eq!(parse_iso(&format_utc(seconds)), Some(seconds));
        }
        assert_eq!(format_utc(784_111_777), "1994-11-06T08:49:37+00:00");
    }
}
