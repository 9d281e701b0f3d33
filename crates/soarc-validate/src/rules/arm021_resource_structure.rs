//! ARM021: a resource ARM rejects for its structure.
//!
//! Learn, "Understand the structure and syntax of ARM templates", Resources
//! (https://learn.microsoft.com/azure/azure-resource-manager/templates/syntax#resources):
//! `type`, `apiVersion` and `name` are required; the API version has the form
//! `yyyy-mm-dd` with an optional suffix such as `-preview`. Learn, "Set name and type for
//! child resources in ARM templates"
//! (https://learn.microsoft.com/azure/azure-resource-manager/templates/child-resource-name-type):
//! outside its parent, a child's name has one segment per type segment after the namespace
//! (`Microsoft.Network/virtualNetworks/subnets` ↔ `vnet/subnet`). Learn, "Resource iteration
//! in ARM templates" (https://learn.microsoft.com/azure/azure-resource-manager/templates/copy-resources):
//! `copy` needs `name` and `count`. Learn, "Conditional deployment in ARM templates"
//! (https://learn.microsoft.com/azure/azure-resource-manager/templates/conditional-resource-deployment):
//! `condition` is a boolean. Learn, "Using linked and nested templates"
//! (https://learn.microsoft.com/azure/azure-resource-manager/templates/linked-templates):
//! a deployment's properties need `mode` and one of `template` or `templateLink`.
//! Microsoft's deploymentTemplate.json schema (2019-04-01, `resourceBase`, `resourceCopy`)
//! requires the same properties.

use super::{Rule, Severity};
use crate::context::Resource;
use crate::json::{Node, Value};
use crate::{Context, Sink};
use soarc_lang::arm::expr::{StringKind, classify};

pub static RULE: Rule = Rule {
    code: "ARM021",
    title: "Resource structure ARM rejects",
    severity: Severity::Error,
    doc: "A resource lacks `type` or `name`; its `apiVersion` is not of the form \
          `yyyy-mm-dd` (optionally with a suffix such as `-preview`); its literal `name` has \
          a different number of `/` segments than its `type` has after the namespace (ARM: \
          \"incorrect segment lengths\"); its `copy` lacks `name` or `count`, or has a \
          negative or non-integer count; its `condition` is neither a boolean nor an \
          expression; or a `Microsoft.Resources/deployments` resource lacks \
          `properties.mode` or has neither `properties.template` nor \
          `properties.templateLink`. ARM rejects the template (Learn, \"Understand the \
          structure and syntax of ARM templates\", \"Set name and type for child \
          resources\"). Values computed by expressions are not checked; API version \
          presence is ARM016's.",
    check,
};

fn is_expression(node: Node) -> bool {
    matches!(node.value(), Value::String(s) if classify(s) == StringKind::Expression)
}

/// `yyyy-mm-dd` optionally followed by `-suffix` (letters, digits, dots, dashes).
fn valid_api_version(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() < 10 {
        return false;
    }
    let date_ok = b[..10].iter().enumerate().all(|(i, c)| match i {
        4 | 7 => *c == b'-',
        _ => c.is_ascii_digit(),
    });
    let month = &v[5..7];
    let day = &v[8..10];
    date_ok
        && ("01"..="12").contains(&month)
        && ("01"..="31").contains(&day)
        && (b.len() == 10
            || (b[10] == b'-'
                && b.len() > 11
                && b[11..]
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'.')))
}

/// A resource declared inside its parent's `resources` (names are then one segment).
fn is_nested_child(r: &Resource) -> bool {
    let own = r
        .pointer
        .rsplit_once("/properties/template")
        .map_or(r.pointer.as_str(), |(_, rest)| rest);
    own.matches("/resources/").count() > 1
}

fn check(ctx: &Context, sink: &mut Sink) {
    for scope in &ctx.scopes {
        for r in &scope.resources {
            // languageVersion 2.0 `existing` references carry no apiVersion requirement here.
            if r.node.as_object().is_none() {
                continue;
            }
            let label = r.name.unwrap_or("(unnamed)");
            let ty = r.node.get_ci("type");
            let name = r.node.get_ci("name");
            if ty.is_none() {
                sink.report(
                    &r.pointer,
                    r.node.start(),
                    format!("resource '{label}' has no type; ARM needs `type` on every resource"),
                );
            }
            if name.is_none() {
                sink.report(
                    &r.pointer,
                    r.node.start(),
                    format!(
                        "resource of type '{}' has no name; ARM needs `name` on every resource",
                        r.full_type
                    ),
                );
            }
            if let Some(v) = r.node.get_ci("apiVersion")
                && let Some(text) = v.as_str()
                && classify(text) == StringKind::Plain
                && !valid_api_version(text)
            {
                sink.report(
                    &format!("{}/apiVersion", r.pointer),
                    v.start(),
                    format!(
                        "resource '{label}' has apiVersion '{text}', which is not of the form yyyy-mm-dd (optionally with a suffix such as -preview)"
                    ),
                );
            }
            // Name segments against type segments (literal names of top-level resources).
            if let (Some(ty), Some(name)) = (ty.and_then(Node::as_str), name.and_then(Node::as_str))
                && !is_nested_child(r)
                && classify(name) == StringKind::Plain
                && classify(ty) == StringKind::Plain
                && ty.contains('/')
                && r.node.get_ci("scope").is_none()
            {
                let type_segments = ty.trim_end_matches('/').split('/').count() - 1;
                let name_segments = name.split('/').count();
                if type_segments != name_segments {
                    sink.report(
                        &format!("{}/name", r.pointer),
                        r.node.get_ci("name").map_or(r.node.start(), |n| n.start()),
                        format!(
                            "resource name '{name}' has {name_segments} segment(s) but type '{ty}' has {type_segments}; ARM rejects it (incorrect segment lengths): name a child resource 'parent/child'"
                        ),
                    );
                }
            }
            if let Some(copy) = r.node.get_ci("copy") {
                let at = format!("{}/copy", r.pointer);
                match copy.as_object() {
                    None if !is_expression(copy) => sink.report(
                        &at,
                        copy.start(),
                        format!("resource '{label}': copy must be an object with name and count"),
                    ),
                    None => {}
                    Some(_) => {
                        for key in ["name", "count"] {
                            if copy.get_ci(key).is_none() {
                                sink.report(
                                    &at,
                                    copy.start(),
                                    format!("resource '{label}': copy has no '{key}'"),
                                );
                            }
                        }
                        if let Some(count) = copy.get_ci("count")
                            && let Value::Number(n) | Value::String(n) = count.value()
                            && !is_expression(count)
                            && !n.parse::<i64>().is_ok_and(|n| n >= 0)
                        {
                            sink.report(
                                &format!("{at}/count"),
                                count.start(),
                                format!(
                                    "resource '{label}': copy count {n} must be a whole number from 0 up (or an expression)"
                                ),
                            );
                        }
                    }
                }
            }
            if let Some(condition) = r.node.get_ci("condition")
                && !matches!(condition.value(), Value::Bool(_))
                && !is_expression(condition)
            {
                sink.report(
                    &format!("{}/condition", r.pointer),
                    condition.start(),
                    format!(
                        "resource '{label}': condition must be true, false or an expression like \"[equals(parameters('x'), 'y')]\""
                    ),
                );
            }
            if r.full_type
                .eq_ignore_ascii_case("Microsoft.Resources/deployments")
                && let Some(props) = r.node.get_ci("properties")
                && props.as_object().is_some()
            {
                let at = format!("{}/properties", r.pointer);
                if props.get_ci("mode").is_none() {
                    sink.report(
                        &at,
                        props.start(),
                        format!("deployment '{label}' has no properties.mode; set \"Incremental\""),
                    );
                }
                if props.get_ci("template").is_none() && props.get_ci("templateLink").is_none() {
                    sink.report(
                        &at,
                        props.start(),
                        format!(
                            "deployment '{label}' has neither properties.template nor properties.templateLink"
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect};
    use super::valid_api_version;

    #[test]
    fn api_versions() {
        assert!(valid_api_version("2017-07-01"));
        assert!(valid_api_version("2021-06-01-preview"));
        assert!(valid_api_version("2015-08-01-beta"));
        assert!(!valid_api_version("2017-7-1"));
        assert!(!valid_api_version("2017-13-01"));
        assert!(!valid_api_version("latest"));
        assert!(!valid_api_version("2017-07-01-"));
    }

    #[test]
    fn fails_on_structure() {
        let t = arm(
            "{}",
            "{}",
            r#"[{"type": "Microsoft.Web/connections", "apiVersion": "2016-6-01", "name": "a/b"},
                {"type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "2020-01-01", "name": "sub"},
                {"type": "Microsoft.Web/connections", "apiVersion": "2016-06-01", "name": "c",
                 "copy": {"name": "loop"}, "condition": "yes"},
                {"type": "Microsoft.Resources/deployments", "apiVersion": "2021-04-01", "name": "d", "properties": {}},
                {"apiVersion": "2016-06-01", "name": "e"}]"#,
        );
        expect(
            "ARM021",
            &t,
            &[
                (
                    "/resources/0/apiVersion",
                    "resource 'a/b' has apiVersion '2016-6-01', which is not of the form yyyy-mm-dd (optionally with a suffix such as -preview)",
                ),
                (
                    "/resources/0/name",
                    "resource name 'a/b' has 2 segment(s) but type 'Microsoft.Web/connections' has 1; ARM rejects it (incorrect segment lengths): name a child resource 'parent/child'",
                ),
                (
                    "/resources/1/name",
                    "resource name 'sub' has 1 segment(s) but type 'Microsoft.Network/virtualNetworks/subnets' has 2; ARM rejects it (incorrect segment lengths): name a child resource 'parent/child'",
                ),
                ("/resources/2/copy", "resource 'c': copy has no 'count'"),
                (
                    "/resources/2/condition",
                    r#"resource 'c': condition must be true, false or an expression like "[equals(parameters('x'), 'y')]""#,
                ),
                (
                    "/resources/3/properties",
                    "deployment 'd' has neither properties.template nor properties.templateLink",
                ),
                (
                    "/resources/3/properties",
                    "deployment 'd' has no properties.mode; set \"Incremental\"",
                ),
                (
                    "/resources/4",
                    "resource 'e' has no type; ARM needs `type` on every resource",
                ),
            ],
        );
    }

    #[test]
    fn passes_valid_resources() {
        let t = arm(
            r#"{"n": {"type": "string"}}"#,
            "{}",
            r#"[{"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2020-01-01", "name": "vnet",
                  "resources": [{"type": "subnets", "apiVersion": "2020-01-01", "name": "s"}]},
                {"type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "2020-01-01", "name": "vnet/s2",
                 "copy": {"name": "l", "count": 2}, "condition": true},
                {"type": "Microsoft.Web/connections", "apiVersion": "2016-06-01-preview", "name": "[concat(parameters('n'), '/x')]",
                 "condition": "[equals(parameters('n'), 'a')]"},
                {"type": "Microsoft.Resources/deployments", "apiVersion": "2021-04-01", "name": "d",
                 "properties": {"mode": "Incremental", "templateLink": {"uri": "https://x"}}}]"#,
        );
        expect("ARM021", &t, &[]);
    }
}
