//! `runbook man`: the manual page (roff, from the same definitions as `--help`), on stdout
//! or, with `--dir`, one page per subcommand (`runbook.1`, `runbook-run.1`, …) in a directory.

use std::io::Write;
use std::path::Path;

/// Renders `runbook.1` to `out`, or every page into `dir`.
pub fn man(command: clap::Command, dir: Option<&Path>, out: &mut impl Write) -> i32 {
    let result = match dir {
        Some(dir) => std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(command, dir))
            .map(|()| {
                let _ = writeln!(out, "wrote the manual pages to {}", dir.display());
            }),
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .and_then(|()| out.write_all(&page))
        }
    };
    match result {
        Ok(()) => 0,
        Err(e) => super::fail(format!("cannot write the manual page: {e}"), 1),
    }
}
