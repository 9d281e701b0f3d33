//! ARM002: an ARM expression calls a function that does not exist.

use super::{Rule, Severity, hint};
use crate::{Context, Sink};
use soarc_lang::arm::{expr::Expr, functions};

pub static RULE: Rule = Rule {
    code: "ARM002",
    title: "Unknown ARM template function",
    severity: Severity::Error,
    doc: "The expression calls a function that is not an ARM template function (names are \
          compared case-insensitively, any `list*` resource action is accepted, and \
          `namespace.function` user-defined functions are not checked). ARM fails the \
          deployment with `The template function 'x' is not valid`. Often a typo, or a \
          Logic Apps function (such as `triggerBody`) written in an ARM expression.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    for scope in &ctx.scopes {
        for e in &scope.exprs {
            let Ok(expr) = &e.parsed else { continue };
            expr.walk(&mut |node| {
                if let Expr::Call { name, .. } = node
                    && !name.contains('.')
                    && functions::lookup(name).is_none()
                {
                    sink.report_value(
                        e.at.offset,
                        format!(
                            "unknown ARM function '{name}'{}",
                            hint(functions::suggest(name))
                        ),
                    );
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect, run};

    #[test]
    fn fails_with_suggestion() {
        let t = arm("{}", r#"{"a": "[concatt('x', 'y')]"}"#, "[]");
        let f = expect(
            "ARM002",
            &t,
            &[(
                "/variables/a",
                "unknown ARM function 'concatt'; did you mean 'concat'?",
            )],
        );
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("did you mean 'concat'"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_case_insensitive_and_list() {
        let t = arm(
            "{}",
            r#"{"a": "[CONCAT(listKeys('r', '2020-01-01').k, ns.f())]"}"#,
            "[]",
        );
        assert!(run("ARM002", &t).is_empty());
    }
}
