//! ARM010: a template variable is never used.

use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "ARM010",
    title: "Template variable is never used",
    severity: Severity::Warning,
    doc: "A variable is declared but no expression in its template refers to it (arm-ttk: \
          `Variables Must Be Referenced`). Dead variables make templates harder to review. \
          Not reported when some `variables()` call has a computed name.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    super::arm009_unused_parameter::unused(ctx, sink, "variables", "variable");
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect, run};

    #[test]
    fn warns_on_unused() {
        let t = arm("{}", r#"{"a": "x", "b": "[variables('a')]"}"#, "[]");
        let f = expect(
            "ARM010",
            &t,
            &[("/variables/b", "variable 'b' is declared but never used")],
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("'b'"));
    }

    #[test]
    fn passes_when_used() {
        let t = arm(
            "{}",
            r#"{"a": "x"}"#,
            r#"[{"type": "T/x", "name": "[variables('a')]"}]"#,
        );
        assert!(run("ARM010", &t).is_empty());
    }
}
