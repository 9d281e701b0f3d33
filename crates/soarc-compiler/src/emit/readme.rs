//! `OUT/playbooks/<name>/README.md`: a page per generated playbook, what Microsoft's Sentinel
//! playbooks ship as hand-written readmes: what it does (the spec's `description`), its
//! trigger, the automation rules that run it, its connections and what must be authorised
//! after deployment, the roles its identity gets, its parameters, and its flowchart.
//!
//! Everything on the page is read from the typed values the other emitters produce (the
//! compiled playbook, its ARM template and parameters file), so the page cannot say something
//! the deployment does not do. The flowchart is the one `soarc graph` draws for the generated
//! `workflow.json` ([`soarc_review::graph::definition_graph`], printed by
//! [`soarc_review::render::mermaid`], which escapes every label for Mermaid).
//!
//! Spec text lands in Markdown: names and values go through [`code`] (a code span whose fence
//! is longer than any backtick run in the text) or [`cell`] (table cells: `|` and line breaks
//! encoded); the description is the author's own Markdown and is written as prose.

use serde::Serialize;

use crate::compile::{CompiledPlaybook, ConnectionKind, TriggerKind};
use crate::emit::arm::playbook::PlaybookDeployment;
use crate::spec::automation::{PlaybookTarget, RuleAction, RuleTarget, RuleWhen};
use crate::spec::{self, AutomationRule, Trigger};
use soarc_lang::arm::expr::ArmString;
use soarc_lang::arm::{ParameterType, ParameterValue};

/// The spec facts of one playbook the compiled playbook does not carry: its trigger as
/// written and the automation rules that run it (in spec order).
pub struct Facts<'a> {
    pub trigger: &'a Trigger,
    pub rules: Vec<&'a AutomationRule>,
}

/// The spec facts of every playbook, by name: one pass over the playbooks and one over the
/// rules' actions.
pub fn facts(spec: &spec::Spec) -> std::collections::HashMap<&str, Facts<'_>> {
    let mut facts: std::collections::HashMap<&str, Facts<'_>> = spec
        .playbooks
        .iter()
        .map(|p| {
            (
                p.value.name.value.as_str(),
                Facts {
                    trigger: &p.value.trigger.value,
                    rules: Vec::new(),
                },
            )
        })
        .collect();
    for rule in &spec.automation_rules {
        let mut seen = std::collections::HashSet::new();
        for action in &rule.value.actions {
            if let RuleAction::RunPlaybook(target) = &action.value
                && let PlaybookTarget::Spec(name) = &target.value
                && seen.insert(name.as_str())
                && let Some(f) = facts.get_mut(name.as_str())
            {
                f.rules.push(&rule.value);
            }
        }
    }
    facts
}

/// What the layout fills in, borrowed where the playbook has it already: handlebars turns
/// it into its JSON context once. Table rows and list items are printed here ([`Lines`]),
/// the headings, prose and table heads are the layout's.
#[derive(Serialize)]
struct Page<'a> {
    title: &'a str,
    description: &'a str,
    trigger: String,
    trigger_note: Option<String>,
    rules: Lines,
    no_rules: Option<String>,
    connections: Lines,
    authorise: Lines,
    roles: Lines,
    parameters: Lines,
    /// The parameters file the values come from (the first environment's, with
    /// `environments:`).
    parameters_file: &'a str,
    prerequisites: Lines,
    post_deployment: Lines,
    graph: String,
}

/// Markdown lines: table rows or list items, one a line, without a line break after the
/// last (the layout writes it). Empty when there are none, which the layout's `{{#if}}`
/// reads as false. Every text placed in a line is already encoded for where it lands
/// ([`cell`], [`code`]).
#[derive(Default, Serialize)]
#[serde(transparent)]
struct Lines(String);

impl Lines {
    fn line(&mut self) -> &mut String {
        if self.0.is_empty() {
            self.0.reserve(256);
        } else {
            self.0.push('\n');
        }
        &mut self.0
    }

    /// `| a | b |`
    fn row(&mut self, cells: &[&str]) {
        let out = self.line();
        out.push('|');
        for cell in cells {
            out.push(' ');
            out.push_str(cell);
            out.push_str(" |");
        }
    }

    /// `- text`
    fn item(&mut self, text: &str) {
        let out = self.line();
        out.push_str("- ");
        out.push_str(text);
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The page of one playbook.
pub fn page(
    playbook: &CompiledPlaybook,
    deployment: &PlaybookDeployment,
    facts: Option<&Facts<'_>>,
    parameters_file: &str,
) -> String {
    let metadata = deployment.template.metadata.as_ref();
    let (trigger, trigger_note) = trigger(playbook.trigger, facts.map(|f| f.trigger));
    let mut rules = Lines::default();
    for rule in facts.into_iter().flat_map(|f| &f.rules) {
        rule_row(&mut rules, rule);
    }
    let no_rules = match (playbook.trigger, rules.is_empty()) {
        (TriggerKind::Incident | TriggerKind::Alert, true) => Some(
            "No automation rule of the spec runs this playbook. Run it by hand from an incident or alert, \
             or add an `automation_rules:` entry with `actions: [ { run_playbook: NAME } ]`."
                .replace("NAME", &playbook.name),
        ),
        _ => None,
    };
    let mut connections = Lines::default();
    let mut authorise = Lines::default();
    let mut roles = Lines::default();
    if playbook.uses_sentinel() {
        // Learn, "Supported triggers and actions in Microsoft Sentinel playbooks",
        // Prerequisites: updating incidents and adding comments needs Microsoft Sentinel
        // Responder (https://learn.microsoft.com/azure/sentinel/automation/playbook-triggers-actions).
        roles.row(&[
            "Microsoft Sentinel Responder",
            "the Sentinel workspace (parameter `WorkspaceName`)",
            "reads and updates incidents, adds comments",
        ]);
    }
    for connection in &playbook.connections {
        let (authentication, after) = authentication(&connection.kind);
        let name = code(&connection.spec_name);
        let api = code(connection.kind.api());
        connections.row(&[&name, &api, &cell(&authentication)]);
        if let Some(after) = after {
            authorise.item(&format!("{name} ({api}): {after}"));
        }
        if let ConnectionKind::KeyVault(kv) = &connection.kind {
            // Learn, "Provide access to Key Vault keys, certificates, and secrets with Azure
            // role-based access control": Key Vault Secrets User reads secret contents.
            roles.row(&[
                "Key Vault Secrets User",
                &format!("Key Vault {}", code(&kv.vault.value)),
                "reads the connection secrets at run time",
            ]);
        }
    }
    let mut parameters = Lines::default();
    for (name, parameter) in &deployment.template.parameters {
        let value = match deployment.parameters.parameters.get(name) {
            Some(ParameterValue::KeyVault { reference }) => format!(
                "Key Vault secret {} (read at deployment)",
                code(&reference.secret_name)
            ),
            Some(ParameterValue::Value { value }) => code(&json_text(value)),
            None => match &parameter.default_value {
                Some(default) => format!("default {}", code(&arm_text(default))),
                None => "**required**: pass it at deployment".to_string(),
            },
        };
        parameters.row(&[
            &code(name),
            parameter_type(parameter.kind),
            &cell(&value),
            &cell(&literal(&parameter.metadata.description)),
        ]);
    }
    let mut prerequisites = Lines::default();
    let mut post_deployment = Lines::default();
    if let Some(metadata) = metadata {
        for p in &metadata.prerequisites {
            prerequisites.item(&literal(p));
        }
        for p in &metadata.post_deployment {
            post_deployment.item(&literal(p));
        }
    }
    let graph = soarc_review::render::mermaid(&soarc_review::graph::definition_graph(
        &playbook.name,
        &playbook.definition,
    ));
    let page = Page {
        title: &playbook.name,
        description: playbook.description.as_deref().unwrap_or(
            "The spec gives this playbook no `description:`; add one to say here what it does.",
        ),
        trigger,
        trigger_note,
        rules,
        no_rules,
        connections,
        authorise,
        roles,
        parameters,
        parameters_file,
        prerequisites,
        post_deployment,
        graph,
    };
    super::docs::render(
        "playbook-readme",
        include_str!("../../../../templates/playbook.README.md.hbs"),
        &page,
    )
}

/// The trigger in words, and what it means for running the playbook.
fn trigger(kind: TriggerKind, written: Option<&Trigger>) -> (String, Option<String>) {
    // Learn, "Automate and run Microsoft Sentinel playbooks": incident and alert playbooks
    // run from automation rules (or by hand); entity playbooks run by hand on an entity
    // (https://learn.microsoft.com/azure/sentinel/automation/run-playbooks).
    match (kind, written) {
        (TriggerKind::Incident, _) => (
            "Microsoft Sentinel incident (`trigger: incident`).".into(),
            Some("Sentinel runs it from an automation rule, or an analyst runs it on an incident (Run playbook).".into()),
        ),
        (TriggerKind::Alert, _) => (
            "Microsoft Sentinel alert (`trigger: alert`).".into(),
            Some("Sentinel runs it from an automation rule on alerts, or an analyst runs it on an alert.".into()),
        ),
        (TriggerKind::Entity, Some(Trigger::Entity { kind })) => (
            format!("Microsoft Sentinel entity: {}.", code(kind.trigger_name())),
            Some("An analyst runs it on an entity of that type from an incident (Run playbook); automation rules cannot run it.".into()),
        ),
        (TriggerKind::Entity, _) => ("Microsoft Sentinel entity.".into(), None),
        (
            TriggerKind::Recurrence,
            Some(Trigger::Recurrence {
                frequency,
                interval,
                single_instance,
            }),
        ) => (
            format!(
                "Recurrence: every {interval} {}{}.",
                format!("{frequency:?}").to_lowercase(),
                if *interval == 1 { "" } else { "s" }
            ),
            single_instance.then(|| {
                "One run at a time: a run that falls due while the previous one still runs waits for it.".into()
            }),
        ),
        (TriggerKind::Recurrence, _) => ("Recurrence.".into(), None),
        (TriggerKind::HttpRequest, _) => (
            "HTTP request to the Logic App's callback URL.".into(),
            // Learn, "Receive and respond to inbound HTTPS calls": the URL, with its SAS key,
            // exists once the workflow is saved (https://learn.microsoft.com/azure/connectors/connectors-native-reqres).
            Some("The callback URL (with its SAS signature) exists after deployment: read it from the trigger's History or with `az rest` on `listCallbackUrl`, and keep it secret.".into()),
        ),
        (TriggerKind::Verbatim, written) => {
            let kind = match written {
                Some(Trigger::Verbatim(trigger)) => trigger
                    .get("type")
                    .and_then(|t| t.as_str())
                    .map_or_else(|| "written as is".to_owned(), |t| format!("{} (written as is)", code(t))),
                _ => "written as is".to_owned(),
            };
            (format!("A trigger of type {kind}, kept verbatim from an imported playbook."), None)
        }
    }
}

/// The rule's row: name, order, what it fires on, whether it is enabled.
fn rule_row(rows: &mut Lines, rule: &AutomationRule) {
    let on = match rule.on.as_ref().map(|o| o.value) {
        Some(RuleTarget::Alerts) => "alerts",
        Some(RuleTarget::Incidents) | None => "incidents",
    };
    let when = match rule.when.value {
        RuleWhen::Created => "created",
        RuleWhen::Updated => "updated",
    };
    let conditions = if rule.conditions.is_some() {
        " that match its conditions"
    } else {
        ""
    };
    rows.row(&[
        &code(&rule.name.value),
        &rule.order.value.to_string(),
        &format!("{on} {when}{conditions}"),
        if rule.enabled == Some(false) {
            "no"
        } else {
            "yes"
        },
    ]);
}

/// A spec text as code, or for `{{env.NAME}}` the words for each environment's value.
fn env_or_code(text: &str) -> String {
    match crate::env_values::reference(text) {
        Some(_) => crate::env_values::describe(text),
        None => code(text.trim_end_matches('/')),
    }
}

/// How a connection authenticates, and what someone must do after deployment, if anything.
/// Every connection kind says so here: a new kind must decide.
fn authentication(kind: &ConnectionKind) -> (String, Option<String>) {
    match kind {
        // Learn, "Authenticate playbooks to Microsoft Sentinel": the managed identity of the
        // Logic App, with a role on the workspace.
        ConnectionKind::Sentinel => ("managed identity of the playbook".into(), None),
        ConnectionKind::ServiceNow(snow) => (
            format!(
                "basic: user {} on {}; the password comes from Key Vault at deployment",
                env_or_code(&snow.username.value),
                env_or_code(&snow.instance.value)
            ),
            None,
        ),
        ConnectionKind::KeyVault(kv) => (
            format!(
                "managed identity of the playbook (Key Vault {})",
                code(&kv.vault.value)
            ),
            None,
        ),
        // Learn, "Connect to Office 365 Outlook from Azure Logic Apps": the connection is
        // OAuth and is authorised by a signed-in user
        // (https://learn.microsoft.com/azure/connectors/connectors-create-api-office365-outlook).
        ConnectionKind::Office365 => (
            "OAuth, as the mailbox's user".into(),
            Some("open the API connection in the portal, Edit API connection, Authorize, sign in with the sending mailbox, Save.".into()),
        ),
        // Learn, "Authenticate access and connections with managed identities": connectors
        // on its list use the playbook's identity, which needs a role on the target; the
        // others are OAuth connections, deployed unauthorised, or take their parameters
        // (an API key from Key Vault) at deployment.
        ConnectionKind::Managed(managed) if managed.managed_identity => (
            format!(
                "managed identity of the playbook (API {}); grant it a role on what the connector reaches",
                code(&managed.connection.api.value)
            ),
            None,
        ),
        ConnectionKind::Managed(managed) if !managed.connection.parameters.is_empty() => (
            format!(
                "connection parameters (API {}), secret values read from Key Vault at deployment",
                code(&managed.connection.api.value)
            ),
            None,
        ),
        ConnectionKind::Managed(managed) => (
            format!("OAuth (API {})", code(&managed.connection.api.value)),
            Some("open the API connection in the portal, Edit API connection, Authorize, sign in with the account the playbook acts as, Save.".into()),
        ),
    }
}

fn parameter_type(kind: ParameterType) -> &'static str {
    match kind {
        ParameterType::String => "string",
        ParameterType::SecureString => "securestring",
        ParameterType::Int => "int",
        ParameterType::Bool => "bool",
        ParameterType::Object => "object",
        ParameterType::SecureObject => "secureobject",
        ParameterType::Array => "array",
    }
}

/// An ARM string value as a reader of the template sees it: a literal as ARM reads it, an
/// expression as written.
fn arm_text(value: &ArmString) -> String {
    match value {
        ArmString::Literal(s) => s.clone(),
        ArmString::Expr(_) => value.to_arm_string(),
    }
}

/// A template metadata string (written ARM-escaped: `[[...]` for a literal that looks like
/// an expression) as the text it stands for.
fn literal(s: &str) -> String {
    match ArmString::parse(s) {
        Ok(ArmString::Literal(text)) => text,
        _ => s.to_string(),
    }
}

fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `s` as a Markdown code span: the fence is one backtick longer than the longest backtick run
/// in `s`, and padded with spaces when `s` starts or ends with a backtick (CommonMark 0.31,
/// "Code spans", https://spec.commonmark.org/0.31.2/#code-spans). Line breaks become spaces.
pub fn code(s: &str) -> String {
    // Most names have no backtick and no line break: one allocation.
    if !s.contains(['`', '\r', '\n']) {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('`');
        out.push_str(s);
        out.push('`');
        return out;
    }
    let s = s.replace(['\r', '\n'], " ");
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    if s.starts_with('`') || s.ends_with('`') {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

/// Text in a Markdown table cell: a `|` would end the cell, even inside a code span (GitHub
/// Flavored Markdown, "Tables (extension)", https://github.github.com/gfm/#tables-extension-),
/// so it is written `\|`; a line break would end the row, so it becomes `<br>`.
pub fn cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace('\n', "<br>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("plain"), "`plain`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x``"), "``` `x`` ```");
        assert_eq!(code("two\nlines"), "`two lines`");
    }

    #[test]
    fn cells_keep_their_row() {
        assert_eq!(cell("a | b\nc"), "a \\| b<br>c");
        assert_eq!(cell(&code("x|y")), "`x\\|y`");
    }

    #[test]
    fn metadata_text_is_read_as_arm_reads_it() {
        assert_eq!(literal("[[not an expression]"), "[not an expression]");
        assert_eq!(literal("plain"), "plain");
    }
}
