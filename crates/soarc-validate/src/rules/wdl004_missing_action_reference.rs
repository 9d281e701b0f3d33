//! WDL004: `body()`, `outputs()`, `actions()`... name an action that does not exist.

use super::{Rule, Severity, first_str, for_each_wdl_call, hint};
use crate::context::Workflow;
use crate::{Context, Sink};
use soarc_lang::diagnostics::did_you_mean;
use soarc_lang::wdl::expr::Expr as WExpr;

pub static RULE: Rule = Rule {
    code: "WDL004",
    title: "Expression refers to an action that does not exist",
    severity: Severity::Error,
    doc: "`body('X')`, `outputs('X')`, `actions('X')`, `result('X')`, `actionBody('X')` and \
          `actionOutputs('X')` must name an action (or trigger) of the same workflow, at any \
          nesting level. Logic Apps rejects the workflow: `The action(s) 'X' referenced by \
          'inputs' in action 'Y' are not defined in the template`. Typical after renaming an \
          action in code view.",
    check,
};

/// The name a call gives when it is one of the action readers
/// ([`soarc_lang::wdl::functions::ACTION_READERS`]) naming, as a literal, no action or
/// trigger of the workflow (found when the expression is parsed, so that this rule walks only
/// the expressions holding one: [`crate::context::CallKinds::MISSING_ACTION`]).
pub(crate) fn missing_action<'e>(wf: &Workflow, name: &str, args: &'e [WExpr]) -> Option<&'e str> {
    if !soarc_lang::wdl::functions::reads_action(name) {
        return None;
    }
    let target = first_str(args)?;
    let exists = wf.find_action(target).is_some()
        || wf
            .triggers
            .iter()
            .any(|t| t.name.eq_ignore_ascii_case(target));
    (!exists).then_some(target)
}

fn check(ctx: &Context, sink: &mut Sink) {
    let mut suggestions = super::Suggestions::new();
    for_each_wdl_call(
        ctx,
        crate::context::CallKinds::MISSING_ACTION,
        |wf, e, name, args| {
            if let Some(target) = missing_action(wf, name, args) {
                // Bounded so reporting stays linear in findings.
                let suggestion = suggestions.get(
                    (wf as *const _ as usize, target.to_ascii_lowercase()),
                    || {
                        let names = wf
                            .actions
                            .iter()
                            .take(super::MAX_SUGGESTION_CANDIDATES)
                            .map(|a| a.name);
                        did_you_mean(target, names)
                    },
                );
                sink.report_value(
                    e.at.offset,
                    format!(
                        "{name}('{target}'): the workflow has no action named '{target}'{}",
                        hint(suggestion)
                    ),
                );
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run, workflow};

    #[test]
    fn fails_on_missing_action() {
        let t = workflow(
            r#"{"Get_x": {"type": "Compose", "inputs": 1}, "c": {"type": "Compose", "inputs": "@body('Get_y')", "runAfter": {"Get_x": ["Succeeded"]}}}"#,
        );
        let f = expect(
            "WDL004",
            &t,
            &[(
                "/actions/c/inputs",
                "body('Get_y'): the workflow has no action named 'Get_y'; did you mean 'Get_x'?",
            )],
        );
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("did you mean 'Get_x'"),
            "{}",
            f[0].message
        );
    }

    /// Many distinct unknown names (a generated file): each is reported, and only the first
    /// `MAX_SUGGESTED` distinct names are compared with every action for a hint, so reporting
    /// stays linear in the findings.
    #[test]
    fn suggestions_are_bounded_for_many_unknown_names() {
        let n = 3 * super::super::MAX_SUGGESTED;
        let actions: Vec<String> = (0..n)
            .map(|i| {
                format!(r#""step_{i}": {{"type": "Compose", "inputs": "@outputs('stop_{i}')"}}"#)
            })
            .collect();
        let f = run("WDL004", &workflow(&format!("{{{}}}", actions.join(","))));
        assert_eq!(f.len(), n);
        let hinted = f
            .iter()
            .filter(|f| f.message.contains("did you mean"))
            .count();
        assert_eq!(hinted, super::super::MAX_SUGGESTED);
        assert!(
            f[0].message.ends_with("did you mean 'step_0'?"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_on_nested_action_and_trigger() {
        let t = workflow(
            r#"{"s": {"type": "Scope", "actions": {"Inner": {"type": "Compose", "inputs": 1}}},
                "c": {"type": "Compose", "inputs": "@{body('inner')} @{outputs('manual')}", "runAfter": {"s": ["Succeeded"]}}}"#,
        );
        assert!(run("WDL004", &t).is_empty());
    }
}
