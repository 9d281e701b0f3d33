//! The simulator: runs one run of a Logic Apps (Consumption) workflow definition offline.
//!
//! Hand-written: no crate interprets the workflow definition language. Layers:
//! - [`eval`]: the expression language evaluated over JSON values (every function of the
//!   catalogue in `soarc_lang::wdl::functions`), against an [`eval::Env`] that the
//!   interpreter provides (trigger, action results, variables, loop items, parameters, clock).
//! - [`interp`] (private): the workflow interpreter — triggers, `runAfter`, every built-in
//!   action type, retry policies, virtual time, `secureData`.
//! - [`services`]: built-in mocks that behave like ServiceNow, Jira, Sentinel and Key Vault,
//!   behind the user's [`Mocks`].
//! - [`samples`]: realistic Microsoft Sentinel trigger payloads.
//!
//! Values are `serde_json::Value` with insertion order kept, as Logic Apps keeps it.
//!
//! # Use
//!
//! ```ignore
//! let document: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
//! // A bare workflow definition, a `Microsoft.Logic/workflows` resource or an ARM template.
//! let workflow = soarc_runtime::load_workflow(&document, None)?;
//! let options = RunOptions {
//!     trigger: TriggerInput::Sample(Sample::new(SampleKind::Incident).with("severity", json!("High"))),
//!     mocks: Mocks::from_yaml("mocks: [{operation: jira.create_issue, respond: {status: 500}}]")?,
//!     ..RunOptions::default()
//! };
//! let trace = soarc_runtime::run_workflow(&workflow, &options)?;
//! println!("{}", serde_json::to_string_pretty(&trace)?);
//! ```
//!
//! A run is deterministic: same definition, options and mocks, same trace.

pub mod arm;
pub mod eval;
mod interp;
pub mod mocks;
pub mod options;
pub mod render;
pub mod samples;
pub mod services;
mod snow_query;
pub mod time;
pub mod trace;

use indexmap::IndexMap;
use serde_json::Value;

pub use mocks::{Mock, MockData, MockResponse, Mocks};
pub use options::{DEFAULT_NOW, RunOptions, Sample, SampleKind, TriggerInput};
pub use trace::{ActionStatus, ActionTrace, CallKind, CallTrace, ErrorInfo, RunStatus, RunTrace};

/// Why a run could not start: the document is not a workflow, an option is malformed, a
/// sample override names no field. (A run that starts always yields a [`RunTrace`], failed
/// or not.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub message: String,
}

impl LoadError {
    pub fn new(message: impl Into<String>) -> LoadError {
        LoadError {
            message: message.into(),
        }
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LoadError {}

/// A workflow definition with the parameter values it runs with.
#[derive(Debug, Clone, PartialEq)]
pub struct Workflow {
    /// The workflow definition (`{"$schema", "triggers", "actions", ...}`).
    pub definition: Value,
    /// Values of workflow parameters (over the definition's `defaultValue`s).
    pub parameters: IndexMap<String, Value>,
}

/// Finds the workflow in `document`: a bare workflow definition (`workflow.json`), a
/// `Microsoft.Logic/workflows` resource, or an ARM template holding one (the first, in
/// resource order). For ARM, workflow parameter values are the resource's
/// `properties.parameters` evaluated with the template parameters' values from
/// `parameters_file` (an ARM parameters file) or their `defaultValue`s; ARM expressions that
/// cannot be evaluated offline are kept as opaque strings (their text).
pub fn load_workflow(
    document: &Value,
    parameters_file: Option<&Value>,
) -> Result<Workflow, LoadError> {
    arm::load(document, parameters_file)
}

/// Runs one run of the workflow `definition` (a bare workflow definition) with `options`.
/// Parameter values come from `options.parameters`, then the definition's defaults.
/// To run the same definition many times, [`Prepared`] parses its expressions once.
pub fn run(definition: &Value, options: &RunOptions) -> Result<RunTrace, LoadError> {
    let plan = interp::plan::Plan::new(definition);
    interp::run(definition, &plan, &IndexMap::new(), options).map(|runs| first_run(runs, options))
}

/// The first run of a trigger's runs; when a `splitOn` trigger starts none (an empty
/// array), a Skipped "run" with no action, as for a trigger whose conditions are false.
fn first_run(runs: Vec<RunTrace>, options: &RunOptions) -> RunTrace {
    runs.into_iter().next().unwrap_or_else(|| RunTrace {
        status: RunStatus::Skipped,
        error: None,
        actions: Vec::new(),
        calls: Vec::new(),
        variables: IndexMap::new(),
        end_time: options
            .now
            .clone()
            .unwrap_or_else(|| DEFAULT_NOW.to_string()),
    })
}

/// Runs one run of a loaded [`Workflow`]; `options.parameters` override its parameters.
pub fn run_workflow(workflow: &Workflow, options: &RunOptions) -> Result<RunTrace, LoadError> {
    Prepared::new(workflow).run(options)
}

/// A workflow ready to run many times: every expression of its definition parsed once
/// (the same runs as [`run_workflow`], without parsing again on each run).
pub struct Prepared<'w> {
    definition: &'w Value,
    parameters: &'w IndexMap<String, Value>,
    plan: interp::plan::Plan,
}

impl<'w> Prepared<'w> {
    /// Parses the expressions of `workflow`'s definition (linear in its size).
    pub fn new(workflow: &'w Workflow) -> Prepared<'w> {
        Prepared {
            definition: &workflow.definition,
            parameters: &workflow.parameters,
            plan: interp::plan::Plan::new(&workflow.definition),
        }
    }

    /// One run; see [`run_workflow`]. A `splitOn` trigger's first run (see
    /// [`Prepared::runs`]).
    pub fn run(&self, options: &RunOptions) -> Result<RunTrace, LoadError> {
        self.runs(options).map(|runs| first_run(runs, options))
    }

    /// Every run the trigger starts: one, or with `splitOn` one per item of the array, in
    /// item order, sharing the built-in services and the mocks' answer counters (none for
    /// an empty array). `soarc run` prints them all.
    pub fn runs(&self, options: &RunOptions) -> Result<Vec<RunTrace>, LoadError> {
        interp::run(self.definition, &self.plan, self.parameters, options)
    }
}
