//! `v` and `c` on the full screen: a step's whole output, read back from the audit log,
//! opened in `$PAGER` (`less -R` when unset); a command copied to the clipboard with the
//! terminal's OSC 52 sequence (works over SSH and tmux, with nothing installed); and the
//! pause after an interactive step, so what it printed stays readable as it was drawn.

use crate::session::log::{Record, decode_output, read_records};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::io::Write;
use std::path::Path;
use std::process::Command;

/// Everything step `id` printed, in order, as the audit log holds it (secrets masked).
pub fn step_output(log: &Path, id: &str) -> std::io::Result<Vec<u8>> {
    let records = read_records(log).map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut out = Vec::new();
    for record in records.flatten() {
        if let Record::Event(event) = record
            && event.kind == "output"
            && event.step.as_deref() == Some(id)
            && let Some(bytes) = decode_output(&event.data)
        {
            out.extend(bytes);
        }
    }
    Ok(out)
}

/// Shows `bytes` in `$PAGER` and waits until it is closed. The terminal must be the
/// pager's meanwhile (the caller steps the screen aside).
pub fn page(bytes: &[u8], title: &str) -> std::io::Result<()> {
    let mut file = tempfile::Builder::new()
        .prefix("runbook-output-")
        .suffix(".txt")
        .tempfile()?;
    writeln!(file, "── {title} ──")?;
    file.write_all(bytes)?;
    file.flush()?;
    let pager = std::env::var("PAGER")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| "less -R".into());
    Command::new("sh")
        .arg("-c")
        .arg(format!("{pager} \"$1\""))
        .arg("sh")
        .arg(file.path())
        .status()?;
    Ok(())
}

/// After an `interactive=true` step: what it printed is on the terminal as it drew it (a
/// full-screen program's last frame, a prompt's answer), so the screen waits for Enter
/// before it covers it. (It is in the log too, and in the step's output pane.)
pub fn await_return() {
    let mut out = std::io::stdout();
    let _ = out.write_all(b"\r\n-- the step finished; press Enter to return to the runbook --");
    let _ = out.flush();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

/// The OSC 52 sequence that puts `text` on the system clipboard.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", STANDARD.encode(text))
}

/// Puts `text` on the clipboard through the terminal.
pub fn copy(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout();
    out.write_all(osc52(text).as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_carries_the_text_in_base64() {
        assert_eq!(super::osc52("ls -l"), "\x1b]52;c;bHMgLWw=\x07");
    }
}
