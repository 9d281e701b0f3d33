//! ARM023: a deployment template lacks a top-level property ARM requires.
//!
//! Learn, "Understand the structure and syntax of ARM templates", Template format
//! (https://learn.microsoft.com/azure/azure-resource-manager/templates/syntax#template-format):
//! `$schema` (Required: Yes), `contentVersion` (Required: Yes) and `resources` (Required:
//! Yes); Microsoft's deploymentTemplate.json (2019-04-01) has
//! `"required": ["$schema", "contentVersion", "resources"]`, with `$schema` and
//! `contentVersion` strings and `resources` an array (an object of symbolic names with
//! `languageVersion` 2.0).

use super::{Rule, Severity};
use crate::json::{Node, Value};
use crate::{Context, Kind, Sink};

pub static RULE: Rule = Rule {
    code: "ARM023",
    title: "Template lacks a top-level property ARM requires",
    severity: Severity::Error,
    doc: "A deployment template needs `$schema` (a string, the deploymentTemplate.json URL), \
          `contentVersion` (a string such as \"1.0.0.0\") and `resources` (an array, or an \
          object of symbolic names with languageVersion 2.0), as Learn's \"Understand the \
          structure and syntax of ARM templates\" and Microsoft's deploymentTemplate.json \
          schema require. ARM rejects the template otherwise.",
    check,
};

/// (property, what it must hold, whether a value holds it).
type Required = (&'static str, &'static str, fn(Node) -> bool);

fn check(ctx: &Context, sink: &mut Sink) {
    if ctx.kind != Kind::ArmTemplate {
        return;
    }
    let root = ctx.doc.root();
    let symbolic = root.get_ci("languageVersion").is_some();
    let required: [Required; 3] = [
        (
            "$schema",
            "a string such as \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\"",
            |n| n.as_str().is_some(),
        ),
        ("contentVersion", "a string such as \"1.0.0.0\"", |n| {
            n.as_str().is_some()
        }),
        (
            "resources",
            "an array of resources (it may be empty: [])",
            |n| matches!(n.value(), Value::Array(_)),
        ),
    ];
    for (key, what, ok) in required {
        match root.get_ci(key) {
            None => sink.report(
                "",
                root.start(),
                format!("the template has no '{key}'; ARM requires it: add \"{key}\" with {what}"),
            ),
            Some(node)
                if ok(node) || (key == "resources" && symbolic && node.as_object().is_some()) => {}
            Some(node) => sink.report(
                &format!("/{}", crate::json::escape_token(key)),
                node.start(),
                format!("the template's '{key}' must be {what}"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect};

    #[test]
    fn fails_without_schema_content_version_or_resources() {
        let t = r#"{"resources": {"a": 1}, "contentVersion": 1}"#;
        expect(
            "ARM023",
            t,
            &[
                (
                    "",
                    "the template has no '$schema'; ARM requires it: add \"$schema\" with a string such as \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\"",
                ),
                (
                    "/resources",
                    "the template's 'resources' must be an array of resources (it may be empty: [])",
                ),
                (
                    "/contentVersion",
                    "the template's 'contentVersion' must be a string such as \"1.0.0.0\"",
                ),
            ],
        );
        let t = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "parameters": {}}"#;
        expect(
            "ARM023",
            t,
            &[
                (
                    "",
                    "the template has no 'contentVersion'; ARM requires it: add \"contentVersion\" with a string such as \"1.0.0.0\"",
                ),
                (
                    "",
                    "the template has no 'resources'; ARM requires it: add \"resources\" with an array of resources (it may be empty: [])",
                ),
            ],
        );
    }

    #[test]
    fn passes_complete_templates_and_symbolic_resources() {
        expect("ARM023", &arm("{}", "{}", "[]"), &[]);
        let t = r#"{"$SCHEMA": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "languageVersion": "2.0", "contentVersion": "1.0.0.0", "resources": {}}"#;
        expect("ARM023", t, &[]);
    }
}
