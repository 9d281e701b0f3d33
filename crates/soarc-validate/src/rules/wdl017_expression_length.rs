//! WDL017: a workflow expression longer than 8,192 characters.

use super::{Rule, Severity};
use crate::{Context, Sink};
use soarc_lang::limits::MAX_EXPRESSION_LENGTH;

pub static RULE: Rule = Rule {
    code: "WDL017",
    title: "Workflow expression longer than 8,192 characters",
    severity: Severity::Error,
    doc: "Logic Apps limits a single expression to 8,192 characters (Learn, \"Limits and \
          configuration\": expression character limit). A longer one is rejected. Split it \
          with Compose actions or variables.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    for wf in &ctx.workflows {
        for e in wf.notable() {
            if e.at.text.len() <= MAX_EXPRESSION_LENGTH {
                continue;
            }
            let Some(template) = e.tree() else { continue };
            for expr in template.each_expr() {
                let len = expr.to_string().chars().count();
                if len > MAX_EXPRESSION_LENGTH {
                    sink.report_value(
                        e.at.offset,
                        format!("expression has {len} characters (limit {MAX_EXPRESSION_LENGTH})"),
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
    fn fails_when_too_long() {
        let t = workflow(&format!(
            r#"{{"c": {{"type": "Compose", "inputs": "@concat('{}')"}}}}"#,
            "x".repeat(8200)
        ));
        assert_eq!(
            expect(
                "WDL017",
                &t,
                &[(
                    "/actions/c/inputs",
                    "expression has 8210 characters (limit 8192)"
                )]
            )
            .len(),
            1
        );
    }

    #[test]
    fn passes_for_long_text_with_short_expressions() {
        let t = workflow(&format!(
            r#"{{"c": {{"type": "Compose", "inputs": "{} @{{utcNow()}}"}}}}"#,
            "x".repeat(9000)
        ));
        assert!(run("WDL017", &t).is_empty());
    }
}
