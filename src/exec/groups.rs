//! The steps this session started whose processes may still run, and ending them:
//! SIGTERM, a grace period, SIGKILL — each step's process group, its cgroup where it
//! has one, everything below its shell and, for a session, everything below the session.
//! A session's private directory goes with them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::cgroup;
use super::contain::{Containment, reap_adopted};
use super::leftover::{self, Recorded};
use super::private::PrivateDir;
use super::stop::{Scope, stop};

/// What a step started, as far as it can be tracked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StepProcs {
    pub pgid: i32,
    /// The step's shell (its process group's leader) and when it started.
    pub shell: (u32, u64),
    /// The step's own cgroup, when it has one.
    pub cgroup: Option<PathBuf>,
}

impl StepProcs {
    pub fn scope(&self) -> Scope {
        Scope {
            groups: vec![self.pgid],
            cgroups: self.cgroup.iter().cloned().collect(),
            roots: vec![self.shell],
            all_descendants: false,
        }
    }

    /// Whether any of its processes still runs.
    pub fn alive(&self) -> bool {
        self.cgroup.as_deref().is_some_and(cgroup::populated) || self.scope().alive()
    }
}

/// Registry of the steps whose processes may still run (shared, cheap to clone); used to
/// end everything at session end or on SIGTERM/SIGINT/SIGHUP.
#[derive(Clone, Default, Debug)]
pub struct ProcessGroups {
    inner: Arc<Mutex<BTreeMap<i32, StepProcs>>>,
    /// Set for a session ([`ProcessGroups::for_session`]).
    containment: Option<Arc<Containment>>,
    /// Where the session's steps keep their private files ([`ProcessGroups::with_private_dir`]).
    private: Option<Arc<PrivateDir>>,
    /// Steps earlier drivers of this session started ([`ProcessGroups::inherit`]).
    inherited: Arc<Mutex<Vec<Recorded>>>,
}

impl ProcessGroups {
    /// For a session: this process becomes a child subreaper and each step gets a cgroup
    /// where one can be created; ending everything then reaches every process below it.
    pub fn for_session() -> Self {
        ProcessGroups {
            inner: Arc::default(),
            containment: Some(Arc::new(Containment::enable())),
            private: None,
            inherited: Arc::default(),
        }
    }

    /// Takes on the steps earlier drivers of this session started (their `step_process`
    /// records): services they left running end with this session, as its own do.
    pub fn inherit(&self, steps: Vec<Recorded>) {
        self.inherited
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(steps);
    }

    /// Steps keep their private files in `dir`, which goes when the session's processes do.
    pub fn with_private_dir(mut self, dir: PrivateDir) -> Self {
        self.private = Some(Arc::new(dir));
        self
    }

    /// Where a step's private directory is made: the session's private directory, else
    /// the per-user runtime directory or the system's temporary one.
    pub(crate) fn private_base(&self) -> PathBuf {
        match &self.private {
            Some(dir) if dir.ensure().is_ok() => dir.path().to_path_buf(),
            _ => super::shell::default_private_base(),
        }
    }

    /// What keeps the session's processes within reach, when set up for a session.
    pub fn containment(&self) -> Option<&Containment> {
        self.containment.as_deref()
    }

    pub(crate) fn step_cgroup(&self) -> Option<PathBuf> {
        self.containment.as_ref()?.step_cgroup()
    }

    pub(crate) fn register(&self, step: StepProcs) {
        self.lock().insert(step.pgid, step);
    }

    /// Forgets a step whose processes have all ended, and its cgroup.
    pub(crate) fn release(&self, pgid: i32) {
        if let Some(step) = self.lock().remove(&pgid)
            && let Some(dir) = step.cgroup
        {
            cgroup::remove(&dir);
        }
    }

    /// Process groups of registered steps that still have a live process; forgets the others.
    pub fn live(&self) -> Vec<i32> {
        let steps: Vec<StepProcs> = self.lock().values().cloned().collect();
        let (live, ended): (Vec<StepProcs>, Vec<StepProcs>) =
            steps.into_iter().partition(StepProcs::alive);
        for step in ended {
            self.release(step.pgid);
        }
        live.into_iter().map(|s| s.pgid).collect()
    }

    /// Ends every registered step's processes — and, for a session, every process below
    /// it — all within one `grace` period, then removes the session's private directory;
    /// returns how many processes were signalled.
    pub fn terminate_all(&self, grace: Duration) -> usize {
        let steps: Vec<StepProcs> = self.lock().values().cloned().collect();
        let mut scope = Scope::default();
        for step in &steps {
            let one = step.scope();
            scope.groups.extend(one.groups);
            scope.cgroups.extend(one.cgroups);
            scope.roots.extend(one.roots);
        }
        if let Some(containment) = &self.containment {
            scope.all_descendants = containment.is_subreaper();
            scope.cgroups.extend(containment.cgroup_dir());
        }
        let inherited = std::mem::take(
            &mut *self
                .inherited
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        let earlier = leftover::scope_of(&inherited);
        scope.groups.extend(&earlier.groups);
        scope.cgroups.extend(earlier.cgroups.iter().cloned());
        let stopped = stop(&scope, grace);
        earlier
            .cgroups
            .iter()
            .for_each(|dir| leftover::remove_cgroup(dir));
        if self.containment.is_some() {
            let spared: BTreeSet<u32> = steps.iter().map(|s| s.shell.0).collect();
            reap_adopted(&spared);
        }
        for step in steps {
            self.release(step.pgid);
        }
        if let Some(dir) = self.containment.as_ref().and_then(|c| c.cgroup_dir()) {
            cgroup::remove(&dir);
        }
        if let Some(dir) = &self.private {
            dir.remove();
        }
        stopped
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<i32, StepProcs>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// TERM the group, wait up to `grace` for it to empty, then KILL what is left.
pub fn terminate_group(pgid: i32, grace: Duration) {
    let scope = Scope {
        groups: vec![pgid],
        ..Scope::default()
    };
    stop(&scope, grace);
}

/// Ends one step's processes (its timeout or cancel).
pub(crate) fn terminate_step(step: &StepProcs, grace: Duration) {
    stop(&step.scope(), grace);
}
