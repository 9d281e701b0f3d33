//! `jira.create_issue`: an Http POST to the Jira REST API, preceded by a Key Vault read of
//! the credential.
//!
//! Jira Cloud: `POST {site}/rest/api/3/issue`, `Authorization: Basic base64(email:token)`,
//! description in Atlassian Document Format (ADF). Jira Data Center: `POST
//! {base_url}/rest/api/2/issue`, `Authorization: Bearer <PAT>`, description as plain text.
//! The token comes from a Key Vault "Get secret" action over the managed-identity `keyvault`
//! connection; both that action (outputs: the secret) and the Http action (inputs: the
//! header) are `secureData`, so the credential never shows in run history.

use indexmap::IndexMap;
use serde_json::{Value, json};
use soarc_lang::wdl::HttpMethod;

use super::steps::{action, api_call};
use super::{PlaybookCompiler, StepOutputs};
use crate::codes;
use crate::model::text::{self, Piece};
use crate::spec::{self, Bullets, Connection, DescriptionBlock, IssueType, Located};
use soarc_lang::diagnostics::{Diagnostic, Span};
use soarc_lang::wdl::{self, Action, ActionKind, Expr, Part, Template};

/// Which Jira the connection points at.
#[derive(Clone, Copy)]
pub(super) enum Jira<'c> {
    Cloud(&'c spec::JiraCloudConnection),
    DataCenter(&'c spec::JiraDataCenterConnection),
}

impl Jira<'_> {
    fn base(&self) -> &str {
        match self {
            Jira::Cloud(c) => c.site.value.trim_end_matches('/'),
            Jira::DataCenter(c) => c.base_url.value.trim_end_matches('/'),
        }
    }

    fn secret(&self) -> &Located<spec::Secret> {
        match self {
            Jira::Cloud(c) => &c.api_token,
            Jira::DataCenter(c) => &c.personal_access_token,
        }
    }
}

/// Fields the step writes itself; `custom` may not set them again.
const STANDARD_FIELDS: &[&str] = &[
    "project",
    "issuetype",
    "summary",
    "description",
    "priority",
    "labels",
    "assignee",
    "components",
];

/// Jira project keys: an upper-case letter, then upper-case letters, digits or `_`.
fn valid_project_key(key: &str) -> bool {
    let mut chars = key.chars();
    key.len() >= 2
        && chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// A template's parts (a lone expression stringifies in interpolation).
fn parts(template: Template) -> Vec<Part> {
    match template {
        Template::Literal(text) => vec![Part::Text(text)],
        Template::Expr(e) => vec![Part::Expr(e)],
        Template::Interpolated(parts) => parts,
    }
}

/// `string(coalesce(e, ''))`: an expression's text, empty for null.
fn text_of(e: Expr) -> Expr {
    Expr::call(
        "string",
        vec![Expr::call("coalesce", vec![e, Expr::str("")])],
    )
}

/// An ADF text node's `text` for one line of parts. ADF rejects empty text nodes, so a line
/// made only of references shows `-` when they are all empty at run time.
fn adf_text(line: Vec<Part>) -> String {
    let literal = line
        .iter()
        .any(|p| matches!(p, Part::Text(t) if !t.is_empty()));
    if literal {
        return Template::Interpolated(line).to_wdl_string();
    }
    let exprs: Vec<Expr> = line
        .into_iter()
        .filter_map(|p| match p {
            Part::Expr(e) => Some(text_of(e)),
            Part::Text(_) => None,
        })
        .collect();
    let joined = if exprs.len() == 1 {
        exprs.into_iter().next().expect("one expression")
    } else {
        Expr::call("concat", exprs)
    };
    let guarded = Expr::call(
        "if",
        vec![
            Expr::call("empty", vec![joined.clone()]),
            Expr::str("-"),
            joined,
        ],
    );
    Template::Interpolated(vec![Part::Expr(guarded)]).to_wdl_string()
}

/// ADF inline nodes for text: `\n` becomes a `hardBreak`.
fn adf_inline(parts: Vec<Part>) -> Vec<Value> {
    let mut lines: Vec<Vec<Part>> = vec![Vec::new()];
    for part in parts {
        match part {
            Part::Text(text) => {
                let mut pieces = text.split('\n');
                if let Some(first) = pieces.next() {
                    lines
                        .last_mut()
                        .expect("a line")
                        .push(Part::Text(first.into()));
                }
                for piece in pieces {
                    lines.push(vec![Part::Text(piece.into())]);
                }
            }
            expr => lines.last_mut().expect("a line").push(expr),
        }
    }
    let mut nodes = Vec::new();
    for (i, line) in lines.into_iter().enumerate() {
        if i > 0 {
            nodes.push(json!({ "type": "hardBreak" }));
        }
        let empty = line
            .iter()
            .all(|p| matches!(p, Part::Text(t) if t.is_empty()));
        if !empty {
            nodes.push(json!({ "type": "text", "text": adf_text(line) }));
        }
    }
    nodes
}

impl<'a> PlaybookCompiler<'a> {
    pub(super) fn jira_create_issue(
        &mut self,
        s: &spec::JiraCreateIssue,
        span: Span,
    ) -> Option<(String, Action)> {
        let connection = self
            .find_connection(
                &s.connection,
                s.connection.span.or(span),
                &["jira-cloud", "jira-data-center"],
            )
            .flatten();
        let jira = connection.and_then(|c| match &c.value {
            Connection::JiraCloud(cloud) => Some(Jira::Cloud(cloud)),
            Connection::JiraDataCenter(dc) => Some(Jira::DataCenter(dc)),
            _ => None,
        });
        let name = self.action_name(s.name.as_ref(), "Create_Jira_issue", span);

        let mut fields = serde_json::Map::new();
        let project = &s.project;
        let project_span = project.span.or(span);
        if !project.value.contains("{{") && !valid_project_key(&project.value) {
            let suggestion: String = project
                .value
                .to_ascii_uppercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            let help = if valid_project_key(&suggestion) {
                format!(
                    "Jira project keys are an upper-case letter followed by upper-case letters, digits or `_`: did you mean `{suggestion}`?"
                )
            } else {
                "Jira project keys are an upper-case letter followed by upper-case letters, digits or `_`, e.g. `SEC`".into()
            };
            self.error(
                Diagnostic::error(
                    codes::SPEC080.code,
                    format!("`{}` is not a Jira project key", project.value),
                )
                .at(project_span.with_len(project.value.chars().count()))
                .help(help),
            );
        }
        // A per-environment project: every environment's key is checked here, so JQL and
        // labels built from it need no quoting (Atlassian, "Project keys": an upper-case
        // letter, then upper-case letters, digits or `_`:
        // https://support.atlassian.com/jira-cloud-administration/docs/edit-a-projects-details/).
        if let Some(name) = crate::env_values::reference(&project.value) {
            for (environment, deployment) in self.model.spec.deployments() {
                if let Some(value) = crate::env_values::value(deployment, name)
                    && let crate::spec::EnvValue::Text(key) = &value.value
                    && !valid_project_key(key)
                {
                    self.error(
                        Diagnostic::error(
                            codes::SPEC136.code,
                            format!(
                                "{}: value `{name}` `{}` is not a Jira project key, but it is the project of `jira.create_issue`",
                                environment.map_or("`deployment:`".to_string(), |e| format!("environment `{e}`")),
                                key.escape_debug()
                            ),
                        )
                        .at(value.span)
                        .help("Jira project keys are an upper-case letter followed by upper-case letters, digits or `_`, e.g. `SEC`"),
                    );
                }
            }
        }
        let key = self.string_text(&project.value, project_span);
        fields.insert("project".into(), json!({ "key": key.to_wdl_string() }));
        let issue_type_span = s.issue_type.span.or(span);
        let issue_type = match &s.issue_type.value {
            IssueType::Name(type_name) => json!({
                "name": self.string_text(type_name, issue_type_span).to_wdl_string()
            }),
            IssueType::Id { id } => json!({
                "id": self.string_text(id, issue_type_span).to_wdl_string()
            }),
        };
        fields.insert("issuetype".into(), issue_type);
        let summary = self.string_text(&s.summary, s.summary.span.or(span));
        fields.insert("summary".into(), Value::String(summary.to_wdl_string()));
        if !s.description.is_empty() {
            let description = match jira {
                Some(Jira::DataCenter(_)) => Value::String(self.plain_description(s, span)),
                _ => self.adf_description(s, span),
            };
            fields.insert("description".into(), description);
        }
        if let Some(priority) = &s.priority {
            let value = self.field_value(priority, span);
            fields.insert("priority".into(), json!({ "name": value }));
        }
        if !s.labels.is_empty() {
            let mut labels = Vec::new();
            for label in &s.labels {
                let at = label.span.or(span);
                let has_space = text::parse(&label.value).is_ok_and(|pieces| {
                    pieces
                        .iter()
                        .any(|p| matches!(p, Piece::Text(t) if t.chars().any(char::is_whitespace)))
                });
                if has_space || label.value.is_empty() {
                    self.error(
                        Diagnostic::error(
                            codes::SPEC081.code,
                            format!("Jira label `{}` is empty or contains spaces", label.value),
                        )
                        .at(at.with_len(label.value.chars().count()))
                        .help(format!(
                            "Jira rejects labels with spaces; write e.g. `{}`",
                            label.value.trim().replace(char::is_whitespace, "-")
                        )),
                    );
                }
                labels.push(Value::String(
                    self.string_text(&label.value, at).to_wdl_string(),
                ));
            }
            fields.insert("labels".into(), Value::Array(labels));
        }
        if let Some(assignee) = &s.assignee {
            let value = self
                .string_text(&assignee.value, assignee.span.or(span))
                .to_wdl_string();
            let assignee = match jira {
                Some(Jira::DataCenter(_)) => json!({ "name": value }),
                _ => json!({ "accountId": value }),
            };
            fields.insert("assignee".into(), assignee);
        }
        if !s.components.is_empty() {
            let components: Vec<Value> = s
                .components
                .iter()
                .map(|c| {
                    json!({ "name": self.string_text(&c.value, c.span.or(span)).to_wdl_string() })
                })
                .collect();
            fields.insert("components".into(), Value::Array(components));
        }
        for (field, value) in &s.custom {
            let at = field.span.or(span);
            if STANDARD_FIELDS.contains(&field.value.as_str()) || fields.contains_key(&field.value)
            {
                self.error(
                    Diagnostic::error(
                        codes::SPEC038.code,
                        format!("field `{}` is set twice", field.value),
                    )
                    .at(at.with_len(field.value.chars().count()))
                    .help("set standard fields (project, issue_type, summary, description, priority, labels, assignee, components) directly, not under `custom`"),
                );
                continue;
            }
            // Text in the spec is text in the request: a lone `"{{incident.number}}"` is sent
            // as the string "42", not the number 42, which a text custom field rejects
            // (Jira REST API, create issue: a text field takes a string). Numbers and
            // booleans written as such stay what they are.
            let value = self.json_strings(value, value.span.or(at));
            fields.insert(field.value.clone(), value);
        }

        let browse = match jira {
            Some(j) => {
                let mut parts: Vec<Expr> = self
                    .jira_base(j)
                    .into_iter()
                    .map(|part| match part {
                        Part::Text(text) => Expr::str(text),
                        Part::Expr(e) => e,
                    })
                    .collect();
                // A literal base and the path in one string, as before per-environment
                // values.
                match parts.as_mut_slice() {
                    [Expr::Str(base)] => base.push_str("/browse/"),
                    _ => parts.push(Expr::str("/browse/")),
                }
                parts
            }
            None => vec![Expr::str("")],
        };
        self.register(
            s.id.as_ref(),
            &name,
            StepOutputs::JiraIssue { browse },
            span,
        );
        let jira = jira?;

        let authorization = self.jira_authorization(jira, &s.connection.value, &name, span);
        let api = match jira {
            Jira::Cloud(_) => "3",
            Jira::DataCenter(_) => "2",
        };
        let uri = self.jira_url(jira, &format!("/rest/api/{api}/issue"));
        let mut http = action(ActionKind::Http {
            inputs: wdl::HttpInputs {
                method: wdl::HttpMethod::Post.into(),
                uri,
                headers: IndexMap::from([
                    ("Accept".to_string(), "application/json".to_string()),
                    ("Content-Type".to_string(), "application/json".to_string()),
                    ("Authorization".to_string(), authorization),
                ]),
                queries: IndexMap::new(),
                body: Some(json!({ "fields": fields })),
                authentication: None,
                retry_policy: None,
            },
        });
        // Inputs carry the Authorization header; outputs (key, id) stay visible for support.
        http.runtime_configuration = Some(secure(&["inputs"]));
        Some((name, http))
    }

    /// The Jira connection `connection` names, or `None` (with an error).
    pub(super) fn jira_connection(
        &mut self,
        connection: &Located<String>,
        span: Span,
    ) -> Option<Jira<'a>> {
        let declared = self
            .find_connection(
                connection,
                connection.span.or(span),
                &["jira-cloud", "jira-data-center"],
            )
            .flatten()?;
        match &declared.value {
            Connection::JiraCloud(cloud) => Some(Jira::Cloud(cloud)),
            Connection::JiraDataCenter(dc) => Some(Jira::DataCenter(dc)),
            _ => None,
        }
    }

    /// The Jira base URL as parts of a WDL string: the spec's URL, or for `{{env.NAME}}`
    /// the workflow's parameter (every environment's value an https URL that needs no
    /// encoding, SPEC136).
    pub(super) fn jira_base(&mut self, jira: Jira<'_>) -> Vec<Part> {
        match crate::env_values::reference(jira.base()) {
            Some(name) => {
                self.env_values.insert(name.to_string());
                vec![Part::Expr(Expr::call(
                    "parameters",
                    vec![Expr::str(crate::env_values::parameter(name))],
                ))]
            }
            None => vec![Part::Text(jira.base().to_string())],
        }
    }

    /// `{base}{path}` as the parts of a WDL string (one text when the base is the spec's
    /// URL).
    pub(super) fn jira_prefix(&mut self, jira: Jira<'_>, path: &str) -> Vec<Part> {
        let mut parts = self.jira_base(jira);
        match parts.as_mut_slice() {
            [Part::Text(base)] => base.push_str(path),
            _ => parts.push(Part::Text(path.to_string())),
        }
        parts
    }

    /// `{base}{path}` (a literal when the base is the spec's URL).
    pub(super) fn jira_url(&mut self, jira: Jira<'_>, path: &str) -> Template {
        let parts = self.jira_prefix(jira, path);
        match parts.as_slice() {
            [Part::Text(url)] => Template::Literal(url.clone()),
            _ => Template::Interpolated(parts),
        }
    }

    /// The first deployment target whose subscription is not `subscription` (every
    /// environment's is checked: the workflow is the same in all), named for a message; a
    /// spec without a target has no subscription to match.
    pub(super) fn other_subscription(&self, subscription: &str) -> Option<String> {
        let deployments = self.model.spec.deployments();
        if deployments.is_empty() {
            return Some("the playbook's (the spec has no `deployment.subscription_id`)".into());
        }
        deployments.into_iter().find_map(|(name, d)| {
            (d.subscription_id.as_ref().map(|s| s.value.as_str()) != Some(subscription)).then(
                || match name {
                    Some(name) => format!("environment `{name}`'s"),
                    None => "the playbook's".into(),
                },
            )
        })
    }

    /// The `Authorization` header value for a call to `jira`: the credential is read from
    /// Key Vault by an action queued right before the step (`secureData` in and out).
    pub(super) fn jira_authorization(
        &mut self,
        jira: Jira<'a>,
        connection: &str,
        for_action: &str,
        span: Span,
    ) -> String {
        let secret = jira.secret();
        if let Some(subscription) = &secret.key_vault.subscription_id
            && let Some(target) = self.other_subscription(&subscription.value)
        {
            self.error(
                Diagnostic::error(
                    codes::SPEC083.code,
                    format!(
                        "Key Vault `{}` of connection `{connection}` is in another subscription than {target}",
                        secret.key_vault.vault.value
                    ),
                )
                .at(subscription.span.or(secret.span))
                .help("the playbook reads Jira credentials at run time from a vault in its own subscription (its identity gets Key Vault Secrets User there); move or copy the secret, or remove `subscription_id`"),
            );
        }
        let vault = self.use_key_vault(&secret.key_vault);
        let read = self.action_name(None, &format!("Get_token_for_{for_action}"), span);
        let path = Template::Interpolated(vec![
            Part::Text("/secrets/".into()),
            Part::Expr(Expr::call(
                "encodeURIComponent",
                vec![Expr::str(&secret.key_vault.secret.value)],
            )),
            Part::Text("/value".into()),
        ]);
        let mut get_secret = api_call(&vault, HttpMethod::Get, path, None, None);
        get_secret.runtime_configuration = Some(secure(&["inputs", "outputs"]));
        self.before.push((read.clone(), get_secret));

        let token = Expr::call("body", vec![Expr::str(&read)]).prop("value");
        let authorization = match jira {
            Jira::Cloud(cloud) => Template::Interpolated(vec![
                Part::Text("Basic ".into()),
                Part::Expr(Expr::call(
                    "base64",
                    vec![Expr::call(
                        "concat",
                        match crate::env_values::reference(&cloud.email) {
                            // Every environment's value one e-mail address (SPEC136).
                            Some(name) => {
                                self.env_values.insert(name.to_string());
                                vec![
                                    Expr::call(
                                        "parameters",
                                        vec![Expr::str(crate::env_values::parameter(name))],
                                    ),
                                    Expr::str(":"),
                                    token,
                                ]
                            }
                            None => vec![Expr::str(format!("{}:", cloud.email.value)), token],
                        },
                    )],
                )),
            ]),
            Jira::DataCenter(_) => {
                Template::Interpolated(vec![Part::Text("Bearer ".into()), Part::Expr(token)])
            }
        };
        authorization.to_wdl_string()
    }

    /// The description as an ADF document.
    fn adf_description(&mut self, s: &spec::JiraCreateIssue, span: Span) -> Value {
        let mut content = Vec::new();
        for block in &s.description {
            let at = block.span.or(span);
            match &block.value {
                DescriptionBlock::Paragraph(t) => {
                    if let Some(parts) = self.block_text(t, "paragraph", at) {
                        content.push(json!({ "type": "paragraph", "content": adf_inline(parts) }));
                    }
                }
                DescriptionBlock::Heading(t) => {
                    if let Some(parts) = self.block_text(t, "heading", at) {
                        content.push(json!({
                            "type": "heading",
                            "attrs": { "level": 3 },
                            "content": adf_inline(parts),
                        }));
                    }
                }
                DescriptionBlock::Bullets(Bullets::Items(items)) => {
                    if items.is_empty() {
                        self.error(empty_bullets(at));
                        continue;
                    }
                    let mut list = Vec::new();
                    for item in items {
                        if let Some(parts) = self.block_text(item, "bullet", item.span.or(at)) {
                            list.push(json!({
                                "type": "listItem",
                                "content": [{ "type": "paragraph", "content": adf_inline(parts) }],
                            }));
                        }
                    }
                    content.push(json!({ "type": "bulletList", "content": list }));
                }
                DescriptionBlock::Bullets(Bullets::From(reference)) => {
                    if let Some((_, items)) = self.entity_list(reference, at) {
                        self.lists_used.insert(items.clone());
                        let items = Expr::call("variables", vec![Expr::str(items)]);
                        content.push(json!({
                            "type": "bulletList",
                            "content": Template::Expr(items).to_wdl_string(),
                        }));
                    }
                }
                DescriptionBlock::Link(link) => {
                    if let Some((text, url)) = self.link(link, at) {
                        let text = text.to_wdl_string();
                        content.push(json!({
                            "type": "paragraph",
                            "content": [{
                                "type": "text",
                                "text": text,
                                "marks": [{ "type": "link", "attrs": { "href": url.to_wdl_string() } }],
                            }],
                        }));
                    }
                }
            }
        }
        json!({ "type": "doc", "version": 1, "content": content })
    }

    /// The description as plain text (Data Center): blocks separated by blank lines,
    /// bullets as `- item` lines, links as `text: url`.
    fn plain_description(&mut self, s: &spec::JiraCreateIssue, span: Span) -> String {
        let mut out: Vec<Part> = Vec::new();
        for (i, block) in s.description.iter().enumerate() {
            let at = block.span.or(span);
            if i > 0 {
                out.push(Part::Text("\n\n".into()));
            }
            match &block.value {
                DescriptionBlock::Paragraph(t) => {
                    out.extend(self.block_text(t, "paragraph", at).unwrap_or_default());
                }
                DescriptionBlock::Heading(t) => {
                    out.extend(self.block_text(t, "heading", at).unwrap_or_default());
                }
                DescriptionBlock::Bullets(Bullets::Items(items)) => {
                    if items.is_empty() {
                        self.error(empty_bullets(at));
                    }
                    for (n, item) in items.iter().enumerate() {
                        if n > 0 {
                            out.push(Part::Text("\n".into()));
                        }
                        out.push(Part::Text("- ".into()));
                        out.extend(
                            self.block_text(item, "bullet", item.span.or(at))
                                .unwrap_or_default(),
                        );
                    }
                }
                DescriptionBlock::Bullets(Bullets::From(reference)) => {
                    if let Some((text, _)) = self.entity_list(reference, at) {
                        out.push(Part::Expr(Expr::call("variables", vec![Expr::str(text)])));
                    }
                }
                DescriptionBlock::Link(link) => {
                    if let Some((text, url)) = self.link(link, at) {
                        out.extend(parts(text));
                        out.push(Part::Text(": ".into()));
                        out.extend(parts(url));
                    }
                }
            }
        }
        Template::Interpolated(out).to_wdl_string()
    }

    /// A block's text as template parts; empty text is an error (ADF has no empty nodes).
    fn block_text(&mut self, t: &Located<String>, what: &str, span: Span) -> Option<Vec<Part>> {
        let at = t.span.or(span);
        if t.value.trim().is_empty() {
            self.error(
                Diagnostic::error(
                    codes::SPEC082.code,
                    format!("empty {what} in a Jira description"),
                )
                .at(at)
                .help("write the text, or remove the block"),
            );
            return None;
        }
        Some(parts(self.string_text(&t.value, at)))
    }

    fn link(&mut self, link: &spec::Link, span: Span) -> Option<(Template, Template)> {
        let text = self.block_text(&link.text, "link text", link.text.span.or(span))?;
        let url_span = link.url.span.or(span);
        let url = link.url.value.trim();
        if !(url.starts_with("https://") || url.starts_with("http://") || url.starts_with("{{")) {
            self.error(
                Diagnostic::error(
                    codes::SPEC082.code,
                    format!("link URL `{}` is not a URL or a reference", link.url.value),
                )
                .at(url_span.with_len(link.url.value.chars().count()))
                .help("write an https:// URL or a reference such as `{{incident.url}}`"),
            );
            return None;
        }
        let url = self.string_text(&link.url.value, url_span);
        Some((Template::Interpolated(text).normalize(), url))
    }

    /// `"{{id.list}}"` of a `sentinel.get_entities` step: its text and items variables.
    fn entity_list(&mut self, reference: &Located<String>, span: Span) -> Option<(String, String)> {
        let at = reference.span.or(span);
        let pieces = text::parse(reference.value.trim()).ok();
        let entities: Vec<String> = self
            .steps
            .iter()
            .filter(|(_, info)| matches!(info.kind, StepOutputs::Entities { .. }))
            .map(|(id, _)| format!("`bullets: \"{{{{{id}.list}}}}\"`"))
            .collect();
        if let Some([Piece::Ref { path, .. }]) = pieces.as_deref()
            && let [id, field] = path.as_slice()
            && field == "list"
            && let Some(StepOutputs::Entities { text, items }) =
                self.steps.get(id).map(|info| info.kind.clone())
        {
            return Some((text, items));
        }
        let help = if entities.is_empty() {
            "write the items as a list (`bullets: [first, second]`), or add a `sentinel.get_entities` step before this one and use `bullets: \"{{<its id>.list}}\"`".to_string()
        } else {
            format!(
                "write the items as a list (`bullets: [first, second]`), or {}",
                entities.join(" or ")
            )
        };
        self.error(
            Diagnostic::error(
                codes::SPEC082.code,
                format!(
                    "bullets `{}` is neither a list of items nor the list of a `sentinel.get_entities` step",
                    reference.value
                ),
            )
            .at(at.with_len(reference.value.chars().count()))
            .help(help),
        );
        None
    }
}

fn empty_bullets(at: Span) -> Diagnostic {
    Diagnostic::error(
        codes::SPEC082.code,
        "empty bullet list in a Jira description",
    )
    .at(at)
    .help("add items (`bullets: [first, second]`) or remove the block")
}

pub(super) fn secure(properties: &[&str]) -> wdl::RuntimeConfiguration {
    wdl::RuntimeConfiguration {
        secure_data: Some(wdl::SecureData {
            properties: properties.iter().map(|p| p.to_string()).collect(),
        }),
        concurrency: None,
    }
}
