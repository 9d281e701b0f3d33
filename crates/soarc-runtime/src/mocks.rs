//! Answers to outbound calls.
//!
//! A [`Mocks`] value is written by users (YAML or JSON, `soarc run --mocks FILE`, or the
//! `mocks:` of a spec test):
//!
//! ```yaml
//! mocks:
//!   - operation: servicenow.create_incident      # any of these matchers, all must hold
//!     respond: [{ status: 500 }, { status: 201, body: { result: { sys_id: abc, number: INC0010001 } } }]
//!   - action: Get_on_call                         # the action's name
//!     kind: http                                  # http | connector
//!     method: POST
//!     uri_contains: /api/page
//!     respond: { timeout: true }                  # no answer: the attempt times out
//! data:                                           # what the built-in service mocks answer
//!   servicenow_records: [{ sys_id: "1", number: INC0010001, correlation_id: ..., state: "2" }]
//!   jira_issues: [{ id: "10001", key: SEC-1, fields: { labels: [sentinel-...] } }]
//!   page_size: 50
//!   secrets: { snow-password: s3cret }
//!   incident_deleted: false
//! ```
//!
//! Each mock answers its `respond` list in order, one response per matching call; the last
//! response repeats. The first mock (in file order) that matches a call answers it; calls no
//! mock matches go to the built-in service mocks ([`crate::services`]).

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;

use crate::trace::CallKind;

/// User mocks plus the data the built-in service mocks answer with.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mocks {
    #[serde(default)]
    pub mocks: Vec<Mock>,
    #[serde(default)]
    pub data: MockData,
}

/// One mock: matchers (all given ones must match) and its responses.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mock {
    /// The operation the built-in mocks recognise, e.g. `jira.create_issue`,
    /// `servicenow.query_incidents`, `sentinel.add_comment` ([`crate::services::OPERATIONS`]).
    #[serde(default)]
    pub operation: Option<String>,
    /// The action's name (exact).
    #[serde(default)]
    pub action: Option<String>,
    /// `http` (Http actions) or `connector` (ApiConnection actions).
    #[serde(default)]
    pub kind: Option<CallKind>,
    /// The `$connections` entry, e.g. `azuresentinel`, `keyvault` (connector calls).
    #[serde(default)]
    pub connection: Option<String>,
    /// The HTTP method, any case.
    #[serde(default)]
    pub method: Option<String>,
    /// A substring of the evaluated URI (connector calls: of the path with its query).
    #[serde(default, alias = "path_contains")]
    pub uri_contains: Option<String>,
    /// The responses, one per call, the last repeating. A single response may be written
    /// without the list.
    #[serde(default, deserialize_with = "one_or_many")]
    pub respond: Vec<MockResponse>,
}

/// One answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MockResponse {
    /// HTTP status; default 200. 408, 429 and 5xx are retried by the action's retry policy;
    /// any status >= 400 left after retries fails the action.
    #[serde(default = "ok")]
    pub status: u16,
    #[serde(default)]
    pub headers: IndexMap<String, Value>,
    #[serde(default)]
    pub body: Value,
    /// No answer: the attempt times out (retried like a 408; the action ends `TimedOut` if
    /// the last attempt times out).
    #[serde(default)]
    pub timeout: bool,
}

fn ok() -> u16 {
    200
}

impl MockResponse {
    /// `status` with an empty body.
    pub fn status(status: u16) -> MockResponse {
        MockResponse {
            status,
            headers: IndexMap::new(),
            body: Value::Null,
            timeout: false,
        }
    }

    /// `status` with `body`.
    pub fn json(status: u16, body: Value) -> MockResponse {
        MockResponse {
            body,
            ..MockResponse::status(status)
        }
    }

    /// No answer (the attempt times out).
    pub fn timeout() -> MockResponse {
        MockResponse {
            timeout: true,
            ..MockResponse::status(408)
        }
    }
}

/// Records and settings the built-in service mocks answer with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MockData {
    /// ServiceNow records (`GET /api/now/table/...` answers those matching the encoded query's
    /// `field=value` conditions, `sysparm_limit`/`sysparm_offset` paging).
    #[serde(default)]
    pub servicenow_records: Vec<Value>,
    /// Jira issues (JQL searches answer those whose labels/key/project the JQL names, paged
    /// with `nextPageToken` on Cloud and `startAt` on Data Center).
    #[serde(default)]
    pub jira_issues: Vec<Value>,
    /// Page size of the built-in search answers when the request sets none; default 50.
    #[serde(default = "page_size")]
    pub page_size: usize,
    /// Key Vault secret values by name; unnamed secrets answer `mock-secret-<name>`.
    #[serde(default)]
    pub secrets: IndexMap<String, String>,
    /// The Sentinel incident was deleted: reads and updates of it answer 404.
    #[serde(default)]
    pub incident_deleted: bool,
}

fn page_size() -> usize {
    50
}

impl Default for MockData {
    fn default() -> Self {
        MockData {
            servicenow_records: Vec::new(),
            jira_issues: Vec::new(),
            page_size: page_size(),
            secrets: IndexMap::new(),
            incident_deleted: false,
        }
    }
}

impl Mock {
    /// A mock of `operation` answering `respond` in order.
    pub fn operation(operation: &str, respond: Vec<MockResponse>) -> Mock {
        Mock {
            operation: Some(operation.to_string()),
            respond,
            ..Mock::default()
        }
    }

    /// Whether this mock answers `call`.
    pub fn matches(&self, call: &CallInfo<'_>) -> bool {
        fn eq_ci(a: &Option<String>, b: &str) -> bool {
            a.as_deref().is_none_or(|a| a.eq_ignore_ascii_case(b))
        }
        self.action.as_deref().is_none_or(|a| a == call.action)
            && self.kind.is_none_or(|k| k == call.kind)
            && self
                .connection
                .as_deref()
                .is_none_or(|c| call.connection == Some(c))
            && eq_ci(&self.method, call.method)
            && self
                .uri_contains
                .as_deref()
                .is_none_or(|s| call.uri.contains(s))
            && self
                .operation
                .as_deref()
                .is_none_or(|o| call.operation == Some(o))
    }
}

/// What the mocks see of a request.
#[derive(Debug, Clone, Copy)]
pub struct CallInfo<'a> {
    pub action: &'a str,
    pub kind: CallKind,
    pub connection: Option<&'a str>,
    /// Upper case.
    pub method: &'a str,
    pub uri: &'a str,
    pub body: &'a Value,
    /// What the built-in mocks recognise the call as, if anything.
    pub operation: Option<&'static str>,
}

impl Mocks {
    /// Reads mocks from YAML (JSON is YAML too).
    pub fn from_yaml(text: &str) -> Result<Mocks, String> {
        serde_saphyr::from_str(text).map_err(|e| e.to_string())
    }
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<MockResponse>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Many(Vec<MockResponse>),
        One(MockResponse),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::Many(v) => v,
        OneOrMany::One(r) => vec![r],
    })
}
