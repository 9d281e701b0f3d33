//! A test's expectations checked against a run's trace. Every expectation that does not
//! hold yields a [`Mismatch`] that names it, where it is written, and what was expected
//! and what the run did instead (for a call's body, the first differing field).

use serde_json::Value;

use soarc_compiler::spec::Located;
use soarc_compiler::spec::tests::{CallMatch, Expect, ExpectedActionStatus};
use soarc_lang::diagnostics::Span;
use soarc_runtime::{ActionStatus, CallKind, CallTrace, RunTrace};

/// The operation name the simulator gives comments on Sentinel incidents.
pub const COMMENT_OPERATION: &str = "sentinel.add_comment";

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Mismatch {
    /// Which expectation, e.g. `expect.calls[1]` or `second_run.expect.status`.
    pub expectation: String,
    /// Where it is written.
    #[serde(skip)]
    pub span: Span,
    /// What was expected.
    pub expected: String,
    /// What the run did.
    pub actual: String,
}

/// Checks `expect` against `trace`; `prefix` names the expectation block in messages.
pub fn check(expect: &Located<Expect>, trace: &RunTrace, prefix: &str) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let mut push = |expectation: String, span: Span, expected: String, actual: String| {
        out.push(Mismatch {
            expectation,
            span,
            expected,
            actual,
        })
    };
    if let Some(status) = &expect.status
        && status.value.as_str() != trace.status.as_str()
    {
        let mut actual = format!("the run ended {}", trace.status.as_str());
        if let Some(error) = &trace.error {
            actual.push_str(&format!(" ({}: {})", error.code, error.message));
        }
        // The action where it went wrong: the first that failed for its own reason, not
        // because an action inside it failed.
        let failed = trace
            .actions
            .iter()
            .filter(|a| matches!(a.status, ActionStatus::Failed | ActionStatus::TimedOut));
        let first = failed
            .clone()
            .find(|a| a.error.as_ref().is_none_or(|e| e.code != "ActionFailed"))
            .or_else(|| failed.clone().next());
        if let Some(failed) = first {
            actual.push_str(&format!(
                "; first failed action: {} {}",
                failed.name,
                failed.status.as_str()
            ));
            if let Some(e) = &failed.error {
                actual.push_str(&format!(" ({}: {})", e.code, e.message));
            }
        }
        push(
            format!("{prefix}.status"),
            status.span,
            format!("the run ends {}", status.value.as_str()),
            actual,
        );
    }
    if let Some(error) = &expect.error {
        let actual = trace.error.as_ref();
        let described = actual.map_or_else(
            || "the run has no error".to_string(),
            |e| format!("error {}: {}", e.code, e.message),
        );
        if let Some(code) = &error.code
            && actual.is_none_or(|e| e.code != code.value)
        {
            push(
                format!("{prefix}.error.code"),
                code.span,
                format!("error code {}", code.value),
                described.clone(),
            );
        }
        if let Some(text) = &error.message_contains
            && actual.is_none_or(|e| !e.message.contains(&text.value))
        {
            push(
                format!("{prefix}.error.message_contains"),
                text.span,
                format!("an error message containing {:?}", text.value),
                described,
            );
        }
    }
    check_calls(expect, trace, prefix, &mut out);
    if let Some(texts) = &expect.comment_contains {
        let comments: Vec<&str> = comments(trace).collect();
        for text in &texts.value.0 {
            if !comments.iter().any(|c| c.contains(text.as_str())) {
                out.push(Mismatch {
                    expectation: format!("{prefix}.comment_contains"),
                    span: texts.span,
                    expected: format!("a comment on the incident containing {text:?}"),
                    actual: if comments.is_empty() {
                        "no comment was added to the incident".to_string()
                    } else {
                        format!(
                            "comments added: {}",
                            comments
                                .iter()
                                .map(|c| format!("{c:?}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    },
                });
            }
        }
    }
    for (name, expected) in &expect.variables {
        let expectation = format!("{prefix}.variables.{}", name.value);
        match trace.variables.get(name.value.as_str()) {
            None => out.push(Mismatch {
                expectation,
                span: name.span,
                expected: format!("variable {} = {}", name.value, compact(&expected.value)),
                actual: "the workflow has no such variable".to_string(),
            }),
            Some(actual) => {
                if let Err(diff) = contains(&expected.value, actual, &name.value) {
                    out.push(Mismatch {
                        expectation,
                        span: expected.span,
                        expected: diff.expected_text(),
                        actual: diff.actual_text(),
                    });
                }
            }
        }
    }
    for (name, status) in &expect.actions {
        if let Some(mismatch) = check_action(&name.value, status, trace, prefix) {
            out.push(mismatch);
        }
    }
    out
}

fn check_action(
    name: &str,
    status: &Located<ExpectedActionStatus>,
    trace: &RunTrace,
    prefix: &str,
) -> Option<Mismatch> {
    let records: Vec<_> = trace.action(name).collect();
    let want = status.value.as_str();
    let ok = if records.is_empty() {
        // Never reached (a branch not taken, a loop with no item): it did not run.
        status.value == ExpectedActionStatus::Skipped
    } else {
        records.iter().all(|r| r.status.as_str() == want)
    };
    if ok {
        return None;
    }
    let actual = if records.is_empty() {
        format!("{name} did not run")
    } else {
        let statuses: Vec<String> = records
            .iter()
            .map(|r| match &r.error {
                Some(e) => format!("{} ({}: {})", r.status.as_str(), e.code, e.message),
                None => r.status.as_str().to_string(),
            })
            .collect();
        format!("{name} ended {}", statuses.join(", "))
    };
    Some(Mismatch {
        expectation: format!("{prefix}.actions.{name}"),
        span: status.span,
        expected: format!("{name} ends {want}"),
        actual,
    })
}

/// The messages of the comments Sentinel accepted, in order. Calls are read before
/// run-history masking (`secureData`): a test checks what was sent.
pub fn comments(trace: &RunTrace) -> impl Iterator<Item = &str> {
    trace
        .calls
        .iter()
        .filter(|c| is_comment(c) && c.status.is_some_and(|s| (200..300).contains(&s)))
        .filter_map(|c| {
            // A message made from secured outputs (e.g. of an action holding a credential)
            // stays masked even before run-history masking; the Sentinel mock echoes the
            // comment it stored (`properties.message`).
            c.plain_body
                .get("message")
                .and_then(Value::as_str)
                .filter(|m| *m != soarc_runtime::trace::SECURED)
                .or_else(|| {
                    c.response
                        .pointer("/properties/message")
                        .and_then(Value::as_str)
                })
        })
}

fn is_comment(call: &CallTrace) -> bool {
    call.operation.as_deref() == Some(COMMENT_OPERATION)
        || (call.kind == CallKind::Connector
            && call
                .plain_uri
                .split('?')
                .next()
                .is_some_and(|p| p.ends_with("/Incidents/Comment")))
}

fn check_calls(expect: &Expect, trace: &RunTrace, prefix: &str, out: &mut Vec<Mismatch>) {
    let mut cursor = 0;
    for (i, wanted) in expect.calls.iter().enumerate() {
        let expectation = format!("{prefix}.calls[{i}]");
        let matching: Vec<usize> = trace
            .calls
            .iter()
            .enumerate()
            .filter(|(_, c)| matches(wanted, c).is_ok())
            .map(|(i, _)| i)
            .collect();
        if let Some(times) = &wanted.times
            && matching.len() != times.value as usize
        {
            out.push(Mismatch {
                expectation: expectation.clone(),
                span: times.span,
                expected: format!("{} {} time(s)", describe_match(wanted), times.value),
                actual: format!("sent {} time(s)", matching.len()),
            });
            if let Some(&first) = matching.iter().find(|&&m| m >= cursor) {
                cursor = first + 1;
            }
            continue;
        }
        match matching.iter().find(|&&m| m >= cursor) {
            Some(&found) => cursor = found + 1,
            None if !matching.is_empty() => out.push(Mismatch {
                expectation,
                span: wanted.span,
                expected: format!(
                    "{} after the call of {prefix}.calls[{}]",
                    describe_match(wanted),
                    i.saturating_sub(1)
                ),
                actual: format!(
                    "it was sent before it: {}",
                    describe_call(&trace.calls[matching[0]])
                ),
            }),
            None => out.push(Mismatch {
                expectation,
                span: wanted.span,
                expected: describe_match(wanted),
                actual: closest(wanted, trace),
            }),
        }
    }
    for (i, unwanted) in expect.no_calls.iter().enumerate() {
        if let Some(call) = trace.calls.iter().find(|c| matches(unwanted, c).is_ok()) {
            out.push(Mismatch {
                expectation: format!("{prefix}.no_calls[{i}]"),
                span: unwanted.span,
                expected: format!("no {}", describe_match(unwanted).trim_start_matches("a ")),
                actual: format!("sent {}", describe_call(call)),
            });
        }
    }
}

/// Why `call` does not match `wanted`: the first matcher that fails. URL and body are
/// compared as sent, before run-history masking.
fn matches(wanted: &CallMatch, call: &CallTrace) -> Result<(), String> {
    if let Some(op) = &wanted.operation
        && call.operation.as_deref() != Some(op.value.as_str())
    {
        return Err("operation".into());
    }
    if let Some(action) = &wanted.action
        && call.action != action.value
    {
        return Err("action".into());
    }
    if let Some(method) = &wanted.method
        && !call.method.eq_ignore_ascii_case(method.value.as_str())
    {
        return Err("method".into());
    }
    if let Some(uri) = &wanted.uri_contains
        && !call.plain_uri.contains(uri.value.as_str())
    {
        return Err("uri".into());
    }
    if let Some(body) = &wanted.body {
        return contains(&body.value, &call.plain_body, "body").map_err(|d| d.to_string());
    }
    Ok(())
}

/// The best explanation of why no call matched: a call that matches everything but the
/// body, with the first differing field; else the calls that were sent.
fn closest(wanted: &CallMatch, trace: &RunTrace) -> String {
    if let Some(body) = &wanted.body {
        let without_body = CallMatch {
            body: None,
            ..wanted.clone()
        };
        if let Some(call) = trace
            .calls
            .iter()
            .find(|c| matches(&without_body, c).is_ok())
            && let Err(diff) = contains(&body.value, &call.plain_body, "body")
        {
            return format!(
                "{} has {} where {} was expected",
                describe_call(call),
                diff.actual_text(),
                diff.expected_text()
            );
        }
    }
    if trace.calls.is_empty() {
        return "no call was sent".to_string();
    }
    const SHOWN: usize = 12;
    let mut sent: Vec<String> = trace.calls.iter().take(SHOWN).map(describe_call).collect();
    if trace.calls.len() > SHOWN {
        sent.push(format!("and {} more", trace.calls.len() - SHOWN));
    }
    format!("no such call; calls sent: {}", sent.join("; "))
}

/// `POST https://… (action Create_SEC_issue, operation jira.create_issue) answered 201`.
pub fn describe_call(call: &CallTrace) -> String {
    let mut text = format!("{} {} (action {}", call.method, call.plain_uri, call.action);
    if let Some(op) = &call.operation {
        text.push_str(&format!(", operation {op}"));
    }
    text.push(')');
    match call.status {
        Some(status) => text.push_str(&format!(" answered {status}")),
        None => text.push_str(" got no answer (timed out or not mocked)"),
    }
    text
}

fn describe_match(wanted: &CallMatch) -> String {
    let mut parts = Vec::new();
    if let Some(op) = &wanted.operation {
        parts.push(format!("operation {}", op.value));
    }
    if let Some(action) = &wanted.action {
        parts.push(format!("action {}", action.value));
    }
    if let Some(method) = &wanted.method {
        parts.push(method.value.as_str().to_string());
    }
    if let Some(uri) = &wanted.uri_contains {
        parts.push(format!("URL containing {:?}", uri.value));
    }
    if let Some(body) = &wanted.body {
        parts.push(format!("body containing {}", compact(&body.value)));
    }
    format!("a call: {}", parts.join(", "))
}

/// The first place where `actual` does not contain `expected`.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    /// Dotted path, e.g. `body.fields.priority.name` or `body.labels[1]`.
    pub path: String,
    pub expected: Value,
    /// `None`: the field is missing.
    pub actual: Option<Value>,
}

impl Diff {
    fn expected_text(&self) -> String {
        format!("{} = {}", self.path, compact(&self.expected))
    }

    fn actual_text(&self) -> String {
        match &self.actual {
            Some(v) => format!("{} = {}", self.path, compact(v)),
            None => format!("no {}", self.path),
        }
    }
}

impl std::fmt::Display for Diff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "expected {}, got {}",
            self.expected_text(),
            self.actual_text()
        )
    }
}

/// Whether `actual` contains `expected`: objects as subsets (keys of `expected` only),
/// arrays of equal length element by element, scalars equal.
pub fn contains(expected: &Value, actual: &Value, path: &str) -> Result<(), Box<Diff>> {
    let differ = || {
        Box::new(Diff {
            path: path.to_string(),
            expected: expected.clone(),
            actual: Some(actual.clone()),
        })
    };
    match (expected, actual) {
        (Value::Object(want), Value::Object(have)) => {
            for (key, value) in want {
                let path = format!("{path}.{key}");
                match have.get(key) {
                    Some(inner) => contains(value, inner, &path)?,
                    None => {
                        return Err(Box::new(Diff {
                            path,
                            expected: value.clone(),
                            actual: None,
                        }));
                    }
                }
            }
            Ok(())
        }
        (Value::Array(want), Value::Array(have)) => {
            if want.len() != have.len() {
                return Err(differ());
            }
            for (i, (w, h)) in want.iter().zip(have).enumerate() {
                contains(w, h, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => Ok(()),
        (a, b) if a == b => Ok(()),
        _ => Err(differ()),
    }
}

/// One-line JSON, cut at 300 characters.
pub fn compact(value: &Value) -> String {
    let text = value.to_string();
    const MAX: usize = 300;
    if text.chars().count() <= MAX {
        return text;
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subset_reports_the_first_differing_field() {
        let actual = json!({"fields": {"project": {"key": "SEC"}, "priority": {"name": "Medium"}, "labels": ["a", "b"]}});
        assert!(
            contains(
                &json!({"fields": {"project": {"key": "SEC"}}}),
                &actual,
                "body"
            )
            .is_ok()
        );
        let diff = contains(
            &json!({"fields": {"priority": {"name": "High"}}}),
            &actual,
            "body",
        )
        .unwrap_err();
        assert_eq!(diff.path, "body.fields.priority.name");
        assert_eq!(
            diff.to_string(),
            r#"expected body.fields.priority.name = "High", got body.fields.priority.name = "Medium""#
        );
        let diff = contains(
            &json!({"fields": {"assignee": {"id": "x"}}}),
            &actual,
            "body",
        )
        .unwrap_err();
        assert_eq!(diff.actual, None);
        assert!(contains(&json!({"fields": {"labels": ["a"]}}), &actual, "body").is_err());
        assert!(contains(&json!({"fields": {"labels": ["a", "b"]}}), &actual, "body").is_ok());
        // A number is not its text: what the service receives differs.
        assert!(contains(&json!({"u": 1}), &json!({"u": "1"}), "body").is_err());
        assert!(contains(&json!({"u": 1}), &json!({"u": 1.0}), "body").is_ok());
    }
}
