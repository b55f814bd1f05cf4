//! report.json: written streaming, each observation and expectation once, the rules'
//! results serialised on several threads; read back with evidence linked to what it names.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use serde::ser::{Error as _, SerializeSeq};
use serde::Serializer;
use serde_json::value::RawValue;

use super::Report;
use crate::rules::result::observations::{self, Pools};
use crate::rules::result::RuleResult;

/// How many rules' results may wait, serialised, for the ones before them to be written.
const AHEAD: usize = 8;

/// Reads a report from JSON text, linking evidence to the observations and expectations it
/// names.
pub fn from_json(bytes: &[u8]) -> serde_json::Result<Report> {
    observations::reading(|| serde_json::from_slice(bytes))
}

/// Writes `report` as report.json to `out`, streaming: each observed fact and each
/// expectation once, evidence naming them by index; compact JSON (`jq .` shows it indented).
pub fn write_json(report: &Report, out: impl Write) -> serde_json::Result<()> {
    let pools = Arc::new(Pools::of(&report.results));
    observations::writing(pools, || serde_json::to_writer(out, report))
}

/// `Report::results` as report.json writes it: during [`write_json`], rules are serialised on
/// as many threads as there are cores (up to four) and written in order; otherwise one by one.
pub(super) fn results<S: Serializer>(results: &[RuleResult], s: S) -> Result<S::Ok, S::Error> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let pools = match observations::current() {
        Some(p) if threads > 1 && results.len() > 1 => p,
        _ => return s.collect_seq(results),
    };
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // How many rules have been written: a thread waits while it is AHEAD of that.
    let written = (Mutex::new(0usize), Condvar::new());
    let (tx, rx) = std::sync::mpsc::channel::<(usize, serde_json::Result<Box<RawValue>>)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (tx, pools) = (tx.clone(), pools.clone());
            let (next, stop, written) = (&next, &stop, &written);
            scope.spawn(move || {
                // A thread that panics holds a rule the others wait for: let them go.
                let _release = ReleaseOnPanic(stop, &written.1);
                observations::writing(pools, || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= results.len() {
                        return;
                    }
                    {
                        let (count, turn) = written;
                        let mut done = count.lock().unwrap_or_else(|p| p.into_inner());
                        while i >= *done + AHEAD && !stop.load(Ordering::Relaxed) {
                            done = turn.wait(done).unwrap_or_else(|p| p.into_inner());
                        }
                    }
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let raw = serde_json::value::to_raw_value(&results[i]);
                    if tx.send((i, raw)).is_err() {
                        return;
                    }
                })
            });
        }
        drop(tx);
        let outcome = write_in_order(results.len(), s, &rx, &written);
        // On an error, let the threads go.
        stop.store(true, Ordering::Relaxed);
        written.1.notify_all();
        outcome
    })
}

/// Stops the other writing threads when the one holding it unwinds: without it they would wait
/// for its rule for ever, and the writer for them.
struct ReleaseOnPanic<'a>(&'a AtomicBool, &'a Condvar);

impl Drop for ReleaseOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Relaxed);
            self.1.notify_all();
        }
    }
}

/// Writes the serialised rules as they arrive, in rule order.
fn write_in_order<S: Serializer>(
    n: usize,
    s: S,
    rx: &std::sync::mpsc::Receiver<(usize, serde_json::Result<Box<RawValue>>)>,
    written: &(Mutex<usize>, Condvar),
) -> Result<S::Ok, S::Error> {
    let mut seq = s.serialize_seq(Some(n))?;
    let mut waiting: BTreeMap<usize, Box<RawValue>> = BTreeMap::new();
    let mut want = 0;
    while want < n {
        let Ok((i, raw)) = rx.recv() else {
            return Err(S::Error::custom("a thread writing rule results stopped"));
        };
        waiting.insert(i, raw.map_err(S::Error::custom)?);
        while let Some(raw) = waiting.remove(&want) {
            seq.serialize_element(&raw)?;
            want += 1;
            *written.0.lock().unwrap_or_else(|p| p.into_inner()) = want;
            written.1.notify_all();
        }
    }
    seq.end()
}
