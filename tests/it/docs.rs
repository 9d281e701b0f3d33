//! `docs/references.md` is generated from the reference catalogue; it must not drift.
//! Regenerate with `UPDATE_DOCS=1 cargo test --test it docs`.

#[test]
fn references_doc_matches_the_catalogue() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/references.md");
    let generated = soarc_compiler::emit::docs::references();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/references.md is out of date; run `UPDATE_DOCS=1 cargo test --test it docs` and commit"
    );
    assert!(generated.contains(
        "| `{{incident.title}}` | text | `triggerBody()?['object']?['properties']?['title']` |"
    ));
}
