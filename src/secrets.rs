//! Masking of secrets: one spelling for the evidence in reports and the facts in saved
//! snapshots, so a snapshot handed to an auditor says no more than the report does.
//!
//! This module sits beside the facts and depends on nothing of bollwerk but them: the rules
//! decide *what* is a secret (the patterns of rules marked `redact`), this module only masks.

use serde_json::Value;

use crate::doc::Doc;
use crate::snapshot::Snapshot;

/// Masks one string: `NAME=value` keeps its name, other text its first four characters.
///
/// A masked assignment still reads as an assignment with a literal value, so a rule that looks
/// for one judges the masked text as it judged the secret.
pub fn mask_text(s: &str) -> String {
    let n = s.chars().count();
    match s.split_once('=') {
        Some((name, _)) if !name.is_empty() && name.len() < 64 => format!("{name}=[redacted]"),
        _ if n > 8 => format!(
            "{}…[redacted, {n} characters]",
            s.chars().take(4).collect::<String>()
        ),
        _ => "[redacted]".into(),
    }
}

/// Masks every string in `v` with [`mask_text`].
pub fn mask_all(v: &mut Value) {
    match v {
        Value::String(s) => *s = mask_text(s),
        Value::Array(a) => a.iter_mut().for_each(mask_all),
        Value::Object(o) => o.values_mut().for_each(mask_all),
        _ => {}
    }
}

/// Masks, in `v`, every string `is_secret` accepts, and every object value whose entry
/// (`"KEY":"value"`, as in compact JSON) it accepts, such as a label named like a password.
/// Returns how many strings were masked.
pub fn mask_matching(v: &mut Value, is_secret: &dyn Fn(&str) -> bool) -> usize {
    match v {
        Value::String(s) if is_secret(s) => {
            *s = mask_text(s);
            1
        }
        Value::Array(a) => a.iter_mut().map(|e| mask_matching(e, is_secret)).sum(),
        Value::Object(o) => o
            .iter_mut()
            .map(|(key, value)| match value {
                Value::String(s) if is_secret(&entry_text(key, s)) => {
                    *s = mask_text(s);
                    1
                }
                other => mask_matching(other, is_secret),
            })
            .sum(),
        _ => 0,
    }
}

/// One object entry as compact JSON writes it: `"KEY":"value"`.
fn entry_text(key: &str, value: &str) -> String {
    format!("{}:{}", Value::from(key), Value::from(value))
}

/// Masks the secrets `is_secret` recognises in the snapshot's image and container documents
/// (inspect, history, processes, execs), where secrets baked into images and passed to
/// containers live. Each image records how many of its strings were masked
/// ([`crate::snapshot::ImageFacts::masked_secrets`]), so a rule replayed on the snapshot still
/// knows a secret was there. Returns the total.
pub fn mask_snapshot(snap: &mut Snapshot, is_secret: &dyn Fn(&str) -> bool) -> usize {
    let mut total = 0;
    for image in &mut snap.images {
        let n = mask_matching(&mut image.inspect, is_secret)
            + mask_matching(&mut image.history, is_secret);
        image.masked_secrets += n;
        if n > 0 {
            image.facts_changed();
        }
        total += n;
    }
    for container in &mut snap.containers {
        let mut inspect = serde_json::to_value(&container.inspect).unwrap_or(Value::Null);
        let n = mask_matching(&mut inspect, is_secret);
        if n > 0 {
            container.inspect = Doc::from(inspect);
        }
        let in_facts = container
            .processes
            .iter_mut()
            .chain(container.execs.iter_mut())
            .map(|v| mask_matching(v, is_secret))
            .sum::<usize>();
        if in_facts > 0 {
            // Its facts document holds processes and execs (the inspect is a document itself).
            container.facts_changed();
        }
        total += n + in_facts;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_assignments_keys_and_label_entries() {
        let secret = |s: &str| s.contains("PASSWORD") || s.starts_with("AKIA");
        let mut v = json!({
            "Env": ["PATH=/bin", "DB_PASSWORD=s3cret"],
            "Labels": {"DB_PASSWORD": "hunter2", "team": "ops"},
            "Key": "AKIAABCDEFGHIJKLMNOP",
        });
        assert_eq!(mask_matching(&mut v, &secret), 3);
        assert_eq!(
            v,
            json!({
                "Env": ["PATH=/bin", "DB_PASSWORD=[redacted]"],
                "Labels": {"DB_PASSWORD": "[redacted]", "team": "ops"},
                "Key": "AKIA…[redacted, 20 characters]",
            })
        );
    }
}
