//! Headless Chromium driven over the DevTools protocol, for tests of the HTML report.
//!
//! Chromium runs with `--remote-debugging-pipe`: it reads protocol commands (JSON, each ended
//! by a NUL byte) on file descriptor 3 and writes answers and events on descriptor 4. A small
//! `sh -c 'exec …  3<&0 4>&1'` wrapper maps them to the child's stdin and stdout, so no
//! websocket client (and no unsafe code) is needed.
//!
//! [`Chromium::inspect`] opens a page and records what a test needs to judge it: console
//! messages and errors (CSP violations included), every network request, JavaScript dialogs
//! (`alert`), and the page's DOM facts as computed by a probe script.

#![allow(dead_code)]

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The Chromium binary (Debian package `chromium`).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// How long one protocol command may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a page may take to load.
const LOAD_TIMEOUT: Duration = Duration::from_secs(60);
/// How long to keep listening after the load event for late console messages and requests.
const SETTLE: Duration = Duration::from_millis(700);

/// A running headless Chromium; killed on drop.
pub struct Chromium {
    child: Child,
    input: ChildStdin,
    output: Receiver<Value>,
    next_id: u64,
    /// Every event received so far, in order.
    events: Vec<Value>,
    profile: tempfile::TempDir,
    log: PathBuf,
}

/// A page opened in its own tab.
pub struct Tab {
    session: String,
    target: String,
    /// Index into [`Chromium::events`] of the first event of the current navigation.
    since: usize,
}

/// What a page did while it loaded.
#[derive(Debug, Default)]
pub struct Findings {
    /// Console messages at level warning or error, exceptions and CSP violations.
    pub console_errors: Vec<String>,
    /// URLs of requests other than the page itself.
    pub requests: Vec<String>,
    /// Messages of JavaScript dialogs (alert, confirm, prompt) the page opened.
    pub dialogs: Vec<String>,
    /// The probe's result (see [`Chromium::eval`]).
    pub dom: Value,
}

impl Findings {
    /// Panics, listing everything found, unless the page was quiet: no console errors, no
    /// requests, no dialogs.
    pub fn assert_quiet(&self, what: &str) {
        assert!(
            self.console_errors.is_empty() && self.requests.is_empty() && self.dialogs.is_empty(),
            "{what}: the page was not quiet:\nconsole errors: {:#?}\nnetwork requests: {:#?}\ndialogs: {:#?}",
            self.console_errors,
            self.requests,
            self.dialogs
        );
    }
}

fn require_chromium() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} not found: install chromium: run scripts/test.sh"
    );
}

impl Chromium {
    /// Starts headless Chromium with a fresh profile. Panics (never skips) when Chromium is
    /// not installed.
    pub fn launch() -> Chromium {
        require_chromium();
        let profile = tempfile::Builder::new()
            .prefix("bw-chromium-")
            .tempdir()
            .expect("profile dir");
        let log = profile.path().join("chromium.log");
        let log_file = fs::File::create(&log).expect("chromium log");
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>&2"#)
            .arg(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMIUM}: {e}"));
        let input = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut buf = Vec::new();
                match reader.read_until(0, &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if buf.last() == Some(&0) {
                            buf.pop();
                        }
                        match serde_json::from_slice::<Value>(&buf) {
                            Ok(v) => {
                                if tx.send(v).is_err() {
                                    break;
                                }
                            }
                            Err(e) => eprintln!("chromium sent non-JSON ({e})"),
                        }
                    }
                }
            }
        });
        let mut c = Chromium {
            child,
            input,
            output: rx,
            next_id: 1,
            events: Vec::new(),
            profile,
            log,
        };
        c.call(None, "Browser.getVersion", json!({}));
        c
    }

    fn log_tail(&self) -> String {
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).expect("encode");
        bytes.push(0);
        self.input
            .write_all(&bytes)
            .and_then(|_| self.input.flush())
            .unwrap_or_else(|e| panic!("chromium pipe closed ({e}); log:\n{}", self.log_tail()));
        id
    }

    /// Takes the next message, recording events (and dismissing dialogs so a page that calls
    /// `alert` cannot hang the test). Returns `None` on timeout.
    fn pump(&mut self, timeout: Duration) -> Option<Value> {
        match self.output.recv_timeout(timeout) {
            Ok(msg) => {
                if msg.get("method").and_then(Value::as_str) == Some("Page.javascriptDialogOpening")
                {
                    let session = msg["sessionId"].as_str().map(str::to_string);
                    self.send(
                        session.as_deref(),
                        "Page.handleJavaScriptDialog",
                        json!({ "accept": true }),
                    );
                }
                if msg.get("id").is_none() {
                    self.events.push(msg.clone());
                }
                Some(msg)
            }
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                panic!("chromium exited; log:\n{}", self.log_tail())
            }
        }
    }

    /// Sends a command and waits for its result; panics on a protocol error.
    pub fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        let id = self.send(session, method, params.clone());
        let deadline = Instant::now() + CALL_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Some(msg) = self.pump(left) else {
                panic!(
                    "chromium did not answer {method} within {CALL_TIMEOUT:?}; log:\n{}",
                    self.log_tail()
                );
            };
            if msg.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(err) = msg.get("error") {
                    panic!("{method} {params} failed: {err}");
                }
                return msg["result"].clone();
            }
        }
    }

    /// Opens a new tab with the domains the checks listen to enabled.
    pub fn tab(&mut self) -> Tab {
        let target = self.call(None, "Target.createTarget", json!({ "url": "about:blank" }))
            ["targetId"]
            .as_str()
            .expect("targetId")
            .to_string();
        let session = self.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target, "flatten": true }),
        )["sessionId"]
            .as_str()
            .expect("sessionId")
            .to_string();
        for domain in ["Page", "Runtime", "Log", "Network"] {
            self.call(Some(&session), &format!("{domain}.enable"), json!({}));
        }
        Tab {
            session,
            target,
            since: self.events.len(),
        }
    }

    /// Navigates `tab` to `url` and waits for the load event plus a short settling time.
    pub fn navigate(&mut self, tab: &mut Tab, url: &str) {
        tab.since = self.events.len();
        let nav = self.call(Some(&tab.session), "Page.navigate", json!({ "url": url }));
        if let Some(err) = nav.get("errorText") {
            panic!("navigating to {url}: {err}");
        }
        let deadline = Instant::now() + LOAD_TIMEOUT;
        let loaded = |events: &[Value]| {
            events.iter().any(|e| {
                e["method"] == "Page.loadEventFired" && e["sessionId"] == tab.session.as_str()
            })
        };
        while !loaded(&self.events[tab.since..]) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                panic!("{url} did not finish loading within {LOAD_TIMEOUT:?}");
            }
            self.pump(left);
        }
        let settle = Instant::now() + SETTLE;
        while Instant::now() < settle {
            self.pump(settle.saturating_duration_since(Instant::now()));
        }
    }

    /// Evaluates `expression` in the page and returns its value (JSON).
    pub fn eval(&mut self, tab: &Tab, expression: &str) -> Value {
        let r = self.call(
            Some(&tab.session),
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        );
        if let Some(ex) = r.get("exceptionDetails") {
            panic!("evaluating a probe failed: {ex}");
        }
        r["result"]["value"].clone()
    }

    /// Console errors, requests and dialogs seen since `tab`'s last navigation; `page_url`
    /// itself is not counted as a request.
    pub fn findings(&self, tab: &Tab, page_url: &str) -> Findings {
        let mut f = Findings::default();
        for e in &self.events[tab.since..] {
            if e["sessionId"] != tab.session.as_str() {
                continue;
            }
            let p = &e["params"];
            match e["method"].as_str().unwrap_or_default() {
                "Runtime.consoleAPICalled" => {
                    let level = p["type"].as_str().unwrap_or_default();
                    if matches!(level, "error" | "warning" | "assert") {
                        f.console_errors
                            .push(format!("console.{level}: {}", p["args"]));
                    }
                }
                "Runtime.exceptionThrown" => {
                    f.console_errors
                        .push(format!("exception: {}", p["exceptionDetails"]));
                }
                "Log.entryAdded" => {
                    let entry = &p["entry"];
                    let level = entry["level"].as_str().unwrap_or_default();
                    if matches!(level, "error" | "warning") {
                        f.console_errors.push(format!(
                            "{level} ({}): {} {}",
                            entry["source"].as_str().unwrap_or_default(),
                            entry["text"].as_str().unwrap_or_default(),
                            entry["url"].as_str().unwrap_or_default()
                        ));
                    }
                }
                "Network.requestWillBeSent" => {
                    let url = p["request"]["url"].as_str().unwrap_or_default();
                    if url != page_url {
                        f.requests.push(url.to_string());
                    }
                }
                "Page.javascriptDialogOpening" => {
                    f.dialogs.push(format!(
                        "{}: {}",
                        p["type"].as_str().unwrap_or_default(),
                        p["message"].as_str().unwrap_or_default()
                    ));
                }
                _ => {}
            }
        }
        f
    }

    /// Sets the viewport (CSS pixels) and whether it is a mobile device.
    pub fn viewport(&mut self, tab: &Tab, width: u32, height: u32, mobile: bool) {
        self.call(
            Some(&tab.session),
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
        );
    }

    /// Emulates a CSS media type (`print`, or `""` for the default).
    pub fn media(&mut self, tab: &Tab, media: &str) {
        self.call(
            Some(&tab.session),
            "Emulation.setEmulatedMedia",
            json!({ "media": media }),
        );
    }

    /// Turns page scripts off (or back on) for the next navigation.
    pub fn scripts(&mut self, tab: &Tab, enabled: bool) {
        self.call(
            Some(&tab.session),
            "Emulation.setScriptExecutionDisabled",
            json!({ "value": !enabled }),
        );
    }

    /// Saves a PNG of the page's top `max_height` CSS pixels (the whole page when shorter) at
    /// the current viewport width.
    pub fn screenshot(&mut self, tab: &Tab, path: &Path, max_height: f64) {
        let metrics = self.call(Some(&tab.session), "Page.getLayoutMetrics", json!({}));
        let size = &metrics["cssContentSize"];
        let width = size["width"].as_f64().expect("content width");
        let height = size["height"]
            .as_f64()
            .expect("content height")
            .min(max_height);
        let shot = self.call(
            Some(&tab.session),
            "Page.captureScreenshot",
            json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 }
            }),
        );
        let data = base64_decode(shot["data"].as_str().expect("screenshot data"));
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).expect("screenshot dir");
        }
        fs::write(path, data).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }

    /// Saves a PNG of the element `selector` (first match), which must exist.
    pub fn screenshot_element(&mut self, tab: &Tab, selector: &str, path: &Path) {
        let sel = serde_json::to_string(selector).expect("selector");
        let rect = self.eval(
            tab,
            &format!(
                "(() => {{ const e = document.querySelector({sel}); if (!e) return null; \
                 const r = e.getBoundingClientRect(); \
                 return {{ x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height }}; }})()"
            ),
        );
        assert!(
            !rect.is_null(),
            "no element {selector} to take a picture of"
        );
        let shot = self.call(
            Some(&tab.session),
            "Page.captureScreenshot",
            json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": { "x": rect["x"], "y": rect["y"], "width": rect["w"], "height": rect["h"], "scale": 1 }
            }),
        );
        let data = base64_decode(shot["data"].as_str().expect("screenshot data"));
        fs::write(path, data).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }

    /// Closes a tab.
    pub fn close(&mut self, tab: Tab) {
        self.call(
            None,
            "Target.closeTarget",
            json!({ "targetId": tab.target }),
        );
    }

    /// Opens `file` in a fresh tab at `width`×`height`, lets it settle, runs `probe` (a
    /// JavaScript expression) and returns what happened; the tab stays open for more checks.
    pub fn inspect(
        &mut self,
        file: &Path,
        width: u32,
        height: u32,
        probe: &str,
    ) -> (Tab, Findings) {
        let url = file_url(file);
        let mut tab = self.tab();
        self.viewport(&tab, width, height, width < 600);
        self.navigate(&mut tab, &url);
        let dom = self.eval(&tab, probe);
        let mut f = self.findings(&tab, &url);
        f.dom = dom;
        (tab, f)
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `file://` URL of an absolute path (percent-encoding what a URL path cannot hold).
pub fn file_url(path: &Path) -> String {
    let abs = fs::canonicalize(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut url = String::from("file://");
    for b in abs.display().to_string().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// Decodes standard base64 (as in CDP screenshot data).
pub fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    let clean: String = text.split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(clean)
        .expect("screenshot data is base64")
}
