//! soarc: a compiler and checker for Microsoft Sentinel SOAR playbooks.
//!
//! The pipeline, one module per stage ([`build`] runs it):
//! [`spec`] (YAML/JSON as typed serde values, with positions) →
//! [`sync`] (a `sync:` block expands into ordinary playbooks and automation rules) →
//! [`model`] (connections, mappings and reference catalogues checked) →
//! [`compile`] (playbooks to typed [`wdl`] workflow definitions) and [`rules`] (automation
//! rules to the API's shapes) →
//! [`arm`] (deployment templates and parameters files), [`bicep`] (the same deployments)
//! and [`az`] (the rules as Azure CLI calls) →
//! [`output`] (deterministic files, written all or nothing).
//! [`schema`] generates the JSON Schemas of the spec and of the outputs from these types;
//! [`validate`] is `soarc validate`, which every build also runs on its own output.

pub mod arm;
pub mod az;
pub mod bicep;
pub mod build;
pub mod compile;
pub mod diagnostics;
pub mod docs;
pub mod init;
pub mod model;
pub mod output;
pub mod rules;
pub mod schema;
pub mod spec;
pub mod sync;
pub mod syntax;
pub mod validate;
pub mod wdl;
