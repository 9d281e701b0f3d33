//! Any managed connector (issue #16): the `managed` connection kind, the generic
//! `connector` step calling one operation of a connection, the typed steps for the
//! operations real playbooks use most, and the `action` escape hatch (one verbatim workflow
//! action). The exact shapes, with examples, are in `docs/connectors.md`.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{HttpMethod, Located, Retry, Scalar, Secret};

/// A connection to any Azure Logic Apps managed connector (a managed API,
/// `Microsoft.Web/locations/{location}/managedApis/{api}`), e.g.
/// `{ kind: managed, api: teams }` or `{ kind: managed, api: wdatp }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(example = managed_example())]
pub struct ManagedConnection {
    /// The managed API's name as Azure spells it, the last segment of its id: `office365`,
    /// `teams`, `azuread`, `wdatp`, `azuremonitorlogs`, `keyvault`, `arm`, `virustotal`...
    /// Lowercase letters, digits and dashes.
    pub api: Located<String>,
    /// How the connection authenticates. Default: `managed_identity` for the APIs that
    /// support the playbook's system-assigned identity (`azuremonitorlogs`, `wdatp`,
    /// `keyvault`, `arm`, ...), `oauth` for the others (`office365`, `teams`, `azuread`...):
    /// an OAuth connection is deployed unauthorised and must be authorised once in the
    /// portal (Edit API connection, Authorize); the template's metadata says so.
    #[serde(default)]
    pub authentication: Option<Located<ManagedAuthentication>>,
    /// The connection's parameters (`parameterValues`), for connectors that take them at
    /// creation, e.g. an API key: `{ api_key: { key_vault: { vault: kv-soc, secret: vt-key } } }`.
    /// A Key Vault value becomes a `securestring` template parameter that the parameters
    /// file reads from the vault at deployment.
    #[serde(default)]
    pub parameters: IndexMap<Located<String>, Located<ConnectionParameter>>,
    /// Retry policy of this connection's actions (overrides `defaults.retry`).
    #[serde(default)]
    pub retry: Option<Located<Retry>>,
    /// `api` is a custom connector (a `Microsoft.Web/customApis` resource of that name in
    /// the playbook's resource group, deployed separately, as a solution's connector
    /// template does), not a managed API. soarc creates the connection to it; authorise
    /// it (or give its API key) in the portal after deployment.
    #[serde(default)]
    pub custom_connector: bool,
}

fn managed_example() -> serde_json::Value {
    serde_json::json!({ "kind": "managed", "api": "wdatp" })
}

/// How a managed connection authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ManagedAuthentication {
    /// The playbook's system-assigned managed identity (`parameterValueType: Alternative`);
    /// grant the identity its role on the target yourself.
    ManagedIdentity,
    /// A user's OAuth consent, given in the portal after deployment.
    Oauth,
}

/// A connection parameter: a value, or a secret from Key Vault.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ConnectionParameter {
    /// A secret, e.g. `{ key_vault: { vault: kv-soc, secret: vt-key } }`.
    Secret(Secret),
    /// A plain value.
    Value(Scalar),
}

/// `connector`: call one operation of a managed connection, as the designer's
/// `ApiConnection` action does: `method`, `path` (relative to the connector), `queries`,
/// `headers`, `body`. Text may contain `{{...}}` references; a reference in `path` is
/// written `encodeURIComponent(...)`. Outputs: `{{id.body}}`, `{{id.status}}`,
/// `{{id.headers}}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(example = connector_example())]
pub struct ConnectorStep {
    /// Name later steps use to refer to the outputs: `{{hunt.body.value}}`.
    #[serde(default)]
    pub id: Option<Located<String>>,
    /// Action name in the Logic App (default: `Call_<connection>`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// A connection of any managed API (`kind: managed`, `office365`, `servicenow`, `sentinel`).
    pub connection: Located<String>,
    /// HTTP method of the operation: `get`, `post`, `put`, `patch`, `delete` (either case;
    /// written lower case, as the designer writes it).
    #[schemars(schema_with = "method_schema")]
    pub method: HttpMethod,
    /// The operation's path, e.g. `/v1.0/users/{{entity.aadUserId}}/revokeSignInSessions`.
    pub path: Located<String>,
    /// Query parameters; values may contain references.
    #[serde(default)]
    pub queries: IndexMap<String, Located<serde_json::Value>>,
    /// Request headers; values may contain references.
    #[serde(default)]
    pub headers: IndexMap<String, Located<String>>,
    /// Body: any JSON value (text for operations that take text, e.g. a KQL query).
    #[serde(default)]
    pub body: Option<Located<serde_json::Value>>,
    /// Hide inputs and outputs from run history (secureData).
    #[serde(default)]
    pub secure: bool,
    /// Retry policy of this step's calls (overrides the connection's, the playbook's and
    /// `defaults.retry`).
    #[serde(default)]
    pub retry: Option<Located<Retry>>,
}

fn method_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "string",
        "enum": ["get", "post", "put", "patch", "delete", "GET", "POST", "PUT", "PATCH", "DELETE"]
    })
}

fn connector_example() -> serde_json::Value {
    serde_json::json!({
        "id": "revoke",
        "connection": "entra",
        "method": "post",
        "path": "/v1.0/users/{{entity.aadUserId}}/revokeSignInSessions"
    })
}

/// `action`: the escape hatch, one workflow action written as Logic Apps has it (the
/// designer's code view), for what no typed step covers. soarc sequences it (`runAfter`:
/// leave it out), checks its expressions and the whole workflow with the validator, and
/// wires the connections it names: `@parameters('$connections')['<connection>']['connectionId']`
/// names a connection of the spec (`azuresentinel` is the implicit Sentinel one). Strings
/// are Logic Apps text: `@` starts an expression; `{{...}}` in the literal text of a string
/// is a soarc reference. Outputs: `{{id.body}}`, `{{id.outputs}}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(example = action_example())]
pub struct VerbatimStep {
    /// The action's name in the Logic App (required: other expressions name it).
    pub name: Located<String>,
    /// Name later steps use to refer to the outputs: `{{parsed.body.id}}`.
    #[serde(default)]
    pub id: Option<Located<String>>,
    /// The action without `runAfter`: `type`, `inputs` and whatever else its type takes
    /// (`runtimeConfiguration`, nested `actions`, ...).
    pub definition: Located<serde_json::Value>,
}

fn action_example() -> serde_json::Value {
    serde_json::json!({
        "name": "Parse_alert",
        "id": "parsed",
        "definition": {
            "type": "ParseJson",
            "inputs": {
                "content": "@triggerBody()?['object']?['properties']",
                "schema": { "type": "object" }
            }
        }
    })
}

/// `office365.send_email`: Office 365 Outlook's "Send an email (V2)" (`POST /v2/Mail`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendEmail {
    #[serde(default)]
    pub id: Option<Located<String>>,
    /// Action name (default: `Send_an_email`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// An `office365` connection (`kind: office365`, or `kind: managed` with `api: office365`).
    pub connection: Located<String>,
    /// Recipients: addresses or references.
    pub to: Vec<Located<String>>,
    #[serde(default)]
    pub cc: Vec<Located<String>>,
    #[serde(default)]
    pub bcc: Vec<Located<String>>,
    /// Subject; may contain references.
    pub subject: Located<String>,
    /// HTML body; references are HTML-escaped.
    pub body: Located<String>,
    /// `Low`, `Normal` (default) or `High`.
    #[serde(default)]
    pub importance: Option<Importance>,
    #[serde(default)]
    pub retry: Option<Located<Retry>>,
}

/// E-mail importance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum Importance {
    Low,
    Normal,
    High,
}

/// `teams.post_message`: Microsoft Teams' "Post a message (V3)" to a channel
/// (`POST /v3/beta/teams/{team}/channels/{channel}/messages`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamsPostMessage {
    #[serde(default)]
    pub id: Option<Located<String>>,
    /// Action name (default: `Post_message`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// A `managed` connection with `api: teams`.
    pub connection: Located<String>,
    /// The team's id (its Microsoft 365 group id, a GUID).
    pub team: Located<String>,
    /// The channel's id, e.g. `19:abc...@thread.skype`.
    pub channel: Located<String>,
    /// The message, HTML; references are HTML-escaped.
    pub message: Located<String>,
    /// Optional subject line.
    #[serde(default)]
    pub subject: Option<Located<String>>,
    #[serde(default)]
    pub retry: Option<Located<Retry>>,
}

/// `monitor_logs.run_query`: Azure Monitor Logs' "Run query and list results"
/// (`POST /queryData`) on a Log Analytics workspace. Outputs: `{{id.rows}}` (the result
/// rows, `body.value`) and `{{id.body}}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunQuery {
    #[serde(default)]
    pub id: Option<Located<String>>,
    /// Action name (default: `Run_query_and_list_results`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// A `managed` connection with `api: azuremonitorlogs`.
    pub connection: Located<String>,
    /// The KQL query. A reference must be inside a quoted string (`"{{entity.name}}"`),
    /// where `\`, `"` and `'` in its value are escaped.
    pub query: Located<String>,
    /// The workspace (default: `deployment.workspace`, in the playbook's subscription).
    #[serde(default)]
    pub workspace: Option<Located<String>>,
    /// Resource group of `workspace` (default: `deployment.workspace.resource_group`, else
    /// `deployment.resource_group`).
    #[serde(default)]
    pub resource_group: Option<Located<String>>,
    /// Subscription of the workspace (default: `deployment.subscription_id`).
    #[serde(default)]
    pub subscription_id: Option<Located<String>>,
    /// The connector's time range, e.g. `Last 24 hours`, `Last 7 days`, or `Set in query`
    /// (default).
    #[serde(default)]
    pub time_range: Option<Located<String>>,
    #[serde(default)]
    pub retry: Option<Located<Retry>>,
}

/// `defender.isolate_machine`: Microsoft Defender for Endpoint's "Actions - Isolate
/// machine" (`POST /api/machines/{id}/isolate`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IsolateMachine {
    #[serde(default)]
    pub id: Option<Located<String>>,
    /// Action name (default: `Isolate_machine`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// A `managed` connection with `api: wdatp`.
    pub connection: Located<String>,
    /// The machine's Defender id, e.g. `{{entity.additionalData.MdatpDeviceId}}`.
    pub machine: Located<String>,
    /// Comment recorded with the action.
    pub comment: Located<String>,
    /// `Full` (default) or `Selective` (Outlook, Teams and Skype keep working).
    #[serde(default)]
    pub isolation: Option<IsolationType>,
    #[serde(default)]
    pub retry: Option<Located<Retry>>,
}

/// Defender isolation types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum IsolationType {
    Full,
    Selective,
}

/// `entra.disable_user` (`PATCH /v1.0/users/{user}` with `accountEnabled: false`) and
/// `entra.revoke_sessions` (`POST /v1.0/users/{user}/revokeSignInSessions`) through the
/// Microsoft Entra ID (`azuread`) connector.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EntraUserStep {
    #[serde(default)]
    pub id: Option<Located<String>>,
    /// Action name (default: `Disable_user` / `Revoke_sign_in_sessions`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// A `managed` connection with `api: azuread`.
    pub connection: Located<String>,
    /// The user's object id or user principal name, e.g. `{{entity.aadUserId}}`.
    pub user: Located<String>,
    #[serde(default)]
    pub retry: Option<Located<Retry>>,
}
