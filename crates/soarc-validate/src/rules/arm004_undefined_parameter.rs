//! ARM004: `parameters('x')` names a parameter the template does not declare.

use super::{CiSet, Rule, Severity, hint};
use crate::context::{ArmExpr, ArmScope};
use crate::{Context, Sink};
use soarc_lang::arm::expr::Expr;

pub static RULE: Rule = Rule {
    code: "ARM004",
    title: "Reference to an undeclared template parameter",
    severity: Severity::Error,
    doc: "An ARM expression calls `parameters('x')` but the template (or, for a nested \
          deployment with inner scope, the nested template) declares no parameter `x` \
          (compared case-insensitively, as ARM does). The deployment fails with \
          `The template parameter 'x' is not found`.",
    check,
};

/// Every call `function('literal', ...)` in a scope: (expression, first argument). The
/// argument is `None` when it is not a string literal.
pub(crate) fn refs<'s, 'a>(
    scope: &'s ArmScope<'a>,
    function: &str,
) -> Vec<(&'s ArmExpr<'a>, Option<&'s str>)> {
    let mut out = Vec::new();
    for e in &scope.exprs {
        let Ok(expr) = &e.parsed else { continue };
        expr.walk(&mut |node| {
            if let Expr::Call { name, args } = node
                && name.eq_ignore_ascii_case(function)
            {
                let arg = match args.first() {
                    Some(Expr::Str(s)) => Some(s.as_str()),
                    _ => None,
                };
                out.push((e, arg));
            }
        });
    }
    out
}

pub(crate) fn check_refs(
    ctx: &Context,
    sink: &mut Sink,
    function: &str,
    what: &str,
    declared: for<'s> fn(&'s ArmScope<'_>) -> Vec<&'s str>,
) {
    for scope in &ctx.scopes {
        let names = CiSet::new(declared(scope));
        for (e, arg) in refs(scope, function) {
            let Some(arg) = arg else { continue };
            if !names.contains(arg) {
                sink.report_value(
                    e.at.offset,
                    format!(
                        "{function}('{arg}'): the template declares no {what} '{arg}'{}",
                        hint(names.suggest(arg))
                    ),
                );
            }
        }
    }
}

fn check(ctx: &Context, sink: &mut Sink) {
    check_refs(ctx, sink, "parameters", "parameter", |s| {
        s.parameter_names()
    });
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect, run};

    #[test]
    fn fails_on_undeclared() {
        let t = arm(
            r#"{"PlaybookName": {"type": "string"}}"#,
            r#"{"a": "[parameters('PlaybookNam')]"}"#,
            "[]",
        );
        let f = expect(
            "ARM004",
            &t,
            &[(
                "/variables/a",
                "parameters('PlaybookNam'): the template declares no parameter 'PlaybookNam'; did you mean 'PlaybookName'?",
            )],
        );
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("did you mean 'PlaybookName'"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_case_insensitively() {
        let t = arm(
            r#"{"PlaybookName": {"type": "string"}}"#,
            r#"{"a": "[parameters('playbookname')]"}"#,
            "[]",
        );
        assert!(run("ARM004", &t).is_empty());
    }

    #[test]
    fn nested_inner_scope_has_its_own_parameters() {
        let t = arm(
            "{}",
            "{}",
            r#"[{"type": "Microsoft.Resources/deployments", "apiVersion": "2021-04-01", "name": "n",
                "properties": {"expressionEvaluationOptions": {"scope": "inner"}, "mode": "Incremental",
                "template": {"parameters": {"x": {"type": "string"}}, "resources": [], "outputs": {"o": {"type": "string", "value": "[parameters('x')]"}}}}}]"#,
        );
        assert!(run("ARM004", &t).is_empty());
    }
}
