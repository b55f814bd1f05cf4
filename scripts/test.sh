#!/usr/bin/env bash
# Runs every check CI runs: formatting, clippy, and all tests (unit, real private dockerd
# daemons, fixture host trees, generated docs). Installs what the tests need when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

missing=()
for pkg in docker.io busybox-static iptables iproute2 procps openssl openscap-scanner openscap-utils libxml2-utils chromium; do
  installed "$pkg" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/test.sh: missing packages: ${missing[*]}; run as root so they can be installed" >&2
    exit 2
  fi
  echo "scripts/test.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/test.sh: the tests start private dockerd instances and need root" >&2
  exit 2
fi

cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo test --all-features
# The benchmark's smoke run: the generator and every rule over a small synthetic snapshot.
cargo test --bench evaluate
# The fuzzers' smoke run: every cargo-fuzz target for 5 seconds from the seeds alone, in an
# unoptimised build (the cheaper one to build); a crash fails.
fuzz_corpus=$(mktemp -d)
trap 'rm -rf "$fuzz_corpus"' EXIT
FUZZ_PROFILE=dev FUZZ_CORPUS="$fuzz_corpus" scripts/fuzz.sh 5
