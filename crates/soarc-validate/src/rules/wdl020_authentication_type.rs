//! WDL020: an invalid authentication type on an outbound call.

use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "WDL020",
    title: "Invalid authentication type",
    severity: Severity::Error,
    doc: "`inputs.authentication.type` of an HTTP-style action or trigger must be `Basic`, \
          `ClientCertificate`, `ActiveDirectoryOAuth`, `Raw` or `ManagedServiceIdentity` \
          (Learn, \"Add authentication to outbound calls\"; case-insensitive). Note that the \
          official workflow JSON schema wrongly rejects `ManagedServiceIdentity`, which \
          Sentinel playbooks use everywhere; soarc accepts it. Values written as expressions \
          are not checked.",
    check,
};

const TYPES: &[&str] = &[
    "Basic",
    "ClientCertificate",
    "ActiveDirectoryOAuth",
    "Raw",
    "ManagedServiceIdentity",
];

fn check(ctx: &Context, sink: &mut Sink) {
    for wf in &ctx.workflows {
        for action in wf.triggers.iter().chain(&wf.actions) {
            let Some(node) = action
                .inputs()
                .and_then(|i| i.get_ci("authentication"))
                .and_then(|a| a.get_ci("type"))
            else {
                continue;
            };
            let Some(kind) = node.as_str() else { continue };
            if kind.starts_with('@') || kind.starts_with('[') {
                continue;
            }
            if !TYPES.iter().any(|t| t.eq_ignore_ascii_case(kind)) {
                sink.report(
                    &format!("{}/inputs/authentication/type", ctx.pointer(action.node)),
                    node.start(),
                    format!(
                        "authentication type '{kind}' of '{}' is not one of {}",
                        action.name,
                        TYPES.join(", ")
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run, workflow};

    fn http(auth: &str) -> String {
        workflow(&format!(
            r#"{{"h": {{"type": "Http", "inputs": {{"method": "GET", "uri": "https://x", "authentication": {{"type": "{auth}", "audience": "https://management.azure.com"}}}}}}}}"#
        ))
    }

    #[test]
    fn fails_on_unknown_type() {
        assert_eq!(expect("WDL020", &http("ManagedIdentity"), &[("/actions/h/inputs/authentication/type", "authentication type 'ManagedIdentity' of 'h' is not one of Basic, ClientCertificate, ActiveDirectoryOAuth, Raw, ManagedServiceIdentity")]).len(), 1);
    }

    #[test]
    fn passes_managed_identity_any_case() {
        assert!(run("WDL020", &http("ManagedServiceIdentity")).is_empty());
        assert!(run("WDL020", &http("managedserviceidentity")).is_empty());
    }
}
