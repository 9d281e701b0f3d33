//! ARM001: an ARM expression does not parse.

use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "ARM001",
    title: "ARM expression does not parse",
    severity: Severity::Error,
    doc: "A string that starts with `[` and ends with `]` is an ARM template expression, and \
          this one starts like a function call but is not valid: unbalanced parentheses or \
          quotes, a missing comma, a trailing token. ARM rejects the whole deployment with \
          `InvalidTemplate`. Strings that do not look like a call at all are reported by \
          ARM007 instead.",
    check,
};

/// Whether the text inside the brackets starts like a function call (`name(` or `ns.name(`).
pub(crate) fn looks_like_call(inner: &str) -> bool {
    let trimmed = inner.trim_start();
    let ident_len = trimmed
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '.'))
        .unwrap_or(trimmed.len());
    ident_len > 0 && trimmed[ident_len..].trim_start().starts_with('(')
}

fn check(ctx: &Context, sink: &mut Sink) {
    for scope in &ctx.scopes {
        for e in &scope.exprs {
            let Err(err) = &e.parsed else { continue };
            let inner = &e.at.text[1..e.at.text.len() - 1];
            if looks_like_call(inner) {
                sink.report_value(
                    e.at.offset,
                    format!(
                        "ARM expression does not parse: {} (at character {})",
                        err.message,
                        err.offset + 2
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect, run};

    #[test]
    fn fails_on_unbalanced() {
        let t = arm("{}", r#"{"a": "[concat('x', 'y']"}"#, "[]");
        let f = expect(
            "ARM001",
            &t,
            &[(
                "/variables/a",
                "ARM expression does not parse: expected ',' or ')' in arguments of 'concat', found end of expression (at character 17)",
            )],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].pointer, "/variables/a");
    }

    #[test]
    fn passes_on_valid_and_escaped() {
        let t = arm(
            "{}",
            r#"{"a": "[concat('x', 'y')]", "b": "[[concat(", "c": "[ toLower( 'A' ) ]"}"#,
            "[]",
        );
        assert!(run("ARM001", &t).is_empty());
    }
}
