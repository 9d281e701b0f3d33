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

/// What the layout `bicep` fills in: the file's purpose (a comment line) and its
/// declarations, printed into one buffer.
#[derive(Serialize)]
struct Layout<'a> {
    purpose: &'a str,
    declarations: &'a str,
}

pub(crate) fn render_file(file: &File, purpose: &str) -> Result<String, Unsupported> {
    let mut declarations = String::with_capacity(4096);
    file.write_declarations(&mut declarations);
    super::render(
        "bicep",
        &Layout {
            purpose,
            declarations: &declarations,
        },
    )
}

/// What the layout `bicepparam` fills in: the template the file is for, and its `param`
/// lines, printed into one buffer.
#[derive(Serialize)]
struct ParamFile<'a> {
    using: &'a str,
    params: &'a str,
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
    let mut params = String::with_capacity(512);
    for (name, value) in &parameters.parameters {
        let value = match value {
            ParameterValue::Value { value } => from_json(value),
            ParameterValue::KeyVault { reference } => get_secret(reference)?,
        };
        param_line(&mut params, &super::value::symbol_name(name), &value);
    }
    for (name, variable) in from_environment {
        let value = Expr::call(
            "readEnvironmentVariable",
            vec![Expr::str(variable.as_str())],
        );
        param_line(&mut params, name, &value);
    }
    super::render(
        "bicepparam",
        &ParamFile {
            using: &string_literal("main.bicep"),
            params: &params,
        },
    )
}

/// `param <name> = <value>` and a line break.
fn param_line(out: &mut String, name: &str, value: &Expr) {
    out.push_str("param ");
    out.push_str(name);
    out.push_str(" = ");
    value.write(out, 0);
    out.push('\n');
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
