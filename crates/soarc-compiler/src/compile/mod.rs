//! Spec playbooks to typed workflow definitions.
//!
//! One `PlaybookCompiler` per playbook walks the steps in order, resolves every
//! `{{...}}` reference to a WDL expression (trigger payload, step outputs, variables,
//! loop items, mappings), names the actions and chains them with `runAfter`.
//! Errors are collected with their spec position; nothing is emitted if any occurs.

mod connectors;
pub mod deployment;
mod encode;
mod entities;
mod failure;
mod jira;
mod literals;
mod refs;
pub mod retry;
mod steps;
mod sync_steps;

pub use sync_steps::{INCIDENTS_API_VERSION, JIRA_LABEL_PREFIX, WORKSPACE_ID_PARAMETER};

use std::collections::{HashMap, HashSet};

use indexmap::{IndexMap, IndexSet};
use serde_json::Value;

use crate::codes;
use crate::model::{Model, SENTINEL};
use crate::spec::{self, Connection, Frequency, Located, Playbook, Trigger};
use soarc_lang::diagnostics::{Diagnostic, Sources, Span};
use soarc_lang::wdl::{self, Expr, ParameterDecl, ParameterType, Part, Template};

/// The names (lowercase) of the actions nested in a verbatim action's JSON: `actions`, the
/// `else` branch, switch `cases` and `default`, at any depth.
fn verbatim_action_names(action: &serde_json::Map<String, Value>, names: &mut HashSet<String>) {
    let blocks = [
        action.get("actions"),
        action.get("else").and_then(|e| e.get("actions")),
        action.get("default").and_then(|d| d.get("actions")),
    ]
    .into_iter()
    .flatten()
    .chain(
        action
            .get("cases")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|cases| cases.values().filter_map(|c| c.get("actions"))),
    );
    for block in blocks {
        for (name, nested) in block.as_object().into_iter().flatten() {
            names.insert(name.to_ascii_lowercase());
            if let Some(nested) = nested.as_object() {
                verbatim_action_names(nested, names);
            }
        }
    }
}
/// A managed API connection a playbook uses.
#[derive(Debug, Clone)]
pub struct ConnectionUse {
    /// Key under `$connections`.
    pub key: String,
    /// Name in the spec (`sentinel` for the implicit one).
    pub spec_name: String,
    pub kind: ConnectionKind,
}

#[derive(Debug, Clone)]
pub enum ConnectionKind {
    /// `azuresentinel`, managed identity.
    Sentinel,
    /// `service-now`, basic authentication.
    ServiceNow(spec::ServiceNowConnection),
    /// `keyvault`, managed identity (`parameterValueType: Alternative`): reads the secrets
    /// of Jira connections at run time. The identity needs Key Vault Secrets User on it.
    KeyVault(spec::KeyVaultSecret),
    /// `office365` (Office 365 Outlook), OAuth: authorised in the portal after deployment.
    Office365,
    /// Any managed API (`kind: managed`), with the playbook's managed identity or OAuth.
    Managed(ManagedUse),
}

/// A `kind: managed` connection as a playbook uses it.
#[derive(Debug, Clone)]
pub struct ManagedUse {
    pub connection: spec::ManagedConnection,
    /// Authenticates with the playbook's system-assigned identity (else OAuth, authorised
    /// after deployment, or the connection's parameters).
    pub managed_identity: bool,
}

impl ConnectionKind {
    /// Managed API name under `Microsoft.Web/locations/{location}/managedApis/`.
    pub fn api(&self) -> &str {
        match self {
            ConnectionKind::Sentinel => "azuresentinel",
            ConnectionKind::ServiceNow(_) => "service-now",
            ConnectionKind::KeyVault(_) => "keyvault",
            ConnectionKind::Office365 => "office365",
            ConnectionKind::Managed(m) => &m.connection.api.value,
        }
    }
}

/// What the trigger of a playbook is, for references and for automation rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerKind {
    Incident,
    Alert,
    Entity,
    Recurrence,
    HttpRequest,
    /// A trigger as written in an imported workflow (`trigger: { verbatim: ... }`): no
    /// payload references.
    Verbatim,
}

/// A compiled playbook: the workflow and what its deployment needs.
#[derive(Debug, Clone)]
pub struct CompiledPlaybook {
    pub name: String,
    /// Where the playbook's name is written, for diagnostics about its deployment.
    pub span: Span,
    pub description: Option<String>,
    pub tags: IndexMap<String, String>,
    pub trigger: TriggerKind,
    pub definition: wdl::Definition,
    pub connections: Vec<ConnectionUse>,
    /// Parameters of the playbook's template that the definition's deployment values use
    /// (`as_imported.template_parameters`), in the spec's order.
    pub template_parameters: IndexMap<String, TemplateParameterUse>,
    /// Per-environment values (`{{env.NAME}}`) the workflow reads, by name: definition
    /// parameters [`crate::env_values::parameter`] the template sets.
    pub env_values: Vec<String>,
}

/// One of [`CompiledPlaybook::template_parameters`].
#[derive(Debug, Clone)]
pub struct TemplateParameterUse {
    /// Where the spec declares it.
    pub span: Span,
    pub parameter: soarc_lang::arm::Parameter,
}

impl CompiledPlaybook {
    pub fn uses_sentinel(&self) -> bool {
        self.connections
            .iter()
            .any(|c| matches!(c.kind, ConnectionKind::Sentinel))
    }

    /// The Key Vaults the playbook reads secrets from at run time.
    pub fn key_vaults(&self) -> impl Iterator<Item = (&ConnectionUse, &spec::KeyVaultSecret)> {
        self.connections.iter().filter_map(|c| match &c.kind {
            ConnectionKind::KeyVault(kv) => Some((c, kv)),
            _ => None,
        })
    }
}

/// Compile every playbook of the model. Returns the playbooks or all errors found.
pub fn compile(model: &Model, sources: &Sources) -> Result<Vec<CompiledPlaybook>, Vec<Diagnostic>> {
    let (mut errors, unique) = check_playbooks(model, sources);
    let mut compiled = Vec::new();
    for playbook in unique {
        match compile_playbook(model, sources, playbook) {
            Ok(playbook) => compiled.push(playbook),
            Err(found) => errors.extend(found),
        }
    }
    if errors.is_empty() {
        Ok(compiled)
    } else {
        Err(errors)
    }
}

/// What is checked across playbooks before any is compiled: the retry policies they share
/// (defaults, connections), the playbook names, and that no name is used twice. Returns the
/// errors and the playbooks to compile (the first of each name), in spec order.
pub fn check_playbooks<'m>(
    model: &'m Model<'_>,
    sources: &Sources,
) -> (Vec<Diagnostic>, Vec<&'m Located<Playbook>>) {
    let mut errors = Vec::new();
    let retries = model
        .spec
        .defaults
        .iter()
        .filter_map(|d| d.retry.as_ref().map(|r| (r, d.span)))
        .chain(
            model
                .connections
                .values()
                .filter_map(|c| c.value.retry().map(|r| (r, c.span))),
        );
    for (policy, at) in retries {
        if let Err(found) = retry::policy(policy, at) {
            errors.extend(found);
        }
    }
    let mut unique = Vec::new();
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for playbook in &model.spec.playbooks {
        let name = &playbook.name;
        check_playbook_name(name, &mut errors);
        if let Some(first) = seen.insert(&name.value, name.span) {
            errors.push(crate::spec::load::duplicate(
                "playbook", name, first, sources,
            ));
            continue;
        }
        unique.push(playbook);
    }
    (errors, unique)
}

/// Compile one playbook (after [`check_playbooks`]); playbooks are independent, so a build
/// compiles them a batch at a time and never holds every workflow in memory.
pub fn compile_playbook(
    model: &Model,
    sources: &Sources,
    playbook: &Located<Playbook>,
) -> Result<CompiledPlaybook, Vec<Diagnostic>> {
    let name = &playbook.name;
    let mut compiler = PlaybookCompiler::new(model, sources, playbook);
    let definition = compiler.compile();
    if !compiler.errors.is_empty() {
        return Err(compiler.errors);
    }
    Ok(CompiledPlaybook {
        name: name.value.clone(),
        span: name_span(playbook),
        description: playbook.description.clone(),
        tags: playbook.tags.clone(),
        trigger: compiler.trigger_kind,
        definition,
        connections: compiler.connections.into_values().collect(),
        template_parameters: template_parameters(playbook),
        env_values: compiler.env_values.into_iter().collect(),
    })
}

/// Where a playbook's name is written: [`CompiledPlaybook::span`].
pub fn name_span(playbook: &Located<Playbook>) -> Span {
    let name = &playbook.name;
    name.span.with_len(name.value.chars().count())
}

/// The Windows device name `name` is, if it is one (case-insensitive, also followed by an
/// extension: `con.txt`). Windows cannot create a file or folder of that name, so a
/// repository holding `playbooks/con/` cannot be checked out there. "Do not use the
/// following reserved names for the name of a file: CON, PRN, AUX, NUL, COM1 ... COM9,
/// LPT1 ... LPT9. Also avoid these names followed immediately by an extension; for example,
/// NUL.txt": https://learn.microsoft.com/en-us/windows/win32/fileio/naming-a-file
pub fn windows_device_name(name: &str) -> Option<&str> {
    let stem = name.split('.').next().unwrap_or(name).trim_end_matches(' ');
    let upper = stem.to_ascii_uppercase();
    let reserved = matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (upper.len() == 4
            && (upper.starts_with("COM") || upper.starts_with("LPT"))
            && matches!(upper.as_bytes()[3], b'1'..=b'9'));
    reserved.then_some(stem)
}

/// Playbook names become folder names and Logic App names (at most 80 characters, and
/// soarc appends connection prefixes): lowercase, digits, dashes.
fn check_playbook_name(name: &Located<String>, errors: &mut Vec<Diagnostic>) {
    let value = &name.value;
    if let Some(device) = windows_device_name(value) {
        errors.push(
            Diagnostic::error(
                codes::SPEC029.code,
                format!("playbook name `{value}` is a Windows device name (`{device}`)"),
            )
            .at(name.span.with_len(value.chars().count()))
            .label("reserved on Windows")
            .help(format!(
                "the playbook's folder `playbooks/{value}/` could not be created or checked out on Windows, \
                 which reserves CON, PRN, AUX, NUL, COM1-COM9 and LPT1-LPT9; rename it, e.g. `{value}-playbook`"
            )),
        );
        return;
    }
    let ok = !value.is_empty()
        && value.len() <= 64
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && !value.ends_with('-')
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok {
        let mut suggestion = String::new();
        for c in value.to_ascii_lowercase().chars() {
            let c = if c.is_ascii_alphanumeric() { c } else { '-' };
            if !(c == '-' && (suggestion.is_empty() || suggestion.ends_with('-'))) {
                suggestion.push(c);
            }
        }
        let mut suggestion = suggestion.trim_matches('-').to_string();
        if !suggestion.starts_with(|c: char| c.is_ascii_lowercase()) {
            suggestion = if suggestion.is_empty() {
                "my-playbook".into()
            } else {
                format!("playbook-{suggestion}")
            };
        }
        suggestion.truncate(64);
        let suggestion = suggestion.trim_end_matches('-');
        errors.push(
            Diagnostic::error(codes::SPEC030.code, format!("playbook name `{value}` is not valid"))
                .at(name.span.with_len(value.chars().count()))
                .help(format!(
                    "use lowercase letters, digits and dashes, starting with a letter, at most 64 characters, e.g. `{suggestion}`"
                )),
        );
    }
}

/// An action a reference can name: `{{ticket.number}}` with `id: ticket`.
#[derive(Debug, Clone)]
struct StepInfo {
    action: String,
    kind: StepOutputs,
    /// Loops enclosing the step (action names); outside them it cannot be referenced.
    loops: Vec<String>,
    span: Span,
}

/// Output shapes of step kinds.
#[derive(Debug, Clone)]
enum StepOutputs {
    ServiceNowIncident {
        /// The instance URL, or `{{env.NAME}}` of a per-environment one.
        instance: String,
    },
    JiraIssue {
        /// The issue link before its key: `https://site/browse/`, or the parts of a
        /// per-environment site.
        browse: Vec<Expr>,
    },
    /// `sentinel.get_entities`: text and ADF list items in these variables.
    Entities {
        text: String,
        items: String,
    },
    Http,
    Compose,
    /// `monitor_logs.run_query`: `rows` (`body.value`), `body`, `status`, `headers`.
    Query,
    /// An `action` step: `body`, `outputs`.
    Verbatim,
}

/// A `foreach` being compiled: `{{as_name...}}` means `items('action')`.
#[derive(Debug, Clone)]
struct LoopScope {
    item_name: String,
    action: String,
    /// Iterations run one at a time (required for variable updates inside the loop).
    sequential: bool,
    span: Span,
}

pub(crate) struct PlaybookCompiler<'a> {
    model: &'a Model<'a>,
    sources: &'a Sources,
    playbook: &'a Playbook,
    trigger_kind: TriggerKind,
    errors: Vec<Diagnostic>,
    /// Action names are unique in the whole workflow, nested ones included.
    action_names: HashSet<String>,
    steps: HashMap<String, StepInfo>,
    variables: IndexMap<String, spec::VariableType>,
    loops: Vec<LoopScope>,
    connections: IndexMap<String, ConnectionUse>,
    mappings_used: IndexSet<String>,
    /// Actions a step needs right before it in the same block (Key Vault reads).
    before: Vec<(String, wdl::Action)>,
    /// Actions a step needs right after it in the same block (the ServiceNow description).
    after: Vec<(String, wdl::Action)>,
    /// Variables steps declare; initialised at the top level after the playbook's own.
    step_variables: Vec<(String, wdl::Action)>,
    /// The last text resolved was one `{{wdl: ...}}` expression alone: it keeps its
    /// type even where text is expected (the author wrote the workflow's `@...` form).
    lone_wdl: bool,
    /// Actions that `{{wdl: ...}}` expressions read (`body('X')`, ...), with where: checked
    /// against the playbook's actions once they are all named (SPEC140).
    raw_action_refs: Vec<(String, Span)>,
    /// ADF list items of entity steps: (variable, actions that only build it). Dropped
    /// when no Jira description uses `{{id.list}}`.
    entity_lists: Vec<(String, Vec<String>)>,
    /// Variables read by `{{id.list}}`.
    lists_used: IndexSet<String>,
    /// Retry policy of outbound actions unless a step or connection sets one.
    playbook_retry: wdl::RetryPolicy,
    /// Steps build incident ARM ids from the workspace's: the definition declares
    /// [`WORKSPACE_ID_PARAMETER`], which the ARM template supplies.
    uses_workspace_id: bool,
    /// Per-environment values the workflow reads (definition parameters).
    env_values: IndexSet<String>,
    /// `{{secrets.NAME}}` of the `http` step being compiled: the Key Vault read's value.
    secrets_in_scope: IndexMap<String, Expr>,
    /// How deep the block being compiled is: 1 for the playbook's own steps.
    depth: usize,
    /// Ticket guards at the top level of the steps, or directly in the scope of such a guard
    /// (a block that opens two tickets): (level, the condition, the scope in it), level 1
    /// at the top; for the failure handling to name the action that failed inside.
    ticket_guards: Vec<(usize, String, String)>,
    /// The block depth of the scope of the ticket guard being compiled, and its level.
    guard_scopes: Vec<(usize, usize)>,
    /// String variables that a Sentinel comment shows: they hold HTML that the spec
    /// builds, so references enter them HTML-escaped and the comment shows them as is.
    markup_variables: HashSet<String>,
}

impl<'a> PlaybookCompiler<'a> {
    fn new(model: &'a Model<'a>, sources: &'a Sources, playbook: &'a Playbook) -> Self {
        let trigger_kind = match &playbook.trigger.value {
            Trigger::Incident => TriggerKind::Incident,
            Trigger::Alert => TriggerKind::Alert,
            Trigger::Entity { .. } => TriggerKind::Entity,
            Trigger::Recurrence { .. } => TriggerKind::Recurrence,
            Trigger::HttpRequest { .. } => TriggerKind::HttpRequest,
            Trigger::Verbatim(_) => TriggerKind::Verbatim,
        };
        PlaybookCompiler {
            model,
            sources,
            playbook,
            trigger_kind,
            errors: Vec::new(),
            action_names: HashSet::new(),
            steps: HashMap::new(),
            variables: IndexMap::new(),
            loops: Vec::new(),
            connections: IndexMap::new(),
            mappings_used: IndexSet::new(),
            before: Vec::new(),
            after: Vec::new(),
            step_variables: Vec::new(),
            lone_wdl: false,
            raw_action_refs: Vec::new(),
            entity_lists: Vec::new(),
            lists_used: IndexSet::new(),
            playbook_retry: retry::default_policy(),
            uses_workspace_id: false,
            env_values: IndexSet::new(),
            secrets_in_scope: IndexMap::new(),
            depth: 0,
            ticket_guards: Vec::new(),
            guard_scopes: Vec::new(),
            markup_variables: HashSet::new(),
        }
    }

    /// The retry policy of a step's outbound actions: the step's, else its connection's,
    /// else the playbook's (which falls back to `defaults.retry` and the built-in policy).
    /// Errors of step policies are reported here; those of connections once, by [`compile`].
    fn retry_for(
        &mut self,
        step: Option<&Located<spec::Retry>>,
        connection: Option<&str>,
        at: Span,
    ) -> wdl::RetryPolicy {
        if let Some(step) = step {
            match retry::policy(step, at) {
                Ok(policy) => return policy,
                Err(errors) => {
                    self.errors.extend(errors);
                    return self.playbook_retry.clone();
                }
            }
        }
        connection
            .and_then(|name| self.model.connections.get(name))
            .and_then(|c| c.value.retry())
            .and_then(|r| retry::policy(r, Span::default()).ok())
            .unwrap_or_else(|| self.playbook_retry.clone())
    }

    /// Whether soarc gives this step's outbound actions a retry policy: always, except in an
    /// imported playbook (`as_imported`), where only a policy written on the step, its
    /// connection or the playbook applies (not `defaults.retry` nor the built-in one).
    fn adds_retry(&self, own: Option<&Located<spec::Retry>>, connection: Option<&str>) -> bool {
        self.playbook.as_imported.is_none()
            || own.is_some()
            || self.playbook.retry.is_some()
            || connection
                .and_then(|name| self.model.connections.get(name))
                .is_some_and(|c| c.value.retry().is_some())
    }

    fn error(&mut self, diagnostic: Diagnostic) {
        self.errors.push(diagnostic);
    }

    fn compile(&mut self) -> wdl::Definition {
        let defaults = self.model.spec.defaults.as_ref();
        let inherited = defaults
            .and_then(|d| d.retry.as_ref())
            .and_then(|r| retry::policy(r, Span::default()).ok())
            .unwrap_or_else(retry::default_policy);
        self.playbook_retry = match &self.playbook.retry {
            Some(own) => match retry::policy(own, self.playbook.name.span) {
                Ok(policy) => policy,
                Err(errors) => {
                    self.errors.extend(errors);
                    inherited
                }
            },
            None => inherited,
        };
        let (trigger_name, trigger) = self.trigger();
        let mut actions = IndexMap::new();
        let mut previous: Option<String> = None;
        self.markup_variables = steps::markup_variables(self.playbook);
        for (name, decl) in &self.playbook.variables {
            if let Some(action) = self.initialize_variable(name, decl) {
                let action_name =
                    self.action_name(None, &format!("Initialize_{}", name.value), name.span);
                chain(
                    &mut actions,
                    action_name.clone(),
                    action,
                    previous.as_deref(),
                );
                previous = Some(action_name);
            }
        }
        // A workflow definition's `actions` is optional (Learn, "Schema reference guide for
        // the Workflow Definition Language", Workflow definition structure:
        // https://learn.microsoft.com/azure/logic-apps/logic-apps-workflow-definition-language),
        // so an imported skeleton (`as_imported:`) may have no steps and builds back to its
        // `actions: {}`; a playbook written as a spec needs at least one.
        if self.playbook.steps.is_empty() && self.playbook.as_imported.is_none() {
            self.error(
                Diagnostic::error(
                    codes::SPEC031.code,
                    format!("playbook `{}` has no steps", self.playbook.name.value),
                )
                .at(self.playbook.name.span)
                .help("add at least one step under `steps:`"),
            );
        }
        let mut steps = self.steps(&self.playbook.steps, None);
        // Entity list items nobody shows (ServiceNow-only playbooks) are not built.
        for (variable, builders) in std::mem::take(&mut self.entity_lists) {
            if !self.lists_used.contains(&variable) {
                for builder in &builders {
                    wdl::remove_action(&mut steps, builder);
                }
                self.step_variables
                    .retain(|(name, _)| !builders.contains(name));
            }
        }
        // Variables of steps (entity enrichment) are initialised at the top level, before
        // the first step, as Logic Apps requires, whatever block the step is in.
        for (action_name, action) in std::mem::take(&mut self.step_variables) {
            chain(
                &mut actions,
                action_name.clone(),
                action,
                previous.as_deref(),
            );
            previous = Some(action_name);
        }
        // An imported playbook gets no failure scope unless it asks for one itself.
        let imported_without_failure_handling =
            self.playbook.as_imported.is_some() && self.playbook.on_failure.is_none();
        let plan = if imported_without_failure_handling {
            None
        } else {
            self.failure_plan()
        };
        match plan {
            // Try and catch: the steps in `Main`, the notifications in `On_failure`.
            Some(plan) => {
                let main = self.action_name(None, "Main", Span::default());
                let scope = steps::action(wdl::ActionKind::Scope { actions: steps });
                chain(&mut actions, main.clone(), scope, previous.as_deref());
                let (name, on_failure) = self.failure_scope(&plan, &main);
                actions.insert(name, on_failure);
            }
            None => {
                if let (Some(previous), Some((_, first))) = (previous, steps.first_mut()) {
                    first
                        .run_after
                        .insert(previous, vec![wdl::RunAfterStatus::Succeeded]);
                }
                actions.extend(steps);
            }
        }

        let mut parameters = IndexMap::new();
        if !self.connections.is_empty() {
            parameters.insert(
                "$connections".to_string(),
                ParameterDecl {
                    kind: ParameterType::Object,
                    default_value: Some(Value::Object(Default::default())),
                    metadata: None,
                },
            );
        }
        if self.uses_workspace_id {
            parameters.insert(
                WORKSPACE_ID_PARAMETER.to_string(),
                ParameterDecl {
                    kind: ParameterType::String,
                    default_value: None,
                    metadata: Some(wdl::ParameterMetadata {
                        description: "ARM id of the Microsoft Sentinel workspace (set by the ARM template from WorkspaceName and WorkspaceResourceGroup)".into(),
                    }),
                },
            );
        }
        for name in &self.env_values {
            parameters.insert(
                crate::env_values::parameter(name),
                ParameterDecl {
                    kind: ParameterType::String,
                    default_value: None,
                    metadata: Some(wdl::ParameterMetadata {
                        description: format!(
                            "Per-environment value `{name}` (set by the ARM template from its parameter)"
                        ),
                    }),
                },
            );
        }
        for name in &self.mappings_used {
            let mapping = &self.model.mappings[name];
            let table: serde_json::Map<String, Value> = mapping
                .table
                .iter()
                .map(|(from, to)| (from.clone(), Value::String(to.as_text())))
                .collect();
            parameters.insert(
                mapping_parameter(name),
                ParameterDecl {
                    kind: ParameterType::Object,
                    default_value: Some(Value::Object(table)),
                    metadata: Some(wdl::ParameterMetadata {
                        description: format!(
                            "soarc mapping `{name}`: {} to target value",
                            mapping.field.name
                        ),
                    }),
                },
            );
        }
        let mut outputs = IndexMap::new();
        if let Some(imported) = &self.playbook.as_imported {
            self.imported_parameters(&imported.value, &mut parameters);
            outputs = imported
                .value
                .outputs
                .iter()
                .map(|(name, value)| {
                    (
                        name.clone(),
                        self.deployment_values_in(value, imported.span),
                    )
                })
                .collect();
            self.imported_run_after(&imported.value, &mut actions);
            self.imported_descriptions(&imported.value, &mut actions);
        }
        let depth = container_depth(&actions);
        if depth > soarc_lang::limits::MAX_NESTING_DEPTH {
            self.error(
                Diagnostic::error(
                    codes::SPEC046.code,
                    format!(
                        "playbook `{}` nests actions in {depth} container actions; Logic Apps allows {}",
                        self.playbook.name.value,
                        soarc_lang::limits::MAX_NESTING_DEPTH
                    ),
                )
                .at(self.playbook.name.span)
                .help("`if`, `switch`, `foreach` and `scope` each add a level, and so does the failure-handling scope `Main`; move inner steps into another playbook, or set `on_failure: none`"),
            );
        }
        let definition = wdl::Definition {
            schema: wdl::SCHEMA_URL.to_string(),
            content_version: "1.0.0.0".to_string(),
            parameters,
            triggers: IndexMap::from([(trigger_name, trigger)]),
            actions,
            outputs,
        };
        self.check_raw_action_refs(&definition);
        definition
    }

    /// SPEC140: every action a `{{wdl: ...}}` expression reads exists (an action or the
    /// trigger, as WDL004 accepts), said at the expression rather than by the output
    /// self-check as if soarc had erred. Names compare ignoring case, as Logic Apps resolves
    /// them.
    fn check_raw_action_refs(&mut self, definition: &wdl::Definition) {
        if self.raw_action_refs.is_empty() {
            return;
        }
        // Actions and the trigger, as WDL004 accepts them; the actions nested in a verbatim
        // (`action:`) container are JSON, read by [`verbatim_action_names`].
        let mut names: HashSet<String> = HashSet::new();
        for (name, action) in definition.all_actions() {
            names.insert(name.to_ascii_lowercase());
            if let wdl::ActionKind::Verbatim(written) = &action.kind {
                verbatim_action_names(written, &mut names);
            }
        }
        names.extend(definition.triggers.keys().map(|t| t.to_ascii_lowercase()));
        for (target, at) in std::mem::take(&mut self.raw_action_refs) {
            if !names.contains(&target.to_ascii_lowercase()) {
                self.error(
                    Diagnostic::error(
                        codes::SPEC140.code,
                        format!(
                            "playbook `{}`: the expression reads action `{target}`, which the playbook does not have",
                            self.playbook.name.value
                        ),
                    )
                    .at(at)
                    .help("name an action of this playbook (soarc build writes them to workflow.json), or use a `{{id.field}}` reference"),
                );
            }
        }
    }

    /// A `verbatim` trigger: its `$connections` entries are wired like a verbatim action's.
    fn verbatim_trigger(
        &mut self,
        written: &serde_json::Map<String, Value>,
    ) -> serde_json::Map<String, Value> {
        let span = self.playbook.trigger.span;
        match self.verbatim_value(&Value::Object(written.clone()), span) {
            Value::Object(checked) => checked,
            _ => written.clone(),
        }
    }

    /// `as_imported.parameters`: the definition's parameters as the original declared them.
    fn imported_parameters(
        &mut self,
        imported: &spec::AsImported,
        parameters: &mut IndexMap<String, ParameterDecl>,
    ) {
        for (name, declaration) in &imported.parameters {
            match imported_parameter(&declaration.value) {
                Ok(mut declaration_checked) => {
                    if let Some(default) = &declaration_checked.default_value {
                        declaration_checked.default_value =
                            Some(self.deployment_values_in(default, declaration.span));
                    }
                    let declaration = declaration_checked;
                    parameters.insert(name.clone(), declaration);
                }
                Err(problem) => self.error(
                    Diagnostic::error(
                        codes::SPEC115.code,
                        format!("`as_imported.parameters.{name}`: {problem}"),
                    )
                    .at(declaration.span)
                    .help("a parameter is `{ type: String|SecureString|Int|Float|Bool|Array|Object|SecureObject, defaultValue: ..., metadata: { description: ... } }`"),
                ),
            }
        }
    }

    /// A deployment value (`{ $arm: "<expression>" }`, [`crate::deployment_values`]):
    /// checked against the playbook's `as_imported.template_parameters`, and written back in
    /// its canonical form.
    pub(super) fn deployment_value(
        &mut self,
        map: &serde_json::Map<String, Value>,
        at: Span,
    ) -> Value {
        let key = crate::deployment_values::KEY;
        let problem = match (&self.playbook.as_imported, map.get(key)) {
            (None, _) => format!(
                "`{key}` (a deployment value) is only for playbooks imported with `as_imported:`"
            ),
            (Some(_), _) if map.len() != 1 => format!(
                "a deployment value is an object with the one key `{key}`; this one also has `{}`",
                map.keys().find(|k| *k != key).map_or("", String::as_str)
            ),
            (Some(imported), Some(Value::String(text))) => {
                match crate::deployment_values::check(text, &imported.value.template_parameters) {
                    Ok(expr) => return crate::deployment_values::marker(&expr),
                    Err(problem) => problem,
                }
            }
            (Some(_), _) => format!("the value of `{key}` is an ARM expression, as text"),
        };
        self.error(
            Diagnostic::error(
                codes::SPEC130.code,
                format!(
                    "playbook `{}`: {problem}",
                    self.playbook.name.value
                ),
            )
            .at(at)
            .help("a deployment value names only `as_imported.template_parameters` and deployment functions (`subscription()`, `resourceGroup()`, `resourceId()`, `concat()`, ...); or write the value itself"),
        );
        Value::Object(map.clone())
    }

    /// `value` with its deployment values checked (parameter default values, outputs).
    fn deployment_values_in(&mut self, value: &Value, at: Span) -> Value {
        match value {
            Value::Object(map) if map.contains_key(crate::deployment_values::KEY) => {
                self.deployment_value(map, at)
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.deployment_values_in(v, at)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.deployment_values_in(v, at))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// `as_imported.run_after`: the original `runAfter` of actions that do not simply follow
    /// the previous step, top-level or nested (a nested action runs after actions of its
    /// own block: "you can't reference actions outside the loop" for loops, and likewise for
    /// the branches of conditions and scopes; Learn, "Schema reference guide for trigger and
    /// action types", runAfter: https://learn.microsoft.com/azure/logic-apps/logic-apps-workflow-actions-triggers).
    /// One walk over the actions: linear.
    fn imported_run_after(
        &mut self,
        imported: &spec::AsImported,
        actions: &mut IndexMap<String, wdl::Action>,
    ) {
        type RunAfter = IndexMap<String, Vec<wdl::RunAfterStatus>>;
        fn walk<'r>(
            block: &mut IndexMap<String, wdl::Action>,
            wanted: &HashMap<&'r str, &'r RunAfter>,
            found: &mut HashMap<&'r str, Option<String>>,
        ) {
            let names: std::collections::HashSet<String> = block.keys().cloned().collect();
            for (name, action) in block.iter_mut() {
                if let Some((&key, run_after)) = wanted.get_key_value(name.as_str()) {
                    let unknown = run_after.keys().find(|p| !names.contains(p.as_str()));
                    if unknown.is_none() {
                        action.run_after = (*run_after).clone();
                    }
                    found.insert(key, unknown.cloned());
                }
                for children in action.kind.children_mut() {
                    walk(children, wanted, found);
                }
            }
        }
        let wanted: HashMap<&str, &RunAfter> = imported
            .run_after
            .iter()
            .map(|(name, run_after)| (name.value.as_str(), run_after))
            .collect();
        let mut found = HashMap::new();
        walk(actions, &wanted, &mut found);
        for name in imported.run_after.keys() {
            let missing = match found.get(name.value.as_str()) {
                Some(None) => continue,
                Some(Some(predecessor)) => predecessor,
                None => &name.value,
            };
            let help = match soarc_lang::diagnostics::did_you_mean(
                missing,
                actions.keys().map(String::as_str),
            ) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "name an action of the playbook; a nested action runs after actions of its own block".to_string(),
            };
            self.error(
                Diagnostic::error(
                    codes::SPEC115.code,
                    format!(
                        "`as_imported.run_after` names `{missing}`, which is not {} of playbook `{}`",
                        if *missing == name.value { "an action" } else { "an action of the same block" },
                        self.playbook.name.value
                    ),
                )
                .at(name.span)
                .help(help),
            );
        }
    }

    /// `as_imported.descriptions`: the `description` of actions written as typed steps
    /// (Logic Apps keeps an action's `description` as written: Learn, "Schema reference
    /// guide for trigger and action types",
    /// https://learn.microsoft.com/azure/logic-apps/logic-apps-workflow-actions-triggers).
    /// One walk over the actions: linear.
    fn imported_descriptions(
        &mut self,
        imported: &spec::AsImported,
        actions: &mut IndexMap<String, wdl::Action>,
    ) {
        if imported.descriptions.is_empty() {
            return;
        }
        fn walk<'r>(
            block: &mut IndexMap<String, wdl::Action>,
            wanted: &HashMap<&'r str, &'r String>,
            found: &mut std::collections::HashSet<&'r str>,
        ) {
            for (name, action) in block.iter_mut() {
                if let Some((&key, description)) = wanted.get_key_value(name.as_str()) {
                    action.description = Some((*description).clone());
                    found.insert(key);
                }
                for children in action.kind.children_mut() {
                    walk(children, wanted, found);
                }
            }
        }
        let wanted: HashMap<&str, &String> = imported
            .descriptions
            .iter()
            .map(|(name, description)| (name.value.as_str(), description))
            .collect();
        let mut found = std::collections::HashSet::new();
        walk(actions, &wanted, &mut found);
        for name in imported.descriptions.keys() {
            if found.contains(name.value.as_str()) {
                continue;
            }
            let help = match soarc_lang::diagnostics::did_you_mean(
                &name.value,
                actions.keys().map(String::as_str),
            ) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "name an action of the playbook, or remove the entry".to_string(),
            };
            self.error(
                Diagnostic::error(
                    codes::SPEC115.code,
                    format!(
                        "`as_imported.descriptions` names `{}`, which is not an action of playbook `{}`",
                        name.value, self.playbook.name.value
                    ),
                )
                .at(name.span)
                .help(help),
            );
        }
    }

    fn trigger(&mut self) -> (String, wdl::Trigger) {
        let sentinel_webhook = |this: &mut Self, path: Template| {
            let key = this.use_connection_named(SENTINEL, this.playbook.trigger.span, "sentinel");
            wdl::TriggerKind::ApiConnectionWebhook {
                inputs: wdl::ApiConnectionInputs {
                    host: wdl::Host::connection(&key.unwrap_or_default()),
                    method: None,
                    path,
                    queries: None,
                    headers: None,
                    body: Some(serde_json::json!({
                        "callback_url": Template::Interpolated(vec![wdl::Part::Expr(Expr::call("listCallbackUrl", vec![]))]).to_wdl_string()
                    })),
                    retry_policy: None,
                },
            }
        };
        let mut runtime_configuration = None;
        let (name, kind) = match &self.playbook.trigger.value {
            Trigger::Incident => (
                "Microsoft_Sentinel_incident",
                sentinel_webhook(self, "/incident-creation".into()),
            ),
            Trigger::Alert => (
                "Microsoft_Sentinel_alert",
                sentinel_webhook(self, "/subscribe".into()),
            ),
            Trigger::Entity { kind } => (
                "Microsoft_Sentinel_entity",
                sentinel_webhook(
                    self,
                    Template::Interpolated(vec![
                        Part::Text("/entity/".into()),
                        Part::Expr(Expr::call(
                            "encodeURIComponent",
                            vec![Expr::str(kind.trigger_name())],
                        )),
                    ]),
                ),
            ),
            Trigger::Recurrence {
                frequency,
                interval,
                single_instance,
            } => {
                if *single_instance {
                    runtime_configuration = Some(wdl::TriggerRuntimeConfiguration {
                        concurrency: wdl::TriggerConcurrency { runs: 1 },
                    });
                }
                if *interval == 0 {
                    self.error(
                        Diagnostic::error(
                            codes::SPEC032.code,
                            "recurrence interval must be at least 1",
                        )
                        .at(self.playbook.trigger.span),
                    );
                }
                (
                    "Recurrence",
                    wdl::TriggerKind::Recurrence {
                        recurrence: wdl::Recurrence {
                            frequency: frequency_name(*frequency),
                            interval: *interval,
                        },
                    },
                )
            }
            // Written out as it is, `description` and `runtimeConfiguration` included.
            Trigger::Verbatim(written) => (
                "Trigger",
                wdl::TriggerKind::Verbatim(self.verbatim_trigger(written)),
            ),
            Trigger::HttpRequest { schema } => (
                "When_an_HTTP_request_is_received",
                wdl::TriggerKind::Request {
                    kind: wdl::RequestKind::Http.into(),
                    inputs: wdl::RequestInputs {
                        method: Some(wdl::HttpMethod::Post.into()),
                        schema: schema
                            .clone()
                            .unwrap_or_else(|| Value::Object(Default::default())),
                    },
                },
            ),
        };
        let name = match self
            .playbook
            .as_imported
            .as_ref()
            .and_then(|i| i.value.trigger_name.as_ref())
        {
            Some(kept) => kept.value.as_str(),
            None => name,
        };
        self.action_names.insert(name.to_string());
        (
            name.to_string(),
            wdl::Trigger {
                kind,
                description: None,
                runtime_configuration,
            },
        )
    }

    /// The connection `name` and its kind name; `None` (with an error) if it is not declared.
    /// The Sentinel connection exists even when not declared.
    fn find_connection(
        &mut self,
        name: &str,
        span: Span,
        expected: &[&str],
    ) -> Option<Option<&'a Located<Connection>>> {
        let declared = self.model.connections.get(name).copied();
        let kind = match declared {
            Some(connection) => connection.value.kind_name(),
            None if name == SENTINEL => "sentinel",
            None => {
                let names: Vec<&str> = self
                    .model
                    .connections
                    .keys()
                    .map(String::as_str)
                    .chain((!self.model.connections.contains_key(SENTINEL)).then_some(SENTINEL))
                    .collect();
                let help = soarc_lang::diagnostics::did_you_mean(name, names.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| {
                        format!(
                            "declare it under `connections:` (known: {})",
                            names.join(", ")
                        )
                    });
                self.error(
                    Diagnostic::error(codes::SPEC040.code, format!("unknown connection `{name}`"))
                        .at(span.with_len(name.chars().count()))
                        .help(help),
                );
                return None;
            }
        };
        if !expected.contains(&kind) {
            let wanted = expected.join(" or ");
            let fitting: Vec<String> = self
                .model
                .connections
                .iter()
                .filter(|(_, c)| expected.contains(&c.value.kind_name()))
                .map(|(n, _)| format!("`{n}`"))
                .collect();
            let help = if fitting.is_empty() {
                format!(
                    "declare a connection with `kind: {}` under `connections:`",
                    expected[0]
                )
            } else {
                format!("use {}", fitting.join(" or "))
            };
            self.error(
                Diagnostic::error(
                    codes::SPEC041.code,
                    format!("connection `{name}` is a {kind} connection, but this step needs a {wanted} connection"),
                )
                .at(span.with_len(name.chars().count()))
                .help(help),
            );
            return None;
        }
        Some(declared)
    }

    /// Register the connection `name` (must be of `expected` kind) and return its
    /// `$connections` key.
    fn use_connection_named(&mut self, name: &str, span: Span, expected: &str) -> Option<String> {
        let declared = self.find_connection(name, span, &[expected])?;
        Some(self.register_connection(name, declared))
    }

    /// Register the connection `name` (`None`: the implicit Sentinel one) as used by the
    /// playbook and return its `$connections` key.
    fn register_connection(
        &mut self,
        name: &str,
        declared: Option<&'a Located<Connection>>,
    ) -> String {
        let kind = match declared.map(|c| &c.value) {
            Some(Connection::ServiceNow(snow)) => ConnectionKind::ServiceNow(snow.clone()),
            Some(Connection::Office365(_)) => ConnectionKind::Office365,
            Some(Connection::Managed(managed)) => ConnectionKind::Managed(ManagedUse {
                connection: managed.clone(),
                managed_identity: crate::model::managed::uses_managed_identity(managed),
            }),
            _ => ConnectionKind::Sentinel,
        };
        let key = match kind {
            ConnectionKind::Sentinel => "azuresentinel".to_string(),
            _ => name.to_string(),
        };
        self.connections
            .entry(key.clone())
            .or_insert(ConnectionUse {
                key: key.clone(),
                spec_name: name.to_string(),
                kind,
            });
        key
    }

    /// Register the managed-identity Key Vault connection of `secret`'s vault (one per
    /// vault) and return its `$connections` key.
    fn use_key_vault(&mut self, secret: &spec::KeyVaultSecret) -> String {
        let key = format!("keyvault-{}", secret.vault.value);
        // Vault names are global: one vault, one resource group (its role grant goes there).
        let group = |s: &spec::KeyVaultSecret| s.resource_group.as_ref().map(|g| g.value.clone());
        if let Some(ConnectionUse {
            kind: ConnectionKind::KeyVault(first),
            ..
        }) = self.connections.get(&key)
            && group(first) != group(secret)
        {
            let shown = |g: Option<String>| g.unwrap_or_else(|| "the deployment's".into());
            let message = format!(
                "Key Vault `{}` is given resource group {} here and {} in another reference",
                secret.vault.value,
                shown(group(secret)),
                shown(group(first))
            );
            let at = secret
                .resource_group
                .as_ref()
                .map_or(secret.vault.span, |g| g.span);
            self.error(
                Diagnostic::error(codes::SPEC084.code, message)
                    .at(at)
                    .help("a vault lives in one resource group: give every reference to it the same `resource_group`"),
            );
        }
        self.connections
            .entry(key.clone())
            .or_insert(ConnectionUse {
                key: key.clone(),
                spec_name: key.clone(),
                kind: ConnectionKind::KeyVault(secret.clone()),
            });
        key
    }

    /// A unique action name: the user's `name`, else `default`; `_2`, `_3` appended on
    /// collisions with generated names. A user name that collides is an error.
    fn action_name(&mut self, user: Option<&Located<String>>, default: &str, span: Span) -> String {
        let mut names = std::mem::take(&mut self.action_names);
        let taken_in = NameScope {
            what: "action",
            scope: format!("playbook `{}`", self.playbook.name.value),
            rule: "action names must be unique in a playbook, nested steps included",
        };
        let name = self.unique_name(&mut names, &taken_in, user, default, span);
        self.action_names = names;
        name
    }

    /// The name of a switch case: unique among the cases of its switch. Case names are the
    /// keys of the switch's `cases` object, not actions (Learn: "Schema reference guide for
    /// trigger and action types", Switch action); workflows Microsoft ships repeat them across
    /// switches (`Case`, `Case_2` in two switches of the Defender for Cloud workflow
    /// "Create-MDEDeviceTagAzure"), so a user's case name may repeat another switch's. A
    /// generated name also avoids the playbook's action names: the designer refuses a case
    /// named as an action (Azure/LogicAppsUX pull request 2552).
    pub(super) fn case_name(
        &mut self,
        cases: &mut HashSet<String>,
        switch: &str,
        user: Option<&Located<String>>,
        default: &str,
        span: Span,
    ) -> String {
        if user.is_none() {
            let base = sanitize_action_name(default);
            let mut name = base.clone();
            let mut n = 2;
            while self.action_names.contains(&name) || !cases.insert(name.clone()) {
                name = format!("{base}_{n}");
                n += 1;
            }
            return name;
        }
        let taken_in = NameScope {
            what: "case",
            scope: format!("switch `{switch}`"),
            rule: "case names must be unique among the cases of their switch",
        };
        self.unique_name(cases, &taken_in, user, default, span)
    }

    /// A name unique in `taken`: the user's `name` (an error if invalid or taken), else
    /// `default` with `_2`, `_3` appended on collisions.
    fn unique_name(
        &mut self,
        taken: &mut HashSet<String>,
        taken_in: &NameScope,
        user: Option<&Located<String>>,
        default: &str,
        span: Span,
    ) -> String {
        if let Some(user) = user {
            // Imported playbooks keep names as written (the original's expressions use them).
            let name = if self.playbook.as_imported.is_some() {
                user.value.clone()
            } else {
                sanitize_action_name(&user.value)
            };
            if name.is_empty() || name.len() > soarc_lang::limits::MAX_NAME_LENGTH {
                self.error(
                    Diagnostic::error(
                        codes::SPEC033.code,
                        format!("{} name `{}` is not valid", taken_in.what, user.value),
                    )
                    .at(user.span.or(span))
                    .help("use 1 to 80 letters, digits, spaces, `_` or `-`"),
                );
            } else if !taken.insert(name.clone()) {
                self.error(
                    Diagnostic::error(
                        codes::SPEC033.code,
                        format!(
                            "{} name `{name}` is used twice in {}",
                            taken_in.what, taken_in.scope
                        ),
                    )
                    .at(user.span.or(span))
                    .help(taken_in.rule),
                );
            }
            return name;
        }
        let base = sanitize_action_name(default);
        let mut name = base.clone();
        let mut n = 2;
        while !taken.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        name
    }

    /// Text of a spec string, resolved to a WDL template. A lone reference keeps its
    /// value's type (`@expr`); text around references makes it a string (`@{expr}`).
    fn text(&mut self, text: &str, span: Span) -> Template {
        self.text_in(text, span, encode::Lang::Plain)
    }

    /// Like [`Self::text`], for a string in language `lang`: each reference is encoded for
    /// where it lands (see [`encode`]), or refused where the language cannot take it.
    fn text_in(&mut self, text: &str, span: Span, lang: encode::Lang) -> Template {
        let pieces = match crate::model::text::parse(text) {
            Ok(pieces) => pieces,
            Err(e) => {
                let at = self.locate(text, e.offset, e.len, span);
                self.error(
                    Diagnostic::error(codes::SPEC050.code, e.message)
                        .at(at)
                        .help_opt(e.help),
                );
                return Template::Literal(text.to_string());
            }
        };
        let mut parts = Vec::new();
        let mut scanner = encode::Scanner::new(lang);
        // A lone `{{wdl-text: ...}}` is text (`@{...}`), not the expression's value.
        let mut as_text = false;
        let mut wdl_pieces = 0;
        self.lone_wdl = false;
        for piece in pieces {
            match piece {
                crate::model::text::Piece::Wdl {
                    expr,
                    text: interpolated,
                    start,
                    end,
                } => {
                    // Written as is: the author's WDL, not a value soarc encodes. The
                    // scanner still sees it, so the text after it is read in its context.
                    let _ = scanner.reference();
                    match wdl::expr::parse_expr(&expr) {
                        Ok(parsed) => {
                            let at = self.locate(text, start, end - start, span);
                            parsed.walk(&mut |e| {
                                if let Expr::Call { name, args } = e
                                    && soarc_lang::wdl::functions::reads_action(name)
                                    && let Some(Expr::Str(target)) = args.first()
                                {
                                    self.raw_action_refs.push((target.clone(), at));
                                }
                            });
                            as_text |= interpolated;
                            wdl_pieces += 1;
                            parts.push(wdl::Part::Expr(parsed));
                        }
                        Err(e) => {
                            let at = self.locate(text, start, end - start, span);
                            self.error(
                                Diagnostic::error(
                                    codes::SPEC050.code,
                                    format!("`{expr}` is not a workflow expression: {e}"),
                                )
                                .at(at)
                                .help("write a Workflow Definition Language expression without its leading `@`, e.g. `{{wdl: variables('count')}}`"),
                            );
                        }
                    }
                }
                crate::model::text::Piece::Text(t) => {
                    scanner.text(&t);
                    parts.push(wdl::Part::Text(t));
                }
                crate::model::text::Piece::Ref { path, start, end } => {
                    let at = self.locate(text, start, end - start, span);
                    let mut slot = scanner.reference();
                    // A variable that holds the spec's own HTML (its references were escaped
                    // when they entered it) goes into a comment as is.
                    if lang == encode::Lang::Html
                        && let [root, variable] = path.as_slice()
                        && root == "variables"
                        && self.markup_variables.contains(variable)
                    {
                        slot = Ok(encode::Slot::Raw);
                    }
                    let Some((expr, ty)) = self.reference(&path, at) else {
                        continue;
                    };
                    match slot {
                        Ok(slot) => parts.push(wdl::Part::Expr(encode::encode(slot, expr, ty))),
                        Err(refused) => self.error(
                            Diagnostic::error(codes::SPEC054.code, refused.message)
                                .at(at)
                                .help(refused.help),
                        ),
                    }
                }
            }
        }
        self.lone_wdl =
            wdl_pieces == 1 && !as_text && matches!(parts.as_slice(), [wdl::Part::Expr(_)]);
        match parts.as_slice() {
            [] => Template::Literal(String::new()),
            [wdl::Part::Expr(e)] if !as_text => Template::Expr(e.clone()),
            _ => Template::Interpolated(parts).normalize(),
        }
    }

    /// Like [`Self::text`], but always a string (for fields that must be text).
    fn string_text(&mut self, text: &str, span: Span) -> Template {
        self.string_text_in(text, span, encode::Lang::Plain)
    }

    /// Like [`Self::text_in`], but always a string.
    fn string_text_in(&mut self, text: &str, span: Span, lang: encode::Lang) -> Template {
        match self.text_in(text, span, lang) {
            Template::Expr(e) if !self.lone_wdl => Template::Interpolated(vec![wdl::Part::Expr(e)]),
            other => other,
        }
    }

    /// Resolve templates in every string of a JSON value.
    fn json(&mut self, value: &Value, span: Span) -> Value {
        self.json_in(value, span, encode::Lang::Plain)
    }

    /// Like [`Self::json`], every reference encoded for `lang`. A deployment value
    /// (`{ $arm: ... }`, only under `as_imported:`) is checked and kept as one.
    fn json_in(&mut self, value: &Value, span: Span, lang: encode::Lang) -> Value {
        match value {
            Value::String(s) => Value::String(self.text_in(s, span, lang).to_wdl_string()),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.json_in(v, span, lang)).collect())
            }
            Value::Object(map) if map.contains_key(crate::deployment_values::KEY) => {
                self.deployment_value(map, span)
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.json_in(v, span, lang)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// The language of a value assigned to `variable`: HTML for a markup variable.
    fn variable_lang(&self, variable: &str) -> encode::Lang {
        if self.markup_variables.contains(variable) {
            encode::Lang::Html
        } else {
            encode::Lang::Plain
        }
    }

    /// Like [`Self::json`], but every string stays a string (a lone reference is
    /// interpolated, `@{...}`, rather than keeping its value's type).
    fn json_strings(&mut self, value: &Value, span: Span) -> Value {
        match value {
            Value::String(s) => Value::String(self.string_text(s, span).to_wdl_string()),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.json_strings(v, span)).collect())
            }
            Value::Object(map) if map.contains_key(crate::deployment_values::KEY) => {
                self.deployment_value(map, span)
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.json_strings(v, span)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// The exact position of `text[offset..offset+len]` in the spec file: search the
    /// source from the scalar's start, so escapes and quoting do not shift columns.
    fn locate(&self, text: &str, offset: usize, len: usize, span: Span) -> Span {
        let needle = &text[offset..(offset + len).min(text.len())];
        let chars = needle.chars().count();
        let Some(file) = self.sources.get(span.file).filter(|_| span.is_known()) else {
            return span.with_len(chars);
        };
        let start = file.offset_of(span.line, span.column).unwrap_or(0);
        match file.text[start..].find(needle) {
            Some(found) => {
                let (line, column) = file.line_col(start + found);
                Span {
                    file: span.file,
                    line,
                    column,
                    len: chars,
                }
            }
            None => span.with_len(chars),
        }
    }

    /// `{{ map }}` lookups: the table is a workflow parameter; the source value indexes it.
    fn mapping(&mut self, name: &str, span: Span) -> Option<Template> {
        let Some(mapping) = self.model.mappings.get(name).cloned() else {
            let help = soarc_lang::diagnostics::did_you_mean(
                name,
                self.model.mappings.keys().map(String::as_str),
            )
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| "declare it under `mappings:`".to_string());
            self.error(
                Diagnostic::error(codes::SPEC060.code, format!("unknown mapping `{name}`"))
                    .at(span)
                    .help(help),
            );
            return None;
        };
        let path: Vec<String> = std::iter::once(mapping.root.clone())
            .chain(mapping.field.name.split('.').map(String::from))
            .collect();
        let (source, _) = self.reference(&path, span)?;
        self.mappings_used.insert(mapping.name.clone());
        let table = Expr::call("parameters", vec![Expr::str(mapping_parameter(name))]);
        let lookup = Expr::Index {
            base: Box::new(table),
            index: Box::new(source),
            optional: true,
        };
        let expr = match &mapping.default {
            Some(default) => Expr::call("coalesce", vec![lookup, Expr::str(default.as_text())]),
            None => lookup,
        };
        Some(Template::Interpolated(vec![wdl::Part::Expr(expr)]))
    }
}

/// How many container actions (If, Switch, Foreach, Scope) the deepest action sits in.
fn container_depth(actions: &IndexMap<String, wdl::Action>) -> usize {
    actions
        .values()
        .map(|action| {
            action
                .kind
                .children()
                .into_iter()
                .map(|children| 1 + container_depth(children))
                .max()
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0)
}

/// Parameter holding a mapping table in the workflow definition.
fn mapping_parameter(name: &str) -> String {
    format!("mapping_{name}")
}

/// A parameter declaration as an imported definition writes it. Logic Apps reads the type
/// case-insensitively (Learn, "Schema reference guide for the Workflow Definition Language
/// in Azure Logic Apps", Parameters: "type": "<parameter-type>").
fn imported_parameter(written: &Value) -> Result<ParameterDecl, String> {
    let Some(object) = written.as_object() else {
        return Err("a parameter declaration is a mapping".into());
    };
    let kind = object
        .get("type")
        .and_then(Value::as_str)
        .ok_or("it has no `type`")?;
    let kind = [
        ParameterType::String,
        ParameterType::SecureString,
        ParameterType::Int,
        ParameterType::Float,
        ParameterType::Bool,
        ParameterType::Array,
        ParameterType::Object,
        ParameterType::SecureObject,
    ]
    .into_iter()
    .find(|t| {
        serde_json::to_value(t)
            .ok()
            .and_then(|v| v.as_str().map(|s| s.eq_ignore_ascii_case(kind)))
            == Some(true)
    })
    .ok_or_else(|| format!("`{kind}` is not a parameter type"))?;
    let metadata = match object.get("metadata") {
        None => None,
        Some(metadata) => Some(
            serde_json::from_value::<wdl::ParameterMetadata>(metadata.clone())
                .map_err(|_| "its `metadata` has more than a `description`".to_string())?,
        ),
    };
    if let Some(other) = object
        .keys()
        .find(|k| !["type", "defaultValue", "metadata"].contains(&k.as_str()))
    {
        return Err(format!("`{other}` is not a key of a parameter declaration"));
    }
    Ok(ParameterDecl {
        kind,
        default_value: object.get("defaultValue").cloned(),
        metadata,
    })
}

/// `as_imported.template_parameters` as ARM template parameters: the type and description
/// as declared, no default value (the deployment gives it, as for the original template).
fn template_parameters(playbook: &Playbook) -> IndexMap<String, TemplateParameterUse> {
    let Some(imported) = &playbook.as_imported else {
        return IndexMap::new();
    };
    imported
        .value
        .template_parameters
        .iter()
        .map(|(name, declared)| {
            (
                name.clone(),
                TemplateParameterUse {
                    span: declared.span,
                    parameter: soarc_lang::arm::Parameter {
                        kind: declared.value.kind,
                        default_value: None,
                        min_length: None,
                        max_length: None,
                        metadata: soarc_lang::arm::ParameterMetadata {
                            description: declared.value.description.clone().unwrap_or_else(|| {
                                format!("Parameter `{name}` of the imported template")
                            }),
                        },
                    },
                },
            )
        })
        .collect()
}

/// Append `action` to `actions`, running after `previous` succeeded.
fn chain(
    actions: &mut IndexMap<String, wdl::Action>,
    name: String,
    mut action: wdl::Action,
    previous: Option<&str>,
) {
    if let Some(previous) = previous {
        action
            .run_after
            .insert(previous.to_string(), vec![wdl::RunAfterStatus::Succeeded]);
    }
    actions.insert(name, action);
}

/// Where a name must be unique, for [`PlaybookCompiler::unique_name`]'s messages.
struct NameScope {
    /// "action" or "case".
    what: &'static str,
    /// "playbook `x`" or "switch `y`".
    scope: String,
    /// The rule, said as the help.
    rule: &'static str,
}

/// Logic Apps action names: letters, digits, `_`, `-`; spaces become `_` as the designer does.
fn sanitize_action_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn frequency_name(frequency: Frequency) -> wdl::Frequency {
    match frequency {
        Frequency::Second => wdl::Frequency::Second,
        Frequency::Minute => wdl::Frequency::Minute,
        Frequency::Hour => wdl::Frequency::Hour,
        Frequency::Day => wdl::Frequency::Day,
        Frequency::Week => wdl::Frequency::Week,
        Frequency::Month => wdl::Frequency::Month,
    }
}

#[cfg(test)]
mod device_name_tests {
    use super::windows_device_name;

    #[test]
    fn windows_device_names_are_recognised() {
        for name in [
            "con",
            "CON",
            "aux",
            "Nul",
            "prn",
            "com1",
            "COM9",
            "lpt1",
            "lpt9",
            "con.txt",
            "nul.tar.gz",
        ] {
            assert!(windows_device_name(name).is_some(), "{name}");
        }
        for name in [
            "console",
            "com",
            "com0",
            "com10",
            "lpt",
            "conx",
            "acon",
            "my-con",
            "nul-alerts",
        ] {
            assert!(windows_device_name(name).is_none(), "{name}");
        }
    }
}
