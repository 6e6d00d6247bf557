//! The contract check: every request that reaches fake-zoho in these tests, and every JSON
//! answer the fake gives, held against Zoho's published contract instead of our own reading.
//!
//! CRM: Zoho's v8 OpenAPI documents (`tests/contract/fixtures/zoho-oas/crm-v8-digest.json`, the facts of
//! `zoho/crm-oas` v8.0): the method and path must name a published operation, every query
//! parameter must be one Zoho publishes for it (with an allowed value where it has an enum),
//! every JSON body property must exist in the published request schema, and the fake's JSON
//! answers must have the published property names and types.
//!
//! Books: Zoho's Books v3 OpenAPI documents (`tests/contract/fixtures/zoho-oas/books-v3-digest.json`,
//! 37 module files, 515 operations), checked the same way, plus what their descriptions allow:
//! a query parameter may also be one of the variants a parameter documents (`date_start`,
//! `invoice_number_contains`), and a `sort_column` must be one its list documents.
//!
//! The accounts server publishes no OpenAPI document; its traffic is checked against
//! `tests/contract/fixtures/accounts-contract.json`, each entry with its docs page.
//!
//! Where the published document is wrong or incomplete and Zoho's docs pages or SDKs say
//! otherwise, [`EXCEPTIONS`] says so, naming the source. Anything else is a violation: the
//! fake's [`Checked`] guard fails the test that produced it, naming the operation and the
//! offending name. The integration suite (`tests/`) and the host's own tests start every fake
//! through [`Checked`].

mod books_types;

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use fake_zoho::{Exchange, ExchangeObserver, FakeZoho};
use serde_json::{Map, Value};

/// A fake whose every exchange is checked; dropping it fails the test on any violation.
#[derive(Debug)]
pub struct Checked {
    fake: FakeZoho,
    check: Arc<ContractCheck>,
}

impl Checked {
    pub fn start() -> Self {
        Self::wrap(FakeZoho::start().expect("the fake binds 127.0.0.1"))
    }

    pub fn wrap(fake: FakeZoho) -> Self {
        let check = Arc::new(ContractCheck::default());
        let observer: Arc<dyn ExchangeObserver> = check.clone();
        fake.observe(observer);
        Checked { fake, check }
    }

    /// The violations so far (a test of the check itself reads them).
    pub fn violations(&self) -> Vec<String> {
        self.check
            .violations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Forgets the violations so far: only for tests that send off-contract requests on purpose
    /// to see Zoho's refusal (each says why).
    pub fn forgive(&self) {
        self.check
            .violations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

impl Checked {
    /// Forgets the violations `forgiven` picks: for tests that pass a user's off-contract
    /// values through on purpose (each says why); every other violation still fails the test.
    pub fn forgive_where(&self, forgiven: impl Fn(&str) -> bool) {
        self.check
            .violations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|violation| !forgiven(violation));
    }
}

impl std::ops::Deref for Checked {
    type Target = FakeZoho;
    fn deref(&self) -> &FakeZoho {
        &self.fake
    }
}

impl Drop for Checked {
    fn drop(&mut self) {
        let violations = self.violations();
        if !violations.is_empty() && !std::thread::panicking() {
            panic!(
                "{} exchange(s) break Zoho's published contract:\n{}",
                violations.len(),
                violations.join("\n")
            );
        }
    }
}

#[derive(Debug, Default)]
struct ContractCheck {
    violations: Mutex<Vec<String>>,
}

impl ExchangeObserver for ContractCheck {
    fn exchange(&self, exchange: &Exchange<'_>) {
        let found = check(exchange);
        if !found.is_empty() {
            let mut violations = self.violations.lock().unwrap_or_else(PoisonError::into_inner);
            for violation in found {
                if !violations.contains(&violation) {
                    violations.push(violation);
                }
            }
        }
    }
}

/// The contract check for a fake in another process (`fake-zoho-checked`, which the Python,
/// Node, package and platform tests start): each violation is appended to a file as a line
/// the moment it happens, since those tests stop the fake by killing it. A test's teardown
/// reads the file and fails on any line.
#[derive(Debug)]
pub struct ViolationsFile {
    path: std::path::PathBuf,
    seen: Mutex<Vec<String>>,
}

impl ViolationsFile {
    /// Checks into `path`, created empty now (an existing file is truncated).
    pub fn create(path: impl Into<std::path::PathBuf>) -> std::io::Result<Self> {
        let path = path.into();
        std::fs::write(&path, b"")?;
        Ok(Self {
            path,
            seen: Mutex::default(),
        })
    }
}

impl ExchangeObserver for ViolationsFile {
    fn exchange(&self, exchange: &Exchange<'_>) {
        use std::io::Write;
        let found = check(exchange);
        if found.is_empty() {
            return;
        }
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let new: Vec<String> = found.into_iter().filter(|v| !seen.contains(v)).collect();
        if new.is_empty() {
            return;
        }
        let written = std::fs::OpenOptions::new()
            .append(true)
            .open(&self.path)
            .and_then(|mut file| {
                for violation in &new {
                    writeln!(file, "{}", violation.replace('\n', " "))?;
                }
                file.sync_data()
            });
        if let Err(error) = written {
            // Nowhere else to say it: the teardown then finds the file short of a line, so
            // the violation also goes to stderr, which the test shows when it fails.
            eprintln!("fake-zoho-checked: could not record a violation: {error}");
        }
        for violation in new {
            eprintln!("fake-zoho-checked: {violation}");
            seen.push(violation);
        }
    }
}

/// Why a published fact does not hold, with the source that says otherwise.
struct Exception {
    method: &'static str,
    /// The operation's path template as the contract writes it (`/books/v3/...` for Books);
    /// a trailing `*` matches any rest, `*` alone every operation.
    template: &'static str,
    /// Where: `query:NAME`, `request:PATH`, `response:STATUS:PATH` (PATH as the violation
    /// writes it; a trailing `*` matches any rest), or `operation` for a whole operation.
    at: &'static str,
    /// The source that decides, and why.
    #[allow(dead_code)]
    because: &'static str,
}

/// The cases where Zoho's published OpenAPI document is wrong or incomplete, each with the
/// docs page or SDK file that decides instead.
const EXCEPTIONS: &[Exception] = &[
    Exception {
        method: "*",
        template: "*",
        at: "record-fields",
        because: "A record's fields are the org's own field API names (docs api/v8/field-meta.html); the OAS lists only a few system fields of a record, so record objects are open.",
    },
    Exception {
        method: "GET",
        template: "/crm/v8/users",
        at: "query:type={AllUsers,DeletedUsers,AdminUsers,ActiveConfirmedAdmins}",
        because: "docs api/v8/get-users.html lists AllUsers (the default), DeletedUsers, AdminUsers and ActiveConfirmedAdmins besides the OAS enum's six values.",
    },
    Exception {
        method: "*",
        template: "/crm/v8/actions/watch",
        at: "*watch[].channel_id",
        because: "docs api/v8/notifications/enable.html: channel_id is a long; the OAS renders Java's Long as `object`. Sent as a JSON number, listed by Zoho as digits.",
    },
    Exception {
        method: "*",
        template: "*",
        at: "*query.criteria.value",
        because: "docs api/v8/bulk-read/create-job.html: a criterion's value is a string, a number or an array (its samples use strings); the OAS types it `object`.",
    },
    Exception {
        method: "GET",
        template: "*",
        at: "*users[].time_zone",
        because: "docs api/v8/get-users.html sample answer: time_zone is an IANA name string (\"Asia/Kolkata\"); the OAS types it `object` (Java's TimeZone).",
    },
    Exception {
        method: "GET",
        template: "/books/v3/*",
        at: "query:{page,per_page}",
        because: "docs books/api/v3/pagination: Books' list APIs are paginated to 200 items, navigated with `page` and `per_page`; some module documents leave both out of a list's parameters.",
    },
    Exception {
        method: "GET",
        template: "/books/v3/*",
        at: "response:200:page_context*",
        because: "docs books/api/v3/pagination: every list answers `page_context` as an object (page, per_page, has_more_page; books-oas list_invoices adds report_name, applied_filter, sort_column, sort_order); several module documents leave it out or type it as an array.",
    },
    Exception {
        method: "*",
        template: "/books/v3/*",
        at: "*.created_time",
        because: "books-oas schemas were written from samples (zoho-oas README): a list or record schema without created_time does not say Books leaves it out. fake-zoho plays both (`set_books_list_omits_times`), and the Books triggers are tested under both.",
    },
    Exception {
        method: "*",
        template: "/books/v3/*",
        at: "*.last_modified_time",
        because: "As for created_time: books-oas schemas were written from samples; fake-zoho plays the time present and absent.",
    },
    Exception {
        method: "GET",
        template: "/books/v3/creditnotes",
        at: "response:200:creditnotes",
        because: "docs books/api/v3/credit-notes (List all Credit Notes) answers `creditnotes` as a list of records, as every Books list does (docs books/api/v3/pagination); the credit notes document types it as one object.",
    },
    Exception {
        method: "*",
        template: "/books/v3/settings/taxes*",
        at: "*:tax",
        because: "docs books/api/v3/taxes (the current page) shows a tax as one object (`{\"tax_id\": ...}`); the taxes document, like an older copy of the page, wraps it in an array.",
    },
    Exception {
        method: "GET",
        template: "/crm/v8/{module}/{record_id}/Attachments",
        at: "response:200:info.next_page_token",
        because: "The operation publishes the `page_token` parameter; docs api/v8/get-attachments.html pages by info.next_page_token, which the OAS answer omits.",
    },
];

/// Where the Books documents' paths are served (their `servers` entry).
const BOOKS_BASE: &str = "/books/v3";

/// The operations of the published contract.
struct Contract {
    operations: Vec<Operation>,
}

struct Operation {
    method: String,
    template: String,
    segments: Vec<String>,
    spec: Value,
}

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        let mut operations = Vec::new();
        for (text, prefix) in [
            (include_str!("../fixtures/zoho-oas/crm-v8-digest.json"), ""),
            (include_str!("../fixtures/zoho-oas/books-v3-digest.json"), BOOKS_BASE),
            (include_str!("../fixtures/accounts-contract.json"), ""),
        ] {
            let document: Value = serde_json::from_str(text).expect("a contract fixture is JSON");
            for spec in document["operations"].as_array().into_iter().flatten() {
                let template = format!("{prefix}{}", spec["path"].as_str().unwrap_or_default());
                operations.push(Operation {
                    method: spec["method"].as_str().unwrap_or_default().to_owned(),
                    segments: template.split('/').skip(1).map(str::to_owned).collect(),
                    template,
                    spec: spec.clone(),
                });
            }
        }
        Contract { operations }
    })
}

fn is_placeholder(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

/// The published operation a request names: same method, same number of segments, every
/// literal segment equal; the one with the most literal segments wins (`/Leads/search` is the
/// search operation, not a record `{id}`).
fn operation(method: &str, path: &str) -> Option<&'static Operation> {
    // Bulk Write result files are fetched at the absolute `download_url` Zoho answers with
    // (OAS bulk_write.json `GET /{download_url}`); the fake serves them under `/v2/crm/`.
    if method == "GET" && path.starts_with("/v2/crm/") {
        return contract()
            .operations
            .iter()
            .find(|op| op.method == "GET" && op.template == "/{download_url}");
    }
    let segments: Vec<String> = path.split('/').skip(1).map(percent_decode).collect();
    contract()
        .operations
        .iter()
        .filter(|op| op.method == method && op.segments.len() == segments.len())
        .filter(|op| {
            op.segments
                .iter()
                .zip(&segments)
                .all(|(template, actual)| is_placeholder(template) || template == actual)
        })
        .max_by_key(|op| op.segments.iter().filter(|s| !is_placeholder(s)).count())
}

/// Whether `parameter`'s description names `key` as one of its variants, as Books' list
/// parameters do (`date` documents `date_start`, `date_end`, `date_before`, `date_after`).
fn documents_variant(parameter: &Value, key: &str) -> bool {
    let Some(name) = parameter["name"].as_str() else {
        return false;
    };
    parameter["in"] == "query"
        && key.starts_with(&format!("{name}_"))
        && documented_values(parameter).is_some_and(|values| values.contains(&key))
}

/// The values a parameter's description allows, where the digest found them. Two `sort_column`
/// descriptions are prose ("... created_time and last_modified_time"): `and` is not a value.
fn documented_values(parameter: &Value) -> Option<Vec<&str>> {
    let values = parameter["documentedValues"].as_array()?;
    Some(
        values
            .iter()
            .filter_map(Value::as_str)
            .filter(|v| *v != "and")
            .collect(),
    )
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = segment.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn excepted(op: &Operation, at: &str) -> bool {
    EXCEPTIONS.iter().any(|e| {
        let template = match e.template.strip_suffix('*') {
            Some(prefix) => op.template.starts_with(prefix),
            None => e.template == op.template,
        };
        (e.method == "*" || e.method == op.method) && template && matches_pattern(e.at, at)
    })
}

/// `pattern` against `at`: a leading `*` matches any start, a trailing `*` any rest, and
/// `{a,b}` at the end any one of the alternatives.
fn matches_pattern(pattern: &str, at: &str) -> bool {
    if let Some((head, alternatives)) = pattern.strip_suffix('}').and_then(|p| p.split_once('{')) {
        return alternatives
            .split(',')
            .any(|alternative| at == format!("{head}{alternative}"));
    }
    match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
        (Some(rest), _) if rest.ends_with('*') => at.contains(rest.trim_end_matches('*')),
        (Some(rest), _) => at.ends_with(rest),
        (None, Some(prefix)) => at.starts_with(prefix),
        (None, None) => pattern == at,
    }
}

/// Paths the fake serves for tests only, never sent to Zoho by the product.
fn test_only(path: &str) -> bool {
    [
        "/crm/v8/__echo",
        "/crm/v8/__binary",
        "/books/v3/__echo",
        "/books/v3/__binary",
    ]
    .iter()
    .any(|prefix| path.starts_with(prefix))
}

/// Every violation of one exchange.
fn check(exchange: &Exchange<'_>) -> Vec<String> {
    let request = exchange.request;
    if test_only(&request.path) {
        return Vec::new();
    }
    let Some(op) = operation(&request.method, &request.path) else {
        return vec![format!(
            "{} {}: no published operation has this method and path",
            request.method, request.path
        )];
    };
    let name = format!("{} {}", op.method, op.template);
    let mut found = Vec::new();
    let parameters: Vec<&Value> = op.spec["parameters"].as_array().into_iter().flatten().collect();
    for (key, value) in &request.query {
        let published = parameters
            .iter()
            .find(|p| p["in"] == "query" && p["name"].as_str() == Some(key.as_str()))
            .or_else(|| parameters.iter().find(|p| documents_variant(p, key)));
        let open = op.spec["open_query"] == true;
        match published {
            None if !open && !excepted(op, &format!("query:{key}")) => {
                found.push(format!(
                    "{name}: query parameter `{key}` is not published for this operation"
                ));
            }
            Some(p) => {
                if key == "sort_column"
                    && let Some(columns) = documented_values(p)
                    && !columns.contains(&value.as_str())
                    && !excepted(op, &format!("query:{key}={value}"))
                {
                    found.push(format!(
                        "{name}: `sort_column={value}` is not one of the documented columns {columns:?}"
                    ));
                }
                if let Some(allowed) = p["enum"].as_array()
                    && !allowed.iter().any(|a| a.as_str() == Some(value.as_str()))
                    && !excepted(op, &format!("query:{key}={value}"))
                {
                    found.push(format!(
                        "{name}: `{key}={value}` is not one of the published values {allowed:?}"
                    ));
                }
            }
            None => {}
        }
    }
    let content_type = request.header("content-type").unwrap_or_default().to_ascii_lowercase();
    if !request.body.is_empty() && content_type.starts_with("application/json") {
        match serde_json::from_slice::<Value>(&request.body) {
            Ok(body) => match op.spec["body"].get("application/json") {
                Some(schema) => {
                    let excuse =
                        |at: &str| excepted(op, &format!("request:{at}")) || record_field(op, at, Side::Request);
                    walk(schema, &body, "", &excuse, &mut |_, problem| {
                        found.push(format!("{name}: request body {problem}"));
                    });
                }
                None if op.spec["open_body"] != true && !excepted(op, "request") => {
                    found.push(format!("{name}: a JSON body where none is published"))
                }
                None => {}
            },
            Err(_) => found.push(format!("{name}: the JSON body does not parse")),
        }
    }
    if exchange.injected || exchange.status == 204 {
        return found;
    }
    let answer_type = exchange
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_default();
    if !answer_type.contains("json") {
        return found;
    }
    let status = exchange.status.to_string();
    // Zoho documents errors that any operation may answer (401, 403, 404, 429, 5xx) once, on its
    // status-codes page, not per operation: an undocumented status is not checked.
    let Some(schema) = op.spec["responses"]
        .get(&status)
        .and_then(|r| r.get("application/json"))
    else {
        return found;
    };
    match serde_json::from_slice::<Value>(exchange.body) {
        Ok(body) => {
            let excuse = |at: &str| {
                excepted(op, &format!("response:{status}:{at}"))
                    || record_field(op, at, Side::Response)
                    || books_field(op, at)
            };
            walk(schema, &body, "", &excuse, &mut |_, problem| {
                found.push(format!("{name}: answer {status} {problem}"));
            });
        }
        Err(_) => found.push(format!("{name}: answer {status} is not JSON")),
    }
    found
}

/// Whether `at` is a field of a record (any name is allowed there; see [`EXCEPTIONS`]): records
/// are what a record operation's request body carries and what a read answers with; a write's
/// answer (`code`, `details`, `message`, `status`) is checked as published.
fn record_field(op: &Operation, at: &str, side: Side) -> bool {
    let records = matches!(op.spec["file"].as_str(), Some("record" | "related_records" | "coql"))
        || op.template.ends_with("/Notes")
        || op.template.contains("/Notes/");
    let carries_records = match side {
        Side::Request => true,
        Side::Response => op.method == "GET" || op.template == "/crm/v8/coql",
    };
    records && carries_records && excepted(op, "record-fields") && at.starts_with("data[].")
}

/// Whether `at`, in a Books answer, names a field Zoho's Books documents give the same module
/// elsewhere (in another operation's request or answer). Books' schemas were written from
/// samples (the digest's README: "a field missing from a list schema may still come back"),
/// so a contact's answer may carry `email` though the update's answer sample shows none; a
/// field no operation of the module names is still a violation, and every documented field's
/// type is still checked.
fn books_field(op: &Operation, at: &str) -> bool {
    let Some(file) = op.template.strip_prefix(BOOKS_BASE).and(op.spec["file"].as_str()) else {
        return false;
    };
    let name = at.rsplit(['.', ']']).next().unwrap_or(at);
    books_vocabulary().get(file).is_some_and(|names| names.contains(name))
}

/// Every property name each Books module's documents use anywhere, by module file.
fn books_vocabulary() -> &'static std::collections::HashMap<String, std::collections::HashSet<String>> {
    static VOCABULARY: OnceLock<std::collections::HashMap<String, std::collections::HashSet<String>>> = OnceLock::new();
    VOCABULARY.get_or_init(|| {
        fn collect(schema: &Value, into: &mut std::collections::HashSet<String>) {
            match schema {
                Value::Object(map) => {
                    if let Some(Value::Object(properties)) = map.get("properties") {
                        into.extend(properties.keys().cloned());
                    }
                    for value in map.values() {
                        collect(value, into);
                    }
                }
                Value::Array(items) => items.iter().for_each(|item| collect(item, into)),
                _ => {}
            }
        }
        let mut vocabulary: std::collections::HashMap<String, std::collections::HashSet<String>> =
            std::collections::HashMap::new();
        for op in contract()
            .operations
            .iter()
            .filter(|op| op.template.starts_with(BOOKS_BASE))
        {
            if let Some(file) = op.spec["file"].as_str() {
                let names = vocabulary.entry(file.to_owned()).or_default();
                collect(&op.spec["body"], names);
                collect(&op.spec["responses"], names);
            }
        }
        vocabulary
    })
}

#[derive(Debug, Clone, Copy)]
enum Side {
    Request,
    Response,
}

/// Checks `value` against `schema`, reporting `(path, problem)` for each property the schema
/// does not publish and each value of another type, except where `excuse(path)` holds.
fn walk(schema: &Value, value: &Value, at: &str, excuse: &dyn Fn(&str) -> bool, report: &mut dyn FnMut(&str, String)) {
    let Some(schema) = schema.as_object() else { return };
    if schema.is_empty() || schema.contains_key("recursive") || (!at.is_empty() && excuse(at)) {
        return;
    }
    if let Some(alternatives) = schema.get("oneOf").and_then(Value::as_array) {
        // The alternative that fits best decides; an empty one fits anything.
        let mut best: Option<Vec<(String, String)>> = None;
        for alternative in alternatives {
            let mut problems = Vec::new();
            walk(alternative, value, at, excuse, &mut |path, problem| {
                problems.push((path.to_owned(), problem))
            });
            if best.as_ref().is_none_or(|b| problems.len() < b.len()) {
                best = Some(problems);
            }
        }
        for (path, problem) in best.unwrap_or_default() {
            report(&path, problem);
        }
        return;
    }
    if value.is_null() {
        return;
    }
    let expected = schema.get("type").and_then(Value::as_str);
    let fits = match expected {
        None => true,
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some(_) => true,
    };
    if !fits {
        report(
            at,
            format!(
                "`{}` is {}, published as {}",
                display(at),
                kind(value),
                expected.unwrap_or("?")
            ),
        );
        return;
    }
    match value {
        Value::Object(object) => {
            let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
                return;
            };
            check_object(properties, object, at, excuse, report);
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                let path = format!("{at}[]");
                for item in items {
                    walk(item_schema, item, &path, excuse, report);
                }
            }
        }
        _ => {}
    }
}

fn check_object(
    properties: &Map<String, Value>,
    object: &Map<String, Value>,
    at: &str,
    excuse: &dyn Fn(&str) -> bool,
    report: &mut dyn FnMut(&str, String),
) {
    for (key, item) in object {
        let path = if at.is_empty() {
            key.clone()
        } else {
            format!("{at}.{key}")
        };
        match properties.get(key) {
            Some(schema) => walk(schema, item, &path, excuse, report),
            None if excuse(&path) => {}
            None => report(&path, format!("has `{}`, which is not published", display(&path))),
        }
    }
}

fn display(at: &str) -> &str {
    if at.is_empty() { "(the body)" } else { at }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The names of every published operation, for the check's own tests.
#[cfg(test)]
fn published() -> std::collections::BTreeSet<String> {
    contract()
        .operations
        .iter()
        .map(|op| format!("{} {}", op.method, op.template))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn requests_off_the_published_contract_are_named_with_the_operation() {
        let fake = Checked::start();
        // Unknown query parameter, unknown body property, unknown operation.
        for (method, path, body) in [
            ("GET", "/crm/v8/Leads?fields=Last_Name&shoe_size=9", None),
            (
                "POST",
                "/crm/v8/coql",
                Some(json!({"select_query": "select id from Leads", "limit_please": 1})),
            ),
            ("GET", "/crm/v8/nothing/here/at/all/ever", None),
            ("GET", "/crm/v8/users?type=EveryoneEver", None),
        ] {
            let _ = send(&fake, method, path, body.as_ref());
        }
        let violations = fake.violations();
        fake.forgive();
        let text = violations.join("\n");
        assert!(
            text.contains("GET /crm/v8/{module_api_name}: query parameter `shoe_size`"),
            "{text}"
        );
        assert!(
            text.contains("POST /crm/v8/coql: request body has `limit_please`"),
            "{text}"
        );
        assert!(
            text.contains("GET /crm/v8/nothing/here/at/all/ever: no published operation"),
            "{text}"
        );
        assert!(
            text.contains("`type=EveryoneEver` is not one of the published values"),
            "{text}"
        );
        assert_eq!(violations.len(), 4, "{text}");
        assert!(published().contains("PATCH /crm/v8/actions/watch"));
    }

    #[test]
    fn answers_are_checked_for_names_and_types() {
        let schema = json!({"type": "object", "properties": {"info": {"type": "object", "properties": {"count": {"type": "integer"}}}}});
        let mut problems = Vec::new();
        walk(
            &schema,
            &json!({"info": {"count": "3", "extra": 1}}),
            "",
            &|_| false,
            &mut |at, p| problems.push(format!("{at}: {p}")),
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("info.count") && problems[0].contains("a string, published as integer"));
        assert!(problems[1].contains("info.extra"));
    }

    #[test]
    fn a_books_answer_may_carry_fields_its_module_documents_elsewhere_and_no_others() {
        let update = operation("PUT", "/books/v3/contacts/460000000026049").expect("published");
        assert!(
            books_field(update, "contact.email"),
            "the contacts list documents email"
        );
        assert!(!books_field(update, "contact.shoe_size"));
        let crm = operation("GET", "/crm/v8/Leads").expect("published");
        assert!(
            !books_field(crm, "data[].email"),
            "CRM answers are checked as published"
        );
    }

    /// One request straight to the fake, as a client other than the component would send it.
    fn send(fake: &FakeZoho, method: &str, path: &str, body: Option<&Value>) -> std::io::Result<()> {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(fake.addr())?;
        let body = body.map(Value::to_string).unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nhost: {}\r\nauthorization: Zoho-oauthtoken {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            fake.addr(),
            fake.access_token(),
            body.len()
        );
        stream.write_all(request.as_bytes())?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer)?;
        Ok(())
    }
}
