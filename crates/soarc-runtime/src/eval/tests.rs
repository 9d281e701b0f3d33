//! Evaluator tests: the run functions, selection, interpolation, and Learn's examples.

use std::borrow::Cow;
use std::cell::Cell;

use serde_json::{Value, json};
use soarc_lang::wdl::Template;
use soarc_lang::wdl::expr::parse_expr;

use super::*;

/// A run as the interpreter would present it, lending its values.
pub(crate) struct TestEnv {
    pub params: Value,
    pub trigger: Value,
    pub actions: Value,
    pub variables: Value,
    pub item: Option<Value>,
    pub loops: Value,
    pub now: String,
    pub counter: Cell<u64>,
}

impl Default for TestEnv {
    fn default() -> Self {
        TestEnv {
            params: json!({"myAge": 42, "customerName": "Sophia Owen", "$connections": {"azuresentinel": {"connectionId": "/subscriptions/s/conn"}}}),
            trigger: json!({
                "name": "Microsoft_Sentinel_incident",
                "outputs": {"headers": {"Content-Type": "application/json"}, "body": {
                    "workspaceId": "ws-1",
                    "object": {"id": "/subscriptions/s/incidents/1", "properties": {
                        "title": "Impossible travel", "severity": "High", "incidentNumber": 7,
                        "labels": [{"labelName": "vuln", "labelType": "User"}],
                        "relatedEntities": [{"kind": "Ip", "properties": {"address": "10.0.0.1"}}]
                    }}
                }},
                "status": "Succeeded"
            }),
            actions: json!({
                "Get_user": {"name": "Get_user", "status": "Succeeded", "outputs": {"statusCode": 200, "headers": {}, "body": {"status": "Succeeded", "id": 12}}},
                "Compose": {"name": "Compose", "status": "Succeeded", "outputs": "composed"}
            }),
            variables: json!({"count": 3, "name": "abc", "list": [1, 2, 3]}),
            item: Some(json!({"name": "first", "value": 1})),
            loops: json!({"For_each": {"id": 9}}),
            now: "2026-01-01T00:00:00.0000000Z".into(),
            counter: Cell::new(0),
        }
    }
}

fn get<'v>(map: &'v Value, name: &str) -> Option<&'v Value> {
    map.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

impl Env for TestEnv {
    fn parameter(&self, name: &str) -> Option<Value> {
        self.params.get(name).cloned()
    }
    fn trigger(&self) -> Option<Value> {
        Some(self.trigger.clone())
    }
    fn action(&self, name: &str) -> Option<Value> {
        get(&self.actions, name).cloned()
    }
    fn variable(&self, name: &str) -> Option<Value> {
        get(&self.variables, name).cloned()
    }
    fn item(&self, loop_name: Option<&str>) -> Option<Value> {
        match loop_name {
            None => self.item.clone(),
            Some(l) => get(&self.loops, l).cloned(),
        }
    }
    fn iteration_index(&self, loop_name: &str) -> Option<i64> {
        (loop_name == "Until").then_some(2)
    }
    fn result(&self, scope_name: &str) -> Option<Value> {
        (scope_name == "Scope").then(|| json!([{"name": "Get_user", "status": "Failed"}]))
    }
    fn workflow(&self) -> Value {
        json!({"id": "/subscriptions/s/workflows/wf", "name": "wf", "type": "Microsoft.Logic/workflows", "location": "westeurope", "run": {"id": "/runs/r1", "name": "r1", "type": "Microsoft.Logic/workflows/runs"}})
    }
    fn now(&self) -> String {
        self.now.clone()
    }
    fn parameter_ref(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.params.get(name).map(Cow::Borrowed)
    }
    fn trigger_ref(&self) -> Option<Cow<'_, Value>> {
        Some(Cow::Borrowed(&self.trigger))
    }
    fn action_ref(&self, name: &str) -> Option<Cow<'_, Value>> {
        get(&self.actions, name).map(Cow::Borrowed)
    }
    fn variable_ref(&self, name: &str) -> Option<Cow<'_, Value>> {
        get(&self.variables, name).map(Cow::Borrowed)
    }
    fn next_sequence(&self) -> u64 {
        let n = self.counter.get();
        self.counter.set(n + 1);
        n
    }
}

/// Evaluates a whole workflow string (`@...`, `@{...}` or text).
pub(crate) fn run(env: &TestEnv, s: &str) -> Result<Value, EvalError> {
    let t = Template::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    evaluate_template(&t, env)
}

/// Evaluates expression text (no leading `@`).
pub(crate) fn ex(env: &TestEnv, s: &str) -> Result<Value, EvalError> {
    let e = parse_expr(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    evaluate(&e, env)
}

fn ok(s: &str) -> Value {
    ex(&TestEnv::default(), s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn fails(s: &str) -> String {
    match ex(&TestEnv::default(), s) {
        Ok(v) => panic!("{s}: expected an error, got {v}"),
        Err(e) => e.message,
    }
}

#[test]
fn literals_and_selection() {
    assert_eq!(ok("'a''b'"), json!("a'b"));
    assert_eq!(ok("1.5"), json!(1.5));
    assert_eq!(ok("null"), Value::Null);
    assert_eq!(
        ok("triggerBody()?['object']?['properties']?['title']"),
        json!("Impossible travel")
    );
    assert_eq!(
        ok("triggerBody().object.properties.severity"),
        json!("High")
    );
    assert_eq!(
        ok("triggerBody()?['OBJECT']?['Properties']?['Title']"),
        json!("Impossible travel"),
        "case-insensitive"
    );
    assert_eq!(
        ok("triggerBody()?['object']?['properties']?['labels'][0]['labelName']"),
        json!("vuln")
    );
    assert_eq!(
        ok("triggerBody()?['object']?['properties']?['labels']?[5]"),
        Value::Null
    );
    assert_eq!(ok("triggerBody()?['nope']?['deeper']"), Value::Null);
    assert_eq!(ok("createArray(1, 2)?['1']"), json!(2));
    let m = fails("triggerBody()['nope']");
    assert!(
        m.contains("property 'nope' doesn't exist, available properties are 'workspaceId, object'"),
        "{m}"
    );
    assert!(fails("triggerBody()?['nope']['x']").contains("cannot be selected"));
    assert!(fails("triggerBody()['workspaceId']['x']").contains("values of type 'String'"));
    assert!(fails("variables('list')[3]").contains("array index '3' is outside bounds (0, 2)"));
    assert!(fails("variables('list')['a']").contains("integer index"));
}

#[test]
fn run_functions() {
    assert_eq!(ok("parameters('myAge')"), json!(42));
    assert_eq!(
        ok("parameters('$connections')['azuresentinel']['connectionId']"),
        json!("/subscriptions/s/conn")
    );
    assert_eq!(
        ok("triggerOutputs()['headers']['content-type']"),
        json!("application/json")
    );
    assert_eq!(ok("trigger().status"), json!("Succeeded"));
    assert_eq!(
        ok("actions('Get_user').outputs.body.status"),
        json!("Succeeded")
    );
    assert_eq!(ok("body('get_user')?['id']"), json!(12));
    assert_eq!(ok("actionBody('Get_user')?['id']"), json!(12));
    assert_eq!(ok("outputs('Get_user')['statusCode']"), json!(200));
    assert_eq!(ok("actionOutputs('Compose')"), json!("composed"));
    assert_eq!(ok("body('Compose')"), Value::Null);
    assert_eq!(ok("variables('count')"), json!(3));
    assert_eq!(ok("item()?['name']"), json!("first"));
    assert_eq!(ok("items('For_each')['id']"), json!(9));
    assert_eq!(ok("iterationIndexes('Until')"), json!(2));
    assert_eq!(ok("result('Scope')[0]['status']"), json!("Failed"));
    assert_eq!(ok("workflow().run.name"), json!("r1"));
    assert_eq!(ok("utcNow()"), json!("2026-01-01T00:00:00.0000000Z"));
    assert!(fails("parameters('nope')").contains("parameter 'nope' is not found"));
    assert!(fails("body('Nope')").contains("'Nope'"));
    assert!(fails("variables('nope')").contains("Initialize variable"));
    assert!(fails("items('Other')").contains("'Other'"));
    assert!(fails("nosuch()").contains("not defined"));
    assert!(fails("concat()").contains("'concat' takes 1+ parameter(s), but 0"));
}

#[test]
fn interpolation() {
    let env = TestEnv::default();
    let s = |t: &str| run(&env, t).unwrap_or_else(|e| panic!("{t}: {e}"));
    // [WDL] §Expressions: the documented table.
    assert_eq!(s("@parameters('myAge')"), json!(42));
    assert_eq!(s("@{parameters('myAge')}"), json!("42"));
    assert_eq!(s("My age is @{parameters('myAge')}"), json!("My age is 42"));
    assert_eq!(
        s("My age is @@{parameters('myAge')}"),
        json!("My age is @{parameters('myAge')}")
    );
    assert_eq!(s("@@"), json!("@"));
    assert_eq!(
        s("a @{null} b @{true} @{variables('list')} @{1.5}"),
        json!("a  b True [1,2,3] 1.5")
    );
    assert_eq!(
        s("@{body('Get_user')}"),
        json!("{\"status\":\"Succeeded\",\"id\":12}")
    );
    let input = json!({"a": "@variables('count')", "b": ["x @{variables('name')}", 1, true], "@c": "plain"});
    assert_eq!(
        evaluate_json(&input, &env).unwrap(),
        json!({"a": 3, "b": ["x abc", 1, true], "@c": "plain"})
    );
    assert!(
        evaluate_json(&json!("@concat("), &env)
            .unwrap_err()
            .message
            .contains("not valid")
    );
}

#[test]
fn logic_is_lazy_and_strict() {
    assert_eq!(ok("if(true, 'ok', int('abc'))"), json!("ok"));
    assert_eq!(ok("and(false, int('abc'))"), json!(false));
    assert_eq!(ok("or(true, int('abc'))"), json!(true));
    assert_eq!(
        ok("coalesce(null, triggerBody()?['x'], 'd', int('abc'))"),
        json!("d")
    );
    assert_eq!(ok("coalesce(null, null)"), Value::Null);
    assert_eq!(ok("equals(1, 1.0)"), json!(true));
    assert_eq!(ok("equals('a', 'A')"), json!(false));
    assert_eq!(ok("equals(null, '')"), json!(false));
    assert_eq!(
        ok("equals(createArray(1, 'a'), createArray(1, 'a'))"),
        json!(true)
    );
    assert_eq!(ok("not(equals(1, 2))"), json!(true));
    assert!(
        fails("if(1, 2, 3)").contains("'if' expects its first parameter to be of type boolean")
    );
    assert!(fails("and(true, 1)").contains("Found invalid parameter types: 'Integer'"));
    assert!(fails("not('true')").contains("The provided value is of type 'String'"));
    assert_eq!(ok("concat('a', 1, null, true, 2.5)"), json!("a1True2.5"));
}

#[test]
fn guid_is_deterministic_and_counts() {
    let env = TestEnv::default();
    let a = ex(&env, "guid()").unwrap();
    let b = ex(&env, "guid()").unwrap();
    assert_ne!(a, b);
    let env2 = TestEnv::default();
    assert_eq!(ex(&env2, "guid()").unwrap(), a);
    assert_eq!(a.as_str().unwrap().len(), 36);
    assert_eq!(ex(&env, "guid('N')").unwrap().as_str().unwrap().len(), 32);
    assert!(
        ex(&env, "guid('B')")
            .unwrap()
            .as_str()
            .unwrap()
            .starts_with('{')
    );
}
