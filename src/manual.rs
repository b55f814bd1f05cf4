//! The man page sections clap does not make — EXIT STATUS, ENVIRONMENT, FILES and EXAMPLES —
//! written once, as data, for the top page and each subcommand's page.
//! `tests/generated_docs.rs` renders them into `man/*.1` next to what clap_mangen makes of the
//! clap definitions, so the pages cannot drift from this text.

/// One man page section: a title and its entries, each a term and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The section heading, upper case (`EXIT STATUS`).
    pub title: &'static str,
    /// Term (an exit code, a variable, a path, a command line) and its explanation.
    pub entries: Vec<(&'static str, &'static str)>,
}

const EXIT_SCAN: &[(&str, &str)] = &[
    (
        "0",
        "The audit completed and no rule's status is at or above --fail-on.",
    ),
    (
        "1",
        "Findings: at least one rule's status is at or above --fail-on (default fail).",
    ),
    (
        "2",
        "A usage error or a fatal error: bad options, a malformed config, tailoring, \
         snapshot or report file, a --checks that is not a folder or whose benchmark \
         declarations contradict each other, a --host-root that is not a directory, a report \
         that cannot be written. Nothing was scanned or nothing was written; the message on \
         standard error names the file, line or option.",
    ),
    (
        "3",
        "The audit could not complete: the Docker daemon could not be reached, a request timed \
         out, rules that could not be decided (error) count under --fail-on, or a --checks \
         rule file has mistakes (each named on standard error and in the report's notes; the \
         rules they touch are error). The reports are written and say which rules are \
         affected and why.",
    ),
];

/// Exit code 2 of every command that has nothing more particular to say about it.
const EXIT_USAGE_OR_FATAL: (&str, &str) = (
    "2",
    "A usage error or a fatal error; the message on standard error says what to fix.",
);

const EXIT_SIMPLE: &[(&str, &str)] = &[("0", "Success."), EXIT_USAGE_OR_FATAL];

const EXIT_COLLECT: &[(&str, &str)] = &[
    ("0", "Success: the snapshot is written."),
    EXIT_USAGE_OR_FATAL,
    (
        "3",
        "The snapshot is written, but a --checks rule file has mistakes (each named on \
         standard error): facts only the rules they touch would read were not collected.",
    ),
];

const EXIT_DIFF: &[(&str, &str)] = &[
    ("0", "The newer scan has no new failure and no new error."),
    (
        "1",
        "Regressions: a rule or container fails now that did not, or could not be decided \
         now (error).",
    ),
    (
        "2",
        "A usage error or a fatal error (a report that cannot be read); the message names the \
         file.",
    ),
];

const ENV_DAEMON: &[(&str, &str)] = &[
    (
        "DOCKER_HOST",
        "The daemon address when --docker-host is not given: unix:///path or tcp://host:port. \
         Unset or empty: a rootless daemon's $XDG_RUNTIME_DIR/docker.sock, else \
         unix:///var/run/docker.sock.",
    ),
    (
        "XDG_RUNTIME_DIR",
        "Where a rootless Docker daemon's socket is (docker.sock), used as the docker CLI \
         does when DOCKER_HOST and --docker-host are unset and the socket exists, bollwerk \
         runs as an ordinary user or /var/run/docker.sock is absent.",
    ),
    (
        "DOCKER_TLS_VERIFY",
        "Set and neither empty nor 0: talk TLS to the daemon with the client certificate \
         from DOCKER_CERT_PATH, verifying the daemon's certificate.",
    ),
    (
        "DOCKER_CERT_PATH",
        "The folder holding ca.pem, cert.pem and key.pem for TLS (default: $HOME/.docker).",
    ),
    (
        "HOME",
        "Where the default certificate folder is ($HOME/.docker).",
    ),
];

const ENV_COLOR: (&str, &str) = (
    "NO_COLOR",
    "Set and not empty: no colours in the terminal summary (colours are also off when \
     standard output is not a terminal).",
);

const FILE_REPORTS: (&str, &str) = (
    "DIR/report.json, report.html, report.xccdf.xml, report.arf.xml, report.junit.xml",
    "The reports --format asks for, in the --output folder DIR. Each is written to a \
     temporary file in DIR and renamed into place, created with mode 0600 (owner only): \
     reports describe the host's weak points. A report that replaces a file of the same \
     user keeps that file's mode (without write rights for others).",
);
const FILE_DAEMON_JSON: (&str, &str) = (
    crate::facts::daemon_settings::ROOTFUL_DAEMON_JSON,
    "The daemon's configuration file, read under --host-root (or the --config-file named on \
     dockerd's command line, found in /proc/PID/cmdline). Never changed: bollwerk only reads \
     the host it audits.",
);
const FILE_RULES: (&str, &str) = (
    "checks/cis-docker-1.8.0/*.toml, checks/bollwerk/*.toml",
    "The rules, embedded in the binary; `bollwerk rules list` shows them. --checks DIR adds \
     the *.toml files of DIR, a rule with an embedded rule's id replacing it.",
);
const FILE_CONFIG: (&str, &str) = (
    "--config FILE",
    "bollwerk's own TOML config: trusted users, registry allow-list, maximum image age, \
     allowed ports, thresholds. Every key is described in bollwerk.example.toml.",
);
const FILE_TAILORING: (&str, &str) = (
    "--tailoring FILE",
    "An XCCDF 1.2 tailoring file (such as OpenSCAP's autotailor writes from `bollwerk rules \
     export`): profile, rule selections, values.",
);

const EXAMPLES_TOP: &[(&str, &str)] = &[
    (
        "sudo bollwerk scan",
        "Scan this host and its daemon: a summary on the terminal, report.json in the current \
         folder.",
    ),
    (
        "bollwerk collect -o facts.json && bollwerk scan --snapshot facts.json",
        "Save the facts as evidence, then decide the rules on them offline.",
    ),
    (
        "bollwerk rules show 5.10",
        "Everything about one rule: what it checks, why, how to fix a failure.",
    ),
];

const EXAMPLES_SCAN: &[(&str, &str)] = &[
    (
        "sudo bollwerk scan --format terminal,json,html -o /var/tmp/audit",
        "Scan this host; write report.json and report.html to /var/tmp/audit.",
    ),
    (
        "bollwerk scan --level 1 --exclude 5.1,bw-img-age",
        "The CIS Level 1 profile without two rules (ids in any case).",
    ),
    (
        "bollwerk scan --host-root /host --docker-host unix:///host/run/docker.sock",
        "From a container that has the host mounted read-only at /host.",
    ),
    (
        "bollwerk scan --snapshot facts.json --benchmark cis-docker-1.6.0",
        "Decide the rules on saved facts, reporting under CIS 1.6.0 numbers.",
    ),
];

/// The extra sections of the page for the subcommand at `path` below `bollwerk` (`[]` for
/// the top page, `["rules", "show"]` for `bollwerk rules show`), in man page order.
pub fn sections(path: &[&str]) -> Vec<Section> {
    let section = |title, entries: Vec<(&'static str, &'static str)>| Section { title, entries };
    let exit = |codes: &[(&'static str, &'static str)]| section("EXIT STATUS", codes.to_vec());
    let examples = |list: Vec<(&'static str, &'static str)>| section("EXAMPLES", list);
    let daemon_env = || {
        let mut env = ENV_DAEMON.to_vec();
        env.push(ENV_COLOR);
        env
    };
    match path {
        [] => vec![
            exit(EXIT_SCAN),
            section("ENVIRONMENT", daemon_env()),
            section(
                "FILES",
                vec![
                    FILE_REPORTS,
                    FILE_DAEMON_JSON,
                    FILE_RULES,
                    FILE_CONFIG,
                    FILE_TAILORING,
                ],
            ),
            examples(EXAMPLES_TOP.to_vec()),
        ],
        ["scan"] => vec![
            exit(EXIT_SCAN),
            section("ENVIRONMENT", daemon_env()),
            section(
                "FILES",
                vec![
                    FILE_REPORTS,
                    FILE_DAEMON_JSON,
                    FILE_RULES,
                    FILE_CONFIG,
                    FILE_TAILORING,
                ],
            ),
            examples(EXAMPLES_SCAN.to_vec()),
        ],
        ["collect"] => vec![
            exit(EXIT_COLLECT),
            section("ENVIRONMENT", ENV_DAEMON.to_vec()),
            section(
                "FILES",
                vec![
                    (
                        "-o FILE",
                        "The snapshot, JSON (schema: `bollwerk schema snapshot`), written to a \
                         temporary file beside it and renamed into place, mode 0600 (or \
                         that of the file it replaces).",
                    ),
                    FILE_DAEMON_JSON,
                    FILE_RULES,
                ],
            ),
            examples(vec![(
                "sudo bollwerk collect --all -o facts.json",
                "Save the facts about this host, stopped containers included; facts that \
                 could not be read are recorded in the file and named on standard error.",
            )]),
        ],
        ["report"] => vec![
            exit(EXIT_SIMPLE),
            section("ENVIRONMENT", vec![ENV_COLOR]),
            section(
                "FILES",
                vec![
                    (
                        "FILE",
                        "A report.json written by `bollwerk scan`; only read.",
                    ),
                    FILE_REPORTS,
                ],
            ),
            examples(vec![(
                "bollwerk report report.json --format html,xccdf -o out",
                "Write out/report.html and out/report.xccdf.xml from a saved report, without \
                 touching the host.",
            )]),
        ],
        ["diff"] => vec![
            exit(EXIT_DIFF),
            section("ENVIRONMENT", vec![ENV_COLOR]),
            section(
                "FILES",
                vec![
                    (
                        "OLD NEW",
                        "Two report.json files written by `bollwerk scan`; only read, never the \
                         host.",
                    ),
                    (
                        "diff.json, diff.html, diff.md",
                        "Written into --output for --format json, html, markdown (atomically). \
                         diff.json is described by `bollwerk schema diff`.",
                    ),
                ],
            ),
            examples(vec![
                (
                    "bollwerk diff reports/2026-12-01/report.json reports/2026-12-02/report.json",
                    "What changed between two nightly scans of a host; exit code 1 when the \
                     newer one has new failures or errors.",
                ),
                (
                    "bollwerk diff old.json new.json --format terminal,markdown -o .",
                    "The same, plus diff.md to paste into a ticket.",
                ),
            ]),
        ],
        ["history"] => vec![
            exit(EXIT_SIMPLE),
            section("ENVIRONMENT", vec![ENV_COLOR]),
            section(
                "FILES",
                vec![
                    (
                        "DIR",
                        "Folders searched recursively for report.json files written by `bollwerk \
                         scan` (any names; ordered by each scan's start time); only read, never \
                         the host. Files that are not reports are named on standard error and \
                         skipped.",
                    ),
                    (
                        "history.html, history.csv, history-rules.csv, history.json",
                        "Written into --output (atomically): the charts page, one CSV row per \
                         scan, one CSV row per rule that ever failed (first failed, fixed), and \
                         the same as JSON (`bollwerk schema history`).",
                    ),
                ],
            ),
            examples(vec![
                (
                    "bollwerk history /var/lib/bollwerk -o /var/lib/bollwerk/trend",
                    "The trend of the nightly reports deploy/periodic/bollwerk-nightly keeps.",
                ),
                (
                    "bollwerk history /srv/audits --host web-01 --format csv -o .",
                    "One host of a fleet's collected reports, as CSV for a spreadsheet.",
                ),
            ]),
        ],
        ["rules"] | ["rules", "list"] => vec![
            exit(EXIT_SIMPLE),
            section("FILES", vec![FILE_RULES]),
            examples(vec![
                (
                    "bollwerk rules list",
                    "One line per rule, at most 100 columns: id, CIS 1.6.0 id, level, \
                     assessment, scope, title.",
                ),
                (
                    "bollwerk rules list --checks ./my-rules | grep each-image",
                    "The per-image rules, the rules of ./my-rules included.",
                ),
            ]),
        ],
        ["rules", "show"] => vec![
            exit(EXIT_SIMPLE),
            section("FILES", vec![FILE_RULES]),
            examples(vec![(
                "bollwerk rules show bw-cap-dangerous",
                "The rule BW-CAP-DANGEROUS (ids in any case), its keys written as in the rule \
                 files.",
            )]),
        ],
        ["rules", "export"] => vec![
            exit(EXIT_SIMPLE),
            section(
                "FILES",
                vec![
                    FILE_RULES,
                    (
                        "-o FILE",
                        "The XCCDF 1.2 Benchmark, written to a temporary file beside it and \
                         renamed into place, mode 0600 (or that of the file it \
                         replaces).",
                    ),
                ],
            ),
            examples(vec![(
                "bollwerk rules export -o benchmark.xml && autotailor --id-namespace \
                 dev.bollwerk --unselect xccdf_dev.bollwerk_rule_5.1 -o tailoring.xml \
                 benchmark.xml level1",
                "Export the rules and tailor them with OpenSCAP's autotailor; then `bollwerk \
                 scan --tailoring tailoring.xml`.",
            )]),
        ],
        ["schema"] => vec![
            exit(EXIT_SIMPLE),
            examples(vec![(
                "bollwerk schema report > report.schema.json",
                "The JSON Schema report.json follows.",
            )]),
        ],
        ["completions"] => vec![
            exit(EXIT_SIMPLE),
            examples(vec![
                (
                    "bollwerk completions bash > /etc/bash_completion.d/bollwerk",
                    "Complete bollwerk's subcommands and options in bash.",
                ),
                (
                    "bollwerk completions zsh > \"${fpath[1]}/_bollwerk\"",
                    "The same for zsh (any folder on $fpath), then run compinit.",
                ),
                (
                    "bollwerk completions fish > ~/.config/fish/completions/bollwerk.fish",
                    "The same for fish.",
                ),
            ]),
        ],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every page that has subcommands' pages lists the exit codes; none is forgotten.
    #[test]
    fn every_subcommand_has_its_sections() {
        let cmd = crate::cli::command();
        let mut paths: Vec<Vec<&str>> = vec![vec![]];
        for sub in cmd.get_subcommands() {
            paths.push(vec![sub.get_name()]);
            for subsub in sub.get_subcommands() {
                paths.push(vec![sub.get_name(), subsub.get_name()]);
            }
        }
        for path in paths {
            let titles: Vec<&str> = sections(&path).iter().map(|s| s.title).collect();
            assert!(
                titles.contains(&"EXIT STATUS") && titles.contains(&"EXAMPLES"),
                "bollwerk {path:?}: {titles:?}"
            );
        }
    }

    /// Each variable the program reads (`env::var("…")`, `env::var_os("…")` anywhere in
    /// src/) is described on the scan page.
    #[test]
    fn the_environment_names_every_variable_read() {
        let env: Vec<&str> = sections(&["scan"])
            .into_iter()
            .find(|s| s.title == "ENVIRONMENT")
            .unwrap()
            .entries
            .iter()
            .map(|(name, _)| *name)
            .collect();
        let read = regex::Regex::new(r#"env::var(?:_os)?\("([A-Za-z0-9_]+)"\)"#).unwrap();
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut seen = 0;
        for file in walkdir::WalkDir::new(src) {
            let file = file.unwrap();
            if file.path().extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(file.path()).unwrap();
            for name in read.captures_iter(&text).map(|c| c[1].to_string()) {
                seen += 1;
                assert!(
                    env.contains(&name.as_str()),
                    "{name} is read in {} but not described in ENVIRONMENT",
                    file.path().display()
                );
            }
        }
        assert!(seen >= 4, "the variables read were found ({seen})");
    }
}
