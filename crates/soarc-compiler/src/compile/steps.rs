//! Each spec step kind to its workflow action(s).

use indexmap::IndexMap;
use serde_json::{Value, json};
use soarc_lang::wdl::HttpMethod;
use std::collections::HashSet;

use crate::codes;
use crate::model::SENTINEL;
use crate::spec::{self, FieldValue, Located, Predicate, Step};
use soarc_lang::diagnostics::{Diagnostic, Span};
use soarc_lang::wdl::{self, Action, ActionKind, Expr, Template};

use super::{LoopScope, PlaybookCompiler, StepInfo, StepOutputs, TriggerKind, chain};

/// Run the action as soon as its block starts (no predecessor).
pub(super) fn action(kind: ActionKind) -> Action {
    Action {
        kind,
        run_after: IndexMap::new(),
        description: None,
        runtime_configuration: None,
    }
}

/// An ApiConnection action on the `$connections` entry `key`. Its retry policy is filled in
/// by [`PlaybookCompiler::steps`] from the step, connection, playbook or spec defaults.
pub(super) fn api_call(
    key: &str,
    method: HttpMethod,
    path: impl Into<Template>,
    queries: Option<IndexMap<String, Value>>,
    body: Option<Value>,
) -> Action {
    action(ActionKind::ApiConnection {
        inputs: wdl::ApiConnectionInputs {
            host: wdl::Host::connection(key),
            // Lowercase, as the designer writes connector operations.
            method: Some(wdl::Spelled::lower(method)),
            path: path.into(),
            queries,
            headers: None,
            body,
            retry_policy: None,
        },
    })
}

/// Table API queries of every ServiceNow call (raw values, no reference links), then `extra`.
pub(super) fn servicenow_queries(
    extra: impl IntoIterator<Item = (&'static str, Value)>,
) -> IndexMap<String, Value> {
    [
        ("sysparm_display_value", Value::Bool(false)),
        ("sysparm_exclude_reference_link", Value::Bool(true)),
    ]
    .into_iter()
    .chain(extra)
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Give an outbound action (ApiConnection, Http) `policy` unless it has one; for steps that
/// compile to a scope or loop (sync, enrichment), every outbound action inside it.
pub(super) fn set_retry(action: &mut Action, policy: &wdl::RetryPolicy) {
    let slot = match &mut action.kind {
        ActionKind::ApiConnection { inputs } => &mut inputs.retry_policy,
        ActionKind::Http { inputs } => &mut inputs.retry_policy,
        kind => {
            for children in kind.children_mut() {
                for child in children.values_mut() {
                    set_retry(child, policy);
                }
            }
            return;
        }
    };
    if slot.is_none() {
        *slot = Some(policy.clone());
    }
}

/// `Compose_summary` for `compose` with `id: summary`: readable in the designer and run history.
pub(super) fn default_name(kind: &str, id: Option<&Located<String>>) -> String {
    match id {
        Some(id) => format!("{kind}_{}", id.value),
        None => kind.to_string(),
    }
}

impl PlaybookCompiler<'_> {
    /// Compile a sequence; each action runs after the previous one succeeded.
    pub(super) fn steps(
        &mut self,
        steps: &[Located<Step>],
        previous: Option<String>,
    ) -> IndexMap<String, Action> {
        self.depth += 1;
        let actions = self.steps_in_block(steps, previous);
        self.depth -= 1;
        actions
    }

    fn steps_in_block(
        &mut self,
        steps: &[Located<Step>],
        mut previous: Option<String>,
    ) -> IndexMap<String, Action> {
        let mut actions = IndexMap::new();
        for step in steps {
            let mut compiled = self.step(step);
            let (own, connection) = step.value.retry();
            if self.adds_retry(own, connection) {
                let policy = self.retry_for(own, connection, step.span);
                for (_, action) in self.before.iter_mut().chain(self.after.iter_mut()) {
                    set_retry(action, &policy);
                }
                if let Some((_, action)) = compiled.as_mut() {
                    set_retry(action, &policy);
                }
            }
            for (name, before) in std::mem::take(&mut self.before) {
                chain(&mut actions, name.clone(), before, previous.as_deref());
                previous = Some(name);
            }
            if let Some((name, compiled)) = compiled {
                chain(&mut actions, name.clone(), compiled, previous.as_deref());
                previous = Some(name);
            }
            for (name, after) in std::mem::take(&mut self.after) {
                chain(&mut actions, name.clone(), after, previous.as_deref());
                previous = Some(name);
            }
        }
        actions
    }

    fn step(&mut self, step: &Located<Step>) -> Option<(String, Action)> {
        let span = step.span;
        match &step.value {
            Step::ServiceNowCreateIncident(s) => self.servicenow_create_incident(s, span),
            Step::SentinelAddComment(s) => self.add_comment(s, span),
            Step::JiraCreateIssue(s) => self.jira_create_issue(s, span),
            Step::SentinelGetEntities(s) => self.get_entities(s, span),
            Step::ServiceNowQueryIncidents(s) => self.servicenow_query_incidents(s, span),
            Step::ServiceNowResolveIncident(s) => self.servicenow_resolve_incident(s, span),
            Step::JiraSearchIssues(s) => self.jira_search_issues(s, span),
            Step::JiraTransitionIssue(s) => self.jira_transition_issue(s, span),
            Step::JiraAddComment(s) => self.jira_add_comment(s, span),
            Step::SentinelCloseIncident(s) => self.sentinel_close_incident(s, span),
            Step::SentinelAddLabel(s) => self.sentinel_add_label(s, span),
            Step::Http(s) => self.http(s, span),
            Step::Connector(s) => self.connector(s, span),
            Step::Action(s) => self.verbatim(s, span),
            Step::SendEmail(s) => self.send_email(s, span),
            Step::TeamsPostMessage(s) => self.teams_post_message(s, span),
            Step::RunQuery(s) => self.run_query(s, span),
            Step::IsolateMachine(s) => self.isolate_machine(s, span),
            Step::EntraDisableUser(s) => self.entra_user(s, false, span),
            Step::EntraRevokeSessions(s) => self.entra_user(s, true, span),
            Step::InitializeVariable(s) => self.initialize_variable_step(s, span),
            Step::ParseJson(s) => {
                let name = self.action_name(
                    s.name.as_ref(),
                    &match &s.id {
                        Some(id) => format!("Parse_{}", id.value),
                        None => "Parse_JSON".to_string(),
                    },
                    span,
                );
                let content = self.json(&s.content, s.content.span.or(span));
                self.register(s.id.as_ref(), &name, StepOutputs::Verbatim, span);
                // The ParseJson action: `inputs.content` and `inputs.schema` (Learn, "Schema
                // reference guide for trigger and action types", Parse JSON action:
                // https://learn.microsoft.com/azure/logic-apps/logic-apps-workflow-actions-triggers#parse-json-action).
                let mut parse = serde_json::Map::new();
                parse.insert("type".into(), json!("ParseJson"));
                parse.insert(
                    "inputs".into(),
                    json!({ "content": content, "schema": s.schema.value }),
                );
                Some((name, action(ActionKind::Verbatim(parse))))
            }
            Step::Compose(s) => {
                let name = self.action_name(
                    s.name.as_ref(),
                    &default_name("Compose", s.id.as_ref()),
                    span,
                );
                let value = self.json(&s.value, s.value.span.or(span));
                self.register(s.id.as_ref(), &name, StepOutputs::Compose, span);
                Some((name, action(ActionKind::Compose { inputs: value })))
            }
            Step::SetVariable(s) => self.variable_action(s, span, false),
            Step::AppendVariable(s) => self.variable_action(s, span, true),
            Step::If(s) if s.ticket_guard => {
                let name = self.action_name(s.name.as_ref(), "If_no_ticket_yet", span);
                let expression = self.predicate(&s.condition, span);
                let scope = self.action_name(None, "Open_ticket", span);
                // The steps run in a scope: `result()` reads a scope's actions, not a
                // condition's, so the failure handling can name the one that failed.
                let level = match self.guard_scopes.last() {
                    _ if self.depth == 1 => Some(1),
                    Some(&(depth, level)) if depth == self.depth => Some(level + 1),
                    _ => None,
                };
                if let Some(level) = level {
                    self.ticket_guards
                        .push((level, name.clone(), scope.clone()));
                    // The scope's steps are compiled one block deeper.
                    self.guard_scopes.push((self.depth + 1, level));
                }
                let actions = self.steps(&s.then, None);
                if level.is_some() {
                    self.guard_scopes.pop();
                }
                Some((
                    name,
                    action(ActionKind::If {
                        expression,
                        actions: IndexMap::from([(scope, action(ActionKind::Scope { actions }))]),
                        otherwise: None,
                    }),
                ))
            }
            Step::If(s) => {
                let name = self.action_name(s.name.as_ref(), "Condition", span);
                let expression = self.predicate(&s.condition, span);
                let then = self.steps(&s.then, None);
                let otherwise = self.steps(s.else_steps(), None);
                // Imported: no `else` branch where the original had none (`else` is not
                // required of an If action: Microsoft's workflow definition schema 2016-06-01,
                // https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json).
                let written = s.otherwise.is_some() || self.playbook.as_imported.is_none();
                Some((
                    name,
                    action(ActionKind::If {
                        expression,
                        actions: then,
                        otherwise: written.then_some(wdl::Branch { actions: otherwise }),
                    }),
                ))
            }
            Step::Switch(s) => {
                let name = self.action_name(s.name.as_ref(), "Switch", span);
                let on = self.string_text(&s.on, s.on.span.or(span));
                if s.cases.is_empty() || s.cases.len() > 25 {
                    self.error(
                        Diagnostic::error(
                            codes::SPEC034.code,
                            format!(
                                "switch `{name}` has {} cases; Logic Apps allows 1 to 25",
                                s.cases.len()
                            ),
                        )
                        .at(span),
                    );
                }
                let enumerated = self.enum_values(&s.on);
                let mut cases = IndexMap::new();
                let mut case_names = HashSet::new();
                for (value, steps) in &s.cases {
                    if let Some((values, field)) = &enumerated {
                        let at = value.span.or(span);
                        self.check_enum_literal(values, field, &value.value, at);
                    }
                    let case_name = self.case_name(
                        &mut case_names,
                        &name,
                        steps.name(),
                        &format!("Case_{}", value.value),
                        value.span.or(span),
                    );
                    let actions = self.steps(steps.steps(), None);
                    cases.insert(
                        case_name,
                        wdl::SwitchCase {
                            case: value.value.clone(),
                            actions,
                        },
                    );
                }
                let default = self.steps(&s.default, None);
                Some((
                    name,
                    action(ActionKind::Switch {
                        expression: on,
                        cases,
                        default: Some(wdl::Branch { actions: default }),
                    }),
                ))
            }
            Step::Foreach(s) => {
                let name = self.action_name(
                    s.name.as_ref(),
                    &format!("For_each_{}", s.item_name.value),
                    span,
                );
                let items = self.text(&s.items, s.items.span.or(span));
                if !matches!(items, Template::Expr(_)) {
                    self.error(
                        Diagnostic::error(
                            codes::SPEC035.code,
                            "foreach `items` must be a single reference to an array",
                        )
                        .at(s.items.span.or(span))
                        .help("write e.g. `items: \"{{incident.alerts}}\"`"),
                    );
                }
                self.loops.push(LoopScope {
                    item_name: s.item_name.value.clone(),
                    action: name.clone(),
                    sequential: s.sequential,
                    span,
                });
                let body = self.steps(&s.steps, None);
                self.loops.pop();
                let mut foreach = action(ActionKind::Foreach {
                    foreach: items,
                    actions: body,
                });
                if s.sequential {
                    foreach.runtime_configuration = Some(wdl::RuntimeConfiguration {
                        secure_data: None,
                        concurrency: Some(wdl::Concurrency { repetitions: 1 }),
                    });
                }
                Some((name, foreach))
            }
            Step::Scope(s) => {
                let name = self.action_name(s.name.as_ref(), "Scope", span);
                let actions = self.steps(&s.steps, None);
                Some((name, action(ActionKind::Scope { actions })))
            }
            Step::Terminate(s) => {
                let name = self.action_name(s.name.as_ref(), "Terminate", span);
                let run_error = match (&s.message, s.status) {
                    (Some(message), spec::RunStatus::Failed) => Some(wdl::RunError {
                        message: self.string_text(message, message.span.or(span)),
                    }),
                    (Some(message), _) => {
                        self.error(
                            Diagnostic::error(
                                codes::SPEC036.code,
                                "a terminate `message` is only allowed with `status: Failed`",
                            )
                            .at(message.span.or(span)),
                        );
                        None
                    }
                    (None, _) => None,
                };
                Some((
                    name,
                    action(ActionKind::Terminate {
                        inputs: wdl::TerminateInputs {
                            run_status: s.status.wdl().into(),
                            run_error,
                        },
                    }),
                ))
            }
        }
    }

    /// Make a step's outputs referable by its id.
    pub(super) fn register(
        &mut self,
        id: Option<&Located<String>>,
        action: &str,
        kind: StepOutputs,
        span: Span,
    ) {
        let Some(id) = id else { return };
        let reserved = [
            "incident",
            "alert",
            "entity",
            "workspace",
            "request",
            "variables",
            "run",
        ];
        if reserved.contains(&id.value.as_str())
            || self.loops.iter().any(|l| l.item_name == id.value)
        {
            self.error(
                Diagnostic::error(
                    codes::SPEC037.code,
                    format!("step id `{}` is a reserved name", id.value),
                )
                .at(id.span.or(span))
                .help(format!(
                    "choose another id; reserved: {}",
                    reserved.join(", ")
                )),
            );
            return;
        }
        let info = StepInfo {
            action: action.to_string(),
            kind,
            loops: self.loops.iter().map(|l| l.action.clone()).collect(),
            span: id.span.or(span),
        };
        if let Some(first) = self.steps.insert(id.value.clone(), info) {
            self.error(
                Diagnostic::error(
                    codes::SPEC037.code,
                    format!("step id `{}` is used twice", id.value),
                )
                .at(id.span.or(span))
                .help(format!("the first use is at line {}", first.span.line)),
            );
        }
    }

    pub(super) fn field_value(&mut self, value: &Located<FieldValue>, span: Span) -> Value {
        let span = value.span.or(span);
        match &value.value {
            FieldValue::Text(text) => Value::String(self.string_text(text, span).to_wdl_string()),
            FieldValue::Bool(b) => Value::Bool(*b),
            FieldValue::Int(i) => Value::from(*i),
            FieldValue::Map { map } => {
                let at = self.locate_word(map, span);
                match self.mapping(map, at) {
                    Some(t) => Value::String(t.to_wdl_string()),
                    None => Value::Null,
                }
            }
        }
    }

    pub(super) fn locate_word(&self, word: &str, span: Span) -> Span {
        self.locate(word, 0, word.len(), span)
    }

    fn servicenow_create_incident(
        &mut self,
        s: &spec::ServiceNowCreateIncident,
        span: Span,
    ) -> Option<(String, Action)> {
        let key =
            self.use_connection_named(&s.connection, s.connection.span.or(span), "servicenow");
        let name = self.action_name(s.name.as_ref(), "Create_ServiceNow_incident", span);
        let mut body = serde_json::Map::new();
        let mut description = None;
        for (field, value) in s.fields.standard() {
            let v = self.field_value(value, span);
            if field == "description" {
                description = Some(v);
                continue;
            }
            body.insert(field.to_string(), v);
        }
        // The ticket carries the Sentinel incident's name (a GUID, 36 characters) so that
        // status sync can find it: `task.correlation_id` holds at most 100 characters and the
        // Table API truncates longer values silently, so the ARM id (~220) would not fit.
        if s.fields.correlation_id.is_none() && self.trigger_kind == TriggerKind::Incident {
            let incident_name = Expr::call("triggerBody", vec![])
                .prop("object")
                .prop("name");
            body.insert(
                "correlation_id".into(),
                Value::String(Template::Expr(incident_name).to_wdl_string()),
            );
            if s.fields.correlation_display.is_none() {
                body.insert(
                    "correlation_display".into(),
                    Value::String("Microsoft Sentinel".into()),
                );
            }
        }
        for (field, value) in &s.fields.custom {
            let v = self.field_value(value, field.span.or(span));
            if body.insert(field.value.clone(), v).is_some() {
                self.error(
                    Diagnostic::error(
                        codes::SPEC038.code,
                        format!("field `{}` is set twice", field.value),
                    )
                    .at(field.span.or(span))
                    .help("set standard fields directly, not under `custom`"),
                );
            }
        }
        let instance = self
            .model
            .connections
            .get(s.connection.value.as_str())
            .and_then(|c| match &c.value {
                spec::Connection::ServiceNow(snow) => Some(snow.instance.value.clone()),
                _ => None,
            })
            .unwrap_or_default();
        self.register(
            s.id.as_ref(),
            &name,
            StepOutputs::ServiceNowIncident { instance },
            span,
        );
        let key = key?;
        // Learn, ServiceNow connector, known issues: "When using the Create Record action,
        // it's not possible to specify the full record description. The field value will be
        // ignored." (https://learn.microsoft.com/connectors/service-now/#known-issues-and-limitations).
        // The description is therefore written by an update of the new record right after
        // (Table API PUT /api/now/table/{table}/{sys_id}: "Name-value pairs for the field(s)
        // to update"), which the connector passes through.
        if let Some(description) = description {
            let update = self.action_name(None, &format!("Set_description_of_{name}"), span);
            let sys_id = Expr::call("body", vec![Expr::str(&name)])
                .prop("result")
                .prop("sys_id");
            let path = Template::Interpolated(vec![
                wdl::Part::Text("/api/now/v2/table/incident/".into()),
                wdl::Part::Expr(Expr::call("encodeURIComponent", vec![sys_id])),
            ]);
            self.after.push((
                update,
                api_call(
                    &key,
                    HttpMethod::Put,
                    path,
                    Some(servicenow_queries([])),
                    Some(json!({ "description": description })),
                ),
            ));
        }
        Some((
            name,
            api_call(
                &key,
                HttpMethod::Post,
                "/api/now/v2/table/incident",
                Some(servicenow_queries([])),
                Some(Value::Object(body)),
            ),
        ))
    }

    fn add_comment(&mut self, s: &spec::AddComment, span: Span) -> Option<(String, Action)> {
        let (user_name, message, connection) = match s {
            spec::AddComment::Message(m) => (None, m.as_str(), SENTINEL),
            spec::AddComment::Full(full) => (
                full.name.as_ref().map(|n| Located::new(n.clone(), span)),
                full.message.as_str(),
                full.connection.as_deref().unwrap_or(SENTINEL),
            ),
        };
        let incident = match self.trigger_kind {
            TriggerKind::Incident => Expr::call("triggerBody", vec![]).prop("object").prop("id"),
            TriggerKind::Entity => Expr::call("triggerBody", vec![]).prop("IncidentArmID"),
            _ => {
                self.error(
                    Diagnostic::error(codes::SPEC039.code, "sentinel.add_comment needs an incident, but this playbook's trigger has none")
                        .at(span)
                        .help("use `trigger: incident` (or `entity`) for playbooks that comment on incidents"),
                );
                return None;
            }
        };
        let key = self.use_connection_named(connection, span, "sentinel")?;
        let name = self.action_name(user_name.as_ref(), "Add_comment_to_incident", span);
        let message = self.string_text_in(message, span, super::encode::Lang::Html);
        Some((
            name,
            api_call(
                &key,
                HttpMethod::Post,
                "/Incidents/Comment",
                None,
                Some(json!({
                    "incidentArmId": Template::Expr(incident).to_wdl_string(),
                    "message": message.to_wdl_string(),
                })),
            ),
        ))
    }

    fn http(&mut self, s: &spec::HttpStep, span: Span) -> Option<(String, Action)> {
        let name = self.action_name(s.name.as_ref(), &default_name("HTTP", s.id.as_ref()), span);
        let uri_span = s.uri.span.or(span);
        if !s.uri.value.starts_with("https://") && !s.uri.value.starts_with("{{") {
            self.error(
                Diagnostic::error(codes::SPEC042.code, format!("HTTP step `{name}` calls `{}`, which is not https", s.uri.value))
                    .at(uri_span.with_len(s.uri.value.chars().count()))
                    .help("use an https:// URL; credentials and incident data must not travel in clear text"),
            );
        }
        self.check_literal_credentials(s, span);
        self.read_http_secrets(s, &name, span);
        let mut uri = self.string_text_in(&s.uri, uri_span, super::encode::Lang::Url);
        let mut headers = IndexMap::new();
        for (header, value) in &s.headers {
            headers.insert(
                header.clone(),
                self.string_text(value, value.span.or(span)).to_wdl_string(),
            );
        }
        // `query:` is written into the URI, every name and value percent-encoded by soarc
        // (literal text now, references with `uriComponent()` at run time), rather than into
        // the action's `queries` object: Learn says that object "adds" the parameters to the
        // call but not that their values are encoded
        // (https://learn.microsoft.com/azure/logic-apps/logic-apps-workflow-actions-triggers),
        // and in the URI the request is right either way. A URI with a fragment keeps the
        // object (the parameters must not end up in the fragment).
        let mut queries = IndexMap::new();
        let in_uri = !s.uri.value.contains('#');
        let mut separator = if s.uri.value.contains('?') { '&' } else { '?' };
        for (query, value) in &s.query {
            if in_uri {
                let value =
                    self.string_text_in(value, value.span.or(span), super::encode::Lang::UrlQuery);
                let mut parts = match std::mem::replace(&mut uri, Template::Literal(String::new()))
                {
                    Template::Literal(text) => vec![wdl::Part::Text(text)],
                    Template::Expr(e) => vec![wdl::Part::Expr(e)],
                    Template::Interpolated(parts) => parts,
                };
                parts.push(wdl::Part::Text(format!(
                    "{separator}{}=",
                    super::encode::percent_encode(query)
                )));
                parts.extend(super::encode::percent_encode_text(value));
                uri = Template::Interpolated(parts).normalize();
                separator = '&';
            } else {
                queries.insert(
                    query.clone(),
                    self.string_text(value, value.span.or(span)).to_wdl_string(),
                );
            }
        }
        let body = s.body.as_ref().map(|b| self.json(b, b.span.or(span)));
        let authentication = s.authentication.as_ref().map(|auth| match auth {
            spec::HttpAuthentication::ManagedIdentity { audience } => json!({
                "type": "ManagedServiceIdentity",
                "audience": audience,
            }),
        });
        self.secrets_in_scope.clear();
        let method = s.method.wdl().into();
        self.register(s.id.as_ref(), &name, StepOutputs::Http, span);
        let mut http = action(ActionKind::Http {
            inputs: wdl::HttpInputs {
                method,
                uri,
                headers,
                queries,
                body,
                authentication,
                retry_policy: None,
            },
        });
        // Secrets travel in the inputs: hidden from run history (secureData; Learn, "Secure
        // access and data in Azure Logic Apps", obfuscate data in run history).
        let hidden: &[&str] = match (s.secure, s.secrets.is_empty()) {
            (true, _) => &["inputs", "outputs"],
            (false, false) => &["inputs"],
            (false, true) => &[],
        };
        if !hidden.is_empty() {
            http.runtime_configuration = Some(super::jira::secure(hidden));
        }
        Some((name, http))
    }

    /// The Key Vault reads of an `http` step's `secrets:`, run right before it; their values
    /// become `{{secrets.NAME}}` while the step is compiled.
    fn read_http_secrets(&mut self, s: &spec::HttpStep, action: &str, span: Span) {
        for (secret_name, secret) in &s.secrets {
            let key_vault = &secret.value.key_vault;
            crate::model::names::check_secret(key_vault, secret.span.or(span), &mut self.errors);
            let vault = self.use_key_vault(key_vault);
            let read = self.action_name(
                None,
                &format!("Get_{}_for_{action}", secret_name.value),
                secret_name.span.or(span),
            );
            let path = Template::Interpolated(vec![
                wdl::Part::Text("/secrets/".into()),
                wdl::Part::Expr(Expr::call(
                    "encodeURIComponent",
                    vec![Expr::str(&key_vault.secret.value)],
                )),
                wdl::Part::Text("/value".into()),
            ]);
            let mut get_secret = api_call(&vault, HttpMethod::Get, path, None, None);
            get_secret.runtime_configuration = Some(super::jira::secure(&["inputs", "outputs"]));
            self.before.push((read.clone(), get_secret));
            self.secrets_in_scope.insert(
                secret_name.value.clone(),
                Expr::call("body", vec![Expr::str(&read)]).prop("value"),
            );
        }
    }

    /// SPEC086: a credential written literally in an `http` step (an `Authorization` or
    /// API-key header, a key or token in the query), with the names `soarc validate`'s
    /// WDL023 looks for; reported here once, at the spec's position.
    fn check_literal_credentials(&mut self, s: &spec::HttpStep, span: Span) {
        use soarc_validate::rules::wdl023_hardcoded_credential::{
            is_credential_header, is_credential_query,
        };
        let literal = |text: &str| !text.contains("{{") && text.trim().chars().count() >= 8;
        let mut found: Vec<(String, Span)> = Vec::new();
        for (header, value) in &s.headers {
            if is_credential_header(header) && literal(value) {
                found.push((format!("header `{header}`"), value.span.or(span)));
            }
        }
        for (query, value) in &s.query {
            if is_credential_query(query) && literal(value) {
                found.push((format!("query value `{query}`"), value.span.or(span)));
            }
        }
        if let Some((_, query)) = s.uri.value.split_once('?') {
            for pair in query.split('&') {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                if is_credential_query(key) && literal(value) {
                    found.push((format!("`{key}=` in the URL"), s.uri.span.or(span)));
                }
            }
        }
        for (what, at) in found {
            // No source snippet: it would print the credential. The position goes in the text.
            let file = self
                .sources
                .get(at.file)
                .map(|f| f.path.clone())
                .unwrap_or_default();
            self.error(
                Diagnostic::error(
                    codes::SPEC086.code,
                    format!(
                        "the {what} of this http step (at {}:{}:{}) is a credential written in the spec",
                        file.display(),
                        at.line,
                        at.column
                    ),
                )
                .in_file(&file)
                .help("keep it in Key Vault: `secrets: { api_key: { key_vault: { vault: <vault name>, secret: <secret name> } } }` on the step, and `{{secrets.api_key}}` where the value was (or `authentication: { managed_identity: ... }` where the API allows it); treat the written value as exposed and rotate it"),
            );
        }
    }

    fn variable_action(
        &mut self,
        s: &spec::VariableValue,
        span: Span,
        append: bool,
    ) -> Option<(String, Action)> {
        let Some(kind) = self.variables.get(&s.variable.value).copied() else {
            let help = soarc_lang::diagnostics::did_you_mean(
                &s.variable,
                self.variables.keys().map(String::as_str),
            )
            .map(|v| format!("did you mean `{v}`?"))
            .unwrap_or_else(|| "declare it under the playbook's `variables:`".into());
            self.error(
                Diagnostic::error(
                    codes::SPEC043.code,
                    format!("unknown variable `{}`", s.variable.value),
                )
                .at(s.variable.span.or(span))
                .help(help),
            );
            return None;
        };
        let default = if append {
            format!("Append_to_{}", s.variable.value)
        } else {
            format!("Set_{}", s.variable.value)
        };
        // Parallel iterations would race on the variable (Logic Apps runs 20 at a time):
        // "By default, the iterations in a For each loop run in parallel. When you use
        // variables in loops, run the loop sequentially so that variables return predictable
        // results" (Learn, "Create, initialize, and manage variables for workflows in Azure
        // Logic Apps"). `unordered: true` says the order does not matter.
        if let Some(parallel) = self
            .loops
            .iter()
            .find(|l| !l.sequential && !s.unordered)
            .cloned()
        {
            self.error(
                Diagnostic::error(
                    codes::SPEC045.code,
                    format!("variable `{}` is changed inside foreach `{}`, whose iterations run in parallel", s.variable.value, parallel.action),
                )
                .at(s.variable.span.or(span))
                .help(format!("add `sequential: true` to the foreach at line {}, or `unordered: true` to this step when the order of the changes does not matter", parallel.span.line)),
            );
        }
        let name = self.action_name(s.name.as_ref(), &default, span);
        let lang = self.variable_lang(&s.variable.value);
        let value = self.json_in(&s.value, s.value.span.or(span), lang);
        let inputs = wdl::VariableInputs {
            name: s.variable.value.clone(),
            value,
        };
        let kind = match (append, kind) {
            (false, _) => ActionKind::SetVariable { inputs },
            (true, spec::VariableType::String) => ActionKind::AppendToStringVariable { inputs },
            (true, spec::VariableType::Array) => ActionKind::AppendToArrayVariable { inputs },
            (true, other) => {
                self.error(
                    Diagnostic::error(
                        codes::SPEC043.code,
                        format!(
                            "cannot append to variable `{}` of type {other:?}",
                            s.variable.value
                        ),
                    )
                    .at(s.variable.span.or(span))
                    .help("append works on string and array variables"),
                );
                return None;
            }
        };
        Some((name, action(kind)))
    }

    /// `initialize_variable`: the InitializeVariable action where the step stands when that
    /// is the workflow's top level (an imported playbook without a failure-handling scope);
    /// elsewhere it joins the variables initialised before the first step. "You can declare
    /// variables only at the top level ... not inside conditions, loops or scopes"
    /// (Learn, "Create, initialize, and manage variables for workflows in Azure Logic Apps",
    /// https://learn.microsoft.com/azure/logic-apps/logic-apps-create-variables-store-values).
    fn initialize_variable_step(
        &mut self,
        s: &spec::InitializeVariableStep,
        span: Span,
    ) -> Option<(String, Action)> {
        let (Some(kind), Some(spelled)) = (s.variable_type(), s.spelled_type()) else {
            self.error(
                Diagnostic::error(
                    codes::SPEC043.code,
                    format!(
                        "variable `{}` has type `{}`, which is not a variable type as Logic Apps writes one",
                        s.variable.value, s.kind.value
                    ),
                )
                .at(s.kind.span.or(span))
                .help("write `type:` string, integer, float, boolean, array or object (or capitalised: String, ...)"),
            );
            return None;
        };
        let name = self.action_name(
            s.name.as_ref(),
            &format!("Initialize_{}", s.variable.value),
            span,
        );
        let lang = self.variable_lang(&s.variable.value);
        let value = s
            .value
            .as_ref()
            .map(|v| self.json_in(v, v.span.or(span), lang));
        if self
            .variables
            .insert(s.variable.value.clone(), kind)
            .is_some()
        {
            self.error(
                Diagnostic::error(
                    codes::SPEC043.code,
                    format!("variable `{}` is declared twice", s.variable.value),
                )
                .at(s.variable.span.or(span))
                .help("declare each variable once, under `variables:` or with one `initialize_variable` step"),
            );
            return None;
        }
        let initialize = action(ActionKind::InitializeVariable {
            inputs: wdl::InitializeVariableInputs {
                variables: vec![wdl::VariableDeclaration {
                    name: s.variable.value.clone(),
                    kind: spelled,
                    value,
                }],
            },
        });
        let top_level = self.depth == 1
            && self.playbook.as_imported.is_some()
            && self.playbook.on_failure.is_none();
        if top_level {
            Some((name, initialize))
        } else {
            self.step_variables.push((name, initialize));
            None
        }
    }

    pub(super) fn initialize_variable(
        &mut self,
        name: &Located<String>,
        decl: &Located<spec::VariableDecl>,
    ) -> Option<Action> {
        let kind = decl.kind;
        // PascalCase, as Microsoft's workflow schema enumerates them (the designer writes
        // lowercase; the runtime accepts both).
        let type_name = wdl::Spelled::canonical(kind.wdl());
        let value = match &decl.initial {
            Some(v) => {
                let lang = self.variable_lang(&name.value);
                Some(self.json_in(v, decl.span, lang))
            }
            None => Some(match kind {
                spec::VariableType::String => json!(""),
                spec::VariableType::Integer => json!(0),
                spec::VariableType::Float => json!(0.0),
                spec::VariableType::Boolean => json!(false),
                spec::VariableType::Array => json!([]),
                spec::VariableType::Object => json!({}),
            }),
        };
        if self.variables.insert(name.value.clone(), kind).is_some() {
            self.error(
                Diagnostic::error(
                    codes::SPEC043.code,
                    format!("variable `{}` is declared twice", name.value),
                )
                .at(name.span),
            );
            return None;
        }
        Some(action(ActionKind::InitializeVariable {
            inputs: wdl::InitializeVariableInputs {
                variables: vec![wdl::VariableDeclaration {
                    name: name.value.clone(),
                    kind: type_name,
                    value,
                }],
            },
        }))
    }

    /// `@toLower(string(<incident field>))` for a predicate that needs the incident trigger.
    fn incident_array(&mut self, field: &str, predicate: &str, span: Span) -> Value {
        if self.trigger_kind != TriggerKind::Incident {
            self.error(
                Diagnostic::error(
                    codes::SPEC039.code,
                    format!("`{predicate}` needs an incident, but this playbook's trigger is not the incident trigger"),
                )
                .at(span)
                .help("use `trigger: incident`"),
            );
            return Value::Null;
        }
        let path = ["incident".to_string(), field.to_string()];
        let expr = self
            .reference(&path, span)
            .map(|(e, _)| e)
            .unwrap_or(Expr::Null);
        let text = Expr::call("toLower", vec![Expr::call("string", vec![expr])]);
        Value::String(Template::Expr(text).to_wdl_string())
    }

    /// A spec predicate to the If action's expression object.
    fn predicate(&mut self, predicate: &Located<Predicate>, span: Span) -> Value {
        let span = predicate.span.or(span);
        let binary = |this: &mut Self, op: &str, operands: &[Located<Value>]| -> Value {
            if operands.len() != 2 {
                this.error(
                    Diagnostic::error(
                        codes::SPEC044.code,
                        format!("`{op}` takes two operands, got {}", operands.len()),
                    )
                    .at(span)
                    .help(format!(
                        "write `{op}: [\"{{{{incident.severity}}}}\", High]`"
                    )),
                );
            }
            let values: Vec<Value> = operands
                .iter()
                .map(|o| this.json(o, o.span.or(span)))
                .collect();
            json!({ op: values })
        };
        match &predicate.value {
            Predicate::Equals(o) | Predicate::NotEquals(o) => {
                self.check_compared_literals(o, span);
            }
            Predicate::Contains(o) => self.check_contained_literal(o, span),
            _ => {}
        }
        match &predicate.value {
            Predicate::Equals(o) => binary(self, "equals", o),
            Predicate::NotEquals(o) => json!({ "not": binary(self, "equals", o) }),
            Predicate::Contains(o) => binary(self, "contains", o),
            Predicate::StartsWith(o) => binary(self, "startsWith", o),
            Predicate::EndsWith(o) => binary(self, "endsWith", o),
            Predicate::Greater(o) => binary(self, "greater", o),
            Predicate::GreaterOrEquals(o) => binary(self, "greaterOrEquals", o),
            Predicate::Less(o) => binary(self, "less", o),
            Predicate::LessOrEquals(o) => binary(self, "lessOrEquals", o),
            Predicate::HasLabel(label) => {
                let labels = self.incident_array("labels", "has_label", label.span.or(span));
                // Labels are objects (`labelName`, `labelType`); their JSON text, lower-cased,
                // has `"labelname":"<tag>"` (tags match case-insensitively).
                // The needle is literal text: `@` in it is escaped (`@@`) so Logic Apps
                // does not evaluate it.
                let needle = Template::Literal(format!(
                    "\"labelname\":{}",
                    Value::String(label.value.to_lowercase())
                ))
                .to_wdl_string();
                json!({ "contains": [labels, needle] })
            }
            Predicate::HasLabelStartingWith(prefix) => {
                let labels = self.incident_array("labels", "has_label", prefix.span.or(span));
                // As `has_label`, without the closing quote: a prefix of the label's name.
                // A Jira project from a per-environment value (`jira:{{env.NAME}}-`): its
                // key is the workflow's parameter, lower-cased like the rest. Every
                // environment's key was checked to be a Jira project key (SPEC136), which
                // needs no quoting in JSON.
                let env = prefix.value.find("{{").and_then(|start| {
                    let end = start + prefix.value[start..].find("}}")? + 2;
                    let name = crate::env_values::reference(&prefix.value[start..end])?;
                    Some((start, end, name.to_string()))
                });
                let needle = match env {
                    Some((start, end, name)) => {
                        let quoted =
                            Value::String(prefix.value[..start].to_lowercase()).to_string();
                        let parameter = crate::env_values::parameter(&name);
                        self.env_values.insert(name);
                        Template::Interpolated(vec![
                            wdl::Part::Text(format!(
                                "\"labelname\":{}",
                                &quoted[..quoted.len() - 1]
                            )),
                            wdl::Part::Expr(Expr::call(
                                "toLower",
                                vec![Expr::call("parameters", vec![Expr::str(parameter)])],
                            )),
                            wdl::Part::Text(prefix.value[end..].to_lowercase()),
                        ])
                        .to_wdl_string()
                    }
                    None => {
                        let quoted = Value::String(prefix.value.to_lowercase()).to_string();
                        Template::Literal(format!("\"labelname\":{}", &quoted[..quoted.len() - 1]))
                            .to_wdl_string()
                    }
                };
                json!({ "contains": [labels, needle] })
            }
            Predicate::Expression(written) => self.json(written, written.span.or(span)),
            Predicate::FromAnalyticsRule(rules) => {
                let ids = self.incident_array("analytics_rule_ids", "from_analytics_rule", span);
                if rules.is_empty() {
                    self.error(
                        Diagnostic::error(codes::SPEC044.code, "`from_analytics_rule` needs at least one rule id")
                            .at(span)
                            .help("write `from_analytics_rule: [<rule id>]`, the GUID at the end of the rule's resource id"),
                    );
                }
                for rule in rules {
                    let ok = rule.value.len() == 36
                        && rule
                            .value
                            .chars()
                            .all(|c| c.is_ascii_hexdigit() || c == '-');
                    if !ok {
                        self.error(
                            Diagnostic::error(codes::SPEC044.code, format!("`{}` is not an analytics rule id", rule.value))
                                .at(rule.span.or(span).with_len(rule.value.chars().count()))
                                .help("use the rule's id, the GUID at the end of its resource id (Analytics, rule, `id`)"),
                        );
                    }
                }
                // Related rule ids are full resource ids: match their ending, case-insensitively.
                let tests: Vec<Value> = rules
                    .iter()
                    .map(|rule| json!({ "contains": [ids.clone(), rule.value.to_ascii_lowercase()] }))
                    .collect();
                match tests.len() {
                    1 => tests.into_iter().next().expect("one test"),
                    _ => json!({ "or": tests }),
                }
            }
            Predicate::All(all) => {
                json!({ "and": all.iter().map(|p| self.predicate(p, span)).collect::<Vec<_>>() })
            }
            Predicate::Any(any) => {
                json!({ "or": any.iter().map(|p| self.predicate(p, span)).collect::<Vec<_>>() })
            }
            Predicate::Not(inner) => json!({ "not": self.predicate(inner, span) }),
        }
    }
}

/// The string variables a Sentinel comment shows (`{{variables.NAME}}` in a
/// `sentinel.add_comment` message, in any block). They hold HTML that the spec author
/// writes, such as a `<li>` list built in a loop: every reference that enters them is
/// HTML-escaped where it enters (set, append, initial value), and the comment shows them
/// as they are. So the author's markup renders and an incident title still cannot add
/// any. Linear in the steps.
pub(super) fn markup_variables(playbook: &spec::Playbook) -> std::collections::HashSet<String> {
    fn walk(steps: &[Located<Step>], found: &mut std::collections::HashSet<String>) {
        for step in steps {
            match &step.value {
                Step::SentinelAddComment(c) => {
                    let message = match &**c {
                        spec::AddComment::Message(m) => m.as_str(),
                        spec::AddComment::Full(full) => full.message.as_str(),
                    };
                    for piece in crate::model::text::parse(message).unwrap_or_default() {
                        if let crate::model::text::Piece::Ref { path, .. } = piece
                            && let [root, variable] = path.as_slice()
                            && root == "variables"
                        {
                            found.insert(variable.clone());
                        }
                    }
                }
                Step::If(s) => {
                    walk(&s.then, found);
                    walk(s.else_steps(), found);
                }
                Step::Switch(s) => {
                    for case in s.cases.values() {
                        walk(case.steps(), found);
                    }
                    walk(&s.default, found);
                }
                Step::Foreach(s) => walk(&s.steps, found),
                Step::Scope(s) => walk(&s.steps, found),
                Step::ServiceNowQueryIncidents(s) => walk(&s.steps, found),
                Step::JiraSearchIssues(s) => walk(&s.steps, found),
                _ => {}
            }
        }
    }
    let mut found = std::collections::HashSet::new();
    walk(&playbook.steps, &mut found);
    // Only string variables hold text; an array or number is shown escaped as before.
    found.retain(|name| {
        playbook
            .variables
            .iter()
            .any(|(n, decl)| n.value == *name && decl.kind == spec::VariableType::String)
    });
    found
}
