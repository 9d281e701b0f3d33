//! WDL012: a connection reference differs in case from the provided name.

use std::collections::{HashMap, HashSet};

use super::{Rule, Severity, connection_refs};
use crate::context::CiName;
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "WDL012",
    title: "Connection name differs in case from $connections",
    severity: Severity::Warning,
    doc: "`parameters('$connections')['jira']` while the workflow resource provides `Jira`. \
          Logic Apps reads JSON property names case-insensitively (Newtonsoft's JObject \
          lookup falls back to a case-insensitive match), so the deployed playbook works - \
          real Sentinel templates such as Open-JIRA-Ticket do this - but the mismatch is \
          confusing and breaks tools that compare names exactly. Use one spelling.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    for wf in &ctx.workflows {
        let Some(connections) = &wf.connections else {
            continue;
        };
        // Exact names, and the first provided spelling of each name ignoring case: O(1)
        // lookups per reference.
        let exact: HashSet<&str> = connections.names.iter().copied().collect();
        let mut spelled: HashMap<CiName, &str> = HashMap::new();
        for n in &connections.names {
            spelled.entry(CiName(n)).or_insert(n);
        }
        for (e, name) in connection_refs(wf) {
            if exact.contains(name.as_str()) {
                continue;
            }
            if let Some(provided) = spelled.get(&CiName(&name)) {
                sink.report_value(e.at.offset,
                    format!(
                        "connection '{name}' is provided as '{provided}' (works, as Logic Apps matches names case-insensitively; use one spelling)"
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, logic_app, run};

    const DEF: &str = r#"{"parameters": {"$connections": {"type": "Object"}},
        "triggers": {"t": {"type": "Request", "kind": "Http"}},
        "actions": {"a": {"type": "ApiConnection", "inputs": {"host": {"connection": {"name": "@parameters('$connections')['jira']['connectionId']"}}}}}}"#;

    #[test]
    fn warns_on_case_mismatch() {
        assert_eq!(expect("WDL012", &logic_app(DEF, r#"{"Jira": {}}"#), &[("/resources/0/properties/definition/actions/a/inputs/host/connection/name", "connection 'jira' is provided as 'Jira' (works, as Logic Apps matches names case-insensitively; use one spelling)")]).len(), 1);
    }

    #[test]
    fn passes_on_exact_match() {
        assert!(run("WDL012", &logic_app(DEF, r#"{"jira": {}}"#)).is_empty());
    }
}
