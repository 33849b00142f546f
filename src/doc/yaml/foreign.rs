//! YAML written for another tool — an Ansible playbook, a GitHub Actions workflow, a
//! Kubernetes manifest, an Argo Rollout, a Rundeck job — named for what it is.

use super::node::{Node, Value};

/// What the document is, when it is another tool's YAML.
pub fn recognise(root: &Node) -> Option<String> {
    match &root.value {
        Value::Map(entries) => mapping(entries),
        Value::Seq(items) => {
            let first = items.first()?;
            let Value::Map(entries) = &first.value else {
                return None;
            };
            let has = |key: &str| entries.iter().any(|(k, _)| k.key_text() == key);
            if has("hosts") && (has("tasks") || has("roles") || has("become")) {
                Some("an Ansible playbook".into())
            } else if has("sequence")
                && (has("executionEnabled") || has("nodefilters") || has("uuid") || has("id"))
            {
                Some("a Rundeck job definition".into())
            } else if has("apiVersion") && has("kind") {
                mapping(entries)
            } else {
                None
            }
        }
        _ => None,
    }
}

fn mapping(entries: &[(Node, Node)]) -> Option<String> {
    let get = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| k.key_text() == key)
            .map(|(_, v)| v)
    };
    if get("on").is_some() && get("jobs").is_some() {
        return Some("a GitHub Actions workflow".into());
    }
    if let (Some(api), Some(kind)) = (get("apiVersion"), get("kind")) {
        let api = api.as_text().unwrap_or_default();
        let kind = kind.as_text().unwrap_or_default();
        if api.starts_with("argoproj.io") && kind == "Rollout" {
            return Some("an Argo Rollout".into());
        }
        return Some(format!("a Kubernetes manifest (kind: {kind})"));
    }
    if get("stages").is_some() && entries.iter().any(|(_, v)| has_key(v, "script")) {
        return Some("a GitLab CI pipeline".into());
    }
    if get("services").is_some()
        && (get("version").is_some() || get("volumes").is_some() || get("networks").is_some())
    {
        return Some("a Docker Compose file".into());
    }
    None
}

fn has_key(node: &Node, key: &str) -> bool {
    matches!(&node.value, Value::Map(entries) if entries.iter().any(|(k, _)| k.key_text() == key))
}
