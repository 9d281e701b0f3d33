//! Which findings are reported: rule selection by code or prefix (`--select`, `--ignore`), a
//! severity threshold (`--severity`), and inline suppressions kept in the JSON itself
//! (`"metadata": {"soarc-ignore": ["WDL016"]}` on a resource, an action, a trigger or the
//! document).
//!
//! Inline suppressions live in `metadata` because both runtimes keep it: ARM ignores a
//! `metadata` object almost anywhere in a template (Learn, "Template structure and syntax",
//! comments and metadata: https://learn.microsoft.com/azure/azure-resource-manager/templates/syntax#comments),
//! and the workflow definition language allows `metadata` on every action and trigger
//! (Microsoft's workflowdefinition.json schema, "The operation metadata").

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::json::{Document, Node};
use crate::rules::{self, Severity};
use crate::{FileReport, Finding};

/// The metadata key holding inline suppressions: an array of rule codes or prefixes.
pub const SUPPRESS_KEY: &str = "soarc-ignore";

/// Which rules are reported, and from which severity.
#[derive(Debug, Clone)]
pub struct Selection {
    select: Vec<String>,
    ignore: Vec<String>,
    /// Findings less severe than this are dropped.
    threshold: Severity,
}

impl Default for Selection {
    fn default() -> Self {
        Selection {
            select: Vec::new(),
            ignore: Vec::new(),
            threshold: Severity::Info,
        }
    }
}

impl Selection {
    /// Codes or prefixes (`WDL`, `ARM01`, `WDL016`, case-insensitive; `ALL` for every rule).
    /// An entry that names no rule is an error, so a typo does not silently select nothing.
    pub fn new(select: &[String], ignore: &[String], threshold: Severity) -> Result<Self, String> {
        let norm = |list: &[String]| -> Result<Vec<String>, String> {
            list.iter()
                .flat_map(|s| s.split(','))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    let up = s.to_ascii_uppercase();
                    if up == "ALL" || rules::ALL.iter().any(|r| r.code.starts_with(&up)) {
                        Ok(if up == "ALL" { String::new() } else { up })
                    } else {
                        Err(format!(
                            "'{s}' is not a rule code or prefix (see `soarc rules`)"
                        ))
                    }
                })
                .collect()
        };
        Ok(Selection {
            select: norm(select)?,
            ignore: norm(ignore)?,
            threshold,
        })
    }

    /// Adds ignored codes or prefixes (from a configuration file).
    pub fn ignore_more(&mut self, codes: &[String]) -> Result<(), String> {
        let more = Selection::new(&[], codes, self.threshold)?;
        self.ignore.extend(more.ignore);
        Ok(())
    }

    /// Whether findings of this rule at this severity are reported.
    pub fn enabled(&self, code: &str, severity: Severity) -> bool {
        severity <= self.threshold
            && (self.select.is_empty() || self.select.iter().any(|p| code.starts_with(p.as_str())))
            && !self.ignore.iter().any(|p| code.starts_with(p.as_str()))
    }

    /// Drops the findings this selection does not report.
    pub fn apply(&self, reports: &mut [FileReport]) {
        for r in reports {
            r.findings.retain(|f| self.enabled(f.code, f.severity));
        }
    }
}

/// The configuration file's name, looked for in the checked path's directory and upwards.
pub const CONFIG_FILE: &str = "soarc.toml";

/// `soarc.toml`, section `[validate]`:
///
/// ```toml
/// [validate]
/// select = ["WDL", "ARM"]      # default: every rule
/// ignore = ["ARM017"]
/// severity = "warning"         # error | warning | info
///
/// [validate.per-path-ignores]  # path prefixes, relative to this file's directory
/// "legacy/" = ["ARM013", "WDL016"]
/// "exports/old.json" = ["ALL"]
/// ```
///
/// Command-line `--select` replaces `select`; `--ignore` adds to `ignore`; `--severity`
/// replaces `severity`.
#[derive(Debug, Clone, Default)]
pub struct ConfigFile {
    /// The file itself.
    pub path: PathBuf,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub severity: Option<Severity>,
    /// (absolute path prefix, codes or prefixes).
    pub per_path: Vec<(PathBuf, Vec<String>)>,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Root {
    #[serde(default)]
    validate: Section,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Section {
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    severity: Option<String>,
    #[serde(default)]
    per_path_ignores: BTreeMap<String, Vec<String>>,
}

/// The nearest `soarc.toml` at or above `start` (a file's directory, or the directory).
pub fn find_config(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join(CONFIG_FILE);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

impl ConfigFile {
    /// Reads and checks a configuration file (codes must name rules).
    pub fn load(path: &Path) -> Result<ConfigFile, String> {
        let bytes = soarc_lang::read::read_regular(path, 1024 * 1024)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let text =
            String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8 text", path.display()))?;
        let root: Root = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let v = root.validate;
        let at = |e: String| format!("{}: {e}", path.display());
        Selection::new(&v.select, &v.ignore, Severity::Info).map_err(at)?;
        let severity =
            match &v.severity {
                None => None,
                Some(s) => Some(parse_severity(s).ok_or_else(|| {
                    at(format!("severity '{s}' is not one of error, warning, info"))
                })?),
            };
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut per_path = Vec::new();
        for (prefix, codes) in v.per_path_ignores {
            Selection::new(&[], &codes, Severity::Info).map_err(at)?;
            per_path.push((
                dir.join(prefix.trim_start_matches("./")),
                codes.iter().map(|c| c.to_ascii_uppercase()).collect(),
            ));
        }
        Ok(ConfigFile {
            path: path.to_path_buf(),
            select: v.select,
            ignore: v.ignore,
            severity,
            per_path,
        })
    }

    /// Drops findings that a per-path entry ignores for their file.
    pub fn apply_per_path(&self, reports: &mut [FileReport]) {
        if self.per_path.is_empty() {
            return;
        }
        for r in reports {
            let Ok(abs) = std::fs::canonicalize(&r.path) else {
                continue;
            };
            let codes: Vec<&String> = self
                .per_path
                .iter()
                .filter(|(prefix, _)| abs.starts_with(prefix))
                .flat_map(|(_, codes)| codes)
                .collect();
            if codes.is_empty() {
                continue;
            }
            r.findings.retain(|f| {
                !codes
                    .iter()
                    .any(|c| c.as_str() == "ALL" || f.code.starts_with(c.as_str()))
            });
        }
    }
}

/// Parses a severity name (`error`, `warning`, `info`).
pub fn parse_severity(s: &str) -> Option<Severity> {
    match s.to_ascii_lowercase().as_str() {
        "error" => Some(Severity::Error),
        "warning" => Some(Severity::Warning),
        "info" => Some(Severity::Info),
        _ => None,
    }
}

/// Inline suppressions of one document: JSON pointer of the object carrying `metadata` →
/// the codes or prefixes it suppresses (upper-cased). A finding is suppressed by the
/// suppressions of its own object and of every object enclosing it.
#[derive(Debug, Default)]
pub struct Suppressions {
    at: HashMap<String, Vec<String>>,
}

impl Suppressions {
    /// Every `metadata.soarc-ignore` in the document (one pass over its values).
    pub fn of(doc: &Document) -> Suppressions {
        let mut s = Suppressions::default();
        let mut pointer = String::new();
        s.visit(doc.root(), &mut pointer);
        s
    }

    fn visit(&mut self, node: Node, pointer: &mut String) {
        let len = pointer.len();
        if let Some(members) = node.as_object() {
            if let Some(codes) = node
                .get_ci("metadata")
                .and_then(|m| m.get_ci(SUPPRESS_KEY))
                .and_then(Node::as_array)
            {
                let codes: Vec<String> = codes
                    .iter()
                    .filter_map(Node::as_str)
                    .map(str::to_ascii_uppercase)
                    .collect();
                self.at.entry(pointer.clone()).or_default().extend(codes);
            }
            for m in members {
                if m.value.as_object().is_none() && m.value.as_array().is_none() {
                    continue;
                }
                pointer.push('/');
                crate::json::push_token(pointer, m.key);
                self.visit(m.value, pointer);
                pointer.truncate(len);
            }
        } else if let Some(items) = node.as_array() {
            for (i, item) in items.iter().enumerate() {
                if item.as_object().is_none() && item.as_array().is_none() {
                    continue;
                }
                use std::fmt::Write;
                let _ = write!(pointer, "/{i}");
                self.visit(item, pointer);
                pointer.truncate(len);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    /// Whether a finding is suppressed: O(length of its pointer).
    pub fn suppresses(&self, f: &Finding) -> bool {
        if self.at.is_empty() {
            return false;
        }
        let p = f.pointer.as_str();
        let prefixes = std::iter::once("").chain(
            p.match_indices('/')
                .skip(1)
                .map(|(i, _)| &p[..i])
                .chain(std::iter::once(p).filter(|p| !p.is_empty())),
        );
        prefixes.filter_map(|pre| self.at.get(pre)).any(|codes| {
            codes
                .iter()
                .any(|c| c == "ALL" || f.code.starts_with(c.as_str()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate_text;

    fn codes(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn select_and_ignore_by_code_or_prefix() {
        let s = Selection::new(&["WDL".into()], &["WDL016".into()], Severity::Info).unwrap();
        assert!(s.enabled("WDL001", Severity::Error));
        assert!(!s.enabled("WDL016", Severity::Warning));
        assert!(!s.enabled("ARM001", Severity::Error));
        let s = Selection::new(&[], &[], Severity::Warning).unwrap();
        assert!(s.enabled("ARM009", Severity::Warning));
        assert!(!s.enabled("JSON003", Severity::Info));
        let err = Selection::new(&["WDX".into()], &[], Severity::Info).unwrap_err();
        assert_eq!(
            err,
            "'WDX' is not a rule code or prefix (see `soarc rules`)"
        );
    }

    #[test]
    fn config_file_is_found_upwards_and_applied_per_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::write(
            root.join(CONFIG_FILE),
            "[validate]\nignore = [\"ARM017\"]\nseverity = \"warning\"\n\n[validate.per-path-ignores]\n\"legacy/\" = [\"WDL019\"]\n",
        )
        .unwrap();
        std::fs::create_dir_all(root.join("legacy/deep")).unwrap();
        let text = r#"{"$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
            "contentVersion": "1.0.0.0", "triggers": {}, "actions": {"a": {"type": "Compse", "inputs": 1}}}"#;
        let old = root.join("legacy/deep/wf.json");
        let new = root.join("wf.json");
        std::fs::write(&old, text).unwrap();
        std::fs::write(&new, text).unwrap();
        let found = find_config(&root.join("legacy/deep")).unwrap();
        assert_eq!(found, root.join(CONFIG_FILE));
        let config = ConfigFile::load(&found).unwrap();
        assert_eq!(config.ignore, ["ARM017"]);
        assert_eq!(config.severity, Some(Severity::Warning));
        let mut reports = vec![crate::validate_file(&old), crate::validate_file(&new)];
        config.apply_per_path(&mut reports);
        assert!(reports[0].findings.iter().all(|f| f.code != "WDL019"));
        assert_eq!(
            reports[1]
                .findings
                .iter()
                .filter(|f| f.code == "WDL019")
                .count(),
            1
        );
        std::fs::write(root.join(CONFIG_FILE), "[validate]\nignore = [\"XYZ\"]\n").unwrap();
        let err = ConfigFile::load(&found).unwrap_err();
        assert!(
            err.ends_with("'XYZ' is not a rule code or prefix (see `soarc rules`)"),
            "{err}"
        );
    }

    #[test]
    fn metadata_suppresses_in_its_object_only() {
        let text = r#"{"$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
            "contentVersion": "1.0.0.0", "triggers": {},
            "actions": {
              "a": {"type": "Compse", "inputs": 1, "metadata": {"soarc-ignore": ["wdl019"]}},
              "b": {"type": "Compse", "inputs": 1}}}"#;
        let (_, findings) = validate_text(text);
        let kept: Vec<&Finding> = findings.iter().filter(|f| f.code == "WDL019").collect();
        assert_eq!(kept.len(), 1, "{findings:?}");
        assert_eq!(kept[0].pointer, "/actions/b/type");
        assert_eq!(
            kept[0].message,
            "action 'b' has unknown type 'Compse'; did you mean 'Compose'?"
        );
        assert!(!codes(&findings).is_empty());
    }
}
