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
fn generic_mocks_answer_connector_calls() {
    let def = workflow(json!({
        "Send": {"type": "ApiConnection", "runAfter": {}, "inputs": {
            "host": {"connection": {"name": "@parameters('$connections')['teams']['connectionId']"}},
            "method": "post", "path": "/v3/beta/teams/x/channels/y/messages", "body": {"text": "hi"}}}
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
    assert_eq!(trace.calls[0].uri, "/v3/beta/teams/x/channels/y/messages");
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
