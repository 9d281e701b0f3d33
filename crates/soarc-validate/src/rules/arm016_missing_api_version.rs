//! ARM016: a resource has no apiVersion.

use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "ARM016",
    title: "Resource without apiVersion",
    severity: Severity::Error,
    doc: "Every resource of a deployment template, child resources and nested deployments \
          included, needs an `apiVersion` string: ARM rejects the template before deploying \
          anything (`InvalidTemplate`: the resource definition is missing the required \
          'apiVersion' property). Whether the version is recent (arm-ttk: `apiVersions Should \
          Be Recent`) needs the providers' current list and is not checked offline.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    for scope in &ctx.scopes {
        for resource in &scope.resources {
            let present = resource
                .node
                .get_ci("apiVersion")
                .and_then(|v| v.as_str())
                .is_some_and(|v| !v.trim().is_empty());
            if !present && resource.node.as_object().is_some() {
                sink.report(
                    &resource.pointer,
                    resource.node.start(),
                    format!(
                        "resource '{}' ({}) has no apiVersion",
                        resource.name.unwrap_or("?"),
                        resource.full_type
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect, run};

    #[test]
    fn fails_without_api_version() {
        let t = arm(
            "{}",
            "{}",
            r#"[{"type": "Microsoft.Web/connections", "name": "c", "location": "[resourceGroup().location]"},
                {"type": "Microsoft.Web/connections", "apiVersion": "", "name": "d", "location": "[resourceGroup().location]"}]"#,
        );
        assert_eq!(
            expect(
                "ARM016",
                &t,
                &[
                    (
                        "/resources/0",
                        "resource 'c' (Microsoft.Web/connections) has no apiVersion"
                    ),
                    (
                        "/resources/1",
                        "resource 'd' (Microsoft.Web/connections) has no apiVersion"
                    )
                ]
            )
            .len(),
            2
        );
    }

    #[test]
    fn passes_with_api_version() {
        let t = arm(
            "{}",
            "{}",
            r#"[{"type": "Microsoft.Web/connections", "apiVersion": "2016-06-01", "name": "c", "location": "[resourceGroup().location]",
                 "resources": [{"type": "x", "apiVersion": "[variables('v')]", "name": "y"}]}]"#,
        );
        assert!(run("ARM016", &t).is_empty());
    }
}
