//! XCCDF tailoring files: any text. Errors are one line naming the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAME: &str = "tailoring.xml";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = bollwerk::report::tailoring::parse_named(NAME, text) {
        let e = e.to_string();
        assert!(e.starts_with(NAME), "the error does not name the file: {e}");
        assert!(!e.contains('\n'), "an error of several lines: {e}");
    }
});
