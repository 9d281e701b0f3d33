//! JSON with the comments ARM templates may carry: `//` to the end of the line and `/* */`
//! ("Understand the structure and syntax of ARM templates", Comments:
//! https://learn.microsoft.com/azure/azure-resource-manager/templates/syntax#comments — the
//! Azure CLI, Azure PowerShell and the template editor accept them in templates).
//!
//! [`blank_comments`] replaces every comment character with a space and keeps line breaks,
//! so a JSON parser's line and column for any error or value are those of the original text.
//! One pass, linear in the text; strings are skipped with their escapes, so `//` in a URL is
//! no comment.

use std::borrow::Cow;

/// `text` with each comment blanked (spaces, line breaks kept); borrowed when there is none.
/// An unterminated `/*` is blanked to the end, so the parser then reports the end of input.
pub fn blank_comments(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    if !bytes.contains(&b'/') {
        return Cow::Borrowed(text);
    }
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 2,
                b'"' => {
                    in_string = false;
                    i += 1;
                }
                _ => i += 1,
            }
            continue;
        }
        match (b, bytes.get(i + 1)) {
            (b'"', _) => {
                in_string = true;
                i += 1;
            }
            (b'/', Some(b'/')) => {
                let end = bytes[i..]
                    .iter()
                    .position(|&c| c == b'\n' || c == b'\r')
                    .map_or(bytes.len(), |n| i + n);
                blank(out.get_or_insert_with(|| bytes.to_vec()), i, end);
                i = end;
            }
            (b'/', Some(b'*')) => {
                let end = bytes[i + 2..]
                    .windows(2)
                    .position(|w| w == b"*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
                blank(out.get_or_insert_with(|| bytes.to_vec()), i, end);
                i = end;
            }
            _ => i += 1,
        }
    }
    match out {
        // Only whole comments were replaced, which start and end on ASCII bytes, so no UTF-8
        // sequence was cut.
        Some(bytes) => Cow::Owned(String::from_utf8(bytes).expect("blanking keeps UTF-8")),
        None => Cow::Borrowed(text),
    }
}

/// Blank `bytes[from..to]`: every byte a space, line breaks kept. Byte for byte, so byte
/// offsets, lines and serde_json's columns (counted in bytes) after it do not move.
fn blank(bytes: &mut [u8], from: usize, to: usize) {
    for b in &mut bytes[from..to] {
        if *b != b'\n' && *b != b'\r' {
            *b = b' ';
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_become_spaces_and_positions_stay() {
        let text = "{\n  // a comment\n  \"a\": 1, /* block\n spans */ \"b\": \"http://x/*y*/\"\n}";
        let blanked = blank_comments(text);
        assert_eq!(blanked.len(), text.len());
        assert_eq!(blanked.lines().count(), text.lines().count());
        let value: serde_json::Value = serde_json::from_str(&blanked).unwrap();
        assert_eq!(value["b"], "http://x/*y*/");
        let expected = text.replace("// a comment", &" ".repeat(12)).replace(
            "/* block\n spans */",
            &format!("{}\n{}", " ".repeat(8), " ".repeat(9)),
        );
        assert_eq!(blanked, expected);
    }

    #[test]
    fn errors_keep_their_line_and_column() {
        let text = "{ /* x */ \"a\": 1,\n  // y\n  \"b\": oops }";
        let error = serde_json::from_str::<serde_json::Value>(&blank_comments(text)).unwrap_err();
        assert_eq!((error.line(), error.column()), (3, 8));
    }

    #[test]
    fn text_without_comments_is_borrowed() {
        assert!(matches!(
            blank_comments("{\"a\": \"//\"}"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(blank_comments("{}"), Cow::Borrowed(_)));
        assert_eq!(
            blank_comments("[1 /* unterminated"),
            format!("[1 {}", " ".repeat(15))
        );
        assert_eq!(blank_comments("\"\\\"//\""), "\"\\\"//\"");
    }
}
