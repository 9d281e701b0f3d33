//! Finding the workflow in an ARM template and evaluating the template expressions that
//! feed it, offline.
//!
//! ARM evaluates every JSON string of a template that starts with `[` and ends with `]`, and
//! reads `[[` as a literal `[`
//! (<https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions#escape-characters>),
//! including the strings of a workflow definition inside `Microsoft.Logic/workflows`. soarc
//! evaluates the functions whose value is known offline — `parameters`, `variables`,
//! `concat`, `format`, `toLower`, `toUpper`, `string`, `resourceGroup`, `subscription`,
//! `resourceId`, `subscriptionResourceId`, `if`, `equals`, `empty`, `coalesce` — over the
//! template parameters' values (parameters file, else `defaultValue`) and a sample
//! deployment scope ([`crate::samples::SUBSCRIPTION`], [`crate::samples::RESOURCE_GROUP`]).
//! Anything else (`reference()`, `listCallbackUrl()`, ...) stays an opaque string: the
//! expression's text. A string parameter with no value (no parameters file entry, no
//! `defaultValue`) reads as the placeholder `<ParameterName>`.

use indexmap::IndexMap;
use serde_json::{Map, Value};
use soarc_lang::arm::expr::{ArmString, Expr};

use crate::samples::{RESOURCE_GROUP, SUBSCRIPTION};
use crate::{LoadError, Workflow};

const WORKFLOWS: &str = "Microsoft.Logic/workflows";
const LOCATION: &str = "westeurope";

/// See [`crate::load_workflow`].
pub fn load(document: &Value, parameters_file: Option<&Value>) -> Result<Workflow, LoadError> {
    let Some(obj) = document.as_object() else {
        return Err(LoadError::new(
            "expected a JSON object: a workflow definition, a Microsoft.Logic/workflows resource or an ARM template",
        ));
    };
    if obj.contains_key("triggers") || obj.contains_key("actions") {
        return Ok(Workflow {
            definition: document.clone(),
            parameters: IndexMap::new(),
        });
    }
    // `{"definition": ..., "parameters": ...}` (the resource's properties, as `az logic
    // workflow show` prints them), or the resource itself.
    if let Some(def) = obj.get("definition") {
        return Ok(Workflow {
            definition: def.clone(),
            parameters: parameter_values(obj.get("parameters")),
        });
    }
    if is_workflow(document) {
        return from_resource(document, &Scope::default());
    }
    let Some(resources) = obj.get("resources") else {
        return Err(LoadError::new(
            "this JSON is neither a workflow definition (no `triggers`/`actions`) nor an ARM template (no `resources`)",
        ));
    };
    let scope = Scope::new(obj, parameters_file)?;
    let mut found = None;
    find_workflow(resources, &mut found);
    match found {
        Some(resource) => from_resource(resource, &scope),
        None => Err(LoadError::new(format!(
            "the ARM template holds no `{WORKFLOWS}` resource: give `soarc run` a workflow definition or a template with a Logic App"
        ))),
    }
}

fn is_workflow(v: &Value) -> bool {
    v.get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case(WORKFLOWS))
}

/// Depth-first, nested deployments and child resources included.
fn find_workflow<'a>(resources: &'a Value, found: &mut Option<&'a Value>) {
    let list: Vec<&Value> = match resources {
        Value::Array(a) => a.iter().collect(),
        // Symbolic-name templates (languageVersion 2.0): `resources` is an object.
        Value::Object(m) => m.values().collect(),
        _ => return,
    };
    for r in list {
        if found.is_some() {
            return;
        }
        if is_workflow(r) {
            *found = Some(r);
            return;
        }
        if let Some(children) = r.get("resources") {
            find_workflow(children, found);
        }
        if let Some(inner) = r.pointer("/properties/template/resources") {
            find_workflow(inner, found);
        }
    }
}

fn from_resource(resource: &Value, scope: &Scope) -> Result<Workflow, LoadError> {
    let Some(props) = resource.get("properties") else {
        return Err(LoadError::new(
            "the Microsoft.Logic/workflows resource has no `properties`",
        ));
    };
    let Some(def) = props.get("definition") else {
        return Err(LoadError::new(
            "the Microsoft.Logic/workflows resource has no `properties.definition`",
        ));
    };
    let definition = scope.eval_json(def);
    let parameters = parameter_values(props.get("parameters").map(|p| scope.eval_json(p)).as_ref());
    Ok(Workflow {
        definition,
        parameters,
    })
}

/// `{"name": {"value": v}}` -> `{"name": v}`.
fn parameter_values(params: Option<&Value>) -> IndexMap<String, Value> {
    params
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.get("value").map(|v| (k.clone(), v.clone())))
                .collect()
        })
        .unwrap_or_default()
}

/// Template parameters and variables, for evaluation.
#[derive(Default)]
struct Scope {
    parameters: Map<String, Value>,
    variables: Map<String, Value>,
}

impl Scope {
    fn new(template: &Map<String, Value>, file: Option<&Value>) -> Result<Scope, LoadError> {
        let mut scope = Scope::default();
        let given = file
            .and_then(|f| f.get("parameters"))
            .and_then(Value::as_object);
        if file.is_some() && given.is_none() {
            return Err(LoadError::new(
                "the parameters file has no `parameters` object (expected an ARM deployment parameters file)",
            ));
        }
        if let Some(decls) = template.get("parameters").and_then(Value::as_object) {
            for (name, decl) in decls {
                let value = given
                    .and_then(|g| g.get(name))
                    .and_then(|p| p.get("value"))
                    .cloned()
                    .or_else(|| decl.get("defaultValue").cloned());
                // No value anywhere: strings get the placeholder `<Name>` so that the
                // expressions built from them still evaluate (the value is visible in the
                // trace); other types stay unknown (expressions using them stay opaque).
                let value = value.or_else(|| {
                    let ty = decl.get("type").and_then(Value::as_str).unwrap_or("");
                    ty.eq_ignore_ascii_case("string")
                        .then(|| Value::String(format!("<{name}>")))
                });
                if let Some(v) = value {
                    let v = scope.eval_json(&v);
                    scope.parameters.insert(name.clone(), v);
                }
            }
        }
        if let Some(vars) = template.get("variables").and_then(Value::as_object) {
            for (name, v) in vars {
                let v = scope.eval_json(v);
                scope.variables.insert(name.clone(), v);
            }
        }
        Ok(scope)
    }

    /// Every string evaluated as ARM does; unknown expressions kept as their text.
    fn eval_json(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => match ArmString::parse(s) {
                Ok(ArmString::Literal(l)) => Value::String(l),
                Ok(ArmString::Expr(e)) => self.eval(&e).unwrap_or_else(|| v.clone()),
                Err(_) => v.clone(),
            },
            Value::Array(a) => Value::Array(a.iter().map(|x| self.eval_json(x)).collect()),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| {
                        let key = match ArmString::parse(k) {
                            Ok(ArmString::Literal(l)) => l,
                            Ok(ArmString::Expr(e)) => match self.eval(&e) {
                                Some(Value::String(s)) => s,
                                _ => k.clone(),
                            },
                            Err(_) => k.clone(),
                        };
                        (key, self.eval_json(x))
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn eval(&self, e: &Expr) -> Option<Value> {
        match e {
            Expr::Str(s) => Some(Value::String(s.clone())),
            Expr::Int(i) => Some(Value::from(*i)),
            Expr::Member { base, name } => {
                let b = self.eval(base)?;
                get_ci(&b, name).cloned()
            }
            Expr::Index { base, index } => {
                let b = self.eval(base)?;
                match self.eval(index)? {
                    Value::String(k) => get_ci(&b, &k).cloned(),
                    Value::Number(n) => b.get(n.as_u64()? as usize).cloned(),
                    _ => None,
                }
            }
            Expr::Call { name, args } => self.call(name, args),
        }
    }

    fn call(&self, name: &str, args: &[Expr]) -> Option<Value> {
        let text = |v: &Value| -> Option<String> {
            match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            }
        };
        let eval_all = || {
            args.iter()
                .map(|a| self.eval(a))
                .collect::<Option<Vec<_>>>()
        };
        match name.to_ascii_lowercase().as_str() {
            "parameters" => {
                let n = self.eval(args.first()?)?;
                self.parameters.get(n.as_str()?).cloned()
            }
            "variables" => {
                let n = self.eval(args.first()?)?;
                self.variables.get(n.as_str()?).cloned()
            }
            "concat" => {
                let vals = eval_all()?;
                if vals.iter().all(Value::is_array) {
                    Some(Value::Array(
                        vals.into_iter()
                            .flat_map(|v| v.as_array().cloned().unwrap_or_default())
                            .collect(),
                    ))
                } else {
                    let mut out = String::new();
                    for v in &vals {
                        out.push_str(&text(v)?);
                    }
                    Some(Value::String(out))
                }
            }
            "format" => {
                let vals = eval_all()?;
                let (fmt, rest) = vals.split_first()?;
                let mut out = fmt.as_str()?.to_string();
                for (i, v) in rest.iter().enumerate() {
                    out = out.replace(&format!("{{{i}}}"), &text(v)?);
                }
                Some(Value::String(out))
            }
            "tolower" => Some(Value::String(
                self.eval(args.first()?)?.as_str()?.to_lowercase(),
            )),
            "toupper" => Some(Value::String(
                self.eval(args.first()?)?.as_str()?.to_uppercase(),
            )),
            "string" => {
                let v = self.eval(args.first()?)?;
                Some(Value::String(text(&v).unwrap_or_else(|| v.to_string())))
            }
            "resourcegroup" => Some(serde_json::json!({
                "id": format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}"),
                "name": RESOURCE_GROUP,
                "location": LOCATION,
            })),
            "subscription" => Some(serde_json::json!({
                "id": format!("/subscriptions/{SUBSCRIPTION}"),
                "subscriptionId": SUBSCRIPTION,
                "tenantId": "22222222-2222-2222-2222-222222222222",
            })),
            "resourceid" | "subscriptionresourceid" => {
                let vals = eval_all()?;
                let strs: Vec<String> = vals.iter().map(text).collect::<Option<_>>()?;
                let at = strs.iter().position(|s| s.contains('/'))?;
                let (ty, names) = (&strs[at], &strs[at + 1..]);
                let segs: Vec<&str> = ty.split('/').collect();
                let mut path = segs[0].to_string();
                for (i, n) in names.iter().enumerate() {
                    path.push('/');
                    path.push_str(segs.get(i + 1)?);
                    path.push('/');
                    path.push_str(n);
                }
                let prefix = if name.eq_ignore_ascii_case("resourceId") {
                    let rg = if at >= 1 {
                        strs[at - 1].clone()
                    } else {
                        RESOURCE_GROUP.to_string()
                    };
                    let sub = if at >= 2 {
                        strs[at - 2].clone()
                    } else {
                        SUBSCRIPTION.to_string()
                    };
                    format!("/subscriptions/{sub}/resourceGroups/{rg}")
                } else {
                    format!("/subscriptions/{SUBSCRIPTION}")
                };
                Some(Value::String(format!("{prefix}/providers/{path}")))
            }
            "if" => {
                let c = self.eval(args.first()?)?.as_bool()?;
                self.eval(args.get(if c { 1 } else { 2 })?)
            }
            "equals" => {
                let vals = eval_all()?;
                Some(Value::Bool(vals.first()? == vals.get(1)?))
            }
            "empty" => {
                let v = self.eval(args.first()?)?;
                Some(Value::Bool(match &v {
                    Value::Null => true,
                    Value::String(s) => s.is_empty(),
                    Value::Array(a) => a.is_empty(),
                    Value::Object(o) => o.is_empty(),
                    _ => false,
                }))
            }
            "coalesce" => eval_all()?.into_iter().find(|v| !v.is_null()),
            _ => None,
        }
    }
}

/// Property lookup, case-insensitive as ARM's is.
fn get_ci<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let m = v.as_object()?;
    m.get(key).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn template_parameters_reach_the_workflow() {
        let template = json!({
            "parameters": {
                "PlaybookName": {"type": "string", "defaultValue": "pb"},
                "Url": {"type": "string", "defaultValue": "https://a"}
            },
            "variables": {"conn": "[concat('azuresentinel-', parameters('PlaybookName'))]"},
            "resources": [{
                "type": "Microsoft.Logic/workflows",
                "properties": {
                    "definition": {"triggers": {}, "actions": {"x": {"type": "Compose", "inputs": "[[literal]"}}},
                    "parameters": {
                        "url": {"value": "[parameters('Url')]"},
                        "conn": {"value": {"id": "[resourceId('Microsoft.Web/connections', variables('conn'))]"}},
                        "opaque": {"value": "[reference('x').foo]"}
                    }
                }
            }]
        });
        let file = json!({"parameters": {"Url": {"value": "https://b"}}});
        let wf = load(&template, Some(&file)).unwrap();
        assert_eq!(wf.parameters["url"], "https://b");
        assert_eq!(
            wf.parameters["conn"]["id"],
            format!(
                "/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.Web/connections/azuresentinel-pb"
            )
        );
        assert_eq!(wf.parameters["opaque"], "[reference('x').foo]");
        assert_eq!(wf.definition["actions"]["x"]["inputs"], "[literal]");
        let err = load(&json!({"resources": []}), None).unwrap_err();
        assert!(err.message.contains("Microsoft.Logic/workflows"));
    }
}
