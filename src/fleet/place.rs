//! What each host carries from one step to the next, as one terminal would: the variables
//! its steps exported or unset, and the directory they `cd`'d to. Worked out from the
//! environment the wrapper reports before and after the step's script.

use super::exports::parse_exports;
use std::collections::{BTreeMap, BTreeSet};

/// Variables the shell changes by itself, and the run's tag (each run gets its own, and a
/// step that unset it must not strip it from the next): never carried.
const SHELL_MANAGED: &[&str] = &["_", "SHLVL", "PWD", "OLDPWD", super::stop::TAG_VARIABLE];

/// One host's state between steps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    /// Variables its steps exported (or changed), with their last value.
    pub exports: BTreeMap<String, String>,
    /// Variables its steps unset that its login environment has.
    pub unset: BTreeSet<String>,
    /// Where its last step ended; `None`: the login directory.
    pub cwd: Option<String>,
}

/// What one step changed on a host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    pub set: BTreeMap<String, String>,
    pub unset: BTreeSet<String>,
    pub cwd: Option<String>,
}

/// What a run on a host starts with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Start {
    /// Sent as `export` lines: the session's variables, then this host's own.
    pub env: BTreeMap<String, String>,
    pub unset: Vec<String>,
    pub cwd: Option<String>,
}

impl Place {
    /// The variables and directory of this host's next run: `base` (parameters and the
    /// session's variables) overlaid with its own exports; the step's `cwd` relative to
    /// where the host's last step ended.
    pub fn start(&self, base: &BTreeMap<String, String>, step_cwd: Option<&str>) -> Start {
        let mut env = base.clone();
        env.extend(self.exports.clone());
        for name in &self.unset {
            env.remove(name);
        }
        let cwd = match (step_cwd, &self.cwd) {
            (Some(dir), _) if dir.starts_with('/') => Some(dir.to_string()),
            (Some(dir), Some(here)) => Some(format!("{}/{dir}", here.trim_end_matches('/'))),
            (Some(dir), None) => Some(dir.to_string()),
            (None, here) => here.clone(),
        };
        Start {
            env,
            unset: self.unset.iter().cloned().collect(),
            cwd,
        }
    }

    /// Takes in what a step changed.
    pub fn apply(&mut self, change: &Change) {
        for (name, value) in &change.set {
            self.unset.remove(name);
            self.exports.insert(name.clone(), value.clone());
        }
        for name in &change.unset {
            self.exports.remove(name);
            self.unset.insert(name.clone());
        }
        if change.cwd.is_some() {
            self.cwd.clone_from(&change.cwd);
        }
    }
}

/// The change between the variables exported before a step's script (read from its
/// `export -p` listing) and the listing after it, and the `pwd` it ended in.
pub fn change(before: &BTreeMap<String, String>, after: &[u8], pwd: Option<&[u8]>) -> Change {
    let after = parse_exports(after);
    let carried = |name: &String| !SHELL_MANAGED.contains(&name.as_str());
    Change {
        set: after
            .iter()
            .filter(|(name, value)| carried(name) && before.get(*name) != Some(*value))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect(),
        unset: before
            .keys()
            .filter(|name| carried(name) && !after.contains_key(*name))
            .cloned()
            .collect(),
        cwd: pwd
            .map(|p| String::from_utf8_lossy(p.strip_suffix(b"\n").unwrap_or(p)).into_owned())
            .filter(|p| !p.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_step_sets_changes_and_unsets_and_the_shell_noise_is_ignored() {
        let before = b"declare -x HOME=\"/root\"\ndeclare -x A=\"1\"\ndeclare -x PROXY=\"x\"\n\
            declare -x SHLVL=\"2\"\ndeclare -x PWD=\"/root\"\ndeclare -x OLDPWD\n\
            declare -x RUNBOOK_RUN_TAG=\"s.1\"\n";
        let after =
            b"declare -x HOME=\"/root\"\ndeclare -x A=\"2\"\ndeclare -x B=$'multi\\nline'\n\
            declare -x SHLVL=\"3\"\ndeclare -x PWD=\"/srv\"\ndeclare -x OLDPWD=\"/root\"\n";
        let change = change(&parse_exports(before), after, Some(b"/srv\n"));
        assert_eq!(change.set, map(&[("A", "2"), ("B", "multi\nline")]));
        assert_eq!(change.unset, BTreeSet::from(["PROXY".to_string()]));
        assert_eq!(change.cwd.as_deref(), Some("/srv"));
    }

    #[test]
    fn a_host_carries_its_own_state_over_the_sessions_variables() {
        let mut place = Place::default();
        let base = map(&[("VERSION", "v1"), ("PROXY", "p")]);
        assert_eq!(place.start(&base, None).env, base);
        place.apply(&Change {
            set: map(&[("VERSION", "v2"), ("BUILD", "7")]),
            unset: BTreeSet::from(["PROXY".to_string()]),
            cwd: Some("/srv/app".into()),
        });
        let next = place.start(&base, Some("releases"));
        assert_eq!(next.env, map(&[("BUILD", "7"), ("VERSION", "v2")]));
        assert_eq!(next.unset, ["PROXY"]);
        assert_eq!(next.cwd.as_deref(), Some("/srv/app/releases"));
        assert_eq!(
            place.start(&base, Some("/tmp")).cwd.as_deref(),
            Some("/tmp")
        );
        place.apply(&Change {
            set: map(&[("PROXY", "q")]),
            ..Change::default()
        });
        assert!(place.unset.is_empty());
        assert_eq!(place.cwd.as_deref(), Some("/srv/app"));
    }
}
