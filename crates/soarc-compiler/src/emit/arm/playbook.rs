//! The ARM deployment of one compiled playbook: API connections, the Logic App with a
//! system-assigned identity, and the Sentinel role its identity needs; plus the
//! parameters file with Key Vault references for secrets.

use indexmap::IndexMap;
use serde_json::json;

use crate::compile::deployment::PlaybookTarget;
use crate::compile::{CompiledPlaybook, ConnectionKind, ConnectionUse, TriggerKind};
use soarc_lang::arm::{
    Author, Expr, Identity, Metadata, Output, Parameter, ParameterMetadata, ParameterType,
    ParameterValue, ParametersFile, Resource, Support, Template, ex, lit,
};

pub const LOGIC_API_VERSION: &str = "2017-07-01";
pub const CONNECTIONS_API_VERSION: &str = "2016-06-01";
pub const DEPLOYMENTS_API_VERSION: &str = "2022-09-01";
pub const ROLE_ASSIGNMENTS_API_VERSION: &str = "2022-04-01";
pub const DIAGNOSTIC_SETTINGS_API_VERSION: &str = "2021-05-01-preview";
/// Name of the diagnostic setting soarc puts on every playbook.
pub const DIAGNOSTIC_SETTING_NAME: &str = "soarc-run-logs";
/// Built-in role "Microsoft Sentinel Responder": read and update incidents, add comments.
pub const SENTINEL_RESPONDER_ROLE: &str = "3e150937-b8fe-4cfb-8069-0eaf05ecd056";
/// Built-in role "Key Vault Secrets User": read secret contents (vaults with Azure RBAC).
pub const KEY_VAULT_SECRETS_USER_ROLE: &str = "4633458b-17de-408a-b874-0445c86b69e6";

/// Template and parameters file of a playbook.
#[derive(Debug, Clone)]
pub struct PlaybookDeployment {
    pub template: Template,
    pub parameters: ParametersFile,
    /// The definition holds deployment values (ARM expressions), so it cannot be loaded
    /// from `workflow.json` as it is: the Bicep writes it in place.
    pub deployment_values: bool,
}

/// Build the deployment of a compiled playbook, with the deployment facts checked for it
/// ([`crate::compile::deployment::playbook`]).
pub fn build(playbook: &CompiledPlaybook, target: &PlaybookTarget) -> PlaybookDeployment {
    let definition = serde_json::to_value(&playbook.definition).expect("definitions serialize");
    build_with_definition(playbook, target, definition)
}

/// [`build`], given the playbook's definition as JSON (`serde_json::to_value` of
/// `playbook.definition`), when the caller has it already: serializing a definition is a
/// large part of a build's time (issue #12).
pub fn build_with_definition(
    playbook: &CompiledPlaybook,
    target: &PlaybookTarget,
    definition: serde_json::Value,
) -> PlaybookDeployment {
    let mut parameters = IndexMap::new();
    let mut values = IndexMap::new();
    let mut variables = IndexMap::new();
    let mut resources = Vec::new();

    parameters.insert(
        "PlaybookName".to_string(),
        Parameter {
            kind: ParameterType::String,
            default_value: Some(lit(&playbook.name)),
            min_length: Some(1),
            max_length: Some(80),
            metadata: ParameterMetadata {
                description: "Name of the Logic App (playbook)".into(),
            },
        },
    );
    values.insert(
        "PlaybookName".to_string(),
        ParameterValue::Value {
            value: json!(playbook.name),
        },
    );

    let location = || ex(Expr::call("resourceGroup", vec![]).member("location"));
    let mut connection_ids = Vec::new();
    let mut connections_value = serde_json::Map::new();
    for connection in &playbook.connections {
        let variable = connection_variable(connection);
        let prefix = match connection.kind {
            ConnectionKind::Sentinel => "azuresentinel".to_string(),
            _ => connection.spec_name.clone(),
        };
        variables.insert(
            variable.clone(),
            ex(Expr::concat(vec![
                Expr::str(format!("{prefix}-")),
                Expr::parameters("PlaybookName"),
            ])),
        );
        let api_id = match &connection.kind {
            // A custom connector is a `Microsoft.Web/customApis` resource of the resource
            // group, deployed separately; its connections name it by that resource id (Learn,
            // "Microsoft.Web customApis" and "Microsoft.Web connections" template references:
            // `properties.api.id`).
            ConnectionKind::Managed(managed) if managed.connection.custom_connector => {
                Expr::resource_id(
                    "Microsoft.Web/customApis",
                    vec![Expr::str(connection.kind.api())],
                )
            }
            _ => Expr::call(
                "subscriptionResourceId",
                vec![
                    Expr::str("Microsoft.Web/locations/managedApis"),
                    Expr::call("resourceGroup", vec![]).member("location"),
                    Expr::str(connection.kind.api()),
                ],
            ),
        };
        let connection_id = Expr::resource_id(
            "Microsoft.Web/connections",
            vec![Expr::variables(&variable)],
        );
        let mut properties = json!({
            "displayName": ex(Expr::variables(&variable)),
            "customParameterValues": {},
            "api": { "id": ex(api_id.clone()) },
        });
        let mut entry = json!({
            "connectionId": ex(connection_id.clone()),
            "connectionName": ex(Expr::variables(&variable)),
            "id": ex(api_id),
        });
        match &connection.kind {
            ConnectionKind::Sentinel => {
                properties["parameterValueType"] = json!("Alternative");
                entry["connectionProperties"] =
                    json!({ "authentication": { "type": "ManagedServiceIdentity" } });
            }
            ConnectionKind::ServiceNow(snow) => {
                let password = format!("{}Password", pascal(&connection.spec_name));
                parameters.insert(
                    password.clone(),
                    Parameter {
                        kind: ParameterType::SecureString,
                        default_value: None,
                        min_length: None,
                        max_length: None,
                        metadata: ParameterMetadata {
                            description: format!(
                                "Password of ServiceNow user {} (connection `{}`); pass it from Key Vault",
                                snow.username.value, connection.spec_name
                            ),
                        },
                    },
                );
                if let Some(reference) = target.secrets.get(&connection.spec_name) {
                    values.insert(
                        password.clone(),
                        ParameterValue::KeyVault {
                            reference: reference.clone(),
                        },
                    );
                }
                let instance = snow_parameter(
                    &snow.instance.value,
                    "Instance URL of ServiceNow connection",
                    &connection.spec_name,
                    target,
                    &mut parameters,
                    &mut values,
                );
                let username = snow_parameter(
                    &snow.username.value,
                    "User of ServiceNow connection",
                    &connection.spec_name,
                    target,
                    &mut parameters,
                    &mut values,
                );
                properties["parameterValues"] = json!({
                    "instance": instance,
                    "username": username,
                    "password": ex(Expr::parameters(&password)),
                });
            }
            // OAuth: nothing to set; the connection is authorised in the portal.
            ConnectionKind::Office365 => {}
            ConnectionKind::Managed(managed) => {
                let mut given = serde_json::Map::new();
                for (name, value) in &managed.connection.parameters {
                    let value = match &value.value {
                        crate::spec::ConnectionParameter::Value(scalar) => match scalar {
                            crate::spec::Scalar::Bool(b) => json!(b),
                            crate::spec::Scalar::Int(i) => json!(i),
                            crate::spec::Scalar::Float(f) => json!(f),
                            crate::spec::Scalar::Text(t) => json!(lit(t)),
                        },
                        crate::spec::ConnectionParameter::Secret(_) => {
                            let parameter = format!(
                                "{}{}",
                                pascal(&connection.spec_name),
                                pascal(&name.value.replace('.', "-"))
                            );
                            parameters.insert(
                                parameter.clone(),
                                Parameter {
                                    kind: ParameterType::SecureString,
                                    default_value: None,
                                    min_length: None,
                                    max_length: None,
                                    metadata: ParameterMetadata {
                                        description: format!(
                                            "Connection parameter `{}` of connection `{}` ({}); pass it from Key Vault",
                                            name.value, connection.spec_name, managed.connection.api.value
                                        ),
                                    },
                                },
                            );
                            let key = crate::compile::deployment::managed_secret_key(
                                &connection.spec_name,
                                &name.value,
                            );
                            if let Some(reference) = target.secrets.get(&key) {
                                values.insert(
                                    parameter.clone(),
                                    ParameterValue::KeyVault {
                                        reference: reference.clone(),
                                    },
                                );
                            }
                            json!(ex(Expr::parameters(&parameter)))
                        }
                    };
                    given.insert(name.value.clone(), value);
                }
                // A managed identity connection: `parameterValueType: Alternative`, its
                // parameters under `alternativeParameterValues`, and the workflow's
                // `$connections` entry authenticates as the identity (Learn, "Authenticate
                // access and connections with managed identities", Create managed API
                // connection with a managed identity in an ARM template:
                // https://learn.microsoft.com/azure/logic-apps/authenticate-with-managed-identity#arm-template-for-api-connections-and-managed-identities).
                if managed.managed_identity {
                    properties["parameterValueType"] = json!("Alternative");
                    if !given.is_empty() {
                        properties["alternativeParameterValues"] = json!(given);
                    }
                    entry["connectionProperties"] =
                        json!({ "authentication": { "type": "ManagedServiceIdentity" } });
                } else if !given.is_empty() {
                    properties["parameterValues"] = json!(given);
                }
            }
            ConnectionKind::KeyVault(kv) => {
                let (name, group) = key_vault_parameters(kv);
                parameters.insert(
                    name.clone(),
                    Parameter {
                        kind: ParameterType::String,
                        default_value: Some(lit(&kv.vault.value)),
                        min_length: Some(3),
                        max_length: Some(24),
                        metadata: ParameterMetadata {
                            description: format!(
                                "Key Vault the playbook reads secrets from at run time (spec vault `{}`); its identity gets Key Vault Secrets User on it",
                                kv.vault.value
                            ),
                        },
                    },
                );
                values.insert(
                    name.clone(),
                    ParameterValue::Value {
                        value: json!(target.key_vault_name(&kv.vault.value)),
                    },
                );
                parameters.insert(
                    group.clone(),
                    Parameter {
                        kind: ParameterType::String,
                        default_value: Some(ex(Expr::call("resourceGroup", vec![]).member("name"))),
                        min_length: None,
                        max_length: None,
                        metadata: ParameterMetadata {
                            description: format!(
                                "Resource group of Key Vault `{}` (default: the playbook's)",
                                kv.vault.value
                            ),
                        },
                    },
                );
                if let Some(resource_group) = &kv.resource_group {
                    values.insert(
                        group.clone(),
                        ParameterValue::Value {
                            value: json!(resource_group.value),
                        },
                    );
                }
                properties["parameterValueType"] = json!("Alternative");
                properties["alternativeParameterValues"] =
                    json!({ "vaultName": ex(Expr::parameters(&name)) });
                entry["connectionProperties"] =
                    json!({ "authentication": { "type": "ManagedServiceIdentity" } });
            }
        }
        resources.push(Resource {
            location: Some(location()),
            ..Resource::new(
                "Microsoft.Web/connections",
                CONNECTIONS_API_VERSION,
                ex(Expr::variables(&variable)),
                properties,
            )
        });
        connection_ids.push(ex(connection_id));
        connections_value.insert(connection.key.clone(), entry);
    }

    let deployment_values = crate::deployment_values::contains_marker(&definition);
    // Literal text escaped (`[[`), deployment values as the ARM expressions they are.
    // Moved in, not through `json!`, which copies a `Value` it is given (it serializes every
    // interpolated expression): a definition is the largest part of a template.
    let mut workflow_properties = serde_json::Value::Object(serde_json::Map::from_iter([
        ("state".to_string(), json!("Enabled")),
        (
            "definition".to_string(),
            crate::deployment_values::to_template_json(definition),
        ),
    ]));
    if !connections_value.is_empty() {
        workflow_properties["parameters"] =
            json!({ "$connections": { "value": connections_value } });
    }
    // Per-environment values the workflow reads (ticket links): its definition parameters
    // of the same name, set from the template's.
    for name in &playbook.env_values {
        let parameter = crate::env_values::parameter(name);
        declare_env_value(name, &parameter, target, &mut parameters, &mut values);
        workflow_properties["parameters"][parameter.as_str()] =
            json!({ "value": ex(Expr::parameters(&parameter)) });
    }
    // Incident ARM ids built in the workflow start with the workspace's: supplied here from
    // the template's parameters, never written into the definition as text.
    if playbook
        .definition
        .parameters
        .contains_key(crate::compile::WORKSPACE_ID_PARAMETER)
    {
        workflow_properties["parameters"][crate::compile::WORKSPACE_ID_PARAMETER] =
            json!({ "value": ex(sentinel_workspace_id()) });
    }
    let mut tags = IndexMap::from([
        (
            "hidden-SentinelTemplateName".to_string(),
            lit(&playbook.name),
        ),
        ("hidden-SentinelTemplateVersion".to_string(), lit("1.0")),
    ]);
    for (key, value) in &playbook.tags {
        tags.insert(key.clone(), lit(value));
    }
    let workflow_id = Expr::resource_id(
        "Microsoft.Logic/workflows",
        vec![Expr::parameters("PlaybookName")],
    );
    resources.push(Resource {
        location: Some(location()),
        tags,
        identity: Some(Identity {
            kind: "SystemAssigned".into(),
        }),
        depends_on: connection_ids,
        ..Resource::new(
            "Microsoft.Logic/workflows",
            LOGIC_API_VERSION,
            ex(Expr::parameters("PlaybookName")),
            workflow_properties,
        )
    });

    let workspace = target.workspace.as_ref();
    // The workspace parameters serve the Sentinel role and the diagnostic settings.
    if playbook.uses_sentinel() || workspace.is_some() {
        parameters.insert(
            "WorkspaceName".to_string(),
            Parameter {
                kind: ParameterType::String,
                default_value: None,
                min_length: Some(4),
                max_length: Some(63),
                metadata: ParameterMetadata {
                    description: "Log Analytics workspace of Microsoft Sentinel; receives the playbook's run logs (and the playbook gets Microsoft Sentinel Responder on it when it uses Sentinel)".into(),
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
                        "Resource group of the Sentinel workspace (default: the playbook's)".into(),
                },
            },
        );
        if let Some(workspace) = workspace {
            values.insert(
                "WorkspaceName".into(),
                ParameterValue::Value {
                    value: json!(workspace.name),
                },
            );
            if let Some(group) = &workspace.resource_group {
                values.insert(
                    "WorkspaceResourceGroup".into(),
                    ParameterValue::Value {
                        value: json!(group),
                    },
                );
            }
        }
        if workspace.is_some() {
            resources.push(diagnostic_settings(&workflow_id));
        }
        if playbook.uses_sentinel() {
            resources.push(responder_role_deployment(&workflow_id));
        }
    }
    for (_, kv) in playbook.key_vaults() {
        resources.push(secrets_user_role_deployment(&workflow_id, kv));
    }

    let mut outputs = IndexMap::new();
    outputs.insert(
        "playbookResourceId".to_string(),
        Output {
            kind: ParameterType::String,
            value: ex(workflow_id.clone()),
        },
    );
    outputs.insert(
        "playbookPrincipalId".to_string(),
        Output {
            kind: ParameterType::String,
            value: ex(principal_id(&workflow_id)),
        },
    );

    // Parameters of the imported template whose value only the deployment gives: declared
    // as written, no value (the compiler has checked that soarc's own names are not taken,
    // [`own_parameter_names`]).
    for (name, declared) in &playbook.template_parameters {
        parameters
            .entry(name.clone())
            .or_insert_with(|| declared.parameter.clone());
    }

    PlaybookDeployment {
        deployment_values,
        template: Template {
            schema: soarc_lang::arm::TEMPLATE_SCHEMA.into(),
            content_version: "1.0.0.0".into(),
            metadata: Some(metadata(playbook)),
            parameters,
            variables,
            resources,
            outputs,
        },
        parameters: ParametersFile {
            schema: soarc_lang::arm::PARAMETERS_SCHEMA.into(),
            content_version: "1.0.0.0".into(),
            parameters: values,
        },
    }
}

/// The playbook's run logs (`WorkflowRuntime`) and metrics to the Sentinel workspace, as
/// `AzureDiagnostics` rows (no `logAnalyticsDestinationType`: Logic Apps (Consumption) only
/// writes there), so `AzureDiagnostics | where ResourceProvider == "MICROSOFT.LOGIC"` finds
/// them. An extension resource scoped to the workflow.
fn diagnostic_settings(workflow_id: &Expr) -> Resource {
    Resource {
        scope: Some(ex(Expr::call(
            "format",
            vec![
                Expr::str("Microsoft.Logic/workflows/{0}"),
                Expr::parameters("PlaybookName"),
            ],
        ))),
        depends_on: vec![ex(workflow_id.clone())],
        ..Resource::new(
            "Microsoft.Insights/diagnosticSettings",
            DIAGNOSTIC_SETTINGS_API_VERSION,
            lit(DIAGNOSTIC_SETTING_NAME),
            json!({
                "workspaceId": ex(workspace_id()),
                "logs": [{ "category": "WorkflowRuntime", "enabled": true }],
                "metrics": [{ "category": "AllMetrics", "enabled": true }],
            }),
        )
    }
}

/// `resourceId(WorkspaceResourceGroup, 'Microsoft.OperationalInsights/workspaces', WorkspaceName)`
pub fn workspace_id() -> Expr {
    Expr::call(
        "resourceId",
        vec![
            Expr::parameters("WorkspaceResourceGroup"),
            Expr::str("Microsoft.OperationalInsights/workspaces"),
            Expr::parameters("WorkspaceName"),
        ],
    )
}

/// `resourceId(subscription().subscriptionId, WorkspaceResourceGroup,
/// 'Microsoft.OperationalInsights/workspaces', WorkspaceName)`
fn sentinel_workspace_id() -> Expr {
    Expr::call(
        "resourceId",
        vec![
            Expr::call("subscription", vec![]).member("subscriptionId"),
            Expr::parameters("WorkspaceResourceGroup"),
            Expr::str("Microsoft.OperationalInsights/workspaces"),
            Expr::parameters("WorkspaceName"),
        ],
    )
}

/// `reference(workflow, api, 'full').identity.principalId`
fn principal_id(workflow_id: &Expr) -> Expr {
    Expr::call(
        "reference",
        vec![
            workflow_id.clone(),
            Expr::str(LOGIC_API_VERSION),
            Expr::str("full"),
        ],
    )
    .member("identity")
    .member("principalId")
}

/// Microsoft Sentinel Responder for the playbook's identity on the workspace. A nested
/// deployment reaches the workspace's resource group, which may differ from the
/// playbook's; the assignment name is a `guid()` of workspace, playbook and role so a
/// redeployment finds the same assignment.
fn responder_role_deployment(workflow_id: &Expr) -> Resource {
    role_deployment(
        workflow_id,
        RoleGrant {
            deployment_prefix: "sentinel-responder-".into(),
            resource_group: "WorkspaceResourceGroup".into(),
            target_type: "Microsoft.OperationalInsights/workspaces",
            target_parameter: "workspaceName",
            target_description: "Sentinel workspace name",
            target_value: Expr::parameters("WorkspaceName"),
            role: SENTINEL_RESPONDER_ROLE,
            description: "soarc: lets the playbook read and update Microsoft Sentinel incidents",
        },
    )
}

/// Key Vault Secrets User for the playbook's identity on a vault it reads at run time (the
/// Jira credentials), in the vault's resource group like the Sentinel role.
fn secrets_user_role_deployment(workflow_id: &Expr, kv: &crate::spec::KeyVaultSecret) -> Resource {
    let (name, group) = key_vault_parameters(kv);
    role_deployment(
        workflow_id,
        RoleGrant {
            deployment_prefix: format!("kv-secrets-user-{}-", kv.vault.value),
            resource_group: group,
            target_type: "Microsoft.KeyVault/vaults",
            target_parameter: "vaultName",
            target_description: "Key Vault name",
            target_value: Expr::parameters(&name),
            role: KEY_VAULT_SECRETS_USER_ROLE,
            description: "soarc: lets the playbook read the secrets it needs at run time",
        },
    )
}

/// ARM parameter names of a vault's name and resource group.
fn key_vault_parameters(kv: &crate::spec::KeyVaultSecret) -> (String, String) {
    let prefix = pascal(&kv.vault.value);
    (
        format!("{prefix}KeyVaultName"),
        format!("{prefix}KeyVaultResourceGroup"),
    )
}

/// A role for the playbook's identity on one resource, through a nested deployment into
/// the resource's group.
struct RoleGrant {
    deployment_prefix: String,
    /// Outer parameter holding the target's resource group.
    resource_group: String,
    target_type: &'static str,
    /// Inner parameter holding the target's name.
    target_parameter: &'static str,
    target_description: &'static str,
    target_value: Expr,
    role: &'static str,
    description: &'static str,
}

fn role_deployment(workflow_id: &Expr, grant: RoleGrant) -> Resource {
    let inner = Template {
        schema: soarc_lang::arm::TEMPLATE_SCHEMA.into(),
        content_version: "1.0.0.0".into(),
        metadata: None,
        parameters: IndexMap::from([
            (
                grant.target_parameter.to_string(),
                plain_parameter(grant.target_description),
            ),
            (
                "principalId".to_string(),
                plain_parameter("Object id of the playbook's managed identity"),
            ),
        ]),
        variables: IndexMap::new(),
        resources: vec![Resource {
            scope: Some(ex(Expr::call(
                "format",
                vec![
                    Expr::str(format!("{}/{{0}}", grant.target_type)),
                    Expr::parameters(grant.target_parameter),
                ],
            ))),
            ..Resource::new(
                "Microsoft.Authorization/roleAssignments",
                ROLE_ASSIGNMENTS_API_VERSION,
                ex(Expr::call(
                    "guid",
                    vec![
                        Expr::resource_id(
                            grant.target_type,
                            vec![Expr::parameters(grant.target_parameter)],
                        ),
                        // The identity, not the playbook: a playbook deleted and deployed again
                        // gets a new identity, and an assignment's principal cannot change.
                        Expr::parameters("principalId"),
                        Expr::str(grant.role),
                    ],
                )),
                json!({
                    "roleDefinitionId": ex(Expr::call("subscriptionResourceId", vec![
                        Expr::str("Microsoft.Authorization/roleDefinitions"),
                        Expr::str(grant.role),
                    ])),
                    "principalId": ex(Expr::parameters("principalId")),
                    "principalType": "ServicePrincipal",
                    "description": grant.description,
                }),
            )
        }],
        outputs: IndexMap::new(),
    };
    let value = |e: Expr| json!({ "value": ex(e) });
    let mut parameters = serde_json::Map::new();
    parameters.insert(grant.target_parameter.into(), value(grant.target_value));
    parameters.insert("principalId".into(), value(principal_id(workflow_id)));
    Resource {
        resource_group: Some(ex(Expr::parameters(&grant.resource_group))),
        depends_on: vec![ex(workflow_id.clone())],
        ..Resource::new(
            "Microsoft.Resources/deployments",
            DEPLOYMENTS_API_VERSION,
            ex(Expr::call(
                "take",
                vec![
                    Expr::concat(vec![
                        Expr::str(grant.deployment_prefix),
                        Expr::parameters("PlaybookName"),
                    ]),
                    Expr::int(64),
                ],
            )),
            super::layout::nested_deployment(parameters, &inner),
        )
    }
}

fn plain_parameter(description: &str) -> Parameter {
    Parameter {
        kind: ParameterType::String,
        default_value: None,
        min_length: None,
        max_length: None,
        metadata: ParameterMetadata {
            description: description.into(),
        },
    }
}

/// ARM variable holding a connection's resource name.
fn connection_variable(connection: &ConnectionUse) -> String {
    match connection.kind {
        ConnectionKind::Sentinel => "AzureSentinelConnectionName".into(),
        _ => format!("{}ConnectionName", pascal(&connection.spec_name)),
    }
}

/// The parameters soarc's template for `playbook` declares itself (not its imported
/// template parameters); ARM parameter names are case-insensitive (Learn, "Parameters in ARM
/// templates"), so compare them so.
pub fn own_parameter_names(playbook: &CompiledPlaybook, target: &PlaybookTarget) -> Vec<String> {
    let mut own = playbook.clone();
    own.template_parameters.clear();
    build(&own, target)
        .template
        .parameters
        .into_keys()
        .collect()
}

/// A ServiceNow connection parameter: the spec's text, or for `{{env.NAME}}` the template
/// parameter of that value (URLs without a trailing `/`, as the connector is given them).
fn snow_parameter(
    text: &str,
    what: &str,
    connection: &str,
    target: &PlaybookTarget,
    parameters: &mut IndexMap<String, Parameter>,
    values: &mut IndexMap<String, ParameterValue>,
) -> soarc_lang::arm::ArmString {
    match crate::env_values::reference(text) {
        Some(name) => {
            let parameter = crate::env_values::parameter(name);
            declare_env_value(name, &parameter, target, parameters, values);
            parameters[&parameter].metadata.description =
                format!("{what} `{connection}`: per-environment value `{name}`");
            ex(Expr::parameters(&parameter))
        }
        None => lit(text.trim_end_matches('/')),
    }
}

/// Template parameter `parameter` of per-environment value `name` (a string, no default:
/// each environment's parameters file sets it) and this target's value of it.
fn declare_env_value(
    name: &str,
    parameter: &str,
    target: &PlaybookTarget,
    parameters: &mut IndexMap<String, Parameter>,
    values: &mut IndexMap<String, ParameterValue>,
) {
    parameters
        .entry(parameter.to_string())
        .or_insert_with(|| Parameter {
            kind: ParameterType::String,
            default_value: None,
            min_length: Some(1),
            max_length: None,
            metadata: ParameterMetadata {
                description: format!("Per-environment value `{name}`"),
            },
        });
    // Checked for every target before generation (crate::env_values::check, SPEC135/136).
    let value = match target.values.get(name) {
        // A URL without its trailing `/`, as ServiceNow connections and links take it.
        Some(crate::spec::EnvValue::Text(value)) if crate::env_values::https_url(value) => {
            value.trim_end_matches('/').to_string()
        }
        Some(crate::spec::EnvValue::Text(value)) => value.clone(),
        // A list is only accepted as e-mail recipients (SPEC136): one `;`-separated string,
        // each address checked to hold no separator.
        Some(crate::spec::EnvValue::List(addresses)) => addresses.join(";"),
        None => return,
    };
    values.insert(
        parameter.to_string(),
        ParameterValue::Value {
            value: json!(value),
        },
    );
}

/// `snow-prod` -> `SnowProd`
fn pascal(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut chars = p.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// What a managed identity needs for the connectors soarc has typed steps for.
fn identity_role_hint(api: &str) -> &'static str {
    match api {
        "azuremonitorlogs" => "Log Analytics Reader on the workspaces it queries",
        "keyvault" => "Key Vault Secrets User on the vault",
        "arm" => "a role on the resources it reads or changes",
        "wdatp" => {
            "the WindowsDefenderATP application permissions of its operations, e.g. Machine.Isolate, as app roles"
        }
        _ => "see the connector's reference",
    }
}

/// Metadata of a playbook's template for Sentinel Repositories, whose role assignments and
/// diagnostic settings are in the separate prerequisites deployment
/// ([`super::layout::split_playbook`]): Repositories deploys the template without them, so
/// it names no role-assignment right; deploying the prerequisites is a post-deployment step.
pub fn repositories_metadata(playbook: &CompiledPlaybook) -> Metadata {
    metadata_for(playbook, false)
}

fn metadata(playbook: &CompiledPlaybook) -> Metadata {
    metadata_for(playbook, true)
}

/// `roles_in_template`: the template itself assigns the playbook's roles (the default
/// layout), so whoever deploys it needs the right to create role assignments.
fn metadata_for(playbook: &CompiledPlaybook, roles_in_template: bool) -> Metadata {
    let mut prerequisites = Vec::new();
    let mut post_deployment: Vec<String> = Vec::new();
    if !roles_in_template {
        post_deployment.push(
            "Deploy the prerequisites with az once Sentinel Repositories has deployed this playbook (prerequisites/deploy.sh, or deploy.<environment>.sh): they grant the playbook's managed identity its roles and send its run logs to the workspace, which Repositories cannot deploy; whoever runs them needs Owner or User Access Administrator where the roles are granted".into(),
        );
    }
    for connection in &playbook.connections {
        match &connection.kind {
            ConnectionKind::ServiceNow(snow) => prerequisites.push(format!(
                "ServiceNow instance {} with integration user {} (role itil); its password in Key Vault {} as secret {} (the parameters file reads it at deployment: the vault must allow template deployment, enabledForTemplateDeployment, and the deploying identity needs Microsoft.KeyVault/vaults/deploy/action on it)",
                crate::env_values::describe(&snow.instance.value), crate::env_values::describe(&snow.username.value), snow.password.key_vault.vault.value, snow.password.key_vault.secret.value
            )),
            ConnectionKind::KeyVault(kv) if roles_in_template => prerequisites.push(format!(
                "Key Vault {} holds the secrets the playbook reads at run time and uses the Azure RBAC permission model: the template grants the playbook's identity Key Vault Secrets User on it, so the deploying identity must be able to create role assignments there (for a vault with access policies, grant the identity Get on secrets instead)",
                kv.vault.value
            )),
            ConnectionKind::KeyVault(kv) => prerequisites.push(format!(
                "Key Vault {} holds the secrets the playbook reads at run time and uses the Azure RBAC permission model: the prerequisites grant the playbook's identity Key Vault Secrets User on it (for a vault with access policies, grant the identity Get on secrets instead)",
                kv.vault.value
            )),
            ConnectionKind::Office365 => prerequisites.push(format!(
                "An Office 365 Outlook mailbox for connection {}: authorise the API connection in the portal after deployment (Edit API connection, Authorize) so failure e-mails can be sent",
                connection.spec_name
            )),
            ConnectionKind::Managed(managed) if managed.managed_identity => prerequisites.push(format!(
                "Connection {} ({}) authenticates with the playbook's managed identity: after deployment, grant that identity the role the connector needs on what it calls ({})",
                connection.spec_name, managed.connection.api.value, identity_role_hint(&managed.connection.api.value)
            )),
            ConnectionKind::Managed(managed) => {
                if managed.connection.parameters.is_empty() {
                    post_deployment.push(format!(
                        "Authorize the {} connection {}: in the portal, open the API connection, Edit API connection, Authorize, and save (it is deployed unauthorised)",
                        managed.connection.api.value, connection.spec_name
                    ));
                }
            }
            ConnectionKind::Sentinel => {}
        }
    }
    if playbook.uses_sentinel() && roles_in_template {
        prerequisites.push(
            "The deploying identity can create role assignments on the Sentinel workspace (Owner or User Access Administrator)".into(),
        );
    }
    let trigger = match playbook.trigger {
        TriggerKind::Incident => "Incident trigger",
        TriggerKind::Alert => "Alert trigger",
        TriggerKind::Entity => "Entity trigger",
        TriggerKind::Recurrence => "Recurrence",
        TriggerKind::HttpRequest => "HTTP request",
        TriggerKind::Verbatim => "Trigger as imported",
    };
    // ARM evaluates a string that starts with `[` and ends with `]` (Learn, "Syntax and
    // expressions in ARM templates", Escape characters: "[[" for a literal): spec text here
    // (description, user names) is written escaped, never as an expression.
    let arm_text = |s: String| soarc_lang::arm::expr::escape_literal(&s).into_owned();
    Metadata {
        title: arm_text(playbook.name.clone()),
        description: arm_text(
            playbook
                .description
                .clone()
                .unwrap_or_else(|| format!("{trigger} playbook generated by soarc")),
        ),
        prerequisites: prerequisites.into_iter().map(arm_text).collect(),
        post_deployment: {
            if matches!(playbook.trigger, TriggerKind::Incident | TriggerKind::Alert) {
                post_deployment
                    .push("Attach the playbook to an automation rule so Sentinel runs it".into());
            }
            post_deployment.into_iter().map(arm_text).collect()
        },
        tags: vec![trigger.to_string()],
        support: Support {
            tier: "community".into(),
        },
        author: Author {
            name: "soarc".into(),
        },
        generated_by: "soarc".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use soarc_lang::arm::escape_json;

    #[test]
    fn pascal_case_names() {
        assert_eq!(pascal("snow"), "Snow");
        assert_eq!(pascal("snow-prod_eu"), "SnowProdEu");
    }

    #[test]
    fn escaped_definitions_keep_wdl_text() {
        let value = escape_json(json!({"a": "[Sentinel] x]", "b": "[not escaped", "[k]": 1}));
        assert_eq!(
            value,
            json!({"a": "[[Sentinel] x]", "b": "[not escaped", "[[k]": 1})
        );
    }
}
