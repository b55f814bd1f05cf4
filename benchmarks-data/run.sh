#!/bin/sh
# Runs bollwerk's benchmarks (see benchmarks-data/README.md):
#   (a) rule evaluation over a synthetic 10,000-container snapshot;
#   (b) as root, collection from a private dockerd with 100 containers against the API floor;
#   (c) the release binary replaying the 10,000-container snapshot (`scan --snapshot`).
# Extra arguments are passed to `cargo bench`. BOLLWERK_BENCH_STRICT=1 makes missed targets
# fail the script.
set -eu

cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ]; then
    BOLLWERK_BENCH_DAEMON=${BOLLWERK_BENCH_DAEMON:-1}
else
    echo "run.sh: not root, skipping the private-daemon part (b)" >&2
    BOLLWERK_BENCH_DAEMON=${BOLLWERK_BENCH_DAEMON:-0}
fi
export BOLLWERK_BENCH_DAEMON

echo "== machine: $(nproc) CPUs, $(uname -r), $(date -u +%Y-%m-%d) =="
status=0
cargo bench --bench evaluate "$@" || status=$?

# (c) End to end: write the snapshot once, then time `bollwerk scan --snapshot`.
work=$(mktemp -d "${TMPDIR:-/tmp}/bollwerk-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
echo
echo "== (c) release binary replaying the 10,000-container snapshot =="
BOLLWERK_WRITE_SNAPSHOT="$work/snapshot.json" cargo bench --bench evaluate -q >/dev/null
ls -l "$work/snapshot.json" | awk '{ printf "snapshot: %.1f MiB\n", $5 / 1048576 }'
cargo build --release -q --bin bollwerk
mkdir -p "$work/out"
for run in 1 2 3; do
    if [ -x /usr/bin/time ]; then
        # Exit status 1 (findings) or 3 (errors) is not a failure; GNU time's remark about it is dropped.
        { /usr/bin/time -f "run $run: %e s wall, %M KiB max RSS, exit %x" \
            target/release/bollwerk scan --snapshot "$work/snapshot.json" \
            --trusted-users alice,ci-runner --format json -o "$work/out" -q; } 2>&1 |
            grep -v '^Command exited with non-zero status' || true
    else
        start=$(date +%s.%N)
        target/release/bollwerk scan --snapshot "$work/snapshot.json" \
            --trusted-users alice,ci-runner --format json -o "$work/out" -q || true
        echo "run $run: $(echo "$(date +%s.%N) - $start" | bc) s wall"
    fi
done
ls -l "$work/out/report.json" | awk '{ printf "report.json: %.1f MiB\n", $5 / 1048576 }'
if command -v hyperfine >/dev/null 2>&1; then
    hyperfine --warmup 1 --runs 5 -i \
        "target/release/bollwerk scan --snapshot $work/snapshot.json --trusted-users alice,ci-runner --format json -o $work/out -q"
fi
exit $status
