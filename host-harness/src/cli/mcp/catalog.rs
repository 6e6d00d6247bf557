//! The tools `zoho-harness mcp` offers, from the component's manifests: every action and every
//! polling trigger, keyed by its manifest key, with its input schema, its description (credits
//! included), its hints as MCP annotations; which of them are listed (toolsets, `--tools`,
//! `--read-only`), and the search behind `findActions`.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Map, Value, json};
use zoho_host::{Action, Trigger, TriggerKind};

use super::hints::Hints;

/// The three tools that reach every action an agent may run, listed or not.
pub(super) const FIND_ACTIONS: &str = "findActions";
pub(super) const DESCRIBE_ACTION: &str = "describeAction";
pub(super) const RUN_ACTION: &str = "runAction";

/// The most tools listed by default: Cursor shows at most 40.
pub(super) const DEFAULT_LIMIT: usize = 40;

/// What a tool runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Action,
    /// A polling trigger: its inputs plus a `cursor`, answered with `{events, more, cursor}`.
    Trigger,
}

/// One action or polling trigger as a tool.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub key: String,
    pub label: String,
    pub description: String,
    pub kind: Kind,
    pub input_schema: Value,
    pub output_example: Value,
    pub hints: Hints,
}

impl Entry {
    fn from_action(action: &Action) -> Self {
        Entry {
            key: action.key.clone(),
            label: action.label.clone(),
            description: action.description.clone(),
            kind: Kind::Action,
            input_schema: serde_json::from_str(&action.input_schema).unwrap_or_else(|_| json!({"type": "object"})),
            output_example: serde_json::from_str(&action.output_example).unwrap_or(Value::Null),
            hints: Hints::from(&action.hints),
        }
    }

    fn from_trigger(trigger: &Trigger) -> Self {
        let mut schema: Value =
            serde_json::from_str(&trigger.input_schema).unwrap_or_else(|_| json!({"type": "object"}));
        if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
            properties.insert(
                "cursor".into(),
                json!({
                    "type": "string",
                    "description": "The cursor the previous call of this tool returned. Without it the trigger starts now (with backfill, the newest records first come as events); with it, every change since comes exactly once."
                }),
            );
        }
        Entry {
            key: trigger.key.clone(),
            label: trigger.label.clone(),
            description: format!(
                "{} Returns {{events, more, cursor}}: pass cursor back to get the changes since; more means call again now.",
                trigger.description
            ),
            kind: Kind::Trigger,
            input_schema: schema,
            output_example: serde_json::from_str(&trigger.output_example).unwrap_or(Value::Null),
            hints: Hints::POLL,
        }
    }

    /// The sentence of the description that says what the call costs at Zoho.
    pub(super) fn credits(&self) -> &str {
        self.description
            .find("Zoho credits:")
            .map_or("", |start| self.description[start..].trim())
    }

    /// The description up to its first sentence's end, for `findActions`.
    fn summary(&self) -> &str {
        self.description
            .find(". ")
            .map_or(self.description.as_str(), |end| &self.description[..=end])
    }

    /// The tool as MCP lists it.
    pub(super) fn tool(&self) -> rmcp::model::Tool {
        let description = if self.hints.destructive {
            format!("{} Destructive: it deletes or replaces data in Zoho.", self.description)
        } else {
            self.description.clone()
        };
        let mut schema = match &self.input_schema {
            Value::Object(object) => object.clone(),
            _ => Map::new(),
        };
        // An agent pays for every byte it reads back: the reads say so where it can choose.
        if let Some(fields) = schema
            .get_mut("properties")
            .and_then(|p| p.get_mut("fields"))
            .and_then(Value::as_object_mut)
        {
            let described = fields.get("description").and_then(Value::as_str).unwrap_or_default();
            let advice = format!(
                "{described} Ask only for the fields you need: a large result comes in parts (more: true and a cursor for the rest)."
            );
            fields.insert("description".into(), Value::String(advice.trim().to_owned()));
        }
        rmcp::model::Tool::new(self.key.clone(), description, Arc::new(schema))
            .with_title(self.label.clone())
            .with_annotations(self.hints.annotations(&self.label))
    }
}

/// Every action and polling trigger, and the keys listed as tools.
#[derive(Debug, Clone)]
pub(super) struct Catalog {
    pub entries: Vec<Entry>,
    pub listed: Vec<String>,
    pub read_only: bool,
}

/// The toolsets `--toolsets` names.
pub(super) const TOOLSETS: &[&str] = &[
    "crm",
    "books",
    "triggers",
    "bulk",
    "notifications",
    "raw",
    "metadata",
    "all",
];

/// The everyday reads and writes an agent meets first (never a destructive one).
const DEFAULT_ACTIONS: &[&str] = &[
    "crmGetRecord",
    "crmGetRecords",
    "crmSearchRecords",
    "crmRunQuery",
    "crmCreateRecord",
    "crmUpdateRecord",
    "crmUpsertRecords",
    "crmConvertLead",
    "crmListRelatedRecords",
    "crmListNotes",
    "crmCreateNote",
    "crmAddTags",
    "crmListModules",
    "crmListFields",
    "booksListOrganizations",
    "booksGetRecord",
    "booksGetRecords",
    "booksCreateRecord",
    "booksUpdateRecord",
];

fn in_toolset(entry: &Entry, toolset: &str) -> bool {
    let key = entry.key.as_str();
    match toolset {
        "all" => true,
        "triggers" => entry.kind == Kind::Trigger,
        "bulk" => key.starts_with("crmBulk"),
        "notifications" => key.ends_with("Notifications"),
        "raw" => key.ends_with("RawRequest"),
        "metadata" => matches!(
            key,
            "crmListModules"
                | "crmListFields"
                | "crmListRelatedLists"
                | "crmListTags"
                | "crmListUsers"
                | "crmGetUser"
                | "booksListOrganizations"
        ),
        "crm" => {
            entry.kind == Kind::Action
                && key.starts_with("crm")
                && !["bulk", "notifications", "raw"]
                    .iter()
                    .any(|other| in_toolset(entry, other))
        }
        "books" => entry.kind == Kind::Action && key.starts_with("books") && !in_toolset(entry, "raw"),
        _ => false,
    }
}

impl Catalog {
    /// The catalog of `actions` and `triggers`, listing: the tools `--tools` names and the
    /// toolsets `--toolsets` names, or (with neither) the default list; with `read_only`, only
    /// read-only tools. The three meta tools are always listed.
    pub(super) fn new(
        actions: &[Action],
        triggers: &[Trigger],
        toolsets: &[String],
        tools: &[String],
        read_only: bool,
    ) -> Result<Self, String> {
        let entries: Vec<Entry> = actions
            .iter()
            .map(Entry::from_action)
            .chain(
                triggers
                    .iter()
                    .filter(|t| t.kind == TriggerKind::Polling)
                    .map(Entry::from_trigger),
            )
            .collect();
        for toolset in toolsets {
            if !TOOLSETS.contains(&toolset.as_str()) {
                return Err(format!("--toolsets: {toolset:?} is not one of {}", TOOLSETS.join(", ")));
            }
        }
        for key in tools {
            if !entries.iter().any(|e| &e.key == key) {
                return Err(format!(
                    "--tools: {key:?} is not an action or polling trigger (see zoho-harness actions and triggers)"
                ));
            }
        }
        let chosen: BTreeSet<&str> = if toolsets.is_empty() && tools.is_empty() {
            entries
                .iter()
                .filter(|e| e.kind == Kind::Trigger || DEFAULT_ACTIONS.contains(&e.key.as_str()))
                .map(|e| e.key.as_str())
                .collect()
        } else {
            entries
                .iter()
                .filter(|e| tools.contains(&e.key) || toolsets.iter().any(|t| in_toolset(e, t)))
                .map(|e| e.key.as_str())
                .collect()
        };
        // Listed in the manifest's order, which groups each product's actions.
        let listed = entries
            .iter()
            .filter(|e| chosen.contains(e.key.as_str()) && (!read_only || e.hints.read_only))
            .map(|e| e.key.clone())
            .collect();
        Ok(Catalog {
            entries,
            listed,
            read_only,
        })
    }

    pub(super) fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// Whether `entry` may run here: under `--read-only`, only read-only tools.
    pub(super) fn allows(&self, entry: &Entry) -> bool {
        !self.read_only || entry.hints.read_only
    }

    /// The listed tools, the meta tools last.
    pub(super) fn tools(&self) -> Vec<rmcp::model::Tool> {
        self.listed
            .iter()
            .filter_map(|key| self.entry(key))
            .map(Entry::tool)
            .chain(meta_tools(self.read_only))
            .collect()
    }

    /// The tools an agent may run that match `query`, best first: each word of the query found
    /// in the key or label counts three, in the description one.
    pub(super) fn find(&self, query: &str, limit: usize) -> Vec<Value> {
        let words: Vec<String> = query
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() > 1)
            .map(str::to_lowercase)
            .collect();
        let mut scored: Vec<(usize, &Entry)> = self
            .entries
            .iter()
            .filter(|e| self.allows(e))
            .map(|entry| {
                let name = format!("{} {}", entry.key, entry.label).to_lowercase();
                let description = entry.description.to_lowercase();
                let score = words
                    .iter()
                    .map(|w| 3 * usize::from(name.contains(w.as_str())) + usize::from(description.contains(w.as_str())))
                    .sum();
                (score, entry)
            })
            .filter(|(score, _)| words.is_empty() || *score > 0)
            .collect();
        scored.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
        scored
            .into_iter()
            .take(limit)
            .map(|(_, e)| {
                json!({
                    "key": e.key,
                    "label": e.label,
                    "description": e.summary(),
                    "listed": self.listed.contains(&e.key),
                })
            })
            .collect()
    }
}

/// `findActions`, `describeAction` and `runAction` (which can run destructive actions, unless
/// the server is read-only).
fn meta_tools(read_only_server: bool) -> Vec<rmcp::model::Tool> {
    let object = |value: Value| match value {
        Value::Object(object) => Arc::new(object),
        _ => Arc::new(Map::new()),
    };
    let read_only = rmcp::model::ToolAnnotations::new()
        .read_only(true)
        .destructive(false)
        .idempotent(true)
        .open_world(false);
    vec![
        rmcp::model::Tool::new(
            FIND_ACTIONS,
            "Find the Zoho CRM and Books actions and triggers this server can run (listed as tools or not) whose key, label or description match the query, best first: key, label and a one-line description each. Then describeAction for one's inputs, and runAction to run it.",
            object(json!({
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "Words to look for, e.g. \"delete note\" or \"bulk read\"."},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": "At most this many (default 15)."}
                },
                "required": ["query"]
            })),
        )
        .with_title("Find actions")
        .with_annotations(read_only.clone()),
        rmcp::model::Tool::new(
            DESCRIBE_ACTION,
            "One action's or trigger's input schema, an example of its output, its hints (read-only, destructive, idempotent) and what it costs in Zoho credits.",
            object(json!({
                "type": "object",
                "properties": {"key": {"type": "string", "description": "The action's key, from findActions."}},
                "required": ["key"]
            })),
        )
        .with_title("Describe an action")
        .with_annotations(read_only),
        rmcp::model::Tool::new(
            RUN_ACTION,
            "Run any action or polling trigger this server allows by its key, with its inputs (see describeAction). The result is the action's own.",
            object(json!({
                "type": "object",
                "properties": {
                    "key": {"type": "string", "description": "The action's key, from findActions."},
                    "input": {"type": "object", "description": "The action's inputs, as describeAction gives them."}
                },
                "required": ["key"]
            })),
        )
        .with_title("Run an action")
        .with_annotations(
            rmcp::model::ToolAnnotations::new()
                .read_only(read_only_server)
                .destructive(!read_only_server)
                .idempotent(read_only_server)
                .open_world(true),
        ),
    ]
}
