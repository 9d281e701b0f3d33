//! What `{{...}}` references can name: the payloads of the Sentinel triggers.
//!
//! Paths follow the trigger bodies Logic Apps receives (see the real Sentinel playbooks
//! in the reference corpus: `triggerBody()?['object']?['properties']?['title']`, ...).
//! Each field has a type so that mappings can check coverage of enumerated values.

use soarc_lang::wdl::Expr;

/// The type of a referenced value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    Text,
    /// Text with a fixed set of values.
    Enum(&'static [&'static str]),
    Int,
    DateTime,
    Array,
    /// Any JSON; deeper paths are allowed (`{{request.body.a.b}}`).
    Object,
}

impl ValueType {
    /// Whether `{{x.deeper.path}}` may continue past this field.
    pub fn allows_subpath(self) -> bool {
        matches!(self, ValueType::Object)
    }
}

/// A documented field of a trigger payload.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Name after the root, dotted, e.g. `owner.email`.
    pub name: &'static str,
    /// JSON path below the root expression.
    pub path: &'static [&'static str],
    pub ty: ValueType,
    pub doc: &'static str,
}

pub const SEVERITIES: &[&str] = &["High", "Medium", "Low", "Informational"];
pub const INCIDENT_STATUSES: &[&str] = &["New", "Active", "Closed"];
pub const CLASSIFICATIONS: &[&str] = &[
    "Undetermined",
    "TruePositive",
    "BenignPositive",
    "FalsePositive",
];

/// Learn, Microsoft.SecurityInsights incidents REST API, `IncidentClassificationReason`.
pub const CLASSIFICATION_REASONS: &[&str] = &[
    "SuspiciousActivity",
    "SuspiciousButExpected",
    "IncorrectAlertLogic",
    "InaccurateData",
];
/// MITRE ATT&CK tactics as Sentinel names them (the API's `AttackTactic`), the elements of
/// `incident.tactics`.
pub const TACTICS: &[&str] = &[
    "Reconnaissance",
    "ResourceDevelopment",
    "InitialAccess",
    "Execution",
    "Persistence",
    "PrivilegeEscalation",
    "DefenseEvasion",
    "CredentialAccess",
    "Discovery",
    "LateralMovement",
    "Collection",
    "Exfiltration",
    "CommandAndControl",
    "Impact",
    "PreAttack",
    "ImpairProcessControl",
    "InhibitResponseFunction",
];

/// The values elements of an enumerated array field can have (`incident.tactics`).
pub fn element_values(field: &Field) -> Option<&'static [&'static str]> {
    match field.path.last() {
        Some(&"tactics") => Some(TACTICS),
        _ => None,
    }
}

const fn field(
    name: &'static str,
    path: &'static [&'static str],
    ty: ValueType,
    doc: &'static str,
) -> Field {
    Field {
        name,
        path,
        ty,
        doc,
    }
}

use ValueType::*;

/// `{{incident.*}}`: below `triggerBody()?['object']`.
pub const INCIDENT: &[Field] = &[
    field("arm_id", &["id"], Text, "ARM resource id of the incident"),
    field("name", &["name"], Text, "incident GUID (resource name)"),
    field("title", &["properties", "title"], Text, "title"),
    field(
        "description",
        &["properties", "description"],
        Text,
        "description",
    ),
    field(
        "severity",
        &["properties", "severity"],
        Enum(SEVERITIES),
        "High, Medium, Low or Informational",
    ),
    field(
        "status",
        &["properties", "status"],
        Enum(INCIDENT_STATUSES),
        "New, Active or Closed",
    ),
    field(
        "classification",
        &["properties", "classification"],
        Enum(CLASSIFICATIONS),
        "classification when closed",
    ),
    field(
        "classification_reason",
        &["properties", "classificationReason"],
        Enum(CLASSIFICATION_REASONS),
        "classification reason",
    ),
    field(
        "classification_comment",
        &["properties", "classificationComment"],
        Text,
        "classification comment",
    ),
    field(
        "number",
        &["properties", "incidentNumber"],
        Int,
        "incident number shown in the portal",
    ),
    field(
        "url",
        &["properties", "incidentUrl"],
        Text,
        "link to the incident in the portal",
    ),
    field(
        "owner.email",
        &["properties", "owner", "email"],
        Text,
        "owner e-mail",
    ),
    field(
        "owner.assigned_to",
        &["properties", "owner", "assignedTo"],
        Text,
        "owner display name",
    ),
    field(
        "owner.upn",
        &["properties", "owner", "userPrincipalName"],
        Text,
        "owner user principal name",
    ),
    field(
        "owner.object_id",
        &["properties", "owner", "objectId"],
        Text,
        "owner Entra object id",
    ),
    field(
        "labels",
        &["properties", "labels"],
        Array,
        "tags (objects with labelName)",
    ),
    field(
        "tactics",
        &["properties", "additionalData", "tactics"],
        Array,
        "MITRE ATT&CK tactics",
    ),
    field(
        "techniques",
        &["properties", "additionalData", "techniques"],
        Array,
        "MITRE ATT&CK techniques",
    ),
    field(
        "alert_product_names",
        &["properties", "additionalData", "alertProductNames"],
        Array,
        "products that raised the alerts",
    ),
    field(
        "alerts_count",
        &["properties", "additionalData", "alertsCount"],
        Int,
        "number of alerts",
    ),
    field(
        "created_time",
        &["properties", "createdTimeUtc"],
        DateTime,
        "creation time (UTC)",
    ),
    field(
        "first_activity_time",
        &["properties", "firstActivityTimeUtc"],
        DateTime,
        "first activity (UTC)",
    ),
    field(
        "last_activity_time",
        &["properties", "lastActivityTimeUtc"],
        DateTime,
        "last activity (UTC)",
    ),
    field(
        "last_modified_time",
        &["properties", "lastModifiedTimeUtc"],
        DateTime,
        "last change (UTC)",
    ),
    field(
        "provider_name",
        &["properties", "providerName"],
        Text,
        "provider, e.g. Azure Sentinel",
    ),
    field(
        "provider_incident_id",
        &["properties", "providerIncidentId"],
        Text,
        "provider's incident id",
    ),
    field(
        "analytics_rule_ids",
        &["properties", "relatedAnalyticRuleIds"],
        Array,
        "analytics rules that created the alerts",
    ),
    field(
        "alerts",
        &["properties", "Alerts"],
        Array,
        "the incident's alerts",
    ),
    field(
        "entities",
        &["properties", "relatedEntities"],
        Array,
        "the incident's entities",
    ),
    field(
        "properties",
        &["properties"],
        Object,
        "all incident properties",
    ),
];

/// `{{workspace.*}}` for incident-triggered playbooks: below `triggerBody()`.
pub const INCIDENT_WORKSPACE: &[Field] = &[
    field(
        "name",
        &["workspaceInfo", "WorkspaceName"],
        Text,
        "workspace name",
    ),
    field(
        "resource_group",
        &["workspaceInfo", "ResourceGroupName"],
        Text,
        "workspace resource group",
    ),
    field(
        "subscription_id",
        &["workspaceInfo", "SubscriptionId"],
        Text,
        "workspace subscription",
    ),
    field("id", &["workspaceId"], Text, "workspace id (GUID)"),
];

/// `{{alert.*}}`: below `triggerBody()`.
pub const ALERT: &[Field] = &[
    field("display_name", &["AlertDisplayName"], Text, "alert title"),
    field("description", &["Description"], Text, "description"),
    field(
        "severity",
        &["Severity"],
        Enum(SEVERITIES),
        "High, Medium, Low or Informational",
    ),
    field("system_alert_id", &["SystemAlertId"], Text, "alert id"),
    field("uri", &["AlertUri"], Text, "link to the alert"),
    field("type", &["AlertType"], Text, "alert type"),
    field(
        "compromised_entity",
        &["CompromisedEntity"],
        Text,
        "main entity",
    ),
    field("provider_name", &["ProviderName"], Text, "provider"),
    field("product_name", &["ProductName"], Text, "product"),
    field("status", &["Status"], Text, "status"),
    field("start_time", &["StartTimeUtc"], DateTime, "start (UTC)"),
    field("end_time", &["EndTimeUtc"], DateTime, "end (UTC)"),
    field(
        "time_generated",
        &["TimeGenerated"],
        DateTime,
        "generated (UTC)",
    ),
    field("entities", &["Entities"], Text, "entities (JSON text)"),
    field(
        "extended_properties",
        &["ExtendedProperties"],
        Object,
        "extended properties",
    ),
    field("tactics", &["Tactics"], Text, "tactics"),
    field("workspace.id", &["WorkspaceId"], Text, "workspace id"),
    field(
        "workspace.subscription_id",
        &["WorkspaceSubscriptionId"],
        Text,
        "workspace subscription",
    ),
    field(
        "workspace.resource_group",
        &["WorkspaceResourceGroup"],
        Text,
        "workspace resource group",
    ),
];

/// `{{entity.*}}` for entity-triggered playbooks: below `triggerBody()`.
pub const ENTITY: &[Field] = &[
    field(
        "properties",
        &["Entity", "properties"],
        Object,
        "all entity properties",
    ),
    field(
        "incident_arm_id",
        &["IncidentArmID"],
        Text,
        "ARM id of the incident the entity belongs to",
    ),
    field("workspace.id", &["WorkspaceId"], Text, "workspace id"),
    field(
        "name",
        &["Entity", "properties", "Name"],
        Text,
        "account name",
    ),
    field(
        "upn_suffix",
        &["Entity", "properties", "UPNSuffix"],
        Text,
        "account UPN suffix",
    ),
    field(
        "aad_user_id",
        &["Entity", "properties", "AadUserId"],
        Text,
        "account Entra object id",
    ),
    field(
        "host_name",
        &["Entity", "properties", "HostName"],
        Text,
        "host name",
    ),
    field(
        "dns_domain",
        &["Entity", "properties", "DnsDomain"],
        Text,
        "host DNS domain",
    ),
    field(
        "address",
        &["Entity", "properties", "Address"],
        Text,
        "IP address",
    ),
    field("url", &["Entity", "properties", "Url"], Text, "URL"),
    field(
        "hash",
        &["Entity", "properties", "Value"],
        Text,
        "file hash value",
    ),
    field(
        "algorithm",
        &["Entity", "properties", "Algorithm"],
        Text,
        "file hash algorithm",
    ),
];

/// `{{run.*}}`: the current run.
pub const RUN: &[Field] = &[
    field("id", &["run", "name"], Text, "run id"),
    field("workflow_name", &["name"], Text, "Logic App name"),
];

/// Find a field by the dotted path after the root. Returns the field and the rest of the
/// path (non-empty only for Object fields).
pub fn lookup<'a>(
    fields: &'static [Field],
    path: &'a [String],
) -> Option<(&'static Field, &'a [String])> {
    // Longest dotted name first: `owner.email` before a hypothetical `owner`.
    (1..=path.len()).rev().find_map(|take| {
        let name = path[..take].join(".");
        fields
            .iter()
            .find(|f| f.name == name)
            .filter(|f| take == path.len() || f.ty.allows_subpath())
            .map(|f| (f, &path[take..]))
    })
}

/// `base?['a']?['b']` for a field path.
pub fn access(base: Expr, path: &[&str]) -> Expr {
    path.iter().fold(base, |e, key| e.prop(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &str) -> Vec<String> {
        s.split('.').map(String::from).collect()
    }

    #[test]
    fn lookup_finds_dotted_and_object_subpaths() {
        let owner = path("owner.email");
        let (f, rest) = lookup(INCIDENT, &owner).unwrap();
        assert_eq!(f.name, "owner.email");
        assert!(rest.is_empty());
        let custom = path("properties.customField");
        let (f, rest) = lookup(INCIDENT, &custom).unwrap();
        assert_eq!(f.name, "properties");
        assert_eq!(rest, &["customField".to_string()]);
        assert!(lookup(INCIDENT, &path("title.x")).is_none());
        assert!(lookup(INCIDENT, &path("titel")).is_none());
    }

    #[test]
    fn field_names_are_unique() {
        for fields in [INCIDENT, INCIDENT_WORKSPACE, ALERT, ENTITY, RUN] {
            let mut names: Vec<_> = fields.iter().map(|f| f.name).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), fields.len());
        }
    }
}
