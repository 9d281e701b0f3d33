//! ARM019: a parameters file leaves a template parameter without default unset.

use super::arm018_parameter_not_in_template::pair;
use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "ARM019",
    title: "Parameters file does not set a template parameter that has no default",
    severity: Severity::Warning,
    doc: "A parameters file `x.parameters.json` is compared with the template `x.json` in the \
          same directory (only when validating files on disk, and only when that template \
          exists and parses). A template parameter without `defaultValue` that the file does \
          not set (names compared case-insensitively) must be given some other way: `az \
          deployment group create` prompts for it, and a non-interactive deployment (a \
          pipeline) fails. A warning, since it may be passed on the command line on purpose.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    let Some((set, declared, template)) = pair(ctx) else {
        return;
    };
    let at = ctx
        .doc
        .root()
        .get_ci("parameters")
        .map_or(ctx.doc.root().start(), |p| p.start());
    let set = super::CiSet::new(set.iter().map(|m| m.key));
    for d in declared {
        if d.value.get_ci("defaultValue").is_some() || set.contains(d.key) {
            continue;
        }
        sink.report(
            "/parameters",
            at,
            format!(
                "template '{template}' parameter '{}' has no defaultValue and is not set here; \
                 the deployment prompts for it (and fails non-interactively)",
                d.key
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::arm018_parameter_not_in_template::tests::{
        expect_pair, parameters, run_pair, template,
    };

    const DECLARED: &str = r#"{"workspace": {"type": "string"}, "objectId": {"type": "string"},
        "location": {"type": "string", "defaultValue": "[resourceGroup().location]"}}"#;

    #[test]
    fn passes_when_every_required_parameter_is_set() {
        let t = template(DECLARED);
        let p = parameters(r#"{"WORKSPACE": {"value": "w"}, "objectId": {"reference": {}}}"#);
        let files = [
            ("azuredeploy.json", &*t),
            ("azuredeploy.parameters.json", &*p),
        ];
        assert!(run_pair("ARM019", &files, "azuredeploy.parameters.json").is_empty());
    }

    #[test]
    fn warns_on_required_parameter_not_set() {
        let t = template(DECLARED);
        let p = parameters(r#"{"workspace": {"value": "w"}}"#);
        let files = [("main.json", &*t), ("main.parameters.json", &*p)];
        let found = expect_pair(
            "ARM019",
            &files,
            "main.parameters.json",
            &[(
                "/parameters",
                "template 'main.json' parameter 'objectId' has no defaultValue and is not set here; the deployment prompts for it (and fails non-interactively)",
            )],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, crate::Severity::Warning);
        assert!(
            found[0].message.contains("'objectId'"),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].pointer, "/parameters");
    }

    #[test]
    fn nothing_without_a_sibling_template() {
        let p = parameters(r#"{"workspace": {"value": "w"}}"#);
        assert!(
            run_pair(
                "ARM019",
                &[("main.parameters.json", &*p)],
                "main.parameters.json"
            )
            .is_empty()
        );
    }
}
