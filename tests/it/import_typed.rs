//! Typed steps for imported playbooks (#16): what `soarc import` writes in place of the
//! `action` escape hatch (`{{wdl: ...}}` expressions, `initialize_variable`, `parse_json`,
//! `if` conditions as written, named switch cases, `unordered` variable changes, nested
//! `run_after`), how each compiles, and that import keeps a typed step only when it compiles
//! back to the original action.

use crate::common::*;

use serde_json::{Value, json};
use soarc_compiler::import;
use soarc_lang::diagnostics::Sources;

const IMPORTED: &str = r#"
deployment: { subscription_id: 00000000-0000-0000-0000-000000000000, resource_group: rg-soc, workspace: { name: law-soc } }
connections:
  office365: { kind: office365 }
playbooks:
  - name: imported
    trigger: incident
    as_imported:
      run_after:
        Notify_failure: { Send: [Failed] }
    steps:
      - initialize_variable: { name: Initialize_names, variable: names, type: string }
      - initialize_variable: { name: Initialize_count, variable: count, type: Integer, value: 0 }
      - switch:
          name: Switch
          "on": "{{wdl: triggerBody()?['object']?['properties']?['severity']}}"
          cases:
            High: { name: Case_Severity_High, steps: [ { set_variable: { name: Set_count, variable: count, value: 1 } } ] }
          default: []
      - foreach:
          name: For_each
          items: "{{wdl: triggerBody()?['object']?['properties']?['Alerts']}}"
          as: alert
          steps:
            - append_variable: { name: Append, variable: names, value: "{{wdl-text: items('For_each')?['name']}}", unordered: true }
      - parse_json:
          name: Parse_JSON
          content: "{{wdl: triggerBody()?['object']}}"
          schema: { type: object, properties: { name: { type: string } } }
      - if:
          name: Condition
          condition:
            expression: { and: [ { greater: [ "{{variables.count}}", 0 ] } ] }
          then:
            - connector:
                name: Send
                connection: office365
                method: post
                path: "/v2/Mail/{{wdl: encodeURIComponent(body('Parse_JSON')?['name'])}}"
                body: { Subject: "Incident {{incident.title}}: {{wdl: variables('names')}}" }
            - compose: { name: Notify_failure, value: "@literal" }
"#;

#[test]
fn typed_steps_of_an_imported_playbook_build_the_workflow_as_written() {
    let built = builds(IMPORTED);
    let workflow = built_json(&built, "playbooks/imported/workflow.json");
    let actions = &workflow["actions"];
    // Variables declared where the steps stand, type as spelled, no value when none.
    assert_eq!(
        actions["Initialize_names"],
        json!({ "type": "InitializeVariable", "inputs": { "variables": [ { "name": "names", "type": "string" } ] }, "runAfter": {} })
    );
    assert_eq!(
        actions["Initialize_count"]["inputs"]["variables"][0]["type"],
        "Integer"
    );
    // A lone `{{wdl: ...}}` keeps the `@...` form even where text is expected; cases named.
    assert_eq!(
        actions["Switch"]["expression"],
        "@triggerBody()?['object']?['properties']?['severity']"
    );
    assert_eq!(
        actions["Switch"]["cases"]["Case_Severity_High"]["case"],
        "High"
    );
    // A variable changed in parallel iterations when the step says `unordered: true`.
    let append = &actions["For_each"]["actions"]["Append"];
    assert_eq!(append["type"], "AppendToStringVariable");
    assert_eq!(append["inputs"]["value"], "@{items('For_each')?['name']}");
    assert!(actions["For_each"].get("runtimeConfiguration").is_none());
    assert_eq!(
        actions["Parse_JSON"]["inputs"],
        json!({ "content": "@triggerBody()?['object']", "schema": { "type": "object", "properties": { "name": { "type": "string" } } } })
    );
    // The condition as written; an imported `if` without `else:` has no else branch.
    let condition = &actions["Condition"];
    assert_eq!(
        condition["expression"],
        json!({ "and": [ { "greater": [ "@variables('count')", 0 ] } ] })
    );
    assert!(condition.get("else").is_none(), "{condition}");
    // `?` inside an expression of a connector path is not a query string; the raw
    // expression is not encoded again; references and raw expressions mix in text.
    let send = &condition["actions"]["Send"];
    assert_eq!(
        send["inputs"]["path"],
        "/v2/Mail/@{encodeURIComponent(body('Parse_JSON')?['name'])}"
    );
    assert_eq!(
        send["inputs"]["body"]["Subject"],
        "Incident @{triggerBody()?['object']?['properties']?['title']}: @{variables('names')}"
    );
    // A nested `run_after` entry applies inside its block; literal text stays literal.
    assert_eq!(
        condition["actions"]["Notify_failure"],
        json!({ "type": "Compose", "inputs": "@@literal", "runAfter": { "Send": ["Failed"] } })
    );
}

#[test]
fn outside_imports_if_keeps_its_else_branch_and_parallel_changes_are_refused() {
    let built = builds(
        r#"
deployment: { subscription_id: 00000000-0000-0000-0000-000000000000, resource_group: rg-soc, workspace: { name: law-soc } }
playbooks:
  - name: authored
    trigger: incident
    on_failure: none
    variables: { n: { type: integer } }
    steps:
      - if:
          condition: { expression: "@equals(1, 1)" }
          then: [ { set_variable: { variable: n, value: 1 } } ]
"#,
    );
    let workflow = built_json(&built, "playbooks/authored/workflow.json");
    assert_eq!(
        workflow["actions"]["Condition"]["else"],
        json!({ "actions": {} })
    );
    // A condition's text is a template: a literal `@` is escaped, not evaluated.
    assert_eq!(
        workflow["actions"]["Condition"]["expression"],
        "@@equals(1, 1)"
    );
    fails_on(
        r#"
playbooks:
  - name: racing
    trigger: incident
    variables: { n: { type: integer } }
    steps:
      - foreach:
          items: "{{incident.alerts}}"
          as: alert
          steps: [ { set_variable: { variable: n, value: 1 } } ]
"#,
        "SPEC045",
        ["spec.yaml:10:", "unordered: true"].as_slice(),
    );
}

#[test]
fn a_raw_expression_that_does_not_parse_is_an_error_at_its_position() {
    fails_on(
        r#"
playbooks:
  - name: broken
    trigger: incident
    steps:
      - compose: { value: "x {{wdl: concat('a',}}" }
"#,
        "SPEC050",
        ["spec.yaml:6:", "is not a workflow expression"].as_slice(),
    );
    fails_on(
        r#"
playbooks:
  - name: twice
    trigger: incident
    on_failure: none
    variables: { n: { type: integer } }
    steps:
      - initialize_variable: { variable: n, type: integer }
"#,
        "SPEC043",
        ["declared twice"].as_slice(),
    );
    fails_on(
        r#"
playbooks:
  - name: badtype
    trigger: incident
    steps:
      - initialize_variable: { variable: n, type: number }
"#,
        "SPEC043",
        ["type `number`"].as_slice(),
    );
    // An action a raw expression reads must exist: said at the expression, not by the
    // output self-check as a soarc bug; names compare ignoring case, as Logic Apps does.
    fails_on(
        r#"
playbooks:
  - name: missing
    trigger: incident
    steps:
      - compose: { name: Known, value: "x" }
      - compose: { value: "{{wdl: body('known')}} and {{wdl: outputs('Missing')?['id']}}" }
"#,
        "SPEC140",
        ["spec.yaml:7:", "reads action `Missing`", "does not have"].as_slice(),
    );
    // Actions nested in a verbatim container and the trigger are actions it may read.
    builds(
        r#"
deployment:
  subscription_id: 00000000-0000-0000-0000-000000000000
  resource_group: rg-soc
  workspace: { name: law-sentinel }
playbooks:
  - name: nested
    trigger: incident
    steps:
      - action:
          name: Loop
          definition:
            type: Scope
            actions:
              Inner: { type: Compose, inputs: x, runAfter: {} }
      - compose: { value: "{{wdl: outputs('Inner')}} {{wdl: body('Microsoft_Sentinel_incident')}}" }
"#,
    );
}

fn import_text(text: &str) -> import::Imported {
    let mut sources = Sources::default();
    let file = sources.add("workflow.json".into(), text.to_string());
    import::import(&sources, file).unwrap_or_else(|e| panic!("{e:#?}"))
}

/// The definition a build of `yaml` gives for its only playbook.
fn rebuilt(yaml: &str, name: &str) -> Value {
    let built = builds(yaml);
    built_json(&built, format!("playbooks/{name}/workflow.json"))
}

#[test]
fn import_keeps_a_typed_step_only_where_it_compiles_back_to_the_action() {
    let workflow = json!({
        "definition": {
            "triggers": { "manual": { "type": "Request", "kind": "Http", "inputs": { "schema": {} } } },
            "actions": {
                "Initialize_variable": { "type": "InitializeVariable", "runAfter": {},
                    "inputs": { "variables": [ { "name": "total", "type": "integer", "value": 0 } ] } },
                "Spaced": { "type": "Compose", "runAfter": { "Initialize_variable": ["Succeeded"] },
                    "inputs": "@add(1,2)" },
                "Condition": { "type": "If", "runAfter": { "Spaced": ["Succeeded"] },
                    "expression": { "and": [ { "equals": [ "@variables('total')", 0 ] } ] },
                    "actions": {
                        "Set": { "type": "SetVariable", "runAfter": {}, "inputs": { "name": "total", "value": "@add(variables('total'), 1)" } },
                        "On_error": { "type": "Compose", "runAfter": { "Set": ["Failed"] }, "inputs": "failed" }
                    } },
                "Described": { "type": "Compose", "runAfter": { "Condition": ["Succeeded"] },
                    "inputs": "x", "description": "a note" }
            }
        }
    });
    let imported = import_text(&workflow.to_string());
    let yaml = &imported.yaml;
    // Typed where the compiled action is the original; references where one names it.
    assert!(yaml.contains("initialize_variable:"), "{yaml}");
    assert!(yaml.contains("- if:"), "{yaml}");
    assert!(yaml.contains("\"{{variables.total}}\""), "{yaml}");
    assert!(
        yaml.contains("value: \"{{wdl: add(variables('total'), 1)}}\""),
        "{yaml}"
    );
    // `@add(1,2)` prints back as `@add(1, 2)`: not the original, so it stays an action. An
    // action with a description is typed, the description kept under
    // `as_imported.descriptions` (no typed step has one of its own).
    assert!(yaml.contains("name: Spaced\n      definition:"), "{yaml}");
    assert!(
        yaml.contains("- compose:\n      name: Described\n      value: x"),
        "{yaml}"
    );
    assert!(
        yaml.contains("  descriptions:\n      Described: a note\n"),
        "{yaml}"
    );
    let stats = &imported.playbooks[0];
    assert_eq!(
        (stats.actions, stats.typed, stats.connector, stats.verbatim),
        (6, 5, 0, 1)
    );
    // Building the spec as written gives back the definition.
    let compiled = rebuilt(yaml, &stats.name);
    let original = &imported.definitions[0].1;
    assert_eq!(compiled["actions"], original["actions"]);
}

#[test]
fn a_typed_connector_step_that_does_not_compile_back_falls_back_to_connector() {
    let mail = |to: &str| {
        json!({ "type": "ApiConnection", "runAfter": {}, "inputs": {
            "host": { "connection": { "name": "@parameters('$connections')['office365']['connectionId']" } },
            "method": "post", "path": "/v2/Mail",
            "body": { "To": to, "Subject": "Report", "Body": "<p>done</p>", "Importance": "Normal" } } })
    };
    let workflow = json!({
        "triggers": { "manual": { "type": "Request", "kind": "Http", "inputs": { "schema": {} } } },
        "actions": {
            "Literal": mail("soc@contoso.com;ir@contoso.com"),
            // soarc writes a recipient list as text (`@{...}`), not the expression's value.
            "Expression": mail("@triggerBody()?['to']")
        }
    });
    let imported = import_text(&workflow.to_string());
    let yaml = &imported.yaml;
    assert!(
        yaml.contains("office365.send_email:\n      name: Literal"),
        "{yaml}"
    );
    assert!(
        yaml.contains("- soc@contoso.com\n      - ir@contoso.com"),
        "{yaml}"
    );
    assert!(
        yaml.contains("connector:\n      name: Expression"),
        "{yaml}"
    );
    let stats = &imported.playbooks[0];
    assert_eq!((stats.typed, stats.connector, stats.verbatim), (1, 1, 0));
    let compiled = rebuilt(yaml, &stats.name);
    assert_eq!(compiled["actions"], imported.definitions[0].1["actions"]);
}
