//! The user's configuration file (`~/.config/runbook/config.toml`): what it may say, where it
//! is, and reading it. How its values combine with flags and the environment is [`settings`].

mod parse;
pub mod settings;

use std::path::{Path, PathBuf};

pub use parse::{KEYS, parse};
pub use settings::{Overrides, Setting, Settings, Source};

use crate::doc::diag::{Diagnostic, LoadError};

/// The variable that names another configuration file (tests, shared set-ups).
pub const CONFIG_VAR: &str = "RUNBOOK_CONFIG";
/// The file's name inside the configuration directory.
pub const FILE_NAME: &str = "config.toml";

/// `--color` and the `color` key: whether the screen may use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorWhen {
    /// Colour on a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    pub fn word(self) -> &'static str {
        match self {
            ColorWhen::Auto => "auto",
            ColorWhen::Always => "always",
            ColorWhen::Never => "never",
        }
    }

    pub fn from_word(word: &str) -> Option<Self> {
        [ColorWhen::Auto, ColorWhen::Always, ColorWhen::Never]
            .into_iter()
            .find(|c| c.word() == word)
    }
}

/// What the configuration file says; every key is optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The file it was read from (`None`: there is none, defaults apply).
    pub file: Option<PathBuf>,
    /// Who drives sessions (default `$USER`).
    pub operator: Option<String>,
    /// Where session logs go.
    pub audit_dir: Option<PathBuf>,
    /// Directories searched for runbook NAMEs after `./runbooks`.
    pub runbook_path: Option<Vec<PathBuf>>,
    /// How long `--yes` waits at a sign-off gate for followers, as written (`10m`).
    pub signoff_timeout: Option<String>,
    pub color: Option<ColorWhen>,
    /// The line dialogue instead of the full screen, by default.
    pub plain: Option<bool>,
    /// The SSH key sessions sign their chain heads with: a key file, or `agent` (as `--sign-key`).
    pub sign_key: Option<String>,
    /// Where signed heads are also written, as `--anchor` takes them (`syslog`, `file:PATH`, …).
    pub anchors: Option<Vec<String>>,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Invalid(LoadError),
    #[error("cannot read the configuration file {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Where the configuration file is: `$RUNBOOK_CONFIG`, else `config.toml` in the user's
/// configuration directory (`$XDG_CONFIG_HOME/runbook`, `~/.config/runbook` on Linux).
pub fn config_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(path) = env(CONFIG_VAR).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    directories::ProjectDirs::from("", "", "runbook").map(|d| d.config_dir().join(FILE_NAME))
}

/// Reads the configuration. No file in the default place means defaults — and so does a
/// configuration directory this user cannot look into (another user's `HOME`, inherited
/// through `sudo` or `su`): that is not a file that failed, so it must not stop every
/// command. A file that exists but cannot be read or parsed is an error, and a file named
/// by `$RUNBOOK_CONFIG` must exist.
pub fn load(env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let Some(path) = config_path(env) else {
        return Ok(Config::default());
    };
    let named = env(CONFIG_VAR).is_some_and(|p| !p.is_empty());
    match std::fs::read(&path) {
        Ok(bytes) => load_bytes(&bytes, &path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => Ok(Config::default()),
        Err(e) if !named && behind_closed_directory(&path) => {
            tracing::debug!(path = %path.display(), error = %e, "the configuration directory cannot be read: no configuration file");
            Ok(Config::default())
        }
        Err(source) => Err(ConfigError::Unreadable { path, source }),
    }
}

/// Whether `path` cannot even be looked at because a directory on the way to it cannot be
/// searched by this user (as opposed to a file that is there but cannot be read).
fn behind_closed_directory(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_err_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied)
}

/// Parses a configuration file's bytes (which must be UTF-8).
pub fn load_bytes(bytes: &[u8], path: &Path) -> Result<Config, ConfigError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ConfigError::Invalid(LoadError {
            path: path.to_path_buf(),
            diagnostics: vec![Diagnostic {
                line: 0,
                col: 0,
                width: 1,
                message: format!("the file is not UTF-8 (byte {})", e.valid_up_to()),
                expected: "a UTF-8 TOML file".into(),
                snippet: String::new(),
            }],
        })
    })?;
    parse(text, path).map_err(ConfigError::Invalid)
}

/// The process environment, as the loaders take it.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}
