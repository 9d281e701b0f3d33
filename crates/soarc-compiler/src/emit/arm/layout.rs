//! Templates for the two ways of deploying a whole spec at once, built from the per-playbook,
//! automation-rule and monitoring deployments (typed [`Template`]s, never text):
//!
//! - **Sentinel Repositories** (Learn, "Manage content as code with Microsoft Sentinel
//!   repositories", articles/sentinel/ci-cd-custom-content.md, and "Customize repository
//!   deployments", articles/sentinel/ci-cd-custom-deploy.md). The deployment script
//!   (`.github/workflows/azure-sentinel-deploy.ps1` in Azure/Azure-Sentinel) deploys a file
//!   only if every top-level resource has a type of its content kind (`IsValidResourceType`;
//!   re-implemented as `soarc validate`'s ARM022), so a playbook's template keeps only its
//!   connections and workflow ([`split_playbook`]) and the automation rules become top-level
//!   `Microsoft.OperationalInsights/workspaces/providers/automationRules` resources
//!   ([`repositories_rules`]). When a template declares a parameter named `workspace`, the
//!   script passes the connection's workspace name to it (`DoesContainWorkspaceParam`).
//! - **One ordered deployment** ([`composite`]): nested deployments with inline templates,
//!   each depending on the stage before (playbooks, then the rules that run them and the
//!   monitoring that reads their logs). Learn, "Using linked and nested templates when
//!   deploying Azure resources" (azure-resource-manager/templates/linked-templates.md):
//!   with `expressionEvaluationOptions.scope` `inner` the nested template keeps its own
//!   parameters, which the deployment's `parameters` set, Key Vault references included
//!   (Learn, "Use Azure Key Vault to pass secure parameter value during deployment",
//!   "Reference secrets with dynamic ID", which passes them to a nested deployment).

use std::collections::HashSet;

use indexmap::IndexMap;
use serde_json::json;

use super::automation::{AUTOMATION_RULES_API_VERSION, CompiledRule};
use super::playbook::DEPLOYMENTS_API_VERSION;
use soarc_lang::arm::expr::{ArmString, Expr};
use soarc_lang::arm::{
    Parameter, ParameterMetadata, ParameterType, ParameterValue, ParametersFile, Resource,
    Template, ex, lit,
};

/// The parameter Repositories' script fills with the connection's workspace name.
pub const REPOSITORIES_WORKSPACE_PARAMETER: &str = "workspace";

/// Top-level resource types Repositories deploys in a playbook's file
/// (`$contentTypeMapping["Playbook"]` of the script).
fn repositories_playbook_type(kind: &str) -> bool {
    soarc_validate::rules::arm022_repositories_skip::content_kind(kind)
        == Some(soarc_validate::rules::arm022_repositories_skip::ContentKind::Playbook)
}

/// A playbook's template for Repositories (connections and the workflow only, unused
/// parameters and variables dropped) and what Repositories cannot deploy (diagnostic
/// settings, role assignments), as a template of its own deployed with `az` after the
/// playbook exists; `None` when there is nothing else.
pub fn split_playbook(template: &Template) -> (Template, Option<Template>) {
    let (content, rest): (Vec<Resource>, Vec<Resource>) = template
        .resources
        .iter()
        .cloned()
        .partition(|r| repositories_playbook_type(&r.kind));
    let mut repositories = Template {
        resources: content,
        ..template.clone()
    };
    prune(&mut repositories);
    // `WorkspaceName` (left when the workflow builds incident ids from it) defaults to the
    // parameter Repositories fills, so the template deploys as the script calls it.
    if let Some(name) = repositories.parameters.get_mut("WorkspaceName") {
        let mut workspace = name.clone();
        name.default_value = Some(ex(Expr::parameters(REPOSITORIES_WORKSPACE_PARAMETER)));
        workspace.default_value = None;
        workspace.metadata.description =
            "Sentinel workspace name; Sentinel Repositories passes the connected workspace's"
                .into();
        repositories
            .parameters
            .shift_insert(0, REPOSITORIES_WORKSPACE_PARAMETER.into(), workspace);
    }
    if rest.is_empty() {
        return (repositories, None);
    }
    let mut prerequisites = Template {
        metadata: None,
        resources: rest
            .into_iter()
            .map(|r| Resource {
                // The workflow is deployed by Repositories, not by this template.
                depends_on: Vec::new(),
                ..r
            })
            .collect(),
        outputs: IndexMap::new(),
        ..template.clone()
    };
    prune(&mut prerequisites);
    (repositories, Some(prerequisites))
}

/// The automation rules' deployment without its rules: the role Sentinel needs to run the
/// playbooks (a nested deployment into the playbooks' resource group), which Repositories
/// cannot deploy; `None` when no rule runs a spec playbook.
pub fn split_rules_role(template: &Template) -> (Template, Option<Template>) {
    let (role, rest): (Vec<Resource>, Vec<Resource>) = template
        .resources
        .iter()
        .cloned()
        .partition(|r| r.name == lit(super::automation::ROLE_DEPLOYMENT));
    let rest = Template {
        resources: rest,
        ..template.clone()
    };
    if role.is_empty() {
        return (rest, None);
    }
    let mut role = Template {
        resources: role,
        ..template.clone()
    };
    prune(&mut role);
    (rest, Some(role))
}

/// Drop parameters and variables nothing in the template refers to. Linear in the
/// template's size.
fn prune(template: &mut Template) {
    let mut used = References::default();
    let json = serde_json::to_value(&*template).expect("templates serialize");
    for key in ["resources", "outputs", "variables"] {
        used.collect(&json[key]);
    }
    // Parameter defaults may refer to other parameters (`WorkspaceName` to `workspace`).
    let defaults: Vec<serde_json::Value> = template
        .parameters
        .iter()
        .filter(|(name, _)| used.parameters.contains(&name.to_ascii_lowercase()))
        .filter_map(|(_, p)| serde_json::to_value(&p.default_value).ok())
        .collect();
    for default in &defaults {
        used.collect(default);
    }
    template
        .parameters
        .retain(|name, _| used.parameters.contains(&name.to_ascii_lowercase()));
    template
        .variables
        .retain(|name, _| used.variables.contains(&name.to_ascii_lowercase()));
}

/// Names `parameters('…')` and `variables('…')` refer to, lower-case (ARM compares them
/// case-insensitively).
#[derive(Default)]
struct References {
    parameters: HashSet<String>,
    variables: HashSet<String>,
}

impl References {
    fn collect(&mut self, value: &serde_json::Value) {
        match value {
            serde_json::Value::String(s) => {
                if let Ok(ArmString::Expr(e)) = ArmString::parse(s) {
                    e.walk(&mut |node| {
                        if let Expr::Call { name, args } = node
                            && let Some(Expr::Str(arg)) = args.first()
                        {
                            if name.eq_ignore_ascii_case("parameters") {
                                self.parameters.insert(arg.to_ascii_lowercase());
                            } else if name.eq_ignore_ascii_case("variables") {
                                self.variables.insert(arg.to_ascii_lowercase());
                            }
                        }
                    });
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| self.collect(v)),
            serde_json::Value::Object(map) => map.values().for_each(|v| self.collect(v)),
            _ => {}
        }
    }
}

/// The automation rules for Repositories: each a top-level
/// `Microsoft.OperationalInsights/workspaces/providers/automationRules` resource named
/// `<workspace>/Microsoft.SecurityInsights/<rule id>` (the type and name form of the
/// script's `AutomationRule` content and of Sentinel's exported rules). Repositories
/// deploys into the workspace's resource group, where it also deploys the playbooks.
pub fn repositories_rules(rules: &[CompiledRule], runs_spec_playbooks: bool) -> Template {
    let mut parameters = IndexMap::from([(
        REPOSITORIES_WORKSPACE_PARAMETER.to_string(),
        string_parameter(
            None,
            "Sentinel workspace name; Sentinel Repositories passes the connected workspace's",
        ),
    )]);
    if runs_spec_playbooks {
        // The name the rules' playbook ids use (`automation::logic_app_id`).
        parameters.insert(
            "playbooksResourceGroup".to_string(),
            string_parameter(
                Some(ex(Expr::call("resourceGroup", vec![]).member("name"))),
                "Resource group of the playbooks (default: this deployment's, where Repositories deploys them)",
            ),
        );
    }
    let resources = rules
        .iter()
        .map(|rule| {
            Resource::new(
                "Microsoft.OperationalInsights/workspaces/providers/automationRules",
                AUTOMATION_RULES_API_VERSION,
                ex(Expr::concat(vec![
                    Expr::parameters(REPOSITORIES_WORKSPACE_PARAMETER),
                    Expr::str(format!("/Microsoft.SecurityInsights/{}", rule.id)),
                ])),
                serde_json::to_value(&rule.properties).expect("rules serialize"),
            )
        })
        .collect();
    Template {
        schema: soarc_lang::arm::TEMPLATE_SCHEMA.into(),
        content_version: "1.0.0.0".into(),
        metadata: None,
        parameters,
        variables: IndexMap::new(),
        resources,
        outputs: IndexMap::new(),
    }
}

/// The values a parameters file gives, for a template that declares only some of them.
pub fn parameters_for(template: &Template, values: &ParametersFile) -> ParametersFile {
    ParametersFile {
        parameters: values
            .parameters
            .iter()
            .filter(|(name, _)| template.parameters.contains_key(*name))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect(),
        ..values.clone()
    }
}

/// One deployment of a [`composite`]: its nested deployment's name, template and values.
#[derive(Debug, Clone)]
pub struct Part {
    pub name: String,
    /// The folder of the part's own files in OUT (`playbooks/<name>`, `automation-rules`).
    pub dir: String,
    pub template: Template,
    pub parameters: ParametersFile,
    /// Parts of earlier stages deploy first; parts of one stage deploy in parallel.
    pub stage: u8,
}

/// One template deploying every part, stage by stage: each part's nested deployment
/// depends on every part of the stage before it. The parts' parameter values (Key Vault
/// references included) go into the nested deployments, so the template is for one
/// environment and has no parameters of its own.
pub fn composite(parts: &[Part]) -> Template {
    let mut resources = Vec::with_capacity(parts.len());
    let mut previous: Vec<String> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut stage = parts.first().map_or(0, |p| p.stage);
    for part in parts {
        if part.stage != stage {
            stage = part.stage;
            previous = std::mem::take(&mut current);
        }
        let name = deployment_name(&part.name);
        let values: serde_json::Map<String, serde_json::Value> = part
            .parameters
            .parameters
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    // The outer template evaluates the values it passes (Learn, "Syntax and
                    // expressions in ARM templates", Escape characters: a string that
                    // starts with `[` and ends with `]` is an expression, `[[` a literal
                    // bracket): spec values go in escaped, as written.
                    ParameterValue::Value { value } => {
                        json!({ "value": soarc_lang::arm::escape_json(value.clone()) })
                    }
                    ParameterValue::KeyVault { reference } => json!({ "reference": reference }),
                };
                (k.clone(), v)
            })
            .collect();
        resources.push(Resource {
            depends_on: previous.iter().map(lit).collect(),
            ..Resource::new(
                "Microsoft.Resources/deployments",
                DEPLOYMENTS_API_VERSION,
                lit(&name),
                nested_deployment(values, &part.template),
            )
        });
        current.push(name);
    }
    Template {
        schema: soarc_lang::arm::TEMPLATE_SCHEMA.into(),
        content_version: "1.0.0.0".into(),
        metadata: None,
        parameters: IndexMap::new(),
        variables: IndexMap::new(),
        resources,
        outputs: IndexMap::new(),
    }
}

/// The `properties` of a `Microsoft.Resources/deployments` resource that deploys `template`
/// inline with `parameters`, in inner scope: the nested template's parameters, variables and
/// functions are its own, so its expressions are written as they are (the default, `outer`,
/// would resolve them in the parent template), and nested deployments only take
/// `Incremental` mode (Learn, "Using linked and nested templates when deploying Azure
/// resources", Nested template and Expression evaluation scope in nested templates:
/// https://learn.microsoft.com/azure/azure-resource-manager/templates/linked-templates).
///
/// Built by moving the values in: `json!` would copy each `Value` it is given once more.
pub(crate) fn nested_deployment(
    parameters: serde_json::Map<String, serde_json::Value>,
    template: &Template,
) -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::from_iter([
        ("mode".to_string(), json!("Incremental")),
        (
            "expressionEvaluationOptions".to_string(),
            json!({ "scope": "inner" }),
        ),
        (
            "parameters".to_string(),
            serde_json::Value::Object(parameters),
        ),
        (
            "template".to_string(),
            serde_json::to_value(template).expect("templates serialize"),
        ),
    ]))
}

/// Deployment names are at most 64 characters (Learn, "Resource name rules",
/// Microsoft.Resources/deployments).
fn deployment_name(part: &str) -> String {
    let name = format!("soarc-{part}");
    name.chars().take(64).collect()
}

fn string_parameter(default: Option<ArmString>, description: &str) -> Parameter {
    Parameter {
        kind: ParameterType::String,
        default_value: default,
        min_length: None,
        max_length: None,
        metadata: ParameterMetadata {
            description: description.into(),
        },
    }
}
