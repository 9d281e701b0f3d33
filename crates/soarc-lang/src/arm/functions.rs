//! Catalogue of the built-in ARM template functions with their arity, so the checker can
//! reject `concat()` or `resourceId('x')` before Azure does at deployment time.
//!
//! Sources (checked 2025):
//! - Microsoft Learn, "ARM template functions" overview
//!   (<https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions>)
//!   and its per-category pages (`template-functions-array`, `-cidr`, `-comparison`, `-date`,
//!   `-deployment`, `-lambda`, `-logical`, `-numeric`, `-object`, `-resource`, `-scope`,
//!   `-string`) for the names, and the "Required" column of each parameter table for arity.
//! - `microsoft/vscode-azurearmtools` `assets/ExpressionMetadata.json`
//!   (`minimumArguments`/`maximumArguments`) to cross-check the older functions.
//!
//! Where the two disagree we follow Learn (e.g. `concat`: Learn marks `arg1` required, the
//! VS Code metadata allows zero). ARM function names are case-insensitive
//! (Learn, "Template syntax and expressions": "Template functions and their parameters are
//! case-insensitive").

/// Arity and category of one built-in function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionSig {
    /// Canonical spelling, as Learn writes it.
    pub name: &'static str,
    pub min_args: usize,
    /// `None` = variadic.
    pub max_args: Option<usize>,
    /// Learn category: "array", "cidr", "comparison", "date", "deployment", "lambda",
    /// "logical", "numeric", "object", "resource", "scope", "string".
    pub category: &'static str,
}

impl FunctionSig {
    /// Whether a call with `n` arguments has an acceptable argument count.
    /// `createObject` additionally needs key/value pairs, i.e. an even count.
    pub fn accepts(&self, n: usize) -> bool {
        if n < self.min_args || self.max_args.is_some_and(|max| n > max) {
            return false;
        }
        if self.name == "createObject" {
            return n.is_multiple_of(2);
        }
        true
    }

    /// Human-readable arity for diagnostics: "2", "1 to 3", "at least 1".
    pub fn arity_text(&self) -> String {
        match self.max_args {
            Some(max) if max == self.min_args => max.to_string(),
            Some(max) => format!("{} to {}", self.min_args, max),
            None => format!("at least {}", self.min_args),
        }
    }
}

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

const ANY: Option<usize> = None;
const fn n(x: usize) -> Option<usize> {
    Some(x)
}

/// Every documented built-in. Functions documented in two categories (e.g. `concat`, `length`,
/// `contains`) appear once, under the first category Learn lists them in.
pub static FUNCTIONS: &[FunctionSig] = &[
    // Array functions
    f("array", 1, n(1), "array"),
    f("concat", 1, ANY, "array"),
    f("contains", 2, n(2), "array"),
    // Learn: all createArray arguments optional; `createArray()` is the empty array.
    f("createArray", 0, ANY, "array"),
    f("empty", 1, n(1), "array"),
    f("first", 1, n(1), "array"),
    f("flatten", 1, n(1), "array"),
    f("indexFromEnd", 2, n(2), "array"),
    f("indexOf", 2, n(2), "array"),
    f("intersection", 2, ANY, "array"),
    f("last", 1, n(1), "array"),
    f("lastIndexOf", 2, n(2), "array"),
    f("length", 1, n(1), "array"),
    f("max", 1, ANY, "array"),
    f("min", 1, ANY, "array"),
    f("range", 2, n(2), "array"),
    f("skip", 2, n(2), "array"),
    f("take", 2, n(2), "array"),
    f("tryGet", 2, ANY, "array"),
    f("tryIndexFromEnd", 2, n(2), "array"),
    f("union", 2, ANY, "array"),
    // CIDR functions (Learn: "All of these functions are in the `sys` namespace")
    f("parseCidr", 1, n(1), "cidr"),
    f("cidrSubnet", 3, n(3), "cidr"),
    f("cidrHost", 2, n(2), "cidr"),
    // Comparison functions
    f("coalesce", 1, ANY, "comparison"),
    f("equals", 2, n(2), "comparison"),
    f("greater", 2, n(2), "comparison"),
    f("greaterOrEquals", 2, n(2), "comparison"),
    f("less", 2, n(2), "comparison"),
    f("lessOrEquals", 2, n(2), "comparison"),
    // Date functions
    f("dateTimeAdd", 2, n(3), "date"),
    f("dateTimeFromEpoch", 1, n(1), "date"),
    f("dateTimeToEpoch", 1, n(1), "date"),
    f("utcNow", 0, n(1), "date"),
    // Deployment value functions
    f("deployer", 0, n(0), "deployment"),
    f("deployment", 0, n(0), "deployment"),
    f("environment", 0, n(0), "deployment"),
    f("parameters", 1, n(1), "deployment"),
    f("variables", 1, n(1), "deployment"),
    // Lambda functions; `lambda('x', 'y', body)` declares variables then the body.
    f("filter", 2, n(2), "lambda"),
    f("groupBy", 2, n(2), "lambda"),
    f("map", 2, n(2), "lambda"),
    f("mapValues", 2, n(2), "lambda"),
    f("reduce", 3, n(3), "lambda"),
    f("sort", 2, n(2), "lambda"),
    f("toObject", 2, n(3), "lambda"),
    f("lambda", 2, ANY, "lambda"),
    f("lambdaVariables", 1, n(1), "lambda"),
    // Logical functions
    f("and", 2, ANY, "logical"),
    f("bool", 1, n(1), "logical"),
    f("false", 0, n(0), "logical"),
    f("if", 3, n(3), "logical"),
    f("not", 1, n(1), "logical"),
    f("or", 2, ANY, "logical"),
    f("true", 0, n(0), "logical"),
    // Numeric functions
    f("add", 2, n(2), "numeric"),
    f("copyIndex", 0, n(2), "numeric"),
    f("div", 2, n(2), "numeric"),
    f("float", 1, n(1), "numeric"),
    f("int", 1, n(1), "numeric"),
    f("mod", 2, n(2), "numeric"),
    f("mul", 2, n(2), "numeric"),
    f("sub", 2, n(2), "numeric"),
    // Object functions
    f("createObject", 0, ANY, "object"),
    f("items", 1, n(1), "object"),
    f("json", 1, n(1), "object"),
    f("null", 0, n(0), "object"),
    f("objectKeys", 1, n(1), "object"),
    f("shallowMerge", 1, n(1), "object"),
    // Resource functions
    f("extensionResourceId", 3, ANY, "resource"),
    f("listAccountSas", 2, n(3), "resource"),
    f("listKeys", 2, n(3), "resource"),
    f("listSecrets", 2, n(3), "resource"),
    f("listCallbackUrl", 2, n(3), "resource"),
    f("managementGroupResourceId", 2, ANY, "resource"),
    f("pickZones", 3, n(5), "resource"),
    f("providers", 1, n(2), "resource"),
    f("reference", 1, n(3), "resource"),
    f("references", 1, n(2), "resource"),
    f("resourceId", 2, ANY, "resource"),
    f("subscriptionResourceId", 2, ANY, "resource"),
    f("tenantResourceId", 2, ANY, "resource"),
    // Scope functions
    f("managementGroup", 0, n(1), "scope"),
    f("resourceGroup", 0, n(0), "scope"),
    f("subscription", 0, n(0), "scope"),
    f("tenant", 0, n(0), "scope"),
    // String functions
    f("base64", 1, n(1), "string"),
    f("base64ToJson", 1, n(1), "string"),
    f("base64ToString", 1, n(1), "string"),
    f("dataUri", 1, n(1), "string"),
    f("dataUriToString", 1, n(1), "string"),
    f("endsWith", 2, n(2), "string"),
    f("format", 1, ANY, "string"),
    f("guid", 1, ANY, "string"),
    f("join", 2, n(2), "string"),
    f("newGuid", 0, n(0), "string"),
    f("padLeft", 2, n(3), "string"),
    f("replace", 3, n(3), "string"),
    f("split", 2, n(2), "string"),
    f("startsWith", 2, n(2), "string"),
    f("string", 1, n(1), "string"),
    f("substring", 1, n(3), "string"),
    f("toLower", 1, n(1), "string"),
    f("toUpper", 1, n(1), "string"),
    f("trim", 1, n(1), "string"),
    f("uniqueString", 1, ANY, "string"),
    f("uri", 2, n(2), "string"),
    f("uriComponent", 1, n(1), "string"),
    f("uriComponentToString", 1, n(1), "string"),
];

/// Stand-in for the open `list*` family (Learn: `list{Value}(resourceName or
/// resourceIdentifier, apiVersion, functionValues)`, `functionValues` optional): any resource
/// provider action starting with `list` is callable, so the set cannot be enumerated.
pub static LIST_FAMILY: FunctionSig = f("list*", 2, n(3), "resource");

/// [`FUNCTIONS`] hashed by name ignoring case, built on first use.
fn index() -> &'static crate::syntax::CiIndex {
    static INDEX: std::sync::OnceLock<crate::syntax::CiIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let names: Vec<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
        crate::syntax::CiIndex::new(&names)
    })
}

/// Find a built-in by name, ignoring ASCII case as ARM does. Any unknown name starting with
/// `list` resolves to [`LIST_FAMILY`]. Names with a namespace (`ns.func`) are user-defined
/// functions and return `None`.
pub fn lookup(name: &str) -> Option<&'static FunctionSig> {
    if let Some(i) = index().find(name, |i| FUNCTIONS[i].name) {
        return Some(&FUNCTIONS[i]);
    }
    let is_list = name.len() > 4
        && name.is_char_boundary(4)
        && name[..4].eq_ignore_ascii_case("list")
        && !name.contains('.');
    is_list.then_some(&LIST_FAMILY)
}

/// Closest built-in name for a did-you-mean hint, if one is near enough to be a plausible typo
/// (edit distance at most a third of the name, minimum 1, compared case-insensitively).
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
    fn lookup_is_case_insensitive() {
        assert_eq!(lookup("RESOURCEID").unwrap().name, "resourceId");
        assert_eq!(lookup("concat").unwrap().min_args, 1);
        assert_eq!(lookup("guid").unwrap().max_args, None);
        assert!(lookup("nosuchfunction").is_none());
    }

    #[test]
    fn list_family() {
        assert_eq!(lookup("listKeys").unwrap().name, "listKeys");
        assert_eq!(lookup("LISTCALLBACKURL").unwrap().name, "listCallbackUrl");
        assert_eq!(lookup("listConnectionStrings").unwrap().name, "list*");
        assert!(lookup("list").is_none());
        assert!(lookup("listx.y").is_none());
        assert!(lookup("lisé").is_none());
    }

    #[test]
    fn required_functions_present() {
        for name in [
            "resourceId",
            "subscriptionResourceId",
            "extensionResourceId",
            "tenantResourceId",
            "reference",
            "guid",
            "concat",
            "format",
            "uniqueString",
            "coalesce",
            "if",
            "createObject",
            "json",
            "lambda",
            "filter",
            "map",
            "reduce",
            "sort",
            "toObject",
            "items",
            "parseCidr",
            "true",
            "false",
            "null",
        ] {
            assert!(lookup(name).is_some(), "{name}");
        }
    }

    #[test]
    fn arity() {
        let ifs = lookup("if").unwrap();
        assert!(ifs.accepts(3) && !ifs.accepts(2) && !ifs.accepts(4));
        let co = lookup("createObject").unwrap();
        assert!(co.accepts(0) && co.accepts(2) && !co.accepts(3));
        assert_eq!(ifs.arity_text(), "3");
        assert_eq!(lookup("reference").unwrap().arity_text(), "1 to 3");
        assert_eq!(lookup("guid").unwrap().arity_text(), "at least 1");
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("resourceid"), Some("resourceId"));
        assert_eq!(suggest("concatt"), Some("concat"));
        assert_eq!(suggest("paramters"), Some("parameters"));
        assert_eq!(suggest("uniquestrin"), Some("uniqueString"));
        assert_eq!(suggest("completelydifferent"), None);
    }
}
