//! A small JSON reader that keeps the byte offset of every value and key, so that every
//! diagnostic can point at a line and column of the file as written.
//!
//! It accepts what ARM accepts on top of RFC 8259: a leading UTF-8 byte order mark and `//` and
//! `/* */` comments. Duplicate keys are kept (the last one wins on lookup, as in Newtonsoft's
//! default) and recorded so a rule can report them. `serde_json` keeps no positions, hence
//! this reader; it is a plain recursive-descent parser with a depth limit.
//!
//! The tree is an arena: one vector of 24-byte slots for the whole document, the children of
//! an object or array side by side in it (a container holds the index range of its
//! children), 32-bit byte offsets, keys and strings as offsets into the text (only those
//! with an escape are decoded, once, into a side table) and numbers as the text written.
//! Reading a file thus allocates a few vectors, not one per object and array, and a value
//! takes 24 bytes where it took 40 (72 as an object member), which matters most where the
//! tree no longer fits in the caches (a 100,000-action workflow). [`Node`] is a copyable
//! handle (document and index) with the read API the rules use; JSON pointers are computed
//! from offsets only for what is reported ([`pointer_to`]).

use std::borrow::Cow;
use std::fmt;
use std::hash::BuildHasher;
use std::ops::Range;

/// Nesting limit: hostile input must not overflow the stack.
const MAX_DEPTH: usize = 512;

/// Slot kinds (the low bits of [`Slot::tag`]).
const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const NUMBER: u8 = 3;
const STRING: u8 = 4;
const ARRAY: u8 = 5;
const OBJECT: u8 = 6;
const KIND: u8 = 0x0f;
/// The member's key has an escape: `key_len` indexes [`Document::decoded`].
const KEY_DECODED: u8 = 0x10;
/// The string has an escape: `a` indexes [`Document::decoded`].
const STRING_DECODED: u8 = 0x20;
/// `key_start` of a value that is not an object member.
const NO_KEY: u32 = u32::MAX;

/// One value of the document, with its member key when it is one (24 bytes).
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// Byte offset where the value starts (the quote of a string).
    start: u32,
    /// Byte offset of the member's key (its opening quote); [`NO_KEY`] otherwise.
    key_start: u32,
    /// Length in bytes of the key as written between its quotes, or with [`KEY_DECODED`]
    /// the index of its decoded text.
    key_len: u32,
    /// Array and object: index of the first child. String: length between the quotes, or
    /// with [`STRING_DECODED`] the index of the decoded text. Number: the end offset.
    a: u32,
    /// Array and object: number of children.
    b: u32,
    tag: u8,
}

/// A parsed file: its text, the arena of its values, and what the reader noticed on the way.
pub struct Document<'t> {
    text: Cow<'t, str>,
    nodes: Vec<Slot>,
    /// Strings and keys with an escape, decoded (most have none and are read from the text).
    decoded: Vec<String>,
    root: u32,
    /// The file starts with a UTF-8 byte order mark.
    pub bom: bool,
    /// Duplicate keys: (offset of the object holding them, key, offset of the repeated key).
    /// The object's JSON pointer is rendered by [`pointer_to`] only for what is reported.
    pub duplicates: Vec<(usize, String, usize)>,
    /// Some member key has an escape.
    escaped_keys: bool,
}

impl fmt::Debug for Document<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("values", &self.nodes.len())
            .field("bom", &self.bom)
            .field("duplicates", &self.duplicates)
            .finish()
    }
}

impl<'t> Document<'t> {
    /// The root value.
    pub fn root(&self) -> Node<'_> {
        Node {
            doc: self,
            index: self.root,
        }
    }

    /// Some member key has an escape (so the text does not show it as it is read).
    pub fn has_escaped_key(&self) -> bool {
        self.escaped_keys
    }

    /// The text the document was read from.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The same document owning its text (for a document that outlives the text it was read
    /// from).
    pub fn into_owned(self) -> Document<'static> {
        Document {
            text: Cow::Owned(self.text.into_owned()),
            nodes: self.nodes,
            decoded: self.decoded,
            root: self.root,
            bom: self.bom,
            duplicates: self.duplicates,
            escaped_keys: self.escaped_keys,
        }
    }

    fn slot(&self, index: u32) -> &Slot {
        &self.nodes[index as usize]
    }

    /// The key of a member slot, decoded.
    fn key(&self, slot: &Slot) -> &str {
        if slot.tag & KEY_DECODED != 0 {
            &self.decoded[slot.key_len as usize]
        } else {
            let start = slot.key_start as usize + 1;
            &self.text[start..start + slot.key_len as usize]
        }
    }
}

/// A value of a [`Document`]: a copyable handle (the document and an index into it).
#[derive(Clone, Copy)]
pub struct Node<'a> {
    doc: &'a Document<'a>,
    index: u32,
}

impl PartialEq for Node<'_> {
    /// The same value of the same document.
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.doc, other.doc) && self.index == other.index
    }
}

impl fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Node@{} {:?}", self.start(), self.value())
    }
}

/// What a value is, borrowing from its document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    /// The number as written.
    Number(&'a str),
    String(&'a str),
    Array(Items<'a>),
    Object(Members<'a>),
}

/// One member of an object.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Member<'a> {
    pub key: &'a str,
    /// Byte offset of the key's opening quote.
    pub key_start: usize,
    pub value: Node<'a>,
}

impl<'a> Node<'a> {
    fn slot(self) -> &'a Slot {
        self.doc.slot(self.index)
    }

    /// Byte offset where the value starts.
    pub fn start(self) -> usize {
        self.slot().start as usize
    }

    pub fn value(self) -> Value<'a> {
        let doc = self.doc;
        let slot = self.slot();
        match slot.tag & KIND {
            NULL => Value::Null,
            FALSE => Value::Bool(false),
            TRUE => Value::Bool(true),
            NUMBER => Value::Number(&doc.text[slot.start as usize..slot.a as usize]),
            STRING => Value::String(self.string(slot)),
            ARRAY => Value::Array(Items {
                doc,
                first: slot.a,
                len: slot.b,
            }),
            _ => Value::Object(Members {
                doc,
                first: slot.a,
                len: slot.b,
            }),
        }
    }

    fn string(self, slot: &Slot) -> &'a str {
        let doc = self.doc;
        if slot.tag & STRING_DECODED != 0 {
            &doc.decoded[slot.a as usize]
        } else {
            let start = slot.start as usize + 1;
            &doc.text[start..start + slot.a as usize]
        }
    }

    pub fn as_str(self) -> Option<&'a str> {
        let slot = self.slot();
        (slot.tag & KIND == STRING).then(|| self.string(slot))
    }

    pub fn as_object(self) -> Option<Members<'a>> {
        let slot = self.slot();
        (slot.tag & KIND == OBJECT).then_some(Members {
            doc: self.doc,
            first: slot.a,
            len: slot.b,
        })
    }

    pub fn as_array(self) -> Option<Items<'a>> {
        let slot = self.slot();
        (slot.tag & KIND == ARRAY).then_some(Items {
            doc: self.doc,
            first: slot.a,
            len: slot.b,
        })
    }

    pub fn is_object(self) -> bool {
        self.slot().tag & KIND == OBJECT
    }

    pub fn is_array(self) -> bool {
        self.slot().tag & KIND == ARRAY
    }

    /// The member slots of an object (empty for any other value).
    fn member_slots(self) -> &'a [Slot] {
        let doc = self.doc;
        let slot = self.slot();
        if slot.tag & KIND == OBJECT {
            &doc.nodes[slot.a as usize..(slot.a + slot.b) as usize]
        } else {
            &[]
        }
    }

    /// The node of member slot `i` of this object.
    fn member_node(self, i: usize) -> Node<'a> {
        Node {
            doc: self.doc,
            index: self.slot().a + i as u32,
        }
    }

    /// The key of each member of an object, as bytes, last member first, with its index
    /// (none for any other value). Keys without an escape are compared in place in the text,
    /// and only when their length is the one looked for.
    fn keys_rev(self, len: usize) -> impl Iterator<Item = (usize, &'a [u8])> {
        let doc = self.doc;
        let text = doc.text.as_bytes();
        let slots = self.member_slots();
        (0..slots.len()).rev().filter_map(move |i| {
            let s = &slots[i];
            if s.tag & KEY_DECODED == 0 {
                if s.key_len as usize != len {
                    return None;
                }
                let start = s.key_start as usize + 1;
                Some((i, &text[start..start + len]))
            } else {
                Some((i, doc.decoded[s.key_len as usize].as_bytes()))
            }
        })
    }

    /// Member by exact key (the last one if the key is duplicated).
    pub fn get(self, key: &str) -> Option<Node<'a>> {
        let key = key.as_bytes();
        let (i, _) = self.keys_rev(key.len()).find(|&(_, k)| k == key)?;
        Some(self.member_node(i))
    }

    /// Member by key ignoring ASCII case (ARM and Logic Apps read property names that way).
    /// The exact key wins over one that differs in case; one pass over the members.
    pub fn get_ci(self, key: &str) -> Option<Node<'a>> {
        let key = key.as_bytes();
        let mut other_case = None;
        for (i, k) in self.keys_rev(key.len()) {
            if k == key {
                return Some(self.member_node(i));
            }
            if other_case.is_none() && k.eq_ignore_ascii_case(key) {
                other_case = Some(i);
            }
        }
        other_case.map(|i| self.member_node(i))
    }

    /// Members by several keys ignoring ASCII case, each the one [`Node::get_ci`] finds (the
    /// last with the key exactly, else the last in another case), in one pass over the
    /// members instead of one per key.
    pub fn get_many_ci<const N: usize>(self, keys: [&str; N]) -> [Option<Node<'a>>; N] {
        let (mut exact, mut other) = ([None; N], [None; N]);
        let doc = self.doc;
        let text = doc.text.as_bytes();
        for (i, s) in self.member_slots().iter().enumerate() {
            let k = if s.tag & KEY_DECODED == 0 {
                let len = s.key_len as usize;
                if keys.iter().all(|key| key.len() != len) {
                    continue;
                }
                let start = s.key_start as usize + 1;
                &text[start..start + len]
            } else {
                doc.decoded[s.key_len as usize].as_bytes()
            };
            for (j, key) in keys.iter().enumerate() {
                if k == key.as_bytes() {
                    exact[j] = Some(i);
                } else if k.eq_ignore_ascii_case(key.as_bytes()) {
                    other[j] = Some(i);
                }
            }
        }
        std::array::from_fn(|j| exact[j].or(other[j]).map(|i| self.member_node(i)))
    }

    /// The value of this object's member that [`Node::get_many_ci`] found, from its place
    /// among the members ([`Node::member_place`]).
    pub fn member_at(self, place: u32) -> Node<'a> {
        self.member_node(place as usize)
    }

    /// The member of this object at `place` ([`Node::member_place`]), with its key.
    pub fn member_entry(self, place: u32) -> Member<'a> {
        make_member(self.doc, self.slot().a + place)
    }

    /// Where `member`, a member value of this object, is among its members.
    pub fn member_place(self, member: Node<'a>) -> u32 {
        member.index - self.slot().a
    }

    /// String member by key ignoring case.
    pub fn str_ci(self, key: &str) -> Option<&'a str> {
        self.get_ci(key).and_then(Node::as_str)
    }
}

/// The members of an object, in text order.
#[derive(Clone, Copy)]
pub struct Members<'a> {
    doc: &'a Document<'a>,
    first: u32,
    len: u32,
}

/// The items of an array, in text order.
#[derive(Clone, Copy)]
pub struct Items<'a> {
    doc: &'a Document<'a>,
    first: u32,
    len: u32,
}

macro_rules! sequence {
    ($seq:ident, $iter:ident, $item:ty, $make:ident) => {
        impl<'a> $seq<'a> {
            pub fn len(&self) -> usize {
                self.len as usize
            }

            pub fn is_empty(&self) -> bool {
                self.len == 0
            }

            pub fn iter(&self) -> $iter<'a> {
                $iter {
                    doc: self.doc,
                    range: self.first..self.first + self.len,
                }
            }

            pub fn get(&self, i: usize) -> Option<$item> {
                (i < self.len()).then(|| $make(self.doc, self.first + i as u32))
            }

            pub fn first(&self) -> Option<$item> {
                self.get(0)
            }

            pub fn last(&self) -> Option<$item> {
                self.len().checked_sub(1).and_then(|i| self.get(i))
            }
        }

        impl PartialEq for $seq<'_> {
            /// The same values of the same document.
            fn eq(&self, other: &Self) -> bool {
                std::ptr::eq(self.doc, other.doc)
                    && (self.first, self.len) == (other.first, other.len)
            }
        }

        impl fmt::Debug for $seq<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.iter()).finish()
            }
        }

        impl<'a> IntoIterator for $seq<'a> {
            type Item = $item;
            type IntoIter = $iter<'a>;
            fn into_iter(self) -> $iter<'a> {
                self.iter()
            }
        }

        impl<'a> IntoIterator for &$seq<'a> {
            type Item = $item;
            type IntoIter = $iter<'a>;
            fn into_iter(self) -> $iter<'a> {
                self.iter()
            }
        }

        /// Iterator over the values, by handle.
        #[derive(Clone)]
        pub struct $iter<'a> {
            doc: &'a Document<'a>,
            range: Range<u32>,
        }

        impl<'a> Iterator for $iter<'a> {
            type Item = $item;
            fn next(&mut self) -> Option<$item> {
                self.range.next().map(|i| $make(self.doc, i))
            }
            fn size_hint(&self) -> (usize, Option<usize>) {
                self.range.size_hint()
            }
            fn nth(&mut self, n: usize) -> Option<$item> {
                self.range.nth(n).map(|i| $make(self.doc, i))
            }
        }

        impl DoubleEndedIterator for $iter<'_> {
            fn next_back(&mut self) -> Option<Self::Item> {
                self.range.next_back().map(|i| $make(self.doc, i))
            }
        }

        impl ExactSizeIterator for $iter<'_> {}
    };
}

fn make_node<'a>(doc: &'a Document<'a>, index: u32) -> Node<'a> {
    Node { doc, index }
}

fn make_member<'a>(doc: &'a Document<'a>, index: u32) -> Member<'a> {
    let slot = doc.slot(index);
    Member {
        key: doc.key(slot),
        key_start: slot.key_start as usize,
        value: Node { doc, index },
    }
}

sequence!(Members, MemberIter, Member<'a>, make_member);
sequence!(Items, ItemIter, Node<'a>, make_node);

/// The JSON pointer (RFC 6901) of the value that starts at byte `offset` under `root`, or
/// `None` when no value starts there. Values are kept in text order, so each level is a
/// binary search: O(depth × log width). Pointers are rendered this way only for what is
/// reported, never stored per value.
pub fn pointer_to(root: Node, offset: usize) -> Option<String> {
    let doc = root.doc;
    let offset = u32::try_from(offset).ok()?;
    let mut out = String::new();
    let mut slot = root.slot();
    while slot.start != offset {
        let children = || &doc.nodes[slot.a as usize..(slot.a + slot.b) as usize];
        match slot.tag & KIND {
            OBJECT => {
                let children = children();
                let i = children.partition_point(|m| m.key_start <= offset);
                slot = children.get(i.checked_sub(1)?)?;
                out.push('/');
                push_token(&mut out, doc.key(slot));
            }
            ARRAY => {
                let children = children();
                let i = children.partition_point(|n| n.start <= offset);
                slot = children.get(i.checked_sub(1)?)?;
                use std::fmt::Write as _;
                let _ = write!(out, "/{}", i - 1);
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
    if u32::try_from(text.len()).is_err() {
        return Err(SyntaxError {
            offset: 0,
            message: "the file is 4 GiB or larger, beyond what soarc reads (ARM itself accepts templates up to 4 MB): split it".into(),
        });
    }
    let bom = text.starts_with('\u{feff}');
    let mut p = Parser {
        src: text.as_bytes(),
        text,
        pos: if bom { 3 } else { 0 },
        depth: 0,
        duplicates: Vec::new(),
        // Room for one value per 12 bytes, as in compact JSON (a pretty-printed template has
        // fewer), so that the arena is seldom moved while it grows; pages never written are
        // never touched.
        nodes: Vec::with_capacity(text.len() / 12),
        pending: Vec::new(),
        decoded: Vec::new(),
        key_hasher: foldhash::fast::RandomState::default(),
        escaped_keys: false,
    };
    p.skip_ws()?;
    let root = p.value()?;
    p.skip_ws()?;
    if p.pos < p.src.len() {
        return Err(p.error("unexpected content after the JSON value"));
    }
    let index = p.nodes.len() as u32;
    p.nodes.push(root);
    Ok(Document {
        text: Cow::Borrowed(text),
        nodes: p.nodes,
        decoded: p.decoded,
        root: index,
        bom,
        duplicates: p.duplicates,
        escaped_keys: p.escaped_keys,
    })
}

/// A string as read: its length between the quotes when it has no escape (the text is the
/// value), else its decoded value.
enum Str {
    Plain(u32),
    Decoded(String),
}

struct Parser<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
    duplicates: Vec<(usize, String, usize)>,
    /// The arena: the children of each container side by side, a container after them.
    nodes: Vec<Slot>,
    /// Children of the containers being read, innermost last: each container's are moved to
    /// the end of `nodes` when it closes, so that they are contiguous there.
    pending: Vec<Slot>,
    decoded: Vec<String>,
    /// Hashes the keys of large objects (duplicate detection).
    key_hasher: foldhash::fast::RandomState,
    /// Some key had an escape.
    escaped_keys: bool,
}

/// The key of a member slot while reading (as [`Document::key`]).
fn key_of<'s>(text: &'s str, decoded: &'s [String], slot: &Slot) -> &'s str {
    if slot.tag & KEY_DECODED != 0 {
        &decoded[slot.key_len as usize]
    } else {
        let start = slot.key_start as usize + 1;
        &text[start..start + slot.key_len as usize]
    }
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

    /// Skips whitespace and comments. Most calls find a token right away (in compact JSON,
    /// and after most separators) or after the one space of `": "`: those tests are inlined,
    /// the rest is not.
    #[inline(always)]
    fn skip_ws(&mut self) -> Result<(), SyntaxError> {
        let token = |b: Option<&u8>| matches!(b, Some(&b) if b > b' ' && b != b'/');
        if token(self.src.get(self.pos)) {
            return Ok(());
        }
        if self.src.get(self.pos) == Some(&b' ') && token(self.src.get(self.pos + 1)) {
            self.pos += 1;
            return Ok(());
        }
        self.skip_ws_run()
    }

    #[inline(never)]
    fn skip_ws_run(&mut self) -> Result<(), SyntaxError> {
        loop {
            match self.src.get(self.pos) {
                Some(b' ' | b'\t' | b'\r') => self.pos += 1,
                Some(b'\n') => {
                    self.pos += 1;
                    // The indentation after a line break, sixteen bytes at a time (templates
                    // are mostly pretty-printed, two thirds of the corpus's bytes are
                    // spaces): the first byte that is not a space is the lowest non-zero
                    // byte of the word XOR sixteen spaces.
                    while let Some(word) = self.src.get(self.pos..self.pos + 16) {
                        let other = u128::from_le_bytes(word.try_into().expect("16 bytes"))
                            ^ u128::from_le_bytes(*b"                ");
                        if other != 0 {
                            self.pos += other.trailing_zeros() as usize / 8;
                            break;
                        }
                        self.pos += 16;
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

    fn value(&mut self) -> Result<Slot, SyntaxError> {
        let mut slot = Slot {
            start: self.pos as u32,
            key_start: NO_KEY,
            key_len: 0,
            a: 0,
            b: 0,
            tag: NULL,
        };
        match self.src.get(self.pos) {
            Some(b'{') => {
                (slot.a, slot.b) = self.object()?;
                slot.tag = OBJECT;
            }
            Some(b'[') => {
                (slot.a, slot.b) = self.array()?;
                slot.tag = ARRAY;
            }
            Some(b'"') => match self.string()? {
                Str::Plain(len) => {
                    slot.a = len;
                    slot.tag = STRING;
                }
                Str::Decoded(s) => {
                    slot.a = self.decoded.len() as u32;
                    self.decoded.push(s);
                    slot.tag = STRING | STRING_DECODED;
                }
            },
            Some(b't') => slot.tag = self.keyword("true", TRUE)?,
            Some(b'f') => slot.tag = self.keyword("false", FALSE)?,
            Some(b'n') => slot.tag = self.keyword("null", NULL)?,
            Some(b'-' | b'0'..=b'9') => {
                slot.a = self.number()?;
                slot.tag = NUMBER;
            }
            _ => {
                return Err(self.error(format!(
                    "expected a JSON value, found {}",
                    self.describe_here()
                )));
            }
        }
        Ok(slot)
    }

    /// Moves the children read since `mark` to the end of the arena: their index range.
    fn close(&mut self, mark: usize) -> (u32, u32) {
        let first = self.nodes.len() as u32;
        self.nodes.extend_from_slice(&self.pending[mark..]);
        let len = (self.pending.len() - mark) as u32;
        self.pending.truncate(mark);
        self.depth -= 1;
        (first, len)
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    /// An object: the index range of its members in the arena.
    fn object(&mut self) -> Result<(u32, u32), SyntaxError> {
        let object_start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mark = self.pending.len();
        // Keys seen, for duplicate detection in O(1) once an object is large: (member
        // position, 32-bit hash of its key), 8 bytes a key, rehashed without reading keys.
        let mut seen: Option<hashbrown::HashTable<(u32, u32)>> = None;
        self.skip_ws()?;
        if self.src.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(self.close(mark));
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
            let mut member = self.value()?;
            member.key_start = key_start as u32;
            match key {
                Str::Plain(len) => member.key_len = len,
                Str::Decoded(s) => {
                    member.key_len = self.decoded.len() as u32;
                    self.decoded.push(s);
                    member.tag |= KEY_DECODED;
                    self.escaped_keys = true;
                }
            }
            const SMALL: usize = 16;
            let (text, decoded) = (self.text, &self.decoded);
            let members = &self.pending[mark..];
            let key = key_of(text, decoded, &member);
            let duplicate = if members.len() < SMALL {
                members.iter().any(|m| {
                    ((m.tag | member.tag) & KEY_DECODED != 0 || m.key_len == member.key_len)
                        && key_of(text, decoded, m) == key
                })
            } else {
                let hash32 = |key: &str| self.key_hasher.hash_one(key) as u32;
                // The table's hash from the stored 32 bits: low bits pick the bucket, the top
                // seven are hashbrown's tag.
                let spread = |&(_, h): &(u32, u32)| u64::from(h) | (u64::from(h) << 32);
                let seen = seen.get_or_insert_with(|| {
                    let mut table = hashbrown::HashTable::with_capacity(2 * SMALL);
                    for (i, m) in members.iter().enumerate() {
                        let entry = (i as u32, hash32(key_of(text, decoded, m)));
                        table.insert_unique(spread(&entry), entry, spread);
                    }
                    table
                });
                let entry = (members.len() as u32, hash32(key));
                let found = seen
                    .find(spread(&entry), |&(i, h)| {
                        h == entry.1 && key_of(text, decoded, &members[i as usize]) == key
                    })
                    .is_some();
                if !found {
                    seen.insert_unique(spread(&entry), entry, spread);
                }
                found
            };
            if duplicate {
                self.duplicates
                    .push((object_start, key.to_string(), key_start));
            }
            self.pending.push(member);
            self.skip_ws()?;
            match self.src.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(self.close(mark));
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

    /// An array: the index range of its items in the arena.
    fn array(&mut self) -> Result<(u32, u32), SyntaxError> {
        self.enter()?;
        self.pos += 1;
        let mark = self.pending.len();
        self.skip_ws()?;
        if self.src.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(self.close(mark));
        }
        loop {
            self.skip_ws()?;
            let item = self.value()?;
            self.pending.push(item);
            self.skip_ws()?;
            match self.src.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(self.close(mark));
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

    fn keyword(&mut self, word: &str, tag: u8) -> Result<u8, SyntaxError> {
        if self.src[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(tag)
        } else {
            Err(self.error(format!(
                "expected a JSON value, found {}",
                self.describe_here()
            )))
        }
    }

    /// A number: its end offset (the value is the text as written).
    fn number(&mut self) -> Result<u32, SyntaxError> {
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
        debug_assert!(self.pos > start);
        Ok(self.pos as u32)
    }

    fn string(&mut self) -> Result<Str, SyntaxError> {
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
            return Ok(Str::Plain((self.pos - 1 - run_start) as u32));
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
                    return Ok(Str::Decoded(out));
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

    /// `get_many_ci` finds what `get_ci` finds for each key: exact case first, the last
    /// of duplicates, escaped keys, absent keys, non-objects.
    #[test]
    fn get_many_ci_is_get_ci_per_key() {
        let text = r#"{"Type": 1, "type": 2, "INPUTS": 3, "inputs": 4, "Inputs": 5,
            "run\u0041fter": 6, "cases": 7, "CASES": 8, "x": 9}"#;
        let doc = parse(text).unwrap();
        let root = doc.root();
        let keys = ["type", "inputs", "runAfter", "cases", "actions", "Inputs"];
        let found = root.get_many_ci(keys);
        for (key, node) in keys.iter().zip(found) {
            assert_eq!(node, root.get_ci(key), "{key}");
            if let Some(node) = node {
                let place = root.member_place(node);
                assert_eq!(root.member_at(place), node);
                assert_eq!(root.member_entry(place).value, node);
                assert!(root.member_entry(place).key.eq_ignore_ascii_case(key));
            }
        }
        assert_eq!(
            found[1].map(|n| n.start()),
            root.get_ci("inputs").map(|n| n.start())
        );
        assert!(found[4].is_none());
        let doc = parse("[1, 2]").unwrap();
        assert_eq!(doc.root().get_many_ci(["a", "b"]), [None, None]);
    }

    #[test]
    fn positions_and_lookup() {
        let text = "{\n  \"a\": [1, {\"b\": \"x\"}],\n  \"C\": null\n}";
        let doc = parse(text).unwrap();
        let root = doc.root();
        let b = root
            .get("a")
            .unwrap()
            .as_array()
            .unwrap()
            .get(1)
            .unwrap()
            .get("b")
            .unwrap();
        assert_eq!(b.as_str(), Some("x"));
        assert_eq!(Positions::new(text).at(b.start()), (2, 18));
        assert_eq!(pointer_to(root, b.start()).as_deref(), Some("/a/1/b"));
        assert_eq!(pointer_to(root, root.start()).as_deref(), Some(""));
        assert_eq!(pointer_to(root, b.start() + 1), None);
        assert!(root.get_ci("c").is_some());
    }

    #[test]
    fn comments_bom_and_duplicates() {
        let text = "\u{feff}// c\n{ /* x */ \"a\": 1, \"a\": 2 }";
        let doc = parse(text).unwrap();
        assert!(doc.bom);
        assert_eq!(doc.duplicates.len(), 1);
        assert_eq!(doc.root().get("a").unwrap().value(), Value::Number("2"));
    }

    /// Duplicate keys are found in small objects (compared one by one) and large ones
    /// (hashed), escaped or not, and reported at the repeated key; lookups take the last.
    #[test]
    fn duplicates_in_small_and_large_objects() {
        for size in [3, 15, 16, 17, 40, 1000] {
            let mut text = String::from("{");
            for i in 0..size {
                text += &format!("\"k{i}\": {i}, ");
            }
            // "k1" repeated as written, "k2" with an escape, and a key that only looks alike.
            let k1_again = text.len();
            text += "\"k1\": \"one\", ";
            let k2_again = text.len();
            text += "\"\\u006b2\": \"two\", \"K1\": 0}";
            let doc = parse(&text).unwrap();
            let found: Vec<(&str, usize)> = doc
                .duplicates
                .iter()
                .map(|(object, key, at)| {
                    assert_eq!(*object, 0);
                    (key.as_str(), *at)
                })
                .collect();
            assert_eq!(found, [("k1", k1_again), ("k2", k2_again)], "size {size}");
            let root = doc.root();
            assert_eq!(root.get("k1").unwrap().as_str(), Some("one"));
            assert_eq!(root.get("k2").unwrap().as_str(), Some("two"));
            assert_eq!(root.as_object().unwrap().len(), size + 3);
        }
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
        let items: Vec<_> = doc.root().as_array().unwrap().iter().collect();
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
                let a = doc.root().get("a").unwrap();
                let items = a.as_array().unwrap();
                let key_at = 2 + indent.len();
                assert_eq!(
                    doc.root().as_object().unwrap().first().unwrap().key_start,
                    key_at
                );
                assert_eq!(
                    items.first().unwrap().start(),
                    key_at + "\"a\": [\n".len() + indent.len()
                );
                assert_eq!(items.get(1).unwrap().as_str(), Some("x"));
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
