//! One test per run-time rule of the interpreter, each on a small workflow. The Learn page
//! of each rule is cited in the interpreter (src/interp).

use serde_json::{Value, json};
use soarc_runtime::{
    ActionStatus, CallKind, Mock, MockData, MockResponse, Mocks, RunOptions, RunStatus, RunTrace,
    Sample, SampleKind, TriggerInput, run,
};

fn workflow(actions: Value) -> Value {
    json!({
        "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"$connections": {"type": "Object", "defaultValue": {}}},
        "triggers": {"manual": {"type": "Request", "kind": "Http", "inputs": {"schema": {}}}},
        "actions": actions
    })
}

fn with_mocks(mocks: Vec<Mock>) -> RunOptions {
    RunOptions {
        trigger: TriggerInput::Payload(json!({"severity": "High"})),
        mocks: Mocks {
            mocks,
            data: MockData::default(),
        },
        ..RunOptions::default()
    }
}

fn run_actions(actions: Value) -> RunTrace {
    run(&workflow(actions), &with_mocks(vec![])).unwrap()
}

fn status_of(trace: &RunTrace, name: &str) -> ActionStatus {
    trace
        .action(name)
        .last()
        .unwrap_or_else(|| panic!("{name} not in trace: {trace:#?}"))
        .status
}

fn http(uri: &str) -> Value {
    json!({"type": "Http", "inputs": {"method": "POST", "uri": uri, "body": {"a": 1}}, "runAfter": {}})
}

fn failing_compose() -> Value {
    // Reading a missing property without `?` is a run-time error.
    json!({"type": "Compose", "inputs": "@triggerBody()['missing']['deeper']", "runAfter": {}})
}

#[test]
fn trace_serialises_to_the_documented_object() {
    let trace = run_actions(json!({
        "Say": {"type": "Compose", "inputs": "hello", "runAfter": {}}
    }));
    let v = serde_json::to_value(&trace).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["status", "actions", "calls", "variables"]);
    assert_eq!(v["status"], "Succeeded");
    assert_eq!(
        v["actions"][0],
        json!({"name": "Say", "type": "Compose", "status": "Succeeded", "attempts": 1, "inputs": "hello", "outputs": "hello"})
    );
}

#[test]
fn a_failure_skips_successors_and_fails_the_run() {
    let trace = run_actions(json!({
        "Boom": failing_compose(),
        "After": {"type": "Compose", "inputs": 1, "runAfter": {"Boom": ["Succeeded"]}}
    }));
    assert_eq!(status_of(&trace, "Boom"), ActionStatus::Failed);
    assert_eq!(status_of(&trace, "After"), ActionStatus::Skipped);
    assert_eq!(trace.action("After").next().unwrap().attempts, 0);
    // The branch ends in a Skipped action: its status is its predecessor's (Failed).
    assert_eq!(trace.status, RunStatus::Failed);
    let error = trace.action("After").next().unwrap().error.clone().unwrap();
    assert_eq!(error.code, "ActionConditionFailed");
    assert!(
        error
            .message
            .contains("Expected status values 'Succeeded' and actual value 'Failed'")
    );
}

#[test]
fn a_catch_that_runs_makes_the_branch_succeed() {
    let trace = run_actions(json!({
        "Boom": failing_compose(),
        "Catch": {"type": "Compose", "inputs": "handled", "runAfter": {"Boom": ["Failed", "TimedOut"]}}
    }));
    assert_eq!(status_of(&trace, "Catch"), ActionStatus::Succeeded);
    assert_eq!(trace.status, RunStatus::Succeeded);
}

#[test]
fn a_skipped_catch_takes_the_status_of_its_predecessor() {
    let trace = run_actions(json!({
        "Try": {"type": "Compose", "inputs": 1, "runAfter": {}},
        "Catch": {"type": "Compose", "inputs": 2, "runAfter": {"Try": ["Failed"]}}
    }));
    assert_eq!(status_of(&trace, "Catch"), ActionStatus::Skipped);
    assert_eq!(trace.status, RunStatus::Succeeded);
}

#[test]
fn run_after_skipped_runs_after_a_skipped_action() {
    let trace = run_actions(json!({
        "Boom": failing_compose(),
        "Skipped_one": {"type": "Compose", "inputs": 1, "runAfter": {"Boom": ["Succeeded"]}},
        "Always": {"type": "Compose", "inputs": 2, "runAfter": {"Skipped_one": ["Skipped"]}}
    }));
    assert_eq!(status_of(&trace, "Always"), ActionStatus::Succeeded);
    assert_eq!(trace.status, RunStatus::Succeeded);
}

#[test]
fn any_failed_parallel_branch_fails_the_run() {
    let trace = run_actions(json!({
        "Fine": {"type": "Compose", "inputs": 1, "runAfter": {}},
        "Boom": failing_compose()
    }));
    assert_eq!(trace.status, RunStatus::Failed);
    assert_eq!(trace.error.as_ref().unwrap().code, "ActionFailed");
}

#[test]
fn actions_run_in_run_after_order_not_definition_order() {
    let trace = run_actions(json!({
        "Second": {"type": "Compose", "inputs": "@outputs('First')", "runAfter": {"First": ["Succeeded"]}},
        "First": {"type": "Compose", "inputs": "one", "runAfter": {}}
    }));
    let names: Vec<&str> = trace.actions.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["First", "Second"]);
    assert_eq!(trace.action("Second").next().unwrap().outputs, "one");
}

#[test]
fn a_scope_fails_when_an_inner_branch_fails_and_result_lists_its_actions() {
    let trace = run_actions(json!({
        "Main": {"type": "Scope", "runAfter": {}, "actions": {
            "Ok": {"type": "Compose", "inputs": 1, "runAfter": {}},
            "Boom": failing_compose()
        }},
        "Failed_actions": {"type": "Query", "runAfter": {"Main": ["Failed"]}, "inputs": {
            "from": "@result('Main')",
            "where": "@equals(item()?['status'], 'Failed')"
        }},
        "Report": {"type": "Compose", "runAfter": {"Failed_actions": ["Succeeded"]},
                   "inputs": "@body('Failed_actions')"}
    }));
    assert_eq!(status_of(&trace, "Main"), ActionStatus::Failed);
    let report = &trace.action("Report").next().unwrap().outputs;
    let failed: Vec<&str> = report
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["Boom"]);
    assert_eq!(report[0]["error"]["code"], "InvalidTemplate");
    // The catch branch succeeded: the run succeeds.
    assert_eq!(trace.status, RunStatus::Succeeded);
}

#[test]
fn terminate_sets_the_run_status_and_skips_the_rest() {
    let trace = run_actions(json!({
        "Stop": {"type": "Terminate", "runAfter": {}, "inputs": {
            "runStatus": "Failed", "runError": {"code": "NoTicket", "message": "nothing to do"}}},
        "Later": {"type": "Compose", "inputs": 1, "runAfter": {"Stop": ["Succeeded"]}}
    }));
    assert_eq!(trace.status, RunStatus::Failed);
    let e = trace.error.clone().unwrap();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        ("NoTicket", "nothing to do")
    );
    assert_eq!(status_of(&trace, "Later"), ActionStatus::Skipped);
    let cancelled = run_actions(json!({
        "Stop": {"type": "Terminate", "runAfter": {}, "inputs": {"runStatus": "Cancelled"}}
    }));
    assert_eq!(cancelled.status, RunStatus::Cancelled);
    let ok = run_actions(json!({
        "Boom": failing_compose(),
        "Stop": {"type": "Terminate", "runAfter": {"Boom": ["Failed"]}, "inputs": {"runStatus": "Succeeded"}}
    }));
    assert_eq!(ok.status, RunStatus::Succeeded);
}

#[test]
fn variables_initialise_set_increment_decrement_append() {
    let trace = run_actions(json!({
        "Init_n": {"type": "InitializeVariable", "runAfter": {}, "inputs": {"variables": [{"name": "n", "type": "integer", "value": 1}]}},
        "Init_s": {"type": "InitializeVariable", "runAfter": {"Init_n": ["Succeeded"]}, "inputs": {"variables": [{"name": "s", "type": "string", "value": "a"}]}},
        "Init_a": {"type": "InitializeVariable", "runAfter": {"Init_s": ["Succeeded"]}, "inputs": {"variables": [{"name": "a", "type": "Array"}]}},
        "Inc": {"type": "IncrementVariable", "runAfter": {"Init_a": ["Succeeded"]}, "inputs": {"name": "n", "value": 5}},
        "Dec": {"type": "DecrementVariable", "runAfter": {"Inc": ["Succeeded"]}, "inputs": {"name": "n"}},
        "App_s": {"type": "AppendToStringVariable", "runAfter": {"Dec": ["Succeeded"]}, "inputs": {"name": "s", "value": "b"}},
        "App_a": {"type": "AppendToArrayVariable", "runAfter": {"App_s": ["Succeeded"]}, "inputs": {"name": "a", "value": {"x": 1}}},
        "Set": {"type": "SetVariable", "runAfter": {"App_a": ["Succeeded"]}, "inputs": {"name": "s", "value": "@concat(variables('s'), '!')"}}
    }));
    assert_eq!(trace.status, RunStatus::Succeeded, "{trace:#?}");
    assert_eq!(
        json!(trace.variables),
        json!({"n": 5, "s": "ab!", "a": [{"x": 1}]})
    );
}

#[test]
fn variable_rules_fail_the_action() {
    let nested = run_actions(json!({
        "Scope": {"type": "Scope", "runAfter": {}, "actions": {
            "Init": {"type": "InitializeVariable", "runAfter": {}, "inputs": {"variables": [{"name": "v", "type": "string"}]}}
        }}
    }));
    let e = nested.action("Init").next().unwrap().error.clone().unwrap();
    assert!(e.message.contains("top level"), "{e:?}");
    let mismatch = run_actions(json!({
        "Init": {"type": "InitializeVariable", "runAfter": {}, "inputs": {"variables": [{"name": "n", "type": "Integer", "value": 0}]}},
        "Set": {"type": "SetVariable", "runAfter": {"Init": ["Succeeded"]}, "inputs": {"name": "n", "value": "text"}}
    }));
    assert_eq!(status_of(&mismatch, "Set"), ActionStatus::Failed);
    let missing = run_actions(json!({
        "Set": {"type": "SetVariable", "runAfter": {}, "inputs": {"name": "nope", "value": 1}}
    }));
    assert!(
        missing
            .action("Set")
            .next()
            .unwrap()
            .error
            .as_ref()
            .unwrap()
            .message
            .contains("InitializeVariable")
    );
}

#[test]
fn if_runs_one_branch_and_skips_the_other() {
    let trace = run_actions(json!({
        "Check": {"type": "If", "runAfter": {}, "expression": {"and": [{"equals": ["@triggerBody()?['severity']", "High"]}]},
            "actions": {"Yes": {"type": "Compose", "inputs": "y", "runAfter": {}}},
            "else": {"actions": {"No": {"type": "Compose", "inputs": "n", "runAfter": {}}}}}
    }));
    assert_eq!(status_of(&trace, "Yes"), ActionStatus::Succeeded);
    assert_eq!(status_of(&trace, "No"), ActionStatus::Skipped);
    assert_eq!(
        trace
            .action("No")
            .next()
            .unwrap()
            .error
            .as_ref()
            .unwrap()
            .code,
        "ActionBranchingConditionNotSatisfied"
    );
    assert_eq!(status_of(&trace, "Check"), ActionStatus::Succeeded);
    let not = run_actions(json!({
        "Check": {"type": "If", "runAfter": {}, "expression": {"not": {"equals": ["@triggerBody()?['severity']", "High"]}},
            "actions": {"Yes": {"type": "Compose", "inputs": "y", "runAfter": {}}}}
    }));
    assert_eq!(status_of(&not, "Yes"), ActionStatus::Skipped);
    assert_eq!(not.status, RunStatus::Succeeded);
}

#[test]
fn switch_runs_the_matching_case_or_the_default() {
    let def = |on: &str| {
        json!({
            "Route": {"type": "Switch", "runAfter": {}, "expression": on,
                "cases": {"High": {"case": "High", "actions": {"H": {"type": "Compose", "inputs": 1, "runAfter": {}}}},
                          "Low": {"case": "Low", "actions": {"L": {"type": "Compose", "inputs": 1, "runAfter": {}}}}},
                "default": {"actions": {"D": {"type": "Compose", "inputs": 1, "runAfter": {}}}}}
        })
    };
    let high = run_actions(def("@triggerBody()?['severity']"));
    assert_eq!(
        ["H", "L", "D"].map(|n| status_of(&high, n)),
        [
            ActionStatus::Succeeded,
            ActionStatus::Skipped,
            ActionStatus::Skipped
        ]
    );
    let other = run_actions(def("Medium"));
    assert_eq!(
        ["H", "L", "D"].map(|n| status_of(&other, n)),
        [
            ActionStatus::Skipped,
            ActionStatus::Skipped,
            ActionStatus::Succeeded
        ]
    );
}

#[test]
fn foreach_runs_items_in_order_and_fails_on_a_non_array() {
    let trace = run_actions(json!({
        "Init": {"type": "InitializeVariable", "runAfter": {}, "inputs": {"variables": [{"name": "seen", "type": "string", "value": ""}]}},
        "Loop": {"type": "Foreach", "foreach": "@createArray('a', 'b', 'c')", "runAfter": {"Init": ["Succeeded"]}, "actions": {
            "Add": {"type": "AppendToStringVariable", "runAfter": {}, "inputs": {"name": "seen", "value": "@items('Loop')"}}
        }}
    }));
    assert_eq!(trace.variables["seen"], "abc");
    assert_eq!(trace.action("Add").count(), 3);
    let bad = run_actions(json!({
        "Loop": {"type": "Foreach", "foreach": "@triggerBody()?['nothing']", "runAfter": {}, "actions": {}}
    }));
    assert_eq!(status_of(&bad, "Loop"), ActionStatus::Failed);
    assert!(
        bad.action("Loop")
            .next()
            .unwrap()
            .error
            .as_ref()
            .unwrap()
            .message
            .contains("must be a valid array")
    );
}

#[test]
fn until_stops_at_its_count_limit_and_its_condition() {
    let trace = run_actions(json!({
        "Init": {"type": "InitializeVariable", "runAfter": {}, "inputs": {"variables": [{"name": "n", "type": "integer", "value": 0}]}},
        "Poll": {"type": "Until", "expression": "@equals(variables('n'), 100)", "limit": {"count": 3, "timeout": "PT1H"},
                 "runAfter": {"Init": ["Succeeded"]}, "actions": {
            "Inc": {"type": "IncrementVariable", "runAfter": {}, "inputs": {"name": "n", "value": 1}}
        }}
    }));
    assert_eq!(trace.variables["n"], 3);
    assert_eq!(status_of(&trace, "Poll"), ActionStatus::Succeeded);
    let cond = run_actions(json!({
        "Init": {"type": "InitializeVariable", "runAfter": {}, "inputs": {"variables": [{"name": "n", "type": "integer", "value": 0}]}},
        "Poll": {"type": "Until", "expression": "@equals(variables('n'), 2)", "limit": {"count": 60, "timeout": "PT1H"},
                 "runAfter": {"Init": ["Succeeded"]}, "actions": {
            "Inc": {"type": "IncrementVariable", "runAfter": {}, "inputs": {"name": "n", "value": 1}}
        }}
    }));
    assert_eq!(cond.variables["n"], 2);
}

#[test]
fn until_timeout_is_virtual_time_and_wait_advances_the_clock() {
    let trace = run_actions(json!({
        "Init": {"type": "InitializeVariable", "runAfter": {}, "inputs": {"variables": [{"name": "n", "type": "integer", "value": 0}]}},
        "Poll": {"type": "Until", "expression": "@equals(1, 2)", "limit": {"count": 60, "timeout": "PT1H"},
                 "runAfter": {"Init": ["Succeeded"]}, "actions": {
            "Inc": {"type": "IncrementVariable", "runAfter": {}, "inputs": {"name": "n"}},
            "Pause": {"type": "Wait", "runAfter": {"Inc": ["Succeeded"]}, "inputs": {"interval": {"count": 20, "unit": "Minute"}}}
        }}
    }));
    // Cycles start at 0, 20 and 40 minutes; at 60 minutes the timeout stops the loop.
    assert_eq!(trace.variables["n"], 3);
    assert_eq!(trace.end_time, "2026-01-01T01:00:00.0000000Z");
}

fn fail_mock(status: u16) -> Mock {
    Mock {
        kind: Some(CallKind::Http),
        respond: vec![MockResponse::status(status)],
        ..Mock::default()
    }
}

#[test]
fn default_retry_policy_sends_four_retries_on_5xx() {
    let trace = run(
        &workflow(json!({"Call": http("https://api.contoso.com/x")})),
        &with_mocks(vec![fail_mock(500)]),
    )
    .unwrap();
    assert_eq!(trace.calls.len(), 5);
    assert_eq!(trace.action("Call").next().unwrap().attempts, 5);
    assert_eq!(status_of(&trace, "Call"), ActionStatus::Failed);
    assert_eq!(
        trace
            .action("Call")
            .next()
            .unwrap()
            .error
            .as_ref()
            .unwrap()
            .code,
        "InternalServerError"
    );
    // 7.5 + 15 + 30 + 45 seconds of back-off.
    assert_eq!(trace.end_time, "2026-01-01T00:01:37.5000000Z");
}

#[test]
fn retry_policies_none_fixed_and_no_retry_on_4xx() {
    let with_policy = |policy: Value| {
        let mut action = http("https://api.contoso.com/x");
        action["inputs"]["retryPolicy"] = policy;
        workflow(json!({"Call": action}))
    };
    let none = run(
        &with_policy(json!({"type": "none"})),
        &with_mocks(vec![fail_mock(503)]),
    )
    .unwrap();
    assert_eq!(none.calls.len(), 1);
    let fixed = run(
        &with_policy(json!({"type": "fixed", "count": 2, "interval": "PT30S"})),
        &with_mocks(vec![fail_mock(429)]),
    )
    .unwrap();
    assert_eq!(fixed.calls.len(), 3);
    assert_eq!(fixed.end_time, "2026-01-01T00:01:00.0000000Z");
    let not_found = run(
        &with_policy(json!({"type": "fixed", "count": 2, "interval": "PT30S"})),
        &with_mocks(vec![fail_mock(404)]),
    )
    .unwrap();
    assert_eq!(not_found.calls.len(), 1);
    assert_eq!(
        not_found
            .action("Call")
            .next()
            .unwrap()
            .error
            .as_ref()
            .unwrap()
            .code,
        "NotFound"
    );
}

#[test]
fn responses_are_consumed_in_order_and_the_last_repeats() {
    let mock = Mock {
        uri_contains: Some("/x".into()),
        respond: vec![
            MockResponse::status(500),
            MockResponse::json(200, json!({"ok": true})),
        ],
        ..Mock::default()
    };
    let trace = run(
        &workflow(json!({"Call": http("https://api.contoso.com/x")})),
        &with_mocks(vec![mock]),
    )
    .unwrap();
    assert_eq!(
        trace.calls.iter().map(|c| c.status).collect::<Vec<_>>(),
        [Some(500), Some(200)]
    );
    assert_eq!(status_of(&trace, "Call"), ActionStatus::Succeeded);
    assert_eq!(
        trace.action("Call").next().unwrap().outputs["body"],
        json!({"ok": true})
    );
}

#[test]
fn a_request_without_answer_times_out_and_run_after_timed_out_catches_it() {
    let mut action = http("https://api.contoso.com/x");
    action["inputs"]["retryPolicy"] = json!({"type": "none"});
    let def = workflow(json!({
        "Call": action,
        "On_timeout": {"type": "Compose", "inputs": "late", "runAfter": {"Call": ["TimedOut"]}}
    }));
    let mock = Mock {
        respond: vec![MockResponse::timeout()],
        ..Mock::default()
    };
    let trace = run(&def, &with_mocks(vec![mock])).unwrap();
    assert_eq!(status_of(&trace, "Call"), ActionStatus::TimedOut);
    assert_eq!(status_of(&trace, "On_timeout"), ActionStatus::Succeeded);
    assert_eq!(trace.calls[0].status, None);
    assert_eq!(trace.end_time, "2026-01-01T00:02:00.0000000Z");
}

#[test]
fn a_call_no_mock_answers_fails_the_run_naming_it() {
    let trace = run_actions(json!({"Page_on_call": http("https://oncall.contoso.com/api/page")}));
    assert_eq!(trace.status, RunStatus::Failed);
    let e = trace.error.unwrap();
    assert_eq!(e.code, "MissingMock");
    assert!(
        e.message
            .contains("POST https://oncall.contoso.com/api/page"),
        "{}",
        e.message
    );
    assert!(e.message.contains("action: Page_on_call"), "{}", e.message);
}

#[test]
fn built_in_mocks_for_graph_mde_log_analytics_teams_and_legacy_labels() {
    let conn = |key: &str| json!({"connection": {"name": format!("@parameters('$connections')['{key}']['connectionId']")}});
    let def = workflow(json!({
        "Disable": {"type": "ApiConnection", "runAfter": {}, "inputs": {"host": conn("azuread"),
            "method": "patch", "path": "/v1.0/users/@{encodeURIComponent('alice@contoso.com')}", "body": {"accountEnabled": false}}},
        "Query": {"type": "ApiConnection", "runAfter": {"Disable": ["Succeeded"]}, "inputs": {"host": conn("azuremonitorlogs"),
            "method": "post", "path": "/queryData", "body": "SigninLogs | take 1"}},
        "Isolate": {"type": "ApiConnection", "runAfter": {"Query": ["Succeeded"]}, "inputs": {"host": conn("wdatp"),
            "method": "post", "path": "/api/machines/m1/isolate", "body": {"Comment": "soarc", "IsolationType": "Full"}}},
        "Post": {"type": "ApiConnection", "runAfter": {"Isolate": ["Succeeded"]}, "inputs": {"host": conn("teams"),
            "method": "post", "path": "/v3/beta/teams/t/channels/c/messages", "body": {"body": {"content": "hi"}}}},
        "Mail": {"type": "ApiConnection", "runAfter": {"Post": ["Succeeded"]}, "inputs": {"host": conn("office365-1"),
            "method": "post", "path": "/v2/Mail", "body": {"To": "soc@contoso.com"}}},
        "Label": {"type": "ApiConnection", "runAfter": {"Mail": ["Succeeded"]}, "inputs": {"host": conn("azuresentinel"),
            "method": "put", "path": "/Case/s/w/rg/Alert/a1/AddLabels", "body": ["reviewed"]}}
    }));
    let trace = run(&def, &with_mocks(vec![])).unwrap();
    assert_eq!(trace.status, RunStatus::Succeeded, "{trace:#?}");
    let ops: Vec<(&str, Option<u16>)> = trace
        .calls
        .iter()
        .map(|c| (c.operation.as_deref().unwrap(), c.status))
        .collect();
    assert_eq!(
        ops,
        [
            ("azuread.update_user", Some(204)),
            ("loganalytics.query", Some(200)),
            ("wdatp.isolate_machine", Some(201)),
            ("teams.post_message", Some(201)),
            ("office365.send_email", Some(200)),
            ("sentinel.add_labels_legacy", Some(200)),
        ]
    );
    assert_eq!(trace.calls[1].response, json!({"value": []}));
    assert_eq!(trace.calls[2].response["type"], "Isolate");
    assert_eq!(trace.calls[2].response["machineId"], "m1");
    let labels = &trace.calls[5].response["properties"]["labels"];
    assert!(
        labels
            .as_array()
            .unwrap()
            .contains(&json!({"labelName": "reviewed", "labelType": "User"})),
        "{labels}"
    );
}

#[test]
fn generic_mocks_answer_connector_calls() {
    let def = workflow(json!({
        "Send": {"type": "ApiConnection", "runAfter": {}, "inputs": {
            "host": {"connection": {"name": "@parameters('$connections')['teams']['connectionId']"}},
            "method": "post", "path": "/v3/beta/teams/x/tags", "body": {"text": "hi"}}}
    }));
    let strict = run(&def, &with_mocks(vec![])).unwrap();
    let message = strict.error.unwrap().message;
    assert!(message.contains("--generic-mocks"), "{message}");
    let options = RunOptions {
        generic_mocks: true,
        ..with_mocks(vec![])
    };
    let trace = run(&def, &options).unwrap();
    assert_eq!(trace.status, RunStatus::Succeeded);
    assert_eq!(trace.calls[0].connection.as_deref(), Some("teams"));
    assert_eq!(trace.calls[0].uri, "/v3/beta/teams/x/tags");
    assert_eq!(trace.calls[0].method, "POST");
}

#[test]
fn secure_data_hides_secrets_and_what_reads_them() {
    let def = workflow(json!({
        "Get_secret": {"type": "ApiConnection", "runAfter": {},
            "inputs": {"host": {"connection": {"name": "@parameters('$connections')['keyvault']['connectionId']"}},
                       "method": "get", "path": "/secrets/@{encodeURIComponent('jira-token')}/value"},
            "runtimeConfiguration": {"secureData": {"properties": ["inputs", "outputs"]}}},
        "Call": {"type": "Http", "runAfter": {"Get_secret": ["Succeeded"]},
            "inputs": {"method": "POST", "uri": "https://api.contoso.com/x",
                       "headers": {"Authorization": "Bearer @{body('Get_secret')?['value']}"},
                       "body": {"summary": "plain"}}},
        "Webhook": {"type": "Http", "runAfter": {"Call": ["Succeeded"]},
            "inputs": {"method": "POST", "uri": "https://hooks.contoso.com/@{body('Get_secret')?['value']}", "body": {}}}
    }));
    let mocks = vec![Mock {
        kind: Some(CallKind::Http),
        respond: vec![MockResponse::status(200)],
        ..Mock::default()
    }];
    let trace = run(&def, &with_mocks(mocks)).unwrap();
    let text = serde_json::to_string(&trace).unwrap();
    assert_eq!(trace.status, RunStatus::Succeeded, "{text}");
    assert!(!text.contains("mock-secret-jira-token"), "{text}");
    assert_eq!(
        trace.action("Get_secret").next().unwrap().outputs,
        "<secured>"
    );
    assert_eq!(trace.action("Call").next().unwrap().inputs, "<secured>");
    assert_eq!(trace.calls[1].body, "<secured>");
    // For test assertions the plain body stays readable: it holds no secret.
    assert_eq!(trace.calls[1].plain_body, json!({"summary": "plain"}));
    assert_eq!(trace.calls[1].plain_uri, "https://api.contoso.com/x");
    // A URI made from the secret stays hidden everywhere.
    assert_eq!(trace.calls[2].plain_uri, "<secured>");
}

#[test]
fn trigger_conditions_that_are_false_start_no_run() {
    let mut def = workflow(json!({"Say": {"type": "Compose", "inputs": 1, "runAfter": {}}}));
    def["triggers"]["manual"]["conditions"] =
        json!([{"expression": "@equals(triggerBody()?['severity'], 'Low')"}]);
    let trace = run(&def, &with_mocks(vec![])).unwrap();
    assert_eq!(trace.status, RunStatus::Skipped);
    assert!(trace.actions.is_empty());
}

#[test]
fn unknown_action_types_fail_with_a_clear_message() {
    let trace =
        run_actions(json!({"Code": {"type": "JavaScriptCode", "inputs": {}, "runAfter": {}}}));
    let e = trace.action("Code").next().unwrap().error.clone().unwrap();
    assert_eq!(e.code, "UnsupportedActionType");
    assert!(e.message.contains("'JavaScriptCode'"));
}

#[test]
fn data_operations_select_join_query_parse_json_table() {
    let trace = run_actions(json!({
        "Rows": {"type": "Compose", "runAfter": {}, "inputs": [{"n": "a", "k": 1}, {"n": "b", "k": 2}]},
        "Names": {"type": "Select", "runAfter": {"Rows": ["Succeeded"]}, "inputs": {"from": "@outputs('Rows')", "select": {"name": "@item()?['n']"}}},
        "Ones": {"type": "Query", "runAfter": {"Rows": ["Succeeded"]}, "inputs": {"from": "@outputs('Rows')", "where": "@equals(item()?['k'], 1)"}},
        "Joined": {"type": "Join", "runAfter": {"Rows": ["Succeeded"]}, "inputs": {"from": ["x", 1, "y"], "joinWith": ";"}},
        "Parsed": {"type": "ParseJson", "runAfter": {}, "inputs": {"content": "{\"id\": 7}", "schema": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}}},
        "Bad": {"type": "ParseJson", "runAfter": {}, "inputs": {"content": {"id": "x"}, "schema": {"type": "object", "properties": {"id": {"type": "integer"}}}}},
        "Csv": {"type": "Table", "runAfter": {"Rows": ["Succeeded"]}, "inputs": {"from": "@outputs('Rows')", "format": "CSV"}},
        "Catch": {"type": "Compose", "runAfter": {"Bad": ["Failed"]}, "inputs": "caught"}
    }));
    let out = |n: &str| trace.action(n).next().unwrap().outputs.clone();
    assert_eq!(out("Names")["body"], json!([{"name": "a"}, {"name": "b"}]));
    assert_eq!(out("Ones")["body"], json!([{"n": "a", "k": 1}]));
    assert_eq!(out("Joined")["body"], "x;1;y");
    assert_eq!(out("Parsed")["body"], json!({"id": 7}));
    assert_eq!(out("Csv")["body"], "n,k\na,1\nb,2\n");
    assert_eq!(
        trace
            .action("Bad")
            .next()
            .unwrap()
            .error
            .as_ref()
            .unwrap()
            .code,
        "ValidationFailed"
    );
    assert_eq!(trace.status, RunStatus::Succeeded);
}

#[test]
fn a_second_response_fails() {
    let trace = run_actions(json!({
        "Answer": {"type": "Response", "kind": "Http", "runAfter": {}, "inputs": {"statusCode": 202, "body": {"ok": 1}}},
        "Again": {"type": "Response", "kind": "Http", "runAfter": {"Answer": ["Succeeded"]}, "inputs": {"statusCode": 200}}
    }));
    assert_eq!(
        trace.action("Answer").next().unwrap().outputs["statusCode"],
        202
    );
    assert_eq!(status_of(&trace, "Again"), ActionStatus::Failed);
    assert_eq!(trace.status, RunStatus::Failed);
}

#[test]
fn sentinel_samples_match_the_trigger() {
    let def = json!({
        "triggers": {"Microsoft_Sentinel_incident": {"type": "ApiConnectionWebhook", "inputs": {
            "body": {"callback_url": "@{listCallbackUrl()}"},
            "host": {"connection": {"name": "@parameters('$connections')['azuresentinel']['connectionId']"}},
            "path": "/incident-creation"}}},
        "actions": {
            "Sev": {"type": "Compose", "runAfter": {}, "inputs": "@triggerBody()?['object']?['properties']?['severity']"},
            "Comment": {"type": "ApiConnection", "runAfter": {"Sev": ["Succeeded"]}, "inputs": {
                "host": {"connection": {"name": "@parameters('$connections')['azuresentinel']['connectionId']"}},
                "method": "post", "path": "/Incidents/Comment",
                "body": {"incidentArmId": "@triggerBody()?['object']?['id']", "message": "<p>Severity @{outputs('Sev')}</p>"}}}
        }
    });
    let options = RunOptions {
        trigger: TriggerInput::Sample(
            Sample::new(SampleKind::Incident).with("severity", json!("High")),
        ),
        ..RunOptions::default()
    };
    let trace = run(&def, &options).unwrap();
    assert_eq!(trace.status, RunStatus::Succeeded, "{trace:#?}");
    assert_eq!(
        trace.calls[0].operation.as_deref(),
        Some("sentinel.add_comment")
    );
    assert_eq!(trace.calls[0].body["message"], "<p>Severity High</p>");
    let wrong = RunOptions {
        trigger: TriggerInput::Sample(Sample::new(SampleKind::Alert)),
        ..RunOptions::default()
    };
    let err = run(&def, &wrong).unwrap_err();
    assert!(err.message.contains("--trigger incident"), "{err}");
}

#[test]
fn same_inputs_same_trace() {
    let def = workflow(json!({
        "Id": {"type": "Compose", "runAfter": {}, "inputs": "@guid()"},
        "Call": http("https://api.contoso.com/x")
    }));
    let options = with_mocks(vec![fail_mock(502)]);
    let a = serde_json::to_string(&run(&def, &options).unwrap()).unwrap();
    let b = serde_json::to_string(&run(&def, &options).unwrap()).unwrap();
    assert_eq!(a, b);
}

#[test]
fn secured_outputs_flow_on_unchanged_but_secrets_stay_masked() {
    // The Jira create is secured (its Authorization header reads the Key Vault secret);
    // its outputs are hidden in run history but the key reaches the comment as it is.
    let def = workflow(json!({
        "Get_secret": {"type": "ApiConnection", "runAfter": {},
            "inputs": {"host": {"connection": {"name": "@parameters('$connections')['keyvault']['connectionId']"}},
                       "method": "get", "path": "/secrets/jira-token/value"},
            "runtimeConfiguration": {"secureData": {"properties": ["inputs", "outputs"]}}},
        "Token": {"type": "Compose", "runAfter": {"Get_secret": ["Succeeded"]},
            "inputs": "Bearer @{body('Get_secret')?['value']}"},
        "Create": {"type": "Http", "runAfter": {"Token": ["Succeeded"]},
            "inputs": {"method": "POST", "uri": "https://contoso.atlassian.net/rest/api/3/issue",
                       "headers": {"Authorization": "@{outputs('Token')}"},
                       "body": {"fields": {"project": {"key": "SEC"}, "summary": "x"}}},
            "runtimeConfiguration": {"secureData": {"properties": ["inputs", "outputs"]}}},
        "Note": {"type": "Http", "runAfter": {"Create": ["Succeeded"]},
            "inputs": {"method": "POST", "uri": "https://api.contoso.com/note",
                       "body": {"message": "Opened @{body('Create')?['key']}", "auth": "@{outputs('Token')}"}}}
    }));
    let trace = run(
        &def,
        &with_mocks(vec![Mock {
            uri_contains: Some("/note".into()),
            respond: vec![MockResponse::status(200)],
            ..Mock::default()
        }]),
    )
    .unwrap();
    assert_eq!(trace.status, RunStatus::Succeeded, "{trace:#?}");
    let note = trace.calls.iter().find(|c| c.action == "Note").unwrap();
    // Run history hides the whole body (it reads secured outputs) ...
    assert_eq!(note.body, "<secured>");
    // ... the body as sent holds the key; the part made from the secret is what soarc
    // keeps masked for test messages.
    assert_eq!(note.sent_body["message"], "Opened SEC-1");
    assert_eq!(note.plain_body, "<secured>");
    let text = serde_json::to_string(&trace).unwrap();
    assert!(!text.contains("mock-secret-jira-token"), "{text}");
    // Without the secret in it, the body is readable for test assertions.
    let mut def2 = def.clone();
    def2["actions"]["Note"]["inputs"]["body"] =
        json!({"message": "Opened @{body('Create')?['key']}"});
    let trace = run(
        &def2,
        &with_mocks(vec![Mock {
            uri_contains: Some("/note".into()),
            respond: vec![MockResponse::status(200)],
            ..Mock::default()
        }]),
    )
    .unwrap();
    let note = trace.calls.iter().find(|c| c.action == "Note").unwrap();
    assert_eq!(note.body, "<secured>");
    assert_eq!(note.plain_body, json!({"message": "Opened SEC-1"}));
}

#[test]
fn parallel_foreach_overlaps_on_the_virtual_clock_sequential_does_not() {
    let body = json!({"Pause": {"type": "Wait", "runAfter": {},
        "inputs": {"interval": {"count": 1, "unit": "Minute"}}}});
    let make = |config: Value| {
        let mut loop_action = json!({"type": "Foreach", "foreach": "@createArray(1,2,3,4,5)",
            "actions": body.clone(), "runAfter": {}});
        if let Value::Object(extra) = config {
            for (k, v) in extra {
                loop_action[k] = v;
            }
        }
        json!({"Loop": loop_action,
               "End": {"type": "Compose", "inputs": "@utcNow()", "runAfter": {"Loop": ["Succeeded"]}}})
    };
    let end = |actions: Value| {
        let trace = run_actions(actions);
        assert_eq!(trace.status, RunStatus::Succeeded);
        assert_eq!(trace.action("Pause").count(), 5);
        trace
            .action("End")
            .next()
            .unwrap()
            .outputs
            .as_str()
            .unwrap()
            .to_string()
    };
    // Default: 20 at once, the five waits overlap: one minute.
    assert_eq!(end(make(json!({}))), "2026-01-01T00:01:00.0000000Z");
    // Two at a time: three rounds.
    assert_eq!(
        end(make(
            json!({"runtimeConfiguration": {"concurrency": {"repetitions": 2}}})
        )),
        "2026-01-01T00:03:00.0000000Z"
    );
    // Sequential: five minutes.
    assert_eq!(
        end(make(json!({"operationOptions": "Sequential"}))),
        "2026-01-01T00:05:00.0000000Z"
    );
}

#[test]
fn split_on_starts_one_run_per_item_sharing_the_services() {
    let mut def = workflow(json!({
        "Create": {"type": "Http", "runAfter": {},
            "inputs": {"method": "POST", "uri": "https://contoso.service-now.com/api/now/table/incident",
                       "body": {"short_description": "@triggerBody()?['title']"}}},
        "Count": {"type": "Http", "runAfter": {"Create": ["Succeeded"]},
            "inputs": {"method": "GET", "uri": "https://contoso.service-now.com/api/now/table/incident"}},
        "Run": {"type": "Compose", "runAfter": {"Count": ["Succeeded"]}, "inputs": "@workflow()?['run']?['name']"}
    }));
    def["triggers"]["manual"]["splitOn"] = json!("@triggerBody()?['value']");
    let workflow = soarc_runtime::Workflow {
        definition: def,
        parameters: Default::default(),
    };
    let options = RunOptions {
        trigger: TriggerInput::Payload(
            json!({"value": [{"title": "a"}, {"title": "b"}, {"title": "c"}]}),
        ),
        ..RunOptions::default()
    };
    let runs = soarc_runtime::Prepared::new(&workflow)
        .runs(&options)
        .unwrap();
    assert_eq!(runs.len(), 3);
    // Each run's trigger body is its item; the records created by earlier runs are there.
    let sent: Vec<&Value> = runs
        .iter()
        .map(|r| &r.calls[0].body["short_description"])
        .collect();
    assert_eq!(sent, [&json!("a"), &json!("b"), &json!("c")]);
    let counts: Vec<usize> = runs
        .iter()
        .map(|r| r.calls[1].response["result"].as_array().unwrap().len())
        .collect();
    assert_eq!(counts, [1, 2, 3]);
    let ids: Vec<&Value> = runs
        .iter()
        .map(|r| &r.action("Run").next().unwrap().outputs)
        .collect();
    assert_ne!(ids[0], ids[1]);
    // No item: no run; not an array: the trigger fails with the reason.
    let empty = RunOptions {
        trigger: TriggerInput::Payload(json!({"value": []})),
        ..RunOptions::default()
    };
    assert!(
        soarc_runtime::Prepared::new(&workflow)
            .runs(&empty)
            .unwrap()
            .is_empty()
    );
    let wrong = RunOptions {
        trigger: TriggerInput::Payload(json!({"value": "x"})),
        ..RunOptions::default()
    };
    let failed = soarc_runtime::Prepared::new(&workflow)
        .runs(&wrong)
        .unwrap();
    assert_eq!(failed[0].status, RunStatus::Failed);
    assert!(
        failed[0]
            .error
            .as_ref()
            .unwrap()
            .message
            .contains("must be an array")
    );
}

#[test]
fn a_202_with_location_is_polled_until_a_final_answer() {
    let def = workflow(json!({"Start": http("https://api.contoso.com/jobs")}));
    let accepted = |after: i64| MockResponse {
        status: 202,
        headers: [
            (
                "Location".to_string(),
                json!("https://api.contoso.com/jobs/7"),
            ),
            ("Retry-After".to_string(), json!(after.to_string())),
        ]
        .into_iter()
        .collect(),
        body: Value::Null,
        timeout: false,
    };
    let mocks = vec![
        Mock {
            method: Some("POST".into()),
            respond: vec![accepted(30)],
            ..Mock::default()
        },
        Mock {
            uri_contains: Some("/jobs/7".into()),
            respond: vec![accepted(10), MockResponse::json(200, json!({"done": true}))],
            ..Mock::default()
        },
    ];
    let trace = run(&def, &with_mocks(mocks.clone())).unwrap();
    assert_eq!(trace.status, RunStatus::Succeeded);
    let calls: Vec<(&str, &str)> = trace
        .calls
        .iter()
        .map(|c| (c.method.as_str(), c.uri.as_str()))
        .collect();
    assert_eq!(
        calls,
        [
            ("POST", "https://api.contoso.com/jobs"),
            ("GET", "https://api.contoso.com/jobs/7"),
            ("GET", "https://api.contoso.com/jobs/7")
        ]
    );
    let start = trace.action("Start").next().unwrap();
    assert_eq!(start.outputs["body"], json!({"done": true}));
    assert_eq!(start.attempts, 1);
    // 30 s, then 10 s on the virtual clock.
    assert_eq!(trace.end_time, "2026-01-01T00:00:40.0000000Z");
    // DisableAsyncPattern keeps the 202.
    let mut def = def;
    def["actions"]["Start"]["operationOptions"] = json!("DisableAsyncPattern");
    let trace = run(&def, &with_mocks(mocks)).unwrap();
    assert_eq!(trace.calls.len(), 1);
    assert_eq!(
        trace.action("Start").next().unwrap().outputs["statusCode"],
        202
    );
}

#[test]
fn a_record_a_user_mock_created_can_be_updated_later() {
    let def = workflow(json!({
        "Create": {"type": "Http", "runAfter": {},
            "inputs": {"method": "POST", "uri": "https://contoso.service-now.com/api/now/table/incident",
                       "body": {"short_description": "x", "urgency": "1"}}},
        "Resolve": {"type": "Http", "runAfter": {"Create": ["Succeeded"]},
            "inputs": {"method": "PATCH", "uri": "https://contoso.service-now.com/api/now/table/incident/@{body('Create')?['result']?['sys_id']}",
                       "body": {"state": "6"}}}
    }));
    let mocks = vec![Mock {
        operation: Some("servicenow.create_incident".into()),
        respond: vec![MockResponse::json(
            201,
            json!({"result": {"sys_id": "abc123", "number": "INC0099"}}),
        )],
        ..Mock::default()
    }];
    let trace = run(&def, &with_mocks(mocks)).unwrap();
    assert_eq!(trace.status, RunStatus::Succeeded, "{trace:#?}");
    let resolved = &trace.calls[1].response["result"];
    assert_eq!(resolved["state"], "6");
    assert_eq!(resolved["urgency"], "1");
    assert_eq!(resolved["number"], "INC0099");
}
