//! Azure's naming rules for the names a spec gives that become resource names and
//! identifiers in the generated ARM and Bicep (Key Vault names, resource groups, secret
//! names). Checked here, at the spec's position, so that no emitter ever meets a name that
//! would break the template or inject text into it.
//!
//! Source: Learn, "Naming rules and restrictions for Azure resources"
//! (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).

use soarc_lang::diagnostics::Diagnostic;

use crate::codes;
use crate::spec::{KeyVaultSecret, Located};

/// What a name names, with the rule that applies to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// `Microsoft.KeyVault/vaults`: "3-24 | Alphanumerics and hyphens. Start with letter.
    /// End with letter or digit. Can't contain consecutive hyphens."
    KeyVault,
    /// `Microsoft.KeyVault/vaults/secrets`: "1-127 | Alphanumerics and hyphens."
    Secret,
    /// `Microsoft.Resources/resourcegroups`: "1-90 | Underscores, hyphens, periods,
    /// parentheses, and letters or digits as defined by the Char.IsLetterOrDigit function
    /// ... Can't end with period."
    ResourceGroup,
}

impl NameKind {
    fn what(self) -> &'static str {
        match self {
            NameKind::KeyVault => "Key Vault name",
            NameKind::Secret => "Key Vault secret name",
            NameKind::ResourceGroup => "resource group name",
        }
    }

    fn rule(self) -> &'static str {
        match self {
            NameKind::KeyVault => {
                "3 to 24 letters, digits and hyphens, starting with a letter, ending with a letter or digit, no `--`"
            }
            NameKind::Secret => "1 to 127 letters, digits and hyphens",
            NameKind::ResourceGroup => {
                "1 to 90 letters, digits, `_`, `-`, `.`, `(` and `)`, not ending with `.`"
            }
        }
    }

    /// Whether `name` follows the rule.
    pub fn accepts(self, name: &str) -> bool {
        let len = name.chars().count();
        let alnum_or_dash = |c: char| c.is_ascii_alphanumeric() || c == '-';
        match self {
            NameKind::KeyVault => {
                (3..=24).contains(&len)
                    && name.starts_with(|c: char| c.is_ascii_alphabetic())
                    && name.ends_with(|c: char| c.is_ascii_alphanumeric())
                    && name.chars().all(alnum_or_dash)
                    && !name.contains("--")
            }
            NameKind::Secret => (1..=127).contains(&len) && name.chars().all(alnum_or_dash),
            NameKind::ResourceGroup => {
                (1..=90).contains(&len)
                    && !name.ends_with('.')
                    && name
                        .chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '(' | ')'))
            }
        }
    }
}

/// Check `name` against its rule; an error at its position if it breaks it. The message
/// quotes the name with control characters escaped, so it stays on one line.
pub fn check(name: &Located<String>, kind: NameKind, errors: &mut Vec<Diagnostic>) {
    check_at(name, soarc_lang::diagnostics::Span::default(), kind, errors)
}

/// [`check`], with `fallback` as the position when the name's own is not known.
pub fn check_at(
    name: &Located<String>,
    fallback: soarc_lang::diagnostics::Span,
    kind: NameKind,
    errors: &mut Vec<Diagnostic>,
) {
    if kind.accepts(&name.value) {
        return;
    }
    errors.push(
        Diagnostic::error(
            codes::SPEC085.code,
            format!(
                "{} `{}` is not valid in Azure",
                kind.what(),
                name.value.escape_debug()
            ),
        )
        .at(name.span.or(fallback).with_len(name.value.chars().count().max(1)))
        .help(format!(
            "Azure allows {} (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules)",
            kind.rule()
        )),
    );
}

/// `secret` with a position for each name whose own was lost: where its text is first
/// written in the source after `from`, else `from` itself. Linear in the source's length.
pub fn positioned(
    secret: &KeyVaultSecret,
    sources: &soarc_lang::diagnostics::Sources,
    from: soarc_lang::diagnostics::Span,
) -> KeyVaultSecret {
    let find = |name: &Located<String>| {
        if name.span.is_known() {
            return name.clone();
        }
        let span = sources
            .get(from.file)
            .filter(|_| from.is_known())
            .and_then(|file| {
                let start = file.offset_of(from.line, from.column)?;
                let found = file.text[start..].find(name.value.as_str())?;
                let (line, column) = file.line_col(start + found);
                Some(soarc_lang::diagnostics::Span {
                    file: from.file,
                    line,
                    column,
                    len: name.value.chars().count(),
                })
            })
            .unwrap_or(from);
        Located::new(name.value.clone(), span)
    };
    KeyVaultSecret {
        vault: find(&secret.vault),
        secret: find(&secret.secret),
        resource_group: secret.resource_group.as_ref().map(&find),
        subscription_id: secret.subscription_id.as_ref().map(&find),
    }
}

/// The names of a Key Vault secret reference.
pub fn check_secret(
    secret: &KeyVaultSecret,
    at: soarc_lang::diagnostics::Span,
    errors: &mut Vec<Diagnostic>,
) {
    check_at(&secret.vault, at, NameKind::KeyVault, errors);
    check_at(&secret.secret, at, NameKind::Secret, errors);
    if let Some(group) = &secret.resource_group {
        check_at(group, at, NameKind::ResourceGroup, errors);
    }
    if let Some(subscription) = &secret.subscription_id {
        let subscription = Located::new(subscription.value.clone(), subscription.span.or(at));
        check_guid(&subscription, "subscription id", errors);
    }
}

/// A GUID (subscription ids, object ids).
pub fn is_guid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

pub fn check_guid(value: &Located<String>, what: &str, errors: &mut Vec<Diagnostic>) {
    if !is_guid(&value.value) {
        errors.push(
            Diagnostic::error(
                codes::SPEC085.code,
                format!("{what} `{}` is not a GUID", value.value.escape_debug()),
            )
            .at(value.span.with_len(value.value.chars().count().max(1)))
            .help("write it as 8-4-4-4-12 hexadecimal digits, e.g. `00000000-0000-0000-0000-000000000000`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_vault_names_follow_azure() {
        for ok in ["kv-soc", "abc", "a23456789012345678901234", "KvSoc1"] {
            assert!(NameKind::KeyVault.accepts(ok), "{ok}");
        }
        for bad in [
            "kv",
            "1kv",
            "kv-",
            "kv--soc",
            "kv x'y${z}",
            "kv\nresource x",
            "a234567890123456789012345",
        ] {
            assert!(!NameKind::KeyVault.accepts(bad), "{bad}");
        }
    }

    #[test]
    fn resource_group_names_follow_azure() {
        for ok in ["rg-soc", "rg_(prod).1", "Ressourcengruppe-ü"] {
            assert!(NameKind::ResourceGroup.accepts(ok), "{ok}");
        }
        for bad in ["", "rg.", "rg'x", "rg x", "rg\n"] {
            assert!(!NameKind::ResourceGroup.accepts(bad), "{bad}");
        }
    }

    #[test]
    fn guids() {
        assert!(is_guid("00000000-0000-0000-0000-00000000000a"));
        assert!(!is_guid("Brute force rule"));
        assert!(!is_guid("00000000-0000-0000-0000-00000000000g"));
    }
}
