//! Gives the compiler its build identity: `SOARC_SOURCE_HASH`, a SHA-1 of the sources that
//! decide what a build generates (this crate and the crates it uses, the command line, the
//! handlebars templates, the committed schemas, the lock file of every dependency's version). The
//! incremental build keys every reused playbook with it, so output cached by any other
//! soarc build (another commit, an edited working tree, other dependency versions) is never
//! reused (issue #12; see `src/incremental.rs`).

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest.join("../..");
    // Folders are scanned whole by cargo for `rerun-if-changed` (any file's mtime).
    let inputs = [
        manifest.join("src"),
        manifest.join("Cargo.toml"),
        manifest.join("build.rs"),
        root.join("crates/soarc-lang/src"),
        root.join("crates/soarc-lang/Cargo.toml"),
        root.join("crates/soarc-validate/src"),
        root.join("crates/soarc-validate/Cargo.toml"),
        root.join("crates/soarc-review/src"),
        root.join("crates/soarc-review/Cargo.toml"),
        root.join("templates"),
        root.join("schemas"),
        // The command line: it turns flags into the build's options.
        root.join("src"),
        root.join("Cargo.lock"),
        root.join("Cargo.toml"),
    ];
    let mut files = Vec::new();
    let mut missing = Vec::new();
    for input in &inputs {
        println!("cargo:rerun-if-changed={}", input.display());
        if input.exists() {
            collect(input, &mut files);
        } else {
            missing.push(input);
        }
    }
    // Sorted by path relative to the root, so the hash does not depend on where the
    // checkout is or in which order the file system lists a folder.
    let mut named: Vec<(String, PathBuf)> = files
        .into_iter()
        .map(|f| {
            let name = f
                .strip_prefix(&root)
                .unwrap_or(&f)
                .to_string_lossy()
                .replace('\\', "/");
            (name, f)
        })
        .collect();
    named.sort();
    let mut hash = sha1_smol::Sha1::new();
    // Built outside the workspace (a packaged crate), the sources of the crates it uses are
    // not here to hash: this build then gets an identity of its own (the time it was
    // built), so its cache is never taken for another build's, nor another's for its own.
    if !missing.is_empty() {
        println!(
            "cargo:warning=soarc's sources not found ({}): incremental builds reuse only this build's own output",
            missing
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        hash.update(&now.to_le_bytes());
    }
    // The Rust compiler's version too: the standard library formats numbers and orders
    // what it sorts, and it may change between releases.
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    if let Ok(version) = std::process::Command::new(rustc).arg("-V").output() {
        hash.update(&version.stdout);
    }
    for (name, path) in &named {
        let bytes = std::fs::read(path).unwrap_or_default();
        hash.update(name.as_bytes());
        hash.update(&[0]);
        hash.update(&(bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    println!("cargo:rustc-env=SOARC_SOURCE_HASH={}", hash.digest());
}

fn collect(path: &Path, files: &mut Vec<PathBuf>) {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    if meta.is_file() {
        files.push(path.to_path_buf());
    } else if meta.is_dir()
        && let Ok(entries) = std::fs::read_dir(path)
    {
        for entry in entries.flatten() {
            collect(&entry.path(), files);
        }
    }
}
