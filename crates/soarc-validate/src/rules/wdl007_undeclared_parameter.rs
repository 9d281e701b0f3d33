//! WDL007: `parameters('x')` names a workflow parameter the definition does not declare.

use super::{CiSet, Rule, Severity, for_each_named_ref, hint};
use crate::{Context, Sink};

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
    let declared: Vec<CiSet> = ctx
        .workflows
        .iter()
        .map(|wf| CiSet::new(wf.parameter_names()))
        .collect();
    for_each_named_ref(
        ctx,
        crate::context::CallKinds::PARAMETERS,
        "parameters",
        |index, _, e, target| {
            let names = &declared[index];
            if !names.contains(target) {
                sink.report_value(e.at.offset,
                format!(
                    "parameters('{target}'): the workflow definition declares no parameter '{target}'{}",
                    hint(names.suggest(target))
                ),
            );
            }
        },
    );
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
