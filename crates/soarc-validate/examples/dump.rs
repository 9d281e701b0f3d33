// TEMPORARY (not committed): dumps every finding of the reference corpus and arm-ttk fixtures.
fn main() {
    let base = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference"
    ));
    let paths = [base.join("corpus"), base.join("arm-ttk")];
    for r in soarc_validate::validate_paths(&paths) {
        println!("FILE {} {:?} {:?}", r.path.display(), r.kind, r.skipped);
        for f in &r.findings {
            println!(
                "{} {:?} {}:{} {} | {}",
                f.code, f.severity, f.line, f.column, f.pointer, f.message
            );
        }
    }
}
