//! The `runbook` command line: parses arguments and hands each subcommand to `runbook::cli`.

use clap::{Args, Parser, Subcommand};
use runbook::cli::follow::{self, FollowArgs};
use runbook::cli::prove::ProofArgs;
use runbook::cli::replay::{self, ReplayArgs};
use runbook::cli::run::{self, RunArgs};
use runbook::cli::{export, health, inspect, lint, sessions, sign};
use runbook::doc::resolve::SearchPath;
use runbook::session::log::{resolve_session, sessions_dir};
use std::path::PathBuf;
use std::process::ExitCode;

/// Walk an operator through a deployment runbook: guided steps, live output,
/// health panels and a tamper-evident audit log.
///
/// NAME resolves to ./runbooks/NAME.{md,yaml,yml}, then each directory in
/// $RUNBOOK_PATH, then the user's data directory; anything with a `/` or an
/// extension is taken as a path.
///
/// Exit codes: 0 completed, 1 failed or aborted, 2 invalid input, 3 audit log
/// failure, 130 interrupted.
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
    /// Runbook to run (same as `runbook run NAME`).
    #[arg(value_name = "NAME|PATH")]
    target: Option<String>,
    #[command(flatten)]
    run: RunFlags,
}

#[derive(Subcommand)]
enum Command {
    /// Walk a runbook: confirm and run each step, record everything in the audit log.
    Run {
        #[arg(value_name = "NAME|PATH")]
        target: String,
        #[command(flatten)]
        flags: RunFlags,
    },
    /// Take over an unfinished session (default: the newest one) and walk on.
    Resume {
        /// A session id, a unique prefix of one, or a log file's path.
        session: Option<String>,
        #[command(flatten)]
        flags: RunFlags,
    },
    /// Recorded sessions, newest first, live ones marked `running`.
    Sessions {
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
        session: String,
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
        session: String,
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
    List,
    /// Validate runbooks: exit 0 when all are valid, 2 when any is invalid.
    ///
    /// Prints one summary line per valid file (sections, steps by kind,
    /// rollback steps, gates) and, for invalid ones, every problem as
    /// file:line:col with the offending line and what was expected. Each
    /// decision taken in reading a document (a proposed step, a moved gate,
    /// checks from a numbered list…) is a `warning:` with file:line:col.
    Check {
        #[arg(required = true, value_name = "NAME|PATH")]
        targets: Vec<String>,
        /// Treat warnings (how the document was read) as errors: exit 2 when there are any.
        #[arg(long)]
        strict: bool,
        /// Print one JSON document (schema 1) with every file's errors and warnings.
        #[arg(long)]
        json: bool,
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
        #[arg(value_name = "NAME|PATH")]
        target: String,
        /// Keep probing on each check's interval and redraw the table every second until Ctrl-C.
        #[arg(long)]
        watch: bool,
    },
    /// Sign a gate role from your own terminal, as a second person, while someone drives the session.
    ///
    /// Writes the request next to the session log (recorded as your OS user)
    /// and waits for the driver to record it: exit 0 signed, 1 rejected or no answer.
    Sign(sign::SignArgs),
    /// Print a runbook's outline: sections, steps and their kinds.
    Show {
        #[arg(value_name = "NAME|PATH")]
        target: String,
        /// Print the outline as JSON (the contract is documented in README.md).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Clone, Default)]
struct RunFlags {
    /// Start at the first step of this section (title text or number such as 3.2).
    #[arg(long, value_name = "S")]
    section: Option<String>,
    /// A parameter value, passed to commands as $NAME (repeatable).
    #[arg(long = "param", value_name = "K=V")]
    params: Vec<String>,
    /// Who is driving (default: $USER).
    #[arg(long, value_name = "NAME")]
    operator: Option<String>,
    /// Answer confirmations automatically (recorded as automatic); gates are GO, sign-offs need --signoff or a follower.
    #[arg(long)]
    yes: bool,
    /// Line-oriented dialogue on stdin/stdout instead of the full-screen view.
    #[arg(long)]
    plain: bool,
    /// Walk and record the plan, running nothing.
    #[arg(long)]
    dry_run: bool,
    /// End waits at once (recorded as such); for rehearsals and tests.
    #[arg(long)]
    skip_waits: bool,
    /// Sign a sign-off role by name under --yes (repeatable).
    #[arg(long = "signoff", value_name = "ROLE=NAME")]
    signoffs: Vec<String>,
    /// Under --yes, how long a sign-off gate waits for followers' `runbook sign` (default 5m).
    #[arg(long, value_name = "DURATION")]
    signoff_timeout: Option<String>,
    /// Where session logs go (default: the user's state directory).
    #[arg(long, env = "RUNBOOK_AUDIT_DIR", value_name = "DIR")]
    audit_dir: Option<PathBuf>,
    /// Sign the chain head at each gate, sign-off, rollback and the end with this SSH key
    /// (a private key, or a public key held by ssh-agent), or `agent` for the agent's first key.
    #[arg(long, value_name = "FILE|agent")]
    sign_key: Option<String>,
    /// The principal the allowed-signers file names for the key (default: the operator).
    #[arg(long, value_name = "NAME")]
    sign_principal: Option<String>,
    /// Also write each signed head to SINK (repeatable): syslog, syslog://HOST[:PORT],
    /// syslog+tcp://HOST[:PORT], file:PATH, ssh://[USER@]HOST/PATH.
    #[arg(long = "anchor", value_name = "SINK")]
    anchors: Vec<String>,
    /// Start no step while an anchor cannot be written (the session stops, resumable).
    #[arg(long)]
    anchor_required: bool,
}

impl RunFlags {
    fn args(&self) -> RunArgs {
        RunArgs {
            params: self.params.clone(),
            operator: self.operator.clone(),
            yes: self.yes,
            dry_run: self.dry_run,
            skip_waits: self.skip_waits,
            signoffs: self.signoffs.clone(),
            signoff_timeout: self.signoff_timeout.clone(),
            audit_dir: self.audit_dir.clone(),
            section: self.section.clone(),
            plain: self.plain,
            proof: ProofArgs {
                sign_key: self.sign_key.clone(),
                sign_principal: self.sign_principal.clone(),
                anchors: self.anchors.clone(),
                anchor_required: self.anchor_required,
            },
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let search = SearchPath::from_env();
    let code = match (cli.command, cli.target) {
        (Some(command), _) => dispatch(command, &search),
        (None, Some(target)) => run::run(&target, &cli.run.args(), &search),
        (None, None) => 2,
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn dispatch(command: Command, search: &SearchPath) -> i32 {
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    match command {
        Command::Run { target, flags } => run::run(&target, &flags.args(), search),
        Command::Resume { session, flags } => resume(session.as_deref(), &flags.args()),
        Command::Sessions { json, audit_dir } => {
            with_dir(audit_dir, |dir| sessions::sessions(&dir, json, &mut out))
        }
        Command::Verify {
            session,
            allowed_signers,
            anchors,
            audit_dir,
        } => with_dir(audit_dir, |dir| {
            let proof = sessions::ProofFiles {
                allowed_signers,
                anchors,
            };
            sessions::verify_session(&dir, &session, &proof, &mut out)
        }),
        Command::Follow(args) => follow::follow(&args),
        Command::Replay(args) => replay::replay(&args),
        Command::Export {
            session,
            format,
            no_output,
            output,
            audit_dir,
        } => with_dir(audit_dir, |dir| {
            let options = export::ExportOptions { no_output };
            export::export(&dir, &session, &format, output.as_deref(), options)
        }),
        Command::List => inspect::list(search, &mut out),
        Command::Check {
            targets,
            strict,
            json,
            no_shellcheck,
        } => {
            let options = inspect::CheckOptions {
                strict,
                json,
                no_shellcheck,
            };
            inspect::check(&targets, search, options, &mut out, &mut err)
        }
        Command::Lint {
            targets,
            format,
            json,
            no_shellcheck,
        } => {
            let format = match (json, format.as_str()) {
                (true, _) | (_, "json") => lint::Format::Json,
                (_, "sarif") => lint::Format::Sarif,
                _ => lint::Format::Text,
            };
            let options = lint::LintOptions {
                format,
                no_shellcheck,
            };
            lint::lint(&targets, search, options, &mut out, &mut err)
        }
        Command::Show { target, json } => inspect::show(&target, json, search, &mut out, &mut err),
        Command::Health { target, watch } => {
            health::health(&target, watch, search, &mut out, &mut err)
        }
        Command::Sign(args) => sign::sign(&args, &mut out, &mut err),
    }
}

fn with_dir(audit_dir: Option<PathBuf>, body: impl FnOnce(PathBuf) -> i32) -> i32 {
    match sessions_dir(audit_dir.as_deref()) {
        Ok(dir) => body(dir),
        Err(e) => {
            runbook::cli::stderr_line(&format!("error: {e}"));
            2
        }
    }
}

fn resume(session: Option<&str>, args: &RunArgs) -> i32 {
    with_dir(args.audit_dir.clone(), |dir| {
        let path = match session {
            Some(arg) => resolve_session(&dir, arg).map_err(|e| e.to_string()),
            None => sessions::newest_unfinished(&dir, None)
                .map(|s| s.path)
                .ok_or_else(|| format!("no unfinished session in {}", dir.display())),
        };
        match path {
            Ok(path) => run::resume(&path, args),
            Err(e) => {
                runbook::cli::stderr_line(&format!("error: {e}"));
                2
            }
        }
    })
}
