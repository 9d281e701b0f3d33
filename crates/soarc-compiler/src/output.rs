//! The files of a build: computed in memory, then written into OUT as one transaction, or
//! compared with OUT (`--check`).
//!
//! What soarc owns in OUT, and how it writes there (docs/output.md, "What soarc owns in OUT"):
//!
//! - **A manifest** (`OUT/.soarc-manifest.json`) lists every file soarc wrote, with a hash of
//!   the contents it wrote. soarc overwrites or removes a file only if the manifest lists it
//!   and the file still has that content. A file soarc did not write (or that was edited
//!   since) standing where a generated file must go is a conflict: nothing is written, the
//!   file is named, and `--take-over` lets soarc overwrite it. A file no longer generated is
//!   removed only if unchanged since soarc wrote it; an edited one is reported and kept.
//!   Without a manifest (output of an older soarc) a file byte-identical to what the build
//!   generates is adopted, anything else is foreign.
//! - **No symbolic link is followed**: a folder or file on the way to a generated file (or
//!   to one to remove) that is a symbolic link stops the build before anything is written.
//! - **One build at a time**: `OUT/.soarc-lock`, an exclusive `flock` held for the whole
//!   build, records the holder's process id; the OS drops the lock when a process dies, so a
//!   lock file left by a killed build is detected (it still names a pid) and taken over.
//! - **All or nothing**: new and changed files are first written to `OUT/.soarc-staging/`;
//!   then a journal (`OUT/.soarc-journal.json`) listing every rename is put in place by one
//!   atomic rename, and the renames are done (the previous files are moved aside into the
//!   staging folder, so each step can be undone). An I/O error undoes the renames done so
//!   far; a build killed at any instant leaves the journal, and the next soarc command on OUT
//!   finishes the update (or, if it cannot, undoes it) before anything else
//!   ([`recover_if_interrupted`]). A staging folder without a journal is a build that never
//!   reached its commit point and is removed.
//! - **Fast**: unchanged files are not written (their modification time is kept); each
//!   folder is created once (a new playbook's folder is staged whole and moved in with one
//!   rename).
//!
//! Hash: 64-bit FNV-1a. It detects that a file was edited after soarc wrote it; it is not a
//! security boundary (whoever can write OUT can delete the files anyway), so a
//! non-cryptographic hash is enough, and 2^-64 makes an accidental collision negligible.
//!
//! Durability: renames are atomic with respect to other processes and to a killed build; the
//! files are not `fsync`ed, so after a power loss the file system's own journal decides.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use soarc_lang::diagnostics::Diagnostic;
use soarc_lang::read::{STAGING_DIR, STATE_FILES};

use crate::incremental::{self, Cache, CachedFile, Entry, Key, Recorded, Stamp};

/// The manifest of generated files, in OUT.
pub const MANIFEST: &str = STATE_FILES[0];
/// The journal of an update in progress, in OUT.
pub const JOURNAL: &str = STATE_FILES[1];
/// The lock file of a build in progress, in OUT.
pub const LOCK: &str = STATE_FILES[2];

/// Test-only failure injection: `SOARC_FAIL_AFTER_WRITES=N` makes the N+1-th file write or
/// rename of a build fail with an I/O error; with `SOARC_FAIL_MODE=abort` the process aborts
/// there instead (no unwinding, no clean-up: what a SIGKILL leaves). For the integration
/// tests of crash safety; not a user option.
pub const FAIL_AFTER_WRITES_ENV: &str = "SOARC_FAIL_AFTER_WRITES";
const FAIL_MODE_ENV: &str = "SOARC_FAIL_MODE";

/// Relative path to file contents, sorted so every run writes in the same order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FileSet {
    pub files: BTreeMap<PathBuf, String>,
}

/// Why `--check` failed, per file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staleness {
    Missing(PathBuf),
    Changed(PathBuf),
    /// Generated before (the manifest lists it), no longer produced by the spec.
    Extra(PathBuf),
}

impl fmt::Display for Staleness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Staleness::Missing(p) => write!(f, "missing: {}", p.display()),
            Staleness::Changed(p) => write!(f, "changed: {}", p.display()),
            Staleness::Extra(p) => write!(f, "no longer generated: {}", p.display()),
        }
    }
}

/// A file in the way of a generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// Not written by soarc (not in the manifest).
    Foreign(PathBuf),
    /// Written by soarc, edited since.
    Edited(PathBuf),
    /// Something other than a regular file (a folder, a FIFO, ...) where a file or folder
    /// must go: `--take-over` does not apply.
    Blocking(PathBuf, &'static str),
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Conflict::Foreign(p) => write!(
                f,
                "{} was not written by soarc and differs from the generated file",
                p.display()
            ),
            Conflict::Edited(p) => write!(f, "{} was edited since soarc wrote it", p.display()),
            Conflict::Blocking(p, what) => write!(
                f,
                "{} is {what}, where soarc must write {}",
                p.display(),
                if *what == "a file" {
                    "a folder"
                } else {
                    "a file"
                }
            ),
        }
    }
}

/// Why OUT could not be written or checked. Every case is exit code 2.
#[derive(Debug)]
pub enum OutputError {
    Io {
        path: PathBuf,
        error: io::Error,
    },
    /// A symbolic link where soarc would write, read or delete.
    Symlink(PathBuf),
    /// `--out` names something that is not a folder.
    NotADirectory(PathBuf),
    Conflicts(Vec<Conflict>),
    /// Another build holds the lock.
    Locked {
        lock: PathBuf,
        holder: Option<u32>,
    },
    /// soarc's own state file cannot be understood.
    Corrupt {
        path: PathBuf,
        why: String,
    },
    /// The update could not be undone after an error; the journal stays for the next run.
    Stuck {
        path: PathBuf,
        error: io::Error,
        undo: Box<OutputError>,
    },
}

impl OutputError {
    fn io(path: &Path, error: io::Error) -> OutputError {
        OutputError::Io {
            path: path.to_path_buf(),
            error,
        }
    }
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            OutputError::Symlink(path) => write!(
                f,
                "{} is a symbolic link; soarc never writes, reads or deletes through a link in its output folder. \
                 Replace the link with a real folder or file, or give another --out",
                path.display()
            ),
            OutputError::NotADirectory(path) => write!(
                f,
                "--out {} is a file, not a folder; give the folder the build should write into",
                path.display()
            ),
            OutputError::Conflicts(conflicts) => {
                writeln!(
                    f,
                    "{} file(s) stand where generated files must go; nothing was written:",
                    conflicts.len()
                )?;
                for conflict in conflicts {
                    writeln!(f, "  {conflict}")?;
                }
                if conflicts
                    .iter()
                    .all(|c| !matches!(c, Conflict::Blocking(..)))
                {
                    write!(
                        f,
                        "move them elsewhere, or pass --take-over to let soarc overwrite them"
                    )
                } else {
                    write!(
                        f,
                        "move them elsewhere (--take-over overwrites files, never folders or special files)"
                    )
                }
            }
            OutputError::Locked { lock, holder } => match holder {
                Some(pid) => write!(
                    f,
                    "another soarc build (process {pid}) is writing this folder (lock {}); wait for it to finish",
                    lock.display()
                ),
                None => write!(
                    f,
                    "another soarc build is writing this folder (lock {}); wait for it to finish",
                    lock.display()
                ),
            },
            OutputError::Corrupt { path, why } => write!(
                f,
                "{} cannot be read as soarc's state: {why}",
                path.display()
            ),
            OutputError::Stuck { path, error, undo } => write!(
                f,
                "{}: {error}; undoing the partial update failed too ({undo}); the journal is kept and \
                 the next soarc command on this folder finishes or undoes the update",
                path.display()
            ),
        }
    }
}

impl std::error::Error for OutputError {}

/// What a build did to OUT.
#[derive(Debug, Default)]
pub struct Written {
    /// Files created or overwritten.
    pub written: usize,
    /// Files left as they were (same contents).
    pub unchanged: usize,
    /// Files found byte-identical in a folder without a manifest, now listed in it.
    pub adopted: usize,
    /// Files overwritten with `--take-over`.
    pub taken_over: Vec<PathBuf>,
    /// Files no longer generated, removed.
    pub removed: Vec<PathBuf>,
    /// Files no longer generated but edited since soarc wrote them: kept, and no longer
    /// listed in the manifest (they are the user's now).
    pub kept: Vec<PathBuf>,
    /// What was found and done before the build (an interrupted update, a stale lock).
    pub notes: Vec<String>,
}

/// The manifest file: generated paths (`/`-separated) and the hash of what soarc wrote.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    about: String,
    files: BTreeMap<String, ContentHash>,
}

const MANIFEST_ABOUT: &str = "Files soarc generated in this folder, with a 64-bit FNV-1a hash of the contents it wrote. \
soarc overwrites or removes only these, and only while unchanged. Commit this file with the output.";

/// 64-bit FNV-1a (see the module documentation for why it is enough).
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

fn hash_text(bytes: &[u8]) -> ContentHash {
    ContentHash::Fnv1a64(fnv1a64(bytes))
}

/// A content hash as the manifest writes it, `fnv1a64:` and 16 lowercase hex digits, held
/// as its number: a build of 10,000 playbooks lists 70,000 files, twice on a rebuild (the
/// old manifest and the new), and the text cost 56 bytes more per entry (issue #12). Any
/// other text (edited by hand, or written by another version) is kept as written, and no
/// content hashes to it, exactly as when hashes were compared as text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ContentHash {
    Fnv1a64(u64),
    Other(Box<str>),
}

const FNV_PREFIX: &str = "fnv1a64:";

impl Serialize for ContentHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ContentHash::Fnv1a64(hash) => {
                serializer.collect_str(&format_args!("{FNV_PREFIX}{hash:016x}"))
            }
            ContentHash::Other(text) => serializer.serialize_str(text),
        }
    }
}

impl<'de> Deserialize<'de> for ContentHash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        // Only the exact form this version writes is read as a number, so that writing the
        // manifest back gives the same text.
        let number = text
            .strip_prefix(FNV_PREFIX)
            .filter(|hex| {
                hex.len() == 16 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            })
            .and_then(|hex| u64::from_str_radix(hex, 16).ok());
        Ok(match number {
            Some(hash) => ContentHash::Fnv1a64(hash),
            None => ContentHash::Other(text.into_boxed_str()),
        })
    }
}

fn key(path: &Path) -> String {
    key_of(path)
}

/// A path as the manifest writes it.
fn key_of(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// What an operation of the journal does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum OpKind {
    /// Move a staged file or folder to a path where nothing is.
    Create,
    /// Move the existing file aside, then the staged one in.
    Replace,
    /// Move the existing file aside.
    Remove,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Op {
    op: OpKind,
    path: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    about: String,
    ops: Vec<Op>,
}

const JOURNAL_ABOUT: &str = "An update of this folder by soarc in progress. The next soarc command on this folder \
finishes it (or undoes it) before anything else; do not edit.";

/// Counts writes and renames for the test-only failure injection.
struct Faults {
    left: Option<usize>,
    mode: FailMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FailMode {
    /// An I/O error: the build undoes what it did.
    Error,
    /// `std::process::abort`: what a SIGKILL leaves.
    Abort,
    /// Unit tests: return at once, undoing nothing and cleaning nothing (a kill, in-process).
    #[cfg(test)]
    Stop,
}

impl Faults {
    fn from_env() -> Faults {
        Faults {
            left: std::env::var(FAIL_AFTER_WRITES_ENV)
                .ok()
                .and_then(|n| n.parse().ok()),
            mode: if std::env::var(FAIL_MODE_ENV).is_ok_and(|m| m == "abort") {
                FailMode::Abort
            } else {
                FailMode::Error
            },
        }
    }

    fn none() -> Faults {
        Faults {
            left: None,
            mode: FailMode::Error,
        }
    }

    /// A kill was simulated: leave everything as it is.
    fn stopped(&self) -> bool {
        #[cfg(test)]
        if self.mode == FailMode::Stop && self.left == Some(0) {
            return true;
        }
        false
    }

    fn step(&mut self, path: &Path) -> Result<(), OutputError> {
        match &mut self.left {
            Some(0) => {
                if self.mode == FailMode::Abort {
                    std::process::abort();
                }
                Err(OutputError::io(
                    path,
                    io::Error::other(format!("failure injected by {FAIL_AFTER_WRITES_ENV}")),
                ))
            }
            Some(n) => {
                *n -= 1;
                Ok(())
            }
            None => Ok(()),
        }
    }
}

/// The exclusive lock of OUT, released (and its file removed) on drop.
pub struct Lock {
    file: File,
    path: PathBuf,
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Remove the file while still holding the lock: a process that opened it meanwhile
        // finds, after locking, that the path no longer names its file, and starts over.
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

impl Lock {
    /// Take OUT's lock or say who holds it. A lock file left by a process that died names
    /// that process: reported in `notes` and taken over.
    pub fn acquire(out: &Path, notes: &mut Vec<String>) -> Result<Lock, OutputError> {
        let path = out.join(LOCK);
        for _ in 0..100 {
            let mut options = fs::OpenOptions::new();
            options.read(true).write(true).create(true).truncate(false);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
            }
            let mut file = match options.open(&path) {
                Ok(file) => file,
                Err(e) if is_symlink(&path) => {
                    let _ = e;
                    return Err(OutputError::Symlink(path));
                }
                Err(e) => return Err(OutputError::io(&path, e)),
            };
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    let mut text = String::new();
                    let _ = file.read_to_string(&mut text);
                    return Err(OutputError::Locked {
                        lock: path,
                        holder: text.trim().parse().ok(),
                    });
                }
                Err(fs::TryLockError::Error(e)) => return Err(OutputError::io(&path, e)),
            }
            if !same_file(&file, &path) {
                // Released and removed by its holder between our open and lock: retry.
                continue;
            }
            let mut text = String::new();
            file.read_to_string(&mut text)
                .map_err(|e| OutputError::io(&path, e))?;
            if let Ok(pid) = text.trim().parse::<u32>() {
                notes.push(format!(
                    "took over the lock {} left by soarc process {pid}, which is no longer running",
                    path.display()
                ));
            }
            let pid = std::process::id().to_string();
            file.set_len(0)
                .and_then(|()| {
                    use std::io::Seek;
                    file.seek(io::SeekFrom::Start(0))?;
                    file.write_all(pid.as_bytes())
                })
                .map_err(|e| OutputError::io(&path, e))?;
            return Ok(Lock { file, path });
        }
        Err(OutputError::Locked {
            lock: path,
            holder: None,
        })
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.exists()
}

fn is_symlink(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// `path` exists (as anything, links included, never followed).
fn exists(path: &Path) -> Result<bool, OutputError> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(OutputError::io(path, e)),
    }
}

/// OUT itself: a folder (possibly missing). A link *as* OUT is the user's choice and
/// followed; links inside it are not.
fn check_out_dir(out: &Path) -> Result<bool, OutputError> {
    match fs::metadata(out) {
        Ok(m) if m.is_dir() => Ok(true),
        Ok(_) => Err(OutputError::NotADirectory(out.to_path_buf())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(OutputError::io(out, e)),
    }
}

fn read_manifest(out: &Path) -> Result<Option<Manifest>, OutputError> {
    let path = out.join(MANIFEST);
    let meta = match fs::symlink_metadata(&path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(OutputError::io(&path, e)),
    };
    if meta.file_type().is_symlink() {
        return Err(OutputError::Symlink(path));
    }
    let bytes = soarc_lang::read::read_regular(&path, 256 * 1024 * 1024).map_err(|e| {
        OutputError::Corrupt {
            path: path.clone(),
            why: e.to_string(),
        }
    })?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| OutputError::Corrupt {
            path,
            why: format!("{e}; if it was damaged, delete it: soarc then adopts the files it still generates unchanged"),
        })
}

/// Where a folder on the way to a generated file stands.
struct Dirs {
    out: PathBuf,
    /// Relative folder -> exists (as a real folder).
    known: HashMap<PathBuf, bool>,
}

impl Dirs {
    fn new(out: &Path) -> Dirs {
        Dirs {
            out: out.to_path_buf(),
            known: HashMap::new(),
        }
    }

    /// Whether the folder `rel` exists; a link or a file on the way is an error/conflict.
    fn exists(&mut self, rel: &Path, conflicts: &mut Vec<Conflict>) -> Result<bool, OutputError> {
        if rel.as_os_str().is_empty() {
            return Ok(true);
        }
        if let Some(&known) = self.known.get(rel) {
            return Ok(known);
        }
        let parent = rel.parent().unwrap_or(Path::new(""));
        let state = if !self.exists(parent, conflicts)? {
            false
        } else {
            let path = self.out.join(rel);
            match fs::symlink_metadata(&path) {
                Ok(m) if m.file_type().is_symlink() => return Err(OutputError::Symlink(path)),
                Ok(m) if m.is_dir() => true,
                Ok(_) => {
                    conflicts.push(Conflict::Blocking(path, "a file"));
                    // Reported once; what lies below it is not looked at.
                    false
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => false,
                Err(e) => return Err(OutputError::io(&path, e)),
            }
        };
        self.known.insert(rel.to_path_buf(), state);
        Ok(state)
    }
}

impl Dirs {
    /// Whether the folder `rel` exists as a real folder (no link or file on the way),
    /// reporting nothing: whatever is in the way is reported by [`Dirs::exists`] when a file
    /// goes there, in the order files are written (the incremental build probes cached
    /// files before, and in another order than, a build writes them).
    fn is_dir(&mut self, rel: &Path) -> bool {
        if rel.as_os_str().is_empty() {
            return true;
        }
        if let Some(&known) = self.known.get(rel) {
            return known;
        }
        if !self.is_dir(rel.parent().unwrap_or(Path::new(""))) {
            return false;
        }
        // Only a real folder is remembered: what is not one is left to `exists` to report.
        let dir = fs::symlink_metadata(self.out.join(rel)).is_ok_and(|m| m.is_dir());
        if dir {
            self.known.insert(rel.to_path_buf(), true);
        }
        dir
    }
}

/// What is on disk at a generated path.
enum OnDisk {
    Missing,
    File(Vec<u8>),
}

/// Read the file at `path` without following a link; anything not a regular file is a
/// conflict (`None`).
fn on_disk(path: &Path, conflicts: &mut Vec<Conflict>) -> Result<Option<OnDisk>, OutputError> {
    on_disk_stamped(path, conflicts).map(|(found, _)| found)
}

/// [`on_disk`], with the file's status taken before it was read.
fn on_disk_stamped(
    path: &Path,
    conflicts: &mut Vec<Conflict>,
) -> Result<(Option<OnDisk>, Option<Stamp>), OutputError> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(OutputError::Symlink(path.to_path_buf())),
        Ok(m) if m.is_file() => {
            let mut bytes = Vec::with_capacity(m.len() as usize);
            let mut options = fs::OpenOptions::new();
            options.read(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
            }
            options
                .open(path)
                .and_then(|mut f| f.read_to_end(&mut bytes))
                .map_err(|e| OutputError::io(path, e))?;
            Ok((Some(OnDisk::File(bytes)), Stamp::of(&m)))
        }
        Ok(m) => {
            let what = if m.is_dir() {
                "a folder"
            } else {
                "a special file (FIFO, device or socket)"
            };
            conflicts.push(Conflict::Blocking(path.to_path_buf(), what));
            Ok((None, None))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok((Some(OnDisk::Missing), None)),
        Err(e) => Err(OutputError::io(path, e)),
    }
}

/// Where a build's files go, one at a time as they are generated, so that a build of
/// thousands of playbooks never holds all of its output in memory (issue #12): the
/// in-memory [`FileSet`] (tests, `soarc test`), the [`Writer`] that stages each file into OUT
/// at once, and the [`Checker`] of `--check` that compares each file with OUT at once.
pub trait Sink {
    /// One generated file; each path is given once.
    fn file(&mut self, path: &Path, contents: &str) -> Result<(), OutputError>;

    /// Whether this sink reuses an earlier build's items (the incremental build,
    /// [`crate::incremental`]); the build computes keys only then.
    fn incremental(&self) -> bool {
        false
    }

    /// The files of an earlier build's item with this key, if every one is still in OUT as
    /// that build left it: they are taken as generated (unchanged), and what the item found
    /// is returned. `None`: build the item.
    fn reuse(&mut self, _key: &Key) -> Result<Option<Recorded>, OutputError> {
        Ok(None)
    }

    /// The item with this key was built: its files (already given to [`Sink::file`]), its
    /// findings and the per-environment values it reads, for the next build to reuse.
    fn record(
        &mut self,
        _key: &Key,
        _paths: &[&Path],
        _diagnostics: &[Diagnostic],
        _env_values: &[String],
    ) {
    }
}

impl Sink for FileSet {
    fn file(&mut self, path: &Path, contents: &str) -> Result<(), OutputError> {
        self.insert(path, contents.to_owned());
        Ok(())
    }
}

impl FileSet {
    pub fn insert(&mut self, path: impl Into<PathBuf>, contents: String) {
        self.files.insert(path.into(), contents);
    }

    /// Compare with what is on disk under `out`, without writing (see [`Checker`]).
    pub fn check(&self, out: &Path) -> Result<(Vec<Staleness>, Vec<String>), OutputError> {
        let mut checker = Checker::open(out)?;
        for (path, contents) in &self.files {
            checker.file(path, contents)?;
        }
        checker.finish()
    }

    /// Write everything under `out` as one update (see the module documentation).
    pub fn write(&self, out: &Path, take_over: bool) -> Result<Written, OutputError> {
        self.write_with(out, take_over, Faults::from_env())
    }

    fn write_with(
        &self,
        out: &Path,
        take_over: bool,
        faults: Faults,
    ) -> Result<Written, OutputError> {
        let mut writer = Writer::with_faults(out, take_over, faults);
        for (path, contents) in &self.files {
            writer.file(path, contents)?;
        }
        writer.commit()
    }
}

/// `--check`: each generated file compared with OUT as it comes, without writing. An
/// interrupted update is finished first (see [`recover_if_interrupted`]). soarc's state
/// files are not outputs: the manifest is read only to know which files soarc generated
/// before. Holds the generated paths, never their contents.
pub struct Checker {
    out: PathBuf,
    /// OUT exists (otherwise every file is missing).
    present: bool,
    manifest: Option<Manifest>,
    dirs: Dirs,
    conflicts: Vec<Conflict>,
    stale: Vec<Staleness>,
    generated: HashSet<String>,
    notes: Vec<String>,
}

impl Checker {
    pub fn open(out: &Path) -> Result<Checker, OutputError> {
        let present = check_out_dir(out)?;
        let (notes, manifest) = if present {
            (recover_if_interrupted(out)?, read_manifest(out)?)
        } else {
            (Vec::new(), None)
        };
        Ok(Checker {
            out: out.to_path_buf(),
            present,
            manifest,
            dirs: Dirs::new(out),
            conflicts: Vec::new(),
            stale: Vec::new(),
            generated: HashSet::new(),
            notes,
        })
    }

    /// How many files were compared so far.
    pub fn files(&self) -> usize {
        self.generated.len()
    }

    /// The stale files (missing, changed, or generated before and no longer), and what was
    /// found and done before checking (an interrupted update finished).
    pub fn finish(mut self) -> Result<(Vec<Staleness>, Vec<String>), OutputError> {
        if self.present {
            for listed in self.manifest.iter().flat_map(|m| m.files.keys()) {
                if self.generated.contains(listed) {
                    continue;
                }
                let rel = PathBuf::from(listed);
                let parent = rel.parent().unwrap_or(Path::new(""));
                if self.dirs.exists(parent, &mut self.conflicts)? && exists(&self.out.join(&rel))? {
                    self.stale.push(Staleness::Extra(rel));
                }
            }
        }
        Ok((self.stale, self.notes))
    }
}

impl Sink for Checker {
    fn file(&mut self, path: &Path, contents: &str) -> Result<(), OutputError> {
        self.generated.insert(key(path));
        if !self.present {
            self.stale.push(Staleness::Missing(path.to_path_buf()));
            return Ok(());
        }
        let parent = path.parent().unwrap_or(Path::new(""));
        if !self.dirs.exists(parent, &mut self.conflicts)? {
            self.stale.push(Staleness::Missing(path.to_path_buf()));
            return Ok(());
        }
        match on_disk(&self.out.join(path), &mut self.conflicts)? {
            Some(OnDisk::File(existing)) if existing == contents.as_bytes() => {}
            Some(OnDisk::File(_)) | None => self.stale.push(Staleness::Changed(path.to_path_buf())),
            Some(OnDisk::Missing) => self.stale.push(Staleness::Missing(path.to_path_buf())),
        }
        Ok(())
    }
}

/// A build's update of OUT, fed one file at a time (see the module documentation).
///
/// OUT is touched only when the first file arrives (so a spec that fails before generating
/// anything leaves no trace): then OUT's lock is taken, an interrupted update recovered and
/// the manifest read. Each file is compared with OUT at once; a new or changed one is
/// written into the staging folder at once and its contents dropped, so memory holds paths
/// and hashes only. Nothing in OUT itself changes before [`Writer::commit`]; a writer dropped
/// without committing (a build that failed part-way) removes its staging folder.
pub struct Writer {
    out: PathBuf,
    take_over: bool,
    /// Reuses an earlier build's items and keeps the cache ([`crate::incremental`]).
    incremental: bool,
    faults: Faults,
    open: Option<Open>,
}

/// How a generated file's status is known to be the status of the contents soarc generated
/// (see [`Stamp`] for why a status proves anything).
#[derive(Debug, Clone)]
enum Proof {
    /// Found unchanged (compared byte for byte) with this status, older than the build's start.
    Trusted(Stamp),
    /// Written by this build into the staging folder with this status: confirmed after the
    /// commit if the file in OUT still has its inode, size and modification time.
    Staged(Stamp),
    /// Found unchanged (compared byte for byte) with a racy or unknown status: that status
    /// and the SHA-1 of its contents, which the next build verifies
    /// ([`incremental::CachedFile::sha1`]).
    Digest(Option<Stamp>, String),
}

/// The state of an update once OUT is locked.
struct Open {
    _lock: Lock,
    notes: Vec<String>,
    old: Option<Manifest>,
    dirs: Dirs,
    conflicts: Vec<Conflict>,
    ops: Vec<Op>,
    manifest: Manifest,
    written: Written,
    /// Topmost new folders, each staged whole and moved in with one rename.
    created_dirs: HashSet<PathBuf>,
    /// The staging folders created so far (`None` before the first staged file).
    staged: Option<MadeDirs>,
    /// Whether this writer created OUT (removed again if the build fails and OUT is empty).
    created_out: bool,
    /// Past the commit point: the journal owns the staging folder.
    committed: bool,
    /// A time the file system gave before any file was looked at (the lock file's
    /// modification time once written): a status not strictly older proves nothing.
    opened_at: Option<(i64, i64)>,
    /// When the journal was written (the file system's clock), after every staged file.
    journal_at: Option<(i64, i64)>,
    /// The previous build's cache and its index by key (`None`: nothing to reuse).
    old_cache: Option<(Cache, HashMap<Key, usize>)>,
    /// This build's cache entries, in build order.
    entries: Vec<Entry>,
    /// Files given to `file` and not yet recorded with their item: how their status is known.
    proofs: HashMap<String, Proof>,
    /// (entry, file, staged status) of files written by this build, confirmed after the commit.
    to_confirm: Vec<(usize, usize, Stamp)>,
    /// The cache differs from the previous build's.
    cache_dirty: bool,
}

impl Writer {
    /// A writer that reuses the items of the build that wrote OUT where they are unchanged
    /// (an incremental build, [`crate::incremental`]).
    pub fn new(out: &Path, take_over: bool) -> Writer {
        let mut writer = Writer::with_faults(out, take_over, Faults::from_env());
        writer.incremental = true;
        writer
    }

    fn with_faults(out: &Path, take_over: bool, faults: Faults) -> Writer {
        Writer {
            out: out.to_path_buf(),
            take_over,
            incremental: false,
            faults,
            open: None,
        }
    }

    fn open(&mut self) -> Result<&mut Open, OutputError> {
        if self.open.is_none() {
            let out = &self.out;
            let created_out = !check_out_dir(out)?;
            if created_out {
                fs::create_dir_all(out).map_err(|e| OutputError::io(out, e))?;
            }
            let mut notes = Vec::new();
            let lock = Lock::acquire(out, &mut notes)?;
            notes.extend(recover(out)?);
            let old = read_manifest(out)?;
            let opened_at = lock
                .file
                .metadata()
                .ok()
                .and_then(|m| Stamp::of(&m))
                .map(|s| s.mtime());
            let old_cache = if self.incremental {
                read_cache(out, self.take_over)
            } else {
                None
            };
            self.open = Some(Open {
                _lock: lock,
                notes,
                old,
                dirs: Dirs::new(out),
                conflicts: Vec::new(),
                ops: Vec::new(),
                manifest: Manifest {
                    about: MANIFEST_ABOUT.into(),
                    files: BTreeMap::new(),
                },
                written: Written::default(),
                created_dirs: HashSet::new(),
                staged: None,
                created_out,
                committed: false,
                opened_at,
                journal_at: None,
                old_cache,
                entries: Vec::new(),
                proofs: HashMap::new(),
                to_confirm: Vec::new(),
                cache_dirty: false,
            });
        }
        Ok(self.open.as_mut().expect("opened above"))
    }

    /// Write `bytes` to the staging folder as `rel` (unless a conflict already dooms the
    /// update: then nothing more is written). Returns the written file's status.
    fn stage(&mut self, rel: &Path, bytes: &[u8]) -> Result<Option<Stamp>, OutputError> {
        let Writer {
            out, faults, open, ..
        } = self;
        let open = open.as_mut().expect("staging happens in an open update");
        if !open.conflicts.is_empty() {
            return Ok(None);
        }
        let staging = out.join(STAGING_DIR);
        let new = staging.join("new");
        let made = match &mut open.staged {
            Some(made) => made,
            None => {
                let mut made = MadeDirs::default();
                made.create(&staging)?;
                made.create(&new)?;
                open.staged.insert(made)
            }
        };
        let staged = new.join(rel);
        made.create_parents(&new, rel)?;
        faults.step(&staged)?;
        let mut file = File::create(&staged).map_err(|e| OutputError::io(&staged, e))?;
        file.write_all(bytes)
            .map_err(|e| OutputError::io(&staged, e))?;
        Ok(file.metadata().ok().and_then(|m| Stamp::of(&m)))
    }

    /// Finish the update: decide what is no longer generated, then (if nothing conflicts)
    /// put the journal in place and apply it.
    pub fn commit(mut self) -> Result<Written, OutputError> {
        self.open()?;
        let take_over = self.take_over;
        let out = self.out.clone();
        let open = self.open.as_mut().expect("opened above");
        let mut removed_parents = BTreeSet::new();
        if let Some(old) = &open.old {
            for (name, hash) in &old.files {
                if open.manifest.files.contains_key(name) {
                    continue;
                }
                let rel = PathBuf::from(name);
                if rel.is_absolute() || rel.components().any(|c| c.as_os_str() == "..") {
                    return Err(OutputError::Corrupt {
                        path: out.join(MANIFEST),
                        why: format!("it lists `{name}`, a path outside the folder"),
                    });
                }
                let parent = rel.parent().unwrap_or(Path::new(""));
                let mut ignored = Vec::new();
                if !open.dirs.exists(parent, &mut ignored)? {
                    continue;
                }
                match on_disk(&out.join(&rel), &mut ignored)? {
                    Some(OnDisk::File(existing)) if hash_text(&existing) == *hash => {
                        open.ops.push(Op {
                            op: OpKind::Remove,
                            path: name.clone(),
                        });
                        open.written.removed.push(rel.clone());
                        removed_parents.insert(parent.to_path_buf());
                    }
                    Some(OnDisk::File(_)) | None => open.written.kept.push(rel),
                    Some(OnDisk::Missing) => {}
                }
            }
        }
        if !open.conflicts.is_empty() {
            return Err(OutputError::Conflicts(std::mem::take(&mut open.conflicts)));
        }
        let manifest_text =
            serde_json::to_string_pretty(&open.manifest).expect("the manifest serializes") + "\n";
        let manifest_path = out.join(MANIFEST);
        match on_disk(&manifest_path, &mut Vec::new())? {
            Some(OnDisk::File(existing)) if existing == manifest_text.as_bytes() => {}
            Some(OnDisk::File(_)) => open.ops.push(Op {
                op: OpKind::Replace,
                path: MANIFEST.into(),
            }),
            Some(OnDisk::Missing) => open.ops.push(Op {
                op: OpKind::Create,
                path: MANIFEST.into(),
            }),
            None => {
                return Err(OutputError::Conflicts(vec![Conflict::Blocking(
                    manifest_path,
                    "not a regular file",
                )]));
            }
        }
        if open.ops.is_empty() {
            drop(manifest_text);
            save_cache(&out, open, take_over);
            let mut written = std::mem::take(&mut open.written);
            written.notes = std::mem::take(&mut open.notes);
            return Ok(written);
        }
        self.stage(Path::new(MANIFEST), manifest_text.as_bytes())?;
        drop(manifest_text);
        let Writer { faults, open, .. } = &mut self;
        let open = open.as_mut().expect("opened above");
        // The commit point: once the journal is in place, the update is finished even if
        // this process dies.
        let staging = out.join(STAGING_DIR);
        let journal = Journal {
            about: JOURNAL_ABOUT.into(),
            ops: open.ops.clone(),
        };
        let staged_journal = staging.join("journal");
        let journal_at = File::create(&staged_journal)
            .and_then(|mut file| {
                file.write_all(
                    serde_json::to_string_pretty(&journal)
                        .expect("the journal serializes")
                        .as_bytes(),
                )?;
                file.metadata()
            })
            .map_err(|e| OutputError::io(&staged_journal, e))?;
        open.journal_at = Stamp::of(&journal_at).map(|s| s.mtime());
        faults.step(&out.join(JOURNAL))?;
        fs::rename(&staged_journal, out.join(JOURNAL))
            .map_err(|e| OutputError::io(&out.join(JOURNAL), e))?;
        open.committed = true;
        let mut tx = Transaction::new(&out, faults);
        for (i, op) in open.ops.iter().enumerate() {
            if let Err(error) = tx.forward(op) {
                if tx.faults.stopped() {
                    return Err(error);
                }
                return match tx.undo(&open.ops[..=i]) {
                    Ok(()) => {
                        finish(&out)?;
                        Err(error)
                    }
                    Err(undo) => {
                        let (path, error) = match error {
                            OutputError::Io { path, error } => (path, error),
                            other => (out.clone(), io::Error::other(other.to_string())),
                        };
                        Err(OutputError::Stuck {
                            path,
                            error,
                            undo: Box::new(undo),
                        })
                    }
                };
            }
        }
        for parent in removed_parents.iter().rev() {
            remove_empty_dirs(&out, parent);
        }
        finish(&out)?;
        save_cache(&out, open, take_over);
        let mut written = std::mem::take(&mut open.written);
        written.notes = std::mem::take(&mut open.notes);
        Ok(written)
    }
}

impl Sink for Writer {
    fn file(&mut self, path: &Path, contents: &str) -> Result<(), OutputError> {
        let take_over = self.take_over;
        let incremental = self.incremental;
        let out = self.out.clone();
        let open = self.open()?;
        let bytes = contents.as_bytes();
        let name = key(path);
        debug_assert!(
            !open.manifest.files.contains_key(&name),
            "{name} generated twice"
        );
        let hash = hash_text(bytes);
        let parent = path.parent().unwrap_or(Path::new(""));
        if !open.dirs.exists(parent, &mut open.conflicts)? {
            // The topmost missing folder is staged whole and moved in with one rename.
            let mut top = parent;
            while let Some(up) = top.parent() {
                if up.as_os_str().is_empty() || open.dirs.exists(up, &mut open.conflicts)? {
                    break;
                }
                top = up;
            }
            if open.created_dirs.insert(top.to_path_buf()) {
                open.ops.push(Op {
                    op: OpKind::Create,
                    path: key(top),
                });
            }
            open.written.written += 1;
            open.manifest.files.insert(name.clone(), hash);
            let staged = self.stage(path, bytes)?;
            self.prove(name, staged.map(Proof::Staged));
            return Ok(());
        }
        let target = out.join(path);
        let (found, stamp) = on_disk_stamped(&target, &mut open.conflicts)?;
        let mut proof = None;
        let stage = match found {
            None => return Ok(()),
            Some(OnDisk::Missing) => {
                open.ops.push(Op {
                    op: OpKind::Create,
                    path: name.clone(),
                });
                open.written.written += 1;
                true
            }
            Some(OnDisk::File(existing)) if existing == bytes => {
                if open
                    .old
                    .as_ref()
                    .is_none_or(|m| !m.files.contains_key(&name))
                {
                    open.written.adopted += 1;
                }
                open.written.unchanged += 1;
                proof = match stamp {
                    Some(s) if open.opened_at.is_some_and(|at| !s.is_racy(at)) => {
                        Some(Proof::Trusted(s))
                    }
                    // Racy (rare: changed within the file system clock's tick before the
                    // build started) or no status: its contents' SHA-1 proves it next time.
                    _ if incremental => Some(Proof::Digest(stamp, incremental::sha1_hex(bytes))),
                    _ => None,
                };
                false
            }
            Some(OnDisk::File(existing)) => {
                let listed = open.old.as_ref().and_then(|m| m.files.get(&name));
                let owned = listed.is_some_and(|h| *h == hash_text(&existing));
                if !owned {
                    if !take_over {
                        open.conflicts.push(if listed.is_some() {
                            Conflict::Edited(target)
                        } else {
                            Conflict::Foreign(target)
                        });
                        return Ok(());
                    }
                    open.written.taken_over.push(path.to_path_buf());
                }
                open.ops.push(Op {
                    op: OpKind::Replace,
                    path: name.clone(),
                });
                open.written.written += 1;
                true
            }
        };
        open.manifest.files.insert(name.clone(), hash);
        if stage {
            proof = self.stage(path, bytes)?.map(Proof::Staged);
        }
        self.prove(name, proof);
        Ok(())
    }

    fn incremental(&self) -> bool {
        self.incremental
    }

    fn reuse(&mut self, key: &Key) -> Result<Option<Recorded>, OutputError> {
        if !self.incremental {
            return Ok(None);
        }
        let out = self.out.clone();
        let open = self.open()?;
        let (Some((cache, index)), Some(old)) = (&open.old_cache, &open.old) else {
            return Ok(None);
        };
        let Some(entry) = index.get(key).map(|&i| &cache.entries[i]) else {
            return Ok(None);
        };
        let Some(recorded) = entry.recorded() else {
            return Ok(None);
        };
        let mut files = Vec::with_capacity(entry.files.len());
        for file in &entry.files {
            let rel = Path::new(&file.path);
            if rel.is_absolute()
                || rel.components().any(|c| c.as_os_str() == "..")
                || old.files.get(&file.path) != Some(&ContentHash::Fnv1a64(file.hash))
                || open.manifest.files.contains_key(&file.path)
            {
                return Ok(None);
            }
            // A link or a file on the way: built, so that it is reported where a full build
            // reports it.
            let parent = rel.parent().unwrap_or(Path::new(""));
            if !open.dirs.is_dir(parent) {
                return Ok(None);
            }
            let target = out.join(rel);
            let now = match fs::symlink_metadata(&target) {
                Ok(meta) if meta.is_file() => Stamp::of(&meta),
                _ => return Ok(None),
            };
            // A changed status: the item is built again, and its files are compared with OUT
            // byte for byte as on a full build. Never on the manifest's hash: FNV-1a 64 is not
            // collision resistant, and a generated file committed to git can be replaced by
            // contents crafted to have the recorded hash (a full build rewrites such a file;
            // reusing it would ship it). A file recorded with a racy status is verified by
            // the SHA-1 of its contents, and only while it is the same file (device, inode,
            // size): a cache cannot vouch for a file this machine never wrote or compared
            // (one committed to git, changed by a pull request). Without any status (not
            // Unix) the SHA-1 alone decides.
            let verify = match (file.stamp, now, &file.sha1) {
                (Some(recorded), Some(now), None) if recorded == now => None,
                (Some(recorded), Some(now), Some(digest)) if now.same_file_as(&recorded) => {
                    Some(digest)
                }
                (None, None, Some(digest)) if cfg!(not(unix)) => Some(digest),
                _ => return Ok(None),
            };
            let Some(digest) = verify else {
                files.push(file.clone());
                continue;
            };
            {
                // Anything but the same contents (a link, an error): built, and reported by
                // the build where a full build reports it.
                match on_disk_stamped(&target, &mut Vec::new()).ok() {
                    Some((Some(OnDisk::File(bytes)), stamp))
                        if incremental::sha1_hex(&bytes) == *digest =>
                    {
                        open.cache_dirty = true;
                        let trusted =
                            stamp.filter(|s| open.opened_at.is_some_and(|at| !s.is_racy(at)));
                        files.push(CachedFile {
                            path: file.path.clone(),
                            hash: file.hash,
                            stamp: trusted.or(stamp),
                            sha1: trusted.is_none().then(|| digest.clone()),
                        });
                    }
                    _ => return Ok(None),
                }
            }
        }
        for file in &files {
            open.manifest
                .files
                .insert(file.path.clone(), ContentHash::Fnv1a64(file.hash));
        }
        open.written.unchanged += files.len();
        let entry = entry.with_files(files);
        open.entries.push(entry);
        Ok(Some(recorded))
    }

    fn record(
        &mut self,
        key: &Key,
        paths: &[&Path],
        diagnostics: &[Diagnostic],
        env_values: &[String],
    ) {
        if !self.incremental {
            return;
        }
        let Some(open) = self.open.as_mut() else {
            return;
        };
        let mut files = Vec::with_capacity(paths.len());
        let mut to_confirm = Vec::new();
        for path in paths {
            let name = key_of(path);
            let proof = open.proofs.remove(&name);
            // Not in the manifest: a conflict stops this build anyway.
            let Some(ContentHash::Fnv1a64(hash)) = open.manifest.files.get(&name) else {
                return;
            };
            let (stamp, sha1) = match proof {
                Some(Proof::Trusted(stamp)) => (Some(stamp), None),
                Some(Proof::Staged(stamp)) => {
                    to_confirm.push((open.entries.len(), files.len(), stamp));
                    (None, None)
                }
                Some(Proof::Digest(stamp, digest)) => (stamp, Some(digest)),
                None => (None, None),
            };
            files.push(CachedFile {
                path: name,
                hash: *hash,
                stamp,
                sha1,
            });
        }
        open.cache_dirty = true;
        if let Some(entry) = Entry::new(key, files, diagnostics, env_values.to_vec()) {
            open.to_confirm.extend(to_confirm);
            open.entries.push(entry);
        }
    }
}

impl Writer {
    /// Keep how the status of generated file `name` is known, until its item is recorded.
    fn prove(&mut self, name: String, proof: Option<Proof>) {
        if !self.incremental {
            return;
        }
        if let (Some(open), Some(proof)) = (self.open.as_mut(), proof) {
            open.proofs.insert(name, proof);
        }
    }
}

/// The previous build's cache, if it can be used (see [`Cache::read`]).
fn read_cache(out: &Path, take_over: bool) -> Option<(Cache, HashMap<Key, usize>)> {
    let path = out.join(incremental::CACHE);
    if fs::symlink_metadata(&path).ok()?.file_type().is_symlink() {
        return None;
    }
    let bytes = soarc_lang::read::read_regular(&path, 1024 * 1024 * 1024).ok()?;
    let cache = Cache::read(&bytes, take_over)?;
    let index = cache.index();
    Some((cache, index))
}

/// After a committed build: confirm the status of the files it wrote, then write the cache
/// (into the staging folder, moved into OUT by one rename) if it changed. A cache that
/// cannot be written is not an error: the next build is a full one, which `notes` says.
fn save_cache(out: &Path, open: &mut Open, take_over: bool) {
    // The update is done: what only it needed is freed first (a build of 10,000 playbooks
    // lists 70,000 files; issue #12's memory goal).
    open.old = None;
    open.manifest.files = BTreeMap::new();
    open.proofs = HashMap::new();
    open.dirs.known = HashMap::new();
    open.ops = Vec::new();
    let old_entries = open.old_cache.take().map(|(c, _)| c.entries.len());
    for (entry, file, staged) in std::mem::take(&mut open.to_confirm) {
        let file = &mut open.entries[entry].files[file];
        let now = fs::symlink_metadata(out.join(&file.path))
            .ok()
            .and_then(|m| Stamp::of(&m));
        // Unchanged since written to the staging folder (where nothing else writes), and
        // written strictly before the journal: any change once the file was in OUT would
        // have given it a later modification time (or another inode).
        let Some(now) = now.filter(|now| now.same_contents_as(&staged)) else {
            continue;
        };
        if open.journal_at.is_some_and(|at| staged.mtime() < at) {
            file.stamp = Some(now);
        } else if let Ok((Some(OnDisk::File(bytes)), _)) =
            on_disk_stamped(&out.join(&file.path), &mut Vec::new())
            && fnv1a64(&bytes) == file.hash
        {
            // Racy (written within the clock tick of the commit: every file of a small
            // build): read back, and kept with its status and the SHA-1 of what soarc wrote.
            file.stamp = Some(now);
            file.sha1 = Some(incremental::sha1_hex(&bytes));
        }
    }
    if !open.cache_dirty && old_entries == Some(open.entries.len()) {
        return;
    }
    let path = out.join(incremental::CACHE);
    if open.entries.is_empty() {
        if old_entries.is_some() || exists(&path).unwrap_or(false) {
            let _ = fs::remove_file(&path);
        }
        return;
    }
    let cache = Cache::new(take_over, std::mem::take(&mut open.entries));
    let staging = out.join(STAGING_DIR);
    let temporary = staging.join("cache");
    let result = fs::create_dir(&staging)
        .or_else(|e| match e.kind() {
            io::ErrorKind::AlreadyExists if !is_symlink(&staging) => Ok(()),
            _ => Err(e),
        })
        .and_then(|()| {
            // A new file only: never through a link, nor over a file soarc did not create
            // (the staging folder is OUT's, but another process may write into it).
            let mut options = fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.custom_flags(libc::O_NOFOLLOW);
            }
            let mut file = io::BufWriter::new(options.open(&temporary)?);
            cache.write_to(&mut file)?;
            file.into_inner().map_err(|e| e.into_error()).map(drop)
        })
        .and_then(|()| fs::rename(&temporary, &path));
    let _ = remove_staging(out);
    if let Err(e) = result {
        open.notes.push(format!(
            "the incremental build cache {} could not be written ({e}); the next build rebuilds everything",
            path.display()
        ));
        let _ = fs::remove_file(&path);
    }
}

impl Drop for Writer {
    /// A build that failed before the commit point leaves OUT as it was: its staging folder
    /// is removed (and OUT itself, if this build created it and it is still empty).
    fn drop(&mut self) {
        let Some(open) = &self.open else { return };
        if open.committed || self.faults.stopped() {
            return;
        }
        if open.staged.is_some() {
            let _ = remove_staging(&self.out);
        }
        if open.created_out {
            // The lock file goes with the lock; a folder with anything else in it stays.
            let _ = fs::remove_file(self.out.join(LOCK));
            let _ = fs::remove_dir(&self.out);
        }
    }
}

/// Remove `rel` and its parents while empty (a deleted playbook's folder), up to OUT.
fn remove_empty_dirs(out: &Path, rel: &Path) {
    let mut dir = rel.to_path_buf();
    while !dir.as_os_str().is_empty() && fs::remove_dir(out.join(&dir)).is_ok() {
        dir.pop();
    }
}

/// The update is complete (or undone): drop the journal, then the staging folder.
fn finish(out: &Path) -> Result<(), OutputError> {
    let journal = out.join(JOURNAL);
    match fs::remove_file(&journal) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(OutputError::io(&journal, e)),
    }
    remove_staging(out)
}

fn remove_staging(out: &Path) -> Result<(), OutputError> {
    let staging = out.join(STAGING_DIR);
    match fs::symlink_metadata(&staging) {
        // `remove_dir_all` does not follow links inside; a link as the folder is removed
        // as a link.
        Ok(m) if m.is_dir() => {
            fs::remove_dir_all(&staging).map_err(|e| OutputError::io(&staging, e))
        }
        Ok(_) => fs::remove_file(&staging).map_err(|e| OutputError::io(&staging, e)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(OutputError::io(&staging, e)),
    }
}

/// Folders created in the staging area, each once.
#[derive(Default)]
struct MadeDirs {
    made: HashSet<PathBuf>,
}

impl MadeDirs {
    fn create(&mut self, dir: &Path) -> Result<(), OutputError> {
        if self.made.contains(dir) {
            return Ok(());
        }
        match fs::create_dir(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && !is_symlink(dir) => {}
            Err(e) => return Err(OutputError::io(dir, e)),
        }
        self.made.insert(dir.to_path_buf());
        Ok(())
    }

    /// The folders of `root/rel`'s parent, created top-down.
    fn create_parents(&mut self, root: &Path, rel: &Path) -> Result<(), OutputError> {
        let Some(parent) = rel.parent() else {
            return Ok(());
        };
        if parent.as_os_str().is_empty() || self.made.contains(&root.join(parent)) {
            return Ok(());
        }
        self.create_parents(root, parent)?;
        self.create(&root.join(parent))
    }
}

/// The renames of a journal, each step safe to repeat: whether it was done is read from
/// what exists (`new/<path>` staged, `old/<path>` moved aside, `<path>` in OUT).
struct Transaction<'a, 'f> {
    out: &'a Path,
    new: PathBuf,
    old: PathBuf,
    made: MadeDirs,
    faults: &'f mut Faults,
}

impl<'a, 'f> Transaction<'a, 'f> {
    fn new(out: &'a Path, faults: &'f mut Faults) -> Self {
        let staging = out.join(STAGING_DIR);
        Transaction {
            out,
            new: staging.join("new"),
            old: staging.join("old"),
            made: MadeDirs::default(),
            faults,
        }
    }

    fn rename(&mut self, from: &Path, to: &Path) -> Result<(), OutputError> {
        self.faults.step(to)?;
        fs::rename(from, to).map_err(|e| {
            // Name the file in OUT, whichever side failed.
            let named = if to.starts_with(self.out.join(STAGING_DIR)) {
                from
            } else {
                to
            };
            OutputError::io(named, e)
        })
    }

    fn aside(&mut self, rel: &Path) -> Result<(), OutputError> {
        let old = self.old.clone();
        self.made.create(&old)?;
        self.made.create_parents(&old, rel)?;
        self.rename(&self.out.join(rel), &old.join(rel))
    }

    fn forward(&mut self, op: &Op) -> Result<(), OutputError> {
        let rel = Path::new(&op.path);
        let (target, new, old) = (self.out.join(rel), self.new.join(rel), self.old.join(rel));
        match op.op {
            OpKind::Create => {
                if exists(&new)? {
                    self.rename(&new, &target)?;
                }
            }
            OpKind::Replace => {
                if exists(&new)? {
                    if exists(&target)? && !exists(&old)? {
                        self.aside(rel)?;
                    }
                    self.rename(&new, &target)?;
                }
            }
            OpKind::Remove => {
                if exists(&target)? && !exists(&old)? {
                    self.aside(rel)?;
                }
            }
        }
        Ok(())
    }

    fn backward(&mut self, op: &Op) -> Result<(), OutputError> {
        let rel = Path::new(&op.path);
        let (target, new, old) = (self.out.join(rel), self.new.join(rel), self.old.join(rel));
        if matches!(op.op, OpKind::Create | OpKind::Replace) && !exists(&new)? && exists(&target)? {
            let root = self.new.clone();
            self.made.create_parents(&root, rel)?;
            self.rename(&target, &new)?;
        }
        if matches!(op.op, OpKind::Replace | OpKind::Remove) && exists(&old)? {
            self.rename(&old, &target)?;
        }
        Ok(())
    }

    /// Undo `ops` (the ones started), last first.
    fn undo(&mut self, ops: &[Op]) -> Result<(), OutputError> {
        // Undoing is not subject to injected failures: they model the update's I/O.
        let mut none = Faults::none();
        std::mem::swap(self.faults, &mut none);
        let result = ops.iter().rev().try_for_each(|op| self.backward(op));
        std::mem::swap(self.faults, &mut none);
        result
    }
}

/// Finish or undo an update that a killed build left in OUT, and remove a staging folder
/// that never reached its commit point. Takes OUT's lock when there is anything to do.
/// Returns what was done, for the user.
pub fn recover_if_interrupted(out: &Path) -> Result<Vec<String>, OutputError> {
    if !check_out_dir(out)? || !interrupted(out)? {
        return Ok(Vec::new());
    }
    let mut notes = Vec::new();
    let _lock = Lock::acquire(out, &mut notes)?;
    notes.extend(recover(out)?);
    Ok(notes)
}

/// A journal, a staging folder or a lock file (a build running, or one that was killed).
fn interrupted(out: &Path) -> Result<bool, OutputError> {
    if exists(&out.join(JOURNAL))? || exists(&out.join(STAGING_DIR))? || exists(&out.join(LOCK))? {
        return Ok(true);
    }
    Ok(!old_staging_dirs(out)?.is_empty())
}

/// `.soarc-staging-XXXXXX` folders left by soarc before the journal existed.
fn old_staging_dirs(out: &Path) -> Result<Vec<PathBuf>, OutputError> {
    let entries = fs::read_dir(out).map_err(|e| OutputError::io(out, e))?;
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| OutputError::io(out, e))?;
        if entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(".soarc-staging-"))
            && entry.file_type().is_ok_and(|t| t.is_dir())
        {
            found.push(entry.path());
        }
    }
    Ok(found)
}

/// With the lock held: see [`recover_if_interrupted`].
fn recover(out: &Path) -> Result<Vec<String>, OutputError> {
    let mut notes = Vec::new();
    let journal_path = out.join(JOURNAL);
    if exists(&journal_path)? {
        if is_symlink(&journal_path) {
            return Err(OutputError::Symlink(journal_path));
        }
        let bytes =
            soarc_lang::read::read_regular(&journal_path, 256 * 1024 * 1024).map_err(|e| {
                OutputError::Corrupt {
                    path: journal_path.clone(),
                    why: e.to_string(),
                }
            })?;
        let journal: Journal =
            serde_json::from_slice(&bytes).map_err(|e| OutputError::Corrupt {
                path: journal_path.clone(),
                why: e.to_string(),
            })?;
        for op in &journal.ops {
            let rel = Path::new(&op.path);
            if rel.is_absolute() || rel.components().any(|c| c.as_os_str() == "..") {
                return Err(OutputError::Corrupt {
                    path: journal_path,
                    why: format!("it names `{}`, a path outside the folder", op.path),
                });
            }
        }
        let mut faults = Faults::none();
        let mut tx = Transaction::new(out, &mut faults);
        let forward = journal.ops.iter().try_for_each(|op| tx.forward(op));
        match forward {
            Ok(()) => {
                for op in journal.ops.iter().filter(|op| op.op == OpKind::Remove) {
                    if let Some(parent) = Path::new(&op.path).parent() {
                        remove_empty_dirs(out, parent);
                    }
                }
                notes.push(format!(
                    "finished the update of {} that an interrupted build left ({} change(s))",
                    out.display(),
                    journal.ops.len()
                ));
            }
            Err(error) => {
                tx.undo(&journal.ops)?;
                notes.push(format!(
                    "undid the update of {} that an interrupted build left, as it cannot be finished: {error}",
                    out.display()
                ));
            }
        }
        finish(out)?;
    } else if exists(&out.join(STAGING_DIR))? {
        remove_staging(out)?;
        notes.push(format!(
            "removed the staging folder an interrupted build of {} left; no update of the output was under way (the build stopped before its commit, or after it while saving its cache)",
            out.display()
        ));
    }
    for dir in old_staging_dirs(out)? {
        fs::remove_dir_all(&dir).map_err(|e| OutputError::io(&dir, e))?;
        notes.push(format!(
            "removed {}, left by an interrupted build of an earlier soarc",
            dir.display()
        ));
    }
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(files: &[(&str, &str)]) -> FileSet {
        let mut set = FileSet::default();
        for (path, text) in files {
            set.insert(*path, text.to_string());
        }
        set
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut found = Vec::new();
        fn walk(root: &Path, dir: &Path, found: &mut Vec<String>) {
            for entry in fs::read_dir(dir).unwrap() {
                let entry = entry.unwrap();
                if entry.file_type().unwrap().is_dir() {
                    walk(root, &entry.path(), found);
                } else {
                    found.push(key(entry.path().strip_prefix(root).unwrap()));
                }
            }
        }
        walk(dir, dir, &mut found);
        found.sort();
        found
    }

    #[test]
    fn fnv1a64_matches_the_reference_vectors() {
        // From the FNV reference (isthe.com/chongo/tech/comp/fnv): "" and "a".
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn write_then_check_is_clean_and_detects_changes() {
        let dir = tempfile::tempdir().unwrap();
        let files = set(&[
            ("playbooks/a/workflow.json", "{}\n"),
            ("playbooks/b/workflow.json", "[]\n"),
        ]);
        assert_eq!(files.check(dir.path()).unwrap().0.len(), 2);
        let written = files.write(dir.path(), false).unwrap();
        assert_eq!(written.written, 2);
        assert!(files.check(dir.path()).unwrap().0.is_empty());

        fs::write(dir.path().join("playbooks/a/workflow.json"), "changed").unwrap();
        let fewer = set(&[("playbooks/a/workflow.json", "{}\n")]);
        let (stale, _) = fewer.check(dir.path()).unwrap();
        assert_eq!(
            stale,
            vec![
                Staleness::Changed("playbooks/a/workflow.json".into()),
                Staleness::Extra("playbooks/b/workflow.json".into())
            ]
        );
        // The edited file is not soarc's any more.
        assert!(matches!(
            fewer.write(dir.path(), false),
            Err(OutputError::Conflicts(c)) if c.len() == 1
        ));
        let written = fewer.write(dir.path(), true).unwrap();
        assert_eq!(
            written.removed,
            vec![PathBuf::from("playbooks/b/workflow.json")]
        );
        assert_eq!(written.taken_over.len(), 1);
        assert!(!dir.path().join("playbooks/b").exists());
        assert!(fewer.check(dir.path()).unwrap().0.is_empty());
        assert_eq!(
            listing(dir.path()),
            vec![".soarc-manifest.json", "playbooks/a/workflow.json"]
        );
    }

    #[test]
    fn an_injected_failure_at_any_step_leaves_the_old_output() {
        let old = set(&[
            ("playbooks/a/workflow.json", "a1"),
            ("playbooks/b/workflow.json", "b1"),
            ("playbooks/c/workflow.json", "c1"),
        ]);
        let new = set(&[
            ("playbooks/a/workflow.json", "a2"),
            ("playbooks/b/workflow.json", "b1"),
            ("playbooks/d/workflow.json", "d2"),
        ]);
        for n in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            old.write(dir.path(), false).unwrap();
            let before = listing(dir.path());
            let faults = Faults {
                left: Some(n),
                mode: FailMode::Error,
            };
            match new.write_with(dir.path(), false, faults) {
                Ok(_) => {
                    assert!(new.check(dir.path()).unwrap().0.is_empty(), "step {n}");
                    assert!(n > 5, "{n}");
                    break;
                }
                Err(_) => {
                    assert_eq!(listing(dir.path()), before, "step {n}");
                    assert!(old.check(dir.path()).unwrap().0.is_empty(), "step {n}");
                }
            }
        }
    }

    #[test]
    fn a_build_killed_at_any_step_is_finished_or_cleaned_by_the_next_run() {
        let old = set(&[
            ("playbooks/a/workflow.json", "a1"),
            ("playbooks/c/workflow.json", "c1"),
        ]);
        let new = set(&[
            ("playbooks/a/workflow.json", "a2"),
            ("playbooks/d/workflow.json", "d2"),
        ]);
        let mut finished = 0;
        for n in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            old.write(dir.path(), false).unwrap();
            let faults = Faults {
                left: Some(n),
                mode: FailMode::Stop,
            };
            if new.write_with(dir.path(), false, faults).is_ok() {
                assert!(new.check(dir.path()).unwrap().0.is_empty());
                break;
            }
            let journal = exists(&dir.path().join(JOURNAL)).unwrap();
            let notes = recover_if_interrupted(dir.path()).unwrap();
            assert_eq!(notes.len(), 1, "step {n}: {notes:?}");
            if journal {
                finished += 1;
                assert!(new.check(dir.path()).unwrap().0.is_empty(), "step {n}");
            } else {
                assert!(old.check(dir.path()).unwrap().0.is_empty(), "step {n}");
            }
            assert!(!exists(&dir.path().join(STAGING_DIR)).unwrap());
            assert!(!exists(&dir.path().join(JOURNAL)).unwrap());
        }
        assert!(finished >= 3, "{finished}");
    }

    /// The manifest holds hashes as numbers but writes back exactly the text it read, and a
    /// hash in any other form still matches no content (the file counts as edited).
    #[test]
    fn manifest_hashes_read_back_as_written() {
        let text = r#"{"about":"x","files":{"a":"fnv1a64:00ff00ff00ff00ff","b":"fnv1a64:00FF00FF00FF00FF","c":"sha256:abc","d":"fnv1a64:123"}}"#;
        let manifest: Manifest = serde_json::from_str(text).unwrap();
        assert_eq!(
            manifest.files["a"],
            ContentHash::Fnv1a64(0x00ff_00ff_00ff_00ff)
        );
        assert!(matches!(manifest.files["b"], ContentHash::Other(_)));
        assert_eq!(serde_json::to_string(&manifest).unwrap(), text);
        assert_eq!(
            serde_json::to_string(&hash_text(b"")).unwrap(),
            "\"fnv1a64:cbf29ce484222325\""
        );
        assert_ne!(manifest.files["b"], hash_text(b""));
    }
}
