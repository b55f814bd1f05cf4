#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/fuzz_targets/) for SECONDS each, one after another, on one
# core, from the seeds of scripts/fuzz-seeds.sh plus what earlier runs left in fuzz/corpus/.
# A crash, timeout or out-of-memory fails the run; libFuzzer leaves the input in
# fuzz/artifacts/<target>/. scripts/test.sh runs it for a few seconds as a smoke run;
# fuzz/README.md describes longer runs.
#
# Usage: scripts/fuzz.sh [SECONDS] [extra libFuzzer flags...]   (default 5 seconds, -seed=1)
# FUZZ_PROFILE=dev builds without optimisation: a third of the release build's CPU time, which
# is what a smoke run of a few seconds wants; longer runs keep the default (release).
# FUZZ_CORPUS=DIR grows the corpora in DIR/<target>/ instead of fuzz/corpus/ (a smoke run starts
# from the seeds alone: with the fixed -seed, machines try the same inputs in the same order).
set -euo pipefail
corpus_root=${FUZZ_CORPUS:+$(realpath -m "$FUZZ_CORPUS")}
cd "$(dirname "$0")/.."

seconds=${1:-5}
corpus_root=${corpus_root:-$PWD/fuzz/corpus}
shift || true
targets=(rules daemon_json snapshot tailoring config)
profile=()
case "${FUZZ_PROFILE:-release}" in
  release) ;;
  dev) profile=(--dev) ;;
  *) echo "scripts/fuzz.sh: FUZZ_PROFILE must be dev or release, not '$FUZZ_PROFILE'" >&2; exit 2 ;;
esac
# The cargo-fuzz release that installs with --locked. It is built with stable: its locked
# rustix 0.36 no longer compiles on nightly; running the fuzzers needs nightly.
cargo_fuzz_version=0.13.1

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "scripts/fuzz.sh: the nightly toolchain is missing (cargo-fuzz needs it); install it with: rustup toolchain install nightly" >&2
  exit 2
fi
if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $cargo_fuzz_version" ]; then
  echo "scripts/fuzz.sh: installing cargo-fuzz $cargo_fuzz_version" >&2
  cargo +stable install cargo-fuzz --version "$cargo_fuzz_version" --locked --quiet
fi

scripts/fuzz-seeds.sh
(cd fuzz && cargo +nightly fuzz build "${profile[@]}")
failed=()
for target in "${targets[@]}"; do
  mkdir -p "$corpus_root/$target"
  echo "scripts/fuzz.sh: $target for ${seconds}s" >&2
  # One target's crash does not hide what the others find.
  (cd fuzz && cargo +nightly fuzz run "${profile[@]}" "$target" "$corpus_root/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -seed=1 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 "$@") ||
    failed+=("$target")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "scripts/fuzz.sh: failed: ${failed[*]}; the inputs are in fuzz/artifacts/<target>/ (see fuzz/README.md to reproduce)" >&2
  exit 1
fi
