//! Conversion functions ([FN] §"Conversion functions"), base64, data URIs, binary and XML
//! content.
//!
//! Binary and XML values are content envelopes, as the runtime keeps them:
//! `{"$content-type": "application/octet-stream", "$content": "<base64>"}` (Learn,
//! logic-apps-content-type: "Logic Apps ... stores binary content as base64 with a
//! `$content-type`"; [FN] §uriComponentToBinary: "The binary content is base64-encoded and
//! represented by `$content`"). Their text (`string()`, `@{...}`) is the decoded UTF-8.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::EvalError;
use super::call::{Args, R};
use super::dotnet::Culture;
use super::uri::{not_utf8, percent_decode, percent_decode_bytes, percent_encode};
use super::value::{Num, float, to_text, type_name};

pub(crate) fn call<'a>(a: &mut Args<'_, 'a>) -> R<'a> {
    let v = match a.name {
        "array" => Ok(Value::Array(vec![a.take(0).into_owned()])),
        "createArray" => Ok(Value::Array(
            a.vals.drain(..).map(Cow::into_owned).collect(),
        )),
        "base64" => Ok(Value::String(base64_encode(&content_bytes(a.get(0))))),
        "base64ToBinary" => decode64(a).map(|b| envelope("application/octet-stream", &b)),
        "base64ToString" | "decodeBase64" => {
            let b = decode64(a)?;
            String::from_utf8(b)
                .map(Value::String)
                .map_err(|_| not_utf8(a))
        }
        "binary" => Ok(envelope(
            "application/octet-stream",
            &content_bytes(a.get(0)),
        )),
        "bool" => bool_of(a),
        "dataUri" => {
            // [FN] §dataUri: `dataUri('hello')` is "data:text/plain;charset=utf-8;base64,aGVsbG8=".
            let (ty, bytes) = match binary_parts(a.get(0)) {
                Some((t, b)) => (t.to_string(), b),
                None => (
                    "text/plain;charset=utf-8".to_string(),
                    content_bytes(a.get(0)),
                ),
            };
            Ok(Value::String(format!(
                "data:{ty};base64,{}",
                base64_encode(&bytes)
            )))
        }
        "dataUriToBinary" | "decodeDataUri" => {
            let (ty, bytes) = data_uri(a)?;
            Ok(envelope(&ty, &bytes))
        }
        "dataUriToString" => {
            let (_, bytes) = data_uri(a)?;
            String::from_utf8(bytes)
                .map(Value::String)
                .map_err(|_| not_utf8(a))
        }
        "decimal" => decimal(a),
        "decodeUriComponent" | "uriComponentToString" => percent_decode(a.str(0)?)
            .map(Value::String)
            .ok_or_else(|| not_utf8(a)),
        "uriComponentToBinary" => Ok(envelope(
            "application/octet-stream",
            &percent_decode_bytes(a.str(0)?),
        )),
        "encodeUriComponent" | "uriComponent" => {
            Ok(Value::String(percent_encode(&to_text(a.get(0)))))
        }
        "float" => float_of(a),
        "int" => int_of(a),
        "json" => json_of(a),
        // [FN] §string: null becomes "".
        "string" => Ok(Value::String(to_text(a.get(0)).into_owned())),
        "xml" => xml_of(a),
        other => unreachable!("{other} is not a conversion function"),
    };
    v.map(Cow::Owned)
}

// ---- base64 and content envelopes ----

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (RFC 4648 §4), as .NET's `Convert.ToBase64String`.
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if c.len() > 1 {
            B64[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if c.len() > 2 {
            B64[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Decodes standard base64 (whitespace ignored, padding optional); `None` if malformed.
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut pad = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => {
                pad += 1;
                continue;
            }
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        if pad > 0 {
            return None;
        }
        acc = acc << 6 | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    (pad <= 2).then_some(out)
}

fn decode64(a: &Args) -> Result<Vec<u8>, EvalError> {
    let s = match binary_parts(a.get(0)) {
        Some((_, b)) => return Ok(b),
        None => a.str(0)?,
    };
    base64_decode(s).ok_or_else(|| {
        a.err("was given a value that is not valid base64 text (A-Z, a-z, 0-9, '+', '/', '=' padding)")
    })
}

/// A content envelope of `bytes`.
pub(crate) fn envelope(content_type: &str, bytes: &[u8]) -> Value {
    let mut m = Map::new();
    m.insert("$content-type".into(), Value::String(content_type.into()));
    m.insert("$content".into(), Value::String(base64_encode(bytes)));
    Value::Object(m)
}

/// The content type and bytes of a content envelope.
pub(crate) fn binary_parts(v: &Value) -> Option<(&str, Vec<u8>)> {
    let m = v.as_object()?;
    let ty = m.get("$content-type")?.as_str()?;
    let content = m.get("$content")?.as_str()?;
    if !m.keys().all(|k| k.starts_with('$')) {
        return None;
    }
    Some((ty, base64_decode(content)?))
}

/// The bytes a value stands for: an envelope's content, or the UTF-8 of its text.
fn content_bytes(v: &Value) -> Vec<u8> {
    binary_parts(v)
        .map(|(_, b)| b)
        .unwrap_or_else(|| to_text(v).as_bytes().to_vec())
}

/// `data:[<type>][;base64],<data>`.
fn data_uri(a: &Args) -> Result<(String, Vec<u8>), EvalError> {
    let s = a.str(0)?;
    let bad = || {
        a.err(format_args!(
            "expects a data URI 'data:<type>;base64,<data>'; '{s}' is not one"
        ))
    };
    let rest = s.strip_prefix("data:").ok_or_else(bad)?;
    let (meta, data) = rest.split_once(',').ok_or_else(bad)?;
    let (ty, b64) = match meta.strip_suffix(";base64") {
        Some(t) => (t, true),
        None => (meta, false),
    };
    let ty = if ty.is_empty() {
        "text/plain;charset=US-ASCII"
    } else {
        ty
    };
    let bytes = if b64 {
        base64_decode(data).ok_or_else(bad)?
    } else {
        percent_decode_bytes(data)
    };
    Ok((ty.to_string(), bytes))
}

// ---- numbers and booleans ----

/// `bool(value)`: [FN] §bool: `bool(1)` true, `bool(0)` false, `bool(-1)` true,
/// `bool('true')` true, `bool('false')` false. Text other than true/false (any case) fails
/// (measured, tomdam/flowforger `logic.ts`).
fn bool_of(a: &Args) -> Result<Value, EvalError> {
    match a.get(0) {
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::Number(_) => Ok(Value::Bool(Num::of(a.get(0)).is_some_and(|n| n.as_f64() != 0.0))),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
        _ => Err(a.err("was invoked with a parameter that is not valid. The value cannot be converted to the target type")),
    }
}

/// `int(value)`: [FN] §int: `int('10')` is 10. Text as .NET's `long.Parse` reads it
/// (surrounding white space, a leading sign); integral numbers pass through.
fn int_of(a: &Args) -> Result<Value, EvalError> {
    let bad = || {
        a.err(format_args!(
        "was invoked with a parameter that is not valid. The value '{}' cannot be converted to the target type 'Integer'",
        to_text(a.get(0))
    ))
    };
    match a.get(0) {
        Value::String(s) => parse_int(s).map(Value::from).ok_or_else(bad),
        v => match Num::of(v) {
            Some(Num::Int(i)) => Ok(Value::from(i)),
            Some(Num::Float(x)) if x.fract() == 0.0 && x.abs() < 9.2e18 => {
                Ok(Value::from(x as i64))
            }
            _ => Err(bad()),
        },
    }
}

pub(crate) fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty()
        || !t
            .trim_start_matches('-')
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    t.parse().ok()
}

/// `float(value, locale?)`: [FN] §float: `float('10,000.333')` is 10000.333,
/// `float('10.000,333', 'de-DE')` is 10000.333, and .NET's lenient parse accepts group
/// separators anywhere in the integer part and a trailing sign (`float('1234567,8+')` is
/// 12345678, `float('12345678.-')` is -12345678).
fn float_of(a: &Args) -> Result<Value, EvalError> {
    let culture = super::dotnet::culture(a, 1)?;
    let x = match a.get(0) {
        Value::String(s) => parse_float(s, culture).ok_or_else(|| {
            a.err(format_args!(
                "was invoked with a parameter that is not valid. The value '{s}' cannot be converted to the target type 'Float'"
            ))
        })?,
        v => Num::of(v)
            .map(Num::as_f64)
            .ok_or_else(|| a.type_err(0, "a string or a number"))?,
    };
    float(x).ok_or_else(|| a.err("produced a number that is not finite"))
}

/// .NET `double.Parse(s, NumberStyles.Float | NumberStyles.AllowThousands, culture)`.
pub(crate) fn parse_float(s: &str, culture: &Culture) -> Option<f64> {
    let t = s.trim();
    let (mut neg, mut t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let signed_front = neg || s.trim().starts_with('+');
    if !signed_front {
        if let Some(r) = t.strip_suffix('-') {
            neg = true;
            t = r;
        } else if let Some(r) = t.strip_suffix('+') {
            t = r;
        }
    }
    if t.eq_ignore_ascii_case("infinity") || t == "∞" {
        return Some(if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    let mut digits = String::with_capacity(t.len());
    let mut seen_digit = false;
    let mut rest = t;
    // Integer part with group separators (only after a digit).
    while let Some(c) = rest.chars().next() {
        if c.is_ascii_digit() {
            digits.push(c);
            seen_digit = true;
            rest = &rest[1..];
        } else if seen_digit && rest.starts_with(culture.group) {
            rest = &rest[culture.group.len()..];
        } else {
            break;
        }
    }
    if let Some(r) = rest.strip_prefix(culture.decimal) {
        digits.push('.');
        rest = r;
        while let Some(c) = rest.chars().next().filter(char::is_ascii_digit) {
            digits.push(c);
            seen_digit = true;
            rest = &rest[1..];
        }
    }
    if !seen_digit {
        return None;
    }
    if let Some(r) = rest.strip_prefix(['e', 'E']) {
        let (esign, r) = match r.strip_prefix('-') {
            Some(r) => ("-", r),
            None => ("", r.strip_prefix('+').unwrap_or(r)),
        };
        if r.is_empty() || !r.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.push('e');
        digits.push_str(esign);
        digits.push_str(r);
        rest = "";
    }
    if !rest.is_empty() {
        return None;
    }
    let x: f64 = digits.trim_end_matches('.').parse().ok()?;
    Some(if neg { -x } else { x })
}

/// `decimal(text)`: [FN] §decimal. The simulator holds numbers as 64-bit floats, so a decimal
/// keeps about 15-17 significant digits (Learn: used as a number, `decimal('1.2345678912312131')`
/// is 1.234567891231213; `string(decimal(...))` there keeps all 17 digits, here the shortest
/// text of the float).
fn decimal(a: &Args) -> Result<Value, EvalError> {
    let x = match a.get(0) {
        Value::String(s) => parse_float(s, super::dotnet::INVARIANT).ok_or_else(|| {
            a.err(format_args!(
                "was invoked with a parameter that is not valid. The value '{s}' cannot be converted to the target type 'Decimal'"
            ))
        })?,
        v => Num::of(v)
            .map(Num::as_f64)
            .ok_or_else(|| a.type_err(0, "a string or a number"))?,
    };
    float(x).ok_or_else(|| a.err("produced a number that is not finite"))
}

// ---- JSON and XML ----

/// `json(value)`: [FN] §json: text parsed as JSON (`json('[1, 2, 3]')` is [1, 2, 3]); "If the
/// string is null, the function returns an empty object"; JSON values pass through.
fn json_of(a: &Args) -> Result<Value, EvalError> {
    match a.get(0) {
        Value::Null => Ok(Value::Object(Map::new())),
        Value::String(s) => serde_json::from_str(s).map_err(|e| {
            a.err(format_args!(
                "parameter is not valid. The provided value '{s}' cannot be parsed: {e}"
            ))
        }),
        v if binary_parts(v).is_some_and(|(t, _)| t.contains("xml")) => Err(a.err(
            "of XML content (json(xml(...))) is not simulated: the simulator has no XML-to-JSON converter; give the value as JSON",
        )),
        v => match binary_parts(v) {
            Some((_, b)) => {
                let text = String::from_utf8(b).map_err(|_| not_utf8(a))?;
                serde_json::from_str(&text).map_err(|e| a.err(format_args!("content cannot be parsed as JSON: {e}")))
            }
            None => Ok(v.clone()),
        },
    }
}

/// `xml(value)`: [FN] §xml: XML text, or a JSON object with one root property (not an array)
/// converted to XML (`xml(json('{ "name": "Sophia Owen" }'))` is `<name>Sophia Owen</name>`).
/// JSON-to-XML follows Newtonsoft's rules: `@name` properties are attributes, `#text` is text,
/// arrays repeat the element.
fn xml_of(a: &Args) -> Result<Value, EvalError> {
    const XML: &str = "application/xml;charset=utf-8";
    match a.get(0) {
        Value::String(s) => {
            let t = s.trim_start();
            if !t.starts_with('<') {
                return Err(a.err(format_args!(
                    "parameter is not valid: '{s}' is neither XML nor a JSON object"
                )));
            }
            Ok(envelope(XML, s.as_bytes()))
        }
        // Content that is already binary or XML: the same bytes, as XML.
        v if binary_parts(v).is_some() => {
            let (_, b) = binary_parts(v).unwrap_or(("", Vec::new()));
            Ok(envelope(XML, &b))
        }
        Value::Object(m) => {
            let roots: Vec<(&String, &Value)> =
                m.iter().filter(|(k, _)| !k.starts_with('?')).collect();
            if roots.len() != 1 || roots[0].1.is_array() {
                return Err(a.err(
                    "expects a JSON object with exactly one root property that is not an array",
                ));
            }
            let mut out = String::new();
            write_element(&mut out, roots[0].0, roots[0].1);
            Ok(envelope(XML, out.as_bytes()))
        }
        other => Err(a.err(format_args!(
            "expects XML text or a JSON object; the provided value is of type '{}'",
            type_name(other)
        ))),
    }
}

fn escape_xml(out: &mut String, s: &str, attr: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// JSON scalars as Newtonsoft writes them into XML (booleans lower-case).
fn scalar_text(v: &Value) -> Cow<'_, str> {
    match v {
        Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        v => to_text(v),
    }
}

fn write_element(out: &mut String, name: &str, v: &Value) {
    match v {
        Value::Array(items) => {
            for item in items {
                write_element(out, name, item);
            }
        }
        Value::Object(m) => {
            out.push('<');
            out.push_str(name);
            for (k, x) in m {
                if let Some(attr) = k.strip_prefix('@') {
                    out.push(' ');
                    out.push_str(attr);
                    out.push_str("=\"");
                    escape_xml(out, &scalar_text(x), true);
                    out.push('"');
                }
            }
            out.push('>');
            for (k, x) in m {
                if k == "#text" {
                    escape_xml(out, &scalar_text(x), false);
                } else if !k.starts_with('@') {
                    write_element(out, k, x);
                }
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
        Value::Null => {
            out.push('<');
            out.push_str(name);
            out.push_str(" />");
        }
        scalar => {
            out.push('<');
            out.push_str(name);
            out.push('>');
            escape_xml(out, &scalar_text(scalar), false);
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
    }
}

/// `xpath(xml, expression)`: not simulated (the runtime uses .NET's XPath 1.0 library, [FN]
/// §xpath; the simulator has no XPath engine).
pub(crate) fn xpath(a: &Args) -> Result<Value, EvalError> {
    Err(a.err(
        "is not simulated: the simulator has no XPath engine; mock the action that produces the value instead",
    ))
}
