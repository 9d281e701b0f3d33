//! Generated documentation: the reference catalogue as Markdown (`docs/references.md`),
//! rendered with handlebars from the same tables the compiler resolves references with, and
//! the diagnostic codes (`docs/errors.md`) from their registry ([`crate::codes`]).

use std::sync::{OnceLock, RwLock};

use handlebars::Handlebars;
use serde::Serialize;

use crate::model::catalogue::{self, Field, ValueType};
use soarc_lang::diagnostics::Severity;
use soarc_lang::wdl::Expr;

#[derive(Serialize)]
struct CodeRow {
    code: &'static str,
    severity: &'static str,
    title: &'static str,
    explanation: &'static str,
    fix: &'static str,
}

/// `docs/errors.md`: every SPEC/RULE/OUT code of the registry.
pub fn errors() -> String {
    let codes: Vec<CodeRow> = crate::codes::ALL
        .iter()
        .map(|c| CodeRow {
            code: c.code,
            severity: match c.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            title: c.title,
            explanation: c.explanation,
            fix: c.fix,
        })
        .collect();
    render(
        "errors",
        include_str!("../../../../templates/errors.md.hbs"),
        &serde_json::json!({ "codes": codes }),
    )
}

/// Renders the layout `template`, registered as `name` the first time it is used. Layouts
/// are compiled once per process, not per page: parsing the playbook README layout for each
/// of 1,000 playbooks was 15% of a whole build (perf).
pub(crate) fn render(name: &'static str, template: &'static str, data: &impl Serialize) -> String {
    static REGISTRY: OnceLock<RwLock<Handlebars<'static>>> = OnceLock::new();
    let registry = REGISTRY.get_or_init(|| {
        let mut handlebars = Handlebars::new();
        handlebars.set_strict_mode(true);
        handlebars.register_escape_fn(handlebars::no_escape);
        RwLock::new(handlebars)
    });
    let read = || {
        registry
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    };
    if !read().has_template(name) {
        let mut write = registry
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !write.has_template(name) {
            write
                .register_template_string(name, template)
                .expect("the documentation templates are valid");
        }
    }
    read()
        .render(name, data)
        .expect("the documentation templates render")
}

#[derive(Serialize)]
struct Root {
    name: &'static str,
    description: &'static str,
    fields: Vec<Row>,
}

#[derive(Serialize)]
struct Row {
    reference: String,
    kind: String,
    expression: String,
    doc: &'static str,
}

/// `docs/references.md`.
pub fn references() -> String {
    let trigger = || Expr::call("triggerBody", vec![]);
    let roots = [
        (
            "incident",
            "Incident-triggered playbooks (`trigger: incident`): the incident the automation rule ran the playbook for.",
            catalogue::INCIDENT,
            trigger().prop("object"),
        ),
        (
            "workspace",
            "Incident-triggered playbooks: the Sentinel workspace.",
            catalogue::INCIDENT_WORKSPACE,
            trigger(),
        ),
        (
            "alert",
            "Alert-triggered playbooks (`trigger: alert`).",
            catalogue::ALERT,
            trigger(),
        ),
        (
            "entity",
            "Entity-triggered playbooks (`trigger: { entity: { kind: ... } }`).",
            catalogue::ENTITY,
            trigger(),
        ),
        (
            "run",
            "Every playbook: the current run.",
            catalogue::RUN,
            Expr::call("workflow", vec![]),
        ),
    ];
    let roots: Vec<Root> = roots
        .into_iter()
        .map(|(name, description, fields, base)| Root {
            name,
            description,
            fields: fields.iter().map(|f| row(name, f, &base)).collect(),
        })
        .collect();
    render(
        "references",
        include_str!("../../../../templates/references.md.hbs"),
        &serde_json::json!({ "roots": roots }),
    )
}

fn row(root: &str, field: &Field, base: &Expr) -> Row {
    let expression = catalogue::access(base.clone(), field.path).to_string();
    let (suffix, kind) = match field.ty {
        ValueType::Text => ("", "text".to_string()),
        ValueType::Enum(values) => ("", values.join(" \\| ")),
        ValueType::Int => ("", "integer".to_string()),
        ValueType::DateTime => ("", "date-time".to_string()),
        ValueType::Array => ("", "array".to_string()),
        ValueType::Object => (".<any>", "object".to_string()),
    };
    Row {
        reference: format!("{{{{{root}.{}{suffix}}}}}", field.name),
        kind,
        expression: expression.replace('|', "\\|"),
        doc: field.doc,
    }
}
