//! Evaluation of workflow definition language expressions.
//!
//! The interface between the evaluator and the interpreter: the interpreter implements
//! [`Env`]; the evaluator calls it for everything that depends on the run.
//!
//! Semantics follow Microsoft Learn, "Reference guide to workflow expression functions"
//! (<https://learn.microsoft.com/azure/logic-apps/expression-functions-reference>, below
//! "[FN]") and "Schema reference for Workflow Definition Language"
//! (<https://learn.microsoft.com/azure/logic-apps/logic-apps-workflow-definition-language>,
//! "[WDL]"). Where Learn is silent, the behaviour measured against the cloud by the
//! tomdam/flowforger simulator (`packages/engine/src/expr`) is followed and says so.
//!
//! Values are borrowed from the run wherever the [`Env`] lends them (see the `*_ref` methods):
//! `triggerBody()?['object']?['properties']?['title']` copies only the title.
//!
//! Decisions where Learn is silent or contradicts the cloud (each cited where implemented):
//! - Property names match exactly first, then ignoring case (`value::get_prop`).
//! - `?[...]`/`?.x` give null for a null base, a missing property or an index past the end;
//!   without `?` these fail, as does selecting from a string, number or boolean.
//! - `equals` is deep and type-strict (`equals(true, 1)` and `equals(null, '')` are false),
//!   numbers compare by value across Integer and Float; `greater`/`less` compare strings
//!   ignoring case; `and`/`or`/`not`/`if` need booleans; `if`/`and`/`or`/`coalesce` evaluate
//!   only the arguments they need.
//! - Text of a value (`@{}`, `string`, `concat`, `join`): null is "", booleans `True`/`False`,
//!   floats as .NET prints them, objects and arrays as compact JSON, binary content as its
//!   decoded text.
//! - Timestamps keep their kind: `Z` in, `Z` out; no zone in, none out; an offset in, converted
//!   to UTC and printed `+00:00`.
//! - `guid()` and `rand()` are deterministic: derived from the run id and
//!   [`Env::next_sequence`].
//! - Not simulated (a clear InvalidTemplate-style error): `xpath()`, `json()` of XML content,
//!   locales other than invariant, en-US, en-GB, de-DE, fr-FR, es-ES, is-IS; `decimal()` is a
//!   64-bit float (about 16 significant digits instead of .NET decimal's 28).

use std::borrow::Cow;

use serde_json::Value;
use soarc_lang::wdl::{Expr, Part, Template};

mod call;
mod collection;
mod conversion;
mod datetime;
mod dotnet;
mod logical;
mod manipulation;
mod math;
mod string;
mod uri;
mod value;
mod workflow;

#[cfg(test)]
mod tests;

pub use value::to_text;

/// What an expression can see of the run. Implemented by the interpreter.
///
/// The `*_ref` methods (default: the owned method's value) let an implementation lend its
/// values instead of cloning them; the evaluator only ever calls the `*_ref` forms.
pub trait Env {
    /// `parameters('name')`: a workflow parameter's value.
    fn parameter(&self, name: &str) -> Option<Value>;
    /// The trigger's record: `{"name", "inputs", "outputs": {"headers", "body"}, "status",
    /// "code", "startTime", "endTime", ...}` (`trigger()`, `triggerBody()`, `triggerOutputs()`).
    fn trigger(&self) -> Option<Value>;
    /// An action's record by name (case-insensitive, as Logic Apps resolves names), same shape
    /// as the trigger's (`actions('x')`, `body('x')`, `outputs('x')`); `None` if it has not run.
    fn action(&self, name: &str) -> Option<Value>;
    /// The record of the action being evaluated (`action()`), inside `trackedProperties` etc.
    fn current_action(&self) -> Option<Value> {
        None
    }
    /// `variables('name')`.
    fn variable(&self, name: &str) -> Option<Value>;
    /// `item()` with `None`, `items('loop')` with the loop's name: the current element.
    fn item(&self, loop_name: Option<&str>) -> Option<Value>;
    /// `iterationIndexes('until')`: the current iteration (0-based) of an Until loop.
    fn iteration_index(&self, loop_name: &str) -> Option<i64>;
    /// `result('scope')`: the records of the actions directly inside a scoped action.
    fn result(&self, scope_name: &str) -> Option<Value>;
    /// `workflow()`: `{"id", "name", "type", "location", "run": {"id", "name", "type"}}`.
    fn workflow(&self) -> Value;
    /// The run's virtual clock, for `utcNow()` and the date functions: RFC 3339 UTC, e.g.
    /// `2026-01-01T00:00:00.0000000Z`.
    fn now(&self) -> String;

    /// Borrowing form of [`Env::parameter`].
    fn parameter_ref(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.parameter(name).map(Cow::Owned)
    }
    /// Borrowing form of [`Env::trigger`].
    fn trigger_ref(&self) -> Option<Cow<'_, Value>> {
        self.trigger().map(Cow::Owned)
    }
    /// Borrowing form of [`Env::action`].
    fn action_ref(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.action(name).map(Cow::Owned)
    }
    /// Borrowing form of [`Env::variable`].
    fn variable_ref(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.variable(name).map(Cow::Owned)
    }
    /// Borrowing form of [`Env::item`].
    fn item_ref(&self, loop_name: Option<&str>) -> Option<Cow<'_, Value>> {
        self.item(loop_name).map(Cow::Owned)
    }
    /// A number that differs on every call within one run (a counter from 0 kept in a `Cell`),
    /// used to make `guid()` and `rand()` deterministic: the n-th `guid()` of a run is the
    /// UUIDv5 of (workflow run id, n). The default always returns 0, so every `guid()` of the
    /// run is the same value; interpreters should count.
    fn next_sequence(&self) -> u64 {
        0
    }
}

/// Why an expression could not be evaluated. Logic Apps fails the action with
/// `InvalidTemplate` and a message like these.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    pub message: String,
}

impl EvalError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        EvalError {
            message: message.into(),
        }
    }
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EvalError {}

/// The value of one expression.
pub fn evaluate(expr: &Expr, env: &dyn Env) -> Result<Value, EvalError> {
    call::Ctx { env, root: expr }
        .eval(expr)
        .map(Cow::into_owned)
}

/// The value of a workflow string: a literal string (with `@@` already unescaped by the
/// parser), the value of a whole-string expression `@expr`, or, for `@{...}` interpolation, the
/// string with each part converted to text as Logic Apps does.
pub fn evaluate_template(template: &Template, env: &dyn Env) -> Result<Value, EvalError> {
    match template {
        Template::Literal(s) => Ok(Value::String(s.clone())),
        Template::Expr(e) => evaluate(e, env),
        Template::Interpolated(parts) => {
            // [WDL] §Expressions: "@{...}" string interpolation: "The result is always a
            // string, making this capability similar to the concat() function".
            let mut out = String::new();
            for part in parts {
                match part {
                    Part::Text(t) => out.push_str(t),
                    Part::Expr(e) => {
                        let v = call::Ctx { env, root: e }.eval(e)?;
                        value::write_text(&mut out, &v);
                    }
                }
            }
            Ok(Value::String(out))
        }
    }
}

/// Evaluates every string of a JSON value that is an expression (action inputs, trigger
/// conditions, ...), leaving other values as they are. Object keys are kept as written.
pub fn evaluate_json(value: &Value, env: &dyn Env) -> Result<Value, EvalError> {
    match value {
        Value::String(s) => {
            // Fast path: only strings of 2+ chars starting with '@', or holding '@{', are
            // expressions ([WDL] §Expressions); everything else is copied as it is.
            let is_template = (s.len() >= 2 && s.starts_with('@')) || s.contains("@{");
            if !is_template {
                return Ok(value.clone());
            }
            let template = Template::parse(s).map_err(|e| {
                EvalError::new(format!(
                    "The template language expression '{s}' is not valid: {}.",
                    e.message
                ))
            })?;
            evaluate_template(&template, env)
        }
        Value::Array(items) => items
            .iter()
            .map(|v| evaluate_json(v, env))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Value::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (k, v) in map {
                out.insert(k.clone(), evaluate_json(v, env)?);
            }
            Ok(Value::Object(out))
        }
        _ => Ok(value.clone()),
    }
}

/// A JSON value whose expression strings are parsed once, to be evaluated many times (an
/// action inside a loop, the same playbook over many test runs) without parsing again.
#[derive(Debug, Clone, PartialEq)]
pub enum Compiled {
    /// A value with no expression in it, returned as it is.
    Value(Value),
    /// A string that is an expression or an interpolation.
    Template(Template),
    Array(Vec<Compiled>),
    Object(Vec<(String, Compiled)>),
}

impl Compiled {
    /// Parses every expression string of `value` (as [`evaluate_json`] would).
    pub fn new(value: &Value) -> Result<Compiled, EvalError> {
        fn has_template(v: &Value) -> bool {
            match v {
                Value::String(s) => (s.len() >= 2 && s.starts_with('@')) || s.contains("@{"),
                Value::Array(a) => a.iter().any(has_template),
                Value::Object(m) => m.values().any(has_template),
                _ => false,
            }
        }
        if !has_template(value) {
            return Ok(Compiled::Value(value.clone()));
        }
        Ok(match value {
            Value::String(s) => match Template::parse(s) {
                Ok(Template::Literal(text)) => Compiled::Value(Value::String(text)),
                Ok(t) => Compiled::Template(t),
                Err(e) => {
                    return Err(EvalError::new(format!(
                        "The template language expression '{s}' is not valid: {}.",
                        e.message
                    )));
                }
            },
            Value::Array(items) => {
                Compiled::Array(items.iter().map(Compiled::new).collect::<Result<_, _>>()?)
            }
            Value::Object(map) => Compiled::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), Compiled::new(v)?)))
                    .collect::<Result<_, EvalError>>()?,
            ),
            other => Compiled::Value(other.clone()),
        })
    }

    /// The value in this run: the same result as [`evaluate_json`] on the source value.
    pub fn evaluate(&self, env: &dyn Env) -> Result<Value, EvalError> {
        match self {
            Compiled::Value(v) => Ok(v.clone()),
            Compiled::Template(t) => evaluate_template(t, env),
            Compiled::Array(items) => items
                .iter()
                .map(|c| c.evaluate(env))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Compiled::Object(entries) => {
                let mut out = serde_json::Map::with_capacity(entries.len());
                for (k, c) in entries {
                    out.insert(k.clone(), c.evaluate(env)?);
                }
                Ok(Value::Object(out))
            }
        }
    }
}
