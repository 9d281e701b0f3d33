//! Evaluation speed of typical playbook expressions, against a floor: cloning the trigger body
//! (what an evaluator that copies its inputs would pay per lookup).
//!
//! `cargo bench -p soarc-runtime --bench eval`

use std::borrow::Cow;
use std::hint::black_box;
use std::time::Instant;

use serde_json::{Value, json};
use soarc_lang::wdl::Template;
use soarc_runtime::eval::{Env, evaluate_template};

struct Run {
    trigger: Value,
    actions: Value,
    variables: Value,
}

impl Env for Run {
    fn parameter(&self, _: &str) -> Option<Value> {
        Some(json!({"azuresentinel": {"connectionId": "/subscriptions/s/conn"}}))
    }
    fn trigger(&self) -> Option<Value> {
        Some(self.trigger.clone())
    }
    fn action(&self, name: &str) -> Option<Value> {
        self.actions.get(name).cloned()
    }
    fn variable(&self, name: &str) -> Option<Value> {
        self.variables.get(name).cloned()
    }
    fn item(&self, _: Option<&str>) -> Option<Value> {
        None
    }
    fn iteration_index(&self, _: &str) -> Option<i64> {
        None
    }
    fn result(&self, _: &str) -> Option<Value> {
        None
    }
    fn workflow(&self) -> Value {
        json!({"name": "wf", "run": {"name": "r1"}})
    }
    fn now(&self) -> String {
        "2026-01-01T00:00:00.0000000Z".into()
    }
    fn trigger_ref(&self) -> Option<Cow<'_, Value>> {
        Some(Cow::Borrowed(&self.trigger))
    }
    fn action_ref(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.actions.get(name).map(Cow::Borrowed)
    }
    fn variable_ref(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.variables.get(name).map(Cow::Borrowed)
    }
}

/// Expressions of the shapes generated Sentinel/ServiceNow/Jira playbooks use.
const EXPRESSIONS: &[&str] = &[
    "@triggerBody()?['object']?['properties']?['title']",
    "@triggerBody()?['object']?['properties']?['severity']",
    "@{triggerBody()?['object']?['id']}",
    "@if(equals(triggerBody()?['object']?['properties']?['severity'], 'High'), '1', if(equals(triggerBody()?['object']?['properties']?['severity'], 'Medium'), '2', '3'))",
    "https://contoso.service-now.com/api/now/table/incident?sysparm_query=correlation_id=@{encodeURIComponent(triggerBody()?['object']?['name'])}&sysparm_limit=1",
    "@coalesce(body('Create_incident')?['result']?['number'], 'unknown')",
    "Ticket @{body('Create_incident')?['result']?['number']} created for incident @{triggerBody()?['object']?['properties']?['incidentNumber']}",
    "@greater(length(body('Query')?['result']), 0)",
    "@contains(string(triggerBody()?['object']?['properties']?['labels']), 'vuln')",
    "@formatDateTime(utcNow(), 'yyyy-MM-ddTHH:mm:ssZ')",
    "@parameters('$connections')['azuresentinel']['connectionId']",
    "@concat('SEC-', variables('counter'))",
    "@toLower(triggerBody()?['object']?['properties']?['status'])",
    "@addDays(utcNow(), -7)",
];

fn main() {
    let run = Run {
        trigger: json!({"outputs": {"body": {
            "workspaceId": "ws",
            "object": {"id": "/subscriptions/s/incidents/1", "name": "a1b2", "properties": {
                "title": "Impossible travel", "severity": "High", "status": "New", "incidentNumber": 42,
                "description": "x".repeat(2000),
                "labels": [{"labelName": "vuln", "labelType": "User"}],
                "relatedEntities": (0..20).map(|i| json!({"kind": "Ip", "properties": {"address": format!("10.0.0.{i}")}})).collect::<Vec<_>>()
            }}
        }}}),
        actions: json!({
            "Create_incident": {"outputs": {"statusCode": 201, "body": {"result": {"number": "INC0010001", "sys_id": "abc"}}}},
            "Query": {"outputs": {"body": {"result": [{"sys_id": "1"}]}}}
        }),
        variables: json!({"counter": 7}),
    };
    let templates: Vec<Template> = EXPRESSIONS
        .iter()
        .map(|s| Template::parse(s).expect("parses"))
        .collect();
    for t in &templates {
        evaluate_template(t, &run).expect("evaluates");
    }
    let rounds = 20_000;
    let start = Instant::now();
    for _ in 0..rounds {
        for t in &templates {
            black_box(evaluate_template(black_box(t), &run).ok());
        }
    }
    let per_expr = start.elapsed().as_nanos() as f64 / (rounds * templates.len()) as f64;
    for (text, t) in EXPRESSIONS.iter().zip(&templates) {
        let start = Instant::now();
        for _ in 0..rounds {
            black_box(evaluate_template(black_box(t), &run).ok());
        }
        let ns = start.elapsed().as_nanos() as f64 / rounds as f64;
        println!(
            "  {ns:8.0} ns  {}",
            text.chars().take(90).collect::<String>()
        );
    }
    let body = &run.trigger["outputs"]["body"];
    let start = Instant::now();
    for _ in 0..rounds {
        black_box(black_box(body).clone());
    }
    let floor = start.elapsed().as_nanos() as f64 / rounds as f64;
    println!(
        "eval: {} expressions x {rounds}: {per_expr:.0} ns per expression; floor (one clone of the trigger body): {floor:.0} ns; ratio {:.2}",
        templates.len(),
        per_expr / floor
    );
}
