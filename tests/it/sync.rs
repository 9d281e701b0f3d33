//! Status sync (`sync:`): correlation, state/classification mappings, window queries and
//! loop prevention, asserted on the generated workflows and rules; bad input rejected.

use crate::common::*;

use std::path::Path;

use serde_json::Value;

const HEAD: &str = r#"
deployment:
  subscription_id: 00000000-0000-0000-0000-000000000000
  resource_group: rg-soc
  workspace: { name: law-sentinel }
connections:
  snow:
    kind: servicenow
    instance: https://contoso.service-now.com
    username: sentinel.integration
    password: { key_vault: { vault: kv-soc, secret: snow-password } }
  jira:
    kind: jira-cloud
    site: https://contoso.atlassian.net
    email: sentinel-bot@contoso.com
    api_token: { key_vault: { vault: kv-soc, secret: jira-api-token } }
playbooks:
  - name: create-tickets
    trigger: incident
    steps:
      - servicenow.create_incident:
          connection: snow
          fields: { short_description: "Sentinel: {{incident.title}}" }
      - jira.create_issue:
          id: issue
          connection: jira
          project: SEC
          issue_type: Bug
          summary: "{{incident.title}}"
"#;

const BOTH: &str = r#"
sync:
  servicenow:
    connection: snow
    poll_every: 10m
    close_codes: { "Solved (Permanently)": TruePositive, "Not Solved (Not Reproducible)": FalsePositive }
    default_classification: BenignPositive
    resolve_codes: { TruePositive: "Solved (Permanently)", FalsePositive: "Not Solved (Not Reproducible)" }
    default_close_code: Solution provided
  jira:
    connection: jira
    projects: [SEC]
    done_transition: Resolve
    classification: TruePositive
"#;

fn workflow(built: &soarc_compiler::build::Built, playbook: &str) -> Value {
    built_json(
        built,
        Path::new("playbooks").join(playbook).join("workflow.json"),
    )
}

/// The action `name` anywhere in `actions` (nested included).
fn find<'v>(actions: &'v Value, name: &str) -> Option<&'v Value> {
    let map = actions.as_object()?;
    if let Some(found) = map.get(name) {
        return Some(found);
    }
    map.values().find_map(|action| {
        ["actions"]
            .iter()
            .filter_map(|k| action.get(*k))
            .chain(action.get("else").and_then(|e| e.get("actions")))
            .find_map(|nested| find(nested, name))
    })
}

#[track_caller]
fn action<'v>(workflow: &'v Value, name: &str) -> &'v Value {
    find(&workflow["actions"], name).unwrap_or_else(|| panic!("no action {name}"))
}

#[test]
fn creation_playbooks_get_correlation_labels() {
    let built = builds(&format!("{HEAD}{BOTH}"));
    let wf = workflow(&built, "create-tickets");
    // ServiceNow: the incident name (a GUID: correlation_id holds 100 characters, an ARM id
    // would be truncated) in correlation_id, the number as an incident label.
    let create = &action(&wf, "Create_ServiceNow_incident")["inputs"]["body"];
    assert_eq!(
        create["correlation_id"],
        "@triggerBody()?['object']?['name']"
    );
    assert_eq!(create["correlation_display"], "Microsoft Sentinel");
    let label = action(&wf, "Add_label_to_incident");
    assert_eq!(label["inputs"]["path"], "/Incidents");
    assert_eq!(
        label["inputs"]["body"]["tagsToAdd"]["TagsToAdd"][0]["Tag"],
        "servicenow:@{body('Create_ServiceNow_incident')?['result']?['number']}"
    );
    assert_eq!(
        label["runAfter"]["Create_ServiceNow_incident"][0],
        "Succeeded"
    );
    // Jira: the sync label and the incident's name as labels, the key on the incident.
    let labels = &action(&wf, "Create_Jira_issue")["inputs"]["body"]["fields"]["labels"];
    assert_eq!(
        labels,
        &serde_json::json!([
            "soarc-sync",
            "sentinel-@{triggerBody()?['object']?['name']}"
        ])
    );
    assert_eq!(
        action(&wf, "Add_label_to_incident_2")["inputs"]["body"]["tagsToAdd"]["TagsToAdd"][0]["Tag"],
        "jira:@{body('Create_Jira_issue')?['key']}"
    );
}

#[test]
fn servicenow_to_sentinel_polls_a_window_with_overlap_and_pages() {
    let built = builds(&format!("{HEAD}{BOTH}"));
    let wf = workflow(&built, "sync-servicenow-to-sentinel");
    assert_eq!(
        wf["triggers"]["Recurrence"]["recurrence"],
        serde_json::json!({ "frequency": "Minute", "interval": 10 })
    );
    // Until loops may run up to an hour: runs of the poller must not overlap.
    assert_eq!(
        wf["triggers"]["Recurrence"]["runtimeConfiguration"],
        serde_json::json!({ "concurrency": { "runs": 1 } })
    );
    let jira = workflow(&built, "sync-jira-to-sentinel");
    assert_eq!(
        jira["triggers"]["Recurrence"]["runtimeConfiguration"]["concurrency"]["runs"],
        1
    );
    let until = action(&wf, "Resolved_ServiceNow_incidents");
    assert_eq!(until["type"], "Until");
    let list = action(&wf, "List_page_of_Resolved_ServiceNow_incidents");
    assert_eq!(list["inputs"]["method"], "get");
    assert_eq!(list["inputs"]["path"], "/api/now/v2/table/incident");
    let queries = &list["inputs"]["queries"];
    assert_eq!(
        queries["sysparm_query"],
        "correlation_display=Microsoft Sentinel^correlation_idISNOTEMPTY^stateIN6,7^sys_updated_on>=javascript:gs.minutesAgoStart(1440)^ORDERBYsys_updated_on"
    );
    assert_eq!(queries["sysparm_limit"], 100);
    assert_eq!(
        queries["sysparm_offset"],
        "@mul(iterationIndexes('Resolved_ServiceNow_incidents'), 100)"
    );
    // A short page is the last; so is a page that makes no progress (the same page again).
    assert_eq!(
        until["expression"],
        "@or(less(length(coalesce(body('List_page_of_Resolved_ServiceNow_incidents')?['result'], createArray())), 100), equals(outputs('Same_page_of_Resolved_ServiceNow_incidents'), true))"
    );
}

#[test]
fn servicenow_close_codes_map_to_classifications_and_closed_incidents_are_skipped() {
    let built = builds(&format!("{HEAD}{BOTH}"));
    let wf = workflow(&built, "sync-servicenow-to-sentinel");
    let table = &action(&wf, "Classifications_for_Close_incident")["inputs"];
    assert_eq!(
        table,
        &serde_json::json!({
            "Solved (Permanently)": "TruePositive - SuspiciousActivity",
            "Not Solved (Not Reproducible)": "FalsePositive - IncorrectAlertLogic",
        })
    );
    let update = &action(&wf, "Update_incident_for_Close_incident")["inputs"];
    assert_eq!(update["method"], "put");
    assert_eq!(update["body"]["status"], "Closed");
    // The ARM id is rebuilt from the GUID and the workspace's id, a workflow parameter the
    // ARM template sets (no subscription, group or workspace as text in the workflow).
    assert_eq!(
        update["body"]["incidentArmId"],
        "@concat(parameters('SentinelWorkspaceId'), '/providers/Microsoft.SecurityInsights/Incidents/', string(items('For_each_ticket')?['correlation_id']))"
    );
    assert_eq!(wf["parameters"]["SentinelWorkspaceId"]["type"], "String");
    assert!(
        wf["parameters"]["SentinelWorkspaceId"]
            .get("defaultValue")
            .is_none()
    );
    let template =
        &built.files.files[Path::new("playbooks/sync-servicenow-to-sentinel/azuredeploy.json")];
    assert!(
        template.contains(r#""SentinelWorkspaceId": {
            "value": "[resourceId(subscription().subscriptionId, parameters('WorkspaceResourceGroup'), 'Microsoft.OperationalInsights/workspaces', parameters('WorkspaceName'))]""#),
        "{template}"
    );
    assert!(!template.contains("law-sentinel"));
    assert_eq!(
        update["body"]["classification"]["ClassificationAndReason"],
        "@coalesce(outputs('Classifications_for_Close_incident')?[string(items('For_each_ticket')?['close_code'])], 'BenignPositive - SuspiciousButExpected')"
    );
    assert!(
        update["body"]["classification"]["ClassificationReasonText"]
            .as_str()
            .unwrap()
            .contains("@{items('For_each_ticket')?['close_notes']}")
    );
    // The loop-prevention label goes on with the close itself.
    assert_eq!(
        update["body"]["tagsToAdd"]["TagsToAdd"][0]["Tag"],
        "closed-by-servicenow-sync"
    );
    // Idempotent: read the incident first, close only if it is not closed yet.
    let read = &action(&wf, "Get_status_for_Close_incident")["inputs"];
    assert_eq!(read["authentication"]["type"], "ManagedServiceIdentity");
    // The correlation id goes into a management URL only when it is GUID-shaped, and the
    // read is inside that check.
    let valid = action(&wf, "If_incident_name_valid_for_Close_incident");
    assert!(
        valid["actions"]
            .get("Get_status_for_Close_incident")
            .is_some()
    );
    let shape = valid["expression"]["equals"].as_array().unwrap();
    assert_eq!(shape[1], "00000000-0000-0000-0000-000000000000");
    assert!(shape[0].as_str().unwrap().contains(
        "toLower(string(coalesce(string(items('For_each_ticket')?['correlation_id']), '')))"
    ));
    // A ticket whose incident cannot be read (deleted: 404, or 403) is noted, not a failed
    // run: the note runs in a condition after the failed read.
    assert_eq!(
        action(&wf, "If_incident_gone_for_Close_incident")["runAfter"],
        serde_json::json!({ "Get_status_for_Close_incident": ["Failed", "TimedOut"] })
    );
    assert!(action(&wf, "Skipped_Close_incident")["inputs"].is_string());
    // The status check also runs after a failed read, so it checks that the read succeeded.
    assert_eq!(
        action(&wf, "If_not_closed_for_Close_incident")["expression"],
        serde_json::json!({ "and": [
            { "equals": ["@actions('Get_status_for_Close_incident')?['status']", "Succeeded"] },
            { "not": { "equals": [
                "@body('Get_status_for_Close_incident')?['properties']?['status']", "Closed"
            ] } },
        ] })
    );
}

#[test]
fn sentinel_to_servicenow_resolves_open_tickets_with_mapped_close_code() {
    let built = builds(&format!("{HEAD}{BOTH}"));
    let wf = workflow(&built, "sync-sentinel-to-servicenow");
    // Loop prevention in the playbook: incidents the sync closed are skipped.
    assert_eq!(
        action(&wf, "Not_closed_by_sync")["expression"],
        serde_json::json!({ "not": { "contains": [
            "@toLower(string(triggerBody()?['object']?['properties']?['labels']))",
            "\"labelname\":\"closed-by-servicenow-sync\""
        ] } })
    );
    // Only tickets still open: running twice changes nothing.
    let list = action(&wf, "List_page_of_Open_ServiceNow_incidents");
    assert_eq!(
        list["inputs"]["queries"]["sysparm_query"],
        // The incident name is a query value: `^`, `&`, `#` removed, `javascript:` defused.
        "correlation_display=Microsoft Sentinel^correlation_id=@{if(startsWith(toLower(trim(replace(replace(replace(triggerBody()?['object']?['name'], '^', ''), '&', ''), '#', ''))), 'javascript:'), concat('_', replace(replace(replace(triggerBody()?['object']?['name'], '^', ''), '&', ''), '#', '')), replace(replace(replace(triggerBody()?['object']?['name'], '^', ''), '&', ''), '#', ''))}^stateNOT IN6,7,8"
    );
    // Resolved tickets leave the result set: every page is read from offset 0 again.
    assert_eq!(list["inputs"]["queries"]["sysparm_offset"], 0);
    let resolve = &action(&wf, "Resolve_ServiceNow_incident")["inputs"];
    assert_eq!(resolve["method"], "put");
    assert_eq!(
        resolve["path"],
        "/api/now/v2/table/incident/@{encodeURIComponent(string(items('For_each_ticket')?['sys_id']))}"
    );
    assert_eq!(resolve["body"]["state"], "6");
    assert_eq!(
        resolve["body"]["close_code"],
        "@{coalesce(parameters('mapping_sync_servicenow_close_code')?[triggerBody()?['object']?['properties']?['classification']], 'Solution provided')}"
    );
    assert_eq!(
        wf["parameters"]["mapping_sync_servicenow_close_code"]["defaultValue"],
        serde_json::json!({
            "TruePositive": "Solved (Permanently)",
            "FalsePositive": "Not Solved (Not Reproducible)",
        })
    );
    assert!(
        resolve["body"]["close_notes"]
            .as_str()
            .unwrap()
            .contains("classificationComment")
    );
}

#[test]
fn automation_rules_fire_on_close_unless_the_sync_closed_it() {
    let built = builds(&format!("{HEAD}{BOTH}"));
    let text = &built.files.files[Path::new("automation-rules/azuredeploy.json")];
    // Each system's rule excludes only the label of its own system: an incident closed
    // because its ServiceNow ticket was resolved still transitions its Jira issue.
    for (playbook, order, own, other) in [
        (
            "sync-sentinel-to-servicenow",
            900,
            "closed-by-servicenow-sync",
            "closed-by-jira-sync",
        ),
        (
            "sync-sentinel-to-jira",
            901,
            "closed-by-jira-sync",
            "closed-by-servicenow-sync",
        ),
    ] {
        let at = text
            .find(&format!("'{playbook}')"))
            .expect("rule runs the playbook");
        let start = text[..at].rfind("\"displayName\"").unwrap();
        let rule = &text[start..at];
        assert!(rule.contains(&format!("\"order\": {order}")), "{rule}");
        assert!(rule.contains("\"triggersWhen\": \"Updated\""));
        assert!(rule.contains("\"propertyName\": \"IncidentStatus\""));
        assert!(rule.contains("\"changeType\": \"ChangedTo\""));
        assert!(rule.contains("\"propertyName\": \"IncidentLabel\""));
        assert!(rule.contains("\"operator\": \"NotContains\""));
        assert!(rule.contains(&format!("\"{own}\"")), "{rule}");
        assert!(!rule.contains(other), "{rule}");
    }
}

#[test]
fn jira_to_sentinel_searches_done_issues_with_jql_and_finds_the_incident_by_label() {
    let built = builds(&format!("{HEAD}{BOTH}"));
    let wf = workflow(&built, "sync-jira-to-sentinel");
    let search = &action(&wf, "Search_page_of_Done_Jira_issues")["inputs"];
    assert_eq!(
        search["uri"],
        "https://contoso.atlassian.net/rest/api/3/search/jql"
    );
    assert_eq!(
        search["body"]["jql"],
        "project in (SEC) AND labels = soarc-sync AND statusCategory = Done AND updated >= -1440m ORDER BY updated ASC"
    );
    assert!(
        search["body"]["nextPageToken"]
            .as_str()
            .unwrap()
            .contains("Done_Jira_issues_next_page")
    );
    let update = &action(&wf, "Update_incident_for_Close_incident")["inputs"]["body"];
    let arm_id = update["incidentArmId"].as_str().unwrap();
    assert!(arm_id.starts_with("@concat(parameters('SentinelWorkspaceId'), '/providers/Microsoft.SecurityInsights/Incidents/', substring("), "{arm_id}");
    assert!(!arm_id.contains("law-sentinel"));
    assert!(arm_id.contains("' sentinel-'"));
    assert_eq!(
        update["classification"]["ClassificationAndReason"],
        "TruePositive - SuspiciousActivity"
    );
    assert_eq!(
        update["tagsToAdd"]["TagsToAdd"],
        serde_json::json!([{ "Tag": "closed-by-jira-sync" }])
    );
    let back = workflow(&built, "sync-sentinel-to-jira");
    assert!(
        action(&back, "Not_closed_by_sync")["expression"]["not"]["contains"][1]
            .as_str()
            .unwrap()
            .contains("closed-by-jira-sync")
    );
    // Issues without the label (or a label that is no GUID) are left alone, and nothing is
    // read for them; closed incidents too; an unreadable incident is skipped.
    let valid = action(&wf, "If_incident_name_valid_for_Close_incident");
    assert!(
        valid["expression"]["equals"][0]
            .as_str()
            .unwrap()
            .contains("' sentinel-'")
    );
    assert!(
        valid["actions"]
            .get("Get_status_for_Close_incident")
            .is_some()
    );
    assert!(
        valid["actions"]
            .get("If_not_closed_for_Close_incident")
            .is_some()
    );
    assert_eq!(
        action(&wf, "If_incident_gone_for_Close_incident")["runAfter"],
        serde_json::json!({ "Get_status_for_Close_incident": ["Failed", "TimedOut"] })
    );
}

#[test]
fn sentinel_to_jira_transitions_by_name_with_a_comment() {
    let built = builds(&format!("{HEAD}{BOTH}"));
    let wf = workflow(&built, "sync-sentinel-to-jira");
    let search = &action(&wf, "Search_page_of_Open_Jira_issues")["inputs"]["body"];
    assert_eq!(
        search["jql"],
        // Inside a JQL string literal: `\`, `"`, `'` and tab escaped.
        r#"labels = "sentinel-@{replace(replace(replace(replace(triggerBody()?['object']?['name'], '\', '\\'), '"', '\"'), '''', '\'''), '	', '\t')}" AND statusCategory != Done"#
    );
    let find = &action(&wf, "Find_transition_for_Transition_Jira_issue")["inputs"];
    assert_eq!(
        find["where"],
        "@equals(toLower(string(item()?['name'])), toLower('Resolve'))"
    );
    let post = &action(&wf, "Apply_transition_for_Transition_Jira_issue")["inputs"];
    assert_eq!(post["method"], "POST");
    assert!(post["uri"].as_str().unwrap().ends_with("/transitions"));
    assert_eq!(
        post["body"]["transition"]["id"],
        "@first(body('Find_transition_for_Transition_Jira_issue'))?['id']"
    );
    assert_eq!(
        post["body"]["update"]["comment"][0]["add"]["body"]["type"],
        "doc"
    );
}

#[test]
fn one_direction_only() {
    let spec = format!(
        "{HEAD}sync:\n  servicenow: {{ connection: snow, direction: to-sentinel }}\n  jira: {{ connection: jira, direction: from-sentinel }}\n"
    );
    let built = builds(&spec);
    let names: Vec<String> = built
        .files
        .files
        .keys()
        .filter_map(|p| p.strip_prefix("playbooks").ok())
        .filter_map(|p| p.components().next())
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    assert!(names.contains(&"sync-servicenow-to-sentinel".to_string()));
    assert!(names.contains(&"sync-sentinel-to-jira".to_string()));
    assert!(!names.contains(&"sync-sentinel-to-servicenow".to_string()));
    assert!(!names.contains(&"sync-jira-to-sentinel".to_string()));
    // Default interval: 5 minutes, window 10.
    let wf = workflow(&built, "sync-servicenow-to-sentinel");
    assert_eq!(wf["triggers"]["Recurrence"]["recurrence"]["interval"], 5);
}

#[test]
fn unknown_or_wrong_connection() {
    fails_on(
        &format!("{HEAD}sync:\n  servicenow: {{ connection: snw }}\n"),
        "SPEC040",
        &["unknown connection `snw`", "did you mean `snow`?"],
    );
    fails_on(
        &format!("{HEAD}sync:\n  jira: {{ connection: snow }}\n"),
        "SPEC041",
        &["servicenow connection", "jira-cloud or jira-data-center"],
    );
}

#[test]
fn mapping_gaps_and_bad_classifications() {
    fails_on(
        &format!(
            "{HEAD}sync:\n  servicenow:\n    connection: snow\n    resolve_codes: {{ TruePositive: Solved }}\n"
        ),
        "SPEC024",
        &["BenignPositive", "FalsePositive", "Undetermined"],
    );
    fails_on(
        &format!(
            "{HEAD}sync:\n  servicenow:\n    connection: snow\n    resolve_codes: {{ TruePositve: Solved }}\n    default_close_code: Solved\n"
        ),
        "SPEC023",
        &["TruePositve", "did you mean `TruePositive`?"],
    );
    // Unknown classification names in close_codes are parse errors with a suggestion.
    fails_on(
        &format!(
            "{HEAD}sync:\n  servicenow:\n    connection: snow\n    close_codes: {{ Solved: TruePositiv }}\n"
        ),
        "SPEC002",
        &["TruePositiv"],
    );
}

#[test]
fn invalid_intervals() {
    for bad in ["0m", "25h", "5", "5s", "often"] {
        fails_on(
            &format!("{HEAD}sync:\n  jira: {{ connection: jira, poll_every: \"{bad}\" }}\n"),
            "SPEC094",
            &[&format!("`{bad}` is not a polling interval")],
        );
    }
}

#[test]
fn steps_on_their_own() {
    let spec = format!(
        "{HEAD}  - name: close-from-http\n    trigger: {{ http-request: {{}} }}\n    steps:\n      - sentinel.close_incident:\n          incident: \"{{{{request.body.arm_id}}}}\"\n          classification: {{ from: \"{{{{request.body.code}}}}\", values: {{ fp: FalsePositive }} }}\n"
    );
    fails_on(&spec, "SPEC095", &["needs a `default`"]);
    let spec = format!(
        "{HEAD}  - name: label-it\n    trigger: {{ recurrence: {{ frequency: Hour, interval: 1 }} }}\n    steps:\n      - sentinel.add_label: triaged\n"
    );
    fails_on(&spec, "SPEC039", &["sentinel.add_label needs an incident"]);
    let spec = format!(
        "{HEAD}  - name: comment-jira\n    trigger: incident\n    steps:\n      - jira.add_comment: {{ connection: jira, issue: SEC-1, message: \"Seen {{{{incident.title}}}}\" }}\n      - servicenow.query_incidents:\n          connection: snow\n          query: active=true\n          page_size: 0\n          as: t\n          steps: [ {{ sentinel.add_label: \"servicenow:{{{{t.number}}}}\" }} ]\n"
    );
    fails_on(&spec, "SPEC094", &["page_size 0"]);
}

#[test]
fn entities_inside_a_loop_are_rejected() {
    // Its variables are workflow-wide: iterations would share and accumulate them.
    let spec = r#"
deployment:
  workspace: { name: law-sentinel }
connections:
  snow:
    kind: servicenow
    instance: https://contoso.service-now.com
    username: sentinel.integration
    password: { key_vault: { vault: kv-soc, secret: snow-password } }
playbooks:
  - name: entities-in-loop
    trigger: incident
    steps:
      - servicenow.query_incidents:
          connection: snow
          query: "active=true"
          as: ticket
          steps:
            - sentinel.get_entities: { id: ents }
"#;
    fails_on(
        spec,
        "SPEC096",
        &["cannot run inside a loop", "move the step before the loop"],
    );
}
