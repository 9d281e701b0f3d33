//! A workflow, or a whole build, as a typed flowchart: nodes, nested clusters and edges.
//! [`crate::render`] prints it; nothing here knows Mermaid or DOT syntax.
//!
//! Run-after semantics (Learn, "Handle errors and exceptions in Azure Logic Apps",
//! https://learn.microsoft.com/azure/logic-apps/error-exception-handling): an action runs when
//! each predecessor in its `runAfter` ended with one of the listed statuses (`Succeeded`,
//! `Failed`, `Skipped`, `TimedOut`); an empty `runAfter` runs first in its container (after the
//! trigger, or at the start of a branch or loop body). An edge that waits for anything other
//! than `Succeeded` is the failure path and is drawn distinctly.

use std::collections::HashMap;

use serde_json::{Map, Value};
use soarc_lang::wdl::{
    self,
    expr::{Expr, Template},
};

use crate::load::{Inventory, branches};

/// A flowchart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    pub title: String,
    pub items: Vec<Item>,
    pub edges: Vec<Edge>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Node(Node),
    Cluster(Cluster),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Generated (`n0`, `n1`, ...): never derived from user text.
    pub id: String,
    /// Any text; printers escape it.
    pub label: String,
    pub shape: Shape,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// Generated (`c0`, ...).
    pub id: String,
    pub label: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Trigger,
    Action,
    /// If, Switch.
    Condition,
    /// Foreach, Until.
    Loop,
    Scope,
    Terminate,
    /// A `runAfter` names an action that does not exist.
    Missing,
    Rule,
    Playbook,
    Connection,
    Role,
    Principal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub label: Option<String>,
    pub style: EdgeStyle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeStyle {
    /// Runs after success (or first in its container).
    Flow,
    /// Into a branch of an If or Switch, or a loop body.
    Branch,
    /// Runs after a failure, skip or timeout.
    Failure,
    /// Overview relations (rule runs playbook, playbook uses connection, ...).
    Relation,
}

/// The graph `soarc graph` draws for an input: a workflow (one playbook), the workflows of a
/// template (one cluster each), or, for a folder, the overview.
pub fn graph_of(inv: &Inventory) -> Graph {
    if !inv.single_file {
        return overview(inv);
    }
    let mut b = Builder::default();
    let mut items = Vec::new();
    if inv.playbooks.len() == 1 {
        let pb = inv.playbooks.values().next().expect("one playbook");
        b.workflow(&pb.definition, &mut items);
        return Graph {
            title: pb.name.clone(),
            items,
            edges: b.edges,
        };
    }
    for pb in inv.playbooks.values() {
        let id = b.cluster_id();
        let mut inner = Vec::new();
        b.workflow(&pb.definition, &mut inner);
        items.push(Item::Cluster(Cluster {
            id,
            label: pb.name.clone(),
            items: inner,
        }));
    }
    if inv.playbooks.is_empty() {
        return overview(inv);
    }
    Graph {
        title: inv.label.clone(),
        items,
        edges: b.edges,
    }
}

/// One workflow definition's flowchart.
pub fn workflow_graph(title: &str, definition: &Value) -> Graph {
    let mut b = Builder::default();
    let mut items = Vec::new();
    b.workflow(definition, &mut items);
    Graph {
        title: title.to_string(),
        items,
        edges: b.edges,
    }
}

/// The parts of a typed workflow definition that [`workflow_graph`] reads, as the JSON it
/// reads them from in `workflow.json`: triggers and actions with their `type`, `runAfter`,
/// branches and loop bodies, and the inputs [`describe`] shows (an ApiConnection's host,
/// method and path, an HTTP action's method and URI). `workflow_graph` of the outline draws
/// what `workflow_graph` of the whole serialized definition draws (tested), without
/// serializing every body and expression of the workflow just to read its shape.
pub fn outline(definition: &wdl::Definition) -> Value {
    let mut triggers = Map::with_capacity(definition.triggers.len());
    for (name, trigger) in &definition.triggers {
        let value = match &trigger.kind {
            wdl::TriggerKind::ApiConnectionWebhook { inputs } => {
                typed("ApiConnectionWebhook", Some(api_connection_inputs(inputs))).into()
            }
            wdl::TriggerKind::Recurrence { .. } => typed("Recurrence", None).into(),
            wdl::TriggerKind::Request { .. } => typed("Request", None).into(),
            wdl::TriggerKind::Verbatim(_) => to_value(trigger),
        };
        triggers.insert(name.clone(), value);
    }
    let mut out = Map::with_capacity(2);
    out.insert("triggers".into(), Value::Object(triggers));
    out.insert("actions".into(), outline_actions(&definition.actions));
    Value::Object(out)
}

fn outline_actions(actions: &indexmap::IndexMap<String, wdl::Action>) -> Value {
    let mut out = Map::with_capacity(actions.len());
    for (name, action) in actions {
        out.insert(name.clone(), outline_action(action));
    }
    Value::Object(out)
}

fn outline_action(action: &wdl::Action) -> Value {
    use wdl::ActionKind as K;
    let branch = |actions| {
        let mut b = Map::with_capacity(1);
        b.insert("actions".into(), outline_actions(actions));
        Value::Object(b)
    };
    let mut value = match &action.kind {
        K::Verbatim(_) => return to_value(action),
        K::ApiConnection { inputs } => typed("ApiConnection", Some(api_connection_inputs(inputs))),
        K::Http { inputs } => {
            let mut i = Map::with_capacity(2);
            i.insert("method".into(), to_value(&inputs.method));
            i.insert("uri".into(), to_value(&inputs.uri));
            typed("Http", Some(Value::Object(i)))
        }
        K::Compose { .. } => typed("Compose", None),
        K::InitializeVariable { .. } => typed("InitializeVariable", None),
        K::SetVariable { .. } => typed("SetVariable", None),
        K::AppendToStringVariable { .. } => typed("AppendToStringVariable", None),
        K::AppendToArrayVariable { .. } => typed("AppendToArrayVariable", None),
        K::Query { .. } => typed("Query", None),
        K::Terminate { .. } => typed("Terminate", None),
        K::Foreach { actions, .. } => {
            typed("Foreach", None).with("actions", outline_actions(actions))
        }
        K::Scope { actions } => typed("Scope", None).with("actions", outline_actions(actions)),
        K::Until { actions, .. } => typed("Until", None).with("actions", outline_actions(actions)),
        K::If {
            actions, otherwise, ..
        } => {
            let mut v = typed("If", None).with("actions", outline_actions(actions));
            if let Some(otherwise) = otherwise {
                v = v.with("else", branch(&otherwise.actions));
            }
            v
        }
        K::Switch { cases, default, .. } => {
            let mut c = Map::with_capacity(cases.len());
            for (key, case) in cases {
                let mut v = Map::with_capacity(2);
                v.insert("case".into(), Value::String(case.case.clone()));
                v.insert("actions".into(), outline_actions(&case.actions));
                c.insert(key.clone(), Value::Object(v));
            }
            let mut v = typed("Switch", None).with("cases", Value::Object(c));
            if let Some(default) = default {
                v = v.with("default", branch(&default.actions));
            }
            v
        }
    };
    if !action.run_after.is_empty() {
        value = value.with("runAfter", to_value(&action.run_after));
    }
    value.into()
}

fn api_connection_inputs(inputs: &wdl::ApiConnectionInputs) -> Value {
    let mut i = Map::with_capacity(3);
    i.insert("host".into(), to_value(&inputs.host));
    if let Some(method) = &inputs.method {
        i.insert("method".into(), to_value(method));
    }
    i.insert("path".into(), to_value(&inputs.path));
    Value::Object(i)
}

/// `{"type": kind, "inputs": inputs}`.
fn typed(kind: &str, inputs: Option<Value>) -> Outline {
    let mut map = Map::with_capacity(3);
    map.insert("type".into(), Value::String(kind.into()));
    if let Some(inputs) = inputs {
        map.insert("inputs".into(), inputs);
    }
    Outline(map)
}

/// An outline object under construction.
struct Outline(Map<String, Value>);

impl Outline {
    fn with(mut self, key: &str, value: Value) -> Outline {
        self.0.insert(key.into(), value);
        self
    }
}

impl From<Outline> for Value {
    fn from(o: Outline) -> Value {
        Value::Object(o.0)
    }
}

fn to_value(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).expect("workflow definitions serialize")
}

#[derive(Default)]
struct Builder {
    nodes: usize,
    clusters: usize,
    edges: Vec<Edge>,
}

/// Where the first actions of a container come from.
struct Entry {
    from: Vec<String>,
    label: Option<String>,
}

struct Member<'a> {
    node: String,
    run_after: Option<&'a Map<String, Value>>,
}

impl Builder {
    fn node_id(&mut self) -> String {
        self.nodes += 1;
        format!("n{}", self.nodes - 1)
    }

    fn cluster_id(&mut self) -> String {
        self.clusters += 1;
        format!("c{}", self.clusters - 1)
    }

    fn node(&mut self, label: String, shape: Shape, out: &mut Vec<Item>) -> String {
        let id = self.node_id();
        out.push(Item::Node(Node {
            id: id.clone(),
            label,
            shape,
        }));
        id
    }

    fn workflow(&mut self, definition: &Value, out: &mut Vec<Item>) {
        let mut triggers = Vec::new();
        if let Some(map) = definition.get("triggers").and_then(Value::as_object) {
            for (name, trigger) in map {
                let label = format!("{name}\n{}", describe(trigger));
                triggers.push(self.node(label, Shape::Trigger, out));
            }
        }
        if triggers.is_empty() {
            triggers.push(self.node("(no trigger)".into(), Shape::Missing, out));
        }
        // Action names are unique in a workflow (Learn: the definition language reference);
        // a duplicate in a hand-written file resolves to the last one.
        let mut names: HashMap<String, String> = HashMap::new();
        let mut containers = Vec::new();
        let empty = Map::new();
        let actions = definition
            .get("actions")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        self.container(
            actions,
            Entry {
                from: triggers,
                label: None,
            },
            out,
            &mut names,
            &mut containers,
            0,
        );
        // Edges once every node has its id, so a runAfter may point forward.
        let mut missing: HashMap<String, String> = HashMap::new();
        for (entry, members) in containers {
            for m in members {
                let preds = m.run_after.filter(|r| !r.is_empty());
                let Some(preds) = preds else {
                    for from in &entry.from {
                        self.edges.push(Edge {
                            from: from.clone(),
                            to: m.node.clone(),
                            label: entry.label.clone(),
                            style: if entry.label.is_some() {
                                EdgeStyle::Branch
                            } else {
                                EdgeStyle::Flow
                            },
                        });
                    }
                    continue;
                };
                for (pred, statuses) in preds {
                    let statuses: Vec<&str> = statuses
                        .as_array()
                        .map(|s| s.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    let from = match names.get(pred) {
                        Some(id) => id.clone(),
                        None => match missing.get(pred) {
                            Some(id) => id.clone(),
                            None => {
                                let id = self.node(
                                    format!("{pred}\n(not in this workflow)"),
                                    Shape::Missing,
                                    out,
                                );
                                missing.insert(pred.clone(), id.clone());
                                id
                            }
                        },
                    };
                    let failure = statuses
                        .iter()
                        .any(|s| !s.eq_ignore_ascii_case("Succeeded"));
                    self.edges.push(Edge {
                        from,
                        to: m.node.clone(),
                        label: Some(statuses.join(", ")),
                        style: if failure {
                            EdgeStyle::Failure
                        } else {
                            EdgeStyle::Flow
                        },
                    });
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn container<'a>(
        &mut self,
        actions: &'a Map<String, Value>,
        entry: Entry,
        out: &mut Vec<Item>,
        names: &mut HashMap<String, String>,
        containers: &mut Vec<(Entry, Vec<Member<'a>>)>,
        depth: usize,
    ) {
        // The container's slot is taken before its nested containers', so edges print top-down.
        let slot = containers.len();
        containers.push((entry, Vec::new()));
        let mut members = Vec::with_capacity(actions.len());
        for (name, action) in actions {
            let Some(obj) = action.as_object() else {
                continue;
            };
            let kind = obj.get("type").and_then(Value::as_str).unwrap_or("");
            let lower = kind.to_ascii_lowercase();
            let shape = match lower.as_str() {
                "if" | "switch" => Shape::Condition,
                "foreach" | "until" => Shape::Loop,
                "scope" => Shape::Scope,
                "terminate" => Shape::Terminate,
                _ => Shape::Action,
            };
            let label = format!("{name}\n{}", describe(action));
            let sub = branches(obj);
            let node = if sub.is_empty()
                && !matches!(shape, Shape::Condition | Shape::Loop | Shape::Scope)
            {
                self.node(label, shape, out)
            } else {
                let cluster = self.cluster_id();
                let mut inner = Vec::new();
                let head = self.node(label, shape, &mut inner);
                if depth < 64 {
                    for (branch, children) in sub {
                        let branch_label = match lower.as_str() {
                            "foreach" => "for each".to_string(),
                            "until" => "repeat".to_string(),
                            "scope" => String::new(),
                            _ => branch.clone(),
                        };
                        let entry = Entry {
                            from: vec![head.clone()],
                            label: (!branch_label.is_empty()).then_some(branch_label),
                        };
                        if children.is_empty() {
                            continue; // an empty branch (a Switch's empty default) draws nothing
                        }
                        if matches!(lower.as_str(), "if" | "switch") {
                            let id = self.cluster_id();
                            let mut items = Vec::new();
                            self.container(
                                children,
                                entry,
                                &mut items,
                                names,
                                containers,
                                depth + 1,
                            );
                            inner.push(Item::Cluster(Cluster {
                                id,
                                label: branch,
                                items,
                            }));
                        } else {
                            self.container(
                                children,
                                entry,
                                &mut inner,
                                names,
                                containers,
                                depth + 1,
                            );
                        }
                    }
                }
                out.push(Item::Cluster(Cluster {
                    id: cluster,
                    label: format!("{kind} {name}"),
                    items: inner,
                }));
                head
            };
            names.insert(name.clone(), node.clone());
            members.push(Member {
                node,
                run_after: obj.get("runAfter").and_then(Value::as_object),
            });
        }
        containers[slot].1 = members;
    }
}

/// A short second line for a trigger or action: its type, and what it talks to.
fn describe(action: &Value) -> String {
    let kind = action
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("(no type)");
    let inputs = action.get("inputs");
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    match kind.to_ascii_lowercase().as_str() {
        "apiconnection" | "apiconnectionwebhook" => {
            let conn = inputs
                .and_then(|i| i.get("host"))
                .and_then(|h| h.get("connection"))
                .and_then(|c| c.get("name"))
                .and_then(Value::as_str)
                .and_then(connection_key);
            let method = text(inputs.and_then(|i| i.get("method"))).unwrap_or_default();
            let path = text(inputs.and_then(|i| i.get("path"))).unwrap_or_default();
            let mut line = kind.to_string();
            if let Some(conn) = conn {
                line.push_str(&format!(" ({conn})"));
            }
            if !path.is_empty() {
                let line2 = format!("{} {}", method.to_uppercase(), shorten(&path, 60));
                line.push('\n');
                line.push_str(line2.trim_start());
            }
            line
        }
        "http" => {
            let method = text(inputs.and_then(|i| i.get("method"))).unwrap_or_default();
            let uri = text(inputs.and_then(|i| i.get("uri"))).unwrap_or_default();
            format!("{kind}\n{} {}", method.to_uppercase(), shorten(&uri, 60))
        }
        _ => kind.to_string(),
    }
}

/// The `$connections` key an ApiConnection uses: `@parameters('$connections')['jira']['connectionId']`.
pub fn connection_key(host_name: &str) -> Option<String> {
    let Ok(Template::Expr(expr)) = Template::parse(host_name) else {
        return None;
    };
    // Walk down the dereference chain; the key right after `parameters('$connections')`.
    let mut chain = Vec::new();
    let mut cur = &expr;
    loop {
        match cur {
            Expr::Index { base, index, .. } => {
                chain.push(index.as_ref());
                cur = base;
            }
            Expr::Member { base, .. } => cur = base,
            Expr::Call { name, args } if name.eq_ignore_ascii_case("parameters") => {
                return match (args.first(), chain.last()) {
                    (Some(Expr::Str(p)), Some(Expr::Str(key))) if p == "$connections" => {
                        Some(key.clone())
                    }
                    _ => None,
                };
            }
            _ => return None,
        }
    }
}

/// At most `max` characters, with `…` when cut.
pub fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// A build's overview: automation rules → playbooks → connections, and the role assignments
/// each playbook (or the automation rules' deployment) is granted.
pub fn overview(inv: &Inventory) -> Graph {
    let mut b = Builder::default();
    let mut items = Vec::new();
    let mut playbook_ids: HashMap<&str, String> = HashMap::new();
    let mut connection_ids: HashMap<&str, String> = HashMap::new();

    let mut rule_items = Vec::new();
    let mut rule_ids = Vec::new();
    for rule in inv.rules.values() {
        let order = rule
            .properties
            .get("order")
            .map(|o| o.to_string())
            .unwrap_or_default();
        let when = rule
            .properties
            .get("triggeringLogic")
            .and_then(|t| t.get("triggersWhen"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let label = format!("{}\norder {order}, when {when}", rule.name);
        rule_ids.push(b.node(label, Shape::Rule, &mut rule_items));
    }
    let mut playbook_items = Vec::new();
    for pb in inv.playbooks.values() {
        let trigger = pb
            .definition
            .get("triggers")
            .and_then(Value::as_object)
            .and_then(|t| t.values().next())
            .map(describe)
            .unwrap_or_default();
        let id = b.node(
            format!("{}\n{trigger}", pb.name),
            Shape::Playbook,
            &mut playbook_items,
        );
        playbook_ids.insert(pb.name.as_str(), id);
    }
    let mut connection_items = Vec::new();
    for c in inv.connections.values() {
        let id = b.node(
            format!("{}\n{}", c.name, c.api),
            Shape::Connection,
            &mut connection_items,
        );
        connection_ids.insert(c.name.as_str(), id);
    }
    let mut role_items = Vec::new();
    let mut principals: HashMap<&str, String> = HashMap::new();
    for (rule, id) in inv.rules.values().zip(&rule_ids) {
        for pb in &rule.playbooks {
            let to = match playbook_ids.get(pb.as_str()) {
                Some(to) => to.clone(),
                None => {
                    let to = b.node(
                        format!("{pb}\n(not in this folder)"),
                        Shape::Missing,
                        &mut playbook_items,
                    );
                    playbook_ids.insert(pb.as_str(), to.clone());
                    to
                }
            };
            b.edges.push(Edge {
                from: id.clone(),
                to,
                label: Some("runs".into()),
                style: EdgeStyle::Relation,
            });
        }
    }
    for pb in inv.playbooks.values() {
        let from = playbook_ids[pb.name.as_str()].clone();
        for c in &pb.connections {
            let to = match connection_ids.get(c.as_str()) {
                Some(to) => to.clone(),
                None => {
                    let to = b.node(c.clone(), Shape::Connection, &mut connection_items);
                    connection_ids.insert(c.as_str(), to.clone());
                    to
                }
            };
            b.edges.push(Edge {
                from: from.clone(),
                to,
                label: Some("uses".into()),
                style: EdgeStyle::Relation,
            });
        }
    }
    for role in inv.roles.values() {
        let id = b.node(
            format!("{}\non {}", role.role, role.scope),
            Shape::Role,
            &mut role_items,
        );
        let from = match (
            role.owner_is_playbook,
            playbook_ids.get(role.owner.as_str()),
        ) {
            (true, Some(pb)) => pb.clone(),
            _ => match principals.get(role.principal.as_str()) {
                Some(p) => p.clone(),
                None => {
                    let p = b.node(
                        format!("principal {}\n({})", role.principal, role.owner),
                        Shape::Principal,
                        &mut role_items,
                    );
                    principals.insert(role.principal.as_str(), p.clone());
                    p
                }
            },
        };
        b.edges.push(Edge {
            from,
            to: id,
            label: Some("granted".into()),
            style: EdgeStyle::Relation,
        });
    }
    for (label, group) in [
        ("Automation rules", rule_items),
        ("Playbooks", playbook_items),
        ("Connections", connection_items),
        ("Role assignments", role_items),
    ] {
        if !group.is_empty() {
            let id = b.cluster_id();
            items.push(Item::Cluster(Cluster {
                id,
                label: label.into(),
                items: group,
            }));
        }
    }
    Graph {
        title: inv.label.clone(),
        items,
        edges: b.edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn run_after_edges_carry_statuses_and_failure_style() {
        let def = json!({
            "triggers": {"t": {"type": "Request"}},
            "actions": {
                "A": {"type": "Compose", "runAfter": {}},
                "B": {"type": "Compose", "runAfter": {"A": ["Failed", "TimedOut"]}},
                "C": {"type": "Compose", "runAfter": {"A": ["Succeeded"], "Ghost": ["Succeeded"]}}
            }
        });
        let g = workflow_graph("w", &def);
        let labels: Vec<_> = g.edges.iter().map(|e| (e.label.clone(), e.style)).collect();
        assert_eq!(
            labels,
            [
                (None, EdgeStyle::Flow),
                (Some("Failed, TimedOut".into()), EdgeStyle::Failure),
                (Some("Succeeded".into()), EdgeStyle::Flow),
                (Some("Succeeded".into()), EdgeStyle::Flow),
            ]
        );
        assert!(
            g.items
                .iter()
                .any(|i| matches!(i, Item::Node(n) if n.shape == Shape::Missing))
        );
    }

    #[test]
    fn branches_become_nested_clusters() {
        let def = json!({
            "triggers": {"t": {"type": "Request"}},
            "actions": {"If": {"type": "If", "expression": {}, "actions": {"A": {"type": "Compose"}},
                        "else": {"actions": {"B": {"type": "Foreach", "foreach": "@x()", "actions": {"C": {"type": "Compose"}}}}}}}
        });
        let g = workflow_graph("w", &def);
        let Item::Cluster(c) = &g.items[1] else {
            panic!("{:?}", g.items)
        };
        assert_eq!(c.label, "If If");
        let branch_labels: Vec<_> = c
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Cluster(c) => Some(c.label.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(branch_labels, ["true", "else"]);
        let edge_labels: Vec<_> = g.edges.iter().filter_map(|e| e.label.as_deref()).collect();
        assert_eq!(edge_labels, ["true", "else", "for each"]);
    }

    /// Every generated workflow of the examples' snapshots, and a verbatim action and
    /// trigger: the outline draws the same graph as the whole definition.
    #[test]
    fn the_outline_draws_what_the_definition_draws() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../snapshots");
        let mut definitions = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("the snapshots folder") {
            let path = entry.expect("a snapshot").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !name.ends_with("__workflow.json.snap") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a readable snapshot");
            // insta's header: `---`, metadata, `---`, then the file.
            let body = text.splitn(3, "---\n").nth(2).expect("an insta header");
            let definition: wdl::Definition = serde_json::from_str(body)
                .unwrap_or_else(|e| panic!("{name} is not a workflow definition: {e}"));
            definitions.push((name.to_string(), definition));
        }
        let verbatim: wdl::Definition = serde_json::from_value(json!({
            "$schema": wdl::SCHEMA_URL,
            "contentVersion": "1.0.0.0",
            "triggers": {"poll": {"type": "ApiConnection", "inputs": {
                "host": {"connection": {"name": "@parameters('$connections')['jira']['connectionId']"}},
                "method": "get", "path": "/issues"}}},
            "actions": {
                "Loop": {"type": "Foreach", "foreach": "@body('x')", "actions": {
                    "Call": {"type": "Http", "inputs": {"method": "POST", "uri": "https://example.com/a"}},
                    "Odd": {"type": "Workflow", "inputs": {"host": {}}, "runAfter": {"Call": ["Failed"]}},
                    "Pick": {"type": "Switch", "expression": "@item()", "cases": {
                        "One": {"case": "1", "actions": {"Stop": {"type": "Terminate", "inputs": {"runStatus": "Cancelled"}}}}},
                        "default": {"actions": {}}, "runAfter": {"Odd": ["Succeeded", "Skipped"]}}
                }}
            }
        }))
        .expect("a definition with verbatim parts");
        assert!(matches!(
            verbatim.triggers["poll"].kind,
            wdl::TriggerKind::Verbatim(_)
        ));
        definitions.push(("verbatim".into(), verbatim));
        let mut kinds = std::collections::BTreeSet::new();
        for (name, definition) in &definitions {
            let whole = serde_json::to_value(definition).expect("serializes");
            collect_kinds(&whole["actions"], &mut kinds);
            assert_eq!(
                workflow_graph(name, &outline(definition)),
                workflow_graph(name, &whole),
                "{name}"
            );
        }
        // The snapshots reach every kind with inputs, branches or a body the graph reads.
        for kind in [
            "ApiConnection",
            "Http",
            "If",
            "Switch",
            "Foreach",
            "Until",
            "Scope",
            "Workflow",
        ] {
            assert!(kinds.contains(kind), "no {kind} action in {kinds:?}");
        }
    }

    fn collect_kinds(actions: &Value, kinds: &mut std::collections::BTreeSet<String>) {
        for action in actions.as_object().into_iter().flat_map(|m| m.values()) {
            if let Some(kind) = action.get("type").and_then(Value::as_str) {
                kinds.insert(kind.to_string());
            }
            for (_, children) in branches(action.as_object().expect("an action")) {
                collect_kinds(&Value::Object(children.clone()), kinds);
            }
        }
    }

    #[test]
    fn finds_the_connection_key() {
        assert_eq!(
            connection_key("@parameters('$connections')['jira']['connectionId']").as_deref(),
            Some("jira")
        );
        assert_eq!(connection_key("@parameters('x')['jira']"), None);
        assert_eq!(connection_key("plain"), None);
    }

    #[test]
    fn shorten_cuts_on_characters() {
        assert_eq!(shorten("ééé", 2), "éé…");
        assert_eq!(shorten("ab", 2), "ab");
    }
}
