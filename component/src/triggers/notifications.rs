//! Instant triggers through Zoho CRM's Notifications API: each body Zoho POSTs to a channel's
//! notify URL, verified against the channel's token and turned into events (the channels
//! themselves are opened and renewed in `crm::watch`).

use serde_json::{Map, Value, json};

use super::changes::{PollOutcome, record_event};
use crate::crm;
use crate::crm::id_of;
use crate::shared::error::Error;
use crate::shared::session::Session;
use crate::shared::validate;

/// Compares two secrets in time that depends only on their lengths, not on where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut difference = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        difference |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xff));
    }
    difference == 0
}

/// What a handled notification needs of the channel.
struct Channel {
    id: String,
    token: String,
    expiry: Option<String>,
    renew_at: Option<String>,
}

fn channel(text: &str) -> Result<Channel, Error> {
    let invalid = |message: &str| Error::invalid("channel", message);
    let mut value: Value = serde_json::from_str(text)
        .map_err(|_| invalid("must be the JSON the crmEnableNotifications action returned"))?;
    // The action's whole output, or just its `data`, both name the channel.
    if let Some(data) = value.get_mut("data").map(Value::take) {
        value = data;
    }
    let id = id_of(value.get("channelId")).ok_or_else(|| invalid("has no `channelId`"))?;
    let token = value
        .get("token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            invalid("has no `token`: without it no notification can be verified; renew or update the channel with one")
        })?
        .to_owned();
    let text_of = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    Ok(Channel {
        id,
        token,
        expiry: text_of("channelExpiry"),
        renew_at: text_of("renewAt"),
    })
}

/// Turns one notification body into events for `connection` (the `handle-notification` export).
pub fn handle(session: &mut Session, channel_text: &str, body_text: &str) -> Result<PollOutcome, Error> {
    let channel = channel(channel_text)?;
    session.keep_secret(&channel.token);
    let refused = || {
        Error::invalid(
            "body",
            "was not sent for this channel: its channel id or token does not match, so it was not processed",
        )
    };
    let body: Value = serde_json::from_str(body_text).map_err(|_| Error::invalid("body", "is not a JSON object"))?;
    let body_channel = id_of(body.get("channel_id")).unwrap_or_default();
    let body_token = body.get("token").and_then(Value::as_str).unwrap_or_default();
    // Both comparisons always run, so timing does not tell which one failed.
    let channel_ok = same_secret(&body_channel, &channel.id);
    let token_ok = same_secret(body_token, &channel.token);
    if !(channel_ok & token_ok) {
        return Err(refused());
    }
    let module = body
        .get("module")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::invalid("body", "has no `module`"))?;
    validate::module_name("body.module", module)?;
    let event = match body.get("operation").and_then(Value::as_str) {
        Some("insert" | "create") => "created",
        Some("update" | "edit") => "updated",
        Some("delete") => "deleted",
        _ => return Err(Error::invalid("body.operation", "must be insert, update or delete")),
    };
    let ids: Vec<String> = body
        .get("ids")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::invalid("body.ids", "must be a list of record ids"))?
        .iter()
        .map(|id| id_of(Some(id)).ok_or_else(|| Error::invalid("body.ids", "must hold record ids (digits)")))
        .collect::<Result<_, _>>()?;
    let events = if event == "deleted" {
        let deleted_time = body.get("server_time").and_then(server_time_text);
        ids.iter()
            .map(|id| {
                let mut event = Map::new();
                event.insert("event".into(), json!("deleted"));
                event.insert("id".into(), json!(id));
                if let Some(time) = &deleted_time {
                    event.insert("deletedTime".into(), json!(time));
                }
                Value::Object(event)
            })
            .collect()
    } else {
        let mut records = crm::get_records_by_ids(session, module, &ids, None)?;
        ids.iter()
            .map(|id| {
                // A record deleted before it could be fetched still had this change.
                let record = records.remove(id).map_or_else(|| json!({"id": id}), Value::Object);
                record_event(event, id, record)
            })
            .collect()
    };
    let now = i64::try_from(session.unix_now()).unwrap_or(0);
    let due = |text: &Option<String>| {
        text.as_deref()
            .and_then(crate::shared::time::parse_iso)
            .is_some_and(|t| now >= t)
    };
    let state = json!({
        "channelId": channel.id,
        "channelExpiry": channel.expiry,
        "renewAt": channel.renew_at,
        "renewDue": due(&channel.renew_at),
        "expired": due(&channel.expiry),
    });
    Ok(PollOutcome {
        events,
        state: state.to_string(),
        more: false,
    })
}

/// Zoho's `server_time` (milliseconds since the epoch, or already a date-time) as ISO text.
fn server_time_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .map(|ms| crate::shared::time::format_utc(ms.div_euclid(1000))),
        Value::String(s) if crate::shared::time::parse_iso(s).is_some() => Some(s.clone()),
        Value::String(s) => s
            .parse::<i64>()
            .ok()
            .map(|ms| crate::shared::time::format_utc(ms.div_euclid(1000))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_equal_only_when_identical() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert!(!same_secret("", "a"));
        assert!(same_secret("", ""));
    }
}
