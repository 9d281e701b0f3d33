//! Retry policies: spec values to WDL `retryPolicy`, checked against Logic Apps' limits
//! (count 1 to 90, intervals from 5 seconds to 1 day), and durations.

use crate::codes;
use crate::spec::{Located, Retry, RetryKeyword, RetryType};
use soarc_lang::diagnostics::{Diagnostic, Span};
use soarc_lang::wdl::{RetryKind, RetryPolicy};

/// Logic Apps' bounds (Learn, "Handle errors and exceptions", retry policy limits).
pub const MAX_COUNT: i64 = soarc_lang::limits::MAX_RETRY_COUNT;
pub const MIN_INTERVAL: u64 = soarc_lang::limits::MIN_RETRY_INTERVAL_SECONDS;
pub const MAX_INTERVAL: u64 = soarc_lang::limits::MAX_RETRY_INTERVAL_SECONDS;

pub const DEFAULT_COUNT: u32 = 3;
pub const DEFAULT_INTERVAL: u64 = 10;
pub const DEFAULT_MINIMUM: u64 = 5;
pub const DEFAULT_MAXIMUM: u64 = 3_600;

/// The built-in policy: exponential, 3 retries, 10 s, between 5 s and 1 h.
pub fn default_policy() -> RetryPolicy {
    RetryPolicy {
        kind: RetryKind::Exponential,
        count: Some(DEFAULT_COUNT),
        interval: Some(iso(DEFAULT_INTERVAL)),
        minimum_interval: Some(iso(DEFAULT_MINIMUM)),
        maximum_interval: Some(iso(DEFAULT_MAXIMUM)),
    }
}

/// Seconds of a duration written as ISO 8601 (`PT10S`, `P1D`) or short (`10s`, `5m`, `1h`,
/// `1d`); `None` if it is neither or not whole seconds.
pub fn seconds(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.starts_with(['P', 'p']) {
        let s = soarc_lang::limits::duration_seconds(text)?;
        return (s.fract() == 0.0 && s >= 0.0).then_some(s as u64);
    }
    let unit = text.chars().last()?;
    let factor = match unit.to_ascii_lowercase() {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return None,
    };
    let number = &text[..text.len() - 1];
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    number.parse::<u64>().ok()?.checked_mul(factor)
}

/// The canonical ISO 8601 form: `P1D`, `PT1H30M`, `PT10S`.
pub use soarc_lang::limits::iso_duration as iso;

/// A duration of the spec in seconds, within `min..=max`; an error with its position if not.
pub fn duration_in(
    text: &Located<String>,
    what: &str,
    code: &'static str,
    (min, max): (u64, u64),
) -> Result<u64, Box<Diagnostic>> {
    let at = text.span.with_len(text.value.chars().count());
    let Some(value) = seconds(&text.value) else {
        return Err(Box::new(Diagnostic::error(
            code,
            format!("{what} `{}` is not a duration", text.value),
        )
        .at(at)
        .help("write an ISO 8601 duration (`PT30S`, `PT5M`, `PT1H`, `P1D`) or a short one (`30s`, `5m`, `1h`, `1d`)")));
    };
    if value < min || value > max {
        return Err(Box::new(
            Diagnostic::error(
                code,
                format!(
                    "{what} `{}` is outside {} to {}",
                    text.value,
                    friendly(min),
                    friendly(max)
                ),
            )
            .at(at)
            .help(format!(
                "use a duration from {} to {}",
                friendly(min),
                friendly(max)
            )),
        ));
    }
    Ok(value)
}

fn friendly(seconds: u64) -> String {
    match seconds {
        s if s % 86_400 == 0 => format!("{} day{}", s / 86_400, if s == 86_400 { "" } else { "s" }),
        s if s % 3_600 == 0 => format!("{} hour{}", s / 3_600, if s == 3_600 { "" } else { "s" }),
        s if s % 60 == 0 => format!("{} minute{}", s / 60, if s == 60 { "" } else { "s" }),
        s => format!("{s} seconds"),
    }
}

/// The WDL policy of a spec policy, or every problem found (SPEC090). `at` is the enclosing
/// position, for values whose own position serde could not keep (inside tagged enums).
pub fn policy(retry: &Located<Retry>, at: Span) -> Result<RetryPolicy, Vec<Diagnostic>> {
    let at = retry.span.or(at);
    let spec = match &retry.value {
        Retry::Keyword(RetryKeyword::None) => {
            return Ok(RetryPolicy {
                kind: RetryKind::None,
                count: None,
                interval: None,
                minimum_interval: None,
                maximum_interval: None,
            });
        }
        Retry::Policy(p) => p,
    };
    let mut errors = Vec::new();
    let count = match &spec.count {
        Some(count) if !(1..=MAX_COUNT).contains(&count.value) => {
            errors.push(
                Diagnostic::error(
                    codes::SPEC090.code,
                    format!(
                        "retry count {} is outside Logic Apps' limit of 1 to {MAX_COUNT}",
                        count.value
                    ),
                )
                .at(if count.span.is_known() {
                    count.span.with_len(count.value.to_string().len())
                } else {
                    at
                })
                .help(format!(
                    "use 1 to {MAX_COUNT} retries, or `retry: none` to turn retries off"
                )),
            );
            DEFAULT_COUNT
        }
        Some(count) => count.value as u32,
        None => DEFAULT_COUNT,
    };
    let mut interval = |value: &Option<Located<String>>, what: &str, default: u64| match value {
        Some(text) => {
            let text = Located::new(text.value.clone(), text.span.or(at));
            match duration_in(
                &text,
                what,
                codes::SPEC090.code,
                (MIN_INTERVAL, MAX_INTERVAL),
            ) {
                Ok(s) => s,
                Err(e) => {
                    errors.push(*e);
                    default
                }
            }
        }
        None => default,
    };
    let base = interval(&spec.interval, "retry interval", DEFAULT_INTERVAL);
    let policy = match spec.kind {
        RetryType::Fixed => {
            for extra in [&spec.minimum_interval, &spec.maximum_interval]
                .into_iter()
                .flatten()
            {
                errors.push(
                    Diagnostic::error(
                        codes::SPEC090.code,
                        "a fixed retry policy has no minimum or maximum interval",
                    )
                    .at(extra.span.or(at))
                    .help("remove it, or use `type: exponential`"),
                );
            }
            RetryPolicy {
                kind: RetryKind::Fixed,
                count: Some(count),
                interval: Some(iso(base)),
                minimum_interval: None,
                maximum_interval: None,
            }
        }
        RetryType::Exponential => {
            let minimum = interval(
                &spec.minimum_interval,
                "retry minimum interval",
                DEFAULT_MINIMUM,
            );
            let maximum = interval(
                &spec.maximum_interval,
                "retry maximum interval",
                DEFAULT_MAXIMUM.max(minimum),
            );
            if minimum > maximum {
                let at = spec
                    .minimum_interval
                    .as_ref()
                    .or(spec.maximum_interval.as_ref())
                    .map(|l| l.span.or(at))
                    .unwrap_or(at);
                errors.push(
                    Diagnostic::error(
                        codes::SPEC090.code,
                        format!(
                            "retry minimum interval {} is longer than the maximum interval {}",
                            iso(minimum),
                            iso(maximum)
                        ),
                    )
                    .at(at)
                    .help("the minimum interval must not exceed the maximum"),
                );
            }
            RetryPolicy {
                kind: RetryKind::Exponential,
                count: Some(count),
                interval: Some(iso(base)),
                minimum_interval: Some(iso(minimum)),
                maximum_interval: Some(iso(maximum)),
            }
        }
    };
    if errors.is_empty() {
        Ok(policy)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(seconds("10s"), Some(10));
        assert_eq!(seconds("5m"), Some(300));
        assert_eq!(seconds("1h"), Some(3600));
        assert_eq!(seconds("1d"), Some(86_400));
        assert_eq!(seconds("PT10S"), Some(10));
        assert_eq!(seconds("PT1H30M"), Some(5400));
        assert_eq!(seconds("P1D"), Some(86_400));
        assert_eq!(seconds("PT0.5S"), None);
        assert_eq!(seconds("10"), None);
        assert_eq!(seconds("ten s"), None);
        assert_eq!(seconds("s"), None);
        assert_eq!(iso(10), "PT10S");
        assert_eq!(iso(300), "PT5M");
        assert_eq!(iso(3600), "PT1H");
        assert_eq!(iso(5400), "PT1H30M");
        assert_eq!(iso(86_400), "P1D");
        assert_eq!(iso(90_000), "PT25H");
    }
}
