//! Emitters: the compiled model to files. Emitters raise no spec error: everything a user can
//! get wrong is checked in [`crate::model`], [`crate::compile`] and [`crate::automation`].
//!
//! [`arm`] builds deployment templates and parameters files from the compiled playbooks,
//! monitoring and automation rules (with the template types of [`soarc_lang::arm`]); [`bicep`]
//! prints the same deployments as Bicep; [`az`] prints the automation rules as Azure CLI calls;
//! [`docs`] renders the generated reference pages; [`readme`] the page of each playbook.

pub mod arm;
pub mod az;
pub mod bicep;
pub mod docs;
pub mod readme;
pub mod reference;
