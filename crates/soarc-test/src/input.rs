//! A spec test's trigger input (`incident:`, `alert:`, `entity:`, `payload:`) as the
//! simulator's [`TriggerInput`]: the built-in Sentinel sample with field overrides.
//!
//! Field names follow `{{incident.*}}` / `{{alert.*}}` references; the payload paths are the
//! Sentinel trigger bodies' (the incident trigger's `object` is the `Incidents` resource,
//! <https://learn.microsoft.com/rest/api/securityinsights/incidents/get>; entities as in
//! <https://learn.microsoft.com/azure/sentinel/entities-reference>).

use serde_json::{Map, Value, json};

use soarc_compiler::spec::tests::{
    AlertInput, EntityInput, IncidentAlertInput, IncidentInput, SpecTest,
};
use soarc_compiler::spec::{Playbook, Trigger};
use soarc_runtime::{Sample, SampleKind, TriggerInput};

/// The trigger input of `test` for `playbook`.
pub fn trigger_input(test: &SpecTest, playbook: &Playbook) -> TriggerInput {
    if let Some(payload) = &test.payload {
        return TriggerInput::Payload(payload.value.clone());
    }
    if let Some(incident) = &test.incident {
        return TriggerInput::Sample(incident_sample(incident));
    }
    if let Some(alert) = &test.alert {
        return TriggerInput::Sample(alert_sample(alert));
    }
    if let Some(entity) = &test.entity {
        return TriggerInput::Sample(entity_sample(entity));
    }
    // No input: the playbook's own kind of sample as it is.
    let kind = match playbook.trigger.value {
        Trigger::Alert => SampleKind::Alert,
        Trigger::Entity { .. } => SampleKind::Entity,
        Trigger::Recurrence { .. } | Trigger::HttpRequest { .. } | Trigger::Verbatim(_) => {
            return TriggerInput::Payload(json!({}));
        }
        Trigger::Incident => SampleKind::Incident,
    };
    TriggerInput::Sample(Sample::new(kind))
}

fn text_list(items: &[soarc_compiler::spec::Located<String>]) -> Value {
    Value::Array(items.iter().map(|i| json!(i.value)).collect())
}

fn incident_sample(input: &IncidentInput) -> Sample {
    let mut sample = Sample::new(SampleKind::Incident);
    let mut set = |field: &str, value: Value| sample.set.push((field.to_string(), value));
    if let Some(name) = &input.name {
        set("incident_id", json!(name.value));
    }
    if let Some(number) = &input.number {
        set("incident_number", json!(number.value));
    }
    if let Some(title) = &input.title {
        set("title", json!(title.value));
    }
    if let Some(description) = &input.description {
        set("description", json!(description.value));
    }
    if let Some(severity) = &input.severity {
        set("severity", json!(severity.value.api()));
    }
    if let Some(status) = &input.status {
        set("status", json!(status.value.api()));
    }
    if let Some(classification) = &input.classification {
        set("classification", json!(classification.value.api()));
    }
    if let Some(labels) = &input.labels {
        set("labels", text_list(labels));
    }
    if let Some(ids) = &input.analytics_rule_ids {
        set("analytics_rule_ids", text_list(ids));
    }
    if let Some(tactics) = &input.tactics {
        set("tactics", text_list(tactics));
    }
    if let Some(owner) = &input.owner {
        let fields = [
            ("email", &owner.email),
            ("assignedTo", &owner.assigned_to),
            ("userPrincipalName", &owner.upn),
            ("objectId", &owner.object_id),
        ];
        for (key, value) in fields {
            if let Some(value) = value {
                set(
                    &format!("object.properties.owner.{key}"),
                    json!(value.value),
                );
            }
        }
    }
    if let Some(entities) = &input.entities {
        set(
            "entities",
            Value::Array(entities.iter().map(|e| entity_json(&e.value)).collect()),
        );
    }
    if let Some(alerts) = &input.alerts {
        set(
            "alerts",
            Value::Array(
                alerts
                    .iter()
                    .map(|a| incident_alert_json(&a.value))
                    .collect(),
            ),
        );
        set(
            "object.properties.additionalData.alertsCount",
            json!(alerts.len()),
        );
    }
    sample
}

/// An incident entity: `{kind, properties}` with a `friendlyName` when none is given.
fn entity_json(entity: &EntityInput) -> Value {
    let mut properties: Map<String, Value> = entity
        .properties
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !properties.contains_key("friendlyName") {
        // The identifying property of each kind, as the portal shows entities.
        let name = [
            "accountName",
            "hostName",
            "address",
            "url",
            "hashValue",
            "fileName",
            "name",
        ]
        .iter()
        .find_map(|k| {
            properties
                .get(*k)
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        if let Some(name) = name {
            properties.insert("friendlyName".into(), Value::String(name));
        }
    }
    json!({ "kind": entity.kind.value.api(), "properties": properties })
}

fn incident_alert_json(alert: &IncidentAlertInput) -> Value {
    let mut properties = Map::new();
    if let Some(name) = &alert.display_name {
        properties.insert("alertDisplayName".into(), json!(name.value));
        properties.insert("friendlyName".into(), json!(name.value));
    }
    if let Some(severity) = &alert.severity {
        properties.insert("severity".into(), json!(severity.value.api()));
    }
    if let Some(description) = &alert.description {
        properties.insert("description".into(), json!(description.value));
    }
    json!({ "kind": "SecurityAlert", "properties": properties })
}

fn alert_sample(input: &AlertInput) -> Sample {
    let mut sample = Sample::new(SampleKind::Alert);
    let short = [
        ("title", &input.display_name),
        ("description", &input.description),
        ("status", &input.status),
    ];
    for (field, value) in short {
        if let Some(value) = value {
            sample.set.push((field.to_string(), json!(value.value)));
        }
    }
    if let Some(severity) = &input.severity {
        sample
            .set
            .push(("severity".into(), json!(severity.value.api())));
    }
    if let Some(entities) = &input.entities {
        sample.set.push((
            "entities".into(),
            Value::Array(entities.iter().map(|e| entity_json(&e.value)).collect()),
        ));
    }
    // Top-level SecurityAlert fields without a short name: merged into the payload.
    let mut merge = Map::new();
    let top = [
        ("ProductName", &input.product_name),
        ("ProviderName", &input.provider_name),
        ("SystemAlertId", &input.system_alert_id),
    ];
    for (key, value) in top {
        if let Some(value) = value {
            merge.insert(key.to_string(), json!(value.value));
        }
    }
    if !merge.is_empty() {
        sample.merge = Some(Value::Object(merge));
    }
    sample
}

fn entity_sample(input: &EntityInput) -> Sample {
    let mut sample = Sample::new(SampleKind::Entity);
    sample
        .set
        .push(("entity_type".into(), json!(input.kind.value.api())));
    sample.set.push(("entity".into(), entity_json(input)));
    sample
}
