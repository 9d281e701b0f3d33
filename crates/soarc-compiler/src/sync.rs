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
//! The generated playbooks, rules and mapping are typed spec values, positioned at the
//! `sync:` block that asked for them, so any error in them points there; what the user
//! wrote (connections, mappings, intervals) is checked here first, with its own positions.

use indexmap::IndexMap;

use crate::codes;
use crate::model::catalogue::CLASSIFICATIONS;
use crate::names::JIRA_LABEL_PREFIX;
use crate::spec::automation::{
    Conditions, OneOrMany, Operator, PlaybookTarget, PropertyCondition, PropertyName, RuleAction,
    RuleWhen, Status,
};
use crate::spec::sync::{Direction, JiraSync, ServiceNowSync};
use crate::spec::{
    AutomationRule, ClassificationValue, CloseIncident, FieldValue, Frequency, IfStep, IncidentRef,
    JiraSearchIssues, JiraTransitionIssue, Located, Mapping, Playbook, Predicate, Scalar,
    SentinelClassification, ServiceNowQueryIncidents, ServiceNowResolveIncident, Spec, Step,
    Trigger,
};
use soarc_lang::diagnostics::{Diagnostic, Span, did_you_mean};

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
pub fn parse_interval(text: &str) -> Option<(Frequency, u32, u32)> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
    let n: u32 = number.parse().ok()?;
    let (frequency, minutes) = match unit {
        "m" | "min" => (Frequency::Minute, n),
        "h" => (Frequency::Hour, n.checked_mul(60)?),
        _ => return None,
    };
    (1..=24 * 60)
        .contains(&minutes)
        .then_some((frequency, n, minutes))
}

/// What a `sync:` block generates; appended to the spec's own, ServiceNow's before Jira's.
#[derive(Default)]
struct Generated {
    mappings: Vec<(Located<String>, Located<Mapping>)>,
    playbooks: Vec<Located<Playbook>>,
    rules: Vec<Located<AutomationRule>>,
}

/// Expand `spec.sync` into playbooks, rules and a mapping. Problems go to `errors`.
pub fn expand(spec: &mut Spec, errors: &mut Vec<Diagnostic>) {
    let Some(sync) = spec.sync.clone() else {
        guard_ticket_creation(spec);
        return;
    };
    let mut generated = Generated::default();
    if let Some(snow) = &sync.servicenow
        && check_connection(spec, &snow.connection, &["servicenow"], errors)
    {
        servicenow(spec, snow, &mut generated, errors);
    }
    if let Some(jira) = &sync.jira
        && check_connection(
            spec,
            &jira.connection,
            &["jira-cloud", "jira-data-center"],
            errors,
        )
    {
        self::jira(spec, jira, &mut generated, errors);
    }
    guard_ticket_creation(spec);
    spec.playbooks.extend(generated.playbooks);
    spec.automation_rules.extend(generated.rules);
    for (name, mapping) in generated.mappings {
        spec.mappings.insert(name, mapping);
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
                    codes::SPEC041.code,
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
                Diagnostic::error(
                    codes::SPEC040.code,
                    format!("unknown connection `{}`", name.value),
                )
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
) -> (Frequency, u32, u32) {
    let Some(poll) = poll else {
        return (Frequency::Minute, 5, 5);
    };
    parse_interval(&poll.value).unwrap_or_else(|| {
        errors.push(
            Diagnostic::error(
                codes::SPEC094.code,
                format!("`{}` is not a polling interval", poll.value),
            )
            .at(poll.span.or(span).with_len(poll.value.chars().count()))
            .help("write minutes or hours between 1 minute and 24 hours, e.g. `5m` or `1h`"),
        );
        (Frequency::Minute, 5, 5)
    })
}

fn direction(d: Option<Direction>) -> Direction {
    d.unwrap_or(Direction::Both)
}

/// Which create steps a correlation pass takes.
#[derive(Clone, Copy)]
enum Creates<'a> {
    /// Those on a synced connection: Jira issues also get the sync's labels.
    Synced { connection: &'a str, jira: bool },
    /// Every other ticket creation: the ticket tag and its guard only.
    Any,
}

/// Incident-triggered playbooks' create steps on `connection` get correlation.
fn correlate(spec: &mut Spec, connection: &str, jira: bool) {
    correlate_playbooks(spec, Creates::Synced { connection, jira });
}

/// Every ticket-creating step of an incident-triggered playbook, synced or not, tags the
/// incident with its ticket and runs only while the incident has no such tag, so that a
/// second run for the same incident (an automation rule firing again, a manual re-run)
/// opens no second ticket. Runs after the sync passes, which did this for their own
/// connections already.
pub fn guard_ticket_creation(spec: &mut Spec) {
    correlate_playbooks(spec, Creates::Any);
}

fn correlate_playbooks(spec: &mut Spec, creates: Creates<'_>) {
    let mut counter = 0;
    for playbook in &mut spec.playbooks {
        if !matches!(playbook.trigger.value, crate::spec::Trigger::Incident) {
            continue;
        }
        correlate_steps(&mut playbook.value.steps, creates, &mut counter);
    }
}

fn correlate_steps(steps: &mut Vec<Located<Step>>, creates: Creates<'_>, counter: &mut usize) {
    let mut i = 0;
    while i < steps.len() {
        let span = steps[i].span;
        let synced = |conn: &str, is_jira: bool| match creates {
            Creates::Synced { connection, jira } => jira == is_jira && conn == connection,
            Creates::Any => true,
        };
        let prefix = match creates {
            Creates::Synced { .. } => "sync_",
            Creates::Any => "",
        };
        let label = match &mut steps[i].value {
            Step::ServiceNowCreateIncident(s) if synced(&s.connection.value, false) => {
                let id = s.id.get_or_insert_with(|| {
                    *counter += 1;
                    Located::new(format!("{prefix}ticket_{counter}"), span)
                });
                Some(format!("servicenow:{{{{{}.number}}}}", id.value))
            }
            Step::JiraCreateIssue(s) if synced(&s.connection.value, true) => {
                if matches!(creates, Creates::Synced { .. }) {
                    for label in [
                        JIRA_SYNC_LABEL.to_string(),
                        format!("{JIRA_LABEL_PREFIX}{{{{incident.name}}}}"),
                    ] {
                        if !s.labels.iter().any(|l| l.value == label) {
                            s.labels.push(Located::new(label, span));
                        }
                    }
                }
                let id = s.id.get_or_insert_with(|| {
                    *counter += 1;
                    Located::new(format!("{prefix}issue_{counter}"), span)
                });
                Some(format!("jira:{{{{{}.key}}}}", id.value))
            }
            // A guard made by an earlier pass: its create and tag are done, the steps
            // after them are not.
            Step::If(s) if s.ticket_guard => {
                let mut tail = s.then.split_off(2.min(s.then.len()));
                correlate_steps(&mut tail, creates, counter);
                s.then.extend(tail);
                None
            }
            Step::If(s) => {
                correlate_steps(&mut s.then, creates, counter);
                if let Some(otherwise) = &mut s.otherwise {
                    correlate_steps(otherwise, creates, counter);
                }
                None
            }
            Step::Switch(s) => {
                for case in s.cases.values_mut() {
                    correlate_steps(case.steps_mut(), creates, counter);
                }
                correlate_steps(&mut s.default, creates, counter);
                None
            }
            Step::Scope(s) => {
                correlate_steps(&mut s.steps, creates, counter);
                None
            }
            _ => None,
        };
        if let Some(label) = label {
            steps.insert(
                i + 1,
                Located::new(
                    Step::SentinelAddLabel(Box::new(crate::spec::AddLabel::Label(label))),
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
            correlate_steps(&mut tail, creates, counter);
            rest.extend(tail);
            steps.push(Located::new(
                Step::If(Box::new(IfStep {
                    name: None,
                    condition: Located::new(
                        Predicate::Not(Box::new(Located::new(
                            Predicate::HasLabelStartingWith(Located::new(prefix, span)),
                            span,
                        ))),
                        span,
                    ),
                    then: rest,
                    otherwise: None,
                    ticket_guard: true,
                })),
                span,
            ));
            return;
        }
        i += 1;
    }
}

/// The close-notes text for tickets resolved from Sentinel.
const CLOSED_IN_SENTINEL: &str = "Closed in Microsoft Sentinel (incident {{incident.number}}) as {{incident.classification}} {{incident.classification_reason}}: {{incident.classification_comment}}";

/// Spec values generated for a `sync:` block: everything positioned at the block.
#[derive(Clone, Copy)]
struct At(Span);

impl At {
    fn at<T>(self, value: T) -> Located<T> {
        Located::new(value, self.0)
    }

    fn text(self, text: &str) -> Located<String> {
        self.at(text.to_string())
    }

    fn step(self, step: Step) -> Located<Step> {
        self.at(step)
    }

    /// A playbook with only a name, description, trigger and steps.
    fn playbook(
        self,
        name: &str,
        description: &str,
        trigger: Trigger,
        steps: Vec<Located<Step>>,
    ) -> Located<Playbook> {
        self.at(Playbook {
            name: self.text(name),
            description: Some(description.to_string()),
            trigger: self.at(trigger),
            variables: IndexMap::new(),
            steps,
            tags: IndexMap::new(),
            retry: None,
            on_failure: None,
            as_imported: None,
        })
    }

    /// The single-instance Recurrence trigger of the pollers.
    fn poller(self, frequency: Frequency, interval: u32) -> Trigger {
        Trigger::Recurrence {
            frequency,
            interval,
            single_instance: true,
        }
    }

    /// `if: { name: Not_closed_by_sync, condition: { not: { has_label: <label> } } }`.
    fn unless_labelled(self, label: &str, then: Vec<Located<Step>>) -> Located<Step> {
        self.step(Step::If(Box::new(IfStep {
            name: Some(self.text("Not_closed_by_sync")),
            condition: self.at(Predicate::Not(Box::new(
                self.at(Predicate::HasLabel(self.text(label))),
            ))),
            then,
            otherwise: None,
            ticket_guard: false,
        })))
    }

    /// The automation rule that runs `playbook` when an incident is closed, unless it
    /// carries `label`.
    fn on_close_rule(
        self,
        name: &str,
        display: &str,
        order: i64,
        playbook: &str,
        label: &str,
    ) -> Located<AutomationRule> {
        self.at(AutomationRule {
            name: self.text(name),
            display_name: Some(self.text(display)),
            order: self.at(order),
            enabled: None,
            expires: None,
            on: None,
            when: self.at(RuleWhen::Updated),
            conditions: Some(self.at(Conditions {
                status_changed_to: Some(self.at(OneOrMany::One(Status::Closed))),
                properties: vec![self.at(PropertyCondition {
                    property: self.at(PropertyName::IncidentLabel),
                    operator: self.at(Operator::NotContains),
                    values: self.at(OneOrMany::Many(vec![label.to_string()])),
                })],
                ..Conditions::default()
            })),
            actions: vec![self.at(RuleAction::RunPlaybook(
                self.at(PlaybookTarget::Spec(playbook.to_string())),
            ))],
        })
    }
}

fn servicenow(
    spec: &mut Spec,
    snow: &Located<ServiceNowSync>,
    generated: &mut Generated,
    errors: &mut Vec<Diagnostic>,
) {
    let span = snow.span;
    let at = At(span);
    let connection = || at.text(&snow.connection.value);
    let direction = direction(snow.direction);
    let (frequency, every, minutes) = interval(snow.poll_every.as_ref(), span, errors);
    correlate(spec, &snow.connection.value, false);
    if direction.to_sentinel() {
        let default = snow
            .default_classification
            .unwrap_or(SentinelClassification::Undetermined);
        let query = format!(
            "correlation_display=Microsoft Sentinel^correlation_idISNOTEMPTY^stateIN6,7^sys_updated_on>=javascript:gs.minutesAgoStart({})^ORDERBYsys_updated_on",
            catch_up_minutes(minutes)
        );
        let close = at.step(Step::SentinelCloseIncident(Box::new(CloseIncident {
            name: None,
            incident: Some(at.at(IncidentRef::Name {
                name: at.text("{{ticket.correlation_id}}"),
            })),
            classification: at.at(ClassificationValue::Lookup {
                from: at.text("{{ticket.close_code}}"),
                values: snow.close_codes.clone(),
                default: Some(default),
            }),
            comment: Some(at.text(
                "Resolved in ServiceNow {{ticket.number}} ({{ticket.close_code}}): {{ticket.close_notes}}",
            )),
            labels: vec![at.text(CLOSED_BY_SERVICENOW_SYNC)],
        })));
        generated.playbooks.push(at.playbook(
            SNOW_TO_SENTINEL,
            "soarc sync: closes Microsoft Sentinel incidents whose ServiceNow incident was resolved or closed.",
            at.poller(frequency, every),
            vec![at.step(Step::ServiceNowQueryIncidents(Box::new(ServiceNowQueryIncidents {
                name: Some(at.text("Resolved_ServiceNow_incidents")),
                connection: connection(),
                query: at.text(&query),
                page_size: None,
                requery: false,
                item_name: at.text("ticket"),
                steps: vec![close],
            })))],
        ));
    }
    if direction.from_sentinel() {
        // Sentinel classification -> close code: a spec mapping, so gaps are SPEC024.
        let uses_defaults = snow.resolve_codes.is_empty() && snow.default_close_code.is_none();
        let mut values = IndexMap::new();
        if uses_defaults {
            for (classification, code) in DEFAULT_RESOLVE_CODES {
                values.insert(
                    at.text(classification),
                    at.at(Scalar::Text(code.to_string())),
                );
            }
        }
        for (classification, code) in &snow.resolve_codes {
            if !CLASSIFICATIONS.contains(&classification.value.as_str()) {
                let help = did_you_mean(&classification.value, CLASSIFICATIONS.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| format!("use one of {}", CLASSIFICATIONS.join(", ")));
                errors.push(
                    Diagnostic::error(
                        codes::SPEC023.code,
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
            values.insert(
                at.text(&classification.value),
                at.at(Scalar::Text(code.value.clone())),
            );
        }
        let missing: Vec<&str> = CLASSIFICATIONS
            .iter()
            .copied()
            .filter(|c| !uses_defaults && !snow.resolve_codes.keys().any(|k| k.value == *c))
            .collect();
        if !missing.is_empty() && snow.default_close_code.is_none() {
            errors.push(
                Diagnostic::error(
                    codes::SPEC024.code,
                    format!("`resolve_codes` does not cover {}", missing.join(", ")),
                )
                .at(span)
                .help("add the missing classifications or `default_close_code:`"),
            );
        }
        generated.mappings.push((
            at.text(CLOSE_CODE_MAPPING),
            at.at(Mapping {
                from: at.text("incident.classification"),
                values,
                default: snow
                    .default_close_code
                    .as_ref()
                    .map(|d| at.at(Scalar::Text(d.value.clone()))),
            }),
        ));
        let resolve = at.step(Step::ServiceNowResolveIncident(Box::new(
            ServiceNowResolveIncident {
                name: None,
                connection: connection(),
                sys_id: at.text("{{ticket.sys_id}}"),
                state: None,
                close_code: at.at(FieldValue::Map {
                    map: CLOSE_CODE_MAPPING.to_string(),
                }),
                close_notes: at.at(FieldValue::Text(CLOSED_IN_SENTINEL.to_string())),
                work_notes: None,
            },
        )));
        generated.playbooks.push(at.playbook(
            SENTINEL_TO_SNOW,
            "soarc sync: resolves the ServiceNow incidents of a Microsoft Sentinel incident that was closed.",
            Trigger::Incident,
            vec![at.unless_labelled(
                CLOSED_BY_SERVICENOW_SYNC,
                vec![at.step(Step::ServiceNowQueryIncidents(Box::new(ServiceNowQueryIncidents {
                    name: Some(at.text("Open_ServiceNow_incidents")),
                    connection: connection(),
                    query: at.text(
                        "correlation_display=Microsoft Sentinel^correlation_id={{incident.name}}^stateNOT IN6,7,8",
                    ),
                    page_size: Some(at.at(10)),
                    requery: true,
                    item_name: at.text("ticket"),
                    steps: vec![resolve],
                })))],
            )],
        ));
        let order = snow.rule_order.as_ref().map(|o| o.value).unwrap_or(900);
        generated.rules.push(at.on_close_rule(
            SENTINEL_TO_SNOW,
            "soarc sync: resolve ServiceNow incidents of closed incidents",
            order,
            SENTINEL_TO_SNOW,
            CLOSED_BY_SERVICENOW_SYNC,
        ));
    }
}

fn jira(
    spec: &mut Spec,
    jira: &Located<JiraSync>,
    generated: &mut Generated,
    errors: &mut Vec<Diagnostic>,
) {
    let span = jira.span;
    let at = At(span);
    let connection = || at.text(&jira.connection.value);
    let direction = direction(jira.direction);
    let (frequency, every, minutes) = interval(jira.poll_every.as_ref(), span, errors);
    for project in &jira.projects {
        // A per-environment key is checked where the JQL compiles (text of every
        // environment, escaped in its JQL string).
        if crate::env_values::reference(&project.value).is_some() {
            continue;
        }
        let ok = project.value.len() >= 2
            && project.value.starts_with(|c: char| c.is_ascii_uppercase())
            && project
                .value
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            errors.push(
                Diagnostic::error(codes::SPEC080.code, format!("`{}` is not a Jira project key", project.value))
                    .at(project.span.or(span).with_len(project.value.chars().count()))
                    .help("Jira project keys are an upper-case letter followed by upper-case letters, digits or `_`, e.g. `SEC`"),
            );
        }
    }
    let projects = if jira.projects.is_empty() {
        String::new()
    } else {
        // A per-environment key goes in a JQL string (`"SEC"` is the same project as
        // `SEC`), where the compiler escapes references.
        let keys: Vec<String> = jira
            .projects
            .iter()
            .map(|p| match crate::env_values::reference(&p.value) {
                Some(_) => format!("\"{}\"", p.value.trim()),
                None => p.value.clone(),
            })
            .collect();
        format!("project in ({}) AND ", keys.join(", "))
    };
    correlate(spec, &jira.connection.value, true);
    let transition = jira
        .done_transition
        .as_ref()
        .map(|t| t.value.clone())
        .unwrap_or_else(|| "Done".into());
    if direction.to_sentinel() {
        let classification = jira
            .classification
            .unwrap_or(SentinelClassification::Undetermined);
        let jql = format!(
            "{projects}labels = {JIRA_SYNC_LABEL} AND statusCategory = Done AND updated >= -{}m ORDER BY updated ASC",
            catch_up_minutes(minutes)
        );
        let close = at.step(Step::SentinelCloseIncident(Box::new(CloseIncident {
            name: None,
            incident: Some(at.at(IncidentRef::JiraLabels {
                jira_labels: at.text("{{issue.fields.labels}}"),
            })),
            classification: at.at(ClassificationValue::Fixed(classification)),
            comment: Some(at.text("Done in Jira: {{issue.key}} ({{issue.fields.status.name}})")),
            labels: vec![at.text(CLOSED_BY_JIRA_SYNC)],
        })));
        generated.playbooks.push(at.playbook(
            JIRA_TO_SENTINEL,
            "soarc sync: closes Microsoft Sentinel incidents whose Jira issue is done.",
            at.poller(frequency, every),
            vec![at.step(Step::JiraSearchIssues(Box::new(JiraSearchIssues {
                name: Some(at.text("Done_Jira_issues")),
                connection: connection(),
                jql: at.text(&jql),
                fields: Vec::new(),
                page_size: None,
                item_name: at.text("issue"),
                steps: vec![close],
            })))],
        ));
    }
    if direction.from_sentinel() {
        let jql = format!(
            "labels = \"{JIRA_LABEL_PREFIX}{{{{incident.name}}}}\" AND statusCategory != Done"
        );
        let transition = at.step(Step::JiraTransitionIssue(Box::new(JiraTransitionIssue {
            name: None,
            connection: connection(),
            issue: at.text("{{issue.key}}"),
            transition: at.text(&transition),
            comment: Some(at.text(CLOSED_IN_SENTINEL)),
        })));
        generated.playbooks.push(at.playbook(
            SENTINEL_TO_JIRA,
            "soarc sync: moves the Jira issues of a closed Microsoft Sentinel incident to done.",
            Trigger::Incident,
            vec![at.unless_labelled(
                CLOSED_BY_JIRA_SYNC,
                vec![at.step(Step::JiraSearchIssues(Box::new(JiraSearchIssues {
                    name: Some(at.text("Open_Jira_issues")),
                    connection: connection(),
                    jql: at.text(&jql),
                    fields: Vec::new(),
                    page_size: None,
                    item_name: at.text("issue"),
                    steps: vec![transition],
                })))],
            )],
        ));
        let order = jira.rule_order.as_ref().map(|o| o.value).unwrap_or(901);
        generated.rules.push(at.on_close_rule(
            SENTINEL_TO_JIRA,
            "soarc sync: move Jira issues of closed incidents to done",
            order,
            SENTINEL_TO_JIRA,
            CLOSED_BY_JIRA_SYNC,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("5m"), Some((Frequency::Minute, 5, 5)));
        assert_eq!(parse_interval("2h"), Some((Frequency::Hour, 2, 120)));
        assert_eq!(parse_interval("24h"), Some((Frequency::Hour, 24, 1440)));
        assert_eq!(parse_interval("0m"), None);
        assert_eq!(parse_interval("25h"), None);
        assert_eq!(parse_interval("5"), None);
        assert_eq!(parse_interval("5s"), None);
        assert_eq!(parse_interval("m"), None);
    }
}
