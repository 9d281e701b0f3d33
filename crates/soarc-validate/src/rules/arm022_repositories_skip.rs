//! ARM022: Microsoft Sentinel Repositories would skip this template.
//!
//! Learn, "Manage content as code with Microsoft Sentinel repositories"
//! (articles/sentinel/ci-cd-custom-content.md): Repositories deploys ARM and Bicep files of
//! six content types (analytics rules, automation rules, hunting queries, parsers,
//! playbooks, workbooks). Its deployment script (`.github/workflows/azure-sentinel-deploy.ps1`
//! in Azure/Azure-Sentinel, `$contentTypeMapping` and `IsValidResourceType`) accepts a file
//! only when **every top-level resource** has a type of a content type the connection
//! deploys (compared case-insensitively; metadata is always accepted), and otherwise logs
//! "Skipping deployment for <path>" and goes on: the file never reaches the workspace.
//! Nested resources and the contents of nested deployments are not looked at; a nested
//! deployment is itself a top-level resource of type `Microsoft.Resources/deployments`,
//! which no content type accepts.
//!
//! Re-implemented from that documented behaviour ([`content_kind`], [`skipped_types`]); soarc's
//! Repositories layout is tested against the same functions.

use super::{Rule, Severity};
use crate::json::child;
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "ARM022",
    title: "Sentinel Repositories would skip this template",
    severity: Severity::Info,
    doc: "The template holds Microsoft Sentinel content (a playbook, an automation rule, an \
          analytics rule, a hunting query or parser, a workbook) next to a top-level resource \
          of a type Sentinel Repositories does not deploy, such as a role assignment, \
          diagnostic settings or a nested deployment. Repositories' deployment script \
          deploys a file only when every top-level resource has a type of a content type \
          the connection deploys (playbooks: `Microsoft.Web/connections`, \
          `Microsoft.Logic/workflows`, `Microsoft.Web/customApis`; automation rules: \
          `Microsoft.OperationalInsights/workspaces/providers/automationRules`; ...), and \
          otherwise skips the whole file with a warning in the workflow log. Move the other \
          resources to a template deployed once with `az deployment group create` \
          (`soarc build --layout repositories` does this for its own output). Information \
          only: the template deploys with `az` as it is.",
    check,
};

/// A Sentinel content type Repositories deploys, with the resource types its files may
/// hold (`$contentTypeMapping` of the deployment script).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ContentKind {
    AnalyticsRule,
    AutomationRule,
    HuntingQueryOrParser,
    Playbook,
    Workbook,
}

impl ContentKind {
    /// The name the connection's `contentTypes` uses.
    pub fn name(self) -> &'static str {
        match self {
            ContentKind::AnalyticsRule => "AnalyticsRule",
            ContentKind::AutomationRule => "AutomationRule",
            ContentKind::HuntingQueryOrParser => "HuntingQuery/Parser",
            ContentKind::Playbook => "Playbook",
            ContentKind::Workbook => "Workbook",
        }
    }

    /// Resource types a file of this kind may hold at top level, lower-case.
    pub fn resource_types(self) -> &'static [&'static str] {
        match self {
            ContentKind::AnalyticsRule => &[
                "microsoft.operationalinsights/workspaces/providers/alertrules",
                "microsoft.operationalinsights/workspaces/providers/alertrules/actions",
            ],
            ContentKind::AutomationRule => {
                &["microsoft.operationalinsights/workspaces/providers/automationrules"]
            }
            ContentKind::HuntingQueryOrParser => {
                &["microsoft.operationalinsights/workspaces/savedsearches"]
            }
            ContentKind::Playbook => &[
                "microsoft.web/connections",
                "microsoft.logic/workflows",
                "microsoft.web/customapis",
            ],
            ContentKind::Workbook => &["microsoft.insights/workbooks"],
        }
    }

    const ALL: [ContentKind; 5] = [
        ContentKind::AnalyticsRule,
        ContentKind::AutomationRule,
        ContentKind::HuntingQueryOrParser,
        ContentKind::Playbook,
        ContentKind::Workbook,
    ];
}

/// Metadata resources are accepted whatever the connection deploys.
const METADATA: &str = "microsoft.operationalinsights/workspaces/providers/metadata";

/// The content kind a resource type belongs to, if any.
pub fn content_kind(resource_type: &str) -> Option<ContentKind> {
    let lower = resource_type.to_ascii_lowercase();
    ContentKind::ALL
        .into_iter()
        .find(|k| k.resource_types().contains(&lower.as_str()))
}

/// The indices (into `types`, the top-level resource types in order) of the resources that
/// make Repositories skip the file, when the file holds Sentinel content at all; `None`
/// when it holds none (it is not Repositories content). One pass over `types`.
pub fn skipped_types<'a>(types: impl IntoIterator<Item = &'a str>) -> Option<Vec<usize>> {
    let mut content = false;
    let mut foreign = Vec::new();
    for (i, ty) in types.into_iter().enumerate() {
        if content_kind(ty).is_some() {
            content = true;
        } else if !ty.eq_ignore_ascii_case(METADATA) {
            foreign.push(i);
        }
    }
    content.then_some(foreign)
}

fn check(ctx: &Context, sink: &mut Sink) {
    // Only the file's own `resources` array: the script reads `$template.resources`.
    let Some(scope) = ctx.scopes.iter().find(|s| s.pointer.is_empty()) else {
        return;
    };
    let top: Vec<_> = scope
        .resources
        .iter()
        .filter(|r| {
            r.pointer
                .strip_prefix("/resources/")
                .is_some_and(|i| !i.contains('/'))
        })
        .collect();
    let types: Vec<&str> = top
        .iter()
        .map(|r| r.node.get_ci("type").and_then(|t| t.as_str()).unwrap_or(""))
        .collect();
    let Some(foreign) = skipped_types(types.iter().copied()) else {
        return;
    };
    let mut kinds: Vec<ContentKind> = types.iter().filter_map(|t| content_kind(t)).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let kinds = kinds
        .iter()
        .map(|k| k.name())
        .collect::<Vec<_>>()
        .join(" and ");
    for i in foreign {
        let r = top[i];
        let ty = if types[i].is_empty() {
            "(no type)"
        } else {
            types[i]
        };
        let at = r.node.get_ci("type").map_or(r.node.start(), |t| t.start());
        sink.report(
            &child(&r.pointer, "type"),
            at,
            format!(
                "Sentinel Repositories would skip this whole {kinds} template: its top-level resource '{}' has type '{ty}', which Repositories does not deploy; move it to a template you deploy with az",
                r.name.unwrap_or(ty)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect};
    use super::*;

    const WORKFLOW: &str = r#"{"type": "Microsoft.Logic/workflows", "apiVersion": "2017-07-01", "name": "wf", "location": "[resourceGroup().location]", "properties": {}}"#;

    #[test]
    fn reports_each_resource_repositories_does_not_deploy() {
        let t = arm(
            "{}",
            "{}",
            &format!(
                r#"[{WORKFLOW},
                {{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "role", "properties": {{"mode": "Incremental", "template": {{"resources": []}}}}}},
                {{"type": "Microsoft.Insights/diagnosticSettings", "apiVersion": "2021-05-01-preview", "name": "logs", "scope": "Microsoft.Logic/workflows/wf", "properties": {{}}}}]"#
            ),
        );
        let f = expect(
            "ARM022",
            &t,
            &[
                (
                    "/resources/1/type",
                    "Sentinel Repositories would skip this whole Playbook template: its top-level resource 'role' has type 'Microsoft.Resources/deployments', which Repositories does not deploy; move it to a template you deploy with az",
                ),
                (
                    "/resources/2/type",
                    "Sentinel Repositories would skip this whole Playbook template: its top-level resource 'logs' has type 'Microsoft.Insights/diagnosticSettings', which Repositories does not deploy; move it to a template you deploy with az",
                ),
            ],
        );
        assert!(f.iter().all(|f| f.severity == Severity::Info));
        assert_eq!((f[0].line, f[1].line), (4, 5));
    }

    #[test]
    fn accepts_content_only_templates_and_ignores_other_templates() {
        // Connections, the workflow and metadata: deployed. Type case does not matter.
        let playbook = arm(
            "{}",
            "{}",
            &format!(
                r#"[{WORKFLOW}, {{"type": "microsoft.web/CONNECTIONS", "apiVersion": "2016-06-01", "name": "c", "location": "[resourceGroup().location]", "properties": {{}}}},
                {{"type": "Microsoft.OperationalInsights/workspaces/providers/metadata", "apiVersion": "2022-01-01-preview", "name": "w/Microsoft.SecurityInsights/m", "properties": {{}}}}]"#
            ),
        );
        expect("ARM022", &playbook, &[]);
        // A role assignment alone is not Sentinel content: Repositories' concern is not raised.
        let roles = arm(
            "{}",
            "{}",
            r#"[{"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "[guid('x')]", "properties": {}}]"#,
        );
        expect("ARM022", &roles, &[]);
        // Resources inside a nested deployment are not top-level.
        let nested = arm(
            "{}",
            "{}",
            &format!(
                r#"[{{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "d", "properties": {{"mode": "Incremental", "template": {{"resources": [{WORKFLOW}]}}}}}}]"#
            ),
        );
        expect("ARM022", &nested, &[]);
    }

    #[test]
    fn automation_rules_inside_a_deployment_are_skipped_too() {
        let t = arm(
            "{}",
            "{}",
            r#"[{"type": "Microsoft.OperationalInsights/workspaces/providers/automationRules", "apiVersion": "2023-02-01", "name": "w/Microsoft.SecurityInsights/r", "properties": {}},
               {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01", "name": "[guid('x')]", "properties": {}}]"#,
        );
        expect(
            "ARM022",
            &t,
            &[(
                "/resources/1/type",
                "Sentinel Repositories would skip this whole AutomationRule template: its top-level resource '[guid('x')]' has type 'Microsoft.Authorization/roleAssignments', which Repositories does not deploy; move it to a template you deploy with az",
            )],
        );
    }

    #[test]
    fn skipped_types_is_the_scripts_rule() {
        assert_eq!(
            skipped_types(["Microsoft.Authorization/roleAssignments"]),
            None
        );
        assert_eq!(
            skipped_types(["Microsoft.Logic/workflows", "Microsoft.Web/connections"]),
            Some(vec![])
        );
        assert_eq!(
            skipped_types([
                "Microsoft.Logic/workflows",
                "Microsoft.Insights/diagnosticSettings"
            ]),
            Some(vec![1])
        );
        assert_eq!(
            content_kind("MICROSOFT.INSIGHTS/WORKBOOKS"),
            Some(ContentKind::Workbook)
        );
    }
}
