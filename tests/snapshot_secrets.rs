//! Saved snapshots say no more than reports: `bollwerk collect` masks the secrets rule 4.10
//! finds (in images and in the containers made from them) unless `--keep-secrets` is given,
//! and a masked snapshot replayed with `scan --snapshot` gives the same verdicts.

mod support;

use std::process::Command;

use support::dockerd::PrivateDaemon;
use support::scan::bollwerk;

/// The secrets, each only in one image's ENV (and in the container made from the first).
const PASSWORD: &str = "s3cret-pw-value";
const KEY: &str = "AKIAQWERTYUIOPASDFGH";

fn collect(sock: &str, file: &std::path::Path, keep: bool) -> (String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bollwerk"));
    cmd.args(["collect", "--all", "-q", "--docker-host", sock, "-o"])
        .arg(file)
        .env_remove("DOCKER_HOST");
    if keep {
        cmd.arg("--keep-secrets");
    }
    let o = cmd.output().expect("run bollwerk collect");
    assert!(o.status.success(), "collect failed: {o:?}");
    (
        std::fs::read_to_string(file).expect("snapshot written"),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn collect_masks_secrets_unless_asked_to_keep_them() {
    let d = PrivateDaemon::start(serde_json::json!({}));
    d.import_busybox_as(
        "local/password:1",
        &[&format!("ENV DB_PASSWORD={PASSWORD}"), "ENV MODE=prod"],
    );
    // A key-shaped secret whose masked form no longer looks like a key: only the count of
    // masked strings keeps 4.10 failing on replay.
    d.import_busybox_as("local/key:1", &[&format!("ENV CLOUD_ID={KEY}")]);
    d.import_busybox_as("local/clean:1", &["ENV MODE=prod"]);
    d.docker(&["create", "--name", "app", "local/password:1", "true"]);
    let sock = d.socket_url();
    let dir = tempfile::tempdir().unwrap();

    let masked = dir.path().join("masked.json");
    let (text, stderr) = collect(&sock, &masked, false);
    for secret in [PASSWORD, KEY] {
        assert!(!text.contains(secret), "the snapshot holds {secret}");
    }
    assert!(
        text.contains("DB_PASSWORD=[redacted]"),
        "masked as in reports"
    );
    assert!(text.contains("MODE=prod"), "ordinary variables stay");
    assert!(!stderr.contains("--keep-secrets"), "{stderr}");

    let kept = dir.path().join("kept.json");
    let (text, stderr) = collect(&sock, &kept, true);
    for secret in [PASSWORD, KEY] {
        assert!(text.contains(secret), "--keep-secrets lost {secret}");
    }
    assert!(stderr.contains("warning: --keep-secrets"), "{stderr}");

    // Live, masked and kept: 4.10 gives the same verdict per image.
    let live = bollwerk(
        &["scan", "--docker-host", &sock, "--include", "4.10"],
        &dir.path().join("live"),
    );
    for (name, file) in [("masked", &masked), ("kept", &kept)] {
        let replay = bollwerk(
            &[
                "scan",
                "--snapshot",
                &file.display().to_string(),
                "--include",
                "4.10",
            ],
            &dir.path().join(name),
        );
        for (image, status) in [
            ("local/password:1", "fail"),
            ("local/key:1", "fail"),
            ("local/clean:1", "pass"),
        ] {
            live.expect_instance("4.10", image, status);
            replay.expect_instance("4.10", image, status);
        }
    }
}
