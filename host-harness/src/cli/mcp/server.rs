//! The MCP server itself: a hand-written `ServerHandler` over the catalog. Every tool call runs
//! through `zoho-host` as `invoke` and `poll` do (a fresh instance per call, the same
//! connection, store, allowlist, credits and per-organization limits); a failure is a result
//! with `isError` and the typed error document, never a protocol error, so the session goes on.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ListToolsResult, PaginatedRequestParams,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{Map, Value, json};
use zoho_host::output::{error_document, scrub};
use zoho_host::{CallContext, Harness, MemoryLog};

use super::catalog::{Catalog, DESCRIBE_ACTION, Entry, FIND_ACTIONS, Kind, RUN_ACTION};
use crate::cli::connection::Resolved;

/// Results cut for size wait here for the calls that fetch their rest; the oldest go first.
const STASHED_RESULTS: usize = 64;
/// The prefix of the cursors this server makes (a component's cursors never start so).
const STASH_PREFIX: &str = "mcp:";

/// What every call shares; cheap to clone (the HTTP transport makes one per request).
#[derive(Clone)]
pub(super) struct ZohoTools {
    pub harness: Arc<Harness>,
    pub resolved: Arc<Resolved>,
    pub catalog: Arc<Catalog>,
    pub max_result_bytes: usize,
    /// `--debug`: every call asks for `debugRequest`, its exchanges go to stderr (redacted).
    pub debug: bool,
    stash: Arc<Mutex<Stash>>,
}

impl ZohoTools {
    pub(super) fn new(
        harness: Harness,
        resolved: Resolved,
        catalog: Catalog,
        max_result_bytes: usize,
        debug: bool,
    ) -> Self {
        ZohoTools {
            harness: Arc::new(harness),
            resolved: Arc::new(resolved),
            catalog: Arc::new(catalog),
            max_result_bytes,
            debug,
            stash: Arc::default(),
        }
    }

    fn secrets(&self) -> Vec<String> {
        self.resolved.provider.secrets()
    }

    /// A successful result: the object as structured content, the same JSON as text.
    fn success(&self, value: Value) -> CallToolResult {
        let value = match value {
            Value::Object(_) => value,
            other => json!({"result": other}),
        };
        CallToolResult::structured(self.scrubbed(value))
    }

    /// A failed result: the error document (its input named where one is at fault).
    fn failure(&self, document: Value) -> CallToolResult {
        CallToolResult::structured_error(self.scrubbed(document))
    }

    fn invalid(&self, input: &str, message: &str) -> CallToolResult {
        self.failure(invalid_input(input, message))
    }

    /// `value` with every secret the connection has shown replaced, as the CLI prints output.
    fn scrubbed(&self, value: Value) -> Value {
        let text = scrub(&value.to_string(), &self.secrets());
        serde_json::from_str(&text).unwrap_or(value)
    }

    /// The component's log on stderr: warnings always, exchanges with `--debug` (redacted).
    fn log(&self, log: &MemoryLog) {
        let secrets = self.secrets();
        for record in log.records() {
            if self.debug || record.level != "debug" {
                eprintln!(
                    "[{} {}]\n{}\n",
                    record.level,
                    record.context,
                    scrub(&record.message, &secrets)
                );
            }
        }
    }

    async fn call(&self, name: &str, arguments: Map<String, Value>) -> CallToolResult {
        match name {
            FIND_ACTIONS => {
                let Some(query) = arguments.get("query").and_then(Value::as_str) else {
                    return self.invalid("query", "query is required: words to look for, e.g. \"delete note\"");
                };
                let limit = arguments
                    .get("limit")
                    .and_then(Value::as_u64)
                    .unwrap_or(15)
                    .clamp(1, 100);
                let found = self.catalog.find(query, usize::try_from(limit).unwrap_or(15));
                self.success(json!({"actions": found}))
            }
            DESCRIBE_ACTION => match entry_named(&self.catalog, &arguments) {
                Ok(entry) => self.success(json!({
                    "key": entry.key,
                    "label": entry.label,
                    "description": entry.description,
                    "kind": if entry.kind == Kind::Trigger { "polling-trigger" } else { "action" },
                    "inputSchema": entry.input_schema,
                    "outputExample": entry.output_example,
                    "hints": {
                        "readOnly": entry.hints.read_only,
                        "destructive": entry.hints.destructive,
                        "idempotent": entry.hints.idempotent,
                    },
                    "credits": entry.credits(),
                    "allowed": self.catalog.allows(entry),
                    "listed": self.catalog.listed.contains(&entry.key),
                })),
                Err(document) => self.failure(document),
            },
            RUN_ACTION => {
                let entry = match entry_named(&self.catalog, &arguments) {
                    Ok(entry) => entry.clone(),
                    Err(document) => return self.failure(document),
                };
                let input = match arguments.get("input") {
                    None | Some(Value::Null) => Map::new(),
                    Some(Value::Object(input)) => input.clone(),
                    Some(_) => return self.invalid("input", "input must be an object: the action's inputs"),
                };
                self.run(&entry, input).await
            }
            key => match self.catalog.entry(key) {
                Some(entry) if self.catalog.listed.contains(&entry.key) => self.run(&entry.clone(), arguments).await,
                _ => self.invalid(
                    "name",
                    &format!("{key} is not a tool of this server: findActions lists what runAction can run"),
                ),
            },
        }
    }

    /// Runs `entry` with `input`, refused before any request when `--read-only` forbids it.
    async fn run(&self, entry: &Entry, mut input: Map<String, Value>) -> CallToolResult {
        if !self.catalog.allows(entry) {
            return self.failure(json!({"error": {
                "kind": "refused",
                "message": format!("{} changes data in Zoho, and this server is read-only (--read-only): nothing was sent", entry.key),
            }}));
        }
        if let Some(cursor) = input.get("cursor").and_then(Value::as_str)
            && let Some(id) = cursor.strip_prefix(STASH_PREFIX)
        {
            return match self.take_stashed(&entry.key, id) {
                Some(rest) => self.success(rest),
                None => self.invalid(
                    "cursor",
                    "this cursor has expired (a result's rest is kept for a while only): call again without it",
                ),
            };
        }
        if self.debug {
            input.insert("debugRequest".into(), json!(true));
        }
        let log = MemoryLog::default();
        let context = CallContext::new(Arc::clone(&self.resolved.provider)).with_log(Arc::new(log.clone()));
        let connection = &self.resolved.connection;
        let outcome = match entry.kind {
            Kind::Action => {
                let text = Value::Object(input).to_string();
                match self.harness.invoke(&context, &entry.key, connection, &text).await {
                    Ok(Ok(output)) => Ok(serde_json::from_str(&output).unwrap_or(Value::String(output))),
                    Ok(Err(error)) => Err(error_document(&error)),
                    Err(error) => Err(json!({"error": {"kind": "harness", "message": error.to_string()}})),
                }
            }
            Kind::Trigger => {
                let cursor = match input.remove("cursor") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(cursor)) => Some(cursor),
                    Some(_) => return self.invalid("cursor", "cursor must be the string the previous call returned"),
                };
                let text = Value::Object(input).to_string();
                match self
                    .harness
                    .poll(&context, &entry.key, connection, &text, cursor.as_deref())
                    .await
                {
                    Ok(Ok(polled)) => Ok(json!({
                        "events": serde_json::from_str::<Value>(&polled.events).unwrap_or(Value::Array(Vec::new())),
                        "more": polled.more,
                        "cursor": polled.state,
                    })),
                    Ok(Err(error)) => Err(error_document(&error)),
                    Err(error) => Err(json!({"error": {"kind": "harness", "message": error.to_string()}})),
                }
            }
        };
        self.log(&log);
        match outcome {
            Ok(value) => self.success(self.compact(&entry.key, value)),
            Err(document) => self.failure(document),
        }
    }

    /// A result over `--max-result-bytes` ends at a record boundary: its records (`data`, or a
    /// trigger's `events`) up to the size, `more: true` and a cursor of this server's; calling
    /// the same tool with that cursor gives the next records (no request to Zoho), and the last
    /// part carries the action's own `more` and cursor.
    fn compact(&self, key: &str, value: Value) -> Value {
        if value.to_string().len() <= self.max_result_bytes {
            return value;
        }
        let Value::Object(mut object) = value else {
            return value;
        };
        let Some(field) = ["data", "events"]
            .into_iter()
            .find(|f| object.get(*f).is_some_and(Value::is_array))
        else {
            return Value::Object(object);
        };
        let Some(Value::Array(records)) = object.remove(field) else {
            return Value::Object(object);
        };
        let stash = Stashed {
            key: key.to_owned(),
            field,
            records: records.into(),
            tail: object,
        };
        self.next_part(stash)
    }

    /// The next part of a stashed result, stashing the rest again when some is left.
    fn next_part(&self, mut stash: Stashed) -> Value {
        let budget = self.max_result_bytes.saturating_sub(stash.tail_len() + 64);
        let mut part = Vec::new();
        let mut size = 2;
        while let Some(record) = stash.records.front() {
            let length = record.to_string().len() + 1;
            // At least one record a part, however large: a part never ends inside a record.
            if !part.is_empty() && size + length > budget {
                break;
            }
            size += length;
            part.extend(stash.records.pop_front());
        }
        if stash.records.is_empty() {
            let mut last = stash.tail;
            last.insert(stash.field.into(), Value::Array(part));
            return Value::Object(last);
        }
        let field = stash.field;
        let id = self.stash(stash);
        json!({field: part, "more": true, "cursor": format!("{STASH_PREFIX}{id}")})
    }

    fn stash(&self, stashed: Stashed) -> String {
        let mut stash = self.stash.lock().unwrap_or_else(PoisonError::into_inner);
        stash.serial += 1;
        let id = format!("{:x}-{}", stash.seed, stash.serial);
        stash.results.push_back((id.clone(), stashed));
        while stash.results.len() > STASHED_RESULTS {
            stash.results.pop_front();
        }
        id
    }

    fn take_stashed(&self, key: &str, id: &str) -> Option<Value> {
        let stashed = {
            let mut stash = self.stash.lock().unwrap_or_else(PoisonError::into_inner);
            let at = stash
                .results
                .iter()
                .position(|(known, s)| known == id && s.key == key)?;
            stash.results.remove(at)?.1
        };
        Some(self.next_part(stashed))
    }
}

/// An `invalid-input` error document naming `input`.
fn invalid_input(input: &str, message: &str) -> Value {
    json!({"error": {"kind": "invalid-input", "input": input, "message": message}})
}

/// The entry `arguments.key` names, or the error document saying what is wrong.
fn entry_named<'c>(catalog: &'c Catalog, arguments: &Map<String, Value>) -> Result<&'c Entry, Value> {
    let Some(key) = arguments.get("key").and_then(Value::as_str) else {
        return Err(invalid_input(
            "key",
            "key is required: an action's key, from findActions",
        ));
    };
    catalog.entry(key).ok_or_else(|| {
        invalid_input(
            "key",
            &format!("{key} is not an action or polling trigger of this server: see findActions"),
        )
    })
}

/// The rest of results cut for size.
struct Stash {
    results: VecDeque<(String, Stashed)>,
    serial: u64,
    /// Makes this process's cursors differ from another's (not a secret: the rest is only
    /// ever given to a caller who holds the server's token, if it has one).
    seed: u64,
}

impl Default for Stash {
    fn default() -> Self {
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        Stash {
            results: VecDeque::new(),
            serial: 0,
            seed: hasher.finish(),
        }
    }
}

struct Stashed {
    key: String,
    field: &'static str,
    records: VecDeque<Value>,
    /// The result without its records: the action's own `more`, cursor and the rest.
    tail: Map<String, Value>,
}

impl Stashed {
    fn tail_len(&self) -> usize {
        Value::Object(self.tail.clone()).to_string().len()
    }
}

impl ServerHandler for ZohoTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("zoho-harness", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Zoho CRM and Zoho Books through the zoho-connector component. The listed tools are the everyday ones; findActions, describeAction and runAction reach every other action. Ask reads for only the fields you need (the fields input). Polling-trigger tools return a cursor: pass it back to get each change once.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.catalog.tools()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let arguments = request.arguments.unwrap_or_default();
        Ok(self.call(&request.name, arguments).await.into())
    }
}
