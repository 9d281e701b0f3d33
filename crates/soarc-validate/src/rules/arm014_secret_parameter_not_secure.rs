//! ARM014: a parameter named like a secret is not of a secure type.

use super::{Rule, Severity};
use crate::json::escape_token;
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "ARM014",
    title: "Secret parameter is not secure",
    severity: Severity::Warning,
    doc: "A template parameter whose name says it holds a secret (`password`, `secret`, \
          `accountKey`, and for playbooks also `apiKey`, `apiToken`, `accessToken`, \
          `workspaceKey`, `sharedKey`, `connectionString`) is declared `string` or `object` \
          (arm-ttk: `Password params must be secure`). Its value is then shown in the portal \
          and kept in plain text in the deployment history. Declare it `securestring` (or \
          `secureobject`). As in arm-ttk, names where the secret word is followed by `name`, \
          `url`, `uri`, `version` or `permission` (`KeyVaultSecretName`, `secretUrl`) or that \
          end in `id` are not reported, nor are `bool` and `int` parameters.",
    check,
};

/// Secret words, matched in the name lowercased without `-`, `_` and `.`.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "accountkey",
    "accesskey",
    "privatekey",
    "apikey",
    "apitoken",
    "accesstoken",
    "authtoken",
    "workspacekey",
    "sharedkey",
    "primarykey",
    "secondarykey",
    "connectionstring",
];

/// A secret word followed by one of these names something about the secret, not the secret.
const ABOUT: &[&str] = &["name", "url", "uri", "version", "permission"];

/// The secret word a parameter name contains, if it names a secret.
pub(crate) fn secret_word(name: &str) -> Option<&'static str> {
    // The name without separators, lower-cased: on the stack for an ASCII name (almost all),
    // as the parameters of every template are read.
    let mut stack = [0u8; 96];
    let heap: String;
    let normalized: &str = if name.is_ascii() && name.len() <= stack.len() {
        let mut n = 0;
        for b in name.bytes().filter(|b| !matches!(b, b'-' | b'_' | b'.')) {
            stack[n] = b.to_ascii_lowercase();
            n += 1;
        }
        std::str::from_utf8(&stack[..n]).expect("ASCII")
    } else {
        heap = name
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | '.'))
            .flat_map(char::to_lowercase)
            .collect();
        &heap
    };
    if normalized.ends_with("id") {
        return None;
    }
    // Every secret word contains one of these; most names contain none (one pass, no
    // substring searcher set up per word).
    let n = normalized.as_bytes();
    if !(0..n.len()).any(|i| {
        let r = &n[i..];
        [&b"pass"[..], b"secret", b"key", b"token", b"string"]
            .iter()
            .any(|part| r.starts_with(part))
    }) {
        return None;
    }
    SECRET_WORDS.iter().copied().find(|word| {
        normalized.match_indices(word).any(|(i, _)| {
            let rest = &normalized[i + word.len()..];
            !ABOUT.iter().any(|a| rest.contains(a))
        })
    })
}

fn check(ctx: &Context, sink: &mut Sink) {
    for scope in &ctx.scopes {
        let Some(params) = scope.root.get_ci("parameters").and_then(|p| p.as_object()) else {
            continue;
        };
        for m in params {
            let Some(kind) = m.value.str_ci("type") else {
                continue;
            };
            if !(kind.eq_ignore_ascii_case("string") || kind.eq_ignore_ascii_case("object")) {
                continue;
            }
            if secret_word(m.key).is_none() {
                continue;
            }
            let node = m.value.get_ci("type").expect("has a type");
            sink.report(
                &format!(
                    "{}/parameters/{}/type",
                    scope.pointer,
                    escape_token(m.key)
                ),
                node.start(),
                format!(
                    "parameter '{}' is named like a secret but is of type '{kind}'; declare it secure{kind}",
                    m.key,
                    kind = kind.to_ascii_lowercase()
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{arm, expect, run};
    use super::secret_word;

    #[test]
    fn warns_on_plain_secret_parameters() {
        let t = arm(
            r#"{"adminPassword": {"type": "string"}, "workspace-Key": {"type": "String"},
                "ScanUrlAPIKey": {"type": "string"}, "clientSecret": {"type": "object"}}"#,
            "{}",
            "[]",
        );
        let f = expect(
            "ARM014",
            &t,
            &[
                (
                    "/parameters/adminPassword/type",
                    "parameter 'adminPassword' is named like a secret but is of type 'string'; declare it securestring",
                ),
                (
                    "/parameters/workspace-Key/type",
                    "parameter 'workspace-Key' is named like a secret but is of type 'string'; declare it securestring",
                ),
                (
                    "/parameters/ScanUrlAPIKey/type",
                    "parameter 'ScanUrlAPIKey' is named like a secret but is of type 'string'; declare it securestring",
                ),
                (
                    "/parameters/clientSecret/type",
                    "parameter 'clientSecret' is named like a secret but is of type 'object'; declare it secureobject",
                ),
            ],
        );
        assert_eq!(f.len(), 4, "{f:?}");
        assert!(f[0].message.contains("'adminPassword'"));
        assert!(f[0].message.contains("securestring"));
    }

    #[test]
    fn passes_on_secure_and_unrelated_parameters() {
        let t = arm(
            r#"{"adminPassword": {"type": "securestring"}, "KeyVaultSecretName": {"type": "string"},
                "secretUrl": {"type": "string"}, "passwordRequired": {"type": "bool"},
                "JiraProjectKey": {"type": "string"}, "TokenGeneration": {"type": "string"},
                "workflows_ChangePassword_externalid": {"type": "string"}}"#,
            "{}",
            "[]",
        );
        assert!(run("ARM014", &t).is_empty());
    }

    #[test]
    fn names() {
        assert_eq!(secret_word("mcas-apiToken"), Some("apitoken"));
        // Every word, whatever its case and separators, on the stack and the heap paths.
        for word in super::SECRET_WORDS {
            let upper = word.to_ascii_uppercase();
            let spaced = format!("my-{}.{}", &upper[..2], &upper[2..]);
            assert_eq!(secret_word(&spaced), Some(*word), "{spaced}");
            let long = format!("{}_{spaced}", "x".repeat(100));
            assert_eq!(secret_word(&long), Some(*word), "{long}");
            assert_eq!(secret_word(&format!("Ä{spaced}")), Some(*word), "{spaced}");
        }
        assert_eq!(secret_word("ÄpiKey"), None);
        assert_eq!(secret_word("AdminPassword"), Some("password"));
        assert_eq!(
            secret_word("ServiceBusConnConnectionString"),
            Some("connectionstring")
        );
        assert_eq!(secret_word("OrganizationKey"), None);
        assert_eq!(secret_word("workflows_ChangePassword_Playbook_name"), None);
    }
}
