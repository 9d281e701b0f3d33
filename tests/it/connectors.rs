//! Any managed connector (issue #16): `kind: managed` connections (managed identity or
//! OAuth), the typed connector steps, the generic `connector` step and the `action` escape
//! hatch. What the workflow and the template carry, and bad input refused with its code and
//! position.

use crate::common::*;

use serde_json::{Value, json};

const HEADER: &str = r#"
deployment:
  subscription_id: 00000000-0000-0000-0000-000000000000
  resource_group: rg-soc
  workspace: { name: law-sentinel, resource_group: rg-sentinel }
connections:
  teams: { kind: managed, api: teams }
  mail: { kind: managed, api: office365 }
  entra: { kind: managed, api: azuread }
  mde: { kind: managed, api: wdatp }
  logs: { kind: managed, api: azuremonitorlogs }
  vt:
    kind: managed
    api: virustotal
    parameters:
      api_key: { key_vault: { vault: kv-soc, secret: vt-key } }
      region: eu
"#;

fn spec(steps: &str) -> String {
    format!(
        "{HEADER}playbooks:\n  - name: p1\n    trigger: incident\n    on_failure: none\n    retry: none\n    steps:\n{steps}"
    )
}

fn workflow(steps: &str) -> Value {
    let built = builds(&spec(steps));
    built_json(&built, "playbooks/p1/workflow.json")
}

fn template(steps: &str) -> Value {
    let built = builds(&spec(steps));
    built_json(&built, "playbooks/p1/azuredeploy.json")
}

fn connection_resource<'a>(template: &'a Value, api: &str) -> &'a Value {
    template["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["type"] == "Microsoft.Web/connections"
                && r["properties"]["api"]["id"]
                    .as_str()
                    .is_some_and(|id| id.contains(&format!("'{api}'")))
        })
        .unwrap_or_else(|| panic!("no {api} connection in {template:#}"))
}

#[test]
fn typed_steps_compile_to_the_corpus_api_connection_actions() {
    let wf = workflow(
        r#"      - office365.send_email:
          connection: mail
          to: [soc@contoso.com, "{{incident.owner.email}}"]
          subject: "Incident {{incident.number}}"
          body: "<p>{{incident.title}}</p>"
          importance: High
      - teams.post_message:
          connection: teams
          team: 3f2a6c1e-8a52-4b7e-9d53-0c1f5e6b7a10
          channel: "19:abc@thread.tacv2"
          message: "<b>{{incident.title}}</b>"
      - defender.isolate_machine:
          connection: mde
          machine: "{{incident.name}}"
          comment: Isolated
      - entra.disable_user: { connection: entra, user: "{{incident.owner.email}}" }
      - entra.revoke_sessions: { connection: entra, user: "{{incident.owner.email}}" }
"#,
    );
    let actions = &wf["actions"];
    let mail = &actions["Send_an_email"];
    assert_eq!(mail["type"], "ApiConnection");
    assert_eq!(
        mail["inputs"]["host"]["connection"]["name"],
        "@parameters('$connections')['mail']['connectionId']"
    );
    assert_eq!(mail["inputs"]["method"], "post");
    assert_eq!(mail["inputs"]["path"], "/v2/Mail");
    // A reference stays one recipient: `;` and `,` in its value are removed, so an incident
    // field cannot add addresses of its choosing.
    assert_eq!(
        mail["inputs"]["body"]["To"],
        "soc@contoso.com;@{replace(replace(triggerBody()?['object']?['properties']?['owner']?['email'], ';', ''), ',', '')}"
    );
    assert_eq!(mail["inputs"]["body"]["Importance"], "High");
    // HTML bodies escape references.
    let body = mail["inputs"]["body"]["Body"].as_str().unwrap();
    assert!(
        body.starts_with("<p>@{replace(replace(replace(replace(replace("),
        "{body}"
    );
    assert!(
        mail["inputs"]
            .get("retryPolicy")
            .is_some_and(|r| r["type"] == "none")
    );

    let teams = &actions["Post_message"];
    assert_eq!(
        teams["inputs"]["path"],
        "/v3/beta/teams/@{encodeURIComponent('3f2a6c1e-8a52-4b7e-9d53-0c1f5e6b7a10')}/channels/@{encodeURIComponent('19:abc@thread.tacv2')}/messages"
    );
    assert_eq!(teams["inputs"]["body"]["body"]["contentType"], "html");
    assert_eq!(teams["runAfter"], json!({ "Send_an_email": ["Succeeded"] }));

    let isolate = &actions["Isolate_machine"];
    assert_eq!(
        isolate["inputs"]["path"],
        "/api/machines/@{encodeURIComponent(triggerBody()?['object']?['name'])}/isolate"
    );
    assert_eq!(
        isolate["inputs"]["body"],
        json!({ "Comment": "Isolated", "IsolationType": "Full" })
    );

    let disable = &actions["Disable_user"];
    assert_eq!(disable["inputs"]["method"], "patch");
    assert_eq!(
        disable["inputs"]["body"],
        json!({ "accountEnabled": false })
    );
    let revoke = &actions["Revoke_sign_in_sessions"];
    assert_eq!(revoke["inputs"]["method"], "post");
    assert!(
        revoke["inputs"]["path"]
            .as_str()
            .unwrap()
            .ends_with("/revokeSignInSessions")
    );
    assert!(revoke["inputs"].get("body").is_none());
}

#[test]
fn run_query_reads_the_sentinel_workspace_and_escapes_references_in_kql_strings() {
    let wf = workflow(
        r#"      - monitor_logs.run_query:
          id: hunt
          connection: logs
          query: 'SecurityIncident | where Title == "{{incident.title}}"'
      - compose: { id: rows, value: "{{hunt.rows}}" }
"#,
    );
    let query = &wf["actions"]["Run_query_and_list_results_hunt"]["inputs"];
    assert_eq!(query["path"], "/queryData");
    assert_eq!(
        query["queries"]["subscriptions"],
        "@split(parameters('SentinelWorkspaceId'), '/')[2]"
    );
    assert_eq!(
        query["queries"]["resourcename"],
        "@split(parameters('SentinelWorkspaceId'), '/')[8]"
    );
    assert_eq!(query["queries"]["resourcetype"], "Log Analytics Workspace");
    assert_eq!(query["queries"]["timerange"], "Set in query");
    let body = query["body"].as_str().unwrap();
    assert!(
        body.starts_with("SecurityIncident | where Title == \"@{replace(replace(replace(replace("),
        "{body}"
    );
    assert_eq!(
        wf["actions"]["Compose_rows"]["inputs"],
        "@body('Run_query_and_list_results_hunt')?['value']"
    );
}

#[test]
fn a_reference_outside_a_kql_string_is_refused() {
    fails_on(
        &spec(
            r#"      - monitor_logs.run_query:
          connection: logs
          query: "SecurityIncident | take {{incident.number}}"
"#,
        ),
        "SPEC054",
        &["KQL", "spec.yaml:"],
    );
}

#[test]
fn managed_identity_and_oauth_connections_deploy_as_microsofts_templates_do() {
    let steps = r#"      - monitor_logs.run_query: { connection: logs, query: SecurityIncident }
      - teams.post_message: { connection: teams, team: t, channel: c, message: hi }
      - connector: { connection: vt, method: get, path: /api/v3/files/abc }
"#;
    let template = template(steps);
    let logs = connection_resource(&template, "azuremonitorlogs");
    assert_eq!(logs["properties"]["parameterValueType"], "Alternative");
    let teams = connection_resource(&template, "teams");
    assert!(teams["properties"].get("parameterValueType").is_none());
    let vt = connection_resource(&template, "virustotal");
    assert_eq!(
        vt["properties"]["parameterValues"],
        json!({ "api_key": "[parameters('VtApiKey')]", "region": "eu" })
    );
    assert_eq!(template["parameters"]["VtApiKey"]["type"], "securestring");
    let workflow = template["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.Logic/workflows")
        .unwrap();
    let connections = &workflow["properties"]["parameters"]["$connections"]["value"];
    assert_eq!(
        connections["logs"]["connectionProperties"]["authentication"]["type"],
        "ManagedServiceIdentity"
    );
    assert!(connections["teams"].get("connectionProperties").is_none());
    let post = template["metadata"]["postDeployment"].to_string();
    assert!(
        post.contains("Authorize the teams connection teams"),
        "{post}"
    );
    assert!(!post.contains("virustotal connection"), "{post}");
    let prerequisites = template["metadata"]["prerequisites"].to_string();
    assert!(
        prerequisites.contains("Log Analytics Reader"),
        "{prerequisites}"
    );

    let built = builds(&spec(steps));
    let parameters = built_json(&built, "playbooks/p1/azuredeploy.parameters.json");
    assert_eq!(
        parameters["parameters"]["VtApiKey"]["reference"]["secretName"],
        "vt-key"
    );
}

#[test]
fn the_connector_step_calls_any_operation() {
    let wf = workflow(
        r#"      - connector:
          id: scan
          connection: mde
          method: POST
          path: "/api/machines/{{incident.name}}/runAntiVirusScan"
          queries: { api-version: "1.0" }
          headers: { Prefer: respond-async }
          body: { Comment: "For {{incident.title}}", ScanType: Quick }
          secure: true
      - compose: { id: out, value: "{{scan.body.id}} {{scan.status}}" }
"#,
    );
    let call = &wf["actions"]["Call_scan"];
    assert_eq!(call["type"], "ApiConnection");
    assert_eq!(call["inputs"]["method"], "post");
    assert_eq!(
        call["inputs"]["path"],
        "/api/machines/@{encodeURIComponent(triggerBody()?['object']?['name'])}/runAntiVirusScan"
    );
    assert_eq!(call["inputs"]["queries"], json!({ "api-version": "1.0" }));
    assert_eq!(
        call["inputs"]["headers"],
        json!({ "Prefer": "respond-async" })
    );
    assert_eq!(
        call["inputs"]["body"]["Comment"],
        "For @{triggerBody()?['object']?['properties']?['title']}"
    );
    assert_eq!(
        call["runtimeConfiguration"]["secureData"]["properties"],
        json!(["inputs", "outputs"])
    );
    assert_eq!(
        wf["actions"]["Compose_out"]["inputs"],
        "@{body('Call_scan')?['id']} @{outputs('Call_scan')?['statusCode']}"
    );
}

#[test]
fn the_escape_hatch_keeps_the_action_verbatim_sequences_it_and_wires_its_connections() {
    let steps = r#"      - compose: { id: first, value: 1 }
      - action:
          name: Get_user
          id: user
          definition:
            type: ApiConnection
            inputs:
              host: { connection: { name: "@parameters('$connections')['entra']['connectionId']" } }
              method: get
              path: "/v1.0/users/@{encodeURIComponent(  triggerBody()?['object']?['name'])}"
            trackedProperties: { incident: "Incident {{incident.number}}" }
      - action:
          name: Comment_back
          definition:
            type: ApiConnection
            inputs:
              host: { connection: { name: "@parameters('$connections')['azuresentinel']['connectionId']" } }
              method: post
              path: /Incidents/Comment
              body: { incidentArmId: "@triggerBody()?['object']?['id']", message: "@{body('Get_user')?['displayName']}" }
      - compose: { id: shown, value: "{{user.body.displayName}}" }
"#;
    let wf = workflow(steps);
    let actions = &wf["actions"];
    let get = &actions["Get_user"];
    // Byte for byte, including the spaces inside the expression; no retry policy added.
    assert_eq!(
        get["inputs"]["path"],
        "/v1.0/users/@{encodeURIComponent(  triggerBody()?['object']?['name'])}"
    );
    assert!(get["inputs"].get("retryPolicy").is_none());
    assert_eq!(get["runAfter"], json!({ "Compose_first": ["Succeeded"] }));
    // {{...}} in literal text is a soarc reference.
    assert_eq!(
        get["trackedProperties"]["incident"],
        "Incident @{triggerBody()?['object']?['properties']?['incidentNumber']}"
    );
    assert_eq!(
        actions["Comment_back"]["runAfter"],
        json!({ "Get_user": ["Succeeded"] })
    );
    assert_eq!(
        actions["Compose_shown"]["inputs"],
        "@body('Get_user')?['displayName']"
    );
    let template = template(steps);
    connection_resource(&template, "azuread");
    connection_resource(&template, "azuresentinel");
}

#[test]
fn a_verbatim_action_with_run_after_or_without_type_is_refused() {
    fails_on(
        &spec(
            r#"      - action:
          name: X
          definition: { type: Compose, inputs: 1, runAfter: { A: [Succeeded] } }
"#,
        ),
        "SPEC105",
        &["runAfter", "spec.yaml:"],
    );
    fails_on(
        &spec("      - action: { name: X, definition: { inputs: 1 } }\n"),
        "SPEC105",
        &["no `type`"],
    );
    fails_on(
        &spec("      - action: { name: X, definition: [1] }\n"),
        "SPEC105",
        &["not a workflow action"],
    );
}

#[test]
fn a_verbatim_expression_that_does_not_parse_is_refused_at_its_position() {
    fails_on(
        &spec(
            r#"      - action:
          name: X
          definition:
            type: Compose
            inputs: "@concat('a', "
"#,
        ),
        "SPEC106",
        &["spec.yaml:28:22:", "not a valid workflow expression"],
    );
}

#[test]
fn a_verbatim_action_naming_an_unknown_connection_is_refused_with_the_nearest() {
    fails_on(
        &spec(
            r#"      - action:
          name: X
          definition:
            type: ApiConnection
            inputs: { host: { connection: { name: "@parameters('$connections')['tems']['connectionId']" } }, method: get, path: /x }
"#,
        ),
        "SPEC107",
        &["`tems`", "did you mean `teams`?"],
    );
}

#[test]
fn nested_verbatim_action_names_join_the_playbooks() {
    fails_on(
        &spec(
            r#"      - compose: { name: Inner, value: 1 }
      - action:
          name: Outer
          definition:
            type: Scope
            actions: { Inner: { type: Compose, inputs: 2, runAfter: {} } }
"#,
        ),
        "SPEC033",
        &["Inner"],
    );
}

#[test]
fn managed_connection_errors() {
    let with = |connection: &str, steps: &str| {
        format!(
            "deployment: {{ workspace: {{ name: law }} }}\nconnections:\n  c: {connection}\nplaybooks:\n  - name: p1\n    trigger: incident\n    steps:\n{steps}"
        )
    };
    let comment = "      - sentinel.add_comment: hi\n";
    fails_on(
        &with("{ kind: managed, api: Office_365 }", comment),
        "SPEC100",
        &["`Office_365`", "did you mean `office365`?"],
    );
    fails_on(
        &with(
            "{ kind: managed, api: teams, authentication: managed_identity }",
            comment,
        ),
        "SPEC101",
        &["teams", "authentication: oauth"],
    );
    fails_on(
        &with(
            "{ kind: managed, api: x, parameters: { \"a b\": 1 } }",
            comment,
        ),
        "SPEC102",
        &["`a b`"],
    );
    fails_on(
        &with(
            "{ kind: managed, api: teams }",
            "      - defender.isolate_machine: { connection: c, machine: m, comment: x }\n",
        ),
        "SPEC103",
        &["`wdatp`", "c: { kind: managed, api: wdatp }"],
    );
    fails_on(
        &with(
            "{ kind: managed, api: x }",
            "      - connector: { connection: c, method: get, path: \"api?x=1\" }\n",
        ),
        "SPEC104",
        &["`api?x=1`"],
    );
    fails_on(
        &with(
            "{ kind: managed, api: office365 }",
            "      - office365.send_email: { connection: c, to: [not-an-address], subject: s, body: b }\n",
        ),
        "SPEC108",
        &["`not-an-address`"],
    );
    fails_on(
        &with(
            "{ kind: managed, api: teams }",
            "      - teams.post_message: { connection: c, team: t, channel: ch, message: \"\" }\n",
        ),
        "SPEC108",
        &["message"],
    );
    fails_on(
        "connections:\n  c: { kind: managed, api: azuremonitorlogs }\nplaybooks:\n  - name: p1\n    trigger: { http-request: {} }\n    steps:\n      - monitor_logs.run_query: { connection: c, query: x }\n",
        "SPEC109",
        &["no workspace"],
    );
}

#[test]
fn the_legacy_office365_kind_works_with_the_typed_email_step() {
    let spec = "connections:\n  o365: { kind: office365 }\nplaybooks:\n  - name: p1\n    trigger: { http-request: {} }\n    steps:\n      - office365.send_email: { connection: o365, to: [a@contoso.com], subject: s, body: b }\n";
    let built = builds(spec);
    let wf = built_json(&built, "playbooks/p1/workflow.json");
    assert_eq!(
        wf["actions"]["Main"]["actions"]["Send_an_email"]["inputs"]["path"],
        "/v2/Mail"
    );
}

/// Case names are keys of their switch's `cases`, not actions: two switches may both have a
/// case `Case` (Microsoft's Defender for Cloud workflows do), but one switch may not have two.
#[test]
fn switch_case_names_are_unique_per_switch_only() {
    let switch = |name: &str| {
        format!(
            r#"      - switch:
          name: {name}
          "on": "{{{{incident.severity}}}}"
          cases:
            High:
              name: Case
              steps:
                - compose: {{ name: Compose_{name}, value: 1 }}
"#
        )
    };
    let two = workflow(&format!("{}{}", switch("First"), switch("Second")));
    for name in ["First", "Second"] {
        let cases = &two["actions"][name]["cases"];
        assert_eq!(
            cases.as_object().map(|c| c.len()),
            Some(1),
            "{name}: {cases}"
        );
        assert_eq!(cases["Case"]["case"], "High", "{name}: {cases}");
    }

    // A generated case name avoids the playbook's action names (the designer refuses a case
    // named as an action).
    let avoided = workflow(
        r#"      - compose: { name: Case_High, value: 1 }
      - switch:
          name: Routed
          "on": "{{incident.severity}}"
          cases:
            High: []
"#,
    );
    let cases = &avoided["actions"]["Routed"]["cases"];
    assert_eq!(cases["Case_High_2"]["case"], "High", "{cases}");

    fails_on(
        &spec(
            r#"      - switch:
          name: Only
          "on": "{{incident.severity}}"
          cases:
            High: { name: Case, steps: [] }
            Low: { name: Case, steps: [] }
"#,
        ),
        "SPEC033",
        &["case name `Case` is used twice in switch `Only`"],
    );
}
