//! Logical comparison functions ([FN] §"Logical comparison functions").
//!
//! `if`, `and`, `or` evaluate only the arguments they need: [FN] §Considerations says
//! "Function parameters are evaluated from left to right", and the cloud short-circuits
//! (`if(true, 'ok', int('abc'))` is `'ok'`), as measured by tomdam/flowforger
//! (`expr/functions/logic.ts`). Arguments must be booleans; the cloud does not coerce.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;
use soarc_lang::wdl::Expr;

use super::EvalError;
use super::call::{Args, Ctx, R};
use super::value::{Num, cmp_ignore_case, deep_equals, type_name};

/// `if(condition, whenTrue, whenFalse)`: only the chosen branch is evaluated.
pub(crate) fn if_<'a>(ctx: &Ctx<'a>, args: &'a [Expr]) -> R<'a> {
    let cond = ctx.eval(&args[0])?;
    match &*cond {
        Value::Bool(true) => ctx.eval(&args[1]),
        Value::Bool(false) => ctx.eval(&args[2]),
        other => Err(EvalError::new(format!(
            "The template language function 'if' expects its first parameter to be of type boolean. The provided value is of type '{}'.",
            type_name(other)
        ))),
    }
}

/// `and(...)` (`is_and`) / `or(...)`: stops at the first argument that decides the result.
pub(crate) fn and_or<'a>(ctx: &Ctx<'a>, args: &'a [Expr], is_and: bool) -> R<'a> {
    let name = if is_and { "and" } else { "or" };
    for a in args {
        match &*ctx.eval(a)? {
            Value::Bool(b) if *b != is_and => return Ok(Cow::Owned(Value::Bool(*b))),
            Value::Bool(_) => {}
            other => {
                return Err(EvalError::new(format!(
                    "The template language function '{name}' expects all of its parameters to be booleans. Found invalid parameter types: '{}'.",
                    type_name(other)
                )));
            }
        }
    }
    Ok(Cow::Owned(Value::Bool(is_and)))
}

pub(crate) fn call<'a>(a: &mut Args<'_, 'a>) -> R<'a> {
    let v = match a.name {
        "not" => not(a),
        "equals" => equals(a),
        "greater" => compare(a, Ordering::is_gt),
        "greaterOrEquals" => compare(a, Ordering::is_ge),
        "less" => compare(a, Ordering::is_lt),
        "lessOrEquals" => compare(a, Ordering::is_le),
        other => unreachable!("{other} is evaluated lazily or is not a logical function"),
    };
    v.map(Cow::Owned)
}

/// `not(bool)`.
pub(crate) fn not(a: &Args) -> Result<Value, EvalError> {
    Ok(Value::Bool(!a.bool(0)?))
}

/// `equals(a, b)`: deep and type-strict (numbers compare by value across Integer and Float;
/// strings case-sensitively). Learn's §equals example claims `equals(true, 1)` is true, but
/// the cloud answers false (measured by tomdam/flowforger, `logic.ts`: "equals() is
/// type-strict and deep"), and `equals(null, '')` is false there too, despite the note that
/// logical functions compare null as "" ([FN] §"Logical comparison functions"). The
/// simulator follows the cloud.
pub(crate) fn equals(a: &Args) -> Result<Value, EvalError> {
    Ok(Value::Bool(deep_equals(a.get(0), a.get(1))))
}

/// `greater`, `greaterOrEquals`, `less`, `lessOrEquals`: numbers by value, strings ordinally
/// ignoring case ([FN] §greater: "Integer, Float, or String"; `greater('apple', 'banana')` is
/// false; case-insensitivity measured by tomdam/flowforger). Other types fail.
pub(crate) fn compare(a: &Args, test: fn(Ordering) -> bool) -> Result<Value, EvalError> {
    let (x, y) = (a.get(0), a.get(1));
    let order = match (x, y) {
        (Value::String(p), Value::String(q)) => Some(cmp_ignore_case(p, q)),
        _ => match (Num::of(x), Num::of(y)) {
            (Some(p), Some(q)) => p.cmp(q),
            _ => {
                let scalar = |v: &Value| matches!(v, Value::String(_) | Value::Number(_));
                if scalar(x) && scalar(y) {
                    return Err(a.err(format_args!(
                        "expects two parameter of matching types. The function was invoked with values of type '{}' and '{}' that do not match",
                        type_name(x),
                        type_name(y)
                    )));
                }
                let bad: Vec<&str> = [x, y]
                    .into_iter()
                    .filter(|v| !scalar(v))
                    .map(type_name)
                    .collect();
                return Err(a.err(format_args!(
                    "expects all of its parameters to be either integer or decimal numbers or strings. Found invalid parameter types: '{}'",
                    bad.join("', '")
                )));
            }
        },
    };
    // NaN never orders; treat as "not greater, not less".
    Ok(Value::Bool(order.is_some_and(test)))
}
