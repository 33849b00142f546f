//! A session's engine starting up: its executors and process groups, the runbook's
//! introduction on the dialogue, and `--section` placing the walk.

use super::fail;
use super::inspect::EXIT_INVALID;
use super::run::EXIT_AUDIT;
use crate::doc::model::Runbook;
use crate::plain::dialogue::Dialogue;
use crate::session::conductor::Policy;
use crate::session::engine::Engine;
use crate::session::executor::{Executors, LocalExecutor, Place, SshExecutor};
use crate::session::queue::Inputs;
use crate::session::state::SessionState;
use std::collections::BTreeMap;

/// The engine for a session, introduced on the dialogue; the exit code when the log writer cannot start.
pub(super) fn start_engine<'r>(
    runbook: &'r Runbook,
    writer: crate::session::log::AuditWriter,
    state: SessionState,
    (place, inputs, policy, ssh): (Place, Inputs, Policy, &crate::fleet::SshSettings),
    params: BTreeMap<String, String>,
    earlier_steps: Vec<crate::exec::leftover::Recorded>,
    d: &mut Dialogue,
) -> Result<Engine<'r>, i32> {
    let groups = session_groups(writer.path());
    groups.inherit(earlier_steps);
    let executor = Box::new(Executors {
        local: LocalExecutor::for_session(groups),
        ssh: SshExecutor::for_session(ssh.clone(), &id_of_log(writer.path())),
    });
    let mut engine = Engine::new(runbook, writer, state, place, inputs, executor).map_err(|e| {
        fail(
            format!("cannot start the audit log writer: {e}"),
            EXIT_AUDIT,
        )
    })?;
    engine.params = params;
    engine.policy = policy;
    introduce(&engine, d);
    Ok(engine)
}

/// The session's id: its log's name without `.jsonl`.
pub(super) fn id_of_log(log: &std::path::Path) -> String {
    log.file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Nothing a step starts may outlive the session (subreaper, and a cgroup per step), and
/// its private files live in the session's private directory, gone with the session.
fn session_groups(log: &std::path::Path) -> crate::exec::ProcessGroups {
    use crate::exec::private::PrivateDir;
    use crate::session::log::SessionLock;
    let groups = crate::exec::ProcessGroups::for_session();
    match PrivateDir::for_session(log, |log| SessionLock::probe(log) != Some(false)) {
        Ok(dir) => groups.with_private_dir(dir),
        Err(e) => {
            tracing::warn!(error = %e, "no private directory for the session: each step makes its own");
            groups
        }
    }
}

/// The title (parameters filled in) and what the runbook says before its first section.
fn introduce(engine: &Engine, d: &mut Dialogue) {
    d.say(&format!("\n{}", engine.display(&engine.runbook.title)));
    if engine.state().dry_run {
        d.say("  DRY RUN: steps are walked and recorded; no command runs, no wait is waited.");
    }
    for line in engine.display(&engine.runbook.preamble).lines() {
        d.say(&format!("  {line}"));
    }
    for contact in &engine.runbook.meta.contacts {
        let who = [&contact.name, &contact.phone, &contact.chat]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        d.say(&format!("  contact {}: {who}", contact.role));
    }
}

/// `--section S`: start at the first step of the section titled (or numbered) S.
pub(super) fn start_section(engine: &mut Engine, section: Option<&str>) -> Option<i32> {
    let wanted = section?.to_lowercase();
    let found = engine.refs.iter().position(|r| {
        let number: Vec<String> = r.section_path.iter().map(|i| (i + 1).to_string()).collect();
        number.join(".") == wanted || r.section.title.to_lowercase().contains(&wanted)
    });
    match found {
        Some(index) if engine.refs[index].reference => Some(fail(
            format!(
                "section `{wanted}` is reference material: the walk never starts there \
                 (the full screen's o runs a reference step on demand)"
            ),
            EXIT_INVALID,
        )),
        Some(index) => {
            let _ = engine.jump(index);
            None
        }
        None => Some(fail(format!("no section matches `{wanted}`"), EXIT_INVALID)),
    }
}
