//! Issue 13: generated playbooks that are safe at run time. References are encoded for the
//! language they land in (URL, JQL, ServiceNow encoded query, HTML, ARM, Logic Apps), names
//! follow Azure's rules, literals compared with enumerated fields are checked, secrets never
//! appear in output, and messages say what to do. Asserted on the generated expressions, on
//! exit codes and on positions.

use crate::common;
use crate::common::{build_ok, fails_with, read, soarc, stderr, write};
use serde_json::Value;
use soarc_lang::wdl::{Part, Template};

const HEAD: &str = r#"deployment:
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
"#;

/// A spec with one incident playbook `p` running `steps` (indented as list items).
fn playbook(steps: &str) -> String {
    format!("{HEAD}playbooks:\n  - name: p\n    trigger: incident\n    steps:\n{steps}")
}

/// Every string in `value` containing `needle`.
fn strings_with(value: &Value, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    fn walk(v: &Value, needle: &str, found: &mut Vec<String>) {
        match v {
            Value::String(s) if s.contains(needle) => found.push(s.clone()),
            Value::Array(items) => items.iter().for_each(|i| walk(i, needle, found)),
            Value::Object(map) => map.values().for_each(|i| walk(i, needle, found)),
            _ => {}
        }
    }
    walk(value, needle, &mut found);
    found
}

/// The one workflow string containing `needle`, parsed as Logic Apps reads it.
fn workflow_template(spec: &str, needle: &str) -> Template {
    let (dir, _) = build_ok(spec);
    let workflow = read(dir.path(), "playbooks/p/workflow.json");
    let found = strings_with(&workflow, needle);
    assert_eq!(found.len(), 1, "{needle}: {found:?}");
    Template::parse(&found[0]).unwrap_or_else(|e| panic!("{}: {e}", found[0]))
}

/// The expressions of an interpolated template, printed.
fn expressions(template: &Template) -> Vec<String> {
    match template {
        Template::Interpolated(parts) => parts
            .iter()
            .filter_map(|p| match p {
                Part::Expr(e) => Some(e.to_string()),
                Part::Text(_) => None,
            })
            .collect(),
        Template::Expr(e) => vec![e.to_string()],
        Template::Literal(_) => Vec::new(),
    }
}

const TITLE: &str = "triggerBody()?['object']?['properties']?['title']";

#[test]
fn jql_string_literals_escape_backslash_and_quotes() {
    let spec = playbook(
        r#"      - jira.search_issues:
          connection: jira
          jql: 'summary ~ "{{incident.title}}" AND project = SEC'
          as: issue
          steps:
            - jira.add_comment: { connection: jira, issue: "{{issue.key}}", message: seen }
"#,
    );
    let jql = workflow_template(&spec, "summary ~");
    assert_eq!(
        expressions(&jql),
        vec![format!(
            "replace(replace(replace(replace({TITLE}, '\\', '\\\\'), '\"', '\\\"'), '''', '\\'''), '\t', '\\t')"
        )]
    );
}

#[test]
fn jql_reference_outside_quotes_is_refused() {
    fails_with(
        &playbook(
            r#"      - jira.search_issues:
          connection: jira
          jql: 'project = {{incident.title}}'
          as: issue
          steps:
            - jira.add_comment: { connection: jira, issue: "{{issue.key}}", message: seen }
"#,
        ),
        &[
            "SPEC054",
            "inside a quoted string",
            "spec.yaml:22:",
            "double quotes",
        ],
    );
}

#[test]
fn servicenow_query_values_lose_the_condition_separator() {
    let spec = playbook(
        r#"      - servicenow.query_incidents:
          connection: snow
          query: "active=true^short_descriptionLIKE{{incident.title}}"
          as: ticket
          steps:
            - servicenow.resolve_incident:
                connection: snow
                sys_id: "{{ticket.sys_id}}"
                close_code: Solved
                close_notes: done
"#,
    );
    let query = workflow_template(&spec, "short_descriptionLIKE");
    let printed = expressions(&query);
    assert_eq!(printed.len(), 1);
    assert!(
        printed[0].contains(&format!("replace({TITLE}, '^', '')")),
        "{printed:?}"
    );
    assert!(
        printed[0].starts_with("if(startsWith(toLower(trim("),
        "{printed:?}"
    );
}

#[test]
fn url_references_are_uri_components() {
    let spec = playbook(
        r#"      - http:
          method: GET
          uri: "https://api.example.com/items/{{incident.title}}?q={{incident.title}}&x=1"
"#,
    );
    let uri = workflow_template(&spec, "api.example.com");
    assert_eq!(
        expressions(&uri),
        vec![
            format!("uriComponent({TITLE})"),
            format!("uriComponent({TITLE})")
        ]
    );
}

#[test]
fn sentinel_comments_html_escape_references_ampersand_first() {
    // HTML first (`&` first), then Markdown's link, emphasis and code characters.
    let spec = playbook("      - sentinel.add_comment: \"Title: <b>{{incident.title}}</b>\"\n");
    let message = workflow_template(&spec, "Title: ");
    assert_eq!(
        expressions(&message),
        vec![format!(
            "replace(replace(replace(replace(replace(replace(replace(replace(replace(replace({TITLE}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '\"', '&quot;'), '''', '&#39;'), '[', '&#91;'), ']', '&#93;'), '*', '&#42;'), '_', '&#95;'), '`', '&#96;')"
        )]
    );
    // The spec's own markup stays markup.
    match message {
        Template::Interpolated(parts) => {
            assert_eq!(parts[0], Part::Text("Title: <b>".into()))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn label_conditions_are_literal_text_for_logic_apps() {
    for label in ["@{concat('i','nj')}", "@{x}", "@@", "a @{b} c"] {
        let spec = playbook(&format!(
            "      - if:\n          condition: {{ has_label: {} }}\n          then: [ {{ sentinel.add_comment: found }} ]\n",
            serde_json::to_string(label).unwrap()
        ));
        let (dir, _) = build_ok(&spec);
        let workflow = read(dir.path(), "playbooks/p/workflow.json");
        let needles = strings_with(&workflow, "labelname");
        let needle = needles
            .iter()
            .find(|s| s.starts_with("\"labelname"))
            .or(needles.iter().find(|s| s.starts_with("@@")));
        let needle = needle.unwrap_or_else(|| panic!("{needles:?}"));
        match Template::parse(needle).unwrap() {
            Template::Literal(text) => {
                assert_eq!(
                    text,
                    format!("\"labelname\":{}", serde_json::to_string(label).unwrap())
                )
            }
            other => panic!("{label}: evaluated: {other:?}"),
        }
    }
}

#[test]
fn key_vault_and_resource_group_names_follow_azure_rules() {
    for (vault, _line) in [
        ("kv x'y${z}", 10),
        ("kv--soc", 10),
        ("kv\\nresource x 'y' = {}", 10),
    ] {
        let spec = HEAD.replace(
            "password: { key_vault: { vault: kv-soc, secret: snow-password } }",
            &format!("password: {{ key_vault: {{ vault: \"{vault}\", secret: snow-password }} }}"),
        ) + "playbooks:\n  - name: p\n    trigger: incident\n    steps:\n      - sentinel.add_comment: hi\n";
        fails_with(&spec, &["SPEC085", "Key Vault name", "resource-name-rules"]);
    }
    let spec = HEAD.replace("resource_group: rg-soc", "resource_group: \"rg'soc\"")
        + "playbooks:\n  - name: p\n    trigger: incident\n    steps:\n      - sentinel.add_comment: hi\n";
    fails_with(&spec, &["SPEC085", "resource group name", "spec.yaml:3:"]);
}

#[test]
fn arm_evaluated_descriptions_are_escaped() {
    for description in ["[concat('i','nj')]", "[v] it's @{x} [z]"] {
        let spec = format!(
            "{HEAD}playbooks:\n  - name: p\n    description: {}\n    trigger: incident\n    steps:\n      - sentinel.add_comment: hi\n",
            serde_json::to_string(description).unwrap()
        );
        let (dir, text) = build_ok(&spec);
        assert!(!text.contains("bug in soarc"), "{text}");
        let template = read(dir.path(), "playbooks/p/azuredeploy.json");
        let written = template["metadata"]["description"].as_str().unwrap();
        assert_eq!(written, format!("[{description}"));
        assert_eq!(
            soarc_lang::arm::expr::ArmString::parse(written).unwrap(),
            soarc_lang::arm::expr::ArmString::Literal(description.into())
        );
    }
}

#[test]
fn literals_compared_with_enumerated_fields_are_checked() {
    fails_with(
        &playbook(
            "      - if:\n          condition: { equals: [\"{{incident.severity}}\", Hgh] }\n          then: [ { sentinel.add_comment: high } ]\n",
        ),
        &[
            "SPEC055",
            "`Hgh` is not a value of `incident.severity`",
            "did you mean `High`?",
            "spec.yaml:21:",
        ],
    );
    fails_with(
        &playbook(
            "      - if:\n          condition: { not_equals: [medium, \"{{incident.severity}}\"] }\n          then: [ { sentinel.add_comment: x } ]\n",
        ),
        &["SPEC055", "did you mean `Medium`?"],
    );
    fails_with(
        &playbook(
            "      - switch:\n          on: \"{{incident.severity}}\"\n          cases:\n            High: [ { sentinel.add_comment: a } ]\n            Hihg: [ { sentinel.add_comment: b } ]\n",
        ),
        &["SPEC055", "`Hihg`", "did you mean `High`?", "spec.yaml:24:"],
    );
    fails_with(
        &playbook(
            "      - if:\n          condition: { contains: [\"{{incident.tactics}}\", InitialAcess] }\n          then: [ { sentinel.add_comment: a } ]\n",
        ),
        &["SPEC055", "did you mean `InitialAccess`?"],
    );
    // Correct values still build.
    build_ok(&playbook(
        "      - if:\n          condition: { equals: [\"{{incident.severity}}\", High] }\n          then: [ { sentinel.add_comment: high } ]\n",
    ));
}

const RULE_HEAD: &str = "automation_rules:\n  - name: r\n    order: 1\n    when: created\n";

#[test]
fn automation_rule_analytics_ids_are_checked_like_from_analytics_rule() {
    let spec = playbook("      - sentinel.add_comment: hi\n")
        + RULE_HEAD
        + "    conditions: { analytics_rule_ids: [\"Brute force rule\"] }\n    actions: [ { run_playbook: p } ]\n";
    fails_with(
        &spec,
        &["SPEC044", "`Brute force rule` is not an analytics rule id"],
    );
}

#[test]
fn automation_rule_enum_values_get_suggestions_not_library_words() {
    let spec = playbook("      - sentinel.add_comment: hi\n")
        + RULE_HEAD
        + "    conditions: { severity: [High, Hgh] }\n    actions: [ { run_playbook: p } ]\n";
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "spec.yaml", &spec);
    let output = soarc(&["build", "spec.yaml", "--out", "out"], dir.path());
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("did you mean `High`?"), "{text}");
    assert!(!text.contains("untagged"), "{text}");
    assert!(!text.contains("OneOrMany"), "{text}");
}

#[test]
fn group_owners_need_an_object_id() {
    let spec = playbook("      - sentinel.add_comment: hi\n")
        + RULE_HEAD
        + "    actions: [ { modify: { owner: { email: team@contoso.com, type: Group } } } ]\n";
    fails_with(&spec, &["RULE008", "object id"]);
}

#[test]
fn inline_secrets_point_at_the_key_and_are_never_printed() {
    let secret = "Sup3r-S3cret!";
    let spec = HEAD.replace(
        "password: { key_vault: { vault: kv-soc, secret: snow-password } }",
        &format!("password: {secret}"),
    ) + "playbooks:\n  - name: p\n    trigger: incident\n    steps:\n      - sentinel.add_comment: hi\n";
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "spec.yaml", &spec);
    for args in [
        vec!["build", "spec.yaml", "--out", "out"],
        vec!["build", "spec.yaml", "--out", "out", "--check"],
    ] {
        let output = soarc(&args, dir.path());
        let text = format!(
            "{}{}",
            stderr(&output),
            String::from_utf8_lossy(&output.stdout)
        );
        assert_eq!(output.status.code(), Some(1), "{text}");
        assert!(!text.contains(secret), "the secret leaked:\n{text}");
        if args.len() == 4 {
            assert!(text.contains("SPEC086"), "{text}");
            assert!(text.contains("`password` is written in the spec"), "{text}");
            assert!(text.contains("spec.yaml:10:5"), "{text}");
            assert!(
                text.contains("key_vault: { vault: <vault name>, secret: <secret name> }"),
                "{text}"
            );
        }
    }
}

#[test]
fn yaml_library_wording_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let spec = playbook("      - sentinel.add_comment: hi\n").replace(
        "    trigger: incident\n",
        "    trigger: incident\n    trigger: incident\n",
    );
    write(dir.path(), "spec.yaml", &spec);
    let text = stderr(&soarc(&["build", "spec.yaml", "--out", "out"], dir.path()));
    assert!(text.contains("`trigger` is written twice"), "{text}");
    assert!(!text.contains("DuplicateKeyPolicy"), "{text}");

    let spec = playbook("      - sentinel.add_comment: [1, 2]\n");
    write(dir.path(), "spec.yaml", &spec);
    let text = stderr(&soarc(&["build", "spec.yaml", "--out", "out"], dir.path()));
    assert!(text.contains("takes the message text"), "{text}");
    assert!(!text.contains("untagged enum"), "{text}");
}

#[test]
fn yaml_syntax_errors_get_a_help_line() {
    let dir = tempfile::tempdir().unwrap();
    let spec = playbook("      - sentinel.add_comment: hi\n").replace("    trigger:", "\ttrigger:");
    write(dir.path(), "spec.yaml", &spec);
    let output = soarc(&["build", "spec.yaml", "--out", "out"], dir.path());
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("SPEC002"), "{text}");
    assert!(text.contains("tab"), "{text}");
    assert!(text.contains("help"), "{text}");
}

#[test]
fn a_step_defined_later_is_named_with_its_line() {
    fails_with(
        &playbook(
            "      - sentinel.add_comment: \"{{ticket.number}}\"\n      - servicenow.create_incident:\n          id: ticket\n          connection: snow\n          fields: { short_description: x }\n",
        ),
        &["defined later, at line 22", "spec.yaml:20:"],
    );
}

#[test]
fn an_invalid_name_never_suggests_an_empty_one() {
    let spec = format!(
        "{HEAD}playbooks:\n  - name: \"..\"\n    trigger: incident\n    steps:\n      - sentinel.add_comment: hi\n"
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "spec.yaml", &spec);
    let text = stderr(&soarc(&["build", "spec.yaml", "--out", "out"], dir.path()));
    assert!(text.contains("SPEC030"), "{text}");
    assert!(!text.contains("e.g. ``"), "{text}");
    assert!(text.contains("e.g. `my-playbook`"), "{text}");
}

#[test]
fn http_steps_read_secrets_from_key_vault_with_secure_data() {
    let spec = playbook(
        r#"      - http:
          method: POST
          uri: "https://api.example.com/lookup?key={{secrets.api_key}}"
          headers: { X-Api-Key: "{{secrets.api_key}}" }
          body: { token: "{{secrets.api_key}}", title: "{{incident.title}}" }
          secrets:
            api_key: { key_vault: { vault: kv-soc, secret: lookup-api-key } }
"#,
    );
    let (dir, text) = build_ok(&spec);
    assert!(!text.contains("WDL023"), "{text}");
    let workflow = read(dir.path(), "playbooks/p/workflow.json");
    let main = &workflow["actions"]["Main"]["actions"];
    let read_secret = &main["Get_api_key_for_HTTP"];
    assert_eq!(read_secret["type"], "ApiConnection", "{main:#}");
    assert_eq!(
        read_secret["inputs"]["path"],
        "/secrets/@{encodeURIComponent('lookup-api-key')}/value"
    );
    assert_eq!(
        read_secret["runtimeConfiguration"]["secureData"]["properties"],
        serde_json::json!(["inputs", "outputs"])
    );
    let http = &main["HTTP"];
    assert_eq!(
        http["runtimeConfiguration"]["secureData"]["properties"],
        serde_json::json!(["inputs"])
    );
    assert_eq!(
        http["runAfter"]["Get_api_key_for_HTTP"],
        serde_json::json!(["Succeeded"])
    );
    let value = "body('Get_api_key_for_HTTP')?['value']";
    assert_eq!(
        http["inputs"]["headers"]["X-Api-Key"],
        format!("@{{{value}}}")
    );
    assert_eq!(http["inputs"]["body"]["token"], format!("@{value}"));
    assert_eq!(
        http["inputs"]["uri"],
        "https://api.example.com/lookup?key=@{uriComponent(body('Get_api_key_for_HTTP')?['value'])}"
    );
}

#[test]
fn hard_coded_credentials_are_spec_errors_reported_once() {
    let key = "sk_live_0123456789abcdef";
    let spec = playbook(&format!(
        "      - http:\n          method: GET\n          uri: https://api.example.com/lookup\n          headers: {{ Authorization: \"Bearer {key}\" }}\n"
    ));
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "spec.yaml", &spec);
    let output = soarc(&["build", "spec.yaml", "--out", "out"], dir.path());
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert_eq!(
        text.matches("is a credential written in the spec").count(),
        1,
        "{text}"
    );
    assert!(text.contains("header `Authorization`"), "{text}");
    assert!(text.contains("spec.yaml:23:"), "{text}");
    assert!(!text.contains(key), "{text}");
    assert!(!text.contains("WDL023"), "{text}");
}

#[test]
fn the_example_warns_about_its_re_firing_tag_rule() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let output = soarc(
        &[
            "build",
            root.join("examples/sentinel-soar.yaml").to_str().unwrap(),
            "--out",
            "out",
        ],
        dir.path(),
    );
    let text = stderr(&output);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("RULE011"), "{text}");
    assert!(text.contains("`jira-for-vulnerability-tag`"), "{text}");
}

/// Adversarial: hostile text in every free-text field either builds or is a spec error,
/// never a panic or "bug in soarc", and what is written reads back as the same text.
#[test]
fn hostile_text_never_breaks_the_build() {
    let hostile = [
        "[concat('i','nj')]",
        "[v] it's @{x} [z]",
        "@{x}",
        "@@",
        "@",
        "${x} '${y}'",
        "\"quoted\" \\ back\\slash",
        "]] [[",
        "line\nbreak",
        "</p><script>alert(1)</script>",
        "x^NQactive=true",
        "a\" OR project = HR OR summary ~ \"b",
    ];
    for text in hostile {
        let t = serde_json::to_string(text).unwrap();
        let spec = format!(
            r#"{HEAD}playbooks:
  - name: p
    description: {t}
    tags: {{ owner: {t} }}
    trigger: incident
    steps:
      - servicenow.create_incident:
          id: ticket
          connection: snow
          fields: {{ short_description: {t}, description: {t}, category: {t} }}
      - jira.create_issue:
          connection: jira
          project: SEC
          issue_type: Bug
          summary: {t}
          description: [ {{ paragraph: {t} }} ]
      - sentinel.add_comment: {t}
      - if:
          condition: {{ any: [ {{ has_label: {t} }}, {{ contains: ["{{{{incident.title}}}}", {t}] }} ] }}
          then: [ {{ sentinel.add_label: {t} }} ]
automation_rules:
  - name: r
    display_name: {t}
    order: 1
    when: created
    conditions: {{ title_contains: {t} }}
    actions:
      - run_playbook: p
      - add_task: {{ title: {t}, description: {t} }}
"#
        );
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "spec.yaml", &spec);
        let output = soarc(&["build", "spec.yaml", "--out", "out"], dir.path());
        let err = stderr(&output);
        assert!(!err.contains("panicked"), "{text:?}: {err}");
        assert!(!err.contains("bug in soarc"), "{text:?}: {err}");
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{text:?}: {err}"
        );
        if output.status.success() {
            let template = read(dir.path(), "playbooks/p/azuredeploy.json");
            let description = template["metadata"]["description"].as_str().unwrap();
            assert_eq!(
                soarc_lang::arm::expr::ArmString::parse(description).unwrap(),
                soarc_lang::arm::expr::ArmString::Literal(text.into()),
                "{text:?}"
            );
        }
    }
}

/// Run-level (the simulator, `soarc test`): a re-query loop whose page never changes stops;
/// markup a playbook builds in a variable renders in a comment while an incident title is
/// still escaped (HTML and Markdown); a playbook that opens a ServiceNow ticket without
/// `sync:` opens none on a second run for the same incident; the failure comment names the
/// failed create inside two nested ticket guards.
#[test]
fn loops_markup_and_ticket_guards_behave_at_run_time() {
    let spec = format!(
        "{HEAD}{}",
        r#"playbooks:
  - name: p
    trigger: { recurrence: { frequency: Hour, interval: 1 } }
    steps:
      - servicenow.query_incidents:
          connection: snow
          query: "active=true"
          page_size: 2
          requery: true
          as: ticket
          steps:
            - servicenow.resolve_incident: { connection: snow, sys_id: "{{ticket.sys_id}}", close_code: Solved, close_notes: done }
  - name: q
    trigger: incident
    variables:
      items: { type: string }
    steps:
      - append_variable: { variable: items, value: "<li>{{incident.title}}</li>" }
      - sentinel.add_comment: "<ul>{{variables.items}}</ul> {{incident.title}}"
  - name: r
    trigger: incident
    steps:
      - servicenow.create_incident:
          connection: snow
          fields: { short_description: "{{incident.title}}" }
  - name: two
    trigger: incident
    steps:
      - servicenow.create_incident:
          connection: snow
          fields: { short_description: "{{incident.title}}" }
      - jira.create_issue: { connection: jira, project: SEC, issue_type: Bug, summary: x }
tests:
  - name: the failure comment names the failed create inside two nested ticket guards
    playbook: two
    mocks:
      jira.create_issue: { status: 500 }
    expect:
      status: Failed
      comment_contains: ["Failed action: Create_Jira_issue"]
  - name: a re-query loop whose page never changes stops after reading it twice
    playbook: p
    mocks:
      List_page_of_Query_ServiceNow_incidents: { status: 200, body: { result: [{ sys_id: a }, { sys_id: b }] } }
      servicenow.update_incident: { status: 400 }
    expect:
      status: Failed
      calls: [{ action: List_page_of_Query_ServiceNow_incidents, times: 2 }]
  - name: markup the spec builds renders, an incident title does not
    playbook: q
    incident: { title: "<img src=x onerror=alert(1)> [click](https://evil.example) *bold*" }
    expect:
      status: Succeeded
      comment_contains: ["<ul><li>&lt;img src=x onerror=alert(1)&gt; &#91;click&#93;(https://evil.example) &#42;bold&#42;</li></ul>"]
  - name: a second run for the same incident opens no second ticket
    playbook: r
    expect:
      calls: [{ operation: servicenow.create_incident, times: 1 }]
    second_run:
      expect:
        no_calls: [{ operation: servicenow.create_incident }]
"#
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "spec.yaml", &spec);
    let output = soarc(&["test", "spec.yaml"], dir.path());
    let out = String::from_utf8_lossy(&output.stdout).into_owned() + &stderr(&output);
    assert!(output.status.success(), "{out}");
    assert!(out.contains("4 test(s): 4 passed, 0 failed"), "{out}");
}

/// A sync's incident read answering 404 or 403 is handled without failing the poll: the
/// status check also runs after a failed read, and the 404/403 branch runs only then. No
/// branch can end in an action skipped after the failed read (Learn's branch rule).
#[test]
fn a_gone_incident_never_ends_a_branch_skipped() {
    let built = common::build_example(
        &common::examples()
            .into_iter()
            .find(|p| p.ends_with("sentinel-soar.yaml"))
            .unwrap(),
    );
    for playbook in ["sync-servicenow-to-sentinel", "sync-jira-to-sentinel"] {
        let workflow = common::built_json(&built, format!("playbooks/{playbook}/workflow.json"));
        let gone =
            find_action(&workflow, "If_incident_gone_for_").unwrap_or_else(|| panic!("{playbook}"));
        let (read, after) = gone["runAfter"].as_object().unwrap().iter().next().unwrap();
        assert!(read.starts_with("Get_status_for_"), "{read}");
        assert_eq!(after, &serde_json::json!(["Failed", "TimedOut"]));
        let expression = gone["expression"].to_string();
        assert!(
            expression.contains("404") && expression.contains("403"),
            "{expression}"
        );
        // Any other failure reads once more, so that the item still fails visibly.
        let again = gone["else"]["actions"].as_object().unwrap();
        assert_eq!(again.values().next().unwrap()["type"], "Http");
        let check = find_action(&workflow, "If_not_closed_for_").unwrap();
        assert_eq!(
            check["runAfter"][read],
            serde_json::json!(["Succeeded", "Failed", "TimedOut"])
        );
        assert!(
            check["expression"]["and"][0]
                .to_string()
                .contains("['status']")
        );
    }
}

/// Every paging loop remembers its last page and stops when the next is the same.
#[test]
fn every_paging_loop_stops_without_progress() {
    let built = common::build_example(
        &common::examples()
            .into_iter()
            .find(|p| p.ends_with("sentinel-soar.yaml"))
            .unwrap(),
    );
    for playbook in [
        "sync-servicenow-to-sentinel",
        "sync-sentinel-to-servicenow",
        "sync-jira-to-sentinel",
        "sync-sentinel-to-jira",
    ] {
        let workflow = common::built_json(&built, format!("playbooks/{playbook}/workflow.json"));
        let until = find_type(&workflow, "Until").unwrap_or_else(|| panic!("{playbook}"));
        let done = until["expression"].as_str().unwrap();
        assert!(
            done.contains("outputs('Same_page_of_"),
            "{playbook}: {done}"
        );
        let body = until["actions"].as_object().unwrap();
        let same = body
            .iter()
            .find(|(k, _)| k.starts_with("Same_page_of_"))
            .unwrap()
            .1;
        assert!(
            same["inputs"].as_str().unwrap().contains("variables('"),
            "{playbook}"
        );
        let remember = body
            .iter()
            .find(|(k, _)| k.starts_with("Remember_last_page_of_"))
            .unwrap()
            .1;
        assert_eq!(remember["type"], "SetVariable");
        assert!(
            remember["runAfter"]
                .as_object()
                .unwrap()
                .keys()
                .any(|k| k.starts_with("Same_page_of_"))
        );
    }
}

/// Ticket creation without `sync:` is guarded by the ticket tag too, its steps run in a
/// scope, and the failure handling reads that scope with `result()` to name the failed
/// action.
#[test]
fn ticket_guards_run_in_a_scope_the_failure_handling_reads() {
    let spec = playbook(
        "      - servicenow.create_incident:\n          connection: snow\n          fields: { short_description: \"{{incident.title}}\" }\n",
    );
    let (dir, _) = build_ok(&spec);
    let workflow = read(dir.path(), "playbooks/p/workflow.json");
    let guard = find_action(&workflow, "If_no_ticket_yet").expect("guard");
    assert!(
        guard["expression"].to_string().contains("servicenow:"),
        "{guard}"
    );
    let scope = &guard["actions"]["Open_ticket"];
    assert_eq!(scope["type"], "Scope");
    let inner: Vec<&String> = scope["actions"].as_object().unwrap().keys().collect();
    assert!(
        inner
            .iter()
            .any(|k| k.as_str() == "Create_ServiceNow_incident"),
        "{inner:?}"
    );
    assert!(
        inner.iter().any(|k| k.starts_with("Add_label")),
        "{inner:?}"
    );
    let query = find_action(&workflow, "Failed_ticket_actions").expect("inner lookup");
    let from = query["inputs"]["from"].as_str().unwrap();
    assert!(
        from.contains("result('Open_ticket')") && from.contains("'If_no_ticket_yet'"),
        "{from}"
    );
}

/// `queries` values are never percent-encoded by soarc (Logic Apps adds them to the URL as
/// name-value pairs; encoding them here would encode them twice), and a reference in a
/// ServiceNow query loses `^`, `&` and `#`, so it is harmless whether or not the runtime
/// encodes it.
#[test]
fn connector_query_values_are_not_encoded_twice() {
    let spec = playbook(
        r#"      - servicenow.query_incidents:
          connection: snow
          query: "active=true^short_descriptionLIKE{{incident.title}}"
          as: t
          steps:
            - sentinel.add_comment: "{{t.number}}"
"#,
    );
    let (dir, _) = build_ok(&spec);
    let workflow = read(dir.path(), "playbooks/p/workflow.json");
    let list = find_action(&workflow, "List_page_of_").unwrap();
    let query = list["inputs"]["queries"]["sysparm_query"].as_str().unwrap();
    assert!(
        query.starts_with("active=true^short_descriptionLIKE@{"),
        "{query}"
    );
    assert!(
        !query.contains("uriComponent") && !query.contains('%'),
        "{query}"
    );
    for removed in ["'^', ''", "'&', ''", "'#', ''"] {
        assert!(query.contains(removed), "{removed}: {query}");
    }
}

/// SPEC085 inside a connection's `key_vault` (whose own positions the parser loses) points
/// at the name in the spec.
#[test]
fn names_inside_a_connection_key_vault_have_positions() {
    let spec = HEAD.replace(
        "password: { key_vault: { vault: kv-soc, secret: snow-password } }",
        "password:\n      key_vault:\n        vault: kv--soc\n        secret: snow-password",
    ) + "playbooks:\n  - name: p\n    trigger: incident\n    steps:\n      - sentinel.add_comment: hi\n";
    fails_with(
        &spec,
        &["SPEC085", "Key Vault name `kv--soc`", "spec.yaml:12:16"],
    );
}

/// The first action (recursively) whose name starts with `prefix`.
fn find_action<'v>(value: &'v Value, prefix: &str) -> Option<&'v Value> {
    match value {
        Value::Object(map) => {
            for key in ["actions", "else", "cases", "default"] {
                if let Some(Value::Object(children)) = map.get(key) {
                    for (name, child) in children {
                        if name.starts_with(prefix) {
                            return Some(child);
                        }
                    }
                }
            }
            map.values().find_map(|v| find_action(v, prefix))
        }
        Value::Array(items) => items.iter().find_map(|v| find_action(v, prefix)),
        _ => None,
    }
}

/// The first action (recursively) of type `kind`.
fn find_type<'v>(value: &'v Value, kind: &str) -> Option<&'v Value> {
    match value {
        Value::Object(map) if map.get("type").and_then(Value::as_str) == Some(kind) => Some(value),
        Value::Object(map) => map.values().find_map(|v| find_type(v, kind)),
        Value::Array(items) => items.iter().find_map(|v| find_type(v, kind)),
        _ => None,
    }
}

/// An `http` step's `query:` is written into the URI by soarc, names and literal text
/// percent-encoded, references through `uriComponent()`: right whether or not Logic Apps
/// encodes the values of an action's `queries` object.
#[test]
fn http_query_values_are_encoded_into_the_uri() {
    let spec = playbook(
        r#"      - http:
          method: GET
          uri: https://api.example.com/lookup
          query: { q: "{{incident.title}}", "a b": "x y&z" }
"#,
    );
    let (dir, _) = build_ok(&spec);
    let workflow = read(dir.path(), "playbooks/p/workflow.json");
    let http = find_type(&workflow, "Http").unwrap();
    assert_eq!(
        http["inputs"]["uri"],
        format!("https://api.example.com/lookup?q=@{{uriComponent({TITLE})}}&a%20b=x%20y%26z")
    );
    assert!(
        http["inputs"]
            .get("queries")
            .is_none_or(|q| q == &serde_json::json!({})),
        "{http}"
    );
}
