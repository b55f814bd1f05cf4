//! daemon.json parsing: any text. Errors are one line starting with the file; every setting's
//! source names the file and a line that exists.
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAME: &str = "/etc/docker/daemon.json";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match bollwerk::collect::daemon_config::parse_daemon_json(NAME, text) {
        Ok(settings) => {
            let lines = text.lines().count().max(1);
            for (key, s) in settings {
                let line = s
                    .source
                    .strip_prefix(NAME)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or_else(|| panic!("source of {key:?} is not file:line: {}", s.source));
                assert!((1..=lines).contains(&line), "{key:?} at line {line} of {lines}");
            }
        }
        Err(e) => {
            let e = e.to_string();
            assert!(e.starts_with(NAME), "the error does not name the file: {e}");
            assert!(!e.contains('\n'), "an error of several lines: {e}");
        }
    }
});
