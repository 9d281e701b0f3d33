//! `soarc` command line: a thin layer over the library.
//!
//! Exit codes: 0 success, 1 the input has errors (or `--check` found stale files),
//! 2 usage errors and I/O failures.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use soarc_compiler::build::{self, Failure};
use soarc_compiler::output;
use soarc_lang::diagnostics::{Diagnostic, Sources};
use soarc_validate::report::{self, Format, Summary};

#[derive(Parser)]
#[command(
    name = "soarc",
    version,
    about = "Compile Microsoft Sentinel SOAR playbook specs into Logic App workflows, ARM templates, Bicep and automation rules, and check any playbook template"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a commented starter spec.
    Init {
        /// Where to write it.
        #[arg(default_value = "sentinel-soar.yaml")]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Compile spec files into OUT/: playbooks/<name>/ (workflow, ARM, parameters, Bicep), automation-rules/ and monitoring/.
    Build {
        /// Spec files (YAML or JSON); their contents are merged.
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        /// Output directory.
        #[arg(long, short, default_value = "out")]
        out: PathBuf,
        /// Write nothing; exit 1 if OUT differs from what the specs produce.
        #[arg(long)]
        check: bool,
        /// Overwrite files that stand where generated files go although soarc did not write
        /// them (or they were edited since). Without it such files stop the build (exit 2).
        #[arg(long, conflicts_with = "check")]
        take_over: bool,
    },
    /// Print the JSON Schema of the spec format (for editor completion).
    Schema,
    /// Check ARM templates, parameters files and workflow definitions (files or directories,
    /// recursively `*.json`). Exit 0: no errors; 1: errors; 2: nothing could be checked.
    Validate {
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: OutputFormat,
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// List every validation rule with its code, severity and documentation (Markdown).
    Rules,
}

/// `soarc validate --format`: the report formats of [`soarc_validate::report`].
#[derive(Clone, Copy, clap::ValueEnum)]
enum OutputFormat {
    Human,
    Json,
    Github,
    Sarif,
    Junit,
}

impl From<OutputFormat> for Format {
    fn from(format: OutputFormat) -> Format {
        match format {
            OutputFormat::Human => Format::Human,
            OutputFormat::Json => Format::Json,
            OutputFormat::Github => Format::Github,
            OutputFormat::Sarif => Format::Sarif,
            OutputFormat::Junit => Format::Junit,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Init { path, force } => init(&path, force),
        Command::Build {
            specs,
            out,
            check,
            take_over,
        } => run_build(&specs, &out, check, take_over),
        Command::Validate { format, paths } => validate(format.into(), &paths),
        Command::Rules => {
            print!("{}", report::rules_markdown());
            ExitCode::SUCCESS
        }
        Command::Schema => {
            print!(
                "{}",
                soarc_compiler::schema::pretty(&soarc_compiler::schema::spec_schema())
            );
            ExitCode::SUCCESS
        }
    }
}

fn validate(format: Format, paths: &[PathBuf]) -> ExitCode {
    // A folder soarc builds into may hold an update a killed build left: finish it first so
    // the files checked are one build's.
    for path in paths.iter().filter(|p| p.is_dir()) {
        match output::recover_if_interrupted(path) {
            Ok(notes) => notes.iter().for_each(|n| eprintln!("note: {n}")),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let reports = soarc_validate::validate_paths(paths);
    let summary = Summary::of(&reports);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(report::render(format, &reports).as_bytes());
    if summary.unreadable > 0 {
        eprintln!(
            "error: {} path(s) could not be read (see above); check the paths",
            summary.unreadable
        );
    } else if summary.files == 0 {
        eprintln!("error: no *.json files found in the given paths");
    } else if summary.checked == 0 {
        eprintln!(
            "error: none of the {} file(s) could be checked",
            summary.files
        );
    }
    ExitCode::from(summary.exit_code())
}

fn init(path: &Path, force: bool) -> ExitCode {
    if path.exists() && !force {
        eprintln!(
            "error: {} already exists; pass --force to overwrite it",
            path.display()
        );
        return ExitCode::from(2);
    }
    // The starter's first line points editors at the schema written beside it.
    let schema = path.with_file_name("soarc.schema.json");
    let written = std::fs::write(path, soarc_compiler::init::STARTER).and_then(|()| {
        std::fs::write(
            &schema,
            soarc_compiler::schema::pretty(&soarc_compiler::schema::spec_schema()),
        )
    });
    match written {
        Ok(()) => {
            println!("wrote {} and {}", path.display(), schema.display());
            println!("next: soarc build {} --out out/", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            ExitCode::from(2)
        }
    }
}

fn run_build(specs: &[PathBuf], out: &Path, check: bool, take_over: bool) -> ExitCode {
    let built = match build::build(specs) {
        Ok(built) => built,
        Err(Failure {
            sources,
            diagnostics,
        }) => {
            report(&sources, &diagnostics);
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            eprintln!("error: build failed with {errors} error(s); nothing was written");
            // A spec that cannot be read is an I/O error (exit 2), like every other.
            let io = diagnostics
                .iter()
                .any(|d| d.code == soarc_compiler::spec::load::UNREADABLE);
            return ExitCode::from(if io { 2 } else { 1 });
        }
    };
    report(&built.sources, &built.warnings);
    if check {
        return match built.files.check(out) {
            Ok((stale, notes)) => {
                notes.iter().for_each(|n| eprintln!("note: {n}"));
                if stale.is_empty() {
                    println!(
                        "{} is up to date ({} files)",
                        out.display(),
                        built.files.files.len()
                    );
                    return ExitCode::SUCCESS;
                }
                for file in &stale {
                    println!("{file}");
                }
                eprintln!(
                    "error: {} file(s) in {} are stale; run `soarc build` and commit the result",
                    stale.len(),
                    out.display()
                );
                ExitCode::from(1)
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        };
    }
    match built.files.write(out, take_over) {
        Ok(written) => {
            written.notes.iter().for_each(|n| eprintln!("note: {n}"));
            for path in &written.taken_over {
                println!("took over {}", out.join(path).display());
            }
            for path in &written.removed {
                println!("removed {}", out.join(path).display());
            }
            for path in &written.kept {
                eprintln!(
                    "warning: {} is no longer generated but was edited since soarc wrote it: kept (it is yours now)",
                    out.join(path).display()
                );
            }
            println!(
                "built {} playbook(s) and {} automation rule(s) into {} ({} files: {} written, {} unchanged)",
                built.playbooks,
                built.automation_rules,
                out.display(),
                built.files.files.len(),
                written.written,
                written.unchanged
            );
            if written.adopted > 0 {
                println!(
                    "adopted {} identical file(s) written by an earlier soarc (listed in {})",
                    written.adopted,
                    out.join(output::MANIFEST).display()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn report(sources: &Sources, diagnostics: &[Diagnostic]) {
    let mut stderr = std::io::stderr().lock();
    for diagnostic in diagnostics {
        let _ = writeln!(stderr, "{}", diagnostic.render(sources));
    }
}
