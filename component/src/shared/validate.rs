//! Validation of the identifiers that end up in a URL, run before any request is built.
//!
//! Zoho's API names and ids have narrow, documented shapes. Checking them here (rather than
//! percent-encoding whatever arrives) means a traversal like `../settings` or an injected
//! `?ids=` can never reach Zoho, and the caller learns which input was wrong.

use crate::shared::error::Error;

/// Longest module or field API name we accept; Zoho's own are far shorter.
const MAX_API_NAME_LEN: usize = 100;
/// Zoho ids are ~19 digits; anything much longer is not an id.
const MAX_ID_LEN: usize = 32;
/// Zoho's limit on `fields` in one list call.
pub const MAX_FIELDS: usize = 50;

/// A CRM module API name: a letter, then letters, digits and underscores (`Leads`,
/// `Price_Books`, `Projects__c`).
pub fn module_name(input: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::invalid(
            input,
            "must not be empty; give a module API name such as `Leads`",
        ));
    }
    if value.len() > MAX_API_NAME_LEN {
        return Err(Error::invalid(
            input,
            format!("is longer than {MAX_API_NAME_LEN} characters"),
        ));
    }
    let mut chars = value.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    if !starts_with_letter || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::invalid(
            input,
            format!(
                "must be a module API name (letters, digits and underscores, starting with a letter, e.g. `Leads`, `Price_Books`), got {}",
                describe(value)
            ),
        ));
    }
    Ok(())
}

/// A record id: a non-empty string of ASCII digits.
pub fn record_id(input: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::invalid(
            input,
            "must not be empty; give the record's id (a string of digits)",
        ));
    }
    if value.len() > MAX_ID_LEN || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(
            input,
            format!("must be a Zoho record id (a string of digits), got {}", describe(value)),
        ));
    }
    Ok(())
}

/// A field API name as used in `fields` and `sort_by`: letters, digits, `_`, and `$` or `.`
/// for system and lookup fields (`$se_module`, `Account_Name.Account_Name`).
pub fn field_name(input: &str, value: &str) -> Result<(), Error> {
    let valid = !value.is_empty()
        && value.len() <= MAX_API_NAME_LEN
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.'));
    if !valid {
        return Err(Error::invalid(
            input,
            format!(
                "must be a field API name (letters, digits, `_`, `$`, `.`), got {}",
                describe(value)
            ),
        ));
    }
    Ok(())
}

/// A list of field API names, at most [`MAX_FIELDS`].
pub fn field_list(input: &str, fields: &[String]) -> Result<(), Error> {
    if fields.len() > MAX_FIELDS {
        return Err(Error::invalid(
            input,
            format!("lists {} fields; Zoho accepts at most {MAX_FIELDS}", fields.len()),
        ));
    }
    for (i, field) in fields.iter().enumerate() {
        field_name(&format!("{input}[{i}]"), field)?;
    }
    Ok(())
}

/// An opaque token such as `page_token`: printable ASCII without spaces (it is percent-encoded
/// anyway; this keeps control characters out of URLs and logs).
pub fn opaque_token(input: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() || value.len() > 4096 || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid(
            input,
            "must be a non-empty token of printable characters, as Zoho returned it",
        ));
    }
    Ok(())
}

/// An ISO 8601 date-time with seconds and an offset, as Zoho writes them
/// (`2026-03-27T19:20:28+05:30`, or `Z`), optionally with fractional seconds.
pub fn date_time(input: &str, value: &str) -> Result<(), Error> {
    let b = value.as_bytes();
    let digits = |range: std::ops::Range<usize>| b.get(range).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let mut valid = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if valid {
        let mut rest = &value[19..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let end = fraction.find(|c: char| !c.is_ascii_digit()).unwrap_or(fraction.len());
            valid = end > 0;
            rest = &fraction[end..];
        }
        let offset = rest.as_bytes();
        valid = valid
            && (rest == "Z"
                || (offset.len() == 6
                    && matches!(offset[0], b'+' | b'-')
                    && offset[1..3].iter().all(u8::is_ascii_digit)
                    && offset[3] == b':'
                    && offset[4..6].iter().all(u8::is_ascii_digit)));
    }
    if valid {
        Ok(())
    } else {
        Err(Error::invalid(
            input,
            format!(
                "must be an ISO 8601 date-time such as 2026-03-27T19:20:28+05:30, got {}",
                describe(value)
            ),
        ))
    }
}

/// Quotes a rejected value for an error message, escaping control characters so the message
/// stays one readable line, and shortening it so a huge input does not flood a log.
fn describe(value: &str) -> String {
    const SHOWN: usize = 60;
    let mut shown: String = value.chars().take(SHOWN).collect::<String>().escape_debug().collect();
    if value.chars().count() > SHOWN {
        shown.push_str("...");
    }
    format!("`{shown}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_standard_and_custom_module_names() {
        for name in ["Leads", "Price_Books", "Purchase_Orders", "Projects__c", "Module2"] {
            assert_eq!(module_name("recordType", name), Ok(()), "{name}");
        }
    }

    #[test]
    fn rejects_module_names_that_could_change_the_url() {
        for name in [
            "",
            "Leads/123",
            "..",
            "../settings",
            "Leads?x=1",
            "Leads#",
            "Le%2Fads",
            "Leads,Deals",
            "Le ads",
            "Leads\n",
            "_Leads",
            "1Leads",
            "Lé",
        ] {
            let err = module_name("recordType", name).expect_err(name);
            assert!(
                matches!(&err, Error::InvalidInput { input, .. } if input == "recordType"),
                "{name}: {err:?}"
            );
        }
    }

    #[test]
    fn ids_are_digit_strings_only() {
        assert_eq!(record_id("recordId", "4150868000000624001"), Ok(()));
        for id in [
            "", " 1", "1 ", "12/34", "..", "1?a", "1#", "1%2F", "1,2", "1\t", "1\u{0}", "-1", "1e5", "١٢",
        ] {
            assert!(record_id("recordId", id).is_err(), "{id:?}");
        }
        assert!(record_id("recordId", &"9".repeat(33)).is_err());
    }

    #[test]
    fn field_lists_are_capped_and_checked() {
        let ok: Vec<String> = vec![
            "Last_Name".into(),
            "$se_module".into(),
            "Account_Name.Account_Name".into(),
        ];
        assert_eq!(field_list("fields", &ok), Ok(()));
        let too_many: Vec<String> = (0..51).map(|i| format!("F{i}")).collect();
        assert!(field_list("fields", &too_many).is_err());
        let bad = vec!["Email".into(), "a&b".into()];
        let err = field_list("fields", &bad).expect_err("a&b");
        assert!(matches!(err, Error::InvalidInput { input, .. } if input == "fields[1]"));
    }

    #[test]
    fn date_times_need_seconds_and_an_offset() {
        for ok in [
            "2026-03-27T19:20:28+05:30",
            "2026-03-27T19:20:28Z",
            "2026-03-27T19:20:28.123-08:00",
        ] {
            assert_eq!(date_time("d", ok), Ok(()), "{ok}");
        }
        for bad in [
            "2026-03-27",
            "2026-03-27T19:20:28",
            "27/03/2026",
            "2026-03-27T19:20:28+0530",
            "2026-03-27T19:20:28+05:30\r\nX: y",
        ] {
            assert!(date_time("d", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn error_messages_escape_control_characters() {
        let Err(Error::InvalidInput { message, .. }) = record_id("recordId", "12\r\n34") else {
            panic!("expected invalid input");
        };
        assert!(!message.contains('\n') && message.contains("\\r\\n"), "{message}");
    }
}
