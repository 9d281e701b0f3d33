//! `soarc import`: an existing playbook (an ARM template with `Microsoft.Logic/workflows`
//! resources, or a workflow file) to a spec, the pipeline run backwards
//! (`soarc-lang` types ─► spec values ─► YAML).
//!
//! - The workflow is read as Azure deploys it: template expressions inside the definition are
//!   evaluated with the template's default values ([`arm`]); what is only known at deployment
//!   is an error with its JSON pointer.
//! - Connections: one per `$connections` entry, its kind from the managed API id
//!   (`.../managedApis/service-now` is a `servicenow` connection, `office365` an `office365`
//!   one, anything else `kind: managed` with that `api`); secrets become Key Vault references
//!   to fill in. The ARM side (connections, identity, roles) is rebuilt by soarc.
//! - The trigger: a soarc trigger kind when the original is exactly what soarc generates for
//!   it, else `verbatim`.
//! - Each action becomes a typed step where compiling one gives back exactly that action
//!   ([`typed`]), else an `action` step (the escape hatch: the action as written, nested
//!   actions included), in an order that respects `runAfter`. No action is dropped: one
//!   that cannot be written is an error.
//! - The playbook gets `as_imported:`, which turns soarc's own additions off (retry policies,
//!   the failure-handling scope, renamed actions) and keeps the trigger's name, the
//!   definition's parameters and outputs and every `runAfter` that is not "after the
//!   previous step succeeded", so that building the spec as written gives back the original
//!   definition. A comment in the spec says so.

pub mod arm;
mod steps;
mod typed;
pub mod yaml;

use indexmap::IndexMap;
use serde_json::{Map, Value, json};
use soarc_lang::diagnostics::{Diagnostic, FileId, Sources, Span};

use crate::codes;

/// What one import produced.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The spec, as YAML text (with its explanatory comments).
    pub yaml: String,
    /// Per playbook: its name and how its actions were imported.
    pub playbooks: Vec<PlaybookStats>,
    /// The definitions as deployed, by playbook name (what a build of the spec must give
    /// back); used by the round-trip tests.
    pub definitions: Vec<(String, Value)>,
}

/// How the actions of one playbook were imported (nested actions counted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlaybookStats {
    pub name: String,
    /// Every action of the definition, nested ones included.
    pub actions: usize,
    /// Actions written as typed steps (`compose`, `sentinel.add_comment`, ...).
    pub typed: usize,
    /// Actions written as the generic `connector` step.
    pub connector: usize,
    /// Actions written with the `action` escape hatch (nested actions of an escaped
    /// container included).
    pub verbatim: usize,
}

/// The comment `import` writes at the top of every spec, before the source's name.
pub const HEADER: &str = "Imported by `soarc import`";

/// Import the template or workflow file `file` of `sources`.
pub fn import(sources: &Sources, file: FileId) -> Result<Imported, Vec<Diagnostic>> {
    import_with_values(sources, file, None)
}

/// Import `file`, taking template parameter values from the ARM parameters file `values`
/// (`soarc import --parameters`) in place of default values.
pub fn import_with_values(
    sources: &Sources,
    file: FileId,
    values: Option<FileId>,
) -> Result<Imported, Vec<Diagnostic>> {
    let supplied = match values {
        Some(values) => Some(parameter_values(sources, values)?),
        None => None,
    };
    let source = sources.get(file).expect("file is in sources");
    let text = source.text.strip_prefix('\u{feff}').unwrap_or(&source.text);
    let root: Value = serde_json::from_str(text).map_err(|e| {
        vec![
            Diagnostic::error(
                codes::IMP001.code,
                format!("the file is not valid JSON: {e}"),
            )
            .at(Span {
                file,
                line: e.line(),
                column: e.column(),
                len: 1,
            })
            .help(
                "give an ARM template (azuredeploy.json) or a workflow definition (workflow.json)",
            ),
        ]
    })?;
    let locate = |pointer: &str| locate(sources, file, pointer);
    let found = arm::find_workflows(&root);
    if found.is_empty() {
        return Err(vec![
            Diagnostic::error(
                codes::IMP002.code,
                "the file holds no Logic Apps workflow",
            )
            .in_file(&source.path)
            .help("give an ARM template with a `Microsoft.Logic/workflows` resource, or a workflow definition with `triggers` and `actions`"),
        ]);
    }
    let is_template = root.get("resources").is_some();
    let mut scope = if is_template {
        arm::Scope::of_template(&root)
    } else {
        arm::Scope::empty()
    };
    if let Some(supplied) = &supplied {
        scope = scope.with_values(supplied);
    }
    let template_description = root
        .pointer("/metadata/description")
        .and_then(Value::as_str)
        .map(str::to_string);

    let mut errors = Vec::new();
    let mut connections: IndexMap<String, Value> = IndexMap::new();
    let mut playbooks = Vec::new();
    let mut stats = Vec::new();
    let mut definitions = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for workflow in &found {
        let definition_pointer = if workflow.pointer.is_empty() && root.get("triggers").is_some() {
            String::new()
        } else if workflow.pointer.is_empty() {
            "/definition".to_string()
        } else {
            format!("{}/properties/definition", workflow.pointer)
        };
        let name = playbook_name(
            workflow.name.as_deref().and_then(|n| {
                scope
                    .evaluate(&Value::String(n.to_string()))
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
            }),
            &source.path,
            &names,
        );
        // Only the definition's own deployment values make template parameters.
        scope.take_kept();
        let definition = match scope.evaluate(&workflow.definition) {
            Ok(definition) => definition,
            Err((at, e)) => {
                let pointer = format!("{definition_pointer}{at}");
                errors.push(
                    Diagnostic::error(
                        codes::IMP003.code,
                        format!("cannot import the value at {pointer}: {}", e.0),
                    )
                    .at(locate(&pointer))
                    .help("write the value in place of the expression (or give the template parameter a value with --parameters), then import again"),
                );
                continue;
            }
        };
        names.push(name.clone());
        let kept = scope.take_kept();
        let wiring = connection_wiring(&root, workflow, &scope);
        scope.take_kept();
        let mut context = steps::Context::new(&definition_pointer, &wiring);
        let playbook = context.playbook(&name, &definition, workflow, &scope, kept, &locate);
        match playbook {
            Ok(mut playbook) => {
                for (key, declaration) in context.connections() {
                    connections.entry(key).or_insert(declaration);
                }
                if let Some(description) = workflow
                    .description
                    .clone()
                    .or_else(|| template_description.clone())
                    && let Some(object) = playbook.as_object_mut()
                {
                    object.insert("description".into(), Value::String(description));
                }
                stats.push(context.stats(&name));
                definitions.push((name, effective_parameters(definition, workflow, &scope)));
                playbooks.push(playbook);
            }
            Err(found) => errors.extend(found),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let playbooks: Vec<Value> = playbooks;
    let mut spec = Map::new();
    // Where the playbooks deploy: not in a template (ARM takes it from the deployment), so
    // written to fill in. Key Vault references in parameters files need the subscription
    // and resource group; the workspace receives the run logs.
    spec.insert(
        "deployment".into(),
        json!({
            "subscription_id": "00000000-0000-0000-0000-000000000000",
            "resource_group": "FILL-IN",
            "workspace": { "name": "FILL-IN" }
        }),
    );
    if !connections.is_empty() {
        spec.insert(
            "connections".into(),
            Value::Object(connections.into_iter().collect()),
        );
    }
    spec.insert("playbooks".into(), Value::Array(playbooks));
    let yaml = yaml::write(&Value::Object(spec), &source.path);
    Ok(Imported {
        yaml,
        playbooks: stats,
        definitions,
    })
}

/// The spec's playbook name: the workflow's deployed name (or the file's) in soarc's form,
/// lowercase letters, digits and dashes, at most 64 characters, unique in the spec.
fn playbook_name(deployed: Option<String>, path: &std::path::Path, taken: &[String]) -> String {
    let raw = deployed.unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let mut name = String::new();
    for c in raw.chars() {
        let c = if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '-'
        };
        if !(c == '-' && (name.is_empty() || name.ends_with('-'))) {
            name.push(c);
        }
    }
    let name = name.trim_start_matches(|c: char| !c.is_ascii_lowercase());
    let mut name: String = name.chars().take(56).collect();
    while name.ends_with('-') {
        name.pop();
    }
    if name.is_empty() || crate::compile::windows_device_name(&name).is_some() {
        name = format!("imported-{name}").trim_end_matches('-').to_string();
    }
    let base = name.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// A `$connections` entry of the workflow resource: its managed API and authentication.
#[derive(Debug, Clone)]
pub struct Wiring {
    /// The managed API name (`azuresentinel`, `service-now`, `office365`, ...).
    pub api: String,
    /// The connection is to a custom connector (`Microsoft.Web/customApis`) whose name
    /// cannot be read from the template.
    pub custom: bool,
    /// The name of the custom connector (`Microsoft.Web/customApis/<name>`) the connection
    /// is to, when the template says it.
    pub custom_api: Option<String>,
    /// `connectionProperties.authentication.type` is `ManagedServiceIdentity`.
    pub managed_identity: bool,
    /// Values of the `Microsoft.Web/connections` resource's `parameterValues` that could be
    /// evaluated (ServiceNow's `instance` and `username`, ...).
    pub parameter_values: Map<String, Value>,
}

/// The `$connections` entries the workflow resource sets, by key.
fn connection_wiring(
    root: &Value,
    workflow: &arm::FoundWorkflow,
    scope: &arm::Scope,
) -> IndexMap<String, Wiring> {
    let mut wiring = IndexMap::new();
    let Some(entries) = workflow
        .parameter_values
        .as_ref()
        .and_then(|p| p.get("$connections"))
        .and_then(|c| c.get("value"))
        .and_then(Value::as_object)
    else {
        return wiring;
    };
    for (key, entry) in entries {
        // `id` is `/subscriptions/.../providers/Microsoft.Web/locations/<l>/managedApis/<api>`,
        // usually built with concat() of deployment values: the API name is read from its
        // text, which ends with it.
        let id = entry.get("id").and_then(Value::as_str).unwrap_or_default();
        let custom_api = custom_api_name(id, scope);
        let custom = custom_api.is_none() && id.to_ascii_lowercase().contains("customapis");
        let api = custom_api
            .clone()
            .or_else(|| managed_api_name(id))
            .unwrap_or_else(|| steps::api_from_key(key));
        let managed_identity = entry
            .pointer("/connectionProperties/authentication/type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("ManagedServiceIdentity"));
        let parameter_values = entry
            .get("connectionId")
            .and_then(Value::as_str)
            .and_then(|id| connection_resource(root, id))
            .and_then(|r| r.pointer("/properties/parameterValues"))
            .and_then(Value::as_object)
            .map(|values| {
                values
                    .iter()
                    .filter_map(|(k, v)| scope.evaluate(v).ok().map(|v| (k.clone(), v)))
                    .collect()
            })
            .unwrap_or_default();
        wiring.insert(
            key.clone(),
            Wiring {
                api,
                custom,
                custom_api,
                managed_identity,
                parameter_values,
            },
        );
    }
    wiring
}

/// `.../managedApis/<api>`, also when built with `concat('.../managedApis/', 'api')`.
fn managed_api_name(id: &str) -> Option<String> {
    let lower: String = id
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !matches!(c, '\'' | ',' | ' '))
        .collect();
    let at = lower.rfind("managedapis/")? + "managedapis/".len();
    let name: String = lower[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// The custom connector `id` names: the last segment of
/// `.../providers/Microsoft.Web/customApis/<name>`, read from the id as deployed (template
/// parameters with values and variables evaluated; what only the deployment knows, the
/// subscription and resource group before it, is skipped), with its case kept.
fn custom_api_name(id: &str, scope: &arm::Scope) -> Option<String> {
    let text = match scope.evaluate(&Value::String(id.to_string())).ok()? {
        Value::String(text) => text,
        Value::Object(marker) => marker
            .get(crate::deployment_values::KEY)?
            .as_str()?
            .chars()
            .filter(|c| !matches!(c, '\'' | ',' | ' '))
            .collect(),
        _ => return None,
    };
    scope.take_kept();
    let at = text.to_ascii_lowercase().rfind("customapis/")? + "customapis/".len();
    let name: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    // The name ends the id (a residual `concat(...)` ends with `)`); a name that is itself
    // only known at deployment (`parameters(...)`) is not read.
    let rest = &text[at + name.len()..];
    (!name.is_empty() && rest.chars().all(|c| c == ')')).then_some(name)
}

/// The `Microsoft.Web/connections` resource a `connectionId` expression names: matched on
/// the name expression inside `resourceId('Microsoft.Web/connections', <name>)`.
fn connection_resource<'a>(root: &'a Value, connection_id: &str) -> Option<&'a Value> {
    let arm_name = match soarc_lang::arm::expr::ArmString::parse(connection_id).ok()? {
        soarc_lang::arm::expr::ArmString::Expr(soarc_lang::arm::expr::Expr::Call {
            name,
            args,
        }) if name.eq_ignore_ascii_case("resourceId") => args.last()?.to_string(),
        _ => return None,
    };
    root.get("resources")?.as_array()?.iter().find(|r| {
        r.get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Web/connections"))
            && r.get("name").and_then(Value::as_str).is_some_and(|n| {
                soarc_lang::arm::expr::ArmString::parse(n)
                    .ok()
                    .is_some_and(|parsed| match parsed {
                        soarc_lang::arm::expr::ArmString::Expr(e) => e.to_string() == arm_name,
                        soarc_lang::arm::expr::ArmString::Literal(l) => {
                            format!("'{l}'") == arm_name
                        }
                    })
            })
    })
}

/// The position of a JSON pointer in the imported file, for diagnostics (found by reading
/// the file once more with positions; only on the error path).
fn locate(sources: &Sources, file: FileId, pointer: &str) -> Span {
    let Some(source) = sources.get(file) else {
        return Span::default();
    };
    let Ok(document) = soarc_validate::json::parse(&source.text) else {
        return Span::default();
    };
    let mut node = document.root();
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        let next = match node.value() {
            soarc_validate::json::Value::Object(members) => {
                members.iter().find(|m| m.key == token).map(|m| m.value)
            }
            soarc_validate::json::Value::Array(items) => {
                token.parse::<usize>().ok().and_then(|i| items.get(i))
            }
            _ => None,
        };
        match next {
            Some(next) => node = next,
            None => break,
        }
    }
    let (line, column) = source.line_col(node.start());
    Span {
        file,
        line,
        column,
        len: 1,
    }
}

/// A diagnostic for an action that cannot be imported, at its JSON pointer.
pub(crate) fn cannot_import(
    code: &'static crate::codes::Code,
    pointer: &str,
    what: String,
    help: &str,
    at: Span,
) -> Diagnostic {
    Diagnostic::error(code.code, format!("{what} (at {pointer})"))
        .at(at)
        .help(help.to_string())
}

/// `{ "kind": ... }` for a connection of the spec: the soarc kind of the managed API.
fn connection_declaration(key: &str, wiring: &Wiring) -> Value {
    match wiring.api.as_str() {
        "service-now" => {
            let value = |name: &str, fill: &str| {
                wiring
                    .parameter_values
                    .get(name)
                    .and_then(Value::as_str)
                    .filter(|v| !v.is_empty())
                    .map_or_else(
                        || Value::String(fill.to_string()),
                        |v| Value::String(v.to_string()),
                    )
            };
            json!({
                "kind": "servicenow",
                "instance": value("instance", "https://FILL-IN.service-now.com"),
                "username": value("username", "FILL-IN"),
                "password": { "key_vault": { "vault": "FILL-IN", "secret": format!("{key}-password") } }
            })
        }
        "office365" if key == "office365" && wiring.custom_api.is_none() => {
            json!({ "kind": "office365" })
        }
        api if wiring.custom_api.is_some() => {
            let mut declaration =
                json!({ "kind": "managed", "api": api, "custom_connector": true });
            if wiring.managed_identity {
                declaration["authentication"] = json!("managed_identity");
            }
            declaration
        }
        api => {
            let mut declaration = json!({ "kind": "managed", "api": api });
            if wiring.managed_identity {
                declaration["authentication"] = json!("managed_identity");
            }
            declaration
        }
    }
}

/// `as_imported.template_parameters`: the template parameters the definition's deployment
/// values use, with the type and description the template declares (no value: the deployment
/// gives it, as it did for the original).
fn template_parameters(kept: IndexMap<String, Value>) -> Value {
    let mut parameters = Map::new();
    for (name, declared) in kept {
        let mut parameter = Map::new();
        let kind = declared
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("string")
            .to_ascii_lowercase();
        parameter.insert("type".into(), Value::String(kind));
        if let Some(description) = declared
            .pointer("/metadata/description")
            .and_then(Value::as_str)
        {
            parameter.insert("description".into(), Value::String(description.to_string()));
        }
        parameters.insert(name, Value::Object(parameter));
    }
    Value::Object(parameters)
}

/// The `value`s of an ARM parameters file (`{ "parameters": { "name": { "value": ... } } }`);
/// Key Vault references (`reference`) are not values and are left to the deployment.
fn parameter_values(
    sources: &Sources,
    file: FileId,
) -> Result<Map<String, Value>, Vec<Diagnostic>> {
    let source = sources.get(file).expect("file is in sources");
    let text = source.text.strip_prefix('\u{feff}').unwrap_or(&source.text);
    let not_parameters = |message: String, span: Span| {
        vec![
            Diagnostic::error(codes::IMP041.code, message)
                .at(span)
                .help("give an ARM parameters file: `{ \"parameters\": { \"name\": { \"value\": ... } } }`"),
        ]
    };
    let root: Value = serde_json::from_str(text).map_err(|e| {
        not_parameters(
            format!("the parameters file is not valid JSON: {e}"),
            Span {
                file,
                line: e.line(),
                column: e.column(),
                len: 1,
            },
        )
    })?;
    let Some(parameters) = root.get("parameters").and_then(Value::as_object) else {
        return Err(not_parameters(
            "the parameters file has no `parameters` object".into(),
            locate(sources, file, ""),
        ));
    };
    Ok(parameters
        .iter()
        .filter_map(|(name, entry)| entry.get("value").map(|v| (name.clone(), v.clone())))
        .collect())
}

/// `definition` with each parameter's `defaultValue` replaced by the value the workflow
/// resource gives it (`properties.parameters.<name>.value`), which is the value runs see
/// (Learn, "Schema reference guide for the Workflow Definition Language", Parameters: the
/// workflow's parameter values override the definition's defaults). `$connections` is soarc's
/// to wire, so it is left as declared.
fn effective_parameters(
    mut definition: Value,
    workflow: &arm::FoundWorkflow,
    scope: &arm::Scope,
) -> Value {
    let Some(values) = workflow
        .parameter_values
        .as_ref()
        .and_then(Value::as_object)
    else {
        return definition;
    };
    if let Some(parameters) = definition
        .get_mut("parameters")
        .and_then(Value::as_object_mut)
    {
        for (name, declaration) in parameters.iter_mut() {
            if name == "$connections" {
                continue;
            }
            if let Some(value) = values.get(name).and_then(|v| v.get("value"))
                && let Ok(value) = scope.evaluate(value)
                && let Some(declaration) = declaration.as_object_mut()
            {
                declaration.insert("defaultValue".into(), value);
            }
        }
    }
    scope.take_kept();
    definition
}
