//! Failure handling and health monitoring in the spec: retry policies, what a playbook does
//! when a run fails, and the monitoring workbook and alert.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{KeyVaultSecret, Located};

/// Defaults for every playbook of the spec; a playbook, a connection or a step overrides them.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Retry policy of outbound actions (ServiceNow, Sentinel, Jira, Key Vault, HTTP).
    /// Default: exponential, 3 retries, interval 10s, between 5s and 1h.
    #[serde(default)]
    pub retry: Option<Located<Retry>>,
    /// What a playbook does when a run fails. Default: comment on the incident (incident and
    /// entity triggers), then end the run as Failed.
    #[serde(default)]
    pub on_failure: Option<Located<OnFailure>>,
}

/// A retry policy: `none`, or a policy. The closest level wins as a whole (step, connection,
/// playbook, `defaults`); fields left out take the built-in values of the policy's type.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum Retry {
    /// `none`: do not retry.
    Keyword(RetryKeyword),
    /// An exponential or fixed interval policy.
    Policy(Box<RetryPolicy>),
}

/// `none`: the request is not resent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RetryKeyword {
    None,
}

/// Retry on 408, 429 and 5xx responses and on timeouts. Durations are ISO 8601 (`PT10S`) or
/// short (`10s`, `5m`, `1h`, `1d`), between 5 seconds and 1 day (Logic Apps' limits).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// `exponential` (default) or `fixed`.
    #[serde(rename = "type", default)]
    pub kind: RetryType,
    /// Number of retries, 1 to 90 (default 3).
    #[serde(default)]
    pub count: Option<Located<i64>>,
    /// Exponential: base of the growing delay (default 10s); fixed: the delay (default 10s).
    #[serde(default)]
    pub interval: Option<Located<String>>,
    /// Exponential only: smallest delay (default 5s).
    #[serde(default)]
    pub minimum_interval: Option<Located<String>>,
    /// Exponential only: largest delay (default 1h).
    #[serde(default)]
    pub maximum_interval: Option<Located<String>>,
}

/// Retry policy types.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RetryType {
    #[default]
    Exponential,
    Fixed,
}

/// What a playbook does when a step fails: the steps run in a scope `Main`; a scope
/// `On_failure` runs after it failed or timed out, sends the notifications below with the
/// failed action, its error, the run id and a link to the run, then ends the run as Failed.
/// `none` turns this off (steps run at the top level, as before).
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum OnFailure {
    /// `none`: no failure scope.
    Keyword(OnFailureKeyword),
    /// Notifications to send.
    Notify(Box<FailureNotifications>),
}

/// `none`: no failure handling scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnFailureKeyword {
    None,
}

/// Notifications of a failed run.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailureNotifications {
    /// Comment on the Sentinel incident (default: true for incident and entity triggers;
    /// other triggers have no incident).
    #[serde(default)]
    pub comment: Option<Located<bool>>,
    /// Post to a Microsoft Teams channel through an incoming webhook (Teams Workflows or
    /// connector webhook) whose URL is a Key Vault secret, read at run time.
    #[serde(default)]
    pub teams: Option<Located<TeamsNotification>>,
    /// Send an e-mail with an Office 365 Outlook connection.
    #[serde(default)]
    pub email: Option<Located<EmailNotification>>,
}

/// A Teams incoming webhook.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamsNotification {
    /// The webhook URL, in Key Vault (it is a credential: anyone with it can post).
    pub webhook: TeamsWebhook,
}

/// Where the webhook URL is kept.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamsWebhook {
    /// The Key Vault secret holding the URL.
    pub key_vault: KeyVaultSecret,
}

/// An e-mail through Office 365 Outlook (`office365` managed API, `Send an email (V2)`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailNotification {
    /// Recipients; an item `"{{env.NAME}}"` takes each environment's address or list of
    /// addresses (`values:`).
    pub to: Vec<Located<String>>,
    /// An `office365` connection (authorise it in the portal after deployment).
    pub connection: Located<String>,
}

/// Health monitoring of the playbooks, deployed from `OUT/monitoring/`: a workbook and a
/// failure alert on the Sentinel workspace, which receives the playbooks' run logs
/// (diagnostic settings). Needs `deployment.workspace`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {
    /// Deploy the "Playbook health" workbook (runs per playbook per hour, failure rate,
    /// latest failures). Default: true.
    #[serde(default = "yes")]
    pub workbook: bool,
    /// Alert when playbook runs fail.
    #[serde(default)]
    pub alert: Option<Located<FailureAlert>>,
}

/// `none` or a mapping, read without buffering (unlike `#[serde(untagged)]`) so the
/// positions of the values inside the mapping are kept for error messages.
macro_rules! keyword_or_map {
    ($ty:ident, $keyword:ident, $map:ident, $expecting:literal) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl<'de> serde::de::Visitor<'de> for Visitor {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        match v {
                            "none" => Ok($ty::Keyword($keyword::None)),
                            other => Err(E::invalid_value(
                                serde::de::Unexpected::Str(other),
                                &$expecting,
                            )),
                        }
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        map: A,
                    ) -> Result<$ty, A::Error> {
                        Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                            .map(|value| $ty::$map(Box::new(value)))
                    }
                }
                deserializer.deserialize_any(Visitor)
            }
        }
    };
}

keyword_or_map!(
    Retry,
    RetryKeyword,
    Policy,
    "`none` or a retry policy mapping"
);
keyword_or_map!(
    OnFailure,
    OnFailureKeyword,
    Notify,
    "`none` or a mapping of notifications"
);

fn yes() -> bool {
    true
}

/// A log alert on failed runs, per playbook.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailureAlert {
    /// Fire when a playbook has at least this many failed runs in the window (1 or more).
    pub failures: Located<i64>,
    /// The window, 5 minutes to 1 day: ISO 8601 (`PT1H`) or short (`15m`, `1h`).
    pub window: Located<String>,
    /// E-mail addresses of the action group; an item `"{{env.NAME}}"` takes each
    /// environment's address or list of addresses (`values:`).
    pub emails: Vec<Located<String>>,
    /// Alert severity, 0 (critical) to 4 (verbose). Default 2.
    #[serde(default)]
    pub severity: Option<Located<i64>>,
}
