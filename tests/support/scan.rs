//! Running the bollwerk binary and reading its JSON report.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// The parsed report.json, when one was written.
    pub report: Option<Value>,
    /// Where the report folder is (kept alive by the caller's tempdir).
    pub output: PathBuf,
}

/// Exit code, standard output and standard error of `bollwerk ARGS` (no report read).
pub fn run(args: &[&str]) -> (i32, String, String) {
    output(&mut command(args))
}

/// bollwerk with `args`, not told of any DOCKER_HOST the tests run under.
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bollwerk"));
    cmd.args(args).env_remove("DOCKER_HOST");
    cmd
}

/// Exit code, standard output and standard error of `cmd`.
pub fn output(cmd: &mut Command) -> (i32, String, String) {
    let o = cmd.output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Runs `bollwerk ARGS` (plus `-o OUT` for scans) and reads `OUT/report.json`. Standard
/// output is what a scan prints by default (add `-v` for every finding, `-q` for one line).
pub fn bollwerk(args: &[&str], out: &Path) -> Run {
    bollwerk_under(&[], args, out)
}

/// `bollwerk scan --docker-host URL --include RULES EXTRA…` into a folder of its own, which
/// lives as long as the returned guard.
pub fn scan_rules(url: &str, rules: &str, extra: &[&str]) -> (Run, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["scan", "--docker-host", url, "--include", rules];
    args.extend_from_slice(extra);
    (bollwerk(&args, out.path()), out)
}

/// The per-rule fixtures' base snapshot (tests/rules/base.json), to edit for a scenario.
pub fn base_snapshot() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rules/base.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `bollwerk scan --snapshot FILE EXTRA…` of `snapshot`, written into `dir`, with the report
/// in `dir/NAME`.
pub fn scan_snapshot(snapshot: &Value, dir: &Path, name: &str, extra: &[&str]) -> Run {
    let file = dir.join(format!("{name}.json"));
    std::fs::write(&file, snapshot.to_string()).unwrap();
    let mut args = vec!["scan", "--snapshot", file.to_str().unwrap()];
    args.extend_from_slice(extra);
    bollwerk(&args, &dir.join(name))
}

/// [`bollwerk`] run by `wrapper` (`["unshare", "--cgroup"]`: bollwerk in a cgroup namespace
/// of its own).
pub fn bollwerk_under(wrapper: &[&str], args: &[&str], out: &Path) -> Run {
    run_binary(env!("CARGO_BIN_EXE_bollwerk"), wrapper, args, out)
}

/// [`bollwerk`] run as user and group 65534 (nobody) with no other groups, as a scanner
/// without root's rights. The binary is copied into `out`'s parent first (the build folder
/// may lie below a home only root may enter); `out` and its parent are made writable for
/// that user.
pub fn bollwerk_unprivileged(args: &[&str], out: &Path) -> Run {
    use std::os::unix::fs::PermissionsExt;
    let dir = out.parent().expect("an output folder with a parent");
    std::fs::create_dir_all(out).unwrap();
    for d in [dir, out] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    let bin = dir.join("bollwerk-unprivileged");
    std::fs::copy(env!("CARGO_BIN_EXE_bollwerk"), &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let wrapper = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--",
    ];
    run_binary(bin.to_str().unwrap(), &wrapper, args, out)
}

fn run_binary(bin: &str, wrapper: &[&str], args: &[&str], out: &Path) -> Run {
    let mut cmd = match wrapper {
        [] => Command::new(bin),
        [first, rest @ ..] => {
            let mut c = Command::new(first);
            c.args(rest).arg(bin);
            c
        }
    };
    cmd.args(args)
        .env_remove("DOCKER_HOST")
        .env("NO_COLOR", "1");
    if args.first() == Some(&"scan") {
        cmd.arg("-o").arg(out);
    }
    let o = cmd.output().expect("run bollwerk");
    let report_path = out.join("report.json");
    let text = std::fs::read_to_string(&report_path).ok();
    if let Some(t) = &text {
        // The report must read back into the documented type, unknown fields refused.
        let typed = bollwerk::report::from_json(t.as_bytes());
        assert!(
            typed.is_ok(),
            "report.json does not match the Report type: {:?}",
            typed.err()
        );
    }
    let report: Option<Value> = text.map(|t| {
        let mut r = serde_json::from_str(&t).expect("report.json is JSON");
        inline_observations(&mut r);
        r
    });
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        report,
        output: out.to_path_buf(),
    }
}

/// Puts each evidence's observation and expectation (report.json lists each observed fact
/// once, in `observations`, each expectation once in `expectations`, and evidence names them by
/// index) back into the evidence as `fact`, `observed`, `source`, `expected` and
/// `expected_text`, as a reader resolving the references sees it. Checks on the way
/// that every index names an observation and that every observation is used.
pub fn inline_observations(report: &mut Value) {
    let Some(list) = report
        .as_object_mut()
        .and_then(|r| r.remove("observations"))
    else {
        return;
    };
    let list = list.as_array().cloned().expect("observations is a list");
    let expectations = report
        .as_object_mut()
        .and_then(|r| r.remove("expectations"))
        .and_then(|x| x.as_array().cloned())
        .unwrap_or_default();
    let mut used = vec![false; list.len()];
    let mut expectation_used = vec![false; expectations.len()];
    let results = report["results"].as_array_mut().expect("results");
    for r in results {
        let mut all: Vec<&mut Value> = Vec::new();
        let (evidence, instances) = {
            let o = r.as_object_mut().expect("a result is an object");
            let mut evidence = None;
            let mut instances = None;
            for (k, v) in o.iter_mut() {
                match k.as_str() {
                    "evidence" => evidence = Some(v),
                    "instances" => instances = Some(v),
                    _ => {}
                }
            }
            (evidence, instances)
        };
        if let Some(Value::Array(es)) = evidence {
            all.extend(es.iter_mut());
        }
        if let Some(Value::Array(is)) = instances {
            for i in is.iter_mut() {
                if let Some(Value::Array(es)) = i.get_mut("evidence") {
                    all.extend(es.iter_mut());
                }
            }
        }
        for e in all {
            let e = e.as_object_mut().expect("evidence is an object");
            if let Some(i) = e.remove("observation") {
                let i = i.as_u64().expect("an index") as usize;
                let o = list.get(i).expect("the index names an observation");
                used[i] = true;
                for key in ["fact", "observed", "source"] {
                    e.insert(key.to_string(), o[key].clone());
                }
            }
            if let Some(i) = e.remove("expectation") {
                let i = i.as_u64().expect("an index") as usize;
                let x = expectations.get(i).expect("the index names an expectation");
                expectation_used[i] = true;
                for key in ["expected", "expected_text"] {
                    e.insert(key.to_string(), x[key].clone());
                }
            }
        }
    }
    assert!(
        used.iter().chain(&expectation_used).all(|u| *u),
        "every observation and expectation in report.json is referred to"
    );
}

impl Run {
    /// The report, or a panic showing what the run printed.
    pub fn report(&self) -> &Value {
        self.report.as_ref().unwrap_or_else(|| {
            panic!(
                "no report.json (exit {}):\n{}\n{}",
                self.code, self.stdout, self.stderr
            )
        })
    }

    /// The result object of rule `id`.
    pub fn rule(&self, id: &str) -> &Value {
        self.report()["results"]
            .as_array()
            .expect("results")
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("rule {id} is not in the report"))
    }

    /// The status of rule `id`.
    pub fn status(&self, id: &str) -> String {
        self.rule(id)["status"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The status of container or image `name` under rule `id`.
    pub fn instance(&self, id: &str, name: &str) -> String {
        let rule = self.rule(id);
        rule["instances"]
            .as_array()
            .expect("instances")
            .iter()
            .find(|i| i["name"] == name)
            .unwrap_or_else(|| {
                panic!(
                    "rule {id} has no instance {name}: {}",
                    serde_json::to_string_pretty(rule).unwrap()
                )
            })["status"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The message of rule `id` (empty when it has none).
    pub fn message(&self, id: &str) -> String {
        self.rule(id)["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The rule-level evidence of rule `id`.
    pub fn evidence(&self, id: &str) -> Vec<Value> {
        self.rule(id)["evidence"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The result object of container or image `name` under rule `id`.
    pub fn instance_result(&self, id: &str, name: &str) -> &Value {
        self.rule(id)["instances"]
            .as_array()
            .expect("instances")
            .iter()
            .find(|i| i["name"] == name)
            .unwrap_or_else(|| panic!("rule {id} has no instance {name}"))
    }

    /// The message of container or image `name` under rule `id`.
    pub fn instance_message(&self, id: &str, name: &str) -> String {
        self.instance_result(id, name)["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The evidence of container or image `name` under rule `id`.
    pub fn instance_evidence(&self, id: &str, name: &str) -> Vec<Value> {
        self.instance_result(id, name)["evidence"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Asserts statuses, showing the rule's JSON on mismatch.
    pub fn expect(&self, id: &str, status: &str) {
        let got = self.status(id);
        assert_eq!(
            got,
            status,
            "rule {id}: {}",
            serde_json::to_string_pretty(self.rule(id)).unwrap()
        );
    }

    /// Asserts an instance's status, showing the rule's JSON on mismatch.
    pub fn expect_instance(&self, id: &str, name: &str, status: &str) {
        let got = self.instance(id, name);
        assert_eq!(
            got,
            status,
            "rule {id}, {name}: {}",
            serde_json::to_string_pretty(self.rule(id)).unwrap()
        );
    }
}
