//! ARM017: a playbook template lacks Sentinel's PlaybookName parameter or metadata block.

use super::{Rule, Severity};
use crate::validate::json::Node;
use crate::validate::{Context, Kind, Sink};

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

fn non_empty(node: &Node, key: &str) -> bool {
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
    let has_name = params
        .and_then(Node::as_object)
        .is_some_and(|ms| ms.iter().any(|m| m.key.eq_ignore_ascii_case("PlaybookName")));
    if !has_name {
        let (pointer, offset) = match params {
            Some(p) => ("/parameters", p.start),
            None => ("", root.root.start),
        };
        sink.report(
            pointer,
            offset,
            "playbook template has no 'PlaybookName' parameter (Sentinel's playbook templates name the Logic App after it)",
        );
    }
    let metadata = root.root.get_ci("metadata");
    let missing: Vec<&str> = ["title", "description"]
        .into_iter()
        .filter(|k| !metadata.is_some_and(|m| non_empty(m, k)))
        .collect();
    if !missing.is_empty() {
        let (pointer, offset) = match metadata {
            Some(m) => ("/metadata", m.start),
            None => ("", root.root.start),
        };
        sink.report(
            pointer,
            offset,
            format!(
                "playbook template has no metadata {} (Sentinel's gallery and Content Hub read them)",
                missing.join(" and ")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{logic_app, run};

    const DEFINITION: &str = r#"{"triggers": {}, "actions": {}}"#;

    #[test]
    fn reports_missing_conventions() {
        let f = run("ARM017", &logic_app(DEFINITION, "{}"));
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f.iter().any(|f| f.message.contains("'PlaybookName'")));
        assert!(f.iter().any(|f| f.message.contains("title and description")));
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
