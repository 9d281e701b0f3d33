//! Printers for [`Graph`]: Mermaid (renders in GitHub and Azure DevOps Markdown) and Graphviz
//! DOT. Node and cluster ids are generated (`n0`, `c0`), so user text only ever appears in
//! labels, and every label goes through the escaper of its language.

use std::fmt::Write;

use crate::graph::{Cluster, Edge, EdgeStyle, Graph, Item, Node, Shape};

/// Colour of the failure path in both printers.
const FAILURE_COLOUR: &str = "#c62828";

/// Mermaid text for a label. Mermaid decodes `#<decimal>;` and `#quot;` entity codes in labels
/// ("Entity codes to escape characters", https://mermaid.js.org/syntax/flowchart.html); we
/// encode every character that could end a label or start markup (quotes, brackets, braces,
/// pipes, `#`, `<`, `>`, `&`, backticks, `%`), and a line break as `<br>`.
pub fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    write_mermaid_text(&mut out, s);
    out
}

/// [`mermaid_text`] at the end of `out`.
fn write_mermaid_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\n' => out.push_str("<br>"),
            '\r' => {}
            c if c.is_alphanumeric()
                || matches!(
                    c,
                    ' ' | '_'
                        | '-'
                        | '.'
                        | ','
                        | ':'
                        | '/'
                        | '('
                        | ')'
                        | '\''
                        | '='
                        | '+'
                        | '*'
                        | '?'
                        | '!'
                        | '@'
                        | '$'
                ) =>
            {
                out.push(c)
            }
            c if c.is_control() => out.push(' '),
            c => {
                let _ = write!(out, "#{};", c as u32);
            }
        }
    }
}

/// DOT text for a double-quoted string: `"` and `\` escaped (so `\N`, `\G`, `\l` cannot be
/// injected), a line break as `\n` (Graphviz, "DOT language" and "escString",
/// https://graphviz.org/doc/info/lang.html, https://graphviz.org/docs/attr-types/escString/).
pub fn dot_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The graph as a Mermaid flowchart, written into one buffer.
pub fn mermaid(graph: &Graph) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str("flowchart TD\n");
    for item in &graph.items {
        mermaid_item(item, 1, &mut out);
    }
    let mut failure = String::new();
    for (i, edge) in graph.edges.iter().enumerate() {
        let arrow = match edge.style {
            EdgeStyle::Failure => {
                if !failure.is_empty() {
                    failure.push(',');
                }
                let _ = write!(failure, "{i}");
                "-.->"
            }
            EdgeStyle::Relation => "-->",
            EdgeStyle::Flow | EdgeStyle::Branch => "-->",
        };
        out.push_str("    ");
        out.push_str(&edge.from);
        out.push(' ');
        out.push_str(arrow);
        if let Some(label) = &edge.label {
            out.push_str("|\"");
            write_mermaid_text(&mut out, label);
            out.push_str("\"|");
        }
        out.push(' ');
        out.push_str(&edge.to);
        out.push('\n');
    }
    if !failure.is_empty() {
        let _ = writeln!(
            out,
            "    linkStyle {failure} stroke:{FAILURE_COLOUR},color:{FAILURE_COLOUR}"
        );
    }
    out
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("    ");
    }
}

fn mermaid_item(item: &Item, depth: usize, out: &mut String) {
    match item {
        Item::Node(Node { id, label, shape }) => {
            let (open, close) = match shape {
                Shape::Trigger | Shape::Rule => ("([", "])"),
                Shape::Condition => ("{", "}"),
                Shape::Loop | Shape::Role => ("{{", "}}"),
                Shape::Scope | Shape::Action | Shape::Playbook => ("[", "]"),
                Shape::Terminate => ("[/", "\\]"),
                Shape::Missing | Shape::Principal => (">", "]"),
                Shape::Connection => ("[(", ")]"),
            };
            indent(out, depth);
            out.push_str(id);
            out.push_str(open);
            out.push('"');
            write_mermaid_text(out, label);
            out.push('"');
            out.push_str(close);
            out.push('\n');
        }
        Item::Cluster(Cluster { id, label, items }) => {
            indent(out, depth);
            out.push_str("subgraph ");
            out.push_str(id);
            out.push_str(" [\"");
            write_mermaid_text(out, label);
            out.push_str("\"]\n");
            indent(out, depth + 1);
            out.push_str("direction TB\n");
            for item in items {
                mermaid_item(item, depth + 1, out);
            }
            indent(out, depth);
            out.push_str("end\n");
        }
    }
}

/// The graph as a Graphviz digraph.
pub fn dot(graph: &Graph) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", dot_text(&graph.title));
    out.push_str("    graph [rankdir=TB, fontname=\"Helvetica\"];\n");
    out.push_str("    node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
    out.push_str("    edge [fontname=\"Helvetica\"];\n");
    for item in &graph.items {
        dot_item(item, 1, &mut out);
    }
    for Edge {
        from,
        to,
        label,
        style,
    } in &graph.edges
    {
        let mut attrs = Vec::new();
        if let Some(label) = label {
            attrs.push(format!("label=\"{}\"", dot_text(label)));
        }
        match style {
            EdgeStyle::Failure => {
                attrs.push("style=dashed".into());
                attrs.push(format!("color=\"{FAILURE_COLOUR}\""));
                attrs.push(format!("fontcolor=\"{FAILURE_COLOUR}\""));
            }
            EdgeStyle::Branch => attrs.push("style=bold".into()),
            EdgeStyle::Relation => attrs.push("color=\"#555555\"".into()),
            EdgeStyle::Flow => {}
        }
        if attrs.is_empty() {
            let _ = writeln!(out, "    {from} -> {to};");
        } else {
            let _ = writeln!(out, "    {from} -> {to} [{}];", attrs.join(", "));
        }
    }
    out.push_str("}\n");
    out
}

fn dot_item(item: &Item, depth: usize, out: &mut String) {
    let indent = "    ".repeat(depth);
    match item {
        Item::Node(Node { id, label, shape }) => {
            let shape = match shape {
                Shape::Trigger | Shape::Rule => "oval",
                Shape::Condition => "diamond",
                Shape::Loop | Shape::Role => "hexagon",
                Shape::Scope | Shape::Action | Shape::Playbook => "box",
                Shape::Terminate => "octagon",
                Shape::Missing | Shape::Principal => "note",
                Shape::Connection => "cylinder",
            };
            let _ = writeln!(
                out,
                "{indent}{id} [label=\"{}\", shape={shape}];",
                dot_text(label)
            );
        }
        Item::Cluster(Cluster { id, label, items }) => {
            let _ = writeln!(out, "{indent}subgraph cluster_{id} {{");
            let _ = writeln!(out, "{indent}    label=\"{}\";", dot_text(label));
            for item in items {
                dot_item(item, depth + 1, out);
            }
            let _ = writeln!(out, "{indent}}}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::workflow_graph;
    use serde_json::json;

    const HOSTILE: &str = "x\"] --> evil[\"#35; <b>&</b> {a|b} `code` %%c\nend\\N";

    #[test]
    fn mermaid_labels_cannot_break_out() {
        let text = mermaid_text(HOSTILE);
        for bad in [
            '"', '[', ']', '{', '}', '|', '<', '>', '&', '`', '%', '\n', '\\',
        ] {
            // `<br>` is the one markup we emit on purpose.
            let without_br = text.replace("<br>", "");
            assert!(!without_br.contains(bad), "{bad:?} in {text}");
        }
        assert!(
            text.contains("#34;") && text.contains("#35;35#59;") && text.contains("<br>end"),
            "{text}"
        );
    }

    #[test]
    fn dot_labels_cannot_break_out() {
        let text = dot_text(HOSTILE);
        assert_eq!(
            text,
            "x\\\"] --> evil[\\\"#35; <b>&</b> {a|b} `code` %%c\\nend\\\\N"
        );
        // Every quote is escaped: the string never closes early.
        let unescaped = text.replace("\\\\", "").replace("\\\"", "");
        assert!(!unescaped.contains('"'));
    }

    #[test]
    fn hostile_action_names_render_in_both_languages() {
        let def = json!({
            "triggers": {"manual": {"type": "Request"}},
            "actions": {
                HOSTILE: {"type": "Compose", "runAfter": {}},
                "next": {"type": "Compose", "runAfter": {HOSTILE: ["Failed"]}}
            }
        });
        let g = workflow_graph(HOSTILE, &def);
        let m = mermaid(&g);
        // Ids only: one line per node and edge, the failure edge styled.
        assert_eq!(
            m.lines()
                .filter(|l| l.trim_start().starts_with('n'))
                .count(),
            5,
            "{m}"
        );
        assert!(m.contains("n1 -.->|\"Failed\"| n2"), "{m}");
        assert!(m.contains("linkStyle 1 stroke:#c62828"), "{m}");
        assert!(!m.contains("evil[\""), "{m}");
        let d = dot(&g);
        assert!(
            d.contains("n1 -> n2 [label=\"Failed\", style=dashed"),
            "{d}"
        );
        assert!(d.starts_with("digraph \"x\\\"] --> evil"), "{d}");
    }
}
