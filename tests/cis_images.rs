//! CIS Docker 1.8.0 section 4 (images) against images built for the purpose on a private
//! daemon with the legacy builder: one well-made image, one badly made image, and one image per
//! place a secret can hide (environment, labels, build arguments in the history).

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use support::dockerd::{PrivateDaemon, DOCKER_CLI};
use support::scan::bollwerk;

/// Builds `dockerfile` as `tag` with the legacy builder (DOCKER_BUILDKIT=0, which writes the
/// `#(nop)` history lines the rules read), in a context holding `files` (name, content, mode).
fn build(
    d: &PrivateDaemon,
    tag: &str,
    dockerfile: &str,
    files: &[(&str, &[u8], u32)],
    args: &[&str],
) {
    let ctx = tempfile::Builder::new()
        .prefix("ctx-")
        .tempdir_in(d.dir())
        .expect("build context under the daemon dir");
    fs::write(ctx.path().join("Dockerfile"), dockerfile).unwrap();
    for (name, bytes, mode) in files {
        let p = ctx.path().join(name);
        fs::write(&p, bytes).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(*mode)).unwrap();
    }
    let mut cmd = Command::new(DOCKER_CLI);
    cmd.env("DOCKER_BUILDKIT", "0")
        .arg("-H")
        .arg(d.socket_url())
        .args(["build", "-q", "-t", tag]);
    for a in args {
        cmd.args(["--build-arg", a]);
    }
    let out = cmd
        .arg(ctx.path())
        .stdin(Stdio::null())
        .output()
        .expect("run docker build");
    assert!(
        out.status.success(),
        "docker build of {tag} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A tar archive of one small file tree, for `ADD rootfs.tar /`.
fn rootfs_tar(dir: &Path) -> Vec<u8> {
    let tree = dir.join("tree");
    fs::create_dir_all(tree.join("opt")).unwrap();
    fs::write(tree.join("opt/hello.txt"), "hello\n").unwrap();
    let tar = dir.join("rootfs.tar");
    let ok = Command::new("tar")
        .arg("-C")
        .arg(&tree)
        .arg("-cf")
        .arg(&tar)
        .arg(".")
        .status()
        .expect("run tar")
        .success();
    assert!(ok, "tar failed");
    fs::read(tar).unwrap()
}

const GITHUB_TOKEN: &str = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
const AWS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";

#[test]
fn image_rules_tell_well_made_images_from_badly_made_ones() {
    let d = PrivateDaemon::start(serde_json::json!({}));
    d.import_busybox();
    let scratch = tempfile::tempdir().unwrap();
    let tar = rootfs_tar(scratch.path());
    let fake_apt: (&str, &[u8], u32) = ("apt-get", b"#!/bin/sh\nexit 0\n", 0o755);

    // A fake apt-get lets RUN steps that refresh the index run on busybox.
    build(
        &d,
        "local/good:1",
        "FROM local/busybox:test\n\
         ADD rootfs.tar /\n\
         COPY apt-get /bin/apt-get\n\
         ARG VERSION\n\
         RUN apt-get update && apt-get install -y curl && echo $VERSION\n\
         ENV DB_PASSWORD_FILE=/run/secrets/db API_TOKEN=\n\
         LABEL org.opencontainers.image.title=good\n\
         HEALTHCHECK CMD true\n\
         USER nobody\n",
        &[fake_apt, ("rootfs.tar", &tar, 0o644)],
        &["VERSION=1.2.3"],
    );
    build(
        &d,
        "local/bad:1",
        "FROM local/busybox:test\n\
         COPY apt-get /bin/apt-get\n\
         RUN apt-get update\n\
         RUN apt-get install -y curl\n\
         ADD file.txt /file.txt\n\
         ENV DB_PASSWORD=hunter2\n\
         HEALTHCHECK NONE\n",
        &[fake_apt, ("file.txt", b"hello\n", 0o644)],
        &[],
    );
    // 4.7 whatever the options and wherever the output goes: a refresh alone still fails, a
    // quiet refresh followed by an install passes.
    for (tag, step) in [
        (
            "local/apt-quiet:1",
            "apt-get -o Acquire::Retries=3 -qq update > /dev/null 2>&1",
        ),
        (
            "local/apt-quiet-then:1",
            "apt-get -o Acquire::Retries=3 update >/dev/null && apt-get install -y curl",
        ),
    ] {
        let dockerfile =
            format!("FROM local/busybox:test\nCOPY apt-get /bin/apt-get\nRUN {step}\n");
        build(&d, tag, &dockerfile, &[fake_apt], &[]);
    }
    build(
        &d,
        "local/secret-env:1",
        &format!("FROM local/busybox:test\nENV CI_AUTH={GITHUB_TOKEN}\n"),
        &[],
        &[],
    );
    build(
        &d,
        "local/secret-label:1",
        &format!("FROM local/busybox:test\nLABEL com.example.deploy={AWS_KEY_ID}\n"),
        &[],
        &[],
    );
    build(
        &d,
        "local/secret-label-name:1",
        "FROM local/busybox:test\nLABEL com.example.db.password=hunter2\n",
        &[],
        &[],
    );
    build(
        &d,
        "local/secret-key:1",
        "FROM local/busybox:test\nENV TLS_KEY=\"-----BEGIN EC PRIVATE KEY-----\"\n",
        &[],
        &[],
    );
    // The build argument is in no ENV: only the history of the RUN step that saw it keeps it.
    build(
        &d,
        "local/secret-arg:1",
        "FROM local/busybox:test\nARG NPM_TOKEN\nRUN true\n",
        &[],
        &["NPM_TOKEN=s3cr3t-value"],
    );
    build(
        &d,
        "registry.example.com:5000/outside:1",
        "FROM local/busybox:test\nLABEL origin=elsewhere\n",
        &[],
        &[],
    );
    // 4.1: the user Docker runs, however it is spelt.
    for (tag, user) in [
        ("local/user-00:1", "USER 00"),
        ("local/user-plus0:1", "USER +0"),
        ("local/user-group-only:1", "USER :1000"),
        ("local/user-1000:1", "USER 1000"),
    ] {
        d.import_busybox_as(tag, &[user]);
    }

    let sock = d.socket_url();
    let out = tempfile::tempdir().unwrap();
    let r = bollwerk(
        &["scan", "--docker-host", &sock, "--include", "4"],
        &out.path().join("plain"),
    );

    // 4.6: HEALTHCHECK present; NONE switches it off; an imported image has none.
    r.expect_instance("4.6", "local/good:1", "pass");
    r.expect_instance("4.6", "local/bad:1", "fail");
    r.expect_instance("4.6", "local/busybox:test", "fail");
    r.expect("4.6", "fail");

    // 4.7: `RUN apt-get update` alone fails; update and install in one step passes.
    r.expect_instance("4.7", "local/good:1", "pass");
    r.expect_instance("4.7", "local/bad:1", "fail");
    r.expect_instance("4.7", "local/busybox:test", "pass");
    r.expect_instance("4.7", "local/apt-quiet:1", "fail");
    r.expect_instance("4.7", "local/apt-quiet-then:1", "pass");
    assert!(
        r.instance_message("4.7", "local/bad:1")
            .contains("apt-get update"),
        "{}",
        r.instance_message("4.7", "local/bad:1")
    );

    // 4.9: ADD of a file fails; ADD of an archive into / (a root file system) passes.
    r.expect_instance("4.9", "local/good:1", "pass");
    r.expect_instance("4.9", "local/bad:1", "fail");
    r.expect_instance("4.9", "local/busybox:test", "pass");
    assert!(r
        .instance_message("4.9", "local/bad:1")
        .contains("ADD file:"));

    // 4.10: one image per hiding place; the good image's *_FILE, empty value and ordinary
    // build argument do not count.
    r.expect_instance("4.10", "local/good:1", "pass");
    r.expect_instance("4.10", "local/busybox:test", "pass");
    r.expect_instance("4.10", "registry.example.com:5000/outside:1", "pass");
    // The report says where a secret sits without repeating it (rule 4.10 redacts).
    for (image, shown, secret) in [
        ("local/bad:1", "DB_PASSWORD=[redacted]", "hunter2"),
        ("local/secret-env:1", "redacted", GITHUB_TOKEN),
        ("local/secret-label:1", "redacted", AWS_KEY_ID),
        ("local/secret-key:1", "TLS_KEY=[redacted]", "BEGIN EC"),
        ("local/secret-arg:1", "redacted", "s3cr3t-value"),
    ] {
        r.expect_instance("4.10", image, "fail");
        let m = r.instance_message("4.10", image);
        assert!(
            m.contains(shown) && !m.contains(secret),
            "4.10 {image}: {m}"
        );
        let ev = serde_json::to_string(&r.instance_evidence("4.10", image)).unwrap();
        assert!(
            !ev.contains(secret),
            "4.10 {image}: the evidence repeats the secret: {ev}"
        );
    }
    // A label whose name says it holds a secret.
    r.expect_instance("4.10", "local/secret-label-name:1", "fail");
    let ev = r.instance_evidence("4.10", "local/secret-label-name:1");
    assert!(
        ev.iter().any(|e| e["fact"] == "image.inspect.Config.Labels"
            && e["outcome"] == "fail"
            && e["observed"]["com.example.db.password"] == "[redacted]"),
        "{ev:#?}"
    );
    let arg_msg = r.instance_message("4.10", "local/secret-arg:1");
    assert!(arg_msg.starts_with("image.history["), "{arg_msg}");

    // 4.1 still reads Config.User.
    r.expect_instance("4.1", "local/good:1", "pass");
    r.expect_instance("4.1", "local/bad:1", "fail");
    // Spellings of root Docker accepts: uid 0 with zeros or a sign, a group with no user.
    for image in [
        "local/user-00:1",
        "local/user-plus0:1",
        "local/user-group-only:1",
    ] {
        r.expect_instance("4.1", image, "fail");
    }
    r.expect_instance("4.1", "local/user-1000:1", "pass");

    // 4.2 without an allow-list: notchecked, naming the parameter and what was found.
    r.expect("4.2", "notchecked");
    let m = r.instance_message("4.2", "registry.example.com:5000/outside:1");
    assert!(
        m.contains("registry-allow-list") && m.contains("registry.example.com:5000"),
        "{m}"
    );

    // Manual recommendations stay notchecked with guidance.
    for id in ["4.3", "4.4", "4.5", "4.8", "4.11", "4.12"] {
        r.expect(id, "notchecked");
        assert!(
            r.rule(id)["remediation"].as_str().unwrap().len() > 40,
            "{id} gives guidance"
        );
    }

    // 4.2 with an allow-list from the config file.
    let cfg = out.path().join("hub-only.toml");
    fs::write(&cfg, "registry-allow-list = [\"docker.io\"]\n").unwrap();
    let r = bollwerk(
        &[
            "scan",
            "--docker-host",
            &sock,
            "--include",
            "4.2",
            "--config",
            cfg.to_str().unwrap(),
        ],
        &out.path().join("hub-only"),
    );
    r.expect_instance("4.2", "local/good:1", "pass");
    r.expect_instance("4.2", "registry.example.com:5000/outside:1", "fail");
    r.expect("4.2", "fail");

    let cfg = out.path().join("both.toml");
    fs::write(
        &cfg,
        "registry-allow-list = [\"docker.io\", \"registry.example.com:5000\"]\n",
    )
    .unwrap();
    let r = bollwerk(
        &[
            "scan",
            "--docker-host",
            &sock,
            "--include",
            "4.2",
            "--config",
            cfg.to_str().unwrap(),
        ],
        &out.path().join("both"),
    );
    r.expect("4.2", "pass");
}
