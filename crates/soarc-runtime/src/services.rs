//! Built-in mocks that behave like the services soarc's playbooks call: ServiceNow's Table
//! API, Jira Cloud and Data Center, the Microsoft Sentinel connector and ARM API, Key Vault,
//! Teams incoming webhooks and Office 365 mail.
//!
//! Each request is first *recognised* as an operation ([`recognize`], names in
//! [`OPERATIONS`]); user mocks can match that name (`operation: jira.create_issue`). Requests
//! no user mock answers get the service's behaviour here, with state kept for the run: a
//! ServiceNow record or Jira issue created earlier in the run is found by later queries, a
//! transition changes an issue's status, a label added to an incident is read back.

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use crate::mocks::{CallInfo, MockData, MockResponse};
use crate::samples;
use crate::snow_query::Query;
use crate::trace::CallKind;

/// Every operation the built-in mocks recognise and answer, with what they answer.
pub const OPERATIONS: &[(&str, &str)] = &[
    (
        "servicenow.create_incident",
        "POST /api/now/table/incident: 201 {result: {sys_id, number, ...fields}}",
    ),
    (
        "servicenow.query_incidents",
        "GET /api/now/table/incident?sysparm_query=...: 200 {result: [matching records]}, paged by sysparm_limit/sysparm_offset",
    ),
    (
        "servicenow.get_incident",
        "GET /api/now/table/incident/{sys_id}: 200 {result: record} or 404",
    ),
    (
        "servicenow.update_incident",
        "PATCH|PUT /api/now/table/incident/{sys_id}: 200 {result: updated record} or 404 (resolving is an update)",
    ),
    (
        "servicenow.create_record",
        "the same for any other table: POST /api/now/table/{table}",
    ),
    ("servicenow.query_records", "GET /api/now/table/{table}"),
    (
        "servicenow.get_record",
        "GET /api/now/table/{table}/{sys_id}",
    ),
    (
        "servicenow.update_record",
        "PATCH|PUT /api/now/table/{table}/{sys_id}",
    ),
    (
        "jira.create_issue",
        "POST /rest/api/{2|3}/issue: 201 {id, key, self}",
    ),
    (
        "jira.search_issues",
        "JQL search: Cloud POST|GET /rest/api/3/search/jql (nextPageToken, isLast); Data Center /rest/api/2/search (startAt, total)",
    ),
    (
        "jira.get_issue",
        "GET /rest/api/{2|3}/issue/{key}: 200 issue or 404",
    ),
    (
        "jira.get_transitions",
        "GET /rest/api/{2|3}/issue/{key}/transitions: 200 {transitions: [To Do, In Progress, Done]}",
    ),
    (
        "jira.transition_issue",
        "POST /rest/api/{2|3}/issue/{key}/transitions: 204, the issue takes the transition's status",
    ),
    (
        "jira.add_comment",
        "POST /rest/api/{2|3}/issue/{key}/comment: 201 {id, self, body}",
    ),
    (
        "sentinel.add_comment",
        "Sentinel connector POST /Incidents/Comment: 200 {name, properties: {message}}",
    ),
    (
        "sentinel.update_incident",
        "Sentinel connector PUT /Incidents: 200 the updated incident (status, classification, severity, owner, tagsToAdd)",
    ),
    (
        "sentinel.get_entities",
        "Sentinel connector POST /entities/{kind}: 200 {Accounts|IPs|Hosts|URLs|FileHashes: [...]} filtered from the given entities",
    ),
    (
        "sentinel.get_incident",
        "Sentinel connector GET /Incidents/...alerts/{id} and ARM GET .../Microsoft.SecurityInsights/incidents/{id}: 200 the incident, 404 when deleted",
    ),
    (
        "sentinel.arm_update_incident",
        "ARM PUT .../Microsoft.SecurityInsights/incidents/{id}[/comments/{id}]: 200",
    ),
    (
        "keyvault.get_secret",
        "Key Vault connector GET /secrets/{name}/value: 200 {value} (data.secrets, else mock-secret-{name})",
    ),
    (
        "teams.post_webhook",
        "POST https://*.webhook.office.com/...: 200 \"1\"",
    ),
    (
        "office365.send_email",
        "Office 365 Outlook connector POST /v2/Mail (Send an email (V2)): 200",
    ),
    (
        "sentinel.add_labels_legacy",
        "legacy Sentinel connector PUT /Case/{subscription}/{workspace}/{resourceGroup}/{kind}/{id}/AddLabels: 200, the labels added to the incident",
    ),
    (
        "azuread.update_user",
        "Microsoft Graph / Azure AD connector PATCH /v1.0/users/{id} (Update user, e.g. accountEnabled: false): 204",
    ),
    (
        "azuread.revoke_sessions",
        "Microsoft Graph POST /v1.0/users/{id}/revokeSignInSessions: 200 {value: true}",
    ),
    (
        "azuread.list_group_members",
        "Microsoft Graph / Azure AD connector GET /v1.0/groups/{id}/members: 200 {value: []}",
    ),
    (
        "azuread.get_token",
        "POST https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token (client credentials): 200 {token_type: Bearer, expires_in, access_token}",
    ),
    (
        "loganalytics.query",
        "Azure Monitor Logs connector POST /queryData (Run query and list results): 200 {value: []}; Log Analytics API GET|POST https://api.loganalytics.io/v1/workspaces/{id}/query: 200 {tables: [PrimaryResult, no rows]}",
    ),
    (
        "teams.post_message",
        "Teams connector POST .../teams/{team}/channels/{channel}/messages: 201 {id, messageType: message, ...}",
    ),
    (
        "wdatp.isolate_machine",
        "Defender for Endpoint connector POST /api/machines/{id}/isolate (and HTTP to api.securitycenter.windows.com): 201 a machine action {id, type: Isolate, status: Pending}",
    ),
    (
        "wdatp.submit_indicator",
        "Defender for Endpoint POST /api/indicators (connector or HTTP): 200 the indicator with an id",
    ),
];

/// Recognises a request as one of [`OPERATIONS`].
pub fn recognize(
    kind: CallKind,
    connection: Option<&str>,
    method: &str,
    uri: &str,
) -> Option<&'static str> {
    let path = path_of(uri);
    let lpath = path.to_ascii_lowercase();
    let m = method.to_ascii_uppercase();
    let conn = connection.unwrap_or("").to_ascii_lowercase();
    // ServiceNow Table API, through the connector or Http.
    if let Some(rest) = table_rest(&lpath) {
        let (table, id) = match rest.split_once('/') {
            Some((t, id)) => (t, !id.is_empty()),
            None => (rest, false),
        };
        let incident = table == "incident";
        return Some(match (m.as_str(), id, incident) {
            ("POST", false, true) => "servicenow.create_incident",
            ("POST", false, false) => "servicenow.create_record",
            ("GET", false, true) => "servicenow.query_incidents",
            ("GET", false, false) => "servicenow.query_records",
            ("GET", true, true) => "servicenow.get_incident",
            ("GET", true, false) => "servicenow.get_record",
            ("PATCH" | "PUT", true, true) => "servicenow.update_incident",
            ("PATCH" | "PUT", true, false) => "servicenow.update_record",
            _ => return None,
        });
    }
    // Jira REST API v2 (Data Center) / v3 (Cloud).
    if let Some(rest) = jira_rest(&lpath) {
        let parts: Vec<&str> = rest.split('/').collect();
        return Some(match (m.as_str(), parts.as_slice()) {
            ("POST", ["issue"]) => "jira.create_issue",
            ("POST" | "GET", ["search"] | ["search", "jql"]) => "jira.search_issues",
            ("GET", ["issue", _]) => "jira.get_issue",
            ("GET", ["issue", _, "transitions"]) => "jira.get_transitions",
            ("POST", ["issue", _, "transitions"]) => "jira.transition_issue",
            ("POST", ["issue", _, "comment"]) => "jira.add_comment",
            _ => return None,
        });
    }
    if kind == CallKind::Connector {
        if lpath == "/incidents/comment" && m == "POST" {
            return Some("sentinel.add_comment");
        }
        if lpath == "/incidents" && m == "PUT" {
            return Some("sentinel.update_incident");
        }
        if lpath.starts_with("/entities/") && m == "POST" {
            return Some("sentinel.get_entities");
        }
        // "Alert - Get incident", current (`/Incidents/subscriptions/.../alerts/{id}`) and
        // legacy (`/Cases/{alertId}/{subscription}/{workspace}/{resourceGroup}`) paths.
        if (lpath.starts_with("/incidents/") && lpath.contains("/alerts/")
            || lpath.starts_with("/cases/"))
            && m == "GET"
        {
            return Some("sentinel.get_incident");
        }
        // The Jira managed connector's "Create a new issue" (POST /issue?projectKey=...).
        if conn.contains("jira") && lpath == "/issue" && m == "POST" {
            return Some("jira.create_issue");
        }
        if lpath.starts_with("/secrets/") && lpath.ends_with("/value") && m == "GET" {
            return Some("keyvault.get_secret");
        }
        // "Send an email (V2)" is `POST /v2/Mail` whatever the `$connections` key is called
        // (office365, office365-1, outlook...): https://learn.microsoft.com/connectors/office365/#send-an-email-(v2)
        if (lpath == "/v2/mail"
            || (conn.contains("office365") || conn.contains("outlook")) && lpath.ends_with("/mail"))
            && m == "POST"
        {
            return Some("office365.send_email");
        }
        if lpath.starts_with("/case/") && lpath.ends_with("/addlabels") && m == "PUT" {
            return Some("sentinel.add_labels_legacy");
        }
        if lpath == "/querydata" && m == "POST" {
            return Some("loganalytics.query");
        }
        if lpath.contains("/teams/")
            && lpath.contains("/channels/")
            && lpath.ends_with("/messages")
            && m == "POST"
        {
            return Some("teams.post_message");
        }
        if let Some(op) = graph_or_mde(&lpath, &m) {
            return Some(op);
        }
        return None;
    }
    let host = host_of(uri).to_ascii_lowercase();
    if host == "management.azure.com"
        && lpath.contains("/providers/microsoft.securityinsights/incidents/")
    {
        return Some(match m.as_str() {
            "GET" if !lpath.contains("/comments") => "sentinel.get_incident",
            "PUT" => "sentinel.arm_update_incident",
            _ => return None,
        });
    }
    if host.ends_with(".webhook.office.com") && m == "POST" {
        return Some("teams.post_webhook");
    }
    if host == "graph.microsoft.com"
        || host.ends_with("securitycenter.windows.com")
        || host.ends_with("securitycenter.microsoft.com")
    {
        return graph_or_mde(&lpath, &m);
    }
    if host == "login.microsoftonline.com" && lpath.ends_with("/oauth2/v2.0/token") && m == "POST" {
        return Some("azuread.get_token");
    }
    if host == "api.loganalytics.io"
        && lpath.starts_with("/v1/workspaces/")
        && lpath.ends_with("/query")
    {
        return Some("loganalytics.query");
    }
    None
}

/// Microsoft Graph user and group calls and Defender for Endpoint calls, through a
/// connector (azuread, wdatp) or Http: the paths are the same.
fn graph_or_mde(lpath: &str, m: &str) -> Option<&'static str> {
    let parts: Vec<&str> = lpath.trim_matches('/').split('/').collect();
    Some(match (m, parts.as_slice()) {
        ("PATCH", ["v1.0" | "beta", "users", _]) => "azuread.update_user",
        ("POST", ["v1.0" | "beta", "users", _, "revokesigninsessions"]) => {
            "azuread.revoke_sessions"
        }
        ("GET", ["v1.0" | "beta", "groups", _, "members"]) => "azuread.list_group_members",
        ("POST", ["api", "machines", _, "isolate"]) => "wdatp.isolate_machine",
        ("POST", ["api", "indicators"]) => "wdatp.submit_indicator",
        _ => return None,
    })
}

/// The message when no mock answers a request: names it and says how to mock it.
pub fn missing_mock_message(info: &CallInfo<'_>, shown_uri: &str) -> String {
    let what = match info.kind {
        CallKind::Http => format!("the HTTP request {} {shown_uri}", info.method),
        CallKind::Connector => format!(
            "the connector call {} {shown_uri} on connection '{}'",
            info.method,
            info.connection.unwrap_or("?")
        ),
    };
    let generic = if info.kind == CallKind::Connector {
        ", or run with --generic-mocks to answer every connector call with 200 {}"
    } else {
        ""
    };
    format!(
        "no mock answers {what} (action '{}'): add one to the mocks file, e.g.\n  mocks:\n    - action: {}\n      respond: {{ status: 200, body: {{}} }}\n{}",
        info.action,
        info.action,
        generic.trim_start_matches(", ")
    )
    .trim_end()
    .to_string()
}

fn path_of(uri: &str) -> &str {
    let no_query = uri.split(['?', '#']).next().unwrap_or("");
    match no_query.find("://") {
        Some(i) => {
            let rest = &no_query[i + 3..];
            rest.find('/').map(|j| &rest[j..]).unwrap_or("/")
        }
        None => no_query,
    }
}

fn host_of(uri: &str) -> &str {
    uri.find("://")
        .map(|i| {
            let rest = &uri[i + 3..];
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let host = &rest[..end];
            host.rsplit('@').next().unwrap_or(host)
        })
        .unwrap_or("")
}

/// `/api/now[/v2|/v1]/table/<rest>` -> `<rest>`.
fn table_rest(lpath: &str) -> Option<&str> {
    let i = lpath.find("/api/now/")?;
    let rest = &lpath[i + "/api/now/".len()..];
    let rest = rest
        .strip_prefix("v1/")
        .or_else(|| rest.strip_prefix("v2/"))
        .unwrap_or(rest);
    rest.strip_prefix("table/").filter(|r| !r.is_empty())
}

/// `/rest/api/{2|3|latest}/<rest>` -> `<rest>`.
fn jira_rest(lpath: &str) -> Option<&str> {
    let i = lpath.find("/rest/api/")?;
    let rest = &lpath[i + "/rest/api/".len()..];
    let (_, rest) = rest.split_once('/')?;
    Some(rest.trim_end_matches('/'))
}

/// Query parameters of a URI, decoded.
fn query_params(uri: &str) -> IndexMap<String, String> {
    let Some((_, q)) = uri.split_once('?') else {
        return IndexMap::new();
    };
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
                {
                    Ok(x) => {
                        out.push(x);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What the built-in mocks remember during a run.
#[derive(Debug, Clone)]
pub struct ServiceState {
    /// ServiceNow records by table (lower case); configured records are in `incident`.
    records: IndexMap<String, Vec<Value>>,
    issues: Vec<Value>,
    page_size: usize,
    secrets: IndexMap<String, String>,
    incident_deleted: bool,
    /// Sentinel incidents touched by the run: name (lower case) -> the incident resource.
    incidents: IndexMap<String, Value>,
    created: usize,
}

impl ServiceState {
    pub fn new(data: &MockData) -> ServiceState {
        let mut records = IndexMap::new();
        records.insert("incident".to_string(), data.servicenow_records.clone());
        ServiceState {
            records,
            issues: data.jira_issues.clone(),
            page_size: data.page_size.max(1),
            secrets: data.secrets.clone(),
            incident_deleted: data.incident_deleted,
            incidents: IndexMap::new(),
            created: 0,
        }
    }

    /// The built-in answer to a recognised request; `None` if the request is not one of
    /// [`OPERATIONS`].
    pub fn answer(&mut self, info: &CallInfo<'_>) -> Option<MockResponse> {
        let op = info.operation?;
        let lpath = path_of(info.uri).to_ascii_lowercase();
        let path = path_of(info.uri).to_string();
        Some(match op {
            "servicenow.create_incident" | "servicenow.create_record" => {
                self.snow_create(&lpath, info.body)
            }
            "servicenow.query_incidents" | "servicenow.query_records" => {
                self.snow_query(&lpath, info.uri)
            }
            "servicenow.get_incident" | "servicenow.get_record" => {
                self.snow_record(false, &lpath, info.body)
            }
            "servicenow.update_incident" | "servicenow.update_record" => {
                self.snow_record(true, &lpath, info.body)
            }
            "jira.create_issue" => self.jira_create(info.uri, info.body),
            "jira.search_issues" => self.jira_search(&lpath, info.uri, info.body),
            "jira.get_issue"
            | "jira.get_transitions"
            | "jira.transition_issue"
            | "jira.add_comment" => self.jira_issue_op(op, &path, info.uri, info.body),
            "sentinel.add_comment" => self.sentinel_comment(info.body),
            "sentinel.update_incident" => self.sentinel_update(info.body),
            "sentinel.get_entities" => sentinel_entities(&lpath, info.body),
            "sentinel.get_incident" if lpath.starts_with("/cases/") => {
                let mut r = self.sentinel_get("/Incidents/".to_owned() + samples::INCIDENT_ID);
                // The legacy connector's case object names the number CaseNumber.
                if let Some(p) = r.body.get_mut("properties").and_then(Value::as_object_mut) {
                    let n = p.get("incidentNumber").cloned().unwrap_or(Value::Null);
                    p.insert("CaseNumber".into(), n);
                }
                r
            }
            "sentinel.get_incident" => self.sentinel_get(&path),
            "sentinel.arm_update_incident" => self.sentinel_arm_put(&path, info.body),
            "keyvault.get_secret" => self.secret(&path),
            "teams.post_webhook" => MockResponse::json(200, json!("1")),
            "office365.send_email" => MockResponse::status(200),
            "sentinel.add_labels_legacy" => self.sentinel_add_labels(info.body),
            // Graph "Update user": "If successful, this method returns a 204 No Content
            // response code" (https://learn.microsoft.com/graph/api/user-update).
            "azuread.update_user" => MockResponse::status(204),
            // Graph "user: revokeSignInSessions": "If successful, this method returns a 200
            // OK response code" with `value: true`
            // (https://learn.microsoft.com/graph/api/user-revokesigninsessions).
            "azuread.revoke_sessions" => MockResponse::json(
                200,
                json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean", "value": true}),
            ),
            // Graph "List group members": 200 and "a collection of directoryObject
            // objects" under `value` (https://learn.microsoft.com/graph/api/group-list-members);
            // the mock group is empty.
            "azuread.list_group_members" => MockResponse::json(200, json!({"value": []})),
            // Client credentials grant: "A successful token response looks like:
            // {token_type: Bearer, expires_in: 3599, access_token: ...}"
            // (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow).
            "azuread.get_token" => MockResponse::json(
                200,
                json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": "mock-access-token"}),
            ),
            // Azure Monitor Logs connector "Run query and list results": body `value`, the
            // rows (https://learn.microsoft.com/connectors/azuremonitorlogs/); the Log
            // Analytics query API answers `tables` with columns and rows
            // (https://learn.microsoft.com/azure/azure-monitor/logs/api/response-format).
            // The mock workspace has no matching rows.
            "loganalytics.query" if info.kind == CallKind::Connector => {
                MockResponse::json(200, json!({"value": []}))
            }
            "loganalytics.query" => MockResponse::json(
                200,
                json!({"tables": [{"name": "PrimaryResult", "columns": [], "rows": []}]}),
            ),
            // Teams "Post message in a chat or channel": the posted message
            // (https://learn.microsoft.com/connectors/teams/#post-message-in-a-chat-or-channel).
            "teams.post_message" => {
                let n = self.next_id();
                MockResponse::json(
                    201,
                    json!({"id": format!("{}", 1_700_000_000_000_u64 + n as u64), "messageType": "message", "body": info.body.get("body").cloned().unwrap_or(Value::Null)}),
                )
            }
            // Defender for Endpoint "Isolate machine": "If successful, this method returns
            // 201 - Created response code and Machine Action in the response body"
            // (https://learn.microsoft.com/defender-endpoint/api/isolate-machine).
            "wdatp.isolate_machine" => {
                let n = self.next_id();
                let machine = path
                    .trim_matches('/')
                    .split('/')
                    .nth(2)
                    .unwrap_or("")
                    .to_string();
                MockResponse::json(
                    201,
                    json!({
                        "id": format!("{:08x}-0000-4000-8000-{:012x}", n, n),
                        "type": "Isolate",
                        "status": "Pending",
                        "machineId": machine,
                        "requestorComment": info.body.get("Comment").cloned().unwrap_or(Value::Null),
                    }),
                )
            }
            // "Submit or Update Indicator": "If successful, this method returns 200 - OK
            // response code and the created / updated Indicator entity"
            // (https://learn.microsoft.com/defender-endpoint/api/post-ti-indicator).
            "wdatp.submit_indicator" => {
                let n = self.next_id();
                let mut indicator = info.body.as_object().cloned().unwrap_or_default();
                indicator.insert("id".into(), json!(format!("{}", 100 + n)));
                MockResponse::json(200, Value::Object(indicator))
            }
            _ => return None,
        })
    }

    /// Stores what a user mock's answer to a create (`servicenow.create_*`,
    /// `jira.create_issue`) made, as the service would hold it: the request's fields with
    /// the answer's identifiers (ServiceNow `result`: sys_id, number...; Jira: id, key,
    /// self). Other operations and failed answers change nothing.
    pub fn remember_created(&mut self, info: &CallInfo<'_>, resp: &MockResponse) {
        if resp.timeout || !(200..300).contains(&resp.status) {
            return;
        }
        match info.operation {
            Some("servicenow.create_incident" | "servicenow.create_record") => {
                let lpath = path_of(info.uri).to_ascii_lowercase();
                let table = table_rest(&lpath).unwrap_or("incident").to_string();
                let mut record = info.body.as_object().cloned().unwrap_or_default();
                if let Some(result) = resp.body.get("result").and_then(Value::as_object) {
                    for (k, v) in result {
                        record.insert(k.clone(), v.clone());
                    }
                }
                if record.contains_key("sys_id") {
                    self.records
                        .entry(table)
                        .or_default()
                        .push(Value::Object(record));
                }
            }
            Some("jira.create_issue") => {
                let Some(key) = resp.body.get("key").and_then(Value::as_str) else {
                    return;
                };
                let mut fields = info.body.get("fields").cloned().unwrap_or(json!({}));
                if let Value::Object(f) = &mut fields {
                    f.entry("status").or_insert(
                        json!({"name": "To Do", "statusCategory": {"key": "new", "name": "To Do"}}),
                    );
                    f.entry("labels").or_insert(json!([]));
                }
                self.issues.push(json!({
                    "id": resp.body.get("id").cloned().unwrap_or(Value::Null),
                    "key": key,
                    "self": resp.body.get("self").cloned().unwrap_or(Value::Null),
                    "fields": fields,
                }));
            }
            _ => {}
        }
    }

    fn next_id(&mut self) -> usize {
        self.created += 1;
        self.created
    }

    // ---- ServiceNow Table API --------------------------------------------------------
    // https://www.servicenow.com/docs/bundle/zurich-api-reference/page/integrate/inbound-rest/concept/c_TableAPI.html
    // POST inserts one record and answers it in `result` (with sys_id and number); GET
    // answers `{"result": [...]}` ("If a valid query returned no results, the response body
    // contains only an empty result array"), paged with sysparm_limit/sysparm_offset and an
    // X-Total-Count header; PUT/PATCH answer the updated record; an unknown sys_id is 404.

    fn snow_create(&mut self, lpath: &str, body: &Value) -> MockResponse {
        let table = table_rest(lpath).unwrap_or("incident").to_string();
        let n = self.next_id();
        let prefix = match table.as_str() {
            "incident" => "INC",
            "sc_task" => "SCTASK",
            "problem" => "PRB",
            "change_request" => "CHG",
            "sn_si_incident" => "SIR",
            _ => "REC",
        };
        let mut record = Map::new();
        record.insert(
            "sys_id".into(),
            json!(format!("{:032x}", 0x5eed_0000_u64 + n as u64)),
        );
        record.insert("number".into(), json!(format!("{prefix}{:07}", 10_000 + n)));
        record.insert("state".into(), json!("1"));
        if let Value::Object(fields) = body {
            for (k, v) in fields {
                record.insert(k.clone(), v.clone());
            }
        }
        let record = Value::Object(record);
        self.records.entry(table).or_default().push(record.clone());
        MockResponse::json(201, json!({"result": record}))
    }

    fn snow_query(&mut self, lpath: &str, uri: &str) -> MockResponse {
        let table = table_rest(lpath).unwrap_or("incident").to_string();
        let q = query_params(uri);
        let query = Query::parse(q.get("sysparm_query").map(String::as_str).unwrap_or(""));
        let limit = q
            .get("sysparm_limit")
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(10_000);
        let offset = q
            .get("sysparm_offset")
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(0);
        let all = self.records.get(&table).map(Vec::as_slice).unwrap_or(&[]);
        let mut matching: Vec<&Value> = all.iter().filter(|r| query.matches(r)).collect();
        query.sort(&mut matching);
        let page: Vec<Value> = matching
            .iter()
            .skip(offset)
            .take(limit)
            .map(|v| (*v).clone())
            .collect();
        let mut r = MockResponse::json(200, json!({"result": page}));
        r.headers
            .insert("X-Total-Count".into(), json!(matching.len().to_string()));
        r
    }

    fn snow_record(&mut self, update: bool, lpath: &str, body: &Value) -> MockResponse {
        let rest = table_rest(lpath).unwrap_or("");
        let (table, id) = rest.split_once('/').unwrap_or((rest, ""));
        let id = decode(id);
        let records = self.records.entry(table.to_string()).or_default();
        let Some(record) = records.iter_mut().find(|r| {
            r.get("sys_id")
                .and_then(Value::as_str)
                .is_some_and(|s| s.eq_ignore_ascii_case(&id))
        }) else {
            return MockResponse::json(
                404,
                json!({"error": {"message": "No Record found", "detail": "Record doesn't exist or ACL restricts the record retrieval"}, "status": "failure"}),
            );
        };
        if update && let (Value::Object(r), Value::Object(fields)) = (&mut *record, body) {
            for (k, v) in fields {
                r.insert(k.clone(), v.clone());
            }
        }
        MockResponse::json(200, json!({"result": record.clone()}))
    }

    // ---- Jira --------------------------------------------------------------------------
    // Create: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post
    // answers 201 {id, key, self}. Search (Cloud): POST /rest/api/3/search/jql answers
    // {issues, nextPageToken} — "nextPageToken ... the token for the next page; absent on the
    // last page" (api-group-issue-search, #api-rest-api-3-search-jql-post); Data Center:
    // /rest/api/2/search with startAt/maxResults/total
    // (https://docs.atlassian.com/software/jira/docs/api/REST/9.12.0/#api/2/search).
    // Transitions: GET answers {transitions: [{id, name, to}]}, POST answers 204.

    fn jira_create(&mut self, uri: &str, body: &Value) -> MockResponse {
        let project = body
            .pointer("/fields/project/key")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| query_params(uri).get("projectKey").cloned())
            .unwrap_or_else(|| "PROJ".to_string());
        // The next number after every existing key, so created keys never collide.
        let number = 1 + self
            .issues
            .iter()
            .filter_map(|i| i.get("key").and_then(Value::as_str))
            .filter_map(|k| {
                k.rsplit_once('-')
                    .and_then(|(_, n)| n.parse::<usize>().ok())
            })
            .max()
            .unwrap_or(0);
        let key = format!("{project}-{number}");
        let id = format!("{}", 10_000 + number);
        let base = uri.find("/rest/api/").map(|i| &uri[..i]).unwrap_or("");
        let version = if uri.contains("/rest/api/2/") {
            "2"
        } else {
            "3"
        };
        let self_url = format!("{base}/rest/api/{version}/issue/{id}");
        let mut fields = body.get("fields").cloned().unwrap_or(json!({}));
        if let Value::Object(f) = &mut fields {
            f.entry("status").or_insert(
                json!({"name": "To Do", "statusCategory": {"key": "new", "name": "To Do"}}),
            );
            f.entry("labels").or_insert(json!([]));
        }
        self.issues
            .push(json!({"id": id, "key": key, "self": self_url, "fields": fields}));
        MockResponse::json(201, json!({"id": id, "key": key, "self": self_url}))
    }

    fn jira_search(&mut self, lpath: &str, uri: &str, body: &Value) -> MockResponse {
        let q = query_params(uri);
        let param = |k: &str| -> Option<Value> {
            body.get(k)
                .filter(|v| !v.is_null())
                .cloned()
                .or_else(|| q.get(k).map(|s| json!(s)))
        };
        let jql = param("jql")
            .map(|v| v.as_str().unwrap_or("").to_string())
            .unwrap_or_default();
        let max = param("maxResults")
            .and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .map(|m| m as usize)
            .unwrap_or(self.page_size)
            .max(1);
        let clauses = parse_jql(&jql);
        let matching: Vec<&Value> = self
            .issues
            .iter()
            .filter(|i| clauses.iter().all(|c| c.matches(i)))
            .collect();
        let cloud = lpath.ends_with("/search/jql");
        if cloud {
            // nextPageToken is opaque; the mock's is the offset.
            let start = param("nextPageToken")
                .and_then(|v| {
                    v.as_str()
                        .and_then(|s| s.strip_prefix("page-"))
                        .and_then(|s| s.parse::<usize>().ok())
                })
                .unwrap_or(0);
            let page: Vec<Value> = matching
                .iter()
                .skip(start)
                .take(max)
                .map(|v| (*v).clone())
                .collect();
            let next = start + page.len();
            let mut body = json!({"issues": page, "isLast": next >= matching.len()});
            if next < matching.len() {
                body["nextPageToken"] = json!(format!("page-{next}"));
            }
            MockResponse::json(200, body)
        } else {
            let start = param("startAt")
                .and_then(|v| {
                    v.as_u64()
                        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                })
                .unwrap_or(0) as usize;
            let page: Vec<Value> = matching
                .iter()
                .skip(start)
                .take(max)
                .map(|v| (*v).clone())
                .collect();
            MockResponse::json(
                200,
                json!({"startAt": start, "maxResults": max, "total": matching.len(), "issues": page}),
            )
        }
    }

    fn jira_issue_op(&mut self, op: &str, path: &str, uri: &str, body: &Value) -> MockResponse {
        let lpath = path.to_ascii_lowercase();
        let rest_start = lpath
            .find("/rest/api/")
            .map(|i| i + "/rest/api/".len())
            .unwrap_or(0);
        let key = path[rest_start..]
            .split('/')
            .nth(2)
            .map(decode)
            .unwrap_or_default();
        let Some(issue) = self.issues.iter_mut().find(|i| {
            i.get("key")
                .and_then(Value::as_str)
                .is_some_and(|k| k.eq_ignore_ascii_case(&key))
                || i.get("id").and_then(Value::as_str) == Some(key.as_str())
        }) else {
            return MockResponse::json(
                404,
                json!({"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}}),
            );
        };
        match op {
            "jira.get_issue" => MockResponse::json(200, issue.clone()),
            "jira.get_transitions" => MockResponse::json(
                200,
                json!({"transitions": TRANSITIONS.iter().map(|(id, name, cat)| json!({
                "id": id, "name": name, "to": {"name": name, "statusCategory": {"key": cat, "name": name}}
            })).collect::<Vec<_>>()}),
            ),
            "jira.transition_issue" => {
                let id = body.pointer("/transition/id").map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
                match TRANSITIONS
                    .iter()
                    .find(|(t, _, _)| Some(t.to_string()) == id)
                {
                    Some((_, name, cat)) => {
                        if let Some(f) = issue.get_mut("fields").and_then(Value::as_object_mut) {
                            f.insert(
                                "status".into(),
                                json!({"name": name, "statusCategory": {"key": cat, "name": name}}),
                            );
                        }
                        MockResponse::status(204)
                    }
                    None => MockResponse::json(
                        400,
                        json!({"errorMessages": [format!("Transition id '{}' is not valid for this issue.", id.unwrap_or_default())], "errors": {}}),
                    ),
                }
            }
            _ => {
                let base = uri.find("/rest/api/").map(|i| &uri[..i]).unwrap_or("");
                let issue_id = issue
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let n = self.next_id();
                let id = format!("{}", 20_000 + n);
                MockResponse::json(
                    201,
                    json!({
                        "id": id,
                        "self": format!("{base}/rest/api/3/issue/{issue_id}/comment/{id}"),
                        "body": body.get("body").cloned().unwrap_or(Value::Null),
                    }),
                )
            }
        }
    }

    // ---- Microsoft Sentinel ------------------------------------------------------------
    // Connector actions "Add comment to incident", "Update incident", "Entities - Get <kind>"
    // (https://learn.microsoft.com/azure/sentinel/automation/playbook-triggers-actions;
    // https://learn.microsoft.com/connectors/azuresentinel/); the ARM API
    // GET/PUT .../Microsoft.SecurityInsights/incidents/{id}
    // (https://learn.microsoft.com/rest/api/securityinsights/incidents). A deleted incident
    // answers 404 (ARM convention; the connector reports "no incident found").

    fn incident(&mut self, name: &str) -> &mut Value {
        let key = name.to_ascii_lowercase();
        self.incidents.entry(key).or_insert_with(|| {
            let mut incident = samples::payload_ref(crate::SampleKind::Incident)["object"].clone();
            incident["id"] = json!(samples::incident_arm_id(name));
            incident["name"] = json!(name);
            if let Some(p) = incident["properties"].as_object_mut() {
                p.shift_remove("Alerts");
                p.shift_remove("relatedEntities");
            }
            incident
        })
    }

    fn not_found(name: &str) -> MockResponse {
        MockResponse::json(
            404,
            json!({"error": {"code": "NotFound", "message": format!("Incident {name} not found")}}),
        )
    }

    fn sentinel_comment(&mut self, body: &Value) -> MockResponse {
        let name = incident_name(body.get("incidentArmId"));
        if self.incident_deleted {
            return Self::not_found(&name);
        }
        let n = self.next_id();
        MockResponse::json(
            200,
            json!({
                "id": format!("{}/comments/{n}", samples::incident_arm_id(&name)),
                "name": format!("{n}"),
                "type": "Microsoft.SecurityInsights/Incidents/Comments",
                "properties": {"message": body.get("message").cloned().unwrap_or(Value::Null)}
            }),
        )
    }

    fn sentinel_update(&mut self, body: &Value) -> MockResponse {
        let name = incident_name(body.get("incidentArmId"));
        if self.incident_deleted {
            return Self::not_found(&name);
        }
        let incident = self.incident(&name);
        let props = incident["properties"].as_object_mut().expect("object");
        for (field, key) in [
            ("status", "status"),
            ("severity", "severity"),
            ("title", "title"),
            ("description", "description"),
        ] {
            if let Some(v) = body.get(field).filter(|v| !v.is_null()) {
                props.insert(key.into(), v.clone());
            }
        }
        if let Some(c) = body
            .pointer("/classification/ClassificationAndReason")
            .and_then(Value::as_str)
        {
            let (class, reason) = c.split_once(" - ").unwrap_or((c, ""));
            props.insert("classification".into(), json!(class));
            props.insert("classificationReason".into(), json!(reason));
        }
        if let Some(t) = body.pointer("/classification/ClassificationReasonText") {
            props.insert("classificationComment".into(), t.clone());
        }
        if let Some(tags) = body
            .pointer("/tagsToAdd/TagsToAdd")
            .and_then(Value::as_array)
        {
            let labels = props.entry("labels").or_insert(json!([]));
            if let Value::Array(labels) = labels {
                for tag in tags.iter().filter_map(|t| t.get("Tag")) {
                    if !labels.iter().any(|l| l.get("labelName") == Some(tag)) {
                        labels.push(json!({"labelName": tag, "labelType": "User"}));
                    }
                }
            }
        }
        MockResponse::json(200, incident.clone())
    }

    /// The legacy connector's "Add labels to incident" (`PUT /Case/.../AddLabels`, body a
    /// list of label names or `[{"label": name}]`): the labels join the incident's.
    fn sentinel_add_labels(&mut self, body: &Value) -> MockResponse {
        let name = samples::INCIDENT_ID.to_string();
        if self.incident_deleted {
            return Self::not_found(&name);
        }
        let names: Vec<Value> = match body {
            Value::Array(items) => items
                .iter()
                .filter_map(|l| match l {
                    Value::String(_) => Some(l.clone()),
                    other => other
                        .get("label")
                        .or_else(|| other.get("Label"))
                        .or_else(|| other.get("labelName"))
                        .cloned(),
                })
                .collect(),
            Value::String(_) => vec![body.clone()],
            _ => Vec::new(),
        };
        let incident = self.incident(&name);
        let props = incident["properties"].as_object_mut().expect("object");
        if let Value::Array(labels) = props.entry("labels").or_insert(json!([])) {
            for n in names {
                if !labels.iter().any(|l| l.get("labelName") == Some(&n)) {
                    labels.push(json!({"labelName": n, "labelType": "User"}));
                }
            }
        }
        MockResponse::json(200, incident.clone())
    }

    fn sentinel_get(&mut self, path: impl AsRef<str>) -> MockResponse {
        let path = path.as_ref();
        let name = path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string();
        if self.incident_deleted {
            return Self::not_found(&name);
        }
        MockResponse::json(200, self.incident(&name).clone())
    }

    fn sentinel_arm_put(&mut self, path: &str, body: &Value) -> MockResponse {
        let lpath = path.to_ascii_lowercase();
        let i = lpath
            .find("/incidents/")
            .map(|i| i + "/incidents/".len())
            .unwrap_or(0);
        let name = path[i..].split('/').next().unwrap_or("").to_string();
        if self.incident_deleted {
            return Self::not_found(&name);
        }
        if lpath.contains("/comments/") {
            return MockResponse::json(
                200,
                json!({"name": path.rsplit('/').next(), "properties": body.get("properties").cloned().unwrap_or(json!({}))}),
            );
        }
        let incident = self.incident(&name);
        if let (Some(p), Some(new)) = (
            incident["properties"].as_object_mut(),
            body.get("properties").and_then(Value::as_object),
        ) {
            for (k, v) in new {
                p.insert(k.clone(), v.clone());
            }
        }
        MockResponse::json(200, incident.clone())
    }

    // ---- Key Vault ---------------------------------------------------------------------
    // Connector "Get secret": GET /secrets/{name}/value answers {value, name, version, ...}
    // (https://learn.microsoft.com/connectors/keyvault/#get-secret).

    fn secret(&mut self, path: &str) -> MockResponse {
        let name = decode(path.trim_start_matches('/').split('/').nth(1).unwrap_or(""));
        let value = self.secrets.get(&name).cloned().unwrap_or_else(|| {
            // A secret that holds a URL (a Teams webhook) gets a URL the mocks recognise.
            if name.contains("webhook") || name.contains("url") {
                format!("https://contoso.webhook.office.com/webhookb2/mock-{name}")
            } else {
                format!("mock-secret-{name}")
            }
        });
        MockResponse::json(
            200,
            json!({
                "value": value,
                "name": name,
                "version": "0123456789abcdef0123456789abcdef",
                "contentType": null,
                "isEnabled": true,
            }),
        )
    }
}

/// Jira's default workflow transitions (id, name, status category key).
const TRANSITIONS: &[(&str, &str, &str)] = &[
    ("11", "To Do", "new"),
    ("21", "In Progress", "indeterminate"),
    ("31", "Done", "done"),
];

fn incident_name(arm_id: Option<&Value>) -> String {
    arm_id
        .and_then(Value::as_str)
        .and_then(|s| s.trim_end_matches('/').rsplit('/').next())
        .filter(|s| !s.is_empty())
        .unwrap_or(samples::INCIDENT_ID)
        .to_string()
}

/// "Entities - Get <kind>": "Filter the array of entities by the requested type"; the
/// response names the list by kind (e.g. `body('Entities_-_Get_IPs')?['IPs']`) with each
/// entity's properties.
fn sentinel_entities(lpath: &str, body: &Value) -> MockResponse {
    let kind = lpath.trim_start_matches("/entities/").trim_end_matches('/');
    let (entity_kind, list) = match kind {
        "account" => ("account", "Accounts"),
        "ip" => ("ip", "IPs"),
        "host" => ("host", "Hosts"),
        "url" => ("url", "URLs"),
        "filehash" => ("filehash", "FileHashes"),
        "dnsresolution" | "dns" => ("dnsresolution", "Dnsresolutions"),
        other => (other, "Entities"),
    };
    let entities: Vec<Value> = match body {
        Value::Array(a) => a.clone(),
        Value::String(s) => serde_json::from_str::<Value>(s)
            .ok()
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default(),
        other => other
            .get("entities")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
    };
    let found: Vec<Value> = entities
        .iter()
        .filter(|e| {
            e.get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| k.eq_ignore_ascii_case(entity_kind))
        })
        .map(|e| {
            let mut p = e.get("properties").cloned().unwrap_or(json!({}));
            if let Value::Object(m) = &mut p {
                if let Some(n) = e.get("name") {
                    m.entry("Name").or_insert(n.clone());
                }
                // The connector's output capitalises the main property (IPs: Address).
                if let Some(a) = m.get("address").cloned() {
                    m.entry("Address").or_insert(a);
                }
            }
            p
        })
        .collect();
    MockResponse::json(200, json!({ list: found }))
}

/// One JQL clause the mock evaluates: `project|key|labels|status|statusCategory` with `=`,
/// `!=`, `in (...)`, `not in (...)`. Other clauses (dates, text search, ORDER BY) are ignored
/// (they do not narrow the answer).
#[derive(Debug)]
struct JqlClause {
    field: String,
    negate: bool,
    values: Vec<String>,
}

fn parse_jql(jql: &str) -> Vec<JqlClause> {
    let upper = jql.to_ascii_uppercase();
    let body = match upper.find(" ORDER BY") {
        Some(i) => &jql[..i],
        None => jql,
    };
    if body.to_ascii_uppercase().contains(" OR ") {
        return Vec::new();
    }
    let mut out = Vec::new();
    for clause in split_ci(body, " AND ") {
        let c = clause.trim();
        let (field, rest) = c.split_once(char::is_whitespace).unwrap_or((c, ""));
        let field = field.trim().to_ascii_lowercase();
        if !matches!(
            field.as_str(),
            "project" | "key" | "labels" | "status" | "statuscategory"
        ) {
            continue;
        }
        let rest = rest.trim();
        let lrest = rest.to_ascii_lowercase();
        let (negate, values) = if let Some(v) = rest.strip_prefix("!=") {
            (true, vec![unquote(v)])
        } else if let Some(v) = rest.strip_prefix('=') {
            (false, vec![unquote(v)])
        } else if lrest.starts_with("not in") {
            (true, list(&rest[6..]))
        } else if lrest.starts_with("in") {
            (false, list(&rest[2..]))
        } else {
            continue;
        };
        out.push(JqlClause {
            field,
            negate,
            values,
        });
    }
    out
}

fn split_ci<'a>(s: &'a str, sep: &str) -> Vec<&'a str> {
    let upper = s.to_ascii_uppercase();
    let mut out = Vec::new();
    let mut start = 0;
    while let Some(i) = upper[start..].find(sep) {
        out.push(&s[start..start + i]);
        start += i + sep.len();
    }
    out.push(&s[start..]);
    out
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    let inner = v
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
        .unwrap_or(v);
    // JQL escapes: \" \' \\ (Jql.g ESCAPE).
    inner
        .replace("\\\"", "\"")
        .replace("\\'", "'")
        .replace("\\\\", "\\")
}

fn list(v: &str) -> Vec<String> {
    let v = v.trim().trim_start_matches('(').trim_end_matches(')');
    v.split(',').map(unquote).collect()
}

impl JqlClause {
    fn matches(&self, issue: &Value) -> bool {
        let fields = issue.get("fields");
        let actual: Vec<String> = match self.field.as_str() {
            "key" => issue
                .get("key")
                .and_then(Value::as_str)
                .map(|s| vec![s.to_string()])
                .unwrap_or_default(),
            "project" => {
                let from_field = fields
                    .and_then(|f| f.pointer("/project/key"))
                    .and_then(Value::as_str);
                let from_key = issue
                    .get("key")
                    .and_then(Value::as_str)
                    .and_then(|k| k.rsplit_once('-'))
                    .map(|(p, _)| p);
                from_field
                    .or(from_key)
                    .map(|s| vec![s.to_string()])
                    .unwrap_or_default()
            }
            "labels" => fields
                .and_then(|f| f.get("labels"))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            "status" => fields
                .and_then(|f| f.pointer("/status/name"))
                .and_then(Value::as_str)
                .map(|s| vec![s.to_string()])
                .unwrap_or_default(),
            _ => {
                // statusCategory: name ("Done") or key ("done").
                let cat = fields.and_then(|f| f.pointer("/status/statusCategory"));
                ["key", "name"]
                    .iter()
                    .filter_map(|k| cat.and_then(|c| c.get(*k)).and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            }
        };
        let hit = self
            .values
            .iter()
            .any(|v| actual.iter().any(|a| a.eq_ignore_ascii_case(v)));
        hit != self.negate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call<'a>(
        kind: CallKind,
        method: &'a str,
        uri: &'a str,
        body: &'a Value,
        conn: Option<&'a str>,
    ) -> CallInfo<'a> {
        CallInfo {
            action: "A",
            kind,
            connection: conn,
            method,
            uri,
            body,
            operation: recognize(kind, conn, method, uri),
        }
    }

    #[test]
    fn recognises_operations() {
        let c = CallKind::Connector;
        let h = CallKind::Http;
        assert_eq!(
            recognize(c, Some("snow"), "POST", "/api/now/v2/table/incident"),
            Some("servicenow.create_incident")
        );
        assert_eq!(
            recognize(
                c,
                Some("snow"),
                "GET",
                "/api/now/v2/table/incident?sysparm_limit=1"
            ),
            Some("servicenow.query_incidents")
        );
        assert_eq!(
            recognize(c, Some("snow"), "PATCH", "/api/now/v2/table/incident/abc"),
            Some("servicenow.update_incident")
        );
        assert_eq!(
            recognize(h, None, "POST", "https://x.atlassian.net/rest/api/3/issue"),
            Some("jira.create_issue")
        );
        assert_eq!(
            recognize(
                h,
                None,
                "POST",
                "https://x.atlassian.net/rest/api/3/search/jql"
            ),
            Some("jira.search_issues")
        );
        assert_eq!(
            recognize(h, None, "GET", "https://jira.x.com/rest/api/2/search?jql=a"),
            Some("jira.search_issues")
        );
        assert_eq!(
            recognize(
                h,
                None,
                "POST",
                "https://x/rest/api/3/issue/SEC-1/transitions"
            ),
            Some("jira.transition_issue")
        );
        assert_eq!(
            recognize(c, Some("azuresentinel"), "POST", "/Incidents/Comment"),
            Some("sentinel.add_comment")
        );
        assert_eq!(
            recognize(c, Some("kv"), "GET", "/secrets/jira-token/value"),
            Some("keyvault.get_secret")
        );
        assert_eq!(
            recognize(
                h,
                None,
                "GET",
                "https://management.azure.com/subscriptions/s/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/w/providers/Microsoft.SecurityInsights/Incidents/abc?api-version=2025-09-01"
            ),
            Some("sentinel.get_incident")
        );
        assert_eq!(
            recognize(h, None, "POST", "https://oncall.contoso.com/api/page"),
            None
        );
    }

    #[test]
    fn servicenow_create_then_query_pages() {
        let mut s = ServiceState::new(&MockData::default());
        let body = json!({"short_description": "x", "correlation_id": "abc"});
        for _ in 0..3 {
            let r = s
                .answer(&call(
                    CallKind::Connector,
                    "POST",
                    "/api/now/v2/table/incident",
                    &body,
                    Some("snow"),
                ))
                .unwrap();
            assert_eq!(r.status, 201);
            assert!(
                r.body["result"]["number"]
                    .as_str()
                    .unwrap()
                    .starts_with("INC")
            );
            assert_eq!(r.body["result"]["sys_id"].as_str().unwrap().len(), 32);
        }
        let q = "/api/now/v2/table/incident?sysparm_query=correlation_id%3Dabc%5Estate%3D1&sysparm_limit=2&sysparm_offset=2";
        let r = s
            .answer(&call(
                CallKind::Connector,
                "GET",
                q,
                &Value::Null,
                Some("snow"),
            ))
            .unwrap();
        assert_eq!(r.body["result"].as_array().unwrap().len(), 1);
        assert_eq!(r.headers["X-Total-Count"], "3");
        let none = "/api/now/v2/table/incident?sysparm_query=correlation_id%3Dzzz";
        let r = s
            .answer(&call(
                CallKind::Connector,
                "GET",
                none,
                &Value::Null,
                Some("snow"),
            ))
            .unwrap();
        assert_eq!(r.body, json!({"result": []}));
    }

    #[test]
    fn jira_cloud_search_pages_with_next_page_token() {
        let issues: Vec<Value> = (1..=3)
            .map(|i| json!({"id": format!("{i}"), "key": format!("SEC-{i}"), "fields": {"labels": ["soarc-sync"], "status": {"name": "Done", "statusCategory": {"key": "done", "name": "Done"}}}}))
            .collect();
        let mut s = ServiceState::new(&MockData {
            jira_issues: issues,
            ..MockData::default()
        });
        let uri = "https://x.atlassian.net/rest/api/3/search/jql";
        let body = json!({"jql": "project in (SEC, VULN) AND labels = soarc-sync AND statusCategory = Done AND updated >= -10m ORDER BY updated ASC", "maxResults": 2});
        let r = s
            .answer(&call(CallKind::Http, "POST", uri, &body, None))
            .unwrap();
        assert_eq!(r.body["issues"].as_array().unwrap().len(), 2);
        let token = r.body["nextPageToken"].clone();
        let body2 = json!({"jql": body["jql"], "maxResults": 2, "nextPageToken": token});
        let r = s
            .answer(&call(CallKind::Http, "POST", uri, &body2, None))
            .unwrap();
        assert_eq!(r.body["issues"].as_array().unwrap().len(), 1);
        assert!(r.body.get("nextPageToken").is_none());
        assert_eq!(r.body["isLast"], true);
        let dc = s
            .answer(&call(
                CallKind::Http,
                "POST",
                "https://jira.x.com/rest/api/2/search",
                &json!({"jql": "labels = other", "startAt": 0}),
                None,
            ))
            .unwrap();
        assert_eq!(dc.body["total"], 0);
    }

    #[test]
    fn jira_create_transition() {
        let mut s = ServiceState::new(&MockData::default());
        let r = s
            .answer(&call(
                CallKind::Http,
                "POST",
                "https://x.atlassian.net/rest/api/3/issue",
                &json!({"fields": {"project": {"key": "SEC"}}}),
                None,
            ))
            .unwrap();
        assert_eq!(r.status, 201);
        assert_eq!(r.body["key"], "SEC-1");
        let r = s
            .answer(&call(
                CallKind::Http,
                "POST",
                "https://x.atlassian.net/rest/api/3/issue/SEC-1/transitions",
                &json!({"transition": {"id": "31"}}),
                None,
            ))
            .unwrap();
        assert_eq!(r.status, 204);
        let r = s
            .answer(&call(
                CallKind::Http,
                "GET",
                "https://x.atlassian.net/rest/api/3/issue/SEC-1",
                &Value::Null,
                None,
            ))
            .unwrap();
        assert_eq!(r.body["fields"]["status"]["name"], "Done");
        let r = s
            .answer(&call(
                CallKind::Http,
                "GET",
                "https://x.atlassian.net/rest/api/3/issue/SEC-99/transitions",
                &Value::Null,
                None,
            ))
            .unwrap();
        assert_eq!(r.status, 404);
    }

    #[test]
    fn sentinel_labels_and_deleted_incident() {
        let mut s = ServiceState::new(&MockData::default());
        let arm = samples::incident_arm_id("abc");
        let r = s.answer(&call(CallKind::Connector, "PUT", "/Incidents", &json!({"incidentArmId": arm, "tagsToAdd": {"TagsToAdd": [{"Tag": "jira:SEC-1"}]}, "status": "Active"}), Some("azuresentinel"))).unwrap();
        assert_eq!(r.body["properties"]["labels"][0]["labelName"], "jira:SEC-1");
        assert_eq!(r.body["properties"]["status"], "Active");
        let mut gone = ServiceState::new(&MockData {
            incident_deleted: true,
            ..MockData::default()
        });
        let r = gone
            .answer(&call(
                CallKind::Http,
                "GET",
                &format!("https://management.azure.com{arm}"),
                &Value::Null,
                None,
            ))
            .unwrap();
        assert_eq!(r.status, 404);
    }
}
