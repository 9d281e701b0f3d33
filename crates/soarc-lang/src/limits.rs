//! Documented limits of Logic Apps (Consumption) and ARM, and ISO-8601 durations, in one
//! place: the compiler refuses what the validator would flag, with the same numbers.
//!
//! Source: Learn, "Limits and configuration reference for Azure Logic Apps"
//! (<https://learn.microsoft.com/azure/logic-apps/logic-apps-limits-and-config>), sections
//! "Workflow definition limits" and "Retry policy limits", and "Handle errors and exceptions
//! in Azure Logic Apps" (<https://learn.microsoft.com/azure/logic-apps/error-exception-handling>).

/// Maximum nesting of container actions (Foreach, If, Switch, Scope, Until) in one another.
pub const MAX_NESTING_DEPTH: usize = 8;

/// Maximum number of actions in one workflow.
pub const MAX_ACTIONS_PER_WORKFLOW: usize = 500;

/// Maximum length of an action or trigger name, and of a Logic App (workflow) name.
pub const MAX_NAME_LENGTH: usize = 80;

/// Maximum length of one WDL expression, in characters.
pub const MAX_EXPRESSION_LENGTH: usize = 8192;

/// Retry policies: at most 90 retries.
pub const MAX_RETRY_COUNT: i64 = 90;

/// Retry policies: intervals from 5 seconds ...
pub const MIN_RETRY_INTERVAL_SECONDS: u64 = 5;

/// ... to one day.
pub const MAX_RETRY_INTERVAL_SECONDS: u64 = 86_400;

/// The canonical ISO 8601 form: `P1D`, `PT1H30M`, `PT10S`.
pub fn iso_duration(seconds: u64) -> String {
    if seconds > 0 && seconds.is_multiple_of(86_400) {
        return format!("P{}D", seconds / 86_400);
    }
    let (h, m, s) = (seconds / 3_600, seconds % 3_600 / 60, seconds % 60);
    let mut out = "PT".to_string();
    if h > 0 {
        out += &format!("{h}H");
    }
    if m > 0 {
        out += &format!("{m}M");
    }
    if s > 0 || (h == 0 && m == 0) {
        out += &format!("{s}S");
    }
    out
}

/// Seconds of an ISO 8601 duration `PnDTnHnMnS` (weeks too); `None` if malformed or if it
/// uses years or months (their length varies).
pub fn duration_seconds(s: &str) -> Option<f64> {
    let rest = s.strip_prefix(['P', 'p'])?;
    let (date, time) = match rest.find(['T', 't']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let mut total = 0.0;
    let mut any = false;
    let mut read = |part: &str, units: &[(char, f64)]| -> Option<()> {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' || c == ',' {
                number.push(if c == ',' { '.' } else { c });
                continue;
            }
            let factor = units.iter().find(|(u, _)| u.eq_ignore_ascii_case(&c))?.1;
            total += number.parse::<f64>().ok()? * factor;
            number.clear();
            any = true;
        }
        number.is_empty().then_some(())
    };
    read(date, &[('W', 604_800.0), ('D', 86_400.0)])?;
    if let Some(time) = time {
        if time.is_empty() {
            return None;
        }
        read(time, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)])?;
    }
    any.then_some(total)
}

#[cfg(test)]
mod tests {
    use super::duration_seconds;

    #[test]
    fn durations() {
        assert_eq!(duration_seconds("PT20S"), Some(20.0));
        assert_eq!(duration_seconds("P1D"), Some(86_400.0));
        assert_eq!(duration_seconds("P1DT1H"), Some(90_000.0));
        assert_eq!(duration_seconds("PT1.5M"), Some(90.0));
        assert_eq!(duration_seconds("P1W"), Some(604_800.0));
        assert_eq!(duration_seconds("P1M"), None, "months vary in length");
        assert_eq!(duration_seconds("PT"), None);
        assert_eq!(duration_seconds("20S"), None);
        assert_eq!(duration_seconds("PT5"), None);
    }
}
