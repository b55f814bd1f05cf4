//! Daemon facts: daemon.json, dockerd's command line, `info`, `version`, networks and swarm, merged into effective settings.

use super::*;

impl Gen {
    pub(super) fn storage_driver(&self) -> &'static str {
        match (self.secure(K_STORAGE), self.debian) {
            (true, _) => "overlay2",
            (false, true) => "aufs",
            (false, false) => "devicemapper",
        }
    }

    pub(super) fn daemon_json(&self) -> String {
        let mut m = Map::new();
        let log_driver = if self.secure(K_LOG_DRIVER) {
            "journald"
        } else {
            "json-file"
        };
        m.insert("log-driver".into(), json!(log_driver));
        if log_driver == "json-file" {
            m.insert(
                "log-opts".into(),
                json!({"max-size": "10m", "max-file": "3"}),
            );
        }
        m.insert("storage-driver".into(), json!(self.storage_driver()));
        if self.storage_driver() == "devicemapper" {
            m.insert(
                "storage-opts".into(),
                json!([
                    "dm.basesize=20G",
                    "dm.thinpooldev=/dev/mapper/docker-thinpool"
                ]),
            );
        }
        if self.secure(K_ULIMITS) {
            m.insert(
                "default-ulimits".into(),
                json!({"nofile": {"Name": "nofile", "Hard": 64000, "Soft": 64000}}),
            );
        }
        m.insert(
            "registry-mirrors".into(),
            json!(["https://mirror.example.com"]),
        );
        if !self.secure(K_INSECURE_REGISTRY) {
            m.insert(
                "insecure-registries".into(),
                json!(["registry.internal:5000"]),
            );
        }
        m.insert(
            "default-address-pools".into(),
            json!([{"base": "172.30.0.0/16", "size": 24}]),
        );
        if self.secure(K_ICC) {
            m.insert("icc".into(), json!(false));
        }
        if self.secure(K_USERNS) {
            m.insert("userns-remap".into(), json!("default"));
        }
        if self.secure(K_LIVE_RESTORE) {
            m.insert("live-restore".into(), json!(true));
        }
        if self.secure(K_NO_NEW_PRIVS) {
            m.insert("no-new-privileges".into(), json!(true));
        }
        if !self.secure(K_LOG_LEVEL) {
            m.insert("debug".into(), json!(true));
            m.insert("log-level".into(), json!("debug"));
        }
        if !self.secure(K_IPTABLES) {
            m.insert("iptables".into(), json!(false));
        }
        if !self.secure(K_CGROUP_PARENT) {
            m.insert("cgroup-parent".into(), json!("/docker-workloads"));
        }
        if self.secure(K_AUTHZ) {
            m.insert("authorization-plugins".into(), json!(["opa-docker-authz"]));
        }
        m.insert(
            "userland-proxy".into(),
            json!(!self.secure(K_USERLAND_PROXY)),
        );
        if !self.secure(K_SECCOMP) {
            m.insert("seccomp-profile".into(), json!("unconfined"));
        }
        if !self.secure(K_EXPERIMENTAL) {
            m.insert("experimental".into(), json!(true));
        }
        serde_json::to_string_pretty(&Value::Object(m)).expect("daemon.json serialises")
    }

    pub(super) fn info(&self, containers: usize, images: usize) -> Value {
        let running = containers * 85 / 100;
        let mut security = vec![json!("name=apparmor")];
        security.push(json!(if self.secure(K_SECCOMP) {
            "name=seccomp,profile=default"
        } else {
            "name=seccomp,profile=unconfined"
        }));
        if self.secure(K_USERNS) {
            security.push(json!("name=userns"));
        }
        if self.secure(K_ROOTLESS) {
            security.push(json!("name=rootless"));
        }
        security.push(json!("name=cgroupns"));
        let root = if self.secure(K_USERNS) {
            "/var/lib/docker/231072.231072"
        } else {
            "/var/lib/docker"
        };
        let swarm = if self.swarm_active() {
            json!({"NodeID": "q0d8kcb1hp7rpj0vf4gq7c0yi", "NodeAddr": "10.20.30.41", "LocalNodeState": "active", "ControlAvailable": true, "Error": "", "RemoteManagers": [{"NodeID": "q0d8kcb1hp7rpj0vf4gq7c0yi", "Addr": "10.20.30.41:2377"}], "Nodes": 5, "Managers": self.managers()})
        } else {
            json!({"NodeID": "", "NodeAddr": "", "LocalNodeState": "inactive", "ControlAvailable": false, "Error": "", "RemoteManagers": null})
        };
        // `docker info` lists each insecure registry daemon.json names as an index it does not
        // reach securely (bollwerk takes the setting in force from there).
        let mut index_configs = json!({"docker.io": {"Name": "docker.io", "Mirrors": ["https://mirror.example.com/"], "Secure": true, "Official": true}});
        if !self.secure(K_INSECURE_REGISTRY) {
            index_configs["registry.internal:5000"] = json!({"Name": "registry.internal:5000", "Mirrors": [], "Secure": false, "Official": false});
        }
        join([
            json!({
                "ID": "7Q4M:JX3C:KZ2T:3LQD:UX4B:E6YB:RWWS:MCSI:L5PA:RDO4:2VBB:YQ2R",
                "Containers": containers,
                "ContainersRunning": running,
                "ContainersPaused": 0,
                "ContainersStopped": containers - running,
                "Images": images,
                "Driver": self.storage_driver(),
                "DriverStatus": [["Backing Filesystem", "xfs"], ["Supports d_type", "true"], ["Native Overlay Diff", "true"], ["userxattr", "false"]],
                "Plugins": {
                    "Volume": ["local"],
                    "Network": ["bridge", "host", "ipvlan", "macvlan", "null", "overlay"],
                    "Authorization": if self.secure(K_AUTHZ) { json!(["opa-docker-authz"]) } else { Value::Null },
                    "Log": ["awslogs", "fluentd", "gcplogs", "gelf", "journald", "json-file", "local", "logentries", "splunk", "syslog"]
                },
            }),
            json!({
                "MemoryLimit": true, "SwapLimit": true, "KernelMemory": false, "KernelMemoryTCP": false,
                "CpuCfsPeriod": true, "CpuCfsQuota": true, "CPUShares": true, "CPUSet": true, "PidsLimit": true,
                "IPv4Forwarding": true, "BridgeNfIptables": true, "BridgeNfIp6tables": true,
                "Debug": !self.secure(K_LOG_LEVEL), "NFd": 212, "OomKillDisable": false, "NGoroutines": 430,
                "SystemTime": ts(self.now),
                "LoggingDriver": if self.secure(K_LOG_DRIVER) { "journald" } else { "json-file" },
                "CgroupDriver": "systemd",
                "CgroupVersion": "2",
                "NEventsListener": 0,
                "KernelVersion": "6.1.0-13-amd64",
                "OperatingSystem": if self.debian { "Debian GNU/Linux 12 (bookworm)" } else { "Rocky Linux 9.2 (Blue Onyx)" },
                "OSVersion": if self.debian { "12" } else { "9.2" },
                "OSType": "linux",
                "Architecture": "x86_64",
                "IndexServerAddress": "https://index.docker.io/v1/",
                "RegistryConfig": {
                    "AllowNondistributableArtifactsCIDRs": [],
                    "AllowNondistributableArtifactsHostnames": [],
                    "InsecureRegistryCIDRs": ["127.0.0.0/8"],
                    "IndexConfigs": index_configs,
                    "Mirrors": ["https://mirror.example.com/"]
                },
            }),
            json!({
                "NCPU": 32,
                "MemTotal": 135_089_876_992u64,
                "GenericResources": null,
                "DockerRootDir": root,
                "HttpProxy": "", "HttpsProxy": "", "NoProxy": "",
                "Name": format!("docker-prod-{:02}", self.seed % 100),
                "Labels": [],
                "ExperimentalBuild": !self.secure(K_EXPERIMENTAL),
                "ServerVersion": self.engine_version(),
                "Runtimes": {"io.containerd.runc.v2": {"path": "runc"}, "io.containerd.runtime.v1.linux": {"path": "runc"}, "runc": {"path": "runc"}},
                "DefaultRuntime": "runc",
                "Swarm": swarm,
                "LiveRestoreEnabled": self.secure(K_LIVE_RESTORE),
                "Isolation": "",
                "InitBinary": "docker-init",
                "ContainerdCommit": {"ID": "61f9fd88f79f081d64d6fa3bb1a0dc71ec870523", "Expected": "61f9fd88f79f081d64d6fa3bb1a0dc71ec870523"},
                "RuncCommit": {"ID": "v1.1.9-0-gccaecfc", "Expected": "v1.1.9-0-gccaecfc"},
                "InitCommit": {"ID": "de40ad0", "Expected": "de40ad0"},
                "SecurityOptions": security,
                "Warnings": null
            }),
        ])
    }

    /// The engine release: a supported line when the engine knob is secure, else 20.10.
    pub(super) fn engine_version(&self) -> &'static str {
        if self.secure(K_ENGINE) {
            "29.0.1"
        } else {
            "20.10.24"
        }
    }

    pub(super) fn version(&self) -> Value {
        let experimental = (!self.secure(K_EXPERIMENTAL)).to_string();
        json!({
            "Platform": {"Name": "Docker Engine - Community"},
            "Components": [
                {"Name": "Engine", "Version": self.engine_version(), "Details": {"ApiVersion": "1.41", "Arch": "amd64", "BuildTime": "Tue Apr  4 18:18:42 2023", "Experimental": experimental, "GitCommit": "5d6db84", "GoVersion": "go1.19.7", "KernelVersion": "6.1.0-13-amd64", "MinAPIVersion": "1.12", "Os": "linux"}},
                {"Name": "containerd", "Version": "1.6.24", "Details": {"GitCommit": "61f9fd88f79f081d64d6fa3bb1a0dc71ec870523"}},
                {"Name": "runc", "Version": "1.1.9", "Details": {"GitCommit": "v1.1.9-0-gccaecfc"}},
                {"Name": "docker-init", "Version": "0.19.0", "Details": {"GitCommit": "de40ad0"}}
            ],
            "Version": self.engine_version(),
            "ApiVersion": "1.41",
            "MinAPIVersion": "1.12",
            "GitCommit": "5d6db84",
            "GoVersion": "go1.19.7",
            "Os": "linux",
            "Arch": "amd64",
            "KernelVersion": "6.1.0-13-amd64",
            "Experimental": !self.secure(K_EXPERIMENTAL),
            "BuildTime": "2023-04-04T18:18:42.000000000+00:00"
        })
    }

    pub(super) fn managers(&self) -> usize {
        if self.alt(K_SWARM_DETAILS) {
            3
        } else {
            2
        }
    }

    pub(super) fn swarm(&self, networks: &[Value]) -> SwarmFacts {
        let good = self.alt(K_SWARM_DETAILS);
        let nodes: Vec<Value> = (0..5)
            .map(|n| {
                let role = if n < self.managers() { "manager" } else { "worker" };
                json!({
                    "ID": format!("q0d8kcb1hp7rpj0vf4gq7c0y{n}"),
                    "Version": {"Index": 812 + n},
                    "Spec": {"Labels": {}, "Role": role, "Availability": "active"},
                    "Description": {"Hostname": format!("docker-prod-{n:02}"), "Platform": {"Architecture": "x86_64", "OS": "linux"}, "Engine": {"EngineVersion": self.engine_version()}},
                    "Status": {"State": "ready", "Addr": format!("10.20.30.{}", 41 + n)}
                })
            })
            .collect();
        let inspect = json!({
            "ID": "b5f7p8w4g1i6e1yq0cdk8o0jl",
            "Version": {"Index": 10},
            "CreatedAt": ts(self.now - Duration::days(300)),
            "UpdatedAt": ts(self.now - Duration::days(3)),
            "Spec": {
                "Name": "default",
                "Labels": {},
                "Orchestration": {"TaskHistoryRetentionLimit": 5},
                "Raft": {"SnapshotInterval": 10000, "KeepOldSnapshots": 0, "LogEntriesForSlowFollowers": 500, "ElectionTick": 10, "HeartbeatTick": 1},
                "Dispatcher": {"HeartbeatPeriod": 5_000_000_000u64},
                "CAConfig": {"NodeCertExpiry": if good { 2_592_000_000_000_000u64 } else { 31_536_000_000_000_000u64 }},
                "TaskDefaults": {},
                "EncryptionConfig": {"AutoLockManagers": good}
            },
            "TLSInfo": {"TrustRoot": "-----BEGIN CERTIFICATE-----\nMIIBajCCARCgAwIBAgIUb...\n-----END CERTIFICATE-----\n", "CertIssuerSubject": "MBMxETAPBgNVBAMTCHN3YXJtLWNh", "CertIssuerPublicKey": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"},
            "RootRotationInProgress": false,
            "DefaultAddrPool": ["10.0.0.0/8"],
            "SubnetSize": 24,
            "DataPathPort": 4789
        });
        let overlay_networks = bollwerk::collect::docker::overlay_networks(networks);
        SwarmFacts {
            inspect,
            nodes,
            managers: self.managers(),
            secrets: if good { 4 } else { 0 },
            overlay_networks,
        }
    }

    pub(super) fn daemon(&self, containers: usize, images: usize) -> DaemonFacts {
        let config_file = "/etc/docker/daemon.json";
        let mut cmdline: Vec<String> = vec!["/usr/bin/dockerd".into(), "-H".into(), "fd://".into()];
        if self.tls() {
            for a in [
                "-H",
                "tcp://0.0.0.0:2376",
                "--tlsverify",
                "--tlscacert",
                TLS_CA,
                "--tlscert",
                TLS_CERT,
                "--tlskey",
                TLS_KEY,
            ] {
                cmdline.push(a.into());
            }
        } else {
            cmdline.push("-H".into());
            cmdline.push("tcp://0.0.0.0:2375".into());
        }
        cmdline.push("--containerd=/run/containerd/containerd.sock".into());
        let flags = daemon_config::parse_flags(&cmdline[1..]);
        let from_file = daemon_config::parse_daemon_json(config_file, &self.daemon_json())
            .expect("generated daemon.json parses");
        let mut settings = daemon_config::merge(from_file, flags.settings);
        let info = self.info(containers, images);
        daemon_config::apply_info(&mut settings, &info);

        let mut rng = Rng::new(self.seed, 0xD00D);
        let mut networks = vec![
            self.network(&mut rng, "bridge", "bridge", "172.17.0.0/16"),
            self.network(&mut rng, "host", "host", ""),
            self.network(&mut rng, "none", "null", ""),
        ];
        let projects = containers.div_ceil(8).min(PROJECTS.len() * 4);
        for p in 0..projects {
            let name = format!("{}_default", project_name(p));
            let subnet = format!("172.30.{}.0/24", p % 256);
            networks.push(self.network(&mut rng, &name, "bridge", &subnet));
        }
        let swarm = self.swarm_active().then(|| {
            for (name, encrypted) in [("ingress", false), ("backend", true), ("frontend", self.alt(K_SWARM_DETAILS))] {
                let mut n = self.network(&mut rng, name, "overlay", "10.0.1.0/24");
                n["Scope"] = json!("swarm");
                n["Ingress"] = json!(name == "ingress");
                if encrypted {
                    n["Options"] = json!({"com.docker.network.driver.overlay.vxlanid_list": "4097", "encrypted": ""});
                }
                networks.push(n);
            }
            self.swarm(&networks)
        });
        DaemonFacts {
            reachable: true,
            version: Some(self.version()),
            info: Some(info),
            process: Some(DaemonProcess {
                pid: 1187,
                cmdline,
                found_by: "/proc scan: dockerd pid 1187 listens on unix:///var/run/docker.sock"
                    .into(),
                uid: Some(if self.secure(K_ROOTLESS) { 1000 } else { 0 }),
            }),
            config_file: Some(config_file.into()),
            settings,
            networks,
            swarm_state: Some(
                if self.swarm_active() {
                    "active"
                } else {
                    "inactive"
                }
                .into(),
            ),
            swarm,
            engine: bollwerk::collect::engine::support(self.engine_version(), "2026-11-28").ok(),
            ..Default::default()
        }
    }

    pub(super) fn network(&self, rng: &mut Rng, name: &str, driver: &str, subnet: &str) -> Value {
        let config = if subnet.is_empty() {
            json!([])
        } else {
            let gw = subnet.replace(".0/16", ".1").replace(".0/24", ".1");
            json!([{"Subnet": subnet, "Gateway": gw.split('/').next().unwrap_or("")}])
        };
        let compose = name.ends_with("_default");
        json!({
            "Name": name,
            "Id": rng.hex(64),
            "Created": ts(self.now - Duration::days(40)),
            "Scope": "local",
            "Driver": driver,
            "EnableIPv6": false,
            "IPAM": {"Driver": "default", "Options": null, "Config": config},
            "Internal": false,
            "Attachable": compose,
            "Ingress": false,
            "ConfigFrom": {"Network": ""},
            "ConfigOnly": false,
            "Containers": {},
            "Options": if name == "bridge" {
                json!({"com.docker.network.bridge.default_bridge": "true", "com.docker.network.bridge.enable_icc": (!self.secure(K_ICC)).to_string(), "com.docker.network.bridge.enable_ip_masquerade": "true", "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0", "com.docker.network.bridge.name": "docker0", "com.docker.network.driver.mtu": "1500"})
            } else {
                json!({})
            },
            "Labels": if compose {
                json!({"com.docker.compose.network": "default", "com.docker.compose.project": name.trim_end_matches("_default"), "com.docker.compose.version": "1.29.2"})
            } else {
                json!({})
            }
        })
    }
}
