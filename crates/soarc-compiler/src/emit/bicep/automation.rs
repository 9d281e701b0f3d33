//! The automation rules' Bicep: `main.bicep` (translated from the rules' ARM template, its
//! nested deployments as modules) and `main.bicepparam`.

use super::expr::Unsupported;
use super::playbook::{bicepparam_with_environment, render_file};
use super::template;
use crate::emit::arm::automation::RulesDeployment;

/// Files relative to `automation-rules/`, in a stable order.
pub fn files(deployment: &RulesDeployment) -> Result<Vec<(String, String)>, Unsupported> {
    let main = template::translate(&deployment.template, &|_, _| None)?;
    let mut out = vec![(
        "main.bicep".to_string(),
        render_file(
            &main,
            "Sentinel automation rules on the workspace, and the role Sentinel needs to run the playbooks.",
        )?,
    )];
    for (path, module) in &main.module_files {
        let purpose = if module
            .resources
            .iter()
            .any(|r| r.target.contains("roleAssignments"))
        {
            "Module of main.bicep, deployed to the playbooks' resource group."
        } else {
            "Module of main.bicep, deployed to the Sentinel workspace's resource group."
        };
        out.push((path.clone(), render_file(module, purpose)?));
    }
    out.push((
        "main.bicepparam".to_string(),
        bicepparam_with_environment(&deployment.parameters, &deployment.from_environment)?,
    ));
    Ok(out)
}
