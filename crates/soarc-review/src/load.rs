//! Reading what a review looks at into an [`Inventory`]: a workflow definition (bare, or as the
//! portal exports it with `definition`), an ARM template (resources at any nesting depth of
//! inline `Microsoft.Resources/deployments`), or a folder of them such as soarc's `OUT/`.
//!
//! Names in templates are often ARM expressions (`[parameters('PlaybookName')]`,
//! `[variables('x')]`, `[concat(...)]`): they are resolved from parameter defaults and variables
//! where that is possible without Azure, and shown as the expression otherwise. Strings of an
//! embedded workflow definition are read back from their ARM escaping (`[[`), so the same
//! workflow compares equal whether it comes from `workflow.json` or `azuredeploy.json`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use soarc_lang::arm::expr::{ArmString, Expr};

use crate::roles;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Workflow,
    Template,
    Parameters,
    Other,
}

/// Everything a review knows about one side: keyed by name, so that two sides pair up in
/// O(n log n).
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// The path as the user gave it.
    pub label: String,
    /// Read from one file (not a folder).
    pub single_file: bool,
    pub playbooks: BTreeMap<String, Playbook>,
    pub rules: BTreeMap<String, Rule>,
    pub connections: BTreeMap<String, Connection>,
    pub roles: BTreeMap<String, Role>,
    pub resources: BTreeMap<String, OtherResource>,
}

/// A Logic Apps workflow.
#[derive(Debug, Clone)]
pub struct Playbook {
    pub name: String,
    /// File it was read from, relative to the input.
    pub file: String,
    /// The workflow definition (`triggers`, `actions`, ...), ARM escaping removed.
    pub definition: Value,
    /// Names of the API connections it uses (`$connections`), resolved where possible.
    pub connections: Vec<String>,
    /// The `Microsoft.Logic/workflows` resource without its definition (identity, state,
    /// parameters); `Null` for a bare workflow definition.
    pub resource: Value,
}

/// A Microsoft Sentinel automation rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub file: String,
    pub properties: Value,
    /// Playbooks it runs (names of the `logicAppResourceId`s).
    pub playbooks: Vec<String>,
}

/// A `Microsoft.Web/connections` resource.
#[derive(Debug, Clone)]
pub struct Connection {
    pub name: String,
    pub file: String,
    /// The managed API (`servicenow`, `keyvault`, ...).
    pub api: String,
    pub resource: Value,
}

/// A `Microsoft.Authorization/roleAssignments` resource.
#[derive(Debug, Clone)]
pub struct Role {
    /// The playbook whose template grants it, or the file when that template has no single
    /// playbook.
    pub owner: String,
    pub owner_is_playbook: bool,
    /// Role definition GUID.
    pub role_id: String,
    /// The built-in role's name, or the id.
    pub role: String,
    pub scope: String,
    pub principal: String,
    pub resource: Value,
}

/// Any other resource (diagnostic settings, workbooks, alerts, ...).
#[derive(Debug, Clone)]
pub struct OtherResource {
    pub owner: String,
    pub kind: String,
    pub name: String,
    pub resource: Value,
}

/// Why an input could not be read; the message says what to pass instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for LoadError {}

fn err(path: &Path, message: impl Into<String>) -> LoadError {
    LoadError {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// What kind of JSON document `value` is.
pub fn classify(value: &Value) -> DocKind {
    let Some(obj) = value.as_object() else {
        return DocKind::Other;
    };
    let schema = obj
        .get("$schema")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    if schema.contains("deploymentparameters") {
        DocKind::Parameters
    } else if schema.contains("deploymenttemplate")
        || obj.get("resources").is_some_and(Value::is_array)
    {
        DocKind::Template
    } else if workflow_definition(value).is_some() {
        DocKind::Workflow
    } else {
        DocKind::Other
    }
}

/// The definition inside a workflow document: bare, `{definition: ...}` (portal export) or
/// `{properties: {definition: ...}}` (resource export).
fn workflow_definition(value: &Value) -> Option<&Value> {
    let is_definition = |v: &Value| {
        v.get("triggers").is_some_and(Value::is_object)
            || v.get("actions").is_some_and(Value::is_object)
    };
    if is_definition(value) {
        return Some(value);
    }
    value
        .get("definition")
        .or_else(|| value.get("properties").and_then(|p| p.get("definition")))
        .filter(|d| is_definition(d))
}

/// Read a workflow, a template or a folder.
pub fn load(path: &Path) -> Result<Inventory, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| err(path, format!("cannot read it: {e}")))?;
    let mut inv = Inventory {
        label: path.display().to_string(),
        ..Inventory::default()
    };
    if meta.is_dir() {
        let mut files = Vec::new();
        collect_json(path, &mut files).map_err(|e| err(path, format!("cannot list it: {e}")))?;
        // In a soarc OUT folder, `deploy/` and `prerequisites/` nest the same templates again
        // (one ordered deployment, or what Sentinel Repositories cannot deploy): reviewing
        // them too would show every change twice.
        if path.join(".soarc-manifest.json").is_file() {
            let derived = [path.join("deploy"), path.join("prerequisites")];
            files.retain(|f| !derived.iter().any(|d| f.starts_with(d)));
        }
        files.sort();
        // Per folder: templates first; a workflow.json beside a template with that workflow
        // is the same playbook, so it is read only when no template in its folder was.
        let mut documents = Vec::with_capacity(files.len());
        for file in &files {
            let value = read_json(file)?;
            documents.push((file, classify(&value), value));
        }
        let mut template_dirs = std::collections::BTreeSet::new();
        for (file, kind, value) in &documents {
            if *kind == DocKind::Template {
                let rel = relative(path, file);
                if add_template(&mut inv, &rel, value) {
                    template_dirs.insert(file.parent().map(Path::to_path_buf));
                }
            }
        }
        for (file, kind, value) in &documents {
            if *kind == DocKind::Workflow
                && !template_dirs.contains(&file.parent().map(Path::to_path_buf))
            {
                let rel = relative(path, file);
                add_workflow(&mut inv, &rel, file, value);
            }
        }
        if inv.playbooks.is_empty() && inv.rules.is_empty() {
            return Err(err(
                path,
                "no workflow definitions and no ARM templates with Logic Apps workflows or automation rules in this folder; pass a soarc OUT folder, a workflow.json or an azuredeploy.json",
            ));
        }
    } else {
        inv.single_file = true;
        let value = read_json(path)?;
        let rel = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match classify(&value) {
            DocKind::Workflow => add_workflow(&mut inv, &rel, path, &value),
            DocKind::Template => {
                add_template(&mut inv, &rel, &value);
                if inv.playbooks.is_empty() && inv.rules.is_empty() {
                    return Err(err(
                        path,
                        "this ARM template has no Microsoft.Logic/workflows and no automation rules; pass the template that deploys the playbook",
                    ));
                }
            }
            DocKind::Parameters => {
                return Err(err(
                    path,
                    "this is an ARM parameters file; pass the template (azuredeploy.json) or the workflow definition (workflow.json)",
                ));
            }
            DocKind::Other => {
                return Err(err(
                    path,
                    "neither a Logic Apps workflow definition (no `triggers` or `actions`) nor an ARM template; pass a workflow.json, an azuredeploy.json or a soarc OUT folder",
                ));
            }
        }
    }
    Ok(inv)
}

fn relative(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .to_string_lossy()
        .replace('\\', "/")
}

fn read_json(path: &Path) -> Result<Value, LoadError> {
    // Regular files only (a FIFO would hang, /dev/zero never ends); ARM's own limit for a
    // template is 4 MB, so 64 MiB leaves room for exported definitions and OUT files.
    let bytes = soarc_lang::read::read_regular(path, 64 * 1024 * 1024)
        .map_err(|e| err(path, format!("cannot read it: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| err(path, "not UTF-8 text"))?;
    // Exported templates often start with a UTF-8 byte order mark, which Azure accepts.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // Comments (`//`, `/* */`) are accepted as ARM accepts them; blanked byte for byte, so
    // an error's line and column are the file's own (see soarc_lang::jsonc).
    serde_json::from_str(&soarc_lang::jsonc::blank_comments(text))
        .map_err(|e| err(path, format!("not valid JSON: {e}")))
}

/// `*.json` under `dir`, recursively; symbolic links are not followed.
fn collect_json(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() {
            collect_json(&path, out)?;
        } else if kind.is_file()
            && path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            out.push(path);
        }
    }
    Ok(())
}

fn add_workflow(inv: &mut Inventory, rel: &str, path: &Path, value: &Value) {
    let Some(definition) = workflow_definition(value) else {
        return;
    };
    // OUT/playbooks/<name>/workflow.json is named by its folder.
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = if stem.eq_ignore_ascii_case("workflow") {
        path.parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or(stem)
    } else {
        stem
    };
    let connections = definition
        .get("parameters")
        .and_then(|p| p.get("$connections"))
        .and_then(|c| c.get("defaultValue"))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let name = unique(&inv.playbooks, name);
    inv.playbooks.insert(
        name.clone(),
        Playbook {
            name,
            file: rel.to_string(),
            definition: definition.clone(),
            connections,
            resource: Value::Null,
        },
    );
}

/// `name`, or `name (2)`, ... when it is taken (two hand-written files with one name).
fn unique<T>(map: &BTreeMap<String, T>, name: String) -> String {
    if !map.contains_key(&name) {
        return name;
    }
    (2..)
        .map(|i| format!("{name} ({i})"))
        .find(|n| !map.contains_key(n))
        .expect("an unused name exists")
}

/// What ARM expressions in names can be resolved from: parameter values (defaults, or the
/// values a nested deployment passes) and variables, all lowercased (ARM names are
/// case-insensitive).
#[derive(Default)]
struct Scope {
    params: HashMap<String, Value>,
    vars: HashMap<String, Value>,
}

impl Scope {
    fn of_template(template: &Value, passed: HashMap<String, Value>) -> Scope {
        let mut params = passed;
        if let Some(decls) = template.get("parameters").and_then(Value::as_object) {
            for (k, decl) in decls {
                let key = k.to_ascii_lowercase();
                if let (false, Some(default)) =
                    (params.contains_key(&key), decl.get("defaultValue"))
                {
                    params.insert(key, default.clone());
                }
            }
        }
        let vars = template
            .get("variables")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Scope { params, vars }
    }

    /// The string a JSON string value stands for, or the expression as written.
    fn resolve(&self, s: &str) -> String {
        match ArmString::parse(s) {
            Ok(ArmString::Literal(text)) => text,
            Ok(ArmString::Expr(e)) => self.eval(&e, 0).unwrap_or_else(|| format!("[{e}]")),
            Err(_) => s.to_string(),
        }
    }

    fn resolve_value(&self, v: &Value, depth: usize) -> Option<String> {
        match v {
            Value::String(s) => match ArmString::parse(s).ok()? {
                ArmString::Literal(text) => Some(text),
                ArmString::Expr(e) => self.eval(&e, depth + 1),
            },
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Evaluate the few functions names are built from; `None` for anything that needs Azure.
    /// ARM template functions: https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions
    fn eval(&self, e: &Expr, depth: usize) -> Option<String> {
        if depth > 32 {
            return None; // a variable cycle: ARM rejects it, we just stop
        }
        match e {
            Expr::Str(s) => Some(s.clone()),
            Expr::Int(i) => Some(i.to_string()),
            Expr::Call { name, args } => {
                let arg = |i: usize| args.get(i).and_then(|a| self.eval(a, depth + 1));
                match name.to_ascii_lowercase().as_str() {
                    // A parameter without a value (no default, nothing passed) is shown as
                    // itself, so `format('.../{0}', parameters('ws'))` still reads well.
                    "parameters" => {
                        let name = arg(0)?;
                        match self.params.get(&name.to_ascii_lowercase()) {
                            Some(v) => self.resolve_value(v, depth),
                            None => Some(format!("[parameters('{}')]", name.replace('\'', "''"))),
                        }
                    }
                    "variables" => {
                        self.resolve_value(self.vars.get(&arg(0)?.to_ascii_lowercase())?, depth)
                    }
                    "concat" => args.iter().map(|a| self.eval(a, depth + 1)).collect(),
                    "format" => {
                        let mut out = arg(0)?;
                        for i in 1..args.len() {
                            out = out.replace(&format!("{{{}}}", i - 1), &arg(i)?);
                        }
                        Some(out)
                    }
                    "take" => {
                        let n: usize = arg(1)?.parse().ok()?;
                        Some(arg(0)?.chars().take(n).collect())
                    }
                    "tolower" => Some(arg(0)?.to_lowercase()),
                    "toupper" => Some(arg(0)?.to_uppercase()),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The last name of a resource id: `resourceId(..., 'name')` (the last argument) or the
    /// last segment of a literal id.
    fn resource_id_name(&self, s: &str) -> String {
        if let Ok(ArmString::Expr(Expr::Call { name, args })) = ArmString::parse(s)
            && name.to_ascii_lowercase().ends_with("resourceid")
            && let Some(last) = args.last()
        {
            return self.eval(last, 0).unwrap_or_else(|| format!("[{last}]"));
        }
        let resolved = self.resolve(s);
        resolved.rsplit('/').next().unwrap_or(&resolved).to_string()
    }
}

/// Read back a definition embedded in a template: every string and key from its ARM form.
pub fn unescape_arm(value: &Value) -> Value {
    let text = |s: &str| match soarc_lang::arm::expr::classify(s) {
        soarc_lang::arm::expr::StringKind::EscapedLiteral => s[1..].to_string(),
        _ => s.to_string(),
    };
    match value {
        Value::String(s) => Value::String(text(s)),
        Value::Array(items) => Value::Array(items.iter().map(unescape_arm).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (text(k), unescape_arm(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn type_is(resource: &Value, suffix: &str) -> bool {
    resource
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.to_ascii_lowercase().ends_with(suffix))
}

/// Add a template's resources; whether it had a workflow.
fn add_template(inv: &mut Inventory, rel: &str, template: &Value) -> bool {
    let scope = Scope::of_template(template, HashMap::new());
    // The owner of roles and other resources: the template's playbook when it has exactly one.
    let mut workflows = Vec::new();
    find_workflows(template, &scope, &mut workflows, 0);
    let (owner, owner_is_playbook) = match workflows.as_slice() {
        [one] => (one.clone(), true),
        _ => (rel.to_string(), false),
    };
    let before = inv.playbooks.len();
    let ctx = Ctx {
        rel,
        owner: &owner,
        owner_is_playbook,
    };
    walk_resources(inv, &ctx, template, &scope, None, 0);
    inv.playbooks.len() > before
}

struct Ctx<'a> {
    rel: &'a str,
    owner: &'a str,
    owner_is_playbook: bool,
}

fn resources(template: &Value) -> &[Value] {
    template
        .get("resources")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Nested deployments ARM allows at most this deep in practice; guards hostile input.
const MAX_NESTING: usize = 16;

fn nested(resource: &Value) -> Option<&Value> {
    resource
        .get("properties")
        .and_then(|p| p.get("template"))
        .filter(|t| t.is_object())
}

/// The scope a nested deployment's template sees: the values its `parameters` pass, resolved in
/// the outer scope (`expressionEvaluationOptions.scope: inner`), plus its own defaults.
fn inner_scope(resource: &Value, inner: &Value, outer: &Scope) -> Scope {
    let mut passed = HashMap::new();
    if let Some(params) = resource
        .get("properties")
        .and_then(|p| p.get("parameters"))
        .and_then(Value::as_object)
    {
        for (k, v) in params {
            if let Some(value) = v.get("value") {
                let resolved = match value {
                    Value::String(s) => match outer.resolve_value(value, 0) {
                        Some(text) => {
                            Value::String(soarc_lang::arm::expr::escape_literal(&text).into_owned())
                        }
                        // Needs Azure (`reference(...)`): the inner side shows the outer text.
                        None => {
                            Value::String(soarc_lang::arm::expr::escape_literal(s).into_owned())
                        }
                    },
                    other => other.clone(),
                };
                passed.insert(k.to_ascii_lowercase(), resolved);
            }
        }
    }
    Scope::of_template(inner, passed)
}

fn find_workflows(template: &Value, scope: &Scope, out: &mut Vec<String>, depth: usize) {
    for r in resources(template) {
        if type_is(r, "microsoft.logic/workflows") {
            out.push(scope.resolve(r.get("name").and_then(Value::as_str).unwrap_or("")));
        } else if let (true, Some(inner)) = (depth < MAX_NESTING, nested(r)) {
            find_workflows(inner, &inner_scope(r, inner, scope), out, depth + 1);
        }
    }
}

fn walk_resources(
    inv: &mut Inventory,
    ctx: &Ctx,
    template: &Value,
    scope: &Scope,
    resource_group: Option<&str>,
    depth: usize,
) {
    for r in resources(template) {
        let name = scope.resolve(r.get("name").and_then(Value::as_str).unwrap_or(""));
        let kind = r
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if type_is(r, "microsoft.logic/workflows") {
            add_template_workflow(inv, ctx, r, scope, name);
        } else if type_is(r, "microsoft.web/connections") {
            let api = r
                .get("properties")
                .and_then(|p| p.get("api"))
                .and_then(|a| a.get("id"))
                .and_then(Value::as_str)
                .map(|id| scope.resource_id_name(id))
                .unwrap_or_default();
            let name = unique(&inv.connections, name);
            inv.connections.insert(
                name.clone(),
                Connection {
                    name,
                    file: ctx.rel.to_string(),
                    api,
                    resource: r.clone(),
                },
            );
        } else if type_is(r, "/roleassignments") {
            add_role(inv, ctx, r, scope, resource_group);
        } else if type_is(r, "microsoft.securityinsights/automationrules") {
            add_rule(inv, ctx, r, scope, name);
        } else if let (true, Some(inner)) = (depth < MAX_NESTING, nested(r)) {
            let rg = r
                .get("resourceGroup")
                .and_then(Value::as_str)
                .map(|g| scope.resolve(g));
            let inner_scope = inner_scope(r, inner, scope);
            walk_resources(
                inv,
                ctx,
                inner,
                &inner_scope,
                rg.as_deref().or(resource_group),
                depth + 1,
            );
        } else {
            let key = unique(&inv.resources, format!("{}: {kind} {name}", ctx.owner));
            inv.resources.insert(
                key,
                OtherResource {
                    owner: ctx.owner.to_string(),
                    kind,
                    name,
                    resource: r.clone(),
                },
            );
        }
    }
}

fn add_template_workflow(inv: &mut Inventory, ctx: &Ctx, r: &Value, scope: &Scope, name: String) {
    let properties = r.get("properties");
    let definition = properties
        .and_then(|p| p.get("definition"))
        .map(unescape_arm)
        .unwrap_or(Value::Null);
    let connections = properties
        .and_then(|p| p.get("parameters"))
        .and_then(|p| p.get("$connections"))
        .and_then(|c| c.get("value"))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(key, c)| {
                    c.get("connectionName")
                        .and_then(Value::as_str)
                        .or_else(|| c.get("connectionId").and_then(Value::as_str))
                        .map(|s| scope.resource_id_name(s))
                        .unwrap_or_else(|| key.clone())
                })
                .collect()
        })
        .unwrap_or_default();
    let mut resource = r.clone();
    if let Some(p) = resource
        .get_mut("properties")
        .and_then(Value::as_object_mut)
    {
        p.remove("definition");
    }
    let name = unique(&inv.playbooks, name);
    inv.playbooks.insert(
        name.clone(),
        Playbook {
            name,
            file: ctx.rel.to_string(),
            definition,
            connections,
            resource,
        },
    );
}

fn add_role(
    inv: &mut Inventory,
    ctx: &Ctx,
    r: &Value,
    scope: &Scope,
    resource_group: Option<&str>,
) {
    let properties = r.get("properties").cloned().unwrap_or(Value::Null);
    let text = |key: &str| properties.get(key).and_then(Value::as_str).unwrap_or("");
    let role_id = scope.resource_id_name(text("roleDefinitionId"));
    let role = roles::name(&role_id).map_or_else(|| role_id.clone(), str::to_string);
    let target = match r.get("scope").and_then(Value::as_str) {
        Some(s) => scope.resolve(s),
        None => match resource_group {
            Some(rg) => format!("resource group {rg}"),
            None => "the deployment's resource group".to_string(),
        },
    };
    let principal = scope.resolve(text("principalId"));
    let key = unique(&inv.roles, format!("{}: {role} on {target}", ctx.owner));
    inv.roles.insert(
        key,
        Role {
            owner: ctx.owner.to_string(),
            owner_is_playbook: ctx.owner_is_playbook,
            role_id,
            role,
            scope: target,
            principal,
            resource: r.clone(),
        },
    );
}

fn add_rule(inv: &mut Inventory, ctx: &Ctx, r: &Value, scope: &Scope, name: String) {
    let properties = r.get("properties").cloned().unwrap_or(Value::Null);
    let display = properties
        .get("displayName")
        .and_then(Value::as_str)
        .map(|d| scope.resolve(d))
        .unwrap_or(name);
    let playbooks = properties
        .get("actions")
        .and_then(Value::as_array)
        .map(|actions| {
            actions
                .iter()
                .filter_map(|a| {
                    a.get("actionConfiguration")?
                        .get("logicAppResourceId")?
                        .as_str()
                })
                .map(|id| scope.resource_id_name(id))
                .collect()
        })
        .unwrap_or_default();
    let name = unique(&inv.rules, display);
    inv.rules.insert(
        name.clone(),
        Rule {
            name,
            file: ctx.rel.to_string(),
            properties,
            playbooks,
        },
    );
}

/// The actions of a definition with their nesting, flattened in document order: name, the
/// branch it sits in (`""` at the top, `If_x / else`, `Switch_y / case High`, ...), the action.
pub fn flatten_actions(definition: &Value) -> Vec<(String, String, &Map<String, Value>)> {
    let mut out = Vec::new();
    if let Some(actions) = definition.get("actions").and_then(Value::as_object) {
        flatten_into(actions, "", &mut out, 0);
    }
    out
}

/// Nested branches deeper than this are not walked (hostile input; Logic Apps allows 8).
const MAX_DEPTH: usize = 64;

fn flatten_into<'a>(
    actions: &'a Map<String, Value>,
    parent: &str,
    out: &mut Vec<(String, String, &'a Map<String, Value>)>,
    depth: usize,
) {
    for (name, action) in actions {
        let Some(obj) = action.as_object() else {
            continue;
        };
        out.push((name.clone(), parent.to_string(), obj));
        if depth < MAX_DEPTH {
            for (branch, children) in branches(obj) {
                flatten_into(children, &format!("{name} / {branch}"), out, depth + 1);
            }
        }
    }
}

/// The nested action lists of an action, each with its branch's name: `actions` (`true` for an
/// If, the body for loops and scopes), `else`, each Switch case (`case <value>`), `default`.
/// Learn, "Schema reference guide for trigger and action types":
/// https://learn.microsoft.com/azure/logic-apps/logic-apps-workflow-actions-triggers
pub fn branches(action: &Map<String, Value>) -> Vec<(String, &Map<String, Value>)> {
    let kind = action
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut out = Vec::new();
    let body = if kind == "if" { "true" } else { "body" };
    if let Some(a) = action.get("actions").and_then(Value::as_object) {
        out.push((body.to_string(), a));
    }
    if let Some(a) = action
        .get("else")
        .and_then(|e| e.get("actions"))
        .and_then(Value::as_object)
    {
        out.push(("else".to_string(), a));
    }
    if let Some(cases) = action.get("cases").and_then(Value::as_object) {
        for (key, case) in cases {
            if let Some(a) = case.get("actions").and_then(Value::as_object) {
                let label = match case.get("case") {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => key.clone(),
                };
                out.push((format!("case {label}"), a));
            }
        }
    }
    if let Some(a) = action
        .get("default")
        .and_then(|e| e.get("actions"))
        .and_then(Value::as_object)
    {
        out.push(("default".to_string(), a));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn classifies_documents() {
        assert_eq!(
            classify(&json!({"triggers": {}, "actions": {}})),
            DocKind::Workflow
        );
        assert_eq!(
            classify(&json!({"definition": {"actions": {}}})),
            DocKind::Workflow
        );
        assert_eq!(classify(&json!({"resources": []})), DocKind::Template);
        assert_eq!(
            classify(
                &json!({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"})
            ),
            DocKind::Parameters
        );
        assert_eq!(classify(&json!([1])), DocKind::Other);
    }

    #[test]
    fn resolves_names_through_parameters_variables_and_nested_deployments() {
        let template = json!({
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "parameters": {"PlaybookName": {"type": "string", "defaultValue": "pb"}},
            "variables": {"Conn": "[concat('kv-', parameters('playbookname'))]"},
            "resources": [
                {"type": "Microsoft.Web/connections", "name": "[variables('Conn')]",
                 "properties": {"api": {"id": "[subscriptionResourceId('Microsoft.Web/locations/managedApis', 'westeurope', 'keyvault')]"}}},
                {"type": "Microsoft.Logic/workflows", "name": "[parameters('PlaybookName')]",
                 "properties": {"definition": {"triggers": {}, "actions": {"[[x]": {"type": "Compose", "inputs": "[[a]"}}},
                   "parameters": {"$connections": {"value": {"keyvault": {"connectionName": "[variables('Conn')]"}}}}}},
                {"type": "Microsoft.Resources/deployments", "name": "inner", "resourceGroup": "rg-x",
                 "properties": {"parameters": {"ws": {"value": "[parameters('PlaybookName')]"}},
                   "template": {"parameters": {"ws": {"type": "string"}}, "resources": [
                     {"type": "Microsoft.Authorization/roleAssignments", "name": "[guid('a')]",
                      "scope": "[format('Microsoft.OperationalInsights/workspaces/{0}', parameters('ws'))]",
                      "properties": {"roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '3e150937-b8fe-4cfb-8069-0eaf05ecd056')]",
                                     "principalId": "[parameters('missing')]"}}]}}}
            ]
        });
        let mut inv = Inventory::default();
        assert!(add_template(&mut inv, "t.json", &template));
        let pb = &inv.playbooks["pb"];
        assert_eq!(pb.connections, vec!["kv-pb".to_string()]);
        assert!(
            pb.definition["actions"].get("[x]").is_some(),
            "{}",
            pb.definition
        );
        assert_eq!(pb.definition["actions"]["[x]"]["inputs"], "[a]");
        assert_eq!(inv.connections["kv-pb"].api, "keyvault");
        let role = inv.roles.values().next().unwrap();
        assert_eq!(role.role, "Microsoft Sentinel Responder");
        assert_eq!(role.scope, "Microsoft.OperationalInsights/workspaces/pb");
        assert_eq!(role.owner, "pb");
        assert_eq!(role.principal, "[parameters('missing')]");
        assert_eq!(role.role_id, "3e150937-b8fe-4cfb-8069-0eaf05ecd056");
    }

    #[test]
    fn variable_cycles_terminate() {
        let template = json!({"variables": {"a": "[variables('b')]", "b": "[variables('a')]"},
            "resources": [{"type": "Microsoft.Logic/workflows", "name": "[variables('a')]", "properties": {"definition": {"actions": {}}}}]});
        let mut inv = Inventory::default();
        add_template(&mut inv, "t.json", &template);
        assert!(inv.playbooks.contains_key("[variables('a')]"));
    }

    #[test]
    fn flattens_branches_with_their_names() {
        let def = json!({"actions": {
            "If": {"type": "If", "actions": {"A": {"type": "Compose"}}, "else": {"actions": {"B": {"type": "Compose"}}}},
            "Sw": {"type": "Switch", "cases": {"c1": {"case": "High", "actions": {"C": {"type": "Compose"}}}}, "default": {"actions": {"D": {"type": "Compose"}}}}
        }});
        let flat: Vec<_> = flatten_actions(&def)
            .into_iter()
            .map(|(n, p, _)| format!("{p}>{n}"))
            .collect();
        assert_eq!(
            flat,
            [
                ">If",
                "If / true>A",
                "If / else>B",
                ">Sw",
                "Sw / case High>C",
                "Sw / default>D"
            ]
        );
    }
}
