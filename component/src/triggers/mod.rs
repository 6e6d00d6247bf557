//! Triggers: the catalog the `triggers` interface lists, and one poll of a polling trigger.
//!
//! Every polling trigger follows the same contract: a first poll (no state) anchors at Zoho's
//! clock (the `Date` of its answer) and returns only the `backfill` asked for; each later poll
//! returns the changes after the position in its state, in (time, id) order, at most
//! `maxEvents` of them, and a state at the last change returned, never further. Changes in the
//! last `SETTLE_SECONDS` (2) of Zoho's clock are left for the next poll: a record saved in the
//! same second as the newest one seen could still become visible after the poll looked, and
//! taking the second before it is complete would skip it.

mod books_poll;
mod changes;
mod crm_poll;
mod deleted;
pub mod notifications;
pub mod position;
mod snapshot;

use serde_json::Value;

use crate::shared::choices;
use crate::shared::common_inputs::{ORGANIZATION_ID, call_options, with_common_inputs};
use crate::shared::error::Error;
use crate::shared::host::Host;
use crate::shared::inputs::{InputSpec, InputType, Inputs};
use crate::shared::product::Product;
use crate::shared::session::Session;
use changes::Change;
pub use changes::PollOutcome;

/// How a trigger learns about changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Polling,
    /// Zoho POSTs to the platform, on a channel these actions open, renew and close.
    Instant(ChannelActions),
}

/// The action keys an instant trigger's channel lives by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelActions {
    pub open: &'static str,
    pub renew: &'static str,
    pub close: &'static str,
}

type Poll = fn(&mut Session, &Inputs, &'static str, Option<&str>) -> Result<PollOutcome, Error>;

/// One trigger of the catalog.
#[derive(Debug)]
pub struct Trigger {
    pub key: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    pub product: Product,
    pub kind: Kind,
    pub inputs: &'static [InputSpec],
    pub output_example: &'static str,
    /// `None` for instant triggers, which are driven by notifications instead.
    poll: Option<Poll>,
}

impl Trigger {
    /// The JSON Schema of this trigger's input, including the shared inputs.
    pub fn input_schema(&self) -> Value {
        crate::shared::inputs::schema(&self.all_inputs())
    }

    fn all_inputs(&self) -> Vec<InputSpec> {
        with_common_inputs(self.inputs)
    }

    /// The JSON Schema of the events, read off the example.
    pub fn output_schema(&self) -> Value {
        let example = serde_json::from_str(self.output_example).unwrap_or(Value::Null);
        crate::shared::output_schema::from_example(&example)
    }

    /// The inputs whose choices an action lists, by name.
    pub fn choices(&self) -> Vec<(&'static str, &'static choices::ChoiceSource)> {
        self.all_inputs()
            .iter()
            .filter_map(|spec| spec.choices.map(|source| (spec.name, source)))
            .collect()
    }
}

const RECORD_TYPE: InputSpec = InputSpec::required(
    "recordType",
    "Record Type",
    InputType::ApiName,
    "The module's API name, standard or custom, e.g. Leads, Deals, Projects__c.",
)
.example("\"Leads\"")
.choices(&choices::CRM_MODULES);
const FIELDS: InputSpec = InputSpec::optional(
    "fields",
    "Fields",
    InputType::StringList,
    "Fields each event's record carries (API names); every field of the module when omitted.",
)
.example("[\"Last_Name\", \"Email\", \"Company\"]")
.choices(&choices::CRM_FIELDS);
const MAX_EVENTS_INPUT: InputSpec = InputSpec::optional(
    "maxEvents",
    "Max Events",
    InputType::Integer { min: 1, max: 1_000 },
    "Most events one poll returns; when more are waiting, the result says `more` and the next poll continues.",
)
.default("200");
const BACKFILL: InputSpec = InputSpec::optional(
    "backfill",
    "Backfill",
    InputType::Integer { min: 0, max: 1_000 },
    "On the first poll only: also return up to this many of the most recent matching records as events.",
)
.default("0");
const BOOKS_RECORD_TYPE: InputSpec = InputSpec::required(
    "recordType",
    "Record Type",
    InputType::BooksPath,
    "The Books record type: contacts, invoices, bills, items, salesorders, estimates, expenses, ...",
)
.example("\"invoices\"")
.choices(&choices::BOOKS_RECORD_TYPES);
const CRM_CHANGE_INPUTS: &[InputSpec] = &[RECORD_TYPE, FIELDS, MAX_EVENTS_INPUT, BACKFILL];
/// The same `fields` input as the other CRM polling triggers, so a platform can pass one set of
/// inputs to all three; a deleted record's own fields are gone, so only the deleted-records
/// list's fields can be carried.
const DELETED_FIELDS: InputSpec = InputSpec::optional(
    "fields",
    "Fields",
    InputType::StringList,
    "Fields of Zoho's deleted-records entry each event carries in `record`: deleted_by, display_name, type, created_by, deleted_time (a deleted record's own fields are gone; other names are ignored).",
)
.example("[\"display_name\", \"deleted_by\", \"type\"]");
const CRM_DELETED_INPUTS: &[InputSpec] = &[RECORD_TYPE, DELETED_FIELDS, MAX_EVENTS_INPUT, BACKFILL];
const BOOKS_INPUTS: &[InputSpec] = &[BOOKS_RECORD_TYPE, ORGANIZATION_ID, MAX_EVENTS_INPUT, BACKFILL];

/// The names of a trigger's inputs, shared ones included.
#[cfg(test)]
pub(crate) fn input_names(trigger: &Trigger) -> Vec<&'static str> {
    trigger.all_inputs().iter().map(|s| s.name).collect()
}

/// Every trigger, in manifest order.
pub static CATALOG: &[Trigger] = &[
    Trigger {
        key: "crmNewRecords",
        label: "New Records",
        description: "Records created in any CRM module, custom modules included, each exactly once, oldest first.",
        product: Product::Crm,
        kind: Kind::Polling,
        inputs: CRM_CHANGE_INPUTS,
        output_example: r#"[{"event":"created","id":"4150868000000624001","record":{"id":"4150868000000624001","Last_Name":"Boyle","Email":"p.boyle@zylker.com","Created_Time":"2026-03-27T19:20:28+05:30","Modified_Time":"2026-03-27T19:20:28+05:30"}}]"#,
        poll: Some(|session, inputs, key, state| crm_poll::poll(session, inputs, key, state, Change::New)),
    },
    Trigger {
        key: "crmUpdatedRecords",
        label: "Updated Records",
        description: "Records edited after their creation in any CRM module, once per poll in which they changed, in the order of their last change. A record created and never edited is only reported as new.",
        product: Product::Crm,
        kind: Kind::Polling,
        inputs: CRM_CHANGE_INPUTS,
        output_example: r#"[{"event":"updated","id":"4150868000000624001","record":{"id":"4150868000000624001","Last_Name":"Boyle","Lead_Status":"Contacted","Created_Time":"2026-03-27T19:20:28+05:30","Modified_Time":"2026-03-28T09:02:11+05:30"}}]"#,
        poll: Some(|session, inputs, key, state| crm_poll::poll(session, inputs, key, state, Change::Updated)),
    },
    Trigger {
        key: "crmDeletedRecords",
        label: "Deleted Records",
        description: "Records deleted from any CRM module (recycle bin and permanent deletions), from Zoho's deleted-records list.",
        product: Product::Crm,
        kind: Kind::Polling,
        inputs: CRM_DELETED_INPUTS,
        output_example: r#"[{"event":"deleted","id":"4150868000000624001","deletedTime":"2026-03-29T10:00:00+05:30","deletedBy":{"name":"Patricia Boyle","id":"4150868000000225013"},"displayName":"Boyle"}]"#,
        poll: Some(deleted::poll),
    },
    Trigger {
        key: "booksNewRecords",
        label: "New Books Records",
        description: "Books records created (contacts, invoices, bills, items, sales orders, ...), by their created_time, oldest first. Each event carries the record as Books lists it.",
        product: Product::Books,
        kind: Kind::Polling,
        inputs: BOOKS_INPUTS,
        output_example: r#"[{"event":"created","id":"982000000567114","record":{"invoice_id":"982000000567114","invoice_number":"INV-00003","customer_name":"Bowman and Co","total":40.6,"created_time":"2026-03-27T02:02:51-0800","last_modified_time":"2026-03-27T02:02:51-0800"}}]"#,
        poll: Some(|session, inputs, key, state| books_poll::poll(session, inputs, key, state, Change::New)),
    },
    Trigger {
        key: "booksUpdatedRecords",
        label: "Updated Books Records",
        description: "Books records edited after their creation, by their last_modified_time, in the order of their last change.",
        product: Product::Books,
        kind: Kind::Polling,
        inputs: BOOKS_INPUTS,
        output_example: r#"[{"event":"updated","id":"982000000567114","record":{"invoice_id":"982000000567114","status":"sent","created_time":"2026-03-27T02:02:51-0800","last_modified_time":"2026-03-28T05:10:00-0800"}}]"#,
        poll: Some(|session, inputs, key, state| books_poll::poll(session, inputs, key, state, Change::Updated)),
    },
    Trigger {
        key: "crmRecordNotifications",
        label: "Record Notifications (instant)",
        description: "Instant create, edit and delete events from Zoho's Notifications API, for any module, custom ones included; each notification is verified with its channel's secret token.",
        product: Product::Crm,
        kind: Kind::Instant(ChannelActions {
            open: "crmEnableNotifications",
            renew: "crmRenewNotifications",
            close: "crmDisableNotifications",
        }),
        inputs: crate::crm::watch::ENABLE_INPUTS,
        output_example: r#"[{"event":"created","id":"4150868000000624001","record":{"id":"4150868000000624001","Last_Name":"Boyle"}},{"event":"updated","id":"4150868000000624003","record":{"id":"4150868000000624003","Last_Name":"Marrier"}},{"event":"deleted","id":"4150868000000624002","deletedTime":"2026-03-29T10:00:00+05:30"}]"#,
        poll: None,
    },
];

fn find(key: &str) -> Result<&'static Trigger, Error> {
    CATALOG.iter().find(|t| t.key == key).ok_or_else(|| {
        let known: Vec<&str> = CATALOG.iter().map(|t| t.key).collect();
        let shown: String = key.chars().take(60).collect::<String>().escape_debug().collect();
        Error::invalid(
            "trigger",
            format!(
                "must be a trigger of the manifest, got `{shown}`; known triggers: {}",
                known.join(", ")
            ),
        )
    })
}

/// Validates `input` for the trigger `key` and runs one poll from `state`.
pub fn poll(
    host: &mut dyn Host,
    key: &str,
    connection: &str,
    input: &str,
    state: Option<&str>,
) -> Result<PollOutcome, Error> {
    let trigger = find(key)?;
    let Some(run) = trigger.poll else {
        return Err(Error::invalid(
            "trigger",
            format!(
                "names an instant trigger (`{key}`): enable it with the crmEnableNotifications action and pass each notification to handle-notification"
            ),
        ));
    };
    let inputs = Inputs::parse(&trigger.all_inputs(), input)?;
    let mut session = Session::new(host, connection, call_options(&inputs));
    run(&mut session, &inputs, trigger.key, state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_trigger_has_a_valid_schema_and_example() {
        for trigger in CATALOG {
            let schema = trigger.input_schema();
            assert_eq!(schema["type"], "object", "{}", trigger.key);
            let example: Value = serde_json::from_str(trigger.output_example).expect("example is JSON");
            assert!(example.is_array(), "{}", trigger.key);
        }
    }

    /// An instant trigger's channel actions exist, open takes the trigger's own inputs and the
    /// notify URL, and renew and close take what the lifecycle hands them.
    #[test]
    fn instant_triggers_name_channel_actions_that_take_what_the_lifecycle_gives() {
        let names = |key: &str| -> Vec<&'static str> {
            let action = crate::actions::find(key).unwrap_or_else(|_| panic!("{key} is an action"));
            crate::actions::input_names(action)
        };
        let mut instant = 0;
        for trigger in CATALOG {
            let Kind::Instant(actions) = trigger.kind else { continue };
            instant += 1;
            let open = names(actions.open);
            for input in input_names(trigger) {
                assert!(open.contains(&input), "{} takes {input}", actions.open);
            }
            assert!(open.contains(&"notifyUrl"));
            let renew = names(actions.renew);
            for input in ["channelId", "events", "token", "notifyUrl"] {
                assert!(renew.contains(&input), "{} takes {input}", actions.renew);
            }
            assert!(names(actions.close).contains(&"channelIds"));
        }
        assert_eq!(instant, 1);
    }
}
