//! A real COQL subset: `select` fields (lookup dot-paths included) `from` a module, `where`
//! with `=`, `!=`, `<`, `>`, `<=`, `>=`, `like`, `not like`, `in`, `not in`, `is null`, `is not
//! null`, `between`, combined with `and` / `or` and parentheses, `order by`, and
//! `limit offset, count` / `limit count offset offset`, with Zoho's errors for anything else.
//!
//! Zoho's documented limits are enforced, never relaxed (docs `api/v8/COQL-Limitations.html`,
//! `COQL-Overview.html`): more than two criteria must be bracketed so that each bracket joins
//! two (`(A and (B and C))`); at most 50 select columns, 25 criteria, 10 ORDER BY fields
//! (duplicates are `DUPLICATE_DATA`), 100 values in `in` (v7 onward), LIMIT 2,000 and
//! LIMIT + OFFSET 100,000; multi-line fields cannot be criteria; multi-select lookups, file and
//! image fields and subforms cannot be selected.

use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use crate::fields;
use crate::reply::Reply;
use crate::request::RecordedRequest;
use crate::state::State;

const MAX_LIMIT: u64 = 2_000;
const DEFAULT_LIMIT: u64 = 200;
const MAX_REACHABLE: u64 = 100_000;
const MAX_SELECT_COLUMNS: usize = 50;
const MAX_CRITERIA: usize = 25;
const MAX_ORDER_BY: usize = 10;
const MAX_IN_VALUES: usize = 100;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Sym(&'static str),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
    column: usize,
}

/// Zoho's syntax error, pointing at the offending token.
fn syntax(line: usize, column: usize, near: &str) -> Reply {
    Reply::crm_error(
        400,
        "SYNTAX_ERROR",
        "invalid query formed",
        json!({"line": line, "column": column, "near": near}),
    )
}

fn tokenize(query: &str) -> Result<Vec<Token>, Reply> {
    let chars: Vec<char> = query.chars().collect();
    let (mut tokens, mut i, mut line, mut line_start) = (Vec::new(), 0, 1, 0);
    while i < chars.len() {
        let c = chars[i];
        let column = i - line_start + 1;
        if c == '\n' {
            line += 1;
            line_start = i + 1;
            i += 1;
            continue;
        }
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '\'' {
            let mut text = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(syntax(line, column, "'")),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        text.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(other) => {
                        text.push(*other);
                        i += 1;
                    }
                }
            }
            tokens.push(Token {
                tok: Tok::Str(text),
                line,
                column,
            });
            continue;
        }
        let word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '$');
        if word(c) || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let start = i;
            i += 1;
            while i < chars.len() && word(chars[i]) {
                i += 1;
            }
            tokens.push(Token {
                tok: Tok::Word(chars[start..i].iter().collect()),
                line,
                column,
            });
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let symbol = match two.as_str() {
            "!=" => Some("!="),
            "<>" => Some("!="),
            "<=" => Some("<="),
            ">=" => Some(">="),
            _ => None,
        };
        if let Some(symbol) = symbol {
            tokens.push(Token {
                tok: Tok::Sym(symbol),
                line,
                column,
            });
            i += 2;
            continue;
        }
        let symbol = match c {
            '(' => "(",
            ')' => ")",
            ',' => ",",
            '=' => "=",
            '<' => "<",
            '>' => ">",
            _ => return Err(syntax(line, column, &c.to_string())),
        };
        tokens.push(Token {
            tok: Tok::Sym(symbol),
            line,
            column,
        });
        i += 1;
    }
    Ok(tokens)
}

#[derive(Debug, Clone)]
enum Literal {
    Text(String),
    Number(f64),
}

#[derive(Debug, Clone)]
enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Compare {
        field: String,
        op: &'static str,
        value: Literal,
    },
    IsNull {
        field: String,
        negated: bool,
    },
    In {
        field: String,
        values: Vec<Literal>,
        negated: bool,
    },
    Between {
        field: String,
        low: Literal,
        high: Literal,
    },
    Like {
        field: String,
        pattern: String,
        negated: bool,
    },
}

#[derive(Debug)]
struct Query {
    fields: Vec<String>,
    module: String,
    filter: Option<Expr>,
    order: Vec<(String, bool)>,
    offset: u64,
    limit: u64,
}

struct Parser {
    tokens: Vec<Token>,
    position: usize,
    end: (usize, usize),
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn error(&self) -> Reply {
        match self.peek() {
            Some(token) => {
                let near = match &token.tok {
                    Tok::Word(w) => w.clone(),
                    Tok::Str(s) => format!("'{s}'"),
                    Tok::Sym(s) => (*s).to_owned(),
                };
                syntax(token.line, token.column, &near)
            }
            None => syntax(self.end.0, self.end.1, ""),
        }
    }

    fn keyword(&mut self, word: &str) -> bool {
        let matched = matches!(self.peek(), Some(Token { tok: Tok::Word(w), .. }) if w.eq_ignore_ascii_case(word));
        if matched {
            self.position += 1;
        }
        matched
    }

    fn expect_keyword(&mut self, word: &str) -> Result<(), Reply> {
        if self.keyword(word) { Ok(()) } else { Err(self.error()) }
    }

    fn symbol(&mut self, symbol: &str) -> bool {
        let matched = matches!(self.peek(), Some(Token { tok: Tok::Sym(s), .. }) if *s == symbol);
        if matched {
            self.position += 1;
        }
        matched
    }

    fn identifier(&mut self) -> Result<String, Reply> {
        const RESERVED: &[&str] = &[
            "select", "from", "where", "and", "or", "order", "by", "limit", "offset", "in", "not", "is", "null",
            "like", "between", "asc", "desc",
        ];
        match self.peek() {
            Some(Token { tok: Tok::Word(w), .. })
                if !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(w))
                    && !w.starts_with(|c: char| c.is_ascii_digit() || c == '-') =>
            {
                let word = w.clone();
                self.position += 1;
                Ok(word)
            }
            _ => Err(self.error()),
        }
    }

    fn literal(&mut self) -> Result<Literal, Reply> {
        match self.peek().map(|t| t.tok.clone()) {
            Some(Tok::Str(text)) => {
                self.position += 1;
                Ok(Literal::Text(text))
            }
            // Ids are longer than a float holds exactly: keep long integers as digits.
            Some(Tok::Word(word)) if word.len() > 15 && word.bytes().all(|b| b.is_ascii_digit()) => {
                self.position += 1;
                Ok(Literal::Text(word))
            }
            Some(Tok::Word(word)) => match word.parse::<f64>() {
                Ok(number) => {
                    self.position += 1;
                    Ok(Literal::Number(number))
                }
                Err(_) => Err(self.error()),
            },
            _ => Err(self.error()),
        }
    }

    fn number(&mut self) -> Result<u64, Reply> {
        match self.peek().map(|t| t.tok.clone()) {
            Some(Tok::Word(word)) => match word.parse::<u64>() {
                Ok(n) => {
                    self.position += 1;
                    Ok(n)
                }
                Err(_) => Err(self.error()),
            },
            _ => Err(self.error()),
        }
    }

    fn at_keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Word(w), .. }) if w.eq_ignore_ascii_case(word))
    }

    /// One criterion, or two joined by `and` / `or`: a third at the same level is a syntax
    /// error, because Zoho takes no precedence between them and wants brackets instead.
    fn expression(&mut self) -> Result<Expr, Reply> {
        let left = self.condition()?;
        let join = if self.keyword("and") {
            Expr::And as fn(Box<Expr>, Box<Expr>) -> Expr
        } else if self.keyword("or") {
            Expr::Or
        } else {
            return Ok(left);
        };
        let right = self.condition()?;
        if self.at_keyword("and") || self.at_keyword("or") {
            return Err(self.error());
        }
        Ok(join(Box::new(left), Box::new(right)))
    }

    fn condition(&mut self) -> Result<Expr, Reply> {
        if self.symbol("(") {
            let inner = self.expression()?;
            return if self.symbol(")") { Ok(inner) } else { Err(self.error()) };
        }
        let field = self.identifier()?;
        if self.keyword("is") {
            let negated = self.keyword("not");
            self.expect_keyword("null")?;
            return Ok(Expr::IsNull { field, negated });
        }
        if self.keyword("between") {
            let low = self.literal()?;
            self.expect_keyword("and")?;
            let high = self.literal()?;
            return Ok(Expr::Between { field, low, high });
        }
        let negated = self.keyword("not");
        if self.keyword("in") {
            if !self.symbol("(") {
                return Err(self.error());
            }
            let mut values = vec![self.literal()?];
            while self.symbol(",") {
                values.push(self.literal()?);
            }
            return if self.symbol(")") {
                Ok(Expr::In { field, values, negated })
            } else {
                Err(self.error())
            };
        }
        if self.keyword("like") {
            return match self.literal()? {
                Literal::Text(pattern) => Ok(Expr::Like {
                    field,
                    pattern,
                    negated,
                }),
                Literal::Number(_) => Err(self.error()),
            };
        }
        if negated {
            return Err(self.error());
        }
        let op = match self.peek().map(|t| t.tok.clone()) {
            Some(Tok::Sym(op @ ("=" | "!=" | "<" | ">" | "<=" | ">="))) => op,
            _ => return Err(self.error()),
        };
        self.position += 1;
        Ok(Expr::Compare {
            field,
            op,
            value: self.literal()?,
        })
    }

    fn query(&mut self) -> Result<Query, Reply> {
        self.expect_keyword("select")?;
        let mut fields = vec![self.identifier()?];
        while self.symbol(",") {
            fields.push(self.identifier()?);
        }
        self.expect_keyword("from")?;
        let module = self.identifier()?;
        let filter = if self.keyword("where") {
            Some(self.expression()?)
        } else {
            None
        };
        let mut order = Vec::new();
        if self.keyword("order") {
            self.expect_keyword("by")?;
            loop {
                let field = self.identifier()?;
                let descending = if self.keyword("desc") {
                    true
                } else {
                    self.keyword("asc");
                    false
                };
                order.push((field, descending));
                if !self.symbol(",") {
                    break;
                }
            }
        }
        let (mut offset, mut limit) = (0, DEFAULT_LIMIT);
        if self.keyword("limit") {
            let first = self.number()?;
            if self.symbol(",") {
                offset = first;
                limit = self.number()?;
            } else if self.keyword("offset") {
                limit = first;
                offset = self.number()?;
            } else {
                limit = first;
            }
        }
        if self.peek().is_some() {
            return Err(self.error());
        }
        Ok(Query {
            fields,
            module,
            filter,
            order,
            offset,
            limit,
        })
    }
}

fn invalid_column(column: &str, clause: &str) -> Reply {
    Reply::crm_error(
        400,
        "INVALID_QUERY",
        "column given seems to be invalid",
        json!({"column_name": column, "clause": clause}),
    )
}

fn limit_exceeded(clause: &str, limit: usize) -> Reply {
    Reply::crm_error(
        400,
        "LIMIT_EXCEEDED",
        "limit exceeded",
        json!({"clause": clause, "limit": limit}),
    )
}

fn criteria(expr: &Expr) -> usize {
    match expr {
        Expr::And(a, b) | Expr::Or(a, b) => criteria(a) + criteria(b),
        _ => 1,
    }
}

fn largest_in(expr: &Expr) -> usize {
    match expr {
        Expr::And(a, b) | Expr::Or(a, b) => largest_in(a).max(largest_in(b)),
        Expr::In { values, .. } => values.len(),
        _ => 0,
    }
}

/// Zoho's counts: select columns, criteria, values in `in`, ORDER BY fields and duplicates.
fn check_limits(query: &Query) -> Result<(), Reply> {
    if query.fields.len() > MAX_SELECT_COLUMNS {
        return Err(limit_exceeded("select", MAX_SELECT_COLUMNS));
    }
    if let Some(filter) = &query.filter {
        if criteria(filter) > MAX_CRITERIA {
            return Err(limit_exceeded("where", MAX_CRITERIA));
        }
        if largest_in(filter) > MAX_IN_VALUES {
            return Err(Reply::crm_error(
                400,
                "LIMIT_EXCEEDED",
                "limit exceeded",
                json!({"clause": "where", "operator": "in", "limit": MAX_IN_VALUES}),
            ));
        }
    }
    if query.order.len() > MAX_ORDER_BY {
        return Err(limit_exceeded("order by", MAX_ORDER_BY));
    }
    for (i, (field, _)) in query.order.iter().enumerate() {
        if query.order[..i].iter().any(|(earlier, _)| earlier == field) {
            return Err(Reply::crm_error(
                400,
                "DUPLICATE_DATA",
                "duplicate data",
                json!({"clause": "order by", "column_name": field}),
            ));
        }
    }
    Ok(())
}

/// Every field the query names must exist (a dot-path's first part must be a lookup), and no
/// multi-line field may be a criterion.
fn check_fields(state: &State, query: &Query) -> Result<(), Reply> {
    let known = fields::fields(state, &query.module);
    let check = |name: &str, clause: &str| -> Result<(), Reply> {
        let (head, tail) = name.split_once('.').map_or((name, None), |(h, t)| (h, Some(t)));
        match known.iter().find(|f| f.api_name == head) {
            Some(field) if tail.is_none() || matches!(field.data_type, "lookup" | "ownerlookup") => Ok(()),
            _ => Err(invalid_column(name, clause)),
        }
    };
    for field in &query.fields {
        check(field, "select")?;
        // Not selectable in COQL (docs v8 `COQL-Limitations`: multi-select lookups, file and
        // image upload fields, subforms).
        if let Some(found) = known.iter().find(|f| f.api_name == *field)
            && matches!(
                found.data_type,
                "multiselectlookup" | "fileupload" | "imageupload" | "subform"
            )
        {
            return Err(Reply::crm_error(
                400,
                "INVALID_QUERY",
                "data type not supported",
                json!({"column_name": field, "data_type": found.data_type, "clause": "select"}),
            ));
        }
    }
    fn walk(expr: &Expr, check: &dyn Fn(&str, &str) -> Result<(), Reply>) -> Result<(), Reply> {
        match expr {
            Expr::And(a, b) | Expr::Or(a, b) => {
                walk(a, check)?;
                walk(b, check)
            }
            Expr::Compare { field, .. }
            | Expr::IsNull { field, .. }
            | Expr::In { field, .. }
            | Expr::Between { field, .. }
            | Expr::Like { field, .. } => check(field, "where"),
        }
    }
    if let Some(filter) = &query.filter {
        walk(filter, &check)?;
        let multi_line = |name: &str, _: &str| -> Result<(), Reply> {
            match known.iter().find(|f| f.api_name == name) {
                Some(field) if field.data_type == "textarea" => Err(Reply::crm_error(
                    400,
                    "INVALID_QUERY",
                    "data type not supported",
                    json!({"column_name": name, "data_type": "textarea", "clause": "where"}),
                )),
                _ => Ok(()),
            }
        };
        walk(filter, &multi_line)?;
    }
    for (field, _) in &query.order {
        check(field, "order by")?;
    }
    Ok(())
}

/// A field's value, following a lookup for `Lookup.Field`.
fn value_of(state: &State, record: &Map<String, Value>, field: &str) -> Option<Value> {
    let Some((head, tail)) = field.split_once('.') else {
        return record.get(field).filter(|v| !v.is_null()).cloned();
    };
    let id = record.get(head)?.get("id")?.as_str()?;
    let target = state
        .crm
        .modules
        .values()
        .flat_map(|m| m.records.iter())
        .find(|r| r.get("id").and_then(Value::as_str) == Some(id))?;
    target.get(tail).filter(|v| !v.is_null()).cloned()
}

/// Orders a field value against a literal: numbers numerically, text case-insensitively,
/// lookups by id, booleans against `'true'` / `'false'`.
fn order_against(value: &Value, literal: &Literal) -> Option<Ordering> {
    match (value, literal) {
        (Value::Number(n), Literal::Number(l)) => n.as_f64()?.partial_cmp(l),
        (Value::Number(n), Literal::Text(t)) => n.as_f64()?.partial_cmp(&t.parse::<f64>().ok()?),
        (Value::String(s), Literal::Number(l)) => s.parse::<f64>().ok()?.partial_cmp(l),
        (Value::String(s), Literal::Text(t)) => Some(compare_text(s, t)),
        (Value::Bool(b), Literal::Text(t)) => Some(b.to_string().cmp(&t.to_lowercase())),
        (Value::Object(o), literal) => order_against(o.get("id")?, literal),
        _ => None,
    }
}

/// SQL `LIKE` with `%` wildcards, case-insensitive.
fn like(text: &str, pattern: &str) -> bool {
    let (text, pattern) = (text.to_lowercase(), pattern.to_lowercase());
    let parts: Vec<&str> = pattern.split('%').collect();
    if parts.len() == 1 {
        return text == pattern;
    }
    let mut rest = text.as_str();
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            let Some(stripped) = rest.strip_prefix(part) else {
                return false;
            };
            rest = stripped;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(found) = rest.find(part) else { return false };
            rest = &rest[found + part.len()..];
        }
    }
    true
}

fn matches(state: &State, record: &Map<String, Value>, expr: &Expr) -> bool {
    match expr {
        Expr::And(a, b) => matches(state, record, a) && matches(state, record, b),
        Expr::Or(a, b) => matches(state, record, a) || matches(state, record, b),
        Expr::IsNull { field, negated } => value_of(state, record, field).is_none() != *negated,
        Expr::Compare { field, op, value } => value_of(state, record, field)
            .and_then(|v| order_against(&v, value))
            .is_some_and(|o| match *op {
                "=" => o == Ordering::Equal,
                "!=" => o != Ordering::Equal,
                "<" => o == Ordering::Less,
                ">" => o == Ordering::Greater,
                "<=" => o != Ordering::Greater,
                _ => o != Ordering::Less,
            }),
        Expr::In { field, values, negated } => {
            let found = value_of(state, record, field)
                .is_some_and(|v| values.iter().any(|l| order_against(&v, l) == Some(Ordering::Equal)));
            found != *negated
        }
        Expr::Between { field, low, high } => value_of(state, record, field).is_some_and(|v| {
            order_against(&v, low).is_some_and(|o| o != Ordering::Less)
                && order_against(&v, high).is_some_and(|o| o != Ordering::Greater)
        }),
        Expr::Like {
            field,
            pattern,
            negated,
        } => {
            let hit = value_of(state, record, field)
                .and_then(|v| v.as_str().map(|s| like(s, pattern)))
                .unwrap_or(false);
            hit != *negated
        }
    }
}

/// Text as Zoho compares it: digit strings (ids) numerically, date-times as instants whatever
/// their offsets, anything else case-insensitively.
fn compare_text(a: &str, b: &str) -> Ordering {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if digits(a) && digits(b) {
        return (a.len(), a).cmp(&(b.len(), b));
    }
    if let (Some(x), Some(y)) = (crate::time::parse_iso(a), crate::time::parse_iso(b)) {
        return x.cmp(&y);
    }
    a.to_lowercase().cmp(&b.to_lowercase())
}

fn compare_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => {
            x.as_f64().partial_cmp(&y.as_f64()).unwrap_or(Ordering::Equal)
        }
        (Some(Value::String(x)), Some(Value::String(y))) => compare_text(x, y),
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

/// `POST /crm/v8/coql`.
pub(crate) fn run(state: &State, request: &RecordedRequest) -> Reply {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let Some(text) = body.get("select_query").and_then(Value::as_str) else {
        return Reply::crm_error(
            400,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            json!({"param_name": "select_query"}),
        );
    };
    let tokens = match tokenize(text) {
        Ok(tokens) => tokens,
        Err(reply) => return reply,
    };
    let lines: Vec<&str> = text.split('\n').collect();
    let end = (lines.len(), lines.last().map_or(0, |l| l.chars().count()) + 1);
    let query = match (Parser {
        tokens,
        position: 0,
        end,
    })
    .query()
    {
        Ok(query) => query,
        Err(reply) => return reply,
    };
    if !state.crm.modules.contains_key(&query.module) {
        return Reply::crm_error(
            400,
            "INVALID_QUERY",
            "invalid query formed",
            json!({"module": query.module, "reason": "the module name given seems to be invalid"}),
        );
    }
    if let Err(reply) = check_limits(&query).and_then(|()| check_fields(state, &query)) {
        return reply;
    }
    if query.limit > MAX_LIMIT || query.offset + query.limit > MAX_REACHABLE {
        return Reply::crm_error(
            400,
            "LIMIT_EXCEEDED",
            "limit exceeded",
            json!({"limit": MAX_LIMIT, "clause": "limit"}),
        );
    }
    let mut rows: Vec<&Map<String, Value>> = state.crm.modules[&query.module]
        .records
        .iter()
        .filter(|r| query.filter.as_ref().is_none_or(|f| matches(state, r, f)))
        .collect();
    let order = if query.order.is_empty() {
        vec![("id".to_owned(), false)]
    } else {
        query.order.clone()
    };
    rows.sort_by(|a, b| {
        order.iter().fold(Ordering::Equal, |acc, (field, descending)| {
            acc.then_with(|| {
                let o = compare_values(value_of(state, a, field).as_ref(), value_of(state, b, field).as_ref());
                if *descending { o.reverse() } else { o }
            })
        })
    });
    let total = rows.len() as u64;
    let page: Vec<Value> = rows
        .iter()
        .skip(usize::try_from(query.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(query.limit).unwrap_or(usize::MAX))
        .map(|record| {
            let mut row = Map::new();
            for field in &query.fields {
                row.insert(field.clone(), value_of(state, record, field).unwrap_or(Value::Null));
            }
            row.insert("id".into(), record.get("id").cloned().unwrap_or(Value::Null));
            Value::Object(row)
        })
        .collect();
    if page.is_empty() {
        return Reply::no_content();
    }
    let more = query.offset + (page.len() as u64) < total;
    Reply::json(
        200,
        &json!({"data": page, "info": {"count": page.len(), "more_records": more}}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Query, Reply> {
        let tokens = tokenize(text)?;
        Parser {
            tokens,
            position: 0,
            end: (1, text.len() + 1),
        }
        .query()
    }

    #[test]
    fn parses_the_supported_subset() {
        let q = parse("select Last_Name, Account_Name.Account_Name from Contacts where (Email like '%@zylker.com' and Lead_Source in ('Web', 'Partner')) or Amount between 10 and 20.5 order by Last_Name desc, id limit 10, 50").expect("parses");
        assert_eq!(
            (q.fields.len(), q.module.as_str(), q.offset, q.limit),
            (2, "Contacts", 10, 50)
        );
        assert_eq!(q.order, vec![("Last_Name".to_owned(), true), ("id".to_owned(), false)]);
        let q = parse("SELECT a FROM Leads WHERE b IS NOT NULL AND c NOT IN (1, 2) LIMIT 5 OFFSET 7").expect("parses");
        assert_eq!((q.offset, q.limit), (7, 5));
        assert!(parse("select a from Leads where b = 'it''s'").is_ok());
    }

    #[test]
    fn syntax_errors_point_at_the_token() {
        let Err(reply) = parse("select Last_Name from Leads where Last_Name == 'x'") else {
            panic!("must fail")
        };
        let body: Value = serde_json::from_slice(&reply.body).expect("json");
        assert_eq!(body["code"], "SYNTAX_ERROR");
        assert_eq!(body["details"], json!({"line": 1, "column": 46, "near": "="}));
        assert!(parse("select from Leads").is_err());
        assert!(parse("select a from Leads where b = 'open").is_err());
        assert!(parse("select * from Leads").is_err());
        assert!(parse("select a from Leads limit 5 trailing").is_err());
    }

    #[test]
    fn more_than_two_criteria_need_brackets() {
        assert!(parse("select a from Leads where b = 1 and c = 2").is_ok());
        assert!(parse("select a from Leads where b = 1 and (c = 2 or d = 3)").is_ok());
        assert!(parse("select a from Leads where ((b = 1 and c = 2) and d = 3)").is_ok());
        assert!(parse("select a from Leads where b between 1 and 2 and c = 3").is_ok());
        let Err(reply) = parse("select a from Leads where b = 1 and c = 2 and d = 3") else {
            panic!("three unbracketed criteria must fail")
        };
        let body: Value = serde_json::from_slice(&reply.body).expect("json");
        assert_eq!(
            (body["code"].as_str(), body["details"]["near"].as_str()),
            (Some("SYNTAX_ERROR"), Some("and"))
        );
        assert!(parse("select a from Leads where b = 1 or c = 2 and d = 3").is_err());
    }

    #[test]
    fn documented_limits_are_enforced_with_zohos_codes() {
        let code = |text: &str| {
            let query = parse(text).expect("parses");
            check_limits(&query)
                .err()
                .and_then(|reply| serde_json::from_slice::<Value>(&reply.body).ok())
                .map(|body| {
                    (
                        body["code"].as_str().unwrap_or_default().to_owned(),
                        body["details"].clone(),
                    )
                })
        };
        let columns: Vec<String> = (0..51).map(|i| format!("f{i}")).collect();
        assert_eq!(code(&format!("select {} from Leads", columns[..50].join(","))), None);
        assert_eq!(
            code(&format!("select {} from Leads", columns.join(","))).map(|c| c.0),
            Some("LIMIT_EXCEEDED".into())
        );
        let nested = |n: usize| (1..n).fold("a = 0".to_owned(), |acc, i| format!("(a = {i} or {acc})"));
        assert_eq!(code(&format!("select a from Leads where {}", nested(25))), None);
        assert_eq!(
            code(&format!("select a from Leads where {}", nested(26))).map(|c| c.1["clause"].clone()),
            Some(json!("where"))
        );
        let values: Vec<String> = (0..101).map(|i| i.to_string()).collect();
        assert_eq!(
            code(&format!("select a from Leads where a in ({})", values[..100].join(","))),
            None
        );
        assert_eq!(
            code(&format!("select a from Leads where a in ({})", values.join(","))).map(|c| c.1["operator"].clone()),
            Some(json!("in"))
        );
        let order: Vec<String> = (0..11).map(|i| format!("f{i}")).collect();
        assert_eq!(
            code(&format!("select a from Leads order by {}", order[..10].join(","))),
            None
        );
        assert!(code(&format!("select a from Leads order by {}", order.join(","))).is_some());
        assert_eq!(
            code("select id from Contacts where id is not null order by id,id").map(|c| c.0),
            Some("DUPLICATE_DATA".into())
        );
    }

    #[test]
    fn like_patterns() {
        assert!(like("p.boyle@Zylker.com", "%@zylker.com"));
        assert!(like("Boyle", "bo%"));
        assert!(like("a-b-c", "%b%"));
        assert!(!like("Boyle", "%x%"));
    }
}
