//! ARM025: a nested deployment evaluated in the outer scope uses a secure value.
//!
//! Learn, "Test cases for ARM templates", Use inner scope for nested deployment secure
//! parameters
//! (https://learn.microsoft.com/azure/azure-resource-manager/templates/test-cases#use-inner-scope-for-nested-deployment-secure-parameters):
//! with the outer scope (the default), a nested template's expressions that hold secure
//! parameters or `list*` functions are evaluated in clear text in the parent's scope, and the
//! secure value is then visible to anyone with access to the deployment history; use
//! `expressionEvaluationOptions.scope: inner` and pass the value as a secure parameter.
//! Learn, "Using linked and nested templates", Expression evaluation scope
//! (https://learn.microsoft.com/azure/azure-resource-manager/templates/linked-templates#expression-evaluation-scope-in-nested-templates):
//! the scope defaults to outer.

use super::{Rule, Severity};
use crate::{Context, Sink};
use soarc_lang::arm::expr::Expr;

pub static RULE: Rule = Rule {
    code: "ARM025",
    title: "Secure value in a nested template evaluated in the outer scope",
    severity: Severity::Warning,
    doc: "A nested deployment (`Microsoft.Resources/deployments` with an inline \
          `template`) whose expressions are evaluated in the outer scope (the default) uses a \
          `securestring`/`secureobject` parameter or a `list*` function. ARM then writes the \
          value in clear text into the deployment history (Learn, \"Test cases for ARM \
          templates\": use inner scope for nested deployment secure parameters). Set \
          `properties.expressionEvaluationOptions.scope` to `inner` and pass the value as a \
          secure parameter of the nested template.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    for scope in &ctx.scopes {
        // Inline templates evaluated in this scope (inner ones are scopes of their own).
        let mut nested: Vec<String> = scope
            .resources
            .iter()
            .filter(|r| {
                r.full_type
                    .eq_ignore_ascii_case("Microsoft.Resources/deployments")
            })
            .filter_map(|r| {
                let props = r.node.get_ci("properties")?;
                props.get_ci("template")?;
                let inner = props
                    .get_ci("expressionEvaluationOptions")
                    .and_then(|o| o.str_ci("scope"))
                    .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
                (!inner).then(|| format!("{}/properties/template", r.pointer))
            })
            .collect();
        if nested.is_empty() {
            continue;
        }
        nested.sort();
        // A string inside one of them starts after its deployment resource does: only those
        // strings have their pointer rendered (expressions are kept in text order).
        let first = scope
            .resources
            .iter()
            .filter(|r| {
                r.full_type
                    .eq_ignore_ascii_case("Microsoft.Resources/deployments")
            })
            .map(|r| r.node.start())
            .min()
            .unwrap_or(0);
        let after = scope.exprs.partition_point(|e| e.at.offset < first);
        let secure = super::CiSet::new(
            scope
                .root
                .get_ci("parameters")
                .and_then(|p| p.as_object())
                .into_iter()
                .flatten()
                .filter(|m| {
                    m.value.str_ci("type").is_some_and(|t| {
                        t.eq_ignore_ascii_case("securestring")
                            || t.eq_ignore_ascii_case("secureobject")
                    })
                })
                .map(|m| m.key),
        );
        for e in &scope.exprs[after..] {
            // The nested template holding the string, if any: the greatest prefix not after it.
            let p = &ctx.pointer_at(e.at.offset);
            let i = nested.partition_point(|n| n.as_str() <= p.as_str());
            let inside = i > 0 && {
                let n = &nested[i - 1];
                p.starts_with(n.as_str()) && p[n.len()..].starts_with('/')
            };
            if !inside {
                continue;
            }
            let Ok(expr) = &e.parsed else { continue };
            let mut problem = None;
            expr.walk(&mut |node| {
                let Expr::Call { name, args } = node else {
                    return;
                };
                if problem.is_some() {
                    return;
                }
                if name.to_ascii_lowercase().starts_with("list") && !name.contains('.') {
                    problem = Some(format!("calls {name}()"));
                } else if name.eq_ignore_ascii_case("parameters")
                    && let Some(Expr::Str(param)) = args.first()
                    && secure.contains(param)
                {
                    problem = Some(format!("uses secure parameter '{param}'"));
                }
            });
            if let Some(problem) = problem {
                sink.report_value(
                    e.at.offset,
                    format!(
                        "this nested template is evaluated in the outer scope and {problem}, so the value is written in clear text into the deployment history; set properties.expressionEvaluationOptions.scope to 'inner' and pass it as a secure parameter"
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect};

    fn deployment(scope: &str, value: &str) -> String {
        arm(
            r#"{"pw": {"type": "secureString"}, "name": {"type": "string"}}"#,
            "{}",
            &format!(
                r#"[{{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "nested",
"properties": {{"mode": "Incremental", {scope} "template": {{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
"contentVersion": "1.0.0.0", "resources": [{{"type": "Microsoft.Web/connections", "apiVersion": "2016-06-01", "name": "c",
"properties": {{"displayName": "{value}"}}}}]}}}}}}]"#
            ),
        )
    }

    #[test]
    fn fails_on_secure_parameter_or_list_call_in_outer_scope() {
        let at = "/resources/0/properties/template/resources/0/properties/displayName";
        expect(
            "ARM025",
            &deployment("", "[format('{0}', parameters('PW'))]"),
            &[(
                at,
                "this nested template is evaluated in the outer scope and uses secure parameter 'PW', so the value is written in clear text into the deployment history; set properties.expressionEvaluationOptions.scope to 'inner' and pass it as a secure parameter",
            )],
        );
        expect(
            "ARM025",
            &deployment(
                r#""expressionEvaluationOptions": {"scope": "outer"},"#,
                "[listKeys('id', '2020-01-01').keys[0].value]",
            ),
            &[(
                at,
                "this nested template is evaluated in the outer scope and calls listKeys(), so the value is written in clear text into the deployment history; set properties.expressionEvaluationOptions.scope to 'inner' and pass it as a secure parameter",
            )],
        );
    }

    #[test]
    fn passes_inner_scope_and_plain_values() {
        expect(
            "ARM025",
            &deployment(
                r#""expressionEvaluationOptions": {"scope": "Inner"},"#,
                "[parameters('pw')]",
            ),
            &[],
        );
        expect("ARM025", &deployment("", "[parameters('name')]"), &[]);
    }
}
