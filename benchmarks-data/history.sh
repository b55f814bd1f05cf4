#!/bin/sh
# Benchmark of `bollwerk history` and `bollwerk diff` (see benchmarks-data/README.md, "History
# and diff"): one real report of the synthetic 100-container host (the evaluate bench's
# snapshot replayed by `scan --snapshot`), copied as DAYS daily reports of one host (default
# 365), then `history` of them into every format, timed with peak RSS, RUNS times (default 3),
# and `diff` of two of them. BOLLWERK=path uses another binary (default: the release build).
# Targets: history of 365 reports under 2 s and 200 MiB; diff of two reports under 100 ms.
set -eu

cd "$(dirname "$0")/.."
bin=${BOLLWERK:-target/release/bollwerk}
[ -n "${BOLLWERK:-}" ] || cargo build --release -q --bin bollwerk
work=$(mktemp -d "${TMPDIR:-/tmp}/bollwerk-history-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

echo "== machine: $(nproc) CPUs, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ); binary $bin =="
BOLLWERK_WRITE_SNAPSHOT="$work/snapshot.json" BOLLWERK_BENCH_CONTAINERS=100 \
    BOLLWERK_BENCH_IMAGES=20 cargo test -q --bench evaluate >/dev/null
"$bin" scan --snapshot "$work/snapshot.json" --format json -o "$work/one" -q || true
ls -l "$work/one/report.json" | awk '{ printf "one report: %.1f MiB\n", $5 / 1048576 }'

days=${DAYS:-365}
python3 - "$work/one/report.json" "$work/runs" "$days" <<'PY'
import datetime, json, os, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(src).read()
time0 = json.dumps(json.loads(text)["run"]["started_at"])
start = datetime.datetime(2025, 12, 1, 2, 30)
for i in range(n):
    day = start + datetime.timedelta(days=i)
    d = os.path.join(out, day.strftime("%Y-%m-%d"))
    os.makedirs(d)
    t = text.replace(time0, json.dumps(day.strftime("%Y-%m-%dT%H:%M:%SZ")), 1)
    open(os.path.join(d, "report.json"), "w").write(t)
PY
du -sh "$work/runs" | awk -v n="$days" '{ print n " daily reports: " $1 }'
run=1
while [ "$run" -le "${RUNS:-3}" ]; do
    rm -rf "$work/out"
    { /usr/bin/time -f "history of $days reports: %e s wall, %U s user, %M KiB max RSS, exit %x" \
        "$bin" history "$work/runs" -o "$work/out" >/dev/null; } 2>&1
    run=$((run + 1))
done
ls -l "$work/out" | awk 'NR > 1 { print "  " $9 ": " $5 " bytes" }'
first=$(ls -1d "$work/runs"/* | head -n 1)
last=$(ls -1d "$work/runs"/* | tail -n 1)
run=1
while [ "$run" -le "${RUNS:-3}" ]; do
    { /usr/bin/time -f "diff of two reports: %e s wall, %M KiB max RSS" \
        "$bin" diff "$first/report.json" "$last/report.json" --format json -o "$work/diff" >/dev/null || true; } 2>&1
    run=$((run + 1))
done
