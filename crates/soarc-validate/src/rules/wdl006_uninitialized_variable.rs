//! WDL006: `variables('x')` names a variable no InitializeVariable action declares.

use super::{CiSet, Rule, Severity, for_each_named_ref, hint};
use crate::context::Workflow;
use crate::{Context, Sink};
use soarc_lang::arm::expr::{StringKind, classify};

pub static RULE: Rule = Rule {
    code: "WDL006",
    title: "Variable is never initialized",
    severity: Severity::Error,
    doc: "`variables('x')` (and SetVariable, IncrementVariable, AppendTo... actions that name \
          `x`) need an `InitializeVariable` action declaring `x` at the top level of the \
          workflow. One InitializeVariable action may declare several variables in its \
          `inputs.variables` list. Names are compared case-insensitively. Logic Apps rejects \
          the workflow (`The variable 'x' ... is not defined`).",
    check,
};

/// Declared variable names, or `None` if some name cannot be known offline.
fn declared<'a>(wf: &'a Workflow<'a>) -> Option<Vec<&'a str>> {
    let mut names = Vec::new();
    for action in &wf.actions {
        if !action.kind().eq_ignore_ascii_case("InitializeVariable") {
            continue;
        }
        let vars = action
            .inputs()
            .and_then(|i| i.get_ci("variables"))
            .and_then(|v| v.as_array())?;
        for v in vars {
            let name = v.str_ci("name")?;
            let name = if wf.in_arm {
                match classify(name) {
                    StringKind::Expression => return None,
                    StringKind::EscapedLiteral => &name[1..],
                    StringKind::Plain => name,
                }
            } else {
                name
            };
            if name.starts_with('@') {
                return None;
            }
            names.push(name);
        }
    }
    Some(names)
}

fn check(ctx: &Context, sink: &mut Sink) {
    let declared: Vec<Option<CiSet>> = ctx
        .workflows
        .iter()
        .map(|wf| declared(wf).map(CiSet::new))
        .collect();
    for_each_named_ref(
        ctx,
        crate::context::CallKinds::VARIABLES,
        "variables",
        |index, _, e, target| {
            let Some(names) = &declared[index] else {
                return;
            };
            if !names.contains(target) {
                sink.report_value(
                    e.at.offset,
                    format!(
                        "variables('{target}'): no InitializeVariable action declares '{target}'{}",
                        hint(names.suggest(target))
                    ),
                );
            }
        },
    );
    // Variable actions naming an undeclared variable.
    for (wf, names) in ctx.workflows.iter().zip(&declared) {
        let Some(names) = names else { continue };
        for action in &wf.actions {
            let kind = action.kind();
            let uses = [
                "SetVariable",
                "IncrementVariable",
                "DecrementVariable",
                "AppendToArrayVariable",
                "AppendToStringVariable",
            ]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(kind));
            if !uses {
                continue;
            }
            let Some(target) = action.inputs().and_then(|i| i.get_ci("name")) else {
                continue;
            };
            let Some(text) = target.as_str() else {
                continue;
            };
            if text.starts_with('@') || text.starts_with('[') {
                continue;
            }
            if !names.contains(text) {
                sink.report(
                    &format!("{}/inputs/name", ctx.pointer(action.node)),
                    target.start(),
                    format!(
                        "{} action '{}' names variable '{text}', which no InitializeVariable declares",
                        action.kind(),
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

    const INIT: &str = r#""Init": {"type": "InitializeVariable", "inputs": {"variables": [
        {"name": "count", "type": "integer", "value": 0}, {"name": "Names", "type": "array"}]}}"#;

    #[test]
    fn fails_on_undeclared() {
        let t = workflow(&format!(
            r#"{{{INIT}, "c": {{"type": "Compose", "inputs": "@variables('counter')", "runAfter": {{"Init": ["Succeeded"]}}}},
               "s": {{"type": "SetVariable", "inputs": {{"name": "other", "value": 1}}, "runAfter": {{"c": ["Succeeded"]}}}}}}"#
        ));
        let f = expect(
            "WDL006",
            &t,
            &[
                (
                    "/actions/c/inputs",
                    "variables('counter'): no InitializeVariable action declares 'counter'; did you mean 'count'?",
                ),
                (
                    "/actions/s/inputs/name",
                    "SetVariable action 's' names variable 'other', which no InitializeVariable declares",
                ),
            ],
        );
        assert_eq!(f.len(), 2, "{f:?}");
    }

    #[test]
    fn passes_on_multiple_per_action() {
        let t = workflow(&format!(
            r#"{{{INIT}, "c": {{"type": "Compose", "inputs": "@{{variables('COUNT')}} @{{variables('names')}}", "runAfter": {{"Init": ["Succeeded"]}}}}}}"#
        ));
        assert!(run("WDL006", &t).is_empty());
    }
}
