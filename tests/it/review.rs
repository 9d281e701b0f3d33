//! `soarc graph`, `soarc diff`, completions, the man page, `--version`, and the pipeline
//! recipes under docs/recipes and .pre-commit-hooks.yaml, through the binary.

use crate::common;

use std::path::{Path, PathBuf};

use crate::common::soarc;
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

/// Build `spec` (a path) into `dir/out_name` through the CLI.
fn build(spec: &Path, dir: &Path, out_name: &str) {
    let output = soarc(&["build", spec.to_str().unwrap(), "--out", out_name], dir);
    assert!(output.status.success(), "{}", common::stderr(&output));
}

/// The example, version 2: a mapping changed (Medium urgency 2 -> 1), a step added (a second
/// comment), and a role widened (the ServiceNow playbook now reads a Teams webhook from Key
/// Vault on failure: a Key Vault connection and Key Vault Secrets User on kv-soc).
fn example_v2() -> String {
    let v1 = std::fs::read_to_string(root().join("examples/sentinel-soar.yaml")).unwrap();
    let edits = [
        (
            r#"values: { High: "1", Medium: "2", Low: "3", Informational: "3" }"#,
            r#"values: { High: "1", Medium: "1", Low: "3", Informational: "3" }"#.to_string(),
        ),
        (
            "      - sentinel.add_comment: \"ServiceNow incident created: {{ticket.number}} <a href=\\\"{{ticket.url}}\\\">{{ticket.url}}</a>\"\n",
            "      - sentinel.add_comment: \"ServiceNow incident created: {{ticket.number}} <a href=\\\"{{ticket.url}}\\\">{{ticket.url}}</a>\"\n      - sentinel.add_comment: \"Escalated to the SOC on-call: {{ticket.number}}\"\n".to_string(),
        ),
        (
            "  - name: snow-create-incident\n    description: Opens a ServiceNow incident for a Microsoft Sentinel incident and links the two.\n    trigger: incident\n",
            "  - name: snow-create-incident\n    description: Opens a ServiceNow incident for a Microsoft Sentinel incident and links the two.\n    trigger: incident\n    on_failure:\n      comment: true\n      teams: { webhook: { key_vault: { vault: kv-soc, secret: teams-soc-webhook } } }\n".to_string(),
        ),
    ];
    let mut v2 = v1;
    for (from, to) in edits {
        assert!(
            v2.contains(from),
            "the example changed; update the edit for {from}"
        );
        v2 = v2.replacen(from, &to, 1);
    }
    v2
}

#[test]
fn graph_snapshots_of_the_example() {
    let dir = tempfile::tempdir().unwrap();
    build(
        &root().join("examples/sentinel-soar.yaml"),
        dir.path(),
        "out",
    );
    snapshot_settings().bind(|| {
        let playbooks = dir.path().join("out/playbooks");
        let mut names: Vec<_> = std::fs::read_dir(&playbooks)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for name in names {
            let workflow = format!("out/playbooks/{name}/workflow.json");
            let template = format!("out/playbooks/{name}/azuredeploy.json");
            let from_workflow = soarc(&["graph", &workflow], dir.path());
            assert!(
                from_workflow.status.success(),
                "{}",
                common::stderr(&from_workflow)
            );
            let mermaid = stdout(&from_workflow);
            // The template draws the same workflow (ARM escaping removed).
            let from_template = soarc(&["graph", &template], dir.path());
            assert_eq!(stdout(&from_template), mermaid, "{name}");
            insta::assert_snapshot!(format!("review__graph__{name}.mmd"), mermaid);
        }
        let dot = soarc(
            &[
                "graph",
                "out/playbooks/jira-route-incident/workflow.json",
                "--format",
                "dot",
            ],
            dir.path(),
        );
        assert!(dot.status.success());
        insta::assert_snapshot!("review__graph__jira-route-incident.dot", stdout(&dot));
        let overview = soarc(&["graph", "out"], dir.path());
        assert!(overview.status.success(), "{}", common::stderr(&overview));
        insta::assert_snapshot!("review__graph__overview.mmd", stdout(&overview));
    });
    // Deterministic: twice the same bytes.
    let a = soarc(&["graph", "out"], dir.path());
    let b = soarc(&["graph", "out"], dir.path());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn diff_of_two_versions_of_the_example() {
    let dir = tempfile::tempdir().unwrap();
    build(
        &root().join("examples/sentinel-soar.yaml"),
        dir.path(),
        "v1",
    );
    common::write(dir.path(), "v2.yaml", &example_v2());
    build(Path::new("v2.yaml"), dir.path(), "v2");

    let markdown = soarc(&["diff", "v1", "v2"], dir.path());
    assert_eq!(
        markdown.status.code(),
        Some(0),
        "{}",
        common::stderr(&markdown)
    );
    let markdown = stdout(&markdown);
    for needle in [
        "`definition.parameters.mapping_snow_urgency.defaultValue.Medium`: `2` → `1`",
        "**added** action `Add_comment_to_incident_2`",
        "**added** role assignment `snow-create-incident: Key Vault Secrets User on Microsoft.KeyVault/vaults/kv-soc` ⚠️ *security: role assignment*",
        "[!WARNING]",
    ] {
        assert!(
            markdown.contains(needle),
            "missing {needle} in:\n{markdown}"
        );
    }
    let json = soarc(&["diff", "v1", "v2", "--format", "json"], dir.path());
    let json: Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(json["security_relevant"], true);
    snapshot_settings().bind(|| {
        insta::assert_snapshot!("review__diff__sentinel-soar.md", markdown);
        insta::assert_snapshot!(
            "review__diff__sentinel-soar.json",
            serde_json::to_string_pretty(&json).unwrap()
        );
    });

    // The gate: exit 1 on a security-relevant change, 0 when there is none.
    let gate = soarc(&["diff", "v1", "v2", "--fail-on-security"], dir.path());
    assert_eq!(gate.status.code(), Some(1));
    assert!(common::stderr(&gate).contains("security review"));
    let same = soarc(&["diff", "v1", "v1", "--fail-on-security"], dir.path());
    assert_eq!(same.status.code(), Some(0));
    assert!(stdout(&same).contains("No changes"));

    // Two workflow files of one playbook: the definition's changes, the same actions.
    let files = soarc(
        &[
            "diff",
            "v1/playbooks/snow-create-incident/workflow.json",
            "v2/playbooks/snow-create-incident/workflow.json",
        ],
        dir.path(),
    );
    let files = stdout(&files);
    assert!(
        files.contains("**added** action `Get_Teams_webhook_URL` ⚠️"),
        "{files}"
    );
    assert!(!files.contains("### Playbook `jira"), "{files}");

    // Parameters files, by parameter name: v2 reads the Teams webhook from kv-soc.
    let pb = |v: &str, file: &str| format!("{v}/playbooks/snow-create-incident/{file}");
    let params = soarc(
        &[
            "diff",
            &pb("v1", "azuredeploy.parameters.json"),
            &pb("v2", "azuredeploy.parameters.json"),
        ],
        dir.path(),
    );
    assert_eq!(params.status.code(), Some(0), "{}", common::stderr(&params));
    let params = stdout(&params);
    assert!(
        params.contains("- **added** parameter `KvSocKeyVaultName`\n  - `value`: added `kv-soc`"),
        "{params}"
    );
    assert!(
        !params.contains("PlaybookName"),
        "unchanged parameters are not listed: {params}"
    );

    // Bicep, by declaration: the new parameter, the new connection (security-relevant), the
    // new role module; the playbook resource changed (its definition and connections).
    let bicep = soarc(
        &[
            "diff",
            &pb("v1", "main.bicep"),
            &pb("v2", "main.bicep"),
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert_eq!(bicep.status.code(), Some(0), "{}", common::stderr(&bicep));
    let bicep: Value = serde_json::from_slice(&bicep.stdout).expect("JSON");
    let changes: Vec<(String, String, String, bool)> = bicep["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["change"].as_str().unwrap().to_string(),
                c["kind"].as_str().unwrap().to_string(),
                c["name"].as_str().unwrap().to_string(),
                !c["security"].as_array().unwrap().is_empty(),
            )
        })
        .collect();
    for expected in [
        ("added", "parameter", "KvSocKeyVaultName", false),
        (
            "added",
            "resource",
            "resource keyvaultKvSocConnection 'Microsoft.Web/connections@2016-06-01'",
            true,
        ),
        (
            "changed",
            "resource",
            "resource playbook 'Microsoft.Logic/workflows@2017-07-01'",
            false,
        ),
    ] {
        let expected = (
            expected.0.to_string(),
            expected.1.to_string(),
            expected.2.to_string(),
            expected.3,
        );
        assert!(
            changes.contains(&expected),
            "{expected:?} not in {changes:?}"
        );
    }
    let mixed = soarc(
        &[
            "diff",
            &pb("v1", "main.bicep"),
            &pb("v2", "azuredeploy.json"),
        ],
        dir.path(),
    );
    assert_eq!(mixed.status.code(), Some(2));
    assert!(common::stderr(&mixed).contains("compare a .bicep or .bicepparam with another"));
}

/// `//` and `/* */` comments in JSON inputs, as ARM accepts them: `graph`, `diff` and `run`
/// read them, and a JSON error after a comment is reported at the file's own line and column.
#[test]
fn json_comments_are_accepted_and_positions_stay() {
    let dir = tempfile::tempdir().unwrap();
    let workflow = r#"{
  // exported from the portal
  "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
  "contentVersion": "1.0.0.0",
  "triggers": { "manual": { "type": "Request", "kind": "Http", "inputs": {} } }, /* the trigger */
  "actions": { "Compose": { "type": "Compose", "inputs": "http://x/*not a comment*/", "runAfter": {} } }
}"#;
    common::write(dir.path(), "a.json", workflow);
    common::write(
        dir.path(),
        "b.json",
        &workflow.replace("not a comment", "still not"),
    );
    let graph = soarc(&["graph", "a.json"], dir.path());
    assert_eq!(graph.status.code(), Some(0), "{}", common::stderr(&graph));
    assert!(stdout(&graph).contains("Compose"));
    let diff = soarc(&["diff", "a.json", "b.json"], dir.path());
    assert_eq!(diff.status.code(), Some(0), "{}", common::stderr(&diff));
    assert!(
        stdout(&diff).contains("http://x/*still not*/"),
        "{}",
        stdout(&diff)
    );
    let run = soarc(&["run", "a.json"], dir.path());
    assert_eq!(run.status.code(), Some(0), "{}", common::stderr(&run));

    common::write(
        dir.path(),
        "bad.json",
        "{\n  /* x */ \"a\": 1,\n  // y\n  \"b\": oops\n}",
    );
    let bad = soarc(&["graph", "bad.json"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        common::stderr(&bad).contains("line 4 column 8"),
        "{}",
        common::stderr(&bad)
    );
}

#[test]
fn unreadable_inputs_say_what_to_pass() {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        "p.json",
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "parameters": {}}"#,
    );
    common::write(dir.path(), "bad.json", "{ not json");
    let p = soarc(&["graph", "p.json"], dir.path());
    assert_eq!(p.status.code(), Some(2));
    assert!(
        common::stderr(&p).contains("pass the template"),
        "{}",
        common::stderr(&p)
    );
    let bad = soarc(&["diff", "bad.json", "p.json"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        common::stderr(&bad).contains("not valid JSON"),
        "{}",
        common::stderr(&bad)
    );
}

#[test]
fn completions_man_page_and_version() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = soarc(&["completions", shell], dir.path());
        assert!(out.status.success(), "{shell}");
        let text = stdout(&out);
        assert!(
            text.contains("graph") && text.contains("fail-on-security"),
            "{shell}: {text}"
        );
    }
    let man = soarc(&["man"], dir.path());
    assert!(man.status.success());
    let man = stdout(&man);
    assert!(man.starts_with(".ie") || man.contains(".TH soarc"), "{man}");
    let version = soarc(&["--version"], dir.path());
    assert_eq!(
        stdout(&version),
        format!("soarc {}\n", env!("CARGO_PKG_VERSION"))
    );
}

// ---------------------------------------------------------------------------------------------
// Recipes

/// Every shell script in a pipeline: the `run:` of GitHub Actions steps, the `script:` of
/// Azure Pipelines steps.
fn scripts<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| scripts(i, out)),
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("run" | "script", Value::String(s)) => out.push(s),
                    _ => scripts(v, out),
                }
            }
        }
        _ => {}
    }
}

/// Split a shell line into words (quotes removed; enough for the recipes: no escapes).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote = None;
    let mut has = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                has = true;
            }
            (None, c) if c.is_whitespace() => {
                if has || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if has || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The soarc invocations in a line: `soarc` where a command starts (line start or after a
/// `|`, `&&`, `||`, `;`), with the words after it up to a shell operator or redirection.
fn soarc_commands(line: &str) -> Vec<Vec<String>> {
    let words = words(line);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let starts = i == 0 || matches!(words[i - 1].as_str(), "|" | "||" | "&&" | ";");
        if starts && (words[i] == "soarc" || words[i].ends_with("/soarc")) {
            let args: Vec<String> = words[i + 1..]
                .iter()
                .take_while(|w| {
                    !matches!(
                        w.as_str(),
                        "|" | "||" | "&&" | ";" | ">" | ">>" | "2>" | "2>&1"
                    ) && !w.starts_with('>')
                })
                .cloned()
                .collect();
            i += args.len() + 1;
            out.push(args);
        } else {
            i += 1;
        }
    }
    out
}

/// Check a soarc command line against the real command definition: the binary parses it with
/// `--help` appended, which exits 0 only when every subcommand, flag and enum value before it
/// exists (clap reports an unknown one first, with exit code 2).
fn check_command(args: &[String], origin: &str) {
    assert!(!args.is_empty(), "{origin}: a bare `soarc`");
    let dir = tempfile::tempdir().unwrap();
    let mut argv: Vec<&str> = args.iter().map(String::as_str).collect();
    argv.push("--help");
    let out = soarc(&argv, dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{origin}: `soarc {}` is not a valid command:\n{}",
        args.join(" "),
        common::stderr(&out)
    );
}

fn read_yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not well-formed YAML: {e}", path.display()))
}

#[test]
fn recipes_are_yaml_and_their_soarc_commands_exist() {
    let recipes: Vec<PathBuf> = vec![
        root().join("docs/recipes/github-actions.yml"),
        root().join("docs/recipes/azure-pipelines.yml"),
    ];
    for recipe in &recipes {
        let doc = read_yaml(recipe);
        let mut all = Vec::new();
        scripts(&doc, &mut all);
        let commands: Vec<_> = all
            .iter()
            .flat_map(|s| s.lines())
            .flat_map(soarc_commands)
            .collect();
        let subcommands: Vec<&str> = commands.iter().map(|c| c[0].as_str()).collect();
        for needed in ["build", "validate", "diff"] {
            assert!(
                subcommands.contains(&needed),
                "{}: no `soarc {needed}`",
                recipe.display()
            );
        }
        for args in &commands {
            check_command(args, &recipe.display().to_string());
        }
    }
    let text = std::fs::read_to_string(root().join("docs/recipes/github-actions.yml")).unwrap();
    assert!(text.contains("--format sarif") && text.contains("upload-sarif"));
    let text = std::fs::read_to_string(root().join("docs/recipes/azure-pipelines.yml")).unwrap();
    assert!(text.contains("--format junit") && text.contains("PublishTestResults"));

    // pre-commit: a list of hooks with the framework's required keys; entry + args is the
    // command it runs (https://pre-commit.com/#new-hooks).
    let hooks = read_yaml(&root().join(".pre-commit-hooks.yaml"));
    let hooks = hooks.as_array().expect("a list of hooks");
    assert!(hooks.len() >= 2);
    for hook in hooks {
        for key in ["id", "name", "entry", "language"] {
            assert!(
                hook.get(key).and_then(Value::as_str).is_some(),
                "hook without {key}: {hook}"
            );
        }
        let mut line = hook["entry"].as_str().unwrap().to_string();
        for arg in hook
            .get("args")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            line.push(' ');
            line.push_str(arg.as_str().expect("string args"));
        }
        let commands = soarc_commands(&line);
        assert_eq!(commands.len(), 1, "{line}");
        check_command(&commands[0], ".pre-commit-hooks.yaml");
    }
}

#[test]
fn the_recipe_checker_catches_a_wrong_flag() {
    let commands =
        soarc_commands(r#"soarc validate --format sarif "$OUT" > x.sarif && soarc diff a b"#);
    assert_eq!(
        commands,
        [
            vec!["validate", "--format", "sarif", "$OUT"],
            vec!["diff", "a", "b"]
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    for wrong in [
        &["validate", "--formt", "sarif", "--help"][..],
        &["validate", "--format", "yaml", "--help"],
        &["lint", "--help"],
    ] {
        assert_eq!(soarc(wrong, dir.path()).status.code(), Some(2), "{wrong:?}");
    }
}
