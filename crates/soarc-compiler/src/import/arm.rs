//! Reading an ARM template as Azure deploys it: where its workflows are, and the value of the
//! template expressions written inside a workflow definition.
//!
//! ARM evaluates every JSON string of a resource's `properties` whose first character is `[`
//! and last is `]` before the resource is created, and turns `[[` back into `[` (Learn,
//! "Syntax and expressions in ARM templates", section "Escape characters";
//! articles/azure-resource-manager/templates/template-expressions.md). So a workflow
//! definition in a template holds ARM expressions (`[parameters('SOCEmail')]`) that Logic Apps
//! never sees: the deployed definition has their values. The importer works on that deployed
//! definition. An expression whose value exists only at deployment (`subscription()`,
//! `resourceGroup()`, a parameter without a default value) is partly evaluated: variables and
//! parameters with values are replaced, and what is left is kept as a deployment value
//! ([`crate::deployment_values`]) that the generated template holds as the same ARM
//! expression. What cannot be kept (`listKeys()`, `reference()`) is reported with its JSON
//! pointer.

use std::cell::RefCell;

use indexmap::IndexMap;
use serde_json::{Map, Value};
use soarc_lang::arm::expr::{ArmString, Expr};

use crate::deployment_values;

/// Nesting limit for variables that refer to variables (a cycle is an error, not a hang).
const MAX_DEPTH: usize = 64;

/// The template's parameters and variables, to evaluate expressions against.
pub struct Scope<'t> {
    parameters: Option<&'t Map<String, Value>>,
    variables: Option<&'t Map<String, Value>>,
    /// Values given for template parameters (an ARM parameters file's `value`s, by name).
    supplied: Option<&'t Map<String, Value>>,
    /// Template parameters whose value only the deployment gives, as declared, in the order
    /// evaluation met them (see [`Scope::take_kept`]).
    kept: RefCell<IndexMap<String, Value>>,
    /// Strings are taken as written (a workflow file, which ARM never evaluates).
    literal: bool,
}

/// Why an expression could not be evaluated, in the user's words.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError(pub String);

/// The value of an ARM expression as far as the template decides it: known, or an
/// expression that only the deployment can evaluate (with every variable and every
/// parameter that has a value replaced, so it names only deployment parameters and
/// deployment functions).
#[derive(Debug, Clone, PartialEq)]
enum Partial {
    Known(Value),
    Residual(Expr),
}

impl Partial {
    /// The expression form of the value (a known value as an ARM literal: Learn,
    /// "Template functions": `json()` turns JSON text into an object or array, `true()`,
    /// `false()` and `null()` are the literals without a syntax of their own).
    fn into_expr(self) -> Expr {
        match self {
            Partial::Residual(e) => e,
            Partial::Known(Value::String(s)) => Expr::Str(s),
            Partial::Known(Value::Number(n)) if n.as_i64().is_some() => {
                Expr::Int(n.as_i64().unwrap_or_default())
            }
            Partial::Known(Value::Bool(b)) => {
                Expr::call(if b { "true" } else { "false" }, Vec::new())
            }
            Partial::Known(Value::Null) => Expr::call("null", Vec::new()),
            Partial::Known(other) => Expr::call("json", vec![Expr::Str(other.to_string())]),
        }
    }
}

impl<'t> Scope<'t> {
    pub fn of_template(template: &'t Value) -> Scope<'t> {
        Scope {
            parameters: template.get("parameters").and_then(Value::as_object),
            variables: template.get("variables").and_then(Value::as_object),
            supplied: None,
            kept: RefCell::default(),
            literal: false,
        }
    }

    /// The scope of a workflow file (a bare definition, or the workflow as the REST API or
    /// `az logic workflow show` gives it): no template evaluates it, so every string is taken
    /// as written, `[` or not.
    pub fn empty() -> Scope<'static> {
        Scope {
            parameters: None,
            variables: None,
            supplied: None,
            kept: RefCell::default(),
            literal: true,
        }
    }

    /// Values for template parameters, as an ARM parameters file gives them (name to value);
    /// they take the place of default values. Secure parameters (`securestring`,
    /// `secureobject`) are never read from it, so a secret is never written into a spec: they
    /// stay deployment parameters.
    pub fn with_values(mut self, supplied: &'t Map<String, Value>) -> Scope<'t> {
        self.supplied = Some(supplied);
        self
    }

    /// The template parameters that stay deployment parameters because the values evaluated
    /// since the last call use them (name as declared, declaration as written); clears them.
    pub fn take_kept(&self) -> IndexMap<String, Value> {
        std::mem::take(&mut *self.kept.borrow_mut())
    }

    /// `value` with every ARM string replaced by its value, or by a deployment value
    /// (`{ "$arm": ... }`, [`deployment_values`]) where only the deployment decides it; the
    /// JSON pointer (relative to `value`) of the first string that cannot be evaluated
    /// otherwise.
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
                        Ok(ArmString::Literal(k)) if !self.literal => k,
                        _ => key.clone(),
                    };
                    if key == deployment_values::KEY {
                        return Err((
                            pointer.clone(),
                            EvalError(format!(
                                "an object with the key `{}`, which a spec reads as a deployment value",
                                deployment_values::KEY
                            )),
                        ));
                    }
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
        if self.literal {
            return Ok(Value::String(s.to_string()));
        }
        match ArmString::parse(s) {
            Ok(ArmString::Literal(text)) => Ok(Value::String(text)),
            Ok(ArmString::Expr(expr)) => match self.expr(&expr, depth)? {
                Partial::Known(value) => Ok(value),
                Partial::Residual(residual) => Ok(deployment_values::marker(&residual)),
            },
            Err(e) => Err(EvalError(format!(
                "`{s}` is not a valid template expression: {}",
                e.message
            ))),
        }
    }

    fn expr(&self, expr: &Expr, depth: usize) -> Result<Partial, EvalError> {
        if depth > MAX_DEPTH {
            return Err(EvalError("variables refer to each other in a cycle".into()));
        }
        match expr {
            Expr::Str(s) => Ok(Partial::Known(Value::String(s.clone()))),
            Expr::Int(i) => Ok(Partial::Known(Value::from(*i))),
            Expr::Member { base, name } => match self.expr(base, depth)? {
                Partial::Known(base) => member(&base, name)
                    .map(Partial::Known)
                    .ok_or_else(|| EvalError(format!("the value has no property `{name}`"))),
                Partial::Residual(base) => Ok(Partial::Residual(Expr::Member {
                    base: Box::new(base),
                    name: name.clone(),
                })),
            },
            Expr::Index { base, index } => {
                match (self.expr(base, depth)?, self.expr(index, depth)?) {
                    (Partial::Known(base), Partial::Known(index)) => match (base, index) {
                        (base @ Value::Object(_), Value::String(key)) => member(&base, &key)
                            .map(Partial::Known)
                            .ok_or_else(|| EvalError(format!("the value has no property `{key}`"))),
                        (Value::Array(items), Value::Number(n)) => n
                            .as_u64()
                            .and_then(|i| items.get(i as usize).cloned())
                            .map(Partial::Known)
                            .ok_or_else(|| EvalError(format!("index {n} is out of range"))),
                        _ => Err(EvalError("an index of the wrong type".into())),
                    },
                    (base, index) => Ok(Partial::Residual(Expr::Index {
                        base: Box::new(base.into_expr()),
                        index: Box::new(index.into_expr()),
                    })),
                }
            }
            Expr::Call { name, args } => self.call(name, args, depth),
        }
    }

    fn call(&self, name: &str, args: &[Expr], depth: usize) -> Result<Partial, EvalError> {
        let lower = name.to_ascii_lowercase();
        let known_text = |i: usize| -> Result<String, EvalError> {
            match args.get(i).map(|a| self.expr(a, depth)).transpose()? {
                Some(Partial::Known(Value::String(s))) => Ok(s),
                Some(Partial::Known(other)) => Ok(plain_text(&other)),
                Some(Partial::Residual(_)) => Err(EvalError(format!(
                    "`{name}()` needs a name known before deployment"
                ))),
                None => Err(EvalError(format!("`{name}()` needs more arguments"))),
            }
        };
        match lower.as_str() {
            "parameters" => {
                let wanted = known_text(0)?;
                let (declared_name, declared) =
                    find_ci(self.parameters, &wanted).ok_or_else(|| {
                        EvalError(format!("the template declares no parameter `{wanted}`"))
                    })?;
                let secure = declared
                    .get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.to_ascii_lowercase().starts_with("secure"));
                if !secure && let Some((_, value)) = find_ci(self.supplied, &wanted) {
                    // Values of a parameters file are taken as written, not evaluated
                    // (Learn, "Create Resource Manager parameters file").
                    return Ok(Partial::Known(value.clone()));
                }
                match declared.get("defaultValue") {
                    // A default value may itself be an expression (`[resourceGroup().location]`).
                    Some(default) => self.nested(default, depth + 1),
                    None => {
                        self.kept
                            .borrow_mut()
                            .entry(declared_name.to_string())
                            .or_insert_with(|| declared.clone());
                        Ok(Partial::Residual(Expr::parameters(declared_name)))
                    }
                }
            }
            "variables" => {
                let wanted = known_text(0)?;
                let (_, value) = find_ci(self.variables, &wanted).ok_or_else(|| {
                    EvalError(format!("the template declares no variable `{wanted}`"))
                })?;
                self.nested(value, depth + 1)
            }
            "true" if args.is_empty() => Ok(Partial::Known(Value::Bool(true))),
            "false" if args.is_empty() => Ok(Partial::Known(Value::Bool(false))),
            "null" if args.is_empty() => Ok(Partial::Known(Value::Null)),
            _ => {
                let values = args
                    .iter()
                    .map(|a| self.expr(a, depth))
                    .collect::<Result<Vec<_>, _>>()?;
                if values.iter().all(|v| matches!(v, Partial::Known(_))) {
                    let known: Vec<Value> = values
                        .iter()
                        .filter_map(|v| match v {
                            Partial::Known(v) => Some(v.clone()),
                            Partial::Residual(_) => None,
                        })
                        .collect();
                    if let Some(value) = fold(&lower, &known) {
                        return Ok(Partial::Known(value));
                    }
                }
                // Only the deployment decides the value: kept as an expression when the
                // function may stand in a spec's deployment value.
                deployment_values::allowed_function(name).map_err(|why| {
                    EvalError(format!(
                        "`{name}()` is only known when the template is deployed, and cannot be kept: {why}"
                    ))
                })?;
                Ok(Partial::Residual(Expr::Call {
                    name: name.to_string(),
                    args: values.into_iter().map(Partial::into_expr).collect(),
                }))
            }
        }
    }

    /// A parameter's default value or a variable's value, in expression position.
    fn nested(&self, value: &Value, depth: usize) -> Result<Partial, EvalError> {
        if depth > MAX_DEPTH {
            return Err(EvalError("variables refer to each other in a cycle".into()));
        }
        if let Value::String(s) = value
            && let Ok(ArmString::Expr(expr)) = ArmString::parse(s)
        {
            return self.expr(&expr, depth);
        }
        let mut pointer = String::new();
        let value = self
            .evaluate_at(value, &mut pointer, depth)
            .map_err(|(_, e)| e)?;
        if deployment_values::contains_marker(&value) {
            return Err(EvalError(
                "an object or array value holds values only known at deployment".into(),
            ));
        }
        Ok(Partial::Known(value))
    }
}

/// The functions the importer evaluates when every argument is known.
fn fold(name: &str, args: &[Value]) -> Option<Value> {
    let text = |i: usize| args.get(i).map(plain_text);
    match name {
        "concat" => {
            if args.is_empty() {
                return None;
            }
            if args.iter().all(Value::is_array) {
                Some(Value::Array(
                    args.iter()
                        .flat_map(|v| v.as_array().cloned().unwrap_or_default())
                        .collect(),
                ))
            } else {
                Some(Value::String(args.iter().map(plain_text).collect()))
            }
        }
        "tolower" => Some(Value::String(text(0)?.to_lowercase())),
        "toupper" => Some(Value::String(text(0)?.to_uppercase())),
        "string" => Some(Value::String(text(0)?)),
        "replace" => Some(Value::String(text(0)?.replace(&text(1)?, &text(2)?))),
        _ => None,
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
    fn keeps_what_only_the_deployment_knows_as_deployment_values() {
        let t = template();
        let scope = Scope::of_template(&t);
        let v = json!({
            "secret": "[parameters('secret')]",
            "uri": "[concat('https://', variables('suffix'), '/subscriptions/', subscription().subscriptionId, '/', parameters('SOCEmail'))]",
            "id": "[resourceId('Microsoft.Web/connections', parameters('Name'))]"
        });
        assert_eq!(
            scope.evaluate(&v).unwrap(),
            json!({
                "secret": { "$arm": "parameters('Secret')" },
                "uri": { "$arm": "concat('https://', 'abc', '/subscriptions/', subscription().subscriptionId, '/', 'soc@contoso.com')" },
                "id": { "$arm": "resourceId('Microsoft.Web/connections', 'pb-abc')" }
            })
        );
        // Only the parameter without a value stays a template parameter, as declared.
        let kept = scope.take_kept();
        assert_eq!(kept.keys().collect::<Vec<_>>(), ["Secret"]);
        assert_eq!(kept["Secret"], json!({ "type": "securestring" }));
        assert!(scope.take_kept().is_empty());
    }

    #[test]
    fn workflow_files_are_taken_as_written() {
        let scope = Scope::empty();
        let v = json!({ "a": "[subscription().id]", "[[k]": "[[x]", "b": "[Sentinel] x]" });
        assert_eq!(scope.evaluate(&v).unwrap(), v);
        assert!(scope.take_kept().is_empty());
        assert!(scope.evaluate(&json!({ "$arm": "x" })).is_err());
    }

    #[test]
    fn parameter_file_values_replace_defaults_but_never_secrets() {
        let t = template();
        let values = json!({ "SOCEmail": "ir@contoso.com", "Secret": "hunter2" });
        let scope = Scope::of_template(&t).with_values(values.as_object().unwrap());
        assert_eq!(
            scope
                .evaluate(&json!([
                    "[parameters('SOCEmail')]",
                    "[parameters('Secret')]"
                ]))
                .unwrap(),
            json!(["ir@contoso.com", { "$arm": "parameters('Secret')" }])
        );
    }

    #[test]
    fn reports_what_cannot_be_kept_with_its_pointer() {
        let t = template();
        let scope = Scope::of_template(&t);
        let (pointer, error) = scope
            .evaluate(&json!({ "a": [ { "b~/c": "[listKeys('x', '2019-01-01').primaryKey]" } ] }))
            .unwrap_err();
        assert_eq!(pointer, "/a/0/b~0~1c");
        assert!(error.0.contains("`listKeys()`"), "{error:?}");
        let (_, error) = scope.evaluate(&json!("[newGuid()]")).unwrap_err();
        assert!(error.0.contains("default value"), "{error:?}");
        let (_, error) = scope.evaluate(&json!("[variables('loop')]")).unwrap_err();
        assert!(error.0.contains("cycle"), "{error:?}");
        let (pointer, error) = scope
            .evaluate(&json!({ "body": { "$arm": "x" } }))
            .unwrap_err();
        assert_eq!(pointer, "/body/$arm");
        assert!(error.0.contains("deployment value"), "{error:?}");
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
