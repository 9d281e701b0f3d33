//! WDL005: `items('X')` used outside the Foreach loop X.

use super::{Rule, Severity, for_each_named_ref};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "WDL005",
    title: "items() refers to a loop that does not enclose it",
    severity: Severity::Error,
    doc: "`items('X')` returns the current item of the Foreach loop `X`, so it is only valid \
          inside that loop (at any depth). Used elsewhere, Logic Apps rejects the workflow: \
          `The 'inputs' of workflow action 'Y' is not valid: the template function 'items' \
          ... must be used within a foreach scope`. Typical when an action is moved out of a \
          loop.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    for_each_named_ref(
        ctx,
        crate::context::CallKinds::ITEMS,
        "items",
        |_, wf, e, target| {
            let enclosing = e.action.is_some_and(|a| {
                wf.ancestors(a).into_iter().any(|i| {
                    let action = &wf.actions[i];
                    action.name.eq_ignore_ascii_case(target)
                        && action.kind().eq_ignore_ascii_case("foreach")
                })
            });
            if !enclosing {
                let why = match wf.find_action(target) {
                    Some(i) if wf.actions[i].kind().eq_ignore_ascii_case("foreach") => {
                        "is used outside that loop"
                    }
                    Some(_) => "names an action that is not a Foreach",
                    None => "names no action of the workflow",
                };
                sink.report_value(e.at.offset, format!("items('{target}') {why}"));
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run, workflow};

    const LOOP: &str = r#""For_each": {"type": "Foreach", "foreach": "@triggerBody()", "actions": {
        "If": {"type": "If", "expression": {"and": [{"equals": ["@items('For_each')", 1]}]}, "actions": {
            "c": {"type": "Compose", "inputs": "@items('for_each')?['x']"}}}}}"#;

    #[test]
    fn fails_outside_loop() {
        let t = workflow(&format!(
            r#"{{{LOOP}, "after": {{"type": "Compose", "inputs": "@items('For_each')", "runAfter": {{"For_each": ["Succeeded"]}}}}}}"#
        ));
        let f = expect(
            "WDL005",
            &t,
            &[(
                "/actions/after/inputs",
                "items('For_each') is used outside that loop",
            )],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].pointer, "/actions/after/inputs");
    }

    #[test]
    fn passes_inside_nested_loop() {
        let t = workflow(&format!("{{{LOOP}}}"));
        assert!(run("WDL005", &t).is_empty());
    }
}
