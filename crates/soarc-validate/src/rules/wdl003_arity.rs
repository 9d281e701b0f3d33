//! WDL003: a workflow function is called with the wrong number of arguments.

use super::{Rule, Severity, for_each_wdl_call};
use crate::{Context, Sink};
use soarc_lang::wdl::functions;

pub static RULE: Rule = Rule {
    code: "WDL003",
    title: "Workflow function called with the wrong number of arguments",
    severity: Severity::Error,
    doc: "Each workflow expression function takes a fixed range of arguments (Learn's \
          function reference: e.g. `formatDateTime` 1 to 3, `equals` exactly 2). Logic Apps \
          rejects the workflow when saved or deployed.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    for_each_wdl_call(
        ctx,
        crate::context::CallKinds::WRONG_ARITY,
        |_, e, name, args| {
            if let Some(sig) = functions::lookup(name)
                && !sig.accepts(args.len())
            {
                sink.report_value(
                    e.at.offset,
                    format!(
                        "workflow function '{name}' takes {} argument(s), found {}",
                        sig.arity(),
                        args.len()
                    ),
                );
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run, workflow};

    #[test]
    fn fails_on_wrong_count() {
        let t = workflow(r#"{"c": {"type": "Compose", "inputs": "@equals(1)", "runAfter": {}}}"#);
        assert_eq!(
            expect(
                "WDL003",
                &t,
                &[(
                    "/actions/c/inputs",
                    "workflow function 'equals' takes 2 argument(s), found 1"
                )]
            )
            .len(),
            1
        );
    }

    #[test]
    fn passes_on_right_count() {
        let t =
            workflow(r#"{"c": {"type": "Compose", "inputs": "@equals(1, 2)", "runAfter": {}}}"#);
        assert!(run("WDL003", &t).is_empty());
    }
}
