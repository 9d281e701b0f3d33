//! The shared analysis every rule reads: the input kind, every ARM expression (parsed once),
//! the ARM scopes (a template and each nested template with inner scope), and every workflow
//! definition with its actions, their nesting, and every WDL expression (parsed once).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

/// Hash map of the per-action indexes and name sets: foldhash, several times faster than the
/// standard SipHash on the short keys hashed once per action and per reference, and seeded
/// at random per map, which its README ("HashDoS resistance") calls minimally DoS-resistant:
/// enough here, where a file's names are fixed before the seed is drawn and no hash or
/// timing is ever shown to whoever wrote them.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
/// Hash set, the same way as [`FastMap`].
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

use soarc_lang::arm::expr::{self as arm_expr, StringKind};
use soarc_lang::wdl::expr::{self as wdl_expr, Template};

use super::json::{Document, Member, Members, Node, Value, child};

/// What a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// ARM deployment template (`deploymentTemplate.json`, any scope).
    ArmTemplate,
    /// ARM parameters file (`deploymentParameters.json`).
    Parameters,
    /// A bare workflow definition (`workflowdefinition.json`).
    Workflow,
    /// A workflow resource body: `{"definition": ..., "parameters": ...}` (as exported).
    WorkflowResource,
    Unknown,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::ArmTemplate => "ARM template",
            Kind::Parameters => "ARM parameters file",
            Kind::Workflow => "workflow definition",
            Kind::WorkflowResource => "workflow resource",
            Kind::Unknown => "unknown",
        }
    }

    /// By `$schema` first (case-insensitive), then by shape.
    pub fn detect(root: Node) -> Kind {
        if root.as_object().is_none() {
            return Kind::Unknown;
        }
        if let Some(schema) = root.str_ci("$schema") {
            let schema = schema.to_ascii_lowercase();
            if schema.contains("deploymenttemplate.json") {
                return Kind::ArmTemplate;
            }
            if schema.contains("deploymentparameters.json") {
                return Kind::Parameters;
            }
            if schema.contains("workflowdefinition.json") {
                return Kind::Workflow;
            }
        }
        if root.get_ci("resources").is_some() {
            return Kind::ArmTemplate;
        }
        if root.get_ci("triggers").is_some() || root.get_ci("actions").is_some() {
            return Kind::Workflow;
        }
        if let Some(def) = root.get_ci("definition")
            && (def.get_ci("triggers").is_some() || def.get_ci("actions").is_some())
        {
            return Kind::WorkflowResource;
        }
        if let Some(params) = root.get_ci("parameters").and_then(Node::as_object)
            && !params.is_empty()
            && params
                .iter()
                .all(|m| m.value.get_ci("value").is_some() || m.value.get_ci("reference").is_some())
        {
            return Kind::Parameters;
        }
        Kind::Unknown
    }
}

/// A string value in the document. Its JSON pointer is not stored: a finding about it is
/// reported with [`crate::Sink::report_value`] and the pointer rendered then.
#[derive(Debug, Clone)]
pub struct StrAt<'a> {
    pub offset: usize,
    pub text: &'a str,
}

/// One ARM expression string (`[...]`).
#[derive(Debug)]
pub struct ArmExpr<'a> {
    /// The string; its JSON pointer is [`Context::pointer_at`] of `at.offset`, rendered only
    /// for a finding (or a rule that needs the path), never stored.
    pub at: StrAt<'a>,
    pub parsed: Result<arm_expr::Expr, arm_expr::ParseError>,
}

/// A resource declared in a template.
#[derive(Debug)]
pub struct Resource<'a> {
    pub pointer: String,
    pub node: Node<'a>,
    /// Full type (`Microsoft.Network/virtualNetworks/subnets` for a nested child).
    pub full_type: String,
    /// Name as written (may be an expression).
    pub name: Option<&'a str>,
    /// `copy.name`, which `dependsOn` may name.
    pub copy_name: Option<&'a str>,
    /// Symbolic name (languageVersion 2.0 templates).
    pub symbol: Option<&'a str>,
}

/// A template and everything evaluated in its expression scope.
#[derive(Debug)]
pub struct ArmScope<'a> {
    pub pointer: String,
    pub root: Node<'a>,
    pub exprs: Vec<ArmExpr<'a>>,
    pub resources: Vec<Resource<'a>>,
}

impl<'a> ArmScope<'a> {
    /// The expression string that starts at `offset`, if it is one of this scope's (they are
    /// kept in document order: a binary search).
    pub fn expr_at(&self, offset: usize) -> Option<&ArmExpr<'a>> {
        self.exprs
            .binary_search_by_key(&offset, |e| e.at.offset)
            .ok()
            .map(|i| &self.exprs[i])
    }

    /// Declared parameter names.
    pub fn parameter_names(&self) -> Vec<&str> {
        keys(self.root.get_ci("parameters"))
    }

    /// Declared variable names, including those of `copy` loops in `variables`.
    pub fn variable_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = keys(self.root.get_ci("variables"))
            .into_iter()
            .filter(|k| !k.eq_ignore_ascii_case("copy"))
            .collect();
        if let Some(copies) = self
            .root
            .get_ci("variables")
            .and_then(|v| v.get_ci("copy"))
            .and_then(Node::as_array)
        {
            names.extend(copies.iter().filter_map(|c| c.str_ci("name")));
        }
        names
    }
}

fn keys(node: Option<Node<'_>>) -> Vec<&str> {
    node.and_then(Node::as_object)
        .map(|m| m.iter().map(|m| m.key).collect())
        .unwrap_or_default()
}

/// An action (or trigger) of a workflow. Its JSON pointer is [`Context::pointer`] of `node`,
/// rendered only for a finding. 72 bytes (32-bit offsets and indexes, as in the reader's
/// arena; 88 with `usize` ones and no `inputs`): every rule walks the actions, and with
/// 100,000 of them each walk reads this vector from memory.
#[derive(Debug)]
pub struct Action<'a> {
    pub name: &'a str,
    pub node: Node<'a>,
    /// `type` when it is a string ("" otherwise), read once for every rule.
    kind: &'a str,
    /// Byte offset of the action's key (its opening quote).
    pub key_offset: u32,
    /// Index of the enclosing action (Foreach, If, Switch, Scope, Until), or [`NO_PARENT`].
    parent: u32,
    /// Actions with the same group are siblings (one `actions` map).
    pub group: u32,
    /// 1 for top-level actions.
    pub depth: u32,
    /// Where `inputs` is among the action's members ([`Action::inputs`]), or [`NONE`].
    inputs: u32,
}

/// [`Action::parent`] of a top-level action.
const NO_PARENT: u32 = u32::MAX;
/// [`Action::inputs`] of an action without inputs.
const NONE: u32 = u32::MAX;

impl<'a> Action<'a> {
    /// `kind` and `inputs`: the action's `type` and `inputs` members (as `node.get_ci` finds
    /// them), read with its other members in one pass.
    #[allow(clippy::too_many_arguments)]
    fn new(
        name: &'a str,
        key_offset: usize,
        node: Node<'a>,
        kind: Option<Node<'a>>,
        inputs: Option<Node<'a>>,
        parent: Option<usize>,
        group: u32,
        depth: usize,
    ) -> Action<'a> {
        Action {
            name,
            node,
            kind: kind.and_then(Node::as_str).unwrap_or(""),
            key_offset: key_offset as u32,
            parent: parent.map_or(NO_PARENT, |p| p as u32),
            group,
            depth: depth as u32,
            inputs: inputs.map_or(NONE, |i| node.member_place(i)),
        }
    }

    pub fn kind(&self) -> &'a str {
        self.kind
    }

    /// `inputs` (as `node.get_ci("inputs")` finds it), found once for every rule: most rules
    /// read it from every action, and with 100,000 actions a lookup among each action's
    /// members (and their keys in the text) was a pass over memory far larger than the
    /// cache.
    pub fn inputs(&self) -> Option<Node<'a>> {
        (self.inputs != NONE).then(|| self.node.member_at(self.inputs))
    }

    /// [`Action::inputs`] with its key as written (for a pointer into it).
    pub fn inputs_member(&self) -> Option<Member<'a>> {
        (self.inputs != NONE).then(|| self.node.member_entry(self.inputs))
    }

    /// Index of the enclosing action (Foreach, If, Switch, Scope, Until).
    pub fn parent(&self) -> Option<usize> {
        (self.parent != NO_PARENT).then_some(self.parent as usize)
    }
}

/// One `runAfter` entry of an action, resolved once for every rule.
#[derive(Debug)]
pub struct RunAfter<'a> {
    /// Index of the action whose `runAfter` it is.
    pub action: usize,
    /// The entry: its key names the predecessor, its value lists statuses.
    pub member: Member<'a>,
    /// The predecessor when it is an action of the same scope (a sibling).
    pub sibling: Option<usize>,
}

/// One WDL string value that contains an expression (or failed to parse as one).
#[derive(Debug)]
pub struct WdlExpr<'a> {
    pub at: StrAt<'a>,
    /// The action whose definition holds the string (`None`: trigger or outputs).
    pub action: Option<usize>,
    /// The parse error (WDL001), or the tree when a rule reads it ([`WdlExpr::keeps_tree`]):
    /// `Ok(None)` for a tree already walked for its [`CallKinds`] and dropped then, while it
    /// was still in cache. Both are boxed (16 bytes here, where the unboxed result took 64).
    pub parsed: Result<Option<Box<Template>>, Box<wdl_expr::ParseError>>,
    /// The kinds of function calls in it, found in one walk when it was parsed.
    pub calls: CallKinds,
}

impl WdlExpr<'_> {
    /// Whether a rule reads the tree of an expression that parsed: those holding a call of
    /// some kind ([`crate::rules::for_each_wdl_call`] and the `$connections` references walk
    /// only those) and those longer than WDL017's limit (it prints each expression to
    /// measure it). Every other tree is dropped as soon as its calls are known, so that
    /// 100,000 expressions do not keep 100,000 trees alive (several allocations each) in
    /// memory far larger than the caches, only to free them all at the end.
    pub fn keeps_tree(text: &str, calls: CallKinds) -> bool {
        calls != CallKinds::default() || text.len() > soarc_lang::limits::MAX_EXPRESSION_LENGTH
    }

    /// The tree, when it parsed and is kept ([`WdlExpr::keeps_tree`]).
    pub fn tree(&self) -> Option<&Template> {
        self.parsed.as_ref().ok()?.as_deref()
    }
}

/// Which kinds of function call an expression holds ([`CallKinds::of`]), so that a rule about
/// one kind walks only the trees that hold one ([`crate::rules::for_each_wdl_call`]): with
/// 100,000 expressions, each walk of every tree was a pass over memory far larger than the
/// cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallKinds(u8);

impl CallKinds {
    /// A function the catalogue does not know (WDL002).
    pub const UNKNOWN: CallKinds = CallKinds(1);
    /// A known function with a number of arguments it does not take (WDL003).
    pub const WRONG_ARITY: CallKinds = CallKinds(2);
    /// A function naming, as a literal, an action the workflow does not have: `body('x')`,
    /// `outputs('x')`... (WDL004).
    pub const MISSING_ACTION: CallKinds = CallKinds(4);
    /// `items` (WDL005).
    pub const ITEMS: CallKinds = CallKinds(8);
    /// `variables` (WDL006).
    pub const VARIABLES: CallKinds = CallKinds(16);
    /// `parameters` (WDL007).
    pub const PARAMETERS: CallKinds = CallKinds(32);

    /// The kinds of the calls in `template`, an expression of `wf` (whose actions and
    /// triggers are known).
    pub fn of(template: &Template, wf: &Workflow) -> CallKinds {
        let mut kinds = 0;
        for expr in template.each_expr() {
            crate::rules::walk_calls(expr, &mut |name, args| {
                kinds |= CallKinds::of_call(name, args, wf).0;
            });
        }
        CallKinds(kinds)
    }

    /// The kind of one call.
    fn of_call(name: &str, args: &[wdl_expr::Expr], wf: &Workflow) -> CallKinds {
        let mut kinds = match soarc_lang::wdl::functions::lookup(name) {
            None => Self::UNKNOWN.0,
            Some(sig) if !sig.accepts(args.len()) => Self::WRONG_ARITY.0,
            Some(_) => 0,
        };
        let is = |f: &str| name.eq_ignore_ascii_case(f);
        if crate::rules::wdl004_missing_action_reference::missing_action(wf, name, args).is_some() {
            kinds |= Self::MISSING_ACTION.0;
        }
        if is("items") {
            kinds |= Self::ITEMS.0;
        }
        if is("variables") {
            kinds |= Self::VARIABLES.0;
        }
        if is("parameters") {
            kinds |= Self::PARAMETERS.0;
        }
        CallKinds(kinds)
    }

    /// Holds a call of one of `kinds`.
    pub fn holds(self, kinds: CallKinds) -> bool {
        self.0 & kinds.0 != 0
    }
}

/// Connection names the workflow resource provides in `parameters.$connections.value`.
#[derive(Debug)]
pub struct Connections<'a> {
    pub names: Vec<&'a str>,
    pub pointer: String,
}

/// A workflow definition and its index.
#[derive(Debug)]
pub struct Workflow<'a> {
    pub pointer: String,
    pub node: Node<'a>,
    /// Inside an ARM template: strings pass through ARM first.
    pub in_arm: bool,
    /// `None` when unknown (bare definition, or computed by an expression).
    pub connections: Option<Connections<'a>>,
    pub triggers: Vec<Action<'a>>,
    pub actions: Vec<Action<'a>>,
    pub exprs: Vec<WdlExpr<'a>>,
    /// The expressions a rule reads beyond their text and action ([`Workflow::notable`]):
    /// indexes into `exprs`, in order.
    notable: Vec<u32>,
    /// The action names (case-insensitive, as Logic Apps matches them).
    names: NameIndex<'a>,
    /// Every `runAfter` entry of every action (object-valued `runAfter` only), in action
    /// order.
    pub run_after: Vec<RunAfter<'a>>,
}

impl<'a> Workflow<'a> {
    /// The expressions that failed to parse or whose tree is kept ([`WdlExpr::keeps_tree`]),
    /// in document order: the only ones WDL001-WDL007, WDL017 and the `$connections`
    /// references read. With 100,000 expressions, each pass over all of them (64 bytes each)
    /// to find the few was a pass over memory larger than the cache.
    pub fn notable(&self) -> impl Iterator<Item = &WdlExpr<'a>> {
        self.notable.iter().map(|&i| &self.exprs[i as usize])
    }

    /// Declared workflow parameter names.
    pub fn parameter_names(&self) -> Vec<&'a str> {
        keys(self.node.get_ci("parameters"))
    }

    /// The action with this name (case-insensitive), if any: the first one in document order
    /// when the name is repeated.
    pub fn find_action(&self, name: &str) -> Option<usize> {
        self.names.find(&self.actions, name)
    }

    /// The action named `name` (case-insensitive) in scope `group`, if any (`runAfter` names
    /// siblings only).
    pub fn find_sibling(&self, group: u32, name: &str) -> Option<usize> {
        self.find_sibling_hashed(group, name, self.names.hash(name))
    }

    /// [`Workflow::find_sibling`] with the name's hash in the index.
    fn find_sibling_hashed(&self, group: u32, name: &str, hash: u64) -> Option<usize> {
        let first = self.names.find_hashed(&self.actions, name, hash)?;
        if self.actions[first].group == group {
            return Some(first);
        }
        self.names
            .other_scopes
            .get(&(group, CiName(name)))
            .map(|&i| i as usize)
    }

    /// Indexes the names of `self.actions`, once they are all collected: O(actions).
    fn index_names(&mut self) {
        let actions = &self.actions;
        let names = &mut self.names;
        // A quarter more slots than names at least (at most four fifths full), a power of
        // two: a probe reads a few neighbouring slots, mostly of one cache line.
        let size = (actions.len() + actions.len() / 4 + 1).next_power_of_two();
        names.slots = vec![NameSlot::default(); size];
        let mask = size - 1;
        // Hashed first, in one pass over the names, so that the slot of each name a few
        // places ahead is fetched while the current one is inserted: the slots are read in
        // no order, and in a workflow of 100,000 actions, from memory.
        let hashes: Vec<u64> = actions
            .iter()
            .map(|a| names.state.hash_one(CiName(a.name)))
            .collect();
        for (i, action) in actions.iter().enumerate() {
            if let Some(&ahead) = hashes.get(i + PREFETCH_DISTANCE) {
                names.prefetch(ahead);
            }
            let name = action.name;
            let hash = hashes[i];
            let tag = (hash >> 32) as u32;
            let mut at = hash as usize & mask;
            loop {
                let slot = names.slots[at];
                if slot.action == 0 {
                    names.slots[at] = NameSlot {
                        tag,
                        action: i as u32 + 1,
                    };
                    break;
                }
                let other = slot.action as usize - 1;
                if slot.tag == tag && actions[other].name.eq_ignore_ascii_case(name) {
                    if actions[other].group != action.group {
                        names
                            .other_scopes
                            .entry((action.group, CiName(name)))
                            .or_insert(i as u32);
                    }
                    break;
                }
                at = (at + 1) & mask;
            }
        }
    }

    /// Indices of the action and its enclosing actions, innermost first.
    pub fn ancestors(&self, action: usize) -> Vec<usize> {
        let mut chain = vec![action];
        let mut current = self.actions[action].parent();
        while let Some(p) = current {
            chain.push(p);
            current = self.actions[p].parent();
        }
        chain
    }
}

/// The action names of one workflow: an open-addressing table (linear probing) of 8-byte
/// slots, each the upper half of a name's hash and the index of the action holding it, so
/// that a lookup reads one slot (one cache line, seldom two) before comparing the name. The
/// table of a 100,000-action workflow is 2 MiB. hashbrown's `HashTable` of 4-byte indexes
/// took 640 KB but read its control bytes and then the index in another array: two
/// dependent reads from memory per lookup once the workflow no longer fits in the caches,
/// where a map from `&str` to index took 24 bytes a name, twice (all names and names per
/// scope).
#[derive(Debug, Default)]
struct NameIndex<'a> {
    state: foldhash::fast::RandomState,
    /// Name → its first action in document order; a power of two long, never full.
    slots: Vec<NameSlot>,
    /// (scope group, name) → the first action of that name in that scope, for the scopes other
    /// than the first one's. Expressions address an action by its name alone, workflow-wide
    /// (`body('X')`, `actions('X')`), so real definitions repeat no name and this stays empty.
    other_scopes: FastMap<(u32, CiName<'a>), u32>,
}

/// One slot of [`NameIndex`].
#[derive(Debug, Clone, Copy, Default)]
struct NameSlot {
    /// The upper 32 bits of the name's hash (the lower ones chose the slot).
    tag: u32,
    /// The action's index + 1; 0: empty.
    action: u32,
}

/// How many lookups ahead [`NameIndex::prefetch`] is asked for the slot of a name: enough
/// for a read from memory to arrive while the lookups before it run.
const PREFETCH_DISTANCE: usize = 8;

impl NameIndex<'_> {
    /// The hash of `name` in this index.
    fn hash(&self, name: &str) -> u64 {
        self.state.hash_one(CiName(name))
    }

    /// Asks the processor to bring the slot a name of this hash starts from into the cache
    /// (a hint: nothing else changes).
    fn prefetch(&self, hash: u64) {
        if self.slots.is_empty() {
            return;
        }
        let slot = &self.slots[hash as usize & (self.slots.len() - 1)];
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            // SAFETY: SSE is part of every x86_64 target; a prefetch reads nothing the
            // program sees and cannot fault, and `slot` is a valid reference anyway.
            unsafe { _mm_prefetch::<_MM_HINT_T0>((slot as *const NameSlot).cast()) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = slot;
    }

    /// The first action named `name` (ignoring ASCII case) among `actions`, the actions the
    /// index was built from.
    fn find(&self, actions: &[Action], name: &str) -> Option<usize> {
        self.find_hashed(actions, name, self.hash(name))
    }

    /// [`NameIndex::find`] with the name's hash ([`NameIndex::hash`]).
    fn find_hashed(&self, actions: &[Action], name: &str, hash: u64) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let tag = (hash >> 32) as u32;
        let mut at = hash as usize & mask;
        loop {
            let slot = self.slots[at];
            if slot.action == 0 {
                return None;
            }
            let i = slot.action as usize - 1;
            if slot.tag == tag && actions[i].name.eq_ignore_ascii_case(name) {
                return Some(i);
            }
            at = (at + 1) & mask;
        }
    }
}

/// A name compared and hashed ignoring ASCII case, as Logic Apps matches action names,
/// without a lower-cased copy per lookup.
#[derive(Debug, Clone, Copy)]
pub struct CiName<'a>(pub &'a str);

impl PartialEq for CiName<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(other.0)
    }
}

impl Eq for CiName<'_> {}

impl Hash for CiName<'_> {
    /// Eight bytes at a time with bit 5 (0x20) set in each: that maps every ASCII upper-case
    /// letter to its lower case, so names equal ignoring ASCII case hash alike. It also maps
    /// a few other bytes together (`@` and `` ` ``, `[` and `{`); those only share a hash,
    /// equality still tells them apart.
    fn hash<H: Hasher>(&self, state: &mut H) {
        const CASE: u64 = 0x2020_2020_2020_2020;
        let bytes = self.0.as_bytes();
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            state.write_u64(u64::from_le_bytes(word.try_into().expect("8 bytes")) | CASE);
        }
        let rest = words.remainder();
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        state.write_u64(u64::from_le_bytes(last) | CASE);
        state.write_usize(bytes.len());
    }
}

/// The shared analysis of one document.
#[derive(Debug)]
pub struct Context<'a> {
    pub doc: &'a Document<'a>,
    pub kind: Kind,
    pub scopes: Vec<ArmScope<'a>>,
    pub workflows: Vec<Workflow<'a>>,
    /// For a parameters file validated from disk: its sibling template (`x.parameters.json` →
    /// `x.json` in the same directory) when that exists and is an ARM template.
    pub sibling_template: Option<&'a SiblingTemplate>,
}

/// The template a parameters file belongs to, read from disk next to it.
#[derive(Debug)]
pub struct SiblingTemplate {
    /// File name, for messages.
    pub name: String,
    pub doc: Document<'static>,
}

impl<'a> Context<'a> {
    /// The JSON pointer of a value of the document (rendered on demand: O(depth × log width)).
    pub fn pointer(&self, node: Node) -> String {
        crate::json::pointer_to(self.doc.root(), node.start()).unwrap_or_default()
    }

    /// The JSON pointer of the value that starts at `offset` (rendered on demand).
    pub fn pointer_at(&self, offset: usize) -> String {
        crate::json::pointer_to(self.doc.root(), offset).unwrap_or_default()
    }

    pub fn new(doc: &'a Document<'a>, kind: Kind) -> Context<'a> {
        let mut ctx = Context {
            doc,
            kind,
            scopes: Vec::new(),
            workflows: Vec::new(),
            sibling_template: None,
        };
        match kind {
            Kind::ArmTemplate => ctx.add_scope(doc.root(), String::new()),
            Kind::Workflow => ctx.add_workflow(doc.root(), String::new(), false, None),
            Kind::WorkflowResource => {
                if let Some(def) = doc.root().get_ci("definition") {
                    let connections = connections_of(doc.root(), "", false);
                    ctx.add_workflow(def, "/definition".into(), false, connections);
                }
            }
            Kind::Parameters | Kind::Unknown => {}
        }
        ctx
    }

    fn add_scope(&mut self, root: Node<'a>, pointer: String) {
        let mut resources = Vec::new();
        let mut inner = Vec::new();
        if let Some(list) = root.get_ci("resources") {
            collect_resources(
                list,
                &child(&pointer, "resources"),
                "",
                &mut resources,
                &mut inner,
            );
        }
        let mut strings = Vec::new();
        // Inner-scope templates are scopes of their own: their strings are not this scope's.
        let mut skip: Vec<usize> = inner.iter().map(|(n, _)| n.start()).collect();
        skip.sort_unstable();
        collect_strings(root, &skip, is_arm_expression, &mut strings);
        let exprs = strings
            .into_iter()
            .map(|s| ArmExpr {
                parsed: arm_expr::parse_expr(&s.text[1..s.text.len() - 1]),
                at: s,
            })
            .collect();
        for resource in &resources {
            if resource
                .full_type
                .eq_ignore_ascii_case("Microsoft.Logic/workflows")
                && let Some(def) = resource
                    .node
                    .get_ci("properties")
                    .and_then(|p| p.get_ci("definition"))
                    .filter(|d| d.as_object().is_some())
            {
                let props = resource.node.get_ci("properties").expect("has properties");
                let props_pointer = child(&resource.pointer, "properties");
                let connections = connections_of(props, &props_pointer, true);
                self.add_workflow(def, child(&props_pointer, "definition"), true, connections);
            }
        }
        self.scopes.push(ArmScope {
            pointer,
            root,
            exprs,
            resources,
        });
        for (template, template_pointer) in inner {
            self.add_scope(template, template_pointer);
        }
    }

    fn add_workflow(
        &mut self,
        def: Node<'a>,
        pointer: String,
        in_arm: bool,
        connections: Option<Connections<'a>>,
    ) {
        let mut wf = Workflow {
            pointer: pointer.clone(),
            node: def,
            in_arm,
            connections,
            triggers: Vec::new(),
            actions: Vec::new(),
            exprs: Vec::new(),
            notable: Vec::new(),
            names: NameIndex::default(),
            run_after: Vec::new(),
        };
        let mut groups = 0;
        if let Some(triggers) = def.get_ci("triggers").and_then(Node::as_object) {
            for m in triggers {
                let [kind, inputs] = m.value.get_many_ci(["type", "inputs"]);
                wf.triggers.push(Action::new(
                    m.key,
                    m.key_start,
                    m.value,
                    kind,
                    inputs,
                    None,
                    u32::MAX,
                    1,
                ));
            }
        }
        // Strings: each action's own values (nested actions excluded), collected in the same
        // walk as the actions (one pass over each action's members), then triggers, outputs.
        let mut found: Vec<(Option<usize>, StrAt<'a>)> = Vec::new();
        let mut run_after = Vec::new();
        if let Some(actions) = def.get_ci("actions") {
            // Room for the top-level actions at least (all of them in a flat workflow), so
            // that the vectors are seldom moved while they grow.
            let top = actions.as_object().map_or(0, |m| m.len());
            wf.actions.reserve(top);
            found.reserve(top);
            run_after.reserve(top);
            let mut walk = ActionWalk {
                actions: &mut wf.actions,
                strings: &mut found,
                run_after: &mut run_after,
                groups: &mut groups,
                scratch: Vec::new(),
            };
            walk.collect(actions, None, 1);
        }
        wf.index_names();
        // Each predecessor resolved while the slot of the one a few entries ahead is fetched
        // (as the index is built).
        let entries: Vec<(usize, Member<'a>)> = run_after
            .into_iter()
            .flat_map(|(i, members)| members.iter().map(move |m| (i, m)))
            .collect();
        let hashes: Vec<u64> = entries.iter().map(|(_, m)| wf.names.hash(m.key)).collect();
        wf.run_after.reserve(entries.len());
        for (k, (i, member)) in entries.into_iter().enumerate() {
            if let Some(&ahead) = hashes.get(k + PREFETCH_DISTANCE) {
                wf.names.prefetch(ahead);
            }
            let group = wf.actions[i].group;
            let sibling = wf.find_sibling_hashed(group, member.key, hashes[k]);
            wf.run_after.push(RunAfter {
                action: i,
                member,
                sibling,
            });
        }
        let mut out = Vec::new();
        for trigger in &wf.triggers {
            collect_strings(trigger.node, &[], has_at, &mut out);
            found.extend(out.drain(..).map(|s| (None, s)));
        }
        if let Some(outputs) = def.get_ci("outputs") {
            collect_strings(outputs, &[], has_at, &mut out);
            found.extend(out.drain(..).map(|s| (None, s)));
        }
        wf.exprs.reserve(found.len());
        for (action, mut at) in found {
            if in_arm {
                match arm_expr::classify(at.text) {
                    // ARM computes the value at deployment; its WDL text is unknown here.
                    StringKind::Expression => continue,
                    StringKind::EscapedLiteral => at.text = &at.text[1..],
                    StringKind::Plain => {}
                }
            }
            if Template::is_plain_text(at.text) {
                continue;
            }
            let parsed = Template::parse(at.text);
            if matches!(parsed, Ok(Template::Literal(_))) {
                continue;
            }
            let (parsed, calls) = match parsed {
                Ok(tree) => {
                    let calls = CallKinds::of(&tree, &wf);
                    let kept = WdlExpr::keeps_tree(at.text, calls).then(|| Box::new(tree));
                    (Ok(kept), calls)
                }
                Err(e) => (Err(Box::new(e)), CallKinds::default()),
            };
            if !matches!(parsed, Ok(None)) {
                wf.notable.push(wf.exprs.len() as u32);
            }
            wf.exprs.push(WdlExpr {
                at,
                action,
                parsed,
                calls,
            });
        }
        self.workflows.push(wf);
    }
}

/// Keys of an action that hold nested actions.
fn is_container_key(key: &str) -> bool {
    ["actions", "else", "cases", "default"]
        .iter()
        .any(|k| key.eq_ignore_ascii_case(k))
}

/// The actions of a workflow, in preorder (an action before the actions it holds), the
/// expression strings and the `runAfter` entries of each, tagged with its index: all in one
/// walk.
struct ActionWalk<'w, 'a> {
    actions: &'w mut Vec<Action<'a>>,
    strings: &'w mut Vec<(Option<usize>, StrAt<'a>)>,
    /// Each action's `runAfter` entries (object-valued only), resolved once the names of
    /// every action are known.
    run_after: &'w mut Vec<(usize, Members<'a>)>,
    groups: &'w mut usize,
    /// The strings of the action being read (reused from action to action).
    scratch: Vec<StrAt<'a>>,
}

impl<'a> ActionWalk<'_, 'a> {
    fn collect(&mut self, map: Node<'a>, parent: Option<usize>, depth: usize) {
        let Some(members) = map.as_object() else {
            return;
        };
        let group = *self.groups as u32;
        *self.groups += 1;
        for m in members {
            let index = self.actions.len();
            let node = m.value;
            // Every member an action is read for, in one pass over its members.
            let [kind, inputs, run_after, actions, else_, default, cases] = node.get_many_ci([
                "type", "inputs", "runAfter", "actions", "else", "default", "cases",
            ]);
            self.actions.push(Action::new(
                m.key,
                m.key_start,
                node,
                kind,
                inputs,
                parent,
                group,
                depth,
            ));
            self.own_strings(node, index);
            if let Some(entries) = run_after.and_then(Node::as_object) {
                self.run_after.push((index, entries));
            }
            if let Some(actions) = actions {
                self.collect(actions, Some(index), depth + 1);
            }
            if let Some(actions) = else_.and_then(|e| e.get_ci("actions")) {
                self.collect(actions, Some(index), depth + 1);
            }
            if let Some(actions) = default.and_then(|e| e.get_ci("actions")) {
                self.collect(actions, Some(index), depth + 1);
            }
            if let Some(cases) = cases.and_then(Node::as_object) {
                for case in cases {
                    if let Some(actions) = case.value.get_ci("actions") {
                        self.collect(actions, Some(index), depth + 1);
                    }
                }
            }
        }
    }

    /// The strings of action `index`'s own values (nested actions index their own).
    fn own_strings(&mut self, node: Node<'a>, index: usize) {
        let Some(members) = node.as_object() else {
            return;
        };
        let out = &mut self.scratch;
        for m in members {
            if is_container_key(m.key) {
                // Nested actions index their own strings; keep only the other members of
                // `else` / `default` (there are none in practice).
                let keeps =
                    m.key.eq_ignore_ascii_case("else") || m.key.eq_ignore_ascii_case("default");
                if let (true, Some(obj)) = (keeps, m.value.as_object()) {
                    for inner in obj {
                        if !inner.key.eq_ignore_ascii_case("actions") {
                            collect_strings(inner.value, &[], has_at, out);
                        }
                    }
                }
                continue;
            }
            collect_strings(m.value, &[], has_at, out);
        }
        self.strings.extend(out.drain(..).map(|s| (Some(index), s)));
    }
}

/// `parameters.$connections.value` of a workflow resource's properties (or resource body).
fn connections_of<'a>(props: Node<'a>, pointer: &str, in_arm: bool) -> Option<Connections<'a>> {
    let value = props
        .get_ci("parameters")?
        .get_ci("$connections")?
        .get_ci("value")?;
    let members = value.as_object()?;
    // ARM evaluates property names too: a computed name cannot be known offline.
    if in_arm
        && members
            .iter()
            .any(|m| arm_expr::classify(m.key) == StringKind::Expression)
    {
        return None;
    }
    let names = members.iter().map(|m| {
        if in_arm && arm_expr::classify(m.key) == StringKind::EscapedLiteral {
            &m.key[1..]
        } else {
            m.key
        }
    });
    Some(Connections {
        names: names.collect(),
        pointer: format!("{pointer}/parameters/$connections/value"),
    })
}

fn collect_resources<'a>(
    list: Node<'a>,
    pointer: &str,
    parent_type: &str,
    out: &mut Vec<Resource<'a>>,
    inner: &mut Vec<(Node<'a>, String)>,
) {
    let items: Vec<(String, Option<&'a str>, Node<'a>)> = match list.value() {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, n)| (format!("{pointer}/{i}"), None, n))
            .collect(),
        // languageVersion 2.0: resources keyed by symbolic name.
        Value::Object(members) => members
            .iter()
            .map(|m| (child(pointer, m.key), Some(m.key), m.value))
            .collect(),
        _ => return,
    };
    for (p, symbol, node) in items {
        let own_type = node.str_ci("type").unwrap_or("");
        let full_type = if parent_type.is_empty() || own_type.contains('/') {
            own_type.to_string()
        } else {
            format!("{parent_type}/{own_type}")
        };
        if full_type.eq_ignore_ascii_case("Microsoft.Resources/deployments")
            && let Some(props) = node.get_ci("properties")
            && let Some(template) = props.get_ci("template")
        {
            let scope = props
                .get_ci("expressionEvaluationOptions")
                .and_then(|o| o.str_ci("scope"))
                .unwrap_or("outer");
            let template_pointer = format!("{p}/properties/template");
            if scope.eq_ignore_ascii_case("inner") {
                inner.push((template, template_pointer));
            } else if let Some(nested) = template.get_ci("resources") {
                collect_resources(
                    nested,
                    &format!("{template_pointer}/resources"),
                    "",
                    out,
                    inner,
                );
            }
        }
        if let Some(children) = node.get_ci("resources") {
            collect_resources(children, &format!("{p}/resources"), &full_type, out, inner);
        }
        out.push(Resource {
            pointer: p,
            node,
            full_type,
            name: node.str_ci("name"),
            copy_name: node.get_ci("copy").and_then(|c| c.str_ci("name")),
            symbol,
        });
    }
}

fn is_arm_expression(s: &str) -> bool {
    arm_expr::classify(s) == StringKind::Expression
}

/// May contain a workflow expression.
fn has_at(s: &str) -> bool {
    s.contains('@')
}

/// Every string value under `node` that `keep` accepts, except under the values in `skip`
/// (sorted by offset: each container is looked up in O(log skip)).
fn collect_strings<'a>(
    node: Node<'a>,
    skip: &[usize],
    keep: fn(&str) -> bool,
    out: &mut Vec<StrAt<'a>>,
) {
    match node.value() {
        Value::String(s) if keep(s) => out.push(StrAt {
            offset: node.start(),
            text: s,
        }),
        Value::Array(items) => {
            if skipped(node, skip) {
                return;
            }
            for item in items {
                collect_strings(item, skip, keep, out);
            }
        }
        Value::Object(members) => {
            if skipped(node, skip) {
                return;
            }
            for m in members {
                collect_strings(m.value, skip, keep, out);
            }
        }
        _ => {}
    }
}

/// `node` is one of `skip` (their sorted offsets; values start at distinct offsets).
fn skipped(node: Node, skip: &[usize]) -> bool {
    !skip.is_empty() && skip.binary_search(&node.start()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each kind of call is found at any depth, in any case, next to the others.
    #[test]
    fn call_kinds_of_templates() {
        let text = r#"{"triggers": {"t": {"type": "Request", "kind": "Http"}},
            "actions": {"a": {"type": "Compose", "inputs": 1}}}"#;
        let doc = crate::json::parse(text).unwrap();
        let ctx = Context::new(&doc, Kind::Workflow);
        let kinds = |s: &str| CallKinds::of(&Template::parse(s).unwrap(), &ctx.workflows[0]);
        assert_eq!(kinds("@concat('a', 'b')"), CallKinds::default());
        // An action or trigger that exists (names compared ignoring case), one that does not.
        assert_eq!(kinds("@{BODY('A')}"), CallKinds::default());
        assert_eq!(kinds("@{triggerBody()}@{body('T')}"), CallKinds::default());
        assert_eq!(kinds("@{body(variables('v'))}"), CallKinds::VARIABLES);
        assert_eq!(kinds("@{BODY('x')}"), CallKinds::MISSING_ACTION);
        assert_eq!(kinds("@concat(items('l'), 'b')"), CallKinds::ITEMS);
        assert_eq!(kinds("a @{variables('v')} b"), CallKinds::VARIABLES);
        assert_eq!(
            kinds("@parameters('$connections')['x']"),
            CallKinds::PARAMETERS
        );
        assert_eq!(kinds("@nosuch(1)"), CallKinds::UNKNOWN);
        assert_eq!(kinds("@concat()"), CallKinds::WRONG_ARITY);
        let all = kinds("@{outputs('b')}@{json(toLower(Parameters('p'), 1))}@{x(y())}");
        for kind in [
            CallKinds::MISSING_ACTION,
            CallKinds::PARAMETERS,
            CallKinds::WRONG_ARITY,
            CallKinds::UNKNOWN,
        ] {
            assert!(all.holds(kind), "{kind:?}");
        }
        assert!(!all.holds(CallKinds::ITEMS));
        assert!(!all.holds(CallKinds::VARIABLES));
    }

    /// A tree is kept only where a rule reads it: an expression holding a call of some kind
    /// or longer than WDL017's limit; parse errors are always kept.
    #[test]
    fn trees_kept_only_where_read() {
        let long = format!("@concat('{}')", "x".repeat(9000));
        let text = format!(
            r#"{{"actions": {{
            "a": {{"type": "Compose", "inputs": "@outputs('a')"}},
            "b": {{"type": "Compose", "inputs": "@{{variables('v')}} @{{body('nosuch')}}"}},
            "c": {{"type": "Compose", "inputs": "@concat('a'"}},
            "d": {{"type": "Compose", "inputs": "{long}"}}}}}}"#
        );
        let doc = crate::json::parse(&text).unwrap();
        let ctx = Context::new(&doc, Kind::Workflow);
        let exprs = &ctx.workflows[0].exprs;
        let kept: Vec<_> = exprs
            .iter()
            .map(|e| {
                (
                    e.at.text.len().min(20),
                    e.tree().is_some(),
                    e.parsed.is_err(),
                )
            })
            .collect();
        assert_eq!(
            kept,
            [
                (13, false, false),
                (20, true, false),
                (11, false, true),
                (20, true, false)
            ]
        );
        assert_eq!(
            exprs[1].calls,
            CallKinds(CallKinds::VARIABLES.0 | CallKinds::MISSING_ACTION.0)
        );
        assert!(
            matches!(&exprs[1].parsed, Ok(Some(t)) if matches!(**t, Template::Interpolated(_)))
        );
        assert!(std::mem::size_of::<WdlExpr>() <= 64);
        assert!(std::mem::size_of::<Action>() <= 72);
        let notable: Vec<usize> = ctx.workflows[0]
            .notable()
            .map(|e| e.at.offset - exprs[0].at.offset)
            .collect();
        assert_eq!(notable.len(), 3);
        assert!(notable.iter().all(|&o| o > 0), "the first is not notable");
    }

    /// Every `runAfter` entry of a long chain, and of a nested scope, resolves to its
    /// sibling (lookups run with the slots of later ones fetched ahead), one naming an action
    /// of another scope or none to no sibling; names are found in any case.
    #[test]
    fn run_after_resolved_in_long_chains() {
        let mut actions: Vec<String> = (0..40)
            .map(|i| {
                let after = if i == 0 {
                    String::new()
                } else {
                    format!(r#", "runAfter": {{"A{}": ["Succeeded"]}}"#, i - 1)
                };
                format!(r#""a{i}": {{"type": "Compose", "inputs": 1{after}}}"#)
            })
            .collect();
        actions.push(
            r#""loop": {"type": "Foreach", "foreach": "@range(0, 2)", "actions": {
                "x": {"type": "Compose", "inputs": 1},
                "y": {"type": "Compose", "inputs": 1, "runAfter": {"x": [], "a3": []}}},
                "runAfter": {"a39": [], "nosuch": []}}"#
                .to_string(),
        );
        let text = format!(r#"{{"actions": {{{}}}}}"#, actions.join(","));
        let doc = crate::json::parse(&text).unwrap();
        let ctx = Context::new(&doc, Kind::Workflow);
        let wf = &ctx.workflows[0];
        let resolved: Vec<(&str, &str, Option<&str>)> = wf
            .run_after
            .iter()
            .map(|r| {
                let sibling = r.sibling.map(|s| wf.actions[s].name);
                (wf.actions[r.action].name, r.member.key, sibling)
            })
            .collect();
        assert_eq!(resolved.len(), 39 + 2 + 2);
        for (i, entry) in resolved.iter().take(39).enumerate() {
            let (name, before) = (format!("a{}", i + 1), format!("a{i}"));
            assert_eq!((entry.0, entry.2), (name.as_str(), Some(before.as_str())));
        }
        assert_eq!(
            resolved[39..],
            [
                ("loop", "a39", Some("a39")),
                ("loop", "nosuch", None),
                ("y", "x", Some("x")),
                ("y", "a3", None)
            ]
        );
        assert_eq!(wf.find_action("A17"), Some(17));
        assert_eq!(wf.find_action("Y"), Some(42));
        assert_eq!(wf.find_action("z"), None);
    }

    /// Names equal ignoring ASCII case hash alike at every length (whole words and the
    /// remainder), and are found in an index whatever their case.
    #[test]
    fn ci_name_hashes_ignoring_ascii_case() {
        let state = foldhash::fast::RandomState::default();
        let upper = "SEND_EMAIL-TO_OWNER.V2@[X]";
        let lower = upper.to_ascii_lowercase();
        for len in 0..=upper.len() {
            let (a, b) = (CiName(&upper[..len]), CiName(&lower[..len]));
            assert_eq!(a, b);
            assert_eq!(state.hash_one(a), state.hash_one(b), "length {len}");
        }
        let mut index: FastMap<CiName, usize> = FastMap::default();
        index.insert(CiName("Compose_Owner"), 1);
        assert_eq!(index.get(&CiName("compose_OWNER")), Some(&1));
        // Bytes that share a hash (bit 5) are still different names.
        index.insert(CiName("a@b"), 2);
        assert_eq!(state.hash_one(CiName("a@b")), state.hash_one(CiName("a`b")));
        assert_eq!(index.get(&CiName("A@B")), Some(&2));
        assert_eq!(index.get(&CiName("a`b")), None);
    }
}
