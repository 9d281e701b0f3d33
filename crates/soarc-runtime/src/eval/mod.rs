//! Evaluation of workflow definition language expressions.
//!
//! The interface between the evaluator and the interpreter: the interpreter implements
//! [`Env`]; the evaluator calls it for everything that depends on the run.

use serde_json::Value;
use soarc_lang::wdl::{Expr, Template};

/// What an expression can see of the run. Implemented by the interpreter.
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
}

/// Why an expression could not be evaluated. Logic Apps fails the action with
/// `InvalidTemplate` and a message like these.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    pub message: String,
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EvalError {}

/// The value of one expression.
pub fn evaluate(expr: &Expr, env: &dyn Env) -> Result<Value, EvalError> {
    let _ = (expr, env);
    unimplemented!("the evaluator lands with issue #14")
}

/// The value of a workflow string: a literal string (with `@@` already unescaped by the
/// parser), the value of a whole-string expression `@expr`, or, for `@{...}` interpolation, the
/// string with each part converted to text as Logic Apps does.
pub fn evaluate_template(template: &Template, env: &dyn Env) -> Result<Value, EvalError> {
    let _ = (template, env);
    unimplemented!("the evaluator lands with issue #14")
}

/// Evaluates every string of a JSON value that is an expression (action inputs, trigger
/// conditions, ...), leaving other values as they are.
pub fn evaluate_json(value: &Value, env: &dyn Env) -> Result<Value, EvalError> {
    let _ = (value, env);
    unimplemented!("the evaluator lands with issue #14")
}
