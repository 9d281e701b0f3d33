//! The incremental build (issue #12): after every kind of change, a rebuild that reuses
//! what it can gives exactly what a full build into an empty folder gives (the same bytes in
//! every file, the same warnings), and reuses only what is unchanged.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use soarc_compiler::build::{self, Layout, Options, StreamError};
use soarc_compiler::incremental::CACHE;
use soarc_compiler::output::Writer;

/// Three playbooks, an automation rule and the monitoring: the ordered deployment `deploy/`
/// holds them all.
fn spec(marker: &str, urgency_high: &str, instance: &str, extra: bool) -> String {
    let mut text = format!(
        r#"deployment:
  subscription_id: 00000000-0000-0000-0000-000000000000
  resource_group: rg-soc
  workspace: {{ name: law-sentinel }}
  security_insights_object_id: 00000000-0000-0000-0000-000000000000
monitoring:
  workbook: true
  alert: {{ failures: 5, window: 1h, emails: [soc@contoso.com] }}
mappings:
  snow_urgency:
    from: incident.severity
    values: {{ High: "{urgency_high}", Medium: "2", Low: "3", Informational: "3" }}
connections:
  snow:
    kind: servicenow
    instance: {instance}
    username: sentinel.integration
    password: {{ key_vault: {{ vault: kv-soc, secret: snow-password }} }}
playbooks:
  - name: snow-one
    trigger: incident
    steps:
      - servicenow.create_incident:
          id: ticket
          connection: snow
          fields:
            short_description: "Sentinel {marker}: {{{{incident.title}}}}"
            urgency: {{ map: snow_urgency }}
      - sentinel.add_comment: "created {{{{ticket.number}}}}"
  - name: snow-two
    trigger: incident
    steps:
      - servicenow.create_incident:
          id: ticket
          connection: snow
          fields:
            short_description: "Second: {{{{incident.title}}}}"
            impact: {{ map: snow_urgency }}
  - name: lookup
    trigger: incident
    steps:
      - http:
          method: GET
          uri: https://api.example.com/lookup
"#
    );
    if extra {
        text.push_str(
            r#"  - name: extra
    trigger: incident
    steps:
      - sentinel.add_comment: "an extra playbook"
"#,
        );
    }
    text.push_str(
        r#"automation_rules:
  - name: snow-for-high
    order: 1
    when: created
    conditions: { severity: [High] }
    actions: [ { run_playbook: snow-one } ]
"#,
    );
    text
}

/// What a build reported: its warnings (or errors) one per line, and how many playbooks it
/// reused; an I/O or conflict error as its message.
#[derive(Debug, PartialEq)]
struct Report {
    diagnostics: Vec<String>,
    reused: usize,
}

fn build_into(spec: &Path, out: &Path, layout: Layout, take_over: bool) -> Result<Report, String> {
    let mut writer = Writer::new(out, take_over);
    match build::build_files_into(&[spec], Options { layout }, &mut writer) {
        Ok(built) => {
            writer.commit().map_err(|e| e.to_string())?;
            Ok(Report {
                diagnostics: built
                    .warnings
                    .iter()
                    .map(|d| d.one_line(&built.sources))
                    .collect(),
                reused: built.reused,
            })
        }
        Err(StreamError::Spec(failure)) => Err(failure
            .diagnostics
            .iter()
            .map(|d| d.one_line(&failure.sources))
            .collect::<Vec<_>>()
            .join("\n")),
        Err(StreamError::Output(e)) => Err(e.to_string()),
    }
}

/// Every file under `dir` but the cache (which records this machine's file status), by
/// path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, found: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                walk(root, &path, found);
            } else {
                let name = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if name != CACHE {
                    found.insert(name, std::fs::read(&path).unwrap());
                }
            }
        }
    }
    let mut found = BTreeMap::new();
    walk(dir, dir, &mut found);
    found
}

struct Bench {
    dir: tempfile::TempDir,
    spec: PathBuf,
    out: PathBuf,
}

impl Bench {
    fn new(text: &str) -> Bench {
        let dir = tempfile::tempdir().unwrap();
        let spec = dir.path().join("spec.yaml");
        std::fs::write(&spec, text).unwrap();
        let out = dir.path().join("out");
        Bench { dir, spec, out }
    }

    fn set_spec(&self, text: &str) {
        std::fs::write(&self.spec, text).unwrap();
    }

    /// Rebuild OUT incrementally, build the same spec into an empty folder, and require the
    /// same files, byte for byte, and the same report. Returns how many playbooks the
    /// incremental build reused.
    fn rebuild_matches_full(&self, layout: Layout, take_over: bool) -> usize {
        let incremental = build_into(&self.spec, &self.out, layout, take_over).unwrap();
        let fresh = tempfile::tempdir_in(self.dir.path()).unwrap();
        let full = build_into(&self.spec, fresh.path(), layout, take_over).unwrap();
        assert_eq!(
            full.reused, 0,
            "a build into an empty folder reuses nothing"
        );
        assert_eq!(incremental.diagnostics, full.diagnostics);
        let (got, want) = (tree(&self.out), tree(fresh.path()));
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>()
        );
        for (path, bytes) in &want {
            assert!(got[path] == *bytes, "{path} differs from a full build");
        }
        incremental.reused
    }
}

fn base() -> String {
    spec("one", "1", "https://contoso.service-now.com", false)
}

#[test]
fn every_change_rebuilds_what_it_must_and_reuses_the_rest() {
    let bench = Bench::new(&base());
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 0);
    assert!(bench.out.join(CACHE).is_file());
    // Nothing changed: everything reused.
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 3);

    // One playbook changed (same lines): only it is built again.
    bench.set_spec(&spec(
        "changed",
        "1",
        "https://contoso.service-now.com",
        false,
    ));
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 2);

    // A mapping, then a connection: every playbook may read them.
    bench.set_spec(&spec(
        "changed",
        "2",
        "https://contoso.service-now.com",
        false,
    ));
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 0);
    bench.set_spec(&spec(
        "changed",
        "2",
        "https://fabrikam.service-now.com",
        false,
    ));
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 0);
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 3);

    // An option: the other layout, then back.
    assert_eq!(bench.rebuild_matches_full(Layout::Repositories, false), 0);
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 0);
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 3);

    // A playbook added at the end, then removed again (its folder goes).
    bench.set_spec(&spec(
        "changed",
        "2",
        "https://fabrikam.service-now.com",
        true,
    ));
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 3);
    bench.set_spec(&spec(
        "changed",
        "2",
        "https://fabrikam.service-now.com",
        false,
    ));
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 3);
    assert!(!bench.out.join("playbooks/extra").exists());

    // Lines added above every playbook: positions change, generated files do not.
    bench.set_spec(&format!(
        "# a comment\n\n{}",
        spec("changed", "2", "https://fabrikam.service-now.com", false)
    ));
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 3);

    // An output file deleted: its playbook is built again.
    std::fs::remove_file(bench.out.join("playbooks/snow-two/azuredeploy.json")).unwrap();
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 2);
    // A file of the ordered deployment deleted: the playbooks are reused, `deploy/` is
    // built again from their deployments.
    std::fs::remove_file(bench.out.join("deploy/azuredeploy.json")).unwrap();
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 3);
}

/// Warnings about a playbook are reported by a build that reuses its files too, at the same
/// place.
#[test]
fn a_reused_playbook_reports_its_warnings() {
    let bench = Bench::new(
        "playbooks:\n  - name: poll\n    trigger: { recurrence: { frequency: Hour, interval: 1 } }\n    steps:\n      - http: { method: GET, uri: https://api.example.com/poll }\n",
    );
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 0);
    let again = build_into(&bench.spec, &bench.out, Layout::Az, false).unwrap();
    assert_eq!(again.reused, 1);
    assert!(
        again
            .diagnostics
            .iter()
            .any(|d| d.contains("SPEC072") && d.contains(":2:11:")),
        "{:?}",
        again.diagnostics
    );
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 1);
}

#[test]
fn a_file_edited_by_hand_is_never_taken_for_the_generated_one() {
    let bench = Bench::new(&base());
    bench.rebuild_matches_full(Layout::Az, false);
    let file = bench.out.join("playbooks/snow-one/workflow.json");
    let original = std::fs::read(&file).unwrap();
    let modified = std::fs::metadata(&file).unwrap().modified().unwrap();

    // Edited with the same size, and its modification time set back: the status-change
    // time still tells, and the build stops at the conflict as a full build does.
    let mut edited = original.clone();
    let at = edited.iter().position(|&b| b == b'{').unwrap();
    edited[at] = b'[';
    std::fs::write(&file, &edited).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let error = build_into(&bench.spec, &bench.out, Layout::Az, false).unwrap_err();
    assert!(error.contains("was edited since soarc wrote it"), "{error}");
    assert_eq!(std::fs::read(&file).unwrap(), edited, "nothing was written");

    // Put back byte for byte (a new status): built again, found unchanged (compared byte
    // for byte) and stamped again; or, if the first build wrote it within the clock tick of
    // its commit (racy), verified by its SHA-1 and reused. Either way the next build reuses it.
    std::fs::write(&file, &original).unwrap();
    let reused = bench.rebuild_matches_full(Layout::Az, false);
    assert!(matches!(reused, 2 | 3), "{reused}");
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 3);

    // Edited and taken over: the generated file is written again.
    std::fs::write(&file, b"{}\n").unwrap();
    bench.rebuild_matches_full(Layout::Az, true);
    assert_eq!(std::fs::read(&file).unwrap(), original);
}

#[test]
fn a_damaged_or_foreign_cache_means_a_full_build() {
    let bench = Bench::new(&base());
    bench.rebuild_matches_full(Layout::Az, false);
    let cache = bench.out.join(CACHE);
    let text = std::fs::read_to_string(&cache).unwrap();
    std::fs::write(&cache, &text[..text.len() / 2]).unwrap();
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 0);
    // Written by another soarc build: its `soarc` identity differs.
    let text = std::fs::read_to_string(&cache).unwrap();
    let identity = soarc_compiler::incremental::identity();
    std::fs::write(&cache, text.replace(&identity, "soarc 0.1.0 another-build")).unwrap();
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 0);
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 3);
    // The cache is soarc's state, not an output: `--check` and `validate` ignore it.
    let (stale, _) = soarc_compiler::output::Checker::open(&bench.out)
        .and_then(|mut checker| {
            build::build_files_into(&[&bench.spec], Options::default(), &mut checker)
                .map_err(|_| unreachable!("the spec builds"))
                .unwrap();
            checker.finish()
        })
        .unwrap();
    assert!(stale.is_empty(), "{stale:?}");
    assert!(soarc_lang::read::is_state_entry(
        std::ffi::OsStr::new(CACHE),
        false
    ));
}

/// Random edits, each followed by the comparison with a full build: a playbook's text, a
/// mapping, a connection, a playbook added or removed, an output file deleted, rewritten
/// with its own bytes, or touched.
#[test]
fn random_edits_never_leave_a_stale_file() {
    let bench = Bench::new(&base());
    bench.rebuild_matches_full(Layout::Az, false);
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: u64| {
        // xorshift64: deterministic, so a failure reproduces.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let (mut marker, mut urgency, mut instance, mut extra) = (0, 1, 0, false);
    let instances = [
        "https://contoso.service-now.com",
        "https://fabrikam.service-now.com",
    ];
    for _ in 0..14 {
        match next(6) {
            0 => marker += 1,
            1 => urgency = 1 + (urgency % 3),
            2 => instance = 1 - instance,
            3 => extra = !extra,
            4 | 5 => {
                let manifest: serde_json::Value = serde_json::from_slice(
                    &std::fs::read(bench.out.join(".soarc-manifest.json")).unwrap(),
                )
                .unwrap();
                let files: Vec<&String> = manifest["files"].as_object().unwrap().keys().collect();
                let file = bench.out.join(files[next(files.len() as u64) as usize]);
                match next(3) {
                    0 => std::fs::remove_file(&file).unwrap(),
                    1 => std::fs::write(&file, std::fs::read(&file).unwrap()).unwrap(),
                    _ => std::fs::File::options()
                        .write(true)
                        .open(&file)
                        .unwrap()
                        .set_modified(std::time::SystemTime::now())
                        .unwrap(),
                }
            }
            _ => unreachable!(),
        }
        bench.set_spec(&spec(
            &marker.to_string(),
            &urgency.to_string(),
            instances[instance],
            extra,
        ));
        bench.rebuild_matches_full(Layout::Az, false);
    }
}

/// FNV-1a 64, the hash the manifest and the cache keep of each file.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A generated file replaced (a new status) by other contents with the same 64-bit FNV-1a
/// hash: what a crafted file gives, as FNV-1a is not collision resistant (a generated file
/// committed to git can be changed by a pull request). Written here by setting the recorded
/// hashes to the new contents' hash. A full build rewrites such a file (the manifest says it
/// is soarc's); an incremental build must not take it for the generated one on the strength
/// of that hash.
#[test]
fn a_file_only_a_64_bit_hash_vouches_for_is_not_reused() {
    let bench = Bench::new(&base());
    bench.rebuild_matches_full(Layout::Az, false);
    let rel = "playbooks/snow-one/workflow.json";
    let file = bench.out.join(rel);
    let original = std::fs::read(&file).unwrap();
    let planted = b"{\"definition\": \"not what soarc generates\"}\n".to_vec();
    std::fs::write(&file, &planted).unwrap();
    let (old, new) = (fnv1a64(&original), fnv1a64(&planted));
    for state in [".soarc-manifest.json", CACHE] {
        let path = bench.out.join(state);
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text
            .replace(&format!("{old:016x}"), &format!("{new:016x}"))
            .replace(&format!("\"hash\":{old},"), &format!("\"hash\":{new},"));
        std::fs::write(&path, text).unwrap();
    }
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 2);
    assert_eq!(std::fs::read(&file).unwrap(), original);
}

/// A cache written elsewhere (committed to git by mistake, so a pull request can change it)
/// vouching for a generated file by the SHA-1 of other contents: a racy entry (no status)
/// must not make this machine reuse a file it never wrote or compared. A build without the
/// cache stops at the edited file; so must the incremental build.
#[test]
fn a_cache_from_elsewhere_cannot_vouch_for_a_planted_file() {
    let bench = Bench::new(&base());
    bench.rebuild_matches_full(Layout::Az, false);
    // A checkout elsewhere: the same files (new inodes), the cache with them.
    let copy = bench.dir.path().join("checkout");
    std::fs::create_dir(&copy).unwrap();
    for (rel, bytes) in tree(&bench.out) {
        let path = copy.join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let rel = "playbooks/snow-one/workflow.json";
    let planted = b"{\"definition\": \"not what soarc generates\"}\n".to_vec();
    std::fs::write(copy.join(rel), &planted).unwrap();
    let mut cache: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bench.out.join(CACHE)).unwrap()).unwrap();
    // Every file of the planted file's entry vouched for by its contents' SHA-1.
    for entry in cache["entries"].as_array_mut().unwrap() {
        let files = entry["files"].as_array_mut().unwrap();
        if !files.iter().any(|f| f["path"] == rel) {
            continue;
        }
        for file in files {
            let bytes = std::fs::read(copy.join(file["path"].as_str().unwrap())).unwrap();
            file["stamp"] = serde_json::Value::Null;
            file["sha1"] = soarc_compiler::incremental::sha1_hex(&bytes).into();
        }
    }
    std::fs::write(copy.join(CACHE), serde_json::to_vec(&cache).unwrap()).unwrap();
    let error = build_into(&bench.spec, &copy, Layout::Az, false).unwrap_err();
    assert!(error.contains("was edited since soarc wrote it"), "{error}");
    assert_eq!(std::fs::read(copy.join(rel)).unwrap(), planted);
}

/// A build killed at any write (before its commit point, or after it and before the cache
/// is saved), then a rebuild of the spec it was building, then of the spec before: each
/// rebuild gives what a full build gives. The cache the killed build left describes the
/// files before the update; the manifest, finished by the rebuild, says which are there.
#[test]
fn a_killed_build_then_rebuilds_match_full_builds() {
    let changed = spec("changed", "1", "https://contoso.service-now.com", false);
    let mut outcomes = [0, 0];
    for n in (0..60).step_by(3) {
        let bench = Bench::new(&base());
        bench.rebuild_matches_full(Layout::Az, false);
        let before = std::fs::read(bench.out.join(CACHE)).unwrap();
        bench.set_spec(&changed);
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_soarc"))
            .args(["build", "spec.yaml", "--out", "out"])
            .env("SOARC_FAIL_AFTER_WRITES", n.to_string())
            .env("SOARC_FAIL_MODE", "abort")
            .current_dir(bench.dir.path())
            .output()
            .unwrap();
        if output.status.success() {
            break;
        }
        assert_eq!(output.status.code(), None, "killed by a signal");
        assert_eq!(std::fs::read(bench.out.join(CACHE)).unwrap(), before);
        // Killed after the commit point: the rebuild finishes the update first.
        let committed = bench.out.join(".soarc-journal.json").exists();
        outcomes[usize::from(committed)] += 1;
        bench.rebuild_matches_full(Layout::Az, false);
        bench.set_spec(&base());
        assert!(bench.rebuild_matches_full(Layout::Az, false) >= 2);
    }
    assert!(outcomes[0] > 1 && outcomes[1] > 1, "{outcomes:?}");
}

/// What stands in the way of generated files (here links) is reported as a build without
/// the cache reports it: the first in the order files are written (playbooks before
/// `deploy/`), although the incremental build looks at `deploy/`'s cached files first.
#[cfg(unix)]
#[test]
fn links_in_the_way_are_reported_as_a_full_build_reports_them() {
    let bench = Bench::new(&base());
    bench.rebuild_matches_full(Layout::Az, false);
    let elsewhere = bench.dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    for rel in ["deploy", "playbooks/snow-two"] {
        let moved = elsewhere.join(rel.replace('/', "-"));
        std::fs::rename(bench.out.join(rel), &moved).unwrap();
        std::os::unix::fs::symlink(&moved, bench.out.join(rel)).unwrap();
    }
    let error = build_into(&bench.spec, &bench.out, Layout::Az, false).unwrap_err();
    std::fs::remove_file(bench.out.join(CACHE)).unwrap();
    let without_cache = build_into(&bench.spec, &bench.out, Layout::Az, false).unwrap_err();
    assert!(
        without_cache.contains("playbooks/snow-two is a symbolic link"),
        "{without_cache}"
    );
    assert_eq!(error, without_cache);
}

/// The cache is written through no link: one placed where its temporary file goes (in the
/// staging folder, while a build runs) is not followed, and what it points to is untouched.
#[cfg(unix)]
#[test]
fn the_cache_is_never_written_through_a_link() {
    let bench = Bench::new(&base());
    bench.rebuild_matches_full(Layout::Az, false);
    let victim = bench.dir.path().join("precious.txt");
    std::fs::write(&victim, "precious").unwrap();
    // The same spec under another name: every key changes (the spec paths are part of it),
    // no generated file does; every item is built again and found unchanged, so the update
    // writes nothing and the cache is written again.
    let renamed = bench.dir.path().join("renamed.yaml");
    std::fs::copy(&bench.spec, &renamed).unwrap();
    let mut writer = Writer::new(&bench.out, false);
    let built = build::build_files_into(&[&renamed], Options::default(), &mut writer)
        .map_err(|_| "the spec builds")
        .unwrap();
    assert_eq!(built.reused, 0);
    let staging = bench.out.join(".soarc-staging");
    std::fs::create_dir(&staging).unwrap();
    std::os::unix::fs::symlink(&victim, staging.join("cache")).unwrap();
    let written = writer.commit().unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(
        written
            .notes
            .iter()
            .any(|n| n.contains("could not be written")),
        "{:?}",
        written.notes
    );
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 0);
}

/// A cache soarc never writes: one entry claims the files of another (a hand edit, a bad
/// merge of a committed cache). It is not used at all: the rebuild is a full one, gives
/// what a full build gives, and no playbook's files are lost.
#[test]
fn a_cache_listing_a_file_twice_means_a_full_build() {
    let bench = Bench::new(&base());
    bench.rebuild_matches_full(Layout::Az, false);
    let path = bench.out.join(CACHE);
    let mut cache: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let entries = cache["entries"].as_array_mut().unwrap();
    assert!(entries.len() >= 2, "two playbooks, two entries at least");
    entries[1]["files"] = entries[0]["files"].clone();
    std::fs::write(&path, serde_json::to_vec(&cache).unwrap()).unwrap();
    assert_eq!(bench.rebuild_matches_full(Layout::Az, false), 0);
    assert!(bench.out.join("playbooks/snow-two/workflow.json").is_file());
}
