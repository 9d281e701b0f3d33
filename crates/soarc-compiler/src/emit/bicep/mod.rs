//! Bicep output: the same deployments as the ARM templates, written as a Bicep user would.
//!
//! Layers, one per file:
//! - [`value`]: Bicep expressions as typed values and their printer (escaping, interpolation,
//!   multi-line objects). Hand-written: no Rust crate prints Bicep.
//! - [`expr`]: ARM expressions to Bicep (`parameters('x')` → `x`, `concat` → `'${...}'`,
//!   `resourceId(...)` → `symbol.id`, `reference(...)` → `symbol`).
//! - [`template`]: a typed ARM template to a Bicep file (params, vars, resources, modules).
//! - [`playbook`]: a playbook's `main.bicep`, `main.bicepparam` and module files.
//!
//! The file layout (the header, the purpose, then the declarations) is in handlebars
//! templates (`templates/*.hbs`); the declarations are printed by [`template::File`] into one
//! buffer, every expression written in place by the [`value`] printer (no string per node).
//! HTML escaping is off: the output is Bicep, not HTML.

pub mod automation;
pub mod expr;
pub mod ordered;
pub mod playbook;
pub mod template;
pub mod value;

use std::sync::OnceLock;

use handlebars::Handlebars;
use serde::Serialize;

pub use expr::Unsupported;

fn registry() -> &'static Handlebars<'static> {
    static REGISTRY: OnceLock<Handlebars<'static>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        for (name, text) in [
            (
                "bicep",
                include_str!("../../../../../templates/playbook.bicep.hbs"),
            ),
            (
                "bicepparam",
                include_str!("../../../../../templates/playbook.bicepparam.hbs"),
            ),
        ] {
            hb.register_template_string(name, text)
                .unwrap_or_else(|e| panic!("template {name} is invalid: {e}"));
        }
        hb
    })
}

/// Render one of the layouts (`bicep`, `bicepparam`).
fn render(template: &str, data: &impl Serialize) -> Result<String, Unsupported> {
    registry()
        .render(template, data)
        .map_err(|e| Unsupported(format!("rendering {template}: {e}")))
}
