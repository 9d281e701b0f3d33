//! Every diagnostic code used in `src/` is documented in `docs/errors.md`, and every
//! documented code is still used: users look codes up there.

use std::collections::BTreeSet;
use std::path::Path;

fn codes_in(text: &str, quoted: bool) -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    for prefix in ["SPEC", "RULE", "OUT", "TEST"] {
        let pattern = if quoted {
            format!("\"{prefix}")
        } else {
            format!("| {prefix}")
        };
        let mut rest = text;
        while let Some(i) = rest.find(&pattern) {
            let start = i + pattern.len() - prefix.len();
            let code: String = rest[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if code.len() == prefix.len() + 3 {
                codes.insert(code);
            }
            rest = &rest[start..];
        }
    }
    codes
}

fn sources(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn every_code_is_documented_and_every_documented_code_is_used() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut code = String::new();
    sources(&root.join("src"), &mut code);
    sources(&root.join("crates"), &mut code);
    let used = codes_in(&code, true);
    let docs = std::fs::read_to_string(root.join("docs/errors.md")).unwrap();
    let documented = codes_in(&docs, false);
    assert!(used.len() > 20, "found only {used:?}");
    let undocumented: Vec<_> = used.difference(&documented).collect();
    let unused: Vec<_> = documented.difference(&used).collect();
    assert!(
        undocumented.is_empty(),
        "codes used in src/ but missing from docs/errors.md: {undocumented:?}"
    );
    assert!(
        unused.is_empty(),
        "codes in docs/errors.md that src/ no longer uses: {unused:?}"
    );
}
