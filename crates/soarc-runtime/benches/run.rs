//! Simulator benchmark: one run of a typical generated playbook (the snapshot of
//! sentinel-soar's `jira-route-incident`: Key Vault, a Switch on severity, a Jira create with
//! retries, Sentinel update and comment), then 10,000 runs of it prepared once (expressions
//! parsed once, as `soarc test` runs a playbook), 10,000 runs each preparing it again (as
//! `soarc run` does), against the floor of parsing the workflow JSON once per run. Goal
//! (issue #14): under 1 ms per run.
//!
//! Run: `cargo bench -p soarc-runtime --bench run`.

use std::time::Instant;

use serde_json::{Value, json};
use soarc_runtime::{Prepared, RunOptions, Sample, SampleKind, TriggerInput, Workflow, run};

const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../snapshots/sentinel-soar__playbooks__jira-route-incident__workflow.json.snap"
);

fn main() {
    let text = std::fs::read_to_string(SNAPSHOT).expect("snapshot");
    let body = &text[text.find("\n{").expect("JSON after the insta header") + 1..];
    let definition: Value = serde_json::from_str(body).unwrap();
    let options = RunOptions {
        trigger: TriggerInput::Sample(
            Sample::new(SampleKind::Incident).with("severity", json!("High")),
        ),
        ..RunOptions::default()
    };
    let start = Instant::now();
    let trace = run(&definition, &options).unwrap();
    let first = start.elapsed();
    println!(
        "one run: {:.3} ms ({} actions, {} calls, status {})",
        first.as_secs_f64() * 1e3,
        trace.actions.len(),
        trace.calls.len(),
        trace.status.as_str()
    );
    const N: usize = 10_000;
    let workflow = Workflow {
        definition: definition.clone(),
        parameters: Default::default(),
    };
    let prepared = Prepared::new(&workflow);
    let start = Instant::now();
    for _ in 0..N {
        std::hint::black_box(prepared.run(&options).unwrap());
    }
    let runs = start.elapsed();
    let start = Instant::now();
    for _ in 0..N {
        std::hint::black_box(run(&definition, &options).unwrap());
    }
    let unprepared = start.elapsed();
    let start = Instant::now();
    for _ in 0..N {
        std::hint::black_box(serde_json::from_str::<Value>(body).unwrap());
    }
    let parse = start.elapsed();
    let per_run = runs.as_secs_f64() * 1e3 / N as f64;
    let per_parse = parse.as_secs_f64() * 1e3 / N as f64;
    let per_unprepared = unprepared.as_secs_f64() * 1e3 / N as f64;
    println!(
        "{N} runs prepared once: {:.1} ms, {per_run:.3} ms per run (goal < 1 ms); floor: parsing the workflow JSON {per_parse:.3} ms; ratio {:.1}x",
        runs.as_secs_f64() * 1e3,
        per_run / per_parse
    );
    println!(
        "{N} runs, each preparing the workflow again: {per_unprepared:.3} ms per run; ratio {:.1}x",
        per_unprepared / per_parse
    );
}
