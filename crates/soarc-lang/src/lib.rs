//! The languages soarc reads and writes, independent of any spec: the Logic Apps workflow
//! definition language ([`wdl`]: typed model, expression AST, parser, printer, function
//! catalogue), the ARM template language ([`arm`]: typed templates and parameters files, the
//! `[...]` expression language), the lexical helpers both share ([`syntax`]), source spans and
//! diagnostics ([`diagnostics`]), and the documented Logic Apps and ARM limits and ISO-8601
//! durations ([`limits`]), and a typed XML writer for JUnit reports ([`xml`]).
//!
//! The validator, the simulator, the importer and the compiler all work on these types, so a
//! hand-written template and a generated one are read the same way.

pub mod arm;
pub mod diagnostics;
pub mod jsonc;
pub mod limits;
pub mod read;
pub mod syntax;
pub mod wdl;
pub mod xml;
