//! Every string a reference lands in has a language, and the compiler encodes each
//! reference for it by construction: a spec field is compiled with [`Lang`] of the place it
//! goes, so that no step can forget to escape.
//!
//! | Language | Reference becomes |
//! | --- | --- |
//! | [`Lang::Plain`] (JSON values, connector fields) | the value itself: JSON and the connector carry it as data |
//! | [`Lang::Url`] (an `http` step's `uri`) | `uriComponent(x)` after the first character; a reference that *starts* the URL is its base and goes in as is |
//! | [`Lang::UrlQuery`] (an `http` step's `query:` values, written into the URI) | `uriComponent(x)`; literal text percent-encoded by soarc |
//! | [`Lang::Jql`] (`jira.search_issues.jql`) | inside `"..."` or `'...'`: `\`, `"`, `'` and tab escaped; outside quotes: refused |
//! | [`Lang::ServiceNowQuery`] (`servicenow.query_incidents.query`) | `^`, `&` and `#` removed; a value starting with `javascript:` is defused with a leading `_` |
//! | [`Lang::Html`] (Sentinel comments, e-mail and Teams message bodies) | `&`, `<`, `>`, `"`, `'` replaced by entities, `&` first; Markdown's `[`, `]`, `*`, `_`, `` ` `` by numeric references; a string variable that a comment shows is escaped where values enter it instead |
//! | [`Lang::ConnectorPath`] (a managed connector operation's `path`) | `encodeURIComponent(x)`, as the designer writes path parameters |
//! | [`Lang::MailAddress`] (one item of `office365.send_email`'s `to`, `cc`, `bcc`) | `;` and `,` removed: a value stays one recipient |
//! | [`Lang::Kql`] (`monitor_logs.run_query.query`) | inside `"..."` or `'...'`: `\`, `"`, `'` and tab escaped; outside quotes or in a verbatim `@"..."` string: refused |
//!
//! Literal spec text is never evaluated by Logic Apps either: [`soarc_lang::wdl::Template`]
//! writes `@` at the start as `@@` and `@{` as `@@{`.

use soarc_lang::wdl::{Expr, Part, Template};

use crate::model::catalogue::ValueType;

/// The language of the string a template is compiled into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Plain,
    Url,
    Jql,
    ServiceNowQuery,
    Html,
    /// A query parameter value that soarc writes into a URI: every reference is a
    /// component.
    UrlQuery,
    /// A managed connector operation's path: references are path parameters.
    ConnectorPath,
    /// A Kusto (KQL) query: references only inside string literals.
    Kql,
    /// One item of an e-mail recipient list (`to`, `cc`, `bcc`).
    MailAddress,
}

/// How one reference is written, decided from the literal text before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// As is.
    Raw,
    /// One URL path segment or query value.
    UriComponent,
    /// Inside a JQL string literal.
    JqlString,
    /// A ServiceNow encoded-query value.
    ServiceNowValue,
    /// HTML text.
    HtmlText,
    /// One path parameter of a managed connector operation.
    PathParameter,
    /// Inside a KQL string literal.
    KqlString,
    /// One e-mail address of a recipient list.
    MailAddress,
}

/// Why a reference cannot go where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused {
    pub message: String,
    pub help: String,
}

/// Walks a template's pieces in order and says how each reference must be encoded.
/// Linear in the template's length.
pub(crate) struct Scanner {
    lang: Lang,
    /// Characters of literal text seen so far (references count as one).
    seen: usize,
    /// JQL: the quote character of the string literal we are in.
    quote: Option<char>,
    /// JQL: the previous character was a backslash inside a string literal.
    escaped: bool,
    /// KQL: the string literal we are in is verbatim (`@"..."`, `@'...'`): no escapes.
    verbatim: bool,
    /// KQL: the previous literal character, to spot the `@` of a verbatim string.
    previous: Option<char>,
}

impl Scanner {
    pub(crate) fn new(lang: Lang) -> Self {
        Scanner {
            lang,
            seen: 0,
            quote: None,
            escaped: false,
            verbatim: false,
            previous: None,
        }
    }

    /// Literal text.
    pub(crate) fn text(&mut self, text: &str) {
        self.seen += text.len();
        if self.lang == Lang::Kql {
            // KQL string literals (Learn, Kusto "The string data type": "Enclose the string
            // in double-quotes or single-quotes", backslash escapes `\t \n \\ \" \'`;
            // "verbatim string literals" prefixed with `@` take no escapes:
            // https://learn.microsoft.com/kusto/query/scalar-data-types/string).
            for c in text.chars() {
                match self.quote {
                    Some(_) if self.escaped => self.escaped = false,
                    Some(_) if c == '\\' && !self.verbatim => self.escaped = true,
                    Some(q) if c == q => {
                        self.quote = None;
                        self.verbatim = false;
                    }
                    Some(_) => {}
                    None if c == '"' || c == '\'' => {
                        self.quote = Some(c);
                        self.verbatim = self.previous == Some('@');
                    }
                    None => {}
                }
                self.previous = Some(c);
            }
            return;
        }
        if self.lang != Lang::Jql {
            return;
        }
        // Jira's JQL lexer (Jql.g): QUOTE_STRING / SQUOTE_STRING with `\` escapes.
        for c in text.chars() {
            match self.quote {
                Some(_) if self.escaped => self.escaped = false,
                Some(_) if c == '\\' => self.escaped = true,
                Some(q) if c == q => self.quote = None,
                Some(_) => {}
                None if c == '"' || c == '\'' => self.quote = Some(c),
                None => {}
            }
        }
    }

    /// A reference: how it is written, or why it cannot be.
    pub(crate) fn reference(&mut self) -> Result<Slot, Refused> {
        let first = self.seen == 0;
        self.seen += 1;
        match self.lang {
            Lang::Plain => Ok(Slot::Raw),
            Lang::Html => Ok(Slot::HtmlText),
            // A reference that starts the URL is the whole base (scheme and host) and cannot
            // be encoded; everywhere after it one path segment or one query value.
            Lang::Url if first => Ok(Slot::Raw),
            Lang::Url | Lang::UrlQuery => Ok(Slot::UriComponent),
            Lang::ServiceNowQuery => Ok(Slot::ServiceNowValue),
            Lang::Jql if self.quote.is_some() && !self.escaped => Ok(Slot::JqlString),
            Lang::ConnectorPath => Ok(Slot::PathParameter),
            Lang::MailAddress => Ok(Slot::MailAddress),
            Lang::Kql if self.quote.is_some() && !self.escaped && !self.verbatim => {
                self.previous = None;
                Ok(Slot::KqlString)
            }
            Lang::Kql => Err(Refused {
                message: "a reference in a KQL query must be inside a quoted string".into(),
                help: "write it in double quotes, e.g. `| where Computer == \"{{entity.hostName}}\"`, not in a verbatim `@\"...\"` string: soarc then escapes `\\`, `\"` and `'` in the value, so it cannot change the query".into(),
            }),
            Lang::Jql => Err(Refused {
                message: "a reference in JQL must be inside a quoted string".into(),
                help: "write it in double quotes, e.g. `summary ~ \"{{incident.title}}\"`: soarc then escapes `\\` and `\"` in the value, so it cannot change the query".into(),
            }),
        }
    }
}

/// `x` as text: `string(x)` unless it is text already.
fn as_text(expr: Expr, ty: ValueType) -> Expr {
    match ty {
        ValueType::Text | ValueType::Enum(_) => expr,
        _ => Expr::call("string", vec![expr]),
    }
}

fn replace(expr: Expr, from: &str, to: &str) -> Expr {
    Expr::call("replace", vec![expr, Expr::str(from), Expr::str(to)])
}

/// `text` percent-encoded as one URI component: RFC 3986's unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) stay, every other byte of its UTF-8 becomes `%XX`.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The parts of a compiled query value with its literal text percent-encoded (its
/// references are encoded at run time already).
pub(crate) fn percent_encode_text(value: Template) -> Vec<Part> {
    let parts = match value {
        Template::Literal(text) => vec![Part::Text(text)],
        Template::Expr(e) => vec![Part::Expr(e)],
        Template::Interpolated(parts) => parts,
    };
    parts
        .into_iter()
        .map(|p| match p {
            Part::Text(t) => Part::Text(percent_encode(&t)),
            expr => expr,
        })
        .collect()
}

/// Encode a resolved reference for its slot.
pub(crate) fn encode(slot: Slot, expr: Expr, ty: ValueType) -> Expr {
    match slot {
        Slot::Raw => expr,
        // Learn, expression functions reference, uriComponent: "Return the URI-encoded
        // version for an input value by replacing URL-unsafe characters with escape
        // characters ... Use this function rather than encodeUriComponent()"
        // (https://learn.microsoft.com/azure/logic-apps/expression-functions-reference#uriComponent).
        Slot::UriComponent => Expr::call("uriComponent", vec![as_text(expr, ty)]),
        Slot::JqlString => jql_string(as_text(expr, ty)),
        Slot::ServiceNowValue => servicenow_value(as_text(expr, ty)),
        Slot::HtmlText => html_text(as_text(expr, ty)),
        // Path parameters of managed connector operations are written
        // `@{encodeURIComponent(...)}` by the designer (Learn, "Schema reference guide for
        // trigger and action types", ApiConnection action: `"path": "/datasets/default/tables/@{encodeURIComponent(...)}"`,
        // https://learn.microsoft.com/azure/logic-apps/logic-apps-workflow-actions-triggers#apiconnection-action).
        Slot::PathParameter => Expr::call("encodeURIComponent", vec![as_text(expr, ty)]),
        // KQL takes the same backslash escapes as JQL inside a quoted string.
        Slot::KqlString => jql_string(as_text(expr, ty)),
        Slot::MailAddress => mail_address(as_text(expr, ty)),
    }
}

/// One recipient. Office 365 Outlook's Send an email (V2) takes `To`, `CC` and `BCC` as
/// "email addresses separated by semicolons like someone@contoso.com"
/// (https://learn.microsoft.com/connectors/office365/#send-an-email-(v2)), and Outlook also
/// splits on commas: a value such as an account name from an alert must not add
/// recipients of its choosing, so `;` and `,` are removed and it stays one address (or
/// none, if it was not one).
pub(crate) fn mail_address(text: Expr) -> Expr {
    replace(replace(text, ";", ""), ",", "")
}

/// The body of a JQL string literal. Jira's JQL grammar (Jql.g, `QUOTE_STRING`,
/// `SQUOTE_STRING`, `ESCAPE : BSLASH ('t'|'n'|'r'|QUOTE|SQUOTE|BSLASH|SPACE|'u' HEX{4})`):
/// a raw backslash or quote ends or breaks the literal, and control characters such as tab
/// may not appear raw. Backslash first, so the escapes added later are not doubled.
pub(crate) fn jql_string(text: Expr) -> Expr {
    let e = replace(text, "\\", "\\\\");
    let e = replace(e, "\"", "\\\"");
    let e = replace(e, "'", "\\'");
    replace(e, "\t", "\\t")
}

/// A ServiceNow encoded-query value. The Table API documents `^` as the separator of
/// conditions (`^OR`, `^NQ`, ...) and no escape for it (ServiceNow, Table API,
/// `sysparm_query`: https://www.servicenow.com/docs/bundle/latest/page/integrate/inbound-rest/concept/c_TableAPI.html;
/// "Encoded query strings"): a value cannot contain one, so it is removed. A value starting
/// with `javascript:` would be run on the instance (the same page's example
/// `caller_id=javascript:gs.getUserID()`): it gets a leading `_`, so it is compared as text.
///
/// The query goes in the connector call's `queries`, which Learn describes as name-value
/// pairs that the runtime adds to the URL ("the `"queries": { "api-version": "2018-01-01" }`
/// object adds `?api-version=2018-01-01` to the call", workflow definition language, action
/// types: https://learn.microsoft.com/azure/logic-apps/logic-apps-workflow-actions-triggers).
/// Learn does not say in words that the values are percent-encoded, but Microsoft's own
/// templates pass values with spaces, quotes and slashes there unencoded (e.g. `$filter`:
/// `tags/any(t:t eq '...')` in Azure-Network-Security's WAF triage playbook), which only
/// works if the runtime encodes them: so soarc never encodes them itself (that would be
/// encoded twice). Should a value reach the URL as is after all, `&` would start another
/// parameter (a second `sysparm_query`, a larger `sysparm_limit`) and `#` would cut the URL:
/// both are removed too, so a reference is harmless either way.
pub(crate) fn servicenow_value(text: Expr) -> Expr {
    let value = replace(replace(replace(text, "^", ""), "&", ""), "#", "");
    Expr::call(
        "if",
        vec![
            Expr::call(
                "startsWith",
                vec![
                    Expr::call("toLower", vec![Expr::call("trim", vec![value.clone()])]),
                    Expr::str("javascript:"),
                ],
            ),
            Expr::call("concat", vec![Expr::str("_"), value.clone()]),
            value,
        ],
    )
}

/// HTML text. Sentinel comments render "plain text, basic HTML, and Markdown"
/// (https://learn.microsoft.com/azure/sentinel/comment-on-incidents); Logic Apps has no HTML
/// encoder among its functions (expression functions reference), so: a `replace` chain,
/// `&` first so that the entities added later are not escaped again.
///
/// Markdown is neutralised too: a value must not make a link with text of its choosing or
/// an image that the portal fetches from a server of its choosing (`[`, `]`), nor format
/// text as the SOC's own (`*`, `_`, `` ` ``). They become numeric character references,
/// which CommonMark treats as literal text: "Entity and numeric character references are
/// treated as literal text, not as markup ... cannot be used in place of symbols indicating
/// structure in CommonMark documents" (https://spec.commonmark.org/0.31.2/#entity-and-numeric-character-references).
/// A bare URL may still show as a link, but its text is the URL itself.
pub(crate) fn html_text(text: Expr) -> Expr {
    let e = replace(text, "&", "&amp;");
    let e = replace(e, "<", "&lt;");
    let e = replace(e, ">", "&gt;");
    let e = replace(e, "\"", "&quot;");
    let e = replace(e, "'", "&#39;");
    MARKDOWN
        .iter()
        .fold(e, |e, (from, to)| replace(e, from, to))
}

/// Markdown's link, image, emphasis and code characters, as numeric character references.
const MARKDOWN: [(&str, &str); 5] = [
    ("[", "&#91;"),
    ("]", "&#93;"),
    ("*", "&#42;"),
    ("_", "&#95;"),
    ("`", "&#96;"),
];

/// A plain-text template for HTML: every expression part HTML-escaped (for a text that
/// goes both into a plain field and into a Sentinel comment).
pub(crate) fn html_template(template: Template) -> Template {
    let escape = |e: Expr| html_text(Expr::call("string", vec![e]));
    match template {
        Template::Literal(text) => Template::Literal(text),
        Template::Expr(e) => Template::Interpolated(vec![Part::Expr(escape(e))]),
        Template::Interpolated(parts) => Template::Interpolated(
            parts
                .into_iter()
                .map(|p| match p {
                    Part::Expr(e) => Part::Expr(escape(e)),
                    text => text,
                })
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(lang: Lang, pieces: &[Option<&str>]) -> Vec<Result<Slot, Refused>> {
        let mut scanner = Scanner::new(lang);
        let mut out = Vec::new();
        for piece in pieces {
            match piece {
                Some(text) => scanner.text(text),
                None => out.push(scanner.reference()),
            }
        }
        out
    }

    #[test]
    fn jql_references_are_escaped_inside_quotes_and_refused_outside() {
        let found = slots(
            Lang::Jql,
            &[Some("summary ~ \""), None, Some("\" AND x = "), None],
        );
        assert_eq!(found[0], Ok(Slot::JqlString));
        assert!(found[1].is_err());
        // An escaped quote does not end the literal.
        let found = slots(Lang::Jql, &[Some("a = \"x\\\" "), None, Some("\"")]);
        assert_eq!(found[0], Ok(Slot::JqlString));
        let found = slots(Lang::Jql, &[Some("a = 'x "), None]);
        assert_eq!(found[0], Ok(Slot::JqlString));
    }

    #[test]
    fn url_references_are_components_except_a_leading_base() {
        let found = slots(Lang::Url, &[None, Some("/items/"), None, Some("?q="), None]);
        assert_eq!(
            found,
            vec![
                Ok(Slot::Raw),
                Ok(Slot::UriComponent),
                Ok(Slot::UriComponent)
            ]
        );
    }

    #[test]
    fn encoders_print_the_documented_chains() {
        let x = || Expr::call("x", vec![]);
        assert_eq!(
            html_text(x()).to_string(),
            "replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(x(), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '\"', '&quot;'), '''', '&#39;'), '[', '&#91;'), ']', '&#93;'), '*', '&#42;'), '_', '&#95;'), '`', '&#96;')"
        );
        let jql = jql_string(x()).to_string();
        assert!(
            jql.starts_with("replace(replace(replace(replace(x(), '\\', '\\\\')"),
            "{jql}"
        );
        assert_eq!(percent_encode("a b&c=d/é~"), "a%20b%26c%3Dd%2F%C3%A9~");
        let snow = servicenow_value(x()).to_string();
        assert!(
            snow.contains("replace(replace(replace(x(), '^', ''), '&', ''), '#', '')"),
            "{snow}"
        );
        assert!(snow.contains("'javascript:'"), "{snow}");
    }
}
