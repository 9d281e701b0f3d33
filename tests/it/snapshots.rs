//! Every example's full output, as insta snapshots under `snapshots/`: a change to the
//! generated files shows up in review exactly as users will see it in their PRs.

use crate::common::{build_example, examples};

#[test]
fn example_outputs_match_snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for spec in examples() {
            let stem = spec.file_stem().unwrap().to_string_lossy().to_string();
            let built = build_example(&spec);
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
        let first = build_example(&spec).files;
        let second = build_example(&spec).files;
        assert_eq!(first, second, "{} built differently twice", spec.display());
    }
}
