//! `runbook config --show`: every setting's value and where it came from; `--path`: the file.

use crate::config::{Overrides, Setting, Settings};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `runbook config` was asked.
#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// Print every setting, its value and where it came from (the default).
    #[arg(long)]
    pub show: bool,
    /// Print only the configuration file's path.
    #[arg(long, conflicts_with_all = ["show", "json"])]
    pub path: bool,
    /// The settings as JSON (README: JSON output).
    #[arg(long)]
    pub json: bool,
    /// As `run --operator`, to see it take precedence.
    #[arg(long, value_name = "NAME")]
    pub operator: Option<String>,
    /// As `run --audit-dir`.
    #[arg(long, value_name = "DIR")]
    pub audit_dir: Option<PathBuf>,
    /// As `run --signoff-timeout`.
    #[arg(long, value_name = "DURATION")]
    pub signoff_timeout: Option<String>,
    /// As `run --plain`.
    #[arg(long, require_equals = true, num_args = 0..=1, default_missing_value = "true")]
    pub plain: Option<bool>,
}

impl ConfigArgs {
    /// The flags given to `config`, to show their precedence.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            operator: self.operator.clone(),
            audit_dir: self.audit_dir.clone(),
            signoff_timeout: self.signoff_timeout.clone(),
            color: None,
            plain: self.plain,
            sign_key: None,
            anchors: Vec::new(),
        }
    }
}

/// `runbook config`: the file's path with `--path`, else the settings (`extras.path` is
/// filled in here).
pub fn config(args: &ConfigArgs, settings: &Settings, extras: Extras, out: &mut impl Write) -> i32 {
    let path = crate::config::config_path(&crate::config::process_env);
    if args.path {
        let shown = path
            .as_ref()
            .map_or("(no configuration directory known)".into(), |p| {
                p.display().to_string()
            });
        let _ = writeln!(out, "{shown}");
        return 0;
    }
    let extras = Extras {
        path: path.as_deref(),
        ..extras
    };
    show(settings, &extras, args.json, out)
}

/// What `config --show` prints besides the settings.
pub struct Extras<'a> {
    /// Where the configuration file is looked for.
    pub path: Option<&'a Path>,
    /// The directories a NAME is looked up in, in order.
    pub search: &'a [PathBuf],
    /// The diagnostics file of `RUNBOOK_LOG`, when it is on.
    pub debug_log: Option<&'a Path>,
}

/// The settings as aligned lines (`KEY  VALUE  FROM`), or as JSON.
pub fn show(settings: &Settings, extras: &Extras, as_json: bool, out: &mut impl Write) -> i32 {
    let text = if as_json {
        serde_json::to_string_pretty(&json(settings, extras)).unwrap_or_default()
    } else {
        table(settings, extras)
    };
    let _ = writeln!(out, "{}", text.trim_end());
    0
}

fn rows(s: &Settings) -> Vec<(&'static str, String, String)> {
    fn row<T>(
        key: &'static str,
        setting: &Setting<T>,
        shown: String,
    ) -> (&'static str, String, String) {
        (key, shown, setting.source.describe())
    }
    let path_list = |paths: &[PathBuf]| -> String {
        let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        if list.is_empty() {
            "-".into()
        } else {
            list.join(", ")
        }
    };
    vec![
        row("operator", &s.operator, s.operator.value.clone()),
        row(
            "audit_dir",
            &s.audit_dir,
            s.audit_dir
                .value
                .as_deref()
                .map_or("-".into(), |p| p.display().to_string()),
        ),
        row(
            "runbook_path",
            &s.runbook_path,
            path_list(&s.runbook_path.value),
        ),
        row(
            "signoff_timeout",
            &s.signoff_timeout,
            s.signoff_timeout.value.clone(),
        ),
        row("color", &s.color, s.color.value.word().into()),
        row("plain", &s.plain, s.plain.value.to_string()),
        row(
            "sign_key",
            &s.sign_key,
            s.sign_key.value.clone().unwrap_or_else(|| "-".into()),
        ),
        row(
            "anchors",
            &s.anchors,
            if s.anchors.value.is_empty() {
                "-".into()
            } else {
                s.anchors.value.join(", ")
            },
        ),
    ]
}

fn table(settings: &Settings, extras: &Extras) -> String {
    let file = match (&settings.file, extras.path) {
        (Some(read), _) => format!("{} (read)", read.display()),
        (None, Some(path)) => format!("{} (not found: defaults apply)", path.display()),
        (None, None) => "(no configuration directory known)".into(),
    };
    let mut text = format!("configuration file: {file}\n\n");
    let rows = rows(settings);
    let key_w = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let value_w = rows
        .iter()
        .map(|r| r.1.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(5, 60);
    text.push_str(&format!("{:<key_w$}  {:<value_w$}  FROM\n", "KEY", "VALUE"));
    for (key, value, from) in rows {
        text.push_str(&format!("{key:<key_w$}  {value:<value_w$}  {from}\n"));
    }
    let search: Vec<String> = extras
        .search
        .iter()
        .map(|d| d.display().to_string())
        .collect();
    text.push_str(&format!(
        "\nrunbook NAMEs are looked up in: {}\n",
        search.join(", ")
    ));
    match extras.debug_log {
        Some(file) => text.push_str(&format!("diagnostics (RUNBOOK_LOG): {}\n", file.display())),
        None => text.push_str("diagnostics (RUNBOOK_LOG): off\n"),
    }
    text
}

fn json(settings: &Settings, extras: &Extras) -> serde_json::Value {
    fn entry<T: serde::Serialize>(setting: &Setting<T>) -> serde_json::Value {
        serde_json::json!({ "value": setting.value, "source": setting.source.kind(), "from": setting.source.describe() })
    }
    let s = settings;
    serde_json::json!({
        "schema": 1,
        "file": s.file.as_ref().map(|p| p.display().to_string()),
        "looked_for": extras.path.map(|p| p.display().to_string()),
        "settings": {
            "operator": entry(&s.operator),
            "audit_dir": entry(&s.audit_dir),
            "runbook_path": entry(&s.runbook_path),
            "signoff_timeout": entry(&s.signoff_timeout),
            "color": entry(&Setting { value: s.color.value.word(), source: s.color.source.clone() }),
            "plain": entry(&s.plain),
            "sign_key": entry(&s.sign_key),
            "anchors": entry(&s.anchors),
        },
        "search": extras.search.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "debug_log": extras.debug_log.map(|p| p.display().to_string()),
    })
}
