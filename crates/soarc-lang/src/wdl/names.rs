//! Closed sets of names in workflow definitions: HTTP methods, variable types, Terminate run
//! statuses and Request trigger kinds.
//!
//! Logic Apps reads each of them ignoring ASCII case, and real workflows spell them both
//! ways: the designer writes variable types and connector methods in lowercase
//! (`"type": "string"`, `"method": "post"`), Microsoft's workflow schema enumerates them
//! capitalised (`String`, `POST`). A [`Spelled`] value keeps which of the two a workflow
//! used, so a definition soarc reads (the self-check, `soarc import`) prints back as it was
//! written, while code can only hold a member of the set.
//!
//! The sets are those of Learn, "Schema reference guide for trigger and action types in
//! Azure Logic Apps" (https://learn.microsoft.com/azure/logic-apps/logic-apps-workflow-actions-triggers)
//! and of Microsoft's workflow definition schema (2016-06-01): the Request trigger's `kind`
//! and `inputs.method`, the Http action's `inputs.method`, InitializeVariable's `type`
//! (String, Integer, Float, Boolean, Array, Object) and the Terminate action's
//! `inputs.runStatus` (Cancelled, Failed, Succeeded). `soarc validate` (WDL026) checks
//! workflows against the same lists.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A closed set of names, each with its canonical spelling.
pub trait Name: Copy + Eq + 'static {
    /// Every member, in the order the documentation lists them.
    const ALL: &'static [Self];
    /// The canonical spellings of [`Name::ALL`], in the same order.
    const NAMES: &'static [&'static str];
    /// What the set is, for messages ("an HTTP method").
    const WHAT: &'static str;
    /// The canonical spelling (Microsoft's schema).
    fn as_str(self) -> &'static str;

    /// The member spelled `text`, ignoring ASCII case.
    fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|name| name.as_str().eq_ignore_ascii_case(text))
    }
}

/// How a name is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Case {
    /// As Microsoft's schema spells it (`String`, `POST`).
    #[default]
    Canonical,
    /// All lowercase (`string`, `post`), as the designer writes it.
    Lower,
}

/// A member of a closed set of names, with the case it is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spelled<N> {
    pub value: N,
    pub case: Case,
}

impl<N: Name> Spelled<N> {
    /// `value`, spelled canonically.
    pub fn canonical(value: N) -> Self {
        Spelled {
            value,
            case: Case::Canonical,
        }
    }

    /// `value`, spelled in lowercase.
    pub fn lower(value: N) -> Self {
        Spelled {
            value,
            case: Case::Lower,
        }
    }

    /// The member spelled `text`: `None` for a name outside the set, or for one written in
    /// neither spelling (`Post`), which could not be printed back as written.
    pub fn parse(text: &str) -> Option<Self> {
        let value = N::parse(text)?;
        let canonical = value.as_str();
        if text == canonical {
            Some(Self::canonical(value))
        } else if text.bytes().all(|b| !b.is_ascii_uppercase())
            && text.eq_ignore_ascii_case(canonical)
        {
            Some(Self::lower(value))
        } else {
            None
        }
    }

    /// The text as written.
    pub fn text(self) -> std::borrow::Cow<'static, str> {
        match self.case {
            Case::Canonical => self.value.as_str().into(),
            Case::Lower => self.value.as_str().to_ascii_lowercase().into(),
        }
    }
}

impl<N: Name> From<N> for Spelled<N> {
    fn from(value: N) -> Self {
        Self::canonical(value)
    }
}

impl<N: Name> Serialize for Spelled<N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text())
    }
}

impl<'de, N: Name> Deserialize<'de> for Spelled<N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Spelled::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{text}` is not {} written as Microsoft's schema or in lowercase; expected one of {}",
                N::WHAT,
                N::NAMES.join(", ")
            ))
        })
    }
}

impl<N: Name> JsonSchema for Spelled<N> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "String".into()
    }

    fn inline_schema() -> bool {
        true
    }

    /// Both spellings of every member.
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<serde_json::Value> = N::NAMES
            .iter()
            .flat_map(|name| {
                let lower = name.to_ascii_lowercase();
                let mut both = vec![serde_json::Value::from(*name)];
                if lower != *name {
                    both.push(lower.into());
                }
                both
            })
            .collect();
        schemars::json_schema!({ "type": "string", "enum": names })
    }
}

/// Declares a closed set: the enum, its canonical spellings and [`Name`].
macro_rules! closed_set {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl Name for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            const NAMES: &'static [&'static str] = &[$($text),+];
            const WHAT: &'static str = $what;
            fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }
    };
}

closed_set!(
    /// An HTTP method: of the Http action, of a managed connector operation
    /// (ApiConnection) and of the Request trigger.
    HttpMethod, "an HTTP method", {
        Delete => "DELETE",
        Get => "GET",
        Head => "HEAD",
        Options => "OPTIONS",
        Patch => "PATCH",
        Post => "POST",
        Put => "PUT",
        Trace => "TRACE",
    }
);

closed_set!(
    /// The type of a workflow variable (InitializeVariable).
    VariableType, "a variable type", {
        Boolean => "Boolean",
        Integer => "Integer",
        Float => "Float",
        String => "String",
        Array => "Array",
        Object => "Object",
    }
);

closed_set!(
    /// The status a Terminate action ends the run with.
    RunStatus, "a run status", {
        Cancelled => "Cancelled",
        Failed => "Failed",
        Succeeded => "Succeeded",
    }
);

closed_set!(
    /// The `kind` of a Request trigger.
    RequestKind, "a Request trigger kind", {
        Alert => "Alert",
        AzureMonitorAlert => "AzureMonitorAlert",
        Button => "Button",
        EventGrid => "EventGrid",
        Geofence => "Geofence",
        Http => "Http",
        PowerApp => "PowerApp",
        SecurityCenterAlert => "SecurityCenterAlert",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_print_back_as_written() {
        for text in ["POST", "post"] {
            let method: Spelled<HttpMethod> = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            assert_eq!(method.value, HttpMethod::Post);
            assert_eq!(
                serde_json::to_string(&method).unwrap(),
                format!("\"{text}\"")
            );
        }
        let ty: Spelled<VariableType> = serde_json::from_str("\"string\"").unwrap();
        assert_eq!((ty.value, ty.case), (VariableType::String, Case::Lower));
        assert_eq!(Spelled::canonical(RunStatus::Failed).text(), "Failed");
        assert_eq!(Spelled::lower(HttpMethod::Get).text(), "get");
    }

    #[test]
    fn a_name_outside_the_set_or_in_mixed_case_is_refused_with_the_set() {
        let err = serde_json::from_str::<Spelled<HttpMethod>>("\"FETCH\"").unwrap_err();
        assert!(
            err.to_string().contains("`FETCH` is not an HTTP method"),
            "{err}"
        );
        assert!(err.to_string().contains("DELETE, GET, HEAD"), "{err}");
        assert!(Spelled::<HttpMethod>::parse("Post").is_none());
        assert_eq!(HttpMethod::parse("Post"), Some(HttpMethod::Post));
        assert!(Spelled::<RequestKind>::parse("http").is_some());
    }
}
