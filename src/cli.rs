//! The command line: clap definitions, turned into plain options, wired to collect → evaluate
//! → render. Only this module and the report renderers print.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::collect::{self, CollectOptions, Endpoint, Plan};
use crate::report::{self, terminal, Report, RunOptions};
use crate::rules::{eval, Params, RuleSet, Selection, Status};
use crate::snapshot::{Snapshot, SNAPSHOT_SCHEMA_VERSION};

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
    Scan(ScanArgs),
    /// Gather the facts into a snapshot file without evaluating rules.
    Collect(CollectArgs),
    /// List or show the rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Print the JSON Schema of the report or snapshot format.
    Schema {
        /// Which format.
        #[arg(value_enum)]
        which: SchemaKind,
    },
}

/// Formats with a JSON Schema.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaKind {
    /// `report.json`.
    Report,
    /// Snapshots from `bollwerk collect`.
    Snapshot,
}

/// Where facts come from.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Docker daemon address: unix:///path or tcp://host:port (TLS from DOCKER_TLS_VERIFY and
    /// DOCKER_CERT_PATH).
    #[arg(
        long,
        env = "DOCKER_HOST",
        hide_env_values = true,
        default_value = "unix:///var/run/docker.sock",
        value_name = "URL"
    )]
    pub docker_host: String,
    /// Root of the host file system to read (e.g. /host when the host is mounted there).
    #[arg(long, default_value = "/", value_name = "DIR")]
    pub host_root: PathBuf,
    /// Include stopped and created containers, not only running ones.
    #[arg(long)]
    pub all: bool,
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
    #[arg(long, value_name = "FILE", conflicts_with_all = ["docker_host", "host_root", "all"])]
    snapshot: Option<PathBuf>,
    /// Highest CIS profile level to run (2 includes level 1).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=2))]
    level: Option<u8>,
    /// Only these rule ids or sections (5, 2.1, 5.10), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    include: Vec<String>,
    /// Leave out these rule ids or sections, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    exclude: Vec<String>,
    /// Users allowed in the docker group (rule 1.1.2), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "USERS")]
    trusted_users: Option<Vec<String>>,
    /// Report formats, comma-separated: terminal (stdout), json (OUTPUT/report.json).
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
    /// Exit with 1 when a rule's status is at or above this one
    /// (pass < notapplicable < informational < notchecked < fail < error).
    #[arg(long, default_value = "fail", value_parser = parse_status, value_name = "STATUS")]
    fail_on: Status,
    /// No progress display.
    #[arg(long, short)]
    quiet: bool,
}

fn parse_status(s: &str) -> Result<Status, String> {
    s.parse()
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Summary on standard output.
    Terminal,
    /// report.json.
    Json,
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
    /// Everything about one rule.
    Show {
        /// The rule id (e.g. 5.10).
        id: String,
        /// Rule selection.
        #[command(flatten)]
        rules: RuleArgs,
    },
}

/// The clap command, for help and man pages.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// A fatal error: printed as one line, exit code 2.
struct Fatal(String);

impl<T: Into<String>> From<T> for Fatal {
    fn from(s: T) -> Fatal {
        Fatal(s.into())
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
        Command::Scan(args) => scan(args),
        Command::Collect(args) => collect_cmd(args).map(|_| 0),
        Command::Rules(cmd) => rules_cmd(cmd).map(|_| 0),
        Command::Schema { which } => {
            let schema = match which {
                SchemaKind::Report => schemars::schema_for!(Report),
                SchemaKind::Snapshot => schemars::schema_for!(Snapshot),
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).unwrap_or_default()
            );
            Ok(0)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Fatal(msg)) => {
            eprintln!("bollwerk: error: {msg}");
            ExitCode::from(2)
        }
    }
}

fn load_rules(args: &RuleArgs) -> Result<RuleSet, Fatal> {
    RuleSet::load(args.checks.as_deref()).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        Fatal(format!(
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

fn gather(source: &SourceArgs, rules: &RuleSet, quiet: bool) -> Snapshot {
    let opts = CollectOptions {
        host_root: source.host_root.clone(),
        endpoint: endpoint(&source.docker_host),
        all_containers: source.all,
    };
    let bar = progress(quiet);
    let tell = |m: &str| {
        if let Some(b) = &bar {
            b.set_message(m.to_string());
        }
    };
    let snap = collect::collect(&opts, &Plan::from_rules(rules), &tell);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    snap
}

fn read_snapshot(path: &Path) -> Result<Snapshot, Fatal> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read snapshot {}: {e}", path.display()))?;
    let snap: Snapshot = serde_json::from_str(&text).map_err(|e| {
        let (at, what) = crate::diag::json_error(&path.display().to_string(), &text, &e);
        format!("{at}: not a bollwerk snapshot: {what}")
    })?;
    if snap.schema_version != SNAPSHOT_SCHEMA_VERSION {
        return Err(Fatal(format!(
            "{}: snapshot format version {} is not supported (this bollwerk reads version {SNAPSHOT_SCHEMA_VERSION})",
            path.display(),
            snap.schema_version
        )));
    }
    Ok(snap)
}

fn scan(args: ScanArgs) -> Result<u8, Fatal> {
    let rules = load_rules(&args.rules)?;
    let selection = Selection {
        level: args.level,
        include: args.include.clone(),
        exclude: args.exclude.clone(),
    };
    let rules = rules.select(&selection);
    if rules.rules.is_empty() {
        return Err(Fatal("no rule matches --level/--include/--exclude".into()));
    }
    let snapshot = match &args.snapshot {
        Some(path) => read_snapshot(path)?,
        None => gather(&args.source, &rules, args.quiet),
    };
    let mut params = Params::default();
    if let Some(users) = &args.trusted_users {
        params
            .values
            .insert("trusted-users".into(), serde_json::json!(users));
    }
    let results = eval::evaluate(&rules, &snapshot, &params);
    let options = RunOptions {
        all_containers: snapshot.all_containers,
        level: args.level,
        include: args.include,
        exclude: args.exclude,
        checks_dir: args.rules.checks.as_ref().map(|p| p.display().to_string()),
        snapshot: args.snapshot.as_ref().map(|p| p.display().to_string()),
        trusted_users: args.trusted_users,
    };
    let report = Report::new(&snapshot, results, options);
    if args.format.contains(&Format::Json) {
        let path = args.output.join("report.json");
        let json = serde_json::to_vec_pretty(&report)
            .map_err(|e| format!("cannot encode the report: {e}"))?;
        report::write::atomic_write(&path, &json)?;
    }
    if args.format.contains(&Format::Terminal) {
        let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::io::stdout().is_terminal();
        print!("{}", terminal::render(&report, terminal::Style { color }));
    }
    Ok(if report.has_findings(args.fail_on) {
        1
    } else {
        0
    })
}

fn collect_cmd(args: CollectArgs) -> Result<(), Fatal> {
    let rules = load_rules(&args.rules)?;
    let snapshot = gather(&args.source, &rules, args.quiet);
    let json = serde_json::to_vec_pretty(&snapshot)
        .map_err(|e| format!("cannot encode the snapshot: {e}"))?;
    report::write::atomic_write(&args.output, &json)?;
    for e in &snapshot.errors {
        eprintln!("bollwerk: warning: {}", terminal::sanitize(&e.message));
    }
    Ok(())
}

fn rules_cmd(cmd: RulesCommand) -> Result<(), Fatal> {
    match cmd {
        RulesCommand::List { rules } => {
            let set = load_rules(&rules)?;
            println!(
                "{:<8} {:<6} {:<5} {:<10} {:<15} title",
                "id", "1.6.0", "level", "assessment", "scope"
            );
            for r in &set.rules {
                let scope = serde_json::to_value(r.scope)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default();
                let assessment = format!("{:?}", r.assessment).to_lowercase();
                let decided = if r.check.is_some() { "" } else { " (manual)" };
                println!(
                    "{:<8} {:<6} {:<5} {:<10} {:<15} {}{decided}",
                    r.id,
                    r.id_1_6_0.as_deref().unwrap_or(&r.id),
                    r.level,
                    assessment,
                    scope,
                    r.title
                );
            }
            Ok(())
        }
        RulesCommand::Show { id, rules } => {
            let set = load_rules(&rules)?;
            let r = set
                .get(&id)
                .ok_or_else(|| format!("no rule with id '{id}' (see `bollwerk rules list`)"))?;
            println!("{} {}", r.id, r.title);
            if let Some(old) = &r.id_1_6_0 {
                println!("CIS Docker 1.6.0 id: {old}");
            }
            println!(
                "level {} · {:?} · severity {:?} · scope {:?} · defined at {}",
                r.level, r.assessment, r.severity, r.scope, r.origin
            );
            println!(
                "\nDescription\n{}\n\nRationale\n{}",
                r.description, r.rationale
            );
            if let Some(i) = &r.impact {
                println!("\nImpact\n{i}");
            }
            println!("\nRemediation\n{}", r.remediation);
            if !r.references.is_empty() {
                println!("\nReferences");
                for x in &r.references {
                    println!("  {x}");
                }
            }
            Ok(())
        }
    }
}
