//! Steps for status sync, usable on their own too: `servicenow.query_incidents`,
//! `servicenow.resolve_incident`, `jira.search_issues`, `jira.transition_issue`,
//! `jira.add_comment`, `sentinel.close_incident`, `sentinel.add_label`.
//!
//! ServiceNow goes through the `service-now` managed connector (Table API: `get` and `put` on
//! `/api/now/v2/table/incident`), Sentinel through the `azuresentinel` connector ("Update
//! incident", `put /Incidents`) plus one Azure Resource Manager read with the managed identity
//! (the incident's current status, so closing is idempotent), Jira through its REST API with
//! the credential read from Key Vault at run time.

use indexmap::IndexMap;
use serde_json::{Value, json};
use soarc_lang::wdl::HttpMethod;

use super::encode::{self, Lang};
use super::jira::{Jira, secure};
use super::steps::{action, api_call, servicenow_queries};
use super::{LoopScope, PlaybookCompiler, TriggerKind};
use crate::codes;
use crate::model::SENTINEL;
use crate::spec::{self, ClassificationValue, IncidentRef, Located};
use soarc_lang::diagnostics::{Diagnostic, Span};
use soarc_lang::wdl::{self, Action, ActionKind, Expr, Part, Template};

/// API version of the Sentinel incident read (Microsoft.SecurityInsights, GA).
pub const INCIDENTS_API_VERSION: &str = "2025-09-01";
pub use crate::names::JIRA_LABEL_PREFIX;
/// Definition parameter with the ARM id of the Sentinel workspace
/// (`/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name>`),
/// set by the ARM template from `subscription().subscriptionId`, `WorkspaceResourceGroup` and
/// `WorkspaceName`.
pub const WORKSPACE_ID_PARAMETER: &str = "SentinelWorkspaceId";

/// A condition that holds when `name` is GUID-shaped (`8-4-4-4-12` hexadecimal digits, either
/// case). Incident names from tickets and labels are checked before they go into a
/// management URL. WDL has no regular expressions: every hex digit becomes `0`, and the
/// result must be the all-zero GUID, so any other character, length or dash position fails.
/// Nothing in it can fail at run time (`coalesce` for null).
fn guid_shaped(name: Expr) -> Value {
    let mut text = Expr::call(
        "toLower",
        vec![Expr::call(
            "string",
            vec![Expr::call("coalesce", vec![name, Expr::str("")])],
        )],
    );
    for digit in "123456789abcdef".chars() {
        text = Expr::call(
            "replace",
            vec![text, Expr::str(digit.to_string()), Expr::str("0")],
        );
    }
    json!({ "equals": [expr_string(text), "00000000-0000-0000-0000-000000000000"] })
}

/// A template as one expression: `concat(...)` of its parts, a string literal, or the lone
/// expression.
fn template_expr(template: Template) -> Expr {
    match template {
        Template::Literal(text) => Expr::str(text),
        Template::Expr(e) => e,
        Template::Interpolated(parts) => {
            let args: Vec<Expr> = parts
                .into_iter()
                .map(|p| match p {
                    Part::Text(t) => Expr::str(t),
                    Part::Expr(e) => Expr::call("string", vec![e]),
                })
                .collect();
            match args.len() {
                1 => args.into_iter().next().expect("one part"),
                _ => Expr::call("concat", args),
            }
        }
    }
}

/// `/prefix/@{encodeURIComponent(x)}`.
fn path_with(prefix: &str, segment: Expr, suffix: &str) -> Template {
    let mut parts = vec![
        Part::Text(prefix.into()),
        Part::Expr(Expr::call("encodeURIComponent", vec![segment])),
    ];
    if !suffix.is_empty() {
        parts.push(Part::Text(suffix.into()));
    }
    Template::Interpolated(parts)
}

fn expr_string(e: Expr) -> String {
    Template::Expr(e).to_wdl_string()
}

fn run_after(mut a: Action, previous: &str) -> Action {
    a.run_after
        .insert(previous.to_string(), vec![wdl::RunAfterStatus::Succeeded]);
    a
}

/// Text of a Jira comment: ADF on Cloud, plain text on Data Center.
fn jira_comment_body(jira: Jira<'_>, text: Template) -> Value {
    match jira {
        Jira::Cloud(_) => json!({
            "type": "doc",
            "version": 1,
            "content": [{
                "type": "paragraph",
                "content": [{ "type": "text", "text": text.to_wdl_string() }],
            }],
        }),
        Jira::DataCenter(_) => Value::String(text.to_wdl_string()),
    }
}

fn jira_http(
    method: HttpMethod,
    uri: Template,
    authorization: String,
    body: Option<Value>,
) -> Action {
    let mut http = action(ActionKind::Http {
        inputs: wdl::HttpInputs {
            method: method.into(),
            uri,
            headers: IndexMap::from([
                ("Accept".to_string(), "application/json".to_string()),
                ("Content-Type".to_string(), "application/json".to_string()),
                ("Authorization".to_string(), authorization),
            ]),
            queries: IndexMap::new(),
            body,
            authentication: None,
            retry_policy: None,
        },
    });
    http.runtime_configuration = Some(secure(&["inputs"]));
    http
}

fn api(jira: Jira<'_>) -> &'static str {
    match jira {
        Jira::Cloud(_) => "3",
        Jira::DataCenter(_) => "2",
    }
}

impl<'a> PlaybookCompiler<'a> {
    /// Register a loop variable and compile the body of a loop step.
    fn loop_body(
        &mut self,
        item_name: &Located<String>,
        foreach: &str,
        steps: &[Located<spec::Step>],
        span: Span,
    ) -> IndexMap<String, Action> {
        self.loops.push(LoopScope {
            item_name: item_name.value.clone(),
            action: foreach.to_string(),
            sequential: false,
            span,
        });
        let body = self.steps(steps, None);
        self.loops.pop();
        if steps.is_empty() {
            self.error(
                Diagnostic::error(codes::SPEC031.code, "this loop has no steps")
                    .at(span)
                    .help("add the steps to run for each item under `steps:`"),
            );
        }
        body
    }

    fn page_size(
        &mut self,
        size: Option<&Located<u32>>,
        default: u32,
        max: u32,
        span: Span,
    ) -> u32 {
        let Some(size) = size else { return default };
        if size.value == 0 || size.value > max {
            self.error(
                Diagnostic::error(
                    codes::SPEC094.code,
                    format!("page_size {} is out of range (1 to {max})", size.value),
                )
                .at(size.span.or(span)),
            );
        }
        size.value.clamp(1, max)
    }

    pub(super) fn servicenow_query_incidents(
        &mut self,
        s: &spec::ServiceNowQueryIncidents,
        span: Span,
    ) -> Option<(String, Action)> {
        let key =
            self.use_connection_named(&s.connection, s.connection.span.or(span), "servicenow");
        let name = self.action_name(s.name.as_ref(), "Query_ServiceNow_incidents", span);
        let list = self.action_name(None, &format!("List_page_of_{name}"), span);
        let foreach = self.action_name(None, &format!("For_each_{}", s.item_name.value), span);
        let page = self.page_size(s.page_size.as_ref(), 100, 10_000, span);
        let query = self.string_text_in(&s.query, s.query.span.or(span), Lang::ServiceNowQuery);
        let body = self.loop_body(&s.item_name, &foreach, &s.steps, span);
        let key = key?;
        // Re-querying from offset 0 suits loops that take records out of the result set;
        // advancing the offset would skip as many records as were taken out.
        let offset = if s.requery {
            Value::from(0)
        } else {
            Value::String(expr_string(Expr::call(
                "mul",
                vec![
                    Expr::call("iterationIndexes", vec![Expr::str(&name)]),
                    Expr::Int(page.into()),
                ],
            )))
        };
        let list_action = api_call(
            &key,
            HttpMethod::Get,
            "/api/now/v2/table/incident",
            Some(servicenow_queries([
                ("sysparm_query", Value::String(query.to_wdl_string())),
                ("sysparm_limit", Value::from(page)),
                ("sysparm_offset", offset),
            ])),
            None,
        );
        let records = Expr::call("body", vec![Expr::str(&list)]).prop("result");
        let loop_action = run_after(
            action(ActionKind::Foreach {
                foreach: Template::Expr(records.clone()),
                actions: body,
            }),
            &list,
        );
        let page_records = Expr::call("coalesce", vec![records, Expr::call("createArray", vec![])]);
        // A short page is the last one (checked after each page).
        let mut done = Expr::call(
            "less",
            vec![
                Expr::call("length", vec![page_records.clone()]),
                Expr::Int(page.into()),
            ],
        );
        let mut actions = IndexMap::from([(list.clone(), list_action), (foreach, loop_action)]);
        {
            // Re-querying makes progress only when the loop takes records out of the result
            // set. When it does not (every update of the page failed, or the steps do not
            // change what the query selects), the next page would be the same one: the loop
            // stops instead of reading it up to 100 times. The same holds for an instance
            // that ignores `sysparm_offset`. A page is recognised by its length and its first
            // and last `sys_id`.
            let sys_id = |f: &str| {
                Expr::call(
                    "string",
                    vec![Expr::call(f, vec![page_records.clone()]).prop("sys_id")],
                )
            };
            let fingerprint = Expr::call(
                "concat",
                vec![
                    Expr::call(
                        "string",
                        vec![Expr::call("length", vec![page_records.clone()])],
                    ),
                    Expr::str("/"),
                    sys_id("first"),
                    Expr::str("/"),
                    sys_id("last"),
                ],
            );
            let (check, extra) = self.no_progress(&name, &list, fingerprint, span);
            done = Expr::call("or", vec![done, check]);
            actions.extend(extra);
        }
        Some((name, page_loop(done, actions)))
    }

    /// Stops a paging loop that makes no progress: a `Compose` (after `fetch`) that says
    /// whether `fingerprint` of this page equals the one remembered from the previous page,
    /// then the variable remembering it. Returns the `done` term and the two actions for
    /// the loop's body; the variable is declared at the top of the workflow.
    fn no_progress(
        &mut self,
        name: &str,
        fetch: &str,
        fingerprint: Expr,
        span: Span,
    ) -> (Expr, Vec<(String, Action)>) {
        let var = format!("{name}_last_page");
        let init = self.action_name(None, &format!("Initialize_{var}"), span);
        self.step_variables.push((
            init,
            action(ActionKind::InitializeVariable {
                inputs: wdl::InitializeVariableInputs {
                    variables: vec![wdl::VariableDeclaration {
                        name: var.clone(),
                        kind: wdl::VariableType::String.into(),
                        value: Some(json!("")),
                    }],
                },
            }),
        ));
        let same = self.action_name(None, &format!("Same_page_of_{name}"), span);
        let remember = self.action_name(None, &format!("Remember_last_page_of_{name}"), span);
        let compare = run_after(
            action(ActionKind::Compose {
                inputs: Value::String(expr_string(Expr::call(
                    "equals",
                    vec![
                        fingerprint.clone(),
                        Expr::call("variables", vec![Expr::str(&var)]),
                    ],
                ))),
            }),
            fetch,
        );
        let set = run_after(
            action(ActionKind::SetVariable {
                inputs: wdl::VariableInputs {
                    name: var,
                    value: Value::String(
                        Template::Interpolated(vec![Part::Expr(fingerprint)]).to_wdl_string(),
                    ),
                },
            }),
            &same,
        );
        (
            Expr::call(
                "equals",
                vec![
                    Expr::call("outputs", vec![Expr::str(&same)]),
                    Expr::Bool(true),
                ],
            ),
            vec![(same, compare), (remember, set)],
        )
    }

    pub(super) fn servicenow_resolve_incident(
        &mut self,
        s: &spec::ServiceNowResolveIncident,
        span: Span,
    ) -> Option<(String, Action)> {
        let key =
            self.use_connection_named(&s.connection, s.connection.span.or(span), "servicenow");
        let name = self.action_name(s.name.as_ref(), "Resolve_ServiceNow_incident", span);
        let sys_id = self.string_text(&s.sys_id, s.sys_id.span.or(span));
        let state = match s.state.unwrap_or(spec::SnowResolvedState::Resolved) {
            spec::SnowResolvedState::Resolved => "6",
            spec::SnowResolvedState::Closed => "7",
        };
        let mut body = serde_json::Map::new();
        body.insert("state".into(), Value::String(state.into()));
        body.insert("close_code".into(), self.field_value(&s.close_code, span));
        body.insert("close_notes".into(), self.field_value(&s.close_notes, span));
        if let Some(notes) = &s.work_notes {
            body.insert("work_notes".into(), self.field_value(notes, span));
        }
        let key = key?;
        Some((
            name,
            api_call(
                &key,
                HttpMethod::Put,
                path_with("/api/now/v2/table/incident/", template_expr(sys_id), ""),
                Some(servicenow_queries([])),
                Some(Value::Object(body)),
            ),
        ))
    }

    pub(super) fn jira_search_issues(
        &mut self,
        s: &spec::JiraSearchIssues,
        span: Span,
    ) -> Option<(String, Action)> {
        let jira = self.jira_connection(&s.connection, span);
        let name = self.action_name(s.name.as_ref(), "Search_Jira_issues", span);
        let search = self.action_name(None, &format!("Search_page_of_{name}"), span);
        let foreach = self.action_name(None, &format!("For_each_{}", s.item_name.value), span);
        let page = self.page_size(s.page_size.as_ref(), 50, 100, span);
        let jql = self.string_text_in(&s.jql, s.jql.span.or(span), Lang::Jql);
        let body = self.loop_body(&s.item_name, &foreach, &s.steps, span);
        let jira = jira?;
        let authorization = self.jira_authorization(jira, &s.connection, &name, span);
        let fields: Vec<String> = if s.fields.is_empty() {
            ["summary", "status", "labels", "resolution"]
                .map(String::from)
                .to_vec()
        } else {
            s.fields.clone()
        };
        let results = Expr::call("body", vec![Expr::str(&search)]);
        let (request, uri, done, mut extra) = match jira {
            // Cloud: `/rest/api/3/search/jql`, paged by `nextPageToken` (kept in a variable;
            // the old offset-based `/search` is removed).
            Jira::Cloud(_) => {
                let token_var = format!("{name}_next_page");
                let init = self.action_name(None, &format!("Initialize_{token_var}"), span);
                self.step_variables.push((
                    init,
                    action(ActionKind::InitializeVariable {
                        inputs: wdl::InitializeVariableInputs {
                            variables: vec![wdl::VariableDeclaration {
                                name: token_var.clone(),
                                kind: wdl::VariableType::String.into(),
                                value: Some(json!("")),
                            }],
                        },
                    }),
                ));
                let token = Expr::call("variables", vec![Expr::str(&token_var)]);
                let request = json!({
                    "jql": jql.to_wdl_string(),
                    "maxResults": page,
                    "fields": fields,
                    "nextPageToken": expr_string(Expr::call("if", vec![
                        Expr::call("empty", vec![token.clone()]),
                        Expr::Null,
                        token.clone(),
                    ])),
                });
                let set = self.action_name(None, &format!("Remember_page_of_{name}"), span);
                // Runs beside the loop over the page, so a failing issue cannot stall paging.
                let set_action = run_after(
                    action(ActionKind::SetVariable {
                        inputs: wdl::VariableInputs {
                            name: token_var,
                            value: Value::String(expr_string(Expr::call(
                                "coalesce",
                                vec![results.clone().prop("nextPageToken"), Expr::str("")],
                            ))),
                        },
                    }),
                    &search,
                );
                (
                    request,
                    self.jira_url(jira, "/rest/api/3/search/jql"),
                    Expr::call("empty", vec![token]),
                    vec![(set, set_action)],
                )
            }
            // Data Center: `/rest/api/2/search`, paged by `startAt`.
            Jira::DataCenter(_) => {
                let start = Expr::call(
                    "mul",
                    vec![
                        Expr::call("iterationIndexes", vec![Expr::str(&name)]),
                        Expr::Int(page.into()),
                    ],
                );
                let request = json!({
                    "jql": jql.to_wdl_string(),
                    "maxResults": page,
                    "fields": fields,
                    "startAt": expr_string(start),
                });
                let done = Expr::call(
                    "less",
                    vec![
                        Expr::call(
                            "length",
                            vec![Expr::call(
                                "coalesce",
                                vec![
                                    results.clone().prop("issues"),
                                    Expr::call("createArray", vec![]),
                                ],
                            )],
                        ),
                        Expr::Int(page.into()),
                    ],
                );
                (
                    request,
                    self.jira_url(jira, "/rest/api/2/search"),
                    done,
                    Vec::new(),
                )
            }
        };
        // A page that makes no progress ends the loop: Cloud answering the token it was
        // sent, Data Center the same issues again (see `no_progress`).
        let page_issues = Expr::call(
            "coalesce",
            vec![
                results.clone().prop("issues"),
                Expr::call("createArray", vec![]),
            ],
        );
        let fingerprint = match jira {
            Jira::Cloud(_) => Expr::call(
                "coalesce",
                vec![results.clone().prop("nextPageToken"), Expr::str("")],
            ),
            Jira::DataCenter(_) => {
                let id = |f: &str| {
                    Expr::call(
                        "string",
                        vec![Expr::call(f, vec![page_issues.clone()]).prop("id")],
                    )
                };
                Expr::call(
                    "concat",
                    vec![
                        Expr::call(
                            "string",
                            vec![Expr::call("length", vec![page_issues.clone()])],
                        ),
                        Expr::str("/"),
                        id("first"),
                        Expr::str("/"),
                        id("last"),
                    ],
                )
            }
        };
        let (stuck, checks) = self.no_progress(&name, &search, fingerprint, span);
        let done = Expr::call("or", vec![done, stuck]);
        let mut actions = IndexMap::new();
        actions.insert(
            search.clone(),
            jira_http(HttpMethod::Post, uri, authorization, Some(request)),
        );
        actions.extend(checks);
        actions.insert(
            foreach,
            run_after(
                action(ActionKind::Foreach {
                    foreach: Template::Expr(results.prop("issues")),
                    actions: body,
                }),
                &search,
            ),
        );
        actions.extend(extra.drain(..));
        Some((name, page_loop(done, actions)))
    }

    pub(super) fn jira_transition_issue(
        &mut self,
        s: &spec::JiraTransitionIssue,
        span: Span,
    ) -> Option<(String, Action)> {
        let jira = self.jira_connection(&s.connection, span);
        let name = self.action_name(s.name.as_ref(), "Transition_Jira_issue", span);
        let get = self.action_name(None, &format!("Get_transitions_for_{name}"), span);
        let find = self.action_name(None, &format!("Find_transition_for_{name}"), span);
        let check = self.action_name(None, &format!("If_transition_found_for_{name}"), span);
        let post = self.action_name(None, &format!("Apply_transition_for_{name}"), span);
        let issue = template_expr(self.string_text(&s.issue, s.issue.span.or(span)));
        let transition = template_expr(self.string_text(&s.transition, s.transition.span.or(span)));
        let comment = s
            .comment
            .as_ref()
            .map(|c| self.string_text(c, c.span.or(span)));
        let jira = jira?;
        let authorization = self.jira_authorization(jira, &s.connection, &name, span);
        let mut uri = self.jira_prefix(jira, &format!("/rest/api/{}/issue/", api(jira)));
        uri.extend([
            Part::Expr(Expr::call("encodeURIComponent", vec![issue])),
            Part::Text("/transitions".into()),
        ]);
        let uri = Template::Interpolated(uri);
        let found = Expr::call("body", vec![Expr::str(&find)]);
        let mut request = json!({
            "transition": { "id": expr_string(Expr::call("first", vec![found.clone()]).prop("id")) },
        });
        if let Some(comment) = comment {
            request["update"] =
                json!({ "comment": [{ "add": { "body": jira_comment_body(jira, comment) } }] });
        }
        let filter = Expr::call(
            "equals",
            vec![
                Expr::call(
                    "toLower",
                    vec![Expr::call(
                        "string",
                        vec![Expr::call("item", vec![]).prop("name")],
                    )],
                ),
                Expr::call("toLower", vec![transition]),
            ],
        );
        let actions = IndexMap::from([
            (
                get.clone(),
                jira_http(HttpMethod::Get, uri.clone(), authorization.clone(), None),
            ),
            (
                find.clone(),
                run_after(
                    action(ActionKind::Query {
                        inputs: wdl::QueryInputs {
                            from: Value::String(expr_string(
                                Expr::call("body", vec![Expr::str(&get)]).prop("transitions"),
                            )),
                            condition: Template::Expr(filter),
                        },
                    }),
                    &get,
                ),
            ),
            (
                check,
                run_after(
                    action(ActionKind::If {
                        expression: json!({
                            "greater": [expr_string(Expr::call("length", vec![found])), 0]
                        }),
                        actions: IndexMap::from([(
                            post,
                            jira_http(HttpMethod::Post, uri, authorization, Some(request)),
                        )]),
                        otherwise: None,
                    }),
                    &find,
                ),
            ),
        ]);
        Some((name, action(ActionKind::Scope { actions })))
    }

    pub(super) fn jira_add_comment(
        &mut self,
        s: &spec::JiraAddComment,
        span: Span,
    ) -> Option<(String, Action)> {
        let jira = self.jira_connection(&s.connection, span);
        let name = self.action_name(s.name.as_ref(), "Comment_on_Jira_issue", span);
        let issue = template_expr(self.string_text(&s.issue, s.issue.span.or(span)));
        let message = self.string_text(&s.message, s.message.span.or(span));
        let jira = jira?;
        let authorization = self.jira_authorization(jira, &s.connection, &name, span);
        let mut uri = self.jira_prefix(jira, &format!("/rest/api/{}/issue/", api(jira)));
        uri.extend([
            Part::Expr(Expr::call("encodeURIComponent", vec![issue])),
            Part::Text("/comment".into()),
        ]);
        let uri = Template::Interpolated(uri);
        let body = json!({ "body": jira_comment_body(jira, message) });
        Some((
            name,
            jira_http(HttpMethod::Post, uri, authorization, Some(body)),
        ))
    }

    /// The ARM id of the incident a Sentinel step acts on, and a condition that must hold
    /// for it to be usable (a Jira issue without the label has none).
    fn incident_target(
        &mut self,
        incident: Option<&Located<IncidentRef>>,
        what: &str,
        span: Span,
    ) -> Option<(Expr, Option<Value>)> {
        match incident.map(|i| &i.value) {
            None => match self.trigger_kind {
                TriggerKind::Incident => Some((
                    Expr::call("triggerBody", vec![]).prop("object").prop("id"),
                    None,
                )),
                TriggerKind::Entity => Some((
                    Expr::call("triggerBody", vec![]).prop("IncidentArmID"),
                    None,
                )),
                _ => {
                    self.error(
                        Diagnostic::error(codes::SPEC039.code, format!("{what} needs an incident, but this playbook's trigger has none"))
                            .at(span)
                            .help("use `trigger: incident`, or name the incident: `incident: \"{{ticket.correlation_id}}\"`"),
                    );
                    None
                }
            },
            Some(IncidentRef::ArmId(text)) => Some((
                template_expr(self.string_text(text, text.span.or(span))),
                None,
            )),
            Some(IncidentRef::Name { name }) => {
                let name = template_expr(self.string_text(name, name.span.or(span)));
                Some((self.incident_arm_id(name.clone()), Some(guid_shaped(name))))
            }
            Some(IncidentRef::JiraLabels { jira_labels }) => {
                let at = jira_labels.span.or(span);
                let labels = self.text(jira_labels, at);
                // ` label1 label2 ` then the 36 characters after ` sentinel-` (padded, so
                // that an issue without the label gives spaces, not an error).
                let joined = Expr::call(
                    "concat",
                    vec![
                        Expr::str(" "),
                        Expr::call("join", vec![template_expr(labels), Expr::str(" ")]),
                        Expr::str(" "),
                    ],
                );
                let needle = format!(" {JIRA_LABEL_PREFIX}");
                let padded = Expr::call("concat", vec![joined.clone(), Expr::str(" ".repeat(48))]);
                let name = Expr::call(
                    "substring",
                    vec![
                        padded,
                        Expr::call(
                            "add",
                            vec![
                                Expr::call("indexOf", vec![joined, Expr::str(&needle)]),
                                Expr::Int(needle.len() as i64),
                            ],
                        ),
                        Expr::Int(36),
                    ],
                );
                Some((self.incident_arm_id(name.clone()), Some(guid_shaped(name))))
            }
        }
    }

    /// The ARM id of the incident `name` in the Sentinel workspace: the workspace's ARM id
    /// comes from the definition parameter the ARM template sets, never from text in the
    /// workflow.
    fn incident_arm_id(&mut self, name: Expr) -> Expr {
        self.uses_workspace_id = true;
        Expr::call(
            "concat",
            vec![
                Expr::call("parameters", vec![Expr::str(WORKSPACE_ID_PARAMETER)]),
                Expr::str("/providers/Microsoft.SecurityInsights/Incidents/"),
                name,
            ],
        )
    }

    pub(super) fn sentinel_close_incident(
        &mut self,
        s: &spec::CloseIncident,
        span: Span,
    ) -> Option<(String, Action)> {
        let key = self.use_connection_named(SENTINEL, span, "sentinel");
        let name = self.action_name(s.name.as_ref(), "Close_incident", span);
        let target = self.incident_target(s.incident.as_ref(), "sentinel.close_incident", span);
        let get = self.action_name(None, &format!("Get_status_for_{name}"), span);
        let check = self.action_name(None, &format!("If_not_closed_for_{name}"), span);
        let update = self.action_name(None, &format!("Update_incident_for_{name}"), span);
        let comment_name = self.action_name(None, &format!("Comment_for_{name}"), span);
        let class_span = s.classification.span.or(span);
        let mut table = None;
        let classification = match &s.classification.value {
            ClassificationValue::Fixed(c) => Value::String(c.connector_value().into()),
            ClassificationValue::Lookup {
                from,
                values,
                default,
            } => {
                let source = template_expr(self.string_text(from, from.span.or(class_span)));
                let Some(default) = default else {
                    self.error(
                        Diagnostic::error(
                            codes::SPEC095.code,
                            "a classification lookup needs a `default`",
                        )
                        .at(class_span)
                        .help("the looked-up text is open-ended (e.g. ServiceNow close codes): add `default: Undetermined`"),
                    );
                    return None;
                };
                let table_name =
                    self.action_name(None, &format!("Classifications_for_{name}"), span);
                let map: serde_json::Map<String, Value> = values
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.connector_value().into())))
                    .collect();
                let lookup = Expr::call(
                    "coalesce",
                    vec![
                        Expr::Index {
                            base: Box::new(Expr::call("outputs", vec![Expr::str(&table_name)])),
                            index: Box::new(source),
                            optional: true,
                        },
                        Expr::str(default.connector_value()),
                    ],
                );
                table = Some((
                    table_name,
                    action(ActionKind::Compose {
                        inputs: Value::Object(map),
                    }),
                ));
                Value::String(expr_string(lookup))
            }
        };
        let comment = s
            .comment
            .as_ref()
            .map(|c| self.string_text(c, c.span.or(span)));
        let labels: Vec<Value> = s
            .labels
            .iter()
            .map(|l| json!({ "Tag": self.string_text(l, l.span.or(span)).to_wdl_string() }))
            .collect();
        let key = key?;
        let (arm_id, guard) = target?;
        let arm_id_text = expr_string(arm_id.clone());
        let arm_id_expr = arm_id.clone();
        let read = action(ActionKind::Http {
            inputs: wdl::HttpInputs {
                method: wdl::HttpMethod::Get.into(),
                uri: Template::Interpolated(vec![
                    Part::Text("https://management.azure.com".into()),
                    Part::Expr(arm_id),
                ]),
                headers: IndexMap::new(),
                queries: IndexMap::from([(
                    "api-version".to_string(),
                    INCIDENTS_API_VERSION.to_string(),
                )]),
                body: None,
                authentication: Some(json!({
                    "type": "ManagedServiceIdentity",
                    "audience": "https://management.azure.com/",
                })),
                retry_policy: None,
            },
        });
        let mut classification_body = json!({ "ClassificationAndReason": classification });
        if let Some(comment) = &comment {
            classification_body["ClassificationReasonText"] =
                Value::String(comment.to_wdl_string());
        }
        let mut update_body = json!({
            "incidentArmId": arm_id_text,
            "status": "Closed",
            "classification": classification_body,
        });
        if !labels.is_empty() {
            update_body["tagsToAdd"] = json!({ "TagsToAdd": labels });
        }
        let connector = |path: &str, body: Value| {
            api_call(
                &key,
                if path == "/Incidents" {
                    HttpMethod::Put
                } else {
                    HttpMethod::Post
                },
                path,
                None,
                Some(body),
            )
        };
        let mut then = IndexMap::new();
        if let Some((table_name, table_action)) = table {
            then.insert(table_name.clone(), table_action);
            then.insert(
                update.clone(),
                run_after(connector("/Incidents", update_body), &table_name),
            );
        } else {
            then.insert(update.clone(), connector("/Incidents", update_body));
        }
        if let Some(comment) = &comment {
            then.insert(
                comment_name,
                run_after(
                    connector(
                        "/Incidents/Comment",
                        json!({ "incidentArmId": arm_id_text, "message": encode::html_template(comment.clone()).to_wdl_string() }),
                    ),
                    &update,
                ),
            );
        }
        // Idempotent: an incident that is already closed is left alone.
        let mut open = json!({ "not": { "equals": [
            expr_string(Expr::call("body", vec![Expr::str(&get)]).prop("properties").prop("status")),
            "Closed",
        ] } });
        if s.incident.is_some() {
            // This check also runs after a failed read (below): then it finds nothing to do.
            let read_ok = json!({ "equals": [
                expr_string(Expr::call("actions", vec![Expr::str(&get)]).prop("status")),
                "Succeeded",
            ] });
            open = json!({ "and": [read_ok, open] });
        }
        let check_action = action(ActionKind::If {
            expression: open,
            actions: then,
            otherwise: None,
        });
        let mut actions = IndexMap::new();
        if s.incident.is_some() {
            // An incident named by a ticket or an issue may be gone (404) or out of the
            // playbook's reach (403): that item is noted in the run history and left alone,
            // and the poll goes on. Learn, error and exception handling ("Manage the run
            // after behavior"): "if a branch ends with a Skipped action, that branch's
            // completion status is based on that skipped action's predecessor status ... If
            // any branch ends in failure, the entire workflow run is marked Failed"
            // (https://learn.microsoft.com/azure/logic-apps/error-exception-handling). So no
            // branch may end in an action skipped after the failed read: the status check
            // also runs after a failed read (and finds nothing to do), and the 404/403 check
            // runs only then.
            let gone = self.action_name(None, &format!("If_incident_gone_for_{name}"), span);
            let skipped = self.action_name(None, &format!("Skipped_{name}"), span);
            let again = self.action_name(None, &format!("Read_again_for_{name}"), span);
            let status_code = Expr::call("outputs", vec![Expr::str(&get)]).prop("statusCode");
            let note = Template::Interpolated(vec![
                Part::Text("Incident not found or not readable (HTTP ".into()),
                Part::Expr(status_code.clone()),
                Part::Text("), left alone: ".into()),
                Part::Expr(arm_id_expr.clone()),
            ]);
            let code_is = |code: i64| json!({ "equals": [expr_string(status_code.clone()), code] });
            // Any other failure (throttling, an outage) must still fail the item, so that it
            // is seen and the next poll (24 hours back) retries it: the read is made once
            // more, and its failure is the branch's.
            let mut gone_action = action(ActionKind::If {
                expression: json!({ "or": [code_is(404), code_is(403)] }),
                actions: IndexMap::from([(
                    skipped,
                    action(ActionKind::Compose {
                        inputs: Value::String(note.to_wdl_string()),
                    }),
                )]),
                otherwise: Some(wdl::Branch {
                    actions: IndexMap::from([(again, read.clone())]),
                }),
            });
            let after_any = |mut a: Action| {
                a.run_after.insert(
                    get.clone(),
                    vec![
                        wdl::RunAfterStatus::Succeeded,
                        wdl::RunAfterStatus::Failed,
                        wdl::RunAfterStatus::TimedOut,
                    ],
                );
                a
            };
            gone_action.run_after.insert(
                get.clone(),
                vec![wdl::RunAfterStatus::Failed, wdl::RunAfterStatus::TimedOut],
            );
            actions.insert(get.clone(), read);
            actions.insert(check, after_any(check_action));
            actions.insert(gone, gone_action);
        } else {
            actions.insert(get.clone(), read);
            actions.insert(check, run_after(check_action, &get));
        }
        // The GET runs only for a usable name: nothing is read for an issue without the
        // label or a ticket whose correlation id is not a GUID.
        if let Some(guard) = guard {
            let valid = self.action_name(None, &format!("If_incident_name_valid_for_{name}"), span);
            actions = IndexMap::from([(
                valid,
                action(ActionKind::If {
                    expression: guard,
                    actions,
                    otherwise: None,
                }),
            )]);
        }
        Some((name, action(ActionKind::Scope { actions })))
    }

    pub(super) fn sentinel_add_label(
        &mut self,
        s: &spec::AddLabel,
        span: Span,
    ) -> Option<(String, Action)> {
        let (user_name, label) = match s {
            spec::AddLabel::Label(l) => (None, Located::new(l.clone(), span)),
            spec::AddLabel::Full(full) => (full.name.clone(), full.label.clone()),
        };
        let target = self.incident_target(None, "sentinel.add_label", span);
        let key = self.use_connection_named(SENTINEL, span, "sentinel");
        let name = self.action_name(user_name.as_ref(), "Add_label_to_incident", span);
        let label = self.string_text(&label, label.span.or(span));
        let (incident, _) = target?;
        let key = key?;
        Some((
            name,
            api_call(
                &key,
                HttpMethod::Put,
                "/Incidents",
                None,
                Some(json!({
                    "incidentArmId": expr_string(incident),
                    "tagsToAdd": { "TagsToAdd": [{ "Tag": label.to_wdl_string() }] },
                })),
            ),
        ))
    }
}
/// The Until loop that fetches page after page until `done`: at most 100 pages, one hour.
fn page_loop(done: Expr, actions: IndexMap<String, Action>) -> Action {
    action(ActionKind::Until {
        expression: Template::Expr(done),
        limit: wdl::UntilLimit {
            count: 100,
            timeout: "PT1H".into(),
        },
        actions,
    })
}
