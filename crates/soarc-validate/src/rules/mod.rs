//! Validation rules, one per file (ruff style). Each file defines `pub static RULE: Rule` with
//! a stable code, a one-line title, a severity and a doc paragraph (printed by `soarc rules`),
//! its `check` function, and unit tests with passing and failing fixtures.
//!
//! Codes: `JSON` the file itself, `ARM` deployment-template expressions and structure, `WDL`
//! workflow definitions (Logic Apps). Codes are never reused.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use super::Sink;
use super::context::{CallKinds, CiName, Context, FastSet, WdlExpr, Workflow};
use soarc_lang::arm::expr::{StringKind, classify};
use soarc_lang::wdl::expr::{Expr as WExpr, Template};

pub mod json001_invalid_json;
pub mod json002_duplicate_key;
pub mod json003_bom;

pub mod arm001_expression_syntax;
pub mod arm002_unknown_function;
pub mod arm003_arity;
pub mod arm004_undefined_parameter;
pub mod arm005_undefined_variable;
pub mod arm006_depends_on_missing;
pub mod arm007_bracketed_literal;
pub mod arm008_secure_parameter_default;
pub mod arm009_unused_parameter;
pub mod arm010_unused_variable;
pub mod arm011_parameter_value;
pub mod arm012_secret_in_output;
pub mod arm013_hardcoded_location;
pub mod arm014_secret_parameter_not_secure;
pub mod arm015_connection_literal_secret;
pub mod arm016_missing_api_version;
pub mod arm017_sentinel_playbook_conventions;
pub mod arm018_parameter_not_in_template;
pub mod arm019_required_parameter_not_set;
pub mod arm020_parameter_declaration;
pub mod arm021_resource_structure;
pub mod arm022_repositories_skip;
pub mod arm023_template_structure;
pub mod arm024_output_value;
pub mod arm025_secure_value_outer_scope;
pub mod arm026_literal_admin_password;

pub mod wdl001_expression_syntax;
pub mod wdl002_unknown_function;
pub mod wdl003_arity;
pub mod wdl004_missing_action_reference;
pub mod wdl005_items_outside_loop;
pub mod wdl006_uninitialized_variable;
pub mod wdl007_undeclared_parameter;
pub mod wdl008_run_after_missing;
pub mod wdl009_run_after_status;
pub mod wdl010_run_after_cycle;
pub mod wdl011_undeclared_connection;
pub mod wdl012_connection_case;
pub mod wdl013_action_name_length;
pub mod wdl014_nesting_depth;
pub mod wdl015_action_count;
pub mod wdl016_retry_policy;
pub mod wdl017_expression_length;
pub mod wdl018_missing_type;
pub mod wdl019_unknown_type;
pub mod wdl020_authentication_type;
pub mod wdl021_required_inputs;
pub mod wdl022_credentials_without_secure_data;
pub mod wdl023_hardcoded_credential;
pub mod wdl024_non_https_uri;
pub mod wdl025_variable_declaration;
pub mod wdl026_input_value_type;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule: metadata plus its check.
pub struct Rule {
    pub code: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub doc: &'static str,
    pub check: fn(&Context, &mut Sink),
}

/// Where `docs/validate.md` is published; each rule has an anchor there (its code, lower-cased).
pub const DOCS_URL: &str = "https://github.com/soarc/soarc/blob/main/docs/validate.md";

impl Rule {
    /// The rule's documentation: `docs/validate.md#<code>` (SARIF `helpUri`, human output).
    pub fn help_uri(&self) -> String {
        format!("{DOCS_URL}#{}", self.code.to_ascii_lowercase())
    }
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

/// Every rule, in code order.
pub static ALL: &[&Rule] = &[
    &json001_invalid_json::RULE,
    &json002_duplicate_key::RULE,
    &json003_bom::RULE,
    &arm001_expression_syntax::RULE,
    &arm002_unknown_function::RULE,
    &arm003_arity::RULE,
    &arm004_undefined_parameter::RULE,
    &arm005_undefined_variable::RULE,
    &arm006_depends_on_missing::RULE,
    &arm007_bracketed_literal::RULE,
    &arm008_secure_parameter_default::RULE,
    &arm009_unused_parameter::RULE,
    &arm010_unused_variable::RULE,
    &arm011_parameter_value::RULE,
    &arm012_secret_in_output::RULE,
    &arm013_hardcoded_location::RULE,
    &arm014_secret_parameter_not_secure::RULE,
    &arm015_connection_literal_secret::RULE,
    &arm016_missing_api_version::RULE,
    &arm017_sentinel_playbook_conventions::RULE,
    &arm018_parameter_not_in_template::RULE,
    &arm019_required_parameter_not_set::RULE,
    &arm020_parameter_declaration::RULE,
    &arm021_resource_structure::RULE,
    &arm022_repositories_skip::RULE,
    &arm023_template_structure::RULE,
    &arm024_output_value::RULE,
    &arm025_secure_value_outer_scope::RULE,
    &arm026_literal_admin_password::RULE,
    &wdl001_expression_syntax::RULE,
    &wdl002_unknown_function::RULE,
    &wdl003_arity::RULE,
    &wdl004_missing_action_reference::RULE,
    &wdl005_items_outside_loop::RULE,
    &wdl006_uninitialized_variable::RULE,
    &wdl007_undeclared_parameter::RULE,
    &wdl008_run_after_missing::RULE,
    &wdl009_run_after_status::RULE,
    &wdl010_run_after_cycle::RULE,
    &wdl011_undeclared_connection::RULE,
    &wdl012_connection_case::RULE,
    &wdl013_action_name_length::RULE,
    &wdl014_nesting_depth::RULE,
    &wdl015_action_count::RULE,
    &wdl016_retry_policy::RULE,
    &wdl017_expression_length::RULE,
    &wdl018_missing_type::RULE,
    &wdl019_unknown_type::RULE,
    &wdl020_authentication_type::RULE,
    &wdl021_required_inputs::RULE,
    &wdl022_credentials_without_secure_data::RULE,
    &wdl023_hardcoded_credential::RULE,
    &wdl024_non_https_uri::RULE,
    &wdl025_variable_declaration::RULE,
    &wdl026_input_value_type::RULE,
];

/// The rule with this code.
pub fn find(code: &str) -> Option<&'static Rule> {
    ALL.iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code))
}

/// Every WDL function call in every parsed expression of every workflow that holds a call of
/// one of `kinds` (the others are not walked): `f(workflow, expression, name, args)`.
pub(crate) fn for_each_wdl_call<'a>(
    ctx: &'a Context<'a>,
    kinds: CallKinds,
    mut f: impl FnMut(&'a Workflow<'a>, &'a WdlExpr<'a>, &'a str, &'a [WExpr]),
) {
    for_each_call_at(ctx, kinds, |_, wf, e, name, args| f(wf, e, name, args));
}

/// Every call of `function` (`items`, `variables`, `parameters`: case-insensitive, as Logic
/// Apps reads function names) whose first argument is a string literal, in the workflows
/// that hold a call of `kind`: `f(index of the workflow in ctx.workflows, workflow,
/// expression, the literal)`. A computed argument names nothing these rules can check.
pub(crate) fn for_each_named_ref<'a>(
    ctx: &'a Context<'a>,
    kind: CallKinds,
    function: &str,
    mut f: impl FnMut(usize, &'a Workflow<'a>, &'a WdlExpr<'a>, &'a str),
) {
    for_each_call_at(ctx, kind, |index, wf, e, name, args| {
        if name.eq_ignore_ascii_case(function)
            && let Some(target) = first_str(args)
        {
            f(index, wf, e, target);
        }
    });
}

/// [`for_each_wdl_call`], with each workflow's index in `ctx.workflows`.
fn for_each_call_at<'a>(
    ctx: &'a Context<'a>,
    kinds: CallKinds,
    mut f: impl FnMut(usize, &'a Workflow<'a>, &'a WdlExpr<'a>, &'a str, &'a [WExpr]),
) {
    for (index, wf) in ctx.workflows.iter().enumerate() {
        for e in wf.notable() {
            if !e.calls.holds(kinds) {
                continue;
            }
            let Some(template) = e.tree() else { continue };
            for expr in template.each_expr() {
                walk_calls(expr, &mut |name, args| f(index, wf, e, name, args));
            }
        }
    }
}

pub(crate) fn walk_calls<'a>(expr: &'a WExpr, f: &mut dyn FnMut(&'a str, &'a [WExpr])) {
    match expr {
        WExpr::Call { name, args } => {
            f(name, args);
            for a in args {
                walk_calls(a, f);
            }
        }
        WExpr::Index { base, index, .. } => {
            walk_calls(base, f);
            walk_calls(index, f);
        }
        WExpr::Member { base, .. } => walk_calls(base, f),
        _ => {}
    }
}

/// The first argument if it is a string literal.
pub(crate) fn first_str(args: &[WExpr]) -> Option<&str> {
    match args.first() {
        Some(WExpr::Str(s)) => Some(s),
        _ => None,
    }
}

/// Every `parameters('$connections')['name']` (or `.name`) in a workflow, as
/// (expression, connection name).
pub(crate) fn connection_refs<'a>(wf: &'a Workflow<'a>) -> Vec<(&'a WdlExpr<'a>, String)> {
    let mut out = Vec::new();
    for e in wf.notable() {
        // `parameters(...)` is a call of that kind.
        if !e.calls.holds(CallKinds::PARAMETERS) {
            continue;
        }
        let Some(template) = e.tree() else { continue };
        for expr in template.each_expr() {
            expr.walk(&mut |node| {
                let (base, key) = match node {
                    WExpr::Index { base, index, .. } => match index.as_ref() {
                        WExpr::Str(k) => (base, k.clone()),
                        _ => return,
                    },
                    WExpr::Member { base, name, .. } => (base, name.clone()),
                    _ => return,
                };
                if let WExpr::Call { name, args } = base.as_ref()
                    && name.eq_ignore_ascii_case("parameters")
                    && first_str(args) == Some("$connections")
                {
                    out.push((e, key));
                }
            });
        }
    }
    out
}

/// A string value of a workflow definition as Logic Apps reads it: `None` when ARM computes it
/// at deployment (`"[...]"` inside a template) or it is not a valid workflow string.
pub(crate) fn workflow_string(wf: &Workflow, s: &str) -> Option<Template> {
    let s = if wf.in_arm {
        match classify(s) {
            StringKind::Expression => return None,
            StringKind::EscapedLiteral => &s[1..],
            StringKind::Plain => s,
        }
    } else {
        s
    };
    Template::parse(s).ok()
}

/// A set of names compared case-insensitively (ASCII), as ARM and Logic Apps compare
/// parameter, variable and action names. Lookups are O(1), so rules stay linear.
pub(crate) struct CiSet<'a> {
    names: Vec<&'a str>,
    set: FastSet<CiName<'a>>,
    /// Suggestions already computed, per lower-cased unknown name.
    suggestions: RefCell<HashMap<String, Option<&'a str>>>,
}

/// Above this many candidates no "did you mean" is computed (each suggestion compares the
/// unknown name with every candidate; this bound keeps reporting linear in findings).
pub(crate) const MAX_SUGGESTION_CANDIDATES: usize = 2000;

/// At most this many distinct unknown names get a "did you mean" per rule and file: each
/// suggestion compares the name with up to [`MAX_SUGGESTION_CANDIDATES`] others, so a file
/// with very many unknown names (a generated one) is still reported in time linear in its
/// findings; later findings just have no hint.
pub(crate) const MAX_SUGGESTED: usize = 100;

/// Suggestions of one rule in one file: computed once per distinct key, at most
/// [`MAX_SUGGESTED`] of them.
pub(crate) struct Suggestions<'a, K> {
    memo: HashMap<K, Option<&'a str>>,
}

impl<'a, K: std::hash::Hash + Eq> Suggestions<'a, K> {
    pub(crate) fn new() -> Self {
        Suggestions {
            memo: HashMap::new(),
        }
    }

    pub(crate) fn get(
        &mut self,
        key: K,
        compute: impl FnOnce() -> Option<&'a str>,
    ) -> Option<&'a str> {
        if let Some(known) = self.memo.get(&key) {
            return *known;
        }
        if self.memo.len() >= MAX_SUGGESTED {
            return None;
        }
        let suggestion = compute();
        self.memo.insert(key, suggestion);
        suggestion
    }
}

impl<'a> CiSet<'a> {
    pub(crate) fn new(names: impl IntoIterator<Item = &'a str>) -> CiSet<'a> {
        let names: Vec<&'a str> = names.into_iter().collect();
        let set = names.iter().map(|n| CiName(n)).collect();
        CiSet {
            names,
            set,
            suggestions: RefCell::default(),
        }
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        // No lower-cased copy per lookup: the set hashes and compares ignoring ASCII case.
        let set: &FastSet<CiName<'_>> = &self.set;
        set.contains(&CiName(name))
    }

    /// The closest declared name, computed once per distinct unknown name (for at most
    /// [`MAX_SUGGESTED`] names).
    pub(crate) fn suggest(&self, name: &str) -> Option<&'a str> {
        if self.names.len() > MAX_SUGGESTION_CANDIDATES {
            return None;
        }
        let mut suggestions = self.suggestions.borrow_mut();
        let key = name.to_ascii_lowercase();
        if let Some(known) = suggestions.get(&key) {
            return *known;
        }
        if suggestions.len() >= MAX_SUGGESTED {
            return None;
        }
        let suggestion = soarc_lang::diagnostics::did_you_mean(name, self.names.iter().copied());
        suggestions.insert(key, suggestion);
        suggestion
    }
}

/// ` (did you mean 'x'?)` or nothing.
pub(crate) fn hint(suggestion: Option<&str>) -> String {
    suggestion
        .map(|s| format!("; did you mean '{s}'?"))
        .unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod fixtures {
    use crate::{Finding, validate_text};

    /// Findings of one rule on a document.
    pub fn run(code: &str, text: &str) -> Vec<Finding> {
        let (kind, findings) = validate_text(text);
        assert!(kind.is_some(), "fixture not recognised: {text}");
        findings.into_iter().filter(|f| f.code == code).collect()
    }

    /// Asserts that rule `code` reports exactly `expected` on a document, as (JSON pointer,
    /// message) pairs in report order, and returns those findings.
    #[track_caller]
    pub fn expect(code: &str, text: &str, expected: &[(&str, &str)]) -> Vec<Finding> {
        let found = run(code, text);
        assert_found(code, &found, expected);
        found
    }

    /// Asserts the (pointer, message) pairs of findings of rule `code`.
    #[track_caller]
    pub fn assert_found(code: &str, found: &[Finding], expected: &[(&str, &str)]) {
        assert!(found.iter().all(|f| f.code == code));
        let got: Vec<(&str, &str)> = found
            .iter()
            .map(|f| (f.pointer.as_str(), f.message.as_str()))
            .collect();
        assert_eq!(got, expected, "{code}: findings (pointer, message) differ");
    }

    /// A bare workflow definition with the given `actions` and `parameters` JSON.
    pub fn workflow(actions: &str) -> String {
        workflow_with(actions, "{}")
    }

    pub fn workflow_with(actions: &str, parameters: &str) -> String {
        format!(
            r#"{{"$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
"contentVersion": "1.0.0.0", "parameters": {parameters},
"triggers": {{"manual": {{"type": "Request", "kind": "Http", "inputs": {{}}}}}},
"actions": {actions}, "outputs": {{}}}}"#
        )
    }

    /// An ARM template with the given parameters, variables and resources JSON.
    pub fn arm(parameters: &str, variables: &str, resources: &str) -> String {
        format!(
            r#"{{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
"contentVersion": "1.0.0.0", "parameters": {parameters}, "variables": {variables},
"resources": {resources}}}"#
        )
    }

    /// An ARM template holding one Logic App with this definition and these connections
    /// (the JSON of `parameters.$connections.value`).
    pub fn logic_app(definition: &str, connections: &str) -> String {
        arm(
            "{}",
            "{}",
            &format!(
                r#"[{{"type": "Microsoft.Logic/workflows", "apiVersion": "2017-07-01", "name": "wf", "location": "westeurope",
"properties": {{"definition": {definition}, "parameters": {{"$connections": {{"value": {connections}}}}}}}}}]"#
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_documented() {
        let codes: Vec<&str> = ALL.iter().map(|r| r.code).collect();
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(codes.len(), unique.len());
        for rule in ALL {
            assert!(
                !rule.title.is_empty() && rule.doc.len() > 40,
                "{}",
                rule.code
            );
            assert!(!rule.title.ends_with('.'), "{}", rule.code);
        }
    }
}
