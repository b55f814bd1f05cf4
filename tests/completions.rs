//! `bollwerk completions SHELL`: the scripts load in the real shells and complete bollwerk's
//! own subcommands and options.

use std::io::Write;
use std::process::{Command, Stdio};

/// The script `bollwerk completions SHELL` prints.
fn script(shell: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_bollwerk"))
        .args(["completions", shell])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// Runs `program ARGS` with `stdin`; exit status, stdout and stderr.
fn shell(program: &str, args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program} (scripts/test.sh installs it): {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// What bash's completion function offers for the command line `words` (the last one being
/// completed), after loading the generated script.
fn bash_completes(words: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bollwerk.bash");
    std::fs::write(&path, script("bash")).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let prev = if cword > 0 { words[cword - 1] } else { "" };
    // As bash calls a completion function: COMP_WORDS/COMP_CWORD set, then
    // `FUNC command word-being-completed previous-word`.
    let program = format!(
        "set -e\nsource '{}'\nspec=$(complete -p bollwerk)\nfunc=${{spec#*-F }}\nfunc=${{func%% *}}\n\
         COMP_WORDS=({})\nCOMP_CWORD={cword}\nCOMP_LINE='{}'\nCOMP_POINT=${{#COMP_LINE}}\n\
         \"$func\" bollwerk '{}' '{prev}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        path.display(),
        quoted.join(" "),
        words.join(" "),
        words[cword],
    );
    let (ok, out, err) = shell("bash", &["--noprofile", "--norc"], &program);
    assert!(ok, "bash failed: {err}");
    out.lines().map(String::from).collect()
}

#[test]
fn bash_completes_subcommands_options_and_values() {
    assert_eq!(bash_completes(&["bollwerk", "sc"]), vec!["scan", "schema"]);
    assert_eq!(bash_completes(&["bollwerk", "sca"]), vec!["scan"]);
    assert_eq!(bash_completes(&["bollwerk", "rules", "s"]), vec!["show"]);
    assert!(bash_completes(&["bollwerk", "scan", "--fo"]).contains(&"--format".to_string()));
    let benchmarks = bash_completes(&["bollwerk", "scan", "--benchmark", ""]);
    assert!(
        benchmarks.contains(&"cis-docker-1.6.0".to_string()),
        "{benchmarks:?}"
    );
    assert_eq!(
        bash_completes(&["bollwerk", "completions", "z"]),
        vec!["zsh"]
    );
}

/// Whether `shell CHECK FILE` accepts `text` as a script (`zsh -n`, `fish --no-execute`:
/// parse only, run nothing).
fn parses(program: &str, check: &str, text: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("script");
    std::fs::write(&path, text).unwrap();
    let (ok, _, err) = shell(program, &[check, path.to_str().unwrap()], "");
    if ok {
        Ok(())
    } else {
        Err(err)
    }
}

#[test]
fn zsh_and_fish_scripts_parse() {
    let zsh = script("zsh");
    assert!(zsh.starts_with("#compdef bollwerk"), "{}", &zsh[..40]);
    parses("zsh", "-n", &zsh).unwrap();
    let fish = script("fish");
    assert!(fish.contains("complete -c bollwerk"));
    parses("fish", "--no-execute", &fish).unwrap();
    // The parsers do refuse broken text: these checks can fail.
    assert!(parses("zsh", "-n", &format!("{zsh}\n_broken() {{\n")).is_err());
    assert!(parses("fish", "--no-execute", &format!("{fish}\nend\n")).is_err());
}
