//! `schemas/*.schema.json` are generated from the types; they must not drift.
//! Regenerate with `UPDATE_SCHEMAS=1 cargo test --test it schemas`.

use crate::common;

use std::path::Path;

#[test]
fn committed_schemas_match_the_types() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let update = std::env::var_os("UPDATE_SCHEMAS").is_some();
    let mut stale = Vec::new();
    for (file, schema) in soarc_compiler::schema::all() {
        let path = dir.join(file);
        let generated = soarc_compiler::schema::pretty(&schema);
        if update {
            std::fs::write(&path, &generated).expect("write schema");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(committed) if committed == generated => {}
            _ => stale.push(file),
        }
    }
    assert!(
        stale.is_empty(),
        "schemas out of date: {stale:?}; run `UPDATE_SCHEMAS=1 cargo test --test it schemas` and commit"
    );
}

#[test]
fn examples_conform_to_the_spec_schema() {
    let schema = soarc_compiler::schema::spec_schema();
    let validator = jsonschema::validator_for(&schema).expect("spec schema compiles");
    let mut checked = 0;
    for path in common::examples() {
        let text = std::fs::read_to_string(&path).unwrap();
        let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{} does not match the spec schema: {errors:#?}",
            path.display()
        );
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn spec_schema_rejects_what_the_loader_rejects() {
    let schema = soarc_compiler::schema::spec_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let unknown_key = serde_json::json!({ "playbooks": [], "playbookz": [] });
    assert!(!validator.is_valid(&unknown_key));
    let bad_trigger =
        serde_json::json!({ "playbooks": [{ "name": "a", "trigger": "incidents", "steps": [] }] });
    assert!(!validator.is_valid(&bad_trigger));
}
