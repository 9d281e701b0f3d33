//! JSON003: the file starts with a byte order mark.

use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "JSON003",
    title: "File starts with a UTF-8 byte order mark",
    severity: Severity::Info,
    doc: "The file begins with U+FEFF. ARM and the Azure CLI accept it, but some JSON tools \
          (jq, older Python `json.load`) reject it, and it shows up as noise in diffs. Saving \
          the file as UTF-8 without BOM avoids surprises.",
    check,
};

fn check(ctx: &Context, sink: &mut Sink) {
    if ctx.doc.bom {
        sink.report("", 0, "file starts with a UTF-8 byte order mark");
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run};

    #[test]
    fn reports_bom() {
        assert_eq!(
            expect(
                "JSON003",
                "\u{feff}{\"resources\": []}",
                &[("", "file starts with a UTF-8 byte order mark")]
            )
            .len(),
            1
        );
        assert!(run("JSON003", "{\"resources\": []}").is_empty());
    }
}
