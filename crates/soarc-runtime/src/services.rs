//! Built-in mocks that behave like the services soarc's playbooks call.
//! (In progress: the recogniser and the answers land in the next commits.)

/// The operations the built-in mocks recognise, with what they answer.
pub const OPERATIONS: &[(&str, &str)] = &[];
