//! What the two hand-written expression languages (WDL in `wdl::expr`, ARM in `arm::expr`)
//! share: their syntax error type.

use std::fmt;

/// A syntax error: what was expected, at which byte offset of the parsed string.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at offset {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for ParseError {}
