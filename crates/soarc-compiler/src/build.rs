//! The whole pipeline: load → model → compile (WDL) → ARM → files, each output checked
//! against the project's schemas and by `soarc validate`'s rules before anything is written.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::codes;
use crate::output::{FileSet, OutputError, Sink};
use crate::schema::{self, OutputKind};
use crate::spec::load;
use soarc_lang::arm;
use soarc_lang::diagnostics::{Diagnostic, Sources, Span};
use soarc_validate as validate;

use crate::automation;
use crate::emit::arm::layout::Part;
use crate::emit::{self, az, bicep};
use crate::environments::Target;
use crate::incremental::Recorded;
use crate::spec::{Located, Playbook};
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

/// How `build` lays out the files of a spec.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Layout {
    /// Per playbook a complete deployment (ARM, parameters, Bicep), the automation rules,
    /// the monitoring, and `deploy/`: one template deploying all of them in order.
    #[default]
    Az,
    /// For Microsoft Sentinel Repositories: templates holding only the resource types it
    /// deploys, `sentinel-deployment.config`, and `prerequisites/` for the rest (deployed
    /// once with `az`).
    Repositories,
}

/// Build options.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub layout: Layout,
}

/// A successful build whose files went to a [`Sink`] as they were generated.
#[derive(Debug)]
pub struct Streamed {
    pub warnings: Vec<Diagnostic>,
    pub sources: Sources,
    pub playbooks: usize,
    pub automation_rules: usize,
    /// How many files went to the sink.
    pub files: usize,
    /// How many playbooks were not built again: their files in OUT were reused, unchanged
    /// since an earlier build from the same inputs ([`crate::incremental`]).
    pub reused: usize,
    pub spec: crate::spec::Spec,
}

/// Why a streamed build stopped: problems in the spec, or the sink could not take a file.
#[derive(Debug)]
pub enum StreamError {
    Spec(Failure),
    Output(OutputError),
}

/// Build spec files into the output file set (nothing is written here).
pub fn build(paths: &[impl AsRef<Path>]) -> Result<Built, Failure> {
    build_with(paths, Options::default())
}

/// [`build`] with options.
pub fn build_with(paths: &[impl AsRef<Path>], options: Options) -> Result<Built, Failure> {
    let loaded = load::load_files(paths).map_err(|(sources, diagnostics)| Failure {
        sources,
        diagnostics,
    })?;
    build_loaded_with(loaded, options)
}

/// Build an already loaded spec.
pub fn build_loaded(loaded: load::Loaded) -> Result<Built, Failure> {
    build_loaded_with(loaded, Options::default())
}

/// [`build_loaded`] with options, into memory.
pub fn build_loaded_with(loaded: load::Loaded, options: Options) -> Result<Built, Failure> {
    let mut files = FileSet::default();
    match build_into(loaded, options, &mut files) {
        Ok(streamed) => Ok(Built {
            files,
            warnings: streamed.warnings,
            sources: streamed.sources,
            playbooks: streamed.playbooks,
            automation_rules: streamed.automation_rules,
            spec: streamed.spec,
        }),
        Err(StreamError::Spec(failure)) => Err(failure),
        Err(StreamError::Output(e)) => unreachable!("an in-memory file set takes every file: {e}"),
    }
}

/// Build spec files, giving each generated file to `sink` as soon as it is made and checked.
/// Nothing reaches the sink once an error is known; a sink that writes must only make its
/// files visible when this returns `Ok` (see [`crate::output::Writer`]).
pub fn build_files_into(
    paths: &[impl AsRef<Path>],
    options: Options,
    sink: &mut dyn Sink,
) -> Result<Streamed, StreamError> {
    let loaded = load::load_files(paths).map_err(|(sources, diagnostics)| {
        StreamError::Spec(Failure {
            sources,
            diagnostics,
        })
    })?;
    build_into(loaded, options, sink)
}

/// How many playbooks are compiled and generated at a time: enough to keep every core busy,
/// few enough that a batch's workflows and files stay small in memory (issue #12). Two
/// batches are in memory at once: one being written while the next compiles.
const BATCH: usize = 32;

/// At most this many deployments go into the one ordered deployment (`deploy/`,
/// `prerequisites/`): each is a resource of that template, and ARM allows 800 resources in
/// a template (Learn, "Template limits": https://learn.microsoft.com/azure/azure-resource-manager/templates/best-practices#template-limits).
/// It also bounds the memory a build of thousands of playbooks holds for it.
const MAX_PARTS: usize = 800;

/// The largest template ARM accepts, "after it has been expanded" (same page as
/// [`MAX_PARTS`]): 4 MB. The ordered deployment inlines every playbook's template, so it
/// reaches this long before 800 playbooks (about 45 KB each).
const MAX_TEMPLATE_BYTES: usize = 4 * 1024 * 1024;

/// Build an already loaded spec, streaming its files into `sink` (see [`build_files_into`]).
pub fn build_into(
    loaded: load::Loaded,
    options: Options,
    sink: &mut dyn Sink,
) -> Result<Streamed, StreamError> {
    let load::Loaded {
        mut spec,
        sources,
        errors,
    } = loaded;
    let mut diagnostics = errors;
    // `sync:` becomes ordinary playbooks and rules before anything is checked.
    crate::sync::expand(&mut spec, &mut diagnostics);
    let targets = crate::environments::targets(&mut spec, options.layout, &mut diagnostics);
    crate::env_values::check(&spec, &sources, &targets, &mut diagnostics);
    let model = model::check(&spec, &sources, &mut diagnostics);
    // Tests may run the playbooks `sync:` generates, so they are checked after expansion.
    crate::spec_tests::check(&spec, &mut diagnostics);
    // Rules are checked before the playbooks compile so one run reports both.
    let compiled_rules = automation::compile(&spec, &sources, &mut diagnostics);
    let (errors, playbooks) = compile::check_playbooks(&model, &sources);
    diagnostics.extend(errors);
    if spec.playbooks.is_empty() {
        diagnostics.push(
            Diagnostic::error(codes::SPEC005.code, "the spec defines no playbooks")
                .help("add a `playbooks:` list; `soarc init` writes a starter spec"),
        );
    }
    // Playbooks compile and generate a batch at a time, each batch on all cores; a batch's
    // files go to the sink while the next batch compiles. Once an error is known, playbooks
    // are still compiled (to report every error at once) but generate nothing.
    let mut emitted = Emitted::new(&targets);
    let mut unplaced = Vec::new();
    let mut env_values_used = HashSet::new();
    let mut all_compiled = true;
    let facts = emit::readme::facts(&spec);
    let keep_parts = playbooks.len() <= MAX_PARTS;
    // The incremental build (issue #12): a playbook whose key matches an earlier build's
    // and whose files in OUT are unchanged is not built again. Only for a sink that writes
    // OUT, a spec without errors so far, and the `az` layout (the Repositories layout's
    // configuration file is made from every playbook's files and is always built in full).
    let keys = (sink.incremental()
        && options.layout == Layout::Az
        && !diagnostics.iter().any(Diagnostic::is_error))
    .then(|| crate::incremental::keys(&spec, &targets, options, &sources, &playbooks, keep_parts));
    // Everything that depends on many playbooks (automation rules, monitoring, `deploy/`):
    // reused, the playbooks' deployments are not needed for the ordered deployment.
    let rest_reused = match &keys {
        Some(keys) => sink.reuse(&keys.rest).map_err(StreamError::Output)?,
        None => None,
    };
    let need_parts = keep_parts && rest_reused.is_none();
    let mut reused_playbooks = 0;
    let batches: Vec<&[&Located<Playbook>]> = playbooks.chunks(BATCH).collect();
    let mut failed = diagnostics.iter().any(Diagnostic::is_error);
    // The batch compiled last, whose files go to the sink while the next batch compiles: the
    // workers generate and check files while this thread writes (issue #12).
    let mut previous: Option<(usize, Vec<Compiled>, Vec<Option<Recorded>>)> = None;
    for number in 0..=batches.len() {
        let next = match batches.get(number) {
            Some(batch) => {
                let generate = !failed;
                let batch_keys = keys
                    .as_ref()
                    .map(|k| &k.playbooks[number * BATCH..][..batch.len()]);
                let mut reused = Vec::with_capacity(batch.len());
                for i in 0..batch.len() {
                    reused.push(match batch_keys {
                        Some(keys) if generate => {
                            sink.reuse(&keys[i]).map_err(StreamError::Output)?
                        }
                        _ => None,
                    });
                }
                Some((batch, generate, reused))
            }
            None => None,
        };
        let (model, sources, targets, facts) = (&model, &sources, &targets, &facts);
        let computed = std::thread::scope(|scope| -> Result<_, StreamError> {
            let worker = next.map(|(batch, generate, reused)| {
                let work: Vec<(&&Located<Playbook>, bool)> = batch
                    .iter()
                    .zip(reused.iter().map(Option::is_some))
                    .collect();
                let handle = scope.spawn(move || {
                    in_parallel(&work, |&(playbook, reused)| {
                        compile_one(
                            model,
                            sources,
                            targets,
                            facts,
                            options.layout,
                            playbook,
                            reused,
                            need_parts,
                            generate,
                        )
                    })
                });
                (handle, reused)
            });
            let join = |worker: Option<(std::thread::ScopedJoinHandle<'_, Vec<Compiled>>, _)>| {
                worker.map(|(handle, reused)| {
                    (
                        number,
                        handle.join().expect("playbook workers do not panic"),
                        reused,
                    )
                })
            };
            let Some((done, results, mut reused)) = previous.take() else {
                return Ok(join(worker));
            };
            // The state before this batch, as when batches ran one after the other: once an
            // error is known, nothing more goes to the sink.
            let generate = !failed;
            let batch = batches[done];
            let batch_keys = keys
                .as_ref()
                .map(|k| &k.playbooks[done * BATCH..][..batch.len()]);
            for (i, result) in results.into_iter().enumerate() {
                let result = match (result, reused[i].take()) {
                    (Err(errors), _) => Err(errors),
                    (Ok(item), Some(recorded)) => {
                        reused_playbooks += 1;
                        let playbook = batch[i];
                        let parts = match item {
                            Some(Item::Parts(parts)) => parts,
                            _ => targets.iter().map(|_| Ok(Vec::new())).collect(),
                        };
                        let mut errors = Vec::new();
                        for (i, part) in parts.into_iter().enumerate() {
                            match part {
                                Ok(part) if keep_parts => emitted.parts[i].extend(part),
                                Ok(_) => {}
                                Err(found) => errors.extend(found),
                            }
                        }
                        if errors.is_empty() {
                            emitted.replay(&recorded);
                            Ok((
                                playbook.name.value.clone(),
                                compile::name_span(playbook),
                                recorded.env_values,
                                None,
                            ))
                        } else {
                            Err(errors)
                        }
                    }
                    (Ok(Some(Item::Built(name, span, env_values, outputs))), None) => Ok((
                        name,
                        span,
                        env_values,
                        Some(if generate { outputs } else { Vec::new() }),
                    )),
                    (Ok(_), None) => unreachable!("a playbook not reused is built"),
                };
                match result {
                    Err(errors) => {
                        all_compiled = false;
                        failed |= errors.iter().any(Diagnostic::is_error);
                        diagnostics.extend(errors);
                    }
                    Ok((name, span, env_values, outputs)) => {
                        let record_values = env_values.clone();
                        env_values_used.extend(env_values);
                        if spec.deployment.is_none() {
                            unplaced.push(
                                Diagnostic::warning(
                                    codes::SPEC072.code,
                                    format!(
                                        "playbook `{name}` gets no diagnostic settings: the spec has no `deployment.workspace` to send its run logs to"
                                    ),
                                )
                                .at(span)
                                .help("add `deployment: { workspace: { name: <Sentinel workspace> } }` so failed runs show in Log Analytics and the health workbook"),
                            );
                        }
                        let Some(mut outputs) = outputs else {
                            continue;
                        };
                        if !keep_parts {
                            outputs.iter_mut().for_each(|o| o.parts.clear());
                        }
                        let record = batch_keys.map(|keys| (&keys[i], record_values.as_slice()));
                        emitted.add(targets, outputs, sink, record)?;
                    }
                }
            }
            Ok(join(worker))
        })?;
        previous = computed;
    }
    // A value used only by a playbook that failed to compile is not known to be used.
    if all_compiled {
        crate::env_values::unused(&spec, &targets, &env_values_used, &mut diagnostics);
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(StreamError::Spec(Failure {
            sources,
            diagnostics,
        }));
    }
    drop(facts);
    diagnostics.extend(unplaced);
    if !keep_parts {
        diagnostics.push(
            Diagnostic::warning(
                codes::OUT004.code,
                format!(
                    "no ordered deployment (`{}/`) is written: the spec has {} playbooks, and one template may hold at most {MAX_PARTS} deployments",
                    match options.layout {
                        Layout::Az => crate::environments::DEPLOY_DIR,
                        Layout::Repositories => crate::environments::PREREQUISITES_DIR,
                    },
                    playbooks.len()
                ),
            )
            .help("deploy each playbook folder with its own `az deployment group create`, then the automation rules and the monitoring"),
        );
    }
    match &rest_reused {
        Some(recorded) => emitted.replay(recorded),
        None => {
            let parts = std::mem::replace(
                &mut emitted.parts,
                targets.iter().map(|_| Vec::new()).collect(),
            );
            let rest: Vec<Outputs> = targets
                .iter()
                .zip(parts)
                .zip(&emitted.part_bytes)
                .map(|((target, parts), &known_bytes)| {
                    target_rest(
                        &spec,
                        &compiled_rules,
                        target,
                        options.layout,
                        parts,
                        known_bytes,
                    )
                })
                .collect();
            let record = keys.as_ref().map(|keys| (&keys.rest, &[][..]));
            emitted.add(&targets, rest, sink, record)?;
        }
    }
    diagnostics.extend(std::mem::take(&mut emitted.diagnostics));
    if options.layout == Layout::Repositories {
        emitted.files += 1;
        emitted.pending.push((
            PathBuf::from(crate::environments::CONFIG_FILE),
            schema::pretty(&to_json(&emitted.repositories.config())),
        ));
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(StreamError::Spec(Failure {
            sources,
            diagnostics,
        }));
    }
    for (path, text) in &emitted.pending {
        sink.file(path, text).map_err(StreamError::Output)?;
    }
    let (playbooks, automation_rules) = (playbooks.len(), compiled_rules.rules.len());
    drop(model);
    Ok(Streamed {
        warnings: diagnostics,
        sources,
        playbooks,
        automation_rules,
        files: emitted.files,
        reused: reused_playbooks,
        spec,
    })
}

/// What a worker gives for one playbook.
type Compiled = Result<Option<Item>, Vec<Diagnostic>>;

/// Compile one playbook and, unless it is reused (`reused`: its files are in OUT already),
/// generate and check its files (`generate`: no error is known). A reused playbook is
/// compiled only when the ordered deployment needs its deployments (`need_parts`).
#[allow(clippy::too_many_arguments)]
fn compile_one(
    model: &model::Model<'_>,
    sources: &Sources,
    targets: &[Target],
    facts: &std::collections::HashMap<&str, emit::readme::Facts<'_>>,
    layout: Layout,
    playbook: &Located<Playbook>,
    reused: bool,
    need_parts: bool,
    generate: bool,
) -> Compiled {
    if reused && !need_parts {
        return Ok(None);
    }
    compile::compile_playbook(model, sources, playbook).map(|compiled| {
        if reused {
            // Its files are reused; the ordered deployment needs its deployments.
            return Some(Item::Parts(
                targets
                    .iter()
                    .map(|target| playbook_part(&compiled, target))
                    .collect(),
            ));
        }
        let outputs: Vec<Outputs> = if generate {
            targets
                .iter()
                .enumerate()
                .map(|(i, target)| {
                    // The page is written once, from the first environment.
                    let facts = (i == 0)
                        .then(|| facts.get(compiled.name.as_str()))
                        .flatten();
                    playbook_outputs(&compiled, target, layout, facts)
                })
                .collect()
        } else {
            Vec::new()
        };
        Some(Item::Built(
            compiled.name,
            compiled.span,
            compiled.env_values,
            outputs,
        ))
    })
}

/// A playbook compiled in a worker: built (name, where its name is, the per-environment
/// values it reads, its outputs per environment), or reused with only its deployments for
/// the ordered deployment (per environment).
enum Item {
    Built(String, Span, Vec<String>, Vec<Outputs>),
    Parts(Vec<Result<Vec<Part>, Vec<Diagnostic>>>),
}

/// What the environments' outputs came to so far: every environment deploys the same
/// templates, generated per environment and required to come out identical (OUT003); only
/// each environment's own files (parameters, scripts) differ.
struct Emitted {
    /// Findings, each reported once even when every environment finds it.
    diagnostics: Vec<Diagnostic>,
    seen: HashSet<String>,
    /// Per environment, the deployments its ordered deployment will hold.
    parts: Vec<Vec<Part>>,
    /// Per environment, the compact size of the templates of `parts` where known (those
    /// generated in this build): what the ordered deployment's template holds at least.
    part_bytes: Vec<usize>,
    repositories: crate::environments::RepositoriesConfig,
    /// Files held back to the end (the automation rules', the monitoring's and the
    /// ordered deployment's are written after every check passed).
    pending: Vec<(PathBuf, String)>,
    files: usize,
}

impl Emitted {
    fn new(targets: &[Target]) -> Emitted {
        Emitted {
            diagnostics: Vec::new(),
            seen: HashSet::new(),
            parts: targets.iter().map(|_| Vec::new()).collect(),
            part_bytes: vec![0; targets.len()],
            repositories: crate::environments::RepositoriesConfig::default(),
            pending: Vec::new(),
            files: 0,
        }
    }

    /// One item's outputs, one per environment (in `targets` order): the shared files once,
    /// each environment's own files, its parts and its Repositories entries. Files go to
    /// the sink while no error is known.
    ///
    /// `record`: the item's key and the per-environment values it reads, for the sink to
    /// keep with its files and findings for the next build (the incremental build).
    fn add(
        &mut self,
        targets: &[Target],
        outputs: Vec<Outputs>,
        sink: &mut dyn Sink,
        record: Option<(&crate::incremental::Key, &[String])>,
    ) -> Result<(), StreamError> {
        let mut shared: Vec<(PathBuf, String)> = Vec::new();
        let mut own: Vec<(PathBuf, String)> = Vec::new();
        let mut found = Vec::new();
        for (i, (target, outputs)) in targets.iter().zip(outputs).enumerate() {
            for (path, text) in outputs.files {
                if i == 0 {
                    shared.push((path, text));
                    continue;
                }
                match shared.iter().find(|(p, _)| *p == path) {
                    Some((_, first)) if *first == text => {}
                    _ => self.diagnostics.push(soarc_bug(
                        codes::OUT003.code,
                        format!(
                            "{} differs between environment `{}` and `{}`",
                            path.display(),
                            targets[0].label(),
                            target.label()
                        ),
                    )),
                }
            }
            own.extend(outputs.own);
            if !outputs.parts.is_empty() {
                self.part_bytes[i] += outputs.part_bytes;
            }
            self.parts[i].extend(outputs.parts);
            self.repositories.extend(target, outputs.repositories);
            if record.is_some() {
                found.extend(outputs.diagnostics.iter().cloned());
            }
            self.report(outputs.diagnostics);
        }
        self.files += shared.len() + own.len();
        if self.diagnostics.iter().any(Diagnostic::is_error) {
            return Ok(());
        }
        for (path, text) in shared.iter().chain(&own) {
            sink.file(path, text).map_err(StreamError::Output)?;
        }
        if let Some((key, env_values)) = record {
            let paths: Vec<&Path> = shared
                .iter()
                .chain(&own)
                .map(|(p, _)| p.as_path())
                .collect();
            sink.record(key, &paths, &found, env_values);
        }
        Ok(())
    }

    /// Findings, each reported once even when every environment finds it.
    fn report(&mut self, found: Vec<Diagnostic>) {
        for d in found {
            if self.seen.insert(format!("{d:?}")) {
                self.diagnostics.push(d);
            }
        }
    }

    /// A reused item: its files are in OUT already; what it found is reported as when it
    /// was built.
    fn replay(&mut self, recorded: &crate::incremental::Recorded) {
        self.files += recorded.files;
        self.report(recorded.diagnostics.clone());
    }
}

/// Generated files and what was found while generating and checking them.
#[derive(Default)]
struct Outputs {
    /// Files every environment shares (templates, Bicep, workflow definitions).
    files: Vec<(PathBuf, String)>,
    /// Files of one environment (parameters files, scripts, its ordered deployment).
    own: Vec<(PathBuf, String)>,
    diagnostics: Vec<Diagnostic>,
    /// Deployments that one template deploys together (`deploy/`, `prerequisites/`).
    parts: Vec<Part>,
    /// What `sentinel-deployment.config` says about these files.
    repositories: crate::environments::RepositoriesFiles,
    /// The compact size of the `azuredeploy.json` templates written here: the least their
    /// deployments in `parts` add to the ordered deployment's template.
    part_bytes: usize,
}

impl Outputs {
    fn extend(&mut self, other: Outputs) {
        self.files.extend(other.files);
        self.own.extend(other.own);
        self.diagnostics.extend(other.diagnostics);
        self.parts.extend(other.parts);
        self.repositories.extend(other.repositories);
        self.part_bytes += other.part_bytes;
    }

    /// A JSON document, checked against its schema and by `soarc validate`: into `files`, or
    /// into `own` when `own`. Returns its length written compactly, as ARM measures it.
    fn document(
        &mut self,
        path: PathBuf,
        kind: OutputKind,
        document: &impl serde::Serialize,
        own: bool,
    ) -> usize {
        let text = self.serialized(&path, kind, document);
        // The same checker users run on hand-written templates (`soarc validate`).
        self.diagnostics.extend(self_check(&path, &text));
        let compact = compact_json_len(&text);
        if own {
            self.own.push((path, text));
        } else {
            self.files.push((path, text));
        }
        compact
    }

    /// A document not given to `soarc validate` on its own: a playbook's `workflow.json`,
    /// whose definition `azuredeploy.json` holds and is checked in (see [`playbook_outputs`]).
    fn unchecked_document(
        &mut self,
        path: PathBuf,
        kind: OutputKind,
        document: &impl serde::Serialize,
    ) {
        let text = self.serialized(&path, kind, document);
        self.files.push((path, text));
    }

    /// A document's text, written straight from its type.
    ///
    /// Its schema check runs in debug builds (every build of the test suite) but not in
    /// release builds: the workflow, template and parameters schemas are generated from the
    /// very types these documents serialize, and every constraint in them is one of a Rust
    /// type (an unsigned integer, a required field), so a violation can only come from serde
    /// and schemars attributes that disagree: a property of soarc's code, which the test
    /// suite catches, not of a spec. Checking it meant building each document a second time
    /// as a `serde_json::Value` (issue #12). The automation rules' schema has constraints a
    /// spec can reach (lengths, ranges) and is checked in every build ([`automation_rules`]).
    fn serialized(
        &mut self,
        path: &Path,
        kind: OutputKind,
        document: &impl serde::Serialize,
    ) -> String {
        if cfg!(debug_assertions) {
            self.schema_check(path, kind, &to_json(document));
        }
        schema::pretty(document)
    }

    /// A generated document that breaks its own schema is a soarc bug (OUT001).
    fn schema_check(&mut self, path: &Path, kind: OutputKind, document: &serde_json::Value) {
        for violation in schema::check(kind, document) {
            self.diagnostics.push(soarc_bug(
                codes::OUT001.code,
                format!(
                    "generated {} violates its schema: {violation}",
                    path.display()
                ),
            ));
        }
    }

    /// `azuredeploy.json` and the target's parameters file in `dir`.
    fn deployment(
        &mut self,
        dir: &Path,
        template: &arm::Template,
        parameters: &arm::ParametersFile,
        target: &Target,
    ) {
        self.part_bytes += self.document(
            dir.join("azuredeploy.json"),
            OutputKind::Template,
            template,
            false,
        );
        self.document(
            dir.join(target.file("azuredeploy.parameters", "json")),
            OutputKind::Parameters,
            parameters,
            true,
        );
    }

    /// A Sentinel Repositories content file in `dir`: `azuredeploy.json` holding `template`,
    /// and the target's parameters file with the values of `values` the template declares
    /// (the workspace set for the target). Returns both paths, for the deployment config.
    fn repositories_content(
        &mut self,
        dir: &Path,
        template: &arm::Template,
        values: &arm::ParametersFile,
        target: &Target,
    ) -> (PathBuf, PathBuf) {
        let mut values = values.clone();
        target.set_workspace(&mut values);
        let parameters = emit::arm::layout::parameters_for(template, &values);
        let content = dir.join("azuredeploy.json");
        let parameters_file = dir.join(target.repositories_parameters_file());
        self.document(content.clone(), OutputKind::Template, template, false);
        self.document(
            parameters_file.clone(),
            OutputKind::Parameters,
            &parameters,
            true,
        );
        (content, parameters_file)
    }

    /// The Bicep files of `what`, or why the printer could not write them (a soarc bug).
    /// `main.bicepparam` is the target's.
    fn bicep(
        &mut self,
        dir: &Path,
        files: Result<Vec<(String, String)>, bicep::Unsupported>,
        what: &str,
        target: &Target,
    ) {
        match files {
            Ok(files) => {
                for (file, text) in files {
                    if file == "main.bicepparam" {
                        self.own
                            .push((dir.join(target.file("main", "bicepparam")), text));
                    } else {
                        self.files.push((dir.join(file), text));
                    }
                }
            }
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

/// What one deployment target has besides its playbooks: the automation rules, the
/// monitoring, and the ordered deployment of `parts` (with the rules' and monitoring's).
fn target_rest(
    spec: &crate::spec::Spec,
    compiled_rules: &automation::Compiled,
    target: &Target,
    layout: Layout,
    mut parts: Vec<Part>,
    known_bytes: usize,
) -> Outputs {
    let mut outputs = Outputs::default();
    if !compiled_rules.rules.is_empty() {
        outputs.extend(automation_rules(compiled_rules, target, layout));
    }
    if let Some(monitoring) = &spec.monitoring {
        outputs.extend(monitoring_outputs(monitoring, target, layout));
    }
    parts.append(&mut outputs.parts);
    if parts.is_empty() {
        return outputs;
    }
    // One template deploying the parts in order: everything (`deploy/`), or what
    // Repositories cannot deploy (`prerequisites/`).
    let dir = Path::new(match layout {
        Layout::Az => crate::environments::DEPLOY_DIR,
        Layout::Repositories => crate::environments::PREREQUISITES_DIR,
    });
    let too_large = |size: usize, at_least: bool| {
        Diagnostic::warning(
            codes::OUT004.code,
            format!(
                "no ordered deployment (`{}/`) is written{}: its template would be {}{:.1} MB, and ARM accepts at most 4 MB",
                dir.display(),
                target
                    .name
                    .as_deref()
                    .map(|n| format!(" for environment `{n}`"))
                    .unwrap_or_default(),
                if at_least { "at least " } else { "" },
                size as f64 / (1024.0 * 1024.0)
            ),
        )
        .help("deploy each playbook folder with its own `az deployment group create` (they are independent), then the automation rules and the monitoring; or split the spec")
    };
    // The playbooks' templates alone may be too large already: then the composite is not
    // built (it copies every template, a large part of a build of hundreds of playbooks).
    if known_bytes + outputs.part_bytes > MAX_TEMPLATE_BYTES {
        outputs
            .diagnostics
            .push(too_large(known_bytes + outputs.part_bytes, true));
        return outputs;
    }
    let template = emit::arm::layout::composite(&parts);
    let size = compact_len(&template);
    if size > MAX_TEMPLATE_BYTES {
        outputs.diagnostics.push(too_large(size, false));
        return outputs;
    }
    let file = dir.join(target.file("azuredeploy", "json"));
    let script = dir.join(target.file("deploy", "sh"));
    outputs.document(file.clone(), OutputKind::Template, &template, true);
    outputs.own.push((
        script,
        crate::environments::deploy_script(target, layout, &file),
    ));
    match layout {
        Layout::Repositories => outputs.repositories.excluded.push(file),
        Layout::Az => {
            match bicep::ordered::file(&parts, |part| format!("../{}/main.bicep", part.dir)) {
                Ok(text) => outputs
                    .own
                    .push((dir.join(target.file("main", "bicep")), text)),
                Err(e) => outputs.diagnostics.push(soarc_bug(
                    codes::OUT002.code,
                    format!("cannot write the Bicep of the ordered deployment: {e}"),
                )),
            }
        }
    }
    outputs
}

/// The files of one playbook (workflow, ARM, parameters, Bicep), the template checked by
/// `soarc validate` (see [`Outputs::serialized`] for the schema check); problems found are
/// soarc bugs or missing deployment facts.
fn playbook_outputs(
    playbook: &compile::CompiledPlaybook,
    target: &Target,
    layout: Layout,
    facts: Option<&emit::readme::Facts<'_>>,
) -> Outputs {
    let mut outputs = Outputs::default();
    let dir = Path::new("playbooks").join(&playbook.name);
    // The definition is serialized once: `workflow.json` is written from it, then it is
    // escaped in place for the template (issue #12).
    let definition = to_json(&playbook.definition);
    // `soarc validate` checks the definition once, inside `azuredeploy.json`, where it reads
    // it as ARM does (escaped `[[` literal text unescaped, deployment values as the
    // expressions they are); checking `workflow.json` as well found the same things twice,
    // at a third of the check's cost.
    let workflow = (layout == Layout::Az).then(|| {
        let mut file = Outputs::default();
        let path = dir.join("workflow.json");
        if crate::deployment_values::contains_marker(&definition) {
            // Deployment values are ARM expressions that only the template gives a value,
            // so this file is the definition as the template holds it (literal text escaped
            // `[[`, deployment values `[expression]`), not a workflow Logic Apps could run
            // as it is.
            let escaped = crate::deployment_values::to_template_json(definition.clone());
            file.unchecked_document(path, OutputKind::Workflow, &escaped);
        } else {
            file.unchecked_document(path, OutputKind::Workflow, &definition);
        }
        file
    });
    let deployment = match compile::deployment::playbook(playbook, target.deployment.as_ref()) {
        Ok(facts) => emit::arm::playbook::build_with_definition(playbook, &facts, definition),
        Err(errors) => {
            outputs.diagnostics = errors;
            return outputs;
        }
    };
    match layout {
        Layout::Az => {
            outputs.extend(workflow.expect("made for the az layout"));
            outputs.deployment(&dir, &deployment.template, &deployment.parameters, target);
            outputs.bicep(
                &dir,
                bicep::playbook::files(&deployment),
                &format!("playbook `{}`", playbook.name),
                target,
            );
            if facts.is_some() {
                outputs.files.push((
                    dir.join("README.md"),
                    emit::readme::page(
                        playbook,
                        &deployment,
                        facts,
                        &target.file("azuredeploy.parameters", "json"),
                    ),
                ));
            }
            outputs.parts.push(az_part(playbook, deployment));
        }
        Layout::Repositories => {
            let (mut template, prerequisites) =
                emit::arm::layout::split_playbook(&deployment.template);
            if prerequisites.is_some() {
                template.metadata = Some(emit::arm::playbook::repositories_metadata(playbook));
            }
            let files =
                outputs.repositories_content(&dir, &template, &deployment.parameters, target);
            outputs.repositories.playbooks.push(files);
            if let Some(prerequisites) = prerequisites {
                let parameters =
                    emit::arm::layout::parameters_for(&prerequisites, &deployment.parameters);
                outputs.parts.push(Part {
                    name: format!("{}-prerequisites", playbook.name),
                    dir: format!("playbooks/{}", playbook.name),
                    template: prerequisites,
                    parameters,
                    stage: 0,
                });
            }
        }
    }
    outputs
}

/// A playbook's deployment as a part of the ordered deployment (`deploy/`).
fn az_part(
    playbook: &compile::CompiledPlaybook,
    deployment: emit::arm::playbook::PlaybookDeployment,
) -> Part {
    Part {
        name: playbook.name.clone(),
        dir: format!("playbooks/{}", playbook.name),
        template: deployment.template,
        parameters: deployment.parameters,
        stage: 0,
    }
}

/// The ordered deployment's part of a playbook whose files are reused (`az` layout): what
/// [`playbook_outputs`] gives it, without generating or checking any file.
fn playbook_part(
    playbook: &compile::CompiledPlaybook,
    target: &Target,
) -> Result<Vec<Part>, Vec<Diagnostic>> {
    let facts = compile::deployment::playbook(playbook, target.deployment.as_ref())?;
    Ok(vec![az_part(
        playbook,
        emit::arm::playbook::build(playbook, &facts),
    )])
}

/// `monitoring/`: the health workbook, failure alert and action group (ARM and Bicep).
fn monitoring_outputs(
    monitoring: &crate::spec::Located<crate::spec::Monitoring>,
    target: &Target,
    layout: Layout,
) -> Outputs {
    let mut outputs = Outputs::default();
    match compile::deployment::monitoring(monitoring, target.deployment.as_ref()) {
        Ok(Some(checked)) => {
            let deployment = emit::arm::monitoring::build(&checked);
            if layout == Layout::Az {
                let dir = Path::new("monitoring");
                outputs.deployment(dir, &deployment.template, &deployment.parameters, target);
                outputs.bicep(
                    dir,
                    bicep::playbook::plain_files(
                        &deployment.template,
                        &deployment.parameters,
                        "Playbook health monitoring: workbook, failure alert and its action group.",
                    ),
                    "the monitoring",
                    target,
                );
            }
            // After the playbooks whose run logs it reads.
            outputs.parts.push(Part {
                name: "monitoring".into(),
                dir: "monitoring".into(),
                template: deployment.template,
                parameters: deployment.parameters,
                stage: 1,
            });
        }
        Ok(None) => {}
        Err(errors) => outputs.diagnostics = errors,
    }
    outputs
}

/// `f` over `items` on all cores, results in input order (so output stays deterministic).
/// Playbooks are independent once compiled; generating and checking their files is most of
/// a large build.
///
/// Each worker takes the next item not yet taken, so a worker whose items were quick helps
/// with the rest instead of waiting for the other at the end (with fixed halves, a fresh
/// build of 1,000 playbooks kept 2 cores 80% busy; now 87%, issue #12).
pub(crate) fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || items.len() < 8 {
        return items.iter().map(&f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.min(items.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else {
                            return done;
                        };
                        done.push((i, f(item)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("playbook output workers do not panic"))
            .collect()
    });
    done.sort_unstable_by_key(|&(i, _)| i);
    done.into_iter().map(|(_, r)| r).collect()
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
fn automation_rules(compiled: &automation::Compiled, facts: &Target, layout: Layout) -> Outputs {
    let mut outputs = Outputs::default();
    let deployment = facts.deployment.as_ref();
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
        if let Some(d) = deployment {
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
    match layout {
        Layout::Az => {
            outputs.deployment(dir, &built.template, &built.parameters, facts);
            outputs.bicep(
                dir,
                bicep::automation::files(&built),
                "the automation rules",
                facts,
            );
            match az::script(&compiled.rules, &target, compiled.runs_spec_playbooks) {
                Ok(script) => outputs
                    .own
                    .push((dir.join(facts.file("az-commands", "sh")), script)),
                Err(e) => outputs.diagnostics.push(soarc_bug(
                    codes::OUT001.code,
                    format!("cannot write az-commands.sh for the automation rules: {e}"),
                )),
            }
            // After the playbooks they run.
            outputs.parts.push(Part {
                name: "automation-rules".into(),
                dir: automation::OUTPUT_DIR.into(),
                template: built.template,
                parameters: built.parameters,
                stage: 1,
            });
        }
        Layout::Repositories => {
            let template = emit::arm::layout::repositories_rules(
                &compiled.rules,
                compiled.runs_spec_playbooks,
            );
            let files = outputs.repositories_content(dir, &template, &built.parameters, facts);
            outputs.repositories.rules.push(files);
            // Sentinel's role on the playbooks (deployed by Repositories into the
            // workspace's resource group): a prerequisite.
            let (_, role) = emit::arm::layout::split_rules_role(&built.template);
            if let Some(role) = role {
                let mut parameters = emit::arm::layout::parameters_for(&role, &built.parameters);
                // Repositories deploys the playbooks where the prerequisites are deployed.
                parameters.parameters.shift_remove("PlaybooksResourceGroup");
                outputs.parts.push(Part {
                    name: "automation-rules-role".into(),
                    dir: automation::OUTPUT_DIR.into(),
                    template: role,
                    parameters,
                    stage: 0,
                });
            }
        }
    }
    outputs
}

/// The length of `document` written compactly, as ARM measures a template, counted as it is
/// serialized (a composite template runs to megabytes; it is not kept as text).
fn compact_len(document: &impl serde::Serialize) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, document).expect("generated documents serialize");
    count.0
}

/// The length of `pretty` (JSON as [`schema::pretty`] writes it) written compactly, as ARM
/// measures a template: every space, tab and line break outside strings dropped (inside
/// strings they are escaped or part of the text, so they stay).
fn compact_json_len(pretty: &str) -> usize {
    let (mut length, mut in_string, mut escaped) = (0, false, false);
    for &b in pretty.as_bytes() {
        if in_string {
            length += 1;
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if !matches!(b, b' ' | b'\n' | b'\t' | b'\r') {
            length += 1;
            in_string = b == b'"';
        }
    }
    length
}

fn to_json(value: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(value).expect("generated documents serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_length_is_the_compact_serialization_length() {
        let value = serde_json::json!({
            "a b": [1, 2.5, {"c": "x \" y\\", "d": []}],
            "e": {},
            "f": "tab\tnew\nline [[ ] : ,",
            "g": null
        });
        let compact = serde_json::to_string(&value).unwrap().len();
        assert_eq!(compact_json_len(&schema::pretty(&value)), compact);
        assert_eq!(compact_len(&value), compact);
    }

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
