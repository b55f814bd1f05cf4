//! The rule loader: any text as a rule file. Every error is one line naming the file and,
//! when it has one, a line that exists; read leniently (as a scan reads `--checks`), each
//! rule kept as unusable says one of the mistakes found.
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAME: &str = "fuzz.toml";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Err(errors) = bollwerk::rules::loader::parse_file(NAME, text) else {
        return;
    };
    assert!(!errors.is_empty(), "an error without a message");
    let lenient = bollwerk::rules::loader::parse_file_lenient(NAME, text);
    let lines = text.lines().count().max(1);
    for e in &lenient.problems {
        assert_eq!(e.file, NAME, "the error names another file: {e:?}");
        assert!(!e.message.contains('\n'), "a message of several lines: {e:?}");
        assert!(e.line <= lines + 1, "line {} of {lines}: {e:?}", e.line);
    }
    // A rule kept as unusable says one of the mistakes found, at a line of the file.
    for u in &lenient.unusable {
        assert!(
            lenient.problems.iter().any(|p| p.to_string() == u.problem),
            "{u:?} says no mistake of {:?}",
            lenient.problems
        );
        let line: usize = u.origin.rsplit(':').next().unwrap().parse().unwrap();
        assert!(line >= 1 && line <= lines + 1, "{u:?}");
    }
});
