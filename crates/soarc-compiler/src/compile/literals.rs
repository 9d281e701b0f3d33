//! Literals compared with enumerated references (`equals: ["{{incident.severity}}", Hgh]`,
//! a `switch` on `{{incident.severity}}` with a case `Hihg`) are checked against the values
//! the field can have, with the same "did you mean" as mappings (SPEC023): a literal the
//! field never takes is a branch that never runs.

use serde_json::Value;

use crate::codes;
use crate::model::catalogue::{self, ValueType};
use crate::model::text::{Piece, parse};
use crate::spec::Located;
use soarc_lang::diagnostics::{Diagnostic, Span, did_you_mean};

use super::{PlaybookCompiler, TriggerKind};

impl PlaybookCompiler<'_> {
    /// The values of the trigger field `text` is (a lone reference such as
    /// `{{incident.severity}}`), and how it is written; `None` for anything else.
    /// Quiet: unknown references are reported where the text is compiled.
    pub(super) fn enum_values(&self, text: &str) -> Option<(&'static [&'static str], String)> {
        self.trigger_field(text)
            .and_then(|(field, shown)| match field.ty {
                ValueType::Enum(values) => Some((values, shown)),
                _ => None,
            })
    }

    /// The trigger field `text` is, if it is a lone reference to one.
    fn trigger_field(&self, text: &str) -> Option<(&'static catalogue::Field, String)> {
        let pieces = parse(text).ok()?;
        let [Piece::Ref { path, .. }] = pieces.as_slice() else {
            return None;
        };
        let (root, rest) = path.split_first()?;
        let fields = match (root.as_str(), self.trigger_kind) {
            ("incident", TriggerKind::Incident) => catalogue::INCIDENT,
            ("alert", TriggerKind::Alert) => catalogue::ALERT,
            ("entity", TriggerKind::Entity) => catalogue::ENTITY,
            _ => return None,
        };
        match catalogue::lookup(fields, rest) {
            Some((field, [])) => Some((field, format!("{root}.{}", field.name))),
            _ => None,
        }
    }

    /// Check the literal `value` compared with the enumerated `field`.
    pub(super) fn check_enum_literal(
        &mut self,
        values: &'static [&'static str],
        field: &str,
        value: &str,
        span: Span,
    ) {
        if values.contains(&value) {
            return;
        }
        let suggestion = did_you_mean(value, values.iter().copied())
            .or_else(|| {
                values
                    .iter()
                    .copied()
                    .find(|v| v.eq_ignore_ascii_case(value))
            })
            .map(|s| format!("did you mean `{s}`? "))
            .unwrap_or_default();
        self.error(
            Diagnostic::error(
                codes::SPEC055.code,
                format!("`{value}` is not a value of `{field}`: this comparison never holds"),
            )
            .at(span.with_len(value.chars().count().max(1)))
            .help(format!(
                "{suggestion}values are (case-sensitive): {}",
                values.join(", ")
            )),
        );
    }

    /// `contains: ["{{incident.tactics}}", InitialAccess]`: the element against the
    /// array's values.
    pub(super) fn check_contained_literal(&mut self, operands: &[Located<Value>], span: Span) {
        let [array, element] = operands else {
            return;
        };
        let (Value::String(r), Value::String(l)) = (&array.value, &element.value) else {
            return;
        };
        if l.contains("{{") {
            return;
        }
        if let Some((values, field)) = self
            .trigger_field(r)
            .and_then(|(f, shown)| catalogue::element_values(f).map(|v| (v, shown)))
        {
            let at = self.locate(l, 0, l.len(), element.span.or(span));
            self.check_enum_literal(values, &field, l, at);
        }
    }

    /// `equals`/`not_equals` operands: a lone enumerated reference against a literal.
    pub(super) fn check_compared_literals(&mut self, operands: &[Located<Value>], span: Span) {
        let [a, b] = operands else {
            return;
        };
        for (reference, literal) in [(a, b), (b, a)] {
            let (Value::String(r), Value::String(l)) = (&reference.value, &literal.value) else {
                continue;
            };
            if l.contains("{{") {
                continue;
            }
            if let Some((values, field)) = self.enum_values(r) {
                let at = self.locate(l, 0, l.len(), literal.span.or(span));
                self.check_enum_literal(values, &field, l, at);
            }
        }
    }
}
