//! WDL026: an action or trigger property holds a value of a type (or a value) Logic Apps
//! rejects when the workflow is saved.
//!
//! Sources: Microsoft's workflow definition schema
//! (`https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json`,
//! in `../shared/reference/schemas`), which types every property below, and Learn, "Schema
//! reference guide for trigger and action types in Azure Logic Apps"
//! (https://learn.microsoft.com/azure/logic-apps/logic-apps-workflow-actions-triggers):
//! - Request trigger: `kind` one of Alert, AzureMonitorAlert, Button, EventGrid, Geofence,
//!   Http, PowerApp, SecurityCenterAlert; `inputs.method` one of DELETE, GET, HEAD, OPTIONS,
//!   PATCH, POST, PUT, TRACE; `inputs.relativePath` a string; `inputs.schema` "a JSON object"
//!   (Learn: "<JSON-schema> | JSON Object | The JSON schema that describes and validates the
//!   payload").
//! - Response action: `inputs.statusCode` an integer (or an expression) — Learn: "any valid
//!   status code that starts with 2xx, 4xx, or 5xx, but not with 3xxx"; `inputs.headers` an
//!   object (or an expression).
//! - Http: `inputs.method` an HTTP method (the enum above), `inputs.uri` a string;
//!   ApiConnection: `inputs.method` and `inputs.path` strings, `inputs.host` an object.
//! - Foreach `foreach`: an array or a string; If `expression`: a string or a condition
//!   object; Until `limit` an object whose `count` is a number and `timeout` a string;
//!   Switch `expression` a number or a string and `cases` an object; Scope, If, Foreach and
//!   Until `actions` an object.
//! - Recurrence: `recurrence.frequency` one of Second, Minute, Hour, Day, Week, Month, Year;
//!   `recurrence.interval` an integer. Wait: `inputs.interval.unit` the same units,
//!   `inputs.interval.count` an integer. Terminate: `inputs.runStatus` Cancelled, Failed or
//!   Succeeded.
//!
//! Names and enum values are compared ignoring ASCII case, as Logic Apps reads them; a value
//! computed by a workflow expression (`@...`) or, inside an ARM template, by an ARM
//! expression (`[...]`) is not checked.

use super::{Rule, Severity};
use crate::context::Action;
use crate::json::{Node, Value};
use crate::{Context, Sink};
use soarc_lang::arm::expr::{StringKind, classify};
use soarc_lang::wdl::{HttpMethod, Name, RequestKind, RunStatus};

pub static RULE: Rule = Rule {
    code: "WDL026",
    title: "Action or trigger property of a type Logic Apps rejects",
    severity: Severity::Error,
    doc: "A property of an action or trigger holds a value of the wrong JSON type or outside \
          its allowed values, as Microsoft's workflow definition schema (2016-06-01) and \
          Learn's \"Schema reference guide for trigger and action types\" define them: the \
          Request trigger's `kind`, `inputs.method` (an HTTP method), `inputs.relativePath` \
          (a string) and `inputs.schema` (a JSON object); the Response action's \
          `inputs.statusCode` (an integer 200-299 or 400-599, not a 3xx) and `inputs.headers` \
          (an object); Http `inputs.method` and `inputs.uri`; ApiConnection `inputs.method`, \
          `inputs.path` and `inputs.host`; Foreach `foreach` (an array or a string); If \
          `expression` (a string or a condition object); Until `limit` (`count` a number, \
          `timeout` a string); Switch `expression` and `cases`; Recurrence `frequency` and \
          `interval`; Wait `interval`; Terminate `runStatus`. Logic Apps rejects such a \
          workflow when it is saved. Values computed by an expression are not checked.",
    check,
};

// The closed sets soarc's workflow model holds (soarc_lang::wdl::names), so the compiler
// and the validator agree on them.
const HTTP_METHODS: &[&str] = HttpMethod::NAMES;
const REQUEST_KINDS: &[&str] = RequestKind::NAMES;
const FREQUENCIES: &[&str] = &["Second", "Minute", "Hour", "Day", "Week", "Month", "Year"];
const RUN_STATUSES: &[&str] = RunStatus::NAMES;

/// What a property must hold.
#[derive(Clone, Copy)]
enum Expect {
    Str,
    Obj,
    /// A string or an object (headers, If conditions).
    StrOrObj,
    /// An array or a string (Foreach).
    ArrOrStr,
    /// A number or a string (Switch expression).
    NumOrStr,
    /// A number, or a string holding one (Until count).
    Number,
    /// An integer, or a string holding one.
    Int,
    /// A string among these (ASCII case ignored).
    OneOf(&'static [&'static str]),
    /// A Response status code: 2xx, 4xx or 5xx.
    Status,
}

/// (action or trigger type, trigger?, property path, what it must hold).
const TABLE: &[(&str, bool, &str, Expect)] = &[
    ("Request", true, "kind", Expect::OneOf(REQUEST_KINDS)),
    (
        "Request",
        true,
        "inputs.method",
        Expect::OneOf(HTTP_METHODS),
    ),
    ("Request", true, "inputs.relativePath", Expect::Str),
    ("Request", true, "inputs.schema", Expect::Obj),
    ("Response", false, "inputs.statusCode", Expect::Status),
    ("Response", false, "inputs.headers", Expect::StrOrObj),
    ("Http", false, "inputs.method", Expect::OneOf(HTTP_METHODS)),
    ("Http", false, "inputs.uri", Expect::Str),
    ("Http", false, "inputs.headers", Expect::StrOrObj),
    ("Http", true, "inputs.method", Expect::OneOf(HTTP_METHODS)),
    ("Http", true, "inputs.uri", Expect::Str),
    ("ApiConnection", false, "inputs.method", Expect::Str),
    ("ApiConnection", false, "inputs.path", Expect::Str),
    ("ApiConnection", false, "inputs.host", Expect::Obj),
    ("ApiConnection", true, "inputs.method", Expect::Str),
    ("ApiConnection", true, "inputs.path", Expect::Str),
    ("ApiConnectionWebhook", false, "inputs.path", Expect::Str),
    ("ApiConnectionWebhook", true, "inputs.path", Expect::Str),
    ("Foreach", false, "foreach", Expect::ArrOrStr),
    ("Foreach", false, "actions", Expect::Obj),
    ("If", false, "expression", Expect::StrOrObj),
    ("If", false, "actions", Expect::Obj),
    ("Until", false, "expression", Expect::StrOrObj),
    ("Until", false, "actions", Expect::Obj),
    ("Until", false, "limit", Expect::Obj),
    ("Until", false, "limit.count", Expect::Number),
    ("Until", false, "limit.timeout", Expect::Str),
    ("Switch", false, "expression", Expect::NumOrStr),
    ("Switch", false, "cases", Expect::Obj),
    ("Switch", false, "default", Expect::Obj),
    ("Scope", false, "actions", Expect::Obj),
    ("Recurrence", true, "recurrence", Expect::Obj),
    (
        "Recurrence",
        true,
        "recurrence.frequency",
        Expect::OneOf(FREQUENCIES),
    ),
    ("Recurrence", true, "recurrence.interval", Expect::Int),
    (
        "Wait",
        false,
        "inputs.interval.unit",
        Expect::OneOf(FREQUENCIES),
    ),
    ("Wait", false, "inputs.interval.count", Expect::Int),
    (
        "Terminate",
        false,
        "inputs.runStatus",
        Expect::OneOf(RUN_STATUSES),
    ),
];

fn describe(expect: Expect) -> String {
    match expect {
        Expect::Str => "a string".into(),
        Expect::Obj => "a JSON object".into(),
        Expect::StrOrObj => "a string or a JSON object".into(),
        Expect::ArrOrStr => "an array or an expression string".into(),
        Expect::NumOrStr => "a number or a string".into(),
        Expect::Number => "a number".into(),
        Expect::Int => "an integer".into(),
        Expect::OneOf(values) => format!("one of {}", values.join(", ")),
        Expect::Status => {
            "an HTTP status code from 200-299 or 400-599 (Logic Apps does not send 3xx)".into()
        }
    }
}

fn shown(node: Node) -> String {
    match node.value() {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.chars().count() <= 40 => format!("'{s}'"),
        Value::String(_) => "a long string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// The value as Logic Apps reads it: `None` when an expression computes it.
fn literal<'n>(node: Node<'n>, in_arm: bool) -> Option<Node<'n>> {
    if let Value::String(s) = node.value() {
        if in_arm && classify(s) == StringKind::Expression {
            return None;
        }
        let s = if in_arm && classify(s) == StringKind::EscapedLiteral {
            &s[1..]
        } else {
            s
        };
        // `@@` is an escaped literal `@`; any other `@` starts a workflow expression.
        if (s.starts_with('@') && !s.starts_with("@@")) || s.contains("@{") {
            return None;
        }
    }
    Some(node)
}

fn integer_text(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok()
}

/// Whether `node` holds what `expect` asks for.
fn fits(node: Node, expect: Expect) -> bool {
    match (node.value(), expect) {
        (
            Value::String(_),
            Expect::Str | Expect::StrOrObj | Expect::ArrOrStr | Expect::NumOrStr,
        ) => true,
        (Value::Object(_), Expect::Obj | Expect::StrOrObj) => true,
        (Value::Array(_), Expect::ArrOrStr) => true,
        (Value::Number(_), Expect::NumOrStr | Expect::Number) => true,
        (Value::String(s), Expect::Number) => s.trim().parse::<f64>().is_ok(),
        (Value::Number(n), Expect::Int) => integer_text(n).is_some(),
        (Value::String(s), Expect::Int) => integer_text(s).is_some(),
        (Value::String(s), Expect::OneOf(values)) => {
            values.iter().any(|v| v.eq_ignore_ascii_case(s.trim()))
        }
        (Value::Number(n), Expect::Status) => integer_text(n).is_some_and(valid_status),
        (Value::String(s), Expect::Status) => integer_text(s).is_some_and(valid_status),
        _ => false,
    }
}

fn valid_status(code: i64) -> bool {
    (200..300).contains(&code) || (400..600).contains(&code)
}

fn lookup<'a>(node: Node<'a>, path: &str) -> Option<Node<'a>> {
    path.split('.').try_fold(node, |n, key| n.get_ci(key))
}

fn check_one(ctx: &Context, action: &Action, trigger: bool, in_arm: bool, sink: &mut Sink) {
    let kind = action.kind();
    for (ty, for_trigger, path, expect) in TABLE {
        if *for_trigger != trigger || !ty.eq_ignore_ascii_case(kind) {
            continue;
        }
        let Some(node) = lookup(action.node, path) else {
            continue; // WDL021 reports missing required properties.
        };
        let Some(node) = literal(node, in_arm) else {
            continue;
        };
        if fits(node, *expect) {
            continue;
        }
        let what = if trigger { "trigger" } else { "action" };
        sink.report(
            &format!("{}/{}", ctx.pointer(action.node), path.replace('.', "/")),
            node.start(),
            format!(
                "{ty} {what} '{}': {path} must be {}, not {}",
                action.name,
                describe(*expect),
                shown(node)
            ),
        );
    }
}

fn check(ctx: &Context, sink: &mut Sink) {
    for wf in &ctx.workflows {
        for trigger in &wf.triggers {
            check_one(ctx, trigger, true, wf.in_arm, sink);
        }
        for action in &wf.actions {
            check_one(ctx, action, false, wf.in_arm, sink);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, logic_app, workflow, workflow_with};

    #[test]
    fn fails_on_request_and_response_values() {
        let t = workflow(
            r#"{"r": {"type": "Response", "kind": "Http", "inputs": {"statusCode": 302, "headers": ["x"]}},
                "s": {"type": "Response", "inputs": {"statusCode": true}}}"#,
        )
        .replace(
            r#""inputs": {}}}"#,
            r#""inputs": {"method": "FETCH", "relativePath": 7, "schema": "{}"}}}"#,
        );
        expect(
            "WDL026",
            &t,
            &[
                (
                    "/triggers/manual/inputs/method",
                    "Request trigger 'manual': inputs.method must be one of DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, TRACE, not 'FETCH'",
                ),
                (
                    "/triggers/manual/inputs/relativePath",
                    "Request trigger 'manual': inputs.relativePath must be a string, not 7",
                ),
                (
                    "/triggers/manual/inputs/schema",
                    "Request trigger 'manual': inputs.schema must be a JSON object, not '{}'",
                ),
                (
                    "/actions/r/inputs/statusCode",
                    "Response action 'r': inputs.statusCode must be an HTTP status code from 200-299 or 400-599 (Logic Apps does not send 3xx), not 302",
                ),
                (
                    "/actions/r/inputs/headers",
                    "Response action 'r': inputs.headers must be a string or a JSON object, not an array",
                ),
                (
                    "/actions/s/inputs/statusCode",
                    "Response action 's': inputs.statusCode must be an HTTP status code from 200-299 or 400-599 (Logic Apps does not send 3xx), not true",
                ),
            ],
        );
    }

    #[test]
    fn fails_on_control_and_connection_types() {
        let t = workflow(
            r#"{"h": {"type": "Http", "inputs": {"method": 42, "uri": {"host": "x"}}},
                "c": {"type": "ApiConnection", "inputs": {"host": {"connection": {"name": "x"}}, "method": "get", "path": ["p"]}},
                "f": {"type": "Foreach", "foreach": {"a": 1}, "actions": {}},
                "i": {"type": "If", "expression": 1, "actions": {}},
                "u": {"type": "Until", "expression": "@true", "limit": {"count": "sixty"}, "actions": {}},
                "w": {"type": "Switch", "expression": "@x", "cases": ["a"]}}"#,
        );
        expect(
            "WDL026",
            &t,
            &[
                (
                    "/actions/h/inputs/method",
                    "Http action 'h': inputs.method must be one of DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, TRACE, not 42",
                ),
                (
                    "/actions/h/inputs/uri",
                    "Http action 'h': inputs.uri must be a string, not an object",
                ),
                (
                    "/actions/c/inputs/path",
                    "ApiConnection action 'c': inputs.path must be a string, not an array",
                ),
                (
                    "/actions/f/foreach",
                    "Foreach action 'f': foreach must be an array or an expression string, not an object",
                ),
                (
                    "/actions/i/expression",
                    "If action 'i': expression must be a string or a JSON object, not 1",
                ),
                (
                    "/actions/u/limit/count",
                    "Until action 'u': limit.count must be a number, not 'sixty'",
                ),
                (
                    "/actions/w/cases",
                    "Switch action 'w': cases must be a JSON object, not an array",
                ),
            ],
        );
    }

    #[test]
    fn fails_on_recurrence_values() {
        let t = workflow_with("{}", "{}").replace(
            r#""manual": {"type": "Request", "kind": "Http", "inputs": {}}"#,
            r#""t": {"type": "Recurrence", "recurrence": {"frequency": "Daily", "interval": "every"}}"#,
        );
        expect(
            "WDL026",
            &t,
            &[
                (
                    "/triggers/t/recurrence/frequency",
                    "Recurrence trigger 't': recurrence.frequency must be one of Second, Minute, Hour, Day, Week, Month, Year, not 'Daily'",
                ),
                (
                    "/triggers/t/recurrence/interval",
                    "Recurrence trigger 't': recurrence.interval must be an integer, not 'every'",
                ),
            ],
        );
    }

    #[test]
    fn passes_valid_values_any_case_and_expressions() {
        let t = workflow(
            r#"{"r": {"type": "response", "inputs": {"statusCode": "@variables('code')", "headers": {"a": "b"}}},
                "r2": {"type": "Response", "inputs": {"statusCode": "404"}},
                "h": {"type": "Http", "inputs": {"method": "post", "uri": "@{parameters('u')}/x"}},
                "f": {"type": "Foreach", "foreach": "@body('x')", "actions": {}},
                "i": {"type": "If", "expression": {"and": []}, "actions": {}},
                "u": {"type": "Until", "expression": "@true", "limit": {"count": 60, "timeout": "PT1H"}, "actions": {}},
                "w": {"type": "Switch", "expression": 3, "cases": {}}}"#,
        );
        expect("WDL026", &t, &[]);
        // Inside an ARM template a value ARM computes is not known offline.
        let arm = logic_app(
            r#"{"triggers": {"t": {"type": "Recurrence", "recurrence": {"frequency": "[parameters('f')]", "interval": "[parameters('i')]"}}},
                "actions": {"r": {"type": "Response", "inputs": {"statusCode": "[[not an ARM expression]"}}}}"#,
            "{}",
        );
        let found = super::super::fixtures::run("WDL026", &arm);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].pointer,
            "/resources/0/properties/definition/actions/r/inputs/statusCode"
        );
    }
}
