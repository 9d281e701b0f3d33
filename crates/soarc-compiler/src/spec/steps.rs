//! Playbook steps as written in the spec.
//!
//! A step is a one-key mapping: the key names the kind (`servicenow.create_incident`,
//! `sentinel.add_comment`, `http`, `if`, ...), the value configures it. Text values are
//! templates: `{{incident.title}}`, `{{ticket.number}}`, `{{variables.x}}`, `{{item.x}}`.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use super::Located;

/// One step of a playbook.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub enum Step {
    /// Create an incident in ServiceNow (`incident` table, Table API through the
    /// `service-now` managed connector). Outputs: `number`, `sys_id`, `url`, `state`.
    #[serde(rename = "servicenow.create_incident")]
    ServiceNowCreateIncident(Box<ServiceNowCreateIncident>),
    /// Create a Jira issue through the Jira REST API (Http action): `POST /rest/api/3/issue`
    /// on a `jira-cloud` connection (description in Atlassian Document Format),
    /// `/rest/api/2/issue` on `jira-data-center` (plain-text description). The credential is
    /// read from Key Vault just before the call. Outputs: `key`, `id`, `url`, `body`.
    #[serde(rename = "jira.create_issue")]
    JiraCreateIssue(Box<JiraCreateIssue>),
    /// Collect the incident's (or alert's) entities into readable text: one line per entity
    /// with its kind, friendly name and key properties (accounts, hosts, IPs, URLs, file
    /// hashes). Outputs: `text` (lines `- Kind: name (details)`, for any text field) and `list`
    /// (only as `bullets:` of a Jira description, rendered as a bullet list).
    #[serde(rename = "sentinel.get_entities")]
    SentinelGetEntities(Box<GetEntities>),
    /// Add a comment to the Sentinel incident that triggered the run. Short form: the message.
    #[serde(rename = "sentinel.add_comment")]
    SentinelAddComment(Box<AddComment>),
    /// Run steps for each ServiceNow incident matching an encoded query (`GET
    /// /api/now/v2/table/incident` with `sysparm_query`), page by page (`sysparm_limit`,
    /// `sysparm_offset`). Inside, `{{<as>.number}}`, `{{<as>.sys_id}}`, `{{<as>.close_code}}`...
    #[serde(rename = "servicenow.query_incidents")]
    ServiceNowQueryIncidents(Box<ServiceNowQueryIncidents>),
    /// Resolve (state 6) or close (state 7) a ServiceNow incident by `sys_id`, with
    /// `close_code` and `close_notes` (`PUT /api/now/v2/table/incident/{sys_id}`).
    #[serde(rename = "servicenow.resolve_incident")]
    ServiceNowResolveIncident(Box<ServiceNowResolveIncident>),
    /// Run steps for each Jira issue a JQL search finds (`POST /rest/api/3/search/jql`, page by
    /// page with `nextPageToken`). Inside, `{{<as>.key}}`, `{{<as>.fields.status.name}}`...
    #[serde(rename = "jira.search_issues")]
    JiraSearchIssues(Box<JiraSearchIssues>),
    /// Move a Jira issue through the transition with this name (looked up at run time with
    /// `GET /rest/api/3/issue/{key}/transitions`), optionally with a comment.
    #[serde(rename = "jira.transition_issue")]
    JiraTransitionIssue(Box<JiraTransitionIssue>),
    /// Add a comment to a Jira issue (`POST /rest/api/3/issue/{key}/comment`).
    #[serde(rename = "jira.add_comment")]
    JiraAddComment(Box<JiraAddComment>),
    /// Close a Sentinel incident with a classification, unless it is already closed (read
    /// first through the Azure Resource Manager API with the managed identity).
    #[serde(rename = "sentinel.close_incident")]
    SentinelCloseIncident(Box<CloseIncident>),
    /// Add a label (tag) to a Sentinel incident. Short form: the label text.
    #[serde(rename = "sentinel.add_label")]
    SentinelAddLabel(Box<AddLabel>),
    /// Call an HTTP endpoint. Outputs: `status`, `body`, `headers`.
    #[serde(rename = "http")]
    Http(Box<HttpStep>),
    /// Call one operation of a managed connection (an `ApiConnection` action): method,
    /// path, queries, headers, body. Outputs: `status`, `body`, `headers`.
    #[serde(rename = "connector")]
    Connector(Box<super::ConnectorStep>),
    /// One workflow action written verbatim (any type, any inputs), for what no step covers.
    #[serde(rename = "action")]
    Action(Box<super::VerbatimStep>),
    /// Send an e-mail with Office 365 Outlook ("Send an email (V2)").
    #[serde(rename = "office365.send_email")]
    SendEmail(Box<super::SendEmail>),
    /// Post a message to a Microsoft Teams channel.
    #[serde(rename = "teams.post_message")]
    TeamsPostMessage(Box<super::TeamsPostMessage>),
    /// Run a KQL query on a Log Analytics workspace (Azure Monitor Logs). Outputs: `rows`, `body`.
    #[serde(rename = "monitor_logs.run_query")]
    RunQuery(Box<super::RunQuery>),
    /// Isolate a machine with Microsoft Defender for Endpoint.
    #[serde(rename = "defender.isolate_machine")]
    IsolateMachine(Box<super::IsolateMachine>),
    /// Disable a Microsoft Entra ID user account.
    #[serde(rename = "entra.disable_user")]
    EntraDisableUser(Box<super::EntraUserStep>),
    /// Revoke a Microsoft Entra ID user's sign-in sessions (refresh tokens).
    #[serde(rename = "entra.revoke_sessions")]
    EntraRevokeSessions(Box<super::EntraUserStep>),
    /// Declare a workflow variable at this point of the playbook (an `InitializeVariable`
    /// action, top level only), for `set_variable`, `append_variable` and
    /// `{{variables.NAME}}` in the steps after it. What `soarc import` writes for the
    /// designer's "Initialize variable"; the playbook's `variables:` declares them first.
    #[serde(rename = "initialize_variable")]
    InitializeVariable(Box<InitializeVariableStep>),
    /// Parse JSON content against a schema (the designer's "Parse JSON"), so later steps
    /// read its fields: `{{id.body.FIELD}}`. Outputs: `body`, `outputs`.
    #[serde(rename = "parse_json")]
    ParseJson(Box<ParseJsonStep>),
    /// Compute a value once and refer to it later as `{{id.value}}`.
    #[serde(rename = "compose")]
    Compose(Box<ComposeStep>),
    /// Set a variable declared under `variables`.
    #[serde(rename = "set_variable")]
    SetVariable(Box<VariableValue>),
    /// Append to a string or array variable declared under `variables`.
    #[serde(rename = "append_variable")]
    AppendVariable(Box<VariableValue>),
    /// Run steps when a condition holds, others when it does not.
    #[serde(rename = "if")]
    If(Box<IfStep>),
    /// Run the steps of the case that matches a value.
    #[serde(rename = "switch")]
    Switch(Box<SwitchStep>),
    /// Run steps for each element of an array.
    #[serde(rename = "foreach")]
    Foreach(Box<ForeachStep>),
    /// Group steps.
    #[serde(rename = "scope")]
    Scope(Box<ScopeStep>),
    /// End the run with a status.
    #[serde(rename = "terminate")]
    Terminate(Box<TerminateStep>),
}

impl Step {
    /// The retry policy the step sets, and the connection it calls (outbound steps).
    pub fn retry(&self) -> (Option<&Located<super::Retry>>, Option<&str>) {
        match self {
            Step::ServiceNowCreateIncident(s) => (s.retry.as_ref(), Some(&s.connection)),
            Step::JiraCreateIssue(s) => (s.retry.as_ref(), Some(&s.connection)),
            Step::SentinelAddComment(comment) => match &**comment {
                AddComment::Full(s) => (
                    s.retry.as_ref(),
                    Some(s.connection.as_deref().unwrap_or(crate::names::SENTINEL)),
                ),
                AddComment::Message(_) => (None, Some(crate::names::SENTINEL)),
            },
            Step::SentinelGetEntities(_) => (None, Some(crate::names::SENTINEL)),
            Step::Http(s) => (s.retry.as_ref(), None),
            Step::Connector(s) => (s.retry.as_ref(), Some(&s.connection)),
            Step::SendEmail(s) => (s.retry.as_ref(), Some(&s.connection)),
            Step::TeamsPostMessage(s) => (s.retry.as_ref(), Some(&s.connection)),
            Step::RunQuery(s) => (s.retry.as_ref(), Some(&s.connection)),
            Step::IsolateMachine(s) => (s.retry.as_ref(), Some(&s.connection)),
            Step::EntraDisableUser(s) | Step::EntraRevokeSessions(s) => {
                (s.retry.as_ref(), Some(&s.connection))
            }
            _ => (None, None),
        }
    }

    /// The kind as written in the spec, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Step::ServiceNowCreateIncident(_) => "servicenow.create_incident",
            Step::SentinelAddComment(_) => "sentinel.add_comment",
            Step::JiraCreateIssue(_) => "jira.create_issue",
            Step::SentinelGetEntities(_) => "sentinel.get_entities",
            Step::ServiceNowQueryIncidents(_) => "servicenow.query_incidents",
            Step::ServiceNowResolveIncident(_) => "servicenow.resolve_incident",
            Step::JiraSearchIssues(_) => "jira.search_issues",
            Step::JiraTransitionIssue(_) => "jira.transition_issue",
            Step::JiraAddComment(_) => "jira.add_comment",
            Step::SentinelCloseIncident(_) => "sentinel.close_incident",
            Step::SentinelAddLabel(_) => "sentinel.add_label",
            Step::Http(_) => "http",
            Step::Connector(_) => "connector",
            Step::Action(_) => "action",
            Step::SendEmail(_) => "office365.send_email",
            Step::TeamsPostMessage(_) => "teams.post_message",
            Step::RunQuery(_) => "monitor_logs.run_query",
            Step::IsolateMachine(_) => "defender.isolate_machine",
            Step::EntraDisableUser(_) => "entra.disable_user",
            Step::EntraRevokeSessions(_) => "entra.revoke_sessions",
            Step::InitializeVariable(_) => "initialize_variable",
            Step::ParseJson(_) => "parse_json",
            Step::Compose(_) => "compose",
            Step::SetVariable(_) => "set_variable",
            Step::AppendVariable(_) => "append_variable",
            Step::If(_) => "if",
            Step::Switch(_) => "switch",
            Step::Foreach(_) => "foreach",
            Step::Scope(_) => "scope",
            Step::Terminate(_) => "terminate",
        }
    }
}

/// A field value: a text template, a number or boolean, or a mapping lookup.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum FieldValue {
    /// Look the value up in a mapping: `{ map: snow_urgency }`.
    Map {
        /// Name of a mapping under `mappings`.
        map: String,
    },
    Bool(bool),
    Int(i64),
    /// Text; may contain `{{...}}` references.
    Text(String),
}

/// Create a ServiceNow incident.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceNowCreateIncident {
    /// Name later steps use to refer to the outputs: `{{ticket.number}}`.
    #[serde(default)]
    pub id: Option<Located<String>>,
    /// Action name in the Logic App (default: `Create_ServiceNow_incident`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// A `servicenow` connection.
    pub connection: Located<String>,
    /// Incident fields.
    pub fields: ServiceNowIncidentFields,
    /// Retry policy of this step's calls (overrides the connection's, the playbook's and
    /// `defaults.retry`).
    #[serde(default)]
    pub retry: Option<Located<super::Retry>>,
}

/// Fields of a ServiceNow incident (`incident` table). `correlation_id` defaults to the
/// Sentinel incident's name (its GUID; `correlation_id` holds at most 100 characters) so
/// status sync can find the Sentinel incident again.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceNowIncidentFields {
    /// One-line summary.
    pub short_description: Located<FieldValue>,
    #[serde(default)]
    pub description: Option<Located<FieldValue>>,
    /// 1 (High), 2 (Medium) or 3 (Low).
    #[serde(default)]
    pub urgency: Option<Located<FieldValue>>,
    /// 1 (High), 2 (Medium) or 3 (Low).
    #[serde(default)]
    pub impact: Option<Located<FieldValue>>,
    #[serde(default)]
    pub category: Option<Located<FieldValue>>,
    #[serde(default)]
    pub subcategory: Option<Located<FieldValue>>,
    /// Assignment group name or sys_id.
    #[serde(default)]
    pub assignment_group: Option<Located<FieldValue>>,
    /// User name or sys_id.
    #[serde(default)]
    pub assigned_to: Option<Located<FieldValue>>,
    /// Caller user name or sys_id.
    #[serde(default)]
    pub caller_id: Option<Located<FieldValue>>,
    #[serde(default)]
    pub contact_type: Option<Located<FieldValue>>,
    #[serde(default)]
    pub cmdb_ci: Option<Located<FieldValue>>,
    #[serde(default)]
    pub business_service: Option<Located<FieldValue>>,
    /// Journal entry visible to the caller.
    #[serde(default)]
    pub comments: Option<Located<FieldValue>>,
    /// Internal journal entry.
    #[serde(default)]
    pub work_notes: Option<Located<FieldValue>>,
    /// Defaults to `{{incident.arm_id}}` for incident-triggered playbooks.
    #[serde(default)]
    pub correlation_id: Option<Located<FieldValue>>,
    /// Defaults to `Microsoft Sentinel` when `correlation_id` is set by default.
    #[serde(default)]
    pub correlation_display: Option<Located<FieldValue>>,
    /// Other columns of the incident table, e.g. `u_sentinel_tactics`.
    #[serde(default)]
    pub custom: IndexMap<Located<String>, Located<FieldValue>>,
}

impl ServiceNowIncidentFields {
    /// The standard fields in the order they are written, with their ServiceNow names.
    pub fn standard(&self) -> Vec<(&'static str, &Located<FieldValue>)> {
        let fields: [(&'static str, Option<&Located<FieldValue>>); 16] = [
            ("short_description", Some(&self.short_description)),
            ("description", self.description.as_ref()),
            ("urgency", self.urgency.as_ref()),
            ("impact", self.impact.as_ref()),
            ("category", self.category.as_ref()),
            ("subcategory", self.subcategory.as_ref()),
            ("assignment_group", self.assignment_group.as_ref()),
            ("assigned_to", self.assigned_to.as_ref()),
            ("caller_id", self.caller_id.as_ref()),
            ("contact_type", self.contact_type.as_ref()),
            ("cmdb_ci", self.cmdb_ci.as_ref()),
            ("business_service", self.business_service.as_ref()),
            ("comments", self.comments.as_ref()),
            ("work_notes", self.work_notes.as_ref()),
            ("correlation_id", self.correlation_id.as_ref()),
            ("correlation_display", self.correlation_display.as_ref()),
        ];
        fields
            .into_iter()
            .filter_map(|(name, value)| value.map(|v| (name, v)))
            .collect()
    }
}

/// Create a Jira issue.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JiraCreateIssue {
    /// Name later steps use to refer to the outputs: `{{issue.key}}`, `{{issue.url}}`.
    #[serde(default)]
    pub id: Option<Located<String>>,
    /// Action name in the Logic App (default: `Create_Jira_issue`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// A `jira-cloud` or `jira-data-center` connection.
    pub connection: Located<String>,
    /// Project key, e.g. `SEC` (upper-case letter, then upper-case letters, digits or `_`),
    /// or `"{{env.NAME}}"` for a project per environment (each environment's key checked).
    pub project: Located<String>,
    /// Issue type by name (`Bug`, `Task`) or by id (`{ id: "10004" }`).
    pub issue_type: Located<IssueType>,
    /// One-line summary; may contain references, e.g. `"[Sentinel] {{incident.title}}"`.
    pub summary: Located<String>,
    /// The description as blocks (paragraphs, headings, bullet lists, links). Jira Cloud
    /// receives it as Atlassian Document Format, Data Center as plain text.
    #[serde(default)]
    pub description: Vec<Located<DescriptionBlock>>,
    /// Priority name: text, or a mapping lookup `{ map: jira_priority }` (the mapping must
    /// cover every severity or have a default).
    #[serde(default)]
    pub priority: Option<Located<FieldValue>>,
    /// Labels (no spaces), e.g. `[sentinel, security-incident]`.
    #[serde(default)]
    pub labels: Vec<Located<String>>,
    /// Assignee: the Atlassian account id (Cloud) or the user name (Data Center).
    #[serde(default)]
    pub assignee: Option<Located<String>>,
    /// Component names.
    #[serde(default)]
    pub components: Vec<Located<String>>,
    /// Other fields by id, as Jira's REST API expects them, e.g.
    /// `customfield_10010: { value: SOC }`; text anywhere may contain references.
    #[serde(default)]
    pub custom: IndexMap<Located<String>, Located<serde_json::Value>>,
    /// Retry policy of this step's calls (overrides the connection's, the playbook's and
    /// `defaults.retry`).
    #[serde(default)]
    pub retry: Option<Located<super::Retry>>,
}

/// A Jira issue type.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum IssueType {
    /// By id: `{ id: "10004" }`.
    Id {
        /// The issue type id.
        id: String,
    },
    /// By name, e.g. `Bug`.
    Name(String),
}

/// A block of a Jira description. Text may contain references; `\n` in a paragraph is a
/// line break.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DescriptionBlock {
    /// A paragraph of text.
    Paragraph(Located<String>),
    /// A heading (level 3).
    Heading(Located<String>),
    /// A bullet list: a list of item texts, or `"{{enrichment.list}}"` for the entities
    /// collected by a `sentinel.get_entities` step.
    Bullets(Bullets),
    /// A link on its own line, e.g. `{ text: Open in Microsoft Sentinel, url: "{{incident.url}}" }`.
    Link(Link),
}

/// Items of a bullet list.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Bullets {
    /// Item texts.
    Items(Vec<Located<String>>),
    /// A list a step produced: `"{{enrichment.list}}"`.
    From(Located<String>),
}

/// A hyperlink.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// Link text.
    pub text: Located<String>,
    /// Target URL (https, or a reference such as `{{incident.url}}`).
    pub url: Located<String>,
}

/// Collect the entities of the triggering incident or alert.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetEntities {
    /// Name later steps use: `{{enrichment.text}}`, `{{enrichment.list}}`. The step keeps its
    /// results in the workflow variables `<id>_text` and `<id>_items`.
    pub id: Located<String>,
    /// Name of the step's Scope action in the Logic App (default: `Get_entities`); it holds
    /// the loop over the entities.
    #[serde(default)]
    pub name: Option<Located<String>>,
}

/// `sentinel.add_comment`: either the message text, or the full form.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum AddComment {
    /// The comment text; may contain `{{...}}` references and simple HTML.
    Message(String),
    Full(AddCommentFull),
}

/// Full form of `sentinel.add_comment`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddCommentFull {
    #[serde(default)]
    pub id: Option<String>,
    /// Action name in the Logic App (default: `Add_comment_to_incident`).
    #[serde(default)]
    pub name: Option<String>,
    /// The comment text.
    pub message: String,
    /// Sentinel connection (default `sentinel`).
    #[serde(default)]
    pub connection: Option<String>,
    /// Retry policy of this step's calls (overrides the connection's, the playbook's and
    /// `defaults.retry`).
    #[serde(default)]
    pub retry: Option<Located<super::Retry>>,
}

/// HTTP methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    #[serde(alias = "get")]
    Get,
    #[serde(alias = "post")]
    Post,
    #[serde(alias = "put")]
    Put,
    #[serde(alias = "patch")]
    Patch,
    #[serde(alias = "delete")]
    Delete,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// The workflow's method.
    pub fn wdl(self) -> soarc_lang::wdl::HttpMethod {
        use soarc_lang::wdl::HttpMethod as Wdl;
        match self {
            HttpMethod::Get => Wdl::Get,
            HttpMethod::Post => Wdl::Post,
            HttpMethod::Put => Wdl::Put,
            HttpMethod::Patch => Wdl::Patch,
            HttpMethod::Delete => Wdl::Delete,
        }
    }
}

/// An HTTP call.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpStep {
    #[serde(default)]
    pub id: Option<Located<String>>,
    /// Action name in the Logic App (default: `HTTP`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    pub method: HttpMethod,
    /// URL; may contain references. Must be https.
    pub uri: Located<String>,
    #[serde(default)]
    pub headers: IndexMap<String, Located<String>>,
    #[serde(default)]
    pub query: IndexMap<String, Located<String>>,
    /// JSON body; text anywhere in it may contain references.
    #[serde(default)]
    pub body: Option<Located<serde_json::Value>>,
    /// Key Vault secrets the step sends, by a name of your choice: each is read at run time
    /// just before the call (inputs and outputs hidden from run history) and written
    /// `{{secrets.<name>}}` in `uri`, `headers`, `query` or `body`, e.g.
    /// `secrets: { api_key: { key_vault: { vault: kv-soc, secret: lookup-api-key } } }` and
    /// `headers: { X-Api-Key: "{{secrets.api_key}}" }`. The call then has secure inputs.
    #[serde(default)]
    pub secrets: IndexMap<Located<String>, Located<super::Secret>>,
    /// How to authenticate; none by default.
    #[serde(default)]
    pub authentication: Option<HttpAuthentication>,
    /// Hide inputs and outputs from run history (secureData).
    #[serde(default)]
    pub secure: bool,
    /// Retry policy of this step's calls (overrides the connection's, the playbook's and
    /// `defaults.retry`).
    #[serde(default)]
    pub retry: Option<Located<super::Retry>>,
}

/// HTTP authentication.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum HttpAuthentication {
    /// The playbook's system-assigned managed identity.
    ManagedIdentity {
        /// Token audience, e.g. `https://management.azure.com/`.
        audience: String,
    },
}

/// Compute a value.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComposeStep {
    #[serde(default)]
    pub id: Option<Located<String>>,
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// Any JSON value; text may contain references.
    pub value: Located<serde_json::Value>,
}

/// Set or append to a variable.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VariableValue {
    /// Action name in the Logic App.
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// The variable, declared under the playbook's `variables`.
    pub variable: Located<String>,
    /// The value; text may contain references.
    pub value: Located<serde_json::Value>,
    /// Changed inside a `foreach` whose iterations run in parallel, on purpose: the order of
    /// the changes is then not defined (e.g. appending names to a list). Without it soarc
    /// refuses such a step (SPEC045). `soarc import` writes it where the original does so.
    #[serde(default)]
    pub unordered: bool,
}

/// Parse JSON content.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParseJsonStep {
    /// Name later steps use to refer to the parsed value: `{{id.body.FIELD}}`.
    #[serde(default)]
    pub id: Option<Located<String>>,
    /// Action name in the Logic App (default: `Parse_JSON`, or `Parse_<id>`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// The JSON to parse, e.g. `"{{lookup.body}}"`; text may contain references.
    pub content: Located<serde_json::Value>,
    /// The JSON Schema the content follows; written to the workflow as is (its text is not
    /// a template).
    pub schema: Located<serde_json::Value>,
}

/// Declare a variable where the step stands.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InitializeVariableStep {
    /// Action name in the Logic App (default: `Initialize_<variable>`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// The variable's name.
    pub variable: Located<String>,
    /// `string`, `integer`, `float`, `boolean`, `array` or `object`, in any case; written
    /// to the workflow as spelled here (Logic Apps reads the type case-insensitively).
    #[serde(rename = "type")]
    pub kind: Located<String>,
    /// Initial value; text may contain references. Optional in Logic Apps ("Value: No",
    /// Learn, "Create, initialize, and manage variables"); without it the action has none.
    #[serde(default)]
    pub value: Option<Located<serde_json::Value>>,
}

impl InitializeVariableStep {
    /// The variable type `kind` names, case-insensitively.
    pub fn variable_type(&self) -> Option<super::VariableType> {
        use super::VariableType as T;
        Some(match self.kind.value.to_ascii_lowercase().as_str() {
            "string" => T::String,
            "integer" => T::Integer,
            "float" => T::Float,
            "boolean" => T::Boolean,
            "array" => T::Array,
            "object" => T::Object,
            _ => return None,
        })
    }

    /// The type as the workflow writes it: Microsoft's schema spelling (`String`) or the
    /// designer's (`string`); `None` for any other spelling.
    pub fn spelled_type(&self) -> Option<soarc_lang::wdl::Spelled<soarc_lang::wdl::VariableType>> {
        soarc_lang::wdl::Spelled::parse(&self.kind.value)
    }
}

/// A condition over values. Operands are text templates or scalars.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Predicate {
    Equals(Vec<Located<serde_json::Value>>),
    NotEquals(Vec<Located<serde_json::Value>>),
    /// Text contains text, or array contains element.
    Contains(Vec<Located<serde_json::Value>>),
    StartsWith(Vec<Located<serde_json::Value>>),
    EndsWith(Vec<Located<serde_json::Value>>),
    Greater(Vec<Located<serde_json::Value>>),
    GreaterOrEquals(Vec<Located<serde_json::Value>>),
    Less(Vec<Located<serde_json::Value>>),
    LessOrEquals(Vec<Located<serde_json::Value>>),
    /// The incident has this tag (label), e.g. `has_label: vulnerability`. Incident trigger.
    HasLabel(Located<String>),
    /// The incident has a label starting with this text (case-insensitive). Not written in
    /// specs: `sync` guards ticket creation with it (`jira:SEC-`, `servicenow:`).
    #[serde(skip)]
    #[schemars(skip)]
    HasLabelStartingWith(Located<String>),
    /// The incident comes from one of these analytics rules: rule ids (the GUID that ends
    /// the rule's resource id, as in the portal). Incident trigger.
    FromAnalyticsRule(Vec<Located<String>>),
    /// All hold.
    All(Vec<Located<Predicate>>),
    /// At least one holds.
    Any(Vec<Located<Predicate>>),
    Not(Box<Located<Predicate>>),
    /// The If action's `expression` as the workflow writes it: the designer's object form
    /// (`{ and: [ { equals: [a, b] } ] }`) or a string (both allowed by Microsoft's workflow
    /// definition schema 2016-06-01); text may contain references and `{{wdl: ...}}`
    /// expressions. What `soarc import` writes for a condition.
    Expression(Located<serde_json::Value>),
}

/// Conditional steps.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IfStep {
    #[serde(default)]
    pub name: Option<Located<String>>,
    pub condition: Located<Predicate>,
    #[serde(default)]
    pub then: Vec<Located<Step>>,
    /// Steps run when the condition does not hold. In an `as_imported:` playbook an `if`
    /// without `else:` has no `else` branch in the workflow (Logic Apps runs nothing then
    /// either); elsewhere the branch is always written, empty when there are no steps.
    #[serde(default, rename = "else")]
    #[schemars(with = "Vec<Located<Step>>")]
    pub otherwise: Option<Vec<Located<Step>>>,
    /// Set by soarc, never written in a spec: this condition guards a ticket creation (no
    /// ticket tag on the incident yet), and its steps run in a scope that the failure
    /// handling looks into.
    #[serde(skip)]
    #[schemars(skip)]
    pub ticket_guard: bool,
}

impl IfStep {
    /// The steps under `else:` (none when it is not written).
    pub fn else_steps(&self) -> &[Located<Step>] {
        self.otherwise.as_deref().unwrap_or_default()
    }
}

/// Steps by case.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchStep {
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// The value to switch on, e.g. `"{{incident.severity}}"`.
    pub on: Located<String>,
    /// Case value to steps.
    pub cases: IndexMap<Located<String>, CaseSteps>,
    #[serde(default)]
    pub default: Vec<Located<Step>>,
}

/// The steps of a switch case: a list, or the list with the case's name.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum CaseSteps {
    /// The steps.
    Steps(Vec<Located<Step>>),
    /// The steps, and the case's name in the workflow.
    Named(NamedCase),
}

/// A switch case with its name.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedCase {
    /// The case's name in the Logic App (default: `Case_<value>`), e.g. `Case_Severity_High`.
    pub name: Located<String>,
    pub steps: Vec<Located<Step>>,
}

impl CaseSteps {
    pub fn steps(&self) -> &[Located<Step>] {
        match self {
            CaseSteps::Steps(steps) => steps,
            CaseSteps::Named(named) => &named.steps,
        }
    }

    pub fn steps_mut(&mut self) -> &mut Vec<Located<Step>> {
        match self {
            CaseSteps::Steps(steps) => steps,
            CaseSteps::Named(named) => &mut named.steps,
        }
    }

    /// The case's name as written.
    pub fn name(&self) -> Option<&Located<String>> {
        match self {
            CaseSteps::Steps(_) => None,
            CaseSteps::Named(named) => Some(&named.name),
        }
    }
}

/// A loop.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForeachStep {
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// The array, e.g. `"{{incident.alerts}}"`.
    pub items: Located<String>,
    /// Name of the current element inside the loop: `{{alert.properties.x}}` with `as: alert`.
    #[serde(rename = "as")]
    pub item_name: Located<String>,
    /// Run one element at a time (needed when the body sets variables).
    #[serde(default)]
    pub sequential: bool,
    pub steps: Vec<Located<Step>>,
}

/// A group of steps.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeStep {
    #[serde(default)]
    pub name: Option<Located<String>>,
    pub steps: Vec<Located<Step>>,
}

/// Final run status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum RunStatus {
    Succeeded,
    Failed,
    Cancelled,
}

impl RunStatus {
    /// The Terminate action's `runStatus`.
    pub fn wdl(self) -> soarc_lang::wdl::RunStatus {
        use soarc_lang::wdl::RunStatus as Wdl;
        match self {
            RunStatus::Succeeded => Wdl::Succeeded,
            RunStatus::Failed => Wdl::Failed,
            RunStatus::Cancelled => Wdl::Cancelled,
        }
    }
}

/// End the run.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TerminateStep {
    #[serde(default)]
    pub name: Option<Located<String>>,
    pub status: RunStatus,
    /// Error message (status Failed only); may contain references.
    #[serde(default)]
    pub message: Option<Located<String>>,
}

/// Loop over ServiceNow incidents matching an encoded query.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceNowQueryIncidents {
    /// Name of the paging loop (Until action) in the Logic App (default:
    /// `Query_ServiceNow_incidents`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// A `servicenow` connection.
    pub connection: Located<String>,
    /// Encoded query (`sysparm_query`), e.g.
    /// `active=true^correlation_id={{incident.arm_id}}`; may contain references.
    pub query: Located<String>,
    /// Records per page (`sysparm_limit`, 1-10000, default 100).
    #[serde(default)]
    pub page_size: Option<Located<u32>>,
    /// Every page is read from offset 0 (`sysparm_offset` not advanced), until a page is
    /// short (at most 100 pages). For loops whose steps take the records out of the query
    /// (e.g. resolving the open incidents of an `active=true` query): paging by offset would
    /// skip records there. With `false` (default) such loops miss records.
    #[serde(default)]
    pub requery: bool,
    /// Name of the current incident inside the loop: `{{ticket.number}}` with `as: ticket`.
    #[serde(rename = "as")]
    pub item_name: Located<String>,
    /// Steps run for each incident (in parallel; one failing does not stop the others).
    pub steps: Vec<Located<Step>>,
}

/// ServiceNow resolution states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SnowResolvedState {
    /// State 6.
    Resolved,
    /// State 7.
    Closed,
}

/// Resolve or close a ServiceNow incident.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceNowResolveIncident {
    /// Action name (default: `Resolve_ServiceNow_incident`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// A `servicenow` connection.
    pub connection: Located<String>,
    /// The incident's `sys_id`, e.g. `{{ticket.sys_id}}`.
    pub sys_id: Located<String>,
    /// `resolved` (6, default) or `closed` (7).
    #[serde(default)]
    pub state: Option<SnowResolvedState>,
    /// Resolution code (required by ServiceNow to resolve): text or
    /// `{ map: <mapping from incident.classification> }`.
    pub close_code: Located<FieldValue>,
    /// Resolution notes (required by ServiceNow to resolve).
    pub close_notes: Located<FieldValue>,
    /// Optional internal journal entry.
    #[serde(default)]
    pub work_notes: Option<Located<FieldValue>>,
}

/// Loop over the Jira issues a JQL search finds.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JiraSearchIssues {
    /// Name of the paging loop (Until action) in the Logic App (default: `Search_Jira_issues`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// A `jira-cloud` or `jira-data-center` connection.
    pub connection: Located<String>,
    /// The JQL, e.g. `labels = "sentinel-{{incident.name}}" AND statusCategory != Done`.
    pub jql: Located<String>,
    /// Fields returned for each issue (default: `summary, status, labels, resolution`).
    #[serde(default)]
    pub fields: Vec<String>,
    /// Issues per page (`maxResults`, 1-100, default 50).
    #[serde(default)]
    pub page_size: Option<Located<u32>>,
    /// Name of the current issue inside the loop: `{{issue.key}}` with `as: issue`.
    #[serde(rename = "as")]
    pub item_name: Located<String>,
    /// Steps run for each issue.
    pub steps: Vec<Located<Step>>,
}

/// Transition a Jira issue by transition name.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JiraTransitionIssue {
    /// Action name (default: `Transition_Jira_issue`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// A `jira-cloud` or `jira-data-center` connection.
    pub connection: Located<String>,
    /// Issue key, e.g. `{{issue.key}}`.
    pub issue: Located<String>,
    /// The transition's name as the workflow shows it, e.g. `Done`; compared
    /// case-insensitively. When the issue has no such transition, nothing changes.
    pub transition: Located<String>,
    /// A comment added with the transition.
    #[serde(default)]
    pub comment: Option<Located<String>>,
}

/// Comment on a Jira issue.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JiraAddComment {
    /// Action name (default: `Comment_on_Jira_issue`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// A `jira-cloud` or `jira-data-center` connection.
    pub connection: Located<String>,
    /// Issue key, e.g. `{{issue.key}}`.
    pub issue: Located<String>,
    /// The comment text; `\n` is a line break.
    pub message: Located<String>,
}

/// A Sentinel incident classification with its reason, as the Sentinel connector's
/// "Update incident" takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, JsonSchema)]
pub enum SentinelClassification {
    Undetermined,
    /// True positive, suspicious activity.
    TruePositive,
    /// Benign positive, suspicious but expected.
    BenignPositive,
    /// False positive, incorrect alert logic.
    FalsePositive,
    /// False positive, inaccurate data.
    #[serde(rename = "FalsePositive-InaccurateData")]
    FalsePositiveInaccurateData,
}

impl SentinelClassification {
    /// The connector's `ClassificationAndReason` value.
    pub fn connector_value(self) -> &'static str {
        match self {
            SentinelClassification::Undetermined => "Undetermined",
            SentinelClassification::TruePositive => "TruePositive - SuspiciousActivity",
            SentinelClassification::BenignPositive => "BenignPositive - SuspiciousButExpected",
            SentinelClassification::FalsePositive => "FalsePositive - IncorrectAlertLogic",
            SentinelClassification::FalsePositiveInaccurateData => "FalsePositive - InaccurateData",
        }
    }
}

/// The classification of a closed incident: one value, or looked up from run-time text.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ClassificationValue {
    /// Look a run-time value up in a table, e.g. a ServiceNow close code:
    /// `{ from: "{{ticket.close_code}}", values: { "Solved (Permanently)": TruePositive }, default: Undetermined }`.
    Lookup {
        /// The text to look up; usually a reference.
        from: Located<String>,
        /// Text to classification.
        values: IndexMap<String, SentinelClassification>,
        /// For text not in `values` (required: the source is open-ended).
        #[serde(default)]
        default: Option<SentinelClassification>,
    },
    Fixed(SentinelClassification),
}

/// Close a Sentinel incident.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseIncident {
    /// Name of the step's Scope action (default: `Close_incident`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// The incident's ARM id (default: the triggering incident). Or `{ name: "..." }`: the
    /// incident of that name (GUID) in `deployment.workspace`. Or
    /// `{ jira_labels: "{{issue.fields.labels}}" }`: the incident whose `sentinel-<name>`
    /// label the Jira issue carries (in `deployment.workspace`).
    #[serde(default)]
    pub incident: Option<Located<IncidentRef>>,
    /// The classification.
    pub classification: Located<ClassificationValue>,
    /// Classification comment; may contain references.
    #[serde(default)]
    pub comment: Option<Located<String>>,
    /// Labels added as the incident is closed (e.g. `closed-by-servicenow-sync`).
    #[serde(default)]
    pub labels: Vec<Located<String>>,
}

/// Which Sentinel incident a step acts on.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum IncidentRef {
    /// The incident of a Jira issue's `sentinel-<incident name>` label.
    JiraLabels {
        /// The issue's labels, e.g. `"{{issue.fields.labels}}"`.
        jira_labels: Located<String>,
    },
    /// The incident's name (its GUID) in `deployment.workspace`, e.g.
    /// `{ name: "{{ticket.correlation_id}}" }`. Used only when it is GUID-shaped; other
    /// values skip the step.
    Name {
        /// The incident name; may contain references.
        name: Located<String>,
    },
    /// The incident's ARM id, e.g. `"{{incident.arm_id}}"`.
    ArmId(Located<String>),
}

/// `sentinel.add_label`: the label, or the full form.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum AddLabel {
    /// The label; may contain references, e.g. `servicenow:{{ticket.number}}`.
    Label(String),
    Full(AddLabelFull),
}

/// Full form of `sentinel.add_label`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddLabelFull {
    /// Action name (default: `Add_label_to_incident`).
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// The label.
    pub label: Located<String>,
}
