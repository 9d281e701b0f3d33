//! The registry of SPEC/RULE/OUT codes (`crates/soarc-compiler/src/codes.rs`) is the one
//! source of `docs/errors.md`, every registered code is raised somewhere, and no code is
//! raised without being registered. Regenerate the docs with
//! `UPDATE_DOCS=1 cargo test --test it error_codes`.

use std::collections::BTreeSet;
use std::path::Path;

use soarc_compiler::codes;

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path.display().to_string(), text));
        }
    }
}

/// `prefix` followed by three digits, everywhere in `text`.
fn codes_after(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in text.match_indices(prefix) {
        let digits: String = text[i + prefix.len()..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        if digits.len() == 3 {
            let code = &prefix[prefix.rfind(['"', ':']).map_or(0, |p| p + 1)..];
            found.insert(format!("{code}{digits}"));
        }
    }
    found
}

fn crate_sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    sources(&root.join("crates"), &mut files);
    files.retain(|(path, _)| !path.ends_with("codes.rs"));
    files
}

#[test]
fn errors_doc_is_generated_from_the_registry() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/errors.md");
    let generated = soarc_compiler::emit::docs::errors();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/errors.md is out of date; run `UPDATE_DOCS=1 cargo test --test it error_codes` and commit"
    );
    for code in codes::ALL {
        assert!(
            generated.contains(&format!("| {} | ", code.code)),
            "{} is not in docs/errors.md",
            code.code
        );
    }
    assert!(generated.contains(
        "| SPEC072 | warning | playbook without diagnostic settings | A playbook gets no diagnostic settings"
    ));
}

#[test]
fn registry_is_sorted_unique_and_complete() {
    let mut seen = BTreeSet::new();
    for code in codes::ALL {
        assert!(seen.insert(code.code), "{} registered twice", code.code);
        assert!(
            !code.title.is_empty() && !code.explanation.is_empty() && !code.fix.is_empty(),
            "{} lacks a title, explanation or fix",
            code.code
        );
        assert!(
            !code.title.ends_with('.'),
            "{}: titles end without a period",
            code.code
        );
    }
    assert!(codes::ALL.len() > 50, "only {} codes", codes::ALL.len());
}

#[test]
fn every_registered_code_is_raised_and_every_raised_code_is_registered() {
    let files = crate_sources();
    let mut raised = BTreeSet::new();
    let mut bare = Vec::new();
    for (path, text) in &files {
        for prefix in ["SPEC", "RULE", "OUT", "TEST", "IMP"] {
            raised.extend(codes_after(text, &format!("codes::{prefix}")));
            for code in codes_after(text, &format!("\"{prefix}")) {
                bare.push(format!("{path}: \"{code}\""));
            }
        }
    }
    assert!(
        bare.is_empty(),
        "codes written as bare literals (use the constants of soarc_compiler::codes): {bare:?}"
    );
    let registered: BTreeSet<String> = codes::ALL.iter().map(|c| c.code.to_string()).collect();
    let unraised: Vec<_> = registered.difference(&raised).collect();
    let unregistered: Vec<_> = raised.difference(&registered).collect();
    assert!(
        unraised.is_empty(),
        "registered codes that nothing raises any more: {unraised:?}"
    );
    assert!(
        unregistered.is_empty(),
        "raised codes missing from the registry: {unregistered:?}"
    );
}
