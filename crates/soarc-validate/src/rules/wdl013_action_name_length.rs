//! WDL013: an action or trigger name is longer than 80 characters.

use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "WDL013",
    title: "Action or trigger name longer than 80 characters",
    severity: Severity::Error,
    doc: "Logic Apps limits action and trigger names to 80 characters (Learn, \"Limits and \
          configuration\": character limits). A longer name is rejected when the workflow is \
          saved or deployed.",
    check,
};

use soarc_lang::limits::MAX_NAME_LENGTH as MAX;

fn check(ctx: &Context, sink: &mut Sink) {
    for wf in &ctx.workflows {
        for action in wf.triggers.iter().chain(&wf.actions) {
            let len = action.name.chars().count();
            if len > MAX {
                sink.report(
                    &ctx.pointer(action.node),
                    action.key_offset as usize,
                    format!("name '{}' has {len} characters (limit {MAX})", action.name),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run, workflow};

    #[test]
    fn fails_on_long_name() {
        let t = workflow(&format!(
            r#"{{"{}": {{"type": "Compose", "inputs": 1}}}}"#,
            "a".repeat(81)
        ));
        assert_eq!(expect("WDL013", &t, &[("/actions/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' has 81 characters (limit 80)")]).len(), 1);
    }

    #[test]
    fn passes_at_limit() {
        let t = workflow(&format!(
            r#"{{"{}": {{"type": "Compose", "inputs": 1}}}}"#,
            "a".repeat(80)
        ));
        assert!(run("WDL013", &t).is_empty());
    }
}
