//! The command line's grammar: the subcommands, their arguments and help text, and
//! what the flags given say about the settings.

use super::completions::{self, Shell};
use super::follow::FollowArgs;
use super::replay::ReplayArgs;
use super::run_flags::RunFlags;
use super::{config as config_cmd, sign};
use crate::config::{ColorWhen, Overrides};
use clap::{Parser, Subcommand};
use clap_complete::engine::ArgValueCandidates;
use std::path::PathBuf;

/// Walk an operator through a deployment runbook: guided steps, live output,
/// health panels and a tamper-evident audit log.
///
/// NAME resolves to ./runbooks/NAME.{md,yaml,yml}, then each directory in
/// $RUNBOOK_PATH (or `runbook_path` in the configuration file), then the user's data
/// directory, then the built-in examples; anything with a `/` or an extension is a path.
///
/// Exit codes: 0 completed, 1 failed or aborted, 2 invalid input, 3 audit log
/// failure, 130 interrupted.
#[derive(Parser)]
#[command(
    name = "runbook",
    version,
    subcommand_negates_reqs = true,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Runbook to run (same as `runbook run NAME`).
    #[arg(value_name = "NAME|PATH", add = ArgValueCandidates::new(completions::runbook_names))]
    pub target: Option<String>,
    #[command(flatten)]
    pub run: RunFlags,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN")]
    pub color: Option<ColorWhen>,
}

/// A session argument, completed from the sessions directory.
fn sessions_hint() -> ArgValueCandidates {
    ArgValueCandidates::new(completions::session_ids)
}

fn names_hint() -> ArgValueCandidates {
    ArgValueCandidates::new(completions::runbook_names)
}

#[derive(Subcommand)]
pub enum Command {
    /// Walk a runbook: confirm and run each step, record everything in the audit log.
    Run {
        #[arg(value_name = "NAME|PATH", add = names_hint())]
        target: String,
        #[command(flatten)]
        flags: RunFlags,
    },
    /// Take over an unfinished session (default: the newest one) and walk on.
    Resume {
        /// A session id, a unique prefix of one, or a log file's path.
        #[arg(add = sessions_hint())]
        session: Option<String>,
        #[command(flatten)]
        flags: RunFlags,
    },
    /// Recorded sessions, newest first, live ones marked `running`.
    Sessions {
        /// As JSON: {"schema": 1, "sessions": [...]} (README: JSON output).
        #[arg(long)]
        json: bool,
        #[arg(long, env = "RUNBOOK_AUDIT_DIR", value_name = "DIR")]
        audit_dir: Option<PathBuf>,
    },
    /// Watch a session live from another terminal, read-only (exit: the session's own code).
    Follow(FollowArgs),
    /// Play a recorded session back with its real timing.
    Replay(ReplayArgs),
    /// Check a session log's hash chain, structure, signatures and anchors: exit 0 intact,
    /// 1 altered, corrupt, badly signed or cut short.
    Verify {
        #[arg(add = sessions_hint())]
        session: String,
        /// The verdict as JSON (README: JSON output).
        #[arg(long)]
        json: bool,
        /// Check every signature against this file (git's allowed-signers format).
        #[arg(long, value_name = "FILE")]
        allowed_signers: Option<PathBuf>,
        /// Check that the log holds every head anchored in this file (an anchor file, or
        /// syslog lines).
        #[arg(long, value_name = "FILE")]
        anchors: Option<PathBuf>,
        #[arg(long, env = "RUNBOOK_AUDIT_DIR", value_name = "DIR")]
        audit_dir: Option<PathBuf>,
    },
    /// Turn a recorded session into a Markdown timeline, an asciicast (v2), a JSON array or
    /// JSON Lines for log shippers.
    Export {
        /// A session id, a unique prefix of one, or a log file's path.
        #[arg(add = sessions_hint(), required_unless_present = "plan")]
        session: Option<String>,
        /// Instead of one session: the whole plan, day by day, every day's sessions with
        /// whether each log verifies (--format md or json).
        #[arg(long, value_name = "NAME|PATH", conflicts_with = "session", add = names_hint())]
        plan: Option<String>,
        /// md: post-mortem timeline; cast: recording for asciinema; json: the log's records;
        /// jsonl: one object per event, with session, runbook, operator and host on each.
        #[arg(long, value_parser = ["md", "cast", "json", "jsonl"])]
        format: String,
        /// Leave step output out (jsonl).
        #[arg(long)]
        no_output: bool,
        /// Write to FILE instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        #[arg(long, env = "RUNBOOK_AUDIT_DIR", value_name = "DIR")]
        audit_dir: Option<PathBuf>,
    },
    /// List the runbooks found, with their titles.
    List {
        /// As JSON: {"schema": 1, "runbooks": [...]} (README: JSON output).
        #[arg(long)]
        json: bool,
    },
    /// Validate runbooks: exit 0 when all are valid, 2 when any is invalid.
    ///
    /// Prints one summary line per valid file (sections, steps by kind,
    /// rollback steps, gates) and, for invalid ones, every problem as
    /// file:line:col with the offending line and what was expected. Each
    /// decision taken in reading a document (a proposed step, a moved gate,
    /// checks from a numbered list…) is a `warning:` with file:line:col.
    Check {
        #[arg(required = true, value_name = "NAME|PATH", add = names_hint())]
        targets: Vec<String>,
        /// Treat warnings (how the document was read) as errors: exit 2 when there are any.
        #[arg(long)]
        strict: bool,
        /// Print one JSON document (schema 1) with every file's errors and warnings.
        #[arg(long)]
        json: bool,
        /// Hosts are checked with `ssh -G -F FILE` instead of ~/.ssh/config.
        #[arg(long, env = "RUNBOOK_SSH_CONFIG", value_name = "FILE")]
        ssh_config: Option<PathBuf>,
        /// Leave shellcheck out of the lint warnings even when it is on PATH.
        #[arg(long)]
        no_shellcheck: bool,
    },
    /// Lint runbooks: destructive steps without rollback or gate, waits and commands without
    /// a bound, gates without criteria, empty rollback sections, secrets written out, an
    /// overdue review, and shellcheck on every run step (when on PATH). Exit 0 no findings,
    /// 1 findings, 2 invalid input.
    Lint {
        #[arg(required = true, value_name = "NAME|PATH")]
        targets: Vec<String>,
        /// text: file:line:col lines; json: one document (schema 1); sarif: SARIF 2.1.0.
        #[arg(long, value_parser = ["text", "json", "sarif"], default_value = "text")]
        format: String,
        /// The same as `--format json`.
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// Leave shellcheck out even when it is on PATH.
        #[arg(long)]
        no_shellcheck: bool,
    },
    /// Probe a runbook's health checks once and print them: exit 0 when all are OK, 1 otherwise.
    Health {
        #[arg(value_name = "NAME|PATH", add = names_hint())]
        target: String,
        /// Keep probing on each check's interval and redraw the table every second until Ctrl-C.
        #[arg(long, conflicts_with = "json")]
        watch: bool,
        /// The checks as JSON (README: JSON output).
        #[arg(long)]
        json: bool,
        /// Checks `on:` a host reach it with `ssh -F FILE` instead of ~/.ssh/config.
        #[arg(long, env = "RUNBOOK_SSH_CONFIG", value_name = "FILE")]
        ssh_config: Option<PathBuf>,
    },
    /// Sign a gate role from your own terminal, as a second person, while someone drives the session.
    ///
    /// Writes the request next to the session log (recorded as your OS user)
    /// and waits for the driver to record it: exit 0 signed, 1 rejected or no answer.
    Sign(sign::SignArgs),
    /// Say what keeps a session's processes within reach here: child subreaper, cgroup v2 per step.
    Doctor,
    /// Print a runbook's outline: sections, steps and their kinds.
    Show {
        #[arg(value_name = "NAME|PATH", add = names_hint())]
        target: String,
        /// Print the outline as JSON (the contract is documented in README.md).
        #[arg(long)]
        json: bool,
    },
    /// A plan's days: when each is scheduled, how its recorded sessions went, the next to run.
    Plan {
        #[arg(value_name = "NAME|PATH", add = names_hint())]
        target: String,
        /// As JSON: {"schema": 1, "days": [...], "next": ...} (README: JSON output).
        #[arg(long)]
        json: bool,
        #[arg(long, env = "RUNBOOK_AUDIT_DIR", value_name = "DIR")]
        audit_dir: Option<PathBuf>,
    },
    /// The example runbooks built into this binary (run one with `runbook NAME`).
    Examples,
    /// Write a starter runbook to runbooks/NAME.md (or to NAME when it is a path).
    Init {
        #[arg(value_name = "NAME|PATH")]
        name: String,
    },
    /// Print the script that enables TAB completion in your shell.
    ///
    /// bash: `source <(runbook completions bash)` in ~/.bashrc;
    /// zsh: `source <(runbook completions zsh)` in ~/.zshrc;
    /// fish: `runbook completions fish | source` in ~/.config/fish/config.fish.
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the manual page (roff), or write one page per subcommand into DIR.
    Man {
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Show the settings in effect and where each comes from (flag, env, config file, default).
    Config(config_cmd::ConfigArgs),
}
impl Cli {
    /// What the flags of this command line say about the settings.
    pub fn overrides(&self) -> Overrides {
        let audit_dir = |dir: &Option<PathBuf>| Overrides {
            audit_dir: dir.clone(),
            ..Overrides::default()
        };
        let plain = |plain: bool| Overrides {
            plain: plain.then_some(true),
            ..Overrides::default()
        };
        let mut overrides = match &self.command {
            None => self.run.overrides(),
            Some(Command::Run { flags, .. } | Command::Resume { flags, .. }) => flags.overrides(),
            Some(
                Command::Sessions { audit_dir: dir, .. }
                | Command::Verify { audit_dir: dir, .. }
                | Command::Export { audit_dir: dir, .. }
                | Command::Plan { audit_dir: dir, .. },
            ) => audit_dir(dir),
            Some(Command::Sign(args)) => audit_dir(&args.audit_dir),
            Some(Command::Follow(args)) => Overrides {
                audit_dir: args.log.audit_dir.clone(),
                ..plain(args.plain)
            },
            Some(Command::Replay(args)) => Overrides {
                audit_dir: args.log.audit_dir.clone(),
                ..plain(args.plain)
            },
            Some(Command::Config(args)) => args.overrides(),
            Some(_) => Overrides::default(),
        };
        overrides.color = self.color;
        overrides
    }

    /// Whether the command looks runbooks up by name (then the built-in examples are
    /// written out where the search can find them).
    pub fn resolves_names(&self) -> bool {
        matches!(
            self.command,
            None | Some(
                Command::Run { .. }
                    | Command::List { .. }
                    | Command::Check { .. }
                    | Command::Show { .. }
                    | Command::Plan { .. }
                    | Command::Export { plan: Some(_), .. }
                    | Command::Health { .. }
                    | Command::Examples
            )
        )
    }
}
