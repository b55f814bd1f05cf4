#!/usr/bin/env bash
# Writes the fuzzers' seed corpora into fuzz/seeds/<target>/ from the project's own files:
# the rule files, a daemon.json or two, a snapshot of a small fixture host, a tailoring file
# and the example config. Seeds are made here, not committed; runs grow fuzz/corpus/ instead.
set -euo pipefail
cd "$(dirname "$0")/.."

seeds=fuzz/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/{rules,daemon_json,snapshot,tailoring,config}

# One rule a seed: small inputs keep the fuzzer fast (a whole rule file is up to 40 KB); the
# loader reads each the same way it reads a file of many. What comes before a file's first rule
# (its [[template]] tables) goes into each of its seeds, so rules made from a template stay
# valid; the benchmark declarations are a seed of their own.
cp checks/benchmarks.toml "$seeds/rules/benchmarks.toml"
for f in checks/bollwerk/*.toml checks/cis-docker-1.8.0/*.toml; do
  awk -v out="$seeds/rules/$(basename "$(dirname "$f")")-$(basename "$f" .toml)" '
    /^\[\[rule\]\]/ { n++; if (n > 0) printf "%s", head > (out "-" n ".toml") }
    !n { head = head $0 "\n"; next }
    { print > (out "-" n ".toml") }
  ' "$f"
done

cat > "$seeds/daemon_json/hardened.json" <<'JSON'
{
  "icc": false,
  "userns-remap": "default",
  "live-restore": true,
  "userland-proxy": false,
  "no-new-privileges": true,
  "log-driver": "syslog",
  "log-opts": { "syslog-address": "tcp://192.0.2.10:514" },
  "default-ulimits": { "nofile": { "Name": "nofile", "Hard": 64000, "Soft": 64000 } },
  "tlsverify": true,
  "tlscacert": "/etc/docker/ca.pem",
  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"]
}
JSON
printf '{"insecure-registries": ["10.0.0.1:5000"], "iptables": false, "storage-driver": "aufs"}\n' \
  > "$seeds/daemon_json/loose.json"

# A snapshot of a tiny host tree with no daemon behind the socket: every section present,
# the daemon's facts as errors, as `bollwerk collect` writes it.
host=$(mktemp -d)
trap 'rm -rf "$host"' EXIT
mkdir -p "$host/etc/docker"
cp "$seeds/daemon_json/hardened.json" "$host/etc/docker/daemon.json"
cargo run --quiet --bin bollwerk -- collect --quiet --host-root "$host" \
  --docker-host "unix://$host/no-daemon.sock" --output "$seeds/snapshot/fixture-host.json" 2>/dev/null

cat > "$seeds/tailoring/level1-without-5.4.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<Tailoring xmlns="http://checklists.nist.gov/xccdf/1.2" id="xccdf_x_tailoring_t">
  <version time="2026-01-01T00:00:00">1</version>
  <Profile id="xccdf_x_profile_p" extends="xccdf_dev.bollwerk_profile_level1">
    <title>Level 1 without 5.4</title>
    <select idref="xccdf_dev.bollwerk_rule_5.4" selected="false"/>
    <select idref="xccdf_dev.bollwerk_rule_5.2" selected="true"/>
    <set-value idref="xccdf_dev.bollwerk_value_max-image-age-days">30</set-value>
  </Profile>
</Tailoring>
XML

cp bollwerk.example.toml "$seeds/config/"
