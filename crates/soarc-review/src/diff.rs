//! What changed between two versions of a playbook, a template or a build, as a reviewer
//! needs it: by name (every side is a map, so pairing is O(n log n)), field by field, and for
//! strings by their parsed expressions, so that reformatting is no change and a changed
//! expression shows the sub-expression that changed.
//!
//! Changes a security reviewer must approve are marked with a [`Security`] reason: role
//! assignments, API connections, authentication, `secureData`, Key Vault references, HTTP
//! targets and automation-rule conditions.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use serde_json::{Map, Value, json};
use soarc_lang::arm::expr::{self as arm, ArmString};
use soarc_lang::wdl::expr::{self as wdl, Part, Template};

use crate::graph::{connection_key, shorten};
use crate::load::{Inventory, Playbook, flatten_actions};

/// A diff's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub old: String,
    pub new: String,
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub subject: Subject,
    pub kind: ChangeKind,
    pub fields: Vec<FieldChange>,
    /// Why a security reviewer must look; empty when not security-relevant.
    pub security: Vec<Security>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub kind: SubjectKind,
    /// The playbook an action or trigger belongs to.
    pub playbook: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SubjectKind {
    Playbook,
    Trigger,
    Action,
    AutomationRule,
    Connection,
    RoleAssignment,
    Resource,
    /// A parameter of a parameters file, of a Bicep file or of a `.bicepparam`.
    Parameter,
    /// Any other top-level Bicep declaration (`var`, `output`, `type`, ...).
    Declaration,
}

impl SubjectKind {
    pub fn noun(self) -> &'static str {
        match self {
            SubjectKind::Playbook => "playbook",
            SubjectKind::Trigger => "trigger",
            SubjectKind::Action => "action",
            SubjectKind::AutomationRule => "automation rule",
            SubjectKind::Connection => "connection",
            SubjectKind::RoleAssignment => "role assignment",
            SubjectKind::Resource => "resource",
            SubjectKind::Parameter => "parameter",
            SubjectKind::Declaration => "declaration",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

impl ChangeKind {
    pub fn word(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }
}

/// One changed field: its path inside the subject, the old and new values (compact JSON, or
/// the string itself), and the sub-expressions that differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub path: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub expressions: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Security {
    RoleAssignment,
    Connection,
    Authentication,
    SecureData,
    KeyVault,
    HttpTarget,
    AutomationRuleCondition,
}

impl Security {
    pub fn label(self) -> &'static str {
        match self {
            Security::RoleAssignment => "role assignment",
            Security::Connection => "connection",
            Security::Authentication => "authentication",
            Security::SecureData => "secureData",
            Security::KeyVault => "Key Vault reference",
            Security::HttpTarget => "HTTP target",
            Security::AutomationRuleCondition => "automation rule condition",
        }
    }
}

impl Report {
    /// Whether any change needs a security review.
    pub fn has_security_changes(&self) -> bool {
        self.changes.iter().any(|c| !c.security.is_empty())
    }
}

/// Which expression language a document's strings are in.
#[derive(Clone, Copy)]
enum Lang {
    /// Workflow definitions (ARM escaping already removed by the loader).
    Wdl,
    /// ARM template resources.
    Arm,
}

/// Compare two sides.
pub fn diff(old: &Inventory, new: &Inventory) -> Report {
    let mut changes = Vec::new();
    // Two single files with one playbook each are two versions of it, whatever their names.
    let renamed;
    let (old_pbs, new_pbs) = if old.single_file
        && new.single_file
        && old.playbooks.len() == 1
        && new.playbooks.len() == 1
    {
        let (name, pb) = new.playbooks.iter().next().expect("one");
        let _ = name;
        let old_name = old.playbooks.keys().next().expect("one").clone();
        renamed = BTreeMap::from([(old_name, pb.clone())]);
        (&old.playbooks, &renamed)
    } else {
        (&old.playbooks, &new.playbooks)
    };
    pair(old_pbs, new_pbs, |name, o, n| match (o, n) {
        (Some(o), Some(n)) => playbook_diff(name, o, n, &mut changes),
        (o, n) => {
            let (pb, kind) = match (o, n) {
                (Some(pb), None) => (pb, ChangeKind::Removed),
                (None, Some(pb)) => (pb, ChangeKind::Added),
                _ => unreachable!("pair yields at least one side"),
            };
            let actions = flatten_actions(&pb.definition);
            let mut security = Vec::new();
            for (_, _, a) in &actions {
                security.extend(action_security(a, None));
            }
            security.sort();
            security.dedup();
            let summary = FieldChange {
                path: "actions".into(),
                old: None,
                new: Some(format!("{} action(s), from {}", actions.len(), pb.file)),
                expressions: Vec::new(),
            };
            changes.push(Change {
                subject: Subject {
                    kind: SubjectKind::Playbook,
                    playbook: None,
                    name: name.to_string(),
                },
                kind,
                fields: vec![summary],
                security,
            });
        }
    });
    pair(&old.rules, &new.rules, |name, o, n| {
        let fields = field_diff(
            o.map(|r| &r.properties),
            n.map(|r| &r.properties),
            Lang::Arm,
        );
        push(
            &mut changes,
            SubjectKind::AutomationRule,
            None,
            name,
            o.is_some(),
            n.is_some(),
            fields,
            |f| {
                // Which incidents run what: the rule's conditions and its actions.
                // https://learn.microsoft.com/azure/sentinel/automate-incident-handling-with-automation-rules
                if f.path.starts_with("triggeringLogic") || f.path.starts_with("actions") {
                    vec![Security::AutomationRuleCondition]
                } else {
                    Vec::new()
                }
            },
            &[Security::AutomationRuleCondition],
        );
    });
    pair(&old.connections, &new.connections, |name, o, n| {
        let fields = field_diff(o.map(|c| &c.resource), n.map(|c| &c.resource), Lang::Arm);
        let keyvault = [o, n]
            .iter()
            .flatten()
            .any(|c| c.api.eq_ignore_ascii_case("keyvault"));
        let base: &[Security] = if keyvault {
            &[Security::Connection, Security::KeyVault]
        } else {
            &[Security::Connection]
        };
        push(
            &mut changes,
            SubjectKind::Connection,
            None,
            name,
            o.is_some(),
            n.is_some(),
            fields,
            |f| {
                let mut s = base.to_vec();
                if f.path.to_ascii_lowercase().contains("authentication")
                    || f.path.contains("parameterValue")
                {
                    s.push(Security::Authentication);
                }
                s
            },
            base,
        );
    });
    pair(&old.roles, &new.roles, |name, o, n| {
        let fields = field_diff(o.map(|r| &r.resource), n.map(|r| &r.resource), Lang::Arm);
        push(
            &mut changes,
            SubjectKind::RoleAssignment,
            None,
            name,
            o.is_some(),
            n.is_some(),
            fields,
            |_| vec![Security::RoleAssignment],
            &[Security::RoleAssignment],
        );
    });
    pair(&old.resources, &new.resources, |name, o, n| {
        let fields = field_diff(o.map(|r| &r.resource), n.map(|r| &r.resource), Lang::Arm);
        push(
            &mut changes,
            SubjectKind::Resource,
            None,
            name,
            o.is_some(),
            n.is_some(),
            fields,
            |f| path_security(&f.path),
            &[],
        );
    });
    Report {
        old: old.label.clone(),
        new: new.label.clone(),
        changes,
    }
}

/// Walk two name-sorted maps together: O(n) after the sort the maps already are.
fn pair<'a, T>(
    old: &'a BTreeMap<String, T>,
    new: &'a BTreeMap<String, T>,
    mut f: impl FnMut(&str, Option<&'a T>, Option<&'a T>),
) {
    let mut o = old.iter().peekable();
    let mut n = new.iter().peekable();
    loop {
        match (o.peek(), n.peek()) {
            (None, None) => break,
            (Some((ok, ov)), Some((nk, nv))) => match ok.cmp(nk) {
                std::cmp::Ordering::Equal => {
                    f(ok, Some(ov), Some(nv));
                    o.next();
                    n.next();
                }
                std::cmp::Ordering::Less => {
                    f(ok, Some(ov), None);
                    o.next();
                }
                std::cmp::Ordering::Greater => {
                    f(nk, None, Some(nv));
                    n.next();
                }
            },
            (Some((ok, ov)), None) => {
                f(ok, Some(ov), None);
                o.next();
            }
            (None, Some((nk, nv))) => {
                f(nk, None, Some(nv));
                n.next();
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn push(
    changes: &mut Vec<Change>,
    kind: SubjectKind,
    playbook: Option<&str>,
    name: &str,
    in_old: bool,
    in_new: bool,
    fields: Vec<FieldChange>,
    field_security: impl Fn(&FieldChange) -> Vec<Security>,
    whole_security: &[Security],
) {
    let change = match (in_old, in_new) {
        (true, true) if fields.is_empty() => return,
        (true, true) => ChangeKind::Changed,
        (true, false) => ChangeKind::Removed,
        _ => ChangeKind::Added,
    };
    let mut security: Vec<Security> = if change == ChangeKind::Changed {
        fields.iter().flat_map(&field_security).collect()
    } else {
        whole_security.to_vec()
    };
    security.sort();
    security.dedup();
    let fields = if change == ChangeKind::Changed {
        fields
    } else {
        Vec::new()
    };
    changes.push(Change {
        subject: Subject {
            kind,
            playbook: playbook.map(str::to_string),
            name: name.to_string(),
        },
        kind: change,
        fields,
        security,
    });
}

/// Security reasons any path can carry by its name.
fn path_security(path: &str) -> Vec<Security> {
    let lower = path.to_ascii_lowercase();
    let mut s = Vec::new();
    if lower.contains("authentication") || lower.starts_with("identity") {
        s.push(Security::Authentication);
    }
    if lower.contains("securedata") {
        s.push(Security::SecureData);
    }
    if lower.contains("$connections") {
        s.push(Security::Connection);
    }
    if lower.contains("keyvault") {
        s.push(Security::KeyVault);
    }
    s
}

/// Why an action is security-relevant as a whole (when added or removed) or, with `path`, why
/// a change at `path` is.
///
/// - HTTP actions and webhooks: their `uri` is where data leaves (Learn, "Schema reference for
///   trigger and action types", HTTP action:
///   https://learn.microsoft.com/azure/logic-apps/logic-apps-workflow-actions-triggers#http-action);
///   a Request trigger is an endpoint anyone with its URL can call.
/// - `authentication` (Learn, "Add authentication to outbound calls",
///   https://learn.microsoft.com/azure/logic-apps/logic-apps-securing-a-logic-app#add-authentication-to-outbound-calls).
/// - `runtimeConfiguration.secureData` hides inputs and outputs from run history (Learn,
///   "Secure data in run history", same page, #secure-data-code-view).
/// - Key Vault: an ApiConnection on a `keyvault` connection, or a `/secrets/` path.
fn action_security(action: &Map<String, Value>, path: Option<&str>) -> Vec<Security> {
    let kind = action
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    let inputs = action.get("inputs");
    let keyvault = inputs
        .and_then(|i| i.get("host"))
        .and_then(|h| h.get("connection"))
        .and_then(|c| c.get("name"))
        .and_then(Value::as_str)
        .and_then(connection_key)
        .is_some_and(|k| k.to_ascii_lowercase().contains("keyvault"))
        || inputs
            .and_then(|i| i.get("path"))
            .and_then(Value::as_str)
            .is_some_and(|p| p.contains("/secrets/"));
    let http = matches!(
        kind.as_str(),
        "http" | "httpwebhook" | "request" | "webhook"
    );
    let mut s = Vec::new();
    match path {
        None => {
            if http {
                s.push(Security::HttpTarget);
            }
            if keyvault {
                s.push(Security::KeyVault);
            }
            if inputs.is_some_and(|i| i.get("authentication").is_some()) {
                s.push(Security::Authentication);
            }
            if action
                .get("runtimeConfiguration")
                .is_some_and(|r| r.get("secureData").is_some())
            {
                s.push(Security::SecureData);
            }
        }
        Some(path) => {
            s.extend(path_security(path));
            let lower = path.to_ascii_lowercase();
            if http
                && (lower.ends_with("uri") || lower == "type" || lower.contains("inputs.schema"))
            {
                s.push(Security::HttpTarget);
            }
            if lower.starts_with("inputs.host") {
                s.push(Security::Connection);
            }
            if keyvault {
                s.push(Security::KeyVault);
            }
        }
    }
    s
}

fn playbook_diff(name: &str, old: &Playbook, new: &Playbook, changes: &mut Vec<Change>) {
    // The playbook itself: its resource (identity, state, $connections) and its workflow
    // parameters (mappings live there).
    let mut fields = field_diff(
        Some(&old.resource).filter(|v| !v.is_null()),
        Some(&new.resource).filter(|v| !v.is_null()),
        Lang::Arm,
    );
    if old.resource.is_null() != new.resource.is_null() {
        fields.clear(); // a workflow.json against a template: compare the definitions only
    }
    for key in ["parameters", "outputs"] {
        let mut more = field_diff(old.definition.get(key), new.definition.get(key), Lang::Wdl);
        for f in &mut more {
            f.path = format!("definition.{key}{}", join_path(&f.path));
        }
        fields.extend(more);
    }
    push(
        changes,
        SubjectKind::Playbook,
        None,
        name,
        true,
        true,
        fields,
        |f| path_security(&f.path),
        &[],
    );
    // Triggers by name.
    let empty = Map::new();
    let triggers = |d: &Value| -> BTreeMap<String, Value> {
        d.get("triggers")
            .and_then(Value::as_object)
            .unwrap_or(&empty)
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let (ot, nt) = (triggers(&old.definition), triggers(&new.definition));
    pair(&ot, &nt, |tname, o, n| {
        let fields = field_diff(o, n, Lang::Wdl);
        let whole: Vec<Security> = [o, n]
            .iter()
            .flatten()
            .filter_map(|v| v.as_object())
            .flat_map(|a| action_security(a, None))
            .collect();
        let target = n
            .or(o)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        push(
            changes,
            SubjectKind::Trigger,
            Some(name),
            tname,
            o.is_some(),
            n.is_some(),
            fields,
            |f| action_security(&target, Some(&f.path)),
            &whole,
        );
    });
    // Actions by name, wherever they are nested; the branch they sit in is a field.
    let old_actions = flatten_actions(&old.definition);
    let new_actions = flatten_actions(&new.definition);
    let old_by_name: HashMap<&str, (&str, &Map<String, Value>)> = old_actions
        .iter()
        .map(|(n, p, a)| (n.as_str(), (p.as_str(), *a)))
        .collect();
    let new_names: HashMap<&str, ()> = new_actions
        .iter()
        .map(|(n, _, _)| (n.as_str(), ()))
        .collect();
    let mut action_change = |aname: &str,
                             o: Option<(&str, &Map<String, Value>)>,
                             n: Option<(&str, &Map<String, Value>)>| {
        let (ov, nv) = (
            o.map(|(_, a)| strip_children(a)),
            n.map(|(_, a)| strip_children(a)),
        );
        let mut fields = field_diff(ov.as_ref(), nv.as_ref(), Lang::Wdl);
        if let (Some((op, _)), Some((np, _))) = (o, n)
            && op != np
        {
            fields.insert(
                0,
                FieldChange {
                    path: "(branch)".into(),
                    old: Some(if op.is_empty() {
                        "(top level)".into()
                    } else {
                        op.to_string()
                    }),
                    new: Some(if np.is_empty() {
                        "(top level)".into()
                    } else {
                        np.to_string()
                    }),
                    expressions: Vec::new(),
                },
            );
        }
        let target = n.or(o).map(|(_, a)| a.clone()).unwrap_or_default();
        let whole = target_security(o, n);
        push(
            changes,
            SubjectKind::Action,
            Some(name),
            aname,
            o.is_some(),
            n.is_some(),
            fields,
            |f| {
                let mut s = action_security(&target, Some(&f.path));
                if let Some((_, old_action)) = o {
                    s.extend(action_security(old_action, Some(&f.path)));
                }
                s
            },
            &whole,
        );
    };
    // New order first (what the reviewer reads), then what was removed, in old order.
    for (aname, parent, action) in &new_actions {
        action_change(
            aname,
            old_by_name.get(aname.as_str()).copied(),
            Some((parent, action)),
        );
    }
    for (aname, parent, action) in &old_actions {
        if !new_names.contains_key(aname.as_str()) {
            action_change(aname, Some((parent, action)), None);
        }
    }
}

fn target_security(
    o: Option<(&str, &Map<String, Value>)>,
    n: Option<(&str, &Map<String, Value>)>,
) -> Vec<Security> {
    [o, n]
        .into_iter()
        .flatten()
        .flat_map(|(_, a)| action_security(a, None))
        .collect()
}

/// An action without its nested actions (those are compared by name on their own); Switch
/// cases keep their values so a changed case shows.
fn strip_children(action: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    for (k, v) in action {
        match k.as_str() {
            "actions" => {}
            "else" | "default" => {
                out.insert(k.clone(), json!("(branch)"));
            }
            "cases" => {
                let cases: Map<String, Value> = v
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(ck, c)| {
                                (ck.clone(), c.get("case").cloned().unwrap_or(Value::Null))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                out.insert(k.clone(), Value::Object(cases));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

fn join_path(rest: &str) -> String {
    if rest.is_empty() {
        String::new()
    } else if rest.starts_with('[') {
        rest.to_string()
    } else {
        format!(".{rest}")
    }
}

/// Field-level differences of two JSON values (either may be absent).
fn field_diff(old: Option<&Value>, new: Option<&Value>, lang: Lang) -> Vec<FieldChange> {
    let mut out = Vec::new();
    match (old, new) {
        (Some(o), Some(n)) => walk(&mut String::new(), o, n, lang, &mut out),
        (Some(o), None) => out.push(FieldChange {
            path: String::new(),
            old: Some(show(o)),
            new: None,
            expressions: Vec::new(),
        }),
        (None, Some(n)) => out.push(FieldChange {
            path: String::new(),
            old: None,
            new: Some(show(n)),
            expressions: Vec::new(),
        }),
        (None, None) => {}
    }
    out
}

fn key_path(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '-'));
    match (path.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{}]", Value::String(key.to_string())),
    }
}

fn walk(path: &mut String, old: &Value, new: &Value, lang: Lang, out: &mut Vec<FieldChange>) {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            for (k, ov) in o {
                let p = key_path(path, k);
                match n.get(k) {
                    Some(nv) => walk(&mut p.clone(), ov, nv, lang, out),
                    None => out.push(FieldChange {
                        path: p,
                        old: Some(show(ov)),
                        new: None,
                        expressions: Vec::new(),
                    }),
                }
            }
            for (k, nv) in n {
                if !o.contains_key(k) {
                    out.push(FieldChange {
                        path: key_path(path, k),
                        old: None,
                        new: Some(show(nv)),
                        expressions: Vec::new(),
                    });
                }
            }
        }
        (Value::Array(o), Value::Array(n)) if o.len() == n.len() => {
            for (i, (ov, nv)) in o.iter().zip(n).enumerate() {
                walk(&mut format!("{path}[{i}]"), ov, nv, lang, out);
            }
        }
        // Lists of scalars that grew or shrank (dependsOn, labels, ...): the items removed
        // and added, counted with a map (linear).
        (Value::Array(o), Value::Array(n))
            if o.iter().chain(n).all(|v| !v.is_object() && !v.is_array()) =>
        {
            let mut counts: HashMap<String, isize> = HashMap::new();
            for v in o {
                *counts.entry(show(v)).or_default() += 1;
            }
            for v in n {
                *counts.entry(show(v)).or_default() -= 1;
            }
            for v in o {
                let k = show(v);
                if let Some(c) = counts.get_mut(&k).filter(|c| **c > 0) {
                    *c -= 1;
                    out.push(FieldChange {
                        path: format!("{path}[]"),
                        old: Some(k),
                        new: None,
                        expressions: Vec::new(),
                    });
                }
            }
            for v in n {
                let k = show(v);
                if let Some(c) = counts.get_mut(&k).filter(|c| **c < 0) {
                    *c += 1;
                    out.push(FieldChange {
                        path: format!("{path}[]"),
                        old: None,
                        new: Some(k),
                        expressions: Vec::new(),
                    });
                }
            }
        }
        (Value::String(o), Value::String(n)) => {
            if o == n {
                return;
            }
            if let Some(expressions) = string_diff(o, n, lang) {
                out.push(FieldChange {
                    path: path.clone(),
                    old: Some(o.clone()),
                    new: Some(n.clone()),
                    expressions,
                });
            }
        }
        (o, n) if o == n => {}
        (o, n) => out.push(FieldChange {
            path: path.clone(),
            old: Some(show(o)),
            new: Some(show(n)),
            expressions: Vec::new(),
        }),
    }
}

/// `None` when the two strings mean the same (same expression AST); otherwise the differing
/// sub-expressions (empty for plain text).
fn string_diff(old: &str, new: &str, lang: Lang) -> Option<Vec<(String, String)>> {
    let mut exprs = Vec::new();
    match lang {
        Lang::Wdl => {
            if let (Ok(a), Ok(b)) = (Template::parse(old), Template::parse(new)) {
                if a == b {
                    return None;
                }
                template_diff(&a, &b, &mut exprs);
            }
        }
        Lang::Arm => {
            if let (Ok(a), Ok(b)) = (ArmString::parse(old), ArmString::parse(new)) {
                if a == b {
                    return None;
                }
                if let (ArmString::Expr(x), ArmString::Expr(y)) = (&a, &b) {
                    arm_expr_diff(x, y, &mut exprs);
                }
            }
        }
    }
    exprs.truncate(MAX_EXPRESSIONS);
    Some(exprs)
}

/// Sub-expression changes listed per field; the field's old and new text show the rest.
const MAX_EXPRESSIONS: usize = 8;

fn template_diff(a: &Template, b: &Template, out: &mut Vec<(String, String)>) {
    match (a, b) {
        (Template::Expr(x), Template::Expr(y)) => wdl_expr_diff(x, y, out),
        (Template::Interpolated(x), Template::Interpolated(y)) if x.len() == y.len() => {
            for (p, q) in x.iter().zip(y) {
                if let (Part::Expr(e), Part::Expr(f)) = (p, q) {
                    wdl_expr_diff(e, f, out);
                }
            }
        }
        (Template::Literal(_), Template::Literal(_)) => {}
        _ => {
            let exprs = |t: &Template| {
                t.exprs()
                    .iter()
                    .map(|e| format!("@{{{e}}}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let (x, y) = (exprs(a), exprs(b));
            if x != y {
                out.push((x, y));
            }
        }
    }
}

/// The smallest differing sub-trees of two WDL expressions.
fn wdl_expr_diff(a: &wdl::Expr, b: &wdl::Expr, out: &mut Vec<(String, String)>) {
    use wdl::Expr::*;
    if a == b || out.len() >= MAX_EXPRESSIONS {
        return;
    }
    match (a, b) {
        (Call { name: n1, args: a1 }, Call { name: n2, args: a2 })
            if n1.eq_ignore_ascii_case(n2) && a1.len() == a2.len() =>
        {
            for (x, y) in a1.iter().zip(a2) {
                wdl_expr_diff(x, y, out);
            }
        }
        (
            Index {
                base: b1,
                index: i1,
                optional: o1,
            },
            Index {
                base: b2,
                index: i2,
                optional: o2,
            },
        ) if o1 == o2 => {
            wdl_expr_diff(b1, b2, out);
            wdl_expr_diff(i1, i2, out);
        }
        (
            Member {
                base: b1,
                name: n1,
                optional: o1,
            },
            Member {
                base: b2,
                name: n2,
                optional: o2,
            },
        ) if n1 == n2 && o1 == o2 => wdl_expr_diff(b1, b2, out),
        _ => out.push((a.to_string(), b.to_string())),
    }
}

/// The smallest differing sub-trees of two ARM expressions.
fn arm_expr_diff(a: &arm::Expr, b: &arm::Expr, out: &mut Vec<(String, String)>) {
    use arm::Expr::*;
    if a == b || out.len() >= MAX_EXPRESSIONS {
        return;
    }
    match (a, b) {
        (Call { name: n1, args: a1 }, Call { name: n2, args: a2 })
            if n1.eq_ignore_ascii_case(n2) && a1.len() == a2.len() =>
        {
            for (x, y) in a1.iter().zip(a2) {
                arm_expr_diff(x, y, out);
            }
        }
        (
            Index {
                base: b1,
                index: i1,
            },
            Index {
                base: b2,
                index: i2,
            },
        ) => {
            arm_expr_diff(b1, b2, out);
            arm_expr_diff(i1, i2, out);
        }
        (Member { base: b1, name: n1 }, Member { base: b2, name: n2 }) if n1 == n2 => {
            arm_expr_diff(b1, b2, out)
        }
        _ => out.push((a.to_string(), b.to_string())),
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Output

fn security_summary(report: &Report) -> Vec<(Security, usize)> {
    let mut counts: BTreeMap<Security, usize> = BTreeMap::new();
    for c in &report.changes {
        for s in &c.security {
            *counts.entry(*s).or_default() += 1;
        }
    }
    counts.into_iter().collect()
}

/// Count per subject kind: added, removed, changed.
fn counts(report: &Report) -> BTreeMap<SubjectKind, [usize; 3]> {
    let mut out: BTreeMap<SubjectKind, [usize; 3]> = BTreeMap::new();
    for c in &report.changes {
        let i = match c.kind {
            ChangeKind::Added => 0,
            ChangeKind::Removed => 1,
            ChangeKind::Changed => 2,
        };
        out.entry(c.subject.kind).or_default()[i] += 1;
    }
    out
}

/// The report as JSON (for scripts).
pub fn to_json(report: &Report) -> Value {
    let changes: Vec<Value> = report
        .changes
        .iter()
        .map(|c| {
            json!({
                "kind": c.subject.kind.noun(),
                "playbook": c.subject.playbook,
                "name": c.subject.name,
                "change": c.kind.word(),
                "security": c.security.iter().map(|s| s.label()).collect::<Vec<_>>(),
                "fields": c.fields.iter().map(|f| json!({
                    "path": f.path,
                    "old": f.old,
                    "new": f.new,
                    "expressions": f.expressions.iter().map(|(o, n)| json!({"old": o, "new": n})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let summary: Map<String, Value> = counts(report)
        .into_iter()
        .map(|(k, [a, r, c])| {
            (
                k.noun().to_string(),
                json!({"added": a, "removed": r, "changed": c}),
            )
        })
        .collect();
    json!({
        "old": report.old,
        "new": report.new,
        "security_relevant": report.has_security_changes(),
        "summary": summary,
        "changes": changes,
    })
}

/// A Markdown code span that shows `s` literally on one line: long values cut, line breaks
/// shown as `⏎`, and a fence longer than any run of backticks inside (CommonMark, "Code spans",
/// https://spec.commonmark.org/0.31.2/#code-spans).
fn code(s: &str) -> String {
    let one_line = shorten(&s.replace("\r\n", "⏎").replace(['\n', '\r'], "⏎"), 160);
    let mut longest = 0;
    let mut run = 0;
    for c in one_line.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if one_line.starts_with('`') || one_line.ends_with('`') || one_line.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{one_line}{pad}{fence}")
}

/// The report as Markdown for a pull-request comment.
pub fn to_markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## soarc diff\n\n{} → {}\n",
        code(&report.old),
        code(&report.new)
    );
    if report.changes.is_empty() {
        out.push_str(
            "No changes to playbooks, automation rules, connections or role assignments.\n",
        );
        return out;
    }
    let security = security_summary(report);
    if security.is_empty() {
        out.push_str("No security-relevant changes.\n\n");
    } else {
        let reasons: Vec<String> = security
            .iter()
            .map(|(s, n)| format!("{} ({n})", s.label()))
            .collect();
        let total = report
            .changes
            .iter()
            .filter(|c| !c.security.is_empty())
            .count();
        let _ = writeln!(
            out,
            "> [!WARNING]\n> **{total} security-relevant change(s)**: {}. Marked ⚠️ below; they need a security review.\n",
            reasons.join(", ")
        );
    }
    out.push_str("| | added | removed | changed |\n|---|---:|---:|---:|\n");
    for (kind, [a, r, c]) in counts(report) {
        let _ = writeln!(out, "| {}s | {a} | {r} | {c} |", capitalise(kind.noun()));
    }
    out.push('\n');
    // Grouped by playbook (in name order), then everything else by kind.
    let mut groups: BTreeMap<(u8, String), Vec<&Change>> = BTreeMap::new();
    for c in &report.changes {
        let key = match (&c.subject.playbook, c.subject.kind) {
            (Some(pb), _) => (0, pb.clone()),
            (None, SubjectKind::Playbook) => (0, c.subject.name.clone()),
            (None, kind) => (1 + kind as u8, String::new()),
        };
        groups.entry(key).or_default().push(c);
    }
    for ((order, pb), changes) in groups {
        if order == 0 {
            let _ = writeln!(out, "### Playbook {}\n", code(&pb));
        } else {
            let _ = writeln!(out, "### {}s\n", capitalise(changes[0].subject.kind.noun()));
        }
        for c in changes {
            let mark = if c.security.is_empty() {
                String::new()
            } else {
                let reasons: Vec<&str> = c.security.iter().map(|s| s.label()).collect();
                format!(" ⚠️ *security: {}*", reasons.join(", "))
            };
            let subject = if c.subject.kind == SubjectKind::Playbook && order == 0 {
                "playbook".to_string()
            } else {
                format!("{} {}", c.subject.kind.noun(), code(&c.subject.name))
            };
            let _ = writeln!(out, "- **{}** {subject}{mark}", c.kind.word());
            for f in &c.fields {
                let path = if f.path.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", code(&f.path))
                };
                let _ = match (&f.old, &f.new) {
                    (Some(o), Some(n)) => writeln!(out, "  - {path}{} → {}", code(o), code(n)),
                    (None, Some(n)) => writeln!(out, "  - {path}added {}", code(n)),
                    (Some(o), None) => writeln!(out, "  - {path}removed {}", code(o)),
                    (None, None) => Ok(()),
                };
                for (o, n) in &f.expressions {
                    let _ = writeln!(out, "    - expression {} → {}", code(o), code(n));
                }
            }
        }
        out.push('\n');
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Inventory, Playbook};

    fn inv(def: Value) -> Inventory {
        let mut inv = Inventory {
            label: "x".into(),
            single_file: true,
            ..Inventory::default()
        };
        inv.playbooks.insert(
            "pb".into(),
            Playbook {
                name: "pb".into(),
                file: "workflow.json".into(),
                definition: def,
                connections: Vec::new(),
                resource: Value::Null,
            },
        );
        inv
    }

    #[test]
    fn reformatted_expressions_are_no_change() {
        let a = inv(json!({"actions": {"A": {"type": "Compose", "inputs": "@concat('a','b')"}}}));
        let b =
            inv(json!({"actions": {"A": {"type": "Compose", "inputs": "@concat( 'a' , 'b' )"}}}));
        assert!(diff(&a, &b).changes.is_empty());
    }

    #[test]
    fn changed_sub_expressions_are_reported() {
        let a = inv(
            json!({"actions": {"A": {"type": "Compose", "inputs": "Hi @{triggerBody()?['a']} @{x()}"}}}),
        );
        let b = inv(
            json!({"actions": {"A": {"type": "Compose", "inputs": "Hi @{triggerBody()?['b']} @{x()}"}}}),
        );
        let r = diff(&a, &b);
        assert_eq!(r.changes.len(), 1);
        assert_eq!(r.changes[0].fields[0].path, "inputs");
        assert_eq!(
            r.changes[0].fields[0].expressions,
            [("'a'".into(), "'b'".into())]
        );
        assert!(!r.has_security_changes());
    }

    #[test]
    fn run_after_branch_and_security_changes() {
        let a = inv(json!({"actions": {
            "A": {"type": "Http", "inputs": {"method": "GET", "uri": "https://a.example"}},
            "If": {"type": "If", "expression": {}, "actions": {"B": {"type": "Compose", "inputs": 1, "runAfter": {}}}},
        }}));
        let b = inv(json!({"actions": {
            "A": {"type": "Http", "inputs": {"method": "GET", "uri": "https://b.example"}},
            "If": {"type": "If", "expression": {}, "actions": {}, "else": {"actions": {"B": {"type": "Compose", "inputs": 1, "runAfter": {"X": ["Failed"]}}}}},
        }}));
        let r = diff(&a, &b);
        let a_change = r.changes.iter().find(|c| c.subject.name == "A").unwrap();
        assert_eq!(a_change.security, [Security::HttpTarget]);
        let b_change = r.changes.iter().find(|c| c.subject.name == "B").unwrap();
        let paths: Vec<_> = b_change.fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["(branch)", "runAfter.X"]);
        assert_eq!(b_change.fields[0].new.as_deref(), Some("If / else"));
        let if_change = r.changes.iter().find(|c| c.subject.name == "If").unwrap();
        assert_eq!(if_change.fields[0].path, "else");
        let md = to_markdown(&r);
        assert!(md.contains("⚠️ *security: HTTP target*"), "{md}");
        assert!(md.contains("[!WARNING]"), "{md}");
    }

    #[test]
    fn automation_rule_conditions_and_arm_expressions() {
        use crate::load::Rule;
        let rule = |severity: &str, id: &str| {
            let mut inv = Inventory::default();
            inv.rules.insert(
                "r".into(),
                Rule {
                    name: "r".into(),
                    file: "a.json".into(),
                    properties: json!({
                        "order": 1,
                        "triggeringLogic": {"conditions": [{"conditionProperties": {"propertyValues": [severity]}}]},
                        "actions": [{"actionConfiguration": {"logicAppResourceId": id}}]
                    }),
                    playbooks: Vec::new(),
                },
            );
            inv
        };
        let a = rule(
            "High",
            "[resourceId(parameters('rg'), 'Microsoft.Logic/workflows', 'pb')]",
        );
        let b = rule(
            "Medium",
            "[resourceId(parameters( 'rg' ), 'Microsoft.Logic/workflows', 'pb2')]",
        );
        let r = diff(&a, &b);
        assert_eq!(r.changes.len(), 1);
        let c = &r.changes[0];
        assert_eq!(c.security, [Security::AutomationRuleCondition]);
        let id = c
            .fields
            .iter()
            .find(|f| f.path.ends_with("logicAppResourceId"))
            .unwrap();
        assert_eq!(id.expressions, [("'pb'".into(), "'pb2'".into())]);
    }

    #[test]
    fn code_spans_survive_backticks_and_newlines() {
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a\nb"), "`a⏎b`");
    }

    #[test]
    fn pairing_is_by_name() {
        let o = BTreeMap::from([("a".to_string(), 1), ("c".to_string(), 3)]);
        let n = BTreeMap::from([("b".to_string(), 2), ("c".to_string(), 4)]);
        let mut seen = Vec::new();
        pair(&o, &n, |k, x, y| {
            seen.push((k.to_string(), x.copied(), y.copied()))
        });
        assert_eq!(
            seen,
            [
                ("a".into(), Some(1), None),
                ("b".into(), None, Some(2)),
                ("c".into(), Some(3), Some(4))
            ]
        );
    }
}
