//! JSON Schemas generated from the project's own types, and the in-process check of
//! every build output against them.
//!
//! `schemas/*.schema.json` are these schemas, committed so that editors and reviewers
//! can use them; a test fails when they drift from the types.

use std::sync::OnceLock;

use serde_json::Value;

use soarc_lang::{arm, wdl};

use crate::emit::arm::automation::AutomationRuleProperties;
use crate::spec;

/// Schema files under `schemas/`, by file name.
pub fn all() -> Vec<(&'static str, Value)> {
    vec![
        ("soarc.schema.json", spec_schema()),
        (
            "workflow-definition.schema.json",
            to_value(schemars::schema_for!(wdl::Definition)),
        ),
        (
            "arm-template.schema.json",
            to_value(schemars::schema_for!(arm::Template)),
        ),
        (
            "arm-parameters.schema.json",
            to_value(schemars::schema_for!(arm::ParametersFile)),
        ),
        (
            "automation-rule.schema.json",
            to_value(schemars::schema_for!(AutomationRuleProperties)),
        ),
    ]
}

/// The spec schema, as `soarc schema` prints it.
pub fn spec_schema() -> Value {
    to_value(schemars::schema_for!(spec::Spec))
}

fn to_value(schema: schemars::Schema) -> Value {
    schema.to_value()
}

/// Pretty JSON with a final newline, as files are written. Typed documents are written
/// straight from their types: going through a `serde_json::Value` first built, copied and
/// freed every document's tree once more (a sixth of a fresh build's time, issue #12).
///
/// Each thread serializes into one buffer it keeps, and the text is copied out at its size:
/// one allocation per document instead of a dozen reallocations while it grows.
pub fn pretty(value: &(impl serde::Serialize + ?Sized)) -> String {
    /// A playbook's template is tens of kilobytes.
    const KEPT_BUFFER: usize = 1 << 20;
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with_borrow_mut(|buffer| {
        buffer.clear();
        serde_json::to_writer_pretty(&mut *buffer, value).expect("generated documents serialize");
        buffer.push(b'\n');
        let text = String::from_utf8(buffer.as_slice().to_vec()).expect("serde_json writes UTF-8");
        // A thread keeps a playbook-sized buffer, not the largest document it ever wrote
        // (an ordered deployment runs to megabytes).
        if buffer.capacity() > KEPT_BUFFER {
            *buffer = Vec::new();
        }
        text
    })
}

/// Which of the generated schemas a document is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    Workflow,
    Template,
    Parameters,
    /// The `properties` of a `Microsoft.SecurityInsights/automationRules` resource.
    AutomationRule,
}

struct Validators {
    workflow: jsonschema::Validator,
    template: jsonschema::Validator,
    parameters: jsonschema::Validator,
    automation_rule: jsonschema::Validator,
}

/// Compiled once per process: compiling a schema costs more than checking a document.
fn validators() -> &'static Validators {
    static VALIDATORS: OnceLock<Validators> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        let compile = |schema: schemars::Schema| {
            jsonschema::validator_for(&schema.to_value())
                .expect("generated schemas are valid JSON Schema")
        };
        Validators {
            workflow: compile(schemars::schema_for!(wdl::Definition)),
            template: compile(schemars::schema_for!(arm::Template)),
            parameters: compile(schemars::schema_for!(arm::ParametersFile)),
            automation_rule: compile(schemars::schema_for!(AutomationRuleProperties)),
        }
    })
}

/// Check a generated document; returns one message per violation (pointer: message).
pub fn check(kind: OutputKind, document: &Value) -> Vec<String> {
    let validators = validators();
    let validator = match kind {
        OutputKind::Workflow => &validators.workflow,
        OutputKind::Template => &validators.template,
        OutputKind::Parameters => &validators.parameters,
        OutputKind::AutomationRule => &validators.automation_rule,
    };
    validator
        .iter_errors(document)
        .map(|e| format!("{}: {}", e.instance_path(), e))
        .collect()
}
