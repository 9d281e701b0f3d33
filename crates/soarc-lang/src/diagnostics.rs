//! Compile errors with a place in a source file.
//!
//! Every error a user can cause names the file, line and column, says what was
//! expected and, where one exists, suggests a fix. Rendering goes through miette so
//! the terminal shows the offending line with a caret under it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

/// One loaded source file (spec YAML/JSON).
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    /// Byte offset where each line starts, so positions cost O(log n), not O(n):
    /// references are located once per use, and specs can hold thousands of playbooks.
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: String) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            path,
            text,
            line_starts,
        }
    }

    /// Byte offset of a 1-based line/column (columns count characters).
    pub fn offset_of(&self, line: usize, column: usize) -> Option<usize> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        let within = self.text[start..end]
            .char_indices()
            .nth(column.saturating_sub(1))
            .map(|(byte, _)| byte)
            .unwrap_or(end - start);
        Some(start + within)
    }

    /// 1-based line/column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line - 1];
        (line, self.text[start..offset].chars().count() + 1)
    }
}

/// Index of a file in [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FileId(pub u32);

/// All files read in one run; spans point into them by [`FileId`].
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: Vec<Arc<SourceFile>>,
}

impl Sources {
    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        self.files.push(Arc::new(SourceFile::new(path, text)));
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize).map(|f| f.as_ref())
    }
}

/// A position in a spec file: 1-based line and column; line 0 means "unknown".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub line: usize,
    pub column: usize,
    /// Length in characters of the highlighted text (0: just a caret).
    pub len: usize,
}

impl Span {
    pub fn is_known(&self) -> bool {
        self.line > 0
    }

    /// This span if known, otherwise the enclosing one.
    pub fn or(self, parent: Span) -> Span {
        if self.is_known() { self } else { parent }
    }

    pub fn with_len(mut self, len: usize) -> Span {
        self.len = len;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A problem found in the user's input.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable code, e.g. `SPEC004`; documented in docs/errors.md.
    pub code: &'static str,
    pub message: String,
    pub span: Option<Span>,
    /// Label shown under the caret.
    pub label: Option<String>,
    /// "did you mean ..." or how to fix it.
    pub help: Option<String>,
    /// Path when there is no span (e.g. a file that cannot be read).
    pub path: Option<PathBuf>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: None,
            label: None,
            help: None,
            path: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    pub fn in_file(mut self, path: impl AsRef<Path>) -> Self {
        self.path = Some(path.as_ref().to_path_buf());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col` (or just the file) for one-line output and tests.
    pub fn location(&self, sources: &Sources) -> String {
        match (self.span, &self.path) {
            (Some(span), _) if span.is_known() => {
                let path = sources
                    .get(span.file)
                    .map(|f| f.path.display().to_string())
                    .unwrap_or_default();
                format!("{path}:{}:{}", span.line, span.column)
            }
            (Some(span), _) => sources
                .get(span.file)
                .map(|f| f.path.display().to_string())
                .unwrap_or_default(),
            (None, Some(path)) => path.display().to_string(),
            (None, None) => String::new(),
        }
    }

    /// One line: `file:line:col: error[CODE]: message (help: ...)`.
    pub fn one_line(&self, sources: &Sources) -> String {
        let mut line = String::new();
        let location = self.location(sources);
        if !location.is_empty() {
            line.push_str(&location);
            line.push_str(": ");
        }
        line.push_str(&format!(
            "{}[{}]: {}",
            self.severity, self.code, self.message
        ));
        if let Some(help) = &self.help {
            line.push_str(&format!(" (help: {help})"));
        }
        line
    }

    /// Multi-line rendering with the source line and a caret (no colours, so output
    /// is stable in logs and tests).
    pub fn render(&self, sources: &Sources) -> String {
        let file = self.span.and_then(|s| sources.get(s.file).map(|f| (s, f)));
        let Some((span, file)) = file.filter(|(s, _)| s.is_known()) else {
            return self.one_line(sources);
        };
        let offset = file.offset_of(span.line, span.column).unwrap_or(0);
        let len = file.text[offset..]
            .chars()
            .take(span.len)
            .map(char::len_utf8)
            .sum::<usize>();
        let report = Report {
            diagnostic: self,
            source: NamedSource::new(file.path.display().to_string(), file.text.clone()),
            span: SourceSpan::new(offset.into(), len),
        };
        let mut out = String::new();
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .with_links(false);
        if handler.render_report(&mut out, &report).is_err() {
            return self.one_line(sources);
        }
        out
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// Adapter from our diagnostic to miette's renderer.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: NamedSource<String>,
    span: SourceSpan,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            self.diagnostic.label.clone(),
            self.span,
        ))))
    }
}

/// The closest candidate by edit distance, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let input_lower = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&input_lower, &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(distance, c)| *distance <= (c.len().max(input.len()) / 3).max(2))
        .min_by_key(|(distance, c)| (*distance, c.len()))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_round_trip() {
        let file = SourceFile::new("x.yaml".into(), "a: 1\nbé: 2\nc: 3".into());
        let offset = file.offset_of(2, 3).unwrap();
        assert_eq!(&file.text[offset..offset + 1], ":");
        assert_eq!(file.line_col(offset), (2, 3));
        assert_eq!(file.offset_of(3, 1), Some(12));
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        let names = ["title", "severity", "description"];
        assert_eq!(did_you_mean("titel", names), Some("title"));
        assert_eq!(did_you_mean("sevrity", names), Some("severity"));
        assert_eq!(did_you_mean("owner", names), None);
    }
}
