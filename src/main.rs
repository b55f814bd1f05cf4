//! The `bollwerk` binary: see [`bollwerk::cli`].

/// mimalloc rather than glibc's malloc: evaluating with evidence and parsing inspect documents
/// allocate many small objects, and glibc's allocator spent about 40% of that time (see
/// `benchmarks-data/README.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // mimalloc asks for transparent huge pages; a scan lives a fraction of a second, and the
    // kernel zeroing 2 MiB pages on first touch took a fifth of its time. Only this process
    // is affected; if the kernel refuses, the scan is slower, not wrong.
    let _ = nix::sys::prctl::set_thp_disable(true);
    bollwerk::cli::main()
}
