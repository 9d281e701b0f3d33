//! Snapshots of the example's generated Bicep, reviewed like a PR diff. Stored under
//! `snapshots/`; update with `INSTA_UPDATE=always cargo test --test snapshots` and review.

use std::path::Path;

#[test]
fn example_bicep() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sentinel-soar.yaml");
    let built = soarc::build::build(&[&spec]).unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
    let dir = Path::new("playbooks/snow-create-incident");
    insta::with_settings!({snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"), prepend_module_to_snapshot => false}, {
        for (file, name) in [
            ("main.bicep", "example_main_bicep"),
            ("main.bicepparam", "example_main_bicepparam"),
            ("modules/sentinel-responder.bicep", "example_sentinel_responder_bicep"),
        ] {
            let text = &built.files.files[&dir.join(file)];
            insta::assert_snapshot!(name, text);
        }
    });
}
