//! Every real template of the reference corpus (255 hand-written Logic Apps and Sentinel
//! playbook templates) loads, draws in both languages and diffs against itself as no change.

use std::path::{Path, PathBuf};
use std::time::Instant;

use soarc_review::render::{dot, mermaid};

fn corpus() -> Option<Vec<PathBuf>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/corpus");
    if !root.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the reference corpus is missing at {}",
            root.display()
        );
        eprintln!("skipped: no reference corpus at {}", root.display());
        return None;
    }
    let mut files = Vec::new();
    let mut dirs = vec![root];
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
    Some(files)
}

#[test]
fn corpus_templates_graph_and_self_diff_cleanly() {
    let Some(files) = corpus() else { return };
    let started = Instant::now();
    let (mut drawn, mut edges, mut skipped) = (0, 0, 0);
    for file in &files {
        let inventory = match soarc_review::load(file) {
            Ok(inventory) => inventory,
            Err(e) => {
                // Parameters files and non-playbook templates say what to pass instead;
                // a file with `//` comments (ARM accepts them) is not read.
                assert!(
                    e.message.contains("pass") || e.message.contains("not valid JSON"),
                    "{e}"
                );
                eprintln!("not drawn: {e}");
                skipped += 1;
                continue;
            }
        };
        let graph = soarc_review::graph_of(&inventory);
        let (m, d) = (mermaid(&graph), dot(&graph));
        assert!(m.starts_with("flowchart TD\n"), "{}", file.display());
        assert!(d.ends_with("}\n"), "{}", file.display());
        edges += graph.edges.len();
        let report = soarc_review::diff(&inventory, &inventory);
        assert!(
            report.changes.is_empty(),
            "{}: {:?}",
            file.display(),
            report.changes
        );
        drawn += 1;
    }
    eprintln!(
        "{drawn} corpus files drawn ({edges} edges), {skipped} not playbooks, in {:?}",
        started.elapsed()
    );
    assert!(
        drawn >= 200,
        "only {drawn} of {} corpus files drawn",
        files.len()
    );
}
