//! The seeded-defect rate (issue #15): defects that Azure rejects when a workflow is saved or a
//! template is deployed, seeded one at a time into the real templates of the reference corpus
//! (`../shared/reference/corpus`), and the share of them `soarc validate` reports as an error.
//!
//! Each class below is derived from Microsoft's documentation or Microsoft's published JSON
//! schemas, cited at the class. A seeded defect counts as caught when the mutated template
//! has an error that the unmodified template does not have (same code, pointer and message)
//! at the seeded value, inside it or at an enclosing value (the action, the resource, the
//! document). The unmodified corpus has no false error: `tests/validate.rs` in the root
//! package holds that.
//!
//! Classes that no corpus template can take (no such action, no such property) seed into
//! the smallest complete template that has one (`SEED_HOSTS`), so every class is measured.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use soarc_validate::{Severity, validate_text};

const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/reference");

/// Required share of seeded defects reported as errors.
const GOAL: f64 = 0.98;

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(REFERENCE).join("corpus");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "reference corpus missing at {} (required when CI=true)",
            dir.display()
        );
    }
    eprintln!(
        "NOTICE: reference corpus not found at {}; test not run",
        dir.display()
    );
    None
}

/// One edit of a template.
enum Edit {
    /// Remove the value at the pointer.
    Remove,
    /// Set (or add) the value at the pointer.
    Set(Value),
}

/// Where and what to seed.
struct Seed {
    pointer: String,
    edit: Edit,
}

type Finder = fn(&Value) -> Option<Seed>;

/// A defect class: name, the documentation it comes from, and where to seed it.
struct Class {
    name: &'static str,
    source: &'static str,
    seed: Finder,
}

// ---- documentation ---------------------------------------------------------------------

const ARM_SYNTAX: &str = "Learn, Understand the structure and syntax of ARM templates \
    (learn.microsoft.com/azure/azure-resource-manager/templates/syntax); \
    deploymentTemplate.json 2019-04-01 (Azure/azure-resource-manager-schemas)";
const ARM_PARAMS: &str = "Learn, Parameters in ARM templates \
    (learn.microsoft.com/azure/azure-resource-manager/templates/parameters); \
    deploymentTemplate.json 2019-04-01 parameterTypes";
const ARM_DEPENDS: &str = "Learn, Define the order for deploying resources in ARM templates \
    (learn.microsoft.com/azure/azure-resource-manager/templates/resource-dependency)";
const ARM_CHILD: &str = "Learn, Set name and type for child resources in ARM templates \
    (learn.microsoft.com/azure/azure-resource-manager/templates/child-resource-name-type)";
const ARM_COPY: &str = "Learn, Resource iteration in ARM templates \
    (learn.microsoft.com/azure/azure-resource-manager/templates/copy-resources)";
const ARM_CONDITION: &str = "Learn, Conditional deployment in ARM templates \
    (learn.microsoft.com/azure/azure-resource-manager/templates/conditional-resource-deployment)";
const ARM_OUTPUTS: &str = "Learn, Outputs in ARM templates \
    (learn.microsoft.com/azure/azure-resource-manager/templates/outputs)";
const WDL_SCHEMA: &str = "Learn, Schema reference guide for trigger and action types in Azure \
    Logic Apps (MicrosoftDocs/azure-docs articles/logic-apps/logic-apps-workflow-actions-triggers.md); \
    workflowdefinition.json 2016-06-01 (Microsoft.Logic schema)";
const WDL_REQUEST: &str = "Learn, Receive and respond to inbound HTTPS calls \
    (articles/connectors/connectors-native-reqres.md); logic-apps-workflow-actions-triggers.md \
    Request trigger, Response action; workflowdefinition.json 2016-06-01";

// ---- navigation ------------------------------------------------------------------------

fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn is_arm_expression(s: &str) -> bool {
    s.starts_with('[') && !s.starts_with("[[") && s.ends_with(']')
}

fn is_type(node: &Value, ty: &str) -> bool {
    node.get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case(ty))
}

/// The resources of the template (children included) with their pointers, in order.
fn resources(t: &Value) -> Vec<(String, &Value)> {
    fn walk<'a>(list: &'a Value, pointer: &str, out: &mut Vec<(String, &'a Value)>) {
        if let Some(items) = list.as_array() {
            for (i, r) in items.iter().enumerate() {
                let p = format!("{pointer}/{i}");
                out.push((p.clone(), r));
                if let Some(children) = r.get("resources") {
                    walk(children, &format!("{p}/resources"), out);
                }
            }
        }
    }
    let mut out = Vec::new();
    if let Some(list) = t.get("resources") {
        walk(list, "/resources", &mut out);
    }
    out
}

/// The workflow definitions of a template, bare definition or workflow resource body.
fn definitions(t: &Value) -> Vec<(String, &Value)> {
    if t.get("resources").is_some() {
        resources(t)
            .into_iter()
            .filter(|(_, r)| is_type(r, "Microsoft.Logic/workflows"))
            .filter_map(|(p, r)| {
                let def = r.get("properties")?.get("definition")?;
                def.is_object()
                    .then(|| (format!("{p}/properties/definition"), def))
            })
            .collect()
    } else if t.get("triggers").is_some() || t.get("actions").is_some() {
        vec![(String::new(), t)]
    } else {
        t.get("definition")
            .filter(|d| d.is_object())
            .map(|d| vec![("/definition".to_string(), d)])
            .unwrap_or_default()
    }
}

/// Every action of a definition (nested ones too), in document order.
fn actions<'a>(def: &'a Value, pointer: &str) -> Vec<(String, &'a Value)> {
    fn walk<'a>(map: Option<&'a Value>, pointer: &str, out: &mut Vec<(String, &'a Value)>) {
        let Some(map) = map.and_then(Value::as_object) else {
            return;
        };
        for (name, action) in map {
            let p = format!("{pointer}/{}", token(name));
            out.push((p.clone(), action));
            walk(action.get("actions"), &format!("{p}/actions"), out);
            walk(
                action.get("else").and_then(|e| e.get("actions")),
                &format!("{p}/else/actions"),
                out,
            );
            walk(
                action.get("default").and_then(|e| e.get("actions")),
                &format!("{p}/default/actions"),
                out,
            );
            if let Some(cases) = action.get("cases").and_then(Value::as_object) {
                for (case, body) in cases {
                    walk(
                        body.get("actions"),
                        &format!("{p}/cases/{}/actions", token(case)),
                        out,
                    );
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(def.get("actions"), &format!("{pointer}/actions"), &mut out);
    out
}

fn triggers<'a>(def: &'a Value, pointer: &str) -> Vec<(String, &'a Value)> {
    def.get("triggers")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (format!("{pointer}/triggers/{}", token(k)), v))
                .collect()
        })
        .unwrap_or_default()
}

/// The first action (or trigger, with `trigger`) of type `ty` across the definitions that
/// `accept` takes, with its pointer.
fn first_of<'a>(
    t: &'a Value,
    trigger: bool,
    ty: &str,
    accept: impl Fn(&Value) -> bool,
) -> Option<(String, &'a Value)> {
    definitions(t).into_iter().find_map(|(p, def)| {
        let list = if trigger {
            triggers(def, &p)
        } else {
            actions(def, &p)
        };
        list.into_iter().find(|(_, a)| is_type(a, ty) && accept(a))
    })
}

/// The action's `inputs` object (not an expression computing it).
fn inputs(a: &Value) -> Option<&serde_json::Map<String, Value>> {
    a.get("inputs").and_then(Value::as_object)
}

fn remove(pointer: String) -> Option<Seed> {
    Some(Seed {
        pointer,
        edit: Edit::Remove,
    })
}

fn set(pointer: String, value: Value) -> Option<Seed> {
    Some(Seed {
        pointer,
        edit: Edit::Set(value),
    })
}

/// Remove `path` (slash-separated, under the action) from the first action of type `ty` that has it.
fn action_without(t: &Value, trigger: bool, ty: &str, path: &str) -> Option<Seed> {
    let (p, _) = first_of(t, trigger, ty, |a| {
        inputs(a).is_some() || !path.starts_with("inputs/")
    })
    .filter(|(_, a)| a.pointer(&format!("/{path}")).is_some())?;
    remove(format!("{p}/{path}"))
}

/// Set `path` (under the action) of the first action of type `ty` whose `inputs` is an
/// object and that has `path` (or, with `add`, any such action).
fn action_with(
    t: &Value,
    trigger: bool,
    ty: &str,
    path: &str,
    value: Value,
    add: bool,
) -> Option<Seed> {
    let (p, _) = first_of(t, trigger, ty, |a| {
        (inputs(a).is_some() || !path.starts_with("inputs/"))
            && (add || a.pointer(&format!("/{path}")).is_some())
    })?;
    set(format!("{p}/{path}"), value)
}

/// A misspelling of a type: its last letter dropped (`Compose` → `Compos`).
fn misspelt(s: &str) -> String {
    let mut s = s.to_string();
    s.pop();
    s
}

// ---- ARM classes -------------------------------------------------------------------------

fn template_without(key: &'static str) -> impl Fn(&Value) -> Option<Seed> {
    move |t: &Value| {
        (t.get("resources").is_some() && t.get(key).is_some()).then_some(())?;
        remove(format!("/{}", token(key)))
    }
}

fn no_schema(t: &Value) -> Option<Seed> {
    template_without("$schema")(t)
}
fn no_content_version(t: &Value) -> Option<Seed> {
    template_without("contentVersion")(t)
}
fn no_resources(t: &Value) -> Option<Seed> {
    template_without("resources")(t)
}

fn params(t: &Value) -> Vec<(&String, &Value)> {
    t.get("parameters")
        .and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default()
}

fn parameter_type_misspelt(t: &Value) -> Option<Seed> {
    t.get("resources")?;
    let (name, p) = params(t)
        .into_iter()
        .find(|(_, p)| p.get("type").is_some_and(Value::is_string))?;
    let ty = p["type"].as_str()?;
    set(
        format!("/parameters/{}/type", token(name)),
        json!(misspelt(ty)),
    )
}

fn parameter_without_type(t: &Value) -> Option<Seed> {
    t.get("resources")?;
    let (name, _) = params(t)
        .into_iter()
        .find(|(_, p)| p.get("type").is_some())?;
    remove(format!("/parameters/{}/type", token(name)))
}

/// A default of another JSON type than the declared one.
fn default_of_wrong_type(t: &Value) -> Option<Seed> {
    t.get("resources")?;
    params(t).into_iter().find_map(|(name, p)| {
        let d = p.get("defaultValue")?;
        if d.as_str().is_some_and(is_arm_expression) {
            return None;
        }
        let wrong = match p.get("type")?.as_str()?.to_ascii_lowercase().as_str() {
            "string" | "securestring" => json!(12345),
            "int" => json!("twelve"),
            "bool" => json!("yes"),
            "array" => json!({"not": "an array"}),
            "object" | "secureobject" => json!(["not", "an", "object"]),
            _ => return None,
        };
        set(format!("/parameters/{}/defaultValue", token(name)), wrong)
    })
}

fn default_not_allowed(t: &Value) -> Option<Seed> {
    t.get("resources")?;
    params(t).into_iter().find_map(|(name, p)| {
        let allowed = p.get("allowedValues")?.as_array()?;
        if !allowed.iter().all(Value::is_string) || allowed.is_empty() {
            return None;
        }
        let d = p.get("defaultValue")?.as_str()?;
        if is_arm_expression(d) {
            return None;
        }
        set(
            format!("/parameters/{}/defaultValue", token(name)),
            json!("value-not-in-allowedValues"),
        )
    })
}

fn allowed_values_not_array(t: &Value) -> Option<Seed> {
    t.get("resources")?;
    let (name, _) = params(t)
        .into_iter()
        .find(|(_, p)| p.get("allowedValues").is_some_and(Value::is_array))?;
    set(
        format!("/parameters/{}/allowedValues", token(name)),
        json!("Standard"),
    )
}

fn depends_on_undefined(t: &Value) -> Option<Seed> {
    let (p, r) = resources(t).into_iter().next()?;
    let missing =
        json!("[resourceId('Microsoft.Web/connections', 'connection-that-does-not-exist')]");
    match r.get("dependsOn").and_then(Value::as_array) {
        Some(list) => set(format!("{p}/dependsOn/{}", list.len()), missing),
        None => set(format!("{p}/dependsOn"), json!([missing])),
    }
}

fn api_version_malformed(t: &Value) -> Option<Seed> {
    resources(t).into_iter().find_map(|(p, r)| {
        let v = r.get("apiVersion")?.as_str()?;
        (!is_arm_expression(v) && v.len() >= 10)
            .then(|| set(format!("{p}/apiVersion"), json!(v.replacen('-', "", 1))))?
    })
}

fn resource_without(key: &'static str) -> impl Fn(&Value) -> Option<Seed> {
    move |t: &Value| {
        let (p, _) = resources(t)
            .into_iter()
            .find(|(_, r)| r.get(key).is_some())?;
        remove(format!("{p}/{key}"))
    }
}

fn resource_without_type(t: &Value) -> Option<Seed> {
    resource_without("type")(t)
}
fn resource_without_name(t: &Value) -> Option<Seed> {
    resource_without("name")(t)
}

/// A top-level resource's type given one more segment than its name has.
fn name_type_segments(t: &Value) -> Option<Seed> {
    let list = t.get("resources")?.as_array()?;
    list.iter().enumerate().find_map(|(i, r)| {
        let ty = r.get("type")?.as_str()?;
        let name = r.get("name")?.as_str()?;
        if is_arm_expression(ty) || is_arm_expression(name) || r.get("scope").is_some() {
            return None;
        }
        let segments = ty.split('/').count() - 1;
        (segments == name.split('/').count()).then(|| {
            set(
                format!("/resources/{i}/name"),
                json!(format!("{name}/extra")),
            )
        })?
    })
}

fn copy_without_count(t: &Value) -> Option<Seed> {
    let (p, _) = resources(t)
        .into_iter()
        .find(|(_, r)| r.get("copy").is_none())?;
    set(format!("{p}/copy"), json!({"name": "copies"}))
}

fn condition_not_boolean(t: &Value) -> Option<Seed> {
    let (p, _) = resources(t).into_iter().next()?;
    set(format!("{p}/condition"), json!("yes"))
}

fn output_type_misspelt(t: &Value) -> Option<Seed> {
    let (name, o) = t
        .get("outputs")?
        .as_object()?
        .iter()
        .find(|(_, o)| o.get("type").is_some_and(Value::is_string))?;
    set(
        format!("/outputs/{}/type", token(name)),
        json!(misspelt(o["type"].as_str()?)),
    )
}

fn output_without_value(t: &Value) -> Option<Seed> {
    let (name, _) = t
        .get("outputs")?
        .as_object()?
        .iter()
        .find(|(_, o)| o.get("value").is_some() && o.get("copy").is_none())?;
    remove(format!("/outputs/{}/value", token(name)))
}

// ---- WDL classes -------------------------------------------------------------------------

fn action_type_misspelt(t: &Value) -> Option<Seed> {
    definitions(t).into_iter().find_map(|(p, def)| {
        actions(def, &p).into_iter().find_map(|(ap, a)| {
            let ty = a.get("type")?.as_str()?;
            (!is_arm_expression(ty)).then(|| set(format!("{ap}/type"), json!(misspelt(ty))))?
        })
    })
}

fn trigger_type_misspelt(t: &Value) -> Option<Seed> {
    definitions(t).into_iter().find_map(|(p, def)| {
        triggers(def, &p).into_iter().find_map(|(tp, a)| {
            let ty = a.get("type")?.as_str()?;
            (!is_arm_expression(ty)).then(|| set(format!("{tp}/type"), json!(misspelt(ty))))?
        })
    })
}

fn http_without_method(t: &Value) -> Option<Seed> {
    action_without(t, false, "Http", "inputs/method")
}
fn http_without_uri(t: &Value) -> Option<Seed> {
    action_without(t, false, "Http", "inputs/uri")
}
fn http_method_not_string(t: &Value) -> Option<Seed> {
    action_with(t, false, "Http", "inputs/method", json!(42), false)
}
fn http_method_unknown(t: &Value) -> Option<Seed> {
    action_with(t, false, "Http", "inputs/method", json!("FETCH"), false)
}
fn http_uri_not_string(t: &Value) -> Option<Seed> {
    action_with(
        t,
        false,
        "Http",
        "inputs/uri",
        json!({"host": "example.com"}),
        false,
    )
}
fn connection_without_host(t: &Value) -> Option<Seed> {
    action_without(t, false, "ApiConnection", "inputs/host/connection")
}
fn connection_without_method(t: &Value) -> Option<Seed> {
    action_without(t, false, "ApiConnection", "inputs/method")
}
fn connection_without_path(t: &Value) -> Option<Seed> {
    action_without(t, false, "ApiConnection", "inputs/path")
}
fn connection_path_not_string(t: &Value) -> Option<Seed> {
    action_with(
        t,
        false,
        "ApiConnection",
        "inputs/path",
        json!(["incidents"]),
        false,
    )
}
fn connection_method_not_string(t: &Value) -> Option<Seed> {
    action_with(
        t,
        false,
        "ApiConnection",
        "inputs/method",
        json!(true),
        false,
    )
}
fn foreach_without_foreach(t: &Value) -> Option<Seed> {
    action_without(t, false, "Foreach", "foreach")
}
fn foreach_not_array(t: &Value) -> Option<Seed> {
    action_with(t, false, "Foreach", "foreach", json!({"items": 1}), false)
}
fn if_without_expression(t: &Value) -> Option<Seed> {
    action_without(t, false, "If", "expression")
}
fn if_without_actions(t: &Value) -> Option<Seed> {
    action_without(t, false, "If", "actions")
}
fn if_expression_number(t: &Value) -> Option<Seed> {
    action_with(t, false, "If", "expression", json!(1), false)
}
fn until_without_limit(t: &Value) -> Option<Seed> {
    action_without(t, false, "Until", "limit")
}
fn until_without_expression(t: &Value) -> Option<Seed> {
    action_without(t, false, "Until", "expression")
}
fn until_count_not_number(t: &Value) -> Option<Seed> {
    action_with(t, false, "Until", "limit/count", json!("sixty"), true)
}
fn switch_without_cases(t: &Value) -> Option<Seed> {
    action_without(t, false, "Switch", "cases")
}
fn switch_without_expression(t: &Value) -> Option<Seed> {
    action_without(t, false, "Switch", "expression")
}
fn switch_cases_not_object(t: &Value) -> Option<Seed> {
    action_with(t, false, "Switch", "cases", json!(["a", "b"]), false)
}
fn variable_type_misspelt(t: &Value) -> Option<Seed> {
    let (p, a) = first_of(t, false, "InitializeVariable", |a| {
        a.pointer("/inputs/variables/0/type")
            .is_some_and(Value::is_string)
    })?;
    let ty = a.pointer("/inputs/variables/0/type")?.as_str()?;
    set(format!("{p}/inputs/variables/0/type"), json!(misspelt(ty)))
}
fn variable_without_name(t: &Value) -> Option<Seed> {
    action_without(t, false, "InitializeVariable", "inputs/variables/0/name")
}
fn variables_not_array(t: &Value) -> Option<Seed> {
    let (p, a) = first_of(t, false, "InitializeVariable", |a| {
        a.pointer("/inputs/variables/0")
            .is_some_and(Value::is_object)
    })?;
    set(
        format!("{p}/inputs/variables"),
        a.pointer("/inputs/variables/0")?.clone(),
    )
}
fn set_variable_without_name(t: &Value) -> Option<Seed> {
    action_without(t, false, "SetVariable", "inputs/name")
}
fn parse_json_without_schema(t: &Value) -> Option<Seed> {
    action_without(t, false, "ParseJson", "inputs/schema")
}
fn response_without_status(t: &Value) -> Option<Seed> {
    action_without(t, false, "Response", "inputs/statusCode")
}
fn response_status_not_number(t: &Value) -> Option<Seed> {
    action_with(t, false, "Response", "inputs/statusCode", json!(true), true)
}
fn response_status_3xx(t: &Value) -> Option<Seed> {
    action_with(t, false, "Response", "inputs/statusCode", json!(302), true)
}
fn response_headers_array(t: &Value) -> Option<Seed> {
    action_with(
        t,
        false,
        "Response",
        "inputs/headers",
        json!(["Content-Type"]),
        true,
    )
}
fn request_method_unknown(t: &Value) -> Option<Seed> {
    action_with(t, true, "Request", "inputs/method", json!("FETCH"), true)
}
fn request_schema_not_object(t: &Value) -> Option<Seed> {
    action_with(
        t,
        true,
        "Request",
        "inputs/schema",
        json!("{\"type\": \"object\"}"),
        true,
    )
}
fn request_relative_path_not_string(t: &Value) -> Option<Seed> {
    action_with(t, true, "Request", "inputs/relativePath", json!(7), true)
}
fn request_kind_unknown(t: &Value) -> Option<Seed> {
    action_with(t, true, "Request", "kind", json!("Htp"), true)
}
fn recurrence_frequency_unknown(t: &Value) -> Option<Seed> {
    let (p, _) = first_of(t, true, "Recurrence", |a| {
        a.pointer("/recurrence/frequency").is_some()
    })?;
    set(format!("{p}/recurrence/frequency"), json!("Daily"))
}
fn recurrence_interval_not_integer(t: &Value) -> Option<Seed> {
    let (p, _) = first_of(t, true, "Recurrence", |a| {
        a.pointer("/recurrence/interval").is_some()
    })?;
    set(format!("{p}/recurrence/interval"), json!("every"))
}
fn run_after_status_unknown(t: &Value) -> Option<Seed> {
    definitions(t).into_iter().find_map(|(p, def)| {
        actions(def, &p).into_iter().find_map(|(ap, a)| {
            let (target, _) = a.get("runAfter")?.as_object()?.iter().next()?;
            set(
                format!("{ap}/runAfter/{}", token(target)),
                json!(["Success"]),
            )
        })
    })
}
fn run_after_missing_action(t: &Value) -> Option<Seed> {
    definitions(t).into_iter().find_map(|(p, def)| {
        actions(def, &p).into_iter().find_map(|(ap, a)| {
            a.get("runAfter")?.as_object()?;
            set(
                format!("{ap}/runAfter/Action_that_does_not_exist"),
                json!(["Succeeded"]),
            )
        })
    })
}

// ---- the measurement ---------------------------------------------------------------------

fn classes() -> Vec<Class> {
    macro_rules! class {
        ($name:expr, $source:expr, $seed:expr) => {
            Class {
                name: $name,
                source: $source,
                seed: $seed,
            }
        };
    }
    vec![
        class!("template without $schema", ARM_SYNTAX, no_schema),
        class!(
            "template without contentVersion",
            ARM_SYNTAX,
            no_content_version
        ),
        class!("template without resources", ARM_SYNTAX, no_resources),
        class!(
            "parameter type misspelt",
            ARM_PARAMS,
            parameter_type_misspelt
        ),
        class!("parameter without type", ARM_PARAMS, parameter_without_type),
        class!(
            "defaultValue of another type",
            ARM_PARAMS,
            default_of_wrong_type
        ),
        class!(
            "defaultValue not in allowedValues",
            ARM_PARAMS,
            default_not_allowed
        ),
        class!(
            "allowedValues not an array",
            ARM_PARAMS,
            allowed_values_not_array
        ),
        class!(
            "dependsOn an undefined resource",
            ARM_DEPENDS,
            depends_on_undefined
        ),
        class!(
            "apiVersion not yyyy-mm-dd",
            ARM_SYNTAX,
            api_version_malformed
        ),
        class!("resource without type", ARM_SYNTAX, resource_without_type),
        class!("resource without name", ARM_SYNTAX, resource_without_name),
        class!(
            "name segments differ from type segments",
            ARM_CHILD,
            name_type_segments
        ),
        class!("copy without count", ARM_COPY, copy_without_count),
        class!(
            "condition not a boolean",
            ARM_CONDITION,
            condition_not_boolean
        ),
        class!("output type misspelt", ARM_OUTPUTS, output_type_misspelt),
        class!("output without value", ARM_OUTPUTS, output_without_value),
        class!("action type misspelt", WDL_SCHEMA, action_type_misspelt),
        class!("trigger type misspelt", WDL_SCHEMA, trigger_type_misspelt),
        class!("Http without method", WDL_SCHEMA, http_without_method),
        class!("Http without uri", WDL_SCHEMA, http_without_uri),
        class!(
            "Http method not a string",
            WDL_SCHEMA,
            http_method_not_string
        ),
        class!(
            "Http method not an HTTP method",
            WDL_SCHEMA,
            http_method_unknown
        ),
        class!("Http uri not a string", WDL_SCHEMA, http_uri_not_string),
        class!(
            "ApiConnection without host.connection",
            WDL_SCHEMA,
            connection_without_host
        ),
        class!(
            "ApiConnection without method",
            WDL_SCHEMA,
            connection_without_method
        ),
        class!(
            "ApiConnection without path",
            WDL_SCHEMA,
            connection_without_path
        ),
        class!(
            "ApiConnection path not a string",
            WDL_SCHEMA,
            connection_path_not_string
        ),
        class!(
            "ApiConnection method not a string",
            WDL_SCHEMA,
            connection_method_not_string
        ),
        class!(
            "Foreach without foreach",
            WDL_SCHEMA,
            foreach_without_foreach
        ),
        class!(
            "Foreach foreach not array or string",
            WDL_SCHEMA,
            foreach_not_array
        ),
        class!("If without expression", WDL_SCHEMA, if_without_expression),
        class!("If without actions", WDL_SCHEMA, if_without_actions),
        class!("If expression a number", WDL_SCHEMA, if_expression_number),
        class!("Until without limit", WDL_SCHEMA, until_without_limit),
        class!(
            "Until without expression",
            WDL_SCHEMA,
            until_without_expression
        ),
        class!(
            "Until limit.count not a number",
            WDL_SCHEMA,
            until_count_not_number
        ),
        class!("Switch without cases", WDL_SCHEMA, switch_without_cases),
        class!(
            "Switch without expression",
            WDL_SCHEMA,
            switch_without_expression
        ),
        class!(
            "Switch cases not an object",
            WDL_SCHEMA,
            switch_cases_not_object
        ),
        class!(
            "InitializeVariable type misspelt",
            WDL_SCHEMA,
            variable_type_misspelt
        ),
        class!(
            "InitializeVariable without name",
            WDL_SCHEMA,
            variable_without_name
        ),
        class!(
            "InitializeVariable variables not an array",
            WDL_SCHEMA,
            variables_not_array
        ),
        class!(
            "SetVariable without name",
            WDL_SCHEMA,
            set_variable_without_name
        ),
        class!(
            "ParseJson without schema",
            WDL_SCHEMA,
            parse_json_without_schema
        ),
        class!(
            "Response without statusCode",
            WDL_REQUEST,
            response_without_status
        ),
        class!(
            "Response statusCode a boolean",
            WDL_REQUEST,
            response_status_not_number
        ),
        class!("Response statusCode 3xx", WDL_REQUEST, response_status_3xx),
        class!(
            "Response headers an array",
            WDL_REQUEST,
            response_headers_array
        ),
        class!(
            "Request method not an HTTP method",
            WDL_REQUEST,
            request_method_unknown
        ),
        class!(
            "Request schema not an object",
            WDL_REQUEST,
            request_schema_not_object
        ),
        class!(
            "Request relativePath not a string",
            WDL_REQUEST,
            request_relative_path_not_string
        ),
        class!("Request kind unknown", WDL_REQUEST, request_kind_unknown),
        class!(
            "Recurrence frequency unknown",
            WDL_SCHEMA,
            recurrence_frequency_unknown
        ),
        class!(
            "Recurrence interval not an integer",
            WDL_SCHEMA,
            recurrence_interval_not_integer
        ),
        class!(
            "runAfter status unknown",
            WDL_SCHEMA,
            run_after_status_unknown
        ),
        class!(
            "runAfter an undefined action",
            WDL_SCHEMA,
            run_after_missing_action
        ),
    ]
}

/// Applies a seed; `false` when the pointer's parent does not exist.
fn apply(t: &mut Value, seed: &Seed) -> bool {
    let (parent, last) = seed.pointer.rsplit_once('/').expect("pointer has a token");
    let last = last.replace("~1", "/").replace("~0", "~");
    let Some(parent) = t.pointer_mut(parent) else {
        return false;
    };
    match (&seed.edit, parent) {
        (Edit::Remove, Value::Object(m)) => m.shift_remove(&last).is_some(),
        (Edit::Remove, Value::Array(a)) => match last.parse::<usize>() {
            Ok(i) if i < a.len() => {
                a.remove(i);
                true
            }
            _ => false,
        },
        (Edit::Set(v), Value::Object(m)) => {
            m.insert(last, v.clone());
            true
        }
        (Edit::Set(v), Value::Array(a)) => match last.parse::<usize>() {
            Ok(i) if i < a.len() => {
                a[i] = v.clone();
                true
            }
            Ok(i) if i == a.len() => {
                a.push(v.clone());
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// `a` is `b`, encloses it or lies inside it (pointer segments, not characters).
fn related(a: &str, b: &str) -> bool {
    let within = |outer: &str, inner: &str| {
        inner == outer || (inner.starts_with(outer) && inner[outer.len()..].starts_with('/'))
    };
    within(a, b) || within(b, a)
}

type Key = (&'static str, String, String);

fn errors(text: &str) -> HashSet<Key> {
    validate_text(text)
        .1
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.code, f.pointer, f.message))
        .collect()
}

/// Smallest complete hosts for classes no corpus template can take: a Logic App with a
/// Request trigger, a Response, Until and Switch actions, and a template output.
fn seed_hosts() -> Vec<(String, Value)> {
    let definition = json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {},
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"method": "POST", "schema": {"type": "object"}}}},
        "actions": {
            "Counter": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "n", "type": "Integer", "value": 0}]}},
            "Loop": {"type": "Until", "expression": "@greater(variables('n'), 3)", "limit": {"count": 60, "timeout": "PT1H"},
                     "actions": {"Add": {"type": "IncrementVariable", "inputs": {"name": "n", "value": 1}}},
                     "runAfter": {"Counter": ["Succeeded"]}},
            "Route": {"type": "Switch", "expression": "@triggerBody()?['kind']",
                      "cases": {"A": {"case": "a", "actions": {}}}, "default": {"actions": {}},
                      "runAfter": {"Loop": ["Succeeded"]}},
            "Reply": {"type": "Response", "kind": "Http", "inputs": {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "@variables('n')"},
                      "runAfter": {"Route": ["Succeeded"]}}
        },
        "outputs": {}
    });
    let template = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"sku": {"type": "string", "defaultValue": "Standard", "allowedValues": ["Standard", "Premium"]}},
        "resources": [{
            "type": "Microsoft.Logic/workflows", "apiVersion": "2019-05-01", "name": "reply",
            "location": "[resourceGroup().location]",
            "tags": {"sku": "[parameters('sku')]"},
            "properties": {"definition": definition, "parameters": {}}
        }],
        "outputs": {"workflowId": {"type": "string", "value": "[resourceId('Microsoft.Logic/workflows', 'reply')]"}}
    });
    vec![(
        "seed host: Request/Response/Until/Switch".to_string(),
        template,
    )]
}

#[test]
fn seeded_defects_azure_rejects_are_caught() {
    let Some(dir) = corpus() else { return };
    let (files, missing) = soarc_validate::collect(&[dir]);
    assert!(missing.is_empty());
    assert!(files.len() >= 255, "corpus has {} files", files.len());
    let mut hosts: Vec<(String, Value)> = files
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            let value = serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()?;
            Some((path.display().to_string(), value))
        })
        .collect();
    let corpus_hosts = hosts.len();
    hosts.extend(seed_hosts());
    // The errors of each unmodified host, as validated from the same serialisation.
    let baseline: Vec<HashSet<Key>> = hosts
        .iter()
        .map(|(_, v)| errors(&serde_json::to_string_pretty(v).unwrap()))
        .collect();
    let classes = classes();
    // Classes are independent: seed them on every core (this test alone took a sixth of
    // the test command's wall time on one core).
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut results: Vec<(usize, usize, Vec<String>)> = vec![(0, 0, Vec::new()); classes.len()];
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (classes, hosts, baseline) = (&classes, &hosts, &baseline);
                scope.spawn(move || {
                    classes
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| i % threads == t)
                        .map(|(i, class)| (i, seed_class(class, hosts, baseline, corpus_hosts)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for worker in workers {
            for (i, result) in worker.join().expect("a seeding thread panicked") {
                results[i] = result;
            }
        }
    });
    let applied: Vec<usize> = results.iter().map(|r| r.0).collect();
    let caught: Vec<usize> = results.iter().map(|r| r.1).collect();
    let missed: Vec<Vec<String>> = results.into_iter().map(|r| r.2).collect();
    let mut table = String::from("seeded defects (class: caught / seeded; source)\n");
    for (i, class) in classes.iter().enumerate() {
        let _ = writeln!(
            table,
            "  {:<45} {:>4} / {:<4} {}",
            class.name, caught[i], applied[i], class.source
        );
    }
    let total: usize = applied.iter().sum();
    let hit: usize = caught.iter().sum();
    let rate = hit as f64 / total as f64;
    let _ = writeln!(
        table,
        "total: {hit} of {total} caught ({:.1}%); goal {:.0}%",
        rate * 100.0,
        GOAL * 100.0
    );
    eprintln!("{table}");
    for (class, missed) in classes.iter().zip(&missed) {
        for m in missed.iter().take(3) {
            eprintln!("missed: {}: {m}", class.name);
        }
    }
    for (i, class) in classes.iter().enumerate() {
        assert!(applied[i] > 0, "class '{}' was seeded nowhere", class.name);
    }
    assert!(
        rate >= GOAL,
        "{:.1}% of seeded defects caught, goal {:.0}%\n{table}",
        rate * 100.0,
        GOAL * 100.0
    );
}

/// Seeds `class` into every host that can take it (synthetic hosts only when no corpus
/// template could): how many were seeded, how many caught, and where it was missed.
fn seed_class(
    class: &Class,
    hosts: &[(String, Value)],
    baseline: &[HashSet<Key>],
    corpus_hosts: usize,
) -> (usize, usize, Vec<String>) {
    let (mut applied, mut caught, mut missed) = (0, 0, Vec::new());
    for (h, (name, original)) in hosts.iter().enumerate() {
        if h >= corpus_hosts && applied > 0 {
            break;
        }
        let Some(seed) = (class.seed)(original) else {
            continue;
        };
        let mut mutated = original.clone();
        if !apply(&mut mutated, &seed) {
            continue;
        }
        let before = &baseline[h];
        let after = errors(&serde_json::to_string_pretty(&mutated).unwrap());
        applied += 1;
        if after
            .iter()
            .any(|e| !before.contains(e) && related(&e.1, &seed.pointer))
        {
            caught += 1;
        } else {
            missed.push(format!("{name} at {}", seed.pointer));
        }
    }
    (applied, caught, missed)
}
