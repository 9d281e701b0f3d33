//! `Microsoft.SecurityInsights/automationRules` (API 2025-09-01) as typed values, and the
//! ARM deployment of a spec's automation rules.
//!
//! The template is deployed like the playbooks (`az deployment group create -g <playbooks'
//! group>`). Two nested deployments reach the other resource groups:
//! - `soarc-automation-rules-role`, in the playbooks' group: **Microsoft Sentinel Automation
//!   Contributor** for the *Azure Security Insights* service principal, which Sentinel uses
//!   to run playbooks from automation rules (only when `GrantPlaybookRunnerRole`, since Azure
//!   rejects an identical second assignment, e.g. one made in the portal);
//! - `soarc-automation-rules`, in the workspace's group: the rules, as extension resources
//!   of the workspace, after the role exists.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::json;

use super::playbook::{DEPLOYMENTS_API_VERSION, ROLE_ASSIGNMENTS_API_VERSION};
use crate::spec::automation::{
    Classification, ClassificationReason, Operator, OwnerType, PropertyName, Severity, Status,
};
use soarc_lang::arm::{
    ArmString, Expr, Parameter, ParameterMetadata, ParameterType, ParameterValue, ParametersFile,
    Resource, Template, ex,
};

pub const AUTOMATION_RULES_API_VERSION: &str = "2025-09-01";
/// Built-in role "Microsoft Sentinel Automation Contributor".
pub const AUTOMATION_CONTRIBUTOR_ROLE: &str = "f4c81013-99ee-4d62-a7ee-b3f1f648599a";
/// Application id of the "Azure Security Insights" first-party app (same in every tenant).
pub const SECURITY_INSIGHTS_APP_ID: &str = "98785600-1bb7-4fb9-b9fa-19afe2c8a360";
pub const ROLE_DEPLOYMENT: &str = "soarc-automation-rules-role";
pub const RULES_DEPLOYMENT: &str = "soarc-automation-rules";

/// The `properties` of an automation rule resource.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "Sentinel automation rule properties (as soarc generates them)")]
pub struct AutomationRuleProperties {
    #[schemars(length(min = 1, max = 500))]
    pub display_name: ArmString,
    #[schemars(range(min = 1, max = 1000))]
    pub order: u32,
    pub triggering_logic: TriggeringLogic,
    #[schemars(length(min = 1, max = 20))]
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TriggeringLogic {
    pub is_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_time_utc: Option<String>,
    pub triggers_on: TriggersOn,
    pub triggers_when: TriggersWhen,
    #[schemars(length(max = 50))]
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum TriggersOn {
    Incidents,
    Alerts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum TriggersWhen {
    Created,
    Updated,
}

/// A condition, discriminated by `conditionType`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "conditionType", content = "conditionProperties")]
pub enum Condition {
    Property(PropertyValues),
    PropertyChanged(PropertyChanged),
    PropertyArrayChanged(ArrayChanged),
    PropertyArray(PropertyArray),
    Boolean(BooleanCondition),
}

impl Condition {
    /// Whether this condition (or one inside it) needs `triggersWhen: Updated`.
    pub fn is_change(&self) -> bool {
        match self {
            Condition::PropertyChanged(_) | Condition::PropertyArrayChanged(_) => true,
            Condition::Property(_) => false,
            Condition::PropertyArray(a) => a.item_conditions.iter().any(Condition::is_change),
            Condition::Boolean(b) => b.inner_conditions.iter().any(Condition::is_change),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PropertyValues {
    pub property_name: PropertyName,
    pub operator: Operator,
    #[schemars(length(min = 1))]
    pub property_values: Vec<ArmString>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PropertyChanged {
    pub property_name: ChangedProperty,
    pub change_type: ChangeType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<Operator>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub property_values: Vec<ArmString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum ChangedProperty {
    IncidentSeverity,
    IncidentStatus,
    IncidentOwner,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum ChangeType {
    ChangedFrom,
    ChangedTo,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArrayChanged {
    pub array_type: ChangedArray,
    pub change_type: ArrayChangeType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum ChangedArray {
    Alerts,
    Labels,
    Tactics,
    Comments,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum ArrayChangeType {
    Added,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PropertyArray {
    pub array_type: ArrayType,
    pub array_condition_type: ArrayConditionType,
    #[schemars(length(min = 1, max = 10))]
    pub item_conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum ArrayType {
    CustomDetails,
    CustomDetailValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum ArrayConditionType {
    AnyItem,
    AllItems,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BooleanCondition {
    pub operator: BooleanOperator,
    #[schemars(length(min = 2, max = 10))]
    pub inner_conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum BooleanOperator {
    And,
    Or,
}

/// An action: its position and what it does.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Action {
    #[schemars(range(min = 1))]
    pub order: u32,
    #[serde(flatten)]
    pub kind: ActionKind,
}

/// What an action does, discriminated by `actionType`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "actionType", content = "actionConfiguration")]
pub enum ActionKind {
    RunPlaybook(RunPlaybook),
    ModifyProperties(ModifyProperties),
    AddIncidentTask(AddIncidentTask),
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunPlaybook {
    pub logic_app_resource_id: ArmString,
    pub tenant_id: ArmString,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModifyProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<Classification>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification_reason: Option<ClassificationReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification_comment: Option<ArmString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<OwnerInfo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<Label>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OwnerInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<ArmString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<ArmString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<ArmString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_type: Option<OwnerType>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Label {
    pub label_name: ArmString,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddIncidentTask {
    pub title: ArmString,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<ArmString>,
}

/// A checked rule ready for output.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    /// Spec name.
    pub name: String,
    /// Azure resource name: UUIDv5 of the spec name.
    pub id: String,
    pub properties: AutomationRuleProperties,
}

/// Where the rules go, for the parameters file.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub workspace_name: Option<String>,
    pub workspace_resource_group: Option<String>,
    pub playbooks_resource_group: Option<String>,
    /// `deployment.security_insights_object_id`.
    pub security_insights_object_id: Option<String>,
    /// `deployment.grant_playbook_runner_role`, when the spec sets it.
    pub grant_playbook_runner_role: Option<bool>,
}

/// Template and parameters file of the automation rules.
#[derive(Debug, Clone)]
pub struct RulesDeployment {
    pub template: Template,
    pub parameters: ParametersFile,
    /// Parameters the parameters files leave to the environment: (parameter, environment
    /// variable). `main.bicepparam` reads them with `readEnvironmentVariable()`.
    pub from_environment: Vec<(String, String)>,
}

pub const SECURITY_INSIGHTS_OBJECT_ID_VARIABLE: &str = "SECURITY_INSIGHTS_OBJECT_ID";

/// `resourceId(parameters('<group param>'), 'Microsoft.Logic/workflows', '<name>')`.
pub fn logic_app_id(group_parameter: &str, playbook: &str) -> Expr {
    Expr::call(
        "resourceId",
        vec![
            Expr::parameters(group_parameter),
            Expr::str("Microsoft.Logic/workflows"),
            Expr::str(playbook),
        ],
    )
}

/// `subscription().tenantId`
pub fn tenant_id() -> Expr {
    Expr::call("subscription", vec![]).member("tenantId")
}

fn parameter(kind: ParameterType, default: Option<ArmString>, description: &str) -> Parameter {
    Parameter {
        kind,
        default_value: default,
        min_length: None,
        max_length: None,
        metadata: ParameterMetadata {
            description: description.into(),
        },
    }
}

fn empty_template(parameters: IndexMap<String, Parameter>, resources: Vec<Resource>) -> Template {
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

/// The deployment of all rules. `runs_spec_playbooks`: some rule runs a playbook of the spec,
/// so Sentinel needs its role on the playbooks' resource group.
pub fn build(
    rules: &[CompiledRule],
    target: &Target,
    runs_spec_playbooks: bool,
) -> RulesDeployment {
    let group = || ex(Expr::call("resourceGroup", vec![]).member("name"));
    let mut parameters = IndexMap::new();
    let mut values = IndexMap::new();
    parameters.insert(
        "WorkspaceName".to_string(),
        Parameter {
            min_length: Some(4),
            max_length: Some(63),
            ..parameter(
                ParameterType::String,
                None,
                "Log Analytics workspace of Microsoft Sentinel the automation rules are created on",
            )
        },
    );
    parameters.insert(
        "WorkspaceResourceGroup".to_string(),
        parameter(
            ParameterType::String,
            Some(group()),
            "Resource group of the Sentinel workspace (default: this deployment's)",
        ),
    );
    if runs_spec_playbooks {
        parameters.insert(
            "PlaybooksResourceGroup".to_string(),
            parameter(
                ParameterType::String,
                Some(group()),
                "Resource group the playbooks were deployed to (default: this deployment's)",
            ),
        );
        parameters.insert(
            "SecurityInsightsObjectId".to_string(),
            parameter(
                ParameterType::String,
                None,
                &format!(
                    "Object id of the Azure Security Insights service principal in your tenant, which Sentinel uses to run playbooks; find it with `az ad sp show --id {SECURITY_INSIGHTS_APP_ID} --query id -o tsv`"
                ),
            ),
        );
        parameters.insert(
            "GrantPlaybookRunnerRole".to_string(),
            parameter(
                ParameterType::Bool,
                Some(ex(Expr::call("true", vec![]))),
                "Grant Azure Security Insights the Microsoft Sentinel Automation Contributor role on the playbooks' resource group; false when it already has it (e.g. granted in the portal), which Azure would reject as RoleAssignmentExists",
            ),
        );
    }
    let mut put = |name: &str, value: Option<serde_json::Value>| {
        if let Some(value) = value {
            values.insert(name.to_string(), ParameterValue::Value { value });
        }
    };
    put(
        "WorkspaceName",
        target.workspace_name.as_ref().map(|v| json!(v)),
    );
    put(
        "WorkspaceResourceGroup",
        target.workspace_resource_group.as_ref().map(|v| json!(v)),
    );
    let mut from_environment = Vec::new();
    if runs_spec_playbooks {
        put(
            "PlaybooksResourceGroup",
            target.playbooks_resource_group.as_ref().map(|v| json!(v)),
        );
        put(
            "SecurityInsightsObjectId",
            target
                .security_insights_object_id
                .as_ref()
                .map(|v| json!(v)),
        );
        if target.security_insights_object_id.is_none() {
            from_environment.push((
                "SecurityInsightsObjectId".to_string(),
                SECURITY_INSIGHTS_OBJECT_ID_VARIABLE.to_string(),
            ));
        }
        put(
            "GrantPlaybookRunnerRole",
            target.grant_playbook_runner_role.map(|v| json!(v)),
        );
    }

    let mut resources = Vec::new();
    if runs_spec_playbooks {
        resources.push(role_deployment());
    }
    let workspace_scope = ex(Expr::call(
        "format",
        vec![
            Expr::str("Microsoft.OperationalInsights/workspaces/{0}"),
            Expr::parameters("workspaceName"),
        ],
    ));
    let inner_rules = rules
        .iter()
        .map(|rule| Resource {
            scope: Some(workspace_scope.clone()),
            ..Resource::new(
                "Microsoft.SecurityInsights/automationRules",
                AUTOMATION_RULES_API_VERSION,
                soarc_lang::arm::lit(&rule.id),
                serde_json::to_value(&rule.properties).expect("rules serialize"),
            )
        })
        .collect();
    let mut inner_parameters = IndexMap::from([(
        "workspaceName".to_string(),
        parameter(ParameterType::String, None, "Sentinel workspace name"),
    )]);
    let value = |e: Expr| json!({ "value": ex(e) });
    let mut inner_values = serde_json::Map::new();
    inner_values.insert(
        "workspaceName".into(),
        value(Expr::parameters("WorkspaceName")),
    );
    if runs_spec_playbooks {
        inner_parameters.insert(
            "playbooksResourceGroup".to_string(),
            parameter(
                ParameterType::String,
                None,
                "Resource group of the playbooks",
            ),
        );
        inner_values.insert(
            "playbooksResourceGroup".into(),
            value(Expr::parameters("PlaybooksResourceGroup")),
        );
    }
    let inner = empty_template(inner_parameters, inner_rules);
    resources.push(Resource {
        resource_group: Some(ex(Expr::parameters("WorkspaceResourceGroup"))),
        depends_on: if runs_spec_playbooks {
            vec![soarc_lang::arm::lit(ROLE_DEPLOYMENT)]
        } else {
            Vec::new()
        },
        ..Resource::new(
            "Microsoft.Resources/deployments",
            DEPLOYMENTS_API_VERSION,
            soarc_lang::arm::lit(RULES_DEPLOYMENT),
            json!({
                "mode": "Incremental",
                "expressionEvaluationOptions": { "scope": "inner" },
                "parameters": inner_values,
                "template": serde_json::to_value(inner).expect("templates serialize"),
            }),
        )
    });

    RulesDeployment {
        template: Template {
            metadata: None,
            ..empty_template(parameters, resources)
        },
        parameters: ParametersFile {
            schema: soarc_lang::arm::PARAMETERS_SCHEMA.into(),
            content_version: "1.0.0.0".into(),
            parameters: values,
        },
        from_environment,
    }
}

/// Microsoft Sentinel Automation Contributor for Azure Security Insights on the playbooks'
/// resource group; the assignment name is a `guid()` of group, principal and role, so a
/// redeployment finds the same assignment.
fn role_deployment() -> Resource {
    let assignment = Resource::new(
        "Microsoft.Authorization/roleAssignments",
        ROLE_ASSIGNMENTS_API_VERSION,
        ex(Expr::call(
            "guid",
            vec![
                Expr::call("resourceGroup", vec![]).member("id"),
                Expr::parameters("principalId"),
                Expr::str(AUTOMATION_CONTRIBUTOR_ROLE),
            ],
        )),
        json!({
            "roleDefinitionId": ex(Expr::call("subscriptionResourceId", vec![
                Expr::str("Microsoft.Authorization/roleDefinitions"),
                Expr::str(AUTOMATION_CONTRIBUTOR_ROLE),
            ])),
            "principalId": ex(Expr::parameters("principalId")),
            "principalType": "ServicePrincipal",
            "description": "soarc: lets Microsoft Sentinel run the playbooks of this resource group from automation rules",
        }),
    );
    let inner = empty_template(
        IndexMap::from([(
            "principalId".to_string(),
            parameter(
                ParameterType::String,
                None,
                "Object id of the Azure Security Insights service principal",
            ),
        )]),
        vec![assignment],
    );
    Resource {
        condition: Some(ex(Expr::parameters("GrantPlaybookRunnerRole"))),
        resource_group: Some(ex(Expr::parameters("PlaybooksResourceGroup"))),
        ..Resource::new(
            "Microsoft.Resources/deployments",
            DEPLOYMENTS_API_VERSION,
            soarc_lang::arm::lit(ROLE_DEPLOYMENT),
            json!({
                "mode": "Incremental",
                "expressionEvaluationOptions": { "scope": "inner" },
                "parameters": {
                    "principalId": { "value": ex(Expr::parameters("SecurityInsightsObjectId")) },
                },
                "template": serde_json::to_value(inner).expect("templates serialize"),
            }),
        )
    }
}
