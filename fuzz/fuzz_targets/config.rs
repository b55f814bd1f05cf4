//! The config file (bollwerk.toml): any text. Errors are one line naming the file; values
//! that load make parameters.
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAME: &str = "bollwerk.toml";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match bollwerk::config::parse(NAME, text) {
        Ok(values) => {
            bollwerk::config::params(values, Default::default());
        }
        Err(e) => {
            let e = e.to_string();
            assert!(e.starts_with(NAME), "the error does not name the file: {e}");
            assert!(!e.contains('\n'), "an error of several lines: {e}");
        }
    }
});
