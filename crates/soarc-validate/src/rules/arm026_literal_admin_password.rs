//! ARM026: a resource's password property is a literal, directly or through a variable.
//!
//! arm-ttk (Microsoft's template test toolkit, Azure/arm-ttk) test "adminPassword Should Not
//! Be A Literal", and Learn, "ARM template best practices", Parameters / security
//! recommendations (https://learn.microsoft.com/azure/azure-resource-manager/templates/best-practices#security-recommendations-for-parameters):
//! "Always use parameters for user names and passwords (or secrets)" and use `securestring`
//! for them. A variable holding a literal is the same literal: it sits in the template, in
//! source control and in the deployment history.

use super::{Rule, Severity};
use crate::json::{Node, Value, child};
use crate::{Context, Sink};
use soarc_lang::arm::expr::{Expr, StringKind, classify};

pub static RULE: Rule = Rule {
    code: "ARM026",
    title: "Resource password set to a literal",
    severity: Severity::Warning,
    doc: "A property named like a password (`adminPassword`, `administratorLoginPassword`, \
          ...) in a resource's `properties` is a literal string, or `[variables('x')]` where \
          the variable `x` is a literal string (arm-ttk: `adminPassword Should Not Be A \
          Literal`; Learn, \"ARM template best practices\": always use parameters for \
          passwords). The password then sits in the template, in source control and in the \
          deployment history. Pass it in a `securestring` parameter. Logic App definitions \
          (WDL023) and API connections (ARM015) have their own rules; empty strings are not \
          reported.",
    check,
};

fn is_password_name(key: &str) -> bool {
    key.to_ascii_lowercase().contains("password")
}

/// The literal text behind a value: the string itself, or a variable holding one.
fn literal_behind<'n>(value: Node<'n>, variables: Option<Node<'n>>) -> Option<&'n str> {
    let s = value.as_str()?;
    match classify(s) {
        StringKind::Plain => Some(s),
        StringKind::EscapedLiteral => Some(&s[1..]),
        StringKind::Expression => {
            let Ok(Expr::Call { name, args }) =
                soarc_lang::arm::expr::parse_expr(&s[1..s.len() - 1])
            else {
                return None;
            };
            let [Expr::Str(var)] = args.as_slice() else {
                return None;
            };
            if !name.eq_ignore_ascii_case("variables") {
                return None;
            }
            let held = variables?.get_ci(var)?.as_str()?;
            (classify(held) == StringKind::Plain).then_some(held)
        }
    }
}

fn walk(node: Node, pointer: &mut String, variables: Option<Node>, sink: &mut Sink) {
    match node.value() {
        Value::Object(members) => {
            for m in members {
                let len = pointer.len();
                pointer.push('/');
                crate::json::push_token(pointer, m.key);
                if is_password_name(m.key)
                    && let Some(text) = literal_behind(m.value, variables)
                    && !text.is_empty()
                {
                    let how = if m
                        .value
                        .as_str()
                        .is_some_and(|s| classify(s) == StringKind::Expression)
                    {
                        "a variable holding a literal"
                    } else {
                        "a literal"
                    };
                    sink.report(
                        pointer,
                        m.value.start(),
                        format!(
                            "'{}' is set to {how}: the password sits in the template and the deployment history; pass it in a securestring parameter",
                            m.key
                        ),
                    );
                }
                walk(m.value, pointer, variables, sink);
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                walk(item, pointer, variables, sink);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

fn check(ctx: &Context, sink: &mut Sink) {
    for scope in &ctx.scopes {
        let variables = scope.root.get_ci("variables");
        for r in &scope.resources {
            let t = &r.full_type;
            if t.eq_ignore_ascii_case("Microsoft.Logic/workflows")
                || t.eq_ignore_ascii_case("Microsoft.Web/connections")
                || t.eq_ignore_ascii_case("Microsoft.Resources/deployments")
            {
                continue;
            }
            let Some(props) = r.node.get_ci("properties") else {
                continue;
            };
            let mut pointer = child(&r.pointer, "properties");
            walk(props, &mut pointer, variables, sink);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect};

    fn server(props: &str) -> String {
        arm(
            r#"{"pw": {"type": "secureString"}}"#,
            r#"{"adminPw": "fixedpassword", "computed": "[parameters('pw')]"}"#,
            &format!(
                r#"[{{"type": "Microsoft.DBforMySQL/flexibleServers", "apiVersion": "2021-05-01", "name": "db", "location": "[resourceGroup().location]",
"properties": {props}}}]"#
            ),
        )
    }

    #[test]
    fn fails_on_literal_or_variable_literal() {
        expect(
            "ARM026",
            &server(
                r#"{"administratorLoginPassword": "[variables('adminPw')]", "osProfile": {"adminPassword": "P@ssw0rd!"}}"#,
            ),
            &[
                (
                    "/resources/0/properties/administratorLoginPassword",
                    "'administratorLoginPassword' is set to a variable holding a literal: the password sits in the template and the deployment history; pass it in a securestring parameter",
                ),
                (
                    "/resources/0/properties/osProfile/adminPassword",
                    "'adminPassword' is set to a literal: the password sits in the template and the deployment history; pass it in a securestring parameter",
                ),
            ],
        );
    }

    #[test]
    fn passes_parameters_and_computed_variables() {
        expect(
            "ARM026",
            &server(
                r#"{"administratorLoginPassword": "[parameters('pw')]", "adminPassword": "[variables('computed')]", "passwordPolicy": ""}"#,
            ),
            &[],
        );
    }
}
