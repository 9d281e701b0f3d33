//! Resolving `{{...}}` references to WDL expressions.
//!
//! Roots, in the order they are tried: loop items (`as:` names, innermost first),
//! `variables`, step ids, then the trigger payload (`incident`, `alert`, `entity`,
//! `workspace`, `request`) and `run`. Unknown roots and fields are errors with a
//! "did you mean" suggestion drawn from everything that is in scope.

use crate::codes;
use crate::model::catalogue::{self, Field, ValueType};
use soarc_lang::diagnostics::{Diagnostic, Span, did_you_mean};
use soarc_lang::wdl::Expr;

use super::{PlaybookCompiler, StepOutputs, TriggerKind};

impl PlaybookCompiler<'_> {
    /// `{{env.NAME}}`: a per-environment value (`values:` of every environment), read from
    /// the workflow's definition parameter that the template sets from its own. Text like
    /// any other reference: the language it lands in (JQL, a URL, HTML) encodes it at run
    /// time. Every environment must give it as text (SPEC135, SPEC136).
    fn env_value(&mut self, rest: &[String], span: Span, shown: &str) -> Option<(Expr, ValueType)> {
        let [name] = rest else {
            return self.unknown(
                shown,
                span,
                "name the value: `{{env.NAME}}`, with NAME given under `values:` of every environment".into(),
            );
        };
        if !crate::env_values::check_use(
            &self.model.spec.deployments(),
            name,
            crate::env_values::Slot::Text,
            &format!("`{{{{{shown}}}}}`"),
            span,
            &mut self.errors,
        ) {
            return None;
        }
        self.env_values.insert(name.clone());
        Some((
            Expr::call(
                "parameters",
                vec![Expr::str(crate::env_values::parameter(name))],
            ),
            ValueType::Text,
        ))
    }

    /// Resolve a reference path; reports an error and returns `None` if it names nothing.
    pub(super) fn reference(&mut self, path: &[String], span: Span) -> Option<(Expr, ValueType)> {
        let (root, rest) = path.split_first()?;
        let shown = path.join(".");

        if let Some(scope) = self.loops.iter().rev().find(|l| &l.item_name == root) {
            let items = Expr::call("items", vec![Expr::str(&scope.action)]);
            let expr = rest.iter().fold(items, |e, key| e.prop(key));
            return Some((expr, ValueType::Object));
        }

        if root == "secrets" {
            let name = rest.first().map(String::as_str).unwrap_or_default();
            if let (Some(value), 1) = (self.secrets_in_scope.get(name), rest.len()) {
                return Some((value.clone(), ValueType::Text));
            }
            let help = if self.secrets_in_scope.is_empty() {
                "secrets are read from Key Vault by the `http` step that uses them: declare `secrets: { NAME: { key_vault: { vault: ..., secret: ... } } }` on that step and write `{{secrets.NAME}}` in its `uri`, `headers`, `query` or `body`".to_string()
            } else {
                self.suggest_in(
                    name,
                    self.secrets_in_scope.keys().map(String::as_str),
                    "declare it under this step's `secrets:`",
                )
            };
            return self.unknown(&shown, span, help);
        }

        if root == "env" {
            return self.env_value(rest, span, &shown);
        }

        if root == "variables" {
            let Some(name) = rest.first() else {
                return self.unknown(
                    &shown,
                    span,
                    "name the variable: `{{variables.NAME}}`".into(),
                );
            };
            if !self.variables.contains_key(name) {
                let help = self.suggest_in(
                    name,
                    self.variables.keys().map(String::as_str),
                    "declare it under the playbook's `variables:`",
                );
                return self.unknown(&shown, span, help);
            }
            let expr = Expr::call("variables", vec![Expr::str(name)]);
            let expr = rest[1..].iter().fold(expr, |e, key| e.prop(key));
            return Some((
                expr,
                if rest.len() > 1 {
                    ValueType::Object
                } else {
                    ValueType::Text
                },
            ));
        }

        if let Some(step) = self.steps.get(root).cloned() {
            if let Some(outer) = step
                .loops
                .iter()
                .find(|l| !self.loops.iter().any(|s| &s.action == *l))
            {
                self.error(
                    Diagnostic::error(codes::SPEC052.code, format!("`{{{{{shown}}}}}` refers to step `{root}` inside loop `{outer}` from outside the loop"))
                        .at(span)
                        .help("a step inside a foreach has one output per element; collect what you need in an array variable with `append_variable`"),
                );
                return None;
            }
            return self.step_output(root, &step.action, &step.kind, rest, span, &shown);
        }

        let trigger_fields: Option<(&'static [Field], Expr)> =
            match (root.as_str(), self.trigger_kind) {
                ("incident", TriggerKind::Incident) => Some((
                    catalogue::INCIDENT,
                    Expr::call("triggerBody", vec![]).prop("object"),
                )),
                ("workspace", TriggerKind::Incident) => Some((
                    catalogue::INCIDENT_WORKSPACE,
                    Expr::call("triggerBody", vec![]),
                )),
                ("alert", TriggerKind::Alert) => {
                    Some((catalogue::ALERT, Expr::call("triggerBody", vec![])))
                }
                ("entity", TriggerKind::Entity) => {
                    Some((catalogue::ENTITY, Expr::call("triggerBody", vec![])))
                }
                ("run", _) => Some((catalogue::RUN, Expr::call("workflow", vec![]))),
                _ => None,
            };
        if let Some((fields, base)) = trigger_fields {
            let Some((field, deeper)) = catalogue::lookup(fields, rest) else {
                let help = did_you_mean(&rest.join("."), fields.iter().map(|f| f.name))
                    .map(|s| format!("did you mean `{{{{{root}.{s}}}}}`?"))
                    .unwrap_or_else(|| {
                        format!(
                            "`{root}` has: {}",
                            fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
                        )
                    });
                return self.unknown(&shown, span, help);
            };
            let expr = catalogue::access(base, field.path);
            let expr = deeper.iter().fold(expr, |e, key| e.prop(key));
            return Some((expr, field.ty));
        }
        if root == "request" && self.trigger_kind == TriggerKind::HttpRequest {
            if rest.first().map(String::as_str) != Some("body") {
                return self.unknown(
                    &shown,
                    span,
                    "use `{{request.body}}` or `{{request.body.FIELD}}`".into(),
                );
            }
            let expr = rest[1..]
                .iter()
                .fold(Expr::call("triggerBody", vec![]), |e, key| e.prop(key));
            return Some((expr, ValueType::Object));
        }

        // Nothing matched: explain, with the trigger in mind.
        let trigger_roots: &[&str] = match self.trigger_kind {
            TriggerKind::Incident => &["incident", "workspace"],
            TriggerKind::Alert => &["alert"],
            TriggerKind::Entity => &["entity"],
            TriggerKind::HttpRequest => &["request"],
            TriggerKind::Recurrence | TriggerKind::Verbatim => &[],
        };
        if ["incident", "alert", "entity", "workspace", "request"].contains(&root.as_str()) {
            let help = format!(
                "this playbook's trigger provides {}",
                if trigger_roots.is_empty() {
                    "no payload".to_string()
                } else {
                    trigger_roots
                        .iter()
                        .map(|r| format!("`{r}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            );
            self.error(
                Diagnostic::error(
                    codes::SPEC051.code,
                    format!(
                        "`{{{{{shown}}}}}` is not available: the playbook's trigger is not {}",
                        article(root)
                    ),
                )
                .at(span)
                .help(help),
            );
            return None;
        }
        if let Some(later) = step_defined_in(&self.playbook.steps, root) {
            self.error(
                Diagnostic::error(
                    codes::SPEC051.code,
                    format!("`{{{{{shown}}}}}` refers to step `{root}`, which is defined later, at line {}", later.line),
                )
                .at(span)
                .label("not defined yet here")
                .help(format!("a step can only use the outputs of steps before it: move step `{root}` above this one, or this reference below it")),
            );
            return None;
        }
        let mut known: Vec<String> = trigger_roots.iter().map(|r| r.to_string()).collect();
        known.extend(self.steps.keys().cloned());
        known.extend(self.loops.iter().map(|l| l.item_name.clone()));
        known.push("variables".into());
        known.push("run".into());
        let help = self.suggest_in(root, known.iter().map(String::as_str), "");
        let help = if help.is_empty() {
            format!("known names here: {}", known.join(", "))
        } else {
            help
        };
        self.unknown(&shown, span, help)
    }

    fn step_output(
        &mut self,
        root: &str,
        action: &str,
        kind: &StepOutputs,
        rest: &[String],
        span: Span,
        shown: &str,
    ) -> Option<(Expr, ValueType)> {
        let body = || Expr::call("body", vec![Expr::str(action)]);
        let outputs = || Expr::call("outputs", vec![Expr::str(action)]);
        let first = rest.first().map(String::as_str);
        let fields: &[&str] = match kind {
            StepOutputs::ServiceNowIncident { .. } => &["number", "sys_id", "url", "state", "body"],
            StepOutputs::JiraIssue { .. } => &["key", "id", "url", "body"],
            StepOutputs::Entities { .. } => &["text", "list"],
            StepOutputs::Http => &["status", "body", "headers"],
            StepOutputs::Compose => &["value"],
            StepOutputs::Query => &["rows", "body", "status", "headers"],
            StepOutputs::Verbatim => &["body", "outputs"],
        };
        let resolved = match (kind, first) {
            (StepOutputs::ServiceNowIncident { .. }, Some(f @ ("number" | "sys_id" | "state")))
                if rest.len() == 1 =>
            {
                Some((body().prop("result").prop(f), ValueType::Text))
            }
            (StepOutputs::ServiceNowIncident { instance }, Some("url")) if rest.len() == 1 => {
                let sys_id = body().prop("result").prop("sys_id");
                const NAV: &str = "/nav_to.do?uri=incident.do%3Fsys_id%3D";
                let url = match crate::env_values::reference(instance) {
                    // A per-environment instance: the workflow's parameter, whose every
                    // environment's value is an https URL needing no encoding (SPEC136).
                    Some(name) => {
                        let name = name.to_string();
                        let parameter = crate::env_values::parameter(&name);
                        self.env_values.insert(name);
                        Expr::call(
                            "concat",
                            vec![
                                Expr::call("parameters", vec![Expr::str(parameter)]),
                                Expr::str(NAV),
                                sys_id,
                            ],
                        )
                    }
                    None => Expr::call(
                        "concat",
                        vec![
                            Expr::str(format!("{}{NAV}", instance.trim_end_matches('/'))),
                            sys_id,
                        ],
                    ),
                };
                Some((url, ValueType::Text))
            }
            (StepOutputs::JiraIssue { .. }, Some(f @ ("key" | "id"))) if rest.len() == 1 => {
                Some((body().prop(f), ValueType::Text))
            }
            (StepOutputs::JiraIssue { browse }, Some("url")) if rest.len() == 1 => Some((
                Expr::call(
                    "concat",
                    browse.iter().cloned().chain([body().prop("key")]).collect(),
                ),
                ValueType::Text,
            )),
            (StepOutputs::Entities { text, .. }, Some("text")) if rest.len() == 1 => Some((
                Expr::call("variables", vec![Expr::str(text)]),
                ValueType::Text,
            )),
            (StepOutputs::Entities { .. }, Some("list")) if rest.len() == 1 => {
                self.error(
                    Diagnostic::error(
                        codes::SPEC053.code,
                        format!("`{{{{{shown}}}}}` is a list, not text"),
                    )
                    .at(span)
                    .help(format!("in text write `{{{{{root}.text}}}}`; `{{{{{root}.list}}}}` goes alone in a Jira description block: `- bullets: \"{{{{{root}.list}}}}\"`")),
                );
                return None;
            }
            (StepOutputs::ServiceNowIncident { .. }, Some("body"))
            | (StepOutputs::JiraIssue { .. }, Some("body"))
            | (StepOutputs::Http | StepOutputs::Query | StepOutputs::Verbatim, Some("body")) => {
                Some((
                    rest[1..].iter().fold(body(), |e, k| e.prop(k)),
                    ValueType::Object,
                ))
            }
            (StepOutputs::Query, Some("rows")) => Some((
                rest[1..]
                    .iter()
                    .fold(body().prop("value"), |e, k| e.prop(k)),
                ValueType::Object,
            )),
            (StepOutputs::Verbatim, Some("outputs")) => Some((
                rest[1..].iter().fold(outputs(), |e, k| e.prop(k)),
                ValueType::Object,
            )),
            (StepOutputs::Http | StepOutputs::Query, Some("status")) if rest.len() == 1 => {
                Some((outputs().prop("statusCode"), ValueType::Int))
            }
            (StepOutputs::Http | StepOutputs::Query, Some("headers")) => Some((
                rest[1..]
                    .iter()
                    .fold(outputs().prop("headers"), |e, k| e.prop(k)),
                ValueType::Object,
            )),
            (StepOutputs::Compose, Some("value")) => Some((
                rest[1..].iter().fold(outputs(), |e, k| e.prop(k)),
                ValueType::Object,
            )),
            _ => None,
        };
        if resolved.is_none() {
            let asked = rest.join(".");
            let help = did_you_mean(&asked, fields.iter().copied())
                .map(|s| format!("did you mean `{{{{{root}.{s}}}}}`?"))
                .unwrap_or_else(|| format!("step `{root}` provides: {}", fields.join(", ")));
            return self.unknown(shown, span, help);
        }
        resolved
    }

    fn suggest_in<'n>(
        &self,
        name: &str,
        candidates: impl IntoIterator<Item = &'n str>,
        otherwise: &str,
    ) -> String {
        did_you_mean(name, candidates)
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| otherwise.to_string())
    }

    fn unknown(&mut self, shown: &str, span: Span, help: String) -> Option<(Expr, ValueType)> {
        self.error(
            Diagnostic::error(
                codes::SPEC051.code,
                format!("unknown reference `{{{{{shown}}}}}`"),
            )
            .at(span)
            .label("not defined here")
            .help(help),
        );
        None
    }
}

fn article(root: &str) -> &'static str {
    match root {
        "incident" | "workspace" => "the incident trigger",
        "alert" => "the alert trigger",
        "entity" => "the entity trigger",
        _ => "the HTTP request trigger",
    }
}

/// Where a step with id `id` is written in `steps` (nested steps included), if anywhere.
fn step_defined_in(steps: &[crate::spec::Located<crate::spec::Step>], id: &str) -> Option<Span> {
    use crate::spec::Step;
    steps.iter().find_map(|step| {
        let own = match &step.value {
            Step::ServiceNowCreateIncident(s) => s.id.as_ref(),
            Step::JiraCreateIssue(s) => s.id.as_ref(),
            Step::SentinelGetEntities(s) => Some(&s.id),
            Step::Http(s) => s.id.as_ref(),
            Step::Compose(s) => s.id.as_ref(),
            Step::Connector(s) => s.id.as_ref(),
            Step::Action(s) => s.id.as_ref(),
            Step::SendEmail(s) => s.id.as_ref(),
            Step::TeamsPostMessage(s) => s.id.as_ref(),
            Step::RunQuery(s) => s.id.as_ref(),
            Step::IsolateMachine(s) => s.id.as_ref(),
            Step::EntraDisableUser(s) | Step::EntraRevokeSessions(s) => s.id.as_ref(),
            _ => None,
        };
        if let Some(own) = own.filter(|o| o.value == id) {
            return Some(own.span.or(step.span));
        }
        match &step.value {
            Step::If(s) => {
                step_defined_in(&s.then, id).or_else(|| step_defined_in(s.else_steps(), id))
            }
            Step::Switch(s) => s
                .cases
                .values()
                .find_map(|c| step_defined_in(c.steps(), id))
                .or_else(|| step_defined_in(&s.default, id)),
            Step::Foreach(s) => step_defined_in(&s.steps, id),
            Step::Scope(s) => step_defined_in(&s.steps, id),
            Step::ServiceNowQueryIncidents(s) => step_defined_in(&s.steps, id),
            Step::JiraSearchIssues(s) => step_defined_in(&s.steps, id),
            _ => None,
        }
    })
}
