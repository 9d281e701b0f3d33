//! Sentinel automation rules as the spec writes them: friendly, typed conditions and
//! actions that compile to `Microsoft.SecurityInsights/automationRules` (see
//! [`crate::automation`] for the checks and [`crate::emit::arm::automation`] for the API shapes).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Located;

/// A Sentinel automation rule: when it fires (`on`, `when`, `conditions`) and what it does
/// (`actions`, in order).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutomationRule {
    /// Rule name, unique in the spec: its Azure name is a UUIDv5 of it, so renaming a rule
    /// replaces it in Azure.
    pub name: Located<String>,
    /// Name shown in Sentinel (at most 500 characters); defaults to `name`.
    #[serde(default)]
    pub display_name: Option<Located<String>>,
    /// Position among the workspace's automation rules (1-1000); rules run in this order.
    pub order: Located<i64>,
    /// Whether the rule is active (default `true`).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// When the rule disables itself: an ISO 8601 UTC date-time, e.g. `2026-12-31T23:59:59Z`.
    #[serde(default)]
    pub expires: Option<Located<String>>,
    /// What the rule watches: `incidents` (default) or `alerts`.
    #[serde(default)]
    pub on: Option<Located<RuleTarget>>,
    /// Whether the rule fires when an incident (or alert) is `created` or `updated`.
    pub when: Located<RuleWhen>,
    /// Conditions, all of which must hold (none: every incident). Several keys in one
    /// mapping are combined with AND; use `any:` for OR.
    #[serde(default)]
    pub conditions: Option<Located<Conditions>>,
    /// What the rule does, in order (1 to 20 actions).
    pub actions: Vec<Located<RuleAction>>,
}

/// What an automation rule watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RuleTarget {
    Incidents,
    Alerts,
}

/// When an automation rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RuleWhen {
    Created,
    Updated,
}

/// One value or a list of values.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

/// By the shape of the value (a list or not), so that an error in a value is the value's
/// own ("unknown variant `Hgh`, expected one of ..."), with its position, rather than
/// "did not match any variant".
impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::{IntoDeserializer, value};
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("one value or a list of values")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<Self::Value, A::Error> {
                Vec::<T>::deserialize(value::SeqAccessDeserializer::new(seq)).map(OneOrMany::Many)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(value::MapAccessDeserializer::new(map)).map(OneOrMany::One)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(OneOrMany::One)
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(OneOrMany::One)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(OneOrMany::One)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(OneOrMany::One)
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(OneOrMany::One)
            }
        }
        deserializer.deserialize_any(Visitor(std::marker::PhantomData))
    }
}

impl<T: Clone> OneOrMany<T> {
    pub fn to_vec(&self) -> Vec<T> {
        match self {
            OneOrMany::One(v) => vec![v.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// Conditions of a rule or of an `any:`/`all:` group. Every key given is one condition;
/// they are combined with AND.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// Incident severity is one of these.
    #[serde(default)]
    pub severity: Option<Located<OneOrMany<Severity>>>,
    /// Incident status is one of these.
    #[serde(default)]
    pub status: Option<Located<OneOrMany<Status>>>,
    /// Incident title contains one of these texts.
    #[serde(default)]
    pub title_contains: Option<Located<OneOrMany<String>>>,
    /// Incident description contains one of these texts.
    #[serde(default)]
    pub description_contains: Option<Located<OneOrMany<String>>>,
    /// Incident tags (labels) contain one of these.
    #[serde(default)]
    pub tags_contain: Option<Located<OneOrMany<String>>>,
    /// Created by one of these analytics rules (their resource ids or rule GUIDs).
    #[serde(default)]
    pub analytics_rule_ids: Option<Located<OneOrMany<String>>>,
    /// Alert product names contain one of these, e.g. `Microsoft Defender for Endpoint`.
    #[serde(default)]
    pub product_names: Option<Located<OneOrMany<String>>>,
    /// Incident tactics contain one of these MITRE ATT&CK tactics.
    #[serde(default)]
    pub tactics: Option<Located<OneOrMany<Tactic>>>,
    /// (`when: updated`) severity changed to one of these.
    #[serde(default)]
    pub severity_changed_to: Option<Located<OneOrMany<Severity>>>,
    /// (`when: updated`) severity changed from one of these.
    #[serde(default)]
    pub severity_changed_from: Option<Located<OneOrMany<Severity>>>,
    /// (`when: updated`) status changed to one of these.
    #[serde(default)]
    pub status_changed_to: Option<Located<OneOrMany<Status>>>,
    /// (`when: updated`) status changed from one of these.
    #[serde(default)]
    pub status_changed_from: Option<Located<OneOrMany<Status>>>,
    /// (`when: updated`) the owner changed.
    #[serde(default)]
    pub owner_changed: Option<Located<bool>>,
    /// (`when: updated`) alerts were added to the incident.
    #[serde(default)]
    pub alerts_added: Option<Located<bool>>,
    /// (`when: updated`) tags (labels) were added.
    #[serde(default)]
    pub labels_added: Option<Located<bool>>,
    /// (`when: updated`) tactics were added.
    #[serde(default)]
    pub tactics_added: Option<Located<bool>>,
    /// (`when: updated`) comments were added.
    #[serde(default)]
    pub comments_added: Option<Located<bool>>,
    /// Custom details of the incident: a key whose value matches.
    #[serde(default)]
    pub custom_details: Vec<Located<CustomDetail>>,
    /// The general form: any supported property with any of the eight operators.
    #[serde(default, rename = "where")]
    pub properties: Vec<Located<PropertyCondition>>,
    /// At least one of these (2-10) holds.
    #[serde(default)]
    pub any: Option<Located<Vec<Located<Conditions>>>>,
    /// All of these (2-10) hold (useful inside `any:`).
    #[serde(default)]
    pub all: Option<Located<Vec<Located<Conditions>>>>,
}

/// A condition on one incident/alert/entity property.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PropertyCondition {
    /// The property, as the API names it, e.g. `HostName`, `IncidentTitle`.
    pub property: Located<PropertyName>,
    /// How the values are compared; `Equals` matches any of them, `NotEquals` none.
    pub operator: Located<Operator>,
    /// Values to compare with.
    pub values: Located<OneOrMany<String>>,
}

/// A custom-details condition: the key exists and one of its values matches.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomDetail {
    /// Custom detail key, as defined in the analytics rule.
    pub key: Located<String>,
    /// How the values are compared (default `Equals`).
    #[serde(default)]
    pub operator: Option<Located<Operator>>,
    /// Values to compare with.
    pub values: Located<OneOrMany<String>>,
}

/// An action of an automation rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleAction {
    /// Run a playbook: the name of a playbook of the spec, or `{ resource_id: ... }` of a
    /// Logic App deployed elsewhere.
    RunPlaybook(Located<PlaybookTarget>),
    /// Change incident properties.
    Modify(Box<Located<Modify>>),
    /// Add a task to the incident.
    AddTask(Located<AddTask>),
}

/// The playbook an action runs.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PlaybookTarget {
    /// A playbook of the spec, by name.
    Spec(String),
    /// A Logic App outside the spec.
    External(ExternalPlaybook),
}

/// A Logic App outside the spec.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalPlaybook {
    /// Full resource id: `/subscriptions/.../resourceGroups/.../providers/Microsoft.Logic/workflows/<name>`.
    pub resource_id: String,
    /// Tenant of the Logic App (default: the deployment's tenant).
    #[serde(default)]
    pub tenant_id: Option<String>,
}

/// Incident properties to set.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Modify {
    /// New status; `Closed` requires `classification`.
    #[serde(default)]
    pub status: Option<Located<Status>>,
    /// New severity.
    #[serde(default)]
    pub severity: Option<Located<Severity>>,
    /// Why the incident is closed (with `status: Closed`).
    #[serde(default)]
    pub classification: Option<Located<Classification>>,
    /// Detail of the classification: `SuspiciousActivity` (TruePositive),
    /// `SuspiciousButExpected` (BenignPositive), `IncorrectAlertLogic` or `InaccurateData`
    /// (FalsePositive).
    #[serde(default)]
    pub classification_reason: Option<Located<ClassificationReason>>,
    /// Closing comment (with `status: Closed`).
    #[serde(default)]
    pub classification_comment: Option<Located<String>>,
    /// New owner.
    #[serde(default)]
    pub owner: Option<Located<Owner>>,
    /// Tags (labels) to add.
    #[serde(default)]
    pub labels: Vec<String>,
}

/// The user or group an incident is assigned to; give `object_id`, `email` or
/// `user_principal_name`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Owner {
    /// Entra object id (GUID) of the user or group.
    #[serde(default)]
    pub object_id: Option<String>,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// User principal name.
    #[serde(default)]
    pub user_principal_name: Option<String>,
    /// Display name.
    #[serde(default)]
    pub assigned_to: Option<String>,
    /// `User` or `Group`.
    #[serde(default, rename = "type")]
    pub owner_type: Option<OwnerType>,
}

/// Kinds of incident owners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum OwnerType {
    User,
    Group,
}

/// A task added to the incident.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddTask {
    /// Task title.
    pub title: Located<String>,
    /// Task description (HTML allowed).
    #[serde(default)]
    pub description: Option<String>,
}

macro_rules! api_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
        pub enum $name { $($variant),* }

        impl $name {
            /// The name as the API writes it.
            pub fn api(self) -> &'static str {
                match self { $($name::$variant => stringify!($variant)),* }
            }
        }
    };
}

api_enum!(
    /// Incident severity.
    Severity { High, Medium, Low, Informational }
);
api_enum!(
    /// Incident status.
    Status { New, Active, Closed }
);
api_enum!(
    /// Why an incident was closed.
    Classification { Undetermined, TruePositive, BenignPositive, FalsePositive }
);
api_enum!(
    /// Detail of a classification.
    ClassificationReason { SuspiciousActivity, SuspiciousButExpected, IncorrectAlertLogic, InaccurateData }
);
api_enum!(
    /// MITRE ATT&CK tactics as Sentinel names them.
    Tactic {
        Reconnaissance, ResourceDevelopment, InitialAccess, Execution, Persistence,
        PrivilegeEscalation, DefenseEvasion, CredentialAccess, Discovery, LateralMovement,
        Collection, Exfiltration, CommandAndControl, Impact, PreAttack,
        ImpairProcessControl, InhibitResponseFunction,
    }
);
api_enum!(
    /// Comparison operators of property conditions.
    Operator { Equals, NotEquals, Contains, NotContains, StartsWith, NotStartsWith, EndsWith, NotEndsWith }
);
api_enum!(
    /// Properties automation rule conditions can test (API 2025-09-01).
    PropertyName {
        IncidentTitle, IncidentDescription, IncidentSeverity, IncidentStatus,
        IncidentRelatedAnalyticRuleIds, IncidentTactics, IncidentLabel, IncidentProviderName,
        IncidentUpdatedBySource, IncidentCustomDetailsKey, IncidentCustomDetailsValue,
        AccountAadTenantId, AccountAadUserId, AccountName, AccountNTDomain, AccountPUID,
        AccountSid, AccountObjectGuid, AccountUPNSuffix, AlertProductNames, AlertAnalyticRuleIds,
        AzureResourceResourceId, AzureResourceSubscriptionId, CloudApplicationAppId,
        CloudApplicationAppName, DNSDomainName, FileDirectory, FileName, FileHashValue,
        HostAzureID, HostName, HostNetBiosName, HostNTDomain, HostOSVersion, IoTDeviceId,
        IoTDeviceName, IoTDeviceType, IoTDeviceVendor, IoTDeviceModel, IoTDeviceOperatingSystem,
        IPAddress, MailboxDisplayName, MailboxPrimaryAddress, MailboxUPN,
        MailMessageDeliveryAction, MailMessageDeliveryLocation, MailMessageRecipient,
        MailMessageSenderIP, MailMessageSubject, MailMessageP1Sender, MailMessageP2Sender,
        MalwareCategory, MalwareName, ProcessCommandLine, ProcessId, RegistryKey,
        RegistryValueData, Url,
    }
);
