//! The workflow interpreter: one run of a workflow definition, read as JSON so that any
//! hand-written definition runs, not only what soarc generates.
//!
//! Sources (Microsoft Learn) cited per rule below; the abbreviations:
//! - [EEH] <https://learn.microsoft.com/azure/logic-apps/error-exception-handling>
//! - [SCH] <https://learn.microsoft.com/azure/logic-apps/logic-apps-workflow-actions-triggers>
//! - [LOOPS] <https://learn.microsoft.com/azure/logic-apps/logic-apps-control-flow-loops>
//! - [VARS] <https://learn.microsoft.com/azure/logic-apps/logic-apps-create-variables-store-values>
//! - [DATA] <https://learn.microsoft.com/azure/logic-apps/logic-apps-perform-data-operations>
//! - [SEC] <https://learn.microsoft.com/azure/logic-apps/logic-apps-securing-a-logic-app#obfuscate>
//! - [LIM] <https://learn.microsoft.com/azure/logic-apps/logic-apps-limits-and-config>

mod actions;
mod calls;
mod graph;
pub(crate) mod plan;

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use indexmap::IndexMap;
use serde_json::{Map, Value, json};
use soarc_lang::wdl::{Expr, Part, Template};

use crate::eval::{self, Env};
use crate::options::{DEFAULT_NOW, TriggerInput};
use crate::services::ServiceState;
use crate::time::{self, Millis};
use crate::trace::{ActionStatus, ActionTrace, CallTrace, ErrorInfo, RunStatus, RunTrace, SECURED};
use crate::{LoadError, RunOptions, samples};

/// Runs the runs the trigger starts: one, or with `splitOn` one per item, in item order
/// ([SCH §Triggers, splitOn]: "the trigger ... starts a workflow instance for each array
/// item"), sharing the built-in services' state and the user mocks' answer counters (they
/// stand for the same services), each with its own run id, variables and trace. An empty
/// `splitOn` array starts no run (an empty vector). `plan` is [`plan::Plan::new`] of
/// `definition`.
pub fn run(
    definition: &Value,
    plan: &plan::Plan,
    parameters: &IndexMap<String, Value>,
    options: &RunOptions,
) -> Result<Vec<RunTrace>, LoadError> {
    let Some(def) = definition.as_object() else {
        return Err(LoadError::new(
            "the workflow definition is not a JSON object",
        ));
    };
    let actions = match def.get("actions") {
        Some(Value::Object(a)) => a,
        None => &Map::new(),
        Some(_) => {
            return Err(LoadError::new(
                "the definition's `actions` is not an object",
            ));
        }
    };
    let now = match &options.now {
        Some(text) => time::parse(text).ok_or_else(|| {
            LoadError::new(format!(
                "--now `{text}` is not an ISO 8601 date-time: write e.g. 2026-03-01T08:00:00Z"
            ))
        })?,
        None => time::parse(DEFAULT_NOW).expect("valid default"),
    };
    let params = resolve_parameters(def, &plan.connection_keys, parameters, options)?;
    let mut interp = Interp {
        params,
        plan,
        trigger: Value::Null,
        records: HashMap::new(),
        variables: IndexMap::new(),
        loops: Vec::new(),
        untils: Vec::new(),
        results: HashMap::new(),
        secured: HashSet::new(),
        secrets: HashSet::new(),
        secret_vars: HashSet::new(),
        now,
        actions: Vec::new(),
        calls: Vec::new(),
        mock_uses: vec![0; options.mocks.mocks.len()],
        services: ServiceState::new(&options.mocks.data),
        options,
        end: None,
        responded: false,
        depth: 0,
        sequence: Cell::new(0),
        run_index: 0,
        pending: Vec::new(),
    };
    let (name, trigger, record) = interp.trigger_record(def)?;
    let bodies = match trigger.get("splitOn").and_then(Value::as_str) {
        None => vec![None],
        Some(split) => {
            interp.trigger = record.clone();
            match interp.split_items(name, split) {
                Ok(items) => items.into_iter().map(Some).collect(),
                Err(error) => return Ok(vec![interp.not_started(RunStatus::Failed, Some(error))]),
            }
        }
    };
    let count = bodies.len();
    let mut traces = Vec::with_capacity(count);
    let mut record = Some(record);
    for (i, body) in bodies.into_iter().enumerate() {
        if i > 0 {
            interp.reset(now, i);
        }
        // The last run takes the record itself; earlier ones a copy.
        let mut record = if i + 1 == count {
            record.take().expect("kept for the last run")
        } else {
            record.clone().expect("kept for the last run")
        };
        if let Some(body) = body {
            record["outputs"]["body"] = body;
        }
        interp.trigger = record;
        match interp.check_conditions(name, trigger) {
            Some(not_started) => traces.push(not_started),
            None => traces.push(interp.run_body(actions)),
        }
    }
    Ok(traces)
}

/// [LIM] "SplitOn items: 100,000".
const MAX_SPLIT_ITEMS: usize = 100_000;

/// Parameter values: options, then the loaded workflow's values, then `defaultValue`.
/// `$connections` gets an entry per connection name the definition uses when none is given,
/// so that `parameters('$connections')['x']['connectionId']` evaluates offline.
fn resolve_parameters(
    def: &Map<String, Value>,
    keys: &[String],
    given: &IndexMap<String, Value>,
    options: &RunOptions,
) -> Result<IndexMap<String, Value>, LoadError> {
    let mut out = IndexMap::new();
    if let Some(decls) = def.get("parameters").and_then(Value::as_object) {
        for (name, decl) in decls {
            let value = options
                .parameters
                .get(name)
                .or_else(|| given.get(name))
                .or_else(|| decl.get("defaultValue"))
                .cloned();
            match value {
                Some(v) => {
                    out.insert(name.clone(), v);
                }
                None if name == "$connections" => {
                    out.insert(name.clone(), json!({}));
                }
                None => {
                    // No value anywhere (a bare workflow.json whose values ARM would set):
                    // a placeholder, so the run goes on. A workspace id reads as the sample
                    // workspace's ARM id, where the sample incident lives.
                    let ty = decl
                        .get("type")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_ascii_lowercase();
                    let lname = name.to_ascii_lowercase();
                    let v = match ty.as_str() {
                        "string" | "securestring"
                            if lname.contains("workspace") && lname.ends_with("id") =>
                        {
                            Value::String(samples::workspace_arm_id())
                        }
                        "string" | "securestring" => Value::String(format!("<{name}>")),
                        "int" => json!(0),
                        "float" => json!(0.0),
                        "bool" => json!(false),
                        "array" => json!([]),
                        _ => json!({}),
                    };
                    out.insert(name.clone(), v);
                }
            }
        }
    }
    for (name, v) in options.parameters.iter().chain(given) {
        out.entry(name.clone()).or_insert_with(|| v.clone());
    }
    // Every `$connections` entry the definition names gets a value (a bare workflow.json
    // has none: ARM fills them at deployment).
    if !keys.is_empty() {
        let conns = out
            .entry("$connections".to_string())
            .or_insert_with(|| json!({}));
        if let Value::Object(m) = conns {
            for key in keys {
                m.entry(key.clone()).or_insert_with(|| {
                    let rg = format!(
                        "/subscriptions/{}/resourceGroups/{}",
                        samples::SUBSCRIPTION,
                        samples::RESOURCE_GROUP
                    );
                    json!({
                        "connectionId": format!("{rg}/providers/Microsoft.Web/connections/{key}"),
                        "connectionName": key,
                        "id": format!("/subscriptions/{}/providers/Microsoft.Web/locations/westeurope/managedApis/{key}", samples::SUBSCRIPTION),
                    })
                });
            }
        }
    }
    Ok(out)
}

/// A variable and its declared type.
struct Variable {
    kind: VarType,
    value: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VarType {
    String,
    Integer,
    Float,
    Boolean,
    Array,
    Object,
}

pub(crate) struct Interp<'o> {
    params: IndexMap<String, Value>,
    /// The definition's parsed expressions and other run-independent facts.
    plan: &'o plan::Plan,
    /// The trigger's record.
    trigger: Value,
    /// Action records by lower-case name (Logic Apps resolves names case-insensitively).
    /// Shared with `results`, never copied.
    records: HashMap<String, Rc<Value>>,
    variables: IndexMap<String, Variable>,
    /// Enclosing Foreach loops, innermost last: (lower-case name, current item). Query and
    /// Select push an unnamed entry (`item()`).
    loops: Vec<(String, Value)>,
    /// Enclosing Until loops: (lower-case name, iteration index).
    untils: Vec<(String, i64)>,
    /// `result()`: records of the actions directly inside each scoped action.
    results: HashMap<String, Vec<Rc<Value>>>,
    /// Lower-case names of actions whose outputs (or inputs) are hidden by `secureData`.
    secured: HashSet<String>,
    /// Lower-case names of actions whose outputs hold a secret, and of variables holding
    /// one (see [`Interp::reads_secret`]).
    secrets: HashSet<String>,
    secret_vars: HashSet<String>,
    /// The virtual clock.
    now: Millis,
    actions: Vec<ActionTrace>,
    calls: Vec<CallTrace>,
    /// How many answers each user mock has given.
    mock_uses: Vec<usize>,
    services: ServiceState,
    options: &'o RunOptions,
    /// Set by Terminate, a missing mock or a run-level error: the run's final status.
    end: Option<(RunStatus, Option<ErrorInfo>)>,
    /// A Response action has answered the request.
    responded: bool,
    /// Container nesting (0 = top level), for InitializeVariable.
    depth: usize,
    /// [`Env::next_sequence`]: makes `guid()` and `rand()` deterministic.
    sequence: Cell<u64>,
    /// Records whose inputs/outputs (when not masked) go into the trace entry `slot` at
    /// the end of the run: (slot, take inputs, take outputs, record).
    pending: Vec<(usize, bool, bool, Rc<Value>)>,
    /// Which run of a `splitOn` trigger this is (0 for the first or only run): part of the
    /// run id.
    run_index: usize,
}

/// What running an action produced.
pub(crate) struct Outcome {
    status: ActionStatus,
    inputs: Value,
    outputs: Value,
    error: Option<ErrorInfo>,
    /// Requests sent (Http/ApiConnection); 1 otherwise.
    attempts: u32,
    /// `code` of the record: the HTTP status name, `OK`, `NotSpecified`, ...
    code: String,
    /// Whether outputs are hidden (secureData or propagation).
    hide_outputs: bool,
    hide_inputs: bool,
}

impl Outcome {
    fn ok(inputs: Value, outputs: Value) -> Outcome {
        Outcome {
            status: ActionStatus::Succeeded,
            inputs,
            outputs,
            error: None,
            attempts: 1,
            code: "OK".into(),
            hide_outputs: false,
            hide_inputs: false,
        }
    }

    fn failed(inputs: Value, code: &str, message: String) -> Outcome {
        Outcome {
            status: ActionStatus::Failed,
            inputs,
            outputs: Value::Null,
            error: Some(ErrorInfo {
                code: code.into(),
                message,
            }),
            attempts: 1,
            code: code.into(),
            hide_outputs: false,
            hide_inputs: false,
        }
    }
}

/// A JSON object of `entries`, moving the values in (`json!` serialises a copy of each
/// value it is given, which for action inputs and outputs is a deep copy).
pub(crate) fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    let mut m = Map::with_capacity(N);
    for (k, v) in entries {
        m.insert(k.to_string(), v);
    }
    Value::Object(m)
}

/// Case-insensitive property lookup (exact match first), as the runtime resolves names.
pub(crate) fn get_ci<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let m = v.as_object()?;
    m.get(key).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

pub(crate) fn type_of(action: &Value) -> &str {
    action.get("type").and_then(Value::as_str).unwrap_or("")
}

/// The JSON type name Logic Apps uses in messages.
pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(n) if n.is_f64() => "Float",
        Value::Number(_) => "Integer",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
    }
}

impl Interp<'_> {
    /// The trigger's name, definition and record (before `splitOn`).
    fn trigger_record<'d>(
        &self,
        def: &'d Map<String, Value>,
    ) -> Result<(&'d str, &'d Value, Value), LoadError> {
        let triggers = def.get("triggers").and_then(Value::as_object);
        let Some((name, trigger)) = triggers.and_then(|t| t.iter().next()) else {
            return Err(LoadError::new(
                "the workflow has no trigger: a Logic App needs one (`triggers` is empty)",
            ));
        };
        let kind = type_of(trigger).to_ascii_lowercase();
        let path = trigger
            .pointer("/inputs/path")
            .and_then(Value::as_str)
            .unwrap_or("");
        let payload = match &self.options.trigger {
            TriggerInput::Payload(p) => p.clone(),
            TriggerInput::Sample(sample) => {
                if kind == "apiconnectionwebhook" {
                    let expected = sentinel_trigger_kind(path);
                    if let Some(expected) = expected.filter(|k| *k != sample.kind) {
                        return Err(LoadError::new(format!(
                            "trigger `{name}` is the Microsoft Sentinel {} trigger (path `{path}`), but the run was given the {} sample: use --trigger {}",
                            expected.name(),
                            sample.kind.name(),
                            expected.name()
                        )));
                    }
                }
                samples::build(sample)?
            }
        };
        let start = time::format(self.now);
        let outputs = match kind.as_str() {
            // A Recurrence trigger carries no body [SCH §Recurrence trigger].
            "recurrence" => json!({"headers": {}, "body": null}),
            _ => object([
                ("headers", json!({"Content-Type": "application/json"})),
                ("body", payload),
            ]),
        };
        let record = object([
            ("name", Value::String(name.clone())),
            (
                "inputs",
                trigger.get("inputs").cloned().unwrap_or(Value::Null),
            ),
            ("outputs", outputs),
            ("startTime", Value::String(start.clone())),
            ("endTime", Value::String(start)),
            ("status", "Succeeded".into()),
            ("code", "OK".into()),
        ]);
        Ok((name, trigger, record))
    }

    /// The items of a `splitOn` expression, evaluated against the whole trigger record
    /// ([SCH §Triggers, splitOn]: `"splitOn": "@triggerBody()?['value']"`, one run per
    /// item, the item becoming the run's trigger body).
    fn split_items(&self, name: &str, split: &str) -> Result<Vec<Value>, ErrorInfo> {
        let invalid = |message: String| ErrorInfo {
            code: "InvalidTemplate".into(),
            message,
        };
        match self.eval_str(split) {
            Ok(Value::Array(items)) if items.len() > MAX_SPLIT_ITEMS => Err(invalid(format!(
                "The 'splitOn' of trigger '{name}' gave {} items; Logic Apps splits at most {MAX_SPLIT_ITEMS}.",
                items.len()
            ))),
            Ok(Value::Array(items)) => Ok(items),
            Ok(other) => Err(invalid(format!(
                "The 'splitOn' expression '{split}' of trigger '{name}' evaluated to a value of type '{}'; it must be an array (fix the expression or the trigger payload).",
                json_type(&other)
            ))),
            Err(e) => Err(invalid(format!(
                "Unable to evaluate the 'splitOn' expression '{split}' of trigger '{name}': {e}"
            ))),
        }
    }

    /// Trigger conditions: every `expression` must be true or the trigger is skipped and no
    /// run starts [SCH §Trigger conditions]: "you can specify one or more conditions that
    /// determine whether the trigger fires". `Some(trace)` when no run starts.
    fn check_conditions(&self, name: &str, trigger: &Value) -> Option<RunTrace> {
        let conds = trigger.get("conditions").and_then(Value::as_array)?;
        for cond in conds {
            let Some(expr) = cond.get("expression").and_then(Value::as_str) else {
                continue;
            };
            match self.eval_str(expr) {
                Ok(Value::Bool(true)) => {}
                Ok(_) => return Some(self.not_started(RunStatus::Skipped, None)),
                Err(e) => {
                    return Some(self.not_started(
                        RunStatus::Failed,
                        Some(ErrorInfo {
                            code: "InvalidTemplate".into(),
                            message: format!(
                                "Unable to evaluate the condition of trigger '{name}': {e}"
                            ),
                        }),
                    ));
                }
            }
        }
        None
    }

    /// Runs the actions of one run whose trigger record is set; its trace.
    fn run_body(&mut self, actions: &Map<String, Value>) -> RunTrace {
        let branches = self.run_container(actions, true);
        let (status, error) = match self.end.take() {
            Some(end) => end,
            // [EEH] "After the workflow run completes, the engine determines the entire
            // run's status by evaluating all the branch statuses. If any branch ends in
            // failure, the entire workflow run is marked Failed."
            None if branches == ActionStatus::Succeeded => (RunStatus::Succeeded, None),
            None => (
                RunStatus::Failed,
                Some(ErrorInfo {
                    code: "ActionFailed".into(),
                    message: "An action failed. No dependent actions succeeded.".into(),
                }),
            ),
        };
        self.finish_trace();
        RunTrace {
            status,
            error,
            actions: std::mem::take(&mut self.actions),
            calls: std::mem::take(&mut self.calls),
            variables: std::mem::take(&mut self.variables)
                .into_iter()
                .map(|(k, v)| (k, v.value))
                .collect(),
            end_time: time::format(self.now),
        }
    }

    /// Moves each record's inputs and outputs into its trace entry (those not masked): once
    /// the run's records are dropped, each record is held only here and is moved, not
    /// copied.
    fn finish_trace(&mut self) {
        self.records.clear();
        self.results.clear();
        for (slot, inputs, outputs, record) in std::mem::take(&mut self.pending) {
            let mut record = match Rc::try_unwrap(record) {
                Ok(Value::Object(m)) => m,
                Ok(_) => continue,
                Err(shared) => shared.as_object().cloned().unwrap_or_default(),
            };
            let entry = &mut self.actions[slot];
            if inputs {
                entry.inputs = record.remove("inputs").unwrap_or(Value::Null);
            }
            if outputs {
                entry.outputs = record.remove("outputs").unwrap_or(Value::Null);
            }
        }
    }

    /// Clears what belongs to one run before the next `splitOn` run (the services and the
    /// mocks' counters stay).
    fn reset(&mut self, now: Millis, run_index: usize) {
        self.records.clear();
        self.variables.clear();
        self.loops.clear();
        self.untils.clear();
        self.results.clear();
        self.secured.clear();
        self.secrets.clear();
        self.secret_vars.clear();
        self.now = now;
        self.end = None;
        self.responded = false;
        self.depth = 0;
        self.sequence.set(0);
        self.run_index = run_index;
    }

    fn not_started(&self, status: RunStatus, error: Option<ErrorInfo>) -> RunTrace {
        RunTrace {
            status,
            error,
            actions: Vec::new(),
            calls: Vec::new(),
            variables: IndexMap::new(),
            end_time: time::format(self.now),
        }
    }

    /// Evaluates a workflow string (`@expr`, `@{...}` or literal), parsed once in the plan
    /// when it is a string of the definition.
    pub(crate) fn eval_str(&self, s: &str) -> Result<Value, String> {
        let parsed;
        let t = match self.plan.template(s) {
            Some(t) => t,
            None => {
                parsed = Template::parse(s)
                    .map_err(|e| format!("the expression '{s}' is not valid: {}", e.message))?;
                &parsed
            }
        };
        eval::evaluate_template(t, self).map_err(|e| e.message)
    }

    /// Evaluates every expression string inside `v` (as [`eval::evaluate_json`] does), with
    /// the plan's parsed expressions.
    pub(crate) fn eval_json(&self, v: &Value) -> Result<Value, String> {
        self.eval_json_except(v, None)
    }

    /// [`Interp::eval_json`], leaving the top-level property `skip` of an object out.
    pub(crate) fn eval_json_except(&self, v: &Value, skip: Option<&str>) -> Result<Value, String> {
        match v {
            Value::String(s) if plan::is_template(s) => match self.plan.template(s) {
                Some(t) => eval::evaluate_template(t, self).map_err(|e| e.message),
                None => eval::evaluate_json(v, self).map_err(|e| e.message),
            },
            Value::Array(items) => items
                .iter()
                .map(|x| self.eval_json_except(x, None))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Value::Object(m) => {
                let mut out = Map::with_capacity(m.len());
                for (k, x) in m {
                    if skip == Some(k.as_str()) {
                        continue;
                    }
                    out.insert(k.clone(), self.eval_json_except(x, None)?);
                }
                Ok(Value::Object(out))
            }
            other => Ok(other.clone()),
        }
    }

    /// A designer condition object (`{"and": [{"equals": [a, b]}]}`) or an expression string,
    /// evaluated to a Boolean [SCH §If action: "expression ... can be a JSON object ... or a
    /// string"].
    pub(crate) fn eval_condition(&self, cond: &Value) -> Result<bool, String> {
        let value = match cond {
            Value::String(s) => self.eval_str(s)?,
            Value::Bool(b) => Value::Bool(*b),
            Value::Object(_) => match self.plan.condition(cond) {
                Some(expr) => eval::evaluate(expr, self).map_err(|e| e.message)?,
                None => {
                    let expr = condition_expr(cond)?;
                    eval::evaluate(&expr, self).map_err(|e| e.message)?
                }
            },
            other => {
                return Err(format!(
                    "the condition is a {}, expected a Boolean expression",
                    json_type(other)
                ));
            }
        };
        match value {
            Value::Bool(b) => Ok(b),
            // "true"/"false" strings are accepted where a Boolean is expected, as the
            // expression functions accept them (`bool('true')`).
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
            other => Err(format!(
                "the condition evaluated to {} ({}), expected a Boolean",
                other,
                json_type(&other)
            )),
        }
    }

    /// Whether `v` (unevaluated) reads data hidden by `secureData`: outputs of a secured
    /// action or a secure parameter. [SEC]: "If a downstream action explicitly uses these
    /// secured outputs as inputs, Logic Apps hides this action's inputs in the run history".
    pub(crate) fn reads_secured(&self, v: &Value) -> bool {
        if self.secured.is_empty() && self.plan.secure_params.is_empty() {
            return false;
        }
        self.reads(v, false)
    }

    /// Whether `v` (unevaluated) reads a secret: a secure parameter, a Key Vault secret, or
    /// a data action or variable made from one. `secureData` only hides values in run
    /// history; it does not change the values passed on ([SEC]: "Secures inputs in run
    /// history", "Secures outputs in run history"; the value still reaches the actions that
    /// use it), so a Jira key in the secured outputs of an authenticated call is sent in a
    /// later comment as it is. What soarc keeps masked even in the calls it hands to
    /// `soarc test` (`plain_uri`, `plain_body`) are secrets only: their values never appear
    /// in a message.
    pub(crate) fn reads_secret(&self, v: &Value) -> bool {
        if self.secrets.is_empty()
            && self.secret_vars.is_empty()
            && self.plan.secure_params.is_empty()
        {
            return false;
        }
        self.reads(v, true)
    }

    fn reads(&self, v: &Value, secret: bool) -> bool {
        match v {
            Value::String(s) => self.str_reads(s, secret),
            Value::Array(a) => a.iter().any(|x| self.reads(x, secret)),
            Value::Object(m) => m
                .iter()
                .any(|(k, x)| self.str_reads(k, secret) || self.reads(x, secret)),
            _ => false,
        }
    }

    fn str_reads(&self, s: &str, secret: bool) -> bool {
        if !s.contains('@') {
            return false;
        }
        let parsed;
        let t = match self.plan.template(s) {
            Some(t) => t,
            None => match Template::parse(s) {
                Ok(t) => {
                    parsed = t;
                    &parsed
                }
                Err(_) => return false,
            },
        };
        t.exprs().iter().any(|e| self.expr_reads(e, secret))
    }

    fn expr_reads(&self, e: &Expr, secret: bool) -> bool {
        let actions = if secret { &self.secrets } else { &self.secured };
        let mut found = false;
        e.walk(&mut |node| {
            if let Expr::Call { name, args } = node
                && let Some(Expr::Str(arg)) = args.first()
            {
                let n = name.to_ascii_lowercase();
                let arg = arg.to_ascii_lowercase();
                if matches!(n.as_str(), "body" | "outputs" | "actions" | "result")
                    && actions.contains(&arg)
                    || n == "parameters" && self.plan.secure_params.contains(&arg)
                    || secret && n == "variables" && self.secret_vars.contains(&arg)
                {
                    found = true;
                }
            }
        });
        found
    }

    /// Marks what an action made from a secret as secret too (see
    /// [`Interp::reads_secret`]): a data action's outputs, a variable it sets. Outbound
    /// calls are not marked for reading one (a service does not answer with the
    /// credential it was sent), except a Key Vault "Get secret", whose answer is the
    /// secret.
    fn taint(&mut self, name: &str, kind: &str, action: &Value) {
        let lkind = kind.to_ascii_lowercase();
        if matches!(
            lkind.as_str(),
            "http" | "apiconnection" | "apiconnectionwebhook" | "httpwebhook"
        ) {
            return;
        }
        let Some(inputs) = action.get("inputs") else {
            return;
        };
        if !self.reads_secret(inputs) {
            return;
        }
        if lkind.ends_with("variable") {
            let var = get_ci(inputs, "name")
                .or_else(|| inputs.pointer("/variables/0/name"))
                .and_then(Value::as_str)
                .unwrap_or("");
            self.secret_vars.insert(var.to_ascii_lowercase());
        } else {
            self.secrets.insert(name.to_ascii_lowercase());
        }
    }

    /// Records a finished (or skipped) action: the trace entry and the record expressions
    /// read. `slot` is the trace index reserved when the action started.
    fn record(
        &mut self,
        slot: usize,
        name: &str,
        kind: &str,
        action: &Value,
        outcome: Outcome,
        start_ms: Millis,
    ) -> Rc<Value> {
        let secure = action
            .pointer("/runtimeConfiguration/secureData/properties")
            .and_then(Value::as_array)
            .map(|p| {
                let has = |x: &str| {
                    p.iter()
                        .any(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case(x)))
                };
                (has("inputs"), has("outputs"))
            })
            .unwrap_or((false, false));
        // [SEC] "The Compose, Parse JSON, and Response actions has only the Secure Inputs
        // setting. When turned on, the setting also hides these actions' outputs."
        let hides_both = matches!(
            kind.to_ascii_lowercase().as_str(),
            "compose" | "parsejson" | "response"
        );
        let hide_inputs = secure.0 || outcome.hide_inputs;
        let hide_outputs = secure.1 || outcome.hide_outputs || (hides_both && hide_inputs);
        let lname = name.to_ascii_lowercase();
        if hide_outputs || secure.0 {
            self.secured.insert(lname.clone());
        }
        // The trace's inputs and outputs are taken from the record when the run ends
        // (`finish_trace`), so they are not copied while expressions may still read them.
        let masked = |v: &Value, hide: bool| (hide && !v.is_null()).then(|| SECURED.into());
        let (trace_inputs, trace_outputs) = (
            masked(&outcome.inputs, hide_inputs),
            masked(&outcome.outputs, hide_outputs),
        );
        // Built field by field: `json!` would copy the inputs and outputs once more.
        let mut record = Map::with_capacity(8);
        record.insert("name".into(), Value::String(name.to_string()));
        record.insert("inputs".into(), outcome.inputs);
        record.insert("outputs".into(), outcome.outputs);
        let start = time::format(start_ms);
        let end = if self.now == start_ms {
            start.clone()
        } else {
            time::format(self.now)
        };
        record.insert("startTime".into(), Value::String(start));
        record.insert("endTime".into(), Value::String(end));
        record.insert("status".into(), outcome.status.as_str().into());
        record.insert("code".into(), Value::String(outcome.code));
        if let Some(e) = &outcome.error {
            let mut error = Map::with_capacity(2);
            error.insert("code".into(), Value::String(e.code.clone()));
            error.insert("message".into(), Value::String(e.message.clone()));
            record.insert("error".into(), Value::Object(error));
        }
        self.actions[slot] = ActionTrace {
            name: name.to_string(),
            kind: kind.to_string(),
            status: outcome.status,
            attempts: if outcome.status == ActionStatus::Skipped {
                0
            } else {
                outcome.attempts
            },
            inputs: trace_inputs.clone().unwrap_or(Value::Null),
            outputs: trace_outputs.clone().unwrap_or(Value::Null),
            error: outcome.error,
            depth: self.actions[slot].depth,
        };
        let record = Rc::new(Value::Object(record));
        self.pending.push((
            slot,
            trace_inputs.is_none(),
            trace_outputs.is_none(),
            Rc::clone(&record),
        ));
        self.records.insert(lname, Rc::clone(&record));
        record
    }

    /// Reserves the trace entry of an action about to run (so containers precede their
    /// children in the trace).
    fn reserve(&mut self, name: &str, kind: &str) -> usize {
        self.actions.push(ActionTrace {
            name: name.to_string(),
            kind: kind.to_string(),
            status: ActionStatus::Skipped,
            attempts: 0,
            inputs: Value::Null,
            outputs: Value::Null,
            error: None,
            depth: self.depth,
        });
        self.actions.len() - 1
    }

    /// Records `name` as skipped with `code`/`message` without running it.
    fn skip(&mut self, name: &str, action: &Value, code: &str, message: String) -> Rc<Value> {
        let kind = type_of(action).to_string();
        let slot = self.reserve(name, &kind);
        let now = self.now;
        let mut outcome = Outcome::failed(Value::Null, code, message);
        outcome.status = ActionStatus::Skipped;
        outcome.code = "ActionSkipped".into();
        self.record(slot, name, &kind, action, outcome, now)
    }
}

/// Which Sentinel trigger a webhook path is.
fn sentinel_trigger_kind(path: &str) -> Option<crate::SampleKind> {
    let p = path.to_ascii_lowercase();
    if p.starts_with("/incident-creation") {
        Some(crate::SampleKind::Incident)
    } else if p.starts_with("/subscribe") {
        Some(crate::SampleKind::Alert)
    } else if p.starts_with("/entity/") {
        Some(crate::SampleKind::Entity)
    } else {
        None
    }
}

/// A designer condition (`{"and": [...]}`, `{"equals": [a, b]}`, `{"not": {...}}`) as an
/// expression: the same functions the designer's conditions stand for [SCH §If action].
fn condition_expr(cond: &Value) -> Result<Expr, String> {
    let Value::Object(m) = cond else {
        return literal_expr(cond);
    };
    if m.len() != 1 {
        return Err(format!(
            "a condition object has exactly one operator, this one has {}",
            m.len()
        ));
    }
    let (op, arg) = m.iter().next().expect("one entry");
    let args: Vec<&Value> = match arg {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let lop = op.to_ascii_lowercase();
    let args = args
        .into_iter()
        .map(|a| {
            if matches!(lop.as_str(), "and" | "or" | "not") {
                condition_expr(a)
            } else {
                literal_expr(a)
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    // The designer writes `{"and": [one condition]}`; the functions take two or more.
    Ok(match (lop.as_str(), args.len()) {
        ("and" | "or", 1) => args.into_iter().next().expect("one"),
        ("and", 0) => Expr::Bool(true),
        ("or", 0) => Expr::Bool(false),
        _ => Expr::call(op, args),
    })
}

/// A JSON value inside a condition as an expression (strings may be templates).
fn literal_expr(v: &Value) -> Result<Expr, String> {
    Ok(match v {
        Value::Null => Expr::Null,
        Value::Bool(b) => Expr::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Expr::Int(i),
            None => Expr::Float(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => match Template::parse(s).map_err(|e| e.message)? {
            Template::Literal(l) => Expr::Str(l),
            Template::Expr(e) => e,
            Template::Interpolated(parts) => Expr::call(
                "concat",
                parts
                    .into_iter()
                    .map(|p| match p {
                        Part::Text(t) => Expr::Str(t),
                        Part::Expr(e) => e,
                    })
                    .collect(),
            ),
        },
        other => Expr::call("json", vec![Expr::Str(other.to_string())]),
    })
}

impl Env for Interp<'_> {
    fn parameter(&self, name: &str) -> Option<Value> {
        self.params.get(name).cloned().or_else(|| {
            self.params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        })
    }

    fn trigger(&self) -> Option<Value> {
        Some(self.trigger.clone())
    }

    fn action(&self, name: &str) -> Option<Value> {
        self.records
            .get(&name.to_ascii_lowercase())
            .map(|r| Value::clone(r))
    }

    fn variable(&self, name: &str) -> Option<Value> {
        self.variables
            .get(name)
            .or_else(|| {
                self.variables
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            })
            .map(|v| v.value.clone())
    }

    fn item(&self, loop_name: Option<&str>) -> Option<Value> {
        match loop_name {
            None => self.loops.last().map(|(_, v)| v.clone()),
            Some(n) => {
                let n = n.to_ascii_lowercase();
                self.loops
                    .iter()
                    .rev()
                    .find(|(l, _)| *l == n)
                    .map(|(_, v)| v.clone())
            }
        }
    }

    fn iteration_index(&self, loop_name: &str) -> Option<i64> {
        let n = loop_name.to_ascii_lowercase();
        self.untils
            .iter()
            .rev()
            .find(|(l, _)| *l == n)
            .map(|(_, i)| *i)
    }

    fn result(&self, scope_name: &str) -> Option<Value> {
        self.results
            .get(&scope_name.to_ascii_lowercase())
            .map(|r| Value::Array(r.iter().map(|x| Value::clone(x)).collect()))
    }

    fn workflow(&self) -> Value {
        let id = format!(
            "{}/resourceGroups/{}/providers/Microsoft.Logic/workflows/playbook",
            format_args!("/subscriptions/{}", samples::SUBSCRIPTION),
            samples::RESOURCE_GROUP
        );
        let run = format!("08584000000000000000000000000CU{:02}", self.run_index);
        json!({
            "id": id,
            "name": "playbook",
            "type": "Microsoft.Logic/workflows",
            "location": "westeurope",
            "tags": {},
            "run": {
                "id": format!("{id}/runs/{run}"),
                "name": run,
                "type": "Microsoft.Logic/workflows/runs"
            }
        })
    }

    fn now(&self) -> String {
        time::format(self.now)
    }

    fn parameter_ref(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.params
            .get(name)
            .or_else(|| {
                self.params
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            })
            .map(Cow::Borrowed)
    }

    fn trigger_ref(&self) -> Option<Cow<'_, Value>> {
        Some(Cow::Borrowed(&self.trigger))
    }

    fn action_ref(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.records
            .get(&name.to_ascii_lowercase())
            .map(|r| Cow::Borrowed(&**r))
    }

    fn variable_ref(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.variables
            .get(name)
            .or_else(|| {
                self.variables
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            })
            .map(|v| Cow::Borrowed(&v.value))
    }

    fn item_ref(&self, loop_name: Option<&str>) -> Option<Cow<'_, Value>> {
        match loop_name {
            None => self.loops.last().map(|(_, v)| Cow::Borrowed(v)),
            Some(n) => {
                let n = n.to_ascii_lowercase();
                self.loops
                    .iter()
                    .rev()
                    .find(|(l, _)| *l == n)
                    .map(|(_, v)| Cow::Borrowed(v))
            }
        }
    }

    fn next_sequence(&self) -> u64 {
        let n = self.sequence.get();
        self.sequence.set(n + 1);
        n
    }
}
