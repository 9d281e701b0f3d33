//! WDL014: actions nested more than 8 levels deep.

use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "WDL014",
    title: "Actions nested deeper than 8 levels",
    severity: Severity::Error,
    doc: "Logic Apps allows at most 8 levels of nested container actions (Foreach, If, \
          Switch, Scope, Until inside one another; Learn, \"Limits and configuration\"). \
          Deeper nesting is rejected. Move inner parts into a child workflow.",
    check,
};

use soarc_lang::limits::MAX_NESTING_DEPTH as MAX;

fn check(ctx: &Context, sink: &mut Sink) {
    for wf in &ctx.workflows {
        for action in &wf.actions {
            let containers = action.depth as usize - 1;
            let parent_ok = action
                .parent()
                .is_none_or(|p| wf.actions[p].depth as usize - 1 <= MAX);
            if containers > MAX && parent_ok {
                sink.report(
                    &ctx.pointer(action.node),
                    action.key_offset as usize,
                    format!(
                        "action '{}' is nested in {containers} container actions (limit {MAX})",
                        action.name
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run, workflow};

    fn nested(levels: usize) -> String {
        let mut inner = r#"{"leaf": {"type": "Compose", "inputs": 1}}"#.to_string();
        for i in 0..levels {
            inner = format!(r#"{{"s{i}": {{"type": "Scope", "actions": {inner}}}}}"#);
        }
        workflow(&inner)
    }

    #[test]
    fn fails_when_too_deep() {
        assert_eq!(expect("WDL014", &nested(9), &[("/actions/s8/actions/s7/actions/s6/actions/s5/actions/s4/actions/s3/actions/s2/actions/s1/actions/s0/actions/leaf", "action 'leaf' is nested in 9 container actions (limit 8)")]).len(), 1);
    }

    #[test]
    fn passes_at_limit() {
        assert!(run("WDL014", &nested(8)).is_empty());
    }
}
