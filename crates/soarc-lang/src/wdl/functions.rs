//! Catalogue of Workflow Definition Language (Logic Apps) expression functions with arity.
//!
//! Sources: Microsoft Learn "Reference guide to workflow expression functions in Azure Logic
//! Apps and Power Automate" (`workflow-definition-language-functions-reference.md`, the
//! alphabetical signatures), cross-checked with `shared/reference/LANDSCAPE.md` §6.1. Entries
//! LANDSCAPE marked "verify" were checked against the Learn signatures: `chunk(collection,
//! length)` 2, `isFloat(string, locale?)` 1–2, `isInt(string)` 1, `reverse(collection)` 1,
//! `sort(collection, sortBy?)` 1–2, `float(value, locale?)` 1–2, `dateDifference(start, end)` 2,
//! `action()` 0, `actionBody(name)` 1, `actionOutputs(name)` 1, `nthIndexOf` 3. No arity changed
//! versus LANDSCAPE except `float`, which takes the optional locale (1–2).
//!
//! Names are matched case-insensitively: the runtime accepts e.g. `triggerbody()`,
//! `tolower()`, `utcnow()`, `encodeURIComponent()`, all of which occur in deployed Sentinel
//! playbooks in the reference corpus. The names stored here use Learn's spelling.

/// One function's name and how many arguments it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionSig {
    pub name: &'static str,
    pub min_args: usize,
    /// `None` = variadic.
    pub max_args: Option<usize>,
    pub category: &'static str,
}

impl FunctionSig {
    /// Whether a call with `n` arguments is accepted.
    pub fn accepts(&self, n: usize) -> bool {
        n >= self.min_args && self.max_args.is_none_or(|max| n <= max)
    }

    /// Human-readable arity, e.g. `2`, `2-3`, `1+`.
    pub fn arity(&self) -> String {
        match self.max_args {
            None => format!("{}+", self.min_args),
            Some(max) if max == self.min_args => max.to_string(),
            Some(max) => format!("{}-{}", self.min_args, max),
        }
    }

    /// Functions that exist only in Logic Apps Standard (single-tenant), not in Consumption,
    /// which is what Sentinel playbooks run on.
    pub fn is_standard_only(&self) -> bool {
        STANDARD_ONLY.contains(&self.name)
    }
}

/// Names (as in [`FUNCTIONS`]) that only Logic Apps Standard knows.
pub const STANDARD_ONLY: &[&str] = &["appsetting"];

const fn f(
    name: &'static str,
    min_args: usize,
    max_args: Option<usize>,
    category: &'static str,
) -> FunctionSig {
    FunctionSig {
        name,
        min_args,
        max_args,
        category,
    }
}

const S: &str = "String";
const C: &str = "Collection";
const L: &str = "Logical";
const V: &str = "Conversion";
const M: &str = "Math";
const D: &str = "Date/time";
const W: &str = "Workflow";
const U: &str = "URI";
const J: &str = "Manipulation";

/// Every documented function, each name once. Functions Learn lists in two groups
/// (`chunk`, `length`: String and Collection; `item`: Collection and Workflow) appear once,
/// under Collection.
pub static FUNCTIONS: &[FunctionSig] = &[
    // String
    f("concat", 1, None, S), // Learn shows 2+; the designer and runtime accept 1.
    f("endsWith", 2, Some(2), S),
    f("formatNumber", 2, Some(3), S),
    f("guid", 0, Some(1), S),
    f("indexOf", 2, Some(2), S),
    f("isFloat", 1, Some(2), S),
    f("isInt", 1, Some(1), S),
    f("lastIndexOf", 2, Some(2), S),
    f("nthIndexOf", 3, Some(3), S),
    f("replace", 3, Some(3), S),
    f("slice", 2, Some(3), S),
    f("split", 2, Some(2), S),
    f("startsWith", 2, Some(2), S),
    f("substring", 2, Some(3), S),
    f("toLower", 1, Some(1), S),
    f("toUpper", 1, Some(1), S),
    f("trim", 1, Some(1), S),
    // Collection
    f("chunk", 2, Some(2), C),
    f("contains", 2, Some(2), C),
    f("empty", 1, Some(1), C),
    f("first", 1, Some(1), C),
    f("intersection", 2, None, C),
    f("item", 0, Some(0), C),
    f("join", 2, Some(2), C),
    f("last", 1, Some(1), C),
    f("length", 1, Some(1), C),
    f("reverse", 1, Some(1), C),
    f("skip", 2, Some(2), C),
    f("sort", 1, Some(2), C),
    f("take", 2, Some(2), C),
    f("union", 2, None, C),
    // Logical comparison
    f("and", 2, None, L),
    f("equals", 2, Some(2), L),
    f("greater", 2, Some(2), L),
    f("greaterOrEquals", 2, Some(2), L),
    f("if", 3, Some(3), L),
    f("less", 2, Some(2), L),
    f("lessOrEquals", 2, Some(2), L),
    f("not", 1, Some(1), L),
    f("or", 2, None, L),
    // Conversion
    f("array", 1, Some(1), V),
    f("base64", 1, Some(1), V),
    f("base64ToBinary", 1, Some(1), V),
    f("base64ToString", 1, Some(1), V),
    f("binary", 1, Some(1), V),
    f("bool", 1, Some(1), V),
    f("createArray", 0, None, V), // `createArray()` (empty array) is a common idiom.
    f("dataUri", 1, Some(1), V),
    f("dataUriToBinary", 1, Some(1), V),
    f("dataUriToString", 1, Some(1), V),
    f("decimal", 1, Some(1), V),
    f("decodeBase64", 1, Some(1), V),
    f("decodeDataUri", 1, Some(1), V),
    f("decodeUriComponent", 1, Some(1), V),
    f("encodeUriComponent", 1, Some(1), V),
    f("float", 1, Some(2), V),
    f("int", 1, Some(1), V),
    f("json", 1, Some(1), V),
    f("string", 1, Some(1), V),
    f("uriComponent", 1, Some(1), V),
    f("uriComponentToBinary", 1, Some(1), V),
    f("uriComponentToString", 1, Some(1), V),
    f("xml", 1, Some(1), V),
    // Math
    f("add", 2, Some(2), M),
    f("div", 2, Some(2), M),
    f("max", 1, None, M),
    f("min", 1, None, M),
    f("mod", 2, Some(2), M),
    f("mul", 2, Some(2), M),
    f("rand", 2, Some(2), M),
    f("range", 2, Some(2), M),
    f("sub", 2, Some(2), M),
    // Date and time
    f("addDays", 2, Some(3), D),
    f("addHours", 2, Some(3), D),
    f("addMinutes", 2, Some(3), D),
    f("addSeconds", 2, Some(3), D),
    f("addToTime", 3, Some(4), D),
    f("convertFromUtc", 2, Some(3), D),
    f("convertTimeZone", 3, Some(4), D),
    f("convertToUtc", 2, Some(3), D),
    f("dateDifference", 2, Some(2), D),
    f("dayOfMonth", 1, Some(1), D),
    f("dayOfWeek", 1, Some(1), D),
    f("dayOfYear", 1, Some(1), D),
    f("formatDateTime", 1, Some(3), D),
    f("getFutureTime", 2, Some(3), D),
    f("getPastTime", 2, Some(3), D),
    f("parseDateTime", 1, Some(3), D),
    f("startOfDay", 1, Some(2), D),
    f("startOfHour", 1, Some(2), D),
    f("startOfMonth", 1, Some(2), D),
    f("subtractFromTime", 3, Some(4), D),
    f("ticks", 1, Some(1), D),
    f("utcNow", 0, Some(1), D),
    // Workflow
    f("action", 0, Some(0), W),
    f("actionBody", 1, Some(1), W),
    f("actionOutputs", 1, Some(1), W),
    f("actions", 1, Some(1), W),
    f("appsetting", 1, Some(1), W), // Standard only, see STANDARD_ONLY.
    f("body", 1, Some(1), W),
    f("formDataMultiValues", 2, Some(2), W),
    f("formDataValue", 2, Some(2), W),
    f("items", 1, Some(1), W),
    f("iterationIndexes", 1, Some(1), W),
    f("listCallbackUrl", 0, Some(0), W),
    f("multipartBody", 2, Some(2), W),
    f("outputs", 1, Some(1), W),
    f("parameters", 1, Some(1), W),
    f("result", 0, Some(1), W),
    f("trigger", 0, Some(0), W),
    f("triggerBody", 0, Some(0), W),
    f("triggerFormDataMultiValues", 1, Some(1), W),
    f("triggerFormDataValue", 1, Some(1), W),
    f("triggerMultipartBody", 1, Some(1), W),
    f("triggerOutputs", 0, Some(0), W),
    f("variables", 1, Some(1), W),
    f("workflow", 0, Some(0), W),
    // URI parsing
    f("uriHost", 1, Some(1), U),
    f("uriPath", 1, Some(1), U),
    f("uriPathAndQuery", 1, Some(1), U),
    f("uriPort", 1, Some(1), U),
    f("uriQuery", 1, Some(1), U),
    f("uriScheme", 1, Some(1), U),
    // JSON and XML manipulation
    f("addProperty", 3, Some(3), J),
    f("coalesce", 1, None, J),
    f("removeProperty", 2, Some(2), J),
    f("setProperty", 3, Some(3), J),
    f("xpath", 2, Some(2), J),
];

/// The functions that read an action's results by the action's name, their first argument
/// (`body('X')`, `outputs('X')`, ...): a name no action of the workflow has makes Logic Apps
/// refuse the workflow (`soarc validate`'s WDL004, the compiler's SPEC140).
pub const ACTION_READERS: &[&str] = &[
    "body",
    "outputs",
    "actions",
    "result",
    "actionBody",
    "actionOutputs",
];

/// Whether `name` is one of [`ACTION_READERS`] (ignoring ASCII case, as the runtime does).
pub fn reads_action(name: &str) -> bool {
    ACTION_READERS.iter().any(|f| f.eq_ignore_ascii_case(name))
}

/// [`FUNCTIONS`] hashed by name ignoring case, built on first use.
fn index() -> &'static crate::syntax::CiIndex {
    static INDEX: std::sync::OnceLock<crate::syntax::CiIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let names: Vec<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
        crate::syntax::CiIndex::new(&names)
    })
}

/// Case-insensitive lookup (ASCII case folding; the runtime resolves function names
/// case-insensitively, see the module docs).
pub fn lookup(name: &str) -> Option<&'static FunctionSig> {
    index()
        .find(name, |i| FUNCTIONS[i].name)
        .map(|i| &FUNCTIONS[i])
}

/// The closest known name for a "did you mean" hint: smallest case-insensitive edit distance,
/// ties broken by catalogue order. `None` when nothing is close (distance above a third of the
/// name's length, at least 2).
pub fn suggest(name: &str) -> Option<&'static str> {
    crate::diagnostics::did_you_mean(name, FUNCTIONS.iter().map(|f| f.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sorted index finds every catalogue name in any case, and nothing else.
    #[test]
    fn index_finds_every_name() {
        for f in FUNCTIONS {
            assert!(std::ptr::eq(lookup(f.name).unwrap(), f), "{}", f.name);
            assert!(std::ptr::eq(
                lookup(&f.name.to_ascii_uppercase()).unwrap(),
                f
            ));
            assert!(std::ptr::eq(
                lookup(&f.name.to_ascii_lowercase()).unwrap(),
                f
            ));
        }
        assert!(lookup("").is_none());
        assert!(lookup("zzzz").is_none());
    }

    #[test]
    fn names_are_unique_case_insensitively() {
        for (i, a) in FUNCTIONS.iter().enumerate() {
            for b in &FUNCTIONS[i + 1..] {
                assert!(!a.name.eq_ignore_ascii_case(b.name), "duplicate {}", a.name);
            }
            assert!(a.max_args.is_none_or(|m| m >= a.min_args), "{}", a.name);
        }
    }

    #[test]
    fn lookup_ignores_case() {
        assert_eq!(lookup("triggerbody").unwrap().name, "triggerBody");
        assert_eq!(
            lookup("encodeURIComponent").unwrap().name,
            "encodeUriComponent"
        );
        assert!(lookup("nosuch").is_none());
        assert!(lookup("appsetting").unwrap().is_standard_only());
        assert!(!lookup("concat").unwrap().is_standard_only());
    }

    #[test]
    fn arity() {
        let sig = lookup("substring").unwrap();
        assert!(!sig.accepts(1) && sig.accepts(2) && sig.accepts(3) && !sig.accepts(4));
        assert_eq!(sig.arity(), "2-3");
        assert_eq!(lookup("concat").unwrap().arity(), "1+");
        assert_eq!(lookup("trigger").unwrap().arity(), "0");
        assert!(lookup("coalesce").unwrap().accepts(40));
        assert!(lookup("float").unwrap().accepts(2));
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("triggerBdy"), Some("triggerBody"));
        assert_eq!(suggest("concatt"), Some("concat"));
        assert_eq!(suggest("Concat"), Some("concat"));
        assert_eq!(suggest("formatDatetime"), Some("formatDateTime"));
        assert_eq!(suggest("zzzzzzzzzzzz"), None);
    }

    #[test]
    fn categories_cover_the_groups() {
        for cat in [S, C, L, V, M, D, W, U, J] {
            assert!(FUNCTIONS.iter().any(|f| f.category == cat));
        }
        assert!(FUNCTIONS.len() >= 125);
    }
}
