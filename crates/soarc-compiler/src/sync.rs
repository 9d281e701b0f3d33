//! `sync:` expanded into ordinary spec playbooks and automation rules, before the model check,
//! so the compiler, ARM, Bicep, rule checks and the validator treat them like hand-written ones.
//!
//! For each system (ServiceNow, Jira) and direction:
//! - **correlation**: every `servicenow.create_incident`/`jira.create_issue` on the synced
//!   connection in an incident-triggered playbook is followed by `sentinel.add_label`
//!   (`servicenow:<number>`, `jira:<key>`); Jira issues also get the labels `soarc-sync` and
//!   `sentinel-<incident name>` (ServiceNow already carries the incident name, a GUID, in
//!   `correlation_id`). Incident ARM ids are rebuilt from the name and the workspace's ARM
//!   id, a workflow parameter the ARM template sets; names are used only when GUID-shaped.
//! - **ticket → Sentinel**: a Recurrence playbook polls for tickets resolved within twice the
//!   interval (overlap: nothing is missed when a run is late) and closes their incidents with
//!   `sentinel.close_incident` (already closed: skipped), adding the label of its system
//!   (`closed-by-servicenow-sync`, `closed-by-jira-sync`).
//! - **Sentinel → ticket**: an incident-triggered playbook and an automation rule (`when:
//!   updated`, status changed to Closed, that system's label absent) resolve the ServiceNow
//!   incidents still open / transition the Jira issues not done. The playbook checks the
//!   label again, and only open tickets are queried, so nothing ping-pongs; an incident closed
//!   from one system's ticket still closes the other system's tickets.
//!
//! The generated spec is YAML text, added to the sources as `<spec>#sync` so that any error
//! in it can still be shown; what the user wrote (connections, mappings, intervals) is checked
//! here first, with positions in the user's file.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::Value;

use crate::model::catalogue::CLASSIFICATIONS;
use crate::spec::located::FileScope;
use crate::spec::sync::{Direction, JiraSync, ServiceNowSync};
use crate::spec::{Located, SentinelClassification, Spec, Step};
use soarc_lang::diagnostics::{Diagnostic, Sources, Span, did_you_mean};

/// Labels the sync adds to incidents it closes, one per system: the Sentinel-to-ticket
/// direction of that system skips them, the other system's still propagates the closure.
pub const CLOSED_BY_SERVICENOW_SYNC: &str = "closed-by-servicenow-sync";
pub const CLOSED_BY_JIRA_SYNC: &str = "closed-by-jira-sync";
/// Label on every Jira issue the sync follows.
pub const JIRA_SYNC_LABEL: &str = "soarc-sync";
/// Generated names.
pub const SNOW_TO_SENTINEL: &str = "sync-servicenow-to-sentinel";
pub const SENTINEL_TO_SNOW: &str = "sync-sentinel-to-servicenow";
pub const JIRA_TO_SENTINEL: &str = "sync-jira-to-sentinel";
pub const SENTINEL_TO_JIRA: &str = "sync-sentinel-to-jira";
/// Mapping generated from `resolve_codes`.
pub const CLOSE_CODE_MAPPING: &str = "sync_servicenow_close_code";

/// Default Sentinel classification → ServiceNow close code (the base system's codes).
const DEFAULT_RESOLVE_CODES: &[(&str, &str)] = &[
    ("TruePositive", "Solved (Permanently)"),
    ("BenignPositive", "Solved (Work Around)"),
    ("FalsePositive", "Not Solved (Not Reproducible)"),
    ("Undetermined", "Solved (Work Around)"),
];

/// A scalar as YAML (JSON strings are YAML flow scalars).
fn q(text: &str) -> String {
    Value::String(text.to_string()).to_string()
}

/// How far back an inbound sync looks: 24 hours (at least twice the polling interval), so
/// that closures made during an outage of the playbook, the connector or the ticket system
/// of up to a day are still picked up. Re-reading them is harmless: closing skips incidents
/// that are already closed (`sentinel.close_incident` reads the status first), so each
/// ticket is processed once in effect however many polls see it.
const CATCH_UP_MINUTES: u32 = 24 * 60;

fn catch_up_minutes(interval_minutes: u32) -> u32 {
    CATCH_UP_MINUTES.max(interval_minutes * 2)
}

/// `5m` / `2h` to (frequency, interval, minutes).
pub fn parse_interval(text: &str) -> Option<(&'static str, u32, u32)> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
    let n: u32 = number.parse().ok()?;
    let (frequency, minutes) = match unit {
        "m" | "min" => ("Minute", n),
        "h" => ("Hour", n.checked_mul(60)?),
        _ => return None,
    };
    (1..=24 * 60)
        .contains(&minutes)
        .then_some((frequency, n, minutes))
}

/// Expand `spec.sync` into playbooks, rules and a mapping. Problems go to `errors`.
pub fn expand(spec: &mut Spec, sources: &mut Sources, errors: &mut Vec<Diagnostic>) {
    let Some(sync) = spec.sync.clone() else {
        return;
    };
    let origin = sources
        .get(sync.span.file)
        .map(|f| f.path.clone())
        .unwrap_or_default();
    let mut yaml = String::new();
    if let Some(snow) = &sync.servicenow
        && check_connection(spec, &snow.connection, &["servicenow"], errors)
    {
        servicenow(spec, snow, &mut yaml, errors);
    }
    if let Some(jira) = &sync.jira
        && check_connection(
            spec,
            &jira.connection,
            &["jira-cloud", "jira-data-center"],
            errors,
        )
    {
        self::jira(spec, jira, &mut yaml, errors);
    }
    if yaml.is_empty() {
        return;
    }
    let mut path = origin.into_os_string();
    path.push("#sync");
    let file = sources.add(PathBuf::from(path), yaml);
    let parsed = {
        let _scope = FileScope::enter(file);
        crate::spec::load::parse_spec(sources, file)
    };
    match parsed {
        Ok(generated) => {
            spec.playbooks.extend(generated.playbooks);
            spec.automation_rules.extend(generated.automation_rules);
            for (name, mapping) in generated.mappings {
                spec.mappings.insert(name, mapping);
            }
        }
        Err(e) => errors.push(e),
    }
}

/// The connection exists and has one of the kinds; errors at the sync block otherwise.
fn check_connection(
    spec: &Spec,
    name: &Located<String>,
    kinds: &[&str],
    errors: &mut Vec<Diagnostic>,
) -> bool {
    let at = name.span.with_len(name.value.chars().count());
    let found = spec
        .connections
        .iter()
        .find(|(n, _)| n.value == name.value)
        .map(|(_, c)| c);
    match found {
        Some(c) if kinds.contains(&c.value.kind_name()) => true,
        Some(c) => {
            errors.push(
                Diagnostic::error(
                    "SPEC041",
                    format!(
                        "connection `{}` is a {} connection, but this sync needs a {} connection",
                        name.value,
                        c.value.kind_name(),
                        kinds.join(" or ")
                    ),
                )
                .at(at),
            );
            false
        }
        None => {
            let help = did_you_mean(&name.value, spec.connections.keys().map(|k| k.as_str()))
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| "declare it under `connections:`".into());
            errors.push(
                Diagnostic::error("SPEC040", format!("unknown connection `{}`", name.value))
                    .at(at)
                    .help(help),
            );
            false
        }
    }
}

fn interval(
    poll: Option<&Located<String>>,
    span: Span,
    errors: &mut Vec<Diagnostic>,
) -> (&'static str, u32, u32) {
    let Some(poll) = poll else {
        return ("Minute", 5, 5);
    };
    parse_interval(&poll.value).unwrap_or_else(|| {
        errors.push(
            Diagnostic::error(
                "SPEC094",
                format!("`{}` is not a polling interval", poll.value),
            )
            .at(poll.span.or(span).with_len(poll.value.chars().count()))
            .help("write minutes or hours between 1 minute and 24 hours, e.g. `5m` or `1h`"),
        );
        ("Minute", 5, 5)
    })
}

fn direction(d: Option<Direction>) -> Direction {
    d.unwrap_or(Direction::Both)
}

/// Incident-triggered playbooks' create steps on `connection` get correlation.
fn correlate(spec: &mut Spec, connection: &str, jira: bool) {
    let mut counter = 0;
    for playbook in &mut spec.playbooks {
        if !matches!(playbook.trigger.value, crate::spec::Trigger::Incident) {
            continue;
        }
        correlate_steps(&mut playbook.value.steps, connection, jira, &mut counter);
    }
}

fn correlate_steps(
    steps: &mut Vec<Located<Step>>,
    connection: &str,
    jira: bool,
    counter: &mut usize,
) {
    let mut i = 0;
    while i < steps.len() {
        let span = steps[i].span;
        let label = match &mut steps[i].value {
            Step::ServiceNowCreateIncident(s) if !jira && s.connection.value == connection => {
                let id = s.id.get_or_insert_with(|| {
                    *counter += 1;
                    Located::new(format!("sync_ticket_{counter}"), span)
                });
                Some(format!("servicenow:{{{{{}.number}}}}", id.value))
            }
            Step::JiraCreateIssue(s) if jira && s.connection.value == connection => {
                for label in [
                    JIRA_SYNC_LABEL.to_string(),
                    format!("{}{{{{incident.name}}}}", crate::compile::JIRA_LABEL_PREFIX),
                ] {
                    if !s.labels.iter().any(|l| l.value == label) {
                        s.labels.push(Located::new(label, span));
                    }
                }
                let id = s.id.get_or_insert_with(|| {
                    *counter += 1;
                    Located::new(format!("sync_issue_{counter}"), span)
                });
                Some(format!("jira:{{{{{}.key}}}}", id.value))
            }
            Step::If(s) => {
                correlate_steps(&mut s.then, connection, jira, counter);
                correlate_steps(&mut s.otherwise, connection, jira, counter);
                None
            }
            Step::Switch(s) => {
                for case in s.cases.values_mut() {
                    correlate_steps(case, connection, jira, counter);
                }
                correlate_steps(&mut s.default, connection, jira, counter);
                None
            }
            Step::Scope(s) => {
                correlate_steps(&mut s.steps, connection, jira, counter);
                None
            }
            _ => None,
        };
        if let Some(label) = label {
            steps.insert(
                i + 1,
                Located::new(
                    Step::SentinelAddLabel(crate::spec::AddLabel::Label(label)),
                    span,
                ),
            );
            // Idempotent creation: the create step and the rest of its block run only if
            // the incident has no ticket tag yet. A second run for the same incident (the
            // automation rule firing again, a manual re-run) opens no second ticket.
            let prefix = match &steps[i].value {
                Step::JiraCreateIssue(s) => format!("jira:{}-", s.project.value),
                _ => "servicenow:".to_string(),
            };
            let mut rest = steps.split_off(i);
            // Later creates of the same block are correlated (and guarded) too.
            let mut tail = rest.split_off(2);
            correlate_steps(&mut tail, connection, jira, counter);
            rest.extend(tail);
            steps.push(Located::new(
                Step::If(crate::spec::IfStep {
                    name: None,
                    condition: Located::new(
                        crate::spec::Predicate::Not(Box::new(Located::new(
                            crate::spec::Predicate::HasLabelStartingWith(Located::new(
                                prefix, span,
                            )),
                            span,
                        ))),
                        span,
                    ),
                    then: rest,
                    otherwise: Vec::new(),
                }),
                span,
            ));
            return;
        }
        i += 1;
    }
}

fn classification_name(c: SentinelClassification) -> &'static str {
    match c {
        SentinelClassification::Undetermined => "Undetermined",
        SentinelClassification::TruePositive => "TruePositive",
        SentinelClassification::BenignPositive => "BenignPositive",
        SentinelClassification::FalsePositive => "FalsePositive",
        SentinelClassification::FalsePositiveInaccurateData => "FalsePositive-InaccurateData",
    }
}

/// The close-notes text for tickets resolved from Sentinel.
const CLOSED_IN_SENTINEL: &str = "Closed in Microsoft Sentinel (incident {{incident.number}}) as {{incident.classification}} {{incident.classification_reason}}: {{incident.classification_comment}}";

fn rule(yaml: &mut String, name: &str, display: &str, order: i64, playbook: &str, label: &str) {
    let _ = write!(
        yaml,
        r#"  - name: {name}
    display_name: {display}
    order: {order}
    when: updated
    conditions:
      status_changed_to: Closed
      where: [{{ property: IncidentLabel, operator: NotContains, values: [{label}] }}]
    actions:
      - run_playbook: {playbook}
"#,
        display = q(display)
    );
}

fn servicenow(
    spec: &mut Spec,
    snow: &Located<ServiceNowSync>,
    yaml: &mut String,
    errors: &mut Vec<Diagnostic>,
) {
    let span = snow.span;
    let connection = q(&snow.connection.value);
    let direction = direction(snow.direction);
    let (frequency, every, minutes) = interval(snow.poll_every.as_ref(), span, errors);
    correlate(spec, &snow.connection.value, false);
    let mut playbooks = String::new();
    let mut rules = String::new();
    let mut mappings = String::new();
    if direction.to_sentinel() {
        let default = classification_name(
            snow.default_classification
                .unwrap_or(SentinelClassification::Undetermined),
        );
        let values: Vec<String> = snow
            .close_codes
            .iter()
            .map(|(code, c)| format!("{}: {}", q(code), classification_name(*c)))
            .collect();
        let query = format!(
            "correlation_display=Microsoft Sentinel^correlation_idISNOTEMPTY^stateIN6,7^sys_updated_on>=javascript:gs.minutesAgoStart({})^ORDERBYsys_updated_on",
            catch_up_minutes(minutes)
        );
        let _ = write!(
            playbooks,
            r#"  - name: {SNOW_TO_SENTINEL}
    description: "soarc sync: closes Microsoft Sentinel incidents whose ServiceNow incident was resolved or closed."
    trigger: {{ recurrence: {{ frequency: {frequency}, interval: {every}, single_instance: true }} }}
    steps:
      - servicenow.query_incidents:
          name: Resolved_ServiceNow_incidents
          connection: {connection}
          query: {query}
          as: ticket
          steps:
            - sentinel.close_incident:
                incident: {{ name: "{{{{ticket.correlation_id}}}}" }}
                classification:
                  from: "{{{{ticket.close_code}}}}"
                  values: {{ {values} }}
                  default: {default}
                comment: "Resolved in ServiceNow {{{{ticket.number}}}} ({{{{ticket.close_code}}}}): {{{{ticket.close_notes}}}}"
                labels: [{CLOSED_BY_SERVICENOW_SYNC}]
"#,
            query = q(&query),
            values = values.join(", "),
        );
    }
    if direction.from_sentinel() {
        // Sentinel classification -> close code: a spec mapping, so gaps are SPEC024.
        let mut values: Vec<String> = Vec::new();
        if snow.resolve_codes.is_empty() && snow.default_close_code.is_none() {
            values.extend(
                DEFAULT_RESOLVE_CODES
                    .iter()
                    .map(|(c, code)| format!("{c}: {}", q(code))),
            );
        }
        for (classification, code) in &snow.resolve_codes {
            if !CLASSIFICATIONS.contains(&classification.value.as_str()) {
                let help = did_you_mean(&classification.value, CLASSIFICATIONS.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| format!("use one of {}", CLASSIFICATIONS.join(", ")));
                errors.push(
                    Diagnostic::error(
                        "SPEC023",
                        format!(
                            "`{}` is not a Sentinel classification",
                            classification.value
                        ),
                    )
                    .at(classification
                        .span
                        .or(span)
                        .with_len(classification.value.chars().count()))
                    .help(help),
                );
                continue;
            }
            values.push(format!("{}: {}", classification.value, q(&code.value)));
        }
        let uses_defaults = snow.resolve_codes.is_empty() && snow.default_close_code.is_none();
        let missing: Vec<&str> = CLASSIFICATIONS
            .iter()
            .copied()
            .filter(|c| !uses_defaults && !snow.resolve_codes.keys().any(|k| k.value == *c))
            .collect();
        if !missing.is_empty() && snow.default_close_code.is_none() {
            errors.push(
                Diagnostic::error(
                    "SPEC024",
                    format!("`resolve_codes` does not cover {}", missing.join(", ")),
                )
                .at(span)
                .help("add the missing classifications or `default_close_code:`"),
            );
        }
        let default = snow
            .default_close_code
            .as_ref()
            .map(|d| format!("\n    default: {}", q(&d.value)))
            .unwrap_or_default();
        let _ = write!(
            mappings,
            "  {CLOSE_CODE_MAPPING}:\n    from: incident.classification\n    values: {{ {} }}{default}\n",
            values.join(", ")
        );
        let _ = write!(
            playbooks,
            r#"  - name: {SENTINEL_TO_SNOW}
    description: "soarc sync: resolves the ServiceNow incidents of a Microsoft Sentinel incident that was closed."
    trigger: incident
    steps:
      - if:
          name: Not_closed_by_sync
          condition: {{ not: {{ has_label: {CLOSED_BY_SERVICENOW_SYNC} }} }}
          then:
            - servicenow.query_incidents:
                name: Open_ServiceNow_incidents
                connection: {connection}
                query: "correlation_display=Microsoft Sentinel^correlation_id={{{{incident.name}}}}^stateNOT IN6,7,8"
                page_size: 10
                requery: true
                as: ticket
                steps:
                  - servicenow.resolve_incident:
                      connection: {connection}
                      sys_id: "{{{{ticket.sys_id}}}}"
                      close_code: {{ map: {CLOSE_CODE_MAPPING} }}
                      close_notes: {notes}
"#,
            notes = q(CLOSED_IN_SENTINEL),
        );
        let order = snow.rule_order.as_ref().map(|o| o.value).unwrap_or(900);
        rule(
            &mut rules,
            SENTINEL_TO_SNOW,
            "soarc sync: resolve ServiceNow incidents of closed incidents",
            order,
            SENTINEL_TO_SNOW,
            CLOSED_BY_SERVICENOW_SYNC,
        );
    }
    push_sections(yaml, &mappings, &playbooks, &rules);
}

fn jira(
    spec: &mut Spec,
    jira: &Located<JiraSync>,
    yaml: &mut String,
    errors: &mut Vec<Diagnostic>,
) {
    let span = jira.span;
    let connection = q(&jira.connection.value);
    let direction = direction(jira.direction);
    let (frequency, every, minutes) = interval(jira.poll_every.as_ref(), span, errors);
    for project in &jira.projects {
        let ok = project.value.len() >= 2
            && project.value.starts_with(|c: char| c.is_ascii_uppercase())
            && project
                .value
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            errors.push(
                Diagnostic::error("SPEC080", format!("`{}` is not a Jira project key", project.value))
                    .at(project.span.or(span).with_len(project.value.chars().count()))
                    .help("Jira project keys are an upper-case letter followed by upper-case letters, digits or `_`, e.g. `SEC`"),
            );
        }
    }
    let projects = if jira.projects.is_empty() {
        String::new()
    } else {
        let keys: Vec<&str> = jira.projects.iter().map(|p| p.value.as_str()).collect();
        format!("project in ({}) AND ", keys.join(", "))
    };
    correlate(spec, &jira.connection.value, true);
    let transition = jira
        .done_transition
        .as_ref()
        .map(|t| t.value.clone())
        .unwrap_or_else(|| "Done".into());
    let mut playbooks = String::new();
    let mut rules = String::new();
    if direction.to_sentinel() {
        let classification = classification_name(
            jira.classification
                .unwrap_or(SentinelClassification::Undetermined),
        );
        let jql = format!(
            "{projects}labels = {JIRA_SYNC_LABEL} AND statusCategory = Done AND updated >= -{}m ORDER BY updated ASC",
            catch_up_minutes(minutes)
        );
        let _ = write!(
            playbooks,
            r#"  - name: {JIRA_TO_SENTINEL}
    description: "soarc sync: closes Microsoft Sentinel incidents whose Jira issue is done."
    trigger: {{ recurrence: {{ frequency: {frequency}, interval: {every}, single_instance: true }} }}
    steps:
      - jira.search_issues:
          name: Done_Jira_issues
          connection: {connection}
          jql: {jql}
          as: issue
          steps:
            - sentinel.close_incident:
                incident: {{ jira_labels: "{{{{issue.fields.labels}}}}" }}
                classification: {classification}
                comment: "Done in Jira: {{{{issue.key}}}} ({{{{issue.fields.status.name}}}})"
                labels: [{CLOSED_BY_JIRA_SYNC}]
"#,
            jql = q(&jql),
        );
    }
    if direction.from_sentinel() {
        let jql = format!(
            "labels = \"{}{{{{incident.name}}}}\" AND statusCategory != Done",
            crate::compile::JIRA_LABEL_PREFIX
        );
        let _ = write!(
            playbooks,
            r#"  - name: {SENTINEL_TO_JIRA}
    description: "soarc sync: moves the Jira issues of a closed Microsoft Sentinel incident to done."
    trigger: incident
    steps:
      - if:
          name: Not_closed_by_sync
          condition: {{ not: {{ has_label: {CLOSED_BY_JIRA_SYNC} }} }}
          then:
            - jira.search_issues:
                name: Open_Jira_issues
                connection: {connection}
                jql: {jql}
                as: issue
                steps:
                  - jira.transition_issue:
                      connection: {connection}
                      issue: "{{{{issue.key}}}}"
                      transition: {transition}
                      comment: {notes}
"#,
            jql = q(&jql),
            transition = q(&transition),
            notes = q(CLOSED_IN_SENTINEL),
        );
        let order = jira.rule_order.as_ref().map(|o| o.value).unwrap_or(901);
        rule(
            &mut rules,
            SENTINEL_TO_JIRA,
            "soarc sync: move Jira issues of closed incidents to done",
            order,
            SENTINEL_TO_JIRA,
            CLOSED_BY_JIRA_SYNC,
        );
    }
    push_sections(yaml, "", &playbooks, &rules);
}

/// Append sections; each system's block is a complete YAML document body on its own, so
/// sections are merged by key.
fn push_sections(yaml: &mut String, mappings: &str, playbooks: &str, rules: &str) {
    let mut doc = Document::parse(yaml);
    doc.mappings.push_str(mappings);
    doc.playbooks.push_str(playbooks);
    doc.rules.push_str(rules);
    *yaml = doc.render();
}

#[derive(Default)]
struct Document {
    mappings: String,
    playbooks: String,
    rules: String,
}

impl Document {
    fn parse(text: &str) -> Document {
        let mut doc = Document::default();
        let mut current: Option<&mut String> = None;
        for line in text.lines() {
            match line {
                "mappings:" => current = Some(&mut doc.mappings),
                "playbooks:" => current = Some(&mut doc.playbooks),
                "automation_rules:" => current = Some(&mut doc.rules),
                _ => {
                    if let Some(section) = current.as_deref_mut() {
                        section.push_str(line);
                        section.push('\n');
                    }
                }
            }
        }
        doc
    }

    fn render(&self) -> String {
        let mut out = String::from("# Generated by soarc from the `sync:` block.\n");
        for (key, body) in [
            ("mappings", &self.mappings),
            ("playbooks", &self.playbooks),
            ("automation_rules", &self.rules),
        ] {
            if !body.is_empty() {
                out.push_str(key);
                out.push_str(":\n");
                out.push_str(body);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("5m"), Some(("Minute", 5, 5)));
        assert_eq!(parse_interval("2h"), Some(("Hour", 2, 120)));
        assert_eq!(parse_interval("24h"), Some(("Hour", 24, 1440)));
        assert_eq!(parse_interval("0m"), None);
        assert_eq!(parse_interval("25h"), None);
        assert_eq!(parse_interval("5"), None);
        assert_eq!(parse_interval("5s"), None);
        assert_eq!(parse_interval("m"), None);
    }
}
