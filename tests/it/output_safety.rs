//! What `soarc build` may do to OUT (issue #12): it writes, overwrites and removes only what
//! its manifest says it wrote; never follows a symbolic link; one build at a time; a build
//! that fails or is killed part-way leaves OUT entirely old or entirely new; inputs must be
//! regular files. Each test snapshots the whole temporary directory before and after and
//! checks that nothing outside the manifest changed.

use crate::common::*;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const HEAD: &str = r#"
deployment:
  subscription_id: 00000000-0000-0000-0000-000000000000
  resource_group: rg-soc
  workspace: { name: law-sentinel }
connections:
  snow:
    kind: servicenow
    instance: https://contoso.service-now.com
    username: sentinel.integration
    password: { key_vault: { vault: kv-soc, secret: snow-password } }
playbooks:
"#;

/// A spec of `n` playbooks `<prefix>0..`, whose comment text is `text`.
fn spec(prefix: &str, n: usize, text: &str) -> String {
    let mut spec = HEAD.to_string();
    for i in 0..n {
        spec.push_str(&format!(
            "  - name: {prefix}{i}\n    trigger: incident\n    steps:\n      - sentinel.add_comment: \"{text} {i}\"\n"
        ));
    }
    spec
}

/// Every file and link under `dir` (links as `-> target`, never followed).
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, found: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let entry = entry.unwrap();
            let path = entry.path();
            let name = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let kind = entry.file_type().unwrap();
            if kind.is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                found.insert(name, format!("-> {}", target.display()).into_bytes());
            } else if kind.is_dir() {
                found.insert(format!("{name}/"), Vec::new());
                walk(root, &path, found);
            } else if kind.is_file() {
                found.insert(name, std::fs::read(&path).unwrap());
            } else {
                found.insert(name, b"<special>".to_vec());
            }
        }
    }
    let mut found = BTreeMap::new();
    walk(dir, dir, &mut found);
    found
}

/// The files listed in `out`'s manifest (relative to `dir`, as `tree` names them).
fn manifest(dir: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(dir.join("out/.soarc-manifest.json")) else {
        return Vec::new();
    };
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["files"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| format!("out/{k}"))
        .collect()
}

/// Entries of `before` and `after` outside OUT's generated files and soarc's state files
/// are identical.
fn only_owned_changed(
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
    owned: &[String],
) {
    let outside = |tree: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
        tree.iter()
            .filter(|(name, _)| {
                let generated = owned.iter().any(|o| o == *name);
                let state = name.starts_with("out/.soarc-");
                // Folders soarc creates for its files.
                let folder =
                    name.ends_with('/') && owned.iter().any(|o| o.starts_with(name.as_str()));
                !(generated || state || folder)
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    assert_eq!(
        outside(before),
        outside(after),
        "something outside the manifest changed"
    );
}

/// `soarc build SPEC --out out --check` passes.
fn up_to_date(dir: &Path, spec: &str) -> bool {
    soarc(&["build", spec, "--out", "out", "--check"], dir)
        .status
        .success()
}

fn no_state_left(dir: &Path) {
    for name in [".soarc-staging", ".soarc-journal.json", ".soarc-lock"] {
        assert!(!dir.join("out").join(name).exists(), "{name} left behind");
    }
}

fn build(dir: &Path, spec: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["build", spec, "--out", "out"];
    args.extend_from_slice(extra);
    soarc(&args, dir)
}

#[test]
fn a_symlinked_owned_folder_or_file_is_an_error_and_nothing_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "spec.yaml", &spec("p", 2, "hello"));
    std::fs::create_dir_all(root.join("victim/sub")).unwrap();
    write(root, "victim/precious.txt", "keep me");
    write(root, "victim/sub/deep.txt", "keep me too");
    std::fs::create_dir(root.join("out")).unwrap();
    std::os::unix::fs::symlink("../victim", root.join("out/playbooks")).unwrap();
    let before = tree(root);
    let output = build(root, "spec.yaml", &[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(text.contains("out/playbooks is a symbolic link"), "{text}");
    assert_eq!(tree(root), before, "nothing may change");
    // --take-over does not make a link writable.
    let output = build(root, "spec.yaml", &["--take-over"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(tree(root), before);

    // A generated file that is a link (after a real build).
    std::fs::remove_file(root.join("out/playbooks")).unwrap();
    assert!(build(root, "spec.yaml", &[]).status.success());
    let file = root.join("out/playbooks/p1/workflow.json");
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink("../../../victim/precious.txt", &file).unwrap();
    write(root, "spec.yaml", &spec("p", 2, "changed"));
    let before = tree(root);
    let output = build(root, "spec.yaml", &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("p1/workflow.json is a symbolic link"),
        "{}",
        stderr(&output)
    );
    assert_eq!(tree(root), before);
    // --check does not read through it either.
    let output = build(root, "spec.yaml", &["--check"]);
    assert_eq!(output.status.code(), Some(2));
    no_state_left(root);
}

#[test]
fn foreign_files_are_kept_and_a_foreign_file_in_the_way_stops_the_build() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("out/playbooks/handwritten-legacy")).unwrap();
    std::fs::create_dir_all(root.join("out/monitoring")).unwrap();
    write(
        root,
        "out/playbooks/handwritten-legacy/azuredeploy.json",
        "{}",
    );
    write(root, "out/playbooks/README.md", "# mine");
    write(root, "out/monitoring/grafana.ini", "[server]");
    // The spec itself kept in the output folder.
    write(root, "out/playbooks/spec.yaml", &spec("p", 2, "hello"));
    let before = tree(root);
    let output = build(root, "out/playbooks/spec.yaml", &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    only_owned_changed(&before, &tree(root), &manifest(root));
    // Rebuilding with fewer playbooks removes only soarc's files.
    write(root, "out/playbooks/spec.yaml", &spec("p", 1, "hello"));
    let before = tree(root);
    let output = build(root, "out/playbooks/spec.yaml", &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("removed out/playbooks/p1/workflow.json")
    );
    let owned: Vec<String> = before
        .keys()
        .filter(|k| k.starts_with("out/playbooks/p1"))
        .cloned()
        .chain(manifest(root))
        .collect();
    only_owned_changed(&before, &tree(root), &owned);
    assert!(!root.join("out/playbooks/p1").exists());
    assert!(root.join("out/playbooks/spec.yaml").exists());

    // A hand-written file where a generated one goes: exit 2, named, nothing written.
    write(root, "spec.yaml", &spec("p", 2, "hello"));
    std::fs::create_dir_all(root.join("out/playbooks/p1")).unwrap();
    write(root, "out/playbooks/p1/workflow.json", "my own workflow");
    let before = tree(root);
    let output = build(root, "spec.yaml", &[]);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(
        text.contains("out/playbooks/p1/workflow.json was not written by soarc"),
        "{text}"
    );
    assert!(text.contains("--take-over"), "{text}");
    assert_eq!(tree(root), before);
    // --take-over overwrites it, and the file is soarc's from then on.
    let output = build(root, "spec.yaml", &["--take-over"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("took over out/playbooks/p1/workflow.json")
    );
    assert!(up_to_date(root, "spec.yaml"));
    no_state_left(root);
}

#[test]
fn an_output_folder_without_manifest_is_adopted_only_where_identical() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "spec.yaml", &spec("p", 2, "hello"));
    assert!(build(root, "spec.yaml", &[]).status.success());
    // As an earlier soarc left it: no manifest.
    std::fs::remove_file(root.join("out/.soarc-manifest.json")).unwrap();
    let file = root.join("out/playbooks/p0/workflow.json");
    let mtime = std::fs::metadata(&file).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let output = build(root, "spec.yaml", &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("adopted"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        mtime,
        "unchanged files are not rewritten"
    );
    let generated = tree(root)
        .keys()
        .filter(|k| {
            (k.starts_with("out/playbooks/") || k.starts_with("out/deploy/")) && !k.ends_with('/')
        })
        .count();
    assert_eq!(manifest(root).len(), generated);
    // Without a manifest, a differing file is foreign.
    std::fs::remove_file(root.join("out/.soarc-manifest.json")).unwrap();
    write(root, "spec.yaml", &spec("p", 2, "changed"));
    let before = tree(root);
    let output = build(root, "spec.yaml", &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("was not written by soarc"));
    assert_eq!(tree(root), before);
}

#[test]
fn an_edited_generated_file_is_never_overwritten_or_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "spec.yaml", &spec("p", 3, "hello"));
    assert!(build(root, "spec.yaml", &[]).status.success());
    let original = std::fs::read(root.join("out/playbooks/p0/workflow.json")).unwrap();
    write(root, "out/playbooks/p0/workflow.json", "edited");
    write(root, "out/playbooks/p2/main.bicep", "// edited");
    // Still generated: the edit stops the build.
    write(root, "spec.yaml", &spec("p", 3, "changed"));
    let before = tree(root);
    let output = build(root, "spec.yaml", &[]);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(
        text.contains("out/playbooks/p0/workflow.json was edited since soarc wrote it"),
        "{text}"
    );
    assert!(
        text.contains("out/playbooks/p2/main.bicep was edited"),
        "{text}"
    );
    assert_eq!(tree(root), before);
    // No longer generated: kept and reported; the unedited files are removed.
    write(root, "spec.yaml", &spec("p", 2, "hello"));
    std::fs::write(root.join("out/playbooks/p0/workflow.json"), &original).unwrap();
    let output = build(root, "spec.yaml", &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.contains("out/playbooks/p2/main.bicep is no longer generated but was edited"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("out/playbooks/p2/main.bicep")).unwrap(),
        "// edited"
    );
    assert!(!root.join("out/playbooks/p2/workflow.json").exists());
    assert!(!manifest(root).iter().any(|f| f.contains("p2/")));
    // The kept file is the user's now: later builds leave it alone without warning.
    let output = build(root, "spec.yaml", &[]);
    assert!(output.status.success());
    assert!(!stderr(&output).contains("p2/main.bicep"));
    no_state_left(root);
}

#[test]
fn a_second_build_while_one_holds_the_lock_exits_2_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "spec.yaml", &spec("p", 1, "hello"));
    std::fs::create_dir(root.join("out")).unwrap();
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(root.join("out/.soarc-lock"))
        .unwrap();
    lock.lock().unwrap();
    std::fs::write(root.join("out/.soarc-lock"), std::process::id().to_string()).unwrap();
    let before = tree(root);
    let start = Instant::now();
    let output = build(root, "spec.yaml", &[]);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "must not wait for the lock"
    );
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(
        text.contains(&format!("process {}", std::process::id())),
        "{text}"
    );
    assert_eq!(tree(root), before);
    drop(lock);

    // A lock file left by a process that died is taken over.
    let mut dead = Command::new("true").spawn().unwrap();
    let pid = dead.id();
    dead.wait().unwrap();
    std::fs::write(root.join("out/.soarc-lock"), pid.to_string()).unwrap();
    let output = build(root, "spec.yaml", &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains(&format!(
        "left by soarc process {pid}, which is no longer running"
    )));
    no_state_left(root);
}

#[test]
fn two_concurrent_builds_leave_one_complete_output() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "p.yaml", &spec("p", 150, "from p"));
    write(root, "q.yaml", &spec("q", 150, "from q"));
    let start = |spec: &str| {
        Command::new(env!("CARGO_BIN_EXE_soarc"))
            .args(["build", spec, "--out", "out"])
            .current_dir(root)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (p, q) = (start("p.yaml"), start("q.yaml"));
    let (p, q) = (p.wait_with_output().unwrap(), q.wait_with_output().unwrap());
    for output in [&p, &q] {
        let code = output.status.code();
        assert!(code == Some(0) || code == Some(2), "{}", stderr(output));
        if code == Some(2) {
            assert!(
                stderr(output).contains("another soarc build"),
                "{}",
                stderr(output)
            );
        }
    }
    assert!(p.status.success() || q.status.success());
    // Exactly one build's output, complete.
    let (p_ok, q_ok) = (up_to_date(root, "p.yaml"), up_to_date(root, "q.yaml"));
    assert!(p_ok ^ q_ok, "p {p_ok}, q {q_ok}");
    let names: Vec<_> = std::fs::read_dir(root.join("out/playbooks"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 150);
    no_state_left(root);
}

/// Old output built from `old.yaml`; `new.yaml` changes every playbook, adds and removes some.
fn old_and_new(dir: &Path) {
    write(dir, "old.yaml", &spec("p", 6, "old"));
    let mut new = spec("p", 4, "new");
    new.push_str(
        "  - name: added\n    trigger: incident\n    steps:\n      - sentinel.add_comment: \"x\"\n",
    );
    write(dir, "new.yaml", &new);
    assert!(build(dir, "old.yaml", &[]).status.success());
}

#[test]
fn a_build_failing_part_way_leaves_the_old_output() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    old_and_new(root);
    let before = tree(root);
    let mut failed = 0;
    for n in (0..80).step_by(3) {
        let output = Command::new(env!("CARGO_BIN_EXE_soarc"))
            .args(["build", "new.yaml", "--out", "out"])
            .env("SOARC_FAIL_AFTER_WRITES", n.to_string())
            .current_dir(root)
            .output()
            .unwrap();
        if output.status.success() {
            break;
        }
        failed += 1;
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let text = stderr(&output);
        assert!(
            text.contains("failure injected by SOARC_FAIL_AFTER_WRITES"),
            "{text}"
        );
        assert!(text.contains("out/"), "the file is named: {text}");
        assert_eq!(tree(root), before, "after {n} writes");
        no_state_left(root);
    }
    assert!(failed > 10, "{failed}");
    assert!(up_to_date(root, "new.yaml"));
}

#[test]
fn a_build_killed_part_way_is_finished_or_undone_by_the_next_command() {
    let mut outcomes = [0, 0];
    for n in (0..80).step_by(4) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        old_and_new(root);
        let before = tree(root);
        let output = Command::new(env!("CARGO_BIN_EXE_soarc"))
            .args(["build", "new.yaml", "--out", "out"])
            .env("SOARC_FAIL_AFTER_WRITES", n.to_string())
            .env("SOARC_FAIL_MODE", "abort")
            .current_dir(root)
            .output()
            .unwrap();
        if output.status.success() {
            break;
        }
        assert_eq!(output.status.code(), None, "killed by a signal");
        // The next command on OUT (here `validate out`) finishes or undoes the update first,
        // and never scans soarc's own files.
        let validate = soarc(&["validate", "out"], root);
        let listed = String::from_utf8_lossy(&validate.stdout);
        assert!(!listed.contains(".soarc"), "{listed}");
        assert_eq!(
            validate.status.code(),
            Some(0),
            "{}{listed}",
            stderr(&validate)
        );
        no_state_left(root);
        let (old, new) = (up_to_date(root, "old.yaml"), up_to_date(root, "new.yaml"));
        assert!(old ^ new, "after {n} writes: entirely old or entirely new");
        outcomes[usize::from(new)] += 1;
        if old {
            assert_eq!(tree(root), before);
        }
        assert!(!root.join("out/playbooks/p5").exists() || old);
    }
    assert!(outcomes[0] > 2 && outcomes[1] > 2, "{outcomes:?}");
}

#[test]
fn a_real_sigkill_leaves_old_or_new_output() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "old.yaml", &spec("p", 120, "old"));
    write(root, "new.yaml", &spec("p", 120, "new"));
    assert!(build(root, "old.yaml", &[]).status.success());
    for delay in [100, 300, 700] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_soarc"))
            .args(["build", "new.yaml", "--out", "out"])
            .current_dir(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        // `build --check` is the next command: it recovers first.
        let (old, new) = (up_to_date(root, "old.yaml"), up_to_date(root, "new.yaml"));
        assert!(old ^ new, "killed after {delay} ms");
        no_state_left(root);
        if new {
            break;
        }
    }
}

#[test]
fn a_read_only_folder_part_way_fails_cleanly_or_is_written_whole() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    old_and_new(root);
    let folder = root.join("out/playbooks/p2");
    let file = folder.join("workflow.json");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
    let before = tree(root);
    let output = build(root, "new.yaml", &[]);
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    // root ignores permission bits: then the build succeeds whole.
    let privileged = std::fs::write(folder.join("probe"), "")
        .and_then(|()| {
            std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555))?;
            let result = std::fs::remove_file(folder.join("probe"));
            std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755))?;
            result
        })
        .is_ok();
    if privileged {
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(up_to_date(root, "new.yaml"));
    } else {
        assert_eq!(output.status.code(), Some(2));
        let text = stderr(&output);
        assert!(
            text.contains("out/playbooks/p2/"),
            "the file is named: {text}"
        );
        assert!(text.contains("ermission denied"), "the OS error: {text}");
        assert_eq!(tree(root), before, "entirely old");
    }
    no_state_left(root);
}

/// Run soarc with a deadline: FIFOs must not hang it.
fn soarc_within(args: &[&str], dir: &Path, limit: Duration) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_soarc"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("soarc {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
}

#[test]
fn fifo_and_device_inputs_are_rejected_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    mkfifo(&root.join("spec.yaml"));
    let before = tree(root);
    let output = soarc_within(
        &["build", "spec.yaml", "--out", "out"],
        root,
        Duration::from_secs(20),
    );
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(
        text.contains("named pipe (FIFO), not a regular file"),
        "{text}"
    );
    assert!(text.contains("SPEC004"), "{text}");
    assert_eq!(tree(root), before);

    let output = soarc_within(
        &["build", "/dev/zero", "--out", "out"],
        root,
        Duration::from_secs(20),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("character device"),
        "{}",
        stderr(&output)
    );

    // validate: a FIFO named on the command line and one found in a folder.
    std::fs::create_dir(root.join("templates")).unwrap();
    write(
        root,
        "templates/ok.json",
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": []}"#,
    );
    mkfifo(&root.join("templates/pipe.json"));
    mkfifo(&root.join("direct.json"));
    for args in [
        &["validate", "direct.json"][..],
        &["validate", "templates"],
        &["validate", "/dev/zero"],
    ] {
        let output = soarc_within(args, root, Duration::from_secs(20));
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            stderr(&output)
        );
        assert!(all.contains("not a regular file"), "{args:?}: {all}");
    }
    assert_eq!(tree(root).len(), before.len() + 4);

    // Every other command that reads a file refuses a FIFO or a device at once too.
    for args in [
        &["run", "direct.json"][..],
        &["run", "/dev/zero"],
        &["graph", "direct.json"],
        &["diff", "direct.json", "/dev/zero"],
        &["test", "direct.json"],
    ] {
        let output = soarc_within(args, root, Duration::from_secs(20));
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let text = stderr(&output);
        assert!(text.contains("not a regular file"), "{args:?}: {text}");
    }
}

#[test]
fn validate_with_a_missing_path_fails_and_skips_soarcs_own_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "spec.yaml", &spec("p", 1, "hello"));
    assert!(build(root, "spec.yaml", &[]).status.success());
    let output = soarc(&["validate", "/nonexistent", "out"], root);
    assert_eq!(output.status.code(), Some(2));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        stderr(&output)
    );
    assert!(all.contains("/nonexistent"), "{all}");
    assert!(all.contains("could not be read"), "{all}");
    // A staging folder of an older soarc is removed, never scanned.
    std::fs::create_dir(root.join("out/.soarc-staging-x1y2z3")).unwrap();
    write(root, "out/.soarc-staging-x1y2z3/broken.json", "{ not json");
    let output = soarc(&["validate", "out"], root);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let listed = String::from_utf8_lossy(&output.stdout);
    assert!(!listed.contains(".soarc"), "{listed}");
    assert!(stderr(&output).contains("left by an interrupted build of an earlier soarc"));
    assert!(!root.join("out/.soarc-staging-x1y2z3").exists());
    // A missing spec is an I/O error: exit 2.
    let output = build(root, "missing.yaml", &[]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn out_naming_a_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "spec.yaml", &spec("p", 1, "hello"));
    write(root, "out", "a file");
    for check in [false, true] {
        let output = build(root, "spec.yaml", if check { &["--check"] } else { &[] });
        assert_eq!(output.status.code(), Some(2));
        assert!(
            stderr(&output).contains("--out out is a file, not a folder"),
            "{}",
            stderr(&output)
        );
    }
    assert_eq!(std::fs::read_to_string(root.join("out")).unwrap(), "a file");
}

#[test]
fn windows_device_names_are_rejected_as_playbook_and_rule_names() {
    fails_with(
        &spec("p", 1, "x").replace("name: p0", "name: con"),
        &[
            "SPEC029",
            "playbook name `con` is a Windows device name",
            "spec.yaml:13:11",
        ],
    );
    fails_with(
        &spec("p", 1, "x").replace("name: p0", "name: lpt9"),
        &["SPEC029"],
    );
    fails_with(
        &format!(
            "{}automation_rules:\n  - name: CON.txt\n    order: 1\n    when: created\n    actions: [ {{ run_playbook: p0 }} ]\n",
            spec("p", 1, "x")
        ),
        &[
            "RULE010",
            "automation rule name `CON.txt` is a Windows device name (`CON`)",
        ],
    );
}
