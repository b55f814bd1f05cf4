//! Audit watches against this machine's own kernel: a watch loaded with `auditctl` counts only
//! while the kernel records (`auditctl -s` says `enabled 1`); switched off (`enabled 0`, the
//! state of a kernel no auditd has started), it records nothing and the rule fails.
//!
//! The test changes the kernel's audit state for its run: it loads one watch on a temporary
//! file, writes one persistent rule file for it, and switches auditing on and off. A guard puts
//! everything back (the watch, the file, the `enabled` flag as it was). It is this binary's
//! only test, so nothing else reads the kernel's audit state meanwhile (cargo runs test binaries
//! one after another).

mod support;

use std::process::Command;

use support::scan::bollwerk;

/// `auditctl ARGS`, which must succeed; its output.
fn auditctl(args: &[&str]) -> String {
    let out = Command::new("auditctl")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("auditctl {args:?}: {e} (scripts/test.sh installs auditd)"));
    assert!(
        out.status.success(),
        "auditctl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The kernel's `enabled` flag now.
fn enabled() -> u32 {
    auditctl(&["-s"])
        .lines()
        .find_map(|l| l.strip_prefix("enabled "))
        .and_then(|v| v.trim().parse().ok())
        .expect("auditctl -s prints `enabled N`")
}

/// Puts back what the test changed.
struct Restore {
    enabled: u32,
    watched: String,
    persistent: String,
}

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = Command::new("auditctl")
            .args(["-W", &self.watched, "-p", "wa", "-k", "bollwerk-test"])
            .output();
        let _ = std::fs::remove_file(&self.persistent);
        let _ = Command::new("auditctl")
            .args(["-e", &self.enabled.to_string()])
            .output();
    }
}

#[test]
fn a_watch_loaded_while_the_kernel_records_nothing_is_no_watch() {
    let before = enabled();
    if before == 2 {
        // Locked on (`-e 2`) until reboot: it cannot be switched off to test that case.
        eprintln!("SKIP: this kernel's auditing is locked on (auditctl -s: enabled 2)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let watched = dir.path().join("watched");
    std::fs::write(&watched, "").unwrap();
    let watched = watched.display().to_string();
    let persistent = format!(
        "/etc/audit/rules.d/zz-bollwerk-test-{}.rules",
        std::process::id()
    );
    let _restore = Restore {
        enabled: before,
        watched: watched.clone(),
        persistent: persistent.clone(),
    };
    let rule = format!("-w {watched} -p wa -k bollwerk-test");
    std::fs::create_dir_all("/etc/audit/rules.d").unwrap();
    std::fs::write(&persistent, format!("{rule}\n")).unwrap();
    auditctl(&["-w", &watched, "-p", "wa", "-k", "bollwerk-test"]);

    let checks = tempfile::tempdir().unwrap();
    std::fs::write(
        checks.path().join("audit.toml"),
        format!(
            r#"
[[rule]]
id = "BW-TEST-AUDIT"
title = "The test file is watched"
description = "d"
rationale = "r"
remediation = "m"
level = 1
assessment = "automated"
severity = "low"
scope = "host"
references = ["tests/audit_kernel.rs"]
check = {{ fact = "host.audit", audits = "{watched}" }}
"#
        ),
    )
    .unwrap();
    let scan = |out: &std::path::Path| {
        bollwerk(
            &[
                "scan",
                "--checks",
                &checks.path().display().to_string(),
                "--include",
                "BW-TEST-AUDIT",
                "--docker-host",
                "unix:///nonexistent/bollwerk-test.sock",
            ],
            out,
        )
    };

    // Recording: the loaded watch and the persistent one both count.
    auditctl(&["-e", "1"]);
    let out = tempfile::tempdir().unwrap();
    let r = scan(out.path());
    r.expect("BW-TEST-AUDIT", "pass");

    // Switched off: the same watch is loaded, but the kernel records nothing.
    auditctl(&["-e", "0"]);
    assert!(
        auditctl(&["-l"]).contains(&watched),
        "the watch is still loaded"
    );
    let out = tempfile::tempdir().unwrap();
    let r = scan(out.path());
    r.expect("BW-TEST-AUDIT", "fail");
    let msg = r.message("BW-TEST-AUDIT");
    assert!(msg.contains("enabled 0"), "{msg}");
    let observed = &r.evidence("BW-TEST-AUDIT")[0]["observed"];
    assert!(
        observed["loaded"]
            .as_str()
            .is_some_and(|l| l.starts_with("none recording")),
        "{observed}"
    );
}
