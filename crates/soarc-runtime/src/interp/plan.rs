//! What a run needs from the definition that does not depend on the run: every expression
//! string parsed once, designer conditions turned into expressions, the `$connections` keys
//! and the secure parameters. Built once per workflow ([`crate::Prepared`]) and shared by
//! every run of it, so that repeated runs (`soarc test`, loops, benchmarks) never parse an
//! expression twice.
//!
//! Parsed values are found again by the address of the string (or condition object) in the
//! definition: the plan borrows the definition immutably for its whole life, so no string
//! of it can move or be freed, and a string made during the run (an evaluated value) can
//! never share the address of one that is still alive. A miss (such a string) is parsed on
//! the spot, with the same result.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use soarc_lang::wdl::{Expr, Template};

use super::{calls, condition_expr};

/// Whether a workflow string is an expression or an interpolation ([WDL] §Expressions:
/// "@" starts an expression, "@{...}" interpolates); everything else is a literal.
pub(crate) fn is_template(s: &str) -> bool {
    (s.len() >= 2 && s.starts_with('@')) || s.contains("@{")
}

/// See the module documentation.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// Parsed expression strings by (address, length) of the string in the definition.
    templates: HashMap<(usize, usize), Template>,
    /// Designer condition objects (`{"and": [...]}`) as expressions, by address of the
    /// object in the definition.
    conditions: HashMap<usize, Expr>,
    /// The `$connections` keys named by `@parameters('$connections')['key']...` strings.
    pub connection_keys: Vec<String>,
    /// Lower-case names of parameters of a secure type (securestring, secureobject).
    pub secure_params: HashSet<String>,
}

fn key(s: &str) -> (usize, usize) {
    (s.as_ptr() as usize, s.len())
}

impl Plan {
    /// One pass over the definition: linear in its size (plus the parse of each
    /// expression).
    pub fn new(definition: &Value) -> Plan {
        let mut plan = Plan::default();
        plan.walk(definition, false);
        if let Some(params) = definition.get("parameters").and_then(Value::as_object) {
            for (name, decl) in params {
                if decl
                    .get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.to_ascii_lowercase().starts_with("secure"))
                {
                    plan.secure_params.insert(name.to_ascii_lowercase());
                }
            }
        }
        plan
    }

    /// `condition`: `v` is the value of an `expression` key (If, Until), which may be a
    /// designer condition object.
    fn walk(&mut self, v: &Value, condition: bool) {
        match v {
            Value::String(s) if is_template(s) => {
                if let Ok(t) = Template::parse(s) {
                    if s.contains("$connections")
                        && let Template::Expr(_) = &t
                        && let Some(k) = calls::connection_key(s)
                        && !self.connection_keys.contains(&k)
                    {
                        self.connection_keys.push(k);
                    }
                    self.templates.insert(key(s), t);
                }
            }
            Value::Array(items) => items.iter().for_each(|x| self.walk(x, false)),
            Value::Object(m) => {
                if condition && let Ok(e) = condition_expr(v) {
                    self.conditions.insert(v as *const Value as usize, e);
                }
                for (k, x) in m {
                    // Keys can be expressions too (an object built from `@{...}` keys is
                    // rare; keys are evaluated as written).
                    self.walk(x, k == "expression" || k == "where");
                }
            }
            _ => {}
        }
    }

    /// The parsed form of `s`, if `s` is an expression string of the definition.
    pub fn template(&self, s: &str) -> Option<&Template> {
        self.templates.get(&key(s))
    }

    /// The expression of a designer condition object of the definition.
    pub fn condition(&self, v: &Value) -> Option<&Expr> {
        self.conditions.get(&(v as *const Value as usize))
    }
}
