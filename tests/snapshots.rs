//! Every example's full output, as insta snapshots under `snapshots/`: a change to the
//! generated files shows up in review exactly as users will see it in their PRs.

use std::path::Path;

fn examples() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut specs: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        })
        .collect();
    specs.sort();
    assert!(!specs.is_empty(), "no example specs found");
    specs
}

#[test]
fn example_outputs_match_snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for spec in examples() {
            let stem = spec.file_stem().unwrap().to_string_lossy().to_string();
            let built = soarc_compiler::build::build(&[&spec])
                .unwrap_or_else(|f| panic!("{} must build: {:#?}", spec.display(), f.diagnostics));
            for (path, contents) in &built.files.files {
                let name = format!(
                    "{stem}__{}",
                    path.to_string_lossy().replace(['/', '\\'], "__")
                );
                insta::assert_snapshot!(name, contents);
            }
        }
    });
}

#[test]
fn builds_are_byte_identical() {
    for spec in examples() {
        let first = soarc_compiler::build::build(&[&spec])
            .expect("builds")
            .files;
        let second = soarc_compiler::build::build(&[&spec])
            .expect("builds")
            .files;
        assert_eq!(first, second, "{} built differently twice", spec.display());
    }
}
