//! A typed ARM [`Template`] as a Bicep file: parameters with decorators, variables,
//! `existing` resources, resources with symbolic names (their `dependsOn` becomes implicit),
//! nested deployments as modules in their own files, outputs.
//!
//! The result is a [`File`] of typed declarations; [`File::write_declarations`] prints them
//! into one buffer, which the handlebars layout puts under the file's header.

use std::fmt::Write as _;

use serde::Deserialize;
use serde_json::Value;

use super::expr::{Symbols, Unsupported};
use super::value::{Expr, from_json, write_string_literal};
use soarc_lang::arm::{self, ArmString, ParameterType, Resource, Template};

/// API versions of resources only referenced with `existing` (read, never deployed).
const EXISTING_API_VERSIONS: &[(&str, &str)] = &[
    ("Microsoft.OperationalInsights/workspaces", "2022-10-01"),
    ("Microsoft.KeyVault/vaults", "2023-07-01"),
];

/// One Bicep file, as typed declarations in declaration order.
#[derive(Debug, Clone, Default)]
pub struct File {
    pub metadata: Vec<Statement>,
    pub params: Vec<Param>,
    pub vars: Vec<Statement>,
    pub resources: Vec<Declaration>,
    pub modules: Vec<Declaration>,
    pub outputs: Vec<Output>,
    /// Module files this file refers to: path relative to this file, and their contents.
    pub module_files: Vec<(String, File)>,
}

/// `metadata <name> = <value>` or `var <name> = <value>`.
#[derive(Debug, Clone)]
pub struct Statement {
    pub name: String,
    pub value: Expr,
}

#[derive(Debug, Clone)]
pub struct Param {
    /// Decorators, each printed after an `@`, e.g. `description('...')`.
    pub decorators: Vec<Expr>,
    pub name: String,
    pub kind: &'static str,
    pub default: Option<Expr>,
}

/// `resource <symbol> <target> [existing] = <body>` or `module <symbol> <target> = <body>`.
#[derive(Debug, Clone)]
pub struct Declaration {
    pub symbol: String,
    /// `Type@version` or the module's path, printed as a string literal.
    pub target: String,
    pub existing: bool,
    /// `if (<condition>)` before the body: ARM's `condition`.
    pub condition: Option<Expr>,
    pub body: Expr,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub kind: &'static str,
    pub value: Expr,
}

impl File {
    /// Every declaration, at the end of `out`: metadata, parameters, variables, resources,
    /// modules and outputs, each group (and each parameter, resource and module) after a
    /// blank line, every line ending in a line break.
    pub fn write_declarations(&self, out: &mut String) {
        if !self.metadata.is_empty() {
            out.push('\n');
            for Statement { name, value } in &self.metadata {
                statement(out, "metadata", name, value);
            }
        }
        for param in &self.params {
            out.push('\n');
            for decorator in &param.decorators {
                out.push('@');
                decorator.write(out, 0);
                out.push('\n');
            }
            let _ = write!(out, "param {} {}", param.name, param.kind);
            if let Some(default) = &param.default {
                out.push_str(" = ");
                default.write(out, 0);
            }
            out.push('\n');
        }
        if !self.vars.is_empty() {
            out.push('\n');
            for Statement { name, value } in &self.vars {
                statement(out, "var", name, value);
            }
        }
        for resource in &self.resources {
            resource.write(out, "resource");
        }
        for module in &self.modules {
            module.write(out, "module");
        }
        if !self.outputs.is_empty() {
            out.push('\n');
            for output in &self.outputs {
                let _ = write!(out, "output {} {} = ", output.name, output.kind);
                output.value.write(out, 0);
                out.push('\n');
            }
        }
    }
}

/// `<keyword> <name> = <value>` and a line break.
fn statement(out: &mut String, keyword: &str, name: &str, value: &Expr) {
    let _ = write!(out, "{keyword} {name} = ");
    value.write(out, 0);
    out.push('\n');
}

impl Declaration {
    /// A blank line, then `<keyword> <symbol> '<target>'[ existing] = [if (<condition>) ]<body>`.
    fn write(&self, out: &mut String, keyword: &str) {
        let _ = write!(out, "\n{keyword} {} ", self.symbol);
        write_string_literal(out, &self.target);
        if self.existing {
            out.push_str(" existing");
        }
        out.push_str(" = ");
        if let Some(condition) = &self.condition {
            out.push_str("if (");
            condition.write(out, 0);
            out.push_str(") ");
        }
        self.body.write(out, 0);
        out.push('\n');
    }
}

/// Translate a template. `overrides` replaces properties of resources by JSON path before
/// translation (used to load the workflow definition from `workflow.json`).
pub fn translate(
    template: &Template,
    overrides: &dyn Fn(&Resource, &str) -> Option<Expr>,
) -> Result<File, Unsupported> {
    let mut file = File::default();
    let mut taken: Vec<String> = template
        .parameters
        .keys()
        .chain(template.variables.keys())
        .cloned()
        .collect();
    let mut symbols = Symbols::default();

    if let Some(metadata) = &template.metadata {
        let value = serde_json::to_value(metadata).map_err(|e| Unsupported(e.to_string()))?;
        for (name, value) in value.as_object().into_iter().flatten() {
            file.metadata.push(Statement {
                name: name.clone(),
                value: from_json(value),
            });
        }
    }

    for (name, parameter) in &template.parameters {
        let mut decorators = Vec::new();
        if matches!(
            parameter.kind,
            ParameterType::SecureString | ParameterType::SecureObject
        ) {
            decorators.push(Expr::call("secure", Vec::new()));
        }
        decorators.push(Expr::call(
            "description",
            vec![Expr::str(parameter.metadata.description.as_str())],
        ));
        if let Some(min) = parameter.min_length {
            decorators.push(Expr::call("minLength", vec![Expr::Int(min.into())]));
        }
        if let Some(max) = parameter.max_length {
            decorators.push(Expr::call("maxLength", vec![Expr::Int(max.into())]));
        }
        let symbol = super::value::symbol_name(name);
        if symbol != *name && template.parameters.contains_key(&symbol) {
            return Err(Unsupported(format!(
                "parameters `{name}` and `{symbol}` are the same Bicep symbol"
            )));
        }
        file.params.push(Param {
            decorators,
            name: symbol,
            kind: type_name(parameter.kind),
            default: parameter
                .default_value
                .as_ref()
                .map(|d| symbols.string(d))
                .transpose()?,
        });
    }
    for (name, value) in &template.variables {
        file.vars.push(Statement {
            name: name.clone(),
            value: symbols.string(value)?,
        });
    }

    // Symbols first, so any resource can refer to any other.
    let mut declared = Vec::new();
    for resource in &template.resources {
        let symbol = unique(symbol_for(resource), &mut taken);
        if resource.kind != "Microsoft.Resources/deployments" {
            symbols
                .resources
                .push((resource_id(resource)?, symbol.clone()));
        } else if let ArmString::Literal(name) = &resource.name {
            symbols.deployments.push((name.clone(), symbol.clone()));
        }
        declared.push(symbol);
    }
    // `existing` resources for scopes written as `format('Type/{0}', name)`.
    for resource in &template.resources {
        if let Some(ArmString::Expr(scope)) = &resource.scope
            && !is_symbol_id(&symbols.expr(scope))
        {
            let (kind, name) = scope_target(scope)
                .ok_or_else(|| Unsupported(format!("resource scope {scope}")))?;
            let id = arm::Expr::resource_id(&kind, vec![name.clone()]);
            if symbols.resources.iter().any(|(known, _)| *known == id) {
                continue;
            }
            let api = EXISTING_API_VERSIONS
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, v)| *v)
                .ok_or_else(|| Unsupported(format!("no API version known for existing {kind}")))?;
            let symbol = unique(
                singular(kind.rsplit('/').next().unwrap_or("resource")),
                &mut taken,
            );
            file.resources.push(Declaration {
                symbol: symbol.clone(),
                target: format!("{kind}@{api}"),
                existing: true,
                condition: None,
                body: Expr::Object(vec![("name".into(), symbols.expr(&name)?)]),
            });
            symbols.resources.push((id, symbol));
        }
    }

    for (resource, symbol) in template.resources.iter().zip(declared) {
        if resource.kind == "Microsoft.Resources/deployments" {
            let (path, module, body) = module(resource, &symbol, &symbols)?;
            file.modules.push(Declaration {
                symbol,
                target: path.clone(),
                existing: false,
                condition: condition(resource, &symbols)?,
                body,
            });
            file.module_files.push((path, module));
            continue;
        }
        let mut props = vec![("name".to_string(), symbols.string(&resource.name)?)];
        if let Some(scope) = &resource.scope {
            let scope = match scope {
                ArmString::Expr(e) => match scope_target(e) {
                    Some((kind, name)) => {
                        symbols.expr(&arm::Expr::resource_id(&kind, vec![name]))?
                    }
                    None => symbols.expr(e)?,
                },
                literal => symbols.string(literal)?,
            };
            // `workspace.id` → `workspace`: Bicep scopes take the resource symbol.
            let scope = match scope {
                Expr::Member { base, name } if name == "id" => *base,
                other => return Err(Unsupported(format!("scope {other:?}"))),
            };
            props.push(("scope".into(), scope));
        }
        if resource.resource_group.is_some() {
            return Err(Unsupported(
                "resourceGroup on a resource other than a deployment".into(),
            ));
        }
        if let Some(location) = &resource.location {
            props.push(("location".into(), symbols.string(location)?));
        }
        if let Some(kind) = &resource.sub_kind {
            props.push(("kind".into(), Expr::str(kind.as_str())));
        }
        if !resource.tags.is_empty() {
            let tags = resource
                .tags
                .iter()
                .map(|(k, v)| Ok((k.clone(), symbols.string(v)?)))
                .collect::<Result<_, Unsupported>>()?;
            props.push(("tags".into(), Expr::Object(tags)));
        }
        if let Some(identity) = &resource.identity {
            props.push((
                "identity".into(),
                Expr::Object(vec![("type".into(), Expr::str(identity.kind.as_str()))]),
            ));
        }
        props.push((
            "properties".into(),
            properties(resource, &symbols, overrides)?,
        ));
        add_explicit_dependencies(&mut props, &resource.depends_on, &symbols)?;
        file.resources.push(Declaration {
            symbol,
            target: format!("{}@{}", resource.kind, resource.api_version),
            existing: false,
            condition: condition(resource, &symbols)?,
            body: Expr::Object(props),
        });
    }

    for (name, output) in &template.outputs {
        file.outputs.push(Output {
            name: name.clone(),
            kind: type_name(output.kind),
            value: symbols.string(&output.value)?,
        });
    }
    Ok(file)
}

/// ARM's `condition` as the Bicep expression inside `if (...)`.
fn condition(resource: &Resource, symbols: &Symbols) -> Result<Option<Expr>, Unsupported> {
    resource
        .condition
        .as_ref()
        .map(|c| symbols.string(c))
        .transpose()
}

/// Whether a translated expression is already `<symbol>.id`.
fn is_symbol_id(e: &Result<Expr, Unsupported>) -> bool {
    matches!(e, Ok(Expr::Member { base, name }) if name == "id" && matches!(**base, Expr::Ident(_)))
}

/// The resource's `properties`, JSON paths in `overrides` replaced.
fn properties(
    resource: &Resource,
    symbols: &Symbols,
    overrides: &dyn Fn(&Resource, &str) -> Option<Expr>,
) -> Result<Expr, Unsupported> {
    let Value::Object(map) = &resource.properties else {
        return symbols.json(&resource.properties);
    };
    let mut props = Vec::with_capacity(map.len());
    for (key, value) in map {
        let value = match overrides(resource, key) {
            Some(e) => e,
            None => symbols.json(value)?,
        };
        props.push((key.clone(), value));
    }
    Ok(Expr::Object(props))
}

/// Keep a `dependsOn` only when no symbolic reference in the body already implies it.
fn add_explicit_dependencies(
    props: &mut Vec<(String, Expr)>,
    depends_on: &[ArmString],
    symbols: &Symbols,
) -> Result<(), Unsupported> {
    let mut used = Vec::new();
    for (_, value) in props.iter() {
        value.idents(&mut used);
    }
    let mut explicit = Vec::new();
    for dependency in depends_on {
        if let ArmString::Literal(name) = dependency
            && let Some((_, symbol)) = symbols.deployments.iter().find(|(n, _)| n == name)
        {
            if !used.contains(symbol) {
                explicit.push(Expr::Ident(symbol.clone()));
            }
            continue;
        }
        let Expr::Member { base, .. } = symbols.string(dependency)? else {
            return Err(Unsupported(format!(
                "dependsOn {dependency:?} is not a resource of this file"
            )));
        };
        let Expr::Ident(symbol) = *base else {
            return Err(Unsupported(format!("dependsOn {dependency:?}")));
        };
        if !used.contains(&symbol) {
            explicit.push(Expr::Ident(symbol));
        }
    }
    if !explicit.is_empty() {
        props.push(("dependsOn".into(), Expr::Array(explicit)));
    }
    Ok(())
}

/// A nested deployment (inner expression scope) as a module: its path, file and body.
fn module(
    resource: &Resource,
    symbol: &str,
    symbols: &Symbols,
) -> Result<(String, File, Expr), Unsupported> {
    let props = &resource.properties;
    let inner_scope = props
        .pointer("/expressionEvaluationOptions/scope")
        .and_then(Value::as_str)
        == Some("inner");
    let incremental = props.get("mode").and_then(Value::as_str) == Some("Incremental");
    if !inner_scope || !incremental {
        return Err(Unsupported(
            "nested deployment other than incremental with inner scope".into(),
        ));
    }
    // Read in place (`&Value` is a deserializer): no copy of the nested template.
    let inner: Template = props
        .get("template")
        .map(Template::deserialize)
        .transpose()
        .map_err(|e| Unsupported(format!("nested template: {e}")))?
        .ok_or_else(|| Unsupported("nested deployment without template".into()))?;
    let file = translate(&inner, &|_, _| None)?;
    let mut body = vec![("name".to_string(), symbols.string(&resource.name)?)];
    if let Some(group) = &resource.resource_group {
        body.push((
            "scope".into(),
            Expr::call("resourceGroup", vec![symbols.string(group)?]),
        ));
    }
    let mut params = Vec::new();
    for (name, value) in props
        .get("parameters")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let value = value
            .get("value")
            .ok_or_else(|| Unsupported(format!("module parameter {name} without value")))?;
        params.push((name.clone(), symbols.json(value)?));
    }
    body.push(("params".into(), Expr::Object(params)));
    add_explicit_dependencies(&mut body, &resource.depends_on, symbols)?;
    Ok((
        format!("modules/{}.bicep", kebab(symbol)),
        file,
        Expr::Object(body),
    ))
}

/// `format('Ns/type/{0}', name)` or `resourceId('Ns/type', name)` → (type, name).
fn scope_target(e: &arm::Expr) -> Option<(String, arm::Expr)> {
    let arm::Expr::Call { name, args } = e else {
        return None;
    };
    match (name.to_ascii_lowercase().as_str(), args.as_slice()) {
        ("format", [arm::Expr::Str(pattern), target]) => {
            let kind = pattern.strip_suffix("/{0}")?;
            (kind.matches('/').count() == 1 && !kind.contains('{'))
                .then(|| (kind.to_string(), target.clone()))
        }
        ("resourceid", [arm::Expr::Str(kind), target]) => Some((kind.clone(), target.clone())),
        _ => None,
    }
}

/// The `resourceId()` ARM writes for a top-level resource of this template.
fn resource_id(resource: &Resource) -> Result<arm::Expr, Unsupported> {
    let name = match &resource.name {
        ArmString::Expr(e) => e.clone(),
        ArmString::Literal(s) => arm::Expr::str(s.as_str()),
    };
    if resource.kind.matches('/').count() != 1 {
        return Err(Unsupported(format!(
            "child resource type {}",
            resource.kind
        )));
    }
    Ok(arm::Expr::resource_id(&resource.kind, vec![name]))
}

/// A readable symbol: from the name's parameter/variable (`SnowConnectionName` →
/// `snowConnection`), else from the first literal in the name (`sentinel-responder-...` →
/// `sentinelResponder`), else (and for `guid()` names) from the type (`roleAssignment`).
fn symbol_for(resource: &Resource) -> String {
    if let ArmString::Expr(arm::Expr::Call { name, args }) = &resource.name
        && matches!(name.as_str(), "parameters" | "variables")
        && let [arm::Expr::Str(symbol)] = args.as_slice()
    {
        return lower_first(
            symbol
                .strip_suffix("Name")
                .filter(|s| !s.is_empty())
                .unwrap_or(symbol),
        );
    }
    // A literal name that reads as words (not a GUID), e.g. a nested deployment's.
    if let ArmString::Literal(name) = &resource.name
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && uuid::Uuid::parse_str(name).is_err()
    {
        return camel(name);
    }
    let mut first_literal = None;
    if let ArmString::Expr(e) = &resource.name
        && e.call_name()
            .is_none_or(|name| !name.eq_ignore_ascii_case("guid"))
    {
        e.walk(&mut |e| {
            if let (None, arm::Expr::Str(s)) = (&first_literal, e) {
                first_literal = Some(s.clone());
            }
        });
    }
    match first_literal {
        Some(s) if s.chars().any(|c| c.is_ascii_alphabetic()) => camel(&s),
        _ => singular(resource.kind.rsplit('/').next().unwrap_or("resource")),
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// `sentinel-responder-` → `sentinelResponder`
fn camel(s: &str) -> String {
    let words: Vec<&str> = s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = String::new();
    for (i, word) in words.iter().enumerate() {
        if i == 0 {
            out.push_str(&lower_first(word));
        } else {
            let mut chars = word.chars();
            if let Some(c) = chars.next() {
                out.push(c.to_ascii_uppercase());
                out.push_str(chars.as_str());
            }
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// `sentinelResponder` → `sentinel-responder`
fn kebab(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn singular(s: &str) -> String {
    camel(s.strip_suffix('s').unwrap_or(s))
}

/// A symbol not yet taken (Bicep symbols share one namespace; compare case-insensitively to
/// stay clear of the linter's warnings).
fn unique(base: String, taken: &mut Vec<String>) -> String {
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&candidate)) {
        candidate = format!("{base}{n}");
        n += 1;
    }
    taken.push(candidate.clone());
    candidate
}

fn type_name(kind: ParameterType) -> &'static str {
    match kind {
        ParameterType::String | ParameterType::SecureString => "string",
        ParameterType::Int => "int",
        ParameterType::Bool => "bool",
        ParameterType::Object | ParameterType::SecureObject => "object",
        ParameterType::Array => "array",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(camel("sentinel-responder-"), "sentinelResponder");
        assert_eq!(kebab("sentinelResponder"), "sentinel-responder");
        assert_eq!(singular("workspaces"), "workspace");
        assert_eq!(singular("roleAssignments"), "roleAssignment");
        let mut taken = vec!["Playbook".to_string()];
        assert_eq!(unique("playbook".into(), &mut taken), "playbook2");
    }
}
