//! ARM020: a parameter or output declaration ARM rejects.
//!
//! Learn, "Data types in ARM templates"
//! (https://learn.microsoft.com/azure/azure-resource-manager/templates/data-types): the types
//! are array, bool, int, object, secureObject, securestring and string. Learn, "Parameters in
//! ARM templates" (https://learn.microsoft.com/azure/azure-resource-manager/templates/parameters)
//! and "Template structure and syntax"
//! (https://learn.microsoft.com/azure/azure-resource-manager/templates/syntax): `type` is
//! required for parameters and outputs; `allowedValues` is an array; `minValue`/`maxValue`
//! (int) and `minLength`/`maxLength` (string, array) are integers. Microsoft's
//! deploymentTemplate.json schema (2019-04-01, `definitions/parameter`, `parameterTypes`,
//! `output`) states the same.

use super::{Rule, Severity, hint};
use crate::json::{Node, Value, child};
use crate::{Context, Sink};
use soarc_lang::arm::expr::{StringKind, classify};

pub static RULE: Rule = Rule {
    code: "ARM020",
    title: "Parameter or output declaration is invalid",
    severity: Severity::Error,
    doc: "A template parameter or output has no `type`, or a type that is not one of string, \
          securestring, int, bool, object, secureObject, array (compared case-insensitively); \
          or a parameter's literal `defaultValue` is not of its declared type, is not one of \
          its `allowedValues`, or lies outside its `minValue`/`maxValue`/`minLength`/\
          `maxLength`; or those bounds are not integers, or `allowedValues` is not an array. \
          ARM rejects such a template or its deployment (Learn, \"Data types in ARM \
          templates\" and \"Parameters in ARM templates\"). Defaults computed by an \
          expression are not checked. Templates with user-defined types (`definitions`, \
          languageVersion 2.0) are not checked for unknown types.",
    check,
};

const TYPES: &[&str] = &[
    "string",
    "securestring",
    "int",
    "bool",
    "object",
    "secureObject",
    "array",
];

#[derive(Clone, Copy, PartialEq)]
enum Type {
    String,
    Int,
    Bool,
    Object,
    Array,
}

fn parse_type(t: &str) -> Option<Type> {
    Some(match t.to_ascii_lowercase().as_str() {
        "string" | "securestring" => Type::String,
        "int" => Type::Int,
        "bool" => Type::Bool,
        "object" | "secureobject" => Type::Object,
        "array" => Type::Array,
        _ => return None,
    })
}

/// The JSON kind of a literal value as ARM reads it; `None` for an expression string or
/// null (not checked).
fn literal_type(v: Node) -> Option<Type> {
    Some(match v.value() {
        Value::String(s) if classify(s) == StringKind::Expression => return None,
        Value::String(_) => Type::String,
        Value::Number(n) if n.parse::<i64>().is_ok() => Type::Int,
        // A fraction: ARM has no float type; left to other checks.
        Value::Number(_) => return None,
        Value::Bool(_) => Type::Bool,
        Value::Object(_) => Type::Object,
        Value::Array(_) => Type::Array,
        Value::Null => return None,
    })
}

fn type_name(t: Type) -> &'static str {
    match t {
        Type::String => "string",
        Type::Int => "int",
        Type::Bool => "bool",
        Type::Object => "object",
        Type::Array => "array",
    }
}

/// Literal values compared as ARM compares allowed values: strings case-insensitively.
fn same_value(a: Node, b: Node) -> bool {
    match (a.value(), b.value()) {
        (Value::String(x), Value::String(y)) => x.eq_ignore_ascii_case(y),
        (Value::Number(x), Value::Number(y)) => {
            x == y || x.parse::<f64>().ok() == y.parse::<f64>().ok()
        }
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Null, Value::Null) => true,
        // Arrays and objects: not compared (no false error).
        _ => true,
    }
}

fn integer(node: Node) -> Option<i64> {
    match node.value() {
        Value::Number(n) => n.parse().ok(),
        _ => None,
    }
}

fn check(ctx: &Context, sink: &mut Sink) {
    for scope in &ctx.scopes {
        // User-defined types make other type names valid.
        let custom_types = scope.root.get_ci("definitions").is_some()
            || scope.root.get_ci("languageVersion").is_some();
        if let Some(params) = scope.root.get_ci("parameters").and_then(Node::as_object) {
            for m in params {
                let at = child(&child(&scope.pointer, "parameters"), m.key);
                check_parameter(m.key, m.value, &at, m.key_start, custom_types, sink);
            }
        }
        if let Some(outputs) = scope.root.get_ci("outputs").and_then(Node::as_object) {
            for m in outputs {
                let at = child(&child(&scope.pointer, "outputs"), m.key);
                check_type(
                    "output",
                    m.key,
                    m.value,
                    &at,
                    m.key_start,
                    custom_types,
                    sink,
                );
            }
        }
    }
}

/// The declared type, after reporting a missing or unknown one.
fn check_type(
    what: &str,
    name: &str,
    decl: Node,
    at: &str,
    key_start: usize,
    custom_types: bool,
    sink: &mut Sink,
) -> Option<Type> {
    decl.as_object()?;
    if decl.get_ci("$ref").is_some() {
        return None;
    }
    let Some(node) = decl.get_ci("type") else {
        sink.report(
            at,
            key_start,
            format!(
                "{what} '{name}' has no type; declare one of {}",
                TYPES.join(", ")
            ),
        );
        return None;
    };
    let Some(text) = node.as_str() else {
        sink.report(
            &format!("{at}/type"),
            node.start(),
            format!(
                "{what} '{name}' has a type that is not a string; use one of {}",
                TYPES.join(", ")
            ),
        );
        return None;
    };
    match parse_type(text) {
        Some(t) => Some(t),
        None if custom_types => None,
        None => {
            let suggestion = soarc_lang::diagnostics::did_you_mean(text, TYPES.iter().copied());
            sink.report(
                &format!("{at}/type"),
                node.start(),
                format!(
                    "{what} '{name}' has unknown type '{text}' (ARM accepts {}){}",
                    TYPES.join(", "),
                    hint(suggestion)
                ),
            );
            None
        }
    }
}

fn check_parameter(
    name: &str,
    decl: Node,
    at: &str,
    key_start: usize,
    custom_types: bool,
    sink: &mut Sink,
) {
    let declared = check_type("parameter", name, decl, at, key_start, custom_types, sink);
    // Bounds must be integers.
    let mut bounds = [None; 4];
    for (i, key) in ["minValue", "maxValue", "minLength", "maxLength"]
        .iter()
        .enumerate()
    {
        let Some(node) = decl.get_ci(key) else {
            continue;
        };
        match integer(node) {
            Some(n) => bounds[i] = Some(n),
            None => sink.report(
                &format!("{at}/{key}"),
                node.start(),
                format!("parameter '{name}': {key} must be an integer"),
            ),
        }
    }
    let [min_value, max_value, min_length, max_length] = bounds;
    for (lo, hi, what) in [
        (min_value, max_value, "minValue"),
        (min_length, max_length, "minLength"),
    ] {
        if let (Some(lo), Some(hi)) = (lo, hi)
            && lo > hi
        {
            let node = decl.get_ci(what).expect("bound present");
            sink.report(
                &format!("{at}/{what}"),
                node.start(),
                format!("parameter '{name}': {what} {lo} is greater than its maximum {hi}; no value is allowed"),
            );
        }
    }
    let allowed = match decl.get_ci("allowedValues") {
        Some(node) => match node.as_array() {
            Some(items) => Some(items),
            None if node
                .as_str()
                .is_some_and(|s| classify(s) == StringKind::Expression) =>
            {
                None
            }
            None => {
                sink.report(
                    &format!("{at}/allowedValues"),
                    node.start(),
                    format!("parameter '{name}': allowedValues must be an array of values"),
                );
                None
            }
        },
        None => None,
    };
    let Some(default) = decl.get_ci("defaultValue") else {
        return;
    };
    let Some(actual) = literal_type(default) else {
        return;
    };
    let dat = format!("{at}/defaultValue");
    if let Some(declared) = declared
        && declared != actual
    {
        sink.report(
            &dat,
            default.start(),
            format!(
                "parameter '{name}' is of type {} but its defaultValue is {} {}; give a default of the declared type",
                decl.str_ci("type").unwrap_or_default(),
                if actual == Type::Int || actual == Type::Object || actual == Type::Array { "an" } else { "a" },
                type_name(actual)
            ),
        );
        return;
    }
    if let Some(allowed) = allowed {
        // An array parameter's allowed values constrain each element.
        let values: Vec<Node> = match (default.value(), declared) {
            (Value::Array(items), Some(Type::Array)) => items.iter().collect(),
            _ => vec![default],
        };
        for v in values {
            if literal_type(v).is_some() && !allowed.iter().any(|a| same_value(a, v)) {
                sink.report(
                    &dat,
                    default.start(),
                    format!(
                        "parameter '{name}': defaultValue {} is not one of its allowedValues",
                        short(v)
                    ),
                );
                break;
            }
        }
    }
    match default.value() {
        Value::Number(_) => {
            if let Some(n) = integer(default) {
                if let Some(lo) = min_value.filter(|lo| n < *lo) {
                    sink.report(
                        &dat,
                        default.start(),
                        format!("parameter '{name}': defaultValue {n} is below its minValue {lo}"),
                    );
                }
                if let Some(hi) = max_value.filter(|hi| n > *hi) {
                    sink.report(
                        &dat,
                        default.start(),
                        format!("parameter '{name}': defaultValue {n} is above its maxValue {hi}"),
                    );
                }
            }
        }
        Value::String(s) => length_bounds(
            name,
            s.chars().count(),
            min_length,
            max_length,
            &dat,
            default,
            sink,
        ),
        Value::Array(items) => length_bounds(
            name,
            items.len(),
            min_length,
            max_length,
            &dat,
            default,
            sink,
        ),
        _ => {}
    }
}

fn length_bounds(
    name: &str,
    len: usize,
    min: Option<i64>,
    max: Option<i64>,
    at: &str,
    node: Node,
    sink: &mut Sink,
) {
    let len = len as i64;
    if let Some(lo) = min.filter(|lo| len < *lo) {
        sink.report(
            at,
            node.start(),
            format!("parameter '{name}': defaultValue has length {len}, below its minLength {lo}"),
        );
    }
    if let Some(hi) = max.filter(|hi| len > *hi) {
        sink.report(
            at,
            node.start(),
            format!("parameter '{name}': defaultValue has length {len}, above its maxLength {hi}"),
        );
    }
}

/// A short rendering of a literal value for a message.
fn short(v: Node) -> String {
    match v.value() {
        Value::String(s) if s.chars().count() <= 40 => format!("'{s}'"),
        Value::String(_) => "(a long string)".into(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => "(a value)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect};

    fn params(p: &str) -> String {
        arm(p, "{}", "[]")
    }

    #[test]
    fn fails_on_unknown_or_missing_type() {
        expect(
            "ARM020",
            &params(r#"{"a": {"type": "strng"}, "b": {"defaultValue": 1}}"#),
            &[
                (
                    "/parameters/a/type",
                    "parameter 'a' has unknown type 'strng' (ARM accepts string, securestring, int, bool, object, secureObject, array); did you mean 'string'?",
                ),
                (
                    "/parameters/b",
                    "parameter 'b' has no type; declare one of string, securestring, int, bool, object, secureObject, array",
                ),
            ],
        );
    }

    #[test]
    fn fails_on_default_of_wrong_type_or_outside_bounds() {
        expect(
            "ARM020",
            &params(
                r#"{"n": {"type": "int", "defaultValue": "5"},
                    "s": {"type": "string", "defaultValue": "b", "allowedValues": ["a", "c"]},
                    "m": {"type": "int", "defaultValue": 0, "minValue": 1, "maxValue": "9"},
                    "l": {"type": "string", "defaultValue": "abcd", "maxLength": 3}}"#,
            ),
            &[
                (
                    "/parameters/n/defaultValue",
                    "parameter 'n' is of type int but its defaultValue is a string; give a default of the declared type",
                ),
                (
                    "/parameters/s/defaultValue",
                    "parameter 's': defaultValue 'b' is not one of its allowedValues",
                ),
                (
                    "/parameters/m/defaultValue",
                    "parameter 'm': defaultValue 0 is below its minValue 1",
                ),
                (
                    "/parameters/m/maxValue",
                    "parameter 'm': maxValue must be an integer",
                ),
                (
                    "/parameters/l/defaultValue",
                    "parameter 'l': defaultValue has length 4, above its maxLength 3",
                ),
            ],
        );
    }

    #[test]
    fn fails_on_output_without_type() {
        let t = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "resources": [], "outputs": {"id": {"value": "x"}, "ok": {"type": "String", "value": "y"}}}"#;
        expect(
            "ARM020",
            t,
            &[(
                "/outputs/id",
                "output 'id' has no type; declare one of string, securestring, int, bool, object, secureObject, array",
            )],
        );
    }

    #[test]
    fn passes_valid_declarations_in_any_case() {
        let t = params(
            r#"{"a": {"type": "SecureString"}, "b": {"type": "secureObject", "defaultValue": {}},
                "c": {"type": "Int", "defaultValue": 3, "minValue": 1, "maxValue": 5, "allowedValues": [1, 3]},
                "d": {"type": "array", "defaultValue": ["x"], "allowedValues": ["X", "y"], "minLength": 1},
                "e": {"type": "string", "defaultValue": "[resourceGroup().location]", "allowedValues": ["a"]},
                "f": {"type": "bool", "defaultValue": false}}"#,
        );
        expect("ARM020", &t, &[]);
    }
}
