//! Wall and CPU time of validating the whole reference corpus (read + parse + all rules), in
//! process, next to the floor measured in the same run: reading the same files and parsing
//! them with a bare `serde_json::from_str::<Value>`. Then scaling: one workflow of 10,000 and
//! of 100,000 chained actions (each runs after the previous one), validated from text; the
//! second should take about 10× the first (every rule linear or n log n).
//!
//! Last measured (docs/validate.md, "Speed"; CPU-time medians, load 2.4-3.6): the corpus in
//! 1.44-1.46× the CPU time of the bare parse (1.20× its instructions); 100,000 actions in
//! 105-112 ms, 10.7-11.1× the CPU time of 10,000 (10 ms; 10.0× their instructions), where
//! the code before issue #15's last round gave 11.0-11.6× in the same minutes.
//! `VALIDATE_BENCH=phases` shows which phase grows faster than the input.
//!
//! `cargo bench -p soarc-validate --bench validate_corpus` (only this crate and soarc-lang
//! are built in release). Needs `../shared/reference/corpus`; prints a notice
//! and exits when it is absent (fails when CI=true). Comparison with `check-jsonschema` (the
//! official workflow schema) is scripted in docs/validate.md.

use std::path::Path;
use std::time::{Duration, Instant};

/// CPU time of this thread (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`, nanoseconds on a CPU),
/// so that figures taken on a shared, loaded machine are not the time spent waiting for a
/// core. Unlike `/proc/thread-self/schedstat`, which is brought up to date only at scheduler
/// ticks (4 ms here, a quarter of the 10,000-action run), the clock is exact at every read.
/// `None` where the clock is missing.
fn cpu_time() -> Option<Duration> {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid, writable timespec for the duration of the call.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0;
    ok.then(|| Duration::new(t.tv_sec as u64, t.tv_nsec as u32))
}

/// Wall and CPU time of `f`.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration, Option<Duration>) {
    let cpu = cpu_time();
    let start = Instant::now();
    let out = f();
    let wall = start.elapsed();
    let cpu = cpu.zip(cpu_time()).map(|(a, b)| b.saturating_sub(a));
    (out, wall, cpu)
}

/// Sorted samples: (min, median, max).
fn spread(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort();
    let n = samples.len();
    (samples[0], samples[n / 2], samples[n - 1])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    // For profiling: `VALIDATE_BENCH=scaling` runs only the chained-action scaling,
    // `VALIDATE_BENCH=phases[:N[:R]]` the CPU time of each phase (see `phases`),
    // `VALIDATE_BENCH=corpus` (or `corpus:N`) only the validation of the corpus 50 (N) times,
    // `VALIDATE_BENCH=floor` (`floor:N`) only the bare parse. With
    // `valgrind --tool=callgrind --toggle-collect='soarc_validate::validate_paths*'` (or
    // `'validate_corpus::bare_parse*'`) they give instruction counts, which load on a shared
    // machine does not change.
    let only = std::env::var("VALIDATE_BENCH").unwrap_or_default();
    if only == "scaling" {
        scaling();
        return;
    }
    if let Some(rest) = only.strip_prefix("phases") {
        // `phases:N:R`: only N actions, R runs (to profile one size).
        let mut it = rest.split(':').skip(1).map(|n| n.parse().ok());
        phases(it.next().flatten(), it.next().flatten().unwrap_or(11));
        return;
    }
    // `VALIDATE_BENCH=once:N`: one workflow of N chained actions validated once (to count
    // instructions with `perf stat` at two sizes: the work itself, apart from cache effects).
    if let Some(n) = only.strip_prefix("once:").and_then(|n| n.parse().ok()) {
        let text = chained(n);
        std::hint::black_box(soarc_validate::validate_text(&text));
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
    if let Some(times) = only.strip_prefix("corpus").map(|n| {
        n.strip_prefix(':')
            .and_then(|n| n.parse().ok())
            .unwrap_or(50)
    }) {
        for _ in 0..times {
            std::hint::black_box(soarc_validate::validate_paths(&paths));
        }
        return;
    }
    if let Some(times) = only.strip_prefix("floor").map(|n| {
        n.strip_prefix(':')
            .and_then(|n| n.parse().ok())
            .unwrap_or(50)
    }) {
        let files = soarc_validate::collect(&paths).0;
        for _ in 0..times {
            bare_parse(&files);
        }
        return;
    }
    let (files, _) = soarc_validate::collect(&paths);
    let bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    // Warm the page cache once.
    let reports = soarc_validate::validate_paths(&paths);
    let findings: usize = reports.iter().map(|r| r.findings.len()).sum();
    // Validation and the bare parse alternate run by run, so that load from other processes
    // on a shared machine falls on both alike; CPU time is shown next to wall time.
    let runs = 21;
    let (mut wall, mut cpu, mut floor_wall, mut floor_cpu) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let (reports, w, c) = timed(|| soarc_validate::validate_paths(&paths));
        std::hint::black_box(reports);
        wall.push(w);
        cpu.extend(c);
        let ((), w, c) = timed(|| bare_parse(&files));
        floor_wall.push(w);
        floor_cpu.extend(c);
    }
    let (min, median, max) = spread(wall);
    let (floor_min, floor_median, _) = spread(floor_wall);
    println!(
        "validate corpus: {} files, {:.1} MiB, {} findings; wall min {:.1} ms, median {:.1} ms, max {:.1} ms ({:.0} MiB/s)",
        files.len(),
        bytes as f64 / 1048576.0,
        findings,
        ms(min),
        ms(median),
        ms(max),
        bytes as f64 / 1048576.0 / median.as_secs_f64()
    );
    println!(
        "bare serde_json parse of the same files: wall min {:.1} ms, median {:.1} ms; validate / parse = {:.2}x (medians), {:.2}x (minima)",
        ms(floor_min),
        ms(floor_median),
        median.as_secs_f64() / floor_median.as_secs_f64(),
        min.as_secs_f64() / floor_min.as_secs_f64()
    );
    if cpu.len() == runs && floor_cpu.len() == runs {
        let (min, median, _) = spread(cpu);
        let (floor_min, floor_median, _) = spread(floor_cpu);
        println!(
            "CPU time: validate median {:.1} ms (min {:.1}), bare parse median {:.1} ms (min {:.1}); validate / parse = {:.2}x (medians), {:.2}x (minima)",
            ms(median),
            ms(min),
            ms(floor_median),
            ms(floor_min),
            median.as_secs_f64() / floor_median.as_secs_f64(),
            min.as_secs_f64() / floor_min.as_secs_f64()
        );
    }
    scaling();
}

/// The floor: reading the files and parsing each with a bare `serde_json::from_str::<Value>`.
#[inline(never)]
fn bare_parse(files: &[std::path::PathBuf]) {
    for f in files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        let v: Result<serde_json::Value, _> =
            serde_json::from_str(text.trim_start_matches('\u{feff}'));
        std::hint::black_box(v.ok());
    }
}

fn scaling() {
    let mut previous: Option<(Duration, Option<Duration>)> = None;
    for n in [10_000usize, 100_000] {
        let text = chained(n);
        // Median of 11 runs (the machine may be shared; a 10,000-action run is about 13 ms,
        // so one slow run moves the ratio).
        let runs = 11;
        let (mut wall, mut cpu) = (Vec::new(), Vec::new());
        let mut found = 0;
        for _ in 0..runs {
            let ((_, findings), w, c) = timed(|| soarc_validate::validate_text(&text));
            wall.push(w);
            cpu.extend(c);
            found = findings.len();
        }
        let (min, median, max) = spread(wall);
        let cpu_median = (cpu.len() == runs).then(|| spread(cpu).1);
        let ratio = previous.map_or(String::new(), |(p, p_cpu)| {
            let mut s = format!(
                ", {:.1}x the previous size's wall time",
                median.as_secs_f64() / p.as_secs_f64()
            );
            if let (Some(c), Some(p)) = (cpu_median, p_cpu) {
                s += &format!(
                    " and {:.1}x its CPU time",
                    c.as_secs_f64() / p.as_secs_f64()
                );
            }
            s
        });
        println!(
            "{n} chained actions ({:.1} MiB): wall median {:.0} ms (min {:.0}, max {:.0}){}, {found} findings{ratio}",
            text.len() as f64 / 1048576.0,
            ms(median),
            ms(min),
            ms(max),
            cpu_median.map_or(String::new(), |c| format!(", CPU median {:.0} ms", ms(c))),
        );
        previous = Some((median, cpu_median));
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

/// `VALIDATE_BENCH=phases`: the CPU time of each phase of validating the chained workflows
/// (median of 11 runs each): the JSON reader, the shared analysis (`Context::new`), the
/// rules, and freeing both; for 10,000 and 100,000 actions and their ratio, to show which
/// phase grows faster than the input. `size`: that size alone, `runs` times (to profile it).
fn phases(size: Option<usize>, runs: usize) {
    let sizes = size.map_or(vec![10_000usize, 100_000], |n| vec![n]);
    let mut all: Vec<Vec<Duration>> = Vec::new();
    for n in sizes {
        let text = chained(n);
        let mut samples = vec![Vec::new(); 4];
        for _ in 0..runs {
            let (doc, _, read) = timed(|| soarc_validate::json::parse(&text).expect("json"));
            let (ctx, _, analysis) =
                timed(|| soarc_validate::Context::new(&doc, soarc_validate::Kind::Workflow));
            let ((), _, rules) = timed(|| {
                for rule in soarc_validate::rules::ALL {
                    let mut sink = soarc_validate::Sink::default();
                    (rule.check)(&ctx, &mut sink);
                    std::hint::black_box(sink);
                }
            });
            let before = cpu_time();
            drop(ctx);
            drop(doc);
            let free = before.zip(cpu_time()).map(|(a, b)| b.saturating_sub(a));
            for (s, d) in samples.iter_mut().zip([read, analysis, rules, free]) {
                s.push(d.unwrap_or_default());
            }
        }
        let medians: Vec<Duration> = samples.into_iter().map(|s| spread(s).1).collect();
        println!(
            "{n} actions: read {:.1} ms, analysis {:.1} ms, rules {:.1} ms, free {:.1} ms",
            ms(medians[0]),
            ms(medians[1]),
            ms(medians[2]),
            ms(medians[3])
        );
        all.push(medians);
    }
    if all.len() < 2 {
        return;
    }
    let ratio = |i: usize| all[1][i].as_secs_f64() / all[0][i].as_secs_f64();
    println!(
        "ratios: read {:.1}x, analysis {:.1}x, rules {:.1}x, free {:.1}x",
        ratio(0),
        ratio(1),
        ratio(2),
        ratio(3)
    );
}
