//! Failure handling and health monitoring (issue 8): retry policies (defaults, overrides,
//! limits), the Main / On_failure scopes and their notifications, diagnostic settings, and
//! the monitoring deployment; bad input rejected with a location, nothing written.

use crate::common::*;

use serde_json::{Value, json};

const HEADER: &str = r#"
deployment:
  subscription_id: 00000000-0000-0000-0000-000000000000
  resource_group: rg-soc
  workspace: { name: law-sentinel, resource_group: rg-sentinel }
connections:
  snow:
    kind: servicenow
    instance: https://contoso.service-now.com
    username: sentinel.integration
    password: { key_vault: { vault: kv-soc, secret: snow-password } }
  jira:
    kind: jira-cloud
    site: https://contoso.atlassian.net
    email: sentinel-bot@contoso.com
    api_token: { key_vault: { vault: kv-soc, secret: jira-api-token } }
  o365:
    kind: office365
"#;

const STEPS: &str = r#"    steps:
      - servicenow.create_incident:
          id: ticket
          connection: snow
          fields: { short_description: "Sentinel: {{incident.title}}" }
      - jira.create_issue: { id: issue, connection: jira, project: SEC, issue_type: Bug, summary: x }
      - if:
          condition: { equals: ["{{incident.severity}}", High] }
          then:
            - http: { method: POST, uri: "https://oncall.contoso.com/page" }
      - sentinel.add_comment: "Ticket {{ticket.number}}, issue {{issue.key}}"
"#;

/// Workflow and template of playbook `p1`.
fn build(spec: &str) -> (Value, Value) {
    let (dir, _) = build_ok(spec);
    (
        read(dir.path(), "playbooks/p1/workflow.json"),
        read(dir.path(), "playbooks/p1/azuredeploy.json"),
    )
}

/// Every action, nested ones included, by name.
fn all_actions(actions: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (name, action) in actions.as_object().unwrap() {
        out.push((name.clone(), action.clone()));
        for key in ["actions"] {
            if let Some(children) = action.get(key).filter(|c| c.is_object()) {
                out.extend(all_actions(children));
            }
        }
        if let Some(children) = action.pointer("/else/actions") {
            out.extend(all_actions(children));
        }
    }
    out
}

fn outbound(workflow: &Value) -> Vec<(String, Value)> {
    all_actions(&workflow["actions"])
        .into_iter()
        .filter(|(_, a)| a["type"] == "ApiConnection" || a["type"] == "Http")
        .collect()
}

fn default_policy() -> Value {
    json!({
        "type": "exponential",
        "count": 3,
        "interval": "PT10S",
        "minimumInterval": "PT5S",
        "maximumInterval": "PT1H"
    })
}

#[test]
fn defaults_retry_every_call_and_catch_failures_in_a_scope() {
    let (workflow, template) = build(&format!(
        "{HEADER}playbooks:\n  - name: p1\n    trigger: incident\n{STEPS}"
    ));
    let calls = outbound(&workflow);
    // ServiceNow, its ticket tag, Key Vault read, Jira, its ticket tag, HTTP (in the
    // condition), comment, failure comment.
    assert_eq!(calls.len(), 8, "{calls:#?}");
    for (name, action) in &calls {
        assert_eq!(action["inputs"]["retryPolicy"], default_policy(), "{name}");
    }

    let top: Vec<&String> = workflow["actions"].as_object().unwrap().keys().collect();
    assert_eq!(top, ["Main", "On_failure"]);
    let main = &workflow["actions"]["Main"];
    assert_eq!(main["type"], "Scope");
    // The create runs in the ticket guard's scope, inside `Main`.
    assert!(
        all_actions(&main["actions"])
            .iter()
            .any(|(name, _)| name == "Create_ServiceNow_incident")
    );
    let on_failure = &workflow["actions"]["On_failure"];
    assert_eq!(
        on_failure["runAfter"],
        json!({ "Main": ["Failed", "TimedOut"] })
    );
    let inner = &on_failure["actions"];
    assert_eq!(inner["Failed_actions"]["type"], "Query");
    assert_eq!(inner["Failed_actions"]["inputs"]["from"], "@result('Main')");
    let comment = &inner["Comment_on_failure"];
    assert_eq!(comment["inputs"]["path"], "/Incidents/Comment");
    assert_eq!(
        comment["inputs"]["body"]["incidentArmId"],
        "@triggerBody()?['object']?['id']"
    );
    // The failed action inside a ticket guard's scope first, else the top-level one.
    assert_eq!(
        inner["Failed_ticket_actions"]["inputs"]["from"],
        "@if(equals(first(body('Failed_actions'))?['name'], 'If_no_ticket_yet'), result('Open_ticket'), createArray())"
    );
    let message = comment["inputs"]["body"]["message"].as_str().unwrap();
    // The Jira guard sits in the ServiceNow guard's scope: a second level of lookup.
    assert_eq!(
        inner["Failed_ticket_actions_2"]["inputs"]["from"],
        "@if(equals(coalesce(first(body('Failed_ticket_actions')), first(body('Failed_actions')))?['name'], 'If_no_ticket_yet_2'), result('Open_ticket_2'), createArray())"
    );
    let failed = "coalesce(first(body('Failed_ticket_actions_2')), coalesce(first(body('Failed_ticket_actions')), first(body('Failed_actions'))))";
    for needle in [
        &format!("{failed}?['name']"),
        &format!("{failed}?['error']?['message']"),
        "workflow()?['run']?['name']",
        "https://portal.azure.com/#view/Microsoft_Azure_EMA/DesignerEditorConsumption.ReactView/id/@{encodeURIComponent(workflow()?['id'])}",
        "/runId/@{encodeURIComponent(workflow()?['run']?['id'])}",
    ] {
        assert!(message.contains(needle), "{needle} in {message}");
    }
    let terminate = &inner["Fail_the_run"];
    assert_eq!(terminate["type"], "Terminate");
    assert_eq!(terminate["inputs"]["runStatus"], "Failed");
    assert_eq!(
        terminate["runAfter"]["Comment_on_failure"],
        json!(["Succeeded", "Failed", "Skipped", "TimedOut"])
    );

    // Diagnostic settings: run logs and metrics to the workspace, AzureDiagnostics table.
    let settings = template["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.Insights/diagnosticSettings")
        .expect("diagnostic settings");
    assert_eq!(
        settings["scope"],
        "[format('Microsoft.Logic/workflows/{0}', parameters('PlaybookName'))]"
    );
    assert_eq!(
        settings["properties"]["workspaceId"],
        "[resourceId(parameters('WorkspaceResourceGroup'), 'Microsoft.OperationalInsights/workspaces', parameters('WorkspaceName'))]"
    );
    assert_eq!(
        settings["properties"]["logs"],
        json!([{ "category": "WorkflowRuntime", "enabled": true }])
    );
    assert_eq!(
        settings["properties"]["metrics"],
        json!([{ "category": "AllMetrics", "enabled": true }])
    );
    assert!(
        settings["properties"]
            .get("logAnalyticsDestinationType")
            .is_none()
    );
}

#[test]
fn retry_overrides_step_then_connection_then_playbook_then_defaults() {
    let spec = format!(
        r#"{HEADER}defaults:
  retry: {{ type: fixed, count: 5, interval: 1m }}
playbooks:
  - name: p1
    trigger: incident
    retry: {{ count: 7, interval: PT20S, maximum_interval: 2h }}
    steps:
      - servicenow.create_incident:
          connection: snow
          fields: {{ short_description: x }}
      - http: {{ method: GET, uri: "https://a.contoso.com", retry: none }}
      - http: {{ method: GET, uri: "https://b.contoso.com", name: B, retry: {{ type: fixed, count: 90, interval: 1d }} }}
      - sentinel.add_comment: x
  - name: p2
    trigger: incident
    steps:
      - sentinel.add_comment: x
"#
    );
    let spec = spec.replace(
        "    password: { key_vault: { vault: kv-soc, secret: snow-password } }\n",
        "    password: { key_vault: { vault: kv-soc, secret: snow-password } }\n    retry: { type: fixed, count: 10, interval: 5m }\n",
    );
    let (dir, _) = build_ok(&spec);
    let workflow = read(dir.path(), "playbooks/p1/workflow.json");
    // Every action in `Main` by name, nested ones (the ticket guard's) included.
    let main = Value::Object(
        all_actions(&workflow["actions"]["Main"]["actions"])
            .into_iter()
            .collect(),
    );
    // Connection beats playbook.
    assert_eq!(
        main["Create_ServiceNow_incident"]["inputs"]["retryPolicy"],
        json!({ "type": "fixed", "count": 10, "interval": "PT5M" })
    );
    // Step beats everything; `none` is written out (no policy would mean Logic Apps' default).
    assert_eq!(
        main["HTTP"]["inputs"]["retryPolicy"],
        json!({ "type": "none" })
    );
    assert_eq!(
        main["B"]["inputs"]["retryPolicy"],
        json!({ "type": "fixed", "count": 90, "interval": "P1D" })
    );
    // Playbook beats defaults; left-out fields take the built-in values.
    let playbook_policy = json!({
        "type": "exponential",
        "count": 7,
        "interval": "PT20S",
        "minimumInterval": "PT5S",
        "maximumInterval": "PT2H"
    });
    assert_eq!(
        main["Add_comment_to_incident"]["inputs"]["retryPolicy"],
        playbook_policy
    );
    assert_eq!(
        workflow["actions"]["On_failure"]["actions"]["Comment_on_failure"]["inputs"]["retryPolicy"],
        playbook_policy
    );
    // Another playbook gets the defaults.
    let p2 = read(dir.path(), "playbooks/p2/workflow.json");
    for (name, action) in outbound(&p2) {
        assert_eq!(
            action["inputs"]["retryPolicy"],
            json!({ "type": "fixed", "count": 5, "interval": "PT1M" }),
            "{name}"
        );
    }
}

#[test]
fn retry_count_of_100_is_an_error_with_its_location() {
    let spec = format!(
        "{HEADER}playbooks:\n  - name: p1\n    trigger: incident\n    steps:\n      - http:\n          method: GET\n          uri: https://a.contoso.com\n          retry: {{ count: 100 }}\n"
    );
    let line = spec.lines().position(|l| l.contains("count: 100")).unwrap() + 1;
    let column = spec.lines().nth(line - 1).unwrap().find("100").unwrap() + 1;
    fails_with(
        &spec,
        &[
            "SPEC090",
            "retry count 100 is outside Logic Apps' limit of 1 to 90",
            &format!("spec.yaml:{line}:{column}"),
            "`retry: none`",
        ],
    );
    // Inside a connection (a tagged enum, whose inner positions serde drops) the error
    // points at the connection.
    fails_with(
        &(HEADER.replace(
            "  o365:\n    kind: office365\n",
            "  o365:\n    kind: office365\n    retry: { count: 100 }\n",
        ) + "playbooks:\n  - name: p1\n    trigger: incident\n    steps:\n      - sentinel.add_comment: x\n"),
        &[
            "SPEC090",
            "retry count 100",
            &format!("spec.yaml:{}:", office365_line()),
        ],
    );
}

#[test]
fn retry_policies_outside_the_limits_are_errors() {
    let bad = |policy: &str, expected: &[&str]| {
        fails_with(
            &format!(
                "{HEADER}defaults:\n  retry: {policy}\nplaybooks:\n  - name: p1\n    trigger: incident\n    steps:\n      - sentinel.add_comment: x\n"
            ),
            expected,
        );
    };
    bad("{ count: 0 }", &["SPEC090", "retry count 0"]);
    bad(
        "{ interval: 2s }",
        &[
            "SPEC090",
            "retry interval `2s` is outside 5 seconds to 1 day",
        ],
    );
    bad(
        "{ maximum_interval: 2d }",
        &["SPEC090", "outside 5 seconds to 1 day"],
    );
    bad(
        "{ interval: ten }",
        &["SPEC090", "`ten` is not a duration", "PT30S"],
    );
    bad(
        "{ minimum_interval: 1h, maximum_interval: 10m }",
        &[
            "SPEC090",
            "minimum interval PT1H is longer than the maximum interval PT10M",
        ],
    );
    bad(
        "{ type: fixed, minimum_interval: 10s }",
        &[
            "SPEC090",
            "a fixed retry policy has no minimum or maximum interval",
        ],
    );
    bad("sometimes", &["SPEC002"]);
    bad("{ tries: 3 }", &["SPEC002", "tries"]);
}

#[test]
fn on_failure_variants() {
    // `none`: the steps stay at the top level.
    let (workflow, _) = build(&format!(
        "{HEADER}playbooks:\n  - name: p1\n    trigger: incident\n    on_failure: none\n    steps:\n      - sentinel.add_comment: x\n"
    ));
    let top: Vec<&String> = workflow["actions"].as_object().unwrap().keys().collect();
    assert_eq!(top, ["Add_comment_to_incident"]);

    // No incident: no comment by default, the run still ends Failed.
    let (workflow, _) = build(&format!(
        "{HEADER}playbooks:\n  - name: p1\n    trigger: alert\n    steps:\n      - http: {{ method: GET, uri: \"https://a.contoso.com\" }}\n"
    ));
    let inner: Vec<&String> = workflow["actions"]["On_failure"]["actions"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(inner, ["Failed_actions", "Fail_the_run"]);

    // Teams (webhook URL from Key Vault at run time, hidden) and e-mail.
    let (dir, _) = build_ok(&format!(
        r#"{HEADER}defaults:
  on_failure:
    comment: false
    teams: {{ webhook: {{ key_vault: {{ vault: kv-ops, secret: teams-webhook }} }} }}
    email: {{ to: [soc@contoso.com, lead@contoso.com], connection: o365 }}
playbooks:
  - name: p1
    trigger: {{ recurrence: {{ frequency: Hour, interval: 1 }} }}
    steps:
      - http: {{ method: GET, uri: "https://a.contoso.com" }}
"#
    ));
    let workflow = read(dir.path(), "playbooks/p1/workflow.json");
    let inner = &workflow["actions"]["On_failure"]["actions"];
    let names: Vec<&String> = inner.as_object().unwrap().keys().collect();
    assert_eq!(
        names,
        [
            "Failed_actions",
            "Get_Teams_webhook_URL",
            "Post_failure_to_Teams",
            "Send_failure_email",
            "Fail_the_run"
        ]
    );
    let read_secret = &inner["Get_Teams_webhook_URL"];
    assert_eq!(
        read_secret["inputs"]["path"],
        "/secrets/@{encodeURIComponent('teams-webhook')}/value"
    );
    assert_eq!(
        read_secret["runtimeConfiguration"]["secureData"]["properties"],
        json!(["inputs", "outputs"])
    );
    let post = &inner["Post_failure_to_Teams"];
    assert_eq!(
        post["inputs"]["uri"],
        "@body('Get_Teams_webhook_URL')?['value']"
    );
    assert_eq!(
        post["runtimeConfiguration"]["secureData"]["properties"],
        json!(["inputs"])
    );
    assert_eq!(
        post["inputs"]["body"]["attachments"][0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let mail = &inner["Send_failure_email"];
    assert_eq!(mail["inputs"]["path"], "/v2/Mail");
    assert_eq!(
        mail["inputs"]["body"]["To"],
        "soc@contoso.com;lead@contoso.com"
    );
    // Notifications run side by side; the run fails whatever they did.
    assert_eq!(mail["runAfter"], json!({ "Failed_actions": ["Succeeded"] }));
    assert_eq!(
        inner["Fail_the_run"]["runAfter"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["Post_failure_to_Teams", "Send_failure_email"]
    );
    let template = read(dir.path(), "playbooks/p1/azuredeploy.json");
    let apis: Vec<String> = template["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "Microsoft.Web/connections")
        .map(|r| r["properties"]["api"]["id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        apis.iter().any(|a| a.ends_with("'office365')]")),
        "{apis:?}"
    );
    assert!(apis.iter().any(|a| a.ends_with("'keyvault')]")), "{apis:?}");
    // The vault read at run time gets Key Vault Secrets User.
    assert!(
        template
            .to_string()
            .contains("4633458b-17de-408a-b874-0445c86b69e6")
    );
}

#[test]
fn nesting_deeper_than_logic_apps_allows_counts_the_failure_scope() {
    // Eight nested scopes: the limit without `Main`, one too many with it.
    let nested = |on_failure: &str| {
        let mut body = "sentinel.add_comment: x".to_string();
        for _ in 0..8 {
            body = format!("scope: {{ steps: [ {{ {body} }} ] }}");
        }
        format!(
            "{HEADER}playbooks:\n  - name: p1\n    trigger: incident\n{on_failure}    steps:\n      - {body}\n"
        )
    };
    build(&nested("    on_failure: none\n"));
    fails_with(
        &nested(""),
        &["SPEC046", "9 container actions", "`on_failure: none`"],
    );
}

#[test]
fn on_failure_errors() {
    fails_with(
        &format!(
            "{HEADER}playbooks:\n  - name: p1\n    trigger: alert\n    on_failure: {{ comment: true }}\n    steps:\n      - http: {{ method: GET, uri: \"https://a.contoso.com\" }}\n"
        ),
        &["SPEC091", "needs an incident", "spec.yaml:"],
    );
    fails_with(
        &format!(
            "{HEADER}playbooks:\n  - name: p1\n    trigger: incident\n    on_failure: {{ email: {{ to: [not-an-address], connection: snow }} }}\n    steps:\n      - sentinel.add_comment: x\n"
        ),
        &[
            "SPEC091",
            "`not-an-address` is not an e-mail address",
            "SPEC041",
            "office365",
        ],
    );
    // One item is one recipient: a `;` would add a second one to the failure e-mail.
    fails_with(
        &format!(
            "{HEADER}playbooks:\n  - name: p1\n    trigger: incident\n    on_failure: {{ email: {{ to: [\"soc@contoso.com;x\"], connection: snow }} }}\n    steps:\n      - sentinel.add_comment: x\n"
        ),
        &["SPEC091", "`soc@contoso.com;x` is not an e-mail address"],
    );
    fails_with(
        &format!(
            "{HEADER}playbooks:\n  - name: p1\n    trigger: incident\n    on_failure: always\n    steps:\n      - sentinel.add_comment: x\n"
        ),
        &["SPEC002"],
    );
}

/// Line of the `office365` connection's body in a spec starting with `HEADER`.
fn office365_line() -> usize {
    HEADER
        .lines()
        .position(|l| l.contains("kind: office365"))
        .unwrap()
        + 1
}

const MONITORING: &str = r#"monitoring:
  workbook: true
  alert: { failures: 3, window: 30m, emails: [soc@contoso.com], severity: 1 }
playbooks:
  - name: p1
    trigger: incident
    steps:
      - sentinel.add_comment: x
"#;

#[test]
fn monitoring_deploys_workbook_alert_and_action_group() {
    let (dir, _) = build_ok(&format!("{HEADER}{MONITORING}"));
    for file in [
        "azuredeploy.json",
        "azuredeploy.parameters.json",
        "main.bicep",
        "main.bicepparam",
    ] {
        assert!(
            dir.path().join("out/monitoring").join(file).is_file(),
            "{file}"
        );
    }
    let template = read(dir.path(), "monitoring/azuredeploy.json");
    let resources = template["resources"].as_array().unwrap();
    let of = |kind: &str| resources.iter().find(|r| r["type"] == kind).unwrap();

    let workbook = of("Microsoft.Insights/workbooks");
    assert_eq!(workbook["kind"], "shared");
    assert_eq!(
        workbook["name"],
        "[guid(resourceGroup().id, 'soarc-playbook-health')]"
    );
    assert_eq!(workbook["properties"]["category"], "sentinel");
    let data: Value =
        serde_json::from_str(workbook["properties"]["serializedData"].as_str().unwrap()).unwrap();
    assert_eq!(data["version"], "Notebook/1.0");
    let queries: Vec<&str> = data["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == 3)
        .map(|i| i["content"]["query"].as_str().unwrap())
        .collect();
    assert_eq!(queries.len(), 4);
    // The guide's query, on run events.
    assert!(
        queries[0].starts_with("AzureDiagnostics\n| where ResourceProvider == \"MICROSOFT.LOGIC\"")
    );
    assert!(queries[0].contains("Running = countif(status_s == \"Running\")"));
    assert!(queries[0].contains("by resource_workflowName_s, bin(TimeGenerated, 1h)"));
    assert!(queries[1].contains("FailureRate"));

    let group = of("Microsoft.Insights/actionGroups");
    assert_eq!(group["location"], "Global");
    assert_eq!(
        group["properties"]["emailReceivers"][0]["emailAddress"],
        "soc@contoso.com"
    );
    let rule = of("Microsoft.Insights/scheduledQueryRules");
    assert_eq!(rule["kind"], "LogAlert");
    assert_eq!(rule["properties"]["windowSize"], "PT30M");
    assert_eq!(rule["properties"]["severity"], 1);
    let criterion = &rule["properties"]["criteria"]["allOf"][0];
    assert_eq!(criterion["threshold"], 3);
    assert_eq!(criterion["operator"], "GreaterThanOrEqual");
    assert_eq!(
        criterion["dimensions"][0]["name"],
        "resource_workflowName_s"
    );
    assert_eq!(
        rule["properties"]["actions"]["actionGroups"][0],
        "[resourceId('Microsoft.Insights/actionGroups', 'soarc-playbook-alerts')]"
    );
    let parameters = read(dir.path(), "monitoring/azuredeploy.parameters.json");
    assert_eq!(
        parameters["parameters"]["WorkspaceName"]["value"],
        "law-sentinel"
    );
    assert_eq!(
        parameters["parameters"]["WorkspaceResourceGroup"]["value"],
        "rg-sentinel"
    );

    // Dropping `monitoring:` removes the folder on the next build (soarc owns it).
    let spec = format!("{HEADER}{MONITORING}").replace(
        "monitoring:\n  workbook: true\n  alert: { failures: 3, window: 30m, emails: [soc@contoso.com], severity: 1 }\n",
        "",
    );
    write(dir.path(), "spec.yaml", &spec);
    let check = soarc(
        &["build", "spec.yaml", "--out", "out", "--check"],
        dir.path(),
    );
    assert_eq!(check.status.code(), Some(1));
    let output = soarc(&["build", "spec.yaml", "--out", "out"], dir.path());
    assert!(output.status.success());
    assert!(!dir.path().join("out/monitoring/azuredeploy.json").exists());
}

#[test]
fn monitoring_errors() {
    fails_with(
        &format!("{HEADER}{MONITORING}").replace(
            "alert: { failures: 3, window: 30m, emails: [soc@contoso.com], severity: 1 }",
            "alert: { failures: 0, window: 2m, emails: [nobody], severity: 9 }",
        ),
        &[
            "SPEC092",
            "alert threshold 0",
            "alert window `2m` is outside 5 minutes to 1 day",
            "`nobody` is not an e-mail address",
            "alert severity 9",
        ],
    );
    // Without a workspace there is nothing to monitor.
    let no_workspace = MONITORING.to_string();
    fails_with(&no_workspace, &["SPEC092", "deployment.workspace"]);
}

#[test]
fn no_workspace_means_no_diagnostic_settings_and_a_warning() {
    let spec = "playbooks:\n  - name: p1\n    trigger: { recurrence: { frequency: Hour, interval: 1 } }\n    steps:\n      - http: { method: GET, uri: \"https://a.contoso.com\" }\n";
    let (dir, stderr) = build_ok(spec);
    assert!(stderr.contains("SPEC072"), "{stderr}");
    let template = read(dir.path(), "playbooks/p1/azuredeploy.json");
    assert!(!template.to_string().contains("diagnosticSettings"));
    assert!(template["parameters"].get("WorkspaceName").is_none());
}
