//! Math functions ([FN] §"Math functions"). Integers stay integers and floats stay floats:
//! [FN] §add takes "Integer, Float, or mixed" (`add(1, 1.5)` is 2.5); §div: "If either the
//! dividend or divisor has Float type, the result has Float type" (`div(11, 5)` is 2,
//! `div(11, 5.0)` is 2.2). Integer overflow fails rather than wrapping.

use std::borrow::Cow;

use serde_json::Value;

use super::EvalError;
use super::call::{Args, R};
use super::value::{Num, num_value, type_name};

pub(crate) fn call<'a>(a: &mut Args<'_, 'a>) -> R<'a> {
    let v = match a.name {
        "add" => arith(a, i64::checked_add, |x, y| x + y),
        "sub" => arith(a, i64::checked_sub, |x, y| x - y),
        "mul" => arith(a, i64::checked_mul, |x, y| x * y),
        "div" => {
            divisor(a)?;
            // Integer division truncates toward zero, as .NET's does.
            arith(a, i64::checked_div, |x, y| x / y)
        }
        "mod" => {
            // [FN] §mod: the result has the sign of the dividend (`mod(-5, 2)` is -1).
            divisor(a)?;
            arith(a, i64::checked_rem, |x, y| x % y)
        }
        "max" => extreme(a, true),
        "min" => extreme(a, false),
        "rand" => rand(a),
        "range" => range(a),
        other => unreachable!("{other} is not a math function"),
    };
    v.map(Cow::Owned)
}

fn divisor(a: &Args) -> Result<(), EvalError> {
    if a.num(1)?.as_f64() == 0.0 {
        return Err(a.err("cannot divide by zero: the divisor (second parameter) is 0"));
    }
    Ok(())
}

fn arith(
    a: &Args,
    int: fn(i64, i64) -> Option<i64>,
    float: fn(f64, f64) -> f64,
) -> Result<Value, EvalError> {
    let (x, y) = (a.num(0)?, a.num(1)?);
    let n =
        match (x, y) {
            (Num::Int(p), Num::Int(q)) => Num::Int(int(p, q).ok_or_else(|| {
                a.err(format_args!("overflows a 64-bit integer with {p} and {q}"))
            })?),
            _ => Num::Float(float(x.as_f64(), y.as_f64())),
        };
    num_value(n).ok_or_else(|| a.err("produced a number that is not finite"))
}

/// `max`/`min` of numbers given as arguments or as one array ([FN] §max: `max(1, 2, 3)` and
/// `max(createArray(1, 2, 3))` are 3).
fn extreme(a: &Args, max: bool) -> Result<Value, EvalError> {
    let items: Vec<&Value> = match (a.vals.len(), a.get(0)) {
        (1, Value::Array(v)) => v.iter().collect(),
        _ => a.vals.iter().map(|v| &**v).collect(),
    };
    let mut best: Option<Num> = None;
    for v in items {
        let n = Num::of(v).ok_or_else(|| {
            a.err(format_args!(
                "expects integers or floats (or one array of them); found a value of type '{}'",
                type_name(v)
            ))
        })?;
        best = Some(match best {
            None => n,
            Some(b) => {
                let better = match n.cmp(b) {
                    Some(o) => (o.is_gt() && max) || (o.is_lt() && !max),
                    None => false,
                };
                if better { n } else { b }
            }
        });
    }
    let best = best.ok_or_else(|| a.err("needs at least one number; the array is empty"))?;
    num_value(best).ok_or_else(|| a.err("produced a number that is not finite"))
}

/// `rand(min, max)`: an integer in [min, max) ([FN] §rand). The simulator is deterministic: the
/// value is derived from the run's sequence number ([`super::Env::next_sequence`]) by a fixed
/// mix (SplitMix64), so the same run always draws the same numbers.
fn rand(a: &Args) -> Result<Value, EvalError> {
    let (lo, hi) = (a.int(0)?, a.int(1)?);
    if lo >= hi {
        return Err(a.err(format_args!(
            "expects the minimum ({lo}) to be less than the maximum ({hi})"
        )));
    }
    let mut z = a
        .ctx
        .env
        .next_sequence()
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let span = (hi as i128 - lo as i128) as u128;
    Ok(Value::from(
        (lo as i128 + (z as u128 % span) as i128) as i64,
    ))
}

/// `range(start, count)`: [FN] §range: count "must be a positive integer that doesn't exceed
/// 100,000" and "The sum of the startIndex and count values must not exceed 2,147,483,647".
fn range(a: &Args) -> Result<Value, EvalError> {
    let (start, count) = (a.int(0)?, a.int(1)?);
    if !(0..=100_000).contains(&count) {
        return Err(a.err(format_args!(
            "expects the count (second parameter) to be between 0 and 100000, but it is {count}"
        )));
    }
    if start.saturating_add(count) > i32::MAX as i64 {
        return Err(
            a.err("expects the sum of the start index and the count not to exceed 2147483647")
        );
    }
    Ok(Value::Array(
        (start..start + count).map(Value::from).collect(),
    ))
}
