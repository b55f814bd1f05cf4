//! The engine's release line against bollwerk's dated release data (CIS 1.2.2).

use serde::Deserialize;

use crate::snapshot::EngineSupport;

/// The release data, embedded.
pub const RELEASES: &str = include_str!("../../checks/data/docker-engine-releases.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Releases {
    as_of: String,
    line: Vec<Line>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    line: String,
    #[serde(default)]
    end_of_life: Option<String>,
}

/// The release data built into bollwerk does not parse (a packaging mistake).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("checks/data/docker-engine-releases.toml: {0}")]
pub struct ReleaseDataError(pub String);

/// Where `version` stands on `today` (`YYYY-MM-DD`).
pub fn support(version: &str, today: &str) -> Result<EngineSupport, ReleaseDataError> {
    let data: Releases =
        toml::from_str(RELEASES).map_err(|e| ReleaseDataError(e.message().to_string()))?;
    let mut parts = version.split(['.', '+', '-', '~']);
    let (major, minor) = (parts.next().unwrap_or(""), parts.next().unwrap_or("0"));
    let line = format!("{major}.{minor}");
    // Lines are listed by major.minor; a patch release belongs to the newest listed line of
    // its major version that is not newer than it.
    let known = data.line.iter().find(|l| l.line == line).or_else(|| {
        data.line
            .iter()
            .filter(|l| l.line.split('.').next() == Some(major))
            .find(|l| {
                l.line.split('.').nth(1).and_then(|m| m.parse::<u32>().ok())
                    <= minor.parse::<u32>().ok()
            })
    });
    let (end_of_life, supported) = match known {
        Some(l) => {
            let eol = l.end_of_life.clone();
            let ok = eol.as_deref().is_none_or(|d| d > today);
            (eol, Some(ok))
        }
        None => (None, None),
    };
    Ok(EngineSupport {
        version: version.to_string(),
        line,
        end_of_life,
        supported,
        data_as_of: data.as_of,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_lines_are_out_of_support_and_new_ones_in() {
        let s = support("20.10.24+dfsg1", "2026-11-28").unwrap();
        assert_eq!((s.line.as_str(), s.supported), ("20.10", Some(false)));
        assert_eq!(s.end_of_life.as_deref(), Some("2023-12-10"));
        assert_eq!(
            support("29.0.1", "2026-11-28").unwrap().supported,
            Some(true)
        );
        assert_eq!(
            support("20.10.0", "2022-01-01").unwrap().supported,
            Some(true)
        );
        assert_eq!(support("99.1.0", "2026-11-28").unwrap().supported, None);
    }
}
