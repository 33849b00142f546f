//! Connections of `runbook health` for checks `on:` a host: no session holds any, so the
//! command opens its own (with the operator's `--ssh-config`), closed when it ends.

use crate::doc::model::Runbook;
use crate::fleet::{Connections, SshSettings};
use crate::health::Hosts;
use std::path::Path;

/// The connections (when a check runs on a host) and the checks' hosts resolved.
pub fn open(runbook: &Runbook, ssh: &SshSettings) -> (Option<Connections>, Hosts) {
    let checks = &runbook.meta.health;
    if !Hosts::needed(checks) {
        return (None, Hosts::default());
    }
    // Without connections every check on a host says why it cannot run.
    let connections = Connections::new(ssh.clone()).ok();
    let sampler = connections.as_ref().map(Connections::sampler);
    let base = runbook.path.parent().unwrap_or(Path::new("."));
    let hosts = Hosts::resolve(checks, &runbook.meta.hosts, base, sampler);
    (connections, hosts)
}
