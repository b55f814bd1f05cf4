//! Placeholders `{kind:name}` in fact paths and texts: rules write `{bin:dockerd}` instead
//! of `/usr/bin/dockerd`, collection resolves each to the path this host has, and evaluation
//! and reports substitute the resolved paths back.

/// Placeholder kinds: `bin:NAME` (host PATH), `unit:NAME` (systemd unit directories),
/// `socket:docker` / `socket:containerd` (from the daemon's settings), `config:daemon.json`.
/// `dir:docker-root` (the data-root in effect), `setting:KEY` (the path a daemon setting names,
/// e.g. `setting:tlscacert`).
pub const LOCATION_KINDS: &[&str] = &["bin", "unit", "socket", "config", "dir", "setting"];

/// The places that name a file the daemon reads (dockerd its daemon.json and TLS files,
/// containerd its config): there, anything but a regular file is wrong, not merely another
/// kind of place. Other places may name a folder (`setting:data-root`, `dir:docker-root`).
pub const READ_FILE_PLACES: [&str; 5] = [
    "config:daemon.json",
    "config:containerd",
    "setting:tlscacert",
    "setting:tlscert",
    "setting:tlskey",
];

/// Whether every `{` in `text` is closed by a `}` before the next `{`.
pub fn balanced_braces(text: &str) -> bool {
    let mut open = false;
    for c in text.chars() {
        match c {
            '{' if open => return false,
            '{' => open = true,
            '}' if !open => return false,
            '}' => open = false,
            _ => {}
        }
    }
    !open
}

/// The placeholders `{kind:name}` in `text`, without braces.
pub fn placeholders_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push(rest[start + 1..start + len].to_string());
        rest = &rest[start + len + 1..];
    }
    out
}

/// The placeholders of prose (remediation texts): `{kind:name}` with a lower-case kind and a
/// name of letters, digits, `.`, `_` and `-`. Other braces (`{"icc": false}`) are text.
pub fn prose_placeholders(text: &str) -> Vec<String> {
    placeholders_in(text)
        .into_iter()
        .filter(|p| {
            p.split_once(':').is_some_and(|(kind, name)| {
                !kind.is_empty()
                    && kind.chars().all(|c| c.is_ascii_lowercase())
                    && !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            })
        })
        .collect()
}

/// A placeholder this host gave no value for (`bin:runc` when no runc binary was found).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("nothing on this host stands for {{{0}}}")]
pub struct Unresolved(pub String);

/// Replaces each placeholder in `text` through `lookup`; the first unresolved placeholder is
/// returned as the error.
pub fn substitute(
    text: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, Unresolved> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 1..start + len];
        out.push_str(&rest[..start]);
        out.push_str(&lookup(name).ok_or_else(|| Unresolved(name.to_string()))?);
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_placeholders() {
        let f = |n: &str| (n == "bin:dockerd").then(|| "/usr/sbin/dockerd".to_string());
        assert_eq!(substitute("{bin:dockerd}", f).unwrap(), "/usr/sbin/dockerd");
        assert_eq!(substitute("{bin:runc}", f).unwrap_err().0, "bin:runc");
    }
}
