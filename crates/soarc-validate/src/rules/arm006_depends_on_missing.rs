//! ARM006: `dependsOn` names a resource the template does not define.

use std::collections::{HashMap, HashSet};

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
          child types composed) and name of each resource, or by plain name. Names are \
          resolved through variables and `concat`; parameters (which a deployment may \
          override) and other computed parts are unknown, and an entry is reported only when \
          no deployment could make it match (its known text differs from every resource \
          name of that type). Learn: \"Define the order for deploying resources in ARM \
          templates\" (https://learn.microsoft.com/azure/azure-resource-manager/templates/resource-dependency).",
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

fn is_literal_name(r: &Resource) -> bool {
    r.name
        .is_some_and(|n| classify(n) != StringKind::Expression)
}

/// A resource name as far as it is known before deployment: literal text (lower-cased, as
/// ARM compares names case-insensitively) and holes for what only the deployment knows
/// (parameters, which a deployment may override, `copyIndex()`, `uniqueString(...)`, ...).
/// Variables and `concat` of known parts are resolved.
#[derive(Debug, Clone, PartialEq, Default)]
struct Pattern {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Lit(String),
    Hole,
}

impl Pattern {
    fn lit(s: &str) -> Pattern {
        let mut p = Pattern::default();
        p.push_lit(&s.to_ascii_lowercase());
        p
    }

    fn hole() -> Pattern {
        Pattern {
            parts: vec![Part::Hole],
        }
    }

    fn push_lit(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if let Some(Part::Lit(last)) = self.parts.last_mut() {
            last.push_str(s);
        } else {
            self.parts.push(Part::Lit(s.to_string()));
        }
    }

    fn append(&mut self, other: Pattern) {
        for part in other.parts {
            match part {
                Part::Lit(s) => self.push_lit(&s),
                Part::Hole => {
                    if self.parts.last() != Some(&Part::Hole) {
                        self.parts.push(Part::Hole);
                    }
                }
            }
        }
    }

    fn literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Lit(s)] => Some(s),
            _ => None,
        }
    }

    fn prefix(&self) -> &str {
        match self.parts.first() {
            Some(Part::Lit(s)) => s,
            _ => "",
        }
    }

    fn suffix(&self) -> &str {
        match self.parts.last() {
            Some(Part::Lit(s)) => s,
            _ => "",
        }
    }

    /// Whether some deployment could make both names equal. Sound in one direction only:
    /// `false` means they can never be equal (their literal starts or ends differ).
    fn may_equal(&self, other: &Pattern) -> bool {
        if let (Some(a), Some(b)) = (self.literal(), other.literal()) {
            return a == b;
        }
        let (p, q) = (self.prefix(), other.prefix());
        let (s, t) = (self.suffix(), other.suffix());
        (p.starts_with(q) || q.starts_with(p)) && (s.ends_with(t) || t.ends_with(s))
    }

    fn display(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Lit(s) => s.as_str(),
                Part::Hole => "…",
            })
            .collect()
    }
}

/// Resolution of names in one template scope: variables are followed (at most
/// `MAX_DEPTH` deep, so cycles end).
struct Names<'s> {
    variables: Option<crate::json::Node<'s>>,
    /// Expressions are read as the context parsed them, not parsed again.
    scope: &'s ArmScope<'s>,
}

const MAX_DEPTH: usize = 8;

impl Names<'_> {
    /// The string `s` that starts at `offset` in the document.
    fn of_string(&self, s: &str, offset: usize, depth: usize) -> Pattern {
        match classify(s) {
            StringKind::Plain => Pattern::lit(s),
            StringKind::EscapedLiteral => Pattern::lit(&s[1..]),
            StringKind::Expression => match self.scope.expr_at(offset).map(|e| &e.parsed) {
                Some(Ok(e)) => self.of_expr(e, depth),
                Some(Err(_)) => Pattern::hole(),
                None => match parse_expr(&s[1..s.len() - 1]) {
                    Ok(e) => self.of_expr(&e, depth),
                    Err(_) => Pattern::hole(),
                },
            },
        }
    }

    fn of_expr(&self, e: &Expr, depth: usize) -> Pattern {
        if depth > MAX_DEPTH {
            return Pattern::hole();
        }
        match e {
            Expr::Str(s) => Pattern::lit(s),
            Expr::Int(i) => Pattern::lit(&i.to_string()),
            Expr::Call { name, args } if name.eq_ignore_ascii_case("concat") => {
                let mut p = Pattern::default();
                for a in args {
                    p.append(self.of_expr(a, depth + 1));
                }
                p
            }
            Expr::Call { name, args } if name.eq_ignore_ascii_case("variables") => {
                let value = match args.as_slice() {
                    [Expr::Str(v)] => self.variables.and_then(|vars| vars.get_ci(v)),
                    _ => None,
                };
                match value.and_then(|v| Some((v.as_str()?, v.start()))) {
                    Some((s, offset)) => self.of_string(s, offset, depth + 1),
                    None => Pattern::hole(),
                }
            }
            _ => Pattern::hole(),
        }
    }
}

/// The resources of one type: literal names in a set (O(1) lookups), the others as patterns.
#[derive(Default)]
struct OfType {
    literal: HashSet<String>,
    patterns: Vec<Pattern>,
    /// A nested child resource is named by its last segment only: names are not compared.
    any_nested: bool,
}

fn check_resource_id(
    names: &Names,
    by_type: &HashMap<String, OfType>,
    args: &[Expr],
) -> Option<String> {
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
    let Some(candidates) = by_type.get(&rtype.to_ascii_lowercase()) else {
        return Some(format!(
            "the template defines no resource of type '{rtype}'"
        ));
    };
    let mut wanted = Pattern::default();
    for (i, a) in args[type_at + 1..].iter().enumerate() {
        if i > 0 {
            wanted.push_lit("/");
        }
        wanted.append(names.of_expr(a, 0));
    }
    let matched = candidates.any_nested
        || match wanted.literal() {
            Some(name) if candidates.literal.contains(name) => true,
            Some(_) => candidates.patterns.iter().any(|p| p.may_equal(&wanted)),
            // Unknown parts: compare with every name of the type (rare: names computed the
            // same way are usually equal patterns).
            None => {
                candidates
                    .literal
                    .iter()
                    .any(|l| Pattern::lit(l).may_equal(&wanted))
                    || candidates.patterns.iter().any(|p| p.may_equal(&wanted))
            }
        };
    if matched {
        return None;
    }
    Some(format!(
        "the template defines no resource of type '{rtype}' named '{}'",
        wanted.display()
    ))
}

/// What a plain `dependsOn` entry may name in a scope: resource names (whole and last
/// segment), copy loop names and symbolic names, lower-cased; `None` when some resource name
/// is computed (then any plain entry might match it).
fn plain_names(scope: &ArmScope) -> Option<HashSet<String>> {
    if !scope.resources.iter().all(is_literal_name) {
        return None;
    }
    let mut known = HashSet::new();
    for r in &scope.resources {
        if let Some(k) = r.name.and_then(name_key) {
            if let Some((_, last)) = k.rsplit_once('/') {
                known.insert(last.to_string());
            }
            known.insert(k);
        }
        known.extend(r.copy_name.map(str::to_ascii_lowercase));
        known.extend(r.symbol.map(str::to_ascii_lowercase));
    }
    Some(known)
}

fn check_plain(known: Option<&HashSet<String>>, entry: &str) -> Option<String> {
    let known = known?;
    let lower = entry.to_ascii_lowercase();
    // `name`, or `Type/name` ending in a known name after any '/'.
    let found = known.contains(&lower)
        || lower
            .match_indices('/')
            .any(|(i, _)| known.contains(&lower[i + 1..]));
    (!found).then(|| format!("no resource or copy loop named '{entry}'"))
}

fn check(ctx: &Context, sink: &mut Sink) {
    for scope in &ctx.scopes {
        let names = Names {
            variables: scope.root.get_ci("variables"),
            scope,
        };
        // Lower-cased type → the names of the resources of that type.
        let mut by_type: HashMap<String, OfType> = HashMap::new();
        for r in &scope.resources {
            let own = r
                .pointer
                .rsplit_once("/properties/template")
                .map_or(r.pointer.as_str(), |(_, rest)| rest);
            let of = by_type.entry(r.full_type.to_ascii_lowercase()).or_default();
            of.any_nested |= own.matches("/resources/").count() > 1;
            let pattern = match r
                .node
                .get_ci("name")
                .and_then(|n| Some((n.as_str()?, n.start())))
            {
                Some((n, offset)) => names.of_string(n, offset, 0),
                None => Pattern::hole(),
            };
            match pattern.literal() {
                Some(l) => {
                    of.literal.insert(l.to_string());
                }
                None => of.patterns.push(pattern),
            }
        }
        let plain = plain_names(scope);
        for r in &scope.resources {
            let Some(entries) = r.node.get_ci("dependsOn").and_then(|d| d.as_array()) else {
                continue;
            };
            for (i, entry) in entries.iter().enumerate() {
                let Some(text) = entry.as_str() else { continue };
                let problem = match classify(text) {
                    StringKind::Expression => {
                        let parsed;
                        let expr = match scope.expr_at(entry.start()) {
                            Some(e) => e.parsed.as_ref().ok(),
                            None => {
                                parsed = parse_expr(&text[1..text.len() - 1]).ok();
                                parsed.as_ref()
                            }
                        };
                        match expr {
                            Some(Expr::Call { name, args })
                                if name.eq_ignore_ascii_case("resourceId") =>
                            {
                                check_resource_id(&names, &by_type, args)
                            }
                            _ => None,
                        }
                    }
                    StringKind::EscapedLiteral => check_plain(plain.as_ref(), &text[1..]),
                    StringKind::Plain => check_plain(plain.as_ref(), text),
                };
                if let Some(problem) = problem {
                    sink.report(
                        &format!("{}/dependsOn/{i}", r.pointer),
                        entry.start(),
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
    fn resolves_names_through_variables_and_concat() {
        let t = arm(
            r#"{"PlaybookName": {"type": "string"}}"#,
            r#"{"conn": "[concat('azuresentinel-', parameters('PlaybookName'))]", "alias": "[variables('conn')]"}"#,
            r#"[{"type": "Microsoft.Web/connections", "name": "[variables('alias')]"},
                {"type": "Microsoft.Logic/workflows", "name": "wf", "dependsOn": [
                  "[resourceId('Microsoft.Web/connections', variables('conn'))]",
                  "[resourceId('Microsoft.Web/connections', concat('AzureSentinel-', parameters('PlaybookName')))]",
                  "[resourceId('Microsoft.Web/connections', 'azuresentinel-x')]",
                  "[resourceId('Microsoft.Web/connections', 'connection-that-does-not-exist')]",
                  "[resourceId('Microsoft.Web/connections', concat('jira-', parameters('PlaybookName')))]"]}]"#,
        );
        expect(
            "ARM006",
            &t,
            &[
                (
                    "/resources/1/dependsOn/3",
                    "dependsOn '[resourceId('Microsoft.Web/connections', 'connection-that-does-not-exist')]': the template defines no resource of type 'Microsoft.Web/connections' named 'connection-that-does-not-exist'",
                ),
                (
                    "/resources/1/dependsOn/4",
                    "dependsOn '[resourceId('Microsoft.Web/connections', concat('jira-', parameters('PlaybookName')))]': the template defines no resource of type 'Microsoft.Web/connections' named 'jira-…'",
                ),
            ],
        );
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
