//! Performance of bollwerk: rule evaluation over a large synthetic snapshot, and collection
//! from a real (private) Docker daemon compared with the raw API floor (a minimal client that
//! lists, asks `/info` and `/version` and inspects every container over 8 connections), at 100
//! and at 400 running containers.
//!
//! `cargo bench --bench evaluate` runs part (a); part (b) needs root, `dockerd` on PATH, the
//! docker.io CLI and `BOLLWERK_BENCH_DAEMON=1`. See `benchmarks-data/README.md`.
//!
//! Environment:
//! * `BOLLWERK_BENCH_STRICT=1`: exit with 1 when a target is missed (otherwise only report).
//! * `BOLLWERK_BENCH_DAEMON=1`: also run part (b) against a private dockerd.
//! * `BOLLWERK_BENCH_DECIDE_ONLY=1`: stop part (a) after timing `decide` (for profiling).
//! * `BOLLWERK_BENCH_DAEMON_ONLY=1`: skip part (a).
//! * `BOLLWERK_BENCH_SIZES=100,400`: the numbers of running containers part (b) measures at.
//! * `BOLLWERK_BENCH_NO_DIAGNOSTICS=1`: part (b) without its per-part timings and the release
//!   binary's runs.
//! * `BOLLWERK_WRITE_SNAPSHOT=PATH`: only write the 10,000-container snapshot to PATH (JSON, as
//!   `bollwerk collect` writes it) and exit, for timing `bollwerk scan --snapshot PATH`.
//! * `BOLLWERK_BENCH_CONTAINERS`, `BOLLWERK_BENCH_IMAGES`, `BOLLWERK_BENCH_RUNS`: override the
//!   snapshot size (10,000 / 200) and the number of timed runs (10).
//!
//! Run without `--bench` (as `cargo test --benches` does), it only smoke-tests a small
//! snapshot.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use bollwerk::collect::docker::{connect, MAX_IN_FLIGHT};
use bollwerk::collect::limits::Limits;
use bollwerk::collect::Endpoint;
use bollwerk::collect::{collect, CollectOptions};
use bollwerk::rules::result::{InstanceResult, Observation, Observed, RuleResult, Sheet, Subject};
use bollwerk::rules::{eval, Params, RuleSet};
use bollwerk::snapshot::Snapshot;
use futures_util::stream::{self, StreamExt};

#[path = "../benchmarks-data/generate/mod.rs"]
mod generate;

#[allow(dead_code)]
#[path = "../tests/support/dockerd.rs"]
mod dockerd;

/// Evaluation of the 10,000-container snapshot must take less than this (median).
const EVAL_TARGET_MS: f64 = 100.0;
/// Peak resident memory of the whole process must stay below this.
const RSS_TARGET_MIB: f64 = 256.0;
/// A full collection + evaluation may take at most this multiple of the raw API floor.
const RATIO_TARGET: f64 = 1.5;
/// Writing report.json of the 10,000-container snapshot must take less than this.
const WRITE_TARGET_MS: f64 = 1000.0;

const CONTAINERS: usize = 10_000;
const IMAGES: usize = 200;
const SEED: u64 = 42;
const RUNS: usize = 10;
const WARMUP: usize = 2;
/// Part (b) measures at these numbers of running containers (`BOLLWERK_BENCH_SIZES`).
const DAEMON_SIZES: &[usize] = &[100, 400];
const DAEMON_RUNS: usize = 10;
/// Connections of the floor client, as in issue #12.6.
const FLOOR_CONNECTIONS: usize = 8;

// -------------------------------------------------------------------------------------------
// A counting allocator: off by default (one relaxed load per call), switched on around the
// phases whose heap use is reported.

/// The allocator the `bollwerk` binary uses (src/main.rs), so that figures here are the binary's.
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);
static ALLOCS: AtomicU64 = AtomicU64::new(0);

fn grew(n: i64) {
    let now = LIVE.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(now, Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { ALLOCATOR.alloc(layout) };
        if !p.is_null() && COUNTING.load(Relaxed) {
            ALLOCS.fetch_add(1, Relaxed);
            grew(layout.size() as i64);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { ALLOCATOR.alloc_zeroed(layout) };
        if !p.is_null() && COUNTING.load(Relaxed) {
            ALLOCS.fetch_add(1, Relaxed);
            grew(layout.size() as i64);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { ALLOCATOR.dealloc(ptr, layout) };
        if COUNTING.load(Relaxed) {
            LIVE.fetch_sub(layout.size() as i64, Relaxed);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { ALLOCATOR.realloc(ptr, layout, new_size) };
        if !p.is_null() && COUNTING.load(Relaxed) {
            ALLOCS.fetch_add(1, Relaxed);
            grew(new_size as i64 - layout.size() as i64);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Heap accounting for one phase: bytes still live at the end, peak above the start, and the
/// number of allocations (frees of memory allocated before the phase count as negative).
struct HeapUse {
    live: i64,
    peak: i64,
    allocs: u64,
}

fn accounted<T>(f: impl FnOnce() -> T) -> (T, HeapUse) {
    LIVE.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    ALLOCS.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
    let out = f();
    COUNTING.store(false, Relaxed);
    let usage = HeapUse {
        live: LIVE.load(Relaxed),
        peak: PEAK.load(Relaxed),
        allocs: ALLOCS.load(Relaxed),
    };
    (out, usage)
}

// -------------------------------------------------------------------------------------------
// Helpers

fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0")
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A field of /proc/self/status in KiB (`VmHWM`, `VmRSS`).
fn proc_status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn mib_kib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn mib(bytes: i64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// (min, median, max) in milliseconds.
/// Cores this process may run on.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// CPU time (user + system) this process has used, all threads.
fn own_cpu() -> Duration {
    let u = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF)
        .expect("getrusage");
    let tv = |t: nix::sys::time::TimeVal| {
        Duration::from_secs(t.tv_sec() as u64) + Duration::from_micros(t.tv_usec() as u64)
    };
    tv(u.user_time()) + tv(u.system_time())
}

/// CPU time (user + system) process `pid` has used, from `/proc/PID/stat` (clock ticks).
fn process_cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |r| r.1);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .unwrap_or(100) as u64;
    Duration::from_micros(ticks * 1_000_000 / hz)
}

/// CPU time every process on the machine has used so far (user, nice, system, irq and softirq
/// of `/proc/stat`; idle, iowait and steal left out). Unlike [`own_cpu`] and [`process_cpu`]
/// it counts what dockerd makes others do: containerd, and the `runc --version` and
/// `docker-init --version` that `/info` and `/version` start.
fn machine_busy() -> Duration {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: u64 = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .enumerate()
        .filter(|(i, _)| matches!(i, 0 | 1 | 2 | 5 | 6))
        .map(|(_, v)| v.parse::<u64>().unwrap_or(0))
        .sum();
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .unwrap_or(100) as u64;
    Duration::from_micros(ticks * 1_000_000 / hz)
}

/// Min, median and max in ms of `runs` calls of `f`; what it returns is dropped untimed.
fn timed<T>(runs: usize, f: impl Fn() -> T) -> (f64, f64, f64) {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let made = f();
        times.push(t.elapsed());
        drop(black_box(made));
    }
    stats(&times)
}

fn stats(times: &[Duration]) -> (f64, f64, f64) {
    let mut v: Vec<f64> = times.iter().map(|d| ms(*d)).collect();
    v.sort_by(|a, b| a.total_cmp(b));
    let median = if v.is_empty() {
        0.0
    } else if v.len() % 2 == 1 {
        v[v.len() / 2]
    } else {
        (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
    };
    (
        v.first().copied().unwrap_or(0.0),
        median,
        v.last().copied().unwrap_or(0.0),
    )
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "FAIL"
    }
}

fn params() -> Params {
    generate::all_params()
}

fn load_rules() -> RuleSet {
    RuleSet::load(None).unwrap_or_else(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        panic!("embedded rules do not load:\n{}", lines.join("\n"))
    })
}

fn flush() {
    let _ = std::io::stdout().flush();
}

// -------------------------------------------------------------------------------------------

fn main() {
    // As the binary does (src/main.rs), so that figures here are the binary's.
    let _ = nix::sys::prctl::set_thp_disable(true);
    let bench_mode = std::env::args().any(|a| a == "--bench");
    if let Some(path) = std::env::var_os("BOLLWERK_WRITE_SNAPSHOT") {
        write_snapshot(Path::new(&path));
        return;
    }
    if !bench_mode {
        smoke_test();
        return;
    }
    let strict = env_flag("BOLLWERK_BENCH_STRICT");
    let mut misses = Vec::new();
    let mut unchecked = Vec::new();
    if env_flag("BOLLWERK_BENCH_DAEMON_ONLY") {
        unchecked.push("(a) (skipped: BOLLWERK_BENCH_DAEMON_ONLY)");
    } else if !evaluation_bench(&mut misses) {
        unchecked.push("(a) (BOLLWERK_BENCH_DECIDE_ONLY stops before its verdicts)");
    }
    if !daemon_bench(&mut misses) {
        unchecked.push("(b) (skipped, see above)");
    }
    println!();
    if !unchecked.is_empty() {
        println!("targets not checked: {}", unchecked.join("; "));
    }
    if misses.is_empty() {
        println!("all checked targets met");
    } else {
        println!("targets missed: {}", misses.join("; "));
        if strict {
            std::process::exit(1);
        }
    }
}

/// `cargo test --benches`: a small snapshot, one evaluation, sanity checks only.
fn smoke_test() {
    let snap = generate::synthetic_snapshot(50, 10, SEED);
    let rules = load_rules();
    let results = eval::evaluate(&rules, &snap, &params());
    assert_eq!(results.len(), rules.rules.len());
    let json = serde_json::to_string(&snap).expect("the snapshot serialises");
    let back: Snapshot = serde_json::from_str(&json).expect("the snapshot reads back");
    assert_eq!(back.containers.len(), 50);
    println!(
        "evaluate bench smoke test: {} rules over 50 containers ok (run with `cargo bench` to measure)",
        results.len()
    );
}

/// Writes the 10,000-container snapshot for `bollwerk scan --snapshot`.
fn write_snapshot(path: &Path) {
    let n = env_usize("BOLLWERK_BENCH_CONTAINERS", CONTAINERS);
    let m = env_usize("BOLLWERK_BENCH_IMAGES", IMAGES);
    let snap = generate::synthetic_snapshot(n, m, SEED);
    let file = std::fs::File::create(path)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
    let mut w = std::io::BufWriter::new(file);
    serde_json::to_writer_pretty(&mut w, &snap).expect("writing the snapshot");
    w.flush().expect("writing the snapshot");
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    println!(
        "wrote {} ({n} containers, {m} images, {:.1} MiB); time it with:\n  /usr/bin/time -v target/release/bollwerk scan --snapshot {} --format json -o OUTDIR -q",
        path.display(),
        size as f64 / (1024.0 * 1024.0),
        path.display()
    );
}

// -------------------------------------------------------------------------------------------
// Part (a): evaluation over a synthetic snapshot

/// Part (a); false when it stopped before checking its targets.
fn evaluation_bench(misses: &mut Vec<String>) -> bool {
    let n = env_usize("BOLLWERK_BENCH_CONTAINERS", CONTAINERS);
    let m = env_usize("BOLLWERK_BENCH_IMAGES", IMAGES);
    let runs = env_usize("BOLLWERK_BENCH_RUNS", RUNS).max(1);
    println!("== (a) evaluation: {n} containers, {m} images, seed {SEED} ==");
    println!(
        "start: VmRSS {:.1} MiB, VmHWM {:.1} MiB",
        mib_kib(proc_status_kib("VmRSS")),
        mib_kib(proc_status_kib("VmHWM"))
    );
    flush();

    let t = Instant::now();
    let (snap, heap) = accounted(|| generate::synthetic_snapshot(n, m, SEED));
    let build = t.elapsed();
    let hwm_build = proc_status_kib("VmHWM");
    let sizes: Vec<usize> = snap
        .containers
        .iter()
        .step_by((n / 500).max(1))
        .map(|c| serde_json::to_vec(&c.inspect).map(|v| v.len()).unwrap_or(0))
        .collect();
    let avg = sizes.iter().sum::<usize>() as f64 / sizes.len().max(1) as f64;
    let running = snap
        .containers
        .iter()
        .filter(|c| c.runtime.is_some())
        .count();
    println!(
        "snapshot built in {:.0} ms: {running} running; inspect JSON {:.1} KB average ({:.1}–{:.1} KB, compact)",
        ms(build),
        avg / 1024.0,
        sizes.iter().min().copied().unwrap_or(0) as f64 / 1024.0,
        sizes.iter().max().copied().unwrap_or(0) as f64 / 1024.0,
    );
    println!(
        "snapshot heap: {:.1} MiB live ({:.1} KB per container, {:.1}x its JSON), {} allocations",
        mib(heap.live),
        heap.live as f64 / n.max(1) as f64 / 1024.0,
        heap.live as f64 / (avg * n.max(1) as f64),
        heap.allocs
    );
    println!(
        "peak RSS after building the snapshot: {:.1} MiB (VmHWM); RSS now {:.1} MiB (VmRSS)",
        mib_kib(hwm_build),
        mib_kib(proc_status_kib("VmRSS"))
    );
    flush();

    let rules = load_rules();
    let params = params();
    let per_container = rules
        .rules
        .iter()
        .filter(|r| r.check.is_some() && r.scope.instance_kind() == Some("container"))
        .count();
    let per_image = rules
        .rules
        .iter()
        .filter(|r| r.check.is_some() && r.scope.instance_kind() == Some("image"))
        .count();
    println!(
        "rules: {} embedded ({per_container} per container, {per_image} per image)",
        rules.rules.len()
    );

    if env_flag("BOLLWERK_BENCH_EXPLAIN_ONLY") {
        // For profiling the evaluation with evidence alone (perf record).
        for _ in 0..runs {
            drop(black_box(eval::evaluate(&rules, &snap, &params)));
        }
        return false;
    }
    // The target: deciding every rule for every container and image.
    for _ in 0..WARMUP {
        black_box(eval::decide(&rules, &snap, &params));
    }
    let (min, median, max) = timed(runs, || eval::decide(&rules, black_box(&snap), &params));
    println!("decide ({runs} runs after {WARMUP} warm-up): min {min:.1} ms, median {median:.1} ms, max {max:.1} ms");
    let (decisions, decide_heap) = accounted(|| eval::decide(&rules, &snap, &params));
    let decided: usize = decisions.iter().map(|d| d.instances.len()).sum();
    println!(
        "one decision: {} rules, {decided} instance statuses; {} allocations, heap peak +{:.1} MiB, decisions hold {:.1} MiB",
        decisions.len(),
        decide_heap.allocs,
        mib(decide_heap.peak),
        mib(decide_heap.live)
    );
    drop(decisions);
    let hwm_decide = proc_status_kib("VmHWM");
    if env_flag("BOLLWERK_BENCH_DECIDE_ONLY") {
        // For profiling the decision alone (perf record).
        return false;
    }
    println!(
        "peak RSS after deciding: {:.1} MiB (VmHWM)",
        mib_kib(hwm_decide)
    );
    flush();

    // Explaining everything: what a JSON or HTML report of all instances needs.
    let rss_before_kib = proc_status_kib("VmRSS");
    let (results, eval_heap) = accounted(|| eval::evaluate(&rules, &snap, &params));
    let instances: usize = results.iter().map(|r| r.instances.len()).sum();
    let evidence: usize = results
        .iter()
        .map(|r| r.evidence.len() + r.instances.iter().map(|i| i.evidence.len()).sum::<usize>())
        .sum();
    println!(
        "one evaluation with evidence: {} results, {instances} instance results, {evidence} evidence items; {} allocations, heap peak +{:.1} MiB, results hold {:.1} MiB",
        results.len(),
        eval_heap.allocs,
        mib(eval_heap.peak),
        mib(eval_heap.live)
    );
    let rss_before = mib_kib(rss_before_kib);
    let hwm_explain = mib_kib(proc_status_kib("VmHWM"));
    println!(
        "peak RSS after evaluating with evidence: {hwm_explain:.1} MiB (VmHWM); RSS {rss_before:.1} MiB before the evaluation, {:.1} MiB after (VmRSS)",
        mib_kib(proc_status_kib("VmRSS"))
    );
    results_attribution(&results);
    let shared_ok = facts_held_once(&results);
    let (write_ms, written) = report_json(&snap, results);
    flush();

    // Timed after the one evaluation whose peak is measured, so that the peak is one
    // evaluation's (a scan makes one), not that of the pages earlier runs left behind. As many
    // runs as deciding: with three, one slow run on a shared machine moved the median.
    let explain_runs = runs;
    let (emin, emedian, emax) = timed(explain_runs, || {
        eval::evaluate(&rules, black_box(&snap), &params)
    });
    println!("evaluate with all evidence ({explain_runs} runs): min {emin:.1} ms, median {emedian:.1} ms, max {emax:.1} ms");
    // Not part of the evaluation: collection builds each container's facts document as it
    // finishes (Snapshot::build_documents). Timed on a copy of up to 1,000 containers (a copy
    // starts without them), after every peak above was read.
    let sample: Vec<_> = snap.containers.iter().take(1000).cloned().collect();
    let t = Instant::now();
    for c in &sample {
        black_box(c.facts_doc());
    }
    println!(
        "containers' facts documents, built with the snapshot (not timed above): {:.1} ms for {}, {:.2} µs each, one thread",
        ms(t.elapsed()),
        sample.len(),
        ms(t.elapsed()) * 1000.0 / sample.len().max(1) as f64
    );
    drop(sample);

    let explain_ok = emedian < EVAL_TARGET_MS;
    let explain_rss_ok = hwm_explain < RSS_TARGET_MIB;
    let write_ok = write_ms < WRITE_TARGET_MS;
    println!(
        "{}: evaluation with evidence median {emedian:.1} ms < {EVAL_TARGET_MS:.0} ms",
        verdict(explain_ok)
    );
    println!(
        "{}: peak RSS with evidence {hwm_explain:.1} MiB < {RSS_TARGET_MIB:.0} MiB",
        verdict(explain_rss_ok)
    );
    println!(
        "{}: report.json ({:.1} MB) written in {write_ms:.0} ms < {WRITE_TARGET_MS:.0} ms",
        verdict(write_ok),
        written as f64 / 1e6
    );
    println!(
        "{}: every fact an instance's evidence reads is held once",
        verdict(shared_ok)
    );
    for (ok, miss) in [
        (
            explain_ok,
            format!("evaluation with evidence {emedian:.1} ms"),
        ),
        (
            explain_rss_ok,
            format!("peak RSS with evidence {hwm_explain:.1} MiB"),
        ),
        (write_ok, format!("report.json written in {write_ms:.0} ms")),
        (shared_ok, "a fact held twice".to_string()),
    ] {
        if !ok {
            misses.push(miss);
        }
    }
    snapshot_attribution(&snap);

    breakdown(&rules, &snap, &params);
    coverage(&rules, &params);

    let eval_ok = median < EVAL_TARGET_MS;
    let rss = mib_kib(hwm_decide.max(hwm_build));
    let rss_ok = rss < RSS_TARGET_MIB;
    println!(
        "{}: decision median {median:.1} ms < {EVAL_TARGET_MS:.0} ms",
        verdict(eval_ok)
    );
    println!(
        "{}: peak RSS {rss:.1} MiB < {RSS_TARGET_MIB:.0} MiB",
        verdict(rss_ok)
    );
    if !eval_ok {
        misses.push(format!("decision median {median:.1} ms"));
    }
    if !rss_ok {
        misses.push(format!("peak RSS {rss:.1} MiB"));
    }
    flush();
    true
}

/// True when, within each instance (and among rule-level evidence), all evidence naming the
/// same fact shares one observation: a fact is held, and written, once.
fn facts_held_once(results: &[RuleResult]) -> bool {
    use std::collections::HashMap;
    let rule_level = results
        .iter()
        .flat_map(|r| r.evidence.iter().map(|e| ("", e)));
    let per_instance = results
        .iter()
        .flat_map(|r| &r.instances)
        .flat_map(|i| i.evidence.iter().map(move |e| (i.id(), e)));
    let mut held: HashMap<(&str, &str), *const Observation> = HashMap::new();
    let mut twice = 0usize;
    for (owner, e) in rule_level.chain(per_instance) {
        let p: *const Observation = e.observation();
        // Redacted rules hold a masked copy of their own.
        let masked = e.observed().to_string().contains("[redacted");
        if *held.entry((owner, e.fact())).or_insert(p) != p && !masked {
            if twice < 5 {
                println!("held twice: {owner} {} {}", e.fact(), e.source());
            }
            twice += 1;
        }
    }
    if twice > 0 {
        println!("{twice} evidence items hold a fact their instance already holds");
    }
    twice == 0
}

/// Builds the report of `results` and writes it as report.json, as a scan does: the time and
/// the file's size, and how many observations it holds for how many evidence items.
fn report_json(snap: &Snapshot, results: Vec<RuleResult>) -> (f64, u64) {
    let evidence: usize = results
        .iter()
        .map(|r| r.evidence.len() + r.instances.iter().map(|i| i.evidence.len()).sum::<usize>())
        .sum();
    let report = bollwerk::report::Report::new(snap, results, Default::default(), None);
    let t = Instant::now();
    let pools = bollwerk::rules::result::observations::Pools::of(&report.results);
    println!(
        "numbering the report's observations and expectations (part of each write): {} and {} in {:.0} ms",
        pools.observations.len(),
        pools.expectations.len(),
        ms(t.elapsed())
    );
    drop(pools);
    let t = Instant::now();
    let mut counted = Counted(0);
    bollwerk::report::write_json(&report, &mut counted).expect("the report serialises");
    println!(
        "report.json serialised alone (no file): {:.1} MB in {:.0} ms",
        counted.0 as f64 / 1e6,
        ms(t.elapsed())
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("report.json");
    let t = Instant::now();
    bollwerk::report::write::atomic_write_with(&path, |out| {
        bollwerk::report::write_json(&report, out).map_err(std::io::Error::from)
    })
    .expect("report.json is written");
    let took = ms(t.elapsed());
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let text = std::fs::read(&path).expect("report.json reads");
    let t = Instant::now();
    let back = bollwerk::report::from_json(&text).expect("report.json reads back");
    let read = ms(t.elapsed());
    let observations = bollwerk::rules::result::observations::Pools::of(&back.results)
        .observations
        .len();
    println!(
        "report.json: {:.1} MB written in {took:.0} ms (streamed), {observations} observations for {evidence} evidence items; read back in {read:.0} ms",
        size as f64 / 1e6
    );
    (took, size)
}

/// A writer that only counts bytes.
struct Counted(usize);

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Where evaluation time goes: the fixed cost of an evaluation with no rules (building the
/// per-instance views), each scope's rules together, and with `BOLLWERK_BENCH_PROFILE=1` the
/// slowest single rules.
fn breakdown(rules: &RuleSet, snap: &Snapshot, params: &Params) {
    let time = |set: &RuleSet| {
        let s = Instant::now();
        black_box(eval::decide(set, snap, params));
        s.elapsed()
    };
    let subset = |keep: &dyn Fn(&bollwerk::rules::Rule) -> bool| {
        RuleSet::new(rules.rules.iter().filter(|r| keep(r)).cloned().collect())
    };
    let empty = time(&RuleSet::default());
    println!(
        "breakdown (one run each): evaluation with no rules {:.1} ms (fixed cost)",
        ms(empty)
    );
    for (label, kind) in [
        ("host and daemon rules", None),
        ("per-image rules", Some("image")),
        ("per-container rules", Some("container")),
    ] {
        let set = subset(&|r| r.scope.instance_kind() == kind);
        let instances = match kind {
            Some("container") => snap.containers.len(),
            Some("image") => snap.images.len(),
            _ => 1,
        } * set.rules.iter().filter(|r| r.check.is_some()).count();
        let d = time(&set);
        println!(
            "  {label:<22} {:>3} rules {:>9.1} ms  {:>7} rule×instance  {:>6.2} µs each (fixed cost included)",
            set.rules.len(),
            ms(d),
            instances,
            d.as_secs_f64() * 1e6 / instances.max(1) as f64
        );
    }
    if !env_flag("BOLLWERK_BENCH_PROFILE") {
        return;
    }
    let mut per_rule: Vec<(Duration, &str, usize)> = rules
        .rules
        .iter()
        .map(|r| {
            let set = RuleSet::new(vec![r.clone()]);
            let n = match r.scope.instance_kind() {
                Some("container") => snap.containers.len(),
                Some("image") => snap.images.len(),
                _ => 1,
            };
            (time(&set).saturating_sub(empty), r.id.as_str(), n)
        })
        .collect();
    per_rule.sort_by_key(|r| std::cmp::Reverse(r.0));
    println!("  slowest rules (one run each, fixed cost subtracted):");
    for (d, id, n) in per_rule.iter().take(15) {
        println!(
            "    {id:<18} {:>8.1} ms  {n:>6} instances  {:>6.2} µs/instance",
            ms(*d),
            d.as_secs_f64() * 1e6 / *n as f64
        );
    }
}

/// What the results of one evaluation hold, by part (requested bytes, without malloc's own
/// overhead).
fn results_attribution(results: &[RuleResult]) {
    let (mut inst_structs, mut inst_strings, mut ev_structs) = (0, 0, 0);
    let (mut n_inst, mut n_ev) = (0usize, 0usize);
    let mut observations: BTreeMap<*const Observation, (&Observation, [&str; 2])> = BTreeMap::new();
    let mut labels: BTreeSet<*const u8> = BTreeSet::new();
    let mut sheets: BTreeSet<*const Sheet> = BTreeSet::new();
    for r in results {
        if let Some(s) = r.evidence.sheet() {
            sheets.insert(std::sync::Arc::as_ptr(s));
        }
        inst_structs += r.instances.capacity() * std::mem::size_of::<InstanceResult>();
        ev_structs += r.evidence.held_bytes();
        let evidence = r
            .evidence
            .iter()
            .chain(r.instances.iter().flat_map(|i| i.evidence.iter()));
        for e in evidence {
            n_ev += 1;
            observations.insert(e.observation(), (e.observation(), [e.fact(), e.source()]));
        }
        for i in &r.instances {
            n_inst += 1;
            // Messages and subjects are shared by the results that say or name the same:
            // each counted once.
            if let Some(m) = &i.message {
                if labels.insert(m.as_ptr()) {
                    inst_strings += m.len();
                }
            }
            let s = i.subject();
            if labels.insert(s as *const Subject as *const u8) {
                inst_strings += std::mem::size_of::<Subject>()
                    + s.kind.capacity()
                    + s.id.capacity()
                    + s.name.capacity();
            }
            ev_structs += i.evidence.held_bytes();
            if let Some(s) = i.evidence.sheet() {
                sheets.insert(std::sync::Arc::as_ptr(s));
            }
        }
    }
    let n_obs = observations.len();
    // Fact names and sources are shared among observations: each counted once.
    let mut texts: BTreeSet<*const u8> = BTreeSet::new();
    let mut obs_strings = 0usize;
    for (_, fact_and_source) in observations.values() {
        for text in fact_and_source {
            if texts.insert(text.as_ptr()) {
                obs_strings += text.len();
            }
        }
    }
    // Values held in their documents cost nothing here; made ones are measured by a copy.
    let held = observations
        .values()
        .filter(|(o, _)| matches!(o.observed, Observed::InDoc { .. }))
        .count();
    let (copies, heap) = accounted(|| {
        observations
            .values()
            .filter_map(|(o, _)| match &o.observed {
                Observed::Made(v) => Some((**v).clone()),
                Observed::InDoc { .. } | Observed::Absent => None,
            })
            .collect::<Vec<_>>()
    });
    let observed_heap =
        heap.live - (copies.capacity() * std::mem::size_of::<serde_json::Value>()) as i64;
    drop(copies);
    let m = |b: usize| b as f64 / (1024.0 * 1024.0);
    println!(
        "results by part: {n_inst} InstanceResult structs {:.1} MiB + their subjects and messages {:.1} MiB; {n_ev} evidence items {:.1} MiB; {} sheets {:.1} MiB; {n_obs} observations {:.1} MiB ({held} of them held in their documents) + fact/source strings {:.1} MiB + observed values made {:.1} MiB",
        m(inst_structs),
        m(inst_strings),
        m(ev_structs),
        sheets.len(),
        m(sheets.len() * std::mem::size_of::<Sheet>()),
        m(n_obs * std::mem::size_of::<Observation>()),
        m(obs_strings),
        mib(observed_heap)
    );
}

/// Heap per container of the inspect document as bollwerk holds it (a `serde_json::Value`
/// with `preserve_order`), compared with other representations, over a sample.
fn snapshot_attribution(snap: &Snapshot) {
    let sample: Vec<&bollwerk::snapshot::ContainerFacts> = snap
        .containers
        .iter()
        .step_by((snap.containers.len() / 500).max(1))
        .collect();
    let n = sample.len().max(1) as f64;
    let texts: Vec<Vec<u8>> = sample
        .iter()
        .map(|c| serde_json::to_vec(&c.inspect).unwrap_or_default())
        .collect();
    let json_bytes: usize = texts.iter().map(Vec::len).sum();
    let (values, as_value) =
        accounted(|| sample.iter().map(|c| c.inspect.clone()).collect::<Vec<_>>());
    drop(values);
    let (typed, as_typed) = accounted(|| {
        texts
            .iter()
            .filter_map(|t| {
                serde_json::from_slice::<bollard::models::ContainerInspectResponse>(t).ok()
            })
            .collect::<Vec<_>>()
    });
    let typed_ok = typed.len();
    drop(typed);
    let (rest, as_rest) = accounted(|| {
        sample
            .iter()
            .map(|c| {
                (
                    c.runtime.clone(),
                    c.processes.clone(),
                    c.execs.clone(),
                    c.image_freshness.clone(),
                )
            })
            .collect::<Vec<_>>()
    });
    drop(rest);
    let kb = |b: f64| b / 1024.0;
    println!(
        "snapshot by part, per container (sample of {}): inspect as serde_json::Value {:.1} KB ({} allocations); as compact JSON text {:.1} KB; as bollard's typed ContainerInspectResponse {:.1} KB ({} of {} parsed); runtime/processes/execs/freshness {:.1} KB",
        sample.len(),
        kb(as_value.live as f64 / n),
        as_value.allocs / sample.len().max(1) as u64,
        kb(json_bytes as f64 / n),
        kb(as_typed.live as f64 / typed_ok.max(1) as f64),
        typed_ok,
        sample.len(),
        kb(as_rest.live as f64 / n),
    );
}

/// Every rule with a check should pass somewhere and fail somewhere across seeds 0..4
/// (`generate::coverage`, which `tests/decide_agrees.rs` also holds to).
fn coverage(rules: &RuleSet, params: &Params) {
    let c = generate::coverage(rules, params);
    println!(
        "rule coverage over seeds 0–3: {}/{} checked rules both pass and fail{}; {} rules also see error instances",
        c.checked - c.gaps.len(),
        c.checked,
        if c.gaps.is_empty() {
            String::new()
        } else {
            format!(" (not: {})", c.gaps.join(", "))
        },
        c.with_errors
    );
}

// -------------------------------------------------------------------------------------------
// Part (b): a private daemon with 100, then 400 running containers

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|c| c.is_file())
    })
}

/// The container counts part (b) measures at, in order (`BOLLWERK_BENCH_SIZES`, e.g. `100,400`).
fn daemon_sizes() -> Vec<usize> {
    let mut sizes: Vec<usize> = std::env::var("BOLLWERK_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| DAEMON_SIZES.to_vec());
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// Whether part (b) can run here; prints why not.
fn daemon_bench_possible() -> bool {
    if !env_flag("BOLLWERK_BENCH_DAEMON") {
        println!("SKIP: set BOLLWERK_BENCH_DAEMON=1 (as root, with dockerd installed) to run it");
        return false;
    }
    if !nix::unistd::geteuid().is_root() {
        println!("SKIP: needs root to start a private dockerd");
        return false;
    }
    if on_path("dockerd").is_none() || !Path::new(dockerd::DOCKER_CLI).is_file() {
        println!(
            "SKIP: needs dockerd on PATH and the docker CLI at {}",
            dockerd::DOCKER_CLI
        );
        return false;
    }
    if !Path::new(dockerd::BUSYBOX_BIN).is_file() {
        println!("SKIP: needs a static busybox at {}", dockerd::BUSYBOX_BIN);
        return false;
    }
    true
}

/// Starts containers `bench-FROM` … `bench-(TO-1)`, 8 docker CLI calls at a time.
fn start_containers(d: &dockerd::PrivateDaemon, image: &str, from: usize, to: usize) {
    let t = Instant::now();
    let next = AtomicUsize::new(from);
    let workers = 8;
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Relaxed);
                if i >= to {
                    break;
                }
                let name = format!("bench-{i:03}");
                d.docker(&[
                    "run",
                    "-d",
                    "--name",
                    &name,
                    "--network",
                    "none",
                    image,
                    "sleep",
                    "3600",
                ]);
            });
        }
    });
    let running = d.docker(&["ps", "-q"]).lines().count();
    println!(
        "{running} containers running after {:.1} s ({workers} docker CLI calls in parallel)",
        t.elapsed().as_secs_f64()
    );
    assert_eq!(running, to, "all containers should be running");
    flush();
}

/// One HTTP/1.1 connection of the floor client.
type FloorConn = hyper::client::conn::http1::SendRequest<http_body_util::Empty<bytes::Bytes>>;

/// A new connection to the daemon's unix socket.
async fn floor_connect(socket: &Path) -> FloorConn {
    let stream = tokio::net::UnixStream::connect(socket)
        .await
        .expect("connect to the daemon");
    let (send, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
        .await
        .expect("HTTP handshake");
    tokio::spawn(conn);
    send
}

/// `GET path` on `conn`, the answer parsed as JSON.
async fn floor_get(conn: &mut FloorConn, path: &str) -> serde_json::Value {
    use http_body_util::BodyExt;
    conn.ready().await.expect("connection ready");
    let request = hyper::Request::get(path)
        .header("Host", "docker")
        .body(http_body_util::Empty::new())
        .expect("a request");
    let response = conn.send_request(request).await.expect("an answer");
    assert!(
        response.status().is_success(),
        "GET {path}: {}",
        response.status()
    );
    let body = response
        .into_body()
        .collect()
        .await
        .expect("the body")
        .to_bytes();
    serde_json::from_slice(&body).expect("JSON")
}

/// The floor, a minimal client: on [`FLOOR_CONNECTIONS`] fresh keep-alive connections,
/// the container list, `/info` and `/version` at once, then every listed container's inspect
/// (each connection takes the next container when its last answer is in). Every answer is
/// parsed as JSON and dropped. Returns the number of containers inspected.
async fn floor_scan(socket: &Path, api: &str) -> usize {
    let (tx, rx) = tokio::sync::watch::channel(None::<std::sync::Arc<Vec<String>>>);
    let mut tx = Some(tx);
    let next = std::sync::Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for w in 0..FLOOR_CONNECTIONS {
        let (socket, api, next) = (socket.to_path_buf(), api.to_string(), next.clone());
        let (tx, mut rx) = (if w == 0 { tx.take() } else { None }, rx.clone());
        workers.push(tokio::spawn(async move {
            let mut conn = floor_connect(&socket).await;
            match w {
                0 => {
                    let list = floor_get(&mut conn, &format!("{api}/containers/json")).await;
                    let ids: Vec<String> = list
                        .as_array()
                        .expect("a list")
                        .iter()
                        .filter_map(|c| Some(c.get("Id")?.as_str()?.to_string()))
                        .collect();
                    let _ = tx.expect("the list's sender").send(Some(ids.into()));
                }
                1 => drop(black_box(
                    floor_get(&mut conn, &format!("{api}/info")).await,
                )),
                2 => drop(black_box(
                    floor_get(&mut conn, &format!("{api}/version")).await,
                )),
                _ => {}
            }
            let ids = rx
                .wait_for(Option::is_some)
                .await
                .expect("the list")
                .clone()
                .expect("ids");
            let mut inspected = 0;
            loop {
                let i = next.fetch_add(1, Relaxed);
                let Some(id) = ids.get(i) else { break };
                let doc = floor_get(&mut conn, &format!("{api}/containers/{id}/json")).await;
                black_box(doc);
                inspected += 1;
            }
            inspected
        }));
    }
    let mut total = 0;
    for w in workers {
        total += w.await.expect("a floor worker");
    }
    total
}

/// Medians of one size of part (b).
struct SizeResult {
    containers: usize,
    floor: f64,
    scan: f64,
    collect: f64,
}

/// Part (b); false when it was skipped.
fn daemon_bench(misses: &mut Vec<String>) -> bool {
    let sizes = daemon_sizes();
    println!();
    println!(
        "== (b) collection from a private dockerd with {} running containers, against the API floor ==",
        sizes
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", then ")
    );
    if !daemon_bench_possible() {
        return false;
    }
    flush();

    let t = Instant::now();
    let d = dockerd::PrivateDaemon::start(serde_json::json!({}));
    let image = d.import_busybox();
    println!(
        "private dockerd at {} ready with {image} in {:.1} s",
        d.socket_url(),
        t.elapsed().as_secs_f64()
    );
    flush();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // Not bollwerk's thread name, so that a profile of this bench tells them apart.
        .thread_name("floor")
        .enable_all()
        .build()
        .expect("tokio runtime");
    let socket = d.socket_path();
    let api = rt.block_on(async {
        let mut conn = floor_connect(&socket).await;
        let v = floor_get(&mut conn, "/version").await;
        format!("/v{}", v["ApiVersion"].as_str().expect("ApiVersion"))
    });
    let endpoint = Endpoint {
        url: d.socket_url(),
        tls_dir: None,
    };
    let rules = load_rules();
    let params = params();
    let plan = bollwerk::rules::plan::collection_plan(&rules);
    let bench = DaemonBench {
        rt: &rt,
        socket: &socket,
        api: &api,
        daemon_pid: d.pid(),
        rules: &rules,
        params: &params,
        plan: &plan,
        endpoint: &endpoint,
    };
    println!(
        "(i)  the floor: a minimal client on {FLOOR_CONNECTIONS} fresh connections asks the list, /info and /version at once, then inspects every container (each answer parsed as JSON)"
    );
    println!("(ii) the scan: bollwerk's `collect::collect` (--all) and `evaluate`, as `bollwerk scan` does");
    println!(
        "     the two alternate, {DAEMON_RUNS} timed runs each after one warm-up, against the same daemon"
    );
    let mut results = Vec::new();
    let mut started = 0;
    for &n in &sizes {
        println!();
        start_containers(&d, image, started, n);
        started = n;
        settle();
        let r = bench.measure(n);
        let ratio = r.scan / r.floor;
        let ok = ratio <= RATIO_TARGET;
        println!(
            "{}: at {n} containers the scan takes {ratio:.2}× the floor (medians {:.1} / {:.1} ms) ≤ {RATIO_TARGET}×",
            verdict(ok),
            r.scan,
            r.floor
        );
        if !ok {
            misses.push(format!("scan {ratio:.2}× the API floor at {n} containers"));
        }
        results.push(r);
        flush();
    }
    summary(&results);

    if !env_flag("BOLLWERK_BENCH_NO_DIAGNOSTICS") {
        let floor = results.last().map_or(1.0, |r| r.floor);
        let docker = rt
            .block_on(connect(&endpoint, Limits::default()))
            .unwrap_or_else(|e| panic!("{e}"));
        collection_diagnostics(&rt, &docker, &d.socket_url(), floor);
        release_binary(&d.socket_url(), floor);
    }
    drop(rt);
    let t = Instant::now();
    drop(d);
    println!(
        "private dockerd stopped and removed in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    true
}

/// Waits until the machine is quiet after starting containers: runc, the shims and containerd
/// go on working for a while after `docker run` returns, and timing the floor and the scan
/// beside that work measures the machine's load, not either of them. Quiet: busy under a
/// tenth of its cores over a whole second; at most 60 s.
fn settle() {
    let t = Instant::now();
    let quiet = Duration::from_millis(100) * cores() as u32;
    loop {
        let before = machine_busy();
        std::thread::sleep(Duration::from_secs(1));
        let busy = machine_busy() - before;
        if busy < quiet || t.elapsed() > Duration::from_secs(60) {
            println!(
                "     machine quiet after {:.0} s (busy {:.0} ms of the last second, on {} cores)",
                t.elapsed().as_secs_f64(),
                ms(busy),
                cores()
            );
            return;
        }
    }
}

/// The sizes side by side, and what each extra container costs.
fn summary(results: &[SizeResult]) {
    println!();
    println!("     containers   floor (median)   scan (median)   collect (median)   scan / floor");
    for r in results {
        println!(
            "     {:>10}   {:>11.1} ms   {:>10.1} ms   {:>13.1} ms   {:>11.2}×",
            r.containers,
            r.floor,
            r.scan,
            r.collect,
            r.scan / r.floor
        );
    }
    if let [first, .., last] = results {
        let extra = (last.containers - first.containers) as f64;
        println!(
            "     per extra container ({} → {}): floor {:.3} ms, scan {:.3} ms",
            first.containers,
            last.containers,
            (last.floor - first.floor) / extra,
            (last.scan - first.scan) / extra
        );
    }
}

/// What measuring one size needs.
struct DaemonBench<'a> {
    rt: &'a tokio::runtime::Runtime,
    socket: &'a Path,
    api: &'a str,
    daemon_pid: u32,
    rules: &'a RuleSet,
    params: &'a Params,
    plan: &'a bollwerk::facts::plan::Plan,
    endpoint: &'a Endpoint,
}

/// CPU used during one run: this process, dockerd.
#[derive(Default)]
struct RunCpu {
    own: Vec<Duration>,
    daemon: Vec<Duration>,
    machine: Duration,
}

impl RunCpu {
    fn time<T>(&mut self, pid: u32, f: impl FnOnce() -> T) -> (T, Duration) {
        let (own, daemon, machine) = (own_cpu(), process_cpu(pid), machine_busy());
        let t = Instant::now();
        let out = f();
        let took = t.elapsed();
        self.own.push(own_cpu() - own);
        self.daemon.push(process_cpu(pid) - daemon);
        self.machine += machine_busy() - machine;
        (out, took)
    }

    fn line(&self, what: &str) -> String {
        format!(
            "     CPU per {what} run (median): this process {:.1} ms, dockerd {:.0} ms; whole machine {:.0} ms (mean)",
            stats(&self.own).1,
            stats(&self.daemon).1,
            ms(self.machine) / self.own.len().max(1) as f64
        )
    }
}

impl DaemonBench<'_> {
    fn floor_once(&self) -> usize {
        self.rt.block_on(floor_scan(self.socket, self.api))
    }

    /// One collection and evaluation: (collect, evaluate) times and the progress marks.
    fn scan_once(&self, n: usize, check: bool) -> (Duration, Duration, Vec<(String, Instant)>) {
        let opts = CollectOptions {
            host_root: PathBuf::from("/"),
            endpoint: self.endpoint.clone(),
            all_containers: true,
            deep_images: false,
            limits: Limits::default(),
        };
        let marks: RefCell<Vec<(String, Instant)>> = RefCell::new(Vec::new());
        let t0 = Instant::now();
        let snap = collect(&opts, self.plan, &|m: &str| {
            marks.borrow_mut().push((m.to_string(), Instant::now()))
        });
        let t1 = Instant::now();
        let results = eval::evaluate(self.rules, &snap, self.params);
        let t2 = Instant::now();
        black_box(&results);
        if check {
            assert!(snap.daemon.reachable, "daemon reachable: {:?}", snap.errors);
            assert_eq!(snap.containers.len(), n);
            let with_runtime = snap
                .containers
                .iter()
                .filter(|c| c.runtime.is_some())
                .count();
            println!(
                "     collected {} containers ({with_runtime} with runtime facts), {} images; {} collection errors, {} notes",
                snap.containers.len(),
                snap.images.len(),
                snap.errors.len(),
                snap.notes.len()
            );
            for e in snap.errors.iter().take(5) {
                println!("       error {}: {}", e.fact, e.message);
            }
        }
        let mut marks = marks.into_inner();
        marks.push(("end".into(), t1));
        marks.insert(0, ("start".into(), t0));
        (t1 - t0, t2 - t1, marks)
    }

    /// The floor and the scan at `n` running containers, alternating.
    fn measure(&self, n: usize) -> SizeResult {
        assert_eq!(self.floor_once(), n, "warm-up inspects all");
        self.scan_once(n, true);
        let (mut floor_cpu, mut scan_cpu) = (RunCpu::default(), RunCpu::default());
        let (mut floor, mut full, mut collect_only, mut eval_only) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut phases: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        for run in 0..DAEMON_RUNS {
            // Which goes first alternates too, so that neither always follows the other.
            for first in [run % 2 == 0, run % 2 != 0] {
                if first {
                    let (count, took) = floor_cpu.time(self.daemon_pid, || self.floor_once());
                    assert_eq!(count, n);
                    floor.push(took);
                } else {
                    let ((c, e, marks), took) =
                        scan_cpu.time(self.daemon_pid, || self.scan_once(n, false));
                    full.push(took);
                    collect_only.push(c);
                    eval_only.push(e);
                    for w in marks.windows(2) {
                        let label = format!("{} → {}", w[0].0, w[1].0);
                        if run == 0 {
                            order.push(label.clone());
                        }
                        phases.entry(label).or_default().push(w[1].1 - w[0].1);
                    }
                }
            }
        }
        let (floor_best, floor_median, floor_max) = stats(&floor);
        let (full_best, full_median, full_max) = stats(&full);
        let (c_median, e_median) = (stats(&collect_only).1, stats(&eval_only).1);
        println!(
            "(i)  floor at {n}: best {floor_best:.1} ms, median {floor_median:.1} ms, worst {floor_max:.1} ms"
        );
        println!("{}", floor_cpu.line("floor"));
        println!(
            "(ii) scan at {n}: best {full_best:.1} ms, median {full_median:.1} ms, worst {full_max:.1} ms (collect median {c_median:.1}, evaluate median {e_median:.2})"
        );
        println!("{}", scan_cpu.line("scan"));
        let (own, daemon) = (stats(&scan_cpu.own).1, stats(&scan_cpu.daemon).1);
        println!(
            "     on {} cores no schedule beats {:.1} ms (this process + dockerd) or {:.1} ms (whole machine)",
            cores(),
            (own + daemon) / cores() as f64,
            ms(scan_cpu.machine) / DAEMON_RUNS as f64 / cores() as f64
        );
        println!("     collection phases (median; times between progress messages):");
        for label in &order {
            println!("       {:>8.1} ms  {label}", stats(&phases[label]).1);
        }
        SizeResult {
            containers: n,
            floor: floor_median,
            scan: full_median,
            collect: c_median,
        }
    }
}

/// Times the parts of a collection one by one, to show where it spends its time beyond the
/// floor: `docker top` for each running container (which `collect` asks for), the /proc reads
/// per container, and the dockerd search in /proc.
fn collection_diagnostics(
    rt: &tokio::runtime::Runtime,
    docker: &bollard::Docker,
    url: &str,
    floor_median: f64,
) {
    let ids: Vec<(String, u32)> = rt.block_on(async {
        let opts = bollard::query_parameters::ListContainersOptionsBuilder::new()
            .all(true)
            .build();
        let list = docker.list_containers(Some(opts)).await.unwrap_or_default();
        let mut out = Vec::new();
        for c in list {
            if let Some(id) = c.id {
                let pid = docker
                    .inspect_container(&id, None)
                    .await
                    .ok()
                    .and_then(|i| i.state.and_then(|s| s.pid))
                    .unwrap_or(0);
                out.push((id, pid as u32));
            }
        }
        out
    });
    let median_of = |f: &mut dyn FnMut()| {
        let mut t: Vec<Duration> = (0..5)
            .map(|_| {
                let s = Instant::now();
                f();
                s.elapsed()
            })
            .collect();
        t.sort();
        ms(t[2])
    };
    let top = median_of(&mut || {
        rt.block_on(async {
            let ps = "-eo pid=PID -o user=USER -o comm=NAME -o args=ARGS";
            let n = stream::iter(ids.iter())
                .map(|(id, _)| async move {
                    let opts = bollard::query_parameters::TopOptionsBuilder::new()
                        .ps_args(ps)
                        .build();
                    docker.top_processes(id, Some(opts)).await.is_ok()
                })
                .buffered(MAX_IN_FLIGHT)
                .filter(|ok| std::future::ready(*ok))
                .count()
                .await;
            black_box(n);
        })
    });
    // The daemon's part of a collection with no host work: everything the issue asks of the
    // API (version, info, containers with their exec instances, images with their histories,
    // networks, swarm), as `collect` asks it.
    let endpoint = Endpoint {
        url: url.to_string(),
        tls_dir: None,
    };
    let machine = machine_busy();
    let api_only = median_of(&mut || {
        black_box(rt.block_on(bollwerk::collect::docker::collect(
            docker,
            &endpoint,
            true,
            Default::default(),
            Limits::default(),
        )));
    });
    let api_only_machine = ms(machine_busy() - machine) / 5.0;
    let host = bollwerk::collect::hostfs::HostFs::new(Path::new("/"));
    let host_ns = bollwerk::collect::runtime::namespaces_of(&host, 1)
        .ok()
        .or_else(|| {
            let pid = bollwerk::collect::process::find_dockerd(&host, url)
                .ok()?
                .pid;
            bollwerk::collect::runtime::namespaces_of(&host, pid).ok()
        });
    let runtime_facts = median_of(&mut || {
        for (_, pid) in &ids {
            let mut errors = BTreeMap::new();
            black_box(bollwerk::collect::runtime::collect(
                &host,
                *pid,
                host_ns.as_ref(),
                &mut errors,
            ));
        }
    });
    let pids: Vec<u32> = ids.iter().map(|(_, pid)| *pid).collect();
    let listening = median_of(&mut || {
        black_box(bollwerk::collect::net::listening_of(&host, &pids));
    });
    let find = median_of(&mut || {
        black_box(bollwerk::collect::process::find_dockerd(&host, url).ok());
    });
    let procs = std::fs::read_dir("/proc")
        .map(|d| {
            d.filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
            })
            .count()
        })
        .unwrap_or(0);
    println!("     where collection time goes (median of 5, each part alone):");
    println!(
        "       {api_only:>8.1} ms  the daemon's answers alone, no host work = {:.2}× the floor; whole machine CPU {api_only_machine:.0} ms per run (mean)",
        api_only / floor_median
    );
    println!(
        "       {top:>8.1} ms  docker top for {} containers ({MAX_IN_FLIGHT} in flight) = {:.1}× the floor",
        ids.len(),
        top / floor_median
    );
    println!(
        "       {runtime_facts:>8.1} ms  namespaces + cgroup from /proc for {} containers",
        ids.len()
    );
    println!(
        "       {listening:>8.1} ms  listening sockets (netlink sock_diag, once per network namespace) for {} containers",
        ids.len()
    );
    println!(
        "       {find:>8.1} ms  finding dockerd (its socket's peer; a /proc search of {procs} processes when that fails)"
    );
}

/// Wall time and exit code of one child process.
fn run_child(cmd: &mut Command) -> (Duration, i32) {
    let t = Instant::now();
    let status = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .expect("run bollwerk");
    (t.elapsed(), status.code().unwrap_or(-1))
}

/// Peak RSS in MiB of `bin args`, measured by `/usr/bin/time` (a child's own `ru_maxrss`
/// would include this large process, which it starts as a copy of).
fn child_peak_rss(bin: &Path, args: &[&std::ffi::OsStr]) -> Option<f64> {
    let time = Path::new("/usr/bin/time");
    if !time.is_file() {
        return None;
    }
    let out = tempfile::NamedTempFile::new().ok()?;
    Command::new(time)
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(out.path())
        .arg(bin)
        .args(args)
        .env_remove("DOCKER_HOST")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    let text = std::fs::read_to_string(out.path()).ok()?;
    let kib: f64 = text.lines().last()?.trim().parse().ok()?;
    Some(kib / 1024.0)
}

/// The release binary end to end, when it exists (informational: no target).
fn release_binary(url: &str, floor_median: f64) {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_bollwerk"));
    if !bin.is_file() {
        println!("release binary {}: not built, skipped", bin.display());
        return;
    }
    let out = tempfile::tempdir().expect("temporary directory");
    let words = [
        "scan",
        "--docker-host",
        url,
        "--all",
        "--format",
        "json",
        "-q",
        "-o",
    ];
    let args: Vec<&std::ffi::OsStr> = words
        .iter()
        .map(std::ffi::OsStr::new)
        .chain([out.path().as_os_str()])
        .collect();
    let mut times = Vec::new();
    for run in 0..=DAEMON_RUNS {
        let (d, code) = run_child(Command::new(&bin).args(&args).env_remove("DOCKER_HOST"));
        assert!(
            code == 0 || code == 1,
            "bollwerk scan exited with {code} (2 = error)"
        );
        if run > 0 {
            times.push(d);
        }
    }
    let (best, median, _) = stats(&times);
    let rss = child_peak_rss(&bin, &args)
        .map(|r| format!("{r:.1} MiB"))
        .unwrap_or_else(|| "unknown (no /usr/bin/time)".into());
    println!(
        "(iii) release binary `bollwerk scan --all --format json`: best {best:.1} ms, median {median:.1} ms ({:.2}× the API floor), peak RSS {rss} (informational)",
        median / floor_median
    );
}
