//! ARM005: `variables('x')` names a variable the template does not declare.

use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "ARM005",
    title: "Reference to an undeclared template variable",
    severity: Severity::Error,
    doc: "An ARM expression calls `variables('x')` but the template's `variables` section \
          (including `copy` variable loops) has no `x` (compared case-insensitively). The \
          deployment fails with `The template variable 'x' is not found`. Note that \
          `variables()` inside a Logic Apps expression (`@variables('x')`) is a different \
          function, checked by WDL006.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    super::arm004_undefined_parameter::check_refs(ctx, sink, "variables", "variable", |s| {
        s.variable_names()
    });
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect, run};

    #[test]
    fn fails_on_undeclared() {
        let t = arm("{}", r#"{"a": "x", "b": "[variables('c')]"}"#, "[]");
        assert_eq!(
            expect(
                "ARM005",
                &t,
                &[(
                    "/variables/b",
                    "variables('c'): the template declares no variable 'c'; did you mean 'a'?"
                )]
            )
            .len(),
            1
        );
    }

    #[test]
    fn passes_on_declared_and_copy() {
        let t = arm(
            "{}",
            r#"{"a": "x", "copy": [{"name": "list", "count": 2, "input": "[copyIndex('list')]"}], "b": "[concat(variables('A'), variables('list')[0])]"}"#,
            "[]",
        );
        assert!(run("ARM005", &t).is_empty());
    }
}
