//! Actions that are not containers: data operations, variables, Terminate, Response, Wait,
//! and the dispatch to outbound calls.

use serde_json::{Value, json};

use super::graph::invalid_template;
use super::{Interp, Outcome, VarType, Variable, get_ci, json_type, object};
use crate::trace::{ErrorInfo, RunStatus};

/// The text of a value as Logic Apps converts it where a string is expected ([FN §Implicit
/// data type conversions], <https://learn.microsoft.com/azure/logic-apps/expression-functions-reference#implicit-data-type-conversions>):
/// strings as they are, null as "", other values as JSON (Booleans `True`/`False` as .NET
/// writes them).
pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        other => other.to_string(),
    }
}

impl VarType {
    fn parse(s: &str) -> Option<VarType> {
        // [VARS]: "integer, float, boolean, string, array, and object" (any case).
        Some(match s.to_ascii_lowercase().as_str() {
            "string" => VarType::String,
            "integer" | "int" => VarType::Integer,
            "float" => VarType::Float,
            "boolean" | "bool" => VarType::Boolean,
            "array" => VarType::Array,
            "object" => VarType::Object,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            VarType::String => "String",
            VarType::Integer => "Integer",
            VarType::Float => "Float",
            VarType::Boolean => "Boolean",
            VarType::Array => "Array",
            VarType::Object => "Object",
        }
    }

    /// Whether `v` may be stored in a variable of this type (null is allowed: an
    /// uninitialised value). A Float variable takes integers.
    fn accepts(self, v: &Value) -> bool {
        match (self, v) {
            (_, Value::Null) => true,
            (VarType::String, Value::String(_)) => true,
            (VarType::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
            (VarType::Float, Value::Number(_)) => true,
            (VarType::Boolean, Value::Bool(_)) => true,
            (VarType::Array, Value::Array(_)) => true,
            (VarType::Object, Value::Object(_)) => true,
            _ => false,
        }
    }
}

impl Interp<'_> {
    /// Evaluates an action's `inputs`; the evaluated value and whether they read secured
    /// data.
    fn inputs_of(&self, name: &str, action: &Value) -> Result<(Value, bool), Box<Outcome>> {
        let raw = action.get("inputs").unwrap_or(&Value::Null);
        let secured = self.reads_secured(raw);
        // Per-item fields (Query `where`, Select `select`, Table `columns`) are evaluated
        // per item by the action, with `item()` set: kept raw here.
        let per_item = match super::type_of(action).to_ascii_lowercase().as_str() {
            "query" => Some("where"),
            "select" => Some("select"),
            "table" => Some("columns"),
            _ => None,
        };
        match self.eval_json_except(raw, per_item) {
            Ok(mut v) => {
                if let (Some(key), Value::Object(m)) = (per_item, &mut v)
                    && let Some(kept) = raw.get(key)
                {
                    m.insert(key.to_string(), kept.clone());
                }
                Ok((v, secured))
            }
            Err(e) => {
                let mut o = invalid_template(name, "inputs", e);
                o.hide_inputs = secured;
                Err(Box::new(o))
            }
        }
    }

    pub(crate) fn simple_action(&mut self, name: &str, kind: &str, action: &Value) -> Outcome {
        let lkind = kind.to_ascii_lowercase();
        // Outbound calls evaluate their inputs themselves (field by field, for masking).
        match lkind.as_str() {
            "http" => return self.http_action(name, action),
            "apiconnection" | "apiconnectionwebhook" | "httpwebhook" => {
                return self.connector_action(name, &lkind, action);
            }
            _ => {}
        }
        let (inputs, secured) = match self.inputs_of(name, action) {
            Ok(x) => x,
            Err(o) => return *o,
        };
        let mut outcome = match lkind.as_str() {
            // [DATA] Compose: "Both the output and inputs can have any type".
            "compose" => Outcome::ok(inputs.clone(), inputs),
            "initializevariable" => self.initialize_variable(inputs),
            "setvariable" => self.set_variable(inputs),
            "incrementvariable" => self.step_variable(inputs, 1),
            "decrementvariable" => self.step_variable(inputs, -1),
            "appendtoarrayvariable" => self.append_variable(inputs, true),
            "appendtostringvariable" => self.append_variable(inputs, false),
            "terminate" => self.terminate(inputs),
            "parsejson" => parse_json(inputs),
            "query" => self.query(name, action, inputs),
            "select" => self.select(name, action, inputs),
            "join" => join(inputs),
            "table" => self.table(name, action, inputs),
            "response" => self.response(inputs),
            "wait" => self.wait(inputs),
            _ => Outcome::failed(
                inputs,
                "UnsupportedActionType",
                format!(
                    "soarc run cannot simulate actions of type '{kind}' ('{name}'): the simulator knows Compose, the variable actions, If, Switch, Foreach, Until, Scope, Terminate, ParseJson, Query, Select, Join, Table, Response, Wait, Http, ApiConnection and ApiConnectionWebhook"
                ),
            ),
        };
        outcome.hide_inputs |= secured;
        outcome
    }

    /// [VARS] "You can only declare variables at the global level, not within scopes,
    /// conditions, and loops"; one variable per action; value optional.
    fn initialize_variable(&mut self, inputs: Value) -> Outcome {
        if self.depth > 1 {
            return Outcome::failed(
                inputs,
                "InvalidTemplate",
                "InitializeVariable can only be used at the top level of a workflow, not inside a scope, condition or loop: move it to the top level".into(),
            );
        }
        let Some(vars) = get_ci(&inputs, "variables")
            .and_then(Value::as_array)
            .cloned()
        else {
            return Outcome::failed(
                inputs,
                "InvalidTemplate",
                "InitializeVariable needs inputs.variables: [{name, type, value}]".into(),
            );
        };
        for var in &vars {
            let name = get_ci(var, "name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let type_text = get_ci(var, "type").and_then(Value::as_str).unwrap_or("");
            let Some(kind) = VarType::parse(type_text) else {
                return Outcome::failed(
                    inputs,
                    "InvalidTemplate",
                    format!(
                        "variable '{name}' has type '{type_text}'; use string, integer, float, boolean, array or object"
                    ),
                );
            };
            if self.variables.contains_key(&name) {
                return Outcome::failed(
                    inputs,
                    "InvalidTemplate",
                    format!(
                        "the variable '{name}' is initialised twice; use SetVariable to change it"
                    ),
                );
            }
            // Without a value a variable starts empty for its type (INFERRED: the designer
            // leaves the value blank; string "", integer 0, array [], ...).
            let value = match get_ci(var, "value") {
                Some(v) => v.clone(),
                None => match kind {
                    VarType::String => json!(""),
                    VarType::Integer => json!(0),
                    VarType::Float => json!(0.0),
                    VarType::Boolean => json!(false),
                    VarType::Array => json!([]),
                    VarType::Object => json!({}),
                },
            };
            let value = match coerce(kind, value) {
                Ok(v) => v,
                Err(v) => {
                    return Outcome::failed(
                        inputs,
                        "InvalidTemplate",
                        format!(
                            "the value of variable '{name}' is a {} but the variable is declared {}",
                            json_type(&v),
                            kind.name()
                        ),
                    );
                }
            };
            self.variables.insert(name, Variable { kind, value });
        }
        let mut o = Outcome::ok(inputs, Value::Null);
        o.code = "NotSpecified".into();
        o
    }

    fn var_name(&self, inputs: &Value) -> Result<String, Box<Outcome>> {
        let name = get_ci(inputs, "name").and_then(Value::as_str).unwrap_or("");
        if let Some((k, _)) = self.variables.get_key_value(name) {
            return Ok(k.clone());
        }
        if let Some((k, _)) = self
            .variables
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
        {
            return Ok(k.clone());
        }
        Err(Box::new(Outcome::failed(
            inputs.clone(),
            "InvalidTemplate",
            format!(
                "the variable '{name}' does not exist: initialise it with InitializeVariable at the top level before this action"
            ),
        )))
    }

    fn var_done(inputs: Value, value: &Value) -> Outcome {
        let mut o = Outcome::ok(
            inputs,
            object([("body", object([("value", value.clone())]))]),
        );
        o.code = "NotSpecified".into();
        o
    }

    /// [VARS] SetVariable: "Both the new value and the variable must have the same data
    /// type. The value is required".
    fn set_variable(&mut self, inputs: Value) -> Outcome {
        let name = match self.var_name(&inputs) {
            Ok(n) => n,
            Err(o) => return *o,
        };
        let value = get_ci(&inputs, "value").cloned().unwrap_or(Value::Null);
        let var = self.variables.get_mut(&name).expect("exists");
        match coerce(var.kind, value) {
            Ok(v) => {
                var.value = v.clone();
                Self::var_done(inputs, &v)
            }
            Err(v) => Outcome::failed(
                inputs,
                "InvalidTemplate",
                format!(
                    "cannot set variable '{name}' of type {} to a {} value",
                    var.kind.name(),
                    json_type(&v)
                ),
            ),
        }
    }

    /// [VARS] Increment/Decrement: "works only with integer and float variables", value
    /// default 1.
    fn step_variable(&mut self, inputs: Value, sign: i64) -> Outcome {
        let name = match self.var_name(&inputs) {
            Ok(n) => n,
            Err(o) => return *o,
        };
        let by = get_ci(&inputs, "value").cloned().unwrap_or(json!(1));
        let var = self.variables.get_mut(&name).expect("exists");
        let new = match (&var.value, &by) {
            (Value::Number(a), Value::Number(b)) if var.kind == VarType::Integer && b.is_i64() => a
                .as_i64()
                .zip(b.as_i64())
                .and_then(|(a, b)| a.checked_add(sign * b))
                .map(Value::from),
            (Value::Number(a), Value::Number(b)) if var.kind == VarType::Float => a
                .as_f64()
                .zip(b.as_f64())
                .map(|(a, b)| json!(a + sign as f64 * b)),
            (Value::Null, Value::Number(b)) => b.as_i64().map(|b| Value::from(sign * b)),
            _ => None,
        };
        match new {
            Some(v) => {
                var.value = v.clone();
                Self::var_done(inputs, &v)
            }
            None => Outcome::failed(
                inputs,
                "InvalidTemplate",
                format!(
                    "cannot {} variable '{name}' of type {} by {by}: only integer and float variables can be incremented or decremented",
                    if sign > 0 { "increment" } else { "decrement" },
                    var.kind.name()
                ),
            ),
        }
    }

    /// [VARS] Append to array / string variable: the value "can have any type" for arrays.
    fn append_variable(&mut self, inputs: Value, array: bool) -> Outcome {
        let name = match self.var_name(&inputs) {
            Ok(n) => n,
            Err(o) => return *o,
        };
        let value = get_ci(&inputs, "value").cloned().unwrap_or(Value::Null);
        let var = self.variables.get_mut(&name).expect("exists");
        match (array, var.kind, &mut var.value) {
            (true, VarType::Array, Value::Array(items)) => items.push(value),
            (true, VarType::Array, slot @ Value::Null) => *slot = json!([value]),
            (false, VarType::String, Value::String(s)) => s.push_str(&text(&value)),
            (false, VarType::String, slot @ Value::Null) => *slot = Value::String(text(&value)),
            _ => {
                return Outcome::failed(
                    inputs,
                    "InvalidTemplate",
                    format!(
                        "'{}' appends to {} variables, but '{name}' is {}",
                        if array {
                            "AppendToArrayVariable"
                        } else {
                            "AppendToStringVariable"
                        },
                        if array { "array" } else { "string" },
                        var.kind.name()
                    ),
                );
            }
        }
        let v = var.value.clone();
        Self::var_done(inputs, &v)
    }

    /// [SCH §Terminate]: "stops the run for a workflow instance, cancels any actions in
    /// progress, skips any remaining actions, and returns the specified status"; `runError`
    /// applies only to `Failed`.
    fn terminate(&mut self, inputs: Value) -> Outcome {
        let status = get_ci(&inputs, "runStatus")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let status = match status.to_ascii_lowercase().as_str() {
            "failed" => RunStatus::Failed,
            "cancelled" => RunStatus::Cancelled,
            "succeeded" => RunStatus::Succeeded,
            _ => {
                return Outcome::failed(
                    inputs,
                    "InvalidTemplate",
                    format!(
                        "Terminate runStatus is '{status}'; use Failed, Cancelled or Succeeded"
                    ),
                );
            }
        };
        let error = match status {
            RunStatus::Failed => {
                let e = get_ci(&inputs, "runError");
                Some(ErrorInfo {
                    code: e
                        .and_then(|e| get_ci(e, "code"))
                        .map(text)
                        .unwrap_or_else(|| "Terminated".into()),
                    message: e
                        .and_then(|e| get_ci(e, "message"))
                        .map(text)
                        .unwrap_or_default(),
                })
            }
            RunStatus::Cancelled => Some(ErrorInfo {
                code: "Cancelled".into(),
                message: "The run was cancelled by a Terminate action.".into(),
            }),
            _ => None,
        };
        self.end_run(status, error);
        let mut o = Outcome::ok(inputs, Value::Null);
        o.code = "NotSpecified".into();
        o
    }

    /// The `from` array of Query/Select/Join/Table.
    fn from_array(inputs: &Value) -> Result<Vec<Value>, Box<Outcome>> {
        match get_ci(inputs, "from") {
            Some(Value::Array(a)) => Ok(a.clone()),
            other => Err(Box::new(Outcome::failed(
                inputs.clone(),
                "InvalidTemplate",
                format!(
                    "The 'from' property value is of type '{}'. The value must be an array.",
                    other.map(json_type).unwrap_or("Null")
                ),
            ))),
        }
    }

    /// [DATA] Filter array: "If no values satisfy the condition, then the action creates an
    /// empty array." `where` is evaluated per item (`item()`), from the raw definition.
    fn query(&mut self, name: &str, action: &Value, inputs: Value) -> Outcome {
        let from = match Self::from_array(&inputs) {
            Ok(a) => a,
            Err(o) => return *o,
        };
        let cond = action
            .pointer("/inputs/where")
            .unwrap_or(&Value::Bool(true));
        let mut out = Vec::new();
        for item in from {
            self.loops.push((String::new(), item));
            let keep = self.eval_condition(cond);
            let item = self.loops.pop().expect("pushed").1;
            match keep {
                Ok(true) => out.push(item),
                Ok(false) => {}
                Err(e) => return invalid_template(name, "where", e),
            }
        }
        Outcome::ok(inputs, object([("body", Value::from(out))]))
    }

    /// [DATA] Select: "The output array and source array always have the same number of
    /// items." `select` is an object map or a single expression, evaluated per item.
    fn select(&mut self, name: &str, action: &Value, inputs: Value) -> Outcome {
        let from = match Self::from_array(&inputs) {
            Ok(a) => a,
            Err(o) => return *o,
        };
        let shape = action.pointer("/inputs/select").unwrap_or(&Value::Null);
        let mut out = Vec::with_capacity(from.len());
        for item in from {
            self.loops.push((String::new(), item));
            let v = self.eval_json(shape);
            self.loops.pop();
            match v {
                Ok(v) => out.push(v),
                Err(e) => return invalid_template(name, "select", e),
            }
        }
        Outcome::ok(inputs, object([("body", Value::from(out))]))
    }

    /// [DATA] Table: CSV or HTML from an array of objects; columns automatic (the first
    /// item's keys) or custom (`columns: [{header, value}]`, `value` evaluated per item).
    fn table(&mut self, name: &str, action: &Value, inputs: Value) -> Outcome {
        let from = match Self::from_array(&inputs) {
            Ok(a) => a,
            Err(o) => return *o,
        };
        let html = get_ci(&inputs, "format")
            .and_then(Value::as_str)
            .is_some_and(|f| f.eq_ignore_ascii_case("html"));
        let custom = action.pointer("/inputs/columns").and_then(Value::as_array);
        let headers: Vec<String> = match custom {
            Some(cols) => cols
                .iter()
                .map(|c| get_ci(c, "header").map(text).unwrap_or_default())
                .collect(),
            None => from
                .first()
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default(),
        };
        let mut rows = Vec::with_capacity(from.len());
        for item in from {
            let row: Result<Vec<String>, String> = match custom {
                Some(cols) => {
                    self.loops.push((String::new(), item));
                    let r = cols
                        .iter()
                        .map(|c| {
                            self.eval_json(c.get("value").unwrap_or(&Value::Null))
                                .map(|v| text(&v))
                        })
                        .collect();
                    self.loops.pop();
                    r
                }
                None => Ok(headers
                    .iter()
                    .map(|h| item.get(h).map(text).unwrap_or_default())
                    .collect()),
            };
            match row {
                Ok(r) => rows.push(r),
                Err(e) => return invalid_template(name, "columns", e),
            }
        }
        let body = if html {
            let esc = |s: &str| {
                s.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            };
            let mut s = String::from("<table><thead><tr>");
            for h in &headers {
                s.push_str(&format!("<th>{}</th>", esc(h)));
            }
            s.push_str("</tr></thead><tbody>");
            for r in &rows {
                s.push_str("<tr>");
                for c in r {
                    s.push_str(&format!("<td>{}</td>", esc(c)));
                }
                s.push_str("</tr>");
            }
            s.push_str("</tbody></table>");
            s
        } else {
            let csv = |s: &str| {
                if s.contains([',', '"', '\n', '\r']) {
                    format!("\"{}\"", s.replace('"', "\"\""))
                } else {
                    s.to_string()
                }
            };
            let mut lines = vec![headers.iter().map(|h| csv(h)).collect::<Vec<_>>().join(",")];
            lines.extend(
                rows.iter()
                    .map(|r| r.iter().map(|c| csv(c)).collect::<Vec<_>>().join(",")),
            );
            lines.join("\n") + "\n"
        };
        Outcome::ok(inputs, object([("body", Value::from(body))]))
    }

    /// [SCH §Response]: status default 200; "can be any valid status code that starts with
    /// 2xx, 4xx, or 5xx, but not with 3xxx"; a second response after the request was
    /// answered "is marked as 'Failed' due to the conflict".
    fn response(&mut self, inputs: Value) -> Outcome {
        if self.responded {
            return Outcome::failed(
                inputs,
                "ActionResponseAlreadySent",
                "The request has already been answered by an earlier Response action.".into(),
            );
        }
        let status = get_ci(&inputs, "statusCode")
            .and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .unwrap_or(200);
        if !(200..600).contains(&status) || (300..400).contains(&status) {
            return Outcome::failed(
                inputs,
                "InvalidTemplate",
                format!("Response statusCode {status} is not allowed: use a 2xx, 4xx or 5xx code"),
            );
        }
        self.responded = true;
        let outputs = object([
            ("statusCode", json!(status)),
            (
                "headers",
                get_ci(&inputs, "headers").cloned().unwrap_or(json!({})),
            ),
            (
                "body",
                get_ci(&inputs, "body").cloned().unwrap_or(Value::Null),
            ),
        ]);
        Outcome::ok(inputs, outputs)
    }

    /// [SCH §Wait]: `interval {count, unit}` or `until {timestamp}`, but not both; the
    /// virtual clock advances.
    fn wait(&mut self, inputs: Value) -> Outcome {
        if let Some(interval) = get_ci(&inputs, "interval") {
            let count = get_ci(interval, "count")
                .and_then(|c| {
                    c.as_f64()
                        .or_else(|| c.as_str().and_then(|s| s.parse().ok()))
                })
                .unwrap_or(0.0);
            let unit = get_ci(interval, "unit")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let ms: f64 = match unit.to_ascii_lowercase().as_str() {
                "second" => 1e3,
                "minute" => 6e4,
                "hour" => 3.6e6,
                "day" => 8.64e7,
                "week" => 6.048e8,
                // A month is 30 days here (INFERRED; Learn does not say how Wait counts months).
                "month" => 2.592e9,
                _ => {
                    return Outcome::failed(
                        inputs,
                        "InvalidTemplate",
                        format!(
                            "Wait unit '{unit}' is not one of Second, Minute, Hour, Day, Week, Month"
                        ),
                    );
                }
            };
            self.now += (count * ms) as i64;
        } else if let Some(ts) = get_ci(&inputs, "until")
            .and_then(|u| get_ci(u, "timestamp"))
            .and_then(Value::as_str)
            .map(str::to_string)
        {
            match crate::time::parse(&ts) {
                Some(t) => self.now = self.now.max(t),
                None => {
                    return Outcome::failed(
                        inputs,
                        "InvalidTemplate",
                        format!("Wait until timestamp '{ts}' is not an ISO 8601 date-time"),
                    );
                }
            }
        } else {
            return Outcome::failed(
                inputs,
                "InvalidTemplate",
                "Wait needs inputs.interval {count, unit} or inputs.until {timestamp}".into(),
            );
        }
        Outcome::ok(inputs, Value::Null)
    }
}

/// [DATA] Join: "joinWith" between the items' text.
fn join(inputs: Value) -> Outcome {
    let from = match Interp::from_array(&inputs) {
        Ok(a) => a,
        Err(o) => return *o,
    };
    let with = get_ci(&inputs, "joinWith").map(text).unwrap_or_default();
    let s = from.iter().map(text).collect::<Vec<_>>().join(&with);
    Outcome::ok(inputs, object([("body", Value::from(s))]))
}

/// ParseJson: `content` (text is parsed) validated against `schema` (`type`, `required`,
/// `properties`, `items`). Learn documents the action in [DATA] without the validation
/// error; the code and message follow what the cloud returns ("ValidationFailed", "The
/// schema validation failed.", tomdam/flowforger's measured conformance tests).
fn parse_json(inputs: Value) -> Outcome {
    let content = get_ci(&inputs, "content").cloned().unwrap_or(Value::Null);
    let content = match content {
        Value::String(s) => match serde_json::from_str::<Value>(&s) {
            Ok(v) => v,
            Err(e) => {
                return Outcome::failed(
                    inputs,
                    "InvalidJSON",
                    format!(
                        "The 'content' property of actions of type 'ParseJson' must be valid JSON: {e}"
                    ),
                );
            }
        },
        v => v,
    };
    let mut errors = Vec::new();
    if let Some(schema) = get_ci(&inputs, "schema") {
        validate(&content, schema, "#", &mut errors);
    }
    if !errors.is_empty() {
        let mut o = Outcome::failed(
            inputs,
            "ValidationFailed",
            format!("The schema validation failed: {}", errors.join("; ")),
        );
        o.outputs = json!({"errors": errors});
        return o;
    }
    Outcome::ok(inputs, object([("body", content)]))
}

fn validate(v: &Value, schema: &Value, at: &str, errors: &mut Vec<String>) {
    if errors.len() >= 10 {
        return;
    }
    let Some(schema) = schema.as_object() else {
        return;
    };
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.is_empty()
            || types.iter().any(|t| match *t {
                "string" => v.is_string(),
                "integer" => v.as_f64().is_some_and(|f| f.fract() == 0.0),
                "number" => v.is_number(),
                "boolean" => v.is_boolean(),
                "array" => v.is_array(),
                "object" => v.is_object(),
                "null" => v.is_null(),
                _ => true,
            });
        if !ok {
            errors.push(format!(
                "Invalid type. Expected {} but got {}. Path '{at}'.",
                types.join(", "),
                json_type(v)
            ));
            return;
        }
    }
    if let Value::Object(m) = v {
        if let Some(req) = schema.get("required").and_then(Value::as_array) {
            for r in req.iter().filter_map(Value::as_str) {
                if !m.contains_key(r) {
                    errors.push(format!(
                        "Required properties are missing from object: {r}. Path '{at}'."
                    ));
                }
            }
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (k, s) in props {
                if let Some(x) = m.get(k) {
                    validate(x, s, &format!("{at}.{k}"), errors);
                }
            }
        }
    }
    if let (Value::Array(items), Some(s)) = (v, schema.get("items")) {
        for (i, x) in items.iter().enumerate() {
            validate(x, s, &format!("{at}[{i}]"), errors);
        }
    }
}

/// Converts `value` for a variable of type `kind` (Float takes integers), or gives it back.
fn coerce(kind: VarType, value: Value) -> Result<Value, Value> {
    if kind.accepts(&value) {
        Ok(value)
    } else {
        Err(value)
    }
}
