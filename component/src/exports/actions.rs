//! `zoho:connector/actions`: the action catalog and invoke by key.

use super::*;
use crate::actions;

impl wit_actions::Guest for Component {
    fn manifest() -> Vec<wit_actions::Action> {
        actions::catalog()
            .map(|action| wit_actions::Action {
                key: action.key.to_owned(),
                label: action.product.label(action.label),
                description: action.description_with_credits(),
                product: product(action.product),
                input_schema: action.input_schema().to_string(),
                output_example: action.output_example.to_owned(),
                output_schema: action.output_schema().to_string(),
                hints: hints(action.hints()),
                choices: choice_sources(action.choices()),
            })
            .collect()
    }

    fn invoke(key: String, connection: String, input: String) -> Result<String, wit_types::Error> {
        let output = actions::invoke(&mut WitHost, &key, &connection, &input)?;
        Ok(output.into_text()?)
    }
}
