//! ARM009: a template parameter is never used.

use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "ARM009",
    title: "Template parameter is never used",
    severity: Severity::Warning,
    doc: "A parameter is declared but no expression in its template refers to it (arm-ttk: \
          `Parameters Must Be Referenced`). It asks the deployer for a value that changes \
          nothing. Remove it or use it. Not reported when some `parameters()` call has a \
          computed name.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    unused(ctx, sink, "parameters", "parameter");
}

pub(crate) fn unused(ctx: &Context, sink: &mut Sink, function: &str, what: &str) {
    for scope in &ctx.scopes {
        let refs = super::arm004_undefined_parameter::refs(scope, function);
        if refs.iter().any(|(_, arg)| arg.is_none()) {
            continue;
        }
        let Some(members) = scope.root.get_ci(function).and_then(|n| n.as_object()) else {
            continue;
        };
        let used = super::CiSet::new(refs.iter().filter_map(|(_, arg)| arg.as_deref()));
        // Copy loops in `variables` declare variables too: `"copy": [{"name": "x", ...}]`.
        let copies = members
            .iter()
            .filter(|m| function == "variables" && m.key.eq_ignore_ascii_case("copy"))
            .filter_map(|m| m.value.as_array())
            .flatten()
            .enumerate()
            .filter_map(|(i, c)| {
                let name = c.get_ci("name")?;
                Some((name.as_str()?, name.start(), i))
            });
        for (name, start, i) in copies {
            if !used.contains(name) {
                sink.report(
                    &format!("{}/variables/copy/{i}/name", scope.pointer),
                    start,
                    format!("{what} '{name}' is declared but never used"),
                );
            }
        }
        for m in members {
            if function == "variables" && m.key.eq_ignore_ascii_case("copy") {
                continue;
            }
            if !used.contains(m.key) {
                sink.report(
                    &format!(
                        "{}/{}/{}",
                        scope.pointer,
                        function,
                        crate::json::escape_token(m.key)
                    ),
                    m.key_start,
                    format!("{what} '{}' is declared but never used", m.key),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect, run};

    #[test]
    fn warns_on_unused() {
        let t = arm(
            r#"{"a": {"type": "string"}, "b": {"type": "string"}}"#,
            r#"{"v": "[parameters('A')]"}"#,
            "[]",
        );
        let f = expect(
            "ARM009",
            &t,
            &[("/parameters/b", "parameter 'b' is declared but never used")],
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("'b'"));
    }

    #[test]
    fn passes_when_all_used() {
        let t = arm(
            r#"{"a": {"type": "string"}}"#,
            r#"{"v": "[parameters('a')]"}"#,
            "[]",
        );
        assert!(run("ARM009", &t).is_empty());
    }
}
