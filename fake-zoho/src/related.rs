//! Related lists: each module's list of related lists (`GET /settings/related_lists?module=`),
//! a record's related records (`GET /{module}/{id}/{list}`, with the `fields` Zoho requires),
//! and linking (`PUT`, junction values kept on the link) and unlinking (`DELETE
//! /{module}/{id}/{list}/{related_id}`) for the many-to-many lists. Lists that follow a lookup
//! field (an account's contacts) are listed from that field and changed by editing it.

use serde_json::{Value, json};

use crate::records::{invalid_id, write_payload, write_status};
use crate::reply::Reply;
use crate::request::RecordedRequest;
use crate::state::State;

/// How a related list's records are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Records of the related module whose lookup `field` names the record.
    Lookup(&'static str),
    /// Links stored by `PUT` (campaign members, contact roles).
    Linked,
}

/// (module, list API name, label, related module, kind).
const LISTS: &[(&str, &str, &str, &str, Kind)] = &[
    (
        "Accounts",
        "Contacts",
        "Contacts",
        "Contacts",
        Kind::Lookup("Account_Name"),
    ),
    ("Accounts", "Deals", "Deals", "Deals", Kind::Lookup("Account_Name")),
    ("Contacts", "Deals", "Deals", "Deals", Kind::Lookup("Contact_Name")),
    ("Leads", "Campaigns", "Campaigns", "Campaigns", Kind::Linked),
    ("Contacts", "Campaigns", "Campaigns", "Campaigns", Kind::Linked),
    ("Campaigns", "Leads", "Leads", "Leads", Kind::Linked),
    ("Campaigns", "Contacts", "Contacts", "Contacts", Kind::Linked),
    ("Deals", "Contact_Roles", "Contact Roles", "Contacts", Kind::Linked),
];

/// Lists every module has, served by their own routes (notes, attachments).
const EVERY_MODULE: &[(&str, &str)] = &[("Notes", "Notes"), ("Attachments", "Attachments")];

const MAX_PER_PAGE: usize = 200;

fn find(module: &str, list: &str) -> Option<(&'static str, Kind)> {
    LISTS
        .iter()
        .find(|(m, l, ..)| *m == module && *l == list)
        .map(|(_, _, _, related, kind)| (*related, *kind))
}

/// The list a linked list mirrors from the other side (a lead's campaigns and a campaign's leads).
fn mirror(module: &str, list: &str) -> Option<&'static str> {
    let (related, _) = find(module, list)?;
    LISTS
        .iter()
        .find(|(m, _, _, r, kind)| *m == related && *r == module && *kind == Kind::Linked)
        .map(|(_, l, ..)| *l)
}

pub(crate) fn route(state: &mut State, request: &RecordedRequest, rest: &[&str]) -> Option<Reply> {
    let reply = match (request.method.as_str(), rest) {
        ("GET", [module, id, list]) if state.crm.modules.contains_key(*module) && is_list_name(list) => {
            with_list(state, module, id, list, |s, related, kind| {
                records(s, module, id, list, related, kind, request)
            })
        }
        ("PUT", [module, id, list]) if state.crm.modules.contains_key(*module) && is_list_name(list) => {
            with_list(state, module, id, list, |s, related, kind| {
                link(s, module, id, list, related, kind, request)
            })
        }
        ("DELETE", [module, id, list, related_id]) if state.crm.modules.contains_key(*module) => {
            with_list(state, module, id, list, |s, _, kind| {
                unlink(s, module, id, list, kind, related_id)
            })
        }
        _ => return None,
    };
    Some(reply)
}

/// Whether a path segment names a related list rather than an action (`actions`, `upsert`, ...).
fn is_list_name(segment: &str) -> bool {
    segment.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

fn with_list(
    state: &mut State,
    module: &str,
    id: &str,
    list: &str,
    handler: impl FnOnce(&mut State, &'static str, Kind) -> Reply,
) -> Reply {
    let Some((related, kind)) = find(module, list) else {
        return Reply::crm_error(
            400,
            "INVALID_DATA",
            "the related list given seems to be invalid",
            json!({"resource_path_index": 2, "related_list": list}),
        );
    };
    if state.crm.modules[module].position(id).is_none() {
        return Reply::json(400, &invalid_id(id));
    }
    handler(state, related, kind)
}

/// `GET /settings/related_lists?module=`.
pub(crate) fn metadata(state: &State, request: &RecordedRequest) -> Reply {
    let module = match crate::wire::required_param(request, "module") {
        Ok(value) => value,
        Err(reply) => return reply,
    };
    if !state.crm.modules.contains_key(module) {
        return Reply::crm_error(
            400,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            json!({"param_name": "module"}),
        );
    }
    let lists: Vec<Value> = LISTS
        .iter()
        .filter(|(m, ..)| *m == module)
        .map(|(_, api_name, label, related, _)| (*api_name, *label, *related))
        .chain(
            EVERY_MODULE
                .iter()
                .map(|(api_name, label)| (*api_name, *label, *api_name)),
        )
        .enumerate()
        .map(|(i, (api_name, label, related))| {
            json!({
                "id": format!("48768760000000{:05}", 10 + i), "sequence_number": (i + 1).to_string(), "api_name": api_name,
                "display_label": label, "name": label, "module": {"api_name": related}, "type": "default",
                "href": format!("{module}/{{ENTITYID}}/{api_name}"), "status": "visible",
            })
        })
        .collect();
    Reply::json(200, &json!({"related_lists": lists}))
}

/// The related records, projected onto `fields` with link values on top, paged by number.
fn records(
    state: &State,
    module: &str,
    id: &str,
    list: &str,
    related: &str,
    kind: Kind,
    request: &RecordedRequest,
) -> Reply {
    let fields = match crate::wire::required_param(request, "fields") {
        Ok(value) => value,
        Err(reply) => return reply,
    };
    let fields: Vec<String> = fields.split(',').map(str::to_owned).collect();
    let (page, per_page) = match crate::wire::page_params(request, MAX_PER_PAGE) {
        Ok(params) => params,
        Err(reply) => return reply,
    };
    let stored = &state.crm.modules[related];
    let found: Vec<Value> = match kind {
        Kind::Lookup(field) => stored
            .records
            .iter()
            .filter(|r| r.get(field).and_then(|l| l.get("id")) == Some(&json!(id)))
            .map(|r| crate::wire::project(r, Some(&fields)))
            .collect(),
        Kind::Linked => state
            .crm
            .links
            .iter()
            .filter(|((m, r, l, _), _)| m == module && r == id && l == list)
            .filter_map(|((.., related_id), values)| {
                let mut record = crate::wire::project(stored.get(related_id)?, Some(&fields));
                if let Value::Object(object) = &mut record {
                    object.extend(values.clone());
                }
                Some(record)
            })
            .collect(),
    };
    let start = (page - 1).saturating_mul(per_page);
    let slice: Vec<Value> = found.iter().skip(start).take(per_page).cloned().collect();
    if slice.is_empty() {
        return Reply::no_content();
    }
    let more = start + slice.len() < found.len();
    Reply::json(
        200,
        &json!({"data": slice, "info": {"per_page": per_page, "count": slice.len(), "page": page, "more_records": more}}),
    )
}

fn not_linkable(list: &str) -> Reply {
    Reply::crm_error(
        400,
        "NOT_SUPPORTED",
        "this related list follows a lookup field; update the related record's lookup instead",
        json!({"related_list": list}),
    )
}

fn link(
    state: &mut State,
    module: &str,
    id: &str,
    list: &str,
    related: &str,
    kind: Kind,
    request: &RecordedRequest,
) -> Reply {
    if kind != Kind::Linked {
        return not_linkable(list);
    }
    let data = match write_payload(request) {
        Ok(data) => data,
        Err(reply) => return reply,
    };
    let mut entries = Vec::with_capacity(data.len());
    for entry in &data {
        let Some(related_id) = entry.get("id").and_then(Value::as_str) else {
            entries.push(json!({"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "id"}, "message": "required field not found", "status": "error"}));
            continue;
        };
        if state.crm.modules[related].position(related_id).is_none() {
            entries.push(invalid_id(related_id));
            continue;
        }
        let mut values = entry.as_object().cloned().unwrap_or_default();
        values.remove("id");
        let key = (module.to_owned(), id.to_owned(), list.to_owned(), related_id.to_owned());
        state.crm.links.insert(key, values.clone());
        if let Some(other) = mirror(module, list) {
            state.crm.links.insert(
                (
                    related.to_owned(),
                    related_id.to_owned(),
                    other.to_owned(),
                    id.to_owned(),
                ),
                values,
            );
        }
        entries.push(
            json!({"code": "SUCCESS", "details": {"id": related_id}, "message": "relation added", "status": "success"}),
        );
    }
    Reply::json(write_status(&entries, 200), &json!({"data": entries}))
}

fn unlink(state: &mut State, module: &str, id: &str, list: &str, kind: Kind, related_id: &str) -> Reply {
    if kind != Kind::Linked {
        return not_linkable(list);
    }
    let key = (module.to_owned(), id.to_owned(), list.to_owned(), related_id.to_owned());
    if state.crm.links.remove(&key).is_none() {
        return Reply::json(400, &json!({"data": [invalid_id(related_id)]}));
    }
    if let Some(other) = mirror(module, list)
        && let Some((related, _)) = find(module, list)
    {
        state.crm.links.remove(&(
            related.to_owned(),
            related_id.to_owned(),
            other.to_owned(),
            id.to_owned(),
        ));
    }
    Reply::json(
        200,
        &json!({"data": [{"code": "SUCCESS", "details": {"id": related_id}, "message": "relation removed", "status": "success"}]}),
    )
}
