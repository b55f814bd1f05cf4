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

/// Runs `bollwerk ARGS` (plus `-o OUT` for scans) and reads `OUT/report.json`. Standard
/// output is what a scan prints by default (add `-v` for every finding, `-q` for one line).
pub fn bollwerk(args: &[&str], out: &Path) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bollwerk"));
    cmd.args(args)
        .env_remove("DOCKER_HOST")
        .env("NO_COLOR", "1");
    if args.first() == Some(&"scan") {
        cmd.arg("-o").arg(out);
    }
    let o = cmd.output().expect("run bollwerk");
    let report_path = out.join("report.json");
    let report: Option<Value> = std::fs::read_to_string(&report_path)
        .ok()
        .map(|t| serde_json::from_str(&t).expect("report.json is JSON"));
    if let Some(r) = &report {
        // The report must read back into the documented type, unknown fields refused.
        let typed: Result<bollwerk::report::Report, _> = serde_json::from_value(r.clone());
        assert!(
            typed.is_ok(),
            "report.json does not match the Report type: {:?}",
            typed.err()
        );
    }
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        report,
        output: out.to_path_buf(),
    }
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
