//! Reading input files (specs, templates): regular files only, size limit enforced while
//! reading.
//!
//! A FIFO given as input would block `open` until a writer appears, and a device such as
//! `/dev/zero` reports a length of 0 and never ends, so neither the file type nor the limit
//! can be taken from `metadata()` before opening. The file is opened without blocking
//! (`O_NONBLOCK`, which has no effect on regular files), its type is taken from the open
//! handle, and at most `limit + 1` bytes are read (`Read::take`).

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Names of the state files soarc keeps in an output folder (manifest, journal, lock, the
/// incremental build's cache). `soarc validate` skips exactly these when it walks a
/// directory; `soarc build` never treats them as outputs.
pub const STATE_FILES: &[&str] = &[
    ".soarc-manifest.json",
    ".soarc-journal.json",
    ".soarc-lock",
    ".soarc-cache.json",
];

/// The staging folder of a build in progress (older versions added a random suffix:
/// `.soarc-staging-XXXXXX`). `soarc validate` does not descend into it.
pub const STAGING_DIR: &str = ".soarc-staging";

/// Whether a directory entry named `name` is soarc's own state (manifest, journal, lock,
/// cache, staging folder), never a user's input.
pub fn is_state_entry(name: &std::ffi::OsStr, is_dir: bool) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    if is_dir {
        name == STAGING_DIR || name.starts_with(".soarc-staging-")
    } else {
        STATE_FILES.contains(&name)
    }
}

/// Why an input file could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// A FIFO, device, socket or directory: `what` says which.
    NotRegular(&'static str),
    /// More than the limit (bytes).
    TooLarge(u64),
    Io(io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotRegular(what) => write!(
                f,
                "it is {what}, not a regular file; give the path of a file on disk"
            ),
            ReadError::TooLarge(limit) => write!(
                f,
                "it is larger than the {} MiB limit",
                limit / (1024 * 1024)
            ),
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// What a non-regular file is, in the user's words.
fn describe(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Read a regular file of at most `limit` bytes.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = open_nonblocking(path).map_err(ReadError::Io)?;
    let metadata = file.metadata().map_err(ReadError::Io)?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular(describe(metadata.file_type())));
    }
    let mut bytes = Vec::with_capacity(metadata.len().min(limit) as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_are_read_and_limited_while_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_regular(&path, 10).unwrap(), b"0123456789");
        assert!(matches!(
            read_regular(&path, 9),
            Err(ReadError::TooLarge(9))
        ));
        assert!(matches!(
            read_regular(dir.path(), 10),
            Err(ReadError::NotRegular("a directory"))
        ));
        assert!(matches!(
            read_regular(&dir.path().join("missing"), 10),
            Err(ReadError::Io(_))
        ));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn devices_are_rejected_without_reading() {
        let error = read_regular(Path::new("/dev/zero"), 1024).unwrap_err();
        assert!(matches!(error, ReadError::NotRegular("a character device")));
    }

    #[test]
    fn state_entries_are_exactly_soarcs_own() {
        use std::ffi::OsStr;
        assert!(is_state_entry(OsStr::new(".soarc-manifest.json"), false));
        assert!(is_state_entry(OsStr::new(".soarc-lock"), false));
        assert!(is_state_entry(OsStr::new(".soarc-cache.json"), false));
        assert!(is_state_entry(OsStr::new(".soarc-staging"), true));
        assert!(is_state_entry(OsStr::new(".soarc-staging-x1y2"), true));
        assert!(!is_state_entry(OsStr::new(".soarc-other.json"), false));
        assert!(!is_state_entry(OsStr::new(".soarc-manifest.json"), true));
    }
}
