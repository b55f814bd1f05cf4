//! Snapshot loading as `scan --snapshot` does it: any text. Errors are one line naming the
//! file; a snapshot that loads survives a round trip through its own JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAME: &str = "fuzz-snapshot.json";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match bollwerk::snapshot::parse(NAME, text) {
        Ok(snap) => {
            let json = serde_json::to_string(&snap).expect("a loaded snapshot encodes");
            bollwerk::snapshot::parse(NAME, &json).expect("an encoded snapshot loads again");
        }
        Err(e) => {
            let e = e.to_string();
            assert!(e.starts_with(NAME), "the error does not name the file: {e}");
            assert!(!e.contains('\n'), "an error of several lines: {e}");
        }
    }
});
