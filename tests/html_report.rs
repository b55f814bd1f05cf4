//! The HTML report (`--format html`) opened in headless Chromium.
//!
//! Reports come from real scans of a private dockerd (see `tests/support`), from a fixture host
//! tree whose host name is an HTML payload, and from a report.json edited to hold attacker
//! strings in container names and evidence. Each page must load without console errors,
//! network requests or dialogs, show the score and the fix-first list, and show every
//! attacker string as text: no `<img>` element, no `alert`.
//!
//! A negative control proves the checks can fail: pages broken on purpose (an injected image
//! with an `onerror` handler, a remote style sheet, an inline `alert` without the CSP) must be
//! caught by the same probes.
//!
//! Needs root, dockerd and Chromium (`/usr/bin/chromium`); when Chromium is missing the tests
//! fail with "install chromium: run scripts/test.sh". Screenshots go to `target/`.

mod browser;
mod support;

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use browser::{Chromium, Findings};
use support::dockerd::PrivateDaemon;
use support::fixture::HostTree;
use support::scan::bollwerk;

/// The payload used as a name, a host name and an evidence value.
const IMG: &str = "<img src=x onerror=alert(1)>";
/// A payload that would end an inline script if it reached one unescaped.
const SCRIPT_END: &str = "</script><script>alert(2)</script>";

/// Facts about the page, computed in the browser after its script ran.
const PROBE: &str = r#"(() => {
  const q = (s) => document.querySelector(s);
  const qa = (s) => Array.from(document.querySelectorAll(s));
  const csp = q('meta[http-equiv="Content-Security-Policy"]');
  const firstClosed = qa('details.rule:not([open])')[0];
  return {
    imgs: qa('img').length,
    scripts: qa('script').length,
    active: qa('iframe, object, embed, frame, base, form, link[rel~="stylesheet"], link[rel~="preload"], link[rel~="prefetch"], meta[http-equiv="refresh"]').length,
    on_attrs: qa('*').filter((e) => Array.from(e.attributes).some((a) => a.name.toLowerCase().startsWith('on'))).length,
    full_text: document.body.textContent,
    title: document.title,
    hostname: q('#hostname') ? q('#hostname').textContent : null,
    score: q('#score-value') ? q('#score-value').textContent : null,
    verdict: q('#verdict') ? q('#verdict').textContent : null,
    fix_ids: qa('#fix-first li.fix').map((e) => e.getAttribute('data-rules')),
    fix_items: qa('#fix-first li.fix').map((e) => ({
      id: e.id,
      text: e.textContent,
      why: e.querySelector('.prose') ? e.querySelector('.prose').textContent.trim() : '',
      how: e.querySelector('.howto') ? e.querySelector('.howto').textContent.trim() : '',
      rows: e.querySelectorAll('table.ev tbody tr').length,
      open: e.querySelector('details').open,
      severity: (e.className.match(/fix-(high|medium|low)/) || [])[1],
    })),
    rules: qa('details.rule').map((d) => ({ id: d.id, status: d.getAttribute('data-status'), open: d.open })),
    groups: qa('.rule-group').map((g) => Array.from(g.querySelectorAll('details.rule')).map((d) => ({ id: d.id, status: d.getAttribute('data-status') }))),
    section_bars: qa('#sections .bars li svg rect').length,
    section_rows: qa('#sections .bars li').length,
    filters_visible: !!q('#filters') && !q('#filters').hidden,
    filters_display: q('#filters') ? getComputedStyle(q('#filters')).display : null,
    filter_count: q('#filter-count') ? q('#filter-count').textContent : null,
    masthead_bg: q('.masthead') ? getComputedStyle(q('.masthead')).backgroundColor : null,
    closed_body_height: firstClosed
      ? firstClosed.getBoundingClientRect().height - firstClosed.querySelector('summary').getBoundingClientRect().height
      : null,
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    too_wide: qa('body *')
      .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
      .slice(0, 8)
      .map((e) => e.tagName.toLowerCase() + '.' + e.getAttribute('class') + ' ' + (e.textContent || '').slice(0, 40)),
    csp: csp ? csp.content : null,
  };
})()"#;

/// Where screenshots and other artifacts go: `target/` (git-ignored).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .to_path_buf()
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn dom_str<'a>(f: &'a Findings, key: &str) -> &'a str {
    f.dom[key].as_str().unwrap_or_default()
}

/// Static checks on the file itself: self-contained, strict CSP, payloads escaped.
fn check_file(html: &str, what: &str) {
    assert!(
        html.starts_with("<!DOCTYPE html>"),
        "{what}: no doctype at the start"
    );
    let csp_at = html
        .find(r#"<meta http-equiv="Content-Security-Policy" content=""#)
        .unwrap_or_else(|| panic!("{what}: no CSP meta tag"));
    assert!(
        csp_at < html.find("<style>").expect("a style element"),
        "{what}: the CSP must come before the style sheet"
    );
    let csp_end = html[csp_at..].find("\">").expect("end of the CSP tag") + csp_at;
    let csp = &html[csp_at..csp_end];
    for needed in [
        "default-src 'none'",
        "script-src 'sha256-",
        "style-src 'sha256-",
        "img-src data:",
    ] {
        assert!(csp.contains(needed), "{what}: CSP lacks {needed}: {csp}");
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{what}: weak CSP: {csp}"
    );
    for bad in [
        "<link rel=\"stylesheet\"",
        "<script src",
        "<img",
        "<iframe",
        "@import",
        "url(http",
        "@font-face",
    ] {
        assert!(!html.contains(bad), "{what}: the file contains {bad:?}");
    }
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "{what}: exactly one inline script"
    );
    assert!(
        !html.contains(IMG),
        "{what}: the raw payload {IMG} is in the file unescaped"
    );
    assert!(
        !html.contains("<script>alert"),
        "{what}: an injected script is in the file unescaped"
    );
}

/// Browser checks every page must pass.
fn check_page(f: &Findings, what: &str) {
    f.assert_quiet(what);
    let d = &f.dom;
    assert_eq!(d["imgs"], 0, "{what}: an <img> element was created");
    assert_eq!(
        d["scripts"], 1,
        "{what}: script elements other than the report's own"
    );
    assert_eq!(
        d["active"], 0,
        "{what}: frames, forms, style sheet links or refreshes found"
    );
    assert_eq!(
        d["on_attrs"], 0,
        "{what}: elements with on* event handler attributes"
    );
    assert!(
        d["filters_visible"] == true,
        "{what}: the filter bar stayed hidden: the inline script did not run (CSP hash?)"
    );
    assert_eq!(
        d["masthead_bg"], "rgb(19, 40, 60)",
        "{what}: the style sheet did not apply (CSP hash?)"
    );
    assert!(
        dom_str(f, "csp").contains("default-src 'none'"),
        "{what}: CSP not in the DOM"
    );
    assert!(
        d["section_rows"].as_u64().unwrap_or(0) > 0,
        "{what}: no section bars"
    );
    assert!(
        d["section_bars"].as_u64().unwrap_or(0) > 0,
        "{what}: section bars have no segments"
    );
    assert!(
        dom_str(f, "full_text").contains("Fix first"),
        "{what}: no fix-first heading"
    );
    // All rules: in each section failed rules first, then undecided ones, then the rest.
    // Undecided rules are unfolded; failed ones are folded (the fix-first list shows them
    // unfolded); everything else is folded.
    for group in d["groups"].as_array().expect("groups") {
        let rank = |s: &Value| match s.as_str() {
            Some("fail") => 0,
            Some("error") => 1,
            _ => 2,
        };
        let ranks: Vec<u8> = group
            .as_array()
            .unwrap()
            .iter()
            .map(|r| rank(&r["status"]))
            .collect();
        assert!(
            ranks.is_sorted(),
            "{what}: problems not listed first: {group}"
        );
    }
    let rules = d["rules"].as_array().expect("rules");
    let undecided = rules.iter().filter(|r| r["status"] == "error").count();
    for r in rules {
        // Undecided rules are unfolded unless there are many.
        let open =
            r["status"] == "error" && undecided <= bollwerk::report::html::MAX_OPEN_UNDECIDED;
        assert_eq!(r["open"] == true, open, "{what}: wrong folding for {r}");
    }
    // Fix first: high and medium severity unfolded.
    for item in d["fix_items"].as_array().expect("fix items") {
        if item["severity"] != "low" {
            assert_eq!(item["open"], true, "{what}: {} is folded", item["id"]);
        }
    }
}

/// The score the page must show: passed / (passed + failed + error), rounded down.
fn expected_score(report: &Value) -> String {
    let c = &report["summary"]["counts"];
    let n = |k: &str| c[k].as_u64().unwrap();
    let decided = n("pass") + n("fail") + n("error");
    assert!(decided > 0, "the scan decided no rule");
    format!("{}%", n("pass") * 100 / decided)
}

/// The fix-first items the page must show (each as its rule ids, space-separated): one per
/// cause, as `bollwerk::report::fixes` groups and orders them. The grouping is unit-tested
/// there; here the order is also checked on its own terms: severity never rises down the list
/// and every failed rule is closed by some item.
fn expected_fix_order(report: &Value) -> Vec<String> {
    let typed: bollwerk::report::Report = serde_json::from_value(report.clone()).unwrap();
    let fixes = bollwerk::report::fixes::fixes(&typed.results);
    let items: Vec<String> = fixes.iter().map(|f| f.rule_ids().join(" ")).collect();
    assert!(
        fixes.windows(2).all(|w| w[0].severity >= w[1].severity),
        "severity rises in {items:?}"
    );
    for r in &typed.results {
        if r.status == bollwerk::rules::Status::Fail {
            assert!(
                items.iter().any(|i| i.split(' ').any(|id| id == r.id)),
                "failed rule {} is in no fix: {items:?}",
                r.id
            );
        }
    }
    items
}

/// Checks the score and the fix-first list against the report the page came from.
fn check_content(f: &Findings, report: &Value, what: &str) {
    assert_eq!(
        dom_str(f, "score"),
        expected_score(report),
        "{what}: wrong score"
    );
    let ids: Vec<String> = f.dom["fix_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, expected_fix_order(report), "{what}: fix-first order");
    let typed: bollwerk::report::Report = serde_json::from_value(report.clone()).unwrap();
    let fixes = bollwerk::report::fixes::fixes(&typed.results);
    for (item, fix) in f.dom["fix_items"].as_array().unwrap().iter().zip(&fixes) {
        // The lead rule (the first id) speaks for the item.
        let id = fix.lead().id.as_str();
        let rule = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap();
        // Why (rationale) and how (remediation) are there, word for word.
        let words = |v: &Value| -> String {
            v.as_str()
                .unwrap()
                .replace('`', "")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        let squash = |v: &Value| {
            v.as_str()
                .unwrap()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            squash(&item["why"]),
            words(&rule["rationale"]),
            "{what}: rationale of {id}"
        );
        assert_eq!(
            squash(&item["how"]),
            words(&rule["remediation"]),
            "{what}: remediation of {id}"
        );
        // Every failing container or image of this fix is named, with its evidence.
        let text = item["text"].as_str().unwrap();
        for inst in rule["instances"].as_array().unwrap() {
            if inst["status"] == "fail" && fix.instances.iter().any(|i| inst["id"] == *i.id()) {
                let name = inst["name"].as_str().unwrap();
                assert!(text.contains(name), "{what}: {id} does not name {name}");
                for e in inst["evidence"].as_array().unwrap() {
                    if e["outcome"] == "fail" {
                        // People read the expectation in words, not its machine form.
                        let expected = e["expected_text"].as_str().unwrap();
                        assert!(
                            text.contains(expected),
                            "{what}: {id}/{name} lacks evidence {e}"
                        );
                    }
                }
            }
        }
        assert!(
            item["rows"].as_u64().unwrap() > 0 || rule["message"].is_string(),
            "{what}: {id} shows no evidence"
        );
    }
}

/// Opens `html` at desktop size and runs every check; returns the findings.
fn inspect_desktop(chrome: &mut Chromium, html: &Path, what: &str) -> Findings {
    check_file(&read(html), what);
    let (tab, f) = chrome.inspect(html, 1280, 900, PROBE);
    check_page(&f, what);
    chrome.close(tab);
    f
}

/// Narrow (phone) layout, print layout and a script-less load of `html`.
fn check_layouts(chrome: &mut Chromium, html: &Path, shots: &str) {
    // Narrow: nothing wider than the screen.
    let (tab, f) = chrome.inspect(html, 390, 844, PROBE);
    check_page(&f, "narrow layout");
    assert!(
        f.dom["overflow"].as_f64().unwrap() <= 0.0,
        "narrow layout scrolls sideways by {} px; too wide: {:#}",
        f.dom["overflow"],
        f.dom["too_wide"]
    );
    chrome.screenshot(
        &tab,
        &target_dir().join(format!("{shots}-mobile.png")),
        2400.0,
    );

    // Print: no controls, folded rules unfolded.
    chrome.media(&tab, "print");
    chrome.viewport(&tab, 794, 1123, false);
    let printed = chrome.eval(&tab, PROBE);
    chrome.screenshot(
        &tab,
        &target_dir().join(format!("{shots}-print.png")),
        3000.0,
    );
    assert_eq!(
        printed["filters_display"], "none",
        "print shows the filter controls"
    );
    if let Some(h) = printed["closed_body_height"].as_f64() {
        assert!(h > 40.0, "print hides the body of folded rules ({h} px)");
    } else {
        panic!("no folded rule to test printing with");
    }
    chrome.media(&tab, "");
    chrome.close(tab);

    // Without JavaScript the whole report is still there; only the filters stay hidden.
    let url = browser::file_url(html);
    let mut tab = chrome.tab();
    chrome.scripts(&tab, false);
    chrome.navigate(&mut tab, &url);
    let nojs = chrome.eval(&tab, PROBE);
    chrome
        .findings(&tab, &url)
        .assert_quiet("page without JavaScript");
    assert_eq!(
        nojs["filters_visible"], false,
        "filters shown without JavaScript"
    );
    assert!(
        nojs["score"].as_str().is_some_and(|s| s.ends_with('%')),
        "no score without JavaScript"
    );
    assert_eq!(
        nojs["fix_ids"], f.dom["fix_ids"],
        "fix-first differs without JavaScript"
    );
    chrome.close(tab);
}

#[test]
fn html_report_of_real_scans_is_safe_and_complete() {
    let mut chrome = Chromium::launch();
    let d = PrivateDaemon::start(json!({}));
    let image = d.import_busybox();
    let run = |name: &str, extra: &[&str]| {
        let mut args = vec!["run", "-d", "--name", name];
        if !extra.contains(&"--network") {
            args.extend(["--network", "none"]);
        }
        args.extend_from_slice(extra);
        args.extend([image, "sleep", "3600"]);
        d.docker(&args);
        d.wait_running(name);
    };
    // Privileged containers cannot start inside the test sandbox: created, scanned with --all.
    for (name, extra) in [
        ("web-frontend", &["--privileged"][..]),
        ("backup-agent", &["--privileged", "--memory", "64m"][..]),
    ] {
        let mut args = vec!["create", "--name", name, "--network", "none"];
        args.extend_from_slice(extra);
        args.extend([image, "sleep", "3600"]);
        d.docker(&args);
    }
    run("legacy-app", &["--cap-add", "NET_ADMIN"]);
    run(
        "reports-db",
        &[
            "--memory",
            "128m",
            "--pids-limit",
            "100",
            "--security-opt",
            "no-new-privileges",
            "--cap-drop",
            "ALL",
        ],
    );
    run("metrics-agent", &["--network", "host", "--memory", "64m"]);
    run("labelled", &["--label", &format!("note=</script>{IMG}")]);

    // 1. A realistic scan of this host with several failing containers.
    let out = tempfile::tempdir().unwrap();
    let scan = bollwerk(
        &[
            "scan",
            "--docker-host",
            &d.socket_url(),
            "--all",
            "--format",
            "json,html",
        ],
        out.path(),
    );
    let report = scan.report().clone();
    let html = out.path().join("report.html");
    assert!(
        html.exists(),
        "no report.html (exit {}): {}",
        scan.code,
        scan.stderr
    );
    // Kept next to the screenshots for a look at what the page was made from.
    fs::copy(
        out.path().join("report.json"),
        target_dir().join("html-report.json"),
    )
    .unwrap();
    fs::copy(&html, target_dir().join("html-report.html")).unwrap();
    let f = inspect_desktop(&mut chrome, &html, "real scan");
    check_content(&f, &report, "real scan");
    assert!(
        f.dom["fix_ids"].as_array().unwrap().len() >= 3,
        "expected several failed rules"
    );
    assert!(
        f.dom["fix_ids"][0]
            .as_str()
            .is_some_and(|ids| ids.split(' ').next() == Some("5.5")),
        "two privileged containers make 5.5 the first thing to fix: {}",
        f.dom["fix_ids"]
    );
    let text = dom_str(&f, "full_text");
    for name in [
        "web-frontend",
        "backup-agent",
        "legacy-app",
        "metrics-agent",
    ] {
        assert!(
            text.contains(name),
            "container {name} missing from the page"
        );
    }
    let (tab, _) = chrome.inspect(&html, 1280, 900, "1");
    chrome.screenshot(&tab, &target_dir().join("html-report.png"), 2400.0);
    chrome.screenshot(&tab, &target_dir().join("html-report-full.png"), 16000.0);
    // One rule unfolded through the page's own control, as a reader would.
    chrome.eval(&tab, "document.getElementById('expand-all').click()");
    chrome.screenshot_element(
        &tab,
        "#rule-5\\.26",
        &target_dir().join("html-report-rule.png"),
    );
    assert!(
        chrome.eval(
            &tab,
            "document.querySelectorAll('details.rule:not([open])').length"
        ) == 0,
        "“Unfold all” left rules folded"
    );
    chrome.close(tab);
    check_layouts(&mut chrome, &html, "html-report");

    // 2. Attacker strings in a report: a container renamed to an HTML payload, script ends in
    //    evidence, re-rendered with `bollwerk report` (which does not touch the host).
    let mut modified = report.clone();
    let rule = modified["results"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["id"] == "5.5")
        .expect("rule 5.5");
    let inst = rule["instances"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|i| i["status"] == "fail")
        .expect("a failing 5.5 instance");
    inst["name"] = json!(IMG);
    let ev = inst["evidence"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["outcome"] == "fail")
        .expect("failing evidence");
    ev["observed"] = json!({ "note": SCRIPT_END, "list": [IMG] });
    ev["source"] = json!(format!("docker inspect {SCRIPT_END}"));
    modified["run"]["hostname"] = json!(format!("{IMG}{SCRIPT_END}"));
    modified["notes"] = json!([format!("note {SCRIPT_END}")]);
    let edited = tempfile::tempdir().unwrap();
    let edited_json = edited.path().join("modified.json");
    fs::write(&edited_json, serde_json::to_vec_pretty(&modified).unwrap()).unwrap();
    let rendered = tempfile::tempdir().unwrap();
    let rerun = bollwerk(
        &[
            "report",
            edited_json.to_str().unwrap(),
            "--format",
            "html",
            "-o",
            rendered.path().to_str().unwrap(),
        ],
        rendered.path(),
    );
    assert_eq!(rerun.code, 0, "bollwerk report failed: {}", rerun.stderr);
    let html2 = rendered.path().join("report.html");
    let f2 = inspect_desktop(&mut chrome, &html2, "edited report");
    check_content(&f2, &modified, "edited report");
    let text2 = dom_str(&f2, "full_text");
    assert!(text2.contains(IMG), "the payload name is not shown as text");
    assert!(
        text2.contains(SCRIPT_END),
        "the </script> evidence is not shown as text"
    );
    assert_eq!(dom_str(&f2, "hostname"), format!("{IMG}{SCRIPT_END}"));
    assert!(
        dom_str(&f2, "title").contains(IMG),
        "the title does not show the host name as text"
    );
    let fix55 = f2.dom["fix_items"][0]["text"].as_str().unwrap();
    assert!(
        fix55.contains(IMG) && fix55.contains(SCRIPT_END),
        "fix-first lacks the edited instance"
    );

    // 3. Real host text: a fixture host tree whose host name is the payload.
    let tree = HostTree::new();
    tree.write("etc/hostname", &format!("{IMG}\n"), 0o644);
    let out3 = tempfile::tempdir().unwrap();
    let scan3 = bollwerk(
        &[
            "scan",
            "--docker-host",
            &d.socket_url(),
            "--host-root",
            &tree.root_arg(),
            "--all",
            "--format",
            "json,html",
        ],
        out3.path(),
    );
    let report3 = scan3.report().clone();
    assert_eq!(
        report3["run"]["hostname"], IMG,
        "the fixture host name was not read"
    );
    let f3 = inspect_desktop(
        &mut chrome,
        &out3.path().join("report.html"),
        "fixture host scan",
    );
    check_content(&f3, &report3, "fixture host scan");
    assert_eq!(dom_str(&f3, "hostname"), IMG, "host name not shown as text");
}

/// Scans fixture host `tree` with no reachable daemon, writing JSON and HTML to `out`.
fn scan_without_daemon(tree: &HostTree, out: &std::path::Path) -> support::scan::Run {
    let root = tree.root_arg();
    let args = [
        "scan",
        "--docker-host",
        "unix:///nonexistent/docker.sock",
        "--host-root",
        &root,
        "--format",
        "json,html",
    ];
    bollwerk(&args, out)
}

#[test]
fn html_report_without_a_daemon() {
    // No dockerd: daemon and container rules cannot be decided; the page must say so calmly.
    let tree = HostTree::new();
    let out = tempfile::tempdir().unwrap();
    let scan = scan_without_daemon(&tree, out.path());
    let report = scan.report().clone();
    let mut chrome = Chromium::launch();
    let html = out.path().join("report.html");
    let f = inspect_desktop(&mut chrome, &html, "scan without daemon");
    check_content(&f, &report, "scan without daemon");
    assert!(
        dom_str(&f, "full_text").contains("did not answer"),
        "unreachable daemon not shown"
    );
    let (tab, _) = chrome.inspect(&html, 1280, 900, "1");
    chrome.screenshot(
        &tab,
        &target_dir().join("html-report-no-daemon.png"),
        2400.0,
    );
    chrome.close(tab);
}

#[test]
fn broken_pages_are_caught() {
    // The probes above must really fail: break a real report on purpose, four ways.
    let tree = HostTree::new();
    let out = tempfile::tempdir().unwrap();
    let scan = scan_without_daemon(&tree, out.path());
    scan.report();
    let good = read(&out.path().join("report.html"));
    let mut chrome = Chromium::launch();
    let open = |chrome: &mut Chromium, name: &str, html: &str| -> Findings {
        let path = out.path().join(name);
        fs::write(&path, html).unwrap();
        let (tab, f) = chrome.inspect(&path, 1280, 900, PROBE);
        chrome.close(tab);
        f
    };

    // The untouched page is clean (so what follows is caused by the breakage).
    check_page(&open(&mut chrome, "good.html", &good), "untouched page");

    // a) An unescaped payload: an element appears, CSP refuses the handler and the load.
    let injected = good.replacen(
        "<main class=\"wrap\">",
        &format!("<main class=\"wrap\">{IMG}"),
        1,
    );
    let f = open(&mut chrome, "injected.html", &injected);
    assert_eq!(f.dom["imgs"], 1, "the injected <img> was not detected");
    assert!(
        !f.console_errors.is_empty(),
        "CSP violations were not reported as console errors"
    );
    assert!(std::panic::catch_unwind(|| check_page(&f, "injected")).is_err());
    assert!(std::panic::catch_unwind(|| check_file(&injected, "injected")).is_err());

    // b) A remote style sheet is refused and reported.
    let remote = good.replacen(
        "</head>",
        "<link rel=\"stylesheet\" href=\"http://192.0.2.1/x.css\"></head>",
        1,
    );
    let f = open(&mut chrome, "remote.html", &remote);
    assert!(
        !f.console_errors.is_empty(),
        "a refused remote style sheet went unnoticed"
    );

    // c) Without the CSP, an injected script's alert and a remote image are caught.
    let csp_start = good
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .unwrap();
    let csp_end = good[csp_start..].find('>').unwrap() + csp_start + 1;
    let mut naked = good.clone();
    naked.replace_range(csp_start..csp_end, "");
    let naked = naked.replacen(
        "<main class=\"wrap\">",
        "<main class=\"wrap\"><script>alert('x')</script><img src=\"http://127.0.0.1:9/pixel.png\">",
        1,
    );
    let f = open(&mut chrome, "naked.html", &naked);
    assert_eq!(f.dialogs.len(), 1, "the alert was not detected: {f:?}");
    assert!(
        f.requests
            .iter()
            .any(|u| u.starts_with("http://127.0.0.1:9/")),
        "the remote image request was not detected: {:?}",
        f.requests
    );

    // d) A wrong script hash: the script is refused, the filters stay hidden.
    let tampered = good.replacen("(function () {", "(function () { /* changed */", 1);
    let f = open(&mut chrome, "tampered.html", &tampered);
    assert!(
        !f.console_errors.is_empty(),
        "a refused script went unnoticed"
    );
    assert_eq!(f.dom["filters_visible"], false);
}
