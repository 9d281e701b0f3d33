//! JSON002: an object has the same key twice.

use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "JSON002",
    title: "Duplicate key in an object",
    severity: Severity::Error,
    doc: "An object names the same property twice. ARM rejects such a template (`Can not add \
          property ... Property with the same name already exists`), and most JSON readers \
          silently keep only the last value, so the first one is lost without notice. \
          Remove or rename one of them.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    for (object, key, offset) in &ctx.doc.duplicates {
        let pointer = crate::json::pointer_to(ctx.doc.root(), *object).unwrap_or_default();
        sink.report(
            &pointer,
            *offset,
            format!("duplicate key '{key}' (the last one would silently win)"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run};

    #[test]
    fn fails_on_duplicate() {
        let f = expect(
            "JSON002",
            r#"{"resources": [], "parameters": {"a": {"type": "string"}, "a": {"type": "int"}}}"#,
            &[(
                "/parameters",
                "duplicate key 'a' (the last one would silently win)",
            )],
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/parameters");
    }

    #[test]
    fn passes_on_distinct_keys() {
        assert!(
            run(
                "JSON002",
                r#"{"resources": [], "parameters": {"a": {}, "A ": {}}}"#
            )
            .is_empty()
        );
    }
}
