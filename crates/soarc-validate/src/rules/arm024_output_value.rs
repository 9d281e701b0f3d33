//! ARM024: a template output has neither `value` nor `copy`.
//!
//! Learn, "Outputs in ARM templates"
//! (https://learn.microsoft.com/azure/azure-resource-manager/templates/outputs): an output
//! returns the template language expression in `value`, or, for an iterated output, the
//! items of `copy` ("Specify either value or copy"); ARM rejects an output with neither.

use super::{Rule, Severity};
use crate::json::{Node, child};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "ARM024",
    title: "Output has neither value nor copy",
    severity: Severity::Error,
    doc: "Every entry of a template's `outputs` must say what it returns: a `value` (a \
          literal or an expression) or, for a list, a `copy` loop (Learn, \"Outputs in ARM \
          templates\"). ARM rejects an output with neither.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    for scope in &ctx.scopes {
        let Some(outputs) = scope.root.get_ci("outputs").and_then(Node::as_object) else {
            continue;
        };
        for m in outputs {
            if m.value.as_object().is_none()
                || m.value.get_ci("value").is_some()
                || m.value.get_ci("copy").is_some()
            {
                continue;
            }
            sink.report(
                &child(&child(&scope.pointer, "outputs"), m.key),
                m.key_start,
                format!(
                    "output '{}' has neither 'value' nor 'copy'; say what it returns, e.g. \"value\": \"[parameters('x')]\"",
                    m.key
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::expect;

    fn template(outputs: &str) -> String {
        format!(
            r#"{{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
"contentVersion": "1.0.0.0", "resources": [], "outputs": {outputs}}}"#
        )
    }

    #[test]
    fn fails_on_output_without_value() {
        expect(
            "ARM024",
            &template(r#"{"id": {"type": "string"}}"#),
            &[(
                "/outputs/id",
                "output 'id' has neither 'value' nor 'copy'; say what it returns, e.g. \"value\": \"[parameters('x')]\"",
            )],
        );
    }

    #[test]
    fn passes_value_or_copy() {
        expect(
            "ARM024",
            &template(
                r#"{"id": {"type": "string", "value": "x"}, "ids": {"type": "array", "copy": {"count": 2, "input": "[copyIndex()]"}}}"#,
            ),
            &[],
        );
    }
}
