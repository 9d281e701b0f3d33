//! `sync:`: bidirectional status sync between Sentinel incidents and ServiceNow incidents or
//! Jira issues. [`crate::sync`] expands it into ordinary playbooks and automation rules.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{Located, SentinelClassification};

/// Status sync with the ticketing systems.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sync {
    /// Sync with ServiceNow incidents created by `servicenow.create_incident` (correlated by
    /// `correlation_id`, the Sentinel incident's ARM id).
    #[serde(default)]
    pub servicenow: Option<Located<ServiceNowSync>>,
    /// Sync with Jira issues created by `jira.create_issue` (correlated by a
    /// `sentinel-<incident name>` label).
    #[serde(default)]
    pub jira: Option<Located<JiraSync>>,
}

/// Which way status changes travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Both ways.
    Both,
    /// Ticket resolved/done closes the Sentinel incident.
    ToSentinel,
    /// Sentinel incident closed resolves/transitions the ticket.
    FromSentinel,
}

impl Direction {
    pub fn to_sentinel(self) -> bool {
        matches!(self, Direction::Both | Direction::ToSentinel)
    }
    pub fn from_sentinel(self) -> bool {
        matches!(self, Direction::Both | Direction::FromSentinel)
    }
}

/// ServiceNow status sync.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceNowSync {
    /// A `servicenow` connection.
    pub connection: Located<String>,
    /// `both` (default), `to-sentinel` or `from-sentinel`.
    #[serde(default)]
    pub direction: Option<Direction>,
    /// How often ServiceNow is polled: `<n>m` or `<n>h` (default `5m`, 1 minute to 24 hours).
    #[serde(default)]
    pub poll_every: Option<Located<String>>,
    /// ServiceNow `close_code` to Sentinel classification (ServiceNow to Sentinel). Needs a
    /// `default` entry's equivalent: `default_classification`.
    #[serde(default)]
    pub close_codes: IndexMap<String, SentinelClassification>,
    /// Classification for close codes not in `close_codes` (default `Undetermined`).
    #[serde(default)]
    pub default_classification: Option<SentinelClassification>,
    /// Sentinel classification (`TruePositive`, `BenignPositive`, `FalsePositive`,
    /// `Undetermined`) to the ServiceNow `close_code` set when the incident is resolved from
    /// Sentinel. Every classification must be covered, or `default_close_code` given.
    #[serde(default)]
    pub resolve_codes: IndexMap<Located<String>, Located<String>>,
    /// Close code for classifications not in `resolve_codes`.
    #[serde(default)]
    pub default_close_code: Option<Located<String>>,
    /// Order of the generated automation rule (default 900).
    #[serde(default)]
    pub rule_order: Option<Located<i64>>,
}

/// Jira status sync.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JiraSync {
    /// A `jira-cloud` or `jira-data-center` connection.
    pub connection: Located<String>,
    /// `both` (default), `to-sentinel` or `from-sentinel`.
    #[serde(default)]
    pub direction: Option<Direction>,
    /// Limit the search to these project keys (default: every project).
    #[serde(default)]
    pub projects: Vec<Located<String>>,
    /// How often Jira is polled: `<n>m` or `<n>h` (default `5m`).
    #[serde(default)]
    pub poll_every: Option<Located<String>>,
    /// Name of the transition that closes an issue (default `Done`), looked up at run time.
    #[serde(default)]
    pub done_transition: Option<Located<String>>,
    /// Classification of Sentinel incidents closed because their issue is done (default
    /// `Undetermined`).
    #[serde(default)]
    pub classification: Option<SentinelClassification>,
    /// Order of the generated automation rule (default 901).
    #[serde(default)]
    pub rule_order: Option<Located<i64>>,
}
