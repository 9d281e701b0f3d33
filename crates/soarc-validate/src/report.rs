//! Output formats of `soarc validate`: human, json, github, sarif, junit; and the rule list
//! of `soarc rules`.

use std::fmt::Write as _;

use serde_json::{Value, json};
use soarc_lang::xml::Element;

use super::rules::{self, Severity};
use super::{FileReport, Finding};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Github,
    Sarif,
    Junit,
}

/// Totals over all files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub checked: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Paths that could not be read (missing, no permission, not a regular file).
    pub unreadable: usize,
}

impl Summary {
    pub fn of(reports: &[FileReport]) -> Summary {
        Summary {
            files: reports.len(),
            checked: reports.iter().filter(|r| r.checked()).count(),
            errors: reports.iter().map(FileReport::errors).sum(),
            warnings: reports.iter().map(FileReport::warnings).sum(),
            unreadable: reports.iter().filter(|r| r.unreadable).count(),
        }
    }

    /// 0 no errors, 1 errors found, 2 nothing could be checked or a path could not be read
    /// (a mistyped path in CI must not pass).
    pub fn exit_code(&self) -> u8 {
        if self.checked == 0 || self.unreadable > 0 {
            2
        } else if self.errors > 0 {
            1
        } else {
            0
        }
    }
}

fn path_of(report: &FileReport) -> String {
    report.path.display().to_string().replace('\\', "/")
}

/// Render all reports in one format (the whole stdout).
pub fn render(format: Format, reports: &[FileReport]) -> String {
    match format {
        Format::Human => human(reports),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&json_document(reports)).expect("json");
            s.push('\n');
            s
        }
        Format::Github => github(reports),
        Format::Sarif => {
            let mut s = serde_json::to_string_pretty(&sarif(reports)).expect("json");
            s.push('\n');
            s
        }
        Format::Junit => junit(reports),
    }
}

fn human(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for r in reports {
        let path = path_of(r);
        if let Some(why) = &r.skipped {
            let _ = writeln!(out, "{path}: skipped: {why}");
            continue;
        }
        for f in &r.findings {
            let _ = write!(out, "{path}");
            if f.line > 0 {
                let _ = write!(out, ":{}:{}", f.line, f.column);
            }
            let _ = write!(out, ": {}[{}]: {}", f.severity, f.code, f.message);
            if !f.pointer.is_empty() {
                let _ = write!(out, " (at {})", f.pointer);
            }
            out.push('\n');
        }
    }
    // One documentation link per rule that reported something, in code order.
    let mut seen: Vec<&'static str> = reports
        .iter()
        .flat_map(|r| r.findings.iter().map(|f| f.code))
        .collect();
    seen.sort_unstable();
    seen.dedup();
    for code in seen {
        if let Some(rule) = rules::find(code) {
            let _ = writeln!(out, "{code}: {}", rule.help_uri());
        }
    }
    let s = Summary::of(reports);
    let _ = writeln!(
        out,
        "{} file(s) checked, {} skipped: {} error(s), {} warning(s)",
        s.checked,
        s.files - s.checked,
        s.errors,
        s.warnings
    );
    out
}

fn finding_json(f: &Finding) -> Value {
    json!({
        "code": f.code,
        "severity": f.severity.as_str(),
        "message": f.message,
        "pointer": f.pointer,
        "line": f.line,
        "column": f.column,
    })
}

/// The `--format json` document.
pub fn json_document(reports: &[FileReport]) -> Value {
    let s = Summary::of(reports);
    let files: Vec<Value> = reports
        .iter()
        .map(|r| {
            let mut file = json!({
                "path": path_of(r),
                "diagnostics": r.findings.iter().map(finding_json).collect::<Vec<_>>(),
            });
            if let Some(why) = &r.skipped {
                file["skipped"] = Value::String(why.clone());
            }
            file
        })
        .collect();
    json!({
        "summary": {"files": s.files, "errors": s.errors, "warnings": s.warnings},
        "files": files,
    })
}

/// GitHub Actions workflow commands; property values escaped as the runner expects.
fn github(reports: &[FileReport]) -> String {
    fn escape_data(s: &str) -> String {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    }
    fn escape_property(s: &str) -> String {
        escape_data(s).replace(':', "%3A").replace(',', "%2C")
    }
    let mut out = String::new();
    for r in reports {
        let path = escape_property(&path_of(r));
        if let Some(why) = &r.skipped {
            let _ = writeln!(
                out,
                "::warning file={path},title=skipped::{}",
                escape_data(why)
            );
            continue;
        }
        for f in &r.findings {
            let command = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let _ = write!(out, "::{command} file={path}");
            if f.line > 0 {
                let _ = write!(out, ",line={},col={}", f.line, f.column);
            }
            let _ = writeln!(
                out,
                ",title={}::{}",
                escape_property(f.code),
                escape_data(&f.message)
            );
        }
    }
    out
}

/// A minimal valid SARIF 2.1.0 log.
pub fn sarif(reports: &[FileReport]) -> Value {
    let rules: Vec<Value> = rules::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.code,
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": r.doc},
                "defaultConfiguration": {"level": sarif_level(r.severity)},
                "helpUri": r.help_uri(),
            })
        })
        .collect();
    let mut results = Vec::new();
    for r in reports {
        for f in &r.findings {
            let mut location = json!({
                "physicalLocation": {
                    "artifactLocation": {"uri": path_of(r)},
                }
            });
            if f.line > 0 {
                location["physicalLocation"]["region"] =
                    json!({"startLine": f.line, "startColumn": f.column});
            }
            if !f.pointer.is_empty() {
                location["logicalLocations"] =
                    json!([{"fullyQualifiedName": f.pointer, "kind": "member"}]);
            }
            let rule_index = rules::ALL.iter().position(|x| x.code == f.code);
            let mut result = json!({
                "ruleId": f.code,
                "level": sarif_level(f.severity),
                "message": {"text": f.message},
                "locations": [location],
            });
            if let Some(i) = rule_index {
                result["ruleIndex"] = json!(i);
            }
            results.push(result);
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "soarc",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/soarc/soarc",
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// JUnit XML: one testsuite per file, one testcase per diagnostic (a `<failure>` for errors,
/// a passing case with `<system-out>` for warnings and notes), or one passing case for a
/// clean file; skipped files get a `<skipped>` case.
fn junit(reports: &[FileReport]) -> String {
    let s = Summary::of(reports);
    let mut suites = Element::new("testsuites")
        .attr("name", "soarc validate")
        .attr(
            "tests",
            reports
                .iter()
                .map(|r| r.findings.len().max(1))
                .sum::<usize>(),
        )
        .attr("failures", s.errors);
    for r in reports {
        let path = path_of(r);
        let mut suite = Element::new("testsuite")
            .attr("name", &path)
            .attr("tests", r.findings.len().max(1))
            .attr("failures", r.errors())
            .attr("skipped", usize::from(r.skipped.is_some()));
        let case = |name: &str| {
            Element::new("testcase")
                .attr("classname", &path)
                .attr("name", name)
        };
        if let Some(why) = &r.skipped {
            let mut skipped = case("validate");
            skipped.push(Element::new("skipped").attr("message", why));
            suite.push(skipped);
        } else if r.findings.is_empty() {
            suite.push(case("validate"));
        }
        for f in &r.findings {
            let mut finding = case(&format!("{} {}:{}", f.code, f.line, f.column));
            let text = format!(
                "{path}:{}:{}: {} {}",
                f.line, f.column, f.message, f.pointer
            );
            finding.push(match f.severity {
                Severity::Error => Element::new("failure")
                    .attr("type", f.code)
                    .attr("message", &f.message)
                    .text(text),
                _ => Element::new("system-out").text(format!("{}: {text}", f.severity)),
            });
            suite.push(finding);
        }
        suites.push(suite);
    }
    suites.document()
}

/// `soarc rules`: every rule with code, severity, title and doc, as Markdown.
pub fn rules_markdown() -> String {
    let mut out = String::from("| Code | Severity | Title |\n|---|---|---|\n");
    for r in rules::ALL {
        let _ = writeln!(out, "| {} | {} | {} |", r.code, r.severity, r.title);
    }
    for r in rules::ALL {
        let _ = write!(
            out,
            "\n<a id=\"{}\"></a>\n\n### {} — {}\n\nSeverity: {}.\n\n{}\n",
            r.code.to_ascii_lowercase(),
            r.code,
            r.title,
            r.severity,
            r.doc
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn sample() -> Vec<FileReport> {
        vec![FileReport {
            path: PathBuf::from("t/a,b.json"),
            kind: Some(super::super::Kind::ArmTemplate),
            skipped: None,
            unreadable: false,
            findings: vec![Finding {
                code: "WDL008",
                severity: Severity::Error,
                message: "x <y> & 'z'".into(),
                pointer: "/resources/0".into(),
                line: 3,
                column: 7,
            }],
        }]
    }

    #[test]
    fn json_has_the_documented_shape() {
        let v = json_document(&sample());
        assert_eq!(
            v["summary"],
            json!({"files": 1, "errors": 1, "warnings": 0})
        );
        let d = &v["files"][0]["diagnostics"][0];
        assert_eq!(d["code"], "WDL008");
        assert_eq!(d["line"], 3);
        assert_eq!(d["pointer"], "/resources/0");
    }

    #[test]
    fn github_escapes_properties() {
        let s = render(Format::Github, &sample());
        assert_eq!(
            s,
            "::error file=t/a%2Cb.json,line=3,col=7,title=WDL008::x <y> & 'z'\n"
        );
    }

    #[test]
    fn sarif_and_junit_are_well_formed() {
        let v = sarif(&sample());
        assert_eq!(v["version"], "2.1.0");
        assert_eq!(
            v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
            3
        );
        assert_eq!(
            v["runs"][0]["tool"]["driver"]["rules"]
                .as_array()
                .unwrap()
                .len(),
            rules::ALL.len()
        );
        let x = render(Format::Junit, &sample());
        assert!(
            x.contains("<failure type=\"WDL008\" message=\"x &lt;y&gt; &amp; &apos;z&apos;\">")
        );
        assert_eq!(x.matches("<testsuite ").count(), 1);
    }
}
