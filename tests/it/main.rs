//! soarc's integration tests, in one test binary (issue #11): one binary links the
//! workspace's crates once instead of once per test file, which is most of a clean
//! `cargo test`'s time on two cores. Each module is one area; run one with
//! `cargo test --test it <module>` (e.g. `cargo test --test it snapshots`).

mod common;

mod automation_rules;
mod bicep;
mod cli;
mod connectors;
mod docs;
mod environments;
mod error_codes;
mod escaping;
mod health;
mod import;
mod import_typed;
mod incremental;
mod jira;
mod official_schemas;
mod output_safety;
mod review;
mod run;
mod runtime_safety;
mod schemas;
mod snapshots;
mod spec_tests;
mod sync;
mod validate;
mod workspace;
