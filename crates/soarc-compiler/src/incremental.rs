//! Incremental builds (issue #12): a rebuild skips the compile, check and write of every
//! playbook whose inputs are unchanged since the build that wrote OUT, and proves it.
//!
//! **The key** of a playbook is a SHA-1 of everything its files can depend on:
//! - which soarc built: the version and `SOARC_SOURCE_HASH`, a hash of the compiler's
//!   sources, templates, schemas, dependency lock and Rust compiler version taken when soarc
//!   was compiled (`build.rs`), so output of any other soarc build is never reused;
//! - the build options;
//! - the spec paths as given, and every section of the spec except `playbooks:` (deployment,
//!   environments and their values, connections, mappings, defaults, monitoring, automation
//!   rules, sync, tests), after `sync:` expansion, plus the deployment targets derived from
//!   them. The spec is destructured field by field below, so a section added to [`Spec`]
//!   does not compile until it is added to the key;
//! - the playbook itself, as parsed (after `sync:` expansion).
//!
//! Values are hashed through their `Debug` form, which `derive(Debug)` makes exhaustive
//! (every field, every nested value, in order; the spec's maps are `IndexMap`s, printed in
//! the spec's order), without the positions in the file ([`Span`]s): generated files never
//! depend on where a value is written (`Span` is not even ordered; positions only reach
//! diagnostics), so a playbook added above another, or lines added to one, do not make the
//! others build again. Findings that carry a position are therefore never stored: an item
//! that has one is built again every time (see [`Entry::new`]).
//!
//! The files of everything that depends on many playbooks (the automation rules, the
//! monitoring and the ordered deployment `deploy/`) form one more item, keyed by the global
//! part and every playbook's key in order.
//!
//! **Reuse** needs the key to match an entry of the cache AND every file of the entry to
//! still be in OUT as soarc wrote it: listed in the manifest with the same content hash, and
//! with the same file status as recorded right after the build (see [`Stamp`]). Otherwise the
//! item is built as on a full build. The warnings found while generating and checking the
//! item's files are stored with it and reported again, exactly as a full build reports them.
//!
//! **The cache** is `OUT/.soarc-cache.json`, soarc's own state like the manifest: written
//! (atomically, by rename) only after a build committed, never an output, never read by
//! `soarc validate` or `build --check`. A cache that is missing, damaged, of another format
//! or of another soarc means a full build. It describes this machine's files (inodes and
//! times), so it is not worth committing; a checked-out copy simply matches nothing.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use soarc_lang::diagnostics::{Diagnostic, FileId, Severity, Sources, Span};
use soarc_lang::read::STATE_FILES;

use crate::build::Options;
use crate::environments::Target;
use crate::spec::{Located, Playbook, Spec};

/// The cache of the incremental build, in OUT.
pub const CACHE: &str = STATE_FILES[3];

/// Which soarc this is: its version and the hash of the sources it was compiled from.
pub fn identity() -> String {
    format!(
        "soarc {} {}",
        env!("CARGO_PKG_VERSION"),
        env!("SOARC_SOURCE_HASH")
    )
}

/// A SHA-1 key of an item's inputs. SHA-1, as git uses it for content addressing: an
/// accidental collision among a build's keys is out of reach (2^-160 per pair), and a
/// crafted one would need control of the spec, which decides the output anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key([u8; 20]);

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl Key {
    fn parse(text: &str) -> Option<Key> {
        if text.len() != 40 {
            return None;
        }
        let mut bytes = [0; 20];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Key(bytes))
    }
}

/// A SHA-1 of an item's inputs.
struct Hasher(sha1_smol::Sha1);

/// Where `Span { file: FileId(N), line: N, column: N, len: N }` (a [`Span`]'s `Debug`) starts
/// `text`: its length.
fn span_at(text: &[u8]) -> Option<usize> {
    let mut at = 0;
    for (i, part) in [
        "Span { file: FileId(",
        "), line: ",
        ", column: ",
        ", len: ",
        " }",
    ]
    .iter()
    .enumerate()
    {
        if i > 0 {
            let digits = text[at..].iter().take_while(|b| b.is_ascii_digit()).count();
            if digits == 0 {
                return None;
            }
            at += digits;
        }
        if !text[at..].starts_with(part.as_bytes()) {
            return None;
        }
        at += part.len();
    }
    Some(at)
}

impl Hasher {
    fn new(domain: &str) -> Hasher {
        let mut hasher = Hasher(sha1_smol::Sha1::new());
        hasher.part(domain);
        hasher
    }

    /// One part, length-prefixed so that parts cannot run into each other.
    fn part(&mut self, text: &str) {
        self.0.update(&(text.len() as u64).to_le_bytes());
        self.0.update(text.as_bytes());
    }

    /// `value`'s `Debug` text, each span outside a string literal replaced by a NUL byte.
    /// `Debug` prints text only as a quoted string literal with `"` and `\` escaped and NUL
    /// as `\0`, and no spec type holds a `char`, so quotes delimit the spec's own text
    /// exactly: a span-like text a user writes is hashed as written, and the replacement is
    /// one-to-one (a raw NUL appears nowhere else).
    fn debug(&mut self, value: &impl fmt::Debug) {
        let text = format!("{value:?}");
        let bytes = text.as_bytes();
        let (mut i, mut start, mut quoted) = (0, 0, false);
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if quoted => i += 1,
                b'"' => quoted = !quoted,
                b'S' if !quoted => {
                    if let Some(len) = span_at(&bytes[i..]) {
                        self.0.update(&bytes[start..i]);
                        self.0.update(&[0]);
                        i += len;
                        start = i;
                        continue;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.0.update(&bytes[start..]);
        self.0.update(&[0xff]);
    }

    fn key(&mut self, key: &Key) {
        self.0.update(&key.0);
    }

    fn finish(self) -> Key {
        Key(self.0.digest().bytes())
    }
}

/// The keys of one build: one per playbook (in build order) and one for everything that
/// depends on many playbooks.
#[derive(Debug)]
pub struct Keys {
    pub playbooks: Vec<Key>,
    pub rest: Key,
}

/// The keys of `playbooks` (the spec's, after expansion, as they are built). `keep_parts`:
/// whether the ordered deployment holds the playbooks.
pub fn keys(
    spec: &Spec,
    targets: &[Target],
    options: Options,
    sources: &Sources,
    playbooks: &[&Located<Playbook>],
    keep_parts: bool,
) -> Keys {
    let mut global = Hasher::new("soarc incremental build, global");
    global.part(&identity());
    global.debug(&options);
    for id in 0.. {
        let Some(file) = sources.get(FileId(id)) else {
            break;
        };
        global.debug(&file.path);
    }
    global.debug(&targets);
    // Every section but `playbooks:`. Destructured without `..`, so that a new section of
    // the spec is a compile error here until someone decides it belongs in the key.
    let Spec {
        schema,
        deployment,
        environments,
        mappings,
        connections,
        playbooks: _,
        automation_rules,
        sync,
        defaults,
        monitoring,
        tests,
    } = spec;
    global.debug(schema);
    global.debug(deployment);
    global.debug(environments);
    global.debug(mappings);
    global.debug(connections);
    global.debug(automation_rules);
    global.debug(sync);
    global.debug(defaults);
    global.debug(monitoring);
    global.debug(tests);
    let global = global.finish();
    let playbook_keys = crate::build::in_parallel(playbooks, |playbook| {
        let mut hasher = Hasher::new("soarc incremental build, playbook");
        hasher.key(&global);
        hasher.debug(playbook);
        hasher.finish()
    });
    let mut rest = Hasher::new("soarc incremental build, automation rules, monitoring, deploy");
    rest.key(&global);
    rest.debug(&keep_parts);
    for key in &playbook_keys {
        rest.key(key);
    }
    Keys {
        playbooks: playbook_keys,
        rest: rest.finish(),
    }
}

/// What a reused item gives the build instead of its files.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    /// The findings of generating and checking its files, in the order found.
    pub diagnostics: Vec<Diagnostic>,
    /// Per-environment values its workflow reads.
    pub env_values: Vec<String>,
    /// How many files it has.
    pub files: usize,
}

/// The status of a file right after soarc wrote it (or found it unchanged), to tell cheaply
/// that it is still that file: device, inode, size, modification and status-change times.
///
/// Why this is enough: rewriting a file in place changes its modification and status-change
/// times; replacing it (editors that save by rename, `git checkout`, `cp`) gives it another
/// inode. Tools can set the modification time back (`touch -d`, `cp -p`), but not the
/// status-change time, which the kernel sets on every change of contents or metadata
/// (inode(7), "Last status change timestamp (ctime)": https://man7.org/linux/man-pages/man7/inode.7.html).
/// The one gap is a change within the file system clock's granularity of the moment the
/// status was taken: times are equal although the contents changed. That is git's "racy
/// clean" case, and soarc closes it as git does (git's Documentation/technical/racy-git.txt):
/// a status whose times are not strictly older than a time stamp the file system gave just
/// before the status was taken is marked racy, and a racy file is verified by the SHA-1 of
/// its contents (then stamped again); so is every file where no status is available (not
/// Unix). A file whose status changed makes its item build again (its files then compared
/// with OUT byte for byte): never taken for the generated one on the manifest's FNV-1a 64,
/// which is not collision resistant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    #[cfg(unix)]
    pub fn of(meta: &std::fs::Metadata) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt;
        Some(Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        })
    }

    #[cfg(not(unix))]
    pub fn of(_: &std::fs::Metadata) -> Option<Stamp> {
        None
    }

    /// The modification time, as (seconds, nanoseconds).
    pub fn mtime(&self) -> (i64, i64) {
        self.mtime
    }

    /// Whether this status could hide a change made right after it was taken: a time not
    /// strictly older than `before`, a time the file system gave before the status was taken.
    pub fn is_racy(&self, before: (i64, i64)) -> bool {
        self.mtime >= before || self.ctime >= before
    }

    /// Same file (device and inode) and size as `earlier`: the instance a racy status was
    /// taken of, whose contents its SHA-1 then decides.
    pub fn same_file_as(&self, earlier: &Stamp) -> bool {
        (self.dev, self.ino, self.len) == (earlier.dev, earlier.ino, earlier.len)
    }

    /// Same file, size and modification time as `earlier` (the status-change time moves
    /// when a file is renamed, so it is not compared).
    pub fn same_contents_as(&self, earlier: &Stamp) -> bool {
        (self.dev, self.ino, self.len, self.mtime)
            == (earlier.dev, earlier.ino, earlier.len, earlier.mtime)
    }
}

/// One file of a cached item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CachedFile {
    /// `/`-separated, relative to OUT (as in the manifest).
    pub path: String,
    /// FNV-1a 64 of the contents (as in the manifest).
    pub hash: u64,
    /// `None`: unknown (not Unix: `sha1` decides) or lost (the item is built again).
    pub stamp: Option<Stamp>,
    /// With a racy `stamp` (or none, not Unix): the SHA-1 of the contents soarc generated
    /// (hex), verified while the file is the same (device, inode, size). A file is never
    /// taken for the generated one on the manifest's FNV-1a 64, which is not collision
    /// resistant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
}

/// The SHA-1 of `bytes`, hex.
pub fn sha1_hex(bytes: &[u8]) -> String {
    sha1_smol::Sha1::from(bytes).digest().to_string()
}

/// A finding stored with its item. Codes are kept as text and looked up in soarc's
/// registries when read back; one no registry knows (another soarc's) makes the entry unusable.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredDiagnostic {
    error: bool,
    code: String,
    message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    span: Option<(u32, usize, usize, usize)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    help: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<PathBuf>,
}

impl StoredDiagnostic {
    fn store(d: &Diagnostic) -> StoredDiagnostic {
        StoredDiagnostic {
            error: d.is_error(),
            code: d.code.to_string(),
            message: d.message.clone(),
            span: d.span.map(|s| (s.file.0, s.line, s.column, s.len)),
            label: d.label.clone(),
            help: d.help.clone(),
            path: d.path.clone(),
        }
    }

    fn load(self) -> Option<Diagnostic> {
        let code = static_code(&self.code)?;
        Some(Diagnostic {
            severity: if self.error {
                Severity::Error
            } else {
                Severity::Warning
            },
            code,
            message: self.message,
            span: self.span.map(|(file, line, column, len)| Span {
                file: FileId(file),
                line,
                column,
                len,
            }),
            label: self.label,
            help: self.help,
            path: self.path,
        })
    }
}

/// The registered code spelled `code`: the compiler's, or a rule of `soarc validate`.
fn static_code(code: &str) -> Option<&'static str> {
    crate::codes::ALL
        .iter()
        .map(|c| c.code)
        .chain(soarc_validate::rules::ALL.iter().map(|r| r.code))
        .find(|c| *c == code)
}

/// One item of the cache: its key, its files and what it found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    key: String,
    pub files: Vec<CachedFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    diagnostics: Vec<StoredDiagnostic>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    env_values: Vec<String>,
}

impl Entry {
    /// `None` if a finding points into the spec: keys leave positions out, so its position
    /// could be out of date when the entry is reused.
    pub fn new(
        key: &Key,
        files: Vec<CachedFile>,
        diagnostics: &[Diagnostic],
        env_values: Vec<String>,
    ) -> Option<Entry> {
        if diagnostics.iter().any(|d| d.span.is_some()) {
            return None;
        }
        Some(Entry {
            key: key.to_string(),
            files,
            diagnostics: diagnostics.iter().map(StoredDiagnostic::store).collect(),
            env_values,
        })
    }

    /// This entry with its files as verified now.
    pub fn with_files(&self, files: Vec<CachedFile>) -> Entry {
        Entry {
            key: self.key.clone(),
            files,
            diagnostics: self.diagnostics.clone(),
            env_values: self.env_values.clone(),
        }
    }

    /// What the build takes from this entry, or `None` if a finding's code is unknown.
    pub fn recorded(&self) -> Option<Recorded> {
        Some(Recorded {
            diagnostics: self
                .diagnostics
                .iter()
                .cloned()
                .map(StoredDiagnostic::load)
                .collect::<Option<_>>()?,
            env_values: self.env_values.clone(),
            files: self.files.len(),
        })
    }
}

/// The version of the cache file's format.
const FORMAT: u32 = 2;

const ABOUT: &str = "soarc's incremental build cache: what each playbook's inputs were and the files they gave, \
with the status of each file right after soarc wrote it. Deleting it only makes the next build a full one. \
Not worth committing: it describes this machine's files.";

/// The cache file.
#[derive(Debug, Serialize, Deserialize)]
pub struct Cache {
    about: String,
    format: u32,
    /// [`identity`] of the soarc that wrote it.
    soarc: String,
    /// Whether that build ran with `--take-over`.
    take_over: bool,
    pub entries: Vec<Entry>,
}

impl Cache {
    pub fn new(take_over: bool, entries: Vec<Entry>) -> Cache {
        Cache {
            about: ABOUT.into(),
            format: FORMAT,
            soarc: identity(),
            take_over,
            entries,
        }
    }

    /// Read a cache file's bytes; `None` (a full build) unless it is this format, written by
    /// this soarc with the same `take_over`.
    /// A cache that lists one file twice (in two entries, or twice in one) was not written
    /// by soarc, which generates each file for one item only: it is not used at all, since
    /// reusing one of those entries would make the other item's files look generated twice.
    pub fn read(bytes: &[u8], take_over: bool) -> Option<Cache> {
        let cache: Cache = serde_json::from_slice(bytes).ok()?;
        let mut paths = std::collections::HashSet::new();
        let each_file_once = cache
            .entries
            .iter()
            .flat_map(|e| &e.files)
            .all(|f| paths.insert(f.path.as_str()));
        (each_file_once
            && cache.format == FORMAT
            && cache.soarc == identity()
            && cache.take_over == take_over)
            .then_some(cache)
    }

    /// Entries by key (a key listed twice is not used at all).
    pub fn index(&self) -> HashMap<Key, usize> {
        let mut index = HashMap::with_capacity(self.entries.len());
        let mut twice = Vec::new();
        for (i, entry) in self.entries.iter().enumerate() {
            let Some(key) = Key::parse(&entry.key) else {
                continue;
            };
            if index.insert(key, i).is_some() {
                twice.push(key);
            }
        }
        for key in twice {
            index.remove(&key);
        }
        index
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        self.write_to(&mut bytes)
            .expect("writing to memory does not fail");
        bytes
    }

    /// The cache file's text, streamed (it lists every generated file).
    pub fn write_to(&self, to: &mut impl std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer(&mut *to, self)?;
        to.write_all(b"\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_left_out_of_keys_but_text_like_them_is_not() {
        let key = |value: &dyn fmt::Debug| {
            let mut hasher = Hasher::new("t");
            hasher.debug(&value);
            hasher.finish()
        };
        let at = |line| Span {
            file: FileId(0),
            line,
            column: 3,
            len: 4,
        };
        let a = Located::new("text".to_string(), at(1));
        let b = Located::new("text".to_string(), at(200));
        assert_eq!(key(&a), key(&b));
        assert_ne!(key(&a), key(&Located::new("other".to_string(), at(1))));
        // The same words inside the spec's text are the spec's text.
        let written = |line: usize| {
            Located::new(
                format!("Span {{ file: FileId(0), line: {line}, column: 3, len: 4 }}"),
                at(1),
            )
        };
        assert_ne!(key(&written(1)), key(&written(2)));
        assert_ne!(
            key(&Located::new("a\"b".to_string(), at(1))),
            key(&Located::new("a\"c".to_string(), at(1)))
        );
        assert_eq!(
            span_at(b"Span { file: FileId(12), line: 3, column: 4, len: 0 } x"),
            Some(53)
        );
        assert_eq!(
            span_at(b"Span { file: FileId(), line: 3, column: 4, len: 0 }"),
            None
        );
    }

    #[test]
    fn keys_print_and_parse_back() {
        let key = Hasher::new("x").finish();
        assert_eq!(Key::parse(&key.to_string()), Some(key));
        assert_eq!(Key::parse("00"), None);
        assert_eq!(Key::parse(&"g".repeat(40)), None);
    }

    #[test]
    fn stored_findings_read_back_only_with_known_codes() {
        let d = Diagnostic::warning(crate::codes::SPEC072.code, "m")
            .at(Span {
                file: FileId(1),
                line: 2,
                column: 3,
                len: 4,
            })
            .help("h");
        let back = StoredDiagnostic::store(&d).load().unwrap();
        assert_eq!(format!("{back:?}"), format!("{d:?}"));
        let rule = soarc_validate::rules::ALL[0].code;
        let from_validate = Diagnostic::error(rule, "x");
        assert_eq!(
            StoredDiagnostic::store(&from_validate).load().unwrap().code,
            rule
        );
        let mut unknown = StoredDiagnostic::store(&d);
        unknown.code = "XYZ999".into();
        assert!(unknown.load().is_none());
    }

    #[test]
    fn a_cache_of_another_soarc_or_format_is_not_read() {
        let cache = Cache::new(false, Vec::new());
        let bytes = cache.to_bytes();
        assert!(Cache::read(&bytes, false).is_some());
        assert!(Cache::read(&bytes, true).is_none());
        let other = String::from_utf8(bytes)
            .unwrap()
            .replace(&identity(), "soarc 0.0.0 0000");
        assert!(Cache::read(other.as_bytes(), false).is_none());
        assert!(Cache::read(b"{not json", false).is_none());
    }
}
