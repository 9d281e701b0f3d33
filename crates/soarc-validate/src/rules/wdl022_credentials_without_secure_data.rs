//! WDL022: credentials in an action's inputs without secure inputs.

use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "WDL022",
    title: "Credentials in inputs without secure inputs",
    severity: Severity::Warning,
    doc: "An action's `inputs.authentication` carries a `password`, `secret` or `pfx`, but \
          `runtimeConfiguration.secureData.properties` does not include `inputs`. The run \
          history then shows the credential to anyone who can read the Logic App's runs. \
          Turn on Secure inputs (Learn, \"Secure access and data in Azure Logic Apps\"), or use \
          a managed identity.",
    check,
};

const SECRETS: &[&str] = &["password", "secret", "pfx"];

fn check(ctx: &Context, sink: &mut Sink) {
    for wf in &ctx.workflows {
        for action in wf.triggers.iter().chain(&wf.actions) {
            let Some(auth) = action.inputs().and_then(|i| i.get_ci("authentication")) else {
                continue;
            };
            let Some(secret) = SECRETS.iter().find(|k| auth.get_ci(k).is_some()) else {
                continue;
            };
            let secured = action
                .node
                .get_ci("runtimeConfiguration")
                .and_then(|r| r.get_ci("secureData"))
                .and_then(|s| s.get_ci("properties"))
                .and_then(|p| p.as_array())
                .is_some_and(|p| {
                    p.iter()
                        .any(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("inputs")))
                });
            if !secured {
                sink.report(
                    &format!("{}/inputs/authentication", ctx.pointer(action.node)),
                    auth.start(),
                    format!(
                        "'{}' sends a {secret} but its inputs are not secured (runtimeConfiguration.secureData)",
                        action.name
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run, workflow};

    fn http(extra: &str) -> String {
        workflow(&format!(
            r#"{{"h": {{"type": "Http", "inputs": {{"method": "GET", "uri": "https://x",
                "authentication": {{"type": "Basic", "username": "u", "password": "@parameters('pw')"}}}}{extra}}}}}"#
        ))
    }

    #[test]
    fn warns_without_secure_inputs() {
        assert_eq!(expect("WDL022", &http(""), &[("/actions/h/inputs/authentication", "'h' sends a password but its inputs are not secured (runtimeConfiguration.secureData)")]).len(), 1);
    }

    #[test]
    fn passes_with_secure_inputs() {
        let t = http(
            r#", "runtimeConfiguration": {"secureData": {"properties": ["inputs", "outputs"]}}"#,
        );
        assert!(run("WDL022", &t).is_empty());
    }
}
