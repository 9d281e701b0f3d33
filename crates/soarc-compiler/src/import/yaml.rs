//! The imported spec as YAML text: the typed value tree serialized by serde-saphyr, after a
//! comment saying where it came from and what `as_imported:` does.

use std::path::Path;

use serde_json::Value;

/// What every imported spec says about itself, after [`super::HEADER`] and the source name.
const EXPLANATION: &[&str] = &[
    "",
    "`as_imported:` builds each playbook exactly as the original workflow was written: soarc",
    "adds no retry policy and no failure-handling scope (the spec's `defaults:` do not apply;",
    "`retry:` or `on_failure:` written on the playbook or a step still do), keeps action names",
    "as written, and keeps the trigger's name, the definition's parameters and outputs, every",
    "`runAfter` listed under `run_after`, the `description` of actions written as typed steps",
    "(`descriptions`), and the original template's parameters that only the deployment sets",
    "(`template_parameters`). Remove `as_imported:` to get soarc's additions.",
    "Connections and the deployment are rebuilt by soarc: replace each FILL-IN and the",
    "zero subscription id, and authorise OAuth connections in the portal after deployment.",
];

/// `spec` as YAML, after the explanatory comment naming `source`.
pub fn write(spec: &Value, source: &Path) -> String {
    let name = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A comment is one line: a file name with a line break must not end it early.
    let name: String = name
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    let mut out = String::new();
    out.push_str("# ");
    out.push_str(super::HEADER);
    out.push_str(" from ");
    out.push_str(&name);
    out.push_str(".\n");
    for line in EXPLANATION {
        out.push('#');
        if !line.is_empty() {
            out.push(' ');
            out.push_str(line);
        }
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&serde_saphyr::to_string(spec).expect("a JSON value always serializes to YAML"));
    out
}
