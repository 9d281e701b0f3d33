//! Reading spec files: YAML or JSON, one or many, into one merged [`Spec`].
//!
//! Both formats go through serde-saphyr (JSON is YAML 1.2 flow syntax), so errors in
//! either carry a line and column. Sections of several files are merged; a name defined
//! twice is an error that points at both places.

use std::path::Path;

use indexmap::IndexMap;

use super::located::FileScope;
use super::{Located, Spec};
use crate::codes;
use soarc_lang::diagnostics::{Diagnostic, Sources, Span};

/// Specs read from files, merged, with the sources for error rendering.
#[derive(Debug, Default)]
pub struct Loaded {
    pub spec: Spec,
    pub sources: Sources,
    /// Problems found while merging files (duplicate names); later stages still run so
    /// that one build reports everything.
    pub errors: Vec<Diagnostic>,
}

/// The code of a spec file that cannot be read (missing, no permission, not a regular file,
/// too large): an I/O error, which the CLI reports with exit code 2.
pub const UNREADABLE: &str = codes::SPEC004.code;

/// Spec files larger than this are not read (a spec of 10,000 playbooks is about 10 MiB).
pub const MAX_SPEC_SIZE: u64 = 64 * 1024 * 1024;

/// Read and merge the given spec files. All errors are collected, not just the first.
pub fn load_files(paths: &[impl AsRef<Path>]) -> Result<Loaded, (Sources, Vec<Diagnostic>)> {
    let mut sources = Sources::default();
    let mut errors = Vec::new();
    let mut specs = Vec::new();
    if paths.is_empty() {
        errors.push(
            Diagnostic::error(codes::SPEC001.code, "no spec file given")
                .help("soarc build sentinel-soar.yaml --out out/"),
        );
    }
    for path in paths {
        let path = path.as_ref();
        let text = match soarc_lang::read::read_regular(path, MAX_SPEC_SIZE) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) => {
                    errors.push(
                        Diagnostic::error(codes::SPEC001.code, "spec file is not UTF-8 text")
                            .in_file(path),
                    );
                    continue;
                }
            },
            Err(e) => {
                errors.push(
                    Diagnostic::error(codes::SPEC004.code, format!("cannot read spec file: {e}"))
                        .in_file(path),
                );
                continue;
            }
        };
        let file = sources.add(path.to_path_buf(), text);
        match parse_spec(&sources, file) {
            Ok(spec) => specs.push(spec),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err((sources, errors));
    }
    let (spec, errors) = merge(specs, &sources);
    Ok(Loaded {
        spec,
        sources,
        errors,
    })
}

/// Parse one file already added to `sources`.
#[allow(clippy::result_large_err)] // one diagnostic per file, on the error path only
pub fn parse_spec(
    sources: &Sources,
    file: soarc_lang::diagnostics::FileId,
) -> Result<Spec, Diagnostic> {
    let source = sources.get(file).expect("file was just added");
    let _scope = FileScope::enter(file);
    let text = source.text.strip_prefix('\u{feff}').unwrap_or(&source.text);
    if text.trim().is_empty() {
        return Ok(Spec::default());
    }
    // The parser's default budget (250,000 nodes, 1,000,000 events) guards against inputs
    // that expand far beyond their size; a spec of 10,000 playbooks is larger than that and
    // legitimate. A node or event needs at least one byte of text, so budgets in proportion
    // to the text (already capped at MAX_SPEC_SIZE) still refuse runaway expansion, which
    // the alias limits of the budget catch.
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_nodes: text.len().max(250_000),
            max_events: (2 * text.len()).max(1_000_000),
        },
    };
    serde_saphyr::from_str_with_options::<Spec>(text, options).map_err(|e| {
        let raw = e.without_snippet().to_string();
        if raw.contains("expected struct Secret") {
            return inline_secret(&e, source, text);
        }
        let mut diagnostic = Diagnostic::error(codes::SPEC002.code, describe(&e));
        if let Some(location) = e.location().filter(|l| l.line() > 0) {
            diagnostic = diagnostic.at(Span {
                file,
                line: location.line() as usize,
                column: location.column() as usize,
                len: 1,
            });
        }
        if diagnostic.span.is_none() {
            diagnostic = diagnostic.in_file(&source.path);
        }
        let line = e
            .location()
            .filter(|l| l.line() > 0)
            .and_then(|l| text.lines().nth(l.line() as usize - 1));
        let help = suggest_for(&e.without_snippet().to_string())
            .or_else(|| syntax_help(e.without_snippet(), line));
        diagnostic.help_opt(help)
    })
}

/// SPEC086: a secret-typed field given a plain value. The parser's message would quote the
/// value and the source snippet would show it: neither is printed. The message names the key
/// (read from the source line) and its position, and shows the Key Vault form.
fn inline_secret(
    error: &serde_saphyr::Error,
    source: &soarc_lang::diagnostics::SourceFile,
    text: &str,
) -> Diagnostic {
    const SECRET_KEYS: &[&str] = &["password", "api_token", "personal_access_token"];
    let start = error
        .location()
        .filter(|l| l.line() > 0)
        .map_or(0, |l| l.line() as usize - 1);
    // The parser may point at the enclosing mapping: the secret's key is on that line or below.
    let found = text.lines().enumerate().skip(start).find_map(|(n, line)| {
        let key = line
            .split(':')
            .next()?
            .trim()
            .trim_start_matches(['-', '{', ' ']);
        SECRET_KEYS
            .contains(&key)
            .then(|| (n + 1, line.find(key).map_or(1, |c| c + 1), key))
    });
    let (key, at) = match found {
        Some((line, column, key)) => (
            key,
            format!(" (at {}:{line}:{column})", source.path.display()),
        ),
        None => ("the secret", String::new()),
    };
    Diagnostic::error(
        codes::SPEC086.code,
        format!("`{key}` is written in the spec{at}; secrets must come from Key Vault"),
    )
    .in_file(&source.path)
    .help(format!(
        "store the value as a Key Vault secret and write `{key}: {{ key_vault: {{ vault: <vault name>, secret: <secret name> }} }}`; \
         the value was not copied into any output or message, but treat it as exposed wherever the spec is shared, and rotate it"
    ))
}

/// A help line for YAML syntax errors (the parser's own text names tokens, not fixes).
fn syntax_help(error: &serde_saphyr::Error, line: Option<&str>) -> Option<String> {
    if !matches!(error, serde_saphyr::Error::ExternalMessage { .. }) {
        return None;
    }
    let line = line.unwrap_or_default();
    Some(if line.contains('\t') {
        "this line contains a tab: YAML indents with spaces only; replace the tabs with spaces"
            .into()
    } else if line.trim_start().starts_with('{')
        || line.trim_start().starts_with('[')
        || line.contains(": {")
        || line.contains(": [")
    {
        "check the brackets of this flow (JSON-style) value: every `{` and `[` needs its `}` and `]`, items are separated by commas, and text with `:`, `{` or `}` goes in quotes".into()
    } else {
        "check the indentation: items of one list or mapping start in the same column, nested ones further right (spaces only); quote text that contains `: ` or starts with `{`, `[`, `@`, `*`, `&`, `!`, `|`, `>`, `%` or a quote".into()
    })
}

/// The parser's message without its own snippet (we render ours) and location suffix.
fn describe(error: &serde_saphyr::Error) -> String {
    let text = error.without_snippet().to_string();
    let first = text.lines().next().unwrap_or("invalid spec").trim();
    // serde-saphyr appends " at line X, column Y"; the span already says that.
    let message = match first.find(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    plain_message(message)
}

/// "unknown field `titel`, expected one of `a`, `b`" -> "did you mean `title`?"
fn suggest_for(message: &str) -> Option<String> {
    let unknown = ["unknown field `", "unknown variant `"]
        .iter()
        .find_map(|p| message.find(p).map(|i| i + p.len()))?;
    let name_end = message[unknown..].find('`')? + unknown;
    let name = &message[unknown..name_end];
    let expected = message[name_end..].find("expected")? + name_end;
    let list = message[expected..]
        .trim_start_matches("expected")
        .trim_start()
        .trim_start_matches("one of");
    let candidates: Vec<&str> = list
        .split([',', ' '])
        .map(|c| c.trim().trim_matches('`'))
        .filter(|c| !c.is_empty() && *c != "or")
        .collect();
    soarc_lang::diagnostics::did_you_mean(name, candidates.iter().copied())
        .filter(|c| *c != name)
        .map(|c| format!("did you mean `{c}`?"))
}

/// Parser messages that name serde internals, said in the spec's terms.
fn plain_message(message: &str) -> String {
    const REWRITES: &[(&str, &str)] = &[
        (
            "expected mapping start",
            "expected a mapping (`key: value` lines) here",
        ),
        (
            "expected sequence start",
            "expected a list (`- item` lines) here",
        ),
        (
            "data did not match any variant of untagged enum Bullets",
            "bullets must be a list of item texts (`bullets: [first, second]`) or the list of a `sentinel.get_entities` step (`bullets: \"{{enrichment.list}}\"`)",
        ),
        (
            "data did not match any variant of untagged enum IssueType",
            "issue_type must be a name (`issue_type: Bug`) or an id (`issue_type: { id: \"10004\" }`)",
        ),
        (
            "externally tagged enum expected scalar or mapping",
            "expected a name (e.g. `incident`) or a one-key mapping (e.g. `recurrence: {...}`) here",
        ),
    ];
    // serde-saphyr: "budget breached: Nodes { nodes: 250001 }" (or Events, Aliases, Depth...).
    if message.starts_with("budget breached") {
        return "the spec expands beyond what soarc reads safely (too many YAML aliases, nesting \
                levels or nodes for its size); write it out without deep alias chains, or split \
                it into several files"
            .into();
    }
    if let Some(found) = REWRITES
        .iter()
        .find(|(from, _)| message.starts_with(from))
        .map(|(_, to)| to.to_string())
    {
        return found;
    }
    // serde-saphyr: "duplicate mapping key: k, set DuplicateKeyPolicy in Options if acceptable".
    if let Some(rest) = message.strip_prefix("duplicate mapping key") {
        let key = rest
            .split(", set DuplicateKeyPolicy")
            .next()
            .unwrap_or_default()
            .trim_start_matches(':')
            .trim();
        return if key.is_empty() {
            "a key is written twice in the same mapping: keep one".into()
        } else {
            format!("`{key}` is written twice in the same mapping: keep one")
        };
    }
    if let Some(name) = message.strip_prefix("data did not match any variant of untagged enum ") {
        return untagged_forms(name.trim()).to_string();
    }
    // "invalid type: map, expected struct Deployment" and the like: say the shape, not the
    // Rust type.
    if let Some(i) = message.find(", expected struct ") {
        return format!(
            "{}, expected a mapping (`key: value` lines) here",
            &message[..i]
        );
    }
    message.to_string()
}

/// What a value with several accepted forms may look like, for the spec's untagged enums.
fn untagged_forms(name: &str) -> &'static str {
    match name {
        "OneOrMany" => {
            "expected one value or a list of values here, e.g. `severity: High` or `severity: [High, Medium]`"
        }
        "AddComment" => {
            "`sentinel.add_comment` takes the message text (`sentinel.add_comment: \"Ticket {{ticket.number}}\"`) or a mapping with `message:` (and optionally `name:`, `connection:`, `retry:`)"
        }
        "AddLabel" => {
            "`sentinel.add_label` takes the label text (`sentinel.add_label: \"servicenow:{{ticket.number}}\"`) or a mapping with `label:` (and optionally `name:`)"
        }
        "FieldValue" => {
            "a field value is text (may contain `{{...}}` references), a number, `true`/`false`, or a mapping lookup `{ map: <mapping name> }`"
        }
        "Scalar" => "expected text, a number or `true`/`false` here",
        "PlaybookTarget" => {
            "`run_playbook` takes the name of a playbook of the spec, or `{ resource_id: <Logic App resource id> }`"
        }
        "Retry" => {
            "`retry` is `none`, `default`, or a policy such as `{ count: 5, interval: 30s }`"
        }
        "OnFailure" => {
            "`on_failure` is `none` or a mapping with `comment:`, `teams:` and/or `email:`"
        }
        "ClassificationValue" => {
            "`classification` is a value such as `TruePositive`, or a lookup `{ from: \"{{ticket.close_code}}\", values: { ... }, default: Undetermined }`"
        }
        "IncidentRef" => {
            "`incident` is the incident's ARM id (`\"{{incident.arm_id}}\"`), `{ name: \"...\" }` or `{ jira_labels: \"{{issue.fields.labels}}\" }`"
        }
        "Bullets" => {
            "bullets must be a list of item texts (`bullets: [first, second]`) or the list of a `sentinel.get_entities` step (`bullets: \"{{enrichment.list}}\"`)"
        }
        "IssueType" => {
            "issue_type must be a name (`issue_type: Bug`) or an id (`issue_type: { id: \"10004\" }`)"
        }
        _ => {
            "this value has none of the forms accepted here; see schemas/soarc.schema.json or docs/spec.md for examples"
        }
    }
}

/// A top-level block that only one file may define.
fn merge_block<T>(
    merged: &mut Option<Located<T>>,
    block: Option<Located<T>>,
    what: &str,
    sources: &Sources,
    errors: &mut Vec<Diagnostic>,
) {
    let Some(block) = block else { return };
    if let Some(first) = merged {
        errors.push(
            Diagnostic::error(
                codes::SPEC003.code,
                format!("`{what}` is defined more than once"),
            )
            .at(block.span)
            .help(format!(
                "keep one `{what}` block (the first is in {})",
                sources
                    .get(first.span.file)
                    .map(|f| f.path.display().to_string())
                    .unwrap_or_default()
            )),
        );
    } else {
        *merged = Some(block);
    }
}

/// Merge files: maps and lists are concatenated; duplicate names are errors.
fn merge(specs: Vec<Spec>, sources: &Sources) -> (Spec, Vec<Diagnostic>) {
    let mut merged = Spec::default();
    let mut errors = Vec::new();
    for spec in specs {
        merge_block(
            &mut merged.deployment,
            spec.deployment,
            "deployment",
            sources,
            &mut errors,
        );
        merge_block(
            &mut merged.defaults,
            spec.defaults,
            "defaults",
            sources,
            &mut errors,
        );
        merge_block(
            &mut merged.monitoring,
            spec.monitoring,
            "monitoring",
            sources,
            &mut errors,
        );
        merge_map(
            &mut merged.mappings,
            spec.mappings,
            "mapping",
            sources,
            &mut errors,
        );
        merge_map(
            &mut merged.environments,
            spec.environments,
            "environment",
            sources,
            &mut errors,
        );
        merge_map(
            &mut merged.connections,
            spec.connections,
            "connection",
            sources,
            &mut errors,
        );
        if let Some(sync) = spec.sync {
            if merged.sync.is_some() {
                errors.push(
                    Diagnostic::error(codes::SPEC003.code, "`sync` is defined more than once")
                        .at(sync.span)
                        .help("keep one `sync` block across the spec files"),
                );
            } else {
                merged.sync = Some(sync);
            }
        }
        merged.playbooks.extend(spec.playbooks);
        merged.automation_rules.extend(spec.automation_rules);
        merged.tests.extend(spec.tests);
    }
    (merged, errors)
}

fn merge_map<T>(
    into: &mut IndexMap<Located<String>, T>,
    from: IndexMap<Located<String>, T>,
    what: &str,
    sources: &Sources,
    errors: &mut Vec<Diagnostic>,
) {
    for (name, value) in from {
        if let Some((first, _)) = into.get_key_value(&name) {
            errors.push(duplicate(what, &name, first.span, sources));
        } else {
            into.insert(name, value);
        }
    }
}

/// "X is defined twice" pointing at the second definition, naming the first.
pub fn duplicate(what: &str, name: &Located<String>, first: Span, sources: &Sources) -> Diagnostic {
    let file = sources
        .get(first.file)
        .map(|f| f.path.display().to_string())
        .unwrap_or_default();
    Diagnostic::error(
        codes::SPEC003.code,
        format!("{what} `{}` is defined more than once", name.value),
    )
    .at(name.span.with_len(name.value.chars().count()))
    .label("defined again here")
    .help(format!(
        "names must be unique across all spec files; the first definition is at {file}:{}:{}",
        first.line, first.column
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: String) -> Option<Spec> {
        let mut sources = Sources::default();
        let id = sources.add("big.yaml".into(), text);
        parse_spec(&sources, id).ok()
    }

    /// A spec of thousands of playbooks has more nodes than the YAML parser's default budget
    /// (250,000): it loads, since the budget grows with the text (issue #12).
    #[test]
    fn large_specs_load() {
        let mut text = String::from("playbooks:\n");
        for i in 0..30_000 {
            text.push_str(&format!(
                "  - name: p{i}\n    trigger: incident\n    steps: [ {{ compose: {{ value: x }} }} ]\n"
            ));
        }
        let spec = parse(text).expect("a large spec loads");
        assert_eq!(spec.playbooks.len(), 30_000);
    }

    #[test]
    fn suggestion_from_unknown_field_message() {
        let message = "unknown field `sumary`, expected one of `summary`, `description`";
        assert_eq!(
            suggest_for(message).as_deref(),
            Some("did you mean `summary`?")
        );
        assert_eq!(suggest_for("invalid type: string"), None);
        let message = "unknown field `stepz`, expected one of name, description, trigger, steps";
        assert_eq!(
            suggest_for(message).as_deref(),
            Some("did you mean `steps`?")
        );
        let message = "unknown variant `incidnet`, expected one of incident, alert";
        assert_eq!(
            suggest_for(message).as_deref(),
            Some("did you mean `incident`?")
        );
    }
}
