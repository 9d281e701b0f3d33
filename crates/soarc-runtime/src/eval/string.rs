//! String functions ([FN] §"String functions").
//!
//! Positions and lengths count UTF-16 code units, as .NET strings do (the runtime is .NET):
//! `length('😀')` is 2. ASCII text takes a byte fast path.

use std::borrow::Cow;

use serde_json::Value;

use super::EvalError;
use super::call::{Args, R};
use super::value::write_text;

pub(crate) fn call<'a>(a: &mut Args<'_, 'a>) -> R<'a> {
    let v = match a.name {
        "concat" => concat(a),
        "endsWith" => {
            // [FN] §endsWith: "This function isn't case-sensitive."
            let (t, s) = (fold(a.str(0)?), fold(a.str(1)?));
            Ok(Value::Bool(t.ends_with(&*s)))
        }
        "startsWith" => {
            // [FN] §startsWith: "This function isn't case-sensitive."
            let (t, s) = (fold(a.str(0)?), fold(a.str(1)?));
            Ok(Value::Bool(t.starts_with(&*s)))
        }
        "formatNumber" => super::dotnet::format_number_fn(a),
        "guid" => guid(a),
        "indexOf" => index_of(a, Which::First),
        "lastIndexOf" => index_of(a, Which::Last),
        "nthIndexOf" => index_of(a, Which::Nth(a.int(2)?)),
        "isFloat" => {
            let locale = super::dotnet::culture(a, 1)?;
            Ok(Value::Bool(
                super::conversion::parse_float(a.str(0)?, locale).is_some(),
            ))
        }
        "isInt" => Ok(Value::Bool(
            super::conversion::parse_int(a.str(0)?).is_some(),
        )),
        "replace" => {
            // [FN] §replace: "This function is case-sensitive"; every occurrence is replaced.
            let (t, old, new) = (a.str(0)?, a.str(1)?, a.str(2)?);
            if old.is_empty() {
                return Err(a.err(
                    "expects its second parameter (the text to replace) to be a non-empty string",
                ));
            }
            Ok(Value::String(t.replace(old, new)))
        }
        "slice" => slice(a),
        "split" => {
            // [FN] §split: `split('a_b_c', '_')` is ["a","b","c"]; a delimiter that does not
            // occur gives the whole string (.NET String.Split semantics).
            let (t, d) = (a.str(0)?, a.str(1)?);
            let parts: Vec<Value> = if d.is_empty() {
                vec![Value::String(t.to_string())]
            } else {
                t.split(d).map(|p| Value::String(p.to_string())).collect()
            };
            Ok(Value::Array(parts))
        }
        "substring" => substring(a),
        "toLower" => Ok(Value::String(map_chars(a.str(0)?, char::to_lowercase))),
        "toUpper" => Ok(Value::String(map_chars(a.str(0)?, char::to_uppercase))),
        "trim" => Ok(Value::String(a.str(0)?.trim().to_string())),
        other => unreachable!("{other} is not a string function"),
    };
    v.map(Cow::Owned)
}

/// `concat(...)`: the text of every argument ([FN] §"Implicit data type conversions": non-string
/// values are converted to strings), null as "".
fn concat(a: &Args) -> Result<Value, EvalError> {
    let mut out = String::new();
    for v in &a.vals {
        write_text(&mut out, v);
    }
    Ok(Value::String(out))
}

/// Per-character case mapping that keeps one character for one (.NET's invariant casing:
/// `toUpper('ß')` stays `ß`).
pub(crate) fn map_chars<I: Iterator<Item = char>>(s: &str, f: fn(char) -> I) -> String {
    if s.is_ascii() {
        return if f('A').next() == Some('a') {
            s.to_ascii_lowercase()
        } else {
            s.to_ascii_uppercase()
        };
    }
    s.chars()
        .map(|c| {
            let mut m = f(c);
            match (m.next(), m.next()) {
                (Some(x), None) => x,
                _ => c,
            }
        })
        .collect()
}

/// Case-folded text for case-insensitive search (uppercase, one char per char).
fn fold(s: &str) -> Cow<'_, str> {
    if s.is_ascii() && !s.bytes().any(|b| b.is_ascii_lowercase()) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(map_chars(s, char::to_uppercase))
}

/// Number of UTF-16 code units in `s`.
pub(crate) fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().map(char::len_utf16).sum()
    }
}

/// The UTF-16 position of byte offset `byte` in `s`.
fn utf16_pos(s: &str, byte: usize) -> usize {
    utf16_len(&s[..byte])
}

/// `s[start..end]` in UTF-16 code units (the caller checks the bounds).
pub(crate) fn utf16_slice(s: &str, start: usize, end: usize) -> String {
    if s.is_ascii() {
        return s[start..end].to_string();
    }
    let units: Vec<u16> = s.encode_utf16().collect();
    String::from_utf16_lossy(&units[start..end])
}

enum Which {
    First,
    Last,
    Nth(i64),
}

/// `indexOf`, `lastIndexOf`, `nthIndexOf`: [FN] "This function isn't case-sensitive, and
/// indexes start with the number 0"; -1 when not found. `nthIndexOf` with a negative n counts
/// occurrences from the end ([FN] §nthIndexOf).
fn index_of(a: &Args, which: Which) -> Result<Value, EvalError> {
    let (text, search) = (fold(a.str(0)?), fold(a.str(1)?));
    let (text, search) = (&*text, &*search);
    let found = match which {
        Which::First => text.find(search),
        // [FN] §lastIndexOf: an empty substring gives the string length minus 1 (0 for an
        // empty string).
        Which::Last if search.is_empty() => {
            return Ok(Value::from((utf16_len(text) as i64 - 1).max(0)));
        }
        Which::Last => text.rfind(search),
        Which::Nth(0) => {
            return Err(
                a.err("expects its third parameter (the occurrence) to be a non-zero integer")
            );
        }
        // An empty substring occurs at every position 0..=length (as .NET's IndexOf("")).
        Which::Nth(n) if search.is_empty() => {
            let len = utf16_len(text) as i64;
            let pos = if n > 0 { n - 1 } else { len + n + 1 };
            return Ok(Value::from(if (0..=len).contains(&pos) { pos } else { -1 }));
        }
        Which::Nth(n) if n > 0 => {
            let mut from = 0;
            let mut hit = None;
            for _ in 0..n {
                match text[from..].find(search) {
                    Some(i) => {
                        // The next search starts one character after this match (matches
                        // may overlap), as a loop of IndexOf(search, previous + 1) does.
                        hit = Some(from + i);
                        from += i + text[from + i..].chars().next().map_or(1, char::len_utf8);
                    }
                    None => {
                        hit = None;
                        break;
                    }
                }
            }
            hit
        }
        Which::Nth(n) => {
            let mut end = text.len();
            let mut hit = None;
            for _ in 0..n.unsigned_abs() {
                match text[..end].rfind(search) {
                    Some(i) => {
                        hit = Some(i);
                        end = i;
                    }
                    None => {
                        hit = None;
                        break;
                    }
                }
            }
            hit
        }
    };
    Ok(Value::from(found.map_or(-1, |b| utf16_pos(text, b) as i64)))
}

/// `substring(text, start, length?)`: [FN] §substring: the start plus the length must not pass
/// the end of the string, "Otherwise, you get an error"; without a length, to the end. The
/// start must lie inside the string (messages as measured by tomdam/flowforger `strings.ts`).
fn substring(a: &Args) -> Result<Value, EvalError> {
    let text = a.str(0)?;
    let len = utf16_len(text) as i64;
    let start = a.int(1)?;
    if start < 0 || start >= len {
        return Err(a.err(format_args!(
            "parameter is out of range: 'start index' must be non-negative integer and should be less than the length of the string ({start} given, length {len})"
        )));
    }
    let count = match a.opt(2) {
        None | Some(Value::Null) => len - start,
        Some(_) => a.int(2)?,
    };
    if count < 0 || start + count > len {
        return Err(a.err(format_args!(
            "parameters are out of range: 'start index' and 'length' must be non-negative integers and their sum must be no larger than the length of the string ({start} + {count} > {len})"
        )));
    }
    Ok(Value::String(utf16_slice(
        text,
        start as usize,
        (start + count) as usize,
    )))
}

/// `slice(text, start, end?)`: [FN] §slice: negative indexes count from the end, indexes past
/// the end are clamped, and an empty string results when start is not before end.
fn slice(a: &Args) -> Result<Value, EvalError> {
    let text = a.str(0)?;
    let len = utf16_len(text) as i64;
    let clamp = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
    let start = clamp(a.int(1)?);
    let end = match a.opt(2) {
        None | Some(Value::Null) => len,
        Some(_) => clamp(a.int(2)?),
    };
    if start >= end {
        return Ok(Value::String(String::new()));
    }
    Ok(Value::String(utf16_slice(
        text,
        start as usize,
        end as usize,
    )))
}

/// `guid(format?)`: [FN] §guid, format "D" by default, or "N", "B", "P", "X". The simulator is
/// deterministic: the n-th `guid()` of a run is the UUIDv5 of the run's id and n
/// ([`super::Env::next_sequence`]).
fn guid(a: &Args) -> Result<Value, EvalError> {
    let format = a.opt_str(0)?.unwrap_or("D");
    let n = a.ctx.env.next_sequence();
    let wf = a.ctx.env.workflow();
    let run = wf
        .pointer("/run/name")
        .or_else(|| wf.pointer("/run/id"))
        .map(|v| super::value::to_text(v).into_owned())
        .unwrap_or_default();
    let u = uuid::Uuid::new_v5(&GUID_NAMESPACE, format!("{run}/{n}").as_bytes());
    let s = match format {
        "D" | "d" => u.hyphenated().to_string(),
        "N" | "n" => u.simple().to_string(),
        "B" | "b" => u.braced().to_string(),
        "P" | "p" => format!("({})", u.hyphenated()),
        "X" | "x" => {
            let b = u.as_bytes();
            let hex = |r: &[u8]| r.iter().map(|x| format!("{x:02x}")).collect::<String>();
            let tail: Vec<String> = b[8..].iter().map(|x| format!("0x{x:02x}")).collect();
            format!(
                "{{0x{},0x{},0x{},{{{}}}}}",
                hex(&b[0..4]),
                hex(&b[4..6]),
                hex(&b[6..8]),
                tail.join(",")
            )
        }
        other => {
            return Err(a.err(format_args!(
                "was given format '{other}'; use one of 'N', 'D', 'B', 'P', 'X'"
            )));
        }
    };
    Ok(Value::String(s))
}

/// Namespace of the simulator's `guid()` values: an arbitrary constant that must never change
/// (changing it changes every simulated GUID, and so every recorded trace).
const GUID_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x4f1c_3a5e_8d2b_5c7e_9a0f_1b2c_3d4e_5f60);
