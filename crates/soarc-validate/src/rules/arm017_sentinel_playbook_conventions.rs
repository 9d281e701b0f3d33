//! ARM017: a playbook template lacks Sentinel's PlaybookName parameter or metadata block.

use super::{Rule, Severity};
use crate::json::Node;
use crate::{Context, Kind, Sink};

pub static RULE: Rule = Rule {
    code: "ARM017",
    title: "Playbook template does not follow Sentinel's conventions",
    severity: Severity::Info,
    doc: "A template that deploys a `Microsoft.Logic/workflows` resource has no `PlaybookName` \
          parameter, or no top-level `metadata` object with a `title` and a `description`. \
          Microsoft Sentinel's playbook templates (the Azure-Sentinel repository's playbook \
          guidelines, which its gallery and Content Hub tooling read) name the Logic App after \
          a `PlaybookName` parameter and describe it in `metadata` (`title`, `description`, \
          `prerequisites`, `author`, ...). Information only: the template deploys and runs \
          without them, and templates not meant for Sentinel's gallery need not follow them. \
          Only the root template is checked.",
    check,
};

fn non_empty(node: Node, key: &str) -> bool {
    node.str_ci(key).is_some_and(|s| !s.trim().is_empty())
}

fn check(ctx: &Context, sink: &mut Sink) {
    if ctx.kind != Kind::ArmTemplate {
        return;
    }
    let Some(root) = ctx.scopes.iter().find(|s| s.pointer.is_empty()) else {
        return;
    };
    if !root.resources.iter().any(|r| {
        r.full_type
            .eq_ignore_ascii_case("Microsoft.Logic/workflows")
    }) {
        return;
    }
    let params = root.root.get_ci("parameters");
    let has_name = params.and_then(Node::as_object).is_some_and(|ms| {
        ms.iter()
            .any(|m| m.key.eq_ignore_ascii_case("PlaybookName"))
    });
    let metadata = root.root.get_ci("metadata");
    let missing_metadata: Vec<&str> = ["title", "description"]
        .into_iter()
        .filter(|k| !metadata.is_some_and(|m| non_empty(m, k)))
        .collect();
    let mut missing = Vec::new();
    if !has_name {
        missing.push("a 'PlaybookName' parameter".to_string());
    }
    if !missing_metadata.is_empty() {
        missing.push(format!("a metadata {}", missing_metadata.join(" and ")));
    }
    // One finding per template, at what is missing when only one thing is.
    let (pointer, offset) = match (has_name, missing_metadata.is_empty(), params, metadata) {
        (true, true, _, _) => return,
        (false, true, Some(p), _) => ("/parameters", p.start()),
        (true, false, _, Some(m)) => ("/metadata", m.start()),
        _ => ("", root.root.start()),
    };
    sink.report(
        pointer,
        offset,
        format!(
            "playbook template lacks {} (Sentinel's playbook templates name the Logic App after PlaybookName, and its gallery and Content Hub read the metadata)",
            missing.join(" and ")
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, logic_app, run};

    const DEFINITION: &str = r#"{"triggers": {}, "actions": {}}"#;

    #[test]
    fn reports_missing_conventions() {
        let f = expect(
            "ARM017",
            &logic_app(DEFINITION, "{}"),
            &[(
                "",
                "playbook template lacks a 'PlaybookName' parameter and a metadata title and description (Sentinel's playbook templates name the Logic App after PlaybookName, and its gallery and Content Hub read the metadata)",
            )],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message
                .contains("lacks a 'PlaybookName' parameter and a metadata title")
        );
        assert!(f[0].message.contains("metadata title and description"));
        let named = logic_app(DEFINITION, "{}").replacen(
            r#""parameters": {}"#,
            r#""metadata": {"title": "Block user"}, "parameters": {"PlaybookName": {"type": "string"}}"#,
            1,
        );
        let f = expect(
            "ARM017",
            &named,
            &[(
                "/metadata",
                "playbook template lacks a metadata description (Sentinel's playbook templates name the Logic App after PlaybookName, and its gallery and Content Hub read the metadata)",
            )],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].pointer, "/metadata");
        assert!(f[0].message.contains("lacks a metadata description"));
    }

    #[test]
    fn passes_with_conventions() {
        let t = logic_app(DEFINITION, "{}").replacen(
            r#""parameters": {}"#,
            r#""metadata": {"title": "Block user", "description": "Blocks the user."},
               "parameters": {"PlaybookName": {"type": "string", "defaultValue": "Block-User"}}"#,
            1,
        );
        assert!(run("ARM017", &t).is_empty());
        // Templates without a Logic App are not playbooks.
        let other = super::super::fixtures::arm("{}", "{}", "[]");
        assert!(run("ARM017", &other).is_empty());
    }
}
