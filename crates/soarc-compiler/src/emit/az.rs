//! `automation-rules/az-commands.sh`: the rules of the ARM template as `az rest --method put`
//! calls on the automation rules' REST API (templates/automation-rules.az.sh.hbs). Not
//! `az sentinel automation-rule create`: that extension takes its own shapes of triggering
//! logic and actions, and lacks Boolean conditions and AddIncidentTask.
//!
//! Each `--body` is `{"properties": ...}` of the same typed rule as the template. ARM expressions in
//! them become shell variables: `resourceId(parameters('playbooksResourceGroup'),
//! 'Microsoft.Logic/workflows', 'x')` → `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/
//! ${PLAYBOOKS_RESOURCE_GROUP}/providers/Microsoft.Logic/workflows/x`, `subscription().tenantId`
//! → `${TENANT_ID}`. Every other string is literal JSON inside single quotes, so quotes,
//! `$` and backticks in the spec reach Azure unchanged.

use std::sync::OnceLock;

use handlebars::Handlebars;
use serde::Serialize;
use serde_json::Value;

use crate::emit::arm::automation::{
    AUTOMATION_CONTRIBUTOR_ROLE, CompiledRule, SECURITY_INSIGHTS_APP_ID, Target,
};
use soarc_lang::arm::ArmString;
use soarc_lang::arm::expr::Expr;

/// A shell word built from literal text and variable expansions.
#[derive(Debug, Default)]
struct Word {
    parts: Vec<Part>,
}

#[derive(Debug)]
enum Part {
    Text(String),
    Var(&'static str),
}

impl Word {
    fn text(&mut self, s: &str) {
        match self.parts.last_mut() {
            Some(Part::Text(t)) => t.push_str(s),
            _ => self.parts.push(Part::Text(s.to_string())),
        }
    }

    fn var(&mut self, name: &'static str) {
        self.parts.push(Part::Var(name));
    }

    /// `'text'"${VAR}"'text'`
    fn print(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(&single_quote(t)),
                Part::Var(v) => out.push_str(&format!("\"${{{v}}}\"")),
            }
        }
        if out.is_empty() {
            out.push_str("''");
        }
        out
    }
}

/// `it's` → `'it'\''s'`: the one quoting in which nothing but `'` is special.
pub fn single_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A JSON value (as serialized for ARM) as one shell word of compact JSON.
fn json_word(value: &Value, word: &mut Word) -> Result<(), String> {
    match value {
        Value::String(s) => match ArmString::parse(s).map_err(|e| format!("{s}: {e:?}"))? {
            ArmString::Literal(text) => {
                word.text(&serde_json::to_string(&text).expect("strings serialize"))
            }
            ArmString::Expr(e) => {
                word.text("\"");
                expression(&e, word)?;
                word.text("\"");
            }
        },
        Value::Array(items) => {
            word.text("[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    word.text(",");
                }
                json_word(item, word)?;
            }
            word.text("]");
        }
        Value::Object(map) => {
            word.text("{");
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    word.text(",");
                }
                word.text(&serde_json::to_string(key).expect("strings serialize"));
                word.text(":");
                json_word(item, word)?;
            }
            word.text("}");
        }
        other => word.text(&other.to_string()),
    }
    Ok(())
}

/// The ARM expressions automation rules use, as text inside a JSON string.
fn expression(e: &Expr, word: &mut Word) -> Result<(), String> {
    let inner = |s: &str| {
        let quoted = serde_json::to_string(s).expect("strings serialize");
        quoted[1..quoted.len() - 1].to_string()
    };
    if *e == crate::emit::arm::automation::tenant_id() {
        word.var("TENANT_ID");
        return Ok(());
    }
    if let Expr::Call { name, args } = e
        && name == "resourceId"
        && let [group, Expr::Str(kind), Expr::Str(playbook)] = args.as_slice()
        && *group == Expr::parameters("playbooksResourceGroup")
    {
        word.text("/subscriptions/");
        word.var("SUBSCRIPTION_ID");
        word.text("/resourceGroups/");
        word.var("PLAYBOOKS_RESOURCE_GROUP");
        word.text(&inner(&format!("/providers/{kind}/{playbook}")));
        return Ok(());
    }
    Err(format!("no CLI form for the ARM expression {e}"))
}

#[derive(Serialize)]
struct Script {
    workspace_name: String,
    workspace_resource_group: String,
    playbooks_resource_group: String,
    runs_spec_playbooks: bool,
    security_insights_object_id: String,
    grant_playbook_runner_role: bool,
    api_version: &'static str,
    role: &'static str,
    rules: Vec<RuleCall>,
}

#[derive(Serialize)]
struct RuleCall {
    comment: String,
    /// The rule's GUID (safe inside double quotes).
    id: String,
    /// `{"properties": ...}` as one shell word.
    body: String,
}

/// `VAR=${VAR:-'default'}`, or a clear failure when there is no default.
fn setting(variable: &str, default: &Option<String>, what: &str) -> String {
    match default {
        Some(value) => format!("${{{variable}:-{}}}", single_quote(value)),
        None => format!("${{{variable}:?set {variable} to {what}}}"),
    }
}

fn registry() -> &'static Handlebars<'static> {
    static REGISTRY: OnceLock<Handlebars<'static>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        hb.register_template_string(
            "az",
            include_str!("../../../../templates/automation-rules.az.sh.hbs"),
        )
        .expect("the az template is valid");
        hb
    })
}

/// The script, or why it cannot be written (a soarc bug).
pub fn script(
    rules: &[CompiledRule],
    target: &Target,
    runs_spec_playbooks: bool,
) -> Result<String, String> {
    let mut calls = Vec::new();
    for rule in rules {
        let to_word = |value: Value| -> Result<String, String> {
            let mut word = Word::default();
            json_word(&value, &mut word)?;
            Ok(word.print())
        };
        if uuid::Uuid::parse_str(&rule.id).is_err() {
            return Err(format!("rule id {} is not a GUID", rule.id));
        }
        let properties = serde_json::to_value(&rule.properties).map_err(|e| e.to_string())?;
        calls.push(RuleCall {
            comment: rule
                .name
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect(),
            id: rule.id.clone(),
            body: to_word(serde_json::json!({ "properties": properties }))?,
        });
    }
    let script = Script {
        workspace_name: setting(
            "WORKSPACE_NAME",
            &target.workspace_name,
            "the Sentinel workspace name",
        ),
        workspace_resource_group: setting(
            "WORKSPACE_RESOURCE_GROUP",
            &target
                .workspace_resource_group
                .clone()
                .or(target.playbooks_resource_group.clone()),
            "the workspace's resource group",
        ),
        playbooks_resource_group: setting(
            "PLAYBOOKS_RESOURCE_GROUP",
            &target.playbooks_resource_group,
            "the playbooks' resource group",
        ),
        runs_spec_playbooks,
        security_insights_object_id: match &target.security_insights_object_id {
            Some(id) => format!("${{SECURITY_INSIGHTS_OBJECT_ID:-{}}}", single_quote(id)),
            None => format!(
                "${{SECURITY_INSIGHTS_OBJECT_ID:-$(az ad sp show --id {SECURITY_INSIGHTS_APP_ID} --query id --output tsv)}}"
            ),
        },
        grant_playbook_runner_role: target.grant_playbook_runner_role.unwrap_or(true),
        api_version: crate::emit::arm::automation::AUTOMATION_RULES_API_VERSION,
        role: AUTOMATION_CONTRIBUTOR_ROLE,
        rules: calls,
    };
    registry().render("az", &script).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_quoting() {
        assert_eq!(single_quote("a b"), "'a b'");
        assert_eq!(single_quote("it's"), r"'it'\''s'");
        assert_eq!(single_quote("$HOME `x`"), "'$HOME `x`'");
    }

    #[test]
    fn expressions_become_variables() {
        let value = serde_json::json!({
            "id": ArmString::Expr(crate::emit::arm::automation::logic_app_id("playbooksResourceGroup", "p1")),
            "tenant": ArmString::Expr(crate::emit::arm::automation::tenant_id()),
            "text": ArmString::Literal("[x] it's".into()),
        });
        let mut word = Word::default();
        json_word(&value, &mut word).unwrap();
        assert_eq!(
            word.print(),
            r#"'{"id":"/subscriptions/'"${SUBSCRIPTION_ID}"'/resourceGroups/'"${PLAYBOOKS_RESOURCE_GROUP}"'/providers/Microsoft.Logic/workflows/p1","tenant":"'"${TENANT_ID}"'","text":"[x] it'\''s"}'"#
        );
    }
}
