//! The actions on Zoho CRM's notification channels (the instant trigger's channels):
//! enable, list, renew, update and disable, over `crm::watch`.

use super::action::*;

use crate::crm::watch;

/// These actions, in manifest order (after `crm_related.rs`'s).
pub(super) static ACTIONS: &[Action] = &[
    Action {
        key: "crmEnableNotifications",
        label: "Enable Notifications",
        description: "Open a Notifications API channel: Zoho POSTs to notifyUrl when records of the named modules are created, edited or deleted. Returns the channel (with its token, to verify notifications and renew) and renewAt, a safe time to renew before it expires.",
        product: Product::Crm,
        inputs: watch::ENABLE_INPUTS,
        output_example: watch::CHANNEL_EXAMPLE,
        run: Run::Value(watch::run_enable),
    },
    Action {
        key: "crmListNotifications",
        label: "List Notifications",
        description: "The notification channels of the connection's user, with their events, notify URLs, expiry and renewAt (tokens are never shown).",
        product: Product::Crm,
        inputs: watch::LIST_INPUTS,
        output_example: r#"{"data":[{"channelId":"1000000068001","events":["Leads.all"],"notifyUrl":"https://hooks.example.com/zoho/4f1c","channelExpiry":"2026-03-28T19:20:28+00:00","renewAt":"2026-03-28T13:20:28+00:00","hasToken":true}]}"#,
        run: Run::Value(watch::run_list),
    },
    Action {
        key: "crmRenewNotifications",
        label: "Renew Notifications",
        description: "Push a channel's expiry out (at most a week), re-sending its events and token so Zoho keeps both.",
        product: Product::Crm,
        inputs: watch::RENEW_INPUTS,
        output_example: watch::CHANNEL_EXAMPLE,
        run: Run::Value(watch::run_renew),
    },
    Action {
        key: "crmUpdateNotifications",
        label: "Update Notifications",
        description: "Replace everything about a channel (events, notify URL, token, expiry, field conditions); what is not given is removed, as Zoho's PUT does.",
        product: Product::Crm,
        inputs: watch::UPDATE_INPUTS,
        output_example: watch::CHANNEL_EXAMPLE,
        run: Run::Value(watch::run_update),
    },
    Action {
        key: "crmDisableNotifications",
        label: "Disable Notifications",
        description: "Disable whole channels (channelIds), or stop some events of one channel (channelId with events) and keep the rest.",
        product: Product::Crm,
        inputs: watch::DISABLE_INPUTS,
        output_example: r#"{"data":[{"status":"success","code":"SUCCESS","message":"Successfully unsubscribed from actions-watch of the given module","details":{"events":[{"channel_id":"1000000068001","resource_name":"Leads"}]}}]}"#,
        run: Run::Value(watch::run_disable),
    },
];
