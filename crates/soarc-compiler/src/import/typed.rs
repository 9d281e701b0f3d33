//! Typed-step recognition for `soarc import`: each action gets a proposed spec step
//! (`compose`, `initialize_variable`, `set_variable`, `append_variable`, `if`, `foreach`,
//! `scope`, `terminate`, `connector`), and a proposal is kept only when compiling it gives
//! back exactly the original action; otherwise the action stays an `action` escape hatch.
//!
//! Verification compiles the playbook with every proposal once, then compares each
//! compiled action with the original (containers without their nested actions, which are
//! compared one by one): a step that differs falls back to `action`. A step whose compile
//! reports an error falls back with the top-level step it is in. A fallback cannot change
//! another step's output, except a variable that is no longer declared by a typed step
//! (its `set_variable` steps then fail to compile): the next compile catches that, and
//! after [`MAX_COMPILES`] compiles every step is written as `action`. Each compile is linear
//! in the playbook, so import stays linear.
//!
//! Expressions are written as `{{wdl: ...}}` (see [`crate::model::text`]): inserted by the
//! compiler as written, so the compiled text is the original's when the expression printer
//! gives back the original's text, which verification checks.

use std::path::PathBuf;

use serde_json::{Map, Value, json};
use soarc_lang::diagnostics::Sources;
use soarc_lang::wdl::{Part, Template};

use crate::model::text::{WDL, WDL_TEXT};

/// Compiles per playbook before every step is written as `action`.
const MAX_COMPILES: usize = 4;

/// One action of the original and what import proposes for it.
#[derive(Debug, Clone)]
pub(super) struct Proposed {
    /// The action's name.
    pub name: String,
    /// The action as written (with `runAfter`), for the comparison.
    pub original: Value,
    /// The `action` escape hatch for it.
    pub verbatim: Value,
    /// The typed step, its nested blocks left empty; `None` when there is none or it was
    /// rejected.
    pub typed: Option<Value>,
    /// Counts as a `connector` step rather than a typed one.
    pub connector: bool,
    /// Nested blocks: where the steps go in `typed` (a path of keys), where the actions are in
    /// the action (a path of keys), and the nested proposals.
    pub blocks: Vec<Block>,
    /// Actions nested in this one at any depth (for counting escaped containers).
    pub nested: usize,
    /// In a step list: the `runAfter` as written when it is not "after the previous step
    /// succeeded" (kept under `as_imported.run_after` while the container is typed).
    pub run_after: Option<Value>,
    /// The `connector` step to fall back to when a typed connector step (`typed`) does not
    /// compile to the action.
    pub fallback: Option<Value>,
    /// The action's `description` (kept under `as_imported.descriptions` while typed).
    pub description: Option<String>,
}

impl Proposed {
    /// Give up the typed step: the `connector` step if there is one, else the escape hatch.
    fn reject(&mut self) {
        match self.fallback.take() {
            Some(connector) => {
                self.typed = Some(connector);
                self.connector = true;
            }
            None => self.typed = None,
        }
    }
}

/// The typed connector step for an `ApiConnection` action whose `connector` step is
/// `connector`, where one of soarc's steps writes that operation: "Add comment to incident
/// (V3)" on the triggering incident (`sentinel.add_comment`), Office 365 "Send an email
/// (V2)" (`office365.send_email`).
pub(super) fn connector_operation(
    action: &Map<String, Value>,
    connector: &Value,
    trigger: &std::collections::HashMap<String, String>,
) -> Option<Value> {
    let inputs = action.get("inputs")?.as_object()?;
    let step = connector.get("connector")?;
    let name = step.get("name")?.as_str()?;
    let connection = step.get("connection")?.as_str()?;
    add_comment(name, inputs, connection, trigger).or_else(|| send_email(step, inputs))
}

/// `office365.send_email` for `POST /v2/Mail` with `To`, `Subject`, `Body`, `Importance`
/// (and `Cc`, `Bcc`), as the compiler writes it (see `compile::connectors`, send_email):
/// literal recipient lists become one item per address.
fn send_email(step: &Value, inputs: &Map<String, Value>) -> Option<Value> {
    if step.get("method")? != "post" || step.get("path")? != "/v2/Mail" || inputs.len() != 4 {
        return None;
    }
    let body = inputs.get("body")?.as_object()?;
    if !body.keys().all(|k| {
        matches!(
            k.as_str(),
            "To" | "Cc" | "Bcc" | "Subject" | "Body" | "Importance"
        )
    }) {
        return None;
    }
    let importance = body.get("Importance")?.as_str()?;
    if !["Low", "Normal", "High"].contains(&importance) {
        return None;
    }
    let recipients = |key: &str| -> Option<Option<Value>> {
        let Some(list) = body.get(key) else {
            return Some(None);
        };
        let list = list.as_str()?;
        let items: Vec<Value> =
            if list.contains('@') && !list.contains("@{") && !list.starts_with('@') {
                list.split(';')
                    .map(|a| Value::String(a.to_string()))
                    .collect()
            } else {
                vec![Value::String(spec_text(list)?)]
            };
        Some(Some(Value::Array(items)))
    };
    let mut email = json!({
        "name": step.get("name")?,
        "connection": step.get("connection")?,
        "to": recipients("To")??,
        "subject": spec_text(body.get("Subject")?.as_str()?)?,
        "body": spec_text(body.get("Body")?.as_str()?)?,
        "importance": importance,
    });
    for (key, field) in [("Cc", "cc"), ("Bcc", "bcc")] {
        if let Some(list) = recipients(key)? {
            email[field] = list;
        }
    }
    Some(json!({ "office365.send_email": email }))
}

/// A nested block of a container step.
#[derive(Debug, Clone)]
pub(super) struct Block {
    /// Path of the step list inside the typed step value, e.g. `["if", "else"]`.
    pub in_step: Vec<String>,
    /// Path of the action map inside the action, e.g. `["else", "actions"]`.
    pub in_action: Vec<String>,
    pub steps: Vec<Proposed>,
}

/// How the actions of a playbook were finally written.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Counts {
    pub typed: usize,
    pub connector: usize,
    pub verbatim: usize,
}

/// The `{{...}}` references that name a workflow expression: the trigger payload's fields
/// (the expressions the compiler resolves them to, see `compile::refs`) and the variables
/// declared by typed steps so far.
pub(super) struct Refs<'a> {
    /// Printed expression to reference path, e.g. `triggerBody()?['object']?['properties']?['title']`
    /// to `incident.title`.
    pub trigger: &'a std::collections::HashMap<String, String>,
    pub variables: &'a indexmap::IndexMap<String, String>,
}

impl Refs<'_> {
    /// The reference path for a printed expression, if one names it.
    fn path(&self, printed: &str) -> Option<String> {
        if let Some(path) = self.trigger.get(printed) {
            return Some(path.clone());
        }
        let name = printed.strip_prefix("variables('")?.strip_suffix("')")?;
        (!name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            && self.variables.contains_key(name))
        .then(|| format!("variables.{name}"))
    }
}

/// Printed expression to reference path for the fields of the trigger `kind` (`incident`,
/// `alert`, `entity`), built as `compile::refs` builds the expressions.
pub(super) fn trigger_refs(kind: &str) -> std::collections::HashMap<String, String> {
    use crate::model::catalogue;
    use soarc_lang::wdl::Expr;
    let body = || Expr::call("triggerBody", vec![]);
    let roots: Vec<(&str, &[catalogue::Field], Expr)> = match kind {
        "incident" => vec![
            ("incident", catalogue::INCIDENT, body().prop("object")),
            ("workspace", catalogue::INCIDENT_WORKSPACE, body()),
        ],
        "alert" => vec![("alert", catalogue::ALERT, body())],
        "entity" => vec![("entity", catalogue::ENTITY, body())],
        _ => vec![],
    };
    let mut refs = std::collections::HashMap::new();
    for (root, fields, base) in roots {
        for field in fields {
            let printed = catalogue::access(base.clone(), field.path).to_string();
            refs.entry(printed)
                .or_insert_with(|| format!("{root}.{}", field.name));
        }
    }
    refs
}

/// A spec text for a workflow string value: literal text as is, expressions as
/// `{{wdl: ...}}` (`{{wdl-text: ...}}` for a lone `@{...}`), or as a `{{...}}` reference
/// where `refs` names the expression. `None` when the value cannot be written so (a literal
/// `{{`, an expression whose text holds `}}`, text ending in `{` before an expression, or a
/// string Logic Apps would not parse).
pub(super) fn spec_text(s: &str) -> Option<String> {
    spec_text_with(s, None)
}

/// [`spec_text`] with references (only where the compiler writes a reference as it
/// resolves: a lone one keeps its type, nothing is encoded).
pub(super) fn spec_text_with(s: &str, refs: Option<&Refs>) -> Option<String> {
    let expr = |out: &mut String, e: &soarc_lang::wdl::Expr, keyword: &str| -> Option<()> {
        let printed = e.to_string();
        // `{{wdl-text: ...}}` is text; a reference alone keeps its value's type.
        if keyword == WDL
            && let Some(path) = refs.and_then(|r| r.path(&printed))
        {
            out.push_str("{{");
            out.push_str(&path);
            out.push_str("}}");
            return Some(());
        }
        if printed.contains("}}") {
            return None;
        }
        out.push_str("{{");
        out.push_str(keyword);
        out.push(' ');
        out.push_str(&printed);
        out.push_str("}}");
        Some(())
    };
    let template = Template::parse(s).ok()?;
    let mut out = String::new();
    match &template {
        Template::Literal(text) => {
            if text.contains("{{") {
                return None;
            }
            out.push_str(text);
        }
        Template::Expr(e) => expr(&mut out, e, WDL)?,
        Template::Interpolated(parts) => {
            let keyword = if parts.len() == 1 { WDL_TEXT } else { WDL };
            for part in parts {
                match part {
                    Part::Text(text) => {
                        if text.contains("{{") || text.ends_with('{') || text.starts_with('}') {
                            return None;
                        }
                        out.push_str(text);
                    }
                    Part::Expr(e) => expr(&mut out, e, keyword)?,
                }
            }
        }
    }
    Some(out)
}

/// [`spec_text_with`] for every string of a JSON value (keys stay as written, as the
/// compiler keeps them); a deployment value (`{ $arm: ... }`) stays one, its ARM
/// expression as written (the compiler checks it and writes it back as `[expression]`).
pub(super) fn spec_json(value: &Value, refs: Option<&Refs>) -> Option<Value> {
    Some(match value {
        Value::Object(_) if crate::deployment_values::is_marker(value) => value.clone(),
        Value::String(s) => Value::String(spec_text_with(s, refs)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| spec_json(v, refs))
                .collect::<Option<_>>()?,
        ),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| Some((k.clone(), spec_json(v, refs)?)))
                .collect::<Option<_>>()?,
        ),
        other => other.clone(),
    })
}

/// The keys of `action` are all among `allowed` (plus `type` and `runAfter`).
fn only_keys(action: &Map<String, Value>, allowed: &[&str]) -> bool {
    action
        .keys()
        .all(|k| k == "type" || k == "runAfter" || allowed.contains(&k.as_str()))
}

/// What a proposal needs to know about where the action is.
#[derive(Debug, Clone, Copy)]
pub(super) struct Place {
    /// At the workflow's top level (variables can only be initialised there).
    pub top_level: bool,
    /// Inside a foreach whose iterations run in parallel (variables cannot change there).
    pub parallel_loop: bool,
}

/// A typed step (nested blocks empty), its blocks (where their steps go in the step, where
/// their actions are in the action), and whether it is a `connector` step.
pub(super) type Proposal = (Value, Vec<(Vec<String>, Vec<String>)>, bool);

/// The typed step for one action (nested blocks empty), the blocks it has, and whether it
/// is a `connector` step. `variables` holds the variables declared by typed steps so far,
/// with their types (lowercase).
pub(super) fn propose(
    name: &str,
    action: &Map<String, Value>,
    place: Place,
    variables: &mut indexmap::IndexMap<String, String>,
    trigger: &std::collections::HashMap<String, String>,
    connection_name: &dyn Fn(&str) -> Option<String>,
) -> Option<Proposal> {
    let kind = action.get("type")?.as_str()?;
    let inputs = action.get("inputs");
    let path = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match kind {
        "Compose" if only_keys(action, &["inputs"]) => {
            let value = spec_json(inputs?, Some(&Refs { trigger, variables }))?;
            Some((
                json!({ "compose": { "name": name, "value": value } }),
                vec![],
                false,
            ))
        }
        "InitializeVariable" if place.top_level && only_keys(action, &["inputs"]) => {
            let inputs = inputs?.as_object()?;
            if inputs.len() != 1 {
                return None;
            }
            let [declaration] = inputs.get("variables")?.as_array()?.as_slice() else {
                return None;
            };
            let declaration = declaration.as_object()?;
            if !declaration
                .keys()
                .all(|k| matches!(k.as_str(), "name" | "type" | "value"))
            {
                return None;
            }
            let variable = declaration.get("name")?.as_str()?;
            let kind = declaration.get("type")?.as_str()?;
            let lower = kind.to_ascii_lowercase();
            if !["string", "integer", "float", "boolean", "array", "object"]
                .contains(&lower.as_str())
                || variables.contains_key(variable)
                || variable.contains("{{")
            {
                return None;
            }
            let mut step = json!({ "name": name, "variable": variable, "type": kind });
            if let Some(value) = declaration.get("value") {
                step["value"] = spec_json(value, Some(&Refs { trigger, variables }))?;
            }
            variables.insert(variable.to_string(), lower);
            Some((json!({ "initialize_variable": step }), vec![], false))
        }
        "SetVariable" | "AppendToStringVariable" | "AppendToArrayVariable"
            if only_keys(action, &["inputs"]) =>
        {
            let inputs = inputs?.as_object()?;
            if inputs.len() != 2 {
                return None;
            }
            let variable = inputs.get("name")?.as_str()?;
            let declared = variables.get(variable)?;
            let fits = match kind {
                "SetVariable" => true,
                "AppendToStringVariable" => declared == "string",
                _ => declared == "array",
            };
            if !fits {
                return None;
            }
            let value = spec_json(inputs.get("value")?, Some(&Refs { trigger, variables }))?;
            let key = if kind == "SetVariable" {
                "set_variable"
            } else {
                "append_variable"
            };
            let mut step = json!({ "name": name, "variable": variable, "value": value });
            if place.parallel_loop {
                // The original changes it in parallel iterations; the spec says so.
                step["unordered"] = json!(true);
            }
            Some((json!({ key: step }), vec![], false))
        }
        "If" if only_keys(action, &["expression", "actions", "else"]) => {
            let expression = spec_json(
                action.get("expression")?,
                Some(&Refs { trigger, variables }),
            )?;
            let mut blocks = vec![(path(&["if", "then"]), path(&["actions"]))];
            let mut step = json!({ "name": name, "condition": { "expression": expression } });
            if let Some(otherwise) = action.get("else") {
                if otherwise.as_object().is_none_or(|o| o.len() != 1) {
                    return None;
                }
                blocks.push((path(&["if", "else"]), path(&["else", "actions"])));
            }
            step["then"] = json!([]);
            Some((json!({ "if": step }), blocks, false))
        }
        "Foreach" if only_keys(action, &["foreach", "actions", "runtimeConfiguration"]) => {
            let sequential = match action.get("runtimeConfiguration") {
                None => false,
                Some(c) if *c == json!({ "concurrency": { "repetitions": 1 } }) => true,
                Some(_) => return None,
            };
            let items = action.get("foreach")?.as_str()?;
            // `items` must be one expression (SPEC035).
            if !matches!(Template::parse(items).ok()?, Template::Expr(_)) {
                return None;
            }
            let items = spec_text(items)?;
            let mut step = json!({ "name": name, "items": items, "as": "item", "steps": [] });
            if sequential {
                step["sequential"] = json!(true);
            }
            Some((
                json!({ "foreach": step }),
                vec![(path(&["foreach", "steps"]), path(&["actions"]))],
                false,
            ))
        }
        "Switch" if only_keys(action, &["expression", "cases", "default"]) => {
            let on = spec_text(action.get("expression")?.as_str()?)?;
            let mut cases = Map::new();
            let mut blocks = Vec::new();
            for (case_name, case) in action.get("cases")?.as_object()? {
                let case = case.as_object().filter(|c| c.len() == 2)?;
                let value = case.get("case")?.as_str()?;
                if case_name.contains("{{") {
                    return None;
                }
                if cases.contains_key(value) {
                    return None;
                }
                case.get("actions")?;
                cases.insert(value.to_string(), json!({ "name": case_name, "steps": [] }));
                blocks.push((
                    path(&["switch", "cases", value, "steps"]),
                    path(&["cases", case_name, "actions"]),
                ));
            }
            // soarc always writes the default branch.
            action.get("default")?.get("actions")?;
            blocks.push((path(&["switch", "default"]), path(&["default", "actions"])));
            Some((
                json!({ "switch": { "name": name, "on": on, "cases": cases, "default": [] } }),
                blocks,
                false,
            ))
        }
        "ParseJson" if only_keys(action, &["inputs"]) => {
            let inputs = inputs?.as_object().filter(|i| i.len() == 2)?;
            let content = spec_json(inputs.get("content")?, Some(&Refs { trigger, variables }))?;
            let schema = inputs.get("schema")?.clone();
            Some((
                json!({ "parse_json": { "name": name, "content": content, "schema": schema } }),
                vec![],
                false,
            ))
        }
        "Http" if only_keys(action, &["inputs"]) => {
            let inputs = inputs?.as_object()?;
            if !inputs.keys().all(|k| {
                matches!(
                    k.as_str(),
                    "method" | "uri" | "headers" | "body" | "authentication"
                )
            }) {
                return None;
            }
            let method = inputs.get("method")?.as_str()?;
            if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method) {
                return None;
            }
            let uri = spec_text(inputs.get("uri")?.as_str()?)?;
            // The http step calls https only (SPEC042); a URI that starts with an expression
            // is checked at run time.
            if !uri.starts_with("https://") && !uri.starts_with("{{") {
                return None;
            }
            let mut step = json!({ "name": name, "method": method, "uri": uri });
            if let Some(headers) = inputs.get("headers") {
                let mut written = Map::new();
                for (k, v) in headers.as_object().filter(|h| !h.is_empty())? {
                    written.insert(k.clone(), Value::String(spec_text(v.as_str()?)?));
                }
                step["headers"] = Value::Object(written);
            }
            if let Some(body) = inputs.get("body") {
                step["body"] = spec_json(body, Some(&Refs { trigger, variables }))?;
            }
            if let Some(authentication) = inputs.get("authentication") {
                let authentication = authentication.as_object().filter(|a| a.len() == 2)?;
                if authentication.get("type")?.as_str()? != "ManagedServiceIdentity" {
                    return None;
                }
                let audience = authentication.get("audience")?.as_str()?;
                if audience.starts_with('@') || audience.contains("@{") {
                    return None;
                }
                step["authentication"] = json!({ "managed_identity": { "audience": audience } });
            }
            Some((json!({ "http": step }), vec![], false))
        }
        "Scope" if only_keys(action, &["actions"]) => Some((
            json!({ "scope": { "name": name, "steps": [] } }),
            vec![(path(&["scope", "steps"]), path(&["actions"]))],
            false,
        )),
        "Terminate" if only_keys(action, &["inputs"]) => {
            let inputs = inputs?.as_object()?;
            let status = inputs.get("runStatus")?.as_str()?;
            if !["Succeeded", "Failed", "Cancelled"].contains(&status) {
                return None;
            }
            let mut step = json!({ "name": name, "status": status });
            match inputs.get("runError") {
                None if inputs.len() == 1 => {}
                Some(error) if inputs.len() == 2 && status == "Failed" => {
                    let error = error.as_object()?;
                    if error.len() != 1 {
                        return None;
                    }
                    step["message"] = Value::String(spec_text(error.get("message")?.as_str()?)?);
                }
                _ => return None,
            }
            Some((json!({ "terminate": step }), vec![], false))
        }
        "ApiConnection" if only_keys(action, &["inputs"]) => {
            let inputs = inputs?.as_object()?;
            if !inputs.keys().all(|k| {
                matches!(
                    k.as_str(),
                    "host" | "method" | "path" | "queries" | "headers" | "body"
                )
            }) {
                return None;
            }
            let host = inputs.get("host")?.as_object()?;
            let written = host
                .get("connection")?
                .as_object()
                .filter(|c| c.len() == 1 && host.len() == 1)?
                .get("name")?
                .as_str()?;
            let key = written
                .strip_prefix("@parameters('$connections')['")?
                .strip_suffix("']['connectionId']")?;
            if key.contains('\'') {
                return None;
            }
            let connection = connection_name(key)?;
            let method = inputs.get("method")?.as_str()?;
            if !["get", "post", "put", "patch", "delete"].contains(&method) {
                return None;
            }
            let path = spec_text(inputs.get("path")?.as_str()?)?;
            let mut step = json!({
                "name": name,
                "connection": connection,
                "method": method,
                "path": path,
            });
            if let Some(queries) = inputs.get("queries") {
                let queries = queries.as_object().filter(|q| !q.is_empty())?;
                step["queries"] = spec_json(
                    &Value::Object(queries.clone()),
                    Some(&Refs { trigger, variables }),
                )?;
            }
            if let Some(headers) = inputs.get("headers") {
                let headers = headers.as_object().filter(|h| !h.is_empty())?;
                let mut written = Map::new();
                for (k, v) in headers {
                    written.insert(k.clone(), Value::String(spec_text(v.as_str()?)?));
                }
                step["headers"] = Value::Object(written);
            }
            if let Some(body) = inputs.get("body") {
                step["body"] = spec_json(body, Some(&Refs { trigger, variables }))?;
            }
            Some((json!({ "connector": step }), vec![], true))
        }
        _ => None,
    }
}

/// `sentinel.add_comment` for a `POST /Incidents/Comment` on the incident that triggered
/// the run, as the compiler writes it.
fn add_comment(
    name: &str,
    inputs: &Map<String, Value>,
    connection: &str,
    trigger: &std::collections::HashMap<String, String>,
) -> Option<Value> {
    if inputs.len() != 4
        || inputs.get("method")? != "post"
        || inputs.get("path")? != "/Incidents/Comment"
    {
        return None;
    }
    let body = inputs.get("body")?.as_object().filter(|b| b.len() == 2)?;
    let incident = body.get("incidentArmId")?.as_str()?.strip_prefix('@')?;
    if trigger.get(incident).map(String::as_str) != Some("incident.arm_id") {
        return None;
    }
    // Only on soarc's Sentinel connection (`sentinel.add_comment` needs a `sentinel` kind;
    // other Sentinel keys are imported as `kind: managed`).
    if connection != crate::names::SENTINEL {
        return None;
    }
    let message = spec_text(body.get("message")?.as_str()?)?;
    Some(json!({ "sentinel.add_comment": { "name": name, "message": message } }))
}

/// The step list at `path` inside a step value.
fn slot<'v>(step: &'v mut Value, path: &[String]) -> &'v mut Value {
    path.iter().fold(step, |v, k| &mut v[k.as_str()])
}

/// The spec step for `p`: typed (with its blocks filled) when kept, else `action`.
pub(super) fn render(p: &Proposed) -> Value {
    match &p.typed {
        Some(typed) => {
            let mut step = typed.clone();
            for block in &p.blocks {
                *slot(&mut step, &block.in_step) =
                    Value::Array(block.steps.iter().map(render).collect());
            }
            step
        }
        None => p.verbatim.clone(),
    }
}

/// The action without its nested action maps, for comparing a container's own parts;
/// `runAfter` as `{}` when missing (the compiler writes one for every step, and an action
/// without one starts with its block as one with `{}` does).
fn own_parts(action: &Value, blocks: &[Block]) -> Value {
    let mut own = action.clone();
    for block in blocks {
        let (last, parents) = block.in_action.split_last().expect("a path");
        let mut at = &mut own;
        for key in parents {
            at = &mut at[key.as_str()];
        }
        if let Some(holder) = at.as_object_mut() {
            holder.insert(last.clone(), json!({}));
        }
    }
    if let Some(object) = own.as_object_mut() {
        object.entry("runAfter").or_insert_with(|| json!({}));
    }
    own
}

/// Compare each kept proposal of `steps` with the compiled actions of its block; reject
/// those that differ. Whether any was rejected.
fn check_block(steps: &mut [Proposed], compiled: Option<&Value>) -> bool {
    let compiled = compiled.and_then(Value::as_object);
    let mut rejected = false;
    // An action the build added that no step names: reject every typed step of the block.
    let extra = compiled.is_none_or(|c| c.keys().any(|k| !steps.iter().any(|p| &p.name == k)));
    for p in steps.iter_mut() {
        if p.typed.is_none() {
            continue;
        }
        let Some(built) = compiled.and_then(|c| c.get(&p.name)).filter(|_| !extra) else {
            p.reject();
            rejected = true;
            continue;
        };
        if own_parts(built, &p.blocks) != own_parts(&p.original, &p.blocks) {
            p.reject();
            rejected = true;
            continue;
        }
        for block in &mut p.blocks {
            let inner = block
                .in_action
                .iter()
                .try_fold(built, |v, k| v.get(k.as_str()));
            rejected |= check_block(&mut block.steps, inner);
        }
    }
    rejected
}

/// The `as_imported.run_after` entries of the actions nested in kept typed containers.
pub(super) fn nested_run_after(steps: &[Proposed], out: &mut Map<String, Value>) {
    for p in steps {
        if p.typed.is_none() {
            continue;
        }
        for block in &p.blocks {
            for inner in &block.steps {
                if let Some(run_after) = &inner.run_after {
                    out.insert(inner.name.clone(), run_after.clone());
                }
            }
            nested_run_after(&block.steps, out);
        }
    }
}

/// The `as_imported.descriptions` entries of the typed steps of `steps`, nested ones included
/// (an escaped action keeps its description in its definition).
pub(super) fn descriptions(steps: &[Proposed], out: &mut Map<String, Value>) {
    for p in steps {
        if p.typed.is_none() {
            continue;
        }
        if let Some(description) = &p.description {
            out.insert(p.name.clone(), Value::String(description.clone()));
        }
        for block in &p.blocks {
            descriptions(&block.steps, out);
        }
    }
}

/// `playbook` with the steps rendered from `steps` and their nested `run_after` and
/// `descriptions` entries added to its `as_imported`.
pub(super) fn with_steps(playbook: &mut Value, steps: &[Proposed]) {
    let mut described = Map::new();
    descriptions(steps, &mut described);
    if !described.is_empty() {
        playbook["as_imported"]["descriptions"] = Value::Object(described);
    } else if let Some(as_imported) = playbook["as_imported"].as_object_mut() {
        as_imported.shift_remove("descriptions");
    }
    let mut nested = Map::new();
    nested_run_after(steps, &mut nested);
    if !nested.is_empty() {
        let as_imported = &mut playbook["as_imported"];
        if as_imported.get("run_after").is_none() {
            as_imported["run_after"] = json!({});
        }
        if let Some(run_after) = as_imported["run_after"].as_object_mut() {
            run_after.extend(nested);
        }
    }
    playbook["steps"] = Value::Array(steps.iter().map(render).collect());
}

/// Reject every typed proposal.
fn reject_all(steps: &mut [Proposed]) {
    for p in steps {
        p.typed = None;
        p.fallback = None;
    }
}

/// Keep the proposals of one playbook that compile to the original actions: `spec` is the
/// playbook's spec (connections and the playbook, its `steps` rendered from `steps`).
pub(super) fn verify(spec: &Value, steps: &mut [Proposed]) {
    if !steps.iter().any(has_typed) {
        return;
    }
    for _ in 0..MAX_COMPILES {
        let mut spec = spec.clone();
        with_steps(&mut spec["playbooks"][0], steps);
        let text = serde_saphyr::to_string(&spec).expect("a JSON value always serializes");
        let mut sources = Sources::default();
        let file = sources.add(PathBuf::from("imported.yaml"), text);
        let Ok(parsed) = crate::spec::load::parse_spec(&sources, file) else {
            break;
        };
        let mut ignored = Vec::new();
        let model = crate::model::check(&parsed, &sources, &mut ignored);
        let Some(playbook) = parsed.playbooks.first() else {
            break;
        };
        match crate::compile::compile_playbook(&model, &sources, playbook) {
            Ok(compiled) => {
                let definition =
                    serde_json::to_value(&compiled.definition).expect("a definition serializes");
                if !check_block(steps, definition.get("actions")) {
                    return;
                }
            }
            Err(errors) => {
                // Each error falls on the innermost typed step whose text holds its line.
                let mut any = false;
                for error in &errors {
                    if let Some(line) = error.span.map(|s| s.line).filter(|l| *l > 0) {
                        any |= reject_at(steps, &playbook.steps, line);
                    }
                }
                if !any {
                    break;
                }
            }
        }
        if !steps.iter().any(has_typed) {
            return;
        }
    }
    reject_all(steps);
}

/// The step lists inside a parsed step, in the order [`propose`] gives its blocks.
fn parsed_blocks(step: &crate::spec::Step) -> Vec<&[crate::spec::Located<crate::spec::Step>]> {
    use crate::spec::Step;
    match step {
        Step::If(s) => {
            let mut blocks = vec![s.then.as_slice()];
            if let Some(otherwise) = &s.otherwise {
                blocks.push(otherwise);
            }
            blocks
        }
        Step::Switch(s) => {
            let mut blocks: Vec<_> = s.cases.values().map(|c| c.steps()).collect();
            blocks.push(&s.default);
            blocks
        }
        Step::Foreach(s) => vec![&s.steps],
        Step::Scope(s) => vec![&s.steps],
        _ => Vec::new(),
    }
}

/// Reject the innermost typed step of `steps` (parsed as `parsed`) whose text holds `line`:
/// the last step starting at or before it, descending into its blocks while a nested step
/// starts at or before it too. Whether one was rejected.
fn reject_at(
    steps: &mut [Proposed],
    parsed: &[crate::spec::Located<crate::spec::Step>],
    line: usize,
) -> bool {
    let index = parsed.partition_point(|s| s.span.line <= line);
    if index == 0 || index > steps.len() {
        return false;
    }
    let (p, step) = (&mut steps[index - 1], &parsed[index - 1]);
    if p.typed.is_none() {
        return false;
    }
    let blocks = parsed_blocks(&step.value);
    if blocks.len() == p.blocks.len() {
        // The last block that has a step starting at or before the line.
        for (block, parsed) in p.blocks.iter_mut().zip(&blocks).rev() {
            if parsed.first().is_some_and(|s| s.span.line <= line) {
                if reject_at(&mut block.steps, parsed, line) {
                    return true;
                }
                break;
            }
        }
    }
    p.reject();
    true
}

fn has_typed(p: &Proposed) -> bool {
    p.typed.is_some()
}

/// How the actions of `steps` are written.
pub(super) fn count(steps: &[Proposed], counts: &mut Counts) {
    for p in steps {
        match &p.typed {
            Some(_) => {
                if p.connector {
                    counts.connector += 1;
                } else {
                    counts.typed += 1;
                }
                for block in &p.blocks {
                    count(&block.steps, counts);
                }
            }
            None => counts.verbatim += 1 + p.nested,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_strings_become_spec_text() {
        assert_eq!(spec_text("plain").as_deref(), Some("plain"));
        assert_eq!(
            spec_text("@variables('x')").as_deref(),
            Some("{{wdl: variables('x')}}")
        );
        assert_eq!(
            spec_text("@{variables('x')}").as_deref(),
            Some("{{wdl-text: variables('x')}}")
        );
        assert_eq!(
            spec_text("Hello @{body('A')?['name']}!").as_deref(),
            Some("Hello {{wdl: body('A')?['name']}}!")
        );
        assert_eq!(spec_text("@@literal").as_deref(), Some("@literal"));
        assert_eq!(spec_text("a {{b}}"), None);
        assert_eq!(spec_text("{@{variables('x')}"), None);
        assert_eq!(
            spec_json(&json!({ "k": ["@triggerBody()", 1] }), None),
            Some(json!({ "k": ["{{wdl: triggerBody()}}", 1] }))
        );
    }

    #[test]
    fn proposals_follow_the_action_and_refuse_what_they_cannot_express() {
        let mut variables = indexmap::IndexMap::new();
        let top = Place {
            top_level: true,
            parallel_loop: false,
        };
        let name = |key: &str| Some(key.to_string());
        let init = json!({ "type": "InitializeVariable", "inputs": { "variables": [ { "name": "n", "type": "integer", "value": 0 } ] } });
        let (step, _, _) = propose(
            "Init",
            init.as_object().unwrap(),
            top,
            &mut variables,
            &Default::default(),
            &name,
        )
        .unwrap();
        assert_eq!(
            step,
            json!({ "initialize_variable": { "name": "Init", "variable": "n", "type": "integer", "value": 0 } })
        );
        // Appending to an integer is not possible; setting it is.
        let append =
            json!({ "type": "AppendToStringVariable", "inputs": { "name": "n", "value": "x" } });
        assert!(
            propose(
                "A",
                append.as_object().unwrap(),
                top,
                &mut variables,
                &Default::default(),
                &name
            )
            .is_none()
        );
        let set = json!({ "type": "SetVariable", "inputs": { "name": "n", "value": "@add(variables('n'), 1)" } });
        assert!(
            propose(
                "S",
                set.as_object().unwrap(),
                top,
                &mut variables,
                &Default::default(),
                &name
            )
            .is_some()
        );
        let parallel = Place {
            top_level: false,
            parallel_loop: true,
        };
        let (step, _, _) = propose(
            "S",
            set.as_object().unwrap(),
            parallel,
            &mut variables,
            &Default::default(),
            &name,
        )
        .unwrap();
        assert_eq!(step["set_variable"]["unordered"], true);
        // A description has no place in a typed step.
        let described = json!({ "type": "Compose", "inputs": 1, "description": "d" });
        assert!(
            propose(
                "C",
                described.as_object().unwrap(),
                top,
                &mut variables,
                &Default::default(),
                &name
            )
            .is_none()
        );
        let call = json!({ "type": "ApiConnection", "inputs": {
            "host": { "connection": { "name": "@parameters('$connections')['office365']['connectionId']" } },
            "method": "post", "path": "/v2/Mail", "body": { "To": "@{variables('n')}" } } });
        let (step, _, connector) = propose(
            "Send",
            call.as_object().unwrap(),
            top,
            &mut variables,
            &Default::default(),
            &name,
        )
        .unwrap();
        assert!(connector);
        assert_eq!(step["connector"]["connection"], "office365");
        assert_eq!(
            step["connector"]["body"]["To"],
            "{{wdl-text: variables('n')}}"
        );
    }
}
