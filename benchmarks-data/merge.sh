#!/bin/sh
# Benchmark of `bollwerk report --merge` (see benchmarks-data/README.md, "Merging a fleet"):
# writes one real report of a synthetic 100-container host (the evaluate bench's snapshot,
# replayed by `scan --snapshot`), copies it as HOSTS host reports with their own host names and
# start times, then times the merge into every fleet format and into JSON and HTML alone, with
# peak RSS, RUNS times at each size (default 100, 500 and 1,000 hosts; override with
# MERGE_HOSTS="100 1000" and MERGE_RUNS=3). BOLLWERK=path uses another binary (default: the
# release build). Target: 1,000 hosts under 10 s, peak RSS flat in the host count.
set -eu

cd "$(dirname "$0")/.."
bin=${BOLLWERK:-target/release/bollwerk}
[ -n "${BOLLWERK:-}" ] || cargo build --release -q --bin bollwerk
work=$(mktemp -d "${TMPDIR:-/tmp}/bollwerk-merge-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

echo "== machine: $(nproc) CPUs, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ); binary $bin =="
# A 100-container snapshot (the debug bench binary is enough to write it), then its report.
BOLLWERK_WRITE_SNAPSHOT="$work/snapshot.json" BOLLWERK_BENCH_CONTAINERS=100 \
    BOLLWERK_BENCH_IMAGES=20 cargo test -q --bench evaluate >/dev/null
"$bin" scan --snapshot "$work/snapshot.json" --format json -o "$work/one" -q || true
ls -l "$work/one/report.json" | awk '{ printf "one host report: %.1f MiB\n", $5 / 1048576 }'

for hosts in ${MERGE_HOSTS:-100 500 1000}; do
    rm -rf "$work/in"
    python3 - "$work/one/report.json" "$work/in" "$hosts" <<'PY'
import json, os, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(src).read()
report = json.loads(text)
host0, time0 = json.dumps(report["run"]["hostname"]), json.dumps(report["run"]["started_at"])
for i in range(n):
    d = os.path.join(out, f"host-{i:04d}")
    os.makedirs(d)
    t = text.replace(host0, json.dumps(f"host-{i:04d}.fleet.example"), 1)
    t = t.replace(time0, json.dumps(f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"), 1)
    open(os.path.join(d, "report.json"), "w").write(t)
PY
    du -sh "$work/in" | awk -v h="$hosts" '{ print h " host reports: " $1 }'
    for formats in json,html,arf,junit,xccdf json,html; do
        run=1
        while [ "$run" -le "${MERGE_RUNS:-3}" ]; do
            rm -rf "$work/out"
            { /usr/bin/time -f "merge of $hosts hosts into $formats: %e s wall, %U s user, %M KiB max RSS, exit %x" \
                "$bin" report --merge "$work/in" --format "$formats" -o "$work/out"; } 2>&1
            run=$((run + 1))
        done
        du -sh "$work/out"/fleet.* "$work/out/hosts" 2>/dev/null | awk '{ print "  " $2 ": " $1 }'
    done
done
