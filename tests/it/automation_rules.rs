//! Automation rules: every semantic check with a spec that passes and one that fails (with
//! its code and position), the CLI's handling of warnings, and the az script's quoting.

use crate::common;
use crate::common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

const HEAD: &str = r#"deployment:
  subscription_id: 00000000-0000-0000-0000-000000000000
  resource_group: rg-soc
  workspace: { name: law-sentinel }
  security_insights_object_id: 11111111-2222-3333-4444-555555555555
playbooks:
  - name: on-incident
    trigger: incident
    steps:
      - sentinel.add_comment: "Seen {{incident.title}}"
  - name: on-alert
    trigger: alert
    steps:
      - compose: { id: c, value: "{{alert.display_name}}" }
automation_rules:
"#;

/// Build HEAD + `rules` (YAML list items, indented 2) and expect an error `code` whose
/// line holds each of `needles`.
#[track_caller]
fn fails(rules: &str, code: &str, needles: &[&str]) {
    fails_on(&format!("{HEAD}{rules}"), code, needles);
}

/// Build HEAD + `rules` and expect success.
#[track_caller]
fn builds(rules: &str) -> soarc_compiler::build::Built {
    common::builds(&format!("{HEAD}{rules}"))
}

/// The compiled rules of a build, from its ARM template.
fn rules_of(built: &soarc_compiler::build::Built) -> Vec<Value> {
    let template = built_json(built, "automation-rules/azuredeploy.json");
    let deployment = template["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "soarc-automation-rules")
        .unwrap();
    deployment["properties"]["template"]["resources"]
        .as_array()
        .unwrap()
        .clone()
}

const RUN_INCIDENT: &str = "    actions: [ { run_playbook: on-incident } ]\n";

#[test]
fn run_playbook_must_name_a_spec_playbook() {
    let built = builds(&format!(
        "  - name: r\n    order: 1\n    when: created\n{RUN_INCIDENT}"
    ));
    let rule = &rules_of(&built)[0];
    assert_eq!(
        rule["properties"]["actions"][0],
        json!({
            "order": 1,
            "actionType": "RunPlaybook",
            "actionConfiguration": {
                "logicAppResourceId": "[resourceId(parameters('playbooksResourceGroup'), 'Microsoft.Logic/workflows', 'on-incident')]",
                "tenantId": "[subscription().tenantId]"
            }
        })
    );
    assert_eq!(rule["name"], soarc_compiler::automation::rule_id("r"));
    fails(
        "  - name: r\n    order: 1\n    when: created\n    actions: [ { run_playbook: on-incidnet } ]\n",
        "RULE001",
        &["spec.yaml:", "on-incidnet", "did you mean `on-incident`?"],
    );
    // External playbooks are taken as given, if they are Logic App ids.
    builds(
        "  - name: r\n    order: 1\n    when: created\n    actions: [ { run_playbook: { resource_id: /subscriptions/0/resourceGroups/rg/providers/Microsoft.Logic/workflows/x } } ]\n",
    );
    fails(
        "  - name: r\n    order: 1\n    when: created\n    actions: [ { run_playbook: { resource_id: not-an-id } } ]\n",
        "RULE008",
        &["not the resource id of a Logic App"],
    );
}

#[test]
fn playbook_trigger_must_match_what_the_rule_watches() {
    builds(
        "  - name: r\n    order: 1\n    on: alerts\n    when: created\n    actions: [ { run_playbook: on-alert } ]\n",
    );
    fails(
        "  - name: r\n    order: 1\n    when: created\n    actions: [ { run_playbook: on-alert } ]\n",
        "RULE002",
        &["spec.yaml:19:32", "runs on incidents", "`on-alert`"],
    );
    fails(
        "  - name: r\n    order: 1\n    on: alerts\n    when: created\n    actions: [ { run_playbook: on-incident } ]\n",
        "RULE002",
        &["runs on alerts"],
    );
}

#[test]
fn change_conditions_need_when_updated() {
    let built = builds(&format!(
        "  - name: r\n    order: 1\n    when: updated\n    conditions: {{ severity_changed_to: High, status_changed_from: [New], owner_changed: true, alerts_added: true, comments_added: true }}\n{RUN_INCIDENT}"
    ));
    let conditions = &rules_of(&built)[0]["properties"]["triggeringLogic"]["conditions"];
    assert_eq!(
        conditions[0],
        json!({ "conditionType": "PropertyChanged", "conditionProperties": { "propertyName": "IncidentSeverity", "changeType": "ChangedTo", "operator": "Equals", "propertyValues": ["High"] } })
    );
    assert_eq!(
        conditions[3],
        json!({ "conditionType": "PropertyArrayChanged", "conditionProperties": { "arrayType": "Alerts", "changeType": "Added" } })
    );
    fails(
        &format!(
            "  - name: r\n    order: 1\n    when: created\n    conditions:\n      tactics_added: true\n{RUN_INCIDENT}"
        ),
        "RULE003",
        &["spec.yaml:20:22", "`tactics_added`", "when: created"],
    );
    // Inside groups too.
    fails(
        &format!(
            "  - name: r\n    order: 1\n    when: created\n    conditions:\n      any: [ {{ severity: [High] }}, {{ status_changed_to: Active }} ]\n{RUN_INCIDENT}"
        ),
        "RULE003",
        &["`status_changed_to`"],
    );
}

#[test]
fn closing_requires_a_classification() {
    let built = builds(
        "  - name: r\n    order: 1\n    when: created\n    actions:\n      - modify: { status: Closed, classification: FalsePositive, classification_reason: InaccurateData, classification_comment: noise }\n",
    );
    assert_eq!(
        rules_of(&built)[0]["properties"]["actions"][0]["actionConfiguration"],
        json!({ "status": "Closed", "classification": "FalsePositive", "classificationReason": "InaccurateData", "classificationComment": "noise" })
    );
    fails(
        "  - name: r\n    order: 1\n    when: created\n    actions:\n      - modify: { status: Closed }\n",
        "RULE004",
        &["spec.yaml:20:27", "requires a classification"],
    );
    fails(
        "  - name: r\n    order: 1\n    when: created\n    actions:\n      - modify: { status: Closed, classification: TruePositive, classification_reason: InaccurateData }\n",
        "RULE004",
        &["does not go with", "SuspiciousActivity"],
    );
    fails(
        "  - name: r\n    order: 1\n    when: created\n    actions:\n      - modify: { status: Active, classification: TruePositive }\n",
        "RULE004",
        &["only set when closing"],
    );
}

#[test]
fn duplicate_orders_warn_but_build() {
    let unique = builds(&format!(
        "  - name: a\n    order: 1\n    when: created\n{RUN_INCIDENT}  - name: b\n    order: 2\n    when: created\n{RUN_INCIDENT}"
    ));
    assert!(unique.warnings.is_empty(), "{:?}", unique.warnings);
    let built = builds(&format!(
        "  - name: a\n    order: 1\n    when: created\n{RUN_INCIDENT}  - name: b\n    order: 1\n    when: created\n{RUN_INCIDENT}"
    ));
    let warnings = one_lines(&built.warnings, &built.sources);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("warning[RULE005]") && warnings[0].contains("same order 1"),
        "{}",
        warnings[0]
    );
    assert_eq!(rules_of(&built).len(), 2);
}

#[test]
fn alert_rules_only_run_playbooks() {
    builds(
        "  - name: r\n    order: 1\n    on: alerts\n    when: created\n    conditions: { analytics_rule_ids: [6c9b2e4a-3f1d-4b8e-9a57-1d2c3e4f5a6b] }\n    actions: [ { run_playbook: on-alert } ]\n",
    );
    fails(
        "  - name: r\n    order: 1\n    on: alerts\n    when: created\n    actions:\n      - add_task: { title: Look }\n",
        "RULE006",
        &["spec.yaml:21:9", "only runs playbooks"],
    );
    fails(
        "  - name: r\n    order: 1\n    on: alerts\n    when: updated\n    actions: [ { run_playbook: on-alert } ]\n",
        "RULE009",
        &["only triggers on creation"],
    );
}

#[test]
fn limits_are_enforced() {
    let twenty = "      - add_task: { title: t }\n".repeat(20);
    builds(&format!(
        "  - name: r\n    order: 1000\n    when: created\n    actions:\n{twenty}"
    ));
    fails(
        &format!(
            "  - name: r\n    order: 1\n    when: created\n    actions:\n{twenty}      - add_task: {{ title: t }}\n"
        ),
        "RULE007",
        &["spec.yaml:40:9", "21 actions"],
    );
    fails(
        &format!("  - name: r\n    order: 1001\n    when: created\n{RUN_INCIDENT}"),
        "RULE007",
        &["spec.yaml:17:12", "order 1001"],
    );
    fails(
        &format!(
            "  - name: r\n    order: 1\n    when: created\n    conditions: {{ any: [ {{ severity: High }} ] }}\n{RUN_INCIDENT}"
        ),
        "RULE007",
        &["2 to 10"],
    );
    fails(
        &format!(
            "  - name: r\n    display_name: {}\n    order: 1\n    when: created\n{RUN_INCIDENT}",
            "x".repeat(501)
        ),
        "RULE007",
        &["501 characters"],
    );
}

#[test]
fn values_are_checked() {
    let built = builds(&format!(
        "  - name: r\n    order: 1\n    enabled: false\n    expires: 2026-12-31T23:59:59Z\n    when: created\n{RUN_INCIDENT}"
    ));
    let logic = &rules_of(&built)[0]["properties"]["triggeringLogic"];
    assert_eq!(logic["isEnabled"], false);
    assert_eq!(logic["expirationTimeUtc"], "2026-12-31T23:59:59Z");
    fails(
        &format!(
            "  - name: r\n    order: 1\n    expires: 31.12.2026\n    when: created\n{RUN_INCIDENT}"
        ),
        "RULE008",
        &["spec.yaml:18:14", "not a UTC date-time"],
    );
    fails(
        &format!(
            "  - name: r\n    display_name: ' '\n    order: 1\n    when: created\n{RUN_INCIDENT}"
        ),
        "RULE008",
        &["display name", "is empty"],
    );
    fails(
        "  - name: r\n    order: 1\n    when: created\n    actions: [ { modify: { owner: { email: a@b.c, object_id: nope } } } ]\n",
        "RULE008",
        &["not a GUID"],
    );
    let eleven = (1..=11)
        .map(|i| {
            format!("{{ where: [ {{ property: HostName, operator: Equals, values: [h{i}] }} ] }}")
        })
        .collect::<Vec<_>>()
        .join(", ");
    fails(
        &format!(
            "  - name: r\n    order: 1\n    when: created\n    conditions: {{ any: [ {eleven} ] }}\n{RUN_INCIDENT}"
        ),
        "RULE007",
        &["11 conditions", "2 to 10"],
    );
}

#[test]
fn unknown_property_and_operator_names_get_suggestions() {
    let built = builds(&format!(
        "  - name: r\n    order: 1\n    when: created\n    conditions:\n      where: [ {{ property: HostName, operator: NotStartsWith, values: [dc-] }} ]\n      custom_details: [ {{ key: Department, values: [Finance] }} ]\n{RUN_INCIDENT}"
    ));
    let conditions = &rules_of(&built)[0]["properties"]["triggeringLogic"]["conditions"];
    assert_eq!(
        conditions[1]["conditionProperties"],
        json!({ "propertyName": "HostName", "operator": "NotStartsWith", "propertyValues": ["dc-"] })
    );
    assert_eq!(conditions[0]["conditionType"], "PropertyArray");
    fails(
        &format!(
            "  - name: r\n    order: 1\n    when: created\n    conditions: {{ severty: [High] }}\n{RUN_INCIDENT}"
        ),
        "SPEC002",
        &["spec.yaml:", "did you mean `severity`?"],
    );
    fails(
        &format!(
            "  - name: r\n    order: 1\n    when: created\n    conditions:\n      where: [ {{ property: HostNmae, operator: Equals, values: [x] }} ]\n{RUN_INCIDENT}"
        ),
        "SPEC002",
        &["did you mean `HostName`?"],
    );
    fails(
        &format!(
            "  - name: r\n    order: 1\n    when: created\n    conditions:\n      where: [ {{ property: HostName, operator: StartWith, values: [x] }} ]\n{RUN_INCIDENT}"
        ),
        "SPEC002",
        &["did you mean `StartsWith`?"],
    );
}

#[test]
fn rule_names_are_unique_across_files() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.yaml");
    let b = dir.path().join("b.yaml");
    std::fs::write(
        &a,
        format!("{HEAD}  - name: r\n    order: 1\n    when: created\n{RUN_INCIDENT}"),
    )
    .unwrap();
    std::fs::write(
        &b,
        format!("automation_rules:\n  - name: r\n    order: 2\n    when: created\n{RUN_INCIDENT}"),
    )
    .unwrap();
    let failure = soarc_compiler::build::build(&[&a, &b]).unwrap_err();
    let text = one_lines(&failure.diagnostics, &failure.sources);
    assert!(
        text.iter().any(
            |t| t.contains("automation rule `r` is defined more than once")
                && t.contains("b.yaml:2:")
        ),
        "{text:#?}"
    );
}

#[test]
fn warnings_print_and_the_build_succeeds() {
    let (dir, stderr) = build_ok(&format!(
        "{HEAD}  - name: a\n    order: 5\n    when: created\n{RUN_INCIDENT}  - name: b\n    order: 5\n    when: created\n{RUN_INCIDENT}"
    ));
    assert!(stderr.contains("RULE005"), "{stderr}");
    assert!(
        dir.path()
            .join("out/automation-rules/azuredeploy.json")
            .is_file()
    );
    assert!(
        dir.path()
            .join("out/automation-rules/az-commands.sh")
            .is_file()
    );
}

/// Run az-commands.sh with a fake `az` that records its arguments, and check they are the
/// ARM template's values, whatever quotes, `$` or backticks the spec's strings hold.
#[test]
fn az_script_arguments_round_trip() {
    if Command::new("bash").arg("--version").output().is_err() {
        eprintln!("NOTICE: bash not found; az-commands.sh not executed");
        return;
    }
    let tricky = r#"Ticket for "high" severity: it's $HOME `id` \n [x]"#;
    let built = builds(&format!(
        "  - name: r\n    display_name: '{}'\n    order: 1\n    when: created\n    conditions: {{ title_contains: \"it's $(id)\" }}\n    actions:\n      - run_playbook: on-incident\n      - add_task: {{ title: '[Sentinel] it''s [x]', description: \"a\\\"b\" }}\n",
        tricky.replace('\'', "''")
    ));
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let log = dir.path().join("calls");
    let fake = bin.join("az");
    std::fs::write(
        &fake,
        format!(
            "#!/usr/bin/env bash\nfor a in \"$@\"; do printf '%s\\0' \"$a\" >> {log}; done\nprintf '\\n\\0' >> {log}\n",
            log = log.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let script: PathBuf = dir.path().join("az-commands.sh");
    std::fs::write(
        &script,
        &built.files.files[Path::new("automation-rules/az-commands.sh")],
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let status = Command::new("bash")
        .arg(&script)
        .env("PATH", &path)
        .env("SUBSCRIPTION_ID", "sub-1")
        .env("TENANT_ID", "tenant-1")
        .env("SECURITY_INSIGHTS_OBJECT_ID", "sp-1")
        .status()
        .unwrap();
    assert!(status.success());
    let calls = std::fs::read(&log).unwrap();
    let calls: Vec<Vec<String>> = String::from_utf8(calls)
        .unwrap()
        .split("\n\0")
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.split('\0')
                .filter(|a| !a.is_empty())
                .map(String::from)
                .collect()
        })
        .collect();
    assert_eq!(calls.len(), 2, "{calls:#?}");
    assert_eq!(&calls[0][..3], ["role", "assignment", "create"]);
    assert!(calls[0].contains(&"/subscriptions/sub-1/resourceGroups/rg-soc".to_string()));
    assert!(calls[0].contains(&"sp-1".to_string()));
    let put = &calls[1];
    let arg = |flag: &str| {
        let i = put
            .iter()
            .position(|a| a == flag)
            .unwrap_or_else(|| panic!("{flag} in {put:?}"));
        put[i + 1].clone()
    };
    assert_eq!(&put[..3], ["rest", "--method", "put"]);
    assert_eq!(
        arg("--uri"),
        format!(
            "https://management.azure.com/subscriptions/sub-1/resourceGroups/rg-soc/providers/Microsoft.OperationalInsights/workspaces/law-sentinel/providers/Microsoft.SecurityInsights/automationRules/{}?api-version=2025-09-01",
            soarc_compiler::automation::rule_id("r")
        )
    );
    let body: Value = serde_json::from_str(&arg("--body")).unwrap();
    // The ARM rule with its two expressions substituted and ARM's `[[` escape undone.
    fn substitute(value: &Value) -> Value {
        match value {
            Value::String(s) if s == "[subscription().tenantId]" => json!("tenant-1"),
            Value::String(s) if s.starts_with("[resourceId(parameters('playbooksResourceGroup'), 'Microsoft.Logic/workflows', '") => {
                let name = s.split('\'').nth(5).unwrap();
                json!(format!("/subscriptions/sub-1/resourceGroups/rg-soc/providers/Microsoft.Logic/workflows/{name}"))
            }
            Value::String(s) if s.starts_with("[[") => json!(s[1..]),
            Value::String(s) => {
                assert!(!s.starts_with('['), "unexpected expression {s}");
                value.clone()
            }
            Value::Array(items) => Value::Array(items.iter().map(substitute).collect()),
            Value::Object(map) => Value::Object(
                map.iter().map(|(k, v)| (k.clone(), substitute(v))).collect(),
            ),
            other => other.clone(),
        }
    }
    let rule = &rules_of(&built)[0]["properties"];
    assert_eq!(body, json!({ "properties": substitute(rule) }));
    let properties = &body["properties"];
    assert_eq!(properties["displayName"], tricky);
    assert_eq!(
        properties["triggeringLogic"]["conditions"][0]["conditionProperties"]["propertyValues"][0],
        "it's $(id)"
    );
    assert_eq!(
        properties["actions"][0]["actionConfiguration"],
        json!({
            "logicAppResourceId": "/subscriptions/sub-1/resourceGroups/rg-soc/providers/Microsoft.Logic/workflows/on-incident",
            "tenantId": "tenant-1"
        })
    );
    // ARM escapes a leading `[` as `[[`; the REST API gets the text as written.
    assert_eq!(
        rule["actions"][1]["actionConfiguration"]["title"],
        "[[Sentinel] it's [x]"
    );
    assert_eq!(
        properties["actions"][1]["actionConfiguration"],
        json!({ "title": "[Sentinel] it's [x]", "description": "a\"b" })
    );

    // GRANT_PLAYBOOK_RUNNER_ROLE=false skips the role assignment.
    std::fs::remove_file(&log).unwrap();
    let status = Command::new("bash")
        .arg(&script)
        .env("PATH", &path)
        .env("SUBSCRIPTION_ID", "sub-1")
        .env("TENANT_ID", "tenant-1")
        .env("GRANT_PLAYBOOK_RUNNER_ROLE", "false")
        .status()
        .unwrap();
    assert!(status.success());
    let calls = String::from_utf8(std::fs::read(&log).unwrap()).unwrap();
    assert!(!calls.contains("assignment"), "{calls}");
    assert!(calls.starts_with("rest\0"), "{calls}");
}

/// The file `path` of a build's automation rules.
fn rules_file<'b>(built: &'b soarc_compiler::build::Built, path: &str) -> &'b String {
    &built.files.files[Path::new("automation-rules").join(path).as_path()]
}

#[test]
fn security_insights_object_id_and_role_grant_come_from_the_spec() {
    let rule = format!("  - name: r\n    order: 1\n    when: created\n{RUN_INCIDENT}");
    let built = builds(&rule);
    let parameters: Value =
        serde_json::from_str(rules_file(&built, "azuredeploy.parameters.json")).unwrap();
    assert_eq!(
        parameters["parameters"]["SecurityInsightsObjectId"]["value"],
        "11111111-2222-3333-4444-555555555555"
    );
    assert!(
        parameters["parameters"]
            .get("GrantPlaybookRunnerRole")
            .is_none()
    );
    let bicepparam = rules_file(&built, "main.bicepparam");
    assert!(
        bicepparam
            .contains("param SecurityInsightsObjectId = '11111111-2222-3333-4444-555555555555'"),
        "{bicepparam}"
    );
    let template: Value = serde_json::from_str(rules_file(&built, "azuredeploy.json")).unwrap();
    assert_eq!(
        template["parameters"]["GrantPlaybookRunnerRole"]["defaultValue"],
        "[true()]"
    );
    assert_eq!(
        template["resources"][0]["condition"],
        "[parameters('GrantPlaybookRunnerRole')]"
    );
    let main = rules_file(&built, "main.bicep");
    assert!(
        main.contains("param GrantPlaybookRunnerRole bool = true"),
        "{main}"
    );
    assert!(main.contains("= if (GrantPlaybookRunnerRole) {"), "{main}");

    // Without the object id: the environment, and a warning.
    let without = HEAD.replace(
        "  security_insights_object_id: 11111111-2222-3333-4444-555555555555\n",
        "  grant_playbook_runner_role: false\n",
    );
    let built = common::builds(&format!("{without}{rule}"));
    let warnings = one_lines(&built.warnings, &built.sources);
    assert!(
        warnings.len() == 1 && warnings[0].contains("warning[SPEC073]"),
        "{warnings:?}"
    );
    let parameters: Value =
        serde_json::from_str(rules_file(&built, "azuredeploy.parameters.json")).unwrap();
    assert!(
        parameters["parameters"]
            .get("SecurityInsightsObjectId")
            .is_none()
    );
    assert_eq!(
        parameters["parameters"]["GrantPlaybookRunnerRole"]["value"],
        false
    );
    let bicepparam = rules_file(&built, "main.bicepparam");
    assert!(
        bicepparam.contains(
            "param SecurityInsightsObjectId = readEnvironmentVariable('SECURITY_INSIGHTS_OBJECT_ID')"
        ),
        "{bicepparam}"
    );
    assert!(
        bicepparam.contains("param GrantPlaybookRunnerRole = false"),
        "{bicepparam}"
    );
    let script = rules_file(&built, "az-commands.sh");
    assert!(
        script.contains("GRANT_PLAYBOOK_RUNNER_ROLE=${GRANT_PLAYBOOK_RUNNER_ROLE:-false}"),
        "{script}"
    );

    // Not a GUID.
    let bad = HEAD.replace("11111111-2222-3333-4444-555555555555", "my-sp");
    let errors = build_errors(&format!("{bad}{rule}"));
    assert!(
        errors.iter().any(|e| e.contains("error[SPEC074]")),
        "{errors:?}"
    );
}

#[test]
fn rules_without_spec_playbooks_have_no_playbook_parameters() {
    let built = builds(
        "  - name: r\n    order: 1\n    when: created\n    actions: [ { add_task: { title: t } } ]\n",
    );
    assert!(built.warnings.is_empty(), "{:?}", built.warnings);
    let text = rules_file(&built, "azuredeploy.json");
    assert!(!text.contains("laybooksResourceGroup"), "{text}");
    assert!(!text.contains("SecurityInsightsObjectId"), "{text}");
    assert!(!text.contains("GrantPlaybookRunnerRole"), "{text}");
    let script = rules_file(&built, "az-commands.sh");
    assert!(!script.contains("role assignment"), "{script}");
}
