//! The CRM v8 records API: list, get, create, update and delete for any known module, with
//! Zoho's envelopes, limits and error codes.

use serde_json::{Map, Value, json};

use crate::records::{MAX_RECORDS_PER_WRITE, add_record, apply_update, invalid_id, write_payload, write_status};
use crate::reply::Reply;
use crate::request::RecordedRequest;
use crate::state::crm::{Resume, Sort, TokenCursor};
use crate::state::{State, id_order, record_id};
use crate::time;
use crate::wire::project;

/// Zoho's limits.
const MAX_PER_PAGE: usize = 200;
const DISCRETE_PAGINATION_LIMIT: usize = 2000;
const MAX_FIELDS: usize = 50;

/// Routes `/crm/v8/{rest}`; `None` for a route the CRM fake does not serve.
pub(crate) fn route(state: &mut State, request: &RecordedRequest, rest: &[&str]) -> Option<Reply> {
    if let Some(reply) = crate::users::route(state, request, rest) {
        return Some(reply);
    }
    if let Some(reply) = crate::notes::route(state, request, rest) {
        return Some(reply);
    }
    if let Some(reply) = crate::convert::route(state, request, rest) {
        return Some(reply);
    }
    if let Some(reply) = crate::tags::route(state, request, rest) {
        return Some(reply);
    }
    if let Some(reply) = crate::photo::route(state, request, rest) {
        return Some(reply);
    }
    let reply = match (request.method.as_str(), rest) {
        (_, ["actions", "watch"]) => crate::watch::route(state, request),
        ("POST", ["coql"]) => crate::coql::run(state, request),
        ("POST", [module, id, "Attachments"]) => {
            with_module(state, module, 0, |s| crate::attachments::upload(s, module, id, request))
        }
        ("GET", [module, id, "Attachments"]) => {
            with_module(state, module, 0, |s| crate::attachments::list(s, module, id, request))
        }
        ("GET", [module, id, "Attachments", attachment]) => with_module(state, module, 0, |s| {
            crate::attachments::download(s, module, id, attachment)
        }),
        ("GET", [module, "search"]) => with_module(state, module, 0, |s| crate::search::search(s, module, request)),
        ("GET", ["settings", "modules"]) => modules(state),
        ("GET", ["settings", "related_lists"]) => crate::related::metadata(state, request),
        ("GET", ["settings", "fields"]) => match request.query_param("module") {
            None => Reply::crm_error(
                400,
                "REQUIRED_PARAM_MISSING",
                "One of the expected parameter is missing",
                json!({"param_name": "module"}),
            ),
            // This operation's INVALID_MODULE names the parameter (OAS fields.json).
            Some(module) if !state.crm.modules.contains_key(module) => Reply::crm_error(
                400,
                "INVALID_MODULE",
                "the module name given seems to be invalid",
                json!({"api_name": "module"}),
            ),
            Some(module) => with_module(state, module, 0, |s| {
                let fields: Vec<Value> = crate::fields::fields(s, module)
                    .iter()
                    .map(crate::fields::to_json)
                    .collect();
                Reply::json(200, &json!({"fields": fields}))
            }),
        },
        ("GET", [module, "deleted"]) => with_module(state, module, 0, |s| crate::deleted::list(s, module, request)),
        ("GET", [module]) => with_module(state, module, 0, |s| list(s, module, request)),
        ("POST", [module]) => with_module(state, module, 0, |s| create(s, module, request)),
        ("PUT", [module]) => with_module(state, module, 0, |s| update_many(s, module, request)),
        ("DELETE", [module]) => with_module(state, module, 0, |s| delete_many(s, module, request)),
        ("POST", [module, "upsert"]) => with_module(state, module, 0, |s| upsert(s, module, request)),
        ("GET", [module, id]) => with_module(state, module, 0, |s| get(s, module, id, request)),
        ("PUT", [module, id]) => with_module(state, module, 0, |s| update(s, module, id, request)),
        ("DELETE", [module, id]) => with_module(state, module, 0, |s| delete(s, module, id)),
        // Anything else below a record may be one of its related lists.
        _ => return crate::related::route(state, request, rest),
    };
    Some(reply)
}

fn with_module(state: &mut State, module: &str, index: usize, handler: impl FnOnce(&mut State) -> Reply) -> Reply {
    if state.crm.modules.contains_key(module) {
        handler(state)
    } else {
        Reply::crm_error(
            400,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            json!({"resource_path_index": index}),
        )
    }
}

fn fields_param(request: &RecordedRequest) -> Result<Option<Vec<String>>, Reply> {
    let Some(fields) = request.query_param("fields") else {
        return Ok(None);
    };
    let fields: Vec<String> = fields
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .collect();
    if fields.len() > MAX_FIELDS {
        return Err(Reply::crm_error(
            400,
            "LIMIT_EXCEEDED",
            "fields limit exceeded",
            json!({"limit": MAX_FIELDS, "param_name": "fields"}),
        ));
    }
    Ok(Some(fields))
}

fn number_param(request: &RecordedRequest, name: &str, default: usize) -> Result<usize, Reply> {
    match request.query_param(name) {
        None => Ok(default),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| Reply::crm_error(400, "INVALID_DATA", "invalid data", json!({"param_name": name}))),
    }
}

fn list(state: &mut State, module: &str, request: &RecordedRequest) -> Reply {
    let fields = match fields_param(request) {
        Ok(Some(fields)) if !fields.is_empty() => fields,
        Ok(_) => {
            return Reply::crm_error(
                400,
                "REQUIRED_PARAM_MISSING",
                "One of the expected parameter is missing",
                json!({"param_name": "fields"}),
            );
        }
        Err(reply) => return reply,
    };
    if let Some(ids) = request.query_param("ids") {
        return by_ids(state, module, ids, &fields);
    }
    let per_page = match number_param(request, "per_page", MAX_PER_PAGE) {
        Ok(n) if n <= MAX_PER_PAGE => n,
        Ok(_) => {
            return Reply::crm_error(
                400,
                "INVALID_DATA",
                "invalid data",
                json!({"param_name": "per_page", "maximum": MAX_PER_PAGE}),
            );
        }
        Err(reply) => return reply,
    };
    let page_token = request.query_param("page_token");
    if page_token.is_some() && request.query_param("page").is_some() {
        return Reply::crm_error(
            400,
            "INVALID_REQUEST",
            "page and page_token cannot be given together",
            json!({"param_name": "page"}),
        );
    }
    let (sort, resume, page) = match page_token {
        Some(token) => match state.crm.page_tokens.get(token) {
            Some(cursor) if cursor.module == module => (cursor.sort.clone(), cursor.resume.clone(), None),
            _ => {
                return Reply::crm_error(
                    400,
                    "INVALID_DATA",
                    "invalid page token",
                    json!({"param_name": "page_token"}),
                );
            }
        },
        None => {
            let page = match number_param(request, "page", 1) {
                Ok(page) => page,
                Err(reply) => return reply,
            };
            if page.saturating_mul(per_page) > DISCRETE_PAGINATION_LIMIT {
                return Reply::crm_error(
                    400,
                    "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
                    "You can only get the first 2000 records without using page_token param.",
                    json!({"limit": DISCRETE_PAGINATION_LIMIT}),
                );
            }
            let sort_by = request.query_param("sort_by").unwrap_or("id");
            if !matches!(sort_by, "id" | "Created_Time" | "Modified_Time") {
                return Reply::crm_error(
                    400,
                    "INVALID_DATA",
                    "invalid data",
                    json!({"param_name": "sort_by", "supported_values": ["id", "Created_Time", "Modified_Time"]}),
                );
            }
            let descending = match request.query_param("sort_order") {
                None | Some("desc") => true,
                Some("asc") => false,
                Some(_) => {
                    return Reply::crm_error(
                        400,
                        "INVALID_DATA",
                        "invalid data",
                        json!({"param_name": "sort_order", "supported_values": ["asc", "desc"]}),
                    );
                }
            };
            (
                Sort {
                    by: sort_by.to_owned(),
                    descending,
                },
                Resume::Offset((page - 1) * per_page),
                Some(page),
            )
        }
    };
    let since = match modified_since(request) {
        Ok(since) => since,
        Err(reply) => return reply,
    };
    let stored_module = &state.crm.modules[module];
    let stored = &stored_module.records;
    let time_index = stored_module.time_index(&sort.by).filter(|_| since.is_none());
    let (page_records, more, next) = if sort.by == "id" && since.is_none() {
        id_page(stored, sort.descending, &resume, per_page)
    } else if let Some(index) = time_index {
        time_page(stored_module, index, sort.descending, &resume, per_page)
    } else {
        let mut records: Vec<&Map<String, Value>> = stored
            .iter()
            .filter(|r| since.is_none_or(|since| modified_after(r, since)))
            .collect();
        if since.is_some() && records.is_empty() {
            return Reply::not_modified();
        }
        // Ties (same timestamp) are broken by id so pages never overlap or skip.
        records.sort_by(|a, b| sort_key(a, &sort.by).cmp(&sort_key(b, &sort.by)));
        if sort.descending {
            records.reverse();
        }
        let offset = match &resume {
            Resume::Offset(offset) => *offset,
            Resume::AfterId(_) | Resume::AfterKey(_) => 0,
        };
        let page_records: Vec<&Map<String, Value>> = records.iter().skip(offset).take(per_page).copied().collect();
        let next = offset + page_records.len();
        (page_records, next < records.len(), Resume::Offset(next))
    };
    let slice: Vec<Value> = page_records.iter().map(|r| project(r, Some(&fields))).collect();
    if slice.is_empty() {
        return Reply::no_content();
    }
    let next_page_token = more.then(|| {
        let token = format!("fzpt{:016x}{:08x}", state.next_id, state.crm.page_tokens.len());
        state.crm.page_tokens.insert(
            token.clone(),
            TokenCursor {
                module: module.to_owned(),
                resume: next,
                sort: sort.clone(),
            },
        );
        token
    });
    Reply::json(
        200,
        &json!({
            "data": slice,
            "info": {
                "per_page": per_page,
                "count": slice.len(),
                "page": page.unwrap_or(0),
                "sort_by": sort.by,
                "sort_order": if sort.descending { "desc" } else { "asc" },
                "more_records": more,
                "next_page_token": next_page_token,
                "previous_page_token": null,
                "page_token_expiry": null,
            }
        }),
    )
}

/// An id-sorted page read straight off the stored (id-ordered) records: the page, whether
/// more follow, and where the next page resumes.
fn id_page<'a>(
    records: &'a [Map<String, Value>],
    descending: bool,
    resume: &Resume,
    per_page: usize,
) -> (Vec<&'a Map<String, Value>>, bool, Resume) {
    fn order(r: &Map<String, Value>) -> (usize, &str) {
        id_order(record_id(r))
    }
    let (page, more): (Vec<&Map<String, Value>>, bool) = if descending {
        let end = match resume {
            Resume::Offset(offset) => records.len().saturating_sub(*offset),
            Resume::AfterId(id) => records.partition_point(|r| order(r) < id_order(id)),
            // A time-index token never names an id-sorted walk.
            Resume::AfterKey(_) => records.len(),
        };
        let start = end.saturating_sub(per_page);
        (records[start..end].iter().rev().collect(), start > 0)
    } else {
        let start = match resume {
            Resume::Offset(offset) => (*offset).min(records.len()),
            Resume::AfterId(id) => records.partition_point(|r| order(r) <= id_order(id)),
            Resume::AfterKey(_) => 0,
        };
        let end = (start + per_page).min(records.len());
        (records[start..end].iter().collect(), end < records.len())
    };
    let next = Resume::AfterId(page.last().map(|r| record_id(r).to_owned()).unwrap_or_default());
    (page, more, next)
}

/// A time-sorted page read off the module's index: O(log n) to find where a token resumes,
/// and at most the 2,000 records page numbers reach to skip.
fn time_page<'a>(
    module: &'a crate::state::Module,
    index: &'a std::collections::BTreeSet<crate::state::TimeKey>,
    descending: bool,
    resume: &Resume,
    per_page: usize,
) -> (Vec<&'a Map<String, Value>>, bool, Resume) {
    use std::ops::Bound::{Excluded, Unbounded};
    let keys: Box<dyn Iterator<Item = &crate::state::TimeKey>> = match (resume, descending) {
        (Resume::AfterKey(key), false) => Box::new(index.range((Excluded(key), Unbounded))),
        (Resume::AfterKey(key), true) => Box::new(index.range((Unbounded, Excluded(key))).rev()),
        (_, false) => Box::new(index.iter()),
        (_, true) => Box::new(index.iter().rev()),
    };
    let skip = match resume {
        Resume::Offset(offset) => *offset,
        _ => 0,
    };
    let mut keys = keys.skip(skip).peekable();
    let mut page = Vec::with_capacity(per_page);
    let mut last = None;
    while page.len() < per_page {
        let Some(key) = keys.next() else { break };
        if let Some(record) = module.get(&key.3) {
            page.push(record);
            last = Some(key.clone());
        }
    }
    let more = keys.peek().is_some();
    let next = last.map_or(Resume::Offset(skip), Resume::AfterKey);
    (page, more, next)
}

/// `GET /{module}?ids=a,b&fields=...`: the records that still exist, at most 100 ids.
fn by_ids(state: &State, module: &str, ids: &str, fields: &[String]) -> Reply {
    let ids: Vec<&str> = ids.split(',').filter(|id| !id.is_empty()).collect();
    if ids.len() > MAX_RECORDS_PER_WRITE {
        return Reply::crm_error(
            400,
            "LIMIT_EXCEEDED",
            "the number of records exceeds the limit",
            json!({"limit": MAX_RECORDS_PER_WRITE, "param_name": "ids"}),
        );
    }
    let stored = &state.crm.modules[module];
    let mut found: Vec<(usize, Value)> = ids
        .iter()
        .filter_map(|id| stored.position(id))
        .map(|position| (position, project(&stored.records[position], Some(fields))))
        .collect();
    // In stored order, each once, whatever order or repetition the ids came in.
    found.sort_by_key(|(position, _)| *position);
    found.dedup_by_key(|(position, _)| *position);
    let found: Vec<Value> = found.into_iter().map(|(_, record)| record).collect();
    if found.is_empty() {
        return Reply::no_content();
    }
    let count = found.len();
    Reply::json(
        200,
        &json!({"data": found, "info": {"per_page": MAX_PER_PAGE, "count": count, "page": 1, "more_records": false}}),
    )
}

fn get(state: &mut State, module: &str, id: &str, request: &RecordedRequest) -> Reply {
    let fields = match fields_param(request) {
        Ok(fields) => fields,
        Err(reply) => return reply,
    };
    let since = match modified_since(request) {
        Ok(since) => since,
        Err(reply) => return reply,
    };
    match state.crm.modules[module].get(id) {
        Some(record) if since.is_some_and(|since| !modified_after(record, since)) => Reply::not_modified(),
        Some(record) => Reply::json(200, &json!({"data": [project(record, fields.as_deref())]})),
        None => Reply::json(400, &invalid_id(id)),
    }
}

fn create(state: &mut State, module: &str, request: &RecordedRequest) -> Reply {
    let data = match write_payload(request) {
        Ok(data) => data,
        Err(reply) => return reply,
    };
    let mut entries = Vec::with_capacity(data.len());
    for (index, record) in data.iter().enumerate() {
        entries.push(add_record(state, module, index, record));
    }
    notify_successes(state, module, "insert", &entries, &[]);
    Reply::json(write_status(&entries, 201), &json!({"data": entries}))
}

/// One notification for every record of a write that succeeded, as Zoho batches them.
fn notify_successes(state: &mut State, module: &str, operation: &str, entries: &[Value], changed: &[String]) {
    let ids: Vec<String> = entries
        .iter()
        .filter(|e| e["status"] == "success")
        .filter_map(|e| e["details"]["id"].as_str().map(str::to_owned))
        .collect();
    crate::watch::notify(state, module, operation, &ids, changed);
}

/// The field names a write body sets, for field-specific notifications.
fn changed_fields(data: &[Value]) -> Vec<String> {
    let mut fields: Vec<String> = data
        .iter()
        .filter_map(Value::as_object)
        .flat_map(|r| r.keys().filter(|k| *k != "id").cloned())
        .collect();
    fields.sort();
    fields.dedup();
    fields
}

fn update(state: &mut State, module: &str, id: &str, request: &RecordedRequest) -> Reply {
    let data = match write_payload(request) {
        Ok(data) => data,
        Err(reply) => return reply,
    };
    if !state.crm.modules[module]
        .records
        .iter()
        .any(|r| r.get("id").and_then(Value::as_str) == Some(id))
    {
        return Reply::json(400, &json!({"data": [invalid_id(id)]}));
    }
    let Some(record) = data.first().filter(|_| data.len() == 1) else {
        return Reply::crm_error(
            400,
            "INVALID_DATA",
            "exactly one record is expected when updating by id",
            json!({"json_path": "$.data"}),
        );
    };
    let entries = [apply_update(state, module, id, 0, record)];
    notify_successes(state, module, "update", &entries, &changed_fields(&data));
    Reply::json(write_status(&entries, 200), &json!({"data": entries}))
}

fn delete(state: &mut State, module: &str, id: &str) -> Reply {
    let entry = remove_record(state, module, id);
    if entry["status"] == "success" {
        crate::watch::notify(state, module, "delete", &[id.to_owned()], &[]);
        Reply::json(200, &json!({"data": [entry]}))
    } else {
        Reply::json(400, &json!({"data": [entry]}))
    }
}

fn sort_key<'a>(record: &'a Map<String, Value>, by: &str) -> (usize, &'a str, usize, &'a str) {
    let text = |field: &str| record.get(field).and_then(Value::as_str).unwrap_or_default();
    (text(by).len(), text(by), text("id").len(), text("id"))
}

/// The `If-Modified-Since` instant, when the request has one.
fn modified_since(request: &RecordedRequest) -> Result<Option<i64>, Reply> {
    match request.header("if-modified-since") {
        None => Ok(None),
        Some(text) => time::parse_iso(text).map(Some).ok_or_else(|| {
            Reply::crm_error(
                400,
                "INVALID_DATA",
                "invalid data",
                json!({"header_name": "If-Modified-Since"}),
            )
        }),
    }
}

fn modified_after(record: &Map<String, Value>, since: i64) -> bool {
    record
        .get("Modified_Time")
        .and_then(Value::as_str)
        .and_then(time::parse_iso)
        .is_some_and(|t| t > since)
}

/// `PUT /{module}`: each record carries its `id`.
fn update_many(state: &mut State, module: &str, request: &RecordedRequest) -> Reply {
    let data = match write_payload(request) {
        Ok(data) => data,
        Err(reply) => return reply,
    };
    let mut entries = Vec::with_capacity(data.len());
    for (index, record) in data.iter().enumerate() {
        let Some(id) = record.get("id").and_then(Value::as_str).map(str::to_owned) else {
            entries.push(json!({"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "id", "json_path": format!("$.data[{index}].id")}, "message": "required field not found", "status": "error"}));
            continue;
        };
        entries.push(apply_update(state, module, &id, index, record));
    }
    notify_successes(state, module, "update", &entries, &changed_fields(&data));
    Reply::json(write_status(&entries, 200), &json!({"data": entries}))
}

/// `DELETE /{module}?ids=a,b`.
fn delete_many(state: &mut State, module: &str, request: &RecordedRequest) -> Reply {
    let Some(ids) = request.query_param("ids") else {
        return Reply::crm_error(
            400,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            json!({"param_name": "ids"}),
        );
    };
    let ids: Vec<String> = ids.split(',').filter(|id| !id.is_empty()).map(str::to_owned).collect();
    if ids.len() > MAX_RECORDS_PER_WRITE {
        return Reply::crm_error(
            400,
            "LIMIT_EXCEEDED",
            "the number of records exceeds the limit",
            json!({"limit": MAX_RECORDS_PER_WRITE}),
        );
    }
    if !state.crm.modules.contains_key(module) {
        return Reply::crm_error(
            400,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            json!({}),
        );
    }
    let entries: Vec<Value> = ids.iter().map(|id| remove_record(state, module, id)).collect();
    notify_successes(state, module, "delete", &entries, &[]);
    Reply::json(write_status(&entries, 200), &json!({"data": entries}))
}

/// Removes one record to the recycle bin and returns its result entry.
pub(crate) fn remove_record(state: &mut State, module: &str, id: &str) -> Value {
    let Some(stored) = state.crm.modules.get_mut(module) else {
        return invalid_id(id);
    };
    match stored.position(id) {
        Some(position) => {
            let removed = stored.remove(position);
            crate::deleted::record(state, module, &removed);
            json!({"code": "SUCCESS", "details": {"id": id}, "message": "record deleted", "status": "success"})
        }
        None => invalid_id(id),
    }
}

/// Zoho's system-defined duplicate-check field per module (Kaizen #56).
fn system_duplicate_field(module: &str) -> Option<&'static str> {
    Some(match module {
        "Leads" | "Contacts" => "Email",
        "Accounts" => "Account_Name",
        "Deals" => "Deal_Name",
        "Campaigns" => "Campaign_Name",
        "Cases" | "Quotes" | "Sales_Orders" | "Purchase_Orders" | "Invoices" => "Subject",
        "Solutions" => "Solution_Title",
        "Products" => "Product_Name",
        "Vendors" => "Vendor_Name",
        "Price_Books" => "Price_Book_Name",
        _ => return None,
    })
}

/// `POST /{module}/upsert`: updates the record matching on the duplicate-check fields (given,
/// else Zoho's system-defined and unique fields), inserts otherwise.
fn upsert(state: &mut State, module: &str, request: &RecordedRequest) -> Reply {
    let data = match write_payload(request) {
        Ok(data) => data,
        Err(reply) => return reply,
    };
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let given: Vec<String> = body["duplicate_check_fields"]
        .as_array()
        .map(|f| f.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let candidates: Vec<String> = if given.is_empty() {
        system_duplicate_field(module)
            .into_iter()
            .chain(State::unique_field(module))
            .map(str::to_owned)
            .collect()
    } else {
        given
    };
    let mut entries = Vec::with_capacity(data.len());
    for (index, record) in data.iter().enumerate() {
        let Some(fields) = record.as_object() else {
            entries.push(json!({"code": "INVALID_DATA", "details": {"json_path": format!("$.data[{index}]")}, "message": "invalid data", "status": "error"}));
            continue;
        };
        let matched = candidates.iter().find_map(|field| {
            let value = fields.get(field).filter(|v| !v.is_null())?;
            let existing = state.crm.modules[module]
                .records
                .iter()
                .find(|r| r.get(field) == Some(value))?;
            Some((field.clone(), existing.get("id").and_then(Value::as_str)?.to_owned()))
        });
        let mut entry = match &matched {
            Some((_, id)) => apply_update(state, module, id, index, record),
            None => add_record(state, module, index, record),
        };
        if entry["status"] == "success" {
            entry["action"] = json!(if matched.is_some() { "update" } else { "insert" });
            entry["duplicate_field"] = matched.map_or(Value::Null, |(field, _)| json!(field));
        }
        entries.push(entry);
    }
    for (action, operation) in [("insert", "insert"), ("update", "update")] {
        let done: Vec<Value> = entries.iter().filter(|e| e["action"] == action).cloned().collect();
        notify_successes(state, module, operation, &done, &changed_fields(&data));
    }
    Reply::json(write_status(&entries, 200), &json!({"data": entries}))
}

/// Tabs Zoho lists among the modules that its API does not serve (`api_supported: false`), as
/// Zoho's own sample answers of the modules metadata list them: Home (Deluge's "Get All Module
/// Metadata", zoho.com/deluge/help/crm/get-all-meta.html) and SalesInbox (the v1-to-v2
/// getModules comparison, zoho.com/crm/help/api-diff/getModules.html), both with
/// `generated_type` "default". A form that offers modules must leave them out.
const WEB_TABS: &[(&str, &str)] = &[("Home", "Home"), ("SalesInbox", "SalesInbox")];

/// `GET /settings/modules`: the standard modules, any custom ones added, and the web tabs.
fn modules(state: &State) -> Reply {
    let tabs = WEB_TABS.iter().map(|(name, label)| {
        json!({
            "api_name": name,
            "module_name": name,
            "plural_label": label,
            "singular_label": label,
            "generated_type": "default",
            "api_supported": false,
            "creatable": false,
            "editable": false,
            "deletable": false,
            "viewable": true,
        })
    });
    let modules: Vec<Value> = state
        .crm
        .modules
        .keys()
        .map(|name| {
            let custom = !crate::state::STANDARD_MODULES.iter().any(|(m, _)| m == name);
            let plural = name.trim_end_matches("__c").replace('_', " ");
            let singular = plural.strip_suffix('s').unwrap_or(&plural).to_owned();
            json!({
                "api_name": name,
                "module_name": name,
                "plural_label": plural,
                "singular_label": singular,
                "generated_type": if custom { "custom" } else { "default" },
                "api_supported": true,
                "creatable": true,
                "editable": true,
                "deletable": true,
                "viewable": true,
            })
        })
        .chain(tabs)
        .collect();
    Reply::json(200, &json!({"modules": modules}))
}
