//! JSON and XML manipulation functions ([FN] §"Manipulation functions: JSON & XML").

use std::borrow::Cow;

use serde_json::Value;
use soarc_lang::wdl::Expr;

use super::EvalError;
use super::call::{Args, Ctx, R};
use super::value::find_key;

/// `coalesce(...)`: [FN] §coalesce: "Return the first non-null value from one or more
/// parameters. Empty strings, empty arrays, and empty objects aren't null"; null when all are
/// null. Stops at the first non-null value (measured short-circuit, tomdam/flowforger
/// `logic.ts`).
pub(crate) fn coalesce<'a>(ctx: &Ctx<'a>, args: &'a [Expr]) -> R<'a> {
    for e in args {
        let v = ctx.eval(e)?;
        if !v.is_null() {
            return Ok(v);
        }
    }
    Ok(Cow::Owned(Value::Null))
}

pub(crate) fn call<'a>(a: &mut Args<'_, 'a>) -> R<'a> {
    match a.name {
        "addProperty" => set(a, Mode::Add),
        "setProperty" => set(a, Mode::Set),
        "removeProperty" => {
            // [FN] §removeProperty: a property that does not exist leaves the object as it is.
            a.object(0)?;
            let name = a.str(1)?.to_string();
            let mut obj = a.take(0).into_owned();
            if let Value::Object(m) = &mut obj
                && let Some(k) = find_key(m, &name)
            {
                m.shift_remove(&k);
            }
            Ok(Cow::Owned(obj))
        }
        "xpath" => super::conversion::xpath(a).map(Cow::Owned),
        other => unreachable!("{other} is not a manipulation function"),
    }
}

#[derive(PartialEq)]
enum Mode {
    Add,
    Set,
}

/// `addProperty(object, name, value)` fails if the property exists ([FN] §addProperty: "If
/// the property already exists at runtime, the function fails and throws an error");
/// `setProperty` replaces it or adds it at the end. Both act on the top level only; nested
/// properties go through nested calls, as Learn's examples show.
fn set<'a>(a: &mut Args<'_, 'a>, mode: Mode) -> R<'a> {
    a.object(0)?;
    let name = a.str(1)?.to_string();
    let value = a.take(2).into_owned();
    let mut obj = a.take(0).into_owned();
    let Value::Object(m) = &mut obj else {
        unreachable!("checked above")
    };
    match find_key(m, &name) {
        Some(k) if mode == Mode::Add => {
            return Err(EvalError::new(format!(
                "The template language function 'addProperty' cannot add property '{name}': the object already has a property '{k}'. Use setProperty() to change it."
            )));
        }
        Some(k) => {
            m.insert(k, value);
        }
        None => {
            m.insert(name, value);
        }
    }
    Ok(Cow::Owned(obj))
}
