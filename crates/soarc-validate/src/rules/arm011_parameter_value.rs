//! ARM011: a parameters-file entry without `value` or `reference`.

use super::{Rule, Severity};
use crate::context::Kind;
use crate::json::escape_token;
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "ARM011",
    title: "Parameters file entry without value or reference",
    severity: Severity::Error,
    doc: "Each entry of a deployment parameters file's `parameters` object must be an object \
          with a `value` or a Key Vault `reference` (Learn, \"Create Resource Manager \
          parameters file\"). Writing the bare value (`\"name\": \"x\"`) or only metadata makes \
          `az deployment group create` fail before anything is deployed.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    if ctx.kind != Kind::Parameters {
        return;
    }
    let Some(params) = ctx.doc.root().get_ci("parameters") else {
        sink.report(
            "",
            ctx.doc.root().start(),
            "parameters file has no 'parameters' object",
        );
        return;
    };
    let Some(members) = params.as_object() else {
        sink.report(
            "/parameters",
            params.start(),
            "'parameters' must be an object",
        );
        return;
    };
    for m in members {
        if m.value.get_ci("value").is_none() && m.value.get_ci("reference").is_none() {
            sink.report(
                &format!("/parameters/{}", escape_token(m.key)),
                m.value.start(),
                format!("parameter '{}' has neither 'value' nor 'reference'", m.key),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run};

    const SCHEMA: &str =
        "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#";

    #[test]
    fn fails_on_bare_value() {
        let t = format!(
            r#"{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "parameters": {{"a": "x", "b": {{"value": 1}}}}}}"#
        );
        assert_eq!(
            expect(
                "ARM011",
                &t,
                &[(
                    "/parameters/a",
                    "parameter 'a' has neither 'value' nor 'reference'"
                )]
            )
            .len(),
            1
        );
    }

    #[test]
    fn passes_on_value_and_reference() {
        let t = format!(
            r#"{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "parameters": {{"a": {{"value": null}},
                "b": {{"reference": {{"keyVault": {{"id": "/subscriptions/x"}}, "secretName": "s"}}}}}}}}"#
        );
        assert!(run("ARM011", &t).is_empty());
    }
}
