//! What every subcommand that needs settings starts from: the settings in effect, where
//! runbooks are looked up, and where the diagnostics log is.

use super::args::Cli;
use super::{examples, inspect};
use crate::config::{self, Settings};
use crate::doc::resolve::SearchPath;
use std::path::PathBuf;

pub struct Context {
    pub settings: Settings,
    pub search: SearchPath,
    pub examples_dir: Option<PathBuf>,
    pub debug_log: Option<PathBuf>,
}

impl Context {
    /// Reads the configuration and resolves the settings for this command line (colour
    /// switched on or off to match); `Err` holds the exit code when the configuration is
    /// invalid or cannot be read.
    pub fn load(cli: &Cli, debug_log: Option<PathBuf>) -> Result<Context, i32> {
        let env = config::process_env;
        let file = match config::load(&env) {
            Ok(file) => file,
            Err(config::ConfigError::Invalid(e)) => {
                super::stderr_line(e.to_string().trim_end());
                return Err(inspect::EXIT_INVALID);
            }
            Err(e) => return Err(super::fail(e, inspect::EXIT_INVALID)),
        };
        let settings = Settings::resolve(&cli.overrides(), &file, &env);
        tracing::debug!(file = ?settings.file, operator = ?settings.operator.source, plain = ?settings.plain, color = ?settings.color, "settings");
        crate::tui::colour::set_enabled(settings.colour_on(true));
        let examples_dir = if cli.resolves_names() {
            examples::ready_dir()
        } else {
            examples::examples_dir()
        };
        let search = SearchPath {
            dirs: settings.search_dirs(examples_dir.as_deref()),
        };
        Ok(Context {
            settings,
            search,
            examples_dir,
            debug_log,
        })
    }
}
