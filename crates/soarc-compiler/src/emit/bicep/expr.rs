//! ARM expressions (`[concat('a', parameters('b'))]`) translated to Bicep expressions
//! (`'a${b}'`), with resource ids replaced by symbolic references.

use serde_json::Value;

use super::value::{Expr, StrPart, from_json};
use soarc_lang::arm::expr::{StringKind, classify};
use soarc_lang::arm::{self, ArmString};

/// What the translator knows about the file being written.
#[derive(Debug, Default, Clone)]
pub struct Symbols {
    /// ARM `resourceId(...)` expressions of resources declared in the file, with their symbol.
    pub resources: Vec<(arm::Expr, String)>,
    /// Literal names of nested deployments (modules) of the file, with their symbol, for
    /// `dependsOn: ['<deployment name>']` between modules.
    pub deployments: Vec<(String, String)>,
}

/// An ARM construct this translator has no Bicep form for (a soarc bug when it happens on
/// soarc's own templates).
#[derive(Debug, Clone, PartialEq)]
pub struct Unsupported(pub String);

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Symbols {
    fn resource(&self, e: &arm::Expr) -> Option<&str> {
        self.resources
            .iter()
            .find(|(id, _)| id == e)
            .map(|(_, s)| s.as_str())
    }

    /// An ARM JSON string value (literal or `[expression]`).
    pub fn string(&self, s: &ArmString) -> Result<Expr, Unsupported> {
        match s {
            ArmString::Literal(s) => Ok(Expr::str(s.as_str())),
            ArmString::Expr(e) => self.expr(e),
        }
    }

    /// An ARM JSON value: every string is read as ARM reads it (`[[` undone, `[...]`
    /// evaluated).
    pub fn json(&self, value: &Value) -> Result<Expr, Unsupported> {
        match value {
            // Literals (most strings) go straight to a Bicep string, without the copy
            // `ArmString::parse` makes of them.
            Value::String(s) => match classify(s) {
                StringKind::Plain => Ok(Expr::str(s.as_str())),
                StringKind::EscapedLiteral => Ok(Expr::str(&s[1..])),
                StringKind::Expression => {
                    let parsed = ArmString::parse(s)
                        .map_err(|e| Unsupported(format!("ARM expression {s:?}: {e}")))?;
                    self.string(&parsed)
                }
            },
            Value::Array(items) => Ok(Expr::Array(
                items
                    .iter()
                    .map(|i| self.json(i))
                    .collect::<Result<_, _>>()?,
            )),
            Value::Object(map) => {
                let mut props = Vec::with_capacity(map.len());
                for (key, v) in map {
                    let key = match classify(key) {
                        StringKind::Plain => key.clone(),
                        StringKind::EscapedLiteral => key[1..].to_string(),
                        StringKind::Expression => {
                            return Err(Unsupported(format!("expression as property name: {key}")));
                        }
                    };
                    props.push((key, self.json(v)?));
                }
                Ok(Expr::Object(props))
            }
            other => Ok(from_json(other)),
        }
    }

    /// One ARM expression.
    pub fn expr(&self, e: &arm::Expr) -> Result<Expr, Unsupported> {
        if let Some(symbol) = self.resource(e) {
            return Ok(Expr::ident(symbol).member("id"));
        }
        match e {
            arm::Expr::Str(s) => Ok(Expr::str(s.as_str())),
            arm::Expr::Int(i) => Ok(Expr::Int(*i)),
            arm::Expr::Member { base, name } => Ok(self.expr(base)?.member(name)),
            arm::Expr::Index { base, index } => Ok(Expr::Index {
                base: Box::new(self.expr(base)?),
                index: Box::new(self.expr(index)?),
            }),
            arm::Expr::Call { name, args } => self.call(name, args),
        }
    }

    fn call(&self, name: &str, args: &[arm::Expr]) -> Result<Expr, Unsupported> {
        let lower = name.to_ascii_lowercase();
        match (lower.as_str(), args) {
            ("parameters" | "variables", [arm::Expr::Str(symbol)]) => {
                Ok(Expr::ident(super::value::symbol_name(symbol)))
            }
            ("if", _) => Err(Unsupported("if() (Bicep writes it as a ternary)".into())),
            ("true", []) => Ok(Expr::Bool(true)),
            ("false", []) => Ok(Expr::Bool(false)),
            ("null", []) => Ok(Expr::Null),
            // `reference(id, version, 'full')` is the resource itself; without 'full', its
            // properties.
            ("reference", [id, rest @ ..]) if self.resource(id).is_some() => {
                let symbol = Expr::ident(self.resource(id).unwrap_or_default());
                match rest {
                    [_, arm::Expr::Str(full)] if full.eq_ignore_ascii_case("full") => Ok(symbol),
                    [] | [_] => Ok(symbol.member("properties")),
                    _ => Err(Unsupported(format!("reference() form {args:?}"))),
                }
            }
            ("concat", _) if args.iter().any(|a| matches!(a, arm::Expr::Str(_))) => {
                let mut parts = Vec::new();
                for arg in args {
                    push_part(&mut parts, self.expr(arg)?);
                }
                Ok(Expr::Str(parts))
            }
            ("format", [arm::Expr::Str(pattern), rest @ ..]) => {
                match format_parts(pattern, rest.len()) {
                    Some(pieces) => {
                        let mut parts = Vec::new();
                        for piece in pieces {
                            match piece {
                                Piece::Lit(s) => push_part(&mut parts, Expr::str(s)),
                                Piece::Arg(i) => push_part(&mut parts, self.expr(&rest[i])?),
                            }
                        }
                        Ok(Expr::Str(parts))
                    }
                    None => self.plain_call(name, args),
                }
            }
            _ => self.plain_call(name, args),
        }
    }

    /// Bicep has the ARM functions under the same names.
    fn plain_call(&self, name: &str, args: &[arm::Expr]) -> Result<Expr, Unsupported> {
        Ok(Expr::Call {
            name: name.to_string(),
            args: args
                .iter()
                .map(|a| self.expr(a))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// Append to an interpolated string: literals merge, nested plain strings flatten.
fn push_part(parts: &mut Vec<StrPart>, e: Expr) {
    match e {
        Expr::Str(inner) => {
            for part in inner {
                match (part, parts.last_mut()) {
                    (StrPart::Lit(s), Some(StrPart::Lit(prev))) => prev.push_str(&s),
                    (part, _) => parts.push(part),
                }
            }
        }
        other => parts.push(StrPart::Interp(other)),
    }
}

enum Piece {
    Lit(String),
    Arg(usize),
}

/// Split a .NET composite format string into literals and `{n}` holes; `None` when it uses
/// anything else (format specifiers, alignment, out-of-range holes), left to `format()`.
fn format_parts(pattern: &str, arity: usize) -> Option<Vec<Piece>> {
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                let digits: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let index: usize = digits.parse().ok().filter(|&i| i < arity)?;
                if !lit.is_empty() {
                    pieces.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                pieces.push(Piece::Arg(index));
            }
            '}' => return None,
            c => lit.push(c),
        }
    }
    if !lit.is_empty() {
        pieces.push(Piece::Lit(lit));
    }
    Some(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;
    use soarc_lang::arm::expr::parse_expr;

    fn bicep(arm: &str, symbols: &Symbols) -> String {
        symbols.expr(&parse_expr(arm).unwrap()).unwrap().print(0)
    }

    #[test]
    fn translations() {
        let mut symbols = Symbols::default();
        symbols.resources.push((
            parse_expr("resourceId('Microsoft.Logic/workflows', parameters('PlaybookName'))")
                .unwrap(),
            "playbook".into(),
        ));
        let cases = [
            ("parameters('PlaybookName')", "PlaybookName"),
            ("variables('x')", "x"),
            (
                "concat('azuresentinel-', parameters('PlaybookName'))",
                "'azuresentinel-${PlaybookName}'",
            ),
            ("resourceGroup().location", "resourceGroup().location"),
            (
                "resourceId('Microsoft.Logic/workflows', parameters('PlaybookName'))",
                "playbook.id",
            ),
            (
                "reference(resourceId('Microsoft.Logic/workflows', parameters('PlaybookName')), '2017-07-01', 'full').identity.principalId",
                "playbook.identity.principalId",
            ),
            (
                "reference(resourceId('Microsoft.Logic/workflows', parameters('PlaybookName'))).state",
                "playbook.properties.state",
            ),
            (
                "take(concat('sentinel-responder-', parameters('PlaybookName')), 64)",
                "take('sentinel-responder-${PlaybookName}', 64)",
            ),
            (
                "format('a/{0}/{{b}}/{1}', parameters('x'), 'y''s')",
                "'a/${x}/{b}/y\\'s'",
            ),
            ("format('{0:D}', parameters('x'))", "format('{0:D}', x)"),
            (
                "subscriptionResourceId('A/b', 'c')",
                "subscriptionResourceId('A/b', 'c')",
            ),
            ("guid(parameters('a'), 'b')", "guid(a, 'b')"),
            ("concat(parameters('a'), parameters('b'))", "concat(a, b)"),
            ("parameters('o')['odata.type']", "o['odata.type']"),
            (
                "createArray(true(), null(), 1)",
                "createArray(true, null, 1)",
            ),
        ];
        for (arm, expected) in cases {
            assert_eq!(bicep(arm, &symbols), expected, "{arm}");
        }
    }

    #[test]
    fn arm_json_undoes_bracket_escapes() {
        let value =
            serde_json::json!({"a": "[[Sentinel] x]", "b": "[parameters('p')]", "c": "@{x}'"});
        let e = Symbols::default().json(&value).unwrap();
        assert_eq!(
            e.print(0),
            "{\n  a: '[Sentinel] x]'\n  b: p\n  c: '@{x}\\''\n}"
        );
    }
}
