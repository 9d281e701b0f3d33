//! Automation rules: the spec's friendly conditions and actions checked against the spec's
//! playbooks and Sentinel's rules, and compiled to the API's shapes ([`crate::emit::arm::automation`]).
//!
//! Codes: RULE001 unknown playbook, RULE002 trigger mismatch, RULE003 change condition on a
//! `created` rule, RULE004 closing without classification (and classification mismatches),
//! RULE005 duplicate order (warning), RULE006 alert rule with a non-playbook action,
//! RULE007 limits (order, actions, groups, display name, conditions), RULE008 invalid name
//! or value, RULE009 alert rules fire on creation only, RULE010 a Windows device name as
//! rule name.

use std::collections::HashMap;

use crate::codes;
use crate::emit::arm::automation::{
    Action, ActionKind, AddIncidentTask, ArrayChangeType, ArrayChanged, ArrayConditionType,
    ArrayType, AutomationRuleProperties, BooleanCondition, BooleanOperator, ChangeType,
    ChangedArray, ChangedProperty, CompiledRule, Condition, Label, ModifyProperties, OwnerInfo,
    PropertyArray, PropertyChanged, PropertyValues, RunPlaybook, TriggeringLogic, TriggersOn,
    TriggersWhen, logic_app_id, tenant_id,
};
use crate::spec::automation::{
    Classification, ClassificationReason, Conditions, Modify, OneOrMany, Operator, PlaybookTarget,
    PropertyName, RuleAction, RuleTarget, RuleWhen, Severity, Status,
};
use crate::spec::{AutomationRule, Located, Spec, Trigger};
use soarc_lang::arm::{ex, lit};
use soarc_lang::diagnostics::{Diagnostic, Sources, Span, did_you_mean};

/// Namespace of rule names: UUIDv5(namespace, spec name). Fixed forever: changing it would
/// rename every deployed rule.
pub const RULE_NAMESPACE: uuid::Uuid = uuid::Uuid::from_bytes([
    0x5d, 0x0a, 0x2c, 0x6e, 0x3b, 0x1f, 0x4e, 0x8a, 0x9c, 0x47, 0x2f, 0x6b, 0x0d, 0x53, 0x0a, 0x7c,
]);

/// Output folder of the rules, under the build's output directory.
pub const OUTPUT_DIR: &str = "automation-rules";

pub const MAX_ACTIONS: usize = 20;
pub const MAX_CONDITIONS: usize = 50;
pub const MAX_DISPLAY_NAME: usize = 500;

/// The rules, compiled; and whether any runs a playbook of the spec.
#[derive(Debug, Clone, Default)]
pub struct Compiled {
    pub rules: Vec<CompiledRule>,
    pub runs_spec_playbooks: bool,
}

/// Azure name of a rule.
pub fn rule_id(name: &str) -> String {
    uuid::Uuid::new_v5(&RULE_NAMESPACE, name.as_bytes()).to_string()
}

/// Check and compile every rule. Errors and warnings go to `diagnostics`.
pub fn compile(spec: &Spec, sources: &Sources, diagnostics: &mut Vec<Diagnostic>) -> Compiled {
    let playbooks: HashMap<&str, &Located<Trigger>> = spec
        .playbooks
        .iter()
        .map(|p| (p.name.value.as_str(), &p.trigger))
        .collect();
    let labelers: Vec<&str> = spec
        .playbooks
        .iter()
        .filter(|p| adds_labels(&p.steps))
        .map(|p| p.name.value.as_str())
        .collect();
    let mut compiled = Compiled::default();
    let mut names: HashMap<&str, Span> = HashMap::new();
    let mut orders: HashMap<i64, &Located<String>> = HashMap::new();
    for rule in &spec.automation_rules {
        if let Some(first) = names.insert(&rule.name.value, rule.name.span) {
            diagnostics.push(crate::spec::load::duplicate(
                "automation rule",
                &rule.name,
                first,
                sources,
            ));
            continue;
        }
        let order = rule.order.value;
        if (1..=1000).contains(&order) {
            if let Some(first) = orders.get(&order) {
                diagnostics.push(
                    Diagnostic::warning(
                        codes::RULE005.code,
                        format!(
                            "automation rules `{}` and `{}` have the same order {order}",
                            first.value, rule.name.value
                        ),
                    )
                    .at(rule.order.span)
                    .label("same order as another rule")
                    .help("Sentinel runs rules of equal order in an unspecified sequence; give each rule its own order"),
                );
            } else {
                orders.insert(order, &rule.name);
            }
        }
        refire_warning(rule, &labelers, diagnostics);
        let mut checker = RuleChecker {
            rule,
            playbooks: &playbooks,
            diagnostics,
            runs_spec_playbooks: false,
        };
        if let Some(properties) = checker.compile() {
            compiled.runs_spec_playbooks |= checker.runs_spec_playbooks;
            compiled.rules.push(CompiledRule {
                name: rule.name.value.clone(),
                id: rule_id(&rule.name.value),
                properties,
            });
        }
    }
    compiled
}

/// Whether steps add labels (tags) to incidents: `sentinel.add_label`, or
/// `sentinel.close_incident` with `labels`, at any depth.
fn adds_labels(steps: &[Located<crate::spec::Step>]) -> bool {
    use crate::spec::Step;
    steps.iter().any(|step| match &step.value {
        Step::SentinelAddLabel(_) => true,
        Step::SentinelCloseIncident(close) => !close.labels.is_empty(),
        Step::If(s) => adds_labels(&s.then) || adds_labels(s.else_steps()),
        Step::Switch(s) => {
            s.cases.values().any(|c| adds_labels(c.steps())) || adds_labels(&s.default)
        }
        Step::Foreach(s) => adds_labels(&s.steps),
        Step::Scope(s) => adds_labels(&s.steps),
        Step::ServiceNowQueryIncidents(s) => adds_labels(&s.steps),
        Step::JiraSearchIssues(s) => adds_labels(&s.steps),
        _ => false,
    })
}

/// RULE011: an update rule on `labels_added` that runs a playbook fires again whenever a
/// playbook adds a tag. Learn, "Automation rules triggers and conditions": the update trigger
/// fires when "Comments, tags, or tactics are added to an incident", and "Tag added" means
/// "New items of type Tag were added to the list", whoever added them (a playbook included;
/// https://learn.microsoft.com/azure/sentinel/automation-rules-triggers-conditions).
/// Conditions such as `tags_contain` test the incident's current tags, which still hold.
fn refire_warning(
    rule: &Located<AutomationRule>,
    labelers: &[&str],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(labels_added) = rule
        .conditions
        .as_ref()
        .and_then(|c| c.value.labels_added.as_ref())
        .filter(|l| l.value)
    else {
        return;
    };
    let runs: Vec<&str> = rule
        .actions
        .iter()
        .filter_map(|a| match &a.value {
            RuleAction::RunPlaybook(target) => match &target.value {
                PlaybookTarget::Spec(name) => Some(name.as_str()),
                PlaybookTarget::External(_) => None,
            },
            _ => None,
        })
        .collect();
    if runs.is_empty() || labelers.is_empty() || rule.when.value != RuleWhen::Updated {
        return;
    }
    let shown = |names: &[&str]| {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    diagnostics.push(
        Diagnostic::warning(
            codes::RULE011.code,
            format!(
                "automation rule `{}` fires on any added tag, including the tags playbooks {} add: it runs {} again each time",
                rule.name.value,
                shown(labelers),
                shown(&runs)
            ),
        )
        .at(labels_added.span)
        .label("any new tag, whoever adds it")
        .help("make sure a second run does nothing (soarc's ticket steps skip incidents that already carry their ticket tag; other steps run again), or narrow the rule: `when: created`, or a tag condition that the playbook's own tags do not meet"),
    );
}

struct RuleChecker<'a, 'd> {
    rule: &'a Located<AutomationRule>,
    playbooks: &'a HashMap<&'a str, &'a Located<Trigger>>,
    diagnostics: &'d mut Vec<Diagnostic>,
    runs_spec_playbooks: bool,
}

impl RuleChecker<'_, '_> {
    fn error(&mut self, code: &'static str, span: Span, message: String, help: impl Into<String>) {
        self.diagnostics.push(
            Diagnostic::error(code, message)
                .at(span.or(self.rule.span))
                .help(help),
        );
    }

    fn compile(&mut self) -> Option<AutomationRuleProperties> {
        let errors_before = self.error_count();
        let rule = self.rule;
        let name = &rule.name;
        if name.value.trim().is_empty() {
            self.error(
                codes::RULE008.code,
                name.span,
                "automation rule name is empty".into(),
                "name the rule, e.g. `snow-for-high-severity`",
            );
        }
        if let Some(device) = crate::compile::windows_device_name(&name.value) {
            self.error(
                codes::RULE010.code,
                name.span.with_len(name.value.chars().count()),
                format!(
                    "automation rule name `{}` is a Windows device name (`{device}`)",
                    name.value
                ),
                format!(
                    "Windows reserves CON, PRN, AUX, NUL, COM1-COM9 and LPT1-LPT9 (also with an extension) \
                     as device names, so a file named after the rule (an export, a per-rule template) could not \
                     be created or checked out there; rename it, e.g. `{}-rule`",
                    name.value
                ),
            );
        }
        let display_name = rule
            .display_name
            .as_ref()
            .map(|d| d.value.clone())
            .unwrap_or_else(|| name.value.clone());
        let span = rule.display_name.as_ref().map_or(name.span, |d| d.span);
        if display_name.trim().is_empty() {
            self.error(
                codes::RULE008.code,
                span,
                format!(
                    "the display name of automation rule `{}` is empty",
                    name.value
                ),
                "write the name Sentinel shows, or leave `display_name` out to use `name`",
            );
        }
        if display_name.chars().count() > MAX_DISPLAY_NAME {
            self.error(
                codes::RULE007.code,
                span,
                format!(
                    "the display name of automation rule `{}` has {} characters; Sentinel allows {MAX_DISPLAY_NAME}",
                    name.value,
                    display_name.chars().count()
                ),
                "shorten `display_name`",
            );
        }
        let order = rule.order.value;
        if !(1..=1000).contains(&order) {
            self.error(
                codes::RULE007.code,
                rule.order.span,
                format!(
                    "order {order} of automation rule `{}` is out of range",
                    name.value
                ),
                "use an order from 1 to 1000",
            );
        }
        if let Some(expires) = &rule.expires
            && !is_utc_datetime(&expires.value)
        {
            self.error(
                codes::RULE008.code,
                expires.span,
                format!("`expires: {}` is not a UTC date-time", expires.value),
                "write an ISO 8601 UTC date-time, e.g. `2026-12-31T23:59:59Z`",
            );
        }
        let on = rule
            .on
            .as_ref()
            .map(|o| o.value)
            .unwrap_or(RuleTarget::Incidents);
        let when = rule.when.value;
        if on == RuleTarget::Alerts && when == RuleWhen::Updated {
            self.error(
                codes::RULE009.code,
                rule.when.span,
                format!(
                    "automation rule `{}` runs on alerts, which Sentinel only triggers on creation",
                    name.value
                ),
                "use `when: created` for alert rules",
            );
        }

        let conditions = match &rule.conditions {
            Some(conditions) => self.conditions(conditions, on, when),
            None => Vec::new(),
        };
        // The API's limit is on the top-level list (a group counts as one).
        let count = conditions.len();
        if count > MAX_CONDITIONS {
            let span = rule
                .conditions
                .as_ref()
                .map(|c| c.span)
                .unwrap_or(rule.span);
            self.error(
                codes::RULE007.code,
                span,
                format!(
                    "automation rule `{}` has {count} conditions; Sentinel allows {MAX_CONDITIONS}",
                    name.value
                ),
                "split the rule in two",
            );
        }

        if rule.actions.is_empty() || rule.actions.len() > MAX_ACTIONS {
            let span = rule
                .actions
                .get(MAX_ACTIONS)
                .map(|a| a.span)
                .unwrap_or(rule.span);
            self.error(
                codes::RULE007.code,
                span,
                format!(
                    "automation rule `{}` has {} actions; Sentinel requires 1 to {MAX_ACTIONS}",
                    name.value,
                    rule.actions.len()
                ),
                if rule.actions.is_empty() {
                    "add an action, e.g. `- run_playbook: <playbook name>`"
                } else {
                    "split the rule in two"
                },
            );
        }
        let mut actions = Vec::new();
        for (i, action) in rule.actions.iter().enumerate() {
            if let Some(kind) = self.action(action, on) {
                actions.push(Action {
                    order: i as u32 + 1,
                    kind,
                });
            }
        }

        if self.error_count() > errors_before {
            return None;
        }
        Some(AutomationRuleProperties {
            display_name: lit(display_name),
            order: order as u32,
            triggering_logic: TriggeringLogic {
                is_enabled: rule.enabled.unwrap_or(true),
                expiration_time_utc: rule.expires.as_ref().map(|e| e.value.clone()),
                triggers_on: match on {
                    RuleTarget::Incidents => TriggersOn::Incidents,
                    RuleTarget::Alerts => TriggersOn::Alerts,
                },
                triggers_when: match when {
                    RuleWhen::Created => TriggersWhen::Created,
                    RuleWhen::Updated => TriggersWhen::Updated,
                },
                conditions,
            },
            actions,
        })
    }

    fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// The conditions of one mapping, in a fixed order: property conditions, changes, custom
    /// details, the general form, then `any:`/`all:` groups (all are ANDed, so order is
    /// only presentation).
    fn conditions(
        &mut self,
        conditions: &Located<Conditions>,
        on: RuleTarget,
        when: RuleWhen,
    ) -> Vec<Condition> {
        let c = &conditions.value;
        let mut out = Vec::new();
        let property = |name: PropertyName, operator: Operator, values: Vec<String>| {
            Condition::Property(PropertyValues {
                property_name: name,
                operator,
                property_values: values.into_iter().map(lit).collect(),
            })
        };
        let api = |values: Vec<&'static str>| values.into_iter().map(String::from).collect();
        if let Some(v) = &c.severity {
            out.push(property(
                PropertyName::IncidentSeverity,
                Operator::Equals,
                api(v.to_vec().into_iter().map(|s| s.api()).collect()),
            ));
        }
        if let Some(v) = &c.status {
            out.push(property(
                PropertyName::IncidentStatus,
                Operator::Equals,
                api(v.to_vec().into_iter().map(|s| s.api()).collect()),
            ));
        }
        let texts = [
            (&c.title_contains, PropertyName::IncidentTitle),
            (&c.description_contains, PropertyName::IncidentDescription),
            (&c.tags_contain, PropertyName::IncidentLabel),
            (
                &c.analytics_rule_ids,
                match on {
                    RuleTarget::Incidents => PropertyName::IncidentRelatedAnalyticRuleIds,
                    RuleTarget::Alerts => PropertyName::AlertAnalyticRuleIds,
                },
            ),
            (&c.product_names, PropertyName::AlertProductNames),
        ];
        if let Some(ids) = &c.analytics_rule_ids {
            self.check_analytics_rule_ids(ids);
        }
        for (value, name) in texts {
            if let Some(v) = value {
                let values = v.to_vec();
                if self.non_empty(v, &values) {
                    out.push(property(name, Operator::Contains, values));
                }
            }
        }
        if let Some(v) = &c.tactics {
            out.push(property(
                PropertyName::IncidentTactics,
                Operator::Contains,
                api(v.to_vec().into_iter().map(|t| t.api()).collect()),
            ));
        }
        let mut changes = Vec::new();
        let changed = |name, change, values: Vec<&'static str>| {
            Condition::PropertyChanged(PropertyChanged {
                property_name: name,
                change_type: change,
                operator: Some(Operator::Equals),
                property_values: values.into_iter().map(lit).collect(),
            })
        };
        // Severity and status changes share one shape: property, direction, API values.
        let severities = |v: &Option<Located<OneOrMany<Severity>>>| {
            v.as_ref().map(|v| {
                (
                    v.span,
                    v.to_vec().into_iter().map(|s| s.api()).collect::<Vec<_>>(),
                )
            })
        };
        let statuses = |v: &Option<Located<OneOrMany<Status>>>| {
            v.as_ref().map(|v| {
                (
                    v.span,
                    v.to_vec().into_iter().map(|s| s.api()).collect::<Vec<_>>(),
                )
            })
        };
        let value_changes = [
            (
                severities(&c.severity_changed_to),
                "severity_changed_to",
                ChangedProperty::IncidentSeverity,
                ChangeType::ChangedTo,
            ),
            (
                severities(&c.severity_changed_from),
                "severity_changed_from",
                ChangedProperty::IncidentSeverity,
                ChangeType::ChangedFrom,
            ),
            (
                statuses(&c.status_changed_to),
                "status_changed_to",
                ChangedProperty::IncidentStatus,
                ChangeType::ChangedTo,
            ),
            (
                statuses(&c.status_changed_from),
                "status_changed_from",
                ChangedProperty::IncidentStatus,
                ChangeType::ChangedFrom,
            ),
        ];
        for (value, key, property, direction) in value_changes {
            if let Some((span, values)) = value {
                changes.push((span, key, changed(property, direction, values)));
            }
        }
        if let Some(v) = &c.owner_changed {
            if v.value {
                changes.push((
                    v.span,
                    "owner_changed",
                    Condition::PropertyChanged(PropertyChanged {
                        property_name: ChangedProperty::IncidentOwner,
                        change_type: ChangeType::ChangedTo,
                        operator: None,
                        property_values: Vec::new(),
                    }),
                ));
            } else {
                self.false_flag(v, "owner_changed");
            }
        }
        let arrays = [
            (&c.alerts_added, "alerts_added", ChangedArray::Alerts),
            (&c.labels_added, "labels_added", ChangedArray::Labels),
            (&c.tactics_added, "tactics_added", ChangedArray::Tactics),
            (&c.comments_added, "comments_added", ChangedArray::Comments),
        ];
        for (value, key, array_type) in arrays {
            let Some(v) = value else { continue };
            if v.value {
                changes.push((
                    v.span,
                    key,
                    Condition::PropertyArrayChanged(ArrayChanged {
                        array_type,
                        change_type: ArrayChangeType::Added,
                    }),
                ));
            } else {
                self.false_flag(v, key);
            }
        }
        for (span, key, condition) in changes {
            if when == RuleWhen::Created {
                self.error(
                    codes::RULE003.code,
                    span,
                    format!(
                        "`{key}` describes a change, but automation rule `{}` runs `when: created`",
                        self.rule.name.value
                    ),
                    "use `when: updated` for conditions on changes",
                );
            } else if on == RuleTarget::Alerts {
                self.error(
                    codes::RULE009.code,
                    span,
                    format!(
                        "`{key}` applies to incidents, but automation rule `{}` runs on alerts",
                        self.rule.name.value
                    ),
                    "remove the condition or use `on: incidents`",
                );
            }
            out.push(condition);
        }
        for detail in &c.custom_details {
            let values = detail.values.to_vec();
            if !self.non_empty(&detail.values, &values) {
                continue;
            }
            let operator = detail
                .operator
                .as_ref()
                .map(|o| o.value)
                .unwrap_or(Operator::Equals);
            out.push(Condition::PropertyArray(PropertyArray {
                array_type: ArrayType::CustomDetails,
                array_condition_type: ArrayConditionType::AnyItem,
                item_conditions: vec![
                    property(
                        PropertyName::IncidentCustomDetailsKey,
                        Operator::Equals,
                        vec![detail.key.value.clone()],
                    ),
                    Condition::PropertyArray(PropertyArray {
                        array_type: ArrayType::CustomDetailValues,
                        array_condition_type: ArrayConditionType::AnyItem,
                        item_conditions: vec![property(
                            PropertyName::IncidentCustomDetailsValue,
                            operator,
                            values,
                        )],
                    }),
                ],
            }));
        }
        for general in &c.properties {
            let values = general.values.to_vec();
            if self.non_empty(&general.values, &values) {
                out.push(property(
                    general.property.value,
                    general.operator.value,
                    values,
                ));
            }
        }
        for (group, operator, key) in [
            (&c.any, BooleanOperator::Or, "any"),
            (&c.all, BooleanOperator::And, "all"),
        ] {
            let Some(group) = group else { continue };
            if !(2..=10).contains(&group.value.len()) {
                self.error(
                    codes::RULE007.code,
                    group.span,
                    format!(
                        "`{key}:` has {} conditions; Sentinel requires 2 to 10",
                        group.value.len()
                    ),
                    if group.value.len() < 2 {
                        "put the single condition directly in the enclosing mapping"
                    } else {
                        "nest groups to combine more conditions"
                    },
                );
            }
            let inner = group
                .value
                .iter()
                .map(|member| {
                    let mut conditions = self.conditions(member, on, when);
                    if conditions.len() == 1 {
                        conditions.pop().expect("one condition")
                    } else {
                        if conditions.len() > 10 {
                            self.error(
                                codes::RULE007.code,
                                member.span,
                                format!("an entry of `{key}:` has {} conditions; a group holds at most 10", conditions.len()),
                                "split the entry into nested `all:` groups",
                            );
                        }
                        if conditions.is_empty() {
                            self.error(
                                codes::RULE008.code,
                                member.span,
                                format!("an entry of `{key}:` has no condition"),
                                "write a condition such as `severity: [High]`",
                            );
                        }
                        Condition::Boolean(BooleanCondition {
                            operator: BooleanOperator::And,
                            inner_conditions: conditions,
                        })
                    }
                })
                .collect();
            out.push(Condition::Boolean(BooleanCondition {
                operator,
                inner_conditions: inner,
            }));
        }
        out
    }

    /// Analytics rule ids as a playbook's `from_analytics_rule` takes them (SPEC044): the
    /// rule's GUID, or its full resource id ending in `/alertRules/<GUID>`. A rule name
    /// matches no incident, so the rule would never fire.
    fn check_analytics_rule_ids(&mut self, ids: &Located<OneOrMany<String>>) {
        for id in ids.to_vec() {
            let guid = id.rsplit('/').next().unwrap_or_default();
            let shaped = crate::model::names::is_guid(&id)
                || (id.contains("/alertRules/") && crate::model::names::is_guid(guid));
            if !shaped {
                self.diagnostics.push(
                    Diagnostic::error(codes::SPEC044.code, format!("`{id}` is not an analytics rule id"))
                        .at(ids.span.or(self.rule.span))
                        .help("use the rule's id, the GUID at the end of its resource id (Analytics, rule, `id`), or the full resource id"),
                );
            }
        }
    }

    fn non_empty<T>(&mut self, at: &Located<OneOrMany<T>>, values: &[String]) -> bool {
        if values.is_empty() {
            self.error(
                codes::RULE008.code,
                at.span,
                "empty list of values".into(),
                "give at least one value",
            );
            false
        } else {
            true
        }
    }

    fn false_flag(&mut self, v: &Located<bool>, key: &str) {
        self.error(
            codes::RULE008.code,
            v.span,
            format!("`{key}: false` is not a condition"),
            format!("remove `{key}`, or write `{key}: true`"),
        );
    }

    fn action(&mut self, action: &Located<RuleAction>, on: RuleTarget) -> Option<ActionKind> {
        let rule = &self.rule.name.value;
        match &action.value {
            RuleAction::RunPlaybook(target) => match &target.value {
                PlaybookTarget::Spec(name) => {
                    let span = target.span.or(action.span).with_len(name.chars().count());
                    let Some(trigger) = self.playbooks.get(name.as_str()) else {
                        let suggestion = did_you_mean(name, self.playbooks.keys().copied());
                        self.diagnostics.push(
                            Diagnostic::error(codes::RULE001.code, format!("automation rule `{rule}` runs playbook `{name}`, which the spec does not define"))
                                .at(span)
                                .label("no such playbook")
                                .help(match suggestion {
                                    Some(s) => format!("did you mean `{s}`?"),
                                    None => "name a playbook of the spec, or give `{ resource_id: ... }` for one deployed elsewhere".into(),
                                }),
                        );
                        return None;
                    };
                    let (needed, fits) = match on {
                        RuleTarget::Incidents => {
                            ("incident", matches!(trigger.value, Trigger::Incident))
                        }
                        RuleTarget::Alerts => ("alert", matches!(trigger.value, Trigger::Alert)),
                    };
                    if !fits {
                        self.diagnostics.push(
                            Diagnostic::error(
                                codes::RULE002.code,
                                format!("automation rule `{rule}` runs on {needed}s, but playbook `{name}` does not have the {needed} trigger"),
                            )
                            .at(span)
                            .label(format!("needs `trigger: {needed}`"))
                            .help(format!(
                                "Sentinel can only run playbooks with the {needed} trigger from this rule; change the playbook's trigger (its definition is at line {}) or run another playbook",
                                trigger.span.line
                            )),
                        );
                        return None;
                    }
                    self.runs_spec_playbooks = true;
                    Some(ActionKind::RunPlaybook(RunPlaybook {
                        logic_app_resource_id: ex(logic_app_id("playbooksResourceGroup", name)),
                        tenant_id: ex(tenant_id()),
                    }))
                }
                PlaybookTarget::External(external) => {
                    let id = external.resource_id.trim();
                    let lower = id.to_ascii_lowercase();
                    if !lower.starts_with("/subscriptions/")
                        || !(lower.contains("/providers/microsoft.logic/workflows/")
                            || lower.contains("/providers/microsoft.web/sites/"))
                    {
                        self.error(
                            codes::RULE008.code,
                            target.span.or(action.span),
                            format!("`{id}` is not the resource id of a Logic App"),
                            "write `/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Logic/workflows/<name>`",
                        );
                        return None;
                    }
                    if let Some(tenant) = &external.tenant_id
                        && uuid::Uuid::parse_str(tenant).is_err()
                    {
                        self.error(
                            codes::RULE008.code,
                            target.span.or(action.span),
                            format!("tenant id `{tenant}` is not a GUID"),
                            "write the tenant id, e.g. `00000000-0000-0000-0000-000000000000`",
                        );
                        return None;
                    }
                    Some(ActionKind::RunPlaybook(RunPlaybook {
                        logic_app_resource_id: lit(id),
                        tenant_id: match &external.tenant_id {
                            Some(t) => lit(t),
                            None => ex(tenant_id()),
                        },
                    }))
                }
            },
            RuleAction::Modify(_) | RuleAction::AddTask(_) if on == RuleTarget::Alerts => {
                self.error(
                    codes::RULE006.code,
                    action.span,
                    format!("automation rule `{rule}` runs on alerts, where Sentinel only runs playbooks"),
                    "use `run_playbook`, or make it an incident rule (`on: incidents`)",
                );
                None
            }
            RuleAction::Modify(modify) => self.modify(modify).map(ActionKind::ModifyProperties),
            RuleAction::AddTask(task) => {
                if task.title.value.trim().is_empty() {
                    self.error(
                        codes::RULE008.code,
                        task.title.span.or(task.span),
                        "the task title is empty".into(),
                        "give the task a title",
                    );
                    return None;
                }
                Some(ActionKind::AddIncidentTask(AddIncidentTask {
                    title: lit(&task.title.value),
                    description: task.description.as_ref().map(lit),
                }))
            }
        }
    }

    fn modify(&mut self, modify: &Located<Modify>) -> Option<ModifyProperties> {
        let m = &modify.value;
        let before = self.error_count();
        let closing = m.status.as_ref().is_some_and(|s| s.value == Status::Closed);
        if closing && m.classification.is_none() {
            self.error(
                codes::RULE004.code,
                m.status.as_ref().map(|s| s.span).unwrap_or(modify.span),
                "closing an incident requires a classification".into(),
                "add `classification: TruePositive | BenignPositive | FalsePositive | Undetermined` (and a `classification_reason`)",
            );
        }
        if !closing {
            let stray = [
                m.classification
                    .as_ref()
                    .map(|c| (c.span, "classification")),
                m.classification_reason
                    .as_ref()
                    .map(|c| (c.span, "classification_reason")),
                m.classification_comment
                    .as_ref()
                    .map(|c| (c.span, "classification_comment")),
            ];
            for (span, key) in stray.into_iter().flatten() {
                self.error(
                    codes::RULE004.code,
                    span,
                    format!("`{key}` is only set when closing an incident"),
                    "add `status: Closed`, or remove it",
                );
            }
        }
        if let (Some(classification), Some(reason)) = (&m.classification, &m.classification_reason)
        {
            let allowed: &[ClassificationReason] = match classification.value {
                Classification::TruePositive => &[ClassificationReason::SuspiciousActivity],
                Classification::BenignPositive => &[ClassificationReason::SuspiciousButExpected],
                Classification::FalsePositive => &[
                    ClassificationReason::IncorrectAlertLogic,
                    ClassificationReason::InaccurateData,
                ],
                Classification::Undetermined => &[],
            };
            if !allowed.contains(&reason.value) {
                let names: Vec<&str> = allowed.iter().map(|r| r.api()).collect();
                self.error(
                    codes::RULE004.code,
                    reason.span,
                    format!(
                        "classification reason `{}` does not go with classification `{}`",
                        reason.value.api(),
                        classification.value.api()
                    ),
                    if names.is_empty() {
                        "remove `classification_reason`".to_string()
                    } else {
                        format!("use {}", names.join(" or "))
                    },
                );
            }
        }
        if let Some(owner) = &m.owner {
            let o = &owner.value;
            if o.object_id.is_none() && o.email.is_none() && o.user_principal_name.is_none() {
                self.error(
                    codes::RULE008.code,
                    owner.span,
                    "the owner names nobody".into(),
                    "give `object_id`, `email` or `user_principal_name`",
                );
            }
            // Sentinel identifies owners by Entra object id (IncidentOwnerInfo.objectId, a
            // GUID; bicep-types-az Microsoft.SecurityInsights): a group has no mailbox identity
            // Sentinel can resolve, so a group owner needs its object id. E-mail or UPN alone
            // is the documented fallback for users only.
            if o.object_id.is_none()
                && o.owner_type == Some(crate::spec::automation::OwnerType::Group)
            {
                self.error(
                    codes::RULE008.code,
                    owner.span,
                    "a group owner is given without its object id".into(),
                    "Sentinel assigns groups by Entra object id: write `owner: { object_id: <GUID>, type: Group }` (`az ad group show --group <name> --query id -o tsv`)",
                );
            }
            if let Some(id) = &o.object_id
                && uuid::Uuid::parse_str(id).is_err()
            {
                self.error(
                    codes::RULE008.code,
                    owner.span,
                    format!("owner object id `{id}` is not a GUID"),
                    "use the Entra object id of the user or group",
                );
            }
        }
        let empty =
            m.status.is_none() && m.severity.is_none() && m.owner.is_none() && m.labels.is_empty();
        if empty {
            self.error(
                codes::RULE008.code,
                modify.span,
                "`modify` changes nothing".into(),
                "set `status`, `severity`, `owner` or `labels`",
            );
        }
        if self.error_count() > before {
            return None;
        }
        Some(ModifyProperties {
            status: m.status.as_ref().map(|s| s.value),
            severity: m.severity.as_ref().map(|s| s.value),
            classification: m.classification.as_ref().map(|c| c.value),
            classification_reason: m.classification_reason.as_ref().map(|c| c.value),
            classification_comment: m.classification_comment.as_ref().map(|c| lit(&c.value)),
            owner: m.owner.as_ref().map(|o| OwnerInfo {
                object_id: o.object_id.clone(),
                email: o.email.as_ref().map(lit),
                user_principal_name: o.user_principal_name.as_ref().map(lit),
                assigned_to: o.assigned_to.as_ref().map(lit),
                owner_type: o.owner_type,
            }),
            labels: m
                .labels
                .iter()
                .map(|l| Label { label_name: lit(l) })
                .collect(),
        })
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fff]Z` (Sentinel stores expirations in UTC).
fn is_utc_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let Some(rest) = s.strip_suffix('Z') else {
        return false;
    };
    let fraction_ok = rest.len() == 19
        || (rest.len() > 20 && b[19] == b'.' && rest[20..].bytes().all(|c| c.is_ascii_digit()));
    digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && b.get(10) == Some(&b'T')
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19)
        && fraction_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_stable_uuid_v5() {
        let id = rule_id("snow-for-high-severity");
        assert_eq!(id, rule_id("snow-for-high-severity"));
        assert_ne!(id, rule_id("snow-for-high-severity2"));
        assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 5);
    }

    #[test]
    fn utc_datetimes() {
        assert!(is_utc_datetime("2026-12-31T23:59:59Z"));
        assert!(is_utc_datetime("2026-12-31T23:59:59.5Z"));
        assert!(!is_utc_datetime("2026-12-31"));
        assert!(!is_utc_datetime("2026-12-31T23:59:59+01:00"));
    }
}
