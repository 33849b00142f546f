//! The process table as `/proc` shows it: who is whose parent, in which group, since
//! when, and whether still running — the one place that reads `/proc/PID/stat`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

/// One process, from `/proc/PID/stat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proc {
    pub pid: u32,
    pub ppid: u32,
    pub pgrp: i32,
    /// Clock ticks since boot when it started: with `pid`, names a process for good.
    pub start: u64,
    /// `Z` or `X`: it has ended and only waits to be reaped.
    pub dead: bool,
}

impl Proc {
    /// `(pid, start)`: a pid once recycled is another process.
    pub fn key(&self) -> (u32, u64) {
        (self.pid, self.start)
    }
}

/// A snapshot of every process this user can see.
#[derive(Debug, Default)]
pub struct Table {
    procs: BTreeMap<u32, Proc>,
}

impl Table {
    /// Reads `/proc` now; an unreadable `/proc` is an empty table.
    pub fn scan() -> Table {
        let Ok(entries) = fs::read_dir("/proc") else {
            return Table::default();
        };
        let procs = entries
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter_map(read)
            .map(|p| (p.pid, p))
            .collect();
        Table { procs }
    }

    pub fn get(&self, pid: u32) -> Option<&Proc> {
        self.procs.get(&pid)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Proc> {
        self.procs.values()
    }

    /// Every process below `roots` (children, their children, …), roots excluded.
    pub fn descendants(&self, roots: &BTreeSet<u32>) -> Vec<Proc> {
        let mut children: BTreeMap<u32, Vec<&Proc>> = BTreeMap::new();
        for proc in self.procs.values() {
            children.entry(proc.ppid).or_default().push(proc);
        }
        let mut found = Vec::new();
        let mut seen: BTreeSet<u32> = roots.clone();
        let mut queue: Vec<u32> = roots.iter().copied().collect();
        while let Some(parent) = queue.pop() {
            for child in children.get(&parent).into_iter().flatten() {
                if seen.insert(child.pid) {
                    found.push(**child);
                    queue.push(child.pid);
                }
            }
        }
        found
    }
}

/// One process's entry; `None` when it is gone or unreadable.
pub fn read(pid: u32) -> Option<Proc> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(pid, &stat)
}

/// Fields of `/proc/PID/stat` after the command name, which may hold anything —
/// so the fields start after its *last* `)`.
fn parse_stat(pid: u32, stat: &str) -> Option<Proc> {
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    Some(Proc {
        pid,
        ppid: fields.get(1)?.parse().ok()?,
        pgrp: fields.get(2)?.parse().ok()?,
        start: fields.get(19)?.parse().ok()?,
        dead: matches!(state, 'Z' | 'X'),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_with_odd_process_names() {
        let rest = "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 777 0";
        let stat = format!("4242 (we) ird) name) S 1 4240 4240 {rest}");
        let proc = parse_stat(4242, &stat).expect("parsed");
        assert_eq!((proc.ppid, proc.pgrp, proc.start), (1, 4240, 777));
        assert!(!proc.dead);
        assert!(parse_stat(1, "garbage").is_none());
        let zombie = format!("9 (z) Z 1 9 9 {rest}");
        assert!(parse_stat(9, &zombie).expect("parsed").dead);
    }

    #[test]
    fn this_process_is_below_its_parent() {
        let me = std::process::id();
        let table = Table::scan();
        let proc = table.get(me).expect("this process");
        let below = table.descendants(&BTreeSet::from([proc.ppid]));
        assert!(below.iter().any(|p| p.pid == me));
        assert!(
            table
                .descendants(&BTreeSet::from([me]))
                .iter()
                .all(|p| p.pid != me)
        );
    }
}
