//! Escaping is correct by construction across the layers: spec text → WDL string
//! (`@@`, `@{`) → ARM string (`[[`). These tests build specs with hostile text and read the
//! outputs back the way Logic Apps and ARM would.

use soarc_lang::arm::expr::{StringKind, classify};
use soarc_lang::wdl::{Part, Template};

use crate::common;

fn build(comment: &str) -> (serde_json::Value, serde_json::Value) {
    let spec = format!(
        r#"deployment: {{ workspace: {{ name: law }} }}
playbooks:
  - name: p1
    trigger: incident
    steps:
      - sentinel.add_comment: {}
"#,
        serde_json::to_string(comment).unwrap()
    );
    let built = common::builds(&spec);
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(
            &built.files.files[&std::path::PathBuf::from(format!("playbooks/p1/{name}"))],
        )
        .unwrap()
    };
    (read("workflow.json"), read("azuredeploy.json"))
}

fn definition(template: &serde_json::Value) -> &serde_json::Value {
    let resources = template["resources"].as_array().unwrap();
    let workflow = resources
        .iter()
        .find(|r| r["type"] == "Microsoft.Logic/workflows")
        .unwrap();
    &workflow["properties"]["definition"]
}

fn message(definition: &serde_json::Value) -> &str {
    definition["actions"]["Main"]["actions"]["Add_comment_to_incident"]["inputs"]["body"]["message"]
        .as_str()
        .unwrap()
}

/// What Logic Apps reads from a WDL string: its literal text with references as markers.
fn wdl_text(template: &Template) -> String {
    match template {
        Template::Literal(s) => s.clone(),
        Template::Expr(e) => format!("<{e}>"),
        Template::Interpolated(parts) => parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.clone(),
                Part::Expr(soarc_lang::wdl::Expr::Str(s)) => s.clone(),
                Part::Expr(e) => format!("<{e}>"),
            })
            .collect(),
    }
}

#[test]
fn wdl_special_characters_in_spec_text_stay_literal() {
    for text in [
        "@channel please look",
        "mail me @{not an expression}",
        "@@ twice",
        "50% of [hosts]",
        "it's \"quoted\"",
    ] {
        let (workflow, _) = build(text);
        let written = message(&workflow);
        let parsed = Template::parse(written).unwrap_or_else(|e| panic!("{written:?}: {e}"));
        assert_eq!(wdl_text(&parsed), text, "{written:?}");
    }
}

#[test]
fn references_survive_next_to_special_characters() {
    let (workflow, _) = build("@here {{incident.title}} @{x} {{incident.number}}");
    let parsed = Template::parse(message(&workflow)).unwrap();
    // A Sentinel comment is HTML and Markdown: references are escaped for both (see
    // tests/it/runtime_safety.rs).
    let html = |e: &str| {
        format!(
            "<replace(replace(replace(replace(replace(replace(replace(replace(replace(replace({e}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '\"', '&quot;'), '''', '&#39;'), '[', '&#91;'), ']', '&#93;'), '*', '&#42;'), '_', '&#95;'), '`', '&#96;')>"
        )
    };
    assert_eq!(
        wdl_text(&parsed),
        format!(
            "@here {} @{{x}} {}",
            html("triggerBody()?['object']?['properties']?['title']"),
            html("string(triggerBody()?['object']?['properties']?['incidentNumber'])")
        )
    );
}

#[test]
fn arm_escapes_wdl_strings_that_look_like_arm_expressions() {
    let text = "[Sentinel] {{incident.title}} [High]";
    let (workflow, template) = build(text);
    let in_workflow = message(&workflow);
    assert!(in_workflow.starts_with("[Sentinel] @{"), "{in_workflow}");
    let in_template = message(definition(&template));
    // ARM would evaluate "[...]" as an expression; the template carries the [[ escape and
    // ARM hands Logic Apps exactly the workflow.json text.
    assert_eq!(classify(in_template), StringKind::EscapedLiteral);
    assert_eq!(&in_template[1..], in_workflow);
    // A string that starts with [ but does not end with ] is not evaluated: no escape.
    let (workflow, template) = build("[Sentinel] {{incident.title}}");
    assert_eq!(message(definition(&template)), message(&workflow));
    assert_eq!(classify(message(definition(&template))), StringKind::Plain);
}
