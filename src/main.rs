//! The `runbook` command line: parses arguments and hands each subcommand to `runbook::cli`.

use clap::{Parser, Subcommand};
use runbook::cli::inspect;
use runbook::doc::resolve::SearchPath;
use std::process::ExitCode;

/// Walk an operator through a deployment runbook: guided steps, live output,
/// health panels and a tamper-evident audit log.
///
/// NAME resolves to ./runbooks/NAME.{md,yaml,yml}, then each directory in
/// $RUNBOOK_PATH, then the user's data directory; anything with a `/` or an
/// extension is taken as a path.
#[derive(Parser)]
#[command(
    name = "runbook",
    version,
    args_conflicts_with_subcommands = true,
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Runbook to open (same as `runbook show NAME` until sessions run).
    target: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// List the runbooks found, with their titles.
    List,
    /// Validate runbooks: exit 0 when all are valid, 2 when any is invalid.
    ///
    /// Prints one summary line per valid file (sections, steps by kind,
    /// rollback steps, gates) and, for invalid ones, every problem as
    /// file:line:col with the offending line and what was expected.
    Check {
        /// Runbook names or paths.
        #[arg(required = true, value_name = "NAME|PATH")]
        targets: Vec<String>,
    },
    /// Print a runbook's outline: sections, steps and their kinds.
    Show {
        #[arg(value_name = "NAME|PATH")]
        target: String,
        /// Print the outline as JSON (the contract is documented in README.md).
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let search = SearchPath::from_env();
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    let code = match (cli.command, cli.target) {
        (Some(Command::List), _) => inspect::list(&search, &mut out),
        (Some(Command::Check { targets }), _) => {
            inspect::check(&targets, &search, &mut out, &mut err)
        }
        (Some(Command::Show { target, json }), _) => {
            inspect::show(&target, json, &search, &mut out, &mut err)
        }
        (None, Some(target)) => inspect::show(&target, false, &search, &mut out, &mut err),
        (None, None) => 2,
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
