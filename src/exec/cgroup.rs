//! A cgroup v2 per step, under one per session, where this process may create them: the
//! kernel then knows every process a step started, however it forked, detached or
//! changed its group, and `cgroup.kill` ends them all at once.
//!
//! Where none can be created (no cgroup v2, a container without delegation, a login
//! scope owned by root) the caller falls back to process groups and the subreaper
//! ([`super::contain`]); [`SessionCgroup::create`] says why.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Prefix of the session cgroups this program creates: `runbook-<pid>-<start ticks>`.
const SESSION_PREFIX: &str = "runbook-";

/// The session's cgroup: one child cgroup per step is created in it.
#[derive(Debug)]
pub struct SessionCgroup {
    dir: PathBuf,
    next_step: AtomicU64,
}

impl SessionCgroup {
    /// Creates `runbook-<pid>-<start>` below this process's own cgroup, after removing
    /// empty ones left by sessions whose process is gone.
    pub fn create() -> Result<SessionCgroup, String> {
        let parent = own_cgroup_dir()?;
        remove_stale(&parent);
        let me = std::process::id();
        let start = super::procfs::read(me).map_or(0, |p| p.start);
        let dir = parent.join(format!("{SESSION_PREFIX}{me}-{start}"));
        match fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(format!(
                    "cannot create a cgroup in {}: {e}",
                    parent.display()
                ));
            }
        }
        if !dir.join("cgroup.procs").exists() {
            let _ = fs::remove_dir(&dir);
            return Err(format!("{} is not a cgroup v2 directory", parent.display()));
        }
        Ok(SessionCgroup {
            dir,
            next_step: AtomicU64::new(1),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A new, empty cgroup for one step; `None` when it cannot be made.
    pub fn new_step(&self) -> Option<PathBuf> {
        let n = self.next_step.fetch_add(1, Ordering::SeqCst);
        if !self.dir.is_dir() {
            fs::create_dir(&self.dir).ok()?;
        }
        let dir = self.dir.join(format!("step-{n}"));
        fs::create_dir(&dir).ok().map(|()| dir)
    }
}

/// Moves process `pid` into `cgroup`.
pub fn move_into(cgroup: &Path, pid: u32) -> io::Result<()> {
    let mut procs = fs::OpenOptions::new()
        .write(true)
        .open(cgroup.join("cgroup.procs"))?;
    procs.write_all(format!("{pid}\n").as_bytes())
}

/// Every process in `cgroup` and the cgroups below it.
pub fn members(cgroup: &Path) -> Vec<u32> {
    let mut pids: Vec<u32> = fs::read_to_string(cgroup.join("cgroup.procs"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    for child in child_cgroups(cgroup) {
        pids.extend(members(&child));
    }
    pids
}

/// SIGKILLs everything in `cgroup` and below, forks in flight included; false when the
/// kernel has no `cgroup.kill` (before Linux 5.14).
pub fn kill(cgroup: &Path) -> bool {
    fs::write(cgroup.join("cgroup.kill"), "1").is_ok()
}

/// Whether a live process is in `cgroup` or below.
pub fn populated(cgroup: &Path) -> bool {
    match fs::read_to_string(cgroup.join("cgroup.events")) {
        Ok(events) => events.lines().any(|l| l.trim() == "populated 1"),
        Err(_) => !members(cgroup).is_empty(),
    }
}

/// Removes `cgroup` and the cgroups below it; only empty ones can go.
pub fn remove(cgroup: &Path) -> bool {
    for child in child_cgroups(cgroup) {
        remove(&child);
    }
    fs::remove_dir(cgroup).is_ok() || !cgroup.exists()
}

fn child_cgroups(cgroup: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(cgroup) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect()
}

/// This process's own cgroup directory in the cgroup v2 hierarchy.
fn own_cgroup_dir() -> Result<PathBuf, String> {
    let membership = fs::read_to_string("/proc/self/cgroup")
        .map_err(|e| format!("cannot read /proc/self/cgroup: {e}"))?;
    let own = membership
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .ok_or("this system has no cgroup v2 hierarchy")?;
    let mountinfo = fs::read_to_string("/proc/self/mountinfo")
        .map_err(|e| format!("cannot read /proc/self/mountinfo: {e}"))?;
    let (root, mount) = cgroup2_mount(&mountinfo).ok_or("cgroup v2 is not mounted")?;
    let relative = Path::new(own)
        .strip_prefix(&root)
        .map_err(|_| format!("this process's cgroup {own} is outside the mounted {root}"))?;
    let dir = Path::new(&mount).join(relative);
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "this process's cgroup {} is not visible",
            dir.display()
        ))
    }
}

/// `(root within the hierarchy, mount point)` of the first cgroup2 mount.
fn cgroup2_mount(mountinfo: &str) -> Option<(String, String)> {
    mountinfo.lines().find_map(|line| {
        let (fields, after) = line.split_once(" - ")?;
        if after.split_whitespace().next()? != "cgroup2" {
            return None;
        }
        let fields: Vec<&str> = fields.split_whitespace().collect();
        Some((unescape(fields.get(3)?), unescape(fields.get(4)?)))
    })
}

/// Mountinfo writes space, tab, newline and backslash as octal escapes.
fn unescape(field: &str) -> String {
    field
        .replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
}

/// Whether `path` is a step cgroup of a session whose process is gone: the only kind
/// `resume` may end from what a log says (`…/runbook-<pid>-<start>/step-<n>`).
pub fn is_orphaned_step(path: &Path) -> bool {
    let step = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("step-"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    let owner = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix(SESSION_PREFIX))
        .and_then(|rest| rest.split_once('-'))
        .and_then(|(pid, start)| Some((pid.parse::<u32>().ok()?, start.parse::<u64>().ok()?)));
    let Some((pid, start)) = owner else {
        return false;
    };
    step && path.join("cgroup.procs").is_file()
        && super::procfs::read(pid).is_none_or(|p| p.start != start)
}

/// Removes empty session cgroups whose process is gone (a driver killed with SIGKILL
/// cannot remove its own). Populated ones are left: they are not ours to end.
fn remove_stale(parent: &Path) {
    for dir in child_cgroups(parent) {
        let Some(name) = dir.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some((pid, start)) = name
            .strip_prefix(SESSION_PREFIX)
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, start)| Some((pid.parse::<u32>().ok()?, start.parse::<u64>().ok()?)))
        else {
            continue;
        };
        let owner_alive = super::procfs::read(pid).is_some_and(|p| p.start == start);
        if !owner_alive && !populated(&dir) {
            remove(&dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_cgroup2_mount_among_others() {
        let mountinfo = "\
31 25 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";
        assert_eq!(
            cgroup2_mount(mountinfo),
            Some(("/".to_owned(), "/sys/fs/cgroup/unified".to_owned()))
        );
        let escaped = "41 31 0:38 /a\\040b /mnt/c\\040g rw - cgroup2 cgroup2 rw\n";
        assert_eq!(
            cgroup2_mount(escaped),
            Some(("/a b".to_owned(), "/mnt/c g".to_owned()))
        );
        assert_eq!(cgroup2_mount("1 2 0:1 / / rw - ext4 /dev/sda rw\n"), None);
    }
}
