//! CRM search (`GET /{module}/search`): by raw `criteria`, by structured `conditions` (built
//! into Zoho's criteria syntax with `(`, `)` and `,` escaped in values), or by email, phone or
//! word. Pages by number.

use http::Method;
use serde_json::Value;

use crate::crm;
use crate::crm::paging::{self, Gathered, PageRef, Walk};
use crate::shared::error::Error;
use crate::shared::plan::RequiredScope;
use crate::shared::plan::{self, CRM_BASE, PlanMeta, Query, Repeatable};
use crate::shared::session::Session;
use crate::shared::validate;

/// Zoho's search operators.
pub const OPERATORS: &[&str] = &[
    "equals",
    "not_equal",
    "starts_with",
    "in",
    "not_in",
    "greater_than",
    "greater_equal",
    "less_than",
    "less_equal",
    "between",
];
/// Zoho's limit on criteria in one search.
const MAX_CONDITIONS: usize = 10;

/// What to search by: exactly one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchBy {
    Criteria(String),
    Email(String),
    Phone(String),
    Word(String),
}

/// One structured condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub field: String,
    pub operator: String,
    pub value: Value,
}

/// Escapes a value for Zoho's criteria syntax: `\`, `(`, `)` and `,` get a backslash.
pub fn escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | '(' | ')' | ',') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

fn scalar(input: &str, value: &Value) -> Result<String, Error> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(Error::invalid(input, "must be a string, number or boolean")),
    }
}

/// Builds `((field:op:value)and(field:op:value))` from structured conditions.
pub fn criteria(conditions: &[Condition], match_all: bool) -> Result<String, Error> {
    if conditions.is_empty() {
        return Err(Error::invalid("conditions", "needs at least one condition"));
    }
    if conditions.len() > MAX_CONDITIONS {
        return Err(Error::invalid(
            "conditions",
            format!(
                "has {} conditions; Zoho accepts at most {MAX_CONDITIONS}",
                conditions.len()
            ),
        ));
    }
    let mut parts = Vec::with_capacity(conditions.len());
    for (i, condition) in conditions.iter().enumerate() {
        validate::field_name(&format!("conditions[{i}].field"), &condition.field)?;
        if !OPERATORS.contains(&condition.operator.as_str()) {
            return Err(Error::invalid(
                format!("conditions[{i}].operator"),
                format!("must be one of {}", OPERATORS.join(", ")),
            ));
        }
        let input = format!("conditions[{i}].value");
        let value = match (&condition.value, condition.operator.as_str()) {
            (Value::Array(items), "in" | "not_in" | "between") => {
                if items.is_empty() || (condition.operator == "between" && items.len() != 2) {
                    return Err(Error::invalid(
                        input,
                        "needs values: two for between, at least one for in / not_in",
                    ));
                }
                items
                    .iter()
                    .map(|item| scalar(&input, item).map(|v| escape(&v)))
                    .collect::<Result<Vec<_>, _>>()?
                    .join(",")
            }
            (_, "between") => return Err(Error::invalid(input, "must be an array of two values for between")),
            (value, _) => escape(&scalar(&input, value)?),
        };
        if value.chars().any(char::is_control) {
            return Err(Error::invalid(input, "must not contain control characters"));
        }
        parts.push(format!("({}:{}:{value})", condition.field, condition.operator));
    }
    let joiner = if match_all { "and" } else { "or" };
    Ok(if parts.len() == 1 {
        parts.remove(0)
    } else {
        format!("({})", parts.join(joiner))
    })
}

/// Searches a module.
pub fn search(
    session: &mut Session,
    module: &str,
    by: &SearchBy,
    fields: &[String],
    page: Option<u32>,
    per_page: Option<u32>,
    fetch: &crm::Fetch,
) -> Result<Gathered<crm::RawRecord>, Error> {
    validate::module_name("recordType", module)?;
    validate::field_list("fields", fields)?;
    let (key, value, input) = match by {
        SearchBy::Criteria(c) => ("criteria", c, "criteria"),
        SearchBy::Email(e) => ("email", e, "email"),
        SearchBy::Phone(p) => ("phone", p, "phone"),
        SearchBy::Word(w) => ("word", w, "word"),
    };
    if value.trim().is_empty() || value.chars().any(char::is_control) {
        return Err(Error::invalid(
            input,
            "must be non-empty and without control characters",
        ));
    }
    let walk = Walk::for_fetch(page, None, per_page, fetch, false)?;
    paging::walk(session, &walk, |session, at, per_page| {
        let PageRef::Number(page) = at else {
            return Err(Error::decode("search pages by number"));
        };
        let mut query = Query::new();
        query
            .push(key, value.clone())
            .push("page", page.to_string())
            .push("per_page", per_page.to_string());
        if !fields.is_empty() {
            query.push("fields", fields.join(","));
        }
        let plan = plan::request(
            Method::GET,
            plan::path(CRM_BASE, &[module, "search"]),
            &query,
            None,
            PlanMeta {
                repeatable: Repeatable::Yes,
                scope: Some(RequiredScope(format!(
                    "ZohoCRM.modules.{}.READ",
                    module.to_ascii_lowercase()
                ))),
            },
        )?;
        let response = session.send(&plan)?;
        crm::decode_raw_page(&response, plan.extensions().get())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn condition(field: &str, operator: &str, value: Value) -> Condition {
        Condition {
            field: field.into(),
            operator: operator.into(),
            value,
        }
    }

    #[test]
    fn conditions_become_escaped_criteria() {
        let built = criteria(
            &[
                condition("Last_Name", "equals", json!("Boyle (Jr), Sr")),
                condition("Annual_Revenue", "between", json!([100, 200])),
            ],
            true,
        )
        .expect("built");
        assert_eq!(
            built,
            r"((Last_Name:equals:Boyle \(Jr\)\, Sr)and(Annual_Revenue:between:100,200))"
        );
        let any = criteria(
            &[
                condition("Lead_Source", "in", json!(["Web, Inc", "Partner"])),
                condition("Email", "starts_with", json!("a")),
            ],
            false,
        )
        .expect("built");
        assert_eq!(any, r"((Lead_Source:in:Web\, Inc,Partner)or(Email:starts_with:a))");
        assert_eq!(
            criteria(&[condition("Email", "equals", json!(r"a\b"))], true).expect("built"),
            r"(Email:equals:a\\b)"
        );
    }

    #[test]
    fn bad_conditions_name_the_part() {
        let cases = [
            (condition("Last Name", "equals", json!("x")), "conditions[0].field"),
            (condition("Email", "contains", json!("x")), "conditions[0].operator"),
            (condition("Email", "between", json!("x")), "conditions[0].value"),
            (condition("Email", "equals", json!({"a": 1})), "conditions[0].value"),
            (condition("Email", "equals", json!("a\r\nb")), "conditions[0].value"),
        ];
        for (c, input) in cases {
            assert!(
                matches!(criteria(&[c], true), Err(Error::InvalidInput { input: i, .. }) if i == input),
                "{input}"
            );
        }
    }
}
