//! WDL001: a workflow expression does not parse.

use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "WDL001",
    title: "Workflow expression does not parse",
    severity: Severity::Error,
    doc: "A string in a workflow definition that Logic Apps evaluates (`@expr`, or text with \
          `@{expr}`) is not a valid expression: unbalanced parentheses or quotes, an \
          unterminated `@{`, `@concat(...) @{...}` mixing both forms, and so on. Logic Apps \
          rejects the workflow when it is saved or deployed (`InvalidTemplate`). Inside an \
          ARM template, strings that ARM computes (`[...]`) are not checked and `[[` is \
          unescaped first.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    for wf in &ctx.workflows {
        for e in wf.notable() {
            if let Err(err) = &e.parsed {
                sink.report_value(
                    e.at.offset,
                    format!(
                        "workflow expression does not parse: {} (at character {})",
                        err.message,
                        err.offset + 1
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
    fn fails_on_unbalanced() {
        let t =
            workflow(r#"{"c": {"type": "Compose", "inputs": "@concat('a', 'b'", "runAfter": {}}}"#);
        let f = expect(
            "WDL001",
            &t,
            &[(
                "/actions/c/inputs",
                "workflow expression does not parse: expected ',' or ')' to close call to 'concat' opened at offset 7, found end of expression (at character 17)",
            )],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/actions/c/inputs");
    }

    #[test]
    fn passes_on_valid_forms() {
        let t = workflow(
            r#"{"c": {"type": "Compose", "inputs": {"a": "@concat('a', 'b')", "b": "x @{utcNow()} y", "c": "@@literal", "d": "@{triggerBody()?['x']}"}, "runAfter": {}}}"#,
        );
        assert!(run("WDL001", &t).is_empty());
    }
}
