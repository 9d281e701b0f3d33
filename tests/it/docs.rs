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

/// The example specs the reference pages take their examples from, in order, parsed.
fn example_specs() -> Vec<(String, serde_json::Value)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(root.join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths.push(root.join("docs/reference/examples.yaml"));
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let value =
                serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let name = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, value)
        })
        .collect()
}

/// `docs/reference/` is generated from the spec's JSON Schema: one page per step kind,
/// trigger, connection kind and rule condition. It must not drift, and holds nothing else.
#[test]
fn reference_docs_match_the_schema() {
    use soarc_compiler::emit::reference::{Section, pages};
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/reference"));
    let generated = pages(&example_specs());
    let expected: std::collections::BTreeSet<String> =
        generated.iter().map(|(path, _)| path.clone()).collect();
    let on_disk = || -> std::collections::BTreeSet<String> {
        let mut files: std::collections::BTreeSet<String> = Section::ALL
            .iter()
            .flat_map(|s| {
                std::fs::read_dir(dir.join(s.dir()))
                    .into_iter()
                    .flatten()
                    .map(move |e| {
                        format!("{}/{}", s.dir(), e.unwrap().file_name().to_string_lossy())
                    })
            })
            .collect();
        if dir.join("README.md").exists() {
            files.insert("README.md".into());
        }
        files
    };
    if std::env::var_os("UPDATE_DOCS").is_some() {
        for stale in on_disk().difference(&expected) {
            std::fs::remove_file(dir.join(stale)).unwrap();
        }
        for (path, text) in &generated {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }
    assert_eq!(
        on_disk(),
        expected,
        "docs/reference/ has missing or stale pages; run `UPDATE_DOCS=1 cargo test --test it docs` and commit"
    );
    for (path, text) in &generated {
        let committed = std::fs::read_to_string(dir.join(path)).unwrap_or_default();
        assert!(
            &committed == text,
            "docs/reference/{path} is out of date; run `UPDATE_DOCS=1 cargo test --test it docs` and commit"
        );
    }
    let steps = generated
        .iter()
        .find(|(p, _)| p == "steps/servicenow.create_incident.md")
        .map(|(_, t)| t.as_str())
        .expect("a page for servicenow.create_incident");
    assert!(steps.contains("| `short_description` |"), "{steps}");
    assert!(
        steps.contains("```yaml\n- servicenow.create_incident:\n"),
        "{steps}"
    );
}

/// Every kind has an example, every example comes from a spec that builds, and every
/// example's YAML reads back as the value in that spec.
#[test]
fn every_reference_example_builds() {
    use soarc_compiler::emit::reference::{example, kinds};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let specs = example_specs();
    for (source, _) in &specs {
        if let Err(failure) = soarc_compiler::build::build(&[root.join(source)]) {
            let messages: Vec<String> = failure
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| d.one_line(&failure.sources))
                .collect();
            panic!("{source} does not build:\n{}", messages.join("\n"));
        }
    }
    let mut missing = Vec::new();
    for kind in kinds(&soarc_compiler::schema::spec_schema()) {
        match example(&kind, &specs) {
            Some(found) => {
                let back: serde_json::Value =
                    serde_saphyr::from_str(&found.yaml).unwrap_or_else(|e| {
                        panic!(
                            "the example of `{}` is not YAML: {e}\n{}",
                            kind.name, found.yaml
                        )
                    });
                assert_eq!(
                    back, found.value,
                    "the example of `{}` reads back differently",
                    kind.name
                );
            }
            None => missing.push(format!("{:?} `{}`", kind.section, kind.name)),
        }
    }
    assert!(
        missing.is_empty(),
        "no example uses these; add them to docs/reference/examples.yaml (it must build): {}",
        missing.join(", ")
    );
}

/// The README is a landing page (at most 150 lines, with the sections other work appends),
/// and every relative link in it and in docs/*.md leads to a file that exists. The pages
/// other work adds (connectors, import, environments, repositories) are linked ahead of time.
#[test]
fn readme_is_a_landing_page_and_links_resolve() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.lines().count() <= 150,
        "README.md has {} lines; move detail into docs/",
        readme.lines().count()
    );
    let coming = [
        "docs/connectors.md",
        "docs/import.md",
        "docs/environments.md",
        "docs/repositories.md",
    ];
    let mut pages = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            pages.push(path);
        }
    }
    let mut broken = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        let mut in_code = false;
        for line in text.lines() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
            }
            if in_code {
                continue;
            }
            for part in line.split("](").skip(1) {
                let Some(end) = part.find(')') else { continue };
                let target = &part[..end];
                let file = target.split('#').next().unwrap_or_default();
                if file.is_empty() || file.contains("://") || file.starts_with("mailto:") {
                    continue;
                }
                let resolved = page.parent().unwrap().join(file);
                let relative = resolved
                    .strip_prefix(root)
                    .map(|p| p.to_string_lossy().replace("/docs/../", "/"))
                    .unwrap_or_default();
                if !resolved.exists() && !coming.iter().any(|c| relative.ends_with(c)) {
                    broken.push(format!("{}: {target}", page.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}
