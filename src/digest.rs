//! SHA-256 digests written as lowercase hex: what names a custom rule set, a machine, a host
//! name too long for a file name.

/// `bytes` as lowercase hex, two digits a byte.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The SHA-256 of `parts`, one after another, as hex of its first `bytes` bytes (at most 32).
pub fn sha256_hex<'a>(parts: impl IntoIterator<Item = &'a [u8]>, bytes: usize) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for part in parts {
        ctx.update(part);
    }
    let digest = ctx.finish();
    hex(&digest.as_ref()[..bytes.min(32)])
}

#[cfg(test)]
mod tests {
    #[test]
    fn digests_are_lowercase_hex_of_the_bytes_asked_for() {
        // SHA-256 of "abc", split in two parts: the parts are hashed as one text.
        let abc = super::sha256_hex([&b"a"[..], &b"bc"[..]], 32);
        assert_eq!(
            abc,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(super::sha256_hex([&b"abc"[..]], 4), "ba7816bf");
        assert_eq!(super::hex(&[0, 15, 255]), "000fff");
    }
}
