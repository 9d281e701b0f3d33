//! Reading `soarc run`'s inputs from files and writing its human-readable trace. (The CLI
//! only parses arguments and reads files; what they mean is decided here.)

use std::fmt::Write;

use indexmap::IndexMap;
use serde_json::Value;

use crate::LoadError;
use crate::trace::{ActionStatus, RunStatus, RunTrace};

/// Parameter values from a file: an ARM deployment parameters file
/// (`{"parameters": {"name": {"value": v}}}`) or a plain object (`{"name": v}`).
pub fn parameters_from(file: &Value) -> Result<IndexMap<String, Value>, LoadError> {
    let Some(obj) = file.as_object() else {
        return Err(LoadError::new(
            "the parameters file must be a JSON object: an ARM parameters file or {\"name\": value}",
        ));
    };
    if let Some(Value::Object(params)) = obj.get("parameters")
        && (obj.contains_key("$schema")
            || params
                .values()
                .all(|p| p.get("value").is_some() || p.get("reference").is_some()))
    {
        return Ok(params
            .iter()
            .filter_map(|(k, p)| p.get("value").map(|v| (k.clone(), v.clone())))
            .collect());
    }
    Ok(obj.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// `FIELD=VALUE` of `--set`: the value is JSON if it parses (`3`, `true`, `["a"]`), else
/// text (`High`).
pub fn parse_set(arg: &str) -> Result<(String, Value), LoadError> {
    let Some((field, value)) = arg.split_once('=') else {
        return Err(LoadError::new(format!(
            "--set `{arg}` needs the form FIELD=VALUE, e.g. --set severity=High or --set labels='[\"vuln\"]'"
        )));
    };
    let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
    Ok((field.trim().to_string(), value))
}

fn mark(status: ActionStatus) -> &'static str {
    match status {
        ActionStatus::Succeeded => "ok  ",
        ActionStatus::Failed => "FAIL",
        ActionStatus::Skipped => "skip",
        ActionStatus::TimedOut => "TIME",
    }
}

fn short(v: &Value, max: usize) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let s = s.replace('\n', " ");
    if s.chars().count() > max {
        s.chars().take(max).collect::<String>() + "…"
    } else {
        s
    }
}

/// The trace for a terminal: the run's status, each action indented by nesting with the
/// requests it sent, then the variables.
pub fn human(trace: &RunTrace) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "run {}", trace.status.as_str());
    if let Some(e) = &trace.error {
        let _ = writeln!(
            out,
            "  error {}: {}",
            e.code,
            e.message.replace('\n', "\n    ")
        );
    }
    if trace.status == RunStatus::Skipped {
        let _ = writeln!(out, "  the trigger's conditions were false: no action ran");
    }
    let mut calls = trace.calls.iter().peekable();
    for a in &trace.actions {
        let indent = "  ".repeat(a.depth + 1);
        let attempts = if a.attempts > 1 {
            format!(" ({} attempts)", a.attempts)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{indent}{} {} [{}]{attempts}",
            mark(a.status),
            a.name,
            a.kind
        );
        // The action's requests (calls are in order and belong to the running action).
        while let Some(c) = calls.peek() {
            if c.action != a.name || a.status == ActionStatus::Skipped {
                break;
            }
            let c = calls.next().expect("peeked");
            let answer = match c.status {
                Some(s) => s.to_string(),
                None => "no answer".to_string(),
            };
            let via = c
                .connection
                .as_deref()
                .map(|c| format!(" via {c}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{indent}       {} {}{via} -> {answer}",
                c.method,
                short(&Value::String(c.uri.clone()), 120)
            );
            if !c.body.is_null() {
                let _ = writeln!(out, "{indent}         body {}", short(&c.body, 160));
            }
        }
        if let Some(e) = &a.error
            && a.status != ActionStatus::Skipped
        {
            let _ = writeln!(
                out,
                "{indent}       {}: {}",
                e.code,
                short(&Value::String(e.message.clone()), 300)
            );
        }
    }
    if !trace.variables.is_empty() {
        let _ = writeln!(out, "variables");
        for (k, v) in &trace.variables {
            let _ = writeln!(out, "  {k} = {}", short(v, 160));
        }
    }
    let _ = writeln!(
        out,
        "{} action(s), {} request(s)",
        trace.actions.len(),
        trace.calls.len()
    );
    out
}
