#!/usr/bin/env bash
# Runs every check CI runs: formatting, clippy, and all tests (unit, real private dockerd
# daemons, fixture host trees, generated docs). Installs what the tests need when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

missing=()
for pkg in docker.io busybox-static podman rootlesskit uidmap iptables iproute2 procps openssl openscap-scanner openscap-utils libxml2-utils chromium zsh fish openssh-server openssh-client binutils systemd bindfs auditd; do
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

# The importers tests/importers.rs runs, under $BOLLWERK_TOOLS: MITRE SAF's converter (npm
# @mitre/saf, pinned to 1.5.3, the newest release that installs on node 20), Microsoft's SARIF
# Multitool (npm, with the SARIF 2.1.0 schema inside) and Python's jsonschema (PyPI, a venv).
export BOLLWERK_TOOLS="${BOLLWERK_TOOLS:-/opt/bollwerk-tools}"
npm_tool() { # folder, package@version, the file it must leave
  [ -e "$BOLLWERK_TOOLS/$1/$3" ] && return
  if ! command -v npm >/dev/null; then
    echo "scripts/test.sh: npm is missing: install Node.js 20 with npm to run tests/importers.rs" >&2
    exit 2
  fi
  echo "scripts/test.sh: installing $2 into $BOLLWERK_TOOLS/$1" >&2
  mkdir -p "$BOLLWERK_TOOLS/$1"
  npm install --prefix "$BOLLWERK_TOOLS/$1" --no-audit --no-fund --loglevel=error "$2" >/dev/null
}
npm_tool saf @mitre/saf@1.5.3 node_modules/.bin/saf
npm_tool sarif @microsoft/sarif-multitool@5.7.0 node_modules/.bin/sarif-multitool
if ! "$BOLLWERK_TOOLS/venv/bin/python" -c "import jsonschema" 2>/dev/null; then
  echo "scripts/test.sh: installing jsonschema into $BOLLWERK_TOOLS/venv" >&2
  python3 -m venv "$BOLLWERK_TOOLS/venv"
  "$BOLLWERK_TOOLS/venv/bin/pip" install --quiet "jsonschema==4.26.0"
fi

# tests/ansible_role.rs: ansible-core and ansible-lint from PyPI in their own venv, pinned to the
# newest releases that install on Python 3.11 here (2026-12-04).
if ! "$BOLLWERK_TOOLS/ansible-venv/bin/ansible-playbook" --version >/dev/null 2>&1 \
  || ! "$BOLLWERK_TOOLS/ansible-venv/bin/ansible-lint" --version >/dev/null 2>&1; then
  echo "scripts/test.sh: installing ansible-core and ansible-lint into $BOLLWERK_TOOLS/ansible-venv" >&2
  python3 -m venv "$BOLLWERK_TOOLS/ansible-venv"
  "$BOLLWERK_TOOLS/ansible-venv/bin/pip" install --quiet "ansible-core==2.19.14" "ansible-lint==26.10.1"
fi

# A build needs about 3 GiB under target/ (debug tests, bench, fuzz); a full disk shows up as a
# linker crash (SIGBUS), so say it plainly first.
free_kib=$(df -Pk . | awk 'NR == 2 { print $4 }')
if [ "${free_kib:-0}" -lt $((4 * 1024 * 1024)) ]; then
  echo "scripts/test.sh: warning: only $((free_kib / 1024)) MiB free on $(df -P . | awk 'NR == 2 { print $6 }'); the build and the tests' daemons need about 4 GiB" >&2
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
