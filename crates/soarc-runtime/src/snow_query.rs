//! ServiceNow encoded queries (`sysparm_query`) as the built-in Table API mock evaluates
//! them.
//!
//! Sources:
//! - ServiceNow, "Operators available for filters and queries"
//!   (<https://www.servicenow.com/docs/bundle/zurich-platform-user-interface/page/use/common-ui-elements/reference/r_OpAvailableFiltersQueries.html>):
//!   `=`, `!=`, `>`, `>=`, `<`, `<=`, `IN`, `NOT IN`, `LIKE` (contains), `NOT LIKE`,
//!   `STARTSWITH`, `ENDSWITH`, `ISEMPTY`, `ISNOTEMPTY`, `ANYTHING`, `SAMEAS`, `NSAMEAS`,
//!   `BETWEEN`; `ORDERBY<field>` / `ORDERBYDESC<field>` sort the answer.
//! - ServiceNow SDK, "Encoded Queries" (<https://servicenow.github.io/sdk/guides/encoded-query-guide>):
//!   "`^` — AND", "`^OR` — OR: either the preceding or following condition matches", "`^NQ`
//!   — NewQuery (OR): starts a new independent query; a record matches if it satisfies any
//!   of the `^NQ`-separated groups", and "`^OR` binds only to the single condition
//!   immediately before and after it" (so `a^b^ORc` is a AND (b OR c)). A literal `^` in a
//!   value is written `^^`.
//!
//! `=`, `!=` and `IN` match exactly ("Exactly matches <value>"); `LIKE`, `STARTSWITH` and
//! `ENDSWITH` ignore case (as the mock did before, and as the list filters behave on a
//! default instance); `>`/`<` compare numbers as numbers and other values as text
//! (ServiceNow's `YYYY-MM-DD hh:mm:ss` dates order correctly as text).
//! Conditions the mock cannot evaluate offline (`javascript:` values, relative dates such as
//! `ONToday` or `RELATIVEGT`, `DYNAMIC`) are not evaluated: they match every record, so they
//! never hide a record the real instance might return. Field names are lower case, as
//! ServiceNow column names are; an upper-case letter starts the operator.

use std::cmp::Ordering;

use serde_json::Value;

/// A parsed `sysparm_query`.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Query {
    /// `^NQ` groups; a record matches if any group matches (no group: every record).
    groups: Vec<Group>,
    /// Sort keys in order: (field, descending).
    order: Vec<(String, bool)>,
}

/// Conditions joined by `^` (AND), each an OR of conditions joined by `^OR`.
#[derive(Debug, Default, PartialEq)]
struct Group(Vec<Vec<Cond>>);

#[derive(Debug, PartialEq)]
enum Cond {
    Eq(String, String),
    Ne(String, String),
    Gt(String, String),
    Ge(String, String),
    Lt(String, String),
    Le(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Like(String, String),
    NotLike(String, String),
    Starts(String, String),
    Ends(String, String),
    Empty(String, bool),
    /// `fieldSAMEASother` / `fieldNSAMEASother`: two fields compared.
    Same(String, String, bool),
    Between(String, String, String),
    /// Not evaluated offline: matches every record.
    Any,
}

/// Splits on `^` separators; `^^` is a literal `^`.
fn terms(q: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = q.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '^' {
            if chars.peek() == Some(&'^') {
                chars.next();
                out.last_mut().expect("one").push('^');
            } else {
                out.push(String::new());
            }
        } else {
            out.last_mut().expect("one").push(c);
        }
    }
    out
}

/// Operators, longest first where one is a prefix of another.
const OPERATORS: &[&str] = &[
    "!=",
    ">=",
    "<=",
    "=",
    ">",
    "<",
    "NOT LIKE",
    "NOT IN",
    "NSAMEAS",
    "SAMEAS",
    "ISNOTEMPTY",
    "ISEMPTY",
    "ANYTHING",
    "LIKE",
    "IN",
    "STARTSWITH",
    "ENDSWITH",
    "BETWEEN",
];

fn parse_cond(term: &str) -> Cond {
    let end = term
        .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'))
        .unwrap_or(term.len());
    let (field, rest) = term.split_at(end);
    if field.is_empty() || rest.contains("javascript:") {
        return Cond::Any;
    }
    let field = field.to_string();
    let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(**op)) else {
        return Cond::Any;
    };
    let value = rest[op.len()..].to_string();
    let list = |v: &str| v.split(',').map(|x| x.trim().to_string()).collect();
    match *op {
        "=" => Cond::Eq(field, value),
        "!=" => Cond::Ne(field, value),
        ">" => Cond::Gt(field, value),
        ">=" => Cond::Ge(field, value),
        "<" => Cond::Lt(field, value),
        "<=" => Cond::Le(field, value),
        "IN" => Cond::In(field, list(&value)),
        "NOT IN" => Cond::NotIn(field, list(&value)),
        "LIKE" => Cond::Like(field, value),
        "NOT LIKE" => Cond::NotLike(field, value),
        "STARTSWITH" => Cond::Starts(field, value),
        "ENDSWITH" => Cond::Ends(field, value),
        "ISEMPTY" if value.is_empty() => Cond::Empty(field, true),
        "ISNOTEMPTY" if value.is_empty() => Cond::Empty(field, false),
        "SAMEAS" => Cond::Same(field, value, true),
        "NSAMEAS" => Cond::Same(field, value, false),
        // `fieldBETWEENa@b`.
        "BETWEEN" => match value.split_once('@') {
            Some((a, b)) => Cond::Between(field, a.to_string(), b.to_string()),
            None => Cond::Any,
        },
        _ => Cond::Any,
    }
}

impl Query {
    /// Parses `q` (already URL-decoded). Linear in its length.
    pub fn parse(q: &str) -> Query {
        let mut query = Query::default();
        let mut group = Group::default();
        for term in terms(q) {
            if let Some(rest) = term.strip_prefix("NQ") {
                // `^NQ` starts a new group with the condition glued to it.
                query.groups.push(std::mem::take(&mut group));
                if !rest.is_empty() {
                    group.0.push(vec![parse_cond(rest)]);
                }
            } else if let Some(field) = term.strip_prefix("ORDERBYDESC") {
                query.order.push((field.to_string(), true));
            } else if let Some(field) = term.strip_prefix("ORDERBY") {
                query.order.push((field.to_string(), false));
            } else if let Some(rest) = term.strip_prefix("OR") {
                let cond = parse_cond(rest);
                match group.0.last_mut() {
                    Some(alternatives) => alternatives.push(cond),
                    None => group.0.push(vec![cond]),
                }
            } else if term.is_empty() || term == "EQ" {
                // `^EQ` ends a query the list view builds; empty terms come from `^^`-free
                // leading or trailing separators.
            } else {
                group.0.push(vec![parse_cond(&term)]);
            }
        }
        query.groups.push(group);
        query.groups.retain(|g| !g.0.is_empty());
        query
    }

    /// Whether `record` matches.
    pub fn matches(&self, record: &Value) -> bool {
        self.groups.is_empty()
            || self.groups.iter().any(|g| {
                g.0.iter()
                    .all(|alternatives| alternatives.iter().any(|c| c.matches(record)))
            })
    }

    /// Sorts `records` by the `ORDERBY` keys (stable: records equal on every key keep their
    /// order, which is creation order).
    pub fn sort(&self, records: &mut [&Value]) {
        if self.order.is_empty() {
            return;
        }
        records.sort_by(|a, b| {
            for (field, desc) in &self.order {
                let o = compare(&text(a, field), &text(b, field));
                let o = if *desc { o.reverse() } else { o };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
    }
}

/// A field's value as the Table API returns it as text: strings as they are, reference
/// fields (`{link, value}`) by their `value`, null and missing as "".
fn text(record: &Value, field: &str) -> String {
    match record.get(field) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(Value::Object(o)) => o
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        Some(other) => other.to_string(),
    }
}

/// Numbers as numbers when both are numbers, else text.
fn compare(a: &str, b: &str) -> Ordering {
    match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.cmp(b),
    }
}

impl Cond {
    fn matches(&self, record: &Value) -> bool {
        let eq = |f: &str, v: &str| text(record, f) == v;
        let lower = |f: &str| text(record, f).to_lowercase();
        match self {
            Cond::Eq(f, v) => eq(f, v),
            Cond::Ne(f, v) => !eq(f, v),
            Cond::Gt(f, v) => compare(&text(record, f), v) == Ordering::Greater,
            Cond::Ge(f, v) => compare(&text(record, f), v) != Ordering::Less,
            Cond::Lt(f, v) => compare(&text(record, f), v) == Ordering::Less,
            Cond::Le(f, v) => compare(&text(record, f), v) != Ordering::Greater,
            Cond::In(f, vs) => vs.iter().any(|v| eq(f, v)),
            Cond::NotIn(f, vs) => !vs.iter().any(|v| eq(f, v)),
            Cond::Like(f, v) => lower(f).contains(&v.to_lowercase()),
            Cond::NotLike(f, v) => !lower(f).contains(&v.to_lowercase()),
            Cond::Starts(f, v) => lower(f).starts_with(&v.to_lowercase()),
            Cond::Ends(f, v) => lower(f).ends_with(&v.to_lowercase()),
            Cond::Empty(f, empty) => text(record, f).is_empty() == *empty,
            Cond::Same(f, g, same) => (text(record, f) == text(record, g)) == *same,
            Cond::Between(f, a, b) => {
                let x = text(record, f);
                compare(&x, a) != Ordering::Less && compare(&x, b) != Ordering::Greater
            }
            Cond::Any => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn records() -> Vec<Value> {
        vec![
            json!({"number": "INC0010001", "priority": "1", "state": "2", "short_description": "Impossible travel for alice", "caller_id": {"link": "x", "value": "abc"}, "correlation_id": "sentinel-1"}),
            json!({"number": "INC0010002", "priority": "3", "state": "6", "short_description": "Malware on host", "caller_id": {"link": "y", "value": "def"}, "correlation_id": ""}),
            json!({"number": "INC0010003", "priority": "2", "state": "2", "short_description": "Phishing mail", "correlation_id": "sentinel-3"}),
        ]
    }

    fn numbers(q: &str) -> Vec<String> {
        let query = Query::parse(q);
        let all = records();
        let mut hits: Vec<&Value> = all.iter().filter(|r| query.matches(r)).collect();
        query.sort(&mut hits);
        hits.iter()
            .map(|r| r["number"].as_str().unwrap()[7..].to_string())
            .collect()
    }

    #[test]
    fn operators() {
        assert_eq!(numbers("state=2"), ["001", "003"]);
        assert_eq!(numbers("state!=2"), ["002"]);
        assert_eq!(numbers("priority<=2"), ["001", "003"]);
        assert_eq!(numbers("priority>1"), ["002", "003"]);
        assert_eq!(numbers("stateIN6,7"), ["002"]);
        assert_eq!(numbers("stateNOT IN6,7"), ["001", "003"]);
        assert_eq!(numbers("short_descriptionLIKEtravel"), ["001"]);
        assert_eq!(numbers("short_descriptionNOT LIKEtravel"), ["002", "003"]);
        assert_eq!(numbers("short_descriptionSTARTSWITHmal"), ["002"]);
        assert_eq!(numbers("short_descriptionENDSWITHMAIL"), ["003"]);
        assert_eq!(numbers("correlation_idISEMPTY"), ["002"]);
        assert_eq!(numbers("correlation_idISNOTEMPTY"), ["001", "003"]);
        assert_eq!(numbers("caller_id=def"), ["002"]);
        assert_eq!(numbers("priorityBETWEEN2@3"), ["002", "003"]);
        assert_eq!(numbers("stateSAMEASpriority"), ["003"]);
    }

    #[test]
    fn or_binds_tighter_than_and_and_nq_starts_a_group() {
        // state=2 AND (priority=1 OR priority=3): only 001.
        assert_eq!(numbers("state=2^priority=1^ORpriority=3"), ["001"]);
        // (state=6) OR (priority=2 AND state=2).
        assert_eq!(numbers("state=6^NQpriority=2^state=2"), ["002", "003"]);
    }

    #[test]
    fn order_and_unevaluable_conditions() {
        assert_eq!(numbers("ORDERBYDESCpriority"), ["002", "003", "001"]);
        assert_eq!(numbers("state=2^ORDERBYshort_description"), ["001", "003"]);
        // Not evaluated offline: does not narrow the answer.
        assert_eq!(
            numbers("sys_created_on>javascript:gs.daysAgo(1)^state=6"),
            ["002"]
        );
        assert_eq!(
            numbers("opened_atONToday@javascript:gs.beginningOfToday()"),
            ["001", "002", "003"]
        );
        // `^^` is a literal caret.
        assert_eq!(
            Query::parse("short_description=a^^b").groups[0].0[0][0],
            Cond::Eq("short_description".into(), "a^b".into())
        );
    }
}
