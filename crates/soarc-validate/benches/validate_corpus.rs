//! Wall time of validating the whole reference corpus (read + parse + all rules), in process,
//! next to the floor measured in the same run: reading the same files and parsing them with
//! a bare `serde_json::from_str::<Value>`. Then scaling: one workflow of 10,000 and of
//! 100,000 chained actions (each runs after the previous one), validated from text; the
//! second should take about 10× the first (every rule linear or n log n).
//!
//! `cargo bench -p soarc-validate --bench validate_corpus` (only this crate and soarc-lang
//! are built in release). Needs `../shared/reference/corpus`; prints a notice
//! and exits when it is absent (fails when CI=true). Comparison with `check-jsonschema` (the
//! official workflow schema) is scripted in docs/validate.md.

use std::path::Path;
use std::time::{Duration, Instant};

fn main() {
    // `VALIDATE_BENCH=scaling` runs only the chained-action scaling (for profiling).
    if std::env::var("VALIDATE_BENCH").is_ok_and(|v| v == "scaling") {
        scaling();
        return;
    }
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/corpus"
    ));
    if !dir.is_dir() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("reference corpus missing at {}", dir.display());
        }
        eprintln!(
            "NOTICE: reference corpus not found at {}; benchmark not run",
            dir.display()
        );
        return;
    }
    let paths = [dir.to_path_buf()];
    let (files, _) = soarc_validate::collect(&paths);
    let bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    // Warm the page cache once.
    let reports = soarc_validate::validate_paths(&paths);
    let findings: usize = reports.iter().map(|r| r.findings.len()).sum();
    let runs = 20;
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let reports = soarc_validate::validate_paths(&paths);
            std::hint::black_box(reports);
            start.elapsed()
        })
        .collect();
    times.sort();
    let median = times[runs / 2];
    let mut floor: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            for f in &files {
                let text = std::fs::read_to_string(f).unwrap_or_default();
                let v: Result<serde_json::Value, _> =
                    serde_json::from_str(text.trim_start_matches('\u{feff}'));
                std::hint::black_box(v.ok());
            }
            start.elapsed()
        })
        .collect();
    floor.sort();
    let floor_median = floor[runs / 2];
    println!(
        "validate corpus: {} files, {:.1} MiB, {} findings; min {:.1} ms, median {:.1} ms, max {:.1} ms ({:.0} MiB/s)",
        files.len(),
        bytes as f64 / 1048576.0,
        findings,
        times[0].as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3,
        times[runs - 1].as_secs_f64() * 1e3,
        bytes as f64 / 1048576.0 / median.as_secs_f64()
    );
    println!(
        "bare serde_json parse of the same files: median {:.1} ms; validate / parse = {:.2}x",
        floor_median.as_secs_f64() * 1e3,
        median.as_secs_f64() / floor_median.as_secs_f64()
    );
    scaling();
}

fn scaling() {
    let mut previous = None;
    for n in [10_000usize, 100_000] {
        let text = chained(n);
        let start = Instant::now();
        let (_, findings) = soarc_validate::validate_text(&text);
        let took = start.elapsed();
        let ratio = previous.map_or(String::new(), |p: Duration| {
            format!(
                ", {:.1}x the previous size's time",
                took.as_secs_f64() / p.as_secs_f64()
            )
        });
        println!(
            "{n} chained actions ({:.1} MiB): {:.0} ms, {} findings{ratio}",
            text.len() as f64 / 1048576.0,
            took.as_secs_f64() * 1e3,
            findings.len()
        );
        previous = Some(took);
    }
}

/// A workflow definition of `n` Compose actions, each running after the previous one and
/// reading its output (so references, runAfter edges and expressions all grow with n).
fn chained(n: usize) -> String {
    let mut actions = serde_json::Map::new();
    for i in 0..n {
        let mut action = serde_json::json!({
            "type": "Compose",
            "inputs": format!("@{{outputs('a{}')}}", i.saturating_sub(1)),
        });
        if i > 0 {
            action["runAfter"] = serde_json::json!({ format!("a{}", i - 1): ["Succeeded"] });
        }
        actions.insert(format!("a{i}"), action);
    }
    serde_json::to_string(&serde_json::json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {}}},
        "actions": actions,
    }))
    .expect("json")
}
