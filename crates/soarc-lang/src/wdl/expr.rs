//! Workflow Definition Language (Logic Apps) expressions: AST, parser and printer.
//!
//! The grammar and the template rules mirror the open-source Logic Apps designer parser
//! (Azure/LogicAppsUX `libs/logic-apps-shared/src/parsers/lib/expression/{scanner,parser}.ts`
//! and `isTemplateExpression` in `common/exceptions/expression.ts`), checked against Learn's
//! "Schema reference for Workflow Definition Language" (`logic-apps-workflow-definition-language.md`):
//!
//! * A JSON string is evaluated only if it is at least 2 characters long and starts with `@`,
//!   or contains `@{` anywhere after the first character. Everything else is plain text
//!   (so `"@"` alone and `" @"` are literal).
//! * `@@…` at the start: the rest of the string, verbatim, is literal text (Learn: `"@@"` is the
//!   one-character string `@`). Later `@{` in that string are *not* interpolations.
//! * `@x…` (second char not `{`): the whole remainder is one expression; its result keeps its
//!   type. `"@concat('a') @{b}"` is therefore a syntax error, not interpolation.
//! * `@{…` at the start, or `@{` later: string interpolation; the result is always a string
//!   (Learn: `"@{parameters('myAge')}"` returns `"42"`). A segment ends at the first `}` outside
//!   a `'…'` literal. `@@{` mid-string is the escape for literal `@{` (Learn: `"My age is
//!   @@{parameters('myAge')}"` returns the text with `@{`); the escape drops one `@`, any
//!   other `@@` mid-string stays as written.
//! * Expressions: a literal (`'str'` with `''` for a quote, integer, float, `true`, `false`,
//!   `null`; keywords matched case-insensitively) or a function call `name(args)` followed by
//!   any number of dereferences `.name`, `[expr]`, each optionally prefixed with `?`
//!   (null-safe). Dereferences are only allowed after a call, not after literals.
//!   There are no operators. Whitespace may separate tokens.

use std::fmt;

use super::functions;

/// Maximum length the runtime accepts for one expression (Learn limits page; the designer's
/// scanner enforces it too). Not enforced by the parser: validators report it.
pub use crate::limits::MAX_EXPRESSION_LENGTH;

/// Nesting beyond this is rejected so that hostile input cannot overflow the stack.
const MAX_DEPTH: usize = 256;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string literal; printed with single quotes, `'` doubled.
    Str(String),
    /// `name(arg, ...)`; the name is kept as written.
    Call {
        name: String,
        args: Vec<Expr>,
    },
    /// `base['key']`, `base[expr]`, or with `optional: true` `base?['key']`.
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
        optional: bool,
    },
    /// `base.name` or `base?.name`.
    Member {
        base: Box<Expr>,
        name: String,
        optional: bool,
    },
}

impl Expr {
    pub fn call(name: &str, args: Vec<Expr>) -> Expr {
        Expr::Call {
            name: name.to_string(),
            args,
        }
    }

    pub fn str(s: impl Into<String>) -> Expr {
        Expr::Str(s.into())
    }

    /// `self?['key']` (null-safe, what the designer writes)
    pub fn prop(self, key: &str) -> Expr {
        Expr::Index {
            base: Box::new(self),
            index: Box::new(Expr::str(key)),
            optional: true,
        }
    }

    /// `self['key']` (not null-safe)
    pub fn at(self, key: &str) -> Expr {
        Expr::Index {
            base: Box::new(self),
            index: Box::new(Expr::str(key)),
            optional: false,
        }
    }

    /// Visit every node depth-first, parents before children (call arguments in order;
    /// for dereferences the base, then the index).
    pub fn walk(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Call { args, .. } => args.iter().for_each(|a| a.walk(f)),
            Expr::Index { base, index, .. } => {
                base.walk(f);
                index.walk(f);
            }
            Expr::Member { base, .. } => base.walk(f),
            _ => {}
        }
    }

    /// Check every call against the function catalogue: unknown names (with a suggestion)
    /// and wrong argument counts.
    pub fn check_calls(&self) -> Vec<CallIssue> {
        let mut issues = Vec::new();
        self.walk(&mut |e| {
            if let Expr::Call { name, args } = e {
                match functions::lookup(name) {
                    None => issues.push(CallIssue::Unknown {
                        name: name.clone(),
                        suggestion: functions::suggest(name),
                    }),
                    Some(sig) if !sig.accepts(args.len()) => issues.push(CallIssue::Arity {
                        name: name.clone(),
                        expected: sig.arity(),
                        found: args.len(),
                    }),
                    Some(_) => {}
                }
            }
        });
        issues
    }
}

/// A problem with a function call found by [`Expr::check_calls`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallIssue {
    Unknown {
        name: String,
        suggestion: Option<&'static str>,
    },
    Arity {
        name: String,
        expected: String,
        found: usize,
    },
}

impl fmt::Display for CallIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallIssue::Unknown {
                name,
                suggestion: Some(s),
            } => write!(f, "unknown function '{name}'; did you mean '{s}'?"),
            CallIssue::Unknown { name, .. } => write!(f, "unknown function '{name}'"),
            CallIssue::Arity {
                name,
                expected,
                found,
            } => write!(
                f,
                "function '{name}' takes {expected} argument(s), found {found}"
            ),
        }
    }
}

/// Characters that end an identifier in the designer's scanner (besides whitespace).
fn is_ident_char(c: char) -> bool {
    !matches!(
        c,
        '.' | ',' | '(' | ')' | '{' | '}' | '@' | '[' | ']' | '?' | '\''
    ) && !c.is_whitespace()
}

/// Whether `name` can be printed after `.` and read back as the same member name.
fn is_member_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if is_ident_char(c) && !c.is_ascii_digit() && c != '+' && c != '-' && c != '"' => {
            chars.all(is_ident_char)
        }
        _ => false,
    }
}

fn write_str_literal(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("'")?;
    f.write_str(&s.replace('\'', "''"))?;
    f.write_str("'")
}

/// Expression text without the leading `@`. Floats always carry a `.` or exponent so they read
/// back as floats; non-finite floats (no literal syntax) print as `float('NaN')` etc.
/// A `Member` whose name is not a valid identifier prints in index form `['name']`, and
/// dereferencing a literal prints text the parser rejects (the language has no such form).
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Null => f.write_str("null"),
            Expr::Bool(b) => write!(f, "{b}"),
            Expr::Int(i) => write!(f, "{i}"),
            Expr::Float(x) if x.is_nan() => f.write_str("float('NaN')"),
            Expr::Float(x) if x.is_infinite() && *x > 0.0 => f.write_str("float('Infinity')"),
            Expr::Float(x) if x.is_infinite() => f.write_str("float('-Infinity')"),
            Expr::Float(x) => write!(f, "{x:?}"),
            Expr::Str(s) => write_str_literal(f, s),
            Expr::Call { name, args } => {
                write!(f, "{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
            Expr::Index {
                base,
                index,
                optional,
            } => write!(f, "{base}{}[{index}]", if *optional { "?" } else { "" }),
            Expr::Member {
                base,
                name,
                optional,
            } => {
                write!(f, "{base}{}", if *optional { "?" } else { "" })?;
                if is_member_name(name) {
                    write!(f, ".{name}")
                } else {
                    f.write_str("[")?;
                    write_str_literal(f, name)?;
                    f.write_str("]")
                }
            }
        }
    }
}

pub use crate::syntax::ParseError;

fn err<T>(offset: usize, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        offset,
        message: message.into(),
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Dot,
    Comma,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Question,
    Str(String),
    Int(i64),
    Float(f64),
    Ident(String),
    End,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Dot => "'.'".into(),
            Tok::Comma => "','".into(),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::LBracket => "'['".into(),
            Tok::RBracket => "']'".into(),
            Tok::Question => "'?'".into(),
            Tok::Str(_) => "a string literal".into(),
            Tok::Int(_) | Tok::Float(_) => "a number".into(),
            Tok::Ident(s) => format!("'{s}'"),
            Tok::End => "end of expression".into(),
        }
    }
}

/// Tokenizer + recursive-descent parser over one expression. `base` is added to every reported
/// offset so errors inside `@{…}` point into the whole template string.
struct Parser<'a> {
    src: &'a str,
    pos: usize,
    base: usize,
    tok: Tok,
    tok_start: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, base: usize) -> Result<Self, ParseError> {
        let mut p = Parser {
            src,
            pos: 0,
            base,
            tok: Tok::End,
            tok_start: 0,
            depth: 0,
        };
        p.advance()?;
        Ok(p)
    }

    fn at(&self, offset: usize) -> usize {
        self.base + offset
    }

    fn peek_char(&self, at: usize) -> Option<char> {
        // ASCII (almost every byte of an expression) without decoding UTF-8.
        match self.src.as_bytes().get(at) {
            Some(&b) if b.is_ascii() => Some(char::from(b)),
            _ => self.src[at..].chars().next(),
        }
    }

    /// Read the next token into `self.tok`.
    fn advance(&mut self) -> Result<(), ParseError> {
        while let Some(c) = self.peek_char(self.pos) {
            if !c.is_whitespace() {
                break;
            }
            self.pos += c.len_utf8();
        }
        self.tok_start = self.pos;
        let Some(c) = self.peek_char(self.pos) else {
            self.tok = Tok::End;
            return Ok(());
        };
        let single = match c {
            '.' => Some(Tok::Dot),
            ',' => Some(Tok::Comma),
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            '?' => Some(Tok::Question),
            _ => None,
        };
        if let Some(t) = single {
            self.pos += 1;
            self.tok = t;
            return Ok(());
        }
        self.tok = match c {
            '\'' => self.string()?,
            '+' | '-' | '0'..='9' => self.number()?,
            '"' => {
                return err(
                    self.at(self.pos),
                    "double quotes are not allowed in expressions; string literals use single quotes",
                );
            }
            c if is_ident_char(c) => {
                let start = self.pos;
                while let Some(c) = self.peek_char(self.pos).filter(|c| is_ident_char(*c)) {
                    self.pos += c.len_utf8();
                }
                Tok::Ident(self.src[start..self.pos].to_string())
            }
            c => {
                return err(
                    self.at(self.pos),
                    format!("unexpected character '{c}' in expression"),
                );
            }
        };
        Ok(())
    }

    fn string(&mut self) -> Result<Tok, ParseError> {
        let start = self.pos;
        let mut out = String::new();
        let mut i = start + 1;
        loop {
            let Some(rel) = self.src[i..].find('\'') else {
                return err(
                    self.at(start),
                    "unterminated string literal: expected closing '",
                );
            };
            out.push_str(&self.src[i..i + rel]);
            i += rel + 1;
            if self.src[i..].starts_with('\'') {
                out.push('\'');
                i += 1;
            } else {
                self.pos = i;
                return Ok(Tok::Str(out));
            }
        }
    }

    /// `[+-]digits[.digits][e[+-]digits]`, as the designer's scanner reads numbers.
    fn number(&mut self) -> Result<Tok, ParseError> {
        let b = self.src.as_bytes();
        let start = self.pos;
        let mut i = start;
        let digits = |mut i: usize| {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            i
        };
        if b[i] == b'+' || b[i] == b'-' {
            i += 1;
        }
        i = digits(i);
        let mut is_float = false;
        if i < b.len() && b[i] == b'.' {
            is_float = true;
            i = digits(i + 1);
        }
        if i < b.len() && b[i] == b'e' {
            is_float = true;
            i += 1;
            if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                i += 1;
            }
            i = digits(i);
        }
        if let Some(c) = self.peek_char(i).filter(|c| is_ident_char(*c)) {
            return err(
                self.at(i),
                format!("unexpected character '{c}' after number"),
            );
        }
        self.pos = i;
        let text = &self.src[start..i];
        if is_float {
            match text.parse::<f64>() {
                Ok(x) => Ok(Tok::Float(x)),
                Err(_) => err(self.at(start), format!("invalid number '{text}'")),
            }
        } else {
            match text.parse::<i64>() {
                Ok(n) => Ok(Tok::Int(n)),
                Err(_) if text.len() > 1 => err(
                    self.at(start),
                    format!("integer '{text}' does not fit in 64 bits"),
                ),
                Err(_) => err(self.at(start), format!("invalid number '{text}'")),
            }
        }
    }

    fn unexpected<T>(&self, expected: &str) -> Result<T, ParseError> {
        err(
            self.at(self.tok_start),
            format!("expected {expected}, found {}", self.tok.describe()),
        )
    }

    fn parse_all(&mut self) -> Result<Expr, ParseError> {
        let e = self.value()?;
        if self.tok != Tok::End {
            let hint = if matches!(self.tok, Tok::Dot | Tok::LBracket | Tok::Question)
                && !matches!(
                    e,
                    Expr::Call { .. } | Expr::Index { .. } | Expr::Member { .. }
                ) {
                "end of expression (properties and indexes can only follow a function call)"
            } else {
                "end of expression"
            };
            return self.unexpected(hint);
        }
        Ok(e)
    }

    fn value(&mut self) -> Result<Expr, ParseError> {
        let lit = match &self.tok {
            Tok::Str(s) => Some(Expr::Str(s.clone())),
            Tok::Int(n) => Some(Expr::Int(*n)),
            Tok::Float(x) => Some(Expr::Float(*x)),
            Tok::Ident(s) if s.eq_ignore_ascii_case("null") => Some(Expr::Null),
            Tok::Ident(s) if s.eq_ignore_ascii_case("true") => Some(Expr::Bool(true)),
            Tok::Ident(s) if s.eq_ignore_ascii_case("false") => Some(Expr::Bool(false)),
            Tok::Ident(_) => None,
            _ => {
                return self
                    .unexpected("a value (function call, string, number, true, false or null)");
            }
        };
        if let Some(lit) = lit {
            self.advance()?;
            return Ok(lit);
        }
        let Tok::Ident(name) = std::mem::replace(&mut self.tok, Tok::End) else {
            return self.unexpected("a function name");
        };
        let depth = self.depth;
        let e = self.call_and_derefs(name);
        self.depth = depth;
        e
    }

    /// `name(args)` and the dereferences after it. Each call and each dereference counts as one
    /// level of nesting, so that neither `f(f(f(…` nor `f()[0][0]…` can build a tree deep
    /// enough to overflow the stack when printed, walked or dropped.
    fn nest(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return err(self.at(self.tok_start), "expression nested too deeply");
        }
        Ok(())
    }

    fn call_and_derefs(&mut self, name: String) -> Result<Expr, ParseError> {
        self.nest()?;
        let name_start = self.tok_start;
        self.advance()?;
        if self.tok != Tok::LParen {
            return err(
                self.at(self.tok_start),
                format!(
                    "expected '(' after function name '{name}' at offset {} (bare names are not values), found {}",
                    self.at(name_start),
                    self.tok.describe()
                ),
            );
        }
        let open = self.tok_start;
        self.advance()?;
        let mut args = Vec::new();
        if self.tok == Tok::RParen {
            self.advance()?;
        } else {
            loop {
                args.push(self.value()?);
                match self.tok {
                    Tok::Comma => self.advance()?,
                    Tok::RParen => {
                        self.advance()?;
                        break;
                    }
                    _ => {
                        return self.unexpected(&format!(
                            "',' or ')' to close call to '{name}' opened at offset {}",
                            self.at(open)
                        ));
                    }
                }
            }
        }
        let mut e = Expr::Call { name, args };
        loop {
            let optional = self.tok == Tok::Question;
            if optional {
                self.advance()?;
            }
            match self.tok {
                Tok::Dot => {
                    self.nest()?;
                    self.advance()?;
                    let Tok::Ident(member) = std::mem::replace(&mut self.tok, Tok::End) else {
                        return err(
                            self.at(self.tok_start),
                            "expected a property name after '.'",
                        );
                    };
                    self.advance()?;
                    e = Expr::Member {
                        base: Box::new(e),
                        name: member,
                        optional,
                    };
                }
                Tok::LBracket => {
                    self.nest()?;
                    let open = self.tok_start;
                    self.advance()?;
                    let index = self.value()?;
                    if self.tok != Tok::RBracket {
                        return self.unexpected(&format!(
                            "']' to close '[' opened at offset {}",
                            self.at(open)
                        ));
                    }
                    self.advance()?;
                    e = Expr::Index {
                        base: Box::new(e),
                        index: Box::new(index),
                        optional,
                    };
                }
                _ if optional => return self.unexpected("'.' or '[' after '?'"),
                _ => return Ok(e),
            }
        }
    }
}

/// Parse expression text (without the leading `@`).
pub fn parse_expr(s: &str) -> Result<Expr, ParseError> {
    parse_expr_at(s, 0)
}

fn parse_expr_at(s: &str, base: usize) -> Result<Expr, ParseError> {
    Parser::new(s, base)?.parse_all()
}

/// A JSON string value in a workflow definition, as the Logic Apps runtime reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Template {
    /// Plain text, no evaluation.
    Literal(String),
    /// `"@expr"`: the whole value is the expression's result (keeps its type: object, int, ...).
    Expr(Expr),
    /// `"text @{expr} text"`: string interpolation, always a string.
    Interpolated(Vec<Part>),
}

/// Literal text (escaped when printed, so it is never evaluated).
impl From<&str> for Template {
    fn from(text: &str) -> Self {
        Template::Literal(text.to_string())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    Expr(Expr),
}

/// `s` contains `@{`: each `@` found with `str::find(char)` (a memchr), then the byte after
/// it checked, without setting up a substring searcher for every string value.
fn has_interpolation(s: &str) -> bool {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(i) = s[from..].find('@') {
        let at = from + i;
        if b.get(at + 1) == Some(&b'{') {
            return true;
        }
        from = at + 1;
    }
    false
}

impl Template {
    /// The exact JSON string content (before JSON escaping) that Logic Apps reads back as the
    /// normalized `self` (see [`Template::normalize`]).
    ///
    /// Escapes: a literal starting with `@` gets one more `@` in front (the rest is then never
    /// interpreted); otherwise every `@{` in literal text is written `@@{`. Interpolated text
    /// needs no other escapes once normalized.
    pub fn to_wdl_string(&self) -> String {
        let mut out = String::new();
        self.write_wdl(&mut out)
            .expect("writing to a String does not fail");
        out
    }

    /// [`Template::to_wdl_string`], written to `out` (a JSON serializer writes it straight
    /// into the document: see [`Template::wdl`]). A template that is normalized already (as
    /// parsed ones are, and most built ones) is printed as it is, without the copy
    /// [`Template::normalize`] takes.
    pub fn write_wdl(&self, out: &mut impl fmt::Write) -> fmt::Result {
        if !self.is_normalized() {
            return self.clone().normalize().write_normalized(out);
        }
        self.write_normalized(out)
    }

    /// [`Template::write_wdl`] as a `Display` value.
    pub fn wdl(&self) -> impl fmt::Display + '_ {
        struct Wdl<'a>(&'a Template);
        impl fmt::Display for Wdl<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.write_wdl(f)
            }
        }
        Wdl(self)
    }

    fn write_normalized(&self, out: &mut impl fmt::Write) -> fmt::Result {
        /// Literal text with every `@{` written `@@{`.
        fn text(out: &mut impl fmt::Write, t: &str) -> fmt::Result {
            let mut rest = t;
            while let Some(i) = rest.find("@{") {
                out.write_str(&rest[..i])?;
                out.write_str("@@{")?;
                rest = &rest[i + 2..];
            }
            out.write_str(rest)
        }
        match self {
            Template::Literal(s) if s.starts_with('@') => {
                out.write_char('@')?;
                out.write_str(s)
            }
            Template::Literal(s) => text(out, s),
            Template::Expr(e) => write!(out, "@{e}"),
            Template::Interpolated(parts) => {
                for p in parts {
                    match p {
                        Part::Text(t) => text(out, t)?,
                        Part::Expr(e) => write!(out, "@{{{e}}}")?,
                    }
                }
                Ok(())
            }
        }
    }

    /// Whether [`Template::normalize`] would give `self` back unchanged: no empty or
    /// adjacent text parts, an expression part, no `@` opening the value, and no `@` right
    /// before an expression.
    fn is_normalized(&self) -> bool {
        let Template::Interpolated(parts) = self else {
            return true;
        };
        if !parts.iter().any(|p| matches!(p, Part::Expr(_))) {
            return false;
        }
        if let Some(Part::Text(first)) = parts.first()
            && first.starts_with('@')
        {
            return false;
        }
        parts
            .iter()
            .zip(parts.iter().skip(1).map(Some).chain([None]))
            .all(|(p, next)| {
                let Part::Text(t) = p else {
                    return true;
                };
                !t.is_empty()
                    && match next {
                        Some(Part::Text(_)) => false,
                        Some(Part::Expr(_)) => !t.ends_with('@'),
                        None => true,
                    }
            })
    }

    /// `s` is plain text for [`Template::parse`] (a [`Template::Literal`]), as far as can be
    /// told without parsing or allocating: no `@{` in it and no leading `@` other than `@@`.
    /// `false` does not make it an expression: `a@@{x}` (only escaped `@`) is a literal too.
    pub fn is_plain_text(s: &str) -> bool {
        let b = s.as_bytes();
        if s.starts_with('@') && s.len() >= 2 {
            b[1] == b'@'
        } else {
            !has_interpolation(s)
        }
    }

    /// Parse a JSON string value as Logic Apps would. Never panics on any input.
    /// The result is normalized.
    pub fn parse(s: &str) -> Result<Template, ParseError> {
        let b = s.as_bytes();
        let starts_at = s.starts_with('@') && s.len() >= 2;
        if !starts_at && !has_interpolation(s) {
            return Ok(Template::Literal(s.to_string()));
        }
        if starts_at && b[1] != b'{' {
            if b[1] == b'@' {
                return Ok(Template::Literal(s[1..].to_string()));
            }
            return Ok(Template::Expr(parse_expr_at(&s[1..], 1)?));
        }
        // Interpolation. All delimiters are ASCII, so byte positions are char boundaries.
        let mut parts = Vec::new();
        let mut text = String::new();
        let (mut prev, mut i) = (0, 0);
        while i + 1 < b.len() {
            if !(b[i] == b'@' && b[i + 1] == b'{') {
                i += 1;
                continue;
            }
            text.push_str(&s[prev..i]);
            if i > 0 && b[i - 1] == b'@' {
                // `@@{`: the text keeps the first `@`, this one is dropped.
                i += 1;
                prev = i;
                continue;
            }
            let start = i;
            let mut in_literal = false;
            let end = loop {
                match b.get(i) {
                    None => {
                        return err(
                            start,
                            "unterminated '@{' interpolation: expected '}' (a '}' inside a '...' string does not count)",
                        );
                    }
                    Some(b'\'') => in_literal = !in_literal,
                    Some(b'}') if !in_literal => break i,
                    _ => {}
                }
                i += 1;
            };
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(Part::Expr(parse_expr_at(&s[start + 2..end], start + 2)?));
            i = end + 1;
            prev = i;
        }
        text.push_str(&s[prev..]);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template::Interpolated(parts).normalize())
    }

    /// Normalise: merge adjacent Text parts and drop empty ones; Interpolated with no expr ->
    /// Literal; Interpolated of exactly one Expr with no text stays Interpolated (it
    /// stringifies, unlike `Template::Expr`).
    ///
    /// Two `@` placements in interpolated text cannot be written literally: a `@` at the very
    /// start (it would turn the value into `@expr`) and `@`s right before an expression (they
    /// would form the `@@{` escape). Those `@`s move into an `Expr(Str("@…"))` part, which
    /// stringifies to the same text.
    pub fn normalize(self) -> Template {
        let parts = match self {
            Template::Interpolated(parts) => parts,
            other => return other,
        };
        let mut merged: Vec<Part> = Vec::new();
        for p in parts {
            match (p, merged.last_mut()) {
                (Part::Text(t), _) if t.is_empty() => {}
                (Part::Text(t), Some(Part::Text(prev))) => prev.push_str(&t),
                (p, _) => merged.push(p),
            }
        }
        if !merged.iter().any(|p| matches!(p, Part::Expr(_))) {
            let mut s = String::new();
            for p in merged {
                if let Part::Text(t) = p {
                    s.push_str(&t);
                }
            }
            return Template::Literal(s);
        }
        let mut out: Vec<Part> = Vec::with_capacity(merged.len() + 2);
        let mut iter = merged.into_iter().peekable();
        while let Some(p) = iter.next() {
            let Part::Text(mut t) = p else {
                out.push(p);
                continue;
            };
            if out.is_empty() && t.starts_with('@') {
                t.remove(0);
                out.push(Part::Expr(Expr::str("@")));
            }
            let mut ats = String::new();
            if matches!(iter.peek(), Some(Part::Expr(_))) {
                let kept = t.trim_end_matches('@').len();
                ats = t.split_off(kept);
            }
            if !t.is_empty() {
                out.push(Part::Text(t));
            }
            if !ats.is_empty() {
                out.push(Part::Expr(Expr::Str(ats)));
            }
        }
        Template::Interpolated(out)
    }

    /// Every expression in this template, without collecting them (validators walk every
    /// expression of a workflow once per rule).
    pub fn each_expr(&self) -> impl Iterator<Item = &Expr> {
        let (whole, parts): (Option<&Expr>, &[Part]) = match self {
            Template::Literal(_) => (None, &[]),
            Template::Expr(e) => (Some(e), &[]),
            Template::Interpolated(parts) => (None, parts),
        };
        whole
            .into_iter()
            .chain(parts.iter().filter_map(|p| match p {
                Part::Expr(e) => Some(e),
                Part::Text(_) => None,
            }))
    }

    /// Every expression in this template (for validators).
    pub fn exprs(&self) -> Vec<&Expr> {
        match self {
            Template::Literal(_) => Vec::new(),
            Template::Expr(e) => vec![e],
            Template::Interpolated(parts) => parts
                .iter()
                .filter_map(|p| match p {
                    Part::Expr(e) => Some(e),
                    Part::Text(_) => None,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    /// `@{` is found after any number of other `@`, at the end, or not at all.
    #[test]
    fn interpolation_found_after_other_at_signs() {
        for (s, expect) in [
            ("", false),
            ("@", false),
            ("a@", false),
            ("a@b@c", false),
            ("{@", false),
            ("@{", true),
            ("a@b@{x}", true),
            ("a@@{x}", true),
            ("é@é@{x}", true),
        ] {
            assert_eq!(super::has_interpolation(s), expect, "{s}");
            assert_eq!(super::has_interpolation(s), s.contains("@{"), "{s}");
        }
    }

    /// What `is_plain_text` accepts, `parse` reads as a literal; expressions it never accepts.
    #[test]
    fn plain_text_is_what_parse_reads_as_a_literal() {
        for (s, plain) in [
            ("", true),
            ("@", true),
            ("@@", true),
            ("@@{x}", true),
            ("@@x", true),
            ("a@b", true),
            ("mail@x.com", true),
            ("@x", false),
            ("@{x}", false),
            ("a@{x}", false),
            ("@'a'", false),
            ("x@{y", false),
            // Only escaped: a literal, though not told without parsing.
            ("a@@{x}", false),
        ] {
            assert_eq!(super::Template::is_plain_text(s), plain, "{s}");
            if plain {
                let parsed = super::Template::parse(s);
                assert!(matches!(parsed, Ok(super::Template::Literal(_))), "{s}");
            }
        }
    }

    use super::*;
    use proptest::prelude::*;

    fn call(name: &str, args: Vec<Expr>) -> Expr {
        Expr::call(name, args)
    }

    fn p(s: &str) -> Expr {
        parse_expr(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn t(s: &str) -> Template {
        Template::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn literals() {
        assert_eq!(p("null"), Expr::Null);
        assert_eq!(p("NULL"), Expr::Null);
        assert_eq!(p(" true "), Expr::Bool(true));
        assert_eq!(p("False"), Expr::Bool(false));
        assert_eq!(p("-42"), Expr::Int(-42));
        assert_eq!(p("+7"), Expr::Int(7));
        assert_eq!(p("1.5"), Expr::Float(1.5));
        assert_eq!(p("-2e3"), Expr::Float(-2000.0));
        assert_eq!(p("'it''s'"), Expr::str("it's"));
        assert_eq!(p("''"), Expr::str(""));
        assert_eq!(
            p("-9223372036854775808"),
            Expr::Int(i64::MIN),
            "i64::MIN reads back"
        );
    }

    #[test]
    fn calls_and_derefs() {
        let e = p("triggerBody()?['object']?['properties'].id");
        let want = Expr::Member {
            base: Box::new(
                call("triggerBody", vec![])
                    .prop("object")
                    .prop("properties"),
            ),
            name: "id".into(),
            optional: false,
        };
        assert_eq!(e, want);
        assert_eq!(e.to_string(), "triggerBody()?['object']?['properties'].id");
        let e = p(
            "concat( 'a' , body('x')[0] ,parameters('$connections')['azuresentinel']['connectionId'])",
        );
        assert_eq!(
            e.to_string(),
            "concat('a', body('x')[0], parameters('$connections')['azuresentinel']['connectionId'])"
        );
        assert_eq!(p("item()?.name"), call("item", vec![]).member_opt("name"));
        assert_eq!(p("f()[g()]").to_string(), "f()[g()]");
        assert_eq!(p("workflow().run.id").to_string(), "workflow().run.id");
    }

    impl Expr {
        fn member_opt(self, name: &str) -> Expr {
            Expr::Member {
                base: Box::new(self),
                name: name.into(),
                optional: true,
            }
        }
    }

    #[test]
    fn printer() {
        assert_eq!(Expr::Float(1.0).to_string(), "1.0");
        assert_eq!(Expr::Float(1e-7).to_string(), "1e-7");
        assert_eq!(parse_expr("1e-7").unwrap(), Expr::Float(1e-7));
        assert_eq!(Expr::Float(f64::NAN).to_string(), "float('NaN')");
        assert_eq!(Expr::str("a'b}").to_string(), "'a''b}'");
        let m = Expr::Member {
            base: Box::new(call("f", vec![])),
            name: "has space".into(),
            optional: true,
        };
        assert_eq!(m.to_string(), "f()?['has space']");
    }

    fn msg(s: &str) -> ParseError {
        parse_expr(s).unwrap_err()
    }

    #[test]
    fn errors() {
        let e = msg("concat('a', 'b'");
        assert_eq!(e.offset, 15);
        assert!(
            e.message
                .contains("to close call to 'concat' opened at offset 6"),
            "{e}"
        );
        assert!(msg("'abc").message.contains("unterminated string"));
        assert!(msg("concat(\"a\")").message.contains("single quotes"));
        assert!(msg("foo").message.contains("expected '('"));
        assert!(
            msg("'a'['b']")
                .message
                .contains("only follow a function call")
        );
        assert!(msg("f()?").message.contains("after '?'"));
        assert!(msg("f()?.1").message.contains("property name"));
        assert!(msg("f(1,)").message.contains("expected a value"));
        assert!(msg("").message.contains("expected a value"));
        assert!(msg("f() g()").message.contains("end of expression"));
        assert!(msg("1abc").message.contains("after number"));
        assert!(msg("-").message.contains("invalid number"));
        assert!(msg("99999999999999999999").message.contains("64 bits"));
        assert!(msg("f(}").message.contains("unexpected character '}'"));
        assert_eq!(Template::parse("x @{f(}").unwrap_err().offset, 6);
        assert!(
            Template::parse("x @{'a}'")
                .unwrap_err()
                .message
                .contains("unterminated")
        );
        let deep = "f(".repeat(10_000);
        assert!(msg(&deep).message.contains("too deeply"));
        let chain = format!("f(){}", "?['a']".repeat(10_000));
        assert!(msg(&chain).message.contains("too deeply"));
        let ok = format!("f(){}", "?['a']".repeat(100));
        assert!(parse_expr(&ok).is_ok());
        let e = Template::parse("@concat('a') @{b()}").unwrap_err();
        assert_eq!(e.offset, 13, "{e}");
    }

    #[test]
    fn template_modes() {
        assert_eq!(t(""), Template::Literal("".into()));
        assert_eq!(t("@"), Template::Literal("@".into()));
        assert_eq!(t("@@"), Template::Literal("@".into()));
        assert_eq!(t(" @"), Template::Literal(" @".into()));
        assert_eq!(t("a@b.com"), Template::Literal("a@b.com".into()));
        assert_eq!(t("@@{x} @{y"), Template::Literal("@{x} @{y".into()));
        assert_eq!(
            t("@triggerBody()"),
            Template::Expr(call("triggerBody", vec![]))
        );
        assert_eq!(
            t("@{triggerBody()}"),
            Template::Interpolated(vec![Part::Expr(call("triggerBody", vec![]))])
        );
        assert_eq!(
            t("@{a()} x"),
            Template::Interpolated(vec![Part::Expr(call("a", vec![])), Part::Text(" x".into())])
        );
        assert_eq!(
            t("My age is @@{parameters('myAge')}"),
            Template::Literal("My age is @{parameters('myAge')}".into())
        );
        assert_eq!(
            t("x@@@{a()}"),
            Template::Literal("x@@{a()}".into()),
            "only the @ right before {{ is the escape"
        );
        assert_eq!(
            t("Incident @{f('}{')}!"),
            Template::Interpolated(vec![
                Part::Text("Incident ".into()),
                Part::Expr(call("f", vec![Expr::str("}{")])),
                Part::Text("!".into()),
            ])
        );
        let tpl = t("a @{x()} b @{y()}");
        assert_eq!(tpl.exprs().len(), 2);
        assert_eq!(tpl.each_expr().collect::<Vec<_>>(), tpl.exprs());
    }

    #[test]
    fn escaping() {
        let cases = [
            Template::Literal("@foo".into()),
            Template::Literal("@".into()),
            Template::Literal("a @{b} c".into()),
            Template::Literal("a @@{b}".into()),
            Template::Literal("@{b}".into()),
            Template::Interpolated(vec![
                Part::Text("@{x} @".into()),
                Part::Expr(call("f", vec![])),
            ]),
            Template::Interpolated(vec![
                Part::Text("@@".into()),
                Part::Expr(call("f", vec![])),
                Part::Text("@".into()),
            ]),
        ];
        for c in cases {
            let s = c.to_wdl_string();
            assert_eq!(t(&s), c.clone().normalize(), "{c:?} -> {s}");
        }
        assert_eq!(Template::Literal("@foo".into()).to_wdl_string(), "@@foo");
        assert_eq!(
            Template::Literal("a @{b}".into()).to_wdl_string(),
            "a @@{b}"
        );
        let lead = Template::Interpolated(vec![
            Part::Text("@x ".into()),
            Part::Expr(call("f", vec![])),
        ]);
        assert_eq!(lead.to_wdl_string(), "@{'@'}x @{f()}");
    }

    #[test]
    fn walk_and_check() {
        let e = p("concat(triggerbody()?['a'], nosuch(1), if(true, 1))");
        let mut names = Vec::new();
        e.walk(&mut |n| {
            if let Expr::Call { name, .. } = n {
                names.push(name.clone());
            }
        });
        assert_eq!(names, ["concat", "triggerbody", "nosuch", "if"]);
        let issues: Vec<String> = e.check_calls().iter().map(|i| i.to_string()).collect();
        assert_eq!(
            issues,
            [
                "unknown function 'nosuch'",
                "function 'if' takes 3 argument(s), found 2"
            ]
        );
    }

    // ---- property tests ----

    fn ident() -> impl Strategy<Value = String> {
        "[a-zA-Z_$][a-zA-Z0-9_$-]{0,8}".prop_filter("keyword", |s| {
            !["null", "true", "false"].contains(&s.to_ascii_lowercase().as_str())
        })
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                Just("@".to_string()),
                Just("@@".to_string()),
                Just("@{".to_string()),
                Just("@@{".to_string()),
                Just("'".to_string()),
                Just("}".to_string()),
                Just("[".to_string()),
                Just("{".to_string()),
                Just("\n".to_string()),
                Just("é😀".to_string()),
                "[a-z ]{1,3}",
                any::<String>().prop_map(|s| s.chars().take(3).collect()),
            ],
            0..8,
        )
        .prop_map(|v| v.concat())
    }

    fn leaf() -> impl Strategy<Value = Expr> {
        prop_oneof![
            Just(Expr::Null),
            any::<bool>().prop_map(Expr::Bool),
            any::<i64>().prop_map(Expr::Int),
            any::<f64>()
                .prop_filter("finite", |x| x.is_finite())
                .prop_map(Expr::Float),
            text().prop_map(Expr::Str),
            ident().prop_map(|n| Expr::call(&n, vec![])),
        ]
    }

    /// Expressions as the API builds them; dereferences only on calls/dereferences, as in WDL.
    fn expr() -> impl Strategy<Value = Expr> {
        leaf().prop_recursive(4, 32, 4, |inner| {
            let derefable = prop_oneof![
                (ident(), prop::collection::vec(inner.clone(), 0..4))
                    .prop_map(|(n, a)| Expr::call(&n, a)),
            ];
            let derefable = derefable.prop_recursive(2, 8, 2, move |base| {
                prop_oneof![
                    (base.clone(), text(), any::<bool>()).prop_map(|(b, k, o)| if o {
                        b.prop(&k)
                    } else {
                        b.at(&k)
                    }),
                    (base.clone(), ident(), any::<bool>()).prop_map(|(b, n, optional)| {
                        Expr::Member {
                            base: Box::new(b),
                            name: n,
                            optional,
                        }
                    }),
                    (base, leaf(), any::<bool>()).prop_map(|(b, i, optional)| Expr::Index {
                        base: Box::new(b),
                        index: Box::new(i),
                        optional,
                    }),
                ]
            });
            prop_oneof![inner, derefable]
        })
    }

    fn template() -> impl Strategy<Value = Template> {
        prop_oneof![
            text().prop_map(Template::Literal),
            expr().prop_map(Template::Expr),
            prop::collection::vec(
                prop_oneof![text().prop_map(Part::Text), expr().prop_map(Part::Expr)],
                0..6
            )
            .prop_map(Template::Interpolated),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn expr_round_trips(e in expr()) {
            let s = e.to_string();
            prop_assert_eq!(parse_expr(&s).map_err(|e| e.to_string()), Ok(e), "{}", s);
        }

        #[test]
        fn template_round_trips(t in template()) {
            let s = t.to_wdl_string();
            let n = t.clone().normalize();
            prop_assert_eq!(Template::parse(&s).map_err(|e| e.to_string()), Ok(n.clone()), "{}", s);
            prop_assert_eq!(n.clone().normalize(), n);
        }

        /// Printing skips the normalizing copy exactly when normalizing changes nothing.
        #[test]
        fn is_normalized_agrees_with_normalize(t in template()) {
            let n = t.clone().normalize();
            prop_assert_eq!(t.is_normalized(), n == t, "{:?}", t);
            let mut printed = String::new();
            n.write_normalized(&mut printed).unwrap();
            prop_assert_eq!(t.to_wdl_string(), printed);
        }

        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = Template::parse(&s);
            let _ = parse_expr(&s);
        }

        #[test]
        fn parse_never_panics_on_wdl_like(s in prop::collection::vec(prop_oneof![
            Just("@"), Just("{"), Just("}"), Just("'"), Just("("), Just(")"), Just("["), Just("]"),
            Just("?"), Just("."), Just(","), Just("-"), Just("1"), Just("e"), Just("f"), Just(" "),
            Just("é"), Just("\""),
        ], 0..24).prop_map(|v| v.concat())) {
            if let Ok(t) = Template::parse(&s) {
                // Whatever parses must print back to something that parses the same.
                prop_assert_eq!(Template::parse(&t.to_wdl_string()), Ok(t));
            }
            if let Ok(e) = parse_expr(&s) {
                prop_assert_eq!(parse_expr(&e.to_string()), Ok(e));
            }
        }
    }

    // ---- corpus ----

    /// `shared/reference` sits beside the crate (the workspace root's parent: `CARGO_MANIFEST_DIR/../../../shared/reference`).
    fn reference_dir() -> Option<std::path::PathBuf> {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference");
        dir.is_dir().then_some(dir)
    }

    fn json_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                json_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }

    /// Strings under any `definition` object (ARM `[...]` expressions excluded: ARM evaluates
    /// them before Logic Apps sees the result).
    fn definition_strings<'v>(v: &'v serde_json::Value, inside: bool, out: &mut Vec<&'v str>) {
        match v {
            serde_json::Value::String(s) if inside => {
                let arm = s.starts_with('[') && !s.starts_with("[[");
                if !arm && (s.starts_with('@') || s.contains("@{")) {
                    out.push(s);
                }
            }
            serde_json::Value::Array(a) => {
                a.iter().for_each(|x| definition_strings(x, inside, out))
            }
            serde_json::Value::Object(o) => {
                for (k, x) in o {
                    definition_strings(x, inside || k == "definition", out);
                }
            }
            _ => {}
        }
    }

    /// Every expression in the reference corpus' workflow definitions must parse.
    /// Needs serde_json (a normal dependency of the main crate).
    #[test]
    fn corpus_expressions_parse() {
        let Some(dir) = reference_dir() else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("shared/reference is missing (CI=true)");
            }
            eprintln!("notice: shared/reference not found; corpus test skipped");
            return;
        };
        let mut files = Vec::new();
        json_files(&dir.join("corpus"), &mut files);
        files.sort();
        let (mut parsed, mut failures, mut unknown) = (0usize, Vec::new(), Vec::new());
        for file in &files {
            let Ok(text) = std::fs::read_to_string(file) else {
                continue;
            };
            let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            let mut strings = Vec::new();
            definition_strings(&json, false, &mut strings);
            for s in strings {
                match Template::parse(s) {
                    Ok(t) => {
                        parsed += 1;
                        assert_eq!(Template::parse(&t.to_wdl_string()).as_ref(), Ok(&t));
                        for e in t.exprs() {
                            for issue in e.check_calls() {
                                unknown.push(format!("{}: {issue}", file.display()));
                            }
                        }
                    }
                    Err(e) => failures.push(format!("{}: {e}\n    {s}", file.display())),
                }
            }
        }
        eprintln!(
            "corpus: {} files, {parsed} expression strings parsed, {} failed, {} call issues",
            files.len(),
            failures.len(),
            unknown.len()
        );
        for u in &unknown {
            eprintln!("  call issue: {u}");
        }
        assert!(parsed > 0, "no expressions found under {}", dir.display());
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
