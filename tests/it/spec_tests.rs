//! `soarc test`: the examples' tests pass; a broken mapping fails with the test's name and
//! the difference; reports in JSON and JUnit; spec errors in tests exit 2 with positions.

use crate::common;

use std::path::Path;

use crate::common::{soarc, stderr, write};

fn examples() -> Vec<String> {
    let files: Vec<String> = common::examples()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert!(files.len() >= 3, "{files:?}");
    files
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `soarc test examples/*.yaml` in one command: each file is a spec of its own, and one
/// report (human, JSON or JUnit) covers them all; `--merge` reads them as one spec, which
/// the examples are not (their deployments and mappings clash).
#[test]
fn several_specs_in_one_command() {
    let dir = tempfile::tempdir().unwrap();
    let files = examples();
    let mut args: Vec<&str> = vec!["test"];
    args.extend(files.iter().map(String::as_str));
    let output = soarc(&args, dir.path());
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}\n{}", stderr(&output));
    let summary = text.lines().last().unwrap();
    let count: usize = summary.split(" test(s)").next().unwrap().parse().unwrap();
    assert!(count >= 50, "{summary}");
    assert!(summary.contains(" 0 failed"), "{summary}");
    args.extend(["--format", "junit"]);
    let junit = stdout(&soarc(&args, dir.path()));
    assert_eq!(junit.matches("<testcase ").count(), count, "{junit}");
    args.truncate(args.len() - 2);
    args.push("--merge");
    let merged = soarc(&args, dir.path());
    assert_eq!(merged.status.code(), Some(2));
    assert!(stderr(&merged).contains("SPEC003"), "{}", stderr(&merged));
}

/// `soarc test examples/*.yaml`, each file on its own (they are separate specs).
#[test]
fn the_examples_tests_pass() {
    let dir = tempfile::tempdir().unwrap();
    let mut total = 0;
    for example in examples() {
        let output = soarc(&["test", &example], dir.path());
        let text = stdout(&output);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{example}:\n{text}\n{}",
            stderr(&output)
        );
        let summary = text.lines().last().unwrap();
        assert!(summary.contains(" 0 failed"), "{summary}");
        total += summary
            .split(" test(s)")
            .next()
            .unwrap()
            .parse::<usize>()
            .unwrap();
    }
    // Every example playbook is tested (13 playbooks, sync ones included).
    assert!(total >= 40, "only {total} tests");
}

/// The issue's "must show": swapping two urgency values makes `soarc test` fail, naming the
/// test and the difference.
#[test]
fn a_broken_mapping_fails_naming_the_test_and_the_difference() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sentinel-soar.yaml");
    let text = std::fs::read_to_string(source).unwrap();
    let good = r#"values: { High: "1", Medium: "2", Low: "3", Informational: "3" }"#;
    assert!(text.contains(good));
    let broken = text.replace(
        good,
        r#"values: { High: "2", Medium: "1", Low: "3", Informational: "3" }"#,
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sentinel-soar.yaml", &broken);
    let output = soarc(&["test", "sentinel-soar.yaml"], dir.path());
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}\n{}", stderr(&output));
    assert!(
        out.contains(
            "FAILED  snow high severity opens an urgency 1 incident and comments its number"
        ),
        "{out}"
    );
    assert!(
        out.contains("FAILED  snow medium severity opens an urgency 2 incident"),
        "{out}"
    );
    // The difference: the field, what the test expects and what the playbook sent.
    assert!(
        out.contains(r#"has body.urgency = "2" where body.urgency = "1" was expected"#),
        "{out}"
    );
    assert!(
        out.contains("expect.calls[0] (sentinel-soar.yaml:"),
        "{out}"
    );
    // Tests that do not depend on the mapping still pass.
    assert!(out.contains("ok      snow low severity"), "{out}");
}

#[test]
fn json_and_junit_reports() {
    let dir = tempfile::tempdir().unwrap();
    let triage = examples()
        .into_iter()
        .find(|e| e.ends_with("triage.yaml"))
        .unwrap();
    let output = soarc(&["test", &triage, "--format", "json"], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["failed"], 0);
    let tests = report["tests"].as_array().unwrap();
    // Every triage test passes (the markup-in-a-variable defect of issue #13 is fixed).
    assert!(tests.iter().all(|t| t["outcome"] == "passed"), "{report:#}");
    assert_eq!(report["summary"]["known_defects"], 0, "{report:#}");
    assert!(
        tests
            .iter()
            .any(|t| t["runs"] == serde_json::json!(["Failed"]))
    );

    let output = soarc(
        &[
            "test",
            &triage,
            "--format",
            "junit",
            "--filter",
            "HEARTBEAT",
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let xml = stdout(&output);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"soarc test\" tests=\"2\" failures=\"0\""), "{xml}");
    assert!(
        xml.contains(r#"<testcase classname="hourly-heartbeat" name="heartbeat endpoint down - retries, then the failure e-mail""#),
        "{xml}"
    );
}

const SPEC: &str = r#"
deployment:
  workspace: { name: law-sentinel }
mappings:
  urgency:
    from: incident.severity
    values: { High: "1", Medium: "2", Low: "3", Informational: "3" }
playbooks:
  - name: comment-back
    trigger: incident
    steps:
      - sentinel.add_comment: "Seen <b>{{incident.title}}</b> & {{incident.severity}}"
tests:
"#;

#[test]
fn failures_in_junit_escape_user_text_and_exit_1() {
    let spec = format!(
        "{SPEC}  - name: 'quotes \" and <tags> & ampersands'\n    playbook: comment-back\n    incident: {{ title: '<x>' }}\n    expect: {{ comment_contains: 'not there \"<' }}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "spec.yaml", &spec);
    let output = soarc(&["test", "spec.yaml", "--format", "junit"], dir.path());
    let xml = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{xml}{}", stderr(&output));
    assert!(
        xml.contains(r#"name="quotes &quot; and &lt;tags&gt; &amp; ampersands""#),
        "{xml}"
    );
    assert!(xml.contains("<failure message=\"expect.comment_contains: expected a comment on the incident containing &quot;not there \\&quot;&lt;&quot;"), "{xml}");
    assert!(!xml.contains("<x>"), "{xml}");
    // The failing test is named on stderr too, for CI logs.
    assert!(
        stderr(&output).contains("FAILED quotes"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn test_errors_exit_2_with_positions() {
    let spec = format!(
        "{SPEC}  - name: t\n    playbook: coment-back\n    expect: {{ status: Succeeded }}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "spec.yaml", &spec);
    let output = soarc(&["test", "spec.yaml"], dir.path());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("TEST002"), "{err}");
    assert!(err.contains("spec.yaml:15:15"), "{err}");
    assert!(err.contains("did you mean `comment-back`?"), "{err}");
    // `soarc build` reports it too: a spec with a broken test does not build.
    let output = soarc(&["build", "spec.yaml", "--out", "out"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("TEST002"));

    let spec = format!(
        "{SPEC}  - name: t\n    playbook: comment-back\n    mocks:\n      sentinel.add_coment: {{ status: 500 }}\n      Add_comment_to_incidnet: {{ status: 500 }}\n    expect: {{ actions: {{ Add_coment_to_incident: Failed }} }}\n"
    );
    write(dir.path(), "spec.yaml", &spec);
    let output = soarc(&["test", "spec.yaml"], dir.path());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.contains("did you mean `sentinel.add_comment`?"),
        "{err}"
    );
    assert!(err.contains("spec.yaml:17:7"), "{err}");
    assert!(
        err.contains("did you mean `Add_comment_to_incident`?"),
        "{err}"
    );
    assert!(err.contains("TEST006"), "{err}");

    // An unknown key in a test: the loader's did-you-mean with its position.
    let spec = format!(
        "{SPEC}  - name: t\n    playbook: comment-back\n    expect: {{ status: Succeeded, no_call: [] }}\n"
    );
    write(dir.path(), "spec.yaml", &spec);
    let output = soarc(&["test", "spec.yaml"], dir.path());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("did you mean `no_calls`?"), "{err}");
    assert!(err.contains("spec.yaml:16"), "{err}");
}

#[test]
fn a_fixed_known_defect_fails_until_its_marker_goes() {
    let spec = format!(
        "{SPEC}  - name: comments back\n    playbook: comment-back\n    incident: {{ title: Hi }}\n    expect: {{ comment_contains: 'Seen <b>Hi</b>' }}\n    known_defect: issue 99\n"
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "spec.yaml", &spec);
    let output = soarc(&["test", "spec.yaml"], dir.path());
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(
        out.contains("FIXED   comments back") && out.contains("remove that line"),
        "{out}"
    );
    let spec = spec.replace("Seen <b>Hi</b>", "never said");
    write(dir.path(), "spec.yaml", &spec);
    let output = soarc(&["test", "spec.yaml"], dir.path());
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(out.contains("known defect: issue 99"), "{out}");
}

#[test]
fn filter_that_matches_nothing_is_a_usage_error() {
    let spec = format!(
        "{SPEC}  - name: comments back\n    playbook: comment-back\n    expect: {{ status: Succeeded }}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "spec.yaml", &spec);
    let output = soarc(&["test", "spec.yaml", "--filter", "nothing"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("`comments back`"));
}
