//! WDL010: actions wait for each other in a cycle.

use super::{Rule, Severity};
use crate::{Context, Sink};

pub static RULE: Rule = Rule {
    code: "WDL010",
    title: "runAfter forms a cycle",
    severity: Severity::Error,
    doc: "Following `runAfter` from an action leads back to it (including an action that runs \
          after itself), so none of the actions in the cycle could ever start. Logic Apps \
          rejects the workflow. Reported once per cycle, at its first action.",
    check,
};

/// At most this many actions are named in a cycle's message (the rest are elided), so the
/// output stays linear in the number of actions.
const MAX_NAMED: usize = 12;

fn check(ctx: &Context, sink: &mut Sink) {
    for wf in &ctx.workflows {
        let n = wf.actions.len();

        // Edges to sibling predecessors only (WDL008 reports the others), as one flat list:
        // the edges of action i are targets[first[i]..first[i + 1]] (entries come in action
        // order).
        let mut first = vec![0usize; n + 1];
        let mut targets = Vec::with_capacity(wf.run_after.len());
        for entry in &wf.run_after {
            if let Some(to) = entry.sibling {
                first[entry.action + 1] += 1;
                targets.push(to);
            }
        }
        for i in 0..n {
            first[i + 1] += first[i];
        }
        let edges = |node: usize| &targets[first[node]..first[node + 1]];
        // Iterative DFS with colours: 0 new, 1 on stack, 2 done.
        let mut colour = vec![0u8; n];
        // Where each action on the DFS stack sits in it.
        let mut depth_of = vec![0usize; n];
        // One stack for every start (a vector per action would be one allocation each).
        let mut stack: Vec<(usize, usize)> = Vec::new();
        for start in 0..n {
            if colour[start] != 0 {
                continue;
            }
            stack.clear();
            stack.push((start, 0));
            colour[start] = 1;
            depth_of[start] = 0;
            while let Some((node, next)) = stack.pop() {
                if next < edges(node).len() {
                    stack.push((node, next + 1));
                    let to = edges(node)[next];
                    match colour[to] {
                        0 => {
                            colour[to] = 1;
                            depth_of[to] = stack.len();
                            stack.push((to, 0));
                        }
                        1 => {
                            let at = depth_of[to];
                            let on_cycle = &stack[at..];
                            let mut cycle: Vec<&str> = on_cycle
                                .iter()
                                .take(MAX_NAMED)
                                .map(|(s, _)| wf.actions[*s].name)
                                .collect();
                            if on_cycle.len() > MAX_NAMED {
                                cycle.push("…");
                            }
                            let first = &wf.actions[to];
                            sink.report(
                                &format!("{}/runAfter", ctx.pointer(first.node)),
                                first.key_offset as usize,
                                format!("runAfter cycle: {} -> {}", cycle.join(" -> "), first.name),
                            );
                        }
                        _ => {}
                    }
                } else {
                    colour[node] = 2;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{expect, run, workflow};

    #[test]
    fn fails_on_cycle() {
        let t = workflow(
            r#"{"a": {"type": "Compose", "inputs": 1, "runAfter": {"c": ["Succeeded"]}},
                "b": {"type": "Compose", "inputs": 1, "runAfter": {"a": ["Succeeded"]}},
                "c": {"type": "Compose", "inputs": 1, "runAfter": {"b": ["Succeeded"]}},
                "d": {"type": "Compose", "inputs": 1, "runAfter": {"d": ["Succeeded"]}}}"#,
        );
        assert_eq!(
            expect(
                "WDL010",
                &t,
                &[
                    ("/actions/a/runAfter", "runAfter cycle: a -> c -> b -> a"),
                    ("/actions/d/runAfter", "runAfter cycle: d -> d")
                ]
            )
            .len(),
            2
        );
    }

    #[test]
    fn passes_on_diamond() {
        let t = workflow(
            r#"{"a": {"type": "Compose", "inputs": 1},
                "b": {"type": "Compose", "inputs": 1, "runAfter": {"a": ["Succeeded"]}},
                "c": {"type": "Compose", "inputs": 1, "runAfter": {"a": ["Succeeded"]}},
                "d": {"type": "Compose", "inputs": 1, "runAfter": {"b": ["Succeeded"], "c": ["Failed"]}}}"#,
        );
        assert!(run("WDL010", &t).is_empty());
    }
}
