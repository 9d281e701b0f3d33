//! The whole pipeline: load → model → compile (WDL) → ARM → files, each output checked
//! against the project's schemas and by `soarc validate`'s rules before anything is written.

use std::path::Path;

use crate::diagnostics::{Diagnostic, Sources};
use crate::output::FileSet;
use crate::schema::{self, OutputKind};
use crate::spec::load;
use crate::{arm, bicep, compile, model, validate};

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
        spec,
        sources,
        errors,
    } = loaded;
    let mut diagnostics = errors;
    let model = model::check(&spec, &mut diagnostics);
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
            Diagnostic::error("SPEC005", "the spec defines no playbooks")
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
                    "SPEC072",
                    format!(
                        "playbook `{}` gets no diagnostic settings: the spec has no `deployment.workspace` to send its run logs to",
                        playbook.name
                    ),
                )
                .help("add `deployment: { workspace: { name: <Sentinel workspace> } }` so failed runs show in Log Analytics and the health workbook"),
            );
        }
        let deployment = match arm::playbook::build(playbook, spec.deployment.as_ref()) {
            Ok(deployment) => deployment,
            Err(errors) => {
                diagnostics.extend(errors);
                continue;
            }
        };
        let dir = Path::new("playbooks").join(&playbook.name);
        let documents = [
            (
                "workflow.json",
                OutputKind::Workflow,
                to_json(&playbook.definition),
            ),
            (
                "azuredeploy.json",
                OutputKind::Template,
                to_json(&deployment.template),
            ),
            (
                "azuredeploy.parameters.json",
                OutputKind::Parameters,
                to_json(&deployment.parameters),
            ),
        ];
        for (file, kind, document) in documents {
            let path = dir.join(file);
            diagnostics.extend(checked(&path, kind, &document, &mut files));
        }
        match bicep::playbook::files(&deployment) {
            Ok(bicep_files) => {
                for (file, text) in bicep_files {
                    files.insert(dir.join(file), text);
                }
            }
            Err(e) => diagnostics.push(
                Diagnostic::error(
                    "OUT002",
                    format!(
                        "cannot write the Bicep of playbook `{}`: {e}",
                        playbook.name
                    ),
                )
                .help("this is a bug in soarc; please report it with the spec"),
            ),
        }
    }
    if let Some(monitoring) = &spec.monitoring {
        match arm::monitoring::build(monitoring, spec.deployment.as_ref()) {
            Ok(Some(deployment)) => {
                let dir = Path::new("monitoring");
                let documents = [
                    (
                        "azuredeploy.json",
                        OutputKind::Template,
                        to_json(&deployment.template),
                    ),
                    (
                        "azuredeploy.parameters.json",
                        OutputKind::Parameters,
                        to_json(&deployment.parameters),
                    ),
                ];
                for (file, kind, document) in documents {
                    let path = dir.join(file);
                    diagnostics.extend(checked(&path, kind, &document, &mut files));
                }
                match bicep::playbook::plain_files(
                    &deployment.template,
                    &deployment.parameters,
                    "Playbook health monitoring: workbook, failure alert and its action group.",
                ) {
                    Ok(bicep_files) => {
                        for (file, text) in bicep_files {
                            files.insert(dir.join(file), text);
                        }
                    }
                    Err(e) => diagnostics.push(
                        Diagnostic::error(
                            "OUT002",
                            format!("cannot write the monitoring Bicep: {e}"),
                        )
                        .help("this is a bug in soarc; please report it with the spec"),
                    ),
                }
            }
            Ok(None) => {}
            Err(errors) => diagnostics.extend(errors),
        }
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Failure {
            sources,
            diagnostics,
        });
    }
    Ok(Built {
        files,
        warnings: diagnostics,
        sources,
        playbooks: compiled.len(),
    })
}

/// Check a generated document against its schema and with `soarc validate`, and add it to
/// the file set; what is found are soarc bugs.
fn checked(
    path: &Path,
    kind: OutputKind,
    document: &serde_json::Value,
    files: &mut FileSet,
) -> Vec<Diagnostic> {
    // A schema violation here is a soarc bug, not a user error: say so.
    let mut diagnostics: Vec<Diagnostic> = schema::check(kind, document)
        .into_iter()
        .map(|violation| {
            Diagnostic::error(
                "OUT001",
                format!(
                    "generated {} violates its schema: {violation}",
                    path.display()
                ),
            )
            .help("this is a bug in soarc; please report it with the spec")
        })
        .collect();
    let text = schema::pretty(document);
    // The same checker users run on hand-written templates (`soarc validate`).
    diagnostics.extend(self_check(path, &text));
    files.insert(path.to_path_buf(), text);
    diagnostics
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
            diagnostic.help("this is a bug in soarc; please report it with the spec")
        })
        .collect()
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
            "resources": [], "outputs": {"o": {"type": "string", "value": "[parameters('x')]"}}}"#;
        let diagnostics = self_check(Path::new("playbooks/p/azuredeploy.json"), text);
        assert_eq!(diagnostics.len(), 1);
        assert!(diagnostics[0].is_error());
        assert_eq!(diagnostics[0].code, "ARM004");
        assert!(self_check(Path::new("x.json"), r#"{"resources": []}"#).is_empty());
    }
}
