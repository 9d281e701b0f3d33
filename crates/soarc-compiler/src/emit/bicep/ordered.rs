//! `deploy/main[.<env>].bicep`: the Bicep twin of the ordered deployment
//! ([`crate::emit::arm::layout::composite`]): one module per part, pointing at the part's
//! own `main.bicep`, with the environment's parameter values; Key Vault references become
//! `getSecret()` on an `existing` vault (Learn, "Use Azure Key Vault to pass secure
//! parameter value during Bicep deployment": `getSecret` may set a module's secure
//! parameter). Each module depends on every module of the stage before it.

use super::expr::Unsupported;
use super::playbook::render_file;
use super::template::{Declaration, File};
use super::value::{Expr, from_json};
use crate::emit::arm::layout::Part;
use soarc_lang::arm::ParameterValue;

/// API version of the `existing` Key Vault declarations (read, never deployed).
const KEY_VAULT_API_VERSION: &str = "2023-07-01";

/// A Bicep symbol from a part name: `snow-create-incident` -> `snowCreateIncident`, made
/// unique with a number.
fn symbol(name: &str, taken: &mut std::collections::HashSet<String>) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if out.is_empty() && c.is_ascii_digit() {
                out.push('m');
            }
            if upper && !out.is_empty() {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() {
        out.push('m');
    }
    let mut candidate = out.clone();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{out}{n}");
        n += 1;
    }
    candidate
}

/// The main Bicep file of one target's ordered deployment; `module_path` gives a part's
/// `main.bicep` relative to it.
pub fn file(parts: &[Part], module_path: impl Fn(&Part) -> String) -> Result<String, Unsupported> {
    let mut file = File::default();
    let mut taken = std::collections::HashSet::new();
    // One `existing` declaration per vault id, in first-use order.
    let mut vaults: indexmap::IndexMap<String, String> = indexmap::IndexMap::new();
    let mut previous: Vec<String> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut stage = parts.first().map_or(0, |p| p.stage);
    for part in parts {
        if part.stage != stage {
            stage = part.stage;
            previous = std::mem::take(&mut current);
        }
        let mut params = Vec::new();
        for (name, value) in &part.parameters.parameters {
            let value = match value {
                ParameterValue::Value { value } => from_json(value),
                ParameterValue::KeyVault { reference } => {
                    let id = &reference.key_vault.id;
                    let vault = match vaults.get(id) {
                        Some(symbol) => symbol.clone(),
                        None => {
                            let segments: Vec<&str> =
                                id.trim_start_matches('/').split('/').collect();
                            let [_, subscription, _, group, _, _, _, vault_name] =
                                segments.as_slice()
                            else {
                                return Err(Unsupported(format!("Key Vault id {id}")));
                            };
                            let vault = symbol(&format!("kv-{vault_name}"), &mut taken);
                            file.resources.push(Declaration {
                                symbol: vault.clone(),
                                target: format!(
                                    "Microsoft.KeyVault/vaults@{KEY_VAULT_API_VERSION}"
                                ),
                                existing: true,
                                condition: None,
                                body: Expr::Object(vec![
                                    ("name".into(), Expr::str(*vault_name)),
                                    (
                                        "scope".into(),
                                        Expr::call(
                                            "resourceGroup",
                                            vec![Expr::str(*subscription), Expr::str(*group)],
                                        ),
                                    ),
                                ]),
                            });
                            vaults.insert(id.clone(), vault.clone());
                            vault
                        }
                    };
                    Expr::call(
                        &format!("{vault}.getSecret"),
                        vec![Expr::str(reference.secret_name.as_str())],
                    )
                }
            };
            params.push((name.clone(), value));
        }
        let module = symbol(&part.name, &mut taken);
        let mut body = vec![
            (
                "name".to_string(),
                Expr::str(format!("soarc-{}", part.name)),
            ),
            ("params".to_string(), Expr::Object(params)),
        ];
        if !previous.is_empty() {
            body.push((
                "dependsOn".to_string(),
                Expr::Array(previous.iter().map(Expr::ident).collect()),
            ));
        }
        file.modules.push(Declaration {
            symbol: module.clone(),
            target: module_path(part),
            existing: false,
            condition: None,
            body: Expr::Object(body),
        });
        current.push(module);
    }
    render_file(
        &file,
        "Every playbook, then the automation rules and the monitoring, in one deployment.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_camel_case_and_unique() {
        let mut taken = std::collections::HashSet::new();
        assert_eq!(
            symbol("snow-create-incident", &mut taken),
            "snowCreateIncident"
        );
        assert_eq!(
            symbol("snow_create_incident", &mut taken),
            "snowCreateIncident2"
        );
        assert_eq!(symbol("1st", &mut taken), "m1st");
    }
}
