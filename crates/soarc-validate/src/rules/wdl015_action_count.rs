//! WDL015: more than 500 actions in one workflow.

use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "WDL015",
    title: "More than 500 actions in a workflow",
    severity: Severity::Error,
    doc: "A Logic Apps workflow may contain at most 500 actions, nested ones included (Learn, \
          \"Limits and configuration\"). Split the workflow into child workflows.",
    check,
};

use soarc_lang::limits::MAX_ACTIONS_PER_WORKFLOW as MAX;

fn check(ctx: &Context, sink: &mut Sink) {
    for wf in &ctx.workflows {
        if wf.actions.len() > MAX {
            sink.report(
                &wf.pointer,
                wf.node.start(),
                format!(
                    "the workflow has {} actions (limit {MAX})",
                    wf.actions.len()
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run, workflow};

    fn actions(n: usize) -> String {
        let items: Vec<String> = (0..n)
            .map(|i| format!(r#""a{i}": {{"type": "Compose", "inputs": 1}}"#))
            .collect();
        workflow(&format!("{{{}}}", items.join(",")))
    }

    #[test]
    fn fails_above_limit() {
        assert_eq!(
            expect(
                "WDL015",
                &actions(501),
                &[("", "the workflow has 501 actions (limit 500)")]
            )
            .len(),
            1
        );
    }

    #[test]
    fn passes_at_limit() {
        assert!(run("WDL015", &actions(500)).is_empty());
    }
}
