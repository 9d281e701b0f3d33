//! JSON001: the file is not valid JSON.

use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "JSON001",
    title: "File is not valid JSON",
    severity: Severity::Error,
    doc: "The file cannot be read as JSON (ARM's dialect: a byte order mark and `//` / `/* */` \
          comments are accepted). The position is where the reader stopped. Nothing else is \
          checked in such a file. This rule is reported by the reader itself, before any \
          other rule runs.",
    check,
};

fn check(_: &Context, _: &mut Sink) {}

#[cfg(test)]
mod tests {
    use super::super::fixtures::assert_found;
    use crate::validate_text;

    #[test]
    fn fails_with_position() {
        let (_, findings) = validate_text("{\n  \"resources\": [,]\n}");
        assert_found(
            "JSON001",
            &findings,
            &[("", "invalid JSON: expected a JSON value, found ','")],
        );
        assert_eq!((findings[0].line, findings[0].column), (2, 17));
    }

    #[test]
    fn passes_with_comments() {
        let text = "// deploy\n{ /* c */ \"resources\": [] }";
        let (_, findings) = validate_text(text);
        assert!(findings.iter().all(|f| f.code != "JSON001"), "{findings:?}");
    }
}
