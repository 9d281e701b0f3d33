//! The checked model: connections and mappings resolved and validated, ready for the
//! compiler. Reference catalogues and text templates live here too.

pub mod catalogue;
pub mod managed;
pub mod names;
pub mod text;

use indexmap::IndexMap;

use crate::codes;
use crate::spec::{Connection, Located, Mapping, Scalar, Spec};
use catalogue::{Field, ValueType};
use soarc_lang::diagnostics::{Diagnostic, Span, did_you_mean};

pub use crate::names::SENTINEL;

/// A mapping whose source field and values were checked.
#[derive(Debug, Clone)]
pub struct CheckedMapping {
    pub name: String,
    /// Root of `from` (`incident` or `alert`): the trigger it needs.
    pub root: String,
    pub field: &'static Field,
    /// Source value to target value, in spec order.
    pub table: Vec<(String, Scalar)>,
    pub default: Option<Scalar>,
    pub span: Span,
}

/// Spec-wide facts the playbook compiler needs.
#[derive(Debug)]
pub struct Model<'a> {
    pub spec: &'a Spec,
    pub connections: IndexMap<String, &'a Located<Connection>>,
    pub mappings: IndexMap<String, CheckedMapping>,
}

/// Check connections and mappings. Errors are collected in `errors`.
pub fn check<'a>(
    spec: &'a Spec,
    sources: &soarc_lang::diagnostics::Sources,
    errors: &mut Vec<Diagnostic>,
) -> Model<'a> {
    check_azure_names(spec, sources, errors);
    let mut connections = IndexMap::new();
    for (name, connection) in &spec.connections {
        check_name(name, "connection", errors);
        match &connection.value {
            // `{{env.NAME}}`: each environment's value is checked (crate::env_values).
            Connection::ServiceNow(snow)
                if crate::env_values::reference(&snow.instance).is_some() => {}
            Connection::ServiceNow(snow) => check_https(
                &snow.instance,
                "ServiceNow instance",
                "https://contoso.service-now.com",
                errors,
            ),
            Connection::JiraCloud(jira) => {
                if crate::env_values::reference(&jira.site).is_none() {
                    check_https(
                        &jira.site,
                        "Jira Cloud site",
                        "https://contoso.atlassian.net",
                        errors,
                    );
                }
                if crate::env_values::reference(&jira.email).is_none()
                    && !jira.email.value.contains('@')
                {
                    errors.push(
                        Diagnostic::error(
                            codes::SPEC020.code,
                            format!("Jira account email `{}` is not an email address", jira.email.value),
                        )
                        .at(jira.email.span.with_len(jira.email.value.chars().count()))
                        .help("Jira Cloud API tokens authenticate as `email:token`; write the account's email"),
                    );
                }
            }
            Connection::JiraDataCenter(jira)
                if crate::env_values::reference(&jira.base_url).is_some() => {}
            Connection::JiraDataCenter(jira) => check_https(
                &jira.base_url,
                "Jira Data Center base URL",
                "https://jira.contoso.com",
                errors,
            ),
            Connection::Managed(managed) => {
                managed::check(&name.value, managed, connection.span, errors)
            }
            Connection::Sentinel { .. } | Connection::Office365(_) => {}
        }
        connections.insert(name.value.clone(), connection);
    }
    let mut mappings = IndexMap::new();
    for (name, mapping) in &spec.mappings {
        check_name(name, "mapping", errors);
        if let Some(checked) = check_mapping(name, mapping, errors) {
            mappings.insert(name.value.clone(), checked);
        }
    }
    Model {
        spec,
        connections,
        mappings,
    }
}

/// Every name the spec gives that becomes an Azure resource name (vaults, secrets,
/// resource groups, the workspace): Azure's naming rules, at the spec's position.
fn check_azure_names(
    spec: &Spec,
    sources: &soarc_lang::diagnostics::Sources,
    errors: &mut Vec<Diagnostic>,
) {
    use crate::spec::{Defaults, OnFailure};
    use names::NameKind;
    // With `environments:`, `spec.deployment` is the first environment, whose names
    // crate::environments checks with every other environment's: not twice.
    if let Some(deployment) = spec
        .deployment
        .as_ref()
        .filter(|_| spec.environments.is_empty())
    {
        if let Some(group) = &deployment.resource_group {
            names::check(group, NameKind::ResourceGroup, errors);
        }
        if let Some(subscription) = &deployment.subscription_id {
            names::check_guid(subscription, "subscription id", errors);
        }
        if let Some(group) = &deployment.workspace.value.resource_group {
            names::check(group, NameKind::ResourceGroup, errors);
        }
    }
    for (name, connection) in &spec.connections {
        if let Some((_, secret)) = connection.value.secret() {
            // A connection is read as a whole before its `kind:` is known, so the positions
            // inside it are lost: the names are found in the source after the connection's.
            let at = secret.span.or(connection.span).or(name.span);
            let positioned = names::positioned(&secret.value.key_vault, sources, at);
            names::check_secret(&positioned, at, errors);
        }
    }
    let on_failure = spec
        .defaults
        .iter()
        .map(|d: &Located<Defaults>| &d.on_failure)
        .chain(spec.playbooks.iter().map(|p| &p.on_failure));
    for notify in on_failure.flatten() {
        if let OnFailure::Notify(notify) = &notify.value
            && let Some(teams) = &notify.teams
        {
            names::check_secret(&teams.value.webhook.key_vault, teams.span, errors);
        }
    }
}

/// Service URLs carry credentials: https only, and (as a per-environment value must be,
/// [`crate::env_values::https_url`]) a plain host and path that need no encoding where the
/// URL is written: a link, a connection parameter, a JSON string.
fn check_https(url: &Located<String>, what: &str, example: &str, errors: &mut Vec<Diagnostic>) {
    let value = url.value.trim_end_matches('/');
    if !crate::env_values::https_url(value) {
        errors.push(
            Diagnostic::error(
                codes::SPEC020.code,
                format!("{what} `{value}` is not an https URL"),
            )
            .at(url.span.with_len(value.chars().count()))
            .help(format!("write the URL, e.g. `{example}`")),
        );
    }
}

/// Names are used in Logic App action names and ARM variables: keep them simple.
fn check_name(name: &Located<String>, what: &str, errors: &mut Vec<Diagnostic>) {
    let ok = !name.value.is_empty()
        && name.value.len() <= 64
        && name
            .value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok {
        errors.push(
            Diagnostic::error(
                codes::SPEC021.code,
                format!("{what} name `{}` is not valid", name.value),
            )
            .at(name.span.with_len(name.value.chars().count()))
            .help("use a letter followed by letters, digits, `_` or `-` (at most 64 characters)"),
        );
    }
}

fn check_mapping(
    name: &Located<String>,
    mapping: &Located<Mapping>,
    errors: &mut Vec<Diagnostic>,
) -> Option<CheckedMapping> {
    let from = &mapping.from;
    let from_span = from
        .span
        .or(mapping.span)
        .with_len(from.value.chars().count());
    let path: Vec<String> = from
        .value
        .trim_start_matches("{{")
        .trim_end_matches("}}")
        .trim()
        .split('.')
        .map(String::from)
        .collect();
    let (root, rest) = path.split_first()?;
    let fields = match root.as_str() {
        "incident" => catalogue::INCIDENT,
        "alert" => catalogue::ALERT,
        _ => {
            errors.push(
                Diagnostic::error(codes::SPEC022.code, format!("mapping `{}` reads from `{}`, which is not an incident or alert field", name.value, from.value))
                    .at(from_span)
                    .help("map an enumerated trigger field such as `incident.severity`, `incident.status` or `alert.severity`"),
            );
            return None;
        }
    };
    let Some((field, [])) = catalogue::lookup(fields, rest) else {
        let names = fields.iter().map(|f| f.name);
        let suggestion =
            did_you_mean(&rest.join("."), names).map(|s| format!("did you mean `{root}.{s}`?"));
        errors.push(
            Diagnostic::error(
                codes::SPEC022.code,
                format!("unknown field `{}` in mapping `{}`", from.value, name.value),
            )
            .at(from_span)
            .help_opt(suggestion),
        );
        return None;
    };
    let ValueType::Enum(allowed) = field.ty else {
        errors.push(
            Diagnostic::error(
                codes::SPEC022.code,
                format!("mapping `{}` reads from `{}`, which has no fixed set of values", name.value, from.value),
            )
            .at(from_span)
            .help("map an enumerated field (severity, status, classification); for free text use a template"),
        );
        return None;
    };
    let mut table = Vec::new();
    for (source, target) in &mapping.values {
        if !allowed.contains(&source.value.as_str()) {
            let suggestion = did_you_mean(&source.value, allowed.iter().copied())
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            errors.push(
                Diagnostic::error(
                    codes::SPEC023.code,
                    format!("`{}` is not a value of `{}`", source.value, from.value),
                )
                .at(source
                    .span
                    .or(mapping.span)
                    .with_len(source.value.chars().count()))
                .help(format!("{suggestion}values are: {}", allowed.join(", "))),
            );
            continue;
        }
        table.push((source.value.clone(), target.value.clone()));
    }
    let missing: Vec<&str> = allowed
        .iter()
        .copied()
        .filter(|v| !mapping.values.keys().any(|k| k.value == *v))
        .collect();
    if !missing.is_empty() && mapping.default.is_none() {
        errors.push(
            Diagnostic::error(
                codes::SPEC024.code,
                format!(
                    "mapping `{}` does not cover {} of `{}`",
                    name.value,
                    missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    from.value
                ),
            )
            .at(name
                .span
                .or(mapping.span)
                .with_len(name.value.chars().count()))
            .help("add the missing values under `values`, or a `default:`"),
        );
    }
    Some(CheckedMapping {
        name: name.value.clone(),
        root: root.clone(),
        field,
        table,
        default: mapping.default.as_ref().map(|d| d.value.clone()),
        span: name.span,
    })
}
