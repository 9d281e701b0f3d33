//! soarc's compiler: YAML playbook specs to Logic App workflows, ARM templates, Bicep and
//! Sentinel automation rules.
//!
//! The pipeline, one module per stage ([`build`] runs it):
//! [`spec`] (YAML/JSON as typed serde values, with positions) →
//! [`sync`] (a `sync:` block expands into ordinary playbooks and automation rules) →
//! [`model`] (connections, mappings and reference catalogues checked) →
//! [`compile`] (playbooks to typed workflow definitions of [`soarc_lang::wdl`]) and
//! [`automation`] (automation rules to the API's shapes) →
//! [`emit`] (ARM templates and parameters files, Bicep, the rules as Azure CLI calls, docs) →
//! [`output`] (deterministic files, written all or nothing).
//! [`schema`] generates the JSON Schemas of the spec and of the outputs from these types;
//! every build runs `soarc validate` ([`soarc_validate`]) on its own output.
//! [`spec_tests`] checks the spec's `tests:` (run by the `soarc-test` crate).

pub mod automation;
pub mod build;
pub mod codes;
pub mod compile;
pub mod deployment_values;
pub mod emit;
pub mod env_values;
pub mod environments;
pub mod import;
pub mod incremental;
pub mod init;
pub mod model;
pub mod names;
pub mod output;
pub mod schema;
pub mod spec;
pub mod spec_tests;
pub mod sync;
