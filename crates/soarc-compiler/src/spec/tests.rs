//! `tests:`: runs of the spec's playbooks in soarc's simulator, with mocked services and
//! expectations on what the run did (`soarc test`).
//!
//! A test names a playbook, overrides fields of the built-in sample trigger payload (an
//! incident, alert or entity) or gives a whole payload, answers outbound calls with mocks
//! (by the operation soarc recognises, e.g. `jira.create_issue`, or by action name), and
//! states what must have happened: the run's status, the calls sent (method, URL, a subset
//! of the body), calls that must not be sent, the comments on the incident, variables and
//! action statuses. The types here are the spec side; `soarc-test` runs them.

use std::fmt;
use std::marker::PhantomData;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::automation::{Classification, Severity, Status};
use super::{HttpMethod, Located};

/// A test of one playbook: one run (or two, with `second_run`) in soarc's simulator.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecTest {
    /// What the test shows, e.g. `high severity opens a SEC issue`. Unique across the spec
    /// files; `soarc test --filter` selects tests by it and reports name them.
    pub name: Located<String>,
    /// The playbook run: one under `playbooks:`, or one that `sync:` generates (e.g.
    /// `sync-servicenow-to-sentinel`).
    pub playbook: Located<String>,
    /// Fields of the built-in sample incident that this test changes (incident-triggered
    /// playbooks). Fields not given keep the sample's values.
    #[serde(default)]
    pub incident: Option<Located<IncidentInput>>,
    /// Fields of the built-in sample alert that this test changes (alert-triggered playbooks).
    #[serde(default)]
    pub alert: Option<Located<AlertInput>>,
    /// The entity an entity-triggered playbook runs on (replaces the sample's properties
    /// that are given).
    #[serde(default)]
    pub entity: Option<Located<EntityInput>>,
    /// The whole trigger body, as JSON, instead of a sample (any trigger, e.g. the body of
    /// an HTTP request). Not together with `incident`, `alert` or `entity`.
    #[serde(default)]
    pub payload: Option<Located<Value>>,
    /// The run's virtual clock at start, ISO 8601 UTC, e.g. `2026-01-05T08:00:00Z` (default:
    /// the simulator's fixed start time). Matters for recurrence playbooks and time windows.
    #[serde(default)]
    pub now: Option<Located<String>>,
    /// Answers to outbound calls, by operation (e.g. `servicenow.create_incident`,
    /// `jira.create_issue`, `sentinel.add_comment`; `soarc test` lists them when a key is
    /// unknown) or by action name (e.g. `Create_SEC_issue`). One answer is given to every
    /// call; a list answers the calls in order, its last answer repeating. Calls with no
    /// answer here get the built-in mock of their service.
    #[serde(default)]
    pub mocks: IndexMap<Located<String>, Located<MockAnswers>>,
    /// What the simulator's built-in service mocks hold: ServiceNow records and Jira issues
    /// that queries and searches find (paged as the services page), a deleted incident.
    #[serde(default)]
    pub services: Option<Located<ServiceState>>,
    /// What the run must have done.
    pub expect: Located<Expect>,
    /// Run the playbook a second time with the same trigger payload, the mocked services
    /// keeping what the first run did to them (e.g. the ticket it created), and check that
    /// run too: an automation rule that fires again for one incident must not open a second
    /// ticket.
    #[serde(default)]
    pub second_run: Option<Located<SecondRun>>,
    /// The test shows a known defect that is not fixed yet: say which, e.g. `issue #13: a
    /// deleted incident fails the sync run`. The test still runs; its failure is reported as
    /// the known defect and does not fail `soarc test`. Once the test passes, `soarc test`
    /// fails and asks to remove this line, so the marker cannot outlive the defect.
    #[serde(default)]
    pub known_defect: Option<Located<String>>,
}

/// The second run of a test (`second_run`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondRun {
    /// Answers for the second run's calls, by operation or action name, replacing those of
    /// the first run with the same key.
    #[serde(default)]
    pub mocks: IndexMap<Located<String>, Located<MockAnswers>>,
    /// What the second run must have done.
    pub expect: Located<Expect>,
}

/// Data of the built-in service mocks for one test.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceState {
    /// Records of the ServiceNow `incident` table, e.g. `{ sys_id: "1", number: INC0010001,
    /// state: "6", close_code: "Solved (Permanently)", correlation_id: <incident GUID> }`.
    /// Table API queries answer those matching their `field=value` conditions, page by page
    /// (`sysparm_limit`, `sysparm_offset`).
    #[serde(default)]
    pub servicenow_records: Vec<Located<Value>>,
    /// Jira issues, e.g. `{ id: "10001", key: SEC-1, fields: { labels: [...], status: {...} } }`.
    /// JQL searches answer those the query names, page by page (`nextPageToken`).
    #[serde(default)]
    pub jira_issues: Vec<Located<Value>>,
    /// Page size of the built-in search answers when a request sets none (default 50).
    #[serde(default)]
    pub page_size: Option<Located<u32>>,
    /// The Sentinel incident was deleted: reading or updating it answers 404 Not Found.
    #[serde(default)]
    pub incident_deleted: bool,
}

/// Sample incident fields to change. Names are those of `{{incident.*}}` references.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentInput {
    /// The incident's GUID (resource name); its ARM id and URL follow it.
    #[serde(default)]
    pub name: Option<Located<String>>,
    /// Incident number shown in the portal.
    #[serde(default)]
    pub number: Option<Located<u64>>,
    #[serde(default)]
    pub title: Option<Located<String>>,
    #[serde(default)]
    pub description: Option<Located<String>>,
    /// High, Medium, Low or Informational.
    #[serde(default)]
    pub severity: Option<Located<Severity>>,
    /// New, Active or Closed.
    #[serde(default)]
    pub status: Option<Located<Status>>,
    /// Classification of a closed incident.
    #[serde(default)]
    pub classification: Option<Located<Classification>>,
    /// Tags, e.g. `[vulnerability]` (replaces the sample's).
    #[serde(default)]
    pub labels: Option<Vec<Located<String>>>,
    /// Analytics rules that raised the incident's alerts: rule GUIDs (as in the portal) or
    /// full ARM ids. GUIDs become ids in the sample's workspace.
    #[serde(default)]
    pub analytics_rule_ids: Option<Vec<Located<String>>>,
    /// MITRE ATT&CK tactics, e.g. `[InitialAccess]`.
    #[serde(default)]
    pub tactics: Option<Vec<Located<String>>>,
    /// The incident's owner.
    #[serde(default)]
    pub owner: Option<Located<OwnerInput>>,
    /// The incident's entities (replaces the sample's).
    #[serde(default)]
    pub entities: Option<Vec<Located<EntityInput>>>,
    /// The incident's alerts (replaces the sample's).
    #[serde(default)]
    pub alerts: Option<Vec<Located<IncidentAlertInput>>>,
}

/// An incident owner.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnerInput {
    #[serde(default)]
    pub email: Option<Located<String>>,
    /// Display name.
    #[serde(default)]
    pub assigned_to: Option<Located<String>>,
    /// User principal name.
    #[serde(default)]
    pub upn: Option<Located<String>>,
    /// Entra object id.
    #[serde(default)]
    pub object_id: Option<Located<String>>,
}

/// An alert of an incident (`{{incident.alerts}}`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentAlertInput {
    /// The alert's title (`properties.alertDisplayName`).
    #[serde(default)]
    pub display_name: Option<Located<String>>,
    #[serde(default)]
    pub severity: Option<Located<Severity>>,
    #[serde(default)]
    pub description: Option<Located<String>>,
}

/// Sample alert fields to change (alert trigger). Names are those of `{{alert.*}}`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertInput {
    #[serde(default)]
    pub display_name: Option<Located<String>>,
    #[serde(default)]
    pub description: Option<Located<String>>,
    #[serde(default)]
    pub severity: Option<Located<Severity>>,
    #[serde(default)]
    pub status: Option<Located<String>>,
    #[serde(default)]
    pub product_name: Option<Located<String>>,
    #[serde(default)]
    pub provider_name: Option<Located<String>>,
    #[serde(default)]
    pub system_alert_id: Option<Located<String>>,
    /// The alert's entities (replaces the sample's).
    #[serde(default)]
    pub entities: Option<Vec<Located<EntityInput>>>,
}

/// An entity: its kind and properties as Sentinel names them, e.g.
/// `{ kind: Account, properties: { accountName: alice, upnSuffix: contoso.com } }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EntityInput {
    pub kind: Located<EntityInputKind>,
    /// Properties, as in Sentinel's entity schema (`friendlyName` defaults to a name from
    /// the other properties).
    #[serde(default)]
    pub properties: IndexMap<String, Value>,
}

/// Entity kinds of Sentinel incidents and alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum EntityInputKind {
    Account,
    Host,
    Ip,
    Url,
    FileHash,
    File,
    Process,
    MailMessage,
    Mailbox,
    AzureResource,
    CloudApplication,
    DnsResolution,
    RegistryKey,
    Malware,
}

impl EntityInputKind {
    /// The `kind` value Sentinel writes in incident entities.
    pub fn api(self) -> &'static str {
        match self {
            EntityInputKind::Account => "Account",
            EntityInputKind::Host => "Host",
            EntityInputKind::Ip => "Ip",
            EntityInputKind::Url => "Url",
            EntityInputKind::FileHash => "FileHash",
            EntityInputKind::File => "File",
            EntityInputKind::Process => "Process",
            EntityInputKind::MailMessage => "MailMessage",
            EntityInputKind::Mailbox => "Mailbox",
            EntityInputKind::AzureResource => "AzureResource",
            EntityInputKind::CloudApplication => "CloudApplication",
            EntityInputKind::DnsResolution => "DnsResolution",
            EntityInputKind::RegistryKey => "RegistryKey",
            EntityInputKind::Malware => "Malware",
        }
    }
}

/// One mocked answer, or answers to successive calls.
#[derive(Debug, Clone)]
pub enum MockAnswers {
    One(Box<MockResponse>),
    Sequence(Vec<Located<MockResponse>>),
}

impl MockAnswers {
    /// The answers in the order calls get them.
    pub fn responses(&self) -> Vec<&MockResponse> {
        match self {
            MockAnswers::One(r) => vec![r],
            MockAnswers::Sequence(list) => list.iter().map(|r| &r.value).collect(),
        }
    }
}

/// The answer to one call.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MockResponse {
    /// HTTP status code (default 200). 408, 429 and 5xx are retried by the action's retry
    /// policy, as Logic Apps does.
    #[serde(default)]
    pub status: Option<Located<u16>>,
    /// Response body (JSON).
    #[serde(default)]
    pub body: Option<Located<Value>>,
    /// Response headers.
    #[serde(default)]
    pub headers: IndexMap<String, String>,
    /// The service does not answer: the call times out (retried like a 408).
    #[serde(default)]
    pub timeout: bool,
}

/// What a run must have done. Every expectation given is checked; at least one is needed.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The run's final status.
    #[serde(default)]
    pub status: Option<Located<ExpectedRunStatus>>,
    /// The run's error (failed runs): its code and/or part of its message.
    #[serde(default)]
    pub error: Option<Located<ExpectedError>>,
    /// Calls that must have been sent, in this order (other calls may come between them).
    #[serde(default)]
    pub calls: Vec<Located<CallMatch>>,
    /// Calls that must not have been sent.
    #[serde(default)]
    pub no_calls: Vec<Located<CallMatch>>,
    /// Text that comments added to the Sentinel incident must contain (each text in some
    /// comment).
    #[serde(default)]
    pub comment_contains: Option<Located<Texts>>,
    /// Variables' values at the end of the run (objects compared as subsets).
    #[serde(default)]
    pub variables: IndexMap<Located<String>, Located<Value>>,
    /// Statuses of actions by name. `Skipped` also holds for an action that never ran (in a
    /// branch not taken); an action that ran several times (in a loop) must have this status
    /// every time.
    #[serde(default)]
    pub actions: IndexMap<Located<String>, Located<ExpectedActionStatus>>,
}

impl Expect {
    /// Whether nothing at all is expected (a test that would assert nothing).
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.error.is_none()
            && self.calls.is_empty()
            && self.no_calls.is_empty()
            && self
                .comment_contains
                .as_ref()
                .is_none_or(|t| t.0.is_empty())
            && self.variables.is_empty()
            && self.actions.is_empty()
    }
}

/// Final status of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum ExpectedRunStatus {
    Succeeded,
    Failed,
    Cancelled,
    /// The trigger's conditions were false: no run started.
    Skipped,
}

impl ExpectedRunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ExpectedRunStatus::Succeeded => "Succeeded",
            ExpectedRunStatus::Failed => "Failed",
            ExpectedRunStatus::Cancelled => "Cancelled",
            ExpectedRunStatus::Skipped => "Skipped",
        }
    }
}

/// Status of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum ExpectedActionStatus {
    Succeeded,
    Failed,
    Skipped,
    TimedOut,
}

impl ExpectedActionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ExpectedActionStatus::Succeeded => "Succeeded",
            ExpectedActionStatus::Failed => "Failed",
            ExpectedActionStatus::Skipped => "Skipped",
            ExpectedActionStatus::TimedOut => "TimedOut",
        }
    }
}

/// A failed run's error.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectedError {
    /// The error code, e.g. `ActionFailed`.
    #[serde(default)]
    pub code: Option<Located<String>>,
    /// Text the error message contains.
    #[serde(default)]
    pub message_contains: Option<Located<String>>,
}

/// Which calls a `calls` or `no_calls` entry means. Every field given must match.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallMatch {
    /// The operation, e.g. `jira.create_issue` (the names `mocks` takes).
    #[serde(default)]
    pub operation: Option<Located<String>>,
    /// The action that sent it, e.g. `Create_SEC_issue`.
    #[serde(default)]
    pub action: Option<Located<String>>,
    /// HTTP method.
    #[serde(default)]
    pub method: Option<Located<HttpMethod>>,
    /// Text the URL contains (for connector calls: the connector path and query).
    #[serde(default)]
    pub uri_contains: Option<Located<String>>,
    /// The request body contains this: objects as subsets (keys not given are not
    /// compared), arrays and scalars equal element by element.
    #[serde(default)]
    pub body: Option<Located<Value>>,
    /// Exactly this many calls match (`calls` only; default: at least one), e.g. 4 for a
    /// call retried three times.
    #[serde(default)]
    pub times: Option<Located<u32>>,
}

impl CallMatch {
    /// Whether the entry constrains nothing (it would match every call).
    pub fn is_empty(&self) -> bool {
        self.operation.is_none()
            && self.action.is_none()
            && self.method.is_none()
            && self.uri_contains.is_none()
            && self.body.is_none()
    }
}

// ---------------------------------------------------------------------------------------
// One value or a list, keeping the element's own errors (unknown keys with did-you-mean
// and their position). serde's untagged enums replace those with "did not match any
// variant"; these visitors hand a mapping to the element type and a list to `Vec`.

impl<'de> Deserialize<'de> for MockAnswers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AnswersVisitor;
        impl<'de> Visitor<'de> for AnswersVisitor {
            type Value = MockAnswers;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "an answer `{ status: 201, body: {...} }` or a list of answers, one per call",
                )
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<MockAnswers, A::Error> {
                MockResponse::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|r| MockAnswers::One(Box::new(r)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<MockAnswers, A::Error> {
                Vec::<Located<MockResponse>>::deserialize(de::value::SeqAccessDeserializer::new(
                    seq,
                ))
                .map(MockAnswers::Sequence)
            }
        }
        deserializer.deserialize_any(AnswersVisitor)
    }
}

impl JsonSchema for MockAnswers {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MockAnswers".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = OneOrManySchema::<MockResponse>::json_schema(generator);
        schema.insert(
            "description".into(),
            "One answer given to every call, or a list answering successive calls (the last repeats).".into(),
        );
        schema
    }
}

/// A text or a list of texts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Texts(pub Vec<String>);

impl<'de> Deserialize<'de> for Texts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextsVisitor;
        impl<'de> Visitor<'de> for TextsVisitor {
            type Value = Texts;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a text or a list of texts")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Texts, A::Error> {
                Vec::<String>::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Texts)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Texts, E> {
                Ok(Texts(vec![v.to_string()]))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Texts, E> {
                Ok(Texts(vec![v]))
            }
        }
        deserializer.deserialize_any(TextsVisitor)
    }
}

impl JsonSchema for Texts {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Texts".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        OneOrManySchema::<String>::json_schema(generator)
    }
}

/// Schema of "one value or a list of them".
struct OneOrManySchema<T>(PhantomData<T>);

impl<T: JsonSchema> JsonSchema for OneOrManySchema<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("OneOrMany_{}", T::schema_name()).into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let one = generator.subschema_for::<T>();
        let many = generator.subschema_for::<Vec<T>>();
        schemars::json_schema!({ "anyOf": [one, many] })
    }
}
