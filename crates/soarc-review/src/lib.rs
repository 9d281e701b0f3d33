//! Reviewing a playbook change: what a workflow does, drawn as a flowchart, and what a change
//! does, as a semantic diff.
//!
//! - [`load`] reads any Logic Apps workflow definition, any ARM template (playbooks, API
//!   connections, role assignments, automation rules, nested deployments) or a soarc `OUT/`
//!   folder into an [`load::Inventory`], the same types for generated and hand-written files.
//! - [`graph`] turns a workflow (or an inventory) into a typed [`graph::Graph`]; [`render`]
//!   prints it as Mermaid or Graphviz DOT, escaping every label for its language.
//! - [`diff`] compares two inventories by name (maps, no pairwise scans): playbooks, triggers,
//!   actions, automation rules, connections and role assignments; strings are compared as
//!   parsed expressions (`soarc_lang::wdl::expr`, `soarc_lang::arm::expr`), and changes a
//!   security reviewer must see are marked.
//! - [`files`] compares what is neither a workflow nor a template: two parameters files, or
//!   two Bicep files (`.bicep`, `.bicepparam`), declaration by declaration.

pub mod diff;
pub mod files;
pub mod graph;
pub mod load;
pub mod render;
mod roles;

pub use diff::{Report, diff};
pub use files::diff_paths;
pub use graph::{Graph, graph_of};
pub use load::{Inventory, LoadError, load};
