//! Typed ARM deployment templates and parameters files (schema 2019-04-01).
//!
//! Every ARM expression is built as an [`expr::Expr`] and printed through
//! [`ArmString`]; every literal string that ARM would evaluate is escaped with `[[`.
//! An embedded workflow definition goes through [`escape_json`] so that a WDL string
//! such as `[Sentinel] ...]` reaches Logic Apps unchanged.

pub mod expr;
pub mod functions;

use std::borrow::Cow;

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

pub use expr::{ArmString, Expr};

pub const TEMPLATE_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
pub const PARAMETERS_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#";

impl Serialize for ArmString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_arm_string())
    }
}

impl<'de> Deserialize<'de> for ArmString {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ArmString::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for ArmString {
    fn schema_name() -> Cow<'static, str> {
        "ArmString".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A literal, or an ARM expression in brackets: `[concat('a', parameters('b'))]`."
        })
    }
}

/// A literal ARM string.
pub fn lit(s: impl Into<String>) -> ArmString {
    ArmString::Literal(s.into())
}

/// An ARM expression string.
pub fn ex(e: Expr) -> ArmString {
    ArmString::Expr(e)
}

/// Escape every string (and object key) of a JSON value so ARM passes it through as
/// written: used on workflow definitions embedded in templates.
pub fn escape_json(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(expr::escape_literal(&s).into_owned()),
        Value::Array(items) => Value::Array(items.into_iter().map(escape_json).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (expr::escape_literal(&k).into_owned(), escape_json(v)))
                .collect(),
        ),
        other => other,
    }
}

/// An ARM deployment template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "ARM deployment template (as soarc generates it)")]
pub struct Template {
    #[serde(rename = "$schema")]
    pub schema: String,
    #[serde(rename = "contentVersion")]
    pub content_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub parameters: IndexMap<String, Parameter>,
    #[serde(default)]
    pub variables: IndexMap<String, ArmString>,
    pub resources: Vec<Resource>,
    #[serde(default)]
    pub outputs: IndexMap<String, Output>,
}

/// Sentinel's template metadata block (what the Sentinel content tooling reads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Metadata {
    pub title: String,
    pub description: String,
    pub prerequisites: Vec<String>,
    #[serde(rename = "postDeployment", default)]
    pub post_deployment: Vec<String>,
    pub tags: Vec<String>,
    pub support: Support,
    pub author: Author,
    #[serde(rename = "generatedBy")]
    pub generated_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Support {
    pub tier: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Author {
    pub name: String,
}

/// ARM parameter types (ARM reads them case-insensitively; soarc writes lowercase).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ParameterType {
    String,
    SecureString,
    Int,
    Bool,
    Object,
    SecureObject,
    Array,
}

/// A template parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Parameter {
    #[serde(rename = "type")]
    pub kind: ParameterType,
    #[serde(
        rename = "defaultValue",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub default_value: Option<ArmString>,
    #[serde(rename = "minLength", default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    #[serde(rename = "maxLength", default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    pub metadata: ParameterMetadata,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ParameterMetadata {
    pub description: String,
}

/// A template output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Output {
    #[serde(rename = "type")]
    pub kind: ParameterType,
    pub value: ArmString,
}

/// A resource. `properties` is typed per resource kind in [`playbook`] and stored as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Resource {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub name: ArmString,
    /// Deploy only when this is true (`condition`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<ArmString>,
    /// The resource's `kind` (e.g. `shared` for workbooks, `LogAlert` for log alerts).
    #[serde(rename = "kind", default, skip_serializing_if = "Option::is_none")]
    pub sub_kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<ArmString>,
    #[serde(
        rename = "resourceGroup",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub resource_group: Option<ArmString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<ArmString>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub tags: IndexMap<String, ArmString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    #[serde(rename = "dependsOn", default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<ArmString>,
    pub properties: Value,
}

impl Resource {
    /// A resource with only its type, API version, name and properties; the optional parts
    /// are set with struct update syntax (`Resource { location, ..Resource::new(...) }`).
    pub fn new(kind: &str, api_version: &str, name: ArmString, properties: Value) -> Resource {
        Resource {
            kind: kind.into(),
            api_version: api_version.into(),
            name,
            condition: None,
            sub_kind: None,
            scope: None,
            resource_group: None,
            location: None,
            tags: IndexMap::new(),
            identity: None,
            depends_on: Vec::new(),
            properties,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Identity {
    #[serde(rename = "type")]
    pub kind: String,
}

/// An ARM parameters file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "ARM deployment parameters (as soarc generates them)")]
pub struct ParametersFile {
    #[serde(rename = "$schema")]
    pub schema: String,
    #[serde(rename = "contentVersion")]
    pub content_version: String,
    pub parameters: IndexMap<String, ParameterValue>,
}

/// A parameter value, or a Key Vault secret reference resolved at deployment time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ParameterValue {
    Value { value: Value },
    KeyVault { reference: KeyVaultReference },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KeyVaultReference {
    #[serde(rename = "keyVault")]
    pub key_vault: KeyVaultId,
    #[serde(rename = "secretName")]
    pub secret_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KeyVaultId {
    pub id: String,
}
