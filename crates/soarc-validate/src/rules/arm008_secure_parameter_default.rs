//! ARM008: a secure parameter has a default value.

use super::{Rule, Severity};
use crate::json::{Value, escape_token};
use crate::{Context, Sink};
use soarc_lang::arm::expr::{StringKind, classify};

pub static RULE: Rule = Rule {
    code: "ARM008",
    title: "Secure parameter has a default value",
    severity: Severity::Warning,
    doc: "A `securestring` or `secureobject` parameter carries a literal `defaultValue` \
          (arm-ttk: `Secure String Parameters Cannot Have Default`). The secret then sits in \
          the template, in source control and in the deployment history. Pass it at \
          deployment time or from Key Vault. Empty defaults and expressions are accepted.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    for scope in &ctx.scopes {
        let Some(params) = scope.root.get_ci("parameters").and_then(|p| p.as_object()) else {
            continue;
        };
        for m in params {
            let secure = m.value.str_ci("type").is_some_and(|t| {
                t.eq_ignore_ascii_case("securestring") || t.eq_ignore_ascii_case("secureobject")
            });
            let Some(default) = m.value.get_ci("defaultValue") else {
                continue;
            };
            let literal = match default.value() {
                Value::String(s) => !s.is_empty() && classify(s) != StringKind::Expression,
                Value::Object(o) => !o.is_empty(),
                Value::Null => false,
                _ => true,
            };
            if secure && literal {
                sink.report(
                    &format!(
                        "{}/parameters/{}/defaultValue",
                        scope.pointer,
                        escape_token(m.key)
                    ),
                    default.start(),
                    format!("secure parameter '{}' has a literal default value", m.key),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect, run};

    #[test]
    fn warns_on_default() {
        let t = arm(
            r#"{"token": {"type": "SecureString", "defaultValue": "hunter2"}}"#,
            "{}",
            "[]",
        );
        assert_eq!(
            expect(
                "ARM008",
                &t,
                &[(
                    "/parameters/token/defaultValue",
                    "secure parameter 'token' has a literal default value"
                )]
            )
            .len(),
            1
        );
    }

    #[test]
    fn passes_on_empty_default() {
        let t = arm(
            r#"{"token": {"type": "securestring", "defaultValue": ""}, "n": {"type": "string", "defaultValue": "x"}}"#,
            "{}",
            "[]",
        );
        assert!(run("ARM008", &t).is_empty());
    }
}
