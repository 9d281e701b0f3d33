//! A playbook's Bicep: `main.bicep` (translated from the ARM template, the workflow
//! definition loaded from `workflow.json` beside it), module files for nested deployments,
//! and `main.bicepparam` (from the ARM parameters file, Key Vault references as
//! `getSecret()`).

use serde::Serialize;

use super::expr::Unsupported;
use super::template::{self, File};
use super::value::{Expr, from_json, string_literal};
use crate::emit::arm::playbook::PlaybookDeployment;
use soarc_lang::arm::{KeyVaultReference, ParameterValue, ParametersFile};

/// The file the workflow definition is loaded from, relative to `main.bicep`.
pub const DEFINITION_FILE: &str = "workflow.json";

/// Files relative to the playbook's output folder, in a stable order.
pub fn files(deployment: &PlaybookDeployment) -> Result<Vec<(String, String)>, Unsupported> {
    // A definition with deployment values holds ARM expressions that `loadJsonContent()`
    // would read as text: it is translated in place with the rest of the template.
    let main = template::translate(&deployment.template, &|resource, key| {
        (!deployment.deployment_values
            && resource.kind == "Microsoft.Logic/workflows"
            && key == "definition")
            .then(|| Expr::call("loadJsonContent", vec![Expr::str(DEFINITION_FILE)]))
    })?;
    let mut out = Vec::new();
    out.push((
        "main.bicep".to_string(),
        render_file(
            &main,
            "The playbook: API connections, the Logic App and its roles.",
        )?,
    ));
    for (path, module) in &main.module_files {
        let purpose = if path.starts_with("modules/kvSecretsUser")
            || path.starts_with("modules/kv-secrets-user")
        {
            "Module of main.bicep, deployed to the Key Vault's resource group."
        } else {
            "Module of main.bicep, deployed to the Sentinel workspace's resource group."
        };
        out.push((path.clone(), render_file(module, purpose)?));
    }
    out.push((
        "main.bicepparam".to_string(),
        bicepparam(&deployment.parameters)?,
    ));
    Ok(out)
}

/// `main.bicep` and `main.bicepparam` of a deployment without modules or loaded files (the
/// monitoring deployment).
pub fn plain_files(
    template: &soarc_lang::arm::Template,
    parameters: &ParametersFile,
    purpose: &str,
) -> Result<Vec<(String, String)>, Unsupported> {
    let main = template::translate(template, &|_, _| None)?;
    if !main.module_files.is_empty() {
        return Err(Unsupported("modules in a plain deployment".into()));
    }
    Ok(vec![
        ("main.bicep".to_string(), render_file(&main, purpose)?),
        ("main.bicepparam".to_string(), bicepparam(parameters)?),
    ])
}

#[derive(Serialize)]
struct Layout<'a> {
    purpose: &'a str,
    #[serde(flatten)]
    file: &'a File,
}

pub(crate) fn render_file(file: &File, purpose: &str) -> Result<String, Unsupported> {
    super::render("bicep", &Layout { purpose, file })
}

#[derive(Serialize)]
struct ParamFile {
    using: String,
    params: Vec<ParamValue>,
}

#[derive(Serialize)]
struct ParamValue {
    name: String,
    value: String,
}

pub(crate) fn bicepparam(parameters: &ParametersFile) -> Result<String, Unsupported> {
    bicepparam_with_environment(parameters, &[])
}

/// `main.bicepparam`, plus `param <name> = readEnvironmentVariable('<variable>')` for each
/// of `from_environment`.
pub(crate) fn bicepparam_with_environment(
    parameters: &ParametersFile,
    from_environment: &[(String, String)],
) -> Result<String, Unsupported> {
    let mut params: Vec<ParamValue> = parameters
        .parameters
        .iter()
        .map(|(name, value)| {
            let value = match value {
                ParameterValue::Value { value } => from_json(value),
                ParameterValue::KeyVault { reference } => get_secret(reference)?,
            };
            Ok(ParamValue {
                name: super::value::symbol_name(name),
                value: value.print(0),
            })
        })
        .collect::<Result<_, Unsupported>>()?;
    for (name, variable) in from_environment {
        params.push(ParamValue {
            name: name.clone(),
            value: Expr::call(
                "readEnvironmentVariable",
                vec![Expr::str(variable.as_str())],
            )
            .print(0),
        });
    }
    super::render(
        "bicepparam",
        &ParamFile {
            using: string_literal("main.bicep"),
            params,
        },
    )
}

/// `getSecret('<subscription>', '<group>', '<vault>', '<secret>')` from the vault's id.
fn get_secret(reference: &KeyVaultReference) -> Result<Expr, Unsupported> {
    let id = &reference.key_vault.id;
    let segments: Vec<&str> = id.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        [
            "subscriptions",
            subscription,
            "resourceGroups",
            group,
            "providers",
            provider,
            "vaults",
            vault,
        ] if provider.eq_ignore_ascii_case("Microsoft.KeyVault") => Ok(Expr::call(
            "getSecret",
            [
                *subscription,
                *group,
                *vault,
                reference.secret_name.as_str(),
            ]
            .into_iter()
            .map(Expr::str)
            .collect(),
        )),
        _ => Err(Unsupported(format!("Key Vault id {id}"))),
    }
}
