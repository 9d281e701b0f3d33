//! `soarc import`: the corpus round trip (import each of the 255 real templates of
//! `../shared/reference/corpus`, build the spec exactly as written, compare the workflow
//! definitions), the committed imported example, and the command line.

mod common;
use common::*;

use std::path::{Path, PathBuf};

use serde_json::Value;
use soarc_compiler::import::{self, Imported};
use soarc_lang::diagnostics::Sources;

/// The outcome of one template's round trip.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// Every workflow of the template came back identical.
    Identical,
    /// `soarc import` refused it: the code of the first error.
    ImportError(String),
    /// The imported spec does not build: the code of the first error.
    BuildError(String),
    /// It built, but a definition differs: the JSON pointer of the first difference.
    Differs(String),
}

/// Templates that do not round-trip, each with why. The test fails when this table and the
/// corpus disagree in either direction, so it stays true.
const EXPLAINED: &[(&str, &str, &str)] = &[];

fn import_file(path: &Path) -> Result<Imported, Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut sources = Sources::default();
    let id = sources.add(path.to_path_buf(), text);
    import::import(&sources, id).map_err(|diagnostics| {
        diagnostics
            .iter()
            .map(|d| format!("{} {}", d.code, d.message))
            .collect()
    })
}

/// The part of a definition the round trip compares: triggers, actions, parameters and
/// outputs (soarc writes the 2016-06-01 `$schema` and contentVersion 1.0.0.0 itself).
/// Parameter types compare case-insensitively, as Logic Apps reads them (Learn, "Schema
/// reference guide for the Workflow Definition Language", Parameters).
fn comparable(definition: &Value) -> Value {
    let mut parameters = definition
        .get("parameters")
        .cloned()
        .unwrap_or_else(|| serde_json::json!({}));
    if let Some(parameters) = parameters.as_object_mut() {
        for declaration in parameters.values_mut() {
            if let Some(kind) = declaration.get("type").and_then(Value::as_str) {
                declaration["type"] = Value::String(kind.to_ascii_lowercase());
            }
        }
    }
    serde_json::json!({
        "parameters": parameters,
        "triggers": definition.get("triggers").cloned().unwrap_or_else(|| serde_json::json!({})),
        "actions": definition.get("actions").cloned().unwrap_or_else(|| serde_json::json!({})),
        "outputs": definition.get("outputs").cloned().unwrap_or_else(|| serde_json::json!({})),
    })
}

/// The JSON pointer of the first difference between `a` and `b` (objects compared up to key
/// order), or `None` when they are equal.
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (key, value) in x {
                let here = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                match y.get(key) {
                    Some(other) => {
                        if let Some(found) = first_difference(value, other, &here) {
                            return Some(found);
                        }
                    }
                    None => return Some(format!("{here} (missing in the build)")),
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("{at}/{k} (added by the build)"))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{at}/{i}"))),
        _ if a == b => None,
        _ => Some(at.to_string()),
    }
}

/// Import, build and compare one template; also returns the import's statistics.
fn round_trip(path: &Path) -> (Outcome, Vec<import::PlaybookStats>) {
    let imported = match import_file(path) {
        Ok(imported) => imported,
        Err(errors) => return (Outcome::ImportError(errors[0].clone()), Vec::new()),
    };
    let dir = tempfile::tempdir().unwrap();
    let spec = write(dir.path(), "imported.yaml", &imported.yaml);
    let built = match soarc_compiler::build::build(&[&spec]) {
        Ok(built) => built,
        Err(failure) => {
            let first = failure
                .diagnostics
                .iter()
                .find(|d| d.is_error())
                .map(|d| format!("{} {}", d.code, d.message))
                .unwrap_or_default();
            return (Outcome::BuildError(first), imported.playbooks);
        }
    };
    for (name, original) in &imported.definitions {
        let file = Path::new("playbooks").join(name).join("workflow.json");
        let text = built
            .files
            .files
            .get(&file)
            .unwrap_or_else(|| panic!("{}: no {}", path.display(), file.display()));
        let compiled: Value = serde_json::from_str(text).unwrap();
        if let Some(at) = first_difference(&comparable(original), &comparable(&compiled), "") {
            return (Outcome::Differs(at), imported.playbooks);
        }
    }
    (Outcome::Identical, imported.playbooks)
}

fn corpus_files(corpus: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![corpus.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn corpus_round_trip() {
    let Some(reference) = reference_dir("the import round trip over the corpus") else {
        return;
    };
    let corpus = reference.join("corpus");
    let files = corpus_files(&corpus);
    assert_eq!(files.len(), 255, "the corpus has 255 templates");
    let mut identical = 0;
    let mut unexplained = Vec::new();
    let mut seen_explained = Vec::new();
    let (mut sentinel_actions, mut sentinel_typed) = (0, 0);
    let (mut all_actions, mut all_typed, mut all_connector) = (0, 0, 0);
    for path in &files {
        let relative = path
            .strip_prefix(&corpus)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let (outcome, stats) = round_trip(path);
        for s in &stats {
            all_actions += s.actions;
            all_typed += s.typed;
            all_connector += s.connector;
            if relative.starts_with("sentinel/") {
                sentinel_actions += s.actions;
                sentinel_typed += s.typed;
            }
        }
        let explained = EXPLAINED.iter().find(|(file, _, _)| *file == relative);
        match (&outcome, explained) {
            (Outcome::Identical, None) => identical += 1,
            (Outcome::Identical, Some(_)) => {
                unexplained.push(format!("{relative}: now identical, remove it from EXPLAINED"))
            }
            (outcome, Some((_, prefix, _))) => {
                let shown = format!("{outcome:?}");
                if shown.contains(prefix) {
                    seen_explained.push(relative.clone());
                } else {
                    unexplained.push(format!("{relative}: {shown}, but EXPLAINED says `{prefix}`"));
                }
            }
            (outcome, None) => unexplained.push(format!("(\"{relative}\", \"{outcome:?}\")")),
        }
    }
    let share = |n: usize, of: usize| if of == 0 { 0.0 } else { 100.0 * n as f64 / of as f64 };
    println!(
        "round trip: {identical} of {} templates identical ({:.1}%), {} explained",
        files.len(),
        share(identical, files.len()),
        seen_explained.len()
    );
    println!(
        "actions as typed steps: {sentinel_typed} of {sentinel_actions} in corpus/sentinel ({:.1}%); whole corpus: {all_typed} typed, {all_connector} connector, of {all_actions}",
        share(sentinel_typed, sentinel_actions)
    );
    assert!(
        unexplained.is_empty(),
        "{} template(s) not as EXPLAINED says:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
}
