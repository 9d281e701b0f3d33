//! Checks of the `tests:` section that need the whole spec (after `sync:` expansion, so
//! tests can run the generated sync playbooks): unique names, known playbooks, a trigger
//! input that fits the playbook's trigger, and expectations that assert something.
//!
//! What needs the compiled workflow or the simulator (mock keys, action names) is checked
//! by `soarc-test` when it runs the tests. Codes: TEST001 to TEST004.

use std::collections::HashMap;

use soarc_lang::diagnostics::{Diagnostic, Span, did_you_mean};

use crate::codes;
use crate::spec::tests::{Expect, SpecTest};
use crate::spec::{Located, Playbook, Spec, Trigger};

/// Check every test of `spec`; problems go to `diagnostics`.
pub fn check(spec: &Spec, diagnostics: &mut Vec<Diagnostic>) {
    let playbooks: HashMap<&str, &Located<Playbook>> = spec
        .playbooks
        .iter()
        .map(|p| (p.name.value.as_str(), p))
        .collect();
    let mut names: HashMap<&str, Span> = HashMap::new();
    for test in &spec.tests {
        check_name(&test.name, &mut names, diagnostics);
        match playbooks.get(test.playbook.value.as_str()) {
            Some(playbook) => check_trigger_input(test, playbook, diagnostics),
            None => diagnostics.push(unknown_playbook(test, spec)),
        }
        check_expect(&test.expect, test, diagnostics);
        if let Some(second) = &test.second_run {
            check_expect(&second.expect, test, diagnostics);
        }
        if let Some(reason) = &test.known_defect
            && reason.value.trim().is_empty()
        {
            diagnostics.push(
                Diagnostic::error(
                    codes::TEST004.code,
                    format!("test `{}` has an empty `known_defect`", test.name.value),
                )
                .at(reason.span)
                .help("say which defect the test shows, e.g. `known_defect: \"issue #13: a deleted incident fails the sync run\"`, or remove the line"),
            );
        }
    }
}

fn check_name<'a>(
    name: &'a Located<String>,
    seen: &mut HashMap<&'a str, Span>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if name.value.trim().is_empty() {
        diagnostics.push(
            Diagnostic::error(codes::TEST001.code, "a test has an empty name")
                .at(name.span)
                .help("name the test after what it shows, e.g. `name: high severity opens a SEC issue`"),
        );
        return;
    }
    if let Some(first) = seen.get(name.value.as_str()) {
        diagnostics.push(
            Diagnostic::error(
                codes::TEST001.code,
                format!("test name `{}` is used more than once", name.value),
            )
            .at(name.span.with_len(name.value.chars().count()))
            .label("used again here")
            .help(format!(
                "test names must be unique across the spec files (reports and `--filter` use them); the first is at line {}, column {}",
                first.line, first.column
            )),
        );
    } else {
        seen.insert(&name.value, name.span);
    }
}

fn unknown_playbook(test: &SpecTest, spec: &Spec) -> Diagnostic {
    let name = &test.playbook;
    let known = spec.playbooks.iter().map(|p| p.name.value.as_str());
    let help = match did_you_mean(&name.value, known) {
        Some(suggestion) => format!("did you mean `{suggestion}`?"),
        None => format!(
            "name a playbook of the spec: {}",
            spec.playbooks
                .iter()
                .map(|p| format!("`{}`", p.name.value))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Diagnostic::error(
        codes::TEST002.code,
        format!(
            "test `{}` runs playbook `{}`, which the spec does not define",
            test.name.value, name.value
        ),
    )
    .at(name.span.with_len(name.value.chars().count()))
    .label("no such playbook")
    .help(help)
}

/// The sample a trigger takes, by the playbook's trigger.
fn trigger_word(trigger: &Trigger) -> &'static str {
    match trigger {
        Trigger::Incident => "incident",
        Trigger::Alert => "alert",
        Trigger::Entity { .. } => "entity",
        Trigger::Recurrence { .. } => "recurrence",
        Trigger::HttpRequest { .. } => "http-request",
        Trigger::Verbatim(_) => "verbatim",
    }
}

fn check_trigger_input(
    test: &SpecTest,
    playbook: &Located<Playbook>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let trigger = trigger_word(&playbook.trigger.value);
    let given: [(&str, Option<Span>); 4] = [
        ("incident", test.incident.as_ref().map(|i| i.span)),
        ("alert", test.alert.as_ref().map(|a| a.span)),
        ("entity", test.entity.as_ref().map(|e| e.span)),
        ("payload", test.payload.as_ref().map(|p| p.span)),
    ];
    let mut inputs = given
        .iter()
        .filter_map(|(key, span)| span.map(|s| (*key, s)));
    let Some((first, _)) = inputs.next() else {
        return;
    };
    if let Some((second, span)) = inputs.next() {
        diagnostics.push(
            Diagnostic::error(
                codes::TEST003.code,
                format!(
                    "test `{}` gives both `{first}` and `{second}`",
                    test.name.value
                ),
            )
            .at(span)
            .help("a run has one trigger payload: change fields of the sample (`incident`, `alert`, `entity`) or give the whole body (`payload`), not both"),
        );
        return;
    }
    let fits = first == "payload" || first == trigger;
    if !fits {
        let span = given
            .iter()
            .find(|(key, _)| *key == first)
            .and_then(|(_, span)| *span)
            .unwrap_or(test.name.span);
        let instead = match trigger {
            "incident" | "alert" | "entity" => format!("use `{trigger}:`"),
            "recurrence" => {
                "a recurrence playbook has no trigger payload: remove it (set the clock with `now:`)"
                    .to_string()
            }
            _ => "give the request body as `payload:`".to_string(),
        };
        diagnostics.push(
            Diagnostic::error(
                codes::TEST003.code,
                format!(
                    "test `{}` gives `{first}` fields, but playbook `{}` has a {trigger} trigger",
                    test.name.value, playbook.name.value
                ),
            )
            .at(span)
            .label("does not fit the trigger")
            .help(instead),
        );
    }
}

fn check_expect(expect: &Located<Expect>, test: &SpecTest, diagnostics: &mut Vec<Diagnostic>) {
    if expect.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                codes::TEST004.code,
                format!("test `{}` expects nothing", test.name.value),
            )
            .at(expect.span)
            .help("say what the run must do, e.g. `expect: { status: Succeeded, calls: [{ operation: jira.create_issue }] }`"),
        );
    }
    for call in expect.calls.iter().chain(&expect.no_calls) {
        if call.is_empty() {
            diagnostics.push(
                Diagnostic::error(codes::TEST004.code, "this call entry matches every call")
                    .at(call.span)
                    .help("give at least one of `operation`, `action`, `method`, `uri_contains` or `body`"),
            );
        }
    }
    for call in &expect.no_calls {
        if let Some(times) = &call.times {
            diagnostics.push(
                Diagnostic::error(codes::TEST004.code, "`times` in `no_calls` means nothing")
                    .at(times.span)
                    .help("`no_calls` entries match no call at all; to count calls, use `calls: [{ ..., times: N }]`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::load;
    use soarc_lang::diagnostics::Sources;

    fn check_text(text: &str) -> (Sources, Result<Vec<Diagnostic>, Diagnostic>) {
        let mut sources = Sources::default();
        let file = sources.add("spec.yaml".into(), text.to_string());
        let result = load::parse_spec(&sources, file).map(|spec| {
            let mut diagnostics = Vec::new();
            check(&spec, &mut diagnostics);
            diagnostics
        });
        (sources, result)
    }

    const PLAYBOOKS: &str = r#"
playbooks:
  - name: snow-create-incident
    trigger: incident
    steps:
      - sentinel.add_comment: hello
  - name: heartbeat
    trigger: { recurrence: { frequency: Hour, interval: 1 } }
    steps:
      - terminate: { status: Succeeded }
"#;

    #[test]
    fn a_valid_test_passes() {
        let text = format!(
            "{PLAYBOOKS}tests:\n  - name: comment\n    playbook: snow-create-incident\n    incident: {{ severity: High, labels: [vulnerability] }}\n    mocks:\n      sentinel.add_comment: {{ status: 201 }}\n      Create_ServiceNow_incident: [{{ status: 500 }}, {{ status: 201, body: {{ result: {{ number: INC1 }} }} }}]\n    expect: {{ status: Succeeded, comment_contains: hello }}\n"
        );
        let (_, result) = check_text(&text);
        let diagnostics = result.unwrap();
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
    }

    #[test]
    fn unknown_playbook_suggests_the_nearest() {
        let text = format!(
            "{PLAYBOOKS}tests:\n  - name: t\n    playbook: snow-create-incidnet\n    expect: {{ status: Succeeded }}\n"
        );
        let (sources, result) = check_text(&text);
        let diagnostics = result.unwrap();
        assert_eq!(diagnostics.len(), 1);
        let d = &diagnostics[0];
        assert_eq!(d.code, codes::TEST002.code);
        assert_eq!(
            d.help.as_deref(),
            Some("did you mean `snow-create-incident`?")
        );
        let span = d.span.unwrap();
        assert_eq!((span.line, span.column), (13, 15));
        assert!(d.render(&sources).contains("spec.yaml:13:15"));
    }

    #[test]
    fn unknown_key_in_a_test_is_rejected_with_a_suggestion_and_position() {
        let text = format!(
            "{PLAYBOOKS}tests:\n  - name: t\n    playbook: heartbeat\n    expect: {{ status: Succeeded, comment_contain: x }}\n"
        );
        let (_, result) = check_text(&text);
        let error = result.unwrap_err();
        assert_eq!(error.code, codes::SPEC002.code);
        assert!(
            error.message.contains("comment_contain"),
            "{}",
            error.message
        );
        assert_eq!(
            error.help.as_deref(),
            Some("did you mean `comment_contains`?")
        );
        assert_eq!(error.span.unwrap().line, 14);
    }

    #[test]
    fn unknown_key_inside_a_mock_answer_list_keeps_its_position() {
        let text = format!(
            "{PLAYBOOKS}tests:\n  - name: t\n    playbook: heartbeat\n    mocks:\n      HTTP:\n        - {{ status: 500 }}\n        - {{ statuss: 200 }}\n    expect: {{ status: Succeeded }}\n"
        );
        let (_, result) = check_text(&text);
        let error = result.unwrap_err();
        assert_eq!(error.help.as_deref(), Some("did you mean `status`?"));
        assert_eq!(error.span.unwrap().line, 17);
    }

    #[test]
    fn input_that_does_not_fit_the_trigger() {
        let text = format!(
            "{PLAYBOOKS}tests:\n  - name: t\n    playbook: heartbeat\n    incident: {{ severity: High }}\n    expect: {{ status: Succeeded }}\n  - name: u\n    playbook: snow-create-incident\n    incident: {{ severity: High }}\n    payload: {{ a: 1 }}\n    expect: {{ status: Succeeded }}\n"
        );
        let (_, result) = check_text(&text);
        let diagnostics = result.unwrap();
        let codes: Vec<_> = diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [codes::TEST003.code, codes::TEST003.code],
            "{diagnostics:?}"
        );
        assert!(diagnostics[0].message.contains("recurrence trigger"));
        assert!(
            diagnostics[1]
                .message
                .contains("both `incident` and `payload`")
        );
    }

    #[test]
    fn duplicate_names_and_empty_expectations() {
        let text = format!(
            "{PLAYBOOKS}tests:\n  - name: t\n    playbook: heartbeat\n    expect: {{}}\n  - name: t\n    playbook: heartbeat\n    expect: {{ no_calls: [{{ times: 2 }}] }}\n"
        );
        let (_, result) = check_text(&text);
        let diagnostics = result.unwrap();
        let codes: Vec<_> = diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [
                codes::TEST004.code,
                codes::TEST001.code,
                codes::TEST004.code,
                codes::TEST004.code
            ],
            "{diagnostics:#?}"
        );
    }

    #[test]
    fn comment_contains_takes_one_text_or_a_list() {
        let text = format!(
            "{PLAYBOOKS}tests:\n  - name: t\n    playbook: heartbeat\n    expect: {{ comment_contains: [a, b] }}\n  - name: u\n    playbook: heartbeat\n    expect: {{ comment_contains: c }}\n"
        );
        let mut sources = Sources::default();
        let file = sources.add("spec.yaml".into(), text);
        let spec = load::parse_spec(&sources, file).unwrap();
        let texts: Vec<_> = spec
            .tests
            .iter()
            .map(|t| t.expect.comment_contains.as_ref().unwrap().value.0.clone())
            .collect();
        assert_eq!(texts, [vec!["a", "b"], vec!["c"]]);
    }
}
