//! Spec text templates: literal text with `{{ path.to.value }}` references, the syntax
//! Sentinel uses for alert details. Parsing only splits the text; the compiler resolves
//! each reference against the trigger catalogue, step outputs, variables and loop items.
//!
//! `{{wdl: EXPR}}` holds a Workflow Definition Language expression written as is (what
//! `soarc import` writes where no reference names the value): the compiler parses it and
//! inserts it unchanged, without encoding it for where it lands. Alone in a value it keeps
//! its type (`@EXPR`); `{{wdl-text: EXPR}}` is always text (`@{EXPR}`).

/// A piece of a text template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    /// A reference: its dotted path and its byte range in the template (with braces).
    Ref {
        path: Vec<String>,
        start: usize,
        end: usize,
    },
    /// `{{wdl: EXPR}}` (or `{{wdl-text: EXPR}}`, `text` set): a raw WDL expression, its
    /// text (not yet parsed) and its byte range in the template (with braces).
    Wdl {
        expr: String,
        text: bool,
        start: usize,
        end: usize,
    },
}

/// The keyword of a raw WDL expression piece that keeps its type when alone.
pub const WDL: &str = "wdl:";
/// The keyword of a raw WDL expression piece that is always text.
pub const WDL_TEXT: &str = "wdl-text:";

/// A malformed template: byte offset and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError {
    pub offset: usize,
    pub len: usize,
    pub message: String,
    pub help: Option<String>,
}

/// Split a template into text and references.
pub fn parse(template: &str) -> Result<Vec<Piece>, TextError> {
    let mut pieces = Vec::new();
    let mut rest = 0;
    while let Some(found) = template[rest..].find("{{") {
        let start = rest + found;
        if start > rest {
            pieces.push(Piece::Text(template[rest..start].to_string()));
        }
        let Some(close) = template[start + 2..].find("}}") else {
            return Err(TextError {
                offset: start,
                len: 2,
                message: "`{{` is not closed".into(),
                help: Some("close the reference with `}}`, e.g. `{{incident.title}}`".into()),
            });
        };
        let end = start + 2 + close + 2;
        let inner = template[start + 2..end - 2].trim();
        for (keyword, text) in [(WDL, false), (WDL_TEXT, true)] {
            if let Some(expr) = inner.strip_prefix(keyword) {
                pieces.push(Piece::Wdl {
                    expr: expr.trim().to_string(),
                    text,
                    start,
                    end,
                });
            }
        }
        if matches!(pieces.last(), Some(Piece::Wdl { start: s, .. }) if *s == start) {
            rest = end;
            continue;
        }
        let path: Vec<String> = inner.split('.').map(str::to_string).collect();
        let valid = !inner.is_empty()
            && path.iter().all(|segment| {
                !segment.is_empty()
                    && segment
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            });
        if !valid {
            return Err(TextError {
                offset: start,
                len: end - start,
                message: format!("`{}` is not a reference", &template[start..end]),
                help: Some(
                    "a reference is a dotted name such as `{{incident.title}}` or `{{ticket.number}}`"
                        .into(),
                ),
            });
        }
        pieces.push(Piece::Ref { path, start, end });
        rest = end;
    }
    if rest < template.len() {
        pieces.push(Piece::Text(template[rest..].to_string()));
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_text_and_references() {
        let pieces = parse("Sentinel: {{ incident.title }} ({{ticket.number}})").unwrap();
        assert_eq!(
            pieces,
            vec![
                Piece::Text("Sentinel: ".into()),
                Piece::Ref {
                    path: vec!["incident".into(), "title".into()],
                    start: 10,
                    end: 30
                },
                Piece::Text(" (".into()),
                Piece::Ref {
                    path: vec!["ticket".into(), "number".into()],
                    start: 32,
                    end: 49
                },
                Piece::Text(")".into()),
            ]
        );
    }

    #[test]
    fn rejects_unclosed_and_malformed() {
        assert_eq!(parse("a {{incident.title").unwrap_err().offset, 2);
        assert!(parse("{{ }}").is_err());
        assert!(parse("{{incident..title}}").is_err());
        assert!(parse("{{incident.title + 1}}").is_err());
        assert_eq!(
            parse("a {{wdl: variables('x')}}{{wdl-text: body('B')?['id']}}").unwrap(),
            vec![
                Piece::Text("a ".into()),
                Piece::Wdl {
                    expr: "variables('x')".into(),
                    text: false,
                    start: 2,
                    end: 25
                },
                Piece::Wdl {
                    expr: "body('B')?['id']".into(),
                    text: true,
                    start: 25,
                    end: 55
                },
            ]
        );
        assert_eq!(
            parse("plain } { text").unwrap(),
            vec![Piece::Text("plain } { text".into())]
        );
    }
}
