//! WDL019: an action or trigger type soarc does not know.

use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "WDL019",
    title: "Unknown action or trigger type",
    severity: Severity::Error,
    doc: "The `type` of an action or trigger is not one of the Workflow Definition Language \
          types (Learn, \"Schema reference guide for trigger and action types\"; compared \
          case-insensitively, so `recurrence` and `Recurrence` are both fine). A misspelt type \
          is rejected when the workflow is saved, so this is an error; the message suggests the closest known type. Types computed by \
          an expression are not checked.",
    check,
};

const ACTION_TYPES: &[&str] = &[
    "ApiConnection",
    "ApiConnectionWebhook",
    "ApiManagement",
    "AppendToArrayVariable",
    "AppendToStringVariable",
    "Batch",
    "ChunkText",
    "Compose",
    "DecrementVariable",
    "Expression",
    "FlatFileDecoding",
    "FlatFileEncoding",
    "Foreach",
    "Function",
    "Http",
    "HttpWebhook",
    "If",
    "IncrementVariable",
    "InitializeVariable",
    "IntegrationAccountArtifactLookup",
    "InvokeFunction",
    "JavaScriptCode",
    "Join",
    "Liquid",
    "ParseDocument",
    "ParseJson",
    "Query",
    "Response",
    "Scope",
    "Select",
    "SendToBatch",
    "ServiceProvider",
    "SetVariable",
    "Switch",
    "Table",
    "Terminate",
    "Until",
    "Wait",
    "Workflow",
    "XmlValidation",
    "Xslt",
];

const TRIGGER_TYPES: &[&str] = &[
    "ApiConnection",
    "ApiConnectionNotification",
    "ApiConnectionWebhook",
    "ApiManagement",
    "Batch",
    "Http",
    "HttpWebhook",
    "Recurrence",
    "Request",
    "ServiceProvider",
    "SlidingWindow",
];

fn check(ctx: &Context, sink: &mut Sink) {
    for wf in &ctx.workflows {
        let all = wf
            .triggers
            .iter()
            .map(|t| ("trigger", t, TRIGGER_TYPES))
            .chain(wf.actions.iter().map(|a| ("action", a, ACTION_TYPES)));
        for (what, action, known) in all {
            // `type` as a string, read once for every rule ("" when absent or not a string).
            let kind = action.kind();
            if kind.is_empty() || kind.starts_with('[') || kind.starts_with('@') {
                continue;
            }
            if !known.iter().any(|k| k.eq_ignore_ascii_case(kind))
                && let Some(node) = action.node.get_ci("type")
            {
                let suggestion = soarc_lang::diagnostics::did_you_mean(kind, known.iter().copied());
                sink.report(
                    &format!("{}/type", ctx.pointer(action.node)),
                    node.start(),
                    format!(
                        "{what} '{}' has unknown type '{kind}'{}",
                        action.name,
                        super::hint(suggestion)
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run, workflow};

    #[test]
    fn warns_on_misspelt_type() {
        let t = workflow(r#"{"c": {"type": "Compse", "inputs": 1}}"#);
        let f = expect(
            "WDL019",
            &t,
            &[(
                "/actions/c/type",
                "action 'c' has unknown type 'Compse'; did you mean 'Compose'?",
            )],
        );
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("did you mean 'Compose'"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn passes_any_case() {
        let t = workflow(
            r#"{"c": {"type": "compose", "inputs": 1}, "p": {"type": "PARSEJSON", "inputs": {"content": 1, "schema": {}}}}"#,
        );
        assert!(run("WDL019", &t).is_empty());
    }
}
