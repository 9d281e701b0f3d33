//! `soarc` command line: a thin layer over the library.
//!
//! Exit codes: 0 success, 1 the input has errors (or `--check` found stale files, or
//! `diff --fail-on-security` found a security-relevant change), 2 usage errors and I/O failures.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use soarc_compiler::build::{self, Failure};
use soarc_compiler::output;
use soarc_lang::diagnostics::{Diagnostic, Sources};
use soarc_runtime::RunStatus;
use soarc_validate::report::{self, Format, Summary};

mod test_command;

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
    /// Compile spec files into OUT/: playbooks/<name>/ (workflow, ARM, parameters, Bicep), automation-rules/, monitoring/ and deploy/ (everything in one ordered deployment).
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
        /// `az`: per playbook a complete deployment, plus deploy/ (one ordered deployment
        /// per environment). `repositories`: for Microsoft Sentinel Repositories: only the
        /// resource types it deploys, sentinel-deployment.config, and prerequisites/ for the
        /// rest (docs/repositories.md).
        #[arg(long, value_enum, default_value = "az")]
        layout: LayoutArg,
    },
    /// Print the JSON Schema of the spec format (for editor completion).
    Schema,
    /// Check ARM templates, parameters files and workflow definitions (files or directories,
    /// recursively `*.json`). Exit 0: no errors; 1: errors; 2: nothing could be checked.
    Validate {
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: OutputFormat,
        /// Only these rules: codes or prefixes (`WDL`, `ARM01`, `WDL016`), repeatable or
        /// comma-separated.
        #[arg(long, value_delimiter = ',')]
        select: Vec<String>,
        /// Never these rules: codes or prefixes, repeatable or comma-separated.
        #[arg(long, value_delimiter = ',')]
        ignore: Vec<String>,
        /// Report findings of this severity and above (default: soarc.toml's, else info).
        #[arg(long, value_enum)]
        severity: Option<SeverityArg>,
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// List every validation rule with its code, severity and documentation (Markdown).
    Rules,
    /// Run the `tests:` of spec files in soarc's simulator (offline, mocked services).
    /// Exit 0: all passed; 1: a test failed; 2: spec or usage errors.
    Test {
        /// Spec files (YAML or JSON); each is a spec of its own (see --merge).
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        /// Output format: human, json or junit (JUnit XML for CI test reports).
        #[arg(long, value_enum, default_value = "human")]
        format: test_command::TestFormat,
        /// Run only the tests whose name contains this text (case-insensitive).
        #[arg(long)]
        filter: Option<String>,
        /// The files are the parts of one spec (as `soarc build` reads several files).
        #[arg(long)]
        merge: bool,
    },
    /// Run one run of a workflow offline, with mocked connectors and a virtual clock.
    /// Exit 0: the run Succeeded (or its trigger conditions were false); 1: Failed or
    /// Cancelled; 2: usage or I/O error.
    Run {
        /// A workflow.json, or an ARM template holding a Microsoft.Logic/workflows resource.
        workflow: PathBuf,
        /// The trigger's payload: a JSON file, or a built-in Microsoft Sentinel sample
        /// (`incident`, `alert`, `entity`).
        #[arg(long, default_value = "incident")]
        trigger: String,
        /// Override a field of the built-in sample: `severity=High`, `labels=["vuln"]`,
        /// `analytics_rule_ids=["<guid>"]`, or a dotted path `object.properties.status=Active`.
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        set: Vec<String>,
        /// A JSON merge patch (RFC 7396) applied to the built-in sample.
        #[arg(long, value_name = "PATCH.json")]
        merge: Option<PathBuf>,
        /// Mocks (YAML or JSON): answers to outbound calls and data for the built-in
        /// service mocks.
        #[arg(long, value_name = "MOCKS.yaml")]
        mocks: Option<PathBuf>,
        /// The virtual clock at the start of the run (ISO 8601), default 2026-01-01T00:00:00Z.
        #[arg(long, value_name = "ISO-8601")]
        now: Option<String>,
        /// Workflow or ARM template parameter values: an ARM parameters file or {"name": value}.
        #[arg(long, value_name = "FILE")]
        parameters: Option<PathBuf>,
        /// Answer every connector call that no mock matches with 200 {}.
        #[arg(long)]
        generic_mocks: bool,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: RunFormat,
    },
    /// Draw a workflow as a flowchart (trigger, actions, branches, runAfter edges with their
    /// statuses, the failure path dashed). A workflow.json or an ARM template draws its
    /// workflows; a folder (soarc's OUT) draws the overview: automation rules, playbooks,
    /// connections and role assignments.
    Graph {
        /// A workflow definition, an ARM template, or a folder.
        path: PathBuf,
        /// Output format: Mermaid (renders in GitHub and Azure DevOps Markdown) or Graphviz DOT.
        #[arg(long, value_enum, default_value = "mermaid")]
        format: GraphFormat,
    },
    /// Compare two workflows, two templates or two OUT folders: playbooks, rules, actions,
    /// connections and role assignments added, removed or changed, expression by expression,
    /// with security-relevant changes marked.
    Diff {
        /// The old version: workflow.json, azuredeploy.json, a folder, a parameters file, or a
        /// .bicep / .bicepparam file (compared with the same kind).
        old: PathBuf,
        /// The new version.
        new: PathBuf,
        /// Output format: Markdown (for a pull-request comment) or JSON.
        #[arg(long, value_enum, default_value = "markdown")]
        format: DiffFormat,
        /// Exit 1 when a change is security-relevant (role assignments, connections,
        /// authentication, secureData, Key Vault references, HTTP targets, automation rule
        /// conditions), so a pipeline can require an approval.
        #[arg(long)]
        fail_on_security: bool,
    },
    /// Turn an existing playbook (an ARM template with Microsoft.Logic/workflows, or a
    /// workflow.json) into a spec: connections, parameters, the trigger and every action.
    /// Building the spec as written gives back the original workflow definition.
    Import {
        /// The ARM template (azuredeploy.json) or workflow definition.
        file: PathBuf,
        /// An ARM parameters file (azuredeploy.parameters.json) whose values take the place
        /// of the template's default values. Secure parameters and Key Vault references are
        /// never written into the spec: they stay parameters of the generated template.
        #[arg(long, short)]
        parameters: Option<PathBuf>,
        /// Where to write the spec (default: standard output). An existing file is replaced
        /// only if an earlier `soarc import` wrote it, or with --force.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Replace an existing --out file that `soarc import` did not write.
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// Print a shell completion script: `soarc completions bash > /etc/bash_completion.d/soarc`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `soarc man > soarc.1 && man ./soarc.1`.
    Man,
}

/// `soarc build --layout`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum LayoutArg {
    Az,
    Repositories,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum GraphFormat {
    Mermaid,
    Dot,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum DiffFormat {
    Markdown,
    Json,
}

/// `soarc validate --severity`: the lowest severity reported.
#[derive(Clone, Copy, clap::ValueEnum)]
enum SeverityArg {
    Error,
    Warning,
    Info,
}

impl From<SeverityArg> for soarc_validate::Severity {
    fn from(s: SeverityArg) -> Self {
        match s {
            SeverityArg::Error => soarc_validate::Severity::Error,
            SeverityArg::Warning => soarc_validate::Severity::Warning,
            SeverityArg::Info => soarc_validate::Severity::Info,
        }
    }
}

/// `soarc run --format`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum RunFormat {
    Human,
    Json,
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
            layout,
        } => run_build(&specs, &out, check, take_over, layout),
        Command::Validate {
            format,
            select,
            ignore,
            severity,
            paths,
        } => match configure(&select, &ignore, severity, &paths) {
            Ok((selection, config)) => validate(format.into(), &selection, config.as_ref(), &paths),
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Test {
            specs,
            format,
            filter,
            merge,
        } => test_command::run(&specs, format, filter.as_deref(), merge),
        Command::Run {
            workflow,
            trigger,
            set,
            merge,
            mocks,
            now,
            parameters,
            generic_mocks,
            format,
        } => {
            let args = RunArgs {
                workflow,
                trigger,
                set,
                merge,
                mocks,
                now,
                parameters,
                generic_mocks,
            };
            match simulate(&args) {
                // One run (the usual case): the run's object. A `splitOn` trigger that
                // starts several runs, or none: `{"runs": [...]}`, one object per run in
                // item order.
                Ok(runs) => {
                    let text = match (format, runs.as_slice()) {
                        (RunFormat::Json, [trace]) => {
                            serde_json::to_string_pretty(trace).expect("serialisable") + "\n"
                        }
                        (RunFormat::Json, _) => {
                            serde_json::to_string_pretty(&serde_json::json!({ "runs": runs }))
                                .expect("serialisable")
                                + "\n"
                        }
                        (RunFormat::Human, [trace]) => soarc_runtime::render::human(trace),
                        (RunFormat::Human, []) => {
                            "The trigger's splitOn array is empty: no run started.\n".to_string()
                        }
                        (RunFormat::Human, _) => runs
                            .iter()
                            .enumerate()
                            .map(|(i, trace)| {
                                format!(
                                    "run {} of {} (splitOn item {i})\n{}",
                                    i + 1,
                                    runs.len(),
                                    soarc_runtime::render::human(trace)
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("\n"),
                    };
                    let _ = std::io::stdout().lock().write_all(text.as_bytes());
                    if runs
                        .iter()
                        .any(|t| matches!(t.status, RunStatus::Failed | RunStatus::Cancelled))
                    {
                        ExitCode::from(1)
                    } else {
                        ExitCode::SUCCESS
                    }
                }
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Import {
            file,
            parameters,
            out,
            force,
        } => import(&file, parameters.as_deref(), out.as_deref(), force),
        Command::Rules => {
            print!("{}", report::rules_markdown());
            ExitCode::SUCCESS
        }
        Command::Graph { path, format } => graph(&path, format),
        Command::Diff {
            old,
            new,
            format,
            fail_on_security,
        } => diff(&old, &new, format, fail_on_security),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "soarc", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Command::Man => {
            let command = <Cli as clap::CommandFactory>::command();
            match clap_mangen::Man::new(command).render(&mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: cannot write the man page: {e}");
                    ExitCode::from(2)
                }
            }
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

/// The files and switches of `soarc run`.
struct RunArgs {
    workflow: PathBuf,
    trigger: String,
    set: Vec<String>,
    merge: Option<PathBuf>,
    mocks: Option<PathBuf>,
    now: Option<String>,
    parameters: Option<PathBuf>,
    generic_mocks: bool,
}

fn read_text(path: &Path) -> Result<String, String> {
    // Regular files only (a FIFO would hang, /dev/zero never ends), size-limited.
    let bytes = soarc_lang::read::read_regular(path, soarc_validate::MAX_FILE_SIZE)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))
}

/// A JSON file as `soarc run` reads it: a UTF-8 byte order mark and `//`, `/* */` comments
/// are accepted, as Azure accepts them in templates; error positions are the file's own.
fn read_json(path: &Path) -> Result<serde_json::Value, String> {
    let text = read_text(path)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    serde_json::from_str(&soarc_lang::jsonc::blank_comments(text))
        .map_err(|e| format!("{} is not valid JSON: {e}", path.display()))
}

/// Reads the files of `soarc run` and runs the workflow: the runs its trigger starts (one,
/// or one per `splitOn` item).
fn simulate(args: &RunArgs) -> Result<Vec<soarc_runtime::RunTrace>, String> {
    use soarc_runtime::{Mocks, RunOptions, Sample, SampleKind, TriggerInput};
    let document = read_json(&args.workflow)?;
    let params_file = args.parameters.as_deref().map(read_json).transpose()?;
    let workflow = soarc_runtime::load_workflow(&document, params_file.as_ref())
        .map_err(|e| format!("{}: {e}", args.workflow.display()))?;
    let trigger = match SampleKind::from_name(&args.trigger) {
        Some(kind) => {
            let mut sample = Sample::new(kind);
            for s in &args.set {
                sample
                    .set
                    .push(soarc_runtime::render::parse_set(s).map_err(|e| e.to_string())?);
            }
            sample.merge = args.merge.as_deref().map(read_json).transpose()?;
            TriggerInput::Sample(sample)
        }
        None => {
            if !args.set.is_empty() || args.merge.is_some() {
                return Err(
                    "--set and --merge change a built-in sample: use them with --trigger incident|alert|entity".into(),
                );
            }
            TriggerInput::Payload(read_json(Path::new(&args.trigger)).map_err(|e| {
                format!(
                    "--trigger is neither incident, alert, entity nor a readable JSON file: {e}"
                )
            })?)
        }
    };
    let mocks = match &args.mocks {
        Some(path) => {
            Mocks::from_yaml(&read_text(path)?).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => Mocks::default(),
    };
    // A bare workflow.json takes its parameter values from --parameters directly.
    let parameters = match (&params_file, document.get("resources")) {
        (Some(file), None) => {
            soarc_runtime::render::parameters_from(file).map_err(|e| e.to_string())?
        }
        _ => Default::default(),
    };
    let options = RunOptions {
        trigger,
        mocks,
        now: args.now.clone(),
        parameters,
        generic_mocks: args.generic_mocks,
    };
    soarc_runtime::Prepared::new(&workflow)
        .runs(&options)
        .map_err(|e| format!("{}: {e}", args.workflow.display()))
}

fn graph(path: &Path, format: GraphFormat) -> ExitCode {
    match soarc_review::load(path) {
        Ok(inventory) => {
            let graph = soarc_review::graph_of(&inventory);
            print!(
                "{}",
                match format {
                    GraphFormat::Mermaid => soarc_review::render::mermaid(&graph),
                    GraphFormat::Dot => soarc_review::render::dot(&graph),
                }
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn diff(old: &Path, new: &Path, format: DiffFormat, fail_on_security: bool) -> ExitCode {
    // Workflows, templates and folders; or two parameters files; or two Bicep files.
    let report = match soarc_review::diff_paths(old, new) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match format {
        DiffFormat::Markdown => print!("{}", soarc_review::diff::to_markdown(&report)),
        DiffFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&soarc_review::diff::to_json(&report))
                .expect("a JSON value serializes")
        ),
    }
    if fail_on_security && report.has_security_changes() {
        eprintln!("error: security-relevant changes (marked in the report) need a security review");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

/// The rule selection from the command line and the nearest `soarc.toml` (looked for from
/// the first checked path upwards): `--select` and `--severity` replace the file's, `--ignore`
/// adds to it.
fn configure(
    select: &[String],
    ignore: &[String],
    severity: Option<SeverityArg>,
    paths: &[PathBuf],
) -> Result<
    (
        soarc_validate::config::Selection,
        Option<soarc_validate::config::ConfigFile>,
    ),
    String,
> {
    use soarc_validate::config::{ConfigFile, Selection, find_config};
    let config = match paths.first().and_then(|p| find_config(p)) {
        Some(path) => Some(ConfigFile::load(&path)?),
        None => None,
    };
    let file = config.clone().unwrap_or_default();
    let select = if select.is_empty() {
        &file.select[..]
    } else {
        select
    };
    let threshold = severity
        .map(Into::into)
        .or(file.severity)
        .unwrap_or(soarc_validate::Severity::Info);
    let mut selection = Selection::new(select, ignore, threshold)?;
    selection.ignore_more(&file.ignore)?;
    Ok((selection, config))
}

fn validate(
    format: Format,
    selection: &soarc_validate::config::Selection,
    config: Option<&soarc_validate::config::ConfigFile>,
    paths: &[PathBuf],
) -> ExitCode {
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
    let mut reports = soarc_validate::validate_paths_with(paths, progress_line());
    selection.apply(&mut reports);
    if let Some(config) = config {
        config.apply_per_path(&mut reports);
    }
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

/// Progress for `soarc validate`: a self-erasing line on stderr, only when stderr is a
/// terminal and not in CI (`CI` set). Drawn for runs of at least 200 files or after a second,
/// and for each file of 4 MiB or more while it is checked (a big file alone can take a
/// while), so small runs and piped or CI output stay clean.
fn progress_line() -> impl FnMut(soarc_validate::Progress) {
    use soarc_validate::Progress;
    use std::io::IsTerminal;
    const BIG_FILE: u64 = 4 * 1024 * 1024;
    let enabled = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let start = std::time::Instant::now();
    let mut last_drawn = start;
    let mut drawn = false;
    move |progress| {
        if !enabled {
            return;
        }
        let now = std::time::Instant::now();
        match progress {
            Progress::Starting { index, total, path } => {
                let size = std::fs::metadata(path).map_or(0, |m| m.len());
                if size >= BIG_FILE {
                    drawn = true;
                    last_drawn = now;
                    eprint!(
                        "\r\x1b[2Kchecking {}/{total}: {} ({:.0} MiB)",
                        index + 1,
                        path.display(),
                        size as f64 / 1048576.0
                    );
                }
            }
            Progress::Done { done, total } => {
                let due = total >= 200 || now.duration_since(start).as_secs() >= 1;
                if due && (now.duration_since(last_drawn).as_millis() >= 100 || done == total) {
                    last_drawn = now;
                    drawn = true;
                    eprint!("\r\x1b[2Kchecking {done}/{total} files");
                }
                if done == total && drawn {
                    eprint!("\r\x1b[2K");
                }
            }
        }
    }
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

fn import(file: &Path, parameters: Option<&Path>, out: Option<&Path>, force: bool) -> ExitCode {
    let mut sources = Sources::default();
    let mut read = |path: &Path| match read_text(path) {
        Ok(text) => Some(sources.add(path.to_path_buf(), text)),
        Err(e) => {
            eprintln!("error: {e}");
            None
        }
    };
    let Some(id) = read(file) else {
        return ExitCode::from(2);
    };
    let values = match parameters.map(&mut read) {
        None => None,
        Some(Some(values)) => Some(values),
        Some(None) => return ExitCode::from(2),
    };
    let imported = match soarc_compiler::import::import_with_values(&sources, id, values) {
        Ok(imported) => imported,
        Err(diagnostics) => {
            report(&sources, &diagnostics);
            eprintln!(
                "error: import failed with {} error(s); nothing was written",
                diagnostics.len()
            );
            return ExitCode::from(1);
        }
    };
    match out {
        None => print!("{}", imported.yaml),
        Some(out) => {
            if let Err(message) = write_imported(out, &imported.yaml, force) {
                eprintln!("error: {message}");
                return ExitCode::from(2);
            }
        }
    }
    for playbook in &imported.playbooks {
        eprintln!(
            "imported playbook `{}`: {} action(s): {} as typed steps, {} as connector steps, {} as written (`action`)",
            playbook.name, playbook.actions, playbook.typed, playbook.connector, playbook.verbatim
        );
    }
    if let Some(out) = out {
        eprintln!(
            "next: replace each FILL-IN in {0}, then soarc build {0} --out out/",
            out.display()
        );
    }
    ExitCode::SUCCESS
}

/// Write an imported spec to `out`. soarc owns only what it wrote: an existing file is
/// replaced only if an earlier import wrote it (its first comment says so) or with `--force`,
/// and never through a link, a folder or a special file. The text goes to a temporary file
/// beside `out` first and is renamed over it, so an interrupted import leaves the old file.
fn write_imported(out: &Path, yaml: &str, force: bool) -> Result<(), String> {
    match std::fs::symlink_metadata(out) {
        Ok(meta) if !meta.is_file() => {
            return Err(format!(
                "{} is not a regular file (a link, a folder or a special file); choose another --out",
                out.display()
            ));
        }
        Ok(_) if !force => {
            let existing = read_text(out)?;
            let ours = existing
                .lines()
                .next()
                .is_some_and(|l| l.contains(soarc_compiler::import::HEADER));
            if !ours {
                return Err(format!(
                    "{} exists and was not written by `soarc import`; choose another --out, or add --force to replace it",
                    out.display()
                ));
            }
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read {}: {e}", out.display())),
    }
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = out.with_file_name(format!(".{name}.soarc-import-{}", std::process::id()));
    // `create_new`: never through a link someone left at the temporary name.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut file| file.write_all(yaml.as_bytes()))
        .and_then(|()| std::fs::rename(&temporary, out))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            format!("cannot write {}: {e}", out.display())
        })
}

fn run_build(
    specs: &[PathBuf],
    out: &Path,
    check: bool,
    take_over: bool,
    layout: LayoutArg,
) -> ExitCode {
    let options = build::Options {
        layout: match layout {
            LayoutArg::Az => build::Layout::Az,
            LayoutArg::Repositories => build::Layout::Repositories,
        },
    };
    // Files stream from the build into OUT (or into the comparison of `--check`) as they are
    // generated; nothing in OUT changes unless the whole build succeeds (issue #12).
    if check {
        let mut checker = match output::Checker::open(out) {
            Ok(checker) => checker,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        let built = match streamed(build::build_files_into(specs, options, &mut checker)) {
            Ok(built) => built,
            Err(code) => return code,
        };
        return match checker.finish() {
            Ok((stale, notes)) => {
                notes.iter().for_each(|n| eprintln!("note: {n}"));
                if stale.is_empty() {
                    println!("{} is up to date ({} files)", out.display(), built.files);
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
    let mut writer = output::Writer::new(out, take_over);
    let built = match streamed(build::build_files_into(specs, options, &mut writer)) {
        Ok(built) => built,
        Err(code) => return code,
    };
    match writer.commit() {
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
                built.files,
                written.written,
                written.unchanged
            );
            if built.reused > 0 {
                println!(
                    "reused {} of {} playbook(s) unchanged since the last build from the same inputs (not compiled or checked again; see {})",
                    built.reused,
                    built.playbooks,
                    out.join(soarc_compiler::incremental::CACHE).display()
                );
            }
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

/// A streamed build's result, with its diagnostics reported; when it failed, the problems
/// and the reason are printed and the exit code returned.
fn streamed(
    result: Result<build::Streamed, build::StreamError>,
) -> Result<build::Streamed, ExitCode> {
    match result {
        Ok(built) => {
            report(&built.sources, &built.warnings);
            Ok(built)
        }
        Err(build::StreamError::Spec(Failure {
            sources,
            diagnostics,
        })) => {
            report(&sources, &diagnostics);
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            eprintln!("error: build failed with {errors} error(s); nothing was written");
            // A spec that cannot be read is an I/O error (exit 2), like every other.
            let io = diagnostics
                .iter()
                .any(|d| d.code == soarc_compiler::spec::load::UNREADABLE);
            Err(ExitCode::from(if io { 2 } else { 1 }))
        }
        Err(build::StreamError::Output(e)) => {
            eprintln!("error: {e}");
            Err(ExitCode::from(2))
        }
    }
}

fn report(sources: &Sources, diagnostics: &[Diagnostic]) {
    let mut stderr = std::io::stderr().lock();
    for diagnostic in diagnostics {
        let _ = writeln!(stderr, "{}", diagnostic.render(sources));
    }
}
