//! What the two hand-written expression languages (WDL in `wdl::expr`, ARM in `arm::expr`)
//! share: their syntax error type, and the case-insensitive lookup of their function
//! catalogues.

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

/// FNV-1a over the ASCII-lower-cased bytes of a name.
fn hash_ci(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A catalogue's names in an open-addressing hash table built once: a lookup hashes the name
/// ignoring ASCII case and compares it with the few names in its probe run, with no
/// allocation, instead of scanning the catalogue on every call of every expression. The
/// table is fixed and at most half full, so no query can make a lookup long.
pub(crate) struct CiIndex {
    /// Catalogue position + 1 per slot (0: empty); the length is a power of two.
    slots: Vec<u16>,
}

impl CiIndex {
    pub(crate) fn new(names: &[&str]) -> CiIndex {
        let len = (names.len() * 2).next_power_of_two().max(16);
        let mut slots = vec![0u16; len];
        for (i, name) in names.iter().enumerate() {
            let mut at = hash_ci(name) as usize & (len - 1);
            while slots[at] != 0 {
                at = (at + 1) & (len - 1);
            }
            slots[at] = u16::try_from(i + 1).expect("catalogue under 65,535 names");
        }
        CiIndex { slots }
    }

    /// The position of `name` (ignoring ASCII case) in the catalogue whose names `name_of`
    /// gives (the first of equal names).
    pub(crate) fn find(
        &self,
        name: &str,
        name_of: impl Fn(usize) -> &'static str,
    ) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let mut at = hash_ci(name) as usize & mask;
        loop {
            let slot = self.slots[at];
            if slot == 0 {
                return None;
            }
            let i = usize::from(slot - 1);
            if name_of(i).eq_ignore_ascii_case(name) {
                return Some(i);
            }
            at = (at + 1) & mask;
        }
    }
}
