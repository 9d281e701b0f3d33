//! Placeholder: lands after the first milestone.

use serde_json::Value;

use super::EvalError;
use super::call::Args;

pub(crate) struct Culture;

pub(crate) fn culture(_a: &Args, _i: usize) -> Result<&'static Culture, EvalError> {
    Ok(&Culture)
}

pub(crate) fn format_number_fn(a: &Args) -> Result<Value, EvalError> {
    Err(a.err("is not simulated yet"))
}
