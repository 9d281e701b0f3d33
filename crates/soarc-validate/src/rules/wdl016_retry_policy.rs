//! WDL016: a retry policy outside Logic Apps' bounds.

use soarc_lang::limits::{self, duration_seconds};

use super::{Rule, Severity};
use crate::json::{Node, Value};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "WDL016",
    title: "Retry policy outside Logic Apps' bounds",
    severity: Severity::Error,
    doc: "`inputs.retryPolicy` accepts `type` `none`, `fixed` or `exponential` \
          (case-insensitive; `default` is tolerated), a `count` from 1 to 90, and `interval`, \
          `minimumInterval`, `maximumInterval` as ISO 8601 durations from PT5S to P1D (Learn, \
          \"Handle errors and exceptions\" and \"Limits and configuration\"). Values written \
          as expressions are not checked.",
    check,
};

const TYPES: &[&str] = &["none", "fixed", "exponential", "default"];
const MIN_SECONDS: f64 = limits::MIN_RETRY_INTERVAL_SECONDS as f64;
const MAX_SECONDS: f64 = limits::MAX_RETRY_INTERVAL_SECONDS as f64;

fn is_expression(node: Node) -> bool {
    node.as_str()
        .is_some_and(|s| s.starts_with('@') || s.starts_with('['))
}

fn check(ctx: &Context, sink: &mut Sink) {
    for wf in &ctx.workflows {
        for action in wf.triggers.iter().chain(&wf.actions) {
            let Some(policy) = action.inputs().and_then(|i| i.get_ci("retryPolicy")) else {
                continue;
            };
            let base = format!("{}/inputs/retryPolicy", ctx.pointer(action.node));
            if policy.as_object().is_none() {
                continue;
            }
            if let Some(kind) = policy.get_ci("type")
                && !is_expression(kind)
                && !kind
                    .as_str()
                    .is_some_and(|k| TYPES.iter().any(|t| t.eq_ignore_ascii_case(k)))
            {
                sink.report(
                    &format!("{base}/type"),
                    kind.start(),
                    "retry policy type must be none, fixed or exponential",
                );
            }
            if let Some(count) = policy.get_ci("count")
                && !is_expression(count)
            {
                let value = match count.value() {
                    Value::Number(n) => n.parse::<f64>().ok(),
                    Value::String(s) => s.parse::<f64>().ok(),
                    _ => None,
                };
                if !value.is_some_and(|v| (1.0..=90.0).contains(&v) && v.fract() == 0.0) {
                    sink.report(
                        &format!("{base}/count"),
                        count.start(),
                        "retry policy count must be a whole number from 1 to 90",
                    );
                }
            }
            for key in ["interval", "minimumInterval", "maximumInterval"] {
                let Some(node) = policy.get_ci(key) else {
                    continue;
                };
                if is_expression(node) {
                    continue;
                }
                let seconds = node.as_str().and_then(duration_seconds);
                let ok = seconds.is_some_and(|s| (MIN_SECONDS..=MAX_SECONDS).contains(&s));
                if !ok {
                    let shown = node.as_str().unwrap_or("(not a string)");
                    sink.report(
                        &format!("{base}/{key}"),
                        node.start(),
                        format!(
                            "retry policy {key} '{shown}' must be an ISO 8601 duration from PT5S to P1D"
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run, workflow};
    use super::duration_seconds;

    fn with_policy(policy: &str) -> String {
        workflow(&format!(
            r#"{{"h": {{"type": "Http", "inputs": {{"method": "GET", "uri": "https://x", "retryPolicy": {policy}}}}}}}"#
        ))
    }

    #[test]
    fn durations() {
        assert_eq!(duration_seconds("PT5S"), Some(5.0));
        assert_eq!(duration_seconds("P1DT1H"), Some(90_000.0));
        assert_eq!(duration_seconds("PT1.5M"), Some(90.0));
        assert_eq!(duration_seconds("P1M"), None);
        assert_eq!(duration_seconds("5s"), None);
        assert_eq!(duration_seconds("PT"), None);
    }

    #[test]
    fn fails_out_of_bounds() {
        let t = with_policy(r#"{"type": "Fixed", "count": 91, "interval": "PT1S"}"#);
        assert_eq!(
            expect(
                "WDL016",
                &t,
                &[
                    (
                        "/actions/h/inputs/retryPolicy/count",
                        "retry policy count must be a whole number from 1 to 90"
                    ),
                    (
                        "/actions/h/inputs/retryPolicy/interval",
                        "retry policy interval 'PT1S' must be an ISO 8601 duration from PT5S to P1D"
                    )
                ]
            )
            .len(),
            2
        );
        let t = with_policy(r#"{"type": "linear", "count": 3, "interval": "P2D"}"#);
        assert_eq!(
            expect(
                "WDL016",
                &t,
                &[
                    (
                        "/actions/h/inputs/retryPolicy/type",
                        "retry policy type must be none, fixed or exponential"
                    ),
                    (
                        "/actions/h/inputs/retryPolicy/interval",
                        "retry policy interval 'P2D' must be an ISO 8601 duration from PT5S to P1D"
                    )
                ]
            )
            .len(),
            2
        );
    }

    #[test]
    fn passes_within_bounds_and_expressions() {
        for p in [
            r#"{"type": "none"}"#,
            r#"{"type": "fixed", "count": 90, "interval": "PT5S"}"#,
            r#"{"type": "Exponential", "count": "@parameters('n')", "interval": "PT10S", "minimumInterval": "PT5S", "maximumInterval": "P1D"}"#,
        ] {
            assert!(run("WDL016", &with_policy(p)).is_empty(), "{p}");
        }
    }
}
