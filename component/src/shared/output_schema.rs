//! An output's JSON Schema, read off the output example the manifest already carries. The
//! example is Zoho's documented shape, normalised by the component, and is tested to parse;
//! deriving the schema from it keeps the two from drifting apart. Objects stay open: a record
//! carries its module's fields, custom ones included, beyond those the example shows.

use serde_json::{Map, Value, json};

/// The JSON Schema (draft 2020-12) that `example` is an instance of.
pub fn from_example(example: &Value) -> Value {
    let mut schema = shape_of(example);
    schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    schema
}

fn shape_of(value: &Value) -> Value {
    match value {
        Value::Null => json!({}),
        // Zoho sends null for an empty field, so every scalar may be null.
        Value::Bool(_) => json!({"type": ["boolean", "null"]}),
        Value::Number(n) if n.is_i64() || n.is_u64() => json!({"type": ["integer", "null"]}),
        Value::Number(_) => json!({"type": ["number", "null"]}),
        Value::String(_) => json!({"type": ["string", "null"]}),
        Value::Array(items) => match items.first() {
            Some(first) => json!({"type": "array", "items": items.iter().skip(1).fold(shape_of(first), merge)}),
            None => json!({"type": "array"}),
        },
        Value::Object(members) => {
            let properties: Map<String, Value> = members.iter().map(|(k, v)| (k.clone(), shape_of(v))).collect();
            json!({"type": "object", "properties": properties})
        }
    }
}

/// The items of an array may differ (a created and a deleted event): their properties are
/// united, and a member whose types disagree accepts any value.
fn merge(left: Value, right: &Value) -> Value {
    let right = shape_of(right);
    match (left, right) {
        (Value::Object(mut a), Value::Object(b)) if a.get("type") == b.get("type") => {
            if let (Some(Value::Object(mine)), Some(Value::Object(theirs))) =
                (a.get_mut("properties"), b.get("properties"))
            {
                for (name, schema) in theirs {
                    mine.entry(name.clone()).or_insert_with(|| schema.clone());
                }
            }
            Value::Object(a)
        }
        _ => json!({}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_events_get_their_shapes() {
        let example = json!([
            {"event": "created", "id": "1", "record": {"id": "1", "total": 40.6, "count": 2}},
            {"event": "deleted", "id": "2", "deletedTime": "2026-03-29T10:00:00+05:30"}
        ]);
        let schema = from_example(&example);
        assert_eq!(schema["type"], "array");
        let item = &schema["items"];
        let record = &item["properties"]["record"]["properties"];
        assert_eq!(record["total"]["type"], json!(["number", "null"]));
        assert_eq!(record["count"]["type"], json!(["integer", "null"]));
        assert_eq!(item["properties"]["deletedTime"]["type"], json!(["string", "null"]));
        // Open: records carry more fields than the example names.
        assert!(item.get("additionalProperties").is_none());
    }

    #[test]
    fn disagreeing_types_accept_anything() {
        let schema = from_example(&json!({"data": [1, "a"], "none": null}));
        assert_eq!(schema["properties"]["data"]["items"], json!({}));
        assert_eq!(schema["properties"]["none"], json!({}));
    }
}
