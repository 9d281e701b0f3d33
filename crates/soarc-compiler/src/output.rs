//! The files of a build: computed in memory, then written all at once or compared.
//!
//! Writing stages every file in a temporary directory beside the output and renames
//! them into place only when all were written, so a failed build leaves the previous
//! output untouched. Files soarc generated before but no longer generates (in the
//! folders it owns) are removed.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Folders under the output directory that soarc owns entirely.
pub const OWNED_DIRS: &[&str] = &["playbooks", "automation-rules", "monitoring"];

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
    /// Generated before, no longer produced by the spec.
    Extra(PathBuf),
}

impl std::fmt::Display for Staleness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Staleness::Missing(p) => write!(f, "missing: {}", p.display()),
            Staleness::Changed(p) => write!(f, "changed: {}", p.display()),
            Staleness::Extra(p) => write!(f, "no longer generated: {}", p.display()),
        }
    }
}

impl FileSet {
    pub fn insert(&mut self, path: impl Into<PathBuf>, contents: String) {
        self.files.insert(path.into(), contents);
    }

    /// Compare with what is on disk under `out`, without writing.
    pub fn check(&self, out: &Path) -> io::Result<Vec<Staleness>> {
        let mut stale = Vec::new();
        for (path, contents) in &self.files {
            match fs::read(out.join(path)) {
                Ok(existing) if existing == contents.as_bytes() => {}
                Ok(_) => stale.push(Staleness::Changed(path.clone())),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    stale.push(Staleness::Missing(path.clone()))
                }
                Err(e) => return Err(e),
            }
        }
        for path in self.extra_files(out)? {
            stale.push(Staleness::Extra(path));
        }
        Ok(stale)
    }

    /// Files in the owned folders of `out` that this build does not produce.
    fn extra_files(&self, out: &Path) -> io::Result<Vec<PathBuf>> {
        let mut extra = Vec::new();
        for dir in OWNED_DIRS {
            let root = out.join(dir);
            if root.is_dir() {
                walk(&root, &mut |file| {
                    let relative = file
                        .strip_prefix(out)
                        .expect("walked under out")
                        .to_path_buf();
                    if !self.files.contains_key(&relative) {
                        extra.push(relative);
                    }
                })?;
            }
        }
        extra.sort();
        Ok(extra)
    }

    /// Write everything under `out`, all or nothing. Returns the files removed.
    pub fn write(&self, out: &Path) -> io::Result<Vec<PathBuf>> {
        fs::create_dir_all(out)?;
        let staging = tempfile::Builder::new()
            .prefix(".soarc-staging-")
            .tempdir_in(out)?;
        for (path, contents) in &self.files {
            let staged = staging.path().join(path);
            if let Some(parent) = staged.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(&staged, contents)?;
        }
        for path in self.files.keys() {
            let target = out.join(path);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::rename(staging.path().join(path), &target)?;
        }
        let extra = self.extra_files(out)?;
        for path in &extra {
            fs::remove_file(out.join(path))?;
            let mut dir = out.join(path);
            // Remove folders left empty (a deleted playbook's folder).
            while dir.pop() && dir != out && fs::remove_dir(&dir).is_ok() {}
        }
        Ok(extra)
    }
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) -> io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(&path, f)?;
        } else {
            f(&path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_check_is_clean_and_detects_changes() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = FileSet::default();
        files.insert("playbooks/a/workflow.json", "{}\n".into());
        files.insert("playbooks/b/workflow.json", "[]\n".into());
        assert_eq!(files.check(dir.path()).unwrap().len(), 2);
        files.write(dir.path()).unwrap();
        assert!(files.check(dir.path()).unwrap().is_empty());

        fs::write(dir.path().join("playbooks/a/workflow.json"), "changed").unwrap();
        let mut fewer = FileSet::default();
        fewer.insert("playbooks/a/workflow.json", "{}\n".into());
        let stale = fewer.check(dir.path()).unwrap();
        assert_eq!(
            stale,
            vec![
                Staleness::Changed("playbooks/a/workflow.json".into()),
                Staleness::Extra("playbooks/b/workflow.json".into())
            ]
        );
        let removed = fewer.write(dir.path()).unwrap();
        assert_eq!(removed, vec![PathBuf::from("playbooks/b/workflow.json")]);
        assert!(!dir.path().join("playbooks/b").exists());
        assert!(fewer.check(dir.path()).unwrap().is_empty());
        // No staging folder is left behind.
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("playbooks")]);
    }
}
