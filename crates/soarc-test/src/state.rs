//! What a second run of a test starts from: the services as the first run left them.
//!
//! The simulator's built-in mocks answer from [`soarc_runtime::MockData`]; a run does not
//! change it. For `second_run`, the records the first run created are added to it (a
//! ServiceNow incident it created is found by the second run's queries, a Jira issue by its
//! JQL searches), and the labels it added to the Sentinel incident are on the incident the
//! second run receives, as they would be when an automation rule runs the playbook again.

use serde_json::{Map, Value, json};

use soarc_runtime::{RunOptions, RunTrace, TriggerInput};

/// The options of the second run: `second` (its mocks) with the state `first` left.
pub fn carry_over(
    second: &RunOptions,
    first: &RunOptions,
    trace: &RunTrace,
) -> Result<RunOptions, String> {
    let mut options = second.clone();
    options.mocks.data = first.mocks.data.clone();
    let mut added_labels = Vec::new();
    for call in &trace.calls {
        if !call.status.is_some_and(|s| (200..300).contains(&s)) {
            continue;
        }
        match call.operation.as_deref() {
            // Table API create: the record as stored is the request's fields plus what the
            // instance filled in (`sys_id`, `number`, ...).
            Some("servicenow.create_incident") => {
                let mut record = call.plain_body.as_object().cloned().unwrap_or_default();
                if let Some(Value::Object(result)) = call.response.get("result") {
                    record.extend(result.clone());
                }
                options
                    .mocks
                    .data
                    .servicenow_records
                    .push(Value::Object(record));
            }
            // Jira create issue answers `{id, key, self}`; the issue has the request's fields.
            Some("jira.create_issue") => {
                let mut issue = Map::new();
                for key in ["id", "key", "self"] {
                    if let Some(v) = call.response.get(key) {
                        issue.insert(key.into(), v.clone());
                    }
                }
                let mut fields = call.plain_body.get("fields").cloned().unwrap_or(json!({}));
                if let Some(f) = fields.as_object_mut() {
                    f.entry("status")
                        .or_insert(json!({"name": "To Do", "statusCategory": {"key": "new"}}));
                }
                issue.insert("fields".into(), fields);
                options.mocks.data.jira_issues.push(Value::Object(issue));
            }
            _ => {}
        }
        // The Sentinel connector's "Update incident" adds tags as
        // `tagsToAdd.TagsToAdd[].Tag`. Read the body as sent, not as the trace shows it: an
        // update built from secured outputs (a Jira key) is masked in `body` and `plain_body`.
        if let Some(Value::Array(tags)) = call
            .sent_body
            .get("tagsToAdd")
            .and_then(|t| t.get("TagsToAdd"))
        {
            added_labels.extend(
                tags.iter()
                    .filter_map(|t| t.get("Tag").and_then(Value::as_str))
                    .map(str::to_string),
            );
        }
    }
    if !added_labels.is_empty() {
        let mut payload = match &first.trigger {
            TriggerInput::Payload(p) => p.clone(),
            TriggerInput::Sample(sample) => {
                soarc_runtime::samples::build(sample).map_err(|e| e.message)?
            }
        };
        if let Some(Value::Array(labels)) = payload.pointer_mut("/object/properties/labels") {
            for label in added_labels {
                if !labels
                    .iter()
                    .any(|l| l.get("labelName") == Some(&json!(label)))
                {
                    labels.push(json!({"labelName": label, "labelType": "User"}));
                }
            }
        }
        options.trigger = TriggerInput::Payload(payload);
    }
    Ok(options)
}
