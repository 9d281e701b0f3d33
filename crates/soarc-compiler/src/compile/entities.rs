//! `sentinel.get_entities`: the incident's (or alert's) entities as readable lines.
//!
//! The incident trigger already carries the entities (`object.properties.relatedEntities`,
//! what the corpus playbooks pass to the Sentinel connector's "Entities - Get ..." actions),
//! so no call is needed: a sequential Foreach formats one line per entity (a Compose), and
//! appends it to a string variable (`{{id.text}}`) and, as an Atlassian Document Format
//! `listItem`, to an array variable (`{{id.list}}`, the items of a Jira bullet list). Both
//! variables are initialised at the top level, as Logic Apps requires. A Condition after
//! the loop adds "No entities" when there were none, so the ADF list is never empty (Jira
//! rejects a `bulletList` without items).

use indexmap::IndexMap;
use serde_json::{Value, json};

use super::steps::action;
use super::{PlaybookCompiler, StepOutputs, TriggerKind};
use crate::codes;
use crate::spec;
use soarc_lang::diagnostics::{Diagnostic, Span};
use soarc_lang::wdl::{self, Action, ActionKind, Expr, Part, Template};

/// Properties shown per entity kind (Sentinel entity schema names), with their labels.
const KEY_PROPERTIES: &[(&str, &[(&str, &str)])] = &[
    (
        "Account",
        &[
            ("accountName", "account"),
            ("ntDomain", "domain"),
            ("upnSuffix", "UPN suffix"),
            ("aadUserId", "Entra ID object id"),
            ("sid", "SID"),
        ],
    ),
    (
        "Host",
        &[
            ("hostName", "host"),
            ("dnsDomain", "DNS domain"),
            ("netBiosName", "NetBIOS name"),
            ("osFamily", "OS"),
            ("azureID", "Azure resource"),
        ],
    ),
    ("Ip", &[("address", "address")]),
    ("Url", &[("url", "URL")]),
    (
        "FileHash",
        &[("algorithm", "algorithm"), ("hashValue", "hash")],
    ),
    ("File", &[("fileName", "file"), ("directory", "directory")]),
];

/// `'; label: ' + value` when the property is present, else `''`.
fn optional_property(properties: &Expr, name: &str, label: &str) -> Expr {
    let value = properties.clone().prop(name);
    Expr::call(
        "if",
        vec![
            Expr::call(
                "empty",
                vec![Expr::call("coalesce", vec![value.clone(), Expr::str("")])],
            ),
            Expr::str(""),
            Expr::call(
                "concat",
                vec![
                    Expr::str(format!("; {label}: ")),
                    Expr::call("string", vec![value]),
                ],
            ),
        ],
    )
}

/// The details of an entity by kind: nested `if(equals(kind, 'Account'), ..., if(...))`.
fn details(item: &Expr) -> Expr {
    let properties = item.clone().prop("properties");
    KEY_PROPERTIES
        .iter()
        .rev()
        .fold(Expr::str(""), |otherwise, (kind, props)| {
            let parts: Vec<Expr> = props
                .iter()
                .map(|(name, label)| optional_property(&properties, name, label))
                .collect();
            let shown = if parts.len() == 1 {
                parts.into_iter().next().expect("one part")
            } else {
                Expr::call("concat", parts)
            };
            Expr::call(
                "if",
                vec![
                    Expr::call("equals", vec![item.clone().prop("kind"), Expr::str(*kind)]),
                    shown,
                    otherwise,
                ],
            )
        })
}

/// An ADF `listItem` with one paragraph of `text` (a WDL string value).
pub(super) fn adf_list_item(text: String) -> Value {
    json!({
        "type": "listItem",
        "content": [{ "type": "paragraph", "content": [{ "type": "text", "text": text }] }],
    })
}

impl PlaybookCompiler<'_> {
    pub(super) fn get_entities(
        &mut self,
        s: &spec::GetEntities,
        span: Span,
    ) -> Option<(String, Action)> {
        // Its `<id>_text`/`<id>_items` variables are workflow-wide: iterations would mix and
        // accumulate them.
        if let Some(scope) = self.loops.last() {
            let action = scope.action.clone();
            self.error(
                Diagnostic::error(
                    codes::SPEC096.code,
                    "sentinel.get_entities cannot run inside a loop",
                )
                .at(span)
                .help(format!(
                    "its results are kept in workflow variables, which every iteration of `{action}` would share and add to; move the step before the loop and use `{{{{<id>.text}}}}` inside it"
                )),
            );
            return None;
        }
        let entities = match self.trigger_kind {
            TriggerKind::Incident => Expr::call(
                "coalesce",
                vec![
                    Expr::call("triggerBody", vec![])
                        .prop("object")
                        .prop("properties")
                        .prop("relatedEntities"),
                    Expr::call("createArray", vec![]),
                ],
            ),
            TriggerKind::Alert => Expr::call(
                "json",
                vec![Expr::call(
                    "coalesce",
                    vec![
                        Expr::call("triggerBody", vec![]).prop("Entities"),
                        Expr::str("[]"),
                    ],
                )],
            ),
            _ => {
                self.error(
                    Diagnostic::error(
                        codes::SPEC039.code,
                        "sentinel.get_entities needs an incident or an alert, but this playbook's trigger has neither",
                    )
                    .at(span)
                    .help("use `trigger: incident` (or `alert`); an entity-triggered playbook has its entity as `{{entity.*}}`"),
                );
                return None;
            }
        };
        let id = &s.id;
        let text_var = format!("{}_text", id.value);
        let items_var = format!("{}_items", id.value);
        let mut list_builders = Vec::new();
        for (var, kind) in [
            (&text_var, spec::VariableType::String),
            (&items_var, spec::VariableType::Array),
        ] {
            if self.variables.insert(var.clone(), kind).is_some() {
                self.error(
                    Diagnostic::error(
                        codes::SPEC043.code,
                        format!(
                            "variable `{var}` of step `{}` is already declared",
                            id.value
                        ),
                    )
                    .at(id.span.or(span))
                    .help("give the step another `id`, or rename the playbook variable"),
                );
                return None;
            }
            let init = self.action_name(None, &format!("Initialize_{var}"), id.span.or(span));
            if kind == spec::VariableType::Array {
                list_builders.push(init.clone());
            }
            let (type_name, value) = match kind {
                spec::VariableType::String => (wdl::VariableType::String, json!("")),
                _ => (wdl::VariableType::Array, json!([])),
            };
            self.step_variables.push((
                init,
                action(ActionKind::InitializeVariable {
                    inputs: wdl::InitializeVariableInputs {
                        variables: vec![wdl::VariableDeclaration {
                            name: var.clone(),
                            kind: type_name.into(),
                            value: Some(value),
                        }],
                    },
                }),
            ));
        }

        let scope_name = self.action_name(s.name.as_ref(), "Get_entities", span);
        let loop_name = self.action_name(None, "For_each_entity", span);
        let format_name = self.action_name(None, "Format_entity", span);
        let item = Expr::call("items", vec![Expr::str(&loop_name)]);
        let line = Template::Interpolated(vec![
            Part::Expr(item.clone().prop("kind")),
            Part::Text(": ".into()),
            Part::Expr(item.clone().prop("properties").prop("friendlyName")),
            Part::Expr(details(&item)),
        ]);
        let formatted = || {
            Template::Interpolated(vec![Part::Expr(Expr::call(
                "outputs",
                vec![Expr::str(&format_name)],
            ))])
        };
        let append_text = |value: String| {
            action(ActionKind::AppendToStringVariable {
                inputs: wdl::VariableInputs {
                    name: text_var.clone(),
                    value: Value::String(value),
                },
            })
        };
        let append_item = |value: Value| {
            action(ActionKind::AppendToArrayVariable {
                inputs: wdl::VariableInputs {
                    name: items_var.clone(),
                    value,
                },
            })
        };
        let line_text = |t: Template| {
            let mut parts = vec![Part::Text("- ".into())];
            match t {
                Template::Interpolated(p) => parts.extend(p),
                Template::Literal(l) => parts.push(Part::Text(l)),
                Template::Expr(e) => parts.push(Part::Expr(e)),
            }
            parts.push(Part::Text("\n".into()));
            Template::Interpolated(parts).to_wdl_string()
        };

        let text_name = self.action_name(None, "Append_entity_line", span);
        let item_name = self.action_name(None, "Append_entity_item", span);
        let mut body = IndexMap::new();
        super::chain(
            &mut body,
            format_name.clone(),
            action(ActionKind::Compose {
                inputs: Value::String(line.to_wdl_string()),
            }),
            None,
        );
        super::chain(
            &mut body,
            text_name.clone(),
            append_text(line_text(formatted())),
            Some(&format_name),
        );
        list_builders.push(item_name.clone());
        super::chain(
            &mut body,
            item_name,
            append_item(adf_list_item(formatted().to_wdl_string())),
            Some(&text_name),
        );
        let mut foreach = action(ActionKind::Foreach {
            foreach: Template::Expr(entities),
            actions: body,
        });
        // One at a time: appends keep the entities' order and never interleave.
        foreach.runtime_configuration = Some(wdl::RuntimeConfiguration {
            secure_data: None,
            concurrency: Some(wdl::Concurrency { repetitions: 1 }),
        });

        let none_name = self.action_name(None, "If_no_entities", span);
        let none_text = self.action_name(None, "Note_no_entities", span);
        let none_item = self.action_name(None, "Note_no_entities_item", span);
        let mut none = IndexMap::new();
        super::chain(
            &mut none,
            none_text.clone(),
            append_text(line_text(Template::Literal("No entities".into()))),
            None,
        );
        list_builders.push(none_item.clone());
        super::chain(
            &mut none,
            none_item,
            append_item(adf_list_item("No entities".into())),
            Some(&none_text),
        );
        // Tested on the text, which every playbook keeps (the items may be dropped).
        let text = Expr::call("variables", vec![Expr::str(&text_var)]);
        let condition = action(ActionKind::If {
            expression: json!({ "equals": [Template::Expr(text).to_wdl_string(), ""] }),
            actions: none,
            otherwise: None,
        });

        let mut actions = IndexMap::new();
        super::chain(&mut actions, loop_name.clone(), foreach, None);
        super::chain(&mut actions, none_name, condition, Some(&loop_name));
        self.entity_lists.push((items_var.clone(), list_builders));
        self.register(
            Some(id),
            &scope_name,
            StepOutputs::Entities {
                text: text_var,
                items: items_var,
            },
            span,
        );
        Some((scope_name, action(ActionKind::Scope { actions })))
    }
}
