//! `soarc validate`: an offline checker for ARM deployment templates, parameters files and
//! Logic Apps workflow definitions, hand-written or generated.
//!
//! Pipeline per file: [`json::parse`] (positions for every value) → input kind detection
//! ([`Kind`]) → one shared analysis ([`context::Context`]: every ARM expression parsed once,
//! every workflow definition found and its actions, scopes and WDL expressions indexed) → the
//! rules of [`rules::ALL`], one per file, each with a stable code. Output formats are in
//! [`report`].

pub mod config;
pub mod context;
pub mod json;
pub mod report;
pub mod rules;

use std::path::{Path, PathBuf};

pub use context::{Context, Kind};
pub use rules::{Rule, Severity};

/// Files larger than this are not read (a clear per-file message instead).
pub const MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// One problem found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// JSON pointer of the value concerned ("" for the whole document).
    pub pointer: String,
    /// 1-based; 0 when unknown.
    pub line: usize,
    pub column: usize,
}

/// The result for one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: PathBuf,
    /// What the file was recognised as; `None` if it could not be checked at all.
    pub kind: Option<Kind>,
    /// Why the file was not checked (unreadable, not a template, too large).
    pub skipped: Option<String>,
    /// The path could not be read at all (missing, no permission, not a regular file, too
    /// large): an error (exit 2), not a file that is merely of another kind.
    pub unreadable: bool,
    pub findings: Vec<Finding>,
}

impl FileReport {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    pub fn checked(&self) -> bool {
        self.skipped.is_none()
    }
}

/// Where a finding is, as a JSON pointer.
#[derive(Debug, Clone)]
pub enum Pointer {
    /// Given by the rule.
    Text(String),
    /// The pointer of the value that starts at the finding's offset, rendered only once the
    /// finding is kept ([`json::pointer_to`]): the analysis stores no pointer per value.
    Value,
}

/// A finding before positions are resolved: what a rule reports.
#[derive(Debug, Clone)]
pub struct Raw {
    pub pointer: Pointer,
    /// Byte offset into the file.
    pub offset: usize,
    pub message: String,
}

/// Collects what rules report.
#[derive(Debug, Default)]
pub struct Sink {
    pub raw: Vec<Raw>,
}

impl Sink {
    pub fn report(&mut self, pointer: &str, offset: usize, message: impl Into<String>) {
        self.raw.push(Raw {
            pointer: Pointer::Text(pointer.to_string()),
            offset,
            message: message.into(),
        });
    }

    /// Reports the value that starts at `offset` (a string, an object...): its pointer is
    /// rendered from the document when the report is resolved.
    pub fn report_value(&mut self, offset: usize, message: impl Into<String>) {
        self.raw.push(Raw {
            pointer: Pointer::Value,
            offset,
            message: message.into(),
        });
    }
}

/// Validate JSON text on its own (nothing is read from disk, so rules comparing a file with
/// its siblings, ARM018 and ARM019, do not run).
pub fn validate_text(text: &str) -> (Option<Kind>, Vec<Finding>) {
    validate_text_at(text, None)
}

/// Validate JSON text read from `path`: as [`validate_text`], and a parameters file is also
/// compared with its sibling template (read from disk; missing or unreadable: not compared).
pub fn validate_text_at(text: &str, path: Option<&Path>) -> (Option<Kind>, Vec<Finding>) {
    let doc = match json::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let (line, column) = json::Positions::new(text).at(e.offset);
            return (
                Some(Kind::Unknown),
                vec![Finding {
                    code: rules::json001_invalid_json::RULE.code,
                    severity: rules::json001_invalid_json::RULE.severity,
                    message: format!("invalid JSON: {}", e.message),
                    pointer: String::new(),
                    line,
                    column,
                }],
            );
        }
    };
    let kind = Kind::detect(doc.root());
    if kind == Kind::Unknown {
        return (None, Vec::new());
    }
    let sibling = match path {
        Some(path) if kind == Kind::Parameters => sibling_template(path),
        _ => None,
    };
    let mut ctx = Context::new(&doc, kind);
    ctx.sibling_template = sibling.as_ref();
    let mut reported: Vec<(&'static Rule, Raw)> = Vec::new();
    for rule in rules::ALL {
        let mut sink = Sink::default();
        (rule.check)(&ctx, &mut sink);
        reported.extend(sink.raw.into_iter().map(|raw| (*rule, raw)));
    }
    // Positions resolved in file order: linear in the file even for one-line files.
    reported.sort_by_key(|(_, raw)| raw.offset);
    let mut positions = json::Positions::new(text);
    let mut findings: Vec<Finding> = reported
        .into_iter()
        .map(|(rule, raw)| {
            let (line, column) = positions.at(raw.offset);
            let pointer = match raw.pointer {
                Pointer::Text(pointer) => pointer,
                Pointer::Value => json::pointer_to(doc.root(), raw.offset).unwrap_or_default(),
            };
            Finding {
                code: rule.code,
                severity: rule.severity,
                message: raw.message,
                pointer,
                line,
                column,
            }
        })
        .collect();
    // Inline suppressions (`metadata.soarc-ignore`); the document is only walked for them
    // when it may hold the key.
    if may_hold_suppressions(text, &doc) {
        let suppressions = config::Suppressions::of(&doc);
        findings.retain(|f| !suppressions.suppresses(f));
    }
    findings.sort_by(|a, b| {
        (a.line, a.column, a.code, &a.message).cmp(&(b.line, b.column, b.code, &b.message))
    });
    findings.dedup();
    (Some(kind), findings)
}

/// Whether `doc` (read from `text`) may hold the inline-suppression key as
/// [`config::Suppressions::of`] finds it: ignoring ASCII case, and decoded. So the text holds
/// it in some case, or some key has an escape (`soarc\u002dignore` does not show it).
fn may_hold_suppressions(text: &str, doc: &json::Document) -> bool {
    doc.has_escaped_key() || contains_ignore_ascii_case(text.as_bytes(), config::SUPPRESS_KEY)
}

/// `needle` (which holds a byte other than an ASCII letter) occurs in `hay` ignoring ASCII
/// case. The key as usually written is one memmem search; otherwise each occurrence of the
/// needle's first byte that is not a letter (the same in every case) is found with memchr
/// and the bytes around it compared: linear in `hay`.
fn contains_ignore_ascii_case(hay: &[u8], needle: &str) -> bool {
    let needle = needle.as_bytes();
    if memchr::memmem::find(hay, needle).is_some() {
        return true;
    }
    let anchor = needle
        .iter()
        .position(|b| !b.is_ascii_alphabetic())
        .expect("the needle holds a byte that has no case");
    memchr::memchr_iter(needle[anchor], hay).any(|at| {
        at >= anchor
            && hay
                .get(at - anchor..at - anchor + needle.len())
                .is_some_and(|window| window.eq_ignore_ascii_case(needle))
    })
}

/// The template a parameters file belongs to: `x.parameters.json` → `x.json` in the same
/// directory (suffix compared case-insensitively), parsed, if it is an ARM template.
fn sibling_template(path: &Path) -> Option<context::SiblingTemplate> {
    let name = path.file_name()?.to_str()?;
    const SUFFIX: &str = ".parameters.json";
    let stem_len = name.len().checked_sub(SUFFIX.len())?;
    if stem_len == 0
        || !name.is_char_boundary(stem_len)
        || !name[stem_len..].eq_ignore_ascii_case(SUFFIX)
    {
        return None;
    }
    let sibling_name = format!("{}{}", &name[..stem_len], &name[name.len() - 5..]);
    let sibling = path.with_file_name(&sibling_name);
    let text =
        String::from_utf8(soarc_lang::read::read_regular(&sibling, MAX_FILE_SIZE).ok()?).ok()?;
    let doc = json::parse(&text).ok()?.into_owned();
    (Kind::detect(doc.root()) == Kind::ArmTemplate).then_some(context::SiblingTemplate {
        name: sibling_name,
        doc,
    })
}

/// Why a Bicep file is not checked (`None` for other files): soarc validate reads the JSON
/// that Bicep compiles to, and says so rather than ignoring the file.
pub fn bicep_skip(path: &Path) -> Option<String> {
    let ext = path.extension()?.to_str()?;
    (ext.eq_ignore_ascii_case("bicep") || ext.eq_ignore_ascii_case("bicepparam")).then(|| {
        "Bicep file: not checked (soarc validate reads JSON; run `az bicep build` and validate the .json it writes)".to_string()
    })
}

/// Validate one file on disk. Never panics on bad input.
pub fn validate_file(path: &Path) -> FileReport {
    if let Some(why) = bicep_skip(path) {
        return FileReport {
            path: path.to_path_buf(),
            kind: None,
            skipped: Some(why),
            unreadable: false,
            findings: Vec::new(),
        };
    }
    let skipped = |why: String| FileReport {
        path: path.to_path_buf(),
        kind: None,
        skipped: Some(why),
        unreadable: false,
        findings: Vec::new(),
    };
    let bytes = match soarc_lang::read::read_regular(path, MAX_FILE_SIZE) {
        Ok(bytes) => bytes,
        Err(e) => {
            return FileReport {
                unreadable: true,
                ..skipped(format!("cannot read: {e}"))
            };
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            return FileReport {
                path: path.to_path_buf(),
                kind: Some(Kind::Unknown),
                skipped: None,
                unreadable: false,
                findings: vec![Finding {
                    code: rules::json001_invalid_json::RULE.code,
                    severity: Severity::Error,
                    message: format!(
                        "invalid JSON: not UTF-8 (byte {})",
                        e.utf8_error().valid_up_to()
                    ),
                    pointer: String::new(),
                    line: 0,
                    column: 0,
                }],
            };
        }
    };
    let (kind, findings) = validate_text_at(&text, Some(path));
    match kind {
        None => skipped(
            "not an ARM template, parameters file or workflow definition (no known $schema or shape)"
                .into(),
        ),
        Some(kind) => FileReport {
            path: path.to_path_buf(),
            kind: Some(kind),
            skipped: None,
            unreadable: false,
            findings,
        },
    }
}

/// Expand paths: files as given, directories recursively to their `*.json` files (sorted),
/// leaving out soarc's own state files ([`soarc_lang::read::is_state_entry`]). Paths that do not exist
/// and directories that cannot be read become unreadable reports (an error, exit 2).
pub fn collect(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<FileReport>) {
    let mut files = Vec::new();
    let mut missing = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            walk_dir(path, &mut found, &mut missing);
            found.sort();
            files.extend(found);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            let why = match std::fs::symlink_metadata(path) {
                // A symbolic link to nothing.
                Ok(_) => "cannot read: it is a symbolic link to a path that does not exist".into(),
                Err(e) => format!("cannot read: {e}"),
            };
            missing.push(FileReport {
                path: path.clone(),
                kind: None,
                skipped: Some(why),
                unreadable: true,
                findings: Vec::new(),
            });
        }
    }
    (files, missing)
}

fn walk_dir(dir: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<FileReport>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(FileReport {
                path: dir.to_path_buf(),
                kind: None,
                skipped: Some(format!("cannot read directory: {e}")),
                unreadable: true,
                findings: Vec::new(),
            });
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if soarc_lang::read::is_state_entry(&entry.file_name(), file_type.is_dir()) {
            continue;
        }
        if file_type.is_dir() {
            walk_dir(&path, out, errors);
        } else if let Some(why) = bicep_skip(&path) {
            errors.push(FileReport {
                path,
                kind: None,
                skipped: Some(why),
                unreadable: false,
                findings: Vec::new(),
            });
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            out.push(path);
        }
    }
}

/// Where a run of [`validate_paths_with`] is.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'p> {
    /// About to check file number `index` (0-based) of `total`.
    Starting {
        index: usize,
        total: usize,
        path: &'p Path,
    },
    /// `done` of `total` files checked.
    Done { done: usize, total: usize },
}

/// As [`validate_paths`], telling `progress` when each file starts and ends (the CLI draws a
/// progress line from it on a terminal: for many files, and for a big file while it is read).
pub fn validate_paths_with(
    paths: &[PathBuf],
    mut progress: impl FnMut(Progress),
) -> Vec<FileReport> {
    let (files, mut reports) = collect(paths);
    let total = files.len();
    reports.reserve(total);
    for (index, path) in files.iter().enumerate() {
        progress(Progress::Starting { index, total, path });
        reports.push(validate_file(path));
        progress(Progress::Done {
            done: index + 1,
            total,
        });
    }
    reports
}

/// Validate files and directories.
pub fn validate_paths(paths: &[PathBuf]) -> Vec<FileReport> {
    let (files, mut reports) = collect(paths);
    reports.extend(files.iter().map(|p| validate_file(p)));
    reports
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each file is announced before it is checked (so a big file can be shown while it is
    /// read) and counted after.
    #[test]
    fn progress_announces_and_counts_each_file() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.json", "b.json"] {
            std::fs::write(dir.path().join(name), r#"{"resources": []}"#).unwrap();
        }
        let mut events = Vec::new();
        let reports = validate_paths_with(&[dir.path().to_path_buf()], |p| {
            events.push(match p {
                Progress::Starting { index, total, path } => format!(
                    "start {index}/{total} {}",
                    path.file_name().unwrap().to_string_lossy()
                ),
                Progress::Done { done, total } => format!("done {done}/{total}"),
            })
        });
        assert_eq!(reports.len(), 2);
        assert_eq!(
            events,
            [
                "start 0/2 a.json",
                "done 1/2",
                "start 1/2 b.json",
                "done 2/2"
            ]
        );
    }

    /// The inline-suppression key is honoured in any ASCII case and written with escapes,
    /// as `Suppressions::of` reads it, whether or not the lowercase key is also in the file.
    #[test]
    fn suppression_key_in_any_case_or_escaped() {
        let workflow = |key: &str| {
            format!(
                r#"{{"triggers": {{}}, "actions": {{
                  "a": {{"type": "Compse", "inputs": 1, "metadata": {{"{key}": ["WDL019"]}}}},
                  "b": {{"type": "Compse", "inputs": 1}}}}}}"#
            )
        };
        for key in [
            "soarc-ignore",
            "SOARC-IGNORE",
            "Soarc-Ignore",
            "soarc\\u002dignore",
            "\\u0053OARC-IGNORE",
        ] {
            let (_, findings) = validate_text(&workflow(key));
            let pointers: Vec<&str> = findings
                .iter()
                .filter(|f| f.code == "WDL019")
                .map(|f| f.pointer.as_str())
                .collect();
            assert_eq!(pointers, ["/actions/b/type"], "{key}");
        }
        // Another key is not the suppression key.
        let (_, findings) = validate_text(&workflow("soarc-ignored"));
        assert_eq!(findings.iter().filter(|f| f.code == "WDL019").count(), 2);
    }

    #[test]
    fn contains_ignoring_ascii_case() {
        let key = config::SUPPRESS_KEY;
        for (hay, found) in [
            ("soarc-ignore", true),
            ("xx SOARC-IGNORE", true),
            ("-soArc-igNore-", true),
            ("soarc-ignor", false),
            ("oarc-ignore", false),
            ("-", false),
            ("", false),
            ("soarc_ignore soarc ignore", false),
        ] {
            assert_eq!(
                contains_ignore_ascii_case(hay.as_bytes(), key),
                found,
                "{hay}"
            );
        }
    }

    /// A file that starts with a byte order mark: columns count from after it, whichever
    /// finding is resolved first.
    #[test]
    fn columns_after_a_byte_order_mark_do_not_depend_on_other_findings() {
        let (_, findings) = validate_text("\u{feff}{\"resources\": []}");
        let at: Vec<(&str, usize, usize)> = findings
            .iter()
            .map(|f| (f.code, f.line, f.column))
            .collect();
        assert!(at.contains(&("JSON003", 1, 1)), "{at:?}");
        assert!(
            at.iter().all(|&(_, line, column)| (line, column) == (1, 1)),
            "{at:?}"
        );
    }
}
