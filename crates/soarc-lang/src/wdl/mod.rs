//! Typed Logic Apps Workflow Definition Language (schema 2016-06-01).
//!
//! Workflow JSON is produced by serializing these types; expressions inside string
//! values are built as [`expr::Template`] ASTs and printed. The same types read
//! workflow JSON back for the schema check of `build`.

pub mod expr;
pub mod functions;
pub mod names;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

pub use expr::{Expr, Part, Template};
pub use names::{Case, HttpMethod, Name, RequestKind, RunStatus, Spelled, VariableType};

/// `$schema` of a workflow definition.
pub const SCHEMA_URL: &str = "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#";

/// A Logic Apps workflow definition (`properties.definition` of `Microsoft.Logic/workflows`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "Logic Apps workflow definition (as soarc generates it)")]
pub struct Definition {
    #[serde(rename = "$schema")]
    pub schema: String,
    #[serde(rename = "contentVersion")]
    pub content_version: String,
    /// Workflow parameters; `$connections` carries the API connections.
    #[serde(default)]
    pub parameters: IndexMap<String, ParameterDecl>,
    pub triggers: IndexMap<String, Trigger>,
    pub actions: IndexMap<String, Action>,
    #[serde(default)]
    pub outputs: IndexMap<String, Value>,
}

/// A workflow parameter declaration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ParameterDecl {
    #[serde(rename = "type")]
    pub kind: ParameterType,
    #[serde(
        rename = "defaultValue",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub default_value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<ParameterMetadata>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ParameterMetadata {
    pub description: String,
}

/// Parameter types. Logic Apps reads them case-insensitively; soarc writes PascalCase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ParameterType {
    String,
    SecureString,
    Int,
    Float,
    Bool,
    Array,
    Object,
    SecureObject,
}

/// A trigger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Trigger {
    #[serde(flatten)]
    pub kind: TriggerKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(
        rename = "runtimeConfiguration",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub runtime_configuration: Option<TriggerRuntimeConfiguration>,
}

/// `runtimeConfiguration` of a trigger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TriggerRuntimeConfiguration {
    pub concurrency: TriggerConcurrency,
}

/// Trigger concurrency: at most `runs` workflow instances at a time (`1`: a run starts only
/// when the previous one has finished; later trigger events wait).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TriggerConcurrency {
    pub runs: u32,
}

/// Trigger types soarc generates.
// A definition has one trigger: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type")]
pub enum TriggerKind {
    /// Managed-connector webhook (the Sentinel incident, alert and entity triggers).
    ApiConnectionWebhook {
        inputs: ApiConnectionInputs,
    },
    Recurrence {
        recurrence: Recurrence,
    },
    /// HTTP request trigger (`kind: Http`).
    Request {
        kind: Spelled<RequestKind>,
        inputs: RequestInputs,
    },
    /// Any other trigger, kept as written (an imported playbook's `trigger: { verbatim }`):
    /// `type`, `inputs` and every other key except `description` and
    /// `runtimeConfiguration`, which [`Trigger`] holds. Read only when no variant above
    /// matches.
    #[serde(untagged)]
    Verbatim(serde_json::Map<String, Value>),
}

/// `recurrence` of a Recurrence trigger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Recurrence {
    #[schemars(with = "String")]
    pub frequency: Frequency,
    pub interval: u32,
}

/// The unit of a recurrence's interval: `Second`, `Minute`, `Hour`, `Day`, `Week` or
/// `Month` (Learn, "Schema reference for trigger and action types", Recurrence trigger:
/// https://learn.microsoft.com/azure/logic-apps/logic-apps-workflow-actions-triggers#recurrence-trigger).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Frequency {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
}

/// Inputs of the HTTP request trigger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RequestInputs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<Spelled<HttpMethod>>,
    pub schema: Value,
}

/// Inputs of ApiConnection actions and ApiConnectionWebhook triggers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApiConnectionInputs {
    pub host: Host,
    /// The operation's method; soarc writes it in lowercase, as the designer does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<Spelled<HttpMethod>>,
    /// The operation's path, with its parameters as expressions.
    #[schemars(with = "String")]
    pub path: Template,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queries: Option<IndexMap<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Request headers of the operation (boxed: rarely set, keeps triggers small).
    pub headers: Option<Box<IndexMap<String, Value>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    #[serde(
        rename = "retryPolicy",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub retry_policy: Option<RetryPolicy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Host {
    pub connection: HostConnection,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HostConnection {
    /// `@parameters('$connections')['name']['connectionId']`
    #[schemars(with = "String")]
    pub name: Template,
}

impl Host {
    /// The host block that points at the `$connections` entry `key`.
    pub fn connection(key: &str) -> Host {
        let expr = Expr::call("parameters", vec![Expr::str("$connections")])
            .at(key)
            .at("connectionId");
        Host {
            connection: HostConnection {
                name: Template::Expr(expr),
            },
        }
    }
}

/// Retry policy of an outbound action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RetryPolicy {
    #[serde(rename = "type")]
    #[schemars(with = "String")]
    pub kind: RetryKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    #[serde(
        rename = "minimumInterval",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub minimum_interval: Option<String>,
    #[serde(
        rename = "maximumInterval",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub maximum_interval: Option<String>,
}

/// The type of a retry policy (Learn, "Handle errors and exceptions in Azure Logic Apps",
/// retry policies: https://learn.microsoft.com/azure/logic-apps/error-exception-handling#retry-policies).
/// Written in lower case, as the designer writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RetryKind {
    /// No retries.
    None,
    /// `count` retries, `interval` apart.
    Fixed,
    /// `count` retries with exponentially growing, randomised waits between
    /// `minimumInterval` and `maximumInterval`.
    Exponential,
}

/// Statuses a `runAfter` entry waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum RunAfterStatus {
    Succeeded,
    Failed,
    Skipped,
    TimedOut,
}

impl RunAfterStatus {
    /// The status as a definition spells it (its serialized form).
    pub fn as_str(self) -> &'static str {
        match self {
            RunAfterStatus::Succeeded => "Succeeded",
            RunAfterStatus::Failed => "Failed",
            RunAfterStatus::Skipped => "Skipped",
            RunAfterStatus::TimedOut => "TimedOut",
        }
    }
}

/// An action with its position in the run graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Action {
    #[serde(flatten)]
    pub kind: ActionKind,
    #[serde(rename = "runAfter", default)]
    pub run_after: IndexMap<String, Vec<RunAfterStatus>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(
        rename = "runtimeConfiguration",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub runtime_configuration: Option<RuntimeConfiguration>,
}

/// Action types soarc generates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type")]
pub enum ActionKind {
    ApiConnection {
        inputs: ApiConnectionInputs,
    },
    Http {
        inputs: HttpInputs,
    },
    Compose {
        inputs: Value,
    },
    InitializeVariable {
        inputs: InitializeVariableInputs,
    },
    SetVariable {
        inputs: VariableInputs,
    },
    AppendToStringVariable {
        inputs: VariableInputs,
    },
    AppendToArrayVariable {
        inputs: VariableInputs,
    },
    Foreach {
        // The array to loop over (an `@...` expression).
        #[schemars(with = "String")]
        foreach: Template,
        actions: IndexMap<String, Action>,
    },
    If {
        expression: Value,
        actions: IndexMap<String, Action>,
        #[serde(rename = "else", default, skip_serializing_if = "Option::is_none")]
        otherwise: Option<Branch>,
    },
    Switch {
        // The value the cases are compared with.
        #[schemars(with = "String")]
        expression: Template,
        cases: IndexMap<String, SwitchCase>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default: Option<Branch>,
    },
    Scope {
        actions: IndexMap<String, Action>,
    },
    /// Repeat the actions until the expression holds (checked after each iteration).
    Until {
        #[schemars(with = "String")]
        expression: Template,
        limit: UntilLimit,
        actions: IndexMap<String, Action>,
    },
    /// Filter an array (the designer's "Filter array").
    Query {
        inputs: QueryInputs,
    },
    Terminate {
        inputs: TerminateInputs,
    },
    /// Any other action, kept as written (the spec's `action` step): `type`, `inputs` and
    /// every other key except `runAfter`, `description` and `runtimeConfiguration`, which
    /// [`Action`] holds. Read only when no typed variant matches.
    #[serde(untagged)]
    Verbatim(serde_json::Map<String, Value>),
}

impl ActionKind {
    /// Nested action lists (branches, loop bodies), for walking the graph.
    pub fn children(&self) -> Vec<&IndexMap<String, Action>> {
        match self {
            ActionKind::Foreach { actions, .. }
            | ActionKind::Scope { actions }
            | ActionKind::Until { actions, .. } => vec![actions],
            ActionKind::If {
                actions, otherwise, ..
            } => {
                let mut all = vec![actions];
                all.extend(otherwise.iter().map(|b| &b.actions));
                all
            }
            ActionKind::Switch { cases, default, .. } => {
                let mut all: Vec<_> = cases.values().map(|c| &c.actions).collect();
                all.extend(default.iter().map(|b| &b.actions));
                all
            }
            _ => Vec::new(),
        }
    }

    /// Nested action lists, mutable.
    pub fn children_mut(&mut self) -> Vec<&mut IndexMap<String, Action>> {
        match self {
            ActionKind::Foreach { actions, .. }
            | ActionKind::Scope { actions }
            | ActionKind::Until { actions, .. } => vec![actions],
            ActionKind::If {
                actions, otherwise, ..
            } => {
                let mut all = vec![actions];
                all.extend(otherwise.iter_mut().map(|b| &mut b.actions));
                all
            }
            ActionKind::Switch { cases, default, .. } => {
                let mut all: Vec<_> = cases.values_mut().map(|c| &mut c.actions).collect();
                all.extend(default.iter_mut().map(|b| &mut b.actions));
                all
            }
            _ => Vec::new(),
        }
    }
}

/// Remove the action `name` wherever it is nested; whether it was found.
pub fn remove_action(actions: &mut IndexMap<String, Action>, name: &str) -> bool {
    if actions.shift_remove(name).is_some() {
        return true;
    }
    actions.values_mut().any(|a| {
        a.kind
            .children_mut()
            .into_iter()
            .any(|c| remove_action(c, name))
    })
}

/// Bounds of an Until loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UntilLimit {
    pub count: u32,
    /// ISO 8601 duration, e.g. `PT1H`.
    pub timeout: String,
}

/// Inputs of the Query ("Filter array") action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct QueryInputs {
    /// The array, e.g. `@result('Main')`.
    pub from: Value,
    /// Condition on `item()`, e.g. `@equals(item()?['status'], 'Failed')`.
    #[serde(rename = "where")]
    #[schemars(with = "String")]
    pub condition: Template,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Branch {
    pub actions: IndexMap<String, Action>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SwitchCase {
    pub case: String,
    pub actions: IndexMap<String, Action>,
}

/// Inputs of the Http action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HttpInputs {
    pub method: Spelled<HttpMethod>,
    #[schemars(with = "String")]
    pub uri: Template,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, String>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub queries: IndexMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<Value>,
    #[serde(
        rename = "retryPolicy",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub retry_policy: Option<RetryPolicy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InitializeVariableInputs {
    pub variables: Vec<VariableDeclaration>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VariableDeclaration {
    pub name: String,
    /// `String`, `Integer`, `Float`, `Boolean`, `Array` or `Object` (any case at run time).
    #[serde(rename = "type")]
    pub kind: Spelled<VariableType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VariableInputs {
    pub name: String,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TerminateInputs {
    #[serde(rename = "runStatus")]
    pub run_status: Spelled<RunStatus>,
    #[serde(rename = "runError", default, skip_serializing_if = "Option::is_none")]
    pub run_error: Option<RunError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunError {
    #[schemars(with = "String")]
    pub message: Template,
}

/// `runtimeConfiguration` of an action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RuntimeConfiguration {
    #[serde(
        rename = "secureData",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub secure_data: Option<SecureData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<Concurrency>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SecureData {
    /// `inputs` and/or `outputs`.
    pub properties: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Concurrency {
    pub repetitions: u32,
}

impl Definition {
    /// Every action, depth first, with its name.
    pub fn all_actions(&self) -> Vec<(&str, &Action)> {
        fn walk<'a>(actions: &'a IndexMap<String, Action>, out: &mut Vec<(&'a str, &'a Action)>) {
            for (name, action) in actions {
                out.push((name, action));
                for child in action.kind.children() {
                    walk(child, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.actions, &mut out);
        out
    }
}

/// A JSON string value of a definition is written as Logic Apps reads it
/// ([`Template::to_wdl_string`]) and read back with [`Template::parse`].
impl Serialize for Template {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Straight into the serializer's output: `serde_json` escapes it as it is written.
        serializer.collect_str(&self.wdl())
    }
}

impl<'de> Deserialize<'de> for Template {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Template::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::RunAfterStatus;

    #[test]
    fn run_after_status_names_are_their_serialized_form() {
        for status in [
            RunAfterStatus::Succeeded,
            RunAfterStatus::Failed,
            RunAfterStatus::Skipped,
            RunAfterStatus::TimedOut,
        ] {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }
}
