//! `--deep-images`: setuid and setgid files found by streaming images from a real daemon.

mod support;

use std::process::{Command, Stdio};

use support::dockerd::PrivateDaemon;
use support::scan::bollwerk;

/// Imports a busybox rootfs whose busybox binary is setuid root.
fn import_setuid_image(d: &PrivateDaemon, tag: &str) {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy("/bin/busybox", bin.join("busybox")).unwrap();
    Command::new("chmod")
        .args(["4755", bin.join("busybox").to_str().unwrap()])
        .status()
        .unwrap();
    let mut tar = Command::new("tar")
        .args(["-C", dir.path().to_str().unwrap(), "-c", "."])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let sock = d.socket_url();
    let status = Command::new("/usr/bin/docker")
        .args(["-H", &sock, "import", "-", tag])
        .stdin(tar.stdout.take().unwrap())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(tar.wait().unwrap().success(), "tar failed");
    assert!(status.success(), "docker import failed");
}

#[test]
fn deep_images_finds_setuid_files_and_4_8_decides_per_image() {
    let d = PrivateDaemon::start(serde_json::json!({}));
    d.import_busybox();
    import_setuid_image(&d, "local/suid:test");
    let out = tempfile::tempdir().unwrap();
    let snap = out.path().join("snap.json");
    let sock = d.socket_url();
    let c = bollwerk(
        &[
            "collect",
            "--docker-host",
            &sock,
            "--deep-images",
            "-q",
            "-o",
            snap.to_str().unwrap(),
        ],
        out.path(),
    );
    assert_eq!(c.code, 0, "{}", c.stderr);
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    let images = s["images"].as_array().unwrap();
    let by_tag = |tag: &str| images.iter().find(|i| i["tags"][0] == tag).unwrap().clone();
    assert_eq!(
        by_tag("local/suid:test")["special_files"][0]["path"],
        "/bin/busybox"
    );
    assert_eq!(
        by_tag("local/suid:test")["special_files"][0]["mode"],
        "4755"
    );
    assert_eq!(
        by_tag("local/busybox:test")["special_files"],
        serde_json::json!([])
    );

    let r = bollwerk(
        &[
            "scan",
            "--docker-host",
            &sock,
            "--deep-images",
            "--include",
            "4.8",
        ],
        &out.path().join("deep"),
    );
    r.expect_instance("4.8", "local/suid:test", "fail");
    r.expect_instance("4.8", "local/busybox:test", "pass");
    // Without --deep-images the facts are not there: a person or the option must decide.
    let r = bollwerk(
        &["scan", "--docker-host", &sock, "--include", "4.8"],
        &out.path().join("shallow"),
    );
    r.expect("4.8", "notchecked");
    assert!(r.rule("4.8")["instances"][0]["message"]
        .as_str()
        .unwrap()
        .contains("--deep-images"));
}
