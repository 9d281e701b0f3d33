//! Proof without the Bicep CLI: every generated `.bicep`/`.bicepparam` of the examples
//! parses with the independent tree-sitter Bicep grammar without ERROR or MISSING nodes, and
//! what it deploys matches the ARM template. The parse tree is read back to JSON by a
//! converter written here, independent of soarc's printer.

use crate::common;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tree_sitter::{Node, Parser, Tree};

fn parse(text: &str) -> Tree {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_bicep::LANGUAGE.into())
        .expect("grammar loads");
    parser.parse(text, None).expect("parser returns a tree")
}

/// Every ERROR or MISSING node, with its position and text.
fn problems(tree: &Tree, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            let start = node.start_position();
            out.push(format!(
                "{} at {}:{}: {:?}",
                node.kind(),
                start.row + 1,
                start.column + 1,
                &text[node.byte_range()]
            ));
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    out
}

fn built_files() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for spec in common::examples() {
        out.extend(common::build_example(&spec).files.files);
    }
    out
}

/// Single-quoted Bicep string to its value, per the Bicep docs; interpolations are not
/// literals and are refused.
fn unescape(literal: &str) -> Option<String> {
    let inner = literal.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                '\\' => out.push('\\'),
                '\'' => out.push('\''),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                '$' => out.push('$'),
                'u' => {
                    if chars.next()? != '{' {
                        return None;
                    }
                    let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                _ => return None,
            },
            '$' if chars.peek() == Some(&'{') => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// A parsed Bicep expression as JSON; anything that is not a literal becomes
/// `{"$expr": "<source text>"}`.
fn to_json(node: Node, src: &str) -> Value {
    let text = &src[node.byte_range()];
    let mut cursor = node.walk();
    match node.kind() {
        "object" => {
            let mut map = serde_json::Map::new();
            for property in node
                .named_children(&mut cursor)
                .filter(|n| n.kind() == "object_property")
            {
                let mut c = property.walk();
                let parts: Vec<Node> = property.named_children(&mut c).collect();
                let [key, value] = parts.as_slice() else {
                    panic!("property {:?}", &src[property.byte_range()]);
                };
                let key_text = &src[key.byte_range()];
                let key = if key.kind() == "string" {
                    unescape(key_text).expect("literal key")
                } else {
                    key_text.to_string()
                };
                map.insert(key, to_json(*value, src));
            }
            Value::Object(map)
        }
        // tree-sitter-bicep 1.1 reads a call inside a multi-line array as two items, the
        // function name and a parenthesized expression: join them again.
        "array" => {
            let mut items: Vec<Value> = Vec::new();
            let mut previous: Option<Node> = None;
            for child in node.named_children(&mut cursor) {
                match previous {
                    Some(callee)
                        if callee.kind() == "identifier"
                            && child.start_byte() == callee.end_byte()
                            && src[child.byte_range()].starts_with('(') =>
                    {
                        items.pop();
                        let whole = &src[callee.start_byte()..child.end_byte()];
                        items.push(json!({ "$expr": whole }));
                    }
                    _ => items.push(to_json(child, src)),
                }
                previous = Some(child);
            }
            Value::Array(items)
        }
        "string" => unescape(text)
            .map(Value::String)
            .unwrap_or_else(|| json!({ "$expr": text })),
        "number" => json!(text.parse::<i64>().unwrap()),
        "boolean" => json!(text == "true"),
        "null" => Value::Null,
        _ => json!({ "$expr": text }),
    }
}

/// Named declarations of a file: (keyword, symbol, target text, body node).
fn declarations<'t>(tree: &'t Tree, src: &str) -> Vec<(String, String, String, Node<'t>)> {
    let mut out = Vec::new();
    let root = tree.root_node();
    let mut cursor = root.walk();
    for node in root.named_children(&mut cursor) {
        if matches!(node.kind(), "resource_declaration" | "module_declaration") {
            let mut c = node.walk();
            let children: Vec<Node> = node.named_children(&mut c).collect();
            let mut body = *children.last().unwrap();
            // `= if (condition) { ... }`: the object after the condition.
            if body.kind() == "if_statement" {
                let mut c = body.walk();
                body = body.named_children(&mut c).last().unwrap();
            }
            out.push((
                node.kind().to_string(),
                src[children[0].byte_range()].to_string(),
                unescape(&src[children[1].byte_range()]).unwrap(),
                body,
            ));
        }
    }
    out
}

/// Undo ARM's `[[` escape on every string and key of a JSON value.
fn unescape_arm(value: &Value) -> Value {
    let s = |s: &str| {
        if s.starts_with("[[") && s.ends_with(']') {
            s[1..].to_string()
        } else {
            s.to_string()
        }
    };
    match value {
        Value::String(v) => Value::String(s(v)),
        Value::Array(items) => Value::Array(items.iter().map(unescape_arm).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (s(k), unescape_arm(v))).collect())
        }
        other => other.clone(),
    }
}

#[test]
fn every_bicep_file_parses_without_errors() {
    let files = built_files();
    let bicep: Vec<_> = files
        .iter()
        .filter(|(p, _)| {
            p.extension()
                .is_some_and(|e| e == "bicep" || e == "bicepparam")
        })
        .collect();
    assert!(
        bicep.len() >= 3,
        "main.bicep, a module and main.bicepparam per playbook"
    );
    for (path, text) in bicep {
        if path.extension().is_some_and(|e| e == "bicepparam") {
            // tree-sitter-bicep 1.1 parses `using`, but its `param` rule always wants a type,
            // so `.bicepparam` assignments (`param x = value`) are not in its grammar. Check
            // them as what they are, a name bound to an expression: `var x = value` has the
            // same expression grammar. Every assigned name must be a `param` of main.bicep.
            let rewritten = text.replace("\nparam ", "\nvar ");
            let tree = parse(&rewritten);
            assert_eq!(
                problems(&tree, &rewritten),
                Vec::<String>::new(),
                "{}",
                path.display()
            );
            let root = tree.root_node();
            let mut cursor = root.walk();
            let first = root
                .named_children(&mut cursor)
                .find(|n| n.kind() != "comment")
                .unwrap();
            assert_eq!(first.kind(), "using_statement", "{}", path.display());
            let main = &files
                .iter()
                .find(|(p, _)| p == &path.with_file_name("main.bicep"))
                .unwrap()
                .1;
            for line in text.lines().filter_map(|l| l.strip_prefix("param ")) {
                let name = line.split(' ').next().unwrap();
                assert!(
                    main.contains(&format!("\nparam {name} ")),
                    "{name} is not a param of main.bicep"
                );
            }
        } else {
            let tree = parse(text);
            assert_eq!(
                problems(&tree, text),
                Vec::<String>::new(),
                "{}",
                path.display()
            );
        }
    }
}

#[test]
fn bicep_deploys_what_arm_deploys() {
    let files = built_files();
    for (path, text) in files
        .iter()
        .filter(|(p, _)| p.starts_with("playbooks") && p.ends_with("main.bicep"))
    {
        let dir = path.parent().unwrap();
        let get = |name: &str| -> &String {
            &files.iter().find(|(p, _)| p == &dir.join(name)).unwrap().1
        };
        let arm: Value = serde_json::from_str(get("azuredeploy.json")).unwrap();
        let tree = parse(text);
        let decls = declarations(&tree, text);
        let arm_resources = arm["resources"].as_array().unwrap();
        if path.starts_with("monitoring") {
            monitoring_matches(&arm, &decls, text);
            continue;
        }

        // The workflow: identity, and the definition loaded from workflow.json, which equals
        // the ARM template's definition once ARM's `[[` escapes are undone.
        let workflow_arm = arm_resources
            .iter()
            .find(|r| r["type"] == "Microsoft.Logic/workflows")
            .unwrap();
        let (_, _, _, workflow) = decls
            .iter()
            .find(|(_, _, target, _)| target.starts_with("Microsoft.Logic/workflows@"))
            .unwrap();
        let workflow = to_json(*workflow, text);
        assert_eq!(workflow["identity"], workflow_arm["identity"]);
        assert_eq!(
            workflow["properties"]["definition"],
            json!({"$expr": "loadJsonContent('workflow.json')"})
        );
        let definition: Value = serde_json::from_str(get("workflow.json")).unwrap();
        assert_eq!(
            definition,
            unescape_arm(&workflow_arm["properties"]["definition"])
        );
        let connection_keys = |w: &Value| {
            w["properties"]["parameters"]["$connections"]["value"]
                .as_object()
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
        };
        assert_eq!(connection_keys(&workflow), connection_keys(workflow_arm));

        // Connections: same count, managed API, parameter value names and literals.
        let connections: Vec<_> = decls
            .iter()
            .filter(|(_, _, target, _)| target.starts_with("Microsoft.Web/connections@"))
            .map(|(_, _, _, body)| to_json(*body, text))
            .collect();
        let arm_connections: Vec<_> = arm_resources
            .iter()
            .filter(|r| r["type"] == "Microsoft.Web/connections")
            .collect();
        assert_eq!(connections.len(), arm_connections.len());
        for (bicep, arm) in connections.iter().zip(arm_connections) {
            let bicep_api = bicep["properties"]["api"]["id"]["$expr"].as_str().unwrap();
            let arm_api = arm["properties"]["api"]["id"].as_str().unwrap();
            let api_name = arm_api.rsplit_once(", ").unwrap().1.trim_end_matches(")]");
            assert!(
                bicep_api
                    .starts_with("subscriptionResourceId('Microsoft.Web/locations/managedApis'")
            );
            assert!(
                bicep_api.ends_with(&format!(", {api_name})")),
                "{bicep_api} vs {arm_api}"
            );
            assert_eq!(
                bicep["properties"]["parameterValueType"],
                arm["properties"]["parameterValueType"]
            );
            // Managed-identity Key Vault connections name their vault.
            assert_eq!(
                bicep["properties"]["alternativeParameterValues"]
                    .as_object()
                    .map(|m| m.keys().cloned().collect::<Vec<_>>()),
                arm["properties"]["alternativeParameterValues"]
                    .as_object()
                    .map(|m| m.keys().cloned().collect::<Vec<_>>())
            );
            let keys = |v: &Value| {
                v["properties"]["parameterValues"]
                    .as_object()
                    .map(|m| m.keys().cloned().collect::<Vec<_>>())
            };
            assert_eq!(keys(bicep), keys(arm));
            for (key, value) in arm["properties"]["parameterValues"]
                .as_object()
                .into_iter()
                .flatten()
            {
                if !value.as_str().unwrap().starts_with('[') {
                    assert_eq!(&bicep["properties"]["parameterValues"][key], value);
                }
            }
        }

        // Diagnostic settings: an extension resource on the workflow, same name, logs,
        // metrics and workspace.
        let settings: Vec<_> = decls
            .iter()
            .filter(|(_, _, target, _)| {
                target.starts_with("Microsoft.Insights/diagnosticSettings@")
            })
            .map(|(_, _, _, body)| to_json(*body, text))
            .collect();
        let arm_settings: Vec<_> = arm_resources
            .iter()
            .filter(|r| r["type"] == "Microsoft.Insights/diagnosticSettings")
            .collect();
        assert_eq!(settings.len(), arm_settings.len(), "{}", path.display());
        for (bicep, arm) in settings.iter().zip(arm_settings) {
            assert_eq!(bicep["name"], arm["name"]);
            assert_eq!(
                arm["scope"],
                "[format('Microsoft.Logic/workflows/{0}', parameters('PlaybookName'))]"
            );
            assert_eq!(bicep["scope"], json!({"$expr": "playbook"}));
            assert_eq!(bicep["properties"]["logs"], arm["properties"]["logs"]);
            assert_eq!(bicep["properties"]["metrics"], arm["properties"]["metrics"]);
            assert_eq!(
                format!(
                    "[{}]",
                    bicep["properties"]["workspaceId"]["$expr"]
                        .as_str()
                        .unwrap()
                ),
                arm["properties"]["workspaceId"]
                    .as_str()
                    .unwrap()
                    .replace(
                        "parameters('WorkspaceResourceGroup')",
                        "WorkspaceResourceGroup"
                    )
                    .replace("parameters('WorkspaceName')", "WorkspaceName")
            );
            assert!(
                arm["properties"]
                    .get("logAnalyticsDestinationType")
                    .is_none()
            );
        }

        // Each role assignment, in its module, in the order of the ARM nested deployments:
        // resource group, role definition, principal type, scope (Sentinel Responder on the
        // workspace; Key Vault Secrets User on each vault the playbook reads at run time).
        let modules: Vec<_> = decls
            .iter()
            .filter(|(kind, ..)| kind == "module_declaration")
            .collect();
        let deployments: Vec<&Value> = arm_resources
            .iter()
            .filter(|r| r["type"] == "Microsoft.Resources/deployments")
            .collect();
        assert_eq!(modules.len(), deployments.len(), "{}", path.display());
        for ((_, _, module_path, module), deployment) in modules.into_iter().zip(deployments) {
            let module = to_json(*module, text);
            let group = deployment["resourceGroup"].as_str().unwrap();
            let group = group
                .strip_prefix("[parameters('")
                .and_then(|g| g.strip_suffix("')]"))
                .unwrap();
            assert_eq!(
                module["scope"],
                json!({"$expr": format!("resourceGroup({group})")})
            );
            assert_eq!(
                module["params"]["principalId"],
                json!({"$expr": "playbook.identity.principalId"})
            );
            let module_text = get(module_path);
            let module_tree = parse(module_text);
            let inner_arm = &deployment["properties"]["template"]["resources"][0];
            let module_decls = declarations(&module_tree, module_text);
            let (_, _, _, assignment) = module_decls
                .iter()
                .find(|(_, _, target, _)| {
                    target.starts_with("Microsoft.Authorization/roleAssignments@")
                })
                .unwrap();
            let assignment = to_json(*assignment, module_text);
            let role = inner_arm["properties"]["roleDefinitionId"]
                .as_str()
                .unwrap();
            assert_eq!(
                format!(
                    "[{}]",
                    assignment["properties"]["roleDefinitionId"]["$expr"]
                        .as_str()
                        .unwrap()
                ),
                role
            );
            assert_eq!(
                assignment["properties"]["principalType"],
                inner_arm["properties"]["principalType"]
            );
            let scope = inner_arm["scope"].as_str().unwrap();
            let (symbol, kind) = if scope.contains("Microsoft.KeyVault/vaults") {
                ("vault", "Microsoft.KeyVault/vaults")
            } else {
                ("workspace", "Microsoft.OperationalInsights/workspaces")
            };
            assert_eq!(assignment["scope"], json!({"$expr": symbol}));
            assert!(
                module_text.contains(&format!("resource {symbol} '{kind}@")),
                "{module_text}"
            );
        }
    }
}

/// ARM JSON and the Bicep parse tree's JSON agree: literals equal (ARM's `[[` escape
/// undone), ARM expressions are Bicep expressions.
fn same_value(arm: &Value, bicep: &Value, at: &str) {
    match (arm, bicep) {
        (Value::String(a), _) if a.starts_with('[') && !a.starts_with("[[") => {
            assert!(bicep.get("$expr").is_some(), "{at}: {a} vs {bicep}");
        }
        (Value::String(a), Value::String(b)) => {
            assert_eq!(
                a.strip_prefix('[')
                    .filter(|r| r.starts_with('['))
                    .unwrap_or(a),
                b,
                "{at}"
            );
        }
        (Value::Object(a), Value::Object(b)) => {
            assert_eq!(
                a.keys().collect::<Vec<_>>(),
                b.keys().collect::<Vec<_>>(),
                "{at}"
            );
            for (key, value) in a {
                same_value(value, &b[key], &format!("{at}/{key}"));
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{at}: {bicep}");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                same_value(x, y, &format!("{at}/{i}"));
            }
        }
        _ => assert_eq!(arm, bicep, "{at}"),
    }
}

/// `monitoring/main.bicep` declares the resources of `monitoring/azuredeploy.json`, in order,
/// with the same type, API version, name, kind, location and properties (the workbook's
/// `serializedData` literally equal).
fn monitoring_matches(arm: &Value, decls: &[(String, String, String, Node)], text: &str) {
    let resources = arm["resources"].as_array().unwrap();
    let bicep: Vec<_> = decls
        .iter()
        .filter(|(kind, ..)| kind == "resource_declaration")
        .collect();
    assert_eq!(bicep.len(), resources.len());
    assert!(!resources.is_empty());
    for (resource, (_, symbol, target, body)) in resources.iter().zip(bicep) {
        let kind = resource["type"].as_str().unwrap();
        assert_eq!(
            target,
            &format!("{kind}@{}", resource["apiVersion"].as_str().unwrap()),
            "{symbol}"
        );
        let body = to_json(*body, text);
        for key in ["name", "kind", "location", "properties"] {
            if let Some(value) = resource.get(key) {
                same_value(value, &body[key], &format!("{symbol}/{key}"));
            }
        }
        if kind == "Microsoft.Insights/workbooks" {
            let data: Value =
                serde_json::from_str(body["properties"]["serializedData"].as_str().unwrap())
                    .unwrap();
            assert_eq!(data["version"], "Notebook/1.0");
        }
    }
}

/// The printer on real content: each workflow definition printed as an inline Bicep object
/// literal parses cleanly and converts back to the same JSON.
#[test]
fn definitions_survive_as_bicep_literals() {
    for (path, text) in built_files()
        .iter()
        .filter(|(p, _)| p.ends_with("workflow.json"))
    {
        let definition: Value = serde_json::from_str(text).unwrap();
        let source = format!(
            "var definition = {}\n",
            soarc_compiler::emit::bicep::value::from_json(&definition).print(0)
        );
        let tree = parse(&source);
        assert_eq!(
            problems(&tree, &source),
            Vec::<String>::new(),
            "{}",
            path.display()
        );
        let declaration = tree.root_node().named_child(0).unwrap();
        let literal = declaration.named_child(1).unwrap();
        assert_eq!(to_json(literal, &source), definition, "{}", path.display());
    }
}

#[test]
fn bicepparam_uses_key_vault_for_secrets() {
    let files = built_files();
    for (path, text) in files.iter().filter(|(p, _)| p.ends_with("main.bicepparam")) {
        let arm_params = &files
            .iter()
            .find(|(p, _)| p == &path.with_file_name("azuredeploy.parameters.json"))
            .unwrap()
            .1;
        let arm_params: Value = serde_json::from_str(arm_params).unwrap();
        for (name, value) in arm_params["parameters"].as_object().unwrap() {
            if let Some(reference) = value.get("reference") {
                let id = reference["keyVault"]["id"].as_str().unwrap();
                let parts: Vec<&str> = id.split('/').collect();
                let expected = format!(
                    "param {name} = getSecret('{}', '{}', '{}', {})",
                    parts[2],
                    parts[4],
                    parts[8],
                    reference["secretName"].to_string().replace('"', "'")
                );
                assert!(text.contains(&expected), "{expected} in\n{text}");
            } else {
                assert!(
                    text.contains(&format!("param {name} = ")),
                    "{name} in\n{text}"
                );
            }
        }
    }
}

/// The parse check is not vacuous: broken Bicep is reported.
#[test]
fn the_parse_check_catches_broken_bicep() {
    for broken in [
        "param x string = 'it's'",
        "var x = {\n  a: 'b'\n",
        "resource r 'T@v' = {\n  name: 'a' 'b'\n}",
    ] {
        assert!(!problems(&parse(broken), broken).is_empty(), "{broken}");
    }
}

/// `{"$expr": ...}` (Bicep) and `"[...]"` (ARM) both become `"<expr>"`; ARM's `[[` is undone.
fn without_expressions(value: &Value) -> Value {
    match value {
        Value::Object(map) if map.len() == 1 && map.contains_key("$expr") => json!("<expr>"),
        Value::String(s) if s.starts_with('[') && !s.starts_with("[[") && s.ends_with(']') => {
            json!("<expr>")
        }
        Value::Array(items) => Value::Array(items.iter().map(without_expressions).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), without_expressions(v)))
                .collect(),
        ),
        other => unescape_arm(other),
    }
}

#[test]
fn automation_rules_bicep_deploys_what_arm_deploys() {
    let files = built_files();
    let get = |path: &str| -> &String {
        &files
            .iter()
            .find(|(p, _)| p == Path::new(path))
            .unwrap_or_else(|| panic!("{path} not built"))
            .1
    };
    let arm: Value = serde_json::from_str(get("automation-rules/azuredeploy.json")).unwrap();
    let deployment = arm["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "soarc-automation-rules")
        .unwrap();
    let arm_rules = deployment["properties"]["template"]["resources"]
        .as_array()
        .unwrap();

    let main = get("automation-rules/main.bicep");
    let main_tree = parse(main);
    let modules: Vec<Value> = declarations(&main_tree, main)
        .iter()
        .filter(|(kind, ..)| kind == "module_declaration")
        .map(|(_, _, _, body)| to_json(*body, main))
        .collect();
    assert_eq!(modules.len(), 2, "role module and rules module");
    assert_eq!(
        modules[0]["scope"],
        json!({"$expr": "resourceGroup(PlaybooksResourceGroup)"})
    );
    assert_eq!(
        modules[1]["scope"],
        json!({"$expr": "resourceGroup(WorkspaceResourceGroup)"})
    );
    assert_eq!(
        modules[1]["dependsOn"],
        json!([{"$expr": "soarcAutomationRulesRole"}])
    );

    let text = get("automation-rules/modules/soarc-automation-rules.bicep");
    let tree = parse(text);
    let rules: Vec<Value> = declarations(&tree, text)
        .iter()
        .filter(|(_, _, target, _)| {
            target.starts_with("Microsoft.SecurityInsights/automationRules@2025-09-01")
        })
        .map(|(_, _, _, body)| to_json(*body, text))
        .collect();
    assert_eq!(rules.len(), arm_rules.len());
    for (bicep, arm) in rules.iter().zip(arm_rules) {
        assert_eq!(bicep["name"], arm["name"]);
        assert_eq!(bicep["scope"], json!({"$expr": "workspace"}));
        assert_eq!(
            without_expressions(&bicep["properties"]),
            without_expressions(&arm["properties"])
        );
    }
    let first_action = &rules[0]["properties"]["actions"][0]["actionConfiguration"];
    assert_eq!(
        first_action["logicAppResourceId"],
        json!({"$expr": "resourceId(playbooksResourceGroup, 'Microsoft.Logic/workflows', 'snow-create-incident')"})
    );
    assert_eq!(
        first_action["tenantId"],
        json!({"$expr": "subscription().tenantId"})
    );
}
