//! The `bollwerk` binary: see [`bollwerk::cli`].

fn main() -> std::process::ExitCode {
    bollwerk::cli::main()
}
