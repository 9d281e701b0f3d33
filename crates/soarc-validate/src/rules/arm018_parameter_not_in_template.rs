//! ARM018: a parameters file sets a parameter its sibling template does not declare.

use super::{Rule, Severity, hint};
use crate::context::Kind;
use crate::json::{Member, Members, escape_token};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "ARM018",
    title: "Parameters file sets a parameter the template does not declare",
    severity: Severity::Error,
    doc: "A parameters file `x.parameters.json` is compared with the template `x.json` in the \
          same directory (only when validating files on disk, and only when that template \
          exists and parses). A parameter the file sets that the template does not declare \
          (names compared case-insensitively, as ARM does) makes ARM reject the deployment: \
          `The template parameters 'x' in the parameters file are not valid; they are not \
          present in the original template`.",
    check,
};

/// A parameters file and its sibling template: (the file's `parameters` members, the
/// template's declared parameters, the template's file name). `None` when there is nothing to
/// compare (not a parameters file, no sibling, or either `parameters` is not an object).
#[allow(clippy::type_complexity)]
pub(crate) fn pair<'a>(ctx: &Context<'a>) -> Option<(Members<'a>, Vec<Member<'a>>, &'a str)> {
    if ctx.kind != Kind::Parameters {
        return None;
    }
    let sibling = ctx.sibling_template?;
    let set = ctx.doc.root().get_ci("parameters")?.as_object()?;
    let declared = match sibling.doc.root().get_ci("parameters") {
        None => Vec::new(),
        Some(p) => p.as_object()?.iter().collect(),
    };
    Some((set, declared, &sibling.name))
}

fn check(ctx: &Context, sink: &mut Sink) {
    let Some((set, declared, template)) = pair(ctx) else {
        return;
    };
    let names = super::CiSet::new(declared.iter().map(|d| d.key));
    for m in set {
        if names.contains(m.key) {
            continue;
        }
        sink.report(
            &format!("/parameters/{}", escape_token(m.key)),
            m.key_start,
            format!(
                "parameter '{}' is not declared by the template '{template}'; ARM rejects the \
                 deployment (\"The template parameters '{}' in the parameters file are not \
                 valid\"){}",
                m.key,
                m.key,
                hint(names.suggest(m.key))
            ),
        );
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::{Finding, validate_file, validate_text};

    const PARAMS_SCHEMA: &str =
        "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#";

    /// A template declaring these parameters (JSON of its `parameters` object).
    pub fn template(parameters: &str) -> String {
        super::super::fixtures::arm(parameters, "{}", "[]")
    }

    /// A parameters file setting these parameters (JSON of its `parameters` object).
    pub fn parameters(parameters: &str) -> String {
        format!(
            r#"{{"$schema": "{PARAMS_SCHEMA}", "contentVersion": "1.0.0.0", "parameters": {parameters}}}"#
        )
    }

    /// As [`run_pair`], asserting exactly these (pointer, message) findings.
    #[track_caller]
    pub fn expect_pair(
        code: &str,
        files: &[(&str, &str)],
        params_name: &str,
        expected: &[(&str, &str)],
    ) -> Vec<Finding> {
        let found = run_pair(code, files, params_name);
        super::super::fixtures::assert_found(code, &found, expected);
        found
    }

    /// Write the files into a temporary directory and validate `params_name` there: the
    /// findings of `code`.
    pub fn run_pair(code: &str, files: &[(&str, &str)], params_name: &str) -> Vec<Finding> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let report = validate_file(&dir.path().join(params_name));
        assert!(report.checked(), "{:?}", report.skipped);
        report
            .findings
            .into_iter()
            .filter(|f| f.code == code)
            .collect()
    }

    const DECLARED: &str = r#"{"workspace": {"type": "string"},
        "location": {"type": "string", "defaultValue": "[resourceGroup().location]"}}"#;

    #[test]
    fn passes_when_every_parameter_is_declared() {
        let t = template(DECLARED);
        let p = parameters(r#"{"Workspace": {"value": "w"}, "location": {"value": "x"}}"#);
        let files = [
            ("azuredeploy.json", &*t),
            ("azuredeploy.parameters.json", &*p),
        ];
        assert!(run_pair("ARM018", &files, "azuredeploy.parameters.json").is_empty());
    }

    #[test]
    fn fails_on_undeclared_parameter() {
        let t = template(DECLARED);
        let p = parameters(r#"{"workspace": {"value": "w"}, "workspaceName": {"value": "x"}}"#);
        let files = [("main.json", &*t), ("main.parameters.json", &*p)];
        let found = expect_pair(
            "ARM018",
            &files,
            "main.parameters.json",
            &[(
                "/parameters/workspaceName",
                r#"parameter 'workspaceName' is not declared by the template 'main.json'; ARM rejects the deployment ("The template parameters 'workspaceName' in the parameters file are not valid"); did you mean 'workspace'?"#,
            )],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].pointer, "/parameters/workspaceName");
        assert!(
            found[0].message.contains("'main.json'"),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].line, 1);
    }

    #[test]
    fn template_without_parameters_declares_none() {
        let t = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "resources": []}"#;
        let p = parameters(r#"{"a": {"value": 1}}"#);
        let files = [("x.json", t), ("x.Parameters.json", &*p)];
        assert_eq!(expect_pair("ARM018", &files, "x.Parameters.json", &[("/parameters/a", r#"parameter 'a' is not declared by the template 'x.json'; ARM rejects the deployment ("The template parameters 'a' in the parameters file are not valid")"#)]).len(), 1);
    }

    #[test]
    fn nothing_without_a_readable_sibling_template() {
        let p = parameters(r#"{"a": {"value": 1}}"#);
        // No sibling at all.
        assert!(run_pair("ARM018", &[("a.parameters.json", &*p)], "a.parameters.json").is_empty());
        // Sibling is not JSON, or not a template.
        let files = [("b.json", "{ nope"), ("b.parameters.json", &*p)];
        assert!(run_pair("ARM018", &files, "b.parameters.json").is_empty());
        let files = [("c.json", &*p), ("c.parameters.json", &*p)];
        assert!(run_pair("ARM018", &files, "c.parameters.json").is_empty());
        // Not named *.parameters.json.
        let t = template("{}");
        let files = [("d.json", &*t), ("d-params.json", &*p)];
        assert!(run_pair("ARM018", &files, "d-params.json").is_empty());
        // Text without a path.
        let (_, findings) = validate_text(&p);
        assert!(findings.iter().all(|f| f.code != "ARM018"));
    }
}
