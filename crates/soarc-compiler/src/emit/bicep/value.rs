//! Bicep expressions as typed values, and their printer.
//!
//! Hand-written: no Rust crate prints Bicep. The printer owns every piece of Bicep syntax
//! soarc emits below the file layout (which is in the handlebars templates): string
//! literals and their escapes, interpolation, object keys, multi-line objects and arrays.
//!
//! # String literals
//!
//! Bicep strings are single-quoted; the escapes are `\\`, `\'`, `\n`, `\r`, `\t`, `\$` and
//! `\u{hex}` (Learn: "Bicep data types", section "Strings"). `${` opens an interpolation, so
//! a literal `${` is written `\${`; a `$` not followed by `{` needs no escape. Other control
//! characters are written as `\u{..}` so every literal stays on one line. ARM's `[[` escape
//! does not exist in Bicep: values reach this printer already unescaped.

use std::fmt::Write as _;

/// A Bicep expression (literals included).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Null,
    Bool(bool),
    Int(i64),
    /// A string literal, possibly with `${...}` interpolations.
    Str(Vec<StrPart>),
    /// A symbol: parameter, variable, resource or module.
    Ident(String),
    Call {
        name: String,
        args: Vec<Expr>,
    },
    Member {
        base: Box<Expr>,
        name: String,
    },
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    Array(Vec<Expr>),
    Object(Vec<(String, Expr)>),
}

/// A piece of a string literal.
#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    Lit(String),
    Interp(Expr),
}

impl Expr {
    /// A plain string literal.
    pub fn str(s: impl Into<String>) -> Expr {
        Expr::Str(vec![StrPart::Lit(s.into())])
    }

    pub fn ident(name: impl Into<String>) -> Expr {
        Expr::Ident(name.into())
    }

    pub fn call(name: &str, args: Vec<Expr>) -> Expr {
        Expr::Call {
            name: name.to_string(),
            args,
        }
    }

    /// `self.name`, printed as `self['name']` when `name` is not an identifier.
    pub fn member(self, name: &str) -> Expr {
        Expr::Member {
            base: Box::new(self),
            name: name.to_string(),
        }
    }

    /// Every symbol this expression refers to (for implicit dependencies).
    pub fn idents(&self, out: &mut Vec<String>) {
        match self {
            Expr::Ident(name) => out.push(name.clone()),
            Expr::Null | Expr::Bool(_) | Expr::Int(_) => {}
            Expr::Str(parts) => parts.iter().for_each(|p| {
                if let StrPart::Interp(e) = p {
                    e.idents(out)
                }
            }),
            Expr::Call { args, .. } => args.iter().for_each(|a| a.idents(out)),
            Expr::Member { base, .. } => base.idents(out),
            Expr::Index { base, index } => {
                base.idents(out);
                index.idents(out);
            }
            Expr::Array(items) => items.iter().for_each(|i| i.idents(out)),
            Expr::Object(props) => props.iter().for_each(|(_, v)| v.idents(out)),
        }
    }

    /// The Bicep text, objects and arrays multi-line and indented by two spaces per level,
    /// starting at nesting level `indent`.
    pub fn print(&self, indent: usize) -> String {
        let mut out = String::new();
        self.write(&mut out, indent);
        out
    }

    /// [`Expr::print`] at the end of `out`.
    pub fn write(&self, out: &mut String, indent: usize) {
        match self {
            Expr::Null => out.push_str("null"),
            Expr::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Expr::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Expr::Str(parts) => {
                out.push('\'');
                for part in parts {
                    match part {
                        StrPart::Lit(s) => escape_into(out, s),
                        StrPart::Interp(e) => {
                            out.push_str("${");
                            e.write(out, indent);
                            out.push('}');
                        }
                    }
                }
                out.push('\'');
            }
            Expr::Ident(name) => out.push_str(name),
            Expr::Call { name, args } => {
                out.push_str(name);
                out.push('(');
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    arg.write(out, indent);
                }
                out.push(')');
            }
            Expr::Member { base, name } => {
                base.write(out, indent);
                if is_identifier(name) {
                    out.push('.');
                    out.push_str(name);
                } else {
                    out.push('[');
                    write_string_literal(out, name);
                    out.push(']');
                }
            }
            Expr::Index { base, index } => {
                base.write(out, indent);
                out.push('[');
                index.write(out, indent);
                out.push(']');
            }
            Expr::Array(items) if items.is_empty() => out.push_str("[]"),
            Expr::Array(items) => {
                out.push_str("[\n");
                for item in items {
                    pad(out, indent + 1);
                    item.write(out, indent + 1);
                    out.push('\n');
                }
                pad(out, indent);
                out.push(']');
            }
            Expr::Object(props) if props.is_empty() => out.push_str("{}"),
            Expr::Object(props) => {
                out.push_str("{\n");
                for (key, value) in props {
                    pad(out, indent + 1);
                    write_property_key(out, key);
                    out.push_str(": ");
                    value.write(out, indent + 1);
                    out.push('\n');
                }
                pad(out, indent);
                out.push('}');
            }
        }
    }
}

fn pad(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push_str("  ");
    }
}

/// Words the Bicep grammar reads as literals or statement keywords; quoted when used as
/// object keys so no parser can mistake them.
const RESERVED: &[&str] = &[
    "true",
    "false",
    "null",
    "if",
    "for",
    "in",
    "import",
    "using",
    "with",
    "as",
    "from",
    "func",
    "assert",
    "test",
    "extends",
    "targetScope",
];

/// Bicep's identifier rule: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The Bicep symbol of an ARM parameter or variable name. ARM accepts any name
/// (`servicePrincipal-tenantId`, `Backup Admin Email`, kept by `soarc import` as template
/// parameters); a Bicep `param` needs an identifier, so each other character becomes `_`
/// (and a leading digit gets a `_` before it). The names soarc chooses are identifiers and
/// stay as they are.
pub fn symbol_name(name: &str) -> String {
    if is_identifier(name) {
        return name.to_string();
    }
    let mut symbol: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !symbol.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        symbol.insert(0, '_');
    }
    symbol
}

/// An object key: bare when it is an identifier, quoted otherwise.
pub fn property_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 2);
    write_property_key(&mut out, key);
    out
}

/// [`property_key`] at the end of `out`.
pub fn write_property_key(out: &mut String, key: &str) {
    if is_identifier(key) && !RESERVED.contains(&key) {
        out.push_str(key);
    } else {
        write_string_literal(out, key);
    }
}

/// `s` as a single-quoted Bicep string literal that evaluates to exactly `s`.
pub fn string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_string_literal(&mut out, s);
    out
}

/// [`string_literal`] at the end of `out`.
pub fn write_string_literal(out: &mut String, s: &str) {
    out.push('\'');
    escape_into(out, s);
    out.push('\'');
}

/// Escapes `s` into `out`: runs of characters that need no escape are copied at once.
/// Control characters (Unicode `Cc`: U+0000–U+001F, U+007F–U+009F, the last range being
/// `0xC2 0x80..=0x9F` in UTF-8) are the only ones besides ASCII that are escaped, so the scan
/// is over bytes.
fn escape_into(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (escape, width): (Option<&str>, usize) = match b {
            b'\\' => (Some("\\\\"), 1),
            b'\'' => (Some("\\'"), 1),
            b'\n' => (Some("\\n"), 1),
            b'\r' => (Some("\\r"), 1),
            b'\t' => (Some("\\t"), 1),
            b'$' if bytes.get(i + 1) == Some(&b'{') => (Some("\\$"), 1),
            0x00..=0x1F | 0x7F => (None, 1),
            0xC2 if matches!(bytes.get(i + 1), Some(0x80..=0x9F)) => (None, 2),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&s[run..i]);
        match escape {
            Some(text) => out.push_str(text),
            None => {
                let c = s[i..].chars().next().unwrap_or_default();
                let _ = write!(out, "\\u{{{:X}}}", c as u32);
            }
        }
        i += width;
        run = i;
    }
    out.push_str(&s[run..]);
}

/// A JSON value as a Bicep literal, every string taken verbatim (no ARM evaluation).
/// Non-integer numbers have no Bicep literal: they become `json('1.5')`.
pub fn from_json(value: &serde_json::Value) -> Expr {
    use serde_json::Value;
    match value {
        Value::Null => Expr::Null,
        Value::Bool(b) => Expr::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Expr::Int(i),
            None => Expr::call("json", vec![Expr::str(n.to_string())]),
        },
        Value::String(s) => Expr::str(s.as_str()),
        Value::Array(items) => Expr::Array(items.iter().map(from_json).collect()),
        Value::Object(map) => {
            Expr::Object(map.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// An unescaper written from the Bicep docs, independent of the printer: reads one
    /// single-quoted literal without interpolations.
    fn unescape(literal: &str) -> Result<String, String> {
        let inner = literal
            .strip_prefix('\'')
            .and_then(|s| s.strip_suffix('\''))
            .ok_or("not quoted")?;
        let mut out = String::new();
        let mut chars = inner.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next().ok_or("dangling backslash")? {
                    '\\' => out.push('\\'),
                    '\'' => out.push('\''),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    '$' => out.push('$'),
                    'u' => {
                        if chars.next() != Some('{') {
                            return Err("\\u without {".into());
                        }
                        let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                        let code = u32::from_str_radix(&hex, 16).map_err(|e| e.to_string())?;
                        out.push(char::from_u32(code).ok_or("bad code point")?);
                    }
                    other => return Err(format!("unknown escape \\{other}")),
                },
                '\'' => return Err("unescaped quote".into()),
                '$' if chars.peek() == Some(&'{') => return Err("unescaped interpolation".into()),
                c if c == '\n' || c == '\r' => return Err("raw line break".into()),
                c => out.push(c),
            }
        }
        Ok(out)
    }

    proptest! {
        #[test]
        fn any_string_survives(s in any::<String>()) {
            prop_assert_eq!(unescape(&string_literal(&s)), Ok(s));
        }

        #[test]
        fn tricky_strings_survive(s in "[$'{}\\\\\\[\\]@\n\t a]{0,24}") {
            prop_assert_eq!(unescape(&string_literal(&s)), Ok(s));
        }
    }

    #[test]
    fn escapes() {
        assert_eq!(string_literal("it's"), r"'it\'s'");
        assert_eq!(string_literal(r"a\b"), r"'a\\b'");
        assert_eq!(string_literal("${x} $y"), r"'\${x} $y'");
        assert_eq!(string_literal("a\nb\tc\u{1}"), r"'a\nb\tc\u{1}'");
        // C1 controls (two bytes in UTF-8) and DEL are escaped; other non-ASCII is kept.
        assert_eq!(
            string_literal("\u{7f}é\u{85}\u{9f}\u{a0}€"),
            "'\\u{7F}é\\u{85}\\u{9F}\u{a0}€'"
        );
        assert_eq!(
            string_literal("@{triggerBody()?['object']}"),
            r"'@{triggerBody()?[\'object\']}'"
        );
        assert_eq!(string_literal("[Sentinel] x]"), "'[Sentinel] x]'");
    }

    #[test]
    fn keys_are_bare_only_when_legal() {
        assert_eq!(property_key("runAfter"), "runAfter");
        assert_eq!(property_key("$connections"), "'$connections'");
        assert_eq!(
            property_key("hidden-SentinelTemplateName"),
            "'hidden-SentinelTemplateName'"
        );
        assert_eq!(property_key("null"), "'null'");
        assert_eq!(property_key("1a"), "'1a'");
    }

    #[test]
    fn json_prints_multi_line() {
        let e = from_json(&json!({"a": [1, true, null], "b-c": {}, "d": [], "e": 1.5}));
        assert_eq!(
            e.print(0),
            "{\n  a: [\n    1\n    true\n    null\n  ]\n  'b-c': {}\n  d: []\n  e: json('1.5')\n}"
        );
    }
}
