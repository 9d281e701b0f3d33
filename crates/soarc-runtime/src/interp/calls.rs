//! Outbound calls: Http, ApiConnection and webhook actions, answered by the mocks, with
//! retry policies on the virtual clock.

use serde_json::{Value, json};
use soarc_lang::wdl::{Expr, Template};

use super::actions::text;
use super::graph::invalid_template;
use super::{Interp, Outcome, get_ci, object};
use crate::mocks::{CallInfo, MockResponse};
use crate::services;
use crate::trace::{ActionStatus, CallKind, CallTrace, ErrorInfo, RunStatus, SECURED};

/// Outbound request timeout: [LIM] "Outbound request ... Timeout duration: 120 seconds"
/// (Consumption). A mock that does not answer costs this much virtual time.
const REQUEST_TIMEOUT_MS: i64 = 120_000;

/// Seconds between polls of a 202's location when it names none (see [`Interp::send`]).
const DEFAULT_POLL_SECONDS: i64 = 20;
/// Polls of one 202 answer before the action times out, when no `limit.timeout` stops it
/// first: a mock that answers 202 forever would otherwise poll until the 90-day run limit.
const MAX_POLLS: u32 = 1_000;

/// A response header, by name ignoring case (HTTP header names are case-insensitive).
fn header<'a>(resp: &'a MockResponse, name: &str) -> Option<&'a Value> {
    resp.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// A retry policy: how many retries and the delay before retry `n` (1-based).
///
/// [EEH §Retry policies]: "If the trigger or action's original request times out or fails,
/// resulting in a 408, 429, or 5xx response, the retry policy specifies that the trigger or
/// action resend the request per policy settings." Types: default, none, fixed, exponential;
/// `count` is the number of retries (the `fixed` example "attempts ... two more times after
/// the first failed request"). Default: "an exponential interval policy that sends up to 4
/// retries at exponentially increasing intervals. These intervals scale by 7.5 seconds but
/// are capped between 5 and 45 seconds." Exponential waits "a random interval, which is
/// selected from an exponentially growing range" — soarc takes the upper end of the range
/// (min(interval × 2^(n-1), maximumInterval), at least minimumInterval) so runs are
/// deterministic.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Retry {
    pub count: u32,
    kind: RetryKind,
}

#[derive(Debug, Clone, PartialEq)]
enum RetryKind {
    Default,
    Fixed { interval: i64 },
    Exponential { interval: i64, min: i64, max: i64 },
}

impl Retry {
    pub(crate) fn from_policy(policy: Option<&Value>) -> Result<Retry, String> {
        let Some(p) = policy.filter(|p| !p.is_null()) else {
            return Ok(Retry {
                count: 4,
                kind: RetryKind::Default,
            });
        };
        let ty = get_ci(p, "type")
            .and_then(Value::as_str)
            .unwrap_or("default");
        let dur = |key: &str, default: i64| -> Result<i64, String> {
            match get_ci(p, key).and_then(Value::as_str) {
                None => Ok(default),
                Some(s) => soarc_lang::limits::duration_seconds(s)
                    .map(|x| (x * 1000.0) as i64)
                    .ok_or_else(|| format!("retryPolicy.{key} '{s}' is not an ISO 8601 duration")),
            }
        };
        let count = get_ci(p, "count")
            .and_then(|c| {
                c.as_u64()
                    .or_else(|| c.as_str().and_then(|s| s.parse().ok()))
            })
            .map(|c| c.min(90) as u32);
        Ok(match ty.to_ascii_lowercase().as_str() {
            "none" => Retry {
                count: 0,
                kind: RetryKind::Default,
            },
            "default" => Retry {
                count: 4,
                kind: RetryKind::Default,
            },
            "fixed" => Retry {
                count: count.unwrap_or(4),
                kind: RetryKind::Fixed {
                    interval: dur("interval", 7_500)?,
                },
            },
            "exponential" => Retry {
                count: count.unwrap_or(4),
                kind: RetryKind::Exponential {
                    interval: dur("interval", 7_500)?,
                    min: dur("minimumInterval", 5_000)?,
                    max: dur("maximumInterval", 86_400_000)?,
                },
            },
            other => {
                return Err(format!(
                    "retryPolicy type '{other}' is not one of default, none, fixed, exponential"
                ));
            }
        })
    }

    /// Milliseconds to wait before retry `n` (1-based).
    pub(crate) fn delay(&self, n: u32) -> i64 {
        let grow = |interval: i64| interval.saturating_mul(1_i64 << (n - 1).min(40));
        match self.kind {
            RetryKind::Default => grow(7_500).clamp(5_000, 45_000),
            RetryKind::Fixed { interval } => interval,
            RetryKind::Exponential { interval, min, max } => grow(interval).min(max).max(min),
        }
    }
}

/// Whether a status is retried: 408, 429 and 5xx [EEH].
fn retryable(status: u16) -> bool {
    status == 408 || status == 429 || (500..600).contains(&status)
}

/// The .NET `HttpStatusCode` name Logic Apps puts in an action's `code` ([EEH] result()
/// example: a 404 has code "NotFound").
pub(crate) fn status_name(status: u16) -> String {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "NoContent",
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        408 => "RequestTimeout",
        409 => "Conflict",
        412 => "PreconditionFailed",
        413 => "RequestEntityTooLarge",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        501 => "NotImplemented",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => return status.to_string(),
    }
    .to_string()
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `uri` with `queries` appended.
fn with_queries(uri: &str, queries: Option<&Value>) -> String {
    let Some(q) = queries.and_then(Value::as_object).filter(|q| !q.is_empty()) else {
        return uri.to_string();
    };
    let mut out = uri.to_string();
    let mut sep = if uri.contains('?') { '&' } else { '?' };
    for (k, v) in q {
        out.push(sep);
        out.push_str(&encode(k));
        out.push('=');
        out.push_str(&encode(&text(v)));
        sep = '&';
    }
    out
}

/// The `$connections` key in `@parameters('$connections')['key']['connectionId']`.
pub(crate) fn connection_key(raw: &str) -> Option<String> {
    let Ok(Template::Expr(e)) = Template::parse(raw) else {
        return None;
    };
    let mut node = &e;
    loop {
        match node {
            Expr::Index { base, index, .. } => {
                if let (Expr::Call { name, args }, Expr::Str(key)) = (&**base, &**index)
                    && name.eq_ignore_ascii_case("parameters")
                    && matches!(args.first(), Some(Expr::Str(p)) if p == "$connections")
                {
                    return Some(key.clone());
                }
                node = base;
            }
            Expr::Member { base, name, .. } => {
                if let Expr::Call { name: f, args } = &**base
                    && f.eq_ignore_ascii_case("parameters")
                    && matches!(args.first(), Some(Expr::Str(p)) if p == "$connections")
                {
                    return Some(name.clone());
                }
                node = base;
            }
            _ => return None,
        }
    }
}

/// One request to send.
struct Request {
    kind: CallKind,
    connection: Option<String>,
    method: String,
    uri: String,
    body: Value,
    /// Run-history masking of the trace's uri/body.
    hide_uri: bool,
    hide_body: bool,
    /// The uri/body themselves derive from secured data.
    secret_uri: bool,
    secret_body: bool,
}

impl Interp<'_> {
    fn secure_inputs(action: &Value) -> bool {
        action
            .pointer("/runtimeConfiguration/secureData/properties")
            .and_then(Value::as_array)
            .is_some_and(|p| {
                p.iter()
                    .any(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("inputs")))
            })
    }

    pub(crate) fn http_action(&mut self, name: &str, action: &Value) -> Outcome {
        let raw = action.get("inputs").unwrap_or(&Value::Null);
        let reads = self.reads_secured(raw);
        let inputs = match self.eval_json(raw) {
            Ok(v) => v,
            Err(e) => {
                let mut o = invalid_template(name, "inputs", e);
                o.hide_inputs = reads;
                return o;
            }
        };
        let hide = reads || Self::secure_inputs(action);
        let secret_uri = raw.get("uri").is_some_and(|u| self.reads_secret(u))
            || raw.get("queries").is_some_and(|u| self.reads_secret(u));
        let secret_body = raw.get("body").is_some_and(|u| self.reads_secret(u));
        let method = get_ci(&inputs, "method")
            .and_then(Value::as_str)
            .unwrap_or("GET")
            .to_ascii_uppercase();
        let uri = with_queries(
            &get_ci(&inputs, "uri").map(text).unwrap_or_default(),
            get_ci(&inputs, "queries"),
        );
        let req = Request {
            kind: CallKind::Http,
            connection: None,
            method,
            uri,
            body: get_ci(&inputs, "body").cloned().unwrap_or(Value::Null),
            hide_uri: hide,
            hide_body: hide,
            secret_uri,
            secret_body,
        };
        let mut o = self.send(
            name,
            action,
            req,
            get_ci(&inputs, "retryPolicy"),
            inputs.clone(),
        );
        o.hide_inputs |= reads;
        o
    }

    pub(crate) fn connector_action(&mut self, name: &str, kind: &str, action: &Value) -> Outcome {
        let raw = action.get("inputs").unwrap_or(&Value::Null);
        let reads = self.reads_secured(raw);
        let inputs = match self.eval_json(raw) {
            Ok(v) => v,
            Err(e) => {
                let mut o = invalid_template(name, "inputs", e);
                o.hide_inputs = reads;
                return o;
            }
        };
        let hide = reads || Self::secure_inputs(action);
        let raw_conn = raw
            .pointer("/host/connection/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        // The `$connections` key; else the last segment of the evaluated connection id.
        let connection = connection_key(raw_conn).or_else(|| {
            inputs
                .pointer("/host/connection/name")
                .map(text)
                .and_then(|s| s.rsplit('/').next().map(str::to_string))
                .filter(|s| !s.is_empty())
        });
        let method = get_ci(&inputs, "method")
            .and_then(Value::as_str)
            .unwrap_or(if kind == "apiconnection" {
                "GET"
            } else {
                "POST"
            })
            .to_ascii_uppercase();
        let path = get_ci(&inputs, "path").map(text).unwrap_or_default();
        let (kind_, uri) = if kind == "httpwebhook" {
            let sub = inputs
                .pointer("/subscribe/uri")
                .map(text)
                .unwrap_or_default();
            (CallKind::Http, sub)
        } else {
            (
                CallKind::Connector,
                with_queries(&path, get_ci(&inputs, "queries")),
            )
        };
        let req = Request {
            kind: kind_,
            connection: if kind == "httpwebhook" {
                None
            } else {
                connection
            },
            method,
            uri,
            body: get_ci(&inputs, "body").cloned().unwrap_or(Value::Null),
            hide_uri: hide,
            hide_body: hide,
            secret_uri: raw.get("path").is_some_and(|u| self.reads_secret(u))
                || raw.get("queries").is_some_and(|u| self.reads_secret(u)),
            secret_body: raw.get("body").is_some_and(|u| self.reads_secret(u)),
        };
        let mut o = self.send(
            name,
            action,
            req,
            get_ci(&inputs, "retryPolicy"),
            inputs.clone(),
        );
        o.hide_inputs |= reads;
        o
    }

    /// Sends one request (`req`, or a poll of `poll_uri`) to the mocks and records it in
    /// the trace; the answer, or the message that no mock answers it.
    fn call_once(
        &mut self,
        name: &str,
        req: &Request,
        poll_uri: Option<&str>,
    ) -> Result<MockResponse, String> {
        let (method, uri, body) = match poll_uri {
            Some(uri) => ("GET", uri, &Value::Null),
            None => (req.method.as_str(), req.uri.as_str(), &req.body),
        };
        let info = CallInfo {
            action: name,
            kind: req.kind,
            connection: req.connection.as_deref(),
            method,
            uri,
            body,
            operation: services::recognize(req.kind, req.connection.as_deref(), method, uri),
        };
        let answer = self.answer(&info).ok_or_else(|| {
            let shown = if req.secret_uri { SECURED } else { uri };
            services::missing_mock_message(&info, shown)
        });
        let operation = info.operation;
        // A Key Vault secret's answer is the secret (https://learn.microsoft.com/connectors/keyvault/#get-secret).
        if operation == Some("keyvault.get_secret") {
            self.secrets.insert(name.to_ascii_lowercase());
        }
        let mask = |v: &Value, hide: bool| {
            if hide && !v.is_null() {
                Value::String(SECURED.into())
            } else {
                v.clone()
            }
        };
        let (status, response) = match &answer {
            Ok(r) if r.timeout => (None, Value::Null),
            Ok(r) => (Some(r.status), r.body.clone()),
            Err(_) => (None, Value::Null),
        };
        self.calls.push(CallTrace {
            action: name.to_string(),
            kind: req.kind,
            connection: req.connection.clone(),
            method: method.to_string(),
            uri: if req.hide_uri {
                SECURED.into()
            } else {
                uri.to_string()
            },
            body: mask(body, req.hide_body),
            plain_uri: if req.secret_uri {
                SECURED.into()
            } else {
                uri.to_string()
            },
            plain_body: mask(body, req.secret_body),
            sent_body: body.clone(),
            operation: operation.map(str::to_string),
            status,
            response,
        });
        answer
    }

    /// Sends `req` with the retry policy and the asynchronous polling pattern; the action's
    /// outcome.
    fn send(
        &mut self,
        name: &str,
        action: &Value,
        req: Request,
        policy: Option<&Value>,
        inputs: Value,
    ) -> Outcome {
        let retry = match Retry::from_policy(policy) {
            Ok(r) => r,
            Err(e) => return Outcome::failed(inputs, "InvalidTemplate", e),
        };
        // [SCH §"Change asynchronous duration"]: `limit.timeout` bounds the action.
        let limit = action
            .pointer("/limit/timeout")
            .and_then(Value::as_str)
            .and_then(soarc_lang::limits::duration_seconds)
            .map(|s| (s * 1000.0) as i64);
        let timeout = limit.unwrap_or(REQUEST_TIMEOUT_MS).min(REQUEST_TIMEOUT_MS);
        let started = self.now;
        let mut attempts = 0;
        let missing = |this: &mut Self, inputs: Value, attempts: u32, message: String| {
            let error = ErrorInfo {
                code: "MissingMock".into(),
                message,
            };
            this.end_run(RunStatus::Failed, Some(error.clone()));
            let mut o = Outcome::failed(inputs, "MissingMock", error.message);
            o.attempts = attempts;
            o
        };
        loop {
            attempts += 1;
            let mut resp = match self.call_once(name, &req, None) {
                Ok(r) => r,
                Err(message) => return missing(self, inputs, attempts, message),
            };
            if resp.timeout {
                self.now += timeout;
            }
            // The asynchronous polling pattern (Learn, "Create custom APIs you can call
            // from Azure Logic Apps", §"Perform long-running tasks with the polling action
            // pattern", https://learn.microsoft.com/azure/logic-apps/logic-apps-create-api-app#async-pattern):
            // "When the engine gets an HTTP 202 ACCEPTED response and a valid location
            // header, the engine respects the asynchronous pattern and checks the location
            // header until your API returns a non-202 response"; "By default, the engine
            // checks every 20 seconds", or after the `retry-after` header's seconds.
            // `operationOptions: DisableAsyncPattern` keeps the 202 as the answer [SCH
            // §"Turn off asynchronous pattern"]. Polling stops at the action's
            // `limit.timeout` (the action then times out) or after MAX_POLLS polls.
            let mut polls = 0;
            while !resp.timeout
                && resp.status == 202
                && !Self::async_disabled(action)
                && let Some(location) = header(&resp, "location").map(text)
            {
                if polls == MAX_POLLS || limit.is_some_and(|l| self.now - started >= l) {
                    let mut o = Outcome::failed(
                        inputs,
                        "ActionTimedOut",
                        format!(
                            "'{name}' was still answered 202 Accepted after {polls} polls of its location header ({}); mock a final answer (a status other than 202) for the GET of that URL",
                            if req.secret_uri {
                                SECURED
                            } else {
                                location.as_str()
                            }
                        ),
                    );
                    o.status = ActionStatus::TimedOut;
                    o.attempts = attempts;
                    return o;
                }
                let wait = header(&resp, "retry-after")
                    .and_then(|v| {
                        v.as_i64()
                            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                    })
                    .filter(|s| *s >= 0)
                    .unwrap_or(DEFAULT_POLL_SECONDS);
                self.now += wait * 1000;
                polls += 1;
                resp = match self.call_once(name, &req, Some(&location)) {
                    Ok(r) => r,
                    Err(message) => return missing(self, inputs, attempts, message),
                };
            }
            let again = resp.timeout || retryable(resp.status);
            if !again || attempts > retry.count {
                return self.finish(name, inputs, resp, attempts, &req);
            }
            self.now += retry.delay(attempts);
        }
    }

    /// Whether `operationOptions` turns the asynchronous pattern off.
    fn async_disabled(action: &Value) -> bool {
        action
            .get("operationOptions")
            .and_then(Value::as_str)
            .is_some_and(|o| {
                o.split(',')
                    .any(|x| x.trim().eq_ignore_ascii_case("DisableAsyncPattern"))
            })
    }

    fn finish(
        &mut self,
        name: &str,
        inputs: Value,
        resp: MockResponse,
        attempts: u32,
        req: &Request,
    ) -> Outcome {
        if resp.timeout {
            // Logic Apps marks a timed-out action so that `runAfter: TimedOut` catches it
            // ([EEH] statuses; [SCH] "the action's status is marked as Cancelled with the
            // ActionTimedOut code").
            let mut o = Outcome::failed(
                inputs,
                "ActionTimedOut",
                format!(
                    "'{name}' got no answer in time ({attempts} attempt{})",
                    if attempts == 1 { "" } else { "s" }
                ),
            );
            o.status = ActionStatus::TimedOut;
            o.attempts = attempts;
            return o;
        }
        let detail = if resp.status >= 400 {
            error_detail(&resp.body)
        } else {
            String::new()
        };
        let outputs = object([
            ("statusCode", Value::from(resp.status)),
            ("headers", Value::Object(resp.headers.into_iter().collect())),
            ("body", resp.body),
        ]);
        let code = status_name(resp.status);
        // A status of 400 or more fails the action once retries are spent (Learn's result()
        // example: a 404 answer has status "Failed" [EEH]).
        if resp.status >= 400 {
            let target = if req.hide_uri {
                "the request".to_string()
            } else {
                format!("{} {}", req.method, req.uri)
            };
            let mut o = Outcome::failed(
                inputs,
                &code,
                format!(
                    "{target} answered {} ({code}){}{}",
                    resp.status,
                    if attempts > 1 {
                        format!(" after {attempts} attempts")
                    } else {
                        String::new()
                    },
                    if detail.is_empty() {
                        String::new()
                    } else {
                        format!(": {detail}")
                    }
                ),
            );
            o.outputs = outputs;
            o.attempts = attempts;
            o.code = code;
            return o;
        }
        let mut o = Outcome::ok(inputs, outputs);
        o.attempts = attempts;
        o.code = code;
        o
    }

    /// The answer to one request: a user mock, a built-in service mock, the generic mock,
    /// or the message that no mock answers it.
    fn answer(&mut self, info: &CallInfo<'_>) -> Option<MockResponse> {
        let mocks = &self.options.mocks.mocks;
        if let Some(i) = mocks.iter().position(|m| m.matches(info)) {
            let uses = self.mock_uses[i];
            self.mock_uses[i] += 1;
            let respond = &mocks[i].respond;
            let r = match respond.get(uses.min(respond.len().saturating_sub(1))) {
                Some(r) => r.clone(),
                None => MockResponse::status(200),
            };
            // A record the user's mock created exists in the service from then on: a later
            // query, read or update of it reaches the built-in store.
            self.services.remember_created(info, &r);
            return Some(r);
        }
        if let Some(r) = self.services.answer(info) {
            return Some(r);
        }
        if self.options.generic_mocks && info.kind == CallKind::Connector {
            return Some(MockResponse::json(200, json!({})));
        }
        None
    }
}

/// A short reason from an error body (`error.message`, `errorMessages`, `message`, text).
fn error_detail(body: &Value) -> String {
    let found = body
        .pointer("/error/message")
        .or_else(|| body.pointer("/errorMessages/0"))
        .or_else(|| body.get("message"))
        .cloned()
        .or_else(|| body.as_str().map(|s| Value::String(s.to_string())));
    let s = found.map(|v| text(&v)).unwrap_or_default();
    if s.chars().count() > 200 {
        s.chars().take(200).collect::<String>() + "…"
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_policies() {
        let d = Retry::from_policy(None).unwrap();
        assert_eq!(d.count, 4);
        assert_eq!(
            (1..=4).map(|n| d.delay(n)).collect::<Vec<_>>(),
            vec![7_500, 15_000, 30_000, 45_000]
        );
        let none = Retry::from_policy(Some(&json!({"type": "none"}))).unwrap();
        assert_eq!(none.count, 0);
        let fixed = Retry::from_policy(Some(
            &json!({"type": "fixed", "count": 2, "interval": "PT30S"}),
        ))
        .unwrap();
        assert_eq!(
            (fixed.count, fixed.delay(1), fixed.delay(2)),
            (2, 30_000, 30_000)
        );
        let exp = Retry::from_policy(Some(&json!({"type": "exponential", "count": 3, "interval": "PT10S", "minimumInterval": "PT5S", "maximumInterval": "PT25S"}))).unwrap();
        assert_eq!(
            (1..=3).map(|n| exp.delay(n)).collect::<Vec<_>>(),
            vec![10_000, 20_000, 25_000]
        );
        assert!(Retry::from_policy(Some(&json!({"type": "sometimes"}))).is_err());
    }

    #[test]
    fn connection_keys_and_queries() {
        assert_eq!(
            connection_key("@parameters('$connections')['azuresentinel']['connectionId']")
                .as_deref(),
            Some("azuresentinel")
        );
        assert_eq!(
            connection_key("@parameters('$connections').keyvault.connectionId").as_deref(),
            Some("keyvault")
        );
        assert_eq!(
            with_queries("/a", Some(&json!({"q": "x=1^y", "n": 5}))),
            "/a?q=x%3D1%5Ey&n=5"
        );
    }
}
