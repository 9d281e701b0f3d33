//! What a run starts from: the trigger payload, the mocks, the clock, parameter values.

use indexmap::IndexMap;
use serde_json::Value;

use crate::mocks::Mocks;

/// Options of one run. `RunOptions::default()` runs with the built-in sample incident, the
/// built-in service mocks, the clock at [`DEFAULT_NOW`] and the parameters' default values.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// What the trigger received.
    pub trigger: TriggerInput,
    /// Answers to outbound calls. Calls that no mock matches go to the built-in service
    /// mocks (ServiceNow, Jira, Sentinel, Key Vault); a call that neither knows fails the run
    /// with a message naming the operation (unless [`RunOptions::generic_mocks`]).
    pub mocks: Mocks,
    /// The virtual clock at the start of the run, ISO 8601 / RFC 3339
    /// (`2026-03-01T08:00:00Z`); `None`: [`DEFAULT_NOW`]. `utcNow()`, Recurrence triggers and
    /// Wait/Until/retry delays all use this clock, so a run is deterministic.
    pub now: Option<String>,
    /// Workflow parameter values (`parameters('name')`), over the definition's
    /// `defaultValue`s. [`crate::load_workflow`] fills them from an ARM template. A parameter
    /// with no value at all gets a placeholder: `<Name>` for strings (a `...WorkspaceId`
    /// string: the sample workspace's ARM id), the empty value of other types.
    pub parameters: IndexMap<String, Value>,
    /// Answer every connector call no mock matches with `200 {}` instead of failing the run.
    pub generic_mocks: bool,
}

/// The clock of a run when [`RunOptions::now`] is not set.
pub const DEFAULT_NOW: &str = "2026-01-01T00:00:00Z";

/// The trigger's payload.
#[derive(Debug, Clone)]
pub enum TriggerInput {
    /// A built-in sample payload with overrides.
    Sample(Sample),
    /// A literal payload: the Sentinel trigger's body (e.g. an incident webhook body), or the
    /// body of the HTTP request for a Request trigger. Ignored by Recurrence triggers.
    Payload(Value),
}

impl Default for TriggerInput {
    fn default() -> Self {
        TriggerInput::Sample(Sample::new(SampleKind::Incident))
    }
}

/// A built-in sample payload ([`crate::samples`]) with overrides.
#[derive(Debug, Clone)]
pub struct Sample {
    pub kind: SampleKind,
    /// Field overrides applied in order: a short name of the sample (see
    /// [`crate::samples::fields`], e.g. `severity`, `title`, `labels`, `analytics_rule_ids`)
    /// or a dotted path into the payload (`object.properties.status`).
    pub set: Vec<(String, Value)>,
    /// A JSON merge patch (RFC 7396) applied after `set`: objects merge, `null` deletes,
    /// anything else replaces.
    pub merge: Option<Value>,
}

impl Sample {
    pub fn new(kind: SampleKind) -> Sample {
        Sample {
            kind,
            set: Vec::new(),
            merge: None,
        }
    }

    /// Adds a field override (builder style).
    pub fn with(mut self, field: &str, value: Value) -> Sample {
        self.set.push((field.to_string(), value));
        self
    }
}

/// The Microsoft Sentinel trigger payloads soarc has samples of
/// (<https://learn.microsoft.com/azure/sentinel/automation/playbook-triggers-actions>: "The
/// schemas used by these flows aren't identical").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleKind {
    /// The incident trigger (`/incident-creation`): `{workspaceId, workspaceInfo, object}`.
    Incident,
    /// The alert trigger (`/subscribe`): a PascalCase SecurityAlert.
    Alert,
    /// The entity trigger (`/entity/...`): `{Entity, IncidentArmID, ...}`.
    Entity,
}

impl SampleKind {
    /// `incident`, `alert` or `entity`.
    pub fn from_name(name: &str) -> Option<SampleKind> {
        match name {
            "incident" => Some(SampleKind::Incident),
            "alert" => Some(SampleKind::Alert),
            "entity" => Some(SampleKind::Entity),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SampleKind::Incident => "incident",
            SampleKind::Alert => "alert",
            SampleKind::Entity => "entity",
        }
    }
}
