//! WDL018: an action or trigger has no `type`.

use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "WDL018",
    title: "Action or trigger without a type",
    severity: Severity::Error,
    doc: "Every trigger and action needs a `type` string (`Http`, `ApiConnection`, `If`, ...; \
          any case). Without one, Logic Apps rejects the workflow. This also catches a \
          trigger or action nested one level too deep, such as a trigger named `triggers` \
          wrapping the real one (Defender for Cloud's Open-DevOpsTaskRecommendation).",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    for wf in &ctx.workflows {
        for (what, action) in wf
            .triggers
            .iter()
            .map(|t| ("trigger", t))
            .chain(wf.actions.iter().map(|a| ("action", a)))
        {
            if action.kind().is_empty() {
                sink.report(
                    &ctx.pointer(action.node),
                    action.key_offset as usize,
                    format!("{what} '{}' has no type", action.name),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run, workflow};

    #[test]
    fn fails_without_type() {
        let t = workflow(r#"{"c": {"inputs": 1}}"#);
        assert_eq!(
            expect("WDL018", &t, &[("/actions/c", "action 'c' has no type")]).len(),
            1
        );
    }

    #[test]
    fn passes_with_any_case() {
        let t = workflow(r#"{"c": {"TYPE": "compose", "inputs": 1}}"#);
        assert!(run("WDL018", &t).is_empty());
    }
}
