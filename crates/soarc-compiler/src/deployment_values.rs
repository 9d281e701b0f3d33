//! Deployment values: parts of an imported workflow definition that exist only when ARM
//! deploys the template (`[parameters('recipientAddress')]`, `[subscription().subscriptionId]`,
//! `[concat('/subscriptions/', subscription().subscriptionId, ...)]`).
//!
//! ARM evaluates every JSON string of a resource's properties that starts with `[` and ends
//! with `]` before the resource is created, and reads `[[` as a literal `[` (Learn, "Syntax and
//! expressions in ARM templates", "Escape characters";
//! articles/azure-resource-manager/templates/template-expressions.md). A definition that holds
//! such a value is only fully known at deployment, so soarc keeps it as an ARM expression in the
//! template it generates, and the generated definition equals the original one before ARM
//! evaluates either.
//!
//! In a spec a deployment value is written as the object `{ $arm: "<expression>" }` in place of
//! the JSON value (never a string that merely starts with `[`: those stay literal text and are
//! escaped as `[[`). The expression is parsed with [`soarc_lang::arm::expr`] and may use only
//! the playbook's `as_imported.template_parameters` and functions whose value the deployment
//! alone decides ([`check`]).

use std::borrow::Cow;

use indexmap::IndexMap;
use serde_json::{Map, Value};
use soarc_lang::arm::expr::{self, Expr, escape_literal};
use soarc_lang::arm::functions;

/// The key of a deployment value object: `{ "$arm": "parameters('x')" }`.
pub const KEY: &str = "$arm";

/// `{ "$arm": "<expr>" }` for `expr`.
pub fn marker(expr: &Expr) -> Value {
    let mut map = Map::with_capacity(1);
    map.insert(KEY.to_string(), Value::String(expr.to_string()));
    Value::Object(map)
}

/// Whether `value` is an object that uses the deployment value key (well formed or not).
pub fn is_marker(value: &Value) -> bool {
    value.as_object().is_some_and(|m| m.contains_key(KEY))
}

/// Functions a deployment value may call besides `parameters()`. Excluded, with why:
/// `variables()` (a spec declares no template variables; `soarc import` writes their value),
/// `reference()`, `references()`, `list*()`, `pickZones()` and `providers()` (they read
/// resources of the original template or of Azure, which soarc does not deploy the same
/// way), `copyIndex()` (only inside a copy loop), `utcNow()` and `newGuid()` (allowed only in
/// parameter default values: Learn, "Date functions for ARM templates", utcNow; "String
/// functions", newGuid), lambda functions (they need `lambda()` variables).
pub fn allowed_function(name: &str) -> Result<&'static functions::FunctionSig, String> {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("list") {
        return Err(format!(
            "`{name}()` reads a resource at deployment, which soarc does not deploy as the original template did"
        ));
    }
    let Some(sig) = functions::lookup(name) else {
        return Err(format!("`{name}` is not an ARM template function"));
    };
    match lower.as_str() {
        "variables" => Err(
            "`variables()`: a spec declares no template variables; write the variable's expression instead"
                .to_string(),
        ),
        "reference" | "references" | "pickzones" | "providers" => Err(format!(
            "`{name}()` reads a resource at deployment, which soarc does not deploy as the original template did"
        )),
        "copyindex" | "utcnow" | "newguid" => Err(format!(
            "`{name}()` is only allowed in a copy loop or a parameter's default value"
        )),
        _ if sig.category == "lambda" => Err(format!("`{name}()` needs lambda variables")),
        _ => Ok(sig),
    }
}

/// Check a deployment value's text: it parses as an ARM expression, calls only allowed
/// functions with a valid number of arguments, and `parameters()` names one of `declared`
/// (ARM parameter names are case-insensitive: Learn, "Parameters in ARM templates"). Returns
/// the expression with each parameter name spelled as declared.
pub fn check<T>(text: &str, declared: &IndexMap<String, T>) -> Result<Expr, String> {
    let parsed = expr::parse_expr(text)
        .map_err(|e| format!("`{text}` is not an ARM expression: {}", e.message))?;
    let mut problem = None;
    let checked = respell(&parsed, declared, &mut problem);
    match problem {
        Some(problem) => Err(problem),
        None => Ok(checked),
    }
}

fn respell<T>(e: &Expr, declared: &IndexMap<String, T>, problem: &mut Option<String>) -> Expr {
    match e {
        Expr::Str(_) | Expr::Int(_) => e.clone(),
        Expr::Member { base, name } => Expr::Member {
            base: Box::new(respell(base, declared, problem)),
            name: name.clone(),
        },
        Expr::Index { base, index } => Expr::Index {
            base: Box::new(respell(base, declared, problem)),
            index: Box::new(respell(index, declared, problem)),
        },
        Expr::Call { name, args } => {
            if problem.is_some() {
                return e.clone();
            }
            match allowed_function(name) {
                Err(found) => {
                    *problem = Some(found);
                    return e.clone();
                }
                Ok(sig) if !sig.accepts(args.len()) => {
                    *problem = Some(format!(
                        "`{name}()` takes {} argument(s), not {}",
                        sig.arity_text(),
                        args.len()
                    ));
                    return e.clone();
                }
                Ok(_) => {}
            }
            if name.eq_ignore_ascii_case("parameters") {
                let Some(Expr::Str(wanted)) = args.first() else {
                    *problem = Some(
                        "`parameters()` must name the parameter with a string literal".to_string(),
                    );
                    return e.clone();
                };
                let found = declared
                    .keys()
                    .find(|k| *k == wanted)
                    .or_else(|| declared.keys().find(|k| k.eq_ignore_ascii_case(wanted)));
                return match found {
                    Some(spelled) => Expr::parameters(spelled),
                    None => {
                        *problem = Some(format!(
                            "`parameters('{wanted}')` names no parameter of `as_imported.template_parameters`"
                        ));
                        e.clone()
                    }
                };
            }
            Expr::Call {
                name: name.clone(),
                args: args.iter().map(|a| respell(a, declared, problem)).collect(),
            }
        }
    }
}

/// A definition (as compiled, deployment values as `{ $arm }` objects) as an ARM template
/// holds it: literal strings and keys escaped (`[[`), deployment values as `[expression]`.
/// The compiler has checked every deployment value ([`check`]), so their text parses.
pub fn to_template_json(mut value: Value) -> Value {
    escape_in_place(&mut value);
    value
}

/// [`to_template_json`] in place: only what changes is rebuilt (most strings of a
/// definition need no `[[`), so a large definition is not copied string by string.
fn escape_in_place(value: &mut Value) {
    match value {
        Value::String(s) => {
            if let Cow::Owned(escaped) = escape_literal(s) {
                *s = escaped;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(escape_in_place),
        Value::Object(map) => {
            if map.len() == 1
                && let Some(Value::String(text)) = map.get(KEY)
                && let Ok(parsed) = expr::parse_expr(text)
            {
                *value = Value::String(format!("[{parsed}]"));
                return;
            }
            if map
                .keys()
                .any(|k| matches!(escape_literal(k), Cow::Owned(_)))
            {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(k, v)| (escape_literal(&k).into_owned(), v))
                    .collect();
            }
            map.values_mut().for_each(escape_in_place);
        }
        _ => {}
    }
}

/// Whether `value` holds a deployment value anywhere.
pub fn contains_marker(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter().any(contains_marker),
        Value::Object(map) => map.contains_key(KEY) || map.values().any(contains_marker),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn checks_functions_and_parameters_and_respells_names() {
        let declared = IndexMap::from([("RecipientAddress".to_string(), ())]);
        assert_eq!(
            check("parameters('recipientaddress')", &declared)
                .unwrap()
                .to_string(),
            "parameters('RecipientAddress')"
        );
        assert_eq!(
            check(
                "concat('/subscriptions/', subscription().subscriptionId)",
                &declared
            )
            .unwrap()
            .to_string(),
            "concat('/subscriptions/', subscription().subscriptionId)"
        );
        for (text, expected) in [
            ("parameters('Other')", "names no parameter"),
            ("variables('x')", "no template variables"),
            ("listKeys('x', '2020-01-01')", "reads a resource"),
            ("reference('x')", "reads a resource"),
            ("utcNow()", "default value"),
            ("concat(", "not an ARM expression"),
            ("nosuch()", "not an ARM template function"),
            ("subscription(1)", "argument(s)"),
        ] {
            let error = check(text, &declared).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn template_json_escapes_literals_and_writes_expressions() {
        let value = json!({
            "to": { "$arm": "parameters('x')" },
            "text": "[not an expression]",
            "[k]": ["[a]", "b"],
            "deep": { "x": { "$arm": "concat('a', 'b')" } }
        });
        assert!(contains_marker(&value));
        assert_eq!(
            to_template_json(value),
            json!({
                "to": "[parameters('x')]",
                "text": "[[not an expression]",
                "[[k]": ["[[a]", "b"],
                "deep": { "x": "[concat('a', 'b')]" }
            })
        );
        assert!(!contains_marker(&json!({ "a": ["$arm"] })));
    }
}
