//! The whole pipeline: load → model → compile (WDL) → ARM → files, each output checked
//! against the project's schemas and by `soarc validate`'s rules before anything is written.

use std::path::{Path, PathBuf};

use crate::codes;
use crate::output::FileSet;
use crate::schema::{self, OutputKind};
use crate::spec::load;
use soarc_lang::arm;
use soarc_lang::diagnostics::{Diagnostic, Sources};
use soarc_validate as validate;

use crate::automation;
use crate::emit::{self, az, bicep};
use crate::{compile, model};

/// A failed build: every problem found, and the sources to render them against.
#[derive(Debug)]
pub struct Failure {
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
}

/// A successful build: the files to write and any warnings.
#[derive(Debug)]
pub struct Built {
    pub files: FileSet,
    pub warnings: Vec<Diagnostic>,
    pub sources: Sources,
    pub playbooks: usize,
    pub automation_rules: usize,
    /// The spec as built: `sync:` expanded into the playbooks and automation rules it
    /// generates (what `soarc test` runs).
    pub spec: crate::spec::Spec,
}

/// Build spec files into the output file set (nothing is written here).
pub fn build(paths: &[impl AsRef<Path>]) -> Result<Built, Failure> {
    let loaded = load::load_files(paths).map_err(|(sources, diagnostics)| Failure {
        sources,
        diagnostics,
    })?;
    build_loaded(loaded)
}

/// Build an already loaded spec.
pub fn build_loaded(loaded: load::Loaded) -> Result<Built, Failure> {
    let load::Loaded {
        mut spec,
        sources,
        errors,
    } = loaded;
    let mut diagnostics = errors;
    // `sync:` becomes ordinary playbooks and rules before anything is checked.
    crate::sync::expand(&mut spec, &mut diagnostics);
    let model = model::check(&spec, &mut diagnostics);
    // Tests may run the playbooks `sync:` generates, so they are checked after expansion.
    crate::spec_tests::check(&spec, &mut diagnostics);
    // Rules are checked before the playbooks compile so one run reports both.
    let compiled_rules = automation::compile(&spec, &sources, &mut diagnostics);
    let compiled = match compile::compile(&model, &sources) {
        Ok(compiled) if !diagnostics.iter().any(Diagnostic::is_error) => compiled,
        Ok(_) => {
            return Err(Failure {
                sources,
                diagnostics,
            });
        }
        Err(errors) => {
            diagnostics.extend(errors);
            return Err(Failure {
                sources,
                diagnostics,
            });
        }
    };
    if compiled.is_empty() {
        diagnostics.push(
            Diagnostic::error(codes::SPEC005.code, "the spec defines no playbooks")
                .help("add a `playbooks:` list; `soarc init` writes a starter spec"),
        );
        return Err(Failure {
            sources,
            diagnostics,
        });
    }

    let mut files = FileSet::default();
    for playbook in &compiled {
        if spec.deployment.is_none() {
            diagnostics.push(
                Diagnostic::warning(
                    codes::SPEC072.code,
                    format!(
                        "playbook `{}` gets no diagnostic settings: the spec has no `deployment.workspace` to send its run logs to",
                        playbook.name
                    ),
                )
                .at(playbook.span)
                .help("add `deployment: { workspace: { name: <Sentinel workspace> } }` so failed runs show in Log Analytics and the health workbook"),
            );
        }
    }
    let mut outputs = Outputs::default();
    for playbook_outputs in in_parallel(&compiled, |playbook| {
        playbook_outputs(playbook, spec.deployment.as_ref())
    }) {
        outputs.extend(playbook_outputs);
    }
    if !compiled_rules.rules.is_empty() {
        outputs.extend(automation_rules(&spec, &compiled_rules));
    }
    if let Some(monitoring) = &spec.monitoring {
        outputs.extend(monitoring_outputs(monitoring, spec.deployment.as_ref()));
    }
    for (path, text) in outputs.files {
        files.insert(path, text);
    }
    diagnostics.extend(outputs.diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Failure {
            sources,
            diagnostics,
        });
    }
    let (playbooks, automation_rules) = (compiled.len(), compiled_rules.rules.len());
    drop(model);
    Ok(Built {
        files,
        warnings: diagnostics,
        sources,
        playbooks,
        automation_rules,
        spec,
    })
}

/// Generated files and what was found while generating and checking them.
#[derive(Default)]
struct Outputs {
    files: Vec<(PathBuf, String)>,
    diagnostics: Vec<Diagnostic>,
}

impl Outputs {
    fn extend(&mut self, other: Outputs) {
        self.files.extend(other.files);
        self.diagnostics.extend(other.diagnostics);
    }

    /// A JSON document, checked against its schema and by `soarc validate`.
    fn document(&mut self, path: PathBuf, kind: OutputKind, document: &serde_json::Value) {
        for violation in schema::check(kind, document) {
            self.diagnostics.push(soarc_bug(
                codes::OUT001.code,
                format!(
                    "generated {} violates its schema: {violation}",
                    path.display()
                ),
            ));
        }
        let text = schema::pretty(document);
        // The same checker users run on hand-written templates (`soarc validate`).
        self.diagnostics.extend(self_check(&path, &text));
        self.files.push((path, text));
    }

    /// `azuredeploy.json` and `azuredeploy.parameters.json` in `dir`.
    fn deployment(
        &mut self,
        dir: &Path,
        template: &arm::Template,
        parameters: &arm::ParametersFile,
    ) {
        self.document(
            dir.join("azuredeploy.json"),
            OutputKind::Template,
            &to_json(template),
        );
        self.document(
            dir.join("azuredeploy.parameters.json"),
            OutputKind::Parameters,
            &to_json(parameters),
        );
    }

    /// The Bicep files of `what`, or why the printer could not write them (a soarc bug).
    fn bicep(
        &mut self,
        dir: &Path,
        files: Result<Vec<(String, String)>, bicep::Unsupported>,
        what: &str,
    ) {
        match files {
            Ok(files) => self
                .files
                .extend(files.into_iter().map(|(file, text)| (dir.join(file), text))),
            Err(e) => self.diagnostics.push(soarc_bug(
                codes::OUT002.code,
                format!("cannot write the Bicep of {what}: {e}"),
            )),
        }
    }
}

/// A problem in soarc's own output: say so, so users report it instead of fighting it.
fn soarc_bug(code: &'static str, message: String) -> Diagnostic {
    Diagnostic::error(code, message).help("this is a bug in soarc; please report it with the spec")
}

/// The files of one playbook (workflow, ARM, parameters, Bicep), each checked against its
/// schema and by `soarc validate`; problems found are soarc bugs or missing deployment facts.
fn playbook_outputs(
    playbook: &compile::CompiledPlaybook,
    deployment_spec: Option<&crate::spec::Located<crate::spec::Deployment>>,
) -> Outputs {
    let mut outputs = Outputs::default();
    let deployment = match compile::deployment::playbook(playbook, deployment_spec) {
        Ok(target) => emit::arm::playbook::build(playbook, &target),
        Err(errors) => {
            outputs.diagnostics = errors;
            return outputs;
        }
    };
    let dir = Path::new("playbooks").join(&playbook.name);
    outputs.document(
        dir.join("workflow.json"),
        OutputKind::Workflow,
        &to_json(&playbook.definition),
    );
    outputs.deployment(&dir, &deployment.template, &deployment.parameters);
    outputs.bicep(
        &dir,
        bicep::playbook::files(&deployment),
        &format!("playbook `{}`", playbook.name),
    );
    outputs
}

/// `monitoring/`: the health workbook, failure alert and action group (ARM and Bicep).
fn monitoring_outputs(
    monitoring: &crate::spec::Located<crate::spec::Monitoring>,
    deployment_spec: Option<&crate::spec::Located<crate::spec::Deployment>>,
) -> Outputs {
    let mut outputs = Outputs::default();
    match compile::deployment::monitoring(monitoring, deployment_spec) {
        Ok(Some(checked)) => {
            let deployment = emit::arm::monitoring::build(&checked);
            let dir = Path::new("monitoring");
            outputs.deployment(dir, &deployment.template, &deployment.parameters);
            outputs.bicep(
                dir,
                bicep::playbook::plain_files(
                    &deployment.template,
                    &deployment.parameters,
                    "Playbook health monitoring: workbook, failure alert and its action group.",
                ),
                "the monitoring",
            );
        }
        Ok(None) => {}
        Err(errors) => outputs.diagnostics = errors,
    }
    outputs
}

/// `f` over `items` on all cores, results in input order (so output stays deterministic).
/// Playbooks are independent once compiled; generating and checking their files is most of
/// a large build.
fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || items.len() < 8 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("playbook output workers do not panic"))
            .collect()
    })
}

/// Run `soarc validate` on a generated document; its findings are soarc bugs.
fn self_check(path: &Path, text: &str) -> Vec<Diagnostic> {
    let (_, findings) = validate::validate_text(text);
    findings
        .into_iter()
        .filter(|f| f.severity != validate::Severity::Info)
        .map(|f| {
            let message = format!(
                "generated {} fails validation at {} (line {}): {}",
                path.display(),
                if f.pointer.is_empty() {
                    "/"
                } else {
                    &f.pointer
                },
                f.line,
                f.message
            );
            let diagnostic = match f.severity {
                validate::Severity::Error => Diagnostic::error(f.code, message),
                _ => Diagnostic::warning(f.code, message),
            };
            // A literal credential is copied from the spec as written (an HTTP step's
            // header, query or URI): the spec's problem, not soarc's.
            if f.code == validate::rules::wdl023_hardcoded_credential::RULE.code {
                return diagnostic.help(
                    "the spec writes this credential literally, so it ends up in the template and the run history; \
                     authenticate the HTTP step with `authentication: managed_identity` where the API allows it, \
                     and keep keys out of specs",
                );
            }
            diagnostic.help("this is a bug in soarc; please report it with the spec")
        })
        .collect()
}

/// `automation-rules/`: ARM template and parameters, Bicep, and the az CLI script.
fn automation_rules(spec: &crate::spec::Spec, compiled: &automation::Compiled) -> Outputs {
    let mut outputs = Outputs::default();
    let deployment = spec.deployment.as_ref();
    let workspace = deployment.map(|d| &d.workspace);
    let target = emit::arm::automation::Target {
        workspace_name: workspace.map(|w| w.name.value.clone()),
        workspace_resource_group: workspace
            .and_then(|w| w.resource_group.as_ref())
            .map(|g| g.value.clone()),
        playbooks_resource_group: deployment
            .and_then(|d| d.resource_group.as_ref())
            .map(|g| g.value.clone()),
        security_insights_object_id: deployment
            .and_then(|d| d.security_insights_object_id.as_ref())
            .map(|id| id.value.clone()),
        grant_playbook_runner_role: deployment
            .and_then(|d| d.grant_playbook_runner_role.as_ref())
            .map(|g| g.value),
    };
    let object_id = deployment.and_then(|d| d.security_insights_object_id.as_ref());
    if let Some(id) = object_id
        && uuid::Uuid::parse_str(&id.value).is_err()
    {
        outputs.diagnostics.push(
            Diagnostic::error(
                codes::SPEC074.code,
                format!(
                    "`deployment.security_insights_object_id` `{}` is not a GUID",
                    id.value
                ),
            )
            .at(id.span)
            .label("not a GUID")
            .help(format!(
                "write the object id that `az ad sp show --id {} --query id -o tsv` prints",
                emit::arm::automation::SECURITY_INSIGHTS_APP_ID
            )),
        );
        return outputs;
    }
    if compiled.runs_spec_playbooks && object_id.is_none() {
        let mut warning = Diagnostic::warning(
            codes::SPEC073.code,
            "the automation rules' parameters files leave `SecurityInsightsObjectId` unset: \
             `deployment.security_insights_object_id` is not in the spec",
        )
        .help(format!(
            "set `deployment.security_insights_object_id` to the output of \
             `az ad sp show --id {app} --query id -o tsv`, or deploy with \
             `--parameters SecurityInsightsObjectId=$(az ad sp show --id {app} --query id -o tsv)` \
             (`main.bicepparam` reads the environment variable SECURITY_INSIGHTS_OBJECT_ID)",
            app = emit::arm::automation::SECURITY_INSIGHTS_APP_ID
        ));
        if let Some(d) = spec.deployment.as_ref() {
            warning = warning.at(d.span).label("no `security_insights_object_id`");
        }
        outputs.diagnostics.push(warning);
    }
    let dir = Path::new(automation::OUTPUT_DIR);
    let built =
        emit::arm::automation::build(&compiled.rules, &target, compiled.runs_spec_playbooks);
    for rule in &compiled.rules {
        for violation in schema::check(OutputKind::AutomationRule, &to_json(&rule.properties)) {
            outputs.diagnostics.push(soarc_bug(
                codes::OUT001.code,
                format!(
                    "generated automation rule `{}` violates its schema: {violation}",
                    rule.name
                ),
            ));
        }
    }
    outputs.deployment(dir, &built.template, &built.parameters);
    outputs.bicep(
        dir,
        bicep::automation::files(&built),
        "the automation rules",
    );
    match az::script(&compiled.rules, &target, compiled.runs_spec_playbooks) {
        Ok(script) => outputs.files.push((dir.join("az-commands.sh"), script)),
        Err(e) => outputs.diagnostics.push(soarc_bug(
            codes::OUT001.code,
            format!("cannot write az-commands.sh for the automation rules: {e}"),
        )),
    }
    outputs
}

fn to_json(value: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(value).expect("generated documents serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_check_turns_findings_into_diagnostics() {
        let text = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "resources": [], "outputs": {"o": {"type": "string", "value": "[parameters('x')]"}}}"#;
        let diagnostics = self_check(Path::new("playbooks/p/azuredeploy.json"), text);
        assert_eq!(diagnostics.len(), 1);
        assert!(diagnostics[0].is_error());
        assert_eq!(diagnostics[0].code, "ARM004");
        // A complete template (ARM023: `$schema`, `contentVersion` and `resources` are required).
        let clean = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "resources": []}"#;
        assert!(self_check(Path::new("x.json"), clean).is_empty());
    }
}
