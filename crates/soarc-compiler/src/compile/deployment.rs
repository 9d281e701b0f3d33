//! Deployment facts, checked: what a playbook's parameters file needs from `deployment:`
//! (SPEC070, SPEC071) and the health monitoring's settings (SPEC092). The ARM emitters take
//! these checked values and raise no spec error.

use indexmap::IndexMap;

use super::retry;
use super::{CompiledPlaybook, ConnectionKind};
use crate::codes;
use crate::spec::{Deployment, Located, Monitoring, Secret};
use soarc_lang::arm::{KeyVaultId, KeyVaultReference};
use soarc_lang::diagnostics::Diagnostic;

/// The Sentinel workspace of `deployment.workspace`.
#[derive(Debug, Clone, PartialEq)]
pub struct Workspace {
    pub name: String,
    /// Its resource group, when it differs from the deployment's.
    pub resource_group: Option<String>,
}

/// What one playbook's template and parameters file need from the spec's `deployment:`.
#[derive(Debug, Clone, Default)]
pub struct PlaybookTarget {
    /// The Sentinel workspace: run logs go there; Sentinel playbooks get a role on it.
    pub workspace: Option<Workspace>,
    /// Parameters-file Key Vault references of connection secrets, by the connection's
    /// spec name.
    pub secrets: IndexMap<String, KeyVaultReference>,
    /// Key Vaults of this target by the spec's vault name (`key_vaults:` of the
    /// deployment or environment); a vault not listed keeps its spec name.
    pub key_vaults: IndexMap<String, String>,
    /// This target's per-environment values (`values:`), by name.
    pub values: IndexMap<String, crate::spec::EnvValue>,
}

impl PlaybookTarget {
    /// The name vault `spec_name` has in this target.
    pub fn key_vault_name<'a>(&'a self, spec_name: &'a str) -> &'a str {
        self.key_vaults
            .get(spec_name)
            .map_or(spec_name, String::as_str)
    }
}

/// `key_vaults:` of a deployment, by spec name.
fn key_vault_names(deployment: Option<&Located<Deployment>>) -> IndexMap<String, String> {
    deployment
        .map(|d| {
            d.key_vaults
                .iter()
                .map(|(k, v)| (k.value.clone(), v.value.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn workspace(deployment: Option<&Located<Deployment>>) -> Option<Workspace> {
    deployment.map(|d| Workspace {
        name: d.workspace.name.value.clone(),
        resource_group: d.workspace.resource_group.as_ref().map(|g| g.value.clone()),
    })
}

/// The deployment facts of one compiled playbook, or every fact the spec is missing.
pub fn playbook(
    playbook: &CompiledPlaybook,
    deployment: Option<&Located<Deployment>>,
) -> Result<PlaybookTarget, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut secrets = IndexMap::new();
    for connection in &playbook.connections {
        if let ConnectionKind::ServiceNow(snow) = &connection.kind {
            match key_vault_reference(&snow.password, deployment) {
                Ok(reference) => {
                    secrets.insert(connection.spec_name.clone(), reference);
                }
                Err(e) => errors.push(*e),
            }
        }
        if let ConnectionKind::Managed(managed) = &connection.kind {
            for (name, value) in &managed.connection.parameters {
                if let crate::spec::ConnectionParameter::Secret(secret) = &value.value {
                    let located = Located {
                        value: secret.clone(),
                        span: value.span,
                    };
                    match key_vault_reference(&located, deployment) {
                        Ok(reference) => {
                            secrets.insert(
                                managed_secret_key(&connection.spec_name, &name.value),
                                reference,
                            );
                        }
                        Err(e) => errors.push(*e),
                    }
                }
            }
        }
    }
    let workspace = workspace(deployment);
    if playbook.uses_sentinel() && workspace.is_none() {
        errors.push(
            Diagnostic::error(
                codes::SPEC070.code,
                format!("playbook `{}` uses Sentinel, but the spec has no `deployment.workspace`", playbook.name),
            )
            .at(playbook.span)
            .help("add `deployment: { workspace: { name: <Sentinel workspace> } }` so the playbook can be granted Microsoft Sentinel Responder"),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let target = PlaybookTarget {
        workspace,
        secrets,
        key_vaults: key_vault_names(deployment),
        values: crate::env_values::of(deployment),
    };
    if !playbook.template_parameters.is_empty() {
        // An imported template parameter must not take the name of one of soarc's own
        // (ARM parameter names are case-insensitive: Learn, "Parameters in ARM templates").
        let own = crate::emit::arm::playbook::own_parameter_names(playbook, &target);
        for (name, declared) in &playbook.template_parameters {
            if let Some(taken) = own.iter().find(|o| o.eq_ignore_ascii_case(name)) {
                errors.push(
                    Diagnostic::error(
                        codes::SPEC131.code,
                        format!(
                            "`as_imported.template_parameters.{name}` of playbook `{}`: soarc's template already declares `{taken}`",
                            playbook.name
                        ),
                    )
                    .at(declared.span)
                    .help("rename the parameter, here and in every `parameters('...')` of the playbook's deployment values"),
                );
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
    }
    Ok(target)
}

/// Key of a `kind: managed` connection parameter's secret in [`PlaybookTarget::secrets`].
pub fn managed_secret_key(connection: &str, parameter: &str) -> String {
    format!("{connection}.{parameter}")
}

/// Parameters-file reference to a Key Vault secret: needs the vault's full resource id.
fn key_vault_reference(
    secret: &Located<Secret>,
    deployment: Option<&Located<Deployment>>,
) -> Result<KeyVaultReference, Box<Diagnostic>> {
    let kv = &secret.key_vault;
    let subscription = kv
        .subscription_id
        .as_ref()
        .or_else(|| deployment.and_then(|d| d.subscription_id.as_ref()));
    let group = kv
        .resource_group
        .as_ref()
        .or_else(|| deployment.and_then(|d| d.resource_group.as_ref()));
    let (Some(subscription), Some(group)) = (subscription, group) else {
        return Err(Box::new(Diagnostic::error(
            codes::SPEC071.code,
            format!("Key Vault secret `{}` needs the vault's subscription and resource group", kv.secret.value),
        )
        .at(secret.span)
        .help("set `deployment.subscription_id` and `deployment.resource_group`, or `subscription_id` and `resource_group` on the key_vault reference")));
    };
    let vault = deployment
        .and_then(|d| d.key_vaults.get(&kv.vault))
        .unwrap_or(&kv.vault);
    Ok(KeyVaultReference {
        key_vault: KeyVaultId {
            id: format!(
                "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.KeyVault/vaults/{}",
                subscription.value, group.value, vault.value
            ),
        },
        secret_name: kv.secret.value.clone(),
    })
}

/// How often the failure alert's query runs, in seconds; windows are at least this long.
pub const ALERT_EVALUATION_FREQUENCY: u64 = 300;

/// Health monitoring, checked: what `OUT/monitoring/` deploys.
#[derive(Debug, Clone)]
pub struct CheckedMonitoring {
    pub workspace: Workspace,
    /// Deploy the health workbook.
    pub workbook: bool,
    pub alert: Option<CheckedAlert>,
}

/// The failure alert, checked.
#[derive(Debug, Clone)]
pub struct CheckedAlert {
    /// Fire at this many failed runs of a playbook in the window (at least 1).
    pub failures: u64,
    /// The window, in seconds (5 minutes to 1 day).
    pub window: u64,
    /// Alert severity, 0 (critical) to 4 (verbose).
    pub severity: u8,
    /// The action group's e-mail receivers, with this target's per-environment values
    /// (`{{env.NAME}}` items) in place.
    pub emails: Vec<String>,
    /// Some recipients come from per-environment values: the receivers are then a template
    /// parameter, set by each environment's parameters file.
    pub emails_per_environment: bool,
}

/// The checked monitoring settings (`None`: nothing to deploy), or the spec's problems
/// with them (SPEC092).
pub fn monitoring(
    monitoring: &Located<Monitoring>,
    deployment: Option<&Located<Deployment>>,
) -> Result<Option<CheckedMonitoring>, Vec<Diagnostic>> {
    let Some(workspace) = workspace(deployment) else {
        return Err(vec![
            Diagnostic::error(
                codes::SPEC092.code,
                "`monitoring` needs the Sentinel workspace, but the spec has no `deployment.workspace`",
            )
            .at(monitoring.span)
            .help("add `deployment: { workspace: { name: <Sentinel workspace> } }`: the playbooks send their run logs there and the workbook and alert read them"),
        ]);
    };
    if !monitoring.workbook && monitoring.alert.is_none() {
        return Ok(None);
    }
    let mut errors = Vec::new();
    let alert = monitoring.alert.as_ref().map(|alert| {
        let failures = &alert.failures;
        if failures.value < 1 {
            errors.push(
                Diagnostic::error(
                    codes::SPEC092.code,
                    format!(
                        "alert threshold {} is not a number of failures",
                        failures.value
                    ),
                )
                .at(failures.span.with_len(failures.value.to_string().len()))
                .help("write `failures: 5` (fire at 5 failed runs of a playbook in the window)"),
            );
        }
        let window = retry::duration_in(
            &alert.window,
            "alert window",
            codes::SPEC092.code,
            (ALERT_EVALUATION_FREQUENCY, 86_400),
        )
        .unwrap_or_else(|e| {
            errors.push(*e);
            3_600
        });
        let severity = alert.severity.as_ref().map(|s| s.value).unwrap_or(2);
        if let Some(s) = alert
            .severity
            .as_ref()
            .filter(|s| !(0..=4).contains(&s.value))
        {
            errors.push(
                Diagnostic::error(
                    codes::SPEC092.code,
                    format!("alert severity {} is not 0 to 4", s.value),
                )
                .at(s.span)
                .help("0 is critical, 4 verbose; the default is 2"),
            );
        }
        if alert.emails.is_empty() {
            errors.push(
                Diagnostic::error(codes::SPEC092.code, "the failure alert has no `emails`")
                    .at(alert.span)
                    .help("write `emails: [soc@contoso.com]`"),
            );
        }
        // `{{env.NAME}}`: each environment's addresses are checked (crate::env_values).
        for email in alert
            .emails
            .iter()
            .filter(|e| crate::env_values::reference(e).is_none())
        {
            if !crate::env_values::email(&email.value) {
                errors.push(
                    Diagnostic::error(
                        codes::SPEC092.code,
                        format!("`{}` is not an e-mail address", email.value),
                    )
                    .at(email.span.with_len(email.value.chars().count()))
                    .help("write e.g. `soc@contoso.com`"),
                );
            }
        }
        CheckedAlert {
            failures: u64::try_from(failures.value).unwrap_or(0),
            window,
            severity: u8::try_from(severity).unwrap_or(2),
            emails: alert
                .emails
                .iter()
                .flat_map(|e| match crate::env_values::reference(e) {
                    // Checked by crate::env_values::check for every target.
                    Some(name) => match deployment
                        .and_then(|d| crate::env_values::value(d, name))
                        .map(|v| &v.value)
                    {
                        Some(crate::spec::EnvValue::Text(one)) => vec![one.clone()],
                        Some(crate::spec::EnvValue::List(many)) => many.clone(),
                        None => Vec::new(),
                    },
                    None => vec![e.value.clone()],
                })
                .collect(),
            emails_per_environment: alert
                .emails
                .iter()
                .any(|e| crate::env_values::reference(e).is_some()),
        }
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Some(CheckedMonitoring {
        workspace,
        workbook: monitoring.workbook,
        alert,
    }))
}
