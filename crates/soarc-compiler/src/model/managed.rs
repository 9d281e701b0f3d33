//! `kind: managed` connections: the managed API's name and how it authenticates.

use soarc_lang::diagnostics::{Diagnostic, Span};

use crate::codes;
use crate::spec::{ConnectionParameter, Located, ManagedAuthentication, ManagedConnection};

/// Managed APIs whose connections can authenticate with the playbook's managed identity.
/// Learn, "Authenticate access and connections to Azure resources with managed identities
/// in Azure Logic Apps", Where you can use a managed identity, Consumption, Managed:
/// "Azure App Service, Azure Automation, Azure Blob Storage, Azure Container Instance,
/// Azure Cosmos DB, Azure Data Explorer, Azure Data Factory, Azure Data Lake, Azure Event
/// Grid, Azure Event Hubs, ... Azure Key Vault, Azure Log Analytics, Azure Queues, Azure
/// Resource Manager, Azure Service Bus, Azure Sentinel, Azure Table Storage, Azure VM, HTTP
/// with Microsoft Entra ID, SQL Server"
/// (https://learn.microsoft.com/azure/logic-apps/authenticate-with-managed-identity#where-you-can-use-a-managed-identity),
/// by the managed API names of those connectors (Azure Log Analytics is the Azure Monitor
/// Logs connector, `azuremonitorlogs`). Sorted for binary search.
pub const MANAGED_IDENTITY_APIS: &[&str] = &[
    "aci",
    "arm",
    "azureautomation",
    "azureblob",
    "azuredatafactory",
    "azuredatalake",
    "azureeventgrid",
    "azuremonitorlogs",
    "azurequeues",
    "azuresentinel",
    "azuretables",
    "azurevm",
    "documentdb",
    "eventhubs",
    "keyvault",
    "kusto",
    "servicebus",
    "sql",
    "webcontents",
];

/// Managed APIs that authenticate a signed-in user only (OAuth), never a managed identity:
/// Microsoft 365 services that act for a user or mailbox. Their connector references list
/// OAuth as the only authentication (Learn, connector references: Office 365 Outlook
/// https://learn.microsoft.com/connectors/office365/, Microsoft Teams
/// https://learn.microsoft.com/connectors/teams/, Microsoft Entra ID
/// https://learn.microsoft.com/connectors/azuread/, SharePoint
/// https://learn.microsoft.com/connectors/sharepointonline/). Sorted.
pub const OAUTH_ONLY_APIS: &[&str] = &[
    "azuread",
    "office365",
    "office365users",
    "outlook",
    "sharepointonline",
    "teams",
];

/// Whether the connection authenticates with the playbook's managed identity: as written,
/// else by default when its API supports it.
pub fn uses_managed_identity(connection: &ManagedConnection) -> bool {
    match connection.authentication.as_ref().map(|a| a.value) {
        Some(ManagedAuthentication::ManagedIdentity) => true,
        Some(ManagedAuthentication::Oauth) => false,
        None => MANAGED_IDENTITY_APIS
            .binary_search(&connection.api.value.as_str())
            .is_ok(),
    }
}

/// Check a `kind: managed` connection: its API name (SPEC100), an authentication the API
/// cannot use (SPEC101), and its parameters (SPEC102).
pub fn check(name: &str, connection: &ManagedConnection, at: Span, errors: &mut Vec<Diagnostic>) {
    let api = &connection.api;
    let api_span = api.span.or(at).with_len(api.value.chars().count());
    // Managed API names are the last segment of
    // `Microsoft.Web/locations/{location}/managedApis/{api}`: lowercase letters, digits and
    // dashes (`service-now`, `azureloganalyticsdatacollector`).
    let well_formed = !api.value.is_empty()
        && api.value.len() <= 80
        && api.value.starts_with(|c: char| c.is_ascii_lowercase())
        && api
            .value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if connection.custom_connector {
        // A custom connector is named by its `Microsoft.Web/customApis` resource, a name of
        // letters, digits, `-`, `_` and `.` as its template writes it
        // (`CarbonBlackCloudConnector`).
        let custom_name = !api.value.is_empty()
            && api.value.len() <= 80
            && api
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !custom_name {
            errors.push(
                Diagnostic::error(
                    codes::SPEC100.code,
                    format!(
                        "connection `{name}`: `{}` is not a custom connector name",
                        api.value
                    ),
                )
                .at(api_span)
                .help("write the name of the `Microsoft.Web/customApis` resource (letters, digits, `-`, `_`, `.`)"),
            );
            return;
        }
    } else if !well_formed {
        let lower = api.value.to_ascii_lowercase().replace([' ', '_'], "");
        errors.push(
            Diagnostic::error(
                codes::SPEC100.code,
                format!("connection `{name}`: `{}` is not a managed API name", api.value),
            )
            .at(api_span)
            .help(format!(
                "write the API's id as Azure spells it, the last segment of `managedApis/<api>` in a template (e.g. `office365`, `teams`, `wdatp`, `azuread`, `azuremonitorlogs`){}",
                if lower != api.value && !lower.is_empty() { format!("; did you mean `{lower}`?") } else { String::new() }
            )),
        );
        return;
    }
    if let Some(auth) = &connection.authentication
        && auth.value == ManagedAuthentication::ManagedIdentity
        && OAUTH_ONLY_APIS.binary_search(&api.value.as_str()).is_ok()
    {
        errors.push(
            Diagnostic::error(
                codes::SPEC101.code,
                format!(
                    "connection `{name}`: the `{}` connector cannot authenticate with a managed identity",
                    api.value
                ),
            )
            .at(auth.span.or(at))
            .help("write `authentication: oauth` (or leave it out) and authorise the connection in the portal after deployment (Edit API connection, Authorize)"),
        );
    }
    for (key, value) in &connection.parameters {
        let key_span = key.span.or(at).with_len(key.value.chars().count());
        let well_formed = !key.value.is_empty()
            && key
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
        if !well_formed {
            errors.push(
                Diagnostic::error(
                    codes::SPEC102.code,
                    format!("connection `{name}`: `{}` is not a connection parameter name", key.value),
                )
                .at(key_span)
                .help("connection parameters are named as in the connector's reference (letters, digits, `_`, `-`, `.`), e.g. `api_key`"),
            );
        }
        if let ConnectionParameter::Secret(secret) = &value.value {
            crate::model::names::check_secret(&secret.key_vault, value.span.or(at), errors);
        }
    }
}

/// The managed API a typed step needs, checked against the connection it names: `Ok` when
/// the connection calls `api`.
pub fn calls(connection: &Located<crate::spec::Connection>, api: &str) -> bool {
    match &connection.value {
        crate::spec::Connection::Managed(m) => m.api.value == api,
        crate::spec::Connection::Office365(_) => api == "office365",
        crate::spec::Connection::ServiceNow(_) => api == "service-now",
        crate::spec::Connection::Sentinel { .. } => api == "azuresentinel",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_tables_are_sorted_for_binary_search() {
        assert!(MANAGED_IDENTITY_APIS.windows(2).all(|w| w[0] < w[1]));
        assert!(OAUTH_ONLY_APIS.windows(2).all(|w| w[0] < w[1]));
        assert!(
            MANAGED_IDENTITY_APIS
                .binary_search(&"azuremonitorlogs")
                .is_ok()
        );
        assert!(OAUTH_ONLY_APIS.binary_search(&"teams").is_ok());
    }
}
