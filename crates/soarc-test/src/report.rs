//! Results of `soarc test` as text (for people), JSON (for scripts) and JUnit XML (for the
//! test tabs of Azure DevOps and GitHub Actions reporters).

use serde::Serialize;

use crate::{Mismatch, Outcome, TestResult};
use soarc_lang::xml::Element;

/// Counts of a run of the suite.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub known_defects: usize,
    /// Tests marked `known_defect` that pass now (they fail the suite).
    pub defects_fixed: usize,
    pub errors: usize,
}

impl Summary {
    pub fn of(results: &[TestResult]) -> Summary {
        let mut s = Summary::default();
        for r in results {
            match r.outcome {
                Outcome::Passed => s.passed += 1,
                Outcome::Failed(_) => s.failed += 1,
                Outcome::KnownDefect { .. } => s.known_defects += 1,
                Outcome::DefectFixed { .. } => s.defects_fixed += 1,
                Outcome::Error(_) => s.errors += 1,
            }
        }
        s
    }

    /// 0: every test passed (or failed as its known defect says); 1: a test failed.
    pub fn exit_code(self) -> u8 {
        u8::from(self.failed + self.defects_fixed + self.errors > 0)
    }

    pub fn total(self) -> usize {
        self.passed + self.failed + self.known_defects + self.defects_fixed + self.errors
    }
}

fn mismatch_lines(m: &Mismatch, location: &str, out: &mut String) {
    out.push_str(&format!("    {} ({location})\n", m.expectation));
    out.push_str(&format!("      expected: {}\n", m.expected));
    out.push_str(&format!("      actual:   {}\n", m.actual));
}

/// Text: one line per test, the differences under each failed test, and a summary.
/// `locate` turns a mismatch's span into `file:line:col`.
pub fn human(results: &[TestResult], locate: &dyn Fn(&Mismatch) -> String) -> String {
    let mut out = String::new();
    for r in results {
        let head = format!("{} ({}, {})", r.name, r.playbook, r.location);
        match &r.outcome {
            Outcome::Passed => out.push_str(&format!("ok      {head}\n")),
            Outcome::Failed(mismatches) => {
                out.push_str(&format!("FAILED  {head}\n"));
                for m in mismatches {
                    mismatch_lines(m, &locate(m), &mut out);
                }
            }
            Outcome::KnownDefect { reason, mismatches } => {
                out.push_str(&format!("defect  {head}: known defect: {reason}\n"));
                for m in mismatches {
                    mismatch_lines(m, &locate(m), &mut out);
                }
            }
            Outcome::DefectFixed { reason } => out.push_str(&format!(
                "FIXED   {head}: passes now, but is marked `known_defect: {reason}`; remove that line\n"
            )),
            Outcome::Error(message) => out.push_str(&format!("ERROR   {head}: {message}\n")),
        }
    }
    let s = Summary::of(results);
    out.push_str(&format!(
        "\n{} test(s): {} passed, {} failed, {} known defect(s), {} fixed defect(s) still marked, {} error(s)\n",
        s.total(),
        s.passed,
        s.failed,
        s.known_defects,
        s.defects_fixed,
        s.errors
    ));
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    summary: Summary,
    tests: Vec<JsonTest<'a>>,
}

#[derive(Serialize)]
struct JsonTest<'a> {
    name: &'a str,
    playbook: &'a str,
    location: &'a str,
    /// `passed`, `failed`, `known_defect`, `defect_fixed` or `error`.
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    known_defect: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    mismatches: Vec<JsonMismatch<'a>>,
    /// The run statuses (first run, then the second run if any).
    runs: Vec<&'static str>,
}

#[derive(Serialize)]
struct JsonMismatch<'a> {
    expectation: &'a str,
    location: String,
    expected: &'a str,
    actual: &'a str,
}

/// One JSON object: `{"summary": {...}, "tests": [...]}`.
pub fn json(results: &[TestResult], locate: &dyn Fn(&Mismatch) -> String) -> String {
    let tests = results
        .iter()
        .map(|r| {
            let (outcome, known_defect, error, mismatches): (_, _, _, &[Mismatch]) =
                match &r.outcome {
                    Outcome::Passed => ("passed", None, None, &[]),
                    Outcome::Failed(m) => ("failed", None, None, m),
                    Outcome::KnownDefect { reason, mismatches } => {
                        ("known_defect", Some(reason.as_str()), None, mismatches)
                    }
                    Outcome::DefectFixed { reason } => {
                        ("defect_fixed", Some(reason.as_str()), None, &[])
                    }
                    Outcome::Error(e) => ("error", None, Some(e.as_str()), &[]),
                };
            JsonTest {
                name: &r.name,
                playbook: &r.playbook,
                location: &r.location,
                outcome,
                known_defect,
                error,
                mismatches: mismatches
                    .iter()
                    .map(|m| JsonMismatch {
                        expectation: &m.expectation,
                        location: locate(m),
                        expected: &m.expected,
                        actual: &m.actual,
                    })
                    .collect(),
                runs: r.traces.iter().map(|t| t.status.as_str()).collect(),
            }
        })
        .collect();
    let report = JsonReport {
        summary: Summary::of(results),
        tests,
    };
    let mut text = serde_json::to_string_pretty(&report).expect("the report serialises");
    text.push('\n');
    text
}

/// JUnit XML (the schema Azure DevOps' "Publish Test Results" and GitHub's JUnit reporters
/// read): one `<testsuite>` per spec file, one `<testcase>` per test with `classname` the
/// playbook; a `<failure>` per failed test, `<skipped>` for a known defect, `<error>` for a
/// run that could not start or a fixed defect still marked.
pub fn junit(results: &[TestResult], locate: &dyn Fn(&Mismatch) -> String) -> String {
    let s = Summary::of(results);
    let mut root = Element::new("testsuites")
        .attr("name", "soarc test")
        .attr("tests", s.total())
        .attr("failures", s.failed)
        .attr("errors", s.errors + s.defects_fixed)
        .attr("skipped", s.known_defects);
    let mut files: Vec<&str> = Vec::new();
    for r in results {
        if !files.contains(&r.file.as_str()) {
            files.push(&r.file);
        }
    }
    for file in files {
        let in_file: Vec<&TestResult> = results.iter().filter(|r| r.file == file).collect();
        let count = |f: fn(&Outcome) -> bool| in_file.iter().filter(|r| f(&r.outcome)).count();
        let mut suite = Element::new("testsuite")
            .attr("name", file)
            .attr("tests", in_file.len())
            .attr("failures", count(|o| matches!(o, Outcome::Failed(_))))
            .attr(
                "errors",
                count(|o| matches!(o, Outcome::Error(_) | Outcome::DefectFixed { .. })),
            )
            .attr(
                "skipped",
                count(|o| matches!(o, Outcome::KnownDefect { .. })),
            );
        for r in in_file {
            let mut case = Element::new("testcase")
                .attr("classname", &r.playbook)
                .attr("name", &r.name)
                .attr("file", &r.file);
            let details = |mismatches: &[Mismatch]| -> String {
                mismatches
                    .iter()
                    .map(|m| {
                        format!(
                            "{} ({})\n  expected: {}\n  actual:   {}",
                            m.expectation,
                            locate(m),
                            m.expected,
                            m.actual
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            match &r.outcome {
                Outcome::Passed => {}
                Outcome::Failed(mismatches) => {
                    let first = mismatches
                        .first()
                        .map(|m| format!("{}: expected {}; actual {}", m.expectation, m.expected, m.actual))
                        .unwrap_or_default();
                    case.push(
                        Element::new("failure")
                            .attr("message", first)
                            .attr("type", "expectation")
                            .text(format!("{}\n{}", r.location, details(mismatches))),
                    );
                }
                Outcome::KnownDefect { reason, mismatches } => {
                    case.push(
                        Element::new("skipped")
                            .attr("message", format!("known defect: {reason}"))
                            .text(details(mismatches)),
                    );
                }
                Outcome::DefectFixed { reason } => case.push(
                    Element::new("error")
                        .attr(
                            "message",
                            format!("passes now but is marked known_defect ({reason}): remove the marker"),
                        )
                        .attr("type", "defect_fixed"),
                ),
                Outcome::Error(message) => case.push(
                    Element::new("error")
                        .attr("message", message)
                        .attr("type", "run"),
                ),
            }
            suite.push(case);
        }
        root.push(suite);
    }
    root.document()
}
