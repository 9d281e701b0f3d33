//! Per-environment values: `values:` of each environment (or of `deployment:`), referenced
//! from the spec as `{{env.NAME}}` in the places that differ between workspaces (a
//! ServiceNow instance and its user, the failure alert's e-mail recipients).
//!
//! The templates stay environment-free: a reference compiles to a template parameter
//! (`Env<Name>`, typed), and where the workflow needs the value too, to a workflow
//! definition parameter of the same name that the template sets. Each environment's
//! parameters files (`.json`, `.bicepparam`, the ordered deployment, the Repositories
//! per-workspace files) carry its value. Learn, "Create Resource Manager parameter file"
//! (articles/azure-resource-manager/templates/parameter-files.md,
//! https://learn.microsoft.com/azure/azure-resource-manager/templates/parameter-files): "To
//! deploy to different environments, you create more than one parameter file"; a parameter
//! without a default "must be provided"; and "Your parameter file can only contain values
//! for parameters that are defined in the template", so a value is written only into the
//! files of templates that declare its parameter. "Create parameters files for Bicep
//! deployment" (articles/azure-resource-manager/bicep/parameter-files.md): `.bicepparam`
//! likewise, `using` the template.
//!
//! A value lands in a language: a URL, an e-mail address list, a JSON string. Every value
//! of every environment is checked at build time against what its slot accepts (SPEC136),
//! at the value's file:line:col, so what reaches a template is safe in that language by
//! construction; nothing is escaped at run time because nothing needs it.

use std::collections::HashSet;

use indexmap::IndexMap;

use crate::codes;
use crate::environments::Target;
use crate::spec::{Connection, EnvValue, Located, Spec};
use soarc_lang::diagnostics::{Diagnostic, Sources, Span};

/// Value `name` of a deployment target: a hash lookup (the spec's names hash by text).
pub fn value<'a>(
    deployment: &'a crate::spec::Deployment,
    name: &str,
) -> Option<&'a Located<EnvValue>> {
    deployment
        .values
        .get(&Located::new(name.to_string(), Span::default()))
}

/// `{{env.NAME}}` written as the whole of a field: `NAME`.
pub fn reference(text: &str) -> Option<&str> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
    let name = inner.strip_prefix("env.")?;
    (!name.is_empty() && !name.contains(['{', '}', ' '])).then_some(name)
}

/// How documentation names a field's value: the text, or for `{{env.NAME}}` "each
/// environment's `NAME`" (the templates and pages are the same for every environment).
pub fn describe(text: &str) -> String {
    match reference(text) {
        Some(name) => format!("`{name}` of each environment"),
        None => text.to_string(),
    }
}

/// The template (and workflow definition) parameter of value `name`: `snow_instance` ->
/// `EnvSnowInstance`. The `Env` prefix keeps it apart from soarc's own parameters.
pub fn parameter(name: &str) -> String {
    let mut out = String::from("Env");
    for part in name.split('_').filter(|p| !p.is_empty()) {
        let mut chars = part.chars();
        if let Some(c) = chars.next() {
            out.push(c.to_ascii_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

/// What a place that takes a per-environment value accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// An https URL of a service (scheme, host, optional port and path), e.g. a ServiceNow
    /// instance; placed in a connection's parameters and in ticket links.
    HttpsUrl,
    /// An account name; placed in a JSON string of a connection's parameters.
    Account,
    /// One e-mail address or a list of them; each becomes one recipient.
    Emails,
    /// Exactly one e-mail address (an account).
    Address,
    /// Text in a step (`{{env.NAME}}` among other text): one value, not a list; encoded at
    /// run time for the language it lands in, as every reference.
    Text,
}

impl Slot {
    fn accepts(self) -> &'static str {
        match self {
            Slot::HttpsUrl => {
                "an https URL such as `https://test.contoso.com` (letters, digits, `.`, `-` in the host; no query, fragment or spaces)"
            }
            Slot::Account => "an account name on one line, without leading or trailing spaces",
            Slot::Emails => "an e-mail address such as `soc-test@contoso.com`, or a list of them",
            Slot::Text => {
                "one text value (a list is taken only by `monitoring.alert.emails` and `on_failure.email.to`)"
            }
            Slot::Address => "one e-mail address such as `sentinel-bot@contoso.com`",
        }
    }
}

/// One `{{env.NAME}}` in the spec.
#[derive(Debug, Clone)]
pub struct Use {
    pub name: String,
    pub slot: Slot,
    /// What the place is, in the user's words.
    pub place: String,
    pub span: Span,
}

/// Every place of the spec that refers to a per-environment value.
pub fn uses(spec: &Spec, sources: &Sources) -> Vec<Use> {
    let mut uses = Vec::new();
    let mut add = |text: &Located<String>, at: Span, slot: Slot, place: String| {
        if let Some(name) = reference(&text.value) {
            uses.push(Use {
                name: name.to_string(),
                slot,
                place,
                span: if text.span.is_known() {
                    text.span
                } else {
                    locate(&text.value, sources, at)
                },
            });
        }
    };
    for (name, connection) in &spec.connections {
        // A connection is read whole before its `kind:` is known, so the positions inside
        // it are lost: a use is found in the source after the connection's.
        let at = connection.span.or(name.span);
        if let Connection::JiraCloud(jira) = &connection.value {
            add(
                &jira.site,
                at,
                Slot::HttpsUrl,
                format!("the site of Jira connection `{}`", name.value),
            );
            add(
                &jira.email,
                at,
                Slot::Address,
                format!("the account e-mail of Jira connection `{}`", name.value),
            );
        }
        if let Connection::JiraDataCenter(jira) = &connection.value {
            add(
                &jira.base_url,
                at,
                Slot::HttpsUrl,
                format!("the base URL of Jira connection `{}`", name.value),
            );
        }
        if let Connection::ServiceNow(snow) = &connection.value {
            add(
                &snow.instance,
                at,
                Slot::HttpsUrl,
                format!("the instance of ServiceNow connection `{}`", name.value),
            );
            add(
                &snow.username,
                at,
                Slot::Account,
                format!("the user of ServiceNow connection `{}`", name.value),
            );
        }
    }
    if let Some(alert) = spec.monitoring.as_ref().and_then(|m| m.alert.as_ref()) {
        for email in &alert.emails {
            add(
                email,
                alert.span,
                Slot::Emails,
                "an e-mail recipient of the failure alert".into(),
            );
        }
    }
    uses
}

/// Where `text` is first written in the source at or after `from` (a position lost by
/// the loader), else `from`. Linear in the source's length.
fn locate(text: &str, sources: &Sources, from: Span) -> Span {
    sources
        .get(from.file)
        .filter(|_| from.is_known())
        .and_then(|file| {
            let start = file.offset_of(from.line, from.column)?;
            let found = file.text[start..].find(text.trim())?;
            let (line, column) = file.line_col(start + found);
            Some(Span {
                file: from.file,
                line,
                column,
                len: text.trim().chars().count(),
            })
        })
        .unwrap_or(from)
}

/// Value names become parameter names: lower-case letters, digits and `_`, starting with a
/// letter, at most 40 characters.
fn name_ok(name: &str) -> bool {
    name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Check the per-environment values of every target against the spec-level places that use
/// them: each used value is given by every target (SPEC135) and accepted by each place
/// (SPEC136); each given value is well named (SPEC138). `{{env.NAME}}` in a step's text is
/// checked where the playbook compiles ([`crate::compile`]).
pub fn check(spec: &Spec, sources: &Sources, targets: &[Target], errors: &mut Vec<Diagnostic>) {
    let uses = uses(spec, sources);
    for target in targets {
        let Some(deployment) = &target.deployment else {
            for u in &uses {
                errors.push(
                    Diagnostic::error(
                        codes::SPEC135.code,
                        format!("`{{{{env.{}}}}}` refers to a per-environment value, but the spec has no `environments:` or `deployment:` to give it", u.name),
                    )
                    .at(u.span)
                    .help(format!("add `values: {{ {}: ... }}` to each environment (or to `deployment:`), or write the value here", u.name)),
                );
            }
            continue;
        };
        for name in deployment.values.keys() {
            if !name_ok(&name.value) {
                errors.push(
                    Diagnostic::error(
                        codes::SPEC138.code,
                        format!(
                            "value name `{}` cannot name a template parameter",
                            name.value.escape_debug()
                        ),
                    )
                    .at(name.span.with_len(name.value.chars().count()))
                    .help("use lower-case letters, digits and `_`, starting with a letter (e.g. `snow_instance`)"),
                );
            }
        }
        for u in &uses {
            match value(deployment, &u.name) {
                None => errors.push(
                    Diagnostic::error(
                        codes::SPEC135.code,
                        format!(
                            "{} has no value `{}`, which {} refers to",
                            label(target),
                            u.name,
                            u.place
                        ),
                    )
                    .at(deployment.span)
                    .help(format!(
                        "add `values: {{ {}: ... }}` to {}: {} takes {}",
                        u.name,
                        label(target),
                        u.place,
                        u.slot.accepts()
                    )),
                ),
                Some(value) => {
                    if let Some(problem) = problem(u.slot, &value.value) {
                        errors.push(
                            Diagnostic::error(
                                codes::SPEC136.code,
                                format!(
                                    "{}: value `{}` {problem}, but it is used as {}",
                                    label(target),
                                    u.name,
                                    u.place
                                ),
                            )
                            .at(value.span)
                            .help(format!("write {}", u.slot.accepts())),
                        );
                    }
                }
            }
        }
    }
}

/// Values a target gives that nothing uses (SPEC137): neither a place of [`uses`] nor a
/// compiled workflow (`workflows`, the names their `{{env.NAME}}` read).
pub fn unused(
    spec: &Spec,
    targets: &[Target],
    workflows: &HashSet<String>,
    errors: &mut Vec<Diagnostic>,
) {
    let uses = uses(spec, &Sources::default());
    let used: HashSet<&str> = uses
        .iter()
        .map(|u| u.name.as_str())
        .chain(workflows.iter().map(String::as_str))
        .collect();
    let places = "a ServiceNow connection's instance or user, a Jira connection's site, base URL or e-mail, the failure alert's `emails`, or any step text (e.g. a Jira `project`)";
    for target in targets {
        let Some(deployment) = &target.deployment else {
            continue;
        };
        for name in deployment.values.keys() {
            if !used.contains(name.value.as_str()) {
                errors.push(
                    Diagnostic::error(
                        codes::SPEC137.code,
                        format!(
                            "{} gives value `{}`, which no `{{{{env.{}}}}}` uses",
                            label(target),
                            name.value,
                            name.value
                        ),
                    )
                    .at(name.span.with_len(name.value.chars().count()))
                    .help(format!("write `\"{{{{env.{}}}}}\"` in one of the places that differ per environment ({places}), or remove the value", name.value)),
                );
            }
        }
    }
}

/// Check one use of value `name` in a workflow against every target (`deployments`, from
/// [`Spec::deployments`]): each gives it (SPEC135) and it fits `slot` (SPEC136). True when
/// all do.
pub fn check_use(
    deployments: &[(Option<&str>, &Located<crate::spec::Deployment>)],
    name: &str,
    slot: Slot,
    place: &str,
    span: Span,
    errors: &mut Vec<Diagnostic>,
) -> bool {
    let mut ok = true;
    if deployments.is_empty() {
        errors.push(
            Diagnostic::error(
                codes::SPEC135.code,
                format!("`{{{{env.{name}}}}}` refers to a per-environment value, but the spec has no `environments:` or `deployment:` to give it"),
            )
            .at(span)
            .help(format!("add `values: {{ {name}: ... }}` to each environment (or to `deployment:`), or write the value here")),
        );
        return false;
    }
    for (environment, deployment) in deployments {
        let label = environment.map_or("`deployment:`".to_string(), |e| {
            format!("environment `{e}`")
        });
        match value(deployment, name) {
            None => {
                ok = false;
                errors.push(
                    Diagnostic::error(
                        codes::SPEC135.code,
                        format!("{label} has no value `{name}`, which {place} refers to"),
                    )
                    .at(span)
                    .help(format!(
                        "add `values: {{ {name}: ... }}` to {label}: {}",
                        slot.accepts()
                    )),
                );
            }
            Some(value) => {
                if let Some(problem) = problem(slot, &value.value) {
                    ok = false;
                    errors.push(
                        Diagnostic::error(
                            codes::SPEC136.code,
                            format!("{label}: value `{name}` {problem}, but it is used as {place}"),
                        )
                        .at(value.span)
                        .help(format!("write {}", slot.accepts())),
                    );
                }
            }
        }
    }
    ok
}

fn label(target: &Target) -> String {
    match &target.name {
        Some(name) => format!("environment `{name}`"),
        None => "`deployment:`".into(),
    }
}

/// Why `value` does not fit `slot`, in the user's words (the value is repeated only when
/// it is short and printable: values are not secrets, but a message stays readable).
fn problem(slot: Slot, value: &EnvValue) -> Option<String> {
    let show = |s: &str| {
        if s.chars().count() <= 80 {
            format!("`{}`", s.escape_debug())
        } else {
            "this value".to_string()
        }
    };
    match (slot, value) {
        (Slot::HttpsUrl | Slot::Account | Slot::Text | Slot::Address, EnvValue::List(_)) => {
            Some("is a list".into())
        }
        (Slot::Text, EnvValue::Text(_)) => None,
        (Slot::HttpsUrl, EnvValue::Text(url)) => {
            (!https_url(url)).then(|| format!("{} is not an https URL", show(url)))
        }
        (Slot::Account, EnvValue::Text(account)) => (account.is_empty()
            || account.trim() != account
            || account.chars().any(char::is_control))
        .then(|| format!("{} is not an account name", show(account))),
        (Slot::Emails | Slot::Address, EnvValue::Text(address)) => {
            (!email(address)).then(|| format!("{} is not an e-mail address", show(address)))
        }
        (Slot::Emails, EnvValue::List(addresses)) => {
            if addresses.is_empty() {
                return Some("is an empty list".into());
            }
            addresses
                .iter()
                .find(|a| !email(a))
                .map(|a| format!("holds {}, which is not an e-mail address", show(a)))
        }
    }
}

/// `https://host[:port][/path]`: host of letters, digits, `.` and `-`; path of unreserved
/// characters and `/` (RFC 3986 section 2.3), so the URL needs no encoding in a link,
/// a connection parameter or a JSON string.
pub fn https_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    !host.is_empty()
        && !host.starts_with(['.', '-'])
        && !host.ends_with(['.', '-'])
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && port
            .is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()))
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~/".contains(c))
}

/// One address, `local@domain.tld`: no separator (`;` `,`), space, quote or angle bracket,
/// so it stays one recipient wherever a list of addresses is written.
pub fn email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && address.chars().filter(|&c| c == '@').count() == 1
        && !address
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || ";,<>\"'()[]\\".contains(c))
}

/// The values of one target by name (none for a target without a deployment).
pub fn of(target: Option<&Located<crate::spec::Deployment>>) -> IndexMap<String, EnvValue> {
    target
        .map(|d| {
            d.values
                .iter()
                .map(|(k, v)| (k.value.clone(), v.value.clone()))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_whole_fields() {
        assert_eq!(reference("{{env.snow_instance}}"), Some("snow_instance"));
        assert_eq!(reference(" {{ env.x }} "), Some("x"));
        assert_eq!(reference("https://{{env.x}}"), None);
        assert_eq!(reference("{{incident.title}}"), None);
        assert_eq!(reference("{{env.}}"), None);
    }

    #[test]
    fn parameters_are_pascal_case_with_a_prefix() {
        assert_eq!(parameter("snow_instance"), "EnvSnowInstance");
        assert_eq!(parameter("alert_emails2"), "EnvAlertEmails2");
    }

    #[test]
    fn urls_need_no_encoding() {
        assert!(https_url("https://contoso-test.service-now.com"));
        assert!(https_url("https://jira.contoso.com:8443/jira"));
        assert!(!https_url("http://contoso.service-now.com"));
        assert!(!https_url("https://"));
        assert!(!https_url("https://a.com/?x=1"));
        assert!(!https_url("https://a.com/#frag"));
        assert!(!https_url("https://a b.com"));
        assert!(!https_url("https://a.com'/"));
        assert!(!https_url("https://a.com:/"));
    }

    #[test]
    fn an_address_is_one_recipient() {
        assert!(email("soc@contoso.com"));
        assert!(!email("soc@contoso.com;x@evil.com"));
        assert!(!email("soc@contoso.com,x@evil.com"));
        assert!(!email("SOC <soc@contoso.com>"));
        assert!(!email("soc@contoso"));
        assert!(!email("@contoso.com"));
        assert!(!email("a@b@c.com"));
    }
}
