//! WDL025: an InitializeVariable action declares a variable Logic Apps rejects.
//!
//! Learn, "Schema reference guide for trigger and action types", Initialize variable action
//! (https://learn.microsoft.com/azure/logic-apps/logic-apps-workflow-actions-triggers#initialize-variable-action)
//! and "Create variables to store and manage values"
//! (https://learn.microsoft.com/azure/logic-apps/logic-apps-create-variables-store-values):
//! `inputs.variables` is an array holding one object with a `name` and a `type` among
//! Boolean, Integer, Float, String, Array and Object.

use super::{Rule, Severity, hint};
use crate::json::{Node, Value};
use crate::{Context, Sink};
use soarc_lang::wdl::{Name, VariableType};

pub static RULE: Rule = Rule {
    code: "WDL025",
    title: "InitializeVariable declares an invalid variable",
    severity: Severity::Error,
    doc: "An `InitializeVariable` action's `inputs.variables` must be an array of objects, \
          each with a string `name` and a `type` among Boolean, Integer, Float, String, Array \
          and Object (compared case-insensitively). Logic Apps rejects the workflow otherwise \
          (Learn, \"Schema reference guide for trigger and action types\", Initialize \
          variable). Values computed by an expression are not checked.",
    check,
};

// The workflow model's closed set (soarc_lang::wdl::names), shared with the compiler.
const TYPES: &[&str] = VariableType::NAMES;

fn computed(node: Node) -> bool {
    matches!(node.value(), Value::String(s) if s.starts_with('@') || s.starts_with('['))
}

fn check(ctx: &Context, sink: &mut Sink) {
    for wf in &ctx.workflows {
        for action in &wf.actions {
            if !action.kind().eq_ignore_ascii_case("InitializeVariable") {
                continue;
            }
            let Some(vars) = action.inputs().and_then(|i| i.get_ci("variables")) else {
                continue; // WDL021 reports a missing `inputs.variables`.
            };
            let at = format!("{}/inputs/variables", ctx.pointer(action.node));
            if computed(vars) {
                continue;
            }
            let Some(items) = vars.as_array() else {
                sink.report(
                    &at,
                    vars.start(),
                    format!(
                        "InitializeVariable '{}': inputs.variables must be an array like [{{\"name\": \"x\", \"type\": \"String\"}}]",
                        action.name
                    ),
                );
                continue;
            };
            for (i, var) in items.iter().enumerate() {
                let vat = format!("{at}/{i}");
                if var.as_object().is_none() {
                    if !computed(var) {
                        sink.report(
                            &vat,
                            var.start(),
                            format!(
                                "InitializeVariable '{}': each variable must be an object with name and type",
                                action.name
                            ),
                        );
                    }
                    continue;
                }
                match var.get_ci("name") {
                    Some(n) if n.as_str().is_some_and(|s| !s.is_empty()) => {}
                    Some(n) => sink.report(
                        &format!("{vat}/name"),
                        n.start(),
                        format!(
                            "InitializeVariable '{}': the variable name must be a non-empty string",
                            action.name
                        ),
                    ),
                    None => sink.report(
                        &vat,
                        var.start(),
                        format!(
                            "InitializeVariable '{}' declares a variable without a name",
                            action.name
                        ),
                    ),
                }
                match var.get_ci("type") {
                    None => sink.report(
                        &vat,
                        var.start(),
                        format!(
                            "InitializeVariable '{}' declares a variable without a type; use one of {}",
                            action.name,
                            TYPES.join(", ")
                        ),
                    ),
                    Some(t) if computed(t) => {}
                    Some(t) => {
                        let text = t.as_str().unwrap_or("");
                        if !TYPES.iter().any(|k| k.eq_ignore_ascii_case(text)) {
                            let suggestion =
                                soarc_lang::diagnostics::did_you_mean(text, TYPES.iter().copied());
                            sink.report(
                                &format!("{vat}/type"),
                                t.start(),
                                format!(
                                    "InitializeVariable '{}' declares type '{text}', not one of {}{}",
                                    action.name,
                                    TYPES.join(", "),
                                    hint(suggestion)
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, workflow};

    #[test]
    fn fails_on_bad_type_missing_name_and_non_array() {
        let t = workflow(
            r#"{"i": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "n", "type": "int", "value": 0}, {"type": "String"}]}},
                "j": {"type": "InitializeVariable", "inputs": {"variables": {"name": "x", "type": "String"}}}}"#,
        );
        expect(
            "WDL025",
            &t,
            &[
                (
                    "/actions/i/inputs/variables/0/type",
                    "InitializeVariable 'i' declares type 'int', not one of Boolean, Integer, Float, String, Array, Object",
                ),
                (
                    "/actions/i/inputs/variables/1",
                    "InitializeVariable 'i' declares a variable without a name",
                ),
                (
                    "/actions/j/inputs/variables",
                    r#"InitializeVariable 'j': inputs.variables must be an array like [{"name": "x", "type": "String"}]"#,
                ),
            ],
        );
    }

    #[test]
    fn passes_any_case_and_expressions() {
        let t = workflow(
            r#"{"i": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "n", "type": "integer", "value": 0}]}},
                "j": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "s", "type": "String"}, {"name": "o", "type": "object", "value": {}}]}},
                "k": {"type": "InitializeVariable", "inputs": {"variables": "@variables('x')"}}}"#,
        );
        expect("WDL025", &t, &[]);
    }
}
