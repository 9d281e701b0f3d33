//! Wall time of validating the whole reference corpus (read + parse + all rules), in process.
//!
//! `cargo bench --bench validate_corpus`. Needs `../shared/reference/corpus`; prints a notice
//! and exits when it is absent (fails when CI=true). Comparison with `check-jsonschema` (the
//! official workflow schema) is scripted in docs/validate.md.

use std::path::Path;
use std::time::{Duration, Instant};

fn main() {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/corpus"
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
}
