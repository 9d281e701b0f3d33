//! The spec: what a SOC engineer writes (YAML or JSON), as typed serde values.
//!
//! Every type rejects unknown keys and carries doc comments, which schemars turns
//! into the descriptions of `schemas/soarc.schema.json` (editor completion).
//! Positions are kept with [`Located`] so later stages can point at the source.

pub mod automation;
pub mod connectors;
pub mod health;
pub mod load;
pub mod located;
pub mod steps;
pub mod sync;
pub mod tests;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

pub use automation::AutomationRule;
pub use connectors::*;
pub use health::*;
pub use located::Located;
pub use steps::*;
pub use tests::SpecTest;

/// A soarc spec file. Several files may be given to one build; their sections are merged
/// and names must be unique across them.
#[derive(Debug, Clone, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
#[schemars(title = "soarc spec")]
pub struct Spec {
    /// JSON Schema reference for editors (ignored by soarc).
    #[serde(rename = "$schema", default)]
    pub schema: Option<String>,
    /// Where the generated templates deploy: subscription, resource group and the Sentinel
    /// workspace. Used for parameters files and Key Vault references.
    #[serde(default)]
    pub deployment: Option<Located<Deployment>>,
    /// Named deployment targets (dev, test, prod; an MSSP's customers), each with the fields
    /// of `deployment:`. The templates stay the same for all of them; each environment gets
    /// its own parameters files (`azuredeploy.parameters.<name>.json`,
    /// `main.<name>.bicepparam`). Use either `deployment:` or `environments:`.
    #[serde(default)]
    pub environments: IndexMap<Located<String>, Located<Deployment>>,
    /// Named value tables, e.g. Sentinel severity to ServiceNow urgency.
    #[serde(default)]
    pub mappings: IndexMap<Located<String>, Located<Mapping>>,
    /// Connections to Sentinel and ticketing systems, by name.
    #[serde(default)]
    pub connections: IndexMap<Located<String>, Located<Connection>>,
    /// Logic App playbooks.
    #[serde(default)]
    pub playbooks: Vec<Located<Playbook>>,
    /// Sentinel automation rules: which playbook runs for which incident or alert.
    #[serde(default)]
    pub automation_rules: Vec<Located<AutomationRule>>,
    /// Status sync with ServiceNow and Jira: generates the playbooks and automation rules
    /// that close Sentinel incidents when their ticket is resolved, and the other way round.
    #[serde(default)]
    pub sync: Option<Located<sync::Sync>>,
    /// Retry policy and failure handling for every playbook (each may override them).
    #[serde(default)]
    pub defaults: Option<Located<Defaults>>,
    /// Playbook health monitoring: a workbook and a failure alert (`OUT/monitoring/`).
    #[serde(default)]
    pub monitoring: Option<Located<Monitoring>>,
    /// Tests of the playbooks, run offline in soarc's simulator by `soarc test`: a trigger
    /// payload, mocked answers of the services, and what the run must have done.
    #[serde(default)]
    pub tests: Vec<Located<SpecTest>>,
}

impl Spec {
    /// Every deployment target: the environments, or the one `deployment:`; with the
    /// environment's name. Checks of what the compiled workflow takes from a target (the
    /// workflow is the same for all) look at each of them.
    pub fn deployments(&self) -> Vec<(Option<&str>, &Located<Deployment>)> {
        if self.environments.is_empty() {
            self.deployment.iter().map(|d| (None, d)).collect()
        } else {
            self.environments
                .iter()
                .map(|(name, d)| (Some(name.value.as_str()), d))
                .collect()
        }
    }
}

/// Deployment target of the generated templates.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// Subscription id (GUID) of the playbooks' resource group. Needed to reference Key Vault
    /// secrets from parameters files.
    #[serde(default)]
    pub subscription_id: Option<Located<String>>,
    /// Resource group the playbooks are deployed to (`az deployment group create -g ...`).
    #[serde(default)]
    pub resource_group: Option<Located<String>>,
    /// The Log Analytics workspace that runs Microsoft Sentinel.
    pub workspace: Located<Workspace>,
    /// Object id (GUID) of the *Azure Security Insights* service principal in your tenant,
    /// which Sentinel uses to run playbooks from automation rules. Find it with
    /// `az ad sp show --id 98785600-1bb7-4fb9-b9fa-19afe2c8a360 --query id -o tsv`.
    /// Written into the automation rules' parameters files; without it, pass
    /// `SecurityInsightsObjectId` at deployment time (SPEC073).
    #[serde(default)]
    pub security_insights_object_id: Option<Located<String>>,
    /// Whether the automation rules' deployment grants *Azure Security Insights* the
    /// Microsoft Sentinel Automation Contributor role on the playbooks' resource group
    /// (default `true`). Set `false` when that role was already granted, e.g. through the
    /// portal's "Manage playbook permissions": Azure rejects a second identical assignment
    /// (`RoleAssignmentExists`).
    #[serde(default)]
    pub grant_playbook_runner_role: Option<Located<bool>>,
    /// Key Vaults of this target by the name the spec's connections use: e.g.
    /// `{ kv-soc: kv-soc-prod }` deploys with secrets and roles on `kv-soc-prod`. Only the
    /// parameters files change; the templates keep the spec's name as default.
    #[serde(default)]
    pub key_vaults: IndexMap<Located<String>, Located<String>>,
    /// Values that differ between targets, by name: e.g. `{ snow_instance:
    /// https://contoso-test.service-now.com, alert_emails: [soc-test@contoso.com] }`. The
    /// spec refers to one with `"{{env.snow_instance}}"`: as the whole of a ServiceNow
    /// connection's `instance` or `username`, a Jira connection's `site`, `email` or
    /// `base_url`, or an item of `monitoring.alert.emails` or `on_failure.email.to`,
    /// and in any step text (a Jira `project`, a summary). Each becomes a template parameter
    /// (`EnvSnowInstance`) that this target's parameters files set; every environment must
    /// give every value used, and each is checked against what its place accepts (an https
    /// URL, e-mail addresses, a Jira project key).
    #[serde(default)]
    pub values: IndexMap<Located<String>, Located<EnvValue>>,
}

/// A per-environment value: text, or a list of texts (e-mail recipients).
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum EnvValue {
    Text(String),
    List(Vec<String>),
}

/// The Sentinel (Log Analytics) workspace.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Workspace {
    /// Workspace name.
    pub name: Located<String>,
    /// Its resource group, when it differs from the playbooks' resource group.
    #[serde(default)]
    pub resource_group: Option<Located<String>>,
    /// The workspace ID (GUID, "Workspace ID" on the workspace's overview page). Sentinel
    /// Repositories names per-workspace parameters files and `sentinel-deployment.config`
    /// mappings by it; needed by `soarc build --layout repositories`.
    #[serde(default)]
    pub id: Option<Located<String>>,
}

/// A named value table. `from` is an enumerated field (e.g. `incident.severity`); `values`
/// maps each of its values to the target system's value. A mapping must cover every value
/// of its source unless it has a `default`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// The reference the value is taken from, e.g. `incident.severity` or `incident.status`.
    pub from: Located<String>,
    /// Source value to target value, e.g. `{ High: "1", Medium: "2" }`.
    pub values: IndexMap<Located<String>, Located<Scalar>>,
    /// Value for source values not listed in `values`.
    #[serde(default)]
    pub default: Option<Located<Scalar>>,
}

/// A YAML scalar used as a target value: text, number or boolean.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

impl Scalar {
    /// The value as the target API receives it in a string field.
    pub fn as_text(&self) -> String {
        match self {
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Text(s) => s.clone(),
        }
    }
}

/// A connection to a service. The Sentinel connection (managed identity) exists implicitly
/// under the name `sentinel`; declare it only to rename it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(tag = "kind", deny_unknown_fields)]
pub enum Connection {
    /// Microsoft Sentinel through the `azuresentinel` managed API, authenticated with the
    /// playbook's system-assigned managed identity.
    #[serde(rename = "sentinel")]
    Sentinel {
        /// Retry policy of this connection's actions.
        #[serde(default)]
        retry: Option<Located<Retry>>,
    },
    /// ServiceNow through the `service-now` managed API with basic authentication.
    #[serde(rename = "servicenow")]
    ServiceNow(ServiceNowConnection),
    /// Jira Cloud (`https://<site>.atlassian.net`) through its REST API v3 with an Http
    /// action: basic authentication with the account's email and an API token, read from
    /// Key Vault at run time by the playbook's managed identity.
    #[serde(rename = "jira-cloud")]
    JiraCloud(JiraCloudConnection),
    /// Jira Data Center / Server through its REST API v2 with an Http action: a personal
    /// access token (Bearer), read from Key Vault at run time by the playbook's managed identity.
    #[serde(rename = "jira-data-center")]
    JiraDataCenter(JiraDataCenterConnection),
    /// Office 365 Outlook through the `office365` managed API (OAuth: authorise the
    /// connection in the portal after deployment). Used by `on_failure.email`.
    #[serde(rename = "office365")]
    Office365(Office365Connection),
    /// Any Logic Apps managed connector by its API name (`api: teams`, `wdatp`, `azuread`,
    /// `azuremonitorlogs`, ...), with managed identity where the connector supports it and
    /// OAuth (authorised in the portal after deployment) otherwise.
    #[serde(rename = "managed")]
    Managed(ManagedConnection),
}

impl Connection {
    pub fn kind_name(&self) -> &'static str {
        match self {
            Connection::Sentinel { .. } => "sentinel",
            Connection::ServiceNow(_) => "servicenow",
            Connection::JiraCloud(_) => "jira-cloud",
            Connection::JiraDataCenter(_) => "jira-data-center",
            Connection::Office365(_) => "office365",
            Connection::Managed(_) => "managed",
        }
    }

    /// The Key Vault secret the connection authenticates with, if any, and its key.
    pub fn secret(&self) -> Option<(&'static str, &Located<Secret>)> {
        match self {
            Connection::ServiceNow(c) => Some(("password", &c.password)),
            Connection::JiraCloud(c) => Some(("api_token", &c.api_token)),
            Connection::JiraDataCenter(c) => {
                Some(("personal_access_token", &c.personal_access_token))
            }
            Connection::Sentinel { .. } | Connection::Office365(_) | Connection::Managed(_) => None,
        }
    }

    /// The retry policy set on the connection, if any.
    pub fn retry(&self) -> Option<&Located<Retry>> {
        match self {
            Connection::Sentinel { retry } => retry.as_ref(),
            Connection::ServiceNow(c) => c.retry.as_ref(),
            Connection::JiraCloud(c) => c.retry.as_ref(),
            Connection::JiraDataCenter(c) => c.retry.as_ref(),
            Connection::Office365(c) => c.retry.as_ref(),
            Connection::Managed(c) => c.retry.as_ref(),
        }
    }
}

/// An Office 365 Outlook mailbox (the account that authorises the connection sends).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Office365Connection {
    /// Retry policy of this connection's actions.
    #[serde(default)]
    pub retry: Option<Located<Retry>>,
}

/// A Jira Cloud site and the account the playbook acts as.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JiraCloudConnection {
    /// Site URL, e.g. `https://contoso.atlassian.net`.
    pub site: Located<String>,
    /// Email of the Atlassian account that owns the API token, e.g. `sentinel-bot@contoso.com`.
    pub email: Located<String>,
    /// The account's API token (id.atlassian.com, Security, API tokens), in Key Vault. The
    /// playbook reads it at run time with the `keyvault` connector (managed identity); it is
    /// never a template or workflow parameter.
    pub api_token: Located<Secret>,
    /// Retry policy of this connection's actions (overrides `defaults.retry`).
    #[serde(default)]
    pub retry: Option<Located<Retry>>,
}

/// A Jira Data Center (or Server) instance and a personal access token.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JiraDataCenterConnection {
    /// Base URL, e.g. `https://jira.contoso.com` (with the context path if any).
    pub base_url: Located<String>,
    /// A personal access token (Profile, Personal Access Tokens), in Key Vault; read at run
    /// time by the playbook's managed identity and sent as `Authorization: Bearer`.
    pub personal_access_token: Located<Secret>,
    /// Retry policy of this connection's actions (overrides `defaults.retry`).
    #[serde(default)]
    pub retry: Option<Located<Retry>>,
}

/// ServiceNow instance and service account.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceNowConnection {
    /// Instance URL, e.g. `https://contoso.service-now.com`, or `"{{env.NAME}}"` for an
    /// instance per environment (`values:` of each environment; an https URL).
    pub instance: Located<String>,
    /// The integration account (needs the `itil` role), e.g. `sentinel.integration`, or
    /// `"{{env.NAME}}"` for an account per environment.
    pub username: Located<String>,
    /// The account's password, from Key Vault.
    pub password: Located<Secret>,
    /// Retry policy of this connection's actions (overrides `defaults.retry`).
    #[serde(default)]
    pub retry: Option<Located<Retry>>,
}

/// A secret. soarc never puts secret values in templates: they come from Key Vault at
/// deployment time (parameters file reference). A plain value here is refused by the loader
/// (SPEC086) without being repeated.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Secret {
    /// The Key Vault secret.
    pub key_vault: KeyVaultSecret,
}

/// A secret in Azure Key Vault.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyVaultSecret {
    /// Vault name, e.g. `kv-soc`.
    pub vault: Located<String>,
    /// Secret name, e.g. `snow-password`.
    pub secret: Located<String>,
    /// Resource group of the vault; defaults to `deployment.resource_group`.
    #[serde(default)]
    pub resource_group: Option<Located<String>>,
    /// Subscription of the vault; defaults to `deployment.subscription_id`.
    #[serde(default)]
    pub subscription_id: Option<Located<String>>,
}

/// A Logic App playbook: a trigger and the steps it runs.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    /// Playbook name: lowercase letters, digits and dashes, at most 64 characters. It names
    /// the output folder and is the default Logic App name.
    pub name: Located<String>,
    /// What the playbook does; goes into the template metadata.
    #[serde(default)]
    pub description: Option<String>,
    /// What starts a run.
    pub trigger: Located<Trigger>,
    /// Variables, initialised at the start of the run (Logic Apps requires this at top level).
    #[serde(default)]
    pub variables: IndexMap<Located<String>, Located<VariableDecl>>,
    /// The steps, run in order.
    pub steps: Vec<Located<Step>>,
    /// Azure tags on the Logic App resource.
    #[serde(default)]
    pub tags: IndexMap<String, String>,
    /// Retry policy of the playbook's outbound actions (overrides `defaults.retry`).
    #[serde(default)]
    pub retry: Option<Located<Retry>>,
    /// What the playbook does when a run fails (overrides `defaults.on_failure`).
    #[serde(default)]
    pub on_failure: Option<Located<OnFailure>>,
    /// Build the playbook as the workflow `soarc import` read it was written (see
    /// `docs/import.md`): no retry policies and no failure-handling scope from soarc
    /// (`defaults:` do not apply; `retry:` and `on_failure:` written on the playbook or a step
    /// still do), action names kept as written, and the trigger name, definition parameters,
    /// outputs and `runAfter` given here.
    #[serde(default)]
    // Boxed: few playbooks have it, and every playbook would carry its size (issue #12).
    pub as_imported: Option<Box<Located<AsImported>>>,
}

/// What a playbook imported by `soarc import` keeps from the original workflow.
#[derive(Debug, Clone, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AsImported {
    /// The trigger's name in the workflow (default: soarc's name for the trigger kind).
    #[serde(default)]
    pub trigger_name: Option<Located<String>>,
    /// The definition's parameters as written (`$connections` included), each
    /// `{ type, defaultValue, metadata }`; they replace those soarc would declare.
    #[serde(default)]
    pub parameters: IndexMap<String, Located<serde_json::Value>>,
    /// The definition's `outputs` as written.
    #[serde(default)]
    pub outputs: IndexMap<String, serde_json::Value>,
    /// `runAfter` of the actions that do not simply run after the previous step succeeded,
    /// by action name, as written (`{ Previous: [Succeeded, Failed] }`; `{}` for an action
    /// that starts with the run or its block). An action nested in a step (`if`, `foreach`,
    /// ...) may only run after actions of the same block.
    #[serde(default)]
    pub run_after:
        IndexMap<Located<String>, IndexMap<String, Vec<soarc_lang::wdl::RunAfterStatus>>>,
    /// Parameters of the original template whose value only the deployment gives, by name:
    /// they stay parameters of the template soarc generates (same name and type, no value),
    /// for the deployment values (`{ $arm: "parameters('<name>')" }`) of the playbook to use.
    #[serde(default)]
    pub template_parameters: IndexMap<String, Located<TemplateParameter>>,
    /// The `description` of actions written as typed steps, by action name (top-level or
    /// nested), as written in the original (a step has no description of its own).
    #[serde(default)]
    pub descriptions: IndexMap<Located<String>, String>,
}

/// A parameter of the playbook's ARM template, declared by `soarc import` for a value of the
/// original template that only the deployment gives.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateParameter {
    /// The ARM parameter type.
    #[serde(rename = "type")]
    pub kind: soarc_lang::arm::ParameterType,
    /// What the parameter is (the original template's description).
    #[serde(default)]
    pub description: Option<String>,
}

/// What starts a playbook run.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum Trigger {
    /// Microsoft Sentinel incident trigger: runs when an automation rule runs the playbook
    /// for an incident (created or updated). References: `{{incident.*}}`.
    Incident,
    /// Microsoft Sentinel alert trigger. References: `{{alert.*}}`.
    Alert,
    /// Microsoft Sentinel entity trigger (run manually on an entity). References: `{{entity.*}}`.
    Entity {
        /// Entity type the playbook runs on.
        kind: EntityKind,
    },
    /// Runs on a schedule.
    Recurrence {
        /// Unit of the interval.
        frequency: Frequency,
        /// Number of units between runs (1 or more).
        interval: u32,
        /// One run at a time (trigger concurrency 1): a run that is due while the previous
        /// one still runs waits for it. Used by the status sync pollers, whose runs must not
        /// overlap.
        #[serde(default)]
        single_instance: bool,
    },
    /// Runs when an HTTP request is posted to the Logic App's callback URL.
    /// References: `{{request.body.*}}`.
    HttpRequest {
        /// Optional JSON Schema of the request body.
        #[serde(default)]
        schema: Option<serde_json::Value>,
    },
    /// A trigger exactly as a workflow definition has it (`type`, `inputs`, ...), for
    /// triggers no other kind expresses; `soarc import` writes it. No `{{...}}` references
    /// to its payload: steps read it with expressions (`@triggerBody()`). The `$connections`
    /// entries it names are connections of the spec.
    Verbatim(serde_json::Map<String, serde_json::Value>),
}

/// Entity types of the Sentinel entity trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    Account,
    Host,
    Ip,
    Url,
    Filehash,
}

impl EntityKind {
    /// The entity name in the Sentinel entity trigger's path.
    pub fn trigger_name(self) -> &'static str {
        match self {
            EntityKind::Account => "Account",
            EntityKind::Host => "Host",
            EntityKind::Ip => "IP",
            EntityKind::Url => "URL",
            EntityKind::Filehash => "FileHash",
        }
    }
}

/// Recurrence units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum Frequency {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
}

/// A workflow variable.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VariableDecl {
    /// Variable type.
    #[serde(rename = "type")]
    pub kind: VariableType,
    /// Initial value; text may use `{{...}}` references.
    #[serde(default, rename = "value")]
    pub initial: Option<serde_json::Value>,
}

/// Types of workflow variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum VariableType {
    String,
    Integer,
    Float,
    Boolean,
    Array,
    Object,
}

impl VariableType {
    /// The workflow's name for the type.
    pub fn wdl(self) -> soarc_lang::wdl::VariableType {
        use soarc_lang::wdl::VariableType as Wdl;
        match self {
            VariableType::String => Wdl::String,
            VariableType::Integer => Wdl::Integer,
            VariableType::Float => Wdl::Float,
            VariableType::Boolean => Wdl::Boolean,
            VariableType::Array => Wdl::Array,
            VariableType::Object => Wdl::Object,
        }
    }
}
