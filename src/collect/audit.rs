//! Audit rules: loaded in the kernel (`auditctl -l`) and persistent (`/etc/audit`).

use std::process::Command;

use super::hostfs::HostFs;
use crate::snapshot::{AuditFacts, AuditRule};

/// Reads persistent rules from the host, and loaded rules when `read_loaded` (only for the
/// real root: auditctl talks to this machine's kernel).
pub fn collect(host: &HostFs, read_loaded: bool, errors: &mut Vec<(String, String)>) -> AuditFacts {
    let mut facts = AuditFacts::default();
    let mut files = vec!["/etc/audit/audit.rules".to_string()];
    match host.list_dir("/etc/audit/rules.d") {
        Ok(names) => files.extend(
            names
                .into_iter()
                .filter(|n| n.ends_with(".rules"))
                .map(|n| format!("/etc/audit/rules.d/{n}")),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => errors.push((
            "host.audit".into(),
            format!("cannot list /etc/audit/rules.d: {e}"),
        )),
    }
    for file in files {
        match host.read_to_string(&file) {
            Ok(text) => {
                facts
                    .persistent
                    .extend(parse_rules(&text, |line| format!("{file}:{line}"), host))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => errors.push(("host.audit".into(), format!("cannot read {file}: {e}"))),
        }
    }
    if !read_loaded {
        facts.loaded_unavailable =
            Some("--host-root is not /: loaded rules belong to this machine's kernel".into());
        return facts;
    }
    match Command::new("auditctl").arg("-l").output() {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            facts.loaded = Some(parse_rules(&text, |_| "auditctl -l".to_string(), host));
        }
        Ok(out) => {
            facts.loaded_unavailable = Some(format!(
                "auditctl -l failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
        Err(e) => facts.loaded_unavailable = Some(format!("auditctl not available: {e}")),
    }
    facts
}

/// Parses audit rules (auditctl syntax), keeping those that watch a path. A rule whose action
/// is `never` records nothing: it watches nothing.
pub fn parse_rules(text: &str, source: impl Fn(usize) -> String, host: &HostFs) -> Vec<AuditRule> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let never = tokens.windows(2).any(|pair| {
            matches!(pair[0], "-a" | "-A") && pair[1].split(',').any(|part| part == "never")
        });
        if never {
            continue;
        }
        let mut path: Option<(String, bool)> = None;
        let mut perms = None;
        let mut i = 0;
        while i < tokens.len() {
            match tokens[i] {
                "-w" => {
                    if let Some(p) = tokens.get(i + 1) {
                        let is_dir = host.is_dir(p);
                        path = Some((p.to_string(), is_dir));
                    }
                    i += 1;
                }
                "-p" => {
                    perms = tokens.get(i + 1).map(|s| s.to_string());
                    i += 1;
                }
                "-F" => {
                    if let Some(field) = tokens.get(i + 1) {
                        if let Some(p) = field.strip_prefix("path=") {
                            path = Some((p.to_string(), false));
                        } else if let Some(p) = field.strip_prefix("dir=") {
                            path = Some((p.to_string(), true));
                        } else if let Some(p) = field.strip_prefix("perm=") {
                            perms = Some(p.to_string());
                        }
                    }
                    i += 1;
                }
                _ => {}
            }
            i += 1;
        }
        if let Some((path, recursive)) = path {
            let resolved = host.canonical(&path);
            out.push(AuditRule {
                path,
                recursive,
                perms,
                source: source(n + 1),
                text: line.to_string(),
                resolved,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_watches_and_syscall_rules() {
        let host = HostFs::new(std::path::Path::new("/nonexistent-root"));
        let rules = parse_rules(
            "# c\n-w /usr/bin/dockerd -k docker\n-a always,exit -F path=/run/containerd -F perm=war -k docker\n-a exit,always -F dir=/var/lib/docker -k d\n-D\n",
            |l| format!("f:{l}"),
            &host,
        );
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[0].path, "/usr/bin/dockerd");
        assert_eq!(rules[0].source, "f:2");
        assert_eq!(rules[1].perms.as_deref(), Some("war"));
        assert!(rules[2].recursive);
    }

    #[test]
    fn a_rule_that_records_nothing_is_no_watch() {
        let host = HostFs::new(std::path::Path::new("/nonexistent-root"));
        let rules = parse_rules(
            "-a never,exit -F dir=/etc/docker -F perm=wa\n-A exit,never -F path=/usr/bin/dockerd\n-w /run/containerd -p wa\n",
            |l| format!("f:{l}"),
            &host,
        );
        let paths: Vec<&str> = rules.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["/run/containerd"]);
    }
}
