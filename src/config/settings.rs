//! Each setting's value and where it came from: a flag, then the environment, then the
//! configuration file, then the default — what `runbook config --show` prints.

use super::{ColorWhen, Config};
use std::path::{Path, PathBuf};

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag(&'static str),
    Env(&'static str),
    File,
    Default,
}

impl Source {
    /// `flag --operator`, `env RUNBOOK_OPERATOR`, `config`, `default`.
    pub fn describe(&self) -> String {
        match self {
            Source::Flag(flag) => format!("flag {flag}"),
            Source::Env(var) => format!("env {var}"),
            Source::File => "config".into(),
            Source::Default => "default".into(),
        }
    }

    /// `flag`, `env`, `config` or `default`.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Flag(_) => "flag",
            Source::Env(_) => "env",
            Source::File => "config",
            Source::Default => "default",
        }
    }
}

/// One setting's value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Setting<T> {
    fn new(value: T, source: Source) -> Self {
        Setting { value, source }
    }
}

/// What the command line said (each `None`/`false` when not given).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub operator: Option<String>,
    pub audit_dir: Option<PathBuf>,
    pub signoff_timeout: Option<String>,
    pub color: Option<ColorWhen>,
    pub plain: Option<bool>,
    pub sign_key: Option<String>,
    /// `--anchor` sinks (none given: empty).
    pub anchors: Vec<String>,
}

/// Every setting, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The configuration file that was read, if any.
    pub file: Option<PathBuf>,
    pub operator: Setting<String>,
    /// `None` when no state directory is known (then `--audit-dir` is needed).
    pub audit_dir: Setting<Option<PathBuf>>,
    /// The directories between `./runbooks` and the data directory.
    pub runbook_path: Setting<Vec<PathBuf>>,
    pub signoff_timeout: Setting<String>,
    pub color: Setting<ColorWhen>,
    pub plain: Setting<bool>,
    /// The key sessions sign with (`--sign-key`): a key file or `agent`.
    pub sign_key: Setting<Option<String>>,
    /// Where signed heads are also written (`--anchor`).
    pub anchors: Setting<Vec<String>>,
}

/// The sign-off wait under `--yes` when nothing says otherwise.
pub const DEFAULT_SIGNOFF_TIMEOUT: &str = "5m";

impl Settings {
    /// Flag, then environment, then file, then default, for every setting.
    pub fn resolve(
        flags: &Overrides,
        config: &Config,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Self {
        let env_set = |name: &str| env(name).filter(|v| !v.is_empty());
        Settings {
            file: config.file.clone(),
            operator: pick(
                (flags.operator.clone(), "--operator"),
                (env_set("RUNBOOK_OPERATOR"), "RUNBOOK_OPERATOR"),
                config.operator.clone(),
            )
            .unwrap_or_else(|| Setting::new(default_operator(env), Source::Default)),
            audit_dir: pick(
                (flags.audit_dir.clone(), "--audit-dir"),
                (
                    env_set("RUNBOOK_AUDIT_DIR").map(PathBuf::from),
                    "RUNBOOK_AUDIT_DIR",
                ),
                config.audit_dir.clone(),
            )
            .map(|s| Setting::new(Some(s.value), s.source))
            .unwrap_or_else(|| {
                let default = crate::session::log::sessions_dir(None).ok();
                Setting::new(default, Source::Default)
            }),
            runbook_path: pick(
                (None, ""),
                (
                    env_set("RUNBOOK_PATH").map(|p| split_paths(&p)),
                    "RUNBOOK_PATH",
                ),
                config.runbook_path.clone(),
            )
            .unwrap_or_else(|| Setting::new(Vec::new(), Source::Default)),
            signoff_timeout: pick(
                (flags.signoff_timeout.clone(), "--signoff-timeout"),
                (None, ""),
                config.signoff_timeout.clone(),
            )
            .unwrap_or_else(|| Setting::new(DEFAULT_SIGNOFF_TIMEOUT.into(), Source::Default)),
            color: pick(
                (flags.color, "--color"),
                (env_set("NO_COLOR").map(|_| ColorWhen::Never), "NO_COLOR"),
                config.color,
            )
            .unwrap_or_else(|| Setting::new(ColorWhen::Auto, Source::Default)),
            plain: pick(
                (flags.plain, "--plain"),
                (dumb_terminal(env).then_some(true), "TERM"),
                config.plain,
            )
            .unwrap_or_else(|| Setting::new(false, Source::Default)),
            sign_key: pick(
                (flags.sign_key.clone(), "--sign-key"),
                (None, ""),
                config.sign_key.clone(),
            )
            .map(|s| Setting::new(Some(s.value), s.source))
            .unwrap_or_else(|| Setting::new(None, Source::Default)),
            anchors: pick(
                (
                    Some(flags.anchors.clone()).filter(|a| !a.is_empty()),
                    "--anchor",
                ),
                (None, ""),
                config.anchors.clone(),
            )
            .unwrap_or_else(|| Setting::new(Vec::new(), Source::Default)),
        }
    }

    /// The directories a runbook NAME is looked up in, in order: `./runbooks`, the
    /// runbook path, `runbooks/` in the data directory, then `extra` (the bundled examples).
    pub fn search_dirs(&self, extra: Option<&Path>) -> Vec<PathBuf> {
        let mut dirs = vec![PathBuf::from("runbooks")];
        dirs.extend(self.runbook_path.value.iter().cloned());
        if let Some(project) = directories::ProjectDirs::from("", "", "runbook") {
            dirs.push(project.data_dir().join("runbooks"));
        }
        dirs.extend(extra.map(Path::to_path_buf));
        dirs
    }

    /// Whether the screen may use colour, for output going to a terminal or not.
    pub fn colour_on(&self, to_terminal: bool) -> bool {
        match self.color.value {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => to_terminal,
        }
    }
}

/// The first of flag, environment and file that has a value.
fn pick<T>(
    (flag, flag_name): (Option<T>, &'static str),
    (env, env_name): (Option<T>, &'static str),
    file: Option<T>,
) -> Option<Setting<T>> {
    flag.map(|v| Setting::new(v, Source::Flag(flag_name)))
        .or_else(|| env.map(|v| Setting::new(v, Source::Env(env_name))))
        .or_else(|| file.map(|v| Setting::new(v, Source::File)))
}

/// `$USER`, else the OS user's name.
fn default_operator(env: &dyn Fn(&str) -> Option<String>) -> String {
    env("USER")
        .filter(|u| !u.is_empty())
        .unwrap_or_else(crate::session::engine::os_user)
}

/// `TERM=dumb`: a terminal that cannot take the full screen's escape sequences.
pub fn dumb_terminal(env: &dyn Fn(&str) -> Option<String>) -> bool {
    env("TERM").is_some_and(|t| t == "dumb")
}

fn split_paths(text: &str) -> Vec<PathBuf> {
    std::env::split_paths(text)
        .filter(|p| !p.as_os_str().is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn file() -> Config {
        Config {
            file: Some("/home/ana/.config/runbook/config.toml".into()),
            operator: Some("from-file".into()),
            audit_dir: Some("/file/sessions".into()),
            runbook_path: Some(vec!["/file/runbooks".into()]),
            signoff_timeout: Some("10m".into()),
            color: Some(ColorWhen::Always),
            plain: Some(true),
            sign_key: Some("/keys/k".into()),
            anchors: Some(vec!["syslog".into()]),
        }
    }

    #[test]
    fn a_flag_beats_the_environment_which_beats_the_file() {
        let env = env_of(&[
            ("RUNBOOK_OPERATOR", "from-env"),
            ("RUNBOOK_AUDIT_DIR", "/env/sessions"),
            ("USER", "login"),
        ]);
        let flags = Overrides {
            operator: Some("from-flag".into()),
            ..Overrides::default()
        };
        let s = Settings::resolve(&flags, &file(), &env);
        assert_eq!(
            s.operator,
            Setting::new("from-flag".into(), Source::Flag("--operator"))
        );
        assert_eq!(
            s.audit_dir,
            Setting::new(
                Some("/env/sessions".into()),
                Source::Env("RUNBOOK_AUDIT_DIR")
            )
        );
        assert_eq!(s.signoff_timeout, Setting::new("10m".into(), Source::File));
        assert_eq!(s.runbook_path.source, Source::File);
        assert_eq!(s.sign_key.source, Source::File);
        assert_eq!(
            s.anchors,
            Setting::new(vec!["syslog".to_string()], Source::File)
        );
        let flags = Overrides {
            sign_key: Some("agent".into()),
            anchors: vec!["file:/tmp/heads".into()],
            ..Overrides::default()
        };
        let s = Settings::resolve(&flags, &file(), &env);
        assert_eq!(
            s.sign_key,
            Setting::new(Some("agent".into()), Source::Flag("--sign-key"))
        );
        assert_eq!(s.anchors.value, ["file:/tmp/heads"]);
    }

    #[test]
    fn without_flags_environment_or_file_the_defaults_apply() {
        let env = env_of(&[("USER", "login")]);
        let s = Settings::resolve(&Overrides::default(), &Config::default(), &env);
        assert_eq!(s.operator, Setting::new("login".into(), Source::Default));
        assert_eq!(s.signoff_timeout.value, DEFAULT_SIGNOFF_TIMEOUT);
        assert_eq!(s.color, Setting::new(ColorWhen::Auto, Source::Default));
        assert_eq!(s.plain, Setting::new(false, Source::Default));
        assert!(s.runbook_path.value.is_empty());
        assert_eq!(s.search_dirs(None)[0], PathBuf::from("runbooks"));
    }

    #[test]
    fn no_color_and_a_dumb_terminal_are_the_environment_speaking() {
        let env = env_of(&[
            ("NO_COLOR", "1"),
            ("TERM", "dumb"),
            ("RUNBOOK_PATH", "/a:/b"),
        ]);
        let s = Settings::resolve(&Overrides::default(), &file(), &env);
        assert_eq!(
            s.color,
            Setting::new(ColorWhen::Never, Source::Env("NO_COLOR"))
        );
        assert!(!s.colour_on(true));
        assert_eq!(s.plain, Setting::new(true, Source::Env("TERM")));
        assert_eq!(
            s.runbook_path.value,
            [PathBuf::from("/a"), PathBuf::from("/b")]
        );
        let flags = Overrides {
            color: Some(ColorWhen::Always),
            plain: Some(false),
            ..Overrides::default()
        };
        let s = Settings::resolve(&flags, &file(), &env);
        assert!(s.colour_on(false), "--color always beats NO_COLOR");
        assert_eq!(s.plain, Setting::new(false, Source::Flag("--plain")));
    }

    #[test]
    fn an_empty_no_color_does_not_count() {
        let env = env_of(&[("NO_COLOR", "")]);
        let s = Settings::resolve(&Overrides::default(), &Config::default(), &env);
        assert_eq!(s.color.source, Source::Default);
        assert!(s.colour_on(true) && !s.colour_on(false));
    }
}
