//! Placeholder: lands after the first milestone.

use serde_json::Value;

use super::EvalError;
use super::call::{Args, R};

pub(crate) fn call<'a>(a: &mut Args<'_, 'a>) -> R<'a> {
    match a.name {
        "createArray" => Ok(std::borrow::Cow::Owned(Value::Array(
            a.vals.drain(..).map(std::borrow::Cow::into_owned).collect(),
        ))),
        _ => Err(a.err("is not simulated yet")),
    }
}

pub(crate) fn xpath(a: &Args) -> Result<Value, EvalError> {
    Err(a.err("is not simulated"))
}

pub(crate) fn parse_float(s: &str, _culture: &super::dotnet::Culture) -> Option<f64> {
    s.trim().parse().ok()
}

pub(crate) fn parse_int(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}
