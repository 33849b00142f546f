//! Parameters and the starting environment: `--param K=V`, else a prompt, else
//! the default; validated against `pattern`; passed to commands only as
//! environment variables (`version` → `$VERSION`), never spliced into shell text.

use crate::doc::model::{Param, Runbook};
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ParamError {
    #[error("`{0}` is not a parameter of this runbook; it takes: {1}")]
    Unknown(String, String),
    #[error("`{given}` for `{name}` does not match its pattern {pattern}")]
    Mismatch {
        name: String,
        given: String,
        pattern: String,
    },
    #[error("`{0}` has no value: pass --param {0}=VALUE")]
    Missing(String),
    #[error("`{0}` is not KEY=VALUE")]
    Malformed(String),
    #[error("required environment variables are not set: {0}")]
    EnvMissing(String),
}

/// Parses a `--param` argument.
pub fn parse_assignment(arg: &str) -> Result<(String, String), ParamError> {
    match arg.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(ParamError::Malformed(arg.to_string())),
    }
}

/// `--param` values for declared parameters (in order), and for placeholders by name.
pub type Split = (Vec<(String, String)>, BTreeMap<String, String>);

/// `--param` values split between the runbook's declared parameters and its placeholders
/// (`<cluster-name>` is named `cluster-name` or `CLUSTER_NAME`); a name that is neither is
/// an error listing both. A declared parameter also fills a placeholder read from the same
/// variable, once its value is known (see [`placeholder_values`]).
pub fn split_given(runbook: &Runbook, given: Vec<(String, String)>) -> Result<Split, ParamError> {
    let placeholders = runbook.placeholders();
    let mut params = Vec::new();
    let mut filled = BTreeMap::new();
    for (name, value) in given {
        let is_param = runbook.meta.params.iter().any(|p| p.name == name);
        let is_placeholder = placeholders.iter().any(|p| p.name == name || p.env == name);
        if is_placeholder {
            filled.insert(name.clone(), value.clone());
        }
        if is_param || !is_placeholder {
            params.push((name, value));
        }
    }
    let unknown = params
        .iter()
        .find(|(name, _)| !runbook.meta.params.iter().any(|p| &p.name == name));
    if let Some((name, _)) = unknown {
        let mut names: Vec<String> = runbook.meta.params.iter().map(|p| p.name.clone()).collect();
        names.extend(
            placeholders
                .iter()
                .map(|p| format!("{} (placeholder)", p.name)),
        );
        let list = if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        };
        return Err(ParamError::Unknown(name.clone(), list));
    }
    Ok((params, filled))
}

/// The placeholder values given on the command line, plus each declared parameter's
/// value for a placeholder read from the same variable.
pub fn placeholder_values(
    runbook: &Runbook,
    given: &BTreeMap<String, String>,
    params: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut values = given.clone();
    for placeholder in runbook.placeholders() {
        let from_param = runbook
            .meta
            .params
            .iter()
            .find(|p| p.env_name() == placeholder.env)
            .and_then(|p| params.get(&p.name));
        let explicit =
            values.contains_key(&placeholder.name) || values.contains_key(&placeholder.env);
        if let (Some(value), false) = (from_param, explicit) {
            values.insert(placeholder.env.clone(), value.clone());
        }
    }
    values
}

/// Where values the command line did not give come from.
pub enum Source<'a> {
    /// Take defaults without asking (`--yes`, or no terminal).
    Defaults,
    /// Ask: the callback gets the parameter and returns the typed line (`None` at end of input).
    Ask(&'a mut dyn FnMut(&Param, Option<&str>) -> Option<String>),
}

/// Resolves every parameter to its value, keyed by parameter name.
pub fn resolve(
    runbook: &Runbook,
    given: &[(String, String)],
    mut source: Source,
) -> Result<BTreeMap<String, String>, ParamError> {
    let declared = &runbook.meta.params;
    for (name, _) in given {
        if !declared.iter().any(|p| &p.name == name) {
            let names: Vec<&str> = declared.iter().map(|p| p.name.as_str()).collect();
            let list = if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            };
            return Err(ParamError::Unknown(name.clone(), list));
        }
    }
    let mut values = BTreeMap::new();
    for param in declared {
        let value = match given.iter().rev().find(|(n, _)| n == &param.name) {
            Some((_, v)) => v.clone(),
            None => ask(param, &mut source)?,
        };
        check_pattern(param, &value)?;
        values.insert(param.name.clone(), value);
    }
    Ok(values)
}

fn ask(param: &Param, source: &mut Source) -> Result<String, ParamError> {
    let Source::Ask(prompt) = source else {
        return param
            .default
            .clone()
            .ok_or_else(|| ParamError::Missing(param.name.clone()));
    };
    loop {
        let Some(line) = prompt(param, param.default.as_deref()) else {
            return param
                .default
                .clone()
                .ok_or_else(|| ParamError::Missing(param.name.clone()));
        };
        let value = if line.trim().is_empty() {
            param.default.clone()
        } else {
            Some(line.trim().to_string())
        };
        match value {
            Some(v) if check_pattern(param, &v).is_ok() => return Ok(v),
            _ => continue,
        }
    }
}

fn check_pattern(param: &Param, value: &str) -> Result<(), ParamError> {
    let Some(pattern) = &param.pattern else {
        return Ok(());
    };
    let matches = regex::Regex::new(pattern)
        .map(|re| re.is_match(value))
        .unwrap_or(false);
    if matches {
        Ok(())
    } else {
        Err(ParamError::Mismatch {
            name: param.name.clone(),
            given: value.to_string(),
            pattern: pattern.clone(),
        })
    }
}

/// Replaces `{{name}}` (spaces allowed inside the braces) with parameter values, for
/// titles and prose shown to people; unknown names stay as written. Commands never
/// see this: they get parameters as environment variables only.
pub fn interpolate(text: &str, params: &BTreeMap<String, String>) -> String {
    if params.is_empty() || !text.contains("{{") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        match after.find("}}") {
            Some(close) => {
                let name = after[..close].trim();
                match params.get(name) {
                    Some(value) => out.push_str(value),
                    None => out.push_str(&rest[open..open + 2 + close + 2]),
                }
                rest = &after[close + 2..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The environment the first step starts with: the operator's environment plus
/// each parameter as `$NAME`. Fails listing every `env.require` name that is unset.
pub fn starting_env(
    runbook: &Runbook,
    inherited: BTreeMap<String, String>,
    params: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, ParamError> {
    let mut env = inherited;
    for param in &runbook.meta.params {
        if let Some(value) = params.get(&param.name) {
            env.insert(param.env_name(), value.clone());
        }
    }
    let missing: Vec<&str> = runbook
        .meta
        .env
        .require
        .iter()
        .filter(|name| env.get(*name).is_none_or(|v| v.is_empty()))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        Ok(env)
    } else {
        Err(ParamError::EnvMissing(missing.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::load_str;
    use std::path::Path;

    fn runbook() -> Runbook {
        load_str(
            "---\nparams:\n  version: {default: v1.0.0, pattern: '^v\\d+\\.\\d+\\.\\d+$'}\n  region: {}\nenv:\n  require: [DATABASE_URL, REGION_TOKEN]\n---\n# T\n- [ ] x\n",
            Path::new("t.md"),
        )
        .expect("valid")
    }

    #[test]
    fn command_line_values_win_and_defaults_fill_in() {
        let rb = runbook();
        let given = vec![("region".to_string(), "eu-west-1".to_string())];
        let values = resolve(&rb, &given, Source::Defaults).expect("resolves");
        assert_eq!(values["version"], "v1.0.0");
        assert_eq!(values["region"], "eu-west-1");
    }

    #[test]
    fn bad_values_and_unknown_names_are_rejected() {
        let rb = runbook();
        let bad = vec![
            ("version".into(), "1.0".into()),
            ("region".into(), "x".into()),
        ];
        assert!(matches!(
            resolve(&rb, &bad, Source::Defaults),
            Err(ParamError::Mismatch { .. })
        ));
        let unknown = vec![("colour".into(), "x".into())];
        assert!(matches!(
            resolve(&rb, &unknown, Source::Defaults),
            Err(ParamError::Unknown(..))
        ));
        assert_eq!(
            resolve(&rb, &[], Source::Defaults),
            Err(ParamError::Missing("region".into()))
        );
    }

    #[test]
    fn prompts_repeat_until_the_pattern_matches_and_enter_takes_the_default() {
        let rb = runbook();
        let mut answers = vec!["2.0".to_string(), String::new(), "eu".to_string()]
            .into_iter()
            .rev()
            .collect::<Vec<_>>();
        let mut asked = Vec::new();
        let mut prompt = |p: &Param, _: Option<&str>| {
            asked.push(p.name.clone());
            answers.pop()
        };
        let values = resolve(&rb, &[], Source::Ask(&mut prompt)).expect("resolves");
        assert_eq!(values["region"], "eu");
        assert_eq!(values["version"], "v1.0.0");
        assert_eq!(
            asked,
            ["version", "version", "region"],
            "asked in order, again after a mismatch"
        );
    }

    #[test]
    fn titles_and_prose_show_parameter_values() {
        let params = BTreeMap::from([("version".to_string(), "v2.1.0".to_string())]);
        assert_eq!(
            interpolate("Deploy {{version}} and {{ version }}", &params),
            "Deploy v2.1.0 and v2.1.0"
        );
        assert_eq!(
            interpolate("{{unknown}} stays, {{ unclosed", &params),
            "{{unknown}} stays, {{ unclosed"
        );
        assert_eq!(interpolate("no braces", &BTreeMap::new()), "no braces");
    }

    #[test]
    fn params_become_env_and_required_env_is_checked_all_at_once() {
        let rb = runbook();
        let params = BTreeMap::from([("version".to_string(), "v2.0.0".to_string())]);
        let err = starting_env(&rb, BTreeMap::new(), &params).expect_err("missing env");
        assert_eq!(
            err,
            ParamError::EnvMissing("DATABASE_URL, REGION_TOKEN".into())
        );
        let inherited = BTreeMap::from([
            ("DATABASE_URL".to_string(), "pg://".to_string()),
            ("REGION_TOKEN".to_string(), "t".to_string()),
        ]);
        let env = starting_env(&rb, inherited, &params).expect("env");
        assert_eq!(env["VERSION"], "v2.0.0");
    }
}
