//! `scan --exceptions FILE`: accepted risks that expire.
//!
//! A fixture host tree (no daemon) where 3.2 fails proves the file's diagnostics, expiry at the
//! boundary second on machines whose time zone is far from UTC, the expiring and stale lists
//! and the exit code; a real private daemon with three containers and an exception on one of
//! them proves per-instance matching and every format (JSON, terminal, HTML, XCCDF validated
//! by validate-xccdf.sh, JUnit, SARIF).

mod browser;
mod support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use support::dockerd::PrivateDaemon;
use support::fixture::HostTree;
use support::scan::{bollwerk, Run};

const NO_DAEMON: &str = "unix:///nonexistent/bollwerk-exceptions-test.sock";
const VALIDATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/conformance/validate-xccdf.sh"
);

/// A host tree whose docker.service is writable by everyone: 3.2 fails, 3.1 passes.
fn weak_host() -> HostTree {
    let host = HostTree::new();
    host.write(
        "lib/systemd/system/docker.service",
        "[Service]\nExecStart=/usr/bin/dockerd\n",
        0o666,
    );
    host
}

/// Scans `host` with the exceptions `text` at time `now` under time zone `tz`.
fn scan_at(
    host: &HostTree,
    text: &str,
    now: &str,
    tz: &str,
    extra: &[&str],
) -> (Run, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("exceptions.toml");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bollwerk"));
    cmd.args([
        "scan",
        "--host-root",
        &host.root_arg(),
        "--docker-host",
        NO_DAEMON,
    ])
    .args(["--include", "3.1,3.2", "--format", "json,terminal,junit"])
    .arg("--exceptions")
    .arg(&file)
    .args(extra)
    .arg("-o")
    .arg(&out)
    .env("BOLLWERK_NOW", now)
    .env("TZ", tz)
    .env("NO_COLOR", "1")
    .env_remove("DOCKER_HOST");
    let o = cmd.output().expect("run bollwerk");
    let report = std::fs::read_to_string(out.join("report.json"))
        .ok()
        .map(|t| {
            let typed = bollwerk::report::from_json(t.as_bytes());
            assert!(typed.is_ok(), "report.json: {:?}", typed.err());
            let mut r = serde_json::from_str::<Value>(&t).unwrap();
            support::scan::inline_observations(&mut r);
            r
        });
    (
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            report,
            output: out,
        },
        dir,
    )
}

const ONE: &str = r#"[[exception]]
id = "EXC-1"
rules = ["3.2"]
justification = "The unit file is replaced by configuration management every hour."
owner = "ops@example.com"
approved-by = "ciso@example.com"
reference = "https://tickets.example.com/SEC-42"
since = 2026-11-01
expires = 2027-01-31
"#;

#[test]
fn a_bare_date_covers_its_whole_day_in_utc_whatever_the_time_zone() {
    let host = weak_host();
    // The last second of the day, on a machine 14 hours ahead of UTC: still in force.
    let (r, _d) = scan_at(
        &host,
        ONE,
        "2027-01-31T23:59:59Z",
        "Pacific/Kiritimati",
        &[],
    );
    assert_eq!(
        r.code, 0,
        "a waived failure does not fail the scan:\n{}{}",
        r.stdout, r.stderr
    );
    r.expect("3.2", "fail");
    let rule = r.rule("3.2");
    assert_eq!(rule["waived"], true);
    assert_eq!(rule["exception"]["id"], "EXC-1");
    assert_eq!(rule["exception"]["expired"], false);
    let counts = &r.report()["summary"]["counts"];
    assert_eq!(counts["fail"], 0);
    assert_eq!(counts["waived"], 1);
    let e = &r.report()["exceptions"][0];
    assert_eq!(e["state"], "in-force");
    assert_eq!(e["waived"], 1);
    assert_eq!(e["expires"], "2027-02-01T00:00:00Z");
    assert_eq!(e["expiring"], true, "within the default 14 days");
    assert!(r.stdout.contains("1 waived"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("Exceptions: 1 in force, waiving 1 finding (score without them 50%)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("EXC-1 expires 2027-01-31 (end of day, UTC)"),
        "{}",
        r.stdout
    );
    let junit = std::fs::read_to_string(r.output.join("report.junit.xml")).unwrap();
    assert!(
        junit.contains(
            "<skipped message=\"waived by EXC-1 until 2027-01-31 (end of day, UTC): The unit file"
        ),
        "{junit}"
    );
    // The counts agree with the testcases: 3.1 passes, 3.2 is waived (skipped).
    assert!(
        junit.contains("tests=\"2\" failures=\"0\" errors=\"0\" time=")
            && junit.contains("tests=\"2\" failures=\"0\" errors=\"0\" skipped=\"1\""),
        "{junit}"
    );

    // The next second, on a machine 11 hours behind UTC: expired, the finding counts again.
    let (r, _d) = scan_at(&host, ONE, "2027-02-01T00:00:00Z", "Pacific/Pago_Pago", &[]);
    assert_eq!(
        r.code, 1,
        "an expired exception covers nothing:\n{}",
        r.stdout
    );
    let rule = r.rule("3.2");
    assert_ne!(rule["waived"], true);
    assert_eq!(rule["exception"]["expired"], true);
    assert_eq!(r.report()["summary"]["counts"]["fail"], 1);
    assert_eq!(r.report()["exceptions"][0]["state"], "expired");
    assert!(
        r.stdout
            .contains("EXC-1 expired on 2027-01-31 (end of day, UTC): its findings count again"),
        "{}",
        r.stdout
    );
}

#[test]
fn timestamps_keep_their_offset_and_since_starts_an_exception() {
    let host = weak_host();
    let text = ONE.replace(
        "expires = 2027-01-31",
        "expires = 2027-01-31T18:00:00+01:00",
    );
    let (r, _d) = scan_at(&host, &text, "2027-01-31T16:59:59Z", "Asia/Tokyo", &[]);
    assert_eq!(r.rule("3.2")["waived"], true);
    let (r, _d) = scan_at(&host, &text, "2027-01-31T17:00:00Z", "Asia/Tokyo", &[]);
    assert_ne!(r.rule("3.2")["waived"], true);
    // Before `since` it does not apply yet.
    let (r, _d) = scan_at(&host, ONE, "2026-10-31T23:59:59Z", "UTC", &[]);
    assert_eq!(r.report()["exceptions"][0]["state"], "not-yet-valid");
    assert_ne!(r.rule("3.2")["waived"], true);
    assert_eq!(r.code, 1);
}

#[test]
fn stale_proposed_and_far_exceptions_are_told_apart() {
    let host = weak_host();
    let text = format!(
        "{ONE}\n[[exception]]\nid = \"EXC-2\"\nrules = [\"3.1\"]\njustification = \"x\"\nexpires = 2030-01-01\n\n\
         [[exception]]\nid = \"EXC-3\"\nrules = [\"3\"]\njustification = \"y\"\nexpires = 2030-01-01\nstatus = \"proposed\"\n"
    );
    let (r, _d) = scan_at(
        &host,
        &text,
        "2026-12-05T12:00:00Z",
        "UTC",
        &["--warn-expiring", "30"],
    );
    let ex = r.report()["exceptions"].as_array().unwrap().clone();
    assert_eq!(ex.len(), 3);
    // 3.1 passes on this host: the exception waives nothing.
    assert_eq!(ex[1]["stale"], true);
    assert_eq!(ex[1]["expiring"], false);
    assert_eq!(ex[2]["state"], "not-accepted");
    assert_eq!(ex[0]["expiring"], false, "57 days away, warn 30");
    assert!(r.stdout.contains("EXC-2 waives nothing"), "{}", r.stdout);
}

/// Every mistake in the file stops bollwerk before it scans, with the file and line.
#[test]
fn a_bad_exceptions_file_names_its_line_and_nothing_is_scanned() {
    let host = weak_host();
    let cases: &[(&str, &str, usize, &str)] = &[
        (
            "unknown rule",
            r#"rules = ["9.99"]"#,
            3,
            "unknown rule '9.99'",
        ),
        (
            "no offset",
            r#"expires = 2027-01-31T18:00:00"#,
            9,
            "no time zone offset",
        ),
        (
            "not a date",
            r#"expires = "next spring""#,
            9,
            "is not a date",
        ),
        (
            "empty justification",
            r#"justification = " ""#,
            4,
            "justification is empty",
        ),
        (
            "status",
            r#"expires = 2027-01-31
status = "maybe""#,
            10,
            "unknown status 'maybe'",
        ),
        (
            "unknown key",
            r#"expires = 2027-01-31
approver = "x""#,
            10,
            "unknown field `approver`",
        ),
    ];
    for (what, line, at, message) in cases {
        let key = line.split(' ').next().unwrap();
        let text: String = ONE
            .lines()
            .map(|l| {
                if l.starts_with(&format!("{key} ")) {
                    line.to_string()
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let (r, d) = scan_at(&host, &text, "2026-12-05T12:00:00Z", "UTC", &[]);
        let file = d.path().join("exceptions.toml");
        assert_eq!(r.code, 2, "{what}: {}", r.stderr);
        let want = format!("{}:{at}: ", file.display());
        assert!(
            r.stderr.contains(&want),
            "{what}: no {want} in {}",
            r.stderr
        );
        assert!(r.stderr.contains(message), "{what}: {}", r.stderr);
        assert_eq!(
            r.stderr.trim().lines().count(),
            1,
            "{what}: one line: {}",
            r.stderr
        );
        assert!(r.report.is_none(), "{what}: nothing is scanned");
    }
    // A missing justification and a duplicate id.
    let no_just: String = ONE
        .lines()
        .filter(|l| !l.starts_with("justification"))
        .collect::<Vec<_>>()
        .join("\n");
    let (r, d) = scan_at(&host, &no_just, "2026-12-05T12:00:00Z", "UTC", &[]);
    assert!(
        r.stderr.contains(&format!(
            "{}:1: exception 'EXC-1' has no justification",
            d.path().join("exceptions.toml").display()
        )),
        "{}",
        r.stderr
    );
    let twice = format!("{ONE}\n{ONE}");
    let (r, _d) = scan_at(&host, &twice, "2026-12-05T12:00:00Z", "UTC", &[]);
    assert!(
        r.stderr
            .contains(":12: duplicate exception id 'EXC-1' (first at line 1)"),
        "{}",
        r.stderr
    );
}

fn create(d: &PrivateDaemon, name: &str, args: &[&str]) {
    let mut all = vec!["run", "-d", "--name", name, "--network", "none"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["local/busybox:test", "sleep", "3600"]);
    d.docker(&all);
    d.wait_running(name);
}

fn daemon_scan(d: &PrivateDaemon, out: &Path, exceptions: &Path) -> Run {
    let sock = d.socket_url();
    let file = exceptions.display().to_string();
    bollwerk(
        &[
            "scan",
            "--docker-host",
            &sock,
            "--include",
            "5.4,BW-CAP-DANGEROUS",
            "--format",
            "json,html,xccdf,junit,sarif",
            "--exceptions",
            &file,
        ],
        out,
    )
}

#[test]
fn an_exception_on_one_container_of_three_in_every_format() {
    let d = PrivateDaemon::start(serde_json::json!({}));
    d.import_busybox();
    create(
        &d,
        "monitoring-exporter",
        &["--cap-add", "SYS_ADMIN", "--label", "team=ops"],
    );
    create(&d, "web", &["--cap-add", "SYS_ADMIN"]);
    create(&d, "db", &[]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("exceptions.toml");
    std::fs::write(
        &file,
        r#"[[exception]]
id = "EXC-7"
rules = ["5.4", "BW-CAP-DANGEROUS"]
containers = ["monitoring-*"]
labels = ["team=ops"]
justification = "The exporter needs it to read process stats <on purpose>; isolated network."
owner = "ops@example.com"
approved-by = "ciso@example.com"
reference = "javascript:alert(1)"
expires = 2099-01-31
"#,
    )
    .unwrap();

    let out = tempfile::tempdir().unwrap();
    let r = daemon_scan(&d, out.path(), &file);
    r.expect_instance("5.4", "monitoring-exporter", "fail");
    r.expect_instance("5.4", "web", "fail");
    r.expect_instance("5.4", "db", "pass");
    assert_eq!(
        r.instance_result("5.4", "monitoring-exporter")["exception"]["id"],
        "EXC-7"
    );
    assert!(r.instance_result("5.4", "web").get("exception").is_none());
    assert_ne!(r.rule("5.4")["waived"], true, "web still fails");
    assert_eq!(r.code, 1);
    assert_eq!(r.report()["exceptions"][0]["waived"], 2);

    // With the unexcepted container gone, both rules are waived and the scan passes.
    d.docker(&["rm", "-f", "web"]);
    let out = tempfile::tempdir().unwrap();
    let r = daemon_scan(&d, out.path(), &file);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.rule("5.4")["waived"], true);
    assert_eq!(r.report()["summary"]["counts"]["waived"], 2);
    assert_eq!(r.report()["summary"]["counts"]["fail"], 0);

    // XCCDF: the rule-result passes with the accepted risk in a message (no override, which
    // OpenSCAP's schematron answers by rejecting the document), and the document stays valid.
    let xccdf_path = out.path().join("report.xccdf.xml");
    let xccdf = std::fs::read_to_string(&xccdf_path).unwrap();
    assert!(!xccdf.contains("<override"), "{xccdf}");
    assert!(xccdf.contains(
        "Accepted risk (EXC-7, by ciso@example.com): the rule failed and counts as passed. The exporter needs it to read process stats &lt;on purpose&gt;"
    ), "{xccdf}");
    let o = Command::new("bash")
        .arg(VALIDATE)
        .arg(&xccdf_path)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "validate-xccdf.sh: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );

    // JUnit: skipped with the exception; SARIF: suppressed by it.
    let junit = std::fs::read_to_string(out.path().join("report.junit.xml")).unwrap();
    assert!(
        junit.contains("<skipped message=\"waived by EXC-7 until 2099-01-31 (end of day, UTC)"),
        "{junit}"
    );
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("report.sarif")).unwrap())
            .unwrap();
    let suppressed: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["suppressions"][0]["kind"] == "external")
        .collect();
    assert_eq!(suppressed.len(), 2, "{sarif:#}");

    // HTML: the section, the mark, host text escaped, no javascript: link.
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("id=\"accepted-risks\""));
    assert!(html.contains("<span class=\"waived-mark\">waived</span>"));
    assert!(html.contains("process stats &lt;on purpose&gt;"));
    assert!(
        !html.contains("href=\"javascript:"),
        "an unsafe reference became a link"
    );
}

#[test]
fn waived_failures_leave_an_undecided_instance_undecided() {
    // Two containers: one shares the host's pid namespace (5.16 fails, waived), the other's
    // namespaces could not be read (5.16 error). Waiving the failure must not make the rule
    // pass: it is `error`, in every format.
    let base = support::scan::base_snapshot();
    let mut snap = base.clone();
    snap["containers"][0]["inspect"]["HostConfig"]["PidMode"] = "host".into();
    let mut unread = base["containers"][0].clone();
    unread["id"] = "b".repeat(64).into();
    unread["name"] = "shop-web-2".into();
    unread["errors"] = serde_json::json!({"inspect.HostConfig.PidMode": "cannot read: EACCES"});
    snap["containers"].as_array_mut().unwrap().push(unread);
    let dir = tempfile::tempdir().unwrap();
    let exceptions = dir.path().join("exceptions.toml");
    std::fs::write(
        &exceptions,
        "[[exception]]\nid = \"EXC-1\"\nrules = [\"5.16\"]\ncontainers = [\"shop-web-1\"]\njustification = \"Monitoring agent.\"\nexpires = 2099-01-31\n",
    )
    .unwrap();
    let args = [
        "--include",
        "5.16",
        "--exceptions",
        exceptions.to_str().unwrap(),
        "--format",
        "json,xccdf,junit",
    ];
    let r = support::scan::scan_snapshot(&snap, dir.path(), "out", &args);
    let out = dir.path().join("out");
    r.expect_instance("5.16", "shop-web-2", "error");
    r.expect("5.16", "error");
    assert_ne!(r.rule("5.16")["waived"], true, "{}", r.rule("5.16"));
    assert_eq!(r.report()["summary"]["counts"]["error"], 1);
    let xccdf = std::fs::read_to_string(out.join("report.xccdf.xml")).unwrap();
    assert!(
        xccdf.contains("<result>error</result>") && !xccdf.contains("<result>pass</result>"),
        "{xccdf}"
    );
    assert_eq!(r.code, 3, "an undecided rule exits 3");
}
