//! `zoho:connector/triggers`: the trigger catalog, polls and notifications.

use serde_json::Value;

use super::*;
use crate::triggers;

fn poll_result(outcome: triggers::PollOutcome) -> wit_triggers::PollResult {
    wit_triggers::PollResult {
        events: Value::Array(outcome.events).to_string(),
        state: outcome.state,
        more: outcome.more,
    }
}

impl wit_triggers::Guest for Component {
    fn manifest() -> Vec<wit_triggers::Trigger> {
        triggers::CATALOG
            .iter()
            .map(|trigger| wit_triggers::Trigger {
                key: trigger.key.to_owned(),
                label: trigger.product.label(trigger.label),
                description: trigger.description.to_owned(),
                product: product(trigger.product),
                kind: match trigger.kind {
                    triggers::Kind::Polling => wit_triggers::TriggerKind::Polling,
                    triggers::Kind::Instant(_) => wit_triggers::TriggerKind::Instant,
                },
                channel: match trigger.kind {
                    triggers::Kind::Polling => None,
                    triggers::Kind::Instant(actions) => Some(wit_triggers::ChannelActions {
                        open: actions.open.to_owned(),
                        renew: actions.renew.to_owned(),
                        close: actions.close.to_owned(),
                    }),
                },
                input_schema: trigger.input_schema().to_string(),
                output_example: trigger.output_example.to_owned(),
                output_schema: trigger.output_schema().to_string(),
                choices: choice_sources(trigger.choices()),
            })
            .collect()
    }

    fn poll(
        key: String,
        connection: String,
        input: String,
        state: Option<String>,
    ) -> Result<wit_triggers::PollResult, wit_types::Error> {
        Ok(poll_result(triggers::poll(
            &mut WitHost,
            &key,
            &connection,
            &input,
            state.as_deref(),
        )?))
    }

    fn handle_notification(
        connection: String,
        channel: String,
        body: String,
    ) -> Result<wit_triggers::PollResult, wit_types::Error> {
        with_session(&connection, |session| {
            Ok(poll_result(triggers::notifications::handle(session, &channel, &body)?))
        })
    }
}
