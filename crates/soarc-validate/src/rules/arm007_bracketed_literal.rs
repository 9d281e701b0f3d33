//! ARM007: a literal in brackets that ARM would try to evaluate.

use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "ARM007",
    title: "Bracketed literal is evaluated as an ARM expression",
    severity: Severity::Error,
    doc: "ARM evaluates every string that starts with `[` and ends with `]`, such as the text \
          `[Sentinel] new incident [High]`. It is not a valid expression, so the deployment \
          fails. To keep the text literal, double the first bracket (`[[Sentinel] ... [High]`): \
          ARM drops one `[` and keeps the rest verbatim.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    for scope in &ctx.scopes {
        for e in &scope.exprs {
            let Err(err) = &e.parsed else { continue };
            let inner = &e.at.text[1..e.at.text.len() - 1];
            if !super::arm001_expression_syntax::looks_like_call(inner) {
                sink.report_value(
                    e.at.offset,
                    format!(
                        "'{}' starts with '[' and ends with ']', so ARM evaluates it, but it is \
                         not an expression ({}); write '[[' at the start to keep it literal",
                        shorten(e.at.text),
                        err.message
                    ),
                );
            }
        }
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect, run};

    #[test]
    fn fails_on_bracketed_title() {
        let t = arm("{}", r#"{"title": "[Sentinel] new incident [High]"}"#, "[]");
        assert_eq!(expect("ARM007", &t, &[("/variables/title", "'[Sentinel] new incident [High]' starts with '[' and ends with ']', so ARM evaluates it, but it is not an expression (expected '(' after function name 'Sentinel', found ']'); write '[[' at the start to keep it literal")]).len(), 1);
    }

    #[test]
    fn passes_on_escaped_or_open_literal() {
        let t = arm(
            "{}",
            r#"{"a": "[[Sentinel] x [High]", "b": "[Sentinel] x"}"#,
            "[]",
        );
        assert!(run("ARM007", &t).is_empty());
    }
}
