//! `GET /{module}/search`: Zoho's criteria syntax parsed and evaluated for real
//! (`((field:operator:value)and(...))`, backslash escapes for `(`, `)`, `,` and `\`), plus
//! email, phone and word search.

use serde_json::{Map, Value, json};

use crate::reply::Reply;
use crate::request::RecordedRequest;
use crate::state::State;

#[derive(Debug)]
enum Criteria {
    Leaf {
        field: String,
        operator: String,
        values: Vec<String>,
    },
    All(Vec<Criteria>),
    Any(Vec<Criteria>),
}

fn invalid(reason: &str) -> Reply {
    Reply::crm_error(400, "INVALID_QUERY", "invalid query formed", json!({"reason": reason}))
}

/// Parses one parenthesised group starting at `chars[*at] == '('`.
fn group(chars: &[char], at: &mut usize) -> Result<Criteria, Reply> {
    if chars.get(*at) != Some(&'(') {
        return Err(invalid("expected ("));
    }
    *at += 1;
    if chars.get(*at) == Some(&'(') {
        let mut parts = vec![group(chars, at)?];
        let mut joiner: Option<String> = None;
        while chars.get(*at) != Some(&')') {
            let word: String = chars[*at..].iter().take_while(|c| c.is_ascii_alphabetic()).collect();
            let word = word.to_lowercase();
            if word != "and" && word != "or" {
                return Err(invalid("expected and / or between criteria"));
            }
            if joiner.as_ref().is_some_and(|j| *j != word) {
                return Err(invalid("mixing and / or needs parentheses"));
            }
            *at += word.len();
            joiner = Some(word);
            parts.push(group(chars, at)?);
        }
        *at += 1;
        return Ok(if joiner.as_deref() == Some("or") {
            Criteria::Any(parts)
        } else {
            Criteria::All(parts)
        });
    }
    // A leaf: field:operator:value, value escapes honoured, unescaped commas separate values.
    let mut text = String::new();
    let mut values = vec![String::new()];
    let mut colons = 0;
    loop {
        match chars.get(*at) {
            None => return Err(invalid("unclosed criteria")),
            Some('\\') => {
                let Some(next) = chars.get(*at + 1) else {
                    return Err(invalid("dangling escape"));
                };
                if colons < 2 {
                    text.push(*next);
                } else if let Some(last) = values.last_mut() {
                    last.push(*next);
                }
                *at += 2;
            }
            Some(')') => {
                *at += 1;
                break;
            }
            Some(':') if colons < 2 => {
                colons += 1;
                text.push(':');
                *at += 1;
            }
            Some(',') if colons == 2 => {
                values.push(String::new());
                *at += 1;
            }
            Some(c) => {
                if colons < 2 {
                    text.push(*c);
                } else if let Some(last) = values.last_mut() {
                    last.push(*c);
                }
                *at += 1;
            }
        }
    }
    let mut head = text.splitn(3, ':');
    let (Some(field), Some(operator)) = (head.next(), head.next()) else {
        return Err(invalid("a criterion is field:operator:value"));
    };
    if colons != 2 || field.is_empty() {
        return Err(invalid("a criterion is field:operator:value"));
    }
    Ok(Criteria::Leaf {
        field: field.to_owned(),
        operator: operator.to_owned(),
        values,
    })
}

fn parse(text: &str) -> Result<Criteria, Reply> {
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    let criteria = group(&chars, &mut at)?;
    if at != chars.len() {
        return Err(invalid("unexpected text after the criteria"));
    }
    Ok(criteria)
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

fn compare(actual: &str, wanted: &str) -> std::cmp::Ordering {
    match (actual.parse::<f64>(), wanted.parse::<f64>()) {
        (Ok(a), Ok(b)) => a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal),
        _ => actual.to_lowercase().cmp(&wanted.to_lowercase()),
    }
}

fn evaluate(record: &Map<String, Value>, criteria: &Criteria) -> Result<bool, Reply> {
    use std::cmp::Ordering::{Equal, Greater, Less};
    Ok(match criteria {
        Criteria::All(parts) => parts
            .iter()
            .map(|p| evaluate(record, p))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .all(|b| b),
        Criteria::Any(parts) => parts
            .iter()
            .map(|p| evaluate(record, p))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .any(|b| b),
        Criteria::Leaf {
            field,
            operator,
            values,
        } => {
            let actual = record.get(field).and_then(text_of);
            let first = values.first().map(String::as_str).unwrap_or_default();
            let with = |f: &dyn Fn(&str) -> bool| actual.as_deref().is_some_and(f);
            match operator.as_str() {
                "equals" => with(&|a| compare(a, first) == Equal),
                "not_equal" => !with(&|a| compare(a, first) == Equal),
                "starts_with" => with(&|a| a.to_lowercase().starts_with(&first.to_lowercase())),
                "in" => with(&|a| values.iter().any(|v| compare(a, v) == Equal)),
                "not_in" => !with(&|a| values.iter().any(|v| compare(a, v) == Equal)),
                "greater_than" => with(&|a| compare(a, first) == Greater),
                "greater_equal" => with(&|a| compare(a, first) != Less),
                "less_than" => with(&|a| compare(a, first) == Less),
                "less_equal" => with(&|a| compare(a, first) != Greater),
                "between" if values.len() == 2 => {
                    with(&|a| compare(a, &values[0]) != Less && compare(a, &values[1]) != Greater)
                }
                _ => return Err(invalid(&format!("unsupported operator {operator}"))),
            }
        }
    })
}

/// `GET /{module}/search`.
pub(crate) fn search(state: &State, module: &str, request: &RecordedRequest) -> Reply {
    let keys = ["criteria", "email", "phone", "word"];
    let given: Vec<(&str, &str)> = keys
        .iter()
        .filter_map(|k| request.query_param(k).map(|v| (*k, v)))
        .collect();
    let [(key, value)] = given.as_slice() else {
        return Reply::crm_error(
            400,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            json!({"param_name": "criteria"}),
        );
    };
    let criteria = match *key {
        "criteria" => match parse(value) {
            Ok(criteria) => Some(criteria),
            Err(reply) => return reply,
        },
        _ => None,
    };
    let per_page: usize = request
        .query_param("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(200)
        .min(200);
    let page: usize = request
        .query_param("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let needle = value.to_lowercase();
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    let mut hits = Vec::new();
    for record in &state.crm.modules[module].records {
        let hit = match *key {
            "criteria" => match criteria.as_ref().map(|c| evaluate(record, c)) {
                Some(Ok(hit)) => hit,
                Some(Err(reply)) => return reply,
                None => false,
            },
            "email" => record
                .get("Email")
                .and_then(Value::as_str)
                .is_some_and(|e| e.eq_ignore_ascii_case(value)),
            "phone" => ["Phone", "Mobile"].iter().any(|f| {
                record.get(*f).and_then(Value::as_str).is_some_and(|p| {
                    !digits.is_empty()
                        && p.chars()
                            .filter(char::is_ascii_digit)
                            .collect::<String>()
                            .contains(&digits)
                })
            }),
            _ => record
                .values()
                .any(|v| v.as_str().is_some_and(|s| s.to_lowercase().contains(&needle))),
        };
        if hit {
            hits.push(record);
        }
    }
    let fields: Option<Vec<String>> = request
        .query_param("fields")
        .map(|f| f.split(',').map(str::to_owned).collect());
    let start = (page - 1) * per_page;
    let slice: Vec<Value> = hits
        .iter()
        .skip(start)
        .take(per_page)
        .map(|r| crate::wire::project(r, fields.as_deref()))
        .collect();
    if slice.is_empty() {
        return Reply::no_content();
    }
    let more = start + slice.len() < hits.len();
    Reply::json(
        200,
        &json!({"data": slice, "info": {"per_page": per_page, "count": slice.len(), "page": page, "more_records": more}}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_criteria_with_escapes() {
        let Ok(Criteria::All(parts)) =
            parse(r"((Last_Name:equals:Boyle \(Jr\)\, Sr)and(Lead_Source:in:Web\, Inc,Partner))")
        else {
            panic!("parses")
        };
        let Criteria::Leaf { values, .. } = &parts[0] else {
            panic!("leaf")
        };
        assert_eq!(values, &["Boyle (Jr), Sr"]);
        let Criteria::Leaf { values, .. } = &parts[1] else {
            panic!("leaf")
        };
        assert_eq!(values, &["Web, Inc", "Partner"]);
        assert!(parse("(Last_Name:equals:x").is_err());
        assert!(parse("Last_Name:equals:x").is_err());
        assert!(parse("((a:equals:1)and(b:equals:2)or(c:equals:3))").is_err());
    }
}
