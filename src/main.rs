//! The `runbook` command line: parses arguments, resolves the settings (flag, environment,
//! configuration file, default) and hands each subcommand to `runbook::cli`.

use clap::{CommandFactory, FromArgMatches};
use clap_complete::env::CompleteEnv;
use runbook::cli::args::{Cli, Command};
use runbook::cli::commands::{self, with_dir};
use runbook::cli::completions::{self, COMPLETE_VAR};
use runbook::cli::context::Context;
use runbook::cli::{diagnostics, examples, export, health, init, inspect, lint, man, run};
use runbook::cli::{sessions, sign};
use std::path::PathBuf;
use std::process::ExitCode;

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
    let context = match Context::load(&cli, debug_log) {
        Ok(context) => context,
        Err(code) => return code,
    };
    match (cli.command, cli.target) {
        (Some(command), _) => dispatch(command, &context),
        (None, Some(target)) => {
            run::run(&target, &cli.run.args(&context.settings), &context.search)
        }
        (None, None) => 2,
    }
}

fn dispatch(command: Command, cx: &Context) -> i32 {
    // Unlocked handles (each write takes the lock for itself): a session's threads print
    // too (a panic's message among them) and must never wait for a lock this thread holds.
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let audit_dir = cx.settings.audit_dir.value.clone();
    let search = &cx.search;
    match command {
        Command::Run { target, flags } => run::run(&target, &flags.args(&cx.settings), search),
        Command::Resume { session, flags } => {
            commands::resume(session.as_deref(), &flags.args(&cx.settings))
        }
        Command::Follow(args) => commands::follow(args, cx),
        Command::Replay(args) => commands::replay(args, cx),
        Command::Completions { .. } | Command::Man { .. } | Command::Init { .. } => 2,
        Command::Sessions { json, .. } => {
            with_dir(audit_dir, |dir| sessions::sessions(&dir, json, &mut out))
        }
        Command::Verify {
            session,
            json,
            allowed_signers,
            anchors,
            ..
        } => {
            let proof = sessions::ProofFiles {
                allowed_signers,
                anchors,
            };
            commands::verify(audit_dir, &session, &proof, json, &mut out)
        }
        Command::Export {
            session,
            plan,
            format,
            no_output,
            output,
            ..
        } => {
            let options = export::ExportOptions { no_output };
            commands::export(audit_dir, (session, plan), &format, options, output, search)
        }
        Command::List { json } => inspect::list(search, json, &mut out),
        Command::Check {
            targets,
            strict,
            json,
            ssh_config,
            no_shellcheck,
        } => {
            let options = commands::check_options(strict, json, ssh_config, no_shellcheck);
            inspect::check(&targets, search, options, &mut out, &mut err)
        }
        Command::Lint {
            targets,
            format,
            json,
            no_shellcheck,
        } => {
            let options = commands::lint_options(&format, json, no_shellcheck);
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
        } => {
            let ssh = runbook::fleet::SshSettings::with_config(ssh_config);
            let mode = health::Mode { watch, json, ssh };
            health::health(&target, mode, search, &mut out, &mut err)
        }
        Command::Sign(mut args) => {
            args.audit_dir = audit_dir;
            sign::sign(&args, &mut out, &mut err)
        }
        Command::Examples => examples::list(search, cx.examples_dir.as_deref(), &mut out),
        Command::Config(args) => commands::config(&args, cx, &mut out),
        Command::Doctor => runbook::cli::doctor::doctor(&mut out),
    }
}
