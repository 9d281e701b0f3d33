//! The command line as users and pipelines drive it: exit codes, messages with
//! file:line:col and suggestions, and nothing written when a build fails.

use crate::common::*;

const GOOD: &str = r#"
deployment:
  subscription_id: 00000000-0000-0000-0000-000000000000
  resource_group: rg-soc
  workspace: { name: law-sentinel }
connections:
  snow:
    kind: servicenow
    instance: https://contoso.service-now.com
    username: sentinel.integration
    password: { key_vault: { vault: kv-soc, secret: snow-password } }
playbooks:
  - name: p1
    trigger: incident
    steps:
      - servicenow.create_incident:
          id: ticket
          connection: snow
          fields: { short_description: "Sentinel: {{incident.title}}" }
      - sentinel.add_comment: "Ticket {{ticket.number}}"
"#;

#[test]
fn good_spec_builds_and_check_passes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "spec.yaml", GOOD);
    let output = soarc(&["build", "spec.yaml", "--out", "out"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let said = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(!said.contains("reused"), "{said}");
    // A second build reuses the playbook and says so.
    let again = soarc(&["build", "spec.yaml", "--out", "out"], dir.path());
    assert!(again.status.success(), "{}", stderr(&again));
    let said = String::from_utf8_lossy(&again.stdout).into_owned();
    assert!(said.contains("0 written"), "{said}");
    assert!(
        said.contains("reused 1 of 1 playbook(s) unchanged since the last build"),
        "{said}"
    );
    for file in [
        "workflow.json",
        "azuredeploy.json",
        "azuredeploy.parameters.json",
    ] {
        assert!(
            dir.path().join("out/playbooks/p1").join(file).is_file(),
            "{file}"
        );
    }
    let check = soarc(
        &["build", "spec.yaml", "--out", "out", "--check"],
        dir.path(),
    );
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
}

#[test]
fn check_reports_stale_missing_and_extra_files_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    // A playbook `old` that the spec then drops: its files are soarc's (in the manifest).
    write(
        dir.path(),
        "spec.yaml",
        &format!(
            "{GOOD}  - name: old\n    trigger: incident\n    steps:\n      - sentinel.add_comment: x\n"
        ),
    );
    assert!(
        soarc(&["build", "spec.yaml", "--out", "out"], dir.path())
            .status
            .success()
    );
    write(dir.path(), "spec.yaml", GOOD);
    let workflow = dir.path().join("out/playbooks/p1/workflow.json");
    std::fs::write(&workflow, "edited by hand").unwrap();
    std::fs::remove_file(
        dir.path()
            .join("out/playbooks/p1/azuredeploy.parameters.json"),
    )
    .unwrap();

    let check = soarc(
        &["build", "spec.yaml", "--out", "out", "--check"],
        dir.path(),
    );
    assert_eq!(check.status.code(), Some(1));
    let listed = String::from_utf8_lossy(&check.stdout);
    assert!(
        listed.contains("changed: playbooks/p1/workflow.json"),
        "{listed}"
    );
    assert!(
        listed.contains("missing: playbooks/p1/azuredeploy.parameters.json"),
        "{listed}"
    );
    assert!(
        listed.contains("no longer generated: playbooks/old/workflow.json"),
        "{listed}"
    );
    assert_eq!(
        std::fs::read_to_string(&workflow).unwrap(),
        "edited by hand",
        "--check must not write"
    );

    // A real build stops at the edited file (exit 2, named); with --take-over it repairs all
    // three.
    let stopped = soarc(&["build", "spec.yaml", "--out", "out"], dir.path());
    assert_eq!(stopped.status.code(), Some(2));
    assert!(stderr(&stopped).contains("p1/workflow.json was edited since soarc wrote it"));
    assert!(
        soarc(
            &["build", "spec.yaml", "--out", "out", "--take-over"],
            dir.path()
        )
        .status
        .success()
    );
    let again = soarc(
        &["build", "spec.yaml", "--out", "out", "--check"],
        dir.path(),
    );
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    assert!(!dir.path().join("out/playbooks/old").exists());
}

#[test]
fn failed_build_leaves_previous_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "spec.yaml", GOOD);
    assert!(
        soarc(&["build", "spec.yaml", "--out", "out"], dir.path())
            .status
            .success()
    );
    let before = std::fs::read(dir.path().join("out/playbooks/p1/workflow.json")).unwrap();
    write(
        dir.path(),
        "spec.yaml",
        &GOOD.replace("{{incident.title}}", "{{incident.titel}}"),
    );
    let output = soarc(&["build", "spec.yaml", "--out", "out"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let after = std::fs::read(dir.path().join("out/playbooks/p1/workflow.json")).unwrap();
    assert_eq!(before, after);
}

#[test]
fn unknown_reference_points_at_it_with_a_suggestion() {
    fails_with(
        &GOOD.replace("{{incident.title}}", "{{incident.titel}}"),
        &[
            "SPEC051",
            "unknown reference `{{incident.titel}}`",
            "spec.yaml:19:",
            "did you mean `{{incident.title}}`?",
        ],
    );
}

#[test]
fn unknown_step_output_and_step_defined_later() {
    fails_with(
        &GOOD.replace("{{ticket.number}}", "{{ticket.numbr}}"),
        &["did you mean `{{ticket.number}}`?"],
    );
    fails_with(
        &GOOD.replace("{{ticket.number}}", "{{tikcet.number}}"),
        &["did you mean `ticket`?"],
    );
}

#[test]
fn reference_not_provided_by_the_trigger() {
    fails_with(
        &GOOD
            .replace(
                "trigger: incident",
                "trigger: { recurrence: { frequency: Hour, interval: 1 } }",
            )
            .replace(
                "      - sentinel.add_comment: \"Ticket {{ticket.number}}\"\n",
                "",
            ),
        &[
            "`{{incident.title}}` is not available",
            "provides no payload",
        ],
    );
}

#[test]
fn malformed_yaml() {
    fails_with(
        "playbooks:\n  - name: p1\n    trigger: \"incident\n",
        &["SPEC002", "spec.yaml:"],
    );
}

#[test]
fn list_where_a_mapping_belongs() {
    fails_with(
        "connections:\n  - snow\n",
        &["expected a mapping", "spec.yaml:2:3"],
    );
}

#[test]
fn unknown_key_suggests_the_right_one() {
    fails_with(
        &GOOD.replace("    steps:", "    stepz:"),
        &[
            "unknown field `stepz`",
            "did you mean `steps`?",
            "spec.yaml:15:5",
        ],
    );
    fails_with(
        &GOOD.replace("short_description", "short_descripton"),
        &["did you mean `short_description`?"],
    );
}

#[test]
fn wrong_types() {
    fails_with(
        &GOOD.replace("trigger: incident", "trigger: incidnet"),
        &["unknown variant `incidnet`", "did you mean `incident`?"],
    );
    fails_with(
        &GOOD.replace(
            "trigger: incident",
            "trigger: { recurrence: { frequency: Hour, interval: soon } }",
        ),
        &["spec.yaml:14:"],
    );
}

#[test]
fn incomplete_and_misspelled_mappings() {
    let spec = GOOD.replace(
        "connections:",
        "mappings:\n  urgency:\n    from: incident.severity\n    values: { High: \"1\", Medum: \"2\" }\nconnections:",
    )
    .replace("fields: { short_description: \"Sentinel: {{incident.title}}\" }", "fields: { short_description: x, urgency: { map: urgency } }");
    fails_with(
        &spec,
        &[
            "`Medum` is not a value of `incident.severity`",
            "did you mean `Medium`?",
            "mapping `urgency` does not cover `Medium`, `Low`, `Informational`",
            "add the missing values under `values`, or a `default:`",
        ],
    );
    let unknown_mapping = GOOD.replace(
        "fields: { short_description: \"Sentinel: {{incident.title}}\" }",
        "fields: { short_description: x, urgency: { map: urgncy } }",
    );
    fails_with(&unknown_mapping, &["unknown mapping `urgncy`"]);
}

#[test]
fn wrong_and_unknown_connections() {
    fails_with(
        &GOOD.replace("connection: snow", "connection: snw"),
        &["unknown connection `snw`", "did you mean `snow`?"],
    );
    fails_with(
        &GOOD.replace("connection: snow", "connection: sentinel"),
        &["is a sentinel connection, but this step needs a servicenow connection"],
    );
}

#[test]
fn duplicate_names_across_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", GOOD);
    write(
        dir.path(),
        "b.yaml",
        "connections:\n  snow: { kind: sentinel }\nplaybooks:\n  - name: p1\n    trigger: incident\n    steps: [ { sentinel.add_comment: hi } ]\n",
    );
    let output = soarc(&["build", "a.yaml", "b.yaml", "--out", "out"], dir.path());
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("connection `snow` is defined more than once"),
        "{text}"
    );
    assert!(text.contains("b.yaml:2:3"), "{text}");
    assert!(
        text.contains("playbook `p1` is defined more than once"),
        "{text}"
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn missing_file_and_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let output = soarc(&["build", "nope.yaml", "--out", "out"], dir.path());
    // An I/O error: exit 2, as the README says.
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("nope.yaml: error[SPEC004]: cannot read spec file"));
    let usage = soarc(&["build"], dir.path());
    assert_eq!(usage.status.code(), Some(2));
    let unknown = soarc(&["frobnicate"], dir.path());
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn invalid_names_and_missing_deployment() {
    fails_with(
        &GOOD.replace("name: p1", "name: My Playbook"),
        &["playbook name `My Playbook` is not valid", "my-playbook"],
    );
    let start = GOOD.find("connections:").unwrap();
    fails_with(
        &GOOD[start..],
        &["needs the vault's subscription and resource group"],
    );
}

#[test]
fn json_specs_work_like_yaml() {
    let dir = tempfile::tempdir().unwrap();
    let json = r#"{
  "deployment": { "workspace": { "name": "law" } },
  "playbooks": [ { "name": "p1", "trigger": "incident",
                   "steps": [ { "sentinel.add_comment": "Seen {{incident.titel}}" } ] } ]
}"#;
    write(dir.path(), "spec.json", json);
    let output = soarc(&["build", "spec.json", "--out", "out"], dir.path());
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(text.contains("spec.json:4:"), "{text}");
    assert!(
        text.contains("did you mean `{{incident.title}}`?"),
        "{text}"
    );
}

#[test]
fn init_writes_a_spec_that_builds() {
    let dir = tempfile::tempdir().unwrap();
    let output = soarc(&["init"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(dir.path().join("soarc.schema.json").is_file());
    let again = soarc(&["init"], dir.path());
    assert_eq!(
        again.status.code(),
        Some(2),
        "init must not overwrite without --force"
    );
    let build = soarc(&["build", "sentinel-soar.yaml", "--out", "out"], dir.path());
    assert!(build.status.success(), "{}", stderr(&build));
}

#[test]
fn schema_command_prints_the_committed_schema() {
    let dir = tempfile::tempdir().unwrap();
    let output = soarc(&["schema"], dir.path());
    assert!(output.status.success());
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schemas/soarc.schema.json"
    ))
    .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), committed);
}

#[test]
fn variable_updates_in_parallel_loops() {
    let spec = GOOD.replace(
        "    steps:\n      - servicenow.create_incident:",
        "    variables: { names: { type: string } }\n    steps:\n      - foreach:\n          items: \"{{incident.alerts}}\"\n          as: alert\n          steps:\n            - append_variable: { variable: names, value: \"{{alert.name}}\" }\n      - servicenow.create_incident:",
    );
    fails_with(
        &spec,
        &[
            "SPEC045",
            "inside foreach `For_each_alert`",
            "add `sequential: true`",
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "spec.yaml",
        &spec.replace(
            "          as: alert\n",
            "          as: alert\n          sequential: true\n",
        ),
    );
    let output = soarc(&["build", "spec.yaml", "--out", "out"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn bad_automation_rule_fails_with_its_position_and_writes_nothing() {
    fails_with(
        &format!(
            "{GOOD}automation_rules:\n  - name: r\n    order: 1\n    when: created\n    conditions: {{ tactics_added: true }}\n    actions: [ {{ run_playbook: p2 }} ]\n"
        ),
        &[
            "RULE001",
            "did you mean `p1`?",
            "spec.yaml:26:32",
            "RULE003",
            "`tactics_added`",
        ],
    );
}
