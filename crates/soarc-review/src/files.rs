//! `soarc diff` over the files that are not workflows or templates: two ARM parameters files,
//! or two Bicep files (`.bicep`, `.bicepparam`).
//!
//! What is compared, precisely:
//!
//! - **Parameters files** (`$schema` ending in `deploymentParameters.json#`): the
//!   `parameters` object, by parameter name. A parameter is added, removed, or changed when
//!   its entry (`value`, or `reference` to a Key Vault secret) differs as JSON (so
//!   formatting and key order do not count). A parameter that is or was a Key Vault reference
//!   is marked security-relevant ("Key Vault reference"), and so is a value that replaces a
//!   reference or the reverse.
//! - **Bicep files**: the top-level declarations (`param`, `var`, `resource`, `module`,
//!   `output`, `type`, `func`, `metadata`, `import`, `using`, `targetScope`, `extension`), by
//!   keyword and name, each with the decorators written above it. A declaration changed when
//!   its text differs once comments are removed and every run of whitespace outside strings
//!   is one space; nothing is evaluated and expressions are not parsed, so `a+b` and `a + b`
//!   are the same but `'x'` and `"x"` would not be (Bicep has only single-quoted strings).
//!   `param` and the parameters of a `.bicepparam` are reported as parameters, `resource`
//!   and `module` as resources (with their type), everything else as declarations. Security
//!   marks: a resource of type `Microsoft.Authorization/roleAssignments` (role assignment),
//!   `Microsoft.Web/connections` (connection), a `@secure()` parameter or `getSecret(`
//!   (Key Vault reference).
//!
//! Bicep syntax: Learn, "Bicep file structure and syntax"
//! (https://learn.microsoft.com/azure/azure-resource-manager/bicep/file), "Parameters files
//! for Bicep" (https://learn.microsoft.com/azure/azure-resource-manager/bicep/parameter-files);
//! strings are single-quoted with `\` escapes, `'''` multi-line strings have none, comments
//! are `//` and `/* */`.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::diff::{Change, ChangeKind, FieldChange, Report, Security, Subject, SubjectKind};
use crate::load::{DocKind, LoadError, classify};

/// Which comparison `soarc diff` makes for two paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pair {
    /// Two workflows, templates or folders: [`crate::diff::diff`].
    Inventories,
    Parameters,
    Bicep,
}

/// Compare two paths, whatever they hold: parameters files and Bicep files here, anything
/// else through [`crate::load::load`] and [`crate::diff::diff`].
pub fn diff_paths(old: &Path, new: &Path) -> Result<Report, LoadError> {
    match pair(old, new)? {
        Pair::Bicep => {
            let (a, b) = (read_text(old)?, read_text(new)?);
            Ok(report(old, new, diff_bicep(&a, &b)))
        }
        Pair::Parameters => {
            let (a, b) = (read_json(old)?, read_json(new)?);
            Ok(report(old, new, diff_parameters(&a, &b)))
        }
        Pair::Inventories => {
            let (a, b) = (crate::load::load(old)?, crate::load::load(new)?);
            Ok(crate::diff::diff(&a, &b))
        }
    }
}

fn report(old: &Path, new: &Path, changes: Vec<Change>) -> Report {
    Report {
        old: old.display().to_string(),
        new: new.display().to_string(),
        changes,
    }
}

fn is_bicep(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e == "bicep" || e == "bicepparam")
}

/// What the two paths are; a Bicep file against anything else, or a parameters file against
/// a template, is an error that says what to pass.
pub fn pair(old: &Path, new: &Path) -> Result<Pair, LoadError> {
    match (is_bicep(old), is_bicep(new)) {
        (true, true) => return Ok(Pair::Bicep),
        (true, false) | (false, true) => {
            let other = if is_bicep(old) { new } else { old };
            return Err(error(
                other,
                "the other side is a Bicep file; compare a .bicep or .bicepparam with another",
            ));
        }
        (false, false) => {}
    }
    if old.is_dir() || new.is_dir() {
        return Ok(Pair::Inventories);
    }
    let parameters = |p: &Path| -> Result<bool, LoadError> {
        Ok(classify(&read_json(p)?) == DocKind::Parameters)
    };
    match (parameters(old)?, parameters(new)?) {
        (true, true) => Ok(Pair::Parameters),
        (false, false) => Ok(Pair::Inventories),
        (true, false) => Err(error(
            new,
            "the other side is an ARM parameters file; compare it with another parameters file",
        )),
        (false, true) => Err(error(
            old,
            "the other side is an ARM parameters file; compare it with another parameters file",
        )),
    }
}

fn error(path: &Path, message: &str) -> LoadError {
    LoadError {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

fn read_text(path: &Path) -> Result<String, LoadError> {
    let bytes = soarc_lang::read::read_regular(path, 64 * 1024 * 1024)
        .map_err(|e| error(path, &format!("cannot read it: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| error(path, "not UTF-8 text"))?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

fn read_json(path: &Path) -> Result<Value, LoadError> {
    let text = read_text(path)?;
    serde_json::from_str(&soarc_lang::jsonc::blank_comments(&text))
        .map_err(|e| error(path, &format!("not valid JSON: {e}")))
}

/// Two parameters files, by parameter name.
pub fn diff_parameters(old: &Value, new: &Value) -> Vec<Change> {
    let empty = serde_json::Map::new();
    let entries = |v: &Value| -> BTreeMap<String, Value> {
        v["parameters"]
            .as_object()
            .unwrap_or(&empty)
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let (old, new) = (entries(old), entries(new));
    let mut changes = Vec::new();
    for (name, kind, before, after) in paired(&old, &new) {
        let is_reference = |v: Option<&Value>| v.is_some_and(|v| v.get("reference").is_some());
        let security = if is_reference(before) || is_reference(after) {
            vec![Security::KeyVault]
        } else {
            Vec::new()
        };
        let mut fields = Vec::new();
        for key in ["value", "reference"] {
            let (b, a) = (
                before.and_then(|v| v.get(key)),
                after.and_then(|v| v.get(key)),
            );
            if b != a {
                fields.push(FieldChange {
                    path: key.to_string(),
                    old: b.map(compact),
                    new: a.map(compact),
                    expressions: Vec::new(),
                });
            }
        }
        changes.push(Change {
            subject: Subject {
                kind: SubjectKind::Parameter,
                playbook: None,
                name: name.clone(),
            },
            kind,
            fields,
            security,
        });
    }
    changes
}

/// Entries of two maps that differ, in name order: added, removed or changed.
fn paired<'a, T: PartialEq>(
    old: &'a BTreeMap<String, T>,
    new: &'a BTreeMap<String, T>,
) -> Vec<(&'a String, ChangeKind, Option<&'a T>, Option<&'a T>)> {
    let mut out = Vec::new();
    for (name, before) in old {
        match new.get(name) {
            None => out.push((name, ChangeKind::Removed, Some(before), None)),
            Some(after) if after != before => {
                out.push((name, ChangeKind::Changed, Some(before), Some(after)))
            }
            Some(_) => {}
        }
    }
    for (name, after) in new {
        if !old.contains_key(name) {
            out.push((name, ChangeKind::Added, None, Some(after)));
        }
    }
    out.sort_by(|a, b| a.0.cmp(b.0));
    out
}

fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A top-level Bicep declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    pub keyword: String,
    pub name: String,
    /// The declaration with its decorators, comments removed and whitespace runs outside
    /// strings made one space.
    pub text: String,
}

/// Two Bicep files, by declaration.
pub fn diff_bicep(old: &str, new: &str) -> Vec<Change> {
    let by_key = |text: &str| -> BTreeMap<String, Declaration> {
        declarations(text)
            .into_iter()
            .map(|d| (format!("{} {}", d.keyword, d.name), d))
            .collect()
    };
    let (old, new) = (by_key(old), by_key(new));
    paired(&old, &new)
        .into_iter()
        .map(|(_, kind, before, after)| {
            let d = after.or(before).expect("one side has it");
            let (subject, name) = match d.keyword.as_str() {
                "param" => (SubjectKind::Parameter, d.name.clone()),
                "resource" | "module" => (
                    SubjectKind::Resource,
                    format!("{} {} {}", d.keyword, d.name, resource_type(d)),
                ),
                _ => (
                    SubjectKind::Declaration,
                    format!("{} {}", d.keyword, d.name),
                ),
            };
            let mut security = Vec::new();
            for side in [before, after].into_iter().flatten() {
                let text = side.text.as_str();
                if text.contains("'Microsoft.Authorization/roleAssignments@") {
                    security.push(Security::RoleAssignment);
                }
                if text.contains("'Microsoft.Web/connections@") {
                    security.push(Security::Connection);
                }
                if text.contains("@secure()") || text.contains("getSecret(") {
                    security.push(Security::KeyVault);
                }
            }
            security.sort();
            security.dedup();
            Change {
                subject: Subject {
                    kind: subject,
                    playbook: None,
                    name: name.trim_end().to_string(),
                },
                kind,
                fields: vec![FieldChange {
                    path: String::new(),
                    old: before.map(|d| d.text.clone()),
                    new: after.map(|d| d.text.clone()),
                    expressions: Vec::new(),
                }],
                security,
            }
        })
        .collect()
}

/// The `'Type@version'` of a resource or the path of a module, as written after its name.
fn resource_type(d: &Declaration) -> &str {
    let head = format!("{} {} ", d.keyword, d.name);
    let after = d.text.find(&head).map_or("", |i| &d.text[i + head.len()..]);
    match after.strip_prefix('\'').and_then(|rest| rest.find('\'')) {
        Some(end) => &after[..end + 2],
        None => "",
    }
}

const KEYWORDS: [&str; 12] = [
    "param",
    "var",
    "resource",
    "module",
    "output",
    "type",
    "func",
    "metadata",
    "import",
    "using",
    "targetScope",
    "extension",
];

/// The top-level declarations of a Bicep file, in order. One pass over the text: strings
/// and comments are skipped, brackets counted, and a line at depth 0 that starts with a
/// keyword starts a declaration (decorator lines above it belong to it).
pub fn declarations(text: &str) -> Vec<Declaration> {
    let normal = normalise(text);
    let mut out: Vec<Declaration> = Vec::new();
    let mut pending_decorators = String::new();
    for line in normal {
        let trimmed = line.text.trim();
        if trimmed.is_empty() {
            continue;
        }
        if line.depth_at_start == 0 {
            if trimmed.starts_with('@') {
                pending_decorators.push_str(trimmed);
                pending_decorators.push(' ');
                continue;
            }
            let mut words = trimmed.split([' ', '=', '\'', '{', '(']);
            let first = words.next().unwrap_or_default();
            if KEYWORDS.contains(&first) {
                let name = match first {
                    // `using 'main.bicep'`, `import ...`, `targetScope = ...`: one per file.
                    "using" | "import" | "targetScope" | "extension" => String::new(),
                    _ => words
                        .find(|w| !w.is_empty())
                        .unwrap_or_default()
                        .to_string(),
                };
                out.push(Declaration {
                    keyword: first.to_string(),
                    name,
                    text: format!("{pending_decorators}{trimmed}"),
                });
                pending_decorators.clear();
                continue;
            }
        }
        if let Some(last) = out.last_mut() {
            last.text.push(' ');
            last.text.push_str(trimmed);
        }
    }
    out
}

struct Line {
    /// Bracket depth (`{`, `[`, `(`) where the line starts.
    depth_at_start: usize,
    /// The line, comments removed, whitespace runs outside strings one space.
    text: String,
}

fn normalise(text: &str) -> Vec<Line> {
    let chars: Vec<char> = text.chars().collect();
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut depth: usize = 0;
    let mut start_depth = 0;
    let mut i = 0;
    let mut space = false;
    let push_char = |current: &mut String, space: &mut bool, c: char| {
        if *space && !current.is_empty() {
            current.push(' ');
        }
        *space = false;
        current.push(c);
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\n' => {
                lines.push(Line {
                    depth_at_start: start_depth,
                    text: std::mem::take(&mut current),
                });
                space = false;
                start_depth = depth;
                i += 1;
            }
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    // A block comment over several lines joins them: the declaration goes on.
                    i += 1;
                }
                i += 2;
                space = true;
            }
            '\'' if chars[i..].starts_with(&['\'', '\'', '\'']) => {
                // Multi-line string: verbatim up to the closing `'''`, no escapes.
                push_char(&mut current, &mut space, '\'');
                current.push_str("''");
                i += 3;
                while i < chars.len() && !chars[i..].starts_with(&['\'', '\'', '\'']) {
                    current.push(chars[i]);
                    i += 1;
                }
                current.push_str("'''");
                i += 3;
            }
            '\'' => {
                push_char(&mut current, &mut space, '\'');
                i += 1;
                while i < chars.len() && chars[i] != '\'' && chars[i] != '\n' {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        current.push(chars[i]);
                        i += 1;
                    }
                    current.push(chars[i]);
                    i += 1;
                }
                if i < chars.len() && chars[i] == '\'' {
                    current.push('\'');
                    i += 1;
                }
            }
            c if c.is_whitespace() => {
                space = true;
                i += 1;
            }
            c => {
                match c {
                    '{' | '[' | '(' => depth += 1,
                    '}' | ']' | ')' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                push_char(&mut current, &mut space, c);
                i += 1;
            }
        }
    }
    lines.push(Line {
        depth_at_start: start_depth,
        text: current,
    });
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parameters_by_name_with_key_vault_marked() {
        let old = json!({
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
            "parameters": {
                "PlaybookName": { "value": "snow" },
                "Same": { "value": { "a": 1, "b": 2 } },
                "SnowPassword": { "reference": { "keyVault": { "id": "/kv/old" }, "secretName": "p" } },
                "Gone": { "value": 1 }
            }
        });
        let new = json!({
            "parameters": {
                "Same": { "value": { "b": 2, "a": 1 } },
                "PlaybookName": { "value": "snow-2" },
                "SnowPassword": { "reference": { "keyVault": { "id": "/kv/new" }, "secretName": "p" } },
                "Added": { "value": true }
            }
        });
        let changes = diff_parameters(&old, &new);
        let summary: Vec<(String, ChangeKind, bool)> = changes
            .iter()
            .map(|c| (c.subject.name.clone(), c.kind, !c.security.is_empty()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("Added".into(), ChangeKind::Added, false),
                ("Gone".into(), ChangeKind::Removed, false),
                ("PlaybookName".into(), ChangeKind::Changed, false),
                ("SnowPassword".into(), ChangeKind::Changed, true),
            ]
        );
        assert_eq!(changes[2].fields[0].old.as_deref(), Some("snow"));
        assert_eq!(changes[2].fields[0].new.as_deref(), Some("snow-2"));
        assert_eq!(changes[3].fields[0].path, "reference");
    }

    const OLD: &str = "// header\n@description('Name')\nparam name string = 'pb' // trailing\n\n\
        @secure()\nparam password string\n\nvar x = {\n  a: 'b // not a comment'\n}\n\n\
        resource wf 'Microsoft.Logic/workflows@2019-05-01' = {\n  name: name\n  location: loc\n}\n\n\
        resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {\n  name: guid(wf.id)\n  properties: { roleDefinitionId: 'r1' }\n}\n";

    #[test]
    fn bicep_declarations_with_decorators_and_no_comments() {
        let decls = declarations(OLD);
        let keys: Vec<String> = decls
            .iter()
            .map(|d| format!("{} {}", d.keyword, d.name))
            .collect();
        assert_eq!(
            keys,
            [
                "param name",
                "param password",
                "var x",
                "resource wf",
                "resource ra"
            ]
        );
        assert_eq!(
            decls[0].text,
            "@description('Name') param name string = 'pb'"
        );
        assert_eq!(decls[2].text, "var x = { a: 'b // not a comment' }");
    }

    #[test]
    fn bicep_changes_by_declaration_and_reformatting_is_no_change() {
        let new = OLD
            .replace(
                "  name: name\n  location: loc\n",
                "  name:   name\n    location: loc2\n",
            )
            .replace("'r1'", "'r2'")
            .replace(
                "var x = {\n  a: 'b // not a comment'\n}",
                "var x = {\n      a: 'b // not a comment'\n}",
            )
            .replace("@secure()\nparam password string\n", "")
            + "output id string = wf.id\n";
        let changes = diff_bicep(OLD, &new);
        let summary: Vec<(SubjectKind, String, ChangeKind, Vec<Security>)> = changes
            .iter()
            .map(|c| {
                (
                    c.subject.kind,
                    c.subject.name.clone(),
                    c.kind,
                    c.security.clone(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    SubjectKind::Declaration,
                    "output id".into(),
                    ChangeKind::Added,
                    vec![]
                ),
                (
                    SubjectKind::Parameter,
                    "password".into(),
                    ChangeKind::Removed,
                    vec![Security::KeyVault]
                ),
                (
                    SubjectKind::Resource,
                    "resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01'".into(),
                    ChangeKind::Changed,
                    vec![Security::RoleAssignment]
                ),
                (
                    SubjectKind::Resource,
                    "resource wf 'Microsoft.Logic/workflows@2019-05-01'".into(),
                    ChangeKind::Changed,
                    vec![]
                ),
            ]
        );
    }

    #[test]
    fn bicepparam_parameters() {
        let old = "using 'main.bicep'\n\nparam PlaybookName = 'a'\nparam Secret = getSecret('s', 'rg', 'kv', 'p')\n";
        let new = "using 'main.bicep'\nparam PlaybookName = 'b'\nparam Secret = getSecret('s', 'rg', 'kv', 'p')\n";
        let changes = diff_bicep(old, new);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].subject.name, "PlaybookName");
        assert_eq!(
            changes[0].fields[0].old.as_deref(),
            Some("param PlaybookName = 'a'")
        );
    }
}
