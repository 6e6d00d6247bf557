//! The action catalog: every action's key, description, input spec and implementation, as the
//! `actions` interface lists and invokes them. Keys and input names follow Prismatic's Zoho
//! component so platform users recognise them.

use crate::shared::error::Error;
use crate::shared::host::Host;
use crate::shared::inputs::Inputs;
use crate::shared::session::Session;
use action::{Run, call_options};

pub use action::{Action, Output};

mod action;
mod books;
mod credits;
mod crm;
mod crm_bulk;
mod crm_related;
pub(crate) mod hints;
mod notifications;
mod raw;

/// Every action, product by product, in manifest order.
pub fn catalog() -> impl Iterator<Item = &'static Action> {
    crm::ACTIONS
        .iter()
        .chain(crm_related::ACTIONS)
        .chain(notifications::ACTIONS)
        .chain(crm_bulk::ACTIONS)
        .chain(books::ACTIONS)
        .chain(raw::ACTIONS)
}

/// The names of an action's inputs, shared ones included.
#[cfg(test)]
pub(crate) fn input_names(action: &Action) -> Vec<&'static str> {
    action.all_inputs().iter().map(|s| s.name).collect()
}

/// Looks an action up by key.
pub fn find(key: &str) -> Result<&'static Action, Error> {
    catalog().find(|a| a.key == key).ok_or_else(|| {
        let known: Vec<&str> = catalog().map(|a| a.key).collect();
        let shown: String = key.chars().take(60).collect::<String>().escape_debug().collect();
        Error::invalid(
            "action",
            format!(
                "must be an action of the manifest, got `{shown}`; known actions: {}",
                known.join(", ")
            ),
        )
    })
}

/// Validates `input` for the action `key` and runs it for `connection`.
pub fn invoke(host: &mut dyn Host, key: &str, connection: &str, input: &str) -> Result<Output, Error> {
    let action = find(key)?;
    let inputs = Inputs::parse(&action.all_inputs(), input)?;
    let mut session = Session::new(host, connection, call_options(&inputs));
    match action.run {
        Run::Value(run) => run(&mut session, &inputs).map(Output::Value),
        Run::Text(run) => run(&mut session, &inputs).map(Output::Text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::session::tests::ScriptedHost;
    use serde_json::{Value, json};

    #[test]
    fn keys_are_unique_and_schemas_are_objects() {
        let mut keys: Vec<&str> = catalog().map(|a| a.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), catalog().count());
        for action in catalog() {
            let schema = action.input_schema();
            assert_eq!(schema["type"], "object", "{}", action.key);
            assert!(
                serde_json::from_str::<Value>(action.output_example).is_ok(),
                "{} output example",
                action.key
            );
            for spec in action.all_inputs() {
                for text in spec.default.iter().chain(spec.example.iter()) {
                    assert!(
                        serde_json::from_str::<Value>(text).is_ok(),
                        "{}.{}",
                        action.key,
                        spec.name
                    );
                }
            }
        }
    }

    /// Each choice source names an action of the catalog, with inputs both sides have, whose
    /// example output holds the items and the members the source reads; so does each trigger's.
    #[test]
    fn every_choice_source_reads_what_its_listing_action_returns() {
        let triggers = crate::triggers::CATALOG
            .iter()
            .map(|t| (t.key, t.choices(), crate::triggers::input_names(t)));
        let actions = catalog().map(|a| (a.key, a.choices(), a.all_inputs().iter().map(|s| s.name).collect()));
        let mut seen = 0;
        for (key, choices, own_inputs) in actions.chain(triggers) {
            let own_inputs: Vec<&str> = own_inputs;
            for (input, source) in choices {
                seen += 1;
                let lister = find(source.action).unwrap_or_else(|_| panic!("{key}.{input}: {}", source.action));
                let listed: Vec<&str> = lister.all_inputs().iter().map(|s| s.name).collect();
                for (theirs, mine) in source.arguments {
                    assert!(
                        listed.contains(theirs),
                        "{key}.{input}: {} has no {theirs}",
                        source.action
                    );
                    assert!(own_inputs.contains(mine), "{key}.{input}: no input {mine}");
                }
                let example: Value = serde_json::from_str(lister.output_example).expect("example");
                let items = example.pointer(source.items).and_then(Value::as_array).expect("items");
                let item = &items[0];
                for member in [
                    Some(source.value),
                    Some(source.label),
                    source.required_member,
                    source.type_member,
                ]
                .into_iter()
                .flatten()
                .chain(source.filter.iter().map(|(m, _)| *m))
                {
                    assert!(
                        item.get(member).is_some(),
                        "{key}.{input}: {} items lack {member}",
                        source.action
                    );
                }
                assert!(lister.hints().read_only, "{key}.{input}: choices are listed by a read");
            }
        }
        assert!(seen >= 20, "{seen}");
    }

    #[test]
    fn unknown_actions_are_invalid_input_and_send_nothing() {
        let mut host = ScriptedHost::new();
        let error = invoke(&mut host, "crmDoMagic", "c", "{}").expect_err("unknown");
        assert!(
            matches!(error, Error::InvalidInput { ref input, .. } if input == "action"),
            "{error:?}"
        );
        assert!(host.sent.is_empty());
    }

    #[test]
    fn dynamic_fields_merge_under_explicit_values() {
        let mut host = ScriptedHost::new();
        host.answer(
            201,
            r#"{"data":[{"code":"SUCCESS","details":{"id":"1"},"message":"record added","status":"success"}]}"#,
        );
        let input = r#"{"recordType":"Leads","values":{"Last_Name":"Boyle","Lead_Source":"Partner"},
            "dynamicFields":[{"key":"Lead_Source","value":"Web"},{"key":"Company","value":"Zylker"}]}"#;
        invoke(&mut host, "crmCreateRecord", "c", input).expect("created");
        let body: Value = serde_json::from_slice(host.sent[0].body()).expect("json");
        assert_eq!(
            body["data"][0],
            json!({"Last_Name": "Boyle", "Lead_Source": "Partner", "Company": "Zylker"})
        );
    }

    #[test]
    fn get_records_output_keeps_zoho_records_and_camel_case_info() {
        let mut host = ScriptedHost::new();
        host.answer(200, r#"{"data":[{"id":"1","Last_Name":"A"}],"info":{"per_page":1,"count":1,"page":1,"more_records":true,"next_page_token":"t"}}"#);
        let output = invoke(
            &mut host,
            "crmGetRecords",
            "c",
            r#"{"recordType":"Leads","fields":"Last_Name","perPage":1}"#,
        )
        .expect("ok");
        let text = output.into_text().expect("fits");
        // The record is passed through as Zoho wrote it, byte for byte.
        assert!(
            text.starts_with(r#"{"data":[{"id":"1","Last_Name":"A"}],"info":"#),
            "{text}"
        );
        let output: Value = serde_json::from_str(&text).expect("the output is JSON");
        assert_eq!(output["data"][0]["Last_Name"], "A");
        assert_eq!(output["info"]["moreRecords"], true);
        assert_eq!(output["info"]["nextPageToken"], "t");
        assert_eq!(host.sent[0].uri().query(), Some("fields=Last_Name&page=1&per_page=1"));
    }
}
