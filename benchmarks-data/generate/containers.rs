//! Containers: inspect documents, runtime facts, processes and execs.

use super::*;

impl Gen {
    // `..Default::default()` keeps the generator compiling when the snapshot model gains fields.
    #[allow(clippy::needless_update)]
    pub(super) fn container(&self, i: usize, images: &[ImageFacts]) -> ContainerFacts {
        let mut rng = Rng::new(self.seed, i as u64);
        let id = rng.hex(64);
        let project = project_name(i / 8);
        let service = SERVICES[i % SERVICES.len()];
        let name = format!("{project}-{service}-{}", i / SERVICES.len() % 1000 + 1);
        // Container 0 is hardened, container 1 is as weak as possible; the rest are drawn.
        let hardened = i == 0;
        let weak = i == 1;

        let tidy = self.secure(K_HYGIENE);
        let (tagged_id, image_ref) = if images.is_empty() {
            (None, "unknown:latest".to_string())
        } else {
            // A tidy host uses every image; otherwise only the first half is in use. Popular
            // images first: a skewed pick.
            let n = if tidy {
                images.len()
            } else {
                images.len().div_ceil(2)
            } as u64;
            let a = rng.below(n);
            let b = rng.below(n);
            let pick = if tidy && i < images.len() {
                i
            } else {
                a.min(b) as usize
            };
            let img = &images[pick];
            (
                Some(img.id.clone()),
                img.tags.first().cloned().unwrap_or_else(|| img.id.clone()),
            )
        };
        // Some containers still run an image their tag no longer points to.
        let stale_image = weak || tagged_id.is_none() || (!hardened && rng.chance(6));
        let image_id = match (&tagged_id, stale_image) {
            (Some(id), false) => id.clone(),
            _ => format!("sha256:{}", rng.hex(64)),
        };
        let current_image_id = tagged_id;
        let sshd = weak || (!hardened && rng.chance(1));
        let exec_ids: Vec<String> = if hardened || weak || rng.chance(3) {
            (0..1 + rng.below(2)).map(|_| rng.hex(64)).collect()
        } else {
            Vec::new()
        };

        let running = hardened || weak || rng.chance(if tidy { 95 } else { 70 });
        // Workers and cron jobs neither expose nor publish ports.
        let serves = !matches!(service, "worker" | "cron");
        let cgroupns_host = weak || (!hardened && rng.chance(5));
        let cgroup_parent = if weak || (!hardened && rng.chance(3)) {
            "/custom-slice"
        } else {
            ""
        };
        // Rarely the limit in force differs from the one configured (changed behind Docker's
        // back), which the BW-CGROUP rules catch.
        let limits_drift = weak || (!hardened && rng.chance(1));
        let created = self.now - Duration::seconds(3600 + rng.below(86_400 * 60) as i64);
        let started = created + Duration::milliseconds(300 + rng.below(2000) as i64);
        let pid = 4000 + i as u32 * 7;

        // Security-relevant settings.
        let privileged = weak || (!hardened && rng.chance(3));
        let cap_add: Value = if hardened {
            Value::Null
        } else if weak {
            json!(["SYS_ADMIN", "NET_ADMIN"])
        } else if rng.chance(15) {
            let n = 1 + rng.below(2) as usize;
            Value::Array((0..n).map(|_| json!(rng.pick(CAPS))).collect())
        } else if rng.chance(10) {
            json!([])
        } else {
            Value::Null
        };
        let cap_drop = if hardened || rng.chance(20) {
            json!(["ALL"])
        } else {
            Value::Null
        };
        let network_mode = if hardened {
            format!("{project}_default")
        } else if weak {
            "host".to_string()
        } else {
            match rng.below(100) {
                0..=4 => "host".to_string(),
                5..=9 => "none".to_string(),
                10..=24 => "bridge".to_string(),
                25..=27 => format!("container:{}", rng.hex(64)),
                _ => format!("{project}_default"),
            }
        };
        let host_net = network_mode == "host";
        // Rarely, a container shares the host's network namespace by other means.
        let sneaky_host_net = running && !host_net && i % 1000 == 500;
        let memory: u64 = if hardened {
            256 << 20
        } else if weak || rng.chance(40) {
            0
        } else {
            (64u64 << 20) * (1 + rng.below(32))
        };
        let pids_limit: Value = if hardened {
            json!(200)
        } else if weak {
            Value::Null
        } else {
            match rng.below(10) {
                0..=3 => Value::Null,
                4 => json!(0),
                5 => json!(-1),
                _ => json!(64 * (1 + rng.below(64))),
            }
        };
        let mut security_opt: Vec<Value> = Vec::new();
        if hardened {
            security_opt.push(json!("no-new-privileges:true"));
        } else if weak {
            security_opt.push(json!("no-new-privileges:false"));
            security_opt.push(json!("seccomp=unconfined"));
            security_opt.push(json!("apparmor=unconfined"));
        } else {
            match rng.below(20) {
                0..=5 => security_opt.push(json!("no-new-privileges")),
                6..=7 => security_opt.push(json!("no-new-privileges:true")),
                8 => security_opt.push(json!("no-new-privileges=true")),
                9 => security_opt.push(json!("no-new-privileges:false")),
                10 => security_opt.push(json!("seccomp=unconfined")),
                11 => security_opt.push(json!("label=disable")),
                12 => {
                    security_opt.push(json!("apparmor=docker-default"));
                    security_opt.push(json!("no-new-privileges"));
                }
                _ => {}
            }
        }
        let security_opt = if security_opt.is_empty() {
            Value::Null
        } else {
            Value::Array(security_opt)
        };
        let pid_mode = if weak || (!hardened && rng.chance(2)) {
            "host"
        } else {
            ""
        };
        let ipc_mode = if weak || (!hardened && rng.chance(2)) {
            "host"
        } else if rng.chance(10) {
            "shareable"
        } else {
            "private"
        };
        let uts_mode = if weak || (!hardened && rng.chance(1)) {
            "host"
        } else {
            ""
        };
        let userns_mode = if weak || (!hardened && rng.chance(1)) {
            "host"
        } else {
            ""
        };
        let readonly = hardened || (!weak && rng.chance(25));
        let user = if hardened {
            "10001:10001"
        } else if weak {
            "root"
        } else {
            *rng.pick(CONTAINER_USERS)
        };
        let apparmor = if privileged || weak {
            "unconfined"
        } else {
            "docker-default"
        };
        let restart = *rng.pick(&["no", "always", "unless-stopped", "on-failure"]);
        let nano_cpus: u64 = if hardened || rng.chance(30) {
            500_000_000 * (1 + rng.below(4))
        } else {
            0
        };

        // Mounts and binds.
        let mut binds: Vec<Value> = Vec::new();
        let mut mounts: Vec<Value> = Vec::new();
        let mut volumes = Map::new();
        if weak || rng.chance(3) {
            binds.push(json!("/var/run/docker.sock:/var/run/docker.sock"));
            mounts.push(json!({"Type": "bind", "Source": "/var/run/docker.sock", "Destination": "/var/run/docker.sock", "Mode": "", "RW": true, "Propagation": "rprivate"}));
        }
        if weak || rng.chance(1) {
            binds.push(json!("/:/host:ro"));
            mounts.push(json!({"Type": "bind", "Source": "/", "Destination": "/host", "Mode": "ro", "RW": false, "Propagation": "rprivate"}));
        }
        if weak || (!hardened && rng.chance(3)) {
            let src = format!("/srv/{project}/shared");
            binds.push(json!(format!("{src}:/shared:rshared")));
            mounts.push(json!({"Type": "bind", "Source": src, "Destination": "/shared", "Mode": "rshared", "RW": true, "Propagation": "rshared"}));
        }
        if rng.chance(40) {
            let src = format!("/srv/{project}/config/{service}.yml");
            binds.push(json!(format!("{src}:/app/config.yml:ro")));
            mounts.push(json!({"Type": "bind", "Source": src, "Destination": "/app/config.yml", "Mode": "ro", "RW": false, "Propagation": "rprivate"}));
        }
        if matches!(service, "db" | "cache" | "search" | "queue") || rng.chance(20) {
            let vol = format!("{project}_{service}-data");
            volumes.insert("/data".into(), json!({}));
            mounts.push(json!({"Type": "volume", "Name": vol, "Source": format!("/var/lib/docker/volumes/{vol}/_data"), "Destination": "/data", "Driver": "local", "Mode": "rw", "RW": true, "Propagation": ""}));
        }

        // Ports.
        let port: u32 = match service {
            "web" | "proxy" => 80,
            "db" => 5432,
            "cache" => 6379,
            "queue" => 5672,
            "search" => 9200,
            "metrics" => 9090,
            _ => 8080,
        };
        let published = serves
            && !host_net
            && !network_mode.starts_with("container:")
            && network_mode != "none"
            && (matches!(service, "web" | "proxy" | "api" | "metrics") || rng.chance(10));
        let host_port = if service == "proxy" || weak {
            port
        } else {
            8000 + (i as u32 % 1000)
        };
        let host_ip = if rng.chance(30) { "127.0.0.1" } else { "" };
        let key = format!("{port}/tcp");
        let (port_bindings, ports) = if published {
            let bound_ip = if host_ip.is_empty() {
                "0.0.0.0"
            } else {
                host_ip
            };
            let mut live = vec![json!({"HostIp": bound_ip, "HostPort": host_port.to_string()})];
            if host_ip.is_empty() {
                live.push(json!({"HostIp": "::", "HostPort": host_port.to_string()}));
            }
            (
                json!({&key: [{"HostIp": host_ip, "HostPort": host_port.to_string()}]}),
                if running {
                    json!({&key: live})
                } else {
                    json!({})
                },
            )
        } else {
            (
                json!({}),
                if running && !host_net && serves {
                    json!({&key: null})
                } else {
                    json!({})
                },
            )
        };

        // Environment and labels.
        let mut env = vec![
            json!("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
            json!("TZ=UTC"),
            json!("LANG=C.UTF-8"),
            json!(format!(
                "APP_ENV={}",
                if rng.chance(90) {
                    "production"
                } else {
                    "staging"
                }
            )),
            json!(format!("SERVICE_NAME={service}")),
        ];
        match service {
            "db" => {
                env.push(json!("POSTGRES_USER=app"));
                env.push(json!(format!("POSTGRES_PASSWORD={}", rng.hex(24))));
                env.push(json!("PGDATA=/data/pgdata"));
            }
            "cache" => env.push(json!(
                "REDIS_ARGS=--maxmemory 512mb --maxmemory-policy allkeys-lru"
            )),
            _ => {
                env.push(json!(format!(
                    "DATABASE_URL=postgres://app:{}@{project}-db-1:5432/{project}",
                    rng.hex(16)
                )));
                env.push(json!(format!("REDIS_URL=redis://{project}-cache-1:6379/0")));
                env.push(json!("LOG_LEVEL=info"));
                env.push(json!(format!(
                    "SENTRY_DSN=https://{}@sentry.example.com/{}",
                    rng.hex(32),
                    10 + i % 90
                )));
            }
        }
        let config_hash = rng.hex(64);
        let labels = json!({
            "com.docker.compose.config-hash": config_hash,
            "com.docker.compose.container-number": "1",
            "com.docker.compose.oneoff": "False",
            "com.docker.compose.project": project,
            "com.docker.compose.project.config_files": format!("/srv/{project}/docker-compose.yml"),
            "com.docker.compose.project.working_dir": format!("/srv/{project}"),
            "com.docker.compose.service": service,
            "com.docker.compose.version": "1.29.2",
        });
        let health = !weak && (hardened || rng.chance(50));
        let healthcheck = health.then(|| {
            json!({
                "Test": ["CMD-SHELL", format!("curl -fsS http://127.0.0.1:{port}/healthz || exit 1")],
                "Interval": 30_000_000_000u64,
                "Timeout": 5_000_000_000u64,
                "StartPeriod": 10_000_000_000u64,
                "Retries": 3
            })
        });

        // State.
        let (status, exit_code, finished) = if running {
            ("running", 0, "0001-01-01T00:00:00Z".to_string())
        } else if rng.chance(15) {
            ("created", 0, "0001-01-01T00:00:00Z".to_string())
        } else {
            let code = *rng.pick(&[0, 0, 1, 137, 143]);
            (
                "exited",
                code,
                ts(started + Duration::seconds(60 + rng.below(86_400) as i64)),
            )
        };
        let mut state = json!({
            "Status": status,
            "Running": running,
            "Paused": false,
            "Restarting": false,
            "OOMKilled": exit_code == 137 && rng.chance(50),
            "Dead": false,
            "Pid": if running { pid } else { 0 },
            "ExitCode": exit_code,
            "Error": "",
            "StartedAt": if status == "created" { "0001-01-01T00:00:00Z".to_string() } else { ts(started) },
            "FinishedAt": finished,
        });
        if health && running {
            let log: Vec<Value> = (0..1)
                .map(|n| {
                    let start = self.now - Duration::seconds(30 * (1 - n));
                    json!({"Start": ts(start), "End": ts(start + Duration::milliseconds(45)), "ExitCode": 0, "Output": "ok\n"})
                })
                .collect();
            state["Health"] = json!({"Status": "healthy", "FailingStreak": 0, "Log": log});
        }

        let dir = format!("/var/lib/docker/containers/{id}");
        let overlay = rng.hex(64);
        let host_config = join([
            json!({
                "Binds": if binds.is_empty() { Value::Null } else { Value::Array(binds) },
                "ContainerIDFile": "",
                "LogConfig": {"Type": "json-file", "Config": {"max-file": "3", "max-size": "10m"}},
                "NetworkMode": network_mode,
                "PortBindings": port_bindings,
                "RestartPolicy": {"Name": restart, "MaximumRetryCount": if restart == "on-failure" { 5 } else { 0 }},
                "AutoRemove": false,
                "VolumeDriver": "",
                "VolumesFrom": null,
            }),
            json!({
                "CapAdd": cap_add,
                "CapDrop": cap_drop,
                "CgroupnsMode": if cgroupns_host { "host" } else { "private" },
                "Dns": [],
                "DnsOptions": [],
                "DnsSearch": [],
                "ExtraHosts": null,
                "GroupAdd": null,
                "IpcMode": ipc_mode,
                "Cgroup": "",
                "Links": null,
                "OomScoreAdj": 0,
                "PidMode": pid_mode,
                "Privileged": privileged,
                "PublishAllPorts": false,
                "ReadonlyRootfs": readonly,
                "SecurityOpt": security_opt,
                "UTSMode": uts_mode,
                "UsernsMode": userns_mode,
            }),
            json!({
                "ShmSize": 67_108_864,
                "Runtime": "runc",
                "ConsoleSize": [0, 0],
                "Isolation": "",
                "CpuShares": 0,
                "Memory": memory,
                "NanoCpus": nano_cpus,
                "CgroupParent": cgroup_parent,
                "BlkioWeight": 0,
                "BlkioWeightDevice": [],
                "BlkioDeviceReadBps": null,
                "BlkioDeviceWriteBps": null,
                "BlkioDeviceReadIOps": null,
                "BlkioDeviceWriteIOps": null,
            }),
            json!({
                "CpuPeriod": 0,
                "CpuQuota": 0,
                "CpuRealtimePeriod": 0,
                "CpuRealtimeRuntime": 0,
                "CpusetCpus": "",
                "CpusetMems": "",
                "Devices": if weak { json!([{"PathOnHost": "/dev/fuse", "PathInContainer": "/dev/fuse", "CgroupPermissions": "rwm"}]) } else { json!([]) },
                "DeviceCgroupRules": null,
                "DeviceRequests": null,
                "KernelMemory": 0,
                "KernelMemoryTCP": 0,
                "MemoryReservation": 0,
                "MemorySwap": if memory > 0 { json!(memory * 2) } else { json!(0) },
                "MemorySwappiness": null,
                "OomKillDisable": false,
                "PidsLimit": pids_limit,
                "Ulimits": if rng.chance(20) { json!([{"Name": "nofile", "Hard": 65536, "Soft": 65536}]) } else { Value::Null },
                "CpuCount": 0,
                "CpuPercent": 0,
                "IOMaximumIOps": 0,
                "IOMaximumBandwidth": 0,
                "MaskedPaths": if privileged { Value::Null } else { json!(["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"]) },
                "ReadonlyPaths": if privileged { Value::Null } else { json!(["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]) },
            }),
        ]);
        let mut config = json!({
            "Hostname": if host_net { "docker-prod".to_string() } else { id[..12].to_string() },
            "Domainname": "",
            "User": user,
            "AttachStdin": false,
            "AttachStdout": false,
            "AttachStderr": false,
            "ExposedPorts": if serves { json!({&key: {}}) } else { Value::Null },
            "Tty": false,
            "OpenStdin": false,
            "StdinOnce": false,
            "Env": env,
            "Cmd": ["/usr/local/bin/app", "serve", "--port", port.to_string()],
            "Image": image_ref,
            "Volumes": if volumes.is_empty() { Value::Null } else { Value::Object(volumes) },
            "WorkingDir": "/app",
            "Entrypoint": ["/docker-entrypoint.sh"],
            "OnBuild": null,
            "Labels": labels,
        });
        if let Some(h) = healthcheck {
            config["Healthcheck"] = h;
        }
        let net_name = if network_mode.starts_with("container:") {
            None
        } else {
            Some(network_mode.clone())
        };
        let ip = format!(
            "172.{}.{}.{}",
            17 + (i / 65536) % 14,
            (i / 256) % 256,
            2 + i % 250
        );
        let mut networks = Map::new();
        if let Some(n) = &net_name {
            let bridged = !matches!(n.as_str(), "host" | "none");
            let attached = running && bridged;
            networks.insert(
                n.clone(),
                json!({
                    "IPAMConfig": null,
                    "Links": null,
                    "Aliases": if n.ends_with("_default") { json!([service, &id[..12]]) } else { Value::Null },
                    "NetworkID": rng.hex(64),
                    "EndpointID": if running { rng.hex(64) } else { String::new() },
                    "Gateway": if attached { ip.rsplit_once('.').map(|(a, _)| format!("{a}.1")).unwrap_or_default() } else { String::new() },
                    "IPAddress": if attached { ip.clone() } else { String::new() },
                    "IPPrefixLen": if attached { 16 } else { 0 },
                    "IPv6Gateway": "",
                    "GlobalIPv6Address": "",
                    "GlobalIPv6PrefixLen": 0,
                    "MacAddress": if attached { format!("02:42:ac:{:02x}:{:02x}:{:02x}", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff) } else { String::new() },
                    "DriverOpts": null
                }),
            );
        }
        let sandbox = rng.hex(64);
        let network_settings = json!({
            "Bridge": "",
            "SandboxID": if running { sandbox.clone() } else { String::new() },
            "HairpinMode": false,
            "LinkLocalIPv6Address": "",
            "LinkLocalIPv6PrefixLen": 0,
            "Ports": ports,
            "SandboxKey": if running { format!("/var/run/docker/netns/{}", &sandbox[..12]) } else { String::new() },
            "SecondaryIPAddresses": null,
            "SecondaryIPv6Addresses": null,
            "EndpointID": "",
            "Gateway": "",
            "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0,
            "IPAddress": "",
            "IPPrefixLen": 0,
            "IPv6Gateway": "",
            "MacAddress": "",
            "Networks": networks,
        });
        let inspect = json!({
            "Id": id,
            "Created": ts(created),
            "Path": "/docker-entrypoint.sh",
            "Args": ["/usr/local/bin/app", "serve", "--port", port.to_string()],
            "State": state,
            "Image": image_id,
            "ResolvConfPath": format!("{dir}/resolv.conf"),
            "HostnamePath": format!("{dir}/hostname"),
            "HostsPath": format!("{dir}/hosts"),
            "LogPath": format!("{dir}/{id}-json.log"),
            "Name": format!("/{name}"),
            "RestartCount": 0,
            "Driver": "overlay2",
            "Platform": "linux",
            "MountLabel": if self.debian || privileged { String::new() } else { format!("system_u:object_r:container_file_t:s0:c{},c{}", i % 1024, (i / 1024) % 1024) },
            "ProcessLabel": if self.debian || security_opt.to_string().contains("label=disable") || privileged { String::new() } else { format!("system_u:system_r:container_t:s0:c{},c{}", i % 1024, (i / 1024) % 1024) },
            "AppArmorProfile": apparmor,
            "ExecIDs": if exec_ids.is_empty() { Value::Null } else { json!(exec_ids) },
            "HostConfig": host_config,
            "GraphDriver": {
                "Data": {
                    "LowerDir": format!("/var/lib/docker/overlay2/{overlay}-init/diff:/var/lib/docker/overlay2/{}/diff", rng.hex(64)),
                    "MergedDir": format!("/var/lib/docker/overlay2/{overlay}/merged"),
                    "UpperDir": format!("/var/lib/docker/overlay2/{overlay}/diff"),
                    "WorkDir": format!("/var/lib/docker/overlay2/{overlay}/work"),
                },
                "Name": "overlay2"
            },
            "Mounts": mounts,
            "Config": config,
            "NetworkSettings": network_settings,
        });

        // What the kernel says, for running containers.
        let mut errors = BTreeMap::new();
        let runtime = running.then(|| {
            let userns_active = self.secure(K_USERNS) && userns_mode != "host";
            let shared = |kind: &str| match kind {
                "net" => host_net || sneaky_host_net,
                "pid" => pid_mode == "host",
                "ipc" => ipc_mode == "host",
                "uts" => uts_mode == "host",
                "cgroup" => cgroupns_host,
                "user" => !userns_active,
                _ => false,
            };
            let namespaces = if i % 2500 == 1249 {
                // The container stopped between inspect and reading /proc.
                errors.insert(
                    "runtime.namespaces".to_string(),
                    format!(
                        "cannot read /proc/{pid}/ns/pid: No such file or directory (os error 2)"
                    ),
                );
                BTreeMap::new()
            } else {
                HOST_NS
                    .iter()
                    .enumerate()
                    .map(|(k, (kind, host_inode))| {
                        let inode = if shared(kind) {
                            *host_inode
                        } else {
                            4026532000 + i as u64 * 8 + k as u64
                        };
                        (
                            kind.to_string(),
                            NamespaceFacts {
                                inode,
                                host_inode: *host_inode,
                                shared_with_host: inode == *host_inode,
                            },
                        )
                    })
                    .collect()
            };
            let mut listening = Vec::new();
            if serves {
                listening.push(ListeningSocket {
                    proto: "tcp".into(),
                    address: if host_ip == "127.0.0.1" {
                        "127.0.0.1"
                    } else {
                        "0.0.0.0"
                    }
                    .into(),
                    port: port as u16,
                    wildcard: host_ip != "127.0.0.1",
                });
            }
            if sshd {
                listening.push(ListeningSocket {
                    proto: "tcp".into(),
                    address: "0.0.0.0".into(),
                    port: 22,
                    wildcard: true,
                });
            }
            RuntimeFacts {
                pid,
                namespaces,
                cgroup: Some(CgroupFacts {
                    version: 2,
                    path: format!("/system.slice/docker-{id}.scope"),
                    memory_limit: if limits_drift {
                        Some(8 << 30)
                    } else {
                        (memory > 0).then_some(memory)
                    },
                    pids_limit: if limits_drift {
                        Some(4096)
                    } else {
                        pids_limit.as_u64().filter(|&n| n > 0)
                    },
                    cpu_weight: Some(100),
                    cpu_quota_us: (nano_cpus > 0).then_some(nano_cpus / 10_000),
                }),
                listening,
                ..Default::default()
            }
        });
        // `docker top` (ps -eo pid,user,comm,args) for running containers.
        let processes: Vec<Value> = if running {
            let ps_user = if user.is_empty() || user.starts_with("root") || user.starts_with('0') {
                "root"
            } else {
                user.split(':').next().unwrap_or(user)
            };
            let mut p = vec![
                json!({"PID": pid.to_string(), "USER": ps_user, "NAME": "app", "ARGS": format!("/usr/local/bin/app serve --port {port}")}),
            ];
            for k in 0..rng.below(3) {
                p.push(json!({"PID": (pid + 1 + k as u32).to_string(), "USER": ps_user, "NAME": "app", "ARGS": format!("/usr/local/bin/app worker --id {k}")}));
            }
            if sshd {
                p.push(json!({"PID": (pid + 9).to_string(), "USER": "root", "NAME": "sshd", "ARGS": "/usr/sbin/sshd -D"}));
            }
            p
        } else {
            Vec::new()
        };
        let execs: Vec<Value> = exec_ids
            .iter()
            .enumerate()
            .map(|(k, exec_id)| {
                let privileged_exec = weak || (!hardened && k % 2 == 1);
                json!({
                    "ID": exec_id,
                    "Running": false,
                    "ExitCode": 0,
                    "ProcessConfig": {"tty": true, "entrypoint": "sh", "arguments": [], "privileged": privileged_exec, "user": if privileged_exec { "root" } else { "app" }},
                    "OpenStdin": true,
                    "OpenStderr": true,
                    "OpenStdout": true,
                    "CanRemove": false,
                    "ContainerID": id,
                    "DetachKeys": "",
                    "Pid": pid + 100 + k as u32
                })
            })
            .collect();
        let mut facts: ContainerFacts = serde_json::from_value(json!({
            "id": id,
            "name": name,
            "inspect": null,
            "runtime": null,
        }))
        .expect("container facts match the snapshot format");
        facts.inspect = Doc::from(&inspect);
        facts.runtime = runtime;
        facts.processes = processes;
        facts.execs = execs;
        facts.image_freshness = Some(ImageFreshness {
            reference: image_ref,
            running_id: image_id.clone(),
            current_id: current_image_id,
            current: !stale_image,
        });
        facts.errors = errors;
        bollwerk::collect::derive(&mut facts);
        facts
    }
}
