//! Workflow functions ([FN] §"Workflow functions"): what the run provides, through [`Env`].
//!
//! Shorthands per [FN]: `body('x')` is "Shorthand for `actions('<actionName>').outputs.body`",
//! `outputs('x')` is the action's `outputs`, `triggerBody()` is "Shorthand for
//! `trigger().outputs.body`", `triggerOutputs()` is `trigger().outputs`;
//! `actionBody`/`actionOutputs` are the same as `body`/`outputs`.

use std::borrow::Cow;

use serde_json::Value;

use super::EvalError;
use super::call::{Args, R, V};
use super::value::to_text;

fn record<'a>(a: &Args<'_, 'a>, action: &str) -> R<'a> {
    a.ctx.env.action_ref(action).ok_or_else(|| {
        a.err(format_args!(
            "refers to action '{action}', which has not run in this run or is not defined in the workflow; reference only actions that run before this one (runAfter)"
        ))
    })
}

fn trigger<'a>(a: &Args<'_, 'a>) -> R<'a> {
    a.ctx
        .env
        .trigger_ref()
        .ok_or_else(|| a.err("cannot be evaluated: the run has no trigger record"))
}

pub(crate) fn call<'a>(a: &mut Args<'_, 'a>) -> R<'a> {
    let ctx = a.ctx;
    match a.name {
        "parameters" => {
            let name = a.str(0)?;
            ctx.env.parameter_ref(name).ok_or_else(|| {
                EvalError::new(format!(
                    "The workflow parameter '{name}' is not found. Declare it in the definition's 'parameters' section."
                ))
            })
        }
        "trigger" => trigger(a),
        "triggerOutputs" => ctx.path(trigger(a)?, &["outputs"]),
        "triggerBody" => ctx.path(trigger(a)?, &["outputs", "body"]),
        "actions" => record(a, a.str(0)?),
        "body" | "actionBody" => ctx.path(record(a, a.str(0)?)?, &["outputs", "body"]),
        "outputs" | "actionOutputs" => ctx.path(record(a, a.str(0)?)?, &["outputs"]),
        "action" => ctx.env.current_action().map(Cow::Owned).ok_or_else(|| {
            // [FN] §action: only in a webhook's `unsubscribe`, `trackedProperties` and an
            // Until loop's condition.
            a.err("can be used only in a webhook action's 'unsubscribe', in 'trackedProperties' and in an Until loop's condition")
        }),
        "variables" => {
            let name = a.str(0)?;
            ctx.env.variable_ref(name).ok_or_else(|| {
                EvalError::new(format!(
                    "The variable '{name}' is not initialized. Add an 'Initialize variable' action for it at the top level of the workflow, before this action."
                ))
            })
        }
        "item" => ctx.env.item_ref(None).ok_or_else(|| {
            a.err("can be used only inside a 'Foreach' loop or in the 'where'/'select' of a Filter array or Select action")
        }),
        "items" => {
            let name = a.str(0)?;
            ctx.env.item_ref(Some(name)).ok_or_else(|| {
                a.err(format_args!(
                    "refers to loop '{name}', which is not a 'Foreach' loop containing this action"
                ))
            })
        }
        "iterationIndexes" => {
            let name = a.str(0)?;
            ctx.env
                .iteration_index(name)
                .map(|i| Cow::Owned(Value::from(i)))
                .ok_or_else(|| {
                    a.err(format_args!(
                        "refers to loop '{name}', which is not an 'Until' loop containing this action"
                    ))
                })
        }
        "result" => {
            let Some(name) = a.opt_str(0)? else {
                return Err(a.err("needs the name of a scoped action (Scope, Foreach, Until, If, Switch): result('<scope>')"));
            };
            ctx.env.result(name).map(Cow::Owned).ok_or_else(|| {
                a.err(format_args!(
                    "refers to '{name}', which is not a scoped action that has run before this one"
                ))
            })
        }
        "workflow" => Ok(Cow::Owned(ctx.env.workflow())),
        "listCallbackUrl" => Ok(Cow::Owned(Value::String(callback_url(&ctx.env.workflow())))),
        "appsetting" => Err(a.err(
            "exists only in Logic Apps Standard; Sentinel playbooks run on Logic Apps Consumption, use parameters('<name>') instead",
        )),
        "formDataValue" => {
            let body = ctx.path(record(a, a.str(0)?)?, &["outputs", "body"])?;
            form_value(a, &body, a.str(1)?, false)
        }
        "formDataMultiValues" => {
            let body = ctx.path(record(a, a.str(0)?)?, &["outputs", "body"])?;
            form_value(a, &body, a.str(1)?, true)
        }
        "triggerFormDataValue" => {
            let body = ctx.path(trigger(a)?, &["outputs", "body"])?;
            form_value(a, &body, a.str(0)?, false)
        }
        "triggerFormDataMultiValues" => {
            let body = ctx.path(trigger(a)?, &["outputs", "body"])?;
            form_value(a, &body, a.str(0)?, true)
        }
        "multipartBody" => {
            let body = ctx.path(record(a, a.str(0)?)?, &["outputs", "body"])?;
            part(a, body, 1)
        }
        "triggerMultipartBody" => {
            let body = ctx.path(trigger(a)?, &["outputs", "body"])?;
            part(a, body, 0)
        }
        other => unreachable!("{other} is not a workflow function"),
    }
}

/// The callback URL of the workflow's trigger, shaped like the real one (the `sig` is fixed:
/// the simulator has no signing key).
fn callback_url(workflow: &Value) -> String {
    let get = |k: &str| {
        workflow
            .get(k)
            .map(|v| to_text(v).into_owned())
            .unwrap_or_default()
    };
    let location = get("location");
    let location = if location.is_empty() {
        "westeurope".to_string()
    } else {
        location
    };
    let name = get("name");
    format!(
        "https://prod-00.{location}.logic.azure.com/workflows/{name}/triggers/manual/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=simulated"
    )
}

/// `formDataValue`/`formDataMultiValues`: the values of `key` in a form-encoded body, given
/// either as the runtime's parsed `{"$formdata": [{"key", "value"}]}` or as the raw
/// `a=1&b=2` text. The single-value form fails when the key occurs more than once ([FN]
/// §formDataValue: "If more than one match exists, the function throws an error").
fn form_value<'a>(a: &Args<'_, 'a>, body: &Value, key: &str, multi: bool) -> R<'a> {
    let mut found: Vec<Value> = Vec::new();
    match body {
        Value::Object(m) if m.get("$formdata").is_some_and(Value::is_array) => {
            for entry in m["$formdata"].as_array().into_iter().flatten() {
                if entry.get("key").and_then(Value::as_str) == Some(key) {
                    found.push(entry.get("value").cloned().unwrap_or(Value::Null));
                }
            }
        }
        Value::String(s) => {
            for pair in s.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let decode = |t: &str| super::uri::percent_decode(&t.replace('+', " "));
                if decode(k).as_deref() == Some(key) {
                    found.push(Value::String(decode(v).unwrap_or_else(|| v.to_string())));
                }
            }
        }
        other => {
            return Err(a.err(format_args!(
                "expects form-data or form-encoded content; the body is of type '{}'",
                super::value::type_name(other)
            )));
        }
    }
    if multi {
        return Ok(Cow::Owned(Value::Array(found)));
    }
    match found.len() {
        0 => Ok(Cow::Owned(Value::Null)),
        1 => Ok(Cow::Owned(found.pop().unwrap_or(Value::Null))),
        n => Err(a.err(format_args!(
            "found {n} values for key '{key}'; use formDataMultiValues() to get them all"
        ))),
    }
}

/// `multipartBody(action, index)`: the body of part `index` of a multipart body
/// (`{"$multipart": [{"headers", "body"}]}`).
fn part<'a>(a: &Args<'_, 'a>, body: V<'a>, index_arg: usize) -> R<'a> {
    let index = a.int(index_arg)?;
    let parts = body.get("$multipart").and_then(Value::as_array);
    let Some(parts) = parts else {
        return Err(a.err("expects multipart content ('$multipart'); the body has no parts"));
    };
    usize::try_from(index)
        .ok()
        .and_then(|i| parts.get(i))
        .map(|p| Cow::Owned(p.get("body").cloned().unwrap_or(Value::Null)))
        .ok_or_else(|| {
            a.err(format_args!(
                "was given part index {index}, but the content has {} part(s)",
                parts.len()
            ))
        })
}
