//! bollwerk's container image (Containerfile, scripts/image-rootfs.sh), built offline on a
//! private daemon from this build's binary and run there against the host: it decides every
//! rule and every container as the same scan run directly does, and reports its own container
//! as the scanner instead of judging it.
//!
//! The shipped image packs `cargo build --profile dist` (stripped); the test packs the test
//! build's binary the same way, as a release build here would take most of CI's CPU.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use support::dockerd::PrivateDaemon;
use support::scan::bollwerk;

/// Every verdict of a report: rule id (and container or image name) → status, leaving out
/// the instance named `skip`.
fn verdicts(report: &Value, skip: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for r in report["results"].as_array().unwrap() {
        let id = r["id"].as_str().unwrap();
        let instances = r["instances"].as_array().unwrap();
        // A per-instance rule's own status is the worst of its instances': compared through
        // them, as the direct scan's includes the scanner's container.
        if instances.is_empty() {
            out.insert(id.to_string(), r["status"].as_str().unwrap().to_string());
        }
        for i in instances {
            let name = i["name"].as_str().unwrap();
            if name != skip {
                out.insert(
                    format!("{id} {} {name}", i["kind"].as_str().unwrap()),
                    i["status"].as_str().unwrap().to_string(),
                );
            }
        }
    }
    out
}

#[test]
fn the_image_scans_the_host_as_a_direct_scan_does_and_knows_its_own_container() {
    let d = PrivateDaemon::start(serde_json::json!({}));
    d.import_busybox();
    d.docker(&[
        "run",
        "-d",
        "--name",
        "weak",
        "--network",
        "none",
        "local/busybox:test",
        "sleep",
        "3600",
    ]);
    d.docker(&[
        "run",
        "-d",
        "--name",
        "hardened",
        "--network",
        "none",
        "--memory",
        "64m",
        "--pids-limit",
        "50",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--read-only",
        "local/busybox:test",
        "sleep",
        "3600",
    ]);
    d.wait_running("weak");
    d.wait_running("hardened");

    // The image: FROM scratch, the binary and the libraries it loads.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let context = tempfile::tempdir().unwrap();
    let built = Command::new(root.join("scripts/image-rootfs.sh"))
        .arg(env!("CARGO_BIN_EXE_bollwerk"))
        .arg(context.path().join("rootfs"))
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let image = Command::new("docker")
        .args([
            "-H",
            &d.socket_url(),
            "build",
            "-q",
            "-t",
            "local/bollwerk:test",
            "-f",
        ])
        .arg(root.join("Containerfile"))
        .arg(context.path().join("rootfs"))
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .unwrap();
    assert!(
        image.status.success(),
        "{}",
        String::from_utf8_lossy(&image.stderr)
    );

    // The scan from the image as the README runs it: host root read-only, the host's pid and
    // network namespaces (the kernel shows /proc/sys/net for the reader's), SYS_PTRACE, the
    // socket at the path it has on the host (so that socket rules look at the same file).
    let sock = d.socket_path();
    let sock = sock.to_str().unwrap();
    let inside = tempfile::tempdir().unwrap();
    let run = Command::new("docker")
        .args([
            "-H",
            &d.socket_url(),
            "run",
            "--name",
            "bollwerk-scanner",
            "--pid",
            "host",
            "--cgroupns",
            "host",
        ])
        .args([
            "--network",
            "host",
            "-v",
            "/:/host:ro",
            "-v",
            &format!("{sock}:{sock}"),
        ])
        .arg("-v")
        .arg(format!("{}:/out", inside.path().display()))
        .args([
            "local/bollwerk:test",
            "scan",
            "--host-root",
            "/host",
            "--all",
        ])
        .args([
            "--docker-host",
            &format!("unix://{sock}"),
            "--format",
            "json",
            "-o",
            "/out",
        ])
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        matches!(run.status.code(), Some(0 | 1 | 3)),
        "the image's scan failed: {said}"
    );
    let from_image: Value = serde_json::from_str(
        &std::fs::read_to_string(inside.path().join("report.json"))
            .unwrap_or_else(|e| panic!("no report from the image ({e}): {said}")),
    )
    .unwrap();

    // The same scan run directly (the scanner's container has exited by now: --all lists it).
    let direct_out = tempfile::tempdir().unwrap();
    let direct = bollwerk(
        &[
            "scan",
            "--docker-host",
            &d.socket_url(),
            "--all",
            "--format",
            "json",
        ],
        direct_out.path(),
    );
    let direct = direct.report();

    // The image knows its container and judges it nowhere.
    assert_eq!(
        from_image["run"]["scanner"]["name"], "bollwerk-scanner",
        "{said}"
    );
    let in_image = verdicts(&from_image, "");
    assert!(
        !in_image
            .keys()
            .any(|k| k.ends_with(" container bollwerk-scanner")),
        "the scanner's container is not scored"
    );
    assert!(
        verdicts(direct, "")
            .keys()
            .any(|k| k.ends_with(" container bollwerk-scanner")),
        "a direct scan does see that container"
    );
    assert!(from_image["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("scanner's own container")));

    // Same verdicts otherwise, rule by rule and container by container.
    let direct = verdicts(direct, "bollwerk-scanner");
    // This machine's sandbox denies reading other processes' namespace links from inside a
    // container even with SYS_PTRACE (and /proc/1/ns even to the host's root), so the image
    // cannot compare containers' namespaces with the host's here: those facts are `error` in
    // its report, with the reason, never a pass. Every other verdict must be the same.
    let unreadable_ns: Vec<String> = from_image["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            let id = r["id"].as_str().unwrap().to_string();
            r["instances"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(move |i| {
                    let why = i["message"].as_str().unwrap_or("");
                    (i["status"] == "error" && why.contains("namespaces")).then(|| {
                        format!(
                            "{id} {} {}",
                            i["kind"].as_str().unwrap(),
                            i["name"].as_str().unwrap()
                        )
                    })
                })
        })
        .collect();
    if !unreadable_ns.is_empty() {
        eprintln!(
            "namespace facts unreadable from inside a container on this machine: {} verdicts are error in the image's scan",
            unreadable_ns.len()
        );
    }
    let differ: Vec<String> = direct
        .iter()
        .filter(|(k, _)| !unreadable_ns.contains(k))
        .filter(|(k, v)| in_image.get(*k) != Some(v))
        .map(|(k, v)| format!("{k}: direct {v}, image {:?}", in_image.get(k)))
        .collect();
    let messages: Vec<String> = from_image["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["instances"].as_array().unwrap().iter())
        .filter(|i| i["status"] == "error")
        .filter_map(|i| i["message"].as_str().map(str::to_string))
        .take(3)
        .collect();
    assert!(
        differ.is_empty(),
        "verdicts differ:\n{}\nfirst reasons in the image's report: {messages:?}\nnotes: {}",
        differ.join("\n"),
        from_image["notes"]
    );
    assert_eq!(direct.len(), in_image.len());
}
