//! WDL021: an action or trigger lacks a property its type requires.

use super::{Rule, Severity};
use crate::json::Node;
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "WDL021",
    title: "Action or trigger lacks a required property",
    severity: Severity::Error,
    doc: "Some properties are required by an action or trigger type (Learn, \"Schema \
          reference guide for trigger and action types\"): `Http` needs `inputs.method` and \
          `inputs.uri`, `ApiConnection` `inputs.host.connection`, `inputs.method` and \
          `inputs.path`, `Foreach` `foreach`, `If` `expression` and `actions`, `Switch` \
          `expression` and `cases`, `Until` `expression` and `limit`, `InitializeVariable` \
          `inputs.variables`, the other variable actions `inputs.name`, `ParseJson` \
          `inputs.content` and `inputs.schema`, `Response` `inputs.statusCode`, `Workflow` \
          `inputs.host.workflow.id`, `Recurrence` `recurrence.frequency` and \
          `recurrence.interval`. Without them Logic Apps rejects the workflow. Property names \
          are compared case-insensitively.",
    check,
};

/// (type, required paths, dotted).
const REQUIRED: &[(&str, &[&str])] = &[
    ("Http", &["inputs.method", "inputs.uri"]),
    (
        "ApiConnection",
        &["inputs.host.connection", "inputs.method", "inputs.path"],
    ),
    ("Foreach", &["foreach"]),
    ("If", &["expression", "actions"]),
    ("Switch", &["expression", "cases"]),
    ("Until", &["expression", "limit"]),
    ("InitializeVariable", &["inputs.variables"]),
    ("SetVariable", &["inputs.name"]),
    ("IncrementVariable", &["inputs.name"]),
    ("DecrementVariable", &["inputs.name"]),
    ("AppendToArrayVariable", &["inputs.name"]),
    ("AppendToStringVariable", &["inputs.name"]),
    ("ParseJson", &["inputs.content", "inputs.schema"]),
    ("Response", &["inputs.statusCode"]),
    ("Workflow", &["inputs.host.workflow.id"]),
    (
        "Recurrence",
        &["recurrence.frequency", "recurrence.interval"],
    ),
];

fn lookup<'a>(node: Node<'a>, path: &str) -> Option<Node<'a>> {
    path.split('.').try_fold(node, |n, key| n.get_ci(key))
}

fn check(ctx: &Context, sink: &mut Sink) {
    for wf in &ctx.workflows {
        for action in wf.triggers.iter().chain(&wf.actions) {
            let kind = action.kind();
            let Some((_, paths)) = REQUIRED.iter().find(|(t, _)| t.eq_ignore_ascii_case(kind))
            else {
                continue;
            };
            // A whole `inputs` written as one expression cannot be checked.
            if action.inputs().and_then(Node::as_str).is_some() {
                continue;
            }
            for path in *paths {
                if lookup(action.node, path).is_none() {
                    sink.report(
                        &ctx.pointer(action.node),
                        action.key_offset as usize,
                        format!("{kind} '{}' has no '{path}'", action.name),
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
    fn fails_on_missing_uri_and_expression() {
        let t = workflow(
            r#"{"h": {"type": "Http", "inputs": {"method": "GET"}}, "c": {"type": "If", "actions": {}}}"#,
        );
        assert_eq!(
            expect(
                "WDL021",
                &t,
                &[
                    ("/actions/h", "Http 'h' has no 'inputs.uri'"),
                    ("/actions/c", "If 'c' has no 'expression'")
                ]
            )
            .len(),
            2
        );
    }

    #[test]
    fn passes_complete_actions_any_case() {
        let t = workflow(
            r#"{"h": {"type": "http", "inputs": {"Method": "GET", "URI": "https://x"}},
                "v": {"type": "InitializeVariable", "inputs": {"variables": []}},
                "r": {"type": "Recurrence", "recurrence": {"frequency": "Day", "interval": 1}}}"#,
        );
        assert!(run("WDL021", &t).is_empty());
    }
}
