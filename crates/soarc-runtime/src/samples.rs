//! Built-in Microsoft Sentinel trigger payloads, shaped like the real ones, and their
//! overrides.
//!
//! Shapes: the incident trigger's body is `{workspaceId, workspaceInfo, object}` where
//! `object` is the `Microsoft.SecurityInsights/Incidents` resource with the trigger-only
//! `Alerts` and `relatedEntities` in its properties; the alert trigger's body is a PascalCase
//! SecurityAlert; the entity trigger's body is `{Entity, IncidentArmID, ...}`
//! (<https://learn.microsoft.com/azure/sentinel/automation/playbook-triggers-actions>:
//! "The playbook receives incident objects, including both entities and alerts"; "The schemas
//! used by these flows aren't identical"; incident resource properties:
//! <https://learn.microsoft.com/rest/api/securityinsights/incidents/get>).

use std::sync::OnceLock;

use serde_json::{Map, Value, json};

use crate::LoadError;
use crate::options::{Sample, SampleKind};

pub const SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000001";
pub const RESOURCE_GROUP: &str = "rg-sentinel";
pub const WORKSPACE: &str = "law-sentinel";
pub const WORKSPACE_ID: &str = "11111111-1111-1111-1111-111111111111";
/// The sample incident's name (a GUID).
pub const INCIDENT_ID: &str = "7e1c5b1e-3c7a-4a57-9d1e-2b1f3c4d5e6f";

/// The workspace's ARM id.
pub fn workspace_arm_id() -> String {
    format!(
        "/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.OperationalInsights/workspaces/{WORKSPACE}"
    )
}

/// The ARM id of incident `name`.
pub fn incident_arm_id(name: &str) -> String {
    format!(
        "{}/providers/Microsoft.SecurityInsights/Incidents/{name}",
        workspace_arm_id()
    )
}

fn alert_rule_id(guid: &str) -> String {
    format!(
        "{}/providers/Microsoft.SecurityInsights/alertRules/{guid}",
        workspace_arm_id()
    )
}

/// The sample payload of `kind`, before overrides.
pub fn payload(kind: SampleKind) -> Value {
    payload_ref(kind).clone()
}

/// The sample payload of `kind`, built once per process (every run starts from a copy).
pub fn payload_ref(kind: SampleKind) -> &'static Value {
    static INCIDENT: OnceLock<Value> = OnceLock::new();
    static ALERT: OnceLock<Value> = OnceLock::new();
    static ENTITY: OnceLock<Value> = OnceLock::new();
    match kind {
        SampleKind::Incident => INCIDENT.get_or_init(incident),
        SampleKind::Alert => ALERT.get_or_init(alert),
        SampleKind::Entity => ENTITY.get_or_init(entity),
    }
}

fn entities() -> Value {
    json!([
        {
            "id": format!("{}/providers/Microsoft.SecurityInsights/Entities/0c4a8b5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f", workspace_arm_id()),
            "name": "0c4a8b5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
            "type": "Microsoft.SecurityInsights/Entities",
            "kind": "Account",
            "properties": {
                "accountName": "adele.vance",
                "upnSuffix": "contoso.com",
                "aadUserId": "5b9c6d1e-7f80-4a91-b2c3-d4e5f6a7b8c9",
                "friendlyName": "adele.vance"
            }
        },
        {
            "id": format!("{}/providers/Microsoft.SecurityInsights/Entities/1d5b9c6f-2b3c-4d5e-9f0a-1b2c3d4e5f60", workspace_arm_id()),
            "name": "1d5b9c6f-2b3c-4d5e-9f0a-1b2c3d4e5f60",
            "type": "Microsoft.SecurityInsights/Entities",
            "kind": "Ip",
            "properties": { "address": "203.0.113.7", "friendlyName": "203.0.113.7" }
        },
        {
            "id": format!("{}/providers/Microsoft.SecurityInsights/Entities/2e6c0d7a-3c4d-4e5f-8a1b-2c3d4e5f6071", workspace_arm_id()),
            "name": "2e6c0d7a-3c4d-4e5f-8a1b-2c3d4e5f6071",
            "type": "Microsoft.SecurityInsights/Entities",
            "kind": "Host",
            "properties": { "hostName": "ws-0042", "dnsDomain": "contoso.com", "friendlyName": "ws-0042" }
        }
    ])
}

fn alerts(rule: &str) -> Value {
    json!([{
        "id": format!("{}/providers/Microsoft.SecurityInsights/Entities/9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d", workspace_arm_id()),
        "name": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
        "type": "Microsoft.SecurityInsights/Entities",
        "kind": "SecurityAlert",
        "properties": {
            "alertDisplayName": "Impossible travel activity",
            "description": "Sign-ins from two distant countries within 20 minutes.",
            "severity": "Medium",
            "status": "New",
            "systemAlertId": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
            "providerAlertId": "6c5d4e3f-2a1b-4c0d-9e8f-7a6b5c4d3e2f",
            "productName": "Azure Sentinel",
            "alertType": format!("{WORKSPACE_ID}_{rule}"),
            "startTimeUtc": "2025-12-31T23:20:00Z",
            "endTimeUtc": "2025-12-31T23:40:00Z",
            "timeGenerated": "2025-12-31T23:45:00Z",
            "tactics": ["InitialAccess"],
            "friendlyName": "Impossible travel activity"
        }
    }])
}

fn incident() -> Value {
    let rule = "8d5a9a4b-6f3e-4c21-9b7a-1e2d3c4b5a69";
    json!({
        "eventUniqueId": "4f7c2a1e-9b8d-4c6e-a5f3-2d1e0b9c8a7f",
        "objectSchemaType": "Incident",
        "objectEventType": "Create",
        "workspaceInfo": {
            "SubscriptionId": SUBSCRIPTION,
            "ResourceGroupName": RESOURCE_GROUP,
            "WorkspaceName": WORKSPACE
        },
        "workspaceId": WORKSPACE_ID,
        "object": {
            "id": incident_arm_id(INCIDENT_ID),
            "name": INCIDENT_ID,
            "etag": "\"2d00b4a5-0000-0c00-0000-65f1a2b30000\"",
            "type": "Microsoft.SecurityInsights/Incidents",
            "properties": {
                "title": "Impossible travel activity",
                "description": "Sign-ins from two distant countries within 20 minutes for adele.vance@contoso.com.",
                "severity": "Medium",
                "status": "New",
                "classification": null,
                "classificationComment": null,
                "classificationReason": null,
                "owner": {
                    "objectId": null,
                    "email": null,
                    "assignedTo": null,
                    "userPrincipalName": null
                },
                "labels": [],
                "firstActivityTimeUtc": "2025-12-31T23:20:00Z",
                "lastActivityTimeUtc": "2025-12-31T23:40:00Z",
                "lastModifiedTimeUtc": "2025-12-31T23:45:12Z",
                "createdTimeUtc": "2025-12-31T23:45:12Z",
                "incidentNumber": 4242,
                "additionalData": {
                    "alertsCount": 1,
                    "bookmarksCount": 0,
                    "commentsCount": 0,
                    "alertProductNames": ["Azure Sentinel"],
                    "tactics": ["InitialAccess"],
                    "techniques": ["T1078"]
                },
                "relatedAnalyticRuleIds": [alert_rule_id(rule)],
                "incidentUrl": format!("https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident{}", incident_arm_id(INCIDENT_ID)),
                "providerName": "Azure Sentinel",
                "providerIncidentId": "4242",
                "Alerts": alerts(rule),
                "relatedEntities": entities()
            }
        }
    })
}

fn alert() -> Value {
    json!({
        "SystemAlertId": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
        "ProviderAlertId": "6c5d4e3f-2a1b-4c0d-9e8f-7a6b5c4d3e2f",
        "AlertDisplayName": "Impossible travel activity",
        "AlertType": format!("{WORKSPACE_ID}_8d5a9a4b-6f3e-4c21-9b7a-1e2d3c4b5a69"),
        "Description": "Sign-ins from two distant countries within 20 minutes.",
        "Severity": "Medium",
        "Status": "New",
        "ProductName": "Azure Sentinel",
        "ProductComponentName": "Scheduled Alerts",
        "TimeGenerated": "2025-12-31T23:45:00Z",
        "StartTimeUtc": "2025-12-31T23:20:00Z",
        "EndTimeUtc": "2025-12-31T23:40:00Z",
        "Tactics": "InitialAccess",
        "Entities": entities(),
        "ExtendedProperties": { "Query Period": "05:00:00", "Trigger Operator": "GreaterThan", "Trigger Threshold": "0" },
        "TenantId": "22222222-2222-2222-2222-222222222222",
        "WorkspaceSubscriptionId": SUBSCRIPTION,
        "WorkspaceResourceGroup": RESOURCE_GROUP,
        "WorkspaceId": WORKSPACE_ID
    })
}

fn entity() -> Value {
    json!({
        "EntityType": "Account",
        "Entity": entities()[0].clone(),
        "IncidentArmID": incident_arm_id(INCIDENT_ID),
        "WorkspaceInfo": {
            "SubscriptionId": SUBSCRIPTION,
            "ResourceGroupName": RESOURCE_GROUP,
            "WorkspaceName": WORKSPACE
        },
        "WorkspaceId": WORKSPACE_ID
    })
}

/// Short field names of each sample and the payload path each sets.
pub fn fields(kind: SampleKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        SampleKind::Incident => &[
            ("title", "object.properties.title"),
            ("description", "object.properties.description"),
            ("severity", "object.properties.severity"),
            ("status", "object.properties.status"),
            ("classification", "object.properties.classification"),
            ("owner", "object.properties.owner.email"),
            ("labels", "object.properties.labels"),
            ("tactics", "object.properties.additionalData.tactics"),
            (
                "analytics_rule_ids",
                "object.properties.relatedAnalyticRuleIds",
            ),
            ("incident_number", "object.properties.incidentNumber"),
            ("incident_id", "object.name"),
            ("entities", "object.properties.relatedEntities"),
            ("alerts", "object.properties.Alerts"),
        ],
        SampleKind::Alert => &[
            ("title", "AlertDisplayName"),
            ("description", "Description"),
            ("severity", "Severity"),
            ("status", "Status"),
            ("entities", "Entities"),
        ],
        SampleKind::Entity => &[
            ("entity_type", "EntityType"),
            ("entity", "Entity"),
            ("incident_arm_id", "IncidentArmID"),
        ],
    }
}

/// The payload of `sample`: the built-in payload with its overrides applied.
pub fn build(sample: &Sample) -> Result<Value, LoadError> {
    let mut payload = payload(sample.kind);
    for (field, value) in &sample.set {
        set_field(&mut payload, sample.kind, field, value.clone())?;
    }
    if let Some(patch) = &sample.merge {
        merge_patch(&mut payload, patch);
    }
    Ok(payload)
}

fn set_field(
    payload: &mut Value,
    kind: SampleKind,
    field: &str,
    value: Value,
) -> Result<(), LoadError> {
    let path = match fields(kind).iter().find(|(name, _)| *name == field) {
        Some((_, path)) => *path,
        None if field.contains('.') => field,
        None => {
            let known: Vec<&str> = fields(kind).iter().map(|(n, _)| *n).collect();
            return Err(LoadError::new(format!(
                "the {} sample has no field `{field}`: use one of {}, or a dotted path into the payload such as `{}`",
                kind.name(),
                known.join(", "),
                fields(kind)[0].1
            )));
        }
    };
    let value = match (kind, field) {
        // Labels as plain names: `[vuln]` -> `[{labelName: vuln, labelType: User}]`
        // (IncidentLabel: labelName, labelType System|User|AutoAssigned).
        (SampleKind::Incident, "labels") => match value {
            Value::Array(items) => Value::Array(
                items
                    .into_iter()
                    .map(|l| match l {
                        Value::String(name) => json!({"labelName": name, "labelType": "User"}),
                        other => other,
                    })
                    .collect(),
            ),
            Value::String(name) => json!([{"labelName": name, "labelType": "User"}]),
            other => other,
        },
        // Rule GUIDs -> alertRules ARM ids, as relatedAnalyticRuleIds holds them.
        (SampleKind::Incident, "analytics_rule_ids") => {
            let one = |v: Value| match v {
                Value::String(s) if !s.starts_with('/') => Value::String(alert_rule_id(&s)),
                other => other,
            };
            match value {
                Value::Array(items) => Value::Array(items.into_iter().map(one).collect()),
                v => Value::Array(vec![one(v)]),
            }
        }
        (SampleKind::Incident, "incident_id") => {
            if let Value::String(id) = &value {
                let arm = incident_arm_id(id);
                set_path(
                    payload,
                    "object.properties.incidentUrl",
                    Value::String(format!(
                        "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident{arm}"
                    )),
                );
                set_path(payload, "object.id", Value::String(arm));
            }
            value
        }
        _ => value,
    };
    set_path(payload, path, value);
    Ok(())
}

/// Sets `value` at the dotted `path`, creating objects on the way.
fn set_path(payload: &mut Value, path: &str, value: Value) {
    let mut node = payload;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        let map = node.as_object_mut().expect("object");
        if parts.peek().is_none() {
            map.insert(part.to_string(), value);
            return;
        }
        node = map.entry(part.to_string()).or_insert(Value::Null);
    }
}

/// JSON merge patch (RFC 7396, <https://www.rfc-editor.org/rfc/rfc7396>).
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let map = target.as_object_mut().expect("object");
    for (key, value) in patch {
        if value.is_null() {
            map.shift_remove(key);
        } else {
            merge_patch(map.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides() {
        let sample = Sample::new(SampleKind::Incident)
            .with("severity", json!("High"))
            .with("labels", json!(["vuln"]))
            .with("analytics_rule_ids", json!(["abc"]))
            .with("object.properties.status", json!("Active"));
        let p = build(&sample).unwrap();
        let props = &p["object"]["properties"];
        assert_eq!(props["severity"], "High");
        assert_eq!(props["status"], "Active");
        assert_eq!(
            props["labels"],
            json!([{"labelName": "vuln", "labelType": "User"}])
        );
        assert!(
            props["relatedAnalyticRuleIds"][0]
                .as_str()
                .unwrap()
                .ends_with("/alertRules/abc")
        );
        let err = build(&Sample::new(SampleKind::Incident).with("sevrity", json!(1))).unwrap_err();
        assert!(err.message.contains("severity"), "{err}");
    }

    #[test]
    fn merge() {
        let mut v = json!({"a": {"b": 1, "c": 2}});
        merge_patch(&mut v, &json!({"a": {"b": null, "d": 3}}));
        assert_eq!(v, json!({"a": {"c": 2, "d": 3}}));
    }
}
