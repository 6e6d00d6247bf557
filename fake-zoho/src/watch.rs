//! The Notifications API (`/crm/v8/actions/watch`) and its deliveries: channels with Zoho's
//! rules (expiry of at most a week, else one hour; tokens of at most 50 characters; PUT
//! replaces, PATCH updates and clears a token it is not given; `_delete_events`), and a
//! Zoho-shaped POST to the channel's notify URL whenever records it watches change.
//!
//! Deliveries go only to loopback URLs (a test's or the CLI's listener); others are recorded
//! as not delivered, never sent. They leave the state lock first and are posted in order by one
//! thread per fake.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::reply::Reply;
use crate::request::RecordedRequest;
use crate::state::State;
use crate::state::crm::{Channel, Conditions, Delivery};

/// Zoho's limits.
const MAX_EXPIRY_SECONDS: i64 = 7 * 24 * 3600;
const DEFAULT_EXPIRY_SECONDS: i64 = 3600;
const MAX_TOKEN_LEN: usize = 50;
const MAX_CONDITION_OBJECTS: usize = 2;
const MAX_CONDITION_FIELDS: usize = 10;

fn invalid(message: &str, details: Value) -> Reply {
    Reply::json(
        400,
        &json!({"watch": [{"code": "INVALID_DATA", "details": details, "message": message, "status": "error"}]}),
    )
}

fn mandatory(key: &str) -> Reply {
    Reply::json(
        400,
        &json!({"watch": [{"code": "MANDATORY_NOT_FOUND", "details": {"api_name": key}, "message": "required field not found", "status": "error"}]}),
    )
}

fn channel_id(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => Some(s.clone()),
        _ => None,
    }
}

/// Routes `/crm/v8/actions/watch`.
pub(crate) fn route(state: &mut State, request: &RecordedRequest) -> Reply {
    match request.method.as_str() {
        "GET" => list(state, request),
        "DELETE" => disable(state, request),
        "POST" | "PUT" | "PATCH" => subscribe(state, request),
        _ => Reply::crm_error(
            405,
            "INVALID_REQUEST_METHOD",
            "The http request method type is not a valid one",
            json!({}),
        ),
    }
}

fn events_of(entry: &Map<String, Value>, state: &State) -> Result<Option<Vec<String>>, Reply> {
    let Some(events) = entry.get("events") else {
        return Ok(None);
    };
    let Some(list) = events.as_array().filter(|l| !l.is_empty()) else {
        return Err(invalid("invalid data", json!({"api_name": "events"})));
    };
    let mut events = Vec::new();
    for event in list {
        let text = event.as_str().unwrap_or_default();
        let valid = text.rsplit_once('.').is_some_and(|(module, op)| {
            state.crm.modules.contains_key(module) && matches!(op, "create" | "edit" | "delete" | "all")
        });
        if !valid {
            return Err(invalid("invalid data", json!({"api_name": "events", "value": text})));
        }
        events.push(text.to_owned());
    }
    Ok(Some(events))
}

fn conditions_of(entry: &Map<String, Value>) -> Result<Option<Conditions>, Reply> {
    let Some(list) = entry.get("notification_condition") else {
        return Ok(None);
    };
    let list = list.as_array().cloned().unwrap_or_default();
    if list.len() > MAX_CONDITION_OBJECTS {
        return Err(invalid(
            "invalid data",
            json!({"api_name": "notification_condition", "limit": MAX_CONDITION_OBJECTS}),
        ));
    }
    let mut conditions = Vec::new();
    for condition in &list {
        let module = condition["module"]["api_name"].as_str().unwrap_or_default().to_owned();
        let fields: Vec<String> = condition["field_selection"]["group"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|g| g["field"]["api_name"].as_str().map(str::to_owned))
            .collect();
        if condition["type"] != "field_selection" || module.is_empty() || fields.is_empty() {
            return Err(invalid("invalid data", json!({"api_name": "notification_condition"})));
        }
        conditions.push((module, fields));
    }
    if conditions.iter().map(|(_, f)| f.len()).sum::<usize>() > MAX_CONDITION_FIELDS {
        return Err(invalid(
            "invalid data",
            json!({"api_name": "field_selection", "limit": MAX_CONDITION_FIELDS}),
        ));
    }
    Ok(Some(conditions))
}

/// Zoho's expiry rule: missing or beyond a week falls back to one hour.
fn expiry_of(entry: &Map<String, Value>, now: i64) -> Result<Option<i64>, Reply> {
    let Some(value) = entry.get("channel_expiry") else {
        return Ok(None);
    };
    let Some(at) = value.as_str().and_then(crate::time::parse_iso) else {
        return Err(invalid("invalid data", json!({"api_name": "channel_expiry"})));
    };
    if at <= now {
        return Err(invalid(
            "invalid data",
            json!({"api_name": "channel_expiry", "reason": "in the past"}),
        ));
    }
    Ok(Some(if at - now > MAX_EXPIRY_SECONDS {
        now + DEFAULT_EXPIRY_SECONDS
    } else {
        at
    }))
}

fn token_of(entry: &Map<String, Value>) -> Result<Option<String>, Reply> {
    match entry.get("token") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(token)) if token.chars().count() <= MAX_TOKEN_LEN => Ok(Some(token.clone())),
        Some(_) => Err(invalid(
            "invalid data",
            json!({"api_name": "token", "maximum_length": MAX_TOKEN_LEN}),
        )),
    }
}

/// POST enables, PUT replaces, PATCH updates what it is given (clearing the token when it is
/// not), or removes events with `_delete_events`.
fn subscribe(state: &mut State, request: &RecordedRequest) -> Reply {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let Some(entries) = body.get("watch").and_then(Value::as_array).filter(|e| !e.is_empty()) else {
        return mandatory("watch");
    };
    let now = state.clock.now_unix();
    let mut answers = Vec::new();
    let mut updated: Vec<Channel> = Vec::new();
    for entry in entries {
        let Some(entry) = entry.as_object() else {
            return invalid("invalid data", json!({"api_name": "watch"}));
        };
        let Some(id) = channel_id(entry.get("channel_id")) else {
            return mandatory("channel_id");
        };
        let events = match events_of(entry, state) {
            Ok(events) => events,
            Err(reply) => return reply,
        };
        let (token, expiry, conditions) = match (token_of(entry), expiry_of(entry, now), conditions_of(entry)) {
            (Ok(t), Ok(e), Ok(c)) => (t, e, c),
            (Err(reply), ..) | (_, Err(reply), _) | (.., Err(reply)) => return reply,
        };
        let notify_url = entry.get("notify_url").and_then(Value::as_str).map(str::to_owned);
        let existing = state.crm.channels.iter().find(|c| c.id == id).cloned();
        let channel = match request.method.as_str() {
            "PATCH" => {
                let Some(mut channel) = existing else {
                    return invalid(
                        "invalid data",
                        json!({"api_name": "channel_id", "reason": "no such channel"}),
                    );
                };
                if entry.get("_delete_events").and_then(Value::as_bool) == Some(true) {
                    let drop = events.unwrap_or_default();
                    channel.events.retain(|e| !drop.contains(e));
                } else {
                    // v8 made `notify_url` mandatory on PATCH (docs
                    // `api/v8/notifications/update-info.html`); only `_delete_events` goes without.
                    if notify_url.is_none() {
                        return mandatory("notify_url");
                    }
                    if let Some(events) = events {
                        channel.events = events;
                    }
                    if let Some(url) = notify_url {
                        channel.notify_url = url;
                    }
                    if let Some(expiry) = expiry {
                        channel.expiry = expiry;
                    }
                    if let Some(conditions) = conditions {
                        channel.conditions = conditions;
                    }
                    // Zoho keeps no token that an update leaves out.
                    channel.token = token;
                }
                channel
            }
            _ => {
                let (Some(events), Some(notify_url)) = (events, notify_url) else {
                    return mandatory(if entry.contains_key("events") {
                        "notify_url"
                    } else {
                        "events"
                    });
                };
                Channel {
                    id: id.clone(),
                    events,
                    notify_url,
                    token,
                    expiry: expiry.unwrap_or(now + DEFAULT_EXPIRY_SECONDS),
                    conditions: conditions.unwrap_or_default(),
                }
            }
        };
        answers.push(json!({
            "code": "SUCCESS",
            "details": {"events": resources(state, &channel)},
            "message": "Successfully subscribed for actions-watch of the given module",
            "status": "success",
        }));
        updated.push(channel);
    }
    for channel in updated {
        state.crm.channels.retain(|c| c.id != channel.id);
        if !channel.events.is_empty() {
            state.crm.channels.push(channel);
        }
    }
    Reply::json(200, &json!({ "watch": answers }))
}

/// One entry per module a channel watches, as Zoho reports subscriptions.
fn resources(state: &State, channel: &Channel) -> Vec<Value> {
    let mut modules: Vec<&str> = channel
        .events
        .iter()
        .filter_map(|e| e.rsplit_once('.'))
        .map(|(m, _)| m)
        .collect();
    modules.dedup();
    modules
        .iter()
        .map(|module| {
            json!({
                "channel_expiry": crate::time::format_utc(channel.expiry),
                "resource_uri": format!("{}/crm/v8/{module}", state.base_url),
                "resource_id": format!("4876876000000{:06}", module.len() * 1000 + module.bytes().map(usize::from).sum::<usize>()),
                "resource_name": module,
                "channel_id": channel.id,
            })
        })
        .collect()
}

/// Zoho lists a channel once per module it watches: `resource_name`, `resource_id`,
/// `resource_uri` and that module's events (OAS `notifications.json` `Notification`), paged
/// with `info` (`page`, `per_page`, `count`, `more_records`).
fn list(state: &State, request: &RecordedRequest) -> Reply {
    let wanted_id = request.query_param("channel_id");
    let wanted_module = request.query_param("module");
    let page: usize = request
        .query_param("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let per_page: usize = request
        .query_param("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(200)
        .clamp(1, 200);
    let entries: Vec<Value> = state
        .crm
        .channels
        .iter()
        .filter(|c| wanted_id.is_none_or(|id| c.id == id))
        .flat_map(|c| {
            resources(state, c).into_iter().map(move |mut entry| {
                let module = entry["resource_name"].as_str().unwrap_or_default().to_owned();
                entry["events"] = json!(
                    c.events
                        .iter()
                        .filter(|e| e.rsplit_once('.').is_some_and(|(m, _)| m == module))
                        .collect::<Vec<_>>()
                );
                entry["notify_url"] = json!(c.notify_url);
                entry["token"] = json!(c.token);
                entry["notify_on_related_action"] = json!(false);
                entry["return_affected_field_values"] = json!(false);
                entry["notification_condition"] = json!(
                    c.conditions
                        .iter()
                        .filter(|(m, _)| *m == module)
                        .map(|(m, fields)| json!({
                            "type": "field_selection",
                            "module": {"api_name": m},
                            "field_selection": {
                                "group_operator": "or",
                                "group": fields.iter().map(|f| json!({"field": {"api_name": f}})).collect::<Vec<_>>(),
                            },
                        }))
                        .collect::<Vec<_>>()
                );
                entry
            })
        })
        .filter(|e| wanted_module.is_none_or(|m| e["resource_name"] == m))
        .collect();
    let shown: Vec<Value> = entries
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .cloned()
        .collect();
    if shown.is_empty() {
        return Reply::no_content();
    }
    let more = entries.len() > page * per_page;
    Reply::json(
        200,
        &json!({"watch": shown, "info": {"per_page": per_page, "page": page, "count": shown.len(), "more_records": more}}),
    )
}

fn disable(state: &mut State, request: &RecordedRequest) -> Reply {
    let Some(ids) = request.query_param("channel_ids") else {
        return Reply::crm_error(
            400,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            json!({"param_name": "channel_ids"}),
        );
    };
    let ids: Vec<String> = ids.split(',').map(str::to_owned).collect();
    let mut answers = Vec::new();
    for id in &ids {
        match state.crm.channels.iter().position(|c| &c.id == id) {
            Some(index) => {
                let channel = state.crm.channels.remove(index);
                answers.push(json!({
                    "code": "SUCCESS",
                    "details": {"events": resources(state, &channel)},
                    "message": "Successfully unsubscribed from actions-watch of the given module",
                    "status": "success",
                }));
            }
            None => answers.push(json!({
                "code": "INVALID_DATA",
                "details": {"channel_id": id},
                "message": "invalid data",
                "status": "error",
            })),
        }
    }
    let status = if answers.iter().all(|a| a["status"] == "error") {
        400
    } else {
        200
    };
    Reply::json(status, &json!({"watch": answers}))
}

/// Queues a notification for every live channel watching `operation` on `module`.
/// `changed` names the fields an update touched, for field-specific channels.
pub(crate) fn notify(state: &mut State, module: &str, operation: &str, ids: &[String], changed: &[String]) {
    if ids.is_empty() {
        return;
    }
    let now = state.clock.now_unix();
    let suffix = match operation {
        "insert" => "create",
        "update" => "edit",
        _ => "delete",
    };
    let mut queued = Vec::new();
    for channel in state.crm.channels.iter().filter(|c| c.expiry > now) {
        let watches = channel
            .events
            .iter()
            .any(|e| *e == format!("{module}.{suffix}") || *e == format!("{module}.all"));
        let condition = channel.conditions.iter().find(|(m, _)| m == module);
        let relevant = match (operation, condition) {
            ("update", Some((_, fields))) => changed.iter().any(|f| fields.contains(f)),
            _ => true,
        };
        if !(watches && relevant) {
            continue;
        }
        let channel_number = channel
            .id
            .parse::<u64>()
            .map_or_else(|_| json!(channel.id), |n| json!(n));
        queued.push(Delivery {
            url: channel.notify_url.clone(),
            body: json!({
                "server_time": now * 1000,
                "query_params": {},
                "module": module,
                "resource_uri": format!("{}/crm/v8/{module}", state.base_url),
                "ids": ids,
                "affected_fields": changed,
                "operation": operation,
                "channel_id": channel_number,
                "token": channel.token,
            }),
            outcome: None,
        });
    }
    state.crm.notifications_decided += queued.len();
    state.crm.outbox.extend(queued);
}

/// Starts the thread that posts deliveries in order, recording each outcome through `record`.
pub(crate) fn start_courier(record: impl Fn(Delivery) + Send + 'static) -> mpsc::Sender<Delivery> {
    let (sender, receiver) = mpsc::channel::<Delivery>();
    let _ = std::thread::Builder::new()
        .name("fake-zoho-notify".into())
        .spawn(move || {
            for mut delivery in receiver {
                delivery.outcome = Some(post(&delivery.url, &delivery.body));
                record(delivery);
            }
        });
    sender
}

/// POSTs a JSON body with plain HTTP/1.1: loopback listeners only, bounded by timeouts.
fn post(url: &str, body: &Value) -> Result<u16, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| "not delivered: the fake only posts to http:// URLs on loopback".to_owned())?;
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(a, p)| (a, format!("/{p}")));
    let address = authority
        .to_socket_addrs()
        .map_err(|e| format!("not delivered: {e}"))?
        .find(std::net::SocketAddr::is_ipv4)
        .filter(|a| a.ip().is_loopback())
        .ok_or_else(|| "not delivered: the fake only posts to loopback addresses".to_owned())?;
    let payload = body.to_string();
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(5)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\nUser-Agent: fake-zoho-notifications\r\n\r\n{payload}",
        payload.len()
    );
    stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| "the listener sent no HTTP status".to_owned())
}
