//! ARM006: `dependsOn` names a resource the template does not define.

use super::{Rule, Severity};
use crate::context::{ArmScope, Resource};
use crate::{Context, Sink};
use soarc_lang::arm::expr::{Expr, StringKind, classify, parse_expr};

pub static RULE: Rule = Rule {
    code: "ARM006",
    title: "dependsOn names a resource the template does not define",
    severity: Severity::Error,
    doc: "Every `dependsOn` entry must name a resource (or copy loop) deployed by the same \
          template; ARM fails with `The resource 'x' is not defined in the template`. Entries \
          are matched by `resourceId('Type', name...)` against the type (case-insensitive, \
          child types composed) and name of each resource, or by plain name. Entries computed \
          in ways that cannot be resolved offline are not reported.",
    check,
};

/// A resource name as comparable text: literal names lower-cased, expression names as their
/// printed expression (so `[parameters('a')]` matches `parameters('A')` written elsewhere).
fn name_key(name: &str) -> Option<String> {
    match classify(name) {
        StringKind::Plain => Some(name.to_ascii_lowercase()),
        StringKind::EscapedLiteral => Some(name[1..].to_ascii_lowercase()),
        StringKind::Expression => parse_expr(&name[1..name.len() - 1])
            .ok()
            .map(|e| format!("[{}]", e.to_string().to_ascii_lowercase())),
    }
}

fn arg_key(e: &Expr) -> (String, bool) {
    match e {
        Expr::Str(s) => (s.to_ascii_lowercase(), true),
        other => (
            format!("[{}]", other.to_string().to_ascii_lowercase()),
            false,
        ),
    }
}

fn is_literal_name(r: &Resource) -> bool {
    r.name
        .is_some_and(|n| classify(n) != StringKind::Expression)
}

fn check_resource_id(scope: &ArmScope, args: &[Expr]) -> Option<String> {
    // resourceId([subscriptionId], [resourceGroup], type, name1, name2...)
    let type_at = args
        .iter()
        .position(|a| matches!(a, Expr::Str(s) if s.contains('/')))?;
    let Expr::Str(rtype) = &args[type_at] else {
        return None;
    };
    // ARM tolerates a trailing slash (`'Microsoft.Web/connections/'`), seen in real templates.
    let rtype = rtype.trim_end_matches('/');
    if type_at > 2 {
        return None;
    }
    let names: Vec<(String, bool)> = args[type_at + 1..].iter().map(arg_key).collect();
    let candidates: Vec<&Resource> = scope
        .resources
        .iter()
        .filter(|r| r.full_type.eq_ignore_ascii_case(rtype))
        .collect();
    if candidates.is_empty() {
        return Some(format!(
            "the template defines no resource of type '{rtype}'"
        ));
    }
    let joined = names
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join("/");
    let matched = candidates.iter().any(|r| {
        r.name
            .and_then(name_key)
            .is_some_and(|k| k == joined || (names.len() == 1 && k == names[0].0))
    });
    let all_literal =
        names.iter().all(|(_, literal)| *literal) && candidates.iter().all(|r| is_literal_name(r));
    if matched || !all_literal {
        return None;
    }
    Some(format!(
        "the template defines no resource of type '{rtype}' named '{joined}'"
    ))
}

fn check_plain(scope: &ArmScope, entry: &str) -> Option<String> {
    let lower = entry.to_ascii_lowercase();
    let known = scope.resources.iter().any(|r| {
        let name_match = r.name.and_then(name_key).is_some_and(|k| {
            k == lower || lower.ends_with(&format!("/{k}")) || k.rsplit('/').next() == Some(&lower)
        });
        name_match
            || r.copy_name.is_some_and(|c| c.eq_ignore_ascii_case(entry))
            || r.symbol.is_some_and(|s| s.eq_ignore_ascii_case(entry))
    });
    let resolvable = scope.resources.iter().all(is_literal_name);
    (!known && resolvable).then(|| format!("no resource or copy loop named '{entry}'"))
}

fn check(ctx: &Context, sink: &mut Sink) {
    for scope in &ctx.scopes {
        for r in &scope.resources {
            let Some(entries) = r.node.get_ci("dependsOn").and_then(|d| d.as_array()) else {
                continue;
            };
            for (i, entry) in entries.iter().enumerate() {
                let Some(text) = entry.as_str() else { continue };
                let problem = match classify(text) {
                    StringKind::Expression => match parse_expr(&text[1..text.len() - 1]) {
                        Ok(Expr::Call { name, args })
                            if name.eq_ignore_ascii_case("resourceId") =>
                        {
                            check_resource_id(scope, &args)
                        }
                        _ => None,
                    },
                    StringKind::EscapedLiteral => check_plain(scope, &text[1..]),
                    StringKind::Plain => check_plain(scope, text),
                };
                if let Some(problem) = problem {
                    sink.report(
                        &format!("{}/dependsOn/{i}", r.pointer),
                        entry.start,
                        format!("dependsOn '{text}': {problem}"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect, run};

    const CONN: &str = r#"{"type": "Microsoft.Web/connections", "apiVersion": "2016-06-01", "name": "[parameters('conn')]"}"#;

    #[test]
    fn fails_on_missing_type_and_name() {
        let t = arm(
            r#"{"conn": {"type": "string"}}"#,
            "{}",
            &format!(
                r#"[{CONN}, {{"type": "Microsoft.Web/connections", "name": "jira"}},
                   {{"type": "Microsoft.Logic/workflows", "name": "wf", "dependsOn": [
                     "[resourceId('Microsoft.KeyVault/vaults', 'kv')]",
                     "[resourceId('Microsoft.Web/connections', 'snow')]"]}}]"#
            ),
        );
        // The second entry is not reported: `conn` could be named 'snow'.
        let f = expect(
            "ARM006",
            &t,
            &[(
                "/resources/2/dependsOn/0",
                "dependsOn '[resourceId('Microsoft.KeyVault/vaults', 'kv')]': the template defines no resource of type 'Microsoft.KeyVault/vaults'",
            )],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].pointer, "/resources/2/dependsOn/0");
    }

    #[test]
    fn fails_on_plain_name() {
        let t = arm(
            "{}",
            "{}",
            r#"[{"type": "A/b", "name": "x"}, {"type": "A/c", "name": "y", "dependsOn": ["z"]}]"#,
        );
        assert_eq!(
            expect(
                "ARM006",
                &t,
                &[(
                    "/resources/1/dependsOn/0",
                    "dependsOn 'z': no resource or copy loop named 'z'"
                )]
            )
            .len(),
            1
        );
    }

    #[test]
    fn passes_on_defined_resources() {
        let t = arm(
            r#"{"conn": {"type": "string"}}"#,
            "{}",
            &format!(
                r#"[{CONN}, {{"type": "A/b", "name": "x", "copy": {{"name": "loop", "count": 2}}}},
                   {{"type": "Microsoft.Logic/workflows", "name": "wf", "dependsOn": [
                     "[resourceId('microsoft.web/connections', parameters('CONN'))]", "x", "loop", "A/b/x"]}}]"#
            ),
        );
        assert!(run("ARM006", &t).is_empty());
    }
}
