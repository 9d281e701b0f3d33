//! WDL009: `runAfter` lists an invalid status.

use super::{Rule, Severity};
use crate::json::{Value, escape_token};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "WDL009",
    title: "runAfter lists an invalid status",
    severity: Severity::Error,
    doc: "The statuses an action can run after are `Succeeded`, `Failed`, `Skipped` and \
          `TimedOut` (case-insensitive), given as an array of strings per predecessor. \
          Anything else (`Success`, `Completed`, a plain string instead of an array) makes \
          Logic Apps reject the workflow.",
    check,
};

const STATUSES: &[&str] = &["Succeeded", "Failed", "Skipped", "TimedOut"];

fn check(ctx: &Context, sink: &mut Sink) {
    for wf in &ctx.workflows {
        for entry in &wf.run_after {
            let (action, m) = (&wf.actions[entry.action], entry.member);
            // Built only when there is something to report.
            let pointer = || {
                format!(
                    "{}/runAfter/{}",
                    ctx.pointer(action.node),
                    escape_token(m.key)
                )
            };
            let Value::Array(items) = m.value.value() else {
                sink.report(
                    &pointer(),
                    m.value.start(),
                    format!("runAfter '{}' must be an array of statuses", m.key),
                );
                continue;
            };
            for (i, item) in items.iter().enumerate() {
                let valid = item
                    .as_str()
                    .is_some_and(|s| STATUSES.iter().any(|v| v.eq_ignore_ascii_case(s)));
                if !valid {
                    let shown = match item.as_str() {
                        Some(s) => format!("'{s}'"),
                        None => "a non-string value".into(),
                    };
                    sink.report(
                        &format!("{}/{i}", pointer()),
                        item.start(),
                        format!(
                            "invalid runAfter status {shown} (expected one of {})",
                            STATUSES.join(", ")
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run, workflow};

    #[test]
    fn fails_on_bad_status() {
        let t = workflow(
            r#"{"a": {"type": "Compose", "inputs": 1}, "b": {"type": "Compose", "inputs": 1, "runAfter": {"a": ["Success"]}}}"#,
        );
        assert_eq!(expect("WDL009", &t, &[("/actions/b/runAfter/a/0", "invalid runAfter status 'Success' (expected one of Succeeded, Failed, Skipped, TimedOut)")]).len(), 1);
    }

    #[test]
    fn passes_case_insensitively() {
        let t = workflow(
            r#"{"a": {"type": "Compose", "inputs": 1}, "b": {"type": "Compose", "inputs": 1, "runAfter": {"a": ["succeeded", "TIMEDOUT", "Skipped", "Failed"]}}}"#,
        );
        assert!(run("WDL009", &t).is_empty());
    }
}
