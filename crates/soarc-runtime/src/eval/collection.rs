//! Collection functions ([FN] §"Collection functions"): strings, arrays and objects.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::EvalError;
use super::call::{Args, R};
use super::string::{utf16_len, utf16_slice};
use super::value::{Num, deep_equals, find_key, type_name, write_text};

pub(crate) fn call<'a>(a: &mut Args<'_, 'a>) -> R<'a> {
    let v = match a.name {
        "chunk" => chunk(a),
        "contains" => contains(a),
        "empty" => match a.get(0) {
            // empty(null) is true (measured, tomdam/flowforger `logic.ts`; Learn lists String,
            // Array, Object).
            Value::Null => Ok(Value::Bool(true)),
            Value::String(s) => Ok(Value::Bool(s.is_empty())),
            Value::Array(v) => Ok(Value::Bool(v.is_empty())),
            Value::Object(m) => Ok(Value::Bool(m.is_empty())),
            _ => Err(a.type_err(0, "an object, an array or a string")),
        },
        "first" | "last" => return first_last(a, a.name == "first"),
        "intersection" => set_op(a, false),
        "union" => set_op(a, true),
        "join" => {
            // [FN] §join: `join(createArray('a','b','c'), '.')` is "a.b.c"; items as text.
            let items = a.array(0)?;
            let delim = a.str(1)?;
            let mut out = String::new();
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(delim);
                }
                write_text(&mut out, v);
            }
            Ok(Value::String(out))
        }
        "length" => match a.get(0) {
            Value::String(s) => Ok(Value::from(utf16_len(s) as i64)),
            Value::Array(v) => Ok(Value::from(v.len() as i64)),
            _ => Err(a.type_err(0, "an array or a string")),
        },
        "reverse" => {
            a.array(0)?;
            let mut v = take_array(a, 0);
            v.reverse();
            Ok(Value::Array(v))
        }
        // take and skip work on strings too (measured, tomdam/flowforger `collections.ts`).
        "skip" => {
            let n = count(a, 1)?;
            match a.get(0) {
                Value::String(s) => {
                    let len = utf16_len(s);
                    Ok(Value::String(utf16_slice(s, n.min(len), len)))
                }
                Value::Array(_) => {
                    let v = take_array(a, 0);
                    Ok(Value::Array(v.into_iter().skip(n).collect()))
                }
                _ => Err(a.type_err(0, "an array or a string")),
            }
        }
        "take" => {
            let n = count(a, 1)?;
            match a.get(0) {
                Value::String(s) => {
                    let len = utf16_len(s);
                    Ok(Value::String(utf16_slice(s, 0, n.min(len))))
                }
                Value::Array(_) => {
                    let mut v = take_array(a, 0);
                    v.truncate(n);
                    Ok(Value::Array(v))
                }
                _ => Err(a.type_err(0, "an array or a string")),
            }
        }
        "sort" => sort(a),
        other => unreachable!("{other} is not a collection function"),
    };
    v.map(Cow::Owned)
}

fn take_array(a: &mut Args, i: usize) -> Vec<Value> {
    match a.take(i).into_owned() {
        Value::Array(v) => v,
        _ => Vec::new(),
    }
}

/// A non-negative count argument.
fn count(a: &Args, i: usize) -> Result<usize, EvalError> {
    let n = a.int(i)?;
    usize::try_from(n).map_err(|_| {
        a.err(format_args!(
            "expects its {} parameter to be a non-negative integer, but it is {n}",
            super::value::ordinal(i)
        ))
    })
}

/// `chunk(collection, length)`: [FN] §chunk: `chunk('abcdefghijklmnopqrstuvwxyz', 10)` is
/// ['abcdefghij', 'klmnopqrst', 'uvwxyz'].
fn chunk(a: &Args) -> Result<Value, EvalError> {
    let n = a.int(1)?;
    if n < 1 {
        return Err(a.err(format_args!(
            "expects chunk size to be a positive integer. The provided value is {n}"
        )));
    }
    let n = n as usize;
    match a.get(0) {
        Value::String(s) => {
            let units: Vec<u16> = s.encode_utf16().collect();
            Ok(Value::Array(
                units
                    .chunks(n)
                    .map(|c| Value::String(String::from_utf16_lossy(c)))
                    .collect(),
            ))
        }
        Value::Array(v) => Ok(Value::Array(
            v.chunks(n).map(|c| Value::Array(c.to_vec())).collect(),
        )),
        _ => Err(a.type_err(0, "an array or a string")),
    }
}

/// `contains(collection, value)`: [FN] §contains: a substring of a string (case-sensitive), a
/// value of an array (deep equality), a key of an object. Object keys match ignoring case, as
/// property access does (measured, tomdam/flowforger `logic.ts`).
fn contains(a: &Args) -> Result<Value, EvalError> {
    let needle = a.get(1);
    let found = match a.get(0) {
        Value::String(s) => s.contains(&*super::value::to_text(needle)),
        Value::Array(v) => v.iter().any(|x| deep_equals(x, needle)),
        Value::Object(m) => find_key(m, &super::value::to_text(needle)).is_some(),
        _ => return Err(a.type_err(0, "a dictionary (object), an array or a string")),
    };
    Ok(Value::Bool(found))
}

/// `first`/`last` of a string (a one-character string) or an array (an element); null when
/// empty. [FN] §first: `first('hello')` is "h", `first(createArray(0, 1, 2))` is 0.
fn first_last<'a>(a: &mut Args<'_, 'a>, first: bool) -> R<'a> {
    match a.get(0) {
        Value::String(s) => {
            let c = if first {
                s.chars().next()
            } else {
                s.chars().next_back()
            };
            Ok(Cow::Owned(
                c.map_or(Value::Null, |c| Value::String(c.to_string())),
            ))
        }
        Value::Array(_) => Ok(match a.take(0) {
            Cow::Borrowed(Value::Array(v)) => {
                let x = if first { v.first() } else { v.last() };
                x.map_or(Cow::Owned(Value::Null), Cow::Borrowed)
            }
            Cow::Owned(Value::Array(mut v)) => {
                let x = if first {
                    (!v.is_empty()).then(|| v.swap_remove(0))
                } else {
                    v.pop()
                };
                Cow::Owned(x.unwrap_or(Value::Null))
            }
            _ => Cow::Owned(Value::Null),
        }),
        _ => Err(a.type_err(0, "an array or a string")),
    }
}

/// `union` / `intersection` of arrays (deep-equal items, first occurrence order, no
/// duplicates) or of objects. [FN] §union: "If one or more items have the same name, the last
/// item with that name appears in the result"; an object intersection keeps the properties
/// whose name and value are in every object (measured, tomdam/flowforger `collections.ts`).
fn set_op(a: &Args, union: bool) -> Result<Value, EvalError> {
    if a.vals.iter().all(|v| v.is_array()) {
        let arrays: Vec<&Vec<Value>> = a.vals.iter().filter_map(|v| v.as_array()).collect();
        let mut out: Vec<Value> = Vec::new();
        let candidates: Box<dyn Iterator<Item = &Value>> = if union {
            Box::new(arrays.iter().flat_map(|v| v.iter()))
        } else {
            Box::new(arrays[0].iter())
        };
        for x in candidates {
            if out.iter().any(|y| deep_equals(x, y)) {
                continue;
            }
            if union
                || arrays[1..]
                    .iter()
                    .all(|v| v.iter().any(|y| deep_equals(x, y)))
            {
                out.push(x.clone());
            }
        }
        return Ok(Value::Array(out));
    }
    if a.vals.iter().all(|v| v.is_object()) {
        let objects: Vec<&Map<String, Value>> =
            a.vals.iter().filter_map(|v| v.as_object()).collect();
        let mut out = Map::new();
        if union {
            for m in &objects {
                for (k, v) in m.iter() {
                    out.insert(k.clone(), v.clone());
                }
            }
        } else {
            for (k, v) in objects[0].iter() {
                if objects[1..]
                    .iter()
                    .all(|m| m.get(k).is_some_and(|w| deep_equals(v, w)))
                {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        return Ok(Value::Object(out));
    }
    let types: Vec<&str> = a.vals.iter().map(|v| type_name(v)).collect();
    Err(a.err(format_args!(
        "expects all of its parameters to be arrays or all to be objects; the provided values are of types '{}'",
        types.join("', '")
    )))
}

/// Order of two sort keys: numbers by value, strings ordinally, booleans false first; other
/// or mixed types cannot be sorted.
fn sort_order(x: &Value, y: &Value) -> Option<Ordering> {
    match (x, y) {
        (Value::String(p), Value::String(q)) => Some(p.cmp(q)),
        (Value::Bool(p), Value::Bool(q)) => Some(p.cmp(q)),
        _ => Num::of(x)?.cmp(Num::of(y)?),
    }
}

/// `sort(collection, sortBy?)`: [FN] §sort: by a primitive value, or by the key `sortBy` of
/// each object. The sort is stable.
fn sort(a: &mut Args) -> Result<Value, EvalError> {
    a.array(0)?;
    let key = a.opt_str(1)?.map(str::to_string);
    let items = take_array(a, 0);
    let key_of = |v: &'_ Value| -> Result<Value, EvalError> {
        match &key {
            None => Ok(v.clone()),
            Some(k) => match v {
                Value::Object(m) => {
                    Ok(super::value::get_prop(m, k).cloned().unwrap_or(Value::Null))
                }
                other => Err(a.err(format_args!(
                    "cannot sort by '{k}': an item is of type '{}', not an object",
                    type_name(other)
                ))),
            },
        }
    };
    let mut keyed = Vec::with_capacity(items.len());
    for v in items {
        let k = key_of(&v)?;
        if !matches!(k, Value::String(_) | Value::Number(_) | Value::Bool(_)) {
            return Err(a.err(format_args!(
                "can sort only by integers, floats, strings or booleans; found a value of type '{}'",
                type_name(&k)
            )));
        }
        keyed.push((k, v));
    }
    let mut failed = false;
    keyed.sort_by(|(p, _), (q, _)| {
        sort_order(p, q).unwrap_or_else(|| {
            failed = true;
            Ordering::Equal
        })
    });
    if failed {
        return Err(a.err("cannot compare values of different types; sort needs keys of one type"));
    }
    Ok(Value::Array(keyed.into_iter().map(|(_, v)| v).collect()))
}
