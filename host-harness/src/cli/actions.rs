//! `actions`: the manifest of actions, as a table, one action's inputs, or JSON. The printing
//! is shared with `triggers`.

use std::io::Write;

use clap::Args;
use serde_json::{Value, json};

use super::common::{Failure, text};
use zoho_host::Harness;
use zoho_host::{ChoiceSource, ChoiceUse, Product};

#[derive(Debug, Args)]
pub(super) struct ActionsArgs {
    /// Show this action's inputs.
    #[arg(value_name = "ACTION-KEY")]
    pub key: Option<String>,

    /// Print the manifest as JSON: key, label, description, product, inputSchema,
    /// outputExample, outputSchema, hints, choices.
    #[arg(long)]
    pub json: bool,
}

pub(super) fn product_name(product: Product) -> &'static str {
    match product {
        Product::Crm => "crm",
        Product::Books => "books",
    }
}

pub(super) async fn run(harness: &Harness, args: ActionsArgs, stdout: &mut dyn Write) -> Result<i32, Failure> {
    let manifest: Vec<Value> = harness
        .list_actions()
        .await?
        .iter()
        .map(|a| {
            json!({
                "key": a.key,
                "label": a.label,
                "description": a.description,
                "product": product_name(a.product),
                "inputSchema": serde_json::from_str::<Value>(&a.input_schema).unwrap_or(Value::Null),
                "outputExample": serde_json::from_str::<Value>(&a.output_example).unwrap_or(Value::Null),
                "outputSchema": serde_json::from_str::<Value>(&a.output_schema).unwrap_or(Value::Null),
                "hints": {
                    "readOnly": a.hints.read_only,
                    "destructive": a.hints.destructive,
                    "idempotent": a.hints.idempotent,
                },
                "choices": choices_json(&a.choices),
            })
        })
        .collect();
    show(&manifest, args.key.as_deref(), args.json, "action", stdout)
}

/// The manifest's choice sources, keyed by input, as the JSON hosts and platforms share.
pub(super) fn choices_json(choices: &[ChoiceSource]) -> Value {
    let pairs = |pairs: &[(String, String)]| -> Value {
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    choices
        .iter()
        .map(|c| {
            let source = json!({
                "action": c.action,
                "arguments": pairs(&c.arguments),
                "items": c.items,
                "value": c.value,
                "label": c.label,
                "filter": c.filter.iter().map(|(member, value)| {
                    (member.clone(), serde_json::from_str::<Value>(value).unwrap_or(Value::Null))
                }).collect::<serde_json::Map<_, _>>(),
                "takes": match c.takes {
                    ChoiceUse::One => "one",
                    ChoiceUse::Several => "several",
                    ChoiceUse::MemberNames => "member-names",
                },
                "requiredMember": c.required_member,
                "typeMember": c.type_member,
            });
            (c.input.clone(), source)
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// Prints a manifest (of actions or triggers): all as a table, one entry's inputs, or JSON.
pub(super) fn show(
    manifest: &[Value],
    key: Option<&str>,
    as_json: bool,
    noun: &str,
    stdout: &mut dyn Write,
) -> Result<i32, Failure> {
    let selected: Vec<&Value> = match key {
        Some(key) => {
            let found: Vec<&Value> = manifest.iter().filter(|a| a["key"] == json!(key)).collect();
            if found.is_empty() {
                return Err(Failure(format!(
                    "no {noun} named {key:?}; run `zoho-harness {noun}s` for the list"
                )));
            }
            found
        }
        None => manifest.iter().collect(),
    };
    if as_json {
        writeln!(stdout, "{}", serde_json::to_string_pretty(&selected)?)?;
        return Ok(0);
    }
    if key.is_none() {
        writeln!(stdout, "{:<24} {:<8} DESCRIPTION", "KEY", "PRODUCT")?;
        for action in &selected {
            // Triggers say how they learn of changes; actions have no kind.
            let kind = action["kind"].as_str().map(|k| format!("[{k}] ")).unwrap_or_default();
            writeln!(
                stdout,
                "{:<24} {:<8} {kind}{}",
                text(&action["key"]),
                text(&action["product"]),
                text(&action["description"])
            )?;
        }
        return Ok(0);
    }
    for action in selected {
        writeln!(
            stdout,
            "{} ({}): {}\n",
            text(&action["key"]),
            text(&action["label"]),
            text(&action["description"])
        )?;
        if let Some(hints) = action["hints"].as_object() {
            let said: Vec<&str> = ["readOnly", "destructive", "idempotent"]
                .into_iter()
                .filter(|h| hints.get(*h) == Some(&json!(true)))
                .collect();
            let said = if said.is_empty() {
                "writes".to_owned()
            } else {
                said.join(", ")
            };
            writeln!(stdout, "hints: {said}\n")?;
        }
        let schema = &action["inputSchema"];
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        writeln!(stdout, "{:<16} {:<13} {:<9} DESCRIPTION", "INPUT", "TYPE", "REQUIRED")?;
        if let Some(properties) = schema["properties"].as_object() {
            for (name, spec) in properties {
                let ty = spec["type"].as_str().map_or_else(
                    || {
                        let alternatives = spec["oneOf"].as_array().into_iter().flatten();
                        alternatives
                            .filter_map(|a| a["type"].as_str())
                            .collect::<Vec<_>>()
                            .join("|")
                    },
                    str::to_owned,
                );
                let default = spec
                    .get("default")
                    .map(|d| format!(" (default {d})"))
                    .unwrap_or_default();
                let needed = if required.contains(&name.as_str()) { "yes" } else { "no" };
                let listed = action["choices"]
                    .get(name)
                    .map(|c| format!(" (choices: {})", text(&c["action"])))
                    .unwrap_or_default();
                writeln!(
                    stdout,
                    "{name:<16} {ty:<13} {needed:<9} {}{default}{listed}",
                    text(&spec["description"])
                )?;
            }
        }
    }
    Ok(0)
}
