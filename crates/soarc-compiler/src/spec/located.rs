//! `Located<T>`: a spec value with the place it was written.
//!
//! serde-saphyr's `Spanned<T>` records line and column; the loader sets the file
//! being read in a thread-local so that every span also knows its file without
//! threading a context through serde. For the JSON Schema the wrapper is invisible.

use std::borrow::Cow;
use std::cell::Cell;
use std::hash::{Hash, Hasher};

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer};

use soarc_lang::diagnostics::{FileId, Span};

thread_local! {
    static CURRENT_FILE: Cell<FileId> = const { Cell::new(FileId(0)) };
}

/// Sets the file that spans created on this thread belong to, until dropped.
pub struct FileScope {
    previous: FileId,
}

impl FileScope {
    pub fn enter(file: FileId) -> FileScope {
        FileScope {
            previous: CURRENT_FILE.with(|c| c.replace(file)),
        }
    }
}

impl Drop for FileScope {
    fn drop(&mut self) {
        CURRENT_FILE.with(|c| c.set(self.previous));
    }
}

/// A value and where it was written. Equality and hashing look at the value only.
#[derive(Debug, Clone)]
pub struct Located<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Located<T> {
    pub fn new(value: T, span: Span) -> Self {
        Located { value, span }
    }
}

impl<T> std::ops::Deref for Located<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: PartialEq> PartialEq for Located<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Located<T> {}

impl<T: Hash> Hash for Located<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = serde_saphyr::Spanned::<T>::deserialize(deserializer)?;
        let location = spanned.referenced;
        let span = Span {
            file: CURRENT_FILE.with(|c| c.get()),
            line: location.line() as usize,
            column: location.column() as usize,
            len: 0,
        };
        Ok(Located {
            value: spanned.value,
            span,
        })
    }
}

impl<T: JsonSchema> JsonSchema for Located<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::Located;
    use crate::spec::{Playbook, Step};

    /// A spec of 10,000 playbooks is held whole while it builds (issue #12: under 150 MB).
    /// Every step sits in a list sized for the largest kind of step, so each kind's fields
    /// are boxed: a step in a list costs a pointer, not the largest step (it was 688 bytes,
    /// and a 10,000-playbook spec held 84 MB of mostly empty step slots).
    #[test]
    fn a_step_in_a_list_costs_a_pointer_not_the_largest_step() {
        assert!(
            std::mem::size_of::<Located<Step>>() <= 48,
            "Located<Step> is {} bytes: box the fields of the step kind that grew",
            std::mem::size_of::<Located<Step>>()
        );
        assert!(std::mem::size_of::<Playbook>() <= 800);
    }
}
