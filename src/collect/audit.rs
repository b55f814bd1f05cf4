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
    // augenrules loads the files one after another: a `never` rule in one quiets the watches
    // of the files after it.
    let mut order = RuleOrder::default();
    for file in files {
        match host.read_to_string(&file) {
            Ok(text) => order.read(&text, |line| format!("{file}:{line}"), host),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => errors.push(("host.audit".into(), format!("cannot read {file}: {e}"))),
        }
    }
    // Auditing switched off at boot (`-e 0` read last): no watch records anything.
    facts.persistent_disabled_by = order.disabled.clone();
    facts.persistent = if order.disabled.is_some() {
        Vec::new()
    } else {
        order.watches()
    };
    if !read_loaded {
        facts.loaded_unavailable =
            Some("--host-root is not /: loaded rules belong to this machine's kernel".into());
        return facts;
    }
    // On the live root the loaded rules are a fact to read: failing to is an error. So is
    // whether the kernel records anything at all: rules loaded while auditing is switched
    // off (`auditctl -e 0`, or never switched on) watch nothing.
    match kernel_state(auditctl) {
        Ok((0, _)) => {
            facts.loaded = Some(Vec::new());
            facts.loaded_disabled_by =
                Some("auditctl -s: enabled 0 (auditing is switched off in the kernel)".into());
        }
        Ok((_, text)) => {
            facts.loaded = Some(parse_rules(&text, |_| "auditctl -l".to_string(), host));
        }
        Err(failed) => {
            errors.push(("host.audit.loaded".into(), failed.clone()));
            facts.loaded_unavailable = Some(failed);
        }
    }
    facts
}

/// The kernel's `enabled` flag and, while it records, its loaded rules (empty otherwise:
/// switched off, no rule counts, and `auditctl` is not started again for nothing); `run`
/// gives what `auditctl ARG` prints.
fn kernel_state(run: impl Fn(&str) -> Result<String, String>) -> Result<(u32, String), String> {
    let status = run("-s")?;
    match enabled_flag(&status)? {
        0 => Ok((0, String::new())),
        enabled => Ok((enabled, run("-l")?)),
    }
}

/// What `auditctl ARG` prints, or why it could not be run.
fn auditctl(arg: &str) -> Result<String, String> {
    match Command::new("auditctl").arg(arg).output() {
        Ok(out) if out.status.success() => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(out) => Err(format!(
            "auditctl {arg} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Err(format!("auditctl not available: {e}")),
    }
}

/// The `enabled` value of `auditctl -s` output: 0 off, 1 on, 2 on and locked. audit 3 prints
/// a line `enabled N`; audit 2 printed one line of `key=value` (`AUDIT_STATUS: enabled=1 …`).
fn enabled_flag(status: &str) -> Result<u32, String> {
    let line_form = status
        .lines()
        .find_map(|line| line.trim().strip_prefix("enabled "));
    let pair_form = || {
        status
            .split_whitespace()
            .find_map(|word| word.strip_prefix("enabled="))
    };
    line_form
        .or_else(pair_form)
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            "auditctl -s printed no `enabled` line: whether the kernel records anything is unknown"
                .into()
        })
}

/// Parses audit rules (auditctl syntax), keeping those that watch a path, as the kernel
/// applies them (see [`RuleOrder`]).
pub fn parse_rules(text: &str, source: impl Fn(usize) -> String, host: &HostFs) -> Vec<AuditRule> {
    let mut order = RuleOrder::default();
    order.read(text, source, host);
    order.watches()
}

/// Audit rules in the order the kernel holds them. On the exit list the first rule that
/// matches an event decides it, so a `never` rule for a path (`-a never,exit -F path=…`) quiets
/// the access types it names for every watch of that path behind it: appended after it (`-a`,
/// `-w`), or placed before it with `-A`. A watch all of whose access types are quieted records
/// nothing and is left out; one partly quieted keeps the rest (`-p wa` behind a never rule for
/// `perm=a` still records writes). A never rule narrowed by other fields (`-F auid=…`,
/// `-F exe=…`, a syscall list) quiets only some events, and the watch counts. `-D` deletes the
/// rules read before it in the same text.
#[derive(Default)]
struct RuleOrder {
    /// Watches with their place in the list and the number of the text they were read from.
    watches: Vec<(i64, usize, AuditRule)>,
    /// Never rules: place, text number, path, whether below it too, the access types quieted.
    quiet: Vec<(i64, usize, String, bool, String)>,
    /// The place of the last appended rule; prepended rules count down from 0.
    appended: i64,
    prepended: i64,
    /// Texts read so far.
    texts: usize,
    /// Where the last `-e 0` was read, when auditing was switched off last.
    disabled: Option<String>,
}

/// Every access type a watch can ask for (`-p rwxa`); a rule with no `-p`/`perm=` asks for all.
const ALL_ACCESS: &str = "rwxa";

impl RuleOrder {
    fn read(&mut self, text: &str, source: impl Fn(usize) -> String, host: &HostFs) {
        self.texts += 1;
        let this = self.texts;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let tokens: Vec<&str> = line.split_whitespace().collect();
            if tokens.first() == Some(&"-D") {
                // Deletes what this text loaded before it.
                self.watches.retain(|w| w.1 != this);
                self.quiet.retain(|q| q.1 != this);
                continue;
            }
            if let ["-e", flag, ..] = tokens.as_slice() {
                // The last `-e` read decides whether the kernel records anything at all.
                self.disabled = (*flag == "0").then(|| format!("{} ({line})", source(n + 1)));
                continue;
            }
            if tokens.first() == Some(&"-W") {
                // Deletes the watch of that path (and access types) read before it.
                let path = tokens.get(1).copied().unwrap_or_default();
                let perms = tokens
                    .windows(2)
                    .find(|w| w[0] == "-p")
                    .map(|w| w[1].to_string());
                self.watches
                    .retain(|w| !(w.2.path == path && w.2.perms == perms));
                continue;
            }
            let Some(parsed) = parse_line(&tokens) else {
                continue;
            };
            let at = if parsed.prepend {
                self.prepended -= 1;
                self.prepended
            } else {
                self.appended += 1;
                self.appended
            };
            let Some((path, recursive)) = parsed.path else {
                continue;
            };
            if parsed.never {
                if parsed.exit_list && !parsed.narrowed {
                    let perms = parsed.perms.unwrap_or_else(|| ALL_ACCESS.into());
                    self.quiet.push((at, this, path, recursive, perms));
                }
                continue;
            }
            let recursive = recursive || (parsed.watch && host.is_dir(&path));
            let resolved = host.canonical(&path);
            self.watches.push((
                at,
                this,
                AuditRule {
                    path,
                    recursive,
                    perms: parsed.perms,
                    source: source(n + 1),
                    text: line.to_string(),
                    resolved,
                },
            ));
        }
    }

    /// The watches that still record something, in the order they were read, each with the
    /// access types left to it.
    fn watches(self) -> Vec<AuditRule> {
        let quiet = self.quiet;
        self.watches
            .into_iter()
            .filter_map(|(at, _, mut rule)| {
                let mut left: String = rule.perms.as_deref().unwrap_or(ALL_ACCESS).to_string();
                for (_, _, path, recursive, perms) in quiet.iter().filter(|q| q.0 < at) {
                    let covers = |p: &str| {
                        p == path
                            || (*recursive
                                && p.starts_with(&format!("{}/", path.trim_end_matches('/'))))
                    };
                    // A never rule below a watched directory quiets only part of it.
                    if covers(&rule.path) {
                        left.retain(|c| !perms.contains(c));
                    }
                }
                if left.is_empty() {
                    return None;
                }
                if rule.perms.as_deref().unwrap_or(ALL_ACCESS) != left {
                    rule.perms = Some(left);
                }
                Some(rule)
            })
            .collect()
    }
}

/// What one line of auditctl syntax says.
struct ParsedLine {
    /// `-w PATH`, `-F path=PATH` (not recursive) or `-F dir=PATH` (recursive).
    path: Option<(String, bool)>,
    perms: Option<String>,
    /// The action is `never`.
    never: bool,
    /// The rule is on the exit list (`-w` watches are).
    exit_list: bool,
    /// `-A`: placed before the rules already loaded.
    prepend: bool,
    /// `-w`: a watch, recursive when its path is a directory.
    watch: bool,
    /// Fields besides path, dir, perm, arch and key: the rule applies to some events only.
    narrowed: bool,
}

fn parse_line(tokens: &[&str]) -> Option<ParsedLine> {
    let mut line = ParsedLine {
        path: None,
        perms: None,
        never: false,
        exit_list: false,
        prepend: false,
        watch: false,
        narrowed: false,
    };
    let mut i = 0;
    while i < tokens.len() {
        let next = tokens.get(i + 1).copied();
        match tokens[i] {
            "-a" | "-A" => {
                let parts: Vec<&str> = next?.split(',').collect();
                line.never = parts.contains(&"never");
                line.exit_list = parts.contains(&"exit");
                line.prepend = tokens[i] == "-A";
                i += 1;
            }
            "-w" => {
                line.path = next.map(|p| (p.to_string(), false));
                line.watch = true;
                line.exit_list = true;
                i += 1;
            }
            "-p" => {
                line.perms = next.map(str::to_string);
                i += 1;
            }
            "-S" => {
                line.narrowed |= next != Some("all");
                i += 1;
            }
            "-F" => {
                if let Some(field) = next {
                    if let Some(p) = field.strip_prefix("path=") {
                        line.path = Some((p.to_string(), false));
                    } else if let Some(p) = field.strip_prefix("dir=") {
                        line.path = Some((p.to_string(), true));
                    } else if let Some(p) = field.strip_prefix("perm=") {
                        line.perms = Some(p.to_string());
                    } else if !(field.starts_with("arch=")
                        || field.starts_with("key=")
                        || field.starts_with("key!="))
                    {
                        line.narrowed = true;
                    }
                }
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    Some(line)
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_kernel_s_enabled_flag_is_read_from_auditctl_s() {
        let status = "enabled 0\nfailure 1\npid 0\nrate_limit 0\nbacklog_limit 64\n";
        assert_eq!(enabled_flag(status), Ok(0));
        assert_eq!(enabled_flag("enabled 2\npid 812\n"), Ok(2));
        assert_eq!(enabled_flag("AUDIT_STATUS: enabled=0 flag=1 pid=0"), Ok(0));
        assert!(enabled_flag("").is_err());
        assert!(enabled_flag("enabled yes").is_err());
    }

    #[test]
    fn the_loaded_rules_are_listed_only_while_the_kernel_records() {
        let rules = "-w /usr/bin/dockerd -p wa -k docker\n";
        let asked = std::cell::RefCell::new(Vec::new());
        let auditctl = |status: &'static str| {
            let asked = &asked;
            move |arg: &str| {
                asked.borrow_mut().push(arg.to_string());
                Ok(if arg == "-s" { status } else { rules }.to_string())
            }
        };
        assert_eq!(
            kernel_state(auditctl("enabled 0\n")),
            Ok((0, String::new()))
        );
        assert_eq!(*asked.borrow(), ["-s"]);
        asked.borrow_mut().clear();
        assert_eq!(kernel_state(auditctl("enabled 1\n")), Ok((1, rules.into())));
        assert_eq!(*asked.borrow(), ["-s", "-l"]);
        // Locked on (`-e 2`) records too.
        asked.borrow_mut().clear();
        assert_eq!(kernel_state(auditctl("enabled 2\n")), Ok((2, rules.into())));
        assert_eq!(*asked.borrow(), ["-s", "-l"]);
        // Whether the kernel records cannot be told: nothing is listed, and that is an error.
        asked.borrow_mut().clear();
        assert!(kernel_state(auditctl("pid 0\n")).is_err());
        assert_eq!(*asked.borrow(), ["-s"]);
        // Rules that cannot be listed while the kernel records are an error.
        let failing = |arg: &str| match arg {
            "-s" => Ok("enabled 1\n".to_string()),
            _ => Err("auditctl -l failed: permission denied".to_string()),
        };
        assert_eq!(
            kernel_state(failing),
            Err("auditctl -l failed: permission denied".into())
        );
    }

    use super::*;

    #[test]
    fn parses_watches_and_syscall_rules() {
        let host = HostFs::new(std::path::Path::new("/nonexistent-root"));
        let rules = parse_rules(
            "-D\n# c\n-w /usr/bin/dockerd -k docker\n-a always,exit -F path=/run/containerd -F perm=war -k docker\n-a exit,always -F dir=/var/lib/docker -k d\n",
            |l| format!("f:{l}"),
            &host,
        );
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[0].path, "/usr/bin/dockerd");
        assert_eq!(rules[0].source, "f:3");
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

    #[test]
    fn a_never_rule_ahead_of_a_watch_quiets_it() {
        let host = HostFs::new(std::path::Path::new("/nonexistent-root"));
        let watched = |text: &str| -> Vec<(String, Option<String>)> {
            parse_rules(text, |l| format!("f:{l}"), &host)
                .into_iter()
                .map(|r| (r.path, r.perms))
                .collect()
        };
        let docker =
            |perms: Option<&str>| vec![("/etc/docker".to_string(), perms.map(String::from))];
        // Appended before the watch: the watch records nothing.
        assert_eq!(
            watched("-a never,exit -F dir=/etc -F perm=wa\n-w /etc/docker -p wa\n"),
            []
        );
        // Behind the watch it comes too late, unless placed ahead of it with -A.
        assert_eq!(
            watched("-w /etc/docker -p wa\n-a never,exit -F path=/etc/docker\n"),
            docker(Some("wa"))
        );
        assert_eq!(
            watched("-w /etc/docker -p wa\n-A never,exit -F path=/etc/docker\n"),
            []
        );
        // Quieting attribute changes leaves writes recorded; a never rule narrowed to one
        // user, one syscall or another list quiets nothing for everyone.
        assert_eq!(
            watched("-a never,exit -F path=/etc/docker -F perm=a\n-w /etc/docker -p wa\n"),
            docker(Some("w"))
        );
        for narrowed in [
            "-a never,exit -F path=/etc/docker -F auid=1000\n",
            "-a never,exit -S openat -F path=/etc/docker\n",
            "-a never,task -F path=/etc/docker\n",
        ] {
            assert_eq!(
                watched(&format!("{narrowed}-w /etc/docker -p wa\n")),
                docker(Some("wa")),
                "{narrowed}"
            );
        }
        // -W deletes the watch read before it.
        assert_eq!(watched("-w /etc/docker -p wa\n-W /etc/docker -p wa\n"), []);
        // -D deletes what came before it in the same text.
        assert_eq!(
            watched("-a never,exit -F path=/etc/docker\n-D\n-w /etc/docker -p wa\n"),
            docker(Some("wa"))
        );
    }
}
