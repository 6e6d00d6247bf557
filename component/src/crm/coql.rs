//! COQL (`POST /coql`): a query run as is, or with `fetchAll` paged by `LIMIT offset, count` in
//! requests of at most 2,000 rows. A LIMIT the user wrote is the total wanted; the component
//! takes it off the query and applies its own paging within it.

use http::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::shared::cursor;
use crate::shared::error::Error;
use crate::shared::plan::RequiredScope;
use crate::shared::plan::{self, CRM_BASE, PlanMeta, Query, Repeatable};
use crate::shared::session::Session;
use crate::shared::zoho;

/// Zoho's cap on rows per COQL call.
pub const MAX_ROWS_PER_CALL: u32 = 2_000;
/// Zoho's default rows per call when the query has no LIMIT.
pub const DEFAULT_ROWS: u32 = 200;
/// Longest query accepted; Zoho's own limits (500 fields, 25 criteria) stay well under it.
const MAX_QUERY_LEN: usize = 20_000;

/// A query split into its body and the LIMIT the user wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub body: String,
    pub offset: Option<u32>,
    pub count: Option<u32>,
}

/// Splits off a trailing `LIMIT count`, `LIMIT offset, count` or `LIMIT count OFFSET offset`,
/// looking only at top-level words outside quotes, so `'... limit 5'` inside a value is safe.
pub fn parse_limit(query: &str) -> Result<Parsed, Error> {
    let trimmed = query.trim().trim_end_matches(';').trim_end();
    if trimmed.is_empty() {
        return Err(Error::invalid(
            "query",
            "is empty; write a COQL query such as `select Last_Name from Leads where Lead_Source = 'Web'`",
        ));
    }
    if trimmed.len() > MAX_QUERY_LEN {
        return Err(Error::invalid(
            "query",
            format!("is longer than {MAX_QUERY_LEN} characters"),
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Error::invalid("query", "contains control characters"));
    }
    if !trimmed.get(..6).is_some_and(|w| w.eq_ignore_ascii_case("select")) {
        return Err(Error::invalid(
            "query",
            "must start with SELECT, as every COQL query does",
        ));
    }
    // Byte offsets of top-level words (outside quotes and parentheses).
    let mut words: Vec<(usize, usize)> = Vec::new();
    let (mut in_quote, mut depth, mut start) = (false, 0_i32, None::<usize>);
    let bytes = trimmed.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if in_quote {
            if b == b'\'' {
                in_quote = false;
            }
            continue;
        }
        let word_char = b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'$';
        match (word_char, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if depth == 0 {
                    words.push((s, i));
                }
                start = None;
            }
            _ => {}
        }
        match b {
            b'\'' => in_quote = true,
            b'(' => depth += 1,
            b')' => depth -= 1,
            b',' if depth == 0 => words.push((i, i + 1)),
            _ => {}
        }
    }
    if in_quote {
        return Err(Error::invalid("query", "has an unclosed quote"));
    }
    if let Some(s) = start {
        words.push((s, bytes.len()));
    }
    let word = |k: usize| &trimmed[words[k].0..words[k].1];
    let Some(position) = (0..words.len()).rev().find(|&k| word(k).eq_ignore_ascii_case("limit")) else {
        return Ok(Parsed {
            body: trimmed.to_owned(),
            offset: None,
            count: None,
        });
    };
    let tail: Vec<&str> = (position + 1..words.len()).map(word).collect();
    let number = |text: &str| {
        text.parse::<u32>().map_err(|_| {
            Error::invalid(
                "query",
                format!("has a LIMIT with `{text}` where a whole number belongs"),
            )
        })
    };
    let (offset, count) = match tail.as_slice() {
        [count] => (None, number(count)?),
        [offset, ",", count] => (Some(number(offset)?), number(count)?),
        [count, keyword, offset] if keyword.eq_ignore_ascii_case("offset") => (Some(number(offset)?), number(count)?),
        _ => {
            return Err(Error::invalid(
                "query",
                "ends with a LIMIT that is not `limit count`, `limit offset, count` or `limit count offset offset`",
            ));
        }
    };
    Ok(Parsed {
        body: trimmed[..words[position].0].trim_end().to_owned(),
        offset,
        count: Some(count),
    })
}

/// Runs one query as written and returns its rows with Zoho's clock at the answer (the `Date`
/// header, in Unix seconds), which triggers use as their only notion of "now".
pub fn select(session: &mut Session, query: &str) -> Result<(Vec<Value>, Option<i64>), Error> {
    let plan = run_plan(query)?;
    let response = session.send(&plan)?;
    let (rows, _) = decode(&response, plan.extensions().get())?;
    Ok((rows, zoho::server_time(&response)))
}

/// One COQL page: `body limit offset, count`.
fn page_plan(body: &str, offset: u32, count: u32) -> Result<http::Request<Vec<u8>>, Error> {
    run_plan(&format!("{body} limit {offset}, {count}"))
}

fn run_plan(query: &str) -> Result<http::Request<Vec<u8>>, Error> {
    plan::request(
        Method::POST,
        plan::path(CRM_BASE, &["coql"]),
        &Query::new(),
        Some(&json!({ "select_query": query })),
        // A query changes nothing: safe to repeat.
        PlanMeta {
            repeatable: Repeatable::Yes,
            scope: Some(RequiredScope("ZohoCRM.coql.READ".into())),
        },
    )
}

/// Rows and Zoho's `more_records` of one answer; 204 is no rows.
fn decode(response: &Response<Vec<u8>>, scope: Option<&RequiredScope>) -> Result<(Vec<Value>, bool), Error> {
    if response.status() == StatusCode::NO_CONTENT {
        return Ok((Vec::new(), false));
    }
    if !response.status().is_success() {
        return Err(zoho::error_from_response(response, scope));
    }
    let body = zoho::json_body(response, "the query result")?;
    let rows = body
        .get("data")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| Error::decode("the query result has no `data` array"))?;
    let more = body
        .get("info")
        .and_then(|i| i.get("more_records"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok((rows, more))
}

/// What a query returned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    pub rows: Vec<Value>,
    pub more_records: bool,
    pub cursor: Option<String>,
}

/// Runs a query. Without `fetch_all` and cursor, it is sent as written. With `fetch_all`, rows
/// are gathered `limit offset, count` at a time up to the user's LIMIT and `max_records`.
pub fn run_query(
    session: &mut Session,
    query: &str,
    fetch_all: bool,
    max_records: Option<u32>,
    cursor_text: Option<&str>,
) -> Result<Rows, Error> {
    let parsed = parse_limit(query)?;
    if max_records == Some(0) {
        return Err(Error::invalid("maxRecords", "must be at least 1"));
    }
    let resume = match cursor_text {
        Some(text) => {
            let fields = cursor::decode(text)?;
            if fields.first().map(String::as_str) != Some("q") {
                return Err(Error::invalid("cursor", "was not returned by a query"));
            }
            Some((cursor::number(&fields, 1)?, cursor::number(&fields, 2)?))
        }
        None => None,
    };
    if !fetch_all && resume.is_none() {
        let plan = run_plan(query.trim().trim_end_matches(';'))?;
        let (rows, more) = decode(&session.send(&plan)?, plan.extensions().get())?;
        let returned = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        let next = parsed.offset.unwrap_or(0).saturating_add(returned);
        let page = parsed.count.unwrap_or(DEFAULT_ROWS);
        let cursor = more.then(|| cursor::encode(&["q", &next.to_string(), &page.to_string()]));
        return Ok(Rows {
            rows,
            more_records: more,
            cursor,
        });
    }
    // (offset of the next row, rows still wanted)
    let (mut offset, mut wanted) = match resume {
        Some(position) => position,
        None => {
            let cap = max_records.unwrap_or(if fetch_all {
                crate::crm::paging::DEFAULT_MAX_RECORDS
            } else {
                DEFAULT_ROWS
            });
            (
                parsed.offset.unwrap_or(0),
                parsed.count.map_or(cap, |count| count.min(cap)),
            )
        }
    };
    if !fetch_all {
        wanted = wanted.min(max_records.unwrap_or(DEFAULT_ROWS));
    } else if let Some(cap) = max_records {
        wanted = wanted.min(cap);
    }
    let user_limit_end = parsed
        .count
        .map(|count| parsed.offset.unwrap_or(0).saturating_add(count));
    let mut rows = Vec::new();
    let mut used_bytes = 0usize;
    let mut last_page_bytes = 0usize;
    loop {
        let chunk = wanted
            .saturating_sub(u32::try_from(rows.len()).unwrap_or(u32::MAX))
            .min(MAX_ROWS_PER_CALL);
        if chunk == 0 || crate::crm::paging::budget_spent(used_bytes, last_page_bytes) {
            break;
        }
        let plan = page_plan(&parsed.body, offset, chunk)?;
        let response = session.send(&plan)?;
        last_page_bytes = response.body().len();
        used_bytes = used_bytes.saturating_add(last_page_bytes);
        let (page, more) = decode(&response, plan.extensions().get())?;
        let received = u32::try_from(page.len()).unwrap_or(u32::MAX);
        rows.extend(page);
        offset = offset.saturating_add(received);
        if !more || received < chunk {
            return Ok(Rows {
                rows,
                more_records: false,
                cursor: None,
            });
        }
    }
    // Stopped at the cap: more rows exist unless the user's own LIMIT is exhausted.
    let exhausted = user_limit_end.is_some_and(|end| offset >= end);
    let remaining = user_limit_end.map_or(u32::MAX, |end| end.saturating_sub(offset));
    let cursor = (!exhausted).then(|| cursor::encode(&["q", &offset.to_string(), &remaining.to_string()]));
    Ok(Rows {
        rows,
        more_records: !exhausted,
        cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::host::CallOptions;
    use crate::shared::session::tests::ScriptedHost;

    #[test]
    fn limits_are_found_outside_quotes_in_every_form() {
        let parse = |q: &str| parse_limit(q).expect(q);
        assert_eq!(
            parse("select a from Leads limit 2500"),
            Parsed {
                body: "select a from Leads".into(),
                offset: None,
                count: Some(2500)
            }
        );
        assert_eq!(
            parse("SELECT a FROM Leads LIMIT 10, 50;"),
            Parsed {
                body: "SELECT a FROM Leads".into(),
                offset: Some(10),
                count: Some(50)
            }
        );
        assert_eq!(
            parse("select a from Leads limit 50 offset 10"),
            Parsed {
                body: "select a from Leads".into(),
                offset: Some(10),
                count: Some(50)
            }
        );
        let quoted = parse("select a from Leads where b = 'x limit 5'");
        assert_eq!((quoted.count, quoted.body.ends_with("'x limit 5'")), (None, true));
        assert!(parse_limit("select a from Leads limit x").is_err());
        assert!(parse_limit("delete from Leads").is_err());
        assert!(parse_limit("select a from Leads where b = 'open").is_err());
    }

    fn page(from: usize, n: usize, more: bool) -> String {
        let rows: Vec<Value> = (from..from + n).map(|i| json!({"id": i.to_string()})).collect();
        json!({"data": rows, "info": {"count": n, "more_records": more}}).to_string()
    }

    #[test]
    fn a_user_limit_of_2500_is_fetched_as_2000_plus_500() {
        let mut host = ScriptedHost::new();
        host.answer(200, &page(0, 2000, true))
            .answer(200, &page(2000, 500, true));
        let rows = run_query(
            &mut Session::new(&mut host, "c", CallOptions::default()),
            "select Last_Name from Leads limit 2500",
            true,
            None,
            None,
        )
        .expect("rows");
        assert_eq!(
            (rows.rows.len(), rows.more_records, rows.cursor.is_none()),
            (2500, false, true)
        );
        let sent: Vec<Value> = host
            .sent
            .iter()
            .map(|r| serde_json::from_slice(r.body()).expect("json"))
            .collect();
        assert_eq!(sent[0]["select_query"], "select Last_Name from Leads limit 0, 2000");
        assert_eq!(sent[1]["select_query"], "select Last_Name from Leads limit 2000, 500");
    }

    #[test]
    fn the_cap_leaves_a_cursor_that_resumes_at_the_next_row() {
        let mut host = ScriptedHost::new();
        host.answer(200, &page(0, 300, true));
        let rows = run_query(
            &mut Session::new(&mut host, "c", CallOptions::default()),
            "select a from Leads",
            true,
            Some(300),
            None,
        )
        .expect("rows");
        assert!(rows.more_records);
        host.answer(200, &page(300, 40, false));
        let rest = run_query(
            &mut Session::new(&mut host, "c", CallOptions::default()),
            "select a from Leads",
            true,
            None,
            rows.cursor.as_deref(),
        )
        .expect("rows");
        assert_eq!(rest.rows[0]["id"], "300");
        let sent: Value = serde_json::from_slice(host.sent[1].body()).expect("json");
        assert!(
            sent["select_query"]
                .as_str()
                .is_some_and(|q| q.ends_with("limit 300, 2000")),
            "{sent}"
        );
    }
}
