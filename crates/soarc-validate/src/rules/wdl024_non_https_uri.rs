//! WDL024: an HTTP call over plain `http://`.

use super::{Rule, Severity, workflow_string};
use crate::json::{Member, Node, child};
use crate::{Context, Sink};
use soarc_lang::wdl::expr::{Part, Template};

pub static RULE: Rule = Rule {
    code: "WDL024",
    title: "HTTP call without TLS",
    severity: Severity::Warning,
    doc: "The `uri` of an action or trigger (Http, HttpWebhook `subscribe`/`unsubscribe`, or \
          any other inputs with a `uri`) is a literal starting with `http://`, or an \
          interpolation whose literal beginning is (`http://api.example.com/@{...}`). The \
          request, its headers and credentials, and the response cross the network \
          unencrypted; incident data from Sentinel should not. Use `https://`. Loopback \
          hosts (`localhost`, `127.0.0.1`, `[::1]`) are not reported, nor are URIs computed \
          entirely by an expression.",
    check,
};

fn member<'a>(node: Node<'a>, key: &str) -> Option<Member<'a>> {
    node.as_object()?
        .iter()
        .rev()
        .find(|m| m.key.eq_ignore_ascii_case(key))
}

/// The URI's literal beginning, if it has one.
fn prefix(template: &Template) -> Option<&str> {
    match template {
        Template::Literal(s) => Some(s),
        Template::Interpolated(parts) => match parts.first() {
            Some(Part::Text(t)) => Some(t),
            _ => None,
        },
        Template::Expr(_) => None,
    }
}

fn is_plain_http(uri: &str) -> bool {
    let uri = uri.trim_start();
    // Most URIs are not plain http: decide that before lower-casing a copy.
    if !uri
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("http://"))
    {
        return false;
    }
    let lower = uri.to_ascii_lowercase();
    let rest = &lower[7..];
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        host.split(':').next().unwrap_or(host)
    };
    !(host == "localhost" || host == "127.0.0.1" || host == "[::1]")
}

fn check(ctx: &Context, sink: &mut Sink) {
    for wf in &ctx.workflows {
        for action in wf.triggers.iter().chain(&wf.actions) {
            let Some(inputs) = action.inputs_member() else {
                continue;
            };
            // Pointers relative to `inputs`; the action's own is rendered only for a finding.
            let mut places = vec![(String::new(), inputs.value)];
            for key in ["subscribe", "unsubscribe"] {
                if let Some(m) = member(inputs.value, key) {
                    places.push((child("", m.key), m.value));
                }
            }
            for (pointer, node) in places {
                let Some(uri) = member(node, "uri") else {
                    continue;
                };
                let Some(template) = uri.value.as_str().and_then(|s| workflow_string(wf, s)) else {
                    continue;
                };
                if prefix(&template).is_some_and(is_plain_http) {
                    let base = child(&ctx.pointer(action.node), inputs.key);
                    sink.report(
                        &child(&format!("{base}{pointer}"), uri.key),
                        uri.value.start(),
                        format!("'{}' calls a plain http:// URI; use https://", action.name),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run, workflow};
    use super::is_plain_http;

    fn http(uri: &str) -> String {
        workflow(&format!(
            r#"{{"h": {{"type": "Http", "inputs": {{"method": "GET", "uri": "{uri}"}}}}}}"#
        ))
    }

    #[test]
    fn warns_on_plain_http() {
        assert_eq!(
            expect(
                "WDL024",
                &http("http://ip-api.com/json/1.2.3.4"),
                &[(
                    "/actions/h/inputs/uri",
                    "'h' calls a plain http:// URI; use https://"
                )]
            )
            .len(),
            1
        );
        assert_eq!(
            expect(
                "WDL024",
                &http("HTTP://ip-api.com/json/@{variables('ip')}"),
                &[(
                    "/actions/h/inputs/uri",
                    "'h' calls a plain http:// URI; use https://"
                )]
            )
            .len(),
            1
        );
        let hook = workflow(
            r#"{"w": {"type": "HttpWebhook", "inputs": {"subscribe": {"method": "POST", "uri": "http://x/subscribe"},
                "unsubscribe": {"method": "POST", "uri": "https://x/unsubscribe"}}}}"#,
        );
        assert_eq!(
            expect(
                "WDL024",
                &hook,
                &[(
                    "/actions/w/inputs/subscribe/uri",
                    "'w' calls a plain http:// URI; use https://"
                )]
            )
            .len(),
            1
        );
    }

    /// With `inputs` written twice in different cases, the one read is the one every rule
    /// reads (`get_ci`: the exact spelling first), and the pointer uses its key as written.
    #[test]
    fn reads_the_inputs_every_rule_reads() {
        let t = workflow(
            r#"{"h": {"type": "Http", "Inputs": {"method": "GET", "uri": "http://a.example/"},
                "inputs": {"method": "GET", "uri": "https://a.example/"}},
                "g": {"type": "Http", "INPUTS": {"method": "GET", "uri": "http://b.example/"}}}"#,
        );
        assert_eq!(
            expect(
                "WDL024",
                &t,
                &[(
                    "/actions/g/INPUTS/uri",
                    "'g' calls a plain http:// URI; use https://"
                )]
            )
            .len(),
            1
        );
    }

    #[test]
    fn passes_on_https_loopback_and_expressions() {
        for uri in [
            "https://ip-api.com/json",
            "http://localhost:7071/api/f",
            "@{parameters('base')}/api",
            "@parameters('uri')",
        ] {
            assert!(run("WDL024", &http(uri)).is_empty(), "{uri}");
        }
        assert!(!is_plain_http("http://127.0.0.1/x"));
        assert!(!is_plain_http("http://[::1]:80/x"));
        assert!(is_plain_http("http://user@example.com/"));
    }
}
