//! Walking CRM pages: page numbers first, Zoho's `page_token` as soon as it offers one (so a
//! walk never meets the 2,000-record limit of page numbers), exactly `max_records` records,
//! and a cursor that resumes right after the last record returned, even inside a page.

use serde_json::Value;

use crate::shared::cursor;
use crate::shared::error::Error;
use crate::shared::session::Session;

/// How much of a list to gather, and where to resume.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fetch {
    pub fetch_all: bool,
    pub max_records: Option<u32>,
    pub cursor: Option<String>,
}

/// Zoho's `info` object for a page (mirrors `types.page-info`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageInfo {
    pub page: Option<u32>,
    pub per_page: Option<u32>,
    pub count: u32,
    pub more_records: bool,
    pub next_page_token: Option<String>,
}

/// A record kept as the JSON text Zoho sent: a list action that returns records as they are
/// copies them instead of building and re-serialising a tree per record.
pub type RawRecord = Box<serde_json::value::RawValue>;

/// One page of records, parsed (`Value`) or kept as text ([`RawRecord`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<R = Value> {
    pub records: Vec<R>,
    pub info: PageInfo,
    /// Size of the response body the page came from, counted against a call's result budget.
    pub bytes: usize,
}

/// Default cap on records gathered by `fetchAll`; always finite.
pub const DEFAULT_MAX_RECORDS: u32 = 10_000;
/// Page numbers reach this many records; past them Zoho requires a page token.
pub const DISCRETE_LIMIT: u32 = 2_000;
/// Response bytes one call gathers before it stops at a page boundary with a cursor. Parsed
/// records take up to five times their JSON size and the result is serialised once more, so
/// this keeps a call well inside the host's instance memory (64 MiB by default) however many
/// records are asked for: a large `maxRecords` becomes several calls, never a trap.
pub const RESULT_BYTE_BUDGET: usize = 4 << 20;

/// Whether a walk that has gathered `used` response bytes should stop before fetching a page
/// like the last one (`last_page` bytes).
pub fn budget_spent(used: usize, last_page: usize) -> bool {
    used.saturating_add(last_page) > RESULT_BYTE_BUDGET
}

/// Where a page comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRef {
    Number(u32),
    Token(String),
}

/// What to walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Walk {
    pub start: PageRef,
    pub per_page: u32,
    /// Records of the first page already returned by a previous call.
    pub skip: u32,
    pub fetch_all: bool,
    pub max_records: u32,
    /// Whether the endpoint accepts `page_token` (records and attachments do).
    pub tokens: bool,
}

impl Walk {
    /// A walk from the caller's inputs: a cursor, or a page / page token, or the start.
    pub fn from_inputs(
        page: Option<u32>,
        page_token: Option<&str>,
        per_page: Option<u32>,
        fetch_all: bool,
        max_records: Option<u32>,
        cursor_text: Option<&str>,
        tokens: bool,
    ) -> Result<Self, Error> {
        if let Some(per_page) = per_page
            && !(1..=200).contains(&per_page)
        {
            return Err(Error::invalid(
                "perPage",
                format!("must be between 1 and 200, got {per_page}"),
            ));
        }
        let max_records = max_records.unwrap_or(if fetch_all { DEFAULT_MAX_RECORDS } else { u32::MAX });
        if max_records == 0 {
            return Err(Error::invalid("maxRecords", "must be at least 1"));
        }
        if let Some(text) = cursor_text {
            if page.is_some() || page_token.is_some() {
                return Err(Error::invalid("cursor", "cannot be combined with page or pageToken"));
            }
            let fields = cursor::decode(text)?;
            let start = match fields.first().map(String::as_str) {
                Some("n") => PageRef::Number(cursor::number(&fields, 1)?),
                Some("t") if tokens => PageRef::Token(fields.get(1).cloned().unwrap_or_default()),
                _ => return Err(Error::invalid("cursor", "was not returned by this kind of list")),
            };
            let per_page = cursor::number(&fields, 2)?;
            let skip = cursor::number(&fields, 3)?;
            if !(1..=200).contains(&per_page) || skip >= per_page {
                return Err(Error::invalid(
                    "cursor",
                    "is damaged; pass back the `cursor` of a previous result unchanged",
                ));
            }
            return Ok(Walk {
                start,
                per_page,
                skip,
                fetch_all,
                max_records,
                tokens,
            });
        }
        let start = match page_token {
            Some(token) => PageRef::Token(token.to_owned()),
            None => PageRef::Number(page.unwrap_or(1)),
        };
        Ok(Walk {
            start,
            per_page: per_page.unwrap_or(200),
            skip: 0,
            fetch_all,
            max_records,
            tokens,
        })
    }
}

impl Walk {
    /// A walk from a list action's paging inputs: `page` (and `page_token` for lists that take
    /// one), `per_page` and the fetch inputs; `tokens` says whether the list pages by token
    /// past its first pages.
    pub fn for_fetch(
        page: Option<u32>,
        page_token: Option<&str>,
        per_page: Option<u32>,
        fetch: &Fetch,
        tokens: bool,
    ) -> Result<Self, Error> {
        Self::from_inputs(
            page,
            page_token,
            per_page,
            fetch.fetch_all,
            fetch.max_records,
            fetch.cursor.as_deref(),
            tokens,
        )
    }
}

impl PageRef {
    /// The page number of a list paged by number only.
    pub fn number(&self) -> Result<u32, Error> {
        match self {
            PageRef::Number(number) => Ok(*number),
            PageRef::Token(_) => Err(Error::invalid("cursor", "was not returned by this kind of list")),
        }
    }
}

/// The records gathered (parsed, or kept as text) and where to resume.
#[derive(Debug, Clone, PartialEq)]
pub struct Gathered<R = Value> {
    pub records: Vec<R>,
    pub more_records: bool,
    pub cursor: Option<String>,
    /// The last page's own `info` (its records are in `records`), for callers that show it.
    pub last_page: Option<Page<R>>,
}

fn cursor_at(at: &PageRef, per_page: u32, skip: usize) -> String {
    let skip = skip.to_string();
    let per_page = per_page.to_string();
    match at {
        PageRef::Number(n) => cursor::encode(&["n", &n.to_string(), &per_page, &skip]),
        PageRef::Token(token) => cursor::encode(&["t", token, &per_page, &skip]),
    }
}

/// Runs a walk, calling `fetch` for each page.
pub fn walk<R>(
    session: &mut Session,
    walk: &Walk,
    mut fetch: impl FnMut(&mut Session, &PageRef, u32) -> Result<Page<R>, Error>,
) -> Result<Gathered<R>, Error> {
    let limit = usize::try_from(walk.max_records).unwrap_or(usize::MAX);
    let mut at = walk.start.clone();
    let mut skip = usize::try_from(walk.skip).unwrap_or(0);
    let mut records: Vec<R> = Vec::new();
    let mut used_bytes = 0usize;
    loop {
        let mut page = fetch(session, &at, walk.per_page)?;
        used_bytes = used_bytes.saturating_add(page.bytes);
        // The records move into the result; the page keeps its `info` for the caller.
        let page_records = std::mem::take(&mut page.records);
        let available = page_records.len();
        let from = skip.min(available);
        let room = limit.saturating_sub(records.len());
        let before = records.len();
        records.extend(page_records.into_iter().skip(from).take(room));
        let consumed = from + (records.len() - before);
        if consumed < available {
            // The cap fell inside this page: resume on it, after what was returned.
            let cursor = cursor_at(&at, walk.per_page, consumed);
            return Ok(Gathered {
                records,
                more_records: true,
                cursor: Some(cursor),
                last_page: Some(page),
            });
        }
        if !page.info.more_records {
            return Ok(Gathered {
                records,
                more_records: false,
                cursor: None,
                last_page: Some(page),
            });
        }
        if available == 0 {
            // Walking on would never end if Zoho keeps promising more while sending nothing.
            return Err(Error::decode("Zoho reported more records but sent an empty page"));
        }
        let next = match (&page.info.next_page_token, &at) {
            (Some(token), _) if walk.tokens => PageRef::Token(token.clone()),
            (_, PageRef::Number(n)) if walk.tokens && (n + 1).saturating_mul(walk.per_page) > DISCRETE_LIMIT => {
                return Err(Error::decode(
                    "Zoho gave no page_token to continue past the first 2,000 records",
                ));
            }
            (_, PageRef::Number(n)) => PageRef::Number(n + 1),
            (None, PageRef::Token(_)) => {
                return Err(Error::decode("Zoho reported more records but gave no next page_token"));
            }
            (Some(_), PageRef::Token(_)) => {
                return Err(Error::decode("this list pages by number but Zoho answered with tokens"));
            }
        };
        if !walk.fetch_all || records.len() >= limit || budget_spent(used_bytes, page.bytes) {
            let cursor = cursor_at(&next, walk.per_page, 0);
            return Ok(Gathered {
                records,
                more_records: true,
                cursor: Some(cursor),
                last_page: Some(page),
            });
        }
        at = next;
        skip = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::host::CallOptions;
    use crate::shared::session::tests::ScriptedHost;
    use serde_json::json;

    /// A fake CRM list: `total` records, tokens after page 1.
    fn fetcher(
        total: u32,
        requests: &mut Vec<PageRef>,
    ) -> impl FnMut(&mut Session, &PageRef, u32) -> Result<Page, Error> + '_ {
        move |_, at, per_page| {
            requests.push(at.clone());
            let offset = match at {
                PageRef::Number(n) => (n - 1) * per_page,
                PageRef::Token(t) => t.parse().expect("token is an offset"),
            };
            let end = (offset + per_page).min(total);
            let records = (offset..end).map(|i| json!({"id": i.to_string()})).collect::<Vec<_>>();
            let more = end < total;
            Ok(Page {
                info: PageInfo {
                    count: end - offset,
                    more_records: more,
                    next_page_token: more.then(|| end.to_string()),
                    ..PageInfo::default()
                },
                records,
                bytes: usize::try_from(per_page).unwrap_or(0) * 1024,
            })
        }
    }

    fn ids(records: &[Value]) -> Vec<u32> {
        records
            .iter()
            .map(|r| r["id"].as_str().and_then(|s| s.parse().ok()).expect("id"))
            .collect()
    }

    #[test]
    fn fetch_all_switches_to_tokens_and_stops_exactly_at_the_cap() {
        let mut host = ScriptedHost::new();
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        let mut requests = Vec::new();
        let walk_spec = Walk::from_inputs(None, None, None, true, Some(450), None, true).expect("walk");
        let gathered = walk(&mut session, &walk_spec, fetcher(1000, &mut requests)).expect("walked");
        assert_eq!(ids(&gathered.records), (0..450).collect::<Vec<_>>());
        assert_eq!(
            requests,
            vec![
                PageRef::Number(1),
                PageRef::Token("200".into()),
                PageRef::Token("400".into())
            ]
        );
        let resumed =
            Walk::from_inputs(None, None, None, true, Some(1000), gathered.cursor.as_deref(), true).expect("walk");
        let mut requests = Vec::new();
        let rest = walk(&mut session, &resumed, fetcher(1000, &mut requests)).expect("walked");
        assert_eq!(ids(&rest.records), (450..1000).collect::<Vec<_>>());
        assert!(!rest.more_records && rest.cursor.is_none());
    }

    #[test]
    fn a_walk_stops_at_a_page_boundary_before_the_byte_budget_and_resumes_there() {
        let mut host = ScriptedHost::new();
        let mut session = Session::new(&mut host, "c", CallOptions::default());
        // 200 KiB a page (see `fetcher`): the budget holds whole pages only.
        let pages_in_budget = RESULT_BYTE_BUDGET / (200 * 1024);
        let total = u32::try_from(pages_in_budget * 200 * 3).expect("small");
        let spec = Walk::from_inputs(None, None, None, true, Some(total), None, true).expect("walk");
        let mut requests = Vec::new();
        let first = walk(&mut session, &spec, fetcher(total, &mut requests)).expect("walked");
        assert!(first.more_records);
        assert_eq!(first.records.len(), pages_in_budget * 200);
        let mut seen = ids(&first.records);
        let mut cursor = first.cursor;
        while let Some(text) = cursor {
            let spec = Walk::from_inputs(None, None, None, true, Some(total), Some(&text), true).expect("walk");
            let mut requests = Vec::new();
            let next = walk(&mut session, &spec, fetcher(total, &mut requests)).expect("walked");
            assert!(next.records.len() <= pages_in_budget * 200);
            seen.extend(ids(&next.records));
            cursor = next.cursor;
        }
        assert_eq!(seen, (0..total).collect::<Vec<_>>());
    }

    #[test]
    fn cursors_and_pages_do_not_mix() {
        assert!(Walk::from_inputs(Some(2), None, None, false, None, Some("zc1.6e"), true).is_err());
        assert!(Walk::from_inputs(None, None, None, true, Some(0), None, true).is_err());
    }
}
