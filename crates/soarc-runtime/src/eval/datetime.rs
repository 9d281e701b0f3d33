//! Date and time functions ([FN] §"Date and time functions").
//!
//! Timestamps are strings; they are read as .NET's `DateTime.Parse` reads them (ISO 8601,
//! `M/d/yyyy [h:mm[:ss] [AM|PM]]` in en-US, RFC 1123) and written with the format argument,
//! by default "o" (`yyyy-MM-ddTHH:mm:ss.fffffffK`: [FN] "The default format for the timestamp
//! is "o""). `K` prints "Z" for a timestamp given in UTC (`addDays('2018-03-15T00:00:00Z', 10)`
//! is "2018-03-25T00:00:00.0000000Z") and nothing for one without a zone
//! (`formatDateTime('03/15/2018')` is "2018-03-15T00:00:00.0000000"). A timestamp with an
//! offset is converted to UTC. The clock is the run's virtual clock ([`super::Env::now`]).
//! Time zones are Windows time zone names ([FN] §convertFromUtc: "Microsoft Windows Default
//! Time Zones"), mapped to the IANA zones of the bundled tz database (CLDR windowsZones).

use std::borrow::Cow;

use serde_json::Value;

use super::EvalError;
use super::call::{Args, R};
use super::dotnet::{
    self, Culture, EN_US, Kind, MAX_TICKS, TICKS_PER_DAY, TICKS_PER_SECOND, days_from_civil,
    days_in_month, format_datetime, parts,
};

/// A point in time as .NET's DateTime: ticks since 0001-01-01 and whether it is UTC.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stamp {
    pub ticks: i64,
    pub kind: Kind,
}

/// Ticks of 1970-01-01T00:00:00Z.
const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;

pub(crate) fn call<'a>(a: &mut Args<'_, 'a>) -> R<'a> {
    let v = match a.name {
        "addDays" => add_fixed(a, TICKS_PER_DAY),
        "addHours" => add_fixed(a, 3600 * TICKS_PER_SECOND),
        "addMinutes" => add_fixed(a, 60 * TICKS_PER_SECOND),
        "addSeconds" => add_fixed(a, TICKS_PER_SECOND),
        "addToTime" => {
            let s = stamp(a, 0)?;
            let r = add_unit(a, s, a.int(1)?, a.str(2)?)?;
            out(a, r, 3)
        }
        "subtractFromTime" => {
            let s = stamp(a, 0)?;
            let n = a
                .int(1)?
                .checked_neg()
                .ok_or_else(|| a.err("interval is out of range"))?;
            let r = add_unit(a, s, n, a.str(2)?)?;
            out(a, r, 3)
        }
        "getFutureTime" | "getPastTime" => {
            let now = now(a)?;
            let n = a.int(0)?;
            let n = if a.name == "getPastTime" {
                n.checked_neg()
                    .ok_or_else(|| a.err("interval is out of range"))?
            } else {
                n
            };
            let r = add_unit(a, now, n, a.str(1)?)?;
            out(a, r, 2)
        }
        "utcNow" => {
            let now = now(a)?;
            out(a, now, 0)
        }
        "convertFromUtc" => {
            let s = stamp(a, 0)?;
            let tz = zone(a, 1)?;
            let local = from_utc(a, s.ticks, &tz)?;
            let kind = if is_utc(a.str(1)?) {
                Kind::Utc
            } else {
                Kind::Unspecified
            };
            out(a, Stamp { ticks: local, kind }, 2)
        }
        "convertToUtc" => {
            // A timestamp already in UTC only converts from the UTC zone (measured,
            // tomdam/flowforger `datetime.ts`); one with an offset is already an instant.
            let s = stamp(a, 0)?;
            let tz = zone(a, 1)?;
            if s.kind == Kind::Utc && !is_utc(a.str(1)?) {
                return Err(a.err(format_args!(
                    "expects its second parameter to be a time zone matching the time zone indicated by the timestamp. The provided value '{}' does not match",
                    a.str(1)?
                )));
            }
            let utc = match s.kind {
                Kind::Unspecified => to_utc(a, s.ticks, &tz)?,
                _ => s.ticks,
            };
            out(
                a,
                Stamp {
                    ticks: utc,
                    kind: Kind::Utc,
                },
                2,
            )
        }
        "convertTimeZone" => {
            let s = stamp(a, 0)?;
            let (src, dst) = (zone(a, 1)?, zone(a, 2)?);
            // Only a timestamp without a zone is read in the source zone.
            let utc = match s.kind {
                Kind::Unspecified => to_utc(a, s.ticks, &src)?,
                _ => s.ticks,
            };
            let kind = if is_utc(a.str(2)?) {
                Kind::Utc
            } else {
                Kind::Unspecified
            };
            let local = from_utc(a, utc, &dst)?;
            out(a, Stamp { ticks: local, kind }, 3)
        }
        "dateDifference" => {
            // [FN] §dateDifference: `dateDifference('2015-02-08', '2018-07-30')` is
            // "1268.00:00:00" (.NET TimeSpan "c" format).
            let (s, e) = (stamp(a, 0)?, stamp(a, 1)?);
            Ok(Value::String(timespan(e.ticks - s.ticks)))
        }
        "dayOfMonth" => Ok(Value::from(parts(stamp(a, 0)?.ticks).day)),
        // [FN] §dayOfWeek: "Sunday is 0, Monday is 1, and so on".
        "dayOfWeek" => Ok(Value::from(parts(stamp(a, 0)?.ticks).weekday)),
        "dayOfYear" => {
            let p = parts(stamp(a, 0)?.ticks);
            Ok(Value::from(
                days_from_civil(p.year, p.month, p.day) - days_from_civil(p.year, 1, 1) + 1,
            ))
        }
        "formatDateTime" => {
            let s = stamp(a, 0)?;
            let culture = dotnet::culture(a, 2)?;
            let format = a.opt_str(1)?.unwrap_or("o");
            format_datetime(s.ticks, s.kind, format, culture)
                .map(Value::String)
                .map_err(|why| bad_format(a, format, &why))
        }
        "parseDateTime" => parse_date_time(a),
        "startOfDay" => {
            let s = stamp(a, 0)?;
            out(
                a,
                Stamp {
                    ticks: s.ticks - s.ticks.rem_euclid(TICKS_PER_DAY),
                    ..s
                },
                1,
            )
        }
        "startOfHour" => {
            let s = stamp(a, 0)?;
            let hour = 3600 * TICKS_PER_SECOND;
            out(
                a,
                Stamp {
                    ticks: s.ticks - s.ticks.rem_euclid(hour),
                    ..s
                },
                1,
            )
        }
        "startOfMonth" => {
            let s = stamp(a, 0)?;
            let p = parts(s.ticks);
            out(
                a,
                Stamp {
                    ticks: days_from_civil(p.year, p.month, 1) * TICKS_PER_DAY,
                    ..s
                },
                1,
            )
        }
        // [FN] §ticks: 100-nanosecond intervals since 0001-01-01 (DateTime.Ticks).
        "ticks" => Ok(Value::from(stamp(a, 0)?.ticks)),
        other => unreachable!("{other} is not a date/time function"),
    };
    v.map(Cow::Owned)
}

fn bad_format(a: &Args, format: &str, why: &str) -> EvalError {
    a.err(format_args!(
        "was given the format '{format}', which is not valid ({why}); use a .NET standard format such as 'o', 'u', 'd' or a custom pattern such as 'yyyy-MM-dd'"
    ))
}

/// The timestamp argument `i`.
fn stamp(a: &Args, i: usize) -> Result<Stamp, EvalError> {
    let s = a.str(i)?;
    parse_timestamp(s, EN_US).ok_or_else(|| {
        EvalError::new(format!(
            "In function '{}', the value provided for date time string '{s}' was not valid. The datetime string must match ISO 8601 format, e.g. '2018-03-15T13:00:00Z'.",
            a.name
        ))
    })
}

fn now(a: &Args) -> Result<Stamp, EvalError> {
    let s = a.ctx.env.now();
    parse_timestamp(&s, EN_US).ok_or_else(|| {
        a.err(format_args!(
            "cannot read the run's clock value '{s}' as a timestamp"
        ))
    })
}

/// The result as a string in the format argument `fmt_index` (default "o", en-US).
fn out(a: &Args, s: Stamp, fmt_index: usize) -> Result<Value, EvalError> {
    if !(0..=MAX_TICKS).contains(&s.ticks) {
        return Err(a.err("produced a date outside the range 0001-01-01 to 9999-12-31"));
    }
    let format = a.opt_str(fmt_index)?.unwrap_or("o");
    format_datetime(s.ticks, s.kind, format, EN_US)
        .map(Value::String)
        .map_err(|why| bad_format(a, format, &why))
}

fn add_fixed(a: &Args, unit: i64) -> Result<Value, EvalError> {
    let s = stamp(a, 0)?;
    let n = a.int(1)?;
    let ticks = n
        .checked_mul(unit)
        .and_then(|d| s.ticks.checked_add(d))
        .ok_or_else(|| a.err("produced a date outside the range 0001-01-01 to 9999-12-31"))?;
    out(a, Stamp { ticks, ..s }, 2)
}

/// Adds `n` units: "Second", "Minute", "Hour", "Day", "Week", "Month", "Year" ([FN]
/// §addToTime). Months and years keep the day, clamped to the month's last day (.NET
/// `AddMonths`).
fn add_unit(a: &Args, s: Stamp, n: i64, unit: &str) -> Result<Stamp, EvalError> {
    let u = unit.trim().to_ascii_lowercase();
    let u = u.strip_suffix('s').unwrap_or(&u);
    let fixed = match u {
        "second" => Some(TICKS_PER_SECOND),
        "minute" => Some(60 * TICKS_PER_SECOND),
        "hour" => Some(3600 * TICKS_PER_SECOND),
        "day" => Some(TICKS_PER_DAY),
        "week" => Some(7 * TICKS_PER_DAY),
        "month" | "year" => None,
        _ => {
            return Err(a.err(format_args!(
                "was given the time unit '{unit}'; use one of 'Second', 'Minute', 'Hour', 'Day', 'Week', 'Month', 'Year'"
            )));
        }
    };
    let range = || a.err("produced a date outside the range 0001-01-01 to 9999-12-31");
    let ticks = match fixed {
        Some(t) => n
            .checked_mul(t)
            .and_then(|d| s.ticks.checked_add(d))
            .ok_or_else(range)?,
        None => {
            let months = if u == "year" {
                n.checked_mul(12).ok_or_else(range)?
            } else {
                n
            };
            let p = parts(s.ticks);
            let total = (p.year * 12 + p.month - 1)
                .checked_add(months)
                .ok_or_else(range)?;
            let (y, m) = (total.div_euclid(12), total.rem_euclid(12) + 1);
            if !(1..=9999).contains(&y) {
                return Err(range());
            }
            let d = p.day.min(days_in_month(y, m));
            days_from_civil(y, m, d) * TICKS_PER_DAY + s.ticks.rem_euclid(TICKS_PER_DAY)
        }
    };
    if !(0..=MAX_TICKS).contains(&ticks) {
        return Err(range());
    }
    Ok(Stamp { ticks, ..s })
}

/// .NET TimeSpan "c": `[-][d.]hh:mm:ss[.fffffff]`.
fn timespan(ticks: i64) -> String {
    let neg = ticks < 0;
    let t = ticks.unsigned_abs();
    let tps = TICKS_PER_SECOND as u64;
    let days = t / TICKS_PER_DAY as u64;
    let secs = t / tps % 86_400;
    let frac = t % tps;
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    if days > 0 {
        s.push_str(&format!("{days}."));
    }
    s.push_str(&format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    ));
    if frac > 0 {
        s.push_str(&format!(".{frac:07}"));
    }
    s
}

// ---- parsing ----

fn ticks_of(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, frac: i64) -> Option<i64> {
    if !(1..=9999).contains(&y)
        || !(1..=12).contains(&mo)
        || d < 1
        || d > days_in_month(y, mo)
        || !(0..24).contains(&h)
        || !(0..60).contains(&mi)
        || !(0..60).contains(&s)
    {
        return None;
    }
    Some(
        days_from_civil(y, mo, d) * TICKS_PER_DAY
            + ((h * 60 + mi) * 60 + s) * TICKS_PER_SECOND
            + frac,
    )
}

/// Reads 1..=max digits at `*i`.
fn digits(b: &[u8], i: &mut usize, min: usize, max: usize) -> Option<(i64, usize)> {
    let start = *i;
    while *i < b.len() && *i - start < max && b[*i].is_ascii_digit() {
        *i += 1;
    }
    let n = *i - start;
    if n < min {
        return None;
    }
    std::str::from_utf8(&b[start..*i])
        .ok()?
        .parse()
        .ok()
        .map(|v| (v, n))
}

/// Fraction digits as ticks (first 7 digits, the rest truncated).
fn fraction(b: &[u8], i: &mut usize) -> i64 {
    let start = *i;
    while *i < b.len() && b[*i].is_ascii_digit() {
        *i += 1;
    }
    let mut f = 0i64;
    for k in 0..7 {
        f = f * 10
            + b.get(start + k)
                .filter(|_| start + k < *i)
                .map_or(0, |c| (c - b'0') as i64);
    }
    f
}

/// A zone suffix: `Z`, `±hh:mm`, `±hhmm`, `±hh`, `GMT`, `UTC`. Returns the offset in seconds.
fn zone_suffix(b: &[u8], i: &mut usize) -> Option<Option<i64>> {
    while *i < b.len() && b[*i] == b' ' {
        *i += 1;
    }
    let rest = &b[*i..];
    if rest.is_empty() {
        return Some(None);
    }
    if rest.eq_ignore_ascii_case(b"z")
        || rest.eq_ignore_ascii_case(b"gmt")
        || rest.eq_ignore_ascii_case(b"utc")
    {
        *i = b.len();
        return Some(Some(0));
    }
    let sign = match rest[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    *i += 1;
    let (h, _) = digits(b, i, 2, 2)?;
    if *i < b.len() && b[*i] == b':' {
        *i += 1;
    }
    let m = if *i < b.len() {
        digits(b, i, 2, 2)?.0
    } else {
        0
    };
    if h > 14 || m > 59 {
        return None;
    }
    Some(Some(sign * (h * 3600 + m * 60)))
}

/// A wall-clock time with its zone: `Z`/`GMT`/`UTC` make it UTC; an offset converts it to UTC
/// and makes it local (printed "+00:00"); no zone leaves it unspecified.
fn zoned(ticks: i64, offset: Option<i64>, utc: bool) -> Stamp {
    match offset {
        None => Stamp {
            ticks,
            kind: Kind::Unspecified,
        },
        Some(0) if utc => Stamp {
            ticks,
            kind: Kind::Utc,
        },
        Some(off) => Stamp {
            ticks: ticks - off * TICKS_PER_SECOND,
            kind: Kind::Local,
        },
    }
}

/// Whether a timestamp's zone is written as UTC (`Z`, `GMT`, `UTC`) rather than an offset.
fn iso_z(s: &str) -> bool {
    let t = s.trim_end().to_ascii_lowercase();
    t.ends_with('z') || t.ends_with("gmt") || t.ends_with("utc")
}

/// ISO 8601: `yyyy-MM-dd[(T| )HH:mm[:ss[.f+]]][zone]`.
fn parse_iso(s: &str) -> Option<Stamp> {
    let b = s.as_bytes();
    let mut i = 0;
    let (y, _) = digits(b, &mut i, 4, 4)?;
    let sep =
        |i: &mut usize, c: u8| -> Option<()> { (*i < b.len() && b[*i] == c).then(|| *i += 1) };
    sep(&mut i, b'-')?;
    let (mo, _) = digits(b, &mut i, 1, 2)?;
    sep(&mut i, b'-')?;
    let (d, _) = digits(b, &mut i, 1, 2)?;
    let (mut h, mut mi, mut sec, mut frac) = (0, 0, 0, 0);
    if i < b.len()
        && (b[i] == b'T'
            || b[i] == b't'
            || (b[i] == b' ' && b.get(i + 1).is_some_and(u8::is_ascii_digit)))
    {
        i += 1;
        h = digits(b, &mut i, 1, 2)?.0;
        sep(&mut i, b':')?;
        mi = digits(b, &mut i, 2, 2)?.0;
        if i < b.len() && b[i] == b':' {
            i += 1;
            sec = digits(b, &mut i, 2, 2)?.0;
            if i < b.len() && (b[i] == b'.' || b[i] == b',') {
                i += 1;
                frac = fraction(b, &mut i);
            }
        }
    }
    let zone = zone_suffix(b, &mut i)?;
    if i != b.len() {
        return None;
    }
    let ticks = ticks_of(y, mo, d, h, mi, sec, frac)?;
    Some(zoned(ticks, zone, iso_z(s)))
}

/// A timestamp as the runtime reads one: ISO 8601 first, then the culture's own forms.
pub(crate) fn parse_timestamp(s: &str, culture: &'static Culture) -> Option<Stamp> {
    let t = s.trim();
    parse_iso(t).or_else(|| parse_loose(t, culture))
}

fn month_of(word: &str, c: &Culture) -> Option<i64> {
    let w = word.trim_end_matches('.').to_lowercase();
    let eq = |n: &str| n.trim_end_matches('.').to_lowercase() == w;
    for cul in [c, dotnet::INVARIANT] {
        if let Some(m) = cul.months.iter().position(|n| eq(n)) {
            return Some(m as i64 + 1);
        }
        if let Some(m) = cul.months_abbr.iter().position(|n| eq(n)) {
            return Some(m as i64 + 1);
        }
    }
    None
}

fn is_day_name(word: &str, c: &Culture) -> bool {
    let w = word.trim_end_matches('.').to_lowercase();
    [c, dotnet::INVARIANT].iter().any(|cul| {
        cul.days
            .iter()
            .chain(cul.days_abbr.iter())
            .any(|n| n.trim_end_matches('.').to_lowercase() == w)
    })
}

/// `DateTime.Parse(s, culture)` for the forms that occur in workflows: numeric dates in the
/// culture's order (`03/15/2018` en-US, `20/10/2014` fr-FR), dates with month names
/// (`20 octobre 2010`, `martes 20 octubre 2020`), RFC 1123, an optional `H:mm[:ss[.f]]`
/// time with AM/PM, and a trailing zone.
fn parse_loose(s: &str, c: &Culture) -> Option<Stamp> {
    let mut nums: Vec<(i64, usize)> = Vec::new();
    let mut month: Option<i64> = None;
    let (mut h, mut mi, mut sec, mut frac) = (None, 0, 0, 0);
    let mut pm: Option<bool> = None;
    let mut offset: Option<i64> = None;
    let mut utc_word = false;
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        if ch.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let v: i64 = text.parse().ok()?;
            if i < chars.len() && chars[i] == ':' && h.is_none() {
                // A time: H:mm[:ss[.f]]
                h = Some(v);
                i += 1;
                let rest: String = chars[i..].iter().collect();
                let b = rest.as_bytes();
                let mut j = 0;
                mi = digits(b, &mut j, 1, 2)?.0;
                if j < b.len() && b[j] == b':' {
                    j += 1;
                    sec = digits(b, &mut j, 1, 2)?.0;
                    if j < b.len() && b[j] == b'.' {
                        j += 1;
                        frac = fraction(b, &mut j);
                    }
                }
                i += rest[..j].chars().count();
                continue;
            }
            nums.push((v, i - start));
            continue;
        }
        if ch.is_alphabetic() {
            let start = i;
            while i < chars.len() && (chars[i].is_alphabetic() || chars[i] == '.') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let lw = word.to_lowercase();
            if let Some(m) = month_of(&word, c) {
                month = Some(m);
            } else if is_day_name(&word, c) || lw == "de" || lw == "of" {
                // Day names and the "de" of Spanish dates carry no information.
            } else if lw == "am" || (!c.am.is_empty() && lw == c.am.to_lowercase()) {
                pm = Some(false);
            } else if lw == "pm" || (!c.pm.is_empty() && lw == c.pm.to_lowercase()) {
                pm = Some(true);
            } else if lw == "gmt" || lw == "utc" || lw == "z" {
                offset = Some(0);
                utc_word = true;
            } else {
                return None;
            }
            continue;
        }
        if (ch == '+' || ch == '-') && h.is_some() {
            let rest: String = chars[i..].iter().collect();
            let b = rest.as_bytes();
            let mut j = 0;
            offset = Some(zone_suffix(b, &mut j)?.unwrap_or(0));
            if j != b.len() {
                return None;
            }
            break;
        }
        if ch.is_whitespace() || matches!(ch, '/' | '-' | '.' | ',') {
            i += 1;
            continue;
        }
        return None;
    }
    let two_digit = |(y, len): (i64, usize)| -> i64 {
        // .NET's TwoDigitYearMax (2049): 00-49 are 2000-2049, 50-99 are 1950-1999.
        if len <= 2 {
            if y < 50 { 2000 + y } else { 1900 + y }
        } else {
            y
        }
    };
    let (y, mo, d) = match (month, nums.as_slice()) {
        (Some(m), [d, y]) if d.1 <= 2 => (two_digit(*y), m, d.0),
        (Some(m), [y, d]) if y.1 == 4 => (y.0, m, d.0),
        (None, [y, m, d]) if y.1 == 4 => (y.0, m.0, d.0),
        (None, [p, q, y]) => {
            if c.order == "DMY" {
                (two_digit(*y), q.0, p.0)
            } else {
                (two_digit(*y), p.0, q.0)
            }
        }
        _ => return None,
    };
    let mut hour = h.unwrap_or(0);
    match pm {
        Some(true) if hour < 12 => hour += 12,
        Some(false) if hour == 12 => hour = 0,
        _ => {}
    }
    let ticks = ticks_of(y, mo, d, hour, mi, sec, frac)?;
    Some(zoned(ticks, offset, utc_word))
}

/// `DateTime.ParseExact(s, format, culture)`.
fn parse_exact(s: &str, format: &str, c: &'static Culture) -> Option<Stamp> {
    let pattern = match format {
        "o" | "O" => "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK".to_string(),
        "s" => "yyyy'-'MM'-'dd'T'HH':'mm':'ss".to_string(),
        "u" => "yyyy'-'MM'-'dd HH':'mm':'ss'Z'".to_string(),
        "d" => c.short_date.to_string(),
        "D" => c.long_date.to_string(),
        "t" => c.short_time.to_string(),
        "T" => c.long_time.to_string(),
        "g" => format!("{} {}", c.short_date, c.short_time),
        "G" => format!("{} {}", c.short_date, c.long_time),
        f => f.to_string(),
    };
    let p: Vec<char> = pattern.chars().collect();
    let input: Vec<char> = s.chars().collect();
    let (mut y, mut mo, mut d, mut h, mut mi, mut sec, mut frac) = (1, 1, 1, 0, 0, 0, 0);
    let mut pm: Option<bool> = None;
    let mut offset: Option<i64> = None;
    let (mut i, mut k) = (0, 0);
    let read_num = |k: &mut usize, min: usize, max: usize| -> Option<i64> {
        let start = *k;
        while *k < input.len() && *k - start < max && input[*k].is_ascii_digit() {
            *k += 1;
        }
        if *k - start < min {
            return None;
        }
        input[start..*k].iter().collect::<String>().parse().ok()
    };
    let read_word = |k: &mut usize| -> String {
        let start = *k;
        while *k < input.len() && (input[*k].is_alphabetic() || input[*k] == '.') {
            *k += 1;
        }
        input[start..*k].iter().collect()
    };
    let lit = |k: &mut usize, text: &str| -> Option<()> {
        for ch in text.chars() {
            if input.get(*k) != Some(&ch) {
                return None;
            }
            *k += 1;
        }
        Some(())
    };
    while i < p.len() {
        let ch = p[i];
        let mut n = 1;
        while i + n < p.len() && p[i + n] == ch {
            n += 1;
        }
        match ch {
            'd' if n <= 2 => d = read_num(&mut k, n, 2)?,
            'd' => {
                if !is_day_name(&read_word(&mut k), c) {
                    return None;
                }
            }
            'M' if n <= 2 => mo = read_num(&mut k, n, 2)?,
            'M' => mo = month_of(&read_word(&mut k), c)?,
            'y' if n <= 2 => {
                let v = read_num(&mut k, n, 2)?;
                y = if v < 50 { 2000 + v } else { 1900 + v };
            }
            'y' => y = read_num(&mut k, n.min(4), n.max(4))?,
            'H' | 'h' => h = read_num(&mut k, n.min(2), 2)?,
            'm' => mi = read_num(&mut k, n.min(2), 2)?,
            's' => sec = read_num(&mut k, n.min(2), 2)?,
            'f' | 'F' => {
                let start = k;
                let v = read_num(&mut k, if ch == 'f' { n } else { 0 }, n).unwrap_or(0);
                let len = k - start;
                if len > 7 {
                    return None;
                }
                frac = v * 10i64.pow(7 - len as u32);
            }
            't' => {
                let w = read_word(&mut k).to_lowercase();
                pm = Some(w.starts_with('p') || (!c.pm.is_empty() && w == c.pm.to_lowercase()));
            }
            'K' | 'z' => {
                let rest: String = input[k..].iter().collect();
                let b = rest.as_bytes();
                let mut j = 0;
                if let Some(z) = zone_suffix(b, &mut j)? {
                    offset = Some(z);
                }
                k += rest[..j].chars().count();
            }
            ':' => lit(&mut k, c.time_sep)?,
            '/' => lit(&mut k, c.date_sep)?,
            '\'' | '"' => {
                let mut j = i + 1;
                let mut text = String::new();
                while j < p.len() && p[j] != ch {
                    text.push(p[j]);
                    j += 1;
                }
                lit(&mut k, &text)?;
                i = j + 1;
                continue;
            }
            '\\' => {
                lit(&mut k, &p.get(i + 1)?.to_string())?;
                i += 2;
                continue;
            }
            other => {
                for _ in 0..n {
                    lit(&mut k, &other.to_string())?;
                }
            }
        }
        i += n;
    }
    if k != input.len() {
        return None;
    }
    match pm {
        Some(true) if h < 12 => h += 12,
        Some(false) if h == 12 => h = 0,
        _ => {}
    }
    let ticks = ticks_of(y, mo, d, h, mi, sec, frac)?;
    Some(zoned(ticks, offset, iso_z(s)))
}

/// `parseDateTime(timestamp, locale?, format?)`: [FN] §parseDateTime: "If the format isn't
/// specified, attempt parsing with multiple formats that are compatible with the provided
/// locale"; the result is in "o" format (`parseDateTime('20/10/2014', 'fr-fr')` is
/// "2014-10-20T00:00:00.0000000").
fn parse_date_time(a: &Args) -> Result<Value, EvalError> {
    let s = a.str(0)?;
    let culture = dotnet::culture(a, 1)?;
    let parsed = match a.opt_str(2)? {
        Some(f) => parse_exact(s.trim(), f, culture),
        None => parse_timestamp(s, culture),
    };
    let st = parsed.ok_or_else(|| {
        a.err(format_args!(
            "could not read '{s}' as a timestamp{}",
            a.opt_str(2)
                .ok()
                .flatten()
                .map(|f| format!(" in format '{f}'"))
                .unwrap_or_default()
        ))
    })?;
    format_datetime(st.ticks, st.kind, "o", culture)
        .map(Value::String)
        .map_err(|why| a.err(why))
}

// ---- time zones ----

/// CLDR windowsZones.xml, territory "001": Windows time zone id -> IANA zone.
const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("Dateline Standard Time", "Etc/GMT+12"),
    ("UTC-11", "Etc/GMT+11"),
    ("Aleutian Standard Time", "America/Adak"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Marquesas Standard Time", "Pacific/Marquesas"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("UTC-09", "Etc/GMT+9"),
    ("Pacific Standard Time (Mexico)", "America/Tijuana"),
    ("UTC-08", "Etc/GMT+8"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Mountain Standard Time (Mexico)", "America/Mazatlan"),
    ("Mountain Standard Time", "America/Denver"),
    ("Yukon Standard Time", "America/Whitehorse"),
    ("Central America Standard Time", "America/Guatemala"),
    ("Central Standard Time", "America/Chicago"),
    ("Easter Island Standard Time", "Pacific/Easter"),
    ("Central Standard Time (Mexico)", "America/Mexico_City"),
    ("Canada Central Standard Time", "America/Regina"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("Eastern Standard Time (Mexico)", "America/Cancun"),
    ("Eastern Standard Time", "America/New_York"),
    ("Haiti Standard Time", "America/Port-au-Prince"),
    ("Cuba Standard Time", "America/Havana"),
    ("US Eastern Standard Time", "America/Indiana/Indianapolis"),
    ("Turks And Caicos Standard Time", "America/Grand_Turk"),
    ("Paraguay Standard Time", "America/Asuncion"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("Venezuela Standard Time", "America/Caracas"),
    ("Central Brazilian Standard Time", "America/Cuiaba"),
    ("SA Western Standard Time", "America/La_Paz"),
    ("Pacific SA Standard Time", "America/Santiago"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("Tocantins Standard Time", "America/Araguaina"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("SA Eastern Standard Time", "America/Cayenne"),
    ("Argentina Standard Time", "America/Argentina/Buenos_Aires"),
    ("Greenland Standard Time", "America/Nuuk"),
    ("Montevideo Standard Time", "America/Montevideo"),
    ("Magallanes Standard Time", "America/Punta_Arenas"),
    ("Saint Pierre Standard Time", "America/Miquelon"),
    ("Bahia Standard Time", "America/Bahia"),
    ("UTC-02", "Etc/GMT+2"),
    ("Azores Standard Time", "Atlantic/Azores"),
    ("Cape Verde Standard Time", "Atlantic/Cape_Verde"),
    ("UTC", "Etc/UTC"),
    ("Coordinated Universal Time", "Etc/UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("Sao Tome Standard Time", "Africa/Sao_Tome"),
    ("Morocco Standard Time", "Africa/Casablanca"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("W. Central Africa Standard Time", "Africa/Lagos"),
    ("Jordan Standard Time", "Asia/Amman"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Middle East Standard Time", "Asia/Beirut"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("Syria Standard Time", "Asia/Damascus"),
    ("West Bank Standard Time", "Asia/Hebron"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("FLE Standard Time", "Europe/Kyiv"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("South Sudan Standard Time", "Africa/Juba"),
    ("Kaliningrad Standard Time", "Europe/Kaliningrad"),
    ("Sudan Standard Time", "Africa/Khartoum"),
    ("Libya Standard Time", "Africa/Tripoli"),
    ("Namibia Standard Time", "Africa/Windhoek"),
    ("Arabic Standard Time", "Asia/Baghdad"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("Belarus Standard Time", "Europe/Minsk"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("E. Africa Standard Time", "Africa/Nairobi"),
    ("Volgograd Standard Time", "Europe/Volgograd"),
    ("Iran Standard Time", "Asia/Tehran"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Astrakhan Standard Time", "Europe/Astrakhan"),
    ("Azerbaijan Standard Time", "Asia/Baku"),
    ("Russia Time Zone 3", "Europe/Samara"),
    ("Mauritius Standard Time", "Indian/Mauritius"),
    ("Saratov Standard Time", "Europe/Saratov"),
    ("Georgian Standard Time", "Asia/Tbilisi"),
    ("Caucasus Standard Time", "Asia/Yerevan"),
    ("Afghanistan Standard Time", "Asia/Kabul"),
    ("West Asia Standard Time", "Asia/Tashkent"),
    ("Ekaterinburg Standard Time", "Asia/Yekaterinburg"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("Qyzylorda Standard Time", "Asia/Qyzylorda"),
    ("India Standard Time", "Asia/Kolkata"),
    ("Sri Lanka Standard Time", "Asia/Colombo"),
    ("Nepal Standard Time", "Asia/Kathmandu"),
    ("Central Asia Standard Time", "Asia/Almaty"),
    ("Bangladesh Standard Time", "Asia/Dhaka"),
    ("Omsk Standard Time", "Asia/Omsk"),
    ("Myanmar Standard Time", "Asia/Yangon"),
    ("SE Asia Standard Time", "Asia/Bangkok"),
    ("Altai Standard Time", "Asia/Barnaul"),
    ("W. Mongolia Standard Time", "Asia/Hovd"),
    ("North Asia Standard Time", "Asia/Krasnoyarsk"),
    ("N. Central Asia Standard Time", "Asia/Novosibirsk"),
    ("Tomsk Standard Time", "Asia/Tomsk"),
    ("China Standard Time", "Asia/Shanghai"),
    ("North Asia East Standard Time", "Asia/Irkutsk"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("W. Australia Standard Time", "Australia/Perth"),
    ("Taipei Standard Time", "Asia/Taipei"),
    ("Ulaanbaatar Standard Time", "Asia/Ulaanbaatar"),
    ("Aus Central W. Standard Time", "Australia/Eucla"),
    ("Transbaikal Standard Time", "Asia/Chita"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("North Korea Standard Time", "Asia/Pyongyang"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("Yakutsk Standard Time", "Asia/Yakutsk"),
    ("Cen. Australia Standard Time", "Australia/Adelaide"),
    ("AUS Central Standard Time", "Australia/Darwin"),
    ("E. Australia Standard Time", "Australia/Brisbane"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("West Pacific Standard Time", "Pacific/Port_Moresby"),
    ("Tasmania Standard Time", "Australia/Hobart"),
    ("Vladivostok Standard Time", "Asia/Vladivostok"),
    ("Lord Howe Standard Time", "Australia/Lord_Howe"),
    ("Bougainville Standard Time", "Pacific/Bougainville"),
    ("Russia Time Zone 10", "Asia/Srednekolymsk"),
    ("Magadan Standard Time", "Asia/Magadan"),
    ("Norfolk Standard Time", "Pacific/Norfolk"),
    ("Sakhalin Standard Time", "Asia/Sakhalin"),
    ("Central Pacific Standard Time", "Pacific/Guadalcanal"),
    ("Russia Time Zone 11", "Asia/Kamchatka"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("UTC+12", "Etc/GMT-12"),
    ("Fiji Standard Time", "Pacific/Fiji"),
    ("Chatham Islands Standard Time", "Pacific/Chatham"),
    ("UTC+13", "Etc/GMT-13"),
    ("Tonga Standard Time", "Pacific/Tongatapu"),
    ("Samoa Standard Time", "Pacific/Apia"),
    ("Line Islands Standard Time", "Pacific/Kiritimati"),
];

/// A zone name with punctuation and case ignored ([FN] §convertTimeZone: "you might have to
/// remove any punctuation from the time zone name").
fn normalize_zone(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '+' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_utc(name: &str) -> bool {
    matches!(
        normalize_zone(name).as_str(),
        "utc" | "coordinateduniversaltime"
    )
}

/// The time zone argument `i`: a Windows zone name, or an IANA name.
fn zone(a: &Args, i: usize) -> Result<jiff::tz::TimeZone, EvalError> {
    let name = a.str(i)?;
    let key = normalize_zone(name);
    let iana = WINDOWS_ZONES
        .iter()
        .find(|(w, _)| normalize_zone(w) == key)
        .map_or(name, |(_, iana)| *iana);
    jiff::tz::TimeZone::get(iana).map_err(|_| {
        a.err(format_args!(
            "was given the time zone '{name}', which is not a Windows time zone name such as 'Pacific Standard Time', 'W. Europe Standard Time' or 'UTC'"
        ))
    })
}

/// Local ticks in `tz` of UTC ticks.
fn from_utc(a: &Args, utc: i64, tz: &jiff::tz::TimeZone) -> Result<i64, EvalError> {
    let secs = (utc - UNIX_EPOCH_TICKS).div_euclid(TICKS_PER_SECOND);
    let ts = jiff::Timestamp::from_second(secs).map_err(|e| a.err(e))?;
    let off = tz.to_offset(ts).seconds() as i64;
    Ok(utc + off * TICKS_PER_SECOND)
}

/// UTC ticks of local ticks in `tz` (a local time that occurs twice or not at all resolves as
/// .NET does for the common cases: the earlier offset / shifted forward).
fn to_utc(a: &Args, local: i64, tz: &jiff::tz::TimeZone) -> Result<i64, EvalError> {
    let p = parts(local);
    let dt = jiff::civil::DateTime::new(
        p.year as i16,
        p.month as i8,
        p.day as i8,
        p.hour as i8,
        p.minute as i8,
        p.second as i8,
        0,
    )
    .map_err(|e| a.err(e))?;
    let ts = tz
        .to_ambiguous_timestamp(dt)
        .compatible()
        .map_err(|e| a.err(e))?;
    Ok(UNIX_EPOCH_TICKS + ts.as_second() * TICKS_PER_SECOND + p.fraction)
}
