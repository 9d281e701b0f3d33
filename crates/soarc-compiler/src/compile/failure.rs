//! Failure handling: the steps run in a scope `Main`; `On_failure` runs after it failed or
//! timed out, finds the failed actions in `result('Main')`, sends the notifications of the
//! spec (Sentinel incident comment, Teams webhook, Office 365 e-mail) with the action's
//! name, its error, the run id and a link to the run, and ends the run as Failed.

use indexmap::IndexMap;
use serde_json::json;
use soarc_lang::wdl::HttpMethod;

use super::steps::{action, api_call, set_retry};
use super::{PlaybookCompiler, TriggerKind};
use crate::codes;
use crate::model::SENTINEL;
use crate::spec::{FailureNotifications, Located, OnFailure, OnFailureKeyword};
use soarc_lang::diagnostics::{Diagnostic, Span};
use soarc_lang::wdl::{self, Action, ActionKind, Expr, Part, RunAfterStatus, Template};

/// What `On_failure` does, resolved from the playbook, `defaults` and the trigger.
pub(super) struct FailurePlan {
    comment: bool,
    teams: Option<crate::spec::KeyVaultSecret>,
    email: Option<(Vec<String>, Located<String>)>,
}

/// The `To` of the failure e-mail: the addresses separated by `;` ("Specify email
/// addresses separated by semicolons", Learn, Office 365 Outlook connector, Send an email
/// (V2): https://learn.microsoft.com/connectors/office365/#send-an-email-(v2)); a
/// per-environment item is the workflow's parameter, whose every environment's addresses
/// were checked and joined by `;` in the parameters file.
fn recipients(to: &[String]) -> String {
    if to.iter().all(|a| crate::env_values::reference(a).is_none()) {
        return to.join(";");
    }
    let mut parts = Vec::new();
    for (i, address) in to.iter().enumerate() {
        if i > 0 {
            parts.push(t(";"));
        }
        parts.push(match crate::env_values::reference(address) {
            Some(name) => e(Expr::call(
                "parameters",
                vec![Expr::str(crate::env_values::parameter(name))],
            )),
            None => t(address),
        });
    }
    text(parts).to_wdl_string()
}

/// `@{expr}` inside text.
fn e(expr: Expr) -> Part {
    Part::Expr(expr)
}

fn t(text: &str) -> Part {
    Part::Text(text.to_string())
}

fn text(parts: Vec<Part>) -> Template {
    Template::Interpolated(parts).normalize()
}

impl PlaybookCompiler<'_> {
    /// The failure handling of this playbook; `None` with `on_failure: none`.
    pub(super) fn failure_plan(&mut self) -> Option<FailurePlan> {
        // Spec-wide defaults apply where they can: a default incident comment is skipped for
        // playbooks without an incident; the same setting on the playbook is an error.
        let from_defaults = self.playbook.on_failure.is_none();
        let setting = self.playbook.on_failure.as_ref().or_else(|| {
            self.model
                .spec
                .defaults
                .as_ref()
                .and_then(|d| d.on_failure.as_ref())
        });
        let has_incident = matches!(
            self.trigger_kind,
            TriggerKind::Incident | TriggerKind::Entity
        );
        let default = FailureNotifications::default();
        let (notify, span) = match setting {
            Some(Located {
                value: OnFailure::Keyword(OnFailureKeyword::None),
                ..
            }) => return None,
            Some(Located {
                value: OnFailure::Notify(n),
                span,
            }) => (&**n, *span),
            None => (&default, Span::default()),
        };
        let comment = match &notify.comment {
            Some(c) if c.value && !has_incident && from_defaults => false,
            Some(c) if c.value && !has_incident => {
                self.error(
                    Diagnostic::error(
                        codes::SPEC091.code,
                        format!(
                            "`on_failure.comment` needs an incident, but playbook `{}` has no incident trigger",
                            self.playbook.name.value
                        ),
                    )
                    .at(c.span.or(span))
                    .help("set `comment: false` and notify by `teams:` or `email:`, or use `trigger: incident`"),
                );
                false
            }
            Some(c) => c.value,
            None => has_incident,
        };
        let email = notify.email.as_ref().and_then(|email| {
            let at = email.span.or(span);
            if email.to.is_empty() {
                self.error(
                    Diagnostic::error(codes::SPEC091.code, "`on_failure.email` has no recipients")
                        .at(at)
                        .help("write `to: [soc@contoso.com]`"),
                );
            }
            for address in &email.to {
                if let Some(name) = crate::env_values::reference(&address.value) {
                    // Recipients per environment: every environment's addresses checked
                    // (one recipient each), then the workflow's parameter.
                    if crate::env_values::check_use(
                        &self.model.spec.deployments(),
                        name,
                        crate::env_values::Slot::Emails,
                        "a recipient of `on_failure.email`",
                        address.span.or(at).with_len(address.value.chars().count()),
                        &mut self.errors,
                    ) {
                        self.env_values.insert(name.to_string());
                    }
                } else if !valid_email(&address.value) {
                    self.error(
                        Diagnostic::error(
                            codes::SPEC091.code,
                            format!("`{}` is not an e-mail address", address.value),
                        )
                        .at(address.span.or(at).with_len(address.value.chars().count()))
                        .help("write e.g. `soc@contoso.com`"),
                    );
                }
            }
            let connection = &email.connection;
            self.find_connection(&connection.value, connection.span.or(at), &["office365"])?;
            Some((
                email.to.iter().map(|a| a.value.clone()).collect(),
                connection.clone(),
            ))
        });
        let teams = notify.teams.as_ref().map(|teams| {
            let secret = &teams.webhook.key_vault;
            if let Some(subscription) = &secret.subscription_id
                && let Some(target) = self.other_subscription(&subscription.value)
            {
                self.error(
                    Diagnostic::error(
                        codes::SPEC083.code,
                        format!(
                            "Key Vault `{}` of the Teams webhook is in another subscription than {target}",
                            secret.vault.value
                        ),
                    )
                    .at(subscription.span.or(teams.span).or(span))
                    .help("the playbook reads the webhook URL at run time from a vault in its own subscription (its identity gets Key Vault Secrets User there); move or copy the secret, or remove `subscription_id`"),
                );
            }
            secret.clone()
        });
        Some(FailurePlan {
            comment,
            teams,
            email,
        })
    }

    /// The `On_failure` scope, running after `main` failed or timed out.
    pub(super) fn failure_scope(&mut self, plan: &FailurePlan, main: &str) -> (String, Action) {
        let scope_name = self.action_name(None, "On_failure", Span::default());
        let filter = self.action_name(None, "Failed_actions", Span::default());
        let mut actions = IndexMap::new();

        // `result('Main')` lists the scope's top-level actions; keep those that failed.
        let status = Expr::call("item", vec![]).prop("status");
        let condition = Expr::call(
            "or",
            vec![
                Expr::call("equals", vec![status.clone(), Expr::str("Failed")]),
                Expr::call("equals", vec![status, Expr::str("TimedOut")]),
            ],
        );
        actions.insert(
            filter.clone(),
            action(ActionKind::Query {
                inputs: wdl::QueryInputs {
                    from: serde_json::Value::String(
                        Template::Expr(Expr::call("result", vec![Expr::str(main)])).to_wdl_string(),
                    ),
                    condition: Template::Expr(condition),
                },
            }),
        );

        let mut failed = Expr::call("first", vec![Expr::call("body", vec![Expr::str(&filter)])]);
        // Learn, error and exception handling ("Get context and results for failures"): "The
        // `result()` function returns the results *only* from the top-level actions and not
        // from deeper nested actions such as switch or condition actions", and it takes a
        // scoped action (For_each, Until or Scope;
        // https://learn.microsoft.com/azure/logic-apps/error-exception-handling). A ticket
        // guard is a condition whose steps run in a scope: when the guard is the failed
        // top-level action, the failed action is looked up in that scope. Learn does not say
        // whether `if()` evaluates the branch it does not take; engines measured against the
        // cloud evaluate `if` lazily (`if(true, 'ok', int('abc'))` is `'ok'`), so a scope
        // that never ran is not read.
        // Level by level: a guard nested directly in another guard's scope (a block that
        // opens two tickets) is looked up in the failed action that the level above found.
        let mut filter = filter;
        let levels = self.ticket_guards.iter().map(|g| g.0).max().unwrap_or(0);
        for level in 1..=levels {
            let top_name = failed.clone().prop("name");
            let mut from = Expr::call("createArray", vec![]);
            for (_, guard, scope) in self.ticket_guards.iter().rev().filter(|g| g.0 == level) {
                from = Expr::call(
                    "if",
                    vec![
                        Expr::call("equals", vec![top_name.clone(), Expr::str(guard)]),
                        Expr::call("result", vec![Expr::str(scope)]),
                        from,
                    ],
                );
            }
            let status = Expr::call("item", vec![]).prop("status");
            let inner = self.action_name(None, "Failed_ticket_actions", Span::default());
            let mut query = action(ActionKind::Query {
                inputs: wdl::QueryInputs {
                    from: serde_json::Value::String(Template::Expr(from).to_wdl_string()),
                    condition: Template::Expr(Expr::call(
                        "or",
                        vec![
                            Expr::call("equals", vec![status.clone(), Expr::str("Failed")]),
                            Expr::call("equals", vec![status, Expr::str("TimedOut")]),
                        ],
                    )),
                },
            });
            query
                .run_after
                .insert(filter.clone(), vec![RunAfterStatus::Succeeded]);
            actions.insert(inner.clone(), query);
            failed = Expr::call(
                "coalesce",
                vec![
                    Expr::call("first", vec![Expr::call("body", vec![Expr::str(&inner)])]),
                    failed,
                ],
            );
            filter = inner;
        }
        let failed_name = Expr::call(
            "coalesce",
            vec![failed.clone().prop("name"), Expr::str(main)],
        );
        let error = Expr::call(
            "coalesce",
            vec![
                failed.clone().prop("error").prop("message"),
                failed.prop("code"),
                Expr::str("timed out"),
            ],
        );
        let workflow = Expr::call("workflow", vec![]);
        let playbook = workflow.clone().prop("name");
        let run = workflow.clone().prop("run").prop("name");
        // The run in the portal's Consumption designer (monitoring view).
        let link = vec![
            t(
                "https://portal.azure.com/#view/Microsoft_Azure_EMA/DesignerEditorConsumption.ReactView/id/",
            ),
            e(Expr::call(
                "encodeURIComponent",
                vec![workflow.clone().prop("id")],
            )),
            t("/location/"),
            e(workflow.clone().prop("location")),
            t("/isReadOnly~/true/isMonitoringView~/true/runId/"),
            e(Expr::call(
                "encodeURIComponent",
                vec![workflow.prop("run").prop("id")],
            )),
        ];
        // One HTML text for the incident comment and the e-mail.
        let mut html = vec![
            t("<p><b>Playbook "),
            e(playbook.clone()),
            t(" failed</b> (run "),
            e(run.clone()),
            t(").</p><p>Failed action: "),
            e(failed_name.clone()),
            t("<br>Error: "),
            // The error text comes from the failed call (a remote service's message): HTML.
            e(super::encode::html_text(error.clone())),
            t("</p><p><a href=\""),
        ];
        html.extend(link.iter().cloned());
        html.push(t("\">Open the run in the Azure portal</a></p>"));

        let mut notifications = Vec::new();
        if plan.comment {
            let key = self
                .use_connection_named(SENTINEL, Span::default(), "sentinel")
                .unwrap_or_default();
            let incident = match self.trigger_kind {
                TriggerKind::Entity => Expr::call("triggerBody", vec![]).prop("IncidentArmID"),
                _ => Expr::call("triggerBody", vec![]).prop("object").prop("id"),
            };
            let name = self.action_name(None, "Comment_on_failure", Span::default());
            let mut comment = api_call(
                &key,
                HttpMethod::Post,
                "/Incidents/Comment",
                None,
                Some(json!({
                    "incidentArmId": Template::Expr(incident).to_wdl_string(),
                    "message": text(html.clone()),
                })),
            );
            let policy = self.retry_for(None, Some(SENTINEL), Span::default());
            set_retry(&mut comment, &policy);
            notifications.push((name, comment, None));
        }
        if let Some(secret) = &plan.teams {
            let vault = self.use_key_vault(secret);
            let read = self.action_name(None, "Get_Teams_webhook_URL", Span::default());
            let path = Template::Interpolated(vec![
                t("/secrets/"),
                e(Expr::call(
                    "encodeURIComponent",
                    vec![Expr::str(&secret.secret.value)],
                )),
                t("/value"),
            ]);
            let mut get = api_call(&vault, HttpMethod::Get, path, None, None);
            get.runtime_configuration = Some(secure(&["inputs", "outputs"]));
            let name = self.action_name(None, "Post_failure_to_Teams", Span::default());
            let fact = |title: &str, value: Expr| json!({ "title": title, "value": Template::Interpolated(vec![e(value)]).to_wdl_string() });
            let card = json!({
                "type": "message",
                "attachments": [{
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": {
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": [
                            {
                                "type": "TextBlock",
                                "size": "Medium",
                                "weight": "Bolder",
                                "wrap": true,
                                "text": text(vec![t("Playbook "), e(playbook.clone()), t(" failed")]),
                            },
                            {
                                "type": "FactSet",
                                "facts": [
                                    fact("Failed action", failed_name.clone()),
                                    fact("Error", error.clone()),
                                    fact("Run", run.clone()),
                                ],
                            },
                        ],
                        "actions": [{
                            "type": "Action.OpenUrl",
                            "title": "Open the run",
                            "url": text(link.clone()),
                        }],
                    },
                }],
            });
            let mut post = action(ActionKind::Http {
                inputs: wdl::HttpInputs {
                    method: wdl::HttpMethod::Post.into(),
                    uri: Template::Expr(Expr::call("body", vec![Expr::str(&read)]).prop("value")),
                    headers: IndexMap::from([(
                        "Content-Type".to_string(),
                        "application/json".to_string(),
                    )]),
                    queries: IndexMap::new(),
                    body: Some(card),
                    authentication: None,
                    retry_policy: None,
                },
            });
            // The URL is the credential: keep the inputs out of run history.
            post.runtime_configuration = Some(secure(&["inputs"]));
            let policy = self.retry_for(None, None, Span::default());
            set_retry(&mut get, &policy);
            set_retry(&mut post, &policy);
            notifications.push((name, post, Some((read, get))));
        }
        if let Some((to, connection)) = &plan.email {
            let key = self
                .use_connection_named(&connection.value, connection.span, "office365")
                .unwrap_or_default();
            let name = self.action_name(None, "Send_failure_email", Span::default());
            let mut mail = api_call(
                &key,
                HttpMethod::Post,
                "/v2/Mail",
                None,
                Some(json!({
                    "To": recipients(to),
                    "Subject": text(vec![t("Playbook "), e(playbook.clone()), t(" failed")]),
                    "Body": text(html.clone()),
                    "Importance": "High",
                })),
            );
            let policy = self.retry_for(None, Some(&connection.value), Span::default());
            set_retry(&mut mail, &policy);
            notifications.push((name, mail, None));
        }

        // Notifications run side by side after the filter, so one failing does not stop the
        // others; the run ends Failed whatever they did.
        let mut last = Vec::new();
        for (name, mut notification, before) in notifications {
            let after = match before {
                Some((read, mut get)) => {
                    get.run_after
                        .insert(filter.clone(), vec![RunAfterStatus::Succeeded]);
                    actions.insert(read.clone(), get);
                    read
                }
                None => filter.clone(),
            };
            notification
                .run_after
                .insert(after, vec![RunAfterStatus::Succeeded]);
            actions.insert(name.clone(), notification);
            last.push(name);
        }
        let terminate_name = self.action_name(None, "Fail_the_run", Span::default());
        let mut terminate = action(ActionKind::Terminate {
            inputs: wdl::TerminateInputs {
                run_status: wdl::RunStatus::Failed.into(),
                run_error: Some(wdl::RunError {
                    message: text(vec![t("Action "), e(failed_name), t(" failed: "), e(error)]),
                }),
            },
        });
        if last.is_empty() {
            terminate
                .run_after
                .insert(filter, vec![RunAfterStatus::Succeeded]);
        }
        for name in last {
            terminate.run_after.insert(
                name,
                vec![
                    RunAfterStatus::Succeeded,
                    RunAfterStatus::Failed,
                    RunAfterStatus::Skipped,
                    RunAfterStatus::TimedOut,
                ],
            );
        }
        actions.insert(terminate_name, terminate);
        let mut scope = action(ActionKind::Scope { actions });
        scope.run_after.insert(
            main.to_string(),
            vec![RunAfterStatus::Failed, RunAfterStatus::TimedOut],
        );
        (scope_name, scope)
    }
}

/// One recipient: the same check as every other address of the spec
/// ([`crate::env_values::email`]), so `a@contoso.com;b` cannot add a recipient.
pub(super) fn valid_email(address: &str) -> bool {
    crate::env_values::email(address)
}

fn secure(properties: &[&str]) -> wdl::RuntimeConfiguration {
    wdl::RuntimeConfiguration {
        secure_data: Some(wdl::SecureData {
            properties: properties.iter().map(|p| p.to_string()).collect(),
        }),
        concurrency: None,
    }
}
