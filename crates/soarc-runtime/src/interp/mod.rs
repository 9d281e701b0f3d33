//! The workflow interpreter (in progress).

use indexmap::IndexMap;
use serde_json::Value;

use crate::{LoadError, RunOptions, RunTrace};

pub fn run(
    _definition: &Value,
    _parameters: &IndexMap<String, Value>,
    _options: &RunOptions,
) -> Result<RunTrace, LoadError> {
    Err(LoadError::new("the interpreter is not written yet"))
}
