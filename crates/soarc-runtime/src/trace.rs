//! The record of one run: what `soarc run --format json` prints.
//!
//! The JSON shape is fixed by issue #14 and is what scripts and `soarc test` read:
//!
//! ```json
//! {"status": "Succeeded|Failed|Cancelled|Skipped",
//!  "error": {"code": "...", "message": "..."},
//!  "actions": [{"name": "...", "type": "...", "status": "Succeeded|Failed|Skipped|TimedOut",
//!               "attempts": 1, "inputs": {}, "outputs": {}, "error": {}}],
//!  "calls": [{"action": "...", "kind": "http|connector", "connection": "...",
//!             "method": "POST", "uri": "https://…", "body": {}}],
//!  "variables": {"name": "value"}}
//! ```
//!
//! Fields marked `#[serde(skip)]` are extra information for Rust callers (the test runner):
//! they never appear in the JSON.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

/// The text that replaces values hidden by `runtimeConfiguration.secureData`.
///
/// Learn only says secured inputs/outputs are hidden in run history ("The Logic Apps API for
/// handling workflow history doesn't return secured outputs",
/// <https://learn.microsoft.com/azure/logic-apps/logic-apps-securing-a-logic-app#obfuscate>);
/// soarc shows this marker in their place.
pub const SECURED: &str = "<secured>";

/// Final status of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RunStatus {
    Succeeded,
    Failed,
    Cancelled,
    /// The trigger's `conditions` were false: Logic Apps records the trigger as skipped and
    /// starts no run (no action runs, no call is made).
    Skipped,
}

/// Status of one action (the four values `runAfter` can wait for).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ActionStatus {
    Succeeded,
    Failed,
    Skipped,
    TimedOut,
}

impl ActionStatus {
    /// The name used in `runAfter` and in run history.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Succeeded => "Succeeded",
            ActionStatus::Failed => "Failed",
            ActionStatus::Skipped => "Skipped",
            ActionStatus::TimedOut => "TimedOut",
        }
    }
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Succeeded => "Succeeded",
            RunStatus::Failed => "Failed",
            RunStatus::Cancelled => "Cancelled",
            RunStatus::Skipped => "Skipped",
        }
    }
}

/// `{"code", "message"}` of a failed run or action, as run history shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorInfo {
    pub code: String,
    pub message: String,
}

/// One run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunTrace {
    pub status: RunStatus,
    /// Only when the run failed or was cancelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
    /// Every action that was reached, in execution order; actions nested in scopes,
    /// conditions and loops are listed by name where they ran (a loop body once per
    /// iteration).
    pub actions: Vec<ActionTrace>,
    /// Every outbound request in order, each retry included.
    pub calls: Vec<CallTrace>,
    /// The variables at the end of the run.
    pub variables: IndexMap<String, Value>,
    /// Virtual time the run ended (RFC 3339); not serialised.
    #[serde(skip)]
    pub end_time: String,
}

/// One action's record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionTrace {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: ActionStatus,
    /// Requests sent (1 + retries) for Http/ApiConnection actions; 1 for others that ran;
    /// 0 for skipped actions.
    pub attempts: u32,
    /// Evaluated inputs ([`SECURED`] when `secureData` hides them).
    pub inputs: Value,
    /// Outputs ([`SECURED`] when `secureData` hides them).
    pub outputs: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
    /// Nesting depth (0: top level); not serialised.
    #[serde(skip)]
    pub depth: usize,
}

/// Whether a call went to a URL (Http action) or through a managed connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallKind {
    Http,
    Connector,
}

/// One outbound request (one attempt).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallTrace {
    /// The action that sent it.
    pub action: String,
    pub kind: CallKind,
    /// The `$connections` entry of a connector call (e.g. `azuresentinel`); `null` for Http.
    pub connection: Option<String>,
    /// Upper case (`GET`, `POST`, ...).
    pub method: String,
    /// After evaluation; for connector calls the connector path with its query string.
    pub uri: String,
    /// The request body (`null` if none; [`SECURED`] when hidden).
    pub body: Value,
    /// The URI before run-history masking (`secureData`); still masked when the URI itself
    /// is made from secured data (a secret). Not serialised.
    #[serde(skip)]
    pub plain_uri: String,
    /// The body before run-history masking, on the same terms as `plain_uri`. Not serialised.
    #[serde(skip)]
    pub plain_body: Value,
    /// The body exactly as sent, never masked: what the service received. Not serialised
    /// and never to be printed (it may hold secrets); `soarc test` reads it to carry a first
    /// run's effects (tags added to the incident) into a second run.
    #[serde(skip)]
    pub sent_body: Value,
    /// The operation the built-in mocks recognised (e.g. `jira.create_issue`); not serialised.
    #[serde(skip)]
    pub operation: Option<String>,
    /// The answer's status code; `None` when the mock did not answer (timeout). Not serialised.
    #[serde(skip)]
    pub status: Option<u16>,
    /// The answer's body. Not serialised.
    #[serde(skip)]
    pub response: Value,
}

impl RunTrace {
    /// The action records named `name` (several when it ran in a loop).
    pub fn action<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a ActionTrace> + 'a {
        self.actions.iter().filter(move |a| a.name == name)
    }
}
