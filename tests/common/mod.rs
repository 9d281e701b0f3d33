//! Helpers the integration tests share: run the `soarc` binary in a temporary directory and
//! check what a user would see.

// Each test binary uses a different subset.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

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
