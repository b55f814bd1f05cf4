//! Images: inspect and history documents, registries, age and special files.

use super::*;

impl Gen {
    pub(super) fn image(&self, i: usize) -> ImageFacts {
        let mut rng = Rng::new(self.seed, 0x1_0000_0000 + i as u64);
        let id = format!("sha256:{}", rng.hex(64));
        // Image 0 is built in house; the next ones are well-known public images.
        let (repo, tag) = if (1..=BASE_IMAGES.len()).contains(&i) {
            let (r, t) = BASE_IMAGES[i - 1];
            (r.to_string(), t.to_string())
        } else {
            let team = PROJECTS[i % PROJECTS.len()];
            let svc = SERVICES[(i / PROJECTS.len()) % SERVICES.len()];
            (
                format!("registry.example.com/{team}/{svc}-{}", i / 7),
                format!("1.{}.{}", rng.below(20), rng.below(40)),
            )
        };
        let tagged = i < 2 || !rng.chance(5);
        let tags = if tagged {
            vec![format!("{repo}:{tag}")]
        } else {
            Vec::new()
        };
        let user = match i {
            0 => "app",
            1 => "",
            _ => *rng.pick(IMAGE_USERS),
        };
        // Image 0 is clean, image 1 carries every image finding; the rest are drawn.
        let (clean, dirty) = (i == 0, i == 1);
        let draw = |rng: &mut Rng, percent: u64| dirty || (!clean && rng.chance(percent));
        let created = self.now - Duration::seconds(86_400 * 3 + rng.below(86_400 * 400) as i64);
        let layers = 4 + rng.below(10) as usize;
        let secret_in_env = draw(&mut rng, 8);
        let lone_update = draw(&mut rng, 15);
        let remote_add = draw(&mut rng, 15);
        let setuid = draw(&mut rng, 55);
        let port = *rng.pick(&[80u32, 443, 3000, 5432, 6379, 8080, 8443, 9090]);
        let mut env = vec![json!(
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        )];
        for e in [
            format!("APP_VERSION={tag}"),
            "LANG=C.UTF-8".into(),
            format!("GPG_KEY={}", rng.hex(40).to_uppercase()),
        ] {
            env.push(json!(e));
        }
        if secret_in_env {
            env.push(json!(format!("API_TOKEN={}", rng.hex(32))));
        }
        let healthcheck = (clean || (!dirty && rng.chance(35))).then(|| {
            json!({"Test": ["CMD-SHELL", format!("wget -qO- http://127.0.0.1:{port}/healthz || exit 1")], "Interval": 30_000_000_000u64, "Timeout": 3_000_000_000u64, "Retries": 3})
        });
        let labels = json!({
            "maintainer": "platform-team@example.com",
            "org.opencontainers.image.source": format!("https://git.example.com/{repo}"),
            "org.opencontainers.image.revision": rng.hex(40),
            "org.opencontainers.image.version": tag,
        });
        let mut config = json!({
            "Hostname": "",
            "Domainname": "",
            "User": user,
            "AttachStdin": false,
            "AttachStdout": false,
            "AttachStderr": false,
            "ExposedPorts": {format!("{port}/tcp"): {}},
            "Tty": false,
            "OpenStdin": false,
            "StdinOnce": false,
            "Env": env,
            "Cmd": ["/usr/local/bin/app", "serve"],
            "Image": format!("sha256:{}", rng.hex(64)),
            "Volumes": if rng.chance(30) { json!({"/data": {}}) } else { Value::Null },
            "WorkingDir": "/app",
            "Entrypoint": ["/docker-entrypoint.sh"],
            "OnBuild": null,
            "Labels": labels,
        });
        if let Some(h) = healthcheck {
            config["Healthcheck"] = h;
        }
        let mut container_config = config.clone();
        container_config["Hostname"] = json!(rng.hex(12));
        container_config["Cmd"] = json!([
            "/bin/sh",
            "-c",
            "#(nop) ",
            "CMD [\"/usr/local/bin/app\" \"serve\"]"
        ]);
        let layer_ids: Vec<Value> = (0..layers)
            .map(|_| json!(format!("sha256:{}", rng.hex(64))))
            .collect();
        let size = 5_000_000 + rng.below(900_000_000);
        let overlay = rng.hex(64);
        let inspect = json!({
            "Id": id,
            "RepoTags": tags,
            "RepoDigests": if tagged { json!([format!("{repo}@sha256:{}", rng.hex(64))]) } else { json!([]) },
            "Parent": "",
            "Comment": "",
            "Created": ts(created),
            "Container": rng.hex(64),
            "ContainerConfig": container_config,
            "DockerVersion": self.engine_version(),
            "Author": "",
            "Config": config,
            "Architecture": "amd64",
            "Os": "linux",
            "Size": size,
            "VirtualSize": size,
            "GraphDriver": {
                "Data": {
                    "LowerDir": format!("/var/lib/docker/overlay2/{}/diff:/var/lib/docker/overlay2/{}/diff", rng.hex(64), rng.hex(64)),
                    "MergedDir": format!("/var/lib/docker/overlay2/{overlay}/merged"),
                    "UpperDir": format!("/var/lib/docker/overlay2/{overlay}/diff"),
                    "WorkDir": format!("/var/lib/docker/overlay2/{overlay}/work"),
                },
                "Name": "overlay2"
            },
            "RootFS": {"Type": "layers", "Layers": layer_ids},
            "Metadata": {"LastTagTime": "0001-01-01T00:00:00Z"}
        });
        const STEPS: &[&str] = &[
            "/bin/sh -c apt-get update && apt-get install -y --no-install-recommends ca-certificates curl tzdata && rm -rf /var/lib/apt/lists/*",
            "/bin/sh -c #(nop) WORKDIR /app",
            "/bin/sh -c #(nop) COPY file:4f8a0e3c2a1b9d7e6f5c4b3a2918d7e6f5c4b3a2918d7e6f5c4b3a2918d7e6f in /app/ ",
            "/bin/sh -c #(nop) COPY dir:0c5a8f1e2b3d4c6a7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d in /app/static ",
            "/bin/sh -c groupadd -r app && useradd -r -g app -u 10001 app",
            "/bin/sh -c #(nop)  EXPOSE 8080/tcp",
            "/bin/sh -c #(nop)  ENV LANG=C.UTF-8",
            "/bin/sh -c pip install --no-cache-dir -r requirements.txt",
            "/bin/sh -c npm ci --omit=dev && npm cache clean --force",
            "/bin/sh -c chmod +x /docker-entrypoint.sh",
        ];
        let mut history = Vec::with_capacity(layers + 3);
        history.push(json!({"Id": "<missing>", "Created": created.timestamp() - 9_000_000, "CreatedBy": format!("/bin/sh -c #(nop) ADD file:{} in / ", rng.hex(64)), "Tags": null, "Size": 74_000_000 + rng.below(10_000_000), "Comment": ""}));
        history.push(json!({"Id": "<missing>", "Created": created.timestamp() - 9_000_000, "CreatedBy": "/bin/sh -c #(nop)  CMD [\"bash\"]", "Tags": null, "Size": 0, "Comment": ""}));
        for n in 0..layers {
            history.push(json!({"Id": "<missing>", "Created": created.timestamp() - (layers - n) as i64 * 30, "CreatedBy": rng.pick(STEPS), "Tags": null, "Size": rng.below(50_000_000), "Comment": ""}));
        }
        if lone_update {
            history.push(json!({"Id": "<missing>", "Created": created.timestamp() - 20, "CreatedBy": "/bin/sh -c apt-get update", "Tags": null, "Size": 41_000_000, "Comment": ""}));
        }
        if remote_add {
            history.push(json!({"Id": "<missing>", "Created": created.timestamp() - 10, "CreatedBy": "/bin/sh -c #(nop) ADD https://releases.example.com/tool/v2.4.1/tool-linux-amd64.tar.gz in /opt/ ", "Tags": null, "Size": 12_000_000, "Comment": ""}));
        }
        if !user.is_empty() {
            history.push(json!({"Id": "<missing>", "Created": created.timestamp(), "CreatedBy": format!("/bin/sh -c #(nop)  USER {user}"), "Tags": null, "Size": 0, "Comment": ""}));
        }
        history.push(json!({"Id": id, "Created": created.timestamp(), "CreatedBy": "/bin/sh -c #(nop)  CMD [\"/usr/local/bin/app\" \"serve\"]", "Tags": tags, "Size": 0, "Comment": ""}));
        history.reverse();
        let mut facts: ImageFacts = serde_json::from_value(json!({
            "id": id,
            "tags": tags,
            "inspect": null,
            "history": null,
        }))
        .expect("image facts match the snapshot format");
        facts.registries = bollwerk::collect::docker::registries(&facts.tags);
        facts.age_days = Some((self.now - created).num_days());
        facts.inspect = inspect;
        facts.history = Value::Array(history);
        // As with --deep-images: setuid and setgid files in the image's layers.
        let layer = |rng: &mut Rng| format!("sha256:{}", rng.hex(64));
        facts.special_files = Some(if setuid {
            let mut files = Vec::new();
            for (path, mode) in [
                ("/usr/bin/passwd", "4755"),
                ("/usr/bin/su", "4755"),
                ("/usr/bin/chsh", "4755"),
                ("/usr/bin/newgrp", "4755"),
                ("/usr/bin/chage", "2755"),
                ("/usr/bin/mount", "4755"),
            ] {
                files.push(SpecialFile {
                    path: path.into(),
                    mode: mode.into(),
                    layer: layer(&mut rng),
                });
            }
            files
        } else {
            Vec::new()
        });
        facts
    }
}
