//! .NET formatting and parsing that the runtime exposes: culture data, numeric format strings
//! (`formatNumber`, [FN] §formatNumber: "Standard numeric format strings, which are supported
//! by `number.ToString(<format>, <locale>)`"), and date and time format strings (every date
//! function's `format`: "either a single format specifier or a custom format pattern", .NET
//! "Standard date and time format strings" and "Custom date and time format strings" on Learn).
//!
//! Cultures: the invariant culture and en-US (the default, "If unspecified, the value is
//! `en-us`"), en-GB, de-DE, fr-FR, es-ES, is-IS (the locales in Learn's examples and the
//! main Sentinel SOC locales), with the Windows (NLS) data the Consumption runtime uses. Other
//! locales fail with a message that lists these.

use serde_json::Value;

use super::EvalError;
use super::call::Args;
use super::value::Num;

/// What a culture needs for numbers and dates.
pub(crate) struct Culture {
    pub names: &'static [&'static str],
    pub decimal: &'static str,
    pub group: &'static str,
    pub currency: &'static str,
    /// .NET `CurrencyPositivePattern`: 0 `$n`, 1 `n$`, 2 `$ n`, 3 `n $`.
    pub currency_pos: u8,
    /// .NET `CurrencyNegativePattern` (0 `($n)`, 1 `-$n`, 8 `-n $`).
    pub currency_neg: u8,
    /// .NET `PercentPositivePattern`: 0 `n %`, 1 `n%`.
    pub percent_pos: u8,
    pub months: [&'static str; 12],
    pub months_abbr: [&'static str; 12],
    pub days: [&'static str; 7],
    pub days_abbr: [&'static str; 7],
    pub am: &'static str,
    pub pm: &'static str,
    pub short_date: &'static str,
    pub long_date: &'static str,
    pub short_time: &'static str,
    pub long_time: &'static str,
    pub month_day: &'static str,
    pub year_month: &'static str,
    pub date_sep: &'static str,
    pub time_sep: &'static str,
    /// Order of day, month, year in numeric dates without a format: "MDY" or "DMY".
    pub order: &'static str,
}

const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const EN_MONTHS_ABBR: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const EN_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const EN_DAYS_ABBR: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

const INV: Culture = Culture {
    names: &["", "iv", "invariant"],
    decimal: ".",
    group: ",",
    currency: "¤",
    currency_pos: 0,
    currency_neg: 0,
    percent_pos: 0,
    months: EN_MONTHS,
    months_abbr: EN_MONTHS_ABBR,
    days: EN_DAYS,
    days_abbr: EN_DAYS_ABBR,
    am: "AM",
    pm: "PM",
    short_date: "MM/dd/yyyy",
    long_date: "dddd, dd MMMM yyyy",
    short_time: "HH:mm",
    long_time: "HH:mm:ss",
    month_day: "MMMM dd",
    year_month: "yyyy MMMM",
    date_sep: "/",
    time_sep: ":",
    order: "MDY",
};

pub(crate) static INVARIANT: &Culture = &INV;

pub(crate) static EN_US: &Culture = &Culture {
    names: &["en-us", "en"],
    currency: "$",
    short_date: "M/d/yyyy",
    long_date: "dddd, MMMM d, yyyy",
    short_time: "h:mm tt",
    long_time: "h:mm:ss tt",
    month_day: "MMMM d",
    year_month: "MMMM yyyy",
    ..INV
};

static CULTURES: &[&Culture] = &[
    EN_US,
    INVARIANT,
    &Culture {
        names: &["en-gb"],
        currency: "£",
        currency_neg: 1,
        percent_pos: 1,
        am: "am",
        pm: "pm",
        short_date: "dd/MM/yyyy",
        long_date: "dd MMMM yyyy",
        short_time: "HH:mm",
        long_time: "HH:mm:ss",
        month_day: "d MMMM",
        year_month: "MMMM yyyy",
        order: "DMY",
        ..INV
    },
    &Culture {
        names: &["de-de", "de"],
        decimal: ",",
        group: ".",
        currency: "€",
        currency_pos: 3,
        currency_neg: 8,
        percent_pos: 0,
        months: [
            "Januar",
            "Februar",
            "März",
            "April",
            "Mai",
            "Juni",
            "Juli",
            "August",
            "September",
            "Oktober",
            "November",
            "Dezember",
        ],
        months_abbr: [
            "Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.",
            "Dez.",
        ],
        days: [
            "Sonntag",
            "Montag",
            "Dienstag",
            "Mittwoch",
            "Donnerstag",
            "Freitag",
            "Samstag",
        ],
        days_abbr: ["So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"],
        am: "",
        pm: "",
        short_date: "dd.MM.yyyy",
        long_date: "dddd, d. MMMM yyyy",
        short_time: "HH:mm",
        long_time: "HH:mm:ss",
        month_day: "d. MMMM",
        year_month: "MMMM yyyy",
        date_sep: ".",
        time_sep: ":",
        order: "DMY",
    },
    &Culture {
        names: &["fr-fr", "fr"],
        decimal: ",",
        group: "\u{a0}",
        currency: "€",
        currency_pos: 3,
        currency_neg: 8,
        percent_pos: 0,
        months: [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ],
        months_abbr: [
            "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
            "nov.", "déc.",
        ],
        days: [
            "dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
        ],
        days_abbr: ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
        am: "",
        pm: "",
        short_date: "dd/MM/yyyy",
        long_date: "dddd d MMMM yyyy",
        short_time: "HH:mm",
        long_time: "HH:mm:ss",
        month_day: "d MMMM",
        year_month: "MMMM yyyy",
        order: "DMY",
        ..INV
    },
    &Culture {
        names: &["es-es", "es"],
        decimal: ",",
        group: ".",
        currency: "€",
        currency_pos: 3,
        currency_neg: 8,
        percent_pos: 0,
        months: [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ],
        months_abbr: [
            "ene.", "feb.", "mar.", "abr.", "may.", "jun.", "jul.", "ago.", "sep.", "oct.", "nov.",
            "dic.",
        ],
        days: [
            "domingo",
            "lunes",
            "martes",
            "miércoles",
            "jueves",
            "viernes",
            "sábado",
        ],
        days_abbr: ["do.", "lu.", "ma.", "mi.", "ju.", "vi.", "sá."],
        am: "a. m.",
        pm: "p. m.",
        short_date: "dd/MM/yyyy",
        long_date: "dddd, d' de 'MMMM' de 'yyyy",
        short_time: "H:mm",
        long_time: "H:mm:ss",
        month_day: "d' de 'MMMM",
        year_month: "MMMM' de 'yyyy",
        order: "DMY",
        ..INV
    },
    &Culture {
        names: &["is-is", "is"],
        decimal: ",",
        group: ".",
        currency: "kr.",
        currency_pos: 3,
        currency_neg: 8,
        percent_pos: 0,
        months: [
            "janúar",
            "febrúar",
            "mars",
            "apríl",
            "maí",
            "júní",
            "júlí",
            "ágúst",
            "september",
            "október",
            "nóvember",
            "desember",
        ],
        months_abbr: [
            "jan.", "feb.", "mar.", "apr.", "maí", "jún.", "júl.", "ágú.", "sep.", "okt.", "nóv.",
            "des.",
        ],
        days: [
            "sunnudagur",
            "mánudagur",
            "þriðjudagur",
            "miðvikudagur",
            "fimmtudagur",
            "föstudagur",
            "laugardagur",
        ],
        days_abbr: ["sun.", "mán.", "þri.", "mið.", "fim.", "fös.", "lau."],
        am: "f.h.",
        pm: "e.h.",
        short_date: "d.M.yyyy",
        long_date: "d. MMMM yyyy",
        short_time: "HH:mm",
        long_time: "HH:mm:ss",
        month_day: "d. MMMM",
        year_month: "MMMM yyyy",
        date_sep: ".",
        order: "DMY",
        ..INV
    },
];

/// A culture by RFC 4646 name, case-insensitively.
pub(crate) fn find_culture(name: &str) -> Option<&'static Culture> {
    let n = name.trim().to_ascii_lowercase();
    CULTURES
        .iter()
        .copied()
        .find(|c| c.names.contains(&n.as_str()))
}

/// The locale argument `i` (absent or null: en-US).
pub(crate) fn culture(a: &Args, i: usize) -> Result<&'static Culture, EvalError> {
    match a.opt_str(i)? {
        None => Ok(EN_US),
        Some(name) => find_culture(name).ok_or_else(|| {
            a.err(format_args!(
                "was given locale '{name}', which the simulator does not have; use one of en-US, en-GB, de-DE, fr-FR, es-ES, is-IS or '' (invariant)"
            ))
        }),
    }
}

// ---- numbers ----

/// `formatNumber(number, format, locale?)`.
pub(crate) fn format_number_fn(a: &Args) -> Result<Value, EvalError> {
    let n = a.num(0)?;
    let format = a.str(1)?;
    let culture = culture(a, 2)?;
    format_number(n, format, culture)
        .map(Value::String)
        .map_err(|why| a.err(format_args!("cannot use format '{format}': {why}")))
}

/// Digits of `x` rounded to `decimals` places: (integer digits, fraction digits), no sign.
/// Midpoints round away from zero, as .NET formatting does.
fn fixed_digits(x: f64, decimals: usize) -> (String, String) {
    let s = format!("{:.*}", decimals, x.abs());
    // `{:.N}` rounds half to even on the binary value; nudge exact decimal midpoints away
    // from zero by checking the next digit of a longer rendering.
    let longer = format!("{:.*}", decimals + 3, x.abs());
    let s = if longer.ends_with("500") && decimals < 15 {
        let bumped = x.abs() + 0.5 * 10f64.powi(-(decimals as i32));
        let b = format!("{:.*}", decimals, bumped);
        if b > s || b.len() > s.len() { b } else { s }
    } else {
        s
    };
    match s.split_once('.') {
        Some((i, f)) => (i.to_string(), f.to_string()),
        None => (s, String::new()),
    }
}

fn group_digits(int: &str, sep: &str) -> String {
    let mut out = String::with_capacity(int.len() + int.len() / 3 * sep.len());
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(c);
    }
    out
}

fn join_number(int: &str, frac: &str, c: &Culture) -> String {
    if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}{}{frac}", c.decimal)
    }
}

/// `number.ToString(format, culture)` for the standard numeric formats C, D, E, F, G, N, P, R,
/// X and for custom patterns (`#`, `0`, `.`, `,`, `%`, `E0`, literals, `;` sections).
pub(crate) fn format_number(n: Num, format: &str, c: &Culture) -> Result<String, String> {
    let mut chars = format.chars();
    let first = chars.next();
    let rest: String = chars.collect();
    let standard = first.is_some_and(|f| f.is_ascii_alphabetic())
        && (rest.is_empty() || (rest.len() <= 2 && rest.bytes().all(|b| b.is_ascii_digit())));
    if !standard {
        return Ok(custom_number(n.as_f64(), format, c));
    }
    let spec = first.unwrap_or('G');
    let prec: Option<usize> = if rest.is_empty() {
        None
    } else {
        rest.parse().ok()
    };
    let x = n.as_f64();
    let neg = x < 0.0;
    Ok(match spec.to_ascii_uppercase() {
        'C' => {
            let (i, f) = fixed_digits(x, prec.unwrap_or(2));
            let num = join_number(&group_digits(&i, c.group), &f, c);
            let s = c.currency;
            if neg {
                match c.currency_neg {
                    0 => format!("({s}{num})"),
                    1 => format!("-{s}{num}"),
                    _ => format!("-{num} {s}"),
                }
            } else {
                match c.currency_pos {
                    0 => format!("{s}{num}"),
                    1 => format!("{num}{s}"),
                    2 => format!("{s} {num}"),
                    _ => format!("{num} {s}"),
                }
            }
        }
        'D' => {
            let Num::Int(i) = n else {
                return Err("'D' works only with integers".into());
            };
            let digits = i.unsigned_abs().to_string();
            let width = prec.unwrap_or(0);
            format!("{}{digits:0>width$}", if i < 0 { "-" } else { "" })
        }
        'E' => {
            let p = prec.unwrap_or(6);
            let s = format!("{:.*e}", p, x.abs());
            let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
            let e: i32 = e.parse().unwrap_or(0);
            let m = m.replace('.', c.decimal);
            format!(
                "{}{m}{}{}{:03}",
                if neg { "-" } else { "" },
                if spec == 'e' { 'e' } else { 'E' },
                if e < 0 { '-' } else { '+' },
                e.unsigned_abs()
            )
        }
        'F' | 'N' => {
            let (i, f) = fixed_digits(x, prec.unwrap_or(2));
            let i = if spec.eq_ignore_ascii_case(&'N') {
                group_digits(&i, c.group)
            } else {
                i
            };
            let body = join_number(&i, &f, c);
            if neg
                && (!i.trim_matches(['0', ',', '.']).is_empty() || !f.trim_matches('0').is_empty())
            {
                format!("-{body}")
            } else {
                body
            }
        }
        'P' => {
            let (i, f) = fixed_digits(x * 100.0, prec.unwrap_or(2));
            let body = join_number(&group_digits(&i, c.group), &f, c);
            let body = if c.percent_pos == 0 {
                format!("{body} %")
            } else {
                format!("{body}%")
            };
            if neg { format!("-{body}") } else { body }
        }
        'G' | 'R' => {
            let mut s = String::new();
            match n {
                Num::Int(i) => s.push_str(&i.to_string()),
                Num::Float(f) => super::value::write_float(&mut s, f),
            }
            s.replace('.', c.decimal)
        }
        'X' => {
            let Num::Int(i) = n else {
                return Err("'X' works only with integers".into());
            };
            let width = prec.unwrap_or(0);
            let h = if spec == 'x' {
                format!("{i:x}")
            } else {
                format!("{i:X}")
            };
            format!("{h:0>width$}")
        }
        other => {
            return Err(format!(
                "'{other}' is not a standard numeric format specifier"
            ));
        }
    })
}

/// Custom numeric format: the section for the value's sign, digit placeholders `0` (always a
/// digit) and `#` (a digit if significant), `.` decimal point, `,` grouping (or scaling by
/// 1000 right before the point), `%` (×100), `E0`/`E+0` exponent, `'...'`/`"..."` and `\x`
/// literals. Literals before the first placeholder and after the last are kept.
fn custom_number(x: f64, format: &str, c: &Culture) -> String {
    let sections = split_sections(format);
    let (section, x, sign) = match (sections.len(), x) {
        (n, v) if n >= 3 && v == 0.0 => (sections[2].as_str(), 0.0, false),
        (n, v) if n >= 2 && v < 0.0 => (sections[1].as_str(), -v, false),
        (_, v) => (sections[0].as_str(), v, v < 0.0),
    };
    // Tokenize: literals vs pattern characters.
    let mut prefix = String::new();
    let mut suffix = String::new();
    let mut pattern = String::new();
    let mut seen_placeholder = false;
    let mut it = section.chars().peekable();
    while let Some(ch) = it.next() {
        let literal = match ch {
            '\'' | '"' => {
                let mut lit = String::new();
                for d in it.by_ref() {
                    if d == ch {
                        break;
                    }
                    lit.push(d);
                }
                Some(lit)
            }
            '\\' => Some(it.next().map(String::from).unwrap_or_default()),
            '0' | '#' | '.' | ',' => {
                seen_placeholder |= ch == '0' || ch == '#';
                pattern.push(ch);
                suffix.clear();
                None
            }
            'E' | 'e' if seen_placeholder && matches!(it.peek(), Some('0' | '+' | '-')) => {
                pattern.push('E');
                while let Some(&d) = it.peek() {
                    if matches!(d, '0' | '+' | '-') {
                        pattern.push(d);
                        it.next();
                    } else {
                        break;
                    }
                }
                None
            }
            other => Some(other.to_string()),
        };
        if let Some(lit) = literal {
            if seen_placeholder {
                suffix.push_str(&lit);
            } else {
                prefix.push_str(&lit);
            }
        }
    }
    let percent = prefix.contains('%') || suffix.contains('%');
    let permille = prefix.contains('‰') || suffix.contains('‰');
    let mut x = x;
    if percent {
        x *= 100.0;
    }
    if permille {
        x *= 1000.0;
    }
    let (mantissa_pat, exp_pat) = match pattern.find('E') {
        Some(i) => (&pattern[..i], Some(&pattern[i + 1..])),
        None => (pattern.as_str(), None),
    };
    let (int_pat, frac_pat) = match mantissa_pat.find('.') {
        Some(i) => (&mantissa_pat[..i], &mantissa_pat[i + 1..]),
        None => (mantissa_pat, ""),
    };
    // Scaling commas right before the decimal point (or the end).
    let trimmed = int_pat.trim_end_matches(',');
    for _ in 0..(int_pat.len() - trimmed.len()) {
        x /= 1000.0;
    }
    let grouping = trimmed.contains(',');
    let min_int = trimmed.chars().filter(|c| *c == '0').count();
    let frac_zero = frac_pat.chars().filter(|c| *c == '0').count();
    let frac_max = frac_pat.chars().filter(|c| *c == '0' || *c == '#').count();
    let mut exp_text = String::new();
    if let Some(ep) = exp_pat {
        let digits = ep.chars().filter(|c| *c == '0').count().max(1);
        let mut e = 0i32;
        if x != 0.0 {
            let int_digits = min_int.max(1) as i32;
            e = x.abs().log10().floor() as i32 - (int_digits - 1);
            x /= 10f64.powi(e);
        }
        let sign = if e < 0 {
            "-"
        } else if ep.starts_with('+') {
            "+"
        } else {
            ""
        };
        exp_text = format!("E{sign}{:0>digits$}", e.unsigned_abs());
    }
    let (mut int, mut frac) = fixed_digits(x, frac_max);
    while frac.len() > frac_zero && frac.ends_with('0') {
        frac.pop();
    }
    if int == "0" && min_int == 0 {
        int.clear();
    }
    while int.len() < min_int {
        int.insert(0, '0');
    }
    if grouping {
        int = group_digits(&int, c.group);
    }
    let body = join_number(&int, &frac, c);
    let is_zero = body.chars().all(|ch| !ch.is_ascii_digit() || ch == '0');
    format!(
        "{}{prefix}{body}{exp_text}{suffix}",
        if sign && !is_zero { "-" } else { "" }
    )
}

fn split_sections(format: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quote: Option<char> = None;
    let mut escape = false;
    for ch in format.chars() {
        let last = out.last_mut().expect("one section");
        if escape {
            last.push(ch);
            escape = false;
            continue;
        }
        match (quote, ch) {
            (None, '\\') => {
                last.push(ch);
                escape = true;
            }
            (None, '\'' | '"') => {
                quote = Some(ch);
                last.push(ch);
            }
            (Some(q), c) if c == q => {
                quote = None;
                last.push(ch);
            }
            (None, ';') => out.push(String::new()),
            _ => last.push(ch),
        }
    }
    out
}

// ---- dates ----

/// How a timestamp relates to UTC, as .NET's `DateTimeKind`: it decides what `K` and `o`
/// print: "Z" for UTC, nothing for unspecified, "+00:00" for a timestamp given with an offset
/// (converted to the runtime's local time, which is UTC; measured against the cloud by
/// tomdam/flowforger, `expr/dotnet-date.ts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Utc,
    Unspecified,
    Local,
}

/// Ticks (100 ns) per unit.
pub(crate) const TICKS_PER_SECOND: i64 = 10_000_000;
pub(crate) const TICKS_PER_DAY: i64 = 86_400 * TICKS_PER_SECOND;
/// Ticks of the largest .NET DateTime (9999-12-31T23:59:59.9999999).
pub(crate) const MAX_TICKS: i64 = 3_155_378_975_999_999_999;

/// Days since 0001-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    // 719_468 = days from 0000-03-01 to 1970-01-01; 719_162 = days from 0001-01-01 to 1970-01-01.
    era * 146_097 + doe - 719_468 + 719_162
}

/// (year, month, day) of days since 0001-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days - 719_162 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub(crate) fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// The parts of a tick count.
pub(crate) struct Parts {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
    /// 100-ns units within the second (0..10^7).
    pub fraction: i64,
    /// 0 = Sunday.
    pub weekday: i64,
}

pub(crate) fn parts(ticks: i64) -> Parts {
    let days = ticks.div_euclid(TICKS_PER_DAY);
    let rem = ticks.rem_euclid(TICKS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let secs = rem / TICKS_PER_SECOND;
    Parts {
        year,
        month,
        day,
        hour: secs / 3600,
        minute: secs / 60 % 60,
        second: secs % 60,
        fraction: rem % TICKS_PER_SECOND,
        // 0001-01-01 was a Monday.
        weekday: (days + 1).rem_euclid(7),
    }
}

/// Expands a standard (one-letter) format to its custom pattern; `None` for custom formats.
fn standard_pattern(f: &str, c: &'static Culture) -> Result<Option<(String, bool)>, String> {
    let mut it = f.chars();
    let (Some(ch), None) = (it.next(), it.next()) else {
        return Ok(None);
    };
    // (pattern, uses the invariant culture)
    let p = match ch {
        'd' => (c.short_date.to_string(), false),
        'D' => (c.long_date.to_string(), false),
        'f' => (format!("{} {}", c.long_date, c.short_time), false),
        'F' | 'U' => (format!("{} {}", c.long_date, c.long_time), false),
        'g' => (format!("{} {}", c.short_date, c.short_time), false),
        'G' => (format!("{} {}", c.short_date, c.long_time), false),
        'm' | 'M' => (c.month_day.to_string(), false),
        'o' | 'O' => ("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK".to_string(), true),
        'r' | 'R' => ("ddd, dd MMM yyyy HH':'mm':'ss 'GMT'".to_string(), true),
        's' => ("yyyy'-'MM'-'dd'T'HH':'mm':'ss".to_string(), true),
        't' => (c.short_time.to_string(), false),
        'T' => (c.long_time.to_string(), false),
        'u' => ("yyyy'-'MM'-'dd HH':'mm':'ss'Z'".to_string(), true),
        'y' | 'Y' => (c.year_month.to_string(), false),
        other => {
            return Err(format!(
                "'{other}' is not a standard date and time format specifier"
            ));
        }
    };
    Ok(Some(p))
}

/// `DateTime.ToString(format, culture)`.
pub(crate) fn format_datetime(
    ticks: i64,
    kind: Kind,
    format: &str,
    culture: &'static Culture,
) -> Result<String, String> {
    if format.is_empty() {
        return format_datetime(ticks, kind, "o", culture);
    }
    let (pattern, culture) = match standard_pattern(format, culture)? {
        Some((p, true)) => (p, INVARIANT),
        Some((p, false)) => (p, culture),
        None => (format.to_string(), culture),
    };
    let p = parts(ticks);
    let mut out = String::with_capacity(pattern.len() + 8);
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == ch {
            n += 1;
        }
        match ch {
            'd' => match n {
                1 => out.push_str(&p.day.to_string()),
                2 => out.push_str(&format!("{:02}", p.day)),
                3 => out.push_str(culture.days_abbr[p.weekday as usize]),
                _ => out.push_str(culture.days[p.weekday as usize]),
            },
            'M' => match n {
                1 => out.push_str(&p.month.to_string()),
                2 => out.push_str(&format!("{:02}", p.month)),
                3 => out.push_str(culture.months_abbr[p.month as usize - 1]),
                _ => out.push_str(culture.months[p.month as usize - 1]),
            },
            'y' => match n {
                1 => out.push_str(&(p.year % 100).to_string()),
                2 => out.push_str(&format!("{:02}", p.year % 100)),
                _ => out.push_str(&format!("{:0>n$}", p.year)),
            },
            'h' => {
                let h = if p.hour % 12 == 0 { 12 } else { p.hour % 12 };
                out.push_str(&if n == 1 {
                    h.to_string()
                } else {
                    format!("{h:02}")
                });
            }
            'H' => out.push_str(&if n == 1 {
                p.hour.to_string()
            } else {
                format!("{:02}", p.hour)
            }),
            'm' => out.push_str(&if n == 1 {
                p.minute.to_string()
            } else {
                format!("{:02}", p.minute)
            }),
            's' => out.push_str(&if n == 1 {
                p.second.to_string()
            } else {
                format!("{:02}", p.second)
            }),
            'f' | 'F' => {
                if n > 7 {
                    return Err("more than 7 'f' or 'F' in a row".into());
                }
                let digits = format!("{:07}", p.fraction);
                let mut d = digits[..n].to_string();
                if ch == 'F' {
                    while d.ends_with('0') {
                        d.pop();
                    }
                    // .NET drops the '.' before an 'F' run that prints nothing.
                    if d.is_empty() && out.ends_with('.') {
                        out.pop();
                    }
                }
                out.push_str(&d);
            }
            't' => {
                let d = if p.hour < 12 { culture.am } else { culture.pm };
                if n == 1 {
                    out.push_str(&d.chars().take(1).collect::<String>());
                } else {
                    out.push_str(d);
                }
            }
            'g' => out.push_str("A.D."),
            'K' => {
                for _ in 0..n {
                    match kind {
                        Kind::Utc => out.push('Z'),
                        Kind::Local => out.push_str("+00:00"),
                        Kind::Unspecified => {}
                    }
                }
            }
            // A DateTime's offset is the local zone's, which is UTC on the runtime's hosts.
            'z' => match n {
                1 => out.push_str("+0"),
                2 => out.push_str("+00"),
                _ => out.push_str("+00:00"),
            },
            ':' => {
                for _ in 0..n {
                    out.push_str(culture.time_sep);
                }
            }
            '/' => {
                for _ in 0..n {
                    out.push_str(culture.date_sep);
                }
            }
            '\'' | '"' => {
                // Quoted literal: runs to the matching quote.
                let mut j = i + 1;
                while j < chars.len() && chars[j] != ch {
                    if chars[j] == '\\' && j + 1 < chars.len() {
                        j += 1;
                    }
                    out.push(chars[j]);
                    j += 1;
                }
                if j >= chars.len() {
                    return Err(format!("unterminated quote {ch} in the format"));
                }
                i = j + 1;
                continue;
            }
            '\\' => {
                if let Some(next) = chars.get(i + 1) {
                    out.push(*next);
                    i += 2;
                    continue;
                }
                return Err("the format ends with '\\'".into());
            }
            '%' => {
                // `%d` is the custom 'd' on its own; a lone % at the end is invalid.
                if i + 1 >= chars.len() || chars[i + 1] == '%' {
                    return Err("invalid use of '%' in the format".into());
                }
                i += 1;
                continue;
            }
            other => {
                for _ in 0..n {
                    out.push(other);
                }
            }
        }
        i += n;
    }
    Ok(out)
}
