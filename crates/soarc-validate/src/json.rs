//! A small JSON reader that keeps the byte offset of every value and key, so that every
//! diagnostic can point at a line and column of the file as written.
//!
//! It accepts what ARM accepts on top of RFC 8259: a leading UTF-8 byte order mark and `//` and
//! `/* */` comments. Duplicate keys are kept (the last one wins on lookup, as in Newtonsoft's
//! default) and recorded so a rule can report them. `serde_json` keeps no positions, hence
//! this reader; it is a plain recursive-descent parser with a depth limit.

use std::borrow::Cow;
use std::fmt;

/// Nesting limit: hostile input must not overflow the stack.
const MAX_DEPTH: usize = 512;

/// A JSON value with the byte offset where it starts. Strings and keys borrow from the text
/// when they hold no escape (almost all do), so reading a file allocates only the vectors
/// of objects and arrays: the reader stays near the cost of a bare parse.
#[derive(Debug, Clone, PartialEq)]
pub struct Node<'t> {
    pub start: usize,
    pub value: Value<'t>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value<'t> {
    Null,
    Bool(bool),
    /// The number as written.
    Number(Cow<'t, str>),
    String(Cow<'t, str>),
    Array(Vec<Node<'t>>),
    Object(Vec<Member<'t>>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member<'t> {
    pub key: Cow<'t, str>,
    pub key_start: usize,
    pub value: Node<'t>,
}

fn owned(s: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(s.into_owned())
}

impl<'t> Node<'t> {
    /// The same tree owning its strings (for a document that outlives its text).
    pub fn into_owned(self) -> Node<'static> {
        let value = match self.value {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Number(n) => Value::Number(owned(n)),
            Value::String(s) => Value::String(owned(s)),
            Value::Array(items) => Value::Array(items.into_iter().map(Node::into_owned).collect()),
            Value::Object(members) => Value::Object(
                members
                    .into_iter()
                    .map(|m| Member {
                        key: owned(m.key),
                        key_start: m.key_start,
                        value: m.value.into_owned(),
                    })
                    .collect(),
            ),
        };
        Node {
            start: self.start,
            value,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[Member<'t>]> {
        match &self.value {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node<'t>]> {
        match &self.value {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// Member by exact key (the last one if the key is duplicated).
    pub fn get(&self, key: &str) -> Option<&Node<'t>> {
        self.as_object()?
            .iter()
            .rev()
            .find(|m| m.key == key)
            .map(|m| &m.value)
    }

    /// Member by key ignoring ASCII case (ARM and Logic Apps read property names that way).
    /// The exact key wins over one that differs in case; one pass over the members.
    pub fn get_ci(&self, key: &str) -> Option<&Node<'t>> {
        let mut other_case = None;
        for m in self.as_object()?.iter().rev() {
            if m.key.len() != key.len() {
                continue;
            }
            if m.key == key {
                return Some(&m.value);
            }
            if other_case.is_none() && m.key.eq_ignore_ascii_case(key) {
                other_case = Some(&m.value);
            }
        }
        other_case
    }

    /// String member by key ignoring case.
    pub fn str_ci(&self, key: &str) -> Option<&str> {
        self.get_ci(key).and_then(Node::as_str)
    }
}

/// A parsed file: the root value plus what the reader noticed on the way.
#[derive(Debug, Clone)]
pub struct Document<'t> {
    pub root: Node<'t>,
    /// The file starts with a UTF-8 byte order mark.
    pub bom: bool,
    /// Duplicate keys: (offset of the object holding them, key, offset of the repeated key).
    /// The object's JSON pointer is rendered by [`pointer_to`] only for what is reported.
    pub duplicates: Vec<(usize, String, usize)>,
}

impl Document<'_> {
    /// The same document owning its strings.
    pub fn into_owned(self) -> Document<'static> {
        Document {
            root: self.root.into_owned(),
            bom: self.bom,
            duplicates: self.duplicates,
        }
    }
}

/// The JSON pointer (RFC 6901) of the value that starts at byte `offset` under `root`, or
/// `None` when no value starts there. Values are kept in text order, so each level is a
/// binary search: O(depth × log width). Pointers are rendered this way only for what is
/// reported, never stored per value.
pub fn pointer_to(root: &Node, offset: usize) -> Option<String> {
    let mut out = String::new();
    let mut node = root;
    while node.start != offset {
        match &node.value {
            Value::Object(members) => {
                let i = members.partition_point(|m| m.key_start <= offset);
                let m = members.get(i.checked_sub(1)?)?;
                out.push('/');
                push_token(&mut out, &m.key);
                node = &m.value;
            }
            Value::Array(items) => {
                let i = items.partition_point(|n| n.start <= offset);
                let item = items.get(i.checked_sub(1)?)?;
                use std::fmt::Write as _;
                let _ = write!(out, "/{}", i - 1);
                node = item;
            }
            _ => return None,
        }
    }
    Some(out)
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Resolves offsets to 1-based line and column, counting line breaks from the previous
/// offset asked: offsets asked in ascending order (as findings are resolved) cost
/// O(file) in all, and a file without findings is never scanned for lines.
pub struct Positions<'t> {
    text: &'t str,
    /// The last offset resolved, its 0-based line, the start of that line, and its 1-based
    /// column.
    last: (usize, usize, usize, usize),
}

impl<'t> Positions<'t> {
    pub fn new(text: &'t str) -> Self {
        let first = if text.starts_with('\u{feff}') { 3 } else { 0 };
        Positions {
            text,
            last: (first, 0, first, 1),
        }
    }

    /// 1-based line and column of `offset` (any order works; ascending order is fast).
    pub fn at(&mut self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        if offset < self.last.0 {
            *self = Positions::new(self.text);
            if offset < self.last.0 {
                // Inside the byte order mark: the first column.
                return (1, 1);
            }
        }
        let (at, mut line, mut line_start, mut column) = self.last;
        let between = &self.text.as_bytes()[at..offset];
        let breaks = between.iter().filter(|&&b| b == b'\n').count();
        if breaks > 0 {
            line += breaks;
            line_start = at + between.iter().rposition(|&b| b == b'\n').expect("a break") + 1;
            column = 1 + self.text[line_start..offset].chars().count();
        } else {
            column += self.text[at..offset].chars().count();
        }
        self.last = (offset, line, line_start, column);
        (line + 1, column)
    }
}

/// The bytes of `word` (little-endian: the first byte is the lowest) that end a plain run of a
/// JSON string: `"`, `\\` or a control character (below 0x20), as their high bits. The
/// classic "has a zero byte" / "has a byte below n" bit tricks: the lowest bit set is always
/// exact (a borrow can only mark bytes above a true match), which is all the reader uses.
fn special_bytes(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let quote = zero(word ^ (ONES * u64::from(b'"')));
    let backslash = zero(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    quote | backslash | control
}

/// Escape one JSON pointer token (RFC 6901).
pub fn escape_token(token: &str) -> String {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1")
    } else {
        token.to_string()
    }
}

/// Appends one JSON pointer token (RFC 6901), escaped, without an intermediate `String`.
pub fn push_token(out: &mut String, token: &str) {
    if token.contains(['~', '/']) {
        for c in token.chars() {
            match c {
                '~' => out.push_str("~0"),
                '/' => out.push_str("~1"),
                c => out.push(c),
            }
        }
    } else {
        out.push_str(token);
    }
}

/// `base/token`, escaped.
pub fn child(base: &str, token: &str) -> String {
    let mut out = String::with_capacity(base.len() + 1 + token.len());
    out.push_str(base);
    out.push('/');
    push_token(&mut out, token);
    out
}

pub fn parse(text: &str) -> Result<Document<'_>, SyntaxError> {
    let bom = text.starts_with('\u{feff}');
    let mut p = Parser {
        src: text.as_bytes(),
        text,
        pos: if bom { 3 } else { 0 },
        depth: 0,
        duplicates: Vec::new(),
        members: Vec::new(),
        items: Vec::new(),
    };
    p.skip_ws()?;
    let root = p.value()?;
    p.skip_ws()?;
    if p.pos < p.src.len() {
        return Err(p.error("unexpected content after the JSON value"));
    }
    Ok(Document {
        root,
        bom,
        duplicates: p.duplicates,
    })
}

struct Parser<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
    duplicates: Vec<(usize, String, usize)>,
    /// Members of the objects being read, innermost last: each object is moved out into a
    /// vector of its exact size when it closes (one allocation per object, no regrowth).
    members: Vec<Member<'a>>,
    /// Items of the arrays being read, the same way.
    items: Vec<Node<'a>>,
}

impl<'a> Parser<'a> {
    fn error(&self, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            offset: self.pos,
            message: message.into(),
        }
    }

    fn describe_here(&self) -> String {
        match self.text[self.pos..].chars().next() {
            None => "end of file".to_string(),
            Some(c) => format!("'{c}'"),
        }
    }

    fn skip_ws(&mut self) -> Result<(), SyntaxError> {
        loop {
            match self.src.get(self.pos) {
                Some(b' ' | b'\t' | b'\r') => self.pos += 1,
                Some(b'\n') => {
                    self.pos += 1;
                    // The indentation after a line break, eight bytes at a time (templates
                    // are mostly pretty-printed): the first byte that is not a space is the
                    // lowest non-zero byte of the word XOR eight spaces.
                    while let Some(word) = self.src.get(self.pos..self.pos + 8) {
                        let other = u64::from_le_bytes(word.try_into().expect("8 bytes"))
                            ^ u64::from_le_bytes(*b"        ");
                        if other != 0 {
                            self.pos += other.trailing_zeros() as usize / 8;
                            break;
                        }
                        self.pos += 8;
                    }
                }
                Some(b'/') => match self.src.get(self.pos + 1) {
                    Some(b'/') => {
                        while let Some(&b) = self.src.get(self.pos) {
                            if b == b'\n' {
                                break;
                            }
                            self.pos += 1;
                        }
                    }
                    Some(b'*') => {
                        let start = self.pos;
                        match self.text[self.pos + 2..].find("*/") {
                            Some(end) => self.pos += 2 + end + 2,
                            None => {
                                self.pos = start;
                                return Err(self.error("unterminated /* comment"));
                            }
                        }
                    }
                    _ => return Err(self.error("unexpected '/'")),
                },
                _ => return Ok(()),
            }
        }
    }

    fn value(&mut self) -> Result<Node<'a>, SyntaxError> {
        let start = self.pos;
        let value = match self.src.get(self.pos) {
            Some(b'{') => self.object()?,
            Some(b'[') => self.array()?,
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.keyword("true", Value::Bool(true))?,
            Some(b'f') => self.keyword("false", Value::Bool(false))?,
            Some(b'n') => self.keyword("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => {
                return Err(self.error(format!(
                    "expected a JSON value, found {}",
                    self.describe_here()
                )));
            }
        };
        Ok(Node { start, value })
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Value<'a>, SyntaxError> {
        let object_start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mark = self.members.len();
        // Keys seen, for duplicate detection in O(1) once an object is large (borrowed keys
        // are copied without allocating).
        let mut seen: Option<crate::context::FastSet<Cow<'a, str>>> = None;
        self.skip_ws()?;
        if self.src.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::Object(Vec::new()));
        }
        loop {
            self.skip_ws()?;
            if self.src.get(self.pos) != Some(&b'"') {
                return Err(self.error(format!(
                    "expected a property name in double quotes, found {}",
                    self.describe_here()
                )));
            }
            let key_start = self.pos;
            let key = self.string()?;
            self.skip_ws()?;
            if self.src.get(self.pos) != Some(&b':') {
                return Err(self.error(format!(
                    "expected ':' after property name, found {}",
                    self.describe_here()
                )));
            }
            self.pos += 1;
            self.skip_ws()?;
            let value = self.value()?;
            const SMALL: usize = 16;
            let members = &self.members[mark..];
            let duplicate = if members.len() < SMALL {
                members.iter().any(|m| m.key == key)
            } else {
                let seen =
                    seen.get_or_insert_with(|| members.iter().map(|m| m.key.clone()).collect());
                !seen.insert(key.clone())
            };
            if duplicate {
                self.duplicates
                    .push((object_start, key.to_string(), key_start));
            }
            self.members.push(Member {
                key,
                key_start,
                value,
            });
            self.skip_ws()?;
            match self.src.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Value::Object(self.members.drain(mark..).collect()));
                }
                _ => {
                    return Err(self.error(format!(
                        "expected ',' or '}}' in object, found {}",
                        self.describe_here()
                    )));
                }
            }
        }
    }

    fn array(&mut self) -> Result<Value<'a>, SyntaxError> {
        self.enter()?;
        self.pos += 1;
        let mark = self.items.len();
        self.skip_ws()?;
        if self.src.get(self.pos) == Some(&b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::Array(Vec::new()));
        }
        loop {
            self.skip_ws()?;
            let item = self.value()?;
            self.items.push(item);
            self.skip_ws()?;
            match self.src.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Value::Array(self.items.drain(mark..).collect()));
                }
                _ => {
                    return Err(self.error(format!(
                        "expected ',' or ']' in array, found {}",
                        self.describe_here()
                    )));
                }
            }
        }
    }

    fn keyword(&mut self, word: &str, value: Value<'a>) -> Result<Value<'a>, SyntaxError> {
        if self.src[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error(format!(
                "expected a JSON value, found {}",
                self.describe_here()
            )))
        }
    }

    fn number(&mut self) -> Result<Value<'a>, SyntaxError> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let s = p.pos;
            while p.src.get(p.pos).is_some_and(u8::is_ascii_digit) {
                p.pos += 1;
            }
            p.pos > s
        };
        if self.src[self.pos] == b'-' {
            self.pos += 1;
        }
        if !digits(self) {
            return Err(self.error("expected digits in number"));
        }
        if self.src.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(self.error("expected digits after '.' in number"));
            }
        }
        if matches!(self.src.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.src.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.error("expected digits in exponent"));
            }
        }
        Ok(Value::Number(Cow::Borrowed(&self.text[start..self.pos])))
    }

    fn string(&mut self) -> Result<Cow<'a, str>, SyntaxError> {
        let open = self.pos;
        self.pos += 1;
        // Fast path: no escape before the closing quote, borrow the text as written.
        let run_start = self.pos;
        // Eight bytes at a time up to the first quote, backslash or control character.
        while let Some(word) = self.src.get(self.pos..self.pos + 8) {
            let special = special_bytes(u64::from_le_bytes(word.try_into().expect("8 bytes")));
            if special != 0 {
                self.pos += special.trailing_zeros() as usize / 8;
                break;
            }
            self.pos += 8;
        }
        while let Some(&b) = self.src.get(self.pos) {
            if b == b'"' || b == b'\\' || b < 0x20 {
                break;
            }
            self.pos += 1;
        }
        if self.src.get(self.pos) == Some(&b'"') {
            self.pos += 1;
            return Ok(Cow::Borrowed(&self.text[run_start..self.pos - 1]));
        }
        self.pos = run_start;
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(&b) = self.src.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run_start..self.pos]);
            match self.src.get(self.pos) {
                None => {
                    return Err(SyntaxError {
                        offset: open,
                        message: "unterminated string".into(),
                    });
                }
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = match self.src.get(self.pos) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi)
                                && self.src[self.pos..].starts_with(b"\\u")
                            {
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                } else {
                                    0xFFFD
                                }
                            } else {
                                hi
                            };
                            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                            continue;
                        }
                        _ => return Err(self.error("invalid escape in string")),
                    };
                    self.pos += 1;
                    out.push(c);
                }
                Some(_) => {
                    return Err(self.error("control character in string (escape it)"));
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let hex = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error("expected 4 hex digits after \\u"))?;
        self.pos += 4;
        Ok(u32::from_str_radix(hex, 16).expect("checked hex"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_lookup() {
        let text = "{\n  \"a\": [1, {\"b\": \"x\"}],\n  \"C\": null\n}";
        let doc = parse(text).unwrap();
        let b = doc.root.get("a").unwrap().as_array().unwrap()[1]
            .get("b")
            .unwrap();
        assert_eq!(b.as_str(), Some("x"));
        assert_eq!(Positions::new(text).at(b.start), (2, 18));
        assert_eq!(pointer_to(&doc.root, b.start).as_deref(), Some("/a/1/b"));
        assert_eq!(pointer_to(&doc.root, doc.root.start).as_deref(), Some(""));
        assert_eq!(pointer_to(&doc.root, b.start + 1), None);
        assert!(doc.root.get_ci("c").is_some());
    }

    #[test]
    fn comments_bom_and_duplicates() {
        let text = "\u{feff}// c\n{ /* x */ \"a\": 1, \"a\": 2 }";
        let doc = parse(text).unwrap();
        assert!(doc.bom);
        assert_eq!(doc.duplicates.len(), 1);
        assert_eq!(doc.root.get("a").unwrap().value, Value::Number("2".into()));
    }

    proptest::proptest! {
        /// The reader and the whole validator never panic, whatever the input.
        #[test]
        fn never_panics(text in "[\\[\\]{}\",:@' a-z0-9/*\n\\\\]{0,80}") {
            let _ = parse(&text);
            let _ = crate::validate_text(&text);
            let wrapped = format!("{{\"resources\": [{{\"type\": \"Microsoft.Logic/workflows\", \"properties\": {{\"definition\": {{\"actions\": {{\"a\": {{\"type\": \"Compose\", \"inputs\": \"{}\"}}}}}}}}}}]}}", text.replace(['"', '\\', '\n'], ""));
            let _ = crate::validate_text(&wrapped);
        }
    }

    /// The eight-byte test agrees with the byte-by-byte one on every byte in every position,
    /// and finds the first special byte exactly.
    #[test]
    fn special_bytes_found_in_any_position() {
        for b in 0..=255u8 {
            let special = b == b'"' || b == b'\\' || b < 0x20;
            for at in 0..8 {
                let mut word = [b'a'; 8];
                word[at] = b;
                let mask = special_bytes(u64::from_le_bytes(word));
                assert_eq!(mask != 0, special, "{b} at {at}");
                if special {
                    assert_eq!(mask.trailing_zeros() as usize / 8, at, "{b} at {at}");
                    // Whatever follows, the first special byte is found exactly.
                    for after in at + 1..8 {
                        for c in [0u8, b'"', b'\\', 0x1f, 0xff] {
                            let mut word = word;
                            word[after] = c;
                            let mask = special_bytes(u64::from_le_bytes(word));
                            assert_eq!(mask.trailing_zeros() as usize / 8, at, "{b} at {at}");
                        }
                    }
                }
            }
        }
        let text = r#"["abcdefghijklmnopq", "abcdefgh\"ijkl", "0123456789abcdef\u00e9"]"#;
        let doc = parse(text).unwrap();
        let items = doc.root.as_array().unwrap();
        assert_eq!(items[0].as_str(), Some("abcdefghijklmnopq"));
        assert_eq!(items[1].as_str(), Some("abcdefgh\"ijkl"));
        assert_eq!(items[2].as_str(), Some("0123456789abcdef\u{e9}"));
    }

    /// Indentation of every width (whole words of spaces and a remainder, tabs after spaces)
    /// is skipped to the exact first byte of the next token.
    #[test]
    fn indentation_of_any_width() {
        for width in 0..40 {
            for tail in ["", "\t", "  \t "] {
                let indent = format!("{}{tail}", " ".repeat(width));
                let text =
                    format!("{{\n{indent}\"a\": [\n{indent}1,\n{indent}\"x\"\n{indent}]\n}}");
                let doc = parse(&text).unwrap();
                let a = doc.root.get("a").unwrap();
                let items = a.as_array().unwrap();
                let key_at = 2 + indent.len();
                assert_eq!(doc.root.as_object().unwrap()[0].key_start, key_at);
                assert_eq!(items[0].start, key_at + "\"a\": [\n".len() + indent.len());
                assert_eq!(items[1].as_str(), Some("x"));
            }
        }
    }

    #[test]
    fn errors_have_offsets() {
        let e = parse("{\"a\": 1,}").unwrap_err();
        assert_eq!(e.offset, 8);
        assert!(parse("[\"\\ud83d\\ude00\"]").is_ok());
        assert!(parse("\"abc").is_err());
        assert!(parse(&"[".repeat(10_000)).is_err());
        assert!(parse("").is_err());
        assert!(parse("{} x").is_err());
    }
}
