//! ARM013: a resource location, or the default of a location parameter, is a literal.

use super::{Rule, Severity};
use crate::json::{Value, child, escape_token};
use crate::{Context, Sink};
use soarc_lang::arm::expr::{Expr, StringKind, classify};

pub static RULE: Rule = Rule {
    code: "ARM013",
    title: "Location is hard-coded",
    severity: Severity::Warning,
    doc: "A resource's `location` is a literal region such as `westeurope` instead of an \
          expression (arm-ttk: `Resources Should Have Location` and `Location Should Not Be \
          Hardcoded`), or a location parameter (one named `location`, or one a resource's \
          `location` refers to) defaults to a literal region. The template then deploys to \
          that region whatever resource group it is deployed into, which is rarely intended \
          and fails where the region is not allowed by policy. Use \
          `[resourceGroup().location]` (what Sentinel's own playbook templates do) or a \
          `location` parameter defaulting to it. `global` is accepted, and so is any expression.",
    check,
};

fn is_literal_region(s: &str) -> bool {
    !s.is_empty() && classify(s) != StringKind::Expression && !s.eq_ignore_ascii_case("global")
}

fn check(ctx: &Context, sink: &mut Sink) {
    for scope in &ctx.scopes {
        // Parameters that feed a resource location.
        let mut feeding: Vec<String> = Vec::new();
        // Expressions by offset, so each resource finds its location's in O(1).
        let by_offset: std::collections::HashMap<usize, &crate::context::ArmExpr> =
            scope.exprs.iter().map(|e| (e.at.offset, e)).collect();
        for resource in &scope.resources {
            let Some(node) = resource.node.get_ci("location") else {
                continue;
            };
            let Some(location) = node.as_str() else {
                continue;
            };
            if is_literal_region(location) {
                sink.report(
                    &child(&resource.pointer, "location"),
                    node.start(),
                    format!(
                        "resource '{}' is deployed to the hard-coded location '{location}'; use [resourceGroup().location] or a location parameter",
                        resource.name.unwrap_or(&resource.full_type)
                    ),
                );
            } else if let Some(e) = by_offset
                .get(&node.start())
                .and_then(|e| e.parsed.as_ref().ok())
            {
                collect_parameters(e, &mut feeding);
            }
        }
        let Some(params) = scope.root.get_ci("parameters").and_then(|p| p.as_object()) else {
            continue;
        };
        let feeding = super::CiSet::new(feeding.iter().map(String::as_str));
        for m in params {
            let named = m.key.eq_ignore_ascii_case("location");
            if !named && !feeding.contains(m.key) {
                continue;
            }
            let Some(default) = m.value.get_ci("defaultValue") else {
                continue;
            };
            if let Value::String(s) = default.value()
                && is_literal_region(s)
            {
                sink.report(
                    &format!(
                        "{}/parameters/{}/defaultValue",
                        scope.pointer,
                        escape_token(m.key)
                    ),
                    default.start(),
                    format!(
                        "location parameter '{}' defaults to the hard-coded location '{s}'; default to [resourceGroup().location]",
                        m.key
                    ),
                );
            }
        }
    }
}

fn collect_parameters(expr: &Expr, out: &mut Vec<String>) {
    expr.walk(&mut |node| {
        if let Expr::Call { name, args } = node
            && name.eq_ignore_ascii_case("parameters")
            && let Some(Expr::Str(p)) = args.first()
        {
            out.push(p.clone());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect, run};

    #[test]
    fn warns_on_literal_locations() {
        let t = arm(
            r#"{"region": {"type": "string", "defaultValue": "eastus"}, "location": {"type": "string", "defaultValue": "westus"}}"#,
            "{}",
            r#"[{"type": "Microsoft.Web/connections", "apiVersion": "2016-06-01", "name": "c", "location": "westeurope"},
                {"type": "Microsoft.Web/connections", "apiVersion": "2016-06-01", "name": "d", "location": "[parameters('region')]"}]"#,
        );
        let f = expect(
            "ARM013",
            &t,
            &[
                (
                    "/parameters/region/defaultValue",
                    "location parameter 'region' defaults to the hard-coded location 'eastus'; default to [resourceGroup().location]",
                ),
                (
                    "/parameters/location/defaultValue",
                    "location parameter 'location' defaults to the hard-coded location 'westus'; default to [resourceGroup().location]",
                ),
                (
                    "/resources/0/location",
                    "resource 'c' is deployed to the hard-coded location 'westeurope'; use [resourceGroup().location] or a location parameter",
                ),
            ],
        );
        assert_eq!(f.len(), 3, "{f:?}");
        assert!(f.iter().any(|f| f.message.contains("'westeurope'")));
        assert!(f.iter().any(|f| f.message.contains("'region'")));
        assert!(f.iter().any(|f| f.message.contains("'location'")));
    }

    #[test]
    fn passes_on_expressions_and_global() {
        let t = arm(
            r#"{"location": {"type": "string", "defaultValue": "[resourceGroup().location]"}, "other": {"type": "string", "defaultValue": "eastus"}}"#,
            "{}",
            r#"[{"type": "Microsoft.Web/connections", "apiVersion": "2016-06-01", "name": "c", "location": "[parameters('location')]"},
                {"type": "Microsoft.Insights/actionGroups", "apiVersion": "2019-06-01", "name": "g", "location": "Global"}]"#,
        );
        assert!(run("ARM013", &t).is_empty());
    }
}
