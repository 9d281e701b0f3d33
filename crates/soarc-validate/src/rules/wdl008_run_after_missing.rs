//! WDL008: `runAfter` names an action that is not a sibling.

use super::{Rule, Severity, hint};
use crate::json::escape_token;
use crate::{Context, Sink};
use soarc_lang::diagnostics::did_you_mean;

pub static RULE: Rule = Rule {
    code: "WDL008",
    title: "runAfter names an action that is not in the same scope",
    severity: Severity::Error,
    doc: "Each key of an action's `runAfter` must be another action in the same `actions` map \
          (the same branch of an If/Switch, the same loop or scope body). Logic Apps rejects \
          the workflow: `The 'runAfter' property of template action 'Y' contains \
          non-existent action: 'X'`. Typical after deleting or renaming an action, or moving \
          it into a condition.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    let mut suggestions = super::Suggestions::new();
    for wf in &ctx.workflows {
        for entry in &wf.run_after {
            if entry.sibling.is_some() {
                continue;
            }
            let (action, m) = (&wf.actions[entry.action], entry.member);
            let message = if wf.find_action(m.key).is_some() {
                format!(
                    "action '{}' runs after '{}', which is in a different scope (runAfter may only name actions of the same scope)",
                    action.name, m.key
                )
            } else {
                // Suggestions compare with every action: bounded so reporting stays
                // linear in findings.
                let key = (
                    wf as *const _ as usize,
                    action.group,
                    m.key.to_ascii_lowercase(),
                );
                let suggestion = suggestions.get(key, || {
                    let siblings = wf
                        .actions
                        .iter()
                        .take(super::MAX_SUGGESTION_CANDIDATES)
                        .filter(|a| a.group == action.group)
                        .map(|a| a.name);
                    did_you_mean(m.key, siblings)
                });
                format!(
                    "action '{}' runs after '{}', which does not exist{}",
                    action.name,
                    m.key,
                    hint(suggestion)
                )
            };
            sink.report(
                &format!(
                    "{}/runAfter/{}",
                    ctx.pointer(action.node),
                    escape_token(m.key)
                ),
                m.key_start,
                message,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run, workflow};

    #[test]
    fn fails_on_missing_and_other_scope() {
        let t = workflow(
            r#"{"s": {"type": "Scope", "actions": {"in": {"type": "Compose", "inputs": 1}}},
                "a": {"type": "Compose", "inputs": 1, "runAfter": {"in": ["Succeeded"]}},
                "b": {"type": "Compose", "inputs": 1, "runAfter": {"gone": ["Succeeded"]}}}"#,
        );
        let f = expect(
            "WDL008",
            &t,
            &[
                (
                    "/actions/a/runAfter/in",
                    "action 'a' runs after 'in', which is in a different scope (runAfter may only name actions of the same scope)",
                ),
                (
                    "/actions/b/runAfter/gone",
                    "action 'b' runs after 'gone', which does not exist",
                ),
            ],
        );
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].message.contains("different scope"));
    }

    #[test]
    fn passes_on_siblings() {
        let t = workflow(
            r#"{"s": {"type": "Scope", "actions": {"in": {"type": "Compose", "inputs": 1}, "in2": {"type": "Compose", "inputs": 1, "runAfter": {"IN": ["Succeeded"]}}}},
                "a": {"type": "Compose", "inputs": 1, "runAfter": {"s": ["Failed", "TimedOut"]}}}"#,
        );
        assert!(run("WDL008", &t).is_empty());
    }
}
