//! The rows a step on many hosts shows: one per host, except that hosts which ended the
//! same way with the same output are one row (`host01–host07 · identical · 3 lines`);
//! and the keys that pick a row (Tab, Shift-Tab) and open its output (Enter, Esc closes).

use super::app::App;
use crate::session::fleet_state::{FleetProgress, HostRow, HostStatus};
use crossterm::event::{KeyCode, KeyEvent};

/// One row: the hosts it stands for (indexes into the step's hosts), in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub hosts: Vec<usize>,
}

impl Row {
    /// The row's name: one host, a run of neighbours `a–b`, or a list.
    pub fn name(&self, fleet: &FleetProgress) -> String {
        let names: Vec<&str> = self
            .hosts
            .iter()
            .filter_map(|&i| fleet.hosts.get(i).map(|h| h.name.as_str()))
            .collect();
        let neighbours = self.hosts.windows(2).all(|w| w[1] == w[0] + 1);
        match names.as_slice() {
            [] => String::new(),
            [one] => (*one).to_string(),
            [first, .., last] if neighbours => format!("{first}–{last}"),
            many => many.join(", "),
        }
    }

    /// The first host of the row (they all look the same).
    pub fn first<'f>(&self, fleet: &'f FleetProgress) -> Option<&'f HostRow> {
        self.hosts.first().and_then(|&i| fleet.hosts.get(i))
    }
}

/// How a host ended and what it printed: hosts alike in this are one row.
type Likeness = (HostStatus, Option<i32>, String);

/// What makes two hosts one row: ended, the same way, with the same (non-empty) output.
fn likeness(host: &HostRow) -> Option<Likeness> {
    let ended = matches!(host.status, HostStatus::Ok | HostStatus::Failed);
    let text = host.tail.text();
    (ended && !text.is_empty()).then(|| {
        (
            host.status,
            host.end.as_ref().and_then(|e| e.exit_code),
            text,
        )
    })
}

/// The rows of a step's hosts, in the order of their first host.
pub fn rows(fleet: &FleetProgress) -> Vec<Row> {
    let mut rows: Vec<(Option<Likeness>, Row)> = Vec::new();
    for (i, host) in fleet.hosts.iter().enumerate() {
        let like = likeness(host);
        let same = like
            .as_ref()
            .and_then(|l| rows.iter_mut().find(|(other, _)| other.as_ref() == Some(l)));
        match same {
            Some((_, row)) => row.hosts.push(i),
            None => rows.push((like, Row { hosts: vec![i] })),
        }
    }
    rows.into_iter().map(|(_, row)| row).collect()
}

/// Keys for the host rows of the selected step; `true` when the key was theirs.
pub fn key(app: &mut App, key: &KeyEvent, fleet: Option<&FleetProgress>) -> bool {
    let Some(fleet) = fleet else {
        return false;
    };
    let count = rows(fleet).len();
    if count == 0 {
        return false;
    }
    match key.code {
        KeyCode::Tab => {
            app.host_row = Some(app.host_row.map_or(0, |r| (r + 1) % count));
            app.host_open = false;
        }
        KeyCode::BackTab => {
            app.host_row = Some(app.host_row.map_or(count - 1, |r| (r + count - 1) % count));
            app.host_open = false;
        }
        KeyCode::Enter if app.host_row.is_some() => app.host_open = !app.host_open,
        KeyCode::Esc if app.host_row.is_some() => {
            app.host_row = None;
            app.host_open = false;
        }
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::event::{Body, FleetPlan, HostEnd, HostOutput, Stream};

    fn fleet(outputs: &[(&str, bool, &str)]) -> FleetProgress {
        let names: Vec<String> = outputs.iter().map(|(h, ..)| h.to_string()).collect();
        let mut fleet = FleetProgress::default();
        fleet.apply(&Body::FleetPlanned(FleetPlan {
            hosts: names.clone(),
            run: names,
            batches: vec![outputs.len()],
            remaining_only: false,
        }));
        for (host, ok, text) in outputs {
            fleet.apply(&Body::HostOutput(HostOutput {
                host: host.to_string(),
                stream: Stream::Stdout,
                bytes: (*text).into(),
            }));
            fleet.apply(&Body::HostFinished(HostEnd {
                host: host.to_string(),
                exit_code: Some(if *ok { 0 } else { 1 }),
                signal: None,
                duration_ms: 10,
                ok: *ok,
                timed_out: false,
                cancelled: false,
                failure: None,
            }));
        }
        fleet
    }

    #[test]
    fn hosts_that_ended_alike_with_the_same_output_are_one_row() {
        let fleet = fleet(&[
            ("a1", true, "up\n"),
            ("a2", true, "up\n"),
            ("a3", false, "up\n"),
            ("a4", true, "up\n"),
            ("a5", true, "other\n"),
        ]);
        let rows = rows(&fleet);
        let names: Vec<String> = rows.iter().map(|r| r.name(&fleet)).collect();
        assert_eq!(names, ["a1, a2, a4", "a3", "a5"]);
        let fleet = self::fleet(&[
            ("w1", true, "x\n"),
            ("w2", true, "x\n"),
            ("w3", true, "x\n"),
        ]);
        assert_eq!(super::rows(&fleet)[0].name(&fleet), "w1–w3");
    }
}
