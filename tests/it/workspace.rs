//! The workspace's layers, as `cargo metadata` reports them: the language crate knows no
//! spec, the validator and the review tools no compiler, the simulator only the language, and
//! no library crate knows the CLI (`clap`).

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// Each workspace package and the names of its normal (non-dev) dependencies.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| {
            let deps = package["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null())
                .map(|d| d["name"].as_str().unwrap().to_string())
                .collect();
            (package["name"].as_str().unwrap().to_string(), deps)
        })
        .collect()
}

fn ours(deps: &BTreeSet<String>) -> BTreeSet<&str> {
    deps.iter()
        .map(String::as_str)
        .filter(|d| d.starts_with("soarc"))
        .collect()
}

#[test]
fn crates_depend_only_along_the_layers() {
    let packages = dependencies();
    let expected: [(&str, &[&str]); 7] = [
        ("soarc-lang", &[]),
        (
            "soarc-test",
            &["soarc-compiler", "soarc-lang", "soarc-runtime"],
        ),
        ("soarc-review", &["soarc-lang"]),
        ("soarc-validate", &["soarc-lang"]),
        // The compiler draws each playbook's flowchart on its page (`OUT/playbooks/<name>/README.md`)
        // with the graph model and Mermaid printer of soarc-review, so the page shows exactly
        // what `soarc graph` draws. soarc-review depends on soarc-lang only (checked above) and
        // knows no spec, so this adds no cycle and no spec knowledge below the compiler: the
        // same standing as soarc-validate, which the compiler runs on every generated file.
        (
            "soarc-compiler",
            &["soarc-lang", "soarc-review", "soarc-validate"],
        ),
        ("soarc-runtime", &["soarc-lang"]),
        (
            "soarc",
            &[
                "soarc-compiler",
                "soarc-lang",
                "soarc-review",
                "soarc-runtime",
                "soarc-test",
                "soarc-validate",
            ],
        ),
    ];
    assert_eq!(
        packages.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        expected.iter().map(|(name, _)| *name).collect(),
        "the workspace's packages"
    );
    for (name, allowed) in expected {
        assert_eq!(
            ours(&packages[name]),
            allowed.iter().copied().collect(),
            "{name} depends on these soarc crates"
        );
    }
}

#[test]
fn no_library_crate_knows_the_cli() {
    let packages = dependencies();
    for (name, deps) in &packages {
        if name != "soarc" {
            assert!(!deps.contains("clap"), "{name} depends on clap");
        }
    }
    assert!(packages["soarc"].contains("clap"));
}
