//! The command line: clap definitions, turned into plain options, wired to collect → evaluate
//! → render. Only this module and the report renderers print.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::collect::limits::{self, Limits};
use crate::collect::{self, CollectOptions, Endpoint};
use crate::report::{self, terminal, Report, RunOptions};
use crate::rules::{eval, RuleSet, Selection, Status};
use crate::snapshot::Snapshot;

/// `print!` that survives a reader going away (`bollwerk rules list | head`): see [`emit`].
macro_rules! out {
    ($($arg:tt)*) => { emit(format_args!($($arg)*)) };
}

/// `println!` that survives a reader going away: see [`emit`].
macro_rules! outln {
    ($($arg:tt)*) => { emit(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Writes to standard output. A closed pipe is not an error (the reader has what it wanted;
/// the rest is dropped, as other command-line tools do) where `print!` would panic; any other
/// write error ends the program with exit code 2.
fn emit(args: std::fmt::Arguments) {
    use std::io::Write;
    match std::io::stdout().lock().write_fmt(args) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            eprintln!("bollwerk: error: cannot write to standard output: {e}");
            std::process::exit(2);
        }
    }
}

/// Audit a Docker host against the CIS Docker Benchmark and beyond.
#[derive(Debug, Parser)]
#[command(name = "bollwerk", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan this host (or replay a snapshot) and report.
    Scan(Box<ScanArgs>),
    /// Gather the facts into a snapshot file without evaluating rules.
    Collect(CollectArgs),
    /// List or show the rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Render a saved report.json again, in other formats, without touching the host.
    Report(ReportArgs),
    /// Compare two saved report.json files: new failures, resolved, still failing, other
    /// changes, containers and images added and removed, changed evidence, and what cannot be
    /// compared. Exit code 1 when the newer scan regressed (new failures or errors).
    Diff(DiffArgs),
    /// The trend of periodic scans from a folder of saved report.json files: score per section,
    /// counts by status and exceptions in force over time (inline SVG charts), and when each
    /// rule that ever failed first failed and was fixed; also as CSV and JSON.
    History(HistoryArgs),
    /// Print the JSON Schema of the report or snapshot format.
    Schema {
        /// Which format.
        #[arg(value_enum)]
        which: SchemaKind,
    },
    /// Print a shell completion script for bash, zsh or fish (see the README to install it).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: CompletionShell,
    },
}

/// Shells `bollwerk completions` writes scripts for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CompletionShell {
    /// bash (bash-completion).
    Bash,
    /// zsh (compinit).
    Zsh,
    /// fish.
    Fish,
}

impl CompletionShell {
    /// clap_complete's generator for this shell.
    fn generator(self) -> clap_complete::Shell {
        match self {
            CompletionShell::Bash => clap_complete::Shell::Bash,
            CompletionShell::Zsh => clap_complete::Shell::Zsh,
            CompletionShell::Fish => clap_complete::Shell::Fish,
        }
    }
}

/// Formats with a JSON Schema.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaKind {
    /// `report.json`.
    Report,
    /// Snapshots from `bollwerk collect`.
    Snapshot,
    /// `diff.json` from `bollwerk diff`.
    Diff,
    /// `fleet.json` from `bollwerk report --merge`.
    Fleet,
    /// `history.json` from `bollwerk history`.
    History,
}

/// Where facts come from.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Docker daemon address: unix:///path or tcp://host:port (TLS from DOCKER_TLS_VERIFY and
    /// DOCKER_CERT_PATH). Default: $DOCKER_HOST, else a rootless daemon's
    /// $XDG_RUNTIME_DIR/docker.sock when it exists and bollwerk runs as an ordinary user (or
    /// /var/run/docker.sock is absent), else unix:///var/run/docker.sock.
    // Not clap's `env`: a DOCKER_HOST in the environment would then clash with --snapshot.
    #[arg(long, value_name = "URL")]
    pub docker_host: Option<String>,
    /// Root of the host file system to read (e.g. /host when the host is mounted there).
    #[arg(long, default_value = "/", value_name = "DIR")]
    pub host_root: PathBuf,
    /// Include stopped and created containers, not only running ones.
    #[arg(long)]
    pub all: bool,
    /// Also stream every image's file system from the daemon to find setuid and setgid files
    /// (rule 4.8); slower, nothing is extracted to disk.
    #[arg(long)]
    pub deep_images: bool,
    /// Longest wait for one answer of the daemon, body included; a request that takes longer
    /// makes the facts it concerns `error` and the scan goes on.
    #[arg(long, value_name = "SECONDS", default_value_t = limits::DEFAULT_TIMEOUT_SECS, value_parser = clap::value_parser!(u64).range(1..=limits::MAX_SECS))]
    pub timeout: u64,
    /// Longest time for everything asked of the daemon and read from the host (default:
    /// 4 × --timeout); requests still open then end as errors, a host file system that does
    /// not answer makes the host's facts errors (the daemon's settings too when daemon.json
    /// is on it), and the scan finishes with what it has.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=limits::MAX_SECS))]
    pub deadline: Option<u64>,
}

impl SourceArgs {
    /// `--timeout` and `--deadline` as limits whose deadline counts from now.
    fn limits(&self) -> Limits {
        let request = Duration::from_secs(self.timeout);
        let whole = Limits::derive_whole(request, self.deadline.map(Duration::from_secs));
        Limits::start(request, whole)
    }

    /// The daemon address: --docker-host, else DOCKER_HOST, else the default socket.
    fn docker_host(&self) -> String {
        self.docker_host
            .clone()
            .or_else(|| std::env::var("DOCKER_HOST").ok().filter(|v| !v.is_empty()))
            .unwrap_or_else(|| {
                default_socket(
                    std::env::var("XDG_RUNTIME_DIR").ok().as_deref(),
                    nix::unistd::geteuid().is_root(),
                    &|p| Path::new(p).exists(),
                )
            })
    }

    /// Refuses a --host-root that is not a directory: every host fact would be missing and
    /// the rules on them not applicable, a report that looks clean.
    fn check(&self) -> Result<(), Fatal> {
        match std::fs::metadata(&self.host_root) {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => Err(Fatal::from(format!(
                "--host-root {}: not a directory",
                self.host_root.display()
            ))),
            Err(e) => Err(Fatal::from(format!(
                "--host-root {}: {e}",
                self.host_root.display()
            ))),
        }
    }
}

/// The rootful daemon's socket.
const ROOTFUL_SOCKET: &str = "/var/run/docker.sock";

/// The socket the docker CLI would use without DOCKER_HOST: a rootless daemon's
/// `$XDG_RUNTIME_DIR/docker.sock` when it exists and the caller is not root (or the rootful
/// socket is absent), else the rootful one.
fn default_socket(
    xdg_runtime_dir: Option<&str>,
    is_root: bool,
    exists: &dyn Fn(&str) -> bool,
) -> String {
    let rootless = xdg_runtime_dir
        .filter(|d| d.starts_with('/'))
        .map(|d| format!("{}/docker.sock", d.trim_end_matches('/')))
        .filter(|sock| exists(sock) && (!is_root || !exists(ROOTFUL_SOCKET)));
    format!("unix://{}", rootless.as_deref().unwrap_or(ROOTFUL_SOCKET))
}

/// Which rules.
#[derive(Debug, Args)]
pub struct RuleArgs {
    /// Folder of extra rule files (*.toml); a rule with an embedded rule's id replaces it.
    #[arg(long, value_name = "DIR")]
    pub checks: Option<PathBuf>,
}

/// `bollwerk scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    rules: RuleArgs,
    /// Evaluate a saved snapshot instead of this host.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["docker_host", "host_root", "all", "deep_images", "timeout", "deadline"])]
    snapshot: Option<PathBuf>,
    /// Highest CIS profile level to run (2 includes level 1).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=2))]
    level: Option<u8>,
    /// Only these rule ids or sections (5, 2.1, 5.10), comma-separated; one that names no
    /// rule is an error.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    include: Vec<String>,
    /// Leave out these rule ids or sections, comma-separated; one that names no rule is an
    /// error.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    exclude: Vec<String>,
    /// An XCCDF 1.2 tailoring file (e.g. from OpenSCAP's autotailor): its profile, rule
    /// selections and values apply on top of the other options.
    #[arg(long, value_name = "FILE")]
    tailoring: Option<PathBuf>,
    /// bollwerk's config file: trusted users, registry allow-list, maximum image age, allowed
    /// ports, thresholds (see bollwerk.example.toml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Which benchmark's numbering the report uses: any benchmark the rule files declare
    /// (`[[benchmark]]`, also in --checks).
    #[arg(
        long,
        default_value = "cis-docker-1.8.0",
        value_parser = BenchmarkName,
        value_name = "NAME"
    )]
    benchmark: String,
    /// Users allowed in the docker group (rule 1.1.2), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "USERS")]
    trusted_users: Option<Vec<String>>,
    /// Report formats, comma-separated: terminal (stdout), json, html, xccdf, arf, junit,
    /// sarif, plan (files report.json, report.html, report.xccdf.xml, report.arf.xml,
    /// report.junit.xml, report.sarif and the folder plan/ in --output).
    #[arg(
        long,
        value_delimiter = ',',
        value_enum,
        default_value = "terminal,json",
        value_name = "LIST"
    )]
    format: Vec<Format>,
    /// Folder for report files.
    #[arg(long, short, default_value = ".", value_name = "DIR")]
    output: PathBuf,
    /// Write ARF bzip2-compressed, as report.arf.xml.bz2 (Foreman's upload format).
    #[arg(long)]
    compress: bool,
    /// Which statuses count, by rank (pass < notapplicable < informational < notchecked < fail
    /// < error): a rule at or above this one sets the exit code. Exit codes: 0 nothing counted,
    /// 1 findings, 2 usage or fatal error, 3 the audit could not complete (a counted `error`:
    /// daemon unreachable, a timeout, a fact unread); 3 wins over 1, as the findings are then
    /// incomplete. `new` (with --baseline) counts only regressions against the baseline: new
    /// failures (1) and new errors (3) not covered by an exception.
    #[arg(long, default_value = "fail", value_parser = parse_fail_on, value_name = "STATUS|new")]
    fail_on: FailOn,
    /// An earlier report.json of this host: the report marks what is new and what was fixed
    /// since, and `--fail-on new` alerts on regressions only.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Print only the closing line (the verdict and where the report is); no progress display.
    #[arg(long, short, conflicts_with = "verbose")]
    quiet: bool,
    /// Print every failing or undecided rule with its evidence before the closing block.
    #[arg(long, short)]
    verbose: bool,
    /// Accepted risks: a TOML file of exceptions (rules, optional containers/images/labels/hosts,
    /// justification, owner, expiry). A covered failure keeps its status and is counted as
    /// waived; an expired exception covers nothing. Also `exceptions = "FILE"` in --config.
    #[arg(long, value_name = "FILE")]
    exceptions: Option<PathBuf>,
    /// List exceptions that expire within this many days.
    #[arg(long, default_value_t = 14, value_name = "DAYS")]
    warn_expiring: u32,
    /// The time exceptions are judged at (RFC 3339), for tests; default: now.
    #[arg(long, hide = true, env = "BOLLWERK_NOW", value_name = "TIME")]
    now: Option<chrono::DateTime<chrono::FixedOffset>>,
}

/// What sets the exit code of a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Rules at or above this status (see `report::fail_on_rank`).
    Status(Status),
    /// Regressions against `--baseline` only.
    New,
}

/// A `--fail-on` value that is neither a status nor `new`.
#[derive(Debug, thiserror::Error)]
#[error("{0}, or new")]
struct UnknownFailOn(crate::rules::model::UnknownStatus);

fn parse_fail_on(s: &str) -> Result<FailOn, UnknownFailOn> {
    if s == "new" {
        Ok(FailOn::New)
    } else {
        s.parse().map(FailOn::Status).map_err(UnknownFailOn)
    }
}

/// `--benchmark NAME`: any name is taken here and checked once the rule files, `--checks`
/// included, are read; the benchmarks the embedded rule files declare are offered to help,
/// man pages and shell completions.
#[derive(Debug, Clone, Copy)]
struct BenchmarkName;

impl clap::builder::TypedValueParser for BenchmarkName {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::NonEmptyStringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        let declared = crate::rules::embedded::declared_benchmarks();
        Some(Box::new(declared.list.iter().map(|b| {
            clap::builder::PossibleValue::new(b.name.as_str())
                .help(b.description.clone().unwrap_or_else(|| b.title.clone()))
        })))
    }
}

/// Formats for `rules export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// An XCCDF 1.2 Benchmark.
    Xccdf,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Summary on standard output.
    Terminal,
    /// report.json: the versioned JSON report.
    Json,
    /// report.html: one self-contained page for people.
    Html,
    /// report.xccdf.xml: XCCDF 1.2 Benchmark with one TestResult.
    Xccdf,
    /// report.arf.xml: ARF 1.1 (asset, Benchmark, TestResult).
    Arf,
    /// report.junit.xml: JUnit XML for CI servers.
    Junit,
    /// report.sarif: SARIF 2.1.0, one result per failing container, image or host rule.
    Sarif,
    /// plan/: a proposed daemon.json (and its diff), audit rules and hardening flags per
    /// container, for a person to review; nothing is applied (scan only).
    Plan,
}

impl Format {
    /// The file a format writes under the output folder (none for the terminal).
    pub fn file_name(self) -> Option<&'static str> {
        match self {
            Format::Terminal => None,
            Format::Json => Some("report.json"),
            Format::Html => Some("report.html"),
            Format::Xccdf => Some("report.xccdf.xml"),
            Format::Arf => Some("report.arf.xml"),
            Format::Junit => Some("report.junit.xml"),
            Format::Sarif => Some("report.sarif"),
            Format::Plan => None,
        }
    }
}

/// `bollwerk report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A report.json written by `bollwerk scan`; with --merge, any number of report files
    /// and folders (every *.json report below a folder).
    #[arg(value_name = "FILE", required = true)]
    inputs: Vec<PathBuf>,
    /// Merge many hosts' reports into one fleet report (fleet.json, fleet.html,
    /// fleet.arf.xml, fleet.junit.xml, hosts/HOST.xccdf.xml); only the newest report per host
    /// is merged unless --all-runs.
    #[arg(long)]
    merge: bool,
    /// With --merge: keep every report of a host, not only the newest.
    #[arg(long, requires = "merge")]
    all_runs: bool,
    /// Formats to write, comma-separated (as for scan).
    #[arg(
        long,
        value_delimiter = ',',
        value_enum,
        default_value = "terminal",
        value_name = "LIST"
    )]
    format: Vec<Format>,
    /// Folder for report files.
    #[arg(long, short, default_value = ".", value_name = "DIR")]
    output: PathBuf,
    /// Write ARF bzip2-compressed, as report.arf.xml.bz2 (Foreman's upload format).
    #[arg(long)]
    compress: bool,
}

/// Formats `bollwerk diff` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// The changes on standard output.
    Terminal,
    /// diff.json (schema: `bollwerk schema diff`).
    Json,
    /// diff.html: one self-contained page.
    Html,
    /// diff.md: Markdown for tickets and merge requests.
    Markdown,
}

/// Formats `bollwerk history` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    /// history.html: one self-contained page with the charts.
    Html,
    /// history.csv (one row per scan) and history-rules.csv (one row per rule that failed).
    Csv,
    /// history.json (schema: `bollwerk schema history`).
    Json,
}

/// `bollwerk history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Folders (searched recursively for report.json files, any names) or report files.
    #[arg(required = true, value_name = "DIR|REPORT")]
    inputs: Vec<PathBuf>,
    /// Only these hosts (by the host name their reports give); default: every host found,
    /// each with its own series.
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    host: Vec<String>,
    /// Formats, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        value_enum,
        default_value = "html,csv,json",
        value_name = "LIST"
    )]
    format: Vec<HistoryFormat>,
    /// Folder for the history files.
    #[arg(long, short, default_value = ".", value_name = "DIR")]
    output: PathBuf,
}

/// `bollwerk diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier report.json.
    #[arg(value_name = "OLD")]
    old: PathBuf,
    /// The later report.json.
    #[arg(value_name = "NEW")]
    new: PathBuf,
    /// Formats, comma-separated: terminal, json, html, markdown (files diff.json, diff.html,
    /// diff.md in --output).
    #[arg(
        long,
        value_delimiter = ',',
        value_enum,
        default_value = "terminal",
        value_name = "LIST"
    )]
    format: Vec<DiffFormat>,
    /// Folder for diff files.
    #[arg(long, short, default_value = ".", value_name = "DIR")]
    output: PathBuf,
}

/// `bollwerk collect`.
#[derive(Debug, Args)]
pub struct CollectArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    rules: RuleArgs,
    /// Snapshot file to write.
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
    /// Write secrets found in images and containers (ENV, labels, build steps) in clear;
    /// by default they are masked as in reports. The file then needs the care of the secrets.
    #[arg(long)]
    keep_secrets: bool,
    /// No progress display.
    #[arg(long, short)]
    quiet: bool,
}

/// `bollwerk rules …`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// One line per rule: id, level, assessment, scope, title.
    List {
        /// Rule selection.
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// Write the rule set as an XCCDF 1.2 Benchmark (no results), e.g. to tailor it.
    Export {
        /// Export format.
        #[arg(long, value_enum, default_value = "xccdf")]
        format: ExportFormat,
        /// File to write; standard output when absent.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Rule selection.
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// Everything about one rule.
    Show {
        /// The rule id (e.g. 5.10).
        id: String,
        /// Rule selection.
        #[command(flatten)]
        rules: RuleArgs,
    },
}

/// A rule's `benchmarks` table as rule files write it (inline, in declaration order):
/// `"cis-docker-1.8.0" = "5.2", "cis-docker-1.6.0" = "5.1"`.
fn benchmarks_table(
    r: &crate::rules::Rule,
    declared: &crate::rules::benchmarks::Benchmarks,
) -> String {
    let mut entries: Vec<_> = r.benchmarks.iter().collect();
    entries.sort_by_key(|e| declared.names().iter().position(|n| *n == e.benchmark));
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    entries
        .iter()
        .map(|e| match &e.title {
            None => format!("{} = {}", quote(&e.benchmark), quote(&e.id)),
            Some(t) => format!(
                "{} = {{ id = {}, title = {} }}",
                quote(&e.benchmark),
                quote(&e.id),
                quote(t)
            ),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `rules list` fits terminals and issue comments of this many columns.
const LIST_WIDTH: usize = 100;

/// The `rules list` table: one line per rule, no line wider than `width` characters. Ids are
/// kept whole; titles are cut with an ellipsis where they would overflow. Titles come from rule
/// files: their control characters are escaped ([`report::terminal::sanitize`]) before the
/// cut, so the lines are safe to print and an escape (`\u{1b}`, six characters) cannot push a
/// line past `width`.
fn rules_table(set: &RuleSet, width: usize) -> Vec<String> {
    // bollwerk's own rules have no CIS 1.6.0 id, nor have rules new in 1.8.0 (`-` in files).
    let old_id = |r: &crate::rules::Rule| match r.id_1_6_0.as_deref() {
        Some(old) => old.to_string(),
        None if r.id.starts_with("BW") => "-".to_string(),
        None => r.id.clone(),
    };
    let w_id = set
        .rules
        .iter()
        .map(|r| r.id.len())
        .max()
        .unwrap_or(0)
        .max(2);
    let w_old = set
        .rules
        .iter()
        .map(|r| old_id(r).len())
        .max()
        .unwrap_or(0)
        .max(5);
    let row = |id: &str, old: &str, level: &str, assessment: &str, scope: &str| {
        format!("{id:<w_id$} {old:<w_old$} {level:<5} {assessment:<10} {scope:<14} ")
    };
    let mut lines = vec![row("id", "1.6.0", "level", "assessment", "scope") + "title"];
    for r in &set.rules {
        let start = row(
            &r.id,
            &old_id(r),
            &r.level.to_string(),
            r.assessment.as_str(),
            r.scope.as_str(),
        );
        let manual = if r.check.is_some() { "" } else { " (manual)" };
        let room = width.saturating_sub(start.chars().count());
        let title = report::terminal::sanitize(&format!("{}{manual}", r.title));
        lines.push(start + &ellipsize(&title, room));
    }
    lines
}

/// `text` cut to at most `max` characters, ending in `…` when cut.
fn ellipsize(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

/// The clap command, for help and man pages.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// A fatal error: printed as one line, exit code 2. Each layer's typed error (or a sentence
/// of the command line's own) converts into it with `?`; its text already names the file,
/// line or object concerned.
struct Fatal(Box<dyn std::error::Error + Send + Sync>);

impl<E: Into<Box<dyn std::error::Error + Send + Sync>>> From<E> for Fatal {
    fn from(e: E) -> Fatal {
        Fatal(e.into())
    }
}

/// Runs the command line; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Scan(args) => scan(*args),
        Command::Report(args) => rerender(args).map(|_| 0),
        Command::Diff(args) => diff_cmd(args),
        Command::History(args) => history_cmd(args).map(|_| 0),
        Command::Collect(args) => collect_cmd(args),
        Command::Rules(cmd) => rules_cmd(cmd).map(|_| 0),
        Command::Schema { which } => {
            let schema = match which {
                SchemaKind::Report => schemars::schema_for!(Report),
                SchemaKind::Snapshot => schemars::schema_for!(Snapshot),
                SchemaKind::Diff => schemars::schema_for!(report::diff::Diff),
                SchemaKind::Fleet => schemars::schema_for!(report::fleet::Fleet),
                SchemaKind::History => schemars::schema_for!(report::history::History),
            };
            outln!(
                "{}",
                serde_json::to_string_pretty(&schema).unwrap_or_default()
            );
            Ok(0)
        }
        Command::Completions { shell } => {
            // Generated from the same clap definitions as parsing, so they cannot drift.
            let mut script = Vec::new();
            clap_complete::generate(shell.generator(), &mut command(), "bollwerk", &mut script);
            out!("{}", String::from_utf8_lossy(&script));
            Ok(0)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Fatal(msg)) => {
            // Messages name files and quote rule files: shown, never obeyed by the terminal.
            eprintln!("bollwerk: error: {}", report::visible(&msg.to_string()));
            ExitCode::from(2)
        }
    }
}

fn load_rules(args: &RuleArgs) -> Result<RuleSet, Fatal> {
    load_rules_with_benchmarks(args).map(|(set, _)| set)
}

/// The rules a scan or a collection runs with: [`RuleSet::load_for_scan`], each mistake in the
/// `--checks` files told on stderr (one line each, `file:line: what`) and returned as
/// `rule file FILE:LINE: …` for the report's notes. Scans go on where they can: a rule with a
/// mistake is `error` in the report.
fn load_rules_for_scan(
    args: &RuleArgs,
) -> Result<(RuleSet, crate::rules::benchmarks::Benchmarks, Vec<String>), Fatal> {
    let (set, benchmarks, problems) =
        RuleSet::load_for_scan(args.checks.as_deref()).map_err(|errors| {
            let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            Fatal::from(format!(
                "invalid rules, nothing was scanned:\n{}",
                lines.join("\n")
            ))
        })?;
    let notes: Vec<String> = problems.iter().map(|p| format!("rule file {p}")).collect();
    for note in &notes {
        eprintln!("bollwerk: warning: {}", report::visible(note));
    }
    if !notes.is_empty() {
        let invalid = set.rules.iter().filter(|r| r.invalid.is_some()).count();
        eprintln!(
            "bollwerk: warning: the scan goes on without what these mistakes touch: {invalid} rule(s) are reported as error; `bollwerk rules list --checks DIR` lists the mistakes"
        );
    }
    Ok((set, benchmarks, notes))
}

/// [`load_rules`] with the benchmarks the rule files declare.
fn load_rules_with_benchmarks(
    args: &RuleArgs,
) -> Result<(RuleSet, crate::rules::benchmarks::Benchmarks), Fatal> {
    RuleSet::load_with_benchmarks(args.checks.as_deref()).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        Fatal::from(format!(
            "invalid rules, nothing was scanned:\n{}",
            lines.join("\n")
        ))
    })
}

fn endpoint(url: &str) -> Endpoint {
    let tls = std::env::var("DOCKER_TLS_VERIFY").is_ok_and(|v| !v.is_empty() && v != "0");
    let tls_dir = tls.then(|| {
        std::env::var("DOCKER_CERT_PATH")
            .unwrap_or_else(|_| format!("{}/.docker", std::env::var("HOME").unwrap_or_default()))
    });
    Endpoint {
        url: url.to_string(),
        tls_dir,
    }
}

/// A spinner on stderr when it is a terminal.
fn progress(quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    Some(bar)
}

fn gather(source: &SourceArgs, rules: &RuleSet, quiet: bool) -> Result<Snapshot, Fatal> {
    source.check()?;
    let opts = CollectOptions {
        host_root: source.host_root.clone(),
        endpoint: endpoint(&source.docker_host()),
        all_containers: source.all,
        deep_images: source.deep_images,
        limits: source.limits(),
    };
    let bar = progress(quiet);
    let tell = |m: &str| {
        if let Some(b) = &bar {
            b.set_message(m.to_string());
        }
    };
    let snap = collect::collect(&opts, &crate::rules::plan::collection_plan(rules), &tell);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(snap)
}

fn read_snapshot(path: &Path) -> Result<Snapshot, Fatal> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read snapshot {}: {e}", path.display()))?;
    let mut snap = crate::snapshot::parse(&path.display().to_string(), &text)?;
    // Snapshots written before bollwerk derived these facts: work them out from what was saved.
    for c in &mut snap.containers {
        if c.capabilities.is_none() && c.security_opt.is_none() {
            crate::collect::derive(c);
        }
    }
    Ok(snap)
}

fn scan(args: ScanArgs) -> Result<u8, Fatal> {
    let (all_rules, benchmarks, rule_file_notes) = load_rules_for_scan(&args.rules)?;
    let benchmark = benchmarks.resolve(&args.benchmark)?.clone();
    let tailoring = match &args.tailoring {
        Some(path) => Some(report::tailoring::read(path)?),
        None => None,
    };
    let selection = Selection {
        level: args.level.or(tailoring.as_ref().and_then(|t| t.level)),
        include: args.include.clone(),
        exclude: args.exclude.clone(),
    };
    if let Some((option, unknown)) = selection.unknown_pattern(&all_rules) {
        return Err(Fatal::from(format!(
            "{option} names '{unknown}', which is no rule id or section of this rule set (see `bollwerk rules list`)",
        )));
    }
    let mut rules = all_rules.clone().select(&selection);
    if let Some(t) = &tailoring {
        if let Some(unknown) = t.selected.keys().find(|id| all_rules.get(id).is_none()) {
            return Err(Fatal::from(format!(
                "{}: the tailoring selects rule '{unknown}', which this rule set does not have",
                args.tailoring.as_deref().unwrap_or(Path::new("")).display()
            )));
        }
        // The tailoring's explicit selections win over the profile and the filters.
        rules.rules = all_rules
            .rules
            .iter()
            .filter(|r| {
                t.selected
                    .get(&r.id)
                    .copied()
                    .unwrap_or_else(|| selection.selects(r))
            })
            .cloned()
            .collect();
    }
    if rules.rules.is_empty() {
        return Err(Fatal::from(
            "no rule matches --level/--include/--exclude/--tailoring",
        ));
    }
    let config = match &args.config {
        Some(path) => crate::config::load(path)?,
        None => Default::default(),
    };
    if args.fail_on == FailOn::New && args.baseline.is_none() {
        return Err(Fatal::from(
            "--fail-on new counts regressions against a baseline: give --baseline OLD/report.json",
        ));
    }
    // The baseline and the exceptions are checked before the scan: a typo must not cost one.
    let baseline = match &args.baseline {
        Some(path) => Some(read_report(path)?),
        None => None,
    };
    let exceptions_file = args
        .exceptions
        .clone()
        .or_else(|| config.exceptions.clone());
    let exceptions = match &exceptions_file {
        Some(path) => Some(report::exceptions::Exceptions::load(path, &all_rules)?),
        None => None,
    };
    let snapshot = match &args.snapshot {
        Some(path) => read_snapshot(path)?,
        None => gather(&args.source, &rules, args.quiet)?,
    };
    let mut trusted_users = args.trusted_users.clone();
    if let Some(v) = tailoring
        .as_ref()
        .and_then(|t| t.values.get("trusted-users"))
    {
        trusted_users.get_or_insert_with(|| {
            v.split([',', ' '])
                .filter(|u| !u.is_empty())
                .map(String::from)
                .collect()
        });
    }
    let file_values = config.params;
    // Tailoring values first, flags on top.
    let mut overrides = tailoring
        .as_ref()
        .map(|t| t.param_values())
        .unwrap_or_default();
    if let Some(users) = &trusted_users {
        overrides.insert("trusted-users".to_string(), serde_json::json!(users));
    }
    let trusted_users = trusted_users.or_else(|| {
        file_values
            .get("trusted-users")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
    });
    let params = crate::config::params(file_values, overrides);
    // The terminal shows evidence of findings only; reports written to files show all of it.
    let detail = if args.format.iter().all(|f| *f == Format::Terminal) {
        eval::Detail::Findings
    } else {
        eval::Detail::All
    };
    let mut results = eval::evaluate_with(&rules, &snapshot, &params, detail);
    if !benchmark.default {
        results = report::renumber(results, &all_rules, &benchmark.name);
    }
    let options = RunOptions {
        all_containers: snapshot.all_containers,
        level: selection.level,
        include: args.include,
        exclude: args.exclude,
        checks_dir: args.rules.checks.as_ref().map(|p| p.display().to_string()),
        snapshot: args.snapshot.as_ref().map(|p| p.display().to_string()),
        trusted_users,
        tailoring: args.tailoring.as_ref().map(|p| p.display().to_string()),
        tailoring_profile: tailoring.as_ref().map(|t| t.profile.clone()),
        tailoring_extends: tailoring.as_ref().and_then(|t| t.extends.clone()),
        config: args.config.as_ref().map(|p| p.display().to_string()),
        exceptions: None,
        params: params.values.clone(),
    };
    let mut report = Report::new(
        &snapshot,
        results,
        options,
        all_rules.custom_digest.as_deref(),
    );
    if tailoring.is_some() {
        // XCCDF results record what the tailored profile leaves out as notselected.
        report.not_selected = all_rules
            .rules
            .iter()
            .filter(|r| rules.get(&r.id).is_none())
            .map(report::RuleText::from)
            .collect();
    }
    report.benchmark = benchmark.title.clone();
    report.notes.extend(rule_file_notes.iter().cloned());
    if !benchmark.default {
        report.numbering = Some(report::Numbering {
            benchmark: benchmark.name.clone(),
            ident_system: benchmark.ident_system.clone(),
        });
    }
    if let Some(exceptions) = &exceptions {
        let now = args
            .now
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_else(chrono::Utc::now);
        report::exceptions::apply(&mut report, exceptions, &snapshot, now, args.warn_expiring);
        report.run.options.exceptions = Some(exceptions.file.clone());
    }
    if let (Some(old), Some(path)) = (&baseline, &args.baseline) {
        let diff = report::diff::compare(old, &path.display().to_string(), &report, "this scan");
        let record = report::baseline::Baseline::of(diff, &report);
        if !record.scope_notes.is_empty() && args.fail_on == FailOn::New {
            eprintln!(
                "bollwerk: warning: the baseline is not fully comparable ({}); --fail-on new counts only what can be compared",
                report::terminal::sanitize(&record.scope_notes.join("; "))
            );
        }
        report.baseline = Some(record);
    }
    let view = if args.quiet {
        terminal::View::Quiet
    } else if !args.format.contains(&Format::Terminal) {
        terminal::View::Closing
    } else if args.verbose {
        terminal::View::Full
    } else {
        terminal::View::Summary
    };
    let plan = args
        .format
        .contains(&Format::Plan)
        .then(|| report::plan::render(&report, &snapshot, &rules));
    write_reports(
        &report,
        &args.format,
        &args.output,
        args.compress,
        view,
        plan.as_deref(),
    )?;
    // Rule files with mistakes: the audit did not run the rules it was given.
    if !rule_file_notes.is_empty() {
        return Ok(report::EXIT_INCOMPLETE);
    }
    Ok(match args.fail_on {
        FailOn::Status(threshold) => report::exit_code(&report.results, threshold),
        FailOn::New => match &report.baseline {
            Some(b) if b.has_new_errors(&report) => report::EXIT_INCOMPLETE,
            Some(b) if b.regressions > 0 => report::EXIT_FINDINGS,
            _ => report::EXIT_CLEAN,
        },
    })
}

/// Writes `report` in every format of `formats`: files atomically under `output`, then what
/// `view` asks for on standard output, ending with the closing block that names the files
/// (last, so that the files are there whatever becomes of the terminal: a pager quit early, a
/// closed pipe). With `compress`, ARF is written bzip2-compressed as `report.arf.xml.bz2`
/// (what Foreman's OpenSCAP smart proxy takes).
fn write_reports(
    report: &Report,
    formats: &[Format],
    output: &Path,
    compress: bool,
    view: terminal::View,
    plan: Option<&[(String, String)]>,
) -> Result<(), Fatal> {
    let mut written = Vec::new();
    for &format in formats {
        let bytes = match format {
            Format::Terminal => continue,
            Format::Plan => {
                let files = plan.ok_or_else(|| {
                    Fatal::from("--format plan needs the host's facts: write the plan with `bollwerk scan --format plan`")
                })?;
                let dir = output.join("plan");
                std::fs::create_dir_all(&dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                for (name, text) in files {
                    let path = dir.join(name);
                    report::write::atomic_write(&path, text.as_bytes())?;
                    written.push(path);
                }
                // A file an earlier plan wrote that this one does not (daemon.json, when
                // Podman serves the API) would be taken for part of it.
                for name in report::plan::FILES {
                    if !files.iter().any(|(n, _)| n == name) {
                        match std::fs::remove_file(dir.join(name)) {
                            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                                return Err(format!(
                                    "cannot remove {}/{name}, left from an earlier plan: {e}",
                                    dir.display()
                                )
                                .into());
                            }
                            _ => {}
                        }
                    }
                }
                continue;
            }
            Format::Json => {
                let path = output.join(format.file_name().expect("file formats have a name"));
                report::write::atomic_write_with(&path, |out| {
                    report::write_json(report, out).map_err(std::io::Error::from)
                })?;
                if !written.contains(&path) {
                    written.push(path);
                }
                continue;
            }
            Format::Html => report::html::render(report)?.into_bytes(),
            Format::Xccdf => report::xccdf::results(report).into_bytes(),
            Format::Arf => report::xccdf::arf(report).into_bytes(),
            Format::Junit => report::junit::render(report).into_bytes(),
            Format::Sarif => report::sarif::render(report).into_bytes(),
        };
        let name = format.file_name().expect("file formats have a name");
        let path = if compress && format == Format::Arf {
            let packed = report::write::bzip2(&bytes)
                .map_err(|e| format!("cannot compress the ARF report: {e}"))?;
            let path = output.join(format!("{name}.bz2"));
            report::write::atomic_write(&path, &packed)?;
            path
        } else {
            let path = output.join(name);
            report::write::atomic_write(&path, &bytes)?;
            path
        };
        if !written.contains(&path) {
            written.push(path);
        }
    }
    let written: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal();
    out!(
        "{}",
        terminal::render(report, terminal::Style { color }, view, &written)
    );
    Ok(())
}

fn rerender(args: ReportArgs) -> Result<(), Fatal> {
    if args.merge {
        return merge(args);
    }
    let [path] = args.inputs.as_slice() else {
        return Err(Fatal::from(
            "report takes one report file; to combine several, add --merge",
        ));
    };
    let report = read_report(path)?;
    let view = if args.format.contains(&Format::Terminal) {
        terminal::View::Summary
    } else {
        terminal::View::Closing
    };
    write_reports(
        &report,
        &args.format,
        &args.output,
        args.compress,
        view,
        None,
    )
}

/// `bollwerk diff`: exit code 1 when the new scan regressed, 0 otherwise.
fn diff_cmd(args: DiffArgs) -> Result<u8, Fatal> {
    let old = read_report(&args.old)?;
    let new = read_report(&args.new)?;
    let d = report::diff::compare(
        &old,
        &args.old.display().to_string(),
        &new,
        &args.new.display().to_string(),
    );
    for &format in &args.format {
        let (name, bytes) = match format {
            DiffFormat::Terminal => continue,
            DiffFormat::Json => (
                "diff.json",
                serde_json::to_vec_pretty(&d)
                    .map_err(|e| format!("cannot encode the diff: {e}"))?,
            ),
            DiffFormat::Html => ("diff.html", report::diff::html(&d)?.into_bytes()),
            DiffFormat::Markdown => ("diff.md", report::diff::markdown(&d).into_bytes()),
        };
        report::write::atomic_write(&args.output.join(name), &bytes)?;
    }
    if args.format.contains(&DiffFormat::Terminal) {
        out!("{}", report::diff::terminal(&d));
    }
    Ok(u8::from(d.has_regressions()))
}

/// `bollwerk history`: unreadable files are named and skipped; it fails only without reports.
fn history_cmd(args: HistoryArgs) -> Result<(), Fatal> {
    let history = report::history::build(&args.inputs, &args.host)?;
    for s in &history.skipped {
        eprintln!("bollwerk: skipped {}: {}", s.path, s.reason);
    }
    let written = report::history::write(
        &history,
        &args.output,
        args.format.contains(&HistoryFormat::Json),
        args.format.contains(&HistoryFormat::Csv),
        args.format.contains(&HistoryFormat::Html),
    )?;
    for h in &history.hosts {
        let last = h.scans.last();
        outln!(
            "{}: {} scans, score now {}, {} rules failing now, {} waived now, {} fixed",
            // Two machines of one name are two lines: say which is which, as the CSVs do.
            report::terminal::sanitize(&history.named(h)),
            h.scans.len(),
            last.and_then(|s| s.score)
                .map_or("–".to_string(), |s| format!("{s}%")),
            h.rules.iter().filter(|r| r.failing_now).count(),
            h.rules.iter().filter(|r| r.waived_now).count(),
            h.rules
                .iter()
                .filter(|r| r.fixed.is_some() && !r.failing_now)
                .count()
        );
    }
    for w in written {
        outln!("written: {}", report::terminal::sanitize(&w));
    }
    Ok(())
}

/// Reads a report.json written by `bollwerk scan`; errors name the file (and line).
fn read_report(path: &Path) -> Result<Report, Fatal> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read report {}: {e}", path.display()))?;
    let report: Report = report::from_json(text.as_bytes()).map_err(|e| {
        let (at, what) = crate::diag::json_error(&path.display().to_string(), &text, &e);
        format!("{at}: not a bollwerk report: {what}")
    })?;
    if !report::reads_version(report.schema_version) {
        return Err(Fatal::from(format!(
            "{}: report format version {} is not supported (this bollwerk reads versions {} to {})",
            path.display(),
            report.schema_version,
            report::REPORT_SCHEMA_OLDEST,
            report::REPORT_SCHEMA_VERSION
        )));
    }
    Ok(report)
}

/// `report --merge`: the fleet report. Unreadable inputs are named on standard error and in
/// the fleet report, and skipped; it fails (exit 2) only when no report could be merged.
fn merge(args: ReportArgs) -> Result<(), Fatal> {
    use report::fleet::write::{merge, FleetFormat, MergeRequest};
    let mut formats = Vec::new();
    for format in &args.format {
        formats.push(match format {
            Format::Terminal => continue,
            Format::Json => FleetFormat::Json,
            Format::Html => FleetFormat::Html,
            Format::Arf => FleetFormat::Arf,
            Format::Junit => FleetFormat::Junit,
            Format::Xccdf => FleetFormat::Xccdf,
            Format::Sarif | Format::Plan => {
                return Err(Fatal::from(
                    "--merge writes json, html, arf, junit and xccdf; sarif and plan are per host",
                ))
            }
        });
    }
    let merged = merge(&MergeRequest {
        inputs: &args.inputs,
        formats: &formats,
        output: &args.output,
        all_runs: args.all_runs,
    })?;
    let fleet = &merged.fleet;
    for s in &fleet.skipped {
        eprintln!("bollwerk: skipped {}: {}", s.path, s.reason);
    }
    if args.format.contains(&Format::Terminal) {
        outln!(
            "merged {} of {} hosts' reports{}",
            merged.hosts,
            merged.hosts + fleet.skipped.len(),
            if fleet.mixed_rule_sets {
                " (mixed rule sets: scores are per rule set)"
            } else {
                ""
            }
        );
        for g in &fleet.rule_sets {
            outln!(
                "{}: {} hosts, mean score {}",
                report::terminal::sanitize(&g.label),
                g.hosts,
                g.score.map_or_else(
                    || "none (nothing decided)".to_string(),
                    |s| format!("{s:.0}")
                )
            );
        }
    }
    Ok(())
}

fn collect_cmd(args: CollectArgs) -> Result<u8, Fatal> {
    // What to collect follows from the rules that can be used; the mistakes are told, and
    // the exit code says the snapshot may lack what the others would have read.
    let (rules, _, mistakes) = load_rules_for_scan(&args.rules)?;
    let mut snapshot = gather(&args.source, &rules, args.quiet)?;
    if args.keep_secrets {
        eprintln!(
            "bollwerk: warning: --keep-secrets: {} holds any secrets found in clear; protect it like them",
            args.output.display()
        );
    } else {
        let patterns = rules.secret_patterns();
        crate::secrets::mask_snapshot(&mut snapshot, &|s| patterns.iter().any(|r| r.is_match(s)));
    }
    let json = serde_json::to_vec_pretty(&snapshot)
        .map_err(|e| format!("cannot encode the snapshot: {e}"))?;
    report::write::atomic_write(&args.output, &json)?;
    for e in &snapshot.errors {
        eprintln!("bollwerk: warning: {}", terminal::sanitize(&e.message));
    }
    Ok(if mistakes.is_empty() {
        0
    } else {
        report::EXIT_INCOMPLETE
    })
}

fn rules_cmd(cmd: RulesCommand) -> Result<(), Fatal> {
    match cmd {
        RulesCommand::List { rules } => {
            let set = load_rules(&rules)?;
            for line in rules_table(&set, LIST_WIDTH) {
                outln!("{line}");
            }
            Ok(())
        }
        RulesCommand::Export {
            format: ExportFormat::Xccdf,
            output,
            rules,
        } => {
            let set = load_rules(&rules)?;
            let xml = report::xccdf::benchmark(&set);
            match output {
                Some(path) => report::write::atomic_write(&path, xml.as_bytes())?,
                None => out!("{xml}"),
            }
            Ok(())
        }
        RulesCommand::Show { id, rules } => {
            let (set, benchmarks) = load_rules_with_benchmarks(&rules)?;
            let r = set
                .lookup(&id)
                .ok_or_else(|| format!("no rule with id '{id}' (see `bollwerk rules list`)"))?;
            // Rule files are text from whoever wrote them: shown, never obeyed by the terminal.
            let clean = report::visible;
            outln!("{} {}", clean(&r.id), clean(&r.title));
            // The keys and words of the rule files, so that what is shown can be searched for
            // in checks/ and written into a rule of one's own.
            if !r.benchmarks.is_empty() {
                outln!("benchmarks = {{ {} }}", benchmarks_table(r, &benchmarks));
            }
            outln!("level = {}", r.level);
            outln!("assessment = \"{}\"", r.assessment);
            outln!("severity = \"{}\"", r.severity);
            outln!("scope = \"{}\"", r.scope);
            if r.check.is_none() {
                outln!("(no check: a person decides, the result is notchecked)");
            }
            outln!("defined at {}", clean(&r.origin.to_string()));
            outln!(
                "\nDescription\n{}\n\nRationale\n{}",
                clean(&r.description),
                clean(&r.rationale)
            );
            if let Some(i) = &r.impact {
                outln!("\nImpact\n{}", clean(i));
            }
            outln!("\nRemediation\n{}", clean(&r.remediation));
            if !r.references.is_empty() {
                outln!("\nReferences");
                for x in &r.references {
                    outln!("  {}", clean(x));
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rootless_socket_is_the_default_as_the_docker_cli_makes_it() {
        let both = |p: &str| p == "/run/user/1000/docker.sock" || p == ROOTFUL_SOCKET;
        let only_rootless = |p: &str| p == "/run/user/1000/docker.sock";
        let xdg = Some("/run/user/1000");
        assert_eq!(
            default_socket(xdg, false, &both),
            "unix:///run/user/1000/docker.sock"
        );
        assert_eq!(
            default_socket(xdg, true, &both),
            "unix:///var/run/docker.sock"
        );
        assert_eq!(
            default_socket(xdg, true, &only_rootless),
            "unix:///run/user/1000/docker.sock"
        );
        assert_eq!(
            default_socket(None, false, &both),
            "unix:///var/run/docker.sock"
        );
        assert_eq!(
            default_socket(xdg, false, &|_| false),
            "unix:///var/run/docker.sock"
        );
    }
}
