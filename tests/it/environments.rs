//! `environments:`, the Sentinel Repositories layout and the ordered deployment
//! (docs/environments.md, docs/repositories.md).

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::{build_errors, builds, fails_on};
use serde_json::Value;
use soarc_compiler::build::{self, Built, Layout, Options};
use soarc_validate::rules::arm022_repositories_skip::skipped_types;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/environments.yaml")
}

fn build_layout(layout: Layout) -> Built {
    build::build_with(&[example()], Options { layout })
        .unwrap_or_else(|f| panic!("the example does not build: {:?}", f.diagnostics))
}

fn json(built: &Built, path: &str) -> Value {
    let text = built
        .files
        .files
        .get(Path::new(path))
        .unwrap_or_else(|| panic!("no {path} in the build"));
    serde_json::from_str(text).unwrap()
}

fn paths(built: &Built) -> BTreeSet<String> {
    built
        .files
        .files
        .keys()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect()
}

/// The Repositories layout's files, as insta snapshots (the default layout's are in
/// tests/snapshots.rs with every example's).
#[test]
fn repositories_layout_matches_snapshots() {
    let built = build_layout(Layout::Repositories);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (path, contents) in &built.files.files {
            let name = format!(
                "environments-repositories__{}",
                path.to_string_lossy().replace(['/', '\\'], "__")
            );
            insta::assert_snapshot!(name, contents);
        }
    });
}

/// The deployment script's rule (`IsValidResourceType`, re-implemented as ARM022's
/// `skipped_types`) on every JSON file of the Repositories layout: each template
/// Repositories reads is Sentinel content and none is skipped; the prerequisites, which it
/// would skip, are excluded in `sentinel-deployment.config`.
#[test]
fn repositories_skips_no_generated_file() {
    let built = build_layout(Layout::Repositories);
    let config = json(&built, "sentinel-deployment.config");
    let excluded: BTreeSet<&str> = config["excludecontentfiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut deployed = 0;
    for (path, text) in &built.files.files {
        let name = path.to_string_lossy().replace('\\', "/");
        if !name.ends_with(".json") {
            continue;
        }
        let document: Value = serde_json::from_str(text).unwrap();
        let Some(resources) = document.get("resources").and_then(Value::as_array) else {
            // A parameters file: Repositories reads it as one, by its name.
            assert!(
                name.contains("/azuredeploy.parameters-"),
                "{name} is neither a template nor a per-workspace parameters file"
            );
            continue;
        };
        let types = resources.iter().map(|r| r["type"].as_str().unwrap());
        let verdict = skipped_types(types);
        if excluded.contains(name.as_str()) {
            assert!(
                name.starts_with("prerequisites/"),
                "{name} is excluded from Repositories"
            );
            continue;
        }
        assert_eq!(
            verdict,
            Some(vec![]),
            "Repositories would skip {name} (or it is no Sentinel content)"
        );
        // And `soarc validate` says the same (ARM022 finds nothing).
        let (_, findings) = soarc_validate::validate_text(text);
        assert!(
            findings.iter().all(|f| f.code != "ARM022"),
            "{name}: {findings:?}"
        );
        deployed += 1;
    }
    assert_eq!(deployed, 2, "one playbook and the automation rules");
    // The default layout's playbook template is what Repositories would skip: ARM022 says so.
    let az = build_layout(Layout::Az);
    let text = &az.files.files[Path::new("playbooks/snow-create-incident/azuredeploy.json")];
    let (_, findings) = soarc_validate::validate_text(text);
    let arm022: Vec<_> = findings.iter().filter(|f| f.code == "ARM022").collect();
    assert_eq!(arm022.len(), 2, "{arm022:?}");
    assert!(
        arm022[0]
            .message
            .contains("Microsoft.Insights/diagnosticSettings")
    );
    assert!(
        arm022[1]
            .message
            .contains("Microsoft.Resources/deployments")
    );
}

#[test]
fn repositories_config_orders_playbooks_first_and_maps_each_workspace() {
    let built = build_layout(Layout::Repositories);
    let files = paths(&built);
    let config = json(&built, "sentinel-deployment.config");
    assert_eq!(
        config["prioritizedcontentfiles"],
        serde_json::json!(["playbooks/snow-create-incident/azuredeploy.json"])
    );
    let mappings = config["parameterfilemappings"].as_object().unwrap();
    assert_eq!(
        mappings.keys().collect::<Vec<_>>(),
        [
            "5c4f3f0a-7d3e-4d5b-9d7a-1c2b3a4d5e6f",
            "9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4"
        ]
    );
    for (workspace, mapping) in mappings {
        for (content, parameters) in mapping.as_object().unwrap() {
            assert!(files.contains(content), "{content}");
            let parameters = parameters.as_str().unwrap();
            assert!(files.contains(parameters), "{parameters}");
            // Also found by Repositories' own naming, should the config be dropped.
            assert!(parameters.ends_with(&format!(".parameters-{workspace}.json")));
        }
    }
    // Each workspace's files carry its name for the `workspace` parameter.
    let prod = json(
        &built,
        "automation-rules/azuredeploy.parameters-9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4.json",
    );
    assert_eq!(
        prod["parameters"]["workspace"]["value"],
        "law-sentinel-prod"
    );
    // No Bicep, no workflow.json: Repositories would deploy a Bicep twin a second time.
    assert!(
        files
            .iter()
            .all(|f| !f.ends_with(".bicep") && !f.ends_with("workflow.json"))
    );
    // The prerequisites deploy into the workspace's resource group, where Repositories
    // puts the playbooks.
    let script = &built.files.files[Path::new("prerequisites/deploy.prod.sh")];
    assert!(script.contains("RESOURCE_GROUP=${RESOURCE_GROUP:-'rg-sentinel-prod'}"));
    let prerequisites = json(&built, "prerequisites/azuredeploy.prod.json");
    let names: Vec<&str> = prerequisites["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "soarc-snow-create-incident-prerequisites",
            "soarc-automation-rules-role",
            "soarc-monitoring"
        ]
    );
}

#[test]
fn environments_share_templates_and_differ_in_parameters() {
    let built = build_layout(Layout::Az);
    let files = paths(&built);
    for env in ["test", "prod"] {
        for file in [
            format!("playbooks/snow-create-incident/azuredeploy.parameters.{env}.json"),
            format!("playbooks/snow-create-incident/main.{env}.bicepparam"),
            format!("automation-rules/azuredeploy.parameters.{env}.json"),
            format!("automation-rules/az-commands.{env}.sh"),
            format!("monitoring/main.{env}.bicepparam"),
            format!("deploy/azuredeploy.{env}.json"),
            format!("deploy/deploy.{env}.sh"),
            format!("deploy/main.{env}.bicep"),
        ] {
            assert!(files.contains(&file), "{file} missing from {files:#?}");
        }
    }
    assert!(!files.contains("playbooks/snow-create-incident/azuredeploy.parameters.json"));
    let test = json(
        &built,
        "playbooks/snow-create-incident/azuredeploy.parameters.test.json",
    );
    let prod = json(
        &built,
        "playbooks/snow-create-incident/azuredeploy.parameters.prod.json",
    );
    assert_eq!(
        test["parameters"]["WorkspaceName"]["value"],
        "law-sentinel-test"
    );
    assert_eq!(
        prod["parameters"]["WorkspaceName"]["value"],
        "law-sentinel-prod"
    );
    assert_eq!(
        prod["parameters"]["WorkspaceResourceGroup"]["value"],
        "rg-sentinel-prod"
    );
    // `key_vaults` renames the vault for test only.
    assert_eq!(
        test["parameters"]["SnowPassword"]["reference"]["keyVault"]["id"],
        "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-soc-test/providers/Microsoft.KeyVault/vaults/kv-soc-test"
    );
    assert_eq!(
        prod["parameters"]["SnowPassword"]["reference"]["keyVault"]["id"],
        "/subscriptions/33333333-3333-3333-3333-333333333333/resourceGroups/rg-soc-prod/providers/Microsoft.KeyVault/vaults/kv-soc"
    );
}

#[test]
fn the_ordered_deployment_runs_playbooks_before_rules_and_monitoring() {
    let built = build_layout(Layout::Az);
    let deploy = json(&built, "deploy/azuredeploy.prod.json");
    let resources = deploy["resources"].as_array().unwrap();
    let summary: Vec<(&str, Vec<&str>)> = resources
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap(),
                r["dependsOn"]
                    .as_array()
                    .map(|d| d.iter().map(|v| v.as_str().unwrap()).collect())
                    .unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("soarc-snow-create-incident", vec![]),
            ("soarc-automation-rules", vec!["soarc-snow-create-incident"]),
            ("soarc-monitoring", vec!["soarc-snow-create-incident"]),
        ]
    );
    // The nested deployments carry the environment's values, secrets as Key Vault references.
    let playbook = &resources[0]["properties"];
    assert_eq!(playbook["expressionEvaluationOptions"]["scope"], "inner");
    assert_eq!(
        playbook["parameters"]["SnowPassword"]["reference"]["secretName"],
        "snow-password"
    );
    assert_eq!(
        playbook["template"],
        json(&built, "playbooks/snow-create-incident/azuredeploy.json")
    );
    // The Bicep twin: modules on the parts' own main.bicep, the secret through getSecret().
    let bicep = &built.files.files[Path::new("deploy/main.prod.bicep")];
    assert!(
        bicep.contains(
            "module snowCreateIncident '../playbooks/snow-create-incident/main.bicep' = {"
        )
    );
    assert!(bicep.contains("SnowPassword: kvKvSoc.getSecret('snow-password')"));
    assert!(bicep.contains("module automationRules '../automation-rules/main.bicep' = {"));
}

const PLAYBOOK: &str = "
connections:
  snow:
    kind: servicenow
    instance: https://contoso.service-now.com
    username: u
    password: { key_vault: { vault: kv-soc, secret: p } }
playbooks:
  - name: p1
    trigger: incident
    steps:
      - servicenow.create_incident: { connection: snow, fields: { short_description: x } }
";

#[test]
fn deployment_and_environments_together_are_refused() {
    fails_on(
        &format!(
            "deployment:\n  subscription_id: 00000000-0000-0000-0000-000000000000\n  resource_group: rg\n  workspace: {{ name: law-a }}\nenvironments:\n  prod:\n    subscription_id: 00000000-0000-0000-0000-000000000000\n    resource_group: rg\n    workspace: {{ name: law-b }}\n{PLAYBOOK}"
        ),
        "SPEC120",
        ["spec.yaml:2:3", "both `deployment:` and `environments:`"].as_slice(),
    );
}

#[test]
fn environment_names_and_vaults_are_checked() {
    let errors = build_errors(&format!(
        "environments:\n  Prod:\n    subscription_id: 00000000-0000-0000-0000-000000000000\n    resource_group: rg\n    workspace: {{ name: law-b, id: not-a-guid }}\n    key_vaults: {{ kv-other: kv-x }}\n{PLAYBOOK}"
    ));
    let find = |code: &str| {
        errors
            .iter()
            .find(|e| e.contains(&format!("error[{code}]")))
            .unwrap_or_else(|| panic!("no {code} in {errors:#?}"))
            .clone()
    };
    let spec121 = find("SPEC121");
    assert!(spec121.contains("spec.yaml:2:3"), "{spec121}");
    assert!(spec121.contains("environment name `Prod` cannot be used in file names"));
    let spec122 = find("SPEC122");
    assert!(spec122.contains("spec.yaml:6:19"), "{spec122}");
    assert!(spec122.contains("`key_vaults` maps `kv-other`, a vault no connection uses"));
    let guid = find("SPEC085");
    assert!(
        guid.contains("workspace id `not-a-guid` is not a GUID"),
        "{guid}"
    );
}

#[test]
fn repositories_layout_needs_workspace_ids() {
    let dir = tempfile::tempdir().unwrap();
    let spec = common::write(
        dir.path(),
        "spec.yaml",
        &format!(
            "environments:\n  prod:\n    subscription_id: 00000000-0000-0000-0000-000000000000\n    resource_group: rg\n    workspace: {{ name: law-b }}\n{PLAYBOOK}"
        ),
    );
    let failure = build::build_with(
        &[&spec],
        Options {
            layout: Layout::Repositories,
        },
    )
    .expect_err("no workspace id");
    let lines = common::one_lines(&failure.diagnostics, &failure.sources);
    let hit = lines
        .iter()
        .find(|l| l.contains("error[SPEC123]"))
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert!(hit.contains("spec.yaml:5:16"), "{hit}");
    assert!(
        hit.contains("environment `prod` has no `workspace.id`"),
        "{hit}"
    );
    // The default layout does not need it.
    let built = builds(&format!(
        "environments:\n  prod:\n    subscription_id: 00000000-0000-0000-0000-000000000000\n    resource_group: rg\n    workspace: {{ name: law-b }}\n{PLAYBOOK}"
    ));
    assert!(
        built
            .files
            .files
            .contains_key(Path::new("playbooks/p1/azuredeploy.parameters.prod.json"))
    );
}

/// The ordered deployment inlines every playbook's template; past ARM's 4 MB template limit
/// it is not written (OUT004 says why and what to do instead), and every other file is.
#[test]
fn an_ordered_deployment_over_the_template_limit_is_not_written() {
    let mut spec = String::from(
        "deployment:\n  subscription_id: 00000000-0000-0000-0000-000000000000\n  resource_group: rg-soc\n  workspace: { name: law-sentinel }\nconnections:\n  snow:\n    kind: servicenow\n    instance: https://contoso.service-now.com\n    username: sentinel.integration\n    password: { key_vault: { vault: kv-soc, secret: snow-password } }\nplaybooks:\n",
    );
    for i in 0..600 {
        spec.push_str(&format!(
            "  - name: p{i}\n    trigger: incident\n    steps:\n      - servicenow.create_incident:\n          id: ticket\n          connection: snow\n          fields: {{ short_description: \"{{{{incident.title}}}}\" }}\n      - sentinel.add_comment: \"Ticket {{{{ticket.number}}}}\"\n"
        ));
    }
    let built = builds(&spec);
    let warning = built
        .warnings
        .iter()
        .find(|d| d.code == "OUT004")
        .expect("OUT004 warns");
    assert!(
        warning.message.contains("ARM accepts at most 4 MB"),
        "{}",
        warning.message
    );
    // Known from the playbooks' own templates, before the composite would be built.
    assert!(
        warning.message.contains("would be at least"),
        "{}",
        warning.message
    );
    let paths: Vec<String> = built
        .files
        .files
        .keys()
        .map(|p| p.display().to_string())
        .collect();
    assert!(!paths.iter().any(|p| p.starts_with("deploy/")), "{paths:?}");
    assert!(paths.contains(&"playbooks/p599/azuredeploy.json".to_string()));
}

/// The example's per-environment values (ServiceNow instance, alert recipients): template
/// parameters without a default, set per environment by every parameters file (ARM,
/// Bicep, the ordered deployment, Repositories' per-workspace files).
#[test]
fn per_environment_values_are_template_parameters_set_per_environment() {
    let built = build_layout(Layout::Az);
    let template = json(&built, "playbooks/snow-create-incident/azuredeploy.json");
    let declared = &template["parameters"]["EnvSnowInstance"];
    assert_eq!(declared["type"], "string");
    assert!(declared.get("defaultValue").is_none(), "{declared}");
    let connection = template["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["type"] == "Microsoft.Web/connections"
                && r["properties"]["parameterValues"].is_object()
        })
        .expect("the ServiceNow connection");
    assert_eq!(
        connection["properties"]["parameterValues"]["instance"],
        "[parameters('EnvSnowInstance')]"
    );
    // The ticket link is built from the workflow's parameter, which the template sets.
    let workflow = json(&built, "playbooks/snow-create-incident/workflow.json");
    assert_eq!(workflow["parameters"]["EnvSnowInstance"]["type"], "String");
    let text = serde_json::to_string(&workflow).unwrap();
    assert!(
        text.contains(
            "concat(parameters('EnvSnowInstance'), '/nav_to.do?uri=incident.do%3Fsys_id%3D'"
        ),
        "{text}"
    );
    assert!(
        !text.contains("contoso.service-now.com"),
        "no instance baked into the workflow"
    );
    let logic_app = template["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.Logic/workflows")
        .unwrap();
    assert_eq!(
        logic_app["properties"]["parameters"]["EnvSnowInstance"]["value"],
        "[parameters('EnvSnowInstance')]"
    );
    for (env, instance, emails) in [
        (
            "test",
            "https://contoso-test.service-now.com",
            vec!["soc-test@contoso.com"],
        ),
        (
            "prod",
            "https://contoso.service-now.com",
            vec!["soc@contoso.com", "soc-oncall@contoso.com"],
        ),
    ] {
        let parameters = json(
            &built,
            &format!("playbooks/snow-create-incident/azuredeploy.parameters.{env}.json"),
        );
        assert_eq!(
            parameters["parameters"]["EnvSnowInstance"]["value"],
            instance
        );
        let bicepparam = &built.files.files[Path::new(&format!(
            "playbooks/snow-create-incident/main.{env}.bicepparam"
        ))];
        assert!(
            bicepparam.contains(&format!("param EnvSnowInstance = '{instance}'")),
            "{bicepparam}"
        );
        let monitoring = json(
            &built,
            &format!("monitoring/azuredeploy.parameters.{env}.json"),
        );
        let receivers: Vec<&str> = monitoring["parameters"]["AlertEmailReceivers"]["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["emailAddress"].as_str().unwrap())
            .collect();
        assert_eq!(receivers, emails);
        // The ordered deployment sets them on its nested deployments.
        let deploy = json(&built, &format!("deploy/azuredeploy.{env}.json"));
        let nested = deploy["resources"].as_array().unwrap();
        assert_eq!(
            nested[0]["properties"]["parameters"]["EnvSnowInstance"]["value"],
            instance
        );
        assert_eq!(
            nested[2]["properties"]["parameters"]["AlertEmailReceivers"]["value"]
                .as_array()
                .unwrap()
                .len(),
            emails.len()
        );
        let bicep = &built.files.files[Path::new(&format!("deploy/main.{env}.bicep"))];
        assert!(
            bicep.contains(&format!("EnvSnowInstance: '{instance}'")),
            "{bicep}"
        );
    }
    // The monitoring template is environment-free: its receivers are the parameter.
    let monitoring = json(&built, "monitoring/azuredeploy.json");
    let group = monitoring["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.Insights/actionGroups")
        .unwrap();
    assert_eq!(
        group["properties"]["emailReceivers"],
        "[parameters('AlertEmailReceivers')]"
    );

    // Repositories: each workspace's parameters file has its environment's instance.
    let repositories = build_layout(Layout::Repositories);
    for (id, instance) in [
        (
            "5c4f3f0a-7d3e-4d5b-9d7a-1c2b3a4d5e6f",
            "https://contoso-test.service-now.com",
        ),
        (
            "9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4",
            "https://contoso.service-now.com",
        ),
    ] {
        let parameters = json(
            &repositories,
            &format!("playbooks/snow-create-incident/azuredeploy.parameters-{id}.json"),
        );
        assert_eq!(
            parameters["parameters"]["EnvSnowInstance"]["value"],
            instance
        );
    }
}

/// Repositories deploys the playbook without its role assignments (they are in the
/// prerequisites): its metadata asks for no role-assignment right, and says to deploy the
/// prerequisites afterwards.
#[test]
fn repositories_playbook_metadata_names_no_role_assignment_right() {
    let built = build_layout(Layout::Repositories);
    let template = json(&built, "playbooks/snow-create-incident/azuredeploy.json");
    let metadata = &template["metadata"];
    for item in metadata["prerequisites"].as_array().unwrap() {
        let item = item.as_str().unwrap();
        assert!(!item.contains("role assignments"), "{item}");
        assert!(!item.contains("User Access Administrator"), "{item}");
    }
    assert!(
        metadata["postDeployment"][0].as_str().unwrap().starts_with(
            "Deploy the prerequisites with az once Sentinel Repositories has deployed this playbook"
        ),
        "{metadata}"
    );
    // The default layout's template does assign roles, and says so.
    let az = build_layout(Layout::Az);
    let template = json(&az, "playbooks/snow-create-incident/azuredeploy.json");
    assert!(
        template["metadata"]["prerequisites"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p.as_str().unwrap().contains("can create role assignments")),
    );
}

/// Two environments, each with a value; `{V}` in the spec's text is replaced by the test.
fn two_environments(test_values: &str, prod_values: &str, rest: &str) -> String {
    format!(
        "environments:\n  test:\n    subscription_id: 11111111-1111-1111-1111-111111111111\n    resource_group: rg-test\n    workspace: {{ name: law-test }}\n    values: {test_values}\n  prod:\n    subscription_id: 33333333-3333-3333-3333-333333333333\n    resource_group: rg-prod\n    workspace: {{ name: law-prod }}\n    values: {prod_values}\n{rest}"
    )
}

const JIRA: &str = "connections:
  jira-dc:
    kind: jira-data-center
    base_url: https://jira.contoso.com
    personal_access_token: { key_vault: { vault: kv-secops, secret: jira-pat } }
  mail: { kind: office365 }
playbooks:
  - name: jira-create
    trigger: incident
    on_failure:
      email: { connection: mail, to: [\"{{env.oncall}}\", x@contoso.com] }
    steps:
      - jira.create_issue:
          id: issue
          connection: jira-dc
          project: \"{{env.jira_project}}\"
          issue_type: Bug
          summary: \"[{{env.jira_project}}] {{incident.title}}\"
";

/// A Jira project and failure e-mail recipients per environment: workflow parameters, the
/// ticket guard's label prefix built from the project parameter, the recipients' list
/// joined by `;` in the parameters file.
#[test]
fn jira_projects_and_failure_recipients_differ_per_environment() {
    let built = builds(&two_environments(
        "{ jira_project: SECT, oncall: [a@contoso.com, b@contoso.com] }",
        "{ jira_project: SEC, oncall: soc@contoso.com }",
        JIRA,
    ));
    let workflow = common::built_json(&built, "playbooks/jira-create/workflow.json");
    let text = serde_json::to_string(&workflow).unwrap();
    for expected in [
        r#""key":"@{parameters('EnvJiraProject')}""#,
        r#""summary":"[@{parameters('EnvJiraProject')}] "#,
        r#""To":"@{parameters('EnvOncall')};x@contoso.com""#,
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
    let test = common::built_json(
        &built,
        "playbooks/jira-create/azuredeploy.parameters.test.json",
    );
    let prod = common::built_json(
        &built,
        "playbooks/jira-create/azuredeploy.parameters.prod.json",
    );
    assert_eq!(test["parameters"]["EnvJiraProject"]["value"], "SECT");
    assert_eq!(prod["parameters"]["EnvJiraProject"]["value"], "SEC");
    assert_eq!(
        test["parameters"]["EnvOncall"]["value"],
        "a@contoso.com;b@contoso.com"
    );
    assert_eq!(prod["parameters"]["EnvOncall"]["value"], "soc@contoso.com");
    // The template is the same for both: no environment's key in it.
    let template = common::built_json(&built, "playbooks/jira-create/azuredeploy.json");
    assert!(
        template["parameters"]["EnvJiraProject"]
            .get("defaultValue")
            .is_none()
    );
    let text = serde_json::to_string(&template).unwrap();
    assert!(
        !text.contains("SECT") && !text.contains("soc@contoso.com"),
        "{text}"
    );
}

#[test]
fn per_environment_values_are_checked_for_every_environment() {
    // Missing in prod: said where it is used, naming the environment.
    fails_on(
        &two_environments(
            "{ jira_project: SECT, oncall: a@contoso.com }",
            "{ oncall: soc@contoso.com }",
            JIRA,
        ),
        "SPEC135",
        [
            "spec.yaml:27:21",
            "environment `prod` has no value `jira_project`",
        ]
        .as_slice(),
    );
    // Not a Jira project key in prod: said at prod's value.
    fails_on(
        &two_environments(
            "{ jira_project: SECT, oncall: a@contoso.com }",
            "{ jira_project: sec x, oncall: soc@contoso.com }",
            JIRA,
        ),
        "SPEC136",
        [
            "spec.yaml:11:29",
            "environment `prod`: value `jira_project` `sec x` is not a Jira project key",
        ]
        .as_slice(),
    );
    // An address that would add recipients.
    fails_on(
        &two_environments(
            "{ jira_project: SECT, oncall: [a@contoso.com, \"b@contoso.com;x@evil.com\"] }",
            "{ jira_project: SEC, oncall: soc@contoso.com }",
            JIRA,
        ),
        "SPEC136",
        ["spec.yaml:6:43", "environment `test`: value `oncall` holds `b@contoso.com;x@evil.com`, which is not an e-mail address"].as_slice(),
    );
    // A list where one text is needed.
    fails_on(
        &two_environments(
            "{ jira_project: [SECT], oncall: a@contoso.com }",
            "{ jira_project: SEC, oncall: soc@contoso.com }",
            JIRA,
        ),
        "SPEC136",
        ["spec.yaml:6:29", "value `jira_project` is a list"].as_slice(),
    );
    // Given but used nowhere; a name that cannot be a parameter.
    let errors = build_errors(&two_environments(
        "{ jira_project: SECT, oncall: a@contoso.com, jira_projetc: X }",
        "{ jira_project: SEC, oncall: soc@contoso.com, Bad-Name: zz }",
        JIRA,
    ));
    let find = |code: &str| {
        errors
            .iter()
            .find(|e| e.contains(&format!("error[{code}]")))
            .unwrap_or_else(|| panic!("no {code} in {errors:#?}"))
            .clone()
    };
    let unused = find("SPEC137");
    assert!(unused.contains("spec.yaml:6:58"), "{unused}");
    assert!(
        unused.contains(
            "environment `test` gives value `jira_projetc`, which no `{{env.jira_projetc}}` uses"
        ),
        "{unused}"
    );
    let name = find("SPEC138");
    assert!(name.contains("spec.yaml:11:59"), "{name}");
    assert!(
        name.contains("value name `Bad-Name` cannot name a template parameter"),
        "{name}"
    );
}

#[test]
fn servicenow_instances_and_alert_recipients_are_checked_per_environment() {
    let spec = |test_instance: &str, prod_emails: &str| {
        two_environments(
            &format!("{{ snow_instance: \"{test_instance}\", alert: soc-test@contoso.com }}"),
            &format!("{{ snow_instance: https://contoso.service-now.com, alert: {prod_emails} }}"),
            "connections:\n  snow:\n    kind: servicenow\n    instance: \"{{env.snow_instance}}\"\n    username: u\n    password: { key_vault: { vault: kv-soc, secret: p } }\nplaybooks:\n  - name: p1\n    trigger: incident\n    steps:\n      - servicenow.create_incident: { connection: snow, fields: { short_description: x } }\nmonitoring:\n  alert: { failures: 1, window: 1h, emails: [\"{{env.alert}}\"] }\n",
        )
    };
    builds(&spec(
        "https://contoso-test.service-now.com",
        "[soc@contoso.com]",
    ));
    fails_on(
        &spec("http://contoso-test.service-now.com", "[soc@contoso.com]"),
        "SPEC136",
        [
            "spec.yaml:6:30",
            "environment `test`: value `snow_instance` `http://contoso-test.service-now.com` is not an https URL, but it is used as the instance of ServiceNow connection `snow`",
        ]
        .as_slice(),
    );
    fails_on(
        &spec(
            "https://contoso-test.service-now.com/?sysparm=1",
            "[soc@contoso.com]",
        ),
        "SPEC136",
        ["is not an https URL"].as_slice(),
    );
    fails_on(
        &spec("https://contoso-test.service-now.com", "[\"SOC <soc@contoso.com>\"]"),
        "SPEC136",
        ["spec.yaml:11:70", "value `alert` holds `SOC <soc@contoso.com>`, which is not an e-mail address, but it is used as an e-mail recipient of the failure alert"].as_slice(),
    );
    // Without any environment, a reference has nothing to read.
    fails_on(
        "connections:\n  snow:\n    kind: servicenow\n    instance: \"{{env.snow_instance}}\"\n    username: u\n    password: { key_vault: { vault: kv-soc, secret: p, resource_group: rg, subscription_id: 00000000-0000-0000-0000-000000000000 } }\nplaybooks:\n  - name: p1\n    trigger: incident\n    steps:\n      - servicenow.create_incident: { connection: snow, fields: { short_description: x } }\n",
        "SPEC135",
        ["spec.yaml:4:16", "`{{env.snow_instance}}` refers to a per-environment value, but the spec has no `environments:` or `deployment:`"].as_slice(),
    );
}

/// Checks of what the compiled workflow takes from the target look at every environment,
/// not only the first.
#[test]
fn workflow_facts_from_the_target_are_checked_in_every_environment() {
    let query = "connections:\n  logs: { kind: managed, api: azuremonitorlogs }\nplaybooks:\n  - name: q\n    trigger: incident\n    steps:\n      - monitor_logs.run_query: { connection: logs, workspace: law-other, query: SecurityAlert }\n";
    fails_on(
        &two_environments("{}", "{}", query),
        "SPEC139",
        [
            "spec.yaml:18:64",
            "`monitor_logs.run_query` on workspace `law-other` takes `resource_group` from the deployment target, and environment `prod` has another than `test`",
        ]
        .as_slice(),
    );
    // The Jira token's vault pinned to test's subscription: prod's differs.
    fails_on(
        &two_environments(
            "{ jira_project: SECT, oncall: a@contoso.com }",
            "{ jira_project: SEC, oncall: soc@contoso.com }",
            &JIRA.replace(
                "{ vault: kv-secops, secret: jira-pat }",
                "{ vault: kv-secops, secret: jira-pat, subscription_id: 11111111-1111-1111-1111-111111111111 }",
            ),
        ),
        "SPEC083",
        ["Key Vault `kv-secops` of connection `jira-dc` is in another subscription than environment `prod`'s"].as_slice(),
    );
}

/// Every environment's names are checked once each: the first environment is not checked
/// a second time as the spec's `deployment`.
#[test]
fn each_environment_is_checked_once() {
    let errors = build_errors(&format!(
        "environments:\n  test:\n    subscription_id: 11111111-1111-1111-1111-111111111111\n    resource_group: \"rg soc\"\n    workspace: {{ name: law-test }}\n  prod:\n    subscription_id: not-a-guid\n    resource_group: rg-prod\n    workspace: {{ name: law-prod }}\n{PLAYBOOK}"
    ));
    let spec085: Vec<&String> = errors
        .iter()
        .filter(|e| e.contains("error[SPEC085]"))
        .collect();
    assert_eq!(spec085.len(), 2, "{errors:#?}");
    assert!(
        spec085
            .iter()
            .any(|e| e.contains("spec.yaml:4:21") && e.contains("`rg soc`"))
    );
    assert!(
        spec085
            .iter()
            .any(|e| e.contains("spec.yaml:7:22") && e.contains("`not-a-guid`"))
    );
}

/// A Jira connection's base URL per environment: every request and the issue link read the
/// workflow's parameter; each environment's URL is checked (and written without its `/`).
#[test]
fn jira_base_urls_differ_per_environment() {
    let spec = |prod_url: &str| {
        two_environments(
            "{ jira_project: SECT, oncall: a@contoso.com, jira_url: \"https://jira-test.contoso.com\" }",
            &format!("{{ jira_project: SEC, oncall: soc@contoso.com, jira_url: \"{prod_url}\" }}"),
            &format!(
                "{}      - sentinel.add_comment: \"Jira {{{{issue.url}}}}\"\n",
                JIRA.replace(
                    "base_url: https://jira.contoso.com",
                    "base_url: \"{{env.jira_url}}\""
                )
            ),
        )
    };
    let built = builds(&spec("https://jira.contoso.com/"));
    let workflow = common::built_json(&built, "playbooks/jira-create/workflow.json");
    let text = serde_json::to_string(&workflow).unwrap();
    assert!(
        text.contains(r#""uri":"@{parameters('EnvJiraUrl')}/rest/api/2/issue""#),
        "{text}"
    );
    assert!(
        text.contains("concat(parameters('EnvJiraUrl'), '/browse/', body('Create_Jira_issue')"),
        "{text}"
    );
    assert!(!text.contains("contoso.com/rest"), "{text}");
    let prod = common::built_json(
        &built,
        "playbooks/jira-create/azuredeploy.parameters.prod.json",
    );
    assert_eq!(
        prod["parameters"]["EnvJiraUrl"]["value"],
        "https://jira.contoso.com"
    );
    fails_on(
        &spec("jira.contoso.com"),
        "SPEC136",
        [
            "spec.yaml:11:69",
            "environment `prod`: value `jira_url` `jira.contoso.com` is not an https URL, but it is used as the base URL of Jira connection `jira-dc`",
        ]
        .as_slice(),
    );
}

/// `soarc build --check` covers every environment's values: changing prod's instance in the
/// spec makes exactly prod's files stale, in each form they take.
#[test]
fn check_covers_every_environments_values() {
    let dir = tempfile::tempdir().unwrap();
    let spec = std::fs::read_to_string(example()).unwrap();
    common::write(dir.path(), "spec.yaml", &spec);
    assert!(
        common::soarc(&["build", "spec.yaml", "--out", "out"], dir.path())
            .status
            .success()
    );
    let check = common::soarc(
        &["build", "spec.yaml", "--out", "out", "--check"],
        dir.path(),
    );
    assert_eq!(check.status.code(), Some(0), "{}", common::stderr(&check));
    let changed = spec.replacen(
        "snow_instance: https://contoso.service-now.com",
        "snow_instance: https://contoso-prod.service-now.com",
        1,
    );
    assert_ne!(changed, spec);
    common::write(dir.path(), "spec.yaml", &changed);
    let check = common::soarc(
        &["build", "spec.yaml", "--out", "out", "--check"],
        dir.path(),
    );
    assert_eq!(check.status.code(), Some(1));
    let listed = String::from_utf8_lossy(&check.stdout);
    for stale in [
        "changed: playbooks/snow-create-incident/azuredeploy.parameters.prod.json",
        "changed: playbooks/snow-create-incident/main.prod.bicepparam",
        "changed: deploy/azuredeploy.prod.json",
        "changed: deploy/main.prod.bicep",
    ] {
        assert!(listed.contains(stale), "{stale} not in {listed}");
    }
    assert!(
        !listed.contains(".test."),
        "test's files did not change: {listed}"
    );
}

/// A per-environment value that looks like an ARM expression (`[prod]`) reaches the ordered
/// deployment's nested deployment escaped (`[[prod]`), so ARM passes it as written; the
/// environment's parameters file holds it as is.
#[test]
fn values_pass_through_the_ordered_deployment_as_written() {
    let built = builds(&two_environments(
        "{ jira_project: SECT, oncall: a@contoso.com, tag: \"[test]\" }",
        "{ jira_project: SEC, oncall: soc@contoso.com, tag: \"[prod]\" }",
        &JIRA.replace(
            "summary: \"[{{env.jira_project}}]",
            "summary: \"{{env.tag}}",
        ),
    ));
    let deploy = common::built_json(&built, "deploy/azuredeploy.prod.json");
    assert_eq!(
        deploy["resources"][0]["properties"]["parameters"]["EnvTag"]["value"],
        "[[prod]"
    );
    let parameters = common::built_json(
        &built,
        "playbooks/jira-create/azuredeploy.parameters.prod.json",
    );
    assert_eq!(parameters["parameters"]["EnvTag"]["value"], "[prod]");
}
