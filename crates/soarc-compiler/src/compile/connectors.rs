//! Steps of any managed connector (issue #16): the generic `connector` step, the typed
//! steps of the most used operations, and the `action` escape hatch.
//!
//! Every typed step compiles to the `ApiConnection` action a hand-written template has for
//! that operation (method, path, queries and body as the Microsoft Sentinel and Defender for
//! Cloud templates of `../shared/reference/corpus` write them), so `soarc import` can match
//! them back.

use indexmap::IndexMap;
use serde_json::{Value, json};
use soarc_lang::wdl::HttpMethod;

use crate::codes;
use crate::model::SENTINEL;
use crate::model::managed;
use crate::spec::{self, Connection, Located};
use soarc_lang::diagnostics::{Diagnostic, Span};
use soarc_lang::wdl::{Action, ActionKind, Expr, Part, Template};

use super::encode::Lang;
use super::steps::{action, api_call, default_name};
use super::{PlaybookCompiler, StepOutputs, WORKSPACE_ID_PARAMETER};

/// Kinds of connections an `ApiConnection` action can call.
const API_KINDS: &[&str] = &["managed", "office365", "servicenow", "sentinel"];

impl<'a> PlaybookCompiler<'a> {
    /// Register the connection a connector step names and return its `$connections` key.
    /// With `api`, the connection must call that managed API (SPEC103).
    fn use_api_connection(
        &mut self,
        connection: &Located<String>,
        api: Option<&str>,
        span: Span,
    ) -> Option<String> {
        let at = connection.span.or(span);
        let declared = self.find_connection(&connection.value, at, API_KINDS)?;
        if let Some(api) = api {
            let calls = match declared {
                Some(declared) => managed::calls(declared, api),
                None => api == "azuresentinel",
            };
            if !calls {
                let fitting: Vec<String> = self
                    .model
                    .connections
                    .iter()
                    .filter(|(_, c)| managed::calls(c, api))
                    .map(|(n, _)| format!("`{n}`"))
                    .collect();
                let help = if fitting.is_empty() {
                    format!(
                        "declare one under `connections:`, e.g. `{}: {{ kind: managed, api: {api} }}`",
                        connection.value
                    )
                } else {
                    format!("use {}", fitting.join(" or "))
                };
                self.error(
                    Diagnostic::error(
                        codes::SPEC103.code,
                        format!(
                            "connection `{}` does not call the `{api}` connector this step needs",
                            connection.value
                        ),
                    )
                    .at(at.with_len(connection.value.chars().count()))
                    .help(help),
                );
                return None;
            }
        }
        Some(self.register_connection(&connection.value, declared))
    }

    /// A required text field of a typed step: SPEC108 when empty.
    fn required_text(
        &mut self,
        field: &Located<String>,
        what: &str,
        step: &str,
        span: Span,
    ) -> bool {
        if field.value.trim().is_empty() {
            self.error(
                Diagnostic::error(codes::SPEC108.code, format!("`{step}` needs a {what}"))
                    .at(field.span.or(span))
                    .help(format!(
                        "give the {what}, as text or a `{{{{...}}}}` reference"
                    )),
            );
            return false;
        }
        true
    }

    /// `connector`: one operation of a managed connection.
    pub(super) fn connector(
        &mut self,
        s: &spec::ConnectorStep,
        span: Span,
    ) -> Option<(String, Action)> {
        let fallback = format!("Call_{}", s.connection.value);
        let default = match &s.id {
            Some(_) => default_name("Call", s.id.as_ref()),
            None => fallback,
        };
        let name = self.action_name(s.name.as_ref(), &default, span);
        let key = self.use_api_connection(&s.connection, None, span);
        let path_span = s.path.span.or(span);
        let path = &s.path.value;
        // `?` and `#` in the literal text would start a query or fragment; inside a
        // reference or a `{{wdl: ...}}` expression they are part of the value.
        let literal_query = crate::model::text::parse(path).is_ok_and(|pieces| {
            pieces.iter().any(|piece| {
                matches!(piece, crate::model::text::Piece::Text(t) if t.contains(['?', '#']))
            })
        });
        if !path.starts_with('/') || literal_query {
            self.error(
                Diagnostic::error(
                    codes::SPEC104.code,
                    format!("connector step `{name}`: path `{path}` is not an operation path"),
                )
                .at(path_span.with_len(path.chars().count()))
                .help("write the path relative to the connector, starting with `/` (e.g. `/v2/Mail`), and query parameters under `queries:`"),
            );
        }
        let path = self.string_text_in(path, path_span, Lang::ConnectorPath);
        let queries: IndexMap<String, Value> = s
            .queries
            .iter()
            .map(|(k, v)| (k.clone(), self.json(v, v.span.or(span))))
            .collect();
        let headers: IndexMap<String, Value> = s
            .headers
            .iter()
            .map(|(k, v)| {
                let value = self.string_text(v, v.span.or(span)).to_wdl_string();
                (k.clone(), Value::String(value))
            })
            .collect();
        let body = s.body.as_ref().map(|b| self.json(b, b.span.or(span)));
        let key = key?;
        self.register(s.id.as_ref(), &name, StepOutputs::Http, span);
        let mut call = api_call(
            &key,
            s.method.wdl(),
            path,
            (!queries.is_empty()).then_some(queries),
            body,
        );
        if let ActionKind::ApiConnection { inputs } = &mut call.kind {
            inputs.headers = (!headers.is_empty()).then(|| Box::new(headers));
        }
        if s.secure {
            call.runtime_configuration = Some(super::jira::secure(&["inputs", "outputs"]));
        }
        Some((name, call))
    }

    /// `office365.send_email`: "Send an email (V2)", `POST /v2/Mail` with `To`, `Subject`,
    /// `Body` (HTML) and `Importance`, as the corpus templates write it (Learn, Office 365
    /// Outlook connector reference, Send an email (V2):
    /// https://learn.microsoft.com/connectors/office365/#send-an-email-(v2)). Several
    /// recipients are separated by `;`.
    pub(super) fn send_email(
        &mut self,
        s: &spec::SendEmail,
        span: Span,
    ) -> Option<(String, Action)> {
        let step = "office365.send_email";
        let name = self.action_name(
            s.name.as_ref(),
            &default_name("Send_an_email", s.id.as_ref()),
            span,
        );
        let key = self.use_api_connection(&s.connection, Some("office365"), span);
        if s.to.is_empty() {
            self.error(
                Diagnostic::error(codes::SPEC108.code, format!("`{step}` has no recipients"))
                    .at(span)
                    .help("list the addresses under `to:`, e.g. `to: [soc@contoso.com]`"),
            );
        }
        let mut body = serde_json::Map::new();
        for (field, list) in [("To", &s.to), ("Cc", &s.cc), ("Bcc", &s.bcc)] {
            if list.is_empty() {
                continue;
            }
            let mut templates = Vec::new();
            for address in list {
                let at = address.span.or(span);
                if !address.value.contains("{{") && !super::failure::valid_email(&address.value) {
                    self.error(
                        Diagnostic::error(
                            codes::SPEC108.code,
                            format!("`{}` is not an e-mail address", address.value),
                        )
                        .at(at.with_len(address.value.chars().count()))
                        .help("write one address per list item, e.g. `soc@contoso.com`, or a `{{...}}` reference"),
                    );
                }
                templates.push(self.string_text_in(&address.value, at, Lang::MailAddress));
            }
            body.insert(
                field.into(),
                Value::String(join(templates, ";").to_wdl_string()),
            );
        }
        self.required_text(&s.subject, "subject", step, span);
        let subject = self.string_text(&s.subject, s.subject.span.or(span));
        body.insert("Subject".into(), Value::String(subject.to_wdl_string()));
        let html = self.string_text_in(&s.body, s.body.span.or(span), Lang::Html);
        body.insert("Body".into(), Value::String(html.to_wdl_string()));
        let importance = match s.importance.unwrap_or(spec::Importance::Normal) {
            spec::Importance::Low => "Low",
            spec::Importance::Normal => "Normal",
            spec::Importance::High => "High",
        };
        body.insert("Importance".into(), json!(importance));
        let key = key?;
        self.register(s.id.as_ref(), &name, StepOutputs::Http, span);
        Some((
            name,
            api_call(
                &key,
                HttpMethod::Post,
                "/v2/Mail",
                None,
                Some(Value::Object(body)),
            ),
        ))
    }

    /// `teams.post_message`: "Post a message (V3)" to a channel,
    /// `POST /v3/beta/teams/{groupId}/channels/{channelId}/messages` with
    /// `body: { content, contentType: html }` and an optional `subject`, as the corpus
    /// templates write it (Learn, Microsoft Teams connector reference:
    /// https://learn.microsoft.com/connectors/teams/).
    pub(super) fn teams_post_message(
        &mut self,
        s: &spec::TeamsPostMessage,
        span: Span,
    ) -> Option<(String, Action)> {
        let step = "teams.post_message";
        let name = self.action_name(
            s.name.as_ref(),
            &default_name("Post_message", s.id.as_ref()),
            span,
        );
        let key = self.use_api_connection(&s.connection, Some("teams"), span);
        self.required_text(&s.team, "team id", step, span);
        self.required_text(&s.channel, "channel id", step, span);
        self.required_text(&s.message, "message", step, span);
        // Path parameters: literal ids are written `@{encodeURIComponent('<id>')}` as the
        // designer does; references are encoded the same way.
        let team = self.path_parameter(&s.team, span);
        let channel = self.path_parameter(&s.channel, span);
        let mut parts = vec![Part::Text("/v3/beta/teams/".into())];
        parts.extend(team);
        parts.push(Part::Text("/channels/".into()));
        parts.extend(channel);
        parts.push(Part::Text("/messages".into()));
        let path = Template::Interpolated(parts);
        let content = self.string_text_in(&s.message, s.message.span.or(span), Lang::Html);
        let mut body =
            json!({ "body": { "content": content.to_wdl_string(), "contentType": "html" } });
        if let Some(subject) = &s.subject {
            body["subject"] = json!(
                self.string_text(subject, subject.span.or(span))
                    .to_wdl_string()
            );
        }
        let key = key?;
        self.register(s.id.as_ref(), &name, StepOutputs::Http, span);
        Some((
            name,
            api_call(&key, HttpMethod::Post, path, None, Some(body)),
        ))
    }

    /// A path parameter: `encodeURIComponent('<literal>')` or `encodeURIComponent(<ref>)`.
    fn path_parameter(&mut self, value: &Located<String>, span: Span) -> Vec<Part> {
        let at = value.span.or(span);
        if value.value.contains("{{") {
            return match self.string_text_in(&value.value, at, Lang::ConnectorPath) {
                Template::Interpolated(parts) => parts,
                Template::Literal(text) => vec![Part::Text(text)],
                Template::Expr(e) => vec![Part::Expr(e)],
            };
        }
        vec![Part::Expr(Expr::call(
            "encodeURIComponent",
            vec![Expr::str(&value.value)],
        ))]
    }

    /// `monitor_logs.run_query`: Azure Monitor Logs "Run query and list results",
    /// `POST /queryData` with the query as the body and the workspace in `subscriptions`,
    /// `resourcegroups`, `resourcetype: Log Analytics Workspace`, `resourcename`,
    /// `timerange` (Learn, Azure Monitor Logs connector reference, Run query and list
    /// results: https://learn.microsoft.com/connectors/azuremonitorlogs/#run-query-and-list-results;
    /// the corpus templates' queries). The rows are `body.value`.
    pub(super) fn run_query(&mut self, s: &spec::RunQuery, span: Span) -> Option<(String, Action)> {
        let step = "monitor_logs.run_query";
        let name = self.action_name(
            s.name.as_ref(),
            &default_name("Run_query_and_list_results", s.id.as_ref()),
            span,
        );
        let key = self.use_api_connection(&s.connection, Some("azuremonitorlogs"), span);
        self.required_text(&s.query, "query", step, span);
        let query = self.string_text_in(&s.query, s.query.span.or(span), Lang::Kql);
        let deployment = self.model.spec.deployment.as_ref();
        let (subscription, group, workspace) = match &s.workspace {
            Some(workspace) => {
                // The workflow is the same in every environment: a fact taken from the
                // target must be the same in all of them.
                let deployments = self.model.spec.deployments();
                for (what, own, fact) in [
                    (
                        "resource_group",
                        s.resource_group.is_some(),
                        (|d: &crate::spec::Deployment| d.resource_group.as_ref())
                            as fn(&crate::spec::Deployment) -> Option<&Located<String>>,
                    ),
                    (
                        "subscription_id",
                        s.subscription_id.is_some(),
                        |d: &crate::spec::Deployment| d.subscription_id.as_ref(),
                    ),
                ] {
                    if own {
                        continue;
                    }
                    let first = deployments.first().and_then(|(_, d)| fact(d));
                    if let Some((name, _)) = deployments.iter().find(|(_, d)| fact(d) != first) {
                        self.error(
                            Diagnostic::error(
                                codes::SPEC139.code,
                                format!(
                                    "`{step}` on workspace `{}` takes `{what}` from the deployment target, and environment `{}` has another than `{}`",
                                    workspace.value,
                                    name.unwrap_or_default(),
                                    deployments[0].0.unwrap_or_default()
                                ),
                            )
                            .at(workspace.span.or(span))
                            .help(format!("set `{what}` on the step: the workflow is the same in every environment")),
                        );
                    }
                }
                let group = s
                    .resource_group
                    .as_ref()
                    .or_else(|| deployment.and_then(|d| d.resource_group.as_ref()));
                let subscription = s
                    .subscription_id
                    .as_ref()
                    .or_else(|| deployment.and_then(|d| d.subscription_id.as_ref()));
                let (Some(group), Some(subscription)) = (group, subscription) else {
                    self.error(
                        Diagnostic::error(
                            codes::SPEC109.code,
                            format!("`{step}` on workspace `{}` needs its subscription and resource group", workspace.value),
                        )
                        .at(workspace.span.or(span))
                        .help("set `resource_group` and `subscription_id` on the step, or `deployment.resource_group` and `deployment.subscription_id`"),
                    );
                    return None;
                };
                (
                    json!(subscription.value),
                    json!(group.value),
                    json!(workspace.value),
                )
            }
            None if deployment.is_some() => {
                // The Sentinel workspace's ARM id, supplied by the template:
                // /subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.OperationalInsights/workspaces/{w}
                self.uses_workspace_id = true;
                let segment = |i: i64| {
                    let split = Expr::call(
                        "split",
                        vec![
                            Expr::call("parameters", vec![Expr::str(WORKSPACE_ID_PARAMETER)]),
                            Expr::str("/"),
                        ],
                    );
                    let e = Expr::Index {
                        base: Box::new(split),
                        index: Box::new(Expr::Int(i)),
                        optional: false,
                    };
                    json!(Template::Expr(e).to_wdl_string())
                };
                (segment(2), segment(4), segment(8))
            }
            None => {
                self.error(
                    Diagnostic::error(
                        codes::SPEC109.code,
                        format!("`{step}` has no workspace to query"),
                    )
                    .at(span)
                    .help("set `deployment.workspace` (the Sentinel workspace), or `workspace`, `resource_group` and `subscription_id` on the step"),
                );
                return None;
            }
        };
        let time_range = s
            .time_range
            .as_ref()
            .map_or_else(|| "Set in query".to_string(), |t| t.value.clone());
        let queries = IndexMap::from([
            ("subscriptions".to_string(), subscription),
            ("resourcegroups".to_string(), group),
            ("resourcetype".to_string(), json!("Log Analytics Workspace")),
            ("resourcename".to_string(), workspace),
            ("timerange".to_string(), json!(time_range)),
        ]);
        let key = key?;
        self.register(s.id.as_ref(), &name, StepOutputs::Query, span);
        Some((
            name,
            api_call(
                &key,
                HttpMethod::Post,
                "/queryData",
                Some(queries),
                Some(json!(query.to_wdl_string())),
            ),
        ))
    }

    /// `defender.isolate_machine`: `POST /api/machines/{id}/isolate` with `Comment` and
    /// `IsolationType` (Learn, Microsoft Defender for Endpoint connector reference, Actions -
    /// Isolate machine: https://learn.microsoft.com/connectors/wdatp/#actions---isolate-machine;
    /// the corpus's Isolate-MDE-Machine templates).
    pub(super) fn isolate_machine(
        &mut self,
        s: &spec::IsolateMachine,
        span: Span,
    ) -> Option<(String, Action)> {
        let step = "defender.isolate_machine";
        let name = self.action_name(
            s.name.as_ref(),
            &default_name("Isolate_machine", s.id.as_ref()),
            span,
        );
        let key = self.use_api_connection(&s.connection, Some("wdatp"), span);
        self.required_text(&s.machine, "machine id", step, span);
        self.required_text(&s.comment, "comment", step, span);
        let machine = self.path_parameter(&s.machine, span);
        let mut parts = vec![Part::Text("/api/machines/".into())];
        parts.extend(machine);
        parts.push(Part::Text("/isolate".into()));
        let path = Template::Interpolated(parts);
        let comment = self.string_text(&s.comment, s.comment.span.or(span));
        let isolation = match s.isolation.unwrap_or(spec::IsolationType::Full) {
            spec::IsolationType::Full => "Full",
            spec::IsolationType::Selective => "Selective",
        };
        let body = json!({ "Comment": comment.to_wdl_string(), "IsolationType": isolation });
        let key = key?;
        self.register(s.id.as_ref(), &name, StepOutputs::Http, span);
        Some((
            name,
            api_call(&key, HttpMethod::Post, path, None, Some(body)),
        ))
    }

    /// `entra.disable_user` (`PATCH /v1.0/users/{id}` with `accountEnabled: false`) and
    /// `entra.revoke_sessions` (`POST /v1.0/users/{id}/revokeSignInSessions`) on the
    /// Microsoft Entra ID connector, as the corpus's Block-AADUser and
    /// Disable-AAD-Account-Revoke-Tokens templates write them (Learn, Microsoft Entra ID
    /// connector reference, Update user and Revoke sign-in sessions:
    /// https://learn.microsoft.com/connectors/azuread/).
    pub(super) fn entra_user(
        &mut self,
        s: &spec::EntraUserStep,
        revoke: bool,
        span: Span,
    ) -> Option<(String, Action)> {
        let (step, default) = if revoke {
            ("entra.revoke_sessions", "Revoke_sign_in_sessions")
        } else {
            ("entra.disable_user", "Disable_user")
        };
        let name = self.action_name(s.name.as_ref(), &default_name(default, s.id.as_ref()), span);
        let key = self.use_api_connection(&s.connection, Some("azuread"), span);
        self.required_text(
            &s.user,
            "user (object id or user principal name)",
            step,
            span,
        );
        let user = self.path_parameter(&s.user, span);
        let mut parts = vec![Part::Text("/v1.0/users/".into())];
        parts.extend(user);
        if revoke {
            parts.push(Part::Text("/revokeSignInSessions".into()));
        }
        let path = Template::Interpolated(parts);
        let key = key?;
        self.register(s.id.as_ref(), &name, StepOutputs::Http, span);
        let call = if revoke {
            api_call(&key, HttpMethod::Post, path, None, None)
        } else {
            api_call(
                &key,
                HttpMethod::Patch,
                path,
                None,
                Some(json!({ "accountEnabled": false })),
            )
        };
        Some((name, call))
    }

    /// `action`: one verbatim workflow action. Its strings are checked as Logic Apps reads
    /// them (SPEC106) and kept byte for byte unless their literal text holds a `{{...}}`
    /// reference; the `$connections` entries it reads are wired (SPEC107); nested action
    /// names join the playbook's (SPEC033).
    pub(super) fn verbatim(
        &mut self,
        s: &spec::VerbatimStep,
        span: Span,
    ) -> Option<(String, Action)> {
        let name = self.action_name(Some(&s.name), &s.name.value, span);
        let at = s.definition.span.or(span);
        let Value::Object(map) = &s.definition.value else {
            self.error(
                Diagnostic::error(codes::SPEC105.code, format!("action `{name}`: `definition` is not a workflow action"))
                    .at(at)
                    .help("write the action as a mapping, e.g. `definition: { type: Compose, inputs: ... }`"),
            );
            return None;
        };
        let mut problems = Vec::new();
        if !matches!(map.get("type"), Some(Value::String(t)) if !t.is_empty()) {
            problems.push("it has no `type` (e.g. `type: ParseJson`)");
        }
        if map.contains_key("runAfter") {
            problems.push("it has a `runAfter`: soarc runs the step after the one before it; remove `runAfter`");
        }
        if !problems.is_empty() {
            self.error(
                Diagnostic::error(
                    codes::SPEC105.code,
                    format!("action `{name}`: {}", problems.join("; ")),
                )
                .at(at)
                .help("paste the action from the designer's code view without its name and without `runAfter`"),
            );
            return None;
        }
        self.nested_action_names(map, at);
        let mut out = serde_json::Map::new();
        for (key, value) in map {
            let value = self.verbatim_value(value, at);
            out.insert(key.clone(), value);
        }
        self.register(s.id.as_ref(), &name, StepOutputs::Verbatim, span);
        Some((name, action(ActionKind::Verbatim(out))))
    }

    /// Nested actions of a verbatim container (Scope, If, Foreach, Until, Switch): their
    /// names are unique in the whole workflow too.
    fn nested_action_names(&mut self, map: &serde_json::Map<String, Value>, at: Span) {
        let mut blocks: Vec<&Value> = Vec::new();
        blocks.extend(map.get("actions"));
        blocks.extend(map.get("else").and_then(|e| e.get("actions")));
        blocks.extend(map.get("default").and_then(|e| e.get("actions")));
        if let Some(Value::Object(cases)) = map.get("cases") {
            blocks.extend(cases.values().filter_map(|c| c.get("actions")));
        }
        for block in blocks {
            let Value::Object(actions) = block else {
                continue;
            };
            for (nested, value) in actions {
                let located = Located {
                    value: nested.clone(),
                    span: at,
                };
                self.action_name(Some(&located), nested, at);
                if let Value::Object(inner) = value {
                    self.nested_action_names(inner, at);
                }
            }
        }
    }

    /// One value of a verbatim action: strings checked and their connections wired.
    pub(super) fn verbatim_value(&mut self, value: &Value, at: Span) -> Value {
        match value {
            Value::String(text) => Value::String(self.verbatim_string(text, at)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.verbatim_value(v, at)).collect())
            }
            Value::Object(map) if map.contains_key(crate::deployment_values::KEY) => {
                self.deployment_value(map, at)
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.verbatim_value(v, at)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn verbatim_string(&mut self, text: &str, at: Span) -> String {
        let template = match Template::parse(text) {
            Ok(template) => template,
            Err(e) => {
                let span = self.locate(text, 0, text.len(), at);
                self.error(
                    Diagnostic::error(
                        codes::SPEC106.code,
                        format!("`{}` is not a valid workflow expression: {e}", shorten(text)),
                    )
                    .at(span)
                    .help("fix the expression; a string starting with `@` is evaluated, write `@@` for a literal `@`"),
                );
                return text.to_string();
            }
        };
        let exprs: Vec<&Expr> = match &template {
            Template::Literal(_) => Vec::new(),
            Template::Expr(e) => vec![e],
            Template::Interpolated(parts) => parts
                .iter()
                .filter_map(|p| match p {
                    Part::Expr(e) => Some(e),
                    Part::Text(_) => None,
                })
                .collect(),
        };
        let mut keys = Vec::new();
        for e in exprs {
            connection_keys(e, &mut keys);
        }
        for key in keys {
            self.verbatim_connection(&key, text, at);
        }
        // `{{...}}` in literal text is a soarc reference; anything else stays as written.
        let literal_refs = match &template {
            Template::Literal(t) => t.contains("{{"),
            Template::Interpolated(parts) => parts
                .iter()
                .any(|p| matches!(p, Part::Text(t) if t.contains("{{"))),
            Template::Expr(_) => false,
        };
        if !literal_refs {
            return text.to_string();
        }
        let span = self.locate(text, 0, text.len(), at);
        let resolved = match template {
            Template::Literal(t) => self.text(&t, span),
            Template::Interpolated(parts) => {
                let mut out = Vec::new();
                for part in parts {
                    match part {
                        Part::Text(t) if t.contains("{{") => match self.string_text(&t, span) {
                            Template::Interpolated(inner) => out.extend(inner),
                            Template::Literal(l) => out.push(Part::Text(l)),
                            Template::Expr(e) => out.push(Part::Expr(e)),
                        },
                        other => out.push(other),
                    }
                }
                Template::Interpolated(out).normalize()
            }
            expr => expr,
        };
        resolved.to_wdl_string()
    }

    /// `parameters('$connections')['key']` in a verbatim action: the connection `key` of
    /// the spec (`azuresentinel`: the implicit Sentinel connection), wired into the
    /// template; an unknown one is SPEC107.
    fn verbatim_connection(&mut self, key: &str, text: &str, at: Span) {
        if key == "azuresentinel" && !self.model.connections.contains_key(key) {
            self.register_connection(SENTINEL, self.model.connections.get(SENTINEL).copied());
            return;
        }
        match self.model.connections.get(key).copied() {
            Some(declared)
                if matches!(
                    declared.value,
                    Connection::JiraCloud(_) | Connection::JiraDataCenter(_)
                ) =>
            {
                let span = self.locate(text, text.find(key).unwrap_or(0), key.len(), at);
                self.error(
                    Diagnostic::error(
                        codes::SPEC107.code,
                        format!("connection `{key}` is a {} connection, not a managed API connection", declared.value.kind_name()),
                    )
                    .at(span)
                    .help("Jira connections are called with `jira.*` steps or an `http` step; `$connections` holds managed API connections only"),
                );
            }
            Some(declared) => {
                self.register_connection(key, Some(declared));
            }
            None => {
                let names: Vec<&str> = self
                    .model
                    .connections
                    .keys()
                    .map(String::as_str)
                    .chain(["azuresentinel"])
                    .collect();
                let help = soarc_lang::diagnostics::did_you_mean(key, names.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| format!("declare it under `connections:`, e.g. `{key}: {{ kind: managed, api: <api> }}`"));
                let span = self.locate(text, text.find(key).unwrap_or(0), key.len(), at);
                self.error(
                    Diagnostic::error(
                        codes::SPEC107.code,
                        format!("action reads `$connections` entry `{key}`, which is not a connection of the spec"),
                    )
                    .at(span)
                    .help(help),
                );
            }
        }
    }
}

/// Keys of `parameters('$connections')['key']` anywhere in `e`.
fn connection_keys(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Index { base, index, .. } => {
            if let (Expr::Call { name, args }, Expr::Str(key)) = (base.as_ref(), index.as_ref())
                && name.eq_ignore_ascii_case("parameters")
                && matches!(args.as_slice(), [Expr::Str(p)] if p == "$connections")
            {
                out.push(key.clone());
            }
            connection_keys(base, out);
            connection_keys(index, out);
        }
        Expr::Member { base, .. } => connection_keys(base, out),
        Expr::Call { args, .. } => {
            for a in args {
                connection_keys(a, out);
            }
        }
        _ => {}
    }
}

/// Templates joined with a literal separator, as one string.
fn join(templates: Vec<Template>, separator: &str) -> Template {
    let mut parts = Vec::new();
    for (i, template) in templates.into_iter().enumerate() {
        if i > 0 {
            parts.push(Part::Text(separator.into()));
        }
        match template {
            Template::Literal(t) => parts.push(Part::Text(t)),
            Template::Expr(e) => parts.push(Part::Expr(e)),
            Template::Interpolated(inner) => parts.extend(inner),
        }
    }
    Template::Interpolated(parts).normalize()
}

/// At most 60 characters of `text`, for messages.
fn shorten(text: &str) -> String {
    let mut chars = text.chars();
    let short: String = chars.by_ref().take(60).collect();
    if chars.next().is_some() {
        format!("{short}...")
    } else {
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_keys_are_found_in_nested_expressions() {
        let e = soarc_lang::wdl::expr::parse_expr(
            "concat(parameters('$connections')['teams']['connectionId'], parameters('other')['x'])",
        )
        .unwrap();
        let mut keys = Vec::new();
        connection_keys(&e, &mut keys);
        assert_eq!(keys, vec!["teams".to_string()]);
    }

    #[test]
    fn join_separates_addresses() {
        let joined = join(
            vec![
                Template::Literal("a@contoso.com".into()),
                Template::Interpolated(vec![Part::Expr(Expr::call("x", vec![]))]),
            ],
            ";",
        );
        assert_eq!(joined.to_wdl_string(), "a@contoso.com;@{x()}");
    }
}
