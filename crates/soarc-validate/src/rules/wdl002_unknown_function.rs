//! WDL002: a workflow expression calls a function that does not exist.

use super::{Rule, Severity, for_each_wdl_call, hint};
use crate::{Context, Sink};
use soarc_lang::wdl::functions;

pub static RULE: Rule = Rule {
    code: "WDL002",
    title: "Unknown workflow expression function",
    severity: Severity::Error,
    doc: "The expression calls a function that is not in the Workflow Definition Language \
          function reference (names are compared case-insensitively, as the runtime does). \
          Logic Apps rejects the workflow with `The template function 'x' is not defined or \
          not valid`. Often a typo or an ARM function (such as `parameters` is in both, but \
          `resourceId` is ARM only).",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    for_each_wdl_call(ctx, crate::context::CallKinds::UNKNOWN, |_, e, name, _| {
        if functions::lookup(name).is_none() {
            sink.report_value(
                e.at.offset,
                format!(
                    "unknown workflow function '{name}'{}",
                    hint(functions::suggest(name))
                ),
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run, workflow};

    #[test]
    fn fails_with_suggestion() {
        let t =
            workflow(r#"{"c": {"type": "Compose", "inputs": "@triggerBdy()", "runAfter": {}}}"#);
        let f = expect(
            "WDL002",
            &t,
            &[(
                "/actions/c/inputs",
                "unknown workflow function 'triggerBdy'; did you mean 'triggerBody'?",
            )],
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("triggerBody"), "{}", f[0].message);
    }

    #[test]
    fn passes_case_insensitive() {
        let t = workflow(
            r#"{"c": {"type": "Compose", "inputs": "@{tolower(utcnow())}", "runAfter": {}}}"#,
        );
        assert!(run("WDL002", &t).is_empty());
    }
}
