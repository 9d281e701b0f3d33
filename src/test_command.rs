//! `soarc test SPEC... [--format human|junit|json] [--filter NAME]`: the spec tests, run in
//! the simulator. Exit 0: every test passed (known defects included); 1: a test failed;
//! 2: the specs have errors, no test was found, or usage errors.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use soarc_lang::diagnostics::Sources;
use soarc_test::report::{self, Summary};
use soarc_test::{Mismatch, Outcome};

/// `soarc test --format`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum TestFormat {
    Human,
    Json,
    Junit,
}

pub fn run(specs: &[PathBuf], format: TestFormat, filter: Option<&str>) -> ExitCode {
    let suite = match soarc_test::load(specs) {
        Ok(suite) => suite,
        Err(failure) => {
            crate::report(&failure.sources, &failure.diagnostics);
            let errors = failure.diagnostics.iter().filter(|d| d.is_error()).count();
            eprintln!("error: the specs have {errors} error(s); no test was run");
            return ExitCode::from(2);
        }
    };
    crate::report(&suite.sources, &suite.warnings);
    if suite.tests.is_empty() {
        eprintln!(
            "error: the specs have no `tests:`; add one, e.g.\n  tests:\n    - name: high severity opens a ticket\n      playbook: <playbook>\n      incident: {{ severity: High }}\n      expect: {{ status: Succeeded }}"
        );
        return ExitCode::from(2);
    }
    let results = soarc_test::run(&suite, filter);
    if results.is_empty() {
        eprintln!(
            "error: no test name contains `{}`; the tests are: {}",
            filter.unwrap_or_default(),
            suite
                .tests
                .iter()
                .map(|t| format!("`{}`", t.name))
                .collect::<Vec<_>>()
                .join(", ")
        );
        return ExitCode::from(2);
    }
    let locate = |m: &Mismatch| location(&suite.sources, m);
    let text = match format {
        TestFormat::Human => report::human(&results, &locate),
        TestFormat::Json => report::json(&results, &locate),
        TestFormat::Junit => report::junit(&results, &locate),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    let summary = Summary::of(&results);
    if !matches!(format, TestFormat::Human) {
        for r in results.iter().filter(|r| r.outcome.fails()) {
            let why = match &r.outcome {
                Outcome::Failed(m) => m
                    .first()
                    .map(|m| {
                        format!(
                            "{}: expected {}; actual {}",
                            m.expectation, m.expected, m.actual
                        )
                    })
                    .unwrap_or_default(),
                Outcome::DefectFixed { .. } => "passes now: remove its `known_defect`".into(),
                Outcome::Error(e) => e.clone(),
                _ => String::new(),
            };
            eprintln!("FAILED {} ({}): {why}", r.name, r.location);
        }
    }
    ExitCode::from(summary.exit_code())
}

/// `file:line:col` of a mismatch's expectation.
fn location(sources: &Sources, m: &Mismatch) -> String {
    let path = sources
        .get(m.span.file)
        .map(|f| f.path.display().to_string())
        .unwrap_or_default();
    format!("{path}:{}:{}", m.span.line, m.span.column)
}
