//! ARM012: a template output exposes a secret.

use super::{Rule, Severity};
use crate::{Context, Sink};
use soarc_lang::arm::expr::Expr;

pub static RULE: Rule = Rule {
    code: "ARM012",
    title: "Template output exposes a secret",
    severity: Severity::Warning,
    doc: "An output's value calls a `list*` function (`listKeys`, `listCallbackUrl`, ...) or \
          returns a `securestring`/`secureobject` parameter (arm-ttk: `Outputs Must Not \
          Contain Secrets`). Deployment outputs are stored in plain text in the deployment \
          history, readable by anyone with read access to the resource group. Fetch secrets \
          where they are needed instead.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    for scope in &ctx.scopes {
        let secure: Vec<&str> = scope
            .root
            .get_ci("parameters")
            .and_then(|p| p.as_object())
            .map(|ms| {
                ms.iter()
                    .filter(|m| {
                        m.value.str_ci("type").is_some_and(|t| {
                            t.eq_ignore_ascii_case("securestring")
                                || t.eq_ignore_ascii_case("secureobject")
                        })
                    })
                    .map(|m| m.key)
                    .collect()
            })
            .unwrap_or_default();
        let secure = super::CiSet::new(secure);
        let outputs = format!("{}/outputs/", scope.pointer);
        // A string under `outputs` starts after the value of a member named so: only those
        // strings have their pointer rendered (expressions are kept in text order).
        let Some(first) = scope
            .root
            .as_object()
            .into_iter()
            .flatten()
            .filter(|m| m.key == "outputs")
            .map(|m| m.value.start())
            .min()
        else {
            continue;
        };
        let after = scope.exprs.partition_point(|e| e.at.offset < first);
        for e in &scope.exprs[after..] {
            if !ctx.pointer_at(e.at.offset).starts_with(&outputs) {
                continue;
            }
            let Ok(expr) = &e.parsed else { continue };
            let mut problem = None;
            expr.walk(&mut |node| {
                let Expr::Call { name, args } = node else {
                    return;
                };
                let lower = name.to_ascii_lowercase();
                if lower.starts_with("list") && !name.contains('.') {
                    problem = Some(format!("calls {name}()"));
                } else if lower == "parameters"
                    && let Some(Expr::Str(p)) = args.first()
                    && secure.contains(p)
                {
                    problem = Some(format!("returns secure parameter '{p}'"));
                }
            });
            if let Some(problem) = problem {
                sink.report_value(
                    e.at.offset,
                    format!("output {problem}; outputs are stored in plain text in the deployment history"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run};

    fn template(output: &str) -> String {
        format!(
            r#"{{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "parameters": {{"pw": {{"type": "secureString"}}, "name": {{"type": "string"}}}}, "resources": [],
                "outputs": {{"o": {{"type": "string", "value": "{output}"}}}}}}"#
        )
    }

    #[test]
    fn warns_on_secrets() {
        assert_eq!(expect("ARM012", &template("[parameters('PW')]"), &[("/outputs/o/value", "output returns secure parameter 'PW'; outputs are stored in plain text in the deployment history")]).len(), 1);
        let callback = "[listCallbackUrl(resourceId('Microsoft.Logic/workflows/triggers', 'wf', 'manual'), '2019-05-01').value]";
        assert_eq!(expect("ARM012", &template(callback), &[("/outputs/o/value", "output calls listCallbackUrl(); outputs are stored in plain text in the deployment history")]).len(), 1);
    }

    #[test]
    fn passes_on_plain_outputs() {
        assert!(run("ARM012", &template("[parameters('name')]")).is_empty());
    }
}
