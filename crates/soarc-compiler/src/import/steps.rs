//! One workflow definition to one spec playbook: trigger, `as_imported:` and steps.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use indexmap::{IndexMap, IndexSet};
use serde_json::{Map, Value, json};
use soarc_lang::diagnostics::{Diagnostic, Span};

use super::typed::{self, Block, Place, Proposed};
use super::{PlaybookStats, Wiring, arm, cannot_import, connection_declaration};
use crate::codes;

/// The `$connections` key of the Sentinel connection soarc generates (the implicit
/// `sentinel` connection).
const SENTINEL_KEY: &str = "azuresentinel";

/// The definition keys soarc writes; any other top-level key cannot be imported.
const DEFINITION_KEYS: &[&str] = &[
    "$schema",
    "contentVersion",
    "parameters",
    "triggers",
    "actions",
    "outputs",
];

/// State of one playbook's import.
pub(super) struct Context<'a> {
    pointer: &'a str,
    wiring: &'a IndexMap<String, Wiring>,
    used: IndexSet<String>,
    stats: PlaybookStats,
    /// Variables declared by `initialize_variable` proposals so far, with their types.
    variables: IndexMap<String, String>,
    /// The trigger's fields as `{{...}}` references, by the expression they stand for.
    trigger_refs: std::collections::HashMap<String, String>,
}

impl<'a> Context<'a> {
    pub(super) fn new(pointer: &'a str, wiring: &'a IndexMap<String, Wiring>) -> Self {
        Context {
            pointer,
            wiring,
            used: IndexSet::new(),
            stats: PlaybookStats::default(),
            variables: IndexMap::new(),
            trigger_refs: std::collections::HashMap::new(),
        }
    }

    pub(super) fn stats(&self, name: &str) -> PlaybookStats {
        PlaybookStats {
            name: name.to_string(),
            ..self.stats.clone()
        }
    }

    /// The spec connections the playbook uses, by name (= `$connections` key).
    pub(super) fn connections(&self) -> Vec<(String, Value)> {
        self.used
            .iter()
            .filter_map(|key| {
                let wiring = self.wiring.get(key).cloned().unwrap_or_else(|| Wiring {
                    api: api_from_key(key),
                    custom: false,
                    custom_api: None,
                    managed_identity: false,
                    parameter_values: Map::new(),
                });
                if key == SENTINEL_KEY && wiring.api == SENTINEL_KEY {
                    return None; // the implicit `sentinel` connection
                }
                Some((key.clone(), connection_declaration(key, &wiring)))
            })
            .collect()
    }

    pub(super) fn playbook(
        &mut self,
        name: &str,
        definition: &Value,
        workflow: &arm::FoundWorkflow,
        scope: &arm::Scope,
        mut kept: IndexMap<String, Value>,
        locate: &dyn Fn(&str) -> Span,
    ) -> Result<Value, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let Some(definition) = definition.as_object() else {
            return Err(vec![
                Diagnostic::error(
                    codes::IMP002.code,
                    "the workflow definition is not an object",
                )
                .at(locate(self.pointer)),
            ]);
        };
        for key in definition.keys() {
            if !DEFINITION_KEYS.contains(&key.as_str()) {
                let pointer = soarc_validate::json::child(self.pointer, key);
                errors.push(cannot_import(
                    &codes::IMP004,
                    &pointer,
                    format!("the definition's `{key}` has no equivalent in a spec"),
                    "remove it from the definition (soarc writes `$schema`, `contentVersion`, `parameters`, `triggers`, `actions` and `outputs`), then import again",
                    locate(&pointer),
                ));
            }
        }
        let mut as_imported = Map::new();
        // Trigger.
        let triggers = definition
            .get("triggers")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let trigger = if triggers.len() == 1 {
            let (trigger_name, trigger) = triggers.iter().next().expect("one trigger");
            self.scan_connections(trigger);
            let (spec_trigger, soarc_name) = spec_trigger(trigger);
            let kind = match &spec_trigger {
                Value::String(kind) => kind.as_str(),
                Value::Object(kind) if kind.contains_key("entity") => "entity",
                _ => "",
            };
            self.trigger_refs = typed::trigger_refs(kind);
            if soarc_name != Some(trigger_name.as_str()) {
                as_imported.insert("trigger_name".into(), json!(trigger_name));
            }
            spec_trigger
        } else {
            let pointer = format!("{}/triggers", self.pointer);
            errors.push(cannot_import(
                &codes::IMP005,
                &pointer,
                format!(
                    "the workflow has {} triggers; a soarc playbook has exactly one",
                    triggers.len()
                ),
                "split the workflow into one playbook per trigger, then import each",
                locate(&pointer),
            ));
            Value::Null
        };
        // Parameters: declarations as written, with the value the workflow resource gives.
        if let Some(parameters) = definition.get("parameters").and_then(Value::as_object) {
            let mut kept = Map::new();
            for (key, declaration) in parameters {
                let mut declaration = declaration.clone();
                if key != "$connections"
                    && let Some(value) = workflow
                        .parameter_values
                        .as_ref()
                        .and_then(|p| p.get(key))
                        .and_then(|p| p.get("value"))
                {
                    match scope.evaluate(value) {
                        Ok(value) => {
                            declaration["defaultValue"] = value;
                        }
                        Err((at, e)) => {
                            let pointer = format!(
                                "{}{}",
                                soarc_validate::json::child(
                                    &format!("{}/properties/parameters", workflow.pointer),
                                    key
                                ),
                                format_args!("/value{at}")
                            );
                            errors.push(cannot_import(
                                &codes::IMP003,
                                &pointer,
                                format!("cannot import the value of workflow parameter `{key}`: {}", e.0),
                                "give the template parameter a default value (or write the value in place of the expression), then import again",
                                locate(&pointer),
                            ));
                        }
                    }
                }
                kept.insert(key.clone(), declaration);
            }
            if !kept.is_empty() {
                as_imported.insert("parameters".into(), Value::Object(kept));
            }
        }
        if let Some(outputs) = definition
            .get("outputs")
            .and_then(Value::as_object)
            .filter(|o| !o.is_empty())
        {
            as_imported.insert("outputs".into(), Value::Object(outputs.clone()));
        }
        // Actions, in an order that respects runAfter.
        let actions = definition
            .get("actions")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let entries: Vec<(&String, &Value)> = actions.iter().collect();
        let order = match run_order(&entries) {
            Ok(order) => order,
            Err((name, missing)) => {
                let pointer = format!(
                    "{}/runAfter",
                    soarc_validate::json::child(&format!("{}/actions", self.pointer), &name)
                );
                errors.push(cannot_import(
                    &codes::IMP006,
                    &pointer,
                    match missing {
                        Some(missing) => format!(
                            "action `{name}` runs after `{missing}`, which is not an action of the same block"
                        ),
                        None => format!("action `{name}` is part of a runAfter cycle"),
                    },
                    "fix the workflow's runAfter (Logic Apps rejects it too), then import again",
                    locate(&pointer),
                ));
                return Err(errors);
            }
        };
        let mut run_after = Map::new();
        let mut steps = Vec::new();
        let mut previous: Option<&str> = None;
        for index in order {
            let (action_name, action) = entries[index];
            let written = action.get("runAfter").cloned().unwrap_or_else(|| json!({}));
            let chained = match previous {
                Some(previous) => json!({ previous: ["Succeeded"] }),
                None => json!({}),
            };
            if written != chained {
                run_after.insert(action_name.clone(), written);
            }
            previous = Some(action_name);
            let pointer =
                soarc_validate::json::child(&format!("{}/actions", self.pointer), action_name);
            match self.step(action_name, action) {
                Ok(step) => steps.push(step),
                Err((what, help)) => errors.push(cannot_import(
                    &codes::IMP007,
                    &pointer,
                    what,
                    help,
                    locate(&pointer),
                )),
            }
        }
        if !run_after.is_empty() {
            as_imported.insert("run_after".into(), Value::Object(run_after));
        }
        for key in &self.used {
            if self.wiring.get(key).is_some_and(|w| w.custom) {
                let pointer = format!(
                    "{}/properties/parameters/$connections/value/{}",
                    workflow.pointer,
                    key.replace('~', "~0").replace('/', "~1")
                );
                errors.push(cannot_import(
                    &codes::IMP009,
                    &pointer,
                    format!("connection `{key}` is a custom connector (Microsoft.Web/customApis) whose name the template does not say"),
                    "give the template parameter that names the custom connector a value (or use --parameters), or call the service with an `http` step instead, then import again",
                    locate(&pointer),
                ));
            }
        }
        // A workflow without actions (a template skeleton: Logic Apps saves and deploys it,
        // `actions` is optional) becomes an `as_imported` playbook with `steps: []`, which
        // the compiler accepts only under `as_imported:` (SPEC031).
        if !errors.is_empty() {
            return Err(errors);
        }
        // The template parameters the deployment values use (of the definition and of the
        // workflow parameters' values), declared before verification compiles the playbook:
        // its `{ $arm: "parameters('...')" }` values must name declared parameters.
        kept.extend(scope.take_kept());
        if !kept.is_empty() {
            as_imported.insert(
                "template_parameters".into(),
                super::template_parameters(kept),
            );
        }
        let mut playbook = Map::new();
        playbook.insert("name".into(), json!(name));
        playbook.insert("trigger".into(), trigger);
        playbook.insert("as_imported".into(), Value::Object(as_imported));
        // Typed proposals are kept only where the playbook compiles to the original.
        let mut spec = json!({
            "deployment": {
                "subscription_id": "00000000-0000-0000-0000-000000000000",
                "resource_group": "FILL-IN",
                "workspace": { "name": "FILL-IN" }
            },
            "playbooks": [Value::Object(playbook.clone())]
        });
        let connections: Map<String, Value> = self.connections().into_iter().collect();
        if !connections.is_empty() {
            spec["connections"] = Value::Object(connections);
        }
        typed::verify(&spec, &mut steps);
        let mut counts = typed::Counts::default();
        typed::count(&steps, &mut counts);
        self.stats.typed += counts.typed;
        self.stats.connector += counts.connector;
        self.stats.verbatim += counts.verbatim;
        let mut playbook = Value::Object(playbook);
        typed::with_steps(&mut playbook, &steps);
        Ok(playbook)
    }

    /// One action to one step: a typed step, `connector`, or the `action` escape hatch
    /// (proposed; [`typed::verify`] decides).
    fn step(&mut self, name: &str, action: &Value) -> Result<Proposed, (String, &'static str)> {
        let Some(object) = action.as_object() else {
            return Err((
                format!("action `{name}` is not an object"),
                "fix the workflow definition, then import again",
            ));
        };
        if object.get("type").and_then(Value::as_str).is_none() {
            return Err((
                format!("action `{name}` has no `type`"),
                "fix the workflow definition (every action has a type), then import again",
            ));
        }
        if let Some(text) = soarc_reference_in(action) {
            return Err((
                format!(
                    "action `{name}` has `{text}` in its text, which a spec would read as a soarc reference"
                ),
                "soarc cannot yet write `{{` literally in an `action` step: change the text (e.g. `{ {`), then import again",
            ));
        }
        self.scan_connections(action);
        let nested = count_actions(action);
        self.stats.actions += 1 + nested;
        Ok(self.proposed(
            name,
            object,
            nested,
            Place {
                top_level: true,
                parallel_loop: false,
            },
        ))
    }

    /// The escape hatch for an action and, where one fits, its typed step, with the nested
    /// actions of a container proposed in turn.
    fn proposed(
        &mut self,
        name: &str,
        object: &Map<String, Value>,
        nested: usize,
        place: Place,
    ) -> Proposed {
        let mut definition = object.clone();
        definition.shift_remove("runAfter");
        let action = Value::Object(object.clone());
        let mut proposed = Proposed {
            name: name.to_string(),
            verbatim: json!({ "action": { "name": name, "definition": definition } }),
            original: action.clone(),
            typed: None,
            connector: false,
            blocks: Vec::new(),
            nested,
            run_after: None,
            fallback: None,
            description: None,
        };
        // A description has no place in a typed step: it is proposed without it and kept
        // under `as_imported.descriptions` while the step stays typed.
        let mut undescribed;
        let object = match object.get("description") {
            Some(Value::String(description)) => {
                proposed.description = Some(description.clone());
                undescribed = object.clone();
                undescribed.shift_remove("description");
                &undescribed
            }
            _ => object,
        };
        let wiring = self.wiring;
        // The spec connection a `$connections` key names: the implicit `sentinel` for
        // soarc's Sentinel key, else the key (import names connections by their keys).
        let connection_name = |key: &str| -> Option<String> {
            if wiring.get(key).is_some_and(|w| w.custom) {
                return None;
            }
            let api = wiring
                .get(key)
                .map_or_else(|| api_from_key(key), |w| w.api.clone());
            Some(if key == SENTINEL_KEY && api == SENTINEL_KEY {
                crate::names::SENTINEL.to_string()
            } else {
                key.to_string()
            })
        };
        let Some((step, slots, connector)) = typed::propose(
            name,
            object,
            place,
            &mut self.variables,
            &self.trigger_refs,
            &connection_name,
        ) else {
            return proposed;
        };
        let sequential = step
            .get("foreach")
            .is_some_and(|f| f.get("sequential") == Some(&json!(true)));
        let inner = Place {
            top_level: false,
            parallel_loop: place.parallel_loop || (step.get("foreach").is_some() && !sequential),
        };
        let mut blocks = Vec::new();
        for (in_step, in_action) in slots {
            let actions = in_action
                .iter()
                .try_fold(&action, |v, k| v.get(k.as_str()))
                .and_then(Value::as_object);
            let Some(steps) = actions.and_then(|a| self.chained_block(a, inner)) else {
                return proposed;
            };
            blocks.push(Block {
                in_step,
                in_action,
                steps,
            });
        }
        // A typed connector step where one writes the operation, the `connector` step as
        // its fallback.
        match typed::connector_operation(object, &step, &self.trigger_refs).filter(|_| connector) {
            Some(operation) => {
                proposed.typed = Some(operation);
                proposed.fallback = Some(step);
            }
            None => {
                proposed.typed = Some(step);
                proposed.connector = connector;
            }
        }
        proposed.blocks = blocks;
        proposed
    }

    /// The nested actions of a container, proposed in run order; a `runAfter` other than
    /// "after the one before succeeded" is kept for `as_imported.run_after`. `None` when an
    /// action has no `runAfter` (a step list writes one for every action) or the graph is
    /// not one (the container then stays an escape hatch).
    fn chained_block(
        &mut self,
        actions: &Map<String, Value>,
        place: Place,
    ) -> Option<Vec<Proposed>> {
        let entries: Vec<(&String, &Value)> = actions.iter().collect();
        let order = run_order(&entries).ok()?;
        let mut previous: Option<&str> = None;
        let mut steps = Vec::with_capacity(entries.len());
        for index in order {
            let (name, action) = entries[index];
            // Every action of a step list is written with `runAfter` (`{}` for the first); one
            // written without starts with its block, as one with `{}` does, and is read so
            // (the round trip compares them equal).
            let written = action.get("runAfter").cloned().unwrap_or_else(|| json!({}));
            let chained = match previous {
                Some(previous) => json!({ previous: ["Succeeded"] }),
                None => json!({}),
            };
            previous = Some(name);
            let nested = count_actions(action);
            let mut step = self.proposed(name, action.as_object()?, nested, place);
            if written != chained {
                step.run_after = Some(written);
            }
            steps.push(step);
        }
        Some(steps)
    }

    /// Record the `$connections` keys `value` names (`@parameters('$connections')['key']`).
    fn scan_connections(&mut self, value: &Value) {
        match value {
            Value::String(s) => {
                const NEEDLE: &str = "parameters('$connections')['";
                let mut rest = s.as_str();
                while let Some(at) = rest.find(NEEDLE) {
                    rest = &rest[at + NEEDLE.len()..];
                    if let Some(end) = rest.find('\'') {
                        self.used.insert(rest[..end].to_string());
                        rest = &rest[end..];
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.scan_connections(v)),
            Value::Object(members) => members.values().for_each(|v| self.scan_connections(v)),
            _ => {}
        }
    }
}

/// The managed API a `$connections` key names when no template says (`office365_1` is
/// `office365`).
pub(super) fn api_from_key(key: &str) -> String {
    let trimmed = key.trim_end_matches(|c: char| c.is_ascii_digit());
    let trimmed = trimmed
        .strip_suffix('_')
        .or_else(|| trimmed.strip_suffix('-'))
        .filter(|t| !t.is_empty() && trimmed.len() < key.len())
        .unwrap_or(key);
    trimmed.to_ascii_lowercase()
}

/// The spec trigger for a workflow trigger, and the name soarc gives that trigger kind:
/// a soarc kind when soarc generates exactly this trigger for it (see `compile::trigger`),
/// else `verbatim` (no soarc name).
fn spec_trigger(trigger: &Value) -> (Value, Option<&'static str>) {
    let sentinel = |path: &str| {
        json!({
            "type": "ApiConnectionWebhook",
            "inputs": {
                "host": { "connection": { "name": "@parameters('$connections')['azuresentinel']['connectionId']" } },
                "path": path,
                "body": { "callback_url": "@{listCallbackUrl()}" }
            }
        })
    };
    if *trigger == sentinel("/incident-creation") {
        return (json!("incident"), Some("Microsoft_Sentinel_incident"));
    }
    if *trigger == sentinel("/subscribe") {
        return (json!("alert"), Some("Microsoft_Sentinel_alert"));
    }
    for (kind, written) in [
        ("account", "Account"),
        ("host", "Host"),
        ("ip", "IP"),
        ("url", "URL"),
        ("filehash", "FileHash"),
    ] {
        let path = format!("/entity/@{{encodeURIComponent('{written}')}}");
        if *trigger == sentinel(&path) {
            return (
                json!({ "entity": { "kind": kind } }),
                Some("Microsoft_Sentinel_entity"),
            );
        }
    }
    if let Some(object) = trigger.as_object()
        && object.get("type") == Some(&json!("Recurrence"))
        && let Some(recurrence) = object.get("recurrence").and_then(Value::as_object)
        && recurrence.len() == 2
        && let (Some(frequency), Some(interval)) = (
            recurrence.get("frequency").and_then(Value::as_str),
            recurrence.get("interval").and_then(Value::as_u64),
        )
        && ["Second", "Minute", "Hour", "Day", "Week", "Month"].contains(&frequency)
        && interval >= 1
        && u32::try_from(interval).is_ok()
    {
        let single =
            object.get("runtimeConfiguration") == Some(&json!({ "concurrency": { "runs": 1 } }));
        let expected_len = if single { 3 } else { 2 };
        if object.len() == expected_len {
            let mut spec = json!({ "frequency": frequency, "interval": interval });
            if single {
                spec["single_instance"] = json!(true);
            }
            return (json!({ "recurrence": spec }), Some("Recurrence"));
        }
    }
    if let Some(object) = trigger.as_object()
        && object.len() == 3
        && object.get("type") == Some(&json!("Request"))
        && object.get("kind") == Some(&json!("Http"))
        && let Some(inputs) = object.get("inputs").and_then(Value::as_object)
        && inputs.len() == 2
        && inputs.get("method") == Some(&json!("POST"))
        && let Some(schema) = inputs.get("schema")
    {
        let spec = if schema.as_object().is_some_and(Map::is_empty) {
            json!({ "http-request": {} })
        } else {
            json!({ "http-request": { "schema": schema } })
        };
        return (spec, Some("When_an_HTTP_request_is_received"));
    }
    (json!({ "verbatim": trigger }), None)
}

/// Indexes of `actions` in an order where every action comes after those it runs after
/// (Kahn's algorithm, ties in written order: O(n log n)); the action and the missing
/// predecessor (or `None` for a cycle) otherwise.
fn run_order(actions: &[(&String, &Value)]) -> Result<Vec<usize>, (String, Option<String>)> {
    let index: IndexMap<&str, usize> = actions
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.as_str(), i))
        .collect();
    let mut waiting = vec![0usize; actions.len()];
    let mut followers: Vec<Vec<usize>> = vec![Vec::new(); actions.len()];
    for (i, (name, action)) in actions.iter().enumerate() {
        if let Some(after) = action.get("runAfter").and_then(Value::as_object) {
            for predecessor in after.keys() {
                let Some(&p) = index.get(predecessor.as_str()) else {
                    return Err(((*name).clone(), Some(predecessor.clone())));
                };
                waiting[i] += 1;
                followers[p].push(i);
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = waiting
        .iter()
        .enumerate()
        .filter(|(_, w)| **w == 0)
        .map(|(i, _)| Reverse(i))
        .collect();
    let mut order = Vec::with_capacity(actions.len());
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for &f in &followers[i] {
            waiting[f] -= 1;
            if waiting[f] == 0 {
                ready.push(Reverse(f));
            }
        }
    }
    if order.len() < actions.len() {
        let placed: BTreeSet<usize> = order.iter().copied().collect();
        let stuck = (0..actions.len())
            .find(|i| !placed.contains(i))
            .expect("one left");
        return Err((actions[stuck].0.clone(), None));
    }
    Ok(order)
}

/// Actions nested in a container action (branches, loop bodies, cases), at any depth.
pub(super) fn count_actions(action: &Value) -> usize {
    let mut count = 0;
    let mut blocks: Vec<&Value> = Vec::new();
    push_blocks(action, &mut blocks);
    while let Some(block) = blocks.pop() {
        if let Some(actions) = block.as_object() {
            for inner in actions.values() {
                count += 1;
                push_blocks(inner, &mut blocks);
            }
        }
    }
    count
}

/// The action lists directly inside `action`: `actions`, `else`, `default` and each case.
fn push_blocks<'v>(action: &'v Value, blocks: &mut Vec<&'v Value>) {
    let mut push = |holder: &'v Value| {
        if let Some(actions) = holder.get("actions") {
            blocks.push(actions);
        }
    };
    push(action);
    if let Some(otherwise) = action.get("else") {
        push(otherwise);
    }
    if let Some(default) = action.get("default") {
        push(default);
    }
    if let Some(cases) = action.get("cases").and_then(Value::as_object) {
        for case in cases.values() {
            push(case);
        }
    }
}

/// The first `{{...}}` in the literal text of a string of `value` (outside `@{...}`), which
/// the spec would read as a soarc reference.
fn soarc_reference_in(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => {
            let start = s.find("{{")?;
            // Inside an expression (`@{...}` or a whole `@...` string) it is not literal text.
            let template = soarc_lang::wdl::Template::parse(s).ok()?;
            let literal = template_literal_text(&template);
            literal.contains("{{").then(|| {
                let end = s[start..].find("}}").map_or(s.len(), |e| start + e + 2);
                s[start..end.min(start + 40)].to_string()
            })
        }
        Value::Array(items) => items.iter().find_map(soarc_reference_in),
        Value::Object(members) => members.iter().find_map(|(k, v)| {
            soarc_reference_in(&Value::String(k.clone())).or_else(|| soarc_reference_in(v))
        }),
        _ => None,
    }
}

fn template_literal_text(template: &soarc_lang::wdl::Template) -> String {
    match template {
        soarc_lang::wdl::Template::Literal(text) => text.clone(),
        soarc_lang::wdl::Template::Expr(_) => String::new(),
        soarc_lang::wdl::Template::Interpolated(parts) => parts
            .iter()
            .filter_map(|p| match p {
                soarc_lang::wdl::Part::Text(t) => Some(t.as_str()),
                soarc_lang::wdl::Part::Expr(_) => None,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_actions_by_run_after_and_reports_missing_and_cycles() {
        let actions = json!({
            "C": { "runAfter": { "B": ["Succeeded"], "A": ["Failed"] } },
            "B": { "runAfter": { "A": ["Succeeded"] } },
            "A": { "runAfter": {} },
            "D": {}
        });
        let list: Vec<(&String, &Value)> = actions.as_object().unwrap().iter().collect();
        let order = run_order(&list).unwrap();
        assert_eq!(order, vec![2, 1, 0, 3]);
        let missing = json!({ "A": { "runAfter": { "Z": ["Succeeded"] } } });
        let list: Vec<(&String, &Value)> = missing.as_object().unwrap().iter().collect();
        assert_eq!(
            run_order(&list).unwrap_err(),
            ("A".to_string(), Some("Z".to_string()))
        );
        let cycle = json!({ "A": { "runAfter": { "B": [] } }, "B": { "runAfter": { "A": [] } } });
        let list: Vec<(&String, &Value)> = cycle.as_object().unwrap().iter().collect();
        assert_eq!(run_order(&list).unwrap_err().1, None);
    }

    #[test]
    fn sentinel_triggers_become_soarc_kinds_and_others_stay_verbatim() {
        let incident = json!({
            "type": "ApiConnectionWebhook",
            "inputs": {
                "body": { "callback_url": "@{listCallbackUrl()}" },
                "host": { "connection": { "name": "@parameters('$connections')['azuresentinel']['connectionId']" } },
                "path": "/incident-creation"
            }
        });
        assert_eq!(
            spec_trigger(&incident),
            (json!("incident"), Some("Microsoft_Sentinel_incident"))
        );
        let daily =
            json!({ "type": "Recurrence", "recurrence": { "frequency": "Day", "interval": 1 } });
        assert_eq!(
            spec_trigger(&daily).0,
            json!({ "recurrence": { "frequency": "Day", "interval": 1 } })
        );
        let scheduled = json!({ "type": "Recurrence", "recurrence": { "frequency": "Day", "interval": 1, "startTime": "2024-01-01T00:00:00Z" } });
        assert_eq!(
            spec_trigger(&scheduled),
            (json!({ "verbatim": scheduled }), None)
        );
    }

    #[test]
    fn counts_nested_actions_in_every_kind_of_block() {
        let action = json!({
            "type": "If",
            "actions": { "A": { "type": "Compose" } },
            "else": { "actions": { "B": { "type": "Foreach", "actions": { "C": {} } } } }
        });
        assert_eq!(count_actions(&action), 3);
        let switch = json!({ "type": "Switch", "cases": { "x": { "actions": { "A": {} } } }, "default": { "actions": { "B": {} } } });
        assert_eq!(count_actions(&switch), 2);
    }

    #[test]
    fn literal_double_braces_are_found_but_not_inside_expressions() {
        assert_eq!(
            soarc_reference_in(&json!({ "a": "Hello {{name}}" })).as_deref(),
            Some("{{name}}")
        );
        assert_eq!(soarc_reference_in(&json!("@{concat('{{', 'x')}")), None);
        assert_eq!(api_from_key("office365_1"), "office365");
        assert_eq!(api_from_key("azuresentinel"), "azuresentinel");
        assert_eq!(api_from_key("service-now"), "service-now");
    }
}
