//! WDL023: a credential written literally in an action's or trigger's inputs.

use super::{Rule, Severity, workflow_string};
use crate::context::Workflow;
use crate::json::{Member, Node, child, escape_token};
use crate::{Context, Sink};
use soarc_lang::wdl::expr::{Part, Template};

pub static RULE: Rule = Rule {
    code: "WDL023",
    title: "Hard-coded credential in a workflow",
    severity: Severity::Warning,
    doc: "An action or trigger sends a credential written out in the definition: a literal \
          `password`, `secret` or `pfx` (or `Raw` `value`) in `inputs.authentication`, a \
          literal `Authorization` or API-key header (`x-api-key`, \
          `Ocp-Apim-Subscription-Key`, `x-functions-key`, ...), or a key or token in the \
          query (`sig=`, `code=`, `api_key=`, `token=`, ... in `uri` or `queries`: SAS \
          tokens, Logic Apps callback signatures, Azure Functions and Automation webhook \
          keys). Anyone who can read the template, its source control or the Logic App's \
          definition has the secret, and rotating it means redeploying. Fetch it at run time \
          (Key Vault action with secure outputs), pass it in a `securestring` template \
          parameter, or use a managed identity. Expressions (`@...`, `@{...}`, and `[...]` \
          computed by ARM) are never reported, nor are values shorter than 8 characters in \
          headers and queries. Adapts arm-ttk's `adminPassword Should Not Be A Literal` to \
          workflow definitions, where arm-ttk does not look.",
    check,
};

/// Shortest header or query value taken for a credential.
const MIN_LEN: usize = 8;

/// Query parameter names that carry a credential (lowercase, without `-` and `_`).
const QUERY_NAMES: &[&str] = &[
    "sig",
    "code",
    "key",
    "apikey",
    "apitoken",
    "token",
    "accesstoken",
    "authtoken",
    "clientsecret",
    "secret",
    "password",
    "pwd",
    "subscriptionkey",
];

fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// `f` of [`normalize`]d `name`, on the stack for an ASCII name (almost all): every header
/// and query parameter of every action is asked about.
fn with_normalized<R>(name: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut stack = [0u8; 64];
    if name.is_ascii() && name.len() <= stack.len() {
        let mut n = 0;
        for b in name.bytes().filter(|b| !matches!(b, b'-' | b'_')) {
            stack[n] = b.to_ascii_lowercase();
            n += 1;
        }
        f(std::str::from_utf8(&stack[..n]).expect("ASCII"))
    } else {
        f(&normalize(name))
    }
}

/// Whether a header of this name carries a credential (also used by the compiler).
pub fn is_credential_header(name: &str) -> bool {
    with_normalized(name, credential_header)
}

fn credential_header(n: &str) -> bool {
    n == "authorization"
        || n == "proxyauthorization"
        || n == "ocpapimsubscriptionkey"
        || n == "xfunctionskey"
        || [
            "apikey",
            "apitoken",
            "accesstoken",
            "authtoken",
            "privatetoken",
            "password",
            "secret",
        ]
        .iter()
        .any(|s| n.ends_with(s))
}

/// Whether a query parameter of this name carries a credential (also used by the compiler).
pub fn is_credential_query(name: &str) -> bool {
    with_normalized(name, |n| QUERY_NAMES.contains(&n))
}

/// The member with this key, ignoring case (the last one, as lookups do).
fn member<'a>(node: Node<'a>, key: &str) -> Option<Member<'a>> {
    node.as_object()?
        .iter()
        .rev()
        .find(|m| m.key.eq_ignore_ascii_case(key))
}

/// The text of a string value that Logic Apps uses as is (no expression in it).
fn literal(wf: &Workflow, node: Node) -> Option<String> {
    match workflow_string(wf, node.as_str()?)? {
        Template::Literal(s) if !s.trim().is_empty() => Some(s),
        _ => None,
    }
}

fn check(ctx: &Context, sink: &mut Sink) {
    for wf in &ctx.workflows {
        for action in wf.triggers.iter().chain(&wf.actions) {
            let Some(inputs) = action.inputs_member() else {
                continue;
            };
            // Pointers relative to `inputs`; the action's own is rendered only for a finding.
            let mut found = Vec::new();
            scan(wf, inputs.value, "", &mut found);
            for key in ["subscribe", "unsubscribe"] {
                if let Some(m) = member(inputs.value, key) {
                    scan(wf, m.value, &child("", m.key), &mut found);
                }
            }
            if found.is_empty() {
                continue;
            }
            let base = child(&ctx.pointer(action.node), inputs.key);
            for (pointer, offset, what) in found {
                sink.report(
                    &format!("{base}{pointer}"),
                    offset,
                    format!(
                        "'{}' sends a hard-coded {what}; fetch it from Key Vault or pass it in a securestring parameter",
                        action.name
                    ),
                );
            }
        }
    }
}

/// Credentials in one `inputs` (or `subscribe`/`unsubscribe`) object.
fn scan(wf: &Workflow, inputs: Node, pointer: &str, found: &mut Vec<(String, usize, String)>) {
    if let Some(auth) = member(inputs, "authentication") {
        let auth_pointer = child(pointer, auth.key);
        let raw = auth
            .value
            .str_ci("type")
            .is_some_and(|t| t.eq_ignore_ascii_case("Raw"));
        for key in ["password", "secret", "pfx", "value"] {
            if key == "value" && !raw {
                continue;
            }
            if let Some(m) = member(auth.value, key)
                && literal(wf, m.value).is_some()
            {
                found.push((
                    child(&auth_pointer, m.key),
                    m.value.start(),
                    format!("{key} in inputs.authentication"),
                ));
            }
        }
    }
    if let Some(headers) = member(inputs, "headers")
        && let Some(members) = headers.value.as_object()
    {
        for m in members {
            if !is_credential_header(m.key) {
                continue;
            }
            let Some(text) = literal(wf, m.value) else {
                continue;
            };
            // `Basic xxx`, `Bearer xxx`, `SSWS xxx`: the credential is the last word.
            let credential = text.split_whitespace().last().unwrap_or("");
            if credential.len() >= MIN_LEN {
                found.push((
                    format!(
                        "{pointer}/{}/{}",
                        escape_token(headers.key),
                        escape_token(m.key)
                    ),
                    m.value.start(),
                    format!("'{}' header", m.key),
                ));
            }
        }
    }
    if let Some(queries) = member(inputs, "queries")
        && let Some(members) = queries.value.as_object()
    {
        for m in members {
            if is_credential_query(m.key)
                && literal(wf, m.value).is_some_and(|v| v.trim().len() >= MIN_LEN)
            {
                found.push((
                    format!(
                        "{pointer}/{}/{}",
                        escape_token(queries.key),
                        escape_token(m.key)
                    ),
                    m.value.start(),
                    format!("'{}' query parameter", m.key),
                ));
            }
        }
    }
    // A credential in the query needs a `?` or `&` in the text, which the template's literal
    // parts are taken from: other URIs are not parsed.
    if let Some(uri) = member(inputs, "uri")
        && let Some(template) = uri
            .value
            .as_str()
            .filter(|s| s.contains(['?', '&']))
            .and_then(|s| workflow_string(wf, s))
    {
        let texts: Vec<&str> = match &template {
            Template::Literal(s) => vec![s.as_str()],
            Template::Interpolated(parts) => parts
                .iter()
                .filter_map(|p| match p {
                    Part::Text(t) => Some(t.as_str()),
                    Part::Expr(_) => None,
                })
                .collect(),
            Template::Expr(_) => Vec::new(),
        };
        if let Some(name) = texts.iter().find_map(|t| credential_in_query(t)) {
            found.push((
                child(pointer, uri.key),
                uri.value.start(),
                format!("'{name}=' in the URI query"),
            ));
        }
    }
}

/// The first `?name=value` / `&name=value` in literal text whose name is a credential and
/// whose literal value is long enough.
fn credential_in_query(text: &str) -> Option<&str> {
    let mut rest = text;
    while let Some(i) = rest.find(['?', '&']) {
        rest = &rest[i + 1..];
        let end = rest.find(['&', '#', '?']).unwrap_or(rest.len());
        let pair = &rest[..end];
        if let Some((name, value)) = pair.split_once('=')
            && is_credential_query(name)
            && value.len() >= MIN_LEN
        {
            return Some(name);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, logic_app, run, workflow};
    use super::{credential_in_query, is_credential_header, is_credential_query};

    /// Names are compared without `-`, `_` and case, short ASCII names (on the stack) as
    /// long or non-ASCII ones.
    #[test]
    fn credential_names_whatever_their_spelling() {
        let long = format!("{}-Api-Key", "x".repeat(70));
        for name in [
            "Authorization",
            "X-API-KEY",
            "x_functions_key",
            "Ocp-Apim-Subscription-Key",
            &long,
            "Ä-Api-Key",
        ] {
            assert!(is_credential_header(name), "{name}");
        }
        for name in [
            "Content-Type",
            "X-Api-Key-Id",
            "Ä-Type",
            &format!("{}-Type", "x".repeat(70)),
        ] {
            assert!(!is_credential_header(name), "{name}");
        }
        assert!(is_credential_query("Api_Key"));
        assert!(is_credential_query("CLIENT-SECRET"));
        assert!(!is_credential_query("api-version"));
        assert!(!is_credential_query(&format!("{}apikey", "x".repeat(70))));
    }

    fn http(inputs: &str) -> String {
        workflow(&format!(
            r#"{{"h": {{"type": "Http", "inputs": {{"method": "GET", {inputs}}}}}}}"#
        ))
    }

    #[test]
    fn warns_on_literal_credentials() {
        let cases = [
            (
                r#""uri": "https://x", "authentication": {"type": "ActiveDirectoryOAuth", "tenant": "t", "audience": "a", "clientId": "c", "secret": "0ly7v+-]v-UHboj4D1g"}"#,
                "/actions/h/inputs/authentication/secret",
                "'h' sends a hard-coded secret in inputs.authentication; fetch it from Key Vault or pass it in a securestring parameter",
            ),
            (
                r#""uri": "https://x", "headers": {"Authorization": "Basic dXNlcjpwYXNzd29yZA=="}"#,
                "/actions/h/inputs/headers/Authorization",
                "'h' sends a hard-coded 'Authorization' header; fetch it from Key Vault or pass it in a securestring parameter",
            ),
            (
                r#""uri": "https://x", "headers": {"x-api-key": "3f2a9c0d8e7b6a51"}"#,
                "/actions/h/inputs/headers/x-api-key",
                "'h' sends a hard-coded 'x-api-key' header; fetch it from Key Vault or pass it in a securestring parameter",
            ),
            (
                r#""uri": "https://x.webhook.we.azure-automation.net/webhooks?token=t9PAWEuTQLghhRWw7Mdv""#,
                "/actions/h/inputs/uri",
                "'h' sends a hard-coded 'token=' in the URI query; fetch it from Key Vault or pass it in a securestring parameter",
            ),
            (
                r#""uri": "@{parameters('base')}/api/run?api-version=2016-10-01&sp=%2Ftriggers&sv=1.0&sig=AbCdEf0123456789""#,
                "/actions/h/inputs/uri",
                "'h' sends a hard-coded 'sig=' in the URI query; fetch it from Key Vault or pass it in a securestring parameter",
            ),
            (
                r#""uri": "https://f.azurewebsites.net/api/f", "queries": {"code": "aGVsbG8gd29ybGQ="}"#,
                "/actions/h/inputs/queries/code",
                "'h' sends a hard-coded 'code' query parameter; fetch it from Key Vault or pass it in a securestring parameter",
            ),
        ];
        for (case, pointer, message) in cases {
            let f = expect("WDL023", &http(case), &[(pointer, message)]);
            assert!(!f[0].message.contains("dXNlcjpw"), "never print the secret");
        }
    }

    #[test]
    fn passes_on_expressions_and_parameters() {
        let cases = [
            r#""uri": "https://x", "authentication": {"type": "Basic", "username": "u", "password": "@parameters('pw')"}"#,
            r#""uri": "https://x", "headers": {"Authorization": "Bearer @{body('Get_token')?['access_token']}"}"#,
            r#""uri": "https://x/api?code=@{parameters('key')}&name=Jira", "headers": {"Content-Type": "application/json"}"#,
            r#""uri": "https://x/rest/api/2/search?jql=key%3DPROJ-1&maxResults=50""#,
            r#""uri": "https://x", "queries": {"code": "200", "api-version": "2016-06-01"}"#,
            r#""uri": "https://x", "authentication": {"type": "Basic", "username": "u", "password": ""}"#,
        ];
        for case in cases {
            assert!(run("WDL023", &http(case)).is_empty(), "{case}");
        }
        // Strings that ARM computes at deployment are never literal credentials.
        let arm = logic_app(
            r#"{"triggers": {}, "actions": {"h": {"type": "Http", "inputs": {"method": "GET", "uri": "https://x",
                "headers": {"Authorization": "[concat('token ', parameters('apiToken'))]"}}}}}"#,
            "{}",
        );
        assert!(run("WDL023", &arm).is_empty());
    }

    #[test]
    fn query_scanning() {
        assert_eq!(
            credential_in_query("https://a/b?sv=2021&sig=abcdefgh123"),
            Some("sig")
        );
        assert_eq!(credential_in_query("https://a/b?code="), None);
        assert_eq!(credential_in_query("https://a/b#token=abcdefghij"), None);
    }
}
