//! arm-ttk's own pass/fail fixtures for the 11 template tests soarc's rules cover, run
//! through soarc. The table is held: a Fail fixture must be flagged by the covering rule and
//! a Pass fixture must not be, except the fixtures listed in `DIFFERENCES`, each with the
//! reason soarc differs (arm-ttk is a heuristic tool; soarc reports what Azure rejects or
//! what is demonstrably unsafe). A listed fixture that starts to agree fails the test too,
//! so the list stays exact.
//!
//! Fixtures: `../shared/reference/arm-ttk/<test>/{Pass,Fail}/` with arm-ttk's Pester file
//! beside them (see its SOURCES.md).

use std::path::{Path, PathBuf};

const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/reference");

/// (arm-ttk test, the soarc rules that cover it).
const COVERED: &[(&str, &[&str])] = &[
    ("Location-Should-Not-Be-Hardcoded", &["ARM013"]),
    ("Outputs-Must-Not-Contain-Secrets", &["ARM012"]),
    ("Parameters-Must-Be-Referenced", &["ARM009"]),
    ("Variables-Must-Be-Referenced", &["ARM010"]),
    ("Secure-String-Parameters-Cannot-Have-Default", &["ARM008"]),
    ("Password-params-must-be-secure", &["ARM014"]),
    ("DependsOn-Best-Practices", &["ARM006"]),
    ("Min-And-Max-Value-Are-Numbers", &["ARM020"]),
    ("Allowed-Values-Should-Actually-Be-Allowed", &["ARM020"]),
    ("Secure-Params-In-Nested-Deployments", &["ARM012", "ARM014"]),
    ("adminPassword-Should-Not-Be-A-Literal", &["ARM014", "ARM015"]),
];

/// Fixtures where soarc deliberately differs from arm-ttk, or does not cover the case yet
/// (marked "Not covered yet"): (test/Pass|Fail/file, reason).
const DIFFERENCES: &[(&str, &str)] = &[];

fn arm_ttk() -> Option<PathBuf> {
    let dir = Path::new(REFERENCE).join("arm-ttk");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("arm-ttk fixtures missing at {} (required when CI=true)", dir.display());
    }
    eprintln!("NOTICE: arm-ttk fixtures not found at {}; test not run", dir.display());
    None
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("json")) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn arm_ttk_fixtures_table_holds() {
    let Some(root) = arm_ttk() else { return };
    let mut disagreements = Vec::new();
    let (mut fail_total, mut fail_flagged, mut pass_total, mut pass_flagged) = (0, 0, 0, 0);
    for (test, codes) in COVERED {
        for (expect_flag, sub) in [(true, "Fail"), (false, "Pass")] {
            for path in files(&root.join(test).join(sub)) {
                let report = soarc_validate::validate_file(&path);
                let flagged = report.findings.iter().any(|f| codes.contains(&f.code));
                let name = format!(
                    "{test}/{sub}/{}",
                    path.strip_prefix(root.join(test).join(sub))
                        .unwrap()
                        .display()
                );
                if expect_flag {
                    fail_total += 1;
                    fail_flagged += usize::from(flagged);
                } else {
                    pass_total += 1;
                    pass_flagged += usize::from(flagged);
                }
                if flagged != expect_flag {
                    disagreements.push(name);
                }
            }
        }
    }
    println!(
        "arm-ttk: {fail_flagged} of {fail_total} Fail fixtures flagged, {pass_flagged} of {pass_total} Pass fixtures flagged"
    );
    let listed: Vec<&str> = DIFFERENCES.iter().map(|(f, _)| *f).collect();
    let unexplained: Vec<&String> = disagreements
        .iter()
        .filter(|d| !listed.contains(&d.as_str()))
        .collect();
    let stale: Vec<&&str> = listed
        .iter()
        .filter(|l| !disagreements.iter().any(|d| d == *l))
        .collect();
    assert!(
        unexplained.is_empty() && stale.is_empty(),
        "arm-ttk table changed.\nDisagreements without a reason:\n{}\nListed but now agreeing:\n{}",
        unexplained.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n"),
        stale.iter().map(|s| **s).collect::<Vec<_>>().join("\n")
    );
    assert!(DIFFERENCES.iter().all(|(_, why)| why.len() > 20));
}
