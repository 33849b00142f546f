//! The `runbook` command line: parses arguments, resolves the settings (flag, environment,
//! configuration file, default) and hands each subcommand to `runbook::cli`.

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use clap_complete::engine::ArgValueCandidates;
use clap_complete::env::CompleteEnv;
use runbook::cli::completions::{self, COMPLETE_VAR, Shell};
use runbook::cli::follow::{self, FollowArgs};
use runbook::cli::prove::ProofArgs;
use runbook::cli::replay::{self, ReplayArgs};
use runbook::cli::run::{self, RunArgs};
use runbook::cli::{config as config_cmd, diagnostics, examples, export, health, init, inspect};
use runbook::cli::{lint, man, sessions, sign};
use runbook::config::{self, ColorWhen, Overrides, Settings};
use runbook::doc::resolve::SearchPath;
use runbook::session::log::{resolve_session, sessions_dir};
use std::path::PathBuf;
use std::process::ExitCode;

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
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Runbook to run (same as `runbook run NAME`).
    #[arg(value_name = "NAME|PATH", add = ArgValueCandidates::new(completions::runbook_names))]
    target: Option<String>,
    #[command(flatten)]
    run: RunFlags,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN")]
    color: Option<ColorWhen>,
}

/// A session argument, completed from the sessions directory.
fn sessions_hint() -> ArgValueCandidates {
    ArgValueCandidates::new(completions::session_ids)
}

fn names_hint() -> ArgValueCandidates {
    ArgValueCandidates::new(completions::runbook_names)
}

#[derive(Subcommand)]
enum Command {
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

#[derive(Args, Clone, Default)]
struct RunFlags {
    /// Start at the first step of this section (title text or number such as 3.2).
    #[arg(long, value_name = "S")]
    section: Option<String>,
    /// Walk one day of a plan: its label (`7`, `Day 7`, `"Jan 9"`) or `next`.
    #[arg(long, value_name = "DAY")]
    day: Option<String>,
    /// Open the day although the day before is not done, or before its time; REASON is recorded.
    #[arg(long, value_name = "REASON")]
    force_day: Option<String>,
    /// A parameter value, passed to commands as $NAME (repeatable); also the value of a
    /// placeholder of that name (`<cluster-name>`: cluster-name=V or CLUSTER_NAME=V).
    #[arg(long = "param", value_name = "K=V")]
    params: Vec<String>,
    /// Who is driving (default: $RUNBOOK_OPERATOR, `operator` in the configuration, $USER).
    #[arg(long, value_name = "NAME")]
    operator: Option<String>,
    /// Answer confirmations automatically (recorded as automatic); gates are GO, sign-offs need --signoff or a follower.
    #[arg(long)]
    yes: bool,
    /// Line-oriented dialogue on stdin/stdout instead of the full-screen view
    /// (the default with TERM=dumb or `plain = true`; `--plain=false` for the full screen).
    #[arg(long, require_equals = true, num_args = 0..=1, default_missing_value = "true")]
    plain: Option<bool>,
    /// Walk and record the plan, running nothing.
    #[arg(long)]
    dry_run: bool,
    /// End waits at once (recorded as such); for rehearsals and tests.
    #[arg(long)]
    skip_waits: bool,
    /// Under --yes, run proposed steps too (commands the document did not mark as shell);
    /// without it --yes never confirms them.
    #[arg(long)]
    run_proposed: bool,
    /// Sign a sign-off role by name under --yes (repeatable).
    #[arg(long = "signoff", value_name = "ROLE=NAME")]
    signoffs: Vec<String>,
    /// The option that applies at a choice of the runbook (repeatable): its title, or the
    /// start of it, case-insensitive; `none` where a choice is a condition that does not
    /// apply. Under --yes a choice without one stops the walk (resumable).
    #[arg(long = "choose", value_name = "TITLE")]
    choose: Vec<String>,
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
    /// Every ssh call reads FILE instead of ~/.ssh/config (`ssh -F FILE`).
    #[arg(long, env = "RUNBOOK_SSH_CONFIG", value_name = "FILE")]
    ssh_config: Option<PathBuf>,
}

impl RunFlags {
    fn overrides(&self) -> Overrides {
        Overrides {
            operator: self.operator.clone(),
            audit_dir: self.audit_dir.clone(),
            signoff_timeout: self.signoff_timeout.clone(),
            color: None,
            plain: self.plain,
            sign_key: self.sign_key.clone(),
            anchors: self.anchors.clone(),
        }
    }

    /// The run's options, with what the flags left open filled from the settings.
    fn args(&self, settings: &Settings) -> RunArgs {
        RunArgs {
            params: self.params.clone(),
            operator: Some(settings.operator.value.clone()),
            yes: self.yes,
            dry_run: self.dry_run,
            skip_waits: self.skip_waits,
            run_proposed: self.run_proposed,
            signoffs: self.signoffs.clone(),
            choose: self.choose.clone(),
            signoff_timeout: Some(settings.signoff_timeout.value.clone()),
            audit_dir: settings.audit_dir.value.clone(),
            section: self.section.clone(),
            day: self.day.clone(),
            force_day: self.force_day.clone(),
            plain: settings.plain.value,
            proof: ProofArgs {
                sign_key: settings.sign_key.value.clone(),
                sign_principal: self.sign_principal.clone(),
                anchors: settings.anchors.value.clone(),
                anchor_required: self.anchor_required,
                ssh: runbook::fleet::SshSettings::with_config(self.ssh_config.clone()),
            },
        }
    }
}

fn main() -> ExitCode {
    CompleteEnv::with_factory(Cli::command)
        .var(COMPLETE_VAR)
        .complete();
    let matches = Cli::command()
        .color(help_colour(std::env::args()))
        .get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    runbook::terminal_mark::recover();
    if let Some(flag) = run_flag_before_subcommand(&matches) {
        let message = format!("`{flag}` belongs to `run`: give it after the runbook's NAME");
        return ExitCode::from(runbook::cli::fail(message, 2) as u8);
    }
    let debug_log = diagnostics::start();
    // The arguments themselves are not logged: `--param` may carry a secret.
    let command = matches.subcommand_name().unwrap_or("run");
    tracing::debug!(command, "runbook started");
    let code = start(cli, debug_log);
    tracing::debug!(code, "runbook ends");
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// A `run` flag typed before a subcommand (`runbook --yes list`), which would be ignored.
fn run_flag_before_subcommand(matches: &clap::ArgMatches) -> Option<String> {
    matches.subcommand_name()?;
    let top = Cli::command();
    top.get_arguments()
        .filter(|arg| !arg.is_global_set())
        .find(|arg| {
            matches.value_source(arg.get_id().as_str())
                == Some(clap::parser::ValueSource::CommandLine)
        })
        .map(|arg| {
            arg.get_long()
                .map_or_else(|| arg.get_id().to_string(), |l| format!("--{l}"))
        })
}

/// Colour in clap's own help and errors: off for `--color never`; else clap's own rule
/// (which honours NO_COLOR).
fn help_colour(args: impl Iterator<Item = String>) -> clap::ColorChoice {
    let args: Vec<String> = args.collect();
    let never = args.iter().enumerate().any(|(i, a)| {
        a == "--color=never" || (a == "--color" && args.get(i + 1).is_some_and(|v| v == "never"))
    });
    if never {
        clap::ColorChoice::Never
    } else {
        clap::ColorChoice::Auto
    }
}

/// Commands that need no settings run at once; the rest after the configuration is read.
fn start(cli: Cli, debug_log: Option<PathBuf>) -> i32 {
    let mut out = std::io::stdout().lock();
    match &cli.command {
        Some(Command::Completions { shell }) => return completions::completions(*shell, &mut out),
        Some(Command::Man { dir }) => return man::man(Cli::command(), dir.as_deref(), &mut out),
        Some(Command::Init { name }) => {
            return init::init(name, &mut out, &mut std::io::stderr().lock());
        }
        _ => {}
    }
    drop(out);
    let env = config::process_env;
    let file = match config::load(&env) {
        Ok(file) => file,
        Err(config::ConfigError::Invalid(e)) => {
            runbook::cli::stderr_line(e.to_string().trim_end());
            return inspect::EXIT_INVALID;
        }
        Err(e) => return runbook::cli::fail(e, inspect::EXIT_INVALID),
    };
    let mut overrides = overrides_of(&cli);
    overrides.color = cli.color;
    let settings = Settings::resolve(&overrides, &file, &env);
    tracing::debug!(file = ?settings.file, operator = ?settings.operator.source, plain = ?settings.plain, color = ?settings.color, "settings");
    runbook::tui::colour::set_enabled(settings.colour_on(true));
    let resolves_names = matches!(
        cli.command,
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
    );
    let examples_dir = if resolves_names {
        examples::ready_dir()
    } else {
        examples::examples_dir()
    };
    let search = SearchPath {
        dirs: settings.search_dirs(examples_dir.as_deref()),
    };
    let context = Context {
        settings,
        search,
        examples_dir,
        debug_log,
    };
    match (cli.command, cli.target) {
        (Some(command), _) => dispatch(command, &context),
        (None, Some(target)) => {
            run::run(&target, &cli.run.args(&context.settings), &context.search)
        }
        (None, None) => 2,
    }
}

/// What the flags of this command line say about the settings.
fn overrides_of(cli: &Cli) -> Overrides {
    let audit_dir = |dir: &Option<PathBuf>| Overrides {
        audit_dir: dir.clone(),
        ..Overrides::default()
    };
    let plain = |plain: bool| Overrides {
        plain: plain.then_some(true),
        ..Overrides::default()
    };
    match &cli.command {
        None => cli.run.overrides(),
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
    }
}

struct Context {
    settings: Settings,
    search: SearchPath,
    examples_dir: Option<PathBuf>,
    debug_log: Option<PathBuf>,
}

fn dispatch(command: Command, cx: &Context) -> i32 {
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    let audit_dir = cx.settings.audit_dir.value.clone();
    let search = &cx.search;
    match command {
        Command::Run { target, flags } => run::run(&target, &flags.args(&cx.settings), search),
        Command::Resume { session, flags } => resume(session.as_deref(), &flags.args(&cx.settings)),
        Command::Sessions { json, .. } => {
            with_dir(audit_dir, |dir| sessions::sessions(&dir, json, &mut out))
        }
        Command::Verify {
            session,
            json,
            allowed_signers,
            anchors,
            ..
        } => with_dir(audit_dir, |dir| {
            let proof = sessions::ProofFiles {
                allowed_signers,
                anchors,
            };
            sessions::verify_session(&dir, &session, &proof, json, &mut out)
        }),
        Command::Follow(mut args) => {
            args.plain = cx.settings.plain.value;
            args.log.audit_dir = audit_dir;
            follow::follow(&args)
        }
        Command::Replay(mut args) => {
            args.plain = cx.settings.plain.value;
            args.log.audit_dir = audit_dir;
            replay::replay(&args)
        }
        Command::Export {
            session,
            plan,
            format,
            no_output,
            output,
            ..
        } => with_dir(audit_dir, |dir| match (plan, session) {
            (Some(plan), _) => runbook::cli::plan_export::export_plan_to(
                &plan,
                &format,
                &dir,
                search,
                output.as_deref(),
            ),
            (None, Some(session)) => {
                let options = export::ExportOptions { no_output };
                export::export(&dir, &session, &format, output.as_deref(), options)
            }
            (None, None) => 2,
        }),
        Command::List { json } => inspect::list(search, json, &mut out),
        Command::Check {
            targets,
            strict,
            json,
            ssh_config,
            no_shellcheck,
        } => {
            let ssh = runbook::fleet::SshSettings::with_config(ssh_config);
            let options = inspect::CheckOptions {
                strict,
                json,
                ssh,
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
        Command::Plan { target, json, .. } => with_dir(audit_dir, |dir| {
            runbook::cli::plan::plan(&target, json, &dir, search, &mut out)
        }),
        Command::Health {
            target,
            watch,
            json,
            ssh_config,
        } => health::health(
            &target,
            health::Mode {
                watch,
                json,
                ssh: runbook::fleet::SshSettings::with_config(ssh_config),
            },
            search,
            &mut out,
            &mut err,
        ),
        Command::Sign(mut args) => {
            args.audit_dir = audit_dir;
            sign::sign(&args, &mut out, &mut err)
        }
        Command::Examples => examples::list(search, cx.examples_dir.as_deref(), &mut out),
        Command::Config(args) => {
            let extras = config_cmd::Extras {
                path: None,
                search: &cx.search.dirs,
                debug_log: cx.debug_log.as_deref(),
            };
            config_cmd::config(&args, &cx.settings, extras, &mut out)
        }
        Command::Completions { .. } | Command::Man { .. } | Command::Init { .. } => 2,
        Command::Doctor => runbook::cli::doctor::doctor(&mut out),
    }
}

fn with_dir(audit_dir: Option<PathBuf>, body: impl FnOnce(PathBuf) -> i32) -> i32 {
    match sessions_dir(audit_dir.as_deref()) {
        Ok(dir) => body(dir),
        Err(e) => runbook::cli::fail(e, 2),
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
            Err(e) => runbook::cli::fail(e, 2),
        }
    })
}
