//! `soarc import`: the corpus round trip (import each of the 255 real templates of
//! `../shared/reference/corpus`, build the spec exactly as written, compare the workflow
//! definitions), the committed imported example, and the command line.

use crate::common::*;

use std::path::{Path, PathBuf};

use serde_json::Value;
use soarc_compiler::import::{self, Imported};
use soarc_lang::diagnostics::Sources;

/// The outcome of one template's round trip.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// Every workflow of the template came back identical.
    Identical,
    /// `soarc import` refused it: the code of the first error.
    ImportError(String),
    /// The imported spec does not build: the code of the first error.
    BuildError(String),
    /// It built, but a definition differs: the JSON pointer of the first difference.
    Differs(String),
}

/// Templates that do not round-trip, each with why. The test fails when this table and the
/// corpus disagree in either direction, so it stays true.
const EXPLAINED: &[(&str, &str, &str)] = &[
    (
        "public/Azure-Samples__azure-logic-apps-deployment-samples/api-management-actions__templates__logic-app-template.json",
        "IMP005",
        "a template skeleton: the workflow has no trigger",
    ),
    (
        "public/Azure-Samples__azure-logic-apps-deployment-samples/integration-account-connections__templates__logic-app-template.json",
        "IMP005",
        "a template skeleton: the workflow has no trigger",
    ),
    (
        "public/Azure__Microsoft-Defender-for-Cloud/Remediation scripts__Enable auditing for the SQL server__Logic App__azuredeploy.json",
        "not a valid template expression",
        "real defect: `[parameters('workspaces_@{variables('WorkspaceName')}_externalid')]` is not a valid ARM expression (Azure rejects the template)",
    ),
    (
        "public/Azure__Microsoft-Defender-for-Cloud/Workflow automation__Configure-MDE__Source__azuredeploy.json",
        "IMP003",
        "the workflow holds `listKeys()`, a value that exists only at deployment",
    ),
    (
        "public/Azure__Microsoft-Defender-for-Cloud/Workflow automation__Enable-NSG-OnSubnet__azureDeploy.json",
        "WDL003",
        "real defect found by soarc validate: `encodeURIComponent` called with 2 arguments",
    ),
    (
        "public/Azure__Microsoft-Defender-for-Cloud/Workflow automation__Export-ASCDataToEventHub__azuredeploy.json",
        "IMP003",
        "real defect: `newGuid()` in the workflow, where ARM allows it only in a parameter's default value (Azure rejects the template)",
    ),
    (
        "public/Azure__Microsoft-Defender-for-Cloud/Workflow automation__Notify-ASCRecommendationsResourceTag__azuredeploy.json",
        "WDL007",
        "real defect found by soarc validate: `parameters('GRC Team')` names no declared parameter",
    ),
    (
        "public/Azure__Microsoft-Defender-for-Cloud/Workflow automation__Open-DevOpsTaskRecommendation__azuredeploy.json",
        "WDL018",
        "real defect found by soarc validate: the definition nests `triggers` in `triggers` (a trigger with no type)",
    ),
    (
        "public/Azure__Microsoft-Defender-for-Cloud/Workflow automation__Protect Azure VM Backup from Ransomware__azuredeploy.json",
        "WDL007",
        "real defect found by soarc validate: `parameters('BCDR Admin Email')` names no declared parameter (the template declares `Backup Admin Email`)",
    ),
    (
        "public/Azure__azure-resource-manager-schemas/tools__templateTests__Template_2.2019-04-01.json",
        "IMP004",
        "an ARM schema test file: the definition has a made-up key `prop1`",
    ),
    (
        "public/Azure__logicapps/scripts__recurrence-jobs__schedulesWithConn.json",
        "WDL007",
        "real defect found by soarc validate: the workflow reads `parameters('$connections')` but its definition declares no `$connections`",
    ),
    (
        "public/Sebmolendijk__ARMLogicApps/EntitiesEnrichment__UserEnrichment.template.json",
        "IMP006",
        "real defect: `Compose_JSON` runs after `Mcas_profile`, an action of another block (Logic Apps rejects a runAfter outside the action's own block)",
    ),
    (
        "public/Sebmolendijk__ARMLogicApps/GCP-Reporting__GCP-Reporting.template.json",
        "SPEC115",
        "the definition spells a parameter's key `defaultvalue`, which the spec's `as_imported.parameters` (exact WDL key names) does not accept",
    ),
    (
        "public/Sebmolendijk__ARMLogicApps/ReportedEmailInvestigation__azuredeploy.json",
        "IMP003",
        "real defect: the workflow uses template parameter `mcas-apiToken`, which the template does not declare (Azure rejects the template)",
    ),
    (
        "public/jeffhollan__LogicAppTemplateCreator/LogicAppTemplate.Test__TestFiles__paramGeneratorLogicAppTemplate.json",
        "IMP006",
        "real defect (a test file of a template generator): `Parse_JSON` runs after `Get_blob_content`, an action of another block",
    ),
    (
        "public/jeffhollan__LogicAppTemplateCreator/LogicAppTemplate__Templates__starterTemplate.json",
        "IMP005",
        "a template skeleton: the workflow has no trigger",
    ),
    (
        "public/swiftsolves-msft__Azure-Sentinel-Playbooks/IncidentClosed-Sync-ASCAlertDismiss__azuredeploy.json",
        "WDL007",
        "real defect found by soarc validate: the workflow reads `parameters('rgname')` (and `subid`, `worksid`), which its definition does not declare",
    ),
    (
        "sentinel/general/Solutions__Veeam__Playbooks__Veeam-ChangeCollectionTime__changeCollectionTimeRoles.json",
        "IMP002",
        "no Logic Apps workflow in the file (role assignments / a Function App only)",
    ),
    (
        "sentinel/jira/Solutions__AtlassianJiraAudit__Playbooks__Sync-CommentsFunctionApp__azuredeploy.json",
        "IMP002",
        "no Logic Apps workflow in the file (role assignments / a Function App only)",
    ),
];

fn import_file(path: &Path) -> Result<Imported, Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut sources = Sources::default();
    let id = sources.add(path.to_path_buf(), text);
    import::import(&sources, id).map_err(|diagnostics| {
        diagnostics
            .iter()
            .map(|d| format!("{} {}", d.code, d.message))
            .collect()
    })
}

/// The part of a definition the round trip compares: triggers, actions, parameters and
/// outputs (soarc writes the 2016-06-01 `$schema` and contentVersion 1.0.0.0 itself).
/// Parameter types compare case-insensitively, as Logic Apps reads them (Learn, "Schema
/// reference guide for the Workflow Definition Language", Parameters).
fn comparable(definition: &Value) -> Value {
    let mut parameters = definition
        .get("parameters")
        .cloned()
        .unwrap_or_else(|| serde_json::json!({}));
    if let Some(parameters) = parameters.as_object_mut() {
        for declaration in parameters.values_mut() {
            if let Some(kind) = declaration.get("type").and_then(Value::as_str) {
                declaration["type"] = Value::String(kind.to_ascii_lowercase());
            }
        }
    }
    let mut actions = definition
        .get("actions")
        .cloned()
        .unwrap_or_else(|| serde_json::json!({}));
    empty_run_after(&mut actions);
    serde_json::json!({
        "parameters": parameters,
        "triggers": definition.get("triggers").cloned().unwrap_or_else(|| serde_json::json!({})),
        "actions": actions,
        "outputs": definition.get("outputs").cloned().unwrap_or_else(|| serde_json::json!({})),
    })
}

/// Every action of `actions` (nested ones included) without `runAfter` gets `runAfter: {}`:
/// both mean the action starts with its block (Learn, "Schema reference guide for trigger and
/// action types in Azure Logic Apps", runAfter is optional; the designer writes `{}` for the
/// first action of a block).
fn empty_run_after(actions: &mut Value) {
    let Some(actions) = actions.as_object_mut() else {
        return;
    };
    for action in actions.values_mut() {
        let Some(action) = action.as_object_mut() else {
            continue;
        };
        action
            .entry("runAfter")
            .or_insert_with(|| serde_json::json!({}));
        if let Some(inner) = action.get_mut("actions") {
            empty_run_after(inner);
        }
        if let Some(inner) = action.get_mut("else").and_then(|e| e.get_mut("actions")) {
            empty_run_after(inner);
        }
        if let Some(inner) = action.get_mut("default").and_then(|e| e.get_mut("actions")) {
            empty_run_after(inner);
        }
        if let Some(cases) = action.get_mut("cases").and_then(Value::as_object_mut) {
            for case in cases.values_mut() {
                if let Some(inner) = case.get_mut("actions") {
                    empty_run_after(inner);
                }
            }
        }
    }
}

/// The JSON pointer of the first difference between `a` and `b` (objects compared up to key
/// order), or `None` when they are equal.
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (key, value) in x {
                let here = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                match y.get(key) {
                    Some(other) => {
                        if let Some(found) = first_difference(value, other, &here) {
                            return Some(found);
                        }
                    }
                    None => return Some(format!("{here} (missing in the build)")),
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("{at}/{k} (added by the build)"))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{at}/{i}"))),
        _ if a == b => None,
        _ => Some(at.to_string()),
    }
}

/// Import, build and compare one template; also returns the import's statistics.
fn round_trip(path: &Path) -> (Outcome, Vec<import::PlaybookStats>) {
    let imported = match import_file(path) {
        Ok(imported) => imported,
        Err(errors) => return (Outcome::ImportError(errors[0].clone()), Vec::new()),
    };
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "imported.yaml", &imported.yaml);
    let built = match soarc_compiler::build::build(&[&spec]) {
        Ok(built) => built,
        Err(failure) => {
            let first = failure
                .diagnostics
                .iter()
                .find(|d| d.is_error())
                .map(|d| format!("{} {}", d.code, d.message))
                .unwrap_or_default();
            return (Outcome::BuildError(first), imported.playbooks);
        }
    };
    let source: Value = serde_json::from_str(
        std::fs::read_to_string(path)
            .unwrap()
            .trim_start_matches('\u{feff}'),
    )
    .unwrap();
    for (name, original) in &imported.definitions {
        let file = Path::new("playbooks").join(name).join("azuredeploy.json");
        let text = built
            .files
            .files
            .get(&file)
            .unwrap_or_else(|| panic!("{}: no {}", path.display(), file.display()));
        let template: Value = serde_json::from_str(text).unwrap();
        let compiled = match deployed_definition(&template) {
            Ok(compiled) => compiled,
            Err(e) => return (Outcome::Differs(e), imported.playbooks),
        };
        if let Some(at) = first_difference(&comparable(original), &comparable(&compiled), "") {
            return (Outcome::Differs(at), imported.playbooks);
        }
        if let Some(problem) = parameters_differ(&source, &template, original) {
            return (Outcome::Differs(problem), imported.playbooks);
        }
    }
    (Outcome::Identical, imported.playbooks)
}

/// The workflow definition of a generated template as ARM deploys it, read with the same
/// evaluator as the original: literal text unescaped, and what only the deployment decides
/// left as the deployment value (the ARM expression) it is. Equal to the original's means
/// equal for every deployment, given the same template parameters ([`parameters_differ`]).
fn deployed_definition(template: &Value) -> Result<Value, String> {
    let found = import::arm::find_workflows(template);
    let [workflow] = found.as_slice() else {
        return Err(format!(
            "{} workflows in the generated template",
            found.len()
        ));
    };
    let scope = import::arm::Scope::of_template(template);
    scope
        .evaluate(&workflow.definition)
        .map_err(|(at, e)| format!("generated definition{at}: {}", e.0))
}

/// Every template parameter the original's deployment values use is a parameter of the
/// generated template with the same type and, like the original, no default value.
fn parameters_differ(source: &Value, generated: &Value, original: &Value) -> Option<String> {
    let mut names = Vec::new();
    deployment_parameters(original, &mut names);
    for name in names {
        let declared = &source["parameters"][&name];
        let built = &generated["parameters"][&name];
        let kind = |v: &Value| v["type"].as_str().map(str::to_ascii_lowercase);
        if kind(declared) != kind(built) || built.get("defaultValue").is_some() {
            return Some(format!(
                "template parameter `{name}`: {built} for {declared}"
            ));
        }
    }
    None
}

fn deployment_parameters(value: &Value, names: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(text)) = map.get(soarc_compiler::deployment_values::KEY) {
                let parsed = soarc_lang::arm::expr::parse_expr(text).unwrap();
                parsed.walk(&mut |e| {
                    if let soarc_lang::arm::expr::Expr::Call { name, args } = e
                        && name.eq_ignore_ascii_case("parameters")
                        && let Some(soarc_lang::arm::expr::Expr::Str(p)) = args.first()
                    {
                        names.push(p.clone());
                    }
                });
            }
            map.values().for_each(|v| deployment_parameters(v, names));
        }
        Value::Array(items) => items.iter().for_each(|v| deployment_parameters(v, names)),
        _ => {}
    }
}

fn corpus_files(corpus: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![corpus.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn corpus_round_trip() {
    let Some(reference) = reference_dir("the import round trip over the corpus") else {
        return;
    };
    let corpus = reference.join("corpus");
    let files = corpus_files(&corpus);
    assert_eq!(files.len(), 255, "the corpus has 255 templates");
    let mut identical = 0;
    let mut unexplained = Vec::new();
    let mut seen_explained = Vec::new();
    let (mut sentinel_actions, mut sentinel_typed) = (0, 0);
    let (mut all_actions, mut all_typed, mut all_connector) = (0, 0, 0);
    // Templates are independent: round-trip them on every core, then tally in corpus order.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut results: Vec<Option<_>> = (0..files.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let files = &files;
                scope.spawn(move || {
                    (t..files.len())
                        .step_by(threads)
                        .map(|i| (i, round_trip(&files[i])))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for worker in workers {
            for (i, result) in worker.join().expect("a round-trip thread panicked") {
                results[i] = Some(result);
            }
        }
    });
    for (path, result) in files.iter().zip(results) {
        let relative = path
            .strip_prefix(&corpus)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let (outcome, stats) = result.expect("every template was round-tripped");
        for s in &stats {
            all_actions += s.actions;
            all_typed += s.typed;
            all_connector += s.connector;
            if relative.starts_with("sentinel/") {
                sentinel_actions += s.actions;
                sentinel_typed += s.typed;
            }
        }
        let explained = EXPLAINED.iter().find(|(file, _, _)| *file == relative);
        match (&outcome, explained) {
            (Outcome::Identical, None) => identical += 1,
            (Outcome::Identical, Some(_)) => unexplained.push(format!(
                "{relative}: now identical, remove it from EXPLAINED"
            )),
            (outcome, Some((_, prefix, _))) => {
                let shown = format!("{outcome:?}");
                if shown.contains(prefix) {
                    seen_explained.push(relative.clone());
                } else {
                    unexplained.push(format!(
                        "{relative}: {shown}, but EXPLAINED says `{prefix}`"
                    ));
                }
            }
            (outcome, None) => unexplained.push(format!("(\"{relative}\", \"{outcome:?}\")")),
        }
    }
    let share = |n: usize, of: usize| {
        if of == 0 {
            0.0
        } else {
            100.0 * n as f64 / of as f64
        }
    };
    println!(
        "round trip: {identical} of {} templates identical ({:.1}%), {} explained",
        files.len(),
        share(identical, files.len()),
        seen_explained.len()
    );
    println!(
        "actions as typed steps: {sentinel_typed} of {sentinel_actions} in corpus/sentinel ({:.1}%); whole corpus: {all_typed} typed, {all_connector} connector, of {all_actions}",
        share(sentinel_typed, sentinel_actions)
    );
    // Typed-step recognition, measured 2026-11-29: 166 of the 258 actions imported from
    // corpus/sentinel are typed steps (64.3%; goal 60%) and 64 more `connector` steps; over
    // the corpus 1,768 typed and 286 connector of 2,911. Counts, not shares, so that
    // templates which start to import (more actions) do not trip it; this guards against
    // going back.
    assert!(
        sentinel_typed >= 166,
        "only {sentinel_typed} of {sentinel_actions} corpus/sentinel actions imported as typed steps"
    );
    assert!(
        all_typed >= 1768 && all_typed + all_connector >= 2054,
        "typed steps {all_typed}, connector steps {all_connector} over the corpus"
    );
    // Measured when the table was written: 236 identical (92.5%), 19 explained (186 before
    // deployment values and custom connectors were kept, 234 before workflows without
    // actions were imported). The goal of 95% is not met: of the 19, 11 are real defects of
    // the original and 5 are skeletons without a trigger or files without a workflow; this
    // guards against going back.
    assert!(identical >= 236, "only {identical} templates round-trip");
    assert!(
        unexplained.is_empty(),
        "{} template(s) not as EXPLAINED says:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
}

/// The committed example `examples/imported-servicenow-record.yaml` is what `soarc import`
/// writes for Microsoft's "Create SNOW record" incident playbook (plus a hand-written
/// `tests:` block), and building it gives back that playbook's workflow definition.
#[test]
fn the_imported_servicenow_example_round_trips() {
    let Some(reference) = reference_dir("the imported ServiceNow example") else {
        return;
    };
    let template = reference.join(
        "corpus/sentinel/servicenow/Solutions__Servicenow__Playbooks__Create-SNOW-record__incident-trigger__azuredeploy.json",
    );
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/imported-servicenow-record.yaml");
    let committed = std::fs::read_to_string(&example).unwrap();
    let imported = import_file(&template).unwrap();
    assert!(
        committed.starts_with(&imported.yaml),
        "the example is no longer what `soarc import` writes; re-import it"
    );
    let rest = &committed[imported.yaml.len()..];
    assert!(
        rest.contains("\ntests:\n"),
        "only `tests:` is added by hand"
    );
    assert!(
        !rest.contains("\nplaybooks:"),
        "only `tests:` is added by hand"
    );
    let built = build_example(&example);
    let text =
        &built.files.files[&Path::new("playbooks/createsnowrecord/workflow.json").to_path_buf()];
    let compiled: Value = serde_json::from_str(text).unwrap();
    let (_, original) = &imported.definitions[0];
    assert_eq!(
        first_difference(&comparable(original), &comparable(&compiled), ""),
        None
    );
    // The original's five actions, names and graph as written; no soarc additions.
    let actions = compiled["actions"].as_object().unwrap();
    assert_eq!(
        actions.keys().collect::<Vec<_>>(),
        ["Initialize_variable", "Switch", "Create_Record"]
    );
    assert_eq!(
        compiled["actions"]["Create_Record"]["runAfter"],
        serde_json::json!({ "Switch": ["Succeeded"] })
    );
    assert!(
        !text.contains("retryPolicy") && !text.contains("\"Main\""),
        "{text}"
    );
    assert_eq!(imported.playbooks[0].actions, 5);
}

/// `soarc import` on the command line: the spec on stdout or in --out, a summary on stderr,
/// an existing file it did not write is left alone, and errors point into the template.
#[test]
fn import_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let template = write(
        dir.path(),
        "azuredeploy.json",
        r#"{
  "parameters": { "Email": { "type": "string" } },
  "resources": [ { "type": "Microsoft.Logic/workflows", "name": "My Playbook",
    "properties": { "definition": {
      "triggers": { "manual": { "type": "Request", "kind": "Http", "inputs": { "schema": {} } } },
      "actions": { "Reply": { "type": "Response", "inputs": { "statusCode": 200, "body": "[parameters('Email')]" } } }
    } } } ]
}"#,
    );
    // A template parameter without a value stays a parameter of the generated template,
    // and the workflow holds it as the ARM expression it was (a deployment value).
    let output = soarc(&["import", "azuredeploy.json"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let spec = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(spec.contains("name: my-playbook"), "{spec}");
    assert!(spec.contains("trigger_name: manual"), "{spec}");
    assert!(
        spec.contains("template_parameters:\n      Email:\n        type: string\n"),
        "{spec}"
    );
    assert!(
        spec.contains("body:\n            $arm: parameters('Email')"),
        "{spec}"
    );
    assert!(
        stderr(&output).contains("1 action(s)"),
        "{}",
        stderr(&output)
    );
    write(dir.path(), "kept.yaml", &spec);
    let output = soarc(&["build", "kept.yaml", "--out", "kept"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let generated: Value = serde_json::from_str(
        &std::fs::read_to_string(
            dir.path()
                .join("kept/playbooks/my-playbook/azuredeploy.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        generated["parameters"]["Email"],
        serde_json::json!({ "type": "string", "metadata": { "description": "Parameter `Email` of the imported template" } })
    );
    let workflow = generated["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.Logic/workflows")
        .unwrap();
    assert_eq!(
        workflow["properties"]["definition"]["actions"]["Reply"]["inputs"]["body"],
        "[parameters('Email')]"
    );
    let bicep =
        std::fs::read_to_string(dir.path().join("kept/playbooks/my-playbook/main.bicep")).unwrap();
    assert!(bicep.contains("param Email string"), "{bicep}");
    assert!(bicep.contains("body: Email"), "{bicep}");

    // --parameters: a parameters file's value takes the parameter's place.
    write(
        dir.path(),
        "values.json",
        r#"{ "parameters": { "Email": { "value": "ir@contoso.com" } } }"#,
    );
    let output = soarc(
        &["import", "azuredeploy.json", "--parameters", "values.json"],
        dir.path(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let spec = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(spec.contains("body: ir@contoso.com"), "{spec}");
    assert!(!spec.contains("template_parameters:"), "{spec}");
    write(dir.path(), "bad.json", r#"{ "Email": 1 }"#);
    let output = soarc(
        &["import", "azuredeploy.json", "--parameters", "bad.json"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("IMP041"), "{}", stderr(&output));

    // What cannot be kept is an error at its place in the template.
    let listed = std::fs::read_to_string(&template).unwrap().replace(
        "[parameters('Email')]",
        "[listKeys('x', '2019-01-01').key1]",
    );
    write(dir.path(), "listkeys.json", &listed);
    let output = soarc(&["import", "listkeys.json"], dir.path());
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("IMP003"), "{text}");
    assert!(text.contains("`listKeys()`"), "{text}");
    assert!(text.contains("listkeys.json:6:90"), "{text}");
    assert!(text.contains("/actions/Reply/inputs/body"), "{text}");

    write(dir.path(), "mine.yaml", "# my own spec\n");
    let output = soarc(
        &["import", "azuredeploy.json", "--out", "mine.yaml"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("was not written by `soarc import`"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("mine.yaml")).unwrap(),
        "# my own spec\n"
    );

    let output = soarc(
        &["import", "azuredeploy.json", "--out", "spec.yaml"],
        dir.path(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let output = soarc(&["build", "spec.yaml", "--out", "out"], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let workflow: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/playbooks/my-playbook/workflow.json"))
            .unwrap(),
    )
    .unwrap();
    // workflow.json holds the definition as the template does, deployment values included.
    assert_eq!(
        workflow["actions"]["Reply"]["inputs"]["body"],
        "[parameters('Email')]"
    );
    assert_eq!(workflow["triggers"]["manual"]["kind"], "Http");
    // Re-importing over a spec an import wrote is allowed.
    let output = soarc(
        &["import", "azuredeploy.json", "--out", "spec.yaml"],
        dir.path(),
    );
    assert!(output.status.success(), "{}", stderr(&output));

    // Never through a link, not even with --force: the file it points at is untouched.
    #[cfg(unix)]
    {
        write(dir.path(), "victim.txt", "precious\n");
        std::os::unix::fs::symlink(dir.path().join("victim.txt"), dir.path().join("link.yaml"))
            .unwrap();
        let output = soarc(
            &[
                "import",
                "azuredeploy.json",
                "--out",
                "link.yaml",
                "--force",
            ],
            dir.path(),
        );
        assert_eq!(output.status.code(), Some(2));
        assert!(
            stderr(&output).contains("not a regular file"),
            "{}",
            stderr(&output)
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("victim.txt")).unwrap(),
            "precious\n"
        );
    }
}

/// A spec playbook with deployment values, the way `soarc import` writes one.
fn deployment_value_spec(value: &str, parameters: &str) -> String {
    format!(
        r#"deployment:
  subscription_id: 00000000-0000-0000-0000-000000000000
  resource_group: rg
  workspace: {{ name: ws }}
playbooks:
- name: imported
  trigger:
    verbatim: {{ type: Request, kind: Http, inputs: {{ schema: {{}} }} }}
  as_imported:
    trigger_name: manual
    template_parameters:
{parameters}
  steps:
  - action:
      name: Reply
      definition:
        type: Response
        inputs:
          statusCode: 200
          body: {value}
          text: "[not an expression]"
"#
    )
}

/// Deployment values are checked by the compiler and written into the template as the ARM
/// expressions they are, with the template parameters they use; literal text starting with
/// `[` stays escaped.
#[test]
fn deployment_values_become_template_expressions() {
    let spec = deployment_value_spec(
        r#"{ $arm: "concat('/subscriptions/', subscription().subscriptionId, '/', parameters('recipientaddress'))" }"#,
        "      RecipientAddress: { type: string, description: Who is told }",
    );
    let built = builds(&spec);
    let template = built_json(&built, "playbooks/imported/azuredeploy.json");
    assert_eq!(
        template["parameters"]["RecipientAddress"],
        serde_json::json!({ "type": "string", "metadata": { "description": "Who is told" } })
    );
    let workflow = template["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.Logic/workflows")
        .unwrap();
    let inputs = &workflow["properties"]["definition"]["actions"]["Reply"]["inputs"];
    // The parameter's name as declared; the expression printed from its AST.
    assert_eq!(
        inputs["body"],
        "[concat('/subscriptions/', subscription().subscriptionId, '/', parameters('RecipientAddress'))]"
    );
    assert_eq!(inputs["text"], "[[not an expression]");
    // No value is invented for it in the parameters file.
    let parameters = built_json(&built, "playbooks/imported/azuredeploy.parameters.json");
    assert!(parameters["parameters"].get("RecipientAddress").is_none());
}

#[test]
fn deployment_values_name_only_declared_parameters_and_deployment_functions() {
    let declared = "      RecipientAddress: { type: string }";
    for (value, needle) in [
        (
            r#"{ $arm: "parameters('Other')" }"#,
            "`parameters('Other')` names no parameter of `as_imported.template_parameters`",
        ),
        (
            r#"{ $arm: "listKeys('x', '2019-01-01').key1" }"#,
            "`listKeys()` reads a resource",
        ),
        (r#"{ $arm: "variables('x')" }"#, "no template variables"),
        (r#"{ $arm: "concat(" }"#, "is not an ARM expression"),
        (
            r#"{ $arm: "subscription().id", other: 1 }"#,
            "also has `other`",
        ),
    ] {
        fails_on(
            &deployment_value_spec(value, declared),
            "SPEC130",
            &["spec.yaml:17:", needle],
        );
    }
    // Outside an imported playbook there is no template parameter to name.
    let spec = deployment_value_spec(r#"{ $arm: "subscription().id" }"#, declared)
        .replace(
            "  as_imported:\n    trigger_name: manual\n    template_parameters:\n      RecipientAddress: { type: string }\n",
            "",
        );
    fails_on(&spec, "SPEC130", &["only for playbooks imported"]);
}

#[test]
fn template_parameters_cannot_take_soarcs_own_names() {
    fails_on(
        &deployment_value_spec(
            r#"{ $arm: "parameters('playbookname')" }"#,
            "      playbookname: { type: string }",
        ),
        "SPEC131",
        &["spec.yaml:12:21", "already declares `PlaybookName`"],
    );
}

/// A custom connector (`Microsoft.Web/customApis`, deployed separately) is a managed
/// connection with `custom_connector: true`: soarc creates the connection to it by its
/// resource id in the playbook's resource group and lists it to authorise.
#[test]
fn custom_connector_connections_name_the_custom_api() {
    let spec = |api: &str| {
        format!(
            r#"connections:
  carbonblack:
    kind: managed
    api: {api}
    custom_connector: true
deployment: {{ workspace: {{ name: ws }} }}
playbooks:
- name: enrich
  trigger: incident
  steps:
  - action:
      name: Get_device
      definition:
        type: ApiConnection
        inputs:
          host: {{ connection: {{ name: "@parameters('$connections')['carbonblack']['connectionId']" }} }}
          method: get
          path: /devices
"#
        )
    };
    let built = builds(&spec("CarbonBlackCloudConnector"));
    let template = built_json(&built, "playbooks/enrich/azuredeploy.json");
    let resources = template["resources"].as_array().unwrap();
    let connection = resources
        .iter()
        .find(|r| {
            r["type"] == "Microsoft.Web/connections"
                && r["properties"]["api"]["id"]
                    .as_str()
                    .is_some_and(|id| id.contains("customApis"))
        })
        .expect("the custom connector's connection");
    assert_eq!(
        connection["properties"]["api"]["id"],
        "[resourceId('Microsoft.Web/customApis', 'CarbonBlackCloudConnector')]"
    );
    let workflow = resources
        .iter()
        .find(|r| r["type"] == "Microsoft.Logic/workflows")
        .unwrap();
    assert_eq!(
        workflow["properties"]["parameters"]["$connections"]["value"]["carbonblack"]["id"],
        "[resourceId('Microsoft.Web/customApis', 'CarbonBlackCloudConnector')]"
    );
    assert!(
        template["metadata"]["postDeployment"]
            .to_string()
            .contains("Authorize the CarbonBlackCloudConnector connection carbonblack"),
        "{}",
        template["metadata"]
    );
    fails_on(
        &spec("Carbon/Black"),
        "SPEC100",
        &["spec.yaml:3:5", "not a custom connector name"],
    );
}

/// A playbook whose definition holds a deployment value (a template parameter without a
/// default) still gets typed steps: verification compiles it with the template parameters
/// declared. An action's `description` is kept under `as_imported.descriptions` and the
/// build gives the definition back, description and deployment value included.
#[test]
fn typed_steps_next_to_deployment_values_and_descriptions_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let template = write(
        dir.path(),
        "azuredeploy.json",
        r#"{
  "parameters": { "Recipient": { "type": "string" } },
  "resources": [ { "type": "Microsoft.Logic/workflows", "name": "described",
    "properties": { "definition": {
      "triggers": { "manual": { "type": "Request", "kind": "Http", "inputs": { "schema": {} } } },
      "actions": {
        "Init": { "type": "InitializeVariable", "description": "the priority",
          "inputs": { "variables": [ { "name": "Priority", "type": "string", "value": "[[P3]" } ] },
          "runAfter": {} },
        "Raise": { "type": "SetVariable", "description": "raised",
          "inputs": { "name": "Priority", "value": "P1" }, "runAfter": { "Init": ["Succeeded"] } },
        "Reply": { "type": "Response",
          "inputs": { "statusCode": 200, "body": "[parameters('Recipient')]" },
          "runAfter": { "Raise": ["Succeeded"] } }
      } } } } ]
}"#,
    );
    let imported = import_file(&template).unwrap();
    let stats = &imported.playbooks[0];
    assert_eq!((stats.actions, stats.typed, stats.verbatim), (3, 2, 1));
    let spec: Value = serde_saphyr::from_str(&imported.yaml).unwrap();
    let playbook = &spec["playbooks"][0];
    assert_eq!(
        playbook["as_imported"]["descriptions"],
        serde_json::json!({ "Init": "the priority", "Raise": "raised" })
    );
    assert_eq!(
        playbook["as_imported"]["template_parameters"]["Recipient"]["type"],
        "string"
    );
    // The literal `[P3]` (written `[[P3]` in the template) stays a literal, in the spec and
    // escaped again in the generated template.
    assert_eq!(playbook["steps"][0]["initialize_variable"]["value"], "[P3]");
    assert_eq!(playbook["steps"][1]["set_variable"]["value"], "P1");
    assert_eq!(
        playbook["steps"][2]["action"]["definition"]["inputs"]["body"],
        serde_json::json!({ "$arm": "parameters('Recipient')" })
    );
    let (outcome, _) = round_trip(&template);
    assert!(matches!(outcome, Outcome::Identical), "{outcome:?}");
    let built = builds(&imported.yaml);
    let generated = built_json(&built, "playbooks/described/azuredeploy.json");
    let workflow = generated["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.Logic/workflows")
        .unwrap();
    let actions = &workflow["properties"]["definition"]["actions"];
    assert_eq!(actions["Init"]["description"], "the priority");
    assert_eq!(actions["Init"]["inputs"]["variables"][0]["value"], "[[P3]");
    assert_eq!(
        actions["Reply"]["inputs"]["body"],
        "[parameters('Recipient')]"
    );
}

/// `as_imported.descriptions` must name an action of the playbook.
#[test]
fn descriptions_name_actions_of_the_playbook() {
    let spec = deployment_value_spec("1", "      Unused: { type: string }").replace(
        "  steps:\n",
        "    descriptions: { Replay: what it does }\n  steps:\n",
    );
    fails_on(
        &spec,
        "SPEC115",
        &[
            "`as_imported.descriptions` names `Replay`",
            "did you mean `Reply`?",
        ],
    );
}

/// A workflow without actions (a starter skeleton, which Logic Apps saves) imports as an
/// `as_imported` playbook with `steps: []` and builds back to `actions: {}`; a playbook
/// written as a spec still needs a step.
#[test]
fn workflows_without_actions_import_only_as_imported_playbooks() {
    let dir = tempfile::tempdir().unwrap();
    let workflow = write(
        dir.path(),
        "workflow.json",
        r#"{ "definition": {
  "triggers": { "manual": { "type": "Request", "kind": "Http", "inputs": { "schema": {} } } },
  "actions": {}, "outputs": {} } }"#,
    );
    let imported = import_file(&workflow).unwrap();
    assert!(
        imported.yaml.contains("\n  steps: []\n"),
        "{}",
        imported.yaml
    );
    assert_eq!(imported.playbooks[0].actions, 0);
    let (outcome, _) = round_trip(&workflow);
    assert!(matches!(outcome, Outcome::Identical), "{outcome:?}");
    let built = builds(&imported.yaml);
    let definition = built_json(&built, "playbooks/workflow/workflow.json");
    assert_eq!(definition["actions"], serde_json::json!({}));
    // Without `as_imported:` the same playbook is an error.
    fails_on(
        "deployment: { workspace: { name: ws } }\nplaybooks:\n- name: empty\n  trigger: incident\n  steps: []\n",
        "SPEC031",
        &["playbook `empty` has no steps"],
    );
}

/// A deployment value inside a typed step's JSON value (here a `compose` value) is checked
/// and written into the template as its ARM expression, next to an escaped literal `[`; in a
/// playbook without `as_imported:` it is an error (SPEC130), not an object with a `$arm` key.
#[test]
fn deployment_values_in_typed_step_values() {
    let spec = deployment_value_spec("1", "      Workspace: { type: string }").replace(
        "  steps:\n",
        "  steps:\n  - compose:\n      name: Ask\n      value: { workspaceId: { $arm: \"parameters('workspace')\" }, note: \"[literal]\" }\n",
    );
    let built = builds(&spec);
    let template = built_json(&built, "playbooks/imported/azuredeploy.json");
    let workflow = template["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.Logic/workflows")
        .unwrap();
    let inputs = &workflow["properties"]["definition"]["actions"]["Ask"]["inputs"];
    assert_eq!(
        inputs,
        &serde_json::json!({ "workspaceId": "[parameters('Workspace')]", "note": "[[literal]" })
    );
    fails_on(
        "deployment: { workspace: { name: ws } }\nplaybooks:\n- name: plain\n  trigger: incident\n  steps:\n  - compose:\n      name: Ask\n      value: { id: { $arm: \"subscription().id\" } }\n",
        "SPEC130",
        &["only for playbooks imported with `as_imported:`"],
    );
}
