//! `soarc test SPEC... [--format human|junit|json] [--filter NAME]`: the spec tests, run in
//! the simulator. Exit 0: every test passed (known defects included); 1: a test failed;
//! 2: the specs have errors, no test was found, or usage errors.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use soarc_lang::diagnostics::FileId;
use soarc_test::report::{self, Summary};
use soarc_test::{Mismatch, Outcome};

/// `soarc test --format`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum TestFormat {
    Human,
    Json,
    Junit,
}

pub fn run(specs: &[PathBuf], format: TestFormat, filter: Option<&str>, merge: bool) -> ExitCode {
    // Each file is its own spec (`soarc test examples/*.yaml`), unless `--merge` says the
    // files are the parts of one spec, as `soarc build` reads them.
    let groups: Vec<&[PathBuf]> = if merge {
        vec![specs]
    } else {
        specs.chunks(1).collect()
    };
    // Mismatch positions of every spec, in one numbering: the files of each spec follow the
    // files of the ones before.
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut results = Vec::new();
    let mut names = Vec::new();
    let mut any_tests = false;
    for group in groups {
        let suite = match soarc_test::load(group) {
            Ok(suite) => suite,
            Err(failure) => {
                crate::report(&failure.sources, &failure.diagnostics);
                let errors = failure.diagnostics.iter().filter(|d| d.is_error()).count();
                eprintln!("error: the specs have {errors} error(s); no test was run");
                return ExitCode::from(2);
            }
        };
        crate::report(&suite.sources, &suite.warnings);
        any_tests |= !suite.tests.is_empty();
        names.extend(suite.tests.iter().map(|t| format!("`{}`", t.name)));
        let offset = paths.len() as u32;
        paths.extend(
            (0..)
                .map_while(|i| suite.sources.get(FileId(i)))
                .map(|f| f.path.clone()),
        );
        let mut ran = soarc_test::run(&suite, filter);
        for result in &mut ran {
            let mismatches = match &mut result.outcome {
                Outcome::Failed(m) | Outcome::KnownDefect { mismatches: m, .. } => m,
                _ => continue,
            };
            for m in mismatches {
                m.span.file = FileId(m.span.file.0 + offset);
            }
        }
        results.extend(ran);
    }
    if !any_tests {
        eprintln!(
            "error: the specs have no `tests:`; add one, e.g.\n  tests:\n    - name: high severity opens a ticket\n      playbook: <playbook>\n      incident: {{ severity: High }}\n      expect: {{ status: Succeeded }}"
        );
        return ExitCode::from(2);
    }
    if results.is_empty() {
        eprintln!(
            "error: no test name contains `{}`; the tests are: {}",
            filter.unwrap_or_default(),
            names.join(", ")
        );
        return ExitCode::from(2);
    }
    let locate = |m: &Mismatch| location(&paths, m);
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
fn location(paths: &[PathBuf], m: &Mismatch) -> String {
    let path = paths
        .get(m.span.file.0 as usize)
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    format!("{path}:{}:{}", m.span.line, m.span.column)
}
