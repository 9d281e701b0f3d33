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

use indexmap::IndexMap;
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
        b.json_workflow(&pb.definition, &mut items);
        return Graph {
            title: pb.name.clone(),
            items,
            edges: b.edges,
        };
    }
    for pb in inv.playbooks.values() {
        let id = b.cluster_id();
        let mut inner = Vec::new();
        b.json_workflow(&pb.definition, &mut inner);
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
    b.json_workflow(definition, &mut items);
    Graph {
        title: title.to_string(),
        items,
        edges: b.edges,
    }
}

/// The flowchart of a typed workflow definition: what [`workflow_graph`] draws for its
/// `workflow.json` (tested), read from the types without serializing the workflow (its
/// bodies and expressions) to JSON first.
pub fn definition_graph(title: &str, definition: &wdl::Definition) -> Graph {
    let triggers = definition
        .triggers
        .iter()
        .map(|(name, trigger)| {
            let detail = match &trigger.kind {
                wdl::TriggerKind::ApiConnectionWebhook { inputs } => {
                    api_connection_detail("ApiConnectionWebhook", inputs)
                }
                wdl::TriggerKind::Recurrence { .. } => "Recurrence".to_string(),
                wdl::TriggerKind::Request { .. } => "Request".to_string(),
                wdl::TriggerKind::Verbatim(map) => describe_map(map),
            };
            (name.as_str(), detail)
        })
        .collect();
    let mut b = Builder::default();
    let mut items = Vec::new();
    b.workflow(triggers, &typed_steps(&definition.actions, 0), &mut items);
    Graph {
        title: title.to_string(),
        items,
        edges: b.edges,
    }
}

/// Deepest nesting of branches drawn; deeper branches are drawn as empty clusters.
const MAX_DEPTH: usize = 64;

/// A trigger's or action's place in the flowchart, read from workflow JSON ([`steps`]) or
/// from a typed definition ([`typed_steps`]).
struct Step<'a> {
    name: &'a str,
    /// `type` as written; empty when there is none.
    kind: &'a str,
    /// The second line of its label ([`describe`]).
    detail: String,
    /// `runAfter`: each predecessor and the statuses it waits for.
    run_after: Vec<(&'a str, Vec<&'a str>)>,
    /// Branches and loop bodies, labelled as [`branches`] labels them (without their actions
    /// past [`MAX_DEPTH`]).
    branches: Vec<(String, Vec<Step<'a>>)>,
}

/// The actions of a workflow JSON container (an object that is not an action is skipped).
fn steps(actions: &Map<String, Value>, depth: usize) -> Vec<Step<'_>> {
    let mut out = Vec::with_capacity(actions.len());
    for (name, action) in actions {
        let Some(obj) = action.as_object() else {
            continue;
        };
        out.push(Step {
            name,
            kind: obj.get("type").and_then(Value::as_str).unwrap_or(""),
            detail: describe_map(obj),
            run_after: run_after_of(obj),
            branches: branches(obj)
                .into_iter()
                .map(|(label, children)| (label, nested(depth, || steps(children, depth + 1))))
                .collect(),
        });
    }
    out
}

fn run_after_of(action: &Map<String, Value>) -> Vec<(&str, Vec<&str>)> {
    action
        .get("runAfter")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(pred, statuses)| {
            let statuses = statuses
                .as_array()
                .map(|s| s.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            (pred.as_str(), statuses)
        })
        .collect()
}

/// The actions of a branch at `depth`, or none past [`MAX_DEPTH`].
fn nested<'a>(depth: usize, read: impl FnOnce() -> Vec<Step<'a>>) -> Vec<Step<'a>> {
    if depth < MAX_DEPTH {
        read()
    } else {
        Vec::new()
    }
}

/// The actions of a typed container, as [`steps`] reads them from their JSON.
fn typed_steps(actions: &IndexMap<String, wdl::Action>, depth: usize) -> Vec<Step<'_>> {
    use wdl::ActionKind as K;
    let mut out = Vec::with_capacity(actions.len());
    for (name, action) in actions {
        let body = |label: &str, actions| {
            (
                label.to_string(),
                nested(depth, || typed_steps(actions, depth + 1)),
            )
        };
        let (kind, detail, branches) = match &action.kind {
            K::Verbatim(map) => {
                let mut step = steps_of_verbatim(name, map, depth);
                step.run_after = typed_run_after(action);
                out.push(step);
                continue;
            }
            K::ApiConnection { inputs } => (
                "ApiConnection",
                api_connection_detail("ApiConnection", inputs),
                Vec::new(),
            ),
            K::Http { inputs } => (
                "Http",
                detail(
                    "Http",
                    None,
                    &inputs.method.text(),
                    &inputs.uri.to_wdl_string(),
                ),
                Vec::new(),
            ),
            K::Compose { .. } => ("Compose", "Compose".into(), Vec::new()),
            K::InitializeVariable { .. } => (
                "InitializeVariable",
                "InitializeVariable".into(),
                Vec::new(),
            ),
            K::SetVariable { .. } => ("SetVariable", "SetVariable".into(), Vec::new()),
            K::AppendToStringVariable { .. } => (
                "AppendToStringVariable",
                "AppendToStringVariable".into(),
                Vec::new(),
            ),
            K::AppendToArrayVariable { .. } => (
                "AppendToArrayVariable",
                "AppendToArrayVariable".into(),
                Vec::new(),
            ),
            K::Query { .. } => ("Query", "Query".into(), Vec::new()),
            K::Terminate { .. } => ("Terminate", "Terminate".into(), Vec::new()),
            K::Foreach { actions, .. } => {
                ("Foreach", "Foreach".into(), vec![body("body", actions)])
            }
            K::Scope { actions } => ("Scope", "Scope".into(), vec![body("body", actions)]),
            K::Until { actions, .. } => ("Until", "Until".into(), vec![body("body", actions)]),
            K::If {
                actions, otherwise, ..
            } => {
                let mut branches = vec![body("true", actions)];
                branches.extend(otherwise.iter().map(|b| body("else", &b.actions)));
                ("If", "If".into(), branches)
            }
            K::Switch { cases, default, .. } => {
                let mut branches: Vec<_> = cases
                    .values()
                    .map(|case| body(&format!("case {}", case.case), &case.actions))
                    .collect();
                branches.extend(default.iter().map(|b| body("default", &b.actions)));
                ("Switch", "Switch".into(), branches)
            }
        };
        out.push(Step {
            name,
            kind,
            detail,
            run_after: typed_run_after(action),
            branches,
        });
    }
    out
}

/// An action kept as written: read as its JSON is.
fn steps_of_verbatim<'a>(name: &'a str, map: &'a Map<String, Value>, depth: usize) -> Step<'a> {
    Step {
        name,
        kind: map.get("type").and_then(Value::as_str).unwrap_or(""),
        detail: describe_map(map),
        run_after: Vec::new(),
        branches: branches(map)
            .into_iter()
            .map(|(label, children)| (label, nested(depth, || steps(children, depth + 1))))
            .collect(),
    }
}

fn typed_run_after(action: &wdl::Action) -> Vec<(&str, Vec<&str>)> {
    action
        .run_after
        .iter()
        .map(|(pred, statuses)| {
            let statuses = statuses.iter().map(|s| s.as_str()).collect();
            (pred.as_str(), statuses)
        })
        .collect()
}

fn api_connection_detail(kind: &str, inputs: &wdl::ApiConnectionInputs) -> String {
    // The key read from the typed host; a host in another form is read back as its text is.
    let connection = match &inputs.host.connection.name {
        Template::Expr(expr) => connection_key_of(expr),
        other => connection_key(&other.to_wdl_string()),
    };
    let method = inputs.method.map(|m| m.text()).unwrap_or_default();
    detail(kind, connection, &method, &inputs.path.to_wdl_string())
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
    run_after: &'a [(&'a str, Vec<&'a str>)],
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

    /// A workflow read from its JSON.
    fn json_workflow(&mut self, definition: &Value, out: &mut Vec<Item>) {
        let triggers = definition
            .get("triggers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(name, trigger)| (name.as_str(), describe(trigger)))
            .collect();
        let actions = definition
            .get("actions")
            .and_then(Value::as_object)
            .map(|actions| steps(actions, 0))
            .unwrap_or_default();
        self.workflow(triggers, &actions, out);
    }

    fn workflow(
        &mut self,
        triggers: Vec<(&str, String)>,
        actions: &[Step<'_>],
        out: &mut Vec<Item>,
    ) {
        let mut trigger_ids = Vec::with_capacity(triggers.len().max(1));
        for (name, detail) in triggers {
            trigger_ids.push(self.node(format!("{name}\n{detail}"), Shape::Trigger, out));
        }
        if trigger_ids.is_empty() {
            trigger_ids.push(self.node("(no trigger)".into(), Shape::Missing, out));
        }
        // Action names are unique in a workflow (Learn: the definition language reference);
        // a duplicate in a hand-written file resolves to the last one.
        let mut names: HashMap<&str, String> = HashMap::new();
        let mut containers = Vec::new();
        self.container(
            actions,
            Entry {
                from: trigger_ids,
                label: None,
            },
            out,
            &mut names,
            &mut containers,
        );
        // Edges once every node has its id, so a runAfter may point forward.
        let mut missing: HashMap<&str, String> = HashMap::new();
        for (entry, members) in containers {
            for m in members {
                if m.run_after.is_empty() {
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
                }
                for (pred, statuses) in m.run_after {
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
                                missing.insert(pred, id.clone());
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

    fn container<'a>(
        &mut self,
        actions: &'a [Step<'a>],
        entry: Entry,
        out: &mut Vec<Item>,
        names: &mut HashMap<&'a str, String>,
        containers: &mut Vec<(Entry, Vec<Member<'a>>)>,
    ) {
        // The container's slot is taken before its nested containers', so edges print top-down.
        let slot = containers.len();
        containers.push((entry, Vec::new()));
        let mut members = Vec::with_capacity(actions.len());
        for step in actions {
            let is = |kind: &str| step.kind.eq_ignore_ascii_case(kind);
            let shape = if is("if") || is("switch") {
                Shape::Condition
            } else if is("foreach") || is("until") {
                Shape::Loop
            } else if is("scope") {
                Shape::Scope
            } else if is("terminate") {
                Shape::Terminate
            } else {
                Shape::Action
            };
            let label = format!("{}\n{}", step.name, step.detail);
            let node = if step.branches.is_empty()
                && !matches!(shape, Shape::Condition | Shape::Loop | Shape::Scope)
            {
                self.node(label, shape, out)
            } else {
                let cluster = self.cluster_id();
                let mut inner = Vec::new();
                let head = self.node(label, shape, &mut inner);
                for (branch, children) in &step.branches {
                    let branch_label = if is("foreach") {
                        "for each"
                    } else if is("until") {
                        "repeat"
                    } else if is("scope") {
                        ""
                    } else {
                        branch.as_str()
                    };
                    let entry = Entry {
                        from: vec![head.clone()],
                        label: (!branch_label.is_empty()).then(|| branch_label.to_string()),
                    };
                    if children.is_empty() {
                        continue; // an empty branch (a Switch's empty default) draws nothing
                    }
                    if shape == Shape::Condition {
                        let id = self.cluster_id();
                        let mut items = Vec::new();
                        self.container(children, entry, &mut items, names, containers);
                        inner.push(Item::Cluster(Cluster {
                            id,
                            label: branch.clone(),
                            items,
                        }));
                    } else {
                        self.container(children, entry, &mut inner, names, containers);
                    }
                }
                out.push(Item::Cluster(Cluster {
                    id: cluster,
                    label: format!("{} {}", step.kind, step.name),
                    items: inner,
                }));
                head
            };
            names.insert(step.name, node.clone());
            members.push(Member {
                node,
                run_after: &step.run_after,
            });
        }
        containers[slot].1 = members;
    }
}

/// A short second line for a trigger or action: its type, and what it talks to.
fn describe(action: &Value) -> String {
    match action.as_object() {
        Some(map) => describe_map(map),
        None => "(no type)".to_string(),
    }
}

fn describe_map(action: &Map<String, Value>) -> String {
    let kind = action
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("(no type)");
    let inputs = action.get("inputs");
    let text = |key: &str| {
        inputs
            .and_then(|i| i.get(key))
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    let connection = match kind.to_ascii_lowercase().as_str() {
        "apiconnection" | "apiconnectionwebhook" => inputs
            .and_then(|i| i.get("host"))
            .and_then(|h| h.get("connection"))
            .and_then(|c| c.get("name"))
            .and_then(Value::as_str)
            .and_then(connection_key),
        _ => None,
    };
    let target = if kind.eq_ignore_ascii_case("http") {
        text("uri")
    } else {
        text("path")
    };
    detail(kind, connection, text("method"), target)
}

/// [`describe`]'s line from the parts it reads: an ApiConnection's connection key, method and
/// path, an HTTP action's method and URI (`target`); any other type alone.
fn detail(kind: &str, connection: Option<String>, method: &str, target: &str) -> String {
    match kind.to_ascii_lowercase().as_str() {
        "apiconnection" | "apiconnectionwebhook" => {
            let mut line = kind.to_string();
            if let Some(conn) = connection {
                line.push_str(&format!(" ({conn})"));
            }
            if !target.is_empty() {
                let line2 = format!("{} {}", method.to_uppercase(), shorten(target, 60));
                line.push('\n');
                line.push_str(line2.trim_start());
            }
            line
        }
        "http" => format!("{kind}\n{} {}", method.to_uppercase(), shorten(target, 60)),
        _ => kind.to_string(),
    }
}

/// The `$connections` key an ApiConnection uses: `@parameters('$connections')['jira']['connectionId']`.
pub fn connection_key(host_name: &str) -> Option<String> {
    let Ok(Template::Expr(expr)) = Template::parse(host_name) else {
        return None;
    };
    connection_key_of(&expr)
}

/// [`connection_key`] of the parsed expression.
fn connection_key_of(expr: &Expr) -> Option<String> {
    // Walk down the dereference chain; the key right after `parameters('$connections')`.
    let mut chain = Vec::new();
    let mut cur = expr;
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
    /// trigger: the typed definition draws the same graph as its JSON.
    #[test]
    fn a_typed_definition_draws_what_its_json_draws() {
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
                definition_graph(name, definition),
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
