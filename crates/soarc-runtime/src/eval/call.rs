//! The evaluator proper: literals, property and index selection, and the dispatch of function
//! calls to the modules of each category.

use std::borrow::Cow;

use serde_json::Value;
use soarc_lang::wdl::Expr;
use soarc_lang::wdl::functions;

use super::value::{self, Num, type_name};
use super::{Env, EvalError};

/// A value that may be borrowed from the run or from the expression.
pub(crate) type V<'a> = Cow<'a, Value>;
pub(crate) type R<'a> = Result<V<'a>, EvalError>;

/// The run and the expression being evaluated (for messages).
pub(crate) struct Ctx<'a> {
    pub env: &'a dyn Env,
    /// The whole expression, printed in messages as Logic Apps does ("The template language
    /// expression '...' cannot be evaluated because ...").
    pub root: &'a Expr,
}

/// A key of `[...]`, `?[...]`, `.name`.
enum Key<'k> {
    Name(&'k str),
    Index(i64),
}

impl std::fmt::Display for Key<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Name(s) => f.write_str(s),
            Key::Index(i) => write!(f, "{i}"),
        }
    }
}

/// Where a key points inside a value.
enum Slot<'v> {
    Prop(&'v str, &'v Value),
    Elem(usize),
    Missing,
}

impl<'a> Ctx<'a> {
    pub(crate) fn eval(&self, e: &'a Expr) -> R<'a> {
        match e {
            Expr::Null => Ok(Cow::Owned(Value::Null)),
            Expr::Bool(b) => Ok(Cow::Owned(Value::Bool(*b))),
            Expr::Int(i) => Ok(Cow::Owned(Value::from(*i))),
            Expr::Float(x) => value::float(*x).map(Cow::Owned).ok_or_else(|| {
                EvalError::new(format!("The number '{x}' is not a valid JSON number."))
            }),
            Expr::Str(s) => Ok(Cow::Owned(Value::String(s.clone()))),
            Expr::Call { name, args } => self.call(name, args),
            Expr::Member {
                base,
                name,
                optional,
            } => {
                let b = self.eval(base)?;
                self.select(b, Key::Name(name), *optional)
            }
            Expr::Index {
                base,
                index,
                optional,
            } => {
                let b = self.eval(base)?;
                if let Expr::Str(k) = &**index {
                    return self.select(b, Key::Name(k), *optional);
                }
                if let Expr::Int(i) = &**index {
                    return self.select(b, Key::Index(*i), *optional);
                }
                let k = self.eval(index)?;
                let key = match &*k {
                    Value::String(s) => Key::Name(s),
                    v => match Num::of(v) {
                        Some(Num::Int(i)) => Key::Index(i),
                        _ => {
                            return Err(self.cannot_evaluate(format!(
                                "the index is of type '{}'; use a string to select a property or an integer to select an array element",
                                type_name(v)
                            )));
                        }
                    },
                };
                let out = self.select(b, key, *optional)?;
                Ok(out)
            }
        }
    }

    /// "The template language expression '<root>' cannot be evaluated because <why>."
    pub(crate) fn cannot_evaluate(&self, why: impl std::fmt::Display) -> EvalError {
        EvalError::new(format!(
            "The template language expression '{}' cannot be evaluated because {why}.",
            self.root
        ))
    }

    /// Where `key` points in `v`. Semantics of `[...]` and `?[...]`, as measured against the
    /// cloud by tomdam/flowforger (`expr/evaluator.ts` `selectOne`), with Learn's rule for `?`
    /// ([WDL] §Operators: "To reference null properties in an object without a runtime error,
    /// use the question mark operator"): with `?`, a null base, a missing property or an index
    /// past the end give null; without it they fail. Selecting from a string, number or boolean
    /// fails either way. Property names match case-insensitively (see `value::get_prop`).
    fn locate<'v>(
        &self,
        v: &'v Value,
        key: &Key<'_>,
        optional: bool,
    ) -> Result<Slot<'v>, EvalError> {
        match v {
            Value::Null if optional => Ok(Slot::Missing),
            Value::Object(map) => {
                let name: Cow<'_, str> = match key {
                    Key::Name(s) => Cow::Borrowed(s),
                    Key::Index(i) => Cow::Owned(i.to_string()),
                };
                match value::get_entry(map, &name) {
                    Some((k, x)) => Ok(Slot::Prop(k, x)),
                    None if optional => Ok(Slot::Missing),
                    None => {
                        let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                        Err(self.cannot_evaluate(format_args!(
                            "property '{key}' doesn't exist, available properties are '{}'",
                            keys.join(", ")
                        )))
                    }
                }
            }
            Value::Array(items) => {
                let index = match key {
                    Key::Index(i) => Some(*i),
                    Key::Name(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                        s.parse().ok()
                    }
                    Key::Name(_) => None,
                };
                let Some(index) = index else {
                    return Err(self.cannot_evaluate(format_args!(
                        "property '{key}' cannot be selected. Array elements can only be selected using an integer index"
                    )));
                };
                match usize::try_from(index).ok().filter(|i| *i < items.len()) {
                    Some(i) => Ok(Slot::Elem(i)),
                    None if optional => Ok(Slot::Missing),
                    None => Err(self.cannot_evaluate(format_args!(
                        "array index '{index}' is outside bounds (0, {}) of array",
                        items.len() as i64 - 1
                    ))),
                }
            }
            Value::Null => Err(self.cannot_evaluate(format_args!(
                "property '{key}' cannot be selected (the value is null; use '?[...]' to get null instead of an error)"
            ))),
            other => Err(self.cannot_evaluate(format_args!(
                "property '{key}' cannot be selected. Property selection is not supported on values of type '{}'",
                type_name(other)
            ))),
        }
    }

    fn select(&self, base: V<'a>, key: Key<'_>, optional: bool) -> R<'a> {
        match base {
            Cow::Borrowed(v) => Ok(match self.locate(v, &key, optional)? {
                Slot::Prop(_, x) => Cow::Borrowed(x),
                Slot::Elem(i) => Cow::Borrowed(&v[i]),
                Slot::Missing => Cow::Owned(Value::Null),
            }),
            Cow::Owned(v) => {
                // Move the selected part out of the owned parent rather than cloning it.
                let (prop, elem) = match self.locate(&v, &key, optional)? {
                    Slot::Prop(k, _) => (Some(k.to_string()), None),
                    Slot::Elem(i) => (None, Some(i)),
                    Slot::Missing => (None, None),
                };
                Ok(Cow::Owned(match (v, prop, elem) {
                    (Value::Object(mut m), Some(k), _) => m.swap_remove(&k).unwrap_or(Value::Null),
                    (Value::Array(mut a), _, Some(i)) => a.swap_remove(i),
                    _ => Value::Null,
                }))
            }
        }
    }

    /// `base?.outputs?.body`-style selection used by the workflow shorthands: a missing
    /// property, or a value that has no properties (the `outputs` of a Compose is its value),
    /// gives null.
    pub(crate) fn path(&self, mut v: V<'a>, keys: &[&str]) -> R<'a> {
        for k in keys {
            if !v.is_object() {
                return Ok(Cow::Owned(Value::Null));
            }
            v = self.select(v, Key::Name(k), true)?;
        }
        Ok(v)
    }

    fn call(&self, name: &'a str, exprs: &'a [Expr]) -> R<'a> {
        let Some(sig) = functions::lookup(name) else {
            let hint = functions::suggest(name)
                .map(|s| format!(" Did you mean '{s}'?"))
                .unwrap_or_default();
            return Err(EvalError::new(format!(
                "The template function '{name}' is not defined or not valid.{hint}"
            )));
        };
        if !sig.accepts(exprs.len()) {
            return Err(EvalError::new(format!(
                "The template language function '{}' takes {} parameter(s), but {} were given in expression '{}'.",
                sig.name,
                sig.arity(),
                exprs.len(),
                self.root
            )));
        }
        // Functions that decide which arguments to evaluate.
        match sig.name {
            "if" => return super::logical::if_(self, exprs),
            "and" => return super::logical::and_or(self, exprs, true),
            "or" => return super::logical::and_or(self, exprs, false),
            "coalesce" => return super::manipulation::coalesce(self, exprs),
            _ => {}
        }
        let mut vals = Vec::with_capacity(exprs.len());
        for e in exprs {
            vals.push(self.eval(e)?);
        }
        let mut a = Args {
            name: sig.name,
            vals,
            ctx: self,
        };
        // Each category's module matches the names it holds (the catalogue's categories).
        // `item()` is catalogued under Collection but reads the run.
        match sig.category {
            _ if sig.name == "item" => super::workflow::call(&mut a),
            "String" => super::string::call(&mut a),
            "Collection" => super::collection::call(&mut a),
            "Logical" => super::logical::call(&mut a),
            "Conversion" => super::conversion::call(&mut a),
            "Math" => super::math::call(&mut a),
            "Date/time" => super::datetime::call(&mut a),
            "Workflow" => super::workflow::call(&mut a),
            "URI" => super::uri::call(&mut a),
            _ => super::manipulation::call(&mut a),
        }
    }
}

/// The evaluated arguments of one call, with typed accessors whose errors name the function
/// and the argument, like the runtime's InvalidTemplate messages.
pub(crate) struct Args<'c, 'a> {
    pub name: &'static str,
    pub vals: Vec<V<'a>>,
    pub ctx: &'c Ctx<'a>,
}

impl<'a> Args<'_, 'a> {
    pub(crate) fn get(&self, i: usize) -> &Value {
        &self.vals[i]
    }

    /// The argument, if given.
    pub(crate) fn opt(&self, i: usize) -> Option<&Value> {
        self.vals.get(i).map(|v| &**v)
    }

    /// Moves the argument out (leaving null).
    pub(crate) fn take(&mut self, i: usize) -> V<'a> {
        std::mem::replace(&mut self.vals[i], Cow::Owned(Value::Null))
    }

    /// "The template language function 'x' <msg>."
    pub(crate) fn err(&self, msg: impl std::fmt::Display) -> EvalError {
        EvalError::new(format!(
            "The template language function '{}' {msg}.",
            self.name
        ))
    }

    /// The error for an argument of the wrong type.
    pub(crate) fn type_err(&self, i: usize, expected: &str) -> EvalError {
        // The runtime's wording: "expects its parameter to be a string" for one parameter,
        // "expects its first parameter to be of type string" for several.
        let (which, expected) = if self.vals.len() == 1 {
            ("its parameter".to_string(), expected.to_string())
        } else {
            let of_type = expected
                .strip_prefix("a ")
                .or_else(|| expected.strip_prefix("an "));
            (
                format!("its {} parameter", value::ordinal(i)),
                of_type.map_or(expected.to_string(), |t| format!("of type {t}")),
            )
        };
        self.err(format_args!(
            "expects {which} to be {expected}. The provided value is of type '{}'",
            type_name(self.get(i))
        ))
    }

    pub(crate) fn str(&self, i: usize) -> Result<&str, EvalError> {
        match self.get(i) {
            Value::String(s) => Ok(s),
            _ => Err(self.type_err(i, "a string")),
        }
    }

    /// An optional string argument; absent or null gives `None`.
    pub(crate) fn opt_str(&self, i: usize) -> Result<Option<&str>, EvalError> {
        match self.opt(i) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.str(i).map(Some),
        }
    }

    pub(crate) fn int(&self, i: usize) -> Result<i64, EvalError> {
        match Num::of(self.get(i)) {
            Some(Num::Int(n)) => Ok(n),
            _ => Err(self.type_err(i, "an integer")),
        }
    }

    pub(crate) fn num(&self, i: usize) -> Result<Num, EvalError> {
        Num::of(self.get(i)).ok_or_else(|| self.type_err(i, "an integer or a float"))
    }

    pub(crate) fn array(&self, i: usize) -> Result<&Vec<Value>, EvalError> {
        match self.get(i) {
            Value::Array(a) => Ok(a),
            _ => Err(self.type_err(i, "an array")),
        }
    }

    pub(crate) fn object(&self, i: usize) -> Result<&serde_json::Map<String, Value>, EvalError> {
        match self.get(i) {
            Value::Object(m) => Ok(m),
            _ => Err(self.type_err(i, "an object")),
        }
    }

    pub(crate) fn bool(&self, i: usize) -> Result<bool, EvalError> {
        match self.get(i) {
            Value::Bool(b) => Ok(*b),
            _ => Err(self.type_err(i, "a boolean")),
        }
    }
}
