//! A small typed XML writer for the JUnit reports of `soarc test` and `soarc validate`:
//! element and attribute names are fixed by the code; every attribute value and text is
//! escaped when written, so user text (test names, file paths, messages) can never form
//! markup.

/// An element with attributes and children.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    name: &'static str,
    attributes: Vec<(&'static str, String)>,
    children: Vec<Node>,
}

/// Content of an element.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    pub fn new(name: &'static str) -> Element {
        Element {
            name,
            attributes: Vec::new(),
            children: Vec::new(),
        }
    }

    pub fn attr(mut self, name: &'static str, value: impl ToString) -> Element {
        self.attributes.push((name, value.to_string()));
        self
    }

    pub fn push(&mut self, child: Element) {
        self.children.push(Node::Element(child));
    }

    pub fn text(mut self, text: impl Into<String>) -> Element {
        self.children.push(Node::Text(text.into()));
        self
    }

    /// The document: XML declaration and this element, indented by two spaces.
    pub fn document(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        self.write(&mut out, 0);
        out
    }

    fn write(&self, out: &mut String, depth: usize) {
        let indent = "  ".repeat(depth);
        out.push_str(&indent);
        out.push('<');
        out.push_str(self.name);
        for (name, value) in &self.attributes {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            escape_into(value, out);
            out.push('"');
        }
        if self.children.is_empty() {
            out.push_str("/>\n");
            return;
        }
        out.push('>');
        // Text content is written inline (whitespace in it is significant).
        if self.children.iter().all(|c| matches!(c, Node::Text(_))) {
            for child in &self.children {
                if let Node::Text(text) = child {
                    escape_into(text, out);
                }
            }
        } else {
            out.push('\n');
            for child in &self.children {
                match child {
                    Node::Element(e) => e.write(out, depth + 1),
                    Node::Text(text) => {
                        out.push_str(&"  ".repeat(depth + 1));
                        escape_into(text, out);
                        out.push('\n');
                    }
                }
            }
            out.push_str(&indent);
        }
        out.push_str("</");
        out.push_str(self.name);
        out.push_str(">\n");
    }
}

/// XML 1.0 escaping for attribute values and text
/// (<https://www.w3.org/TR/xml/#syntax>); characters XML 1.0 forbids even escaped become
/// U+FFFD.
fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Newlines in attribute values would be normalised to spaces by parsers.
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_cannot_form_markup() {
        let mut case = Element::new("testcase").attr("name", "a\" onload=\"x <b>&'");
        case.push(Element::new("failure").text("</failure><x/>\u{1}"));
        let doc = case.document();
        assert_eq!(
            doc,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testcase name=\"a&quot; onload=&quot;x &lt;b&gt;&amp;&apos;\">\n  <failure>&lt;/failure&gt;&lt;x/&gt;\u{fffd}</failure>\n</testcase>\n"
        );
    }
}
