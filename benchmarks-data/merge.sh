#!/bin/sh
# Benchmark of `bollwerk report --merge` (see benchmarks-data/README.md, "Merging a fleet"):
# writes one real report of a synthetic 100-container host (the evaluate bench's snapshot,
# replayed by `scan --snapshot`), copies it as HOSTS host reports with their own host names and
# start times, then times the merge into every fleet format with peak RSS, at 100 and at 1,000
# hosts (override with MERGE_HOSTS="100 1000"). BOLLWERK=path uses another binary (default: the
# release build). Target: 1,000 hosts under 10 s, peak RSS flat in the host count.
set -eu

cd "$(dirname "$0")/.."
bin=${BOLLWERK:-target/release/bollwerk}
[ -n "${BOLLWERK:-}" ] || cargo build --release -q --bin bollwerk
work=$(mktemp -d "${TMPDIR:-/tmp}/bollwerk-merge-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

echo "== machine: $(nproc) CPUs, $(uname -r), $(date -u +%Y-%m-%d); binary $bin =="
# A 100-container snapshot (the debug bench binary is enough to write it), then its report.
BOLLWERK_WRITE_SNAPSHOT="$work/snapshot.json" BOLLWERK_BENCH_CONTAINERS=100 \
    BOLLWERK_BENCH_IMAGES=20 cargo test -q --bench evaluate >/dev/null
"$bin" scan --snapshot "$work/snapshot.json" --format json -o "$work/one" -q || true
ls -l "$work/one/report.json" | awk '{ printf "one host report: %.1f MiB\n", $5 / 1048576 }'

for hosts in ${MERGE_HOSTS:-100 1000}; do
    rm -rf "$work/in" "$work/out"
    python3 - "$work/one/report.json" "$work/in" "$hosts" <<'PY'
import json, os, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
report = json.load(open(src))
for i in range(n):
    report["run"]["hostname"] = f"host-{i:04d}.fleet.example"
    report["run"]["started_at"] = f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"
    d = os.path.join(out, f"host-{i:04d}")
    os.makedirs(d)
    with open(os.path.join(d, "report.json"), "w") as f:
        json.dump(report, f)
PY
    du -sh "$work/in" | awk -v h="$hosts" '{ print h " host reports: " $1 }'
    { /usr/bin/time -f "merge of $hosts hosts: %e s wall, %U s user, %M KiB max RSS, exit %x" \
        "$bin" report --merge "$work/in" --format json,html,arf,junit,xccdf -o "$work/out"; } 2>&1
    du -sh "$work/out"/fleet.* "$work/out/hosts" | awk '{ print "  " $2 ": " $1 }'
done
