//! The registry of every code `soarc build` reports: `SPEC` (the spec), `RULE` (automation
//! rules) and `OUT` (soarc's own output), each with its title, severity, explanation and
//! what to do, like the lint rules of `soarc validate`. Every place that raises one names
//! it from here; `docs/errors.md` is generated from [`ALL`] (`emit::docs::errors`).

use soarc_lang::diagnostics::Severity;

/// One diagnostic code.
#[derive(Debug)]
pub struct Code {
    /// The stable code, e.g. `SPEC040`.
    pub code: &'static str,
    /// A few words naming the problem.
    pub title: &'static str,
    pub severity: Severity,
    /// What the problem is.
    pub explanation: &'static str,
    /// What to do about it.
    pub fix: &'static str,
}

pub static SPEC001: Code = Code {
    code: "SPEC001",
    title: "spec file cannot be read",
    severity: Severity::Error,
    explanation: "A spec file is not UTF-8 text, or no file was given.",
    fix: "Spec files are UTF-8 YAML or JSON.",
};

pub static SPEC002: Code = Code {
    code: "SPEC002",
    title: "spec file is not valid",
    severity: Severity::Error,
    explanation: "The file is not valid YAML/JSON for the spec: syntax error, unknown key, wrong type, a list where a mapping belongs, unknown trigger or step kind.",
    fix: "The message names what was expected; unknown keys come with the nearest valid key.",
};

pub static SPEC003: Code = Code {
    code: "SPEC003",
    title: "name defined twice",
    severity: Severity::Error,
    explanation: "A name (mapping, connection, playbook) or the `deployment` block is defined more than once across the spec files.",
    fix: "Names are unique across all files given to one build; rename or remove one.",
};

pub static SPEC004: Code = Code {
    code: "SPEC004",
    title: "spec file cannot be read",
    severity: Severity::Error,
    explanation: "A spec file cannot be read: missing, no permission, not a regular file (a FIFO, device or socket), or larger than 64 MiB. An I/O error: exit code 2.",
    fix: "Check the path; give a file on disk.",
};

pub static SPEC005: Code = Code {
    code: "SPEC005",
    title: "no playbooks",
    severity: Severity::Error,
    explanation: "The spec defines no playbooks.",
    fix: "Add a `playbooks:` list (`soarc init` writes a starter).",
};

pub static SPEC020: Code = Code {
    code: "SPEC020",
    title: "service URL or account is not valid",
    severity: Severity::Error,
    explanation: "A service URL (ServiceNow instance, Jira site or base URL) is not a plain `https://` URL: soarc accepts a host of letters, digits, `.` and `-`, an optional port, and a path of letters, digits, `-._~/`, so that the URL needs no encoding in links, connection parameters and JSON. Queries, user names and other characters are refused.",
    fix: "Write the instance URL alone, e.g. `https://contoso.service-now.com` or `https://jira.contoso.com/jira`.",
};

pub static SPEC021: Code = Code {
    code: "SPEC021",
    title: "invalid connection or mapping name",
    severity: Severity::Error,
    explanation: "A connection or mapping name is not a letter followed by letters, digits, `_` or `-` (≤ 64).",
    fix: "Rename it; names end up in ARM variable and action names.",
};

pub static SPEC022: Code = Code {
    code: "SPEC022",
    title: "mapping source is not an enumerated field",
    severity: Severity::Error,
    explanation: "A mapping's `from` is not an enumerated incident or alert field.",
    fix: "Map `incident.severity`, `incident.status`, `incident.classification` or `alert.severity`.",
};

pub static SPEC023: Code = Code {
    code: "SPEC023",
    title: "value its source cannot have",
    severity: Severity::Error,
    explanation: "A mapping (or `sync.servicenow.resolve_codes`) lists a value its source cannot have (e.g. `Medum`, `TruePositve`).",
    fix: "Use one of the listed values; the nearest is suggested.",
};

pub static SPEC024: Code = Code {
    code: "SPEC024",
    title: "mapping does not cover its source",
    severity: Severity::Error,
    explanation: "A mapping does not cover every value of its source and has no `default` (for `sync.servicenow.resolve_codes`: `default_close_code`).",
    fix: "Add the missing values or a `default:`.",
};

pub static SPEC029: Code = Code {
    code: "SPEC029",
    title: "playbook name is a Windows device name",
    severity: Severity::Error,
    explanation: "A playbook name is a Windows device name (`con`, `aux`, `nul`, `prn`, `com1`-`com9`, `lpt1`-`lpt9`, any case): its folder `playbooks/<name>/` cannot be created or checked out on Windows.",
    fix: "Rename the playbook, e.g. `con-alerts`.",
};

pub static SPEC030: Code = Code {
    code: "SPEC030",
    title: "invalid playbook name",
    severity: Severity::Error,
    explanation: "A playbook name is not lowercase letters, digits and dashes (≤ 64).",
    fix: "Use the suggested name; it names the output folder and the Logic App.",
};

pub static SPEC031: Code = Code {
    code: "SPEC031",
    title: "playbook without steps",
    severity: Severity::Error,
    explanation: "A playbook has no steps. Only a playbook imported with `as_imported:` may have none (a workflow without actions, as Logic Apps saves one).",
    fix: "Add steps.",
};

pub static SPEC032: Code = Code {
    code: "SPEC032",
    title: "recurrence interval 0",
    severity: Severity::Error,
    explanation: "A recurrence interval is 0.",
    fix: "Use 1 or more.",
};

pub static SPEC033: Code = Code {
    code: "SPEC033",
    title: "invalid or duplicate action name",
    severity: Severity::Error,
    explanation: "An action name (`name:`) is invalid or used twice in a playbook, or a switch case name is used twice in its switch.",
    fix: "Action names are unique in a workflow, nested steps included; case names are unique within their switch; 1 to 80 characters.",
};

pub static SPEC034: Code = Code {
    code: "SPEC034",
    title: "switch without cases or with too many",
    severity: Severity::Error,
    explanation: "A `switch` has no cases or more than 25 (the Logic Apps limit).",
    fix: "Split it or use `if`.",
};

pub static SPEC035: Code = Code {
    code: "SPEC035",
    title: "foreach items not a single reference",
    severity: Severity::Error,
    explanation: "A `foreach` `items` is not a single reference.",
    fix: r#"Write `items: "{{incident.alerts}}"`."#,
};

pub static SPEC036: Code = Code {
    code: "SPEC036",
    title: "terminate message without Failed status",
    severity: Severity::Error,
    explanation: "A `terminate` message is given with a status other than `Failed`.",
    fix: "Remove the message or use `status: Failed`.",
};

pub static SPEC037: Code = Code {
    code: "SPEC037",
    title: "reserved or duplicate step id",
    severity: Severity::Error,
    explanation: "A step `id` is reserved (`incident`, `variables`, ...) or used twice.",
    fix: "Choose another id.",
};

pub static SPEC038: Code = Code {
    code: "SPEC038",
    title: "ServiceNow field set twice",
    severity: Severity::Error,
    explanation: "A ServiceNow field is set both directly and under `custom`.",
    fix: "Set standard fields directly.",
};

pub static SPEC039: Code = Code {
    code: "SPEC039",
    title: "incident comment without an incident",
    severity: Severity::Error,
    explanation: "`sentinel.add_comment` in a playbook whose trigger carries no incident.",
    fix: "Use `trigger: incident` (or `entity`).",
};

pub static SPEC040: Code = Code {
    code: "SPEC040",
    title: "unknown connection",
    severity: Severity::Error,
    explanation: "A step names a connection the spec does not declare.",
    fix: "Declare it under `connections:`; the nearest name is suggested.",
};

pub static SPEC041: Code = Code {
    code: "SPEC041",
    title: "connection of the wrong kind",
    severity: Severity::Error,
    explanation: "A step uses a connection of the wrong kind (e.g. a ServiceNow step on the Sentinel connection).",
    fix: "Point the step at a connection of the right kind.",
};

pub static SPEC042: Code = Code {
    code: "SPEC042",
    title: "HTTP step calls a non-https URL",
    severity: Severity::Error,
    explanation: "An HTTP step calls a non-https URL.",
    fix: "Use `https://`.",
};

pub static SPEC043: Code = Code {
    code: "SPEC043",
    title: "unknown, duplicate or non-appendable variable",
    severity: Severity::Error,
    explanation: "A variable is unknown, declared twice, or appended to although it is not a string or array.",
    fix: "Declare variables under the playbook's `variables:`.",
};

pub static SPEC044: Code = Code {
    code: "SPEC044",
    title: "comparison without two operands",
    severity: Severity::Error,
    explanation: "A comparison in a condition does not have exactly two operands, or an analytics rule id (`from_analytics_rule`, an automation rule's `analytics_rule_ids`) is not a rule GUID or rule resource id.",
    fix: "Write `equals: [\"{{incident.severity}}\", High]`; give the rule's id, the GUID at the end of its resource id.",
};

pub static SPEC045: Code = Code {
    code: "SPEC045",
    title: "variable written in a parallel foreach",
    severity: Severity::Error,
    explanation: "A variable is set or appended to inside a `foreach` whose iterations run in parallel.",
    fix: "Add `sequential: true` to the loop.",
};

pub static SPEC046: Code = Code {
    code: "SPEC046",
    title: "actions nested too deeply",
    severity: Severity::Error,
    explanation: "Actions are nested in more than 8 container actions (`if`, `switch`, `foreach`, `scope`, and the failure-handling scope `Main`), the Logic Apps limit.",
    fix: "Move inner steps into another playbook, or set `on_failure: none`.",
};

pub static SPEC050: Code = Code {
    code: "SPEC050",
    title: "malformed text template",
    severity: Severity::Error,
    explanation: "A text template is malformed: unclosed `{{`, or `{{ }}` without a dotted name.",
    fix: "Close references with `}}`; write `{{incident.title}}`.",
};

pub static SPEC051: Code = Code {
    code: "SPEC051",
    title: "reference names nothing",
    severity: Severity::Error,
    explanation: "A reference names nothing: unknown root or field, a step output that does not exist, or a trigger field the playbook's trigger does not provide.",
    fix: "The nearest valid reference is suggested; see docs/references.md.",
};

pub static SPEC052: Code = Code {
    code: "SPEC052",
    title: "reference into a foreach from outside it",
    severity: Severity::Error,
    explanation: "A reference from outside a `foreach` to a step inside it.",
    fix: "Collect values in an array variable with `append_variable`.",
};

pub static SPEC053: Code = Code {
    code: "SPEC053",
    title: "entity list used in text",
    severity: Severity::Error,
    explanation: "`{{id.list}}` of `sentinel.get_entities` used in text.",
    fix: r#"In text write `{{id.text}}`; the list goes alone in a Jira description block: `- bullets: "{{id.list}}"`."#,
};

pub static SPEC054: Code = Code {
    code: "SPEC054",
    title: "reference where its language cannot hold it safely",
    severity: Severity::Error,
    explanation: "A reference sits where its language cannot hold it safely: in a `jql:` outside a quoted string.",
    fix: "Write it in double quotes (`summary ~ \"{{incident.title}}\"`): soarc escapes `\\`, `\"` and `'` in the value. See docs/escaping.md.",
};

pub static SPEC055: Code = Code {
    code: "SPEC055",
    title: "literal is not a value of the enumerated field",
    severity: Severity::Error,
    explanation: "A literal compared with an enumerated field (`equals`, `not_equals`, a `switch` case, `contains` on `incident.tactics`) is not one of its values, e.g. `Hgh` or `medium` for `incident.severity`: that branch would never run.",
    fix: "Use one of the listed values (case-sensitive); the nearest is suggested.",
};

pub static SPEC060: Code = Code {
    code: "SPEC060",
    title: "unknown mapping",
    severity: Severity::Error,
    explanation: "A field uses a mapping the spec does not define.",
    fix: "Declare it under `mappings:`; the nearest name is suggested.",
};

pub static SPEC070: Code = Code {
    code: "SPEC070",
    title: "Sentinel playbook without a workspace",
    severity: Severity::Error,
    explanation: "A Sentinel playbook is built without `deployment.workspace`.",
    fix: "Add `deployment: { workspace: { name: ... } }`: the playbook is granted Microsoft Sentinel Responder on it.",
};

pub static SPEC071: Code = Code {
    code: "SPEC071",
    title: "Key Vault secret cannot be located",
    severity: Severity::Error,
    explanation: "A Key Vault secret cannot be located for the parameters file.",
    fix: "Set `deployment.subscription_id` and `deployment.resource_group`, or `subscription_id`/`resource_group` on the `key_vault` reference.",
};

pub static SPEC072: Code = Code {
    code: "SPEC072",
    title: "playbook without diagnostic settings",
    severity: Severity::Warning,
    explanation: "A playbook gets no diagnostic settings because the spec has no `deployment.workspace` to send its run logs to.",
    fix: "Add `deployment: { workspace: { name: ... } }`; the playbooks then log `WorkflowRuntime` and `AllMetrics` to it.",
};

pub static SPEC073: Code = Code {
    code: "SPEC073",
    title: "Security Insights object id not set",
    severity: Severity::Warning,
    explanation: "Automation rules run spec playbooks, but `deployment.security_insights_object_id` is not set, so the rules' parameters files leave the required `SecurityInsightsObjectId` unset.",
    fix: "Set `deployment.security_insights_object_id` to the output of `az ad sp show --id 98785600-1bb7-4fb9-b9fa-19afe2c8a360 --query id -o tsv`, or deploy with `--parameters SecurityInsightsObjectId=$(az ad sp show ...)` (`main.bicepparam` reads `SECURITY_INSIGHTS_OBJECT_ID` from the environment).",
};

pub static SPEC074: Code = Code {
    code: "SPEC074",
    title: "Security Insights object id is not a GUID",
    severity: Severity::Error,
    explanation: "`deployment.security_insights_object_id` is not a GUID.",
    fix: "Write the object id of the *Azure Security Insights* service principal (`az ad sp show --id 98785600-1bb7-4fb9-b9fa-19afe2c8a360 --query id -o tsv`).",
};

pub static SPEC080: Code = Code {
    code: "SPEC080",
    title: "invalid Jira project key",
    severity: Severity::Error,
    explanation: "A Jira project key is not an upper-case letter followed by upper-case letters, digits or `_`.",
    fix: "Use the key, e.g. `SEC` (the nearest valid form is suggested).",
};

pub static SPEC081: Code = Code {
    code: "SPEC081",
    title: "invalid Jira label",
    severity: Severity::Error,
    explanation: "A Jira label is empty or contains spaces (Jira rejects them).",
    fix: "Write e.g. `security-incident`.",
};

pub static SPEC082: Code = Code {
    code: "SPEC082",
    title: "malformed Jira description block",
    severity: Severity::Error,
    explanation: "A Jira description block is malformed: empty text, unknown block kind, bad bullets or link.",
    fix: "Write the text or remove the block; blocks are `paragraph`, `heading`, `bullets`, `link`.",
};

pub static SPEC083: Code = Code {
    code: "SPEC083",
    title: "Key Vault in another subscription",
    severity: Severity::Error,
    explanation: "The Key Vault of a Jira secret or of the Teams webhook URL (`on_failure.teams`) is in another subscription than the playbook.",
    fix: "Keep the secret in a vault of the playbook's subscription (its identity gets Key Vault Secrets User there).",
};

pub static SPEC084: Code = Code {
    code: "SPEC084",
    title: "one vault in two resource groups",
    severity: Severity::Error,
    explanation: "Two Key Vault references name the same vault with different resource groups.",
    fix: "A vault lives in one resource group: give every reference to it the same `resource_group`.",
};

pub static SPEC085: Code = Code {
    code: "SPEC085",
    title: "name breaks Azure naming rules",
    severity: Severity::Error,
    explanation: "A name that becomes an Azure resource name breaks Azure's naming rules: a Key Vault name (3-24 letters, digits, hyphens, starting with a letter, no `--`), a secret name, a resource group (1-90, no trailing `.`), a workspace name, or a subscription id that is not a GUID.",
    fix: "Rename it as the message says (Learn: \"Naming rules and restrictions for Azure resources\").",
};

pub static SPEC086: Code = Code {
    code: "SPEC086",
    title: "credential written in the spec",
    severity: Severity::Error,
    explanation: "A credential is written in the spec: a secret-typed field (`password`, `api_token`, `personal_access_token`, an `http` step's `secrets:` entry) given a plain value, or a literal `Authorization`/API-key header, or a key or token in an `http` step's query or URL. The value is never printed.",
    fix: "Put it in Key Vault and write `{ key_vault: { vault: <vault>, secret: <name> } }`; in `http` steps declare it under `secrets:` and write `{{secrets.NAME}}`. Rotate the exposed value.",
};

pub static SPEC090: Code = Code {
    code: "SPEC090",
    title: "invalid retry policy",
    severity: Severity::Error,
    explanation: "A retry policy is outside Logic Apps' limits or malformed: `count` not 1 to 90, an interval that is not a duration or not between 5 seconds and 1 day, a minimum interval above the maximum, or minimum/maximum on a `fixed` policy.",
    fix: "Write e.g. `retry: { count: 5, interval: 30s }`, or `retry: none`. Durations are ISO 8601 (`PT30S`) or short (`30s`, `5m`, `1h`, `1d`).",
};

pub static SPEC091: Code = Code {
    code: "SPEC091",
    title: "on_failure cannot be honoured",
    severity: Severity::Error,
    explanation: "`on_failure` cannot be honoured: `comment: true` on a playbook without an incident (alert, recurrence or HTTP trigger), an e-mail without recipients or with an invalid address, or an `email.connection` that is not an `office365` connection.",
    fix: "Use `comment: false` with `teams:` or `email:`, fix the addresses, or declare `kind: office365` under `connections:`.",
};

pub static SPEC092: Code = Code {
    code: "SPEC092",
    title: "monitoring cannot be deployed",
    severity: Severity::Error,
    explanation: "The `monitoring` block cannot be deployed: no `deployment.workspace`, an alert threshold below 1, a window that is not a duration from 5 minutes to 1 day, a severity outside 0 to 4, or missing or invalid e-mail addresses.",
    fix: "Write e.g. `alert: { failures: 5, window: 1h, emails: [soc@contoso.com] }` and set `deployment.workspace`.",
};

pub static SPEC094: Code = Code {
    code: "SPEC094",
    title: "invalid sync polling interval or page size",
    severity: Severity::Error,
    explanation: "A `sync` polling interval (`poll_every`) is not `<n>m`/`<n>h` between 1 minute and 24 hours, or a `page_size` is out of range.",
    fix: "Write e.g. `poll_every: 5m`; ServiceNow pages hold 1-10000 records, Jira pages 1-100 issues.",
};

pub static SPEC095: Code = Code {
    code: "SPEC095",
    title: "classification lookup without default",
    severity: Severity::Error,
    explanation: "A `sentinel.close_incident` classification lookup (`from:`/`values:`) has no `default`.",
    fix: "The looked-up text (e.g. a ServiceNow close code) is open-ended: add `default: Undetermined`.",
};

pub static SPEC096: Code = Code {
    code: "SPEC096",
    title: "sentinel.get_entities inside a loop",
    severity: Severity::Error,
    explanation: "`sentinel.get_entities` inside a loop (`foreach`, `servicenow.query_incidents`, `jira.search_issues`): its results live in workflow variables that every iteration would share and add to.",
    fix: "Move the step before the loop and use `{{<id>.text}}` inside it.",
};

pub static SPEC100: Code = Code {
    code: "SPEC100",
    title: "not a managed API name",
    severity: Severity::Error,
    explanation: "The `api` of a `kind: managed` connection is not a managed API name: those are the last segment of `Microsoft.Web/locations/{location}/managedApis/{api}`, lowercase letters, digits and dashes.",
    fix: "Write the API's id as Azure spells it, e.g. `office365`, `teams`, `wdatp`, `azuread`, `azuremonitorlogs` (a hand-written template shows it in the connection's `api.id`).",
};

pub static SPEC101: Code = Code {
    code: "SPEC101",
    title: "connector cannot use a managed identity",
    severity: Severity::Error,
    explanation: "`authentication: managed_identity` on a connection whose connector authenticates signed-in users only (OAuth): Office 365 Outlook, Teams, Microsoft Entra ID, SharePoint.",
    fix: "Write `authentication: oauth` (or leave it out) and authorise the connection in the portal after deployment.",
};

pub static SPEC102: Code = Code {
    code: "SPEC102",
    title: "connection parameter not valid",
    severity: Severity::Error,
    explanation: "A `parameters` key of a `kind: managed` connection is not a connection parameter name.",
    fix: "Name parameters as the connector's reference does (letters, digits, `_`, `-`, `.`), e.g. `api_key`.",
};

pub static SPEC103: Code = Code {
    code: "SPEC103",
    title: "connection calls another API",
    severity: Severity::Error,
    explanation: "A typed connector step (`office365.send_email`, `teams.post_message`, `monitor_logs.run_query`, `defender.isolate_machine`, `entra.*`) names a connection of another managed API, or one that is not a managed connection.",
    fix: "Name a connection with the API the step calls, e.g. `{ kind: managed, api: teams }` for `teams.post_message`.",
};

pub static SPEC104: Code = Code {
    code: "SPEC104",
    title: "connector operation path not valid",
    severity: Severity::Error,
    explanation: "The `path` of a `connector` step does not start with `/`, or carries a query string or fragment (`?`, `#`).",
    fix: "Write the operation's path relative to the connector, e.g. `/v2/Mail`, and query parameters under `queries:`.",
};

pub static SPEC105: Code = Code {
    code: "SPEC105",
    title: "verbatim action not valid",
    severity: Severity::Error,
    explanation: "The `definition` of an `action` step is not one workflow action: not a mapping, no `type`, or a `runAfter` (soarc sequences the step).",
    fix: "Paste the action from the designer's code view without its name and without `runAfter`: `{ type: ..., inputs: ... }`.",
};

pub static SPEC106: Code = Code {
    code: "SPEC106",
    title: "expression in a verbatim action not valid",
    severity: Severity::Error,
    explanation: "A string of an `action` step's definition that starts with `@` (or holds `@{...}`) is not a valid workflow expression.",
    fix: "Fix the expression as the message shows; write `@@` for a literal `@` at the start of a string.",
};

pub static SPEC107: Code = Code {
    code: "SPEC107",
    title: "verbatim action names an unknown connection",
    severity: Severity::Error,
    explanation: "An `action` step reads `parameters('$connections')['<name>']`, and `<name>` is not a connection of the spec (`azuresentinel` is the implicit Sentinel connection).",
    fix: "Declare the connection under `connections:` with that name (e.g. `{ kind: managed, api: teams }`), or rename it in the expression.",
};

pub static SPEC108: Code = Code {
    code: "SPEC108",
    title: "connector step field not valid",
    severity: Severity::Error,
    explanation: "A field of a typed connector step is not valid: an e-mail step without recipients or with an address that is not one, an empty text the operation requires (subject, message, machine, user, team, channel, query).",
    fix: "The message names the field; give a value or a `{{...}}` reference.",
};

pub static SPEC109: Code = Code {
    code: "SPEC109",
    title: "query has no workspace",
    severity: Severity::Error,
    explanation: "`monitor_logs.run_query` needs the Log Analytics workspace: neither the step's `workspace` nor `deployment.workspace` is set, or no subscription and resource group are known for it.",
    fix: "Set `deployment.workspace` (with `deployment.subscription_id` and `deployment.resource_group`), or `workspace`, `resource_group` and `subscription_id` on the step.",
};

pub static SPEC120: Code = Code {
    code: "SPEC120",
    title: "both `deployment` and `environments`",
    severity: Severity::Error,
    explanation: "The spec has a `deployment:` block and `environments:`. Each environment is a complete deployment target, so the single `deployment:` would be ambiguous.",
    fix: "Move the `deployment:` block into `environments:` under a name (e.g. `prod:`), next to the other environments.",
};

pub static SPEC121: Code = Code {
    code: "SPEC121",
    title: "environment name is not usable in file names",
    severity: Severity::Error,
    explanation: "Environment names become part of parameters file names (`azuredeploy.parameters.<name>.json`, `main.<name>.bicepparam`) and of folder names, so they are lower-case letters, digits and `-`, starting with a letter, at most 40 characters.",
    fix: "Rename the environment, e.g. `prod`, `test`, `customer-a`.",
};

pub static SPEC122: Code = Code {
    code: "SPEC122",
    title: "`key_vaults` names a vault the spec does not use",
    severity: Severity::Error,
    explanation: "`key_vaults:` of a deployment or environment maps the Key Vault names the spec's connections use to the vaults of that target; this one is not used by any connection, so the mapping would do nothing.",
    fix: "Use the vault name written in the connection's `key_vault: { vault: ... }`, or remove the entry.",
};

pub static SPEC123: Code = Code {
    code: "SPEC123",
    title: "Repositories layout needs the workspace ID",
    severity: Severity::Error,
    explanation: "Sentinel Repositories picks a workspace's parameters files by the workspace ID (`azuredeploy.parameters-<WorkspaceID>.json`, `parameterfilemappings` of `sentinel-deployment.config`), so `soarc build --layout repositories` needs `workspace.id` of every environment.",
    fix: "Add `id: <Workspace ID>` to the environment's `workspace:` (the GUID shown as \"Workspace ID\" on the workspace's overview page, or `az monitor log-analytics workspace show -g <group> -n <name> --query customerId -o tsv`).",
};

pub static SPEC135: Code = Code {
    code: "SPEC135",
    title: "per-environment value missing",
    severity: Severity::Error,
    explanation: "The spec refers to a per-environment value with `{{env.NAME}}`, but an environment (or `deployment:`) does not give it under `values:`. Every environment deploys the same templates, so each must give every value the templates take.",
    fix: "Add `values: { NAME: ... }` to the environment the message names, or write the value in the spec instead of `{{env.NAME}}`.",
};

pub static SPEC136: Code = Code {
    code: "SPEC136",
    title: "per-environment value does not fit where it is used",
    severity: Severity::Error,
    explanation: "A per-environment value lands in a language: a ServiceNow instance or Jira site in connection parameters, request URLs and ticket links (an https URL), a Jira account's e-mail in its credentials (one address), an account name in a JSON string, alert recipients in an action group (e-mail addresses, one recipient each), a Jira project key in issue bodies, labels and JQL (an upper-case letter, then upper-case letters, digits or `_`), step text as text (not a list). Every environment's value is checked against what its place accepts, at the value's position, so a template never receives a value that would break it or add recipients; in step text the value is also encoded at run time for the language it lands in, as any reference.",
    fix: "Correct the value in the environment the message names: e.g. `https://contoso-test.service-now.com` for an instance, `soc-test@contoso.com` (or a list of addresses) for recipients.",
};

pub static SPEC137: Code = Code {
    code: "SPEC137",
    title: "per-environment value not used",
    severity: Severity::Error,
    explanation: "An environment gives a value under `values:` that no `{{env.NAME}}` in the spec refers to, so it would change nothing. Per-environment values are taken by a ServiceNow connection's `instance` and `username`, a Jira connection's `site`, `email` or `base_url`, by the items of `monitoring.alert.emails`, and by any step text (a Jira `project`, a summary, a query).",
    fix: "Write `\"{{env.NAME}}\"` in the field that differs per environment, or remove the value (a misspelt name is the usual cause).",
};

pub static SPEC138: Code = Code {
    code: "SPEC138",
    title: "per-environment value name not usable",
    severity: Severity::Error,
    explanation: "A value under `values:` becomes a template parameter (`snow_instance` becomes `EnvSnowInstance`), so its name is lower-case letters, digits and `_`, starting with a letter, at most 40 characters.",
    fix: "Rename the value, e.g. `snow_instance`, `alert_emails`.",
};

pub static SPEC139: Code = Code {
    code: "SPEC139",
    title: "a deployment fact differs between environments where the workflow needs one",
    severity: Severity::Error,
    explanation: "The workflow is the same in every environment. A step that takes a fact from the deployment target when the step does not give it (the subscription and resource group of `monitor_logs.run_query` on a named workspace) would get the first environment's value in every environment, so soarc refuses when the environments differ.",
    fix: "Give the value on the step itself (e.g. `subscription_id` and `resource_group` of `monitor_logs.run_query`), or make the environments agree.",
};

pub static SPEC140: Code = Code {
    code: "SPEC140",
    title: "a raw expression names an action the playbook does not have",
    severity: Severity::Error,
    explanation: "A `{{wdl: ...}}` expression reads an action's results with `body('X')`, `outputs('X')`, `actions('X')`, `result('X')`, `actionBody('X')` or `actionOutputs('X')`, but no action of the playbook is named `X`. Logic Apps refuses to save such a workflow (the same check as `soarc validate`'s WDL004).",
    fix: "Use the name of an action of this playbook (a step's `name:`, or the action name soarc gives it: `soarc build` writes them to workflow.json), or a `{{id.field}}` reference.",
};

pub static RULE001: Code = Code {
    code: "RULE001",
    title: "rule runs an unknown playbook",
    severity: Severity::Error,
    explanation: "An automation rule runs a playbook the spec does not define.",
    fix: "Name a playbook of the spec (the nearest is suggested) or give `{ resource_id: ... }` for an external one.",
};

pub static RULE002: Code = Code {
    code: "RULE002",
    title: "rule runs a playbook of the wrong trigger",
    severity: Severity::Error,
    explanation: "An incident rule runs a playbook that is not incident-triggered, or an alert rule one that is not alert-triggered.",
    fix: "Match the rule's `on:` to the playbook's trigger.",
};

pub static RULE003: Code = Code {
    code: "RULE003",
    title: "change condition on a created rule",
    severity: Severity::Error,
    explanation: "A change condition (`*_changed_*`, `*_added`) on a rule with `when: created`.",
    fix: "Use `when: updated`.",
};

pub static RULE004: Code = Code {
    code: "RULE004",
    title: "closing without a fitting classification",
    severity: Severity::Error,
    explanation: "A rule closes incidents without a classification, sets classification fields without closing, or uses a reason that does not fit the classification.",
    fix: "Set `status: Closed` with `classification` and a matching `classification_reason`.",
};

pub static RULE005: Code = Code {
    code: "RULE005",
    title: "two rules share an order",
    severity: Severity::Warning,
    explanation: "Two rules share an `order`; Sentinel then runs them in an unspecified order.",
    fix: "Give each rule its own order.",
};

pub static RULE006: Code = Code {
    code: "RULE006",
    title: "alert rule action other than a playbook",
    severity: Severity::Error,
    explanation: "An alert rule has an action other than running a playbook.",
    fix: "Alert rules can only run playbooks.",
};

pub static RULE007: Code = Code {
    code: "RULE007",
    title: "automation rule limit exceeded",
    severity: Severity::Error,
    explanation: "A limit is exceeded: order outside 1-1000, no or more than 20 actions, a group with fewer than 2 or more than 10 conditions, more than 50 conditions, a display name over 500 characters.",
    fix: "Stay within Sentinel's limits.",
};

pub static RULE008: Code = Code {
    code: "RULE008",
    title: "invalid automation rule value",
    severity: Severity::Error,
    explanation: "An invalid value: `expires` not an ISO-8601 date-time, a malformed external Logic App id or GUID, an empty display name, an owner without an id or e-mail, a `Group` owner without `object_id` (Sentinel assigns by object id).",
    fix: "Fix the value as the message says.",
};

pub static RULE009: Code = Code {
    code: "RULE009",
    title: "alert rule on updates",
    severity: Severity::Error,
    explanation: "An alert rule with `when: updated`.",
    fix: "Alert rules only trigger on creation.",
};

pub static RULE010: Code = Code {
    code: "RULE010",
    title: "rule name is a Windows device name",
    severity: Severity::Error,
    explanation: "An automation rule name is a Windows device name (`con`, `aux`, `nul`, `prn`, `com1`-`com9`, `lpt1`-`lpt9`, any case, also with an extension such as `con.txt`).",
    fix: "Rename the rule.",
};

pub static RULE011: Code = Code {
    code: "RULE011",
    title: "update rule re-fires on the playbooks' own tags",
    severity: Severity::Warning,
    explanation: "An update rule on `labels_added` runs playbooks while spec playbooks add tags themselves: \"Tag added\" fires for any new tag, so the rule runs again after each of those playbook runs.",
    fix: "Make the playbook's second run a no-op (soarc's ticket steps skip incidents that already carry their ticket tag; other steps run again), or narrow the rule (`when: created`, a tag condition the playbooks' own tags do not meet).",
};

pub static OUT001: Code = Code {
    code: "OUT001",
    title: "generated file violates its schema",
    severity: Severity::Error,
    explanation: "A generated file violates its own schema. Automation rules are checked in every build (their schema limits lengths and counts a spec can exceed); workflow definitions, templates and parameters files in debug builds and soarc's test suite, since their schemas are generated from the types that write them.",
    fix: "A bug in soarc: please report it with the spec.",
};

pub static OUT002: Code = Code {
    code: "OUT002",
    title: "Bicep cannot express a template construct",
    severity: Severity::Error,
    explanation: "The Bicep printer met an ARM construct it cannot translate.",
    fix: "A bug in soarc: please report it with the spec.",
};

pub static OUT003: Code = Code {
    code: "OUT003",
    title: "environments produce different templates",
    severity: Severity::Error,
    explanation: "Every environment deploys the same templates; only parameters files differ. A template that came out differently for two environments is a bug in soarc.",
    fix: "A bug in soarc: please report it with the spec.",
};

pub static OUT004: Code = Code {
    code: "OUT004",
    title: "no ordered deployment: too large for one template",
    severity: Severity::Warning,
    explanation: "The ordered deployment (`deploy/`, or `prerequisites/` in the Repositories layout) deploys each playbook as a nested deployment of one template, with the playbook's template inline. ARM accepts at most 800 resources and 4 MB in a template (Learn, \"Template limits\"): a spec whose ordered deployment would exceed either gets every other file, but not that template.",
    fix: "Deploy each playbook folder with its own `az deployment group create` (they are independent), then the automation rules and the monitoring; or split the spec.",
};

pub static TEST001: Code = Code {
    code: "TEST001",
    title: "test name empty or used twice",
    severity: Severity::Error,
    explanation: "A test has an empty name, or two tests share a name (across all spec files).",
    fix: "Name each test after what it shows; reports and `soarc test --filter` use the names.",
};

pub static TEST002: Code = Code {
    code: "TEST002",
    title: "test runs an unknown playbook",
    severity: Severity::Error,
    explanation: "A test runs a playbook the spec does not define (neither under `playbooks:` nor generated by `sync:`).",
    fix: "Name a playbook of the spec (the nearest is suggested).",
};

pub static TEST003: Code = Code {
    code: "TEST003",
    title: "test input does not fit the trigger",
    severity: Severity::Error,
    explanation: "A test's trigger input does not fit the playbook's trigger (`incident:` for a recurrence playbook, ...), or gives both sample fields and a whole `payload`.",
    fix: "Use the input of the playbook's trigger (`incident`, `alert`, `entity`), or `payload:` alone; recurrence playbooks take none (set the clock with `now:`).",
};

pub static TEST004: Code = Code {
    code: "TEST004",
    title: "test asserts nothing",
    severity: Severity::Error,
    explanation: "A test asserts nothing: an empty `expect`, a `calls`/`no_calls` entry that matches every call, `times` in `no_calls`, or an empty `known_defect`.",
    fix: "Say what the run must do, e.g. `expect: { status: Succeeded, calls: [{ operation: jira.create_issue }] }`.",
};

pub static TEST005: Code = Code {
    code: "TEST005",
    title: "unknown mock or operation",
    severity: Severity::Error,
    explanation: "(`soarc test`) A mock key or a call's `operation` is neither an operation the simulator knows nor an action of the playbook.",
    fix: "Use an operation name (listed in the message, the nearest suggested) or an action name of the generated `workflow.json`.",
};

pub static TEST006: Code = Code {
    code: "TEST006",
    title: "expectation names an unknown action",
    severity: Severity::Error,
    explanation: "(`soarc test`) An expectation names an action the playbook does not have.",
    fix: "Use an action name of the generated `workflow.json` (the nearest is suggested).",
};

pub static TEST007: Code = Code {
    code: "TEST007",
    title: "generated template cannot be simulated",
    severity: Severity::Error,
    explanation: "(`soarc test`) The generated template of a tested playbook cannot be loaded into the simulator.",
    fix: "A bug in soarc: please report it with the spec.",
};

/// Every code, in the order of `docs/errors.md`.
pub static IMP001: Code = Code {
    code: "IMP001",
    title: "import: file is not JSON",
    severity: Severity::Error,
    explanation: "The file given to `soarc import` is not valid JSON.",
    fix: "Give an ARM template (azuredeploy.json) or a workflow definition (workflow.json).",
};

pub static IMP002: Code = Code {
    code: "IMP002",
    title: "import: no workflow in the file",
    severity: Severity::Error,
    explanation: "The file has no `Microsoft.Logic/workflows` resource with a definition, and is not a workflow definition (`triggers` and `actions`, or `{ \"definition\": ... }`).",
    fix: "Give the template or workflow file of the playbook.",
};

pub static IMP003: Code = Code {
    code: "IMP003",
    title: "import: template expression that cannot be kept",
    severity: Severity::Error,
    explanation: "A template expression inside the workflow definition (or a workflow parameter's value) can neither be evaluated before deployment nor kept as a deployment value: it reads a resource (`listKeys()`, `reference()`), calls a function ARM allows only elsewhere (`newGuid()`, `utcNow()`), names a parameter or variable the template does not declare, or does not parse. (Template parameters without a value and deployment functions such as `subscription()` or `resourceId()` are kept: see docs/import.md.)",
    fix: "Write the value in place of the expression (or give the template parameter a value with --parameters), then import again.",
};

pub static IMP004: Code = Code {
    code: "IMP004",
    title: "import: definition key with no spec equivalent",
    severity: Severity::Error,
    explanation: "The workflow definition has a top-level key other than `$schema`, `contentVersion`, `parameters`, `triggers`, `actions` and `outputs`.",
    fix: "Remove the key from the definition, then import again.",
};

pub static IMP005: Code = Code {
    code: "IMP005",
    title: "import: not exactly one trigger",
    severity: Severity::Error,
    explanation: "A soarc playbook has exactly one trigger; the workflow has none or several.",
    fix: "Split the workflow into one playbook per trigger, then import each.",
};

pub static IMP006: Code = Code {
    code: "IMP006",
    title: "import: runAfter names no action of its block",
    severity: Severity::Error,
    explanation: "An action runs after an action that is not in the same block, or actions run after each other in a cycle. Logic Apps rejects such a workflow too.",
    fix: "Fix the workflow's runAfter, then import again.",
};

pub static IMP007: Code = Code {
    code: "IMP007",
    title: "import: action cannot be written as a step",
    severity: Severity::Error,
    explanation: "An action cannot be written in a spec: it is not an object, has no type, or has `{{` in its literal text, which a spec reads as a soarc reference.",
    fix: "The message names the action and its JSON pointer; change it as the help says, then import again.",
};

pub static IMP009: Code = Code {
    code: "IMP009",
    title: "import: custom connector without a name",
    severity: Severity::Error,
    explanation: "The workflow calls a custom connector (`Microsoft.Web/customApis`) whose name the template does not say (its id is only known at deployment), so the spec cannot name it.",
    fix: "Give the template parameter that names the custom connector a value (or use --parameters), or call the service with an `http` step instead, then import again.",
};

pub static SPEC115: Code = Code {
    code: "SPEC115",
    title: "`as_imported` value not valid",
    severity: Severity::Error,
    explanation: "A value under a playbook's `as_imported:` (written by `soarc import`) is not valid: a parameter declaration without a known `type`, or a `run_after` or `descriptions` entry naming no action of the playbook.",
    fix: "Import the playbook again, or correct the entry (the message names it).",
};

pub static IMP041: Code = Code {
    code: "IMP041",
    title: "import: parameters file not valid",
    severity: Severity::Error,
    explanation: "The file given with `soarc import --parameters` is not an ARM parameters file: not JSON, or without a `parameters` object.",
    fix: "Give the template's parameters file (`azuredeploy.parameters.json`), `{ \"parameters\": { \"name\": { \"value\": ... } } }`.",
};

pub static SPEC130: Code = Code {
    code: "SPEC130",
    title: "deployment value not valid",
    severity: Severity::Error,
    explanation: "A deployment value (`{ $arm: \"<ARM expression>\" }`, written by `soarc import` for a part of the workflow that only the deployment decides) is not valid: it is not an ARM expression, calls a function that reads resources (`reference()`, `listKeys()`) or that a spec cannot hold (`variables()`), names a parameter that `as_imported.template_parameters` does not declare, is not the only key of its object, or is written in a playbook without `as_imported:`.",
    fix: "Write the expression with `parameters('<name>')` of a declared template parameter and deployment functions (`subscription()`, `resourceGroup()`, `resourceId()`, `concat()`, ...), or write the value itself in its place.",
};

pub static SPEC131: Code = Code {
    code: "SPEC131",
    title: "template parameter not valid",
    severity: Severity::Error,
    explanation: "An entry of `as_imported.template_parameters` cannot be a parameter of the playbook's template: its name is one soarc's template already declares (`PlaybookName`, a connection's password, ...), or it is not a valid ARM parameter name.",
    fix: "Rename the parameter (here and in every `parameters('...')` that names it).",
};

pub static ALL: &[&Code] = &[
    &SPEC001, &SPEC002, &SPEC003, &SPEC004, &SPEC005, &SPEC020, &SPEC021, &SPEC022, &SPEC023,
    &SPEC024, &SPEC029, &SPEC030, &SPEC031, &SPEC032, &SPEC033, &SPEC034, &SPEC035, &SPEC036,
    &SPEC037, &SPEC038, &SPEC039, &SPEC040, &SPEC041, &SPEC042, &SPEC043, &SPEC044, &SPEC045,
    &SPEC046, &SPEC050, &SPEC051, &SPEC052, &SPEC053, &SPEC054, &SPEC055, &SPEC060, &SPEC070,
    &SPEC071, &SPEC072, &SPEC073, &SPEC074, &SPEC080, &SPEC081, &SPEC082, &SPEC083, &SPEC084,
    &SPEC085, &SPEC086, &SPEC090, &SPEC091, &SPEC092, &SPEC094, &SPEC095, &SPEC096, &SPEC100,
    &SPEC101, &SPEC102, &SPEC103, &SPEC104, &SPEC105, &SPEC106, &SPEC107, &SPEC108, &SPEC109,
    &SPEC115, &SPEC120, &SPEC121, &SPEC122, &SPEC123, &SPEC130, &SPEC131, &SPEC135, &SPEC136,
    &SPEC137, &SPEC138, &SPEC139, &SPEC140, &RULE001, &RULE002, &RULE003, &RULE004, &RULE005,
    &RULE006, &RULE007, &RULE008, &RULE009, &RULE010, &RULE011, &OUT001, &OUT002, &OUT003, &OUT004,
    &TEST001, &TEST002, &TEST003, &TEST004, &TEST005, &TEST006, &TEST007, &IMP001, &IMP002,
    &IMP003, &IMP004, &IMP005, &IMP006, &IMP007, &IMP009, &IMP041,
];
