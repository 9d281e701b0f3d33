//! Jira playbooks (Cloud and Data Center), entity enrichment and routing: what the
//! generated workflow and templates carry, and bad input rejected with a location and a
//! suggestion, nothing written.

use crate::common::*;

use serde_json::Value;

const HEADER: &str = r#"
deployment:
  subscription_id: 00000000-0000-0000-0000-000000000000
  resource_group: rg-soc
  workspace: { name: law-sentinel }
mappings:
  jira_priority:
    from: incident.severity
    values: { High: High, Medium: Medium, Low: Low, Informational: Lowest }
connections:
  snow:
    kind: servicenow
    instance: https://contoso.service-now.com
    username: sentinel.integration
    password: { key_vault: { vault: kv-soc, secret: snow-password } }
  jira:
    kind: jira-cloud
    site: https://contoso.atlassian.net/
    email: sentinel-bot@contoso.com
    api_token: { key_vault: { vault: kv-soc, secret: jira-api-token } }
  jira-dc:
    kind: jira-data-center
    base_url: https://jira.contoso.com
    personal_access_token: { key_vault: { vault: kv-dc, secret: jira-pat, resource_group: rg-vault } }
"#;

/// A spec with `HEADER` and one incident playbook `p1` with the given steps (indented as
/// list items under `steps:`).
fn spec(steps: &str) -> String {
    format!("{HEADER}playbooks:\n  - name: p1\n    trigger: incident\n    steps:\n{steps}")
}

const CLOUD_STEPS: &str = r#"      - sentinel.get_entities: { id: enrichment }
      - servicenow.create_incident:
          id: ticket
          connection: snow
          fields:
            short_description: "Sentinel: {{incident.title}}"
            description: "Entities:\n{{enrichment.text}}"
      - jira.create_issue:
          id: issue
          connection: jira
          project: SEC
          issue_type: Bug
          summary: "[Sentinel] {{incident.title}}"
          priority: { map: jira_priority }
          labels: [sentinel, security-incident]
          description:
            - paragraph: "{{incident.description}}"
            - paragraph: "Severity: {{incident.severity}}\nTicket: {{ticket.number}}"
            - link: { text: Open in Microsoft Sentinel, url: "{{incident.url}}" }
            - bullets: "{{enrichment.list}}"
      - sentinel.add_comment: "Jira issue {{issue.key}}: {{issue.url}}"
"#;

/// Build and return the files of playbook `p1`: workflow, template, parameters.
/// Every action in `Main` by name, nested ones included (the create steps run in the
/// ticket guard's scope).
fn main_actions(workflow: &Value) -> Value {
    fn walk(actions: &Value, out: &mut serde_json::Map<String, Value>) {
        for (name, action) in actions.as_object().into_iter().flatten() {
            out.insert(name.clone(), action.clone());
            for children in [action.get("actions"), action.pointer("/else/actions")]
                .into_iter()
                .flatten()
            {
                walk(children, out);
            }
        }
    }
    let mut out = serde_json::Map::new();
    walk(&workflow["actions"]["Main"]["actions"], &mut out);
    Value::Object(out)
}

fn build(spec: &str) -> (Value, Value, Value) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "spec.yaml", spec);
    let output = soarc(&["build", "spec.yaml", "--out", "out"], dir.path());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let read = |file: &str| -> Value {
        let text = std::fs::read_to_string(dir.path().join("out/playbooks/p1").join(file)).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    (
        read("workflow.json"),
        read("azuredeploy.json"),
        read("azuredeploy.parameters.json"),
    )
}

#[test]
fn cloud_issue_posts_adf_with_priority_labels_and_key_vault_credential() {
    let (workflow, template, parameters) = build(&spec(CLOUD_STEPS));
    let actions = &main_actions(&workflow);
    let http = &actions["Create_Jira_issue"];
    assert_eq!(http["type"], "Http");
    assert_eq!(http["inputs"]["method"], "POST");
    assert_eq!(
        http["inputs"]["uri"],
        "https://contoso.atlassian.net/rest/api/3/issue"
    );
    let fields = &http["inputs"]["body"]["fields"];
    assert_eq!(fields["project"]["key"], "SEC");
    assert_eq!(fields["issuetype"]["name"], "Bug");
    assert_eq!(
        fields["labels"],
        serde_json::json!(["sentinel", "security-incident"])
    );
    // Priority: the mapping over all four severities, as a workflow parameter.
    let table = &workflow["parameters"]["mapping_jira_priority"]["defaultValue"];
    for severity in ["High", "Medium", "Low", "Informational"] {
        assert!(table[severity].is_string(), "{severity} in {table}");
    }
    assert!(
        fields["priority"]["name"]
            .as_str()
            .unwrap()
            .contains("parameters('mapping_jira_priority')")
    );
    // ADF: doc, paragraphs with a hard break, the incident URL as a link mark, entities.
    let doc = &fields["description"];
    assert_eq!(doc["type"], "doc");
    assert_eq!(doc["version"], 1);
    let content = doc["content"].as_array().unwrap();
    assert_eq!(content[1]["content"][1]["type"], "hardBreak");
    let link = &content[2]["content"][0];
    assert_eq!(link["marks"][0]["type"], "link");
    assert_eq!(
        link["marks"][0]["attrs"]["href"],
        "@{triggerBody()?['object']?['properties']?['incidentUrl']}"
    );
    assert_eq!(content[3]["type"], "bulletList");
    assert_eq!(content[3]["content"], "@variables('enrichment_items')");
    // Credential: read from Key Vault just before, never a parameter; secureData both sides.
    let token = &actions["Get_token_for_Create_Jira_issue"];
    assert_eq!(token["type"], "ApiConnection");
    assert_eq!(
        token["inputs"]["path"],
        "/secrets/@{encodeURIComponent('jira-api-token')}/value"
    );
    assert_eq!(
        token["runtimeConfiguration"]["secureData"]["properties"],
        serde_json::json!(["inputs", "outputs"])
    );
    assert_eq!(
        http["runAfter"]["Get_token_for_Create_Jira_issue"],
        serde_json::json!(["Succeeded"])
    );
    assert_eq!(
        http["inputs"]["headers"]["Authorization"],
        "Basic @{base64(concat('sentinel-bot@contoso.com:', body('Get_token_for_Create_Jira_issue')?['value']))}"
    );
    assert_eq!(
        http["runtimeConfiguration"]["secureData"]["properties"],
        serde_json::json!(["inputs"])
    );
    let params_text = parameters.to_string();
    assert!(!params_text.contains("jira-api-token"), "{params_text}");
    assert!(
        !template["parameters"]
            .to_string()
            .contains("jira-api-token")
    );
    // The key vault connection is managed identity, and the identity may read secrets.
    let resources = template["resources"].as_array().unwrap();
    let connection = resources
        .iter()
        .find(|r| r["name"] == "[variables('KeyvaultKvSocConnectionName')]")
        .unwrap();
    assert_eq!(
        connection["properties"]["parameterValueType"],
        "Alternative"
    );
    assert_eq!(
        connection["properties"]["alternativeParameterValues"]["vaultName"],
        "[parameters('KvSocKeyVaultName')]"
    );
    let role = resources
        .iter()
        .find(|r| {
            r["type"] == "Microsoft.Resources/deployments"
                && r.to_string()
                    .contains("4633458b-17de-408a-b874-0445c86b69e6")
        })
        .expect("Key Vault Secrets User assignment");
    assert_eq!(
        role["resourceGroup"],
        "[parameters('KvSocKeyVaultResourceGroup')]"
    );
    // Outputs: key and browse URL in the comment; enrichment in the ServiceNow text too.
    let comment = actions["Add_comment_to_incident"]["inputs"]["body"]["message"]
        .as_str()
        .unwrap();
    assert!(
        comment.contains(
            "concat('https://contoso.atlassian.net/browse/', body('Create_Jira_issue')?['key'])"
        ),
        "{comment}"
    );
    // The description is set by an update right after the create (the connector's Create
    // Record ignores it).
    assert!(actions["Create_ServiceNow_incident"]["inputs"]["body"]["description"].is_null());
    let snow =
        actions["Set_description_of_Create_ServiceNow_incident"]["inputs"]["body"]["description"]
            .as_str()
            .unwrap();
    assert!(snow.contains("@{variables('enrichment_text')}"), "{snow}");
    // Enrichment variables are initialised at the top level, before the steps' scope.
    let top = &workflow["actions"];
    assert_eq!(
        top["Initialize_enrichment_text"]["type"],
        "InitializeVariable"
    );
    assert_eq!(
        top["Initialize_enrichment_items"]["type"],
        "InitializeVariable"
    );
    assert!(
        top["Main"]["runAfter"]["Initialize_enrichment_items"].is_array(),
        "{}",
        top["Main"]["runAfter"]
    );
    assert_eq!(actions["Get_entities"]["runAfter"], serde_json::json!({}));
}

#[test]
fn data_center_issue_uses_v2_bearer_and_plain_text() {
    let steps = r#"      - sentinel.get_entities: { id: enrichment }
      - jira.create_issue:
          connection: jira-dc
          project: OPS_2
          issue_type: { id: "10004" }
          summary: "{{incident.title}}"
          assignee: soc-triage
          description:
            - paragraph: "{{incident.description}}"
            - bullets: [one, "two {{incident.severity}}"]
            - link: { text: Incident, url: "{{incident.url}}" }
            - bullets: "{{enrichment.list}}"
"#;
    let (workflow, template, parameters) = build(&spec(steps));
    let http = &main_actions(&workflow)["Create_Jira_issue"];
    assert_eq!(
        http["inputs"]["uri"],
        "https://jira.contoso.com/rest/api/2/issue"
    );
    assert_eq!(
        http["inputs"]["headers"]["Authorization"],
        "Bearer @{body('Get_token_for_Create_Jira_issue')?['value']}"
    );
    let fields = &http["inputs"]["body"]["fields"];
    assert_eq!(fields["issuetype"]["id"], "10004");
    assert_eq!(fields["assignee"]["name"], "soc-triage");
    assert_eq!(
        fields["description"],
        "@{triggerBody()?['object']?['properties']?['description']}\n\n- one\n- two @{triggerBody()?['object']?['properties']?['severity']}\n\nIncident: @{triggerBody()?['object']?['properties']?['incidentUrl']}\n\n@{variables('enrichment_text')}"
    );
    // Plain text needs no ADF items: the array variable is not built.
    assert!(workflow["actions"]["Initialize_enrichment_items"].is_null());
    assert!(!workflow.to_string().contains("enrichment_items"));
    // The vault in another resource group: the role goes there.
    assert_eq!(
        parameters["parameters"]["KvDcKeyVaultResourceGroup"]["value"],
        "rg-vault"
    );
    assert!(template.to_string().contains("kv-secrets-user-kv-dc-"));
}

#[test]
fn routing_predicates_on_tags_and_analytics_rules() {
    let steps = r#"      - if:
          condition:
            any:
              - has_label: Vulnerability
              - from_analytics_rule: [8D5A9A4B-3C1E-4B7F-9A55-2F0C6D1E7B21]
          then:
            - jira.create_issue: { connection: jira, project: VULN, issue_type: Task, summary: x }
"#;
    let (workflow, _, _) = build(&spec(steps));
    let expression = &workflow["actions"]["Main"]["actions"]["Condition"]["expression"]["or"];
    assert_eq!(
        expression[0]["contains"],
        serde_json::json!([
            "@toLower(string(triggerBody()?['object']?['properties']?['labels']))",
            "\"labelname\":\"vulnerability\""
        ])
    );
    assert_eq!(
        expression[1]["contains"][1],
        "8d5a9a4b-3c1e-4b7f-9a55-2f0c6d1e7b21"
    );
}

#[test]
fn unknown_jira_connection() {
    let steps = "      - jira.create_issue: { connection: jirra, project: SEC, issue_type: Bug, summary: x }\n";
    fails_with(
        &spec(steps),
        &[
            "SPEC040",
            "unknown connection `jirra`",
            "spec.yaml:",
            "did you mean `jira`?",
        ],
    );
}

#[test]
fn jira_step_on_servicenow_connection() {
    let steps = "      - jira.create_issue: { connection: snow, project: SEC, issue_type: Bug, summary: x }\n";
    fails_with(
        &spec(steps),
        &[
            "SPEC041",
            "connection `snow` is a servicenow connection",
            "needs a jira-cloud or jira-data-",
            "use `jira` or `jira-dc`",
        ],
    );
}

#[test]
fn priority_mapping_missing_a_severity() {
    let text = spec(CLOUD_STEPS).replace(", Informational: Lowest", "");
    fails_with(
        &text,
        &[
            "SPEC024",
            "mapping `jira_priority` does not cover `Informational`",
            "spec.yaml:7:3",
            "or a `default:`",
        ],
    );
}

#[test]
fn malformed_description_blocks() {
    // Unknown block kind: a load error with the position and the closest kind.
    let text =
        spec(CLOUD_STEPS).replace("- paragraph: \"{{incident.description}}\"", "- paragraf: x");
    fails_with(
        &text,
        &["unknown variant `paragraf`", "did you mean `paragraph`?"],
    );
    // Bullets neither items nor a step's list.
    let text =
        spec(CLOUD_STEPS).replace("- bullets: \"{{enrichment.list}}\"", "- bullets: { a: 1 }");
    fails_with(&text, &["bullets must be a list of item texts"]);
    let text = spec(CLOUD_STEPS).replace(
        "- bullets: \"{{enrichment.list}}\"",
        "- bullets: \"{{enrichment.text}}\"",
    );
    fails_with(
        &text,
        &[
            "SPEC082",
            "neither a list of items",
            "\"{{enrichment.list}}\"`",
        ],
    );
    // Empty text and a link that is not a URL.
    let text = spec(CLOUD_STEPS).replace(
        "- paragraph: \"{{incident.description}}\"",
        "- paragraph: \"\"",
    );
    fails_with(&text, &["SPEC082", "empty paragraph"]);
    let text = spec(CLOUD_STEPS).replace("url: \"{{incident.url}}\"", "url: portal");
    fails_with(&text, &["SPEC082", "link URL `portal`", "https://"]);
    // The list of entities is not text.
    let text = spec(CLOUD_STEPS).replace("{{enrichment.text}}", "{{enrichment.list}}");
    fails_with(&text, &["SPEC053", "in text write `{{enrichment.text}}`"]);
}

#[test]
fn project_key_is_checked() {
    let text = spec(CLOUD_STEPS).replace("project: SEC", "project: sec-ops");
    fails_with(
        &text,
        &[
            "SPEC080",
            "`sec-ops` is not a Jira project key",
            "spec.yaml:",
            "did you mean `SEC_OPS`?",
        ],
    );
}

#[test]
fn labels_and_connections_are_checked() {
    let text = spec(CLOUD_STEPS).replace(
        "[sentinel, security-incident]",
        "[sentinel, security incident]",
    );
    fails_with(&text, &["SPEC081", "`security-incident`"]);
    let text = spec(CLOUD_STEPS).replace(
        "https://contoso.atlassian.net/",
        "http://contoso.atlassian.net",
    );
    fails_with(&text, &["SPEC020", "Jira Cloud site", "not an https URL"]);
    // A URL that would need encoding where it is written (a quote, a query) is refused too.
    let text = spec(CLOUD_STEPS).replace(
        "https://contoso.atlassian.net/",
        "https://contoso.atlassian.net/?x='y",
    );
    fails_with(&text, &["SPEC020", "Jira Cloud site", "not an https URL"]);
}

#[test]
fn enrichment_needs_an_incident_or_alert() {
    let text = format!(
        "{HEADER}playbooks:\n  - name: p1\n    trigger: {{ recurrence: {{ frequency: Hour, interval: 1 }} }}\n    steps:\n      - sentinel.get_entities: {{ id: enrichment }}\n      - if:\n          condition: {{ has_label: x }}\n          then: []\n"
    );
    fails_with(
        &text,
        &[
            "sentinel.get_entities needs an incident",
            "`has_label` needs an incident",
        ],
    );
}

#[test]
fn key_vault_in_another_subscription_is_refused() {
    let text = spec(CLOUD_STEPS).replace(
        "secret: jira-api-token }",
        "secret: jira-api-token, subscription_id: 11111111-1111-1111-1111-111111111111 }",
    );
    fails_with(
        &text,
        &[
            "SPEC083",
            "in another subscription",
            "remove `subscription_id`",
        ],
    );
}

#[test]
fn one_vault_cannot_live_in_two_resource_groups() {
    let steps = r#"      - jira.create_issue: { connection: jira, project: SEC, issue_type: Bug, summary: a, priority: High, description: [ { paragraph: a } ] }
      - jira.create_issue: { connection: jira-dc, project: SEC, issue_type: Bug, summary: b, priority: High, description: [ { paragraph: b } ] }
"#;
    let spec = spec(steps).replace(
        "vault: kv-dc, secret: jira-pat",
        "vault: kv-soc, secret: jira-pat",
    );
    fails_with(
        &spec,
        &[
            "SPEC084",
            "Key Vault `kv-soc` is given resource group rg-vault here and the deployment's in another reference",
        ],
    );
}
