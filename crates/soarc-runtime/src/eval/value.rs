//! What the functions share about values: type names, text conversion, numbers, property
//! lookup, equality and ordering.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

/// The type name Logic Apps puts in its messages ("The provided value is of type 'Integer'").
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(n) if n.is_f64() => "Float",
        Value::Number(_) => "Integer",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
    }
}

/// A number as the language sees it: integers and floats stay apart ([FN] §add: "Integer,
/// Float, or mixed"; §div: "If either the dividend or divisor has Float type, the result has
/// Float type").
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    pub(crate) fn of(v: &Value) -> Option<Num> {
        let Value::Number(n) = v else { return None };
        if let Some(i) = n.as_i64() {
            Some(Num::Int(i))
        } else {
            n.as_f64().map(Num::Float)
        }
    }

    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(x) => x,
        }
    }

    pub(crate) fn cmp(self, other: Num) -> Option<Ordering> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
        }
    }
}

/// A float as a JSON value; `None` for NaN and infinities, which JSON cannot hold.
pub(crate) fn float(x: f64) -> Option<Value> {
    Number::from_f64(x).map(Value::Number)
}

pub(crate) fn num_value(n: Num) -> Option<Value> {
    match n {
        Num::Int(i) => Some(Value::from(i)),
        Num::Float(x) => float(x),
    }
}

/// The text of a value where a string is needed: `@{...}` interpolation, `string()`,
/// `concat()`, `join()`. [FN] §string: "If this value is null or evaluates to null, the value
/// is converted to an empty string"; objects and arrays are written as compact JSON; booleans
/// as .NET writes them, `True`/`False`, and floats as .NET's shortest round-trip form
/// (both measured against the cloud by tomdam/flowforger, `expr/values.ts`; Learn is silent).
pub fn to_text(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) => Cow::Borrowed(s),
        Value::Null => Cow::Borrowed(""),
        _ => {
            let mut s = String::new();
            write_text(&mut s, v);
            Cow::Owned(s)
        }
    }
}

/// [`to_text`] appended to `out`.
pub(crate) fn write_text(out: &mut String, v: &Value) {
    use std::fmt::Write;
    match v {
        Value::Null => {}
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::String(s) => out.push_str(s),
        Value::Number(n) => match Num::of(v) {
            Some(Num::Int(i)) => {
                let _ = write!(out, "{i}");
            }
            Some(Num::Float(x)) => write_float(out, x),
            None => {
                let _ = write!(out, "{n}");
            }
        },
        // Binary and XML content envelopes read as their decoded text (measured,
        // tomdam/flowforger `values.ts` `isBinaryContent`).
        Value::Object(_) if super::conversion::binary_parts(v).is_some() => {
            if let Some((_, bytes)) = super::conversion::binary_parts(v) {
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
        Value::Array(_) | Value::Object(_) => {
            // Serializing a Value to a String cannot fail.
            out.push_str(&serde_json::to_string(v).unwrap_or_default());
        }
    }
}

/// A double as the runtime writes it: the shortest text that reads back as the same value, with
/// no trailing `.0`, and in exponent form (`1E+21`, `1E-06`, two-digit minimum exponent) when
/// the decimal exponent is below -4 or above 16 (measured against the cloud by
/// tomdam/flowforger, `expr/values.ts` `numberText`).
pub(crate) fn write_float(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("NaN");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "∞" } else { "-∞" });
        return;
    }
    if x == 0.0 {
        out.push_str(if x.is_sign_negative() { "-0" } else { "0" });
        return;
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "1.2345e3".
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if neg {
        out.push('-');
    }
    if (-4..17).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                for _ in digits.len()..int_len {
                    out.push('0');
                }
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('E');
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push('0');
        }
        out.push_str(&a.to_string());
    }
}

/// Case-insensitive equality as .NET's `OrdinalIgnoreCase` (simple case folding).
pub(crate) fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    let mut x = a.chars().flat_map(char::to_uppercase);
    let mut y = b.chars().flat_map(char::to_uppercase);
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if p == q => {}
            _ => return false,
        }
    }
}

/// Ordinal, case-insensitive string comparison (.NET `StringComparer.OrdinalIgnoreCase`).
pub(crate) fn cmp_ignore_case(a: &str, b: &str) -> Ordering {
    let x = a.chars().flat_map(char::to_uppercase);
    let y = b.chars().flat_map(char::to_uppercase);
    x.cmp(y)
}

/// A property of an object, looked up as the Logic Apps runtime does: the exact name first,
/// then ignoring case. Learn does not state the rule; the cloud's case-insensitive lookup was
/// measured by tomdam/flowforger (`expr/values.ts`: "exact match first, then case-insensitive
/// (as the cloud does)"), and deployed Sentinel playbooks read the same trigger field as
/// `IncidentArmID`, `IncidentArmId` and `IncidentARMId` (see notes/sim-semantics.md §7).
pub(crate) fn get_prop<'v>(map: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| eq_ignore_case(k, key))
            .map(|(_, v)| v)
    })
}

/// The stored key and value that [`get_prop`] finds for `key`.
pub(crate) fn get_entry<'v>(
    map: &'v Map<String, Value>,
    key: &str,
) -> Option<(&'v str, &'v Value)> {
    if let Some((k, v)) = map.get_key_value(key) {
        return Some((k, v));
    }
    map.iter()
        .find(|(k, _)| eq_ignore_case(k, key))
        .map(|(k, v)| (k.as_str(), v))
}

/// The stored key that [`get_prop`] would find for `key`.
pub(crate) fn find_key(map: &Map<String, Value>, key: &str) -> Option<String> {
    get_entry(map, key).map(|(k, _)| k.to_string())
}

/// Deep equality of `equals()`, `contains()` on arrays, `union()`/`intersection()`.
/// Numbers compare by value across integer and float (`equals(1, 1.0)` is true); strings are
/// case-sensitive (Learn's Filter array note: "Any filter text that you use in your condition
/// is case sensitive", logic-apps-perform-data-operations); objects compare key-wise.
pub(crate) fn deep_equals(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(_), Value::Number(_)) => {
            matches!(
                Num::of(a).zip(Num::of(b)).and_then(|(x, y)| x.cmp(y)),
                Some(Ordering::Equal)
            )
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| deep_equals(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_equals(v, w)))
        }
        _ => a == b,
    }
}

/// English ordinal for messages: 1 -> "first".
pub(crate) fn ordinal(i: usize) -> &'static str {
    const NAMES: [&str; 10] = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth",
    ];
    NAMES.get(i).copied().unwrap_or("next")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(x: f64) -> String {
        let mut s = String::new();
        write_float(&mut s, x);
        s
    }

    #[test]
    fn floats_as_dotnet_writes_them() {
        assert_eq!(f(2.5), "2.5");
        assert_eq!(f(10.0), "10");
        assert_eq!(f(-0.25), "-0.25");
        assert_eq!(f(0.0001), "0.0001");
        assert_eq!(f(0.00001), "1E-05");
        assert_eq!(f(1e21), "1E+21");
        assert_eq!(f(123456789012345.0), "123456789012345");
        assert_eq!(f(1e16), "10000000000000000");
        assert_eq!(f(1e17), "1E+17");
        assert_eq!(f(1.5e300), "1.5E+300");
        assert_eq!(f(0.1 + 0.2), "0.30000000000000004");
    }

    #[test]
    fn case_insensitive_lookup_prefers_exact() {
        let v: Value = serde_json::json!({"Address": 1, "address": 2, "Émile": 3});
        let m = v.as_object().unwrap();
        assert_eq!(get_prop(m, "address"), Some(&Value::from(2)));
        assert_eq!(get_prop(m, "ADDRESS"), Some(&Value::from(1)));
        assert_eq!(get_prop(m, "émile"), Some(&Value::from(3)));
        assert_eq!(get_prop(m, "x"), None);
    }
}
