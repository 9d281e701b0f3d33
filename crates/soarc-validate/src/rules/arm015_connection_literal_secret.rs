//! ARM015: an API connection is given a literal password, key or token.

use super::arm014_secret_parameter_not_secure::secret_word;
use super::{Rule, Severity};
use crate::json::{Node, child, escape_token};
use crate::{Context, Sink};
use soarc_lang::arm::expr::{StringKind, classify};

pub static RULE: Rule = Rule {
    code: "ARM015",
    title: "API connection has a hard-coded credential",
    severity: Severity::Warning,
    doc: "A `Microsoft.Web/connections` resource sets a credential in `parameterValues` (or \
          `parameterValueSet.values`) to a literal string: a `password`, `sharedkey`, \
          `apiKey`, `token`, `connectionString` and the like (adapted from arm-ttk's \
          `adminPassword Should Not Be A Literal`). The secret then sits in the template, in \
          source control and in the deployment history. Pass it in a `securestring` \
          parameter (`[parameters('x')]`, ideally a Key Vault reference in the parameters \
          file) or compute it (`[listKeys(...)]`). Expressions and empty strings are not \
          reported.",
    check,
};

/// Connection parameter names that are credentials although no secret word says so.
const CREDENTIAL_NAMES: &[&str] = &["token", "key", "sastoken", "pfx", "clientsecret"];

fn is_credential(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    secret_word(name).is_some() || CREDENTIAL_NAMES.contains(&lower.as_str())
}

fn check(ctx: &Context, sink: &mut Sink) {
    for scope in &ctx.scopes {
        for resource in &scope.resources {
            if !resource
                .full_type
                .eq_ignore_ascii_case("Microsoft.Web/connections")
            {
                continue;
            }
            let Some(props) = resource.node.get_ci("properties") else {
                continue;
            };
            let props_pointer = child(&resource.pointer, "properties");
            let name = resource.name.unwrap_or("connection");
            if let Some(values) = props.get_ci("parameterValues").and_then(Node::as_object) {
                for m in values {
                    let pointer =
                        format!("{props_pointer}/parameterValues/{}", escape_token(m.key));
                    report(sink, name, m.key, m.value, &pointer);
                }
            }
            if let Some(values) = props
                .get_ci("parameterValueSet")
                .and_then(|s| s.get_ci("values"))
                .and_then(Node::as_object)
            {
                for m in values {
                    if let Some(value) = m.value.get_ci("value") {
                        let pointer = format!(
                            "{props_pointer}/parameterValueSet/values/{}/value",
                            escape_token(m.key)
                        );
                        report(sink, name, m.key, value, &pointer);
                    }
                }
            }
        }
    }
}

fn report(sink: &mut Sink, connection: &str, key: &str, value: Node, pointer: &str) {
    let Some(text) = value.as_str() else { return };
    if text.trim().is_empty() || classify(text) == StringKind::Expression || !is_credential(key) {
        return;
    }
    sink.report(
        pointer,
        value.start(),
        format!(
            "connection '{connection}' has a literal '{key}'; pass it in a securestring parameter"
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect, run};

    fn connection(values: &str) -> String {
        arm(
            r#"{"pw": {"type": "securestring"}}"#,
            "{}",
            &format!(
                r#"[{{"type": "Microsoft.Web/connections", "apiVersion": "2016-06-01", "name": "snow",
                    "location": "[resourceGroup().location]", "properties": {{"parameterValues": {values}}}}}]"#
            ),
        )
    }

    #[test]
    fn warns_on_literal_credentials() {
        let f = expect(
            "ARM015",
            &connection(r#"{"username": "bot", "password": "hunter2", "sharedkey": "abc=="}"#),
            &[
                (
                    "/resources/0/properties/parameterValues/password",
                    "connection 'snow' has a literal 'password'; pass it in a securestring parameter",
                ),
                (
                    "/resources/0/properties/parameterValues/sharedkey",
                    "connection 'snow' has a literal 'sharedkey'; pass it in a securestring parameter",
                ),
            ],
        );
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].message.contains("'password'"));
    }

    #[test]
    fn passes_on_parameters_and_expressions() {
        let t = connection(
            r#"{"username": "bot", "password": "[parameters('pw')]", "instance": "https://x.service-now.com",
                "sharedkey": "[listKeys(resourceId('Microsoft.Storage/storageAccounts', 's'), '2019-06-01').keys[0].value]",
                "token": ""}"#,
        );
        assert!(run("ARM015", &t).is_empty());
    }
}
