//! ARM003: an ARM function is called with the wrong number of arguments.

use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "ARM003",
    title: "ARM function called with the wrong number of arguments",
    severity: Severity::Error,
    doc: "Each ARM template function takes a fixed range of arguments (Learn's parameter \
          tables: e.g. `resourceId` needs at least 2, `if` exactly 3). A call outside that \
          range fails the deployment with `InvalidTemplate`.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    for scope in &ctx.scopes {
        for e in &scope.exprs {
            let Ok(expr) = &e.parsed else { continue };
            for (name, given, expected) in expr.arity_errors() {
                sink.report_value(
                    e.at.offset,
                    format!("ARM function '{name}' takes {expected} argument(s), found {given}"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect, run};

    #[test]
    fn fails_on_wrong_count() {
        let t = arm("{}", r#"{"a": "[if(true(), 'x')]"}"#, "[]");
        assert_eq!(
            expect(
                "ARM003",
                &t,
                &[(
                    "/variables/a",
                    "ARM function 'if' takes 3 argument(s), found 2"
                )]
            )
            .len(),
            1
        );
    }

    #[test]
    fn passes_on_right_count() {
        let t = arm("{}", r#"{"a": "[if(true(), 'x', 'y')]"}"#, "[]");
        assert!(run("ARM003", &t).is_empty());
    }
}
