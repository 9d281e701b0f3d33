//! soarc: a compiler and checker for Microsoft Sentinel SOAR playbooks.
//!
//! The pipeline, one module per stage:
//! [`spec`] (YAML/JSON as typed serde values, with positions) →
//! [`model`] (connections, mappings and reference catalogues checked) →
//! [`compile`] (playbooks to typed [`wdl`] workflow definitions) →
//! [`arm`] (deployment templates and parameters files) and [`bicep`] (the same deployments) →
//! [`output`] (deterministic files, written all or nothing).
//! [`schema`] generates the JSON Schemas of the spec and of the outputs from these
//! types and checks every build output against them.

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
