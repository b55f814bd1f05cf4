//! The rule loader: any text as a rule file. Every error is one line naming the file and,
//! when it has one, a line that exists; read leniently (as a scan reads `--checks`), the same
//! mistakes are found, and a rule it cannot use is one of them.
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAME: &str = "fuzz.toml";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lenient = bollwerk::rules::loader::parse_file_lenient(NAME, text);
    if let Err(errors) = bollwerk::rules::loader::parse_file(NAME, text) {
        assert!(!errors.is_empty(), "an error without a message");
        for e in &errors {
            assert!(lenient.problems.contains(e), "not found leniently: {e:?}");
        }
        let lines = text.lines().count().max(1);
        for e in lenient.problems {
            assert_eq!(e.file, NAME, "the error names another file: {e:?}");
            assert!(!e.message.contains('\n'), "a message of several lines: {e:?}");
            assert!(e.line <= lines + 1, "line {} of {lines}: {e:?}", e.line);
        }
    } else {
        assert!(
            lenient.problems.is_empty() && lenient.unusable.is_empty(),
            "a file read whole has no mistake leniently: {:?}",
            lenient.problems
        );
    }
});
