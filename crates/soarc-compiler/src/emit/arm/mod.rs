//! ARM deployment templates and parameters files generated from the compiled model.

pub mod automation;
pub mod layout;
pub mod monitoring;
pub mod playbook;
