//! `soarc test`: runs the `tests:` of soarc specs in the simulator.
//!
//! [`load`] builds the specs exactly as `soarc build` does and takes each tested playbook
//! from its generated ARM template and parameters file (so a test runs what is deployed,
//! API connections included), checks what needs the compiled workflow (mock keys, action
//! names: TEST005, TEST006), and turns every test into runs of [`soarc_runtime`].
//! [`run`] runs them and checks the expectations ([`expect`]); [`report`] writes the
//! results as text, JSON or JUnit XML.

pub mod expect;
mod input;
pub mod report;
mod state;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;

use soarc_compiler::build::{self, Failure};
use soarc_compiler::codes;
use soarc_compiler::spec::tests::{Expect, MockAnswers, SpecTest};
use soarc_compiler::spec::{Located, Spec};
use soarc_lang::diagnostics::{Diagnostic, Sources, did_you_mean};
use soarc_runtime::{Mock, MockResponse, Mocks, RunOptions, RunTrace, Workflow};

pub use expect::Mismatch;

/// The tests of some spec files, ready to run.
pub struct Suite {
    pub sources: Sources,
    pub tests: Vec<PreparedTest>,
    /// Warnings of the build (the tests run anyway).
    pub warnings: Vec<Diagnostic>,
}

/// One test, ready to run.
pub struct PreparedTest {
    pub name: String,
    pub playbook: String,
    /// `file:line:col` of the test's name.
    pub location: String,
    /// The spec file, for grouping reports.
    pub file: String,
    pub known_defect: Option<String>,
    workflow: Arc<Workflow>,
    first: Run,
    second: Option<Run>,
}

struct Run {
    options: RunOptions,
    expect: Located<Expect>,
    /// How the expectation block is named in messages.
    prefix: &'static str,
}

/// How one test ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Passed,
    /// Expectations that did not hold.
    Failed(Vec<Mismatch>),
    /// Failed as its `known_defect` says (does not fail the suite).
    KnownDefect {
        reason: String,
        mismatches: Vec<Mismatch>,
    },
    /// Marked `known_defect` but passes: the marker must go.
    DefectFixed {
        reason: String,
    },
    /// The run could not start (e.g. `now` is not a date).
    Error(String),
}

impl Outcome {
    /// Whether this outcome fails `soarc test`.
    pub fn fails(&self) -> bool {
        matches!(
            self,
            Outcome::Failed(_) | Outcome::DefectFixed { .. } | Outcome::Error(_)
        )
    }
}

/// One test's result.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    pub name: String,
    pub playbook: String,
    pub location: String,
    pub file: String,
    pub outcome: Outcome,
    /// The runs' traces (one, or two with `second_run`).
    pub traces: Vec<RunTrace>,
}

/// Builds `paths` and prepares their tests. Errors in the specs (the tests included) are
/// returned as diagnostics, like `soarc build`'s.
pub fn load(paths: &[impl AsRef<Path>]) -> Result<Suite, Failure> {
    let built = build::build(paths)?;
    let mut diagnostics = built.warnings;
    let sources = built.sources;
    let spec = built.spec;
    let mut workflows: HashMap<String, Arc<Workflow>> = HashMap::new();
    let mut tests = Vec::new();
    let first_environment = spec.environments.keys().next().map(|e| e.value.as_str());
    for test in &spec.tests {
        let name = &test.playbook.value;
        let workflow = match workflows.get(name) {
            Some(w) => w.clone(),
            None => match playbook_workflow(&built.files.files, name, first_environment) {
                Ok(w) => {
                    let w = Arc::new(w);
                    workflows.insert(name.clone(), w.clone());
                    w
                }
                Err(message) => {
                    diagnostics.push(
                        Diagnostic::error(
                            codes::TEST007.code,
                            format!(
                                "cannot load playbook `{name}` for test `{}`: {message}",
                                test.name.value
                            ),
                        )
                        .at(test.playbook.span)
                        .help("this is a bug in soarc; please report it with the spec"),
                    );
                    continue;
                }
            },
        };
        if let Some(prepared) = prepare(test, &spec, workflow, &sources, &mut diagnostics) {
            tests.push(prepared);
        }
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Failure {
            sources,
            diagnostics,
        });
    }
    Ok(Suite {
        sources,
        tests,
        warnings: diagnostics,
    })
}

/// The workflow of playbook `name` from its generated `azuredeploy.json` and parameters file.
fn playbook_workflow(
    files: &std::collections::BTreeMap<std::path::PathBuf, String>,
    name: &str,
    first_environment: Option<&str>,
) -> Result<Workflow, String> {
    let dir = Path::new("playbooks").join(name);
    let read = |file: &str| -> Result<Value, String> {
        let text = files
            .get(&dir.join(file))
            .ok_or_else(|| format!("the build wrote no {}", dir.join(file).display()))?;
        serde_json::from_str(text).map_err(|e| e.to_string())
    };
    let template = read("azuredeploy.json")?;
    // A spec with `environments:` has one parameters file per environment
    // (`azuredeploy.parameters.<env>.json`) and no default one: tests run with the first
    // environment's (in the spec's order), its per-environment values included (the
    // templates are the same for all).
    let parameters_file = match first_environment {
        Some(env) => format!("azuredeploy.parameters.{env}.json"),
        None => "azuredeploy.parameters.json".to_string(),
    };
    let parameters = read(&parameters_file)?;
    soarc_runtime::load_workflow(&template, Some(&parameters)).map_err(|e| e.message)
}

/// Every action name of a workflow definition, nested ones included.
fn action_names(definition: &Value) -> BTreeSet<String> {
    fn walk(actions: Option<&Value>, names: &mut BTreeSet<String>) {
        let Some(Value::Object(actions)) = actions else {
            return;
        };
        for (name, action) in actions {
            names.insert(name.clone());
            walk(action.get("actions"), names);
            walk(action.get("else").and_then(|e| e.get("actions")), names);
            walk(action.get("default").and_then(|e| e.get("actions")), names);
            if let Some(Value::Object(cases)) = action.get("cases") {
                for case in cases.values() {
                    walk(case.get("actions"), names);
                }
            }
        }
    }
    let mut names = BTreeSet::new();
    walk(definition.get("actions"), &mut names);
    names
}

/// The operations the simulator's built-in mocks recognise.
fn operations() -> impl Iterator<Item = &'static str> {
    soarc_runtime::services::OPERATIONS
        .iter()
        .map(|(op, _)| *op)
}

fn prepare(
    test: &Located<SpecTest>,
    spec: &Spec,
    workflow: Arc<Workflow>,
    sources: &Sources,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<PreparedTest> {
    let playbook = spec
        .playbooks
        .iter()
        .find(|p| p.name.value == test.playbook.value)?;
    let actions = action_names(&workflow.definition);
    let errors_before = diagnostics.iter().filter(|d| d.is_error()).count();
    let first_mocks = mocks(&test.mocks, &actions, test, diagnostics);
    let second_mocks = test
        .second_run
        .as_ref()
        .map(|s| mocks(&s.mocks, &actions, test, diagnostics));
    let expects = std::iter::once(&test.expect).chain(test.second_run.as_ref().map(|s| &s.expect));
    for expect in expects {
        let named = expect.actions.keys().chain(
            expect
                .calls
                .iter()
                .chain(&expect.no_calls)
                .filter_map(|c| c.action.as_ref()),
        );
        for name in named {
            if !actions.contains(&name.value) {
                diagnostics.push(unknown_action(test, name, &actions));
            }
        }
        for op in expect
            .calls
            .iter()
            .chain(&expect.no_calls)
            .filter_map(|c| c.operation.as_ref())
        {
            if !operations().any(|o| o == op.value) {
                let help = did_you_mean(&op.value, operations())
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| {
                        format!(
                            "operations: {}",
                            operations().collect::<Vec<_>>().join(", ")
                        )
                    });
                diagnostics.push(
                    Diagnostic::error(
                        codes::TEST005.code,
                        format!("`{}` is not an operation soarc's simulator knows", op.value),
                    )
                    .at(op.span.with_len(op.value.chars().count()))
                    .help(help),
                );
            }
        }
    }
    if diagnostics.iter().filter(|d| d.is_error()).count() > errors_before {
        return None;
    }
    let trigger = input::trigger_input(test, playbook);
    let mut first_mocks = first_mocks;
    if let Some(services) = &test.services {
        let data = &mut first_mocks.data;
        data.servicenow_records = services
            .servicenow_records
            .iter()
            .map(|r| r.value.clone())
            .collect();
        data.jira_issues = services
            .jira_issues
            .iter()
            .map(|r| r.value.clone())
            .collect();
        if let Some(size) = &services.page_size {
            data.page_size = size.value as usize;
        }
        data.incident_deleted = services.incident_deleted;
    }
    let now = test.now.as_ref().map(|n| n.value.clone());
    let first = Run {
        options: RunOptions {
            trigger: trigger.clone(),
            mocks: first_mocks.clone(),
            now: now.clone(),
            ..RunOptions::default()
        },
        expect: test.expect.clone(),
        prefix: "expect",
    };
    let second = test.second_run.as_ref().map(|s| {
        // The second run's mocks replace the first run's of the same key.
        let mut mocks = second_mocks.unwrap_or_default();
        let replaced: Vec<Mock> = first_mocks
            .mocks
            .iter()
            .filter(|m| {
                !mocks
                    .mocks
                    .iter()
                    .any(|n| n.operation == m.operation && n.action == m.action)
            })
            .cloned()
            .collect();
        mocks.mocks.extend(replaced);
        Run {
            options: RunOptions {
                trigger,
                mocks,
                now,
                ..RunOptions::default()
            },
            expect: s.expect.clone(),
            prefix: "second_run.expect",
        }
    });
    let location = sources
        .get(test.name.span.file)
        .map(|f| f.path.display().to_string())
        .unwrap_or_default();
    Some(PreparedTest {
        name: test.name.value.clone(),
        playbook: test.playbook.value.clone(),
        location: format!(
            "{location}:{}:{}",
            test.name.span.line, test.name.span.column
        ),
        file: location,
        known_defect: test.known_defect.as_ref().map(|d| d.value.clone()),
        workflow,
        first,
        second,
    })
}

fn unknown_action(
    test: &SpecTest,
    name: &Located<String>,
    actions: &BTreeSet<String>,
) -> Diagnostic {
    let help = did_you_mean(&name.value, actions.iter().map(String::as_str))
        .map(|s| format!("did you mean `{s}`?"))
        .unwrap_or_else(|| {
            format!(
                "the action names are those of the generated workflow.json (`soarc build`), e.g. {}",
                actions.iter().take(8).map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
            )
        });
    Diagnostic::error(
        codes::TEST006.code,
        format!(
            "playbook `{}` has no action `{}`",
            test.playbook.value, name.value
        ),
    )
    .at(name.span.with_len(name.value.chars().count()))
    .label("no such action")
    .help(help)
}

/// The runtime mocks of a test's `mocks:`; unknown keys are TEST005.
fn mocks(
    spec_mocks: &IndexMap<Located<String>, Located<MockAnswers>>,
    actions: &BTreeSet<String>,
    test: &SpecTest,
    diagnostics: &mut Vec<Diagnostic>,
) -> Mocks {
    let mut out = Mocks::default();
    for (key, answers) in spec_mocks {
        let respond: Vec<MockResponse> = answers
            .value
            .responses()
            .into_iter()
            .map(|r| MockResponse {
                status: r.status.as_ref().map_or(200, |s| s.value),
                headers: r
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
                body: r.body.as_ref().map_or(Value::Null, |b| b.value.clone()),
                timeout: r.timeout,
            })
            .collect();
        let mock = if operations().any(|o| o == key.value) {
            Mock::operation(&key.value, respond)
        } else if actions.contains(&key.value) {
            Mock {
                action: Some(key.value.clone()),
                respond,
                ..Mock::default()
            }
        } else {
            let mut candidates: Vec<&str> = operations().collect();
            candidates.extend(actions.iter().map(String::as_str));
            let help = did_you_mean(&key.value, candidates)
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| {
                    format!(
                        "mock an operation ({}) or an action of playbook `{}` by name",
                        operations().collect::<Vec<_>>().join(", "),
                        test.playbook.value
                    )
                });
            diagnostics.push(
                Diagnostic::error(
                    codes::TEST005.code,
                    format!(
                        "mock key `{}` is neither an operation soarc's simulator knows nor an action of playbook `{}`",
                        key.value, test.playbook.value
                    ),
                )
                .at(key.span.with_len(key.value.chars().count()))
                .label("unknown mock key")
                .help(help),
            );
            continue;
        };
        out.mocks.push(mock);
    }
    out
}

/// Runs the tests whose name contains `filter` (case-insensitive), in spec order.
pub fn run(suite: &Suite, filter: Option<&str>) -> Vec<TestResult> {
    let filter = filter.map(str::to_lowercase);
    let mut prepared = HashMap::new();
    suite
        .tests
        .iter()
        .filter(|t| {
            filter
                .as_deref()
                .is_none_or(|f| t.name.to_lowercase().contains(f))
        })
        .map(|test| {
            // Each playbook's workflow is prepared (its expressions parsed) once, however
            // many tests run it.
            let key = Arc::as_ptr(&test.workflow);
            let ready = prepared
                .entry(key)
                .or_insert_with(|| soarc_runtime::Prepared::new(&test.workflow));
            run_prepared(test, ready)
        })
        .collect()
}

/// Runs one test.
pub fn run_test(test: &PreparedTest) -> TestResult {
    run_prepared(test, &soarc_runtime::Prepared::new(&test.workflow))
}

/// Runs one test on its playbook's workflow, prepared.
fn run_prepared(test: &PreparedTest, workflow: &soarc_runtime::Prepared<'_>) -> TestResult {
    let mut traces = Vec::new();
    let mut mismatches = Vec::new();
    let outcome = (|| {
        let first = workflow
            .run(&test.first.options)
            .map_err(|e| format!("the run could not start: {}", e.message))?;
        mismatches.extend(check(&test.first, &first));
        let second_options = test
            .second
            .as_ref()
            .map(|second| state::carry_over(&second.options, &test.first.options, &first))
            .transpose()?;
        traces.push(first);
        if let (Some(second), Some(options)) = (&test.second, second_options) {
            let trace = workflow
                .run(&options)
                .map_err(|e| format!("the second run could not start: {}", e.message))?;
            mismatches.extend(check(second, &trace));
            traces.push(trace);
        }
        Ok::<(), String>(())
    })();
    let outcome = match (outcome, &test.known_defect) {
        (Err(message), _) => Outcome::Error(message),
        (Ok(()), None) if mismatches.is_empty() => Outcome::Passed,
        (Ok(()), None) => Outcome::Failed(mismatches),
        (Ok(()), Some(reason)) if mismatches.is_empty() => Outcome::DefectFixed {
            reason: reason.clone(),
        },
        (Ok(()), Some(reason)) => Outcome::KnownDefect {
            reason: reason.clone(),
            mismatches,
        },
    };
    TestResult {
        name: test.name.clone(),
        playbook: test.playbook.clone(),
        location: test.location.clone(),
        file: test.file.clone(),
        outcome,
        traces,
    }
}

fn check(run: &Run, trace: &RunTrace) -> Vec<Mismatch> {
    expect::check(&run.expect, trace, run.prefix)
}
