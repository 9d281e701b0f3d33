//! The simulator: runs one run of a Logic Apps (Consumption) workflow definition offline.
//!
//! Hand-written: no crate interprets the workflow definition language. Layers:
//! - [`eval`]: the expression language evaluated over JSON values (every function of the
//!   catalogue in `soarc_lang::wdl::functions`), against an [`eval::Env`] that the
//!   interpreter provides (trigger, action results, variables, loop items, parameters, clock).
//!
//! Values are `serde_json::Value` with insertion order kept, as Logic Apps keeps it.

pub mod eval;
