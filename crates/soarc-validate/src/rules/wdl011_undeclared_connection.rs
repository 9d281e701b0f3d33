//! WDL011: an expression uses a connection the workflow resource does not provide.

use super::{CiSet, Rule, Severity, connection_refs};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "WDL011",
    title: "Connection is not provided in $connections",
    severity: Severity::Error,
    doc: "`parameters('$connections')['x']` must name a connection that the workflow \
          resource passes in `properties.parameters.$connections.value`. If none matches \
          even ignoring case, the action fails (the connection reference cannot be \
          resolved). Only checked where the value is written out (not computed by an ARM \
          expression) - that is, in ARM templates and exported workflow resources. A match \
          that differs only in case is WDL012.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    for wf in &ctx.workflows {
        let Some(connections) = &wf.connections else {
            continue;
        };
        // Looked up in O(1); the list of provided names is written once per workflow.
        let names = CiSet::new(connections.names.iter().copied());
        let provided = if connections.names.is_empty() {
            "none".to_string()
        } else {
            connections.names.join(", ")
        };
        for (e, name) in connection_refs(wf) {
            if !names.contains(&name) {
                sink.report_value(
                    e.at.offset,
                    format!(
                        "connection '{name}' is used but not provided in {} (provided: {provided})",
                        connections.pointer
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, logic_app, run};

    const DEF: &str = r#"{"parameters": {"$connections": {"type": "Object", "defaultValue": {}}},
        "triggers": {"t": {"type": "Request", "kind": "Http"}},
        "actions": {"a": {"type": "ApiConnection", "inputs": {"host": {"connection": {"name": "@parameters('$connections')['azuremonitorlogs']['connectionId']"}}}}}}"#;

    #[test]
    fn fails_on_undeclared() {
        let t = logic_app(DEF, r#"{"azuresentinel": {"connectionId": "x"}}"#);
        assert_eq!(expect("WDL011", &t, &[("/resources/0/properties/definition/actions/a/inputs/host/connection/name", "connection 'azuremonitorlogs' is used but not provided in /resources/0/properties/parameters/$connections/value (provided: azuresentinel)")]).len(), 1);
    }

    #[test]
    fn passes_on_declared_any_case() {
        let t = logic_app(DEF, r#"{"AzureMonitorLogs": {"connectionId": "x"}}"#);
        assert!(run("WDL011", &t).is_empty());
    }
}
