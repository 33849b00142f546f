//! Steps on many hosts over the system OpenSSH client (PRODUCT.md §8): which hosts a
//! runbook reaches ([`inventory`]), checking them with `ssh -G` ([`check`]), one
//! ControlMaster per host per session ([`control`]), and a step's run on one host —
//! its script over stdin to `bash -s`, its output streamed, its exports and directory
//! carried to the host's next step, its remote process group stopped on cancel, timeout
//! or quit ([`run`], [`place`]).
//!
//! We spawn the system `ssh` ourselves rather than use the `openssh` crate: every call
//! then is a plain `ssh` command line an operator can rerun by hand, carries `-F` and
//! `BatchMode` like every other call, and names its socket as we need (`N-%n`, within
//! the socket path limit); the crate's mux-protocol client would skip the `ssh` binary
//! (and the operator's `-F`) for runs and would bring an async runtime into the runs'
//! threads for no gain here.

pub mod check;
pub mod control;
mod exports;
pub mod frames;
pub mod inventory;
mod outcome;
pub mod place;
pub mod plan;
pub mod run;
pub mod sample;
pub mod ssh;
pub mod stop;
mod streams;
pub mod summary;
pub mod wrapper;

pub use control::{Closed, Connections, ConnectionsError};
pub use inventory::{Inventory, InventoryError};
pub use place::{Change, Place, Start};
pub use run::{EventSink, Failure, RemoteEvent, RemoteOutcome, RemoteRequest, RemoteRun};
pub use sample::HostSampler;
pub use ssh::SshSettings;
pub use stop::Stopped;

/// The login shells people have that are installed here: tests run the remote commands
/// under each, as a host's would.
#[cfg(test)]
pub(crate) fn login_shells_here() -> Vec<&'static str> {
    ["sh", "bash", "zsh", "fish", "tcsh"]
        .into_iter()
        .filter(|shell| {
            std::process::Command::new("sh")
                .args(["-c", &format!("command -v {shell}")])
                .stdout(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .collect()
}
