//! Zoho CRM's Notifications API (`/actions/watch`): opening, listing, renewing, updating and
//! disabling channels, with the inputs each takes (the channel actions, and the instant
//! trigger's manifest, list them).
//!
//! A channel expires (Zoho's limit is a week); every channel result carries `renewAt`, a time
//! safely before the expiry, so a host renews on its own schedule and the channel never goes
//! silent. Renewal re-sends the events and the token: Zoho clears a token that an update
//! leaves out.

use http::Method;
use serde_json::{Value, json};

use super::plans::id_of;
use crate::shared::error::{ApiError, Error};
use crate::shared::inputs::{InputSpec, InputType, Inputs};
use crate::shared::plan::RequiredScope;
use crate::shared::plan::{self, CRM_BASE, PlanMeta, Query, Repeatable};
use crate::shared::session::Session;
use crate::shared::validate;
use crate::shared::zoho;

/// Zoho's longest channel lifetime (v4 onward): one week.
pub const MAX_EXPIRY_HOURS: i64 = 168;
/// Zoho's longest verification token.
pub const MAX_TOKEN_LEN: usize = 50;
/// Length of a generated token: well above the 16 random characters asked for, under Zoho's 50.
const GENERATED_TOKEN_LEN: usize = 40;
/// Zoho's limits on field-specific notifications.
const MAX_CONDITION_MODULES: usize = 2;
const MAX_CONDITION_FIELDS: usize = 10;

const EVENTS: InputSpec = InputSpec::required(
    "events",
    "Events",
    InputType::StringList,
    "What to be notified of: Module.create, Module.edit, Module.delete or Module.all, for any module, custom ones included.",
)
.example("[\"Leads.create\", \"Deals.all\"]");
const NOTIFY_URL: InputSpec = InputSpec::required(
    "notifyUrl",
    "Notify URL",
    InputType::Text,
    "The URL Zoho POSTs each notification to.",
)
.example("\"https://hooks.example.com/zoho/4f1c\"");
const CHANNEL_ID: InputSpec = InputSpec::required(
    "channelId",
    "Channel ID",
    InputType::Id,
    "The channel's id, as the enable action returned it.",
)
.example("\"1000000068001\"")
.choices(&crate::shared::choices::CRM_CHANNEL);
const OPTIONAL_CHANNEL_ID: InputSpec = InputSpec::optional(
    "channelId",
    "Channel ID",
    InputType::Id,
    "The channel's id (digits); a random one is generated when omitted.",
)
.example("\"1000000068001\"");
const TOKEN: InputSpec = InputSpec::optional(
    "token",
    "Token",
    InputType::Text,
    "The secret Zoho sends back with every notification (at most 50 characters); a random 40-character one is generated when omitted.",
);
const REQUIRED_TOKEN: InputSpec = InputSpec::required(
    "token",
    "Token",
    InputType::Text,
    "The channel's token; it must be sent again, or Zoho clears it.",
);
const EXPIRY_HOURS: InputSpec = InputSpec::optional(
    "expiryHours",
    "Expiry (hours)",
    InputType::Integer {
        min: 1,
        max: MAX_EXPIRY_HOURS,
    },
    "Hours until the channel expires, at most Zoho's week (168).",
)
.default("24");
const FIELDS: InputSpec = InputSpec::optional(
    "fields",
    "Fields",
    InputType::StringList,
    "Field-specific notifications: notify of edits only when these fields change, as Module.Field (or Field when the events name one module); at most 10 fields in 2 modules.",
)
.example("[\"Deals.Stage\", \"Deals.Amount\"]");

/// The inputs of `crmEnableNotifications`, also the instant trigger's.
pub const ENABLE_INPUTS: &[InputSpec] = &[EVENTS, NOTIFY_URL, OPTIONAL_CHANNEL_ID, TOKEN, EXPIRY_HOURS, FIELDS];
pub const LIST_INPUTS: &[InputSpec] = &[
    InputSpec::optional("channelId", "Channel ID", InputType::Id, "Only this channel."),
    InputSpec::optional(
        "module",
        "Module",
        InputType::ApiName,
        "Only channels watching this module.",
    ),
];
/// Renewal must name the notify URL again: v8's `PATCH /actions/watch` takes `notify_url` as
/// mandatory (docs `api/v8/notifications/update-info.html`). When the caller does not have it,
/// renewal reads it off the channel first.
const RENEW_NOTIFY_URL: InputSpec = InputSpec::optional(
    "notifyUrl",
    "Notify URL",
    InputType::Text,
    "The channel's notify URL; read from Zoho's channel list when omitted (one more call).",
)
.example("\"https://hooks.example.com/zoho/4f1c\"");
pub const RENEW_INPUTS: &[InputSpec] = &[CHANNEL_ID, EVENTS, REQUIRED_TOKEN, EXPIRY_HOURS, RENEW_NOTIFY_URL];
pub const UPDATE_INPUTS: &[InputSpec] = &[CHANNEL_ID, EVENTS, NOTIFY_URL, TOKEN, EXPIRY_HOURS, FIELDS];
pub const DISABLE_INPUTS: &[InputSpec] = &[
    InputSpec::optional(
        "channelIds",
        "Channel IDs",
        InputType::StringList,
        "Channels to disable entirely.",
    )
    .example("[\"1000000068001\"]")
    .choices(&crate::shared::choices::CRM_CHANNELS),
    InputSpec::optional(
        "channelId",
        "Channel ID",
        InputType::Id,
        "With events: the channel to stop some events on, keeping the rest.",
    ),
    InputSpec::optional(
        "events",
        "Events",
        InputType::StringList,
        "With channelId: the events to drop, e.g. Leads.delete.",
    ),
];

/// Output example shared by the actions that return a channel.
pub const CHANNEL_EXAMPLE: &str = r#"{"data":{"channelId":"1000000068001","events":["Leads.all"],"notifyUrl":"https://hooks.example.com/zoho/4f1c","token":"(the channel's secret token)","channelExpiry":"2026-03-28T19:20:28+00:00","renewAt":"2026-03-28T13:20:28+00:00","resources":[{"module":"Leads","resourceId":"4150868000000002175","resourceUri":"https://www.zohoapis.com/crm/v8/Leads"}]}}"#;

fn watch_plan(method: Method, query: &Query, body: Option<&Value>) -> Result<http::Request<Vec<u8>>, Error> {
    plan::request(
        method.clone(),
        plan::path(CRM_BASE, &["actions", "watch"]),
        query,
        body,
        PlanMeta {
            // Enabling twice could fail on the second try or double-subscribe; only enabling
            // is a write whose repeat is not harmless.
            repeatable: if method == Method::POST {
                Repeatable::No
            } else {
                Repeatable::Yes
            },
            scope: Some(RequiredScope("ZohoCRM.notifications.ALL".into())),
        },
    )
}

/// Checks `Module.operation` event names.
fn events(inputs: &Inputs, name: &str) -> Result<Vec<String>, Error> {
    let events = inputs.list(name).unwrap_or_default();
    if events.is_empty() {
        return Err(Error::invalid(name, "needs at least one event, e.g. Leads.create"));
    }
    for (i, event) in events.iter().enumerate() {
        let input = format!("{name}[{i}]");
        let (module, operation) = event.rsplit_once('.').ok_or_else(|| {
            Error::invalid(
                &input,
                "must be Module.create, Module.edit, Module.delete or Module.all",
            )
        })?;
        validate::module_name(&input, module)?;
        if !matches!(operation, "create" | "edit" | "delete" | "all") {
            return Err(Error::invalid(&input, "must end in .create, .edit, .delete or .all"));
        }
    }
    Ok(events)
}

fn notify_url(inputs: &Inputs) -> Result<String, Error> {
    checked_notify_url(inputs.required_text("notifyUrl")?)
}

fn checked_notify_url(url: &str) -> Result<String, Error> {
    let valid = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2048
        && url.parse::<http::Uri>().is_ok_and(|u| u.host().is_some())
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(url.to_owned())
    } else {
        Err(Error::invalid("notifyUrl", "must be an http(s) URL Zoho can POST to"))
    }
}

/// The given token, checked, or a fresh random one.
fn token(session: &mut Session, given: Option<&str>) -> Result<String, Error> {
    match given {
        Some(token) => {
            let valid = !token.is_empty()
                && token.chars().count() <= MAX_TOKEN_LEN
                && token.chars().all(|c| c.is_ascii_graphic());
            if !valid {
                return Err(Error::invalid(
                    "token",
                    format!("must be 1 to {MAX_TOKEN_LEN} printable ASCII characters without spaces"),
                ));
            }
            Ok(token.to_owned())
        }
        None => {
            const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
            // 62 letters: drawing from bytes below 248 (= 4 * 62) keeps every letter equally likely.
            let mut token = String::with_capacity(GENERATED_TOKEN_LEN);
            while token.len() < GENERATED_TOKEN_LEN {
                for byte in session.random_bytes(GENERATED_TOKEN_LEN * 2) {
                    if byte < 248 && token.len() < GENERATED_TOKEN_LEN {
                        token.push(char::from(ALPHABET[usize::from(byte) % ALPHABET.len()]));
                    }
                }
            }
            Ok(token)
        }
    }
}

/// The given channel id, or a random 15-digit one (below 2^53, so JavaScript hosts keep it exact).
fn channel_id(session: &mut Session, given: Option<&str>) -> Result<String, Error> {
    if let Some(id) = given {
        if id.len() > 18 {
            return Err(Error::invalid(
                "channelId",
                "must have at most 18 digits (Zoho stores it as a long)",
            ));
        }
        return Ok(id.to_owned());
    }
    let bytes = session.random_bytes(8);
    let mut raw = [0_u8; 8];
    raw.copy_from_slice(&bytes[..8.min(bytes.len())]);
    Ok((100_000_000_000_000 + u64::from_le_bytes(raw) % 900_000_000_000_000).to_string())
}

/// Zoho's `notification_condition` for field-specific notifications.
fn conditions(inputs: &Inputs, events: &[String]) -> Result<Option<Value>, Error> {
    let Some(fields) = inputs.list("fields").filter(|f| !f.is_empty()) else {
        return Ok(None);
    };
    let mut modules: Vec<String> = events
        .iter()
        .filter_map(|e| e.rsplit_once('.'))
        .map(|(m, _)| m.to_owned())
        .collect();
    modules.dedup();
    let mut by_module: Vec<(String, Vec<String>)> = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        let input = format!("fields[{i}]");
        let (module, field) = match field.split_once('.') {
            Some((module, field)) => (module.to_owned(), field.to_owned()),
            None if modules.len() == 1 => (modules[0].clone(), field.clone()),
            None => {
                return Err(Error::invalid(
                    &input,
                    "must name the module too (Module.Field): the events watch several modules",
                ));
            }
        };
        validate::module_name(&input, &module)?;
        validate::field_name(&input, &field)?;
        match by_module.iter_mut().find(|(m, _)| *m == module) {
            Some((_, list)) => list.push(field),
            None => by_module.push((module, vec![field])),
        }
    }
    if by_module.len() > MAX_CONDITION_MODULES || fields.len() > MAX_CONDITION_FIELDS {
        return Err(Error::invalid(
            "fields",
            format!(
                "may name at most {MAX_CONDITION_FIELDS} fields in {MAX_CONDITION_MODULES} modules, as Zoho allows"
            ),
        ));
    }
    Ok(Some(Value::Array(
        by_module
            .into_iter()
            .map(|(module, fields)| {
                json!({
                    "type": "field_selection",
                    "module": {"api_name": module},
                    "field_selection": {
                        "group_operator": "or",
                        "group": fields.iter().map(|f| json!({"field": {"api_name": f}})).collect::<Vec<_>>(),
                    },
                })
            })
            .collect(),
    )))
}

/// `channelId` as Zoho takes it: a JSON number (a long).
fn channel_number(id: &str) -> Value {
    id.parse::<u64>().map_or_else(|_| json!(id), |n| json!(n))
}

/// The requested expiry, by the host's clock (Zoho's answer gives the real one).
fn requested_expiry(session: &mut Session, inputs: &Inputs) -> String {
    let hours = i64::from(inputs.u32("expiryHours").unwrap_or(24)).clamp(1, MAX_EXPIRY_HOURS);
    let now = i64::try_from(session.unix_now()).unwrap_or(0);
    crate::shared::time::format_utc(now + hours * 3600)
}

/// A time safely before `expiry`: a quarter of the lifetime ahead of it, at least 10 minutes
/// and at most 6 hours, so a renewal has room for retries and a missed schedule.
fn renew_at(now: i64, expiry: i64) -> i64 {
    let margin = ((expiry - now) / 4).clamp(600, 6 * 3600);
    (expiry - margin).max(now)
}

/// Reads a watch answer: `{"watch": [{code, details: {events: [...]}, message, status}]}`.
fn watch_entries(response: &http::Response<Vec<u8>>, scope: Option<&RequiredScope>) -> Result<Vec<Value>, Error> {
    if response.status() == http::StatusCode::NO_CONTENT {
        return Ok(Vec::new());
    }
    let body: Option<Value> = serde_json::from_slice(response.body()).ok();
    let entries = body
        .as_ref()
        .and_then(|b| b.get("watch"))
        .and_then(Value::as_array)
        .cloned();
    let Some(entries) = entries else {
        return Err(if response.status().is_success() {
            Error::decode("Zoho's answer has no `watch` list")
        } else {
            zoho::error_from_response(response, scope)
        });
    };
    for entry in &entries {
        if entry.get("status").and_then(Value::as_str) == Some("error") {
            let api = ApiError {
                status: response.status().as_u16(),
                code: entry.get("code").and_then(Value::as_str).unwrap_or("ERROR").to_owned(),
                message: entry
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                details: entry.get("details").cloned().map(Box::new),
            };
            return Err(zoho::classify(api, None, scope));
        }
    }
    if !response.status().is_success() {
        return Err(zoho::error_from_response(response, scope));
    }
    Ok(entries)
}

/// What a subscribing call asked Zoho for.
struct Requested<'a> {
    id: &'a str,
    events: &'a [String],
    notify_url: Option<&'a str>,
    token: &'a str,
    expiry: &'a str,
}

/// What Zoho said about one subscribed channel, plus what the caller needs to renew it.
fn channel_document(
    session: &mut Session,
    response: &http::Response<Vec<u8>>,
    entries: &[Value],
    requested: &Requested,
) -> Value {
    let Requested {
        id,
        events,
        notify_url,
        token,
        expiry: requested_expiry,
    } = *requested;
    let subscribed: Vec<&Value> = entries
        .iter()
        .filter_map(|e| e.get("details")?.get("events")?.as_array())
        .flatten()
        .collect();
    // The earliest expiry Zoho reports is the channel's (it may have shortened what we asked).
    let expiry_text = subscribed
        .iter()
        .filter_map(|e| e.get("channel_expiry").and_then(Value::as_str))
        .min_by_key(|text| crate::shared::time::parse_iso(text).unwrap_or(i64::MAX))
        .unwrap_or(requested_expiry)
        .to_owned();
    let expiry = crate::shared::time::parse_iso(&expiry_text).unwrap_or(0);
    let now = zoho::server_time(response).unwrap_or_else(|| i64::try_from(session.unix_now()).unwrap_or(0));
    json!({"data": {
        "channelId": id,
        "events": events,
        "notifyUrl": notify_url,
        "token": token,
        "channelExpiry": expiry_text,
        "renewAt": crate::shared::time::format_utc(renew_at(now, expiry)),
        "resources": subscribed.iter().map(|e| json!({
            "module": e.get("resource_name"),
            "resourceId": e.get("resource_id"),
            "resourceUri": e.get("resource_uri"),
        })).collect::<Vec<_>>(),
    }})
}

/// `crmEnableNotifications`: `POST /actions/watch`.
pub fn run_enable(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    subscribe(session, inputs, Method::POST)
}

/// `crmUpdateNotifications`: `PUT /actions/watch`, which replaces everything about the channel.
pub fn run_update(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    subscribe(session, inputs, Method::PUT)
}

fn subscribe(session: &mut Session, inputs: &Inputs, method: Method) -> Result<Value, Error> {
    let events = events(inputs, "events")?;
    let notify_url = notify_url(inputs)?;
    let conditions = conditions(inputs, &events)?;
    let id = channel_id(session, inputs.text("channelId"))?;
    let token = token(session, inputs.text("token"))?;
    session.keep_secret(&token);
    let expiry = requested_expiry(session, inputs);
    let requested = Requested {
        id: &id,
        events: &events,
        notify_url: Some(&notify_url),
        token: &token,
        expiry: &expiry,
    };
    send_channel(session, method, &requested, conditions)
}

/// Sends one channel to `/actions/watch` with `method`: its id, events, expiry, token and
/// notify URL (and field conditions, when given), and returns the channel as Zoho took it.
fn send_channel(
    session: &mut Session,
    method: Method,
    requested: &Requested<'_>,
    conditions: Option<Value>,
) -> Result<Value, Error> {
    let mut channel = json!({
        "channel_id": channel_number(requested.id),
        "events": requested.events,
        "channel_expiry": requested.expiry,
        "token": requested.token,
        "notify_url": requested.notify_url,
    });
    if let Some(conditions) = conditions {
        channel["notification_condition"] = conditions;
    }
    let plan = watch_plan(method, &Query::new(), Some(&json!({ "watch": [channel] })))?;
    let response = session.send(&plan)?;
    let entries = watch_entries(&response, plan.extensions().get())?;
    Ok(channel_document(session, &response, &entries, requested))
}

/// `crmRenewNotifications`: `PATCH /actions/watch` with the events, the notify URL, the token
/// and a new expiry. Zoho clears a token a PATCH leaves out, and refuses one without
/// `notify_url` (v8), so both always go along.
pub fn run_renew(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let events = events(inputs, "events")?;
    let id = inputs.required_text("channelId")?.to_owned();
    validate::record_id("channelId", &id)?;
    let token = token(session, Some(inputs.required_text("token")?))?;
    session.keep_secret(&token);
    let notify_url = match inputs.text("notifyUrl") {
        Some(url) => checked_notify_url(url)
            .map_err(|_| Error::invalid("notifyUrl", "must be an http(s) URL Zoho can POST to"))?,
        None => registered_notify_url(session, &id)?,
    };
    let expiry = requested_expiry(session, inputs);
    let requested = Requested {
        id: &id,
        events: &events,
        notify_url: Some(&notify_url),
        token: &token,
        expiry: &expiry,
    };
    send_channel(session, Method::PATCH, &requested, None)
}

/// The notify URL Zoho has for channel `id` (`GET /actions/watch?channel_id=`).
fn registered_notify_url(session: &mut Session, id: &str) -> Result<String, Error> {
    let mut query = Query::new();
    query.push("channel_id", id);
    let (channels, _) = list_channels(session, &query)?;
    channels
        .into_iter()
        .find(|c| c.id == id)
        .and_then(|c| c.notify_url)
        .ok_or_else(|| {
            Error::invalid(
                "channelId",
                "names no channel Zoho has (it expired or was disabled): enable it again",
            )
        })
}

/// One channel as Zoho lists it: Zoho answers one entry per channel and module
/// (`resource_name`, that module's events; OAS `notifications.json` `Notification`), so the
/// entries of one channel are merged back into one.
#[derive(Debug, Default)]
struct ListedChannel {
    id: String,
    events: Vec<String>,
    notify_url: Option<String>,
    /// The earliest expiry any of its entries reports.
    expiry: Option<(i64, String)>,
    has_token: bool,
    modules: Vec<String>,
}

/// Zoho's documented page size limit for `GET /actions/watch` is not published; 200 is the
/// largest `per_page` Zoho's list endpoints take, and pages are walked until `more_records`
/// is false, with a bound so a misbehaving answer cannot loop forever.
const LIST_PER_PAGE: u32 = 200;
const LIST_MAX_PAGES: u32 = 50;

/// The channels, and Zoho's clock when it answered (for `renewAt`).
fn list_channels(session: &mut Session, filter: &Query) -> Result<(Vec<ListedChannel>, Option<i64>), Error> {
    let mut channels: Vec<ListedChannel> = Vec::new();
    let mut server_now = None;
    for page in 1..=LIST_MAX_PAGES {
        let mut query = filter.clone();
        query
            .push("page", page.to_string())
            .push("per_page", LIST_PER_PAGE.to_string());
        let plan = watch_plan(Method::GET, &query, None)?;
        let response = session.send(&plan)?;
        server_now = server_now.or_else(|| zoho::server_time(&response));
        let entries = watch_entries(&response, plan.extensions().get())?;
        for entry in &entries {
            merge_entry(&mut channels, entry);
        }
        let body: Option<Value> = serde_json::from_slice(response.body()).ok();
        let more = body
            .as_ref()
            .and_then(|b| b.get("info")?.get("more_records")?.as_bool())
            .unwrap_or(false);
        if !more || entries.is_empty() {
            break;
        }
    }
    Ok((channels, server_now))
}

fn merge_entry(channels: &mut Vec<ListedChannel>, entry: &Value) {
    let Some(id) = id_of(entry.get("channel_id")) else {
        return;
    };
    let index = match channels.iter().position(|c| c.id == id) {
        Some(index) => index,
        None => {
            channels.push(ListedChannel {
                id,
                ..ListedChannel::default()
            });
            channels.len() - 1
        }
    };
    let channel = &mut channels[index];
    for event in entry.get("events").and_then(Value::as_array).into_iter().flatten() {
        if let Some(event) = event
            .as_str()
            .filter(|e| !channel.events.iter().any(|known| known == e))
        {
            channel.events.push(event.to_owned());
        }
    }
    if channel.notify_url.is_none() {
        channel.notify_url = entry.get("notify_url").and_then(Value::as_str).map(str::to_owned);
    }
    if let Some(text) = entry.get("channel_expiry").and_then(Value::as_str)
        && let Some(at) = crate::shared::time::parse_iso(text)
        && channel.expiry.as_ref().is_none_or(|(known, _)| at < *known)
    {
        channel.expiry = Some((at, text.to_owned()));
    }
    channel.has_token |= entry
        .get("token")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty());
    if let Some(module) = entry.get("resource_name").and_then(Value::as_str)
        && !channel.modules.iter().any(|m| m == module)
    {
        channel.modules.push(module.to_owned());
    }
}

/// `crmListNotifications`: `GET /actions/watch`, one row per channel with all its events.
/// Tokens are never shown.
pub fn run_list(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let mut query = Query::new();
    query
        .push_opt("channel_id", inputs.text("channelId"))
        .push_opt("module", inputs.text("module"));
    let (listed, server_now) = list_channels(session, &query)?;
    let now = server_now.unwrap_or_else(|| i64::try_from(session.unix_now()).unwrap_or(0));
    let channels: Vec<Value> = listed
        .into_iter()
        .map(|channel| {
            json!({
                "channelId": channel.id,
                "events": channel.events,
                "notifyUrl": channel.notify_url,
                "channelExpiry": channel.expiry.as_ref().map(|(_, text)| text.clone()),
                "renewAt": channel.expiry.as_ref().map(|(at, _)| crate::shared::time::format_utc(renew_at(now, *at))),
                "hasToken": channel.has_token,
                "modules": channel.modules,
            })
        })
        .collect();
    Ok(json!({ "data": channels }))
}

/// `crmDisableNotifications`: whole channels (`DELETE ?channel_ids=`), or some events of one
/// channel (`PATCH` with `_delete_events`).
pub fn run_disable(session: &mut Session, inputs: &Inputs) -> Result<Value, Error> {
    let channel_ids = inputs.list("channelIds").filter(|ids| !ids.is_empty());
    let plan = match (channel_ids, inputs.text("channelId"), inputs.value("events")) {
        (Some(ids), None, None) => {
            for (i, id) in ids.iter().enumerate() {
                validate::record_id(&format!("channelIds[{i}]"), id)?;
            }
            let mut query = Query::new();
            query.push("channel_ids", ids.join(","));
            watch_plan(Method::DELETE, &query, None)?
        }
        (None, Some(id), Some(_)) => {
            let events = events(inputs, "events")?;
            let body = json!({"watch": [{"channel_id": channel_number(id), "events": events, "_delete_events": true}]});
            watch_plan(Method::PATCH, &Query::new(), Some(&body))?
        }
        _ => {
            return Err(Error::invalid(
                "channelIds",
                "are required to disable whole channels, or channelId with events to drop some events",
            ));
        }
    };
    let response = session.send(&plan)?;
    let entries = watch_entries(&response, plan.extensions().get())?;
    Ok(json!({"data": entries.iter().map(|entry| json!({
        "status": entry.get("status"),
        "code": entry.get("code"),
        "message": entry.get("message"),
        "details": entry.get("details"),
    })).collect::<Vec<_>>()}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_comes_well_before_expiry() {
        let now = 1_000_000;
        assert_eq!(renew_at(now, now + 24 * 3600), now + 18 * 3600);
        assert_eq!(renew_at(now, now + 168 * 3600), now + 162 * 3600);
        assert_eq!(renew_at(now, now + 3600), now + 2700);
        assert_eq!(renew_at(now, now + 60), now);
    }
}
