//! Generated documentation: the reference catalogue as Markdown (`docs/references.md`),
//! rendered with handlebars from the same tables the compiler resolves references with.

use handlebars::Handlebars;
use serde::Serialize;

use crate::model::catalogue::{self, Field, ValueType};
use soarc_lang::wdl::Expr;

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
    let mut handlebars = Handlebars::new();
    handlebars.set_strict_mode(true);
    handlebars.register_escape_fn(handlebars::no_escape);
    handlebars
        .register_template_string(
            "references",
            include_str!("../../../../templates/references.md.hbs"),
        )
        .expect("the references template is valid");
    handlebars
        .render("references", &serde_json::json!({ "roots": roots }))
        .expect("the references template renders")
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
