//! Reading an ARM template as Azure deploys it: where its workflows are, and the value of the
//! template expressions written inside a workflow definition.
//!
//! ARM evaluates every JSON string of a resource's `properties` whose first character is `[`
//! and last is `]` before the resource is created, and turns `[[` back into `[` (Learn,
//! "Syntax and expressions in ARM templates", section "Escape characters";
//! articles/azure-resource-manager/templates/template-expressions.md). So a workflow
//! definition in a template holds ARM expressions (`[parameters('SOCEmail')]`) that Logic Apps
//! never sees: the deployed definition has their values. The importer works on that deployed
//! definition. Expressions whose value exists only at deployment (`subscription()`,
//! `resourceGroup()`, a parameter without a default value) cannot be imported and are
//! reported with their JSON pointer.

use serde_json::{Map, Value};
use soarc_lang::arm::expr::{ArmString, Expr};

/// Nesting limit for variables that refer to variables (a cycle is an error, not a hang).
const MAX_DEPTH: usize = 64;

/// The template's parameters and variables, to evaluate expressions against.
pub struct Scope<'t> {
    parameters: Option<&'t Map<String, Value>>,
    variables: Option<&'t Map<String, Value>>,
}

/// Why an expression could not be evaluated, in the user's words.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError(pub String);

impl<'t> Scope<'t> {
    pub fn of_template(template: &'t Value) -> Scope<'t> {
        Scope {
            parameters: template.get("parameters").and_then(Value::as_object),
            variables: template.get("variables").and_then(Value::as_object),
        }
    }

    /// A scope with no parameters or variables (a bare workflow definition).
    pub fn empty() -> Scope<'static> {
        Scope {
            parameters: None,
            variables: None,
        }
    }

    /// `value` with every ARM string replaced by its value; the JSON pointer (relative to
    /// `value`) of the first string that cannot be evaluated otherwise.
    pub fn evaluate(&self, value: &Value) -> Result<Value, (String, EvalError)> {
        let mut pointer = String::new();
        self.evaluate_at(value, &mut pointer, 0)
    }

    fn evaluate_at(
        &self,
        value: &Value,
        pointer: &mut String,
        depth: usize,
    ) -> Result<Value, (String, EvalError)> {
        match value {
            Value::String(s) => self.string(s, depth).map_err(|e| (pointer.clone(), e)),
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&i.to_string());
                    out.push(self.evaluate_at(item, pointer, depth)?);
                    pointer.truncate(len);
                }
                Ok(Value::Array(out))
            }
            Value::Object(members) => {
                let mut out = Map::with_capacity(members.len());
                for (key, item) in members {
                    let len = pointer.len();
                    pointer.push('/');
                    soarc_validate::json::push_token(pointer, key);
                    // Keys are literals to ARM except for the escape (`[[`).
                    let key = match ArmString::parse(key) {
                        Ok(ArmString::Literal(k)) => k,
                        _ => key.clone(),
                    };
                    let item = self.evaluate_at(item, pointer, depth)?;
                    out.insert(key, item);
                    pointer.truncate(len);
                }
                Ok(Value::Object(out))
            }
            other => Ok(other.clone()),
        }
    }

    fn string(&self, s: &str, depth: usize) -> Result<Value, EvalError> {
        match ArmString::parse(s) {
            Ok(ArmString::Literal(text)) => Ok(Value::String(text)),
            Ok(ArmString::Expr(expr)) => self.expr(&expr, depth),
            Err(e) => Err(EvalError(format!(
                "`{s}` is not a valid template expression: {}",
                e.message
            ))),
        }
    }

    fn expr(&self, expr: &Expr, depth: usize) -> Result<Value, EvalError> {
        if depth > MAX_DEPTH {
            return Err(EvalError("variables refer to each other in a cycle".into()));
        }
        match expr {
            Expr::Str(s) => Ok(Value::String(s.clone())),
            Expr::Int(i) => Ok(Value::from(*i)),
            Expr::Member { base, name } => {
                let base = self.expr(base, depth)?;
                member(&base, name)
                    .ok_or_else(|| EvalError(format!("the value has no property `{name}`")))
            }
            Expr::Index { base, index } => {
                let base = self.expr(base, depth)?;
                match (base, self.expr(index, depth)?) {
                    (base @ Value::Object(_), Value::String(key)) => member(&base, &key)
                        .ok_or_else(|| EvalError(format!("the value has no property `{key}`"))),
                    (Value::Array(items), Value::Number(n)) => n
                        .as_u64()
                        .and_then(|i| items.get(i as usize).cloned())
                        .ok_or_else(|| EvalError(format!("index {n} is out of range"))),
                    _ => Err(EvalError("an index of the wrong type".into())),
                }
            }
            Expr::Call { name, args } => self.call(name, args, depth),
        }
    }

    fn call(&self, name: &str, args: &[Expr], depth: usize) -> Result<Value, EvalError> {
        let lower = name.to_ascii_lowercase();
        let text_arg = |i: usize| -> Result<String, EvalError> {
            match args.get(i).map(|a| self.expr(a, depth)).transpose()? {
                Some(Value::String(s)) => Ok(s),
                Some(other) => Ok(plain_text(&other)),
                None => Err(EvalError(format!("`{name}()` needs more arguments"))),
            }
        };
        match lower.as_str() {
            "parameters" => {
                let wanted = text_arg(0)?;
                let (_, declared) = find_ci(self.parameters, &wanted).ok_or_else(|| {
                    EvalError(format!("the template declares no parameter `{wanted}`"))
                })?;
                let default = declared.get("defaultValue").ok_or_else(|| {
                    EvalError(format!(
                        "template parameter `{wanted}` has no default value, so its value is only known at deployment"
                    ))
                })?;
                // A default value may itself be an expression (`[resourceGroup().location]`).
                self.evaluate_nested(default, depth + 1)
            }
            "variables" => {
                let wanted = text_arg(0)?;
                let (_, value) = find_ci(self.variables, &wanted).ok_or_else(|| {
                    EvalError(format!("the template declares no variable `{wanted}`"))
                })?;
                self.evaluate_nested(value, depth + 1)
            }
            "concat" => {
                let values = args
                    .iter()
                    .map(|a| self.expr(a, depth))
                    .collect::<Result<Vec<_>, _>>()?;
                if values.iter().all(Value::is_array) {
                    Ok(Value::Array(
                        values
                            .into_iter()
                            .flat_map(|v| match v {
                                Value::Array(items) => items,
                                _ => Vec::new(),
                            })
                            .collect(),
                    ))
                } else {
                    Ok(Value::String(values.iter().map(plain_text).collect()))
                }
            }
            "tolower" => Ok(Value::String(text_arg(0)?.to_lowercase())),
            "toupper" => Ok(Value::String(text_arg(0)?.to_uppercase())),
            "string" => Ok(Value::String(text_arg(0)?)),
            "replace" => Ok(Value::String(
                text_arg(0)?.replace(&text_arg(1)?, &text_arg(2)?),
            )),
            "true" if args.is_empty() => Ok(Value::Bool(true)),
            "false" if args.is_empty() => Ok(Value::Bool(false)),
            "null" if args.is_empty() => Ok(Value::Null),
            _ => Err(EvalError(format!(
                "`{name}()` is only known when the template is deployed"
            ))),
        }
    }

    fn evaluate_nested(&self, value: &Value, depth: usize) -> Result<Value, EvalError> {
        if depth > MAX_DEPTH {
            return Err(EvalError("variables refer to each other in a cycle".into()));
        }
        let mut pointer = String::new();
        self.evaluate_at(value, &mut pointer, depth)
            .map_err(|(_, e)| e)
    }
}

/// ARM's text form of a value inside `concat` (numbers and booleans as JSON).
fn plain_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Property access; ARM property names are case-insensitive.
fn member(value: &Value, name: &str) -> Option<Value> {
    find_ci(value.as_object(), name).map(|(_, v)| v.clone())
}

fn find_ci<'a>(map: Option<&'a Map<String, Value>>, name: &str) -> Option<(&'a str, &'a Value)> {
    let map = map?;
    map.get_key_value(name)
        .or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
        .map(|(k, v)| (k.as_str(), v))
}

/// A workflow found in the input: where it is, and its parts as deployed.
#[derive(Debug, Clone)]
pub struct FoundWorkflow {
    /// JSON pointer of the `Microsoft.Logic/workflows` resource (or `""` for a workflow file).
    pub pointer: String,
    /// The resource's name as deployed, if it can be evaluated.
    pub name: Option<String>,
    /// `properties.definition`, as written (ARM expressions not evaluated yet).
    pub definition: Value,
    /// `properties.parameters` (values of the definition's parameters), as written.
    pub parameter_values: Option<Value>,
    /// The template's `metadata.description` or the resource's `tags` description, if any.
    pub description: Option<String>,
}

/// Every workflow in an ARM template (resources, child resources and inline nested
/// deployments), or the one of a workflow file (`{ "definition": ... }` as the Logic Apps
/// REST API returns it, or a bare definition with `triggers` and `actions`).
pub fn find_workflows(root: &Value) -> Vec<FoundWorkflow> {
    let mut found = Vec::new();
    if let Some(resources) = root.get("resources") {
        walk_resources(resources, "/resources", &mut found);
    } else if let Some(definition) = root.get("definition") {
        found.push(FoundWorkflow {
            pointer: String::new(),
            name: None,
            definition: definition.clone(),
            parameter_values: root.get("parameters").cloned(),
            description: None,
        });
    } else if root.get("triggers").is_some() || root.get("actions").is_some() {
        found.push(FoundWorkflow {
            pointer: String::new(),
            name: None,
            definition: root.clone(),
            parameter_values: None,
            description: None,
        });
    } else if let Some(properties) = root.get("properties")
        && let Some(definition) = properties.get("definition")
    {
        // A workflow resource as `az logic workflow show` prints it.
        found.push(FoundWorkflow {
            pointer: String::new(),
            name: root.get("name").and_then(Value::as_str).map(str::to_string),
            definition: definition.clone(),
            parameter_values: properties.get("parameters").cloned(),
            description: None,
        });
    }
    found
}

fn walk_resources(resources: &Value, pointer: &str, found: &mut Vec<FoundWorkflow>) {
    // Resources are an array, or (languageVersion 2.0) an object keyed by symbolic name.
    let entries: Vec<(String, &Value)> = match resources {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("{pointer}/{i}"), r))
            .collect(),
        Value::Object(map) => map
            .iter()
            .map(|(k, r)| (soarc_validate::json::child(pointer, k), r))
            .collect(),
        _ => Vec::new(),
    };
    for (here, resource) in entries {
        let kind = resource.get("type").and_then(Value::as_str).unwrap_or("");
        if kind.eq_ignore_ascii_case("Microsoft.Logic/workflows") {
            let properties = resource.get("properties");
            if let Some(definition) = properties.and_then(|p| p.get("definition")) {
                found.push(FoundWorkflow {
                    pointer: here.clone(),
                    name: resource
                        .get("name")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    definition: definition.clone(),
                    parameter_values: properties.and_then(|p| p.get("parameters")).cloned(),
                    description: None,
                });
            }
        }
        if let Some(children) = resource.get("resources") {
            walk_resources(children, &format!("{here}/resources"), found);
        }
        if kind.eq_ignore_ascii_case("Microsoft.Resources/deployments")
            && let Some(inner) = resource
                .get("properties")
                .and_then(|p| p.get("template"))
                .and_then(|t| t.get("resources"))
        {
            walk_resources(
                inner,
                &format!("{here}/properties/template/resources"),
                found,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template() -> Value {
        json!({
            "parameters": {
                "SOCEmail": { "type": "string", "defaultValue": "soc@contoso.com" },
                "Secret": { "type": "securestring" },
                "Name": { "type": "string", "defaultValue": "[concat('pb-', variables('suffix'))]" }
            },
            "variables": { "suffix": "[toLower('ABC')]", "loop": "[variables('loop')]" }
        })
    }

    #[test]
    fn evaluates_parameters_variables_and_escapes() {
        let t = template();
        let scope = Scope::of_template(&t);
        let v = json!({
            "to": "[parameters('socemail')]",
            "name": "[parameters('Name')]",
            "wdl": "@{triggerBody()}",
            "escaped": "[[not evaluated]",
            "[[key]": 1
        });
        assert_eq!(
            scope.evaluate(&v).unwrap(),
            json!({
                "to": "soc@contoso.com",
                "name": "pb-abc",
                "wdl": "@{triggerBody()}",
                "escaped": "[not evaluated]",
                "[key]": 1
            })
        );
    }

    #[test]
    fn reports_what_is_only_known_at_deployment_with_its_pointer() {
        let t = template();
        let scope = Scope::of_template(&t);
        let (pointer, error) = scope
            .evaluate(&json!({ "a": [ { "b~/c": "[parameters('Secret')]" } ] }))
            .unwrap_err();
        assert_eq!(pointer, "/a/0/b~0~1c");
        assert!(
            error.0.contains("`Secret` has no default value"),
            "{error:?}"
        );
        let (_, error) = scope
            .evaluate(&json!("[subscription().subscriptionId]"))
            .unwrap_err();
        assert!(error.0.contains("`subscription()`"), "{error:?}");
        let (_, error) = scope.evaluate(&json!("[variables('loop')]")).unwrap_err();
        assert!(error.0.contains("cycle"), "{error:?}");
    }

    #[test]
    fn finds_workflows_in_templates_nested_deployments_and_workflow_files() {
        let t = json!({ "resources": [
            { "type": "Microsoft.Web/connections", "name": "c" },
            { "type": "microsoft.logic/workflows", "name": "[parameters('Name')]",
              "properties": { "definition": { "triggers": {}, "actions": {} } } },
            { "type": "Microsoft.Resources/deployments", "properties": { "template": { "resources": [
                { "type": "Microsoft.Logic/workflows", "name": "inner",
                  "properties": { "definition": { "actions": {} } } } ] } } }
        ]});
        let found = find_workflows(&t);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].pointer, "/resources/1");
        assert_eq!(
            found[1].pointer,
            "/resources/2/properties/template/resources/0"
        );
        let file = json!({ "definition": { "triggers": {}, "actions": {} } });
        assert_eq!(find_workflows(&file)[0].pointer, "");
        assert!(find_workflows(&json!({ "x": 1 })).is_empty());
    }
}
