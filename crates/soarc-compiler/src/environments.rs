//! Deployment targets: the spec's `deployment:` or its named `environments:` (SPEC120 to
//! SPEC123), how their files are named, the deploy scripts of the ordered deployments, and
//! Sentinel Repositories' `sentinel-deployment.config`.
//!
//! Learn, "Customize repository deployments" (articles/sentinel/ci-cd-custom-deploy.md),
//! "Scale your deployments with parameter files": Repositories picks, for a content file,
//! the parameters file mapped in `sentinel-deployment.config` (`parameterfilemappings`,
//! keyed by workspace ID), else `<name>.parameters-<WorkspaceID>.json` beside it, else
//! `<name>.parameters.json`. "Customize your connection configuration": the config file sits
//! at the repository root; `prioritizedcontentfiles` deploy first, `excludecontentfiles`
//! never; paths are full paths from the root with `/`.

use std::collections::HashSet;
use std::path::Path;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::json;

use crate::build::Layout;
use crate::codes;
use crate::emit::az::single_quote;
use crate::model::names;
use crate::spec::{Connection, Deployment, Located, Spec};
use soarc_lang::arm::{ParameterValue, ParametersFile};
use soarc_lang::diagnostics::Diagnostic;

/// Sentinel Repositories' configuration file, at the repository root.
pub const CONFIG_FILE: &str = "sentinel-deployment.config";
/// The ordered deployment of everything (`--layout az`).
pub const DEPLOY_DIR: &str = "deploy";
/// What Repositories cannot deploy (`--layout repositories`).
pub const PREREQUISITES_DIR: &str = "prerequisites";

/// One deployment target: an environment, or the spec's single `deployment:` (or none).
#[derive(Debug, Clone)]
pub struct Target {
    pub name: Option<String>,
    pub deployment: Option<Located<Deployment>>,
}

impl Target {
    /// How messages name the target.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or("deployment")
    }

    /// `<stem>.<ext>`, or `<stem>.<environment>.<ext>` for an environment.
    pub fn file(&self, stem: &str, ext: &str) -> String {
        match &self.name {
            Some(name) => format!("{stem}.{name}.{ext}"),
            None => format!("{stem}.{ext}"),
        }
    }

    /// The workspace ID (GUID), if the spec gives it.
    pub fn workspace_id(&self) -> Option<&str> {
        self.deployment
            .as_ref()
            .and_then(|d| d.workspace.id.as_ref())
            .map(|id| id.value.as_str())
    }

    /// The parameters file Repositories picks for this target's workspace by its name.
    pub fn repositories_parameters_file(&self) -> String {
        match self.workspace_id() {
            Some(id) => format!("azuredeploy.parameters-{id}.json"),
            None => "azuredeploy.parameters.json".into(),
        }
    }

    /// `workspace` (the parameter Repositories fills) first in a parameters file, so the
    /// file also deploys with `az` as it stands.
    pub fn set_workspace(&self, parameters: &mut ParametersFile) {
        if let Some(d) = &self.deployment {
            parameters.parameters.shift_insert(
                0,
                crate::emit::arm::layout::REPOSITORIES_WORKSPACE_PARAMETER.into(),
                ParameterValue::Value {
                    value: json!(d.workspace.name.value),
                },
            );
        }
    }
}

/// The spec's targets, checked: its environments in order, or its one `deployment:`. With
/// environments, `spec.deployment` becomes the first so that checks of the compiled
/// playbooks that need one (vault subscriptions) see a real target.
pub fn targets(spec: &mut Spec, layout: Layout, errors: &mut Vec<Diagnostic>) -> Vec<Target> {
    let used_vaults = vaults(spec);
    if spec.environments.is_empty() {
        if let Some(d) = &spec.deployment {
            check(d, &used_vaults, layout, None, errors);
        }
        return vec![Target {
            name: None,
            deployment: spec.deployment.clone(),
        }];
    }
    if let Some(d) = &spec.deployment {
        errors.push(
            Diagnostic::error(
                codes::SPEC120.code,
                "the spec has both `deployment:` and `environments:`",
            )
            .at(d.span)
            .label("one deployment target too many")
            .help(codes::SPEC120.fix),
        );
    }
    let mut targets = Vec::with_capacity(spec.environments.len());
    for (name, deployment) in &spec.environments {
        if !file_safe(&name.value) {
            errors.push(
                Diagnostic::error(
                    codes::SPEC121.code,
                    format!(
                        "environment name `{}` cannot be used in file names",
                        name.value.escape_debug()
                    ),
                )
                .at(name.span)
                .help("use lower-case letters, digits and `-`, starting with a letter (e.g. `prod`, `customer-a`)"),
            );
        }
        check(deployment, &used_vaults, layout, Some(name), errors);
        targets.push(Target {
            name: Some(name.value.clone()),
            deployment: Some(deployment.clone()),
        });
    }
    if spec.deployment.is_none() {
        spec.deployment = targets[0].deployment.clone();
    }
    targets
}

/// Lower-case letters, digits and `-`, starting with a letter, at most 40 characters.
fn file_safe(name: &str) -> bool {
    name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Key Vaults the spec's connections name.
fn vaults(spec: &Spec) -> HashSet<String> {
    spec.connections
        .values()
        .filter_map(|c| match &c.value {
            Connection::ServiceNow(c) => Some(&c.password),
            Connection::JiraCloud(c) => Some(&c.api_token),
            Connection::JiraDataCenter(c) => Some(&c.personal_access_token),
            _ => None,
        })
        .map(|s| s.key_vault.vault.value.clone())
        .collect()
}

/// One target's names: Azure's naming rules, the workspace ID, `key_vaults`.
fn check(
    deployment: &Located<Deployment>,
    used_vaults: &HashSet<String>,
    layout: Layout,
    environment: Option<&Located<String>>,
    errors: &mut Vec<Diagnostic>,
) {
    // `deployment:` itself is checked with the rest of the spec's names.
    if environment.is_some() {
        if let Some(group) = &deployment.resource_group {
            names::check(group, names::NameKind::ResourceGroup, errors);
        }
        if let Some(subscription) = &deployment.subscription_id {
            names::check_guid(subscription, "subscription id", errors);
        }
        if let Some(group) = &deployment.workspace.resource_group {
            names::check(group, names::NameKind::ResourceGroup, errors);
        }
    }
    match &deployment.workspace.id {
        Some(id) => names::check_guid(id, "workspace id", errors),
        None if layout == Layout::Repositories && environment.is_some() => errors.push(
            Diagnostic::error(
                codes::SPEC123.code,
                format!(
                    "environment `{}` has no `workspace.id`, which Sentinel Repositories names its parameters files by",
                    environment.map_or("", |e| e.value.as_str())
                ),
            )
            .at(deployment.workspace.span)
            .help(codes::SPEC123.fix),
        ),
        None => {}
    }
    for (vault, renamed) in &deployment.key_vaults {
        if !used_vaults.contains(&vault.value) {
            let mut known: Vec<&str> = used_vaults.iter().map(String::as_str).collect();
            known.sort_unstable();
            errors.push(
                Diagnostic::error(
                    codes::SPEC122.code,
                    format!(
                        "`key_vaults` maps `{}`, a vault no connection uses",
                        vault.value
                    ),
                )
                .at(vault.span)
                .help(if known.is_empty() {
                    "the spec's connections read no Key Vault; remove `key_vaults`".to_string()
                } else {
                    format!("the connections use: {}", known.join(", "))
                }),
            );
        }
        names::check(renamed, names::NameKind::KeyVault, errors);
    }
}

/// What `sentinel-deployment.config` says about one target's files.
#[derive(Debug, Default)]
pub struct RepositoriesFiles {
    /// (content file, its parameters file) of each playbook.
    pub playbooks: Vec<(std::path::PathBuf, std::path::PathBuf)>,
    /// (content file, its parameters file) of the automation rules.
    pub rules: Vec<(std::path::PathBuf, std::path::PathBuf)>,
    /// Files in OUT Repositories must not deploy (the prerequisites).
    pub excluded: Vec<std::path::PathBuf>,
}

impl RepositoriesFiles {
    pub fn extend(&mut self, other: RepositoriesFiles) {
        self.playbooks.extend(other.playbooks);
        self.rules.extend(other.rules);
        self.excluded.extend(other.excluded);
    }
}

/// `sentinel-deployment.config`, collected over the targets.
#[derive(Debug, Default)]
pub struct RepositoriesConfig {
    prioritized: IndexMap<String, ()>,
    excluded: IndexMap<String, ()>,
    mappings: IndexMap<String, IndexMap<String, String>>,
}

#[derive(Serialize)]
pub struct ConfigFile {
    prioritizedcontentfiles: Vec<String>,
    excludecontentfiles: Vec<String>,
    parameterfilemappings: IndexMap<String, IndexMap<String, String>>,
}

/// A path in OUT as the config writes it: from the root, `/`-separated.
fn config_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

impl RepositoriesConfig {
    pub fn extend(&mut self, target: &Target, files: RepositoriesFiles) {
        // Playbooks first: an automation rule that runs a playbook is rejected while the
        // playbook does not exist. The rules follow with the rest of the content.
        for (content, _) in &files.playbooks {
            self.prioritized.insert(config_path(content), ());
        }
        for path in &files.excluded {
            self.excluded.insert(config_path(path), ());
        }
        if let Some(id) = target.workspace_id() {
            let mapping = self.mappings.entry(id.to_string()).or_default();
            for (content, parameters) in files.playbooks.iter().chain(&files.rules) {
                mapping.insert(config_path(content), config_path(parameters));
            }
        }
    }

    pub fn config(&self) -> ConfigFile {
        ConfigFile {
            prioritizedcontentfiles: self.prioritized.keys().cloned().collect(),
            excludecontentfiles: self.excluded.keys().cloned().collect(),
            parameterfilemappings: self.mappings.clone(),
        }
    }
}

/// The script deploying one target's ordered template (`deploy/`) or prerequisites
/// (`prerequisites/`) with `az deployment group create`, run from anywhere. Values from the
/// spec are single-quoted shell words; `SUBSCRIPTION_ID` and `RESOURCE_GROUP` in the
/// environment override them.
pub fn deploy_script(target: &Target, layout: Layout, template: &Path) -> String {
    let deployment = target.deployment.as_ref();
    let group = deployment.and_then(|d| match layout {
        // Repositories deploys into the workspace's resource group; so do its prerequisites.
        Layout::Repositories => d
            .workspace
            .resource_group
            .as_ref()
            .or(d.resource_group.as_ref()),
        Layout::Az => d.resource_group.as_ref(),
    });
    let subscription = deployment.and_then(|d| d.subscription_id.as_ref());
    let what = match layout {
        Layout::Az => "every playbook, then the automation rules and the monitoring",
        Layout::Repositories => {
            "what Sentinel Repositories cannot deploy (role assignments, diagnostic settings, monitoring); run it once after Repositories deployed the playbooks, and again when they change"
        }
    };
    let mut lines = vec![
        "#!/usr/bin/env bash".to_string(),
        "# Generated by soarc; do not edit.".to_string(),
        format!(
            "# {}: deploys {what}.",
            match &target.name {
                Some(name) => format!("Environment `{name}`"),
                None => "The spec's deployment target".into(),
            }
        ),
        "set -euo pipefail".to_string(),
        "cd \"$(dirname \"$0\")/..\"".to_string(),
    ];
    lines.push(match group {
        Some(g) => format!(
            "RESOURCE_GROUP=${{RESOURCE_GROUP:-{}}}",
            single_quote(&g.value)
        ),
        None => "RESOURCE_GROUP=${RESOURCE_GROUP:?set RESOURCE_GROUP to the resource group to deploy to}".into(),
    });
    let mut command = vec!["az deployment group create".to_string()];
    if let Some(s) = subscription {
        lines.push(format!(
            "SUBSCRIPTION_ID=${{SUBSCRIPTION_ID:-{}}}",
            single_quote(&s.value)
        ));
        command.push("  --subscription \"$SUBSCRIPTION_ID\"".into());
    }
    command.push("  --resource-group \"$RESOURCE_GROUP\"".into());
    command.push(format!(
        "  --name {}",
        single_quote(&format!(
            "soarc-{}",
            target.name.as_deref().unwrap_or("all")
        ))
    ));
    command.push(format!(
        "  --template-file {}",
        single_quote(&config_path(template))
    ));
    lines.push(command.join(" \\\n"));
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_names_are_file_safe() {
        assert!(file_safe("prod"));
        assert!(file_safe("customer-a2"));
        assert!(!file_safe("Prod"));
        assert!(!file_safe("2prod"));
        assert!(!file_safe("a b"));
        assert!(!file_safe("../x"));
        assert!(!file_safe(""));
    }

    #[test]
    fn files_are_named_per_environment() {
        let plain = Target {
            name: None,
            deployment: None,
        };
        assert_eq!(plain.file("main", "bicepparam"), "main.bicepparam");
        assert_eq!(
            plain.repositories_parameters_file(),
            "azuredeploy.parameters.json"
        );
        let prod = Target {
            name: Some("prod".into()),
            deployment: None,
        };
        assert_eq!(
            prod.file("azuredeploy.parameters", "json"),
            "azuredeploy.parameters.prod.json"
        );
    }

    #[test]
    fn scripts_quote_spec_values() {
        let target = Target {
            name: Some("prod".into()),
            deployment: None,
        };
        let script = deploy_script(
            &target,
            Layout::Az,
            Path::new("deploy/azuredeploy.prod.json"),
        );
        assert!(script.contains("RESOURCE_GROUP=${RESOURCE_GROUP:?"));
        assert!(script.contains("--template-file 'deploy/azuredeploy.prod.json'"));
        assert!(script.contains("--name 'soarc-prod'"));
    }
}
