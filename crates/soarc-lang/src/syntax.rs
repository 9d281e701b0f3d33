//! What the two hand-written expression languages (WDL in `wdl::expr`, ARM in `arm::expr`)
//! share: their syntax error type, and the case-insensitive lookup of their function
//! catalogues.

use std::cmp::Ordering;
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

/// Compares two names ignoring ASCII case (as both languages match function names), without
/// lower-cased copies.
fn cmp_ci(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// A catalogue's positions sorted by name ignoring ASCII case, built once: a lookup is a
/// binary search (O(log n) comparisons, no allocation) rather than a scan of the catalogue
/// on every call of every expression.
pub(crate) struct CiIndex(Vec<u16>);

impl CiIndex {
    pub(crate) fn new(names: &[&str]) -> CiIndex {
        let mut order: Vec<u16> = (0..names.len())
            .map(|i| u16::try_from(i).expect("catalogue under 65,536 names"))
            .collect();
        order.sort_by(|&a, &b| cmp_ci(names[a as usize], names[b as usize]));
        CiIndex(order)
    }

    /// The position of `name` (ignoring ASCII case) in the catalogue whose names `name_of`
    /// gives.
    pub(crate) fn find(
        &self,
        name: &str,
        name_of: impl Fn(usize) -> &'static str,
    ) -> Option<usize> {
        self.0
            .binary_search_by(|&i| cmp_ci(name_of(i as usize), name))
            .ok()
            .map(|k| self.0[k] as usize)
    }
}
