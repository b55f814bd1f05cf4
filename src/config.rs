//! bollwerk's own configuration file (`--config bollwerk.toml`): the values rules compare
//! against. Every key is a rule parameter (`{ param = "…" }` in rule files); see
//! `bollwerk.example.toml` for each key's meaning and the rules that use it.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::rules::params::{names as param_names, PARAMS};
use crate::rules::Params;

/// A config file's contents.
#[derive(Debug, Default)]
pub struct Config {
    /// Rule parameter values.
    pub params: BTreeMap<String, Value>,
    /// `exceptions = "FILE"`: the exceptions file, relative paths taken from the config
    /// file's folder.
    pub exceptions: Option<std::path::PathBuf>,
}

/// Reads a config file. Errors read `file:line: what is wrong`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let name = path.display().to_string();
    let mut text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        file: name.clone(),
        source,
    })?;
    let exceptions = take_exceptions(&name, &mut text)?;
    let exceptions = exceptions.map(|p| {
        let p = std::path::PathBuf::from(p);
        match path.parent() {
            Some(dir) if p.is_relative() => dir.join(p),
            _ => p,
        }
    });
    Ok(Config {
        params: parse(&name, &text)?,
        exceptions,
    })
}

/// Takes the `exceptions = "FILE"` line out of config text (blanked, so line numbers stay),
/// returning its value. Only a top-level string is accepted.
fn take_exceptions(name: &str, text: &mut String) -> Result<Option<String>, ConfigError> {
    let table: toml::Table = match toml::from_str(text) {
        Ok(t) => t,
        Err(_) => return Ok(None), // parse() reports it with its line
    };
    let Some(value) = table.get("exceptions") else {
        return Ok(None);
    };
    let Some(file) = value.as_str() else {
        let at = text
            .lines()
            .position(|l| l.trim_start().starts_with("exceptions"))
            .map_or(1, |i| i + 1);
        return Err(invalid(
            name,
            at,
            "`exceptions` must be a file name in quotes".into(),
        ));
    };
    let kept: Vec<String> = text
        .lines()
        .map(|l| {
            let t = l.trim_start();
            if t.starts_with("exceptions") && t[10..].trim_start().starts_with('=') {
                String::new()
            } else {
                l.to_string()
            }
        })
        .collect();
    *text = kept.join("\n");
    Ok(Some(file.to_string()))
}

/// Why a config file could not be used; each names the file, and the line where one applies.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {file}: {source}")]
    Read {
        /// The file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// Something in it is wrong.
    #[error("{file}:{line}: {what}")]
    Invalid {
        /// The file.
        file: String,
        /// The line (1-based).
        line: usize,
        /// What is wrong, on one line.
        what: String,
    },
}

impl From<ConfigError> for String {
    fn from(e: ConfigError) -> String {
        e.to_string()
    }
}

fn invalid(file: &str, line: usize, what: String) -> ConfigError {
    ConfigError::Invalid {
        file: file.to_string(),
        line,
        what,
    }
}

/// Parses config text.
pub fn parse(name: &str, text: &str) -> Result<BTreeMap<String, Value>, ConfigError> {
    let line = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let table: BTreeMap<String, toml::Spanned<toml::Value>> =
        toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| line(s.start)).unwrap_or(1);
            invalid(name, at, e.message().trim().to_string())
        })?;
    let mut out = BTreeMap::new();
    for (key, value) in table {
        let at = line(value.span().start);
        if !PARAMS.iter().any(|p| p.name == key) {
            return Err(invalid(
                name,
                at,
                format!(
                    "unknown key '{key}': expected one of {}",
                    param_names().join(", ")
                ),
            ));
        }
        let v = serde_json::to_value(value.into_inner())
            .map_err(|e| invalid(name, at, e.to_string()))?;
        let default = PARAMS
            .iter()
            .find(|p| p.name == key)
            .and_then(|p| (p.default)());
        let same_shape = match (&default, &v, key.as_str()) {
            (Some(Value::Number(_)), Value::Number(n), _) => n.as_f64().is_some_and(|n| n >= 0.0),
            (Some(Value::Array(_)), Value::Array(_), _) => true,
            (None, Value::Array(a), _) => a.iter().all(Value::is_string),
            _ => false,
        };
        if !same_shape {
            let want = match default {
                Some(Value::Number(_)) => "a number of at least 0",
                _ => "a list",
            };
            return Err(invalid(name, at, format!("'{key}' must be {want}")));
        }
        out.insert(key, v);
    }
    Ok(out)
}

/// Parameters from defaults, then the config file's values, then `overrides` (flags).
pub fn params(file: BTreeMap<String, Value>, overrides: BTreeMap<String, Value>) -> Params {
    let mut values: BTreeMap<String, Value> = PARAMS
        .iter()
        .filter_map(|p| (p.default)().map(|d| (p.name.to_string(), d)))
        .collect();
    values.extend(file);
    values.extend(overrides);
    Params { values }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_values_and_names_bad_lines() {
        let v = parse(
            "c.toml",
            "trusted-users = [\"alice\"]\nmax-image-age-days = 7\n",
        )
        .unwrap();
        assert_eq!(v["trusted-users"], json!(["alice"]));
        assert_eq!(
            parse("c.toml", "\nmax-image-age = 7\n")
                .unwrap_err()
                .to_string()
                .split(':')
                .take(2)
                .collect::<Vec<_>>(),
            ["c.toml", "2"]
        );
        assert!(parse("c.toml", "max-image-age-days = \"x\"\n")
            .unwrap_err()
            .to_string()
            .contains("must be a number"));
        let p = params(v, BTreeMap::new());
        assert_eq!(p.values["max-image-age-days"], json!(7));
        assert_eq!(p.values["max-restart-retries"], json!(5));
    }

    /// `exceptions = "FILE"` names the exceptions file, relative to the config file; the
    /// parameters around it keep their line numbers in messages.
    #[test]
    fn the_exceptions_file_comes_from_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bollwerk.toml");
        std::fs::write(
            &path,
            "trusted-users = [\"ops\"]\nexceptions = \"accepted.toml\"\nmax-image-age-days = \"x\"\n",
        )
        .unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(
            e.ends_with(":3: 'max-image-age-days' must be a number of at least 0"),
            "{e}"
        );
        std::fs::write(
            &path,
            "exceptions = \"accepted.toml\"\nmax-image-age-days = 9\n",
        )
        .unwrap();
        let c = load(&path).unwrap();
        assert_eq!(c.exceptions, Some(dir.path().join("accepted.toml")));
        assert_eq!(c.params["max-image-age-days"], json!(9));
        std::fs::write(&path, "exceptions = 3\n").unwrap();
        assert!(load(&path)
            .unwrap_err()
            .to_string()
            .ends_with(":1: `exceptions` must be a file name in quotes"));
    }
}
