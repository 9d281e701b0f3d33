//! Build benchmark. First on disk, as `soarc build` runs (compile, check, stream the files
//! into OUT), next to `cp -r` of the same output tree in the same run: a fresh build into an
//! empty folder and a rebuild with nothing changed (incremental: it reuses every playbook's
//! files from OUT and writes nothing; `soarc_compiler::incremental`), each as a ratio to
//! the copy, and the peak resident memory of one fresh build (issue #12's goals: fresh
//! within 1.5x the copy, rebuild within 0.5x, under 150 MB at 10,000 playbooks). Up to 2,000
//! playbooks also the writer alone, from an output built in memory.
//!
//! Then in memory (no disk I/O), timed over several runs: wall time per size, and whether
//! cost grows linearly.
//!
//! Run: `cargo bench --bench build` (on-disk sizes from SOARC_BENCH_DISK_SIZES, default
//! 1000, e.g. `1000,10000`; in-memory sizes from SOARC_BENCH_SIZES, default 100,1000). The
//! disk figures use the temporary folder (TMPDIR); run it on the disk the output lives on.

use std::time::{Duration, Instant};

fn spec(playbooks: usize) -> String {
    let mut text = String::from(
        r#"deployment:
  subscription_id: 00000000-0000-0000-0000-000000000000
  resource_group: rg-soc
  workspace: { name: law-sentinel }
mappings:
  snow_urgency:
    from: incident.severity
    values: { High: "1", Medium: "2", Low: "3", Informational: "3" }
connections:
  snow:
    kind: servicenow
    instance: https://contoso.service-now.com
    username: sentinel.integration
    password: { key_vault: { vault: kv-soc, secret: snow-password } }
playbooks:
"#,
    );
    for i in 0..playbooks {
        text.push_str(&format!(
            r#"  - name: snow-playbook-{i}
    trigger: incident
    variables:
      notes: {{ type: string }}
    steps:
      - servicenow.create_incident:
          id: ticket
          connection: snow
          fields:
            short_description: "Sentinel {i}: {{{{incident.title}}}}"
            description: "{{{{incident.description}}}}\n\nSeverity: {{{{incident.severity}}}}\nURL: {{{{incident.url}}}}"
            urgency: {{ map: snow_urgency }}
            impact: {{ map: snow_urgency }}
            category: Security
            assignment_group: Security Operations
      - if:
          condition: {{ equals: ["{{{{incident.severity}}}}", High] }}
          then:
            - append_variable: {{ variable: notes, value: "escalated {{{{ticket.number}}}}" }}
      - sentinel.add_comment: "ServiceNow incident created: {{{{ticket.number}}}} {{{{ticket.url}}}}"
"#
        ));
    }
    text
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the process's peak resident memory to what it holds now, so that the next
/// `peak_rss_kib` is the peak of what runs in between (Linux: writing 5 to
/// `/proc/self/clear_refs`, see proc(5)). False where that is not available.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    // On disk first, while the process holds little: each size's peak memory is measured
    // on its own.
    let disk_sizes: Vec<usize> = std::env::var("SOARC_BENCH_DISK_SIZES")
        .unwrap_or_else(|_| "1000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    for &n in &disk_sizes {
        on_disk(dir.path(), n);
    }
    let sizes: Vec<usize> = std::env::var("SOARC_BENCH_SIZES")
        .unwrap_or_else(|_| "100,1000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let mut per_playbook = Vec::new();
    for &n in &sizes {
        let path = dir.path().join(format!("bench-{n}.yaml"));
        std::fs::write(&path, spec(n)).expect("write spec");
        // Warm-up (schema compilation happens once per process).
        let built = soarc_compiler::build::build(&[&path]).expect("bench spec builds");
        assert_eq!(built.playbooks, n);
        let runs = if n >= 1000 { 5 } else { 10 };
        let mut times = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            let built = soarc_compiler::build::build(&[&path]).expect("bench spec builds");
            times.push(start.elapsed());
            std::hint::black_box(built.files.files.len());
        }
        times.sort();
        let median = times[times.len() / 2];
        let min: Duration = times[0];
        per_playbook.push(median.as_secs_f64() / n as f64);
        println!(
            "in memory, {n:>5} playbooks ({} files): median {:>8.1} ms, min {:>8.1} ms, {:.1} µs/playbook",
            built.files.files.len(),
            median.as_secs_f64() * 1e3,
            min.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e6 / n as f64
        );
    }
    if let Some(kib) = peak_rss_kib() {
        println!(
            "peak resident memory of the whole run (in-memory builds hold every file): {:.1} MiB",
            kib as f64 / 1024.0
        );
    }
    if per_playbook.len() >= 2 {
        let ratio = per_playbook[per_playbook.len() - 1] / per_playbook[0];
        println!("cost per playbook, largest vs smallest size: {ratio:.2}x (1.0 = linear)");
    }
}

/// Median of `runs` timings of `f`, each after `setup`.
fn median(runs: usize, mut setup: impl FnMut(), mut f: impl FnMut()) -> Duration {
    let mut times = Vec::new();
    for _ in 0..runs {
        setup();
        let start = Instant::now();
        f();
        times.push(start.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

fn on_disk(dir: &std::path::Path, n: usize) {
    let path = dir.join(format!("disk-{n}.yaml"));
    std::fs::write(&path, spec(n)).expect("write spec");
    let out = dir.join(format!("out-{n}"));
    let copy = dir.join(format!("copy-{n}"));
    let clear = |p: &std::path::Path| {
        let _ = std::fs::remove_dir_all(p);
    };
    let runs = if n > 2000 { 3 } else { 5 };
    // The whole command as `soarc build` runs it: the build streams each playbook's files
    // into OUT's staging folder as they are generated, then commits (issue #12).
    let streamed = |expect_written: bool| {
        let mut writer = soarc_compiler::output::Writer::new(&out, false);
        let built = soarc_compiler::build::build_files_into(
            &[&path],
            soarc_compiler::build::Options::default(),
            &mut writer,
        )
        .expect("bench spec builds");
        let written = writer.commit().expect("streamed write");
        assert_eq!(written.written > 0, expect_written);
        if !expect_written {
            assert_eq!(
                built.reused, n,
                "a rebuild with nothing changed reuses every playbook"
            );
        }
        built.files
    };
    // Peak memory of one fresh streamed build (the first, so nothing of a later run counts).
    clear(&out);
    let measured = reset_peak_rss();
    let files = streamed(true);
    let peak = peak_rss_kib().filter(|_| measured);
    let fresh = median(
        runs,
        || clear(&out),
        || {
            streamed(true);
        },
    );
    let rebuild = median(
        runs,
        || {},
        || {
            streamed(false);
        },
    );
    let cp = median(
        runs,
        || clear(&copy),
        || {
            let status = std::process::Command::new("cp")
                .arg("-r")
                .arg(&out)
                .arg(&copy)
                .status()
                .expect("cp runs");
            assert!(status.success());
        },
    );
    println!(
        "on disk, {n} playbooks ({files} files), `soarc build` (compile, check, write): \
         fresh {:.1} ms ({:.2}x cp -r), rebuild with nothing changed {:.1} ms ({:.2}x cp -r); \
         cp -r of its output {:.1} ms; peak resident memory {}",
        fresh.as_secs_f64() * 1e3,
        fresh.as_secs_f64() / cp.as_secs_f64(),
        rebuild.as_secs_f64() * 1e3,
        rebuild.as_secs_f64() / cp.as_secs_f64(),
        cp.as_secs_f64() * 1e3,
        peak.map_or(
            "not measured (no /proc/self/clear_refs)".to_string(),
            |kib| format!("{:.1} MiB", kib as f64 / 1024.0)
        ),
    );
    // The writer alone, from an output built in memory (which holds every file: only for
    // sizes where that fits).
    if n <= 2000 {
        let built = soarc_compiler::build::build(&[&path]).expect("bench spec builds");
        clear(&out);
        let fresh = median(
            runs,
            || clear(&out),
            || {
                built.files.write(&out, false).expect("fresh write");
            },
        );
        let rebuild = median(
            runs,
            || {},
            || {
                let written = built.files.write(&out, false).expect("rebuild");
                assert_eq!(written.written, 0);
            },
        );
        println!(
            "on disk, {n} playbooks, the writer alone: fresh write {:.1} ms ({:.2}x cp -r); \
             rewrite, nothing changed {:.1} ms ({:.2}x cp -r)",
            fresh.as_secs_f64() * 1e3,
            fresh.as_secs_f64() / cp.as_secs_f64(),
            rebuild.as_secs_f64() * 1e3,
            rebuild.as_secs_f64() / cp.as_secs_f64(),
        );
    }
    clear(&out);
    clear(&copy);
}
