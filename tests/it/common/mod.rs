//! Helpers the integration tests share: run the `soarc` binary in a temporary directory and
//! check what a user would see.

// Not every helper is used by every test module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use soarc_compiler::build::{Built, Failure};
use soarc_lang::diagnostics::{Diagnostic, Sources};

/// Run `soarc` with `args` in `dir`.
pub fn soarc(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_soarc"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("soarc runs")
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Build `spec` (as `spec.yaml`) into `out/` of a new temporary directory; the directory,
/// kept alive for the caller, and stderr.
pub fn build_ok(spec: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "spec.yaml", spec);
    let output = soarc(&["build", "spec.yaml", "--out", "out"], dir.path());
    let text = stderr(&output);
    assert!(output.status.success(), "{text}");
    (dir, text)
}

/// A generated JSON file, `file` relative to `out/`.
pub fn read(dir: &Path, file: &str) -> Value {
    let text = std::fs::read_to_string(dir.join("out").join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// Build `spec` and expect failure with exit code 1, nothing written, no panic, and each of
/// `expected` in the error output.
pub fn fails_with(spec: &str, expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "spec.yaml", spec);
    let output = soarc(&["build", "spec.yaml", "--out", "out"], dir.path());
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "exit code; stderr:\n{text}");
    for needle in expected {
        assert!(text.contains(needle), "expected `{needle}` in:\n{text}");
    }
    assert!(text.contains("nothing was written"), "{text}");
    assert!(
        !dir.path().join("out").exists(),
        "a failed build must write nothing"
    );
    assert!(!text.contains("panicked"), "{text}");
}

/// Build `spec` in-process, written as `spec.yaml` in a new temporary directory.
pub fn build_spec(spec: &str) -> Result<Built, Failure> {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "spec.yaml", spec);
    soarc_compiler::build::build(&[&path])
}

/// Diagnostics as one line each (`file:line:col: error[CODE] message`).
pub fn one_lines(diagnostics: &[Diagnostic], sources: &Sources) -> Vec<String> {
    diagnostics.iter().map(|d| d.one_line(sources)).collect()
}

/// Build `spec` in-process and expect success.
#[track_caller]
pub fn builds(spec: &str) -> Built {
    build_spec(spec).unwrap_or_else(|f| {
        panic!(
            "expected the build to pass: {:#?}",
            one_lines(&f.diagnostics, &f.sources)
        )
    })
}

/// Build `spec` in-process and expect failure; its diagnostics, one line each.
#[track_caller]
pub fn build_errors(spec: &str) -> Vec<String> {
    match build_spec(spec) {
        Ok(_) => panic!("expected the build to fail:\n{spec}"),
        Err(f) => one_lines(&f.diagnostics, &f.sources),
    }
}

/// Build `spec` in-process and expect an error `code` whose line holds each of `needles`.
#[track_caller]
pub fn fails_on(spec: &str, code: &str, needles: &[&str]) {
    let errors = build_errors(spec);
    let hit = errors
        .iter()
        .find(|e| e.contains(&format!("error[{code}]")))
        .unwrap_or_else(|| panic!("no {code} in {errors:#?}"));
    for needle in needles {
        assert!(hit.contains(needle), "expected `{needle}` in {hit}");
    }
}

/// A generated JSON file of an in-process build, `path` relative to OUT.
#[track_caller]
pub fn built_json(built: &Built, path: impl AsRef<Path>) -> Value {
    let path = path.as_ref();
    let text = built
        .files
        .files
        .get(path)
        .unwrap_or_else(|| panic!("no {} in the build", path.display()));
    serde_json::from_str(text).unwrap()
}

/// The example specs (`examples/*.yaml`), sorted: every test that builds or checks "the
/// examples" takes them from here.
pub fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    specs.sort();
    assert!(!specs.is_empty(), "no example specs found");
    specs
}

/// Builds an example spec in memory (panics with the diagnostics if it does not build).
pub fn build_example(spec: &Path) -> Built {
    soarc_compiler::build::build(&[spec])
        .unwrap_or_else(|f| panic!("{} does not build: {:?}", spec.display(), f.diagnostics))
}

/// `../shared/reference` (Microsoft's schemas, the corpus, arm-ttk's fixtures), or `None`
/// after a NOTICE when it is absent outside CI; with `CI=true` its absence fails the test.
pub fn reference_dir(needed_for: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/reference"));
    if dir.join("schemas").is_dir() && dir.join("corpus").is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{} is required in CI ({needed_for})", dir.display());
    }
    eprintln!("NOTICE: {} not found; skipping {needed_for}", dir.display());
    None
}
