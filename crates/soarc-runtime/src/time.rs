//! The virtual clock: instants as milliseconds since the Unix epoch, read from and written as
//! ISO 8601 / RFC 3339 UTC.
//!
//! Logic Apps writes timestamps in the .NET round-trip format "o",
//! `yyyy-MM-ddTHH:mm:ss.fffffffK` (Learn, expression functions reference, e.g. `addDays`:
//! "2018-03-25T00:00:00.0000000Z",
//! <https://learn.microsoft.com/azure/logic-apps/expression-functions-reference#addDays>).

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Millis = i64;

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fraction]]` with `Z`, `±HH:MM` or no zone
/// (read as UTC).
pub fn parse(text: &str) -> Option<Millis> {
    let b = text.trim().as_bytes();
    let num = |s: &[u8]| -> Option<i64> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) * 86_400_000;
    let rest = &b[10..];
    if rest.is_empty() {
        return Some(ms);
    }
    if rest[0] != b'T' && rest[0] != b't' && rest[0] != b' ' {
        return None;
    }
    let rest = &rest[1..];
    if rest.len() < 5 || rest[2] != b':' {
        return None;
    }
    let (h, mi) = (num(&rest[0..2])?, num(&rest[3..5])?);
    let mut i = 5;
    let mut s = 0;
    let mut frac_ms = 0;
    if rest.len() >= 8 && rest[5] == b':' {
        s = num(&rest[6..8])?;
        i = 8;
        if rest.len() > 8 && rest[8] == b'.' {
            let start = 9;
            let mut end = start;
            while end < rest.len() && rest[end].is_ascii_digit() {
                end += 1;
            }
            if end == start {
                return None;
            }
            let digits = &rest[start..end.min(start + 3)];
            frac_ms = num(digits)? * 10_i64.pow(3 - digits.len() as u32);
            i = end;
        }
    }
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    ms += ((h * 60 + mi) * 60 + s) * 1000 + frac_ms;
    let zone = &rest[i..];
    match zone {
        [] | [b'Z'] | [b'z'] => Some(ms),
        [sign @ (b'+' | b'-'), hh1, hh2, b':', mm1, mm2] => {
            let off = (num(&[*hh1, *hh2])? * 60 + num(&[*mm1, *mm2])?) * 60_000;
            Some(if *sign == b'+' { ms - off } else { ms + off })
        }
        _ => None,
    }
}

/// `yyyy-MM-ddTHH:mm:ss.fffffffZ`, the format Logic Apps writes.
pub fn format(ms: Millis) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s, f) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{f:03}0000Z")
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let t = parse("2026-03-01T08:30:15.5Z").unwrap();
        assert_eq!(format(t), "2026-03-01T08:30:15.5000000Z");
        assert_eq!(parse("2026-03-01T10:30:15.5+02:00"), Some(t));
        assert_eq!(
            format(parse("2024-02-29").unwrap()),
            "2024-02-29T00:00:00.0000000Z"
        );
        assert_eq!(parse("2023-02-29"), None);
        assert_eq!(parse("yesterday"), None);
        assert_eq!(format(0), "1970-01-01T00:00:00.0000000Z");
    }
}
