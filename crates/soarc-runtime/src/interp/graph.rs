//! Containers (the top level, scopes, branches, loop bodies): `runAfter` order, Skipped
//! propagation, branch status; and the control actions.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
use std::rc::Rc;

use serde_json::{Map, Value};

use super::{Interp, Outcome, json_type, type_of};
use crate::trace::{ActionStatus, ErrorInfo, RunStatus};

/// What a container produced.
pub(crate) struct ContainerResult {
    /// The branch status: Succeeded or Failed.
    pub status: ActionStatus,
    /// Records of the container's own actions, in execution order (for `result()`).
    pub records: Vec<Rc<Value>>,
}

/// [EEH] "Manage the run after behavior": the statuses an action can wait for.
fn parse_status(s: &str) -> Option<ActionStatus> {
    match s.to_ascii_lowercase().as_str() {
        "succeeded" => Some(ActionStatus::Succeeded),
        "failed" => Some(ActionStatus::Failed),
        "skipped" => Some(ActionStatus::Skipped),
        "timedout" => Some(ActionStatus::TimedOut),
        _ => None,
    }
}

const MAX_FOREACH_ITEMS: usize = 100_000;
const MAX_UNTIL_COUNT: i64 = 5_000;
/// [LIM] "For each concurrency": default 20, at most 50.
const DEFAULT_FOREACH_DEGREE: usize = 20;
const MAX_FOREACH_DEGREE: u64 = 50;

impl Interp<'_> {
    /// Runs the actions of one container in `runAfter` order (ties broken by definition
    /// order, so runs are deterministic; Logic Apps runs independent branches in parallel).
    pub(crate) fn run_container(
        &mut self,
        actions: &Map<String, Value>,
        _top: bool,
    ) -> ActionStatus {
        self.run_actions(actions).status
    }

    pub(crate) fn run_actions(&mut self, actions: &Map<String, Value>) -> ContainerResult {
        let names: Vec<&String> = actions.keys().collect();
        let n = names.len();
        let mut index: HashMap<String, usize> = HashMap::with_capacity(n);
        for (i, name) in names.iter().enumerate() {
            index.insert(name.to_ascii_lowercase(), i);
        }
        // preds[i] = (predecessor, allowed statuses); an unknown predecessor (Logic Apps
        // rejects such a definition at save time) is reported on the action.
        let mut preds: Vec<Vec<(usize, Vec<ActionStatus>)>> = vec![Vec::new(); n];
        let mut bad: Vec<Option<String>> = vec![None; n];
        let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, name) in names.iter().enumerate() {
            let Some(run_after) = actions[*name].get("runAfter").and_then(Value::as_object) else {
                continue;
            };
            for (p, statuses) in run_after {
                let allowed: Vec<ActionStatus> = statuses
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().and_then(parse_status))
                            .collect()
                    })
                    .unwrap_or_default();
                match index.get(&p.to_ascii_lowercase()) {
                    Some(&j) if j != i => {
                        preds[i].push((j, allowed));
                        succ[j].push(i);
                    }
                    _ => {
                        bad[i] = Some(format!(
                            "runAfter names '{p}', which is not an action of the same scope (actions can only run after actions in the same control structure)"
                        ));
                    }
                }
            }
        }
        let mut indegree: Vec<usize> = preds.iter().map(Vec::len).collect();
        let mut ready: BTreeSet<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
        let mut status: Vec<Option<ActionStatus>> = vec![None; n];
        let mut records = Vec::with_capacity(n);
        while let Some(i) = ready.pop_first() {
            let name = names[i];
            let action = &actions[name];
            let (st, record) = if let Some(message) = bad[i].take() {
                let slot = self.reserve(name, type_of(action));
                let now = self.now;
                let o = Outcome::failed(Value::Null, "InvalidTemplate", message);
                let r = self.record(slot, name, type_of(action), action, o, now);
                (ActionStatus::Failed, r)
            } else if self.end.is_some() {
                // [SCH §Terminate] "skips any remaining actions".
                let r = self.skip(
                    name,
                    action,
                    "Terminated",
                    "The run was terminated before this action ran.".into(),
                );
                (ActionStatus::Skipped, r)
            } else if let Some((p, actual, expected)) = preds[i].iter().find_map(|(j, allowed)| {
                let actual = status[*j].expect("predecessor done");
                (!allowed.contains(&actual)).then_some((*j, actual, allowed))
            }) {
                // [EEH] "When an action throws an unhandled error or exception, the action is
                // marked Failed, and any successor action is marked Skipped."
                let expected: Vec<&str> = expected.iter().map(|s| s.as_str()).collect();
                let r = self.skip(
                    name,
                    action,
                    "ActionConditionFailed",
                    format!(
                        "The execution of template action '{name}' is skipped: the 'runAfter' condition for action '{}' is not satisfied. Expected status values '{}' and actual value '{}'.",
                        names[p],
                        expected.join(", "),
                        actual.as_str()
                    ),
                );
                (ActionStatus::Skipped, r)
            } else {
                self.run_action(name, action)
            };
            status[i] = Some(st);
            records.push(record);
            for &s in &succ[i] {
                indegree[s] -= 1;
                if indegree[s] == 0 {
                    ready.insert(s);
                }
            }
        }
        // Actions left are on a runAfter cycle (Logic Apps rejects those at save time).
        for i in 0..n {
            if status[i].is_none() {
                let name = names[i];
                let action = &actions[name];
                let slot = self.reserve(name, type_of(action));
                let now = self.now;
                let o = Outcome::failed(
                    Value::Null,
                    "InvalidTemplate",
                    format!("'{name}' is on a runAfter cycle and can never run"),
                );
                records.push(self.record(slot, name, type_of(action), action, o, now));
                status[i] = Some(ActionStatus::Failed);
            }
        }
        // Branch status [EEH]: "if a branch ends with a Skipped action, that branch's
        // completion status is based on that skipped action's predecessor status ... If any
        // branch ends in failure, the entire workflow run is marked Failed." Scopes use the
        // same rule ("If the final action in a scope is marked Failed or Aborted, the scope's
        // status is marked Failed").
        let mut memo: Vec<Option<bool>> = vec![None; n];
        let mut failed = false;
        for (i, successors) in succ.iter().enumerate() {
            if successors.is_empty() && branch_failed(i, &status, &preds, &mut memo) {
                failed = true;
            }
        }
        ContainerResult {
            status: if failed {
                ActionStatus::Failed
            } else {
                ActionStatus::Succeeded
            },
            records,
        }
    }

    /// Runs one action whose `runAfter` is satisfied; its status and record.
    pub(crate) fn run_action(&mut self, name: &str, action: &Value) -> (ActionStatus, Rc<Value>) {
        let kind = type_of(action).to_string();
        let slot = self.reserve(name, &kind);
        let start = self.now;
        let outcome = match kind.to_ascii_lowercase().as_str() {
            "scope" => self.scope(name, action),
            "if" => self.if_action(name, action),
            "switch" => self.switch(name, action),
            "foreach" => self.foreach(name, action),
            "until" => self.until(name, action),
            _ => {
                self.depth += 1;
                let o = self.simple_action(name, &kind, action);
                self.depth -= 1;
                self.taint(name, &kind, action);
                o
            }
        };
        let status = outcome.status;
        let record = self.record(slot, name, &kind, action, outcome, start);
        (status, record)
    }

    fn children<'a>(&self, action: &'a Value, key: &str) -> &'a Map<String, Value> {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        action
            .get(key)
            .and_then(Value::as_object)
            .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
    }

    /// Runs a nested container and records its actions for `result(name)`.
    fn nested(&mut self, name: &str, actions: &Map<String, Value>) -> ActionStatus {
        self.depth += 1;
        let r = self.run_actions(actions);
        self.depth -= 1;
        self.results
            .entry(name.to_ascii_lowercase())
            .or_default()
            .extend(r.records);
        r.status
    }

    /// Marks every action of an untaken branch Skipped ([SCH §If]: "'Skipped' when the
    /// respective branch doesn't run").
    fn skip_branch(&mut self, name: &str, actions: &Map<String, Value>) {
        for (child, action) in actions {
            let r = self.skip(
                child,
                action,
                "ActionBranchingConditionNotSatisfied",
                format!(
                    "The execution of template action '{child}' skipped: the branching condition for this action is not satisfied."
                ),
            );
            self.results
                .entry(name.to_ascii_lowercase())
                .or_default()
                .push(r);
        }
    }

    fn container_outcome(status: ActionStatus, inputs: Value, outputs: Value) -> Outcome {
        if status == ActionStatus::Succeeded {
            Outcome::ok(inputs, outputs)
        } else {
            let mut o = Outcome::failed(
                inputs,
                "ActionFailed",
                "An action failed. No dependent actions succeeded.".into(),
            );
            o.outputs = outputs;
            o
        }
    }

    fn scope(&mut self, name: &str, action: &Value) -> Outcome {
        self.results.insert(name.to_ascii_lowercase(), Vec::new());
        let status = self.nested(name, self.children(action, "actions"));
        Self::container_outcome(status, Value::Null, Value::Null)
    }

    /// [SCH §If action]: "If the condition is true, the condition is marked with 'Succeeded'
    /// status"; the untaken branch's actions are Skipped; the If's status follows its branch.
    fn if_action(&mut self, name: &str, action: &Value) -> Outcome {
        self.results.insert(name.to_ascii_lowercase(), Vec::new());
        let cond = action.get("expression").unwrap_or(&Value::Bool(false));
        let taken = match self.eval_condition(cond) {
            Ok(b) => b,
            Err(e) => return invalid_template(name, "expression", e),
        };
        let then = self.children(action, "actions");
        let otherwise = action.pointer("/else/actions").and_then(Value::as_object);
        let inputs = serde_json::json!({"expressionResult": taken});
        let status = if taken {
            let s = self.nested(name, then);
            if let Some(o) = otherwise {
                self.skip_branch(name, o);
            }
            s
        } else {
            self.skip_branch(name, then);
            match otherwise {
                Some(o) => self.nested(name, o),
                None => ActionStatus::Succeeded,
            }
        };
        Self::container_outcome(status, inputs, Value::Null)
    }

    /// [SCH §Switch action]: "either only one matching case exists or no matches exist. If no
    /// matches exist, the Switch action runs the default actions." Cases compare by value and
    /// type (a case `1` does not match the string `"1"`).
    fn switch(&mut self, name: &str, action: &Value) -> Outcome {
        self.results.insert(name.to_ascii_lowercase(), Vec::new());
        let on = match action.get("expression") {
            Some(Value::String(s)) => match self.eval_str(s) {
                Ok(v) => v,
                Err(e) => return invalid_template(name, "expression", e),
            },
            Some(other) => other.clone(),
            None => Value::Null,
        };
        let cases = self.children(action, "cases");
        let chosen = cases.iter().find(|(_, c)| c.get("case") == Some(&on));
        let mut status = ActionStatus::Succeeded;
        for (case_name, case) in cases {
            let actions = self.children(case, "actions");
            if chosen.is_some_and(|(n, _)| n == case_name) {
                status = self.nested(name, actions);
            } else {
                self.skip_branch(name, actions);
            }
        }
        if let Some(default) = action
            .pointer("/default/actions")
            .and_then(Value::as_object)
        {
            if chosen.is_none() {
                status = self.nested(name, default);
            } else {
                self.skip_branch(name, default);
            }
        }
        Self::container_outcome(
            status,
            serde_json::json!({"expressionResult": on}),
            Value::Null,
        )
    }

    /// [LOOPS]: Foreach runs its body once per item. "If you specify data that's not in an
    /// array, the workflow fails." A failed iteration fails the loop; the other iterations
    /// still run.
    ///
    /// Concurrency ([SCH §Foreach]: `runtimeConfiguration.concurrency.repetitions` "can have
    /// a value that ranges from 1 and 50", default 20 [LIM "For each concurrency"];
    /// `operationOptions: "Sequential"` runs one at a time; [LOOPS] "A nested For each
    /// action always runs sequentially"). soarc models the degree on the virtual clock: N
    /// workers, each item starts when the earliest worker is free, and the loop ends when the
    /// last item ends (a Wait or a retry delay in 30 parallel iterations costs twice its
    /// time, not thirty times). What differs from Logic Apps, deliberately, so that runs are
    /// deterministic: the iterations' actions run one item after another in array order, so
    /// each iteration sees the variables, built-in service records and mock answers the
    /// earlier ones left, where Logic Apps interleaves them unpredictably ([LOOPS]:
    /// "Increment variable, Decrement variable, and Append to variable might return
    /// unpredictable results in parallel loops"); the trace lists the iterations in item
    /// order.
    fn foreach(&mut self, name: &str, action: &Value) -> Outcome {
        self.results.insert(name.to_ascii_lowercase(), Vec::new());
        let items = match action.get("foreach") {
            Some(Value::String(s)) => match self.eval_str(s) {
                Ok(v) => v,
                Err(e) => return invalid_template(name, "foreach", e),
            },
            Some(v) => v.clone(),
            None => Value::Null,
        };
        let items = match items {
            Value::Array(a) => a,
            // A null from `?[]` on a missing property: Logic Apps fails the loop with
            // "The execution of template action ... failed: the result of the evaluation of
            // 'foreach' expression ... is of type 'Null'. The result must be a valid array."
            other => {
                return Outcome::failed(
                    Value::Null,
                    "InvalidTemplate",
                    format!(
                        "The execution of template action '{name}' failed: the result of the evaluation of 'foreach' expression '{}' is of type '{}'. The result must be a valid array.",
                        action.get("foreach").and_then(Value::as_str).unwrap_or(""),
                        json_type(&other)
                    ),
                );
            }
        };
        if items.len() > MAX_FOREACH_ITEMS {
            return Outcome::failed(
                Value::Null,
                "InvalidTemplate",
                format!(
                    "'{name}' would iterate {} items; Logic Apps allows at most {MAX_FOREACH_ITEMS} [limits page]",
                    items.len()
                ),
            );
        }
        let body = self.children(action, "actions");
        let mut status = ActionStatus::Succeeded;
        let count = items.len();
        let degree = self.foreach_degree(action);
        let lname = name.to_ascii_lowercase();
        // Worker-free times, earliest first: at most `degree` items in flight.
        let start = self.now;
        let mut free: BinaryHeap<Reverse<i64>> = BinaryHeap::with_capacity(degree.min(count));
        let mut end = start;
        for (i, item) in items.into_iter().enumerate() {
            if self.end.is_some() {
                break;
            }
            self.now = if i < degree {
                start
            } else {
                free.pop().map(|Reverse(t)| t).unwrap_or(start)
            };
            self.loops.push((lname.clone(), item));
            if self.nested(name, body) != ActionStatus::Succeeded {
                status = ActionStatus::Failed;
            }
            self.loops.pop();
            free.push(Reverse(self.now));
            end = end.max(self.now);
        }
        self.now = end;
        Self::container_outcome(status, serde_json::json!({"count": count}), Value::Null)
    }

    /// How many iterations of a Foreach run at once (see [`Interp::foreach`]).
    fn foreach_degree(&self, action: &Value) -> usize {
        let sequential = action
            .get("operationOptions")
            .and_then(Value::as_str)
            .is_some_and(|o| {
                o.split(',')
                    .any(|x| x.trim().eq_ignore_ascii_case("Sequential"))
            });
        let nested = self
            .loops
            .iter()
            .any(|(loop_name, _)| !loop_name.is_empty());
        if sequential || nested {
            return 1;
        }
        action
            .pointer("/runtimeConfiguration/concurrency/repetitions")
            .and_then(Value::as_u64)
            .map(|n| n.clamp(1, MAX_FOREACH_DEGREE) as usize)
            .unwrap_or(DEFAULT_FOREACH_DEGREE)
    }

    /// [SCH §Until], [LOOPS §Until]: the body runs, then the condition is checked; the loop
    /// ends when it is true, at `limit.count` iterations (default 60, max 5,000) or when
    /// `limit.timeout` (default PT1H) has elapsed on the virtual clock before the next
    /// cycle. "If all actions in last iteration of the Until loop succeed, the entire Until
    /// loop is marked as Succeeded. If any action fails in the last iteration ... marked as
    /// Failed." Reaching a limit is not a failure unless `operationOptions` is
    /// `FailWhenLimitsReached`.
    fn until(&mut self, name: &str, action: &Value) -> Outcome {
        self.results.insert(name.to_ascii_lowercase(), Vec::new());
        let count = action
            .pointer("/limit/count")
            .and_then(|v| match v {
                Value::String(s) => self.eval_str(s).ok().and_then(|v| v.as_i64()),
                v => v.as_i64(),
            })
            .unwrap_or(60)
            .clamp(1, MAX_UNTIL_COUNT);
        let timeout_ms = action
            .pointer("/limit/timeout")
            .and_then(Value::as_str)
            .and_then(soarc_lang::limits::duration_seconds)
            .map(|s| (s * 1000.0) as i64)
            .unwrap_or(3_600_000);
        let fail_on_limits = action
            .get("operationOptions")
            .and_then(Value::as_str)
            .is_some_and(|o| o.to_ascii_lowercase().contains("failwhenlimitsreached"));
        let cond = action.get("expression").unwrap_or(&Value::Bool(true));
        let body = self.children(action, "actions");
        let start = self.now;
        let lname = name.to_ascii_lowercase();
        let mut iterations = 0;
        let mut status;
        let mut limit_hit = None;
        loop {
            self.untils.push((lname.clone(), iterations));
            status = self.nested(name, body);
            self.untils.pop();
            iterations += 1;
            if self.end.is_some() {
                break;
            }
            // The condition sees the last iteration's index.
            self.untils.push((lname.clone(), iterations - 1));
            let done = self.eval_condition(cond);
            self.untils.pop();
            match done {
                Ok(true) => break,
                Ok(false) => {}
                Err(e) => return invalid_template(name, "expression", e),
            }
            if iterations >= count {
                limit_hit = Some(format!("the count limit of {count} iterations"));
                break;
            }
            if self.now - start >= timeout_ms {
                limit_hit = Some(format!(
                    "the timeout of {}",
                    action
                        .pointer("/limit/timeout")
                        .and_then(Value::as_str)
                        .unwrap_or("PT1H")
                ));
                break;
            }
        }
        let inputs = serde_json::json!({"iterations": iterations});
        match limit_hit {
            Some(limit) if fail_on_limits && status == ActionStatus::Succeeded => Outcome::failed(
                inputs,
                "ActionFailed",
                format!("The Until loop '{name}' reached {limit} before its condition held."),
            ),
            _ => Self::container_outcome(status, inputs, Value::Null),
        }
    }

    /// Ends the run with `status` (Terminate, a missing mock).
    pub(crate) fn end_run(&mut self, status: RunStatus, error: Option<ErrorInfo>) {
        if self.end.is_none() {
            self.end = Some((status, error));
        }
    }
}

/// The expression of an action's `field` could not be evaluated.
pub(crate) fn invalid_template(name: &str, field: &str, message: String) -> Outcome {
    Outcome::failed(
        Value::Null,
        "InvalidTemplate",
        format!(
            "Unable to process template language expressions in action '{name}' {field}: '{message}'."
        ),
    )
}

/// Whether the branch ending at `i` ends in failure (Skipped resolves to its predecessors).
fn branch_failed(
    i: usize,
    status: &[Option<ActionStatus>],
    preds: &[Vec<(usize, Vec<ActionStatus>)>],
    memo: &mut [Option<bool>],
) -> bool {
    // Iterative post-order over the Skipped chain, memoised: linear in the graph.
    let mut stack = vec![(i, false)];
    while let Some((j, expanded)) = stack.pop() {
        if memo[j].is_some() {
            continue;
        }
        match status[j] {
            Some(ActionStatus::Skipped) => {
                if expanded || preds[j].is_empty() {
                    let f = preds[j].iter().any(|(p, _)| memo[*p] == Some(true));
                    memo[j] = Some(f);
                } else {
                    stack.push((j, true));
                    for (p, _) in &preds[j] {
                        if memo[*p].is_none() {
                            stack.push((*p, false));
                        }
                    }
                }
            }
            Some(ActionStatus::Succeeded) => memo[j] = Some(false),
            _ => memo[j] = Some(true),
        }
    }
    memo[i] == Some(true)
}
