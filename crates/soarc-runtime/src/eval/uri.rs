//! Placeholder: lands after the first milestone.

use super::call::{Args, R};

pub(crate) fn call<'a>(a: &mut Args<'_, 'a>) -> R<'a> {
    Err(a.err("is not simulated yet"))
}

pub(crate) fn percent_decode(s: &str) -> Option<String> {
    Some(s.to_string())
}
