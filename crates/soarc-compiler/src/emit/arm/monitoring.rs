//! Playbook health monitoring (`OUT/monitoring/`): a workbook over the playbooks' run logs
//! in the Sentinel workspace, and a log alert on failed runs with an e-mail action group.
//!
//! The run logs reach the workspace through each playbook's diagnostic settings
//! (`WorkflowRuntime`, `AzureDiagnostics` table). The workbook's content is built from typed
//! values ([`WorkbookData`]) and serialized into `serializedData`.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::json;

use super::playbook::workspace_id;
use crate::compile::deployment::{
    ALERT_EVALUATION_FREQUENCY as EVALUATION_FREQUENCY, CheckedMonitoring,
};
use soarc_lang::arm::{
    Expr, Parameter, ParameterMetadata, ParameterType, ParameterValue, ParametersFile, Resource,
    Template, ex, lit,
};
use soarc_lang::limits::iso_duration;

pub const WORKBOOKS_API_VERSION: &str = "2022-04-01";
pub const SCHEDULED_QUERY_RULES_API_VERSION: &str = "2023-03-15-preview";
pub const ACTION_GROUPS_API_VERSION: &str = "2023-01-01";

/// Seed of the workbook's `guid()` name: one health workbook per resource group.
const WORKBOOK_SEED: &str = "soarc-playbook-health";
const ACTION_GROUP_NAME: &str = "soarc-playbook-alerts";
const ALERT_NAME: &str = "soarc-playbook-failures";
/// The action group's e-mail receivers when some come from per-environment values.
pub const ALERT_RECEIVERS_PARAMETER: &str = "AlertEmailReceivers";

/// Run logs of Logic Apps in the workspace (`AzureDiagnostics`, the table Logic Apps
/// (Consumption) diagnostic settings write to).
const LOGIC_RUNS: &str = "AzureDiagnostics\n| where ResourceProvider == \"MICROSOFT.LOGIC\"";
const RUN_STARTED: &str = "Microsoft.Logic/workflows/workflowRunStarted";
const RUN_COMPLETED: &str = "Microsoft.Logic/workflows/workflowRunCompleted";
const ACTION_COMPLETED: &str = "Microsoft.Logic/workflows/workflowActionCompleted";

/// The monitoring template and its parameters file.
#[derive(Debug, Clone)]
pub struct MonitoringDeployment {
    pub template: Template,
    pub parameters: ParametersFile,
}

/// Workbook content (`serializedData`), as the workbook editor saves it.
#[derive(Debug, Serialize)]
pub struct WorkbookData {
    pub version: &'static str,
    pub items: Vec<WorkbookItem>,
    #[serde(rename = "$schema")]
    pub schema: &'static str,
}

/// One workbook item: markdown text (type 1) or a query (type 3).
#[derive(Debug, Serialize)]
pub struct WorkbookItem {
    #[serde(rename = "type")]
    pub kind: u8,
    pub content: ItemContent,
    pub name: String,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ItemContent {
    Text {
        json: String,
    },
    Query {
        version: &'static str,
        query: String,
        size: u8,
        title: String,
        #[serde(rename = "queryType")]
        query_type: u8,
        #[serde(rename = "resourceType")]
        resource_type: &'static str,
        visualization: &'static str,
    },
}

fn text_item(name: &str, markdown: &str) -> WorkbookItem {
    WorkbookItem {
        kind: 1,
        content: ItemContent::Text {
            json: markdown.to_string(),
        },
        name: name.to_string(),
    }
}

fn query_item(name: &str, title: &str, query: String, visualization: &'static str) -> WorkbookItem {
    WorkbookItem {
        kind: 3,
        content: ItemContent::Query {
            version: "KqlItem/1.0",
            query,
            size: 0,
            title: title.to_string(),
            query_type: 0,
            resource_type: "microsoft.operationalinsights/workspaces",
            visualization,
        },
        name: name.to_string(),
    }
}

/// The workbook: runs per playbook per hour (the guide's query, on run events only, so
/// action events are not counted), failure rate per playbook, latest failed runs and actions.
pub fn workbook() -> WorkbookData {
    let runs_per_hour = format!(
        "{LOGIC_RUNS}\n| where OperationName in (\"{RUN_STARTED}\", \"{RUN_COMPLETED}\")\n| where TimeGenerated > ago(7d)\n| summarize\n    Succeeded = countif(status_s == \"Succeeded\"),\n    Failed = countif(status_s == \"Failed\"),\n    Running = countif(status_s == \"Running\")\n    by resource_workflowName_s, bin(TimeGenerated, 1h)\n| order by TimeGenerated desc"
    );
    let failure_rate = format!(
        "{LOGIC_RUNS}\n| where OperationName == \"{RUN_COMPLETED}\"\n| where TimeGenerated > ago(7d)\n| summarize Runs = count(), Failed = countif(status_s == \"Failed\") by Playbook = resource_workflowName_s\n| extend FailureRate = round(100.0 * Failed / Runs, 1)\n| order by FailureRate desc"
    );
    let failed_runs = format!(
        "{LOGIC_RUNS}\n| where OperationName == \"{RUN_COMPLETED}\" and status_s == \"Failed\"\n| where TimeGenerated > ago(7d)\n| project TimeGenerated, Playbook = resource_workflowName_s, Run = resource_runId_s, Code = error_code_s, Error = error_message_s\n| order by TimeGenerated desc\n| take 50"
    );
    let failed_actions = format!(
        "{LOGIC_RUNS}\n| where OperationName == \"{ACTION_COMPLETED}\" and status_s == \"Failed\"\n| where TimeGenerated > ago(7d)\n| project TimeGenerated, Playbook = resource_workflowName_s, Action = resource_actionName_s, Code = code_s, Run = resource_runId_s\n| order by TimeGenerated desc\n| take 50"
    );
    WorkbookData {
        version: "Notebook/1.0",
        items: vec![
            text_item(
                "intro",
                "## Playbook health\nRuns of the Logic Apps that send their run logs to this workspace (soarc playbooks do, through their diagnostic settings), over the last 7 days.",
            ),
            query_item(
                "runs-per-hour",
                "Runs per playbook per hour",
                runs_per_hour,
                "table",
            ),
            query_item(
                "failure-rate",
                "Failure rate per playbook",
                failure_rate,
                "table",
            ),
            query_item(
                "latest-failed-runs",
                "Latest failed runs",
                failed_runs,
                "table",
            ),
            query_item(
                "latest-failed-actions",
                "Latest failed actions",
                failed_actions,
                "table",
            ),
        ],
        schema: "https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json",
    }
}

/// The alert query: failed runs, one row each (the rule counts rows per playbook).
pub fn alert_query() -> String {
    format!(
        "{LOGIC_RUNS}\n| where OperationName == \"{RUN_COMPLETED}\"\n| where status_s == \"Failed\""
    )
}

/// Build the monitoring deployment of the checked settings
/// ([`crate::compile::deployment::monitoring`]).
pub fn build(monitoring: &CheckedMonitoring) -> MonitoringDeployment {
    let workspace = &monitoring.workspace;
    let alert = monitoring.alert.as_ref();
    let mut parameters = IndexMap::new();
    parameters.insert(
        "WorkspaceName".to_string(),
        Parameter {
            kind: ParameterType::String,
            default_value: None,
            min_length: Some(4),
            max_length: Some(63),
            metadata: ParameterMetadata {
                description: "Log Analytics workspace of Microsoft Sentinel, which receives the playbooks' run logs".into(),
            },
        },
    );
    parameters.insert(
        "WorkspaceResourceGroup".to_string(),
        Parameter {
            kind: ParameterType::String,
            default_value: Some(ex(Expr::call("resourceGroup", vec![]).member("name"))),
            min_length: None,
            max_length: None,
            metadata: ParameterMetadata {
                description:
                    "Resource group of the Sentinel workspace (default: this deployment's)".into(),
            },
        },
    );
    let mut values = IndexMap::new();
    values.insert(
        "WorkspaceName".to_string(),
        ParameterValue::Value {
            value: json!(workspace.name),
        },
    );
    if let Some(group) = &workspace.resource_group {
        values.insert(
            "WorkspaceResourceGroup".to_string(),
            ParameterValue::Value {
                value: json!(group),
            },
        );
    }

    let location = || ex(Expr::call("resourceGroup", vec![]).member("location"));
    let mut resources = Vec::new();
    if monitoring.workbook {
        let data = serde_json::to_string(&workbook()).expect("workbooks serialize");
        resources.push(Resource {
            sub_kind: Some("shared".into()),
            location: Some(location()),
            ..Resource::new(
                "Microsoft.Insights/workbooks",
                WORKBOOKS_API_VERSION,
                ex(Expr::call(
                    "guid",
                    vec![
                        Expr::call("resourceGroup", vec![]).member("id"),
                        Expr::str(WORKBOOK_SEED),
                    ],
                )),
                json!({
                    "displayName": "Playbook health (soarc)",
                    "category": "sentinel",
                    "version": "Notebook/1.0",
                    "sourceId": ex(workspace_id()),
                    "serializedData": lit(data),
                }),
            )
        });
    }

    if let Some(alert) = alert {
        let receivers: Vec<_> = alert
            .emails
            .iter()
            .enumerate()
            .map(|(i, email)| {
                json!({
                    "name": format!("email-{}", i + 1),
                    "emailAddress": email,
                    "useCommonAlertSchema": true,
                })
            })
            .collect();
        // Recipients that differ per environment: the receivers are a parameter, so the
        // template stays the same and each environment's parameters file lists its own
        // (Learn, "Action groups", emailReceivers:
        // https://learn.microsoft.com/azure/azure-monitor/alerts/action-groups).
        let receivers = if alert.emails_per_environment {
            parameters.insert(
                ALERT_RECEIVERS_PARAMETER.to_string(),
                Parameter {
                    kind: ParameterType::Array,
                    default_value: None,
                    min_length: Some(1),
                    max_length: None,
                    metadata: ParameterMetadata {
                        description: "E-mail receivers of the failure alert's action group (name, emailAddress, useCommonAlertSchema), per environment".into(),
                    },
                },
            );
            values.insert(
                ALERT_RECEIVERS_PARAMETER.to_string(),
                ParameterValue::Value {
                    value: json!(receivers),
                },
            );
            json!(ex(Expr::parameters(ALERT_RECEIVERS_PARAMETER)))
        } else {
            json!(receivers)
        };
        let group_id = Expr::resource_id(
            "Microsoft.Insights/actionGroups",
            vec![Expr::str(ACTION_GROUP_NAME)],
        );
        resources.push(Resource {
            location: Some(lit("Global")),
            ..Resource::new(
                "Microsoft.Insights/actionGroups",
                ACTION_GROUPS_API_VERSION,
                lit(ACTION_GROUP_NAME),
                json!({
                    // At most 12 characters (the SMS/e-mail sender name).
                    "groupShortName": "soarc-fail",
                    "enabled": true,
                    "emailReceivers": receivers,
                }),
            )
        });
        resources.push(Resource {
            sub_kind: Some("LogAlert".into()),
            location: Some(location()),
            depends_on: vec![ex(group_id.clone())],
            ..Resource::new(
                "Microsoft.Insights/scheduledQueryRules",
                SCHEDULED_QUERY_RULES_API_VERSION,
                lit(ALERT_NAME),
                json!({
                    "displayName": "Playbook failures (soarc)",
                    "description": format!(
                        "A playbook had {} or more failed runs in {}",
                        alert.failures,
                        iso_duration(alert.window)
                    ),
                    "severity": alert.severity,
                    "enabled": true,
                    "evaluationFrequency": iso_duration(EVALUATION_FREQUENCY),
                    "windowSize": iso_duration(alert.window),
                    "scopes": [ex(workspace_id())],
                    "criteria": {
                        "allOf": [{
                            "query": alert_query(),
                            "timeAggregation": "Count",
                            "dimensions": [{
                                "name": "resource_workflowName_s",
                                "operator": "Include",
                                "values": ["*"],
                            }],
                            "operator": "GreaterThanOrEqual",
                            "threshold": alert.failures,
                            "failingPeriods": {
                                "numberOfEvaluationPeriods": 1,
                                "minFailingPeriodsToAlert": 1,
                            },
                        }],
                    },
                    "autoMitigate": true,
                    "actions": { "actionGroups": [ex(group_id)] },
                }),
            )
        });
    }
    MonitoringDeployment {
        template: Template {
            schema: soarc_lang::arm::TEMPLATE_SCHEMA.into(),
            content_version: "1.0.0.0".into(),
            metadata: None,
            parameters,
            variables: IndexMap::new(),
            resources,
            outputs: IndexMap::new(),
        },
        parameters: ParametersFile {
            schema: soarc_lang::arm::PARAMETERS_SCHEMA.into(),
            content_version: "1.0.0.0".into(),
            parameters: values,
        },
    }
}
