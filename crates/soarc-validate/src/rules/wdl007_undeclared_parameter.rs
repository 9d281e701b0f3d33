//! WDL007: `parameters('x')` names a workflow parameter the definition does not declare.

use super::{Rule, Severity, first_str, for_each_wdl_call, hint};
use crate::{Context, Sink};
use soarc_lang::diagnostics::did_you_mean;

pub static RULE: Rule = Rule {
    code: "WDL007",
    title: "Reference to an undeclared workflow parameter",
    severity: Severity::Error,
    doc: "A workflow expression calls `parameters('x')` but the definition's `parameters` \
          section has no `x` (compared case-insensitively). This includes `$connections`, \
          which must be declared as an Object parameter. Logic Apps rejects the workflow \
          (`The workflow parameter 'x' is not found`).",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    for_each_wdl_call(ctx, |wf, e, name, args| {
        if !name.eq_ignore_ascii_case("parameters") {
            return;
        }
        let Some(target) = first_str(args) else {
            return;
        };
        let names = wf.parameter_names();
        if !names.iter().any(|n| n.eq_ignore_ascii_case(target)) {
            sink.report(
                &e.at.pointer,
                e.at.offset,
                format!(
                    "parameters('{target}'): the workflow definition declares no parameter '{target}'{}",
                    hint(did_you_mean(target, names.iter().copied()))
                ),
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run, workflow_with};

    #[test]
    fn fails_on_undeclared() {
        let t = workflow_with(
            r#"{"c": {"type": "Compose", "inputs": "@parameters('tenant')"}}"#,
            r#"{"tenantId": {"type": "String"}}"#,
        );
        assert_eq!(expect("WDL007", &t, &[("/actions/c/inputs", "parameters('tenant'): the workflow definition declares no parameter 'tenant'; did you mean 'tenantId'?")]).len(), 1);
    }

    #[test]
    fn passes_on_declared() {
        let t = workflow_with(
            r#"{"c": {"type": "Compose", "inputs": "@parameters('TenantId')"}}"#,
            r#"{"tenantId": {"type": "String"}}"#,
        );
        assert!(run("WDL007", &t).is_empty());
    }
}
