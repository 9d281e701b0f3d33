//! Placeholder: lands after the first milestone.

use std::borrow::Cow;

use serde_json::Value;

use super::call::{Args, R};

pub(crate) fn call<'a>(a: &mut Args<'_, 'a>) -> R<'a> {
    match a.name {
        "utcNow" if a.opt_str(0)?.is_none_or(|f| f == "o") => {
            Ok(Cow::Owned(Value::String(a.ctx.env.now())))
        }
        _ => Err(a.err("is not simulated yet")),
    }
}
