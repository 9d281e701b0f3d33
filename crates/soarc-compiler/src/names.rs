//! Names shared by the spec, `sync:` expansion, the model and the compiler, so that no
//! earlier stage depends on a later one for them.

/// Name of the implicit Sentinel connection.
pub const SENTINEL: &str = "sentinel";

/// Prefix of the Jira label that carries the Sentinel incident name (`sentinel-<name>`):
/// `sync:` adds it to the issues it follows and the compiler reads it back.
pub const JIRA_LABEL_PREFIX: &str = "sentinel-";
